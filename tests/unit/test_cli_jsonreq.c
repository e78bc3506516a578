/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests of the request decoder of kenh daemon (cli/common/
 * cli_jsonreq.c, docs/daemon.md §2): well-formed requests and the command
 * lines they become, and every refusal: over the size cap, not JSON,
 * trailing text, not an object, a duplicate key, an extra top-level key,
 * ids out of range or of the wrong type, bad op names, args that are not
 * an object; arguments missing, unknown, of the wrong kind, a name that
 * reads as an option, a relative path, a NUL inside a string (refused by
 * the JSON reader), lists empty
 * or too long, and a command line over its word limit.
 */
#include "../../cli/common/cli_jsonreq.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/mem.h"

static const struct cli_jarg spec[] = {
	{ "group", NULL, CLI_JARG_NAME, true },
	{ "title", "--title", CLI_JARG_TEXT, true },
	{ "percent", "--percent", CLI_JARG_UINT, false },
	{ "out", "--out", CLI_JARG_PATH, false },
	{ "assign", "--assign", CLI_JARG_NAMES, false },
};
static const char *const words[] = { "directive", "issue", NULL };

static int parse(const char *s, struct cli_jsonreq *rq, int64_t *id)
{
	return cli_jsonreq_parse(s, strlen(s), rq, id);
}

/* Parse s (which must be accepted) and build its command line against spec. */
static int build(const char *s, struct cli_jsonreq_argv *av)
{
	struct cli_jsonreq rq;
	int64_t id;
	int rc;

	assert_int_equal(parse(s, &rq, &id), 0);
	rc = cli_jsonreq_argv(&rq, words, spec, sizeof(spec) / sizeof(spec[0]), av);
	cli_jsonreq_clear(&rq);
	return rc;
}

static void test_parse_ok(void **state)
{
	struct cli_jsonreq rq;
	int64_t id;

	(void)state;
	assert_int_equal(parse("{\"id\":7,\"op\":\"send\",\"args\":{\"group\":\"g\"}}", &rq, &id),
	                 0);
	assert_int_equal(rq.id, 7);
	assert_int_equal(id, 7);
	assert_string_equal(rq.op, "send");
	assert_non_null(rq.args);
	cli_jsonreq_clear(&rq);
	assert_null(rq.root);
	/* args may be absent; the largest id every JSON reader holds is accepted. */
	assert_int_equal(parse("{\"op\":\"status\",\"id\":9007199254740991}", &rq, &id), 0);
	assert_null(rq.args);
	assert_true(rq.id == CLI_JSONREQ_ID_MAX);
	cli_jsonreq_clear(&rq);
	/* Whitespace around the object is JSON. */
	assert_int_equal(parse(" {\"id\":0,\"op\":\"a-1\"} ", &rq, &id), 0);
	cli_jsonreq_clear(&rq);
}

