/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The data of the RFC 9420 extensions this layer understands:
 * external_senders (§12.1.8.1), required_capabilities (§11.1),
 * external_pub (§12.4.3.2) and application_id (§5.3.3). The ratchet_tree
 * extension's data is the tree vector of wire_tree.c. A caller decodes
 * these from a reader over Extension.extension_data and then checks
 * codec_reader_done(), since the data must hold exactly one value.
 */
#include "mls/mls_wire.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/mls_wire_int.h"

static int decode_sender_elem(struct codec_reader *r, void *elem)
{
	struct mls_external_sender *es = elem;

	codec_read_opaque(r, LIMIT_PUBLIC_KEY, &es->signature_key);
	if (mls_decode_credential(r, &es->credential) != 0) memset(es, 0, sizeof(*es));
	return codec_reader_err(r);
}

static int encode_sender_elem(struct codec_writer *w, const void *elem)
{
	const struct mls_external_sender *es = elem;

	codec_write_opaque(w, es->signature_key.p, es->signature_key.len);
	return mls_encode_credential(w, &es->credential);
}

static void clear_sender_elem(void *elem)
{
	struct mls_external_sender *es = elem;

	mls_credential_clear(&es->credential);
	memset(es, 0, sizeof(*es));
}

static size_t sender_owned(const void *elem)
{
	const struct mls_external_sender *es = elem;

	return mls_credential_owned(&es->credential);
}

static const struct mls_list_spec sender_list = {
	.elem_size = sizeof(struct mls_external_sender),
	.max_bytes = LIMIT_EXTENSION_DATA,
	.max_count = LIMIT_EXTERNAL_SENDERS,
	.decode = decode_sender_elem,
	.encode = encode_sender_elem,
	.clear = clear_sender_elem,
	.owned = sender_owned,
};

int mls_decode_external_senders(struct codec_reader *r, struct mls_external_senders *out)
{
	void *items = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mls_list_decode(r, &sender_list, &items, &out->count)) != 0) return rc;
	out->items = items;
	return 0;
}

int mls_encode_external_senders(struct codec_writer *w, const struct mls_external_senders *in)
{
	return mls_list_encode(w, &sender_list, in->items, in->count);
}

void mls_external_senders_clear(struct mls_external_senders *l)
{
	mls_list_free(&sender_list, l->items, l->count);
	memset(l, 0, sizeof(*l));
}

int mls_decode_required_capabilities(struct codec_reader *r, struct mls_required_capabilities *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mls_decode_u16_list(r, &out->extension_types)) != 0 ||
	    (rc = mls_decode_u16_list(r, &out->proposal_types)) != 0 ||
	    (rc = mls_decode_u16_list(r, &out->credential_types)) != 0)
		mls_required_capabilities_clear(out);
	return rc;
}

int mls_encode_required_capabilities(struct codec_writer *w,
                                     const struct mls_required_capabilities *in)
{
	int rc;

	if ((rc = mls_encode_u16_list(w, &in->extension_types)) != 0 ||
	    (rc = mls_encode_u16_list(w, &in->proposal_types)) != 0)
		return rc;
	return mls_encode_u16_list(w, &in->credential_types);
}

void mls_required_capabilities_clear(struct mls_required_capabilities *rc)
{
	mls_u16_list_clear(&rc->extension_types);
	mls_u16_list_clear(&rc->proposal_types);
	mls_u16_list_clear(&rc->credential_types);
}

int mls_decode_external_pub(struct codec_reader *r, struct kenh_span *out)
{
	return codec_read_opaque(r, LIMIT_PUBLIC_KEY, out);
}

int mls_encode_external_pub(struct codec_writer *w, struct kenh_span in)
{
	return codec_write_opaque(w, in.p, in.len);
}

int mls_decode_application_id(struct codec_reader *r, struct kenh_span *out)
{
	return codec_read_opaque(r, LIMIT_EXTENSION_DATA, out);
}

int mls_encode_application_id(struct codec_writer *w, struct kenh_span in)
{
	return codec_write_opaque(w, in.p, in.len);
}
