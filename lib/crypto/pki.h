/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The organization's PKI (DESIGN §6): X.509 certificates (RFC 5280) for the
 * root CA, unit CAs and devices, certificate requests (RFC 2986) carrying an
 * enrollment-code binding, CRLs (RFC 5280 §5), chain validation with the
 * unit-subtree rule, and signed wipe orders. docs/pki.md describes every
 * profile and format; this header is the interface the admin tool, the
 * relay and the client call.
 *
 * No OpenSSL type crosses this header: certificates, requests and CRLs go
 * in and out as DER bytes, keys as the raw bytes of crypto.h's crypto_sig_*
 * (the device key is the device's MLS signature key and its TLS client
 * key), and the two parsed objects that callers keep (a CRL, a trust store)
 * are opaque. Times are Unix seconds (uint64_t) and are always passed in,
 * never read from the clock, so tests can place "now" anywhere.
 */
#ifndef KENH_CRYPTO_PKI_H
#define KENH_CRYPTO_PKI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "kenh/err.h"
#include "util/util.h"

struct kenh_ctx;

/*
 * Name limits (docs/pki.md "Identity encoding"); the buffers below hold
 * them plus a NUL. The organization, unit path and user travel in O, OU and CN, whose upper
 * bounds are 64 characters (RFC 5280 Appendix A.1, ub-organization-name,
 * ub-organizational-unit-name, ub-common-name); we count bytes, which is
 * stricter for UTF-8.
 */
#define CRYPTO_PKI_MAX_ORG        64 /* bytes of UTF-8 */
#define CRYPTO_PKI_MAX_UNIT       64 /* whole unit path */
#define CRYPTO_PKI_MAX_UNIT_DEPTH 8  /* segments in a unit path */
#define CRYPTO_PKI_MAX_SEGMENT    32 /* bytes in one segment */
#define CRYPTO_PKI_MAX_USER       64
#define CRYPTO_PKI_MAX_DEVICE     32
#define CRYPTO_PKI_DEVICE_ID_LEN  16 /* ids made by crypto_device_id_make */

/* Size limits on inputs, checked before any parsing (STYLE R6.3). */
#define CRYPTO_PKI_MAX_CERT_DER (16 * 1024)
#define CRYPTO_PKI_MAX_CSR_DER  (8 * 1024)
#define CRYPTO_PKI_MAX_CRL_DER  (4 * 1024 * 1024)
/* Unit CAs between the root and a device: each is strictly deeper than its issuer. */
#define CRYPTO_PKI_MAX_CHAIN CRYPTO_PKI_MAX_UNIT_DEPTH
#define CRYPTO_PKI_MAX_TRUST 4096 /* unit CAs, and CRLs, in one trust store */

#define CRYPTO_PKI_SERIAL_MAX     20 /* RFC 5280 §4.1.2.2 */
#define CRYPTO_PKI_SERIAL_RANDOM  16 /* 128 random bits per new serial */
#define CRYPTO_PKI_DEVICE_DAYS    90
#define CRYPTO_PKI_DAY            86400u
#define CRYPTO_ENROLL_CODE_LEN    16 /* secret bytes of an enrollment code */
#define CRYPTO_ENROLL_KEY_LEN     32 /* Ed25519 public key derived from a code */
#define CRYPTO_ENROLL_CODE_TEXT   40 /* room for the printed form and its NUL */
#define CRYPTO_WIPE_NONCE_LEN     16
#define CRYPTO_WIPE_SIGNER_ID_LEN 32

/* A signature key pair in crypto_sig_* form: the device key, a CA key. */
struct crypto_sigkey {
	uint16_t sig_id; /* enum crypto_sig_id */
	size_t sklen;
	size_t pklen;
	uint8_t sk[CRYPTO_MAX_SIG_SK]; /* secret */
	uint8_t pk[CRYPTO_MAX_SIG_PK];
};

/* A certificate serial number: big-endian, minimal, positive. */
struct crypto_serial {
	size_t len;
	uint8_t b[CRYPTO_PKI_SERIAL_MAX];
};

