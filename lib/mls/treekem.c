/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * TreeKEM (RFC 9420 §7.4-§7.6): the committer's side (fresh leaf secret,
 * path secrets and node key pairs up the filtered direct path, parent
 * hashes, a new signed LeafNode, and path secrets encrypted with
 * EncryptWithLabel("UpdatePathNode") to the copath resolutions without the
 * commit's new members), the receiver's side (validate and merge an
 * UpdatePath, then decrypt the one path secret meant for it, derive the
 * rest and check every public key), and the private keys a member holds
 * for its leaf and direct path, kept in fixed arrays and wiped when their
 * nodes go away. Building the provisional GroupContext is the caller's:
 * it sits between merging and encrypting or decrypting because it carries
 * the new tree hash (§12.4.1, §12.4.2).
 */
#include "mls/tree.h"

#include "util/compat.h"

#include <stdlib.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "util/mem.h"

/* ----------------------------------------------------- private keys */

int mls_treekem_priv_init(struct mls_treekem_priv *p, const struct crypto_suite *cs, uint32_t leaf,
                          const uint8_t *leaf_sk)
{
	sec_zero(p, sizeof(*p));
	if (cs->kem->nsk > CRYPTO_MAX_KEM_SK || leaf >= MLS_TREE_MAX_LEAVES)
		return KENH_ERR(KENH_E_INVALID_ARG);
	p->leaf = leaf;
	p->nsk = cs->kem->nsk;
	p->slot[0].node = mls_tree_leaf_node(leaf);
	memcpy(p->slot[0].sk, leaf_sk, p->nsk);
	p->n = 1;
	return 0;
}

void mls_treekem_priv_clear(struct mls_treekem_priv *p)
{
	if (p != NULL) sec_zero(p, sizeof(*p));
}

const uint8_t *mls_treekem_priv_find(const struct mls_treekem_priv *p, uint32_t x)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->slot[i].node == x) return p->slot[i].sk;
	return NULL;
}

/* §4.2 tree invariant: x is the leaf's node or on its direct path in t. */
static bool on_own_path(const struct mls_treekem_priv *p, const struct mls_rtree *t, uint32_t x)
{
	uint32_t path[MLS_TREE_MAX_DEPTH];
	size_t i, len = 0;

	if (p->leaf >= t->n_leaves) return false;
	if (x == mls_tree_leaf_node(p->leaf)) return true;
	if (mls_tree_direct_path(mls_tree_leaf_node(p->leaf), t->n_leaves, path, &len) != 0)
		return false;
	for (i = 0; i < len; i++)
		if (path[i] == x) return true;
	return false;
}

int mls_treekem_priv_set(struct mls_treekem_priv *p, const struct mls_rtree *t, uint32_t x,
                         const uint8_t *sk)
{
	size_t i;

	if (!on_own_path(p, t, x)) return KENH_ERR(KENH_E_INVALID_ARG);
	for (i = 0; i < p->n && p->slot[i].node != x; i++)
		;
	if (i == ARRAY_LEN(p->slot)) return KENH_ERR(KENH_E_INTERNAL);
	p->slot[i].node = x;
	memcpy(p->slot[i].sk, sk, p->nsk);
	if (i == p->n) p->n++;
	return 0;
}

void mls_treekem_priv_sync(struct mls_treekem_priv *p, const struct mls_rtree *t)
{
	size_t i = 0;

	while (i < p->n) {
		if (mls_rtree_node(t, p->slot[i].node) != NULL &&
		    on_own_path(p, t, p->slot[i].node)) {
			i++;
			continue;
		}
		/* §7.5: delete the key of a node that was blanked or truncated away. */
		p->n--;
		p->slot[i] = p->slot[p->n];
		sec_zero(&p->slot[p->n], sizeof(p->slot[p->n]));
	}
}

