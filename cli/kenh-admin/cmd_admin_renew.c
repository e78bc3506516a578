/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-admin renew DEVICE [--days N] [--out FILE]: a new certificate for a
 * device's existing key and identity, with a new serial and lifetime
 * (DESIGN §6: lifetimes are short and renewal is a command). A revoked
 * device cannot be renewed; it must enroll again with a new key. The old
 * certificate stays valid until it expires.
 */
#include "admin.h"

#include "util/compat.h"

#include "../common/cli.h"
#include "util/mem.h"

#define DEVICE_MAX_DAYS 365

static int reissue(struct admin *a, const struct crypto_cert_info *old, uint64_t days,
                   struct admin_ca *ca, uint8_t **der, size_t *len)
{
	struct crypto_cert_template t = { .kind = CRYPTO_CERT_DEVICE };
	struct crypto_issuer iss;
	int rc;

	rc = admin_ca_covering(a, old->unit, ca);
	if (rc == KENH_E_NOT_FOUND) return admin_failf(old->unit, "no unit CA covers this unit");
	if (rc != 0) return admin_fail(old->unit, rc);
	if ((rc = admin_ca_key(a, ca)) != 0) return rc;
	t.unit = old->unit;
	t.user = old->user;
	t.device = old->device;
	t.sig_id = old->sig_id;
	t.pk = old->pk;
	t.pklen = old->pklen;
	t.not_before = a->now;
	t.lifetime = days * CRYPTO_PKI_DAY;
	iss = admin_ca_issuer(ca);
	if ((rc = crypto_cert_issue(a->ctx, &iss, &t, der, len)) != 0)
		return admin_fail("renew", rc);
	return 0;
}

static int record(struct admin *a, const struct crypto_cert_info *old, const struct admin_ca *ca,
                  const uint8_t *der, size_t len, const char *out)
{
	char details[ADMIN_DETAILS] = "", path[ADMIN_PATH], until[32], serial[41], prev[41];
	struct crypto_cert_info info;
	int rc;

	if ((rc = crypto_cert_parse(a->ctx, der, len, &info)) != 0) return admin_fail("renew", rc);
	if ((rc = admin_cert_store(a, der, len, &info, path)) != 0) return admin_fail("certs", rc);
	if (out != NULL && (rc = cli_file_write(out, der, len, true, false)) != 0)
		return admin_fail(out, rc);
	crypto_serial_hex(&info.serial, serial, sizeof(serial));
	crypto_serial_hex(&old->serial, prev, sizeof(prev));
	cli_time_format(info.not_after, until, sizeof(until));
	if (admin_kv(details, "device", info.device) != 0 ||
	    admin_kv(details, "user", info.user) != 0 ||
	    admin_kv(details, "unit", info.unit) != 0 || admin_kv(details, "serial", serial) != 0 ||
	    admin_kv(details, "previous", prev) != 0 ||
	    admin_kv(details, "issuer", admin_ca_name(ca)) != 0 ||
	    admin_kv(details, "until", until) != 0)
		return admin_fail("audit", KENH_E_TOO_LARGE);
	if ((rc = admin_audit(a, "renew", details)) != 0) return rc;
	printf("renewed device %s (%s in %s): %s, valid until %s\n", info.device, info.user,
	       info.unit, path, until);
	return 0;
}

int cmd_admin_renew(struct admin *a, int argc, char **argv)
{
	const char *device = NULL, *days_s = NULL, *out = NULL;
	const struct admin_opt opts[] = { { "--days", &days_s, NULL }, { "--out", &out, NULL } };
	struct crypto_cert_info old;
	struct admin_ca ca;
	uint8_t *cur = NULL, *der = NULL;
	size_t curlen = 0, len = 0;
	uint64_t days = CRYPTO_PKI_DEVICE_DAYS;
	int rc;

	if ((rc = admin_args("renew DEVICE [--days N] [--out FILE]", argc, argv, opts,
	                     ARRAY_LEN(opts), &device, 1, 1)) != 0)
		return rc;
	if (days_s != NULL && admin_number(days_s, DEVICE_MAX_DAYS, &days) != 0)
		return admin_failf("--days", "1 to %d", DEVICE_MAX_DAYS);
	memset(&ca, 0, sizeof(ca));
	rc = admin_device_cert(a, device, true, &cur, &curlen, &old);
	if (rc == KENH_E_NOT_FOUND) {
		rc = admin_device_cert(a, device, false, &cur, &curlen, &old);
		rc = rc == 0 ? admin_failf(device, "revoked: enroll the device again")
		             : admin_failf(device, "no certificate was issued to this device");
		goto out;
	}
	if (rc != 0) {
		rc = admin_fail("certs", rc);
		goto out;
	}
	if ((rc = reissue(a, &old, days, &ca, &der, &len)) != 0) goto out;
	rc = record(a, &old, &ca, der, len, out);
out:
	admin_ca_free(&ca);
	mem_free(cur);
	mem_free(der);
	return rc;
}
