/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The configuration reader: a table of keys (STYLE R12.3), each a string,
 * a string list or an integer with bounds. Integers are parsed with
 * strtoull and an end-pointer check (R15.6). Unknown keys, repeated
 * single keys and values out of bounds are errors with a line number, so
 * a typo never silently falls back to a default.
 */
#include "config.h"

#include "util/compat.h"

#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/limits.h"
#include "util/util.h"

enum key_kind {
	K_STR,
	K_LIST,
	K_U64,
};

struct key {
	const char *name;
	enum key_kind kind;
	size_t offset;
	size_t size; /* K_STR: buffer size */
	uint64_t min, max;
};

#define STR(n)                                                                                     \
	{                                                                                          \
#n, K_STR, offsetof(struct config, n), sizeof(((struct config *)0)->n), 0, 0       \
	}
#define LIST(n)                                                                                    \
	{                                                                                          \
#n, K_LIST, offsetof(struct config, n), 0, 0, 0                                    \
	}
#define U64(n, lo, hi)                                                                             \
	{                                                                                          \
#n, K_U64, offsetof(struct config, n), 0, (lo), (hi)                               \
	}

static const struct key keys[] = {
	STR(listen),
	STR(admin_listen),
	STR(tls_cert),
	STR(tls_key),
	STR(root_ca),
	LIST(unit_ca),
	LIST(crl_file),
	LIST(authority),
	STR(signing_key),
	STR(store),
	STR(db_path),
	STR(pg_conninfo),
	STR(log_level),
	U64(max_frame, 64 * 1024, LIMIT_FRAME),
	U64(max_decode_bytes, 64 * 1024, 1ull << 40),
	U64(output_cap, 64 * 1024, 1ull << 32),
	U64(max_connections, 1, 1000000),
	U64(max_per_address, 1, 1000000),
	U64(handshake_timeout, 1, 3600),
	U64(enroll_timeout, 1, 3600),
	U64(idle_timeout, 1, 86400),
	U64(request_timeout, 1, 3600),
	U64(kp_max_per_device, 1, 100000),
	U64(blob_max, 1, 1ull << 40),
	U64(retention_days, 1, 3650),
	U64(enroll_refusals_per_address, 1, 1000000),
	U64(enroll_refusals_global, 1, 1000000),
	U64(enroll_refusal_window, 1, 86400 * 30),
};

void config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->store, sizeof(c->store), "sqlite");
	snprintf(c->log_level, sizeof(c->log_level), "info");
	c->max_frame = 1u << 20;
	c->max_decode_bytes = 64u << 20;
	c->output_cap = 8u << 20;
	c->max_connections = 20000;
	c->max_per_address = 256;
	c->handshake_timeout = 10;
	c->enroll_timeout = 10;
	c->idle_timeout = 300;
	c->request_timeout = 30;
	c->kp_max_per_device = 1000;
	c->blob_max = 4ull << 30; /* a 4 GiB file, in chunk rows (docs/filecrypt.md) */
	c->retention_days = 30;
	c->enroll_refusals_per_address = 10;
	c->enroll_refusals_global = 200;
	c->enroll_refusal_window = 900;
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int set_value(struct config *c, const struct key *k, const char *v, unsigned *seen,
                     const char **why)
{
	uint8_t *base = (uint8_t *)c + k->offset;
	struct config_list *l = (struct config_list *)(void *)base;
	unsigned long long n;
	char *end = NULL;

	if (k->kind != K_LIST && *seen) return (*why = "key given twice", KENH_E_PARSE);
	*seen = 1;
	if (k->kind == K_STR || k->kind == K_LIST) {
		char *dst = k->kind == K_STR ? (char *)base : l->items[l->n];
		size_t cap = k->kind == K_STR ? k->size : CONFIG_MAX_PATH;

		if (k->kind == K_LIST && l->n == CONFIG_MAX_LIST)
			return (*why = "too many entries", KENH_E_PARSE);
		if (strlen(v) >= cap) return (*why = "value too long", KENH_E_PARSE);
		snprintf(dst, cap, "%s", v);
		if (k->kind == K_LIST) l->n++;
		return 0;
	}
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno != 0 || end == v || *end != '\0' || v[0] == '-')
		return (*why = "not a number", KENH_E_PARSE);
	if (n < k->min || n > k->max) return (*why = "out of bounds", KENH_E_INVALID_ARG);
	memcpy(base, &(uint64_t){ (uint64_t)n }, sizeof(uint64_t));
	return 0;
}

static int parse_line(struct config *c, char *line, unsigned *seen, const char **why)
{
	char *eq, *key, *val;
	size_t i;

	if ((eq = strchr(line, '#')) != NULL) *eq = '\0';
	line = trim(line);
	if (*line == '\0') return 0;
	if ((eq = strchr(line, '=')) == NULL) return (*why = "expected key = value", KENH_E_PARSE);
	*eq = '\0';
	key = trim(line);
	val = trim(eq + 1);
	for (i = 0; i < ARRAY_LEN(keys); i++)
		if (strcmp(keys[i].name, key) == 0)
			return set_value(c, &keys[i], val, &seen[i], why);
	return (*why = "unknown key", KENH_E_PARSE);
}

static int check_required(const struct config *c, const char **why)
{
	if (!c->listen[0]) return (*why = "listen is required", KENH_E_INVALID_ARG);
	if (!c->tls_cert[0] || !c->tls_key[0])
		return (*why = "tls_cert and tls_key are required", KENH_E_INVALID_ARG);
	if (!c->root_ca[0]) return (*why = "root_ca is required", KENH_E_INVALID_ARG);
	if (strcmp(c->store, "postgresql") == 0) {
		if (!c->pg_conninfo[0])
			return (*why = "pg_conninfo is required", KENH_E_INVALID_ARG);
	} else if (!c->db_path[0]) {
		return (*why = "db_path is required", KENH_E_INVALID_ARG);
	}
	/* docs/protocol.md §7: the largest frame must fit in the decode budget alone. */
	if (c->max_decode_bytes < c->max_frame)
		return (*why = "max_decode_bytes is below max_frame", KENH_E_INVALID_ARG);
	return 0;
}

int config_load(const char *path, struct config *c, char *err, size_t errlen)
{
	unsigned seen[ARRAY_LEN(keys)] = { 0 };
	const char *why = NULL;
	char line[1024];
	unsigned lineno = 0;
	FILE *f;
	int rc = 0;

	err[0] = '\0';
	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open", path);
		return KENH_ERR(KENH_E_IO);
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			why = "line too long";
			rc = KENH_ERR(KENH_E_PARSE);
			break;
		}
		rc = parse_line(c, line, seen, &why);
	}
	fclose(f);
	if (rc != 0) {
		snprintf(err, errlen, "%s:%u: %s", path, lineno, why ? why : "error");
		return rc;
	}
	if ((rc = check_required(c, &why)) != 0) snprintf(err, errlen, "%s: %s", path, why);
	return rc;
}
