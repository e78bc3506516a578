/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The operations of kenh daemon (docs/daemon.md §3): a table, one line
 * per operation, in the manner of STYLE R8.2. An operation either runs
 * the kenh command that does the same thing on the command line (the
 * request's arguments become its words, checked against the table by
 * cli_jsonreq_argv; the command runs with --json on the daemon's open
 * store and relay connection; what it prints is captured, per request,
 * in memory files standing in for stdout and stderr), or is the daemon's
 * own (subscribe, status, shutdown). A command's JSON output is the
 * result as it stands; a line of text becomes {"<key>": text}; a failure
 * becomes an error whose message is the command's own line without the
 * "kenh: " prefix, and whose code is the KENH_E_* name of its reason.
 * Subscribers get the sync's events as JSON lines.
 */
#define _GNU_SOURCE
#include "kenh_daemon.h"

#include "util/compat.h"

#include <sys/stat.h>
#include <unistd.h>

#include "util/mem.h"

typedef json_t *daemon_op_fn(struct kenh_daemon *d, struct daemon_client *c);

struct daemon_op {
	const char *name;
	const char *words[3];        /* the command's words, NULL-terminated */
	const struct cli_jarg *args; /* what "args" may hold */
	size_t nargs;
	const char *text_key; /* the result's key for a command that prints text */
	kenh_cmd_fn *cmd;     /* the command, or NULL for the daemon's own */
	daemon_op_fn *own;
};

#define ARGS(x) x, sizeof(x) / sizeof(x[0])
#define NOARGS  NULL, 0

/* Argument tables (cli_jsonreq.h): key, option word (NULL: positional), kind, required. */
static const struct cli_jarg a_group[] = { { "group", NULL, CLI_JARG_NAME, true } };
static const struct cli_jarg a_send[] = { { "group", NULL, CLI_JARG_NAME, true },
	                                  { "text", NULL, CLI_JARG_TEXT, true } };
static const struct cli_jarg a_send_file[] = { { "group", NULL, CLI_JARG_NAME, true },
	                                       { "path", NULL, CLI_JARG_PATH, true } };
static const struct cli_jarg a_get_file[] = { { "group", NULL, CLI_JARG_NAME, true },
	                                      { "id", NULL, CLI_JARG_NAME, true },
	                                      { "out", "--out", CLI_JARG_PATH, true } };
static const struct cli_jarg a_targets[] = { { "group", NULL, CLI_JARG_NAME, true },
	                                     { "targets", NULL, CLI_JARG_NAMES, true } };
static const struct cli_jarg a_issue[] = {
	{ "group", NULL, CLI_JARG_NAME, true },
	{ "title", "--title", CLI_JARG_TEXT, true },
	{ "body", "--body", CLI_JARG_TEXT, false },
	{ "deadline", "--deadline", CLI_JARG_NAME, false },
	{ "priority", "--priority", CLI_JARG_NAME, false },
	{ "assign", "--assign", CLI_JARG_NAMES, true },
	{ "attach", "--attach", CLI_JARG_PATH, false },
};
static const struct cli_jarg a_unit[] = { { "unit", NULL, CLI_JARG_NAME, false } };
static const struct cli_jarg a_name[] = { { "name", NULL, CLI_JARG_NAME, true } };
static const struct cli_jarg a_id[] = { { "id", NULL, CLI_JARG_NAME, true } };
static const struct cli_jarg a_report[] = { { "id", NULL, CLI_JARG_NAME, true },
	                                    { "status", "--status", CLI_JARG_NAME, true },
	                                    { "percent", "--percent", CLI_JARG_UINT, true },
	                                    { "text", "--text", CLI_JARG_TEXT, false } };
static const struct cli_jarg a_export[] = { { "id", NULL, CLI_JARG_NAME, true },
	                                    { "out", "--out", CLI_JARG_PATH, true } };
static const struct cli_jarg a_verify[] = { { "file", NULL, CLI_JARG_PATH, true },
	                                    { "root", "--root", CLI_JARG_PATH, true } };
static const struct cli_jarg a_safety[] = { { "group", NULL, CLI_JARG_NAME, true },
	                                    { "user", NULL, CLI_JARG_NAME, true } };

static daemon_op_fn op_subscribe, op_status, op_shutdown;

