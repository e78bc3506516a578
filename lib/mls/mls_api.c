/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The public MLS API (include/kenh/mls.h), second half: groups. Each call
 * converts public arguments into the group state machine's (group.h),
 * calls it, and converts the result back: the application's callbacks
 * become the group's credential check (§5.3.1), external-PSK look-up
 * (§8.4) and clock; group options become the GroupContext extensions
 * external_senders (§12.1.8.1) and required_capabilities (§11.1);
 * internal events become public ones.
 */
#include "kenh/mls.h"

#include "util/compat.h"

#include <time.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/group.h"
#include "mls/mls_api_int.h"
#include "util/mem.h"

uint64_t mls_api_now(void)
{
	time_t t = time(NULL);

	return t < 0 ? 0 : (uint64_t)t;
}

static int api_check(void *arg, const struct mls_leaf_node *ln)
{
	const struct kenh_mls_config *cfg = arg;
	int rc = cfg->validate(cfg->validate_arg, mls_api_credential(ln));

	/* A validator must refuse with an error code; anything else positive is a refusal too. */
	return rc > 0 ? KENH_ERR(KENH_E_VERIFY) : rc;
}

static int api_successor(void *arg, const struct mls_leaf_node *old,
                         const struct mls_leaf_node *next)
{
	const struct kenh_mls_config *cfg = arg;
	int rc;

	if (cfg->successor == NULL) return 0;
	rc = cfg->successor(cfg->successor_arg, mls_api_credential(old), mls_api_credential(next));
	return rc > 0 ? KENH_ERR(KENH_E_VERIFY) : rc;
}

static int api_psk(void *arg, const struct mls_pre_shared_key_id *id, uint8_t *out, size_t cap,
                   size_t *len)
{
	const struct kenh_mls_config *cfg = arg;

	*len = 0;
	if (id->psktype != MLS_PSK_EXTERNAL || cfg->psk == NULL) return KENH_ERR(KENH_E_NOT_FOUND);
	return cfg->psk(cfg->psk_arg, id->psk_id.p, id->psk_id.len, out, cap, len);
}

static uint64_t api_clock(void *arg)
{
	const struct kenh_mls_config *cfg = arg;

	return cfg->clock != NULL ? cfg->clock(cfg->clock_arg) : mls_api_now();
}

int mls_api_handle_new(struct kenh_ctx *ctx, const struct kenh_mls_config *cfg,
                       struct kenh_mls_group **out, struct mls_group_callbacks *cb)
{
	struct kenh_mls_group *h = NULL;
	int rc;

	*out = NULL;
	if (ctx == NULL || cfg == NULL || cfg->validate == NULL)
		return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = mem_calloc(1, sizeof(*h), (void **)&h)) != 0) return rc;
	h->ctx = ctx;
	h->cfg = *cfg;
	memset(cb, 0, sizeof(*cb));
	cb->check_credential = api_check;
	cb->check_arg = &h->cfg;
	cb->check_successor = api_successor;
	cb->successor_arg = &h->cfg;
	cb->psk_lookup = api_psk;
	cb->psk_arg = &h->cfg;
	cb->clock = api_clock;
	cb->clock_arg = &h->cfg;
	cb->max_lifetime = cfg->max_lifetime;
	*out = h;
	return 0;
}

void kenh_mls_group_free(struct kenh_mls_group *g)
{
	if (g == NULL) return;
	mls_group_free(g->g);
	mem_free(g);
}

/* ------------------------------------------------------------ extensions */

void mls_api_ext_build_clear(struct mls_api_ext_build *b)
{
	codec_writer_clear(&b->w[0]);
	codec_writer_clear(&b->w[1]);
	mem_free(b->senders);
	mem_free(b->certs);
	memset(b, 0, sizeof(*b));
}

static int add_ext(struct mls_api_ext_build *b, uint16_t type)
{
	struct mls_extension *e = &b->ext[b->list.count];

	e->extension_type = type;
	e->extension_data = codec_writer_span(&b->w[b->list.count]);
	b->list.count++;
	return 0;
}

