/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Issued device certificates and the CRLs of kenh-admin: every device
 * certificate is kept as certs/<serial>.crt; each CA keeps its own CRL
 * (RFC 5280 §5: a CRL lists certificates of the CA that signs it) next to
 * its certificate, rewritten whole with the next cRLNumber on every
 * revocation. The trust store built here is what the relay and clients
 * will build from the same files.
 */
#include "admin.h"

#include "util/compat.h"

#include <dirent.h>
#include <errno.h>

#include "../common/cli.h"
#include "util/mem.h"

int admin_certs_each(struct admin *a, admin_cert_fn *fn, void *arg)
{
	char dir[ADMIN_PATH], p[ADMIN_PATH];
	struct crypto_cert_info info;
	struct dirent *e;
	uint8_t *der = NULL;
	size_t len = 0, n;
	DIR *d;
	int rc = 0;

	if (admin_path(a, dir, "certs") != 0) return KENH_ERR(KENH_E_TOO_LARGE);
	if ((d = opendir(dir)) == NULL) return errno == ENOENT ? 0 : KENH_ERR(KENH_E_IO);
	while (rc == 0 && (e = readdir(d)) != NULL) {
		n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 4, ".crt") != 0) continue;
		if ((rc = cli_path(p, sizeof(p), "%s/%s", dir, e->d_name)) != 0) break;
		if ((rc = cli_file_read(p, CRYPTO_PKI_MAX_CERT_DER, &der, &len)) != 0) break;
		rc = crypto_cert_parse(a->ctx, der, len, &info);
		if (rc == 0 && info.kind == CRYPTO_CERT_DEVICE) rc = fn(a, der, len, &info, arg);
		mem_free(der);
		der = NULL;
	}
	closedir(d);
	return rc;
}

int admin_cert_store(struct admin *a, const uint8_t *der, size_t len,
                     const struct crypto_cert_info *info, char *out)
{
	char hex[2 * CRYPTO_PKI_SERIAL_MAX + 1];
	int rc;

	crypto_serial_hex(&info->serial, hex, sizeof(hex));
	if ((rc = admin_path(a, out, "certs")) != 0 || (rc = cli_dir_make(out)) != 0) return rc;
	if ((rc = admin_path(a, out, "certs/%s.crt", hex)) != 0) return rc;
	return cli_file_write(out, der, len, false, true);
}

int admin_crl_path(const struct admin *a, const char *unit, char *out)
{
	char dir[ADMIN_PATH];
	int rc;

	if ((rc = admin_ca_dir(a, unit, dir)) != 0) return rc;
	return cli_path(out, ADMIN_PATH, "%s/%s", dir, unit[0] ? "ca.crl" : "root.crl");
}

/* The parsed CRL of a CA; *out NULL (and 0) if it has none yet. */
static int crl_load(struct admin *a, const char *unit, struct crypto_crl **out)
{
	char p[ADMIN_PATH];
	uint8_t *der = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((rc = admin_crl_path(a, unit, p)) != 0) return rc;
	rc = cli_file_read(p, CRYPTO_PKI_MAX_CRL_DER, &der, &len);
	if (rc == KENH_E_NOT_FOUND) return 0;
	if (rc != 0) return rc;
	rc = crypto_crl_parse(a->ctx, der, len, out);
	mem_free(der);
	return rc;
}

bool admin_cert_revoked(struct admin *a, const struct crypto_cert_info *info)
{
	struct crypto_crl *crl = NULL;
	bool revoked;

	/* An unreadable CRL counts as revoked: the caller must not act on such a certificate. */
	if (crl_load(a, info->issuer, &crl) != 0) return true;
	revoked = crl != NULL && crypto_crl_has_serial(crl, &info->serial);
	crypto_crl_free(crl);
	return revoked;
}

/* Old entries of crl followed by the n new ones, in a new array (mem_free). */
static int crl_entries(const struct crypto_crl *crl, const struct crypto_crl_entry *add, size_t n,
                       struct crypto_crl_entry **out, size_t *count)
{
	struct crypto_crl_meta m = { 0 };
	void *mem = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (crl != NULL) crypto_crl_meta(crl, &m);
	if ((rc = mem_calloc(m.count + n + 1, sizeof(**out), &mem)) != 0) return rc;
	*out = mem;
	for (i = 0; i < m.count; i++)
		if ((rc = crypto_crl_entry_get(crl, i, &(*out)[i])) != 0) return rc;
	for (i = 0; i < n; i++)
		(*out)[m.count + i] = add[i];
	*count = m.count + n;
	return 0;
}

