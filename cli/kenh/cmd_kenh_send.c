/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh send, submit, send-file, get-file, sync, listen and history: text and
 * file messages (docs/content.md Text and FileRef) as MLS application
 * messages, catching up with the relay, and the conversation as kept in
 * the store (in arrival order).
 */
#include "kenh.h"

#include "util/compat.h"

#include <stdlib.h>

#include "../common/cli.h"
#include "codec/limits.h"
#include "crypto/crypto.h"
#include "proto/proto.h"
#include "util/mem.h"

static int new_content(struct kenh_app *a, enum client_content_type t, struct client_content *c)
{
	memset(c, 0, sizeof(*c));
	c->type = t;
	c->sent_at = cli_now();
	return crypto_random(a->ctx, c->id, sizeof(c->id));
}

static void print_id(const uint8_t *id)
{
	char hex[2 * CLIENT_ID_LEN + 1];

	kenh_hex(id, CLIENT_ID_LEN, hex);
	printf("%s\n", hex);
}

#define SEND_MAX_TEXTS 1024

int cmd_kenh_send(struct kenh_app *a, int argc, char **argv)
{
	const char *pos[SEND_MAX_TEXTS + 1], *out = NULL;
	const struct kenh_arg opts[] = { { "--out", &out, NULL, NULL, NULL, 0 } };
	struct client_content c;
	size_t n, npos = 0, i;
	int rc;

	/* send GROUP TEXT takes TEXT as it is, even if it starts with "--". */
	if (argc == 3) {
		pos[npos++] = argv[1];
		pos[npos++] = argv[2];
	} else if (kenh_args(argc, argv, 1, opts, 1, pos, SEND_MAX_TEXTS + 1, &npos) != 0 ||
	           npos < 2 || out == NULL) {
		return kenh_usage("send GROUP TEXT | send GROUP --out DIR TEXT...");
	}
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	if ((rc = kenh_sync_run(a, 0, &n)) != 0) return kenh_fail("sync", rc);
	a->send_out = out;
	for (i = 1; i < npos; i++) {
		if ((rc = new_content(a, CLIENT_CONTENT_TEXT, &c)) != 0)
			return kenh_fail("send", rc);
		c.u.text.text = span_make((const uint8_t *)pos[i], strlen(pos[i]));
		if ((rc = kenh_group_send(a, pos[0], &c, NULL)) != 0) return kenh_fail("send", rc);
		print_id(c.id);
	}
	return 0;
}

/*
 * kenh submit FILE...: send MLSMessages written by kenh send --out, in the
 * order given (APP_SEND; a test and debugging aid for out-of-order
 * delivery, RFC 9420 §9.1).
 */
int cmd_kenh_submit(struct kenh_app *a, int argc, char **argv)
{
	struct proto_app_send req;
	struct proto_seq_resp resp;
	uint8_t *msg = NULL;
	size_t len = 0;
	int i, rc;

	if (argc < 2) return kenh_usage("submit FILE...");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	for (i = 1; i < argc; i++) {
		if ((rc = cli_file_read(argv[i], LIMIT_FRAME, &msg, &len)) != 0)
			return kenh_fail(argv[i], rc);
		req.message = span_make(msg, len);
		rc = kenh_net_call(a, PROTO_APP_SEND, &proto_desc_app_send, &req,
		                   &proto_desc_seq_resp, &resp, sizeof(resp), NULL);
		mem_free(msg);
		if (rc != 0) return kenh_fail(argv[i], rc);
		printf("%s: seq %llu\n", argv[i], (unsigned long long)resp.seq);
	}
	return 0;
}

/* Say on stderr that a transfer continued or started again (not with --quiet). */
static void note_xfer(const struct kenh_app *a, const char *what, const char *path,
                      const struct kenh_xfer *x)
{
	if (a->opt.quiet) return;
	if (x->restarted)
		fprintf(stderr, "kenh: %s changed since the interrupted %s: started again\n", path,
		        what);
	else if (x->resumed)
		fprintf(stderr, "kenh: %s resumed at byte %llu of %llu\n", what,
		        (unsigned long long)x->resumed_at, (unsigned long long)x->total);
}

