/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests of libkenh's public MLS API (include/kenh/mls.h) and of the
 * module interface for delivery services (lib/mls/mls.h): KeyPackages
 * made, saved and restored; a group created with external senders and
 * required capabilities; adds, joins, messages, proposals, external joins,
 * removal; exporter agreement; saved state restored and used; the
 * application's credential validator refusing a member; argument and
 * state errors; and the header peek and KeyPackage check a relay uses.
 */
#include "kenh/mls.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kenh/kenh.h"
#include "mls/framing.h"
#include "mls/mls.h"

#define NPARTY 4

struct api_world {
	struct kenh_ctx *ctx;
	struct kenh_mls_config cfg;
	uint64_t now;
	struct kenh_mls_keypackage *kp[NPARTY];
	struct kenh_mls_group *g[NPARTY];
};

/* The application's authentication service: basic credentials, "mallory" revoked. */
static int validate(void *arg, const struct kenh_mls_credential *c)
{
	const uint8_t *id = NULL;
	size_t len = 0;

	(void)arg;
	if (kenh_mls_credential_type(c) != KENH_MLS_CREDENTIAL_BASIC) return KENH_E_VERIFY;
	kenh_mls_credential_identity(c, &id, &len);
	if (len == 7 && memcmp(id, "mallory", 7) == 0) return KENH_E_REVOKED;
	return 0;
}

static uint64_t clock_fn(void *arg)
{
	return ((const struct api_world *)arg)->now;
}

static void aw_init(struct api_world *w, struct kenh_ctx *ctx)
{
	memset(w, 0, sizeof(*w));
	w->ctx = ctx;
	w->now = 1800000000u;
	w->cfg.validate = validate;
	w->cfg.clock = clock_fn;
	w->cfg.clock_arg = w;
}

static void aw_clear(struct api_world *w)
{
	size_t i;

	for (i = 0; i < NPARTY; i++) {
		kenh_mls_group_free(w->g[i]);
		kenh_mls_keypackage_free(w->kp[i]);
	}
	memset(w, 0, sizeof(*w));
}

static void new_kp(struct api_world *w, size_t i, const char *name, uint16_t suite)
{
	struct kenh_mls_keypackage_args a;

	kenh_mls_keypackage_free(w->kp[i]);
	memset(&a, 0, sizeof(a));
	a.suite = suite;
	a.credential.type = KENH_MLS_CREDENTIAL_BASIC;
	a.credential.identity = (const uint8_t *)name;
	a.credential.identity_len = strlen(name);
	a.application_id = (const uint8_t *)"kenh-test";
	a.application_id_len = 9;
	a.now = w->now;
	assert_int_equal(kenh_mls_keypackage_new(w->ctx, &a, &w->kp[i]), 0);
}

/* A KeyPackage living lifetime seconds; the result of kenh_mls_keypackage_new. */
static int kp_with_lifetime(struct api_world *w, uint64_t lifetime)
{
	struct kenh_mls_keypackage_args a;
	struct kenh_mls_keypackage *kp = NULL;
	int rc;

	memset(&a, 0, sizeof(a));
	a.suite = 1;
	a.credential.type = KENH_MLS_CREDENTIAL_BASIC;
	a.credential.identity = (const uint8_t *)"long";
	a.credential.identity_len = 4;
	a.now = w->now;
	a.lifetime = lifetime;
	rc = kenh_mls_keypackage_new(w->ctx, &a, &kp);
	kenh_mls_keypackage_free(kp);
	return rc;
}

static void exporters_agree(struct api_world *w)
{
	uint8_t ref[32], x[32];
	bool have = false;
	size_t i;

	for (i = 0; i < NPARTY; i++) {
		if (w->g[i] == NULL || !kenh_mls_group_is_active(w->g[i])) continue;
		assert_int_equal(kenh_mls_group_export(w->g[i], "exporter", NULL, 0, x, 32), 0);
		if (have) assert_memory_equal(x, ref, 32);
		memcpy(ref, x, 32);
		have = true;
	}
}

