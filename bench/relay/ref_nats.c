/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The NATS reference of bench/relay: core NATS over TLS on 127.0.0.1, with
 * Debian's libnats (the C client).
 *
 *   ref_nats fanout PORT CA MESSAGES SIZE RECEIVERS
 *       RECEIVERS subscriber connections on one subject, one publisher;
 *       core NATS has no acknowledgement, so the publisher simply
 *       publishes (the client library buffers) and flushes at the end.
 *   ref_nats idle PORT CA COUNT PID
 *       COUNT connections: INFO, the TLS handshake, CONNECT and PING/PONG,
 *       then idle; the server's VmRSS per connection.
 */
#include "ref_common.h"

#include "util/compat.h"

#include <nats/nats.h>
#include <unistd.h>

#include "util/mem.h"

#define SUBJECT "kenh.bench"

static void on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *arg)
{
	const uint8_t *d = (const uint8_t *)natsMsg_GetData(msg);
	int len = natsMsg_GetDataLength(msg);

	(void)nc;
	(void)sub;
	if (len >= 8) ref_lat_add(arg, ref_stamp_age(d, (size_t)len));
	natsMsg_Destroy(msg);
}

static natsConnection *connect_tls(const char *port, const char *ca)
{
	natsOptions *o = NULL;
	natsConnection *nc = NULL;
	char url[64];

	snprintf(url, sizeof(url), "tls://127.0.0.1:%s", port);
	if (natsOptions_Create(&o) != NATS_OK || natsOptions_SetURL(o, url) != NATS_OK ||
	    natsOptions_SetSecure(o, true) != NATS_OK ||
	    natsOptions_LoadCATrustedCertificates(o, ca) != NATS_OK ||
	    natsOptions_SetMaxPendingMsgs(o, 1 << 20) != NATS_OK ||
	    natsConnection_Connect(&nc, o) != NATS_OK) {
		fprintf(stderr, "ref_nats: connect: %s\n", nats_GetLastError(NULL));
		exit(1);
	}
	natsOptions_Destroy(o);
	return nc;
}

static int fanout(const char *port, const char *ca, long messages, int size, int n)
{
	struct ref_lat *lat = ref_lat_new((size_t)messages * (size_t)n);
	natsConnection **subs = NULL, *pub;
	natsSubscription *sub;
	uint8_t payload[4096];
	uint64_t t0, deadline;
	long sent;
	int i;

	if (mem_calloc((size_t)n, sizeof(*subs), (void **)&subs) != 0) return 1;
	for (i = 0; i < n; i++) {
		subs[i] = connect_tls(port, ca);
		if (natsConnection_Subscribe(&sub, subs[i], SUBJECT, on_msg, lat) != NATS_OK)
			exit(1);
		natsSubscription_SetPendingLimits(sub, -1, -1);
		natsConnection_Flush(subs[i]);
	}
	pub = connect_tls(port, ca);
	memset(payload, 'x', sizeof(payload));
	t0 = ref_now_ns();
	for (sent = 0; sent < messages; sent++) {
		ref_stamp(payload);
		if (natsConnection_Publish(pub, SUBJECT, payload, size) != NATS_OK) exit(1);
	}
	natsConnection_Flush(pub);
	deadline = ref_now_ns() + 120000000000ull;
	while (ref_lat_count(lat) < (size_t)(messages * n) && ref_now_ns() < deadline)
		usleep(1000);
	ref_lat_report(lat, (size_t)n, (uint64_t)messages, t0);
	return ref_lat_count(lat) == (size_t)(messages * n) ? 0 : 1;
}

/* Read one line (up to \n) from fd or ssl; 0 on success. */
static int read_line(int fd, SSL *ssl, char *buf, size_t cap)
{
	size_t n = 0;

	while (n + 1 < cap) {
		int r = ssl ? SSL_read(ssl, buf + n, 1) : (int)read(fd, buf + n, 1);

		if (r <= 0) return -1;
		if (buf[n++] == '\n') break;
	}
	buf[n] = '\0';
	return 0;
}

/* NATS: INFO in clear, then TLS, then CONNECT and PING, answered by PONG. */
static int nats_idle_conn(SSL_CTX *ctx, const char *port, long i)
{
	static const char hello[] = "CONNECT {\"verbose\":false,\"pedantic\":false,"
	                            "\"tls_required\":true}\r\nPING\r\n";
	char line[4096];
	int fd = ref_tcp_connect(port);
	SSL *ssl;

	(void)i;
	if (fd < 0 || read_line(fd, NULL, line, sizeof(line)) != 0) return -1;
	if ((ssl = ref_tls_connect(ctx, port, &fd, fd)) == NULL) return -1;
	if (SSL_write(ssl, hello, (int)sizeof(hello) - 1) != (int)sizeof(hello) - 1) return -1;
	do {
		if (read_line(fd, ssl, line, sizeof(line)) != 0) return -1;
	} while (strncmp(line, "PONG", 4) != 0);
	return 0;
}

int main(int argc, char **argv)
{
	return ref_main(argc, argv, "ref_nats", fanout, nats_idle_conn);
}
