/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests of groups made from groups (lib/mls/group_link.c, the joining
 * side in group_join.c, the public API in mls_api_link.c): reinitializing
 * a group into another cipher suite (RFC 9420 §11.2, §12.1.5) and
 * branching a subgroup (§11.3), each tied to the old group by a resumption
 * PSK (§8.6), played through the public API; and one refused Welcome per
 * check a joiner makes (§12.4.3.1), each crafted by a creator that breaks
 * exactly that check, next to the same Welcome made right, which joins.
 */
#include "kenh/mls.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kenh/kenh.h"
#include "mls/group.h"
#include "tu_mlsworld.h"
#include "util/mem.h"

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
/* Through the public API                                                    */
/* ------------------------------------------------------------------------ */

#define N 3

static const char *const names[N] = { "alice", "bob", "carol" };

struct api {
	struct kenh_ctx *ctx;
	struct kenh_mls_config cfg;
	struct kenh_mls_keypackage *kp[N];
	struct kenh_mls_group *old[N]; /* the first group */
	struct kenh_mls_group *g[N];   /* the group made from it */
};

static int validate(void *arg, const struct kenh_mls_credential *c)
{
	(void)arg;
	return kenh_mls_credential_type(c) == KENH_MLS_CREDENTIAL_BASIC ? 0 : KENH_E_VERIFY;
}

static void new_kp(struct api *w, size_t i, const char *name, uint16_t suite)
{
	struct kenh_mls_keypackage_args a;

	kenh_mls_keypackage_free(w->kp[i]);
	memset(&a, 0, sizeof(a));
	a.suite = suite;
	a.credential.type = KENH_MLS_CREDENTIAL_BASIC;
	a.credential.identity = (const uint8_t *)name;
	a.credential.identity_len = strlen(name);
	assert_int_equal(kenh_mls_keypackage_new(w->ctx, &a, &w->kp[i]), 0);
}

static void api_clear(struct api *w)
{
	size_t i;

	for (i = 0; i < N; i++) {
		kenh_mls_keypackage_free(w->kp[i]);
		kenh_mls_group_free(w->old[i]);
		kenh_mls_group_free(w->g[i]);
	}
	memset(w, 0, sizeof(*w));
}

/* Alice creates a group of suite 1 and adds bob and carol in one Commit. */
static void api_init(struct api *w, struct kenh_ctx *ctx)
{
	struct kenh_mls_commit_out out;
	struct kenh_mls_commit_args a;
	struct kenh_mls_event ev;
	uint8_t *kpm[N - 1];
	size_t kpl[N - 1], i;

	memset(w, 0, sizeof(*w));
	w->ctx = ctx;
	w->cfg.validate = validate;
	new_kp(w, 0, names[0], 1);
	assert_int_equal(kenh_mls_group_create(ctx, &w->cfg, w->kp[0], NULL, &w->old[0]), 0);
	for (i = 1; i < N; i++) {
		new_kp(w, i, names[i], 1);
		assert_int_equal(kenh_mls_keypackage_message(w->kp[i], &kpm[i - 1], &kpl[i - 1]),
		                 0);
	}
	memset(&a, 0, sizeof(a));
	a.key_packages = (const uint8_t *const *)kpm;
	a.key_package_lens = kpl;
	a.n_add = N - 1;
	a.ratchet_tree = true;
	assert_int_equal(kenh_mls_group_commit(w->old[0], &a, &out), 0);
	assert_int_equal(kenh_mls_group_commit_merge(w->old[0], &ev), 0);
	kenh_mls_event_clear(&ev);
	for (i = 1; i < N; i++) {
		assert_int_equal(kenh_mls_group_join(ctx, &w->cfg, w->kp[i], out.welcome,
		                                     out.welcome_len, NULL, 0, &w->old[i]),
		                 0);
		kenh_mls_free(kpm[i - 1], kpl[i - 1]);
	}
	kenh_mls_commit_out_clear(&out);
}