/* Party c adds party i (by its KeyPackage MLSMessage); i joins. */
static void add_and_join(struct api_world *w, size_t c, size_t i, const char *name)
{
	struct kenh_mls_commit_args a;
	struct kenh_mls_commit_out out;
	struct kenh_mls_event ev;
	uint8_t *kpm = NULL;
	size_t kpl = 0, k;

	new_kp(w, i, name, kenh_mls_group_suite(w->g[c]));
	assert_int_equal(kenh_mls_keypackage_message(w->kp[i], &kpm, &kpl), 0);
	memset(&a, 0, sizeof(a));
	a.key_packages = (const uint8_t *const *)&kpm;
	a.key_package_lens = &kpl;
	a.n_add = 1;
	a.include_pending = true;
	a.ratchet_tree = true;
	assert_int_equal(kenh_mls_group_commit(w->g[c], &a, &out), 0);
	for (k = 0; k < NPARTY; k++) {
		if (k == c || k == i || w->g[k] == NULL) continue;
		assert_int_equal(kenh_mls_group_process(w->g[k], out.commit, out.commit_len, &ev),
		                 0);
		assert_int_equal(ev.type, KENH_MLS_EVENT_COMMIT);
		assert_int_equal(ev.n_added, 1);
		kenh_mls_event_clear(&ev);
	}
	assert_int_equal(kenh_mls_group_commit_merge(w->g[c], &ev), 0);
	assert_int_equal(ev.n_added, 1);
	kenh_mls_event_clear(&ev);
	assert_int_equal(kenh_mls_group_join(w->ctx, &w->cfg, w->kp[i], out.welcome,
	                                     out.welcome_len, NULL, 0, &w->g[i]),
	                 0);
	kenh_mls_commit_out_clear(&out);
	kenh_mls_free(kpm, kpl);
	exporters_agree(w);
}

static void test_mls_api_keypackage(void **state)
{
	struct api_world w;
	struct kenh_mls_keypackage *r = NULL;
	uint8_t *m1 = NULL, *m2 = NULL, *s = NULL, ref[64];
	size_t l1 = 0, l2 = 0, sl = 0, rl = 0;

	aw_init(&w, *state);
	new_kp(&w, 0, "alice", 3);
	assert_int_equal(kenh_mls_keypackage_message(w.kp[0], &m1, &l1), 0);
	assert_int_equal(kenh_mls_keypackage_serialize(w.kp[0], &s, &sl), 0);
	assert_int_equal(kenh_mls_keypackage_restore(w.ctx, s, sl, &r), 0);
	assert_int_equal(kenh_mls_keypackage_message(r, &m2, &l2), 0);
	assert_int_equal(l1, l2);
	assert_memory_equal(m1, m2, l1);
	/* A directory checks it on its own; lifetime against the clock. */
	assert_int_equal(mls_key_package_check(w.ctx, m1, l1, w.now, ref, &rl), 0);
	assert_int_equal(rl, 32);
	assert_int_equal(mls_key_package_check(w.ctx, m1 + 4, l1 - 4, w.now, ref, &rl), 0);
	assert_int_equal(mls_key_package_check(w.ctx, m1, l1, w.now + 1000u * 24 * 3600, ref, &rl),
	                 KENH_E_EXPIRED);
	m1[l1 - 1] ^= 1; /* the signature */
	assert_int_equal(mls_key_package_check(w.ctx, m1, l1, w.now, ref, &rl), KENH_E_VERIFY);
	/* RFC 9420 §7.2: no KeyPackage that peers with the default bound would refuse. */
	assert_int_equal(kp_with_lifetime(&w, MLS_KP_MAX_LIFETIME - MLS_KP_SLACK), 0);
	assert_int_equal(kp_with_lifetime(&w, MLS_KP_MAX_LIFETIME - MLS_KP_SLACK + 1),
	                 KENH_E_INVALID_ARG);
	/* Restoring refuses what is not ours. */
	kenh_mls_keypackage_free(r);
	r = NULL;
	s[0] ^= 1;
	assert_int_equal(kenh_mls_keypackage_restore(w.ctx, s, sl, &r), KENH_E_PARSE);
	assert_null(r);
	assert_int_equal(kenh_mls_keypackage_restore(w.ctx, s, 3, &r), KENH_E_TRUNCATED);
	kenh_mls_free(m1, l1);
	kenh_mls_free(m2, l2);
	kenh_mls_free(s, sl);
	aw_clear(&w);
}

