/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests for lib/codec (STYLE R6, R17.1, R17.5): the RFC 9420 §2.1.2
 * varint at and around every width boundary, every negative case R17.1
 * asks of a decoder (truncation at every byte, trailing bytes, non-minimal
 * varints of each width, the 11 prefix, a length one over its maximum, a
 * presence byte of 2), sticky errors with zeroed outputs, child readers,
 * the writer's maximum, measure and sensitive modes, nested vectors whose
 * bodies cross the 1/2/4-byte prefix boundaries, a seeded random-walk
 * round trip, and allocation failure at every step of every writer
 * operation (fault-injection builds only).
 */
#include "codec/codec.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>

#include <cmocka.h>

#include "codec/limits.h"
#include "util/mem.h"

/* ---------------------------------------------------------------- helpers */

/* A deterministic generator (splitmix64); rand() is banned (R15.6). */
struct prng {
	uint64_t s;
};

static uint64_t prng_next(struct prng *g)
{
	uint64_t z = (g->s += 0x9e3779b97f4a7c15u);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
	return z ^ (z >> 31);
}

static size_t prng_below(struct prng *g, size_t n)
{
	return (size_t)(prng_next(g) % n);
}

/* Take a finished writer's bytes into a test-owned buffer. */
static void finish_ok(struct codec_writer *w, uint8_t **out, size_t *outlen)
{
	assert_int_equal(codec_writer_finish(w, out, outlen), 0);
	assert_non_null(*out);
}

/* A structure with one field of every kind, used by the negative tests. */
struct sample {
	uint8_t a;
	uint16_t b;
	uint32_t c;
	uint64_t d;
	uint32_t v;
	struct kenh_span o;
	bool present;
	uint16_t opt;
	size_t n;
	uint16_t elems[8];
	struct kenh_span fixed;
};

#define SAMPLE_OPAQUE_MAX 40

/* The straight-line decoder style R6.1 allows: no check until the end. */
static int decode_sample(const uint8_t *p, size_t len, struct sample *s)
{
	struct codec_reader r, child;

	memset(s, 0, sizeof(*s));
	codec_reader_init(&r, p, len);
	codec_read_u8(&r, &s->a);
	codec_read_u16(&r, &s->b);
	codec_read_u32(&r, &s->c);
	codec_read_u64(&r, &s->d);
	codec_read_varint(&r, &s->v);
	codec_read_opaque(&r, SAMPLE_OPAQUE_MAX, &s->o);
	codec_read_optional(&r, &s->present);
	if (s->present) codec_read_u16(&r, &s->opt);
	codec_read_vector(&r, 16, &child);
	while (codec_reader_remaining(&child) > 0 && s->n < ARRAY_LEN(s->elems))
		codec_read_u16(&child, &s->elems[s->n++]);
	codec_reader_close_child(&r, &child);
	codec_read_opaque_fixed(&r, 2, 1, 32, &s->fixed);
	return codec_reader_done(&r);
}

static void encode_sample(uint8_t **out, size_t *outlen)
{
	static const uint8_t text[] = "opaque<V>", tail[] = "fixed";
	struct codec_writer w;
	size_t mark;
	uint16_t i;

	codec_writer_init(&w, 1024, CODEC_WRITER_NORMAL);
	codec_write_u8(&w, 0xa1);
	codec_write_u16(&w, 0xb2b3);
	codec_write_u32(&w, 0xc4c5c6c7);
	codec_write_u64(&w, 0xd8d9dadbdcdddedfu);
	codec_write_varint(&w, 300);
	codec_write_opaque(&w, text, sizeof(text) - 1);
	codec_write_optional(&w, true);
	codec_write_u16(&w, 0x0102);
	codec_write_vector_begin(&w, &mark);
	for (i = 0; i < 3; i++)
		codec_write_u16(&w, (uint16_t)(0x1110 + i));
	codec_write_vector_end(&w, mark);
	codec_write_opaque_fixed(&w, 2, tail, sizeof(tail) - 1);
	finish_ok(&w, out, outlen);
}

static void check_sample(const struct sample *s)
{
	assert_int_equal(s->a, 0xa1);
	assert_int_equal(s->b, 0xb2b3);
	assert_int_equal(s->c, 0xc4c5c6c7);
	assert_true(s->d == 0xd8d9dadbdcdddedfu);
	assert_int_equal(s->v, 300);
	assert_int_equal(s->o.len, 9);
	assert_memory_equal(s->o.p, "opaque<V>", 9);
	assert_true(s->present);
	assert_int_equal(s->opt, 0x0102);
	assert_int_equal(s->n, 3);
	assert_int_equal(s->elems[2], 0x1112);
	assert_int_equal(s->fixed.len, 5);
	assert_memory_equal(s->fixed.p, "fixed", 5);
}

/* Decode p[0..len) as one varint that must be the whole input. */
static int varint_of(const uint8_t *p, size_t len, uint32_t *v)
{
	struct codec_reader r;
	int rc;

	codec_reader_init(&r, p, len);
	if ((rc = codec_read_varint(&r, v)) != 0) return rc;
	return codec_reader_done(&r);
}

/* ------------------------------------------------------------ the reader */

static void test_codec_fixed_ints_big_endian(void **state)
{
	static const uint8_t in[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };
	struct codec_reader r;
	uint64_t d;
	uint32_t c;
	uint16_t b;
	uint8_t a;

	(void)state;
	codec_reader_init(&r, in, sizeof(in));
	assert_int_equal(codec_read_u8(&r, &a), 0);
	assert_int_equal(codec_read_u16(&r, &b), 0);
	assert_int_equal(codec_read_u32(&r, &c), 0);
	assert_int_equal(codec_read_u64(&r, &d), 0);
	assert_int_equal(a, 1);
	assert_int_equal(b, 0x0203);
	assert_int_equal(c, 0x04050607);
	assert_true(d == 0x08090a0b0c0d0e0fu);
	assert_int_equal(codec_reader_remaining(&r), 0);
	assert_int_equal(codec_reader_done(&r), 0);
}

