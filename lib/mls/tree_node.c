/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The ratchet tree's storage (RFC 9420 §4, §7.1, §7.2, Appendix C): shared
 * immutable nodes that own their encoding, the node array with its hash
 * cache, copies, import and export of the ratchet_tree extension
 * (§12.4.3.3), and the changes of §7.7 and §12.1.1-§12.1.3 (blank, add at
 * the leftmost blank leaf with extension, update, remove with truncation,
 * unmerged-leaf bookkeeping). Hashing, validation and TreeKEM live in
 * tree_hash.c, tree_leaf.c and treekem.c.
 */
#include "mls/tree.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "util/mem.h"

/* ------------------------------------------------------------ idx lists */

void mls_idx_list_clear(struct mls_idx_list *l)
{
	if (l == NULL) return;
	mem_free(l->v);
	memset(l, 0, sizeof(*l));
}

int mls_idx_list_push(struct mls_idx_list *l, uint32_t v)
{
	void *grown = NULL;
	size_t cap;
	int rc;

	if (l->n == l->cap) {
		if (l->cap >= LIMIT_TREE_NODES) return KENH_ERR(KENH_E_TOO_LARGE);
		cap = l->cap == 0 ? 16 : 2 * l->cap;
		if ((rc = mem_grow(l->v, cap, sizeof(uint32_t), &grown)) != 0) return rc;
		l->v = grown;
		l->cap = cap;
	}
	l->v[l->n++] = v;
	return 0;
}

/* ----------------------------------------------------------------- nodes */

static void rnode_unref(struct mls_rnode *n)
{
	if (n == NULL) return;
	KENH_ASSERT(n->refs > 0);
	if (--n->refs > 0) return;
	if (n->type == MLS_NODE_LEAF) {
		mls_leaf_node_clear(&n->u.leaf);
	} else {
		mls_parent_node_clear(&n->u.parent);
	}
	mem_free(n->enc);
	mem_free(n);
}

/*
 * A node of the given type from its encoding (copied). The encoding must
 * decode to its last byte: the stored bytes are then exactly the node.
 */
static int rnode_new(enum mls_node_type type, struct kenh_span enc, struct mls_rnode **out)
{
	struct mls_rnode *n = NULL;
	struct codec_reader r;
	int rc;

	*out = NULL;
	if ((rc = mem_calloc(1, sizeof(*n), (void **)&n)) != 0) return rc;
	n->refs = 1;
	n->type = type;
	if ((rc = span_dup(enc, &n->enc)) != 0) goto out;
	n->enc_len = enc.len;
	codec_reader_init(&r, n->enc, n->enc_len);
	if (type == MLS_NODE_LEAF) {
		rc = mls_decode_leaf_node(&r, &n->u.leaf);
	} else {
		rc = mls_decode_parent_node(&r, &n->u.parent);
	}
	if (rc == 0) rc = codec_reader_done(&r);
out:
	if (rc != 0) {
		rnode_unref(n);
		return rc;
	}
	*out = n;
	return 0;
}

/* ------------------------------------------------------------------ tree */

uint32_t mls_rtree_width(const struct mls_rtree *t)
{
	return mls_tree_node_width(t->n_leaves);
}

const struct mls_rnode *mls_rtree_node(const struct mls_rtree *t, uint32_t x)
{
	if (x >= mls_rtree_width(t)) return NULL;
	return t->nodes[x];
}

const struct mls_leaf_node *mls_rtree_leaf(const struct mls_rtree *t, uint32_t leaf)
{
	const struct mls_rnode *n;

	if (leaf >= t->n_leaves) return NULL;
	n = t->nodes[mls_tree_leaf_node(leaf)];
	return n == NULL ? NULL : &n->u.leaf;
}

struct kenh_span mls_rtree_node_key(const struct mls_rtree *t, uint32_t x)
{
	const struct mls_rnode *n = mls_rtree_node(t, x);

