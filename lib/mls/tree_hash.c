/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Tree hashes (RFC 9420 §7.8) with a per-node cache, and parent hashes
 * (§7.9): ParentHashInput, the original sibling tree hash with unmerged
 * leaves removed, and the top-down check that every non-blank parent is
 * "parent-hash valid" (§7.9.2). A node's TreeHashInput is built from its
 * stored encoding, so hashing never re-serializes a LeafNode. Changing a
 * node clears the cache along its direct path only (tree_node.c), so after
 * one leaf changes in a tree of n leaves, the root hash costs log2(n) + 1
 * hash computations.
 */
#include "mls/tree.h"

#include "util/compat.h"

#include <stdlib.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "util/mem.h"

/* RFC 9420 §2.1.2 varint of n (n < 2^30) at p; returns the bytes written. */
static size_t put_varint(uint8_t *p, size_t n)
{
	if (n < 64) {
		p[0] = (uint8_t)n;
		return 1;
	}
	if (n < 16384) {
		store_be16(p, (uint16_t)(0x4000u | n));
		return 2;
	}
	store_be32(p, (uint32_t)(0x80000000u | n));
	return 4;
}

/* Room for need bytes in the tree's hash-input buffer. */
static int scratch_reserve(struct mls_rtree *t, size_t need)
{
	void *p = NULL;
	int rc;

	if (need <= t->scratch_cap) return 0;
	if ((rc = mem_grow(t->scratch, need, 1, &p)) != 0) return rc;
	t->scratch = p;
	t->scratch_cap = need;
	return 0;
}

/* §7.8 TreeHashInput { node_type = leaf; uint32 leaf_index; optional<LeafNode>; }. */
static int hash_leaf(const struct mls_rtree *t, uint32_t x, const struct mls_rnode *n, uint8_t *out)
{
	uint8_t hdr[6];

	hdr[0] = MLS_NODE_LEAF;
	store_be32(hdr + 1, x / 2);
	hdr[5] = n != NULL;
	if (n == NULL) return crypto_hash(t->cs->kdf, hdr, sizeof(hdr), out);
	return crypto_hash2(t->cs->kdf, hdr, sizeof(hdr), n->enc, n->enc_len, out);
}

/*
 * §7.8 TreeHashInput { node_type = parent; optional<ParentNode>; opaque
 * left_hash<V>; opaque right_hash<V>; }, the ParentNode given as its
 * encoding (enc may be NULL for a blank node).
 */
static int hash_parent(struct mls_rtree *t, struct kenh_span enc, const uint8_t *lh,
                       const uint8_t *rh, uint8_t *out)
{
	size_t nh = t->cs->kdf->nh, off = 0, need;
	uint8_t *b;
	int rc;

	if ((rc = size_add(enc.len, 2 + 2 * (4 + nh), &need)) != 0) return rc;
	if ((rc = scratch_reserve(t, need)) != 0) return rc;
	b = t->scratch;
	b[off++] = MLS_NODE_PARENT;
	b[off++] = enc.p != NULL;
	if (enc.len > 0) memcpy(b + off, enc.p, enc.len);
	off += enc.len;
	off += put_varint(b + off, nh);
	memcpy(b + off, lh, nh);
	off += nh;
	off += put_varint(b + off, nh);
	memcpy(b + off, rh, nh);
	off += nh;
	return crypto_hash(t->cs->kdf, b, off, out);
}

/* The hash of x from its node and its children's hashes in hashes[] (nh bytes each). */
static int hash_node(struct mls_rtree *t, uint32_t x, const uint8_t *hashes, uint8_t *out)
{
	const struct mls_rnode *n = t->nodes[x];
	size_t nh = t->cs->kdf->nh;
	uint32_t half;
	struct kenh_span enc = span_make(NULL, 0);

	if (mls_tree_is_leaf(x)) return hash_leaf(t, x, n, out);
	half = 1u << (mls_tree_level(x) - 1);
	if (n != NULL) enc = span_make(n->enc, n->enc_len);
	return hash_parent(t, enc, hashes + (size_t)(x - half) * nh,
	                   hashes + (size_t)(x + half) * nh, out);
}

