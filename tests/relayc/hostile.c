/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Hostile clients for tests/hostile (STYLE R17.4, docs/protocol.md §2, §3,
 * §7): each sends what a well-behaved client never would and reports how
 * the relay answered ("closed after S seconds" or "answered").
 *
 *   oversize            a frame header claiming 2 GiB
 *   wrongstate          an enrolling connection (no certificate) uploading KeyPackages
 *   unknown             a request type outside the table
 *   slowloris SECONDS   a frame trickled one byte a second
 *   slowreader SECONDS  a live device that stops reading its pushes
 *   halfopen N SECONDS [SRC]  N TCP connections that never finish a TLS handshake,
 *                       from source address SRC (another loopback address) if given
 *   bigframe LEN SECONDS  a frame of LEN bytes (KP_UPLOAD, garbage body) sent but
 *                       for its last byte, which follows SECONDS later; then the
 *                       answer is awaited (docs/protocol.md §7, the decode budget)
 */
#include "relayc.h"

#include "util/compat.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "proto/proto.h"
#include "util/mem.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Wait for the relay to close the connection; prints the outcome. 0 if closed. */
static int expect_close(struct rc_conn *c, double start, int timeout_ms)
{
	struct rc_frame f;
	int rc = rc_read(c, timeout_ms, &f);

	if (rc == 0) {
		printf("answered type=0x%04x\n", f.type);
		rc_frame_free(&f);
		return 1;
	}
	if (rc == KENH_E_TIMEOUT) {
		printf("still open\n");
		return 1;
	}
	printf("closed after %.1f seconds\n", now_s() - start);
	return 0;
}

static int send_header(struct rc_conn *c, uint32_t len, uint16_t type)
{
	struct proto_header h = { len, type, 1 };
	uint8_t b[PROTO_HEADER_LEN];

	proto_header_encode(&h, b);
	return rc_send_raw(c, b, sizeof(b));
}

static int one_frame(const struct rc_opts *o, uint32_t len, uint16_t type)
{
	struct rc_conn *c = NULL;
	double t = now_s();
	int rc;

	if (rc_connect(o, &c) != 0) return printf("connect failed\n"), 1;
	rc = send_header(c, len, type);
	rc = rc == 0 ? expect_close(c, t, 5000) : (printf("closed while sending\n"), 0);
	rc_close(c);
	return rc;
}

static int slowloris(const struct rc_opts *o, double seconds)
{
	struct proto_header h = { 8, PROTO_PING, 1 };
	uint8_t b[PROTO_HEADER_LEN + 8] = { 0 };
	struct rc_conn *c = NULL;
	double t = now_s();
	size_t i;

	if (rc_connect(o, &c) != 0) return printf("connect failed\n"), 1;
	proto_header_encode(&h, b);
	for (i = 0; i + 1 < sizeof(b) && now_s() - t < seconds; i++) {
		/* A write that fails means the relay closed first. */
		if (rc_send_raw(c, b + i, 1) != 0) {
			printf("closed after %.1f seconds\n", now_s() - t);
			rc_close(c);
			return 0;
		}
		if (expect_close(c, t, 1000) == 0) {
			rc_close(c);
			return 0;
		}
	}
	printf("not cut off after %.1f seconds\n", now_s() - t);
	rc_close(c);
	return 1;
}

/* Bind fd to the source address src (a loopback alias such as 127.0.0.2), if given. */
static int bind_source(int fd, const char *src)
{
	struct addrinfo hints, *res = NULL;
	int rc;

	if (src == NULL) return 0;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(src, NULL, &hints, &res) != 0) return -1;
	rc = bind(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	return rc;
}

static int halfopen(const struct rc_opts *o, size_t n, double seconds, const char *src)
{
	static const uint8_t partial_hello[] = { 0x16, 0x03, 0x01, 0x02, 0x00, 0x01 };
	struct addrinfo hints, *res = NULL;
	int *fds = NULL;
	size_t i, open = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(o->host, o->port, &hints, &res) != 0) return 1;
	if (mem_calloc(n, sizeof(*fds), (void **)&fds) != 0) return 1;
	for (i = 0; i < n; i++) {
		fds[i] = socket(res->ai_family, SOCK_STREAM, 0);
		if (fds[i] >= 0 && bind_source(fds[i], src) == 0 &&
		    connect(fds[i], res->ai_addr, res->ai_addrlen) == 0) {
			open++;
			/* Half a ClientHello: the relay must wait, with bounded memory and time. */
			if (send(fds[i], partial_hello, sizeof(partial_hello), MSG_NOSIGNAL) < 0)
				continue;
		}
	}
	printf("halfopen opened=%zu\n", open);
	fflush(stdout);
	usleep((useconds_t)(seconds * 1e6));
	for (i = 0; i < n; i++)
		if (fds[i] >= 0) close(fds[i]);
	mem_free(fds);
	freeaddrinfo(res);
	return 0;
}

