/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests of the directive bookkeeping (lib/client/directive*.c,
 * docs/directives.md): the expansion of unit assignees with the roster of
 * the directive's epoch (subtree, issuer excepted, users not devices, one
 * row per user); acknowledgement times and latest reports; answers from
 * non-assignees, for other directives and breaking the content rules
 * ignored; overdue at an injected time; the table's encoding identical for
 * every order of the items and with duplicates; clock skew; ties between
 * reports; a replayed directive id with other bytes; and allocation
 * failures (R17.5).
 */
#include "client/client_directive.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "client/client_int.h"
#include "codec/codec.h"
#include "util/mem.h"

#define NOW      1767225600u
#define DEADLINE (NOW + 1000)

static struct kenh_span S(const char *s) {
	return span_make((const uint8_t *)s, strlen(s));
}

static const struct client_member roster[] = {
	{ { (const uint8_t *)"cmd", 3 }, { (const uint8_t *)"thaibinh", 8 } },
	{ { (const uint8_t *)"a2", 2 }, { (const uint8_t *)"thaibinh/pc02", 13 } },
	{ { (const uint8_t *)"a1", 2 }, { (const uint8_t *)"thaibinh/pc02", 13 } },
	{ { (const uint8_t *)"a2", 2 }, { (const uint8_t *)"thaibinh/pc02", 13 } }, /* 2nd device */
	{ { (const uint8_t *)"b1", 2 }, { (const uint8_t *)"thaibinh/pc03", 13 } },
	{ { (const uint8_t *)"c1", 2 }, { (const uint8_t *)"thaibinh/pc02/team1", 19 } },
	{ { (const uint8_t *)"x1", 2 }, { (const uint8_t *)"haiphong/pc01", 13 } },
	{ { (const uint8_t *)"d1", 2 },
	  { (const uint8_t *)"thaibinh/pc021", 14 } }, /* not under pc02 */
};

/* A set of items whose content buffers the fixture owns. */
struct book {
	struct client_item items[64];
	uint8_t *bufs[64];
	size_t lens[64];
	size_t n;
};

static void book_free(struct book *b)
{
	size_t i;

	for (i = 0; i < b->n; i++)
		sec_free(b->bufs[i], b->lens[i]);
	memset(b, 0, sizeof(*b));
}

static void add_raw(struct book *b, const char *user, const char *unit, uint8_t *buf, size_t len)
{
	struct client_item *it = &b->items[b->n];

	assert_true(b->n < ARRAY_LEN(b->items));
	memset(it, 0, sizeof(*it));
	it->user = S(user);
	it->unit = S(unit);
	it->content = span_make(buf, len);
	it->roster = roster;
	it->nroster = ARRAY_LEN(roster);
	b->bufs[b->n] = buf;
	b->lens[b->n] = len;
	b->n++;
}

static void add(struct book *b, const char *user, const char *unit, const struct client_content *c)
{
	uint8_t *buf = NULL;
	size_t len = 0;

	assert_int_equal(client_content_encode(c, &buf, &len), 0);
	add_raw(b, user, unit, buf, len);
}

static void id_of(uint8_t id[CLIENT_ID_LEN], uint8_t tag)
{
	memset(id, tag, CLIENT_ID_LEN);
}

static void directive(struct book *b, const char *from, const char *unit, uint8_t tag, uint64_t at,
                      const char *title)
{
	struct client_content c;
	struct client_directive *d = &c.u.directive;

	memset(&c, 0, sizeof(c));
	c.type = CLIENT_CONTENT_DIRECTIVE;
	id_of(c.id, tag);
	c.sent_at = at;
	d->title = S(title);
	d->has_deadline = true;
	d->deadline = DEADLINE;
	d->priority = CLIENT_PRIORITY_HIGH;
	d->assignees[0] = (struct client_assignee){ CLIENT_ASSIGNEE_UNIT, S("thaibinh/pc02") };
	d->assignees[1] = (struct client_assignee){ CLIENT_ASSIGNEE_USER, S("b1") };
	d->assignees[2] = (struct client_assignee){ CLIENT_ASSIGNEE_USER, S("z9") };
	d->nassignees = 3;
	add(b, from, unit, &c);
}