/* RFC 9420 §12.1.8.1: ExternalSender external_senders<V>. */
static int external_senders(const struct kenh_mls_group_options *o, struct mls_api_ext_build *b)
{
	struct mls_external_senders l;
	size_t i, n = o->n_external_senders;
	int rc;

	if (n > LIMIT_EXTERNAL_SENDERS) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = mem_calloc(n, sizeof(*b->senders), (void **)&b->senders)) != 0) return rc;
	if ((rc = mem_calloc(n * LIMIT_CERT_CHAIN, sizeof(*b->certs), (void **)&b->certs)) != 0)
		return rc;
	for (i = 0; i < n; i++) {
		const struct kenh_mls_external_sender *s = &o->external_senders[i];
		b->senders[i].signature_key = span_make(s->signature_key, s->signature_key_len);
		rc = mls_api_credential_build(&s->credential, &b->senders[i].credential,
		                              b->certs + i * LIMIT_CERT_CHAIN, LIMIT_CERT_CHAIN);
		if (rc != 0) return rc;
	}
	l.items = b->senders;
	l.count = n;
	codec_writer_init(&b->w[b->list.count], LIMIT_EXTENSION_DATA, CODEC_WRITER_NORMAL);
	if ((rc = mls_encode_external_senders(&b->w[b->list.count], &l)) != 0) return rc;
	return add_ext(b, MLS_EXT_EXTERNAL_SENDERS);
}

/* RFC 9420 §11.1: RequiredCapabilities with the credential types every member must support. */
static int required_capabilities(const struct kenh_mls_group_options *o,
                                 struct mls_api_ext_build *b)
{
	struct mls_required_capabilities rc_ext;
	int rc;

	if (o->n_required_credentials > LIMIT_CAPABILITY_LIST) return KENH_ERR(KENH_E_INVALID_ARG);
	memset(&rc_ext, 0, sizeof(rc_ext));
	rc_ext.credential_types.items = (uint16_t *)(uintptr_t)o->required_credentials;
	rc_ext.credential_types.count = o->n_required_credentials;
	codec_writer_init(&b->w[b->list.count], LIMIT_EXTENSION_DATA, CODEC_WRITER_NORMAL);
	if ((rc = mls_encode_required_capabilities(&b->w[b->list.count], &rc_ext)) != 0) return rc;
	return add_ext(b, MLS_EXT_REQUIRED_CAPABILITIES);
}

int mls_api_ext_build(const struct kenh_mls_group_options *o, struct mls_api_ext_build *b)
{
	int rc;

	memset(b, 0, sizeof(*b));
	b->list.items = b->ext;
	if (o == NULL) return 0;
	if (o->n_external_senders != 0 && (rc = external_senders(o, b)) != 0) return rc;
	if (o->n_required_credentials != 0 && (rc = required_capabilities(o, b)) != 0) return rc;
	return 0;
}

int kenh_mls_group_create(struct kenh_ctx *ctx, const struct kenh_mls_config *cfg,
                          const struct kenh_mls_keypackage *kp,
                          const struct kenh_mls_group_options *opt, struct kenh_mls_group **out)
{
	struct mls_group_callbacks cb;
	struct kenh_mls_group *h = NULL;
	struct mls_api_ext_build b;
	struct kenh_span id = { NULL, 0 };
	int rc;

	memset(&b, 0, sizeof(b));
	if (kp == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = mls_api_handle_new(ctx, cfg, &h, &cb)) != 0) return rc;
	if ((rc = mls_api_ext_build(opt, &b)) != 0) goto out;
	if (opt != NULL) id = span_make(opt->group_id, opt->group_id_len);
	rc = mls_group_create(ctx, &cb, &kp->kp, id, b.list.count != 0 ? &b.list : NULL, &h->g);
	if (rc != 0) goto out;
	*out = h;
	h = NULL;
out:
	mls_api_ext_build_clear(&b);
	kenh_mls_group_free(h);
	return rc;
}

int kenh_mls_group_join(struct kenh_ctx *ctx, const struct kenh_mls_config *cfg,
                        const struct kenh_mls_keypackage *kp, const uint8_t *welcome,
                        size_t welcome_len, const uint8_t *tree, size_t tree_len,
                        struct kenh_mls_group **out)
{
	struct mls_group_callbacks cb;
	struct kenh_mls_group *h = NULL;
	struct mls_message m;
	int rc;

