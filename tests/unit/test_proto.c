/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests for lib/proto (docs/protocol.md, STYLE R17.1): for every
 * message table a filled sample is encoded, decoded and re-encoded
 * byte for byte, then decoded from every truncation and with a trailing
 * byte; hand-built bodies check a non-minimal varint, the 11 prefix, a
 * length one over its maximum and one under its minimum, a presence byte
 * of 2, a bool of 2, an enum out of range and a list one entry over its
 * maximum; the frame header, the response status and error frames; the
 * encoder's refusal of values the decoder would refuse; and allocation
 * failure at every step of a list decode (fault-injection builds).
 */
#include "proto/proto.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>

#include <cmocka.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "util/mem.h"

/* Bytes the sample spans point into. */
static const uint8_t filler[64] = { 1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13,
	                            14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26 };

/* A sample byte string for a field of min..max bytes. */
static struct kenh_span sample_span(const struct proto_field *f)
{
	size_t n = f->min > 3 ? f->min : 3;

	if (n > f->max) n = f->max;
	return span_make(filler, n);
}

/* Fill a flat struct (no list) with values inside every field's limits. */
static void fill_flat(const struct proto_desc *d, uint8_t *msg)
{
	size_t i;

	for (i = 0; i < d->nfields; i++) {
		const struct proto_field *f = &d->fields[i];
		uint8_t *p = msg + f->offset;
		struct proto_opt o = { true, sample_span(f) };
		struct kenh_span s = sample_span(f);
		uint16_t v16 = 0x1234;
		uint32_t v32 = 0x12345678;
		uint64_t v64 = 0x0102030405060708u;
		bool b = true;

		switch (f->kind) {
		case PROTO_F_U8:
			*p = (uint8_t)f->max;
			break;
		case PROTO_F_U16:
			memcpy(p, &v16, sizeof(v16));
			break;
		case PROTO_F_U32:
			memcpy(p, &v32, sizeof(v32));
			break;
		case PROTO_F_U64:
			memcpy(p, &v64, sizeof(v64));
			break;
		case PROTO_F_BOOL:
			memcpy(p, &b, sizeof(b));
			break;
		case PROTO_F_OPAQUE:
			memcpy(p, &s, sizeof(s));
			break;
		case PROTO_F_OPTIONAL:
			memcpy(p, &o, sizeof(o));
			break;
		case PROTO_F_LIST:
			break;
		}
	}
}

/* Storage for a sample: the message and two list elements per list field. */
struct sample {
	uint8_t msg[256];
	uint8_t elems[4][2][256];
};

static void fill_sample(const struct proto_desc *d, struct sample *s)
{
	size_t i, nl = 0, two = 2;

	memset(s, 0, sizeof(*s));
	assert_true(d->size <= sizeof(s->msg));
	fill_flat(d, s->msg);
	for (i = 0; i < d->nfields; i++) {
		const struct proto_field *f = &d->fields[i];
		void *items = s->elems[nl];

		if (f->kind != PROTO_F_LIST) continue;
		assert_true(nl < 4 && f->elem->size * 2 <= sizeof(s->elems[nl]));
		fill_flat(f->elem, s->elems[nl][0]);
		fill_flat(f->elem, s->elems[nl][0] + f->elem->size);
		memcpy(s->msg + f->offset, &items, sizeof(items));
		memcpy(s->msg + f->count_offset, &two, sizeof(two));
		nl++;
	}
}

static void encode_ok(const struct proto_desc *d, const void *msg, uint8_t **out, size_t *len)
{
	struct codec_writer w;

	codec_writer_init(&w, LIMIT_FRAME, CODEC_WRITER_NORMAL);
	assert_int_equal(proto_msg_encode(&w, d, msg), 0);
	assert_int_equal(codec_writer_finish(&w, out, len), 0);
}

