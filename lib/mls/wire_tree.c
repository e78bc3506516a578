/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Ratchet-tree structures on the wire: ParentNode (RFC 9420 §7.1), Node
 * and the optional<Node> ratchet_tree vector (§12.4.3.3), and the
 * UpdatePath of a Commit with its HPKECiphertext entries (§7.6). The tree
 * is checked node by node and kept as a view of its bytes, exactly as
 * sent; tree-shape checks (last node non-blank, unmerged leaves sorted,
 * path length matching the filtered direct path) belong to the
 * ratchet-tree code.
 */
#include "mls/mls_wire.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/mls_wire_int.h"

static int decode_u32(struct codec_reader *r, void *elem)
{
	return codec_read_u32(r, elem);
}

static int encode_u32(struct codec_writer *w, const void *elem)
{
	return codec_write_u32(w, *(const uint32_t *)elem);
}

static const struct mls_list_spec unmerged_list = {
	.elem_size = sizeof(uint32_t),
	.max_bytes = 4 * (size_t)LIMIT_UNMERGED,
	.max_count = LIMIT_UNMERGED,
	.decode = decode_u32,
	.encode = encode_u32,
	.clear = NULL,
};

int mls_decode_parent_node(struct codec_reader *r, struct mls_parent_node *out)
{
	void *leaves = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	codec_read_opaque(r, LIMIT_PUBLIC_KEY, &out->encryption_key);
	codec_read_opaque(r, LIMIT_HASH, &out->parent_hash);
	rc = mls_list_decode(r, &unmerged_list, &leaves, &out->n_unmerged_leaves);
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	out->unmerged_leaves = leaves;
	return 0;
}

int mls_encode_parent_node(struct codec_writer *w, const struct mls_parent_node *in)
{
	codec_write_opaque(w, in->encryption_key.p, in->encryption_key.len);
	codec_write_opaque(w, in->parent_hash.p, in->parent_hash.len);
	return mls_list_encode(w, &unmerged_list, in->unmerged_leaves, in->n_unmerged_leaves);
}

void mls_parent_node_clear(struct mls_parent_node *pn)
{
	mls_list_free(&unmerged_list, pn->unmerged_leaves, pn->n_unmerged_leaves);
	memset(pn, 0, sizeof(*pn));
}

int mls_decode_node(struct codec_reader *r, struct mls_node *out)
{
	uint8_t v = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mls_wire_read_enum8(r, MLS_NODE_PARENT, &v)) != 0) return rc;
	out->node_type = (enum mls_node_type)v;
	switch (out->node_type) {
	case MLS_NODE_LEAF:
		rc = mls_decode_leaf_node(r, &out->u.leaf_node);
		break;
	case MLS_NODE_PARENT:
		rc = mls_decode_parent_node(r, &out->u.parent_node);
		break;
	}
	if (rc != 0) memset(out, 0, sizeof(*out));
	return rc;
}

int mls_encode_node(struct codec_writer *w, const struct mls_node *in)
{
	switch (in->node_type) {
	case MLS_NODE_LEAF:
		codec_write_u8(w, MLS_NODE_LEAF);
		return mls_encode_leaf_node(w, &in->u.leaf_node);
	case MLS_NODE_PARENT:
		codec_write_u8(w, MLS_NODE_PARENT);
		return mls_encode_parent_node(w, &in->u.parent_node);
	}
	return KENH_ERR(KENH_E_INVALID_ARG);
}

void mls_node_clear(struct mls_node *n)
{
	switch (n->node_type) {
	case MLS_NODE_LEAF:
		mls_leaf_node_clear(&n->u.leaf_node);
		break;
	case MLS_NODE_PARENT:
		mls_parent_node_clear(&n->u.parent_node);
		break;
	}
	memset(n, 0, sizeof(*n));
}

/* RFC 9420 §2.1.1: optional<Node>, presence byte 0 or 1. */
int mls_decode_optional_node(struct codec_reader *r, struct mls_optional_node *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = codec_read_optional(r, &out->present)) != 0 || !out->present) return rc;
	if ((rc = mls_decode_node(r, &out->node)) != 0) out->present = false;
	return rc;
}

int mls_encode_optional_node(struct codec_writer *w, const struct mls_optional_node *in)
{
	int rc;

	if ((rc = codec_write_optional(w, in->present)) != 0 || !in->present) return rc;
	return mls_encode_node(w, &in->node);
}

void mls_optional_node_clear(struct mls_optional_node *on)
{
	if (on->present) mls_node_clear(&on->node);
	memset(on, 0, sizeof(*on));
}

/*
 * Check every optional<Node> of the body, one at a time: each is decoded
 * and released at once, so the tree costs no memory however many blank
 * nodes it holds (STYLE R6.3).
 */
static int scan_tree(struct codec_reader *body, struct mls_ratchet_tree *out)
{
	struct mls_optional_node on;
	int rc;

	while (codec_reader_remaining(body) > 0) {
		if (out->count == LIMIT_TREE_NODES) return KENH_ERR(KENH_E_TOO_LARGE);
		if ((rc = mls_decode_optional_node(body, &on)) != 0)
			return rc == KENH_E_TRUNCATED ? KENH_ERR(KENH_E_PARSE) : rc;
		if (on.present) out->n_present++;
		mls_optional_node_clear(&on);
		out->count++;
	}
	return 0;
}

