/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenhd's TLS layer (tls.c): the server context and what conn.c needs of a
 * TLS connection, without any OpenSSL type in the interface. tls_new,
 * tls_free, tls_read_objects and tls_objects_free are declared in
 * relay.h with the rest of the relay's interfaces.
 */
#ifndef KENH_KENHD_TLS_H
#define KENH_KENHD_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "relay.h"

struct bufferevent;
struct event_base;

/* A server-side TLS bufferevent on fd (closed with it); NULL on failure. */
struct bufferevent *tls_bufferevent_new(struct tls *t, struct event_base *base, int fd);

/* True if the handshake selected ALPN "kenh/1". */
bool tls_alpn_ok(struct bufferevent *bev);

/*
 * The peer's leaf certificate as DER (*der owned, mem_free). KENH_E_NOT_FOUND
 * when the peer sent none (an enrolling device).
 */
KENH_MUST_CHECK int tls_peer_cert(struct bufferevent *bev, uint8_t **der, size_t *len);

#endif /* KENH_KENHD_TLS_H */
