/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests of what outlives an epoch in the MLS group state machine
 * (lib/mls/group_past.c, group_serial.c): application messages delivered
 * after the Commit that ended their epoch (RFC 9420 §15.3), opened with the
 * kept keys of MLS_GROUP_PAST_EPOCHS past epochs and the senders' keys of
 * then, refused once those keys aged out, whose secrets then leave no trace
 * in the saved state (§9.2); a removed member's last epoch read for as
 * long (§12.4.2); the saved past epochs, and the earlier state formats
 * still read.
 */
#include "mls/group.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kenh/kenh.h"
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

/* An empty Commit with a path by party c, processed by everyone. */
static void next_epoch(struct tu_world *w, size_t c)
{
	struct mls_commit_args a;

	memset(&a, 0, sizeof(a));
	a.force_path = true;
	assert_int_equal(tu_commit_all(w, c, &a, NULL), 0);
	assert_true(tu_agree(w));
}

/* Party c removes leaf `leaf`, everyone else processes it. */
static void remove_leaf(struct tu_world *w, size_t c, uint32_t leaf)
{
	struct mls_commit_args a;

	memset(&a, 0, sizeof(a));
	a.remove = &leaf;
	a.n_remove = 1;
	assert_int_equal(tu_commit_all(w, c, &a, NULL), 0);
}

/* Party i reads msg as application data `text` from leaf `from`, sent in epoch `epoch`. */
static void reads(struct tu_world *w, size_t i, const uint8_t *msg, size_t len, const char *text,
                  uint32_t from, uint64_t epoch)
{
	struct mls_event ev;

	assert_int_equal(tu_deliver(w, i, msg, len, &ev), 0);
	assert_int_equal(ev.type, MLS_EVENT_APPLICATION);
	assert_int_equal(ev.data_len, strlen(text));
	assert_memory_equal(ev.data, text, ev.data_len);
	assert_int_equal(ev.sender.leaf_index, from);
	assert_int_equal(ev.epoch, epoch);
	mls_event_clear(&ev);
}

/* The saved state of g holds (or not) the nh bytes at secret. */
static bool state_holds(const struct mls_group *g, const uint8_t *secret)
{
	uint8_t *s = NULL;
	size_t len = 0;
	bool found;

	assert_int_equal(mls_group_serialize(g, &s, &len), 0);
	found = tu_contains(s, len, secret, g->cs->kdf->nh);
	sec_free(s, len);
	return found;
}

static void late_for_suite(struct kenh_ctx *ctx, uint16_t suite)
{
	struct tu_world w;
	uint8_t *m1 = NULL, *m1b = NULL, *m2 = NULL, *m3 = NULL;
	size_t l1 = 0, l1b = 0, l2 = 0, l3 = 0;
	uint8_t sds2[CRYPTO_MAX_HASH];

	tu_world_init(&w, ctx, suite);
	assert_int_equal(tu_grow_group(&w, 3), 0);
	/* Epoch 1: two messages from 1, one from 2, still on their way. */
	assert_int_equal(tu_encrypt(&w, 1, "one from 1", &m1, &l1), 0);
	assert_int_equal(tu_encrypt(&w, 1, "two from 1", &m1b, &l1b), 0);
	assert_int_equal(tu_encrypt(&w, 2, "one from 2", &m2, &l2), 0);
	next_epoch(&w, 0); /* epoch 2 */
	/* RFC 9420 §15.3: a message of epoch N-1 delivered after the Commit to N. */
	reads(&w, 0, m1b, l1b, "two from 1", 1, 1);
	reads(&w, 0, m1, l1, "one from 1", 1, 1);
	reads(&w, 2, m1, l1, "one from 1", 1, 1);
	/* §9.2: its key was consumed; it does not open twice. */
	assert_int_equal(tu_deliver(&w, 0, m1, l1, NULL), KENH_E_DECRYPT);
	/* Epoch 2: 2 sends, then is removed; its message still opens with its key of then. */
	assert_int_equal(tu_encrypt(&w, 2, "from 2 in epoch 2", &m3, &l3), 0);
	memcpy(sds2, w.p[0].g->es.sender_data_secret, w.p[0].g->cs->kdf->nh);
	remove_leaf(&w, 0, 2); /* epoch 3: leaf 2 blank */
	assert_null(mls_rtree_leaf(w.p[1].g->tree, 2));
	reads(&w, 1, m3, l3, "from 2 in epoch 2", 2, 2);
	/* Epoch 1 is N-2 now: still kept. */
	reads(&w, 0, m2, l2, "one from 2", 2, 1);
	next_epoch(&w, 1); /* epoch 4: epoch 1 ages out */
	assert_true(state_holds(w.p[0].g, sds2));
	/* N-3: refused with the one code of a PrivateMessage we cannot open (R3.11). */
	assert_int_equal(tu_deliver(&w, 1, m2, l2, NULL), KENH_E_DECRYPT);
	assert_null(mls_group_past_find(w.p[1].g, 1));
	assert_non_null(mls_group_past_find(w.p[1].g, 2));
	next_epoch(&w, 0); /* epoch 5: epoch 2 ages out, and its secrets with it */
	assert_int_equal(w.p[0].g->n_past, MLS_GROUP_PAST_EPOCHS);
	assert_false(state_holds(w.p[0].g, sds2));
	assert_false(state_holds(w.p[1].g, sds2));
	mem_free(m1);
	mem_free(m1b);
	mem_free(m2);
	mem_free(m3);
	tu_world_clear(&w);
}

