/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-relayc's load generator for bench/relay (issue 4 item 8):
 *
 *   bench-fanout GROUP MESSAGES SIZE DEVICE...
 *       The connection's own device sends MESSAGES application messages
 *       of SIZE bytes to GROUP, 128 in flight; one thread per receiving
 *       DEVICE (certificate and key $PKI/DEVICE.{der,key}, PKI from the
 *       --cert folder) fetches until live, then takes the pushes and
 *       acknowledges them in batches. Each payload starts with its send
 *       time, so every delivery gives a latency. Prints
 *       "fanout receivers=R messages=M deliveries=D seconds=S rate=X p50_ms=A p99_ms=B".
 *   bench-idle COUNT PID
 *       Opens COUNT authenticated connections (TLS handshake and one PING
 *       each) and keeps them idle; prints the relay's (process PID) VmRSS
 *       before and after, and the difference per connection.
 *
 * Every message goes through the relay's durable path: acknowledged only
 * after its batch is committed with synchronous=FULL.
 */
#include "relayc.h"

#include "util/compat.h"

#include <pthread.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/mls_wire.h"
#include "proto/proto.h"
#include "util/mem.h"

#define BENCH_WINDOW 128
#define ACK_BATCH    64

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct receiver_thread {
	pthread_t th;
	struct rc_opts o;
	char cert[512], key[512];
	uint64_t want;
	uint64_t got;
	uint64_t *lat; /* ns, one per delivery */
	uint64_t last_ns;
	int rc;
	pthread_barrier_t *ready;
};

static int send_fetch(struct rc_conn *c)
{
	struct proto_fetch q = { 1024 };
	struct codec_writer w;
	uint32_t req;
	int rc;

	codec_writer_init(&w, 64, CODEC_WRITER_NORMAL);
	if ((rc = proto_msg_encode(&w, &proto_desc_fetch, &q)) == 0)
		rc = rc_send(c, PROTO_FETCH, &w, &req);
	codec_writer_clear(&w);
	return rc;
}

static int send_ack(struct rc_conn *c, struct kenh_span gid, uint64_t seq)
{
	struct proto_ack_entry e = { PROTO_DELIVERY_GROUP, gid, seq };
	struct proto_ack a = { &e, 1 };
	struct codec_writer w;
	uint32_t req;
	int rc;

	codec_writer_init(&w, 512, CODEC_WRITER_NORMAL);
	if ((rc = proto_msg_encode(&w, &proto_desc_ack, &a)) == 0)
		rc = rc_send(c, PROTO_ACK, &w, &req);
	codec_writer_clear(&w);
	return rc;
}

/* One delivery: its latency from the send time in the payload. */
static int take(struct receiver_thread *t, struct rc_conn *c, const struct rc_frame *f)
{
	struct proto_delivery d;
	struct mls_message m;
	uint64_t now = mono_ns();
	int rc = 0;

	if (proto_msg_decode(&proto_desc_delivery, f->body.p, f->body.len, &d, sizeof(d)) != 0)
		return 0;
	if (mls_message_parse(d.message.p, d.message.len, &m) != 0) return 0;
	if (m.wire_format == MLS_WIRE_FORMAT_PRIVATE_MESSAGE &&
	    m.u.private_message.ciphertext.len >= 8 && t->got < t->want) {
		t->lat[t->got++] = now - load_be64(m.u.private_message.ciphertext.p);
		t->last_ns = now;
		if (t->got % ACK_BATCH == 0 || t->got == t->want)
			rc = send_ack(c, d.group_id, d.seq);
	}
	mls_message_clear(&m);
	return rc;
}

