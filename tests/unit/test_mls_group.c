/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests of the MLS group state machine (lib/mls/group.h): group
 * creation (RFC 9420 §11), Commits with Add, Remove, Update, PSK and
 * GroupContextExtensions (§12.1, §12.4), Welcome (§12.4.3.1), external
 * Commits (§12.4.3.2), application messages, serialization, and one
 * negative test per validation rule of §12.2, §12.4.2 and §12.4.3.1.
 *
 * Every negative test is built so that only the rule it names rejects the
 * message: the message is otherwise well formed and correctly signed (the
 * tests re-sign what they tamper with), and after each rejection the
 * group's serialized state is byte-identical to what it was before.
 */
#include "mls/group.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "kenh/kenh.h"
#include "util/mem.h"

/* ------------------------------------------------------------------------ */
/* Parties                                                                   */
/* ------------------------------------------------------------------------ */

#define MAX_PARTIES 4

struct party {
	char name[16];
	struct mls_own_key_package kp;
	struct mls_group *g;
};

struct world {
	struct kenh_ctx *ctx;
	uint16_t suite;
	uint64_t now;
	struct mls_group_callbacks cb;
	struct party p[MAX_PARTIES];
	/* Extra types party i advertises in its KeyPackages (NULL: none). */
	const struct mls_u16_list *more_ext[MAX_PARTIES];
	const struct mls_u16_list *more_cred[MAX_PARTIES];
};

static int accept_basic(void *arg, const struct mls_leaf_node *ln)
{
	(void)arg;
	return ln->credential.credential_type == MLS_CREDENTIAL_BASIC ? 0 : KENH_E_VERIFY;
}

static uint64_t world_clock(void *arg)
{
	return ((const struct world *)arg)->now;
}

/* Every external PSK is its id reversed (enough to tell them apart). */
static int world_psk(void *arg, const struct mls_pre_shared_key_id *id, uint8_t *out, size_t cap,
                     size_t *len)
{
	size_t i;

	(void)arg;
	*len = 0;
	if (id->psktype != MLS_PSK_EXTERNAL || id->psk_id.len > cap || id->psk_id.len == 0)
		return KENH_E_NOT_FOUND;
	for (i = 0; i < id->psk_id.len; i++)
		out[i] = id->psk_id.p[id->psk_id.len - 1 - i];
	*len = id->psk_id.len;
	return 0;
}

static void world_init(struct world *w, struct kenh_ctx *ctx, uint16_t suite)
{
	memset(w, 0, sizeof(*w));
	w->ctx = ctx;
	w->suite = suite;
	w->now = 1800000000u;
	w->cb.check_credential = accept_basic;
	w->cb.psk_lookup = world_psk;
	w->cb.clock = world_clock;
	w->cb.clock_arg = w;
}

static void world_clear(struct world *w)
{
	size_t i;

	for (i = 0; i < MAX_PARTIES; i++) {
		mls_group_free(w->p[i].g);
		mls_own_key_package_clear(&w->p[i].kp);
	}
	memset(w, 0, sizeof(*w));
}

/* A fresh KeyPackage for party i (identity "p<i>"). */
static void make_kp(struct world *w, size_t i)
{
	struct mls_credential cred;
	struct mls_kp_args a;
	struct party *p = &w->p[i];

	mls_own_key_package_clear(&p->kp);
	snprintf(p->name, sizeof(p->name), "p%zu", i);
	memset(&cred, 0, sizeof(cred));
	cred.credential_type = MLS_CREDENTIAL_BASIC;
	cred.identity = span_make((const uint8_t *)p->name, strlen(p->name));
	memset(&a, 0, sizeof(a));
	a.ctx = w->ctx;
	a.suite = w->suite;
	a.credential = &cred;
	a.now = w->now;
	a.grease = true;
	a.more_extensions = w->more_ext[i];
	a.more_credentials = w->more_cred[i];
	assert_int_equal(mls_group_key_package(&a, &p->kp), 0);
}

static void create(struct world *w, size_t i)
{
	make_kp(w, i);
	assert_int_equal(
	        mls_group_create(w->ctx, &w->cb, &w->p[i].kp, span_make(NULL, 0), NULL, &w->p[i].g),
	        0);
}

/* The state bytes of a group (for "nothing changed" checks). */
static void snapshot(const struct mls_group *g, uint8_t **out, size_t *len)
{
	assert_int_equal(mls_group_serialize(g, out, len), 0);
}

static void assert_unchanged(const struct mls_group *g, const uint8_t *before, size_t len)
{
	uint8_t *now = NULL;
	size_t n = 0;

	snapshot(g, &now, &n);
	assert_int_equal(n, len);
	assert_memory_equal(now, before, len);
	sec_free(now, n);
}

/* Deliver one MLSMessage to party i. Returns the processing code. */
static int deliver(struct world *w, size_t i, const uint8_t *msg, size_t len, struct mls_event *ev)
{
	struct mls_message m;
	struct mls_event local;
	int rc;

	if (ev == NULL) ev = &local;
	rc = mls_message_parse(msg, len, &m);
	if (rc == 0) {
		rc = mls_group_process(w->p[i].g, &m, ev);
		mls_message_clear(&m);
	}
	if (ev == &local) mls_event_clear(&local);
	return rc;
}

static void join(struct world *w, size_t i, const uint8_t *welcome, size_t len)
{
	struct mls_message m;

	assert_int_equal(mls_message_parse(welcome, len, &m), 0);
	assert_int_equal(m.wire_format, MLS_WIRE_FORMAT_WELCOME);
	assert_int_equal(mls_group_join(w->ctx, &w->cb, &w->p[i].kp, &m.u.welcome,
	                                span_make(NULL, 0), &w->p[i].g),
	                 0);
	mls_message_clear(&m);
}

/* Every party with a group is in the same epoch with the same authenticator. */
static void assert_agree(const struct world *w)
{
	const struct mls_group *ref = NULL;
	size_t i;

	for (i = 0; i < MAX_PARTIES; i++) {
		const struct mls_group *g = w->p[i].g;
		if (g == NULL || g->removed) continue;
		if (ref == NULL) {
			ref = g;
			continue;
		}
		assert_int_equal(g->gc.epoch, ref->gc.epoch);
		assert_memory_equal(g->es.epoch_authenticator, ref->es.epoch_authenticator,
		                    g->cs->kdf->nh);
	}
}

static struct kenh_span kp_span(const struct party *p)
{
	return span_make(p->kp.kp, p->kp.kp_len);
}

/* Party c commits adds of the parties in add[] (with the ratchet tree in the Welcome). */
static void commit_add(struct world *w, size_t c, const size_t *add, size_t n,
                       struct mls_commit_made *out)
{
	struct kenh_span kps[MAX_PARTIES];
	struct mls_commit_args a;
	size_t i;

	for (i = 0; i < n; i++) {
		make_kp(w, add[i]);
		kps[i] = kp_span(&w->p[add[i]]);
	}
	memset(&a, 0, sizeof(a));
	a.key_packages = kps;
	a.n_add = n;
	a.include_pending = true;
	a.ratchet_tree_in_welcome = true;
	assert_int_equal(mls_group_commit_create(w->p[c].g, &a, out), 0);
}

/* A group of n parties (0 created it and added the others), all in agreement. */
static void grow_group(struct world *w, size_t n)
{
	struct mls_commit_made cm;
	struct mls_commit_outcome o;
	size_t add[MAX_PARTIES], i;

	create(w, 0);
	for (i = 1; i < n; i++)
		add[i - 1] = i;
	if (n > 1) {
		commit_add(w, 0, add, n - 1, &cm);
		assert_int_equal(mls_group_staged_merge(w->p[0].g, &o), 0);
		mls_commit_outcome_clear(&o);
		for (i = 1; i < n; i++)
			join(w, i, cm.welcome, cm.welcome_len);
		mls_commit_made_clear(&cm);
	}
	assert_agree(w);
}

static int setup_ctx(void **state)
{
	struct kenh_ctx *ctx = NULL;

	if (kenh_ctx_new(&ctx) != 0) return -1;
	*state = ctx;
	return 0;
}

