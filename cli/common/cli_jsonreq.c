/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The request decoder of `kenh daemon` (cli_jsonreq.h, docs/daemon.md §2):
 * JSON syntax is jansson's (RFC 8259, duplicate keys refused, no NUL in
 * strings); the shape and the arguments are checked here, before any
 * handler sees them, and the arguments become the words of a kenh
 * command line.
 */
#include "cli_jsonreq.h"

#include "util/compat.h"

#include "util/mem.h"
#include "util/util.h"

void cli_jsonreq_clear(struct cli_jsonreq *r)
{
	if (r == NULL) return;
	json_decref(r->root);
	memset(r, 0, sizeof(*r));
}

static bool is_id(const json_t *v)
{
	return json_is_integer(v) && json_integer_value(v) >= 0 &&
	       (uint64_t)json_integer_value(v) <= CLI_JSONREQ_ID_MAX;
}

static bool is_op(const json_t *v)
{
	const char *s = json_string_value(v);
	size_t i, n = json_string_length(v);

	if (s == NULL || n == 0 || n > CLI_JSONREQ_OP_MAX) return false;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
			return false;
	return true;
}

/* Only "id", "op" and "args" at the top level. */
static bool only_known_keys(const json_t *root)
{
	const char *k;
	json_t *v;

	json_object_foreach((json_t *)(uintptr_t)root, k, v)
	{
		(void)v;
		if (strcmp(k, "id") != 0 && strcmp(k, "op") != 0 && strcmp(k, "args") != 0)
			return false;
	}
	return true;
}

int cli_jsonreq_parse(const char *buf, size_t len, struct cli_jsonreq *out, int64_t *id_seen)
{
	json_error_t jerr;
	json_t *root = NULL, *id, *op, *args;
	int rc = 0;

	memset(out, 0, sizeof(*out));
	*id_seen = -1;
	if (len > CLI_JSONREQ_MAX) return KENH_ERR(KENH_E_TOO_LARGE);
	/* RFC 8259 §4: names SHOULD be unique; a request with a repeated one is refused. */
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (root == NULL || !json_is_object(root)) {
		rc = KENH_ERR(KENH_E_PARSE);
		goto out;
	}
	id = json_object_get(root, "id");
	op = json_object_get(root, "op");
	args = json_object_get(root, "args");
	if (is_id(id)) *id_seen = (int64_t)json_integer_value(id);
	if (!is_id(id) || !is_op(op) || (args != NULL && !json_is_object(args)) ||
	    !only_known_keys(root)) {
		rc = KENH_ERR(KENH_E_INVALID_ARG);
		goto out;
	}
	out->id = (uint64_t)json_integer_value(id);
	out->op = json_string_value(op);
	out->args = args;
	out->root = root;
	root = NULL;
out:
	json_decref(root);
	return rc;
}

/* Copy a word into out->buf and append it to argv. */
static int push_word(struct cli_jsonreq_argv *out, const char *s, size_t n)
{
	if (out->argc >= CLI_JSONREQ_ARGV_MAX) return KENH_ERR(KENH_E_TOO_LARGE);
	if (n >= sizeof(out->buf) - out->used) return KENH_ERR(KENH_E_TOO_LARGE);
	memcpy(out->buf + out->used, s, n);
	out->buf[out->used + n] = '\0';
	out->argv[out->argc++] = out->buf + out->used;
	out->used += n + 1;
	return 0;
}

/* A string value of the kind; *s, *n its bytes. False if it does not fit the kind. */
static bool str_of_kind(const json_t *v, enum cli_jarg_kind kind, const char **s, size_t *n)
{
	*s = json_string_value(v);
	*n = json_string_length(v);
	if (*s == NULL || strlen(*s) != *n) return false; /* a string, and no NUL inside */
	switch (kind) {
	case CLI_JARG_NAME:
	case CLI_JARG_NAMES:
		/* A leading '-' would read as an option of the command. */
		return *n > 0 && *n <= CLI_JSONREQ_NAME_MAX && (*s)[0] != '-';
	case CLI_JARG_PATH:
		return *n > 1 && *n <= CLI_JSONREQ_PATH_MAX && (*s)[0] == '/';
	case CLI_JARG_TEXT:
		return true;
	case CLI_JARG_UINT:
		break;
	}
	return false;
}

/* The flag (if any) and one value. */
static int push_value(struct cli_jsonreq_argv *out, const struct cli_jarg *a, const json_t *v)
{
	char num[24];
	const char *s;
	size_t n;
	int rc;

	if (a->kind == CLI_JARG_UINT) {
		if (!is_id(v)) return KENH_ERR(KENH_E_INVALID_ARG);
		n = (size_t)snprintf(num, sizeof(num), "%llu",
		                     (unsigned long long)json_integer_value(v));
		s = num;
	} else if (!str_of_kind(v, a->kind, &s, &n)) {
		return KENH_ERR(KENH_E_INVALID_ARG);
	}
	if (a->flag != NULL && (rc = push_word(out, a->flag, strlen(a->flag))) != 0) return rc;
	return push_word(out, s, n);
}

static int push_arg(struct cli_jsonreq_argv *out, const struct cli_jarg *a, const json_t *v)
{
	size_t i, n;
	int rc = 0;

	if (a->kind != CLI_JARG_NAMES) return push_value(out, a, v);
	n = json_array_size(v);
	if (!json_is_array(v) || n == 0 || n > CLI_JSONREQ_LIST_MAX)
		return KENH_ERR(KENH_E_INVALID_ARG);
	for (i = 0; i < n && rc == 0; i++)
		rc = push_value(out, a, json_array_get(v, i));
	return rc;
}

/* Every key of args is in spec. */
static int check_keys(const json_t *args, const struct cli_jarg *spec, size_t nspec, char *bad,
                      size_t badcap)
{
	const char *k;
	json_t *v;
	size_t i;

	json_object_foreach((json_t *)(uintptr_t)args, k, v)
	{
		(void)v;
		for (i = 0; i < nspec; i++)
			if (strcmp(spec[i].key, k) == 0) break;
		if (i == nspec) {
			snprintf(bad, badcap, "%s", k);
			return KENH_ERR(KENH_E_INVALID_ARG);
		}
	}
	return 0;
}

int cli_jsonreq_argv(const struct cli_jsonreq *req, const char *const *words,
                     const struct cli_jarg *spec, size_t nspec, struct cli_jsonreq_argv *out)
{
	const json_t *v;
	size_t i;
	int rc = 0;

	out->argc = 0;
	out->used = 0;
	out->bad[0] = '\0';
	out->argv[0] = NULL;
	for (i = 0; words[i] != NULL && rc == 0; i++)
		rc = push_word(out, words[i], strlen(words[i]));
	if (rc == 0 && req->args != NULL)
		rc = check_keys(req->args, spec, nspec, out->bad, sizeof(out->bad));
	for (i = 0; i < nspec && rc == 0; i++) {
		v = req->args != NULL ? json_object_get(req->args, spec[i].key) : NULL;
		if (v == NULL && !spec[i].required) continue;
		if (v == NULL || (rc = push_arg(out, &spec[i], v)) != 0) {
			snprintf(out->bad, sizeof(out->bad), "%s", spec[i].key);
			if (rc == 0) rc = KENH_ERR(KENH_E_INVALID_ARG);
		}
	}
	if (rc != 0) out->argc = 0;
	out->argv[out->argc] = NULL;
	return rc;
}
