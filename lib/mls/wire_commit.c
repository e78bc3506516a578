/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * RFC 9420 §12.4: Commit and ProposalOrRef (a proposal by value or a
 * ProposalRef, RFC 9420 §5.2). Which proposals may appear together, and
 * whether a path is required, is proposal-list validation (§12.2), done
 * by the group logic.
 */
#include "mls/mls_wire.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/mls_wire_int.h"

int mls_decode_proposal_or_ref(struct codec_reader *r, struct mls_proposal_or_ref *out)
{
	uint8_t v = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mls_wire_read_enum8(r, MLS_PROPOSAL_OR_REF_REFERENCE, &v)) != 0) return rc;
	out->type = (enum mls_proposal_or_ref_type)v;
	switch (out->type) {
	case MLS_PROPOSAL_OR_REF_PROPOSAL:
		rc = mls_decode_proposal(r, &out->proposal);
		break;
	case MLS_PROPOSAL_OR_REF_REFERENCE:
		rc = codec_read_opaque(r, LIMIT_HASH, &out->reference);
		break;
	}
	if (rc != 0) memset(out, 0, sizeof(*out));
	return rc;
}

int mls_encode_proposal_or_ref(struct codec_writer *w, const struct mls_proposal_or_ref *in)
{
	switch (in->type) {
	case MLS_PROPOSAL_OR_REF_PROPOSAL:
		codec_write_u8(w, MLS_PROPOSAL_OR_REF_PROPOSAL);
		return mls_encode_proposal(w, &in->proposal);
	case MLS_PROPOSAL_OR_REF_REFERENCE:
		codec_write_u8(w, MLS_PROPOSAL_OR_REF_REFERENCE);
		return codec_write_opaque(w, in->reference.p, in->reference.len);
	}
	return KENH_ERR(KENH_E_INVALID_ARG);
}

void mls_proposal_or_ref_clear(struct mls_proposal_or_ref *p)
{
	mls_proposal_clear(&p->proposal);
	memset(p, 0, sizeof(*p));
}

static int decode_por_elem(struct codec_reader *r, void *elem)
{
	return mls_decode_proposal_or_ref(r, elem);
}

static int encode_por_elem(struct codec_writer *w, const void *elem)
{
	return mls_encode_proposal_or_ref(w, elem);
}

static void clear_por_elem(void *elem)
{
	mls_proposal_or_ref_clear(elem);
}

static size_t por_owned(const void *elem)
{
	const struct mls_proposal_or_ref *p = elem;

	return p->type == MLS_PROPOSAL_OR_REF_PROPOSAL ? mls_proposal_owned(&p->proposal) : 0;
}

/* See LIMIT_PROPOSALS_MEMORY: a Remove by value is far smaller on the wire than in memory. */
static const struct mls_list_spec proposal_list = {
	.elem_size = sizeof(struct mls_proposal_or_ref),
	.max_bytes = LIMIT_STRUCT_VECTOR,
	.max_count = LIMIT_PROPOSALS,
	.allowance = LIMIT_PROPOSALS_MEMORY,
	.decode = decode_por_elem,
	.encode = encode_por_elem,
	.clear = clear_por_elem,
	.owned = por_owned,
};

int mls_decode_commit(struct codec_reader *r, struct mls_commit *out)
{
	void *items = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mls_list_decode(r, &proposal_list, &items, &out->n_proposals)) != 0) return rc;
	out->proposals = items;
	/* RFC 9420 §2.1.1: optional<UpdatePath>. */
	if ((rc = codec_read_optional(r, &out->has_path)) == 0 && out->has_path)
		rc = mls_decode_update_path(r, &out->path);
	if (rc != 0) mls_commit_clear(out);
	return rc;
}

int mls_encode_commit(struct codec_writer *w, const struct mls_commit *in)
{
	int rc;

	rc = mls_list_encode(w, &proposal_list, in->proposals, in->n_proposals);
	if (rc != 0) return rc;
	codec_write_optional(w, in->has_path);
	if (!in->has_path) return codec_writer_err(w);
	return mls_encode_update_path(w, &in->path);
}

void mls_commit_clear(struct mls_commit *c)
{
	mls_list_free(&proposal_list, c->proposals, c->n_proposals);
	mls_update_path_clear(&c->path);
	memset(c, 0, sizeof(*c));
}