/* One line per operation; a new kenh command is one more line here. */
static const struct daemon_op ops[] = {
	{ "whoami", { "whoami" }, NOARGS, "output", cmd_kenh_whoami, NULL },
	{ "groups", { "groups" }, NOARGS, "output", cmd_kenh_groups, NULL },
	{ "members", { "members" }, ARGS(a_group), "output", cmd_kenh_members, NULL },
	{ "send", { "send" }, ARGS(a_send), "id", cmd_kenh_send, NULL },
	{ "send-file", { "send-file" }, ARGS(a_send_file), "id", cmd_kenh_send_file, NULL },
	{ "get-file", { "get-file" }, ARGS(a_get_file), "output", cmd_kenh_get_file, NULL },
	{ "history", { "history" }, ARGS(a_group), "output", cmd_kenh_history, NULL },
	{ "sync", { "sync" }, NOARGS, "output", cmd_kenh_sync, NULL },
	{ "group-create", { "group", "create" }, ARGS(a_group), "output", cmd_kenh_group, NULL },
	{ "group-add", { "group", "add" }, ARGS(a_targets), "output", cmd_kenh_group, NULL },
	{ "group-remove", { "group", "remove" }, ARGS(a_targets), "output", cmd_kenh_group, NULL },
	{ "directive-issue",
	  { "directive", "issue" },
	  ARGS(a_issue),
	  "id",
	  cmd_kenh_directive,
	  NULL },
	{ "directive-ack", { "directive", "ack" }, ARGS(a_id), "output", cmd_kenh_directive, NULL },
	{ "directive-report",
	  { "directive", "report" },
	  ARGS(a_report),
	  "output",
	  cmd_kenh_directive,
	  NULL },
	{ "directive-status",
	  { "directive", "status" },
	  ARGS(a_id),
	  "output",
	  cmd_kenh_directive,
	  NULL },
	{ "directive-export",
	  { "directive", "export" },
	  ARGS(a_export),
	  "output",
	  cmd_kenh_directive,
	  NULL },
	{ "directive-verify",
	  { "directive", "verify" },
	  ARGS(a_verify),
	  "output",
	  cmd_kenh_directive,
	  NULL },
	{ "safety-number",
	  { "safety-number" },
	  ARGS(a_safety),
	  "safety_number",
	  cmd_kenh_safety,
	  NULL },
	{ "devices", { "devices" }, NOARGS, "output", cmd_kenh_devices, NULL },
	{ "users", { "users" }, ARGS(a_unit), "output", cmd_kenh_users, NULL },
	{ "units", { "units" }, ARGS(a_unit), "output", cmd_kenh_units, NULL },
	{ "lookup", { "lookup" }, ARGS(a_name), "output", cmd_kenh_lookup, NULL },
	{ "group-leave", { "group", "leave" }, ARGS(a_group), "output", cmd_kenh_group, NULL },
	{ "group-update", { "group", "update" }, ARGS(a_group), "output", cmd_kenh_group, NULL },
	{ "renew", { "renew" }, NOARGS, "output", cmd_kenh_renew, NULL },
	{ "crls", { "crls" }, NOARGS, "output", cmd_kenh_crls, NULL },
	{ "subscribe", { NULL }, NOARGS, NULL, NULL, op_subscribe },
	{ "status", { NULL }, NOARGS, NULL, NULL, op_status },
	{ "shutdown", { NULL }, NOARGS, NULL, NULL, op_shutdown },
};

/* ---- error codes ---- */

static const struct {
	int code;
	const char *name;
} code_names[] = {
	{ KENH_E_NOMEM, "NOMEM" },
	{ KENH_E_INVALID_ARG, "INVALID_ARG" },
	{ KENH_E_INTERNAL, "INTERNAL" },
	{ KENH_E_PARSE, "PARSE" },
	{ KENH_E_TRUNCATED, "TRUNCATED" },
	{ KENH_E_TOO_LARGE, "TOO_LARGE" },
	{ KENH_E_TRAILING, "TRAILING" },
	{ KENH_E_VERIFY, "VERIFY" },
	{ KENH_E_DECRYPT, "DECRYPT" },
	{ KENH_E_STATE, "STATE" },
	{ KENH_E_PROTO, "PROTO" },
	{ KENH_E_UNSUPPORTED, "UNSUPPORTED" },
	{ KENH_E_CRYPTO, "CRYPTO" },
	{ KENH_E_IO, "IO" },
	{ KENH_E_DB, "DB" },
	{ KENH_E_TIMEOUT, "TIMEOUT" },
	{ KENH_E_PERM, "PERM" },
	{ KENH_E_REVOKED, "REVOKED" },
	{ KENH_E_NOT_FOUND, "NOT_FOUND" },
	{ KENH_E_EXISTS, "EXISTS" },
	{ KENH_E_EXPIRED, "EXPIRED" },
};

