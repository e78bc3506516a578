/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-admin verify CERT [--at TIME]: validate a device certificate the
 * way the relay and the clients will (crypto_trust_verify, docs/pki.md
 * "Validation") against this folder's root, unit CAs and CRLs, now or at
 * a given time, and say who it names or why it is refused.
 */
#include "admin.h"

#include "util/compat.h"

#include <time.h>

#include "../common/cli.h"
#include "util/mem.h"

/* Unix seconds, or a UTC date "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ". */
static int parse_time(const char *s, uint64_t *out)
{
	struct tm tm;
	int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, n = 0;
	time_t t;

	if (strspn(s, "0123456789") == strlen(s)) return admin_number(s, UINT32_MAX * 4ull, out);
	if (sscanf(s, "%4d-%2d-%2d%n", &y, &mo, &d, &n) != 3) return KENH_ERR(KENH_E_PARSE);
	if (s[n] != '\0' &&
	    (sscanf(s + n, "T%2d:%2d:%2dZ%n", &h, &mi, &sec, &n) != 3 || s[10 + (size_t)n] != '\0'))
		return KENH_ERR(KENH_E_PARSE);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60 ||
	    (t = timegm(&tm)) < 0)
		return KENH_ERR(KENH_E_PARSE);
	*out = (uint64_t)t;
	return 0;
}

static const char *refusal(int rc)
{
	switch (rc) {
	case KENH_E_REVOKED:
		return "revoked";
	case KENH_E_EXPIRED:
		return "outside its validity period (or a CA above it is)";
	case KENH_E_PERM:
		return "outside the subtree of the unit CA that signed it";
	case KENH_E_VERIFY:
		return "does not chain to this organization's root (or a signature or CRL is bad)";
	default:
		return kenh_strerror(rc);
	}
}

int cmd_admin_verify(struct admin *a, int argc, char **argv)
{
	const char *file = NULL, *at_s = NULL;
	const struct admin_opt opts[] = { { "--at", &at_s, NULL } };
	struct crypto_trust *t = NULL;
	struct crypto_cert_info id;
	char until[32], serial[41];
	uint8_t *der = NULL;
	uint64_t at = a->now;
	size_t len = 0;
	int rc;

	if ((rc = admin_args("verify CERT [--at TIME]", argc, argv, opts, ARRAY_LEN(opts), &file, 1,
	                     1)) != 0)
		return rc;
	if (at_s != NULL && parse_time(at_s, &at) != 0)
		return admin_failf("--at", "Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ");
	if ((rc = cli_file_read(file, CRYPTO_PKI_MAX_CERT_DER, &der, &len)) != 0)
		return admin_fail(file, rc);
	if ((rc = admin_trust(a, &t)) != 0) {
		rc = admin_fail("trust store", rc);
	} else if ((rc = crypto_trust_verify(t, der, len, at, &id)) != 0) {
		rc = admin_failf(file, "%s", refusal(rc));
	} else {
		cli_time_format(id.not_after, until, sizeof(until));
		crypto_serial_hex(&id.serial, serial, sizeof(serial));
		printf("valid: user %s, unit %s, device %s, %s key, serial %s, until %s\n", id.user,
		       id.unit, id.device, admin_sig_name(id.sig_id), serial, until);
	}
	crypto_trust_free(t);
	mem_free(der);
	return rc;
}