	if (n == NULL) return span_make(NULL, 0);
	if (n->type == MLS_NODE_LEAF) return n->u.leaf.encryption_key;
	return n->u.parent.encryption_key;
}

uint32_t mls_rtree_member_count(const struct mls_rtree *t)
{
	uint32_t i, count = 0;

	for (i = 0; i < t->n_leaves; i++)
		if (t->nodes[2 * i] != NULL) count++;
	return count;
}

/* Make room for cap leaves: node array, hash cache and flags. New slots are blank and dirty. */
static int reserve(struct mls_rtree *t, uint32_t cap)
{
	size_t width = mls_tree_node_width(cap), old = mls_tree_node_width(t->cap_leaves);
	size_t nh = t->cs->kdf->nh;
	void *p = NULL;
	int rc;

	if (cap <= t->cap_leaves) return 0;
	if (!mls_tree_is_valid_size(cap)) return KENH_ERR(KENH_E_TOO_LARGE);
	if ((rc = mem_grow(t->nodes, width, sizeof(*t->nodes), &p)) != 0) return rc;
	t->nodes = p;
	memset(t->nodes + old, 0, (width - old) * sizeof(*t->nodes));
	if ((rc = mem_grow(t->th, width, nh, &p)) != 0) return rc;
	t->th = p;
	if ((rc = mem_grow(t->th_ok, width, 1, &p)) != 0) return rc;
	t->th_ok = p;
	memset(t->th_ok + old, 0, width - old);
	t->cap_leaves = cap;
	return 0;
}

static int tree_alloc(const struct crypto_suite *cs, uint32_t n_leaves, struct mls_rtree **out)
{
	struct mls_rtree *t = NULL;
	int rc;

	*out = NULL;
	if (cs == NULL || !mls_tree_is_valid_size(n_leaves)) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = mem_calloc(1, sizeof(*t), (void **)&t)) != 0) return rc;
	t->cs = cs;
	if ((rc = reserve(t, n_leaves)) != 0) {
		mls_rtree_free(t);
		return rc;
	}
	t->n_leaves = n_leaves;
	*out = t;
	return 0;
}

int mls_rtree_new(const struct crypto_suite *cs, struct mls_rtree **out)
{
	return tree_alloc(cs, 1, out);
}

void mls_rtree_free(struct mls_rtree *t)
{
	size_t i, width;

	if (t == NULL) return;
	width = mls_tree_node_width(t->cap_leaves);
	for (i = 0; t->nodes != NULL && i < width; i++)
		rnode_unref(t->nodes[i]);
	mem_free(t->nodes);
	mem_free(t->th);
	mem_free(t->th_ok);
	mem_free(t->scratch);
	mem_free(t);
}

int mls_rtree_dup(const struct mls_rtree *t, struct mls_rtree **out)
{
	struct mls_rtree *c = NULL;
	uint32_t i, width = mls_rtree_width(t);
	int rc;

	if ((rc = tree_alloc(t->cs, t->n_leaves, &c)) != 0) return rc;
	for (i = 0; i < width; i++) {
		c->nodes[i] = t->nodes[i];
		if (c->nodes[i] != NULL) c->nodes[i]->refs++;
	}
	memcpy(c->th, t->th, (size_t)width * t->cs->kdf->nh);
	memcpy(c->th_ok, t->th_ok, width);
	*out = c;
	return 0;
}

/* Mark x and every node above it as needing a new tree hash (§7.8). */
static void invalidate(struct mls_rtree *t, uint32_t x)
{
	uint32_t root = t->n_leaves - 1;

	t->th_ok[x] = 0;
	while (x != root && mls_tree_parent(x, t->n_leaves, &x) == 0)
		t->th_ok[x] = 0;
}

/* Replace the node at x (takes n's reference; n may be NULL for blank). */
static void put_node(struct mls_rtree *t, uint32_t x, struct mls_rnode *n)
{
	rnode_unref(t->nodes[x]);
	t->nodes[x] = n;
	invalidate(t, x);
}