/* Every group of gs (NULL skipped) has one exporter value; returns how many groups. */
static size_t agree(struct kenh_mls_group *const *gs)
{
	uint8_t ref[32], x[32];
	size_t i, n = 0;

	for (i = 0; i < N; i++) {
		if (gs[i] == NULL) continue;
		assert_int_equal(kenh_mls_group_export(gs[i], "exporter", NULL, 0, x, 32), 0);
		if (n++ != 0) assert_memory_equal(x, ref, 32);
		memcpy(ref, x, 32);
	}
	return n;
}

/* Party from sends text in the new groups; every other member reads it. */
static void talk(struct api *w, size_t from, const char *text)
{
	struct kenh_mls_event ev;
	uint8_t *m = NULL;
	size_t len = 0, i;

	assert_int_equal(
	        kenh_mls_group_encrypt(w->g[from], (const uint8_t *)text, strlen(text), &m, &len),
	        0);
	for (i = 0; i < N; i++) {
		if (i == from || w->g[i] == NULL) continue;
		assert_int_equal(kenh_mls_group_process(w->g[i], m, len, &ev), 0);
		assert_int_equal(ev.type, KENH_MLS_EVENT_APPLICATION);
		assert_memory_equal(ev.data, text, strlen(text));
		kenh_mls_event_clear(&ev);
	}
	kenh_mls_free(m, len);
}

/* Bob commits a ReInit to suite 3 and group id "kenh-reinit"; everyone sees it. */
static void commit_reinit(struct api *w)
{
	static const uint16_t creds[] = { KENH_MLS_CREDENTIAL_BASIC };
	struct kenh_mls_group_options opt;
	struct kenh_mls_commit_out out;
	struct kenh_mls_event ev;
	uint8_t *m = NULL;
	size_t len = 0, i;

	memset(&opt, 0, sizeof(opt));
	opt.group_id = (const uint8_t *)"kenh-reinit";
	opt.group_id_len = 11;
	opt.required_credentials = creds;
	opt.n_required_credentials = 1;
	assert_int_equal(kenh_mls_group_commit_reinit(w->old[1], 3, &opt, &out), 0);
	for (i = 0; i < N; i++) {
		if (i == 1) {
			assert_int_equal(kenh_mls_group_commit_merge(w->old[i], &ev), 0);
		} else {
			assert_int_equal(
			        kenh_mls_group_process(w->old[i], out.commit, out.commit_len, &ev),
			        0);
		}
		assert_int_equal(ev.type, KENH_MLS_EVENT_COMMIT);
		assert_true(ev.reinit);
		kenh_mls_event_clear(&ev);
		/* RFC 9420 §12.4.2: the old group is no longer used to send. */
		assert_false(kenh_mls_group_is_active(w->old[i]));
		assert_int_equal(
		        kenh_mls_group_encrypt(w->old[i], (const uint8_t *)"x", 1, &m, &len),
		        KENH_E_STATE);
	}
	kenh_mls_commit_out_clear(&out);
}

/* Party i, whose old group is replaced by its saved and restored state. */
static void save_restore(struct api *w, size_t i)
{
	struct kenh_mls_group *r = NULL;
	uint8_t *s = NULL;
	size_t len = 0;

	assert_int_equal(kenh_mls_group_serialize(w->old[i], &s, &len), 0);
	assert_int_equal(kenh_mls_group_restore(w->ctx, &w->cfg, s, len, &r), 0);
	kenh_mls_group_free(w->old[i]);
	w->old[i] = r;
	kenh_mls_free(s, len);
}

/*
 * RFC 9420 §11.2: alice, bob and carol move from suite 1 to suite 3. Bob
 * commits the ReInit; carol (another member) makes the new group.
 */
