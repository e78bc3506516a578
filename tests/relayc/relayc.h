/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-relayc, the relay's test and load client (tests/integ, tests/hostile,
 * tests/fault): a test PKI made with lib/crypto/pki.h (until kenh-admin
 * exists), a blocking kenh/1 client over OpenSSL TLS 1.3, the MLS messages
 * the relay inspects built with lib/mls's wire encoders (the signatures
 * and tags are filler: the relay does not check them, DESIGN §2), and the
 * client-side duplicate filter of DESIGN §5. Tests may use OpenSSL
 * directly (BRIEF: tests and benchmarks).
 */
#ifndef KENH_TESTS_RELAYC_H
#define KENH_TESTS_RELAYC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"
#include "util/util.h"

struct kenh_ctx;
struct codec_writer;

/* Owned bytes (mem_free). */
struct rc_bytes {
	uint8_t *p;
	size_t len;
};

void rc_bytes_free(struct rc_bytes *b);

/* A certificate file, PEM or DER, as DER. */
int rc_cert_der(const char *path, struct rc_bytes *out);

/* Read and write whole files; write is atomic (temporary file, then rename). */
int rc_file_read(const char *path, struct rc_bytes *out);
int rc_file_write(const char *path, const uint8_t *p, size_t len);

/* ---- the test PKI (pki.c) ---- */
int rc_pki_main(struct kenh_ctx *ctx, int argc, char **argv);

/* ---- a connection (conn.c) ---- */
struct rc_conn;

struct rc_opts {
	const char *host;
	const char *port;
	const char *cert; /* device certificate (DER); NULL: enrolling */
	const char *key;  /* its key, 64 hex digits */
	const char *ca;   /* the relay's CA (PEM) */
	int timeout_ms;
	const char *bind; /* local IPv4 address to connect from (e.g. 127.0.0.2); NULL: any */
};

/* A frame read from the relay; body owned by the frame. */
struct rc_frame {
	uint16_t type;
	uint32_t request_id;
	struct rc_bytes body;
};

int rc_connect(const struct rc_opts *o, struct rc_conn **out);
void rc_close(struct rc_conn *c);
int rc_send_raw(struct rc_conn *c, const uint8_t *p, size_t len);
/* Send a request frame with a fresh request id (returned in *req). */
int rc_send(struct rc_conn *c, uint16_t type, const struct codec_writer *body, uint32_t *req);
/* Read one frame within timeout_ms (0: the connection's default). KENH_E_TIMEOUT, KENH_E_IO. */
int rc_read(struct rc_conn *c, int timeout_ms, struct rc_frame *out);
void rc_frame_free(struct rc_frame *f);
/*
 * Send a request and wait for its response; pushes read meanwhile go to
 * on_push (may be NULL: dropped). *status and the response body (after
 * the status, or the detail for an error) in *resp.
 */
typedef void rc_push_fn(void *arg, const struct rc_frame *f);
int rc_call(struct rc_conn *c, uint16_t type, const struct codec_writer *body, rc_push_fn *on_push,
            void *arg, uint16_t *status, struct rc_bytes *resp);

/* The certificate this connection presented (DER), borrowed. */
struct kenh_span rc_conn_cert(const struct rc_conn *c);
/* The socket, for hostile tests. */
int rc_conn_fd(const struct rc_conn *c);

/* ---- MLS messages (mlsgen.c) ---- */
int rc_mls_key_package(struct kenh_ctx *ctx, struct kenh_span cert, struct rc_bytes *out);
int rc_mls_welcome(struct rc_bytes *out);
int rc_mls_private(struct kenh_span group, uint64_t epoch, struct kenh_span payload,
                   struct rc_bytes *out);
/* A commit from leaf at epoch with Adds (key packages) and Removes (leaves). */
struct rc_commit {
	struct kenh_span group;
	uint64_t epoch;
	uint32_t leaf;
	const struct kenh_span *adds;
	size_t nadds;
	const uint32_t *removes;
	size_t nremoves;
	const struct kenh_span *refs; /* proposals by reference (ProposalRef) */
	size_t nrefs;
};
int rc_mls_commit(const struct rc_commit *c, struct rc_bytes *out);
/* A GroupInfo whose GroupContext lists ext_sender_pk (Ed25519) as external sender 0. */
int rc_mls_group_info(struct kenh_span group, uint64_t epoch, struct kenh_span ext_sender_pk,
                      struct rc_bytes *out);
/* Parse hex into out (at most max bytes); the byte count, or -1. */
int rc_hex(const char *hex, uint8_t *out, size_t max);

/* ---- commands (cmd.c, recv.c, hostile.c) ---- */
int rc_cmd_main(struct kenh_ctx *ctx, const struct rc_opts *o, int argc, char **argv);
int rc_recv_main(struct kenh_ctx *ctx, const struct rc_opts *o, int argc, char **argv);
int rc_hostile_main(const struct rc_opts *o, int argc, char **argv);
int rc_bench_fanout(const struct rc_opts *o, int argc, char **argv);
int rc_bench_idle(const struct rc_opts *o, int argc, char **argv);

#endif /* KENH_TESTS_RELAYC_H */