int mls_decode_ratchet_tree(struct codec_reader *r, struct mls_ratchet_tree *out)
{
	struct codec_reader child;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = codec_read_vector(r, LIMIT_RATCHET_TREE, &child)) != 0) return rc;
	out->nodes = span_make(child.buf, child.len);
	if ((rc = scan_tree(&child, out)) == 0) rc = codec_reader_close_child(r, &child);
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		return codec_reader_fail(r, rc);
	}
	return 0;
}

/* The nodes were checked when they were decoded: they go back out as they came. */
int mls_encode_ratchet_tree(struct codec_writer *w, const struct mls_ratchet_tree *in)
{
	return codec_write_opaque(w, in->nodes.p, in->nodes.len);
}

int mls_decode_hpke_ciphertext(struct codec_reader *r, struct mls_hpke_ciphertext *out)
{
	memset(out, 0, sizeof(*out));
	codec_read_opaque(r, LIMIT_KEM_OUTPUT, &out->kem_output);
	codec_read_opaque(r, LIMIT_CIPHERTEXT, &out->ciphertext);
	if (codec_reader_err(r) != 0) memset(out, 0, sizeof(*out));
	return codec_reader_err(r);
}

int mls_encode_hpke_ciphertext(struct codec_writer *w, const struct mls_hpke_ciphertext *in)
{
	codec_write_opaque(w, in->kem_output.p, in->kem_output.len);
	return codec_write_opaque(w, in->ciphertext.p, in->ciphertext.len);
}

static int decode_ciphertext_elem(struct codec_reader *r, void *elem)
{
	return mls_decode_hpke_ciphertext(r, elem);
}

static int encode_ciphertext_elem(struct codec_writer *w, const void *elem)
{
	return mls_encode_hpke_ciphertext(w, elem);
}

static const struct mls_list_spec ciphertext_list = {
	.elem_size = sizeof(struct mls_hpke_ciphertext),
	.max_bytes = LIMIT_STRUCT_VECTOR,
	.max_count = LIMIT_PATH_CIPHERTEXTS,
	.decode = decode_ciphertext_elem,
	.encode = encode_ciphertext_elem,
	.clear = NULL,
};

int mls_decode_update_path_node(struct codec_reader *r, struct mls_update_path_node *out)
{
	void *cts = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	codec_read_opaque(r, LIMIT_PUBLIC_KEY, &out->encryption_key);
	rc = mls_list_decode(r, &ciphertext_list, &cts, &out->n_encrypted_path_secret);
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	out->encrypted_path_secret = cts;
	return 0;
}

int mls_encode_update_path_node(struct codec_writer *w, const struct mls_update_path_node *in)
{
	codec_write_opaque(w, in->encryption_key.p, in->encryption_key.len);
	return mls_list_encode(w, &ciphertext_list, in->encrypted_path_secret,
	                       in->n_encrypted_path_secret);
}

void mls_update_path_node_clear(struct mls_update_path_node *n)
{
	mls_list_free(&ciphertext_list, n->encrypted_path_secret, n->n_encrypted_path_secret);
	memset(n, 0, sizeof(*n));
}

static int decode_path_node_elem(struct codec_reader *r, void *elem)
{
	return mls_decode_update_path_node(r, elem);
}

static int encode_path_node_elem(struct codec_writer *w, const void *elem)
{
	return mls_encode_update_path_node(w, elem);
}

static void clear_path_node_elem(void *elem)
{
	mls_update_path_node_clear(elem);
}

static size_t path_node_owned(const void *elem)
{
	const struct mls_update_path_node *n = elem;

	return n->n_encrypted_path_secret * sizeof(struct mls_hpke_ciphertext);
}

/*
 * RFC 9420 §7.6: max_owned is one budget for the whole UpdatePath, at most
 * LIMIT_PATH_CIPHERTEXTS ciphertexts over all its nodes (see limits.h).
 */
static const struct mls_list_spec path_node_list = {
	.elem_size = sizeof(struct mls_update_path_node),
	.max_bytes = LIMIT_STRUCT_VECTOR,
	.max_count = LIMIT_PATH_NODES,
	.max_owned = LIMIT_PATH_CIPHERTEXTS * sizeof(struct mls_hpke_ciphertext),
	.decode = decode_path_node_elem,
	.encode = encode_path_node_elem,
	.clear = clear_path_node_elem,
	.owned = path_node_owned,
};

int mls_decode_update_path(struct codec_reader *r, struct mls_update_path *out)
{
	void *nodes = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mls_decode_leaf_node(r, &out->leaf_node)) != 0) return rc;
	if ((rc = mls_list_decode(r, &path_node_list, &nodes, &out->n_nodes)) != 0) {
		mls_update_path_clear(out);
		return rc;
	}
	out->nodes = nodes;
	return 0;
}

int mls_encode_update_path(struct codec_writer *w, const struct mls_update_path *in)
{
	int rc;

	if ((rc = mls_encode_leaf_node(w, &in->leaf_node)) != 0) return rc;
	return mls_list_encode(w, &path_node_list, in->nodes, in->n_nodes);
}

void mls_update_path_clear(struct mls_update_path *p)
{
	mls_leaf_node_clear(&p->leaf_node);
	mls_list_free(&path_node_list, p->nodes, p->n_nodes);
	memset(p, 0, sizeof(*p));
}
