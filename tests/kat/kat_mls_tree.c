/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Runners for the ratchet-tree vectors of mls-implementations (RFC 9420
 * §4.1, §7, §12.1, §12.4.3.3):
 *  - tree-validation.json: import, re-export to the same bytes, the
 *    resolution and tree hash of every node, parent-hash validity of every
 *    non-blank parent, every leaf's signature, and the whole join-time
 *    validation (§12.4.3.1);
 *  - tree-operations.json: apply one Add, Update or Remove and compare the
 *    tree bytes and tree hash before and after;
 *  - treekem.json: private keys against the public tree, then for every
 *    UpdatePath: merge it, compare the tree hash, and have every other
 *    member decrypt the expected path secret and commit secret; finally
 *    every member with private keys makes a fresh UpdatePath of its own,
 *    which every other member must merge to the same tree and decrypt to
 *    the same commit secret.
 * Suites the crypto provider lacks (4 to 7) are skipped.
 */
#include "kat.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "crypto/crypto.h"
#include "mls/mls_wire.h"
#include "mls/tree.h"
#include "testutil.h"
#include "util/mem.h"
#include "util/util.h"

#define WHY_LEN 160

/* Every credential is acceptable here: the vectors use basic credentials. */
static int accept_credential(void *arg, const struct mls_leaf_node *ln)
{
	(void)arg;
	(void)ln;
	return 0;
}

static void policy_for(struct mls_leaf_policy *pol, struct kenh_span group_id)
{
	memset(pol, 0, sizeof(*pol));
	pol->group_id = group_id;
	pol->max_lifetime = TU_VECTOR_MAX_LIFETIME;
	pol->check_credential = accept_credential;
}

/* The case's suite, or NULL (counted as skipped) if the provider lacks it. */
static const struct crypto_suite *case_suite(struct kenh_ctx *ctx, const json_t *tc)
{
	uint64_t id = 0;

	if (!tu_json_u64(tc, "cipher_suite", &id) || id > 0xffff) return NULL;
	return crypto_suite_get(ctx, (uint16_t)id);
}

/* Import hex member key of tc; NULL (with why) on failure. */
static struct mls_rtree *load_tree(const struct crypto_suite *cs, const json_t *tc, const char *key,
                                   char *why)
{
	struct tu_bytes b = { NULL, 0 };
	struct mls_rtree *t = NULL;
	int rc;

	if (!tu_json_hex(tc, key, &b)) {
		snprintf(why, WHY_LEN, "%s: missing", key);
		return NULL;
	}
	if ((rc = mls_rtree_import(cs, span_make(b.p, b.len), &t)) != 0)
		snprintf(why, WHY_LEN, "%s: import: %s", key, kenh_strerror(rc));
	tu_bytes_free(&b);
	return t;
}

/* The tree exports to the hex member key of tc. */
static bool export_equals(const struct mls_rtree *t, const json_t *tc, const char *key, char *why)
{
	struct codec_writer w;
	struct tu_bytes b = { NULL, 0 };
	struct kenh_span s;
	bool ok = false;

	codec_writer_init(&w, LIMIT_RATCHET_TREE + 8, CODEC_WRITER_NORMAL);
	if (!tu_json_hex(tc, key, &b) || mls_rtree_export(t, &w) != 0) {
		snprintf(why, WHY_LEN, "%s: missing or export failed", key);
	} else {
		s = codec_writer_span(&w);
		ok = tu_bytes_eq(key, s.p, s.len, b.p, b.len);
		if (!ok) snprintf(why, WHY_LEN, "%s: exported tree differs", key);
	}
	codec_writer_clear(&w);
	tu_bytes_free(&b);
	return ok;
}

/* The root hash of t equals the hex member key of obj. */
static bool root_hash_equals(struct mls_rtree *t, const json_t *obj, const char *key, char *why)
{
	uint8_t h[CRYPTO_MAX_HASH];
	struct tu_bytes b = { NULL, 0 };
	bool ok;

	ok = tu_json_hex(obj, key, &b) && mls_rtree_root_hash(t, h) == 0 &&
	     tu_bytes_eq(key, h, t->cs->kdf->nh, b.p, b.len);
	if (!ok) snprintf(why, WHY_LEN, "%s: tree hash differs", key);
	tu_bytes_free(&b);
	return ok;
}

/* ------------------------------------------------------ tree-validation */

