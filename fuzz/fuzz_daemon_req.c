/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Fuzz target for the request decoder of kenh daemon (cli/common/
 * cli_jsonreq.c, docs/daemon.md §2; STYLE R17.8). The input is one request
 * line. Checked: the decoder returns 0 or one of the codes cli_jsonreq.h
 * lists; an accepted request has an id within 0..2^53-1 and an op of
 * 1..32 characters of [a-z0-9-]; building a command line from it against
 * an argument table like the daemon's (every kind: name, text, path,
 * integer, list; positional and option) returns 0 or INVALID_ARG or
 * TOO_LARGE, and on success every word is a NUL-terminated string inside
 * the buffer, names never start with '-', and the line fits its bound.
 * Seeds in fuzz/corpus/daemon_req are the requests of docs/daemon.md.
 */
#include "fuzz.h"

#include "util/compat.h"

#include "../cli/common/cli_jsonreq.h"
#include "util/mem.h"

static const struct cli_jarg spec[] = {
	{ "group", NULL, CLI_JARG_NAME, true },
	{ "title", "--title", CLI_JARG_TEXT, false },
	{ "percent", "--percent", CLI_JARG_UINT, false },
	{ "out", "--out", CLI_JARG_PATH, false },
	{ "assign", "--assign", CLI_JARG_NAMES, false },
	{ "targets", NULL, CLI_JARG_NAMES, false },
};

static void check_argv(const struct cli_jsonreq_argv *av)
{
	int i;

	FUZZ_CHECK(av->argc >= 2 && av->argc <= CLI_JSONREQ_ARGV_MAX);
	FUZZ_CHECK(av->argv[av->argc] == NULL);
	FUZZ_CHECK(av->used <= sizeof(av->buf));
	for (i = 0; i < av->argc; i++) {
		FUZZ_CHECK(av->argv[i] >= av->buf && av->argv[i] < av->buf + av->used);
		FUZZ_CHECK(memchr(av->argv[i], '\0', (size_t)(av->buf + av->used - av->argv[i])));
	}
	/* The group is the first word after the command's: a name, never an option. */
	FUZZ_CHECK(av->argv[2][0] != '-' && av->argv[2][0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const words[] = { "directive", "issue", NULL };
	struct cli_jsonreq_argv *av = NULL;
	struct cli_jsonreq rq;
	int64_t id = -2;
	size_t n;
	int rc;

	rc = cli_jsonreq_parse((const char *)data, size, &rq, &id);
	FUZZ_CHECK(rc == 0 || rc == KENH_E_PARSE || rc == KENH_E_INVALID_ARG ||
	           rc == KENH_E_TOO_LARGE || rc == KENH_E_NOMEM);
	FUZZ_CHECK(id >= -1 && id <= (int64_t)CLI_JSONREQ_ID_MAX);
	if (rc != 0) {
		FUZZ_CHECK(rq.root == NULL && rq.op == NULL);
		return 0;
	}
	FUZZ_CHECK(rq.id <= CLI_JSONREQ_ID_MAX && (int64_t)rq.id == id);
	n = strlen(rq.op);
	FUZZ_CHECK(n >= 1 && n <= CLI_JSONREQ_OP_MAX);
	FUZZ_CHECK(strspn(rq.op, "abcdefghijklmnopqrstuvwxyz0123456789-") == n);
	if (mem_calloc(1, sizeof(*av), (void **)&av) == 0) {
		rc = cli_jsonreq_argv(&rq, words, spec, sizeof(spec) / sizeof(spec[0]), av);
		FUZZ_CHECK(rc == 0 || rc == KENH_E_INVALID_ARG || rc == KENH_E_TOO_LARGE);
		if (rc == 0) check_argv(av);
		if (rc != 0) FUZZ_CHECK(av->argc == 0 && av->argv[0] == NULL);
		mem_free(av);
	}
	cli_jsonreq_clear(&rq);
	return 0;
}
