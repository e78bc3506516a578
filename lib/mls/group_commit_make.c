/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Creating a Commit (RFC 9420 §12.4.1) and the Welcome that goes with it
 * (§12.4.3.1): gather the proposals (the pending ones by reference, ours
 * by value), check the list (§12.2) and apply it to a copy of the state
 * (§12.3), build the UpdatePath when a proposal requires one or the caller
 * asks (§12.4, §7.4-§7.6), sign the Commit with the old GroupContext,
 * derive the new epoch (group_epoch.c), protect the Commit with the old
 * epoch's keys, then sign the new GroupInfo and encrypt the Welcome to
 * every new member. The new epoch is only staged (§14: making a Commit
 * must not change the state): the caller merges it once the delivery
 * service accepted the Commit.
 */
#include "mls/group.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "util/mem.h"

void mls_commit_made_clear(struct mls_commit_made *m)
{
	mem_free(m->commit);
	mem_free(m->welcome);
	mem_free(m->group_info);
	memset(m, 0, sizeof(*m));
}

/* Everything one Commit creation holds. */
struct make {
	struct mls_group *g;
	const struct mls_commit_args *a;
	struct mls_key_package *kps; /* decoded by-value Adds (owned) */
	struct mls_proposal_or_ref *por;
	struct mls_prop_item *items;
	size_t n;
	struct mls_group *next;
	struct mls_apply_result res;
	struct mls_treekem_path path; /* secret */
	struct mls_treekem_update_path up;
	struct mls_framed_content content;
	struct mls_signature sig;
	uint8_t tag[CRYPTO_MAX_HASH];
	uint8_t commit_secret[CRYPTO_MAX_HASH]; /* secret */
	uint8_t psk_secret[CRYPTO_MAX_HASH];    /* secret */
	uint8_t init_secret[CRYPTO_MAX_HASH];   /* secret */
};

/*
 * RFC 9420 §12.4.1: the committer SHOULD include the valid proposals it received,
 * as long as the list stays valid (§12.2). Left out: our own Updates (a
 * committer may not commit them), an Update superseded by a later Update
 * or a Remove of the same leaf, a second Remove of a leaf, a Remove of
 * ourselves.
 */
static bool skip_pending(const struct make *m, size_t i)
{
	const struct mls_group *g = m->g;
	const struct mls_pending_prop *p = &g->props[i];
	uint32_t leaf;
	size_t j;

	if (!MLS_RULE(g, MLS_RULE_SAME_LEAF)) return false;
	if (p->prop.proposal_type == MLS_PROPOSAL_REMOVE) {
		leaf = p->prop.u.remove.removed;
		if (leaf == g->own_leaf) return true;
		for (j = 0; j < m->a->n_remove; j++)
			if (m->a->remove[j] == leaf) return true;
		for (j = 0; j < i; j++)
			if (g->props[j].prop.proposal_type == MLS_PROPOSAL_REMOVE &&
			    g->props[j].prop.u.remove.removed == leaf)
				return true;
		return false;
	}
	if (p->prop.proposal_type != MLS_PROPOSAL_UPDATE) return false;
	leaf = p->sender.leaf_index;
	if (leaf == g->own_leaf) return MLS_RULE(g, MLS_RULE_COMMITTER_UPDATE);
	for (j = 0; j < m->a->n_remove; j++)
		if (m->a->remove[j] == leaf) return true;
	for (j = 0; j < g->n_props; j++) {
		const struct mls_pending_prop *q = &g->props[j];
		if (q->prop.proposal_type == MLS_PROPOSAL_REMOVE &&
		    q->prop.u.remove.removed == leaf)
			return true;
		if (j > i && q->prop.proposal_type == MLS_PROPOSAL_UPDATE &&
		    q->sender.leaf_index == leaf)
			return true;
	}
	return false;
}

static void add_ref(struct make *m, const struct mls_pending_prop *p)
{
	m->por[m->n].type = MLS_PROPOSAL_OR_REF_REFERENCE;
	m->por[m->n].reference = span_make(p->ref, m->g->cs->kdf->nh);
	m->items[m->n].p = &p->prop;
	m->items[m->n].sender = p->sender;
	m->items[m->n].by_ref = true;
	m->items[m->n].pending = p;
	m->n++;
}

