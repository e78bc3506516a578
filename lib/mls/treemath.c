/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Array-based tree math (RFC 9420 §4.1, §7.1 and Appendix C): levels,
 * width, root, children, parent, sibling, direct path, copath and common
 * ancestor of nodes in a full left-balanced binary tree whose leaf L is node
 * 2L. Every function is a loop over at most 32 bits: no recursion, no
 * allocation. Trees are full (§7.7), so only leaf counts that are powers of
 * two up to LIMIT_MEMBERS are accepted; the ratchet tree module, which
 * knows about blanks and truncation, is responsible for keeping its size one
 * of those.
 */
#include "mls/mls_keys.h"

#include "util/compat.h"

#include "codec/limits.h"

_Static_assert(MLS_TREE_MAX_LEAVES == LIMIT_MEMBERS, "tree math covers every allowed group");
_Static_assert((1u << MLS_TREE_MAX_DEPTH) == MLS_TREE_MAX_LEAVES, "depth is log2 of the width");

bool mls_tree_is_valid_size(uint32_t n_leaves)
{
	return n_leaves != 0 && n_leaves <= MLS_TREE_MAX_LEAVES && (n_leaves & (n_leaves - 1)) == 0;
}

bool mls_tree_is_leaf(uint32_t x)
{
	return (x & 1u) == 0;
}

uint32_t mls_tree_level(uint32_t x)
{
	uint32_t k = 0;

	while (k < 32 && ((x >> k) & 1u) == 1)
		k++;
	return k;
}

uint32_t mls_tree_node_width(uint32_t n_leaves)
{
	if (n_leaves == 0 || n_leaves > MLS_TREE_MAX_LEAVES) return 0;
	return 2 * (n_leaves - 1) + 1;
}

uint32_t mls_tree_leaf_node(uint32_t leaf)
{
	return 2 * leaf;
}

/* The checks every function shares: a valid size and x inside the tree. */
static bool in_tree(uint32_t x, uint32_t n_leaves)
{
	return mls_tree_is_valid_size(n_leaves) && x < mls_tree_node_width(n_leaves);
}

/* Appendix C root(n) = 2^floor(log2(width)) - 1, which is n - 1 for a full tree. */
static uint32_t root_of(uint32_t n_leaves)
{
	return n_leaves - 1;
}

int mls_tree_root(uint32_t n_leaves, uint32_t *out)
{
	*out = 0;
	if (!mls_tree_is_valid_size(n_leaves)) return KENH_ERR(KENH_E_INVALID_ARG);
	*out = root_of(n_leaves);
	return 0;
}

int mls_tree_left(uint32_t x, uint32_t n_leaves, uint32_t *out)
{
	uint32_t k;

	*out = 0;
	if (!in_tree(x, n_leaves) || mls_tree_is_leaf(x)) return KENH_ERR(KENH_E_INVALID_ARG);
	k = mls_tree_level(x);
	*out = x ^ (1u << (k - 1));
	return 0;
}

int mls_tree_right(uint32_t x, uint32_t n_leaves, uint32_t *out)
{
	uint32_t k;

	*out = 0;
	if (!in_tree(x, n_leaves) || mls_tree_is_leaf(x)) return KENH_ERR(KENH_E_INVALID_ARG);
	k = mls_tree_level(x);
	/* In a full tree the right child of a node inside the tree is inside it too. */
	*out = x ^ (3u << (k - 1));
	return 0;
}

/* Appendix C parent(x): set bit k, and clear bit k + 1 if it was set. */
static uint32_t parent_of(uint32_t x)
{
	uint32_t k = mls_tree_level(x);
	uint32_t b = (x >> (k + 1)) & 1u;

	return (x | (1u << k)) ^ (b << (k + 1));
}

int mls_tree_parent(uint32_t x, uint32_t n_leaves, uint32_t *out)
{
	*out = 0;
	if (!in_tree(x, n_leaves) || x == root_of(n_leaves)) return KENH_ERR(KENH_E_INVALID_ARG);
	*out = parent_of(x);
	return 0;
}

/* The other child of x's parent p; x is inside the tree and not its root. */
static uint32_t sibling_of(uint32_t x)
{
	uint32_t p = parent_of(x);
	uint32_t k = mls_tree_level(p);

	return x < p ? p ^ (3u << (k - 1)) : p ^ (1u << (k - 1));
}

int mls_tree_sibling(uint32_t x, uint32_t n_leaves, uint32_t *out)
{
	*out = 0;
	if (!in_tree(x, n_leaves) || x == root_of(n_leaves)) return KENH_ERR(KENH_E_INVALID_ARG);
	*out = sibling_of(x);
	return 0;
}

int mls_tree_direct_path(uint32_t x, uint32_t n_leaves, uint32_t path[static MLS_TREE_MAX_DEPTH],
                         size_t *len)
{
	uint32_t r;
	size_t n = 0;

	*len = 0;
	if (!in_tree(x, n_leaves)) return KENH_ERR(KENH_E_INVALID_ARG);
	r = root_of(n_leaves);
	/* Each step raises the level by one and the root's level is at most the depth. */
	while (x != r && n < MLS_TREE_MAX_DEPTH) {
		x = parent_of(x);
		path[n++] = x;
	}
	if (x != r) return KENH_ERR(KENH_E_INTERNAL);
	*len = n;
	return 0;
}

int mls_tree_copath(uint32_t x, uint32_t n_leaves, uint32_t copath[static MLS_TREE_MAX_DEPTH],
                    size_t *len)
{
	uint32_t r;
	size_t n = 0;

	*len = 0;
	if (!in_tree(x, n_leaves)) return KENH_ERR(KENH_E_INVALID_ARG);
	r = root_of(n_leaves);
	while (x != r && n < MLS_TREE_MAX_DEPTH) {
		copath[n++] = sibling_of(x);
		x = parent_of(x);
	}
	if (x != r) return KENH_ERR(KENH_E_INTERNAL);
	*len = n;
	return 0;
}

int mls_tree_common_ancestor(uint32_t x, uint32_t y, uint32_t n_leaves, uint32_t *out)
{
	uint32_t lx, ly, k = 0;

	*out = 0;
	if (!in_tree(x, n_leaves) || !in_tree(y, n_leaves)) return KENH_ERR(KENH_E_INVALID_ARG);
	/* One node is an ancestor of the other (or they are equal). */
	lx = mls_tree_level(x) + 1;
	ly = mls_tree_level(y) + 1;
	if (lx <= ly && (x >> ly) == (y >> ly)) {
		*out = y;
		return 0;
	}
	if (ly <= lx && (x >> lx) == (y >> lx)) {
		*out = x;
		return 0;
	}
	/* Otherwise the ancestor's index is their common prefix, then 0, then 1s. */
	while (x != y) {
		x >>= 1;
		y >>= 1;
		k++;
	}
	*out = (x << k) + (1u << (k - 1)) - 1;
	return 0;
}