static void test_codec_varint_rfc_examples_and_bounds(void **state)
{
	static const struct {
		uint8_t b[4];
		size_t n;
		uint32_t v;
	} cases[] = {
		/* RFC 9420 §2.1.2 examples. */
		{ { 0x9d, 0x7f, 0x3e, 0x7d }, 4, 494878333 },
		{ { 0x7b, 0xbd }, 2, 15293 },
		{ { 0x25 }, 1, 37 },
		/* Each width's first and last value. */
		{ { 0x00 }, 1, 0 },
		{ { 0x3f }, 1, 63 },
		{ { 0x40, 0x40 }, 2, 64 },
		{ { 0x7f, 0xff }, 2, 16383 },
		{ { 0x80, 0x00, 0x40, 0x00 }, 4, 16384 },
		{ { 0xbf, 0xff, 0xff, 0xff }, 4, LIMIT_VARINT_MAX },
	};
	uint32_t v;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		assert_int_equal(varint_of(cases[i].b, cases[i].n, &v), 0);
		assert_int_equal(v, cases[i].v);
	}
}

static void test_codec_varint_truncated_every_byte(void **state)
{
	static const uint8_t two[] = { 0x7b, 0xbd }, four[] = { 0x9d, 0x7f, 0x3e, 0x7d };
	struct codec_reader r;
	uint32_t v;
	size_t k;

	(void)state;
	for (k = 0; k < sizeof(two); k++) {
		v = 99;
		assert_int_equal(varint_of(two, k, &v), KENH_E_TRUNCATED);
		assert_int_equal(v, 0);
	}
	for (k = 0; k < sizeof(four); k++) {
		v = 99;
		assert_int_equal(varint_of(four, k, &v), KENH_E_TRUNCATED);
		assert_int_equal(v, 0);
	}
	/* A failed varint does not move the cursor. */
	codec_reader_init(&r, four, 3);
	assert_int_equal(codec_read_varint(&r, &v), KENH_E_TRUNCATED);
	assert_int_equal(r.off, 0);
}

static void test_codec_varint_nonminimal_each_width(void **state)
{
	uint8_t b[4];
	uint32_t x, v;

	(void)state;
	/* 2-byte form of 0..63 and 4-byte form of 0..16383 are malformed. */
	for (x = 0; x < 64; x++) {
		store_be16(b, (uint16_t)(0x4000u | x));
		v = 99;
		assert_int_equal(varint_of(b, 2, &v), KENH_E_PARSE);
		assert_int_equal(v, 0);
	}
	for (x = 0; x < 16384; x++) {
		store_be32(b, 0x80000000u | x);
		v = 99;
		assert_int_equal(varint_of(b, 4, &v), KENH_E_PARSE);
		assert_int_equal(v, 0);
	}
	/* One above each threshold is minimal. */
	store_be16(b, 0x4040);
	assert_int_equal(varint_of(b, 2, &v), 0);
	store_be32(b, 0x80004000u);
	assert_int_equal(varint_of(b, 4, &v), 0);
}

static void test_codec_varint_prefix_11(void **state)
{
	uint8_t b[8] = { 0 };
	unsigned first;
	uint32_t v;
	size_t n;

	(void)state;
	for (first = 0xc0; first <= 0xff; first++) {
		b[0] = (uint8_t)first;
		/* Malformed whatever follows, even when nothing does. */
		for (n = 1; n <= sizeof(b); n++) {
			v = 99;
			assert_int_equal(varint_of(b, n, &v), KENH_E_PARSE);
			assert_int_equal(v, 0);
		}
	}
}

static void test_codec_sample_round_trip(void **state)
{
	struct sample s;
	uint8_t *buf;
	size_t len;

	(void)state;
	encode_sample(&buf, &len);
	assert_int_equal(decode_sample(buf, len, &s), 0);
	check_sample(&s);
	mem_free(buf);
}

static void test_codec_truncated_every_byte(void **state)
{
	struct sample s;
	uint8_t *buf, *copy;
	size_t len, k;

	(void)state;
	encode_sample(&buf, &len);
	for (k = 0; k < len; k++) {
		/* An exact-size copy, so ASan sees any read past the cut. */
		assert_int_equal(mem_dup(buf, k, &copy), 0);
		assert_int_equal(decode_sample(copy, k, &s), KENH_E_TRUNCATED);
		mem_free(copy);
	}
	mem_free(buf);
}

static void test_codec_trailing_garbage(void **state)
{
	struct sample s;
	uint8_t *buf, *longer;
	size_t len;

	(void)state;
	encode_sample(&buf, &len);
	assert_int_equal(mem_alloc(len + 1, (void **)&longer), 0);
	memcpy(longer, buf, len);
	longer[len] = 0;
	assert_int_equal(decode_sample(longer, len + 1, &s), KENH_E_TRAILING);
	mem_free(longer);
	mem_free(buf);
}

static void test_codec_opaque_one_over_max(void **state)
{
	uint8_t in[2 + 65] = { 0x40, 65 };
	struct codec_reader r;
	struct kenh_span o;

	(void)state;
	codec_reader_init(&r, in, sizeof(in));
	assert_int_equal(codec_read_opaque(&r, 65, &o), 0);
	assert_int_equal(o.len, 65);
	assert_ptr_equal(o.p, in + 2);
	codec_reader_init(&r, in, sizeof(in));
	assert_int_equal(codec_read_opaque(&r, 64, &o), KENH_E_TOO_LARGE);
	assert_null(o.p);
	assert_int_equal(o.len, 0);
	/* The claim is held against max before against the bytes present. */
	codec_reader_init(&r, in, 2);
	assert_int_equal(codec_read_opaque(&r, 64, &o), KENH_E_TOO_LARGE);
	codec_reader_init(&r, in, 2);
	assert_int_equal(codec_read_opaque(&r, 65, &o), KENH_E_TRUNCATED);
}

