/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Internals of hpke/ shared by its files and by the tests that check the
 * intermediate values of RFC 9180 Appendix A (shared_secret,
 * key_schedule_context, secret, per-message nonces). Other modules use
 * hpke.h only (STYLE R13.3).
 */
#ifndef KENH_HPKE_HPKE_INT_H
#define KENH_HPKE_HPKE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "hpke/hpke.h"

/* The largest KeyScheduleContext: mode || psk_id_hash || info_hash (§5.1). */
#define HPKE_MAX_KS_CONTEXT (1 + 2 * CRYPTO_MAX_HASH)

/*
 * LabeledExtract(salt, label, ikm) (RFC 9180 §4) with lab's KDF and
 * suite_id: out receives Nh bytes. label is a NUL-terminated ASCII
 * constant. An empty salt is Nh zero bytes. Returns 0, KENH_E_NOMEM (long
 * ikm is copied to a wiped heap buffer) or KENH_E_CRYPTO.
 */
KENH_MUST_CHECK int hpke_labeled_extract(const struct hpke_labeler *lab, struct kenh_span salt,
                                         const char *label, struct kenh_span ikm, uint8_t *out);

/*
 * LabeledExpand(prk, label, info, L) (RFC 9180 §4): prk is Nh bytes, out
 * receives len bytes. KENH_E_INVALID_ARG if len is 0 or over 255 * Nh (and
 * so over the two-byte I2OSP(L, 2)). Other returns as above.
 */
KENH_MUST_CHECK int hpke_labeled_expand(const struct hpke_labeler *lab, const uint8_t *prk,
                                        const char *label, struct kenh_span info, uint8_t *out,
                                        size_t len);

/* Whether the mode uses AuthEncap/AuthDecap, and whether it takes a PSK. */
bool hpke_mode_is_auth(enum hpke_mode mode);
bool hpke_mode_is_psk(enum hpke_mode mode);

/*
 * Encap(pkR) or, in the Auth modes, AuthEncap(pkR, skS) of the DHKEM
 * (RFC 9180 §4.1), using a->pk_r, a->sk_s, a->sk_e and a->mode only. enc
 * receives Nenc bytes, shared_secret Nsecret bytes (both zeroed first).
 * Errors as hpke_setup_s.
 */
KENH_MUST_CHECK int hpke_kem_encap(const struct hpke_suite *suite,
                                   const struct hpke_setup_s_args *a, uint8_t *enc,
                                   uint8_t *shared_secret);

/*
 * Decap(enc, skR) or AuthDecap(enc, skR, pkS) (RFC 9180 §4.1), using
 * a->enc, a->sk_r, a->pk_s and a->mode. shared_secret receives Nsecret
 * bytes (zeroed first). Errors as hpke_setup_r (bad enc: KENH_E_DECRYPT).
 */
KENH_MUST_CHECK int hpke_kem_decap(const struct hpke_suite *suite,
                                   const struct hpke_setup_r_args *a, uint8_t *shared_secret);

/* Inputs of KeySchedule<ROLE> (RFC 9180 §5.1), borrowed. */
struct hpke_ks_args {
	enum hpke_mode mode;
	enum hpke_role role;
	const uint8_t *shared_secret; /* secret, Nsecret bytes */
	struct kenh_span info;
	struct kenh_span psk; /* secret */
	struct kenh_span psk_id;
	const uint8_t *info_hash; /* optional: hpke_info_hash(info), with info empty */
};

/* Intermediate values of the key schedule, for known-answer tests. */
struct hpke_ks_trace {
	uint8_t context[HPKE_MAX_KS_CONTEXT]; /* key_schedule_context */
	size_t context_len;
	uint8_t secret[CRYPTO_MAX_HASH]; /* secret: the caller wipes it */
	size_t secret_len;
};

/*
 * KeySchedule<ROLE>(mode, shared_secret, info, psk, psk_id) (RFC 9180
 * §5.1), VerifyPSKInputs included: fills *out (cleared first, wiped on
 * failure) with seq 0. If trace is not NULL it receives the
 * key_schedule_context and secret. KENH_E_INVALID_ARG for bad PSK inputs
 * or mode; KENH_E_NOMEM, KENH_E_CRYPTO.
 */
KENH_MUST_CHECK int hpke_key_schedule(const struct hpke_suite *suite, const struct hpke_ks_args *a,
                                      struct hpke_ctx *out, struct hpke_ks_trace *trace);

/*
 * ComputeNonce(seq) (RFC 9180 §5.2) for the context's current seq: nonce
 * receives Nn bytes. Requires an AEAD (not export-only).
 */
void hpke_ctx_nonce(const struct hpke_ctx *c, uint8_t *nonce);

#endif /* KENH_HPKE_HPKE_INT_H */
