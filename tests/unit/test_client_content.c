/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests of the application content encoding (lib/client/content*.c,
 * docs/content.md): a round trip of every type, byte for byte (the
 * encoding is canonical); the decoder negatives of STYLE R17.1 on every
 * type (truncation at every byte, a trailing byte, a non-minimal varint,
 * the 11 prefix, each length one over its maximum, each count one over
 * its maximum, a presence byte of 2) plus enum values out of range, an
 * unknown version or type, and a receipt list of partial ids; the rules
 * (UTF-8 by RFC 3629, control characters, names, percent, duplicates,
 * file names and media types, chunk sizes), which the encoder also
 * enforces; wiping; and allocation failures in the encoder (R17.5).
 */
#include "client/client_content.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "client/client_int.h"
#include "codec/codec.h"
#include "testutil.h"
#include "util/mem.h"

#define NOW 1767225600u

static struct kenh_span str_span(const char *s)
{
	return span_make((const uint8_t *)s, strlen(s));
}

static void fill_id(uint8_t id[CLIENT_ID_LEN], uint8_t seed)
{
	size_t i;

	for (i = 0; i < CLIENT_ID_LEN; i++)
		id[i] = (uint8_t)(seed + i);
}

static void make_file(struct client_file *f, const char *name)
{
	memset(f, 0, sizeof(*f));
	f->blob_id = str_span("blob-0001");
	f->name = str_span(name);
	f->size = 3u << 30;
	f->media_type = str_span("application/pdf");
	memset(f->key, 0xa5, sizeof(f->key));
	f->chunk_size = 1u << 20;
	memset(f->hash, 0x5a, sizeof(f->hash));
}

static void make(enum client_content_type t, struct client_content *c)
{
	static const uint8_t ids[3 * CLIENT_ID_LEN] = { 1, 2, 3 };
	struct client_directive *d = &c->u.directive;
	struct client_report *p = &c->u.report;

	memset(c, 0, sizeof(*c));
	c->type = t;
	fill_id(c->id, 0x10);
	c->sent_at = NOW;
	switch (t) {
	case CLIENT_CONTENT_TEXT:
		c->u.text.text = str_span("Xin chào, đồng chí!\nHọp lúc 8h.");
		break;
	case CLIENT_CONTENT_FILE:
		make_file(&c->u.file, "báo cáo.pdf");
		break;
	case CLIENT_CONTENT_DIRECTIVE:
		d->title = str_span("Secure the bridge");
		d->body = str_span("Close the bridge\tto traffic.");
		d->has_deadline = true;
		d->deadline = NOW + 86400;
		d->priority = CLIENT_PRIORITY_URGENT;
		d->assignees[0] =
		        (struct client_assignee){ CLIENT_ASSIGNEE_UNIT, str_span("thaibinh/pc02") };
		d->assignees[1] =
		        (struct client_assignee){ CLIENT_ASSIGNEE_UNIT, str_span("thaibinh/pc03") };
		d->assignees[2] =
		        (struct client_assignee){ CLIENT_ASSIGNEE_USER, str_span("nguyen.van.a") };
		d->nassignees = 3;
		make_file(&d->attachments[0], "map.png");
		make_file(&d->attachments[1], "orders.pdf");
		d->nattachments = 2;
		break;
	case CLIENT_CONTENT_ACK:
		fill_id(c->u.ack.directive_id, 0x40);
		break;
	case CLIENT_CONTENT_REPORT:
		fill_id(p->directive_id, 0x40);
		p->status = CLIENT_STATUS_IN_PROGRESS;
		p->percent = 40;
		p->text = str_span("Two of five checkpoints closed.");
		make_file(&p->attachments[0], "photo.jpg");
		p->nattachments = 1;
		break;
	case CLIENT_CONTENT_RECEIPT:
		c->u.receipt.kind = CLIENT_RECEIPT_READ;
		c->u.receipt.ids = span_make(ids, sizeof(ids));
		break;
	}
}