int admin_crl_update(struct admin *a, struct admin_ca *ca, const struct crypto_crl_entry *add,
                     size_t n)
{
	struct crypto_crl_template t = { 0 };
	struct crypto_crl_entry *all = NULL;
	struct crypto_crl_meta m = { 0 };
	struct crypto_crl *old = NULL;
	struct crypto_issuer iss = admin_ca_issuer(ca);
	char p[ADMIN_PATH];
	uint8_t *der = NULL;
	size_t len = 0;
	int rc;

	if ((rc = crl_load(a, ca->unit, &old)) != 0) return rc;
	if (old != NULL) {
		/* A CRL we cannot verify under its CA is not ours to extend. */
		if ((rc = crypto_crl_verify(old, ca->der, ca->len)) != 0) goto out;
		crypto_crl_meta(old, &m);
	}
	if ((rc = crl_entries(old, add, n, &all, &t.count)) != 0) goto out;
	t.entries = all;
	t.number = m.number + 1; /* RFC 5280 §5.2.3: monotonically increasing */
	t.this_update = a->now;
	t.next_update = a->now + ADMIN_CRL_DAYS * CRYPTO_PKI_DAY;
	if ((rc = crypto_crl_create(a->ctx, &iss, &t, &der, &len)) != 0) goto out;
	if ((rc = admin_crl_path(a, ca->unit, p)) != 0) goto out;
	rc = cli_file_write(p, der, len, false, false);
out:
	mem_free(der);
	mem_free(all);
	crypto_crl_free(old);
	return rc;
}

static int trust_add_file(struct crypto_trust *t, const char *path, bool crl)
{
	uint8_t *der = NULL;
	size_t len = 0;
	int rc;

	rc = cli_file_read(path, crl ? CRYPTO_PKI_MAX_CRL_DER : CRYPTO_PKI_MAX_CERT_DER, &der,
	                   &len);
	if (rc == KENH_E_NOT_FOUND && crl) return 0;
	if (rc != 0) return rc;
	rc = crl ? crypto_trust_add_crl(t, der, len) : crypto_trust_add_ca(t, der, len);
	mem_free(der);
	return rc;
}

static int trust_add_unit(struct admin *a, const char *unit, void *arg)
{
	char dir[ADMIN_PATH], p[ADMIN_PATH];
	int rc;

	if ((rc = admin_ca_dir(a, unit, dir)) != 0) return rc;
	if ((rc = cli_path(p, sizeof(p), "%s/ca.crt", dir)) != 0) return rc;
	if ((rc = trust_add_file(arg, p, false)) != 0) return rc;
	if ((rc = cli_path(p, sizeof(p), "%s/ca.crl", dir)) != 0) return rc;
	return trust_add_file(arg, p, true);
}

int admin_trust(struct admin *a, struct crypto_trust **out)
{
	struct crypto_trust *t = NULL;
	char p[ADMIN_PATH];
	int rc;

	*out = NULL;
	if ((rc = crypto_trust_new(a->ctx, a->root_der, a->root_len, &t)) != 0) return rc;
	if ((rc = admin_units_each(a, trust_add_unit, t)) != 0) goto out;
	if ((rc = admin_path(a, p, "root.crl")) != 0) goto out;
	if ((rc = trust_add_file(t, p, true)) != 0) goto out;
	*out = t;
	t = NULL;
out:
	crypto_trust_free(t);
	return rc;
}

int admin_fingerprint(const struct admin *a, const uint8_t *der, size_t len, char out[static 65])
{
	const struct crypto_kdf *kdf = crypto_kdf_get(a->ctx, CRYPTO_KDF_HKDF_SHA256);
	uint8_t h[32];
	int rc;

	out[0] = '\0';
	if (kdf == NULL) return KENH_ERR(KENH_E_INTERNAL);
	if ((rc = crypto_hash(kdf, der, len, h)) != 0) return rc;
	admin_hex(h, sizeof(h), out);
	return 0;
}

struct newest {
	const char *device;
	bool skip_revoked;
	uint8_t *der;
	size_t len;
	struct crypto_cert_info info;
};

static int pick_newest(struct admin *a, const uint8_t *der, size_t len,
                       const struct crypto_cert_info *info, void *arg)
{
	struct newest *n = arg;
	uint8_t *copy = NULL;
	int rc;

	if (strcmp(info->device, n->device) != 0) return 0;
	if (n->der != NULL && info->not_after <= n->info.not_after) return 0;
	if (n->skip_revoked && admin_cert_revoked(a, info)) return 0;
	if ((rc = mem_dup(der, len, &copy)) != 0) return rc;
	mem_free(n->der);
	n->der = copy;
	n->len = len;
	n->info = *info;
	return 0;
}

int admin_device_cert(struct admin *a, const char *device, bool skip_revoked, uint8_t **der,
                      size_t *len, struct crypto_cert_info *info)
{
	struct newest n = { device, skip_revoked, NULL, 0, { 0 } };
	int rc;

	*der = NULL;
	*len = 0;
	if ((rc = admin_certs_each(a, pick_newest, &n)) != 0) {
		mem_free(n.der);
		return rc;
	}
	if (n.der == NULL) return KENH_E_NOT_FOUND;
	*der = n.der;
	*len = n.len;
	*info = n.info;
	return 0;
}
