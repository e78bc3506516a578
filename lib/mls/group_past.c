/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Past epochs kept for late application messages (RFC 9420 §15.3). When a
 * Commit moves a group on, the old epoch's secret tree, sender_data_secret
 * and GroupContext stay for MLS_GROUP_PAST_EPOCHS more epochs, so that a
 * PrivateMessage sent before the Commit and delivered after it still opens
 * (§6.3); then a later Commit pushes them out and they are wiped (§9.2).
 * A past epoch's senders are checked against the signature keys they had
 * then: rather than a second ratchet tree, a past epoch keeps only the
 * keys that differ from the current tree's (a leaf removed, re-keyed or
 * filled since), so the cost follows the changes, not the group's size.
 * Also the saved form of the past epochs in the group state.
 */
#include "mls/group.h"

#include "util/compat.h"

#include <stdlib.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/framing.h"
#include "util/mem.h"

_Static_assert(MLS_GROUP_PAST_EPOCHS >= 1 && MLS_GROUP_PAST_EPOCHS < 256, "one byte counts them");

static void past_free(struct mls_past_epoch *p)
{
	if (p == NULL) return;
	mls_group_context_clear(&p->gc);
	mem_free(p->gc_enc);
	mls_secret_tree_clear(&p->st);
	mem_free(p->keys); /* public keys */
	sec_free(p, sizeof(*p));
}

void mls_group_past_clear(struct mls_group *g)
{
	size_t i;

	for (i = 0; i < g->n_past; i++) {
		past_free(g->past[i]);
		g->past[i] = NULL;
	}
	g->n_past = 0;
}

struct mls_past_epoch *mls_group_past_find(struct mls_group *g, uint64_t epoch)
{
	size_t i;

	for (i = 0; i < g->n_past; i++)
		if (g->past[i]->gc.epoch == epoch) return g->past[i];
	return NULL;
}

/* The signature key of leaf in t; empty for a blank leaf or one outside the tree. */
static struct kenh_span leaf_key(const struct mls_rtree *t, uint32_t leaf)
{
	const struct mls_leaf_node *ln = mls_rtree_leaf(t, leaf);

	return ln != NULL ? ln->signature_key : span_make(NULL, 0);
}

/* Whether leaf has the same signature key in a and b (a shared node certainly has). */
static bool same_key(const struct mls_rtree *a, const struct mls_rtree *b, uint32_t leaf)
{
	uint32_t x = mls_tree_leaf_node(leaf);

	if (mls_rtree_node(a, x) == mls_rtree_node(b, x)) return true;
	return span_eq(leaf_key(a, leaf), leaf_key(b, leaf));
}

static int set_key(struct mls_past_key *k, uint32_t leaf, struct kenh_span key)
{
	if (key.len > sizeof(k->key)) return KENH_ERR(KENH_E_INTERNAL);
	memset(k, 0, sizeof(*k));
	k->leaf = leaf;
	k->len = (uint8_t)key.len;
	if (key.len != 0) memcpy(k->key, key.p, key.len);
	return 0;
}

/* The leaves whose key in old differs from next's, with old's key, by leaf. */
static int key_changes(const struct mls_rtree *old, const struct mls_rtree *next,
                       struct mls_past_key **out, size_t *n)
{
	uint32_t i, width = old->n_leaves > next->n_leaves ? old->n_leaves : next->n_leaves;
	size_t k = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	for (i = 0; i < width; i++)
		if (!same_key(old, next, i)) k++;
	if (k == 0) return 0;
	if ((rc = mem_calloc(k, sizeof(**out), (void **)out)) != 0) return rc;
	for (i = 0, k = 0; i < width && rc == 0; i++)
		if (!same_key(old, next, i)) rc = set_key(&(*out)[k++], i, leaf_key(old, i));
	if (rc != 0) {
		mem_free(*out);
		*out = NULL;
		return rc;
	}
	*n = k;
	return 0;
}

/*
 * The keys of past epoch p once the current tree changes by `diff`: p's own
 * entries stand (they are older truth); a changed leaf p has no entry for
 * had, in p's epoch, the key it had until now, which diff holds. Both lists
 * are sorted by leaf, and so is the result.
 */
static int merge_keys(const struct mls_past_epoch *p, const struct mls_past_key *diff,
                      size_t n_diff, struct mls_past_key **out, size_t *n)
{
	size_t i = 0, j = 0, k = 0;
	int rc;

	*out = NULL;
	*n = 0;
	if ((rc = mem_calloc(p->n_keys + n_diff + 1, sizeof(**out), (void **)out)) != 0) return rc;
	while (i < p->n_keys || j < n_diff) {
		if (j == n_diff || (i < p->n_keys && p->keys[i].leaf <= diff[j].leaf)) {
			if (j < n_diff && p->keys[i].leaf == diff[j].leaf) j++;
			(*out)[k++] = p->keys[i++];
		} else {
			(*out)[k++] = diff[j++];
		}
	}
	*n = k;
	return 0;
}

