/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The secret tree and its per-leaf hash ratchets (RFC 9420 §9, §9.1), kept
 * by the deletion schedule of §9.2, and the sender-data key and nonce
 * (§6.3.2). The tree is sparse and lazy: it holds a sorted array of
 * entries, each either an unconsumed node secret or the two ratchets of a
 * leaf. Reaching a leaf for the first time derives the path from its lowest
 * stored ancestor down to it, deletes the path's secrets, stores the
 * copath's and turns the leaf secret into its two ratchets; the entries
 * always form an antichain that covers every leaf not yet reached. Each
 * ratchet keeps the keys of skipped generations in a bounded cache for
 * out-of-order messages (limits in mls_keys.h).
 *
 * Left to the framing layer: drawing the reuse_guard, checking that the
 * sender's leaf is not blank, and the AEAD operations themselves.
 */
#include "mls/mls_keys.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "util/mem.h"

/* A kept key: a skipped generation, or one handed out and not yet consumed. */
struct st_key {
	uint32_t generation;
	uint8_t key[CRYPTO_MAX_AEAD_KEY]; /* secret */
	uint8_t nonce[CRYPTO_MAX_NONCE];  /* secret */
};

/* One hash ratchet of §9.1. */
struct st_ratchet {
	uint64_t next;                   /* generation of secret; 2^32 when exhausted */
	uint8_t secret[CRYPTO_MAX_HASH]; /* secret: ratchet_secret_[N]_[next] */
	struct st_key *past;             /* secret; sorted by generation; sec_alloc'd */
	size_t n_past;
	size_t cap_past;
};

struct mls_st_entry {
	uint32_t node;
	bool has_ratchets;
	uint8_t secret[CRYPTO_MAX_HASH]; /* secret: tree_node_[node]_secret until has_ratchets */
	struct st_ratchet ratchet[2];    /* indexed by enum mls_ratchet_type */
};

#define GENERATION_END ((uint64_t)UINT32_MAX + 1)

void mls_key_nonce_clear(struct mls_key_nonce *kn)
{
	if (kn != NULL) sec_zero(kn, sizeof(*kn));
}

void mls_key_nonce_apply_reuse_guard(struct mls_key_nonce *kn, const uint8_t guard[static 4])
{
	size_t i;

	/* RFC 9420 §6.3.1: the guard is XORed with the first four bytes of the nonce. */
	for (i = 0; i < 4 && i < kn->nonce_len; i++)
		kn->nonce[i] ^= guard[i];
}

int mls_sender_data_key_nonce(const struct crypto_suite *cs, const uint8_t *sender_data_secret,
                              struct kenh_span ciphertext, struct mls_key_nonce *out)
{
	struct kenh_span sample = ciphertext;
	int rc;

	mls_key_nonce_clear(out);
	/* RFC 9420 §6.3.2: the sample is the first Nh bytes, or the whole ciphertext if shorter. */
	if (sample.len > cs->kdf->nh) sample.len = cs->kdf->nh;
	rc = mls_expand_with_label(cs, sender_data_secret, MLS_LABEL("key"), sample, out->key,
	                           cs->aead->nk);
	if (rc == 0)
		rc = mls_expand_with_label(cs, sender_data_secret, MLS_LABEL("nonce"), sample,
		                           out->nonce, cs->aead->nn);
	if (rc != 0) {
		mls_key_nonce_clear(out);
		return rc;
	}
	out->key_len = cs->aead->nk;
	out->nonce_len = cs->aead->nn;
	return 0;
}

static void free_past(struct st_ratchet *r)
{
	sec_free(r->past, r->cap_past * sizeof(*r->past));
	r->past = NULL;
	r->n_past = 0;
	r->cap_past = 0;
}

static void free_entry(struct mls_st_entry *e)
{
	if (e == NULL) return;
	free_past(&e->ratchet[0]);
	free_past(&e->ratchet[1]);
	sec_free(e, sizeof(*e));
}

void mls_secret_tree_clear(struct mls_secret_tree *st)
{
	size_t i;

	if (st == NULL) return;
	for (i = 0; i < st->n_entries; i++)
		free_entry(st->entries[i]);
	mem_free(st->entries);
	sec_zero(st, sizeof(*st));
}