static void test_mls_link_reinit(void **state)
{
	struct kenh_mls_commit_out out;
	struct kenh_mls_link_args la;
	struct kenh_mls_group *bad = NULL;
	struct kenh_mls_event ev;
	struct api w;
	uint8_t *kpm[N - 1];
	size_t kpl[N - 1], i;
	const uint8_t *id = NULL;
	size_t idl = 0;

	api_init(&w, *state);
	/* Before any ReInit there is no new group to make. */
	new_kp(&w, 2, names[2], 3);
	memset(&la, 0, sizeof(la));
	assert_int_equal(kenh_mls_group_reinit(w.old[2], w.kp[2], &la, &out, &bad), KENH_E_STATE);
	commit_reinit(&w);
	save_restore(&w, 2); /* the ReInit's parameters are in the saved state */
	for (i = 0; i < 2; i++) {
		new_kp(&w, i, names[i], 3);
		assert_int_equal(kenh_mls_keypackage_message(w.kp[i], &kpm[i], &kpl[i]), 0);
	}
	la.key_packages = (const uint8_t *const *)kpm;
	la.key_package_lens = kpl;
	la.ratchet_tree = true;
	/* The same members, no fewer (RFC 9420 §11.2). */
	la.n = 1;
	assert_int_equal(kenh_mls_group_reinit(w.old[2], w.kp[2], &la, &out, &bad), KENH_E_PROTO);
	assert_null(bad);
	la.n = 2;
	assert_int_equal(kenh_mls_group_reinit(w.old[2], w.kp[2], &la, &out, &w.g[2]), 0);
	assert_int_equal(kenh_mls_group_commit_merge(w.g[2], &ev), 0);
	kenh_mls_event_clear(&ev);
	/* A plain join has no resumption PSK of the old group (§8.6). */
	assert_int_equal(kenh_mls_group_join(w.ctx, &w.cfg, w.kp[0], out.welcome, out.welcome_len,
	                                     NULL, 0, &bad),
	                 KENH_E_NOT_FOUND);
	for (i = 0; i < 2; i++)
		assert_int_equal(kenh_mls_group_join_reinit(w.ctx, &w.cfg, w.kp[i], w.old[i],
		                                            out.welcome, out.welcome_len, NULL, 0,
		                                            &w.g[i]),
		                 0);
	for (i = 0; i < N; i++) {
		assert_int_equal(kenh_mls_group_suite(w.g[i]), 3);
		assert_int_equal(kenh_mls_group_epoch(w.g[i]), 1);
		assert_int_equal(kenh_mls_group_leaf_count(w.g[i]), 4);
		kenh_mls_group_id(w.g[i], &id, &idl);
		assert_int_equal(idl, 11);
		assert_memory_equal(id, "kenh-reinit", 11);
	}
	assert_int_equal(agree(w.g), N);
	talk(&w, 0, "in suite 3 now");
	talk(&w, 1, "so it is");
	for (i = 0; i < 2; i++)
		kenh_mls_free(kpm[i], kpl[i]);
	kenh_mls_commit_out_clear(&out);
	api_clear(&w);
}