static int teardown_ctx(void **state)
{
	kenh_ctx_free(*state);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Positive flows                                                            */
/* ------------------------------------------------------------------------ */

static void flow_for_suite(struct kenh_ctx *ctx, uint16_t suite)
{
	struct world w;
	struct mls_commit_made cm;
	struct mls_commit_args a;
	struct mls_event ev;
	uint8_t *msg = NULL;
	size_t len = 0, i;
	uint32_t rm;

	world_init(&w, ctx, suite);
	grow_group(&w, 3);
	/* Application data from 0 to 1 and 2. */
	assert_int_equal(mls_group_encrypt(w.p[0].g, span_make((const uint8_t *)"hello", 5),
	                                   span_make(NULL, 0), &msg, &len),
	                 0);
	for (i = 1; i < 3; i++) {
		assert_int_equal(deliver(&w, i, msg, len, &ev), 0);
		assert_int_equal(ev.type, MLS_EVENT_APPLICATION);
		assert_int_equal(ev.data_len, 5);
		assert_memory_equal(ev.data, "hello", 5);
		assert_int_equal(ev.sender.leaf_index, 0);
		mls_event_clear(&ev);
	}
	mem_free(msg);
	/* 1 commits an update (empty Commit with a path). */
	memset(&a, 0, sizeof(a));
	a.force_path = true;
	assert_int_equal(mls_group_commit_create(w.p[1].g, &a, &cm), 0);
	assert_int_equal(deliver(&w, 0, cm.commit, cm.commit_len, NULL), 0);
	assert_int_equal(deliver(&w, 2, cm.commit, cm.commit_len, NULL), 0);
	/* The commit coming back to its author merges what was staged. */
	assert_int_equal(deliver(&w, 1, cm.commit, cm.commit_len, NULL), 0);
	mls_commit_made_clear(&cm);
	assert_agree(&w);
	/* 2 removes 1. */
	memset(&a, 0, sizeof(a));
	rm = 1;
	a.remove = &rm;
	a.n_remove = 1;
	assert_int_equal(mls_group_commit_create(w.p[2].g, &a, &cm), 0);
	assert_int_equal(deliver(&w, 0, cm.commit, cm.commit_len, NULL), 0);
	assert_int_equal(deliver(&w, 1, cm.commit, cm.commit_len, &ev), 0);
	assert_true(ev.commit.removed);
	mls_event_clear(&ev);
	assert_int_equal(deliver(&w, 2, cm.commit, cm.commit_len, NULL), 0);
	mls_commit_made_clear(&cm);
	assert_true(w.p[1].g->removed);
	assert_agree(&w);
	world_clear(&w);
}

static void test_mls_group_flow(void **state)
{
	flow_for_suite(*state, 1);
	flow_for_suite(*state, 2);
	flow_for_suite(*state, 3);
}

/* Deliver msg to every party with an active group except `except`. */
static void broadcast(struct world *w, size_t except, const uint8_t *msg, size_t len)
{
	size_t i;

	for (i = 0; i < MAX_PARTIES; i++) {
		if (i == except || w->p[i].g == NULL || w->p[i].g->removed) continue;
		assert_int_equal(deliver(w, i, msg, len, NULL), 0);
	}
}

/* Party c commits a; everyone else processes it; c merges. */
static void commit_all(struct world *w, size_t c, const struct mls_commit_args *a,
                       struct mls_commit_made *out)
{
	struct mls_commit_outcome o;
	struct mls_commit_made local;

	if (out == NULL) out = &local;
	assert_int_equal(mls_group_commit_create(w->p[c].g, a, out), 0);
	broadcast(w, c, out->commit, out->commit_len);
	assert_int_equal(mls_group_staged_merge(w->p[c].g, &o), 0);
	mls_commit_outcome_clear(&o);
	if (out == &local) mls_commit_made_clear(&local);
}

static void test_mls_group_serialize_round_trip(void **state)
{
	struct world w;
	struct mls_group *r = NULL;
	struct mls_commit_args a;
	uint8_t *s1 = NULL, *s2 = NULL, *msg = NULL;
	size_t l1 = 0, l2 = 0, len = 0, cut;

	world_init(&w, *state, 1);
	grow_group(&w, 3);
	/* Some history: messages sent (ratchets moved) and a proposal pending. */
	assert_int_equal(mls_group_encrypt(w.p[1].g, span_make((const uint8_t *)"x", 1),
	                                   span_make(NULL, 0), &msg, &len),
	                 0);
	assert_int_equal(deliver(&w, 0, msg, len, NULL), 0);
	mem_free(msg);
	{
		struct mls_propose_args pa;
		memset(&pa, 0, sizeof(pa));
		pa.type = MLS_PROPOSAL_UPDATE;
		assert_int_equal(mls_group_propose(w.p[0].g, &pa, &msg, &len), 0);
		assert_int_equal(deliver(&w, 1, msg, len, NULL), 0);
		assert_int_equal(deliver(&w, 2, msg, len, NULL), 0);
		mem_free(msg);
	}
	snapshot(w.p[0].g, &s1, &l1);
	assert_int_equal(mls_group_deserialize(w.ctx, &w.cb, span_make(s1, l1), &r), 0);
	snapshot(r, &s2, &l2);
	assert_int_equal(l1, l2);
	assert_memory_equal(s1, s2, l1);
	/* The restored state carries on: party 1 commits our Update by reference. */
	mls_group_free(w.p[0].g);
	w.p[0].g = r;
	memset(&a, 0, sizeof(a));
	a.include_pending = true;
	commit_all(&w, 1, &a, NULL);
	assert_agree(&w);
	/* Every truncation and trailing garbage are refused (R17.1). */
	for (cut = 0; cut < l1; cut += 1 + cut / 64) {
		r = NULL;
		assert_int_not_equal(mls_group_deserialize(w.ctx, &w.cb, span_make(s1, cut), &r),
		                     0);
		assert_null(r);
	}
	s1[l1 - 1] ^= 0; /* keep */
	sec_free(s2, l2);
	assert_int_equal(mem_alloc(l1 + 1, (void **)&s2), 0);
	memcpy(s2, s1, l1);
	s2[l1] = 0;
	assert_int_equal(mls_group_deserialize(w.ctx, &w.cb, span_make(s2, l1 + 1), &r),
	                 KENH_E_TRAILING);
	s2[4] = 0x7f; /* another format version */
	assert_int_equal(mls_group_deserialize(w.ctx, &w.cb, span_make(s2, l1), &r),
	                 KENH_E_UNSUPPORTED);
	mem_free(s2);
	sec_free(s1, l1);
	world_clear(&w);
}

static void test_mls_group_proposals_by_reference(void **state)
{
	struct mls_propose_args pa;
	struct mls_commit_args a;
	struct mls_event ev;
	struct world w;
	uint8_t *msg = NULL;
	size_t len = 0;

	world_init(&w, *state, 3);
	grow_group(&w, 3);
	/* 2 proposes to remove 1 and to add 3; 0 commits both by reference. */
	memset(&pa, 0, sizeof(pa));
	pa.type = MLS_PROPOSAL_REMOVE;
	pa.remove = 1;
	assert_int_equal(mls_group_propose(w.p[2].g, &pa, &msg, &len), 0);
	broadcast(&w, 2, msg, len);
	mem_free(msg);
	make_kp(&w, 3);
	pa.type = MLS_PROPOSAL_ADD;
	pa.key_package = kp_span(&w.p[3]);
	assert_int_equal(mls_group_propose(w.p[2].g, &pa, &msg, &len), 0);
	assert_int_equal(deliver(&w, 0, msg, len, &ev), 0);
	assert_int_equal(ev.type, MLS_EVENT_PROPOSAL);
	assert_int_equal(ev.proposal_type, MLS_PROPOSAL_ADD);
	mls_event_clear(&ev);
	assert_int_equal(deliver(&w, 1, msg, len, NULL), 0);
	/* The same proposal twice is stored once. */
	assert_int_equal(deliver(&w, 1, msg, len, NULL), 0);
	assert_int_equal(w.p[1].g->n_props, 2);
	mem_free(msg);
	/* A member with a pending proposal must commit before sending data (§12.4). */
	assert_int_equal(mls_group_encrypt(w.p[0].g, span_make((const uint8_t *)"x", 1),
	                                   span_make(NULL, 0), &msg, &len),
	                 KENH_E_STATE);
	{
		struct mls_commit_made cm;
		memset(&a, 0, sizeof(a));
		a.include_pending = true;
		a.ratchet_tree_in_welcome = true;
		assert_int_equal(mls_group_commit_create(w.p[0].g, &a, &cm), 0);
		assert_int_equal(deliver(&w, 1, cm.commit, cm.commit_len, &ev), 0);
		assert_true(ev.commit.removed);
		mls_event_clear(&ev);
		assert_int_equal(deliver(&w, 2, cm.commit, cm.commit_len, &ev), 0);
		assert_int_equal(ev.commit.added.n, 1);
		assert_int_equal(ev.commit.removed_leaves.n, 1);
		mls_event_clear(&ev);
		assert_int_equal(deliver(&w, 0, cm.commit, cm.commit_len, NULL), 0);
		assert_non_null(cm.welcome);
		join(&w, 3, cm.welcome, cm.welcome_len);
		mls_commit_made_clear(&cm);
	}
	assert_int_equal(w.p[3].g->own_leaf, 1);
	assert_agree(&w);
	world_clear(&w);
}

static void test_mls_group_update_proposal(void **state)
{
	struct mls_propose_args pa;
	struct mls_commit_args a;
	struct world w;
	uint8_t *msg = NULL;
	size_t len = 0;

	world_init(&w, *state, 2);
	grow_group(&w, 3);
	memset(&pa, 0, sizeof(pa));
	pa.type = MLS_PROPOSAL_UPDATE;
	assert_int_equal(mls_group_propose(w.p[1].g, &pa, &msg, &len), 0);
	broadcast(&w, 1, msg, len);
	/* Our own proposal coming back is not an error. */
	assert_int_equal(deliver(&w, 1, msg, len, NULL), 0);
	mem_free(msg);
	/* A partial Commit needs no path... but an Update requires one (§12.4). */
	memset(&a, 0, sizeof(a));
	a.include_pending = true;
	commit_all(&w, 2, &a, NULL);
	assert_agree(&w);
	/* 1 still has the private key of its new leaf: it can commit and be read. */
	memset(&a, 0, sizeof(a));
	a.force_path = true;
	commit_all(&w, 1, &a, NULL);
	assert_agree(&w);
	world_clear(&w);
}

static void psk_id(struct mls_pre_shared_key_id *id, const char *name, const uint8_t *nonce,
                   size_t nh)
{
	memset(id, 0, sizeof(*id));
	id->psktype = MLS_PSK_EXTERNAL;
	id->psk_id = span_make((const uint8_t *)name, strlen(name));
	id->psk_nonce = span_make(nonce, nh);
}

static void test_mls_group_psk_and_extensions(void **state)
{
	static const uint8_t nonce[64] = { 1, 2, 3 };
	static const uint8_t appid[] = { 'k', 'e', 'n', 'h' };
	struct mls_pre_shared_key_id ids[2];
	struct mls_extension ext[1];
	struct mls_extension_list el = { ext, 1 };
	struct codec_writer cw;
	struct mls_commit_made cm;
	struct mls_commit_args a;
	struct world w;
	size_t add[1] = { 3 };

	world_init(&w, *state, 1);
	grow_group(&w, 3);
	/* Two external PSKs, and the resumption PSK of epoch 1 (§8.4, §8.6). */
	psk_id(&ids[0], "alpha", nonce, 32);
	psk_id(&ids[1], "beta", nonce, 32);
	memset(&a, 0, sizeof(a));
	a.psks = ids;
	a.n_psk = 2;
	commit_all(&w, 0, &a, NULL);
	assert_agree(&w);
	memset(&ids[0], 0, sizeof(ids[0]));
	ids[0].psktype = MLS_PSK_RESUMPTION;
	ids[0].usage = MLS_RESUMPTION_APPLICATION;
	ids[0].psk_group_id = w.p[0].g->gc.group_id;
	ids[0].psk_epoch = 1;
	ids[0].psk_nonce = span_make(nonce, 32);
	a.n_psk = 1;
	commit_all(&w, 1, &a, NULL);
	assert_agree(&w);
	/* GroupContextExtensions with application_id data, then an Add with a Welcome. */
	codec_writer_init(&cw, 256, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_application_id(&cw, span_make(appid, sizeof(appid))), 0);
	ext[0].extension_type = MLS_EXT_APPLICATION_ID;
	ext[0].extension_data = codec_writer_span(&cw);
	memset(&a, 0, sizeof(a));
	a.gce = &el;
	commit_all(&w, 2, &a, NULL);
	codec_writer_clear(&cw);
	assert_agree(&w);
	assert_int_equal(w.p[1].g->gc.extensions.count, 1);
	commit_add(&w, 0, add, 1, &cm);
	broadcast(&w, 0, cm.commit, cm.commit_len);
	assert_int_equal(deliver(&w, 0, cm.commit, cm.commit_len, NULL), 0);
	join(&w, 3, cm.welcome, cm.welcome_len);
	mls_commit_made_clear(&cm);
	assert_agree(&w);
	world_clear(&w);
}

/* An external joiner (§12.4.3.2): p3 joins from p0's GroupInfo. */
static void external_join(struct world *w, size_t who, uint32_t resync, int want)
{
	struct mls_external_join_args ea;
	struct mls_message m;
	uint8_t *gi = NULL, *commit = NULL;
	size_t gil = 0, cl = 0;
	int rc;

	assert_int_equal(mls_group_info_make(w->p[0].g, true, true, &gi, &gil), 0);
	assert_int_equal(mls_message_parse(gi, gil, &m), 0);
	memset(&ea, 0, sizeof(ea));
	ea.ctx = w->ctx;
	ea.cb = &w->cb;
	ea.kp = &w->p[who].kp;
	ea.gi = &m.u.group_info;
	ea.resync_leaf = resync;
	mls_group_free(w->p[who].g);
	w->p[who].g = NULL;
	rc = mls_group_join_external(&ea, &commit, &cl, &w->p[who].g);
	assert_int_equal(rc, 0);
	{
		size_t i;
		for (i = 0; i < MAX_PARTIES; i++) {
			if (i == who || w->p[i].g == NULL || w->p[i].g->removed) continue;
			assert_int_equal(deliver(w, i, commit, cl, NULL), want);
		}
	}
	mls_message_clear(&m);
	mem_free(gi);
	mem_free(commit);
}

static void test_mls_group_external_join(void **state)
{
	struct world w;
	size_t s;

	for (s = 1; s <= 3; s++) {
		world_init(&w, *state, (uint16_t)s);
		grow_group(&w, 3);
		make_kp(&w, 3);
		external_join(&w, 3, UINT32_MAX, 0);
		assert_agree(&w);
		assert_int_equal(w.p[3].g->own_leaf, 3);
		/* Resync: p1 comes back with a new KeyPackage and removes its old leaf. */
		make_kp(&w, 1);
		external_join(&w, 1, 1, 0);
		assert_int_equal(w.p[1].g->own_leaf, 1);
		assert_agree(&w);
		world_clear(&w);
	}
}

/* The relay as an external sender (§12.1.8.1) proposes to remove a member. */
static void test_mls_group_external_sender(void **state)
{
	uint8_t sk[CRYPTO_MAX_SIG_SK], pk[CRYPTO_MAX_SIG_PK];
	struct mls_external_sender es;
	struct mls_external_senders list = { &es, 1 };
	struct mls_extension ext;
	struct mls_extension_list el = { &ext, 1 };
	struct mls_framed_content fc;
	struct mls_framed_content_auth_data auth;
	struct mls_framing_epoch ep;
	struct mls_signature sig;
	struct codec_writer cw;
	struct mls_commit_made cm;
	struct mls_commit_outcome o;
	struct mls_commit_args a;
	struct mls_event ev;
	struct world w;
	uint8_t *msg = NULL;
	size_t len = 0, add[2] = { 1, 2 };
	const struct crypto_suite *cs;

	world_init(&w, *state, 1);
	cs = crypto_suite_get(w.ctx, 1);
	assert_int_equal(crypto_sig_keygen(cs->sig, sk, pk), 0);
	memset(&es, 0, sizeof(es));
	es.signature_key = span_make(pk, cs->sig->npk);
	es.credential.credential_type = MLS_CREDENTIAL_BASIC;
	es.credential.identity = span_make((const uint8_t *)"relay", 5);
	codec_writer_init(&cw, 4096, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_external_senders(&cw, &list), 0);
	ext.extension_type = MLS_EXT_EXTERNAL_SENDERS;
	ext.extension_data = codec_writer_span(&cw);
	make_kp(&w, 0);
	assert_int_equal(
	        mls_group_create(w.ctx, &w.cb, &w.p[0].kp, span_make(NULL, 0), &el, &w.p[0].g), 0);
	codec_writer_clear(&cw);
	commit_add(&w, 0, add, 2, &cm);
	assert_int_equal(mls_group_staged_merge(w.p[0].g, &o), 0);
	mls_commit_outcome_clear(&o);
	join(&w, 1, cm.welcome, cm.welcome_len);
	join(&w, 2, cm.welcome, cm.welcome_len);
	mls_commit_made_clear(&cm);
	/* The relay's Remove of leaf 2: a PublicMessage without membership tag. */
	memset(&fc, 0, sizeof(fc));
	fc.group_id = w.p[1].g->gc.group_id;
	fc.epoch = w.p[1].g->gc.epoch;
	fc.sender.sender_type = MLS_SENDER_EXTERNAL;
	fc.sender.sender_index = 0;
	fc.content_type = MLS_CONTENT_PROPOSAL;
	fc.proposal.proposal_type = MLS_PROPOSAL_REMOVE;
	fc.proposal.u.remove.removed = 2;
	mls_group_framing_epoch(w.p[1].g, &ep);
	assert_int_equal(mls_framed_content_sign(&ep, MLS_WIRE_FORMAT_PUBLIC_MESSAGE, &fc,
	                                         span_make(sk, cs->sig->nsk), &sig),
	                 0);
	memset(&auth, 0, sizeof(auth));
	auth.signature = span_make(sig.bytes, sig.len);
	assert_int_equal(mls_public_message_protect(&ep, &fc, &auth, &msg, &len), 0);
	assert_int_equal(deliver(&w, 0, msg, len, &ev), 0);
	assert_int_equal(ev.sender.sender_type, MLS_SENDER_EXTERNAL);
	mls_event_clear(&ev);
	assert_int_equal(deliver(&w, 1, msg, len, NULL), 0);
	assert_int_equal(deliver(&w, 2, msg, len, NULL), 0);
	mem_free(msg);
	memset(&a, 0, sizeof(a));
	a.include_pending = true;
	commit_all(&w, 1, &a, NULL);
	assert_true(w.p[2].g->removed);
	assert_agree(&w);
	world_clear(&w);
}

/*
 * RFC 9420 §7.2: the group's maximum lifetime reaches KeyPackage and
 * LeafNode validation: MLS_KP_MAX_LIFETIME unless the callbacks set
 * another, and a KeyPackage we make (MLS_KP_LIFETIME from MLS_KP_SLACK
 * before now) fits the default.
 */
static void test_mls_group_max_lifetime(void **state)
{
	struct mls_commit_made cm;
	struct mls_commit_args a;
	struct kenh_span kp;
	struct world w;
	uint8_t *before = NULL;
	size_t blen = 0;

	world_init(&w, *state, 1);
	grow_group(&w, 3);
	make_kp(&w, 3);
	kp = kp_span(&w.p[3]);
	memset(&a, 0, sizeof(a));
	a.key_packages = &kp;
	a.n_add = 1;
	assert_int_equal(mls_group_commit_create(w.p[0].g, &a, &cm), 0);
	assert_int_equal(mls_group_max_lifetime(w.p[2].g), MLS_KP_MAX_LIFETIME);
	/* Party 1 accepts one hour less than the KeyPackage lives: refused, state unchanged. */
	w.p[1].g->cb.max_lifetime = MLS_KP_LIFETIME;
	snapshot(w.p[1].g, &before, &blen);
	assert_int_equal(deliver(&w, 1, cm.commit, cm.commit_len, NULL), KENH_E_PROTO);
	assert_unchanged(w.p[1].g, before, blen);
	sec_free(before, blen);
	w.p[1].g->cb.max_lifetime = MLS_KP_LIFETIME + MLS_KP_SLACK;
	assert_int_equal(deliver(&w, 1, cm.commit, cm.commit_len, NULL), 0);
	assert_int_equal(deliver(&w, 2, cm.commit, cm.commit_len, NULL), 0);
	mls_commit_made_clear(&cm);
	world_clear(&w);
}

/* ------------------------------------------------------------------------ */
/* One test per validation rule                                              */
/* ------------------------------------------------------------------------ */

#ifdef KENH_DEBUG
#define BIT(r) (1ull << (unsigned)(r))

/* Process msg at party i with the rules in relax switched off; the return code. */
static int deliver_relaxed(struct world *w, size_t i, uint64_t relax, const uint8_t *msg,
                           size_t len)
{
	int rc;

	w->p[i].g->cb.relax = relax;
	rc = deliver(w, i, msg, len, NULL);
	w->p[i].g->cb.relax = 0;
	return rc;
}

/*
 * The message msg breaks rule r (and perhaps the rules in also, which
 * overlap with it): party `strict`, enforcing r but not `also`, refuses
 * it with `want` and its state stays byte-identical; party `lax`, which
 * enforces neither, accepts it. So r alone is why it is refused.
 */
static void expect_refused(struct world *w, const uint8_t *msg, size_t len, size_t strict,
                           size_t lax, enum mls_rule r, uint64_t also, int want)
{
	uint8_t *before = NULL;
	size_t blen = 0;

	snapshot(w->p[strict].g, &before, &blen);
	assert_int_equal(deliver_relaxed(w, strict, also, msg, len), want);
	assert_unchanged(w->p[strict].g, before, blen);
	sec_free(before, blen);
	assert_int_equal(deliver_relaxed(w, lax, also | BIT(r), msg, len), 0);
}

/* Party c makes a Commit with the rules of relax switched off. */
static void commit_relaxed(struct world *w, size_t c, uint64_t relax,
                           const struct mls_commit_args *a, struct mls_commit_made *cm)
{
	w->p[c].g->cb.relax = relax;
	assert_int_equal(mls_group_commit_create(w->p[c].g, a, cm), 0);
	w->p[c].g->cb.relax = 0;
}

/* A three-member group (0 commits, 1 enforces, 2 is lax) of suite 1. */
static void rule_world(struct world *w, void **state)
{
	world_init(w, *state, 1);
	grow_group(w, 3);
}

/* Commit a (by party 0, relaxing r and also) and check it is refused only for r. */
static void commit_breaks(void **state, const struct mls_commit_args *a, enum mls_rule r,
                          uint64_t also, int want, struct world *pre)
{
	struct mls_commit_made cm;
	struct world local, *w = pre;

	if (w == NULL) {
		w = &local;
		rule_world(w, state);
	}
	commit_relaxed(w, 0, BIT(r) | also, a, &cm);
	expect_refused(w, cm.commit, cm.commit_len, 1, 2, r, also, want);
	mls_commit_made_clear(&cm);
	world_clear(w);
}

/* Party p sends an Update proposal to everyone (with relax at p). */
static void propose_update(struct world *w, size_t p)
{
	struct mls_propose_args pa;
	uint8_t *msg = NULL;
	size_t len = 0;

	memset(&pa, 0, sizeof(pa));
	pa.type = MLS_PROPOSAL_UPDATE;
	assert_int_equal(mls_group_propose(w->p[p].g, &pa, &msg, &len), 0);
	broadcast(w, p, msg, len);
	mem_free(msg);
}

/* §12.2: "an Update proposal generated by the committer". */
static void test_mls_group_rule_committer_update(void **state)
{
	struct mls_commit_args a;
	struct world w;

	rule_world(&w, state);
	propose_update(&w, 0);
	memset(&a, 0, sizeof(a));
	a.include_pending = true;
	commit_breaks(state, &a, MLS_RULE_COMMITTER_UPDATE, 0, KENH_E_PROTO, &w);
}

/* §12.2: "a Remove proposal that removes the committer". */
static void test_mls_group_rule_remove_committer(void **state)
{
	struct mls_commit_args a;
	uint32_t rm = 0;

	memset(&a, 0, sizeof(a));
	a.remove = &rm;
	a.n_remove = 1;
	commit_breaks(state, &a, MLS_RULE_REMOVE_COMMITTER, 0, KENH_E_PROTO, NULL);
}

/* §12.2: "multiple Update and/or Remove proposals that apply to the same leaf". */
static void test_mls_group_rule_same_leaf(void **state)
{
	struct mls_commit_args a;
	struct world w;

	rule_world(&w, state);
	/* Two Updates from leaf 2. */
	propose_update(&w, 2);
	propose_update(&w, 2);
	memset(&a, 0, sizeof(a));
	a.include_pending = true;
	commit_breaks(state, &a, MLS_RULE_SAME_LEAF, 0, KENH_E_PROTO, &w);
}

/* §12.2: "multiple Add proposals that contain KeyPackages that represent the same client". */
static void test_mls_group_rule_add_duplicate(void **state)
{
	struct kenh_span kps[2];
	struct mls_commit_args a;
	struct world w;

	rule_world(&w, state);
	make_kp(&w, 3);
	kps[0] = kps[1] = kp_span(&w.p[3]);
	memset(&a, 0, sizeof(a));
	a.key_packages = kps;
	a.n_add = 2;
	/* The second Add also fails the key uniqueness of §7.3: relax that for everyone. */
	commit_breaks(state, &a, MLS_RULE_ADD_DUPLICATE, BIT(MLS_RULE_ADD_LEAF), KENH_E_PROTO, &w);
}

/* §12.2: "an Add proposal with a KeyPackage that represents a client already in the group". */
static void test_mls_group_rule_add_existing(void **state)
{
	struct mls_credential cred;
	struct mls_kp_args ka;
	struct kenh_span kp;
	struct mls_commit_args a;
	struct world w;

	rule_world(&w, state);
	/* A new KeyPackage with member 1's signature key. */
	memset(&cred, 0, sizeof(cred));
	cred.credential_type = MLS_CREDENTIAL_BASIC;
	cred.identity = span_make((const uint8_t *)"p1", 2);
	memset(&ka, 0, sizeof(ka));
	ka.ctx = w.ctx;
	ka.suite = 1;
	ka.credential = &cred;
	ka.sig_sk = span_make(w.p[1].kp.sig_sk, w.p[1].kp.sig_sk_len);
	ka.now = w.now;
	assert_int_equal(mls_group_key_package(&ka, &w.p[3].kp), 0);
	kp = kp_span(&w.p[3]);
	memset(&a, 0, sizeof(a));
	a.key_packages = &kp;
	a.n_add = 1;
	commit_breaks(state, &a, MLS_RULE_ADD_LEAF, 0, KENH_E_PROTO, &w);
}

/* More Adds than ADDS_FOR_INDEX (group_proposal.c): their §7.3 checks go through the index. */
#define MANY_ADDS 9

/* MANY_ADDS fresh KeyPackages into kp[] (views in kps[]); the last signs with sig_sk if given. */
static void many_key_packages(struct world *w, struct mls_own_key_package *kp,
                              struct kenh_span *kps, struct kenh_span sig_sk)
{
	struct mls_credential cred;
	struct mls_kp_args ka;
	char name[8];
	size_t i;

	for (i = 0; i < MANY_ADDS; i++) {
		snprintf(name, sizeof(name), "n%zu", i);
		memset(&cred, 0, sizeof(cred));
		cred.credential_type = MLS_CREDENTIAL_BASIC;
		cred.identity = span_make((const uint8_t *)name, strlen(name));
		memset(&ka, 0, sizeof(ka));
		ka.ctx = w->ctx;
		ka.suite = 1;
		ka.credential = &cred;
		if (i == MANY_ADDS - 1) ka.sig_sk = sig_sk;
		ka.now = w->now;
		memset(&kp[i], 0, sizeof(kp[i]));
		assert_int_equal(mls_group_key_package(&ka, &kp[i]), 0);
		kps[i] = span_make(kp[i].kp, kp[i].kp_len);
	}
}

/* §7.3 through the index of many Adds: one of them has a member's signature key. */
static void test_mls_group_rule_add_existing_many(void **state)
{
	struct mls_own_key_package kp[MANY_ADDS];
	struct kenh_span kps[MANY_ADDS];
	struct mls_commit_args a;
	struct world w;
	size_t i;

	rule_world(&w, state);
	many_key_packages(&w, kp, kps, span_make(w.p[1].kp.sig_sk, w.p[1].kp.sig_sk_len));
	memset(&a, 0, sizeof(a));
	a.key_packages = kps;
	a.n_add = MANY_ADDS;
	commit_breaks(state, &a, MLS_RULE_ADD_LEAF, 0, KENH_E_PROTO, &w);
	for (i = 0; i < MANY_ADDS; i++)
		mls_own_key_package_clear(&kp[i]);
}

/* §7.3 through the index: an Add repeats the keys of an Add before it in the same Commit. */
static void test_mls_group_rule_add_duplicate_many(void **state)
{
	struct mls_own_key_package kp[MANY_ADDS];
	struct kenh_span kps[MANY_ADDS];
	struct mls_commit_args a;
	struct world w;
	size_t i;

	rule_world(&w, state);
	many_key_packages(&w, kp, kps, span_make(NULL, 0));
	kps[MANY_ADDS - 1] = kps[2];
	memset(&a, 0, sizeof(a));
	a.key_packages = kps;
	a.n_add = MANY_ADDS;
	/* §12.2 refuses the same client twice as well: relaxed for everyone here. */
	commit_breaks(state, &a, MLS_RULE_ADD_LEAF, BIT(MLS_RULE_ADD_DUPLICATE), KENH_E_PROTO, &w);
	for (i = 0; i < MANY_ADDS; i++)
		mls_own_key_package_clear(&kp[i]);
}

/* §10.1 for an Add: a KeyPackage whose lifetime has passed. */
static void test_mls_group_rule_add_expired(void **state)
{
	struct mls_credential cred;
	struct mls_kp_args ka;
	struct kenh_span kp;
	struct mls_commit_args a;
	struct world w;

	rule_world(&w, state);
	memset(&cred, 0, sizeof(cred));
	cred.credential_type = MLS_CREDENTIAL_BASIC;
	cred.identity = span_make((const uint8_t *)"old", 3);
	memset(&ka, 0, sizeof(ka));
	ka.ctx = w.ctx;
	ka.suite = 1;
	ka.credential = &cred;
	ka.now = w.now - 10 * 24 * 3600;
	ka.lifetime = 3600;
	assert_int_equal(mls_group_key_package(&ka, &w.p[3].kp), 0);
	kp = kp_span(&w.p[3]);
	memset(&a, 0, sizeof(a));
	a.key_packages = &kp;
	a.n_add = 1;
	/* §7.3's lifetime check of the leaf overlaps; relax it for everyone. */
	commit_breaks(state, &a, MLS_RULE_ADD_KEY_PACKAGE, BIT(MLS_RULE_ADD_LEAF), KENH_E_EXPIRED,
	              &w);
}

/* §10.1 at receipt: an Add proposal whose KeyPackage is of another suite. */
static void test_mls_group_rule_add_other_suite(void **state)
{
	struct mls_propose_args pa;
	struct world w;
	uint8_t *msg = NULL;
	size_t len = 0;

	rule_world(&w, state);
	w.suite = 3;
	make_kp(&w, 3);
	memset(&pa, 0, sizeof(pa));
	pa.type = MLS_PROPOSAL_ADD;
	pa.key_package = kp_span(&w.p[3]);
	w.p[0].g->cb.relax = BIT(MLS_RULE_ADD_KEY_PACKAGE);
	assert_int_equal(mls_group_propose(w.p[0].g, &pa, &msg, &len), 0);
	w.p[0].g->cb.relax = 0;
	expect_refused(&w, msg, len, 1, 2, MLS_RULE_ADD_KEY_PACKAGE, 0, KENH_E_PROTO);
	mem_free(msg);
	world_clear(&w);
}

/* §12.2: "multiple PreSharedKey proposals that reference the same PreSharedKeyID". */
static void test_mls_group_rule_psk_duplicate(void **state)
{
	static const uint8_t nonce[32] = { 9 };
	struct mls_pre_shared_key_id ids[2];
	struct mls_commit_args a;

	psk_id(&ids[0], "same", nonce, 32);
	psk_id(&ids[1], "same", nonce, 32);
	memset(&a, 0, sizeof(a));
	a.psks = ids;
	a.n_psk = 2;
	commit_breaks(state, &a, MLS_RULE_PSK_DUPLICATE, 0, KENH_E_PROTO, NULL);
}

/* §12.1.4: a psk_nonce that is not KDF.Nh bytes. */
static void test_mls_group_rule_psk_nonce(void **state)
{
	static const uint8_t nonce[32] = { 9 };
	struct mls_pre_shared_key_id id;
	struct mls_commit_args a;

	psk_id(&id, "short", nonce, 16);
	memset(&a, 0, sizeof(a));
	a.psks = &id;
	a.n_psk = 1;
	commit_breaks(state, &a, MLS_RULE_PSK_NONCE, 0, KENH_E_PROTO, NULL);
}

/* §12.1.4: a resumption PSK of usage reinit in a PreSharedKey proposal. */
static void test_mls_group_rule_psk_usage(void **state)
{
	static const uint8_t nonce[32] = { 9 };
	struct mls_pre_shared_key_id id;
	struct mls_commit_args a;
	struct world w;

	rule_world(&w, state);
	memset(&id, 0, sizeof(id));
	id.psktype = MLS_PSK_RESUMPTION;
	id.usage = MLS_RESUMPTION_REINIT;
	id.psk_group_id = w.p[0].g->gc.group_id;
	id.psk_epoch = 1;
	id.psk_nonce = span_make(nonce, 32);
	memset(&a, 0, sizeof(a));
	a.psks = &id;
	a.n_psk = 1;
	commit_breaks(state, &a, MLS_RULE_PSK_USAGE, 0, KENH_E_PROTO, &w);
}

static void gce_proposal(struct mls_proposal *p, struct mls_extension_list *l)
{
	memset(p, 0, sizeof(*p));
	p->proposal_type = MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS;
	p->u.group_context_extensions.extensions = *l;
}

/* §12.2: "multiple GroupContextExtensions proposals". */
static void test_mls_group_rule_gce_twice(void **state)
{
	struct mls_extension_list none = { NULL, 0 };
	struct mls_proposal p[2];
	struct mls_commit_args a;

	gce_proposal(&p[0], &none);
	gce_proposal(&p[1], &none);
	memset(&a, 0, sizeof(a));
	a.extra = p;
	a.n_extra = 2;
	commit_breaks(state, &a, MLS_RULE_GCE_TWICE, 0, KENH_E_PROTO, NULL);
}

/* §12.1.7, §13.4: a GroupContextExtensions proposal with an extension we do not implement. */
static void test_mls_group_rule_gce_unsupported(void **state)
{
	uint16_t t = 0x1234;
	struct mls_u16_list more = { &t, 1 };
	struct mls_extension e = { 0x1234, { NULL, 0 } };
	struct mls_extension_list l = { &e, 1 };
	struct mls_proposal p;
	struct mls_commit_args a;
	struct world w;
	size_t i;

	/* Every member advertises 0x1234, but this implementation does not know it. */
	world_init(&w, *state, 1);
	for (i = 0; i < MAX_PARTIES; i++)
		w.more_ext[i] = &more;
	grow_group(&w, 3);
	gce_proposal(&p, &l);
	memset(&a, 0, sizeof(a));
	a.extra = &p;
	a.n_extra = 1;
	commit_breaks(state, &a, MLS_RULE_GCE_SUPPORTED, 0, KENH_E_PROTO, &w);
}

/* §12.1.7, §11.1: required_capabilities that a member does not support. */
static void test_mls_group_rule_members_support(void **state)
{
	uint16_t cred = 0x1234;
	struct mls_required_capabilities rc = { { NULL, 0 }, { NULL, 0 }, { &cred, 1 } };
	struct codec_writer cw;
	struct mls_extension e;
	struct mls_extension_list l = { &e, 1 };
	struct mls_proposal p;
	struct mls_commit_args a;

	codec_writer_init(&cw, 256, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_required_capabilities(&cw, &rc), 0);
	e.extension_type = MLS_EXT_REQUIRED_CAPABILITIES;
	e.extension_data = codec_writer_span(&cw);
	struct mls_u16_list more = { &cred, 1 };
	struct world w;

	/* Members 0 and 2 advertise credential type 0x1234, member 1 does not. */
	world_init(&w, *state, 1);
	w.more_cred[0] = w.more_cred[2] = &more;
	grow_group(&w, 3);
	gce_proposal(&p, &l);
	memset(&a, 0, sizeof(a));
	a.extra = &p;
	a.n_extra = 1;
	/* We do not implement credential type 0x1234 either: relax that for everyone. */
	commit_breaks(state, &a, MLS_RULE_MEMBERS_SUPPORT, BIT(MLS_RULE_GCE_SUPPORTED),
	              KENH_E_PROTO, &w);
	codec_writer_clear(&cw);
}

/* §12.2: "a ReInit proposal together with any other proposal". */
static void test_mls_group_rule_reinit_alone(void **state)
{
	struct mls_proposal p;
	struct mls_commit_args a;
	struct world w;
	uint32_t rm = 1;

	rule_world(&w, state);
	memset(&p, 0, sizeof(p));
	p.proposal_type = MLS_PROPOSAL_REINIT;
	p.u.reinit.group_id = span_make((const uint8_t *)"next", 4);
	p.u.reinit.version = MLS_VERSION_MLS10;
	p.u.reinit.cipher_suite = 1;
	memset(&a, 0, sizeof(a));
	a.extra = &p;
	a.n_extra = 1;
	a.remove = &rm;
	a.n_remove = 1;
	commit_breaks(state, &a, MLS_RULE_REINIT_ALONE, 0, KENH_E_PROTO, &w);
}

/* §12.1.5: a ReInit that lowers the version. */
static void test_mls_group_rule_reinit_version(void **state)
{
	struct mls_proposal p;
	struct mls_commit_args a;

	memset(&p, 0, sizeof(p));
	p.proposal_type = MLS_PROPOSAL_REINIT;
	p.u.reinit.group_id = span_make((const uint8_t *)"next", 4);
	p.u.reinit.version = 0;
	p.u.reinit.cipher_suite = 1;
	memset(&a, 0, sizeof(a));
	a.extra = &p;
	a.n_extra = 1;
	commit_breaks(state, &a, MLS_RULE_REINIT_VERSION, 0, KENH_E_PROTO, NULL);
}

/* §12.2: "an ExternalInit proposal" in a regular Commit. */
static void test_mls_group_rule_external_init(void **state)
{
	uint8_t kem[CRYPTO_MAX_KEM_PK], init[CRYPTO_MAX_HASH], pk[CRYPTO_MAX_KEM_PK];
	struct mls_proposal p;
	struct mls_commit_args a;
	struct world w;
	const struct crypto_suite *cs;

	rule_world(&w, state);
	cs = w.p[0].g->cs;
	assert_int_equal(mls_external_keypair(w.ctx, cs, w.p[0].g->es.external_secret, NULL, pk),
	                 0);
	assert_int_equal(
	        mls_group_external_init_send(w.ctx, cs, span_make(pk, cs->kem->npk), kem, init), 0);
	memset(&p, 0, sizeof(p));
	p.proposal_type = MLS_PROPOSAL_EXTERNAL_INIT;
	p.u.external_init.kem_output = span_make(kem, cs->kem->npk);
	memset(&a, 0, sizeof(a));
	a.extra = &p;
	a.n_extra = 1;
	/* A member sending an ExternalInit also breaks the sender rule: relax it for all. */
	commit_breaks(state, &a, MLS_RULE_EXTERNAL_INIT, BIT(MLS_RULE_SENDER_TYPE), KENH_E_PROTO,
	              &w);
}

/* §12.1.3: "A Remove proposal is invalid if the removed field does not identify a non-blank leaf". */
static void test_mls_group_rule_remove_blank(void **state)
{
	struct mls_commit_args a;
	uint32_t rm = 3; /* the fourth leaf of a three-member group is blank */

	memset(&a, 0, sizeof(a));
	a.remove = &rm;
	a.n_remove = 1;
	commit_breaks(state, &a, MLS_RULE_REMOVE_BLANK, 0, KENH_E_PROTO, NULL);
}

/* §12.4: a Commit with a Remove but no path. */
static void test_mls_group_rule_path_required(void **state)
{
	struct mls_commit_args a;
	uint32_t rm = 2;

	memset(&a, 0, sizeof(a));
	a.remove = &rm;
	a.n_remove = 1;
	/* The lax receiver (2) is the removed one: it only notes its removal. */
	commit_breaks(state, &a, MLS_RULE_PATH_REQUIRED, 0, KENH_E_PROTO, NULL);
}

/* §12.1.2, §7.3: an Update whose LeafNode keeps the old encryption key. */
static void test_mls_group_rule_update_leaf(void **state)
{
	const struct mls_leaf_node *cur;
	struct mls_leafnode_sign_args sa;
	struct mls_framed_content fc;
	struct mls_framed_content_auth_data auth;
	struct mls_framing_epoch ep;
	struct mls_signature sig;
	struct mls_leaf_node ln;
	struct codec_writer lw;
	struct codec_reader r;
	struct world w;
	uint8_t *msg = NULL;
	size_t len = 0;

	rule_world(&w, &*state);
	cur = mls_rtree_leaf(w.p[0].g->tree, 0);
	ln = *cur;
	ln.leaf_node_source = MLS_LEAF_SOURCE_UPDATE;
	memset(&sa, 0, sizeof(sa));
	sa.tbs = &ln;
	sa.sig_sk = span_make(w.p[0].g->sig_sk, w.p[0].g->sig_sk_len);
	sa.group_id = w.p[0].g->gc.group_id;
	sa.leaf_index = 0;
	codec_writer_init(&lw, 1 << 16, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_leafnode_sign(w.p[0].g->cs, &sa, &lw), 0);
	memset(&fc, 0, sizeof(fc));
	codec_reader_init(&r, lw.buf, lw.len);
	assert_int_equal(mls_decode_leaf_node(&r, &fc.proposal.u.update.leaf_node), 0);
	fc.group_id = w.p[0].g->gc.group_id;
	fc.epoch = w.p[0].g->gc.epoch;
	fc.sender.sender_type = MLS_SENDER_MEMBER;
	fc.content_type = MLS_CONTENT_PROPOSAL;
	fc.proposal.proposal_type = MLS_PROPOSAL_UPDATE;
	mls_group_framing_epoch(w.p[0].g, &ep);
	assert_int_equal(
	        mls_framed_content_sign(&ep, MLS_WIRE_FORMAT_PUBLIC_MESSAGE, &fc, sa.sig_sk, &sig),
	        0);
	memset(&auth, 0, sizeof(auth));
	auth.signature = span_make(sig.bytes, sig.len);
	assert_int_equal(mls_public_message_protect(&ep, &fc, &auth, &msg, &len), 0);
	expect_refused(&w, msg, len, 1, 2, MLS_RULE_UPDATE_LEAF, 0, KENH_E_PROTO);
	mem_free(msg);
	mls_leaf_node_clear(&fc.proposal.u.update.leaf_node);
	codec_writer_clear(&lw);
	world_clear(&w);
}

/* §12.2, external Commit: "No other proposals" (and the sender rule for a new member). */
static void external_with_extra(void **state, enum mls_rule r, enum mls_rule also)
{
	struct mls_external_join_args ea;
	struct mls_proposal p;
	struct mls_message m;
	struct world w;
	uint8_t *gi = NULL, *commit = NULL;
	size_t gil = 0, cl = 0;

	rule_world(&w, state);
	make_kp(&w, 3);
	memset(&p, 0, sizeof(p));
	p.proposal_type = MLS_PROPOSAL_REMOVE;
	/* A second Remove (one too many), or a ReInit (a type a new member may not send). */
	p.u.remove.removed = 1;
	if (also == MLS_RULE_SENDER_TYPE || r == MLS_RULE_SENDER_TYPE) {
		p.proposal_type = MLS_PROPOSAL_REINIT;
		p.u.reinit.group_id = span_make((const uint8_t *)"x", 1);
		p.u.reinit.version = 1;
		p.u.reinit.cipher_suite = 1;
	}
	assert_int_equal(mls_group_info_make(w.p[0].g, true, true, &gi, &gil), 0);
	assert_int_equal(mls_message_parse(gi, gil, &m), 0);
	memset(&ea, 0, sizeof(ea));
	ea.ctx = w.ctx;
	ea.cb = &w.cb;
	ea.cb = &w.cb;
	ea.kp = &w.p[3].kp;
	ea.gi = &m.u.group_info;
	ea.resync_leaf = 2;
	ea.extra = &p;
	ea.n_extra = 1;
	w.cb.relax = BIT(r) | BIT(also) | BIT(MLS_RULE_RESYNC);
	assert_int_equal(mls_group_join_external(&ea, &commit, &cl, &w.p[3].g), 0);
	w.cb.relax = 0;
	expect_refused(&w, commit, cl, 0, 1, r, BIT(also) | BIT(MLS_RULE_RESYNC), KENH_E_PROTO);
	mls_message_clear(&m);
	mem_free(gi);
	mem_free(commit);
	world_clear(&w);
}

static void test_mls_group_rule_external_list(void **state)
{
	external_with_extra(state, MLS_RULE_EXTERNAL_LIST, MLS_RULE_SAME_LEAF);
	external_with_extra(state, MLS_RULE_EXTERNAL_LIST, MLS_RULE_SENDER_TYPE);
	external_with_extra(state, MLS_RULE_SENDER_TYPE, MLS_RULE_EXTERNAL_LIST);
}

/* §12.2: a resync external Commit must keep the removed member's identity. */
static void test_mls_group_rule_resync(void **state)
{
	struct mls_external_join_args ea;
	struct mls_message m;
	struct world w;
	uint8_t *gi = NULL, *commit = NULL;
	size_t gil = 0, cl = 0;

	rule_world(&w, state);
	make_kp(&w, 3); /* identity p3, removing p2's leaf */
	assert_int_equal(mls_group_info_make(w.p[0].g, true, true, &gi, &gil), 0);
	assert_int_equal(mls_message_parse(gi, gil, &m), 0);
	memset(&ea, 0, sizeof(ea));
	ea.ctx = w.ctx;
	ea.cb = &w.cb;
	ea.kp = &w.p[3].kp;
	ea.gi = &m.u.group_info;
	ea.resync_leaf = 2;
	assert_int_equal(mls_group_join_external(&ea, &commit, &cl, &w.p[3].g), 0);
	expect_refused(&w, commit, cl, 0, 1, MLS_RULE_RESYNC, 0, KENH_E_PROTO);
	mls_message_clear(&m);
	mem_free(gi);
	mem_free(commit);
	world_clear(&w);
}

/* §13.4, §12.4.3.1: a joiner refuses a GroupContext extension it does not implement. */
static void test_mls_group_rule_join_extensions(void **state)
{
	struct mls_extension e = { 0x1234, { NULL, 0 } };
	struct mls_extension_list l = { &e, 1 };
	struct mls_commit_made cm;
	struct mls_message m;
	struct mls_group *g = NULL;
	size_t add[1] = { 1 };
	struct world w;

	world_init(&w, *state, 1);
	make_kp(&w, 0);
	w.cb.relax = BIT(MLS_RULE_CONTEXT_EXTENSIONS) | BIT(MLS_RULE_ADD_LEAF);
	assert_int_equal(
	        mls_group_create(w.ctx, &w.cb, &w.p[0].kp, span_make(NULL, 0), &l, &w.p[0].g), 0);
	commit_add(&w, 0, add, 1, &cm);
	w.cb.relax = 0;
	assert_int_equal(mls_message_parse(cm.welcome, cm.welcome_len, &m), 0);
	assert_int_equal(
	        mls_group_join(w.ctx, &w.cb, &w.p[1].kp, &m.u.welcome, span_make(NULL, 0), &g),
	        KENH_E_UNSUPPORTED);
	assert_null(g);
	mls_message_clear(&m);
	mls_commit_made_clear(&cm);
	world_clear(&w);
}
#endif /* KENH_DEBUG */

/* ------------------------------------------------------------------------ */
/* Checks outside the relaxable rules: exact codes, state unchanged          */
/* ------------------------------------------------------------------------ */

/* Process msg at party i: it must fail with want and leave the state as it was. */
static void assert_refused(struct world *w, size_t i, const uint8_t *msg, size_t len, int want)
{
	uint8_t *before = NULL;
	size_t blen = 0;

	snapshot(w->p[i].g, &before, &blen);
	assert_int_equal(deliver(w, i, msg, len, NULL), want);
	assert_unchanged(w->p[i].g, before, blen);
	sec_free(before, blen);
}

/* §12.4.2: a Commit whose confirmation tag is wrong (membership tag recomputed). */
static void test_mls_group_bad_confirmation_tag(void **state)
{
	struct mls_commit_made cm;
	struct mls_commit_args a;
	struct mls_framing_epoch ep;
	struct mls_message m;
	struct world w;
	uint8_t tag[CRYPTO_MAX_HASH], *msg = NULL;
	size_t len = 0;

	world_init(&w, *state, 1);
	grow_group(&w, 3);
	memset(&a, 0, sizeof(a));
	a.force_path = true;
	assert_int_equal(mls_group_commit_create(w.p[0].g, &a, &cm), 0);
	assert_int_equal(mls_message_parse(cm.commit, cm.commit_len, &m), 0);
	memcpy(tag, m.u.public_message.auth.confirmation_tag.p, 32);
	tag[7] ^= 1;
	m.u.public_message.auth.confirmation_tag = span_make(tag, 32);
	mls_group_framing_epoch(w.p[0].g, &ep);
	assert_int_equal(mls_public_message_protect(&ep, &m.u.public_message.content,
	                                            &m.u.public_message.auth, &msg, &len),
	                 0);
	assert_refused(&w, 1, msg, len, KENH_E_VERIFY);
	/* The genuine Commit is still accepted afterwards. */
	assert_int_equal(deliver(&w, 1, cm.commit, cm.commit_len, NULL), 0);
	mem_free(msg);
	mls_message_clear(&m);
	mls_commit_made_clear(&cm);
	world_clear(&w);
}

/* §12.4.2: "Verify that the epoch field ... is equal to the epoch field of the current GroupContext". */
static void test_mls_group_wrong_epoch(void **state)
{
	struct mls_commit_made c1, c2;
	struct mls_commit_args a;
	struct world w;

	world_init(&w, *state, 1);
	grow_group(&w, 3);
	memset(&a, 0, sizeof(a));
	a.force_path = true;
	commit_all(&w, 0, &a, &c1);
	/* c1 again, now one epoch late, and a Commit of the wrong group. */
	assert_refused(&w, 1, c1.commit, c1.commit_len, KENH_E_STATE);
	mls_commit_made_clear(&c1);
	assert_int_equal(mls_group_commit_create(w.p[2].g, &a, &c2), 0);
	c2.commit[10] ^= 0x40; /* inside the group id */
	assert_int_not_equal(deliver(&w, 1, c2.commit, c2.commit_len, NULL), 0);
	mls_commit_made_clear(&c2);
	world_clear(&w);
}

/* §12.4.2: a proposal reference that names nothing we received. */
static void test_mls_group_unknown_reference(void **state)
{
	struct mls_propose_args pa;
	struct mls_commit_made cm;
	struct mls_commit_args a;
	struct world w;
	uint8_t *msg = NULL;
	size_t len = 0;

	world_init(&w, *state, 1);
	grow_group(&w, 3);
	memset(&pa, 0, sizeof(pa));
	pa.type = MLS_PROPOSAL_UPDATE;
	assert_int_equal(mls_group_propose(w.p[2].g, &pa, &msg, &len), 0);
	assert_int_equal(deliver(&w, 0, msg, len, NULL), 0); /* 1 never sees it */
	mem_free(msg);
	memset(&a, 0, sizeof(a));
	a.include_pending = true;
	assert_int_equal(mls_group_commit_create(w.p[0].g, &a, &cm), 0);
	assert_refused(&w, 1, cm.commit, cm.commit_len, KENH_E_PROTO);
	assert_int_equal(deliver(&w, 2, cm.commit, cm.commit_len, NULL), 0);
	mls_commit_made_clear(&cm);
	world_clear(&w);
}

/* §6.2: a membership tag or signature that does not verify; any bit flipped. */
static void test_mls_group_tampered_commit(void **state)
{
	struct mls_commit_made cm;
	struct mls_commit_args a;
	struct world w;
	size_t i;

	world_init(&w, *state, 1);
	grow_group(&w, 2);
	memset(&a, 0, sizeof(a));
	a.force_path = true;
	assert_int_equal(mls_group_commit_create(w.p[0].g, &a, &cm), 0);
	for (i = 0; i < cm.commit_len; i += 1 + i / 16) {
		cm.commit[i] ^= 0x01;
		assert_int_not_equal(deliver(&w, 1, cm.commit, cm.commit_len, NULL), 0);
		cm.commit[i] ^= 0x01;
	}
	assert_int_equal(deliver(&w, 1, cm.commit, cm.commit_len, NULL), 0);
	mls_commit_made_clear(&cm);
	world_clear(&w);
}

/* §12.4.3.1: a Welcome whose ratchet tree does not hash to the GroupInfo's tree_hash. */
static void test_mls_group_welcome_tree_hash(void **state)
{
	struct mls_welcome_create_args wa;
	struct mls_welcome_member wm;
	struct mls_gi_build gb;
	struct mls_commit_made cm;
	struct mls_message m;
	struct mls_group *g = NULL, *next;
	struct codec_writer tw;
	uint8_t *wel = NULL;
	size_t wlen = 0, add[1] = { 2 };
	struct world w;

	world_init(&w, *state, 1);
	grow_group(&w, 2);
	commit_add(&w, 0, add, 1, &cm);
	next = w.p[0].g->staged->next;
	/* The GroupInfo of the new epoch, signed, but carrying the old epoch's tree. */
	assert_int_equal(mls_group_info_build(next, false, false, &gb), 0);
	codec_writer_init(&tw, 1 << 20, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_rtree_export(w.p[0].g->tree, &tw), 0);
	gb.ext[0].extension_type = MLS_EXT_RATCHET_TREE;
	gb.ext[0].extension_data = codec_writer_span(&tw);
	gb.gi.extensions.count = 1;
	assert_int_equal(mls_group_info_sign(next->cs, &gb.gi,
	                                     span_make(next->sig_sk, next->sig_sk_len), &gb.sig),
	                 0);
	gb.gi.signature = span_make(gb.sig.bytes, gb.sig.len);
	memset(&wm, 0, sizeof(wm));
	wm.key_package = kp_span(&w.p[2]);
	memset(&wa, 0, sizeof(wa));
	wa.ctx = w.ctx;
	wa.cs = next->cs;
	wa.joiner_secret = next->es.joiner_secret;
	wa.group_info = &gb.gi;
	wa.members = &wm;
	wa.n_members = 1;
	assert_int_equal(mls_welcome_create(&wa, &wel, &wlen), 0);
	assert_int_equal(mls_message_parse(wel, wlen, &m), 0);
	assert_int_equal(
	        mls_group_join(w.ctx, &w.cb, &w.p[2].kp, &m.u.welcome, span_make(NULL, 0), &g),
	        KENH_E_VERIFY);
	assert_null(g);
	/* The genuine Welcome joins. */
	join(&w, 2, cm.welcome, cm.welcome_len);
	mls_message_clear(&m);
	mem_free(wel);
	codec_writer_clear(&tw);
	mls_gi_build_clear(&gb);
	mls_commit_made_clear(&cm);
	world_clear(&w);
}

/* §12.4.3.1: a Welcome for a KeyPackage that is not ours, and one naming a PSK we lack. */
static void test_mls_group_welcome_not_ours(void **state)
{
	static const uint8_t nonce[32] = { 1 };
	struct mls_pre_shared_key_id id;
	struct mls_commit_made cm;
	struct mls_commit_args a;
	struct mls_message m;
	struct mls_group *g = NULL;
	struct kenh_span kp;
	struct world w;

	world_init(&w, *state, 1);
	grow_group(&w, 2);
	make_kp(&w, 2);
	make_kp(&w, 3);
	kp = kp_span(&w.p[2]);
	psk_id(&id, "", nonce, 32); /* the empty id: world_psk does not know it */
	memset(&a, 0, sizeof(a));
	a.key_packages = &kp;
	a.n_add = 1;
	a.ratchet_tree_in_welcome = true;
	assert_int_equal(mls_group_commit_create(w.p[0].g, &a, &cm), 0);
	assert_int_equal(mls_message_parse(cm.welcome, cm.welcome_len, &m), 0);
	assert_int_equal(
	        mls_group_join(w.ctx, &w.cb, &w.p[3].kp, &m.u.welcome, span_make(NULL, 0), &g),
	        KENH_E_NOT_FOUND);
	assert_null(g);
	/* Without the tree (neither in the Welcome nor given) there is no join. */
	mls_message_clear(&m);
	mls_commit_made_clear(&cm);
	a.ratchet_tree_in_welcome = false;
	assert_int_equal(mls_group_commit_create(w.p[0].g, &a, &cm), 0);
	assert_int_equal(mls_message_parse(cm.welcome, cm.welcome_len, &m), 0);
	assert_int_equal(
	        mls_group_join(w.ctx, &w.cb, &w.p[2].kp, &m.u.welcome, span_make(NULL, 0), &g),
	        KENH_E_NOT_FOUND);
	mls_message_clear(&m);
	mls_commit_made_clear(&cm);
	(void)id;
	world_clear(&w);
}

#ifdef KENH_FAULT_INJECT
/*
 * R17.5: fail allocation n, and every one after it, for n = 1, 2, ...
 * until the operation succeeds; every failure must be a clean error that
 * leaves the group byte-identical (ASan reports any leak at exit).
 */
static void oom_walk_process(struct world *w, size_t i, const uint8_t *msg, size_t len)
{
	uint8_t *before = NULL;
	unsigned long n;
	int rc;

	for (n = 1;; n++) {
		size_t blen = 0;
		snapshot(w->p[i].g, &before, &blen);
		mem_fault_set(n, 1);
		rc = deliver(w, i, msg, len, NULL);
		mem_fault_set(0, 0);
		if (rc == 0) {
			sec_free(before, blen);
			break;
		}
		assert_unchanged(w->p[i].g, before, blen);
		sec_free(before, blen);
		assert_true(n < 100000);
	}
}

static void test_mls_group_oom(void **state)
{
	struct mls_commit_made cm;
	struct mls_commit_args a;
	struct mls_message m;
	struct mls_group *g;
	size_t add[1] = { 3 };
	struct world w;
	unsigned long n;
	int rc;

	world_init(&w, *state, 1);
	grow_group(&w, 3);
	/* Processing a Commit with an Add and a path. */
	commit_add(&w, 0, add, 1, &cm);
	oom_walk_process(&w, 1, cm.commit, cm.commit_len);
	/* Joining from its Welcome. */
	assert_int_equal(mls_message_parse(cm.welcome, cm.welcome_len, &m), 0);
	for (n = 1;; n++) {
		g = NULL;
		mem_fault_set(n, 1);
		rc = mls_group_join(w.ctx, &w.cb, &w.p[3].kp, &m.u.welcome, span_make(NULL, 0), &g);
		mem_fault_set(0, 0);
		if (rc == 0) break;
		assert_null(g);
	}
	mls_group_free(g);
	mls_message_clear(&m);
	mls_commit_made_clear(&cm);
	/* Making a Commit: the maker's state stays as it was until one succeeds. */
	memset(&a, 0, sizeof(a));
	a.force_path = true;
	for (n = 1;; n++) {
		uint8_t *before = NULL;
		size_t blen = 0;
		snapshot(w.p[2].g, &before, &blen);
		mem_fault_set(n, 1);
		rc = mls_group_commit_create(w.p[2].g, &a, &cm);
		mem_fault_set(0, 0);
		if (rc == 0) {
			sec_free(before, blen);
			break;
		}
		assert_unchanged(w.p[2].g, before, blen);
		sec_free(before, blen);
	}
	mls_commit_made_clear(&cm);
	world_clear(&w);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mls_group_flow),
		cmocka_unit_test(test_mls_group_serialize_round_trip),
		cmocka_unit_test(test_mls_group_proposals_by_reference),
		cmocka_unit_test(test_mls_group_update_proposal),
		cmocka_unit_test(test_mls_group_psk_and_extensions),
		cmocka_unit_test(test_mls_group_external_join),
		cmocka_unit_test(test_mls_group_external_sender),
#ifdef KENH_DEBUG
		cmocka_unit_test(test_mls_group_rule_committer_update),
		cmocka_unit_test(test_mls_group_rule_remove_committer),
		cmocka_unit_test(test_mls_group_rule_same_leaf),
		cmocka_unit_test(test_mls_group_rule_add_duplicate),
		cmocka_unit_test(test_mls_group_rule_add_existing_many),
		cmocka_unit_test(test_mls_group_rule_add_duplicate_many),
		cmocka_unit_test(test_mls_group_rule_add_existing),
		cmocka_unit_test(test_mls_group_rule_add_expired),
		cmocka_unit_test(test_mls_group_rule_add_other_suite),
		cmocka_unit_test(test_mls_group_rule_psk_duplicate),
		cmocka_unit_test(test_mls_group_rule_psk_nonce),
		cmocka_unit_test(test_mls_group_rule_psk_usage),
		cmocka_unit_test(test_mls_group_rule_gce_twice),
		cmocka_unit_test(test_mls_group_rule_gce_unsupported),
		cmocka_unit_test(test_mls_group_rule_members_support),
		cmocka_unit_test(test_mls_group_rule_reinit_alone),
		cmocka_unit_test(test_mls_group_rule_reinit_version),
		cmocka_unit_test(test_mls_group_rule_external_init),
		cmocka_unit_test(test_mls_group_rule_remove_blank),
		cmocka_unit_test(test_mls_group_rule_path_required),
		cmocka_unit_test(test_mls_group_rule_update_leaf),
		cmocka_unit_test(test_mls_group_rule_external_list),
		cmocka_unit_test(test_mls_group_rule_resync),
		cmocka_unit_test(test_mls_group_rule_join_extensions),
#endif
		cmocka_unit_test(test_mls_group_bad_confirmation_tag),
		cmocka_unit_test(test_mls_group_wrong_epoch),
		cmocka_unit_test(test_mls_group_unknown_reference),
		cmocka_unit_test(test_mls_group_tampered_commit),
		cmocka_unit_test(test_mls_group_welcome_tree_hash),
		cmocka_unit_test(test_mls_group_welcome_not_ours),
		cmocka_unit_test(test_mls_group_max_lifetime),
#ifdef KENH_FAULT_INJECT
		cmocka_unit_test(test_mls_group_oom),
#endif
	};

	return cmocka_run_group_tests(tests, setup_ctx, teardown_ctx);
}
