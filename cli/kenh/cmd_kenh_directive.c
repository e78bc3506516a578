/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh directive (DESIGN §7, docs/directives.md): issue a directive
 * (title, body, deadline, priority, assignees, an attachment), acknowledge
 * it, report on it, show its progress table (client_progress_build over
 * the group's history: the same table on every member's device), export
 * its signed record and verify such a record offline with only the
 * organization's root certificate (docs/evidence.md).
 */
#include "kenh.h"

#include "util/compat.h"

#include <stdlib.h>

#include "../common/cli.h"
#include "client/client_directive.h"
#include "client/client_evidence.h"
#include "codec/codec.h"
#include "crypto/crypto.h"
#include "kenh/client.h"
#include "util/mem.h"

#define MAX_ITEMS 4096

static int parse_priority(const char *s, enum client_priority *p)
{
	static const char *const names[] = { "low", "normal", "high", "urgent" };
	size_t i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) return (*p = (enum client_priority)(i + 1), 0);
	return KENH_ERR(KENH_E_INVALID_ARG);
}

static int parse_status(const char *s, enum client_report_status *st)
{
	static const char *const names[] = { "in-progress", "done", "blocked", "unable" };
	size_t i;

	for (i = 0; i < 4; i++)
		if (strcmp(s, names[i]) == 0) return (*st = (enum client_report_status)(i + 1), 0);
	return KENH_ERR(KENH_E_INVALID_ARG);
}

static int parse_assignee(const char *s, struct client_assignee *as)
{
	if (strncmp(s, "unit:", 5) == 0)
		as->kind = CLIENT_ASSIGNEE_UNIT;
	else if (strncmp(s, "user:", 5) == 0)
		as->kind = CLIENT_ASSIGNEE_USER;
	else
		return KENH_ERR(KENH_E_INVALID_ARG);
	as->name = span_make((const uint8_t *)s + 5, strlen(s + 5));
	return 0;
}

static int new_content(struct kenh_app *a, enum client_content_type t, struct client_content *c)
{
	memset(c, 0, sizeof(*c));
	c->type = t;
	c->sent_at = cli_now();
	return crypto_random(a->ctx, c->id, sizeof(c->id));
}

static int issue(struct kenh_app *a, int argc, char **argv)
{
	const char *title = NULL, *body = "", *deadline = NULL, *prio = "normal", *attach = NULL;
	const char *assign[CLIENT_MAX_ASSIGNEES], *pos[1];
	size_t nassign = 0, npos = 0, i, nsync;
	const struct kenh_arg opts[] = {
		{ "--title", &title, NULL, NULL, NULL, 0 },
		{ "--body", &body, NULL, NULL, NULL, 0 },
		{ "--deadline", &deadline, NULL, NULL, NULL, 0 },
		{ "--priority", &prio, NULL, NULL, NULL, 0 },
		{ "--attach", &attach, NULL, NULL, NULL, 0 },
		{ "--assign", NULL, NULL, assign, &nassign, CLIENT_MAX_ASSIGNEES },
	};
	struct client_content c;
	struct client_directive *d = &c.u.directive;
	struct kenh_xfer x;
	uint8_t *blob = NULL, id[CLIENT_ID_LEN];
	char hex[2 * CLIENT_ID_LEN + 1];
	int rc;

	if (kenh_args(argc, argv, 2, opts, 6, pos, 1, &npos) != 0 || npos != 1 || !title ||
	    nassign == 0)
		return kenh_usage(
		        "directive issue GROUP --title T [--body B] [--deadline UNIX|+SECONDS] "
		        "[--priority P] --assign unit:PATH|user:U... [--attach FILE]");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	if ((rc = kenh_sync_run(a, 0, &nsync)) != 0) return kenh_fail("sync", rc);
	if ((rc = new_content(a, CLIENT_CONTENT_DIRECTIVE, &c)) != 0) return kenh_fail("issue", rc);
	d->title = span_make((const uint8_t *)title, strlen(title));
	d->body = span_make((const uint8_t *)body, strlen(body));
	if (deadline != NULL) {
		d->has_deadline = true;
		d->deadline = deadline[0] == '+' ? c.sent_at + strtoull(deadline + 1, NULL, 10)
		                                 : strtoull(deadline, NULL, 10);
	}
	if (parse_priority(prio, &d->priority) != 0) return kenh_failf("--priority", "unknown");
	for (i = 0; i < nassign; i++)
		if (parse_assignee(assign[i], &d->assignees[i]) != 0)
			return kenh_failf(assign[i], "not unit:PATH or user:NAME");
	d->nassignees = nassign;
	memset(&x, 0, sizeof(x));
	x.group = pos[0];
	if (attach != NULL &&
	    (rc = kenh_file_upload(a, attach, &x, &d->attachments[0], &blob)) != 0)
		return kenh_fail(attach, rc);
	d->nattachments = attach != NULL ? 1 : 0;
	rc = kenh_group_send(a, pos[0], &c, id);
	if (rc == 0 && attach != NULL) rc = kenh_file_forget(a, &x);
	client_content_clear(&c);
	mem_free(blob);
	if (rc != 0) return kenh_fail("directive issue", rc);
	kenh_hex(id, sizeof(id), hex);
	printf("%s\n", hex);
	return 0;
}