/* RFC 9420 §11.3: alice branches a subgroup with bob; a stranger cannot be in it. */
static void test_mls_link_branch(void **state)
{
	struct kenh_mls_commit_out out;
	struct kenh_mls_link_args la;
	struct kenh_mls_group *bad = NULL;
	struct kenh_mls_keypackage *dave = NULL;
	struct kenh_mls_event ev;
	struct api w;
	uint8_t *kpm[2];
	size_t kpl[2];

	api_init(&w, *state);
	new_kp(&w, 0, names[0], 1);
	new_kp(&w, 1, names[1], 1);
	assert_int_equal(kenh_mls_keypackage_message(w.kp[1], &kpm[0], &kpl[0]), 0);
	{
		struct kenh_mls_keypackage_args a;
		memset(&a, 0, sizeof(a));
		a.suite = 1;
		a.credential.type = KENH_MLS_CREDENTIAL_BASIC;
		a.credential.identity = (const uint8_t *)"dave";
		a.credential.identity_len = 4;
		assert_int_equal(kenh_mls_keypackage_new(w.ctx, &a, &dave), 0);
		assert_int_equal(kenh_mls_keypackage_message(dave, &kpm[1], &kpl[1]), 0);
	}
	memset(&la, 0, sizeof(la));
	la.key_packages = (const uint8_t *const *)kpm;
	la.key_package_lens = kpl;
	la.n = 2;
	la.ratchet_tree = true;
	la.group_id = (const uint8_t *)"side";
	la.group_id_len = 4;
	assert_int_equal(kenh_mls_group_branch(w.old[0], w.kp[0], &la, &out, &bad), KENH_E_PROTO);
	la.n = 1;
	assert_int_equal(kenh_mls_group_branch(w.old[0], w.kp[0], &la, &out, &w.g[0]), 0);
	assert_int_equal(kenh_mls_group_commit_merge(w.g[0], &ev), 0);
	kenh_mls_event_clear(&ev);
	/* Joining it as a reinit: the old group did not end with a ReInit. */
	assert_int_equal(kenh_mls_group_join_reinit(w.ctx, &w.cfg, w.kp[1], w.old[1], out.welcome,
	                                            out.welcome_len, NULL, 0, &bad),
	                 KENH_E_STATE);
	assert_int_equal(kenh_mls_group_join_branch(w.ctx, &w.cfg, w.kp[1], w.old[1], out.welcome,
	                                            out.welcome_len, NULL, 0, &w.g[1]),
	                 0);
	assert_int_equal(kenh_mls_group_leaf_count(w.g[1]), 2);
	assert_int_equal(agree(w.g), 2);
	talk(&w, 1, "just us two");
	/* The old group goes on. */
	assert_true(kenh_mls_group_is_active(w.old[0]));
	assert_int_equal(agree(w.old), 3);
	kenh_mls_free(kpm[0], kpl[0]);
	kenh_mls_free(kpm[1], kpl[1]);
	kenh_mls_keypackage_free(dave);
	kenh_mls_commit_out_clear(&out);
	api_clear(&w);
}

/* ------------------------------------------------------------------------ */
/* What a joiner checks (RFC 9420 §12.4.3.1)                                 */
/* ------------------------------------------------------------------------ */

/* A Welcome of a group made from old, as a creator that may break one rule makes it. */
struct craft {
	enum mls_resumption_psk_usage usage;
	struct kenh_span group_id;     /* of the new group */
	uint16_t suite;                /* of the new group */
	struct kenh_span old_group_id; /* the PSK names this group */
	uint64_t old_epoch;            /* and this epoch */
	const uint8_t *psk;            /* whose value is this (Nh bytes of old's suite) */
	const struct mls_extension_list *ext;
	size_t add[TU_PARTIES]; /* parties to add (new KeyPackages made for them) */
	size_t n_add;
	bool no_psk; /* no PreSharedKey at all */
};

/* Party c of w makes the new group as c says; out receives its Welcome. */
static void craft_welcome(struct tu_world *w, size_t c, const struct craft *cr,
                          struct mls_commit_made *out)
{
	struct kenh_span kps[TU_PARTIES];
	struct mls_pre_shared_key_id id;
	struct mls_own_key_package own;
	struct mls_commit_args a;
	struct mls_group *ng = NULL;
	struct mls_credential cred;
	struct mls_kp_args ka;
	uint8_t nonce[32];
	size_t i;

	memset(&cred, 0, sizeof(cred));
	cred.credential_type = MLS_CREDENTIAL_BASIC;
	cred.identity = span_make((const uint8_t *)w->p[c].name, strlen(w->p[c].name));
	memset(&ka, 0, sizeof(ka));
	ka.ctx = w->ctx;
	ka.suite = cr->suite;
	ka.credential = &cred;
	ka.now = w->now;
	assert_int_equal(mls_group_key_package(&ka, &own), 0);
	assert_int_equal(mls_group_create(w->ctx, &w->cb, &own, cr->group_id, cr->ext, &ng), 0);
	ng->link.set = true;
	ng->link.usage = cr->usage;
	ng->link.epoch = cr->old_epoch;
	ng->link.group_id_len = cr->old_group_id.len;
	memcpy(ng->link.group_id, cr->old_group_id.p, cr->old_group_id.len);
	memcpy(ng->link.psk, cr->psk, w->p[c].g->cs->kdf->nh);
	for (i = 0; i < cr->n_add; i++) {
		assert_int_equal(tu_make_kp(w, cr->add[i], cr->suite), 0);
		kps[i] = span_make(w->p[cr->add[i]].kp.kp, w->p[cr->add[i]].kp.kp_len);
	}
	memset(nonce, 0x5a, sizeof(nonce));
	memset(&id, 0, sizeof(id));
	id.psktype = MLS_PSK_RESUMPTION;
	id.usage = cr->usage;
	id.psk_group_id = cr->old_group_id;
	id.psk_epoch = cr->old_epoch;
	id.psk_nonce = span_make(nonce, 32);
	memset(&a, 0, sizeof(a));
	a.key_packages = kps;
	a.n_add = cr->n_add;
	a.psks = &id;
	a.n_psk = cr->no_psk ? 0 : 1;
	a.force_path = true;
	a.ratchet_tree_in_welcome = true;
	assert_int_equal(mls_group_commit_create(ng, &a, out), 0);
	mls_group_free(ng);
	mls_own_key_package_clear(&own);
}