static void print_xfer(const struct kenh_app *a, const uint8_t *id, const struct kenh_xfer *x)
{
	char hex[2 * CLIENT_ID_LEN + 1];

	if (!a->opt.json) {
		print_id(id);
		return;
	}
	kenh_hex(id, CLIENT_ID_LEN, hex);
	printf("{\"id\":\"%s\",\"blob_bytes\":%llu,\"sent\":%llu,\"resumed_at\":%llu,"
	       "\"resumed\":%s}\n",
	       hex, (unsigned long long)x->total, (unsigned long long)x->sent,
	       (unsigned long long)x->resumed_at, x->resumed ? "true" : "false");
}

int cmd_kenh_send_file(struct kenh_app *a, int argc, char **argv)
{
	struct client_content c;
	struct kenh_xfer x;
	struct kenh_bar bar;
	uint8_t *blob = NULL, id[CLIENT_ID_LEN];
	size_t n;
	int rc;

	if (argc != 3) return kenh_usage("send-file GROUP PATH");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	if ((rc = kenh_sync_run(a, 0, &n)) != 0) return kenh_fail("sync", rc);
	if ((rc = new_content(a, CLIENT_CONTENT_FILE, &c)) != 0) return kenh_fail("send", rc);
	memset(&x, 0, sizeof(x));
	kenh_bar_init(&bar, a, "upload");
	x.group = argv[1];
	x.progress = kenh_bar_update;
	x.progress_arg = &bar;
	rc = kenh_file_upload(a, argv[2], &x, &c.u.file, &blob);
	kenh_bar_end(&bar);
	note_xfer(a, "upload", argv[2], &x);
	if (rc != 0) return kenh_fail(argv[2], rc);
	rc = kenh_group_send(a, argv[1], &c, NULL);
	/* Sent: a later send of the same file is a new transfer. */
	if (rc == 0) rc = kenh_file_forget(a, &x);
	memcpy(id, c.id, sizeof(id)); /* the clear below wipes the content */
	client_content_clear(&c);
	mem_free(blob);
	if (rc != 0) return kenh_fail("send-file", rc);
	print_xfer(a, id, &x);
	return 0;
}

int cmd_kenh_sync(struct kenh_app *a, int argc, char **argv)
{
	size_t n = 0;
	int rc;

	(void)argv;
	if (argc != 1) return kenh_usage("sync");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	if ((rc = kenh_sync_run(a, 0, &n)) != 0) return kenh_fail("sync", rc);
	if (a->opt.json)
		printf("{\"processed\":%zu}\n", n);
	else
		printf("%zu new message(s)\n", n);
	return 0;
}

int cmd_kenh_listen(struct kenh_app *a, int argc, char **argv)
{
	size_t n = 0;
	long secs = 3600;
	int rc;

	if (argc == 3 && strcmp(argv[1], "--seconds") == 0)
		secs = strtol(argv[2], NULL, 10);
	else if (argc != 1)
		return kenh_usage("listen [--seconds N]");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	if ((rc = kenh_sync_run(a, (int)(secs * 1000), &n)) != 0) return kenh_fail("listen", rc);
	printf("%zu message(s) processed\n", n);
	return 0;
}

static void print_item(struct kenh_app *a, const struct kenh_hist *h,
                       const struct client_content *c, bool first)
{
	char id[2 * CLIENT_ID_LEN + 1];
	struct kenh_span text = kenh_content_text(c);
	const char *type = kenh_content_type_name(c->type);

	kenh_hex(c->id, CLIENT_ID_LEN, id);
	if (a->opt.json) {
		printf("%s{\"id\":\"%s\",\"type\":\"%s\",\"sent_at\":%llu,\"user\":",
		       first ? "" : ",", id, type, (unsigned long long)c->sent_at);
		kenh_json_str(stdout, h->user.p, h->user.len);
		printf(",\"unit\":");
		kenh_json_str(stdout, h->unit.p, h->unit.len);
		printf(",\"text\":");
		kenh_json_str(stdout, text.p, text.len);
		printf("}");
		return;
	}
	printf("%s %.*s/%.*s %s: %.*s\n", id, (int)h->unit.len, (const char *)h->unit.p,
	       (int)h->user.len, (const char *)h->user.p, type, (int)text.len,
	       (const char *)text.p);
}