static void test_mls_epochs_late_application(void **state)
{
	late_for_suite(*state, 1);
	late_for_suite(*state, 2);
	late_for_suite(*state, 3);
}

/*
 * A past epoch's senders are those of then: a leaf filled since (the Add
 * of party 3) was blank in it, and the key look-up of that epoch says so
 * rather than handing out the new member's key.
 */
static void test_mls_epochs_sender_of_then(void **state)
{
	struct mls_commit_args a;
	struct mls_framing_epoch ep;
	struct mls_past_view v;
	struct mls_past_epoch *p;
	struct mls_sender s;
	struct kenh_span key, kp;
	struct tu_world w;

	tu_world_init(&w, *state, 1);
	assert_int_equal(tu_grow_group(&w, 2), 0); /* leaves 0, 1 of a two-leaf tree */
	remove_leaf(&w, 0, 1);                     /* epoch 2: leaf 1 blank */
	assert_int_equal(tu_make_kp(&w, 3, 1), 0);
	kp = span_make(w.p[3].kp.kp, w.p[3].kp.kp_len);
	memset(&a, 0, sizeof(a));
	a.key_packages = &kp;
	a.n_add = 1;
	a.ratchet_tree_in_welcome = true;
	assert_int_equal(tu_commit_all(&w, 0, &a, NULL), 0); /* epoch 3: 3 at leaf 1 */
	assert_non_null(mls_rtree_leaf(w.p[0].g->tree, 1));
	memset(&s, 0, sizeof(s));
	s.sender_type = MLS_SENDER_MEMBER;
	s.leaf_index = 1;
	/* Epoch 2: leaf 1 was blank. Epoch 1: it was party 1's, removed since. */
	assert_non_null(p = mls_group_past_find(w.p[0].g, 2));
	mls_group_past_framing(w.p[0].g, p, &v, &ep);
	assert_int_equal(ep.sender_key(ep.sender_key_arg, &s, &key), KENH_E_NOT_FOUND);
	assert_non_null(p = mls_group_past_find(w.p[0].g, 1));
	mls_group_past_framing(w.p[0].g, p, &v, &ep);
	assert_int_equal(ep.sender_key(ep.sender_key_arg, &s, &key), 0);
	/* Party 1, removed, stays in epoch 1 with that epoch's tree. */
	assert_true(w.p[1].g->removed);
	assert_true(span_eq(key, mls_rtree_leaf(w.p[1].g->tree, 1)->signature_key));
	assert_false(span_eq(key, mls_rtree_leaf(w.p[0].g->tree, 1)->signature_key));
	/* Leaf 0 has not changed: the current tree answers. */
	s.leaf_index = 0;
	assert_int_equal(ep.sender_key(ep.sender_key_arg, &s, &key), 0);
	assert_true(span_eq(key, mls_rtree_leaf(w.p[0].g->tree, 0)->signature_key));
	tu_world_clear(&w);
}