/* Encode, decode, re-encode: the same bytes (canonical encoding, R6.5). */
static void test_proto_round_trip_every_message(void **state)
{
	size_t k;

	(void)state;
	for (k = 0; k < proto_n_descs; k++) {
		const struct proto_desc *d = proto_all_descs[k];
		struct sample s;
		uint8_t got[256];
		uint8_t *a = NULL, *b = NULL;
		size_t alen = 0, blen = 0;

		fill_sample(d, &s);
		encode_ok(d, s.msg, &a, &alen);
		assert_int_equal(proto_msg_decode(d, a, alen, got, d->size), 0);
		encode_ok(d, got, &b, &blen);
		assert_int_equal(alen, blen);
		assert_memory_equal(a, b, alen);
		proto_msg_clear(d, got);
		mem_free(a);
		mem_free(b);
	}
}

/* Every strict prefix fails and leaves a zeroed struct; a trailing byte is TRAILING. */
static void test_proto_truncated_and_trailing_every_message(void **state)
{
	size_t k, n;
	static const uint8_t zero[256];

	(void)state;
	for (k = 0; k < proto_n_descs; k++) {
		const struct proto_desc *d = proto_all_descs[k];
		struct sample s;
		uint8_t got[256], *a = NULL, *longer = NULL;
		size_t alen = 0;

		fill_sample(d, &s);
		encode_ok(d, s.msg, &a, &alen);
		for (n = 0; n < alen; n++) {
			memset(got, 0xa5, sizeof(got));
			assert_int_not_equal(proto_msg_decode(d, a, n, got, d->size), 0);
			assert_memory_equal(got, zero, d->size);
		}
		assert_int_equal(mem_alloc(alen + 1, (void **)&longer), 0);
		memcpy(longer, a, alen);
		longer[alen] = 0;
		assert_int_equal(proto_msg_decode(d, longer, alen + 1, got, d->size),
		                 KENH_E_TRAILING);
		assert_memory_equal(got, zero, d->size);
		mem_free(longer);
		mem_free(a);
	}
}

/* KeyPackageClaim: device<1..255>; length 3 written in two bytes is not minimal. */
static void test_proto_nonminimal_varint(void **state)
{
	static const uint8_t body[] = { 0x40, 0x03, 'a', 'b', 'c' };
	struct proto_kp_claim m;

	(void)state;
	assert_int_equal(proto_msg_decode(&proto_desc_kp_claim, body, sizeof(body), &m, sizeof(m)),
	                 KENH_E_PARSE);
}

static void test_proto_prefix_11(void **state)
{
	static const uint8_t body[] = { 0xc0, 0x00, 0x00, 0x03, 'a', 'b', 'c' };
	struct proto_kp_claim m;

	(void)state;
	assert_int_equal(proto_msg_decode(&proto_desc_kp_claim, body, sizeof(body), &m, sizeof(m)),
	                 KENH_E_PARSE);
}

/* device is at most 255 bytes: 256 is TOO_LARGE, 255 decodes. */
static void test_proto_length_one_over_max(void **state)
{
	uint8_t body[2 + 256];
	struct proto_kp_claim m;

	(void)state;
	memset(body, 'x', sizeof(body));
	body[0] = 0x41;
	body[1] = 0x00; /* 256 */
	assert_int_equal(proto_msg_decode(&proto_desc_kp_claim, body, sizeof(body), &m, sizeof(m)),
	                 KENH_E_TOO_LARGE);
	body[0] = 0x40;
	body[1] = 0xff; /* 255 */
	assert_int_equal(
	        proto_msg_decode(&proto_desc_kp_claim, body, sizeof(body) - 1, &m, sizeof(m)), 0);
	assert_int_equal(m.device.len, 255);
}

/* A ticket is exactly 16 bytes: 15 is PARSE. */
static void test_proto_length_under_min(void **state)
{
	uint8_t body[1 + 15];
	struct proto_ticket m;

	(void)state;
	memset(body, 7, sizeof(body));
	body[0] = 15;
	assert_int_equal(proto_msg_decode(&proto_desc_ticket, body, sizeof(body), &m, sizeof(m)),
	                 KENH_E_PARSE);
}

