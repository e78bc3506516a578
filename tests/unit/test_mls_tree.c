/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests for the ratchet tree and TreeKEM (lib/mls/tree.h, RFC 9420
 * §4.1, §7, §12.1, §12.4.3): the RFC's resolution and filtered-direct-path
 * examples, a seeded random walk of epochs (Add, Update, Remove, then a
 * commit with an UpdatePath that every member merges and decrypts) checking
 * after each epoch that the cached tree hash equals one recomputed from
 * scratch, that the tree is parent-hash valid and passes the join-time
 * validation, that every member's private keys match the tree and that
 * export and import give the same bytes; negative cases that each fail if
 * their check is removed (a corrupted parent hash in a tree and in an
 * UpdatePath, a bad leaf signature, a duplicate encryption key, an expired
 * lifetime, bad unmerged leaves, a wrong path length), each answered the
 * same by the scan and by the index of a Commit's Adds (mls_leaf_index,
 * kept up to date through a sequence of Adds); malformed ratchet
 * trees; wiping of the private structs; and allocation failure at every
 * step of import, add, copy, commit and merge (fault-injection builds).
 */
#include "mls/tree.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>

#include <cmocka.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "kenh/kenh.h"
#include "mls/framing.h"
#include "util/mem.h"

#define GROUP_ID "kenh test group"
#define NOW      1700000000u
#define MAX_MEM  24 /* members in the random walk */

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

static size_t prng_below(struct prng *g, size_t n)
{
	return (size_t)(prng_next(g) % n);
}

struct fixture {
	struct kenh_ctx *ctx;
	const struct crypto_suite *cs;
};

static int setup(void **state)
{
	struct fixture *f = NULL;

	if (mem_calloc(1, sizeof(*f), (void **)&f) != 0) return -1;
	if (kenh_ctx_new(&f->ctx) != 0) return -1;
	f->cs = crypto_suite_get(f->ctx, 1);
	*state = f;
	return f->cs == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	kenh_ctx_free(f->ctx);
	mem_free(f);
	return 0;
}

static struct kenh_span gid(void)
{
	return span_make((const uint8_t *)GROUP_ID, sizeof(GROUP_ID) - 1);
}

static int accept_credential(void *arg, const struct mls_leaf_node *ln)
{
	(void)arg;
	(void)ln;
	return 0;
}

static void policy(struct mls_leaf_policy *pol)
{
	memset(pol, 0, sizeof(*pol));
	pol->group_id = gid();
	pol->check_lifetime = true;
	pol->now = NOW;
	pol->max_lifetime = MLS_KP_MAX_LIFETIME;
	pol->check_credential = accept_credential;
}

/* A client: its signature and leaf encryption keys and its identity. */
struct client {
	uint8_t sig_sk[CRYPTO_MAX_SIG_SK], sig_pk[CRYPTO_MAX_SIG_PK];
	uint8_t enc_sk[CRYPTO_MAX_KEM_SK], enc_pk[CRYPTO_MAX_KEM_PK];
	uint8_t id[8];
	uint16_t one[1]; /* the capabilities lists: version 1, suite 1, basic credentials */
};

/* Fresh keys for c; identity from n. */
static void client_new(const struct fixture *f, struct client *c, uint32_t n)
{
	memset(c, 0, sizeof(*c));
	assert_int_equal(crypto_sig_keygen(f->cs->sig, c->sig_sk, c->sig_pk), 0);
	assert_int_equal(crypto_kem_keygen(f->cs->kem, c->enc_sk, c->enc_pk), 0);
	store_be32(c->id, n);
	store_be32(c->id + 4, 0x6b656e68);
	c->one[0] = 1;
}

/* The unsigned LeafNode fields of c (capabilities: version 1, suite 1, basic credentials). */
static void leaf_tmpl(const struct fixture *f, struct client *c, struct mls_leaf_node *ln)
{
	memset(ln, 0, sizeof(*ln));
	ln->encryption_key = span_make(c->enc_pk, f->cs->kem->npk);
	ln->signature_key = span_make(c->sig_pk, f->cs->sig->npk);
	ln->credential.credential_type = MLS_CREDENTIAL_BASIC;
	ln->credential.identity = span_make(c->id, sizeof(c->id));
	ln->capabilities.versions = (struct mls_u16_list){ c->one, 1 };
	ln->capabilities.cipher_suites = (struct mls_u16_list){ c->one, 1 };
	ln->capabilities.credentials = (struct mls_u16_list){ c->one, 1 };
	ln->leaf_node_source = MLS_LEAF_SOURCE_KEY_PACKAGE;
	ln->lifetime.not_before = NOW - 3600;
	ln->lifetime.not_after = NOW + 3600;
}

/* Sign ln as c at leaf (group-bound sources) into w (initialized here). */
static void sign_leaf(const struct fixture *f, const struct client *c,
                      const struct mls_leaf_node *ln, uint32_t leaf, struct codec_writer *w)
{
	struct mls_leafnode_sign_args a = { ln, span_make(c->sig_sk, f->cs->sig->nsk), gid(),
		                            leaf };

	codec_writer_init(w, LIMIT_STRUCT_VECTOR, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_leafnode_sign(f->cs, &a, w), 0);
}

/* A KeyPackage LeafNode of c, signed, into w. */
static void kp_leaf(const struct fixture *f, struct client *c, struct codec_writer *w)
{
	struct mls_leaf_node ln;

	leaf_tmpl(f, c, &ln);
	sign_leaf(f, c, &ln, 0, w);
}

/* Decode w's LeafNode (views into w: keep w alive). */
static void decode_leaf(struct codec_writer *w, struct mls_leaf_node *ln)
{
	struct codec_reader r;
	struct kenh_span s = codec_writer_span(w);

	codec_reader_init(&r, s.p, s.len);
	assert_int_equal(mls_decode_leaf_node(&r, ln), 0);
	assert_int_equal(codec_reader_done(&r), 0);
}

/* A tree with one member per client, leaves 0 .. n - 1, added as KeyPackage leaves. */
static struct mls_rtree *tree_of(const struct fixture *f, struct client *c, uint32_t n)
{
	struct mls_rtree *t = NULL;
	struct codec_writer w;
	uint32_t i, leaf = 0;

	assert_int_equal(mls_rtree_new(f->cs, &t), 0);
	for (i = 0; i < n; i++) {
		client_new(f, &c[i], i);
		kp_leaf(f, &c[i], &w);
		assert_int_equal(mls_rtree_add_leaf(t, codec_writer_span(&w), &leaf), 0);
		assert_int_equal(leaf, i);
		codec_writer_clear(&w);
	}
	return t;
}

/* Export t into a new buffer (caller frees). */
static void export_tree(const struct mls_rtree *t, uint8_t **out, size_t *len)
{
	struct codec_writer w;

	codec_writer_init(&w, LIMIT_RATCHET_TREE + 8, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_rtree_export(t, &w), 0);
	assert_int_equal(codec_writer_finish(&w, out, len), 0);
}

/* -------------------------------------------------- RFC examples (§4.1) */

/* A parent node with a throwaway key (distinct per node) and the given unmerged leaves. */
static void set_parent(const struct fixture *f, struct mls_rtree *t, uint32_t x,
                       const uint32_t *unmerged, size_t n)
{
	uint8_t sk[CRYPTO_MAX_KEM_SK], pk[CRYPTO_MAX_KEM_PK];
	uint32_t copy[8];
	struct mls_parent_node pn;

	assert_true(n <= ARRAY_LEN(copy));
	if (n > 0) memcpy(copy, unmerged, n * sizeof(*copy));
	assert_int_equal(crypto_kem_keygen(f->cs->kem, sk, pk), 0);
	pn.encryption_key = span_make(pk, f->cs->kem->npk);
	pn.parent_hash = span_make(NULL, 0);
	pn.unmerged_leaves = copy;
	pn.n_unmerged_leaves = n;
	assert_int_equal(mls_rtree_set_parent(t, x, &pn), 0);
}

static void assert_resolution(const struct mls_rtree *t, uint32_t x, const uint32_t *want, size_t n)
{
	struct mls_idx_list res = { NULL, 0, 0 };

	assert_int_equal(mls_rtree_resolution(t, x, &res), 0);
	assert_int_equal(res.n, n);
	if (n > 0) assert_memory_equal(res.v, want, n * sizeof(uint32_t));
	mls_idx_list_clear(&res);
}

