/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Joining a group from a Welcome (RFC 9420 §12.4.3.1), also a group made
 * from one of ours by reinitialization or branching (§11.2, §11.3), whose
 * Welcome names the old group's resumption PSK (§8.6) and must match it
 * (the creating side is group_link.c). The framing layer
 * does the Welcome's own crypto (find our EncryptedGroupSecrets, decrypt
 * them and the GroupInfo, verify the GroupInfo's signature with the key
 * we give it, run the key schedule, check the confirmation tag); here are
 * the parts that need group state: the PSKs (§8.4), the ratchet tree from
 * the ratchet_tree extension or from the caller (§12.4.3.3), its
 * integrity (tree hash, parent hashes, every leaf, unmerged leaves, key
 * uniqueness), the GroupContext extensions we must support (§13.4), our
 * leaf and the private keys of our path, and the new group state.
 * Unique group ids among the caller's groups are the caller's to check.
 */
#include "mls/group.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "util/mem.h"

struct join {
	struct mls_group *g; /* the state being built */
	struct kenh_span tree_data;
	bool special_psk; /* a resumption PSK of usage reinit or branch */
	/* A join of a group made from old (§11.2, §11.3), or old NULL. */
	const struct mls_group *old;
	enum mls_resumption_psk_usage usage;
};

/*
 * RFC 9420 §11.2, §11.3, §12.4.3.1: the reinit or branch PSK of a Welcome
 * for a group made from j->old names it: its group, and for reinit the
 * epoch its ReInit opened (for branch, any epoch whose resumption_psk old
 * still holds); its value is old's.
 */
static int linked_psk(const struct join *j, const struct mls_pre_shared_key_id *id)
{
	if (id->usage != j->usage || !span_eq(id->psk_group_id, j->old->gc.group_id))
		return KENH_ERR(KENH_E_PROTO);
	if (j->usage == MLS_RESUMPTION_REINIT && id->psk_epoch != j->old->gc.epoch)
		return KENH_ERR(KENH_E_PROTO);
	return 0;
}

/* RFC 9420 §12.4.3.1: every PSK named must be one we hold. */
static int join_psk(void *arg, const struct mls_pre_shared_key_id *psks, size_t n,
                    uint8_t *psk_secret)
{
	struct join *j = arg;
	struct mls_psk_set *set = NULL;
	const struct mls_group *from;
	size_t i;
	int rc;

	if ((rc = mls_psk_set_new(&set)) != 0) return rc;
	for (i = 0; i < n && rc == 0; i++) {
		from = j->g;
		if (psks[i].psktype == MLS_PSK_RESUMPTION &&
		    psks[i].usage != MLS_RESUMPTION_APPLICATION) {
			j->special_psk = true;
			if (j->old != NULL && (rc = linked_psk(j, &psks[i])) != 0) break;
			if (j->old != NULL) from = j->old;
		}
		rc = mls_psk_set_add(set, from, &psks[i]);
	}
	if (rc == 0) rc = mls_psk_set_secret(set, j->g->cs, psk_secret);
	mls_psk_set_free(set);
	return rc;
}

/* RFC 9420 §12.4.3.1: the GroupInfo's signer's key, from the tree we are given or its extension. */
static int join_signer(void *arg, const struct mls_group_info *gi, struct kenh_span *key)
{
	struct join *j = arg;
	const struct mls_extension *e;
	const struct mls_leaf_node *ln;
	struct kenh_span data = j->tree_data;
	int rc;

	*key = span_make(NULL, 0);
	if (j->g->tree == NULL) {
		if (data.len == 0) {
			e = mls_extension_list_find(&gi->extensions, MLS_EXT_RATCHET_TREE);
			/* RFC 9420 §12.4.3.3: without the extension the tree must come from elsewhere. */
			if (e == NULL) return KENH_ERR(KENH_E_NOT_FOUND);
			data = e->extension_data;
		}
		if ((rc = mls_rtree_import(j->g->cs, data, &j->g->tree)) != 0) return rc;
	}
	if ((ln = mls_rtree_leaf(j->g->tree, gi->signer)) == NULL)
		return KENH_ERR(KENH_E_NOT_FOUND);
	*key = ln->signature_key;
	return 0;
}

/* RFC 9420 §13.4: no extension type twice in a list. */
int mls_group_extensions_unique(const struct mls_extension_list *l)
{
	size_t i, k;

	for (i = 0; i < l->count; i++)
		for (k = 0; k < i; k++)
			if (l->items[i].extension_type == l->items[k].extension_type)
				return KENH_ERR(KENH_E_PROTO);
	return 0;
}