/* HandshakeSubmit: message, then optional welcome whose presence byte is 2. */
static void test_proto_presence_byte_2(void **state)
{
	static const uint8_t body[] = { 0x01, 0xaa, 0x02, 0x01, 0xbb, 0x00 };
	struct proto_handshake m;

	(void)state;
	assert_int_equal(proto_msg_decode(&proto_desc_handshake, body, sizeof(body), &m, sizeof(m)),
	                 KENH_E_PARSE);
}

static void test_proto_bool_2(void **state)
{
	static const uint8_t body[] = { 0x01, 0xaa, 0x02 };
	struct proto_kp_claim_resp m;

	(void)state;
	assert_int_equal(
	        proto_msg_decode(&proto_desc_kp_claim_resp, body, sizeof(body), &m, sizeof(m)),
	        KENH_E_PARSE);
}

/* Delivery.kind is 1..4; 0 and 5 are PARSE. */
static void test_proto_enum_out_of_range(void **state)
{
	uint8_t body[] = { 0x05, 0x01, 'g', 0, 0, 0, 0, 0, 0, 0, 1, 0x01, 0xaa };
	struct proto_delivery m;

	(void)state;
	assert_int_equal(proto_msg_decode(&proto_desc_delivery, body, sizeof(body), &m, sizeof(m)),
	                 KENH_E_PARSE);
	body[0] = 0;
	assert_int_equal(proto_msg_decode(&proto_desc_delivery, body, sizeof(body), &m, sizeof(m)),
	                 KENH_E_PARSE);
	body[0] = 2;
	assert_int_equal(proto_msg_decode(&proto_desc_delivery, body, sizeof(body), &m, sizeof(m)),
	                 0);
	assert_int_equal(m.kind, PROTO_DELIVERY_INBOX);
	assert_int_equal(m.seq, 1);
	body[0] = 3;
	assert_int_equal(proto_msg_decode(&proto_desc_delivery, body, sizeof(body), &m, sizeof(m)),
	                 0);
	assert_int_equal(m.kind, PROTO_DELIVERY_WIPE);
	body[0] = 4;
	assert_int_equal(proto_msg_decode(&proto_desc_delivery, body, sizeof(body), &m, sizeof(m)),
	                 0);
	assert_int_equal(m.kind, PROTO_DELIVERY_CERT);
}

/* RenewSubmit: two optional fields; a presence byte of 2 in either is PARSE. */
static void test_proto_renew_submit_presence(void **state)
{
	uint8_t body[] = { 0x01, 0x01, 0x30, 0x00 };
	struct proto_renew_submit m;

	(void)state;
	assert_int_equal(proto_msg_decode(&proto_desc_renew_submit, body, 4, &m, sizeof(m)), 0);
	assert_true(m.csr.present);
	assert_false(m.certificate.present);
	assert_int_equal(m.csr.v.len, 1);
	body[3] = 2;
	assert_int_equal(proto_msg_decode(&proto_desc_renew_submit, body, 4, &m, sizeof(m)),
	                 KENH_E_PARSE);
	body[0] = 2;
	body[3] = 0;
	assert_int_equal(proto_msg_decode(&proto_desc_renew_submit, body, 4, &m, sizeof(m)),
	                 KENH_E_PARSE);
	/* Absent, then an empty present value: under the minimum of 1 byte. */
	body[0] = 0;
	body[1] = 1;
	body[2] = 0;
	assert_int_equal(proto_msg_decode(&proto_desc_renew_submit, body, 3, &m, sizeof(m)),
	                 KENH_E_PARSE);
}

/* RenewSubmit.csr is at most 8192 bytes: 8193 is TOO_LARGE, 8192 decodes. */
static void test_proto_renew_submit_csr_over_max(void **state)
{
	size_t len = 1 + 2 + PROTO_MAX_CSR + 1 + 1;
	uint8_t *body = NULL;
	struct proto_renew_submit m;

	(void)state;
	assert_int_equal(mem_calloc(1, len, (void **)&body), 0);
	body[0] = 1;
	store_be16(body + 1, (uint16_t)((PROTO_MAX_CSR + 1) | 0x4000u));
	assert_int_equal(proto_msg_decode(&proto_desc_renew_submit, body, len, &m, sizeof(m)),
	                 KENH_E_TOO_LARGE);
	store_be16(body + 1, (uint16_t)(PROTO_MAX_CSR | 0x4000u));
	assert_int_equal(proto_msg_decode(&proto_desc_renew_submit, body, len - 1, &m, sizeof(m)),
	                 0);
	assert_int_equal(m.csr.v.len, PROTO_MAX_CSR);
	mem_free(body);
}

