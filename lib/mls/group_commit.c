/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Processing a Commit (RFC 9420 §12.4.2), for a regular Commit from a
 * member and for an external Commit (§12.4.3.2), after the framing layer
 * has checked the epoch, the membership tag or decryption, and the
 * signature. The steps, in the RFC's order: resolve the proposals (by
 * value, or by reference from this epoch's store), check the list
 * (§12.2), apply it to a copy of the state (§12.3), require the path
 * where §12.4 does, merge and decrypt the UpdatePath (§7.5) against the
 * provisional GroupContext, derive the init secret (old epoch, or §8.3
 * for an ExternalInit) and the PSK secret (§8.4), then the transcript
 * hashes, the key schedule and the confirmation tag (group_epoch.c). Only
 * when all of that succeeded does the copy replace the group.
 */
#include "mls/group.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "util/mem.h"

void mls_commit_outcome_clear(struct mls_commit_outcome *o)
{
	mls_idx_list_clear(&o->added);
	mls_idx_list_clear(&o->removed_leaves);
	memset(o, 0, sizeof(*o));
}

/* Everything one Commit processing holds. */
struct run {
	struct mls_group *g;
	const struct mls_authenticated_content *ac;
	const struct mls_commit *commit;
	struct mls_prop_item *items;
	size_t n;
	struct mls_committer who;
	struct mls_group *next;
	struct mls_apply_result res;
	uint32_t sender;                        /* the committer's leaf in the new tree */
	uint8_t commit_secret[CRYPTO_MAX_HASH]; /* secret */
	uint8_t psk_secret[CRYPTO_MAX_HASH];    /* secret */
	uint8_t init_secret[CRYPTO_MAX_HASH];   /* secret */
};

/* RFC 9420 §12.4: each ProposalOrRef by value (from the committer) or by reference (from the store). */
static int resolve(struct run *r)
{
	const struct mls_proposal_or_ref *por;
	const struct mls_pending_prop *pp;
	size_t i;
	int rc;

	r->n = r->commit->n_proposals;
	if ((rc = mem_calloc(r->n + 1, sizeof(*r->items), (void **)&r->items)) != 0) return rc;
	for (i = 0; i < r->n; i++) {
		por = &r->commit->proposals[i];
		if (por->type == MLS_PROPOSAL_OR_REF_PROPOSAL) {
			r->items[i].p = &por->proposal;
			r->items[i].sender = r->ac->content.sender;
			continue;
		}
		/* RFC 9420 §12.4.2: a reference must name a proposal of this epoch we hold. */
		if ((pp = mls_group_find_prop(r->g, por->reference)) == NULL)
			return KENH_ERR(KENH_E_PROTO);
		r->items[i].p = &pp->prop;
		r->items[i].sender = pp->sender;
		r->items[i].by_ref = true;
		r->items[i].pending = pp;
	}
	return 0;
}

/* RFC 9420 §12.4.2: check the list, apply it to a copy of the state, require the path. */
static int apply_list(struct run *r)
{
	int rc;

	if ((rc = mls_group_proposals_check(r->g, r->items, r->n, &r->who)) != 0) return rc;
	if ((rc = mls_group_next(r->g, &r->next)) != 0) return rc;
	rc = mls_group_proposals_apply(r->next, r->items, r->n, &r->who, &r->res);
	if (rc != 0) return rc;
	/* RFC 9420 §12.4, §12.4.3.2: a path where a proposal or an external Commit requires one. */
	if ((r->res.path_required || r->who.external) && !r->commit->has_path &&
	    MLS_RULE(r->g, MLS_RULE_PATH_REQUIRED))
		return KENH_ERR(KENH_E_PROTO);
	return 0;
}