size_t mls_secret_tree_stored(const struct mls_secret_tree *st)
{
	return st->n_entries;
}

static int check_limits(const struct mls_secret_tree_limits *l)
{
	if (l->max_forward > MLS_ST_CEILING_FORWARD) return KENH_ERR(KENH_E_INVALID_ARG);
	if (l->max_past == 0 || l->max_past > MLS_ST_CEILING_PAST)
		return KENH_ERR(KENH_E_INVALID_ARG);
	if (l->max_past_total == 0 || l->max_past_total > MLS_ST_CEILING_PAST_TOTAL)
		return KENH_ERR(KENH_E_INVALID_ARG);
	return 0;
}

/* Room for `extra` more entry pointers (the array holds pointers, no secret). */
static int reserve_entries(struct mls_secret_tree *st, size_t extra)
{
	size_t need, cap;
	void *p = NULL;
	int rc;

	if ((rc = size_add(st->n_entries, extra, &need)) != 0) return KENH_ERR(rc);
	if (need <= st->cap_entries) return 0;
	cap = st->cap_entries * 2 > need ? st->cap_entries * 2 : need;
	if (cap < 8) cap = 8;
	if ((rc = mem_grow(st->entries, cap, sizeof(*st->entries), &p)) != 0) return rc;
	st->entries = p;
	st->cap_entries = cap;
	return 0;
}

int mls_secret_tree_init(struct mls_secret_tree *st, const struct crypto_suite *cs,
                         const uint8_t *encryption_secret, uint32_t n_leaves,
                         const struct mls_secret_tree_limits *limits)
{
	static const struct mls_secret_tree_limits defaults = { MLS_ST_DEFAULT_MAX_FORWARD,
		                                                MLS_ST_DEFAULT_MAX_PAST,
		                                                MLS_ST_DEFAULT_MAX_PAST_TOTAL };
	struct mls_st_entry *root = NULL;
	int rc;

	memset(st, 0, sizeof(*st));
	if (!mls_tree_is_valid_size(n_leaves)) return KENH_ERR(KENH_E_INVALID_ARG);
	st->limits = limits != NULL ? *limits : defaults;
	if ((rc = check_limits(&st->limits)) != 0) goto out;
	st->cs = cs;
	st->n_leaves = n_leaves;
	if ((rc = reserve_entries(st, 1)) != 0) goto out;
	if ((rc = sec_alloc(sizeof(*root), (void **)&root)) != 0) goto out;
	/* RFC 9420 §9: the root of the secret tree is the encryption_secret. */
	if ((rc = mls_tree_root(n_leaves, &root->node)) != 0) goto out;
	memcpy(root->secret, encryption_secret, cs->kdf->nh);
	st->entries[0] = root;
	st->n_entries = 1;
	root = NULL;
out:
	free_entry(root);
	if (rc != 0) mls_secret_tree_clear(st);
	return rc;
}

/* Binary search: true if node is stored, with *at its index (else where it would go). */
static bool find_entry(const struct mls_secret_tree *st, uint32_t node, size_t *at)
{
	size_t lo = 0, hi = st->n_entries;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (st->entries[mid]->node < node) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	*at = lo;
	return lo < st->n_entries && st->entries[lo]->node == node;
}

/* The stored entry covering leaf node x: x itself or its lowest stored ancestor. */
static int find_cover(const struct mls_secret_tree *st, uint32_t x, size_t *at)
{
	size_t steps;
	int rc;

	for (steps = 0; steps <= MLS_TREE_MAX_DEPTH; steps++) {
		if (find_entry(st, x, at)) return 0;
		/* Reaching the root without a hit would break the cover invariant. */
		if ((rc = mls_tree_parent(x, st->n_leaves, &x)) != 0)
			return KENH_ERR(KENH_E_INTERNAL);
	}
	return KENH_ERR(KENH_E_INTERNAL);
}