/* EnrollEntry: kind 1 or 2 (3 is PARSE); a device name of 256 bytes is TOO_LARGE. */
static void test_proto_enroll_entry_kind_and_device(void **state)
{
	uint8_t body[1 + PROTO_TICKET_LEN + 2 + 1 + 2 + 256] = { PROTO_TICKET_LEN };
	size_t o = 1 + PROTO_TICKET_LEN;
	struct proto_enroll_entry m;

	(void)state;
	memset(body + o + 4, 'd', 256);
	body[o] = 1; /* csr<1> */
	body[o + 1] = 0x30;
	body[o + 2] = PROTO_ENROLL_RENEW;
	body[o + 3] = 0x41; /* device: 256 bytes */
	body[o + 4] = 0x00;
	assert_int_equal(
	        proto_msg_decode(&proto_desc_enroll_entry, body, sizeof(body), &m, sizeof(m)),
	        KENH_E_TOO_LARGE);
	body[o + 3] = 0x40; /* 255 */
	body[o + 4] = 0xff;
	assert_int_equal(
	        proto_msg_decode(&proto_desc_enroll_entry, body, sizeof(body) - 1, &m, sizeof(m)),
	        0);
	assert_int_equal(m.kind, PROTO_ENROLL_RENEW);
	assert_int_equal(m.device.len, 255);
	body[o + 2] = 3;
	assert_int_equal(
	        proto_msg_decode(&proto_desc_enroll_entry, body, sizeof(body) - 1, &m, sizeof(m)),
	        KENH_E_PARSE);
	body[o + 2] = 0;
	assert_int_equal(
	        proto_msg_decode(&proto_desc_enroll_entry, body, sizeof(body) - 1, &m, sizeof(m)),
	        KENH_E_PARSE);
}

/* EnrollReject.reason is 1..7. */
static void test_proto_enroll_reject_reason(void **state)
{
	uint8_t body[1 + PROTO_TICKET_LEN + 1] = { PROTO_TICKET_LEN };
	struct proto_enroll_reject m;

	(void)state;
	body[sizeof(body) - 1] = PROTO_REFUSED_TOO_MANY;
	assert_int_equal(
	        proto_msg_decode(&proto_desc_enroll_reject, body, sizeof(body), &m, sizeof(m)), 0);
	assert_int_equal(m.reason, PROTO_REFUSED_TOO_MANY);
	body[sizeof(body) - 1] = PROTO_REFUSED_TOO_MANY + 1;
	assert_int_equal(
	        proto_msg_decode(&proto_desc_enroll_reject, body, sizeof(body), &m, sizeof(m)),
	        KENH_E_PARSE);
	body[sizeof(body) - 1] = 0;
	assert_int_equal(
	        proto_msg_decode(&proto_desc_enroll_reject, body, sizeof(body), &m, sizeof(m)),
	        KENH_E_PARSE);
}

/* Ack: 1024 entries decode, 1025 are TOO_LARGE (the array never grows past 1024). */
static void test_proto_list_one_over_max(void **state)
{
	static const uint8_t entry[] = { 1, 1, 'g', 0, 0, 0, 0, 0, 0, 0, 9 };
	size_t n = PROTO_MAX_ACKS + 1, i, len = 2 + n * sizeof(entry);
	uint8_t *body = NULL;
	struct proto_ack m;

	(void)state;
	assert_int_equal(mem_alloc(len, (void **)&body), 0);
	/* Both bodies fit the 2-byte varint (under 16384 bytes), as minimality demands. */
	store_be16(body, (uint16_t)(n * sizeof(entry) | 0x4000u));
	for (i = 0; i < n; i++)
		memcpy(body + 2 + i * sizeof(entry), entry, sizeof(entry));
	assert_int_equal(proto_msg_decode(&proto_desc_ack, body, len, &m, sizeof(m)),
	                 KENH_E_TOO_LARGE);
	n--;
	store_be16(body, (uint16_t)(n * sizeof(entry) | 0x4000u));
	assert_int_equal(
	        proto_msg_decode(&proto_desc_ack, body, 2 + n * sizeof(entry), &m, sizeof(m)), 0);
	assert_int_equal(m.n_acks, PROTO_MAX_ACKS);
	assert_int_equal(m.acks[1023].seq, 9);
	proto_msg_clear(&proto_desc_ack, &m);
	mem_free(body);
}

