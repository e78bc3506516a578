/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Making a KeyPackage (RFC 9420 §10) with the capabilities this
 * implementation has (§7.2: MLS 1.0, suites 1-3, basic and X.509
 * credentials, the default extensions and proposals) and, if asked,
 * GREASE values (§13.5); and creating a one-member group from it (§11):
 * the creator's leaf, epoch 0, a random epoch secret, the confirmation
 * tag over the empty transcript and the interim transcript hash.
 */
#include "mls/group.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "util/mem.h"

void mls_own_key_package_clear(struct mls_own_key_package *k)
{
	if (k == NULL) return;
	mem_free(k->kp);
	mls_key_package_keys_clear(&k->keys);
	sec_zero(k, sizeof(*k));
}

/* Application-defined types a KeyPackage may advertise besides ours. */
#define MORE_MAX 8

/*
 * Our capability lists (§7.2), with one GREASE value appended where asked,
 * and the GREASE extensions of KeyPackage.extensions and LeafNode.extensions
 * (after the caller's leaf extensions).
 */
struct caps {
	uint16_t versions[1];
	uint16_t suites[4];
	uint16_t credentials[3 + MORE_MAX];
	uint16_t extensions[1 + MORE_MAX];
	uint16_t proposals[1];
	struct mls_capabilities c;
	struct mls_extension grease_ext;
	struct mls_extension_list kp_ext;
	struct mls_extension leaf_items[1 + MORE_MAX];
	struct mls_extension_list leaf_ext;
	uint8_t data[2][MLS_GROUP_GREASE_DATA];
};

int mls_group_grease_value(const struct kenh_ctx *ctx, uint16_t *v)
{
	uint8_t b = 0;
	int rc;

	*v = 0;
	if ((rc = crypto_random(ctx, &b, 1)) != 0) return rc;
	/* RFC 9420 §13.5: one of the fifteen values 0x0A0A, 0x1A1A, ..., 0xEAEA. */
	*v = (uint16_t)(0x0A0Au + 0x1010u * (uint16_t)(b % 15u));
	return 0;
}

int mls_group_grease_extension(const struct kenh_ctx *ctx, uint16_t type, uint8_t *data,
                               struct mls_extension *out)
{
	uint8_t b = 0;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (type == 0 && (rc = mls_group_grease_value(ctx, &type)) != 0) return rc;
	/* RFC 9420 §13.5: "a randomly sized amount of random data". */
	if ((rc = crypto_random(ctx, &b, 1)) != 0) return rc;
	len = b % MLS_GROUP_GREASE_DATA;
	if (len != 0 && (rc = crypto_random(ctx, data, len)) != 0) return rc;
	out->extension_type = type;
	out->extension_data = span_make(data, len);
	return 0;
}

/*
 * RFC 9420 §13.5: GREASE in the capability lists, in KeyPackage.extensions
 * and in LeafNode.extensions (whose type §7.2 wants in the capabilities).
 */
static int add_grease(const struct mls_kp_args *a, struct caps *c)
{
	const struct mls_extension_list *le = a->leaf_extensions;
	uint16_t gv[4] = { 0, 0, 0, 0 };
	size_t i, n = le != NULL ? le->count : 0;
	int rc;

	if (n > MORE_MAX) return KENH_ERR(KENH_E_INVALID_ARG);
	for (i = 0; i < ARRAY_LEN(gv); i++)
		if ((rc = mls_group_grease_value(a->ctx, &gv[i])) != 0) return rc;
	c->suites[c->c.cipher_suites.count++] = gv[0];
	c->credentials[c->c.credentials.count++] = gv[1];
	c->proposals[c->c.proposals.count++] = gv[2];
	c->extensions[c->c.extensions.count++] = gv[3];
	if ((rc = mls_group_grease_extension(a->ctx, gv[3], c->data[0], &c->grease_ext)) != 0)
		return rc;
	c->kp_ext.items = &c->grease_ext;
	c->kp_ext.count = 1;
	for (i = 0; i < n; i++)
		c->leaf_items[i] = le->items[i];
	rc = mls_group_grease_extension(a->ctx, gv[3], c->data[1], &c->leaf_items[n]);
	c->leaf_ext.items = c->leaf_items;
	c->leaf_ext.count = n + 1;
	return rc;
}