/* The group a directive lives in (the directives index). */
static int directive_group(struct kenh_app *a, const char *idhex, uint8_t *id, char *group,
                           size_t cap)
{
	struct client_store_item it;
	int rc;

	if ((rc = kenh_unhex(idhex, id, CLIENT_ID_LEN)) != 0) return rc;
	if ((rc = client_store_get(a->st, CLIENT_T_DIRECTIVES, span_make(id, CLIENT_ID_LEN),
	                           &it)) != 0)
		return rc;
	if (it.value.len >= cap) rc = KENH_ERR(KENH_E_TOO_LARGE);
	if (rc == 0) {
		memcpy(group, it.value.p, it.value.len);
		group[it.value.len] = '\0';
	}
	client_store_item_clear(&it);
	return rc;
}

static int answer(struct kenh_app *a, int argc, char **argv, bool report)
{
	const char *status = "in-progress", *percent = "0", *text = "", *pos[1];
	size_t npos = 0, nsync;
	const struct kenh_arg opts[] = {
		{ "--status", &status, NULL, NULL, NULL, 0 },
		{ "--percent", &percent, NULL, NULL, NULL, 0 },
		{ "--text", &text, NULL, NULL, NULL, 0 },
	};
	struct client_content c;
	uint8_t did[CLIENT_ID_LEN];
	char group[300];
	int rc;

	if (kenh_args(argc, argv, 2, opts, report ? 3 : 0, pos, 1, &npos) != 0 || npos != 1)
		return kenh_usage(report ? "directive report ID --status S --percent N [--text T]"
		                         : "directive ack ID");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	if ((rc = kenh_sync_run(a, 0, &nsync)) != 0) return kenh_fail("sync", rc);
	if ((rc = directive_group(a, pos[0], did, group, sizeof(group))) != 0)
		return kenh_fail(pos[0], rc);
	if ((rc = new_content(a, report ? CLIENT_CONTENT_REPORT : CLIENT_CONTENT_ACK, &c)) != 0)
		return kenh_fail("directive", rc);
	if (report) {
		memcpy(c.u.report.directive_id, did, CLIENT_ID_LEN);
		if (parse_status(status, &c.u.report.status) != 0)
			return kenh_failf("--status", "in-progress, done, blocked or unable");
		c.u.report.percent = (uint8_t)strtoul(percent, NULL, 10);
		c.u.report.text = span_make((const uint8_t *)text, strlen(text));
	} else {
		memcpy(c.u.ack.directive_id, did, CLIENT_ID_LEN);
	}
	if ((rc = kenh_group_send(a, group, &c, NULL)) != 0) return kenh_fail("directive", rc);
	printf("%s sent\n", report ? "report" : "acknowledgement");
	return 0;
}

