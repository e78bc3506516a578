/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Fuzz target for lib/codec (STYLE R6.5, R17.8). Three views of the same
 * input:
 *
 * 1. A program: each byte of the current reader is an operation (a typed
 *    read, open or close a child vector, check done) whose parameters come
 *    from the same byte; what follows is its operand. Every successful read
 *    is mirrored into a writer (normal or sensitive) and a measure writer.
 *    Checked: outputs are zero after a failure, the error sticks, views
 *    stay inside the input, and when the whole input decodes, the mirror
 *    reproduces it byte for byte (RFC 9420 §2.1.2 minimal varints make the
 *    encoding canonical) and the measure writer counts its exact length.
 * 2. A sequence of opaque<V>: decode, re-encode, compare.
 * 3. A sequence of vector<vector<opaque<V>>>: decode through child readers,
 *    re-encode through vector_begin/end, compare.
 *
 * The target keeps no state between inputs and does not recurse: child
 * readers sit on a fixed stack.
 */
#include "fuzz.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"

#define DEPTH 8

/* Maxima an operation can pick, around every varint width boundary. */
static const size_t maxima[] = {
	0, 1, 2, 3, 8, 16, 63, 64, 100, 255, 256, 1000, 16383, 16384, 65536, LIMIT_VARINT_MAX,
};

struct machine {
	const uint8_t *base; /* the input, for the views-stay-inside check */
	size_t size;
	struct codec_reader r[DEPTH];
	size_t mark[DEPTH]; /* mark[d]: where child d's body starts in the writers */
	size_t depth;
	struct codec_writer mirror;
	struct codec_writer count;
};

typedef void op_fn(struct machine *m, unsigned param);

static struct codec_reader *top(struct machine *m)
{
	return &m->r[m->depth];
}

/* After every read: the reader's invariant, and a failed read's zero output. */
static void after_read(struct machine *m, int rc, bool zeroed)
{
	const struct codec_reader *r = top(m);

	FUZZ_CHECK(r->off <= r->len);
	if (rc == 0) return;
	FUZZ_CHECK(rc < 0 && codec_reader_err(r) == rc && zeroed);
	FUZZ_CHECK(codec_reader_remaining(r) == 0);
}

static void check_view(const struct machine *m, struct kenh_span s)
{
	if (s.len == 0) return;
	FUZZ_CHECK(s.p >= m->base && s.p <= m->base + m->size);
	FUZZ_CHECK(s.len <= m->size - (size_t)(s.p - m->base));
}

static void op_u8(struct machine *m, unsigned param)
{
	uint8_t v;
	int rc = codec_read_u8(top(m), &v);

	(void)param;
	after_read(m, rc, v == 0);
	codec_write_u8(&m->mirror, v);
	codec_write_u8(&m->count, v);
}

static void op_u16(struct machine *m, unsigned param)
{
	uint16_t v;
	int rc = codec_read_u16(top(m), &v);

	(void)param;
	after_read(m, rc, v == 0);
	codec_write_u16(&m->mirror, v);
	codec_write_u16(&m->count, v);
}

static void op_u32(struct machine *m, unsigned param)
{
	uint32_t v;
	int rc = codec_read_u32(top(m), &v);

	(void)param;
	after_read(m, rc, v == 0);
	codec_write_u32(&m->mirror, v);
	codec_write_u32(&m->count, v);
}

static void op_u64(struct machine *m, unsigned param)
{
	uint64_t v;
	int rc = codec_read_u64(top(m), &v);

	(void)param;
	after_read(m, rc, v == 0);
	codec_write_u64(&m->mirror, v);
	codec_write_u64(&m->count, v);
}

static void op_varint(struct machine *m, unsigned param)
{
	uint32_t v;
	int rc = codec_read_varint(top(m), &v);

	(void)param;
	after_read(m, rc, v == 0);
	FUZZ_CHECK(v <= LIMIT_VARINT_MAX);
	codec_write_varint(&m->mirror, v);
	codec_write_varint(&m->count, v);
}

static void op_opaque(struct machine *m, unsigned param)
{
	size_t max = maxima[param % ARRAY_LEN(maxima)];
	struct kenh_span s;
	int rc = codec_read_opaque(top(m), max, &s);

	after_read(m, rc, s.p == NULL && s.len == 0);
	FUZZ_CHECK(s.len <= max);
	check_view(m, s);
	codec_write_opaque(&m->mirror, s.p, s.len);
	codec_write_opaque(&m->count, s.p, s.len);
}

