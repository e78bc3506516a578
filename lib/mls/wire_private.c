/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * RFC 9420 §6.3: PrivateMessage, the plaintext PrivateMessageContent with
 * its zero padding (§6.3.1), SenderData (§6.3.2), and the two AAD
 * encodings (PrivateContentAAD, SenderDataAAD). Key derivation, AEAD and
 * the one-error-for-every-cause rule (STYLE R3.11) belong to the framing
 * code: a padding fault is KENH_E_PARSE here and the caller maps it.
 */
#include "mls/mls_wire.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/mls_wire_int.h"

int mls_decode_private_message(struct codec_reader *r, struct mls_private_message *out)
{
	uint8_t v = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	codec_read_opaque(r, LIMIT_GROUP_ID, &out->group_id);
	codec_read_u64(r, &out->epoch);
	if ((rc = mls_wire_read_enum8(r, MLS_CONTENT_COMMIT, &v)) != 0) goto out;
	out->content_type = (enum mls_content_type)v;
	codec_read_opaque(r, LIMIT_AUTHENTICATED_DATA, &out->authenticated_data);
	codec_read_opaque(r, LIMIT_SENDER_DATA_CT, &out->encrypted_sender_data);
	rc = codec_read_opaque(r, LIMIT_CIPHERTEXT, &out->ciphertext);
out:
	if (rc != 0) memset(out, 0, sizeof(*out));
	return rc;
}

/* RFC 9420 §6.3.2 SenderDataAAD: the first three fields of PrivateMessage. */
int mls_encode_sender_data_aad(struct codec_writer *w, const struct mls_private_message *m)
{
	if (m->content_type < MLS_CONTENT_APPLICATION || m->content_type > MLS_CONTENT_COMMIT)
		return KENH_ERR(KENH_E_INVALID_ARG);
	codec_write_opaque(w, m->group_id.p, m->group_id.len);
	codec_write_u64(w, m->epoch);
	return codec_write_u8(w, (uint8_t)m->content_type);
}

/* RFC 9420 §6.3.1 PrivateContentAAD: SenderDataAAD plus authenticated_data. */
int mls_encode_private_content_aad(struct codec_writer *w, const struct mls_private_message *m)
{
	int rc;

	if ((rc = mls_encode_sender_data_aad(w, m)) != 0) return rc;
	return codec_write_opaque(w, m->authenticated_data.p, m->authenticated_data.len);
}

int mls_encode_private_message(struct codec_writer *w, const struct mls_private_message *in)
{
	int rc;

	if ((rc = mls_encode_private_content_aad(w, in)) != 0) return rc;
	codec_write_opaque(w, in->encrypted_sender_data.p, in->encrypted_sender_data.len);
	return codec_write_opaque(w, in->ciphertext.p, in->ciphertext.len);
}

int mls_decode_sender_data(struct codec_reader *r, struct mls_sender_data *out)
{
	memset(out, 0, sizeof(*out));
	codec_read_u32(r, &out->leaf_index);
	codec_read_u32(r, &out->generation);
	codec_read_bytes(r, out->reuse_guard, sizeof(out->reuse_guard));
	if (codec_reader_err(r) != 0) memset(out, 0, sizeof(*out));
	return codec_reader_err(r);
}

int mls_encode_sender_data(struct codec_writer *w, const struct mls_sender_data *in)
{
	codec_write_u32(w, in->leaf_index);
	codec_write_u32(w, in->generation);
	return codec_write_bytes(w, in->reuse_guard, sizeof(in->reuse_guard));
}

/*
 * RFC 9420 §6.3.1: everything after the auth data is padding and MUST be
 * zero. The bytes are OR-ed together so the time taken does not depend on
 * where a non-zero byte sits.
 */
static int read_padding(struct codec_reader *r, size_t *padding_len)
{
	struct kenh_span pad = { NULL, 0 };
	uint8_t acc = 0;
	size_t i;
	int rc;

	if ((rc = codec_read_fixed(r, codec_reader_remaining(r), &pad)) != 0) return rc;
	for (i = 0; i < pad.len; i++)
		acc |= pad.p[i];
	if (acc != 0) return codec_reader_fail(r, KENH_ERR(KENH_E_PARSE));
	*padding_len = pad.len;
	return 0;
}

int mls_decode_private_message_content(struct codec_reader *r, enum mls_content_type content_type,
                                       struct mls_private_message_content *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	out->content_type = content_type;
	rc = mls_wire_decode_body(r, content_type, &out->application_data, &out->proposal,
	                          &out->commit);
	if (rc == 0) rc = mls_decode_framed_content_auth_data(r, content_type, &out->auth);
	if (rc == 0) rc = read_padding(r, &out->padding_len);
	if (rc != 0) mls_private_message_content_clear(out);
	return rc;
}

int mls_encode_private_message_content(struct codec_writer *w,
                                       const struct mls_private_message_content *in)
{
	static const uint8_t zeros[64];
	size_t left = in->padding_len, n;
	int rc;

	rc = mls_wire_encode_body(w, in->content_type, &in->application_data, &in->proposal,
	                          &in->commit);
	if (rc != 0) return rc;
	if ((rc = mls_encode_framed_content_auth_data(w, in->content_type, &in->auth)) != 0)
		return rc;
	for (; left > 0 && rc == 0; left -= n) {
		n = left < sizeof(zeros) ? left : sizeof(zeros);
		rc = codec_write_bytes(w, zeros, n);
	}
	return codec_writer_err(w);
}

void mls_private_message_content_clear(struct mls_private_message_content *c)
{
	mls_proposal_clear(&c->proposal);
	mls_commit_clear(&c->commit);
	memset(c, 0, sizeof(*c));
}