int mls_treekem_priv_check(const struct mls_treekem_priv *p, const struct mls_rtree *t)
{
	const struct crypto_kem *kem = t->cs->kem;
	uint8_t pk[CRYPTO_MAX_KEM_PK];
	struct kenh_span key;
	size_t i;
	int rc;

	if (mls_treekem_priv_find(p, mls_tree_leaf_node(p->leaf)) == NULL)
		return KENH_ERR(KENH_E_STATE);
	for (i = 0; i < p->n; i++) {
		key = mls_rtree_node_key(t, p->slot[i].node);
		if ((rc = crypto_kem_pk_from_sk(kem, p->slot[i].sk, pk)) != 0) return rc;
		if (key.len != kem->npk || memcmp(key.p, pk, kem->npk) != 0)
			return KENH_ERR(KENH_E_VERIFY);
	}
	return 0;
}

/*
 * §7.4: from `secret`, the path secret of path[from], the key pairs of
 * path[from .. n - 1], each checked against want[k] and stored in p, the
 * secret moving on with DeriveSecret(., "path"). next receives the secret
 * after the last node (the commit secret when path is the whole filtered
 * direct path).
 */
struct derive_job {
	const uint32_t *path;
	const struct kenh_span *want;
	size_t from;
	size_t n;
	const uint8_t *secret; /* secret */
	uint8_t *next;         /* secret */
};

static int derive_path(const struct kenh_ctx *ctx, const struct mls_rtree *t,
                       const struct derive_job *j, struct mls_treekem_priv *p)
{
	const struct crypto_suite *cs = t->cs;
	uint8_t s[2][CRYPTO_MAX_HASH], sk[CRYPTO_MAX_KEM_SK],
	        pk[CRYPTO_MAX_KEM_PK]; /* secret: s, sk */
	size_t k, cur = 0, nh = cs->kdf->nh;
	int rc = 0;

	/* Two buffers in turn: a derivation's output is cleared before its input is read. */
	memcpy(s[cur], j->secret, nh);
	for (k = j->from; k < j->n; k++) {
		if ((rc = mls_derive_node_keypair(ctx, cs, s[cur], sk, pk)) != 0) goto out;
		/* §7.5 step 6: the derived public key is the one sent. */
		if (j->want[k].len != cs->kem->npk || memcmp(j->want[k].p, pk, cs->kem->npk) != 0) {
			rc = KENH_ERR(KENH_E_VERIFY);
			goto out;
		}
		if ((rc = mls_treekem_priv_set(p, t, j->path[k], sk)) != 0) goto out;
		if ((rc = mls_derive_secret(cs, s[cur], MLS_LABEL("path"), s[1 - cur])) != 0)
			goto out;
		cur = 1 - cur;
	}
	memcpy(j->next, s[cur], nh);
out:
	sec_zero(s, sizeof(s));
	sec_zero(sk, sizeof(sk));
	return rc;
}

int mls_treekem_priv_join(const struct kenh_ctx *ctx, struct mls_treekem_priv *p,
                          const struct mls_rtree *t, uint32_t committer, const uint8_t *path_secret)
{
	uint32_t path[MLS_TREE_MAX_DEPTH], copath[MLS_TREE_MAX_DEPTH], anc = 0;
	struct kenh_span want[MLS_TREE_MAX_DEPTH];
	struct mls_treekem_priv tmp = *p;
	uint8_t next[CRYPTO_MAX_HASH]; /* secret */
	struct derive_job j = { path, want, 0, 0, path_secret, next };
	size_t k;
	int rc;

	if (committer >= t->n_leaves || p->leaf >= t->n_leaves || committer == p->leaf) {
		rc = KENH_ERR(KENH_E_INVALID_ARG);
		goto out;
	}
	if ((rc = mls_rtree_filtered_path(t, committer, path, copath, &j.n)) != 0 ||
	    (rc = mls_tree_common_ancestor(2 * committer, 2 * p->leaf, t->n_leaves, &anc)) != 0)
		goto out;
	for (j.from = 0; j.from < j.n && path[j.from] != anc; j.from++)
		;
	if (j.from == j.n) {
		rc = KENH_ERR(KENH_E_PROTO);
		goto out;
	}
	for (k = 0; k < j.n; k++)
		want[k] = mls_rtree_node_key(t, path[k]);
	/* §12.4.3.1: each derived private key MUST match the public key in the node. */
	if ((rc = derive_path(ctx, t, &j, &tmp)) != 0) goto out;
	*p = tmp;
out:
	sec_zero(&tmp, sizeof(tmp));
	sec_zero(next, sizeof(next));
	return rc;
}

