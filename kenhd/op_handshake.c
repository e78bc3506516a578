/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * HANDSHAKE (docs/protocol.md §5-§6): ordering of MLS commits and
 * membership tracking from PublicMessages (RFC 9420 §6.2). The relay
 * accepts exactly one commit per epoch, the first, with a compare-and-set
 * on the stored epoch; a stale one is answered with the current epoch. It
 * keeps the map leaf index -> device derived from the commits it accepts,
 * applying each proposal list in the order of RFC 9420 §12.3: Removes
 * blank leaves, then each Add takes the leftmost blank leaf (RFC 9420
 * §7.7, §12.1.1), then an external joiner takes the next one (§12.4.3.2).
 * Proposals sent alone are logged and kept under their ProposalRef
 * (RFC 9420 §5.2) so that a commit can name them by reference.
 *
 * The relay cannot verify signatures over FramedContentTBS (it lacks the
 * GroupContext's tree hash), so it authenticates the sender by the TLS
 * identity instead: the leaf a member claims must be held by the
 * connection's device. Identities of new members come from their X.509
 * credentials, validated against the organization's trust store.
 */
#include "relay.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "crypto/crypto.h"
#include "mls/mls_keys.h"
#include "mls/mls_wire.h"
#include "proto/proto.h"
#include "store/store.h"
#include "util/mem.h"

/* The occupied leaves of a group, sorted by index. */
struct members {
	uint32_t *leaf;
	char (*dev)[DEVICE_NAME_MAX];
	size_t n, cap;
};

/* One change to apply once the epoch is won. */
struct change {
	bool add;
	uint32_t leaf;
	char dev[DEVICE_NAME_MAX];
};

struct changes {
	struct change *c;
	size_t n, cap;
};

/* Proposals named by reference, kept parsed while the commit is processed. */
struct referenced {
	struct store_buf *buf;
	struct mls_message *msg;
	size_t n, cap;
};

/* Everything one commit needs. */
struct commit_ctx {
	struct op_env *env;
	const struct peer *peer;
	struct kenh_span group_id;
	struct store_group g;
	struct members mem;
	struct members before; /* the map as it was, to tell new members */
	struct changes ch;
	struct referenced refs;
};

static int grow(void **arr, size_t n, size_t *cap, size_t esize)
{
	void *g = NULL;
	size_t ncap = *cap ? *cap * 2 : 8;
	int rc;

	if (n < *cap) return 0;
	if ((rc = mem_grow(*arr, ncap, esize, &g)) != 0) return rc;
	*arr = g;
	*cap = ncap;
	return 0;
}

/* ---- the membership map ---- */

static int members_grow(struct members *m)
{
	size_t cap = m->cap;
	int rc;

	if ((rc = grow((void **)&m->leaf, m->n, &cap, sizeof(*m->leaf))) != 0) return rc;
	cap = m->cap;
	if ((rc = grow((void **)&m->dev, m->n, &cap, sizeof(*m->dev))) != 0) return rc;
	m->cap = cap;
	return 0;
}

/* Insert keeping the order; the caller knows leaf is blank. */
static int members_insert(struct members *m, uint32_t leaf, const char *dev)
{
	size_t i;
	int rc;

	if ((rc = members_grow(m)) != 0) return rc;
	for (i = m->n; i > 0 && m->leaf[i - 1] > leaf; i--) {
		m->leaf[i] = m->leaf[i - 1];
		memcpy(m->dev[i], m->dev[i - 1], DEVICE_NAME_MAX);
	}
	m->leaf[i] = leaf;
	snprintf(m->dev[i], DEVICE_NAME_MAX, "%s", dev);
	m->n++;
	return 0;
}

static int load_leaf(void *arg, uint32_t leaf, const char *device)
{
	return members_insert(arg, leaf, device);
}

static void members_clear(struct members *m)
{
	mem_free(m->leaf);
	mem_free(m->dev);
	memset(m, 0, sizeof(*m));
}

/* Index of leaf in the map, or m->n when blank. */
static size_t members_find(const struct members *m, uint32_t leaf)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (m->leaf[i] == leaf) return i;
	return m->n;
}

