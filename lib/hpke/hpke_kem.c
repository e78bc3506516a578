/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The DH-based KEM of RFC 9180 §4.1 over the provider's X25519 and P-256:
 * Encap/Decap, AuthEncap/AuthDecap, ExtractAndExpand, DeriveKeyPair
 * (§7.1.3), GenerateKeyPair and DeserializePublicKey with the validation of
 * §7.1.4. Serialized keys are raw bytes (§7.1.1, §7.1.2), so Serialize* is
 * the identity and is not spelled out. The DH itself, point checks and the
 * all-zero X25519 check are the provider's (crypto_kem_dh, and
 * crypto_kem_keygen_dh for a fresh ephemeral key).
 */
#include "hpke/hpke_int.h"

#include "util/compat.h"

#include <string.h>

#include "crypto/crypto.h"
#include "util/mem.h"

/* enc || pkRm || pkSm, the largest kem_context (§4.1). */
#define KEM_CONTEXT_MAX (3 * CRYPTO_MAX_KEM_PK)

/* Per-call DHKEM state; every array may hold a secret or its inputs. */
struct dhkem_work {
	uint8_t sk_e[CRYPTO_MAX_KEM_SK]; /* secret */
	uint8_t dh[2 * CRYPTO_MAX_DH];   /* secret */
	size_t dh_len;
	uint8_t kem_context[KEM_CONTEXT_MAX];
	size_t kem_context_len;
};

static void add_context(struct dhkem_work *w, const uint8_t *p, size_t n)
{
	KENH_ASSERT(n <= sizeof(w->kem_context) - w->kem_context_len);
	memcpy(w->kem_context + w->kem_context_len, p, n);
	w->kem_context_len += n;
}

/* One DH(sk, pk) appended to w->dh (§4.1 concatenates two in Auth modes). */
static int add_dh(const struct crypto_kem *kem, struct dhkem_work *w, const uint8_t *sk,
                  struct kenh_span pk)
{
	int rc;

	KENH_ASSERT(kem->ndh <= sizeof(w->dh) - w->dh_len);
	rc = crypto_kem_dh(kem, sk, pk.p, pk.len, w->dh + w->dh_len);
	if (rc == 0) w->dh_len += kem->ndh;
	return rc;
}

/*
 * RFC 9180 §4.1 ExtractAndExpand(dh, kem_context):
 *   eae_prk = LabeledExtract("", "eae_prk", dh)
 *   shared_secret = LabeledExpand(eae_prk, "shared_secret", kem_context, Nsecret)
 */
static int extract_and_expand(const struct hpke_suite *s, const struct dhkem_work *w,
                              uint8_t *shared_secret)
{
	const struct hpke_labeler *lab = &s->kem_lab;
	uint8_t eae_prk[CRYPTO_MAX_HASH]; /* secret */
	int rc;

	rc = hpke_labeled_extract(lab, span_make(NULL, 0), "eae_prk", span_make(w->dh, w->dh_len),
	                          eae_prk);
	if (rc != 0) goto out;
	rc = hpke_labeled_expand(lab, eae_prk, "shared_secret",
	                         span_make(w->kem_context, w->kem_context_len), shared_secret,
	                         lab->kdf->nh);
out:
	sec_zero(eae_prk, sizeof(eae_prk));
	return rc;
}

/*
 * Steps 1 and 2 for skE: enc = pkE, and DH(skE, pkR) appended to w->dh. A
 * fresh skE never leaves the provider between GenerateKeyPair and the DH
 * (crypto_kem_keygen_dh, which saves a scalar multiplication); the caller's
 * fixed skE (tests) goes through its raw bytes.
 */
static int ephemeral_dh(const struct crypto_kem *kem, struct kenh_span fixed, struct kenh_span pk_r,
                        struct dhkem_work *w, uint8_t *enc)
{
	int rc;

	KENH_ASSERT(w->dh_len == 0);
	if (fixed.len == 0) {
		rc = crypto_kem_keygen_dh(kem, pk_r.p, pk_r.len, w->sk_e, enc, w->dh);
		if (rc == 0) w->dh_len = kem->ndh;
		return rc;
	}
	if (fixed.len != kem->nsk) return KENH_ERR(KENH_E_INVALID_ARG);
	memcpy(w->sk_e, fixed.p, fixed.len);
	if ((rc = crypto_kem_pk_from_sk(kem, w->sk_e, enc)) != 0) return rc;
	return add_dh(kem, w, w->sk_e, pk_r);
}