/* A proposal of ours by value; prop is a shallow copy (the owner stays the caller's). */
static void add_value(struct make *m, const struct mls_proposal *prop)
{
	m->por[m->n].type = MLS_PROPOSAL_OR_REF_PROPOSAL;
	m->por[m->n].proposal = *prop;
	m->items[m->n].p = &m->por[m->n].proposal;
	m->items[m->n].sender.sender_type = MLS_SENDER_MEMBER;
	m->items[m->n].sender.leaf_index = m->g->own_leaf;
	m->n++;
}

static int decode_kp(struct kenh_span in, struct mls_key_package *out)
{
	struct codec_reader r;
	int rc;

	codec_reader_init(&r, in.p, in.len);
	if ((rc = mls_decode_key_package(&r, out)) == 0) rc = codec_reader_done(&r);
	return rc;
}

static int add_values(struct make *m)
{
	const struct mls_commit_args *a = m->a;
	struct mls_proposal p;
	size_t i;
	int rc;

	for (i = 0; i < a->n_add; i++) {
		if ((rc = decode_kp(a->key_packages[i], &m->kps[i])) != 0) return rc;
		memset(&p, 0, sizeof(p));
		p.proposal_type = MLS_PROPOSAL_ADD;
		p.u.add.key_package = m->kps[i];
		add_value(m, &p);
	}
	for (i = 0; i < a->n_remove; i++) {
		memset(&p, 0, sizeof(p));
		p.proposal_type = MLS_PROPOSAL_REMOVE;
		p.u.remove.removed = a->remove[i];
		add_value(m, &p);
	}
	for (i = 0; i < a->n_psk; i++) {
		memset(&p, 0, sizeof(p));
		p.proposal_type = MLS_PROPOSAL_PSK;
		p.u.psk.psk = a->psks[i];
		add_value(m, &p);
	}
	if (a->gce != NULL) {
		memset(&p, 0, sizeof(p));
		p.proposal_type = MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS;
		p.u.group_context_extensions.extensions = *a->gce;
		add_value(m, &p);
	}
	for (i = 0; i < a->n_extra; i++)
		add_value(m, &a->extra[i]);
	return 0;
}

static int gather(struct make *m)
{
	const struct mls_commit_args *a = m->a;
	size_t i, total = a->n_add + a->n_remove + a->n_psk + a->n_extra + (a->gce != NULL) + 1;
	int rc;

	if (a->include_pending) total += m->g->n_props;
	if ((rc = mem_calloc(a->n_add + 1, sizeof(*m->kps), (void **)&m->kps)) != 0) return rc;
	if ((rc = mem_calloc(total, sizeof(*m->por), (void **)&m->por)) != 0) return rc;
	if ((rc = mem_calloc(total, sizeof(*m->items), (void **)&m->items)) != 0) return rc;
	for (i = 0; a->include_pending && i < m->g->n_props; i++)
		if (!skip_pending(m, i)) add_ref(m, &m->g->props[i]);
	return add_values(m);
}

/*
 * RFC 9420 §5.3.1: a member may present a new credential (a renewed
 * certificate) in its path LeafNode; the application's credential check
 * must accept it as it would any member's. Only the credential changes.
 */
static int new_credential(struct make *m, struct mls_leaf_node *ln)
{
	const struct mls_leaf_node *cur = mls_rtree_leaf(m->g->tree, m->g->own_leaf);
	int rc;

	if (cur == NULL) return KENH_ERR(KENH_E_INTERNAL);
	*ln = *cur;
	ln->credential = *m->a->credential;
	/* §7.2: the credential type must stay one the leaf's capabilities list. */
	if (ln->credential.credential_type != cur->credential.credential_type)
		return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = m->g->cb.check_credential(m->g->cb.check_arg, ln)) != 0) return rc;
	return mls_group_check_successor(m->g, cur, ln);
}

