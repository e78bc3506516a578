/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Proposals received in the current epoch, kept by reference (RFC 9420
 * RFC 9420 §12.1: "cached in such a way that it can be retrieved by hash", §5.2
 * ProposalRef) until a Commit names them or the epoch ends. Each entry
 * owns the encoding of its Proposal and a decoded view of it. The store is
 * bounded (MLS_GROUP_MAX_PENDING) so that a sender cannot grow it without
 * limit; an entry can hold the private key of our own Update, so the
 * array is secure memory.
 */
#include "mls/group.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "util/mem.h"

const struct mls_pending_prop *mls_group_find_prop(const struct mls_group *g, struct kenh_span ref)
{
	size_t i, nh = g->cs->kdf->nh;

	if (ref.len != nh) return NULL;
	for (i = 0; i < g->n_props; i++)
		if (memcmp(g->props[i].ref, ref.p, nh) == 0) return &g->props[i];
	return NULL;
}

/* RFC 9420 §5.2: ProposalRef = RefHash("MLS 1.0 Proposal Reference", AuthenticatedContent). */
static int proposal_ref(const struct mls_group *g, const struct mls_authenticated_content *ac,
                        uint8_t *ref)
{
	struct codec_writer w;
	int rc;

	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	if ((rc = mls_encode_authenticated_content(&w, ac)) == 0)
		rc = mls_make_proposal_ref(g->cs, codec_writer_span(&w), ref);
	codec_writer_clear(&w);
	return rc;
}

/* Fill e with an owned copy of p (encoded, then decoded as a view of that encoding). */
static int own_proposal(struct mls_pending_prop *e, const struct mls_proposal *p)
{
	struct codec_writer w;
	struct codec_reader r;
	int rc;

	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	if ((rc = mls_encode_proposal(&w, p)) == 0)
		rc = codec_writer_finish(&w, &e->enc, &e->enc_len);
	codec_writer_clear(&w);
	if (rc != 0) return rc;
	codec_reader_init(&r, e->enc, e->enc_len);
	if ((rc = mls_decode_proposal(&r, &e->prop)) == 0) rc = codec_reader_done(&r);
	if (rc != 0) {
		mls_proposal_clear(&e->prop);
		mem_free(e->enc);
		e->enc = NULL;
	}
	return rc;
}

/* Grow the array by one slot: allocate, copy, wipe the old one (R5.3). */
static int grow(struct mls_group *g)
{
	struct mls_pending_prop *n = NULL;
	int rc;

	if ((rc = sec_alloc((g->n_props + 1) * sizeof(*n), (void **)&n)) != 0) return rc;
	if (g->n_props != 0) memcpy(n, g->props, g->n_props * sizeof(*n));
	sec_free(g->props, g->n_props * sizeof(*n));
	g->props = n;
	return 0;
}

int mls_group_store_prop(struct mls_group *g, const struct mls_authenticated_content *ac,
                         struct mls_pending_prop **stored)
{
	struct mls_pending_prop e;
	int rc;

	*stored = NULL;
	memset(&e, 0, sizeof(e));
	if (ac->content.content_type != MLS_CONTENT_PROPOSAL) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = proposal_ref(g, ac, e.ref)) != 0) return rc;
	if (mls_group_find_prop(g, span_make(e.ref, g->cs->kdf->nh)) != NULL)
		return KENH_ERR(KENH_E_EXISTS);
	if (g->n_props >= MLS_GROUP_MAX_PENDING) return KENH_ERR(KENH_E_TOO_LARGE);
	e.sender = ac->content.sender;
	if ((rc = own_proposal(&e, &ac->content.proposal)) != 0) return rc;
	if ((rc = grow(g)) != 0) {
		mls_proposal_clear(&e.prop);
		mem_free(e.enc);
		return rc;
	}
	g->props[g->n_props] = e;
	*stored = &g->props[g->n_props++];
	return 0;
}
