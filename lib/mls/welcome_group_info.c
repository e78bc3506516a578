/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * RFC 9420 §12.4.3 GroupInfo signatures: SignWithLabel("GroupInfoTBS")
 * for the committer, and the joiner's check of suite, version and
 * signature, used by Welcome processing (welcome_join.c) and by external
 * joins alike. Finding the signer's key in the ratchet tree, and checking
 * that tree, is the caller's: the signer index is only an index here.
 */
#include "mls/framing.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "mls/framing_int.h"
#include "util/mem.h"

void mls_group_info_plain_clear(struct mls_group_info_plain *p)
{
	if (p == NULL) return;
	mls_group_info_clear(&p->gi);
	mem_free(p->bytes);
	memset(p, 0, sizeof(*p));
}

int mls_group_info_sign(const struct crypto_suite *cs, const struct mls_group_info *gi,
                        struct kenh_span sig_sk, struct mls_signature *out)
{
	struct codec_writer w;
	int rc;

	memset(out, 0, sizeof(*out));
	if (cs == NULL || cs->sig->max_sig > sizeof(out->bytes))
		return KENH_ERR(KENH_E_INVALID_ARG);
	codec_writer_init(&w, MLS_LABELLED_MAX, CODEC_WRITER_NORMAL);
	/* RFC 9420 §12.4.3: the signature covers every field above it (GroupInfoTBS). */
	if ((rc = mls_encode_group_info_tbs(&w, gi)) == 0)
		rc = mls_sign_with_label(cs, sig_sk, MLS_LABEL("GroupInfoTBS"),
		                         codec_writer_span(&w), out->bytes, &out->len);
	codec_writer_clear(&w);
	if (rc != 0) memset(out, 0, sizeof(*out));
	return rc;
}

int mls_group_info_verify(const struct crypto_suite *cs, const struct mls_group_info *gi,
                          struct kenh_span signer_pk)
{
	struct codec_writer w;
	int rc;

	if (cs == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	/* RFC 9420 §12.4.3.1: the GroupInfo's suite MUST be the KeyPackage's (the joiner's). */
	if (gi->group_context.version != MLS_VERSION_MLS10 ||
	    gi->group_context.cipher_suite != cs->id)
		return KENH_ERR(KENH_E_PROTO);
	codec_writer_init(&w, MLS_LABELLED_MAX, CODEC_WRITER_NORMAL);
	/* RFC 9420 §12.4.3: new members MUST verify the signature with the signer's leaf key. */
	if ((rc = mls_encode_group_info_tbs(&w, gi)) == 0)
		rc = mls_verify_with_label(cs, signer_pk, MLS_LABEL("GroupInfoTBS"),
		                           codec_writer_span(&w), gi->signature);
	codec_writer_clear(&w);
	return rc;
}
