/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * RFC 9420 §10 KeyPackages: building one (fresh init and leaf encryption
 * keys, a key_package-source LeafNode signed over LeafNodeTBS, the whole
 * signed over KeyPackageTBS), validating one (§10.1 with the parts of
 * §7.3 that need no group: source, lifetime against an injected clock,
 * capabilities listing, keys, both signatures), and KeyPackageRef (§5.2).
 * What needs the group or the authentication service (credential
 * validity, required_capabilities, uniqueness in the tree) is a call-back
 * the group layer supplies.
 */
#include "mls/framing.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/framing_int.h"
#include "util/mem.h"

/* RFC 9420 §7.2: extension types 1-5 are "default" and never listed in capabilities. */
#define MLS_EXT_DEFAULT_MAX MLS_EXT_EXTERNAL_SENDERS

void mls_key_package_keys_clear(struct mls_key_package_keys *k)
{
	if (k != NULL) sec_zero(k, sizeof(*k));
}

static bool u16_listed(const struct mls_u16_list *l, uint16_t v)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (l->items[i] == v) return true;
	return false;
}

/* RFC 9420 §7.2, §10: every non-default extension in l MUST be in the capabilities. */
static bool extensions_listed(const struct mls_extension_list *l,
                              const struct mls_capabilities *caps)
{
	size_t i;
	uint16_t t;

	for (i = 0; i < l->count; i++) {
		t = l->items[i].extension_type;
		if (t >= MLS_EXT_APPLICATION_ID && t <= MLS_EXT_DEFAULT_MAX) continue;
		if (!u16_listed(&caps->extensions, t)) return false;
	}
	return true;
}

static int check_lifetime(const struct mls_lifetime *lt, const struct mls_key_package_policy *pol)
{
	if (lt->not_before > lt->not_after) return KENH_ERR(KENH_E_PROTO);
	/* RFC 9420 §7.2: the application's maximum total lifetime. */
	if (lt->not_after - lt->not_before > pol->max_lifetime) return KENH_ERR(KENH_E_PROTO);
	/* RFC 9420 §7.3: the current time MUST be within the lifetime. */
	if (pol->now < lt->not_before || pol->now > lt->not_after) return KENH_ERR(KENH_E_EXPIRED);
	return 0;
}

/* The checks that need no cryptography, cheapest first. */
static int check_fields(const struct mls_key_package *kp, const struct mls_key_package_policy *pol)
{
	const struct mls_leaf_node *leaf = &kp->leaf_node;
	int rc;

	/* RFC 9420 §10.1: version and cipher suite match the group's. */
	if (kp->version != MLS_VERSION_MLS10 || kp->version != pol->version)
		return KENH_ERR(KENH_E_PROTO);
	if (kp->cipher_suite != pol->cipher_suite) return KENH_ERR(KENH_E_PROTO);
	/* RFC 9420 §10, §7.3: a KeyPackage's LeafNode has source key_package. */
	if (leaf->leaf_node_source != MLS_LEAF_SOURCE_KEY_PACKAGE) return KENH_ERR(KENH_E_PROTO);
	/* RFC 9420 §7.2: the credential type MUST be listed in the capabilities. */
	if (!u16_listed(&leaf->capabilities.credentials, leaf->credential.credential_type))
		return KENH_ERR(KENH_E_PROTO);
	if (!extensions_listed(&leaf->extensions, &leaf->capabilities) ||
	    !extensions_listed(&kp->extensions, &leaf->capabilities))
		return KENH_ERR(KENH_E_PROTO);
	if ((rc = check_lifetime(&leaf->lifetime, pol)) != 0) return rc;
	return 0;
}

/* RFC 9420 §10: init_key and encryption_key are keys of the suite's KEM, and differ (§10.1). */
static int check_keys(const struct crypto_suite *cs, const struct mls_key_package *kp)
{
	struct kenh_span ik = kp->init_key, ek = kp->leaf_node.encryption_key;

	if (crypto_kem_check_pk(cs->kem, ik.p, ik.len) != 0 ||
	    crypto_kem_check_pk(cs->kem, ek.p, ek.len) != 0)
		return KENH_ERR(KENH_E_VERIFY);
	if (span_eq(ik, ek)) return KENH_ERR(KENH_E_PROTO);
	return 0;
}

/* A TBS encoder: LeafNodeTBS or KeyPackageTBS of kp. */
typedef int tbs_fn(struct codec_writer *w, const struct mls_key_package *kp);