static void *receiver_main(void *arg)
{
	struct receiver_thread *t = arg;
	struct rc_conn *c = NULL;
	struct rc_frame f;
	bool live = false;

	t->rc = rc_connect(&t->o, &c);
	if (t->rc == 0) t->rc = send_fetch(c);
	/* The first FETCH answer (nothing pending) makes the connection live. */
	while (t->rc == 0 && !live && (t->rc = rc_read(c, 10000, &f)) == 0) {
		live = f.type == (PROTO_FETCH | PROTO_RESPONSE_BIT);
		rc_frame_free(&f);
	}
	pthread_barrier_wait(t->ready);
	while (t->rc == 0 && t->got < t->want && (t->rc = rc_read(c, 30000, &f)) == 0) {
		if (f.type == PROTO_PUSH_DELIVERY) t->rc = take(t, c, &f);
		rc_frame_free(&f);
	}
	rc_close(c);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Send count messages of size bytes, BENCH_WINDOW in flight. */
static int sender(struct rc_conn *c, const char *group, uint64_t count, size_t size)
{
	uint8_t payload[4096];
	struct rc_bytes msg = { 0 };
	struct proto_app_send q;
	struct codec_writer w;
	struct rc_frame f;
	uint64_t sent = 0, done = 0;
	uint32_t req;
	int rc = 0;

	memset(payload, 'x', sizeof(payload));
	while (rc == 0 && done < count) {
		if (sent < count && sent - done < BENCH_WINDOW) {
			store_be64(payload, mono_ns());
			rc = rc_mls_private(span_make((const uint8_t *)group, strlen(group)), 0,
			                    span_make(payload, size), &msg);
			q.message = span_make(msg.p, msg.len);
			codec_writer_init(&w, LIMIT_FRAME, CODEC_WRITER_NORMAL);
			if (rc == 0 && (rc = proto_msg_encode(&w, &proto_desc_app_send, &q)) == 0)
				rc = rc_send(c, PROTO_APP_SEND, &w, &req);
			codec_writer_clear(&w);
			rc_bytes_free(&msg);
			sent++;
			continue;
		}
		if ((rc = rc_read(c, 30000, &f)) != 0) break;
		if (f.type == (PROTO_APP_SEND | PROTO_RESPONSE_BIT)) {
			if (f.body.len < 2 || load_be16(f.body.p) != 0) rc = KENH_E_PROTO;
			done++;
		}
		rc_frame_free(&f);
	}
	return rc;
}

static void report(struct receiver_thread *ts, size_t n, uint64_t messages, uint64_t t0)
{
	uint64_t total = 0, last = t0, k = 0;
	uint64_t *all = NULL;
	size_t i, j;
	double secs;

	for (i = 0; i < n; i++) {
		total += ts[i].got;
		if (ts[i].last_ns > last) last = ts[i].last_ns;
	}
	if (total == 0 || mem_calloc(total, sizeof(*all), (void **)&all) != 0) {
		printf("fanout receivers=%zu messages=%llu deliveries=0\n", n,
		       (unsigned long long)messages);
		return;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < ts[i].got; j++)
			all[k++] = ts[i].lat[j];
	qsort(all, total, sizeof(*all), cmp_u64);
	secs = (double)(last - t0) / 1e9;
	printf("fanout receivers=%zu messages=%llu deliveries=%llu seconds=%.3f rate=%.0f "
	       "p50_ms=%.3f p99_ms=%.3f\n",
	       n, (unsigned long long)messages, (unsigned long long)total, secs,
	       (double)total / secs, (double)all[total / 2] / 1e6,
	       (double)all[(total * 99) / 100] / 1e6);
	mem_free(all);
}

int rc_bench_fanout(const struct rc_opts *o, int argc, char **argv)
{
	const char *group = argv[0], *slash = strrchr(o->cert, '/');
	uint64_t messages = strtoull(argv[1], NULL, 10);
	size_t size = strtoul(argv[2], NULL, 10), n = (size_t)argc - 3, i;
	struct receiver_thread *ts = NULL;
	pthread_barrier_t ready;
	struct rc_conn *c = NULL;
	uint64_t t0;
	int rc;

	if (argc < 4 || size < 8 || size > 4096 || slash == NULL) return 2;
	if (mem_calloc(n, sizeof(*ts), (void **)&ts) != 0) return 1;
	pthread_barrier_init(&ready, NULL, (unsigned)n + 1);
	for (i = 0; i < n; i++) {
		ts[i].o = *o;
		snprintf(ts[i].cert, sizeof(ts[i].cert), "%.*s/%s.der", (int)(slash - o->cert),
		         o->cert, argv[3 + i]);
		snprintf(ts[i].key, sizeof(ts[i].key), "%.*s/%s.key", (int)(slash - o->cert),
		         o->cert, argv[3 + i]);
		ts[i].o.cert = ts[i].cert;
		ts[i].o.key = ts[i].key;
		ts[i].want = messages;
		ts[i].ready = &ready;
		if (mem_calloc(messages, sizeof(uint64_t), (void **)&ts[i].lat) != 0 ||
		    pthread_create(&ts[i].th, NULL, receiver_main, &ts[i]) != 0)
			return 1;
	}
	rc = rc_connect(o, &c);
	pthread_barrier_wait(&ready);
	t0 = mono_ns();
	if (rc == 0) rc = sender(c, group, messages, size);
	rc_close(c);
	for (i = 0; i < n; i++)
		pthread_join(ts[i].th, NULL);
	report(ts, n, messages, t0);
	for (i = 0; i < n; i++) {
		if (ts[i].rc != 0 && rc == 0) rc = ts[i].rc;
		mem_free(ts[i].lat);
	}
	pthread_barrier_destroy(&ready);
	mem_free(ts);
	if (rc != 0) fprintf(stderr, "bench-fanout: %s\n", kenh_strerror(rc));
	return rc == 0 ? 0 : 1;
}

static long rss_kib(const char *pid)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	if ((f = fopen(path, "r")) == NULL) return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0) v = strtol(line + 6, NULL, 10);
	fclose(f);
	return v;
}

int rc_bench_idle(const struct rc_opts *o, int argc, char **argv)
{
	size_t n = argc >= 2 ? strtoul(argv[0], NULL, 10) : 0, i, open = 0;
	struct rlimit rl;
	struct rc_conn **cs = NULL;
	long before, after;

	if (argc < 2 || n == 0) return 2;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (mem_calloc(n, sizeof(*cs), (void **)&cs) != 0) return 1;
	before = rss_kib(argv[1]);
	for (i = 0; i < n; i++) {
		struct proto_ping p = { i };
		struct codec_writer w;
		struct rc_bytes r = { 0 };
		uint16_t st = 0;

		if (rc_connect(o, &cs[i]) != 0) break;
		codec_writer_init(&w, 64, CODEC_WRITER_NORMAL);
		if (proto_msg_encode(&w, &proto_desc_ping, &p) == 0 &&
		    rc_call(cs[i], PROTO_PING, &w, NULL, NULL, &st, &r) == 0 && st == 0)
			open++;
		codec_writer_clear(&w);
		rc_bytes_free(&r);
	}
	sleep(1);
	after = rss_kib(argv[1]);
	printf("idle connections=%zu rss_before_kib=%ld rss_after_kib=%ld per_connection_kib=%.1f\n",
	       open, before, after, open ? (double)(after - before) / (double)open : 0.0);
	for (i = 0; i < n; i++)
		rc_close(cs[i]);
	mem_free(cs);
	return open == n ? 0 : 1;
}
