/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Raw key forms in and out of EVP_PKEY, shared by kem.c and sig.c. The raw
 * forms are those of RFC 9180 §7.1.1 (SerializePublicKey: the 32-byte
 * X25519 key of RFC 7748 §5, the uncompressed P-256 point of SEC1 §2.3.3;
 * SerializePrivateKey: the X25519 scalar, the P-256 scalar as 32 bytes
 * big-endian) and the signature keys RFC 9420 §5.1.2 uses (the Ed25519 seed
 * and public key of RFC 8032 §5.1.5, a P-256 scalar and point). Public keys
 * are validated here on import, so no caller can build an EVP_PKEY from an
 * invalid point. Key agreement and signing themselves live in kem.c and
 * sig.c.
 */
#include "crypto/crypto_int.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "util/compat.h"

#include "util/mem.h"

/* The order n of the P-256 base point (SEC 2 §2.4.2), big-endian. */
static const uint8_t p256_order[CRYPTO_P256_SCALAR] = {
	0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17,
	0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
};

static const char p256_group_name[] = "prime256v1";

size_t crypto_key_pk_len(enum crypto_curve c)
{
	switch (c) {
	case CRYPTO_CURVE_P256:
		return CRYPTO_P256_POINT;
	case CRYPTO_CURVE_X25519:
	case CRYPTO_CURVE_ED25519:
		return CRYPTO_X25519_LEN;
	}
	return 0;
}

/*
 * RFC 9180 §7.1.3 (and SEC1 §3.2.1): a P-256 private key is a scalar with
 * 0 < sk < n. The scalar is secret, so the test runs in constant time: the
 * borrow of the byte-wise subtraction sk - n is 1 exactly when sk < n, and
 * (acc + 0xff) >> 8 is 1 exactly when some byte of sk is non-zero; neither
 * branches on or indexes by sk.
 */
static bool p256_scalar_is_valid(const uint8_t sk[static CRYPTO_P256_SCALAR])
{
	unsigned int borrow = 0, acc = 0, d;
	size_t i;

	for (i = CRYPTO_P256_SCALAR; i-- > 0;) {
		d = (unsigned int)sk[i] - (unsigned int)p256_order[i] - borrow;
		borrow = (d >> 8) & 1u;
		acc |= sk[i];
	}
	return (borrow & ((acc + 0xffu) >> 8)) == 1u;
}

/* OSSL_PARAM_construct_BN wants a native-endian integer. */
static void be_to_native(uint8_t out[static CRYPTO_P256_SCALAR],
                         const uint8_t in[static CRYPTO_P256_SCALAR])
{
	size_t i;

#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	for (i = 0; i < CRYPTO_P256_SCALAR; i++)
		out[i] = in[CRYPTO_P256_SCALAR - 1 - i];
#else
	for (i = 0; i < CRYPTO_P256_SCALAR; i++)
		out[i] = in[i];
#endif
}

static int import_p256_sk(const struct crypto_provider *p, const uint8_t *sk, EVP_PKEY **out)
{
	uint8_t native[CRYPTO_P256_SCALAR]; /* secret */
	OSSL_PARAM params[3];
	int rc = 0;

	if (!p256_scalar_is_valid(sk)) return KENH_ERR(KENH_E_VERIFY);
	be_to_native(native, sk);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	                                             crypto_param_buf(p256_group_name), 0);
	params[1] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, native, sizeof(native));
	params[2] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_fromdata(p->fromdata[CRYPTO_CURVE_P256], out, EVP_PKEY_KEYPAIR, params) != 1)
		rc = KENH_ERR(KENH_E_CRYPTO);
	sec_zero(native, sizeof(native));
	return rc;
}

int crypto_key_import_sk(const struct crypto_provider *p, enum crypto_curve c, const uint8_t *sk,
                         EVP_PKEY **out)
{
	OSSL_PARAM params[2];
	int rc = 0;

	*out = NULL;
	if (c == CRYPTO_CURVE_P256) {
		rc = import_p256_sk(p, sk, out);
		goto out;
	}
	params[0] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY,
	                                              crypto_param_buf(sk), CRYPTO_X25519_LEN);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_PKEY_fromdata(p->fromdata[c], out, EVP_PKEY_KEYPAIR, params) != 1)
		rc = KENH_ERR(KENH_E_CRYPTO);
out:
	if (rc != 0) {
		EVP_PKEY_free(*out);
		*out = NULL;
		crypto_err_drain(p, __func__);
	}
	return rc;
}

int crypto_key_import_pk(const struct crypto_provider *p, enum crypto_curve c, const uint8_t *pk,
                         size_t pklen, EVP_PKEY **out)
{
	OSSL_PARAM params[3], *q = params;
	int rc = 0;

	*out = NULL;
	if (pklen != crypto_key_pk_len(c)) return KENH_ERR(KENH_E_VERIFY);
	if (c == CRYPTO_CURVE_P256) {
		/*
		 * RFC 9180 §7.1.1 and RFC 9420 §5.1.1 serialize P-256 keys uncompressed
		 * only; OpenSSL's import checks that the coordinates are below p and the
		 * point is on the curve (RFC 9180 §7.1.4 public key validation).
		 */
		if (pk[0] != 0x04) return KENH_ERR(KENH_E_VERIFY);
		*q++ = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
		                                        crypto_param_buf(p256_group_name), 0);
	}
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, crypto_param_buf(pk),
	                                         pklen);
	*q = OSSL_PARAM_construct_end();
	if (EVP_PKEY_fromdata(p->fromdata[c], out, EVP_PKEY_PUBLIC_KEY, params) != 1) {
		/* For P-256 a refused point; X25519 and Ed25519 accept any 32 bytes here. */
		rc = KENH_ERR(c == CRYPTO_CURVE_P256 ? KENH_E_VERIFY : KENH_E_CRYPTO);
		EVP_PKEY_free(*out);
		*out = NULL;
		crypto_err_drain(p, __func__);
	}
	return rc;
}