/*
 * A live device that stops reading: it sends FETCH (so the relay pushes to
 * it), then reads nothing for seconds, then reports whether the relay
 * closed the connection (R8.3: a slow reader is disconnected).
 */
static int slow_reader(const struct rc_opts *o, double seconds)
{
	static const uint8_t fetch[] = { 0, 0, 0, 4, 0, PROTO_FETCH, 0, 0, 0, 1, 0, 0, 4, 0 };
	struct rc_conn *c = NULL;
	struct rc_frame f;
	double t = now_s();
	int rc;

	if (rc_connect(o, &c) != 0) return printf("connect failed\n"), 1;
	if (rc_send_raw(c, fetch, sizeof(fetch)) != 0) return 1;
	printf("live\n");
	fflush(stdout);
	usleep((useconds_t)(seconds * 1e6));
	/* Drain what the kernel holds; the relay must have cut us off meanwhile. */
	while ((rc = rc_read(c, 2000, &f)) == 0)
		rc_frame_free(&f);
	printf(rc == KENH_E_TIMEOUT ? "still open\n" : "closed after %.1f seconds\n", now_s() - t);
	rc_close(c);
	return rc == KENH_E_TIMEOUT ? 1 : 0;
}

/*
 * Hold a large frame open: every byte but the last, a pause, the last one.
 * A relay over its decode budget stops reading, so the send may block
 * until other frames are done. Succeeds once the frame is answered.
 */
static int big_frame(const struct rc_opts *o, uint32_t len, double seconds)
{
	struct rc_conn *c = NULL;
	struct rc_frame f;
	uint8_t *body = NULL;
	int rc = 1;

	if (len < 2 || rc_connect(o, &c) != 0) return printf("connect failed\n"), 1;
	if (mem_calloc(1, len, (void **)&body) != 0) goto out;
	memset(body, 0xee, len);
	if (send_header(c, len, PROTO_KP_UPLOAD) != 0 || rc_send_raw(c, body, len - 1) != 0) {
		printf("closed while sending\n");
		goto out;
	}
	usleep((useconds_t)(seconds * 1e6));
	if (rc_send_raw(c, body + len - 1, 1) != 0 || rc_read(c, 60000, &f) != 0) {
		printf("closed before the answer\n");
		goto out;
	}
	printf("answered type=0x%04x\n", f.type);
	rc = f.type == (PROTO_KP_UPLOAD | PROTO_RESPONSE_BIT) ? 0 : 1;
	rc_frame_free(&f);
out:
	mem_free(body);
	rc_close(c);
	return rc;
}

int rc_hostile_main(const struct rc_opts *o, int argc, char **argv)
{
	struct rc_opts enrolling = *o;

	if (argc >= 1 && strcmp(argv[0], "oversize") == 0)
		return one_frame(o, 0x80000000u, PROTO_PING);
	if (argc >= 1 && strcmp(argv[0], "unknown") == 0) return one_frame(o, 8, 0x3000);
	if (argc >= 1 && strcmp(argv[0], "wrongstate") == 0) {
		enrolling.cert = NULL;
		enrolling.key = NULL;
		return one_frame(&enrolling, 16, PROTO_KP_UPLOAD);
	}
	if (argc >= 2 && strcmp(argv[0], "slowreader") == 0)
		return slow_reader(o, strtod(argv[1], NULL));
	if (argc >= 2 && strcmp(argv[0], "slowloris") == 0)
		return slowloris(o, strtod(argv[1], NULL));
	if (argc >= 3 && strcmp(argv[0], "bigframe") == 0)
		return big_frame(o, (uint32_t)strtoul(argv[1], NULL, 10), strtod(argv[2], NULL));
	if (argc >= 3 && strcmp(argv[0], "halfopen") == 0)
		return halfopen(o, strtoul(argv[1], NULL, 10), strtod(argv[2], NULL),
		                argc >= 4 ? argv[3] : NULL);
	fprintf(stderr,
	        "usage: kenh-relayc hostile oversize|unknown|wrongstate|slowloris S|halfopen N S|"
	        "bigframe LEN S\n");
	return 2;
}