static bool check_resolution(const struct mls_rtree *t, uint32_t x, const json_t *want)
{
	struct mls_idx_list res = { NULL, 0, 0 };
	bool ok = json_is_array(want) && mls_rtree_resolution(t, x, &res) == 0 &&
	          res.n == json_array_size(want);
	size_t i;

	for (i = 0; ok && i < res.n; i++)
		ok = json_integer_value(json_array_get(want, i)) == (json_int_t)res.v[i];
	mls_idx_list_clear(&res);
	return ok;
}

static bool check_node_hash(struct mls_rtree *t, uint32_t x, const json_t *want)
{
	uint8_t h[CRYPTO_MAX_HASH];
	struct tu_bytes b = { NULL, 0 };
	bool ok = json_is_string(want) && tu_hex_decode(json_string_value(want), &b) &&
	          mls_rtree_hash(t, x, h) == 0 &&
	          tu_bytes_eq("tree hash", h, t->cs->kdf->nh, b.p, b.len);

	tu_bytes_free(&b);
	return ok;
}

/* Resolution and tree hash of every node. */
static bool check_nodes(struct mls_rtree *t, const json_t *tc, char *why)
{
	const json_t *res = json_object_get(tc, "resolutions"),
	             *th = json_object_get(tc, "tree_hashes");
	uint32_t x, width = mls_rtree_width(t);

	if (json_array_size(res) != width || json_array_size(th) != width) {
		snprintf(why, WHY_LEN, "node count %u differs from the vector's", width);
		return false;
	}
	for (x = 0; x < width; x++) {
		if (!check_resolution(t, x, json_array_get(res, x))) {
			snprintf(why, WHY_LEN, "resolution of node %u differs", x);
			return false;
		}
		if (!check_node_hash(t, x, json_array_get(th, x))) {
			snprintf(why, WHY_LEN, "tree hash of node %u differs", x);
			return false;
		}
	}
	return true;
}

/* Parent hashes, leaf signatures, and the whole validation of §12.4.3.1. */
static bool check_validity(struct mls_rtree *t, struct kenh_span group_id, char *why)
{
	struct mls_leaf_policy pol;
	const struct mls_leaf_node *ln;
	uint32_t i;
	int rc;

	if ((rc = mls_rtree_verify_parent_hashes(t)) != 0) {
		snprintf(why, WHY_LEN, "parent hashes: %s", kenh_strerror(rc));
		return false;
	}
	for (i = 0; i < t->n_leaves; i++) {
		if ((ln = mls_rtree_leaf(t, i)) == NULL) continue;
		if ((rc = mls_leafnode_verify(t->cs, ln, group_id, i)) != 0) {
			snprintf(why, WHY_LEN, "leaf %u signature: %s", i, kenh_strerror(rc));
			return false;
		}
	}
	policy_for(&pol, group_id);
	if ((rc = mls_rtree_validate(t, &pol)) != 0) {
		snprintf(why, WHY_LEN, "tree validation: %s", kenh_strerror(rc));
		return false;
	}
	return true;
}

static bool run_validation_case(const struct crypto_suite *cs, const json_t *tc, char *why)
{
	struct tu_bytes gid = { NULL, 0 };
	struct mls_rtree *t = NULL;
	bool ok = false;

	if ((t = load_tree(cs, tc, "tree", why)) == NULL) goto out;
	if (!tu_json_hex(tc, "group_id", &gid)) {
		snprintf(why, WHY_LEN, "group_id missing");
		goto out;
	}
	ok = export_equals(t, tc, "tree", why) && check_nodes(t, tc, why) &&
	     check_validity(t, span_make(gid.p, gid.len), why) && mls_rtree_hash_check(t) == 0;
out:
	tu_bytes_free(&gid);
	mls_rtree_free(t);
	return ok;
}

void kat_mls_tree_validation(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	const struct crypto_suite *cs;
	char why[WHY_LEN];
	const json_t *tc;
	size_t i;

	json_array_foreach(root, i, tc)
	{
		if ((cs = case_suite(ctx, tc)) == NULL) {
			c->skipped++;
			continue;
		}
		why[0] = '\0';
		kat_result(c, "tree-validation.json", i, run_validation_case(cs, tc, why), why);
	}
}

/* ------------------------------------------------------ tree-operations */

/* Encode a decoded LeafNode (MLS encodings are canonical: these are its bytes). */
static int leaf_bytes(const struct mls_leaf_node *ln, struct codec_writer *w)
{
	codec_writer_init(w, LIMIT_STRUCT_VECTOR, CODEC_WRITER_NORMAL);
	return mls_encode_leaf_node(w, ln);
}