enum crypto_cert_kind {
	CRYPTO_CERT_ROOT = 1,
	CRYPTO_CERT_UNIT = 2,
	CRYPTO_CERT_DEVICE = 3,
};

/*
 * What a certificate says, as crypto_cert_parse() and the chain validation
 * read it. Strings are NUL-terminated; fields a kind does not have are "".
 */
struct crypto_cert_info {
	enum crypto_cert_kind kind;
	char org[CRYPTO_PKI_MAX_ORG + 1];
	char unit[CRYPTO_PKI_MAX_UNIT + 1];
	char user[CRYPTO_PKI_MAX_USER + 1];
	char device[CRYPTO_PKI_MAX_DEVICE + 1];
	char issuer[CRYPTO_PKI_MAX_UNIT + 1]; /* the issuer's unit path; "" if it is the root */
	struct crypto_serial serial;
	uint64_t not_before;
	uint64_t not_after;
	uint16_t sig_id; /* scheme of the subject's key */
	size_t pklen;
	uint8_t pk[CRYPTO_MAX_SIG_PK];
};

/* ---- keys ---- */

/* Fresh key pair for sig_id (CRYPTO_SIG_ED25519 or CRYPTO_SIG_ECDSA_P256_SHA256). */
KENH_MUST_CHECK int crypto_sigkey_generate(const struct kenh_ctx *ctx, uint16_t sig_id,
                                           struct crypto_sigkey *out);

/*
 * Rebuild a key pair from its private bytes (e.g. read from a key file):
 * computes the public key. KENH_E_INVALID_ARG for a wrong length,
 * KENH_E_UNSUPPORTED for an unknown scheme, KENH_E_VERIFY for an invalid
 * P-256 scalar. out is wiped on failure.
 */
KENH_MUST_CHECK int crypto_sigkey_from_sk(const struct kenh_ctx *ctx, uint16_t sig_id,
                                          const uint8_t *sk, size_t sklen,
                                          struct crypto_sigkey *out);

/* Wipe a key pair (R5.8: all zeros afterwards). k may be NULL. */
void crypto_sigkey_clear(struct crypto_sigkey *k);

/* The signature scheme of MLS cipher suite 1, 2 or 3; 0 for any other suite. */
uint16_t crypto_pki_suite_sig(uint16_t suite);

/* ---- names (docs/pki.md "Identity encoding") ---- */

/* Lowercase [a-z0-9-] segments joined by '/', no empty segment, no '-' at a segment's ends. */
bool crypto_unit_path_is_valid(const char *path);
/* True if child equals parent or lies under it, on a segment boundary. */
bool crypto_unit_path_contains(const char *parent, const char *child);
/* [a-z0-9][a-z0-9._-]*, at most CRYPTO_PKI_MAX_USER bytes. */
bool crypto_user_is_valid(const char *user);
/* [a-z0-9][a-z0-9-]*, at most CRYPTO_PKI_MAX_DEVICE bytes. */
bool crypto_device_id_is_valid(const char *device);
/* Valid UTF-8 without control characters, 1..CRYPTO_PKI_MAX_ORG bytes, no edge spaces. */
bool crypto_org_is_valid(const char *org);

/*
 * The device id the authority gives a device key: 16 lowercase base32
 * characters of SHA-256("kenh device id v1" || sig_id || pk). out has room
 * for CRYPTO_PKI_DEVICE_ID_LEN + 1 bytes.
 */
KENH_MUST_CHECK int crypto_device_id_make(const struct kenh_ctx *ctx, uint16_t sig_id,
                                          const uint8_t *pk, size_t pklen,
                                          char out[static CRYPTO_PKI_DEVICE_ID_LEN + 1]);

/* ---- certificates ---- */

/* An issuing CA: its certificate (DER) and key. cert.len == 0 means "self-signed root". */
struct crypto_issuer {
	struct kenh_span cert;
	const struct crypto_sigkey *key;
};

