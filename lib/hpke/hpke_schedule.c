/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Ciphersuite selection (RFC 9180 §7) with the two suite_id strings (§4.1,
 * §5.1), the key schedule of all four modes with VerifyPSKInputs (§5.1),
 * and the Setup<MODE>S / Setup<MODE>R functions (§5.1.1-§5.1.4) that join
 * the DHKEM of hpke_kem.c to it. Using the contexts is hpke_context.c's.
 */
#include "hpke/hpke_int.h"

#include "util/compat.h"

#include <string.h>

#include "crypto/crypto.h"
#include "util/mem.h"

bool hpke_mode_is_auth(enum hpke_mode mode)
{
	return mode == HPKE_MODE_AUTH || mode == HPKE_MODE_AUTH_PSK;
}

bool hpke_mode_is_psk(enum hpke_mode mode)
{
	return mode == HPKE_MODE_PSK || mode == HPKE_MODE_AUTH_PSK;
}

static bool is_valid_mode(enum hpke_mode mode)
{
	return (unsigned)mode <= (unsigned)HPKE_MODE_AUTH_PSK;
}

/* RFC 9180 §4.1: suite_id = concat("KEM", I2OSP(kem_id, 2)). */
static void set_kem_suite_id(struct hpke_labeler *lab, uint16_t kem_id)
{
	memcpy(lab->suite_id, "KEM", 3);
	store_be16(lab->suite_id + 3, kem_id);
	lab->suite_id_len = 5;
}

/*
 * RFC 9180 §5.1: suite_id = concat("HPKE", I2OSP(kem_id, 2),
 * I2OSP(kdf_id, 2), I2OSP(aead_id, 2)).
 */
static void set_hpke_suite_id(struct hpke_labeler *lab, const struct hpke_suite *s)
{
	memcpy(lab->suite_id, "HPKE", 4);
	store_be16(lab->suite_id + 4, s->kem_id);
	store_be16(lab->suite_id + 6, s->kdf_id);
	store_be16(lab->suite_id + 8, s->aead_id);
	lab->suite_id_len = HPKE_SUITE_ID_MAX;
}

