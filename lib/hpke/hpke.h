/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Hybrid Public Key Encryption, RFC 9180, on the primitives of crypto/:
 * DHKEM(P-256) and DHKEM(X25519) with HKDF-SHA256 (§4.1, §7.1), the key
 * schedule of all four modes (§5.1), the sender and recipient contexts with
 * their sequence numbers (§5.2), the exporter (§5.3) and the single-shot
 * SealBase/OpenBase that MLS builds EncryptWithLabel on (§6.1, RFC 9420
 * §5.1.3). Any KEM, KDF and AEAD the crypto provider offers can be combined,
 * plus the export-only AEAD 0xFFFF.
 *
 * Nothing here allocates except the labeled KDF calls whose caller-supplied
 * input (info, psk, psk_id, exporter_context, ikm) is too long for a stack
 * buffer; those copies are wiped and freed before returning. Secrets live in
 * fixed arrays (STYLE R5.1) and hpke_ctx_clear() wipes a whole context.
 * Message framing (how enc and ct travel) is left to the caller (§10).
 */
#ifndef KENH_HPKE_HPKE_H
#define KENH_HPKE_HPKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "kenh/err.h"
#include "util/util.h"

struct kenh_ctx;

/* Modes (RFC 9180 §5, Table 1), with their wire values. */
enum hpke_mode {
	HPKE_MODE_BASE = 0x00,
	HPKE_MODE_PSK = 0x01,
	HPKE_MODE_AUTH = 0x02,
	HPKE_MODE_AUTH_PSK = 0x03,
};

/* The export-only AEAD id (RFC 9180 §7.3): no Seal or Open, only Export. */
#define HPKE_AEAD_EXPORT_ONLY 0xFFFF

/* Upper bounds for caller buffers. */
#define HPKE_MAX_ENC      CRYPTO_MAX_KEM_PK /* Nenc = Npk for DHKEM */
#define HPKE_MAX_SECRET   CRYPTO_MAX_HASH   /* Nsecret and Nh */
#define HPKE_SUITE_ID_MAX 10                /* "HPKE" || kem || kdf || aead */
#define HPKE_MIN_PSK      32                /* §5.1.2: at least 32 bytes of entropy */

/*
 * A KDF together with the suite_id that LabeledExtract/LabeledExpand prefix
 * (RFC 9180 §4): "KEM" || kem_id inside the DHKEM (§4.1), "HPKE" || kem_id ||
 * kdf_id || aead_id elsewhere (§5.1). Filled by hpke_suite_init(); no secret.
 */
struct hpke_labeler {
	const struct crypto_kdf *kdf;
	uint8_t suite_id[HPKE_SUITE_ID_MAX];
	size_t suite_id_len;
};

/*
 * A ciphersuite (KEM, KDF, AEAD). Caller-allocated, filled by
 * hpke_suite_init(); the algorithm pointers borrow from the kenh_ctx and
 * stay valid as long as it does. Holds no secret and needs no clearing.
 */
struct hpke_suite {
	uint16_t kem_id;
	uint16_t kdf_id;
	uint16_t aead_id;
	const struct crypto_kem *kem;
	const struct crypto_aead *aead; /* NULL for export-only */
	struct hpke_labeler kem_lab;    /* the DHKEM's own KDF (§4.1) */
	struct hpke_labeler lab;        /* the suite's KDF (§5.1) */
};

enum hpke_role {
	HPKE_ROLE_SENDER = 1,
	HPKE_ROLE_RECIPIENT = 2,
};

/*
 * An encryption context (RFC 9180 §5.2): ContextS for a sender, ContextR for
 * a recipient. Caller-allocated; set up by hpke_setup_s()/hpke_setup_r() and
 * wiped by hpke_ctx_clear(), after which it is all zero bytes. seq counts
 * the messages sealed or opened; it is a 64-bit counter, padded on the left
 * to Nn bytes in ComputeNonce (the RFC allows a shorter counter), and the
 * context refuses to work once it reaches UINT64_MAX, so no nonce is ever
 * used twice.
 */
struct hpke_ctx {
	struct hpke_suite suite;
	enum hpke_role role;
	uint64_t seq;
	uint8_t key[CRYPTO_MAX_AEAD_KEY];         /* secret */
	uint8_t base_nonce[CRYPTO_MAX_NONCE];     /* secret */
	uint8_t exporter_secret[CRYPTO_MAX_HASH]; /* secret */
};

/*
 * Sender inputs of the Setup<MODE>S functions (RFC 9180 §5.1.1-§5.1.4).
 * Every span is borrowed for the call. Unused fields stay empty:
 * psk/psk_id only in the PSK modes, sk_s only in the Auth modes. sk_e is a
 * fixed ephemeral private key for tests and known-answer runs (empty: a
 * fresh one from the CSPRNG); never set it in production, a reused
 * ephemeral key breaks confidentiality.
 */