/* ---------------------------------------------------- parent hashes */

/*
 * §7.9 for a path being set: from the top down, node i's parent_hash field
 * is the parent hash of node i + 1 (empty for the last), and its own parent
 * hash covers its new key, that field and the tree hash of its copath
 * child (unchanged by the path, so taken from the cache). ph[i] receives
 * node i's parent hash; ph[0] is the new leaf's parent_hash.
 */
static int path_hashes(struct mls_rtree *t, const uint32_t *copath, const struct kenh_span *key,
                       size_t n, uint8_t ph[][CRYPTO_MAX_HASH])
{
	uint8_t osth[CRYPTO_MAX_HASH];
	size_t i, nh = t->cs->kdf->nh;
	struct kenh_span above;
	int rc;

	for (i = n; i-- > 0;) {
		above = i + 1 == n ? span_make(NULL, 0) : span_make(ph[i + 1], nh);
		if ((rc = mls_rtree_hash(t, copath[i], osth)) != 0) return rc;
		if ((rc = mls_rtree_parent_hash(t->cs, key[i], above, osth, ph[i])) != 0) return rc;
	}
	return 0;
}

/* The parent_hash fields of the path nodes: ph[i + 1], and empty at the top. */
static void path_fields(size_t n, size_t nh, uint8_t ph[][CRYPTO_MAX_HASH], struct kenh_span *field)
{
	size_t i;

	for (i = 0; i < n; i++)
		field[i] = i + 1 == n ? span_make(NULL, 0) : span_make(ph[i + 1], nh);
}

/* ------------------------------------------------------- committer */

void mls_treekem_path_clear(struct mls_treekem_path *p)
{
	if (p != NULL) sec_zero(p, sizeof(*p));
}

/* The committer's key material, wiped by create() on every path. */
struct fresh {
	uint8_t leaf_secret[CRYPTO_MAX_HASH]; /* secret */
	uint8_t leaf_sk[CRYPTO_MAX_KEM_SK];   /* secret */
	uint8_t leaf_pk[CRYPTO_MAX_KEM_PK];
	uint8_t sk[MLS_TREE_MAX_DEPTH][CRYPTO_MAX_KEM_SK]; /* secret */
	uint8_t pk[MLS_TREE_MAX_DEPTH][CRYPTO_MAX_KEM_PK];
	struct kenh_span key[MLS_TREE_MAX_DEPTH];
	uint8_t ph[MLS_TREE_MAX_DEPTH][CRYPTO_MAX_HASH];
};

/* §7.4: leaf secret, leaf key pair, path secrets and node key pairs, commit secret. */
static int derive_fresh(const struct kenh_ctx *ctx, const struct crypto_suite *cs,
                        const struct mls_treekem_create_args *a, struct mls_treekem_path *path,
                        struct fresh *f)
{
	size_t i, nh = cs->kdf->nh;
	const uint8_t *prev;
	int rc;

	if (a->leaf_secret.len == 0) {
		if ((rc = crypto_random(ctx, f->leaf_secret, nh)) != 0) return rc;
	} else if (a->leaf_secret.len == nh) {
		memcpy(f->leaf_secret, a->leaf_secret.p, nh);
	} else {
		return KENH_ERR(KENH_E_INVALID_ARG);
	}
	if ((rc = mls_derive_node_keypair(ctx, cs, f->leaf_secret, f->leaf_sk, f->leaf_pk)) != 0)
		return rc;
	/* path_secret[0] = DeriveSecret(leaf_secret, "path"), then one step per node. */
	prev = f->leaf_secret;
	for (i = 0; i < path->n; i++) {
		if ((rc = mls_derive_secret(cs, prev, MLS_LABEL("path"), path->secret[i])) != 0 ||
		    (rc = mls_derive_node_keypair(ctx, cs, path->secret[i], f->sk[i], f->pk[i])) !=
		            0)
			return rc;
		f->key[i] = span_make(f->pk[i], cs->kem->npk);
		prev = path->secret[i];
	}
	/* §12.4.1: commit_secret is the path secret after the last one used. */
	return mls_derive_secret(cs, prev, MLS_LABEL("path"), path->commit_secret);
}

