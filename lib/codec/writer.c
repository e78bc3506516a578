/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The writer half of codec.h: a growing buffer with a hard maximum and a
 * sticky error (STYLE R6), producing the encodings the reader accepts and
 * nothing else: minimal RFC 9420 §2.1.2 varints, opaque<V>, TLS fixed-width
 * vectors (RFC 8446 §3.4) and optional<T> (RFC 9420 §2.1.1). Vectors of
 * unknown length reserve the 4-byte prefix and slide the body left when
 * they end. A sensitive writer never reallocs: it grows by
 * allocate-copy-wipe, wipes what a slide vacates, and wipes on clear
 * (R5.3). A measure writer only counts. After the first failure the
 * writer refuses everything (sticky error) and only clear remains useful.
 */
#include "codec/codec.h"

#include "util/compat.h"

#include "codec/limits.h"
#include "util/mem.h"

/* The first allocation; small encodings need no second one. */
#define WRITER_MIN_CAP 64u

/* The largest prefix codec_write_vector_begin reserves. */
#define VECTOR_PREFIX 4u

void codec_writer_init(struct codec_writer *w, size_t max, enum codec_writer_mode mode)
{
	w->buf = NULL;
	w->len = 0;
	w->cap = 0;
	w->max = max;
	w->err = 0;
	w->sensitive = mode == CODEC_WRITER_SENSITIVE;
	w->measure = mode == CODEC_WRITER_MEASURE;
}

/* Release the buffer; a sensitive one is wiped over its whole capacity. */
static void drop_buffer(struct codec_writer *w)
{
	if (w->sensitive)
		sec_free(w->buf, w->cap);
	else
		mem_free(w->buf);
	w->buf = NULL;
	w->len = 0;
	w->cap = 0;
}

void codec_writer_clear(struct codec_writer *w)
{
	if (w == NULL) return;
	drop_buffer(w);
	w->max = 0;
	w->err = 0;
	w->sensitive = false;
	w->measure = false;
}

int codec_writer_err(const struct codec_writer *w)
{
	return w->err;
}

size_t codec_writer_len(const struct codec_writer *w)
{
	return w->len;
}

struct kenh_span codec_writer_span(const struct codec_writer *w)
{
	if (w->err || w->measure || w->buf == NULL) return span_make(NULL, 0);
	return span_make(w->buf, w->len);
}

static int fail(struct codec_writer *w, int err)
{
	if (w->err == 0) w->err = err;
	return w->err;
}

/*
 * Grow the buffer to hold need bytes (need <= max). Capacity doubles but
 * never passes max. A sensitive buffer moves by allocate-copy-wipe, so no
 * copy of its bytes is left in freed memory (R5.3); the new block is zeroed,
 * so bytes past len are never stale secrets.
 */
static int grow(struct codec_writer *w, size_t need)
{
	size_t cap = w->cap < WRITER_MIN_CAP ? WRITER_MIN_CAP : w->cap;
	void *p = NULL;
	int rc;

	cap = cap > w->max / 2 ? w->max : cap * 2;
	if (cap < need) cap = need;
	if (!w->sensitive) {
		if ((rc = mem_grow(w->buf, cap, 1, &p)) != 0) return rc;
	} else {
		if ((rc = sec_alloc(cap, &p)) != 0) return rc;
		if (w->len) memcpy(p, w->buf, w->len);
		sec_free(w->buf, w->cap);
	}
	w->buf = p;
	w->cap = cap;
	return 0;
}

/*
 * Claim the next n bytes. *p points at them, or is NULL in measure mode
 * (the caller then writes nothing). On failure nothing changes but the
 * sticky error.
 */
static int reserve(struct codec_writer *w, size_t n, uint8_t **p)
{
	int rc;

	*p = NULL;
	if (w->err) return w->err;
	KENH_ASSERT(w->len <= w->max);
	KENH_ASSERT(w->measure || w->len <= w->cap);
	if (n > w->max - w->len) return fail(w, KENH_ERR(KENH_E_TOO_LARGE));
	if (w->measure) {
		w->len += n;
		return 0;
	}
	if (n > w->cap - w->len && (rc = grow(w, w->len + n)) != 0) return fail(w, rc);
	*p = w->buf + w->len;
	w->len += n;
	return 0;
}

static int put(struct codec_writer *w, const uint8_t *src, size_t n)
{
	uint8_t *p;
	int rc;

	if ((rc = reserve(w, n, &p)) != 0) return rc;
	if (p != NULL && n) memcpy(p, src, n);
	return 0;
}

int codec_writer_finish(struct codec_writer *w, uint8_t **out, size_t *outlen)
{
	void *empty = NULL;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (w->measure) return KENH_ERR(KENH_E_INVALID_ARG);
	if (w->err) return w->err;
	/* Nothing written yet: still hand over a block, so success is never NULL. */
	if (w->buf == NULL) {
		rc = w->sensitive ? sec_alloc(0, &empty) : mem_alloc(0, &empty);
		if (rc != 0) return fail(w, rc);
		w->buf = empty;
	}
	*out = w->buf;
	*outlen = w->len;
	w->buf = NULL;
	w->len = 0;
	w->cap = 0;
	return 0;
}