/* RFC 9420 §4.1.1: X[B] over A B _ D, Y over E F, leaves 2 and 6 blank. */
static void test_mls_tree_resolution_rfc_example(void **state)
{
	const struct fixture *f = *state;
	struct client c[8];
	struct mls_rtree *t = tree_of(f, c, 8);
	const uint32_t b[1] = { 1 }, x_res[2] = { 3, 2 }, top[4] = { 3, 2, 9, 14 };

	mls_rtree_blank(t, 4);  /* leaf 2 */
	mls_rtree_blank(t, 12); /* leaf 6 */
	set_parent(f, t, 3, b, 1);
	set_parent(f, t, 9, NULL, 0);
	assert_resolution(t, 3, x_res, 2);
	assert_resolution(t, 4, NULL, 0);
	assert_resolution(t, 12, NULL, 0);
	assert_resolution(t, 7, top, 4);
	mls_rtree_free(t);
}

static void assert_fdp(const struct mls_rtree *t, uint32_t leaf, const uint32_t *want, size_t n)
{
	uint32_t path[MLS_TREE_MAX_DEPTH], copath[MLS_TREE_MAX_DEPTH];
	size_t len = 99;

	assert_int_equal(mls_rtree_filtered_path(t, leaf, path, copath, &len), 0);
	assert_int_equal(len, n);
	assert_memory_equal(path, want, n * sizeof(uint32_t));
}

/* RFC 9420 §4.1.2: A B _ _ E F G _ with T, X, Y, W set and U, V, Z blank. */
static void test_mls_tree_filtered_path_rfc_example(void **state)
{
	const struct fixture *f = *state;
	struct client c[8];
	struct mls_rtree *t = tree_of(f, c, 8);
	const uint32_t a[2] = { 1, 7 }, e[3] = { 9, 11, 7 }, g[2] = { 11, 7 };

	mls_rtree_blank(t, 4);
	mls_rtree_blank(t, 6);
	mls_rtree_blank(t, 14);
	set_parent(f, t, 1, NULL, 0);
	set_parent(f, t, 9, NULL, 0);
	set_parent(f, t, 11, NULL, 0);
	set_parent(f, t, 7, NULL, 0);
	assert_fdp(t, 0, a, 2);
	assert_fdp(t, 1, a, 2);
	assert_fdp(t, 4, e, 3);
	assert_fdp(t, 5, e, 3);
	assert_fdp(t, 6, g, 2);
	mls_rtree_free(t);
}

/* §7.7, §12.1.1, §12.1.3: extension on Add, the leftmost blank leaf, truncation on Remove. */
static void test_mls_tree_add_remove_shape(void **state)
{
	const struct fixture *f = *state;
	struct client c[5], d;
	struct mls_rtree *t = tree_of(f, c, 5);
	struct codec_writer w;
	uint32_t leaf = 0;
	const uint32_t un[1] = { 1 };

	assert_int_equal(t->n_leaves, 8);
	assert_int_equal(mls_rtree_member_count(t), 5);
	assert_int_equal(mls_rtree_remove_leaf(t, 4), 0);
	assert_int_equal(t->n_leaves, 4);
	assert_int_equal(mls_rtree_remove_leaf(t, 4 - 3), 0); /* leaf 1: no truncation */
	assert_int_equal(t->n_leaves, 4);
	assert_int_equal(mls_rtree_remove_leaf(t, 1), KENH_E_STATE);
	set_parent(f, t, 3, NULL, 0);
	client_new(f, &d, 9);
	kp_leaf(f, &d, &w);
	assert_int_equal(mls_rtree_add_leaf(t, codec_writer_span(&w), &leaf), 0);
	assert_int_equal(leaf, 1);
	/* §12.1.1: the new leaf is unmerged at the non-blank root above it. */
	assert_int_equal(mls_rtree_node(t, 3)->u.parent.n_unmerged_leaves, 1);
	assert_memory_equal(mls_rtree_node(t, 3)->u.parent.unmerged_leaves, un, sizeof(un));
	assert_int_equal(mls_rtree_remove_leaf(t, 3), 0);
	assert_int_equal(mls_rtree_remove_leaf(t, 2), 0);
	assert_int_equal(t->n_leaves, 2);
	assert_int_equal(mls_rtree_remove_leaf(t, 1), 0);
	assert_int_equal(mls_rtree_remove_leaf(t, 0), 0);
	assert_int_equal(t->n_leaves, 1);
	assert_int_equal(mls_rtree_hash_check(t), 0);
	codec_writer_clear(&w);
	mls_rtree_free(t);
}

/* ------------------------------------------------------------ random walk */

struct member {
	bool present;
	struct client c;
	struct mls_treekem_priv priv;
};

struct walk {
	const struct fixture *f;
	struct prng g;
	struct mls_rtree *tree;
	struct member m[MAX_MEM];
	uint32_t next_id;
	size_t commits;
};

static uint32_t walk_count(const struct walk *w)
{
	uint32_t i, n = 0;

	for (i = 0; i < MAX_MEM; i++)
		n += w->m[i].present;
	return n;
}

/* A random present member other than `not` (UINT32_MAX: any). */
static uint32_t walk_pick(struct walk *w, uint32_t not )
{
	uint32_t i;

	for (;;) {
		i = (uint32_t)prng_below(&w->g, MAX_MEM);
		if (w->m[i].present && i != not ) return i;
	}
}

/* §12.1.1: a new client, its KeyPackage leaf validated, added at the leftmost blank leaf. */
static uint32_t walk_add(struct walk *w, struct mls_rtree *t)
{
	const struct fixture *f = w->f;
	struct mls_leaf_check chk = { UINT32_MAX, MLS_LEAF_SOURCE_KEY_PACKAGE, false };
	struct mls_leaf_policy pol;
	struct mls_leaf_node ln;
	struct codec_writer cw;
	struct client c;
	uint32_t leaf = 0;

	policy(&pol);
	client_new(f, &c, w->next_id++);
	kp_leaf(f, &c, &cw);
	decode_leaf(&cw, &ln);
	assert_int_equal(mls_leafnode_validate(t, &pol, &chk, &ln), 0);
	assert_int_equal(mls_rtree_add_leaf(t, codec_writer_span(&cw), &leaf), 0);
	assert_true(leaf < MAX_MEM && !w->m[leaf].present);
	w->m[leaf].present = true;
	w->m[leaf].c = c;
	assert_int_equal(mls_treekem_priv_init(&w->m[leaf].priv, f->cs, leaf, c.enc_sk), 0);
	mls_leaf_node_clear(&ln);
	codec_writer_clear(&cw);
	return leaf;
}

/* §12.1.2: member i replaces its leaf (new encryption key, source update) . */
static void walk_update(struct walk *w, struct mls_rtree *t, uint32_t i)
{
	const struct fixture *f = w->f;
	struct mls_leaf_check chk = { i, MLS_LEAF_SOURCE_UPDATE, true };
	struct mls_leaf_policy pol;
	struct member *m = &w->m[i];
	struct mls_leaf_node ln, got;
	struct codec_writer cw;

	policy(&pol);
	assert_int_equal(crypto_kem_keygen(f->cs->kem, m->c.enc_sk, m->c.enc_pk), 0);
	leaf_tmpl(f, &m->c, &ln);
	ln.leaf_node_source = MLS_LEAF_SOURCE_UPDATE;
	sign_leaf(f, &m->c, &ln, i, &cw);
	decode_leaf(&cw, &got);
	assert_int_equal(mls_leafnode_validate(t, &pol, &chk, &got), 0);
	assert_int_equal(mls_rtree_update_leaf(t, i, codec_writer_span(&cw)), 0);
	assert_int_equal(mls_treekem_priv_init(&m->priv, f->cs, i, m->c.enc_sk), 0);
	mls_leaf_node_clear(&got);
	codec_writer_clear(&cw);
}

static void walk_remove(struct walk *w, struct mls_rtree *t, uint32_t i)
{
	assert_int_equal(mls_rtree_remove_leaf(t, i), 0);
	w->m[i].present = false;
	mls_treekem_priv_clear(&w->m[i].priv);
}

/* What one commit of the walk changes. */
struct commit {
	uint32_t committer;
	uint32_t added[4];
	size_t n_added;
	bool path;
};