static int leaf_tbs(struct codec_writer *w, const struct mls_key_package *kp)
{
	/* RFC 9420 §7.2: a key_package leaf signs no group_id or leaf_index. */
	return mls_encode_leaf_node_tbs(w, &kp->leaf_node, span_make(NULL, 0), 0);
}

static int key_package_tbs(struct codec_writer *w, const struct mls_key_package *kp)
{
	return mls_encode_key_package_tbs(w, kp);
}

/* VerifyWithLabel(signature_key, label, tbs(kp), sig). */
static int verify_tbs(const struct crypto_suite *cs, const struct mls_key_package *kp, tbs_fn *tbs,
                      struct kenh_span label, struct kenh_span sig)
{
	struct codec_writer w;
	int rc;

	codec_writer_init(&w, MLS_LABELLED_MAX, CODEC_WRITER_NORMAL);
	if ((rc = tbs(&w, kp)) == 0)
		rc = mls_verify_with_label(cs, kp->leaf_node.signature_key, label,
		                           codec_writer_span(&w), sig);
	codec_writer_clear(&w);
	return rc;
}

/* SignWithLabel(sk, label, tbs(kp)) into out. */
static int sign_tbs(const struct crypto_suite *cs, const struct mls_key_package *kp, tbs_fn *tbs,
                    struct kenh_span label, struct kenh_span sk, struct mls_signature *out)
{
	struct codec_writer w;
	int rc;

	memset(out, 0, sizeof(*out));
	codec_writer_init(&w, MLS_LABELLED_MAX, CODEC_WRITER_NORMAL);
	if ((rc = tbs(&w, kp)) == 0)
		rc = mls_sign_with_label(cs, sk, label, codec_writer_span(&w), out->bytes,
		                         &out->len);
	codec_writer_clear(&w);
	return rc;
}

int mls_key_package_validate(const struct kenh_ctx *ctx, const struct mls_key_package *kp,
                             const struct mls_key_package_policy *pol)
{
	const struct crypto_suite *cs;
	int rc;

	/* RFC 9420 §7.2: the application MUST define the maximum; there is no "none". */
	if (pol->max_lifetime == 0) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = check_fields(kp, pol)) != 0) return rc;
	if ((cs = crypto_suite_get(ctx, kp->cipher_suite)) == NULL)
		return KENH_ERR(KENH_E_UNSUPPORTED);
	if ((rc = check_keys(cs, kp)) != 0) return rc;
	/* RFC 9420 §7.3: the LeafNode's signature verifies with its signature_key. */
	rc = verify_tbs(cs, kp, leaf_tbs, MLS_LABEL("LeafNodeTBS"), kp->leaf_node.signature);
	if (rc != 0) return rc;
	/* RFC 9420 §10: an invalid KeyPackage signature makes it malformed. */
	rc = verify_tbs(cs, kp, key_package_tbs, MLS_LABEL("KeyPackageTBS"), kp->signature);
	if (rc != 0) return rc;
	if (pol->leaf_check != NULL) return pol->leaf_check(pol->leaf_check_arg, &kp->leaf_node);
	return 0;
}

int mls_key_package_ref(const struct kenh_ctx *ctx, struct kenh_span key_package,
                        uint8_t ref[static CRYPTO_MAX_HASH], size_t *reflen)
{
	const struct crypto_suite *cs;
	int rc;

	memset(ref, 0, CRYPTO_MAX_HASH);
	*reflen = 0;
	/* KeyPackage starts with uint16 version, uint16 cipher_suite. */
	if (key_package.len < 4) return KENH_ERR(KENH_E_TRUNCATED);
	if ((cs = crypto_suite_get(ctx, load_be16(key_package.p + 2))) == NULL)
		return KENH_ERR(KENH_E_UNSUPPORTED);
	if ((rc = mls_make_key_package_ref(cs, key_package, ref)) != 0) return rc;
	*reflen = cs->kdf->nh;
	return 0;
}

/* The two fresh key pairs of a KeyPackage (§10: init_key; §7.2: encryption_key). */
static int fresh_keys(const struct crypto_suite *cs, struct mls_key_package_keys *keys,
                      uint8_t *init_pk, uint8_t *enc_pk)
{
	int rc;

	keys->nsk = cs->kem->nsk;
	if ((rc = crypto_kem_keygen(cs->kem, keys->init_sk, init_pk)) != 0) return rc;
	return crypto_kem_keygen(cs->kem, keys->encryption_sk, enc_pk);
}