/* RFC 9420 §9: the handshake and application ratchets start from the leaf secret. */
static int start_ratchets(const struct crypto_suite *cs, struct mls_st_entry *e)
{
	int rc;

	rc = mls_expand_with_label(cs, e->secret, MLS_LABEL("handshake"), span_make(NULL, 0),
	                           e->ratchet[MLS_RATCHET_HANDSHAKE].secret, cs->kdf->nh);
	if (rc == 0)
		rc = mls_expand_with_label(cs, e->secret, MLS_LABEL("application"),
		                           span_make(NULL, 0),
		                           e->ratchet[MLS_RATCHET_APPLICATION].secret, cs->kdf->nh);
	/* §9.2: the leaf secret is consumed once its ratchets exist. */
	sec_zero(e->secret, sizeof(e->secret));
	e->has_ratchets = rc == 0;
	return rc;
}

/* Sort at most MLS_TREE_MAX_DEPTH + 1 fresh entries by node index. */
static void sort_entries(struct mls_st_entry **v, size_t n)
{
	size_t i, j;

	for (i = 1; i < n; i++) {
		struct mls_st_entry *e = v[i];

		for (j = i; j > 0 && v[j - 1]->node > e->node; j--)
			v[j] = v[j - 1];
		v[j] = e;
	}
}

/*
 * Walk from parent secret `cur` (node p) down to leaf x: at each level keep
 * the copath child's secret in fresh[i] and continue with the path child.
 * RFC 9420 §9: children get ExpandWithLabel(., "tree", "left"/"right", Nh).
 */
static int derive_down(const struct crypto_suite *cs, uint32_t p, uint32_t x, uint8_t *cur,
                       struct mls_st_entry **fresh)
{
	uint8_t kids[2][CRYPTO_MAX_HASH]; /* secret */
	size_t nh = cs->kdf->nh, i = 0;
	int rc = 0;

	while (!mls_tree_is_leaf(p)) {
		uint32_t k = mls_tree_level(p);
		uint32_t child[2] = { p ^ (1u << (k - 1)), p ^ (3u << (k - 1)) };
		size_t on = x < p ? 0 : 1;

		rc = mls_expand_with_label(cs, cur, MLS_LABEL("tree"), MLS_LABEL("left"), kids[0],
		                           nh);
		if (rc == 0)
			rc = mls_expand_with_label(cs, cur, MLS_LABEL("tree"), MLS_LABEL("right"),
			                           kids[1], nh);
		if (rc != 0) goto out;
		fresh[i]->node = child[1 - on];
		memcpy(fresh[i]->secret, kids[1 - on], nh);
		memcpy(cur, kids[on], nh);
		p = child[on];
		i++;
	}
out:
	sec_zero(kids, sizeof(kids));
	return rc;
}

/*
 * Replace the entry at `at` (x's lowest stored ancestor, possibly x itself)
 * by its copath entries and x's ratchets. Everything is built aside first,
 * so on failure the tree is unchanged.
 */
static int derive_path(struct mls_secret_tree *st, size_t at, uint32_t x)
{
	struct mls_st_entry *anc = st->entries[at];
	struct mls_st_entry *fresh[MLS_TREE_MAX_DEPTH + 1] = { NULL };
	uint8_t cur[CRYPTO_MAX_HASH]; /* secret */
	size_t n = (size_t)mls_tree_level(anc->node) + 1, i;
	int rc;

	if (n > MLS_TREE_MAX_DEPTH + 1) return KENH_ERR(KENH_E_INTERNAL);
	if ((rc = reserve_entries(st, n - 1)) != 0) goto out;
	for (i = 0; i < n; i++)
		if ((rc = sec_alloc(sizeof(*fresh[i]), (void **)&fresh[i])) != 0) goto out;
	memcpy(cur, anc->secret, st->cs->kdf->nh);
	if ((rc = derive_down(st->cs, anc->node, x, cur, fresh)) != 0) goto out;
	fresh[n - 1]->node = x;
	memcpy(fresh[n - 1]->secret, cur, st->cs->kdf->nh);
	if ((rc = start_ratchets(st->cs, fresh[n - 1])) != 0) goto out;
	/* The new entries all lie in anc's subtree, so sorted they take its slot. */
	sort_entries(fresh, n);
	memmove(&st->entries[at + n], &st->entries[at + 1],
	        (st->n_entries - at - 1) * sizeof(*st->entries));
	memcpy(&st->entries[at], fresh, n * sizeof(*fresh));
	st->n_entries += n - 1;
	memset(fresh, 0, sizeof(fresh));
	/* §9.2: the path's secrets are consumed. */
	free_entry(anc);
out:
	for (i = 0; i < n; i++)
		free_entry(fresh[i]);
	sec_zero(cur, sizeof(cur));
	return rc;
}