/* Party i of w joins Welcome m as a group made from its group with usage; returns the code. */
static int join_crafted(struct tu_world *w, size_t i, enum mls_resumption_psk_usage usage,
                        const struct mls_commit_made *m)
{
	struct mls_group *ng = NULL;
	struct mls_message msg;
	int rc;

	assert_int_equal(mls_message_parse(m->welcome, m->welcome_len, &msg), 0);
	rc = mls_group_join_linked(w->ctx, &w->cb, &w->p[i].kp, w->p[i].g, usage, &msg.u.welcome,
	                           span_make(NULL, 0), &ng);
	if (rc == 0) {
		assert_int_equal(ng->gc.epoch, 1);
		mls_group_free(ng);
	} else {
		assert_null(ng);
	}
	mls_message_clear(&msg);
	return rc;
}

/* Expect party 1 to refuse (with want), or to join (want 0), what party 2 crafted. */
static void expect_join(struct tu_world *w, const struct craft *cr, int want)
{
	struct mls_commit_made m;

	craft_welcome(w, 2, cr, &m);
	assert_int_equal(join_crafted(w, 1, cr->usage, &m), want);
	mls_commit_made_clear(&m);
}

/* Three parties of suite 1; party 0 commits a ReInit to suite 3 with group id "next". */
static void reinit_world(struct tu_world *w, struct kenh_ctx *ctx)
{
	struct mls_commit_args a;
	struct mls_proposal p;

	tu_world_init(w, ctx, 1);
	assert_int_equal(tu_grow_group(w, 3), 0);
	memset(&p, 0, sizeof(p));
	p.proposal_type = MLS_PROPOSAL_REINIT;
	p.u.reinit.group_id = span_make((const uint8_t *)"next", 4);
	p.u.reinit.version = MLS_VERSION_MLS10;
	p.u.reinit.cipher_suite = 3;
	memset(&a, 0, sizeof(a));
	a.extra = &p;
	a.n_extra = 1;
	assert_int_equal(tu_commit_all(w, 0, &a, NULL), 0);
	assert_true(w->p[1].g->reinit);
	assert_int_equal(w->p[1].g->gc.epoch, 2);
}

/* The Welcome made right by the ReInit's rules (party 2 creates, adds 0 and 1). */
static void reinit_craft(const struct tu_world *w, struct craft *cr)
{
	const struct mls_group *old = w->p[2].g;

	memset(cr, 0, sizeof(*cr));
	cr->usage = MLS_RESUMPTION_REINIT;
	cr->group_id = span_make((const uint8_t *)"next", 4);
	cr->suite = 3;
	cr->old_group_id = old->gc.group_id;
	cr->old_epoch = old->gc.epoch;
	cr->psk = old->es.resumption_psk;
	cr->add[0] = 0;
	cr->add[1] = 1;
	cr->n_add = 2;
}

