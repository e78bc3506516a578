/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * RFC 9420 §7.2 LeafNode and its parts: Credential (§5.3), Capabilities,
 * Lifetime, the leaf_node_source variants, and the LeafNodeTBS encoding
 * that SignWithLabel("LeafNodeTBS") covers. Syntax only: whether the
 * credential is acceptable, the capabilities cover the extensions, or the
 * lifetime is current is leaf-node validation (§7.3), done elsewhere.
 */
#include "mls/mls_wire.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/mls_wire_int.h"

static int decode_u16(struct codec_reader *r, void *elem)
{
	return codec_read_u16(r, elem);
}

static int encode_u16(struct codec_writer *w, const void *elem)
{
	return codec_write_u16(w, *(const uint16_t *)elem);
}

static const struct mls_list_spec u16_list = {
	.elem_size = sizeof(uint16_t),
	.max_bytes = 2 * LIMIT_CAPABILITY_LIST,
	.max_count = LIMIT_CAPABILITY_LIST,
	.decode = decode_u16,
	.encode = encode_u16,
	.clear = NULL,
};

int mls_decode_u16_list(struct codec_reader *r, struct mls_u16_list *out)
{
	void *items = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mls_list_decode(r, &u16_list, &items, &out->count)) != 0) return rc;
	out->items = items;
	return 0;
}

int mls_encode_u16_list(struct codec_writer *w, const struct mls_u16_list *in)
{
	return mls_list_encode(w, &u16_list, in->items, in->count);
}

void mls_u16_list_clear(struct mls_u16_list *l)
{
	mls_list_free(&u16_list, l->items, l->count);
	memset(l, 0, sizeof(*l));
}

/* RFC 9420 §5.3: Certificate { opaque cert_data<V>; }, kept as views. */
static int decode_cert(struct codec_reader *r, void *elem)
{
	return codec_read_opaque(r, LIMIT_CREDENTIAL, elem);
}

static int encode_cert(struct codec_writer *w, const void *elem)
{
	const struct kenh_span *s = elem;

	return codec_write_opaque(w, s->p, s->len);
}

static const struct mls_list_spec cert_list = {
	.elem_size = sizeof(struct kenh_span),
	.max_bytes = LIMIT_CREDENTIAL,
	.max_count = LIMIT_CERT_CHAIN,
	.decode = decode_cert,
	.encode = encode_cert,
	.clear = NULL,
};

int mls_decode_credential(struct codec_reader *r, struct mls_credential *out)
{
	void *certs = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = codec_read_u16(r, &out->credential_type)) != 0) return rc;
	if (out->credential_type == MLS_CREDENTIAL_BASIC) {
		codec_read_opaque(r, LIMIT_CREDENTIAL, &out->identity);
	} else if (out->credential_type == MLS_CREDENTIAL_X509) {
		if (mls_list_decode(r, &cert_list, &certs, &out->n_certificates) == 0)
			out->certificates = certs;
	} else {
		/* Unknown type (RFC 9420 §13.3): see struct mls_credential. */
		codec_read_opaque(r, LIMIT_CREDENTIAL, &out->other);
	}
	if ((rc = codec_reader_err(r)) != 0) mls_credential_clear(out);
	return rc;
}

int mls_encode_credential(struct codec_writer *w, const struct mls_credential *in)
{
	codec_write_u16(w, in->credential_type);
	if (in->credential_type == MLS_CREDENTIAL_BASIC)
		return codec_write_opaque(w, in->identity.p, in->identity.len);
	if (in->credential_type == MLS_CREDENTIAL_X509)
		return mls_list_encode(w, &cert_list, in->certificates, in->n_certificates);
	return codec_write_opaque(w, in->other.p, in->other.len);
}

void mls_credential_clear(struct mls_credential *c)
{
	mls_list_free(&cert_list, c->certificates, c->n_certificates);
	memset(c, 0, sizeof(*c));
}

size_t mls_credential_owned(const struct mls_credential *c)
{
	return c->n_certificates * sizeof(struct kenh_span);
}

int mls_decode_capabilities(struct codec_reader *r, struct mls_capabilities *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mls_decode_u16_list(r, &out->versions)) != 0 ||
	    (rc = mls_decode_u16_list(r, &out->cipher_suites)) != 0 ||
	    (rc = mls_decode_u16_list(r, &out->extensions)) != 0 ||
	    (rc = mls_decode_u16_list(r, &out->proposals)) != 0 ||
	    (rc = mls_decode_u16_list(r, &out->credentials)) != 0)
		mls_capabilities_clear(out);
	return rc;
}

int mls_encode_capabilities(struct codec_writer *w, const struct mls_capabilities *in)
{
	int rc;

	if ((rc = mls_encode_u16_list(w, &in->versions)) != 0 ||
	    (rc = mls_encode_u16_list(w, &in->cipher_suites)) != 0 ||
	    (rc = mls_encode_u16_list(w, &in->extensions)) != 0 ||
	    (rc = mls_encode_u16_list(w, &in->proposals)) != 0)
		return rc;
	return mls_encode_u16_list(w, &in->credentials);
}

void mls_capabilities_clear(struct mls_capabilities *c)
{
	mls_u16_list_clear(&c->versions);
	mls_u16_list_clear(&c->cipher_suites);
	mls_u16_list_clear(&c->extensions);
	mls_u16_list_clear(&c->proposals);
	mls_u16_list_clear(&c->credentials);
}