/* The ratchet t of leaf, deriving the path to the leaf on first use. */
static int leaf_ratchet(struct mls_secret_tree *st, uint32_t leaf, enum mls_ratchet_type t,
                        struct st_ratchet **out)
{
	uint32_t x;
	size_t at;
	int rc;

	*out = NULL;
	if (leaf >= st->n_leaves) return KENH_ERR(KENH_E_INVALID_ARG);
	if (t != MLS_RATCHET_HANDSHAKE && t != MLS_RATCHET_APPLICATION)
		return KENH_ERR(KENH_E_INVALID_ARG);
	x = mls_tree_leaf_node(leaf);
	if (!find_entry(st, x, &at) || !st->entries[at]->has_ratchets) {
		if ((rc = find_cover(st, x, &at)) != 0) return rc;
		if ((rc = derive_path(st, at, x)) != 0) return rc;
		if (!find_entry(st, x, &at)) return KENH_ERR(KENH_E_INTERNAL);
	}
	*out = &st->entries[at]->ratchet[t];
	return 0;
}

/* §9.1: ratchet_key_[N]_[g] and ratchet_nonce_[N]_[g] from ratchet_secret_[N]_[g]. */
static int derive_key(const struct crypto_suite *cs, const uint8_t *secret, uint32_t g,
                      struct st_key *k)
{
	int rc;

	k->generation = g;
	rc = mls_derive_tree_secret(cs, secret, MLS_LABEL("key"), g, k->key, cs->aead->nk);
	if (rc == 0)
		rc = mls_derive_tree_secret(cs, secret, MLS_LABEL("nonce"), g, k->nonce,
		                            cs->aead->nn);
	return rc;
}

/* §9.1: ratchet_secret_[N]_[g+1] = DeriveTreeSecret(ratchet_secret_[N]_[g], "secret", g, Nh). */
static int step_secret(const struct crypto_suite *cs, uint8_t *secret, uint64_t g)
{
	uint8_t next[CRYPTO_MAX_HASH]; /* secret */
	int rc = 0;

	/* Generation 2^32 cannot be named on the wire: the ratchet ends there. */
	if (g < UINT32_MAX) {
		rc = mls_derive_tree_secret(cs, secret, MLS_LABEL("secret"), (uint32_t)g, next,
		                            cs->kdf->nh);
		if (rc == 0) memcpy(secret, next, cs->kdf->nh);
	}
	if (g >= UINT32_MAX || rc != 0) sec_zero(secret, cs->kdf->nh);
	sec_zero(next, sizeof(next));
	return rc;
}

static void to_key_nonce(const struct crypto_suite *cs, const struct st_key *k,
                         struct mls_key_nonce *out)
{
	out->generation = k->generation;
	out->key_len = cs->aead->nk;
	out->nonce_len = cs->aead->nn;
	memcpy(out->key, k->key, cs->aead->nk);
	memcpy(out->nonce, k->nonce, cs->aead->nn);
}

int mls_secret_tree_encrypt_key(struct mls_secret_tree *st, uint32_t leaf, enum mls_ratchet_type t,
                                struct mls_key_nonce *out)
{
	uint8_t secret[CRYPTO_MAX_HASH]; /* secret */
	struct st_key k;                 /* secret */
	struct st_ratchet *r;
	int rc;