int hpke_suite_init(const struct kenh_ctx *ctx, uint16_t kem_id, uint16_t kdf_id, uint16_t aead_id,
                    struct hpke_suite *out)
{
	struct hpke_suite s;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	s.kem_id = kem_id;
	s.kdf_id = kdf_id;
	s.aead_id = aead_id;
	s.kem = crypto_kem_get(ctx, kem_id);
	s.lab.kdf = crypto_kdf_get(ctx, kdf_id);
	if (s.kem == NULL || s.lab.kdf == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	/* §4.1: the DHKEM uses its own KDF, which may differ from the suite's. */
	s.kem_lab.kdf = crypto_kdf_get(ctx, s.kem->kdf_id);
	if (s.kem_lab.kdf == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	if (aead_id != HPKE_AEAD_EXPORT_ONLY) {
		s.aead = crypto_aead_get(ctx, aead_id);
		if (s.aead == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
		/* ComputeNonce XORs a 64-bit counter into the nonce's tail. */
		if (s.aead->nn < 8) return KENH_ERR(KENH_E_UNSUPPORTED);
	}
	set_kem_suite_id(&s.kem_lab, kem_id);
	set_hpke_suite_id(&s.lab, &s);
	*out = s;
	return 0;
}

size_t hpke_suite_nenc(const struct hpke_suite *suite)
{
	return suite->kem->npk;
}

/*
 * RFC 9180 §5.1 VerifyPSKInputs(mode, psk, psk_id): psk and psk_id come
 * together or not at all, only in the PSK modes and always in them.
 * §5.1.2: a PSK MUST carry at least 32 bytes of entropy, which a shorter
 * one cannot, so it is refused too.
 */
static int verify_psk_inputs(enum hpke_mode mode, struct kenh_span psk, struct kenh_span psk_id)
{
	bool got_psk = psk.len != 0, got_psk_id = psk_id.len != 0;

	if (got_psk != got_psk_id) return KENH_ERR(KENH_E_INVALID_ARG);
	if (got_psk != hpke_mode_is_psk(mode)) return KENH_ERR(KENH_E_INVALID_ARG);
	if (got_psk && psk.len < HPKE_MIN_PSK) return KENH_ERR(KENH_E_INVALID_ARG);
	return 0;
}

/*
 * RFC 9180 §5.1, key_schedule_context = concat(mode, psk_id_hash,
 * info_hash) with psk_id_hash = LabeledExtract("", "psk_id_hash", psk_id)
 * and info_hash = LabeledExtract("", "info_hash", info).
 */
static int key_schedule_context(const struct hpke_labeler *lab, const struct hpke_ks_args *a,
                                uint8_t *ksc, size_t *ksc_len)
{
	size_t nh = lab->kdf->nh;
	int rc;

	ksc[0] = (uint8_t)a->mode;
	rc = hpke_labeled_extract(lab, span_make(NULL, 0), "psk_id_hash", a->psk_id, ksc + 1);
	if (rc != 0) return rc;
	/* A precomputed info_hash is this very value (hpke_info_hash). */
	if (a->info_hash != NULL)
		memcpy(ksc + 1 + nh, a->info_hash, nh);
	else if ((rc = hpke_labeled_extract(lab, span_make(NULL, 0), "info_hash", a->info,
	                                    ksc + 1 + nh)) != 0)
		return rc;
	*ksc_len = 1 + 2 * nh;
	return 0;
}

int hpke_info_hash(const struct hpke_suite *suite, struct kenh_span info, uint8_t *out)
{
	return hpke_labeled_extract(&suite->lab, span_make(NULL, 0), "info_hash", info, out);
}

/*
 * RFC 9180 §5.1, from secret:
 *   key = LabeledExpand(secret, "key", key_schedule_context, Nk)
 *   base_nonce = LabeledExpand(secret, "base_nonce", key_schedule_context, Nn)
 *   exporter_secret = LabeledExpand(secret, "exp", key_schedule_context, Nh)
 * §5.3: an export-only suite skips key and base_nonce.
 */
static int expand_context(const struct hpke_labeler *lab, const uint8_t *secret,
                          struct kenh_span ksc, struct hpke_ctx *c)
{
	const struct crypto_aead *aead = c->suite.aead;
	int rc;

	if (aead != NULL) {
		if ((rc = hpke_labeled_expand(lab, secret, "key", ksc, c->key, aead->nk)) != 0)
			return rc;
		rc = hpke_labeled_expand(lab, secret, "base_nonce", ksc, c->base_nonce, aead->nn);
		if (rc != 0) return rc;
	}
	return hpke_labeled_expand(lab, secret, "exp", ksc, c->exporter_secret, lab->kdf->nh);
}

int hpke_key_schedule(const struct hpke_suite *suite, const struct hpke_ks_args *a,
                      struct hpke_ctx *out, struct hpke_ks_trace *trace)
{
	/* A copy first: suite may live inside *out, which is cleared next. */
	const struct hpke_suite s = *suite;
	const struct hpke_labeler *lab = &s.lab;
	uint8_t ksc[HPKE_MAX_KS_CONTEXT];
	uint8_t secret[CRYPTO_MAX_HASH]; /* secret */
	size_t ksc_len = 0;
	int rc;

	hpke_ctx_clear(out);
	if (trace != NULL) memset(trace, 0, sizeof(*trace));
	if (!is_valid_mode(a->mode)) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = verify_psk_inputs(a->mode, a->psk, a->psk_id)) != 0) return rc;
	if (a->info_hash != NULL && a->info.len != 0) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = key_schedule_context(lab, a, ksc, &ksc_len)) != 0) goto out;
	/* secret = LabeledExtract(shared_secret, "secret", psk) */
	rc = hpke_labeled_extract(lab, span_make(a->shared_secret, s.kem_lab.kdf->nh), "secret",
	                          a->psk, secret);
	if (rc != 0) goto out;
	out->suite = s;
	out->role = a->role;
	if ((rc = expand_context(lab, secret, span_make(ksc, ksc_len), out)) != 0) goto out;
	if (trace != NULL) {
		memcpy(trace->context, ksc, ksc_len);
		trace->context_len = ksc_len;
		memcpy(trace->secret, secret, lab->kdf->nh);
		trace->secret_len = lab->kdf->nh;
	}
