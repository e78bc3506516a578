/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Imported certificate requests of kenh-admin: requests/<id>.csr holds the
 * device's request exactly as received (DER, RFC 2986), requests/<id>.state
 * what the authority decided about it. The id is the first 8 bytes of
 * SHA-256 of the request, in hex. Requests arrive as files (requests
 * import) or through the relay (requests fetch), which also records the
 * relay's ticket, so the decision can be handed back to it.
 */
#include "admin.h"

#include "util/compat.h"

#include <dirent.h>
#include <errno.h>

#include "../common/cli.h"
#include "util/mem.h"

/* Copy a reason given by a person into one printable line. */
static void clean_line(char *dst, size_t cap, const char *src)
{
	size_t i;

	for (i = 0; i + 1 < cap && src[i] != '\0'; i++)
		dst[i] = ((unsigned char)src[i] < 0x20 || src[i] == 0x7f) ? ' ' : src[i];
	if (cap > 0) dst[i] = '\0';
}

int admin_request_save(struct admin *a, const struct admin_request *r, const uint8_t *csr,
                       size_t csrlen)
{
	char p[ADMIN_PATH], buf[1024], reason[sizeof(r->reason)];
	int n, rc;

	clean_line(reason, sizeof(reason), r->reason);
	n = snprintf(buf, sizeof(buf),
	             "status=%s\nuser=%s\nunit=%s\ndevice=%s\ncode=%s\nserial=%s\nreason=%s\n"
	             "ticket=%s\nkind=%s\nprevious=%s\nimported=%llu\ndecided=%llu\n",
	             r->status, r->user, r->unit, r->device, r->code, r->serial, reason, r->ticket,
	             r->kind, r->previous, (unsigned long long)r->imported,
	             (unsigned long long)r->decided);
	if (n < 0 || (size_t)n >= sizeof(buf)) return KENH_ERR(KENH_E_INTERNAL);
	if ((rc = admin_path(a, p, "requests")) != 0 || (rc = cli_dir_make(p)) != 0) return rc;
	if (csr != NULL) {
		if ((rc = admin_path(a, p, "requests/%s.csr", r->id)) != 0) return rc;
		if ((rc = cli_file_write(p, csr, csrlen, false, true)) != 0) return rc;
	}
	if ((rc = admin_path(a, p, "requests/%s.state", r->id)) != 0) return rc;
	return cli_file_write(p, (const uint8_t *)buf, (size_t)n, false, false);
}

/* One "key=value" line of a state file. */
static bool state_line(struct admin_request *r, char *line)
{
	static const char *const names[] = { "status", "user",   "unit",   "device", "code",
		                             "serial", "reason", "ticket", "kind",   "previous" };
	char *fields[] = { r->status, r->user,   r->unit,   r->device, r->code,
		           r->serial, r->reason, r->ticket, r->kind,   r->previous };
	const size_t caps[] = { sizeof(r->status),  sizeof(r->user),   sizeof(r->unit),
		                sizeof(r->device),  sizeof(r->code),   sizeof(r->serial),
		                sizeof(r->reason),  sizeof(r->ticket), sizeof(r->kind),
		                sizeof(r->previous) };
	char *v = strchr(line, '=');
	size_t i;

	if (v == NULL) return false;
	*v++ = '\0';
	for (i = 0; i < ARRAY_LEN(names); i++)
		if (strcmp(line, names[i]) == 0)
			return (size_t)snprintf(fields[i], caps[i], "%s", v) < caps[i];
	if (strcmp(line, "imported") == 0) return admin_number(v, UINT64_MAX, &r->imported) == 0;
	if (strcmp(line, "decided") == 0)
		return strcmp(v, "0") == 0 || admin_number(v, UINT64_MAX, &r->decided) == 0;
	return false;
}

static int state_read(struct admin *a, const char *id, struct admin_request *r)
{
	char p[ADMIN_PATH], *line, *next;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "%s", id);
	if ((rc = admin_path(a, p, "requests/%s.state", id)) != 0) return rc;
	if ((rc = cli_file_read(p, 4096, &buf, &len)) != 0) return rc;
	for (line = (char *)buf; rc == 0 && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) == NULL) {
			rc = KENH_ERR(KENH_E_PARSE);
			break;
		}
		*next++ = '\0';
		if (!state_line(r, line)) rc = KENH_ERR(KENH_E_PARSE);
	}
	mem_free(buf);
	return rc;
}

/* The full id of the one request whose id starts with prefix. */
static int resolve(struct admin *a, const char *prefix, char id[static ADMIN_ID_HEX + 1])
{
	char dir[ADMIN_PATH];
	struct dirent *e;
	size_t n = strlen(prefix), found = 0;
	DIR *d;

	if (n < 4 || n > ADMIN_ID_HEX || strspn(prefix, "0123456789abcdef") != n)
		return KENH_E_NOT_FOUND;
	if (admin_path(a, dir, "requests") != 0) return KENH_ERR(KENH_E_TOO_LARGE);
	if ((d = opendir(dir)) == NULL) return errno == ENOENT ? KENH_E_NOT_FOUND : KENH_E_IO;
	while ((e = readdir(d)) != NULL) {
		if (strlen(e->d_name) != ADMIN_ID_HEX + 6 ||
		    strcmp(e->d_name + ADMIN_ID_HEX, ".state") != 0 ||
		    strncmp(e->d_name, prefix, n) != 0)
			continue;
		memcpy(id, e->d_name, ADMIN_ID_HEX);
		id[ADMIN_ID_HEX] = '\0';
		found++;
	}
	closedir(d);
	if (found > 1) return KENH_E_EXISTS;
	return found == 1 ? 0 : KENH_E_NOT_FOUND;
}

int admin_request_load(struct admin *a, const char *id, struct admin_request *r, uint8_t **csr,
                       size_t *csrlen)
{
	char full[ADMIN_ID_HEX + 1], p[ADMIN_PATH];
	int rc;

	memset(r, 0, sizeof(*r));
	if (csr != NULL) *csr = NULL;
	if ((rc = resolve(a, id, full)) != 0) return rc;
	if ((rc = state_read(a, full, r)) != 0) return rc;
	if (csr == NULL) return 0;
	if ((rc = admin_path(a, p, "requests/%s.csr", full)) != 0) return rc;
	return cli_file_read(p, CRYPTO_PKI_MAX_CSR_DER, csr, csrlen);
}

int admin_requests_each(struct admin *a, admin_request_fn *fn, void *arg)
{
	char dir[ADMIN_PATH], id[ADMIN_ID_HEX + 1];
	struct admin_request r;
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (admin_path(a, dir, "requests") != 0) return KENH_ERR(KENH_E_TOO_LARGE);
	if ((d = opendir(dir)) == NULL) return errno == ENOENT ? 0 : KENH_ERR(KENH_E_IO);
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (strlen(e->d_name) != ADMIN_ID_HEX + 6 ||
		    strcmp(e->d_name + ADMIN_ID_HEX, ".state") != 0)
			continue;
		memcpy(id, e->d_name, ADMIN_ID_HEX);
		id[ADMIN_ID_HEX] = '\0';
		if ((rc = state_read(a, id, &r)) == 0) rc = fn(a, &r, arg);
	}
	closedir(d);
	return rc;
}