/* Proposals in the RFC's order (§12.3): updates, removes, adds. */
static void walk_proposals(struct walk *w, struct mls_rtree *t, struct commit *cm)
{
	uint32_t i;
	size_t k;
	bool forced = false;

	cm->committer = walk_pick(w, UINT32_MAX);
	if (walk_count(w) > 1 && prng_below(&w->g, 4) == 0) {
		walk_update(w, t, walk_pick(w, cm->committer));
		forced = true;
	}
	for (k = prng_below(&w->g, 3); k > 0 && walk_count(w) > 1; k--) {
		walk_remove(w, t, walk_pick(w, cm->committer));
		forced = true;
	}
	for (k = prng_below(&w->g, 4); k > 0 && walk_count(w) + 4 < MAX_MEM; k--)
		cm->added[cm->n_added++] = walk_add(w, t);
	for (i = 0; i < MAX_MEM; i++)
		if (w->m[i].present) mls_treekem_priv_sync(&w->m[i].priv, t);
	/* §12.4: a path is required with Update or Remove proposals, or with none at all. */
	cm->path = forced || cm->n_added == 0 || prng_below(&w->g, 2) == 0;
}

static bool is_added(const struct commit *cm, uint32_t leaf)
{
	size_t i;

	for (i = 0; i < cm->n_added; i++)
		if (cm->added[i] == leaf) return true;
	return false;
}

/* A stand-in for the provisional GroupContext: the new tree hash and the commit count. */
static void walk_context(struct walk *w, struct mls_rtree *t, uint8_t *gc)
{
	assert_int_equal(mls_rtree_root_hash(t, gc), 0);
	store_be32(gc + w->f->cs->kdf->nh, (uint32_t)w->commits);
}

/* Member i merges the committer's path into a copy of `before` and decrypts it. */
static void walk_receive(struct walk *w, const struct mls_rtree *before, struct mls_rtree *after,
                         const struct commit *cm, const struct mls_treekem_path *path,
                         const struct mls_treekem_update_path *up, uint32_t i)
{
	const struct fixture *f = w->f;
	uint8_t gc[CRYPTO_MAX_HASH + 4], mine[CRYPTO_MAX_HASH + 4], cs[CRYPTO_MAX_HASH];
	struct mls_treekem_secrets got;
	struct mls_treekem_recv in = {
		cm->committer, &up->path, span_make(gc, 0), { cm->added, cm->n_added }
	};
	struct mls_leaf_policy pol;
	struct mls_rtree *t = NULL;
	size_t nh = f->cs->kdf->nh;

	policy(&pol);
	walk_context(w, after, gc);
	in.group_context = span_make(gc, nh + 4);
	assert_int_equal(mls_rtree_dup(before, &t), 0);
	assert_int_equal(mls_treekem_merge(t, &pol, cm->committer, &up->path), 0);
	walk_context(w, t, mine);
	assert_memory_equal(mine, gc, nh + 4);
	if (is_added(cm, i)) {
		/* §12.4.3.1: a new member gets the common ancestor's secret in its Welcome. */
		assert_int_equal(mls_treekem_path_secret_for(path, i, cs), 0);
		assert_int_equal(mls_treekem_priv_join(f->ctx, &w->m[i].priv, t, cm->committer, cs),
		                 0);
	} else {
		assert_int_equal(mls_treekem_decrypt(f->ctx, t, &w->m[i].priv, &in, &got), 0);
		assert_memory_equal(got.commit_secret, path->commit_secret, nh);
		/* The decrypted secret is the common ancestor's, as a Welcome would carry. */
		assert_int_equal(mls_treekem_path_secret_for(path, i, cs), 0);
		assert_memory_equal(got.path_secret, cs, nh);
		mls_treekem_secrets_clear(&got);
	}
	assert_int_equal(mls_treekem_priv_check(&w->m[i].priv, t), 0);
	mls_rtree_free(t);
}

/* The committer's UpdatePath, processed by every other member. */
static void walk_path(struct walk *w, struct mls_rtree *t, const struct commit *cm)
{
	const struct fixture *f = w->f;
	struct member *c = &w->m[cm->committer];
	struct mls_treekem_create_args a = { cm->committer, NULL,
		                             span_make(c->c.sig_sk, f->cs->sig->nsk), gid(),
		                             span_make(NULL, 0) };
	struct mls_treekem_send send = { span_make(NULL, 0), { cm->added, cm->n_added } };
	struct mls_treekem_update_path up;
	struct mls_treekem_path path;
	struct mls_rtree *before = NULL;
	uint8_t gc[CRYPTO_MAX_HASH + 4];
	uint32_t i;

	a.tmpl = mls_rtree_leaf(t, cm->committer);
	assert_int_equal(mls_rtree_dup(t, &before), 0);
	assert_int_equal(mls_treekem_create(f->ctx, t, &a, &path, &c->priv), 0);
	walk_context(w, t, gc);
	send.group_context = span_make(gc, f->cs->kdf->nh + 4);
	assert_int_equal(mls_treekem_encrypt(f->ctx, t, &path, &send, &up), 0);
	for (i = 0; i < MAX_MEM; i++)
		if (w->m[i].present && i != cm->committer)
			walk_receive(w, before, t, cm, &path, &up, i);
	mls_treekem_update_path_clear(&up);
	mls_treekem_path_clear(&path);
	mls_rtree_free(before);
}

/* The invariants that hold after every epoch. */
static void walk_check(struct walk *w)
{
	struct mls_leaf_policy pol;
	struct mls_rtree *back = NULL;
	uint8_t *a = NULL, *b = NULL, h1[CRYPTO_MAX_HASH], h2[CRYPTO_MAX_HASH];
	size_t alen = 0, blen = 0;
	uint32_t i;

	policy(&pol);
	assert_int_equal(mls_rtree_hash_check(w->tree), 0);
	assert_int_equal(mls_rtree_verify_parent_hashes(w->tree), 0);
	assert_int_equal(mls_rtree_validate(w->tree, &pol), 0);
	for (i = 0; i < MAX_MEM; i++)
		if (w->m[i].present)
			assert_int_equal(mls_treekem_priv_check(&w->m[i].priv, w->tree), 0);
	export_tree(w->tree, &a, &alen);
	assert_int_equal(mls_rtree_import(w->f->cs, span_make(a, alen), &back), 0);
	export_tree(back, &b, &blen);
	assert_int_equal(alen, blen);
	assert_memory_equal(a, b, alen);
	assert_int_equal(mls_rtree_root_hash(w->tree, h1), 0);
	assert_int_equal(mls_rtree_root_hash(back, h2), 0);
	assert_memory_equal(h1, h2, w->f->cs->kdf->nh);
	mem_free(a);
	mem_free(b);
	mls_rtree_free(back);
}

static void walk_epoch(struct walk *w)
{
	struct commit cm;
	struct mls_rtree *t = NULL;

	memset(&cm, 0, sizeof(cm));
	assert_int_equal(mls_rtree_dup(w->tree, &t), 0);
	walk_proposals(w, t, &cm);
	w->commits++;
	if (cm.path) walk_path(w, t, &cm);
	mls_rtree_free(w->tree);
	w->tree = t;
	walk_check(w);
}

static void random_walk(const struct fixture *f, uint64_t seed, size_t epochs)
{
	struct walk *w = NULL;
	uint32_t leaf;
	size_t i;

	assert_int_equal(mem_calloc(1, sizeof(*w), (void **)&w), 0);
	w->f = f;
	w->g.s = seed;
	assert_int_equal(mls_rtree_new(f->cs, &w->tree), 0);
	leaf = walk_add(w, w->tree);
	assert_int_equal(leaf, 0);
	for (i = 0; i < epochs; i++)
		walk_epoch(w);
	for (i = 0; i < MAX_MEM; i++)
		mls_treekem_priv_clear(&w->m[i].priv);
	mls_rtree_free(w->tree);
	mem_free(w);
}

static void test_mls_tree_random_walk(void **state)
{
	random_walk(*state, 1, 30);
	random_walk(*state, 0x5eed, 30);
}

/*
 * §12.4.3.2: an external joiner takes the leftmost blank leaf (here after
 * doubling a full tree) and commits a path from it; every member takes the
 * same leaf, merges and decrypts.
 */