out:
	sec_zero(secret, sizeof(secret));
	sec_zero(ksc, sizeof(ksc));
	if (rc != 0) hpke_ctx_clear(out);
	return rc;
}

int hpke_setup_s(const struct hpke_suite *suite, const struct hpke_setup_s_args *a, uint8_t *enc,
                 struct hpke_ctx *out)
{
	const struct hpke_suite copy = *suite, *s = &copy; /* suite may be out->suite */
	uint8_t shared_secret[HPKE_MAX_SECRET];            /* secret */
	struct hpke_ks_args ks = { a->mode, HPKE_ROLE_SENDER, shared_secret, a->info,
		                   a->psk,  a->psk_id,        a->info_hash };
	int rc;

	hpke_ctx_clear(out);
	memset(enc, 0, s->kem->npk);
	if (!is_valid_mode(a->mode)) return KENH_ERR(KENH_E_INVALID_ARG);
	/* Check the PSK and info inputs before spending an ephemeral key on them. */
	if ((rc = verify_psk_inputs(a->mode, a->psk, a->psk_id)) != 0) return rc;
	if (a->info_hash != NULL && a->info.len != 0) return KENH_ERR(KENH_E_INVALID_ARG);
	/* §5.1.1-§5.1.4: shared_secret, enc = [Auth]Encap(pkR[, skS]) */
	if ((rc = hpke_kem_encap(s, a, enc, shared_secret)) != 0) goto out;
	/* ... then KeyScheduleS(mode, shared_secret, info, psk, psk_id). */
	rc = hpke_key_schedule(s, &ks, out, NULL);
out:
	sec_zero(shared_secret, sizeof(shared_secret));
	if (rc != 0) memset(enc, 0, s->kem->npk);
	return rc;
}

int hpke_setup_r(const struct hpke_suite *suite, const struct hpke_setup_r_args *a,
                 struct hpke_ctx *out)
{
	const struct hpke_suite copy = *suite, *s = &copy; /* suite may be out->suite */
	uint8_t shared_secret[HPKE_MAX_SECRET];            /* secret */
	struct hpke_ks_args ks = { a->mode, HPKE_ROLE_RECIPIENT, shared_secret, a->info,
		                   a->psk,  a->psk_id,           NULL };
	int rc;

	hpke_ctx_clear(out);
	if (!is_valid_mode(a->mode)) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = verify_psk_inputs(a->mode, a->psk, a->psk_id)) != 0) return rc;
	/* §5.1.1-§5.1.4: shared_secret = [Auth]Decap(enc, skR[, pkS]) */
	if ((rc = hpke_kem_decap(s, a, shared_secret)) != 0) goto out;
	/* ... then KeyScheduleR(mode, shared_secret, info, psk, psk_id). */
	rc = hpke_key_schedule(s, &ks, out, NULL);
out:
	sec_zero(shared_secret, sizeof(shared_secret));
	return rc;
}

int hpke_setup_base_s(const struct hpke_suite *s, struct kenh_span pk_r, struct kenh_span info,
                      uint8_t *enc, struct hpke_ctx *out)
{
	struct hpke_setup_s_args a;

	memset(&a, 0, sizeof(a));
	a.mode = HPKE_MODE_BASE;
	a.pk_r = pk_r;
	a.info = info;
	return hpke_setup_s(s, &a, enc, out);
}

int hpke_setup_base_r(const struct hpke_suite *s, struct kenh_span enc, struct kenh_span sk_r,
                      struct kenh_span info, struct hpke_ctx *out)
{
	struct hpke_setup_r_args a;

	memset(&a, 0, sizeof(a));
	a.mode = HPKE_MODE_BASE;
	a.enc = enc;
	a.sk_r = sk_r;
	a.info = info;
	return hpke_setup_r(s, &a, out);
}