/* An element that does not fill the list body exactly is refused. */
static void test_proto_list_element_cut(void **state)
{
	static const uint8_t body[] = { 0x03, 1, 1, 'g', 0x00 };
	struct proto_fetch_resp m;

	(void)state;
	assert_int_not_equal(
	        proto_msg_decode(&proto_desc_fetch_resp, body, sizeof(body), &m, sizeof(m)), 0);
	assert_null(m.entries);
}

static void test_proto_encoder_refuses_out_of_limits(void **state)
{
	struct codec_writer w;
	struct proto_kp_claim c = { span_make(NULL, 0) };
	struct proto_ticket t = { span_make(filler, 15) };
	struct proto_delivery d = { 5, span_make(filler, 1), 1, span_make(filler, 1) };
	struct proto_ack a = { NULL, 1 };

	(void)state;
	codec_writer_init(&w, LIMIT_FRAME, CODEC_WRITER_NORMAL);
	assert_int_equal(proto_msg_encode(&w, &proto_desc_kp_claim, &c), KENH_E_INVALID_ARG);
	assert_int_equal(proto_msg_encode(&w, &proto_desc_ticket, &t), KENH_E_INVALID_ARG);
	assert_int_equal(proto_msg_encode(&w, &proto_desc_delivery, &d), KENH_E_INVALID_ARG);
	assert_int_equal(proto_msg_encode(&w, &proto_desc_ack, &a), KENH_E_INVALID_ARG);
	codec_writer_clear(&w);
}

static void test_proto_header_round_trip(void **state)
{
	struct proto_header h = { 0x01020304, 0x8021, 0xa0b0c0d0 }, g;
	uint8_t b[PROTO_HEADER_LEN];

	(void)state;
	proto_header_encode(&h, b);
	assert_int_equal(b[0], 1);
	assert_int_equal(b[4], 0x80);
	assert_int_equal(b[9], 0xd0);
	assert_int_equal(proto_header_decode(b, sizeof(b), &g), 0);
	assert_int_equal(g.length, h.length);
	assert_int_equal(g.type, h.type);
	assert_int_equal(g.request_id, h.request_id);
	assert_int_equal(proto_header_decode(b, sizeof(b) - 1, &g), KENH_E_TRUNCATED);
	assert_int_equal(g.length, 0);
	assert_true(proto_type_is_request(PROTO_PING));
	assert_false(proto_type_is_request(0));
	assert_false(proto_type_is_request(PROTO_PUSH_DELIVERY));
	assert_false(proto_type_is_request(PROTO_PING | PROTO_RESPONSE_BIT));
}