static int encode_credential(const struct mls_credential *c, struct codec_writer *w)
{
	codec_writer_init(w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	return mls_encode_credential(w, c);
}

/*
 * RFC 9420 §12.2: a "resync" external Commit removes the joiner's old leaf; its new
 * LeafNode must present the same identity (we ask for the same credential).
 */
static int check_resync(struct run *r)
{
	const struct mls_leaf_node *old;
	struct codec_writer a, b;
	int rc;

	old = mls_rtree_leaf(r->g->tree, r->res.removed.v[0]);
	if (old == NULL) return KENH_ERR(KENH_E_PROTO);
	rc = encode_credential(&old->credential, &a);
	if (rc == 0) rc = encode_credential(&r->commit->path.leaf_node.credential, &b);
	if (rc == 0 && !span_eq(codec_writer_span(&a), codec_writer_span(&b)))
		rc = KENH_ERR(KENH_E_PROTO);
	codec_writer_clear(&a);
	codec_writer_clear(&b);
	return rc;
}

/* RFC 9420 §12.4.2 "If the path value is populated": merge it, then decrypt our path secret. */
static int take_path(struct run *r)
{
	const struct mls_leaf_node *old;
	struct mls_treekem_secrets sec;
	struct mls_treekem_recv recv;
	struct mls_leaf_policy pol;
	struct codec_writer w;
	int rc;

	r->sender = r->who.leaf;
	/*
	 * RFC 9420 §12.4.2: an external joiner takes the leftmost blank leaf of the new
	 * tree, which grows by a blank leaf on the right if it has none.
	 */
	if (r->who.external && (rc = mls_rtree_blank_leaf(r->next->tree, &r->sender)) != 0)
		return rc;
	if (!r->commit->has_path) return 0; /* commit_secret stays all zero */
	/* RFC 9420 §5.3.1: a member's new credential in its path must succeed its old one. */
	if (!r->who.external && (old = mls_rtree_leaf(r->next->tree, r->sender)) != NULL &&
	    (rc = mls_group_check_successor(r->g, old, &r->commit->path.leaf_node)) != 0)
		return rc;
	mls_group_leaf_policy(r->next, NULL, &pol);
	memset(&sec, 0, sizeof(sec));
	if ((rc = mls_treekem_merge(r->next->tree, &pol, r->sender, &r->commit->path)) != 0)
		return rc;
	if (r->who.external && r->res.removed.n == 1 && MLS_RULE(r->g, MLS_RULE_RESYNC) &&
	    (rc = check_resync(r)) != 0)
		return rc;
	if (r->res.own_removed) return 0;
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	if ((rc = mls_group_provisional_context(r->next, r->g, &w)) == 0) {
		memset(&recv, 0, sizeof(recv));
		recv.sender = r->sender;
		recv.up = &r->commit->path;
		recv.group_context = codec_writer_span(&w);
		recv.new_leaves.v = r->res.added.v;
		recv.new_leaves.n = r->res.added.n;
		rc = mls_treekem_decrypt(r->g->ctx, r->next->tree, &r->next->priv, &recv, &sec);
		if (rc == 0) memcpy(r->commit_secret, sec.commit_secret, r->g->cs->kdf->nh);
	}
	mls_treekem_secrets_clear(&sec);
	codec_writer_clear(&w);
	return rc;
}

/* RFC 9420 §12.4.2: the key schedule's other inputs, then the new epoch. */
static int schedule(struct run *r)
{
	struct mls_epoch_inputs in;
	size_t nh = r->g->cs->kdf->nh;
	int rc;

	mls_treekem_priv_sync(&r->next->priv, r->next->tree);
	if ((rc = mls_psk_set_secret(r->res.psks, r->g->cs, r->psk_secret)) != 0) return rc;
	if (r->res.has_external_init) {
		rc = mls_group_external_init_recv(r->g, r->res.external_init, r->init_secret);
		if (rc != 0) return rc;
	} else {
		memcpy(r->init_secret, r->g->es.init_secret, nh);
	}
	memset(&in, 0, sizeof(in));
	in.old = r->g;
	in.wire_format = r->ac->wire_format;
	in.content = &r->ac->content;
	in.signature = r->ac->auth.signature;
	in.commit_secret = r->commit_secret;
	in.psk_secret = r->psk_secret;
	in.init_secret = r->init_secret;
	in.tag = r->ac->auth.confirmation_tag;
	if (in.tag.len == 0) return KENH_ERR(KENH_E_PROTO);
	if ((rc = mls_group_advance(r->next, &in, NULL)) != 0) return rc;
	mls_epoch_secrets_drop_joiner(&r->next->es);
	/* RFC 9420 §12.4.2: after a ReInit the group may not be used to send; §11.2:
	 * its parameters are kept for the new group. */
	if (r->res.reinit != NULL) return mls_group_set_reinit(r->next, r->res.reinit);
	return 0;
}

static int fill_outcome(struct run *r, struct mls_commit_outcome *out)
{
	out->epoch = r->g->gc.epoch + 1;
	out->removed = r->res.own_removed;
	out->committer = r->sender;
	out->external = r->who.external;
	out->reinit = r->res.reinit != NULL;
	out->added = r->res.added;
	out->removed_leaves = r->res.removed;
	memset(&r->res.added, 0, sizeof(r->res.added));
	memset(&r->res.removed, 0, sizeof(r->res.removed));
	if (r->who.external) return mls_idx_list_push(&out->added, r->sender);
	return 0;
}

/* Our own Commit coming back: merge what we staged if it is exactly that Commit. */
static int own_commit(struct mls_group *g, const struct mls_authenticated_content *ac,
                      struct mls_commit_outcome *out)
{
	struct codec_writer w;
	int rc;

	if (g->staged == NULL) return KENH_ERR(KENH_E_STATE);
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	if ((rc = mls_encode_authenticated_content(&w, ac)) == 0 &&
	    !span_eq(codec_writer_span(&w), span_make(g->staged->ac_enc, g->staged->ac_len)))
		rc = KENH_ERR(KENH_E_STATE);
	codec_writer_clear(&w);
	if (rc == 0) rc = mls_group_staged_merge(g, out);
	return rc;
}

static void run_clear(struct run *r)
{
	mem_free(r->items);
	mls_apply_result_clear(&r->res);
	mls_group_free(r->next);
	sec_zero(r, sizeof(*r));
}

int mls_group_commit_process(struct mls_group *g, const struct mls_authenticated_content *ac,
                             struct mls_commit_outcome *out)
{
	const struct mls_sender *s = &ac->content.sender;
	struct run r;
	int rc;

	memset(out, 0, sizeof(*out));
	if (g->removed || g->reinit) return KENH_ERR(KENH_E_STATE);
	if (ac->content.content_type != MLS_CONTENT_COMMIT) return KENH_ERR(KENH_E_INVALID_ARG);
	if (s->sender_type == MLS_SENDER_MEMBER && s->leaf_index == g->own_leaf)
		return own_commit(g, ac, out);
	if (s->sender_type != MLS_SENDER_MEMBER && s->sender_type != MLS_SENDER_NEW_MEMBER_COMMIT)
		return KENH_ERR(KENH_E_PROTO);
	memset(&r, 0, sizeof(r));
	r.g = g;
	r.ac = ac;
	r.commit = &ac->content.commit;
	r.who.external = s->sender_type == MLS_SENDER_NEW_MEMBER_COMMIT;
	r.who.leaf = s->leaf_index;
	if ((rc = resolve(&r)) != 0) goto out;
	if ((rc = apply_list(&r)) != 0) goto out;
	if ((rc = take_path(&r)) != 0) goto out;
	if (!r.res.own_removed && (rc = schedule(&r)) != 0) goto out;
	if ((rc = fill_outcome(&r, out)) != 0) goto out;
	if (r.res.own_removed) {
		/*
		 * RFC 9420 §12.4.2: removed, we can follow the group no further; we
		 * keep only this epoch's keys, for its late messages (group_message.c).
		 */
		g->removed = true;
		mls_group_clear_props(g);
		mls_group_past_clear(g);
	} else {
		/* RFC 9420 §15.3: our epoch stays, as a past one, for its late messages. */
		if ((rc = mls_group_retire(g, r.next)) != 0) goto out;
		mls_group_staged_discard(g);
		mls_group_swap(g, r.next);
	}
out:
	if (rc != 0) mls_commit_outcome_clear(out);
	run_clear(&r);
	return rc;
}