/* RFC 9420 §12.4.3.1 "Verify the integrity of the ratchet tree". */
int mls_group_check_tree(struct mls_group *g, const struct mls_group_info *gi)
{
	uint8_t th[CRYPTO_MAX_HASH];
	struct mls_leaf_policy pol;
	size_t nh = g->cs->kdf->nh;
	int rc;

	if ((rc = mls_rtree_root_hash(g->tree, th)) != 0) return rc;
	if (gi->group_context.tree_hash.len != nh ||
	    memcmp(th, gi->group_context.tree_hash.p, nh) != 0)
		return KENH_ERR(KENH_E_VERIFY);
	mls_group_leaf_policy(g, NULL, &pol);
	return mls_rtree_validate(g->tree, &pol);
}

/* RFC 9420 §12.4.3.1: our leaf is the one identical to our KeyPackage's LeafNode. */
static int find_own_leaf(struct mls_group *g, const struct mls_own_key_package *kp)
{
	struct mls_key_package dec;
	const struct mls_rnode *node;
	struct codec_writer w;
	uint32_t i;
	int rc;

	memset(&dec, 0, sizeof(dec));
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	if ((rc = mls_group_own_key_package_decode(kp, &dec)) != 0) goto out;
	if ((rc = mls_encode_leaf_node(&w, &dec.leaf_node)) != 0) goto out;
	for (i = 0; i < g->tree->n_leaves; i++) {
		node = mls_rtree_node(g->tree, mls_tree_leaf_node(i));
		if (node != NULL &&
		    span_eq(span_make(node->enc, node->enc_len), codec_writer_span(&w)))
			break;
	}
	if (i == g->tree->n_leaves) {
		rc = KENH_ERR(KENH_E_NOT_FOUND);
		goto out;
	}
	g->own_leaf = i;
out:
	codec_writer_clear(&w);
	mls_key_package_clear(&dec);
	return rc;
}

/* RFC 9420 §12.4.3.1: the private keys of our leaf and of the path above the common ancestor. */
static int own_keys(struct mls_group *g, const struct mls_own_key_package *kp,
                    const struct mls_welcome_joined *jd)
{
	const struct mls_group_secrets *gs = &jd->secrets.gs;
	int rc;

	rc = mls_treekem_priv_init(&g->priv, g->cs, g->own_leaf, kp->keys.encryption_sk);
	if (rc != 0 || !gs->has_path_secret) return rc;
	return mls_treekem_priv_join(g->ctx, &g->priv, g->tree, jd->group_info.gi.signer,
	                             gs->path_secret.path_secret.p);
}

/* The state of the joined epoch, once every check passed. */
static int adopt(struct mls_group *g, const struct mls_own_key_package *kp,
                 struct mls_welcome_joined *jd)
{
	const struct mls_group_info *gi = &jd->group_info.gi;
	size_t nh = g->cs->kdf->nh;

	if (gi->confirmation_tag.len != nh) return KENH_ERR(KENH_E_PROTO);
	g->sig_sk_len = kp->sig_sk_len;
	memcpy(g->sig_sk, kp->sig_sk, sizeof(g->sig_sk));
	g->es = jd->epoch.secrets;
	mls_epoch_secrets_drop_joiner(&g->es);
	memcpy(g->interim, jd->epoch.interim_transcript_hash, nh);
	memcpy(g->conf_tag, gi->confirmation_tag.p, nh);
	mls_group_keep_resumption(g, g->gc.epoch, g->es.resumption_psk);
	return mls_group_start_epoch(g);
}