/*
 * The code of a command's failure, from its exit status and its line
 * "kenh: <what>: <reason>": the KENH_E_* whose kenh_strerror phrase ends
 * the line (the longest, if several do), the two phrases kenh_fail puts
 * in place of the library's, USAGE for a usage error, else FAILED.
 */
static const char *code_of(int status, const char *msg)
{
	size_t i, mlen = strlen(msg), best = 0;
	const char *name = "FAILED";

	if (status == 2) return "USAGE";
	if (strstr(msg, "wrong passphrase") != NULL) return "DECRYPT";
	if (strstr(msg, "certificate is revoked") != NULL) return "REVOKED";
	if (strstr(msg, "wipe order erased") != NULL) return "WIPED";
	for (i = 0; i < sizeof(code_names) / sizeof(code_names[0]); i++) {
		const char *s = kenh_strerror(code_names[i].code);
		size_t n = strlen(s);

		if (n > best && n <= mlen && strcmp(msg + mlen - n, s) == 0) {
			best = n;
			name = code_names[i].name;
		}
	}
	return name;
}

/* ---- responses ---- */

static json_t *id_json(int64_t id)
{
	return id < 0 ? json_null() : json_integer((json_int_t)id);
}

void kenh_daemon_refuse(struct kenh_daemon *d, struct daemon_client *c, int64_t id,
                        const char *code, const char *message)
{
	json_t *msg = json_pack("{s:o,s:b,s:{s:s,s:s}}", "id", id_json(id), "ok", 0, "error",
	                        "code", code, "message", message);

	/* A message that is not UTF-8 (JSON must be Unicode): the request still gets an answer. */
	if (msg == NULL)
		msg = json_pack("{s:o,s:b,s:{s:s,s:s}}", "id", id_json(id), "ok", 0, "error",
		                "code", code, "message", "(the reason is not UTF-8 text)");
	kenh_daemon_send(d, c, msg);
}

/* A success; result is taken. NULL (a failed json_pack) becomes an error. */
static void answer(struct kenh_daemon *d, struct daemon_client *c, uint64_t id, json_t *result)
{
	if (result == NULL) {
		kenh_daemon_refuse(d, c, (int64_t)id, "INTERNAL", "the result is not UTF-8 text");
		return;
	}
	kenh_daemon_send(
	        d, c, json_pack("{s:I,s:b,s:o}", "id", (json_int_t)id, "ok", 1, "result", result));
}

/* ---- capture of a command's output ---- */

struct capture {
	int saved[2];
	char *buf[2]; /* stdout, stderr as text (NUL-terminated) */
	size_t len[2];
};

static int capture_begin(struct kenh_daemon *d, struct capture *cap)
{
	int i;

	memset(cap, 0, sizeof(*cap));
	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < 2; i++) {
		if (ftruncate(d->capfd[i], 0) != 0 || lseek(d->capfd[i], 0, SEEK_SET) != 0)
			return KENH_ERR(KENH_E_IO);
		cap->saved[i] = dup(i + 1);
	}
	if (cap->saved[0] < 0 || cap->saved[1] < 0 || dup2(d->capfd[0], 1) < 0 ||
	    dup2(d->capfd[1], 2) < 0)
		return KENH_ERR(KENH_E_IO);
	return 0;
}

/* Put stdout and stderr back and read what the command wrote (at most DAEMON_CAPTURE_MAX). */
static int capture_end(struct kenh_daemon *d, struct capture *cap)
{
	struct stat sb;
	int i, rc = 0;

	fflush(stdout);
	fflush(stderr);
	for (i = 0; i < 2; i++) {
		if (cap->saved[i] > 0) {
			(void)dup2(cap->saved[i], i + 1);
			close(cap->saved[i]);
		}
		cap->saved[i] = 0;
	}
	for (i = 0; i < 2 && rc == 0; i++) {
		if (fstat(d->capfd[i], &sb) != 0) return KENH_ERR(KENH_E_IO);
		if ((uint64_t)sb.st_size > DAEMON_CAPTURE_MAX) return KENH_ERR(KENH_E_TOO_LARGE);
		cap->len[i] = (size_t)sb.st_size;
		if ((rc = mem_alloc(cap->len[i] + 1, (void **)&cap->buf[i])) != 0) break;
		if (pread(d->capfd[i], cap->buf[i], cap->len[i], 0) != (ssize_t)cap->len[i])
			rc = KENH_ERR(KENH_E_IO);
		cap->buf[i][cap->len[i]] = '\0';
		if (ftruncate(d->capfd[i], 0) != 0) rc = KENH_ERR(KENH_E_IO);
	}
	return rc;
}

