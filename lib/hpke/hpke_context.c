/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The encryption context once set up (RFC 9180 §5.2): ComputeNonce, the
 * sequence number and its limit, ContextS.Seal and ContextR.Open; the
 * secret exporter (§5.3); and the single-shot SealBase/OpenBase (§6.1)
 * that RFC 9420 §5.1.3 EncryptWithLabel/DecryptWithLabel are built on.
 */
#include "hpke/hpke_int.h"

#include "util/compat.h"

#include <string.h>

#include "crypto/crypto.h"
#include "util/mem.h"

void hpke_ctx_clear(struct hpke_ctx *c)
{
	if (c == NULL) return;
	sec_zero(c, sizeof(*c));
}

/*
 * RFC 9180 §5.2 ComputeNonce(seq) = xor(base_nonce, I2OSP(seq, Nn)). Our
 * counter is 64 bits (the RFC allows a shorter one, padded on the left),
 * so only the last 8 bytes of the nonce change; hpke_suite_init refuses
 * any AEAD with Nn < 8.
 */
void hpke_ctx_nonce(const struct hpke_ctx *c, uint8_t *nonce)
{
	size_t nn = c->suite.aead->nn, i;

	memcpy(nonce, c->base_nonce, nn);
	for (i = 0; i < 8; i++)
		nonce[nn - 1 - i] ^= (uint8_t)(c->seq >> (8 * i));
}

/*
 * Whether c may Seal (sender) or Open (recipient) now. §5.2: a sender's
 * context MUST NOT decrypt nor a recipient's encrypt; an export-only
 * context has no AEAD; and the sequence number MUST NOT overflow: the
 * last value is never used, so IncrementSeq after a success cannot wrap.
 */
static int check_use(const struct hpke_ctx *c, enum hpke_role role)
{
	if (c->role != role) return KENH_ERR(KENH_E_INVALID_ARG);
	if (c->suite.aead == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	if (c->seq == UINT64_MAX) return KENH_ERR(KENH_E_STATE); /* MessageLimitReachedError */
	return 0;
}

/*
 * RFC 9180 §5.2 ContextS.Seal(aad, pt):
 *   ct = Seal(key, ComputeNonce(seq), aad, pt); IncrementSeq()
 */
int hpke_seal(struct hpke_ctx *c, struct kenh_span aad, struct kenh_span pt, uint8_t *ct)
{
	const struct crypto_aead *aead = c->suite.aead;
	uint8_t nonce[CRYPTO_MAX_NONCE]; /* secret */
	size_t ctlen;
	int rc;

	if ((rc = check_use(c, HPKE_ROLE_SENDER)) != 0) return rc;
	if (size_add(pt.len, aead->nt, &ctlen) != 0) return KENH_ERR(KENH_E_TOO_LARGE);
	hpke_ctx_nonce(c, nonce);
	rc = crypto_aead_seal(aead, c->key, aead->nk, nonce, aead->nn, aad.p, aad.len, pt.p, pt.len,
	                      ct);
	if (rc == 0)
		c->seq++;
	else
		sec_zero(ct, ctlen);
	sec_zero(nonce, sizeof(nonce));
	return rc;
}

/*
 * RFC 9180 §5.2 ContextR.Open(aad, ct):
 *   pt = Open(key, ComputeNonce(seq), aad, ct); on OpenError raise, else
 *   IncrementSeq()
 * The provider wipes pt when the tag does not verify (STYLE R5.5).
 */
int hpke_open(struct hpke_ctx *c, struct kenh_span aad, struct kenh_span ct, uint8_t *pt)
{
	const struct crypto_aead *aead = c->suite.aead;
	uint8_t nonce[CRYPTO_MAX_NONCE]; /* secret */
	int rc;

	if ((rc = check_use(c, HPKE_ROLE_RECIPIENT)) != 0) return rc;
	if (ct.len < aead->nt) return KENH_ERR(KENH_E_DECRYPT);
	hpke_ctx_nonce(c, nonce);
	rc = crypto_aead_open(aead, c->key, aead->nk, nonce, aead->nn, aad.p, aad.len, ct.p, ct.len,
	                      pt);
	if (rc == 0) c->seq++;
	sec_zero(nonce, sizeof(nonce));
	return rc;
}

/*
 * RFC 9180 §5.3 Context.Export(exporter_context, L) =
 *   LabeledExpand(exporter_secret, "sec", exporter_context, L)
 */
int hpke_export(const struct hpke_ctx *c, struct kenh_span exporter_context, uint8_t *out,
                size_t len)
{
	if (c->role != HPKE_ROLE_SENDER && c->role != HPKE_ROLE_RECIPIENT)
		return KENH_ERR(KENH_E_INVALID_ARG);
	return hpke_labeled_expand(&c->suite.lab, c->exporter_secret, "sec", exporter_context, out,
	                           len);
}

/*
 * RFC 9180 §6.1 SealBase(pkR, info, aad, pt):
 *   enc, ctx = SetupBaseS(pkR, info); ct = ctx.Seal(aad, pt)
 */
int hpke_seal_base(const struct hpke_suite *s, const struct hpke_seal_base_args *a, uint8_t *enc,
                   uint8_t *ct)
{
	struct hpke_setup_s_args sa;
	struct hpke_ctx c;
	int rc;

	memset(&c, 0, sizeof(c));
	memset(enc, 0, s->kem->npk);
	if (s->aead == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	memset(&sa, 0, sizeof(sa));
	sa.mode = HPKE_MODE_BASE;
	sa.pk_r = a->pk_r;
	sa.info = a->info;
	sa.sk_e = a->sk_e;
	sa.info_hash = a->info_hash;
	if ((rc = hpke_setup_s(s, &sa, enc, &c)) != 0) goto out;
	rc = hpke_seal(&c, a->aad, a->pt, ct);
out:
	hpke_ctx_clear(&c);
	if (rc != 0) memset(enc, 0, s->kem->npk);
	return rc;
}

/*
 * RFC 9180 §6.1 OpenBase(enc, skR, info, aad, ct):
 *   ctx = SetupBaseR(enc, skR, info); return ctx.Open(aad, ct)
 */
int hpke_open_base(const struct hpke_suite *s, const struct hpke_open_base_args *a, uint8_t *pt)
{
	struct hpke_setup_r_args ra;
	struct hpke_ctx c;
	int rc;

	memset(&c, 0, sizeof(c));
	if (s->aead == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	memset(&ra, 0, sizeof(ra));
	ra.mode = HPKE_MODE_BASE;
	ra.enc = a->enc;
	ra.sk_r = a->sk_r;
	ra.pk_r = a->pk_r;
	ra.info = a->info;
	if ((rc = hpke_setup_r(s, &ra, &c)) != 0) goto out;
	rc = hpke_open(&c, a->aad, a->ct, pt);
out:
	hpke_ctx_clear(&c);
	return rc;
}