static void test_codec_vector_one_over_max(void **state)
{
	static const uint8_t in[] = { 3, 1, 2, 3 };
	struct codec_reader r, child;

	(void)state;
	codec_reader_init(&r, in, sizeof(in));
	assert_int_equal(codec_read_vector(&r, 2, &child), KENH_E_TOO_LARGE);
	/* The child of a failed read fails too. */
	assert_int_equal(codec_reader_err(&child), KENH_E_TOO_LARGE);
	assert_int_equal(codec_reader_remaining(&child), 0);
	codec_reader_init(&r, in, sizeof(in));
	assert_int_equal(codec_read_vector(&r, 3, &child), 0);
	assert_int_equal(codec_reader_remaining(&child), 3);
	assert_int_equal(codec_reader_remaining(&r), 0);
}

static void test_codec_opaque_fixed_bounds(void **state)
{
	static const uint8_t w1[] = { 3, 'a', 'b', 'c' }, w2[] = { 0, 2, 'a', 'b' },
	                     w4[] = { 0, 0, 0, 1, 'a' }, zero[] = { 0, 0 };
	struct codec_reader r;
	struct kenh_span o;

	(void)state;
	codec_reader_init(&r, w1, sizeof(w1));
	assert_int_equal(codec_read_opaque_fixed(&r, 1, 0, 3, &o), 0);
	assert_int_equal(o.len, 3);
	codec_reader_init(&r, w1, sizeof(w1));
	assert_int_equal(codec_read_opaque_fixed(&r, 1, 0, 2, &o), KENH_E_TOO_LARGE);
	codec_reader_init(&r, w2, sizeof(w2));
	assert_int_equal(codec_read_opaque_fixed(&r, 2, 2, 2, &o), 0);
	codec_reader_init(&r, w2, sizeof(w2));
	assert_int_equal(codec_read_opaque_fixed(&r, 2, 3, 9, &o), KENH_E_PARSE);
	codec_reader_init(&r, w4, sizeof(w4));
	assert_int_equal(codec_read_opaque_fixed(&r, 4, 1, 1, &o), 0);
	assert_memory_equal(o.p, "a", 1);
	codec_reader_init(&r, w4, sizeof(w4) - 1);
	assert_int_equal(codec_read_opaque_fixed(&r, 4, 1, 1, &o), KENH_E_TRUNCATED);
	codec_reader_init(&r, zero, sizeof(zero));
	assert_int_equal(codec_read_opaque_fixed(&r, 2, 0, 0, &o), 0);
	assert_int_equal(codec_reader_done(&r), 0);
	codec_reader_init(&r, zero, sizeof(zero));
	assert_int_equal(codec_read_opaque_fixed(&r, 3, 0, 9, &o), KENH_E_INVALID_ARG);
}

static void test_codec_optional_presence_byte(void **state)
{
	static const uint8_t in[] = { 0, 1, 2, 0xff };
	struct codec_reader r;
	bool present;

	(void)state;
	codec_reader_init(&r, in, 1);
	assert_int_equal(codec_read_optional(&r, &present), 0);
	assert_false(present);
	codec_reader_init(&r, in + 1, 1);
	assert_int_equal(codec_read_optional(&r, &present), 0);
	assert_true(present);
	codec_reader_init(&r, in + 2, 1);
	present = true;
	assert_int_equal(codec_read_optional(&r, &present), KENH_E_PARSE);
	assert_false(present);
	codec_reader_init(&r, in + 3, 1);
	assert_int_equal(codec_read_optional(&r, &present), KENH_E_PARSE);
	codec_reader_init(&r, in, 0);
	assert_int_equal(codec_read_optional(&r, &present), KENH_E_TRUNCATED);
}

/* After a failure every read returns the first error and writes zeros. */
static void check_all_reads_fail(struct codec_reader *r, int err)
{
	struct codec_reader child;
	struct kenh_span s = { (const uint8_t *)"x", 1 };
	uint8_t a = 1, bytes[3] = { 1, 1, 1 };
	uint16_t b = 1;
	uint32_t c = 1, v = 1;
	uint64_t d = 1;
	bool p = true;

	assert_int_equal(codec_read_u8(r, &a), err);
	assert_int_equal(codec_read_u16(r, &b), err);
	assert_int_equal(codec_read_u32(r, &c), err);
	assert_int_equal(codec_read_u64(r, &d), err);
	assert_int_equal(codec_read_varint(r, &v), err);
	assert_true(a == 0 && b == 0 && c == 0 && d == 0 && v == 0);
	assert_int_equal(codec_read_bytes(r, bytes, sizeof(bytes)), err);
	assert_true(bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0);
	assert_int_equal(codec_read_fixed(r, 0, &s), err);
	assert_true(s.p == NULL && s.len == 0);
	s.len = 1;
	assert_int_equal(codec_read_opaque(r, 100, &s), err);
	assert_true(s.p == NULL && s.len == 0);
	assert_int_equal(codec_read_opaque_fixed(r, 1, 0, 100, &s), err);
	assert_int_equal(codec_read_optional(r, &p), err);
	assert_false(p);
	assert_int_equal(codec_read_vector(r, 100, &child), err);
	assert_int_equal(codec_reader_remaining(&child), 0);
	assert_int_equal(codec_reader_remaining(r), 0);
	assert_int_equal(codec_reader_done(r), err);
	assert_int_equal(codec_reader_err(r), err);
}

static void test_codec_sticky_error_zeroes_outputs(void **state)
{
	static const uint8_t in[] = { 0xc0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 };
	struct codec_reader r;
	uint32_t v;
	size_t off;

	(void)state;
	codec_reader_init(&r, in, sizeof(in));
	assert_int_equal(codec_read_varint(&r, &v), KENH_E_PARSE);
	off = r.off;
	check_all_reads_fail(&r, KENH_E_PARSE);
	/* The first error stays; the cursor never moves again. */
	assert_int_equal(codec_reader_fail(&r, KENH_E_PROTO), KENH_E_PARSE);
	assert_int_equal(r.off, off);
	codec_reader_init(&r, in + 1, 3);
	assert_int_equal(codec_read_u32(&r, &v), KENH_E_TRUNCATED);
	check_all_reads_fail(&r, KENH_E_TRUNCATED);
	/* A semantic fault recorded by a decoder is sticky the same way. */
	codec_reader_init(&r, in + 1, 4);
	assert_int_equal(codec_reader_fail(&r, KENH_E_PROTO), KENH_E_PROTO);
	check_all_reads_fail(&r, KENH_E_PROTO);
}

