/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The TLS 1.3 client of tlsclient.h: an OpenSSL SSL object over the
 * caller's socket, non-blocking underneath, with poll() waits bounded by
 * deadlines. The SSL_CTX lives in the provider's library context, so the
 * client key (imported through pki_int.h from its crypto_sigkey form) and
 * the certificates are read by the same providers as everything else.
 * Server name checks: RFC 6125 host names through SSL_set1_host, IP
 * literals through X509_VERIFY_PARAM_set1_ip_asc (RFC 5280 §4.2.1.6
 * iPAddress). Every function leaves OpenSSL's error queue empty (R3.9).
 */
#include "crypto/tlsclient.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "util/compat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <time.h>

#include "crypto/pki.h"
#include "crypto/pki_int.h"
#include "util/ctx.h"
#include "util/mem.h"

struct crypto_tls {
	const struct kenh_ctx *ctx;
	SSL_CTX *sctx;
	SSL *ssl;
	int fd;
	int timeout_ms;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A deadline timeout_ms from now; -1 for none (a negative timeout). */
static int64_t deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
}

/* Wait until fd is readable (or writable) or the deadline passes. */
static int wait_fd(int fd, bool writing, int64_t deadline)
{
	struct pollfd pfd = { fd, writing ? POLLOUT : POLLIN, 0 };
	int64_t left;
	int n;

	for (;;) {
		left = deadline < 0 ? -1 : deadline - now_ms();
		if (deadline >= 0 && left <= 0) return KENH_E_TIMEOUT;
		n = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (n > 0) return 0;
		if (n == 0) return KENH_E_TIMEOUT;
		if (errno != EINTR) return KENH_ERR(KENH_E_IO);
	}
}

/* After an SSL call returned r <= 0: wait for what it wants, or map its failure. */
static int retry_or_fail(struct crypto_tls *t, int r, int64_t deadline)
{
	switch (SSL_get_error(t->ssl, r)) {
	case SSL_ERROR_WANT_READ:
		return wait_fd(t->fd, false, deadline);
	case SSL_ERROR_WANT_WRITE:
		return wait_fd(t->fd, true, deadline);
	default:
		/* Closed (close_notify or EOF), reset, or a TLS alert: the connection is over. */
		return KENH_ERR(KENH_E_IO);
	}
}

/* RFC 7301 §3.1: the ProtocolNameList wire form of one name. */
static int set_alpn(SSL_CTX *sctx, const char *alpn)
{
	uint8_t wire[256];
	size_t n = strlen(alpn);

	if (n == 0 || n > 255) return KENH_ERR(KENH_E_INVALID_ARG);
	wire[0] = (uint8_t)n;
	memcpy(wire + 1, alpn, n);
	/* SSL_CTX_set_alpn_protos returns 0 on success. */
	return SSL_CTX_set_alpn_protos(sctx, wire, (unsigned)(n + 1)) == 0
	               ? 0
	               : KENH_ERR(KENH_E_CRYPTO);
}

/* The client certificate and its key. */
static int set_identity(struct crypto_tls *t, const struct crypto_tls_config *cfg)
{
	const unsigned char *p = cfg->cert.p;
	X509 *x = X509_new_ex(crypto_pki_libctx(t->ctx), NULL);
	EVP_PKEY *k = NULL;
	int rc;

	if (x == NULL) return KENH_ERR(KENH_E_NOMEM);
	if (cfg->cert.len > LONG_MAX || d2i_X509(&x, &p, (long)cfg->cert.len) == NULL ||
	    p != cfg->cert.p + cfg->cert.len) {
		/* d2i_X509 frees x on failure. */
		x = NULL;
		rc = KENH_ERR(KENH_E_PARSE);
		goto out;
	}
	if ((rc = crypto_pki_pkey_sk(t->ctx, cfg->key, &k)) != 0) goto out;
	if (SSL_CTX_use_certificate(t->sctx, x) != 1 || SSL_CTX_use_PrivateKey(t->sctx, k) != 1 ||
	    SSL_CTX_check_private_key(t->sctx) != 1)
		rc = KENH_ERR(KENH_E_CRYPTO);
out:
	X509_free(x);
	EVP_PKEY_free(k);
	return rc;
}

/* SSL_CTX: TLS 1.3 only, the trusted CAs, peer verification, ALPN, our identity. */
static int setup_ctx(struct crypto_tls *t, const struct crypto_tls_config *cfg, char *err)
{
	int rc;

	t->sctx = SSL_CTX_new_ex(crypto_pki_libctx(t->ctx), NULL, TLS_client_method());
	if (t->sctx == NULL) return KENH_ERR(KENH_E_CRYPTO);
	if (SSL_CTX_set_min_proto_version(t->sctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(t->sctx, TLS1_3_VERSION) != 1)
		return KENH_ERR(KENH_E_CRYPTO);
	if (cfg->ca_file != NULL ? SSL_CTX_load_verify_file(t->sctx, cfg->ca_file) != 1
	                         : SSL_CTX_set_default_verify_paths(t->sctx) != 1) {
		snprintf(err, CRYPTO_TLS_ERR_LEN, "cannot read the trusted CAs from %s",
		         cfg->ca_file != NULL ? cfg->ca_file : "the system's store");
		return KENH_ERR(KENH_E_IO);
	}
	SSL_CTX_set_verify(t->sctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_session_cache_mode(t->sctx, SSL_SESS_CACHE_OFF);
	if ((rc = set_alpn(t->sctx, cfg->alpn)) != 0) return rc;
	if (cfg->cert.len > 0 && (rc = set_identity(t, cfg)) != 0) {
		snprintf(err, CRYPTO_TLS_ERR_LEN, "cannot use the client certificate and key");
		return rc;
	}
	return 0;
}

/* The SSL object on fd, with the server name to check (and to send, for a host name). */
static int setup_ssl(struct crypto_tls *t, const struct crypto_tls_config *cfg)
{
	uint8_t addr[16];
	bool is_ip = inet_pton(AF_INET, cfg->host, addr) == 1 ||
	             inet_pton(AF_INET6, cfg->host, addr) == 1;
	int fl;

	if ((fl = fcntl(t->fd, F_GETFL)) < 0 || fcntl(t->fd, F_SETFL, fl | O_NONBLOCK) != 0)
		return KENH_ERR(KENH_E_IO);
	if ((t->ssl = SSL_new(t->sctx)) == NULL || SSL_set_fd(t->ssl, t->fd) != 1)
		return KENH_ERR(KENH_E_CRYPTO);
	if (is_ip) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), cfg->host) != 1)
			return KENH_ERR(KENH_E_INVALID_ARG);
		return 0;
	}
	/* RFC 6066 §3: SNI carries host names only, never literal addresses. */
	if (SSL_set1_host(t->ssl, cfg->host) != 1 ||
	    SSL_set_tlsext_host_name(t->ssl, cfg->host) != 1)
		return KENH_ERR(KENH_E_INVALID_ARG);
	return 0;
}