/* Encode without the rules, to make what a hostile or buggy peer might send. */
static void raw_encode(const struct client_content *c, struct tu_bytes *out)
{
	struct codec_writer w;

	codec_writer_init(&w, 8u << 20, CODEC_WRITER_NORMAL);
	codec_write_u16(&w, CLIENT_CONTENT_VERSION);
	codec_write_u16(&w, (uint16_t)c->type);
	codec_write_bytes(&w, c->id, CLIENT_ID_LEN);
	codec_write_u64(&w, c->sent_at);
	switch (c->type) {
	case CLIENT_CONTENT_TEXT:
		codec_write_opaque(&w, c->u.text.text.p, c->u.text.text.len);
		break;
	case CLIENT_CONTENT_FILE:
		client_file_encode(&w, &c->u.file);
		break;
	case CLIENT_CONTENT_DIRECTIVE:
		client_directive_body_encode(&w, c);
		break;
	case CLIENT_CONTENT_ACK:
		client_ack_body_encode(&w, c);
		break;
	case CLIENT_CONTENT_REPORT:
		client_report_body_encode(&w, c);
		break;
	case CLIENT_CONTENT_RECEIPT:
		codec_write_u8(&w, (uint8_t)c->u.receipt.kind);
		codec_write_opaque(&w, c->u.receipt.ids.p, c->u.receipt.ids.len);
		break;
	}
	assert_int_equal(codec_writer_finish(&w, &out->p, &out->len), 0);
	codec_writer_clear(&w);
}

static int decode_copy(const uint8_t *p, size_t n)
{
	struct client_content c;
	uint8_t *copy = NULL;
	int rc;

	/* An exact-size copy, so ASan sees any read past the end. */
	assert_int_equal(mem_dup(p, n, &copy), 0);
	rc = client_content_decode(span_make(copy, n), &c);
	mem_free(copy);
	return rc;
}

static const enum client_content_type all_types[] = {
	CLIENT_CONTENT_TEXT, CLIENT_CONTENT_FILE,   CLIENT_CONTENT_DIRECTIVE,
	CLIENT_CONTENT_ACK,  CLIENT_CONTENT_REPORT, CLIENT_CONTENT_RECEIPT,
};

/* ------------------------------------------------------------ round trips */

static void test_client_content_round_trip(void **state)
{
	struct client_content c, d;
	uint8_t *enc = NULL, *again = NULL;
	size_t len = 0, len2 = 0, i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(all_types); i++) {
		make(all_types[i], &c);
		assert_int_equal(client_content_encode(&c, &enc, &len), 0);
		assert_int_equal(client_content_decode(span_make(enc, len), &d), 0);
		assert_int_equal(d.type, c.type);
		assert_memory_equal(d.id, c.id, CLIENT_ID_LEN);
		assert_int_equal(d.sent_at, NOW);
		assert_int_equal(client_content_validate(&d), 0);
		assert_int_equal(client_content_encode(&d, &again, &len2), 0);
		assert_true(tu_bytes_eq("re-encoding", again, len2, enc, len));
		sec_free(enc, len);
		sec_free(again, len2);
	}
}

static void test_client_content_fields(void **state)
{
	struct client_content c, d;
	uint8_t *enc = NULL;
	size_t len = 0;

	(void)state;
	make(CLIENT_CONTENT_DIRECTIVE, &c);
	assert_int_equal(client_content_encode(&c, &enc, &len), 0);
	assert_int_equal(client_content_decode(span_make(enc, len), &d), 0);
	assert_true(span_eq(d.u.directive.title, str_span("Secure the bridge")));
	assert_true(d.u.directive.has_deadline);
	assert_int_equal(d.u.directive.deadline, NOW + 86400);
	assert_int_equal(d.u.directive.priority, CLIENT_PRIORITY_URGENT);
	assert_int_equal(d.u.directive.nassignees, 3);
	assert_int_equal(d.u.directive.assignees[2].kind, CLIENT_ASSIGNEE_USER);
	assert_true(span_eq(d.u.directive.assignees[1].name, str_span("thaibinh/pc03")));
	assert_int_equal(d.u.directive.nattachments, 2);
	assert_true(span_eq(d.u.directive.attachments[1].name, str_span("orders.pdf")));
	assert_int_equal(d.u.directive.attachments[1].size, 3u << 30);
	assert_memory_equal(d.u.directive.attachments[0].key, c.u.directive.attachments[0].key, 32);
	sec_free(enc, len);
	/* No deadline: presence byte 0, and the field stays zero. */
	c.u.directive.has_deadline = false;
	c.u.directive.deadline = 0;
	assert_int_equal(client_content_encode(&c, &enc, &len), 0);
	assert_int_equal(client_content_decode(span_make(enc, len), &d), 0);
	assert_false(d.u.directive.has_deadline);
	sec_free(enc, len);
	make(CLIENT_CONTENT_RECEIPT, &c);
	assert_int_equal(client_receipt_count(&c.u.receipt), 3);
}

