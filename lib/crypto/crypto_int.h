/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Internals of crypto/, shared by its files and included by nothing else
 * (STYLE R13.3). The public algorithm objects of crypto.h are the first
 * member of larger private structs that hold the OpenSSL handles fetched
 * once at crypto_provider_new() (R7.2); the functions of crypto.h recover
 * the private struct with the impl_of_* helpers below. The key helpers
 * convert between our raw serializations (RFC 9180 §7.1.1 SerializePublicKey
 * and SerializePrivateKey, RFC 9420 §5.1.2 signature keys) and EVP_PKEY.
 */
#ifndef KENH_CRYPTO_CRYPTO_INT_H
#define KENH_CRYPTO_CRYPTO_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "crypto/crypto.h"

/* The curves behind the KEMs and signature schemes. */
enum crypto_curve {
	CRYPTO_CURVE_P256 = 0,
	CRYPTO_CURVE_X25519 = 1,
	CRYPTO_CURVE_ED25519 = 2,
};
#define CRYPTO_CURVE_COUNT 3

#define CRYPTO_P256_SCALAR 32 /* big-endian private scalar */
#define CRYPTO_P256_POINT  65 /* 0x04 || x || y, SEC1 §2.3.3 uncompressed */
#define CRYPTO_X25519_LEN  32 /* RFC 7748 §5 keys and output */

struct crypto_kdf_impl {
	struct crypto_kdf pub; /* first member: &impl->pub is what callers hold */
	const struct crypto_provider *prov;
	EVP_MD *md;
	EVP_MAC_CTX *hmac; /* HMAC with md and no key yet: duplicated per call */
};

struct crypto_aead_impl {
	struct crypto_aead pub;
	const struct crypto_provider *prov;
	EVP_CIPHER *cipher;
};

struct crypto_kem_impl {
	struct crypto_kem pub;
	const struct crypto_provider *prov;
	enum crypto_curve curve;
};

struct crypto_sig_impl {
	struct crypto_sig pub;
	const struct crypto_provider *prov;
	enum crypto_curve curve;
	EVP_MD *md; /* the message hash for ECDSA (SHA-256); NULL for Ed25519 */
};

#define CRYPTO_NKDF   2
#define CRYPTO_NAEAD  3
#define CRYPTO_NKEM   2
#define CRYPTO_NSIG   2
#define CRYPTO_NSUITE 3

/*
 * A kenh_ctx belongs to one thread (STYLE R7.4). After crypto_provider_new
 * nothing here changes: the fromdata contexts and HMAC templates are only
 * read (EVP_PKEY_fromdata, EVP_MAC_CTX_dup) by the per-call operations.
 */
struct crypto_provider {
	OSSL_LIB_CTX *libctx;
	OSSL_PROVIDER *deflt;
	const struct kenh_ctx *log_ctx; /* borrowed: the owner, for the debug log */
	/* One EVP_PKEY_fromdata context per curve, initialised once; importing a key is then one call. */
	EVP_PKEY_CTX *fromdata[CRYPTO_CURVE_COUNT];
	struct ec_group_st *p256; /* EC_GROUP: computes a P-256 public key from its scalar */
	struct crypto_kdf_impl kdf[CRYPTO_NKDF];
	struct crypto_aead_impl aead[CRYPTO_NAEAD];
	struct crypto_kem_impl kem[CRYPTO_NKEM];
	struct crypto_sig_impl sig[CRYPTO_NSIG];
	struct crypto_suite suite[CRYPTO_NSUITE];
};

/* The private struct around a public algorithm object (its first member). */
static inline const struct crypto_kdf_impl *impl_of_kdf(const struct crypto_kdf *k)
{
	return (const struct crypto_kdf_impl *)(const void *)k;
}

static inline const struct crypto_aead_impl *impl_of_aead(const struct crypto_aead *a)
{
	return (const struct crypto_aead_impl *)(const void *)a;
}

static inline const struct crypto_kem_impl *impl_of_kem(const struct crypto_kem *k)
{
	return (const struct crypto_kem_impl *)(const void *)k;
}

static inline const struct crypto_sig_impl *impl_of_sig(const struct crypto_sig *s)
{
	return (const struct crypto_sig_impl *)(const void *)s;
}

/*
 * OSSL_PARAM constructors take non-const buffers even where OpenSSL only
 * reads them (set_params, fromdata, derive); the integer round trip drops
 * const without a -Wcast-qual warning.
 */
static inline void *crypto_param_buf(const void *p)
{
	return (void *)(uintptr_t)p;
}

/*
 * Empty the thread's OpenSSL error queue (R3.9), sending each entry to the
 * debug log of p's context with the name of the failing function. p may be
 * NULL (entries are then only dropped). Call it on every error return.
 */
void crypto_err_drain(const struct crypto_provider *p, const char *func);

/*
 * Import a raw private key of curve c (X25519 scalar, Ed25519 seed, P-256
 * big-endian scalar) into a new EVP_PKEY (*out, owned by the caller).
 * KENH_E_VERIFY for a P-256 scalar that is 0 or not below the order;
 * KENH_E_CRYPTO if OpenSSL fails. Wipes its temporaries.
 */
KENH_MUST_CHECK int crypto_key_import_sk(const struct crypto_provider *p, enum crypto_curve c,
                                         const uint8_t *sk, EVP_PKEY **out);

/*
 * Import a raw public key of curve c (32 bytes for X25519/Ed25519, a
 * 65-byte uncompressed point for P-256, which OpenSSL checks is on the
 * curve). KENH_E_VERIFY for a wrong length, a wrong prefix or a point not
 * on the curve.
 */
KENH_MUST_CHECK int crypto_key_import_pk(const struct crypto_provider *p, enum crypto_curve c,
                                         const uint8_t *pk, size_t pklen, EVP_PKEY **out);

/*
 * Fresh key pair of curve c as a new EVP_PKEY (*out, owned by the caller,
 * NULL on failure). KENH_E_CRYPTO if OpenSSL fails.
 */
KENH_MUST_CHECK int crypto_key_generate_pkey(const struct crypto_provider *p, enum crypto_curve c,
                                             EVP_PKEY **out);

/*
 * Raw forms of the key pair in key (borrowed) of curve c: sk (32 bytes),
 * pk (32 or 65 bytes). sk is wiped on failure; KENH_E_CRYPTO if OpenSSL
 * fails.
 */
KENH_MUST_CHECK int crypto_key_export(const struct crypto_provider *p, enum crypto_curve c,
                                      const EVP_PKEY *key, uint8_t *sk, uint8_t *pk);

/* Fresh key pair of curve c in raw form: sk (32 bytes), pk (32 or 65 bytes). */
KENH_MUST_CHECK int crypto_key_generate(const struct crypto_provider *p, enum crypto_curve c,
                                        uint8_t *sk, uint8_t *pk);

/* Raw public key of a raw private key; KENH_E_VERIFY for an invalid P-256 scalar. */
KENH_MUST_CHECK int crypto_key_pk_from_sk(const struct crypto_provider *p, enum crypto_curve c,
                                          const uint8_t *sk, uint8_t *pk);

/* Length of a raw public key of curve c. */
size_t crypto_key_pk_len(enum crypto_curve c);

#endif /* KENH_CRYPTO_CRYPTO_INT_H */
