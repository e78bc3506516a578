/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-admin requests import FILE, requests list [--all]: certificate
 * requests made on a device (DESIGN §6, docs/pki.md "Request binding").
 * Import checks the request's self-signature and its binding to an
 * enrollment code, finds the code by the key the binding names, and
 * refuses a wrong, used or expired code, or a request for another user or
 * unit than the code's, with a clear reason; each refusal is recorded,
 * and too many refuse further attempts for a while. An accepted request
 * uses up its code and waits for `sign` or `reject`.
 */
#include "admin.h"

#include "util/compat.h"

#include "../common/cli.h"
#include "util/mem.h"

/* Refuse an enrollment attempt: record it, audit it, say why. Returns exit status 1. */
static int refuse(struct admin *a, const char *user, const char *what, const char *reason)
{
	char details[ADMIN_DETAILS] = "";

	if (admin_refusal_record(a, user, what) != 0)
		fprintf(stderr, "kenh-admin: refusals.log: cannot record this refusal\n");
	if (admin_kv(details, "user", user) == 0 && admin_kv(details, "reason", what) == 0)
		(void)admin_audit(a, "refuse", details);
	return admin_failf("requests import", "%s", reason);
}

/* The code named by the request must be open, unexpired, and for this user and unit. */
static int check_code(struct admin *a, const struct crypto_csr_info *info, struct admin_code *c)
{
	char when[32], why[2 * (CRYPTO_PKI_MAX_USER + CRYPTO_PKI_MAX_UNIT) + 96];
	int rc = admin_code_load(a, info->code_key, c);

	if (rc == KENH_E_NOT_FOUND)
		return refuse(a, info->user, "unknown-code", "enrollment code is wrong or unknown");
	if (rc != 0) return admin_fail("code record", rc);
	if (strcmp(c->state, "open") != 0) {
		snprintf(why, sizeof(why), "enrollment code already used (by request %s)",
		         c->request);
		return refuse(a, info->user, "code-used", why);
	}
	if (a->now > c->expires) {
		cli_time_format(c->expires, when, sizeof(when));
		snprintf(why, sizeof(why), "enrollment code expired at %s", when);
		return refuse(a, info->user, "code-expired", why);
	}
	if (strcmp(c->user, info->user) != 0 || strcmp(c->unit, info->unit) != 0) {
		snprintf(why, sizeof(why),
		         "the request is for %s in %s but the code was made for %s in %s",
		         info->user, info->unit, c->user, c->unit);
		return refuse(a, info->user, "code-mismatch", why);
	}
	return 0;
}

/* Over the refusal limit for this claimed user (or in all): say until when. */
static bool limited(struct admin *a, const char *user)
{
	char when[32];
	uint64_t until;

	if (!admin_refusal_limited(a, user, &until)) return false;
	cli_time_format(until, when, sizeof(when));
	admin_failf("requests import",
	            "too many refused enrollment attempts (for %s, or in all); try again after %s",
	            user, when);
	return true;
}

static int accept(struct admin *a, const struct crypto_csr_info *info, struct admin_code *c,
                  const uint8_t *der, size_t len)
{
	char details[ADMIN_DETAILS] = "";
	struct admin_request r;
	int rc;

	memset(&r, 0, sizeof(r));
	admin_hex(info->id, ADMIN_ID_HEX / 2, r.id);
	snprintf(r.status, sizeof(r.status), "pending");
	snprintf(r.user, sizeof(r.user), "%s", info->user);
	snprintf(r.unit, sizeof(r.unit), "%s", info->unit);
	admin_hex(info->code_key, CRYPTO_ENROLL_KEY_LEN, r.code);
	r.imported = a->now;
	if ((rc = crypto_device_id_make(a->ctx, info->sig_id, info->pk, info->pklen, r.device)))
		return admin_fail("request", rc);
	/*
	 * One use: the code is spent by this request whatever the authority
	 * decides. Spent first, so a crash in between loses a code, never reuses one.
	 */
	if ((rc = admin_code_use(a, info->code_key, c, r.id)) != 0)
		return admin_fail("code record", rc);
	if ((rc = admin_request_save(a, &r, der, len)) != 0) return admin_fail("request", rc);
	if (admin_kv(details, "request", r.id) != 0 || admin_kv(details, "user", r.user) != 0 ||
	    admin_kv(details, "unit", r.unit) != 0 || admin_kv(details, "device", r.device) != 0)
		return admin_fail("audit", KENH_E_TOO_LARGE);
	if ((rc = admin_audit(a, "import", details)) != 0) return rc;
	printf("imported request %s: user %s in %s, %s key, device id %s\n", r.id, r.user, r.unit,
	       admin_sig_name(info->sig_id), r.device);
	printf("approve it with: kenh-admin sign %s\n", r.id);
	return 0;
}

int cmd_admin_requests_import(struct admin *a, int argc, char **argv)
{
	const char *file = NULL;
	struct crypto_csr_info info;
	struct admin_request old;
	struct admin_code c;
	uint8_t *der = NULL;
	char id[ADMIN_ID_HEX + 1], why[256];
	size_t len = 0;
	int rc;

	if ((rc = admin_args("requests import FILE", argc, argv, NULL, 0, &file, 1, 1)) != 0)
		return rc;
	if ((rc = cli_file_read(file, CRYPTO_PKI_MAX_CSR_DER, &der, &len)) != 0)
		return admin_fail(file, rc);
	if ((rc = admin_root_key(a)) != 0) goto out;
	if ((rc = crypto_csr_verify(a->ctx, der, len, &info)) != 0) {
		if (limited(a, "-")) {
			rc = 1;
		} else {
			snprintf(why, sizeof(why), "not a valid certificate request: %s",
			         kenh_strerror(rc));
			rc = refuse(a, "-", "bad-request", why);
		}
		goto out;
	}
	if (limited(a, info.user)) {
		rc = 1;
		goto out;
	}
	admin_hex(info.id, ADMIN_ID_HEX / 2, id);
	if (admin_request_load(a, id, &old, NULL, NULL) == 0) {
		rc = admin_failf("requests import", "already imported as request %s (%s)", id,
		                 old.status);
		goto out;
	}
	if ((rc = check_code(a, &info, &c)) == 0) rc = accept(a, &info, &c, der, len);
out:
	mem_free(der);
	return rc;
}

static int list_one(struct admin *a, const struct admin_request *r, void *arg)
{
	const bool *all = arg;
	char when[32];

	(void)a;
	if (!*all && strcmp(r->status, "pending") != 0) return 0;
	cli_time_format(r->imported, when, sizeof(when));
	printf("%-16s  %-8s  %-20s  %-24s  %-16s  %s\n", r->id, r->status, r->user, r->unit,
	       r->device, when);
	return 0;
}

int cmd_admin_requests_list(struct admin *a, int argc, char **argv)
{
	bool all = false;
	const struct admin_opt opts[] = { { "--all", NULL, &all } };
	int rc;

	if ((rc = admin_args("requests list [--all]", argc, argv, opts, ARRAY_LEN(opts), NULL, 0,
	                     0)) != 0)
		return rc;
	printf("%-16s  %-8s  %-20s  %-24s  %-16s  %s\n", "REQUEST", "STATUS", "USER", "UNIT",
	       "DEVICE", "IMPORTED");
	if ((rc = admin_requests_each(a, list_one, &all)) != 0) return admin_fail("requests", rc);
	return 0;
}
