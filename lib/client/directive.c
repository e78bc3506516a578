/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The progress table of a directive (client_directive.h, docs/directives.md,
 * DESIGN §7). Three steps, each independent of the order of the items:
 *
 *   1. pick the directive: among valid directive items with the wanted
 *      id, the one with the smallest (sent_at, encoding);
 *   2. expand its assignees into users with the roster of its epoch,
 *      sorted by user name, one row per user;
 *   3. fold every valid answer from an assignee into that user's row with
 *      a minimum (acknowledged at) or a maximum (latest report), then mark
 *      the overdue rows.
 *
 * Nothing here reads a clock, the store or the network; the table borrows
 * the items' bytes. The encoding of the table is directive_table.c's.
 */
#include "client/client_directive.h"

#include "util/compat.h"

#include "client/client_int.h"
#include "crypto/pki.h"
#include "util/mem.h"

/* A span as a C string for pki.h; false if it does not fit or holds a NUL. */
static bool to_cstr(struct kenh_span s, char *out, size_t outlen)
{
	if (s.len >= outlen || (s.len > 0 && memchr(s.p, '\0', s.len) != NULL)) return false;
	if (s.len > 0) memcpy(out, s.p, s.len);
	out[s.len] = '\0';
	return true;
}

/* True if unit lies at or under parent (the certificate subtree rule, pki.h). */
static bool unit_under(struct kenh_span parent, struct kenh_span unit)
{
	char p[CRYPTO_PKI_MAX_UNIT + 1], u[CRYPTO_PKI_MAX_UNIT + 1];

	return to_cstr(parent, p, sizeof(p)) && to_cstr(unit, u, sizeof(u)) &&
	       crypto_unit_path_contains(p, u);
}

/* Decode and check an item; 0 only for a valid item of the wanted type. */
static int decode_item(const struct client_item *it, enum client_content_type type,
                       struct client_content *c)
{
	int rc;

	if ((rc = client_content_decode(it->content, c)) != 0) return rc;
	if (c->type != type) return KENH_E_NOT_FOUND;
	return client_content_validate(c);
}

/* Step 1: the index of the directive item, or KENH_E_NOT_FOUND. */
static int pick_directive(const struct client_item *items, size_t n, const uint8_t *id,
                          size_t *best)
{
	struct client_content c;
	uint64_t best_at = 0;
	size_t i;

	*best = SIZE_MAX;
	for (i = 0; i < n; i++) {
		if (decode_item(&items[i], CLIENT_CONTENT_DIRECTIVE, &c) != 0) continue;
		if (memcmp(c.id, id, CLIENT_ID_LEN) != 0) continue;
		if (*best == SIZE_MAX || c.sent_at < best_at ||
		    (c.sent_at == best_at &&
		     client_span_cmp(items[i].content, items[*best].content) < 0)) {
			*best = i;
			best_at = c.sent_at;
		}
	}
	client_content_clear(&c);
	return *best == SIZE_MAX ? KENH_ERR(KENH_E_NOT_FOUND) : 0;
}

static int row_cmp(const void *a, const void *b)
{
	const struct client_progress_row *x = a, *y = b;
	int c = client_span_cmp(x->user, y->user);

	return c != 0 ? c : client_span_cmp(x->unit, y->unit);
}

/* The smallest unit the roster gives user, or an empty span. */
static struct kenh_span unit_of(const struct client_item *it, struct kenh_span user)
{
	struct kenh_span best = { NULL, 0 };
	bool found = false;
	size_t i;

	for (i = 0; i < it->nroster; i++) {
		if (!span_eq(it->roster[i].user, user)) continue;
		if (!found || client_span_cmp(it->roster[i].unit, best) < 0)
			best = it->roster[i].unit;
		found = true;
	}
	return best;
}

/* True if a unit assignee of d covers member m (the issuer is never covered). */
static bool unit_covers(const struct client_item *it, const struct client_directive *d,
                        const struct client_member *m)
{
	size_t i;

	/* Units expand to their users at issue time, the issuer excepted (docs/directives.md). */
	if (span_eq(m->user, it->user)) return false;
	for (i = 0; i < d->nassignees; i++) {
		if (d->assignees[i].kind == CLIENT_ASSIGNEE_UNIT &&
		    unit_under(d->assignees[i].name, m->unit))
			return true;
	}
	return false;
}

/* Candidate rows (step 2): named users, then covered members of the roster. */
static void candidates(const struct client_item *it, const struct client_directive *d,
                       struct client_progress *p)
{
	struct client_progress_row *r;
	size_t i;

	for (i = 0; i < d->nassignees; i++) {
		if (d->assignees[i].kind != CLIENT_ASSIGNEE_USER) continue;
		r = &p->rows[p->nrows++];
		r->user = d->assignees[i].name;
		r->unit = unit_of(it, r->user);
	}
	for (i = 0; i < it->nroster; i++) {
		if (!unit_covers(it, d, &it->roster[i])) continue;
		r = &p->rows[p->nrows++];
		r->user = it->roster[i].user;
		r->unit = it->roster[i].unit;
	}
}

