/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Messages of a group: processing an incoming PublicMessage or
 * PrivateMessage of the current epoch (RFC 9420 §6.2, §6.3) into what it
 * carries (application data with its sender, a proposal to store by
 * reference after the checks it can pass on its own, §12.1, or a Commit,
 * §12.4.2), and application data of a past epoch still kept (§15.3) or,
 * for a member a Commit removed, of its last epoch for as long (§12.4.2);
 * sending application data (§15, always as PrivateMessage, and only with
 * no proposal pending, §12.4); and sending our own Add, Remove or Update
 * proposals as PublicMessage (kept in the store so our next Commit, or
 * another member's, can name them).
 */
#include "mls/group.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "util/mem.h"

/* Padding of PrivateMessage content (§6.3.1): lengths leak in 32-byte steps only. */
#define PAD_BLOCK 32u

void mls_event_clear(struct mls_event *e)
{
	if (e == NULL) return;
	sec_free(e->data, e->data_len);
	mls_commit_outcome_clear(&e->commit);
	memset(e, 0, sizeof(*e));
}

/*
 * RFC 9420 §12.1: what a proposal must satisfy against the current tree, so that
 * one that can never be valid is refused at once rather than stored: an
 * Update's LeafNode (§7.3, source update), a Remove's leaf (non-blank), an
 * Add's KeyPackage (§10.1).
 */
static int check_received(struct mls_group *g, const struct mls_prop_item *it)
{
	const struct mls_proposal *p = it->p;
	struct mls_key_package_policy kpol;
	struct mls_leaf_policy pol;
	int rc;

	if ((rc = mls_group_proposal_check_one(g, it)) != 0) return rc;
	mls_group_leaf_policy(g, NULL, &pol);
	switch (p->proposal_type) {
	case MLS_PROPOSAL_UPDATE: {
		struct mls_leaf_check chk = { it->sender.leaf_index, MLS_LEAF_SOURCE_UPDATE, true };
		if (!MLS_RULE(g, MLS_RULE_UPDATE_LEAF)) return 0;
		return mls_leafnode_validate(g->tree, &pol, &chk, &p->u.update.leaf_node);
	}
	case MLS_PROPOSAL_REMOVE:
		if (!MLS_RULE(g, MLS_RULE_REMOVE_BLANK)) return 0;
		return mls_rtree_leaf(g->tree, p->u.remove.removed) ? 0 : KENH_ERR(KENH_E_PROTO);
	case MLS_PROPOSAL_ADD:
		if (!MLS_RULE(g, MLS_RULE_ADD_KEY_PACKAGE)) return 0;
		memset(&kpol, 0, sizeof(kpol));
		kpol.version = g->gc.version;
		kpol.cipher_suite = g->gc.cipher_suite;
		kpol.now = pol.now;
		kpol.max_lifetime = pol.max_lifetime;
		return mls_key_package_validate(g->ctx, &p->u.add.key_package, &kpol);
	case MLS_PROPOSAL_EXTERNAL_INIT:
		/* RFC 9420 §12.1.6: only inside an external Commit. */
		return MLS_RULE(g, MLS_RULE_EXTERNAL_INIT) ? KENH_ERR(KENH_E_PROTO) : 0;
	case MLS_PROPOSAL_PSK:
	case MLS_PROPOSAL_REINIT:
	case MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS:
		return 0;
	}
	return KENH_ERR(KENH_E_PROTO);
}

static int handle_proposal(struct mls_group *g, const struct mls_authenticated_content *ac,
                           struct mls_event *ev)
{
	struct mls_prop_item it;
	struct mls_pending_prop *stored;
	int rc;

	memset(&it, 0, sizeof(it));
	it.p = &ac->content.proposal;
	it.sender = ac->content.sender;
	if ((rc = check_received(g, &it)) != 0) return rc;
	rc = mls_group_store_prop(g, ac, &stored);
	/* Our own proposal coming back from the delivery service is already stored. */
	if (rc == KENH_E_EXISTS) rc = 0;
	if (rc != 0) return rc;
	ev->type = MLS_EVENT_PROPOSAL;
	ev->proposal_type = it.p->proposal_type;
	return 0;
}

static int handle_application(const struct mls_authenticated_content *ac, struct mls_event *ev)
{
	int rc;

	/* RFC 9420 §6: application data only ever travels as PrivateMessage. */
	if (ac->wire_format != MLS_WIRE_FORMAT_PRIVATE_MESSAGE) return KENH_ERR(KENH_E_PROTO);
	rc = sec_dup(ac->content.application_data.p, ac->content.application_data.len, &ev->data);
	if (rc != 0) return rc;
	ev->sender = ac->content.sender;
	ev->epoch = ac->content.epoch;
	ev->data_len = ac->content.application_data.len;
	ev->type = MLS_EVENT_APPLICATION;
	return 0;
}

static int handle(struct mls_group *g, const struct mls_authenticated_content *ac,
                  struct mls_event *ev)
{
	int rc;

	ev->sender = ac->content.sender;
	ev->epoch = g->gc.epoch;
	switch (ac->content.content_type) {
	case MLS_CONTENT_APPLICATION:
		return handle_application(ac, ev);
	case MLS_CONTENT_PROPOSAL:
		return handle_proposal(g, ac, ev);
	case MLS_CONTENT_COMMIT:
		if ((rc = mls_group_commit_process(g, ac, &ev->commit)) != 0) return rc;
		ev->type = MLS_EVENT_COMMIT;
		return 0;
	}
	return KENH_ERR(KENH_E_PROTO);
}

static int process_public(struct mls_group *g, const struct mls_public_message *pm,
                          struct mls_event *ev)
{
	struct mls_authenticated_content ac;
	struct mls_framing_epoch ep;
	int rc;

	mls_group_framing_epoch(g, &ep);
	/* RFC 9420 §6.2: epoch, membership tag and signature, before anything is acted on. */
	if ((rc = mls_public_message_verify(&ep, pm)) != 0) return rc;
	memset(&ac, 0, sizeof(ac));
	ac.wire_format = MLS_WIRE_FORMAT_PUBLIC_MESSAGE;
	ac.content = pm->content;
	ac.auth = pm->auth;
	return handle(g, &ac, ev);
}

/*
 * RFC 9420 §15.3: application data of a past epoch whose keys we still
 * hold (group_past.c), opened with that epoch's keys and its senders'
 * signature keys of then. It changes nothing but that epoch's ratchet.
 */
static int process_late(struct mls_group *g, struct mls_past_epoch *p,
                        const struct mls_private_message *pm, struct mls_event *ev)
{
	struct mls_private_opened o;
	struct mls_framing_epoch ep;
	struct mls_past_view v;
	int rc;

	memset(&o, 0, sizeof(o));
	mls_group_past_framing(g, p, &v, &ep);
	if ((rc = mls_private_message_open(&ep, pm, &o)) == 0) rc = handle_application(&o.ac, ev);
	mls_private_opened_clear(&o);
	return rc;
}

static int process_private(struct mls_group *g, const struct mls_private_message *pm,
                           struct mls_event *ev)
{
	struct mls_private_opened o;
	struct mls_framing_epoch ep;
	struct mls_past_epoch *p;
	int rc;

	/*
	 * Only application data is read late: a handshake message of a past epoch
	 * can no longer be acted on (§12.4.2). Anything else, and an epoch whose
	 * keys are gone, goes to the current epoch, which refuses it with the one
	 * code of a PrivateMessage we cannot open (R3.11).
	 */
	if (pm->content_type == MLS_CONTENT_APPLICATION && pm->epoch < g->gc.epoch &&
	    (p = mls_group_past_find(g, pm->epoch)) != NULL)
		return process_late(g, p, pm, ev);
	memset(&o, 0, sizeof(o));
	mls_group_framing_epoch(g, &ep);
	/* RFC 9420 §6.3: decrypted and its signature verified before it is used (R5.5). */
	if ((rc = mls_private_message_open(&ep, pm, &o)) == 0) rc = handle(g, &o.ac, ev);
	mls_private_opened_clear(&o);
	return rc;
}

/* The epoch in a message's clear header (RFC 9420 §6.2, §6.3); 0 for another wire format. */
static uint64_t message_epoch(const struct mls_message *msg)
{
	if (msg->wire_format == MLS_WIRE_FORMAT_PUBLIC_MESSAGE)
		return msg->u.public_message.content.epoch;
	if (msg->wire_format == MLS_WIRE_FORMAT_PRIVATE_MESSAGE)
		return msg->u.private_message.epoch;
	return 0;
}

/*
 * §9.2: a removed member's last epoch aged out; its keys go for good. The
 * secret tree is started again from zeros, so that the saved state keeps
 * its shape but no secret; late_closed keeps it from being used.
 */
static int close_late(struct mls_group *g)
{
	uint8_t zero[CRYPTO_MAX_HASH];
	struct mls_secret_tree_limits lim = g->st.limits;
	uint32_t n = g->st.n_leaves;

	memset(zero, 0, sizeof(zero));
	g->late_closed = true;
	mls_secret_tree_clear(&g->st);
	sec_zero(g->es.sender_data_secret, sizeof(g->es.sender_data_secret));
	return mls_secret_tree_init(&g->st, g->cs, zero, n, &lim);
}

/*
 * RFC 9420 §12.4.2: a member removed by a Commit "might keep the secret
 * tree for a short time to decrypt late messages in the previous epoch".
 * We read application data of that epoch, our last (the one g still
 * holds), for as long as the members keep it for their own late messages
 * (§15.3, MLS_GROUP_PAST_EPOCHS epochs after it): a message of a later
 * epoch shows that time is over, and the keys are wiped (close_late).
 */
static int process_removed(struct mls_group *g, const struct mls_message *msg, struct mls_event *ev)
{
	const struct mls_private_message *pm = &msg->u.private_message;
	struct mls_private_opened o;
	struct mls_framing_epoch ep;
	uint64_t e = message_epoch(msg);
	int rc;

	if (!g->late_closed && e > g->gc.epoch && e - g->gc.epoch > MLS_GROUP_PAST_EPOCHS &&
	    (rc = close_late(g)) != 0)
		return rc;
	if (g->late_closed || msg->wire_format != MLS_WIRE_FORMAT_PRIVATE_MESSAGE ||
	    pm->content_type != MLS_CONTENT_APPLICATION || pm->epoch != g->gc.epoch)
		return KENH_ERR(KENH_E_STATE);
	memset(&o, 0, sizeof(o));
	mls_group_framing_epoch(g, &ep);
	if ((rc = mls_private_message_open(&ep, pm, &o)) == 0) rc = handle_application(&o.ac, ev);
	mls_private_opened_clear(&o);
	return rc;
}

int mls_group_process(struct mls_group *g, const struct mls_message *msg, struct mls_event *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (g->removed)
		rc = process_removed(g, msg, out);
	else if (msg->wire_format == MLS_WIRE_FORMAT_PUBLIC_MESSAGE)
		rc = process_public(g, &msg->u.public_message, out);
	else if (msg->wire_format == MLS_WIRE_FORMAT_PRIVATE_MESSAGE)
		rc = process_private(g, &msg->u.private_message, out);
	else
		rc = KENH_ERR(KENH_E_PROTO);
	if (rc != 0) mls_event_clear(out);
	return rc;
}

static void own_content(const struct mls_group *g, enum mls_content_type t, struct kenh_span aad,
                        struct mls_framed_content *c)
{
	memset(c, 0, sizeof(*c));
	c->group_id = g->gc.group_id;
	c->epoch = g->gc.epoch;
	c->sender.sender_type = MLS_SENDER_MEMBER;
	c->sender.leaf_index = g->own_leaf;
	c->authenticated_data = aad;
	c->content_type = t;
}

int mls_group_encrypt(struct mls_group *g, struct kenh_span data, struct kenh_span aad,
                      uint8_t **out, size_t *outlen)
{
	struct mls_private_options opt = { PAD_BLOCK };
	const struct crypto_sig_key *key = NULL;
	struct mls_authenticated_content ac;
	struct mls_framing_epoch ep;
	struct mls_signature sig;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (g->removed || g->reinit) return KENH_ERR(KENH_E_STATE);
	/* RFC 9420 §12.4: a member that saw a valid proposal commits before sending data. */
	if (g->n_props != 0) return KENH_ERR(KENH_E_STATE);
	if (data.len > LIMIT_APPLICATION_DATA || aad.len > LIMIT_AUTHENTICATED_DATA)
		return KENH_ERR(KENH_E_TOO_LARGE);
	memset(&ac, 0, sizeof(ac));
	ac.wire_format = MLS_WIRE_FORMAT_PRIVATE_MESSAGE;
	own_content(g, MLS_CONTENT_APPLICATION, aad, &ac.content);
	ac.content.application_data = data;
	mls_group_framing_epoch(g, &ep);
	if ((rc = mls_group_sig_key(g, &key)) != 0) return rc;
	rc = mls_framed_content_sign_key(&ep, MLS_WIRE_FORMAT_PRIVATE_MESSAGE, &ac.content, key,
	                                 &sig);
	if (rc != 0) return rc;
	ac.auth.signature = span_make(sig.bytes, sig.len);
	return mls_private_message_protect(&ep, &ac, &opt, out, outlen);
}

/* The new LeafNode of our Update (§12.1.2): a fresh encryption key, source update, signed. */
static int update_leaf(struct mls_group *g, uint8_t *sk, struct codec_writer *w,
                       struct mls_leaf_node *out)
{
	const struct mls_leaf_node *cur = mls_rtree_leaf(g->tree, g->own_leaf);
	struct mls_leafnode_sign_args sa;
	uint8_t pk[CRYPTO_MAX_KEM_PK];
	struct mls_leaf_node ln;
	struct codec_reader r;
	int rc;

	if (cur == NULL) return KENH_ERR(KENH_E_INTERNAL);
	if ((rc = crypto_kem_keygen(g->cs->kem, sk, pk)) != 0) return rc;
	ln = *cur;
	ln.encryption_key = span_make(pk, g->cs->kem->npk);
	ln.leaf_node_source = MLS_LEAF_SOURCE_UPDATE;
	ln.parent_hash = span_make(NULL, 0);
	memset(&sa, 0, sizeof(sa));
	sa.tbs = &ln;
	sa.sig_sk = span_make(g->sig_sk, g->sig_sk_len);
	sa.group_id = g->gc.group_id;
	sa.leaf_index = g->own_leaf;
	codec_writer_init(w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	if ((rc = mls_leafnode_sign(g->cs, &sa, w)) != 0) return rc;
	codec_reader_init(&r, w->buf, w->len);
	if ((rc = mls_decode_leaf_node(&r, out)) == 0) rc = codec_reader_done(&r);
	return rc;
}

/* The Proposal of a mls_group_propose call. lw and leaf hold an Update's new leaf. */
static int build_proposal(struct mls_group *g, const struct mls_propose_args *a, uint8_t *sk,
                          struct codec_writer *lw, struct mls_proposal *p)
{
	struct codec_reader r;
	int rc;

	memset(p, 0, sizeof(*p));
	p->proposal_type = a->type;
	switch (a->type) {
	case MLS_PROPOSAL_ADD:
		codec_reader_init(&r, a->key_package.p, a->key_package.len);
		if ((rc = mls_decode_key_package(&r, &p->u.add.key_package)) == 0)
			rc = codec_reader_done(&r);
		return rc;
	case MLS_PROPOSAL_REMOVE:
		p->u.remove.removed = a->remove;
		return 0;
	case MLS_PROPOSAL_UPDATE:
		return update_leaf(g, sk, lw, &p->u.update.leaf_node);
	case MLS_PROPOSAL_PSK:
	case MLS_PROPOSAL_REINIT:
	case MLS_PROPOSAL_EXTERNAL_INIT:
	case MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS:
		break;
	}
	return KENH_ERR(KENH_E_INVALID_ARG);
}

static int send_proposal(struct mls_group *g, struct mls_authenticated_content *ac,
                         const uint8_t *sk, uint8_t **out, size_t *outlen)
{
	struct mls_pending_prop *stored = NULL;
	const struct crypto_sig_key *key = NULL;
	struct mls_framing_epoch ep;
	struct mls_signature sig;
	struct mls_prop_item it;
	int rc;

	memset(&it, 0, sizeof(it));
	it.p = &ac->content.proposal;
	it.sender = ac->content.sender;
	/* We hold our own proposals to the rules we hold others' to. */
	if ((rc = check_received(g, &it)) != 0) return rc;
	mls_group_framing_epoch(g, &ep);
	if ((rc = mls_group_sig_key(g, &key)) != 0) return rc;
	rc = mls_framed_content_sign_key(&ep, MLS_WIRE_FORMAT_PUBLIC_MESSAGE, &ac->content, key,
	                                 &sig);
	if (rc != 0) return rc;
	ac->auth.signature = span_make(sig.bytes, sig.len);
	if ((rc = mls_public_message_protect(&ep, &ac->content, &ac->auth, out, outlen)) != 0)
		return rc;
	if ((rc = mls_group_store_prop(g, ac, &stored)) != 0) {
		mem_free(*out);
		*out = NULL;
		*outlen = 0;
		return rc;
	}
	if (ac->content.proposal.proposal_type == MLS_PROPOSAL_UPDATE) {
		stored->own_update = true;
		memcpy(stored->update_sk, sk, g->cs->kem->nsk);
	}
	return 0;
}

int mls_group_propose(struct mls_group *g, const struct mls_propose_args *a, uint8_t **out,
                      size_t *outlen)
{
	struct mls_authenticated_content ac;
	uint8_t sk[CRYPTO_MAX_KEM_SK]; /* secret */
	struct codec_writer lw;
	int rc;

	*out = NULL;
	*outlen = 0;
	memset(&ac, 0, sizeof(ac));
	codec_writer_init(&lw, 0, CODEC_WRITER_NORMAL);
	if (g->removed || g->reinit) return KENH_ERR(KENH_E_STATE);
	ac.wire_format = MLS_WIRE_FORMAT_PUBLIC_MESSAGE;
	own_content(g, MLS_CONTENT_PROPOSAL, a->authenticated_data, &ac.content);
	if ((rc = build_proposal(g, a, sk, &lw, &ac.content.proposal)) != 0) goto out;
	rc = send_proposal(g, &ac, sk, out, outlen);
out:
	mls_proposal_clear(&ac.content.proposal);
	codec_writer_clear(&lw);
	sec_zero(sk, sizeof(sk));
	return rc;
}
