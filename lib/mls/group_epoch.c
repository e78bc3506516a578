/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Moving from one epoch to the next, the part that creating and processing
 * a Commit share (RFC 9420 §12.4.1, §12.4.2): the provisional
 * GroupContext that UpdatePath encryption binds to, the confirmed and
 * interim transcript hashes (§8.2), the new GroupContext (§8.1), the key
 * schedule (§8) with its confirmation tag (§6.1), and the init secret of
 * an external Commit (§8.3) on both sides.
 */
#include "mls/group.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "hpke/hpke.h"
#include "util/mem.h"

/* RFC 9420 §8.3: the HPKE exporter label of an external init secret. */
#define EXTERNAL_INIT_LABEL "MLS 1.0 external init secret"

int mls_group_provisional_context(const struct mls_group *next, const struct mls_group *old,
                                  struct codec_writer *w)
{
	uint8_t th[CRYPTO_MAX_HASH];
	struct mls_group_context gc;
	int rc;

	if (old->gc.epoch == UINT64_MAX) return KENH_ERR(KENH_E_STATE);
	if ((rc = mls_rtree_root_hash(next->tree, th)) != 0) return rc;
	/*
	 * RFC 9420 §12.4.1, §12.4.2: the old group_id and confirmed transcript hash,
	 * the new epoch, tree hash and extensions.
	 */
	gc = old->gc;
	gc.epoch = old->gc.epoch + 1;
	gc.tree_hash = span_make(th, next->cs->kdf->nh);
	gc.extensions = next->gc.extensions;
	return mls_encode_group_context(w, &gc);
}

/* RFC 9420 §8.2: ConfirmedTranscriptHashInput { wire_format, content, signature }. */
static int confirmed_input(const struct mls_epoch_inputs *in, struct codec_writer *w)
{
	codec_write_u16(w, (uint16_t)in->wire_format);
	if (mls_encode_framed_content(w, in->content) != 0) return codec_writer_err(w);
	return codec_write_opaque(w, in->signature.p, in->signature.len);
}

/* RFC 9420 §8.1: the GroupContext of the new epoch. */
static int new_context(struct mls_group *next, const struct mls_group *old, const uint8_t *cth)
{
	uint8_t th[CRYPTO_MAX_HASH];
	struct mls_group_context gc;
	int rc;

	if ((rc = mls_rtree_root_hash(next->tree, th)) != 0) return rc;
	gc = next->gc;
	gc.epoch = old->gc.epoch + 1;
	gc.tree_hash = span_make(th, next->cs->kdf->nh);
	gc.confirmed_transcript_hash = span_make(cth, next->cs->kdf->nh);
	return mls_group_set_context(next, &gc);
}

/* RFC 9420 §6.1: compute the confirmation tag, or check the received one. */
static int confirm(struct mls_group *next, const struct mls_epoch_inputs *in, const uint8_t *cth,
                   uint8_t *tag_out)
{
	const struct crypto_suite *cs = next->cs;
	struct kenh_span confirmed = span_make(cth, cs->kdf->nh);
	int rc;

	if (in->tag.len == 0) {
		rc = mls_confirmation_tag(cs, next->es.confirmation_key, confirmed, next->conf_tag);
		if (rc == 0 && tag_out != NULL) memcpy(tag_out, next->conf_tag, cs->kdf->nh);
		return rc;
	}
	/* RFC 9420 §12.4.2: the tag must be the MAC of the new confirmed hash under the new key. */
	rc = mls_confirmation_tag_verify(cs, next->es.confirmation_key, confirmed, in->tag);
	if (rc == 0) memcpy(next->conf_tag, in->tag.p, cs->kdf->nh);
	return rc;
}