	if (kp == NULL || welcome == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	memset(&m, 0, sizeof(m));
	if ((rc = mls_api_handle_new(ctx, cfg, &h, &cb)) != 0) return rc;
	if ((rc = mls_message_parse(welcome, welcome_len, &m)) != 0) goto out;
	if (m.wire_format != MLS_WIRE_FORMAT_WELCOME) {
		rc = KENH_ERR(KENH_E_PROTO);
		goto out;
	}
	rc = mls_group_join(ctx, &cb, &kp->kp, &m.u.welcome, span_make(tree, tree_len), &h->g);
	if (rc != 0) goto out;
	*out = h;
	h = NULL;
out:
	mls_message_clear(&m);
	kenh_mls_group_free(h);
	return rc;
}

int kenh_mls_group_join_external(struct kenh_ctx *ctx, const struct kenh_mls_config *cfg,
                                 const struct kenh_mls_keypackage *kp, const uint8_t *group_info,
                                 size_t group_info_len, const uint8_t *tree, size_t tree_len,
                                 uint32_t resync_leaf, uint8_t **commit, size_t *commit_len,
                                 struct kenh_mls_group **out)
{
	struct mls_external_join_args a;
	struct mls_group_callbacks cb;
	struct kenh_mls_group *h = NULL;
	struct mls_message m;
	int rc;

	*commit = NULL;
	*commit_len = 0;
	if (kp == NULL || group_info == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	memset(&m, 0, sizeof(m));
	if ((rc = mls_api_handle_new(ctx, cfg, &h, &cb)) != 0) return rc;
	if ((rc = mls_message_parse(group_info, group_info_len, &m)) != 0) goto out;
	if (m.wire_format != MLS_WIRE_FORMAT_GROUP_INFO) {
		rc = KENH_ERR(KENH_E_PROTO);
		goto out;
	}
	memset(&a, 0, sizeof(a));
	a.ctx = ctx;
	a.cb = &cb;
	a.kp = &kp->kp;
	a.gi = &m.u.group_info;
	a.tree = span_make(tree, tree_len);
	a.resync_leaf = resync_leaf;
	if ((rc = mls_group_join_external(&a, commit, commit_len, &h->g)) != 0) goto out;
	*out = h;
	h = NULL;
out:
	mls_message_clear(&m);
	kenh_mls_group_free(h);
	return rc;
}

/* ------------------------------------------------------------ messages */

void kenh_mls_event_clear(struct kenh_mls_event *ev)
{
	if (ev == NULL) return;
	sec_free(ev->data, ev->data_len);
	mem_free(ev->added);
	mem_free(ev->removed_leaves);
	memset(ev, 0, sizeof(*ev));
}

/* Move an internal commit outcome into a public event. */
static void outcome_out(struct mls_commit_outcome *o, struct kenh_mls_event *ev)
{
	ev->removed = o->removed;
	ev->reinit = o->reinit;
	ev->added = o->added.v;
	ev->n_added = o->added.n;
	ev->removed_leaves = o->removed_leaves.v;
	ev->n_removed = o->removed_leaves.n;
	memset(&o->added, 0, sizeof(o->added));
	memset(&o->removed_leaves, 0, sizeof(o->removed_leaves));
}

static void event_out(struct mls_event *in, struct kenh_mls_event *ev)
{
	ev->type = (enum kenh_mls_event_type)in->type;
	ev->sender_type = (enum kenh_mls_sender_type)in->sender.sender_type;
	ev->sender = in->sender.sender_type == MLS_SENDER_EXTERNAL ? in->sender.sender_index
	                                                           : in->sender.leaf_index;
	/* A Commit names the epoch it opened (ours stays behind if it removed us);
	 * application data the epoch it was sent in, a past one if it came late. */
	ev->epoch = in->type == MLS_EVENT_COMMIT ? in->commit.epoch : in->epoch;
	ev->data = in->data;
	ev->data_len = in->data_len;
	in->data = NULL;
	in->data_len = 0;
	ev->proposal_type = (uint16_t)in->proposal_type;
	outcome_out(&in->commit, ev);
}

int kenh_mls_group_process(struct kenh_mls_group *g, const uint8_t *msg, size_t len,
                           struct kenh_mls_event *ev)
{
	struct mls_message m;
	struct mls_event in;
	int rc;

	memset(ev, 0, sizeof(*ev));
	if (g == NULL || (msg == NULL && len != 0)) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = mls_message_parse(msg, len, &m)) != 0) return rc;
	if ((rc = mls_group_process(g->g, &m, &in)) == 0) {
		event_out(&in, ev);
		mls_event_clear(&in);
	}
	mls_message_clear(&m);
	return rc;
}