void mls_rtree_blank(struct mls_rtree *t, uint32_t x)
{
	if (x >= mls_rtree_width(t) || t->nodes[x] == NULL) return;
	put_node(t, x, NULL);
}

void mls_rtree_blank_path(struct mls_rtree *t, uint32_t leaf)
{
	uint32_t path[MLS_TREE_MAX_DEPTH];
	size_t i, len = 0;

	if (mls_tree_direct_path(mls_tree_leaf_node(leaf), t->n_leaves, path, &len) != 0) return;
	for (i = 0; i < len; i++)
		mls_rtree_blank(t, path[i]);
}

int mls_rtree_set_leaf(struct mls_rtree *t, uint32_t leaf, struct kenh_span leaf_node)
{
	struct mls_rnode *n = NULL;
	int rc;

	if (leaf >= t->n_leaves) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = rnode_new(MLS_NODE_LEAF, leaf_node, &n)) != 0) return rc;
	put_node(t, mls_tree_leaf_node(leaf), n);
	return 0;
}

int mls_rtree_set_parent(struct mls_rtree *t, uint32_t x, const struct mls_parent_node *pn)
{
	struct codec_writer w;
	struct mls_rnode *n = NULL;
	int rc;

	if (x >= mls_rtree_width(t) || mls_tree_is_leaf(x)) return KENH_ERR(KENH_E_INVALID_ARG);
	codec_writer_init(&w, LIMIT_STRUCT_VECTOR, CODEC_WRITER_NORMAL);
	if ((rc = mls_encode_parent_node(&w, pn)) != 0) goto out;
	if ((rc = rnode_new(MLS_NODE_PARENT, codec_writer_span(&w), &n)) != 0) goto out;
	put_node(t, x, n);
out:
	codec_writer_clear(&w);
	return rc;
}

/* Double the tree (§7.7): a new blank root over the old tree and a blank right subtree. */
static int extend(struct mls_rtree *t)
{
	uint32_t n = t->n_leaves;
	int rc;

	if (n >= LIMIT_MEMBERS) return KENH_ERR(KENH_E_TOO_LARGE);
	if ((rc = reserve(t, 2 * n)) != 0) return rc;
	t->n_leaves = 2 * n;
	/* Appendix C: old node indices keep their meaning; the new ones start blank and dirty. */
	memset(t->th_ok + mls_tree_node_width(n), 0,
	       mls_tree_node_width(2 * n) - mls_tree_node_width(n));
	return 0;
}

void mls_rtree_truncate(struct mls_rtree *t)
{
	uint32_t last = 0, n, i;
	bool any = false;

	for (i = 0; i < t->n_leaves; i++) {
		if (t->nodes[2 * i] != NULL) {
			last = i;
			any = true;
		}
	}
	/* RFC 9420 §12.1.3: 2^d leaves for the smallest d with 2^d > last. */
	n = 1;
	while (any && n <= last)
		n *= 2;
	for (i = mls_tree_node_width(n); i < mls_rtree_width(t); i++) {
		rnode_unref(t->nodes[i]);
		t->nodes[i] = NULL;
		t->th_ok[i] = 0;
	}
	t->n_leaves = n;
}

/* A new node: parent node x with `leaf` inserted in its sorted unmerged leaves. */
static int with_unmerged(const struct mls_rtree *t, uint32_t x, uint32_t leaf,
                         struct mls_rnode **out)
{
	const struct mls_parent_node *old = &t->nodes[x]->u.parent;
	struct mls_parent_node pn = *old;
	struct codec_writer w;
	uint32_t *v = NULL;
	size_t i, j = 0;
	int rc;