/* Party i's group saved and read back; the restored group replaces it. */
static void save_restore(struct tu_world *w, size_t i)
{
	struct mls_group *r = NULL;
	uint8_t *s = NULL;
	size_t len = 0;

	assert_int_equal(mls_group_serialize(w->p[i].g, &s, &len), 0);
	assert_int_equal(mls_group_deserialize(w->ctx, &w->cb, span_make(s, len), &r), 0);
	sec_free(s, len);
	mls_group_free(w->p[i].g);
	w->p[i].g = r;
}

/*
 * RFC 9420 §12.4.2: a member removed by a Commit may keep its last epoch's
 * secret tree "for a short time to decrypt late messages in the previous
 * epoch": party 2, removed at the Commit to epoch 2, still reads epoch 1's
 * application data delivered after it (also once saved and restored),
 * each key once (§9.2), nothing of epoch 2 and no handshake; once a
 * message shows the group at epoch 1 + MLS_GROUP_PAST_EPOCHS + 1, where
 * the members dropped epoch 1 (§15.3), its keys are gone and stay gone.
 */
static void test_mls_epochs_removed_late(void **state)
{
	struct tu_world w;
	uint8_t *m1 = NULL, *m1b = NULL, *m3 = NULL, *m2 = NULL, *mx = NULL, *late = NULL;
	size_t l1 = 0, l1b = 0, l3 = 0, l2 = 0, lx = 0, llate = 0;
	uint8_t sds1[CRYPTO_MAX_HASH];
	uint64_t e;

	tu_world_init(&w, *state, 1);
	assert_int_equal(tu_grow_group(&w, 4), 0);
	/* Epoch 1: messages of 1 and 3, still on their way to 2. */
	assert_int_equal(tu_encrypt(&w, 1, "one from 1", &m1, &l1), 0);
	assert_int_equal(tu_encrypt(&w, 1, "two from 1", &m1b, &l1b), 0);
	assert_int_equal(tu_encrypt(&w, 3, "one from 3", &m3, &l3), 0);
	assert_int_equal(tu_encrypt(&w, 3, "kept for later", &late, &llate), 0);
	memcpy(sds1, w.p[2].g->es.sender_data_secret, w.p[2].g->cs->kdf->nh);
	remove_leaf(&w, 0, 2); /* epoch 2 */
	assert_true(w.p[2].g->removed);
	assert_int_equal(w.p[2].g->n_past, 0);
	reads(&w, 2, m1b, l1b, "two from 1", 1, 1);
	reads(&w, 2, m1, l1, "one from 1", 1, 1);
	assert_int_equal(tu_deliver(&w, 2, m1, l1, NULL), KENH_E_DECRYPT);
	save_restore(&w, 2);
	reads(&w, 2, m3, l3, "one from 3", 3, 1);
	/* It sends nothing, and reads nothing of the epoch it was removed from. */
	assert_int_equal(tu_encrypt(&w, 2, "from a removed member", &mx, &lx), KENH_E_STATE);
	assert_int_equal(tu_encrypt(&w, 1, "in epoch 2", &m2, &l2), 0);
	assert_int_equal(tu_deliver(&w, 2, m2, l2, NULL), KENH_E_STATE);
	/* The members keep epoch 1 up to epoch 1 + MLS_GROUP_PAST_EPOCHS. */
	for (e = 2; e < 1 + MLS_GROUP_PAST_EPOCHS; e++)
		next_epoch(&w, 0);
	mem_free(m2);
	m2 = NULL;
	assert_int_equal(tu_encrypt(&w, 1, "while kept", &m2, &l2), 0);
	assert_int_equal(tu_deliver(&w, 2, m2, l2, NULL), KENH_E_STATE);
	assert_false(w.p[2].g->late_closed);
	next_epoch(&w, 0); /* the members drop epoch 1 */
	mem_free(m2);
	m2 = NULL;
	assert_int_equal(tu_encrypt(&w, 1, "after", &m2, &l2), 0);
	assert_int_equal(tu_deliver(&w, 2, m2, l2, NULL), KENH_E_STATE);
	assert_true(w.p[2].g->late_closed);
	assert_false(state_holds(w.p[2].g, sds1));
	save_restore(&w, 2);
	assert_true(w.p[2].g->late_closed);
	assert_int_equal(tu_deliver(&w, 2, late, llate, NULL), KENH_E_STATE);
	mem_free(m1);
	mem_free(m1b);
	mem_free(m2);
	mem_free(m3);
	mem_free(mx);
	mem_free(late);
	tu_world_clear(&w);
}