static void create_group(struct api_world *w, uint16_t suite)
{
	static const uint8_t relay_pk[32] = { 7 };
	static const uint16_t creds[] = { KENH_MLS_CREDENTIAL_BASIC };
	struct kenh_mls_external_sender es;
	struct kenh_mls_group_options opt;

	memset(&es, 0, sizeof(es));
	es.signature_key = relay_pk;
	es.signature_key_len = sizeof(relay_pk);
	es.credential.type = KENH_MLS_CREDENTIAL_BASIC;
	es.credential.identity = (const uint8_t *)"relay";
	es.credential.identity_len = 5;
	memset(&opt, 0, sizeof(opt));
	opt.group_id = (const uint8_t *)"group-1";
	opt.group_id_len = 7;
	opt.external_senders = &es;
	opt.n_external_senders = 1;
	opt.required_credentials = creds;
	opt.n_required_credentials = 1;
	new_kp(w, 0, "alice", suite);
	assert_int_equal(kenh_mls_group_create(w->ctx, &w->cfg, w->kp[0], &opt, &w->g[0]), 0);
}

/* RFC 9420 §5.3.1 in the tests: "name" may be followed by "name+anything" only. */
static int successor_fn(void *arg, const struct kenh_mls_credential *old,
                        const struct kenh_mls_credential *next)
{
	const uint8_t *o = NULL, *n = NULL;
	size_t ol = 0, nl = 0, base;

	(void)arg;
	kenh_mls_credential_identity(old, &o, &ol);
	kenh_mls_credential_identity(next, &n, &nl);
	for (base = 0; base < ol && o[base] != '+'; base++)
		;
	if (nl <= base || memcmp(o, n, base) != 0 || n[base] != '+') return KENH_E_PERM;
	return 0;
}

static int refuse_all(void *arg, const struct kenh_mls_credential *old,
                      const struct kenh_mls_credential *next)
{
	(void)arg;
	(void)old;
	(void)next;
	return KENH_E_PERM;
}

/* Alice commits with new credential id: the result of kenh_mls_group_commit; out kept. */
static int commit_with_identity(struct api_world *w, const char *id,
                                struct kenh_mls_commit_out *out)
{
	struct kenh_mls_credential_args cred;
	struct kenh_mls_commit_args a;

	memset(&cred, 0, sizeof(cred));
	cred.type = KENH_MLS_CREDENTIAL_BASIC;
	cred.identity = (const uint8_t *)id;
	cred.identity_len = strlen(id);
	memset(&a, 0, sizeof(a));
	a.credential = &cred;
	return kenh_mls_group_commit(w->g[0], &a, out);
}

/* A member presents a new credential in its Commit's path (a renewed certificate). */
static void test_mls_api_new_credential(void **state)
{
	const struct kenh_mls_credential *c = NULL;
	struct kenh_mls_commit_out out;
	struct kenh_mls_group *strict = NULL;
	struct kenh_mls_config cfg;
	struct kenh_mls_event ev;
	struct api_world w;
	const uint8_t *p = NULL;
	uint8_t *ser = NULL;
	size_t len = 0, sl = 0;

	aw_init(&w, *state);
	w.cfg.successor = successor_fn;
	create_group(&w, 1);
	add_and_join(&w, 0, 1, "bob");
	/* Refused by alice herself: a revoked credential, then another identity. */
	assert_int_equal(commit_with_identity(&w, "mallory", &out), KENH_E_REVOKED);
	assert_int_equal(commit_with_identity(&w, "eve", &out), KENH_E_PERM);
	/* A successor: bob accepts it and holds it; a copy of bob that refuses every change does not. */
	assert_int_equal(commit_with_identity(&w, "alice+renewed", &out), 0);
	assert_int_equal(kenh_mls_group_serialize(w.g[1], &ser, &sl), 0);
	cfg = w.cfg;
	cfg.successor = refuse_all;
	assert_int_equal(kenh_mls_group_restore(w.ctx, &cfg, ser, sl, &strict), 0);
	assert_int_equal(kenh_mls_group_process(strict, out.commit, out.commit_len, &ev),
	                 KENH_E_PERM);
	assert_int_equal(kenh_mls_group_process(w.g[1], out.commit, out.commit_len, &ev), 0);
	assert_int_equal(ev.type, KENH_MLS_EVENT_COMMIT);
	kenh_mls_event_clear(&ev);
	assert_int_equal(kenh_mls_group_commit_merge(w.g[0], &ev), 0);
	kenh_mls_event_clear(&ev);
	assert_int_equal(kenh_mls_group_member(w.g[1], 0, &c), 0);
	kenh_mls_credential_identity(c, &p, &len);
	assert_int_equal(len, 13);
	assert_memory_equal(p, "alice+renewed", 13);
	assert_int_equal(kenh_mls_group_member(w.g[0], 0, &c), 0);
	kenh_mls_credential_identity(c, &p, &len);
	assert_memory_equal(p, "alice+renewed", 13);
	exporters_agree(&w);
	kenh_mls_commit_out_clear(&out);
	kenh_mls_group_free(strict);
	kenh_mls_free(ser, sl);
	aw_clear(&w);
}

