/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh whoami (the device's identity from its certificate) and kenh
 * keypackages (how many one-time KeyPackages are held, and uploading more:
 * RFC 9420 §10, docs/protocol.md KP_UPLOAD).
 */
#include "kenh.h"

#include "util/compat.h"

#include <stdlib.h>

#include "../common/cli.h"

int cmd_kenh_whoami(struct kenh_app *a, int argc, char **argv)
{
	char serial[2 * CRYPTO_PKI_SERIAL_MAX + 1], until[32];
	int rc;

	(void)argv;
	if (argc != 1) return kenh_usage("whoami");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	crypto_serial_hex(&a->me.serial, serial, sizeof(serial));
	cli_time_format(a->me.not_after, until, sizeof(until));
	if (a->opt.json)
		printf("{\"org\":\"%s\",\"unit\":\"%s\",\"user\":\"%s\",\"device\":\"%s\","
		       "\"serial\":\"%s\",\"not_after\":%llu,\"relay\":\"%s\"}\n",
		       a->me.org, a->me.unit, a->me.user, a->me.device, serial,
		       (unsigned long long)a->me.not_after, a->relay);
	else
		printf("%s: user %s, unit %s, device %s\ncertificate %s, valid until %s\nrelay %s\n",
		       a->me.org, a->me.user, a->me.unit, a->me.device, serial, until, a->relay);
	return 0;
}

int cmd_kenh_keypackages(struct kenh_app *a, int argc, char **argv)
{
	size_t n = 0;
	int rc;

	if (argc != 1 && !(argc == 3 && strcmp(argv[1], "--upload") == 0))
		return kenh_usage("keypackages [--upload N]");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	if (argc == 3 && (rc = kenh_kp_upload(a, (size_t)strtoul(argv[2], NULL, 10), false)) != 0)
		return kenh_fail("upload", rc);
	if ((rc = kenh_kp_count(a, &n)) != 0) return kenh_fail("key packages", rc);
	printf("%zu one-time KeyPackages held\n", n);
	return 0;
}