int mls_group_advance(struct mls_group *next, const struct mls_epoch_inputs *in, uint8_t *tag_out)
{
	const struct crypto_suite *cs = next->cs;
	uint8_t joiner[CRYPTO_MAX_HASH]; /* secret */
	uint8_t cth[CRYPTO_MAX_HASH];
	struct codec_writer w;
	struct kenh_span gc;
	int rc;

	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	if (in->old->gc.epoch == UINT64_MAX) {
		rc = KENH_ERR(KENH_E_STATE);
		goto out;
	}
	/* RFC 9420 §8.2: confirmed_transcript_hash_[n] from the old interim hash. */
	if ((rc = confirmed_input(in, &w)) != 0) goto out;
	rc = mls_confirmed_transcript_hash(cs, span_make(in->old->interim, cs->kdf->nh),
	                                   codec_writer_span(&w), cth);
	if (rc != 0) goto out;
	if ((rc = new_context(next, in->old, cth)) != 0) goto out;
	gc = span_make(next->gc_enc, next->gc_len);
	/* RFC 9420 §8: joiner_secret, then the epoch's secrets, with the PSKs. */
	rc = mls_key_schedule_joiner(cs, in->init_secret, in->commit_secret, gc, joiner);
	if (rc != 0) goto out;
	if ((rc = mls_key_schedule_epoch(cs, joiner, in->psk_secret, gc, &next->es)) != 0) goto out;
	if ((rc = confirm(next, in, cth, tag_out)) != 0) goto out;
	/* RFC 9420 §8.2: interim_transcript_hash_[n] = Hash(confirmed || confirmation_tag). */
	rc = mls_interim_transcript_hash(cs, span_make(cth, cs->kdf->nh),
	                                 span_make(next->conf_tag, cs->kdf->nh), next->interim);
	if (rc != 0) goto out;
	if ((rc = mls_group_start_epoch(next)) != 0) goto out;
	mls_group_keep_resumption(next, next->gc.epoch, next->es.resumption_psk);
	/* RFC 9420 §11.2, §11.3: the old group's PSK is used once, by the first Commit. */
	sec_zero(&next->link, sizeof(next->link));
out:
	sec_zero(joiner, sizeof(joiner));
	codec_writer_clear(&w);
	return rc;
}

static int hpke_suite(const struct kenh_ctx *ctx, const struct crypto_suite *cs,
                      struct hpke_suite *out)
{
	return hpke_suite_init(ctx, cs->kem->id, cs->kdf->id, cs->aead->id, out);
}

int mls_group_external_init_recv(const struct mls_group *old, struct kenh_span kem_output,
                                 uint8_t *init_secret)
{
	const struct crypto_suite *cs = old->cs;
	uint8_t sk[CRYPTO_MAX_KEM_SK]; /* secret */
	uint8_t pk[CRYPTO_MAX_KEM_PK];
	struct hpke_suite hs;
	struct hpke_ctx hc;
	int rc;

	memset(&hc, 0, sizeof(hc));
	if ((rc = hpke_suite(old->ctx, cs, &hs)) != 0) goto out;
	/* RFC 9420 §8: external_priv = KEM.DeriveKeyPair(external_secret). */
	rc = mls_external_keypair(old->ctx, cs, old->es.external_secret, sk, pk);
	if (rc != 0) goto out;
	/* RFC 9420 §8.3: SetupBaseR(kem_output, external_priv, ""), export the init secret. */
	rc = hpke_setup_base_r(&hs, kem_output, span_make(sk, cs->kem->nsk), span_make(NULL, 0),
	                       &hc);
	if (rc != 0) {
		rc = KENH_ERR(KENH_E_DECRYPT);
		goto out;
	}
	rc = hpke_export(&hc, MLS_LABEL(EXTERNAL_INIT_LABEL), init_secret, cs->kdf->nh);
out:
	sec_zero(sk, sizeof(sk));
	hpke_ctx_clear(&hc);
	return rc;
}

int mls_group_external_init_send(const struct kenh_ctx *ctx, const struct crypto_suite *cs,
                                 struct kenh_span external_pub, uint8_t *kem_output,
                                 uint8_t *init_secret)
{
	struct hpke_suite hs;
	struct hpke_ctx hc;
	int rc;

	memset(&hc, 0, sizeof(hc));
	if ((rc = hpke_suite(ctx, cs, &hs)) != 0) goto out;
	/* RFC 9420 §8.3: SetupBaseS(external_pub, ""), export the init secret. */
	rc = hpke_setup_base_s(&hs, external_pub, span_make(NULL, 0), kem_output, &hc);
	if (rc != 0) goto out;
	rc = hpke_export(&hc, MLS_LABEL(EXTERNAL_INIT_LABEL), init_secret, cs->kdf->nh);
out:
	hpke_ctx_clear(&hc);
	return rc;
}
