/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh daemon (issue 6, DESIGN §2, STYLE R9.3; docs/daemon.md): one
 * process that unlocks the device store once, keeps one relay connection
 * live (pushes fetched and processed as kenh listen does, reconnection
 * with backoff) and serves newline-delimited JSON requests on a Unix
 * socket, in one single-threaded poll loop. kenh_daemon.c holds the loop,
 * the sockets and the relay; kenh_daemon_ops.c the operation table.
 */
#ifndef KENH_CLI_KENH_DAEMON_H
#define KENH_CLI_KENH_DAEMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "../common/cli_jsonreq.h"
#include "kenh.h"

#define DAEMON_MAX_CLIENTS 16
/* Output queued for one client before it counts as a slow reader and is dropped (R8.3). */
#define DAEMON_OUT_MAX (64u << 20)
/* What a command may print for one request (the history of a busy group fits). */
#define DAEMON_CAPTURE_MAX (32u << 20)

struct daemon_client {
	int fd; /* -1: a free slot */
	bool subscribed;
	bool eof;     /* the client finished sending: close once the output is out */
	bool closing; /* refused: close once the output is out, read nothing more */
	char *in;     /* CLI_JSONREQ_MAX + 1 bytes: one line and its newline */
	size_t inlen;
	uint8_t *out;
	size_t outlen, outcap;
};

struct kenh_daemon {
	struct kenh_app *a;
	int lfd;      /* the listening socket */
	int sigfd;    /* SIGTERM, SIGINT */
	int capfd[2]; /* memory files that take a command's stdout and stderr */
	bool stop;    /* shutdown asked: leave the loop after this request */
	bool gone;    /* the store was erased by a wipe order */
	bool was_up;  /* the relay connection was up at the last check */
	bool ever_up; /* it was up once: the next time up is a reconnection */
	uint64_t next_try_ms, backoff_ms, last_io_ms, started_ms;
	unsigned reconnects;
	char sock[KENH_PATH_MAX];
	struct daemon_client cl[DAEMON_MAX_CLIENTS];
	struct cli_jsonreq_argv *av; /* scratch for one command line */
};

/* ---- kenh_daemon.c ---- */
/* Queue msg (taken: decref'd here) as one line to c; a client over DAEMON_OUT_MAX is dropped. */
void kenh_daemon_send(struct kenh_daemon *d, struct daemon_client *c, json_t *msg);
/* Queue msg (borrowed) to every subscribed client. */
void kenh_daemon_broadcast(struct kenh_daemon *d, const json_t *msg);
/* Milliseconds of a monotonic clock. */
uint64_t kenh_daemon_now_ms(void);

/* ---- kenh_daemon_ops.c ---- */
/* Serve one request line (without its newline): the response is queued to c. */
void kenh_daemon_request(struct kenh_daemon *d, struct daemon_client *c, const char *line,
                         size_t len);
/* An error response for a request that could not be read (id: -1 for null). */
void kenh_daemon_refuse(struct kenh_daemon *d, struct daemon_client *c, int64_t id,
                        const char *code, const char *message);
/* The kenh_event_fn of the daemon: events to subscribers. */
void kenh_daemon_on_event(void *arg, struct kenh_app *a, const struct kenh_event *ev);

#endif /* KENH_CLI_KENH_DAEMON_H */