static void ack(struct book *b, const char *from, uint8_t tag, uint8_t target, uint64_t at)
{
	struct client_content c;

	memset(&c, 0, sizeof(c));
	c.type = CLIENT_CONTENT_ACK;
	id_of(c.id, tag);
	c.sent_at = at;
	id_of(c.u.ack.directive_id, target);
	add(b, from, "", &c);
}

static void make_report(struct client_content *c, uint8_t tag, uint8_t target, uint64_t at,
                        enum client_report_status st, uint8_t pct, const char *text)
{
	memset(c, 0, sizeof(*c));
	c->type = CLIENT_CONTENT_REPORT;
	id_of(c->id, tag);
	c->sent_at = at;
	id_of(c->u.report.directive_id, target);
	c->u.report.status = st;
	c->u.report.percent = pct;
	c->u.report.text = S(text);
}

static void report(struct book *b, const char *from, uint8_t tag, uint8_t target, uint64_t at,
                   enum client_report_status st, uint8_t pct, const char *text)
{
	struct client_content c;

	make_report(&c, tag, target, at, st, pct, text);
	add(b, from, "", &c);
}

/* A report that breaks the rules (percent over 100), encoded without them. */
static void bad_report(struct book *b, const char *from, uint8_t tag, uint8_t target)
{
	struct client_content c;
	struct codec_writer w;
	uint8_t *buf = NULL;
	size_t len = 0;

	make_report(&c, tag, target, NOW + 100, CLIENT_STATUS_IN_PROGRESS, 101, "too much");
	codec_writer_init(&w, 4096, CODEC_WRITER_SENSITIVE);
	codec_write_u16(&w, CLIENT_CONTENT_VERSION);
	codec_write_u16(&w, CLIENT_CONTENT_REPORT);
	codec_write_bytes(&w, c.id, CLIENT_ID_LEN);
	codec_write_u64(&w, c.sent_at);
	client_report_body_encode(&w, &c);
	assert_int_equal(codec_writer_finish(&w, &buf, &len), 0);
	codec_writer_clear(&w);
	add_raw(b, from, "", buf, len);
}

/* The scenario of the file comment: directive 0xd1 and its answers. */
static void scenario(struct book *b)
{
	memset(b, 0, sizeof(*b));
	directive(b, "cmd", "thaibinh", 0xd1, NOW, "Secure the bridge");
	ack(b, "a1", 0x01, 0xd1, NOW + 10);
	report(b, "a1", 0x02, 0xd1, NOW + 20, CLIENT_STATUS_IN_PROGRESS, 50, "halfway");
	report(b, "a1", 0x03, 0xd1, NOW + 30, CLIENT_STATUS_DONE, 100, "done");
	report(b, "a2", 0x04, 0xd1, NOW + 40, CLIENT_STATUS_BLOCKED, 10, "no vehicle");
	ack(b, "b1", 0x05, 0xd1, NOW + 5);
	ack(b, "x1", 0x06, 0xd1, NOW + 6);  /* not an assignee */
	ack(b, "cmd", 0x07, 0xd1, NOW + 7); /* the issuer is not one either */
	ack(b, "c1", 0x08, 0xee, NOW + 8);  /* another directive */
	bad_report(b, "a1", 0x09, 0xd1);    /* breaks the rules */
	directive(b, "cmd", "thaibinh", 0xee, NOW + 1, "Another one");
}

static const struct client_progress_row *row(const struct client_progress *p, const char *user)
{
	size_t i;

	for (i = 0; i < p->nrows; i++) {
		if (span_eq(p->rows[i].user, S(user))) return &p->rows[i];
	}
	fail_msg("no row for %s", user);
	return NULL;
}

