/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The bodies of the directive family (DESIGN §7, docs/content.md): the
 * directive itself, the acknowledgement and the progress report.
 *
 *   struct { uint8 kind; opaque name<V>; } Assignee;     unit(1) | user(2), name 1..64
 *   struct {
 *       opaque title<V>;            1..256, one line
 *       opaque body<V>;             0..64 KiB
 *       optional<uint64> deadline;  Unix seconds
 *       uint8 priority;             low(1) normal(2) high(3) urgent(4)
 *       Assignee assignees<V>;      1..64, no two equal
 *       FileRef attachments<V>;     0..16
 *   } Directive;
 *   struct { opaque directive_id[16]; } Acknowledgement;
 *   struct {
 *       opaque directive_id[16];
 *       uint8 status;               in_progress(1) done(2) blocked(3) unable(4)
 *       uint8 percent;              0..100, and 100 when done
 *       opaque text<V>;             0..64 KiB
 *       FileRef attachments<V>;     0..16
 *   } Report;
 *
 * Decoding checks the enum ranges (STYLE R12.4: a wire value is checked
 * before it becomes an enum); validation checks the rest. Who may answer
 * which directive is the bookkeeping's business (client_directive.h).
 */
#include "client/client_int.h"

#include "util/compat.h"

#include "client/client_content.h"
#include "codec/codec.h"

/* One byte in [1, last], or a parse error. */
static uint8_t read_enum(struct codec_reader *r, uint8_t last)
{
	uint8_t v = 0;

	if (codec_read_u8(r, &v) != 0) return 0;
	if (v < 1 || v > last) {
		codec_reader_fail(r, KENH_ERR(KENH_E_PARSE));
		return 0;
	}
	return v;
}

static void read_assignees(struct codec_reader *r, struct client_directive *d)
{
	struct codec_reader child;
	struct client_assignee *a;

	codec_read_vector(r, CLIENT_CONTENT_MAX, &child);
	while (codec_reader_remaining(&child) > 0) {
		if (d->nassignees == CLIENT_MAX_ASSIGNEES) {
			codec_reader_fail(&child, KENH_ERR(KENH_E_TOO_LARGE));
			break;
		}
		a = &d->assignees[d->nassignees++];
		a->kind = (enum client_assignee_kind)read_enum(&child, CLIENT_ASSIGNEE_LAST);
		codec_read_opaque(&child, CLIENT_MAX_NAME, &a->name);
	}
	codec_reader_close_child(r, &child);
}

void client_directive_body_decode(struct codec_reader *r, struct client_content *c)
{
	struct client_directive *d = &c->u.directive;

	codec_read_opaque(r, CLIENT_MAX_TITLE, &d->title);
	codec_read_opaque(r, CLIENT_MAX_TEXT, &d->body);
	codec_read_optional(r, &d->has_deadline);
	if (d->has_deadline) codec_read_u64(r, &d->deadline);
	d->priority = (enum client_priority)read_enum(r, CLIENT_PRIORITY_LAST);
	read_assignees(r, d);
	client_files_decode(r, d->attachments, &d->nattachments);
}

void client_directive_body_encode(struct codec_writer *w, const struct client_content *c)
{
	const struct client_directive *d = &c->u.directive;
	size_t mark = 0, i;

	codec_write_opaque(w, d->title.p, d->title.len);
	codec_write_opaque(w, d->body.p, d->body.len);
	codec_write_optional(w, d->has_deadline);
	if (d->has_deadline) codec_write_u64(w, d->deadline);
	codec_write_u8(w, (uint8_t)d->priority);
	codec_write_vector_begin(w, &mark);
	for (i = 0; i < d->nassignees; i++) {
		codec_write_u8(w, (uint8_t)d->assignees[i].kind);
		codec_write_opaque(w, d->assignees[i].name.p, d->assignees[i].name.len);
	}
	codec_write_vector_end(w, mark);
	client_files_encode(w, d->attachments, d->nattachments);
}