/* What to issue. Strings are borrowed for the call. */
struct crypto_cert_template {
	enum crypto_cert_kind kind;
	const char *org;    /* CRYPTO_CERT_ROOT only; others take the issuer's */
	const char *unit;   /* CRYPTO_CERT_UNIT and CRYPTO_CERT_DEVICE */
	const char *user;   /* CRYPTO_CERT_DEVICE */
	const char *device; /* CRYPTO_CERT_DEVICE */
	uint16_t sig_id;    /* subject key; ignored for a root (the issuer key is the subject) */
	const uint8_t *pk;
	size_t pklen;
	uint64_t not_before;
	uint64_t lifetime; /* seconds; clamped so the certificate ends no later than its issuer */
};

/*
 * Issue a certificate with a fresh random 128-bit serial. The rules of
 * docs/pki.md "Issuing" are enforced here: a root is self-signed; a unit CA
 * or device certificate is signed by the root or by a unit CA, and a unit
 * CA may only issue inside its own subtree (a device at or under its path,
 * a unit CA strictly under it): KENH_E_PERM otherwise. The issuer key must
 * match the issuer certificate (KENH_E_INVALID_ARG). Names are validated
 * (KENH_E_INVALID_ARG). On success *out (mem_free) holds the DER.
 */
KENH_MUST_CHECK int crypto_cert_issue(const struct kenh_ctx *ctx, const struct crypto_issuer *iss,
                                      const struct crypto_cert_template *t, uint8_t **out,
                                      size_t *outlen);

/*
 * Parse one certificate and check it against its profile (docs/pki.md),
 * without any signature or time check. KENH_E_PARSE for bad DER, trailing
 * bytes, or a certificate that fits no Kenh profile; KENH_E_TOO_LARGE over
 * CRYPTO_PKI_MAX_CERT_DER; KENH_E_UNSUPPORTED for another key or signature
 * algorithm.
 */
KENH_MUST_CHECK int crypto_cert_parse(const struct kenh_ctx *ctx, const uint8_t *der, size_t len,
                                      struct crypto_cert_info *out);

/* Lowercase hex of a serial into out (2 * CRYPTO_PKI_SERIAL_MAX + 1 bytes). */
void crypto_serial_hex(const struct crypto_serial *s, char *out, size_t outlen);
/* Parse hex (as printed above); KENH_E_PARSE if not 1..20 bytes of hex or zero. */
KENH_MUST_CHECK int crypto_serial_from_hex(const char *hex, struct crypto_serial *out);
/* True if a and b are the same serial (both in minimal form). */
bool crypto_serial_eq(const struct crypto_serial *a, const struct crypto_serial *b);

/* ---- enrollment codes and certificate requests ---- */

/*
 * The printed form of a code: Crockford base32 of the 16 secret bytes and a
 * check byte, in groups of four ("XXXX-XXXX-..."). out: CRYPTO_ENROLL_CODE_TEXT bytes.
 */
KENH_MUST_CHECK int crypto_enroll_code_format(const struct kenh_ctx *ctx,
                                              const uint8_t code[static CRYPTO_ENROLL_CODE_LEN],
                                              char *out, size_t outlen);

/*
 * Parse a typed code (case, '-' and spaces ignored; I/L read as 1, O as 0).
 * KENH_E_PARSE for a wrong length or a character outside the alphabet,
 * KENH_E_VERIFY when the check byte does not match (a typing mistake).
 */
KENH_MUST_CHECK int crypto_enroll_code_parse(const struct kenh_ctx *ctx, const char *text,
                                             uint8_t code[static CRYPTO_ENROLL_CODE_LEN]);

/*
 * The public key that stands for a code on the authority's side: Ed25519
 * whose seed is HKDF-SHA256(salt "kenh enroll v1", code, "binding key").
 * The authority stores only this; the code cannot be recovered from it.
 */