static int same_extensions(const struct mls_extension_list *a, const struct mls_extension_list *b)
{
	struct codec_writer wa, wb;
	int rc;

	codec_writer_init(&wa, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	codec_writer_init(&wb, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	rc = mls_encode_extension_list(&wa, a);
	if (rc == 0) rc = mls_encode_extension_list(&wb, b);
	if (rc == 0 && !span_eq(codec_writer_span(&wa), codec_writer_span(&wb)))
		rc = KENH_ERR(KENH_E_PROTO);
	codec_writer_clear(&wa);
	codec_writer_clear(&wb);
	return rc;
}

/*
 * RFC 9420 §12.4.3.1, usage reinit: the group is the one old's ReInit asked
 * for, and every member of old is in it; usage branch: old's version and
 * suite, and every member comes from old.
 */
static int linked_checks(const struct join *j, const struct mls_group_info *gi)
{
	const struct mls_group_context *gc = &gi->group_context;
	const struct mls_reinit *ri = &j->old->reinit_args;
	int rc;

	if (j->usage == MLS_RESUMPTION_BRANCH) {
		if (gc->version != j->old->gc.version ||
		    gc->cipher_suite != j->old->gc.cipher_suite)
			return KENH_ERR(KENH_E_PROTO);
		return mls_group_members_within(j->g->tree, j->old->tree);
	}
	if (!span_eq(gc->group_id, ri->group_id) || gc->version != ri->version ||
	    gc->cipher_suite != ri->cipher_suite)
		return KENH_ERR(KENH_E_PROTO);
	if ((rc = same_extensions(&gc->extensions, &ri->extensions)) != 0) return rc;
	return mls_group_members_within(j->old->tree, j->g->tree);
}

static int joined_checks(struct join *j, const struct mls_own_key_package *kp,
                         struct mls_welcome_joined *jd)
{
	const struct mls_group_info *gi = &jd->group_info.gi;
	struct mls_group *g = j->g;
	int rc;

	if (g->tree == NULL) return KENH_ERR(KENH_E_INTERNAL);
	/* RFC 9420 §12.4.3.1: the GroupInfo is for MLS 1.0 and our KeyPackage's suite. */
	if (gi->group_context.version != MLS_VERSION_MLS10 ||
	    gi->group_context.cipher_suite != g->cs->id)
		return KENH_ERR(KENH_E_PROTO);
	if ((rc = mls_group_extensions_unique(&gi->extensions)) != 0) return rc;
	/* RFC 9420 §13.4: a joiner MUST support every GroupContext extension. */
	if ((rc = mls_group_context_extensions_check(g, &gi->group_context.extensions)) != 0)
		return rc;
	if ((rc = mls_group_set_context(g, &gi->group_context)) != 0) return rc;
	if ((rc = mls_group_check_tree(g, gi)) != 0) return rc;
	if ((rc = find_own_leaf(g, kp)) != 0) return rc;
	if ((rc = own_keys(g, kp, jd)) != 0) return rc;
	/* RFC 9420 §12.4.3.1: a reinit or branch PSK opens epoch 1 of the new group. */
	if (j->special_psk && gi->group_context.epoch != 1) return KENH_ERR(KENH_E_PROTO);
	/* RFC 9420 §11.2, §11.3: a group made from old says so with its PSK. */
	if (j->old != NULL && !j->special_psk) return KENH_ERR(KENH_E_PROTO);
	if (j->old != NULL && (rc = linked_checks(j, gi)) != 0) return rc;
	return adopt(g, kp, jd);
}

/* The steps of both joins; j says which (j->g is built here). */
static int join(const struct kenh_ctx *ctx, const struct mls_group_callbacks *cb,
                const struct mls_own_key_package *kp, const struct mls_welcome *welcome,
                struct join *j, struct mls_group **out)
{
	struct mls_welcome_join_args a;
	struct mls_welcome_joined jd;
	int rc;

	*out = NULL;
	memset(&jd, 0, sizeof(jd));
	if ((rc = mls_group_alloc(ctx, kp->cs, cb, &j->g)) != 0) return rc;
	memset(&a, 0, sizeof(a));
	a.ctx = ctx;
	a.me.cs = kp->cs;
	a.me.key_package = span_make(kp->kp, kp->kp_len);
	a.me.init_sk = span_make(kp->keys.init_sk, kp->cs->kem->nsk);
	a.welcome = welcome;
	a.psk_secret = join_psk;
	a.psk_arg = j;
	a.signer_key = join_signer;
	a.signer_arg = j;
	if ((rc = mls_welcome_join(&a, &jd)) != 0) goto out;
	if ((rc = joined_checks(j, kp, &jd)) != 0) goto out;
	*out = j->g;
	j->g = NULL;
out:
	mls_welcome_joined_clear(&jd);
	mls_group_free(j->g);
	j->g = NULL;
	return rc;
}

int mls_group_join(const struct kenh_ctx *ctx, const struct mls_group_callbacks *cb,
                   const struct mls_own_key_package *kp, const struct mls_welcome *welcome,
                   struct kenh_span tree, struct mls_group **out)
{
	struct join j;

	memset(&j, 0, sizeof(j));
	j.tree_data = tree;
	return join(ctx, cb, kp, welcome, &j, out);
}

int mls_group_join_linked(const struct kenh_ctx *ctx, const struct mls_group_callbacks *cb,
                          const struct mls_own_key_package *kp, const struct mls_group *old,
                          enum mls_resumption_psk_usage usage, const struct mls_welcome *welcome,
                          struct kenh_span tree, struct mls_group **out)
{
	struct join j;

	*out = NULL;
	if (usage != MLS_RESUMPTION_REINIT && usage != MLS_RESUMPTION_BRANCH)
		return KENH_ERR(KENH_E_INVALID_ARG);
	/* RFC 9420 §11.2: the old group's last Commit must have carried a ReInit. */
	if (usage == MLS_RESUMPTION_REINIT && (!old->reinit || old->reinit_enc == NULL))
		return KENH_ERR(KENH_E_STATE);
	memset(&j, 0, sizeof(j));
	j.tree_data = tree;
	j.old = old;
	j.usage = usage;
	return join(ctx, cb, kp, welcome, &j, out);
}