/* RFC 9420 §12.1.1-§12.1.3 on the tree. */
static int apply_proposal(struct mls_rtree *t, const struct mls_proposal *p, uint32_t sender)
{
	struct codec_writer w;
	uint32_t leaf = 0;
	int rc = KENH_E_UNSUPPORTED;

	codec_writer_init(&w, 0, CODEC_WRITER_NORMAL);
	if (p->proposal_type == MLS_PROPOSAL_ADD) {
		if ((rc = leaf_bytes(&p->u.add.key_package.leaf_node, &w)) == 0)
			rc = mls_rtree_add_leaf(t, codec_writer_span(&w), &leaf);
	} else if (p->proposal_type == MLS_PROPOSAL_UPDATE) {
		if ((rc = leaf_bytes(&p->u.update.leaf_node, &w)) == 0)
			rc = mls_rtree_update_leaf(t, sender, codec_writer_span(&w));
	} else if (p->proposal_type == MLS_PROPOSAL_REMOVE) {
		rc = mls_rtree_remove_leaf(t, p->u.remove.removed);
	}
	codec_writer_clear(&w);
	return rc;
}

static bool run_operation_case(const struct crypto_suite *cs, const json_t *tc, char *why)
{
	struct tu_bytes pb = { NULL, 0 };
	struct mls_proposal prop;
	struct codec_reader r;
	struct mls_rtree *t = NULL;
	uint64_t sender = 0;
	bool ok = false;
	int rc;

	memset(&prop, 0, sizeof(prop));
	if ((t = load_tree(cs, tc, "tree_before", why)) == NULL) goto out;
	if (!export_equals(t, tc, "tree_before", why) ||
	    !root_hash_equals(t, tc, "tree_hash_before", why))
		goto out;
	if (!tu_json_hex(tc, "proposal", &pb) || !tu_json_u64(tc, "proposal_sender", &sender) ||
	    sender > UINT32_MAX) {
		snprintf(why, WHY_LEN, "proposal or sender missing");
		goto out;
	}
	codec_reader_init(&r, pb.p, pb.len);
	if ((rc = mls_decode_proposal(&r, &prop)) != 0 || (rc = codec_reader_done(&r)) != 0 ||
	    (rc = apply_proposal(t, &prop, (uint32_t)sender)) != 0) {
		snprintf(why, WHY_LEN, "proposal: %s", kenh_strerror(rc));
		goto out;
	}
	ok = export_equals(t, tc, "tree_after", why) &&
	     root_hash_equals(t, tc, "tree_hash_after", why) && mls_rtree_hash_check(t) == 0;
out:
	mls_proposal_clear(&prop);
	tu_bytes_free(&pb);
	mls_rtree_free(t);
	return ok;
}

void kat_mls_tree_operations(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	const struct crypto_suite *cs;
	char why[WHY_LEN];
	const json_t *tc;
	size_t i;

	json_array_foreach(root, i, tc)
	{
		if ((cs = case_suite(ctx, tc)) == NULL) {
			c->skipped++;
			continue;
		}
		why[0] = '\0';
		kat_result(c, "tree-operations.json", i, run_operation_case(cs, tc, why), why);
	}
}

/* -------------------------------------------------------------- treekem */

/* One member with private state. */
struct member {
	uint32_t leaf;
	struct mls_treekem_priv priv;
	struct tu_bytes sig_sk;
};

/* A treekem.json case, loaded. */
struct tk_case {
	struct kenh_ctx *ctx;
	const struct crypto_suite *cs;
	const json_t *tc;
	struct mls_rtree *tree;
	struct tu_bytes group_id;
	struct tu_bytes cth;
	uint64_t epoch;
	struct member *m;
	size_t n_m;
	char *why;
};

static void tk_free(struct tk_case *k)
{
	size_t i;

	for (i = 0; i < k->n_m; i++) {
		mls_treekem_priv_clear(&k->m[i].priv);
		tu_bytes_free(&k->m[i].sig_sk);
	}
	mem_free(k->m);
	tu_bytes_free(&k->group_id);
	tu_bytes_free(&k->cth);
	mls_rtree_free(k->tree);
}

