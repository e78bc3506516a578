/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * RFC 9420 §12.1: Proposal and the seven proposal bodies the RFC defines
 * (Add, Update, Remove, PreSharedKey, ReInit, ExternalInit,
 * GroupContextExtensions), with PreSharedKeyID (§8.4). A proposal body
 * has no length prefix, so a proposal type we do not know cannot be
 * skipped and is malformed here. Whether a proposal is valid for its
 * sender and its commit is proposal-list validation (§12.2).
 */
#include "mls/mls_wire.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/mls_wire_int.h"

/* RFC 9420 §8.4: the psktype-selected fields of PreSharedKeyID. */
static int decode_psk_variant(struct codec_reader *r, struct mls_pre_shared_key_id *out)
{
	uint8_t v = 0;
	int rc;

	if ((rc = mls_wire_read_enum8(r, MLS_PSK_RESUMPTION, &v)) != 0) return rc;
	out->psktype = (enum mls_psk_type)v;
	switch (out->psktype) {
	case MLS_PSK_EXTERNAL:
		return codec_read_opaque(r, LIMIT_PSK_ID, &out->psk_id);
	case MLS_PSK_RESUMPTION:
		if ((rc = mls_wire_read_enum8(r, MLS_RESUMPTION_BRANCH, &v)) != 0) return rc;
		out->usage = (enum mls_resumption_psk_usage)v;
		codec_read_opaque(r, LIMIT_GROUP_ID, &out->psk_group_id);
		return codec_read_u64(r, &out->psk_epoch);
	}
	return codec_reader_fail(r, KENH_ERR(KENH_E_INTERNAL));
}

int mls_decode_pre_shared_key_id(struct codec_reader *r, struct mls_pre_shared_key_id *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = decode_psk_variant(r, out)) == 0)
		rc = codec_read_opaque(r, LIMIT_HASH, &out->psk_nonce);
	if (rc != 0) memset(out, 0, sizeof(*out));
	return rc;
}

static int encode_psk_usage(struct codec_writer *w, enum mls_resumption_psk_usage usage)
{
	switch (usage) {
	case MLS_RESUMPTION_APPLICATION:
	case MLS_RESUMPTION_REINIT:
	case MLS_RESUMPTION_BRANCH:
		return codec_write_u8(w, (uint8_t)usage);
	}
	return KENH_ERR(KENH_E_INVALID_ARG);
}

static int encode_psk_variant(struct codec_writer *w, const struct mls_pre_shared_key_id *in)
{
	int rc;

	switch (in->psktype) {
	case MLS_PSK_EXTERNAL:
		codec_write_u8(w, MLS_PSK_EXTERNAL);
		return codec_write_opaque(w, in->psk_id.p, in->psk_id.len);
	case MLS_PSK_RESUMPTION:
		codec_write_u8(w, MLS_PSK_RESUMPTION);
		if ((rc = encode_psk_usage(w, in->usage)) != 0) return rc;
		codec_write_opaque(w, in->psk_group_id.p, in->psk_group_id.len);
		return codec_write_u64(w, in->psk_epoch);
	}
	return KENH_ERR(KENH_E_INVALID_ARG);
}

int mls_encode_pre_shared_key_id(struct codec_writer *w, const struct mls_pre_shared_key_id *in)
{
	int rc;

	if ((rc = encode_psk_variant(w, in)) != 0) return rc;
	return codec_write_opaque(w, in->psk_nonce.p, in->psk_nonce.len);
}

int mls_decode_add(struct codec_reader *r, struct mls_add *out)
{
	return mls_decode_key_package(r, &out->key_package);
}

int mls_encode_add(struct codec_writer *w, const struct mls_add *in)
{
	return mls_encode_key_package(w, &in->key_package);
}

void mls_add_clear(struct mls_add *p)
{
	mls_key_package_clear(&p->key_package);
}

int mls_decode_update(struct codec_reader *r, struct mls_update *out)
{
	return mls_decode_leaf_node(r, &out->leaf_node);
}

int mls_encode_update(struct codec_writer *w, const struct mls_update *in)
{
	return mls_encode_leaf_node(w, &in->leaf_node);
}

void mls_update_clear(struct mls_update *p)
{
	mls_leaf_node_clear(&p->leaf_node);
}

int mls_decode_remove(struct codec_reader *r, struct mls_remove *out)
{
	return codec_read_u32(r, &out->removed);
}

int mls_encode_remove(struct codec_writer *w, const struct mls_remove *in)
{
	return codec_write_u32(w, in->removed);
}

int mls_decode_pre_shared_key(struct codec_reader *r, struct mls_pre_shared_key *out)
{
	return mls_decode_pre_shared_key_id(r, &out->psk);
}

int mls_encode_pre_shared_key(struct codec_writer *w, const struct mls_pre_shared_key *in)
{
	return mls_encode_pre_shared_key_id(w, &in->psk);
}

int mls_decode_reinit(struct codec_reader *r, struct mls_reinit *out)
{
	memset(out, 0, sizeof(*out));
	codec_read_opaque(r, LIMIT_GROUP_ID, &out->group_id);
	codec_read_u16(r, &out->version);
	codec_read_u16(r, &out->cipher_suite);
	/* The list decoder sees any earlier error and clears its own part. */
	if (mls_decode_extension_list(r, &out->extensions) != 0) memset(out, 0, sizeof(*out));
	return codec_reader_err(r);
}

int mls_encode_reinit(struct codec_writer *w, const struct mls_reinit *in)
{
	codec_write_opaque(w, in->group_id.p, in->group_id.len);
	codec_write_u16(w, in->version);
	codec_write_u16(w, in->cipher_suite);
	return mls_encode_extension_list(w, &in->extensions);
}