KENH_MUST_CHECK int crypto_enroll_code_key(const struct kenh_ctx *ctx,
                                           const uint8_t code[static CRYPTO_ENROLL_CODE_LEN],
                                           uint8_t pk[static CRYPTO_ENROLL_KEY_LEN]);

/* The device's claim in a request: who it says it is, and its code (borrowed). */
struct crypto_enroll_claim {
	const char *user;
	const char *unit;
	const uint8_t *code; /* CRYPTO_ENROLL_CODE_LEN bytes, secret */
};

/*
 * Device side: a certificate request signed with the device's own key,
 * naming the claimed user and unit, with the binding attribute
 * (docs/pki.md "Request binding"): the code-derived key's signature over
 * the claim and the hash of the request's public key. The code itself is
 * not in the request. *out (mem_free) holds the DER. Wipes what it derived.
 */
KENH_MUST_CHECK int crypto_csr_create(const struct kenh_ctx *ctx, const struct crypto_sigkey *key,
                                      const struct crypto_enroll_claim *claim, uint8_t **out,
                                      size_t *outlen);

/* What a verified request says. */
struct crypto_csr_info {
	char user[CRYPTO_PKI_MAX_USER + 1];
	char unit[CRYPTO_PKI_MAX_UNIT + 1];
	uint16_t sig_id;
	size_t pklen;
	uint8_t pk[CRYPTO_MAX_SIG_PK];
	uint8_t code_key[CRYPTO_ENROLL_KEY_LEN]; /* which code it claims to know */
	uint8_t id[32];                          /* SHA-256 of the request DER */
};

/*
 * Authority side: parse a request, check its self-signature (proof of
 * possession) and the binding signature under the code key it names. The
 * caller must then find that code key among its unused, unexpired codes
 * and compare user and unit. KENH_E_PARSE / KENH_E_TOO_LARGE for malformed
 * input, KENH_E_VERIFY for a bad signature or binding.
 */
KENH_MUST_CHECK int crypto_csr_verify(const struct kenh_ctx *ctx, const uint8_t *der, size_t len,
                                      struct crypto_csr_info *out);

/* ---- renewal requests (docs/pki.md "Renewal request") ---- */

/* Who asks for a renewal: the identity and serial of its current certificate (borrowed). */
struct crypto_renew_claim {
	const char *unit;
	const char *user;
	const char *device;
	const struct crypto_serial *serial;
};

/*
 * Device side: a certificate request for the device's current key, signed
 * with it, naming its unit and user (as an enrollment request does) and
 * carrying the renewal attribute: the device id and the serial of the
 * certificate it renews, instead of a code binding. *out (mem_free) holds
 * the DER. KENH_E_INVALID_ARG for an invalid name or serial.
 */
KENH_MUST_CHECK int crypto_renew_csr_create(const struct kenh_ctx *ctx,
                                            const struct crypto_sigkey *key,
                                            const struct crypto_renew_claim *claim, uint8_t **out,
                                            size_t *outlen);

/* What a verified renewal request says. */
struct crypto_renew_info {
	char user[CRYPTO_PKI_MAX_USER + 1];
	char unit[CRYPTO_PKI_MAX_UNIT + 1];
	char device[CRYPTO_PKI_MAX_DEVICE + 1];
	struct crypto_serial serial; /* of the certificate it renews */
	uint16_t sig_id;
	size_t pklen;
	uint8_t pk[CRYPTO_MAX_SIG_PK];
	uint8_t id[32]; /* SHA-256 of the request DER */
};

/*
 * Parse a renewal request and check its self-signature (proof of
 * possession of the key it carries) and its one attribute. The caller
 * compares the claim with the certificate it renews (same key, same
 * identity). KENH_E_PARSE / KENH_E_TOO_LARGE for malformed input (an
 * enrollment request is PARSE here, and a renewal request is PARSE for
 * crypto_csr_verify), KENH_E_VERIFY for a bad signature.
 */
KENH_MUST_CHECK int crypto_renew_csr_verify(const struct kenh_ctx *ctx, const uint8_t *der,
                                            size_t len, struct crypto_renew_info *out);

