/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The generic part of the relay protocol codec (docs/protocol.md §2): the
 * frame header, the response status, and the one decoder and encoder that
 * walk a message's field table. The tables themselves are in
 * proto_msgs.c. Decoding is syntax only (STYLE R6.4); lists are grown from
 * the elements actually parsed, never from a claimed count (R6.3).
 */
#include "proto/proto.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "util/mem.h"

int proto_header_decode(const uint8_t *p, size_t len, struct proto_header *out)
{
	memset(out, 0, sizeof(*out));
	if (len < PROTO_HEADER_LEN) return KENH_ERR(KENH_E_TRUNCATED);
	out->length = load_be32(p);
	out->type = load_be16(p + 4);
	out->request_id = load_be32(p + 6);
	return 0;
}

void proto_header_encode(const struct proto_header *h, uint8_t out[static PROTO_HEADER_LEN])
{
	store_be32(out, h->length);
	store_be16(out + 4, h->type);
	store_be32(out + 6, h->request_id);
}

bool proto_type_is_request(uint16_t type)
{
	return type >= 1 && type <= PROTO_REQUEST_LAST;
}

/* Pointer to a field inside a message struct. */
static uint8_t *at(void *msg, size_t off)
{
	return (uint8_t *)msg + off;
}

static const uint8_t *at_c(const void *msg, size_t off)
{
	return (const uint8_t *)msg + off;
}

/* opaque<V> with the field's min..max; under min is TOO_LARGE's sibling PARSE. */
static int read_opaque(struct codec_reader *r, const struct proto_field *f, struct kenh_span *out)
{
	int rc = codec_read_opaque(r, f->max, out);

	if (rc != 0) return rc;
	if (out->len < f->min) {
		*out = span_make(NULL, 0);
		return codec_reader_fail(r, KENH_ERR(KENH_E_PARSE));
	}
	return 0;
}

static int read_u8_field(struct codec_reader *r, const struct proto_field *f, uint8_t *out)
{
	int rc = codec_read_u8(r, out);

	if (rc != 0) return rc;
	if (*out < f->min || *out > f->max) {
		*out = 0;
		return codec_reader_fail(r, KENH_ERR(KENH_E_PARSE));
	}
	return 0;
}

static int read_bool(struct codec_reader *r, bool *out)
{
	uint8_t v = 0;
	int rc = codec_read_u8(r, &v);

	*out = false;
	if (rc != 0) return rc;
	if (v > 1) return codec_reader_fail(r, KENH_ERR(KENH_E_PARSE));
	*out = v == 1;
	return 0;
}

static int read_optional(struct codec_reader *r, const struct proto_field *f, struct proto_opt *out)
{
	int rc = codec_read_optional(r, &out->present);

	if (rc != 0 || !out->present) return rc;
	if ((rc = read_opaque(r, f, &out->v)) != 0) out->present = false;
	return rc;
}

static void free_list(const struct proto_field *f, void *msg)
{
	void *items = NULL;
	size_t zero = 0;

	memcpy(&items, at(msg, f->offset), sizeof(items));
	mem_free(items);
	items = NULL;
	memcpy(at(msg, f->offset), &items, sizeof(items));
	memcpy(at(msg, f->count_offset), &zero, sizeof(zero));
}

static int read_flat(struct codec_reader *r, const struct proto_desc *d, void *out);

/* Grow *items to hold one more element of size esize; doubles the capacity. */
static int grow(uint8_t **items, size_t n, size_t *cap, size_t esize)
{
	void *p = NULL;
	size_t ncap = *cap == 0 ? 4 : *cap * 2;
	int rc;

	if (n < *cap) return 0;
	if ((rc = mem_grow(*items, ncap, esize, &p)) != 0) return rc;
	*items = p;
	*cap = ncap;
	return 0;
}

