/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Hash, HMAC (RFC 2104) and HKDF (RFC 5869) over the hash of an HPKE KDF
 * (RFC 9180 §7.2). HKDF-Extract is HMAC keyed with the salt, exactly as
 * RFC 5869 §2.2 defines it, and HKDF-Expand the HMAC chain of §2.3. Every
 * HMAC context is duplicated from a template made at provider creation
 * (digest already set), so no call fetches an algorithm by name. The labelled
 * forms (RFC 9180 §4 LabeledExtract/Expand, RFC 9420 §8 ExpandWithLabel)
 * belong to hpke/ and mls/.
 */
#include "crypto/crypto.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "util/compat.h"

#include <limits.h>

#include "crypto/crypto_int.h"
#include "util/mem.h"

/*
 * OpenSSL takes a NULL key as "keep the previous key" and refuses a NULL
 * octet-string parameter, so an empty key is passed as a valid pointer with
 * length 0.
 */
static const uint8_t empty[1] = { 0 };

static const uint8_t *nonnull(const uint8_t *p, size_t len)
{
	return len == 0 ? empty : p;
}

int crypto_hash(const struct crypto_kdf *kdf, const uint8_t *in, size_t len, uint8_t *out)
{
	const struct crypto_kdf_impl *k = impl_of_kdf(kdf);
	unsigned int n = 0;

	if (EVP_Digest(nonnull(in, len), len, out, &n, k->md, NULL) != 1 || n != kdf->nh) {
		crypto_err_drain(k->prov, __func__);
		return KENH_ERR(KENH_E_CRYPTO);
	}
	return 0;
}

int crypto_hash2(const struct crypto_kdf *kdf, const uint8_t *a, size_t alen, const uint8_t *b,
                 size_t blen, uint8_t *out)
{
	const struct crypto_kdf_impl *k = impl_of_kdf(kdf);
	EVP_MD_CTX *mctx = NULL;
	unsigned int n = 0;
	int rc = KENH_E_CRYPTO;

	if ((mctx = EVP_MD_CTX_new()) == NULL) goto out;
	if (EVP_DigestInit_ex2(mctx, k->md, NULL) != 1) goto out;
	if (alen != 0 && EVP_DigestUpdate(mctx, a, alen) != 1) goto out;
	if (blen != 0 && EVP_DigestUpdate(mctx, b, blen) != 1) goto out;
	if (EVP_DigestFinal_ex(mctx, out, &n) != 1 || n != kdf->nh) goto out;
	rc = 0;
out:
	EVP_MD_CTX_free(mctx);
	if (rc == 0) return 0;
	crypto_err_drain(k->prov, __func__);
	return KENH_ERR(rc);
}

int crypto_hmac(const struct crypto_kdf *kdf, const uint8_t *key, size_t keylen,
                const uint8_t *data, size_t len, uint8_t *out)
{
	const struct crypto_kdf_impl *k = impl_of_kdf(kdf);
	EVP_MAC_CTX *mctx = NULL;
	size_t n = 0;
	int rc = KENH_E_CRYPTO;

	/* OpenSSL's HMAC keeps key lengths in an int. */
	if (keylen > INT_MAX) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((mctx = EVP_MAC_CTX_dup(k->hmac)) == NULL) goto out;
	if (EVP_MAC_init(mctx, nonnull(key, keylen), keylen, NULL) != 1) goto out;
	if (len != 0 && EVP_MAC_update(mctx, data, len) != 1) goto out;
	if (EVP_MAC_final(mctx, out, &n, kdf->nh) != 1 || n != kdf->nh) goto out;
	rc = 0;
out:
	/* Freeing the context cleanses the key and the inner and outer hash states. */
	EVP_MAC_CTX_free(mctx);
	if (rc == 0) return 0;
	sec_zero(out, kdf->nh);
	crypto_err_drain(k->prov, __func__);
	return KENH_ERR(rc);
}

int crypto_hkdf_extract(const struct crypto_kdf *kdf, const uint8_t *salt, size_t saltlen,
                        const uint8_t *ikm, size_t ikmlen, uint8_t *out)
{
	/*
	 * RFC 5869 §2.2: PRK = HMAC-Hash(salt, IKM), where a missing salt is
	 * HashLen zero bytes. HMAC pads its key with zeros to the block size, so
	 * the empty key and HashLen zeros give the same PRK.
	 */
	return crypto_hmac(kdf, salt, saltlen, ikm, ikmlen, out);
}

/* One block of RFC 5869 §2.3: T(i) = HMAC-Hash(PRK, T(i-1) | info | i), T(0) empty. */
static int expand_block(EVP_MAC_CTX *mctx, uint8_t t[static CRYPTO_MAX_HASH], size_t tlen,
                        const uint8_t *info, size_t infolen, uint8_t i, size_t nh)
{
	size_t n = 0;

	/* A NULL key restarts HMAC with the key already set: no rekeying per block. */
	if (i > 1 && EVP_MAC_init(mctx, NULL, 0, NULL) != 1) return KENH_ERR(KENH_E_CRYPTO);
	if (tlen != 0 && EVP_MAC_update(mctx, t, tlen) != 1) return KENH_ERR(KENH_E_CRYPTO);
	if (infolen != 0 && EVP_MAC_update(mctx, info, infolen) != 1)
		return KENH_ERR(KENH_E_CRYPTO);
	if (EVP_MAC_update(mctx, &i, 1) != 1) return KENH_ERR(KENH_E_CRYPTO);
	if (EVP_MAC_final(mctx, t, &n, CRYPTO_MAX_HASH) != 1 || n != nh)
		return KENH_ERR(KENH_E_CRYPTO);
	return 0;
}

/*
 * HKDF-Expand on the HMAC template. OpenSSL 3.0's HKDF context cannot be
 * duplicated, and a fresh one would fetch its digest by name on every call;
 * the HMAC chain of RFC 5869 §2.3 over the fetched HMAC avoids both.
 */
int crypto_hkdf_expand(const struct crypto_kdf *kdf, const uint8_t *prk, size_t prklen,
                       const uint8_t *info, size_t infolen, uint8_t *out, size_t outlen)
{
	const struct crypto_kdf_impl *k = impl_of_kdf(kdf);
	uint8_t t[CRYPTO_MAX_HASH]; /* secret: T(i) */
	EVP_MAC_CTX *mctx = NULL;
	size_t done = 0, tlen = 0, n;
	uint8_t i;
	int rc = 0;

	/* RFC 5869 §2.3: L <= 255 * HashLen, so the block counter fits in one octet. */
	if (outlen == 0 || outlen > 255 * kdf->nh || prklen > INT_MAX)
		return KENH_ERR(KENH_E_INVALID_ARG);
	if ((mctx = EVP_MAC_CTX_dup(k->hmac)) == NULL ||
	    EVP_MAC_init(mctx, nonnull(prk, prklen), prklen, NULL) != 1) {
		rc = KENH_ERR(KENH_E_CRYPTO);
		goto out;
	}
	for (i = 1; done < outlen; i++) {
		if ((rc = expand_block(mctx, t, tlen, info, infolen, i, kdf->nh)) != 0) goto out;
		tlen = kdf->nh;
		n = outlen - done < tlen ? outlen - done : tlen;
		memcpy(out + done, t, n);
		done += n;
	}
out:
	sec_zero(t, sizeof(t));
	EVP_MAC_CTX_free(mctx);
	if (rc == 0) return 0;
	sec_zero(out, outlen);
	crypto_err_drain(k->prov, __func__);
	return rc;
}
