/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * An index of a ratchet tree for the checks of RFC 9420 §7.3 that compare
 * a new LeafNode with every member: its encryption key differs from every
 * node's, its signature key from every leaf's, its credential type is
 * supported by every member and it supports every member's credential
 * type. A Commit that adds k members to an N-member group makes those
 * checks k times (§12.1.1: each Add against the tree as it is then);
 * scanning the tree each time costs k * N comparisons, the index (hash
 * sets of the keys, counts per credential type) O(N) once and O(1) per
 * leaf. The answers are those of the scan in tree_leaf.c
 * (check_against_tree), for leaves that replace none.
 *
 * The index owns copies of the keys: adding a leaf replaces the parent
 * nodes above it (their unmerged_leaves change, tree_node.c), so views
 * into the tree would not outlive the Adds the index is for.
 */
#include "mls/tree.h"

#include "util/compat.h"

#include "codec/limits.h"
#include "util/mem.h"

static bool u16_listed(const struct mls_u16_list *l, uint16_t v)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (l->items[i] == v) return true;
	return false;
}

/* Equal keys (public values: no constant-time need). */
static bool same_key(struct kenh_span a, struct kenh_span b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/*
 * A multiply-xorshift hash over the key's 8-byte words. It is not keyed: a
 * member can choose keys whose hashes collide, which makes probes as long
 * as the keys it chose; a look-up then costs at worst what the scan costs
 * (a comparison with every key), never more.
 */
static size_t key_hash(struct kenh_span k)
{
	const uint64_t m = 0x9e3779b97f4a7c15u;
	uint64_t h = (uint64_t)k.len * m, w;
	size_t i;

	for (i = 0; i < k.len; i += 8) {
		w = 0;
		memcpy(&w, k.p + i, k.len - i < 8 ? k.len - i : 8);
		h = (h ^ w) * m;
		h ^= h >> 29;
	}
	return (size_t)(h ^ (h >> 32));
}

/* Put key in a table that has a free slot (linear probing). */
static void put_slot(struct kenh_span *slot, size_t cap, struct kenh_span key)
{
	size_t i = key_hash(key) & (cap - 1);

	while (slot[i].p != NULL)
		i = (i + 1) & (cap - 1);
	slot[i] = key;
}

static bool key_set_has(const struct mls_key_set *s, struct kenh_span key)
{
	size_t i;

	for (i = key_hash(key) & (s->cap - 1); s->slot[i].p != NULL; i = (i + 1) & (s->cap - 1))
		if (same_key(s->slot[i], key)) return true;
	return false;
}

/* An empty set with room for n keys before it is half full. */
static int key_set_init(struct mls_key_set *s, size_t n)
{
	size_t cap = 16;
	void *p = NULL;
	int rc;

	memset(s, 0, sizeof(*s));
	while (cap / 2 < n) {
		if (cap > 4 * (size_t)LIMIT_TREE_NODES) return KENH_ERR(KENH_E_TOO_LARGE);
		cap *= 2;
	}
	if ((rc = mem_calloc(cap, sizeof(*s->slot), &p)) != 0) return rc;
	s->slot = p;
	s->cap = cap;
	return 0;
}

/* Add key (a view the index keeps valid), doubling the table past half full. */
static int key_set_add(struct mls_key_set *s, struct kenh_span key)
{
	struct mls_key_set grown;
	size_t i;
	int rc;

	if (s->n + 1 > s->cap / 2) {
		if ((rc = key_set_init(&grown, s->cap)) != 0) return rc;
		for (i = 0; i < s->cap; i++)
			if (s->slot[i].p != NULL) put_slot(grown.slot, grown.cap, s->slot[i]);
		grown.n = s->n;
		mem_free(s->slot);
		*s = grown;
	}
	put_slot(s->slot, s->cap, key);
	s->n++;
	return 0;
}

/* Copy key into store at *pos (advanced); *out views the copy. */
static void copy_key(uint8_t *store, size_t *pos, struct kenh_span key, struct kenh_span *out)
{
	if (key.len != 0) memcpy(store + *pos, key.p, key.len);
	*out = span_make(store + *pos, key.len);
	*pos += key.len;
}

/* The bytes of every key of t, and how many keys of each kind. */
static int measure(const struct mls_rtree *t, size_t *bytes, size_t *n_enc, size_t *n_sig)
{
	const struct mls_rnode *n;
	uint32_t x, width = mls_rtree_width(t);
	size_t total = 0;

	*n_enc = *n_sig = 0;
	for (x = 0; x < width; x++) {
		if ((n = t->nodes[x]) == NULL) continue;
		(*n_enc)++;
		if (size_add(total, mls_rtree_node_key(t, x).len, &total) != 0)
			return KENH_ERR(KENH_E_TOO_LARGE);
		if (n->type != MLS_NODE_LEAF) continue;
		(*n_sig)++;
		if (size_add(total, n->u.leaf.signature_key.len, &total) != 0)
			return KENH_ERR(KENH_E_TOO_LARGE);
	}
	*bytes = total;
	return 0;
}

/* The record of credential type `type`, added with zero counts if absent. */
static int cred_use(struct mls_leaf_index *idx, uint16_t type, struct mls_cred_use **out)
{
	void *grown = NULL;
	size_t i, cap;
	int rc;

	*out = NULL;
	for (i = 0; i < idx->n_cred; i++) {
		if (idx->cred[i].type != type) continue;
		*out = &idx->cred[i];
		return 0;
	}
	if (idx->n_cred == idx->cap_cred) {
		/* Each record is the type of a member's credential or of a checked leaf's. */
		if (idx->cap_cred >= LIMIT_MEMBERS) return KENH_ERR(KENH_E_TOO_LARGE);
		cap = idx->cap_cred == 0 ? 4 : 2 * idx->cap_cred;
		if ((rc = mem_grow(idx->cred, cap, sizeof(*idx->cred), &grown)) != 0) return rc;
		idx->cred = grown;
		idx->cap_cred = cap;
	}
	*out = &idx->cred[idx->n_cred++];
	memset(*out, 0, sizeof(**out));
	(*out)->type = type;
	return 0;
}

/* Index the keys and credential types of every non-blank node of t. */
static int fill(const struct mls_rtree *t, struct mls_leaf_index *idx)
{
	const struct mls_rnode *n;
	struct mls_cred_use *u;
	struct kenh_span key;
	uint32_t x, width = mls_rtree_width(t);
	size_t pos = 0;
	int rc;

	for (x = 0; x < width; x++) {
		if ((n = t->nodes[x]) == NULL) continue;
		copy_key(idx->store, &pos, mls_rtree_node_key(t, x), &key);
		if ((rc = key_set_add(&idx->enc, key)) != 0) return rc;
		if (n->type != MLS_NODE_LEAF) continue;
		copy_key(idx->store, &pos, n->u.leaf.signature_key, &key);
		if ((rc = key_set_add(&idx->sig, key)) != 0) return rc;
		idx->members++;
		if ((rc = cred_use(idx, n->u.leaf.credential.credential_type, &u)) != 0) return rc;
		u->users++;
	}
	return 0;
}

int mls_leaf_index_build(const struct mls_rtree *t, struct mls_leaf_index *out)
{
	size_t bytes = 0, n_enc = 0, n_sig = 0;
	void *p = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = measure(t, &bytes, &n_enc, &n_sig)) != 0) goto out;
	/* One byte at least: an all-blank tree still gets a valid store. */
	if ((rc = mem_alloc(bytes + 1, &p)) != 0) goto out;
	out->store = p;
	if ((rc = key_set_init(&out->enc, n_enc)) != 0) goto out;
	if ((rc = key_set_init(&out->sig, n_sig)) != 0) goto out;
	rc = fill(t, out);