/* vector<V> of flat elements; at most f->max entries and LIMIT_FRAME bytes. */
static int read_list(struct codec_reader *r, const struct proto_field *f, void *msg)
{
	struct codec_reader child;
	const struct proto_desc *e = f->elem;
	uint8_t *items = NULL;
	size_t n = 0, cap = 0;
	int rc;

	if ((rc = codec_read_vector(r, LIMIT_FRAME, &child)) != 0) return rc;
	while (codec_reader_remaining(&child) > 0) {
		if (n == f->max) {
			rc = codec_reader_fail(&child, KENH_ERR(KENH_E_TOO_LARGE));
			break;
		}
		if ((rc = grow(&items, n, &cap, e->size)) != 0) break;
		memset(items + n * e->size, 0, e->size);
		if ((rc = read_flat(&child, e, items + n * e->size)) != 0) break;
		n++;
	}
	if (rc == 0)
		rc = codec_reader_close_child(r, &child);
	else
		rc = codec_reader_fail(r, rc);
	if (rc != 0) {
		mem_free(items);
		return rc;
	}
	memcpy(at(msg, f->offset), &items, sizeof(items));
	memcpy(at(msg, f->count_offset), &n, sizeof(n));
	return 0;
}

static int read_field(struct codec_reader *r, const struct proto_field *f, void *msg)
{
	uint8_t *p = at(msg, f->offset);

	switch (f->kind) {
	case PROTO_F_U8:
		return read_u8_field(r, f, p);
	case PROTO_F_U16:
		return codec_read_u16(r, (uint16_t *)(void *)p);
	case PROTO_F_U32:
		return codec_read_u32(r, (uint32_t *)(void *)p);
	case PROTO_F_U64:
		return codec_read_u64(r, (uint64_t *)(void *)p);
	case PROTO_F_BOOL:
		return read_bool(r, (bool *)(void *)p);
	case PROTO_F_OPAQUE:
		return read_opaque(r, f, (struct kenh_span *)(void *)p);
	case PROTO_F_OPTIONAL:
		return read_optional(r, f, (struct proto_opt *)(void *)p);
	case PROTO_F_LIST:
		return read_list(r, f, msg);
	}
	return codec_reader_fail(r, KENH_ERR(KENH_E_INTERNAL));
}

/* Read the fields of d in order; the caller zeroes out and frees lists on failure. */
static int read_flat(struct codec_reader *r, const struct proto_desc *d, void *out)
{
	size_t i;
	int rc;

	for (i = 0; i < d->nfields; i++)
		if ((rc = read_field(r, &d->fields[i], out)) != 0) return rc;
	return 0;
}

int proto_msg_read(struct codec_reader *r, const struct proto_desc *d, void *out, size_t outsize)
{
	int rc;

	KENH_ASSERT(outsize == d->size);
	memset(out, 0, outsize);
	if ((rc = read_flat(r, d, out)) != 0) proto_msg_clear(d, out);
	return rc;
}

int proto_msg_decode(const struct proto_desc *d, const uint8_t *body, size_t len, void *out,
                     size_t outsize)
{
	struct codec_reader r;
	int rc;

	codec_reader_init(&r, body, len);
	if ((rc = proto_msg_read(&r, d, out, outsize)) != 0) return rc;
	if ((rc = codec_reader_done(&r)) != 0) proto_msg_clear(d, out);
	return rc;
}

void proto_msg_clear(const struct proto_desc *d, void *msg)
{
	size_t i;

	if (msg == NULL) return;
	for (i = 0; i < d->nfields; i++)
		if (d->fields[i].kind == PROTO_F_LIST) free_list(&d->fields[i], msg);
	memset(msg, 0, d->size);
}

static int write_opaque(struct codec_writer *w, const struct proto_field *f, struct kenh_span s)
{
	if (s.len < f->min || s.len > f->max) return KENH_ERR(KENH_E_INVALID_ARG);
	return codec_write_opaque(w, s.p, s.len);
}

static int write_flat(struct codec_writer *w, const struct proto_desc *d, const void *in);

static int write_list(struct codec_writer *w, const struct proto_field *f, const void *msg)
{
	const uint8_t *items = NULL;
	size_t n = 0, i, mark = 0;
	int rc;

	memcpy(&items, at_c(msg, f->offset), sizeof(items));
	memcpy(&n, at_c(msg, f->count_offset), sizeof(n));
	if (n > f->max || (n > 0 && items == NULL)) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = codec_write_vector_begin(w, &mark)) != 0) return rc;
	for (i = 0; i < n; i++)
		if ((rc = write_flat(w, f->elem, items + i * f->elem->size)) != 0) return rc;
	return codec_write_vector_end(w, mark);
}