static void test_codec_child_leftover_is_trailing(void **state)
{
	static const uint8_t in[] = { 4, 0, 1, 0, 2, 9 };
	struct codec_reader r, child;
	uint16_t e;
	uint8_t x;

	(void)state;
	codec_reader_init(&r, in, sizeof(in));
	assert_int_equal(codec_read_vector(&r, 16, &child), 0);
	assert_int_equal(codec_read_u16(&child, &e), 0);
	assert_int_equal(codec_reader_close_child(&r, &child), KENH_E_TRAILING);
	assert_int_equal(codec_read_u8(&r, &x), KENH_E_TRAILING);
	assert_int_equal(x, 0);
	/* A child's own error becomes the parent's. */
	codec_reader_init(&r, in, sizeof(in));
	assert_int_equal(codec_read_vector(&r, 16, &child), 0);
	assert_int_equal(codec_read_u64(&child, (uint64_t[1]){ 0 }), KENH_E_TRUNCATED);
	assert_int_equal(codec_reader_close_child(&r, &child), KENH_E_TRUNCATED);
	assert_int_equal(codec_reader_done(&r), KENH_E_TRUNCATED);
	/* A fully read child leaves the parent after the body. */
	codec_reader_init(&r, in, sizeof(in));
	assert_int_equal(codec_read_vector(&r, 16, &child), 0);
	assert_int_equal(codec_read_u16(&child, &e), 0);
	assert_int_equal(codec_read_u16(&child, &e), 0);
	assert_int_equal(e, 2);
	assert_int_equal(codec_reader_close_child(&r, &child), 0);
	assert_int_equal(codec_read_u8(&r, &x), 0);
	assert_int_equal(x, 9);
	assert_int_equal(codec_reader_done(&r), 0);
}

static void test_codec_read_bytes_and_fixed(void **state)
{
	static const uint8_t in[] = { 1, 2, 3 };
	struct codec_reader r;
	struct kenh_span s;
	uint8_t out[4] = { 9, 9, 9, 9 };

	(void)state;
	codec_reader_init(&r, in, sizeof(in));
	assert_int_equal(codec_read_bytes(&r, out, 2), 0);
	assert_memory_equal(out, in, 2);
	assert_int_equal(codec_read_fixed(&r, 1, &s), 0);
	assert_ptr_equal(s.p, in + 2);
	assert_int_equal(codec_read_fixed(&r, 0, &s), 0);
	assert_int_equal(codec_reader_done(&r), 0);
	codec_reader_init(&r, in, sizeof(in));
	assert_int_equal(codec_read_bytes(&r, out, 4), KENH_E_TRUNCATED);
	assert_true(out[0] == 0 && out[3] == 0);
	/* An empty reader without a buffer is valid. */
	codec_reader_init(&r, NULL, 0);
	assert_int_equal(codec_read_fixed(&r, 0, &s), 0);
	assert_int_equal(codec_reader_done(&r), 0);
}

/* ------------------------------------------------------------ the writer */

static void test_codec_writer_encodings(void **state)
{
	static const uint8_t want[] = { 0xa1, 0xb2, 0xb3, 0xc4, 0xc5, 0xc6, 0xc7, 0,    0,    0,
		                        0,    0,    0,    0,    1,    0x3f, 0x40, 0x40, 0x7f, 0xff,
		                        0x80, 0x00, 0x40, 0x00, 0xbf, 0xff, 0xff, 0xff, 1,    0,
		                        2,    'h',  'i',  0,    0,    0,    1,    'x',  1,    'y' };
	struct codec_writer w;
	struct kenh_span s;

	(void)state;
	codec_writer_init(&w, 100, CODEC_WRITER_NORMAL);
	codec_write_u8(&w, 0xa1);
	codec_write_u16(&w, 0xb2b3);
	codec_write_u32(&w, 0xc4c5c6c7);
	codec_write_u64(&w, 1);
	codec_write_varint(&w, 63);
	codec_write_varint(&w, 64);
	codec_write_varint(&w, 16383);
	codec_write_varint(&w, 16384);
	codec_write_varint(&w, LIMIT_VARINT_MAX);
	codec_write_optional(&w, true);
	codec_write_opaque_fixed(&w, 2, (const uint8_t *)"hi", 2);
	codec_write_opaque_fixed(&w, 4, (const uint8_t *)"x", 1);
	assert_int_equal(codec_write_opaque(&w, (const uint8_t *)"y", 1), 0);
	s = codec_writer_span(&w);
	assert_int_equal(s.len, sizeof(want));
	assert_memory_equal(s.p, want, sizeof(want));
	assert_int_equal(codec_writer_len(&w), sizeof(want));
	assert_int_equal(codec_write_varint(&w, LIMIT_VARINT_MAX + 1), KENH_E_TOO_LARGE);
	assert_int_equal(codec_writer_err(&w), KENH_E_TOO_LARGE);
	assert_null(codec_writer_span(&w).p);
	codec_writer_clear(&w);
}

static void test_codec_writer_max_enforced(void **state)
{
	static const uint8_t five[5] = { 1, 2, 3, 4, 5 };
	struct codec_writer w;
	uint8_t dummy = 0, *out = &dummy;
	size_t len = 7;

	(void)state;
	codec_writer_init(&w, 6, CODEC_WRITER_NORMAL);
	assert_int_equal(codec_write_opaque(&w, five, 5), 0);
	assert_int_equal(codec_write_u8(&w, 1), KENH_E_TOO_LARGE);
	/* Sticky: even a zero-length write now fails, and finish hands out nothing. */
	assert_int_equal(codec_write_bytes(&w, NULL, 0), KENH_E_TOO_LARGE);
	assert_int_equal(codec_writer_finish(&w, &out, &len), KENH_E_TOO_LARGE);
	assert_null(out);
	assert_int_equal(len, 0);
	codec_writer_clear(&w);
	/* Exactly max fits. */
	codec_writer_init(&w, 6, CODEC_WRITER_NORMAL);
	assert_int_equal(codec_write_opaque(&w, five, 5), 0);
	assert_int_equal(codec_write_bytes(&w, NULL, 0), 0);
	finish_ok(&w, &out, &len);
	assert_int_equal(len, 6);
	mem_free(out);
	codec_writer_clear(&w);
	/* A length that does not fit its fixed-width prefix. */
	codec_writer_init(&w, 1000, CODEC_WRITER_NORMAL);
	assert_int_equal(codec_write_opaque_fixed(&w, 1, five, 256), KENH_E_TOO_LARGE);
	codec_writer_clear(&w);
	codec_writer_init(&w, 1000, CODEC_WRITER_NORMAL);
	assert_int_equal(codec_write_opaque_fixed(&w, 3, five, 1), KENH_E_INVALID_ARG);
	codec_writer_clear(&w);
	codec_writer_init(&w, 1000, CODEC_WRITER_NORMAL);
	assert_int_equal(codec_write_bytes(&w, NULL, 1), KENH_E_INVALID_ARG);
	codec_writer_clear(&w);
}

