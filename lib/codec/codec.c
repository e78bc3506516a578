/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The reader half of codec.h: a bounds-checked cursor over a borrowed
 * buffer for the TLS presentation language (RFC 8446 §3) with the MLS
 * variable-length vector header (RFC 9420 §2.1.2) and optional<T>
 * (RFC 9420 §2.1.1). Every read clears its output first and leaves it
 * cleared on failure; the first error is kept (STYLE R6.1) and the cursor
 * never moves again after it. Bounds are checked only in the subtraction
 * form "n > len - off" with off <= len asserted (R6.2). Nothing here
 * allocates or copies except codec_read_bytes into the caller's buffer.
 * What the bytes mean, and their semantic limits, is the decoders' job.
 */
#include "codec/codec.h"

#include "util/compat.h"

#include "codec/limits.h"

/* RFC 9420 §2.1.2: the smallest value each encoded width may carry. */
#define VARINT_MIN_2 64u
#define VARINT_MIN_4 16384u

void codec_reader_init(struct codec_reader *r, const uint8_t *buf, size_t len)
{
	KENH_ASSERT(buf != NULL || len == 0);
	r->buf = buf;
	r->len = len;
	r->off = 0;
	r->err = 0;
}

size_t codec_reader_remaining(const struct codec_reader *r)
{
	if (r->err) return 0;
	KENH_ASSERT(r->off <= r->len);
	return r->len - r->off;
}

int codec_reader_done(const struct codec_reader *r)
{
	if (r->err) return r->err;
	if (codec_reader_remaining(r) != 0) return KENH_ERR(KENH_E_TRAILING);
	return 0;
}

int codec_reader_err(const struct codec_reader *r)
{
	return r->err;
}

int codec_reader_fail(struct codec_reader *r, int err)
{
	KENH_ASSERT(err < 0);
	if (r->err == 0) r->err = err;
	return r->err;
}

/*
 * The one place the cursor moves: *p points at the next n bytes, which are
 * consumed. On failure *p is NULL and the cursor stays where it was.
 */
static int take(struct codec_reader *r, size_t n, const uint8_t **p)
{
	*p = NULL;
	if (r->err) return r->err;
	KENH_ASSERT(r->off <= r->len);
	if (n > r->len - r->off) return codec_reader_fail(r, KENH_ERR(KENH_E_TRUNCATED));
	if (r->buf != NULL) *p = r->buf + r->off;
	r->off += n;
	return 0;
}

/* Look at the next byte without consuming it. */
static int peek_u8(struct codec_reader *r, uint8_t *v)
{
	*v = 0;
	if (r->err) return r->err;
	KENH_ASSERT(r->off <= r->len);
	if (r->len - r->off < 1) return codec_reader_fail(r, KENH_ERR(KENH_E_TRUNCATED));
	*v = r->buf[r->off];
	return 0;
}

int codec_read_u8(struct codec_reader *r, uint8_t *v)
{
	const uint8_t *p;
	int rc;

	*v = 0;
	if ((rc = take(r, 1, &p)) != 0) return rc;
	*v = p[0];
	return 0;
}

int codec_read_u16(struct codec_reader *r, uint16_t *v)
{
	const uint8_t *p;
	int rc;

	*v = 0;
	if ((rc = take(r, 2, &p)) != 0) return rc;
	*v = load_be16(p);
	return 0;
}

int codec_read_u32(struct codec_reader *r, uint32_t *v)
{
	const uint8_t *p;
	int rc;

	*v = 0;
	if ((rc = take(r, 4, &p)) != 0) return rc;
	*v = load_be32(p);
	return 0;
}

int codec_read_u64(struct codec_reader *r, uint64_t *v)
{
	const uint8_t *p;
	int rc;

	*v = 0;
	if ((rc = take(r, 8, &p)) != 0) return rc;
	*v = load_be64(p);
	return 0;
}