	*out = NULL;
	if (old->n_unmerged_leaves >= LIMIT_UNMERGED) return KENH_ERR(KENH_E_TOO_LARGE);
	if ((rc = mem_calloc(old->n_unmerged_leaves + 1, sizeof(uint32_t), (void **)&v)) != 0)
		return rc;
	/* RFC 9420 §7.1: unmerged_leaves MUST be sorted in increasing order. */
	for (i = 0; i < old->n_unmerged_leaves && old->unmerged_leaves[i] < leaf; i++)
		v[j++] = old->unmerged_leaves[i];
	v[j++] = leaf;
	for (; i < old->n_unmerged_leaves; i++)
		v[j++] = old->unmerged_leaves[i];
	pn.unmerged_leaves = v;
	pn.n_unmerged_leaves = j;
	codec_writer_init(&w, LIMIT_STRUCT_VECTOR, CODEC_WRITER_NORMAL);
	if ((rc = mls_encode_parent_node(&w, &pn)) == 0)
		rc = rnode_new(MLS_NODE_PARENT, codec_writer_span(&w), out);
	codec_writer_clear(&w);
	mem_free(v);
	return rc;
}

/*
 * RFC 9420 §12.1.1, after the leaf is chosen: the new nodes of its direct
 * path (leaf added to the unmerged leaves of each non-blank one) are all
 * made before anything changes, so that a failure leaves the tree intact.
 */
static int place_leaf(struct mls_rtree *t, uint32_t leaf, struct mls_rnode *n)
{
	struct mls_rnode *up[MLS_TREE_MAX_DEPTH] = { NULL };
	uint32_t path[MLS_TREE_MAX_DEPTH];
	size_t i, len = 0;
	int rc;

	if ((rc = mls_tree_direct_path(2 * leaf, t->n_leaves, path, &len)) != 0) return rc;
	for (i = 0; i < len; i++) {
		if (t->nodes[path[i]] == NULL) continue;
		if ((rc = with_unmerged(t, path[i], leaf, &up[i])) != 0) goto out;
	}
	for (i = 0; i < len; i++) {
		if (up[i] == NULL) continue;
		put_node(t, path[i], up[i]);
		up[i] = NULL;
	}
	put_node(t, 2 * leaf, n);
out:
	for (i = 0; i < len; i++)
		rnode_unref(up[i]);
	return rc;
}

int mls_rtree_blank_leaf(struct mls_rtree *t, uint32_t *leaf_out)
{
	uint32_t leaf;
	int rc;

	*leaf_out = 0;
	/* RFC 9420 §12.1.1: the leftmost blank leaf, extending the tree if there is none. */
	for (leaf = 0; leaf < t->n_leaves && t->nodes[2 * leaf] != NULL; leaf++)
		;
	if (leaf == t->n_leaves && (rc = extend(t)) != 0) return rc;
	*leaf_out = leaf;
	return 0;
}

int mls_rtree_add_leaf(struct mls_rtree *t, struct kenh_span leaf_node, uint32_t *leaf_out)
{
	struct mls_rnode *n = NULL;
	uint32_t leaf = 0, old = t->n_leaves;
	int rc;

	*leaf_out = 0;
	if ((rc = rnode_new(MLS_NODE_LEAF, leaf_node, &n)) != 0) return rc;
	if ((rc = mls_rtree_blank_leaf(t, &leaf)) != 0) goto out;
	if ((rc = place_leaf(t, leaf, n)) != 0) {
		/* Undo the extension: its nodes are all blank, the old ones untouched. */
		t->n_leaves = old;
		goto out;
	}
	n = NULL;
	*leaf_out = leaf;
out:
	rnode_unref(n);
	return rc;
}

int mls_rtree_update_leaf(struct mls_rtree *t, uint32_t leaf, struct kenh_span leaf_node)
{
	struct mls_rnode *n = NULL;
	int rc;

	if (leaf >= t->n_leaves) return KENH_ERR(KENH_E_INVALID_ARG);
	if (t->nodes[2 * leaf] == NULL) return KENH_ERR(KENH_E_STATE);
	if ((rc = rnode_new(MLS_NODE_LEAF, leaf_node, &n)) != 0) return rc;
	/* RFC 9420 §12.1.2: replace the leaf, blank the intermediate nodes above it. */
	put_node(t, 2 * leaf, n);
	mls_rtree_blank_path(t, leaf);
	return 0;
}

