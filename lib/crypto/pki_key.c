/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Signature keys of the PKI in crypto_sig_* form, and their conversion to
 * and from OpenSSL's EVP_PKEY for the X.509 code: Ed25519 (MLS suites 1
 * and 3, RFC 8032) and ECDSA P-256 with SHA-256 (suite 2), as RFC 9420
 * §5.1.2 names them. The raw forms are the ones crypto.h defines: a 32-byte
 * Ed25519 seed or P-256 scalar, and a 32-byte Ed25519 key or a 65-byte
 * uncompressed P-256 point (SEC1 §2.3.3). Also the digest-sign contexts
 * that sign certificates, requests and CRLs, and the error-queue drain.
 */
#include "crypto/pki.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>

#include "util/compat.h"

#include "crypto/crypto_int.h"
#include "crypto/pki_int.h"
#include "util/ctx.h"
#include "util/mem.h"

void crypto_pki_drain(const struct kenh_ctx *ctx, const char *func)
{
	crypto_err_drain(ctx != NULL ? ctx->crypto : NULL, func);
}

OSSL_LIB_CTX *crypto_pki_libctx(const struct kenh_ctx *ctx)
{
	return ctx->crypto->libctx;
}

uint16_t crypto_pki_suite_sig(uint16_t suite)
{
	/* RFC 9420 §17.1: suites 1 and 3 sign with Ed25519, suite 2 with ECDSA P-256. */
	switch (suite) {
	case 1:
	case 3:
		return CRYPTO_SIG_ED25519;
	case 2:
		return CRYPTO_SIG_ECDSA_P256_SHA256;
	default:
		return 0;
	}
}

static const struct crypto_sig_impl *sig_impl(const struct kenh_ctx *ctx, uint16_t sig_id)
{
	const struct crypto_sig *s = crypto_sig_get(ctx, sig_id);

	return s != NULL ? impl_of_sig(s) : NULL;
}

int crypto_sigkey_generate(const struct kenh_ctx *ctx, uint16_t sig_id, struct crypto_sigkey *out)
{
	const struct crypto_sig *s = crypto_sig_get(ctx, sig_id);
	int rc;

	sec_zero(out, sizeof(*out));
	if (s == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	if ((rc = crypto_sig_keygen(s, out->sk, out->pk)) != 0) {
		sec_zero(out, sizeof(*out));
		return rc;
	}
	out->sig_id = sig_id;
	out->sklen = s->nsk;
	out->pklen = s->npk;
	return 0;
}

int crypto_sigkey_from_sk(const struct kenh_ctx *ctx, uint16_t sig_id, const uint8_t *sk,
                          size_t sklen, struct crypto_sigkey *out)
{
	const struct crypto_sig *s = crypto_sig_get(ctx, sig_id);
	int rc;

	sec_zero(out, sizeof(*out));
	if (s == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	if (sklen != s->nsk) return KENH_ERR(KENH_E_INVALID_ARG);
	memcpy(out->sk, sk, sklen);
	if ((rc = crypto_sig_pk_from_sk(s, out->sk, out->pk)) != 0) {
		sec_zero(out, sizeof(*out));
		return rc;
	}
	out->sig_id = sig_id;
	out->sklen = s->nsk;
	out->pklen = s->npk;
	return 0;
}

void crypto_sigkey_clear(struct crypto_sigkey *k)
{
	if (k != NULL) sec_zero(k, sizeof(*k));
}

int crypto_pki_pkey_sk(const struct kenh_ctx *ctx, const struct crypto_sigkey *k, EVP_PKEY **out)
{
	const struct crypto_sig_impl *s = sig_impl(ctx, k->sig_id);

	*out = NULL;
	if (s == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	if (k->sklen != s->pub.nsk) return KENH_ERR(KENH_E_INVALID_ARG);
	return crypto_key_import_sk(ctx->crypto, s->curve, k->sk, out);
}

int crypto_pki_pkey_pk(const struct kenh_ctx *ctx, uint16_t sig_id, const uint8_t *pk, size_t pklen,
                       EVP_PKEY **out)
{
	const struct crypto_sig_impl *s = sig_impl(ctx, sig_id);

	*out = NULL;
	if (s == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	return crypto_key_import_pk(ctx->crypto, s->curve, pk, pklen, out);
}

/* x || y of a P-256 key as the 65-byte uncompressed point, whatever form it was decoded from. */
static int p256_point(const EVP_PKEY *pkey, uint8_t *pk)
{
	BIGNUM *x = NULL, *y = NULL;
	int rc = KENH_E_UNSUPPORTED;

	if (EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &x) != 1 ||
	    EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &y) != 1)
		goto out;
	pk[0] = 0x04;
	if (BN_bn2binpad(x, pk + 1, 32) != 32 || BN_bn2binpad(y, pk + 33, 32) != 32) goto out;
	rc = 0;
out:
	BN_free(x);
	BN_free(y);
	return rc;
}

int crypto_pki_pkey_raw(const EVP_PKEY *pkey, uint16_t *sig_id, uint8_t *pk, size_t *pklen)
{
	char group[32];
	size_t len = 0;

	*sig_id = 0;
	*pklen = 0;
	if (EVP_PKEY_is_a(pkey, "ED25519")) {
		len = 32;
		if (EVP_PKEY_get_raw_public_key(pkey, pk, &len) != 1 || len != 32)
			return KENH_ERR(KENH_E_UNSUPPORTED);
		*sig_id = CRYPTO_SIG_ED25519;
		*pklen = 32;
		return 0;
	}
	if (!EVP_PKEY_is_a(pkey, "EC")) return KENH_ERR(KENH_E_UNSUPPORTED);
	if (EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
	                                   &len) != 1 ||
	    strcmp(group, "prime256v1") != 0)
		return KENH_ERR(KENH_E_UNSUPPORTED);
	if (p256_point(pkey, pk) != 0) return KENH_ERR(KENH_E_UNSUPPORTED);
	*sig_id = CRYPTO_SIG_ECDSA_P256_SHA256;
	*pklen = 65;
	return 0;
}

int crypto_pki_signer_new(const struct kenh_ctx *ctx, const struct crypto_sigkey *k,
                          EVP_MD_CTX **out)
{
	const char *md = k->sig_id == CRYPTO_SIG_ECDSA_P256_SHA256 ? "SHA2-256" : NULL;
	EVP_MD_CTX *mctx = NULL;
	EVP_PKEY *pkey = NULL;
	int rc;

	*out = NULL;
	if ((rc = crypto_pki_pkey_sk(ctx, k, &pkey)) != 0) return rc;
	rc = KENH_ERR(KENH_E_CRYPTO);
	if ((mctx = EVP_MD_CTX_new()) == NULL) goto out;
	/* The context keeps its own reference to pkey. */
	if (EVP_DigestSignInit_ex(mctx, NULL, md, crypto_pki_libctx(ctx), NULL, pkey, NULL) != 1)
		goto out;
	*out = mctx;
	mctx = NULL;
	rc = 0;
out:
	if (rc != 0) crypto_pki_drain(ctx, __func__);
	EVP_MD_CTX_free(mctx);
	EVP_PKEY_free(pkey);
	return rc;
}

bool crypto_pki_sig_nid_ok(int nid)
{
	return nid == NID_ED25519 || nid == NID_ecdsa_with_SHA256;
}