static void test_mls_api_group(void **state)
{
	const struct kenh_mls_credential *c = NULL;
	struct kenh_mls_group *r = NULL;
	struct kenh_mls_event ev;
	struct api_world w;
	struct mls_peek pk;
	uint8_t *msg = NULL, *s = NULL, auth[64];
	const uint8_t *p = NULL;
	size_t len = 0, sl = 0, al = 0;

	aw_init(&w, *state);
	create_group(&w, 1);
	kenh_mls_group_id(w.g[0], &p, &len);
	assert_int_equal(len, 7);
	assert_int_equal(kenh_mls_group_epoch(w.g[0]), 0);
	add_and_join(&w, 0, 1, "bob");
	add_and_join(&w, 1, 2, "carol");
	assert_int_equal(kenh_mls_group_epoch(w.g[2]), 2);
	assert_int_equal(kenh_mls_group_own_leaf(w.g[2]), 2);
	assert_int_equal(kenh_mls_group_member(w.g[2], 1, &c), 0);
	kenh_mls_credential_identity(c, &p, &len);
	assert_int_equal(len, 3);
	assert_memory_equal(p, "bob", 3);
	assert_int_equal(kenh_mls_group_member(w.g[2], 3, &c), KENH_E_NOT_FOUND);
	assert_int_equal(kenh_mls_group_epoch_authenticator(w.g[0], auth, sizeof(auth), &al), 0);
	assert_int_equal(al, 32);
	/* Data from carol, read by alice; the relay sees a PrivateMessage. */
	assert_int_equal(kenh_mls_group_encrypt(w.g[2], (const uint8_t *)"hi", 2, &msg, &len), 0);
	assert_int_equal(mls_peek(msg, len, &pk), 0);
	assert_int_equal(pk.wire_format, MLS_PEEK_PRIVATE_MESSAGE);
	assert_int_equal(pk.epoch, 2);
	assert_int_equal(kenh_mls_group_process(w.g[0], msg, len, &ev), 0);
	assert_int_equal(ev.type, KENH_MLS_EVENT_APPLICATION);
	assert_int_equal(ev.sender, 2);
	assert_int_equal(ev.data_len, 2);
	assert_memory_equal(ev.data, "hi", 2);
	kenh_mls_event_clear(&ev);
	/* Read once: the same message again fails, and changes nothing else. */
	assert_int_equal(kenh_mls_group_process(w.g[0], msg, len, &ev), KENH_E_DECRYPT);
	kenh_mls_free(msg, len);
	/* Bob's saved state, restored, reads the next message. */
	assert_int_equal(kenh_mls_group_serialize(w.g[1], &s, &sl), 0);
	assert_int_equal(kenh_mls_group_restore(w.ctx, &w.cfg, s, sl, &r), 0);
	kenh_mls_group_free(w.g[1]);
	w.g[1] = r;
	assert_int_equal(kenh_mls_group_encrypt(w.g[0], (const uint8_t *)"yo", 2, &msg, &len), 0);
	assert_int_equal(kenh_mls_group_process(w.g[1], msg, len, &ev), 0);
	assert_memory_equal(ev.data, "yo", 2);
	kenh_mls_event_clear(&ev);
	kenh_mls_free(msg, len);
	kenh_mls_free(s, sl);
	exporters_agree(&w);
	aw_clear(&w);
}

