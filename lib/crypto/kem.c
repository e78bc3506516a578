/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The Diffie-Hellman groups under DHKEM (RFC 9180 §4.1): X25519 (RFC 7748)
 * and P-256 ECDH (SEC1 §3.3.1, output the x-coordinate), with the
 * validation of RFC 9180 §7.1.4: P-256 peer points must be uncompressed
 * points on the curve (checked when keys.c imports them), and an all-zero
 * X25519 output is rejected. crypto_kem_keygen_dh joins GenerateKeyPair
 * and the first DH of Encap so that the ephemeral key never leaves OpenSSL
 * between the two. Encap, Decap, ExtractAndExpand and DeriveKeyPair are
 * hpke/'s.
 */
#include "crypto/crypto.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/proverr.h>

#include "util/compat.h"

#include "crypto/crypto_int.h"
#include "util/mem.h"

int crypto_kem_keygen(const struct crypto_kem *kem, uint8_t *sk, uint8_t *pk)
{
	const struct crypto_kem_impl *k = impl_of_kem(kem);

	return crypto_key_generate(k->prov, k->curve, sk, pk);
}

int crypto_kem_pk_from_sk(const struct crypto_kem *kem, const uint8_t *sk, uint8_t *pk)
{
	const struct crypto_kem_impl *k = impl_of_kem(kem);

	return crypto_key_pk_from_sk(k->prov, k->curve, sk, pk);
}

int crypto_kem_check_pk(const struct crypto_kem *kem, const uint8_t *pk, size_t pklen)
{
	const struct crypto_kem_impl *k = impl_of_kem(kem);
	EVP_PKEY *key = NULL;
	int rc;

	rc = crypto_key_import_pk(k->prov, k->curve, pk, pklen, &key);
	EVP_PKEY_free(key);
	return rc;
}

/* Constant time: the output is secret whether or not it is zero. */
static bool is_all_zero(const uint8_t *p, size_t len)
{
	unsigned int acc = 0;
	size_t i;

	for (i = 0; i < len; i++)
		acc |= p[i];
	return ((acc + 0xffu) >> 8) == 0;
}

/*
 * Classify a failed derive. OpenSSL's X25519 refuses an all-zero result
 * itself (RFC 7748 §6.1) and reports it as PROV_R_FAILED_DURING_DERIVATION;
 * that is a rejected peer key, anything else a library failure.
 */
static int derive_error(enum crypto_curve c)
{
	unsigned long e = ERR_peek_last_error();

	if (c == CRYPTO_CURVE_X25519 && ERR_GET_LIB(e) == ERR_LIB_PROV &&
	    ERR_GET_REASON(e) == PROV_R_FAILED_DURING_DERIVATION)
		return KENH_ERR(KENH_E_VERIFY);
	return KENH_ERR(KENH_E_CRYPTO);
}

/*
 * DH(own, peer) into dh, ndh bytes. The peer key was validated on import,
 * so the derive context does not validate it again (for P-256 that would
 * repeat the on-curve test and add a multiplication by the order, useless
 * with cofactor 1).
 */
static int derive(const struct crypto_kem_impl *k, EVP_PKEY *own, EVP_PKEY *peer,
                  uint8_t dh[static CRYPTO_MAX_DH])
{
	EVP_PKEY_CTX *dctx = NULL;
	size_t n = CRYPTO_MAX_DH;
	int rc = 0;

	if ((dctx = EVP_PKEY_CTX_new_from_pkey(k->prov->libctx, own, NULL)) == NULL ||
	    EVP_PKEY_derive_init(dctx) != 1 || EVP_PKEY_derive_set_peer_ex(dctx, peer, 0) != 1) {
		rc = KENH_ERR(KENH_E_CRYPTO);
		goto out;
	}
	if (EVP_PKEY_derive(dctx, dh, &n) != 1) {
		rc = derive_error(k->curve);
		goto out;
	}
	if (n != k->pub.ndh) {
		rc = KENH_ERR(KENH_E_CRYPTO);
		goto out;
	}
	/*
	 * RFC 9180 §7.1.4: an all-zero X25519 output MUST be rejected (a
	 * low-order peer point). OpenSSL refuses it already; the test stays so
	 * the rule does not rest on that. P-256 needs no such test: a valid
	 * point times 0 < sk < n is never the identity.
	 */
	if (k->curve == CRYPTO_CURVE_X25519 && is_all_zero(dh, n)) rc = KENH_ERR(KENH_E_VERIFY);
out:
	EVP_PKEY_CTX_free(dctx);
	return rc;
}

int crypto_kem_dh(const struct crypto_kem *kem, const uint8_t *sk, const uint8_t *pk, size_t pklen,
                  uint8_t *out)
{
	const struct crypto_kem_impl *k = impl_of_kem(kem);
	uint8_t dh[CRYPTO_MAX_DH]; /* secret */
	EVP_PKEY *own = NULL, *peer = NULL;
	int rc;

	sec_zero(out, kem->ndh);
	/* The peer key first: a hostile key is refused before any secret is touched. */
	if ((rc = crypto_key_import_pk(k->prov, k->curve, pk, pklen, &peer)) != 0) goto out;
	if ((rc = crypto_key_import_sk(k->prov, k->curve, sk, &own)) != 0) goto out;
	if ((rc = derive(k, own, peer, dh)) != 0) goto out;
	memcpy(out, dh, kem->ndh);
out:
	sec_zero(dh, sizeof(dh));
	/* EVP_PKEY_free cleanses the private key. */
	EVP_PKEY_free(own);
	EVP_PKEY_free(peer);
	if (rc != 0) crypto_err_drain(k->prov, __func__);
	return rc;
}

/*
 * The generated EVP_PKEY is used for the DH as it is: going back through its
 * raw bytes (crypto_kem_keygen, then crypto_kem_dh) would make OpenSSL
 * import the scalar again, and for X25519 recompute its public key, a third
 * scalar multiplication where two suffice.
 */
int crypto_kem_keygen_dh(const struct crypto_kem *kem, const uint8_t *pk_peer, size_t pklen,
                         uint8_t *sk_out, uint8_t *pk_out, uint8_t *dh_out)
{
	const struct crypto_kem_impl *k = impl_of_kem(kem);
	uint8_t dh[CRYPTO_MAX_DH]; /* secret */
	EVP_PKEY *own = NULL, *peer = NULL;
	int rc;

	sec_zero(sk_out, kem->nsk);
	memset(pk_out, 0, kem->npk);
	sec_zero(dh_out, kem->ndh);
	/* The peer key first: a hostile key costs no key generation. */
	if ((rc = crypto_key_import_pk(k->prov, k->curve, pk_peer, pklen, &peer)) != 0) goto out;
	if ((rc = crypto_key_generate_pkey(k->prov, k->curve, &own)) != 0) goto out;
	if ((rc = derive(k, own, peer, dh)) != 0) goto out;
	if ((rc = crypto_key_export(k->prov, k->curve, own, sk_out, pk_out)) != 0) goto out;
	memcpy(dh_out, dh, kem->ndh);
out:
	sec_zero(dh, sizeof(dh));
	/* EVP_PKEY_free cleanses the private key. */
	EVP_PKEY_free(own);
	EVP_PKEY_free(peer);
	if (rc != 0) {
		sec_zero(sk_out, kem->nsk);
		memset(pk_out, 0, kem->npk);
		crypto_err_drain(k->prov, __func__);
	}
	return rc;
}