/* Argument shape shared by both sides: key lengths, and sk_s/pk_s iff Auth. */
static int check_mode_key(enum hpke_mode mode, struct kenh_span key, size_t want)
{
	if (hpke_mode_is_auth(mode) ? key.len != want : key.len != 0)
		return KENH_ERR(KENH_E_INVALID_ARG);
	return 0;
}

/*
 * RFC 9180 §4.1 Encap(pkR) / AuthEncap(pkR, skS):
 *   1. skE, pkE = GenerateKeyPair(); enc = SerializePublicKey(pkE)
 *   2. dh = DH(skE, pkR)           [Auth: || DH(skS, pkR)]
 *   3. kem_context = enc || pkRm   [Auth: || pkSm]
 *   4. shared_secret = ExtractAndExpand(dh, kem_context)
 * The sender validates pkR (§7.1.4) inside DH.
 */
int hpke_kem_encap(const struct hpke_suite *s, const struct hpke_setup_s_args *a, uint8_t *enc,
                   uint8_t *shared_secret)
{
	const struct crypto_kem *kem = s->kem;
	struct dhkem_work w = { { 0 }, { 0 }, 0, { 0 }, 0 };
	uint8_t pk_s[CRYPTO_MAX_KEM_PK];
	bool auth = hpke_mode_is_auth(a->mode);
	int rc;

	memset(enc, 0, kem->npk);
	memset(shared_secret, 0, s->kem_lab.kdf->nh);
	if ((rc = check_mode_key(a->mode, a->sk_s, kem->nsk)) != 0) return rc;
	if (a->pk_r.len != kem->npk) return KENH_ERR(KENH_E_VERIFY); /* DeserializeError */
	/* Steps 1 and 2. */
	if ((rc = ephemeral_dh(kem, a->sk_e, a->pk_r, &w, enc)) != 0) goto out;
	if (auth && (rc = add_dh(kem, &w, a->sk_s.p, a->pk_r)) != 0) goto out;
	/* Step 3. */
	add_context(&w, enc, kem->npk);
	add_context(&w, a->pk_r.p, kem->npk);
	if (auth) {
		if ((rc = crypto_kem_pk_from_sk(kem, a->sk_s.p, pk_s)) != 0) goto out;
		add_context(&w, pk_s, kem->npk);
	}
	/* Step 4. */
	rc = extract_and_expand(s, &w, shared_secret);
out:
	sec_zero(&w, sizeof(w));
	if (rc != 0) {
		memset(enc, 0, kem->npk);
		sec_zero(shared_secret, s->kem_lab.kdf->nh);
	}
	return rc;
}

/*
 * Own keys first: pkRm = pk(skR) (or the caller's copy of it), and pkS
 * validated (§7.1.4) in Auth modes.
 */
static int check_recipient_keys(const struct crypto_kem *kem, const struct hpke_setup_r_args *a,
                                uint8_t *pk_r)
{
	int rc;

	if (a->sk_r.len != kem->nsk) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = check_mode_key(a->mode, a->pk_s, kem->npk)) != 0) return rc;
	if (a->pk_r.len != 0) {
		if (a->pk_r.len != kem->npk) return KENH_ERR(KENH_E_INVALID_ARG);
		memcpy(pk_r, a->pk_r.p, kem->npk);
	} else if ((rc = crypto_kem_pk_from_sk(kem, a->sk_r.p, pk_r)) != 0) {
		return rc;
	}
	if (hpke_mode_is_auth(a->mode)) return crypto_kem_check_pk(kem, a->pk_s.p, a->pk_s.len);
	return 0;
}

/*
 * RFC 9180 §4.1 Decap(enc, skR) / AuthDecap(enc, skR, pkS):
 *   1. pkE = DeserializePublicKey(enc)
 *   2. dh = DH(skR, pkE)           [Auth: || DH(skR, pkS)]
 *   3. kem_context = enc || pkRm   [Auth: || pkSm]
 *   4. shared_secret = ExtractAndExpand(dh, kem_context)
 * The recipient validates pkE and, in Auth modes, pkS (§7.1.4). Every
 * failure that enc causes is reported as KENH_E_DECRYPT (STYLE R3.11).
 */