	mls_key_nonce_clear(out);
	memset(&k, 0, sizeof(k));
	if ((rc = leaf_ratchet(st, leaf, t, &r)) != 0) goto out;
	if (r->next >= GENERATION_END) {
		rc = KENH_ERR(KENH_E_STATE);
		goto out;
	}
	memcpy(secret, r->secret, st->cs->kdf->nh);
	if ((rc = derive_key(st->cs, secret, (uint32_t)r->next, &k)) != 0) goto out;
	if ((rc = step_secret(st->cs, secret, r->next)) != 0) goto out;
	/* §9.2: a key used to encrypt is consumed at once; only the next secret stays. */
	memcpy(r->secret, secret, st->cs->kdf->nh);
	r->next++;
	to_key_nonce(st->cs, &k, out);
out:
	sec_zero(secret, sizeof(secret));
	sec_zero(&k, sizeof(k));
	return rc;
}

/* Index of generation g in r's kept keys, or r->n_past if absent. */
static size_t find_past(const struct st_ratchet *r, uint32_t g)
{
	size_t lo = 0, hi = r->n_past;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r->past[mid].generation < g) {
			lo = mid + 1;
		} else {
			hi = mid;
		}
	}
	return lo < r->n_past && r->past[lo].generation == g ? lo : r->n_past;
}

/*
 * Move the kept keys to a new block of cap entries (R5.3: a block that held
 * secrets is never realloc'ed; copy, then wipe and free the old one).
 */
static int resize_past(struct st_ratchet *r, size_t cap)
{
	struct st_key *p = NULL;
	size_t bytes;
	int rc;

	if (cap == 0) {
		free_past(r);
		return 0;
	}
	if ((rc = size_mul(cap, sizeof(*p), &bytes)) != 0) return KENH_ERR(rc);
	if ((rc = sec_alloc(bytes, (void **)&p)) != 0) return rc;
	if (r->n_past != 0) memcpy(p, r->past, r->n_past * sizeof(*p));
	sec_free(r->past, r->cap_past * sizeof(*r->past));
	r->past = p;
	r->cap_past = cap;
	return 0;
}

/* Delete count kept keys from index at, wiping them; give back spare room. */
static void remove_past(struct mls_secret_tree *st, struct st_ratchet *r, size_t at, size_t count)
{
	size_t tail = r->n_past - at - count;

	if (count == 0) return;
	sec_zero(&r->past[at], count * sizeof(*r->past));
	memmove(&r->past[at], &r->past[at + count], tail * sizeof(*r->past));
	sec_zero(&r->past[at + tail], count * sizeof(*r->past));
	r->n_past -= count;
	st->n_past_total -= count;
	/* Shrinking is only an optimisation: if the copy cannot be made, keep the block. */
	if (r->cap_past > 2 * r->n_past + 8 && resize_past(r, r->n_past) != 0) return;
}

/*
 * Enforce the limits after r gained keys: drop r's oldest keys beyond
 * max_past, then more of them while the whole tree is over
 * max_past_total, but never r's newest (the one just asked for).
 */
static void evict_past(struct mls_secret_tree *st, struct st_ratchet *r)
{
	size_t drop = 0, over;

	if (r->n_past > st->limits.max_past) drop = r->n_past - st->limits.max_past;
	if (st->n_past_total - drop > st->limits.max_past_total) {
		over = st->n_past_total - drop - st->limits.max_past_total;
		if (over > r->n_past - drop - 1) over = r->n_past - drop - 1;
		drop += over;
	}
	remove_past(st, r, 0, drop);
}

/*
 * Move r from r->next to target + 1, appending the keys of generations
 * [lo, target] to r's kept keys, where lo keeps at most max_past of them.
 * All work happens beside the ratchet; it changes only on success.
 */
static int advance_to(struct mls_secret_tree *st, struct st_ratchet *r, uint32_t target)
{
	uint8_t secret[CRYPTO_MAX_HASH]; /* secret */
	uint64_t span = (uint64_t)target + 1 - r->next, g;
	size_t keep = span < st->limits.max_past ? (size_t)span : st->limits.max_past;
	size_t base = r->n_past, i = 0;
	int rc;

	if (base + keep > r->cap_past && (rc = resize_past(r, base + keep)) != 0) return rc;
	memcpy(secret, r->secret, st->cs->kdf->nh);
	for (g = r->next; g <= target; g++) {
		if (g >= (uint64_t)target + 1 - keep) {
			rc = derive_key(st->cs, secret, (uint32_t)g, &r->past[base + i]);
			if (rc != 0) goto out;
			i++;
		}
		if ((rc = step_secret(st->cs, secret, g)) != 0) goto out;
	}
	/* §9.2: every ratchet secret up to target is consumed; keys are kept instead. */
	memcpy(r->secret, secret, st->cs->kdf->nh);
	r->next = (uint64_t)target + 1;
	r->n_past = base + keep;
	st->n_past_total += keep;
	evict_past(st, r);
out:
	if (rc != 0) sec_zero(&r->past[base], keep * sizeof(*r->past));
	sec_zero(secret, sizeof(secret));
	return rc;
}