static void test_codec_writer_finish_hands_over(void **state)
{
	struct codec_writer w;
	uint8_t *out;
	size_t len;

	(void)state;
	codec_writer_init(&w, 100, CODEC_WRITER_NORMAL);
	finish_ok(&w, &out, &len);
	assert_int_equal(len, 0);
	mem_free(out);
	assert_int_equal(codec_write_u16(&w, 0x0102), 0);
	finish_ok(&w, &out, &len);
	assert_int_equal(len, 2);
	assert_int_equal(out[1], 2);
	mem_free(out);
	/* The writer is empty and usable afterwards. */
	assert_int_equal(codec_writer_len(&w), 0);
	assert_null(w.buf);
	assert_int_equal(codec_write_u8(&w, 7), 0);
	assert_int_equal(codec_writer_len(&w), 1);
	codec_writer_clear(&w);
	/* Measure mode has no bytes to hand over. */
	codec_writer_init(&w, 100, CODEC_WRITER_MEASURE);
	assert_int_equal(codec_write_u8(&w, 7), 0);
	assert_int_equal(codec_writer_finish(&w, &out, &len), KENH_E_INVALID_ARG);
	assert_null(out);
	codec_writer_clear(&w);
}

static void test_codec_writer_clear_zeroes_struct(void **state)
{
	static const struct codec_writer zero;
	struct codec_writer w;
	uint8_t big[300];

	(void)state;
	memset(big, 0x5a, sizeof(big));
	codec_writer_init(&w, 1000, CODEC_WRITER_SENSITIVE);
	assert_int_equal(codec_write_opaque(&w, big, sizeof(big)), 0);
	assert_true(w.cap >= sizeof(big) + 2);
	codec_writer_clear(&w);
	assert_memory_equal(&w, &zero, sizeof(w));
	codec_writer_clear(&w);
	codec_writer_clear(NULL);
}

/* A fixed mixture with nested vectors; returns the length written or counted. */
static size_t write_mixture(struct codec_writer *w)
{
	static const uint8_t blob[100] = { 1 };
	size_t m1, m2;

	codec_write_u32(w, 7);
	codec_write_vector_begin(w, &m1);
	codec_write_opaque(w, blob, sizeof(blob));
	codec_write_vector_begin(w, &m2);
	codec_write_varint(w, 70000);
	codec_write_vector_end(w, m2);
	codec_write_optional(w, false);
	codec_write_vector_end(w, m1);
	codec_write_opaque_fixed(w, 1, blob, 3);
	assert_int_equal(codec_writer_err(w), 0);
	return codec_writer_len(w);
}

static void test_codec_writer_measure_matches(void **state)
{
	struct codec_writer w, m;
	size_t n;

	(void)state;
	codec_writer_init(&w, 4096, CODEC_WRITER_NORMAL);
	codec_writer_init(&m, 4096, CODEC_WRITER_MEASURE);
	n = write_mixture(&w);
	assert_int_equal(write_mixture(&m), n);
	/* u32, outer prefix, opaque<100>, inner vector, optional, fixed<3>. */
	assert_int_equal(n, 4 + 2 + (2 + 100) + (1 + 4) + 1 + (1 + 3));
	assert_null(codec_writer_span(&m).p);
	assert_null(m.buf);
	codec_writer_clear(&w);
	codec_writer_clear(&m);
	/* The maximum binds in measure mode too. */
	codec_writer_init(&m, 3, CODEC_WRITER_MEASURE);
	assert_int_equal(codec_write_u32(&m, 1), KENH_E_TOO_LARGE);
	codec_writer_clear(&m);
}

/* opaque<V> of opaque<V> of n bytes, built with known-length writes. */
static void nested_expected(const uint8_t *body, size_t n, size_t extra, uint8_t **out,
                            size_t *outlen)
{
	struct codec_writer w;
	uint8_t *inner;
	size_t inner_len;

	codec_writer_init(&w, 1 << 20, CODEC_WRITER_NORMAL);
	codec_write_opaque(&w, body, n);
	codec_write_bytes(&w, body, extra);
	finish_ok(&w, &inner, &inner_len);
	codec_write_opaque(&w, inner, inner_len);
	finish_ok(&w, out, outlen);
	mem_free(inner);
	codec_writer_clear(&w);
}

/* The same through vector_begin/end, in the given mode. */
static void nested_sliding(const uint8_t *body, size_t n, size_t extra, enum codec_writer_mode mode,
                           uint8_t **out, size_t *outlen)
{
	struct codec_writer w;
	size_t outer, inner;

	codec_writer_init(&w, 1 << 20, mode);
	assert_int_equal(codec_write_vector_begin(&w, &outer), 0);
	assert_int_equal(codec_write_vector_begin(&w, &inner), 0);
	assert_int_equal(codec_write_bytes(&w, body, n), 0);
	assert_int_equal(codec_write_vector_end(&w, inner), 0);
	assert_int_equal(codec_write_bytes(&w, body, extra), 0);
	assert_int_equal(codec_write_vector_end(&w, outer), 0);
	if (mode == CODEC_WRITER_SENSITIVE) {
		/* What the slides vacated holds no copy of the body. */
		size_t i;
		for (i = w.len; i < w.len + 6 && i < w.cap; i++)
			assert_int_equal(w.buf[i], 0);
	}
	finish_ok(&w, out, outlen);
	codec_writer_clear(&w);
}

