/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh: global options, the command table and the error format
 * "kenh: <what>: <reason>" (issue 6). Each command lives in its own
 * cmd_kenh_<name>.c file.
 */
#include "kenh.h"

#include "util/compat.h"

#include <signal.h>
#include <stdlib.h>

#include "kenh/kenh.h"

struct command {
	const char *word;
	kenh_cmd_fn *fn;
	const char *help;
};

static const struct command commands[] = {
	{ "init", cmd_kenh_init,
	  "--relay HOST:PORT --relay-ca RELAY.pem --root ROOT.crt [--unit-ca CA.crt]... "
	  "[--relay-key HEX] [--kdf-memory MIB]" },
	{ "enroll", cmd_kenh_enroll,
	  "--user USER --unit PATH --code CODE [--wait SECONDS] | --fetch [--wait SECONDS] | "
	  "--cert FILE" },
	{ "whoami", cmd_kenh_whoami, "" },
	{ "devices", cmd_kenh_devices, "" },
	{ "users", cmd_kenh_users, "[UNIT]" },
	{ "units", cmd_kenh_units, "[UNIT]" },
	{ "lookup", cmd_kenh_lookup, "USER|user:USER[@UNIT]|UNIT|unit:PATH|DEVICE" },
	{ "renew", cmd_kenh_renew, "[--fetch] [--wait SECONDS] | --cert FILE" },
	{ "keypackages", cmd_kenh_keypackages, "[--upload N]" },
	{ "group", cmd_kenh_group,
	  "create NAME | add NAME unit:PATH|user:USER[@UNIT]|DEVICE... | remove NAME "
	  "unit:PATH|user:USER[@UNIT]|DEVICE... | update NAME | leave NAME" },
	{ "groups", cmd_kenh_groups, "" },
	{ "members", cmd_kenh_members, "GROUP" },
	{ "send", cmd_kenh_send, "GROUP TEXT | GROUP --out DIR TEXT..." },
	{ "submit", cmd_kenh_submit, "FILE..." },
	{ "send-file", cmd_kenh_send_file, "GROUP PATH" },
	{ "sync", cmd_kenh_sync, "" },
	{ "listen", cmd_kenh_listen, "[--seconds N]" },
	{ "history", cmd_kenh_history, "GROUP" },
	{ "get-file", cmd_kenh_get_file, "GROUP FILE-ID --out PATH" },
	{ "directive", cmd_kenh_directive,
	  "issue GROUP --title T --body B [--deadline UNIX|+SECONDS] [--priority "
	  "low|normal|high|urgent] --assign unit:PATH|user:U... [--attach FILE] | ack ID | report ID "
	  "--status in-progress|done|blocked|unable --percent N [--text T] | status ID | export ID "
	  "--out F | verify F --root ROOT.crt" },
	{ "safety-number", cmd_kenh_safety, "GROUP USER" },
	{ "wipe-order", cmd_kenh_wipe, "FILE" },
	{ "crl-upload", cmd_kenh_crl_upload, "FILE" },
	{ "crls", cmd_kenh_crls, "[--refresh]" },
	{ "daemon", cmd_kenh_daemon,
	  "[--socket PATH]  (JSON requests on a Unix socket, default DIR/daemon/sock; "
	  "docs/daemon.md)" },
	{ "daemon-call", cmd_kenh_daemon_call,
	  "[--socket PATH] [--timeout S] OP [JSON-ARGS] | --subscribe [--count N] | --raw" },
};

int kenh_fail(const char *what, int code)
{
	const char *why;

	if (code == KENH_CLI_E_WIPED) {
		fprintf(stderr, "kenh: %s: a verified wipe order erased this device's store\n",
		        what);
		return 1;
	}
	if (code == KENH_CLI_E_LEFT) {
		fprintf(stderr, "kenh: %s: this device left the group\n", what);
		return 1;
	}
	why = kenh_strerror(code);

	if (code == KENH_E_DECRYPT) why = "wrong passphrase (or the store was changed)";
	if (code == KENH_E_REVOKED) why = "a certificate is revoked (listed in a CRL)";
	fprintf(stderr, "kenh: %s: %s\n", what, why);
	return 1;
}

int kenh_failf(const char *what, const char *why)
{
	fprintf(stderr, "kenh: %s: %s\n", what, why);
	return 1;
}

int kenh_usage(const char *line)
{
	fprintf(stderr, "usage: kenh %s\n", line);
	return 2;
}

static void usage_all(FILE *f)
{
	size_t i;

	fprintf(f,
	        "usage: kenh [--dir DIR] [--passphrase-file FILE] [--json] [--quiet] COMMAND ...\n");
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "    %s %s\n", commands[i].word, commands[i].help);
	fprintf(f, "The folder defaults to ~/.kenh (or KENH_DIR); the passphrase may come from "
	           "KENH_PASSPHRASE.\n");
}

static int parse_global(struct kenh_opts *o, int argc, char **argv, int *next)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--json") == 0)
			o->json = true;
		else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0)
			o->quiet = true;
		else if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc)
			o->dir = argv[++i];
		else if (strcmp(argv[i], "--passphrase-file") == 0 && i + 1 < argc)
			o->pass_file = argv[++i];
		else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return (usage_all(stdout), 0);
		else
			return (usage_all(stderr), 2);
	}
	*next = i;
	return -1;
}

static int run(struct kenh_app *a, int argc, char **argv)
{
	size_t i;

	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		if (strcmp(argv[0], commands[i].word) != 0) continue;
		if (argc > 1 && strcmp(argv[1], "--help") == 0) {
			printf("usage: kenh %s %s\n", commands[i].word, commands[i].help);
			return 0;
		}
		return commands[i].fn(a, argc, argv);
	}
	fprintf(stderr, "kenh: %s: unknown command (kenh --help lists them)\n", argv[0]);
	return 2;
}

int main(int argc, char **argv)
{
	struct kenh_app a;
	const char *home = getenv("HOME");
	int next = 0, rc;

	memset(&a, 0, sizeof(a));
	/* A relay that closes the connection (a revoked certificate) is an error, not a signal. */
	signal(SIGPIPE, SIG_IGN);
	if ((rc = parse_global(&a.opt, argc, argv, &next)) >= 0) return rc;
	if (next >= argc) return (usage_all(stderr), 2);
	if (a.opt.dir == NULL) a.opt.dir = getenv("KENH_DIR");
	if (a.opt.dir != NULL)
		snprintf(a.dir, sizeof(a.dir), "%s", a.opt.dir);
	else
		snprintf(a.dir, sizeof(a.dir), "%s/.kenh", home != NULL ? home : ".");
	if ((rc = kenh_ctx_new(&a.ctx)) != 0) return kenh_fail("library", rc);
	rc = run(&a, argc - next, argv + next);
	/* docs/protocol.md §3 REVOKED: a revoked device still fetches its wipe orders. */
	if (a.relay_revoked && !a.wiped && a.st != NULL && kenh_sync_wipe_fetch(&a) != 0)
		fprintf(stderr, "kenh: could not fetch this device's wipe orders\n");
	if (a.wiped && rc == 0) rc = kenh_fail("wipe", KENH_CLI_E_WIPED);
	kenh_dev_close(&a);
	kenh_ctx_free(a.ctx);
	return rc;
}