/* §7.5 step 4: the committer's new LeafNode, source commit, signed, into w. */
static int sign_new_leaf(const struct crypto_suite *cs, const struct mls_treekem_create_args *a,
                         const struct fresh *f, size_t n, struct codec_writer *w)
{
	struct mls_leaf_node ln = *a->tmpl;
	struct mls_leafnode_sign_args sa;

	ln.encryption_key = span_make(f->leaf_pk, cs->kem->npk);
	ln.leaf_node_source = MLS_LEAF_SOURCE_COMMIT;
	memset(&ln.lifetime, 0, sizeof(ln.lifetime));
	ln.parent_hash = n == 0 ? span_make(NULL, 0) : span_make(f->ph[0], cs->kdf->nh);
	ln.signature = span_make(NULL, 0);
	sa.tbs = &ln;
	sa.sig_sk = a->sig_sk;
	sa.group_id = a->group_id;
	sa.leaf_index = a->leaf;
	return mls_leafnode_sign(cs, &sa, w);
}

/* Put the path and leaf in the tree, then reset priv to the new keys. */
static int install(struct mls_rtree *t, const struct mls_treekem_path *path, struct fresh *f,
                   struct kenh_span leaf_node, struct mls_treekem_priv *priv)
{
	struct kenh_span field[MLS_TREE_MAX_DEPTH];
	struct mls_rtree_path_update u;
	size_t i;
	int rc;

	path_fields(path->n, t->cs->kdf->nh, f->ph, field);
	u.leaf = path->leaf;
	u.n = path->n;
	u.node = path->node;
	u.key = f->key;
	u.parent_hash = field;
	u.leaf_node = leaf_node;
	if ((rc = mls_rtree_apply_path(t, &u)) != 0) return rc;
	if ((rc = mls_treekem_priv_init(priv, t->cs, path->leaf, f->leaf_sk)) != 0) return rc;
	for (i = 0; i < path->n; i++)
		if ((rc = mls_treekem_priv_set(priv, t, path->node[i], f->sk[i])) != 0) return rc;
	return 0;
}

int mls_treekem_create(const struct kenh_ctx *ctx, struct mls_rtree *t,
                       const struct mls_treekem_create_args *a, struct mls_treekem_path *path,
                       struct mls_treekem_priv *priv)
{
	struct fresh *f = NULL;
	struct codec_writer w;
	int rc;

	mls_treekem_path_clear(path);
	mls_treekem_priv_clear(priv);
	codec_writer_init(&w, LIMIT_STRUCT_VECTOR, CODEC_WRITER_NORMAL);
	if (a->leaf >= t->n_leaves || a->tmpl == NULL) {
		rc = KENH_ERR(KENH_E_INVALID_ARG);
		goto out;
	}
	if ((rc = sec_alloc(sizeof(*f), (void **)&f)) != 0) goto out;
	path->cs = t->cs;
	path->leaf = a->leaf;
	path->n_leaves = t->n_leaves;
	if ((rc = mls_rtree_filtered_path(t, a->leaf, path->node, path->copath, &path->n)) != 0 ||
	    (rc = derive_fresh(ctx, t->cs, a, path, f)) != 0 ||
	    (rc = path_hashes(t, path->copath, f->key, path->n, f->ph)) != 0 ||
	    (rc = sign_new_leaf(t->cs, a, f, path->n, &w)) != 0)
		goto out;
	rc = install(t, path, f, codec_writer_span(&w), priv);
out:
	if (rc != 0) {
		mls_treekem_path_clear(path);
		mls_treekem_priv_clear(priv);
	}
	sec_free(f, sizeof(*f));
	codec_writer_clear(&w);
	return rc;
}

