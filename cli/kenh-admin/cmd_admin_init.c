/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-admin init --org NAME [--suite 1|2|3] [--days N] [--kdf-memory MIB]
 * [--kdf-iterations N]: create an organization's authority in a new admin
 * folder (DESIGN §6): the root CA key (Ed25519 for MLS suites 1 and 3,
 * ECDSA P-256 for suite 2), sealed under the passphrase with Argon2id; the
 * self-signed root certificate; an empty first CRL; and the audit log,
 * whose first entry records all this.
 */
#include "admin.h"

#include "util/compat.h"

#include <dirent.h>

#include "../common/cli.h"
#include "util/mem.h"

struct init_opts {
	const char *org, *suite, *days, *memory, *iterations;
	uint64_t lifetime;
};

/* A folder we may create the authority in: absent, or empty. */
static bool folder_free(const char *dir)
{
	struct dirent *e;
	DIR *d;
	bool empty = true;

	if (!cli_file_exists(dir)) return true;
	if ((d = opendir(dir)) == NULL) return false;
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0) empty = false;
	closedir(d);
	return empty;
}

static int read_options(struct admin *a, struct init_opts *o)
{
	uint64_t v;

	if (!crypto_org_is_valid(o->org))
		return admin_failf("init", "organization name: 1 to 64 bytes of UTF-8, no control "
		                           "characters, no leading or trailing space");
	snprintf(a->org, sizeof(a->org), "%s", o->org);
	a->suite = 1;
	if (o->suite != NULL) {
		if (admin_number(o->suite, 3, &v) != 0)
			return admin_failf("init", "--suite: 1, 2 or 3 (MLS cipher suites)");
		a->suite = (uint16_t)v;
	}
	o->lifetime = ADMIN_ROOT_DAYS * (uint64_t)CRYPTO_PKI_DAY;
	if (o->days != NULL) {
		if (admin_number(o->days, ADMIN_MAX_DAYS, &v) != 0)
			return admin_failf("init", "--days: 1 to %d", ADMIN_MAX_DAYS);
		o->lifetime = v * CRYPTO_PKI_DAY;
	}
	a->kdf = (struct crypto_argon2_params){ CRYPTO_ARGON2_DEFAULT_KIB, CRYPTO_ARGON2_DEFAULT_T,
		                                1 };
	/* RFC 9106 §4: memory is the defence; we refuse less than 8 MiB. */
	if (o->memory != NULL) {
		if (admin_number(o->memory, CRYPTO_ARGON2_MAX_KIB / 1024, &v) != 0 || v < 8)
			return admin_failf("init", "--kdf-memory: 8 to 1024 (MiB)");
		a->kdf.m_kib = (uint32_t)(v * 1024);
	}
	if (o->iterations != NULL) {
		if (admin_number(o->iterations, CRYPTO_ARGON2_MAX_T, &v) != 0)
			return admin_failf("init", "--kdf-iterations: 1 to %u",
			                   CRYPTO_ARGON2_MAX_T);
		a->kdf.t_cost = (uint32_t)v;
	}
	return 0;
}

/* The root key and certificate, in memory (a->root_key, a->root_der, a->root). */
static int make_root(struct admin *a, uint64_t lifetime)
{
	struct crypto_cert_template t = { .kind = CRYPTO_CERT_ROOT, .org = a->org };
	struct crypto_issuer iss = { { NULL, 0 }, &a->root_key };
	int rc;

	t.not_before = a->now;
	t.lifetime = lifetime;
	rc = crypto_sigkey_generate(a->ctx, crypto_pki_suite_sig(a->suite), &a->root_key);
	if (rc == 0) rc = crypto_cert_issue(a->ctx, &iss, &t, &a->root_der, &a->root_len);
	if (rc == 0) rc = crypto_cert_parse(a->ctx, a->root_der, a->root_len, &a->root);
	if (rc != 0) return admin_fail("root CA", rc);
	a->root_key_loaded = true;
	return 0;
}

static int write_root(struct admin *a)
{
	struct admin_ca root;
	char p[ADMIN_PATH];
	int rc;

	if ((rc = admin_path(a, p, "root.key")) != 0 || (rc = admin_key_save(a, p, &a->root_key)))
		return admin_fail("root.key", rc);
	if ((rc = admin_path(a, p, "root.crt")) != 0 ||
	    (rc = cli_file_write(p, a->root_der, a->root_len, false, true)) != 0)
		return admin_fail("root.crt", rc);
	if ((rc = admin_conf_write(a)) != 0) return admin_fail("org.conf", rc);
	memset(&root, 0, sizeof(root));
	root.der = a->root_der;
	root.len = a->root_len;
	root.info = a->root;
	root.key = a->root_key;
	root.has_key = true;
	rc = admin_crl_update(a, &root, NULL, 0);
	crypto_sigkey_clear(&root.key);
	return rc != 0 ? admin_fail("root.crl", rc) : 0;
}

static int record(struct admin *a)
{
	char details[ADMIN_DETAILS] = "", fp[65], suite[8], until[32];
	int rc;

	if ((rc = admin_fingerprint(a, a->root_der, a->root_len, fp)) != 0)
		return admin_fail("init", rc);
	snprintf(suite, sizeof(suite), "%u", (unsigned)a->suite);
	if (admin_kv(details, "org", a->org) != 0 || admin_kv(details, "suite", suite) != 0 ||
	    admin_kv(details, "root", fp) != 0)
		return admin_fail("init", KENH_E_TOO_LARGE);
	if ((rc = admin_audit(a, "init", details)) != 0) return rc;
	cli_time_format(a->root.not_after, until, sizeof(until));
	printf("created the authority of %s in %s\n", a->org, a->dir);
	printf("root CA: %s key, valid until %s\n", admin_sig_name(a->root.sig_id), until);
	printf("root certificate SHA-256: %s\n", fp);
	printf("keep the passphrase safe: without it the keys in this folder cannot be used\n");
	return 0;
}

int cmd_admin_init(struct admin *a, int argc, char **argv)
{
	struct init_opts o = { 0 };
	const struct admin_opt opts[] = {
		{ "--org", &o.org, NULL },
		{ "--suite", &o.suite, NULL },
		{ "--days", &o.days, NULL },
		{ "--kdf-memory", &o.memory, NULL },
		{ "--kdf-iterations", &o.iterations, NULL },
	};
	int rc;

	rc = admin_args("init --org NAME [--suite 1|2|3] [--days N] [--kdf-memory MIB] "
	                "[--kdf-iterations N]",
	                argc, argv, opts, ARRAY_LEN(opts), NULL, 0, 0);
	if (rc != 0) return rc;
	if (o.org == NULL) return admin_failf("init", "--org NAME is required");
	if ((rc = read_options(a, &o)) != 0) return rc;
	if (!folder_free(a->dir))
		return admin_failf(a->dir, "exists and is not empty; init needs a new folder");
	if (cli_dir_make(a->dir) != 0) return admin_failf(a->dir, "cannot create the folder");
	if ((rc = admin_lock(a)) != 0) return rc;
	if ((rc = admin_pass(a, true)) != 0) return rc;
	if (a->passlen < ADMIN_MIN_PASS)
		return admin_failf("passphrase", "too short: at least %d characters",
		                   ADMIN_MIN_PASS);
	if ((rc = make_root(a, o.lifetime)) != 0) return rc;
	if ((rc = write_root(a)) != 0) return rc;
	return record(a);
}
