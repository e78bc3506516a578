/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-relayc: the relay's test and load client (see relayc.h).
 *
 *   kenh-relayc pki ...
 *   kenh-relayc [--host H] [--port P] [--cert C.der] [--key C.key] [--ca CA.pem]
 *               [--timeout MS] COMMAND ARGS...
 *
 * COMMAND: ping, kp-upload N, create GROUP, dir UNIT, add GROUP LEAF DEVICE...,
 * remove GROUP LEAF LEAF..., commit GROUP LEAF EPOCH, send GROUP N PREFIX,
 * load GROUP SECONDS LOG PREFIX [RATE], recv ..., crl-upload FILE, commit-gi GROUP LEAF PK,
 * commit-ref GROUP LEAF REF..., enroll-submit CSR, enroll-fetch TICKET OUT (both without
 * --cert), enroll-list DIR, enroll-issue TICKET CERT, bench-fanout ..., bench-idle ...,
 * hostile ...
 */
#include "relayc.h"

#include "util/compat.h"

#include <signal.h>

#include "kenh/kenh.h"

static int atoi_safe(const char *s)
{
	long v = strtol(s, NULL, 10);

	return v > 0 && v < 3600000 ? (int)v : 10000;
}

int main(int argc, char **argv)
{
	struct rc_opts o = { "127.0.0.1", "4433", NULL, NULL, NULL, 10000, NULL };
	struct kenh_ctx *ctx = NULL;
	int i, rc;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* A relay that closes on us is an answer to report, not a reason to die. */
	signal(SIGPIPE, SIG_IGN);
	for (i = 1; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
		if (strcmp(argv[i], "--host") == 0)
			o.host = argv[i + 1];
		else if (strcmp(argv[i], "--port") == 0)
			o.port = argv[i + 1];
		else if (strcmp(argv[i], "--cert") == 0)
			o.cert = argv[i + 1];
		else if (strcmp(argv[i], "--key") == 0)
			o.key = argv[i + 1];
		else if (strcmp(argv[i], "--ca") == 0)
			o.ca = argv[i + 1];
		else if (strcmp(argv[i], "--timeout") == 0)
			o.timeout_ms = atoi_safe(argv[i + 1]);
		else if (strcmp(argv[i], "--bind") == 0)
			o.bind = argv[i + 1];
		else
			break;
	}
	if (i >= argc) {
		fprintf(stderr, "usage: kenh-relayc [options] COMMAND ...\n");
		return 2;
	}
	if (kenh_ctx_new(&ctx) != 0) return 1;
	if (strcmp(argv[i], "pki") == 0)
		rc = rc_pki_main(ctx, argc - i - 1, argv + i + 1) ? 1 : 0;
	else if (strcmp(argv[i], "hostile") == 0)
		rc = rc_hostile_main(&o, argc - i - 1, argv + i + 1);
	else if (o.ca == NULL)
		rc = 2;
	else
		rc = rc_cmd_main(ctx, &o, argc - i, argv + i);
	kenh_ctx_free(ctx);
	return rc;
}