/* The output may hold plaintext (history): wiped, not only freed (R5.6). */
static void capture_clear(struct capture *cap)
{
	int i;

	for (i = 0; i < 2; i++)
		if (cap->buf[i] != NULL) sec_free(cap->buf[i], cap->len[i] + 1);
	memset(cap, 0, sizeof(*cap));
}

/* The last non-empty line of text, without a "kenh: " prefix; in place. */
static const char *last_line(char *text)
{
	size_t n = strlen(text);
	char *p;

	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
		text[--n] = '\0';
	p = strrchr(text, '\n');
	p = p != NULL ? p + 1 : text;
	if (strncmp(p, "kenh: ", 6) == 0) p += 6;
	if (strncmp(p, "usage: ", 7) == 0) return p;
	return *p != '\0' ? p : "failed";
}

/* The result of a command that succeeded: its JSON, or {key: its text}. */
static json_t *result_of(const struct daemon_op *op, char *out, size_t len)
{
	json_error_t jerr;
	json_t *j;

	j = json_loadb(out, len, 0, &jerr);
	if (j != NULL) return j;
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == '\r'))
		out[--len] = '\0';
	return json_pack("{s:s%}", op->text_key, out, len);
}

static void run_command(struct kenh_daemon *d, struct daemon_client *c, const struct daemon_op *op,
                        const struct cli_jsonreq *rq)
{
	struct capture cap;
	char why[CLI_JSONREQ_NAME_MAX + 64];
	int rc, status;

	if ((rc = cli_jsonreq_argv(rq, op->words, op->args, op->nargs, d->av)) != 0) {
		snprintf(why, sizeof(why), "%s: argument %s: %s", op->name, d->av->bad,
		         rc == KENH_E_TOO_LARGE ? "too many words"
		                                : "missing, unknown or of a wrong kind");
		kenh_daemon_refuse(d, c, (int64_t)rq->id, "INVALID_ARG", why);
		return;
	}
	d->a->opt.json = true;
	rc = capture_begin(d, &cap);
	status = rc == 0 ? op->cmd(d->a, d->av->argc, d->av->argv) : 1;
	if (rc == 0)
		rc = capture_end(d, &cap);
	else
		(void)capture_end(d, &cap);
	if (rc == KENH_E_TOO_LARGE) {
		kenh_daemon_refuse(d, c, (int64_t)rq->id, "TOO_LARGE", "the output is over 32 MiB");
	} else if (rc != 0) {
		kenh_daemon_refuse(d, c, (int64_t)rq->id, "IO",
		                   "cannot capture the command's output");
	} else if (status != 0) {
		const char *msg = last_line(cap.buf[1]);

		kenh_daemon_refuse(d, c, (int64_t)rq->id, code_of(status, msg), msg);
	} else {
		answer(d, c, rq->id, result_of(op, cap.buf[0], cap.len[0]));
	}
	capture_clear(&cap);
}

void kenh_daemon_request(struct kenh_daemon *d, struct daemon_client *c, const char *line,
                         size_t len)
{
	struct cli_jsonreq rq;
	int64_t id = -1;
	size_t i;
	int rc;

	rc = cli_jsonreq_parse(line, len, &rq, &id);
	if (rc != 0) {
		kenh_daemon_refuse(d, c, id, rc == KENH_E_PARSE ? "PARSE" : "INVALID_ARG",
		                   rc == KENH_E_PARSE ? "not a JSON object"
		                                      : "a request is {\"id\":N,\"op\":\"NAME\","
		                                        "\"args\":{...}}");
		return;
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(ops[i].name, rq.op) == 0) break;
	if (i == sizeof(ops) / sizeof(ops[0])) {
		kenh_daemon_refuse(d, c, (int64_t)rq.id, "UNKNOWN_OP", "unknown operation");
	} else if (ops[i].own != NULL) {
		if (rq.args != NULL && json_object_size(rq.args) > 0)
			kenh_daemon_refuse(d, c, (int64_t)rq.id, "INVALID_ARG",
			                   "takes no arguments");
		else
			answer(d, c, rq.id, ops[i].own(d, c));
	} else {
		run_command(d, c, &ops[i], &rq);
	}
	cli_jsonreq_clear(&rq);
}