/* Only application data is read late: a handshake message of a past epoch is refused. */
static void test_mls_epochs_late_handshake(void **state)
{
	struct mls_commit_made cm;
	struct mls_commit_args a;
	struct tu_world w;

	tu_world_init(&w, *state, 1);
	assert_int_equal(tu_grow_group(&w, 3), 0);
	memset(&a, 0, sizeof(a));
	a.force_path = true;
	a.private_message = true;
	/* A PrivateMessage Commit of epoch 1 that lost the race to another Commit. */
	assert_int_equal(mls_group_commit_create(w.p[1].g, &a, &cm), 0);
	mls_group_staged_discard(w.p[1].g);
	next_epoch(&w, 0);
	assert_non_null(mls_group_past_find(w.p[2].g, 1));
	assert_int_equal(tu_deliver(&w, 2, cm.commit, cm.commit_len, NULL), KENH_E_DECRYPT);
	assert_int_equal(w.p[2].g->gc.epoch, 2);
	mls_commit_made_clear(&cm);
	tu_world_clear(&w);
}

/* The past epochs are saved with the state: a restored group still opens late messages. */
static void test_mls_epochs_saved(void **state)
{
	struct mls_group *r = NULL;
	struct tu_world w;
	uint8_t *m = NULL, *s1 = NULL, *s2 = NULL;
	size_t lm = 0, l1 = 0, l2 = 0, cut;

	tu_world_init(&w, *state, 3);
	assert_int_equal(tu_grow_group(&w, 3), 0);
	assert_int_equal(tu_encrypt(&w, 2, "late", &m, &lm), 0);
	next_epoch(&w, 0);
	remove_leaf(&w, 1, 2); /* keys of then recorded for leaf 2 */
	assert_int_equal(mls_group_serialize(w.p[0].g, &s1, &l1), 0);
	assert_int_equal(mls_group_deserialize(w.ctx, &w.cb, span_make(s1, l1), &r), 0);
	assert_int_equal(r->n_past, 2);
	assert_int_equal(mls_group_serialize(r, &s2, &l2), 0);
	assert_int_equal(l1, l2);
	assert_memory_equal(s1, s2, l1);
	mls_group_free(w.p[0].g);
	w.p[0].g = r;
	reads(&w, 0, m, lm, "late", 2, 1);
	/* Every truncation of the saved state is refused. */
	for (cut = 0; cut < l1; cut += 1 + cut / 32) {
		r = NULL;
		assert_int_not_equal(mls_group_deserialize(w.ctx, &w.cb, span_make(s1, cut), &r),
		                     0);
		assert_null(r);
	}
	sec_free(s1, l1);
	sec_free(s2, l2);
	mem_free(m);
	tu_world_clear(&w);
}