int mls_treekem_path_secret_for(const struct mls_treekem_path *path, uint32_t new_leaf,
                                uint8_t *out)
{
	uint32_t anc = 0;
	size_t i, nh = path->cs->kdf->nh;
	int rc;

	sec_zero(out, nh);
	rc = mls_tree_common_ancestor(2 * path->leaf, 2 * new_leaf, path->n_leaves, &anc);
	if (rc != 0) return rc;
	for (i = 0; i < path->n; i++) {
		if (path->node[i] != anc) continue;
		memcpy(out, path->secret[i], nh);
		return 0;
	}
	return KENH_ERR(KENH_E_NOT_FOUND);
}

/* ---------------------------------------------------------- encrypt */

void mls_treekem_update_path_clear(struct mls_treekem_update_path *u)
{
	if (u == NULL) return;
	mls_update_path_clear(&u->path);
	mem_free(u->enc);
	memset(u, 0, sizeof(*u));
}

static bool is_new_leaf(struct mls_leaf_set s, uint32_t x)
{
	size_t i;

	if (!mls_tree_is_leaf(x)) return false;
	for (i = 0; i < s.n; i++)
		if (s.v[i] == x / 2) return true;
	return false;
}

/* §7.6: the resolution of x without the commit's new leaves. */
static int resolution_without(const struct mls_rtree *t, uint32_t x, struct mls_leaf_set s,
                              struct mls_idx_list *out)
{
	size_t i, j = 0;
	int rc;

	out->n = 0;
	if ((rc = mls_rtree_resolution(t, x, out)) != 0) return rc;
	for (i = 0; i < out->n; i++)
		if (!is_new_leaf(s, out->v[i])) out->v[j++] = out->v[i];
	out->n = j;
	return 0;
}

/* The ciphertexts of one UpdatePathNode and the buffer that holds their bytes. */
struct node_cts {
	struct mls_hpke_ciphertext *ct;
	uint8_t *buf;
};

/* One node's encryption: its path secret, to the nodes of res, under gc. */
struct enc_job {
	const struct mls_idx_list *res;
	const uint8_t *secret; /* secret */
	struct kenh_span gc;
};

/* §7.6: encrypt the secret to every node of res with EncryptWithLabel("UpdatePathNode"). */
static int encrypt_node(const struct kenh_ctx *ctx, const struct mls_rtree *t,
                        const struct enc_job *j, struct node_cts *out)
{
	const struct crypto_suite *cs = t->cs;
	size_t npk = cs->kem->npk, nct = cs->kdf->nh + cs->aead->nt, each = npk + nct, i;
	struct mls_encrypt_args ea;
	uint8_t *b;
	int rc;

	if ((rc = mem_calloc(j->res->n + 1, sizeof(*out->ct), (void **)&out->ct)) != 0 ||
	    (rc = mem_calloc(j->res->n + 1, each, (void **)&out->buf)) != 0)
		return rc;
	memset(&ea, 0, sizeof(ea));
	ea.label = MLS_LABEL("UpdatePathNode");
	ea.context = j->gc;
	ea.pt = span_make(j->secret, cs->kdf->nh);
	for (i = 0; i < j->res->n; i++) {
		b = out->buf + i * each;
		ea.pk = mls_rtree_node_key(t, j->res->v[i]);
		if ((rc = mls_encrypt_with_label(ctx, cs, &ea, b, b + npk)) != 0) return rc;
		out->ct[i].kem_output = span_make(b, npk);
		out->ct[i].ciphertext = span_make(b + npk, nct);
	}
	return 0;
}

/* Encode the UpdatePath into out (owned bytes plus a decoded view). */
static int finish_update_path(const struct mls_update_path *up, struct mls_treekem_update_path *out)
{
	struct codec_writer w;
	struct codec_reader r;
	int rc;

	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	if ((rc = mls_encode_update_path(&w, up)) == 0)
		rc = codec_writer_finish(&w, &out->enc, &out->enc_len);
	codec_writer_clear(&w);
	if (rc != 0) return rc;
	codec_reader_init(&r, out->enc, out->enc_len);
	if ((rc = mls_decode_update_path(&r, &out->path)) != 0) return rc;
	return codec_reader_done(&r);
}