static void op_opaque_fixed(struct machine *m, unsigned param)
{
	static const size_t widths[] = { 1, 2, 4 };
	size_t width = widths[param % 3], min = (param / 3) % 4, max = 300;
	struct kenh_span s;
	int rc = codec_read_opaque_fixed(top(m), width, min, max, &s);

	after_read(m, rc, s.p == NULL && s.len == 0);
	FUZZ_CHECK(rc != 0 || (s.len >= min && s.len <= max));
	check_view(m, s);
	codec_write_opaque_fixed(&m->mirror, width, s.p, s.len);
	codec_write_opaque_fixed(&m->count, width, s.p, s.len);
}

static void op_optional(struct machine *m, unsigned param)
{
	bool present;
	int rc = codec_read_optional(top(m), &present);

	(void)param;
	after_read(m, rc, !present);
	codec_write_optional(&m->mirror, present);
	codec_write_optional(&m->count, present);
}

static void op_fixed(struct machine *m, unsigned param)
{
	struct kenh_span s;
	int rc = codec_read_fixed(top(m), param, &s);

	after_read(m, rc, s.p == NULL && s.len == 0);
	FUZZ_CHECK(rc != 0 || s.len == param);
	check_view(m, s);
	codec_write_bytes(&m->mirror, s.p, s.len);
	codec_write_bytes(&m->count, s.p, s.len);
}

static void op_bytes(struct machine *m, unsigned param)
{
	uint8_t buf[16], zero[16] = { 0 };
	size_t n = param % sizeof(buf);
	int rc = codec_read_bytes(top(m), buf, n);

	after_read(m, rc, n == 0 || memcmp(buf, zero, n) == 0);
	codec_write_bytes(&m->mirror, buf, n);
	codec_write_bytes(&m->count, buf, n);
}

static void op_open(struct machine *m, unsigned param)
{
	size_t max = maxima[param % ARRAY_LEN(maxima)];
	struct codec_reader *child;
	int rc;

	if (m->depth + 1 == DEPTH) return;
	child = &m->r[m->depth + 1];
	rc = codec_read_vector(top(m), max, child);
	after_read(m, rc, codec_reader_remaining(child) == 0);
	if (rc != 0) return;
	FUZZ_CHECK(child->len <= max && child->off == 0);
	check_view(m, span_make(child->buf, child->len));
	m->depth++;
	codec_write_vector_begin(&m->mirror, &m->mark[m->depth]);
	codec_write_vector_begin(&m->count, &m->mark[m->depth]);
}

/* Close the innermost child; a failed or unfinished child fails its parent. */
static void op_close(struct machine *m, unsigned param)
{
	const struct codec_reader *child = top(m);
	int had, rc;

	(void)param;
	if (m->depth == 0) return;
	had = codec_reader_err(&m->r[m->depth - 1]);
	rc = codec_reader_close_child(&m->r[m->depth - 1], child);
	if (had != 0) FUZZ_CHECK(rc == had);
	if (had == 0) FUZZ_CHECK(rc == codec_reader_done(child));
	codec_write_vector_end(&m->mirror, m->mark[m->depth]);
	codec_write_vector_end(&m->count, m->mark[m->depth]);
	m->depth--;
}

static void op_done(struct machine *m, unsigned param)
{
	const struct codec_reader *r = top(m);
	int rc = codec_reader_done(r);

	(void)param;
	if (codec_reader_err(r) != 0)
		FUZZ_CHECK(rc == codec_reader_err(r));
	else
		FUZZ_CHECK((rc == KENH_E_TRAILING) == (codec_reader_remaining(r) > 0));
}

static op_fn *const ops[] = {
	op_u8,       op_u16,   op_u32,   op_u64,  op_varint, op_opaque, op_opaque_fixed,
	op_optional, op_fixed, op_bytes, op_open, op_close,  op_done,
};

/* After the first failure, every read fails the same way with zero outputs. */
static void check_sticky(struct codec_reader *r)
{
	int err = codec_reader_err(r);
	struct kenh_span s;
	uint64_t d;
	uint32_t v;
	bool p;

	if (err == 0) return;
	FUZZ_CHECK(codec_read_u64(r, &d) == err && d == 0);
	FUZZ_CHECK(codec_read_varint(r, &v) == err && v == 0);
	FUZZ_CHECK(codec_read_opaque(r, LIMIT_VARINT_MAX, &s) == err && s.p == NULL);
	FUZZ_CHECK(codec_read_optional(r, &p) == err && !p);
	FUZZ_CHECK(codec_reader_done(r) == err);
}