static void test_codec_nested_vectors_cross_prefix_sizes(void **state)
{
	/* Inner bodies around 63/64 and 16383/16384; extra moves the outer across them. */
	static const size_t sizes[] = { 0,     1,     61,    62,    63,    64,   65,
		                        16380, 16381, 16382, 16383, 16384, 16385 };
	static const size_t extras[] = { 0, 1, 2, 3 };
	uint8_t *body, *want, *got;
	size_t i, j, k, wlen, glen;

	(void)state;
	assert_int_equal(mem_alloc(16400, (void **)&body), 0);
	for (i = 0; i < 16400; i++)
		body[i] = (uint8_t)(i * 7 + 3);
	for (i = 0; i < ARRAY_LEN(sizes); i++) {
		for (j = 0; j < ARRAY_LEN(extras); j++) {
			nested_expected(body, sizes[i], extras[j], &want, &wlen);
			for (k = 0; k < 2; k++) {
				nested_sliding(body, sizes[i], extras[j],
				               k ? CODEC_WRITER_SENSITIVE : CODEC_WRITER_NORMAL,
				               &got, &glen);
				assert_int_equal(glen, wlen);
				assert_memory_equal(got, want, wlen);
				if (k)
					sec_free(got, glen);
				else
					mem_free(got);
			}
			mem_free(want);
		}
	}
	mem_free(body);
}

static void test_codec_vector_end_bad_mark(void **state)
{
	struct codec_writer w;
	size_t outer, inner;

	(void)state;
	codec_writer_init(&w, 100, CODEC_WRITER_NORMAL);
	assert_int_equal(codec_write_vector_begin(&w, &outer), 0);
	assert_int_equal(codec_write_vector_begin(&w, &inner), 0);
	/* Closing the outer first leaves the inner mark past the end. */
	assert_int_equal(codec_write_vector_end(&w, outer), 0);
	assert_int_equal(codec_write_vector_end(&w, inner), KENH_E_INVALID_ARG);
	assert_int_equal(codec_writer_err(&w), KENH_E_INVALID_ARG);
	codec_writer_clear(&w);
	codec_writer_init(&w, 100, CODEC_WRITER_NORMAL);
	assert_int_equal(codec_write_vector_end(&w, 0), KENH_E_INVALID_ARG);
	codec_writer_clear(&w);
	/* begin needs room for the longest prefix. */
	codec_writer_init(&w, 2, CODEC_WRITER_NORMAL);
	assert_int_equal(codec_write_vector_begin(&w, &outer), KENH_E_TOO_LARGE);
	assert_int_equal(outer, 0);
	codec_writer_clear(&w);
}

static void test_codec_sensitive_grows_and_finishes(void **state)
{
	struct codec_writer w;
	uint8_t *out;
	size_t len, i;

	(void)state;
	codec_writer_init(&w, 1 << 16, CODEC_WRITER_SENSITIVE);
	for (i = 0; i < 5000; i++)
		assert_int_equal(codec_write_u8(&w, (uint8_t)i), 0);
	finish_ok(&w, &out, &len);
	assert_int_equal(len, 5000);
	for (i = 0; i < len; i++)
		assert_int_equal(out[i], (uint8_t)i);
	sec_free(out, len);
	codec_writer_clear(&w);
}

/* ----------------------------------------------------- random round trip */

enum item_kind {
	IT_U8,
	IT_U16,
	IT_U32,
	IT_U64,
	IT_VARINT,
	IT_OPAQUE,
	IT_FIXED2,
	IT_OPTIONAL,
	IT_BEGIN,
	IT_END,
	IT_KINDS,
};

struct item {
	enum item_kind kind;
	uint64_t v;
	size_t off, len; /* IT_OPAQUE/IT_FIXED2: bytes of the pool */
};

#define WALK_ITEMS 160
#define WALK_DEPTH 4
#define POOL_LEN   17000

struct walk {
	struct item items[WALK_ITEMS + WALK_DEPTH];
	size_t n;
	uint8_t pool[POOL_LEN];
};

static uint32_t random_varint(struct prng *g)
{
	static const uint32_t edges[] = { 0, 1, 63, 64, 16383, 16384, LIMIT_VARINT_MAX };
	static const uint32_t masks[] = { 0x3f, 0x3fff, LIMIT_VARINT_MAX };

	if (prng_below(g, 3) == 0) return edges[prng_below(g, ARRAY_LEN(edges))];
	return (uint32_t)prng_next(g) & masks[prng_below(g, ARRAY_LEN(masks))];
}

static size_t random_len(struct prng *g)
{
	if (prng_below(g, 40) == 0) return 16380 + prng_below(g, 8);
	return prng_below(g, 3) ? prng_below(g, 70) : prng_below(g, 400);
}

static void random_item(struct prng *g, struct item *it, size_t *depth)
{
	it->kind = (enum item_kind)prng_below(g, IT_KINDS);
	it->v = prng_next(g);
	it->len = random_len(g);
	it->off = prng_below(g, POOL_LEN - it->len);
	if (it->kind == IT_VARINT) it->v = random_varint(g);
	if (it->kind == IT_OPTIONAL) it->v &= 1;
	if (it->kind == IT_BEGIN && *depth == WALK_DEPTH) it->kind = IT_U8;
	if (it->kind == IT_END && *depth == 0) it->kind = IT_U16;
	if (it->kind == IT_BEGIN) (*depth)++;
	if (it->kind == IT_END) (*depth)--;
}

static void make_walk(struct prng *g, struct walk *wk)
{
	size_t i, depth = 0, n = prng_below(g, WALK_ITEMS);

	for (i = 0; i < POOL_LEN; i++)
		wk->pool[i] = (uint8_t)prng_next(g);
	for (wk->n = 0; wk->n < n; wk->n++)
		random_item(g, &wk->items[wk->n], &depth);
	while (depth > 0) {
		wk->items[wk->n++].kind = IT_END;
		depth--;
	}
}