struct hist_walk {
	struct kenh_app *a;
	bool first;
};

static int hist_one(void *arg, const struct client_store_item *it)
{
	struct hist_walk *w = arg;
	struct client_content c;
	struct kenh_hist h;

	if (kenh_hist_decode(it->value, &h) != 0 || client_content_decode(h.content, &c) != 0)
		return 0;
	print_item(w->a, &h, &c, w->first);
	w->first = false;
	client_content_clear(&c);
	return 0;
}

int cmd_kenh_history(struct kenh_app *a, int argc, char **argv)
{
	struct hist_walk w = { a, true };
	int rc;

	if (argc != 2) return kenh_usage("history GROUP");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	if (a->opt.json) printf("[");
	rc = client_store_scan(a->st, CLIENT_T_MESSAGES,
	                       span_make((const uint8_t *)argv[1], strlen(argv[1])), 0, 0, hist_one,
	                       &w);
	if (a->opt.json) printf("]\n");
	return rc != 0 ? kenh_fail("history", rc) : 0;
}

/* A FileRef by content id: a file message, or an attachment of a directive or report. */
static int find_file(struct kenh_app *a, const char *group, const char *idhex,
                     struct client_store_item *it, struct client_content *c,
                     const struct client_file **f)
{
	uint8_t id[CLIENT_ID_LEN];
	struct kenh_hist h;
	int rc;

	*f = NULL;
	if ((rc = kenh_unhex(idhex, id, sizeof(id))) != 0) return rc;
	if ((rc = client_store_get(a->st, CLIENT_T_MESSAGES, span_make(id, sizeof(id)), it)) != 0)
		return rc;
	if ((rc = kenh_hist_decode(it->value, &h)) != 0) return rc;
	if (it->scope.len != strlen(group) || memcmp(it->scope.p, group, it->scope.len) != 0)
		return KENH_ERR(KENH_E_NOT_FOUND);
	if ((rc = client_content_decode(h.content, c)) != 0) return rc;
	if (c->type == CLIENT_CONTENT_FILE) *f = &c->u.file;
	if (c->type == CLIENT_CONTENT_DIRECTIVE && c->u.directive.nattachments > 0)
		*f = &c->u.directive.attachments[0];
	if (c->type == CLIENT_CONTENT_REPORT && c->u.report.nattachments > 0)
		*f = &c->u.report.attachments[0];
	return *f != NULL ? 0 : KENH_ERR(KENH_E_NOT_FOUND);
}

int cmd_kenh_get_file(struct kenh_app *a, int argc, char **argv)
{
	struct client_store_item it;
	struct client_content c;
	const struct client_file *f;
	struct kenh_xfer x;
	struct kenh_bar bar;
	int rc;

	if (argc != 5 || strcmp(argv[3], "--out") != 0)
		return kenh_usage("get-file GROUP FILE-ID --out PATH");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	memset(&c, 0, sizeof(c));
	memset(&it, 0, sizeof(it));
	memset(&x, 0, sizeof(x));
	kenh_bar_init(&bar, a, "download");
	x.progress = kenh_bar_update;
	x.progress_arg = &bar;
	rc = find_file(a, argv[1], argv[2], &it, &c, &f);
	if (rc == 0) rc = kenh_file_download(a, f, argv[4], &x);
	kenh_bar_end(&bar);
	note_xfer(a, "download", argv[4], &x);
	if (rc == 0)
		printf("%.*s: %llu bytes, integrity checked, written to %s\n", (int)f->name.len,
		       (const char *)f->name.p, (unsigned long long)f->size, argv[4]);
	client_content_clear(&c);
	client_store_item_clear(&it);
	/* A chunk that does not open is the blob's fault, not a wrong passphrase. */
	if (rc == KENH_E_DECRYPT || rc == KENH_E_VERIFY)
		return kenh_failf("get-file", "the file failed its integrity check (damaged or "
		                              "changed on the relay); nothing was written");
	return rc != 0 ? kenh_fail("get-file", rc) : 0;
}
