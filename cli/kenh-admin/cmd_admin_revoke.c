/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-admin revoke DEVICE|USER --reason TEXT: revoke every certificate of
 * a device, or of every device of a user (DESIGN §6), by writing new CRLs
 * (RFC 5280 §5) for the CAs that issued them. The reason's first word, if
 * it is one we know ("lost", "stolen", "left", "replaced", "retired", ...),
 * becomes the CRL reason code (RFC 5280 §5.3.1); the whole text goes to
 * the audit log. With a relay configured, the new CRLs are uploaded to it
 * at once (CRL_UPLOAD, docs/protocol.md §5), and it cuts the revoked
 * devices off; `kenh-admin crl upload` repeats that if it failed.
 */
#include "admin.h"

#include "util/compat.h"

#include <strings.h>

#include "../common/cli.h"
#include "util/mem.h"

static const struct {
	const char *word;
	enum crypto_crl_reason code;
} reasons[] = {
	{ "key-compromise", CRYPTO_CRL_KEY_COMPROMISE },
	{ "compromised", CRYPTO_CRL_KEY_COMPROMISE },
	{ "lost", CRYPTO_CRL_KEY_COMPROMISE },
	{ "stolen", CRYPTO_CRL_KEY_COMPROMISE },
	{ "affiliation-changed", CRYPTO_CRL_AFFILIATION_CHANGED },
	{ "left", CRYPTO_CRL_AFFILIATION_CHANGED },
	{ "transferred", CRYPTO_CRL_AFFILIATION_CHANGED },
	{ "superseded", CRYPTO_CRL_SUPERSEDED },
	{ "replaced", CRYPTO_CRL_SUPERSEDED },
	{ "cessation", CRYPTO_CRL_CESSATION },
	{ "retired", CRYPTO_CRL_CESSATION },
};

static enum crypto_crl_reason reason_code(const char *text)
{
	size_t n = strcspn(text, " "), i;

	for (i = 0; i < ARRAY_LEN(reasons); i++)
		if (strlen(reasons[i].word) == n && strncasecmp(text, reasons[i].word, n) == 0)
			return reasons[i].code;
	return CRYPTO_CRL_UNSPECIFIED;
}

/* The certificates that match the target, as a device id and as a user. */
struct matches {
	const char *target;
	struct crypto_cert_info *dev, *usr;
	size_t ndev, nusr;
	size_t revoked; /* matching certificates already revoked */
};

static int push(struct crypto_cert_info **arr, size_t *n, const struct crypto_cert_info *info)
{
	void *grown = NULL;
	int rc;

	if ((rc = mem_grow(*arr, *n + 1, sizeof(**arr), &grown)) != 0) return rc;
	*arr = grown;
	(*arr)[(*n)++] = *info;
	return 0;
}

static int match(struct admin *a, const uint8_t *der, size_t len,
                 const struct crypto_cert_info *info, void *arg)
{
	struct matches *m = arg;
	int rc = 0;

	(void)der;
	(void)len;
	if (strcmp(info->device, m->target) != 0 && strcmp(info->user, m->target) != 0) return 0;
	if (admin_cert_revoked(a, info)) {
		m->revoked++;
		return 0;
	}
	if (strcmp(info->device, m->target) == 0) rc = push(&m->dev, &m->ndev, info);
	if (rc == 0 && strcmp(info->user, m->target) == 0) rc = push(&m->usr, &m->nusr, info);
	return rc;
}

/* Revoke the certificates of one issuer (those of list with done[i] false and that issuer). */
static int revoke_issuer(struct admin *a, const struct crypto_cert_info *list, size_t n, bool *done,
                         const char *issuer, enum crypto_crl_reason reason)
{
	struct crypto_crl_entry *e = NULL;
	struct admin_ca ca;
	void *mem = NULL;
	size_t i, k = 0;
	int rc;

	if ((rc = admin_ca_load(a, issuer, &ca)) != 0)
		return admin_fail(issuer[0] ? issuer : "root", rc);
	if ((rc = mem_calloc(n, sizeof(*e), &mem)) != 0) goto out;
	e = mem;
	for (i = 0; i < n; i++) {
		if (done[i] || strcmp(list[i].issuer, issuer) != 0) continue;
		e[k].serial = list[i].serial;
		e[k].revoked_at = a->now;
		e[k].reason = reason;
		k++;
		done[i] = true;
	}
	if ((rc = admin_ca_key(a, &ca)) != 0) goto out;
	if ((rc = admin_crl_update(a, &ca, e, k)) != 0) {
		rc = admin_fail("CRL", rc);
		goto out;
	}
	printf("new CRL of %s: %zu certificate(s) added\n", admin_ca_name(&ca), k);
out:
	mem_free(e);
	admin_ca_free(&ca);
	return rc;
}