/* The group's history as items for the table and the export; buffers owned here. */
struct items {
	struct client_store_item rows[MAX_ITEMS];
	struct kenh_hist hist[MAX_ITEMS];
	struct client_item items[MAX_ITEMS];
	struct client_member *rosters[MAX_ITEMS];
	size_t n;
};

static int roster_decode(struct kenh_span in, struct client_member **out, size_t *n)
{
	struct codec_reader r;
	size_t cap = 0;
	int rc;

	*out = NULL;
	*n = 0;
	codec_reader_init(&r, in.p, in.len);
	while (codec_reader_remaining(&r) > 0 && codec_reader_err(&r) == 0) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			if ((rc = mem_grow(*out, cap, sizeof(**out), (void **)out)) != 0) return rc;
		}
		codec_read_opaque(&r, CRYPTO_PKI_MAX_USER, &(*out)[*n].user);
		codec_read_opaque(&r, CRYPTO_PKI_MAX_UNIT, &(*out)[*n].unit);
		(*n)++;
	}
	return codec_reader_err(&r);
}

static int collect_one(void *arg, const struct client_store_item *it)
{
	struct items *s = arg;
	struct client_store_item *row;
	struct kenh_hist *h;
	int rc;

	if (s->n == MAX_ITEMS) return KENH_ERR(KENH_E_TOO_LARGE);
	row = &s->rows[s->n];
	h = &s->hist[s->n];
	if ((rc = sec_dup(it->buf, it->buflen, &row->buf)) != 0) return rc;
	row->buflen = it->buflen;
	row->value = span_make(row->buf + (it->value.p - it->buf), it->value.len);
	if (kenh_hist_decode(row->value, h) != 0) return 0;
	s->items[s->n].user = h->user;
	s->items[s->n].unit = h->unit;
	s->items[s->n].content = h->content;
	if (roster_decode(h->roster, &s->rosters[s->n], &s->items[s->n].nroster) != 0) return 0;
	s->items[s->n].roster = s->rosters[s->n];
	s->n++;
	return 0;
}

static void items_free(struct items *s)
{
	size_t i;

	if (s == NULL) return;
	for (i = 0; i < s->n; i++) {
		client_store_item_clear(&s->rows[i]);
		mem_free(s->rosters[i]);
	}
	mem_free(s);
}

static int items_load(struct kenh_app *a, const char *group, struct items **out)
{
	int rc;

	if ((rc = mem_calloc(1, sizeof(**out), (void **)out)) != 0) return rc;
	rc = client_store_scan(a->st, CLIENT_T_MESSAGES,
	                       span_make((const uint8_t *)group, strlen(group)), 0, 0, collect_one,
	                       *out);
	if (rc != 0) {
		items_free(*out);
		*out = NULL;
	}
	return rc;
}

static const char *status_name(enum client_report_status s)
{
	static const char *const names[] = { "-", "in-progress", "done", "blocked", "unable" };

	return (size_t)s < 5 ? names[s] : "?";
}