/* ---- the daemon's own operations ---- */

static json_t *op_subscribe(struct kenh_daemon *d, struct daemon_client *c)
{
	(void)d;
	c->subscribed = true;
	return json_pack("{s:b}", "subscribed", 1);
}

static json_t *op_status(struct kenh_daemon *d, struct daemon_client *c)
{
	size_t i, n = 0, subs = 0;

	(void)c;
	for (i = 0; i < DAEMON_MAX_CLIENTS; i++) {
		if (d->cl[i].fd < 0) continue;
		n++;
		if (d->cl[i].subscribed) subs++;
	}
	return json_pack("{s:s,s:s,s:I,s:I,s:I,s:I,s:s,s:s,s:s}", "relay",
	                 d->a->net != NULL ? "connected" : "disconnected", "relay_address",
	                 d->a->relay, "reconnects", (json_int_t)d->reconnects, "clients",
	                 (json_int_t)n, "subscribers", (json_int_t)subs, "uptime",
	                 (json_int_t)((kenh_daemon_now_ms() - d->started_ms) / 1000), "user",
	                 d->a->me.user, "unit", d->a->me.unit, "device", d->a->me.device);
}

static json_t *op_shutdown(struct kenh_daemon *d, struct daemon_client *c)
{
	(void)c;
	d->stop = true;
	return json_pack("{s:b}", "stopping", 1);
}

/* ---- events ---- */

/* A JSON string of bytes that may not be UTF-8 (then null: JSON text must be Unicode). */
static json_t *bytes_json(struct kenh_span s)
{
	json_t *j = json_stringn((const char *)s.p != NULL ? (const char *)s.p : "", s.len);

	return j != NULL ? j : json_null();
}

static json_t *message_event(const struct kenh_event *ev)
{
	const struct client_content *c = ev->content;
	char id[2 * CLIENT_ID_LEN + 1], did[2 * CLIENT_ID_LEN + 1] = "";
	bool directive = c->type == CLIENT_CONTENT_DIRECTIVE || c->type == CLIENT_CONTENT_ACK ||
	                 c->type == CLIENT_CONTENT_REPORT;
	json_t *j;

	kenh_hex(c->id, CLIENT_ID_LEN, id);
	if (c->type == CLIENT_CONTENT_ACK) kenh_hex(c->u.ack.directive_id, CLIENT_ID_LEN, did);
	if (c->type == CLIENT_CONTENT_REPORT)
		kenh_hex(c->u.report.directive_id, CLIENT_ID_LEN, did);
	j = json_pack("{s:s,s:o,s:s,s:s,s:I,s:I,s:o,s:o,s:o,s:o}", "event",
	              directive ? "directive" : "message", "group", bytes_json(ev->group), "id", id,
	              "type", kenh_content_type_name(c->type), "sent_at", (json_int_t)c->sent_at,
	              "epoch", (json_int_t)ev->epoch, "user", bytes_json(ev->hist->user), "unit",
	              bytes_json(ev->hist->unit), "device", bytes_json(ev->hist->device), "text",
	              bytes_json(kenh_content_text(c)));
	if (j != NULL && did[0] != '\0') json_object_set_new(j, "directive", json_string(did));
	if (j != NULL && c->type == CLIENT_CONTENT_REPORT)
		json_object_set_new(j, "percent", json_integer(c->u.report.percent));
	return j;
}

void kenh_daemon_on_event(void *arg, struct kenh_app *a, const struct kenh_event *ev)
{
	static const char *const kinds[] = { "message", "joined", "members", "removed", "wiped" };
	struct kenh_daemon *d = arg;
	json_t *j;

	(void)a;
	if (ev->kind == KENH_EVENT_MESSAGE)
		j = message_event(ev);
	else if (ev->kind == KENH_EVENT_WIPED)
		j = json_pack("{s:s}", "event", "wiped");
	else
		j = json_pack("{s:s,s:o,s:I}", "event", kinds[ev->kind], "group",
		              bytes_json(ev->group), "epoch", (json_int_t)ev->epoch);
	if (ev->kind == KENH_EVENT_WIPED) d->gone = true;
	if (j == NULL) return;
	kenh_daemon_broadcast(d, j);
	json_decref(j);
}
