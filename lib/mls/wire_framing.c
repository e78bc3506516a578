/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * RFC 9420 §6-§6.2: Sender, FramedContent, FramedContentAuthData,
 * AuthenticatedContent and PublicMessage, plus the encodings that are
 * signed or MACed but never sent: FramedContentTBS (§6.1) and
 * AuthenticatedContentTBM (§6.2). Signature and membership-tag
 * computation, and the checks on which sender may send what, live in the
 * framing logic that uses these.
 */
#include "mls/mls_wire.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/mls_wire_int.h"

int mls_decode_sender(struct codec_reader *r, struct mls_sender *out)
{
	uint8_t v = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mls_wire_read_enum8(r, MLS_SENDER_NEW_MEMBER_COMMIT, &v)) != 0) return rc;
	out->sender_type = (enum mls_sender_type)v;
	switch (out->sender_type) {
	case MLS_SENDER_MEMBER:
		rc = codec_read_u32(r, &out->leaf_index);
		break;
	case MLS_SENDER_EXTERNAL:
		rc = codec_read_u32(r, &out->sender_index);
		break;
	case MLS_SENDER_NEW_MEMBER_PROPOSAL:
	case MLS_SENDER_NEW_MEMBER_COMMIT:
		break;
	}
	if (rc != 0) memset(out, 0, sizeof(*out));
	return rc;
}

int mls_encode_sender(struct codec_writer *w, const struct mls_sender *in)
{
	switch (in->sender_type) {
	case MLS_SENDER_MEMBER:
		codec_write_u8(w, MLS_SENDER_MEMBER);
		return codec_write_u32(w, in->leaf_index);
	case MLS_SENDER_EXTERNAL:
		codec_write_u8(w, MLS_SENDER_EXTERNAL);
		return codec_write_u32(w, in->sender_index);
	case MLS_SENDER_NEW_MEMBER_PROPOSAL:
	case MLS_SENDER_NEW_MEMBER_COMMIT:
		return codec_write_u8(w, (uint8_t)in->sender_type);
	}
	return KENH_ERR(KENH_E_INVALID_ARG);
}

int mls_wire_decode_body(struct codec_reader *r, enum mls_content_type type,
                         struct kenh_span *application_data, struct mls_proposal *proposal,
                         struct mls_commit *commit)
{
	switch (type) {
	case MLS_CONTENT_APPLICATION:
		return codec_read_opaque(r, LIMIT_APPLICATION_DATA, application_data);
	case MLS_CONTENT_PROPOSAL:
		return mls_decode_proposal(r, proposal);
	case MLS_CONTENT_COMMIT:
		return mls_decode_commit(r, commit);
	}
	return codec_reader_fail(r, KENH_ERR(KENH_E_INVALID_ARG));
}

int mls_wire_encode_body(struct codec_writer *w, enum mls_content_type type,
                         const struct kenh_span *application_data,
                         const struct mls_proposal *proposal, const struct mls_commit *commit)
{
	switch (type) {
	case MLS_CONTENT_APPLICATION:
		return codec_write_opaque(w, application_data->p, application_data->len);
	case MLS_CONTENT_PROPOSAL:
		return mls_encode_proposal(w, proposal);
	case MLS_CONTENT_COMMIT:
		return mls_encode_commit(w, commit);
	}
	return KENH_ERR(KENH_E_INVALID_ARG);
}

int mls_decode_framed_content(struct codec_reader *r, struct mls_framed_content *out)
{
	uint8_t v = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	codec_read_opaque(r, LIMIT_GROUP_ID, &out->group_id);
	codec_read_u64(r, &out->epoch);
	if ((rc = mls_decode_sender(r, &out->sender)) != 0) goto out;
	codec_read_opaque(r, LIMIT_AUTHENTICATED_DATA, &out->authenticated_data);
	if ((rc = mls_wire_read_enum8(r, MLS_CONTENT_COMMIT, &v)) != 0) goto out;
	out->content_type = (enum mls_content_type)v;
	rc = mls_wire_decode_body(r, out->content_type, &out->application_data, &out->proposal,
	                          &out->commit);
out:
	if (rc != 0) mls_framed_content_clear(out);
	return rc;
}

int mls_encode_framed_content(struct codec_writer *w, const struct mls_framed_content *in)
{
	int rc;

	if (in->content_type < MLS_CONTENT_APPLICATION || in->content_type > MLS_CONTENT_COMMIT)
		return KENH_ERR(KENH_E_INVALID_ARG);
	codec_write_opaque(w, in->group_id.p, in->group_id.len);
	codec_write_u64(w, in->epoch);
	if ((rc = mls_encode_sender(w, &in->sender)) != 0) return rc;
	codec_write_opaque(w, in->authenticated_data.p, in->authenticated_data.len);
	codec_write_u8(w, (uint8_t)in->content_type);
	return mls_wire_encode_body(w, in->content_type, &in->application_data, &in->proposal,
	                            &in->commit);
}

void mls_framed_content_clear(struct mls_framed_content *c)
{
	mls_proposal_clear(&c->proposal);
	mls_commit_clear(&c->commit);
	memset(c, 0, sizeof(*c));
}