static int write_field(struct codec_writer *w, const struct proto_field *f, const void *msg)
{
	const uint8_t *p = at_c(msg, f->offset);
	const struct proto_opt *o;

	switch (f->kind) {
	case PROTO_F_U8:
		if (*p < f->min || *p > f->max) return KENH_ERR(KENH_E_INVALID_ARG);
		return codec_write_u8(w, *p);
	case PROTO_F_U16:
		return codec_write_u16(w, *(const uint16_t *)(const void *)p);
	case PROTO_F_U32:
		return codec_write_u32(w, *(const uint32_t *)(const void *)p);
	case PROTO_F_U64:
		return codec_write_u64(w, *(const uint64_t *)(const void *)p);
	case PROTO_F_BOOL:
		return codec_write_u8(w, *(const bool *)(const void *)p ? 1 : 0);
	case PROTO_F_OPAQUE:
		return write_opaque(w, f, *(const struct kenh_span *)(const void *)p);
	case PROTO_F_OPTIONAL:
		o = (const struct proto_opt *)(const void *)p;
		if (codec_write_optional(w, o->present) != 0 || !o->present)
			return codec_writer_err(w);
		return write_opaque(w, f, o->v);
	case PROTO_F_LIST:
		return write_list(w, f, msg);
	}
	return KENH_ERR(KENH_E_INTERNAL);
}

static int write_flat(struct codec_writer *w, const struct proto_desc *d, const void *in)
{
	size_t i;
	int rc;

	for (i = 0; i < d->nfields; i++)
		if ((rc = write_field(w, &d->fields[i], in)) != 0) return rc;
	return 0;
}

int proto_msg_encode(struct codec_writer *w, const struct proto_desc *d, const void *in)
{
	return write_flat(w, d, in);
}

int proto_frame_begin(struct codec_writer *w, uint16_t type, uint32_t request_id, size_t *mark)
{
	*mark = codec_writer_len(w);
	if (codec_write_u32(w, 0) != 0 || codec_write_u16(w, type) != 0) return codec_writer_err(w);
	return codec_write_u32(w, request_id);
}

int proto_frame_end(struct codec_writer *w, size_t mark)
{
	size_t len = codec_writer_len(w);
	int rc = codec_writer_err(w);

	if (rc != 0) return rc;
	KENH_ASSERT(len >= mark && len - mark >= PROTO_HEADER_LEN);
	len -= mark + PROTO_HEADER_LEN;
	if (len > LIMIT_FRAME) return KENH_ERR(KENH_E_TOO_LARGE);
	/* The writer's buffer is ours to patch until the next write (codec.h). */
	if (!w->measure) store_be32(w->buf + mark, (uint32_t)len);
	return 0;
}

int proto_frame_encode(struct codec_writer *w, uint16_t type, uint32_t request_id,
                       const struct proto_desc *d, const void *in)
{
	size_t mark = 0;
	int rc;

	if ((rc = proto_frame_begin(w, type, request_id, &mark)) != 0) return rc;
	if ((rc = proto_msg_encode(w, d, in)) != 0) return rc;
	return proto_frame_end(w, mark);
}

int proto_response_encode(struct codec_writer *w, uint16_t request_type, uint32_t request_id,
                          const struct proto_desc *d, const void *in)
{
	size_t mark = 0;
	int rc;

	rc = proto_frame_begin(w, (uint16_t)(request_type | PROTO_RESPONSE_BIT), request_id, &mark);
	if (rc != 0 || (rc = codec_write_u16(w, 0)) != 0) return rc;
	if (d != NULL && (rc = proto_msg_encode(w, d, in)) != 0) return rc;
	return proto_frame_end(w, mark);
}

int proto_error_encode(struct codec_writer *w, uint16_t request_type, uint32_t request_id, int code,
                       uint64_t detail)
{
	size_t mark = 0;
	int rc;

	if (code >= 0 || code <= -0xffff) return KENH_ERR(KENH_E_INVALID_ARG);
	rc = proto_frame_begin(w, (uint16_t)(request_type | PROTO_RESPONSE_BIT), request_id, &mark);
	if (rc != 0 || (rc = codec_write_u16(w, (uint16_t)-code)) != 0) return rc;
	if ((rc = codec_write_u64(w, detail)) != 0) return rc;
	return proto_frame_end(w, mark);
}

int proto_status_read(struct codec_reader *r, uint16_t *status, uint64_t *detail)
{
	int rc;

	*detail = 0;
	if ((rc = codec_read_u16(r, status)) != 0 || *status == 0) return rc;
	if ((rc = codec_read_u64(r, detail)) != 0) return rc;
	return codec_reader_done(r);
}
