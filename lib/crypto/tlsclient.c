/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * TLS 1.3 client for the relay protocol (docs/protocol.md §1) over
 * OpenSSL: minimum and maximum version TLS 1.3 (RFC 8446), ALPN "kenh/1"
 * (RFC 7301) that must be negotiated, peer verification against the CA
 * file, and the device key imported from its raw private bytes as the
 * client certificate's key.
 */
#include "crypto/tlsclient.h"

/* OpenSSL's headers use names compat.h poisons (rand), so they come first. */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "util/compat.h"

#include <errno.h>
#include <poll.h>

#include "crypto/crypto.h"
#include "crypto/pki.h"
#include "util/mem.h"

struct crypto_tls {
	SSL_CTX *ctx;
	SSL *ssl;
	int fd;
};

/* RFC 7301 §3.1 wire form of our one protocol name. */
static const unsigned char alpn_kenh[] = { 6, 'k', 'e', 'n', 'h', '/', '1' };

static int fail(int code)
{
	ERR_clear_error();
	return KENH_ERR(code);
}

/* The device key as an EVP_PKEY; only Ed25519 device keys are presented for now. */
static int import_key(const struct crypto_sigkey *k, EVP_PKEY **out)
{
	*out = NULL;
	if (k->sig_id != CRYPTO_SIG_ED25519) return KENH_ERR(KENH_E_UNSUPPORTED);
	*out = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, k->sk, k->sklen);
	return *out != NULL ? 0 : fail(KENH_E_CRYPTO);
}

static int use_identity(SSL_CTX *ctx, const struct crypto_tls_identity *id)
{
	const unsigned char *p = id->cert.p;
	EVP_PKEY *key = NULL;
	X509 *x;
	int rc;

	if ((x = d2i_X509(NULL, &p, (long)id->cert.len)) == NULL) return fail(KENH_E_PARSE);
	if ((rc = import_key(id->key, &key)) == 0 &&
	    (SSL_CTX_use_certificate(ctx, x) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1))
		rc = fail(KENH_E_CRYPTO);
	X509_free(x);
	EVP_PKEY_free(key);
	return rc;
}

/* Wait until fd is ready for what SSL asked (want read or write) or the time is up. */
static int wait_io(int fd, int want_write, int timeout_ms)
{
	struct pollfd pfd = { fd, (short)(want_write ? POLLOUT : POLLIN), 0 };
	int n;

	do
		n = poll(&pfd, 1, timeout_ms);
	while (n < 0 && errno == EINTR);
	if (n == 0) return KENH_ERR(KENH_E_TIMEOUT);
	return n < 0 ? KENH_ERR(KENH_E_IO) : 0;
}

static int setup(struct crypto_tls *t, const char *ca_file, const struct crypto_tls_identity *id)
{
	int rc;

	if ((t->ctx = SSL_CTX_new(TLS_client_method())) == NULL) return fail(KENH_E_NOMEM);
	if (SSL_CTX_set_min_proto_version(t->ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(t->ctx, TLS1_3_VERSION) != 1)
		return fail(KENH_E_CRYPTO);
	if (SSL_CTX_load_verify_locations(t->ctx, ca_file, NULL) != 1) return fail(KENH_E_IO);
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER, NULL);
	/* SSL_CTX_set_alpn_protos returns 0 on success (unlike the rest of the API). */
	if (SSL_CTX_set_alpn_protos(t->ctx, alpn_kenh, sizeof(alpn_kenh)) != 0)
		return fail(KENH_E_CRYPTO);
	if (id != NULL && id->key != NULL && (rc = use_identity(t->ctx, id)) != 0) return rc;
	if ((t->ssl = SSL_new(t->ctx)) == NULL || SSL_set_fd(t->ssl, t->fd) != 1)
		return fail(KENH_E_NOMEM);
	return 0;
}

static int handshake(struct crypto_tls *t, int timeout_ms)
{
	const unsigned char *proto = NULL;
	unsigned int plen = 0;
	int n, e, rc;

	for (;;) {
		if ((n = SSL_connect(t->ssl)) == 1) break;
		e = SSL_get_error(t->ssl, n);
		if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) return fail(KENH_E_IO);
		if ((rc = wait_io(t->fd, e == SSL_ERROR_WANT_WRITE, timeout_ms)) != 0) return rc;
	}
	/* docs/protocol.md §1: a connection that did not agree on kenh/1 is not used. */
	SSL_get0_alpn_selected(t->ssl, &proto, &plen);
	if (plen != sizeof(alpn_kenh) - 1 || memcmp(proto, alpn_kenh + 1, plen) != 0)
		return fail(KENH_E_PROTO);
	return 0;
}

int crypto_tls_connect(int fd, const char *ca_file, const struct crypto_tls_identity *id,
                       int timeout_ms, struct crypto_tls **out)
{
	struct crypto_tls *t = NULL;
	int rc;

	*out = NULL;
	if ((rc = mem_calloc(1, sizeof(*t), (void **)&t)) != 0) return rc;
	t->fd = fd;
	if ((rc = setup(t, ca_file, id)) == 0) rc = handshake(t, timeout_ms);
	if (rc != 0) {
		crypto_tls_free(t);
		return rc;
	}
	*out = t;
	return 0;
}

int crypto_tls_write(struct crypto_tls *t, const uint8_t *p, size_t len)
{
	while (len > 0) {
		int n = SSL_write(t->ssl, p, len > INT32_MAX ? INT32_MAX : (int)len);

		if (n <= 0) return fail(KENH_E_IO);
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int crypto_tls_read(struct crypto_tls *t, uint8_t *p, size_t len, int timeout_ms)
{
	int rc;

	while (len > 0) {
		int n, e;

		if (SSL_pending(t->ssl) == 0 && (rc = wait_io(t->fd, 0, timeout_ms)) != 0) return rc;
		n = SSL_read(t->ssl, p, len > INT32_MAX ? INT32_MAX : (int)len);
		if (n <= 0) {
			e = SSL_get_error(t->ssl, n);
			ERR_clear_error();
			if (e == SSL_ERROR_WANT_READ) continue;
			return KENH_ERR(KENH_E_IO);
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

bool crypto_tls_pending(const struct crypto_tls *t)
{
	return SSL_pending(t->ssl) > 0;
}

void crypto_tls_free(struct crypto_tls *t)
{
	if (t == NULL) return;
	if (t->ssl != NULL) SSL_free(t->ssl);
	if (t->ctx != NULL) SSL_CTX_free(t->ctx);
	ERR_clear_error();
	mem_free(t);
}
