/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-mls: a file-based MLS (RFC 9420) tool, so that another MLS
 * implementation, or an operator debugging one, can exchange messages with
 * ours (issue 3, DESIGN §9). Each file holds one TLS-serialized MLSMessage;
 * a party's KeyPackage and group live in its --state file between runs.
 * This file is the command table and the option parser; each command is
 * in cmd_mls_<name>.c. Exit status: 0 on success, 1 on an MLS or
 * processing error (one line on stderr, the state file unchanged), 2 on a
 * usage error.
 */
#include "kmls.h"

#include "util/compat.h"

#include <stddef.h>

#include "util/util.h"

/* One bit per option, for the command table. */
enum {
	O_STATE = 1 << 0,
	O_SUITE = 1 << 1,
	O_IDENTITY = 1 << 2,
	O_OUT = 1 << 3,
	O_KEYPACKAGE = 1 << 4,
	O_COMMIT_OUT = 1 << 5,
	O_WELCOME_OUT = 1 << 6,
	O_WELCOME = 1 << 7,
	O_TEXT = 1 << 8,
	O_IN = 1 << 9,
	O_MEMBER = 1 << 10,
	O_GROUP_ID_HEX = 1 << 11,
};

struct option {
	const char *name;
	unsigned bit;
	size_t offset; /* of the const char * in struct kmls_opts */
};

static const struct option options[] = {
	{ "--state", O_STATE, offsetof(struct kmls_opts, state) },
	{ "--suite", O_SUITE, offsetof(struct kmls_opts, suite) },
	{ "--identity", O_IDENTITY, offsetof(struct kmls_opts, identity) },
	{ "--out", O_OUT, offsetof(struct kmls_opts, out) },
	{ "--keypackage", O_KEYPACKAGE, offsetof(struct kmls_opts, keypackage) },
	{ "--commit-out", O_COMMIT_OUT, offsetof(struct kmls_opts, commit_out) },
	{ "--welcome-out", O_WELCOME_OUT, offsetof(struct kmls_opts, welcome_out) },
	{ "--welcome", O_WELCOME, offsetof(struct kmls_opts, welcome) },
	{ "--text", O_TEXT, offsetof(struct kmls_opts, text) },
	{ "--in", O_IN, offsetof(struct kmls_opts, in) },
	{ "--member", O_MEMBER, offsetof(struct kmls_opts, member) },
	{ "--group-id-hex", O_GROUP_ID_HEX, offsetof(struct kmls_opts, group_id_hex) },
};

struct command {
	const char *name;
	kmls_cmd_fn *fn;
	unsigned required;
	unsigned optional;
	const char *usage;
};

static const struct command commands[] = {
	{ "keypackage", kmls_cmd_keypackage, O_SUITE | O_IDENTITY | O_STATE | O_OUT, 0,
	  "keypackage --suite N --identity ID --state S --out KP" },
	{ "create", kmls_cmd_create, O_STATE, O_SUITE | O_IDENTITY | O_GROUP_ID_HEX,
	  "create --state S [--suite N --identity ID] [--group-id-hex HEX]" },
	{ "add", kmls_cmd_add, O_STATE | O_KEYPACKAGE | O_COMMIT_OUT | O_WELCOME_OUT, 0,
	  "add --state S --keypackage KP[,KP...] --commit-out C --welcome-out W" },
	{ "join", kmls_cmd_join, O_STATE | O_WELCOME, 0, "join --state S --welcome W" },
	{ "send", kmls_cmd_send, O_STATE | O_TEXT | O_OUT, 0,
	  "send --state S --text TEXT --out M" },
	{ "recv", kmls_cmd_recv, O_STATE | O_IN, 0, "recv --state S --in M" },
	{ "update", kmls_cmd_update, O_STATE | O_COMMIT_OUT, 0, "update --state S --commit-out C" },
	{ "remove", kmls_cmd_remove, O_STATE | O_MEMBER | O_COMMIT_OUT, 0,
	  "remove --state S --member ID --commit-out C" },
	{ "propose-remove", kmls_cmd_propose_remove, O_STATE | O_MEMBER | O_OUT, 0,
	  "propose-remove --state S --member ID --out P" },
	{ "info", kmls_cmd_info, O_STATE, 0, "info --state S" },
	{ "decode", kmls_cmd_decode, O_IN, 0, "decode --in FILE" },
};

static int usage(const char *why)
{
	size_t i;

	if (why != NULL) fprintf(stderr, "kenh-mls: %s\n", why);
	fprintf(stderr, "usage:\n");
	for (i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(stderr, "  kenh-mls %s\n", commands[i].usage);
	return KMLS_USAGE;
}

static const struct option *find_option(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(options); i++)
		if (strcmp(options[i].name, name) == 0) return &options[i];
	return NULL;
}

/* "--name value" pairs into o; only the command's options, each at most once. */
static int parse(const struct command *c, int argc, char **argv, struct kmls_opts *o)
{
	const struct option *opt;
	unsigned seen = 0;
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < argc; i += 2) {
		if ((opt = find_option(argv[i])) == NULL) return usage("unknown option");
		if (((c->required | c->optional) & opt->bit) == 0)
			return usage("option not allowed for this command");
		if ((seen & opt->bit) != 0) return usage("option given twice");
		if (i + 1 >= argc) return usage("option without a value");
		seen |= opt->bit;
		memcpy((char *)o + opt->offset, &argv[i + 1], sizeof(argv[i + 1]));
	}
	if ((seen & c->required) != c->required) return usage("missing option");
	return KMLS_OK;
}

static int accept_basic(void *arg, const struct kenh_mls_credential *c)
{
	size_t len = 0;
	const uint8_t *id = NULL;

	(void)arg;
	/* This tool's credentials are basic ones: the identity is the --identity string. */
	if (kenh_mls_credential_type(c) != KENH_MLS_CREDENTIAL_BASIC) return KENH_E_VERIFY;
	kenh_mls_credential_identity(c, &id, &len);
	return len == 0 ? KENH_E_VERIFY : 0;
}

int main(int argc, char **argv)
{
	const struct command *c = NULL;
	struct kmls_opts o;
	struct kmls k;
	size_t i;
	int rc;

	if (argc < 2) return usage(NULL);
	for (i = 0; i < ARRAY_LEN(commands); i++)
		if (strcmp(argv[1], commands[i].name) == 0) c = &commands[i];
	if (c == NULL) return usage("unknown command");
	if ((rc = parse(c, argc - 2, argv + 2, &o)) != KMLS_OK) return rc;
	memset(&k, 0, sizeof(k));
	k.o = &o;
	k.cfg.validate = accept_basic;
	if ((rc = kenh_ctx_new(&k.ctx)) != 0) return kmls_fail("library", rc);
	rc = c->fn(&k);
	kenh_ctx_free(k.ctx);
	return rc;
}