static void write_item(struct codec_writer *w, const struct walk *wk, const struct item *it,
                       size_t marks[], size_t *depth)
{
	switch (it->kind) {
	case IT_U8:
		codec_write_u8(w, (uint8_t)it->v);
		break;
	case IT_U16:
		codec_write_u16(w, (uint16_t)it->v);
		break;
	case IT_U32:
		codec_write_u32(w, (uint32_t)it->v);
		break;
	case IT_U64:
		codec_write_u64(w, it->v);
		break;
	case IT_VARINT:
		codec_write_varint(w, (uint32_t)it->v);
		break;
	case IT_OPAQUE:
		codec_write_opaque(w, wk->pool + it->off, it->len);
		break;
	case IT_FIXED2:
		codec_write_opaque_fixed(w, 2, wk->pool + it->off, it->len);
		break;
	case IT_OPTIONAL:
		codec_write_optional(w, it->v != 0);
		break;
	case IT_BEGIN:
		codec_write_vector_begin(w, &marks[(*depth)++]);
		break;
	case IT_END:
		codec_write_vector_end(w, marks[--(*depth)]);
		break;
	case IT_KINDS:
		fail();
		break;
	}
}

static size_t write_walk(const struct walk *wk, enum codec_writer_mode mode, uint8_t **out)
{
	struct codec_writer w;
	size_t marks[WALK_DEPTH], depth = 0, i, len = 0;

	*out = NULL;
	codec_writer_init(&w, 1 << 22, mode);
	for (i = 0; i < wk->n; i++)
		write_item(&w, wk, &wk->items[i], marks, &depth);
	assert_int_equal(codec_writer_err(&w), 0);
	if (mode == CODEC_WRITER_MEASURE)
		len = codec_writer_len(&w);
	else
		finish_ok(&w, out, &len);
	codec_writer_clear(&w);
	return len;
}

/* Read one item from r (the innermost open reader) and compare it. */
static void read_item(struct codec_reader *stack, size_t *depth, const struct walk *wk,
                      const struct item *it)
{
	struct codec_reader *r = &stack[*depth];
	struct kenh_span s;
	uint64_t d;
	uint32_t c;
	uint16_t b;
	uint8_t a;
	bool p;

	switch (it->kind) {
	case IT_U8:
		assert_int_equal(codec_read_u8(r, &a), 0);
		assert_int_equal(a, (uint8_t)it->v);
		break;
	case IT_U16:
		assert_int_equal(codec_read_u16(r, &b), 0);
		assert_int_equal(b, (uint16_t)it->v);
		break;
	case IT_U32:
		assert_int_equal(codec_read_u32(r, &c), 0);
		assert_int_equal(c, (uint32_t)it->v);
		break;
	case IT_U64:
		assert_int_equal(codec_read_u64(r, &d), 0);
		assert_true(d == it->v);
		break;
	case IT_VARINT:
		assert_int_equal(codec_read_varint(r, &c), 0);
		assert_int_equal(c, it->v);
		break;
	case IT_OPAQUE:
		assert_int_equal(codec_read_opaque(r, it->len, &s), 0);
		assert_int_equal(s.len, it->len);
		assert_memory_equal(s.p, wk->pool + it->off, it->len);
		break;
	case IT_FIXED2:
		assert_int_equal(codec_read_opaque_fixed(r, 2, it->len, it->len, &s), 0);
		assert_memory_equal(s.p, wk->pool + it->off, it->len);
		break;
	case IT_OPTIONAL:
		assert_int_equal(codec_read_optional(r, &p), 0);
		assert_int_equal(p, it->v != 0);
		break;
	case IT_BEGIN:
		assert_int_equal(codec_read_vector(r, LIMIT_VARINT_MAX, &stack[*depth + 1]), 0);
		(*depth)++;
		break;
	case IT_END:
		assert_int_equal(codec_reader_close_child(&stack[*depth - 1], r), 0);
		(*depth)--;
		break;
	case IT_KINDS:
		fail();
		break;
	}
}

static void read_walk(const struct walk *wk, const uint8_t *buf, size_t len)
{
	struct codec_reader stack[WALK_DEPTH + 1];
	size_t i, depth = 0;

	codec_reader_init(&stack[0], buf, len);
	for (i = 0; i < wk->n; i++)
		read_item(stack, &depth, wk, &wk->items[i]);
	assert_int_equal(depth, 0);
	assert_int_equal(codec_reader_done(&stack[0]), 0);
}

static void test_codec_round_trip_random_walk(void **state)
{
	struct prng g = { 0x6b656e68u }; /* fixed seed: failures reproduce */
	struct walk *wk;
	uint8_t *plain, *secret, *none;
	size_t round, len;

	(void)state;
	assert_int_equal(mem_alloc(sizeof(*wk), (void **)&wk), 0);
	for (round = 0; round < 300; round++) {
		make_walk(&g, wk);
		len = write_walk(wk, CODEC_WRITER_NORMAL, &plain);
		assert_int_equal(write_walk(wk, CODEC_WRITER_SENSITIVE, &secret), len);
		assert_int_equal(write_walk(wk, CODEC_WRITER_MEASURE, &none), len);
		assert_memory_equal(plain, secret, len);
		read_walk(wk, plain, len);
		mem_free(plain);
		sec_free(secret, len);
	}
	mem_free(wk);
}

/* ------------------------------------------------------ fault injection */

#ifdef KENH_FAULT_INJECT
/* Each op writes enough of its kind to make the buffer grow several times. */
static void op_u8(struct codec_writer *w)
{
	for (size_t i = 0; i < 600; i++)
		codec_write_u8(w, (uint8_t)i);
}

static void op_u16(struct codec_writer *w)
{
	for (size_t i = 0; i < 300; i++)
		codec_write_u16(w, (uint16_t)i);
}

static void op_u32(struct codec_writer *w)
{
	for (size_t i = 0; i < 150; i++)
		codec_write_u32(w, (uint32_t)i);
}

static void op_u64(struct codec_writer *w)
{
	for (size_t i = 0; i < 80; i++)
		codec_write_u64(w, i);
}

static void op_varint(struct codec_writer *w)
{
	for (uint32_t i = 0; i < 300; i++)
		codec_write_varint(w, i * 4099u);
}