static void print_table(const struct kenh_app *a, const struct client_progress *p)
{
	size_t i;

	if (a->opt.json) {
		printf("{\"title\":");
		kenh_json_str(stdout, p->title.p, p->title.len);
		printf(",\"issuer\":");
		kenh_json_str(stdout, p->issuer_user.p, p->issuer_user.len);
		printf(",\"deadline\":%llu,\"rows\":[",
		       (unsigned long long)(p->has_deadline ? p->deadline : 0));
		for (i = 0; i < p->nrows; i++) {
			const struct client_progress_row *r = &p->rows[i];

			printf("%s{\"user\":", i ? "," : "");
			kenh_json_str(stdout, r->user.p, r->user.len);
			printf(",\"unit\":");
			kenh_json_str(stdout, r->unit.p, r->unit.len);
			printf(",\"acknowledged\":%s,\"status\":\"%s\",\"percent\":%u,\"text\":",
			       r->acknowledged ? "true" : "false",
			       r->reported ? status_name(r->status) : "-",
			       r->reported ? r->percent : 0);
			kenh_json_str(stdout, r->text.p, r->reported ? r->text.len : 0);
			printf(",\"overdue\":%s}", r->overdue ? "true" : "false");
		}
		printf("]}\n");
		return;
	}
	printf("directive \"%.*s\" from %.*s\n", (int)p->title.len, (const char *)p->title.p,
	       (int)p->issuer_user.len, (const char *)p->issuer_user.p);
	printf("%-16s %-12s %-5s %-12s %4s  %s\n", "user", "unit", "ack", "status", "%", "report");
	for (i = 0; i < p->nrows; i++) {
		const struct client_progress_row *r = &p->rows[i];

		printf("%-16.*s %-12.*s %-5s %-12s %4u  %.*s%s\n", (int)r->user.len,
		       (const char *)r->user.p, (int)r->unit.len, (const char *)r->unit.p,
		       r->acknowledged ? "yes" : "no", r->reported ? status_name(r->status) : "-",
		       r->reported ? r->percent : 0, (int)(r->reported ? r->text.len : 0),
		       (const char *)r->text.p, r->overdue ? " OVERDUE" : "");
	}
}

static int status_cmd(struct kenh_app *a, const char *idhex)
{
	struct client_progress p;
	struct items *s = NULL;
	uint8_t did[CLIENT_ID_LEN];
	char group[300];
	size_t nsync;
	int rc;

	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	if ((rc = kenh_sync_run(a, 0, &nsync)) != 0) return kenh_fail("sync", rc);
	if ((rc = directive_group(a, idhex, did, group, sizeof(group))) != 0)
		return kenh_fail(idhex, rc);
	if ((rc = items_load(a, group, &s)) != 0) return kenh_fail("history", rc);
	rc = client_progress_build(s->items, s->n, did, cli_now(), &p);
	if (rc == 0) print_table(a, &p);
	client_progress_clear(&p);
	items_free(s);
	return rc != 0 ? kenh_fail("status", rc) : 0;
}

/* True if an item belongs to directive did (the directive, or an answer to it). */
static bool belongs(struct kenh_span content, const uint8_t *did)
{
	struct client_content c;
	bool yes = false;

	if (client_content_decode(content, &c) != 0) return false;
	if (c.type == CLIENT_CONTENT_DIRECTIVE) yes = memcmp(c.id, did, CLIENT_ID_LEN) == 0;
	if (c.type == CLIENT_CONTENT_ACK)
		yes = memcmp(c.u.ack.directive_id, did, CLIENT_ID_LEN) == 0;
	if (c.type == CLIENT_CONTENT_REPORT)
		yes = memcmp(c.u.report.directive_id, did, CLIENT_ID_LEN) == 0;
	if (c.type == CLIENT_CONTENT_DIRECTIVE && yes) yes = true;
	client_content_clear(&c);
	return yes;
}