/* Raw forms of a P-256 key pair generated or imported by OpenSSL. */
static int export_p256(const EVP_PKEY *key, uint8_t *sk, uint8_t *pk)
{
	BIGNUM *bn = NULL; /* secret */
	size_t n = 0;
	int rc = KENH_E_CRYPTO;

	if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &bn) != 1) goto out;
	if (BN_bn2binpad(bn, sk, CRYPTO_P256_SCALAR) != CRYPTO_P256_SCALAR) goto out;
	if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, pk,
	                                    CRYPTO_P256_POINT, &n) != 1)
		goto out;
	if (n != CRYPTO_P256_POINT || pk[0] != 0x04) goto out;
	rc = 0;
out:
	BN_clear_free(bn);
	if (rc != 0) sec_zero(sk, CRYPTO_P256_SCALAR);
	return rc == 0 ? 0 : KENH_ERR(rc);
}

/* Raw forms of an X25519 or Ed25519 key pair. */
static int export_raw(const EVP_PKEY *key, uint8_t *sk, uint8_t *pk)
{
	size_t nsk = CRYPTO_X25519_LEN, npk = CRYPTO_X25519_LEN;

	if (EVP_PKEY_get_raw_private_key(key, sk, &nsk) != 1 || nsk != CRYPTO_X25519_LEN ||
	    EVP_PKEY_get_raw_public_key(key, pk, &npk) != 1 || npk != CRYPTO_X25519_LEN) {
		sec_zero(sk, CRYPTO_X25519_LEN);
		return KENH_ERR(KENH_E_CRYPTO);
	}
	return 0;
}

int crypto_key_generate_pkey(const struct crypto_provider *p, enum crypto_curve c, EVP_PKEY **out)
{
	*out = NULL;
	switch (c) {
	case CRYPTO_CURVE_P256:
		*out = EVP_PKEY_Q_keygen(p->libctx, NULL, "EC", "P-256");
		break;
	case CRYPTO_CURVE_X25519:
		*out = EVP_PKEY_Q_keygen(p->libctx, NULL, "X25519");
		break;
	case CRYPTO_CURVE_ED25519:
		*out = EVP_PKEY_Q_keygen(p->libctx, NULL, "ED25519");
		break;
	}
	if (*out == NULL) {
		crypto_err_drain(p, __func__);
		return KENH_ERR(KENH_E_CRYPTO);
	}
	return 0;
}

int crypto_key_export(const struct crypto_provider *p, enum crypto_curve c, const EVP_PKEY *key,
                      uint8_t *sk, uint8_t *pk)
{
	int rc;

	rc = c == CRYPTO_CURVE_P256 ? export_p256(key, sk, pk) : export_raw(key, sk, pk);
	if (rc != 0) crypto_err_drain(p, __func__);
	return rc;
}

int crypto_key_generate(const struct crypto_provider *p, enum crypto_curve c, uint8_t *sk,
                        uint8_t *pk)
{
	EVP_PKEY *key = NULL;
	int rc;

	if ((rc = crypto_key_generate_pkey(p, c, &key)) != 0) goto out;
	rc = crypto_key_export(p, c, key, sk, pk);
out:
	EVP_PKEY_free(key);
	return rc;
}

/* pk = sk * G on P-256, with OpenSSL's constant-time fixed-base multiplication. */
static int p256_pk_from_sk(const struct crypto_provider *p, const uint8_t *sk, uint8_t *pk)
{
	BIGNUM *k = NULL; /* secret */
	EC_POINT *pt = NULL;
	int rc = KENH_E_CRYPTO;

	if (!p256_scalar_is_valid(sk)) return KENH_ERR(KENH_E_VERIFY);
	if ((k = BN_secure_new()) == NULL) goto out;
	BN_set_flags(k, BN_FLG_CONSTTIME);
	if (BN_bin2bn(sk, CRYPTO_P256_SCALAR, k) == NULL) goto out;
	if ((pt = EC_POINT_new(p->p256)) == NULL) goto out;
	if (EC_POINT_mul(p->p256, pt, k, NULL, NULL, NULL) != 1) goto out;
	if (EC_POINT_point2oct(p->p256, pt, POINT_CONVERSION_UNCOMPRESSED, pk, CRYPTO_P256_POINT,
	                       NULL) != CRYPTO_P256_POINT)
		goto out;
	rc = 0;
out:
	BN_clear_free(k);
	EC_POINT_free(pt);
	return rc == 0 ? 0 : KENH_ERR(rc);
}

int crypto_key_pk_from_sk(const struct crypto_provider *p, enum crypto_curve c, const uint8_t *sk,
                          uint8_t *pk)
{
	EVP_PKEY *key = NULL;
	size_t n = CRYPTO_X25519_LEN;
	int rc;

	if (c == CRYPTO_CURVE_P256) {
		rc = p256_pk_from_sk(p, sk, pk);
		goto out;
	}
	/* OpenSSL derives the public key when it imports an X25519 or Ed25519 private key. */
	if ((rc = crypto_key_import_sk(p, c, sk, &key)) != 0) goto out;
	if (EVP_PKEY_get_raw_public_key(key, pk, &n) != 1 || n != CRYPTO_X25519_LEN)
		rc = KENH_ERR(KENH_E_CRYPTO);
out:
	EVP_PKEY_free(key);
	if (rc != 0) crypto_err_drain(p, __func__);
	return rc;
}
