/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * What the reference load generators of bench/relay share (ref_mqtt.c,
 * ref_nats.c): the clock, latency records and the report line in the same
 * format as kenh-relayc bench-fanout, the server's VmRSS, a plain TLS
 * client connection and the whole idle-connection measurement, the send
 * time stamped in payloads, the command line, and a number parser.
 * Built by bench/relay/run.sh against libkenh.a, outside the project's
 * Makefile, because their client libraries are installed only for the
 * benchmark.
 */
#ifndef KENH_BENCH_REF_COMMON_H
#define KENH_BENCH_REF_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/ssl.h>

uint64_t ref_now_ns(void);
long ref_rss_kib(const char *pid);

/* Latencies of all receivers (thread-safe append). */
struct ref_lat;
struct ref_lat *ref_lat_new(size_t capacity);
void ref_lat_add(struct ref_lat *l, uint64_t ns);
size_t ref_lat_count(struct ref_lat *l);
uint64_t ref_lat_last(struct ref_lat *l); /* time of the last add */
void ref_lat_report(struct ref_lat *l, size_t receivers, uint64_t messages, uint64_t t0);

/* A TLS connection to 127.0.0.1:port verified with the CA file; fd in *fd. NULL on failure. */
SSL *ref_tls_connect(SSL_CTX *ctx, const char *port, int *fd, int already_connected_fd);
SSL_CTX *ref_tls_ctx(const char *ca);
int ref_tcp_connect(const char *port);

/*
 * Open count connections with one(ctx, i) (0 on success) from 32 threads,
 * keep them open, and return how many succeeded. Parallel, because a
 * single-threaded server may take a whole loop turn per handshake.
 */
long ref_open_parallel(SSL_CTX *ctx, const char *port, long count,
                       int (*one)(SSL_CTX *ctx, const char *port, long i));

/*
 * The idle-connection figure: open count connections with one() as
 * ref_open_parallel does, wait a second, print the server's (pid) VmRSS
 * per connection in the report format of kenh-relayc bench-idle.
 */
int ref_idle(const char *port, const char *ca, long count, const char *pid,
             int (*one)(SSL_CTX *ctx, const char *port, long i));

/* A payload's first 8 bytes: its send time (ref_now_ns), big-endian. */
void ref_stamp(uint8_t *payload);
/* Nanoseconds since the stamp of payload (len bytes); 0 if it has none. */
uint64_t ref_stamp_age(const uint8_t *payload, size_t len);

/* A load generator's fanout command: RECEIVERS subscribers, one publisher. */
typedef int ref_fanout_fn(const char *port, const char *ca, long messages, int size, int n);

/*
 * The command line both generators take (name: the program's, for usage):
 *   NAME fanout PORT CA MESSAGES SIZE RECEIVERS | idle PORT CA COUNT PID
 */
int ref_main(int argc, char **argv, const char *name, ref_fanout_fn *fanout,
             int (*one)(SSL_CTX *ctx, const char *port, long i));

/* A decimal argument, or exit with a message. */
long ref_arg(const char *s);

/* Raise the open-file limit to its hard maximum. */
void ref_nofile_max(void);

#endif /* KENH_BENCH_REF_COMMON_H */