/* A past epoch made of g's current one: everything but the secret tree and the keys. */
static int past_new(const struct mls_group *g, struct mls_past_epoch **out)
{
	struct mls_past_epoch *p = NULL;
	struct codec_reader r;
	int rc;

	*out = NULL;
	if ((rc = sec_alloc(sizeof(*p), (void **)&p)) != 0) return rc;
	if ((rc = mem_dup(g->gc_enc, g->gc_len, &p->gc_enc)) != 0) goto out;
	p->gc_len = g->gc_len;
	codec_reader_init(&r, p->gc_enc, p->gc_len);
	if ((rc = mls_decode_group_context(&r, &p->gc)) == 0) rc = codec_reader_done(&r);
	if (rc != 0) goto out;
	memcpy(p->sender_data_secret, g->es.sender_data_secret, g->cs->kdf->nh);
	*out = p;
	p = NULL;
out:
	past_free(p);
	return rc;
}

/* Everything a retirement allocates before it changes anything. */
struct retire {
	struct mls_past_key *diff;
	size_t n_diff;
	struct mls_past_key *merged[MLS_GROUP_PAST_EPOCHS];
	size_t n_merged[MLS_GROUP_PAST_EPOCHS];
	struct mls_past_epoch *p;
};

static void retire_clear(struct retire *t)
{
	size_t i;

	mem_free(t->diff);
	for (i = 0; i < MLS_GROUP_PAST_EPOCHS; i++)
		mem_free(t->merged[i]);
	past_free(t->p);
	memset(t, 0, sizeof(*t));
}

/* The part that cannot fail: first is the index of g's oldest past epoch that stays. */
static void retire_commit(struct mls_group *g, struct mls_group *next, struct retire *t,
                          size_t first)
{
	size_t i;

	for (i = 0; i < first; i++)
		past_free(g->past[i]);
	for (i = first; i < g->n_past; i++) {
		mem_free(g->past[i]->keys);
		g->past[i]->keys = t->merged[i];
		g->past[i]->n_keys = t->n_merged[i];
		t->merged[i] = NULL;
		next->past[next->n_past++] = g->past[i];
	}
	memset(g->past, 0, sizeof(g->past));
	g->n_past = 0;
	t->p->keys = t->diff;
	t->p->n_keys = t->n_diff;
	t->diff = NULL;
	/* The secret tree moves: its unconsumed keys now live only in the past epoch. */
	t->p->st = g->st;
	memset(&g->st, 0, sizeof(g->st));
	next->past[next->n_past++] = t->p;
	t->p = NULL;
}

int mls_group_retire(struct mls_group *g, struct mls_group *next)
{
	struct retire t;
	size_t i, first;
	int rc;

	memset(&t, 0, sizeof(t));
	if (next->n_past != 0) return KENH_ERR(KENH_E_INTERNAL);
	/* RFC 9420 §9.2, §15.3: the oldest kept epoch ages out now. */
	first = g->n_past == MLS_GROUP_PAST_EPOCHS ? 1 : 0;
	if ((rc = key_changes(g->tree, next->tree, &t.diff, &t.n_diff)) != 0) goto out;
	for (i = first; i < g->n_past; i++) {
		rc = merge_keys(g->past[i], t.diff, t.n_diff, &t.merged[i], &t.n_merged[i]);
		if (rc != 0) goto out;
	}
	if ((rc = past_new(g, &t.p)) != 0) goto out;
	retire_commit(g, next, &t, first);
out:
	retire_clear(&t);
	return rc;
}

static int cmp_leaf(const void *key, const void *elem)
{
	uint32_t a = *(const uint32_t *)key, b = ((const struct mls_past_key *)elem)->leaf;

	return a < b ? -1 : a > b;
}

/*
 * The framing layer's look-up for a past epoch (§6.3.2): the key the leaf
 * had then, from the past epoch's own entries or, if it has not changed
 * since, from the current tree. A leaf blank then is KENH_E_NOT_FOUND.
 */
static int past_sender_key(void *arg, const struct mls_sender *sender, struct kenh_span *key)
{
	const struct mls_past_view *v = arg;
	const struct mls_past_key *k = NULL;

	*key = span_make(NULL, 0);
	if (sender->sender_type != MLS_SENDER_MEMBER) return KENH_ERR(KENH_E_PROTO);
	if (v->p->n_keys != 0)
		k = bsearch(&sender->leaf_index, v->p->keys, v->p->n_keys, sizeof(*k), cmp_leaf);
	*key = k != NULL ? span_make(k->key, k->len) : leaf_key(v->g->tree, sender->leaf_index);
	return key->len != 0 ? 0 : KENH_ERR(KENH_E_NOT_FOUND);
}

void mls_group_past_framing(struct mls_group *g, struct mls_past_epoch *p, struct mls_past_view *v,
                            struct mls_framing_epoch *out)
{
	v->g = g;
	v->p = p;
	memset(out, 0, sizeof(*out));
	out->ctx = g->ctx;
	out->cs = g->cs;
	out->gc = &p->gc;
	out->sender_data_secret = p->sender_data_secret;
	out->secret_tree = &p->st;
	out->sender_key = past_sender_key;
	out->sender_key_arg = v;
}