struct hpke_setup_s_args {
	enum hpke_mode mode;
	struct kenh_span pk_r; /* recipient public key, Npk bytes */
	struct kenh_span info;
	struct kenh_span psk; /* secret */
	struct kenh_span psk_id;
	struct kenh_span sk_s; /* secret: sender private key, Nsk bytes */
	struct kenh_span sk_e; /* secret: ephemeral private key (tests only) */
	/* Optional: hpke_info_hash() of the info, Nh bytes, instead of info
	 * (which must then be empty). For one info sent to many recipients. */
	const uint8_t *info_hash;
};

/*
 * Recipient inputs of the Setup<MODE>R functions; same rules as above.
 * pk_r is optional: the recipient's own public key pk(skR), which Decap
 * puts in kem_context (§4.1). Given (Npk bytes), it saves deriving it from
 * sk_r, one scalar multiplication; the RFC allows either (§4). It is not
 * checked against sk_r: a wrong one only makes a different shared secret,
 * so decryption fails. sk_r is then validated only by the DH itself, so a
 * bad P-256 scalar reads as KENH_E_DECRYPT rather than KENH_E_VERIFY.
 */
struct hpke_setup_r_args {
	enum hpke_mode mode;
	struct kenh_span enc;  /* encapsulated key, Nenc bytes */
	struct kenh_span sk_r; /* secret: recipient private key, Nsk bytes */
	struct kenh_span pk_r; /* optional: pk(skR), Npk bytes */
	struct kenh_span info;
	struct kenh_span psk; /* secret */
	struct kenh_span psk_id;
	struct kenh_span pk_s; /* sender public key (Auth modes) */
};

/* Inputs of SealBase (RFC 9180 §6.1), all borrowed. */
struct hpke_seal_base_args {
	struct kenh_span pk_r;
	struct kenh_span info;
	struct kenh_span aad;
	struct kenh_span pt;
	struct kenh_span sk_e;    /* secret: fixed ephemeral key, tests only; empty = fresh */
	const uint8_t *info_hash; /* optional, as in hpke_setup_s_args */
};

/* Inputs of OpenBase (RFC 9180 §6.1), all borrowed; pk_r as in hpke_setup_r_args. */
struct hpke_open_base_args {
	struct kenh_span enc;
	struct kenh_span sk_r; /* secret */
	struct kenh_span pk_r; /* optional: pk(skR) */
	struct kenh_span info;
	struct kenh_span aad;
	struct kenh_span ct;
};

/*
 * Look up a ciphersuite. aead_id may be HPKE_AEAD_EXPORT_ONLY. *out is
 * zeroed first and filled on success. Returns KENH_E_UNSUPPORTED if the
 * provider lacks one of the algorithms (or the DHKEM's KDF).
 */
KENH_MUST_CHECK int hpke_suite_init(const struct kenh_ctx *ctx, uint16_t kem_id, uint16_t kdf_id,
                                    uint16_t aead_id, struct hpke_suite *out);

/* Nenc (= Npk) of the suite's KEM. */
size_t hpke_suite_nenc(const struct hpke_suite *suite);

/*
 * DeriveKeyPair(ikm) (RFC 9180 §7.1.3): sk receives Nsk bytes, pk Npk bytes
 * (both zeroed first). X25519 expands ikm directly; P-256 samples
 * candidates by rejection. The X25519 sk is the unclamped expand output, as
 * in the RFC's vectors (the DH clamps on use). Returns KENH_E_CRYPTO in the
 * negligible case where 256 P-256 candidates are all rejected
 * (DeriveKeyPairError). Temporaries are wiped.
 */
KENH_MUST_CHECK int hpke_derive_keypair(const struct hpke_suite *suite, struct kenh_span ikm,
                                        uint8_t *sk, uint8_t *pk);

/* GenerateKeyPair() (RFC 9180 §4): a fresh key pair, sk Nsk bytes, pk Npk bytes. */
KENH_MUST_CHECK int hpke_generate_keypair(const struct hpke_suite *suite, uint8_t *sk, uint8_t *pk);

/*
 * DeserializePublicKey (RFC 9180 §7.1.1) with the validation of §7.1.4:
 * serialized keys are the raw bytes (32-byte X25519, 65-byte uncompressed
 * P-256 point), so this only checks pkm. Returns 0 or KENH_E_VERIFY.
 */
KENH_MUST_CHECK int hpke_deserialize_public_key(const struct hpke_suite *suite,
                                                struct kenh_span pkm);

/*
 * info_hash = LabeledExtract("", "info_hash", info) (RFC 9180 §5.1) with
 * the suite's KDF and suite_id: out receives Nh bytes. In the key schedule
 * info enters only through this value, which depends on nothing but the
 * suite and info (not on the mode, the KEM shared secret or the PSK). A
 * sender that sets up contexts to many recipients with one info, as an
 * MLS Welcome does with a large EncryptContext, computes it once and
 * passes it as info_hash: every context is then exactly the one info
 * would give. KENH_E_NOMEM (a long info is copied to a wiped buffer),
 * KENH_E_TOO_LARGE, KENH_E_CRYPTO.
 */
KENH_MUST_CHECK int hpke_info_hash(const struct hpke_suite *suite, struct kenh_span info,
                                   uint8_t *out);