int hpke_kem_decap(const struct hpke_suite *s, const struct hpke_setup_r_args *a,
                   uint8_t *shared_secret)
{
	const struct crypto_kem *kem = s->kem;
	struct dhkem_work w = { { 0 }, { 0 }, 0, { 0 }, 0 };
	uint8_t pk_r[CRYPTO_MAX_KEM_PK];
	int rc;

	memset(shared_secret, 0, s->kem_lab.kdf->nh);
	if ((rc = check_recipient_keys(kem, a, pk_r)) != 0) return rc;
	/* Steps 1 and 2: DH validates pkE and rejects an all-zero X25519 output. */
	if (a->enc.len != kem->npk) return KENH_ERR(KENH_E_DECRYPT);
	rc = add_dh(kem, &w, a->sk_r.p, a->enc);
	if (rc == KENH_E_VERIFY) rc = KENH_ERR(KENH_E_DECRYPT);
	if (rc != 0) goto out;
	if (hpke_mode_is_auth(a->mode) && (rc = add_dh(kem, &w, a->sk_r.p, a->pk_s)) != 0) goto out;
	/* Step 3. */
	add_context(&w, a->enc.p, kem->npk);
	add_context(&w, pk_r, kem->npk);
	if (hpke_mode_is_auth(a->mode)) add_context(&w, a->pk_s.p, kem->npk);
	/* Step 4. */
	rc = extract_and_expand(s, &w, shared_secret);
out:
	sec_zero(&w, sizeof(w));
	if (rc != 0) sec_zero(shared_secret, s->kem_lab.kdf->nh);
	return rc;
}

/* RFC 9180 §7.1.3, X25519: sk = LabeledExpand(dkp_prk, "sk", "", Nsk). */
static int derive_direct(const struct hpke_suite *s, const uint8_t *dkp_prk, uint8_t *sk,
                         uint8_t *pk)
{
	int rc;

	rc = hpke_labeled_expand(&s->kem_lab, dkp_prk, "sk", span_make(NULL, 0), sk, s->kem->nsk);
	if (rc != 0) return rc;
	return crypto_kem_pk_from_sk(s->kem, sk, pk);
}

/*
 * RFC 9180 §7.1.3, P-256: for counter = 0..255, candidate =
 * LabeledExpand(dkp_prk, "candidate", I2OSP(counter, 1), Nsk) with its first
 * byte masked by bitmask; the first candidate in [1, order - 1] wins. The
 * provider's pk_from_sk does the range test (KENH_E_VERIFY when outside).
 */
static int derive_by_rejection(const struct hpke_suite *s, const uint8_t *dkp_prk, uint8_t *sk,
                               uint8_t *pk)
{
	const struct crypto_kem *kem = s->kem;
	unsigned counter;
	uint8_t c;
	int rc;

	for (counter = 0; counter <= 255; counter++) {
		c = (uint8_t)counter;
		rc = hpke_labeled_expand(&s->kem_lab, dkp_prk, "candidate", span_make(&c, 1), sk,
		                         kem->nsk);
		if (rc != 0) return rc;
		sk[0] &= kem->bitmask;
		rc = crypto_kem_pk_from_sk(kem, sk, pk);
		if (rc != KENH_E_VERIFY) return rc;
	}
	/* DeriveKeyPairError: 256 rejections in a row (probability about 2^-8192). */
	return KENH_ERR(KENH_E_CRYPTO);
}

int hpke_derive_keypair(const struct hpke_suite *s, struct kenh_span ikm, uint8_t *sk, uint8_t *pk)
{
	uint8_t dkp_prk[CRYPTO_MAX_HASH]; /* secret */
	int rc;

	memset(sk, 0, s->kem->nsk);
	memset(pk, 0, s->kem->npk);
	/* RFC 9180 §7.1.3: dkp_prk = LabeledExtract("", "dkp_prk", ikm). */
	rc = hpke_labeled_extract(&s->kem_lab, span_make(NULL, 0), "dkp_prk", ikm, dkp_prk);
	if (rc != 0) goto out;
	/* bitmask 0 marks the curves whose every Nsk-byte string is a key. */
	if (s->kem->bitmask == 0)
		rc = derive_direct(s, dkp_prk, sk, pk);
	else
		rc = derive_by_rejection(s, dkp_prk, sk, pk);
out:
	sec_zero(dkp_prk, sizeof(dkp_prk));
	if (rc != 0) {
		sec_zero(sk, s->kem->nsk);
		memset(pk, 0, s->kem->npk);
	}
	return rc;
}

int hpke_generate_keypair(const struct hpke_suite *s, uint8_t *sk, uint8_t *pk)
{
	int rc;

	memset(sk, 0, s->kem->nsk);
	memset(pk, 0, s->kem->npk);
	rc = crypto_kem_keygen(s->kem, sk, pk);
	if (rc != 0) {
		sec_zero(sk, s->kem->nsk);
		memset(pk, 0, s->kem->npk);
	}
	return rc;
}

int hpke_deserialize_public_key(const struct hpke_suite *s, struct kenh_span pkm)
{
	/* RFC 9180 §7.1.1: the raw encoding; §7.1.4: validate before use. */
	return crypto_kem_check_pk(s->kem, pkm.p, pkm.len);
}
