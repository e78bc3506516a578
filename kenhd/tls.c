/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * TLS for kenhd (docs/protocol.md §1): the one place outside lib/crypto
 * that uses OpenSSL (STYLE R1.1). TLS 1.3 only, ALPN "kenh/1" required,
 * a client certificate requested but not required (enrolling devices have
 * none). OpenSSL is told to accept any client chain: the decision is
 * taken after the handshake by lib/crypto/pki.h's chain validation
 * (unit-subtree rule, CRLs), which is the organization's profile, and the
 * connection is closed if it fails. TLS itself still proves that the
 * client holds the certificate's key (CertificateVerify, RFC 8446 §4.4.3).
 * Also here: reading PEM or DER certificate and CRL files into DER.
 * Every function leaves OpenSSL's error queue empty (R3.9).
 */
#include "tls.h"

/* OpenSSL's headers use names compat.h poisons (rand), so they come first. */
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "util/compat.h"

#include "klog.h"
#include "util/mem.h"

/* The largest certificate or CRL file read. */
#define FILE_MAX (6u << 20)

/* RFC 7301 wire form of our one protocol name. */
static const unsigned char alpn_kenh[] = { 6, 'k', 'e', 'n', 'h', '/', '1' };

struct tls {
	SSL_CTX *ctx;
};

static void drain_errors(const char *what)
{
	unsigned long e;
	char buf[256];

	while ((e = ERR_get_error()) != 0) {
		ERR_error_string_n(e, buf, sizeof(buf));
		klog(KENH_LOG_DEBUG, "tls_error", "what=%s err=\"%s\"", what, buf);
	}
}

/* The chain is judged after the handshake by pki.h (see the file comment). */
static int accept_any(int ok, X509_STORE_CTX *xs)
{
	(void)ok;
	(void)xs;
	return 1;
}

