/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The PSK secret of RFC 9420 §8.4: a chain of KDF.Extract calls over the
 * PSKs a Commit (or a Welcome's GroupSecrets) lists, each bound to its
 * PreSharedKeyID, its position and the count through PSKLabel. The
 * PreSharedKeyIDs arrive encoded (mls_wire.h encodes them); finding the
 * PSK values (external store, resumption_psk of past epochs) and checking
 * the nonces are the group state machine's job.
 */
#include "mls/mls_keys.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "util/mem.h"

/*
 * The largest PSKLabel: a PreSharedKeyID holds a psk_id or a group id, a
 * nonce and a few bytes of framing; the decoders bound each (R6.3).
 */
#define PSK_LABEL_MAX (LIMIT_PSK_ID + LIMIT_GROUP_ID + LIMIT_HASH + 32)

/* PSKLabel { PreSharedKeyID id; uint16 index; uint16 count; }. */
static int encode_psk_label(struct codec_writer *w, struct kenh_span id, uint16_t index,
                            uint16_t count)
{
	codec_writer_init(w, PSK_LABEL_MAX, CODEC_WRITER_NORMAL);
	(void)codec_write_bytes(w, id.p, id.len);
	(void)codec_write_u16(w, index);
	return codec_write_u16(w, count);
}

/* psk_input_[i] = ExpandWithLabel(Extract(0, psk_[i]), "derived psk", PSKLabel, Nh). */
static int psk_input(const struct crypto_suite *cs, const struct mls_psk_input *psk, uint16_t index,
                     uint16_t count, uint8_t *out)
{
	static const uint8_t zero[CRYPTO_MAX_HASH];
	uint8_t extracted[CRYPTO_MAX_HASH]; /* secret */
	struct codec_writer w;
	int rc;

	if ((rc = encode_psk_label(&w, psk->id, index, count)) != 0) goto out;
	rc = crypto_hkdf_extract(cs->kdf, zero, cs->kdf->nh, psk->psk.p, psk->psk.len, extracted);
	if (rc != 0) goto out;
	rc = mls_expand_with_label(cs, extracted, MLS_LABEL("derived psk"), codec_writer_span(&w),
	                           out, cs->kdf->nh);
out:
	sec_zero(extracted, sizeof(extracted));
	codec_writer_clear(&w);
	return rc;
}

int mls_psk_secret(const struct crypto_suite *cs, const struct mls_psk_input *psks, size_t count,
                   uint8_t *out)
{
	uint8_t input[CRYPTO_MAX_HASH]; /* secret */
	uint8_t next[CRYPTO_MAX_HASH];  /* secret */
	size_t nh = cs->kdf->nh, i;
	int rc = 0;

	/* RFC 9420 §8.4: psk_secret_[0] is the all-zero string, also the result for no PSK. */
	sec_zero(out, nh);
	if (count > LIMIT_PSKS) return KENH_ERR(KENH_E_TOO_LARGE);
	for (i = 0; i < count; i++) {
		if ((rc = psk_input(cs, &psks[i], (uint16_t)i, (uint16_t)count, input)) != 0)
			goto out;
		/* psk_secret_[i+1] = KDF.Extract(salt = psk_input_[i], ikm = psk_secret_[i]). */
		if ((rc = crypto_hkdf_extract(cs->kdf, input, nh, out, nh, next)) != 0) goto out;
		memcpy(out, next, nh);
	}
out:
	sec_zero(input, sizeof(input));
	sec_zero(next, sizeof(next));
	if (rc != 0) sec_zero(out, nh);
	return rc;
}