/* Append the application's own types to list (which has room for MORE_MAX more). */
static int add_more(struct mls_u16_list *list, const struct mls_u16_list *more)
{
	size_t i;

	if (more == NULL) return 0;
	if (more->count > MORE_MAX) return KENH_ERR(KENH_E_INVALID_ARG);
	for (i = 0; i < more->count; i++)
		list->items[list->count++] = more->items[i];
	return 0;
}

static int fill_caps(const struct mls_kp_args *a, struct caps *c)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->versions[0] = MLS_VERSION_MLS10;
	c->suites[0] = 1;
	c->suites[1] = 2;
	c->suites[2] = 3;
	c->credentials[0] = MLS_CREDENTIAL_BASIC;
	c->credentials[1] = MLS_CREDENTIAL_X509;
	c->c.versions = (struct mls_u16_list){ c->versions, 1 };
	c->c.cipher_suites = (struct mls_u16_list){ c->suites, 3 };
	c->c.credentials = (struct mls_u16_list){ c->credentials, 2 };
	c->c.extensions = (struct mls_u16_list){ c->extensions, 0 };
	c->c.proposals = (struct mls_u16_list){ c->proposals, 0 };
	if ((rc = add_more(&c->c.credentials, a->more_credentials)) != 0) return rc;
	if ((rc = add_more(&c->c.extensions, a->more_extensions)) != 0) return rc;
	return a->grease ? add_grease(a, c) : 0;
}

static int signature_key(const struct mls_kp_args *a, const struct crypto_suite *cs,
                         struct mls_own_key_package *out, uint8_t *pk)
{
	if (a->sig_sk.len == 0) return crypto_sig_keygen(cs->sig, out->sig_sk, pk);
	if (a->sig_sk.len != cs->sig->nsk) return KENH_ERR(KENH_E_INVALID_ARG);
	memcpy(out->sig_sk, a->sig_sk.p, a->sig_sk.len);
	return crypto_sig_pk_from_sk(cs->sig, out->sig_sk, pk);
}

int mls_group_key_package(const struct mls_kp_args *a, struct mls_own_key_package *out)
{
	const struct crypto_suite *cs = crypto_suite_get(a->ctx, a->suite);
	struct mls_key_package_build_args ba;
	uint8_t pk[CRYPTO_MAX_SIG_PK];
	struct caps caps;
	int rc;

	memset(out, 0, sizeof(*out));
	if (cs == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	/* RFC 9420 §7.2: no longer than peers accept, with the hour of slack below. */
	if (a->lifetime > MLS_KP_MAX_LIFETIME - MLS_KP_SLACK) return KENH_ERR(KENH_E_INVALID_ARG);
	out->cs = cs;
	if ((rc = signature_key(a, cs, out, pk)) != 0) goto out;
	out->sig_sk_len = cs->sig->nsk;
	if ((rc = fill_caps(a, &caps)) != 0) goto out;
	memset(&ba, 0, sizeof(ba));
	ba.ctx = a->ctx;
	ba.cs = cs;
	ba.sig_sk = span_make(out->sig_sk, out->sig_sk_len);
	ba.sig_pk = span_make(pk, cs->sig->npk);
	ba.credential = a->credential;
	ba.capabilities = &caps.c;
	/* RFC 9420 §7.2: an hour of slack before now covers clocks that run behind ours. */
	ba.lifetime.not_before = a->now > MLS_KP_SLACK ? a->now - MLS_KP_SLACK : 0;
	ba.lifetime.not_after = a->now + (a->lifetime != 0 ? a->lifetime : MLS_KP_LIFETIME);
	/* RFC 9420 §7.2: what peers with the default bound accept. */
	ba.max_lifetime = MLS_KP_MAX_LIFETIME;
	ba.extensions = caps.kp_ext.count != 0 ? &caps.kp_ext : NULL;
	ba.leaf_extensions = caps.leaf_ext.count != 0 ? &caps.leaf_ext : a->leaf_extensions;
	rc = mls_key_package_build(&ba, &out->keys, &out->kp, &out->kp_len);
out:
	if (rc != 0) mls_own_key_package_clear(out);
	return rc;
}

/* Decode our own KeyPackage (kp->kp) into out. */
int mls_group_own_key_package_decode(const struct mls_own_key_package *kp,
                                     struct mls_key_package *out)
{
	struct codec_reader r;
	int rc;

	codec_reader_init(&r, kp->kp, kp->kp_len);
	if ((rc = mls_decode_key_package(&r, out)) == 0) rc = codec_reader_done(&r);
	return rc;
}

/* RFC 9420 §11: the tree of one leaf, the creator's. */
static int first_leaf(struct mls_group *g, const struct mls_key_package *kp)
{
	struct codec_writer w;
	uint32_t leaf = 0;
	int rc;

	if ((rc = mls_rtree_new(g->cs, &g->tree)) != 0) return rc;
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	if ((rc = mls_encode_leaf_node(&w, &kp->leaf_node)) == 0)
		rc = mls_rtree_add_leaf(g->tree, codec_writer_span(&w), &leaf);
	codec_writer_clear(&w);
	if (rc == 0 && leaf != 0) rc = KENH_ERR(KENH_E_INTERNAL);
	return rc;
}

/* RFC 9420 §11: epoch 0's GroupContext. */
static int first_context(struct mls_group *g, struct kenh_span group_id,
                         const struct mls_extension_list *ext)
{
	uint8_t id[CRYPTO_MAX_HASH], th[CRYPTO_MAX_HASH];
	struct mls_group_context gc;
	int rc;

	memset(&gc, 0, sizeof(gc));
	if (group_id.len == 0) {
		/* RFC 9420 §11: a fresh random value of KDF.Nh bytes makes collisions unlikely. */
		if ((rc = crypto_random(g->ctx, id, g->cs->kdf->nh)) != 0) return rc;
		group_id = span_make(id, g->cs->kdf->nh);
	}
	if (group_id.len > LIMIT_GROUP_ID) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = mls_rtree_root_hash(g->tree, th)) != 0) return rc;
	gc.version = MLS_VERSION_MLS10;
	gc.cipher_suite = g->cs->id;
	gc.group_id = group_id;
	gc.tree_hash = span_make(th, g->cs->kdf->nh);
	if (ext != NULL) gc.extensions = *ext;
	return mls_group_set_context(g, &gc);
}