/* A member's path secrets, each turned into its node's key pair and stored. */
static bool load_path_secrets(struct tk_case *k, struct member *m, const json_t *list)
{
	uint8_t sk[CRYPTO_MAX_KEM_SK], pk[CRYPTO_MAX_KEM_PK];
	struct tu_bytes s = { NULL, 0 };
	const json_t *e;
	uint64_t node = 0;
	size_t i;
	bool ok = true;

	json_array_foreach(list, i, e)
	{
		ok = tu_json_u64(e, "node", &node) && node <= UINT32_MAX &&
		     tu_json_hex(e, "path_secret", &s) && s.len == k->cs->kdf->nh &&
		     mls_derive_node_keypair(k->ctx, k->cs, s.p, sk, pk) == 0 &&
		     mls_treekem_priv_set(&m->priv, k->tree, (uint32_t)node, sk) == 0;
		tu_bytes_free(&s);
		if (!ok) break;
	}
	return ok;
}

/* leaves_private: each member's keys, checked against the public tree. */
static bool load_members(struct tk_case *k)
{
	const json_t *lp = json_object_get(k->tc, "leaves_private"), *e;
	struct tu_bytes enc = { NULL, 0 };
	struct member *m;
	uint64_t leaf = 0;
	size_t i;
	bool ok = true;

	if (mem_calloc(json_array_size(lp) + 1, sizeof(*k->m), (void **)&k->m) != 0) return false;
	json_array_foreach(lp, i, e)
	{
		m = &k->m[k->n_m++];
		ok = tu_json_u64(e, "index", &leaf) && leaf < k->tree->n_leaves &&
		     tu_json_hex(e, "encryption_priv", &enc) && enc.len == k->cs->kem->nsk &&
		     tu_json_hex(e, "signature_priv", &m->sig_sk);
		m->leaf = (uint32_t)leaf;
		ok = ok && mls_treekem_priv_init(&m->priv, k->cs, m->leaf, enc.p) == 0 &&
		     load_path_secrets(k, m, json_object_get(e, "path_secrets")) &&
		     mls_treekem_priv_check(&m->priv, k->tree) == 0;
		tu_bytes_free(&enc);
		if (!ok) {
			snprintf(k->why, WHY_LEN, "private keys of leaf %u do not match", m->leaf);
			return false;
		}
	}
	return true;
}