int kenh_mls_group_encrypt(struct kenh_mls_group *g, const uint8_t *data, size_t len, uint8_t **out,
                           size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (g == NULL || (data == NULL && len != 0)) return KENH_ERR(KENH_E_INVALID_ARG);
	return mls_group_encrypt(g->g, span_make(data, len), span_make(NULL, 0), out, out_len);
}

struct kenh_span mls_api_bare_key_package(const uint8_t *p, size_t len)
{
	struct mls_message m;

	if (mls_message_parse(p, len, &m) == 0) {
		bool kp = m.wire_format == MLS_WIRE_FORMAT_KEY_PACKAGE;
		mls_message_clear(&m);
		/* RFC 9420 §6: version and wire_format (4 bytes), then the KeyPackage. */
		if (kp) return span_make(p + 4, len - 4);
	}
	return span_make(p, len);
}

void kenh_mls_commit_out_clear(struct kenh_mls_commit_out *o)
{
	if (o == NULL) return;
	mem_free(o->commit);
	mem_free(o->welcome);
	mem_free(o->group_info);
	memset(o, 0, sizeof(*o));
}

int kenh_mls_group_commit(struct kenh_mls_group *g, const struct kenh_mls_commit_args *a,
                          struct kenh_mls_commit_out *out)
{
	struct mls_commit_args ca;
	struct mls_commit_made made;
	struct mls_credential cred;
	struct kenh_span *kps = NULL, certs[LIMIT_CERT_CHAIN];
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if (g == NULL || a == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if (a->n_add > LIMIT_PROPOSALS) return KENH_ERR(KENH_E_TOO_LARGE);
	if (a->credential != NULL &&
	    (rc = mls_api_credential_build(a->credential, &cred, certs, LIMIT_CERT_CHAIN)) != 0)
		return rc;
	if ((rc = mem_calloc(a->n_add + 1, sizeof(*kps), (void **)&kps)) != 0) return rc;
	for (i = 0; i < a->n_add; i++)
		kps[i] = mls_api_bare_key_package(a->key_packages[i], a->key_package_lens[i]);
	memset(&ca, 0, sizeof(ca));
	ca.key_packages = kps;
	ca.n_add = a->n_add;
	ca.remove = a->remove;
	ca.n_remove = a->n_remove;
	ca.include_pending = a->include_pending;
	ca.force_path = a->update || a->credential != NULL;
	ca.credential = a->credential != NULL ? &cred : NULL;
	ca.private_message = a->private_message;
	ca.ratchet_tree_in_welcome = a->ratchet_tree;
	ca.external_pub = true;
	if ((rc = mls_group_commit_create(g->g, &ca, &made)) == 0) {
		out->commit = made.commit;
		out->commit_len = made.commit_len;
		out->welcome = made.welcome;
		out->welcome_len = made.welcome_len;
		out->group_info = made.group_info;
		out->group_info_len = made.group_info_len;
	}
	mem_free(kps);
	return rc;
}

int kenh_mls_group_commit_merge(struct kenh_mls_group *g, struct kenh_mls_event *ev)
{
	struct mls_commit_outcome o;
	int rc;

	memset(ev, 0, sizeof(*ev));
	if (g == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = mls_group_staged_merge(g->g, &o)) != 0) return rc;
	ev->type = KENH_MLS_EVENT_COMMIT;
	ev->sender_type = KENH_MLS_SENDER_MEMBER;
	ev->sender = g->g->own_leaf;
	ev->epoch = g->g->gc.epoch;
	outcome_out(&o, ev);
	mls_commit_outcome_clear(&o);
	return 0;
}

void kenh_mls_group_commit_discard(struct kenh_mls_group *g)
{
	if (g != NULL) mls_group_staged_discard(g->g);
}