static const uint8_t d1[CLIENT_ID_LEN] = { 0xd1, 0xd1, 0xd1, 0xd1, 0xd1, 0xd1, 0xd1, 0xd1,
	                                   0xd1, 0xd1, 0xd1, 0xd1, 0xd1, 0xd1, 0xd1, 0xd1 };

static void test_client_directive_table(void **state)
{
	static const char *const users[] = { "a1", "a2", "b1", "c1", "z9" };
	struct client_progress p;
	const struct client_progress_row *r;
	struct book b;
	size_t i;

	(void)state;
	scenario(&b);
	assert_int_equal(client_progress_build(b.items, b.n, d1, NOW + 500, &p), 0);
	assert_true(span_eq(p.title, S("Secure the bridge")));
	assert_true(span_eq(p.issuer_user, S("cmd")));
	assert_int_equal(p.issued_at, NOW);
	assert_int_equal(p.nrows, ARRAY_LEN(users));
	for (i = 0; i < p.nrows; i++)
		assert_true(span_eq(p.rows[i].user, S(users[i])));
	r = row(&p, "a1");
	assert_true(r->acknowledged);
	assert_int_equal(r->ack_at, NOW + 10);
	assert_true(r->reported);
	assert_int_equal(r->status, CLIENT_STATUS_DONE);
	assert_int_equal(r->percent, 100);
	assert_true(span_eq(r->text, S("done")));
	assert_int_equal(r->report_at, NOW + 30);
	r = row(&p, "a2");
	assert_true(r->acknowledged); /* a report acknowledges */
	assert_int_equal(r->ack_at, NOW + 40);
	assert_int_equal(r->status, CLIENT_STATUS_BLOCKED);
	assert_true(span_eq(r->unit, S("thaibinh/pc02")));
	r = row(&p, "b1");
	assert_true(r->acknowledged);
	assert_false(r->reported);
	assert_true(span_eq(r->unit, S("thaibinh/pc03")));
	r = row(&p, "c1"); /* under pc02: assigned; its ack was for another directive */
	assert_false(r->acknowledged);
	r = row(&p, "z9"); /* named but not in the group */
	assert_int_equal(r->unit.len, 0);
	for (i = 0; i < p.nrows; i++)
		assert_false(p.rows[i].overdue);
	client_progress_clear(&p);
	/* Past the deadline: everyone but the one who is done. */
	assert_int_equal(client_progress_build(b.items, b.n, d1, DEADLINE + 1, &p), 0);
	for (i = 0; i < p.nrows; i++)
		assert_int_equal(p.rows[i].overdue, !span_eq(p.rows[i].user, S("a1")));
	client_progress_clear(&p);
	/* At the deadline itself nobody is late yet. */
	assert_int_equal(client_progress_build(b.items, b.n, d1, DEADLINE, &p), 0);
	for (i = 0; i < p.nrows; i++)
		assert_false(p.rows[i].overdue);
	client_progress_clear(&p);
	book_free(&b);
}