/* ---- CRLs ---- */

/* RFC 5280 §5.3.1 reason codes we write. */
enum crypto_crl_reason {
	CRYPTO_CRL_UNSPECIFIED = 0,
	CRYPTO_CRL_KEY_COMPROMISE = 1,
	CRYPTO_CRL_AFFILIATION_CHANGED = 3,
	CRYPTO_CRL_SUPERSEDED = 4,
	CRYPTO_CRL_CESSATION = 5,
};

struct crypto_crl_entry {
	struct crypto_serial serial;
	uint64_t revoked_at;
	enum crypto_crl_reason reason;
};

struct crypto_crl_template {
	const struct crypto_crl_entry *entries;
	size_t count;
	uint64_t number; /* RFC 5280 §5.2.3 cRLNumber, increasing */
	uint64_t this_update;
	uint64_t next_update;
};

/*
 * Make a CRL signed by a CA (root or unit; iss->cert must be given).
 * *out (mem_free) holds the DER. KENH_E_INVALID_ARG for a non-CA issuer or
 * a mismatched key.
 */
KENH_MUST_CHECK int crypto_crl_create(const struct kenh_ctx *ctx, const struct crypto_issuer *iss,
                                      const struct crypto_crl_template *t, uint8_t **out,
                                      size_t *outlen);

struct crypto_crl;

/*
 * Parse a CRL (syntax and profile only: v2, no unknown critical
 * extension, no delta or indirect CRL). Its signature is checked against
 * an issuer with crypto_crl_verify, or inside a trust store. *out is freed
 * with crypto_crl_free.
 */
KENH_MUST_CHECK int crypto_crl_parse(const struct kenh_ctx *ctx, const uint8_t *der, size_t len,
                                     struct crypto_crl **out);
/* Free a parsed CRL; NULL is allowed. */
void crypto_crl_free(struct crypto_crl *crl);

/* 0 if crl is issued by the CA certificate issuer_der and its signature holds; else KENH_E_VERIFY. */
KENH_MUST_CHECK int crypto_crl_verify(const struct crypto_crl *crl, const uint8_t *issuer_der,
                                      size_t len);

/* True if the serial is listed. */
bool crypto_crl_has_serial(const struct crypto_crl *crl, const struct crypto_serial *serial);

struct crypto_crl_meta {
	uint64_t number;
	uint64_t this_update;
	uint64_t next_update; /* 0 if absent */
	size_t count;
	char issuer[CRYPTO_PKI_MAX_UNIT + 1]; /* the issuer's unit path, "" for the root */
};

/* The CRL's number, times, entry count and issuer unit (no signature check). */
void crypto_crl_meta(const struct crypto_crl *crl, struct crypto_crl_meta *out);
/* Entry i < meta.count. KENH_E_INVALID_ARG out of range, KENH_E_PARSE for an unreadable entry. */
KENH_MUST_CHECK int crypto_crl_entry_get(const struct crypto_crl *crl, size_t i,
                                         struct crypto_crl_entry *out);

/* ---- chain validation ---- */

struct crypto_trust;

/*
 * A trust store for validating device certificates: one root (the trust
 * anchor, DER), then unit CA certificates and CRLs added to it. Adding
 * only parses and checks the profile; signatures, times and the subtree
 * rule are checked at every validation against the time given then.
 * crypto_trust_new: *out (crypto_trust_free); KENH_E_VERIFY if root_der is
 * not a root profile that signs itself, KENH_E_PARSE if it is malformed.
 * The store keeps ctx (borrowed) for its lifetime.
 */
KENH_MUST_CHECK int crypto_trust_new(const struct kenh_ctx *ctx, const uint8_t *root_der,
                                     size_t len, struct crypto_trust **out);
/* Free a trust store and everything added to it; NULL is allowed. */
void crypto_trust_free(struct crypto_trust *t);
/*
 * Add a unit CA certificate (copied; a duplicate is ignored) or a CRL.
 * KENH_E_PARSE if it is not a unit CA profile or not a CRL we accept,
 * KENH_E_TOO_LARGE past CRYPTO_PKI_MAX_TRUST of either.
 */
