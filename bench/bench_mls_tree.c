/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Ratchet tree and TreeKEM at group scale (RFC 9420 §7.4-§7.8; issue 3's
 * targets: an Update commit created in under 20 ms and processed in under
 * 10 ms at 10,000 members). Suite 1. Builds a tree of MEMBERS signed
 * KeyPackage leaves whose parent nodes are all set (the steady state of an
 * active group: every parent with members on both sides holds a key), then
 * times, after a warm-up, with fixed iteration counts:
 *   - the root tree hash after one leaf changes (cached hashes), and from
 *     scratch after an import;
 *   - an UpdatePath created by leaf 0 (copy of the tree, path secrets and
 *     keys, signed leaf, tree hash, encryption to the copath);
 *   - the same UpdatePath processed by leaf MEMBERS - 1 and by leaf 1
 *     (copy, leaf validation, key checks, parent hashes, merge, tree hash,
 *     decryption and key derivation);
 *   - once, the worst case of a tree whose parents are all blank (a group
 *     just created by one member adding everyone): the committer encrypts
 *     to every other member.
 * Each figure is given as wall time and as the CPU time of the thread: the
 * machine may be shared, and the CPU time is what the operation costs on
 * an otherwise idle device. There is no reference implementation to
 * compare with in this run.
 */
#include "util/compat.h"

#include <time.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "kenh/kenh.h"
#include "mls/tree.h"
#include "util/mem.h"

#define MEMBERS 10000u
#define ITER    20
#define GID     "bench group"

struct bench {
	struct kenh_ctx *ctx;
	const struct crypto_suite *cs;
	struct mls_rtree *full;   /* parents set */
	struct mls_rtree *sparse; /* parents blank */
	uint16_t one[1];
};