int mls_decode_framed_content_auth_data(struct codec_reader *r, enum mls_content_type content_type,
                                        struct mls_framed_content_auth_data *out)
{
	memset(out, 0, sizeof(*out));
	codec_read_opaque(r, LIMIT_SIGNATURE, &out->signature);
	/* RFC 9420 §6.1: only a commit carries a confirmation tag. */
	if (content_type == MLS_CONTENT_COMMIT)
		codec_read_opaque(r, LIMIT_HASH, &out->confirmation_tag);
	if (codec_reader_err(r) != 0) memset(out, 0, sizeof(*out));
	return codec_reader_err(r);
}

int mls_encode_framed_content_auth_data(struct codec_writer *w, enum mls_content_type content_type,
                                        const struct mls_framed_content_auth_data *in)
{
	codec_write_opaque(w, in->signature.p, in->signature.len);
	if (content_type == MLS_CONTENT_COMMIT)
		codec_write_opaque(w, in->confirmation_tag.p, in->confirmation_tag.len);
	return codec_writer_err(w);
}

/* RFC 9420 §6.1: the GroupContext is signed for member and new_member_commit senders. */
static bool tbs_has_context(enum mls_sender_type t)
{
	return t == MLS_SENDER_MEMBER || t == MLS_SENDER_NEW_MEMBER_COMMIT;
}

static bool is_wire_format(enum mls_wire_format wf)
{
	return wf >= MLS_WIRE_FORMAT_PUBLIC_MESSAGE && wf <= MLS_WIRE_FORMAT_KEY_PACKAGE;
}

int mls_encode_framed_content_tbs(struct codec_writer *w, enum mls_wire_format wire_format,
                                  const struct mls_framed_content *content,
                                  const struct mls_group_context *gc)
{
	int rc;

	if (!is_wire_format(wire_format)) return KENH_ERR(KENH_E_INVALID_ARG);
	if (tbs_has_context(content->sender.sender_type) && gc == NULL)
		return KENH_ERR(KENH_E_INVALID_ARG);
	codec_write_u16(w, MLS_VERSION_MLS10);
	codec_write_u16(w, (uint16_t)wire_format);
	if ((rc = mls_encode_framed_content(w, content)) != 0) return rc;
	if (!tbs_has_context(content->sender.sender_type)) return 0;
	return mls_encode_group_context(w, gc);
}

int mls_encode_authenticated_content_tbm(struct codec_writer *w,
                                         const struct mls_framed_content *content,
                                         const struct mls_framed_content_auth_data *auth,
                                         const struct mls_group_context *gc)
{
	int rc;

	rc = mls_encode_framed_content_tbs(w, MLS_WIRE_FORMAT_PUBLIC_MESSAGE, content, gc);
	if (rc != 0) return rc;
	return mls_encode_framed_content_auth_data(w, content->content_type, auth);
}

int mls_decode_authenticated_content(struct codec_reader *r, struct mls_authenticated_content *out)
{
	uint16_t v = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mls_wire_read_enum16(r, MLS_WIRE_FORMAT_KEY_PACKAGE, &v)) != 0) return rc;
	out->wire_format = (enum mls_wire_format)v;
	if ((rc = mls_decode_framed_content(r, &out->content)) == 0)
		rc = mls_decode_framed_content_auth_data(r, out->content.content_type, &out->auth);
	if (rc != 0) mls_authenticated_content_clear(out);
	return rc;
}

int mls_encode_authenticated_content(struct codec_writer *w,
                                     const struct mls_authenticated_content *in)
{
	int rc;

	if (!is_wire_format(in->wire_format)) return KENH_ERR(KENH_E_INVALID_ARG);
	codec_write_u16(w, (uint16_t)in->wire_format);
	if ((rc = mls_encode_framed_content(w, &in->content)) != 0) return rc;
	return mls_encode_framed_content_auth_data(w, in->content.content_type, &in->auth);
}

void mls_authenticated_content_clear(struct mls_authenticated_content *ac)
{
	mls_framed_content_clear(&ac->content);
	memset(ac, 0, sizeof(*ac));
}

int mls_decode_public_message(struct codec_reader *r, struct mls_public_message *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mls_decode_framed_content(r, &out->content)) != 0) return rc;
	rc = mls_decode_framed_content_auth_data(r, out->content.content_type, &out->auth);
	/* RFC 9420 §6.2: only a member's message carries a membership tag. */
	if (rc == 0 && out->content.sender.sender_type == MLS_SENDER_MEMBER)
		rc = codec_read_opaque(r, LIMIT_HASH, &out->membership_tag);
	if (rc != 0) mls_public_message_clear(out);
	return rc;
}

int mls_encode_public_message(struct codec_writer *w, const struct mls_public_message *in)
{
	int rc;

	if ((rc = mls_encode_framed_content(w, &in->content)) != 0) return rc;
	rc = mls_encode_framed_content_auth_data(w, in->content.content_type, &in->auth);
	if (rc != 0 || in->content.sender.sender_type != MLS_SENDER_MEMBER) return rc;
	return codec_write_opaque(w, in->membership_tag.p, in->membership_tag.len);
}

void mls_public_message_clear(struct mls_public_message *m)
{
	mls_framed_content_clear(&m->content);
	memset(m, 0, sizeof(*m));
}
