/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Certificate renewal by the authority (DESIGN §6: lifetimes are short and
 * renewal is a command; docs/pki.md "Renewal"). Two ways in:
 *
 *   kenh-admin renew DEVICE [--days N] [--out FILE] [--send]
 *       a new certificate for the device's existing key and identity, with
 *       a new serial and lifetime, on the authority's own initiative;
 *       --send hands it to the relay (RENEW_SUBMIT), which delivers it to
 *       the device's inbox;
 *   a renewal request the device sent over its own connection
 *       (kenh renew), collected by `requests fetch` (admin_renew_import)
 *       and approved by `sign` (admin_renew_sign), which hands the
 *       certificate back to the relay for that device (ENROLL_ISSUE).
 *
 * Either way the authority checks that the device is one it knows, that
 * its certificate is not revoked (a revoked device must enroll again with
 * a new key), and, for a request, that it carries the same key, user,
 * unit and device id as a certificate issued to that device. Every
 * renewal is audited as "renew". The old certificate stays valid until it
 * expires.
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

/* Store, audit ("renew", with the request id if any) and report a renewed certificate. */
static int record(struct admin *a, const struct crypto_cert_info *old, const struct admin_ca *ca,
                  struct kenh_span der, const char *out, const char *request)
{
	char details[ADMIN_DETAILS] = "", path[ADMIN_PATH], until[32], serial[41], prev[41];
	struct crypto_cert_info info;
	int rc;