/* ---------------------------------------------------------------- negatives */

static void test_client_content_truncated_every_byte(void **state)
{
	struct client_content c;
	struct tu_bytes b;
	size_t i, n;

	(void)state;
	for (i = 0; i < ARRAY_LEN(all_types); i++) {
		make(all_types[i], &c);
		raw_encode(&c, &b);
		assert_int_equal(decode_copy(b.p, b.len), 0);
		for (n = 0; n < b.len; n++) {
			if (decode_copy(b.p, n) != KENH_E_TRUNCATED)
				fail_msg("type %d: prefix %zu/%zu", all_types[i], n, b.len);
		}
		tu_bytes_free(&b);
	}
}

static void test_client_content_trailing_byte(void **state)
{
	struct client_content c;
	struct tu_bytes b;
	uint8_t *longer = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(all_types); i++) {
		make(all_types[i], &c);
		raw_encode(&c, &b);
		assert_int_equal(mem_alloc(b.len + 1, (void **)&longer), 0);
		memcpy(longer, b.p, b.len);
		longer[b.len] = 0;
		assert_int_equal(decode_copy(longer, b.len + 1), KENH_E_TRAILING);
		mem_free(longer);
		tu_bytes_free(&b);
	}
}

#define HEADER_LEN (2 + 2 + CLIENT_ID_LEN + 8)

static void test_client_content_varints(void **state)
{
	struct client_content c;
	struct tu_bytes b;
	uint8_t buf[256];

	(void)state;
	make(CLIENT_CONTENT_TEXT, &c);
	c.u.text.text = str_span("hello");
	raw_encode(&c, &b);
	assert_int_equal(b.p[HEADER_LEN], 5);
	/* The same length as a two-byte varint: not minimal. */
	memcpy(buf, b.p, HEADER_LEN);
	buf[HEADER_LEN] = 0x40;
	buf[HEADER_LEN + 1] = 0x05;
	memcpy(buf + HEADER_LEN + 2, "hello", 5);
	assert_int_equal(decode_copy(buf, HEADER_LEN + 7), KENH_E_PARSE);
	/* And as four bytes. */
	buf[HEADER_LEN] = 0x80;
	buf[HEADER_LEN + 1] = 0;
	buf[HEADER_LEN + 2] = 0;
	buf[HEADER_LEN + 3] = 0x05;
	memcpy(buf + HEADER_LEN + 4, "hello", 5);
	assert_int_equal(decode_copy(buf, HEADER_LEN + 9), KENH_E_PARSE);
	/* The 11 prefix. */
	buf[HEADER_LEN] = 0xc0;
	assert_int_equal(decode_copy(buf, HEADER_LEN + 9), KENH_E_PARSE);
	tu_bytes_free(&b);
}

/* Decode raw_encode(c) and expect rc. */
static void expect_decode(const struct client_content *c, int rc, const char *what)
{
	struct tu_bytes b;
	int got;

	raw_encode(c, &b);
	got = decode_copy(b.p, b.len);
	if (got != rc) fail_msg("%s: %d, expected %d", what, got, rc);
	tu_bytes_free(&b);
}

