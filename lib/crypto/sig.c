/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The signature schemes of RFC 9420 §5.1.2: Ed25519 in its pure form
 * (RFC 8032 §5.1.6-5.1.7; raw 32-byte seed and public key) and ECDSA over
 * P-256 with SHA-256 (FIPS 186-4 §6; RFC 9420 §5.1.2 and RFC 8446 §4.2.3
 * ask for the DER encoding of X9.62 ECDSA-Sig-Value). OpenSSL's ECDSA
 * verification re-encodes the parsed signature and demands the same bytes,
 * so only strict DER is accepted. SignWithLabel (RFC 9420 §5.1.2) is mls/'s.
 */
#include "crypto/crypto.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/evp.h>

#include "util/compat.h"

#include "crypto/crypto_int.h"
#include "util/mem.h"

#define SHA256_LEN 32

static const uint8_t empty_msg[1] = { 0 };

int crypto_sig_keygen(const struct crypto_sig *sig, uint8_t *sk, uint8_t *pk)
{
	const struct crypto_sig_impl *s = impl_of_sig(sig);

	return crypto_key_generate(s->prov, s->curve, sk, pk);
}

int crypto_sig_pk_from_sk(const struct crypto_sig *sig, const uint8_t *sk, uint8_t *pk)
{
	const struct crypto_sig_impl *s = impl_of_sig(sig);

	return crypto_key_pk_from_sk(s->prov, s->curve, sk, pk);
}

/* Ed25519 hashes inside the scheme: one-shot sign over the message itself. */
static int sign_eddsa(const struct crypto_sig_impl *s, EVP_PKEY *key, const uint8_t *msg,
                      size_t len, uint8_t *out, size_t *outlen)
{
	EVP_MD_CTX *mctx = NULL;
	size_t n = s->pub.max_sig;
	int rc = KENH_E_CRYPTO;

	if ((mctx = EVP_MD_CTX_new()) == NULL) goto out;
	if (EVP_DigestSignInit_ex(mctx, NULL, NULL, s->prov->libctx, NULL, key, NULL) != 1)
		goto out;
	if (EVP_DigestSign(mctx, out, &n, len != 0 ? msg : empty_msg, len) != 1) goto out;
	*outlen = n;
	rc = 0;
out:
	EVP_MD_CTX_free(mctx);
	return rc == 0 ? 0 : KENH_ERR(rc);
}

/* ECDSA: SHA-256 with the fetched digest, then a signature over the hash. */
static int sign_ecdsa(const struct crypto_sig_impl *s, EVP_PKEY *key, const uint8_t *msg,
                      size_t len, uint8_t *out, size_t *outlen)
{
	uint8_t h[SHA256_LEN];
	EVP_PKEY_CTX *pctx = NULL;
	unsigned int hlen = 0;
	size_t n = s->pub.max_sig;
	int rc = KENH_E_CRYPTO;

	if (EVP_Digest(len != 0 ? msg : empty_msg, len, h, &hlen, s->md, NULL) != 1) goto out;
	if (hlen != SHA256_LEN) goto out;
	if ((pctx = EVP_PKEY_CTX_new_from_pkey(s->prov->libctx, key, NULL)) == NULL) goto out;
	if (EVP_PKEY_sign_init(pctx) != 1) goto out;
	if (EVP_PKEY_sign(pctx, out, &n, h, hlen) != 1) goto out;
	*outlen = n;
	rc = 0;
out:
	EVP_PKEY_CTX_free(pctx);
	return rc == 0 ? 0 : KENH_ERR(rc);
}

int crypto_sig_sign(const struct crypto_sig *sig, const uint8_t *sk, const uint8_t *msg, size_t len,
                    uint8_t *out, size_t *outlen)
{
	const struct crypto_sig_impl *s = impl_of_sig(sig);
	EVP_PKEY *key = NULL;
	int rc;

	*outlen = 0;
	if ((rc = crypto_key_import_sk(s->prov, s->curve, sk, &key)) != 0) goto out;
	rc = s->curve == CRYPTO_CURVE_ED25519 ? sign_eddsa(s, key, msg, len, out, outlen)
	                                      : sign_ecdsa(s, key, msg, len, out, outlen);
out:
	/* EVP_PKEY_free cleanses the private key. */
	EVP_PKEY_free(key);
	if (rc != 0) crypto_err_drain(s->prov, __func__);
	return rc;
}

/*
 * Any verification failure is KENH_E_VERIFY: OpenSSL reports a malformed
 * signature (-1) and a wrong one (0) differently, but both are refusals.
 */
static int verify_eddsa(const struct crypto_sig_impl *s, EVP_PKEY *key, const uint8_t *msg,
                        size_t len, const uint8_t *sigbytes, size_t siglen)
{
	EVP_MD_CTX *mctx = NULL;
	int rc = KENH_E_CRYPTO;

	/* RFC 8032 §5.1.7: the signature is exactly 64 bytes. */
	if (siglen != s->pub.max_sig) return KENH_ERR(KENH_E_VERIFY);
	if ((mctx = EVP_MD_CTX_new()) == NULL) goto out;
	if (EVP_DigestVerifyInit_ex(mctx, NULL, NULL, s->prov->libctx, NULL, key, NULL) != 1)
		goto out;
	rc = KENH_E_VERIFY;
	if (EVP_DigestVerify(mctx, sigbytes, siglen, len != 0 ? msg : empty_msg, len) != 1)
		goto out;
	rc = 0;
out:
	EVP_MD_CTX_free(mctx);
	return rc == 0 ? 0 : KENH_ERR(rc);
}

static int verify_ecdsa(const struct crypto_sig_impl *s, EVP_PKEY *key, const uint8_t *msg,
                        size_t len, const uint8_t *sigbytes, size_t siglen)
{
	uint8_t h[SHA256_LEN];
	EVP_PKEY_CTX *pctx = NULL;
	unsigned int hlen = 0;
	int rc = KENH_E_CRYPTO;

	/* The longest strict-DER signature over P-256 is 72 bytes; refuse the rest unparsed. */
	if (siglen == 0 || siglen > s->pub.max_sig) return KENH_ERR(KENH_E_VERIFY);
	if (EVP_Digest(len != 0 ? msg : empty_msg, len, h, &hlen, s->md, NULL) != 1) goto out;
	if (hlen != SHA256_LEN) goto out;
	if ((pctx = EVP_PKEY_CTX_new_from_pkey(s->prov->libctx, key, NULL)) == NULL) goto out;
	if (EVP_PKEY_verify_init(pctx) != 1) goto out;
	rc = KENH_E_VERIFY;
	if (EVP_PKEY_verify(pctx, sigbytes, siglen, h, hlen) != 1) goto out;
	rc = 0;
out:
	EVP_PKEY_CTX_free(pctx);
	return rc == 0 ? 0 : KENH_ERR(rc);
}

int crypto_sig_verify(const struct crypto_sig *sig, const uint8_t *pk, size_t pklen,
                      const uint8_t *msg, size_t len, const uint8_t *sigbytes, size_t siglen)
{
	const struct crypto_sig_impl *s = impl_of_sig(sig);
	EVP_PKEY *key = NULL;
	int rc;

	if ((rc = crypto_key_import_pk(s->prov, s->curve, pk, pklen, &key)) != 0) goto out;
	rc = s->curve == CRYPTO_CURVE_ED25519 ? verify_eddsa(s, key, msg, len, sigbytes, siglen)
	                                      : verify_ecdsa(s, key, msg, len, sigbytes, siglen);
out:
	EVP_PKEY_free(key);
	if (rc != 0) crypto_err_drain(s->prov, __func__);
	return rc;
}
