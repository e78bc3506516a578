/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * RFC 9420 §6.2 PublicMessage: the membership tag over
 * AuthenticatedContentTBM, protection into an MLSMessage, and verification
 * of a received message (membership tag first, then signature). Handshake
 * messages travel this way so the relay can read them (DESIGN §2);
 * application data never does (§6). The confirmation tag of a commit is
 * the group layer's to check, with the next epoch's key.
 */
#include "mls/framing.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "mls/framing_int.h"
#include "util/log.h"
#include "util/mem.h"

/* RFC 9420 §6.2: membership_tag = MAC(membership_key, AuthenticatedContentTBM). */
static int membership_tag(const struct mls_framing_epoch *ep,
                          const struct mls_framed_content *content,
                          const struct mls_framed_content_auth_data *auth, uint8_t *tag)
{
	const struct crypto_kdf *kdf = ep->cs->kdf;
	struct codec_writer w;
	struct kenh_span tbm;
	int rc;

	if (ep->membership_key == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	codec_writer_init(&w, MLS_LABELLED_MAX, CODEC_WRITER_NORMAL);
	if ((rc = mls_encode_authenticated_content_tbm(&w, content, auth, ep->gc)) == 0) {
		tbm = codec_writer_span(&w);
		rc = crypto_hmac(kdf, ep->membership_key, kdf->nh, tbm.p, tbm.len, tag);
	}
	codec_writer_clear(&w);
	return rc;
}

/* The checks protect and verify share, in the order verify applies them. */
static int check_public(const struct mls_framing_epoch *ep,
                        const struct mls_framed_content *content)
{
	int rc;

	if (ep->cs == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	/* RFC 9420 §6: application messages MUST be sent as PrivateMessage. */
	if (content->content_type == MLS_CONTENT_APPLICATION) return KENH_ERR(KENH_E_PROTO);
	if ((rc = mls_framed_content_check_sender(content)) != 0) return rc;
	return mls_framing_epoch_check(ep, content->group_id, content->epoch);
}

int mls_public_message_protect(const struct mls_framing_epoch *ep,
                               const struct mls_framed_content *content,
                               const struct mls_framed_content_auth_data *auth, uint8_t **out,
                               size_t *outlen)
{
	uint8_t tag[CRYPTO_MAX_HASH];
	struct mls_message m;
	int rc;

	*out = NULL;
	*outlen = 0;
	if ((rc = check_public(ep, content)) != 0) return rc;
	memset(&m, 0, sizeof(m));
	m.version = MLS_VERSION_MLS10;
	m.wire_format = MLS_WIRE_FORMAT_PUBLIC_MESSAGE;
	m.u.public_message.content = *content;
	m.u.public_message.auth = *auth;
	/* RFC 9420 §6.2: members MUST set the membership tag. */
	if (content->sender.sender_type == MLS_SENDER_MEMBER) {
		if ((rc = membership_tag(ep, content, auth, tag)) != 0) return rc;
		m.u.public_message.membership_tag = span_make(tag, ep->cs->kdf->nh);
	}
	return mls_framing_message_encode(&m, out, outlen);
}

/* RFC 9420 §6.2: the recipient MUST check membership_tag (constant time, R5.4). */
static int check_membership_tag(const struct mls_framing_epoch *ep,
                                const struct mls_public_message *pm)
{
	uint8_t tag[CRYPTO_MAX_HASH];
	size_t nh = ep->cs->kdf->nh;
	int rc;

	if ((rc = membership_tag(ep, &pm->content, &pm->auth, tag)) != 0) return rc;
	if (pm->membership_tag.len != nh || !crypto_ct_eq(tag, pm->membership_tag.p, nh))
		return KENH_ERR(KENH_E_VERIFY);
	return 0;
}

int mls_public_message_verify(const struct mls_framing_epoch *ep,
                              const struct mls_public_message *pm)
{
	int rc;

	if ((rc = check_public(ep, &pm->content)) != 0) goto out;
	if (pm->content.sender.sender_type == MLS_SENDER_MEMBER &&
	    (rc = check_membership_tag(ep, pm)) != 0)
		goto out;
	/* RFC 9420 §6.2: and MUST check that the FramedContentAuthData is valid. */
	rc = mls_framed_content_verify(ep, MLS_WIRE_FORMAT_PUBLIC_MESSAGE, &pm->content,
	                               pm->auth.signature);
out:
	if (rc != 0) log_debug_r(ep->ctx, rc, "PublicMessage rejected");
	return rc;
}
