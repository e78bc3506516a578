/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-admin sign REQ [--days N] [--out FILE] [--issuer unit|root]: approve
 * an imported request and issue the device certificate (DESIGN §6,
 * docs/pki.md "Device certificate"): signed by the unit CA nearest to the
 * request's unit (or by the root itself with --issuer root), for
 * the key the device made, naming the user, the unit and a device id
 * derived from the key. The request is checked again (it sat on disk),
 * and so is the unit's subtree, by crypto_cert_issue. A request that came
 * through the relay gets its certificate handed to the relay at once
 * (ENROLL_ISSUE, docs/protocol.md §5), where the device fetches it; if the
 * relay cannot be reached, the next requests fetch hands it over. A
 * renewal request (kenh renew) is signed by admin_renew_sign instead.
 */
#include "admin.h"

#include "util/compat.h"

#include "../common/cli.h"
#include "util/mem.h"

#define DEVICE_MAX_DAYS 365

/*
 * Issue the certificate for a verified request, signed by the unit CA
 * covering its unit, or by the root (by_root); *der (mem_free) on success.
 */
static int issue(struct admin *a, const struct crypto_csr_info *info, const char *device,
                 uint64_t days, bool by_root, struct admin_ca *ca, uint8_t **der, size_t *len)
{
	struct crypto_cert_template t = { .kind = CRYPTO_CERT_DEVICE };
	struct crypto_issuer iss;
	int rc;

	rc = by_root ? admin_ca_load(a, "", ca) : admin_ca_covering(a, info->unit, ca);
	if (rc == KENH_E_NOT_FOUND)
		return admin_failf(info->unit, "no unit CA covers this unit any more");
	if (rc != 0) return admin_fail(info->unit, rc);
	if ((rc = admin_ca_key(a, ca)) != 0) return rc;
	t.unit = info->unit;
	t.user = info->user;
	t.device = device;
	t.sig_id = info->sig_id;
	t.pk = info->pk;
	t.pklen = info->pklen;
	t.not_before = a->now;
	t.lifetime = days * CRYPTO_PKI_DAY;
	iss = admin_ca_issuer(ca);
	if ((rc = crypto_cert_issue(a->ctx, &iss, &t, der, len)) != 0)
		return admin_fail("issue", rc);
	return 0;
}

static int record(struct admin *a, struct admin_request *r, const struct admin_ca *ca,
                  const uint8_t *der, size_t len, const char *out)
{
	char details[ADMIN_DETAILS] = "", path[ADMIN_PATH], until[32];
	struct crypto_cert_info info;
	int rc;

	if ((rc = crypto_cert_parse(a->ctx, der, len, &info)) != 0) return admin_fail("issue", rc);
	if ((rc = admin_cert_store(a, der, len, &info, path)) != 0) return admin_fail("certs", rc);
	if (out != NULL && (rc = cli_file_write(out, der, len, true, false)) != 0)
		return admin_fail(out, rc);
	crypto_serial_hex(&info.serial, r->serial, sizeof(r->serial));
	snprintf(r->status, sizeof(r->status), "signed");
	r->decided = a->now;
	if ((rc = admin_request_save(a, r, NULL, 0)) != 0) return admin_fail("request", rc);
	cli_time_format(info.not_after, until, sizeof(until));
	if (admin_kv(details, "request", r->id) != 0 || admin_kv(details, "user", r->user) != 0 ||
	    admin_kv(details, "unit", r->unit) != 0 || admin_kv(details, "device", r->device) ||
	    admin_kv(details, "serial", r->serial) != 0 ||
	    admin_kv(details, "issuer", admin_ca_name(ca)) != 0 ||
	    admin_kv(details, "until", until) != 0)
		return admin_fail("audit", KENH_E_TOO_LARGE);
	if ((rc = admin_audit(a, "issue", details)) != 0) return rc;
	printf("issued %s for %s (device %s) in %s, signed by %s, valid until %s\n", path, r->user,
	       r->device, r->unit, admin_ca_name(ca), until);
	return 0;
}

