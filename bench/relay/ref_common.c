/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Shared parts of the reference load generators (see ref_common.h).
 */
#include "ref_common.h"

#include "util/compat.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "util/mem.h"

struct ref_lat {
	pthread_mutex_t mu;
	uint64_t *v;
	size_t n, cap;
	uint64_t last;
};

uint64_t ref_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

long ref_rss_kib(const char *pid)
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

struct ref_lat *ref_lat_new(size_t capacity)
{
	struct ref_lat *l = NULL;

	if (mem_calloc(1, sizeof(*l), (void **)&l) != 0 ||
	    mem_calloc(capacity ? capacity : 1, sizeof(*l->v), (void **)&l->v) != 0)
		exit(1);
	l->cap = capacity;
	pthread_mutex_init(&l->mu, NULL);
	return l;
}

void ref_lat_add(struct ref_lat *l, uint64_t ns)
{
	uint64_t now = ref_now_ns();

	pthread_mutex_lock(&l->mu);
	if (l->n < l->cap) l->v[l->n++] = ns;
	l->last = now;
	pthread_mutex_unlock(&l->mu);
}

size_t ref_lat_count(struct ref_lat *l)
{
	size_t n;

	pthread_mutex_lock(&l->mu);
	n = l->n;
	pthread_mutex_unlock(&l->mu);
	return n;
}

uint64_t ref_lat_last(struct ref_lat *l)
{
	uint64_t t;

	pthread_mutex_lock(&l->mu);
	t = l->last;
	pthread_mutex_unlock(&l->mu);
	return t;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

void ref_lat_report(struct ref_lat *l, size_t receivers, uint64_t messages, uint64_t t0)
{
	double secs;

	pthread_mutex_lock(&l->mu);
	if (l->n == 0) {
		printf("fanout receivers=%zu messages=%llu deliveries=0\n", receivers,
		       (unsigned long long)messages);
		pthread_mutex_unlock(&l->mu);
		return;
	}
	qsort(l->v, l->n, sizeof(*l->v), cmp_u64);
	secs = (double)(l->last - t0) / 1e9;
	printf("fanout receivers=%zu messages=%llu deliveries=%zu seconds=%.3f rate=%.0f "
	       "p50_ms=%.3f p99_ms=%.3f\n",
	       receivers, (unsigned long long)messages, l->n, secs, (double)l->n / secs,
	       (double)l->v[l->n / 2] / 1e6, (double)l->v[(l->n * 99) / 100] / 1e6);
	pthread_mutex_unlock(&l->mu);
}

int ref_tcp_connect(const char *port)
{
	struct addrinfo hints, *res = NULL;
	int fd;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo("127.0.0.1", port, &hints, &res) != 0) return -1;
	fd = socket(res->ai_family, SOCK_STREAM, 0);
	if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) != 0) {
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0) {
		/* A server that never answers one connection must not stall the count. */
		struct timeval tv = { 5, 0 };

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		/* As kenh-relayc does: small writes must not wait for delayed ACKs. */
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	}
	return fd;
}

SSL_CTX *ref_tls_ctx(const char *ca)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());

	if (ctx == NULL || SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) exit(1);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
	return ctx;
}

SSL *ref_tls_connect(SSL_CTX *ctx, const char *port, int *fd, int already)
{
	SSL *ssl;

	*fd = already >= 0 ? already : ref_tcp_connect(port);
	if (*fd < 0) return NULL;
	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, *fd) != 1 || SSL_connect(ssl) != 1) {
		if (ssl) SSL_free(ssl);
		close(*fd);
		return NULL;
	}
	return ssl;
}

void ref_nofile_max(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

#define OPEN_THREADS 32

struct opener {
	pthread_t th;
	SSL_CTX *ctx;
	const char *port;
	long first, count, step, ok;
	int (*one)(SSL_CTX *ctx, const char *port, long i);
};

static void *open_some(void *arg)
{
	struct opener *o = arg;
	long i;

	for (i = o->first; i < o->count; i += o->step)
		if (o->one(o->ctx, o->port, i) == 0) o->ok++;
	return NULL;
}

long ref_open_parallel(SSL_CTX *ctx, const char *port, long count,
                       int (*one)(SSL_CTX *ctx, const char *port, long i))
{
	struct opener o[OPEN_THREADS];
	long total = 0;
	int t;

	for (t = 0; t < OPEN_THREADS; t++) {
		o[t] = (struct opener){ 0, ctx, port, t, count, OPEN_THREADS, 0, one };
		if (pthread_create(&o[t].th, NULL, open_some, &o[t]) != 0) exit(1);
	}
	for (t = 0; t < OPEN_THREADS; t++) {
		pthread_join(o[t].th, NULL);
		total += o[t].ok;
	}
	return total;
}

long ref_arg(const char *s)
{
	char *end = NULL;
	long v = strtol(s, &end, 10);

	if (end == s || *end != '\0' || v < 0) {
		fprintf(stderr, "bench: not a number: %s\n", s);
		exit(2);
	}
	return v;
}

int ref_idle(const char *port, const char *ca, long count, const char *pid,
             int (*one)(SSL_CTX *ctx, const char *port, long i))
{
	SSL_CTX *ctx = ref_tls_ctx(ca);
	long before = ref_rss_kib(pid), after, open;

	ref_nofile_max();
	open = ref_open_parallel(ctx, port, count, one);
	sleep(1);
	after = ref_rss_kib(pid);
	printf("idle connections=%ld rss_before_kib=%ld rss_after_kib=%ld per_connection_kib=%.1f\n",
	       open, before, after, open ? (double)(after - before) / (double)open : 0.0);
	return open > 0 ? 0 : 1;
}

void ref_stamp(uint8_t *payload)
{
	uint64_t now = ref_now_ns();
	int i;

	for (i = 0; i < 8; i++)
		payload[i] = (uint8_t)(now >> (56 - 8 * i));
}

uint64_t ref_stamp_age(const uint8_t *payload, size_t len)
{
	uint64_t sent = 0;
	int i;

	if (len < 8) return 0;
	for (i = 0; i < 8; i++)
		sent = sent << 8 | payload[i];
	return ref_now_ns() - sent;
}

int ref_main(int argc, char **argv, const char *name, ref_fanout_fn *fanout,
             int (*one)(SSL_CTX *ctx, const char *port, long i))
{
	if (argc == 7 && strcmp(argv[1], "fanout") == 0)
		return fanout(argv[2], argv[3], ref_arg(argv[4]), (int)ref_arg(argv[5]),
		              (int)ref_arg(argv[6]));
	if (argc == 6 && strcmp(argv[1], "idle") == 0)
		return ref_idle(argv[2], argv[3], ref_arg(argv[4]), argv[5], one);
	fprintf(stderr,
	        "usage: %s fanout PORT CA MESSAGES SIZE RECEIVERS | idle PORT CA COUNT PID\n",
	        name);
	return 2;
}