out:
	if (rc != 0) mls_leaf_index_clear(out);
	return rc;
}

void mls_leaf_index_clear(struct mls_leaf_index *idx)
{
	size_t i;

	if (idx == NULL) return;
	for (i = 0; i < idx->n_added_keys; i++)
		mem_free(idx->added_keys[i]);
	mem_free(idx->added_keys);
	mem_free(idx->enc.slot);
	mem_free(idx->sig.slot);
	mem_free(idx->cred);
	mem_free(idx->store);
	memset(idx, 0, sizeof(*idx));
}

/* How many non-blank leaves of t list credential type c in their capabilities. */
static uint32_t count_supporters(const struct mls_rtree *t, uint16_t c)
{
	const struct mls_leaf_node *o;
	uint32_t i, count = 0;

	for (i = 0; i < t->n_leaves; i++) {
		if ((o = mls_rtree_leaf(t, i)) == NULL) continue;
		if (u16_listed(&o->capabilities.credentials, c)) count++;
	}
	return count;
}

int mls_leaf_index_check(struct mls_leaf_index *idx, const struct mls_rtree *t,
                         const struct mls_leaf_node *ln)
{
	struct mls_cred_use *u = NULL;
	size_t i;
	int rc;

	/* §7.3: the encryption key is new to every node, the signature key to every leaf. */
	if (key_set_has(&idx->enc, ln->encryption_key)) return KENH_ERR(KENH_E_PROTO);
	if (key_set_has(&idx->sig, ln->signature_key)) return KENH_ERR(KENH_E_PROTO);
	/* §7.3: ln supports the credential type of every member ... */
	for (i = 0; i < idx->n_cred; i++) {
		if (idx->cred[i].users == 0) continue;
		if (!u16_listed(&ln->capabilities.credentials, idx->cred[i].type))
			return KENH_ERR(KENH_E_PROTO);
	}
	/* ... and every member supports ln's (counted over t once per type). */
	if ((rc = cred_use(idx, ln->credential.credential_type, &u)) != 0) return rc;
	if (!u->supporters_known) {
		u->supporters = count_supporters(t, u->type);
		u->supporters_known = true;
	}
	return u->supporters == idx->members ? 0 : KENH_ERR(KENH_E_PROTO);
}

