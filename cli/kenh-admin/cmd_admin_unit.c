/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-admin unit create PATH [--days N], unit list: unit CAs (DESIGN §6).
 * A new unit CA is signed by the nearest unit above it that has a CA, or
 * by the root; it may then issue only inside its own subtree, which
 * crypto_cert_issue enforces and every validation checks again. Each unit
 * CA has its own key (sealed under the same passphrase) and its own CRL.
 */
#include "admin.h"

#include "util/compat.h"

#include "../common/cli.h"
#include "util/mem.h"

/* The CA that signs a new unit: the nearest created unit above it, else the root. */
static int parent_ca(struct admin *a, const char *path, struct admin_ca *ca)
{
	char parent[CRYPTO_PKI_MAX_UNIT + 1], *slash;
	int rc;

	snprintf(parent, sizeof(parent), "%s", path);
	if ((slash = strrchr(parent, '/')) != NULL) {
		*slash = '\0';
		rc = admin_ca_covering(a, parent, ca);
		if (rc != KENH_E_NOT_FOUND) return rc;
	}
	return admin_ca_load(a, "", ca);
}

static int write_unit(struct admin *a, const char *path, const struct crypto_sigkey *key,
                      const uint8_t *der, size_t len)
{
	char dir[ADMIN_PATH], p[ADMIN_PATH];
	struct admin_ca ca;
	int rc;

	if ((rc = admin_ca_dir(a, path, dir)) != 0 || (rc = cli_dir_make(dir)) != 0) return rc;
	if ((rc = cli_path(p, sizeof(p), "%s/ca.key", dir)) != 0) return rc;
	if ((rc = admin_key_save(a, p, key)) != 0) return rc;
	if ((rc = cli_path(p, sizeof(p), "%s/ca.crt", dir)) != 0) return rc;
	if ((rc = cli_file_write(p, der, len, false, true)) != 0) return rc;
	/* The first, empty CRL, so relays and clients always find one. */
	if ((rc = admin_ca_load(a, path, &ca)) != 0) return rc;
	ca.key = *key;
	ca.has_key = true;
	rc = admin_crl_update(a, &ca, NULL, 0);
	admin_ca_free(&ca);
	return rc;
}

static int record(struct admin *a, const char *path, const struct admin_ca *issuer,
                  const uint8_t *der, size_t len)
{
	char details[ADMIN_DETAILS] = "", serial[41], until[32];
	struct crypto_cert_info info;
	int rc;

	if ((rc = crypto_cert_parse(a->ctx, der, len, &info)) != 0) return admin_fail(path, rc);
	crypto_serial_hex(&info.serial, serial, sizeof(serial));
	if (admin_kv(details, "unit", path) != 0 ||
	    admin_kv(details, "issuer", admin_ca_name(issuer)) != 0 ||
	    admin_kv(details, "serial", serial) != 0)
		return admin_fail(path, KENH_E_TOO_LARGE);
	if ((rc = admin_audit(a, "unit", details)) != 0) return rc;
	cli_time_format(info.not_after, until, sizeof(until));
	printf("created unit CA %s (signed by %s, %s key), valid until %s\n", path,
	       admin_ca_name(issuer), admin_sig_name(info.sig_id), until);
	return 0;
}

static int create_unit(struct admin *a, const char *path, uint64_t lifetime)
{
	struct crypto_cert_template t = { .kind = CRYPTO_CERT_UNIT, .unit = path };
	struct crypto_issuer iss;
	struct crypto_sigkey key;
	struct admin_ca issuer;
	uint8_t *der = NULL;
	size_t len = 0;
	int rc;

	if ((rc = parent_ca(a, path, &issuer)) != 0) return admin_fail(path, rc);
	if ((rc = admin_ca_key(a, &issuer)) != 0) goto out;
	rc = crypto_sigkey_generate(a->ctx, crypto_pki_suite_sig(a->suite), &key);
	t.sig_id = key.sig_id;
	t.pk = key.pk;
	t.pklen = key.pklen;
	t.not_before = a->now;
	t.lifetime = lifetime;
	iss = admin_ca_issuer(&issuer);
	if (rc == 0) rc = crypto_cert_issue(a->ctx, &iss, &t, &der, &len);
	if (rc == 0) rc = write_unit(a, path, &key, der, len);
	if (rc != 0) {
		rc = admin_fail(path, rc);
		goto out;
	}
	rc = record(a, path, &issuer, der, len);
out:
	crypto_sigkey_clear(&key);
	admin_ca_free(&issuer);
	mem_free(der);
	return rc;
}

int cmd_admin_unit_create(struct admin *a, int argc, char **argv)
{
	const char *path = NULL, *days = NULL;
	const struct admin_opt opts[] = { { "--days", &days, NULL } };
	struct admin_ca existing;
	uint64_t v = ADMIN_UNIT_DAYS;
	int rc;

	if ((rc = admin_args("unit create PATH [--days N]", argc, argv, opts, ARRAY_LEN(opts),
	                     &path, 1, 1)) != 0)
		return rc;
	if (!crypto_unit_path_is_valid(path))
		return admin_failf(path, "not a unit path: lowercase letters, digits and '-' in "
		                         "segments of 1 to 32, joined by '/', at most 8 deep and "
		                         "64 long");
	if (days != NULL && admin_number(days, ADMIN_MAX_DAYS, &v) != 0)
		return admin_failf("--days", "1 to %d", ADMIN_MAX_DAYS);
	if ((rc = admin_ca_load(a, path, &existing)) != KENH_E_NOT_FOUND) {
		admin_ca_free(&existing);
		return rc == 0 ? admin_failf(path, "this unit already has a CA")
		               : admin_fail(path, rc);
	}
	if ((rc = admin_pass(a, false)) != 0) return rc;
	return create_unit(a, path, v * CRYPTO_PKI_DAY);
}

struct unit_list {
	char (*paths)[CRYPTO_PKI_MAX_UNIT + 1];
	size_t n;
};

static int collect(struct admin *a, const char *unit, void *arg)
{
	struct unit_list *l = arg;
	void *grown = NULL;
	int rc;

	(void)a;
	if ((rc = mem_grow(l->paths, l->n + 1, sizeof(*l->paths), &grown)) != 0) return rc;
	l->paths = grown;
	snprintf(l->paths[l->n++], sizeof(*l->paths), "%s", unit);
	return 0;
}

static int by_path(const void *x, const void *y)
{
	return strcmp(x, y);
}

int cmd_admin_unit_list(struct admin *a, int argc, char **argv)
{
	struct unit_list l = { NULL, 0 };
	struct admin_ca ca;
	char until[32];
	size_t i;
	int rc;

	if ((rc = admin_args("unit list", argc, argv, NULL, 0, NULL, 0, 0)) != 0) return rc;
	if ((rc = admin_units_each(a, collect, &l)) != 0) {
		mem_free(l.paths);
		return admin_fail("units", rc);
	}
	qsort(l.paths, l.n, sizeof(*l.paths), by_path);
	for (i = 0; i < l.n; i++) {
		if (admin_ca_load(a, l.paths[i], &ca) != 0) {
			printf("%-32s (unreadable certificate)\n", l.paths[i]);
			continue;
		}
		cli_time_format(ca.info.not_after, until, sizeof(until));
		printf("%-32s %-11s until %s, signed by %s\n", ca.unit,
		       admin_sig_name(ca.info.sig_id), until,
		       ca.info.issuer[0] ? ca.info.issuer : "root");
		admin_ca_free(&ca);
	}
	if (l.n == 0) printf("no units yet (kenh-admin unit create PATH)\n");
	mem_free(l.paths);
	return 0;
}