KENH_MUST_CHECK int crypto_trust_add_ca(struct crypto_trust *t, const uint8_t *der, size_t len);
KENH_MUST_CHECK int crypto_trust_add_crl(struct crypto_trust *t, const uint8_t *der, size_t len);

/*
 * Validate a device certificate at time now (docs/pki.md "Validation"):
 * build the path leaf -> unit CAs -> root from the store, then check every
 * signature, every validity period, the CA basic constraints and key
 * usages, the device profile, that each unit CA's path contains the path
 * of every certificate below it (whatever the issuer signed), and every
 * CRL of every CA on the path (a CRL that claims a CA as issuer but does
 * not verify under it fails the validation). On success *out is the leaf's
 * identity. Errors: KENH_E_PARSE (malformed), KENH_E_VERIFY (signature,
 * unknown issuer, profile, bad CRL), KENH_E_PERM (outside a unit CA's
 * subtree), KENH_E_EXPIRED (outside a validity period), KENH_E_REVOKED.
 */
KENH_MUST_CHECK int crypto_trust_verify(const struct crypto_trust *t, const uint8_t *leaf,
                                        size_t len, uint64_t now, struct crypto_cert_info *out);

/* The same check for a CA certificate (root or unit): its path to the root at time now. */
KENH_MUST_CHECK int crypto_trust_verify_ca(const struct crypto_trust *t, const uint8_t *der,
                                           size_t len, uint64_t now, struct crypto_cert_info *out);

/* Everything a one-shot validation needs; spans are borrowed. */
struct crypto_chain_input {
	struct kenh_span root;
	const struct kenh_span *cas; /* unit CA certificates, any order */
	size_t ncas;
	const struct kenh_span *crls;
	size_t ncrls;
	struct kenh_span leaf;
	uint64_t now;
};

/* crypto_trust_new + add + crypto_trust_verify in one call. */
KENH_MUST_CHECK int crypto_chain_verify(const struct kenh_ctx *ctx,
                                        const struct crypto_chain_input *in,
                                        struct crypto_cert_info *out);

/* ---- wipe orders (docs/pki.md "Wipe order") ---- */

struct crypto_wipe_order {
	char device[CRYPTO_PKI_MAX_DEVICE + 1];
	uint64_t issued;
	uint8_t nonce[CRYPTO_WIPE_NONCE_LEN];
	uint8_t signer_id[CRYPTO_WIPE_SIGNER_ID_LEN]; /* SHA-256 of the signer's certificate */
};

/*
 * Make a wipe order for a device, signed by the root or a unit CA (iss->cert
 * required), with a fresh random nonce. *out (mem_free) holds the bytes.
 */
KENH_MUST_CHECK int crypto_wipe_create(const struct kenh_ctx *ctx, const struct crypto_issuer *iss,
                                       const char *device, uint64_t issued, uint8_t **out,
                                       size_t *outlen);

/* Parse a wipe order without checking its signature (to display it). */
KENH_MUST_CHECK int crypto_wipe_parse(const uint8_t *buf, size_t len,
                                      struct crypto_wipe_order *out);

/*
 * Device side: accept a wipe order only if it is well formed, names this
 * device (KENH_E_PERM if not), and is signed by the trust store's root or
 * by one of its unit CAs that validates at time now and whose path
 * contains the device's unit (KENH_E_PERM if not). KENH_E_VERIFY for an
 * unknown signer or a bad signature. self is the device's own identity.
 * Replay protection (remembering nonces) is the caller's job.
 */
KENH_MUST_CHECK int crypto_wipe_verify(const struct crypto_trust *t,
                                       const struct crypto_cert_info *self, struct kenh_span order,
                                       uint64_t now, struct crypto_wipe_order *out);

#endif /* KENH_CRYPTO_PKI_H */