int mls_treekem_encrypt(const struct kenh_ctx *ctx, const struct mls_rtree *t,
                        const struct mls_treekem_path *path, const struct mls_treekem_send *in,
                        struct mls_treekem_update_path *out)
{
	struct node_cts cts[MLS_TREE_MAX_DEPTH];
	struct mls_update_path_node upn[MLS_TREE_MAX_DEPTH];
	struct mls_idx_list res = { NULL, 0, 0 };
	struct enc_job j = { &res, NULL, in->group_context };
	struct mls_update_path up;
	const struct mls_leaf_node *leaf = mls_rtree_leaf(t, path->leaf);
	size_t i;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	memset(cts, 0, sizeof(cts));
	memset(upn, 0, sizeof(upn));
	if (leaf == NULL || path->cs != t->cs || path->n_leaves != t->n_leaves)
		return KENH_ERR(KENH_E_INVALID_ARG);
	for (i = 0; i < path->n; i++) {
		j.secret = path->secret[i];
		if ((rc = resolution_without(t, path->copath[i], in->new_leaves, &res)) != 0 ||
		    (rc = encrypt_node(ctx, t, &j, &cts[i])) != 0)
			goto out;
		upn[i].encryption_key = mls_rtree_node_key(t, path->node[i]);
		upn[i].encrypted_path_secret = cts[i].ct;
		upn[i].n_encrypted_path_secret = res.n;
	}
	up.leaf_node = *leaf;
	up.nodes = upn;
	up.n_nodes = path->n;
	rc = finish_update_path(&up, out);
out:
	if (rc != 0) mls_treekem_update_path_clear(out);
	for (i = 0; i < path->n && i < MLS_TREE_MAX_DEPTH; i++) {
		mem_free(cts[i].ct);
		mem_free(cts[i].buf);
	}
	mls_idx_list_clear(&res);
	return rc;
}

/* ------------------------------------------------------------ merge */

static int cmp_key(const void *a, const void *b)
{
	const struct kenh_span *x = a, *y = b;

	if (x->len != y->len) return x->len < y->len ? -1 : 1;
	return x->len == 0 ? 0 : memcmp(x->p, y->p, x->len);
}

/*
 * §12.4.2: none of the UpdatePath's public keys (the leaf's included)
 * appears in the tree or twice in the path, and each is a valid key of the
 * suite's KEM. The keys are sorted once, so each node of the tree costs one
 * binary search.
 */
static int check_path_keys(const struct mls_rtree *t, const struct mls_update_path *up)
{
	struct kenh_span k[MLS_TREE_MAX_DEPTH + 1], key;
	const struct crypto_kem *kem = t->cs->kem;
	uint32_t x, width = mls_rtree_width(t);
	size_t i, n = up->n_nodes + 1;

	if (up->n_nodes > MLS_TREE_MAX_DEPTH) return KENH_ERR(KENH_E_PROTO);
	k[0] = up->leaf_node.encryption_key;
	for (i = 0; i < up->n_nodes; i++)
		k[i + 1] = up->nodes[i].encryption_key;
	for (i = 0; i < n; i++)
		if (crypto_kem_check_pk(kem, k[i].p, k[i].len) != 0) return KENH_ERR(KENH_E_PROTO);
	qsort(k, n, sizeof(*k), cmp_key);
	for (i = 1; i < n; i++)
		if (cmp_key(&k[i - 1], &k[i]) == 0) return KENH_ERR(KENH_E_PROTO);
	for (x = 0; x < width; x++) {
		if (t->nodes[x] == NULL) continue;
		key = mls_rtree_node_key(t, x);
		if (bsearch(&key, k, n, sizeof(*k), cmp_key) != NULL) return KENH_ERR(KENH_E_PROTO);
	}
	return 0;
}

/* A checked UpdatePath, ready to go into the tree. */
struct merge_plan {
	uint32_t path[MLS_TREE_MAX_DEPTH];
	uint32_t copath[MLS_TREE_MAX_DEPTH];
	size_t n;
	struct kenh_span key[MLS_TREE_MAX_DEPTH];
	uint8_t ph[MLS_TREE_MAX_DEPTH][CRYPTO_MAX_HASH];
};

