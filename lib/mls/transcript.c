/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Transcript hashes (RFC 9420 §8.2) and the confirmation tag (§6.1, §8):
 * the confirmed transcript hash chains the previous interim hash with the
 * Commit's ConfirmedTranscriptHashInput, the interim hash appends the
 * Commit's confirmation_tag, and the tag is the MAC of the confirmed hash
 * under the new epoch's confirmation_key. The inputs come encoded: splitting
 * an AuthenticatedContent into its parts is the framing layer's job.
 */
#include "mls/mls_keys.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "util/mem.h"

int mls_confirmed_transcript_hash(const struct crypto_suite *cs, struct kenh_span interim_before,
                                  struct kenh_span confirmed_input, uint8_t *out)
{
	/* RFC 9420 §8.2: Hash(interim_transcript_hash_[n-1] || ConfirmedTranscriptHashInput). */
	return crypto_hash2(cs->kdf, interim_before.p, interim_before.len, confirmed_input.p,
	                    confirmed_input.len, out);
}

int mls_interim_transcript_hash(const struct crypto_suite *cs, struct kenh_span confirmed,
                                struct kenh_span confirmation_tag, uint8_t *out)
{
	struct codec_writer w;
	struct kenh_span input;
	int rc;

	memset(out, 0, cs->kdf->nh);
	/* InterimTranscriptHashInput { MAC confirmation_tag; } with MAC = opaque<V>. */
	codec_writer_init(&w, LIMIT_HASH + 4, CODEC_WRITER_NORMAL);
	if ((rc = codec_write_opaque(&w, confirmation_tag.p, confirmation_tag.len)) != 0) goto out;
	input = codec_writer_span(&w);
	/* RFC 9420 §8.2: Hash(confirmed_transcript_hash_[n] || InterimTranscriptHashInput). */
	rc = crypto_hash2(cs->kdf, confirmed.p, confirmed.len, input.p, input.len, out);
out:
	codec_writer_clear(&w);
	return rc;
}

int mls_confirmation_tag(const struct crypto_suite *cs, const uint8_t *confirmation_key,
                         struct kenh_span confirmed, uint8_t *out)
{
	/* RFC 9420 §6.1: confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash). */
	return crypto_hmac(cs->kdf, confirmation_key, cs->kdf->nh, confirmed.p, confirmed.len, out);
}

int mls_confirmation_tag_verify(const struct crypto_suite *cs, const uint8_t *confirmation_key,
                                struct kenh_span confirmed, struct kenh_span tag)
{
	uint8_t want[CRYPTO_MAX_HASH];
	int rc;

	if ((rc = mls_confirmation_tag(cs, confirmation_key, confirmed, want)) != 0) goto out;
	/* RFC 9420 §12.4.2, §12.4.3.1: the received tag must equal ours (constant time, R5.4). */
	if (tag.len != cs->kdf->nh || !crypto_ct_eq(want, tag.p, cs->kdf->nh))
		rc = KENH_ERR(KENH_E_VERIFY);
out:
	sec_zero(want, sizeof(want));
	return rc;
}
