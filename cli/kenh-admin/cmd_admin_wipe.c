/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-admin wipe DEVICE [--signer root|unit] [--out FILE]: a signed order
 * for one device to erase its store and keys (DESIGN §6, docs/pki.md
 * "Wipe order"), signed by the root (the default) or by the unit CA that
 * covers the device. It is written to wipe/<device>-<time>.wipe and, with
 * a relay configured, handed to it (WIPE_SEND, docs/protocol.md §5), which
 * pushes it to the device or keeps it until the device connects. A revoked
 * device still connects to fetch its wipe orders (docs/protocol.md §3
 * REVOKED), so revoke and wipe may come in either order (docs/operations.md).
 */
#include "admin.h"

#include "util/compat.h"

#include "../common/cli.h"
#include "util/mem.h"

static int record(struct admin *a, const char *device, const struct admin_ca *ca,
                  const uint8_t *order, size_t len, const char *path)
{
	char details[ADMIN_DETAILS] = "", nonce[2 * CRYPTO_WIPE_NONCE_LEN + 1];
	struct crypto_wipe_order o;
	int rc;

	if ((rc = crypto_wipe_parse(order, len, &o)) != 0) return admin_fail("wipe", rc);
	admin_hex(o.nonce, sizeof(o.nonce), nonce);
	if (admin_kv(details, "device", device) != 0 ||
	    admin_kv(details, "signer", admin_ca_name(ca)) != 0 ||
	    admin_kv(details, "nonce", nonce) != 0)
		return admin_fail("audit", KENH_E_TOO_LARGE);
	if ((rc = admin_audit(a, "wipe", details)) != 0) return rc;
	printf("wipe order for device %s, signed by %s: %s\n", device, admin_ca_name(ca), path);
	return 0;
}

/* Hand the order to the relay for the device's inbox. */
static int deliver(struct admin *a, const struct crypto_cert_info *info, const uint8_t *order,
                   size_t len)
{
	char name[CRYPTO_PKI_MAX_UNIT + CRYPTO_PKI_MAX_USER + CRYPTO_PKI_MAX_DEVICE + 3];

	if (!admin_relay_configured(a)) {
		printf("no relay configured: hand the file to the device another way\n");
		return 0;
	}
	snprintf(name, sizeof(name), "%s/%s/%s", info->unit, info->user, info->device);
	return admin_relay_wipe(a, name, order, len);
}

/* wipe/<device>-<time>-<nonce prefix>.wipe, and a copy at out if given. */
static int write_order(struct admin *a, const char *device, const uint8_t *order, size_t len,
                       const char *out, char *path)
{
	struct crypto_wipe_order o;
	char nonce[2 * CRYPTO_WIPE_NONCE_LEN + 1];
	int rc;

	if ((rc = crypto_wipe_parse(order, len, &o)) != 0) return rc;
	admin_hex(o.nonce, 4, nonce);
	if ((rc = admin_path(a, path, "wipe")) != 0 || (rc = cli_dir_make(path)) != 0) return rc;
	if ((rc = admin_path(a, path, "wipe/%s-%llu-%s.wipe", device, (unsigned long long)a->now,
	                     nonce)) != 0)
		return rc;
	if ((rc = cli_file_write(path, order, len, false, true)) != 0) return rc;
	if (out != NULL) rc = cli_file_write(out, order, len, true, false);
	return rc;
}

int cmd_admin_wipe(struct admin *a, int argc, char **argv)
{
	const char *device = NULL, *signer = "root", *out = NULL;
	const struct admin_opt opts[] = { { "--signer", &signer, NULL }, { "--out", &out, NULL } };
	struct crypto_cert_info info;
	struct crypto_issuer iss;
	struct admin_ca ca;
	char path[ADMIN_PATH];
	uint8_t *cert = NULL, *order = NULL;
	size_t certlen = 0, len = 0;
	int rc;

	if ((rc = admin_args("wipe DEVICE [--signer root|unit] [--out FILE]", argc, argv, opts,
	                     ARRAY_LEN(opts), &device, 1, 1)) != 0)
		return rc;
	if (strcmp(signer, "root") != 0 && strcmp(signer, "unit") != 0)
		return admin_failf("--signer", "root or unit");
	memset(&ca, 0, sizeof(ca));
	if ((rc = admin_device_cert(a, device, false, &cert, &certlen, &info)) != 0) {
		rc = rc == KENH_E_NOT_FOUND ? admin_failf(device, "no certificate was issued to "
		                                                  "this device")
		                            : admin_fail("certs", rc);
		goto out;
	}
	rc = strcmp(signer, "root") == 0 ? admin_ca_load(a, "", &ca)
	                                 : admin_ca_covering(a, info.unit, &ca);
	if (rc != 0) {
		rc = admin_fail(signer, rc);
		goto out;
	}
	if ((rc = admin_ca_key(a, &ca)) != 0) goto out;
	iss = admin_ca_issuer(&ca);
	if ((rc = crypto_wipe_create(a->ctx, &iss, device, a->now, &order, &len)) != 0 ||
	    (rc = write_order(a, device, order, len, out, path)) != 0) {
		rc = admin_fail("wipe", rc);
		goto out;
	}
	if ((rc = record(a, device, &ca, order, len, path)) == 0)
		rc = deliver(a, &info, order, len);
out:
	admin_ca_free(&ca);
	mem_free(cert);
	mem_free(order);
	return rc;
}
