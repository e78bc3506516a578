/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The relay client shared by the command-line programs (kenh-admin, kenh):
 * a TCP connection to "host:port", TLS 1.3 with ALPN kenh/1 through
 * lib/crypto/tlsclient.h (with the device's certificate, or none for an
 * enrolling connection), and kenh/1 frames (docs/protocol.md §2) encoded
 * and decoded with lib/proto. One request at a time: cli_relay_call sends a
 * request and waits for its response; pushes that arrive meanwhile go to
 * the callback given at connect (or are dropped: delivery is at least
 * once, a later FETCH returns them). cli_relay_next reads the next frame
 * for a program that waits for pushes.
 */
#ifndef KENH_COMMON_CLI_RELAY_H
#define KENH_COMMON_CLI_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"
#include "util/util.h"

struct kenh_ctx;
struct crypto_sigkey;
struct proto_desc;
struct cli_relay;

/* Room for a one-line reason a connection failed, for people. */
#define CLI_RELAY_ERR_LEN 256
/* Room for the host part of an address (a DNS name is at most 253 bytes). */
#define CLI_RELAY_HOST_MAX 256
#define CLI_RELAY_PORT_MAX 8

/* A frame as read: type, request id, body (owned; cli_relay_frame_clear). */
struct cli_relay_frame {
	uint16_t type;
	uint32_t request_id;
	uint8_t *body;
	size_t len;
};

typedef void cli_relay_push_fn(void *arg, const struct cli_relay_frame *push);

struct cli_relay_config {
	const char *addr;                /* "host:port", "[v6addr]:port" */
	const char *ca_file;             /* PEM of the relay's CA; NULL: the system's store */
	struct kenh_span cert;           /* device certificate (DER); len 0: enrolling */
	const struct crypto_sigkey *key; /* its key (borrowed for the call); NULL if no cert */
	int timeout_ms;                  /* connect, handshake, and each response (0: 10 s) */
	cli_relay_push_fn *on_push;      /* pushes read while waiting for a response; NULL: drop */
	void *push_arg;
};

/* A response: the status (0 success, else -KENH_E_x), detail, and the body after the status. */
struct cli_relay_reply {
	uint16_t status;
	uint64_t detail; /* for an error: docs/protocol.md §2.1 */
	uint8_t *body;   /* owned; the response struct's encoding on success */
	size_t len;
};

/*
 * Split "host:port" or "[v6]:port" (port 1..65535). KENH_E_INVALID_ARG if
 * it is not of that form.
 */
KENH_MUST_CHECK int cli_relay_addr_parse(const char *addr, char host[static CLI_RELAY_HOST_MAX],
                                         char port[static CLI_RELAY_PORT_MAX]);

/*
 * Connect and handshake. *out (cli_relay_close) on success; on failure err
 * says why in one line (no such host, refused, the relay's certificate is
 * not trusted or names another host, ...). Errors: KENH_E_INVALID_ARG (a
 * bad address), KENH_E_IO, KENH_E_TIMEOUT, KENH_E_VERIFY, KENH_E_PROTO,
 * KENH_E_NOMEM, KENH_E_CRYPTO.
 */
KENH_MUST_CHECK int cli_relay_connect(struct kenh_ctx *ctx, const struct cli_relay_config *cfg,
                                      struct cli_relay **out, char err[static CLI_RELAY_ERR_LEN]);

/* Close (close_notify, then the socket) and free. NULL is allowed. */
void cli_relay_close(struct cli_relay *r);

/*
 * Send the request type with body msg (described by d; d NULL: an empty
 * body) and wait for its response (the connection's timeout). A refusal is
 * not an error here: it is reply->status. *reply is cleared at entry and
 * owned by the caller afterwards (cli_relay_reply_clear). Errors:
 * KENH_E_IO (the relay closed the connection: after a handshake with a
 * certificate, usually because it refused the certificate), KENH_E_TIMEOUT,
 * KENH_E_PROTO (a malformed or unexpected frame from the relay),
 * KENH_E_TOO_LARGE, KENH_E_NOMEM, or the encoder's error for msg. After an
 * error the connection is unusable.
 */
KENH_MUST_CHECK int cli_relay_call(struct cli_relay *r, uint16_t type, const struct proto_desc *d,
                                   const void *msg, struct cli_relay_reply *reply);

/*
 * Read the next frame (a push, usually) within timeout_ms (negative: no
 * limit). KENH_E_TIMEOUT if none began in time (the connection stays
 * usable); other errors as cli_relay_call.
 */
KENH_MUST_CHECK int cli_relay_next(struct cli_relay *r, int timeout_ms,
                                   struct cli_relay_frame *out);

/*
 * The connection's socket, for a program that waits for pushes in its own
 * poll loop (kenh daemon). Readable means cli_relay_next has something to
 * read; TLS may hold more than one frame, so call it again with a short
 * timeout until KENH_E_TIMEOUT.
 */
int cli_relay_fd(const struct cli_relay *r);

void cli_relay_reply_clear(struct cli_relay_reply *reply);
void cli_relay_frame_clear(struct cli_relay_frame *f);

/*
 * A reason for people for a refusal: kenh_strerror(-status), or a clearer
 * phrase for the statuses a command line sees most.
 */
const char *cli_relay_status_text(uint16_t status);

#endif /* KENH_COMMON_CLI_RELAY_H */