/* A past epoch in the saved state that is not before the current epoch is refused. */
static void test_mls_epochs_saved_checked(void **state)
{
	struct mls_group *r = NULL;
	struct tu_world w;
	uint8_t *s = NULL;
	size_t len = 0;
	uint64_t e;

	tu_world_init(&w, *state, 1);
	assert_int_equal(tu_grow_group(&w, 2), 0);
	next_epoch(&w, 0);
	next_epoch(&w, 1); /* past epochs 1 and 2 */
	e = w.p[0].g->past[0]->gc.epoch;
	w.p[0].g->past[0]->gc.epoch = 3; /* not before the current epoch (3) */
	/* The saved form holds the encoded context: re-encode the tampered one. */
	{
		struct codec_writer cw;
		struct mls_past_epoch *p = w.p[0].g->past[0];
		codec_writer_init(&cw, 1u << 16, CODEC_WRITER_NORMAL);
		assert_int_equal(mls_encode_group_context(&cw, &p->gc), 0);
		assert_int_equal(codec_writer_len(&cw), p->gc_len);
		memcpy(p->gc_enc, codec_writer_span(&cw).p, p->gc_len);
		codec_writer_clear(&cw);
		assert_int_equal(mls_group_serialize(w.p[0].g, &s, &len), 0);
		assert_int_equal(mls_group_deserialize(w.ctx, &w.cb, span_make(s, len), &r),
		                 KENH_E_PARSE);
		sec_free(s, len);
		p->gc.epoch = e;
		codec_writer_init(&cw, 1u << 16, CODEC_WRITER_NORMAL);
		assert_int_equal(mls_encode_group_context(&cw, &p->gc), 0);
		memcpy(p->gc_enc, codec_writer_span(&cw).p, p->gc_len);
		codec_writer_clear(&cw);
	}
	assert_int_equal(mls_group_serialize(w.p[0].g, &s, &len), 0);
	assert_int_equal(mls_group_deserialize(w.ctx, &w.cb, span_make(s, len), &r), 0);
	mls_group_free(r);
	sec_free(s, len);
	tu_world_clear(&w);
}

/*
 * The earlier state formats are still read: 1 (before past epochs) and 2
 * (before the ReInit), each the next one without its last field.
 */
static void test_mls_epochs_old_formats(void **state)
{
	struct mls_group *r = NULL;
	struct tu_world w;
	uint8_t *s = NULL, *s2 = NULL;
	size_t len = 0, l2 = 0, drop;
	uint16_t f;

	tu_world_init(&w, *state, 1);
	assert_int_equal(tu_create(&w, 0), 0);
	assert_int_equal(mls_group_serialize(w.p[0].g, &s, &len), 0);
	/* Format 3 ends with the count of past epochs (0) and an empty ReInit (0). */
	assert_int_equal(load_be16(s + 4), 3);
	assert_int_equal(s[len - 2], 0);
	assert_int_equal(s[len - 1], 0);
	for (f = 2, drop = 1; f >= 1; f--, drop++) {
		store_be16(s + 4, f);
		assert_int_equal(mls_group_deserialize(w.ctx, &w.cb, span_make(s, len), &r),
		                 KENH_E_TRAILING);
		assert_int_equal(mls_group_deserialize(w.ctx, &w.cb, span_make(s, len - drop), &r),
		                 0);
		/* Saved again, it is format 3. */
		assert_int_equal(mls_group_serialize(r, &s2, &l2), 0);
		store_be16(s + 4, 3);
		assert_int_equal(l2, len);
		assert_memory_equal(s2, s, len);
		mls_group_free(r);
		r = NULL;
		sec_free(s2, l2);
	}
	sec_free(s, len);
	tu_world_clear(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mls_epochs_late_application),
		cmocka_unit_test(test_mls_epochs_sender_of_then),
		cmocka_unit_test(test_mls_epochs_late_handshake),
		cmocka_unit_test(test_mls_epochs_removed_late),
		cmocka_unit_test(test_mls_epochs_saved),
		cmocka_unit_test(test_mls_epochs_saved_checked),
		cmocka_unit_test(test_mls_epochs_old_formats),
	};

	return cmocka_run_group_tests(tests, setup_ctx, teardown_ctx);
}