/* RFC 9420 §11: a random epoch secret, the tag over the empty transcript, the interim hash. */
static int first_epoch(struct mls_group *g)
{
	const struct crypto_suite *cs = g->cs;
	uint8_t joiner[CRYPTO_MAX_HASH]; /* secret */
	struct kenh_span gc = span_make(g->gc_enc, g->gc_len);
	int rc;

	/* A random joiner secret makes the epoch secret as random as §11 asks. */
	if ((rc = crypto_random(g->ctx, joiner, cs->kdf->nh)) != 0) goto out;
	if ((rc = mls_key_schedule_epoch(cs, joiner, NULL, gc, &g->es)) != 0) goto out;
	mls_epoch_secrets_drop_joiner(&g->es);
	rc = mls_confirmation_tag(cs, g->es.confirmation_key, span_make(NULL, 0), g->conf_tag);
	if (rc != 0) goto out;
	rc = mls_interim_transcript_hash(cs, span_make(NULL, 0),
	                                 span_make(g->conf_tag, cs->kdf->nh), g->interim);
	if (rc != 0) goto out;
	if ((rc = mls_group_start_epoch(g)) != 0) goto out;
	mls_group_keep_resumption(g, 0, g->es.resumption_psk);
out:
	sec_zero(joiner, sizeof(joiner));
	return rc;
}

int mls_group_create(const struct kenh_ctx *ctx, const struct mls_group_callbacks *cb,
                     const struct mls_own_key_package *kp, struct kenh_span group_id,
                     const struct mls_extension_list *ext, struct mls_group **out)
{
	struct mls_key_package dec;
	struct mls_group *g = NULL;
	int rc;

	*out = NULL;
	memset(&dec, 0, sizeof(dec));
	if ((rc = mls_group_own_key_package_decode(kp, &dec)) != 0) return rc;
	if ((rc = mls_group_alloc(ctx, kp->cs, cb, &g)) != 0) goto out;
	if (ext != NULL && (rc = mls_group_context_extensions_check(g, ext)) != 0) goto out;
	if ((rc = first_leaf(g, &dec)) != 0) goto out;
	if ((rc = first_context(g, group_id, ext)) != 0) goto out;
	g->own_leaf = 0;
	g->sig_sk_len = kp->sig_sk_len;
	memcpy(g->sig_sk, kp->sig_sk, sizeof(g->sig_sk));
	rc = mls_treekem_priv_init(&g->priv, g->cs, 0, kp->keys.encryption_sk);
	if (rc != 0) goto out;
	if ((rc = first_epoch(g)) != 0) goto out;
	*out = g;
	g = NULL;
out:
	mls_key_package_clear(&dec);
	mls_group_free(g);
	return rc;
}