/*
 * Fill hashes[] for every node of the subtree under x whose flag in ok[] is
 * clear, level by level from the leaves up, so children are always ready.
 */
static int fill(struct mls_rtree *t, uint32_t x, uint8_t *hashes, uint8_t *ok)
{
	uint32_t top = mls_tree_level(x), lo = x - ((1u << top) - 1u), hi = x + ((1u << top) - 1u);
	uint32_t k, y;
	size_t nh = t->cs->kdf->nh;
	int rc;

	for (k = 0; k <= top; k++) {
		for (y = lo + (1u << k) - 1u; y <= hi; y += 1u << (k + 1)) {
			if (ok[y]) continue;
			if ((rc = hash_node(t, y, hashes, hashes + (size_t)y * nh)) != 0) return rc;
			ok[y] = 1;
		}
	}
	return 0;
}

int mls_rtree_hash(struct mls_rtree *t, uint32_t x, uint8_t *out)
{
	size_t nh = t->cs->kdf->nh;
	int rc;

	memset(out, 0, nh);
	if (x >= mls_rtree_width(t)) return KENH_ERR(KENH_E_INVALID_ARG);
	if (!t->th_ok[x] && (rc = fill(t, x, t->th, t->th_ok)) != 0) return rc;
	memcpy(out, t->th + (size_t)x * nh, nh);
	return 0;
}

int mls_rtree_root_hash(struct mls_rtree *t, uint8_t *out)
{
	return mls_rtree_hash(t, t->n_leaves - 1, out);
}

int mls_rtree_hash_check(struct mls_rtree *t)
{
	uint32_t width = mls_rtree_width(t), i;
	size_t nh = t->cs->kdf->nh;
	uint8_t *fresh = NULL, *ok = NULL, root[CRYPTO_MAX_HASH];
	int rc;

	if ((rc = mls_rtree_root_hash(t, root)) != 0) return rc;
	if ((rc = mem_calloc(width, nh, (void **)&fresh)) != 0 ||
	    (rc = mem_calloc(width, 1, (void **)&ok)) != 0)
		goto out;
	if ((rc = fill(t, t->n_leaves - 1, fresh, ok)) != 0) goto out;
	for (i = 0; i < width; i++) {
		if (t->th_ok[i] &&
		    memcmp(fresh + (size_t)i * nh, t->th + (size_t)i * nh, nh) != 0) {
			rc = KENH_ERR(KENH_E_INTERNAL);
			goto out;
		}
	}
out:
	mem_free(fresh);
	mem_free(ok);
	return rc;
}

int mls_rtree_parent_hash(const struct crypto_suite *cs, struct kenh_span key,
                          struct kenh_span parent_hash, const uint8_t *osth, uint8_t *out)
{
	uint8_t b[3 * 4 + LIMIT_PUBLIC_KEY + 2 * LIMIT_HASH];
	size_t off = 0, nh = cs->kdf->nh;

	memset(out, 0, nh);
	if (key.len > LIMIT_PUBLIC_KEY || parent_hash.len > LIMIT_HASH)
		return KENH_ERR(KENH_E_INVALID_ARG);
	/* RFC 9420 §7.9 ParentHashInput: three opaque<V> fields. */
	off += put_varint(b + off, key.len);
	if (key.len > 0) memcpy(b + off, key.p, key.len);
	off += key.len;
	off += put_varint(b + off, parent_hash.len);
	if (parent_hash.len > 0) memcpy(b + off, parent_hash.p, parent_hash.len);
	off += parent_hash.len;
	off += put_varint(b + off, nh);
	memcpy(b + off, osth, nh);
	off += nh;
	return crypto_hash(cs->kdf, b, off, out);
}

/* ------------------------------------------------- original sibling hash */

/* True if leaf l lies in the subtree under x. */
static bool leaf_under(const struct mls_rtree *t, uint32_t x, uint32_t l)
{
	uint32_t half = (1u << mls_tree_level(x)) - 1u;

	return l < t->n_leaves && 2 * l >= x - half && 2 * l <= x + half;
}

