/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Enrollment code records and refused attempts (docs/pki.md "Enrollment
 * codes"). A code is stored only under the public key derived from it
 * (crypto_enroll_code_key), never in a form that gives the code back, with
 * the user and unit it is for, its lifetime and whether a request has
 * used it. Every refused attempt (wrong, used or expired code, bad
 * request) is recorded with its time and the user it claimed; too many in
 * a window refuse further attempts for that user, or for everyone, until
 * the window has passed.
 */
#include "admin.h"

#include "util/compat.h"

#include "../common/cli.h"
#include "util/mem.h"

static int code_path(const struct admin *a, const uint8_t *key, char *out)
{
	char hex[2 * CRYPTO_ENROLL_KEY_LEN + 1];

	admin_hex(key, CRYPTO_ENROLL_KEY_LEN, hex);
	return admin_path(a, out, "codes/%s", hex);
}

static int code_write(struct admin *a, const uint8_t *key, const struct admin_code *c,
                      bool exclusive)
{
	char p[ADMIN_PATH], buf[512];
	int n, rc;

	n = snprintf(buf, sizeof(buf),
	             "user=%s\nunit=%s\ncreated=%llu\nexpires=%llu\nstate=%s\n"
	             "request=%s\n",
	             c->user, c->unit, (unsigned long long)c->created,
	             (unsigned long long)c->expires, c->state, c->request[0] ? c->request : "-");
	if (n < 0 || (size_t)n >= sizeof(buf)) return KENH_ERR(KENH_E_INTERNAL);
	if ((rc = admin_path(a, p, "codes")) != 0 || (rc = cli_dir_make(p)) != 0) return rc;
	if ((rc = code_path(a, key, p)) != 0) return rc;
	return cli_file_write(p, (const uint8_t *)buf, (size_t)n, false, exclusive);
}

int admin_code_store(struct admin *a, const uint8_t *key, const struct admin_code *c)
{
	return code_write(a, key, c, true);
}

/* One "key=value" line of a code record. */
static bool code_line(struct admin_code *c, char *line)
{
	char *v = strchr(line, '=');

	if (v == NULL) return false;
	*v++ = '\0';
	if (strcmp(line, "user") == 0) return snprintf(c->user, sizeof(c->user), "%s", v) > 0;
	if (strcmp(line, "unit") == 0) return snprintf(c->unit, sizeof(c->unit), "%s", v) > 0;
	if (strcmp(line, "state") == 0) return snprintf(c->state, sizeof(c->state), "%s", v) > 0;
	if (strcmp(line, "created") == 0) return admin_number(v, UINT64_MAX, &c->created) == 0;
	if (strcmp(line, "expires") == 0) return admin_number(v, UINT64_MAX, &c->expires) == 0;
	if (strcmp(line, "request") == 0) {
		if (strcmp(v, "-") == 0) return true;
		return strlen(v) == ADMIN_ID_HEX &&
		       snprintf(c->request, sizeof(c->request), "%s", v) > 0;
	}
	return false;
}

int admin_code_load(struct admin *a, const uint8_t *key, struct admin_code *c)
{
	char p[ADMIN_PATH], *line, *next;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = code_path(a, key, p)) != 0) return rc;
	if ((rc = cli_file_read(p, 4096, &buf, &len)) != 0) return rc;
	for (line = (char *)buf; rc == 0 && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) == NULL) {
			rc = KENH_ERR(KENH_E_PARSE);
			break;
		}
		*next++ = '\0';
		if (!code_line(c, line)) rc = KENH_ERR(KENH_E_PARSE);
	}
	mem_free(buf);
	if (rc == 0 && (!crypto_user_is_valid(c->user) || !crypto_unit_path_is_valid(c->unit) ||
	                c->expires == 0))
		rc = KENH_ERR(KENH_E_PARSE);
	return rc;
}

int admin_code_use(struct admin *a, const uint8_t *key, struct admin_code *c, const char *request)
{
	snprintf(c->state, sizeof(c->state), "used");
	snprintf(c->request, sizeof(c->request), "%s", request);
	return code_write(a, key, c, false);
}

/* Refusals: "time TAB user TAB reason" lines. */
struct refusals {
	uint64_t user_count, user_first;
	uint64_t all_count, all_first;
};

/* Count the refusals inside the window, in all and for user; keep those lines in kept if given. */
static int refusals_scan(struct admin *a, const char *user, struct refusals *r, char *kept,
                         size_t cap)
{
	char p[ADMIN_PATH], *line, *next, *tab;
	uint8_t *buf = NULL;
	size_t len = 0, k = 0;
	uint64_t t;
	int rc;

	memset(r, 0, sizeof(*r));
	if (kept != NULL) kept[0] = '\0';
	if ((rc = admin_path(a, p, "refusals.log")) != 0) return rc;
	rc = cli_file_read(p, ADMIN_MAX_FILE, &buf, &len);
	if (rc == KENH_E_NOT_FOUND) return 0;
	if (rc != 0) return rc;
	for (line = (char *)buf; *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) == NULL) break;
		*next++ = '\0';
		if ((tab = strchr(line, '\t')) == NULL) continue;
		*tab = '\0';
		if (admin_number(line, UINT64_MAX, &t) != 0 || t + ADMIN_REFUSE_WINDOW <= a->now)
			continue;
		if (r->all_count++ == 0) r->all_first = t;
		if (strncmp(tab + 1, user, strlen(user)) == 0 && tab[1 + strlen(user)] == '\t' &&
		    r->user_count++ == 0)
			r->user_first = t;
		*tab = '\t';
		if (kept != NULL && k + strlen(line) + 2 <= cap)
			k += (size_t)snprintf(kept + k, cap - k, "%s\n", line);
	}
	mem_free(buf);
	return 0;
}

bool admin_refusal_limited(struct admin *a, const char *user, uint64_t *until)
{
	struct refusals r;

	*until = 0;
	/* An unreadable record counts as "over the limit": fail closed. */
	if (refusals_scan(a, user, &r, NULL, 0) != 0) return true;
	if (r.user_count >= ADMIN_REFUSE_PER_USER) *until = r.user_first + ADMIN_REFUSE_WINDOW;
	if (r.all_count >= ADMIN_REFUSE_TOTAL) *until = r.all_first + ADMIN_REFUSE_WINDOW;
	return *until != 0;
}

int admin_refusal_record(struct admin *a, const char *user, const char *reason)
{
	struct refusals r;
	char p[ADMIN_PATH], *kept = NULL;
	void *mem = NULL;
	size_t n, cap = ADMIN_MAX_FILE;
	int rc;

	if ((rc = mem_alloc(cap, &mem)) != 0) return rc;
	kept = mem;
	/* Rewrite with only the lines still inside the window, then this one: the file stays small. */
	if ((rc = refusals_scan(a, user, &r, kept, cap - 256)) != 0) goto out;
	n = strlen(kept);
	snprintf(kept + n, cap - n, "%llu\t%s\t%s\n", (unsigned long long)a->now, user, reason);
	if ((rc = admin_path(a, p, "refusals.log")) != 0) goto out;
	rc = cli_file_write(p, (const uint8_t *)kept, strlen(kept), false, false);
out:
	mem_free(mem);
	return rc;
}