static bool members_has_device(const struct members *m, const char *dev)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (strcmp(m->dev[i], dev) == 0) return true;
	return false;
}

/*
 * RFC 9420 §7.7, §12.1.1: the leftmost blank leaf, or the first leaf past
 * the end (the tree is extended to the right).
 */
static uint32_t members_leftmost_blank(const struct members *m)
{
	uint32_t want = 0;
	size_t i;

	for (i = 0; i < m->n && m->leaf[i] == want; i++)
		want++;
	return want;
}

static void members_remove_at(struct members *m, size_t i)
{
	for (; i + 1 < m->n; i++) {
		m->leaf[i] = m->leaf[i + 1];
		memcpy(m->dev[i], m->dev[i + 1], DEVICE_NAME_MAX);
	}
	m->n--;
}

static int change_add(struct changes *ch, bool add, uint32_t leaf, const char *dev)
{
	int rc;

	if ((rc = grow((void **)&ch->c, ch->n, &ch->cap, sizeof(*ch->c))) != 0) return rc;
	ch->c[ch->n].add = add;
	ch->c[ch->n].leaf = leaf;
	snprintf(ch->c[ch->n].dev, DEVICE_NAME_MAX, "%s", dev);
	ch->n++;
	return 0;
}

/* ---- identities ---- */

/* RFC 9420 §5.3.1: the device named by an X.509 credential's first certificate. */
static int credential_device(const struct op_env *env, const struct peer *p,
                             const struct mls_credential *cred, char dev[static DEVICE_NAME_MAX])
{
	char unit[UNIT_MAX];

	if (cred->credential_type != MLS_CREDENTIAL_X509 || cred->n_certificates == 0)
		return KENH_ERR(KENH_E_UNSUPPORTED);
	if (span_eq(cred->certificates[0], p->cert)) {
		snprintf(dev, DEVICE_NAME_MAX, "%s", p->device);
		return 0;
	}
	return ops_cert_device(env, cred->certificates[0], dev, unit);
}

/* ---- ProposalRef (RFC 9420 §5.2) ---- */