	if ((rc = crypto_cert_parse(a->ctx, der.p, der.len, &info)) != 0)
		return admin_fail("renew", rc);
	if ((rc = admin_cert_store(a, der.p, der.len, &info, path)) != 0)
		return admin_fail("certs", rc);
	if (out != NULL && (rc = cli_file_write(out, der.p, der.len, true, false)) != 0)
		return admin_fail(out, rc);
	crypto_serial_hex(&info.serial, serial, sizeof(serial));
	crypto_serial_hex(&old->serial, prev, sizeof(prev));
	cli_time_format(info.not_after, until, sizeof(until));
	if ((request != NULL && admin_kv(details, "request", request) != 0) ||
	    admin_kv(details, "device", info.device) != 0 ||
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

/* The device's newest certificate that is not revoked; a clear line if there is none. */
static int current_cert(struct admin *a, const char *device, uint8_t **der, size_t *len,
                        struct crypto_cert_info *info)
{
	int rc = admin_device_cert(a, device, true, der, len, info);

	if (rc == KENH_E_NOT_FOUND) {
		rc = admin_device_cert(a, device, false, der, len, info);
		mem_free(*der);
		*der = NULL;
		return rc == 0 ? admin_failf(device, "revoked: enroll the device again")
		               : admin_failf(device, "no certificate was issued to this device");
	}
	return rc != 0 ? admin_fail("certs", rc) : 0;
}

/* "unit/user/device" of a certificate. */
static void device_name(const struct crypto_cert_info *ci, char *out, size_t cap)
{
	snprintf(out, cap, "%s/%s/%s", ci->unit, ci->user, ci->device);
}

int cmd_admin_renew(struct admin *a, int argc, char **argv)
{
	const char *device = NULL, *days_s = NULL, *out = NULL;
	bool send = false;
	const struct admin_opt opts[] = { { "--days", &days_s, NULL },
		                          { "--out", &out, NULL },
		                          { "--send", NULL, &send } };
	struct crypto_cert_info old;
	struct admin_ca ca;
	char name[256];
	uint8_t *cur = NULL, *der = NULL;
	size_t curlen = 0, len = 0;
	uint64_t days = CRYPTO_PKI_DEVICE_DAYS;
	int rc;

	if ((rc = admin_args("renew DEVICE [--days N] [--out FILE] [--send]", argc, argv, opts,
	                     ARRAY_LEN(opts), &device, 1, 1)) != 0)
		return rc;
	if (days_s != NULL && admin_number(days_s, DEVICE_MAX_DAYS, &days) != 0)
		return admin_failf("--days", "1 to %d", DEVICE_MAX_DAYS);
	if (send && !admin_relay_configured(a))
		return admin_failf("--send", "no relay is configured (kenh-admin relay set)");
	memset(&ca, 0, sizeof(ca));
	if ((rc = current_cert(a, device, &cur, &curlen, &old)) != 0) goto out;
	if ((rc = reissue(a, &old, days, &ca, &der, &len)) != 0) goto out;
	if ((rc = record(a, &old, &ca, span_make(der, len), out, NULL)) != 0) goto out;
	device_name(&old, name, sizeof(name));
	if (send) rc = admin_relay_renew(a, name, der, len);
out:
	admin_ca_free(&ca);
	mem_free(cur);
	mem_free(der);
	return rc;
}

/*
 * The request must renew a certificate this authority issued to the same
 * device, for the same key, user and unit, and not revoked. Prints why not
 * (exit status 1). *cur is the device's current certificate.
 */
static int check_request(struct admin *a, const char *what, const struct crypto_renew_info *ri,
                         struct crypto_cert_info *cur)
{
	char serial[41], p[ADMIN_PATH];
	struct crypto_cert_info renewed;
	uint8_t *der = NULL;
	size_t len = 0;
	int rc;

	if ((rc = current_cert(a, ri->device, &der, &len, cur)) != 0) return rc;
	mem_free(der);
	der = NULL;
	if (ri->sig_id != cur->sig_id || ri->pklen != cur->pklen ||
	    memcmp(ri->pk, cur->pk, cur->pklen) != 0)
		return admin_failf(what, "the request carries another key than device %s's",
		                   ri->device);
	if (strcmp(ri->user, cur->user) != 0 || strcmp(ri->unit, cur->unit) != 0)
		return admin_failf(what, "the request names %s in %s, but device %s is %s in %s",
		                   ri->user, ri->unit, ri->device, cur->user, cur->unit);
	/* The certificate it renews: ours, for this device, not revoked. */
	crypto_serial_hex(&ri->serial, serial, sizeof(serial));
	if ((rc = admin_path(a, p, "certs/%s.crt", serial)) != 0) return admin_fail(p, rc);
	if (cli_file_read(p, CRYPTO_PKI_MAX_CERT_DER, &der, &len) != 0 ||
	    crypto_cert_parse(a->ctx, der, len, &renewed) != 0 ||
	    strcmp(renewed.device, ri->device) != 0)
		rc = admin_failf(what, "certificate %s was not issued to device %s", serial,
		                 ri->device);
	else if (admin_cert_revoked(a, &renewed))
		rc = admin_failf(what, "certificate %s is revoked", serial);
	mem_free(der);
	return rc;
}

int admin_renew_import(struct admin *a, const char *ticket, const char *sender,
                       struct kenh_span csr, bool *refused)
{
	char details[ADMIN_DETAILS] = "", what[64], name[256];
	struct crypto_renew_info ri;
	struct crypto_cert_info cur;
	struct admin_request r;
	int rc;

	*refused = false;
	snprintf(what, sizeof(what), "renewal of ticket %.8s", ticket);
	if ((rc = crypto_renew_csr_verify(a->ctx, csr.p, csr.len, &ri)) != 0) {
		*refused = true;
		return admin_failf(what, "not a valid renewal request: %s", kenh_strerror(rc));
	}
	/* The relay bound the request to the device that sent it: they must agree. */
	snprintf(name, sizeof(name), "%s/%s/%s", ri.unit, ri.user, ri.device);
	if (strcmp(name, sender) != 0) {
		*refused = true;
		return admin_failf(what, "sent by %s but names %s", sender, name);
	}
	if (check_request(a, what, &ri, &cur) != 0) {
		*refused = true;
		return 1;
	}
	memset(&r, 0, sizeof(r));
	admin_hex(ri.id, ADMIN_ID_HEX / 2, r.id);
	snprintf(r.status, sizeof(r.status), "pending");
	snprintf(r.kind, sizeof(r.kind), "renew");
	snprintf(r.user, sizeof(r.user), "%s", ri.user);
	snprintf(r.unit, sizeof(r.unit), "%s", ri.unit);
	snprintf(r.device, sizeof(r.device), "%s", ri.device);
	snprintf(r.ticket, sizeof(r.ticket), "%s", ticket);
	crypto_serial_hex(&ri.serial, r.previous, sizeof(r.previous));
	r.imported = a->now;
	if ((rc = admin_request_save(a, &r, csr.p, csr.len)) != 0) return admin_fail("request", rc);
	if (admin_kv(details, "request", r.id) != 0 || admin_kv(details, "kind", "renew") != 0 ||
	    admin_kv(details, "device", r.device) != 0 ||
	    admin_kv(details, "previous", r.previous) != 0 || admin_kv(details, "ticket", ticket))
		return admin_fail("audit", KENH_E_TOO_LARGE);
	if ((rc = admin_audit(a, "import", details)) != 0) return rc;
	printf("imported renewal request %s of device %s (%s in %s)\n", r.id, r.device, r.user,
	       r.unit);
	printf("approve it with: kenh-admin sign %s\n", r.id);
	return 0;
}

/* Hand the certificate back for the ticket; the relay puts it into the device's inbox. */
static int deliver(struct admin *a, const struct admin_request *r, struct kenh_span der)
{
	if (!admin_relay_configured(a)) {
		printf("the request came through a relay, but none is configured (kenh-admin "
		       "relay set)\n");
		return 0;
	}
	if (admin_relay_issue(a, r->ticket, der.p, der.len) != 0) {
		fprintf(stderr, "kenh-admin: the certificate is issued; kenh-admin requests fetch "
		                "hands it to the relay later\n");
		return 1;
	}
	printf("handed to the relay: device %s installs it at its next sync\n", r->device);
	return 0;
}

int admin_renew_sign(struct admin *a, struct admin_request *r, struct kenh_span csr, uint64_t days,
                     const char *out)
{
	struct crypto_renew_info ri;
	struct crypto_cert_info cur;
	struct admin_ca ca;
	uint8_t *der = NULL;
	size_t len = 0;
	int rc;

	memset(&ca, 0, sizeof(ca));
	/* The request sat on disk: check it again, against the certificates as they are now. */
	if ((rc = crypto_renew_csr_verify(a->ctx, csr.p, csr.len, &ri)) != 0)
		return admin_fail(r->id, rc);
	if (strcmp(ri.device, r->device) != 0)
		return admin_failf(r->id, "the stored request no longer matches its record");
	if ((rc = check_request(a, r->id, &ri, &cur)) != 0) return rc;
	if ((rc = reissue(a, &cur, days, &ca, &der, &len)) != 0) goto out;
	if ((rc = record(a, &cur, &ca, span_make(der, len), out, r->id)) != 0) goto out;
	if ((rc = crypto_cert_parse(a->ctx, der, len, &cur)) != 0) {
		rc = admin_fail(r->id, rc);
		goto out;
	}
	crypto_serial_hex(&cur.serial, r->serial, sizeof(r->serial));
	snprintf(r->status, sizeof(r->status), "signed");
	r->decided = a->now;
	if ((rc = admin_request_save(a, r, NULL, 0)) != 0) {
		rc = admin_fail("request", rc);
		goto out;
	}
	rc = r->ticket[0] != '\0' ? deliver(a, r, span_make(der, len)) : 0;
out:
	admin_ca_free(&ca);
	mem_free(der);
	return rc;
}