/* RFC 7301 §3.2: no overlap with "kenh/1" is a fatal no_application_protocol alert. */
static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
                       const unsigned char *in, unsigned int inlen, void *arg)
{
	unsigned char *sel = NULL;

	(void)ssl;
	(void)arg;
	if (SSL_select_next_proto(&sel, outlen, alpn_kenh, sizeof(alpn_kenh), in, inlen) !=
	    OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_ALERT_FATAL;
	*out = sel;
	return SSL_TLSEXT_ERR_OK;
}

int tls_new(const struct config *cfg, struct tls **out, char *err, size_t errlen)
{
	struct tls *t = NULL;
	int rc;

	*out = NULL;
	if ((rc = mem_calloc(1, sizeof(*t), (void **)&t)) != 0) return rc;
	rc = KENH_ERR(KENH_E_CRYPTO);
	if ((t->ctx = SSL_CTX_new(TLS_server_method())) == NULL) goto out;
	if (SSL_CTX_set_min_proto_version(t->ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(t->ctx, TLS1_3_VERSION) != 1)
		goto out;
	if (SSL_CTX_use_certificate_chain_file(t->ctx, cfg->tls_cert) != 1) {
		snprintf(err, errlen, "%s: cannot load the certificate chain", cfg->tls_cert);
		goto out;
	}
	if (SSL_CTX_use_PrivateKey_file(t->ctx, cfg->tls_key, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(t->ctx) != 1) {
		snprintf(err, errlen, "%s: cannot load the key, or it does not match",
		         cfg->tls_key);
		goto out;
	}
	SSL_CTX_set_verify(t->ctx, SSL_VERIFY_PEER | SSL_VERIFY_CLIENT_ONCE, accept_any);
	SSL_CTX_set_alpn_select_cb(t->ctx, select_alpn, NULL);
	/* No resumption: every connection presents (and proves) its certificate again. */
	SSL_CTX_set_session_cache_mode(t->ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_num_tickets(t->ctx, 0);
	SSL_CTX_set_mode(t->ctx, SSL_MODE_RELEASE_BUFFERS);
	*out = t;
	t = NULL;
	rc = 0;
out:
	drain_errors("setup");
	tls_free(t);
	return rc;
}

void tls_free(struct tls *t)
{
	if (t == NULL) return;
	SSL_CTX_free(t->ctx);
	mem_free(t);
}

struct bufferevent *tls_bufferevent_new(struct tls *t, struct event_base *base, int fd)
{
	struct bufferevent *bev = NULL;
	SSL *ssl = SSL_new(t->ctx);

	if (ssl != NULL) {
		bev = bufferevent_openssl_socket_new(base, fd, ssl, BUFFEREVENT_SSL_ACCEPTING,
		                                     BEV_OPT_CLOSE_ON_FREE);
		if (bev == NULL) SSL_free(ssl);
	}
	drain_errors("accept");
	return bev;
}

bool tls_alpn_ok(struct bufferevent *bev)
{
	const unsigned char *p = NULL;
	unsigned int n = 0;
	SSL *ssl = bufferevent_openssl_get_ssl(bev);

	if (ssl == NULL) return false;
	SSL_get0_alpn_selected(ssl, &p, &n);
	return n == sizeof(alpn_kenh) - 1 && memcmp(p, alpn_kenh + 1, n) == 0;
}

int tls_peer_cert(struct bufferevent *bev, uint8_t **der, size_t *len)
{
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	X509 *x;
	unsigned char *p = NULL;
	int n, rc = KENH_E_NOT_FOUND;

	*der = NULL;
	*len = 0;
	if (ssl == NULL || (x = SSL_get1_peer_certificate(ssl)) == NULL) goto out;
	rc = KENH_ERR(KENH_E_PARSE);
	if ((n = i2d_X509(x, NULL)) > 0 && mem_alloc((size_t)n, (void **)der) == 0) {
		p = *der;
		if (i2d_X509(x, &p) == n) {
			*len = (size_t)n;
			rc = 0;
		} else {
			mem_free(*der);
			*der = NULL;
		}
	}
	X509_free(x);
out:
	drain_errors("peer");
	return rc;
}

/* Append one DER object to the list. */
static int add_object(struct kenh_span **objs, size_t *n, const uint8_t *p, size_t len)
{
	struct kenh_span *grown = NULL;
	uint8_t *copy = NULL;
	int rc;

	if ((rc = mem_dup(p, len, &copy)) != 0) return rc;
	if ((rc = mem_grow(*objs, *n + 1, sizeof(**objs), (void **)&grown)) != 0) {
		mem_free(copy);
		return rc;
	}
	*objs = grown;
	(*objs)[(*n)++] = span_make(copy, len);
	return 0;
}

static int read_pem(BIO *bio, bool crl, struct kenh_span **objs, size_t *n)
{
	int rc = 0;

	while (rc == 0) {
		unsigned char *der = NULL;
		int len;

		if (crl) {
			X509_CRL *c = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);

			if (c == NULL) break;
			len = i2d_X509_CRL(c, &der);
			X509_CRL_free(c);
		} else {
			X509 *x = PEM_read_bio_X509(bio, NULL, NULL, NULL);

			if (x == NULL) break;
			len = i2d_X509(x, &der);
			X509_free(x);
		}
		rc = len > 0 ? add_object(objs, n, der, (size_t)len) : KENH_ERR(KENH_E_PARSE);
		OPENSSL_free(der);
	}
	ERR_clear_error(); /* the end of the file is reported as an error */
	return rc == 0 && *n == 0 ? KENH_ERR(KENH_E_PARSE) : rc;
}

int tls_read_objects(const char *path, bool crl, struct kenh_span **out, size_t *n)
{
	static const char pem[] = "-----BEGIN";
	uint8_t *buf = NULL;
	size_t len = 0;
	FILE *f = NULL;
	BIO *bio = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	/* A PEM CRL is at most 4/3 of the largest DER we accept, plus its armour. */
	if ((rc = mem_alloc(FILE_MAX, (void **)&buf)) != 0) return rc;
	if ((f = fopen(path, "rb")) == NULL) {
		rc = KENH_ERR(KENH_E_IO);
		goto out;
	}
	len = fread(buf, 1, FILE_MAX, f);
	rc = ferror(f) || !feof(f) ? KENH_ERR(KENH_E_IO) : 0;
	fclose(f);
	if (rc != 0) goto out;
	if (len < sizeof(pem) - 1 || memcmp(buf, pem, sizeof(pem) - 1) != 0) {
		rc = len > 0 ? add_object(out, n, buf, len) : KENH_ERR(KENH_E_PARSE);
		goto out;
	}
	if ((bio = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		rc = KENH_ERR(KENH_E_NOMEM);
		goto out;
	}
	rc = read_pem(bio, crl, out, n);
	BIO_free(bio);
	drain_errors("read");
out:
	mem_free(buf);
	if (rc != 0) {
		tls_objects_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

void tls_objects_free(struct kenh_span *objs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		mem_free((void *)(uintptr_t)objs[i].p);
	mem_free(objs);
}