/* A response frame: header length patched, status 0, body; an error frame with detail. */
static void test_proto_response_and_error_frames(void **state)
{
	struct codec_writer w;
	struct codec_reader r;
	struct proto_handshake_resp hr = { 7, 42 }, got;
	struct proto_header h;
	uint16_t status = 0;
	uint64_t detail = 0;
	size_t flen;

	(void)state;
	codec_writer_init(&w, LIMIT_FRAME, CODEC_WRITER_NORMAL);
	assert_int_equal(
	        proto_response_encode(&w, PROTO_HANDSHAKE, 9, &proto_desc_handshake_resp, &hr), 0);
	flen = codec_writer_len(&w);
	assert_int_equal(proto_error_encode(&w, PROTO_HANDSHAKE, 10, KENH_E_STATE, 6), 0);
	assert_int_equal(proto_error_encode(&w, PROTO_HANDSHAKE, 10, 0, 6), KENH_E_INVALID_ARG);

	assert_int_equal(proto_header_decode(w.buf, w.len, &h), 0);
	assert_int_equal(h.type, PROTO_HANDSHAKE | PROTO_RESPONSE_BIT);
	assert_int_equal(h.request_id, 9);
	assert_int_equal(h.length, flen - PROTO_HEADER_LEN);
	codec_reader_init(&r, w.buf + PROTO_HEADER_LEN, h.length);
	assert_int_equal(proto_status_read(&r, &status, &detail), 0);
	assert_int_equal(status, 0);
	assert_int_equal(proto_msg_read(&r, &proto_desc_handshake_resp, &got, sizeof(got)), 0);
	assert_int_equal(codec_reader_done(&r), 0);
	assert_int_equal(got.epoch, 7);
	assert_int_equal(got.seq, 42);

	assert_int_equal(proto_header_decode(w.buf + flen, w.len - flen, &h), 0);
	assert_int_equal(h.length, 2 + 8);
	codec_reader_init(&r, w.buf + flen + PROTO_HEADER_LEN, h.length);
	assert_int_equal(proto_status_read(&r, &status, &detail), 0);
	assert_int_equal(status, 10);
	assert_int_equal(detail, 6);
	codec_writer_clear(&w);
}

/* An error status followed by more than its detail is TRAILING. */
static void test_proto_status_trailing(void **state)
{
	static const uint8_t body[] = { 0, 10, 0, 0, 0, 0, 0, 0, 0, 6, 0 };
	struct codec_reader r;
	uint16_t status;
	uint64_t detail;

	(void)state;
	codec_reader_init(&r, body, sizeof(body));
	assert_int_equal(proto_status_read(&r, &status, &detail), KENH_E_TRAILING);
	codec_reader_init(&r, body, 5);
	assert_int_equal(proto_status_read(&r, &status, &detail), KENH_E_TRUNCATED);
}

/* A frame body over LIMIT_FRAME is refused when the frame is closed. */
static void test_proto_frame_too_large(void **state)
{
	struct codec_writer w;
	struct codec_writer m;
	size_t mark = 0;

	(void)state;
	codec_writer_init(&m, LIMIT_FRAME + 64, CODEC_WRITER_MEASURE);
	assert_int_equal(proto_frame_begin(&m, PROTO_PING, 1, &mark), 0);
	assert_int_equal(codec_write_bytes(&m, NULL, 0), 0);
	assert_int_equal(proto_frame_end(&m, mark), 0);
	codec_writer_clear(&m);

	codec_writer_init(&w, LIMIT_FRAME + 1024, CODEC_WRITER_NORMAL);
	assert_int_equal(proto_frame_begin(&w, PROTO_PING, 1, &mark), 0);
	while (codec_writer_len(&w) <= LIMIT_FRAME + PROTO_HEADER_LEN)
		assert_int_equal(codec_write_bytes(&w, filler, sizeof(filler)), 0);
	assert_int_equal(proto_frame_end(&w, mark), KENH_E_TOO_LARGE);
	codec_writer_clear(&w);
}

#ifdef KENH_FAULT_INJECT
/* Fail allocation n = 1, 2, ... of a list decode until it succeeds: clean error, no leak. */
static void test_proto_oom_walk(void **state)
{
	struct sample s;
	struct proto_ack in = { NULL, 0 }, got;
	struct proto_ack_entry e[40];
	uint8_t *a = NULL;
	size_t alen = 0, i;
	unsigned long n;
	int rc;

	(void)state;
	(void)s;
	for (i = 0; i < 40; i++)
		e[i] = (struct proto_ack_entry){ 1, span_make(filler, 4), i };
	in.acks = e;
	in.n_acks = 40;
	encode_ok(&proto_desc_ack, &in, &a, &alen);
	for (n = 1;; n++) {
		mem_fault_set(n, 0);
		rc = proto_msg_decode(&proto_desc_ack, a, alen, &got, sizeof(got));
		mem_fault_set(0, 0);
		if (rc == 0) break;
		assert_int_equal(rc, KENH_E_NOMEM);
		assert_null(got.acks);
	}
	assert_true(n > 1);
	assert_int_equal(got.n_acks, 40);
	proto_msg_clear(&proto_desc_ack, &got);
	mem_free(a);
}
#endif