/* §12.4.2, §7.9.2: every check of merge(), touching nothing but the hash cache. */
static int merge_check(struct mls_rtree *t, const struct mls_leaf_policy *pol, uint32_t sender,
                       const struct mls_update_path *up, struct merge_plan *m)
{
	struct mls_leaf_check chk = { sender, MLS_LEAF_SOURCE_COMMIT, false };
	size_t i, nh = t->cs->kdf->nh;
	struct kenh_span lph = up->leaf_node.parent_hash;
	int rc;

	if ((rc = mls_rtree_filtered_path(t, sender, m->path, m->copath, &m->n)) != 0) return rc;
	/* §7.6: one UpdatePathNode per node of the filtered direct path. */
	if (up->n_nodes != m->n) return KENH_ERR(KENH_E_PROTO);
	/* §12.4.2: the LeafNode is valid, source commit; a member's leaf is replaced. */
	chk.replaces = mls_rtree_leaf(t, sender) != NULL;
	if ((rc = mls_leafnode_validate(t, pol, &chk, &up->leaf_node)) != 0 ||
	    (rc = check_path_keys(t, up)) != 0)
		return rc;
	for (i = 0; i < m->n; i++)
		m->key[i] = up->nodes[i].encryption_key;
	if ((rc = path_hashes(t, m->copath, m->key, m->n, m->ph)) != 0) return rc;
	/* §7.9.2: the leaf's parent_hash is the parent hash of the first path node. */
	if (m->n == 0 ? (lph.len != 0) : (lph.len != nh || !crypto_ct_eq(lph.p, m->ph[0], nh)))
		return KENH_ERR(KENH_E_VERIFY);
	return 0;
}

int mls_treekem_merge(struct mls_rtree *t, const struct mls_leaf_policy *pol, uint32_t sender,
                      const struct mls_update_path *up)
{
	struct kenh_span field[MLS_TREE_MAX_DEPTH];
	struct mls_rtree_path_update u;
	struct merge_plan m;
	struct codec_writer w;
	int rc;

	if (sender >= t->n_leaves) return KENH_ERR(KENH_E_INVALID_ARG);
	codec_writer_init(&w, LIMIT_STRUCT_VECTOR, CODEC_WRITER_NORMAL);
	if ((rc = merge_check(t, pol, sender, up, &m)) != 0 ||
	    (rc = mls_encode_leaf_node(&w, &up->leaf_node)) != 0)
		goto out;
	path_fields(m.n, t->cs->kdf->nh, m.ph, field);
	u.leaf = sender;
	u.n = m.n;
	u.node = m.path;
	u.key = m.key;
	u.parent_hash = field;
	u.leaf_node = codec_writer_span(&w);
	rc = mls_rtree_apply_path(t, &u);
out:
	codec_writer_clear(&w);
	return rc;
}

/* ---------------------------------------------------------- decrypt */

void mls_treekem_secrets_clear(struct mls_treekem_secrets *s)
{
	if (s != NULL) sec_zero(s, sizeof(*s));
}

/* The node of the received path to decrypt, and the key store to do it with. */
struct recv_job {
	const struct mls_treekem_recv *in;
	const struct mls_treekem_priv *priv;
	uint32_t copath;                        /* its child on the sender's copath */
	const struct mls_update_path_node *upn; /* its UpdatePathNode */
};