static void test_mls_api_proposals_and_removal(void **state)
{
	struct kenh_mls_commit_args a;
	struct kenh_mls_commit_out out;
	struct kenh_mls_event ev;
	struct api_world w;
	struct mls_peek pk;
	uint8_t *msg = NULL;
	size_t len = 0;

	aw_init(&w, *state);
	create_group(&w, 3);
	add_and_join(&w, 0, 1, "bob");
	add_and_join(&w, 0, 2, "carol");
	/* Bob proposes to remove carol and to update himself; alice commits both. */
	assert_int_equal(kenh_mls_group_propose_remove(w.g[1], 2, &msg, &len), 0);
	assert_int_equal(mls_peek(msg, len, &pk), 0);
	assert_int_equal(pk.content_type, 2);
	assert_int_equal(pk.sender_index, 1);
	assert_int_equal(kenh_mls_group_process(w.g[0], msg, len, &ev), 0);
	assert_int_equal(ev.type, KENH_MLS_EVENT_PROPOSAL);
	assert_int_equal(ev.proposal_type, 3);
	kenh_mls_event_clear(&ev);
	assert_int_equal(kenh_mls_group_process(w.g[2], msg, len, &ev), 0);
	kenh_mls_event_clear(&ev);
	kenh_mls_free(msg, len);
	assert_int_equal(kenh_mls_group_propose_update(w.g[1], &msg, &len), 0);
	assert_int_equal(kenh_mls_group_process(w.g[0], msg, len, &ev), 0);
	kenh_mls_event_clear(&ev);
	assert_int_equal(kenh_mls_group_process(w.g[2], msg, len, &ev), 0);
	kenh_mls_event_clear(&ev);
	kenh_mls_free(msg, len);
	assert_int_equal(kenh_mls_group_pending_proposals(w.g[0]), 2);
	/* §12.4: commit before sending data. */
	assert_int_equal(kenh_mls_group_encrypt(w.g[0], (const uint8_t *)"x", 1, &msg, &len),
	                 KENH_E_STATE);
	memset(&a, 0, sizeof(a));
	a.include_pending = true;
	assert_int_equal(kenh_mls_group_commit(w.g[0], &a, &out), 0);
	assert_int_equal(kenh_mls_group_process(w.g[1], out.commit, out.commit_len, &ev), 0);
	assert_int_equal(ev.n_removed, 1);
	assert_int_equal(ev.removed_leaves[0], 2);
	kenh_mls_event_clear(&ev);
	assert_int_equal(kenh_mls_group_process(w.g[2], out.commit, out.commit_len, &ev), 0);
	assert_true(ev.removed);
	kenh_mls_event_clear(&ev);
	assert_false(kenh_mls_group_is_active(w.g[2]));
	/* The commit echoed back to its author merges it. */
	assert_int_equal(kenh_mls_group_process(w.g[0], out.commit, out.commit_len, &ev), 0);
	kenh_mls_event_clear(&ev);
	kenh_mls_commit_out_clear(&out);
	exporters_agree(&w);
	aw_clear(&w);
}

static void test_mls_api_external_join_and_validator(void **state)
{
	struct kenh_mls_commit_args a;
	struct kenh_mls_commit_out out;
	struct kenh_mls_event ev;
	struct api_world w;
	uint8_t *gi = NULL, *commit = NULL, *kpm = NULL;
	size_t gil = 0, cl = 0, kpl = 0;

	aw_init(&w, *state);
	create_group(&w, 2);
	add_and_join(&w, 0, 1, "bob");
	/* Dave joins from the GroupInfo alice publishes. */
	new_kp(&w, 3, "dave", 2);
	assert_int_equal(kenh_mls_group_info(w.g[0], true, &gi, &gil), 0);
	assert_int_equal(kenh_mls_group_join_external(w.ctx, &w.cfg, w.kp[3], gi, gil, NULL, 0,
	                                              UINT32_MAX, &commit, &cl, &w.g[3]),
	                 0);
	assert_int_equal(kenh_mls_group_process(w.g[0], commit, cl, &ev), 0);
	assert_int_equal(ev.sender_type, KENH_MLS_SENDER_NEW_MEMBER_COMMIT);
	kenh_mls_event_clear(&ev);
	assert_int_equal(kenh_mls_group_process(w.g[1], commit, cl, &ev), 0);
	kenh_mls_event_clear(&ev);
	exporters_agree(&w);
	/* The validator refuses mallory: the committer's own check stops the Add. */
	new_kp(&w, 2, "mallory", 2);
	assert_int_equal(kenh_mls_keypackage_message(w.kp[2], &kpm, &kpl), 0);
	memset(&a, 0, sizeof(a));
	a.key_packages = (const uint8_t *const *)&kpm;
	a.key_package_lens = &kpl;
	a.n_add = 1;
	assert_int_equal(kenh_mls_group_commit(w.g[0], &a, &out), KENH_E_REVOKED);
	kenh_mls_free(kpm, kpl);
	kenh_mls_free(gi, gil);
	kenh_mls_free(commit, cl);
	aw_clear(&w);
}