static void test_parse_refusals(void **state)
{
	static const struct {
		const char *text;
		int rc;
		int64_t id; /* the id reported for the error response */
	} bad[] = {
		{ "", KENH_E_PARSE, -1 },
		{ "not json", KENH_E_PARSE, -1 },
		{ "{\"id\":1,\"op\":\"x\"", KENH_E_PARSE, -1 },
		{ "{\"id\":1,\"op\":\"x\"} {}", KENH_E_PARSE, -1 },
		{ "[1,2]", KENH_E_PARSE, -1 },
		{ "{\"id\":1,\"op\":\"x\",\"op\":\"y\"}", KENH_E_PARSE, -1 },
		{ "{\"id\":1,\"op\":\"x\",\"extra\":1}", KENH_E_INVALID_ARG, 1 },
		{ "{\"op\":\"x\"}", KENH_E_INVALID_ARG, -1 },
		{ "{\"id\":-1,\"op\":\"x\"}", KENH_E_INVALID_ARG, -1 },
		{ "{\"id\":9007199254740992,\"op\":\"x\"}", KENH_E_INVALID_ARG, -1 },
		{ "{\"id\":1.5,\"op\":\"x\"}", KENH_E_INVALID_ARG, -1 },
		{ "{\"id\":\"1\",\"op\":\"x\"}", KENH_E_INVALID_ARG, -1 },
		{ "{\"id\":2}", KENH_E_INVALID_ARG, 2 },
		{ "{\"id\":2,\"op\":\"\"}", KENH_E_INVALID_ARG, 2 },
		{ "{\"id\":2,\"op\":\"Send\"}", KENH_E_INVALID_ARG, 2 },
		{ "{\"id\":2,\"op\":\"a_b\"}", KENH_E_INVALID_ARG, 2 },
		{ "{\"id\":2,\"op\":\"abcdefghijklmnopqrstuvwxyzabcdefg\"}", KENH_E_INVALID_ARG,
		  2 },
		{ "{\"id\":2,\"op\":3}", KENH_E_INVALID_ARG, 2 },
		{ "{\"id\":3,\"op\":\"x\",\"args\":[]}", KENH_E_INVALID_ARG, 3 },
		{ "{\"id\":3,\"op\":\"x\",\"args\":null}", KENH_E_INVALID_ARG, 3 },
		/* jansson refuses \u0000 in any string (no JSON_ALLOW_NUL): args never hold a NUL. */
		{ "{\"id\":3,\"op\":\"x\\u0000y\"}", KENH_E_PARSE, -1 },
		{ "{\"id\":3,\"op\":\"x\",\"args\":{\"t\":\"a\\u0000\"}}", KENH_E_PARSE, -1 },
	};
	struct cli_jsonreq rq;
	int64_t id;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = parse(bad[i].text, &rq, &id);

		if (rc != bad[i].rc || id != bad[i].id)
			fail_msg("%s: rc %d id %lld", bad[i].text, rc, (long long)id);
		assert_null(rq.root);
		assert_null(rq.op);
	}
}

static void test_parse_cap(void **state)
{
	static const char head[] = "{\"id\":1,\"op\":\"x\",\"args\":{\"t\":\"";
	struct cli_jsonreq rq;
	char *buf = NULL;
	int64_t id;
	size_t n = CLI_JSONREQ_MAX + 1, body, h = strlen(head);

	(void)state;
	assert_int_equal(mem_alloc(n + 1, (void **)&buf), 0);
	/* {"id":1,"op":"x","args":{"t":"aaaa...a"}} of exactly n bytes, then one byte less. */
	body = n - h - 3;
	memcpy(buf, head, h);
	memset(buf + h, 'a', body);
	memcpy(buf + h + body, "\"}}", 4);
	assert_int_equal(strlen(buf), n);
	assert_int_equal(cli_jsonreq_parse(buf, n, &rq, &id), KENH_E_TOO_LARGE);
	memcpy(buf + h + body - 1, "\"}}", 4);
	assert_int_equal(cli_jsonreq_parse(buf, n - 1, &rq, &id), 0);
	cli_jsonreq_clear(&rq);
	mem_free(buf);
}

static void test_argv_ok(void **state)
{
	struct cli_jsonreq_argv *av = NULL;

	(void)state;
	assert_int_equal(mem_calloc(1, sizeof(*av), (void **)&av), 0);
	assert_int_equal(build("{\"id\":1,\"op\":\"directive-issue\",\"args\":{\"assign\":"
	                       "[\"user:bob\",\"unit:tb\"],\"title\":\"--body\",\"group\":\"ops\","
	                       "\"percent\":40,\"out\":\"/tmp/r\"}}",
	                       av),
	                 0);
	/* Words first, then the arguments in table order whatever the JSON order. */
	assert_int_equal(av->argc, 13);
	assert_string_equal(av->argv[0], "directive");
	assert_string_equal(av->argv[1], "issue");
	assert_string_equal(av->argv[2], "ops");
	assert_string_equal(av->argv[3], "--title");
	assert_string_equal(av->argv[4],
	                    "--body"); /* text may look like an option: it is a value */
	assert_string_equal(av->argv[5], "--percent");
	assert_string_equal(av->argv[6], "40");
	assert_string_equal(av->argv[7], "--out");
	assert_string_equal(av->argv[8], "/tmp/r");
	assert_string_equal(av->argv[9], "--assign");
	assert_string_equal(av->argv[10], "user:bob");
	assert_string_equal(av->argv[11], "--assign");
	assert_string_equal(av->argv[12], "unit:tb");
	assert_null(av->argv[13]);
	/* Optional arguments may be left out; unicode text is copied as UTF-8. */
	assert_int_equal(build("{\"id\":1,\"op\":\"x\",\"args\":{\"group\":\"g\",\"title\":"
	                       "\"\\u0111\\u00ea \"}}",
	                       av),
	                 0);
	assert_int_equal(av->argc, 5);
	assert_string_equal(av->argv[4], "\xc4\x91\xc3\xaa ");
	mem_free(av);
}