static double clock_ms(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static double now_ms(void)
{
	return clock_ms(CLOCK_MONOTONIC);
}

/* Wall and thread CPU milliseconds, as a point in time or a duration. */
struct span_ms {
	double wall;
	double cpu;
};

static struct span_ms stamp(void)
{
	struct span_ms s = { now_ms(), clock_ms(CLOCK_THREAD_CPUTIME_ID) };

	return s;
}

static struct span_ms since(struct span_ms t0)
{
	struct span_ms s = stamp();

	s.wall -= t0.wall;
	s.cpu -= t0.cpu;
	return s;
}

static void add_to(struct span_ms *sum, struct span_ms d)
{
	sum->wall += d.wall;
	sum->cpu += d.cpu;
}

static void die(const char *what, int rc)
{
	fprintf(stderr, "bench_mls_tree: %s: %s\n", what, kenh_strerror(rc));
	exit(1);
}

static void ok(const char *what, int rc)
{
	if (rc != 0) die(what, rc);
}

/* A deterministic secret for (tag, i): Hash(tag || i). */
static void secret_of(const struct bench *b, char tag, uint32_t i, uint8_t *out)
{
	uint8_t in[5];

	in[0] = (uint8_t)tag;
	store_be32(in + 1, i);
	ok("hash", crypto_hash(b->cs->kdf, in, sizeof(in), out));
}

/* Leaf i's keys: HPKE from a path-style secret, Ed25519 from a seed. */
static void leaf_keys(const struct bench *b, uint32_t i, uint8_t *enc_sk, uint8_t *enc_pk,
                      uint8_t *sig_sk, uint8_t *sig_pk)
{
	uint8_t s[CRYPTO_MAX_HASH];

	secret_of(b, 'l', i, s);
	ok("leaf key", mls_derive_node_keypair(b->ctx, b->cs, s, enc_sk, enc_pk));
	secret_of(b, 's', i, sig_sk);
	ok("sig key", crypto_sig_pk_from_sk(b->cs->sig, sig_sk, sig_pk));
}

/* A signed KeyPackage leaf for member i into w. */
static void member_leaf(struct bench *b, uint32_t i, struct codec_writer *w)
{
	uint8_t esk[CRYPTO_MAX_KEM_SK], epk[CRYPTO_MAX_KEM_PK], ssk[CRYPTO_MAX_HASH],
	        spk[CRYPTO_MAX_SIG_PK], id[4];
	struct mls_leaf_node ln;
	struct mls_leafnode_sign_args a;

	leaf_keys(b, i, esk, epk, ssk, spk);
	store_be32(id, i);
	memset(&ln, 0, sizeof(ln));
	ln.encryption_key = span_make(epk, b->cs->kem->npk);
	ln.signature_key = span_make(spk, b->cs->sig->npk);
	ln.credential.credential_type = MLS_CREDENTIAL_BASIC;
	ln.credential.identity = span_make(id, sizeof(id));
	ln.capabilities.versions = (struct mls_u16_list){ b->one, 1 };
	ln.capabilities.cipher_suites = (struct mls_u16_list){ b->one, 1 };
	ln.capabilities.credentials = (struct mls_u16_list){ b->one, 1 };
	ln.leaf_node_source = MLS_LEAF_SOURCE_KEY_PACKAGE;
	ln.lifetime.not_after = UINT64_MAX;
	a.tbs = &ln;
	a.sig_sk = span_make(ssk, b->cs->sig->nsk);
	a.group_id = span_make(NULL, 0);
	a.leaf_index = 0;
	codec_writer_init(w, LIMIT_STRUCT_VECTOR, CODEC_WRITER_NORMAL);
	ok("sign", mls_leafnode_sign(b->cs, &a, w));
}

/* Set parent x with the key of secret ('n', x). */
static void set_parent(struct bench *b, struct mls_rtree *t, uint32_t x)
{
	uint8_t s[CRYPTO_MAX_HASH], sk[CRYPTO_MAX_KEM_SK], pk[CRYPTO_MAX_KEM_PK];
	struct mls_parent_node pn = { span_make(pk, b->cs->kem->npk), span_make(NULL, 0), NULL, 0 };

	secret_of(b, 'n', x, s);
	ok("node key", mls_derive_node_keypair(b->ctx, b->cs, s, sk, pk));
	ok("set parent", mls_rtree_set_parent(t, x, &pn));
}

static void build(struct bench *b)
{
	struct codec_writer w;
	uint8_t h[CRYPTO_MAX_HASH];
	uint32_t i, leaf = 0, x, half;
	double t0 = now_ms();

	ok("new", mls_rtree_new(b->cs, &b->sparse));
	for (i = 0; i < MEMBERS; i++) {
		member_leaf(b, i, &w);
		ok("add", mls_rtree_add_leaf(b->sparse, codec_writer_span(&w), &leaf));
		codec_writer_clear(&w);
	}
	ok("dup", mls_rtree_dup(b->sparse, &b->full));
	/* Every parent with members on both sides holds a key. */
	for (x = 1; x < mls_rtree_width(b->full); x += 2) {
		half = 1u << (mls_tree_level(x) - 1);
		if (mls_rtree_subtree_is_blank(b->full, x - half) ||
		    mls_rtree_subtree_is_blank(b->full, x + half))
			continue;
		set_parent(b, b->full, x);
	}
	/* A group computes its tree hash every epoch: the cache starts warm. */
	ok("hash", mls_rtree_root_hash(b->full, h));
	ok("hash", mls_rtree_root_hash(b->sparse, h));
	printf("built a tree of %u members (%u leaves) in %.0f ms\n", MEMBERS, b->full->n_leaves,
	       now_ms() - t0);
}

/* The private keys of leaf r in the full tree. */
static void receiver_keys(struct bench *b, const struct mls_rtree *t, uint32_t r,
                          struct mls_treekem_priv *p)
{
	uint8_t esk[CRYPTO_MAX_KEM_SK], epk[CRYPTO_MAX_KEM_PK], ssk[CRYPTO_MAX_HASH],
	        spk[CRYPTO_MAX_SIG_PK], s[CRYPTO_MAX_HASH], pk[CRYPTO_MAX_KEM_PK];
	uint32_t path[MLS_TREE_MAX_DEPTH];
	size_t i, len = 0;

	leaf_keys(b, r, esk, epk, ssk, spk);
	ok("priv", mls_treekem_priv_init(p, b->cs, r, esk));
	ok("path", mls_tree_direct_path(2 * r, t->n_leaves, path, &len));
	for (i = 0; i < len; i++) {
		if (mls_rtree_node(t, path[i]) == NULL) continue;
		secret_of(b, 'n', path[i], s);
		ok("node key", mls_derive_node_keypair(b->ctx, b->cs, s, esk, pk));
		ok("priv set", mls_treekem_priv_set(p, t, path[i], esk));
	}
	ok("priv check", mls_treekem_priv_check(p, t));
}

/* A stand-in provisional GroupContext: the new tree hash, padded to a typical size. */
static void context_of(struct mls_rtree *t, uint8_t gc[static 128])
{
	memset(gc, 0x5a, 128);
	ok("root hash", mls_rtree_root_hash(t, gc));
}

/* §7.8: one leaf changes, then the root hash. */
static void bench_hash(struct bench *b)
{
	struct mls_rtree *t = NULL, *u = NULL;
	uint8_t h[CRYPTO_MAX_HASH];
	struct codec_writer w;
	struct span_ms t0, one = { 0, 0 }, scratch, hash;
	uint32_t i;

	ok("dup", mls_rtree_dup(b->full, &t));
	ok("hash", mls_rtree_root_hash(t, h));
	for (i = 0; i < ITER; i++) {
		member_leaf(b, MEMBERS + i, &w);
		t0 = stamp();
		ok("set leaf", mls_rtree_set_leaf(t, (i * 7919u) % MEMBERS, codec_writer_span(&w)));
		ok("hash", mls_rtree_root_hash(t, h));
		add_to(&one, since(t0));
		codec_writer_clear(&w);
	}
	codec_writer_init(&w, LIMIT_RATCHET_TREE, CODEC_WRITER_NORMAL);
	ok("export", mls_rtree_export(b->full, &w));
	t0 = stamp();
	ok("import", mls_rtree_import(b->cs, codec_writer_span(&w), &u));
	scratch = since(t0);
	t0 = stamp();
	ok("hash", mls_rtree_root_hash(u, h));
	hash = since(t0);
	printf("tree hash after one leaf change: %.3f ms wall, %.3f ms CPU (mean of %d)\n",
	       one.wall / ITER, one.cpu / ITER, ITER);
	printf("import of the %zu-byte tree: %.1f ms wall, %.1f ms CPU; tree hash from scratch: "
	       "%.1f ms wall, %.1f ms CPU\n",
	       codec_writer_len(&w), scratch.wall, scratch.cpu, hash.wall, hash.cpu);
	codec_writer_clear(&w);
	mls_rtree_free(t);
	mls_rtree_free(u);
}

/* The committer's side: copy, create, tree hash, encrypt. Returns the time; *out keeps the path. */
static struct span_ms create_once(struct bench *b, const struct mls_rtree *base,
                                  struct mls_rtree **after, struct mls_treekem_update_path *out,
                                  struct mls_treekem_path *path)
{
	uint8_t esk[CRYPTO_MAX_KEM_SK], epk[CRYPTO_MAX_KEM_PK], ssk[CRYPTO_MAX_HASH],
	        spk[CRYPTO_MAX_SIG_PK], gc[128];
	struct mls_treekem_create_args a;
	struct mls_treekem_priv priv;
	struct mls_treekem_send send = { span_make(gc, sizeof(gc)), { NULL, 0 } };
	struct mls_rtree *t = NULL;
	struct span_ms t0;

	leaf_keys(b, 0, esk, epk, ssk, spk);
	t0 = stamp();
	ok("dup", mls_rtree_dup(base, &t));
	memset(&a, 0, sizeof(a));
	a.leaf = 0;
	a.tmpl = mls_rtree_leaf(t, 0);
	a.sig_sk = span_make(ssk, b->cs->sig->nsk);
	a.group_id = span_make((const uint8_t *)GID, sizeof(GID) - 1);
	ok("create", mls_treekem_create(b->ctx, t, &a, path, &priv));
	context_of(t, gc);
	ok("encrypt", mls_treekem_encrypt(b->ctx, t, path, &send, out));
	t0 = since(t0);
	mls_treekem_priv_clear(&priv);
	*after = t;
	return t0;
}

static int accept_credential(void *arg, const struct mls_leaf_node *ln)
{
	(void)arg;
	(void)ln;
	return 0;
}

/* A receiver's side: copy, merge (with validation), tree hash, decrypt. Returns the time. */
static struct span_ms process_once(struct bench *b, const struct mls_rtree *base,
                                   const struct mls_treekem_priv *keys,
                                   const struct mls_treekem_update_path *up)
{
	uint8_t gc[128];
	struct mls_treekem_secrets got;
	struct mls_treekem_priv p = *keys;
	struct mls_leaf_policy pol;
	struct mls_treekem_recv in;
	struct mls_rtree *t = NULL;
	struct span_ms t0;

	memset(&pol, 0, sizeof(pol));
	pol.group_id = span_make((const uint8_t *)GID, sizeof(GID) - 1);
	pol.max_lifetime = UINT64_MAX; /* the bench's leaves live from 0 to 2^64 - 1 */
	pol.check_credential = accept_credential;
	t0 = stamp();
	ok("dup", mls_rtree_dup(base, &t));
	ok("merge", mls_treekem_merge(t, &pol, 0, &up->path));
	context_of(t, gc);
	in = (struct mls_treekem_recv){ 0, &up->path, span_make(gc, sizeof(gc)), { NULL, 0 } };
	ok("decrypt", mls_treekem_decrypt(b->ctx, t, &p, &in, &got));
	t0 = since(t0);
	mls_treekem_secrets_clear(&got);
	mls_treekem_priv_clear(&p);
	mls_rtree_free(t);
	return t0;
}

static void bench_path(struct bench *b)
{
	struct mls_treekem_update_path up;
	struct mls_treekem_path path;
	struct mls_treekem_priv far, near;
	struct mls_rtree *after = NULL;
	struct span_ms made = { 0, 0 }, far_t = { 0, 0 }, near_t = { 0, 0 }, c, pf, pn;
	int i;

	receiver_keys(b, b->full, MEMBERS - 1, &far);
	receiver_keys(b, b->full, 1, &near);
	for (i = -1; i < ITER; i++) { /* i = -1: warm-up */
		c = create_once(b, b->full, &after, &up, &path);
		pf = process_once(b, b->full, &far, &up);
		pn = process_once(b, b->full, &near, &up);
		if (i >= 0) {
			add_to(&made, c);
			add_to(&far_t, pf);
			add_to(&near_t, pn);
		}
		if (i == 0)
			printf("UpdatePath: %zu nodes, %zu bytes\n", up.path.n_nodes, up.enc_len);
		mls_treekem_update_path_clear(&up);
		mls_treekem_path_clear(&path);
		mls_rtree_free(after);
	}
	printf("Update commit path created by leaf 0: %.2f ms wall, %.2f ms CPU (mean of %d)\n",
	       made.wall / ITER, made.cpu / ITER, ITER);
	printf("processed by leaf %u: %.2f ms wall, %.2f ms CPU; by leaf 1: %.2f ms wall, %.2f ms "
	       "CPU (means of %d)\n",
	       MEMBERS - 1, far_t.wall / ITER, far_t.cpu / ITER, near_t.wall / ITER,
	       near_t.cpu / ITER, ITER);
	mls_treekem_priv_clear(&far);
	mls_treekem_priv_clear(&near);
}

static void bench_sparse(struct bench *b)
{
	struct mls_treekem_update_path up;
	struct mls_treekem_path path;
	struct mls_rtree *after = NULL;
	struct span_ms t = create_once(b, b->sparse, &after, &up, &path);

	printf("worst case, all parents blank: path created in %.0f ms wall, %.0f ms CPU (%zu "
	       "bytes, one encryption per other member)\n",
	       t.wall, t.cpu, up.enc_len);
	mls_treekem_update_path_clear(&up);
	mls_treekem_path_clear(&path);
	mls_rtree_free(after);
}

int main(void)
{
	struct bench b;

	memset(&b, 0, sizeof(b));
	b.one[0] = 1;
	ok("ctx", kenh_ctx_new(&b.ctx));
	if ((b.cs = crypto_suite_get(b.ctx, 1)) == NULL) die("suite 1", KENH_E_UNSUPPORTED);
	build(&b);
	bench_hash(&b);
	bench_path(&b);
	bench_sparse(&b);
	printf("reference: none measured (no other TreeKEM implementation in this build)\n");
	mls_rtree_free(b.full);
	mls_rtree_free(b.sparse);
	kenh_ctx_free(b.ctx);
	return 0;
}