static int check_build_args(const struct mls_key_package_build_args *a)
{
	const struct crypto_suite *cs = a->cs;

	if (cs == NULL || a->credential == NULL || a->capabilities == NULL || a->max_lifetime == 0)
		return KENH_ERR(KENH_E_INVALID_ARG);
	if (a->sig_sk.len != cs->sig->nsk || a->sig_pk.len != cs->sig->npk ||
	    cs->kem->nsk > CRYPTO_MAX_KEM_SK || cs->kem->npk > CRYPTO_MAX_KEM_PK ||
	    cs->sig->max_sig > CRYPTO_MAX_SIG)
		return KENH_ERR(KENH_E_INVALID_ARG);
	return 0;
}

/* The KeyPackage and its LeafNode, unsigned, from the arguments and fresh keys. */
static void fill_key_package(const struct mls_key_package_build_args *a, const uint8_t *init_pk,
                             const uint8_t *enc_pk, struct mls_key_package *kp)
{
	struct mls_leaf_node *leaf = &kp->leaf_node;

	memset(kp, 0, sizeof(*kp));
	kp->version = MLS_VERSION_MLS10;
	kp->cipher_suite = a->cs->id;
	kp->init_key = span_make(init_pk, a->cs->kem->npk);
	leaf->encryption_key = span_make(enc_pk, a->cs->kem->npk);
	leaf->signature_key = a->sig_pk;
	leaf->credential = *a->credential;
	leaf->capabilities = *a->capabilities;
	leaf->leaf_node_source = MLS_LEAF_SOURCE_KEY_PACKAGE;
	leaf->lifetime = a->lifetime;
	if (a->leaf_extensions != NULL) leaf->extensions = *a->leaf_extensions;
	if (a->extensions != NULL) kp->extensions = *a->extensions;
}

/* Sign the leaf, then the KeyPackage (whose TBS covers the leaf's signature). */
static int sign_key_package(const struct mls_key_package_build_args *a, struct mls_key_package *kp,
                            struct mls_signature *leaf_sig, struct mls_signature *kp_sig)
{
	int rc;

	rc = sign_tbs(a->cs, kp, leaf_tbs, MLS_LABEL("LeafNodeTBS"), a->sig_sk, leaf_sig);
	if (rc != 0) return rc;
	kp->leaf_node.signature = span_make(leaf_sig->bytes, leaf_sig->len);
	rc = sign_tbs(a->cs, kp, key_package_tbs, MLS_LABEL("KeyPackageTBS"), a->sig_sk, kp_sig);
	if (rc != 0) return rc;
	kp->signature = span_make(kp_sig->bytes, kp_sig->len);
	return 0;
}

static int encode_key_package(const struct mls_key_package *kp, uint8_t **out, size_t *outlen)
{
	struct codec_writer w;
	int rc;

	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	if ((rc = mls_encode_key_package(&w, kp)) == 0) rc = codec_writer_finish(&w, out, outlen);
	codec_writer_clear(&w);
	return rc;
}

int mls_key_package_build(const struct mls_key_package_build_args *a,
                          struct mls_key_package_keys *keys, uint8_t **out, size_t *outlen)
{
	uint8_t init_pk[CRYPTO_MAX_KEM_PK], enc_pk[CRYPTO_MAX_KEM_PK];
	struct mls_signature leaf_sig, kp_sig;
	struct mls_key_package_policy pol;
	struct mls_key_package kp;
	int rc;

	mls_key_package_keys_clear(keys);
	*out = NULL;
	*outlen = 0;
	if ((rc = check_build_args(a)) != 0) return rc;
	if ((rc = fresh_keys(a->cs, keys, init_pk, enc_pk)) != 0) goto out;
	fill_key_package(a, init_pk, enc_pk, &kp);
	if ((rc = sign_key_package(a, &kp, &leaf_sig, &kp_sig)) != 0) goto out;
	/* Refuse to hand out a KeyPackage that peers would reject. */
	memset(&pol, 0, sizeof(pol));
	pol.version = MLS_VERSION_MLS10;
	pol.cipher_suite = a->cs->id;
	pol.now = a->lifetime.not_before;
	pol.max_lifetime = a->max_lifetime;
	if ((rc = mls_key_package_validate(a->ctx, &kp, &pol)) != 0) goto out;
	rc = encode_key_package(&kp, out, outlen);
out:
	if (rc != 0) mls_key_package_keys_clear(keys);
	return rc;
}