static void test_client_content_lengths_over_max(void **state)
{
	static uint8_t big[(CLIENT_MAX_TEXT + 1) > (CLIENT_MAX_RECEIPT_IDS + 1) * CLIENT_ID_LEN
	                           ? CLIENT_MAX_TEXT + 1
	                           : (CLIENT_MAX_RECEIPT_IDS + 1) * CLIENT_ID_LEN];
	struct client_content c;

	(void)state;
	memset(big, 'a', sizeof(big));
	make(CLIENT_CONTENT_TEXT, &c);
	c.u.text.text = span_make(big, CLIENT_MAX_TEXT);
	expect_decode(&c, 0, "text at max");
	c.u.text.text = span_make(big, CLIENT_MAX_TEXT + 1);
	expect_decode(&c, KENH_E_TOO_LARGE, "text");
	make(CLIENT_CONTENT_DIRECTIVE, &c);
	c.u.directive.title = span_make(big, CLIENT_MAX_TITLE + 1);
	expect_decode(&c, KENH_E_TOO_LARGE, "title");
	make(CLIENT_CONTENT_DIRECTIVE, &c);
	c.u.directive.body = span_make(big, CLIENT_MAX_TEXT + 1);
	expect_decode(&c, KENH_E_TOO_LARGE, "body");
	make(CLIENT_CONTENT_DIRECTIVE, &c);
	c.u.directive.assignees[0].name = span_make(big, CLIENT_MAX_NAME + 1);
	expect_decode(&c, KENH_E_TOO_LARGE, "assignee name");
	make(CLIENT_CONTENT_DIRECTIVE, &c);
	c.u.directive.attachments[1].blob_id = span_make(big, CLIENT_MAX_BLOB_ID + 1);
	expect_decode(&c, KENH_E_TOO_LARGE, "blob id");
	make(CLIENT_CONTENT_FILE, &c);
	c.u.file.name = span_make(big, CLIENT_MAX_FILE_NAME + 1);
	expect_decode(&c, KENH_E_TOO_LARGE, "file name");
	make(CLIENT_CONTENT_FILE, &c);
	c.u.file.media_type = span_make(big, CLIENT_MAX_MEDIA_TYPE + 1);
	expect_decode(&c, KENH_E_TOO_LARGE, "media type");
	make(CLIENT_CONTENT_REPORT, &c);
	c.u.report.text = span_make(big, CLIENT_MAX_TEXT + 1);
	expect_decode(&c, KENH_E_TOO_LARGE, "report text");
	make(CLIENT_CONTENT_RECEIPT, &c);
	c.u.receipt.ids = span_make(big, CLIENT_MAX_RECEIPT_IDS * CLIENT_ID_LEN);
	expect_decode(&c, 0, "receipt at max");
	c.u.receipt.ids = span_make(big, (CLIENT_MAX_RECEIPT_IDS + 1) * CLIENT_ID_LEN);
	expect_decode(&c, KENH_E_TOO_LARGE, "receipt ids");
	c.u.receipt.ids = span_make(big, 17);
	expect_decode(&c, KENH_E_PARSE, "receipt partial id");
}

/* A directive whose assignee and attachment lists have n and m entries. */
static void directive_with_counts(size_t n, size_t m, struct tu_bytes *out)
{
	struct client_content c;
	struct codec_writer w;
	size_t mark = 0, i;

	make(CLIENT_CONTENT_DIRECTIVE, &c);
	codec_writer_init(&w, 1u << 20, CODEC_WRITER_NORMAL);
	codec_write_u16(&w, CLIENT_CONTENT_VERSION);
	codec_write_u16(&w, CLIENT_CONTENT_DIRECTIVE);
	codec_write_bytes(&w, c.id, CLIENT_ID_LEN);
	codec_write_u64(&w, NOW);
	codec_write_opaque(&w, (const uint8_t *)"t", 1);
	codec_write_opaque(&w, NULL, 0);
	codec_write_optional(&w, false);
	codec_write_u8(&w, CLIENT_PRIORITY_LOW);
	codec_write_vector_begin(&w, &mark);
	for (i = 0; i < n; i++) {
		char name[32];

		snprintf(name, sizeof(name), "user%zu", i);
		codec_write_u8(&w, CLIENT_ASSIGNEE_USER);
		codec_write_opaque(&w, (const uint8_t *)name, strlen(name));
	}
	codec_write_vector_end(&w, mark);
	codec_write_vector_begin(&w, &mark);
	for (i = 0; i < m; i++)
		client_file_encode(&w, &c.u.directive.attachments[0]);
	codec_write_vector_end(&w, mark);
	assert_int_equal(codec_writer_finish(&w, &out->p, &out->len), 0);
	codec_writer_clear(&w);
}

