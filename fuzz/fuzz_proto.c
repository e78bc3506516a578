/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Fuzz target for lib/proto (docs/protocol.md, STYLE R6.5, R17.8). The
 * first byte picks one of the message tables (modulo their number); the
 * rest is a message body. Checked: a decode that fails leaves a zeroed
 * struct, and a decode that succeeds re-encodes to exactly the input
 * (the encoding is canonical). The same bytes are also read as a frame
 * header and as a response status, whose decoders must not fail on any
 * length of input other than a short one.
 */
#include "fuzz.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "proto/proto.h"
#include "util/mem.h"

/* Large enough for every message struct (checked below). */
union any_msg {
	struct proto_kp_upload a;
	struct proto_fetch_resp b;
	struct proto_blob_get_resp c;
	struct proto_handshake d;
	uint8_t raw[256];
};

static void check_message(const struct proto_desc *d, const uint8_t *body, size_t len)
{
	static const uint8_t zero[sizeof(union any_msg)];
	union any_msg m;
	struct codec_writer w;
	int rc;

	FUZZ_CHECK(d->size <= sizeof(m));
	rc = proto_msg_decode(d, body, len, &m, d->size);
	if (rc != 0) {
		FUZZ_CHECK(rc < 0 && memcmp(&m, zero, d->size) == 0);
		return;
	}
	codec_writer_init(&w, LIMIT_FRAME, CODEC_WRITER_NORMAL);
	rc = proto_msg_encode(&w, d, &m);
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(codec_writer_len(&w) == len);
	FUZZ_CHECK(len == 0 || memcmp(codec_writer_span(&w).p, body, len) == 0);
	codec_writer_clear(&w);
	proto_msg_clear(d, &m);
	FUZZ_CHECK(memcmp(&m, zero, d->size) == 0);
}

static void check_header_and_status(const uint8_t *data, size_t size)
{
	struct proto_header h;
	struct codec_reader r;
	uint16_t status = 0;
	uint64_t detail = 0;
	int rc = proto_header_decode(data, size, &h);

	FUZZ_CHECK((rc == 0) == (size >= PROTO_HEADER_LEN));
	codec_reader_init(&r, data, size);
	rc = proto_status_read(&r, &status, &detail);
	if (rc == 0 && status != 0) FUZZ_CHECK(codec_reader_remaining(&r) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0) return 0;
	check_header_and_status(data, size);
	check_message(proto_all_descs[data[0] % proto_n_descs], data + 1, size - 1);
	return 0;
}