static bool assignee_eq(const struct client_assignee *a, const struct client_assignee *b)
{
	return a->kind == b->kind && span_eq(a->name, b->name);
}

static int validate_assignees(const struct client_directive *d)
{
	size_t i, j;

	if (d->nassignees == 0 || d->nassignees > CLIENT_MAX_ASSIGNEES)
		return KENH_ERR(KENH_E_PROTO);
	for (i = 0; i < d->nassignees; i++) {
		if (!client_assignee_is_valid(&d->assignees[i])) return KENH_ERR(KENH_E_PROTO);
		for (j = 0; j < i; j++) {
			if (assignee_eq(&d->assignees[i], &d->assignees[j]))
				return KENH_ERR(KENH_E_PROTO);
		}
	}
	return 0;
}

int client_directive_body_validate(const struct client_content *c)
{
	const struct client_directive *d = &c->u.directive;

	if (d->title.len == 0 || d->title.len > CLIENT_MAX_TITLE ||
	    !client_text_is_valid(d->title, false))
		return KENH_ERR(KENH_E_PROTO);
	if (d->body.len > CLIENT_MAX_TEXT || !client_text_is_valid(d->body, true))
		return KENH_ERR(KENH_E_PROTO);
	if (d->priority < CLIENT_PRIORITY_LOW || d->priority > CLIENT_PRIORITY_LAST)
		return KENH_ERR(KENH_E_PROTO);
	if (d->has_deadline && d->deadline > (uint64_t)INT64_MAX) return KENH_ERR(KENH_E_PROTO);
	if (!d->has_deadline && d->deadline != 0) return KENH_ERR(KENH_E_PROTO);
	if (validate_assignees(d) != 0) return KENH_ERR(KENH_E_PROTO);
	return client_files_validate(d->attachments, d->nattachments);
}

void client_ack_body_decode(struct codec_reader *r, struct client_content *c)
{
	codec_read_bytes(r, c->u.ack.directive_id, CLIENT_ID_LEN);
}

void client_ack_body_encode(struct codec_writer *w, const struct client_content *c)
{
	codec_write_bytes(w, c->u.ack.directive_id, CLIENT_ID_LEN);
}

int client_ack_body_validate(const struct client_content *c)
{
	(void)c;
	return 0;
}

void client_report_body_decode(struct codec_reader *r, struct client_content *c)
{
	struct client_report *p = &c->u.report;

	codec_read_bytes(r, p->directive_id, CLIENT_ID_LEN);
	p->status = (enum client_report_status)read_enum(r, CLIENT_STATUS_LAST);
	codec_read_u8(r, &p->percent);
	codec_read_opaque(r, CLIENT_MAX_TEXT, &p->text);
	client_files_decode(r, p->attachments, &p->nattachments);
}

void client_report_body_encode(struct codec_writer *w, const struct client_content *c)
{
	const struct client_report *p = &c->u.report;

	codec_write_bytes(w, p->directive_id, CLIENT_ID_LEN);
	codec_write_u8(w, (uint8_t)p->status);
	codec_write_u8(w, p->percent);
	codec_write_opaque(w, p->text.p, p->text.len);
	client_files_encode(w, p->attachments, p->nattachments);
}

int client_report_body_validate(const struct client_content *c)
{
	const struct client_report *p = &c->u.report;

	if (p->status < CLIENT_STATUS_IN_PROGRESS || p->status > CLIENT_STATUS_LAST)
		return KENH_ERR(KENH_E_PROTO);
	if (p->percent > 100) return KENH_ERR(KENH_E_PROTO);
	/* A finished task is complete: the table shows 100% for every "done". */
	if (p->status == CLIENT_STATUS_DONE && p->percent != 100) return KENH_ERR(KENH_E_PROTO);
	if (p->text.len > CLIENT_MAX_TEXT || !client_text_is_valid(p->text, true))
		return KENH_ERR(KENH_E_PROTO);
	return client_files_validate(p->attachments, p->nattachments);
}
