/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The request decoder of `kenh daemon` (docs/daemon.md §2, STYLE R9.3):
 * one request is one line of JSON (RFC 8259)
 *
 *   {"id":N,"op":"NAME","args":{...}}
 *
 * with nothing else at the top level. cli_jsonreq_parse checks the shape
 * only (size cap, JSON syntax, key set, types, id range, op spelling);
 * cli_jsonreq_argv then checks the arguments against one operation's
 * table (which keys, which kinds, which are required, no others) and
 * turns them into the argv of the kenh command that does the work, so
 * the daemon and the command line run the same code. Neither function
 * does I/O; both are fuzzed (fuzz/fuzz_daemon_req.c).
 */
#ifndef KENH_COMMON_CLI_JSONREQ_H
#define KENH_COMMON_CLI_JSONREQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "kenh/err.h"

/* The cap on one request line, the newline not counted (docs/daemon.md §4). */
#define CLI_JSONREQ_MAX (64u << 10)
/* Operation names: 1..32 characters of [a-z0-9-]. */
#define CLI_JSONREQ_OP_MAX 32
/* Ids: 0 .. 2^53 - 1, the integers every JSON reader holds exactly (RFC 8259 §6). */
#define CLI_JSONREQ_ID_MAX ((UINT64_C(1) << 53) - 1)
/* A name (group, id, target, user): 1..256 bytes, not starting with '-'. */
#define CLI_JSONREQ_NAME_MAX 256
/* A path: absolute, below PATH_MAX of the command line's folders. */
#define CLI_JSONREQ_PATH_MAX 1023
/* Elements of a list argument (targets, assignees). */
#define CLI_JSONREQ_LIST_MAX 32
/* Words of the resulting command line. */
#define CLI_JSONREQ_ARGV_MAX 96

/* What an argument may hold. */
enum cli_jarg_kind {
	CLI_JARG_NAME,  /* a string as above */
	CLI_JARG_TEXT,  /* any string without NUL */
	CLI_JARG_PATH,  /* an absolute path */
	CLI_JARG_UINT,  /* an integer 0 .. 2^53 - 1 */
	CLI_JARG_NAMES, /* an array of 1..CLI_JSONREQ_LIST_MAX names */
};

/*
 * One argument of an operation: its key in "args", the option it becomes
 * (NULL: a positional word, in table order), its kind, and whether it
 * must be given.
 */
struct cli_jarg {
	const char *key;
	const char *flag;
	enum cli_jarg_kind kind;
	bool required;
};

/* A parsed request. op and args point into root (cli_jsonreq_clear). */
struct cli_jsonreq {
	json_t *root;
	uint64_t id;
	const char *op;
	const json_t *args; /* an object, or NULL if "args" was absent */
};

/* Room for the words: the strings of a request never exceed its line. */
#define CLI_JSONREQ_ARGV_BYTES (CLI_JSONREQ_MAX + 8192u)

/* A command line built from a request (about 70 KiB: allocate it). */
struct cli_jsonreq_argv {
	char *argv[CLI_JSONREQ_ARGV_MAX + 1]; /* into buf */
	int argc;
	char buf[CLI_JSONREQ_ARGV_BYTES];
	size_t used;
	char bad[65]; /* on failure, the key at fault (cut at 64 bytes), or "" */
};

/*
 * Decode one request line (without its newline). *out is cleared at
 * entry and owned by the caller on success (cli_jsonreq_clear). *id_seen
 * is the request's id if one could be read even though the request was
 * refused (for the error response), else -1. Errors: KENH_E_TOO_LARGE over
 * CLI_JSONREQ_MAX, KENH_E_PARSE for text that is not one JSON object,
 * KENH_E_INVALID_ARG for a missing, extra or mistyped member, KENH_E_NOMEM.
 */
KENH_MUST_CHECK int cli_jsonreq_parse(const char *buf, size_t len, struct cli_jsonreq *out,
                                      int64_t *id_seen);

void cli_jsonreq_clear(struct cli_jsonreq *r);

/*
 * Build the command line: the words (NULL-terminated), then each
 * argument of spec that is present, in spec order (a flag word before its
 * value; a list as one word each, or flag and value for each element).
 * KENH_E_INVALID_ARG (out->bad names the key) for a missing required key,
 * an unknown key, or a value of the wrong kind; KENH_E_TOO_LARGE if the
 * line would exceed CLI_JSONREQ_ARGV_MAX words. The words are copies in
 * out->buf.
 */
KENH_MUST_CHECK int cli_jsonreq_argv(const struct cli_jsonreq *req, const char *const *words,
                                     const struct cli_jarg *spec, size_t nspec,
                                     struct cli_jsonreq_argv *out);

#endif /* KENH_COMMON_CLI_JSONREQ_H */