int codec_read_varint(struct codec_reader *r, uint32_t *v)
{
	const uint8_t *p;
	uint32_t x;
	uint8_t first;
	int rc;

	*v = 0;
	if ((rc = peek_u8(r, &first)) != 0) return rc;
	/* RFC 9420 §2.1.2: the prefix 0b11 is invalid and MUST be rejected. */
	if (first >> 6 == 3) return codec_reader_fail(r, KENH_ERR(KENH_E_PARSE));
	if ((rc = take(r, (size_t)1 << (first >> 6), &p)) != 0) return rc;
	switch (first >> 6) {
	case 0:
		*v = first;
		return 0;
	case 1:
		x = load_be16(p) & 0x3fffu;
		break;
	default:
		x = load_be32(p) & LIMIT_VARINT_MAX;
		break;
	}
	/* RFC 9420 §2.1.2: an encoding longer than necessary MUST be treated as malformed. */
	if (x < (first >> 6 == 1 ? VARINT_MIN_2 : VARINT_MIN_4))
		return codec_reader_fail(r, KENH_ERR(KENH_E_PARSE));
	*v = x;
	return 0;
}

int codec_read_fixed(struct codec_reader *r, size_t n, struct kenh_span *out)
{
	const uint8_t *p;
	int rc;

	*out = span_make(NULL, 0);
	if ((rc = take(r, n, &p)) != 0) return rc;
	*out = span_make(p, n);
	return 0;
}

int codec_read_bytes(struct codec_reader *r, uint8_t *out, size_t n)
{
	const uint8_t *p;
	int rc;

	KENH_ASSERT(out != NULL || n == 0);
	if (n) memset(out, 0, n);
	if ((rc = take(r, n, &p)) != 0) return rc;
	if (n) memcpy(out, p, n);
	return 0;
}

int codec_read_opaque(struct codec_reader *r, size_t max, struct kenh_span *out)
{
	uint32_t n;
	int rc;

	*out = span_make(NULL, 0);
	if ((rc = codec_read_varint(r, &n)) != 0) return rc;
	/*
	 * The declared length is held against max before against what
	 * remains, so an oversized claim is TOO_LARGE even in a short input
	 * and a streaming caller never waits for bytes it would refuse.
	 */
	if (n > max) return codec_reader_fail(r, KENH_ERR(KENH_E_TOO_LARGE));
	return codec_read_fixed(r, n, out);
}

/* A fixed-width big-endian length of 1, 2 or 4 bytes. */
static int read_length(struct codec_reader *r, size_t width, size_t *n)
{
	uint32_t v32 = 0;
	uint16_t v16 = 0;
	uint8_t v8 = 0;
	int rc;

	*n = 0;
	switch (width) {
	case 1:
		rc = codec_read_u8(r, &v8);
		*n = v8;
		return rc;
	case 2:
		rc = codec_read_u16(r, &v16);
		*n = v16;
		return rc;
	case 4:
		rc = codec_read_u32(r, &v32);
		*n = v32;
		return rc;
	default:
		return codec_reader_fail(r, KENH_ERR(KENH_E_INVALID_ARG));
	}
}

int codec_read_opaque_fixed(struct codec_reader *r, size_t width, size_t min, size_t max,
                            struct kenh_span *out)
{
	size_t n;
	int rc;

	*out = span_make(NULL, 0);
	if ((rc = read_length(r, width, &n)) != 0) return rc;
	if (n > max) return codec_reader_fail(r, KENH_ERR(KENH_E_TOO_LARGE));
	/* RFC 8446 §3.4: a vector shorter than its floor <a..b> is malformed. */
	if (n < min) return codec_reader_fail(r, KENH_ERR(KENH_E_PARSE));
	return codec_read_fixed(r, n, out);
}

int codec_read_vector(struct codec_reader *r, size_t max, struct codec_reader *child)
{
	struct kenh_span body;
	int rc;

	codec_reader_init(child, NULL, 0);
	if ((rc = codec_read_opaque(r, max, &body)) != 0) {
		/* A child of a failed read fails too, in case the caller reads on. */
		child->err = rc;
		return rc;
	}
	codec_reader_init(child, body.p, body.len);
	return 0;
}

int codec_reader_close_child(struct codec_reader *r, const struct codec_reader *child)
{
	int rc;

	if ((rc = codec_reader_done(child)) != 0) return codec_reader_fail(r, rc);
	return r->err;
}

int codec_read_optional(struct codec_reader *r, bool *present)
{
	uint8_t b;
	int rc;

	*present = false;
	if ((rc = codec_read_u8(r, &b)) != 0) return rc;
	/* RFC 9420 §2.1.1: optional<T> carries a presence byte of 0 or 1, nothing else. */
	if (b > 1) return codec_reader_fail(r, KENH_ERR(KENH_E_PARSE));
	*present = b == 1;
	return 0;
}
