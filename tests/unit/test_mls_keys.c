/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests for the MLS cryptographic core (lib/mls/mls_keys.h): tree math
 * invariants by seeded random walk over every valid size up to 1024 leaves
 * (and the largest tree), the labelled functions' failure cases
 * (flip-each-bit signatures and confirmation tags, DecryptWithLabel with a
 * wrong label or context, EncryptWithLabel from a precomputed context
 * hash, ExpandWithLabel length bounds), SignWithLabel
 * with an imported key and VerifyWithLabel through the cache of imported
 * public keys (replacement, refused keys left out), the secret tree
 * (sender and receiver agree, out-of-order delivery inside the window,
 * refusal beyond it, replay after consumption, eviction under both limits,
 * lazy derivation for a 10,000-member group, allocation failure at every
 * step), the key schedule and PSK edge cases, and that every _clear leaves
 * its struct all zero bytes (R5.8).
 */
#include "mls/mls_keys.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>

#include <cmocka.h>

#include "kenh/kenh.h"
#include "util/mem.h"

/* ---------------------------------------------------------------- helpers */

/* A deterministic generator (splitmix64); rand() is banned (R15.6). */
struct prng {
	uint64_t s;
};

static uint64_t prng_next(struct prng *g)
{
	uint64_t z = (g->s += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static uint32_t prng_below(struct prng *g, uint32_t n)
{
	return (uint32_t)(prng_next(g) % n);
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0) return false;
	return true;
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

static const struct crypto_suite *suite(void **state, uint16_t id)
{
	const struct crypto_suite *cs = crypto_suite_get(*state, id);

	assert_non_null(cs);
	return cs;
}

/* ------------------------------------------------------------- tree math */

/* Every relation around x that must hold in a full tree of n leaves. */
static void check_node(uint32_t x, uint32_t n)
{
	uint32_t root, l, r, p, s, t;

	assert_int_equal(mls_tree_root(n, &root), 0);
	if (mls_tree_is_leaf(x)) {
		assert_int_equal(mls_tree_level(x), 0);
		assert_int_equal(mls_tree_left(x, n, &l), KENH_E_INVALID_ARG);
		assert_int_equal(mls_tree_right(x, n, &r), KENH_E_INVALID_ARG);
	} else {
		assert_int_equal(mls_tree_left(x, n, &l), 0);
		assert_int_equal(mls_tree_right(x, n, &r), 0);
		assert_true(l < x && x < r);
		assert_int_equal(mls_tree_level(l) + 1, mls_tree_level(x));
		assert_int_equal(mls_tree_level(r) + 1, mls_tree_level(x));
		assert_int_equal(mls_tree_parent(l, n, &t), 0);
		assert_int_equal(t, x);
		assert_int_equal(mls_tree_parent(r, n, &t), 0);
		assert_int_equal(t, x);
		assert_int_equal(mls_tree_sibling(l, n, &t), 0);
		assert_int_equal(t, r);
	}
	if (x == root) {
		assert_int_equal(mls_tree_parent(x, n, &p), KENH_E_INVALID_ARG);
		assert_int_equal(mls_tree_sibling(x, n, &s), KENH_E_INVALID_ARG);
		return;
	}
	assert_int_equal(mls_tree_parent(x, n, &p), 0);
	assert_int_equal(mls_tree_level(p), mls_tree_level(x) + 1);
	assert_int_equal(mls_tree_sibling(x, n, &s), 0);
	assert_int_not_equal(s, x);
	assert_int_equal(mls_tree_parent(s, n, &t), 0);
	assert_int_equal(t, p);
	assert_int_equal(mls_tree_sibling(s, n, &t), 0);
	assert_int_equal(t, x);
}

/* Direct path and copath of x: lengths, order, and their relation. */
static void check_paths(uint32_t x, uint32_t n)
{
	uint32_t path[MLS_TREE_MAX_DEPTH], copath[MLS_TREE_MAX_DEPTH], root, prev = x, t;
	size_t len, clen, i;

	assert_int_equal(mls_tree_root(n, &root), 0);
	assert_int_equal(mls_tree_direct_path(x, n, path, &len), 0);
	assert_int_equal(mls_tree_copath(x, n, copath, &clen), 0);
	assert_int_equal(len, clen);
	assert_int_equal(len, mls_tree_level(root) - mls_tree_level(x));
	for (i = 0; i < len; i++) {
		assert_int_equal(mls_tree_parent(prev, n, &t), 0);
		assert_int_equal(path[i], t);
		assert_int_equal(mls_tree_sibling(prev, n, &t), 0);
		assert_int_equal(copath[i], t);
		prev = path[i];
	}
	assert_int_equal(prev, root);
}

/* True if a is x or on x's direct path. */
static bool is_ancestor_or_self(uint32_t a, uint32_t x, uint32_t n)
{
	uint32_t path[MLS_TREE_MAX_DEPTH];
	size_t len, i;

	if (a == x) return true;
	assert_int_equal(mls_tree_direct_path(x, n, path, &len), 0);
	for (i = 0; i < len; i++)
		if (path[i] == a) return true;
	return false;
}

static void check_common_ancestor(uint32_t x, uint32_t y, uint32_t n)
{
	uint32_t a, l, r;

	assert_int_equal(mls_tree_common_ancestor(x, y, n, &a), 0);
	assert_true(is_ancestor_or_self(a, x, n));
	assert_true(is_ancestor_or_self(a, y, n));
	/* Lowest: no child of a is a common ancestor too. */
	if (mls_tree_is_leaf(a)) return;
	assert_int_equal(mls_tree_left(a, n, &l), 0);
	assert_int_equal(mls_tree_right(a, n, &r), 0);
	assert_false(is_ancestor_or_self(l, x, n) && is_ancestor_or_self(l, y, n));
	assert_false(is_ancestor_or_self(r, x, n) && is_ancestor_or_self(r, y, n));
}

/* The next node of the walk: a child, the parent or a random node. */
static uint32_t walk_step(struct prng *g, uint32_t x, uint32_t n)
{
	uint32_t next = x;

	switch (prng_below(g, 4)) {
	case 0:
		if (mls_tree_left(x, n, &next) != 0) next = x;
		break;
	case 1:
		if (mls_tree_right(x, n, &next) != 0) next = x;
		break;
	case 2:
		if (mls_tree_parent(x, n, &next) != 0) next = x;
		break;
	default:
		next = prng_below(g, mls_tree_node_width(n));
		break;
	}
	return next;
}

static void test_mls_keys_tree_random_walk(void **state)
{
	struct prng g = { 0x6b656e68u };
	uint32_t n, x, w, root, out;
	size_t step;

	(void)state;
	for (n = 1; n <= 1024; n *= 2) {
		w = mls_tree_node_width(n);
		assert_int_equal(w, 2 * n - 1);
		assert_int_equal(mls_tree_root(n, &root), 0);
		assert_int_equal(root, n - 1);
		/* Out of range is an error for every relation. */
		assert_int_equal(mls_tree_parent(w, n, &out), KENH_E_INVALID_ARG);
		assert_int_equal(mls_tree_left(w, n, &out), KENH_E_INVALID_ARG);
		assert_int_equal(mls_tree_common_ancestor(0, w, n, &out), KENH_E_INVALID_ARG);
		x = prng_below(&g, w);
		for (step = 0; step < 400; step++) {
			check_node(x, n);
			check_paths(x, n);
			check_common_ancestor(x, prng_below(&g, w), n);
			x = walk_step(&g, x, n);
		}
	}
}

static void test_mls_keys_tree_sizes(void **state)
{
	static const uint32_t bad[] = { 0, 3, 5, 6, 1000, 65535, 131072, UINT32_MAX };
	uint32_t path[MLS_TREE_MAX_DEPTH], out;
	size_t i, len;

	(void)state;
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		assert_false(mls_tree_is_valid_size(bad[i]));
		assert_int_equal(mls_tree_root(bad[i], &out), KENH_E_INVALID_ARG);
		assert_int_equal(mls_tree_parent(0, bad[i], &out), KENH_E_INVALID_ARG);
	}
	assert_int_equal(mls_tree_node_width(0), 0);
	assert_int_equal(mls_tree_node_width(MLS_TREE_MAX_LEAVES + 1), 0);
	/* The largest tree: the longest direct path fits MLS_TREE_MAX_DEPTH. */
	assert_true(mls_tree_is_valid_size(MLS_TREE_MAX_LEAVES));
	assert_int_equal(mls_tree_direct_path(mls_tree_leaf_node(MLS_TREE_MAX_LEAVES - 1),
	                                      MLS_TREE_MAX_LEAVES, path, &len),
	                 0);
	assert_int_equal(len, MLS_TREE_MAX_DEPTH);
	assert_int_equal(path[len - 1], MLS_TREE_MAX_LEAVES - 1);
	check_node(mls_tree_node_width(MLS_TREE_MAX_LEAVES) - 1, MLS_TREE_MAX_LEAVES);
	check_common_ancestor(0, 2 * (MLS_TREE_MAX_LEAVES - 1), MLS_TREE_MAX_LEAVES);
	/* One leaf: the leaf is the root, with no relation at all. */
	assert_int_equal(mls_tree_root(1, &out), 0);
	assert_int_equal(out, 0);
	assert_int_equal(mls_tree_direct_path(0, 1, path, &len), 0);
	assert_int_equal(len, 0);
}

/* ---------------------------------------------------- labelled functions */

/* Every single-bit change of the signature or the content must fail to verify. */
static void sign_flip_each_bit(const struct crypto_suite *cs)
{
	uint8_t sk[CRYPTO_MAX_SIG_SK], pk[CRYPTO_MAX_SIG_PK], sig[CRYPTO_MAX_SIG];
	uint8_t content[24] = "directive: report at 9h";
	struct kenh_span label = MLS_LABEL("FramedContentTBS"), pks;
	size_t siglen, bit;

	assert_int_equal(crypto_sig_keygen(cs->sig, sk, pk), 0);
	pks = span_make(pk, cs->sig->npk);
	assert_int_equal(mls_sign_with_label(cs, span_make(sk, cs->sig->nsk), label,
	                                     span_make(content, sizeof(content)), sig, &siglen),
	                 0);
	assert_int_equal(mls_verify_with_label(cs, pks, label, span_make(content, sizeof(content)),
	                                       span_make(sig, siglen)),
	                 0);
	for (bit = 0; bit < 8 * siglen; bit++) {
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(mls_verify_with_label(cs, pks, label,
		                                       span_make(content, sizeof(content)),
		                                       span_make(sig, siglen)),
		                 KENH_E_VERIFY);
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	for (bit = 0; bit < 8 * sizeof(content); bit++) {
		content[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(mls_verify_with_label(cs, pks, label,
		                                       span_make(content, sizeof(content)),
		                                       span_make(sig, siglen)),
		                 KENH_E_VERIFY);
		content[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* The same content under another label is another message. */
	assert_int_equal(mls_verify_with_label(cs, pks, MLS_LABEL("LeafNodeTBS"),
	                                       span_make(content, sizeof(content)),
	                                       span_make(sig, siglen)),
	                 KENH_E_VERIFY);
	/* A private key of the wrong length is refused before signing. */
	assert_int_equal(mls_sign_with_label(cs, span_make(sk, cs->sig->nsk - 1), label,
	                                     span_make(content, sizeof(content)), sig, &siglen),
	                 KENH_E_INVALID_ARG);
	assert_int_equal(siglen, 0);
}

static void test_mls_keys_sign_flip_each_bit(void **state)
{
	sign_flip_each_bit(suite(state, 1)); /* Ed25519 */
	sign_flip_each_bit(suite(state, 2)); /* ECDSA P-256, DER */
}

/* SignWithLabel with an imported key object (mls_sign_with_label_key). */
static void sign_with_key_object(const struct crypto_suite *cs, const struct crypto_suite *other)
{
	uint8_t sk[CRYPTO_MAX_SIG_SK], pk[CRYPTO_MAX_SIG_PK];
	uint8_t s1[CRYPTO_MAX_SIG], s2[CRYPTO_MAX_SIG];
	static const uint8_t content[] = "application data";
	struct kenh_span label = MLS_LABEL("FramedContentTBS");
	struct kenh_span c = span_make(content, sizeof(content));
	struct crypto_sig_key *key = NULL;
	size_t l1 = 0, l2 = 0;

	assert_int_equal(crypto_sig_keygen(cs->sig, sk, pk), 0);
	assert_int_equal(crypto_sig_key_new(cs->sig, sk, &key), 0);
	assert_int_equal(mls_sign_with_label_key(cs, key, label, c, s1, &l1), 0);
	assert_int_equal(mls_sign_with_label(cs, span_make(sk, cs->sig->nsk), label, c, s2, &l2),
	                 0);
	assert_int_equal(
	        mls_verify_with_label(cs, span_make(pk, cs->sig->npk), label, c, span_make(s1, l1)),
	        0);
	if (cs->sig->id == CRYPTO_SIG_ED25519) {
		assert_int_equal(l1, l2);
		assert_memory_equal(s1, s2, l1);
	}
	/* A key of another signature scheme is refused, and nothing is left in sig. */
	assert_int_equal(mls_sign_with_label_key(other, key, label, c, s1, &l1),
	                 KENH_E_INVALID_ARG);
	assert_int_equal(l1, 0);
	assert_true(all_zero(s1, other->sig->max_sig));
	crypto_sig_key_free(key);
}

#define CACHE_KEYS (MLS_SIG_CACHE_SIZE + 3)

/* Senders' keys through an mls_sig_cache: the same answers as the one-shot verify. */
static void verify_through_cache(const struct crypto_suite *cs)
{
	static uint8_t sk[CACHE_KEYS][CRYPTO_MAX_SIG_SK], pk[CACHE_KEYS][CRYPTO_MAX_SIG_PK];
	static uint8_t sig[CACHE_KEYS][CRYPTO_MAX_SIG];
	static const uint8_t content[] = "framed content";
	struct kenh_span label = MLS_LABEL("FramedContentTBS");
	struct kenh_span c = span_make(content, sizeof(content));
	size_t siglen[CACHE_KEYS], i, round, used;
	struct mls_sig_cache cache;
	struct kenh_span p;

	memset(&cache, 0, sizeof(cache));
	for (i = 0; i < CACHE_KEYS; i++) {
		assert_int_equal(crypto_sig_keygen(cs->sig, sk[i], pk[i]), 0);
		assert_int_equal(mls_sign_with_label(cs, span_make(sk[i], cs->sig->nsk), label, c,
		                                     sig[i], &siglen[i]),
		                 0);
	}
	/* More keys than entries, twice over: hits, misses and replacements all verify. */
	for (round = 0; round < 2; round++) {
		for (i = 0; i < CACHE_KEYS; i++) {
			p = span_make(pk[i], cs->sig->npk);
			assert_int_equal(mls_verify_with_label_cached(cs, &cache, p, label, c,
			                                              span_make(sig[i], siglen[i])),
			                 0);
			assert_int_equal(mls_verify_with_label_cached(cs, &cache, p, label, c,
			                                              span_make(sig[i], siglen[i])),
			                 0);
			/* Another sender's signature is not this key's, cached or not. */
			assert_int_equal(mls_verify_with_label_cached(
			                         cs, &cache, p, label, c,
			                         span_make(sig[(i + 1) % CACHE_KEYS],
			                                   siglen[(i + 1) % CACHE_KEYS])),
			                 KENH_E_VERIFY);
			sig[i][3] ^= 0x10;
			assert_int_equal(mls_verify_with_label_cached(cs, &cache, p, label, c,
			                                              span_make(sig[i], siglen[i])),
			                 KENH_E_VERIFY);
			sig[i][3] ^= 0x10;
		}
	}
	/* Unusable keys are refused as crypto_sig_verify refuses them, and not kept. */
	assert_int_equal(mls_verify_with_label_cached(cs, &cache, span_make(NULL, 0), label, c,
	                                              span_make(sig[0], siglen[0])),
	                 KENH_E_VERIFY);
	assert_int_equal(mls_verify_with_label_cached(cs, &cache,
	                                              span_make(pk[0], cs->sig->npk - 1), label, c,
	                                              span_make(sig[0], siglen[0])),
	                 KENH_E_VERIFY);
	for (i = 0, used = 0; i < MLS_SIG_CACHE_SIZE; i++) {
		if (cache.e[i].pk_len == 0) continue;
		assert_int_equal(cache.e[i].pk_len, cs->sig->npk);
		used++;
	}
	assert_int_equal(used, MLS_SIG_CACHE_SIZE);
	mls_sig_cache_clear(&cache);
	assert_true(all_zero(&cache, sizeof(cache)));
	mls_sig_cache_clear(NULL);
}

static void test_mls_keys_sign_key_and_verify_cache(void **state)
{
	sign_with_key_object(suite(state, 1), suite(state, 2));
	sign_with_key_object(suite(state, 2), suite(state, 1));
	verify_through_cache(suite(state, 1));
	verify_through_cache(suite(state, 2));
}

struct hpke_case {
	uint8_t sk[CRYPTO_MAX_KEM_SK], pk[CRYPTO_MAX_KEM_PK];
	uint8_t kem_output[CRYPTO_MAX_KEM_PK];
	uint8_t ct[64], pt[64];
};

static int open_with(void **state, const struct crypto_suite *cs, struct hpke_case *h,
                     struct kenh_span label, struct kenh_span context)
{
	struct mls_decrypt_args da = { span_make(h->sk, cs->kem->nsk), label, context,
		                       span_make(h->kem_output, cs->kem->npk),
		                       span_make(h->ct, 16 + cs->aead->nt) };

	memset(h->pt, 0xaa, sizeof(h->pt));
	return mls_decrypt_with_label(*state, cs, &da, h->pt);
}

static void test_mls_keys_decrypt_wrong_label(void **state)
{
	const struct crypto_suite *cs = suite(state, 1);
	static const uint8_t secret[16] = "path secret 0001";
	struct mls_encrypt_args ea = { span_make(NULL, 0), MLS_LABEL("UpdatePathNode"),
		                       MLS_LABEL("group context"), span_make(secret, 16), NULL };
	struct hpke_case h;

	assert_int_equal(crypto_kem_keygen(cs->kem, h.sk, h.pk), 0);
	ea.pk = span_make(h.pk, cs->kem->npk);
	assert_int_equal(mls_encrypt_with_label(*state, cs, &ea, h.kem_output, h.ct), 0);
	assert_int_equal(open_with(state, cs, &h, ea.label, ea.context), 0);
	assert_memory_equal(h.pt, secret, 16);
	assert_int_equal(open_with(state, cs, &h, MLS_LABEL("Welcome"), ea.context),
	                 KENH_E_DECRYPT);
	assert_true(all_zero(h.pt, 16));
	assert_int_equal(open_with(state, cs, &h, ea.label, MLS_LABEL("other context")),
	                 KENH_E_DECRYPT);
	h.ct[3] ^= 1;
	assert_int_equal(open_with(state, cs, &h, ea.label, ea.context), KENH_E_DECRYPT);
	h.ct[3] ^= 1;
	h.kem_output[0] ^= 1;
	assert_int_equal(open_with(state, cs, &h, ea.label, ea.context), KENH_E_DECRYPT);
}

/*
 * EncryptWithLabel through a precomputed context hash (mls_encrypt_context_hash),
 * as a Welcome seals to each new member: the recipient opens it with the
 * label and context themselves, and only with those. (The HPKE unit test
 * shows the bytes are those of the plain path under a fixed ephemeral key.)
 */
static void test_mls_keys_encrypt_context_hash(void **state)
{
	static uint8_t context[100000];
	static const uint8_t secret[16] = "group secrets 01";
	uint8_t hash[CRYPTO_MAX_HASH];
	struct mls_encrypt_args ea;
	struct hpke_case h;
	uint16_t id;
	size_t i;

	for (i = 0; i < sizeof(context); i++)
		context[i] = (uint8_t)(i * 13);
	for (id = 1; id <= 3; id++) {
		const struct crypto_suite *cs = suite(state, id);

		memset(&ea, 0, sizeof(ea));
		assert_int_equal(crypto_kem_keygen(cs->kem, h.sk, h.pk), 0);
		assert_int_equal(mls_encrypt_context_hash(*state, cs, MLS_LABEL("Welcome"),
		                                          span_make(context, sizeof(context)),
		                                          hash),
		                 0);
		ea.pk = span_make(h.pk, cs->kem->npk);
		ea.pt = span_make(secret, sizeof(secret));
		ea.info_hash = hash;
		/* label and context are not read when the hash is given. */
		ea.label = MLS_LABEL("ignored");
		assert_int_equal(mls_encrypt_with_label(*state, cs, &ea, h.kem_output, h.ct), 0);
		assert_int_equal(open_with(state, cs, &h, MLS_LABEL("Welcome"),
		                           span_make(context, sizeof(context))),
		                 0);
		assert_memory_equal(h.pt, secret, sizeof(secret));
		assert_int_equal(open_with(state, cs, &h, MLS_LABEL("Welcome"),
		                           span_make(context, sizeof(context) - 1)),
		                 KENH_E_DECRYPT);
		assert_int_equal(open_with(state, cs, &h, MLS_LABEL("ignored"),
		                           span_make(context, sizeof(context))),
		                 KENH_E_DECRYPT);
	}
}

static void test_mls_keys_expand_bounds(void **state)
{
	const struct crypto_suite *cs = suite(state, 1);
	uint8_t secret[32] = { 1 }, out[255 * 32 + 1];

	assert_int_equal(
	        mls_expand_with_label(cs, secret, MLS_LABEL("x"), span_make(NULL, 0), out, 0),
	        KENH_E_INVALID_ARG);
	assert_int_equal(mls_expand_with_label(cs, secret, MLS_LABEL("x"), span_make(NULL, 0), out,
	                                       sizeof(out)),
	                 KENH_E_INVALID_ARG);
	assert_true(all_zero(out, sizeof(out)));
	assert_int_equal(mls_expand_with_label(cs, secret, MLS_LABEL("x"), span_make(NULL, 0), out,
	                                       sizeof(out) - 1),
	                 0);
}

static void test_mls_keys_confirmation_tag_flip_each_bit(void **state)
{
	const struct crypto_suite *cs = suite(state, 1);
	uint8_t key[32] = { 7 }, confirmed[32] = { 9 }, tag[32];
	struct kenh_span c = span_make(confirmed, sizeof(confirmed));
	size_t bit;

	assert_int_equal(mls_confirmation_tag(cs, key, c, tag), 0);
	assert_int_equal(mls_confirmation_tag_verify(cs, key, c, span_make(tag, 32)), 0);
	for (bit = 0; bit < 8 * sizeof(tag); bit++) {
		tag[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(mls_confirmation_tag_verify(cs, key, c, span_make(tag, 32)),
		                 KENH_E_VERIFY);
		tag[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(mls_confirmation_tag_verify(cs, key, c, span_make(tag, 31)),
	                 KENH_E_VERIFY);
}

/* ------------------------------------------------------------ secret tree */

static const uint8_t enc_secret[32] = "epoch encryption secret, 32 b.";

static void key_eq(const struct mls_key_nonce *a, const struct mls_key_nonce *b)
{
	assert_int_equal(a->generation, b->generation);
	assert_int_equal(a->key_len, b->key_len);
	assert_int_equal(a->nonce_len, b->nonce_len);
	assert_memory_equal(a->key, b->key, a->key_len);
	assert_memory_equal(a->nonce, b->nonce, a->nonce_len);
}

/* Receive generation g of leaf's application ratchet and consume it. */
static int receive(struct mls_secret_tree *st, uint32_t leaf, uint32_t g, struct mls_key_nonce *kn)
{
	int rc = mls_secret_tree_decrypt_key(st, leaf, MLS_RATCHET_APPLICATION, g, kn);

	if (rc == 0) mls_secret_tree_consume(st, leaf, MLS_RATCHET_APPLICATION, g);
	return rc;
}

static void test_mls_keys_node_keypair(void **state)
{
	const struct crypto_suite *cs;
	uint8_t path[32] = { 3 }, sk[CRYPTO_MAX_KEM_SK], pk[CRYPTO_MAX_KEM_PK];
	uint8_t sk2[CRYPTO_MAX_KEM_SK], pk2[CRYPTO_MAX_KEM_PK], check[CRYPTO_MAX_KEM_PK];
	uint16_t id;

	for (id = 1; id <= 3; id++) {
		cs = suite(state, id);
		assert_int_equal(mls_derive_node_keypair(*state, cs, path, sk, pk), 0);
		assert_int_equal(mls_derive_node_keypair(*state, cs, path, sk2, pk2), 0);
		assert_memory_equal(sk, sk2, cs->kem->nsk);
		assert_memory_equal(pk, pk2, cs->kem->npk);
		/* The public key belongs to the private key. */
		assert_int_equal(crypto_kem_pk_from_sk(cs->kem, sk, check), 0);
		assert_memory_equal(check, pk, cs->kem->npk);
		/* node_secret = DeriveSecret(path, "node") comes first: not DeriveKeyPair(path). */
		assert_int_equal(mls_derive_keypair(*state, cs, path, sk2, pk2), 0);
		assert_memory_not_equal(pk, pk2, cs->kem->npk);
		path[0]++;
	}
}

static void test_mls_keys_sender_data_sample(void **state)
{
	const struct crypto_suite *cs = suite(state, 1);
	uint8_t secret[32] = { 4 }, ct[48];
	struct mls_key_nonce a, b;
	static const uint8_t guard[4] = { 0xde, 0xad, 0xbe, 0xef };
	size_t i;

	for (i = 0; i < sizeof(ct); i++)
		ct[i] = (uint8_t)i;
	/* Only the first Nh bytes of the ciphertext are sampled. */
	assert_int_equal(mls_sender_data_key_nonce(cs, secret, span_make(ct, 48), &a), 0);
	assert_int_equal(mls_sender_data_key_nonce(cs, secret, span_make(ct, 32), &b), 0);
	key_eq(&a, &b);
	/* A shorter ciphertext is used whole. */
	assert_int_equal(mls_sender_data_key_nonce(cs, secret, span_make(ct, 10), &b), 0);
	assert_memory_not_equal(a.key, b.key, a.key_len);
	assert_int_equal(b.key_len, 16);
	assert_int_equal(b.nonce_len, 12);
	/* The reuse guard touches the first four nonce bytes only, and undoes itself. */
	b = a;
	mls_key_nonce_apply_reuse_guard(&b, guard);
	for (i = 0; i < 4; i++)
		assert_int_equal(b.nonce[i], a.nonce[i] ^ guard[i]);
	assert_memory_equal(b.nonce + 4, a.nonce + 4, 8);
	mls_key_nonce_apply_reuse_guard(&b, guard);
	key_eq(&a, &b);
}

static void test_mls_keys_ref_hash_labels(void **state)
{
	const struct crypto_suite *cs = suite(state, 1);
	uint8_t kp[32], pr[32], raw[32];
	struct kenh_span v = MLS_LABEL("encoded object");

	assert_int_equal(mls_make_key_package_ref(cs, v, kp), 0);
	assert_int_equal(mls_make_proposal_ref(cs, v, pr), 0);
	assert_memory_not_equal(kp, pr, 32);
	assert_int_equal(mls_ref_hash(cs, MLS_LABEL("MLS 1.0 KeyPackage Reference"), v, raw), 0);
	assert_memory_equal(kp, raw, 32);
}

static void test_mls_keys_secret_tree_sender_receiver(void **state)
{
	const struct crypto_suite *cs = suite(state, 1);
	static const uint32_t order[10] = { 3, 0, 1, 9, 2, 8, 4, 7, 5, 6 };
	struct mls_key_nonce sent[10], got;
	struct mls_secret_tree tx, rx;
	uint32_t i;

	assert_int_equal(mls_secret_tree_init(&tx, cs, enc_secret, 8, NULL), 0);
	assert_int_equal(mls_secret_tree_init(&rx, cs, enc_secret, 8, NULL), 0);
	for (i = 0; i < 10; i++) {
		assert_int_equal(
		        mls_secret_tree_encrypt_key(&tx, 5, MLS_RATCHET_APPLICATION, &sent[i]), 0);
		assert_int_equal(sent[i].generation, i);
	}
	for (i = 0; i < 10; i++) {
		assert_int_equal(receive(&rx, 5, order[i], &got), 0);
		key_eq(&got, &sent[order[i]]);
	}
	/* The handshake ratchet of the same leaf is a different chain. */
	assert_int_equal(mls_secret_tree_encrypt_key(&tx, 5, MLS_RATCHET_HANDSHAKE, &got), 0);
	assert_int_equal(got.generation, 0);
	assert_memory_not_equal(got.key, sent[0].key, got.key_len);
	mls_secret_tree_clear(&tx);
	mls_secret_tree_clear(&rx);
}

static void test_mls_keys_secret_tree_window(void **state)
{
	const struct crypto_suite *cs = suite(state, 1);
	struct mls_secret_tree_limits lim = { 20, 8, 100 };
	struct mls_secret_tree ref, st;
	struct mls_key_nonce a, b;
	uint32_t g;

	assert_int_equal(mls_secret_tree_init(&ref, cs, enc_secret, 4, NULL), 0);
	assert_int_equal(mls_secret_tree_init(&st, cs, enc_secret, 4, &lim), 0);
	/* Out of order inside the window: 6 first, then 0..5 late. */
	assert_int_equal(receive(&st, 2, 6, &a), 0);
	for (g = 0; g < 6; g++) {
		assert_int_equal(receive(&st, 2, g, &a), 0);
		assert_int_equal(receive(&ref, 2, g, &b), 0);
		key_eq(&a, &b);
	}
	/* Beyond max_forward: refused, and the ratchet is untouched. */
	assert_int_equal(receive(&st, 2, 7 + 21, &a), KENH_E_TOO_LARGE);
	assert_true(all_zero(&a, sizeof(a)));
	assert_int_equal(receive(&st, 2, UINT32_MAX, &a), KENH_E_TOO_LARGE);
	assert_int_equal(receive(&st, 2, 7, &a), 0);
	assert_int_equal(mls_secret_tree_decrypt_key(&ref, 2, MLS_RATCHET_APPLICATION, 7, &b), 0);
	key_eq(&a, &b);
	/* Exactly max_forward ahead is still inside. */
	assert_int_equal(receive(&st, 2, 8 + 20, &a), 0);
	assert_int_equal(mls_secret_tree_decrypt_key(&ref, 2, MLS_RATCHET_APPLICATION, 28, &b), 0);
	key_eq(&a, &b);
	mls_secret_tree_clear(&ref);
	mls_secret_tree_clear(&st);
}

static void test_mls_keys_secret_tree_replay(void **state)
{
	const struct crypto_suite *cs = suite(state, 3);
	struct mls_secret_tree st;
	struct mls_key_nonce a, b;

	assert_int_equal(mls_secret_tree_init(&st, cs, enc_secret, 2, NULL), 0);
	/* Until consumed, the key can be asked for again (a failed decryption keeps it). */
	assert_int_equal(mls_secret_tree_decrypt_key(&st, 1, MLS_RATCHET_HANDSHAKE, 0, &a), 0);
	assert_int_equal(mls_secret_tree_decrypt_key(&st, 1, MLS_RATCHET_HANDSHAKE, 0, &b), 0);
	key_eq(&a, &b);
	mls_secret_tree_consume(&st, 1, MLS_RATCHET_HANDSHAKE, 0);
	assert_int_equal(mls_secret_tree_decrypt_key(&st, 1, MLS_RATCHET_HANDSHAKE, 0, &a),
	                 KENH_E_DECRYPT);
	assert_true(all_zero(&a, sizeof(a)));
	/* A skipped generation, once consumed, is refused the same way. */
	assert_int_equal(receive(&st, 1, 5, &a), 0);
	assert_int_equal(receive(&st, 1, 3, &a), 0);
	assert_int_equal(receive(&st, 1, 3, &a), KENH_E_DECRYPT);
	assert_int_equal(receive(&st, 1, 5, &a), KENH_E_DECRYPT);
	/* Consuming what is not held does nothing. */
	mls_secret_tree_consume(&st, 1, MLS_RATCHET_APPLICATION, 3);
	mls_secret_tree_consume(&st, 0, MLS_RATCHET_APPLICATION, 0);
	mls_secret_tree_consume(&st, 7, MLS_RATCHET_APPLICATION, 0);
	assert_int_equal(receive(&st, 1, 4, &a), 0);
	mls_secret_tree_clear(&st);
}

static void test_mls_keys_secret_tree_eviction(void **state)
{
	const struct crypto_suite *cs = suite(state, 1);
	struct mls_secret_tree_limits lim = { 1000, 4, 6 };
	struct mls_secret_tree st;
	struct mls_key_nonce a;
	uint32_t g;

	assert_int_equal(mls_secret_tree_init(&st, cs, enc_secret, 4, &lim), 0);
	/* Jumping to 10 keeps 7..10 (max_past = 4); older skipped keys are gone. */
	assert_int_equal(mls_secret_tree_decrypt_key(&st, 0, MLS_RATCHET_APPLICATION, 10, &a), 0);
	assert_int_equal(st.n_past_total, 4);
	assert_int_equal(receive(&st, 0, 6, &a), KENH_E_DECRYPT);
	for (g = 7; g <= 9; g++)
		assert_int_equal(receive(&st, 0, g, &a), 0);
	/* Tree-wide: 6 keys at most (plus the one each ratchet holds for a pending open). */
	assert_int_equal(mls_secret_tree_decrypt_key(&st, 1, MLS_RATCHET_APPLICATION, 3, &a), 0);
	assert_int_equal(st.n_past_total, 5);
	assert_int_equal(mls_secret_tree_decrypt_key(&st, 2, MLS_RATCHET_APPLICATION, 3, &a), 0);
	/* Leaf 2 could keep 0..3, but the tree is full: it keeps only what was asked for. */
	assert_int_equal(st.n_past_total, 6);
	assert_int_equal(receive(&st, 2, 2, &a), KENH_E_DECRYPT);
	assert_int_equal(receive(&st, 2, 0, &a), KENH_E_DECRYPT);
	assert_int_equal(receive(&st, 2, 3, &a), 0);
	assert_int_equal(receive(&st, 1, 0, &a), 0);
	assert_int_equal(st.n_past_total, 4);
	mls_secret_tree_clear(&st);
}

static void test_mls_keys_secret_tree_lazy(void **state)
{
	const struct crypto_suite *cs = suite(state, 1);
	struct mls_secret_tree st;
	struct mls_key_nonce a;
	uint32_t leaf;

	/* A 10,000-member group has 16384 leaves: the root alone at first. */
	assert_int_equal(mls_secret_tree_init(&st, cs, enc_secret, 16384, NULL), 0);
	assert_int_equal(mls_secret_tree_stored(&st), 1);
	/* One sender: its 14 copath secrets plus its ratchets, no more. */
	assert_int_equal(mls_secret_tree_encrypt_key(&st, 9999, MLS_RATCHET_APPLICATION, &a), 0);
	assert_int_equal(mls_secret_tree_stored(&st), 15);
	/* Its neighbour reuses the stored sibling entry. */
	assert_int_equal(receive(&st, 9998, 0, &a), 0);
	assert_int_equal(mls_secret_tree_stored(&st), 15);
	mls_secret_tree_clear(&st);
	/* Every leaf of a small tree: only the leaves' ratchets remain. */
	assert_int_equal(mls_secret_tree_init(&st, cs, enc_secret, 8, NULL), 0);
	for (leaf = 0; leaf < 8; leaf++)
		assert_int_equal(receive(&st, leaf, 0, &a), 0);
	assert_int_equal(mls_secret_tree_stored(&st), 8);
	mls_secret_tree_clear(&st);
}

static void test_mls_keys_secret_tree_bad_args(void **state)
{
	const struct crypto_suite *cs = suite(state, 1);
	struct mls_secret_tree_limits bad[] = { { 0, 0, 10 },
		                                { 10, 10, 0 },
		                                { MLS_ST_CEILING_FORWARD + 1, 1, 1 } };
	struct mls_secret_tree st;
	struct mls_key_nonce a;
	size_t i;

	assert_int_equal(mls_secret_tree_init(&st, cs, enc_secret, 3, NULL), KENH_E_INVALID_ARG);
	assert_true(all_zero(&st, sizeof(st)));
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		assert_int_equal(mls_secret_tree_init(&st, cs, enc_secret, 4, &bad[i]),
		                 KENH_E_INVALID_ARG);
		assert_true(all_zero(&st, sizeof(st)));
	}
	assert_int_equal(mls_secret_tree_init(&st, cs, enc_secret, 4, NULL), 0);
	assert_int_equal(mls_secret_tree_encrypt_key(&st, 4, MLS_RATCHET_HANDSHAKE, &a),
	                 KENH_E_INVALID_ARG);
	assert_int_equal(mls_secret_tree_decrypt_key(&st, 4, MLS_RATCHET_HANDSHAKE, 0, &a),
	                 KENH_E_INVALID_ARG);
	mls_secret_tree_clear(&st);
}

static void test_mls_keys_clear_is_all_zero(void **state)
{
	const struct crypto_suite *cs = suite(state, 1);
	uint8_t zero[32] = { 0 }, init[32] = { 5 };
	struct mls_epoch_secrets es;
	struct mls_secret_tree st;
	struct mls_key_nonce a;
	uint8_t joiner[32];

	assert_int_equal(mls_secret_tree_init(&st, cs, enc_secret, 64, NULL), 0);
	assert_int_equal(receive(&st, 17, 40, &a), 0);
	assert_int_equal(mls_secret_tree_decrypt_key(&st, 60, MLS_RATCHET_HANDSHAKE, 3, &a), 0);
	mls_secret_tree_clear(&st);
	assert_true(all_zero(&st, sizeof(st)));
	mls_key_nonce_clear(&a);
	assert_true(all_zero(&a, sizeof(a)));
	assert_int_equal(mls_key_schedule_joiner(cs, init, zero, MLS_LABEL("gc"), joiner), 0);
	assert_int_equal(mls_key_schedule_epoch(cs, joiner, NULL, MLS_LABEL("gc"), &es), 0);
	assert_false(all_zero(es.epoch_authenticator, 32));
	mls_epoch_secrets_drop_joiner(&es);
	assert_true(all_zero(es.joiner_secret, sizeof(es.joiner_secret)));
	assert_true(all_zero(es.welcome_secret, sizeof(es.welcome_secret)));
	mls_epoch_secrets_clear(&es);
	assert_true(all_zero(&es, sizeof(es)));
	mls_secret_tree_clear(NULL);
	mls_epoch_secrets_clear(NULL);
	mls_key_nonce_clear(NULL);
}

#ifdef KENH_FAULT_INJECT
/* Fail allocation n = 1, 2, ... of a skipping receive until it succeeds: clean errors only. */
static void test_mls_keys_secret_tree_fault_injection(void **state)
{
	const struct crypto_suite *cs = suite(state, 1);
	struct mls_secret_tree ref, st;
	struct mls_key_nonce a, b;
	unsigned long n;
	int rc;

	assert_int_equal(mls_secret_tree_init(&ref, cs, enc_secret, 32, NULL), 0);
	assert_int_equal(mls_secret_tree_decrypt_key(&ref, 21, MLS_RATCHET_APPLICATION, 9, &b), 0);
	for (n = 1;; n++) {
		mem_fault_set(n, 0);
		rc = mls_secret_tree_init(&st, cs, enc_secret, 32, NULL);
		if (rc == 0)
			rc = mls_secret_tree_decrypt_key(&st, 21, MLS_RATCHET_APPLICATION, 9, &a);
		mem_fault_set(0, 0);
		if (rc == 0) break;
		assert_int_equal(rc, KENH_E_NOMEM);
		/* Whatever failed, the tree (if made) still gives the right key. */
		if (st.cs != NULL) {
			assert_int_equal(mls_secret_tree_decrypt_key(
			                         &st, 21, MLS_RATCHET_APPLICATION, 9, &a),
			                 0);
			key_eq(&a, &b);
		}
		mls_secret_tree_clear(&st);
		assert_true(n < 1000);
	}
	key_eq(&a, &b);
	mls_secret_tree_clear(&st);
	mls_secret_tree_clear(&ref);
}
#endif

/* ---------------------------------------------------------- key schedule */

static void test_mls_keys_schedule_consistency(void **state)
{
	const struct crypto_suite *cs = suite(state, 2);
	uint8_t init[32] = { 1 }, commit[32] = { 2 }, joiner[32], welcome[32], psk[32];
	static const uint8_t v[8] = "ext psk!";
	struct mls_psk_input in = { MLS_LABEL("encoded id"), span_make(v, sizeof(v)) };
	struct mls_epoch_secrets a, b;
	uint8_t x1[40], x2[40];

	assert_int_equal(mls_key_schedule_joiner(cs, init, commit, MLS_LABEL("gc"), joiner), 0);
	assert_int_equal(mls_psk_secret(cs, &in, 1, psk), 0);
	assert_int_equal(mls_key_schedule_epoch(cs, joiner, psk, MLS_LABEL("gc"), &a), 0);
	/* A joiner finds the same welcome_secret before knowing the GroupContext. */
	assert_int_equal(mls_key_schedule_welcome(cs, joiner, psk, welcome), 0);
	assert_memory_equal(welcome, a.welcome_secret, 32);
	/* No PSK (NULL) is the all-zero psk_secret, and differs from a PSK. */
	assert_int_equal(mls_psk_secret(cs, NULL, 0, psk), 0);
	assert_true(all_zero(psk, 32));
	assert_int_equal(mls_key_schedule_epoch(cs, joiner, NULL, MLS_LABEL("gc"), &b), 0);
	assert_memory_not_equal(a.init_secret, b.init_secret, 32);
	assert_int_equal(mls_key_schedule_epoch(cs, joiner, psk, MLS_LABEL("gc"), &a), 0);
	assert_memory_equal(a.init_secret, b.init_secret, 32);
	/* The exporter depends on label and context. */
	assert_int_equal(
	        mls_exporter(cs, a.exporter_secret, MLS_LABEL("l"), MLS_LABEL("c"), x1, sizeof(x1)),
	        0);
	assert_int_equal(
	        mls_exporter(cs, a.exporter_secret, MLS_LABEL("l"), MLS_LABEL("d"), x2, sizeof(x2)),
	        0);
	assert_memory_not_equal(x1, x2, sizeof(x1));
	mls_epoch_secrets_clear(&a);
	mls_epoch_secrets_clear(&b);
}

static void test_mls_keys_psk_too_many(void **state)
{
	const struct crypto_suite *cs = suite(state, 1);
	struct mls_psk_input in[65];
	uint8_t out[32];
	size_t i;

	for (i = 0; i < ARRAY_LEN(in); i++) {
		in[i].id = MLS_LABEL("id");
		in[i].psk = MLS_LABEL("psk");
	}
	assert_int_equal(mls_psk_secret(cs, in, 65, out), KENH_E_TOO_LARGE);
	assert_true(all_zero(out, sizeof(out)));
	assert_int_equal(mls_psk_secret(cs, in, 64, out), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mls_keys_tree_random_walk),
		cmocka_unit_test(test_mls_keys_tree_sizes),
		cmocka_unit_test(test_mls_keys_sign_flip_each_bit),
		cmocka_unit_test(test_mls_keys_sign_key_and_verify_cache),
		cmocka_unit_test(test_mls_keys_decrypt_wrong_label),
		cmocka_unit_test(test_mls_keys_encrypt_context_hash),
		cmocka_unit_test(test_mls_keys_expand_bounds),
		cmocka_unit_test(test_mls_keys_confirmation_tag_flip_each_bit),
		cmocka_unit_test(test_mls_keys_node_keypair),
		cmocka_unit_test(test_mls_keys_sender_data_sample),
		cmocka_unit_test(test_mls_keys_ref_hash_labels),
		cmocka_unit_test(test_mls_keys_secret_tree_sender_receiver),
		cmocka_unit_test(test_mls_keys_secret_tree_window),
		cmocka_unit_test(test_mls_keys_secret_tree_replay),
		cmocka_unit_test(test_mls_keys_secret_tree_eviction),
		cmocka_unit_test(test_mls_keys_secret_tree_lazy),
		cmocka_unit_test(test_mls_keys_secret_tree_bad_args),
		cmocka_unit_test(test_mls_keys_clear_is_all_zero),
#ifdef KENH_FAULT_INJECT
		cmocka_unit_test(test_mls_keys_secret_tree_fault_injection),
#endif
		cmocka_unit_test(test_mls_keys_schedule_consistency),
		cmocka_unit_test(test_mls_keys_psk_too_many),
	};

	return cmocka_run_group_tests(tests, setup_ctx, teardown_ctx);
}