int codec_write_u8(struct codec_writer *w, uint8_t v)
{
	return put(w, &v, 1);
}

int codec_write_u16(struct codec_writer *w, uint16_t v)
{
	uint8_t b[2];

	store_be16(b, v);
	return put(w, b, sizeof(b));
}

int codec_write_u32(struct codec_writer *w, uint32_t v)
{
	uint8_t b[4];

	store_be32(b, v);
	return put(w, b, sizeof(b));
}

int codec_write_u64(struct codec_writer *w, uint64_t v)
{
	uint8_t b[8];

	store_be64(b, v);
	return put(w, b, sizeof(b));
}

/*
 * RFC 9420 §2.1.2: the smallest of the 1, 2 or 4-byte forms that holds v
 * (v <= LIMIT_VARINT_MAX); returns its width.
 */
static size_t encode_varint(uint32_t v, uint8_t b[static 4])
{
	if (v < 64) {
		b[0] = (uint8_t)v;
		return 1;
	}
	if (v < 16384) {
		store_be16(b, (uint16_t)(0x4000u | v));
		return 2;
	}
	store_be32(b, 0x80000000u | v);
	return 4;
}

int codec_write_varint(struct codec_writer *w, uint32_t v)
{
	uint8_t b[4];

	if (w->err) return w->err;
	if (v > LIMIT_VARINT_MAX) return fail(w, KENH_ERR(KENH_E_TOO_LARGE));
	return put(w, b, encode_varint(v, b));
}

int codec_write_bytes(struct codec_writer *w, const uint8_t *p, size_t n)
{
	if (w->err) return w->err;
	if (p == NULL && n) return fail(w, KENH_ERR(KENH_E_INVALID_ARG));
	return put(w, p, n);
}

int codec_write_opaque(struct codec_writer *w, const uint8_t *p, size_t n)
{
	int rc;

	if (w->err) return w->err;
	if (n > LIMIT_VARINT_MAX) return fail(w, KENH_ERR(KENH_E_TOO_LARGE));
	if ((rc = codec_write_varint(w, (uint32_t)n)) != 0) return rc;
	return codec_write_bytes(w, p, n);
}

int codec_write_opaque_fixed(struct codec_writer *w, size_t width, const uint8_t *p, size_t n)
{
	int rc;

	if (w->err) return w->err;
	if (width != 1 && width != 2 && width != 4) return fail(w, KENH_ERR(KENH_E_INVALID_ARG));
	/* RFC 8446 §3.4: the length must fit the prefix's width. */
	if (width < 4 && n >> (8 * width) != 0) return fail(w, KENH_ERR(KENH_E_TOO_LARGE));
	if (n > UINT32_MAX) return fail(w, KENH_ERR(KENH_E_TOO_LARGE));
	if (width == 1)
		rc = codec_write_u8(w, (uint8_t)n);
	else if (width == 2)
		rc = codec_write_u16(w, (uint16_t)n);
	else
		rc = codec_write_u32(w, (uint32_t)n);
	if (rc != 0) return rc;
	return codec_write_bytes(w, p, n);
}

int codec_write_optional(struct codec_writer *w, bool present)
{
	return codec_write_u8(w, present ? 1 : 0);
}

int codec_write_vector_begin(struct codec_writer *w, size_t *mark)
{
	uint8_t *p;
	int rc;

	*mark = 0;
	if ((rc = reserve(w, VECTOR_PREFIX, &p)) != 0) return rc;
	*mark = w->len - VECTOR_PREFIX;
	return 0;
}

int codec_write_vector_end(struct codec_writer *w, size_t mark)
{
	uint8_t prefix[VECTOR_PREFIX];
	size_t body, width;

	if (w->err) return w->err;
	/* A mark not from begin, or vectors closed out of order, is the caller's bug. */
	if (mark > w->len || w->len - mark < VECTOR_PREFIX)
		return fail(w, KENH_ERR(KENH_E_INVALID_ARG));
	body = w->len - mark - VECTOR_PREFIX;
	if (body > LIMIT_VARINT_MAX) return fail(w, KENH_ERR(KENH_E_TOO_LARGE));
	width = encode_varint((uint32_t)body, prefix);
	if (!w->measure) {
		memmove(w->buf + mark + width, w->buf + mark + VECTOR_PREFIX, body);
		memcpy(w->buf + mark, prefix, width);
		/* The vacated tail held a copy of the body's last bytes. */
		if (w->sensitive) sec_zero(w->buf + mark + width + body, VECTOR_PREFIX - width);
	}
	w->len -= VECTOR_PREFIX - width;
	return 0;
}