/* A small deterministic generator for shuffles (rand() is banned, R15.6). */
static uint32_t next(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

static void encode_table(const struct client_item *items, size_t n, uint64_t now, uint8_t **out,
                         size_t *len)
{
	struct client_progress p;

	assert_int_equal(client_progress_build(items, n, d1, now, &p), 0);
	assert_int_equal(client_progress_encode(&p, out, len), 0);
	client_progress_clear(&p);
}

static void test_client_directive_order_and_duplicates(void **state)
{
	struct client_item shuffled[2 * ARRAY_LEN(((struct book *)0)->items)];
	uint8_t *ref = NULL, *got = NULL;
	size_t reflen = 0, gotlen = 0, i, n, round;
	uint32_t seed = 7;
	struct book b;

	(void)state;
	scenario(&b);
	encode_table(b.items, b.n, DEADLINE + 1, &ref, &reflen);
	for (round = 0; round < 200; round++) {
		/* Every item once, some twice, in a random order. */
		n = 0;
		for (i = 0; i < b.n; i++) {
			shuffled[n++] = b.items[i];
			if (next(&seed) % 3 == 0) shuffled[n++] = b.items[i];
		}
		for (i = n - 1; i > 0; i--) {
			size_t j = next(&seed) % (i + 1);
			struct client_item t = shuffled[i];

			shuffled[i] = shuffled[j];
			shuffled[j] = t;
		}
		encode_table(shuffled, n, DEADLINE + 1, &got, &gotlen);
		assert_int_equal(gotlen, reflen);
		assert_memory_equal(got, ref, reflen);
		mem_free(got);
	}
	/* Reversed. */
	for (i = 0; i < b.n; i++)
		shuffled[i] = b.items[b.n - 1 - i];
	encode_table(shuffled, b.n, DEADLINE + 1, &got, &gotlen);
	assert_memory_equal(got, ref, reflen);
	mem_free(got);
	mem_free(ref);
	book_free(&b);
}

static void test_client_directive_skew_and_ties(void **state)
{
	struct client_progress p, q;
	struct client_item rev[8];
	struct book b;
	size_t i;

	(void)state;
	memset(&b, 0, sizeof(b));
	directive(&b, "cmd", "thaibinh", 0xd1, NOW, "t");
	/* An answer stamped before the directive (a slow clock) still counts. */
	ack(&b, "b1", 0x01, 0xd1, NOW - 60);
	/* Two reports in the same second: the larger content id is the latest. */
	report(&b, "a1", 0x30, 0xd1, NOW + 9, CLIENT_STATUS_IN_PROGRESS, 30, "thirty");
	report(&b, "a1", 0x20, 0xd1, NOW + 9, CLIENT_STATUS_IN_PROGRESS, 20, "twenty");
	assert_int_equal(client_progress_build(b.items, b.n, d1, NOW, &p), 0);
	assert_int_equal(row(&p, "b1")->ack_at, NOW - 60);
	assert_int_equal(row(&p, "a1")->percent, 30);
	for (i = 0; i < b.n; i++)
		rev[i] = b.items[b.n - 1 - i];
	assert_int_equal(client_progress_build(rev, b.n, d1, NOW, &q), 0);
	assert_int_equal(row(&q, "a1")->percent, 30);
	client_progress_clear(&p);
	client_progress_clear(&q);
	book_free(&b);
}

static void test_client_directive_replayed_id(void **state)
{
	struct client_progress p;
	struct client_item rev[4];
	struct book b;
	size_t i;

	(void)state;
	memset(&b, 0, sizeof(b));
	/* A second item with the same directive id and other bytes: the earliest wins. */
	directive(&b, "x1", "haiphong/pc01", 0xd1, NOW + 50, "Forged later copy");
	directive(&b, "cmd", "thaibinh", 0xd1, NOW, "Original");
	directive(&b, "cmd", "thaibinh", 0xd1, NOW, "Original, other bytes same second");
	for (i = 0; i < b.n; i++)
		rev[i] = b.items[b.n - 1 - i];
	assert_int_equal(client_progress_build(b.items, b.n, d1, NOW, &p), 0);
	/* Same second: the smaller encoding wins ("Original" sorts first). */
	assert_true(span_eq(p.title, S("Original")));
	client_progress_clear(&p);
	assert_int_equal(client_progress_build(rev, b.n, d1, NOW, &p), 0);
	assert_true(span_eq(p.title, S("Original")));
	client_progress_clear(&p);
	book_free(&b);
}

static void test_client_directive_not_found(void **state)
{
	struct client_progress p;
	struct book b;

	(void)state;
	memset(&b, 0, sizeof(b));
	assert_int_equal(client_progress_build(NULL, 0, d1, NOW, &p), KENH_E_NOT_FOUND);
	ack(&b, "a1", 0x01, 0xd1, NOW);
	report(&b, "a1", 0x02, 0xd1, NOW, CLIENT_STATUS_DONE, 100, "");
	assert_int_equal(client_progress_build(b.items, b.n, d1, NOW, &p), KENH_E_NOT_FOUND);
	/* Garbage is skipped, not fatal. */
	{
		uint8_t *junk = NULL;

		assert_int_equal(mem_dup("\x00\x01\x00\x03junk", 8, &junk), 0);
		add_raw(&b, "a1", "", junk, 8);
	}
	directive(&b, "cmd", "thaibinh", 0xd1, NOW, "t");
	assert_int_equal(client_progress_build(b.items, b.n, d1, NOW, &p), 0);
	assert_true(row(&p, "a1")->reported);
	client_progress_clear(&p);
	assert_int_equal(client_progress_build(b.items, b.n, NULL, NOW, &p), KENH_E_INVALID_ARG);
	book_free(&b);
}

static void test_client_directive_issuer_and_devices(void **state)
{
	static const struct client_member r2[] = {
		{ { (const uint8_t *)"cmd", 3 }, { (const uint8_t *)"thaibinh/pc02", 13 } },
		{ { (const uint8_t *)"m", 1 }, { (const uint8_t *)"thaibinh/pc02/z", 15 } },
		{ { (const uint8_t *)"m", 1 }, { (const uint8_t *)"thaibinh/pc02/a", 15 } },
	};
	struct client_progress p;
	struct client_content c;
	struct book b;

	(void)state;
	memset(&b, 0, sizeof(b));
	memset(&c, 0, sizeof(c));
	c.type = CLIENT_CONTENT_DIRECTIVE;
	id_of(c.id, 0xd1);
	c.sent_at = NOW;
	c.u.directive.title = S("t");
	c.u.directive.priority = CLIENT_PRIORITY_LOW;
	c.u.directive.assignees[0] =
	        (struct client_assignee){ CLIENT_ASSIGNEE_UNIT, S("thaibinh") };
	c.u.directive.nassignees = 1;
	add(&b, "cmd", "thaibinh/pc02", &c);
	b.items[0].roster = r2;
	b.items[0].nroster = ARRAY_LEN(r2);
	assert_int_equal(client_progress_build(b.items, b.n, d1, NOW + 999999, &p), 0);
	/* The issuer is not in its own unit expansion; a user with two devices is one row. */
	assert_int_equal(p.nrows, 1);
	assert_true(span_eq(p.rows[0].user, S("m")));
	assert_true(span_eq(p.rows[0].unit, S("thaibinh/pc02/a")));
	assert_false(p.rows[0].overdue); /* no deadline: never overdue */
	client_progress_clear(&p);
	book_free(&b);
	/* Named explicitly, the issuer is an assignee like anyone else. */
	c.u.directive.assignees[1] = (struct client_assignee){ CLIENT_ASSIGNEE_USER, S("cmd") };
	c.u.directive.nassignees = 2;
	add(&b, "cmd", "thaibinh/pc02", &c);
	b.items[0].roster = r2;
	b.items[0].nroster = ARRAY_LEN(r2);
	assert_int_equal(client_progress_build(b.items, b.n, d1, NOW, &p), 0);
	assert_int_equal(p.nrows, 2);
	assert_true(span_eq(p.rows[0].user, S("cmd")));
	assert_true(span_eq(p.rows[0].unit, S("thaibinh/pc02")));
	client_progress_clear(&p);
	book_free(&b);
}

static void test_client_directive_encoding(void **state)
{
	struct client_progress p;
	struct codec_reader r, rows;
	struct kenh_span s;
	uint8_t *enc = NULL;
	size_t len = 0, n = 0;
	uint16_t v = 0;
	struct book b;

	(void)state;
	scenario(&b);
	assert_int_equal(client_progress_build(b.items, b.n, d1, DEADLINE + 1, &p), 0);
	assert_int_equal(client_progress_encode(&p, &enc, &len), 0);
	/* Walk the encoding as docs/directives.md defines it. */
	codec_reader_init(&r, enc, len);
	codec_read_u16(&r, &v);
	assert_int_equal(v, 1);
	codec_read_fixed(&r, CLIENT_ID_LEN, &s);
	assert_memory_equal(s.p, d1, CLIENT_ID_LEN);
	codec_read_opaque(&r, 64, &s);
	assert_true(span_eq(s, S("cmd")));
	codec_read_opaque(&r, 64, &s);
	codec_read_opaque(&r, 256, &s);
	assert_true(span_eq(s, S("Secure the bridge")));
	{
		uint64_t t = 0;
		bool present = false;
		uint8_t prio = 0;

		codec_read_u64(&r, &t);
		assert_int_equal(t, NOW);
		codec_read_optional(&r, &present);
		assert_true(present);
		codec_read_u64(&r, &t);
		assert_int_equal(t, DEADLINE);
		codec_read_u8(&r, &prio);
		assert_int_equal(prio, CLIENT_PRIORITY_HIGH);
		codec_read_u64(&r, &t);
		assert_int_equal(t, DEADLINE + 1);
	}
	codec_read_vector(&r, len, &rows);
	while (codec_reader_remaining(&rows) > 0 && codec_reader_err(&rows) == 0) {
		bool ack = false, rep = false;
		uint64_t t;
		uint8_t u8;

		codec_read_opaque(&rows, 64, &s);
		codec_read_opaque(&rows, 64, &s);
		codec_read_optional(&rows, &ack);
		if (ack) codec_read_u64(&rows, &t);
		codec_read_optional(&rows, &rep);
		if (rep) {
			codec_read_u64(&rows, &t);
			codec_read_fixed(&rows, CLIENT_ID_LEN, &s);
			codec_read_u8(&rows, &u8);
			codec_read_u8(&rows, &u8);
			codec_read_opaque(&rows, 1u << 20, &s);
		}
		codec_read_u8(&rows, &u8);
		n++;
	}
	assert_int_equal(codec_reader_close_child(&r, &rows), 0);
	assert_int_equal(codec_reader_done(&r), 0);
	assert_int_equal(n, p.nrows);
	mem_free(enc);
	client_progress_clear(&p);
	book_free(&b);
}

#ifdef KENH_FAULT_INJECT
static void test_client_directive_allocation_failures(void **state)
{
	struct client_progress p;
	uint8_t *enc = NULL;
	size_t len = 0;
	unsigned long n;
	struct book b;
	int rc = -1;

	(void)state;
	scenario(&b);
	for (n = 1; n < 100; n++) {
		mem_fault_set(n, 0);
		rc = client_progress_build(b.items, b.n, d1, NOW, &p);
		if (rc == 0) rc = client_progress_encode(&p, &enc, &len);
		client_progress_clear(&p);
		if (mem_fault_hits() == 0) break;
		mem_fault_set(0, 0);
		assert_int_equal(rc, KENH_E_NOMEM);
	}
	mem_fault_set(0, 0);
	assert_int_equal(rc, 0);
	assert_true(n >= 3);
	mem_free(enc);
	book_free(&b);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_directive_table),
		cmocka_unit_test(test_client_directive_order_and_duplicates),
		cmocka_unit_test(test_client_directive_skew_and_ties),
		cmocka_unit_test(test_client_directive_replayed_id),
		cmocka_unit_test(test_client_directive_not_found),
		cmocka_unit_test(test_client_directive_issuer_and_devices),
		cmocka_unit_test(test_client_directive_encoding),
#ifdef KENH_FAULT_INJECT
		cmocka_unit_test(test_client_directive_allocation_failures),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
