/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * A TLS 1.3 client over a connected socket, for the programs that talk to
 * the relay (kenh, kenh-admin; docs/protocol.md §1): TLS 1.3 only, one
 * ALPN protocol that the server must select (RFC 7301 §3.2), the server
 * certificate checked against a CA file (or the system's store) and
 * against the host name or IP literal it was reached by (RFC 6125 through
 * OpenSSL's checks), and optionally a client certificate with its key in
 * crypto_sigkey form (Ed25519 or ECDSA P-256, docs/pki.md), which TLS
 * proves the client holds (RFC 8446 §4.4.3). No session resumption: every
 * connection presents its certificate again.
 *
 * It does blocking-style I/O on the caller's socket with poll() deadlines;
 * the socket stays the caller's (crypto_tls_free does not close it). The
 * frames of the relay protocol are the caller's business (lib/proto).
 */
#ifndef KENH_CRYPTO_TLSCLIENT_H
#define KENH_CRYPTO_TLSCLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"
#include "util/util.h"

struct kenh_ctx;
struct crypto_sigkey;
struct crypto_tls;

/* Room for a one-line reason a handshake failed (server certificate, ALPN). */
#define CRYPTO_TLS_ERR_LEN 160

struct crypto_tls_config {
	const char *host;      /* name or IP literal the server was reached by: checked, and SNI */
	const char *ca_file;   /* PEM file of the CAs trusted for the server; NULL: the system's */
	const char *alpn;      /* the one protocol to negotiate, e.g. "kenh/1" (1..255 bytes) */
	struct kenh_span cert; /* client certificate, DER; len 0: none */
	const struct crypto_sigkey *key; /* its key (borrowed for the call); NULL without cert */
	int timeout_ms;                  /* the handshake's deadline, and the default for I/O */
};

/*
 * Run a TLS 1.3 handshake on the connected socket fd (made non-blocking;
 * borrowed for the life of *out). *out (crypto_tls_free) on success.
 * Errors: KENH_E_VERIFY (the server's certificate is not trusted or does not
 * name host), KENH_E_PROTO (the server did not select the ALPN protocol),
 * KENH_E_TIMEOUT, KENH_E_IO (connection closed or refused during the
 * handshake, e.g. the server rejected our certificate), KENH_E_PARSE (cert
 * is not a certificate), KENH_E_INVALID_ARG, KENH_E_CRYPTO. err receives a
 * one-line reason for people (always NUL-terminated). The key is copied
 * into OpenSSL's structures and freed with them.
 */
KENH_MUST_CHECK int crypto_tls_connect(const struct kenh_ctx *ctx,
                                       const struct crypto_tls_config *cfg, int fd,
                                       struct crypto_tls **out,
                                       char err[static CRYPTO_TLS_ERR_LEN]);

/*
 * Send all len bytes within the connection's timeout. KENH_E_TIMEOUT,
 * KENH_E_IO (the connection failed or was closed).
 */
KENH_MUST_CHECK int crypto_tls_write(struct crypto_tls *t, const uint8_t *p, size_t len);

/*
 * Read between 1 and cap bytes into p, waiting at most timeout_ms (0: the
 * connection's timeout; negative: no limit). *n is the count. KENH_E_TIMEOUT
 * when nothing arrived in time (nothing is lost: call again), KENH_E_IO when
 * the peer closed the connection or it failed.
 */
KENH_MUST_CHECK int crypto_tls_read(struct crypto_tls *t, uint8_t *p, size_t cap, size_t *n,
                                    int timeout_ms);

/* Send close_notify (best effort, no waiting) and free; the socket is left open. NULL ok. */
void crypto_tls_free(struct crypto_tls *t);

#endif /* KENH_CRYPTO_TLSCLIENT_H */