/* ------------------------------------------------------------ saved form */

/*
 *   uint8 n;
 *   { opaque group_context<V>; opaque sender_data_secret[Nh]; SecretTree;
 *     uint32 n_keys; { uint32 leaf; opaque signature_key<V>; }[n_keys] }[n]
 */
int mls_group_past_encode(const struct mls_group *g, struct codec_writer *w)
{
	const struct mls_past_epoch *p;
	size_t i, k;
	int rc;

	codec_write_u8(w, (uint8_t)g->n_past);
	for (i = 0; i < g->n_past; i++) {
		p = g->past[i];
		codec_write_opaque(w, p->gc_enc, p->gc_len);
		codec_write_bytes(w, p->sender_data_secret, g->cs->kdf->nh);
		if ((rc = mls_secret_tree_encode(&p->st, w)) != 0) return rc;
		codec_write_u32(w, (uint32_t)p->n_keys);
		for (k = 0; k < p->n_keys; k++) {
			codec_write_u32(w, p->keys[k].leaf);
			codec_write_opaque(w, p->keys[k].key, p->keys[k].len);
		}
	}
	return codec_writer_err(w);
}

/* A past epoch's GroupContext: of g's group and suite, and before g's epoch and after prev. */
static int get_past_context(struct codec_reader *r, const struct mls_group *g,
                            struct mls_past_epoch *p, uint64_t prev)
{
	struct codec_reader cr;
	struct kenh_span s;
	int rc;

	if ((rc = codec_read_opaque(r, LIMIT_MLS_MESSAGE, &s)) != 0) return rc;
	if ((rc = span_dup(s, &p->gc_enc)) != 0) return rc;
	p->gc_len = s.len;
	codec_reader_init(&cr, p->gc_enc, p->gc_len);
	if ((rc = mls_decode_group_context(&cr, &p->gc)) == 0) rc = codec_reader_done(&cr);
	if (rc != 0) return rc;
	if (!span_eq(p->gc.group_id, g->gc.group_id) || p->gc.cipher_suite != g->gc.cipher_suite ||
	    p->gc.version != g->gc.version || p->gc.epoch >= g->gc.epoch ||
	    (prev != UINT64_MAX && p->gc.epoch <= prev))
		return KENH_ERR(KENH_E_PARSE);
	return 0;
}

static int get_keys(struct codec_reader *r, struct mls_past_epoch *p)
{
	struct kenh_span key;
	uint32_t n = 0, i;
	int rc;

	codec_read_u32(r, &n);
	if ((rc = codec_reader_err(r)) != 0) return rc;
	/* Each entry takes at least 5 bytes: never allocate past what is there. */
	if (n > LIMIT_MEMBERS || n > codec_reader_remaining(r) / 5) return KENH_ERR(KENH_E_PARSE);
	if (n == 0) return 0;
	if ((rc = mem_calloc(n, sizeof(*p->keys), (void **)&p->keys)) != 0) return rc;
	p->n_keys = n;
	for (i = 0; i < n; i++) {
		codec_read_u32(r, &p->keys[i].leaf);
		codec_read_opaque(r, CRYPTO_MAX_SIG_PK, &key);
		if ((rc = codec_reader_err(r)) != 0) return rc;
		if (i > 0 && p->keys[i].leaf <= p->keys[i - 1].leaf) return KENH_ERR(KENH_E_PARSE);
		if ((rc = set_key(&p->keys[i], p->keys[i].leaf, key)) != 0) return rc;
	}
	return 0;
}

static int get_past(struct codec_reader *r, struct mls_group *g, struct mls_past_epoch *p,
                    uint64_t prev)
{
	int rc;

	if ((rc = get_past_context(r, g, p, prev)) != 0) return rc;
	codec_read_bytes(r, p->sender_data_secret, g->cs->kdf->nh);
	if ((rc = codec_reader_err(r)) != 0) return rc;
	if ((rc = mls_secret_tree_decode(&p->st, g->cs, r)) != 0) return rc;
	return get_keys(r, p);
}

int mls_group_past_decode(struct mls_group *g, struct codec_reader *r)
{
	uint64_t prev = UINT64_MAX;
	uint8_t n = 0;
	size_t i;
	int rc;

	codec_read_u8(r, &n);
	if ((rc = codec_reader_err(r)) != 0) return rc;
	if (n > MLS_GROUP_PAST_EPOCHS) return KENH_ERR(KENH_E_PARSE);
	for (i = 0; i < n; i++) {
		if ((rc = sec_alloc(sizeof(*g->past[i]), (void **)&g->past[i])) != 0) return rc;
		/* Counted at once, so a failure below frees it with the group. */
		g->n_past = i + 1;
		if ((rc = get_past(r, g, g->past[i], prev)) != 0) return rc;
		prev = g->past[i]->gc.epoch;
	}
	return 0;
}
