/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * RFC 9420 §6: MLSMessage, the envelope of everything MLS sends: version,
 * wire format, then a PublicMessage, PrivateMessage, Welcome, GroupInfo or
 * KeyPackage. The wire format selects a body without a length prefix, so
 * an unknown one is malformed; a version other than mls10 has no layout
 * we know and is unsupported.
 */
#include "mls/mls_wire.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "mls/mls_wire_int.h"

static int decode_message_body(struct codec_reader *r, struct mls_message *out)
{
	switch (out->wire_format) {
	case MLS_WIRE_FORMAT_PUBLIC_MESSAGE:
		return mls_decode_public_message(r, &out->u.public_message);
	case MLS_WIRE_FORMAT_PRIVATE_MESSAGE:
		return mls_decode_private_message(r, &out->u.private_message);
	case MLS_WIRE_FORMAT_WELCOME:
		return mls_decode_welcome(r, &out->u.welcome);
	case MLS_WIRE_FORMAT_GROUP_INFO:
		return mls_decode_group_info(r, &out->u.group_info);
	case MLS_WIRE_FORMAT_KEY_PACKAGE:
		return mls_decode_key_package(r, &out->u.key_package);
	}
	return codec_reader_fail(r, KENH_ERR(KENH_E_INTERNAL));
}

int mls_decode_message(struct codec_reader *r, struct mls_message *out)
{
	uint16_t v = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = codec_read_u16(r, &out->version)) != 0) return rc;
	if (out->version != MLS_VERSION_MLS10) {
		out->version = 0;
		return codec_reader_fail(r, KENH_ERR(KENH_E_UNSUPPORTED));
	}
	if ((rc = mls_wire_read_enum16(r, MLS_WIRE_FORMAT_KEY_PACKAGE, &v)) != 0) goto out;
	out->wire_format = (enum mls_wire_format)v;
	rc = decode_message_body(r, out);
out:
	if (rc != 0) memset(out, 0, sizeof(*out));
	return rc;
}

int mls_encode_message(struct codec_writer *w, const struct mls_message *in)
{
	/* What we could not decode we do not write either. */
	if (in->version != MLS_VERSION_MLS10) return KENH_ERR(KENH_E_INVALID_ARG);
	codec_write_u16(w, MLS_VERSION_MLS10);
	switch (in->wire_format) {
	case MLS_WIRE_FORMAT_PUBLIC_MESSAGE:
		codec_write_u16(w, MLS_WIRE_FORMAT_PUBLIC_MESSAGE);
		return mls_encode_public_message(w, &in->u.public_message);
	case MLS_WIRE_FORMAT_PRIVATE_MESSAGE:
		codec_write_u16(w, MLS_WIRE_FORMAT_PRIVATE_MESSAGE);
		return mls_encode_private_message(w, &in->u.private_message);
	case MLS_WIRE_FORMAT_WELCOME:
		codec_write_u16(w, MLS_WIRE_FORMAT_WELCOME);
		return mls_encode_welcome(w, &in->u.welcome);
	case MLS_WIRE_FORMAT_GROUP_INFO:
		codec_write_u16(w, MLS_WIRE_FORMAT_GROUP_INFO);
		return mls_encode_group_info(w, &in->u.group_info);
	case MLS_WIRE_FORMAT_KEY_PACKAGE:
		codec_write_u16(w, MLS_WIRE_FORMAT_KEY_PACKAGE);
		return mls_encode_key_package(w, &in->u.key_package);
	}
	return KENH_ERR(KENH_E_INVALID_ARG);
}

void mls_message_clear(struct mls_message *m)
{
	switch (m->wire_format) {
	case MLS_WIRE_FORMAT_PUBLIC_MESSAGE:
		mls_public_message_clear(&m->u.public_message);
		break;
	case MLS_WIRE_FORMAT_WELCOME:
		mls_welcome_clear(&m->u.welcome);
		break;
	case MLS_WIRE_FORMAT_GROUP_INFO:
		mls_group_info_clear(&m->u.group_info);
		break;
	case MLS_WIRE_FORMAT_KEY_PACKAGE:
		mls_key_package_clear(&m->u.key_package);
		break;
	case MLS_WIRE_FORMAT_PRIVATE_MESSAGE:
		break;
	}
	memset(m, 0, sizeof(*m));
}

int mls_message_parse(const uint8_t *buf, size_t len, struct mls_message *out)
{
	struct codec_reader r;
	int rc;

	codec_reader_init(&r, buf, len);
	if ((rc = mls_decode_message(&r, out)) != 0) return rc;
	if ((rc = codec_reader_done(&r)) != 0) mls_message_clear(out);
	return rc;
}