/* RFC 9420 §12.4.1: the UpdatePath, against the provisional GroupContext. */
static int make_path(struct make *m)
{
	struct mls_treekem_create_args ca;
	struct mls_leaf_node ln;
	struct codec_writer w;
	int rc;

	memset(&ca, 0, sizeof(ca));
	ca.leaf = m->g->own_leaf;
	ca.tmpl = mls_rtree_leaf(m->g->tree, m->g->own_leaf);
	ca.sig_sk = span_make(m->g->sig_sk, m->g->sig_sk_len);
	ca.group_id = m->g->gc.group_id;
	if (ca.tmpl == NULL) return KENH_ERR(KENH_E_INTERNAL);
	if (m->a->credential != NULL) {
		if ((rc = new_credential(m, &ln)) != 0) return rc;
		ca.tmpl = &ln;
	}
	rc = mls_treekem_create(m->g->ctx, m->next->tree, &ca, &m->path, &m->next->priv);
	if (rc != 0) return rc;
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	rc = mls_group_provisional_context(m->next, m->g, &w);
	if (rc == 0) {
		struct mls_treekem_send snd;
		snd.group_context = codec_writer_span(&w);
		snd.new_leaves.v = m->res.added.v;
		snd.new_leaves.n = m->res.added.n;
		rc = mls_treekem_encrypt(m->g->ctx, m->next->tree, &m->path, &snd, &m->up);
	}
	codec_writer_clear(&w);
	if (rc != 0) return rc;
	memcpy(m->commit_secret, m->path.commit_secret, m->g->cs->kdf->nh);
	m->content.commit.has_path = true;
	m->content.commit.path = m->up.path;
	return 0;
}

/* RFC 9420 §12.4.1: sign the Commit with the old GroupContext, then open the new epoch. */
static int sign_and_advance(struct make *m, enum mls_wire_format wf)
{
	struct mls_framing_epoch ep;
	struct mls_epoch_inputs in;
	int rc;

	m->content.group_id = m->g->gc.group_id;
	m->content.epoch = m->g->gc.epoch;
	m->content.sender.sender_type = MLS_SENDER_MEMBER;
	m->content.sender.leaf_index = m->g->own_leaf;
	m->content.authenticated_data = m->a->authenticated_data;
	m->content.content_type = MLS_CONTENT_COMMIT;
	m->content.commit.proposals = m->por;
	m->content.commit.n_proposals = m->n;
	mls_group_framing_epoch(m->g, &ep);
	rc = mls_framed_content_sign(&ep, wf, &m->content,
	                             span_make(m->g->sig_sk, m->g->sig_sk_len), &m->sig);
	if (rc != 0) return rc;
	if ((rc = mls_psk_set_secret(m->res.psks, m->g->cs, m->psk_secret)) != 0) return rc;
	memset(&in, 0, sizeof(in));
	in.old = m->g;
	in.wire_format = wf;
	in.content = &m->content;
	in.signature = span_make(m->sig.bytes, m->sig.len);
	in.commit_secret = m->commit_secret;
	in.psk_secret = m->psk_secret;
	in.init_secret = m->g->es.init_secret;
	if (m->res.has_external_init) {
		/* Only reachable when a test lets a member commit an ExternalInit (§12.2). */
		rc = mls_group_external_init_recv(m->g, m->res.external_init, m->init_secret);
		if (rc != 0) return rc;
		in.init_secret = m->init_secret;
	}
	return mls_group_advance(m->next, &in, m->tag);
}

/* RFC 9420 §12.4.1: protect the Commit with the old epoch's keys (PublicMessage or PrivateMessage). */
static int protect(struct make *m, enum mls_wire_format wf, struct mls_commit_made *out,
                   struct codec_writer *acw)
{
	struct mls_authenticated_content ac;
	struct mls_framing_epoch ep;
	int rc;

	memset(&ac, 0, sizeof(ac));
	ac.wire_format = wf;
	ac.content = m->content;
	ac.auth.signature = span_make(m->sig.bytes, m->sig.len);
	ac.auth.confirmation_tag = span_make(m->tag, m->g->cs->kdf->nh);
	if ((rc = mls_encode_authenticated_content(acw, &ac)) != 0) return rc;
	mls_group_framing_epoch(m->g, &ep);
	if (wf == MLS_WIRE_FORMAT_PUBLIC_MESSAGE)
		return mls_public_message_protect(&ep, &m->content, &ac.auth, &out->commit,
		                                  &out->commit_len);
	return mls_private_message_protect(&ep, &ac, NULL, &out->commit, &out->commit_len);
}

/* RFC 9420 §12.4.1 "For each new member": its KeyPackage and the path secret of our common ancestor. */
static int welcome_member(struct make *m, size_t k, struct mls_welcome_member *wm,
                          struct codec_writer *kpw, uint8_t *ps)
{
	size_t i, seen = 0;
	int rc;

