/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Runner for mls/deserialization.json (RFC 9420 §2.1.2 variable-length
 * vector headers). Each case gives a header (vlbytes_header, hex) and the
 * length it carries: the header must decode to that length with nothing
 * left over, and encoding the length must give the header back byte for
 * byte (the encoding is minimal, so it is unique).
 */
#include "kat.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "testutil.h"

static const char *check_header(const struct tu_bytes *hdr, uint64_t length)
{
	struct codec_reader r;
	struct codec_writer w;
	struct kenh_span out;
	const char *why = NULL;
	uint32_t v;

	codec_reader_init(&r, hdr->p, hdr->len);
	if (codec_read_varint(&r, &v) != 0) return "vlbytes_header does not decode";
	if (codec_reader_done(&r) != 0) return "bytes left after the header";
	if (v != length) return "decoded length differs";
	codec_writer_init(&w, 8, CODEC_WRITER_NORMAL);
	if (codec_write_varint(&w, v) != 0) {
		why = "length does not encode";
	} else {
		out = codec_writer_span(&w);
		if (!tu_bytes_eq("vlbytes_header", out.p, out.len, hdr->p, hdr->len))
			why = "re-encoded header differs";
	}
	codec_writer_clear(&w);
	return why;
}

void kat_mls_deserialization(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	const char *file = "deserialization.json", *why;
	struct tu_bytes hdr;
	const json_t *tc;
	uint64_t length;
	size_t i;

	(void)ctx;
	if (!json_is_array(root)) {
		kat_result(c, file, 0, 0, "top level is not an array");
		return;
	}
	json_array_foreach(root, i, tc)
	{
		if (!tu_json_hex(tc, "vlbytes_header", &hdr) ||
		    !tu_json_u64(tc, "length", &length)) {
			tu_bytes_free(&hdr);
			kat_result(c, file, i, 0, "missing vlbytes_header or length");
			continue;
		}
		why = check_header(&hdr, length);
		kat_result(c, file, i, why == NULL, why);
		tu_bytes_free(&hdr);
	}
}