/* RFC 9420 §7.2: the application's maximum lifetime (kenh_mls_config) reaches the group. */
static void test_mls_api_max_lifetime(void **state)
{
	struct kenh_mls_commit_args a;
	struct kenh_mls_commit_out out;
	struct api_world w;
	uint8_t *kpm = NULL;
	size_t kpl = 0;

	aw_init(&w, *state);
	w.cfg.max_lifetime = 30ull * 24 * 3600;
	create_group(&w, 1);
	new_kp(&w, 1, "bob", 1);
	assert_int_equal(kenh_mls_keypackage_message(w.kp[1], &kpm, &kpl), 0);
	memset(&a, 0, sizeof(a));
	a.key_packages = (const uint8_t *const *)&kpm;
	a.key_package_lens = &kpl;
	a.n_add = 1;
	/* Bob's KeyPackage lives 90 days and an hour: over this group's 30 days. */
	assert_int_equal(kenh_mls_group_commit(w.g[0], &a, &out), KENH_E_PROTO);
	kenh_mls_free(kpm, kpl);
	aw_clear(&w);
}

static void test_mls_api_errors(void **state)
{
	struct kenh_mls_config bad;
	struct kenh_mls_group *g = NULL;
	struct kenh_mls_event ev;
	struct api_world w;
	uint8_t junk[64] = { 0, 1, 0, 1 }, *s1 = NULL, *s2 = NULL;
	size_t l1 = 0, l2 = 0;

	aw_init(&w, *state);
	memset(&bad, 0, sizeof(bad));
	new_kp(&w, 0, "alice", 1);
	/* The validator is required. */
	assert_int_equal(kenh_mls_group_create(w.ctx, &bad, w.kp[0], NULL, &g), KENH_E_INVALID_ARG);
	assert_int_equal(kenh_mls_group_create(w.ctx, &w.cfg, NULL, NULL, &g), KENH_E_INVALID_ARG);
	assert_int_equal(kenh_mls_group_create(w.ctx, &w.cfg, w.kp[0], NULL, &w.g[0]), 0);
	/* Garbage in: an error, and the group unchanged. */
	assert_int_equal(kenh_mls_group_serialize(w.g[0], &s1, &l1), 0);
	assert_int_not_equal(kenh_mls_group_process(w.g[0], junk, sizeof(junk), &ev), 0);
	assert_int_not_equal(kenh_mls_group_process(w.g[0], junk, 0, &ev), 0);
	assert_int_equal(kenh_mls_group_serialize(w.g[0], &s2, &l2), 0);
	assert_int_equal(l1, l2);
	assert_memory_equal(s1, s2, l1);
	assert_int_equal(kenh_mls_group_restore(w.ctx, &w.cfg, junk, sizeof(junk), &g),
	                 KENH_E_PARSE);
	assert_int_equal(kenh_mls_group_commit_merge(w.g[0], &ev), KENH_E_STATE);
	assert_int_equal(mls_peek(junk, 3, &(struct mls_peek){ 0 }), KENH_E_TRUNCATED);
	kenh_mls_free(s1, l1);
	kenh_mls_free(s2, l2);
	assert_int_equal(kenh_mls_api_version(), KENH_MLS_API_VERSION);
	aw_clear(&w);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mls_api_keypackage),
		cmocka_unit_test(test_mls_api_group),
		cmocka_unit_test(test_mls_api_new_credential),
		cmocka_unit_test(test_mls_api_proposals_and_removal),
		cmocka_unit_test(test_mls_api_external_join_and_validator),
		cmocka_unit_test(test_mls_api_max_lifetime),
		cmocka_unit_test(test_mls_api_errors),
	};

	return cmocka_run_group_tests(tests, setup_ctx, teardown_ctx);
}