static int proposal_ref(const struct op_env *env, uint16_t suite,
                        const struct mls_public_message *pm, uint8_t ref[static CRYPTO_MAX_HASH],
                        size_t *reflen)
{
	const struct crypto_suite *cs = crypto_suite_get(env->ctx, suite);
	struct mls_authenticated_content ac;
	struct codec_writer w;
	int rc;

	*reflen = 0;
	if (cs == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	/* RFC 9420 §5.2: the value is the AuthenticatedContent of the PublicMessage (§6). */
	memset(&ac, 0, sizeof(ac));
	ac.wire_format = MLS_WIRE_FORMAT_PUBLIC_MESSAGE;
	ac.content = pm->content;
	ac.auth = pm->auth;
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	rc = mls_encode_authenticated_content(&w, &ac);
	if (rc == 0) rc = mls_make_proposal_ref(cs, codec_writer_span(&w), ref);
	if (rc == 0) *reflen = cs->kdf->nh;
	codec_writer_clear(&w);
	return rc;
}

/* ---- applying a commit ---- */

/* Look up a proposal by reference; the parsed message stays in cc->refs. */
static int resolve_ref(struct commit_ctx *cc, struct kenh_span ref,
                       const struct mls_framed_content **out)
{
	struct referenced *r = &cc->refs;
	size_t cap = r->cap;
	int rc;

	*out = NULL;
	if ((rc = grow((void **)&r->buf, r->n, &cap, sizeof(*r->buf))) != 0) return rc;
	cap = r->cap;
	if ((rc = grow((void **)&r->msg, r->n, &cap, sizeof(*r->msg))) != 0) return rc;
	r->cap = cap;
	memset(&r->buf[r->n], 0, sizeof(r->buf[0]));
	memset(&r->msg[r->n], 0, sizeof(r->msg[0]));
	rc = cc->env->so->proposal_get(cc->env->st, cc->group_id, cc->g.epoch, ref, &r->buf[r->n]);
	/* RFC 9420 §12.4: a reference to a proposal we never saw in this epoch is invalid. */
	if (rc == KENH_E_NOT_FOUND) return KENH_ERR(KENH_E_PROTO);
	if (rc != 0) return rc;
	r->n++;
	if ((rc = mls_message_parse(r->buf[r->n - 1].p, r->buf[r->n - 1].len, &r->msg[r->n - 1])))
		return rc;
	*out = &r->msg[r->n - 1].u.public_message.content;
	return 0;
}

static void refs_clear(struct referenced *r)
{
	size_t i;

	for (i = 0; i < r->n; i++) {
		mls_message_clear(&r->msg[i]);
		store_buf_clear(&r->buf[i]);
	}
	mem_free(r->buf);
	mem_free(r->msg);
	memset(r, 0, sizeof(*r));
}

/* RFC 9420 §12.1.2: an Update keeps the proposer's identity. */
static int apply_update(struct commit_ctx *cc, const struct mls_framed_content *fc)
{
	char dev[DEVICE_NAME_MAX];
	size_t i;
	int rc;

	if (fc->sender.sender_type != MLS_SENDER_MEMBER) return KENH_ERR(KENH_E_PROTO);
	i = members_find(&cc->mem, fc->sender.leaf_index);
	if (i == cc->mem.n) return KENH_ERR(KENH_E_PROTO);
	rc = credential_device(cc->env, cc->peer, &fc->proposal.u.update.leaf_node.credential, dev);
	if (rc != 0) return rc;
	return strcmp(dev, cc->mem.dev[i]) == 0 ? 0 : KENH_ERR(KENH_E_PERM);
}

/* RFC 9420 §12.1.3: Remove blanks an occupied leaf. */
static int apply_remove(struct commit_ctx *cc, uint32_t leaf)
{
	size_t i = members_find(&cc->mem, leaf);
	int rc;

	if (i == cc->mem.n) return KENH_ERR(KENH_E_PROTO);
	if ((rc = change_add(&cc->ch, false, leaf, cc->mem.dev[i])) != 0) return rc;
	members_remove_at(&cc->mem, i);
	return 0;
}

/* RFC 9420 §12.1.1: Add places the new member in the leftmost blank leaf. */
static int apply_add(struct commit_ctx *cc, const struct mls_key_package *kp)
{
	char dev[DEVICE_NAME_MAX];
	uint32_t leaf;
	int rc;

	if ((rc = credential_device(cc->env, cc->peer, &kp->leaf_node.credential, dev)) != 0)
		return rc;
	leaf = members_leftmost_blank(&cc->mem);
	if (leaf >= LIMIT_MEMBERS) return KENH_ERR(KENH_E_TOO_LARGE);
	if ((rc = members_insert(&cc->mem, leaf, dev)) != 0) return rc;
	return change_add(&cc->ch, true, leaf, dev);
}

/* The proposals of the commit, inline or by reference, in list order. */
static int collect_proposals(struct commit_ctx *cc, const struct mls_commit *commit,
                             const struct mls_framed_content **list)
{
	size_t i;
	int rc;

	for (i = 0; i < commit->n_proposals; i++) {
		const struct mls_proposal_or_ref *por = &commit->proposals[i];

		if (por->type == MLS_PROPOSAL_OR_REF_PROPOSAL) {
			list[i] = NULL; /* inline: the committer's own */
			continue;
		}
		if ((rc = resolve_ref(cc, por->reference, &list[i])) != 0) return rc;
		if (list[i]->content_type != MLS_CONTENT_PROPOSAL) return KENH_ERR(KENH_E_PROTO);
	}
	return 0;
}

static const struct mls_proposal *
proposal_at(const struct mls_commit *commit, const struct mls_framed_content *const *list, size_t i)
{
	return list[i] ? &list[i]->proposal : &commit->proposals[i].proposal;
}

/* RFC 9420 §12.3: Updates, then Removes, then Adds in list order. */
static int apply_proposals(struct commit_ctx *cc, const struct mls_framed_content *self,
                           const struct mls_framed_content **list)
{
	const struct mls_commit *commit = &self->commit;
	size_t i, pass;
	int rc;

	for (pass = 0; pass < 3; pass++) {
		for (i = 0; i < commit->n_proposals; i++) {
			const struct mls_proposal *pr = proposal_at(commit, list, i);
			const struct mls_framed_content *fc = list[i] ? list[i] : self;

			rc = 0;
			if (pass == 0 && pr->proposal_type == MLS_PROPOSAL_UPDATE)
				rc = list[i] ? apply_update(cc, fc) : KENH_ERR(KENH_E_PROTO);
			else if (pass == 1 && pr->proposal_type == MLS_PROPOSAL_REMOVE)
				rc = apply_remove(cc, pr->u.remove.removed);
			else if (pass == 2 && pr->proposal_type == MLS_PROPOSAL_ADD)
				rc = apply_add(cc, &pr->u.add.key_package);
			if (rc != 0) return rc;
		}
	}
	return 0;
}

/*
 * The committer's path leaf keeps its identity; an external joiner's is
 * the submitting device and takes the leftmost blank leaf (RFC 9420
 * §12.4.3.2).
 */
static int apply_path(struct commit_ctx *cc, const struct mls_framed_content *fc)
{
	char dev[DEVICE_NAME_MAX];
	uint32_t leaf;
	int rc;

	if (!fc->commit.has_path) {
		return fc->sender.sender_type == MLS_SENDER_NEW_MEMBER_COMMIT
		               ? KENH_ERR(KENH_E_PROTO)
		               : 0;
	}
	rc = credential_device(cc->env, cc->peer, &fc->commit.path.leaf_node.credential, dev);
	if (rc != 0) return rc;
	if (strcmp(dev, cc->peer->device) != 0) return KENH_ERR(KENH_E_PERM);
	if (fc->sender.sender_type != MLS_SENDER_NEW_MEMBER_COMMIT) return 0;
	leaf = members_leftmost_blank(&cc->mem);
	if ((rc = members_insert(&cc->mem, leaf, dev)) != 0) return rc;
	return change_add(&cc->ch, true, leaf, dev);
}

/* Write the changes, the cursors and the Welcomes once the commit is logged at seq. */
static int store_changes(struct commit_ctx *cc, uint64_t seq, const struct proto_opt *welcome,
                         bool external)
{
	struct op_env *env = cc->env;
	size_t i;
	uint64_t id;
	int rc = 0;

	for (i = 0; i < cc->ch.n && rc == 0; i++) {
		const struct change *c = &cc->ch.c[i];

		if (!c->add) {
			rc = env->so->leaf_clear(env->st, cc->group_id, c->leaf);
			/* A device removed from its last leaf receives up to this commit. */
			if (rc == 0 && !members_has_device(&cc->mem, c->dev))
				rc = env->so->cursor_end(env->st, c->dev, cc->group_id, seq);
			continue;
		}
		rc = env->so->leaf_set(env->st, cc->group_id, c->leaf, c->dev);
		if (rc == 0 && !members_has_device(&cc->before, c->dev))
			rc = env->so->cursor_open(env->st, c->dev, cc->group_id, seq);
		/* The Welcome is for those added by proposals, not for the external joiner. */
		if (rc == 0 && welcome->present && !(external && i == cc->ch.n - 1)) {
			struct store_inbox_item w = { PROTO_DELIVERY_INBOX, cc->group_id,
				                      welcome->v };

			rc = env->so->inbox_add(env->st, c->dev, &w, env->now, &id);
			if (rc == 0) rc = ops_push_inbox(env, c->dev, &w, id);
		}
	}
	return rc;
}

/* Syntax of the optional Welcome and GroupInfo: whole MLSMessages of the right kind. */
static int check_attachment(const struct proto_opt *o, enum mls_wire_format want)
{
	struct mls_message m;
	int rc;

	if (!o->present) return 0;
	if ((rc = mls_message_parse(o->v.p, o->v.len, &m)) != 0) return rc;
	rc = m.wire_format == want ? 0 : KENH_ERR(KENH_E_PARSE);
	mls_message_clear(&m);
	return rc;
}

static int win_epoch(struct commit_ctx *cc)
{
	struct op_env *env = cc->env;
	int rc = env->so->group_epoch_cas(env->st, cc->group_id, cc->g.epoch, cc->g.epoch + 1);

	if (rc == KENH_E_STATE) {
		/* Lost to another relay's commit on the same database: stale like any other. */
		struct store_group now;

		if (env->so->group_get(env->st, cc->group_id, &now) == 0) env->detail = now.epoch;
		env->m->commits_stale++;
	}
	return rc;
}

static int do_commit(struct commit_ctx *cc, const struct proto_handshake *req,
                     const struct mls_framed_content *fc, struct proto_handshake_resp *resp)
{
	struct op_env *env = cc->env;
	const struct mls_framed_content **list = NULL;
	int rc;

	if ((rc = env->so->leaf_list(env->st, cc->group_id, load_leaf, &cc->mem)) != 0) return rc;
	if ((rc = env->so->leaf_list(env->st, cc->group_id, load_leaf, &cc->before)) != 0)
		return rc;
	if (fc->commit.n_proposals > 0 &&
	    (rc = mem_calloc(fc->commit.n_proposals, sizeof(*list), (void **)&list)) != 0)
		return rc;
	if ((rc = collect_proposals(cc, &fc->commit, list)) != 0) goto out;
	if ((rc = apply_proposals(cc, fc, list)) != 0) goto out;
	if ((rc = apply_path(cc, fc)) != 0) goto out;
	if ((rc = win_epoch(cc)) != 0) goto out;
	if ((rc = env->so->log_append(env->st, cc->group_id, req->message, env->now, &resp->seq)))
		goto out;
	rc = store_changes(cc, resp->seq, &req->welcome,
	                   fc->sender.sender_type == MLS_SENDER_NEW_MEMBER_COMMIT);
	if (rc == 0 && req->group_info.present)
		rc = env->so->groupinfo_put(env->st, cc->group_id, cc->g.epoch + 1,
		                            req->group_info.v);
	if (rc == 0) rc = ops_skip_own(env, cc->peer->device, cc->group_id, resp->seq);
	if (rc == 0)
		rc = ops_push_entry(env, cc->group_id, resp->seq, req->message, cc->peer->conn_id);
	resp->epoch = cc->g.epoch + 1;
	if (rc == 0) env->m->commits_accepted++;
out:
	mem_free(list);
	return rc;
}

static int do_proposal(struct commit_ctx *cc, const struct proto_handshake *req,
                       const struct mls_public_message *pm, struct proto_handshake_resp *resp)
{
	struct op_env *env = cc->env;
	uint8_t ref[CRYPTO_MAX_HASH];
	char dev[DEVICE_NAME_MAX];
	size_t reflen = 0;
	int rc;

	/* Refuse an Add of a device we would refuse at commit time, early. */
	if (pm->content.proposal.proposal_type == MLS_PROPOSAL_ADD) {
		rc = credential_device(env, cc->peer,
		                       &pm->content.proposal.u.add.key_package.leaf_node.credential,
		                       dev);
		if (rc != 0) return rc;
	}
	if ((rc = proposal_ref(env, cc->g.cipher_suite, pm, ref, &reflen)) != 0) return rc;
	if ((rc = ops_log_and_push(env, cc->group_id, req->message, cc->peer, &resp->seq)))
		return rc;
	resp->epoch = cc->g.epoch;
	return env->so->proposal_put(env->st, cc->group_id, cc->g.epoch, span_make(ref, reflen),
	                             req->message);
}

/* docs/protocol.md §5 HANDSHAKE steps 3 and 4: who may send, and at which epoch. */
static int check_sender(struct commit_ctx *cc, const struct mls_framed_content *fc)
{
	char dev[DEVICE_NAME_MAX];
	int rc;

	switch (fc->sender.sender_type) {
	case MLS_SENDER_MEMBER:
		rc = cc->env->so->leaf_get(cc->env->st, cc->group_id, fc->sender.leaf_index, dev,
		                           sizeof(dev));
		if (rc == KENH_E_NOT_FOUND || (rc == 0 && strcmp(dev, cc->peer->device) != 0))
			return KENH_ERR(KENH_E_PERM);
		return rc;
	case MLS_SENDER_NEW_MEMBER_COMMIT:
		return fc->content_type == MLS_CONTENT_COMMIT ? 0 : KENH_ERR(KENH_E_PERM);
	case MLS_SENDER_EXTERNAL:
	case MLS_SENDER_NEW_MEMBER_PROPOSAL:
		return KENH_ERR(KENH_E_PERM);
	}
	return KENH_ERR(KENH_E_PERM);
}

static int handle(struct commit_ctx *cc, const struct proto_handshake *req,
                  const struct mls_message *m, struct proto_handshake_resp *resp)
{
	const struct mls_public_message *pm = &m->u.public_message;
	const struct mls_framed_content *fc = &pm->content;
	int rc;

	if (m->wire_format != MLS_WIRE_FORMAT_PUBLIC_MESSAGE) return KENH_ERR(KENH_E_UNSUPPORTED);
	if (fc->content_type == MLS_CONTENT_APPLICATION) return KENH_ERR(KENH_E_PROTO);
	if ((rc = check_attachment(&req->welcome, MLS_WIRE_FORMAT_WELCOME)) != 0) return rc;
	if ((rc = check_attachment(&req->group_info, MLS_WIRE_FORMAT_GROUP_INFO)) != 0) return rc;
	cc->group_id = fc->group_id;
	if ((rc = cc->env->so->group_get(cc->env->st, fc->group_id, &cc->g)) != 0) return rc;
	if ((rc = check_sender(cc, fc)) != 0) return rc;
	/* Exactly one commit per epoch: anything not at the current epoch is stale. */
	if (fc->epoch != cc->g.epoch) {
		cc->env->detail = cc->g.epoch;
		if (fc->content_type == MLS_CONTENT_COMMIT) cc->env->m->commits_stale++;
		return KENH_ERR(KENH_E_STATE);
	}
	if (fc->content_type == MLS_CONTENT_PROPOSAL) return do_proposal(cc, req, pm, resp);
	return do_commit(cc, req, fc, resp);
}

int op_handshake(struct op_env *env, struct peer *p, struct kenh_span body,
                 struct codec_writer *out)
{
	struct proto_handshake req;
	struct proto_handshake_resp resp = { 0 };
	struct commit_ctx cc;
	struct mls_message m;
	int rc;

	if ((rc = proto_msg_decode(&proto_desc_handshake, body.p, body.len, &req, sizeof(req))))
		return rc;
	if ((rc = mls_message_parse(req.message.p, req.message.len, &m)) != 0) return rc;
	memset(&cc, 0, sizeof(cc));
	cc.env = env;
	cc.peer = p;
	rc = handle(&cc, &req, &m, &resp);
	if (rc == 0) rc = proto_msg_encode(out, &proto_desc_handshake_resp, &resp);
	members_clear(&cc.mem);
	members_clear(&cc.before);
	mem_free(cc.ch.c);
	refs_clear(&cc.refs);
	mls_message_clear(&m);
	return rc;
}