static void test_mls_tree_external_join(void **state)
{
	const struct fixture *f = *state;
	struct client c[4], j;
	struct mls_rtree *t = tree_of(f, c, 4), *joined = NULL, *mine = NULL;
	struct mls_treekem_create_args a;
	struct mls_treekem_send send = { span_make((const uint8_t *)"gc", 2), { NULL, 0 } };
	struct mls_treekem_recv in = { 4, NULL, span_make((const uint8_t *)"gc", 2), { NULL, 0 } };
	struct mls_treekem_update_path up;
	struct mls_treekem_secrets got;
	struct mls_treekem_path path;
	struct mls_treekem_priv priv, member;
	struct mls_leaf_policy pol;
	struct mls_leaf_node tl;
	uint32_t leaf = 0, i;

	policy(&pol);
	client_new(f, &j, 4);
	leaf_tmpl(f, &j, &tl);
	assert_int_equal(mls_rtree_dup(t, &joined), 0);
	assert_int_equal(mls_rtree_blank_leaf(joined, &leaf), 0);
	assert_int_equal(leaf, 4);
	assert_int_equal(joined->n_leaves, 8);
	memset(&a, 0, sizeof(a));
	a.leaf = leaf;
	a.tmpl = &tl;
	a.sig_sk = span_make(j.sig_sk, f->cs->sig->nsk);
	a.group_id = gid();
	assert_int_equal(mls_treekem_create(f->ctx, joined, &a, &path, &priv), 0);
	assert_int_equal(mls_treekem_encrypt(f->ctx, joined, &path, &send, &up), 0);
	assert_int_equal(mls_rtree_validate(joined, &pol), 0);
	in.up = &up.path;
	for (i = 0; i < 4; i++) {
		assert_int_equal(mls_rtree_dup(t, &mine), 0);
		assert_int_equal(mls_rtree_blank_leaf(mine, &leaf), 0);
		assert_int_equal(mls_treekem_merge(mine, &pol, leaf, &up.path), 0);
		assert_int_equal(mls_treekem_priv_init(&member, f->cs, i, c[i].enc_sk), 0);
		assert_int_equal(mls_treekem_decrypt(f->ctx, mine, &member, &in, &got), 0);
		assert_memory_equal(got.commit_secret, path.commit_secret, f->cs->kdf->nh);
		mls_treekem_secrets_clear(&got);
		mls_rtree_free(mine);
	}
	/* No blank leaf left after the join is taken: the next one is the leftmost of the rest. */
	assert_int_equal(mls_rtree_blank_leaf(joined, &leaf), 0);
	assert_int_equal(leaf, 5);
	mls_treekem_update_path_clear(&up);
	mls_treekem_path_clear(&path);
	mls_treekem_priv_clear(&priv);
	mls_treekem_priv_clear(&member);
	mls_rtree_free(joined);
	mls_rtree_free(t);
}

/* §12.1.7: a GroupContextExtensions proposal needs every member's support. */
static void test_mls_tree_group_extensions(void **state)
{
	const struct fixture *f = *state;
	struct client c[2], d;
	struct mls_rtree *t = tree_of(f, c, 2);
	uint16_t ext[1] = { 0x0a0a };
	const uint8_t req[] = { 0x02, 0x0a, 0x0a, 0x00, 0x00 }; /* extension 0x0a0a required */
	struct mls_extension e = { 0x0a0a, span_make(NULL, 0) };
	struct mls_extension r = { MLS_EXT_REQUIRED_CAPABILITIES, span_make(req, sizeof(req)) };
	struct mls_extension_list one = { &e, 1 }, need = { &r, 1 };
	struct mls_leaf_node tl;
	struct codec_writer w;
	uint32_t leaf = 0;

	assert_int_equal(mls_rtree_check_extensions(t, NULL), 0);
	assert_int_equal(mls_rtree_check_extensions(t, &one), KENH_E_PROTO);
	assert_int_equal(mls_rtree_check_extensions(t, &need), KENH_E_PROTO);
	assert_int_equal(mls_rtree_remove_leaf(t, 1), 0);
	assert_int_equal(mls_rtree_remove_leaf(t, 0), 0);
	client_new(f, &d, 3);
	leaf_tmpl(f, &d, &tl);
	tl.capabilities.extensions = (struct mls_u16_list){ ext, 1 };
	sign_leaf(f, &d, &tl, 0, &w);
	assert_int_equal(mls_rtree_add_leaf(t, codec_writer_span(&w), &leaf), 0);
	assert_int_equal(mls_rtree_check_extensions(t, &one), 0);
	assert_int_equal(mls_rtree_check_extensions(t, &need), 0);
	codec_writer_clear(&w);
	mls_rtree_free(t);
}

/* ----------------------------------------------------- negative cases */

/* A tree of n members where leaf 0, then leaf n - 1, committed with a path. */
static struct mls_rtree *committed_tree(const struct fixture *f, struct client *c, uint32_t n)
{
	struct mls_rtree *t = tree_of(f, c, n);
	struct mls_treekem_create_args a;
	struct mls_treekem_path path;
	struct mls_treekem_priv priv;
	uint32_t who[2] = { 0, n - 1 };
	size_t i;

	for (i = 0; i < 2; i++) {
		memset(&a, 0, sizeof(a));
		a.leaf = who[i];
		a.tmpl = mls_rtree_leaf(t, who[i]);
		a.sig_sk = span_make(c[who[i]].sig_sk, f->cs->sig->nsk);
		a.group_id = gid();
		assert_int_equal(mls_treekem_create(f->ctx, t, &a, &path, &priv), 0);
		mls_treekem_path_clear(&path);
		mls_treekem_priv_clear(&priv);
	}
	assert_int_equal(mls_rtree_verify_parent_hashes(t), 0);
	return t;
}

/* §7.9.2: a parent whose parent_hash was changed is not parent-hash valid. */
static void test_mls_tree_corrupt_parent_hash(void **state)
{
	const struct fixture *f = *state;
	struct client c[4];
	struct mls_rtree *t = committed_tree(f, c, 4);
	const struct mls_rnode *n = mls_rtree_node(t, 5);
	struct mls_parent_node pn = n->u.parent;
	struct mls_leaf_policy pol;
	uint8_t ph[CRYPTO_MAX_HASH];

	policy(&pol);
	assert_int_equal(mls_rtree_validate(t, &pol), 0);
	assert_int_equal(mls_rtree_parent_hash_check(t, 5), 0);
	assert_int_equal(pn.parent_hash.len, f->cs->kdf->nh);
	memcpy(ph, pn.parent_hash.p, pn.parent_hash.len);
	ph[3] ^= 0x01;
	pn.parent_hash = span_make(ph, f->cs->kdf->nh);
	assert_int_equal(mls_rtree_set_parent(t, 5, &pn), 0);
	assert_int_equal(mls_rtree_parent_hash_check(t, 5), KENH_E_VERIFY);
	assert_int_equal(mls_rtree_verify_parent_hashes(t), KENH_E_VERIFY);
	assert_int_equal(mls_rtree_validate(t, &pol), KENH_E_VERIFY);
	mls_rtree_free(t);
}

/* A path from leaf 0 of t, encrypted; t becomes the committed tree, *before the old one. */
static void make_path(const struct fixture *f, const struct client *c, struct mls_rtree *t,
                      struct mls_rtree **before, struct mls_treekem_update_path *up)
{
	struct mls_treekem_create_args a = { 0, NULL, span_make(c[0].sig_sk, f->cs->sig->nsk),
		                             gid(), span_make(NULL, 0) };
	const uint8_t gc[4] = { 1, 2, 3, 4 };
	struct mls_treekem_send send = { span_make(gc, sizeof(gc)), { NULL, 0 } };
	struct mls_treekem_path path;
	struct mls_treekem_priv priv;

	a.tmpl = mls_rtree_leaf(t, 0);
	assert_int_equal(mls_rtree_dup(t, before), 0);
	assert_int_equal(mls_treekem_create(f->ctx, t, &a, &path, &priv), 0);
	assert_int_equal(mls_treekem_encrypt(f->ctx, t, &path, &send, up), 0);
	mls_treekem_path_clear(&path);
	mls_treekem_priv_clear(&priv);
}

/* Merge up into a copy of before: the code, and a check that a failure changed nothing. */
static int merge_into_copy(const struct mls_rtree *before, const struct mls_update_path *up)
{
	struct mls_leaf_policy pol;
	struct mls_rtree *t = NULL;
	uint8_t *a = NULL, *b = NULL;
	size_t alen = 0, blen = 0;
	int rc;

	policy(&pol);
	assert_int_equal(mls_rtree_dup(before, &t), 0);
	rc = mls_treekem_merge(t, &pol, 0, up);
	if (rc != 0) {
		export_tree(t, &a, &alen);
		export_tree(before, &b, &blen);
		assert_int_equal(alen, blen);
		assert_memory_equal(a, b, alen);
		mem_free(a);
		mem_free(b);
	}
	mls_rtree_free(t);
	return rc;
}