static int handshake(struct crypto_tls *t, const struct crypto_tls_config *cfg, char *err)
{
	int64_t deadline = deadline_of(t->timeout_ms);
	const unsigned char *sel = NULL;
	unsigned int nsel = 0;
	long v;
	int r, rc;

	while ((r = SSL_connect(t->ssl)) != 1) {
		if ((rc = retry_or_fail(t, r, deadline)) == 0) continue;
		if ((v = SSL_get_verify_result(t->ssl)) != X509_V_OK) {
			snprintf(err, CRYPTO_TLS_ERR_LEN, "the server's certificate: %s",
			         X509_verify_cert_error_string(v));
			return KENH_ERR(KENH_E_VERIFY);
		}
		snprintf(err, CRYPTO_TLS_ERR_LEN, "%s",
		         rc == KENH_E_TIMEOUT ? "no TLS handshake in time"
		                              : "the TLS handshake failed");
		return rc;
	}
	/* RFC 7301 §3.2: a server that speaks our protocol selects it. */
	SSL_get0_alpn_selected(t->ssl, &sel, &nsel);
	if (nsel != strlen(cfg->alpn) || memcmp(sel, cfg->alpn, nsel) != 0) {
		snprintf(err, CRYPTO_TLS_ERR_LEN, "the server does not speak %s", cfg->alpn);
		return KENH_ERR(KENH_E_PROTO);
	}
	return 0;
}

int crypto_tls_connect(const struct kenh_ctx *ctx, const struct crypto_tls_config *cfg, int fd,
                       struct crypto_tls **out, char err[static CRYPTO_TLS_ERR_LEN])
{
	struct crypto_tls *t = NULL;
	int rc;

	*out = NULL;
	err[0] = '\0';
	if (cfg->host == NULL || cfg->alpn == NULL || (cfg->cert.len > 0) != (cfg->key != NULL))
		return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = mem_calloc(1, sizeof(*t), (void **)&t)) != 0) return rc;
	t->ctx = ctx;
	t->fd = fd;
	t->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : 10000;
	if ((rc = setup_ctx(t, cfg, err)) != 0) goto out;
	if ((rc = setup_ssl(t, cfg)) != 0) goto out;
	if ((rc = handshake(t, cfg, err)) != 0) goto out;
	*out = t;
	t = NULL;
out:
	if (rc != 0 && err[0] == '\0')
		snprintf(err, CRYPTO_TLS_ERR_LEN, "TLS setup: %s", kenh_strerror(rc));
	crypto_pki_drain(ctx, __func__);
	crypto_tls_free(t);
	return rc;
}

int crypto_tls_write(struct crypto_tls *t, const uint8_t *p, size_t len)
{
	int64_t deadline = deadline_of(t->timeout_ms);
	size_t done = 0;
	int r, rc = 0;

	while (rc == 0 && len > 0) {
		/* Without partial writes, a retry after WANT_WRITE repeats the same call. */
		r = SSL_write_ex(t->ssl, p, len, &done);
		if (r == 1) {
			p += done;
			len -= done;
			continue;
		}
		rc = retry_or_fail(t, r, deadline);
	}
	crypto_pki_drain(t->ctx, __func__);
	return rc;
}

int crypto_tls_read(struct crypto_tls *t, uint8_t *p, size_t cap, size_t *n, int timeout_ms)
{
	int64_t deadline = deadline_of(timeout_ms == 0 ? t->timeout_ms : timeout_ms);
	int r, rc = 0;

	*n = 0;
	if (cap == 0) return KENH_ERR(KENH_E_INVALID_ARG);
	while (rc == 0) {
		if ((r = SSL_read_ex(t->ssl, p, cap, n)) == 1) break;
		*n = 0;
		rc = retry_or_fail(t, r, deadline);
	}
	crypto_pki_drain(t->ctx, __func__);
	return rc;
}

void crypto_tls_free(struct crypto_tls *t)
{
	if (t == NULL) return;
	/* One close_notify attempt; the peer's answer is not awaited (RFC 8446 §6.1). */
	if (t->ssl != NULL && SSL_is_init_finished(t->ssl)) (void)SSL_shutdown(t->ssl);
	SSL_free(t->ssl);
	SSL_CTX_free(t->sctx);
	crypto_pki_drain(t->ctx, __func__);
	mem_free(t);
}
