/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-admin crl show: the CRL of the root and of every unit CA (RFC 5280
 * §5), each checked against the CA that signs it, with its entries and,
 * where the admin folder knows them, the device and user behind each
 * serial. kenh-admin crl upload: every one of them to the relay
 * (CRL_UPLOAD, docs/protocol.md §5); the relay keeps the newest of each CA.
 */
#include "admin.h"

#include "util/compat.h"

#include "../common/cli.h"
#include "util/mem.h"

/* Print who held a serial, if it is one of our device certificates. */
struct owner {
	const struct crypto_serial *serial;
	char text[CRYPTO_PKI_MAX_DEVICE + CRYPTO_PKI_MAX_USER + CRYPTO_PKI_MAX_UNIT + 16];
};

static int find_owner(struct admin *a, const uint8_t *der, size_t len,
                      const struct crypto_cert_info *info, void *arg)
{
	struct owner *o = arg;

	(void)a;
	(void)der;
	(void)len;
	if (crypto_serial_eq(&info->serial, o->serial))
		snprintf(o->text, sizeof(o->text), "device %s (%s in %s)", info->device, info->user,
		         info->unit);
	return 0;
}

static const char *reason_name(enum crypto_crl_reason r)
{
	switch (r) {
	case CRYPTO_CRL_UNSPECIFIED:
		return "unspecified";
	case CRYPTO_CRL_KEY_COMPROMISE:
		return "keyCompromise";
	case CRYPTO_CRL_AFFILIATION_CHANGED:
		return "affiliationChanged";
	case CRYPTO_CRL_SUPERSEDED:
		return "superseded";
	case CRYPTO_CRL_CESSATION:
		return "cessationOfOperation";
	}
	return "?";
}

static void show_entries(struct admin *a, const struct crypto_crl *crl, size_t count)
{
	struct crypto_crl_entry e;
	struct owner o;
	char serial[41], when[32];
	size_t i;

	for (i = 0; i < count; i++) {
		if (crypto_crl_entry_get(crl, i, &e) != 0) continue;
		crypto_serial_hex(&e.serial, serial, sizeof(serial));
		cli_time_format(e.revoked_at, when, sizeof(when));
		o.serial = &e.serial;
		snprintf(o.text, sizeof(o.text), "a unit CA or unknown certificate");
		if (admin_certs_each(a, find_owner, &o) != 0)
			snprintf(o.text, sizeof(o.text), "(certificates unreadable)");
		printf("    %s  revoked %s  %-20s  %s\n", serial, when, reason_name(e.reason),
		       o.text);
	}
}

static int show_one(struct admin *a, const char *unit, void *arg)
{
	char dir[ADMIN_PATH], p[ADMIN_PATH], t1[32], t2[32];
	struct crypto_crl_meta m;
	struct crypto_crl *crl = NULL;
	struct admin_ca ca;
	uint8_t *der = NULL;
	size_t len = 0;
	int rc;

	if ((rc = admin_ca_load(a, unit, &ca)) != 0) return rc;
	if ((rc = admin_ca_dir(a, unit, dir)) == 0)
		rc = cli_path(p, sizeof(p), "%s/%s", dir, unit[0] ? "ca.crl" : "root.crl");
	if (rc == 0) rc = cli_file_read(p, CRYPTO_PKI_MAX_CRL_DER, &der, &len);
	if (rc == 0) rc = crypto_crl_parse(a->ctx, der, len, &crl);
	if (rc == 0) rc = crypto_crl_verify(crl, ca.der, ca.len);
	if (rc != 0) {
		snprintf(p, sizeof(p), "CRL of %s", admin_ca_name(&ca));
		*(bool *)arg = admin_fail(p, rc) != 0;
	} else {
		crypto_crl_meta(crl, &m);
		cli_time_format(m.this_update, t1, sizeof(t1));
		cli_time_format(m.next_update, t2, sizeof(t2));
		printf("CRL of %s: number %llu, issued %s, next update %s, %zu revoked\n",
		       admin_ca_name(&ca), (unsigned long long)m.number, t1, t2, m.count);
		show_entries(a, crl, m.count);
	}
	crypto_crl_free(crl);
	mem_free(der);
	admin_ca_free(&ca);
	return 0;
}

int cmd_admin_crl_show(struct admin *a, int argc, char **argv)
{
	bool bad = false;
	int rc;

	if ((rc = admin_args("crl show", argc, argv, NULL, 0, NULL, 0, 0)) != 0) return rc;
	if ((rc = show_one(a, "", &bad)) != 0) return admin_fail("root", rc);
	if ((rc = admin_units_each(a, show_one, &bad)) != 0) return admin_fail("units", rc);
	return bad ? 1 : 0;
}

static int upload_one(struct admin *a, const char *unit, void *arg)
{
	int *status = arg;

	if (admin_relay_crl(a, unit) != 0) *status = 1;
	/* The connection may be gone: stop at the first transport failure. */
	return a->relay == NULL && *status != 0 ? 1 : 0;
}

int cmd_admin_crl_upload(struct admin *a, int argc, char **argv)
{
	int rc, status = 0;

	if ((rc = admin_args("crl upload", argc, argv, NULL, 0, NULL, 0, 0)) != 0) return rc;
	if ((rc = upload_one(a, "", &status)) == 0) rc = admin_units_each(a, upload_one, &status);
	return status != 0 || rc != 0 ? 1 : 0;
}
