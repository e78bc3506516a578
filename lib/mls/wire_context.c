/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * RFC 9420 §8.1: GroupContext, the summary of a group's state that feeds
 * the key schedule, FramedContentTBS and GroupInfo. Only the encoding
 * lives here; which version, suite and extensions are acceptable is
 * decided by the group logic.
 */
#include "mls/mls_wire.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"

int mls_decode_group_context(struct codec_reader *r, struct mls_group_context *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	codec_read_u16(r, &out->version);
	codec_read_u16(r, &out->cipher_suite);
	codec_read_opaque(r, LIMIT_GROUP_ID, &out->group_id);
	codec_read_u64(r, &out->epoch);
	codec_read_opaque(r, LIMIT_HASH, &out->tree_hash);
	codec_read_opaque(r, LIMIT_HASH, &out->confirmed_transcript_hash);
	if ((rc = codec_reader_err(r)) == 0) rc = mls_decode_extension_list(r, &out->extensions);
	if (rc != 0) mls_group_context_clear(out);
	return rc;
}

int mls_encode_group_context(struct codec_writer *w, const struct mls_group_context *in)
{
	codec_write_u16(w, in->version);
	codec_write_u16(w, in->cipher_suite);
	codec_write_opaque(w, in->group_id.p, in->group_id.len);
	codec_write_u64(w, in->epoch);
	codec_write_opaque(w, in->tree_hash.p, in->tree_hash.len);
	codec_write_opaque(w, in->confirmed_transcript_hash.p, in->confirmed_transcript_hash.len);
	return mls_encode_extension_list(w, &in->extensions);
}

void mls_group_context_clear(struct mls_group_context *gc)
{
	mls_extension_list_clear(&gc->extensions);
	memset(gc, 0, sizeof(*gc));
}