static void test_client_content_counts_over_max(void **state)
{
	struct tu_bytes b;

	(void)state;
	directive_with_counts(CLIENT_MAX_ASSIGNEES, CLIENT_MAX_ATTACHMENTS, &b);
	assert_int_equal(decode_copy(b.p, b.len), 0);
	tu_bytes_free(&b);
	directive_with_counts(CLIENT_MAX_ASSIGNEES + 1, 0, &b);
	assert_int_equal(decode_copy(b.p, b.len), KENH_E_TOO_LARGE);
	tu_bytes_free(&b);
	directive_with_counts(1, CLIENT_MAX_ATTACHMENTS + 1, &b);
	assert_int_equal(decode_copy(b.p, b.len), KENH_E_TOO_LARGE);
	tu_bytes_free(&b);
}

static void test_client_content_presence_byte_two(void **state)
{
	struct client_content c;
	struct tu_bytes b;
	size_t off;

	(void)state;
	make(CLIENT_CONTENT_DIRECTIVE, &c);
	raw_encode(&c, &b);
	off = HEADER_LEN + 1 + c.u.directive.title.len + 1 + c.u.directive.body.len;
	assert_int_equal(b.p[off], 1);
	b.p[off] = 2;
	assert_int_equal(decode_copy(b.p, b.len), KENH_E_PARSE);
	tu_bytes_free(&b);
}

static void test_client_content_enums_out_of_range(void **state)
{
	struct client_content c;
	struct tu_bytes b;

	(void)state;
	make(CLIENT_CONTENT_DIRECTIVE, &c);
	c.u.directive.priority = (enum client_priority)0;
	expect_decode(&c, KENH_E_PARSE, "priority 0");
	c.u.directive.priority = (enum client_priority)5;
	expect_decode(&c, KENH_E_PARSE, "priority 5");
	make(CLIENT_CONTENT_DIRECTIVE, &c);
	c.u.directive.assignees[1].kind = (enum client_assignee_kind)3;
	expect_decode(&c, KENH_E_PARSE, "assignee kind");
	make(CLIENT_CONTENT_REPORT, &c);
	c.u.report.status = (enum client_report_status)0;
	expect_decode(&c, KENH_E_PARSE, "status 0");
	c.u.report.status = (enum client_report_status)5;
	expect_decode(&c, KENH_E_PARSE, "status 5");
	make(CLIENT_CONTENT_RECEIPT, &c);
	c.u.receipt.kind = (enum client_receipt_kind)3;
	expect_decode(&c, KENH_E_PARSE, "receipt kind");
	/* Another version or type: not malformed, but not ours. */
	make(CLIENT_CONTENT_ACK, &c);
	raw_encode(&c, &b);
	b.p[1] = 2;
	assert_int_equal(decode_copy(b.p, b.len), KENH_E_UNSUPPORTED);
	b.p[1] = 1;
	b.p[3] = 7;
	assert_int_equal(decode_copy(b.p, b.len), KENH_E_UNSUPPORTED);
	b.p[3] = 0;
	assert_int_equal(decode_copy(b.p, b.len), KENH_E_UNSUPPORTED);
	tu_bytes_free(&b);
	/* Over the whole-message limit, before any parsing. */
	assert_int_equal(
	        client_content_decode(span_make((const uint8_t *)&c, CLIENT_CONTENT_MAX + 1), &c),
	        KENH_E_TOO_LARGE);
}

