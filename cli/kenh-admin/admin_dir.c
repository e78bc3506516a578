/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The admin folder of kenh-admin (layout in admin.h): the lock, org.conf,
 * the passphrase, key files sealed with crypto_keyfile_seal (Argon2id and
 * AES-256-GCM, docs/pki.md "Key files"), and the CAs: the root and one
 * unit CA per created unit, found by unit path.
 */
#include "admin.h"

#include "util/compat.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <sys/file.h>
#include <unistd.h>

#include "../common/cli.h"
#include "../common/cli_relay.h"
#include "util/mem.h"

int admin_path(const struct admin *a, char *out, const char *fmt, ...)
{
	char rel[ADMIN_PATH];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(rel)) return KENH_ERR(KENH_E_TOO_LARGE);
	return cli_path(out, ADMIN_PATH, "%s/%s", a->dir, rel);
}

int admin_lock(struct admin *a)
{
	char p[ADMIN_PATH];

	if (admin_path(a, p, ".lock") != 0) return admin_fail(a->dir, KENH_E_TOO_LARGE);
	if ((a->lock_fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return admin_failf(a->dir, "not an admin folder, or not writable");
	if (flock(a->lock_fd, LOCK_EX | LOCK_NB) != 0)
		return admin_failf(a->dir, "another kenh-admin is working in this folder");
	return 0;
}

int admin_conf_write(const struct admin *a)
{
	char p[ADMIN_PATH], buf[512];
	int n;

	n = snprintf(buf, sizeof(buf),
	             "org=%s\nsuite=%u\nkdf_memory_kib=%u\nkdf_iterations=%u\n"
	             "kdf_lanes=%u\n",
	             a->org, (unsigned)a->suite, a->kdf.m_kib, a->kdf.t_cost, a->kdf.lanes);
	if (n < 0 || (size_t)n >= sizeof(buf)) return KENH_ERR(KENH_E_TOO_LARGE);
	if (admin_path(a, p, "org.conf") != 0) return KENH_ERR(KENH_E_TOO_LARGE);
	return cli_file_write(p, (const uint8_t *)buf, (size_t)n, false, false);
}

/* One "key=value" line of org.conf into a; false for anything unknown or out of range. */
static bool conf_line(struct admin *a, char *line)
{
	char *eq = strchr(line, '=');
	uint64_t v = 0;

	if (eq == NULL) return false;
	*eq++ = '\0';
	if (strcmp(line, "org") == 0) {
		if (!crypto_org_is_valid(eq)) return false;
		snprintf(a->org, sizeof(a->org), "%s", eq);
		return true;
	}
	if (admin_number(eq, UINT32_MAX, &v) != 0) return false;
	if (strcmp(line, "suite") == 0 && v <= 3) {
		a->suite = (uint16_t)v; /* MLS cipher suites 1, 2, 3 (RFC 9420 §17.1) */
	} else if (strcmp(line, "kdf_memory_kib") == 0) {
		a->kdf.m_kib = (uint32_t)v;
	} else if (strcmp(line, "kdf_iterations") == 0) {
		a->kdf.t_cost = (uint32_t)v;
	} else if (strcmp(line, "kdf_lanes") == 0) {
		a->kdf.lanes = (uint32_t)v;
	} else {
		return false;
	}
	return true;
}

static int conf_read(struct admin *a)
{
	char p[ADMIN_PATH], *line, *next;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	if (admin_path(a, p, "org.conf") != 0) return KENH_ERR(KENH_E_TOO_LARGE);
	if ((rc = cli_file_read(p, 4096, &buf, &len)) != 0) return rc;
	rc = 0;
	for (line = (char *)buf; rc == 0 && line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL) *next++ = '\0';
		if (!conf_line(a, line)) rc = KENH_ERR(KENH_E_PARSE);
	}
	mem_free(buf);
	if (rc == 0 && (a->org[0] == '\0' || a->suite == 0 || !crypto_argon2_params_ok(&a->kdf)))
		rc = KENH_ERR(KENH_E_PARSE);
	return rc;
}

int admin_open(struct admin *a)
{
	char p[ADMIN_PATH];
	int rc;

	if (!cli_file_exists(a->dir))
		return admin_failf(a->dir,
		                   "no such admin folder (create one with kenh-admin init)");
	if ((rc = admin_lock(a)) != 0) return rc;
	if ((rc = conf_read(a)) != 0) return admin_fail("org.conf", rc);
	if (admin_path(a, p, "root.crt") != 0) return admin_fail(a->dir, KENH_E_TOO_LARGE);
	if ((rc = cli_file_read(p, CRYPTO_PKI_MAX_CERT_DER, &a->root_der, &a->root_len)) != 0)
		return admin_fail("root.crt", rc);
	rc = crypto_cert_parse(a->ctx, a->root_der, a->root_len, &a->root);
	if (rc == 0 && a->root.kind != CRYPTO_CERT_ROOT) rc = KENH_ERR(KENH_E_PARSE);
	if (rc != 0) return admin_fail("root.crt", rc);
	return 0;
}

void admin_close(struct admin *a)
{
	cli_relay_close(a->relay);
	a->relay = NULL;
	if (a->pass != NULL) sec_free(a->pass, a->passlen + 1);
	a->pass = NULL;
	crypto_sigkey_clear(&a->root_key);
	mem_free(a->root_der);
	a->root_der = NULL;
	if (a->lock_fd >= 0) close(a->lock_fd);
	a->lock_fd = -1;
}

int admin_pass(struct admin *a, bool confirm)
{
	struct cli_pass_source src = { a->pass_file, ADMIN_PASS_ENV,
		                       "Admin passphrase: ", confirm };
	int rc;

	if (a->pass != NULL) return 0;
	rc = cli_pass_get(&src, &a->pass, &a->passlen);
	if (rc == KENH_E_NOT_FOUND)
		return admin_failf("passphrase",
		                   "none given: use --passphrase-file FILE or %s, "
		                   "or run on a terminal",
		                   ADMIN_PASS_ENV);
	if (rc == KENH_E_INVALID_ARG)
		return admin_failf("passphrase", "empty, or the two entries differ");
	if (rc == KENH_E_IO && a->pass_file != NULL)
		return admin_failf("passphrase", "cannot read %s", a->pass_file);
	if (rc != 0) return admin_fail("passphrase", rc);
	return 0;
}

int admin_key_save(struct admin *a, const char *path, const struct crypto_sigkey *key)
{
	struct crypto_keyfile_lock lock;
	uint8_t *file = NULL;
	size_t len = 0;
	int rc;

	lock.kdf = a->kdf;
	lock.pass = span_make(a->pass, a->passlen);
	if ((rc = crypto_keyfile_seal(a->ctx, &lock, key, &file, &len)) != 0) return rc;
	rc = cli_file_write(path, file, len, false, true);
	mem_free(file);
	return rc;
}

int admin_key_load(struct admin *a, const char *path, const char *what, struct crypto_sigkey *out)
{
	uint8_t *file = NULL;
	size_t len = 0;
	int rc;

	if ((rc = admin_pass(a, false)) != 0) return rc;
	if ((rc = cli_file_read(path, 4096, &file, &len)) != 0) return admin_fail(what, rc);
	rc = crypto_keyfile_open(a->ctx, span_make(file, len), span_make(a->pass, a->passlen), out);
	mem_free(file);
	return rc != 0 ? admin_fail(what, rc) : 0;
}

/* The key must be the certificate's key: a swapped key file is caught here. */
static bool key_matches(const struct crypto_sigkey *k, const struct crypto_cert_info *info)
{
	return k->sig_id == info->sig_id && k->pklen == info->pklen &&
	       memcmp(k->pk, info->pk, k->pklen) == 0;
}

int admin_root_key(struct admin *a)
{
	char p[ADMIN_PATH];
	int rc;

	if (a->root_key_loaded) return 0;
	if (admin_path(a, p, "root.key") != 0) return admin_fail("root key", KENH_E_TOO_LARGE);
	if ((rc = admin_key_load(a, p, "root key", &a->root_key)) != 0) return rc;
	if (!key_matches(&a->root_key, &a->root))
		return admin_failf("root key", "does not match root.crt");
	a->root_key_loaded = true;
	return 0;
}

int admin_ca_dir(const struct admin *a, const char *unit, char *out)
{
	if (unit[0] == '\0') return cli_path(out, ADMIN_PATH, "%s", a->dir);
	if (!crypto_unit_path_is_valid(unit)) return KENH_ERR(KENH_E_INVALID_ARG);
	return admin_path(a, out, "units/%s", unit);
}

int admin_ca_load(struct admin *a, const char *unit, struct admin_ca *ca)
{
	char dir[ADMIN_PATH], p[ADMIN_PATH];
	int rc;

	memset(ca, 0, sizeof(*ca));
	if ((rc = admin_ca_dir(a, unit, dir)) != 0) return rc;
	snprintf(ca->unit, sizeof(ca->unit), "%s", unit);
	if ((rc = cli_path(p, sizeof(p), "%s/%s", dir, unit[0] ? "ca.crt" : "root.crt")) != 0)
		return rc;
	if ((rc = cli_file_read(p, CRYPTO_PKI_MAX_CERT_DER, &ca->der, &ca->len)) != 0) return rc;
	rc = crypto_cert_parse(a->ctx, ca->der, ca->len, &ca->info);
	if (rc == 0 && unit[0] == '\0' && ca->info.kind != CRYPTO_CERT_ROOT)
		rc = KENH_ERR(KENH_E_PARSE);
	if (rc == 0 && unit[0] != '\0' &&
	    (ca->info.kind != CRYPTO_CERT_UNIT || strcmp(ca->info.unit, unit) != 0))
		rc = KENH_ERR(KENH_E_PARSE);
	if (rc != 0) admin_ca_free(ca);
	return rc;
}

int admin_ca_covering(struct admin *a, const char *unit, struct admin_ca *ca)
{
	char path[CRYPTO_PKI_MAX_UNIT + 1], *slash;
	int rc;

	memset(ca, 0, sizeof(*ca));
	if (!crypto_unit_path_is_valid(unit)) return KENH_ERR(KENH_E_INVALID_ARG);
	snprintf(path, sizeof(path), "%s", unit);
	for (;;) {
		rc = admin_ca_load(a, path, ca);
		if (rc != KENH_E_NOT_FOUND) return rc;
		if ((slash = strrchr(path, '/')) == NULL) return KENH_E_NOT_FOUND;
		*slash = '\0';
	}
}

int admin_ca_key(struct admin *a, struct admin_ca *ca)
{
	char dir[ADMIN_PATH], p[ADMIN_PATH], what[CRYPTO_PKI_MAX_UNIT + 32];
	int rc;

	if (ca->has_key) return 0;
	if (ca->unit[0] == '\0') {
		if ((rc = admin_root_key(a)) != 0) return rc;
		ca->key = a->root_key;
		ca->has_key = true;
		return 0;
	}
	snprintf(what, sizeof(what), "unit CA key %s", ca->unit);
	if (admin_ca_dir(a, ca->unit, dir) != 0 || cli_path(p, sizeof(p), "%s/ca.key", dir) != 0)
		return admin_fail(what, KENH_E_TOO_LARGE);
	if ((rc = admin_key_load(a, p, what, &ca->key)) != 0) return rc;
	if (!key_matches(&ca->key, &ca->info)) {
		crypto_sigkey_clear(&ca->key);
		return admin_failf(what, "does not match its certificate");
	}
	ca->has_key = true;
	return 0;
}

struct crypto_issuer admin_ca_issuer(const struct admin_ca *ca)
{
	struct crypto_issuer iss = { span_make(ca->der, ca->len), &ca->key };

	return iss;
}

void admin_ca_free(struct admin_ca *ca)
{
	if (ca == NULL) return;
	mem_free(ca->der);
	crypto_sigkey_clear(&ca->key);
	memset(ca, 0, sizeof(*ca));
}

const char *admin_ca_name(const struct admin_ca *ca)
{
	return ca->unit[0] != '\0' ? ca->unit : "root";
}

/* Visit dir (a unit path, or "" for units/ itself) and below; depth bounded by the path rules. */
static int units_walk(struct admin *a, const char *unit, size_t depth, admin_unit_fn *fn, void *arg)
{
	char dir[ADMIN_PATH], child[CRYPTO_PKI_MAX_UNIT + 1], p[ADMIN_PATH];
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (depth > CRYPTO_PKI_MAX_UNIT_DEPTH) return 0;
	if (admin_path(a, dir, "units%s%s", unit[0] ? "/" : "", unit) != 0)
		return KENH_ERR(KENH_E_TOO_LARGE);
	if ((d = opendir(dir)) == NULL) return errno == ENOENT ? 0 : KENH_ERR(KENH_E_IO);
	while (rc == 0 && (e = readdir(d)) != NULL) {
		if (snprintf(child, sizeof(child), "%s%s%s", unit, unit[0] ? "/" : "", e->d_name) >=
		            (int)sizeof(child) ||
		    !crypto_unit_path_is_valid(child))
			continue;
		if (cli_path(p, sizeof(p), "%s/%s/ca.crt", dir, e->d_name) == 0 &&
		    cli_file_exists(p))
			rc = fn(a, child, arg);
		if (rc == 0) rc = units_walk(a, child, depth + 1, fn, arg);
	}
	closedir(d);
	return rc;
}

int admin_units_each(struct admin *a, admin_unit_fn *fn, void *arg)
{
	return units_walk(a, "", 0, fn, arg);
}