static int propose(struct kenh_mls_group *g, const struct mls_propose_args *a, uint8_t **out,
                   size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (g == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	return mls_group_propose(g->g, a, out, out_len);
}

int kenh_mls_group_propose_add(struct kenh_mls_group *g, const uint8_t *key_package, size_t len,
                               uint8_t **out, size_t *out_len)
{
	struct mls_propose_args a;

	memset(&a, 0, sizeof(a));
	a.type = MLS_PROPOSAL_ADD;
	a.key_package = mls_api_bare_key_package(key_package, len);
	return propose(g, &a, out, out_len);
}

int kenh_mls_group_propose_remove(struct kenh_mls_group *g, uint32_t leaf, uint8_t **out,
                                  size_t *out_len)
{
	struct mls_propose_args a;

	memset(&a, 0, sizeof(a));
	a.type = MLS_PROPOSAL_REMOVE;
	a.remove = leaf;
	return propose(g, &a, out, out_len);
}

int kenh_mls_group_propose_update(struct kenh_mls_group *g, uint8_t **out, size_t *out_len)
{
	struct mls_propose_args a;

	memset(&a, 0, sizeof(a));
	a.type = MLS_PROPOSAL_UPDATE;
	return propose(g, &a, out, out_len);
}

/* ------------------------------------------------------------ read-only */

int kenh_mls_group_export(const struct kenh_mls_group *g, const char *label, const uint8_t *context,
                          size_t context_len, uint8_t *out, size_t len)
{
	if (g == NULL || label == NULL || out == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if (g->g->removed) return KENH_ERR(KENH_E_STATE);
	/* RFC 9420 §8.5: MLS-Exporter(Label, Context, Length). */
	return mls_exporter(g->g->cs, g->g->es.exporter_secret,
	                    span_make((const uint8_t *)label, strlen(label)),
	                    span_make(context, context_len), out, len);
}

int kenh_mls_group_epoch_authenticator(const struct kenh_mls_group *g, uint8_t *out, size_t cap,
                                       size_t *len)
{
	size_t nh;

	*len = 0;
	if (g == NULL || out == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	nh = g->g->cs->kdf->nh;
	if (cap < nh) return KENH_ERR(KENH_E_TOO_LARGE);
	memcpy(out, g->g->es.epoch_authenticator, nh);
	*len = nh;
	return 0;
}

int kenh_mls_group_info(const struct kenh_mls_group *g, bool with_tree, uint8_t **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	if (g == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	return mls_group_info_make(g->g, with_tree, true, out, len);
}

uint64_t kenh_mls_group_epoch(const struct kenh_mls_group *g)
{
	return g->g->gc.epoch;
}

void kenh_mls_group_id(const struct kenh_mls_group *g, const uint8_t **p, size_t *len)
{
	*p = g->g->gc.group_id.p;
	*len = g->g->gc.group_id.len;
}

uint16_t kenh_mls_group_suite(const struct kenh_mls_group *g)
{
	return g->g->cs->id;
}

uint32_t kenh_mls_group_own_leaf(const struct kenh_mls_group *g)
{
	return g->g->own_leaf;
}

bool kenh_mls_group_is_active(const struct kenh_mls_group *g)
{
	return !g->g->removed && !g->g->reinit;
}

size_t kenh_mls_group_pending_proposals(const struct kenh_mls_group *g)
{
	return g->g->n_props;
}

uint32_t kenh_mls_group_leaf_count(const struct kenh_mls_group *g)
{
	return g->g->tree->n_leaves;
}

int kenh_mls_group_member(const struct kenh_mls_group *g, uint32_t leaf,
                          const struct kenh_mls_credential **out)
{
	const struct mls_leaf_node *ln = mls_rtree_leaf(g->g->tree, leaf);

	*out = NULL;
	if (ln == NULL) return KENH_ERR(KENH_E_NOT_FOUND);
	*out = mls_api_credential(ln);
	return 0;
}

int kenh_mls_group_serialize(const struct kenh_mls_group *g, uint8_t **out, size_t *len)
{
	*out = NULL;
	*len = 0;
	if (g == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	return mls_group_serialize(g->g, out, len);
}

int kenh_mls_group_restore(struct kenh_ctx *ctx, const struct kenh_mls_config *cfg,
                           const uint8_t *in, size_t len, struct kenh_mls_group **out)
{
	struct mls_group_callbacks cb;
	struct kenh_mls_group *h = NULL;
	int rc;

	if (in == NULL && len != 0) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = mls_api_handle_new(ctx, cfg, &h, &cb)) != 0) return rc;
	if ((rc = mls_group_deserialize(ctx, &cb, span_make(in, len), &h->g)) != 0) {
		kenh_mls_group_free(h);
		return rc;
	}
	*out = h;
	return 0;
}
