/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The client side of the relay's transport (docs/protocol.md §1): TLS 1.3
 * only, ALPN "kenh/1", the relay's certificate verified against a CA file,
 * and, for an enrolled device, its device certificate and key as the TLS
 * client identity (RFC 8446 §4.4.2, §4.4.3). Here because OpenSSL may be
 * used only inside lib/crypto (STYLE R1.1). The caller makes the TCP
 * connection and hands over the socket; reads wait with poll() for at most
 * the timeout given. Every function leaves OpenSSL's error queue empty.
 */
#ifndef KENH_CRYPTO_TLSCLIENT_H
#define KENH_CRYPTO_TLSCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"
#include "util/util.h"

struct crypto_sigkey;
struct crypto_tls;

/* Who the client is: NULL key for an enrolling connection (no certificate). */
struct crypto_tls_identity {
	const struct crypto_sigkey *key; /* Ed25519 or P-256 device key */
	struct kenh_span cert;           /* the device certificate, DER */
};

/*
 * Run the TLS handshake over the connected socket fd (owned by the caller,
 * not closed here). ca_file: PEM certificates that may sign the relay's
 * certificate. KENH_E_IO if the file cannot be read or the handshake
 * fails (including a relay certificate that does not verify or no ALPN
 * agreement), KENH_E_UNSUPPORTED for a key type we cannot present,
 * KENH_E_NOMEM, KENH_E_CRYPTO.
 */
KENH_MUST_CHECK int crypto_tls_connect(int fd, const char *ca_file,
                                       const struct crypto_tls_identity *id, int timeout_ms,
                                       struct crypto_tls **out);

/* Write all len bytes. KENH_E_IO on failure. */
KENH_MUST_CHECK int crypto_tls_write(struct crypto_tls *t, const uint8_t *p, size_t len);

/*
 * Read exactly len bytes, waiting at most timeout_ms for each piece.
 * KENH_E_TIMEOUT, KENH_E_IO (closed by the peer or failed).
 */
KENH_MUST_CHECK int crypto_tls_read(struct crypto_tls *t, uint8_t *p, size_t len, int timeout_ms);

/* True if decrypted bytes are waiting inside TLS (poll() would not see them). */
bool crypto_tls_pending(const struct crypto_tls *t);

/* Free the TLS state (the socket stays open). t may be NULL. */
void crypto_tls_free(struct crypto_tls *t);

#endif /* KENH_CRYPTO_TLSCLIENT_H */