static int export_cmd(struct kenh_app *a, const char *idhex, const char *out)
{
	struct client_evidence_item *ev = NULL;
	struct items *s = NULL;
	uint8_t did[CLIENT_ID_LEN], *rec = NULL;
	char group[300];
	size_t i, j, k = 0, reclen = 0;
	int rc;

	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	if ((rc = directive_group(a, idhex, did, group, sizeof(group))) != 0)
		return kenh_fail(idhex, rc);
	if ((rc = items_load(a, group, &s)) != 0) return kenh_fail("history", rc);
	if ((rc = mem_calloc(s->n + 1, sizeof(*ev), (void **)&ev)) != 0) goto out;
	/* docs/evidence.md: the directive first, then its answers. */
	for (j = 0; j < 2; j++)
		for (i = 0; i < s->n; i++) {
			struct client_content c;
			bool is_dir;

			if (!belongs(s->hist[i].content, did) ||
			    client_content_decode(s->hist[i].content, &c) != 0)
				continue;
			is_dir = c.type == CLIENT_CONTENT_DIRECTIVE;
			client_content_clear(&c);
			if (is_dir != (j == 0)) continue;
			ev[k].content = s->hist[i].content;
			ev[k].sig = s->hist[i].sig;
			memcpy(ev[k].chain, s->hist[i].chain,
			       sizeof(ev[k].chain[0]) * s->hist[i].nchain);
			ev[k++].nchain = s->hist[i].nchain;
		}
	rc = client_evidence_export(span_make((const uint8_t *)group, strlen(group)), ev, k, &rec,
	                            &reclen);
	if (rc == 0) rc = cli_file_write(out, rec, reclen, false, false);
	if (rc == 0) printf("exported %zu signed item(s) to %s\n", k, out);
out:
	if (rec != NULL) sec_free(rec, reclen);
	mem_free(ev);
	items_free(s);
	return rc != 0 ? kenh_fail("export", rc) : 0;
}

static int verify_cmd(struct kenh_app *a, const char *file, const char *root)
{
	struct kenh_evidence *e = NULL;
	uint8_t *rec = NULL, *rt = NULL;
	size_t reclen = 0, rtlen = 0, i;
	struct kenh_blob r, ro;
	int rc;

	if ((rc = cli_file_read(file, CLIENT_EVIDENCE_MAX, &rec, &reclen)) != 0)
		return kenh_fail(file, rc);
	if ((rc = cli_file_read(root, CRYPTO_PKI_MAX_CERT_DER, &rt, &rtlen)) != 0) {
		mem_free(rec);
		return kenh_fail(root, rc);
	}
	r.p = rec;
	r.len = reclen;
	ro.p = rt;
	ro.len = rtlen;
	rc = kenh_evidence_verify(a->ctx, &r, &ro, &e);
	for (i = 0; e != NULL && i < kenh_evidence_count(e); i++)
		printf("item %zu: %s by %s (%s, device %s): %s\n", i,
		       kenh_evidence_item_type(e, i) == KENH_CONTENT_DIRECTIVE ? "directive"
		       : kenh_evidence_item_type(e, i) == KENH_CONTENT_ACK     ? "ack"
		                                                               : "report",
		       kenh_evidence_item_user(e, i), kenh_evidence_item_unit(e, i),
		       kenh_evidence_item_device(e, i),
		       kenh_evidence_item_result(e, i) == 0
		               ? "valid"
		               : kenh_strerror(kenh_evidence_item_result(e, i)));
	kenh_evidence_free(e);
	mem_free(rec);
	mem_free(rt);
	if (rc != 0) return kenh_fail("verify", rc);
	printf("record verified: every item signed by a valid certificate of the organization\n");
	return 0;
}

int cmd_kenh_directive(struct kenh_app *a, int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "issue") == 0) return issue(a, argc, argv);
	if (argc == 3 && strcmp(argv[1], "ack") == 0) return answer(a, argc, argv, false);
	if (argc >= 3 && strcmp(argv[1], "report") == 0) return answer(a, argc, argv, true);
	if (argc == 3 && strcmp(argv[1], "status") == 0) return status_cmd(a, argv[2]);
	if (argc == 5 && strcmp(argv[1], "export") == 0 && strcmp(argv[3], "--out") == 0)
		return export_cmd(a, argv[2], argv[4]);
	if (argc == 5 && strcmp(argv[1], "verify") == 0 && strcmp(argv[3], "--root") == 0)
		return verify_cmd(a, argv[2], argv[4]);
	return kenh_usage("directive issue|ack|report|status|export|verify ... (kenh directive "
	                  "--help)");
}