/* Step 2: rows for every assignee, sorted, one per user (the smallest unit kept). */
static int expand(const struct client_item *it, const struct client_directive *d,
                  struct client_progress *p)
{
	void *mem = NULL;
	size_t i, k;
	int rc;

	if (it->nroster > CLIENT_PROGRESS_MAX_ROWS - CLIENT_MAX_ASSIGNEES)
		return KENH_ERR(KENH_E_TOO_LARGE);
	if ((rc = mem_calloc(it->nroster + d->nassignees, sizeof(*p->rows), &mem)) != 0) return rc;
	p->rows = mem;
	candidates(it, d, p);
	if (p->nrows > 1) qsort(p->rows, p->nrows, sizeof(*p->rows), row_cmp);
	for (i = 0, k = 0; i < p->nrows; i++) {
		if (k > 0 && span_eq(p->rows[k - 1].user, p->rows[i].user)) continue;
		p->rows[k++] = p->rows[i];
	}
	p->nrows = k;
	return 0;
}

static int user_cmp(const void *key, const void *elem)
{
	const struct kenh_span *u = key;
	const struct client_progress_row *r = elem;

	return client_span_cmp(*u, r->user);
}

static struct client_progress_row *find_row(struct client_progress *p, struct kenh_span user)
{
	if (p->nrows == 0) return NULL;
	return bsearch(&user, p->rows, p->nrows, sizeof(*p->rows), user_cmp);
}

/* True if the report (at, id, bytes) comes after the row's latest one. */
static bool is_later(const struct client_progress_row *r, const struct client_content *c,
                     struct kenh_span content)
{
	int k;

	if (!r->reported || c->sent_at != r->report_at)
		return !r->reported || c->sent_at > r->report_at;
	if ((k = memcmp(c->id, r->report_id, CLIENT_ID_LEN)) != 0) return k > 0;
	return client_span_cmp(content, r->report_content) > 0;
}

static void fold_report(struct client_progress_row *r, const struct client_content *c,
                        struct kenh_span content)
{
	const struct client_report *rep = &c->u.report;

	if (!is_later(r, c, content)) return;
	r->reported = true;
	r->report_at = c->sent_at;
	memcpy(r->report_id, c->id, CLIENT_ID_LEN);
	r->report_content = content;
	r->status = rep->status;
	r->percent = rep->percent;
	r->text = rep->text;
}

/* Step 3 for one item: an acknowledgement or report of an assignee. */
static void fold_item(struct client_progress *p, const struct client_item *it)
{
	struct client_progress_row *r;
	struct client_content c;
	const uint8_t *target;

	if (decode_item(it, CLIENT_CONTENT_ACK, &c) == 0) {
		target = c.u.ack.directive_id;
	} else if (decode_item(it, CLIENT_CONTENT_REPORT, &c) == 0) {
		target = c.u.report.directive_id;
	} else {
		return;
	}
	if (memcmp(target, p->directive_id, CLIENT_ID_LEN) != 0) goto out;
	if ((r = find_row(p, it->user)) == NULL) goto out;
	/* A report acknowledges too: the earliest answer is the acknowledgement time. */
	if (!r->acknowledged || c.sent_at < r->ack_at) r->ack_at = c.sent_at;
	r->acknowledged = true;
	if (c.type == CLIENT_CONTENT_REPORT) fold_report(r, &c, it->content);
out:
	client_content_clear(&c);
}

static void copy_head(struct client_progress *p, const struct client_item *it,
                      const struct client_content *c)
{
	const struct client_directive *d = &c->u.directive;

	memcpy(p->directive_id, c->id, CLIENT_ID_LEN);
	p->issuer_user = it->user;
	p->issuer_unit = it->unit;
	p->title = d->title;
	p->issued_at = c->sent_at;
	p->has_deadline = d->has_deadline;
	p->deadline = d->deadline;
	p->priority = d->priority;
}

int client_progress_build(const struct client_item *items, size_t n, const uint8_t *directive_id,
                          uint64_t now, struct client_progress *out)
{
	struct client_content c;
	size_t best, i;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&c, 0, sizeof(c));
	if ((items == NULL && n > 0) || directive_id == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = pick_directive(items, n, directive_id, &best)) != 0) return rc;
	if ((rc = decode_item(&items[best], CLIENT_CONTENT_DIRECTIVE, &c)) != 0) goto out;
	copy_head(out, &items[best], &c);
	out->now = now;
	if ((rc = expand(&items[best], &c.u.directive, out)) != 0) goto out;
	for (i = 0; i < n; i++)
		fold_item(out, &items[i]);
	for (i = 0; i < out->nrows; i++) {
		struct client_progress_row *r = &out->rows[i];
		bool done = r->reported && r->status == CLIENT_STATUS_DONE;

		r->overdue = out->has_deadline && now > out->deadline && !done;
	}
out:
	client_content_clear(&c);
	if (rc != 0) client_progress_clear(out);
	return rc;
}

void client_progress_clear(struct client_progress *p)
{
	if (p == NULL) return;
	mem_free(p->rows);
	memset(p, 0, sizeof(*p));
}