/* ------------------------------------------------------------------- rules */

static void test_client_content_utf8(void **state)
{
	static const char *const good[] = {
		"",
		"ascii",
		"Công an tỉnh Thái Bình",
		"\xe2\x82\xac",
		"\xf0\x9f\x9a\x93",
		"\xf4\x8f\xbf\xbf", /* U+10FFFF */
		"\xed\x9f\xbf",     /* U+D7FF */
	};
	static const char *const bad[] = {
		"\xc0\x80",         /* overlong NUL */
		"\xc1\xbf",         /* overlong */
		"\xe0\x80\xaf",     /* overlong '/' */
		"\xf0\x80\x80\xaf", /* overlong '/' */
		"\xed\xa0\x80",     /* surrogate U+D800 */
		"\xed\xbf\xbf",     /* surrogate U+DFFF */
		"\xf4\x90\x80\x80", /* U+110000 */
		"\xf8\x88\x80\x80\x80",
		"\x80",
		"abc\xe2\x82",
		"\xe2\x28\xa1",
		"\xff",
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(good); i++) {
		if (!client_utf8_is_valid(str_span(good[i]))) fail_msg("good %zu refused", i);
	}
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		if (client_utf8_is_valid(str_span(bad[i]))) fail_msg("bad %zu accepted", i);
	}
	assert_true(client_text_is_valid(str_span("a\nb\tc"), true));
	assert_false(client_text_is_valid(str_span("a\nb"), false));
	assert_false(client_text_is_valid(str_span("a\rb"), true));
	assert_false(client_text_is_valid(str_span("a\x7f"), true));
	assert_false(client_text_is_valid(span_make((const uint8_t *)"a\0b", 3), true));
}

/* Validation must refuse c, and so must the encoder. */
static void expect_refused(const struct client_content *c, const char *what)
{
	uint8_t *enc = NULL;
	size_t len = 0;

	if (client_content_validate(c) != KENH_E_PROTO) fail_msg("%s: validated", what);
	if (client_content_encode(c, &enc, &len) != KENH_E_PROTO) fail_msg("%s: encoded", what);
	assert_null(enc);
}