/*
 * Setup<MODE>S (RFC 9180 §5.1): encapsulate to a->pk_r and run the key
 * schedule. enc receives Nenc bytes; *out is a sender context. Both are
 * cleared first and *out is wiped again on failure. Returns
 * KENH_E_INVALID_ARG for a bad mode, wrong key lengths, or PSK inputs that
 * the mode forbids or misses (VerifyPSKInputs) or a psk shorter than
 * HPKE_MIN_PSK, or both info and info_hash; KENH_E_VERIFY for an
 * invalid recipient public key, KENH_E_NOMEM, KENH_E_CRYPTO.
 */
KENH_MUST_CHECK int hpke_setup_s(const struct hpke_suite *suite, const struct hpke_setup_s_args *a,
                                 uint8_t *enc, struct hpke_ctx *out);

/*
 * Setup<MODE>R (RFC 9180 §5.1): decapsulate a->enc and run the key
 * schedule into the recipient context *out (cleared first, wiped on
 * failure). An enc that is not a valid public key of the KEM, or whose DH
 * output is rejected, gives KENH_E_DECRYPT (R3.11: one code for whatever a
 * peer controls). Invalid own keys give KENH_E_INVALID_ARG (lengths) or
 * KENH_E_VERIFY (sk_r scalar, pk_s point); PSK errors as in hpke_setup_s.
 */
KENH_MUST_CHECK int hpke_setup_r(const struct hpke_suite *suite, const struct hpke_setup_r_args *a,
                                 struct hpke_ctx *out);

/* SetupBaseS(pkR, info) (RFC 9180 §5.1.1): hpke_setup_s in mode_base. */
KENH_MUST_CHECK int hpke_setup_base_s(const struct hpke_suite *suite, struct kenh_span pk_r,
                                      struct kenh_span info, uint8_t *enc, struct hpke_ctx *out);

/* SetupBaseR(enc, skR, info) (RFC 9180 §5.1.1): hpke_setup_r in mode_base. */
KENH_MUST_CHECK int hpke_setup_base_r(const struct hpke_suite *suite, struct kenh_span enc,
                                      struct kenh_span sk_r, struct kenh_span info,
                                      struct hpke_ctx *out);

/*
 * ContextS.Seal(aad, pt) (RFC 9180 §5.2): ct receives pt.len + Nt bytes
 * (ct may equal pt.p) and seq advances. KENH_E_INVALID_ARG on a recipient
 * context, KENH_E_UNSUPPORTED on an export-only context, KENH_E_STATE once
 * the sequence number is exhausted (MessageLimitReachedError). On failure
 * seq is unchanged and ct holds no ciphertext (it is wiped if the AEAD ran;
 * an argument error leaves it untouched, as it may alias pt).
 */
KENH_MUST_CHECK int hpke_seal(struct hpke_ctx *c, struct kenh_span aad, struct kenh_span pt,
                              uint8_t *ct);

/*
 * ContextR.Open(aad, ct) (RFC 9180 §5.2): pt receives ct.len - Nt bytes (pt
 * may equal ct.p) and seq advances. KENH_E_DECRYPT if ct does not
 * authenticate (pt is wiped, seq unchanged); KENH_E_INVALID_ARG on a sender
 * context; KENH_E_UNSUPPORTED on export-only; KENH_E_STATE when exhausted.
 */
KENH_MUST_CHECK int hpke_open(struct hpke_ctx *c, struct kenh_span aad, struct kenh_span ct,
                              uint8_t *pt);

/*
 * Context.Export(exporter_context, L) (RFC 9180 §5.3): out receives len
 * bytes, 0 < len <= 255 * Nh, else KENH_E_INVALID_ARG. Works on both roles
 * and on export-only contexts; does not touch seq.
 */
KENH_MUST_CHECK int hpke_export(const struct hpke_ctx *c, struct kenh_span exporter_context,
                                uint8_t *out, size_t len);

/* Wipe the whole context (NULL allowed); afterwards every byte is zero. */
void hpke_ctx_clear(struct hpke_ctx *c);

/*
 * SealBase(pkR, info, aad, pt) (RFC 9180 §6.1), as RFC 9420 §5.1.3
 * EncryptWithLabel uses it: enc receives Nenc bytes, ct pt.len + Nt bytes.
 * Errors as hpke_setup_s and hpke_seal (KENH_E_UNSUPPORTED for an
 * export-only suite); on failure enc is zeroed and ct holds no ciphertext.
 * The context used inside is wiped before returning.
 */
KENH_MUST_CHECK int hpke_seal_base(const struct hpke_suite *suite,
                                   const struct hpke_seal_base_args *a, uint8_t *enc, uint8_t *ct);

/*
 * OpenBase(enc, skR, info, aad, ct) (RFC 9180 §6.1), for RFC 9420 §5.1.3
 * DecryptWithLabel: pt receives ct.len - Nt bytes. KENH_E_DECRYPT for a bad
 * enc or ciphertext (pt wiped); other errors as hpke_setup_r.
 */
KENH_MUST_CHECK int hpke_open_base(const struct hpke_suite *suite,
                                   const struct hpke_open_base_args *a, uint8_t *pt);

#endif /* KENH_HPKE_HPKE_H */