static void op_bytes(struct codec_writer *w)
{
	static const uint8_t b[700] = { 3 };
	codec_write_bytes(w, b, sizeof(b));
	codec_write_bytes(w, b, 10);
}

static void op_opaque(struct codec_writer *w)
{
	static const uint8_t b[300] = { 4 };
	for (size_t i = 0; i < 4; i++)
		codec_write_opaque(w, b, sizeof(b) - i);
}

static void op_opaque_fixed(struct codec_writer *w)
{
	static const uint8_t b[300] = { 5 };
	codec_write_opaque_fixed(w, 1, b, 255);
	codec_write_opaque_fixed(w, 2, b, 300);
	codec_write_opaque_fixed(w, 4, b, 300);
}

static void op_optional(struct codec_writer *w)
{
	for (size_t i = 0; i < 600; i++)
		codec_write_optional(w, (i & 1) != 0);
}

static void op_vectors(struct codec_writer *w)
{
	static const uint8_t b[200] = { 6 };
	size_t m[3];

	codec_write_vector_begin(w, &m[0]);
	codec_write_vector_begin(w, &m[1]);
	codec_write_bytes(w, b, sizeof(b));
	codec_write_vector_end(w, m[1]);
	codec_write_vector_begin(w, &m[2]);
	codec_write_bytes(w, b, sizeof(b));
	codec_write_vector_end(w, m[2]);
	codec_write_vector_end(w, m[0]);
}

static void op_nothing(struct codec_writer *w)
{
	(void)w;
}

typedef void writer_op_fn(struct codec_writer *w);

static void check_failed_writer(struct codec_writer *w)
{
	uint8_t dummy = 0, *out = &dummy;
	size_t len = 1;

	assert_int_equal(codec_writer_err(w), KENH_E_NOMEM);
	assert_int_equal(codec_write_u8(w, 1), KENH_E_NOMEM);
	assert_int_equal(codec_writer_finish(w, &out, &len), KENH_E_NOMEM);
	assert_null(out);
	assert_int_equal(len, 0);
}

/* Run op then finish with allocation n failing; true once nothing failed. */
static bool run_with_fault(writer_op_fn *op, enum codec_writer_mode mode, unsigned long n,
                           int sticky, const struct kenh_span *want)
{
	struct codec_writer w;
	uint8_t *out = NULL;
	size_t len = 0;
	int rc;

	codec_writer_init(&w, 1 << 16, mode);
	mem_fault_set(n, sticky);
	op(&w);
	rc = codec_writer_finish(&w, &out, &len);
	if (mem_fault_hits() == 0) {
		mem_fault_set(0, 0);
		assert_int_equal(rc, 0);
		assert_int_equal(len, want->len);
		assert_memory_equal(out, want->p, len);
	} else {
		mem_fault_set(0, 0);
		assert_int_equal(rc, KENH_E_NOMEM);
		check_failed_writer(&w);
	}
	if (mode == CODEC_WRITER_SENSITIVE)
		sec_free(out, len);
	else
		mem_free(out);
	codec_writer_clear(&w);
	return rc == 0;
}

static void fault_walk(writer_op_fn *op, enum codec_writer_mode mode, int sticky)
{
	struct codec_writer w;
	struct kenh_span want;
	unsigned long n;

	codec_writer_init(&w, 1 << 16, CODEC_WRITER_NORMAL);
	op(&w);
	assert_int_equal(codec_writer_err(&w), 0);
	want = codec_writer_span(&w);
	for (n = 1; n < 100; n++)
		if (run_with_fault(op, mode, n, sticky, &want)) break;
	/* Every op needs at least one allocation, and the walk must end. */
	assert_true(n > 1 && n < 100);
	codec_writer_clear(&w);
}

static void test_codec_writer_fault_injection(void **state)
{
	static writer_op_fn *const ops[] = { op_u8,       op_u16,     op_u32,    op_u64,
		                             op_varint,   op_bytes,   op_opaque, op_opaque_fixed,
		                             op_optional, op_vectors, op_nothing };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(ops); i++) {
		fault_walk(ops[i], CODEC_WRITER_NORMAL, 0);
		fault_walk(ops[i], CODEC_WRITER_SENSITIVE, 0);
		fault_walk(ops[i], CODEC_WRITER_NORMAL, 1);
		fault_walk(ops[i], CODEC_WRITER_SENSITIVE, 1);
	}
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_codec_fixed_ints_big_endian),
		cmocka_unit_test(test_codec_varint_rfc_examples_and_bounds),
		cmocka_unit_test(test_codec_varint_truncated_every_byte),
		cmocka_unit_test(test_codec_varint_nonminimal_each_width),
		cmocka_unit_test(test_codec_varint_prefix_11),
		cmocka_unit_test(test_codec_sample_round_trip),
		cmocka_unit_test(test_codec_truncated_every_byte),
		cmocka_unit_test(test_codec_trailing_garbage),
		cmocka_unit_test(test_codec_opaque_one_over_max),
		cmocka_unit_test(test_codec_vector_one_over_max),
		cmocka_unit_test(test_codec_opaque_fixed_bounds),
		cmocka_unit_test(test_codec_optional_presence_byte),
		cmocka_unit_test(test_codec_sticky_error_zeroes_outputs),
		cmocka_unit_test(test_codec_child_leftover_is_trailing),
		cmocka_unit_test(test_codec_read_bytes_and_fixed),
		cmocka_unit_test(test_codec_writer_encodings),
		cmocka_unit_test(test_codec_writer_max_enforced),
		cmocka_unit_test(test_codec_writer_finish_hands_over),
		cmocka_unit_test(test_codec_writer_clear_zeroes_struct),
		cmocka_unit_test(test_codec_writer_measure_matches),
		cmocka_unit_test(test_codec_nested_vectors_cross_prefix_sizes),
		cmocka_unit_test(test_codec_vector_end_bad_mark),
		cmocka_unit_test(test_codec_sensitive_grows_and_finishes),
		cmocka_unit_test(test_codec_round_trip_random_walk),
#ifdef KENH_FAULT_INJECT
		cmocka_unit_test(test_codec_writer_fault_injection),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