/* §7.5 "decrypts the path secrets" steps 2-3: which ciphertext, and the secret. */
static int open_secret(const struct kenh_ctx *ctx, const struct mls_rtree *t,
                       const struct recv_job *j, uint8_t *secret)
{
	const struct crypto_suite *cs = t->cs;
	struct mls_idx_list res = { NULL, 0, 0 };
	const struct mls_hpke_ciphertext *ct;
	struct mls_decrypt_args da;
	const uint8_t *sk = NULL;
	size_t k;
	int rc;

	if ((rc = resolution_without(t, j->copath, j->in->new_leaves, &res)) != 0) goto out;
	/* §7.6: one ciphertext per node of the copath child's resolution. */
	if (j->upn->n_encrypted_path_secret != res.n) {
		rc = KENH_ERR(KENH_E_PROTO);
		goto out;
	}
	for (k = 0; k < res.n && (sk = mls_treekem_priv_find(j->priv, res.v[k])) == NULL; k++)
		;
	if (sk == NULL) {
		rc = KENH_ERR(KENH_E_STATE);
		goto out;
	}
	ct = &j->upn->encrypted_path_secret[k];
	da.sk = span_make(sk, cs->kem->nsk);
	da.label = MLS_LABEL("UpdatePathNode");
	da.context = j->in->group_context;
	da.kem_output = ct->kem_output;
	da.ct = ct->ciphertext;
	/* A path secret is Nh bytes: anything else is refused before decrypting. */
	rc = ct->ciphertext.len != cs->kdf->nh + cs->aead->nt
	             ? KENH_ERR(KENH_E_DECRYPT)
	             : mls_decrypt_with_label(ctx, cs, &da, secret);
out:
	mls_idx_list_clear(&res);
	return rc;
}

/* §7.5 step 1: the index of the copath child whose subtree holds leaf, or n. */
static size_t covering(const uint32_t *copath, size_t n, uint32_t leaf)
{
	uint32_t half;
	size_t i;

	for (i = 0; i < n; i++) {
		half = (1u << mls_tree_level(copath[i])) - 1u;
		if (2 * leaf + half >= copath[i] && 2 * leaf <= copath[i] + half) break;
	}
	return i;
}

/* The receive-side state, wiped by decrypt() on every path. */
struct recv_state {
	struct mls_treekem_priv tmp;
	uint32_t path[MLS_TREE_MAX_DEPTH];
	uint32_t copath[MLS_TREE_MAX_DEPTH];
	struct kenh_span want[MLS_TREE_MAX_DEPTH];
};

int mls_treekem_decrypt(const struct kenh_ctx *ctx, const struct mls_rtree *t,
                        struct mls_treekem_priv *priv, const struct mls_treekem_recv *in,
                        struct mls_treekem_secrets *out)
{
	struct recv_state *st = NULL;
	struct derive_job j = { NULL, NULL, 0, 0, out->path_secret, out->commit_secret };
	struct recv_job r = { in, priv, 0, NULL };
	size_t i;
	int rc;

	mls_treekem_secrets_clear(out);
	out->nh = t->cs->kdf->nh;
	if (in->sender >= t->n_leaves || priv->leaf >= t->n_leaves)
		return KENH_ERR(KENH_E_INVALID_ARG);
	if (in->sender == priv->leaf) return KENH_ERR(KENH_E_STATE);
	if ((rc = sec_alloc(sizeof(*st), (void **)&st)) != 0) return rc;
	j.path = st->path;
	j.want = st->want;
	if ((rc = mls_rtree_filtered_path(t, in->sender, st->path, st->copath, &j.n)) != 0)
		goto out;
	if (in->up->n_nodes != j.n) {
		rc = KENH_ERR(KENH_E_PROTO);
		goto out;
	}
	/* Step 1: the node whose copath child holds our leaf (the lowest common ancestor). */
	if ((j.from = covering(st->copath, j.n, priv->leaf)) == j.n) {
		rc = KENH_ERR(KENH_E_STATE);
		goto out;
	}
	r.copath = st->copath[j.from];
	r.upn = &in->up->nodes[j.from];
	if ((rc = open_secret(ctx, t, &r, out->path_secret)) != 0) goto out;
	for (i = 0; i < j.n; i++)
		st->want[i] = in->up->nodes[i].encryption_key;
	/* Steps 4-7 on a copy of the keys, kept only if every public key matches. */
	st->tmp = *priv;
	mls_treekem_priv_sync(&st->tmp, t);
	/* §12.4.2: commit_secret is the secret after the last path secret. */
	if ((rc = derive_path(ctx, t, &j, &st->tmp)) != 0) goto out;
	*priv = st->tmp;
out:
	if (rc != 0) mls_treekem_secrets_clear(out);
	sec_free(st, sizeof(*st));
	return rc;
}