	for (i = 0; i < m->n; i++) {
		if (m->items[i].p->proposal_type != MLS_PROPOSAL_ADD) continue;
		if (seen++ == k) break;
	}
	if (i == m->n) return KENH_ERR(KENH_E_INTERNAL);
	codec_writer_init(kpw, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	if ((rc = mls_encode_key_package(kpw, &m->items[i].p->u.add.key_package)) != 0) return rc;
	wm->key_package = codec_writer_span(kpw);
	wm->path_secret = span_make(NULL, 0);
	if (!m->content.commit.has_path) return 0;
	rc = mls_treekem_path_secret_for(&m->path, m->res.added.v[k], ps);
	if (rc == 0) wm->path_secret = span_make(ps, m->g->cs->kdf->nh);
	return rc == KENH_E_NOT_FOUND ? 0 : rc;
}

struct welcome_bufs {
	struct mls_welcome_member *wm;
	struct codec_writer *kpw;
	uint8_t *ps; /* secret: one path secret per member */
	size_t n;
};

static void welcome_bufs_clear(struct welcome_bufs *b)
{
	size_t i;

	for (i = 0; b->kpw != NULL && i < b->n; i++)
		codec_writer_clear(&b->kpw[i]);
	mem_free(b->wm);
	mem_free(b->kpw);
	sec_free(b->ps, b->n * CRYPTO_MAX_HASH);
	memset(b, 0, sizeof(*b));
}

static int make_welcome(struct make *m, const struct mls_group_info *gi,
                        struct mls_commit_made *out)
{
	struct mls_welcome_create_args wa;
	struct welcome_bufs b;
	size_t k, n = m->res.added.n;
	int rc;