/* §7.5, §7.9.2: a path key changed in transit breaks the leaf's parent hash; wrong lengths. */
static void test_mls_tree_merge_rejects_bad_path(void **state)
{
	const struct fixture *f = *state;
	struct client c[6];
	struct mls_rtree *t = committed_tree(f, c, 6), *before = NULL;
	struct mls_treekem_update_path up;
	struct mls_update_path_node *node;
	size_t off, n;

	make_path(f, c, t, &before, &up);
	assert_int_equal(merge_into_copy(before, &up.path), 0);
	n = up.path.n_nodes;
	assert_true(n >= 2);
	up.path.n_nodes = n - 1;
	assert_int_equal(merge_into_copy(before, &up.path), KENH_E_PROTO);
	up.path.n_nodes = n;
	node = &up.path.nodes[1];
	off = (size_t)(node->encryption_key.p - up.enc) + node->encryption_key.len - 1;
	up.enc[off] ^= 0x40;
	assert_int_equal(merge_into_copy(before, &up.path), KENH_E_VERIFY);
	up.enc[off] ^= 0x40;
	/* §12.4.2: a path key already in the tree is refused. */
	node->encryption_key = mls_rtree_node_key(before, 2);
	assert_int_equal(merge_into_copy(before, &up.path), KENH_E_PROTO);
	mls_treekem_update_path_clear(&up);
	mls_rtree_free(before);
	mls_rtree_free(t);
}

/*
 * mls_leafnode_validate of ln against t, and for a leaf that replaces none
 * the same through a freshly built mls_leaf_index: the answers must agree.
 */
static int validate_both(const struct mls_rtree *t, const struct mls_leaf_policy *pol,
                         const struct mls_leaf_check *chk, const struct mls_leaf_node *ln)
{
	struct mls_leaf_index idx;
	int rc = mls_leafnode_validate(t, pol, chk, ln);

	if (chk->replaces) return rc;
	assert_int_equal(mls_leaf_index_build(t, &idx), 0);
	assert_int_equal(mls_leafnode_validate_indexed(t, &idx, pol, chk, ln), rc);
	mls_leaf_index_clear(&idx);
	return rc;
}

/* §7.3: validation of ln (a new KeyPackage leaf) against t. */
static int validate_kp(const struct mls_rtree *t, const struct mls_leaf_policy *pol,
                       struct codec_writer *w)
{
	struct mls_leaf_check chk = { UINT32_MAX, MLS_LEAF_SOURCE_KEY_PACKAGE, false };
	struct mls_leaf_node ln;
	int rc;

	decode_leaf(w, &ln);
	rc = validate_both(t, pol, &chk, &ln);
	mls_leaf_node_clear(&ln);
	return rc;
}