int mls_rtree_remove_leaf(struct mls_rtree *t, uint32_t leaf)
{
	if (leaf >= t->n_leaves) return KENH_ERR(KENH_E_INVALID_ARG);
	/* RFC 9420 §12.1.3: `removed` must identify a non-blank leaf. */
	if (t->nodes[2 * leaf] == NULL) return KENH_ERR(KENH_E_STATE);
	put_node(t, 2 * leaf, NULL);
	mls_rtree_blank_path(t, leaf);
	mls_rtree_truncate(t);
	return 0;
}

/* A ParentNode with a key, a parent hash and no unmerged leaves, as a new node. */
static int path_node(struct kenh_span key, struct kenh_span parent_hash, struct mls_rnode **out)
{
	struct mls_parent_node pn = { key, parent_hash, NULL, 0 };
	struct codec_writer w;
	int rc;

	codec_writer_init(&w, LIMIT_STRUCT_VECTOR, CODEC_WRITER_NORMAL);
	if ((rc = mls_encode_parent_node(&w, &pn)) == 0)
		rc = rnode_new(MLS_NODE_PARENT, codec_writer_span(&w), out);
	codec_writer_clear(&w);
	return rc;
}

int mls_rtree_apply_path(struct mls_rtree *t, const struct mls_rtree_path_update *u)
{
	struct mls_rnode *made[MLS_TREE_MAX_DEPTH] = { NULL }, *leaf = NULL;
	size_t i;
	int rc;

	if (u->leaf >= t->n_leaves || u->n > MLS_TREE_MAX_DEPTH)
		return KENH_ERR(KENH_E_INVALID_ARG);
	for (i = 0; i < u->n; i++) {
		if (u->node[i] >= mls_rtree_width(t) || mls_tree_is_leaf(u->node[i])) {
			rc = KENH_ERR(KENH_E_INVALID_ARG);
			goto out;
		}
		if ((rc = path_node(u->key[i], u->parent_hash[i], &made[i])) != 0) goto out;
	}
	if ((rc = rnode_new(MLS_NODE_LEAF, u->leaf_node, &leaf)) != 0) goto out;
	/* RFC 9420 §7.5: blank the direct path, then set the filtered direct path and the leaf. */
	mls_rtree_blank_path(t, u->leaf);
	for (i = 0; i < u->n; i++) {
		put_node(t, u->node[i], made[i]);
		made[i] = NULL;
	}
	put_node(t, 2 * u->leaf, leaf);
	leaf = NULL;
out:
	for (i = 0; i < u->n && i < MLS_TREE_MAX_DEPTH; i++)
		rnode_unref(made[i]);
	rnode_unref(leaf);
	return rc;
}

/* ------------------------------------------------------- import / export */

/*
 * One optional<Node> of the vector: its presence, its type (checked against
 * the position's parity) and its node, copied.
 */
static int import_node(struct codec_reader *r, uint32_t x, struct mls_rnode **out)
{
	struct mls_leaf_node ln;
	struct mls_parent_node pn;
	enum mls_node_type want = mls_tree_is_leaf(x) ? MLS_NODE_LEAF : MLS_NODE_PARENT;
	bool present = false;
	uint8_t type = 0;
	size_t start;
	int rc;

	*out = NULL;
	if ((rc = codec_read_optional(r, &present)) != 0 || !present) return rc;
	if ((rc = codec_read_u8(r, &type)) != 0) return rc;
	/* RFC 9420 §12.4.3.3: leaves sit at even positions, parents at odd ones. */
	if (type != (uint8_t)want) return codec_reader_fail(r, KENH_ERR(KENH_E_PARSE));
	start = r->off;
	if (want == MLS_NODE_LEAF) {
		if ((rc = mls_decode_leaf_node(r, &ln)) != 0) return rc;
		mls_leaf_node_clear(&ln);
	} else {
		if ((rc = mls_decode_parent_node(r, &pn)) != 0) return rc;
		mls_parent_node_clear(&pn);
	}
	rc = rnode_new(want, span_make(r->buf + start, r->off - start), out);
	return rc == 0 ? 0 : codec_reader_fail(r, rc);
}