/* The leaves to remove (a parent's unmerged leaves) as a borrowed list. */
struct excluded {
	const uint32_t *v;
	size_t n;
};

static bool excludes_under(const struct mls_rtree *t, uint32_t x, const struct excluded *ex)
{
	size_t i;

	for (i = 0; i < ex->n; i++)
		if (leaf_under(t, x, ex->v[i])) return true;
	return false;
}

static bool is_excluded(const struct excluded *ex, uint32_t l)
{
	size_t i;

	for (i = 0; i < ex->n; i++)
		if (ex->v[i] == l) return true;
	return false;
}

/* The encoding of parent node n with the excluded leaves taken out of its unmerged list. */
static int parent_without(const struct mls_rnode *n, const struct excluded *ex,
                          struct codec_writer *w)
{
	struct mls_parent_node pn = n->u.parent;
	uint32_t *v = NULL;
	size_t i, j = 0;
	int rc;

	if ((rc = mem_calloc(pn.n_unmerged_leaves + 1, sizeof(uint32_t), (void **)&v)) != 0)
		return rc;
	for (i = 0; i < pn.n_unmerged_leaves; i++)
		if (!is_excluded(ex, pn.unmerged_leaves[i])) v[j++] = pn.unmerged_leaves[i];
	pn.unmerged_leaves = v;
	pn.n_unmerged_leaves = j;
	rc = mls_encode_parent_node(w, &pn);
	mem_free(v);
	return rc;
}

/*
 * §7.9: the tree hash of the subtree under x with each excluded leaf
 * blanked and removed from every unmerged list. Subtrees without an
 * excluded leaf come from the cache. Recursion depth is at most the tree's
 * depth (MLS_TREE_MAX_DEPTH, STYLE R12.5).
 */
static int hash_without(struct mls_rtree *t, uint32_t x, const struct excluded *ex, uint8_t *out)
{
	uint8_t lh[CRYPTO_MAX_HASH], rh[CRYPTO_MAX_HASH];
	const struct mls_rnode *n = t->nodes[x];
	struct codec_writer w;
	uint32_t half;
	int rc;

	if (!excludes_under(t, x, ex)) return mls_rtree_hash(t, x, out);
	if (mls_tree_is_leaf(x)) return hash_leaf(t, x, NULL, out);
	half = 1u << (mls_tree_level(x) - 1);
	if ((rc = hash_without(t, x - half, ex, lh)) != 0 ||
	    (rc = hash_without(t, x + half, ex, rh)) != 0)
		return rc;
	if (n == NULL) return hash_parent(t, span_make(NULL, 0), lh, rh, out);
	codec_writer_init(&w, LIMIT_STRUCT_VECTOR, CODEC_WRITER_NORMAL);
	if ((rc = parent_without(n, ex, &w)) == 0) {
		/* A present ParentNode always has an encoding of at least a few bytes. */
		rc = hash_parent(t, codec_writer_span(&w), lh, rh, out);
	}
	codec_writer_clear(&w);
	return rc;
}

/* ------------------------------------------------ parent-hash validity */

/* The parent_hash field of a node (empty for leaves not from a commit). */
static struct kenh_span node_parent_hash(const struct mls_rnode *n)
{
	if (n->type == MLS_NODE_PARENT) return n->u.parent.parent_hash;
	if (n->u.leaf.leaf_node_source == MLS_LEAF_SOURCE_COMMIT) return n->u.leaf.parent_hash;
	return span_make(NULL, 0);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return (x > y) - (x < y);
}

/*
 * §7.9.2, third condition: res without res[skip] is exactly the node set of
 * the unmerged leaves u[0 .. nu - 1] (sorted, distinct) of P under C.
 */
static bool rest_is_unmerged(const struct mls_idx_list *res, size_t skip, const uint32_t *u,
                             size_t nu, uint32_t *tmp)
{
	size_t i, j = 0;

	for (i = 0; i < res->n; i++) {
		if (i == skip) continue;
		if (!mls_tree_is_leaf(res->v[i])) return false;
		tmp[j++] = res->v[i] / 2;
	}
	qsort(tmp, j, sizeof(*tmp), cmp_u32);
	return j == nu && (nu == 0 || memcmp(tmp, u, nu * sizeof(*u)) == 0);
}