/* The provisional GroupContext (§8.1) with the tree hash of t, encoded into w. */
static int encode_gc(struct tk_case *k, struct mls_rtree *t, struct codec_writer *w)
{
	uint8_t th[CRYPTO_MAX_HASH];
	struct mls_group_context gc;
	int rc;

	if ((rc = mls_rtree_root_hash(t, th)) != 0) return rc;
	memset(&gc, 0, sizeof(gc));
	gc.version = MLS_VERSION_MLS10;
	gc.cipher_suite = k->cs->id;
	gc.group_id = span_make(k->group_id.p, k->group_id.len);
	gc.epoch = k->epoch;
	gc.tree_hash = span_make(th, k->cs->kdf->nh);
	gc.confirmed_transcript_hash = span_make(k->cth.p, k->cth.len);
	codec_writer_init(w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	return mls_encode_group_context(w, &gc);
}

/* What one receiver should get from an UpdatePath. */
struct expect {
	const uint8_t *path_secret;
	const uint8_t *commit_secret;
};

/* Member m decrypts the merged path in merged (whose GroupContext bytes are gc). */
static bool receive(struct tk_case *k, struct member *m, const struct mls_rtree *merged,
                    const struct mls_treekem_recv *in, const struct expect *want)
{
	struct mls_treekem_priv p = m->priv;
	struct mls_treekem_secrets got;
	size_t nh = k->cs->kdf->nh;
	bool ok;
	int rc;

	rc = mls_treekem_decrypt(k->ctx, merged, &p, in, &got);
	ok = rc == 0 && mls_treekem_priv_check(&p, merged) == 0 &&
	     memcmp(got.path_secret, want->path_secret, nh) == 0 &&
	     memcmp(got.commit_secret, want->commit_secret, nh) == 0;
	if (!ok)
		snprintf(k->why, WHY_LEN, "leaf %u receiving from %u: %s", m->leaf, in->sender,
		         rc != 0 ? kenh_strerror(rc) : "secrets differ");
	mls_treekem_priv_clear(&p);
	mls_treekem_secrets_clear(&got);
	return ok;
}

/* Merge up (from sender) into a copy of the case's tree; NULL on failure. */
static struct mls_rtree *merge_copy(struct tk_case *k, uint32_t sender,
                                    const struct mls_update_path *up)
{
	struct mls_leaf_policy pol;
	struct mls_rtree *t = NULL;
	int rc;

	policy_for(&pol, span_make(k->group_id.p, k->group_id.len));
	if ((rc = mls_rtree_dup(k->tree, &t)) == 0 &&
	    (rc = mls_treekem_merge(t, &pol, sender, up)) == 0)
		return t;
	snprintf(k->why, WHY_LEN, "merge of the path of leaf %u: %s", sender, kenh_strerror(rc));
	mls_rtree_free(t);
	return NULL;
}

/* Every member but the sender decrypts its expected path secret and the commit secret. */
static bool check_receivers(struct tk_case *k, const json_t *u, const struct mls_rtree *merged,
                            const struct mls_treekem_recv *in, const uint8_t *commit_secret)
{
	const json_t *pss = json_object_get(u, "path_secrets"), *ps_hex;
	struct tu_bytes ps = { NULL, 0 };
	struct expect want = { NULL, commit_secret };
	size_t i;
	bool ok = true;

	for (i = 0; ok && i < k->n_m; i++) {
		if (k->m[i].leaf == in->sender) continue;
		ps_hex = json_array_get(pss, k->m[i].leaf);
		ok = json_is_string(ps_hex) && tu_hex_decode(json_string_value(ps_hex), &ps) &&
		     ps.len == k->cs->kdf->nh;
		want.path_secret = ps.p;
		ok = ok && receive(k, &k->m[i], merged, in, &want);
		tu_bytes_free(&ps);
	}
	return ok;
}

/* The UpdatePath, sender and commit secret of one update_paths entry. */
static bool load_update_path(struct tk_case *k, const json_t *u, struct tu_bytes *upb,
                             struct mls_update_path *up, struct mls_treekem_recv *in,
                             struct tu_bytes *cs)
{
	struct codec_reader r;
	uint64_t sender = 0;

	if (!tu_json_u64(u, "sender", &sender) || sender >= k->tree->n_leaves ||
	    !tu_json_hex(u, "update_path", upb) || !tu_json_hex(u, "commit_secret", cs) ||
	    cs->len != k->cs->kdf->nh) {
		snprintf(k->why, WHY_LEN, "update path fields missing");
		return false;
	}
	codec_reader_init(&r, upb->p, upb->len);
	if (mls_decode_update_path(&r, up) != 0 || codec_reader_done(&r) != 0) {
		snprintf(k->why, WHY_LEN, "update path does not decode");
		return false;
	}
	in->sender = (uint32_t)sender;
	in->up = up;
	return true;
}

/* One vector UpdatePath: merge, tree hash, each receiver's secrets. */
static bool check_vector_path(struct tk_case *k, const json_t *u)
{
	struct tu_bytes upb = { NULL, 0 }, cs = { NULL, 0 };
	struct mls_treekem_recv in;
	struct mls_update_path up;
	struct codec_writer w;
	struct mls_rtree *t = NULL;
	bool ok = false;

	memset(&up, 0, sizeof(up));
	memset(&in, 0, sizeof(in));
	codec_writer_init(&w, 0, CODEC_WRITER_NORMAL);
	if (!load_update_path(k, u, &upb, &up, &in, &cs)) goto out;
	if ((t = merge_copy(k, in.sender, &up)) == NULL) goto out;
	if (!root_hash_equals(t, u, "tree_hash_after", k->why) || mls_rtree_hash_check(t) != 0 ||
	    encode_gc(k, t, &w) != 0)
		goto out;
	in.group_context = codec_writer_span(&w);
	ok = check_receivers(k, u, t, &in, cs.p);
out:
	if (!ok && k->why[0] == '\0')
		snprintf(k->why, WHY_LEN, "update path from leaf %u", in.sender);
	codec_writer_clear(&w);
	mls_update_path_clear(&up);
	mls_rtree_free(t);
	tu_bytes_free(&upb);
	tu_bytes_free(&cs);
	return ok;
}

/* The fresh path's pieces, released by check_fresh_path(). */
struct fresh_path {
	struct mls_rtree *t;
	struct mls_treekem_path path;
	struct mls_treekem_priv priv;
	struct mls_treekem_update_path out;
	struct codec_writer gc;
};

/* Member s commits a fresh UpdatePath on a copy of the tree. */
static bool make_fresh_path(struct tk_case *k, const struct member *s, struct fresh_path *f)
{
	struct mls_treekem_create_args a;
	struct mls_treekem_send send = { span_make(NULL, 0), { NULL, 0 } };
	int rc;

	memset(&a, 0, sizeof(a));
	a.leaf = s->leaf;
	a.tmpl = mls_rtree_leaf(k->tree, s->leaf);
	a.sig_sk = span_make(s->sig_sk.p, s->sig_sk.len);
	a.group_id = span_make(k->group_id.p, k->group_id.len);
	if ((rc = mls_rtree_dup(k->tree, &f->t)) != 0 ||
	    (rc = mls_treekem_create(k->ctx, f->t, &a, &f->path, &f->priv)) != 0 ||
	    (rc = mls_treekem_priv_check(&f->priv, f->t)) != 0 ||
	    (rc = mls_rtree_verify_parent_hashes(f->t)) != 0 ||
	    (rc = encode_gc(k, f->t, &f->gc)) != 0)
		goto out;
	send.group_context = codec_writer_span(&f->gc);
	rc = mls_treekem_encrypt(k->ctx, f->t, &f->path, &send, &f->out);
out:
	if (rc != 0)
		snprintf(k->why, WHY_LEN, "fresh path of leaf %u: %s", s->leaf, kenh_strerror(rc));
	return rc == 0;
}

/* Member m merges and decrypts f's path to the same tree, path secret and commit secret. */
static bool take_fresh_path(struct tk_case *k, const struct member *s, struct member *m,
                            struct fresh_path *f)
{
	uint8_t th_s[CRYPTO_MAX_HASH], th_m[CRYPTO_MAX_HASH], ps[CRYPTO_MAX_HASH];
	struct mls_treekem_recv in = {
		s->leaf, &f->out.path, codec_writer_span(&f->gc), { NULL, 0 }
	};
	struct expect want = { ps, f->path.commit_secret };
	struct mls_rtree *t;
	bool ok;

	if ((t = merge_copy(k, s->leaf, &f->out.path)) == NULL) return false;
	ok = mls_rtree_root_hash(f->t, th_s) == 0 && mls_rtree_root_hash(t, th_m) == 0 &&
	     memcmp(th_s, th_m, k->cs->kdf->nh) == 0 &&
	     mls_treekem_path_secret_for(&f->path, m->leaf, ps) == 0 &&
	     receive(k, m, t, &in, &want);
	if (!ok && k->why[0] == '\0')
		snprintf(k->why, WHY_LEN, "leaf %u on the fresh path of %u", m->leaf, s->leaf);
	mls_rtree_free(t);
	return ok;
}

static bool check_fresh_path(struct tk_case *k, const struct member *s)
{
	struct fresh_path f;
	size_t i;
	bool ok;

	memset(&f, 0, sizeof(f));
	codec_writer_init(&f.gc, 0, CODEC_WRITER_NORMAL);
	ok = make_fresh_path(k, s, &f);
	for (i = 0; ok && i < k->n_m; i++)
		if (k->m[i].leaf != s->leaf) ok = take_fresh_path(k, s, &k->m[i], &f);
	mls_treekem_update_path_clear(&f.out);
	mls_treekem_priv_clear(&f.priv);
	mls_treekem_path_clear(&f.path);
	codec_writer_clear(&f.gc);
	mls_rtree_free(f.t);
	return ok;
}

static bool run_treekem_case(struct tk_case *k)
{
	const json_t *ups = json_object_get(k->tc, "update_paths"), *u;
	size_t i;

	if ((k->tree = load_tree(k->cs, k->tc, "ratchet_tree", k->why)) == NULL) return false;
	if (!tu_json_hex(k->tc, "group_id", &k->group_id) ||
	    !tu_json_hex(k->tc, "confirmed_transcript_hash", &k->cth) ||
	    !tu_json_u64(k->tc, "epoch", &k->epoch)) {
		snprintf(k->why, WHY_LEN, "group context fields missing");
		return false;
	}
	if (!load_members(k)) return false;
	json_array_foreach(ups, i, u) if (!check_vector_path(k, u)) return false;
	for (i = 0; i < k->n_m; i++)
		if (!check_fresh_path(k, &k->m[i])) return false;
	return true;
}

void kat_mls_treekem(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	struct tk_case k;
	char why[WHY_LEN];
	const json_t *tc;
	size_t i;

	json_array_foreach(root, i, tc)
	{
		memset(&k, 0, sizeof(k));
		k.ctx = ctx;
		k.tc = tc;
		k.why = why;
		if ((k.cs = case_suite(ctx, tc)) == NULL) {
			c->skipped++;
			continue;
		}
		why[0] = '\0';
		kat_result(c, "treekem.json", i, run_treekem_case(&k), why);
		tk_free(&k);
	}
}