/* §7.2, §7.3: every flipped bit of a leaf's signature fails; in a tree too. */
static void test_mls_tree_bad_leaf_signature(void **state)
{
	const struct fixture *f = *state;
	struct client c[3], d;
	struct mls_rtree *t = tree_of(f, c, 3);
	struct mls_leaf_policy pol;
	struct mls_leaf_node ln;
	struct codec_writer w;
	uint8_t *sig;
	size_t i;

	policy(&pol);
	client_new(f, &d, 7);
	kp_leaf(f, &d, &w);
	assert_int_equal(validate_kp(t, &pol, &w), 0);
	decode_leaf(&w, &ln);
	sig = w.buf + (ln.signature.p - codec_writer_span(&w).p);
	for (i = 0; i < 8 * ln.signature.len; i++) {
		sig[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_equal(validate_kp(t, &pol, &w), KENH_E_VERIFY);
		sig[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	sig[0] ^= 1;
	assert_int_equal(mls_rtree_set_leaf(t, 1, codec_writer_span(&w)), 0);
	assert_int_equal(mls_rtree_validate(t, &pol), KENH_E_VERIFY);
	mls_leaf_node_clear(&ln);
	codec_writer_clear(&w);
	mls_rtree_free(t);
}

/* §7.3, §12.4.3.1: encryption and signature keys unique across the tree. */
static void test_mls_tree_duplicate_keys(void **state)
{
	const struct fixture *f = *state;
	struct client c[3], d;
	struct mls_rtree *t = tree_of(f, c, 3);
	struct mls_leaf_policy pol;
	struct codec_writer w;
	uint32_t leaf = 0;

	policy(&pol);
	assert_int_equal(mls_rtree_validate(t, &pol), 0);
	client_new(f, &d, 7);
	memcpy(d.enc_pk, c[1].enc_pk, sizeof(d.enc_pk));
	kp_leaf(f, &d, &w);
	assert_int_equal(validate_kp(t, &pol, &w), KENH_E_PROTO);
	assert_int_equal(mls_rtree_add_leaf(t, codec_writer_span(&w), &leaf), 0);
	assert_int_equal(mls_rtree_validate(t, &pol), KENH_E_PROTO);
	assert_int_equal(mls_rtree_remove_leaf(t, leaf), 0);
	codec_writer_clear(&w);
	client_new(f, &d, 8);
	memcpy(d.sig_pk, c[2].sig_pk, sizeof(d.sig_pk));
	memcpy(d.sig_sk, c[2].sig_sk, sizeof(d.sig_sk));
	kp_leaf(f, &d, &w);
	assert_int_equal(validate_kp(t, &pol, &w), KENH_E_PROTO);
	assert_int_equal(mls_rtree_add_leaf(t, codec_writer_span(&w), &leaf), 0);
	assert_int_equal(mls_rtree_validate(t, &pol), KENH_E_PROTO);
	codec_writer_clear(&w);
	mls_rtree_free(t);
}

/* A KeyPackage leaf of d with the given lifetime, validated against t. */
static int validate_lifetime(const struct fixture *f, const struct mls_rtree *t,
                             const struct mls_leaf_policy *pol, uint64_t nb, uint64_t na)
{
	struct mls_leaf_node ln;
	struct codec_writer w;
	struct client d;
	int rc;

	client_new(f, &d, 9);
	leaf_tmpl(f, &d, &ln);
	ln.lifetime.not_before = nb;
	ln.lifetime.not_after = na;
	sign_leaf(f, &d, &ln, 0, &w);
	rc = validate_kp(t, pol, &w);
	codec_writer_clear(&w);
	return rc;
}

/* §7.3: the lifetime against the injected clock, and the maximum total lifetime. */
static void test_mls_tree_lifetime(void **state)
{
	const struct fixture *f = *state;
	struct client c[2];
	struct mls_rtree *t = tree_of(f, c, 2);
	struct mls_leaf_policy pol;

	policy(&pol);
	assert_int_equal(validate_lifetime(f, t, &pol, NOW - 100, NOW + 100), 0);
	assert_int_equal(validate_lifetime(f, t, &pol, NOW - 100, NOW - 10), KENH_E_EXPIRED);
	assert_int_equal(validate_lifetime(f, t, &pol, NOW + 10, NOW + 100), KENH_E_EXPIRED);
	assert_int_equal(validate_lifetime(f, t, &pol, NOW, NOW), 0);
	assert_int_equal(validate_lifetime(f, t, &pol, NOW + 1, NOW), KENH_E_PROTO);
	pol.max_lifetime = 150;
	assert_int_equal(validate_lifetime(f, t, &pol, NOW - 100, NOW + 100), KENH_E_PROTO);
	pol.max_lifetime = 200;
	assert_int_equal(validate_lifetime(f, t, &pol, NOW - 100, NOW + 100), 0);
	/* §7.2: the application MUST define a maximum; there is no "no maximum". */
	pol.max_lifetime = 0;
	assert_int_equal(validate_lifetime(f, t, &pol, NOW - 100, NOW + 100), KENH_E_INVALID_ARG);
	pol.max_lifetime = MLS_KP_MAX_LIFETIME;
	pol.check_lifetime = false;
	assert_int_equal(validate_lifetime(f, t, &pol, NOW - 100, NOW - 10), 0);
	mls_rtree_free(t);
}

static int reject_credential(void *arg, const struct mls_leaf_node *ln)
{
	(void)ln;
	return *(const int *)arg;
}

/* §7.2, §7.3: source, capabilities, required_capabilities, the credential callback. */
static void test_mls_tree_leaf_rules(void **state)
{
	const struct fixture *f = *state;
	struct client c[2], d;
	struct mls_rtree *t = tree_of(f, c, 2);
	struct mls_leaf_check chk = { UINT32_MAX, MLS_LEAF_SOURCE_UPDATE, false };
	const uint8_t req[] = { 0x02, 0x0a, 0x0a, 0x00, 0x00 }; /* extension 0x0a0a required */
	struct mls_extension ext = { MLS_EXT_REQUIRED_CAPABILITIES, span_make(req, sizeof(req)) };
	struct mls_extension_list exts = { &ext, 1 };
	struct mls_leaf_policy pol;
	struct mls_leaf_node ln;
	struct codec_writer w;
	int revoked = KENH_E_REVOKED;

	policy(&pol);
	client_new(f, &d, 5);
	kp_leaf(f, &d, &w);
	decode_leaf(&w, &ln);
	assert_int_equal(validate_both(t, &pol, &chk, &ln), KENH_E_PROTO);
	chk.source = MLS_LEAF_SOURCE_KEY_PACKAGE;
	assert_int_equal(validate_both(t, &pol, &chk, &ln), 0);
	pol.gc_extensions = &exts;
	assert_int_equal(validate_both(t, &pol, &chk, &ln), KENH_E_PROTO);
	pol.gc_extensions = NULL;
	pol.check_credential = reject_credential;
	pol.check_arg = &revoked;
	assert_int_equal(validate_both(t, &pol, &chk, &ln), KENH_E_REVOKED);
	policy(&pol);
	ln.credential.credential_type = MLS_CREDENTIAL_X509;
	assert_int_equal(validate_both(t, &pol, &chk, &ln), KENH_E_PROTO);
	mls_leaf_node_clear(&ln);
	codec_writer_clear(&w);
	mls_rtree_free(t);
}

/* §7.3: a credential type the other members do not support is refused. */
static void test_mls_tree_credential_support(void **state)
{
	const struct fixture *f = *state;
	struct client c[2], d;
	struct mls_rtree *t = tree_of(f, c, 2);
	struct mls_leaf_check chk = { UINT32_MAX, MLS_LEAF_SOURCE_KEY_PACKAGE, false };
	uint16_t both[2] = { MLS_CREDENTIAL_BASIC, MLS_CREDENTIAL_X509 };
	struct mls_leaf_policy pol;
	struct mls_leaf_node tl, ln;
	struct kenh_span cert;
	struct codec_writer w;

	policy(&pol);
	client_new(f, &d, 5);
	leaf_tmpl(f, &d, &tl);
	tl.capabilities.credentials = (struct mls_u16_list){ both, 2 };
	sign_leaf(f, &d, &tl, 0, &w);
	decode_leaf(&w, &ln);
	assert_int_equal(validate_both(t, &pol, &chk, &ln), 0);
	mls_leaf_node_clear(&ln);
	codec_writer_clear(&w);
	cert = span_make(d.id, sizeof(d.id));
	tl.credential.credential_type = MLS_CREDENTIAL_X509;
	tl.credential.certificates = &cert;
	tl.credential.n_certificates = 1;
	sign_leaf(f, &d, &tl, 0, &w);
	decode_leaf(&w, &ln);
	assert_int_equal(validate_both(t, &pol, &chk, &ln), KENH_E_PROTO);
	mls_leaf_node_clear(&ln);
	codec_writer_clear(&w);
	mls_rtree_free(t);
}

/*
 * One Commit's Adds through an index kept up to date (group_proposal.c):
 * at each step the index answers as a scan of the tree as it is then, for
 * keys of parents, of members and of leaves added earlier in the Commit,
 * and for credential types in use and supported.
 */
struct index_walk {
	const struct fixture *f;
	struct mls_rtree *t;
	struct mls_leaf_index idx;
	struct mls_leaf_policy pol;
};

/* Check ln both ways; if valid, add it to the tree and the index. */
static int index_step(struct index_walk *iw, struct client *d, struct mls_leaf_node *tl)
{
	struct mls_leaf_check chk = { UINT32_MAX, MLS_LEAF_SOURCE_KEY_PACKAGE, false };
	struct mls_leaf_node ln;
	struct codec_writer w;
	uint32_t leaf = 0;
	int rc;

	sign_leaf(iw->f, d, tl, 0, &w);
	decode_leaf(&w, &ln);
	rc = mls_leafnode_validate(iw->t, &iw->pol, &chk, &ln);
	assert_int_equal(mls_leafnode_validate_indexed(iw->t, &iw->idx, &iw->pol, &chk, &ln), rc);
	if (rc == 0) {
		assert_int_equal(mls_rtree_add_leaf(iw->t, codec_writer_span(&w), &leaf), 0);
		assert_int_equal(mls_leaf_index_add(&iw->idx, &ln), 0);
	}
	mls_leaf_node_clear(&ln);
	codec_writer_clear(&w);
	return rc;
}

static void test_mls_tree_leaf_index_adds(void **state)
{
	const struct fixture *f = *state;
	struct client c[6], d[8];
	uint16_t both[2] = { MLS_CREDENTIAL_BASIC, MLS_CREDENTIAL_X509 };
	struct mls_leaf_check upd = { 1, MLS_LEAF_SOURCE_UPDATE, true };
	struct index_walk iw;
	struct mls_leaf_node tl;
	struct kenh_span cert;
	uint32_t x;

	memset(&iw, 0, sizeof(iw));
	iw.f = f;
	iw.t = committed_tree(f, c, 6);
	policy(&iw.pol);
	assert_int_equal(mls_leaf_index_build(iw.t, &iw.idx), 0);
	for (x = 1; x < mls_rtree_width(iw.t) && mls_rtree_node_key(iw.t, x).len == 0; x += 2)
		;
	assert_true(x < mls_rtree_width(iw.t)); /* the commits left a non-blank parent */
	client_new(f, &d[0], 20);
	leaf_tmpl(f, &d[0], &tl);
	assert_int_equal(index_step(&iw, &d[0], &tl), 0);
	/* The encryption key of the leaf added just before, then of a parent. */
	client_new(f, &d[1], 21);
	memcpy(d[1].enc_pk, d[0].enc_pk, sizeof(d[1].enc_pk));
	leaf_tmpl(f, &d[1], &tl);
	assert_int_equal(index_step(&iw, &d[1], &tl), KENH_E_PROTO);
	leaf_tmpl(f, &d[1], &tl);
	tl.encryption_key = mls_rtree_node_key(iw.t, x);
	assert_int_equal(index_step(&iw, &d[1], &tl), KENH_E_PROTO);
	/* The signature key of the added leaf, then of a member. */
	client_new(f, &d[2], 22);
	memcpy(d[2].sig_pk, d[0].sig_pk, sizeof(d[2].sig_pk));
	memcpy(d[2].sig_sk, d[0].sig_sk, sizeof(d[2].sig_sk));
	leaf_tmpl(f, &d[2], &tl);
	assert_int_equal(index_step(&iw, &d[2], &tl), KENH_E_PROTO);
	memcpy(d[2].sig_pk, c[3].sig_pk, sizeof(d[2].sig_pk));
	memcpy(d[2].sig_sk, c[3].sig_sk, sizeof(d[2].sig_sk));
	leaf_tmpl(f, &d[2], &tl);
	assert_int_equal(index_step(&iw, &d[2], &tl), KENH_E_PROTO);
	/* A member that also supports x509 may join with basic; not with x509. */
	client_new(f, &d[3], 23);
	leaf_tmpl(f, &d[3], &tl);
	tl.capabilities.credentials = (struct mls_u16_list){ both, 2 };
	assert_int_equal(index_step(&iw, &d[3], &tl), 0);
	client_new(f, &d[4], 24);
	leaf_tmpl(f, &d[4], &tl);
	tl.capabilities.credentials = (struct mls_u16_list){ both, 2 };
	cert = span_make(d[4].id, sizeof(d[4].id));
	tl.credential.credential_type = MLS_CREDENTIAL_X509;
	tl.credential.certificates = &cert;
	tl.credential.n_certificates = 1;
	assert_int_equal(index_step(&iw, &d[4], &tl), KENH_E_PROTO);
	/* Counts stay right after adds that list x509 and adds that do not. */
	client_new(f, &d[5], 25);
	leaf_tmpl(f, &d[5], &tl);
	assert_int_equal(index_step(&iw, &d[5], &tl), 0);
	client_new(f, &d[6], 26);
	leaf_tmpl(f, &d[6], &tl);
	tl.capabilities.credentials = (struct mls_u16_list){ both, 2 };
	assert_int_equal(index_step(&iw, &d[6], &tl), 0);
	leaf_tmpl(f, &d[4], &tl);
	tl.capabilities.credentials = (struct mls_u16_list){ both, 2 };
	tl.credential.credential_type = MLS_CREDENTIAL_X509;
	tl.credential.certificates = &cert;
	tl.credential.n_certificates = 1;
	assert_int_equal(index_step(&iw, &d[4], &tl), KENH_E_PROTO);
	/* The index is for leaves that replace none. */
	leaf_tmpl(f, &d[7], &tl);
	assert_int_equal(mls_leafnode_validate_indexed(iw.t, &iw.idx, &iw.pol, &upd,
	                                               mls_rtree_leaf(iw.t, 1)),
	                 KENH_E_INVALID_ARG);
	mls_leaf_index_clear(&iw.idx);
	mls_rtree_free(iw.t);
}

/* §7.3: a member whose credential type a new leaf does not support. */
static void test_mls_tree_leaf_index_type_in_use(void **state)
{
	const struct fixture *f = *state;
	struct client c[3], d;
	uint16_t both[2] = { MLS_CREDENTIAL_BASIC, MLS_CREDENTIAL_X509 };
	struct mls_leaf_check chk = { UINT32_MAX, MLS_LEAF_SOURCE_KEY_PACKAGE, false };
	struct mls_rtree *t = tree_of(f, c, 3);
	struct mls_leaf_policy pol;
	struct mls_leaf_node tl, ln;
	struct codec_writer w;
	struct kenh_span cert;

	policy(&pol);
	/* Leaf 1 becomes an x509 member (set directly: the tree is not validated here). */
	leaf_tmpl(f, &c[1], &tl);
	tl.capabilities.credentials = (struct mls_u16_list){ both, 2 };
	cert = span_make(c[1].id, sizeof(c[1].id));
	tl.credential.credential_type = MLS_CREDENTIAL_X509;
	tl.credential.certificates = &cert;
	tl.credential.n_certificates = 1;
	sign_leaf(f, &c[1], &tl, 0, &w);
	assert_int_equal(mls_rtree_set_leaf(t, 1, codec_writer_span(&w)), 0);
	codec_writer_clear(&w);
	client_new(f, &d, 30);
	leaf_tmpl(f, &d, &tl);
	sign_leaf(f, &d, &tl, 0, &w);
	decode_leaf(&w, &ln);
	assert_int_equal(validate_both(t, &pol, &chk, &ln), KENH_E_PROTO);
	mls_leaf_node_clear(&ln);
	codec_writer_clear(&w);
	tl.capabilities.credentials = (struct mls_u16_list){ both, 2 };
	sign_leaf(f, &d, &tl, 0, &w);
	decode_leaf(&w, &ln);
	assert_int_equal(validate_both(t, &pol, &chk, &ln), 0);
	mls_leaf_node_clear(&ln);
	codec_writer_clear(&w);
	mls_rtree_free(t);
}

/* §7.1, §12.4.3.1: unmerged leaves sorted, non-blank, below the parent. */
static void test_mls_tree_unmerged_rules(void **state)
{
	const struct fixture *f = *state;
	struct client c[4];
	struct mls_rtree *t = tree_of(f, c, 4);
	struct mls_leaf_policy pol;
	const uint32_t unsorted[2] = { 2, 1 }, outside[1] = { 2 }, big[1] = { 9 };

	policy(&pol);
	set_parent(f, t, 3, unsorted, 2);
	assert_int_equal(mls_rtree_validate(t, &pol), KENH_E_PROTO);
	set_parent(f, t, 3, big, 1);
	assert_int_equal(mls_rtree_validate(t, &pol), KENH_E_PROTO);
	mls_rtree_blank(t, 3);
	set_parent(f, t, 1, outside, 1);
	assert_int_equal(mls_rtree_validate(t, &pol), KENH_E_PROTO);
	mls_rtree_free(t);
}

/* ------------------------------------------------------ malformed trees */

/* Import hex-free bytes; returns the code (and frees the tree). */
static int import_bytes(const struct fixture *f, const uint8_t *p, size_t n)
{
	struct mls_rtree *t = NULL;
	int rc = mls_rtree_import(f->cs, span_make(p, n), &t);

	assert_true((rc == 0) == (t != NULL));
	mls_rtree_free(t);
	return rc;
}

/* A vector<V> of body (minimal RFC 9420 §2.1.2 prefix) into buf; returns its length. */
static size_t vec(const uint8_t *body, size_t n, uint8_t *buf)
{
	size_t h = 1;

	assert_true(n < 16384);
	if (n < 64) {
		buf[0] = (uint8_t)n;
	} else {
		store_be16(buf, (uint16_t)(0x4000u | n));
		h = 2;
	}
	memcpy(buf + h, body, n);
	return n + h;
}

static void test_mls_tree_import_malformed(void **state)
{
	const struct fixture *f = *state;
	struct client c[1];
	struct mls_rtree *t = tree_of(f, c, 1);
	uint8_t *good = NULL, body[2048], buf[2100];
	const uint8_t parent[] = { 0x01, 0x02, 0x01, 0xaa, 0x00, 0x00 };
	size_t len = 0, leaf_len, n, i;

	export_tree(t, &good, &len);
	assert_int_equal(import_bytes(f, good, len), 0);
	/* The body of the good vector is "01 01 LeafNode": strip its 2-byte prefix. */
	assert_true(len > 2 && len < 1000 && (good[0] & 0xc0) == 0x40);
	leaf_len = len - 2;
	memcpy(body, good + 2, leaf_len);
	/* A parent where a leaf must be. */
	assert_int_equal(import_bytes(f, buf, vec(parent, sizeof(parent), buf)), KENH_E_PARSE);
	/* Blank nodes after the last non-blank one (an odd count: only the blank is wrong). */
	body[leaf_len] = 0x00;
	body[leaf_len + 1] = 0x00;
	assert_int_equal(import_bytes(f, buf, vec(body, leaf_len + 2, buf)), KENH_E_PARSE);
	/* An even node count: a parent last. */
	memcpy(body + leaf_len, parent, sizeof(parent));
	assert_int_equal(import_bytes(f, buf, vec(body, leaf_len + sizeof(parent), buf)),
	                 KENH_E_PARSE);
	/* No node at all; trailing bytes; a presence byte of 2; node types 0 and 3. */
	assert_int_equal(import_bytes(f, (const uint8_t *)"\x00", 1), KENH_E_PARSE);
	memcpy(buf, good, len);
	buf[len] = 0;
	assert_int_equal(import_bytes(f, buf, len + 1), KENH_E_TRAILING);
	buf[2] = 2;
	assert_int_equal(import_bytes(f, buf, len), KENH_E_PARSE);
	buf[2] = 1;
	buf[3] = 0;
	assert_int_equal(import_bytes(f, buf, len), KENH_E_PARSE);
	buf[3] = 3;
	assert_int_equal(import_bytes(f, buf, len), KENH_E_PARSE);
	/* Truncated at every byte. */
	for (n = 0; n < len; n++)
		assert_int_not_equal(import_bytes(f, good, n), 0);
	/* Every single-byte change decodes or fails cleanly (ASan watches). */
	for (i = 0; i < len; i++) {
		memcpy(buf, good, len);
		buf[i] ^= 0xff;
		(void)import_bytes(f, buf, len);
	}
	mem_free(good);
	mls_rtree_free(t);
}

/* R5.8: the private structs are all zero after their _clear. */
static void test_mls_tree_clear_wipes(void **state)
{
	const struct fixture *f = *state;
	struct client c[4];
	struct mls_rtree *t = tree_of(f, c, 4);
	struct mls_treekem_create_args a = { 1, NULL, span_make(c[1].sig_sk, f->cs->sig->nsk),
		                             gid(), span_make(NULL, 0) };
	struct mls_treekem_path path;
	struct mls_treekem_priv priv;
	uint8_t zero[sizeof(path) > sizeof(priv) ? sizeof(path) : sizeof(priv)];

	memset(zero, 0, sizeof(zero));
	a.tmpl = mls_rtree_leaf(t, 1);
	assert_int_equal(mls_treekem_create(f->ctx, t, &a, &path, &priv), 0);
	assert_true(priv.n == 3 && path.n == 2);
	mls_treekem_path_clear(&path);
	mls_treekem_priv_clear(&priv);
	assert_memory_equal(&path, zero, sizeof(path));
	assert_memory_equal(&priv, zero, sizeof(priv));
	mls_rtree_free(t);
}

/* A fixed leaf secret gives the same path twice (tests may inject it). */
static void test_mls_tree_injected_leaf_secret(void **state)
{
	const struct fixture *f = *state;
	struct client c[3];
	struct mls_rtree *t = tree_of(f, c, 3), *u = NULL;
	uint8_t secret[CRYPTO_MAX_HASH], h1[CRYPTO_MAX_HASH], h2[CRYPTO_MAX_HASH];
	struct mls_treekem_create_args a = { 2, NULL, span_make(c[2].sig_sk, f->cs->sig->nsk),
		                             gid(), span_make(secret, f->cs->kdf->nh) };
	struct mls_treekem_path p1, p2;
	struct mls_treekem_priv priv;

	memset(secret, 0x42, sizeof(secret));
	a.tmpl = mls_rtree_leaf(t, 2);
	assert_int_equal(mls_rtree_dup(t, &u), 0);
	assert_int_equal(mls_treekem_create(f->ctx, t, &a, &p1, &priv), 0);
	a.tmpl = mls_rtree_leaf(u, 2);
	assert_int_equal(mls_treekem_create(f->ctx, u, &a, &p2, &priv), 0);
	assert_memory_equal(p1.commit_secret, p2.commit_secret, f->cs->kdf->nh);
	/* Ed25519 signatures are deterministic, so the trees agree to the last byte. */
	assert_int_equal(mls_rtree_root_hash(t, h1), 0);
	assert_int_equal(mls_rtree_root_hash(u, h2), 0);
	assert_memory_equal(h1, h2, f->cs->kdf->nh);
	a.leaf_secret = span_make(secret, 3);
	assert_int_equal(mls_treekem_create(f->ctx, u, &a, &p2, &priv), KENH_E_INVALID_ARG);
	mls_treekem_path_clear(&p1);
	mls_treekem_path_clear(&p2);
	mls_treekem_priv_clear(&priv);
	mls_rtree_free(t);
	mls_rtree_free(u);
}

#ifdef KENH_FAULT_INJECT
/*
 * Run op with allocation n failing (and every later one), n = 1, 2, ...
 * until it succeeds; after each failure (injection off again) call after.
 */
typedef int fault_op_fn(const struct fixture *f, void *arg);
typedef void fault_after_fn(void *arg);

static void fault_walk(const struct fixture *f, fault_op_fn *op, fault_after_fn *after, void *arg)
{
	unsigned long n;
	int rc;

	for (n = 1; n < 100000; n++) {
		mem_fault_set(n, 1);
		rc = op(f, arg);
		if (mem_fault_hits() == 0) {
			mem_fault_set(0, 0);
			assert_int_equal(rc, 0);
			return;
		}
		mem_fault_set(0, 0);
		assert_int_equal(rc, KENH_E_NOMEM);
		if (after != NULL) after(arg);
	}
	fail_msg("operation never succeeded");
}

struct fault_case {
	struct mls_rtree *tree; /* the tree operated on (copied first where it changes) */
	struct mls_rtree *work; /* the copy a failed operation left, for assert_unchanged */
	uint8_t *bytes;         /* its export */
	size_t len;
	struct client *c;
	struct codec_writer leaf; /* a KeyPackage leaf to add */
	struct mls_treekem_update_path up;
};

/* After a failure the copy operated on must export to the same bytes as the tree. */
static void assert_unchanged(void *arg)
{
	struct fault_case *fc = arg;
	uint8_t *b = NULL;
	size_t blen = 0;

	if (fc->work == NULL) return; /* the copy itself failed */
	export_tree(fc->work, &b, &blen);
	assert_int_equal(blen, fc->len);
	assert_memory_equal(b, fc->bytes, blen);
	mem_free(b);
	mls_rtree_free(fc->work);
	fc->work = NULL;
}

/* Run a change on a fresh copy of fc->tree; a failed copy is kept for assert_unchanged. */
static int on_copy(struct fault_case *fc, int rc_change(struct fault_case *fc))
{
	int rc;

	if ((rc = mls_rtree_dup(fc->tree, &fc->work)) != 0) return rc;
	if ((rc = rc_change(fc)) == 0) {
		mls_rtree_free(fc->work);
		fc->work = NULL;
	}
	return rc;
}

static int op_import(const struct fixture *f, void *arg)
{
	struct fault_case *fc = arg;
	struct mls_rtree *t = NULL;
	int rc = mls_rtree_import(f->cs, span_make(fc->bytes, fc->len), &t);

	mls_rtree_free(t);
	return rc;
}

static int change_add(struct fault_case *fc)
{
	uint32_t leaf = 0;

	return mls_rtree_add_leaf(fc->work, codec_writer_span(&fc->leaf), &leaf);
}

static int op_add(const struct fixture *f, void *arg)
{
	(void)f;
	return on_copy(arg, change_add);
}

static int op_create(const struct fixture *f, void *arg)
{
	struct fault_case *fc = arg;
	struct mls_treekem_create_args a = { 0, NULL, span_make(fc->c[0].sig_sk, f->cs->sig->nsk),
		                             gid(), span_make(NULL, 0) };
	struct mls_treekem_send send = { span_make(fc->bytes, 4), { NULL, 0 } };
	struct mls_treekem_update_path up;
	struct mls_treekem_path path;
	struct mls_treekem_priv priv;
	struct mls_rtree *t = NULL;
	int rc;

	if ((rc = mls_rtree_dup(fc->tree, &t)) != 0) return rc;
	a.tmpl = mls_rtree_leaf(t, 0);
	if ((rc = mls_treekem_create(f->ctx, t, &a, &path, &priv)) == 0) {
		rc = mls_treekem_encrypt(f->ctx, t, &path, &send, &up);
		mls_treekem_update_path_clear(&up);
	}
	mls_treekem_path_clear(&path);
	mls_treekem_priv_clear(&priv);
	mls_rtree_free(t);
	return rc;
}

static int change_merge(struct fault_case *fc)
{
	struct mls_leaf_policy pol;

	policy(&pol);
	return mls_treekem_merge(fc->work, &pol, 0, &fc->up.path);
}

static int op_merge(const struct fixture *f, void *arg)
{
	(void)f;
	return on_copy(arg, change_merge);
}

/* R17.5: every allocation of import, add, copy and commit, and merge, fails cleanly. */
static void test_mls_tree_fault_injection(void **state)
{
	const struct fixture *f = *state;
	struct client c[5], d;
	struct fault_case fc;
	struct mls_rtree *before = NULL;

	memset(&fc, 0, sizeof(fc));
	fc.c = c;
	fc.tree = committed_tree(f, c, 5);
	export_tree(fc.tree, &fc.bytes, &fc.len);
	client_new(f, &d, 6);
	kp_leaf(f, &d, &fc.leaf);
	fault_walk(f, op_import, NULL, &fc);
	fault_walk(f, op_add, assert_unchanged, &fc);
	fault_walk(f, op_create, NULL, &fc);
	make_path(f, c, fc.tree, &before, &fc.up);
	mls_rtree_free(fc.tree);
	fc.tree = before;
	mem_free(fc.bytes);
	export_tree(fc.tree, &fc.bytes, &fc.len);
	fault_walk(f, op_merge, assert_unchanged, &fc);
	mls_treekem_update_path_clear(&fc.up);
	codec_writer_clear(&fc.leaf);
	mem_free(fc.bytes);
	mls_rtree_free(fc.tree);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mls_tree_resolution_rfc_example),
		cmocka_unit_test(test_mls_tree_filtered_path_rfc_example),
		cmocka_unit_test(test_mls_tree_add_remove_shape),
		cmocka_unit_test(test_mls_tree_random_walk),
		cmocka_unit_test(test_mls_tree_external_join),
		cmocka_unit_test(test_mls_tree_group_extensions),
		cmocka_unit_test(test_mls_tree_corrupt_parent_hash),
		cmocka_unit_test(test_mls_tree_merge_rejects_bad_path),
		cmocka_unit_test(test_mls_tree_bad_leaf_signature),
		cmocka_unit_test(test_mls_tree_duplicate_keys),
		cmocka_unit_test(test_mls_tree_lifetime),
		cmocka_unit_test(test_mls_tree_leaf_rules),
		cmocka_unit_test(test_mls_tree_credential_support),
		cmocka_unit_test(test_mls_tree_leaf_index_adds),
		cmocka_unit_test(test_mls_tree_leaf_index_type_in_use),
		cmocka_unit_test(test_mls_tree_unmerged_rules),
		cmocka_unit_test(test_mls_tree_import_malformed),
		cmocka_unit_test(test_mls_tree_clear_wipes),
		cmocka_unit_test(test_mls_tree_injected_leaf_secret),
#ifdef KENH_FAULT_INJECT
		cmocka_unit_test(test_mls_tree_fault_injection),
#endif
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