/* Append a node pointer to a growing array of cap_nodes entries. */
static int push_node(struct mls_rnode ***v, size_t *n, size_t *cap, struct mls_rnode *node)
{
	void *grown = NULL;
	size_t c;
	int rc;

	if (*n == *cap) {
		c = *cap == 0 ? 64 : 2 * *cap;
		if ((rc = mem_grow(*v, c, sizeof(**v), &grown)) != 0) return rc;
		*v = grown;
		*cap = c;
	}
	(*v)[(*n)++] = node;
	return 0;
}

static void drop_nodes(struct mls_rnode **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		rnode_unref(v[i]);
	mem_free(v);
}

/* Read the whole vector into v[0 .. *n - 1]. */
static int read_nodes(struct codec_reader *r, struct mls_rnode ***v, size_t *n)
{
	struct codec_reader child;
	struct mls_rnode *node = NULL;
	size_t cap = 0;
	int rc;

	if ((rc = codec_read_vector(r, LIMIT_RATCHET_TREE, &child)) != 0) return rc;
	while (codec_reader_remaining(&child) > 0) {
		if (*n >= LIMIT_TREE_NODES) return KENH_ERR(KENH_E_TOO_LARGE);
		if ((rc = import_node(&child, (uint32_t)*n, &node)) != 0) return rc;
		if ((rc = push_node(v, n, &cap, node)) != 0) {
			rnode_unref(node);
			return rc;
		}
	}
	return codec_reader_close_child(r, &child);
}

int mls_rtree_import(const struct crypto_suite *cs, struct kenh_span data, struct mls_rtree **out)
{
	struct codec_reader r;
	struct mls_rnode **v = NULL;
	struct mls_rtree *t = NULL;
	size_t n = 0, i;
	uint32_t leaves = 1;
	int rc;

	*out = NULL;
	codec_reader_init(&r, data.p, data.len);
	if ((rc = read_nodes(&r, &v, &n)) != 0 || (rc = codec_reader_done(&r)) != 0) goto out;
	/*
	 * RFC 9420 §12.4.3.3: the last node must be non-blank. In every tree the
	 * protocol makes it is a leaf (§7.7 truncation; a non-blank parent has a
	 * non-blank leaf on its right), so the count is odd.
	 */
	if (n == 0 || v[n - 1] == NULL || n % 2 == 0) {
		rc = KENH_ERR(KENH_E_PARSE);
		goto out;
	}
	while (mls_tree_node_width(leaves) < n)
		leaves *= 2;
	if ((rc = tree_alloc(cs, leaves, &t)) != 0) goto out;
	for (i = 0; i < n; i++) {
		t->nodes[i] = v[i];
		v[i] = NULL;
	}
	*out = t;
out:
	drop_nodes(v, n);
	return rc;
}

int mls_rtree_export(const struct mls_rtree *t, struct codec_writer *w)
{
	uint32_t width = mls_rtree_width(t), end = width, i;
	size_t mark = 0;
	const struct mls_rnode *n;

	/* RFC 9420 §12.4.3.3: no blank nodes after the last non-blank one. */
	while (end > 0 && t->nodes[end - 1] == NULL)
		end--;
	codec_write_vector_begin(w, &mark);
	for (i = 0; i < end; i++) {
		n = t->nodes[i];
		codec_write_optional(w, n != NULL);
		if (n == NULL) continue;
		codec_write_u8(w, (uint8_t)n->type);
		codec_write_bytes(w, n->enc, n->enc_len);
	}
	return codec_write_vector_end(w, mark);
}