static void test_argv_refusals(void **state)
{
	static const struct {
		const char *text;
		const char *bad;
		int rc;
	} bad[] = {
		{ "{\"id\":1,\"op\":\"x\"}", "group", KENH_E_INVALID_ARG },
		{ "{\"id\":1,\"op\":\"x\",\"args\":{\"group\":\"g\"}}", "title",
		  KENH_E_INVALID_ARG },
		{ "{\"id\":1,\"op\":\"x\",\"args\":{\"group\":\"g\",\"title\":\"t\",\"x\":1}}", "x",
		  KENH_E_INVALID_ARG },
		{ "{\"id\":1,\"op\":\"x\",\"args\":{\"group\":\"-g\",\"title\":\"t\"}}", "group",
		  KENH_E_INVALID_ARG },
		{ "{\"id\":1,\"op\":\"x\",\"args\":{\"group\":\"\",\"title\":\"t\"}}", "group",
		  KENH_E_INVALID_ARG },
		{ "{\"id\":1,\"op\":\"x\",\"args\":{\"group\":7,\"title\":\"t\"}}", "group",
		  KENH_E_INVALID_ARG },
		{ "{\"id\":1,\"op\":\"x\",\"args\":{\"group\":\"g\",\"title\":null}}", "title",
		  KENH_E_INVALID_ARG },
		{ "{\"id\":1,\"op\":\"x\",\"args\":{\"group\":\"g\",\"title\":\"t\",\"percent\":-1}}",
		  "percent", KENH_E_INVALID_ARG },
		{ "{\"id\":1,\"op\":\"x\",\"args\":{\"group\":\"g\",\"title\":\"t\",\"percent\":\"4\"}}",
		  "percent", KENH_E_INVALID_ARG },
		{ "{\"id\":1,\"op\":\"x\",\"args\":{\"group\":\"g\",\"title\":\"t\",\"out\":\"r\"}}",
		  "out", KENH_E_INVALID_ARG },
		{ "{\"id\":1,\"op\":\"x\",\"args\":{\"group\":\"g\",\"title\":\"t\",\"out\":\"/\"}}",
		  "out", KENH_E_INVALID_ARG },
		{ "{\"id\":1,\"op\":\"x\",\"args\":{\"group\":\"g\",\"title\":\"t\",\"assign\":[]}}",
		  "assign", KENH_E_INVALID_ARG },
		{ "{\"id\":1,\"op\":\"x\",\"args\":{\"group\":\"g\",\"title\":\"t\",\"assign\":\"u\"}}",
		  "assign", KENH_E_INVALID_ARG },
		{ "{\"id\":1,\"op\":\"x\",\"args\":{\"group\":\"g\",\"title\":\"t\",\"assign\":[\"--x\"]}}",
		  "assign", KENH_E_INVALID_ARG },
	};
	struct cli_jsonreq_argv *av = NULL;
	size_t i;

	(void)state;
	assert_int_equal(mem_calloc(1, sizeof(*av), (void **)&av), 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = build(bad[i].text, av);

		if (rc != bad[i].rc || strcmp(av->bad, bad[i].bad) != 0)
			fail_msg("%s: rc %d bad %s", bad[i].text, rc, av->bad);
		assert_int_equal(av->argc, 0);
		assert_null(av->argv[0]);
	}
	mem_free(av);
}