/*
 * CRL_GET and CrlSet (docs/protocol.md §5): an issuer of 64 bytes decodes
 * and 65 is TOO_LARGE; the empty issuer (the root) is allowed; a
 * non-minimal or 11-prefixed list length is PARSE; an empty CRL in a
 * CrlSet is under its minimum (PARSE).
 */
static void test_proto_crl_messages_negative(void **state)
{
	uint8_t held[2 + 65 + 8];
	static const uint8_t root[] = { 0x09, 0x00, 0, 0, 0, 0, 0, 0, 0, 3 };
	static const uint8_t nonminimal[] = { 0x40, 0x00, 0x00 };
	static const uint8_t prefix11[] = { 0xc0, 0x00, 0x00, 0x00, 0x00 };
	static const uint8_t empty_crl[] = { 0x01, 0x00, 0x00 };
	struct proto_crl_held h;
	struct proto_crl_get g;
	struct proto_crl_set cs;

	(void)state;
	memset(held, 'u', sizeof(held));
	held[0] = 0x40;
	held[1] = 64;
	assert_int_equal(
	        proto_msg_decode(&proto_desc_crl_held, held, sizeof(held) - 1, &h, sizeof(h)), 0);
	assert_int_equal(h.issuer.len, 64);
	held[1] = 65;
	assert_int_equal(proto_msg_decode(&proto_desc_crl_held, held, sizeof(held), &h, sizeof(h)),
	                 KENH_E_TOO_LARGE);
	assert_int_equal(proto_msg_decode(&proto_desc_crl_get, root, sizeof(root), &g, sizeof(g)),
	                 0);
	assert_int_equal(g.n_held, 1);
	assert_int_equal(g.held[0].issuer.len, 0);
	assert_int_equal(g.held[0].number, 3);
	proto_msg_clear(&proto_desc_crl_get, &g);
	assert_int_equal(proto_msg_decode(&proto_desc_crl_set, nonminimal, sizeof(nonminimal), &cs,
	                                  sizeof(cs)),
	                 KENH_E_PARSE);
	assert_int_equal(
	        proto_msg_decode(&proto_desc_crl_set, prefix11, sizeof(prefix11), &cs, sizeof(cs)),
	        KENH_E_PARSE);
	assert_int_equal(proto_msg_decode(&proto_desc_crl_set, empty_crl, sizeof(empty_crl), &cs,
	                                  sizeof(cs)),
	                 KENH_E_PARSE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proto_round_trip_every_message),
		cmocka_unit_test(test_proto_truncated_and_trailing_every_message),
		cmocka_unit_test(test_proto_nonminimal_varint),
		cmocka_unit_test(test_proto_prefix_11),
		cmocka_unit_test(test_proto_length_one_over_max),
		cmocka_unit_test(test_proto_length_under_min),
		cmocka_unit_test(test_proto_presence_byte_2),
		cmocka_unit_test(test_proto_bool_2),
		cmocka_unit_test(test_proto_enum_out_of_range),
		cmocka_unit_test(test_proto_renew_submit_presence),
		cmocka_unit_test(test_proto_renew_submit_csr_over_max),
		cmocka_unit_test(test_proto_enroll_entry_kind_and_device),
		cmocka_unit_test(test_proto_crl_messages_negative),
		cmocka_unit_test(test_proto_enroll_reject_reason),
		cmocka_unit_test(test_proto_list_one_over_max),
		cmocka_unit_test(test_proto_list_element_cut),
		cmocka_unit_test(test_proto_encoder_refuses_out_of_limits),
		cmocka_unit_test(test_proto_header_round_trip),
		cmocka_unit_test(test_proto_response_and_error_frames),
		cmocka_unit_test(test_proto_status_trailing),
		cmocka_unit_test(test_proto_frame_too_large),
#ifdef KENH_FAULT_INJECT
		cmocka_unit_test(test_proto_oom_walk),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
