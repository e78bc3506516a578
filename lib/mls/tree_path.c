/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Walking the ratchet tree (RFC 9420 §4.1.1, §4.1.2): the resolution of a
 * node, whether a subtree is blank, and the filtered direct path of a leaf
 * with the copath child of each of its nodes. Iterative: the explicit
 * stack is bounded by the tree's depth (STYLE R12.5).
 */
#include "mls/tree.h"

#include "util/compat.h"

/* Appendix C: the subtree under x at level k spans x - (2^k - 1) .. x + (2^k - 1). */
bool mls_rtree_subtree_is_blank(const struct mls_rtree *t, uint32_t x)
{
	uint32_t half = (1u << mls_tree_level(x)) - 1u, i, end = x + half;

	if (end >= mls_rtree_width(t)) end = mls_rtree_width(t) - 1;
	for (i = x - half; i <= end; i++)
		if (t->nodes[i] != NULL) return false;
	return true;
}

/* A non-blank node and its unmerged leaves, as node indices (§4.1.1). */
static int push_resolved(const struct mls_rtree *t, uint32_t y, struct mls_idx_list *out)
{
	const struct mls_rnode *n = t->nodes[y];
	size_t i;
	int rc;

	if ((rc = mls_idx_list_push(out, y)) != 0) return rc;
	if (n->type != MLS_NODE_PARENT) return 0;
	for (i = 0; i < n->u.parent.n_unmerged_leaves; i++) {
		/* An index outside the tree could not name a node (§12.4.3.1 rejects it). */
		if (n->u.parent.unmerged_leaves[i] >= t->n_leaves) return KENH_ERR(KENH_E_PROTO);
		rc = mls_idx_list_push(out, mls_tree_leaf_node(n->u.parent.unmerged_leaves[i]));
		if (rc != 0) return rc;
	}
	return 0;
}

int mls_rtree_resolution(const struct mls_rtree *t, uint32_t x, struct mls_idx_list *out)
{
	/* Each blank parent popped pushes two children one level down: depth + 2 suffices. */
	uint32_t stack[2 * MLS_TREE_MAX_DEPTH + 2], y, l = 0, r = 0;
	size_t sp = 0;
	int rc;

	if (x >= mls_rtree_width(t)) return KENH_ERR(KENH_E_INVALID_ARG);
	stack[sp++] = x;
	while (sp > 0) {
		y = stack[--sp];
		if (t->nodes[y] != NULL) {
			if ((rc = push_resolved(t, y, out)) != 0) return rc;
			continue;
		}
		if (mls_tree_is_leaf(y)) continue;
		/* A blank parent: its left child's resolution, then its right child's. */
		if ((rc = mls_tree_left(y, t->n_leaves, &l)) != 0 ||
		    (rc = mls_tree_right(y, t->n_leaves, &r)) != 0)
			return rc;
		KENH_ASSERT(sp + 2 <= ARRAY_LEN(stack));
		stack[sp++] = r;
		stack[sp++] = l;
	}
	return 0;
}

int mls_rtree_filtered_path(const struct mls_rtree *t, uint32_t leaf,
                            uint32_t path[static MLS_TREE_MAX_DEPTH],
                            uint32_t copath[static MLS_TREE_MAX_DEPTH], size_t *len)
{
	uint32_t dp[MLS_TREE_MAX_DEPTH], cp[MLS_TREE_MAX_DEPTH];
	size_t i, n = 0, m = 0;
	int rc;

	*len = 0;
	if (leaf >= t->n_leaves) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = mls_tree_direct_path(2 * leaf, t->n_leaves, dp, &n)) != 0 ||
	    (rc = mls_tree_copath(2 * leaf, t->n_leaves, cp, &m)) != 0)
		return rc;
	KENH_ASSERT(n == m);
	/* RFC 9420 §4.1.2: drop a node whose copath child has an empty resolution. */
	for (i = 0; i < n; i++) {
		if (mls_rtree_subtree_is_blank(t, cp[i])) continue;
		path[*len] = dp[i];
		copath[*len] = cp[i];
		(*len)++;
	}
	return 0;
}
