/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The crypto provider: the only interface to OpenSSL's primitives (DESIGN
 * §4.1, STYLE R7.2). Algorithms are addressed by their registry numbers:
 * HPKE KEM, KDF and AEAD ids (RFC 9180 §7), TLS SignatureScheme values for
 * signatures (RFC 8446 §4.2.3), and MLS cipher suites (RFC 9420 §17.1)
 * which bundle one of each. Every algorithm object is fetched once per
 * kenh_ctx, at kenh_ctx_new(), and lives as long as the context.
 *
 * No primitive is implemented here: this file wraps EVP. Protocols (HPKE's
 * key schedule, DeriveKeyPair, MLS's labelled functions) live in hpke/ and
 * mls/. Every function leaves OpenSSL's error queue empty (R3.9), returns
 * KENH_E_CRYPTO for a library failure, and wipes its temporaries.
 */
#ifndef KENH_CRYPTO_CRYPTO_H
#define KENH_CRYPTO_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"

struct kenh_ctx;
struct crypto_provider;
struct crypto_sig_key;
struct crypto_sig_pub;

/* Upper bounds over every supported algorithm, for fixed-size buffers (R5.1). */
#define CRYPTO_MAX_HASH     64 /* SHA-512 output; SHA-256 is all we use today */
#define CRYPTO_MAX_AEAD_KEY 32
#define CRYPTO_MAX_NONCE    12
#define CRYPTO_MAX_TAG      16
#define CRYPTO_MAX_KEM_SK   32 /* X25519 raw scalar, P-256 big-endian scalar */
#define CRYPTO_MAX_KEM_PK   65 /* P-256 uncompressed point */
#define CRYPTO_MAX_DH       32 /* X25519 output, P-256 x-coordinate */
#define CRYPTO_MAX_SIG_SK   32 /* Ed25519 seed, P-256 scalar */
#define CRYPTO_MAX_SIG_PK   65
#define CRYPTO_MAX_SIG      72 /* DER ECDSA P-256 at most; Ed25519 is 64 */

/* HPKE KEM ids (RFC 9180 §7.1). */
enum crypto_kem_id {
	CRYPTO_KEM_P256_SHA256 = 0x0010,
	CRYPTO_KEM_X25519_SHA256 = 0x0020,
};

/* HPKE KDF ids (RFC 9180 §7.2). */
enum crypto_kdf_id {
	CRYPTO_KDF_HKDF_SHA256 = 0x0001,
	CRYPTO_KDF_HKDF_SHA512 = 0x0003,
};

/* HPKE AEAD ids (RFC 9180 §7.3). 0xFFFF (export-only) is handled in hpke/. */
enum crypto_aead_id {
	CRYPTO_AEAD_AES128GCM = 0x0001,
	CRYPTO_AEAD_AES256GCM = 0x0002,
	CRYPTO_AEAD_CHACHA20POLY1305 = 0x0003,
};

/* TLS SignatureScheme values as MLS uses them (RFC 9420 §5.1.2). */
enum crypto_sig_id {
	CRYPTO_SIG_ECDSA_P256_SHA256 = 0x0403,
	CRYPTO_SIG_ED25519 = 0x0807,
};

/*
 * Each algorithm object exposes its id and sizes; the OpenSSL handles behind
 * it are private to crypto/. Pointers returned by the _get functions stay
 * valid until the kenh_ctx is freed.
 */
struct crypto_kdf {
	uint16_t id;
	size_t nh; /* hash and HMAC output length, HKDF-Extract output length */
};

struct crypto_aead {
	uint16_t id;
	size_t nk; /* key length */
	size_t nn; /* nonce length */
	size_t nt; /* tag length */
};

struct crypto_kem {
	uint16_t id;
	size_t nsk;      /* serialized private key length */
	size_t npk;      /* serialized public key length (= Nenc for DHKEM) */
	size_t ndh;      /* DH output length */
	uint8_t bitmask; /* RFC 9180 §7.1.3 DeriveKeyPair mask; 0 for X25519 (no loop) */
	uint16_t kdf_id; /* the KDF inside the DHKEM (HKDF-SHA256 for both) */
};

struct crypto_sig {
	uint16_t id;
	size_t nsk;     /* private key length (Ed25519 seed, P-256 scalar) */
	size_t npk;     /* public key length (raw Ed25519 key, uncompressed point) */
	size_t max_sig; /* largest signature */
};

/* An MLS cipher suite (RFC 9420 §17.1): the four algorithms it names. */
struct crypto_suite {
	uint16_t id;
	const struct crypto_kem *kem;
	const struct crypto_kdf *kdf;
	const struct crypto_aead *aead;
	const struct crypto_sig *sig;
};

/*
 * Setup, called by kenh_ctx_new()/kenh_ctx_free() only: create the OpenSSL
 * library context and fetch every algorithm. *out is NULL on failure.
 */
KENH_MUST_CHECK int crypto_provider_new(struct crypto_provider **out);
void crypto_provider_free(struct crypto_provider *p);

/* Look-ups; NULL when the id is not supported (a "not found" result, R3.4). */
const struct crypto_kdf *crypto_kdf_get(const struct kenh_ctx *ctx, uint16_t kdf_id);
const struct crypto_aead *crypto_aead_get(const struct kenh_ctx *ctx, uint16_t aead_id);
const struct crypto_kem *crypto_kem_get(const struct kenh_ctx *ctx, uint16_t kem_id);
const struct crypto_sig *crypto_sig_get(const struct kenh_ctx *ctx, uint16_t sig_id);
/* MLS suites 1, 2 and 3 (RFC 9420 §17.1); NULL for any other. */
const struct crypto_suite *crypto_suite_get(const struct kenh_ctx *ctx, uint16_t suite_id);

/* Hash of the KDF's hash function: out receives kdf->nh bytes. */
KENH_MUST_CHECK int crypto_hash(const struct crypto_kdf *kdf, const uint8_t *in, size_t len,
                                uint8_t *out);

/* Hash of the concatenation a || b, without building it (transcript hashes). */
KENH_MUST_CHECK int crypto_hash2(const struct crypto_kdf *kdf, const uint8_t *a, size_t alen,
                                 const uint8_t *b, size_t blen, uint8_t *out);

/*
 * HMAC with the KDF's hash: out receives kdf->nh bytes (wiped on failure).
 * KENH_E_INVALID_ARG if keylen > INT_MAX (OpenSSL's limit).
 */
KENH_MUST_CHECK int crypto_hmac(const struct crypto_kdf *kdf, const uint8_t *key, size_t keylen,
                                const uint8_t *data, size_t len, uint8_t *out);

/* HKDF-Extract (RFC 5869 §2.2); an empty salt means nh zero bytes. out: nh bytes. */
KENH_MUST_CHECK int crypto_hkdf_extract(const struct crypto_kdf *kdf, const uint8_t *salt,
                                        size_t saltlen, const uint8_t *ikm, size_t ikmlen,
                                        uint8_t *out);

/*
 * HKDF-Expand (RFC 5869 §2.3); KENH_E_INVALID_ARG if outlen > 255 * nh or 0.
 * out is wiped on failure; the intermediate blocks are wiped always.
 */
KENH_MUST_CHECK int crypto_hkdf_expand(const struct crypto_kdf *kdf, const uint8_t *prk,
                                       size_t prklen, const uint8_t *info, size_t infolen,
                                       uint8_t *out, size_t outlen);

/*
 * AEAD seal: out receives ptlen + nt bytes (ciphertext then tag). out may
 * equal pt. KENH_E_INVALID_ARG if keylen != nk or noncelen != nn;
 * KENH_E_TOO_LARGE if aadlen or ptlen exceeds INT_MAX (EVP counts in int).
 */
KENH_MUST_CHECK int crypto_aead_seal(const struct crypto_aead *aead, const uint8_t *key,
                                     size_t keylen, const uint8_t *nonce, size_t noncelen,
                                     const uint8_t *aad, size_t aadlen, const uint8_t *pt,
                                     size_t ptlen, uint8_t *out);

/*
 * AEAD open: ct is ciphertext || tag (ctlen >= nt); out receives ctlen - nt
 * bytes, and is wiped if the tag does not verify (R5.5). out may equal ct.
 * Returns KENH_E_DECRYPT for any authentication failure, including ctlen < nt;
 * KENH_E_INVALID_ARG and KENH_E_TOO_LARGE as crypto_aead_seal.
 */
KENH_MUST_CHECK int crypto_aead_open(const struct crypto_aead *aead, const uint8_t *key,
                                     size_t keylen, const uint8_t *nonce, size_t noncelen,
                                     const uint8_t *aad, size_t aadlen, const uint8_t *ct,
                                     size_t ctlen, uint8_t *out);

/* Fresh KEM key pair: sk (nsk bytes), pk (npk bytes). */
KENH_MUST_CHECK int crypto_kem_keygen(const struct crypto_kem *kem, uint8_t *sk, uint8_t *pk);

/*
 * Public key of a serialized private key. For P-256, KENH_E_VERIFY if the
 * scalar is 0 or not below the group order (RFC 9180 §7.1.3 needs this test
 * for its rejection loop); X25519 accepts any 32 bytes (it clamps).
 */
KENH_MUST_CHECK int crypto_kem_pk_from_sk(const struct crypto_kem *kem, const uint8_t *sk,
                                          uint8_t *pk);

/*
 * Check a serialized public key: exactly npk bytes; for P-256 an uncompressed
 * point on the curve, not the identity. KENH_E_VERIFY if not.
 */
KENH_MUST_CHECK int crypto_kem_check_pk(const struct crypto_kem *kem, const uint8_t *pk,
                                        size_t pklen);

/*
 * DH(sk, pk) as RFC 9180 §4.1 uses it: out receives ndh bytes (zeroed first,
 * written only on success). pk is checked as by crypto_kem_check_pk. An
 * all-zero X25519 result is rejected (RFC 9180 §7.1.4), returning
 * KENH_E_VERIFY, as is any invalid peer key or an invalid P-256 scalar.
 */
KENH_MUST_CHECK int crypto_kem_dh(const struct crypto_kem *kem, const uint8_t *sk,
                                  const uint8_t *pk, size_t pklen, uint8_t *out);

/*
 * GenerateKeyPair followed by DH with it, as RFC 9180 §4.1 Encap begins: a
 * fresh key pair, sk_out (nsk bytes) and pk_out (npk bytes), and dh_out =
 * DH(sk_out, pk_peer) (ndh bytes), equal to what crypto_kem_dh(kem, sk_out,
 * pk_peer, pklen) returns. Cheaper than crypto_kem_keygen then crypto_kem_dh:
 * the DH uses the generated key as OpenSSL holds it instead of importing its
 * raw bytes again (which, for X25519, recomputes the public key). pk_peer
 * (borrowed) is checked as by crypto_kem_check_pk before any key is
 * generated; an invalid peer key and an all-zero X25519 output (RFC 9180
 * §7.1.4) return KENH_E_VERIFY; KENH_E_CRYPTO if OpenSSL fails. All three
 * outputs are zeroed at entry and are all zero again after any failure; the
 * temporaries, including the private key inside OpenSSL, are wiped.
 */
KENH_MUST_CHECK int crypto_kem_keygen_dh(const struct crypto_kem *kem, const uint8_t *pk_peer,
                                         size_t pklen, uint8_t *sk_out, uint8_t *pk_out,
                                         uint8_t *dh_out);

/* Fresh signature key pair: sk (nsk bytes), pk (npk bytes). */
KENH_MUST_CHECK int crypto_sig_keygen(const struct crypto_sig *sig, uint8_t *sk, uint8_t *pk);

/* Public key of a private key; KENH_E_VERIFY for an invalid P-256 scalar. */
KENH_MUST_CHECK int crypto_sig_pk_from_sk(const struct crypto_sig *sig, const uint8_t *sk,
                                          uint8_t *pk);

/*
 * Sign msg (Ed25519 pure, or ECDSA-P256 over SHA-256 with a DER signature as
 * MLS requires, RFC 9420 §5.1.2). out has room for max_sig; *outlen is set
 * (0 on failure, when out is zeroed too). KENH_E_VERIFY for an invalid
 * P-256 scalar. One-shot: it imports sk on each call (see crypto_sig_key).
 */
KENH_MUST_CHECK int crypto_sig_sign(const struct crypto_sig *sig, const uint8_t *sk,
                                    const uint8_t *msg, size_t len, uint8_t *out, size_t *outlen);

/*
 * Key objects, for a signer or verifier that uses one key many times (an
 * MLS member's own leaf key; a peer's key across its messages). The one-
 * shot crypto_sig_sign and crypto_sig_verify import the raw key on every
 * call (for a private key the import derives the public key, which costs
 * as much as a signature) and initialise an OpenSSL operation, which
 * fetches the algorithm by name. A key object does both once; each use
 * copies the prepared operation. The objects borrow sig (valid as long as
 * the kenh_ctx), belong to one thread like everything of a kenh_ctx, and
 * are never serialized: keep the raw key and rebuild them.
 *
 * crypto_sig_key_new: a private key (secret inside). *out is NULL on
 * failure; KENH_E_VERIFY for an invalid P-256 scalar, KENH_E_NOMEM,
 * KENH_E_CRYPTO. crypto_sig_key_free wipes the key and frees (NULL
 * allowed).
 */
KENH_MUST_CHECK int crypto_sig_key_new(const struct crypto_sig *sig, const uint8_t *sk,
                                       struct crypto_sig_key **out);
void crypto_sig_key_free(struct crypto_sig_key *k);

/* The algorithm a private key object belongs to. */
const struct crypto_sig *crypto_sig_key_alg(const struct crypto_sig_key *k);

/*
 * crypto_sig_sign with a key object: the same signature bytes for Ed25519
 * (deterministic), an equally valid one for ECDSA. out has room for
 * max_sig; on failure it is zeroed and *outlen is 0.
 */
KENH_MUST_CHECK int crypto_sig_sign_key(const struct crypto_sig_key *k, const uint8_t *msg,
                                        size_t len, uint8_t *out, size_t *outlen);

/*
 * crypto_sig_pub_new: a public key, checked as crypto_sig_verify checks it
 * (KENH_E_VERIFY for a wrong length or a point not on the curve); *out is
 * NULL on failure. crypto_sig_pub_free frees (NULL allowed).
 */
KENH_MUST_CHECK int crypto_sig_pub_new(const struct crypto_sig *sig, const uint8_t *pk,
                                       size_t pklen, struct crypto_sig_pub **out);
void crypto_sig_pub_free(struct crypto_sig_pub *k);

/* The algorithm a public key object belongs to. */
const struct crypto_sig *crypto_sig_pub_alg(const struct crypto_sig_pub *k);

/* crypto_sig_verify with a public key object: the same answers. */
KENH_MUST_CHECK int crypto_sig_verify_pub(const struct crypto_sig_pub *k, const uint8_t *msg,
                                          size_t len, const uint8_t *sigbytes, size_t siglen);

/*
 * Verify: 0 if valid, KENH_E_VERIFY for a bad signature or an invalid public
 * key (wrong length, not on the curve). ECDSA signatures must be strict DER.
 */
KENH_MUST_CHECK int crypto_sig_verify(const struct crypto_sig *sig, const uint8_t *pk, size_t pklen,
                                      const uint8_t *msg, size_t len, const uint8_t *sigbytes,
                                      size_t siglen);

/* Fill buf with len bytes from the context's CSPRNG. */
KENH_MUST_CHECK int crypto_random(const struct kenh_ctx *ctx, uint8_t *buf, size_t len);

/* Constant-time equality of two len-byte buffers (CRYPTO_memcmp), R5.4. */
bool crypto_ct_eq(const uint8_t *a, const uint8_t *b, size_t len);

#endif /* KENH_CRYPTO_CRYPTO_H */