void mls_reinit_clear(struct mls_reinit *p)
{
	mls_extension_list_clear(&p->extensions);
	memset(p, 0, sizeof(*p));
}

int mls_decode_external_init(struct codec_reader *r, struct mls_external_init *out)
{
	return codec_read_opaque(r, LIMIT_KEM_OUTPUT, &out->kem_output);
}

int mls_encode_external_init(struct codec_writer *w, const struct mls_external_init *in)
{
	return codec_write_opaque(w, in->kem_output.p, in->kem_output.len);
}

int mls_decode_group_context_extensions(struct codec_reader *r,
                                        struct mls_group_context_extensions *out)
{
	return mls_decode_extension_list(r, &out->extensions);
}

int mls_encode_group_context_extensions(struct codec_writer *w,
                                        const struct mls_group_context_extensions *in)
{
	return mls_encode_extension_list(w, &in->extensions);
}

void mls_group_context_extensions_clear(struct mls_group_context_extensions *p)
{
	mls_extension_list_clear(&p->extensions);
}

/* The body selected by out->proposal_type (already range-checked). */
static int decode_proposal_body(struct codec_reader *r, struct mls_proposal *out)
{
	switch (out->proposal_type) {
	case MLS_PROPOSAL_ADD:
		return mls_decode_add(r, &out->u.add);
	case MLS_PROPOSAL_UPDATE:
		return mls_decode_update(r, &out->u.update);
	case MLS_PROPOSAL_REMOVE:
		return mls_decode_remove(r, &out->u.remove);
	case MLS_PROPOSAL_PSK:
		return mls_decode_pre_shared_key(r, &out->u.psk);
	case MLS_PROPOSAL_REINIT:
		return mls_decode_reinit(r, &out->u.reinit);
	case MLS_PROPOSAL_EXTERNAL_INIT:
		return mls_decode_external_init(r, &out->u.external_init);
	case MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS:
		return mls_decode_group_context_extensions(r, &out->u.group_context_extensions);
	}
	return codec_reader_fail(r, KENH_ERR(KENH_E_INTERNAL));
}

int mls_decode_proposal(struct codec_reader *r, struct mls_proposal *out)
{
	uint16_t v = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	/* RFC 9420 §12.1: an unknown proposal type cannot be parsed past. */
	rc = mls_wire_read_enum16(r, MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS, &v);
	if (rc != 0) return rc;
	out->proposal_type = (enum mls_proposal_type)v;
	if ((rc = decode_proposal_body(r, out)) != 0) mls_proposal_clear(out);
	return rc;
}

static int encode_proposal_body(struct codec_writer *w, const struct mls_proposal *in)
{
	switch (in->proposal_type) {
	case MLS_PROPOSAL_ADD:
		return mls_encode_add(w, &in->u.add);
	case MLS_PROPOSAL_UPDATE:
		return mls_encode_update(w, &in->u.update);
	case MLS_PROPOSAL_REMOVE:
		return mls_encode_remove(w, &in->u.remove);
	case MLS_PROPOSAL_PSK:
		return mls_encode_pre_shared_key(w, &in->u.psk);
	case MLS_PROPOSAL_REINIT:
		return mls_encode_reinit(w, &in->u.reinit);
	case MLS_PROPOSAL_EXTERNAL_INIT:
		return mls_encode_external_init(w, &in->u.external_init);
	case MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS:
		return mls_encode_group_context_extensions(w, &in->u.group_context_extensions);
	}
	return KENH_ERR(KENH_E_INVALID_ARG);
}

int mls_encode_proposal(struct codec_writer *w, const struct mls_proposal *in)
{
	if (in->proposal_type < MLS_PROPOSAL_ADD ||
	    in->proposal_type > MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS)
		return KENH_ERR(KENH_E_INVALID_ARG);
	codec_write_u16(w, (uint16_t)in->proposal_type);
	return encode_proposal_body(w, in);
}

void mls_proposal_clear(struct mls_proposal *p)
{
	switch (p->proposal_type) {
	case MLS_PROPOSAL_ADD:
		mls_add_clear(&p->u.add);
		break;
	case MLS_PROPOSAL_UPDATE:
		mls_update_clear(&p->u.update);
		break;
	case MLS_PROPOSAL_REINIT:
		mls_reinit_clear(&p->u.reinit);
		break;
	case MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS:
		mls_group_context_extensions_clear(&p->u.group_context_extensions);
		break;
	case MLS_PROPOSAL_REMOVE:
	case MLS_PROPOSAL_PSK:
	case MLS_PROPOSAL_EXTERNAL_INIT:
		break;
	}
	memset(p, 0, sizeof(*p));
}

size_t mls_proposal_owned(const struct mls_proposal *p)
{
	switch (p->proposal_type) {
	case MLS_PROPOSAL_ADD:
		return mls_key_package_owned(&p->u.add.key_package);
	case MLS_PROPOSAL_UPDATE:
		return mls_leaf_node_owned(&p->u.update.leaf_node);
	case MLS_PROPOSAL_REINIT:
		return p->u.reinit.extensions.count * sizeof(struct mls_extension);
	case MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS:
		return p->u.group_context_extensions.extensions.count *
		       sizeof(struct mls_extension);
	case MLS_PROPOSAL_REMOVE:
	case MLS_PROPOSAL_PSK:
	case MLS_PROPOSAL_EXTERNAL_INIT:
		break;
	}
	return 0;
}