	memset(&b, 0, sizeof(b));
	b.n = n;
	if ((rc = mem_calloc(n, sizeof(*b.wm), (void **)&b.wm)) != 0) goto out;
	if ((rc = mem_calloc(n, sizeof(*b.kpw), (void **)&b.kpw)) != 0) goto out;
	if ((rc = sec_alloc(n * CRYPTO_MAX_HASH, (void **)&b.ps)) != 0) goto out;
	for (k = 0; k < n; k++)
		if ((rc = welcome_member(m, k, &b.wm[k], &b.kpw[k], b.ps + k * CRYPTO_MAX_HASH)) !=
		    0)
			goto out;
	memset(&wa, 0, sizeof(wa));
	wa.ctx = m->g->ctx;
	wa.cs = m->g->cs;
	wa.joiner_secret = m->next->es.joiner_secret;
	wa.psk_secret = m->psk_secret;
	wa.psks = m->res.psks != NULL ? m->res.psks->id : NULL;
	wa.n_psks = m->res.psks != NULL ? m->res.psks->n : 0;
	wa.group_info = gi;
	wa.members = b.wm;
	wa.n_members = n;
	rc = mls_welcome_create(&wa, &out->welcome, &out->welcome_len);
out:
	welcome_bufs_clear(&b);
	return rc;
}

static int finish_info(struct make *m, struct mls_commit_made *out)
{
	struct mls_gi_build gb;
	struct mls_message msg;
	int rc;

	rc = mls_group_info_build(m->next, m->a->ratchet_tree_in_welcome, m->a->external_pub, &gb);
	if (rc != 0) return rc;
	memset(&msg, 0, sizeof(msg));
	msg.version = MLS_VERSION_MLS10;
	msg.wire_format = MLS_WIRE_FORMAT_GROUP_INFO;
	msg.u.group_info = gb.gi;
	rc = mls_group_message_encode(&msg, &out->group_info, &out->group_info_len);
	if (rc == 0 && m->res.added.n != 0) rc = make_welcome(m, &gb.gi, out);
	mls_gi_build_clear(&gb);
	return rc;
}

static int stage(struct make *m, struct codec_writer *acw)
{
	struct mls_staged *st = NULL;
	int rc;

	/* RFC 9420 §12.4.2: after a ReInit the group may not be used to send; §11.2:
	 * its parameters are kept for the new group. */
	if (m->res.reinit != NULL && (rc = mls_group_set_reinit(m->next, m->res.reinit)) != 0)
		return rc;
	if ((rc = mem_calloc(1, sizeof(*st), (void **)&st)) != 0) return rc;
	if ((rc = codec_writer_finish(acw, &st->ac_enc, &st->ac_len)) != 0) {
		mem_free(st);
		return rc;
	}
	st->outcome.epoch = m->g->gc.epoch + 1;
	st->outcome.committer = m->g->own_leaf;
	st->outcome.reinit = m->res.reinit != NULL;
	st->outcome.added = m->res.added;
	st->outcome.removed_leaves = m->res.removed;
	memset(&m->res.added, 0, sizeof(m->res.added));
	memset(&m->res.removed, 0, sizeof(m->res.removed));
	/* The joiner secret stays with the staged epoch until it is merged (§14). */
	st->next = m->next;
	m->next = NULL;
	mls_group_staged_discard(m->g);
	m->g->staged = st;
	return 0;
}

static void make_clear(struct make *m)
{
	size_t i;

	for (i = 0; m->kps != NULL && i < m->a->n_add; i++)
		mls_key_package_clear(&m->kps[i]);
	mem_free(m->kps);
	mem_free(m->por);
	mem_free(m->items);
	mls_group_free(m->next);
	mls_apply_result_clear(&m->res);
	mls_treekem_path_clear(&m->path);
	mls_treekem_update_path_clear(&m->up);
	sec_zero(m, sizeof(*m));
}

int mls_group_commit_create(struct mls_group *g, const struct mls_commit_args *a,
                            struct mls_commit_made *out)
{
	struct mls_committer who = { false, g->own_leaf };
	enum mls_wire_format wf;
	struct codec_writer acw;
	struct make m;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&m, 0, sizeof(m));
	codec_writer_init(&acw, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	m.g = g;
	m.a = a;
	wf = a->private_message ? MLS_WIRE_FORMAT_PRIVATE_MESSAGE : MLS_WIRE_FORMAT_PUBLIC_MESSAGE;
	if (g->removed || g->reinit) {
		rc = KENH_ERR(KENH_E_STATE);
		goto out;
	}
	if ((rc = gather(&m)) != 0) goto out;
	/* RFC 9420 §12.4.1: the committer checks its own list as a receiver would (§12.2). */
	if ((rc = mls_group_proposals_check(g, m.items, m.n, &who)) != 0) goto out;
	if ((rc = mls_group_next(g, &m.next)) != 0) goto out;
	if ((rc = mls_group_proposals_apply(m.next, m.items, m.n, &who, &m.res)) != 0) goto out;
	if (m.res.own_update && MLS_RULE(g, MLS_RULE_COMMITTER_UPDATE)) {
		rc = KENH_ERR(KENH_E_PROTO);
		goto out;
	}
	if ((m.res.path_required && MLS_RULE(g, MLS_RULE_PATH_REQUIRED)) || a->force_path) {
		if ((rc = make_path(&m)) != 0) goto out;
	} else {
		mls_treekem_priv_sync(&m.next->priv, m.next->tree);
	}
	if ((rc = sign_and_advance(&m, wf)) != 0) goto out;
	if ((rc = protect(&m, wf, out, &acw)) != 0) goto out;
	if ((rc = finish_info(&m, out)) != 0) goto out;
	rc = stage(&m, &acw);
out:
	if (rc != 0) mls_commit_made_clear(out);
	codec_writer_clear(&acw);
	make_clear(&m);
	return rc;
}

void mls_group_staged_discard(struct mls_group *g)
{
	struct mls_staged *st = g->staged;

	if (st == NULL) return;
	g->staged = NULL;
	mls_group_free(st->next);
	mem_free(st->ac_enc);
	mls_commit_outcome_clear(&st->outcome);
	mem_free(st);
}

bool mls_group_has_staged(const struct mls_group *g)
{
	return g->staged != NULL;
}

int mls_group_staged_merge(struct mls_group *g, struct mls_commit_outcome *out)
{
	struct mls_staged *st = g->staged;
	int rc;

	memset(out, 0, sizeof(*out));
	if (st == NULL) return KENH_ERR(KENH_E_STATE);
	/* RFC 9420 §15.3: our epoch stays, as a past one, for its late messages. */
	if ((rc = mls_group_retire(g, st->next)) != 0) return rc;
	g->staged = NULL;
	*out = st->outcome;
	memset(&st->outcome, 0, sizeof(st->outcome));
	mls_group_swap(g, st->next);
	mls_epoch_secrets_drop_joiner(&g->es);
	mls_group_free(st->next);
	mem_free(st->ac_enc);
	mem_free(st);
	return 0;
}