/* Hand the certificate to the relay for the device that asked through it. */
static int deliver(struct admin *a, const struct admin_request *r, const uint8_t *der, size_t len)
{
	int rc;

	if (r->ticket[0] == '\0') return 0;
	if (!admin_relay_configured(a)) {
		printf("the request came through a relay, but none is configured (kenh-admin "
		       "relay set)\n");
		return 0;
	}
	if ((rc = admin_relay_issue(a, r->ticket, der, len)) != 0) {
		fprintf(stderr, "kenh-admin: the certificate is issued; kenh-admin requests fetch "
		                "hands it to the relay later\n");
		return rc;
	}
	printf("handed to the relay: the device can fetch its certificate now\n");
	return 0;
}

/* The stored request must still verify and still say what the state file says. */
static int recheck(struct admin *a, const struct admin_request *r, const uint8_t *csr, size_t len,
                   struct crypto_csr_info *info)
{
	char device[CRYPTO_PKI_MAX_DEVICE + 1];
	int rc;

	if ((rc = crypto_csr_verify(a->ctx, csr, len, info)) != 0) return admin_fail(r->id, rc);
	if ((rc = crypto_device_id_make(a->ctx, info->sig_id, info->pk, info->pklen, device)))
		return admin_fail(r->id, rc);
	if (strcmp(info->user, r->user) != 0 || strcmp(info->unit, r->unit) != 0 ||
	    strcmp(device, r->device) != 0)
		return admin_failf(r->id, "the stored request no longer matches its record");
	return 0;
}

int cmd_admin_sign(struct admin *a, int argc, char **argv)
{
	const char *id = NULL, *days_s = NULL, *out = NULL, *by = "unit";
	const struct admin_opt opts[] = { { "--days", &days_s, NULL },
		                          { "--out", &out, NULL },
		                          { "--issuer", &by, NULL } };
	struct crypto_csr_info info;
	struct admin_request r;
	struct admin_ca ca;
	uint8_t *csr = NULL, *der = NULL;
	size_t csrlen = 0, len = 0;
	uint64_t days = CRYPTO_PKI_DEVICE_DAYS;
	int rc;

	if ((rc = admin_args("sign REQ [--days N] [--out FILE] [--issuer unit|root]", argc, argv,
	                     opts, ARRAY_LEN(opts), &id, 1, 1)) != 0)
		return rc;
	if (strcmp(by, "unit") != 0 && strcmp(by, "root") != 0)
		return admin_failf("--issuer", "unit (the unit CA covering the device) or root");
	if (days_s != NULL && admin_number(days_s, DEVICE_MAX_DAYS, &days) != 0)
		return admin_failf("--days", "1 to %d", DEVICE_MAX_DAYS);
	memset(&ca, 0, sizeof(ca));
	if ((rc = admin_request_load(a, id, &r, &csr, &csrlen)) != 0) {
		rc = rc == KENH_E_EXISTS
		             ? admin_failf(id, "more than one request starts so")
		             : admin_failf(id, "no such request (kenh-admin requests list)");
		goto out;
	}
	if (strcmp(r.status, "pending") != 0) {
		rc = admin_failf(r.id, "already %s", r.status);
		goto out;
	}
	if (strcmp(r.kind, "renew") == 0) {
		/* A renewal: same key and identity as the device's certificate (cmd_admin_renew.c). */
		rc = admin_renew_sign(a, &r, span_make(csr, csrlen), days, out);
		goto out;
	}
	if ((rc = recheck(a, &r, csr, csrlen, &info)) != 0) goto out;
	rc = issue(a, &info, r.device, days, strcmp(by, "root") == 0, &ca, &der, &len);
	if (rc != 0) goto out;
	if ((rc = record(a, &r, &ca, der, len, out)) != 0) goto out;
	rc = deliver(a, &r, der, len);
out:
	admin_ca_free(&ca);
	mem_free(csr);
	mem_free(der);
	return rc;
}