int mls_decode_lifetime(struct codec_reader *r, struct mls_lifetime *out)
{
	memset(out, 0, sizeof(*out));
	codec_read_u64(r, &out->not_before);
	codec_read_u64(r, &out->not_after);
	if (codec_reader_err(r) != 0) memset(out, 0, sizeof(*out));
	return codec_reader_err(r);
}

int mls_encode_lifetime(struct codec_writer *w, const struct mls_lifetime *in)
{
	codec_write_u64(w, in->not_before);
	return codec_write_u64(w, in->not_after);
}

/* RFC 9420 §7.2: leaf_node_source and the field it selects. */
static int decode_leaf_source(struct codec_reader *r, struct mls_leaf_node *out)
{
	uint8_t v = 0;
	int rc;

	if ((rc = mls_wire_read_enum8(r, MLS_LEAF_SOURCE_COMMIT, &v)) != 0) return rc;
	out->leaf_node_source = (enum mls_leaf_node_source)v;
	switch (out->leaf_node_source) {
	case MLS_LEAF_SOURCE_KEY_PACKAGE:
		return mls_decode_lifetime(r, &out->lifetime);
	case MLS_LEAF_SOURCE_UPDATE:
		return 0;
	case MLS_LEAF_SOURCE_COMMIT:
		return codec_read_opaque(r, LIMIT_HASH, &out->parent_hash);
	}
	return codec_reader_fail(r, KENH_ERR(KENH_E_INTERNAL));
}

static int encode_leaf_source(struct codec_writer *w, const struct mls_leaf_node *in)
{
	switch (in->leaf_node_source) {
	case MLS_LEAF_SOURCE_KEY_PACKAGE:
		codec_write_u8(w, MLS_LEAF_SOURCE_KEY_PACKAGE);
		return mls_encode_lifetime(w, &in->lifetime);
	case MLS_LEAF_SOURCE_UPDATE:
		return codec_write_u8(w, MLS_LEAF_SOURCE_UPDATE);
	case MLS_LEAF_SOURCE_COMMIT:
		codec_write_u8(w, MLS_LEAF_SOURCE_COMMIT);
		return codec_write_opaque(w, in->parent_hash.p, in->parent_hash.len);
	}
	return KENH_ERR(KENH_E_INVALID_ARG);
}

int mls_decode_leaf_node(struct codec_reader *r, struct mls_leaf_node *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	codec_read_opaque(r, LIMIT_PUBLIC_KEY, &out->encryption_key);
	codec_read_opaque(r, LIMIT_PUBLIC_KEY, &out->signature_key);
	if ((rc = mls_decode_credential(r, &out->credential)) != 0 ||
	    (rc = mls_decode_capabilities(r, &out->capabilities)) != 0 ||
	    (rc = decode_leaf_source(r, out)) != 0 ||
	    (rc = mls_decode_extension_list(r, &out->extensions)) != 0)
		goto out;
	rc = codec_read_opaque(r, LIMIT_SIGNATURE, &out->signature);
out:
	if (rc != 0) mls_leaf_node_clear(out);
	return rc;
}

/* The fields LeafNode and LeafNodeTBS share: everything before the signature. */
static int encode_leaf_body(struct codec_writer *w, const struct mls_leaf_node *in)
{
	int rc;

	codec_write_opaque(w, in->encryption_key.p, in->encryption_key.len);
	codec_write_opaque(w, in->signature_key.p, in->signature_key.len);
	if ((rc = mls_encode_credential(w, &in->credential)) != 0 ||
	    (rc = mls_encode_capabilities(w, &in->capabilities)) != 0 ||
	    (rc = encode_leaf_source(w, in)) != 0)
		return rc;
	return mls_encode_extension_list(w, &in->extensions);
}

int mls_encode_leaf_node(struct codec_writer *w, const struct mls_leaf_node *in)
{
	int rc;

	if ((rc = encode_leaf_body(w, in)) != 0) return rc;
	return codec_write_opaque(w, in->signature.p, in->signature.len);
}

int mls_encode_leaf_node_tbs(struct codec_writer *w, const struct mls_leaf_node *in,
                             struct kenh_span group_id, uint32_t leaf_index)
{
	int rc;

	if ((rc = encode_leaf_body(w, in)) != 0) return rc;
	/* RFC 9420 §7.2: update and commit leaves are bound to a group and a position. */
	if (in->leaf_node_source == MLS_LEAF_SOURCE_KEY_PACKAGE) return 0;
	codec_write_opaque(w, group_id.p, group_id.len);
	return codec_write_u32(w, leaf_index);
}

void mls_leaf_node_clear(struct mls_leaf_node *ln)
{
	mls_credential_clear(&ln->credential);
	mls_capabilities_clear(&ln->capabilities);
	mls_extension_list_clear(&ln->extensions);
	memset(ln, 0, sizeof(*ln));
}

size_t mls_leaf_node_owned(const struct mls_leaf_node *ln)
{
	const struct mls_capabilities *c = &ln->capabilities;
	size_t codes = c->versions.count + c->cipher_suites.count + c->extensions.count +
	               c->proposals.count + c->credentials.count;

	return mls_credential_owned(&ln->credential) + codes * sizeof(uint16_t) +
	       ln->extensions.count * sizeof(struct mls_extension);
}
