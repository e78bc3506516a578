/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-admin devices [USER]: every device certificate the authority has
 * issued, with its state (valid, expired, revoked) from the admin
 * folder's CRLs, newest last; the ids to give to renew, revoke and wipe.
 */
#include "admin.h"

#include "util/compat.h"

#include "../common/cli.h"
#include "util/mem.h"

struct row {
	struct crypto_cert_info info;
	bool revoked;
};

struct rows {
	const char *user;
	struct row *r;
	size_t n;
};

static int collect(struct admin *a, const uint8_t *der, size_t len,
                   const struct crypto_cert_info *info, void *arg)
{
	struct rows *rows = arg;
	void *grown = NULL;
	int rc;

	(void)der;
	(void)len;
	if (rows->user != NULL && strcmp(info->user, rows->user) != 0) return 0;
	if ((rc = mem_grow(rows->r, rows->n + 1, sizeof(*rows->r), &grown)) != 0) return rc;
	rows->r = grown;
	rows->r[rows->n].info = *info;
	rows->r[rows->n].revoked = admin_cert_revoked(a, info);
	rows->n++;
	return 0;
}

static int by_user_device_time(const void *x, const void *y)
{
	const struct crypto_cert_info *p = &((const struct row *)x)->info;
	const struct crypto_cert_info *q = &((const struct row *)y)->info;
	int c = strcmp(p->user, q->user);

	if (c == 0) c = strcmp(p->device, q->device);
	if (c == 0) c = (p->not_after > q->not_after) - (p->not_after < q->not_after);
	return c;
}

int cmd_admin_devices(struct admin *a, int argc, char **argv)
{
	struct rows rows = { NULL, NULL, 0 };
	char until[32], serial[41];
	const char *state;
	size_t i;
	int rc;

	if ((rc = admin_args("devices [USER]", argc, argv, NULL, 0, &rows.user, 0, 1)) != 0)
		return rc;
	if ((rc = admin_certs_each(a, collect, &rows)) != 0) {
		mem_free(rows.r);
		return admin_fail("certs", rc);
	}
	qsort(rows.r, rows.n, sizeof(*rows.r), by_user_device_time);
	printf("%-16s  %-20s  %-24s  %-8s  %-20s  %s\n", "DEVICE", "USER", "UNIT", "STATE",
	       "VALID UNTIL", "SERIAL");
	for (i = 0; i < rows.n; i++) {
		const struct crypto_cert_info *d = &rows.r[i].info;

		state = rows.r[i].revoked ? "revoked" : a->now > d->not_after ? "expired" : "valid";
		cli_time_format(d->not_after, until, sizeof(until));
		crypto_serial_hex(&d->serial, serial, sizeof(serial));
		printf("%-16s  %-20s  %-24s  %-8s  %-20s  %s\n", d->device, d->user, d->unit, state,
		       until, serial);
	}
	mem_free(rows.r);
	return 0;
}
