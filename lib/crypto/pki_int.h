/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Internals shared by the pki_*.c files of crypto/ (and tlsclient.c, for the
 * client key and the library context) and included by nothing
 * else (STYLE R13.3): the OpenSSL-typed helpers behind pki.h. Key
 * conversion between crypto_sig_* raw bytes and EVP_PKEY, DER parsing with
 * the provider's library context, serials and times, the profile reader of
 * docs/pki.md, and the inside of the trust store (the wipe-order check
 * walks it too).
 */
#ifndef KENH_CRYPTO_PKI_INT_H
#define KENH_CRYPTO_PKI_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "crypto/pki.h"

struct kenh_ctx;
struct X509_req_st;

/* OID arc for Kenh (ITU-T X.667 UUID arc 3da7ed91-2333-4e40-a9b5-3f875dee8fb8). */
#define CRYPTO_PKI_OID_ARC     "2.25.81954839748308814573269708383347183544"
#define CRYPTO_PKI_OID_BINDING CRYPTO_PKI_OID_ARC ".1"
#define CRYPTO_PKI_OID_RENEWAL CRYPTO_PKI_OID_ARC ".2"

/* Fixed common names of the CA profiles (docs/pki.md). */
#define CRYPTO_PKI_CN_ROOT "Kenh root CA"
#define CRYPTO_PKI_CN_UNIT "Kenh unit CA"

/* Largest identity URI: "kenh:device/" unit "/" user "/" device. */
#define CRYPTO_PKI_MAX_URI                                                                         \
	(12 + CRYPTO_PKI_MAX_UNIT + 1 + CRYPTO_PKI_MAX_USER + 1 + CRYPTO_PKI_MAX_DEVICE)

#define CRYPTO_PKI_KEY_ID_LEN 20            /* subject/authority key identifiers */
#define CRYPTO_PKI_MAX_TIME   253402300799u /* 9999-12-31T23:59:59Z, RFC 5280 §4.1.2.5 */

/* Empty OpenSSL's error queue into ctx's debug log (R3.9). */
void crypto_pki_drain(const struct kenh_ctx *ctx, const char *func);

/* The provider's library context and property query. */
OSSL_LIB_CTX *crypto_pki_libctx(const struct kenh_ctx *ctx);

/* A private key as an EVP_PKEY (*out owned by the caller). */
KENH_MUST_CHECK int crypto_pki_pkey_sk(const struct kenh_ctx *ctx, const struct crypto_sigkey *k,
                                       EVP_PKEY **out);

/* A raw public key of scheme sig_id as an EVP_PKEY. KENH_E_VERIFY for an invalid key. */
KENH_MUST_CHECK int crypto_pki_pkey_pk(const struct kenh_ctx *ctx, uint16_t sig_id,
                                       const uint8_t *pk, size_t pklen, EVP_PKEY **out);

/*
 * The raw form of a public key: Ed25519 (32 bytes) or P-256 (65-byte
 * uncompressed point). KENH_E_UNSUPPORTED for any other key type or curve.
 * pk has room for CRYPTO_MAX_SIG_PK bytes.
 */
KENH_MUST_CHECK int crypto_pki_pkey_raw(const EVP_PKEY *pkey, uint16_t *sig_id, uint8_t *pk,
                                        size_t *pklen);

/*
 * A digest-sign context for key k, ready for X509_sign_ctx and its
 * siblings: pure Ed25519, or ECDSA with SHA-256.
 */
KENH_MUST_CHECK int crypto_pki_signer_new(const struct kenh_ctx *ctx, const struct crypto_sigkey *k,
                                          EVP_MD_CTX **out);

/* True if nid is a signature algorithm we accept on certificates, requests and CRLs. */
bool crypto_pki_sig_nid_ok(int nid);

/* Parse exactly len bytes of DER (no trailing bytes) into an X509 of ctx's library context. */
KENH_MUST_CHECK int crypto_pki_x509_parse(const struct kenh_ctx *ctx, const uint8_t *der,
                                          size_t len, X509 **out);

/* The profile reader behind crypto_cert_parse (docs/pki.md "Certificate profiles"). */
KENH_MUST_CHECK int crypto_pki_x509_info(const struct kenh_ctx *ctx, X509 *x,
                                         struct crypto_cert_info *out);

/* An ASN1_TIME as Unix seconds; KENH_E_PARSE before 1970 or unreadable. */
KENH_MUST_CHECK int crypto_pki_time_get(const ASN1_TIME *t, uint64_t *out);
/* A new ASN1_TIME for Unix seconds (UTCTime before 2050, else GeneralizedTime). */
KENH_MUST_CHECK int crypto_pki_time_new(uint64_t v, ASN1_TIME **out);