/* A name of 256 bytes is the longest; 257 is refused; 33 list elements are refused. */
static void test_argv_limits(void **state)
{
	struct cli_jsonreq_argv *av = NULL;
	char req[2048], name[CLI_JSONREQ_NAME_MAX + 2];
	size_t i, off;

	(void)state;
	assert_int_equal(mem_calloc(1, sizeof(*av), (void **)&av), 0);
	memset(name, 'n', sizeof(name));
	name[CLI_JSONREQ_NAME_MAX] = '\0';
	snprintf(req, sizeof(req),
	         "{\"id\":1,\"op\":\"x\",\"args\":{\"group\":\"%s\",\"title\":\"t\"}}", name);
	assert_int_equal(build(req, av), 0);
	name[CLI_JSONREQ_NAME_MAX] = 'n';
	name[CLI_JSONREQ_NAME_MAX + 1] = '\0';
	snprintf(req, sizeof(req),
	         "{\"id\":1,\"op\":\"x\",\"args\":{\"group\":\"%s\",\"title\":\"t\"}}", name);
	assert_int_equal(build(req, av), KENH_E_INVALID_ARG);
	off = (size_t)snprintf(req, sizeof(req),
	                       "{\"id\":1,\"op\":\"x\",\"args\":{\"group\":\"g\",\"title\":\"t\","
	                       "\"assign\":[");
	for (i = 0; i <= CLI_JSONREQ_LIST_MAX; i++)
		off += (size_t)snprintf(req + off, sizeof(req) - off, "%s\"u%zu\"", i ? "," : "",
		                        i);
	snprintf(req + off, sizeof(req) - off, "]}}");
	assert_int_equal(build(req, av), KENH_E_INVALID_ARG);
	assert_string_equal(av->bad, "assign");
	mem_free(av);
}

/* More words than CLI_JSONREQ_ARGV_MAX: a table with many list arguments. */
static void test_argv_too_many_words(void **state)
{
	static const struct cli_jarg lists[] = {
		{ "a", "--a", CLI_JARG_NAMES, true },
		{ "b", "--b", CLI_JARG_NAMES, true },
	};
	static const char *const none[] = { NULL };
	struct cli_jsonreq_argv *av = NULL;
	struct cli_jsonreq rq;
	char req[4096];
	size_t i, off;
	int64_t id;

	(void)state;
	assert_int_equal(mem_calloc(1, sizeof(*av), (void **)&av), 0);
	off = (size_t)snprintf(req, sizeof(req), "{\"id\":1,\"op\":\"x\",\"args\":{\"a\":[");
	for (i = 0; i < CLI_JSONREQ_LIST_MAX; i++)
		off += (size_t)snprintf(req + off, sizeof(req) - off, "%s\"v\"", i ? "," : "");
	off += (size_t)snprintf(req + off, sizeof(req) - off, "],\"b\":[");
	for (i = 0; i < CLI_JSONREQ_LIST_MAX; i++)
		off += (size_t)snprintf(req + off, sizeof(req) - off, "%s\"v\"", i ? "," : "");
	snprintf(req + off, sizeof(req) - off, "]}}");
	assert_int_equal(parse(req, &rq, &id), 0);
	/* 2 x 32 x 2 = 128 words > 96. */
	assert_int_equal(cli_jsonreq_argv(&rq, none, lists, 2, av), KENH_E_TOO_LARGE);
	assert_int_equal(av->argc, 0);
	cli_jsonreq_clear(&rq);
	mem_free(av);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ok),
		cmocka_unit_test(test_parse_refusals),
		cmocka_unit_test(test_parse_cap),
		cmocka_unit_test(test_argv_ok),
		cmocka_unit_test(test_argv_refusals),
		cmocka_unit_test(test_argv_limits),
		cmocka_unit_test(test_argv_too_many_words),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