int mls_secret_tree_decrypt_key(struct mls_secret_tree *st, uint32_t leaf, enum mls_ratchet_type t,
                                uint32_t generation, struct mls_key_nonce *out)
{
	struct st_ratchet *r;
	size_t at;
	int rc;

	mls_key_nonce_clear(out);
	if ((rc = leaf_ratchet(st, leaf, t, &r)) != 0) return rc;
	if (generation >= r->next) {
		/* Refuse before hashing forward, so a hostile generation costs nothing. */
		if (generation - r->next > st->limits.max_forward)
			return KENH_ERR(KENH_E_TOO_LARGE);
		if ((rc = advance_to(st, r, generation)) != 0) return rc;
	}
	/* §9.2: a consumed key is gone, so a replayed generation cannot decrypt. */
	if ((at = find_past(r, generation)) == r->n_past) return KENH_ERR(KENH_E_DECRYPT);
	to_key_nonce(st->cs, &r->past[at], out);
	return 0;
}

void mls_secret_tree_consume(struct mls_secret_tree *st, uint32_t leaf, enum mls_ratchet_type t,
                             uint32_t generation)
{
	struct st_ratchet *r;
	size_t at;

	if (leaf >= st->n_leaves) return;
	if (t != MLS_RATCHET_HANDSHAKE && t != MLS_RATCHET_APPLICATION) return;
	if (!find_entry(st, mls_tree_leaf_node(leaf), &at) || !st->entries[at]->has_ratchets)
		return;
	r = &st->entries[at]->ratchet[t];
	if ((at = find_past(r, generation)) == r->n_past) return;
	remove_past(st, r, at, 1);
}

/* ------------------------------------------------------------------------ */
/* State bytes (for a group's saved state)                                   */
/* ------------------------------------------------------------------------ */

static void put_ratchet(const struct crypto_suite *cs, const struct st_ratchet *r,
                        struct codec_writer *w)
{
	size_t i;

	codec_write_u64(w, r->next);
	codec_write_bytes(w, r->secret, cs->kdf->nh);
	codec_write_u32(w, (uint32_t)r->n_past);
	for (i = 0; i < r->n_past; i++) {
		codec_write_u32(w, r->past[i].generation);
		codec_write_bytes(w, r->past[i].key, cs->aead->nk);
		codec_write_bytes(w, r->past[i].nonce, cs->aead->nn);
	}
}

int mls_secret_tree_encode(const struct mls_secret_tree *st, struct codec_writer *w)
{
	const struct mls_st_entry *e;
	size_t i;

	codec_write_u32(w, st->n_leaves);
	codec_write_u32(w, st->limits.max_forward);
	codec_write_u32(w, st->limits.max_past);
	codec_write_u32(w, st->limits.max_past_total);
	codec_write_u32(w, (uint32_t)st->n_entries);
	for (i = 0; i < st->n_entries; i++) {
		e = st->entries[i];
		codec_write_u32(w, e->node);
		codec_write_u8(w, e->has_ratchets ? 1 : 0);
		if (!e->has_ratchets) {
			codec_write_bytes(w, e->secret, st->cs->kdf->nh);
			continue;
		}
		put_ratchet(st->cs, &e->ratchet[0], w);
		put_ratchet(st->cs, &e->ratchet[1], w);
	}
	return codec_writer_err(w);
}