static void test_client_content_rules(void **state)
{
	struct client_content c;

	(void)state;
	make(CLIENT_CONTENT_TEXT, &c);
	c.u.text.text = str_span("");
	expect_refused(&c, "empty text");
	c.u.text.text = str_span("bad \xc0\x80 utf-8");
	expect_refused(&c, "text utf-8");
	make(CLIENT_CONTENT_DIRECTIVE, &c);
	c.u.directive.title = str_span("");
	expect_refused(&c, "empty title");
	c.u.directive.title = str_span("two\nlines");
	expect_refused(&c, "title with a newline");
	make(CLIENT_CONTENT_DIRECTIVE, &c);
	c.u.directive.nassignees = 0;
	expect_refused(&c, "no assignee");
	make(CLIENT_CONTENT_DIRECTIVE, &c);
	c.u.directive.assignees[2] = c.u.directive.assignees[0];
	expect_refused(&c, "duplicate assignee");
	make(CLIENT_CONTENT_DIRECTIVE, &c);
	c.u.directive.assignees[0].name = str_span("Thai Binh");
	expect_refused(&c, "bad unit path");
	c.u.directive.assignees[0].name = str_span("thaibinh//pc02");
	expect_refused(&c, "empty segment");
	make(CLIENT_CONTENT_DIRECTIVE, &c);
	c.u.directive.assignees[2].name = str_span("a/b");
	expect_refused(&c, "user with a slash");
	c.u.directive.assignees[2].name = span_make((const uint8_t *)"ab\0c", 4);
	expect_refused(&c, "user with a NUL");
	make(CLIENT_CONTENT_DIRECTIVE, &c);
	c.u.directive.has_deadline = false;
	expect_refused(&c, "deadline without presence");
	make(CLIENT_CONTENT_REPORT, &c);
	c.u.report.percent = 101;
	expect_refused(&c, "percent 101");
	c.u.report.percent = 99;
	c.u.report.status = CLIENT_STATUS_DONE;
	expect_refused(&c, "done at 99%");
	c.u.report.percent = 100;
	assert_int_equal(client_content_validate(&c), 0);
	make(CLIENT_CONTENT_FILE, &c);
	c.u.file.name = str_span("..");
	expect_refused(&c, "file name ..");
	c.u.file.name = str_span("dir/file");
	expect_refused(&c, "file name with a slash");
	c.u.file.name = str_span("dir\\file");
	expect_refused(&c, "file name with a backslash");
	c.u.file.name = str_span("");
	expect_refused(&c, "empty file name");
	make(CLIENT_CONTENT_FILE, &c);
	c.u.file.media_type = str_span("text");
	expect_refused(&c, "media type without a slash");
	c.u.file.media_type = str_span("text/plain; charset=utf-8");
	expect_refused(&c, "media type with a space");
	c.u.file.media_type = str_span("");
	assert_int_equal(client_content_validate(&c), 0);
	c.u.file.chunk_size = CLIENT_MIN_CHUNK - 1;
	expect_refused(&c, "chunk too small");
	c.u.file.chunk_size = CLIENT_MAX_CHUNK + 1;
	expect_refused(&c, "chunk too large");
	c.u.file.chunk_size = CLIENT_MAX_CHUNK;
	c.u.file.blob_id = str_span("");
	expect_refused(&c, "empty blob id");
	make(CLIENT_CONTENT_RECEIPT, &c);
	c.u.receipt.ids = span_make(c.id, 0);
	expect_refused(&c, "empty receipt");
	make(CLIENT_CONTENT_ACK, &c);
	c.sent_at = UINT64_MAX;
	expect_refused(&c, "time past INT64_MAX");
	c.type = (enum client_content_type)9;
	assert_int_equal(client_content_validate(&c), KENH_E_INVALID_ARG);
}

static void test_client_content_clear(void **state)
{
	struct client_content c;
	uint8_t zero[sizeof(c)];

	(void)state;
	make(CLIENT_CONTENT_FILE, &c);
	client_content_clear(&c);
	memset(zero, 0, sizeof(zero));
	assert_memory_equal(&c, zero, sizeof(c));
	client_content_clear(NULL);
}

#ifdef KENH_FAULT_INJECT
static void test_client_content_allocation_failures(void **state)
{
	struct client_content c;
	uint8_t *enc = NULL;
	size_t len = 0, i;
	unsigned long n;
	int rc = -1;

	(void)state;
	for (i = 0; i < ARRAY_LEN(all_types); i++) {
		make(all_types[i], &c);
		for (n = 1; n < 100; n++) {
			mem_fault_set(n, 0);
			rc = client_content_encode(&c, &enc, &len);
			if (mem_fault_hits() == 0) break;
			mem_fault_set(0, 0);
			assert_int_equal(rc, KENH_E_NOMEM);
			assert_null(enc);
		}
		mem_fault_set(0, 0);
		assert_int_equal(rc, 0);
		assert_true(n >= 2);
		sec_free(enc, len);
	}
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_content_round_trip),
		cmocka_unit_test(test_client_content_fields),
		cmocka_unit_test(test_client_content_truncated_every_byte),
		cmocka_unit_test(test_client_content_trailing_byte),
		cmocka_unit_test(test_client_content_varints),
		cmocka_unit_test(test_client_content_lengths_over_max),
		cmocka_unit_test(test_client_content_counts_over_max),
		cmocka_unit_test(test_client_content_presence_byte_two),
		cmocka_unit_test(test_client_content_enums_out_of_range),
		cmocka_unit_test(test_client_content_utf8),
		cmocka_unit_test(test_client_content_rules),
		cmocka_unit_test(test_client_content_clear),
#ifdef KENH_FAULT_INJECT
		cmocka_unit_test(test_client_content_allocation_failures),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