static void run_program(struct machine *m)
{
	uint8_t op;

	for (;;) {
		struct codec_reader *r = top(m);
		if (codec_reader_err(r) != 0 || codec_reader_remaining(r) == 0) {
			if (m->depth == 0) return;
			op_close(m, 0);
			continue;
		}
		FUZZ_CHECK(codec_read_u8(r, &op) == 0);
		codec_write_u8(&m->mirror, op);
		codec_write_u8(&m->count, op);
		ops[op % ARRAY_LEN(ops)](m, op / (unsigned)ARRAY_LEN(ops));
	}
}

static void program_view(const uint8_t *data, size_t size)
{
	struct machine m;
	struct kenh_span out;
	/* Room for the 4-byte prefixes reserved while vectors are open. */
	size_t max = size + 4 * DEPTH;

	memset(&m, 0, sizeof(m));
	m.base = data;
	m.size = size;
	codec_reader_init(&m.r[0], data, size);
	codec_writer_init(&m.mirror, max, size & 1 ? CODEC_WRITER_SENSITIVE : CODEC_WRITER_NORMAL);
	codec_writer_init(&m.count, max, CODEC_WRITER_MEASURE);
	run_program(&m);
	check_sticky(&m.r[0]);
	if (codec_reader_done(&m.r[0]) == 0) {
		out = codec_writer_span(&m.mirror);
		FUZZ_CHECK(codec_writer_err(&m.mirror) == 0 && codec_writer_err(&m.count) == 0);
		FUZZ_CHECK(out.len == size && codec_writer_len(&m.count) == size);
		FUZZ_CHECK(size == 0 || memcmp(out.p, data, size) == 0);
	}
	codec_writer_clear(&m.mirror);
	codec_writer_clear(&m.count);
}

/* The writer must hold exactly the input when the reader took all of it. */
static void compare_if_done(const struct codec_reader *r, const struct codec_writer *w,
                            const uint8_t *data, size_t size)
{
	struct kenh_span out = codec_writer_span(w);

	if (codec_reader_done(r) != 0) return;
	FUZZ_CHECK(codec_writer_err(w) == 0 && out.len == size);
	FUZZ_CHECK(size == 0 || memcmp(out.p, data, size) == 0);
}

static void opaque_view(const uint8_t *data, size_t size)
{
	struct codec_reader r;
	struct codec_writer w;
	struct kenh_span s;

	codec_reader_init(&r, data, size);
	codec_writer_init(&w, size, CODEC_WRITER_NORMAL);
	while (codec_reader_remaining(&r) > 0) {
		codec_read_opaque(&r, LIMIT_VARINT_MAX, &s);
		codec_write_opaque(&w, s.p, s.len);
	}
	compare_if_done(&r, &w, data, size);
	codec_writer_clear(&w);
}

/* One vector<opaque<V>> from parent, copied into w through vector_begin/end. */
static void copy_inner(struct codec_reader *parent, struct codec_writer *w)
{
	struct codec_reader inner;
	struct kenh_span s;
	size_t mark;

	codec_read_vector(parent, LIMIT_VARINT_MAX, &inner);
	codec_write_vector_begin(w, &mark);
	while (codec_reader_remaining(&inner) > 0) {
		codec_read_opaque(&inner, LIMIT_VARINT_MAX, &s);
		codec_write_opaque(w, s.p, s.len);
	}
	codec_reader_close_child(parent, &inner);
	codec_write_vector_end(w, mark);
}

static void nested_view(const uint8_t *data, size_t size)
{
	struct codec_reader r, outer;
	struct codec_writer w;
	size_t mark;

	codec_reader_init(&r, data, size);
	codec_writer_init(&w, size + 8, size & 2 ? CODEC_WRITER_SENSITIVE : CODEC_WRITER_NORMAL);
	while (codec_reader_remaining(&r) > 0) {
		codec_read_vector(&r, LIMIT_VARINT_MAX, &outer);
		codec_write_vector_begin(&w, &mark);
		while (codec_reader_remaining(&outer) > 0)
			copy_inner(&outer, &w);
		codec_reader_close_child(&r, &outer);
		codec_write_vector_end(&w, mark);
	}
	compare_if_done(&r, &w, data, size);
	codec_writer_clear(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	program_view(data, size);
	opaque_view(data, size);
	nested_view(data, size);
	return 0;
}