/* Serial conversions. KENH_E_PARSE for zero, negative or longer than 20 bytes. */
KENH_MUST_CHECK int crypto_pki_serial_get(const ASN1_INTEGER *ai, struct crypto_serial *out);
KENH_MUST_CHECK int crypto_pki_serial_asn1(const struct crypto_serial *s, ASN1_INTEGER **out);
/* A fresh random 128-bit positive serial. */
KENH_MUST_CHECK int crypto_pki_serial_random(const struct kenh_ctx *ctx, struct crypto_serial *out);

/* Build the subject name of a profile (docs/pki.md); KENH_E_INVALID_ARG on a bad name. */
KENH_MUST_CHECK int crypto_pki_name_build(const struct crypto_cert_info *id, X509_NAME **out);

/*
 * Read a subject name against its profile into id (kind already set, and
 * for a unit CA or device the unit/user/device from the URI, which the
 * name must repeat exactly). Fills id->org. KENH_E_PARSE on any mismatch.
 */
KENH_MUST_CHECK int crypto_pki_name_check(const X509_NAME *name, struct crypto_cert_info *id);

/* The subject of a certificate request: OU=unit, CN=user (docs/pki.md "Request binding"). */
KENH_MUST_CHECK int crypto_pki_name_build_csr(const char *unit, const char *user, X509_NAME **out);
/* Read it back; KENH_E_PARSE unless it is exactly that form with valid names. */
KENH_MUST_CHECK int crypto_pki_name_check_csr(const X509_NAME *name,
                                              char unit[static CRYPTO_PKI_MAX_UNIT + 1],
                                              char user[static CRYPTO_PKI_MAX_USER + 1]);

/*
 * Certificate requests (pki_enroll.c, shared with pki_renew.c): sign req
 * with key and encode it (*out, mem_free); parse exactly len bytes of DER
 * (KENH_E_TOO_LARGE over CRYPTO_PKI_MAX_CSR_DER, KENH_E_PARSE); check the
 * version, the signature algorithm and the self-signature (proof of
 * possession, KENH_E_VERIFY) and return the request's key. (X509_REQ is
 * struct X509_req_st; openssl/types.h does not name it.)
 */
KENH_MUST_CHECK int crypto_pki_req_sign_encode(const struct kenh_ctx *ctx, struct X509_req_st *req,
                                               const struct crypto_sigkey *key, uint8_t **out,
                                               size_t *outlen);
KENH_MUST_CHECK int crypto_pki_req_parse(const struct kenh_ctx *ctx, const uint8_t *der, size_t len,
                                         struct X509_req_st **out);
KENH_MUST_CHECK int crypto_pki_req_check_key(struct X509_req_st *req, uint16_t *sig_id,
                                             uint8_t pk[static CRYPTO_MAX_SIG_PK], size_t *pklen);

/* The OU of a name if it is a valid unit path, else "" (for CRL issuers). */
void crypto_pki_name_unit(const X509_NAME *name, char out[static CRYPTO_PKI_MAX_UNIT + 1]);

/*
 * Base32 (RFC 4648 §6 bit order, no padding characters) of inlen bytes into
 * nchars characters of alphabet (32 symbols), zero bits past the input.
 */
void crypto_pki_base32(const uint8_t *in, size_t inlen, const char *alphabet, char *out,
                       size_t nchars);

/* The identity URI of a unit CA or device (docs/pki.md). out: CRYPTO_PKI_MAX_URI + 1 bytes. */
KENH_MUST_CHECK int crypto_pki_uri_make(const struct crypto_cert_info *id, char *out,
                                        size_t outlen);

/*
 * Parse an identity URI into kind, unit, user and device. KENH_E_PARSE if
 * it is not exactly one of the two forms with valid names.
 */
KENH_MUST_CHECK int crypto_pki_uri_parse(const char *uri, size_t len, struct crypto_cert_info *id);

/* The key identifier of a certificate's public key: SHA-256 of the key bits, first 20 bytes. */
KENH_MUST_CHECK int crypto_pki_key_id(const struct kenh_ctx *ctx, const X509 *x,
                                      uint8_t out[static CRYPTO_PKI_KEY_ID_LEN]);

/* A CA held by a trust store. */
struct crypto_pki_ca {
	X509 *x;
	struct crypto_cert_info info;
	uint8_t hash[32]; /* SHA-256 of the DER: the wipe order's signer id */
};

/* A parsed CRL (pki_crl.c); the trust store keeps them. */
struct crypto_crl {
	const struct kenh_ctx *ctx;
	X509_CRL *crl;
	struct crypto_crl_meta meta;
};

struct crypto_trust {
	const struct kenh_ctx *ctx;
	struct crypto_pki_ca root;
	struct crypto_pki_ca *cas;
	size_t ncas;
	struct crypto_crl **crls;
	size_t ncrls;
};

/*
 * Validate the path from x (already parsed, with its profile in info) to
 * the root at time now; used for device certificates, unit CAs, and wipe
 * order signers.
 */
KENH_MUST_CHECK int crypto_pki_trust_path(const struct crypto_trust *t, X509 *x,
                                          const struct crypto_cert_info *info, uint64_t now);

#endif /* KENH_CRYPTO_PKI_INT_H */