/* RFC 9420 §11.2, §12.4.3.1: the reinit PSK names the old group's epoch after the ReInit. */
static void test_mls_link_reinit_psk_checked(void **state)
{
	const struct mls_resumption *prev;
	struct tu_world w;
	struct craft cr;

	reinit_world(&w, *state);
	reinit_craft(&w, &cr);
	expect_join(&w, &cr, 0);
	/* An earlier epoch of the old group, with that epoch's true resumption_psk. */
	prev = &w.p[2].g->res[w.p[2].g->n_res - 2];
	assert_int_equal(prev->epoch, 1);
	cr.old_epoch = 1;
	cr.psk = prev->psk;
	expect_join(&w, &cr, KENH_E_PROTO);
	/* Another group's id, with the old group's value. */
	reinit_craft(&w, &cr);
	cr.old_group_id = span_make((const uint8_t *)"another group", 13);
	expect_join(&w, &cr, KENH_E_PROTO);
	/* The right epoch, the wrong usage. */
	reinit_craft(&w, &cr);
	cr.usage = MLS_RESUMPTION_BRANCH;
	{
		struct mls_commit_made m;
		craft_welcome(&w, 2, &cr, &m);
		assert_int_equal(join_crafted(&w, 1, MLS_RESUMPTION_REINIT, &m), KENH_E_PROTO);
		mls_commit_made_clear(&m);
	}
	/* No link at all. */
	reinit_craft(&w, &cr);
	cr.no_psk = true;
	expect_join(&w, &cr, KENH_E_PROTO);
	tu_world_clear(&w);
}

/* RFC 9420 §12.4.3.1: the new group is the one the ReInit asked for, with every member. */
static void test_mls_link_reinit_group_checked(void **state)
{
	struct mls_extension ext;
	struct mls_extension_list l;
	struct tu_world w;
	struct craft cr;

	reinit_world(&w, *state);
	reinit_craft(&w, &cr);
	cr.group_id = span_make((const uint8_t *)"nExt", 4);
	expect_join(&w, &cr, KENH_E_PROTO);
	/* Extensions the ReInit did not name (external_senders, with no sender). */
	reinit_craft(&w, &cr);
	memset(&ext, 0, sizeof(ext));
	ext.extension_type = MLS_EXT_EXTERNAL_SENDERS;
	ext.extension_data = span_make((const uint8_t *)"", 1);
	l.items = &ext;
	l.count = 1;
	cr.ext = &l;
	expect_join(&w, &cr, KENH_E_PROTO);
	/* Party 0 left out. */
	reinit_craft(&w, &cr);
	cr.n_add = 1;
	cr.add[0] = 1;
	expect_join(&w, &cr, KENH_E_PROTO);
	/* The old suite. */
	reinit_craft(&w, &cr);
	cr.suite = 1;
	expect_join(&w, &cr, KENH_E_PROTO);
	tu_world_clear(&w);
}

/* RFC 9420 §11.3, §12.4.3.1: a branch has the old version and suite, and only old members. */
static void test_mls_link_branch_checked(void **state)
{
	struct tu_world w;
	struct craft cr;
	const struct mls_group *old;

	tu_world_init(&w, *state, 1);
	assert_int_equal(tu_grow_group(&w, 3), 0);
	old = w.p[2].g;
	memset(&cr, 0, sizeof(cr));
	cr.usage = MLS_RESUMPTION_BRANCH;
	cr.suite = 1;
	cr.old_group_id = old->gc.group_id;
	cr.old_epoch = old->gc.epoch;
	cr.psk = old->es.resumption_psk;
	cr.add[0] = 1;
	cr.n_add = 1;
	expect_join(&w, &cr, 0);
	/* Party 3, who never was in the group. */
	cr.add[1] = 3;
	cr.n_add = 2;
	expect_join(&w, &cr, KENH_E_PROTO);
	/* Another suite. */
	cr.n_add = 1;
	cr.suite = 3;
	expect_join(&w, &cr, KENH_E_PROTO);
	tu_world_clear(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mls_link_reinit),
		cmocka_unit_test(test_mls_link_branch),
		cmocka_unit_test(test_mls_link_reinit_psk_checked),
		cmocka_unit_test(test_mls_link_reinit_group_checked),
		cmocka_unit_test(test_mls_link_branch_checked),
	};

	return cmocka_run_group_tests(tests, setup_ctx, teardown_ctx);
}
