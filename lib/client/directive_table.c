/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The canonical encoding of a progress table (docs/directives.md "Table
 * encoding"): what two devices compare to show they agree, byte for byte.
 * Rows are already in their canonical order (client_progress_build sorts
 * them by user name).
 *
 *   struct {
 *       uint64 sent_at; opaque report_id[16]; uint8 status; uint8 percent;
 *       opaque text<V>;
 *   } LatestReport;
 *   struct {
 *       opaque user<V>; opaque unit<V>;
 *       optional<uint64> acknowledged_at;
 *       optional<LatestReport> latest;
 *       uint8 overdue;
 *   } ProgressRow;
 *   struct {
 *       uint16 version = 1; opaque directive_id[16];
 *       opaque issuer_user<V>; opaque issuer_unit<V>; opaque title<V>;
 *       uint64 issued_at; optional<uint64> deadline; uint8 priority;
 *       uint64 now; ProgressRow rows<V>;
 *   } ProgressTable;
 */
#include "client/client_directive.h"

#include "util/compat.h"

#include "codec/codec.h"

#define TABLE_VERSION 1
#define TABLE_MAX     (64u << 20)

static void write_span(struct codec_writer *w, struct kenh_span s)
{
	codec_write_opaque(w, s.p, s.len);
}

static void write_row(struct codec_writer *w, const struct client_progress_row *r)
{
	write_span(w, r->user);
	write_span(w, r->unit);
	codec_write_optional(w, r->acknowledged);
	if (r->acknowledged) codec_write_u64(w, r->ack_at);
	codec_write_optional(w, r->reported);
	if (r->reported) {
		codec_write_u64(w, r->report_at);
		codec_write_bytes(w, r->report_id, CLIENT_ID_LEN);
		codec_write_u8(w, (uint8_t)r->status);
		codec_write_u8(w, r->percent);
		write_span(w, r->text);
	}
	codec_write_u8(w, r->overdue ? 1 : 0);
}

int client_progress_encode(const struct client_progress *p, uint8_t **out, size_t *outlen)
{
	struct codec_writer w;
	size_t mark = 0, i;
	int rc;

	*out = NULL;
	*outlen = 0;
	codec_writer_init(&w, TABLE_MAX, CODEC_WRITER_NORMAL);
	codec_write_u16(&w, TABLE_VERSION);
	codec_write_bytes(&w, p->directive_id, CLIENT_ID_LEN);
	write_span(&w, p->issuer_user);
	write_span(&w, p->issuer_unit);
	write_span(&w, p->title);
	codec_write_u64(&w, p->issued_at);
	codec_write_optional(&w, p->has_deadline);
	if (p->has_deadline) codec_write_u64(&w, p->deadline);
	codec_write_u8(&w, (uint8_t)p->priority);
	codec_write_u64(&w, p->now);
	codec_write_vector_begin(&w, &mark);
	for (i = 0; i < p->nrows; i++)
		write_row(&w, &p->rows[i]);
	codec_write_vector_end(&w, mark);
	rc = codec_writer_finish(&w, out, outlen);
	codec_writer_clear(&w);
	return rc;
}