/* One ratchet: next generation in range, kept keys sorted, older than next, within max_past. */
static int get_ratchet(struct mls_secret_tree *st, struct codec_reader *r, struct st_ratchet *rt)
{
	const struct crypto_suite *cs = st->cs;
	uint32_t n = 0, i;
	int rc;

	codec_read_u64(r, &rt->next);
	codec_read_bytes(r, rt->secret, cs->kdf->nh);
	codec_read_u32(r, &n);
	if ((rc = codec_reader_err(r)) != 0) return rc;
	if (rt->next > GENERATION_END || n > st->limits.max_past + 1u)
		return KENH_ERR(KENH_E_PARSE);
	if (n != 0 && (rc = resize_past(rt, n)) != 0) return rc;
	for (i = 0; i < n; i++) {
		codec_read_u32(r, &rt->past[i].generation);
		codec_read_bytes(r, rt->past[i].key, cs->aead->nk);
		codec_read_bytes(r, rt->past[i].nonce, cs->aead->nn);
		if ((rc = codec_reader_err(r)) != 0) return rc;
		rt->n_past = i + 1;
		if (rt->past[i].generation >= rt->next ||
		    (i > 0 && rt->past[i].generation <= rt->past[i - 1].generation))
			return KENH_ERR(KENH_E_PARSE);
	}
	st->n_past_total += n;
	return 0;
}

/* The leaves under node x (level k): [lo, hi]. */
static void leaf_span(uint32_t x, uint32_t *lo, uint32_t *hi)
{
	uint32_t half = (1u << mls_tree_level(x)) - 1u;

	*lo = (x - half) / 2;
	*hi = (x + half) / 2;
}

static int get_entry(struct mls_secret_tree *st, struct codec_reader *r, uint32_t *next_leaf)
{
	struct mls_st_entry *e = NULL;
	uint32_t lo, hi;
	uint8_t has = 0;
	int rc;

	if ((rc = sec_alloc(sizeof(*e), (void **)&e)) != 0) return rc;
	st->entries[st->n_entries++] = e;
	codec_read_u32(r, &e->node);
	codec_read_u8(r, &has);
	if ((rc = codec_reader_err(r)) != 0) return rc;
	if (has > 1 || e->node >= mls_tree_node_width(st->n_leaves)) return KENH_ERR(KENH_E_PARSE);
	/* The entries tile the leaves in order: each covers the leaves after the last one's. */
	leaf_span(e->node, &lo, &hi);
	if (lo != *next_leaf || hi >= st->n_leaves) return KENH_ERR(KENH_E_PARSE);
	*next_leaf = hi + 1;
	e->has_ratchets = has == 1;
	if (!e->has_ratchets) {
		codec_read_bytes(r, e->secret, st->cs->kdf->nh);
		return codec_reader_err(r);
	}
	if (!mls_tree_is_leaf(e->node)) return KENH_ERR(KENH_E_PARSE);
	if ((rc = get_ratchet(st, r, &e->ratchet[0])) != 0) return rc;
	return get_ratchet(st, r, &e->ratchet[1]);
}

int mls_secret_tree_decode(struct mls_secret_tree *st, const struct crypto_suite *cs,
                           struct codec_reader *r)
{
	uint32_t n = 0, next_leaf = 0, i;
	int rc;

	memset(st, 0, sizeof(*st));
	st->cs = cs;
	codec_read_u32(r, &st->n_leaves);
	codec_read_u32(r, &st->limits.max_forward);
	codec_read_u32(r, &st->limits.max_past);
	codec_read_u32(r, &st->limits.max_past_total);
	codec_read_u32(r, &n);
	if ((rc = codec_reader_err(r)) != 0) goto out;
	/* At most one entry per leaf, and each takes at least five bytes. */
	if (!mls_tree_is_valid_size(st->n_leaves) || check_limits(&st->limits) != 0 || n == 0 ||
	    n > st->n_leaves || n > codec_reader_remaining(r) / 5) {
		rc = KENH_ERR(KENH_E_PARSE);
		goto out;
	}
	if ((rc = reserve_entries(st, n)) != 0) goto out;
	for (i = 0; i < n; i++)
		if ((rc = get_entry(st, r, &next_leaf)) != 0) goto out;
	rc = next_leaf == st->n_leaves ? 0 : KENH_ERR(KENH_E_PARSE);
out:
	if (rc != 0) mls_secret_tree_clear(st);
	return rc;
}