/* P's unmerged leaves under x, in their (checked increasing) order, into u. */
static int unmerged_under(const struct mls_rtree *t, const struct mls_parent_node *pn, uint32_t x,
                          uint32_t *u, size_t *nu)
{
	size_t i;

	*nu = 0;
	for (i = 0; i < pn->n_unmerged_leaves; i++) {
		if (i > 0 && pn->unmerged_leaves[i] <= pn->unmerged_leaves[i - 1])
			return KENH_ERR(KENH_E_VERIFY);
		if (leaf_under(t, x, pn->unmerged_leaves[i])) u[(*nu)++] = pn->unmerged_leaves[i];
	}
	return 0;
}

/*
 * §7.9.2: count the nodes D under child c of parent p (sibling s) whose
 * parent hash is valid with respect to p: D in the resolution of c, D's
 * parent_hash the parent hash of p with copath child s, and p's unmerged
 * leaves under c the resolution of c without D.
 */
static int count_links(struct mls_rtree *t, uint32_t p, uint32_t c, uint32_t s, size_t *count)
{
	const struct mls_parent_node *pn = &t->nodes[p]->u.parent;
	struct excluded ex = { pn->unmerged_leaves, pn->n_unmerged_leaves };
	struct mls_idx_list res = { NULL, 0, 0 };
	uint8_t osth[CRYPTO_MAX_HASH], ph[CRYPTO_MAX_HASH];
	uint32_t *u = NULL, *tmp = NULL;
	size_t nh = t->cs->kdf->nh, nu = 0, i;
	struct kenh_span d;
	int rc;

	if ((rc = mls_rtree_resolution(t, c, &res)) != 0) goto out;
	if ((rc = mem_calloc(res.n + pn->n_unmerged_leaves + 1, sizeof(uint32_t), (void **)&u)) !=
	            0 ||
	    (rc = mem_calloc(res.n + 1, sizeof(uint32_t), (void **)&tmp)) != 0)
		goto out;
	if ((rc = unmerged_under(t, pn, c, u, &nu)) != 0) goto out;
	if (res.n != nu + 1) goto out; /* no D can satisfy the third condition */
	if ((rc = hash_without(t, s, &ex, osth)) != 0 ||
	    (rc = mls_rtree_parent_hash(t->cs, pn->encryption_key, pn->parent_hash, osth, ph)) != 0)
		goto out;
	for (i = 0; i < res.n; i++) {
		d = node_parent_hash(t->nodes[res.v[i]]);
		if (d.len != nh || !crypto_ct_eq(d.p, ph, nh)) continue;
		if (rest_is_unmerged(&res, i, u, nu, tmp)) (*count)++;
	}
out:
	mls_idx_list_clear(&res);
	mem_free(u);
	mem_free(tmp);
	return rc;
}

int mls_rtree_parent_hash_check(struct mls_rtree *t, uint32_t p)
{
	uint32_t l = 0, r = 0;
	size_t count = 0;
	int rc;

	if (p >= mls_rtree_width(t) || mls_tree_is_leaf(p) || t->nodes[p] == NULL)
		return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = mls_tree_left(p, t->n_leaves, &l)) != 0 ||
	    (rc = mls_tree_right(p, t->n_leaves, &r)) != 0)
		return rc;
	if ((rc = count_links(t, p, l, r, &count)) != 0 ||
	    (rc = count_links(t, p, r, l, &count)) != 0)
		return rc;
	/* RFC 9420 §7.9.2, top down: exactly one descendant for which p is parent-hash valid. */
	return count == 1 ? 0 : KENH_ERR(KENH_E_VERIFY);
}

int mls_rtree_verify_parent_hashes(struct mls_rtree *t)
{
	uint32_t x, width = mls_rtree_width(t);
	int rc;

	for (x = 1; x < width; x += 2) {
		if (t->nodes[x] == NULL) continue;
		if ((rc = mls_rtree_parent_hash_check(t, x)) != 0) return rc;
	}
	return 0;
}