static int record(struct admin *a, const char *target, const char *kind,
                  const struct crypto_cert_info *list, size_t n, const char *reason)
{
	char details[ADMIN_DETAILS] = "", serials[ADMIN_DETAILS / 2] = "", hex[41];
	size_t i, o = 0;

	for (i = 0; i < n && o + sizeof(hex) + 1 < sizeof(serials); i++) {
		crypto_serial_hex(&list[i].serial, hex, sizeof(hex));
		o += (size_t)snprintf(serials + o, sizeof(serials) - o, "%s%s", i ? "," : "", hex);
	}
	if (admin_kv(details, kind, target) != 0 || admin_kv(details, "serials", serials) != 0 ||
	    admin_kv(details, "reason", reason) != 0)
		return admin_fail("audit", KENH_E_TOO_LARGE);
	return admin_audit(a, "revoke", details);
}

/* Hand the new CRL of every issuer concerned to the relay. */
static int upload(struct admin *a, const struct crypto_cert_info *list, size_t n)
{
	size_t i, j;
	int rc = 0;

	if (!admin_relay_configured(a)) {
		printf("no relay configured: give the new CRLs to the relay (kenh-admin relay "
		       "set, then kenh-admin crl upload)\n");
		return 0;
	}
	for (i = 0; i < n && rc == 0; i++) {
		for (j = 0; j < i && strcmp(list[j].issuer, list[i].issuer) != 0; j++)
			continue;
		if (j == i) rc = admin_relay_crl(a, list[i].issuer);
	}
	if (rc != 0) fprintf(stderr, "kenh-admin: upload the CRLs later: kenh-admin crl upload\n");
	return rc;
}

static int revoke_all(struct admin *a, const char *target, const char *kind,
                      const struct crypto_cert_info *list, size_t n, const char *reason)
{
	void *mem = NULL;
	bool *done;
	size_t i;
	int rc;

	if ((rc = admin_root_key(a)) != 0) return rc;
	if ((rc = mem_calloc(n, sizeof(*done), &mem)) != 0) return admin_fail("revoke", rc);
	done = mem;
	for (i = 0; rc == 0 && i < n; i++)
		if (!done[i])
			rc = revoke_issuer(a, list, n, done, list[i].issuer, reason_code(reason));
	mem_free(mem);
	if (rc != 0) return rc;
	if ((rc = record(a, target, kind, list, n, reason)) != 0) return rc;
	printf("revoked %zu certificate(s) of %s %s\n", n, kind, target);
	return upload(a, list, n);
}

int cmd_admin_revoke(struct admin *a, int argc, char **argv)
{
	const char *target = NULL, *reason = NULL;
	const struct admin_opt opts[] = { { "--reason", &reason, NULL } };
	struct matches m = { NULL, NULL, NULL, 0, 0, 0 };
	int rc;

	if ((rc = admin_args("revoke DEVICE|USER --reason TEXT", argc, argv, opts, ARRAY_LEN(opts),
	                     &target, 1, 1)) != 0)
		return rc;
	if (reason == NULL || reason[0] == '\0')
		return admin_failf("revoke", "--reason TEXT is required");
	m.target = target;
	if ((rc = admin_certs_each(a, match, &m)) != 0) {
		rc = admin_fail("certs", rc);
	} else if (m.ndev > 0 && m.nusr > 0) {
		rc = admin_failf(target, "is both a device id and a user name; nothing revoked");
	} else if (m.ndev > 0) {
		rc = revoke_all(a, target, "device", m.dev, m.ndev, reason);
	} else if (m.nusr > 0) {
		rc = revoke_all(a, target, "user", m.usr, m.nusr, reason);
	} else if (m.revoked > 0) {
		rc = admin_failf(target, "already revoked; nothing to do");
	} else {
		rc = admin_failf(target, "no device or user of that name (kenh-admin devices)");
	}
	mem_free(m.dev);
	mem_free(m.usr);
	return rc;
}
