/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * AEAD seal and open for the HPKE AEADs of RFC 9180 §7.3: AES-128-GCM,
 * AES-256-GCM (NIST SP 800-38D, RFC 5116 §5.1-5.2) and ChaCha20-Poly1305
 * (RFC 8439 §2.8), each with a 12-byte nonce and a 16-byte tag appended to
 * the ciphertext (RFC 5116 §5). Open releases nothing unverified: EVP
 * writes plaintext before its final call checks the tag, so a failed check
 * wipes the output (STYLE R5.5). Nonce construction (RFC 9180 §5.2,
 * RFC 9420 §6.3.1) is the caller's.
 */
#include "crypto/crypto.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/evp.h>

#include "util/compat.h"

#include <limits.h>

#include "crypto/crypto_int.h"
#include "util/mem.h"

/* Key and nonce sizes are exact (RFC 9180 §7.3); EVP counts lengths in int. */
static int check_args(const struct crypto_aead *aead, size_t keylen, size_t noncelen, size_t aadlen,
                      size_t len)
{
	if (keylen != aead->nk || noncelen != aead->nn) return KENH_ERR(KENH_E_INVALID_ARG);
	if (aadlen > INT_MAX || len > INT_MAX) return KENH_ERR(KENH_E_TOO_LARGE);
	return 0;
}

int crypto_aead_seal(const struct crypto_aead *aead, const uint8_t *key, size_t keylen,
                     const uint8_t *nonce, size_t noncelen, const uint8_t *aad, size_t aadlen,
                     const uint8_t *pt, size_t ptlen, uint8_t *out)
{
	const struct crypto_aead_impl *a = impl_of_aead(aead);
	EVP_CIPHER_CTX *c = NULL;
	int n = 0, fin = 0, rc;

	if ((rc = check_args(aead, keylen, noncelen, aadlen, ptlen)) != 0) return rc;
	rc = KENH_E_CRYPTO;
	if ((c = EVP_CIPHER_CTX_new()) == NULL) goto out;
	if (EVP_EncryptInit_ex2(c, a->cipher, key, nonce, NULL) != 1) goto out;
	if (aadlen != 0 && EVP_EncryptUpdate(c, NULL, &n, aad, (int)aadlen) != 1) goto out;
	n = 0;
	if (ptlen != 0 && EVP_EncryptUpdate(c, out, &n, pt, (int)ptlen) != 1) goto out;
	/* Both modes are stream modes: every byte comes out of the update call. */
	if ((size_t)n != ptlen || EVP_EncryptFinal_ex(c, out + n, &fin) != 1 || fin != 0) goto out;
	if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, (int)aead->nt, out + ptlen) != 1)
		goto out;
	rc = 0;
out:
	/* Freeing the context cleanses the key schedule. */
	EVP_CIPHER_CTX_free(c);
	if (rc == 0) return 0;
	crypto_err_drain(a->prov, __func__);
	return KENH_ERR(rc);
}

int crypto_aead_open(const struct crypto_aead *aead, const uint8_t *key, size_t keylen,
                     const uint8_t *nonce, size_t noncelen, const uint8_t *aad, size_t aadlen,
                     const uint8_t *ct, size_t ctlen, uint8_t *out)
{
	const struct crypto_aead_impl *a = impl_of_aead(aead);
	EVP_CIPHER_CTX *c = NULL;
	size_t ptlen;
	int n = 0, fin = 0, rc;

	if ((rc = check_args(aead, keylen, noncelen, aadlen, ctlen)) != 0) return rc;
	if (ctlen < aead->nt) return KENH_ERR(KENH_E_DECRYPT);
	ptlen = ctlen - aead->nt;
	rc = KENH_E_CRYPTO;
	if ((c = EVP_CIPHER_CTX_new()) == NULL) goto out;
	if (EVP_DecryptInit_ex2(c, a->cipher, key, nonce, NULL) != 1) goto out;
	/* The expected tag is handed over before decryption; final compares it. */
	if (EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, (int)aead->nt,
	                        crypto_param_buf(ct + ptlen)) != 1)
		goto out;
	if (aadlen != 0 && EVP_DecryptUpdate(c, NULL, &n, aad, (int)aadlen) != 1) goto out;
	n = 0;
	if (ptlen != 0 && EVP_DecryptUpdate(c, out, &n, ct, (int)ptlen) != 1) goto out;
	if ((size_t)n != ptlen) goto out;
	/* RFC 5116 §2.2: a failed check is one indistinguishable error. */
	rc = KENH_E_DECRYPT;
	if (EVP_DecryptFinal_ex(c, out + n, &fin) != 1 || fin != 0) goto out;
	rc = 0;
out:
	EVP_CIPHER_CTX_free(c);
	if (rc == 0) return 0;
	/* STYLE R5.5: unauthenticated plaintext never reaches the caller. */
	sec_zero(out, ptlen);
	crypto_err_drain(a->prov, __func__);
	return KENH_ERR(rc);
}