/* A copy of ln's two keys, kept by the index; *enc and *sig view it. */
static int keep_keys(struct mls_leaf_index *idx, const struct mls_leaf_node *ln,
                     struct kenh_span *enc, struct kenh_span *sig)
{
	void *grown = NULL, *p = NULL;
	size_t cap, pos = 0;
	int rc;

	if (idx->n_added_keys == idx->cap_added_keys) {
		if (idx->cap_added_keys >= LIMIT_MEMBERS) return KENH_ERR(KENH_E_TOO_LARGE);
		cap = idx->cap_added_keys == 0 ? 16 : 2 * idx->cap_added_keys;
		rc = mem_grow(idx->added_keys, cap, sizeof(*idx->added_keys), &grown);
		if (rc != 0) return rc;
		idx->added_keys = grown;
		idx->cap_added_keys = cap;
	}
	/* Both lengths come from one decoded LeafNode in memory: the sum cannot overflow. */
	if ((rc = mem_alloc(ln->encryption_key.len + ln->signature_key.len + 1, &p)) != 0)
		return rc;
	idx->added_keys[idx->n_added_keys++] = p;
	copy_key(p, &pos, ln->encryption_key, enc);
	copy_key(p, &pos, ln->signature_key, sig);
	return 0;
}

int mls_leaf_index_add(struct mls_leaf_index *idx, const struct mls_leaf_node *ln)
{
	struct mls_cred_use *u = NULL;
	struct kenh_span enc, sig;
	size_t i;
	int rc;

	if ((rc = keep_keys(idx, ln, &enc, &sig)) != 0) return rc;
	if ((rc = key_set_add(&idx->enc, enc)) != 0) return rc;
	if ((rc = key_set_add(&idx->sig, sig)) != 0) return rc;
	if ((rc = cred_use(idx, ln->credential.credential_type, &u)) != 0) return rc;
	u->users++;
	idx->members++;
	for (i = 0; i < idx->n_cred; i++) {
		if (idx->cred[i].supporters_known &&
		    u16_listed(&ln->capabilities.credentials, idx->cred[i].type))
			idx->cred[i].supporters++;
	}
	return 0;
}
