/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * A blocking kenh/1 connection to the relay for the command-line programs
 * (docs/protocol.md): TCP to "host:port", TLS 1.3 through
 * lib/crypto/tlsclient.h with the device certificate (or none, for an
 * enrolling connection), and frames (§2): one request at a time, its
 * response matched by request id. Pushes (PUSH_DELIVERY, §5) that arrive
 * while a response is awaited are counted and dropped: delivery is at
 * least once, so the next FETCH returns them again (the cursor moves only
 * on ACK).
 */
#ifndef KENH_COMMON_CLI_RELAY_H
#define KENH_COMMON_CLI_RELAY_H

#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"
#include "util/util.h"

struct crypto_sigkey;
struct proto_desc;
struct cli_relay;

/*
 * Connect to addr ("host:port"), verifying the relay's certificate with
 * the PEM file ca_file. key and cert may be NULL/empty (enrolling).
 * KENH_E_INVALID_ARG for an address without a port, KENH_E_IO when the
 * relay cannot be reached or the TLS handshake fails.
 */
KENH_MUST_CHECK int cli_relay_connect(const char *addr, const char *ca_file,
                                      const struct crypto_sigkey *key, struct kenh_span cert,
                                      int timeout_ms, struct cli_relay **out);

void cli_relay_close(struct cli_relay *r);

/*
 * Send request type with body req (described by d; NULL d: empty body)
 * and wait for its response. The status (0, or a positive KENH_E_* value
 * as the relay sent it) in *status; for status 0 the response struct is
 * decoded into resp (described by rd, resp_size bytes; views point into
 * the connection's last frame, valid until the next call; release list
 * arrays with proto_msg_clear), otherwise *detail has the detail field.
 * Returns 0 when a response arrived (whatever its status); KENH_E_IO,
 * KENH_E_TIMEOUT, parse errors otherwise.
 */
KENH_MUST_CHECK int cli_relay_call(struct cli_relay *r, uint16_t type, const struct proto_desc *d,
                                   const void *req, const struct proto_desc *rd, void *resp,
                                   size_t resp_size, uint16_t *status, uint64_t *detail);

/*
 * Wait at most timeout_ms for a push. 0 and *got = true when one arrived
 * (it is dropped: the caller fetches), *got = false on timeout.
 */
KENH_MUST_CHECK int cli_relay_wait_push(struct cli_relay *r, int timeout_ms, bool *got);

/* A status from the relay as a negative KENH_E_* code (0 stays 0). */
int cli_relay_code(uint16_t status);

#endif /* KENH_COMMON_CLI_RELAY_H */
