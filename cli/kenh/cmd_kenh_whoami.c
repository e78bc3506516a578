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
#include "proto/proto.h"
#include "util/mem.h"

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

/*
 * kenh crl-upload FILE: hand a CRL from the authority to the relay
 * (docs/protocol.md CRL_UPLOAD): any device may carry it, because the relay
 * trusts the CRL's signature, not the uploader.
 */
int cmd_kenh_crl_upload(struct kenh_app *a, int argc, char **argv)
{
	struct proto_crl_upload req;
	struct proto_crl_upload_resp resp;
	uint8_t *crl = NULL;
	size_t len = 0;
	int rc;

	if (argc != 2) return kenh_usage("crl-upload FILE");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	if ((rc = cli_file_read(argv[1], CRYPTO_PKI_MAX_CRL_DER, &crl, &len)) != 0)
		return kenh_fail(argv[1], rc);
	req.crl = span_make(crl, len);
	rc = kenh_net_call(a, PROTO_CRL_UPLOAD, &proto_desc_crl_upload, &req,
	                   &proto_desc_crl_upload_resp, &resp, sizeof(resp), NULL);
	mem_free(crl);
	if (rc != 0) return kenh_fail("crl-upload", rc);
	printf("CRL number %llu with %u revoked certificate(s) accepted by the relay\n",
	       (unsigned long long)resp.crl_number, resp.revoked);
	return 0;
}
