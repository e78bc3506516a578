/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * AppContent, the payload of a Kenh application message (client_content.h,
 * docs/content.md): the common header (version, type, content id, send
 * time) and a table with each type's decoder, encoder and rules. The text,
 * file and receipt bodies are here; the directive family lives in
 * content_directive.c and FileRef in content_file.c.
 *
 *   struct { opaque text<V>; } Text;                               1..64 KiB
 *   struct { uint8 kind; opaque content_ids<V>; } Receipt;         delivered(1) read(2),
 *                                                                  1..256 ids of 16 bytes
 */
#include "client/client_content.h"

#include "util/compat.h"

#include "client/client_int.h"
#include "codec/codec.h"
#include "util/mem.h"

/* Headroom for the vector headers the sliding writer reserves (codec.h), three levels deep. */
#define ENCODE_HEADROOM 16u

static void text_decode(struct codec_reader *r, struct client_content *c)
{
	codec_read_opaque(r, CLIENT_MAX_TEXT, &c->u.text.text);
}

static void text_encode(struct codec_writer *w, const struct client_content *c)
{
	codec_write_opaque(w, c->u.text.text.p, c->u.text.text.len);
}

static int text_validate(const struct client_content *c)
{
	struct kenh_span t = c->u.text.text;

	if (t.len == 0 || t.len > CLIENT_MAX_TEXT || !client_text_is_valid(t, true))
		return KENH_ERR(KENH_E_PROTO);
	return 0;
}

static void file_decode(struct codec_reader *r, struct client_content *c)
{
	client_file_decode(r, &c->u.file);
}

static void file_encode(struct codec_writer *w, const struct client_content *c)
{
	client_file_encode(w, &c->u.file);
}

static int file_validate(const struct client_content *c)
{
	return client_file_validate(&c->u.file);
}

static void receipt_decode(struct codec_reader *r, struct client_content *c)
{
	uint8_t kind = 0;

	if (codec_read_u8(r, &kind) == 0 && (kind < 1 || kind > CLIENT_RECEIPT_LAST))
		codec_reader_fail(r, KENH_ERR(KENH_E_PARSE));
	c->u.receipt.kind = (enum client_receipt_kind)kind;
	codec_read_opaque(r, CLIENT_MAX_RECEIPT_IDS * CLIENT_ID_LEN, &c->u.receipt.ids);
	/* A vector of fixed-size ids: its length must be a whole number of them. */
	if (c->u.receipt.ids.len % CLIENT_ID_LEN != 0) codec_reader_fail(r, KENH_ERR(KENH_E_PARSE));
}

static void receipt_encode(struct codec_writer *w, const struct client_content *c)
{
	codec_write_u8(w, (uint8_t)c->u.receipt.kind);
	codec_write_opaque(w, c->u.receipt.ids.p, c->u.receipt.ids.len);
}

static int receipt_validate(const struct client_content *c)
{
	const struct client_receipt *r = &c->u.receipt;

	if (r->kind < CLIENT_RECEIPT_DELIVERED || r->kind > CLIENT_RECEIPT_LAST)
		return KENH_ERR(KENH_E_PROTO);
	if (r->ids.len == 0 || r->ids.len % CLIENT_ID_LEN != 0 ||
	    r->ids.len > CLIENT_MAX_RECEIPT_IDS * CLIENT_ID_LEN)
		return KENH_ERR(KENH_E_PROTO);
	return 0;
}

size_t client_receipt_count(const struct client_receipt *r)
{
	return r->ids.len / CLIENT_ID_LEN;
}

struct body_ops {
	void (*decode)(struct codec_reader *r, struct client_content *c);
	void (*encode)(struct codec_writer *w, const struct client_content *c);
	int (*validate)(const struct client_content *c);
};

static const struct body_ops bodies[CLIENT_CONTENT_TYPE_LAST + 1] = {
	[CLIENT_CONTENT_TEXT] = { text_decode, text_encode, text_validate },
	[CLIENT_CONTENT_FILE] = { file_decode, file_encode, file_validate },
	[CLIENT_CONTENT_DIRECTIVE] = { client_directive_body_decode, client_directive_body_encode,
	                               client_directive_body_validate },
	[CLIENT_CONTENT_ACK] = { client_ack_body_decode, client_ack_body_encode,
	                         client_ack_body_validate },
	[CLIENT_CONTENT_REPORT] = { client_report_body_decode, client_report_body_encode,
	                            client_report_body_validate },
	[CLIENT_CONTENT_RECEIPT] = { receipt_decode, receipt_encode, receipt_validate },
};

static const struct body_ops *body_of(enum client_content_type t)
{
	if ((unsigned)t < 1 || (unsigned)t > CLIENT_CONTENT_TYPE_LAST) return NULL;
	return &bodies[t];
}

int client_content_decode(struct kenh_span in, struct client_content *out)
{
	struct codec_reader r;
	uint16_t version = 0, type = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (in.len > CLIENT_CONTENT_MAX) return KENH_ERR(KENH_E_TOO_LARGE);
	codec_reader_init(&r, in.p, in.len);
	codec_read_u16(&r, &version);
	codec_read_u16(&r, &type);
	if ((rc = codec_reader_err(&r)) != 0) goto out;
	if (version != CLIENT_CONTENT_VERSION || type < 1 || type > CLIENT_CONTENT_TYPE_LAST) {
		rc = KENH_ERR(KENH_E_UNSUPPORTED);
		goto out;
	}
	out->type = (enum client_content_type)type;
	codec_read_bytes(&r, out->id, CLIENT_ID_LEN);
	codec_read_u64(&r, &out->sent_at);
	body_of(out->type)->decode(&r, out);
	rc = codec_reader_done(&r);
out:
	if (rc != 0) client_content_clear(out);
	return rc;
}

int client_content_validate(const struct client_content *c)
{
	const struct body_ops *b = body_of(c->type);

	if (b == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	/* Times travel as uint64 but are compared as signed seconds by SQLite and time_t. */
	if (c->sent_at > (uint64_t)INT64_MAX) return KENH_ERR(KENH_E_PROTO);
	return b->validate(c);
}

int client_content_encode(const struct client_content *c, uint8_t **out, size_t *outlen)
{
	struct codec_writer w;
	int rc;

	*out = NULL;
	*outlen = 0;
	if ((rc = client_content_validate(c)) != 0) return rc;
	codec_writer_init(&w, CLIENT_CONTENT_MAX + ENCODE_HEADROOM, CODEC_WRITER_SENSITIVE);
	codec_write_u16(&w, CLIENT_CONTENT_VERSION);
	codec_write_u16(&w, (uint16_t)c->type);
	codec_write_bytes(&w, c->id, CLIENT_ID_LEN);
	codec_write_u64(&w, c->sent_at);
	body_of(c->type)->encode(&w, c);
	if (codec_writer_err(&w) == 0 && codec_writer_len(&w) > CLIENT_CONTENT_MAX) {
		rc = KENH_ERR(KENH_E_TOO_LARGE);
		goto out;
	}
	rc = codec_writer_finish(&w, out, outlen);
out:
	codec_writer_clear(&w);
	return rc;
}

void client_content_clear(struct client_content *c)
{
	if (c != NULL) sec_zero(c, sizeof(*c));
}
