/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The test client's connection: TCP, TLS 1.3 with ALPN "kenh/1" and the
 * device certificate, the relay verified against its CA, and kenh/1
 * frames (docs/protocol.md §2) read and written with blocking I/O and
 * poll() timeouts.
 */
#include "relayc.h"

/* OpenSSL's headers use names compat.h poisons (rand), so they come first. */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "util/compat.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "proto/proto.h"
#include "util/mem.h"

struct rc_conn {
	int fd;
	SSL_CTX *ctx;
	SSL *ssl;
	uint32_t next_req;
	int timeout_ms;
	struct rc_bytes cert;
};

void rc_bytes_free(struct rc_bytes *b)
{
	mem_free(b->p);
	b->p = NULL;
	b->len = 0;
}

int rc_file_read(const char *path, struct rc_bytes *out)
{
	FILE *f = fopen(path, "rb");
	long n;
	int rc = 0;

	out->p = NULL;
	out->len = 0;
	if (f == NULL) return KENH_E_IO;
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		rc = KENH_E_IO;
	if (rc == 0 && (rc = mem_alloc((size_t)n, (void **)&out->p)) == 0) {
		out->len = fread(out->p, 1, (size_t)n, f);
		if (out->len != (size_t)n) rc = KENH_E_IO;
	}
	fclose(f);
	if (rc != 0) rc_bytes_free(out);
	return rc;
}

int rc_file_write(const char *path, const uint8_t *p, size_t len)
{
	char tmp[600];
	FILE *f;
	int ok;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	if ((f = fopen(tmp, "wb")) == NULL) return KENH_E_IO;
	ok = fwrite(p, 1, len, f) == len;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) != 0) return KENH_E_IO;
	return 0;
}

/* Connect from a chosen local IPv4 address (per-address limits: docs/protocol.md §7). */
static int bind_local(int fd, const char *local)
{
	struct sockaddr_in sin;

	if (local == NULL) return 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if (inet_pton(AF_INET, local, &sin.sin_addr) != 1) return -1;
	return bind(fd, (const struct sockaddr *)&sin, sizeof(sin));
}

static int tcp_connect(const char *host, const char *port, const char *local)
{
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, port, &hints, &res) != 0) return -1;
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype, ai->ai_protocol);
		if (fd >= 0 &&
		    (bind_local(fd, local) != 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0)) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	/* Frames are small; no Nagle delay against the relay's delayed ACKs. */
	if (fd >= 0) (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	return fd;
}

/* The device's Ed25519 key from 64 hex digits. */
static EVP_PKEY *load_key(const char *path)
{
	struct rc_bytes b = { 0 };
	uint8_t sk[32];
	EVP_PKEY *k = NULL;
	size_t i;
	unsigned v;

	if (rc_file_read(path, &b) != 0 || b.len < 64) goto out;
	for (i = 0; i < 32; i++) {
		if (sscanf((const char *)b.p + 2 * i, "%2x", &v) != 1) goto out;
		sk[i] = (uint8_t)v;
	}
	k = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, sk, sizeof(sk));
out:
	OPENSSL_cleanse(sk, sizeof(sk));
	rc_bytes_free(&b);
	return k;
}

static int setup_identity(struct rc_conn *c, const struct rc_opts *o)
{
	const unsigned char *p;
	EVP_PKEY *key;
	X509 *x;
	int ok;

	if (rc_file_read(o->cert, &c->cert) != 0) return KENH_E_IO;
	p = c->cert.p;
	if ((x = d2i_X509(NULL, &p, (long)c->cert.len)) == NULL) return KENH_E_PARSE;
	if ((key = load_key(o->key)) == NULL) {
		X509_free(x);
		return KENH_E_PARSE;
	}
	ok = SSL_CTX_use_certificate(c->ctx, x) == 1 && SSL_CTX_use_PrivateKey(c->ctx, key) == 1;
	X509_free(x);
	EVP_PKEY_free(key);
	return ok ? 0 : KENH_E_CRYPTO;
}

static int tls_setup(struct rc_conn *c, const struct rc_opts *o)
{
	static const unsigned char alpn[] = { 6, 'k', 'e', 'n', 'h', '/', '1' };

	if ((c->ctx = SSL_CTX_new(TLS_client_method())) == NULL) return KENH_E_CRYPTO;
	SSL_CTX_set_min_proto_version(c->ctx, TLS1_3_VERSION);
	if (SSL_CTX_load_verify_locations(c->ctx, o->ca, NULL) != 1) return KENH_E_IO;
	SSL_CTX_set_verify(c->ctx, SSL_VERIFY_PEER, NULL);
	if (SSL_CTX_set_alpn_protos(c->ctx, alpn, sizeof(alpn)) != 0) return KENH_E_CRYPTO;
	if (o->cert != NULL && setup_identity(c, o) != 0) return KENH_E_CRYPTO;
	if ((c->ssl = SSL_new(c->ctx)) == NULL || SSL_set_fd(c->ssl, c->fd) != 1)
		return KENH_E_CRYPTO;
	if (SSL_connect(c->ssl) != 1) return KENH_E_IO;
	return 0;
}

int rc_connect(const struct rc_opts *o, struct rc_conn **out)
{
	struct rc_conn *c = NULL;
	int rc;

	*out = NULL;
	if ((rc = mem_calloc(1, sizeof(*c), (void **)&c)) != 0) return rc;
	c->timeout_ms = o->timeout_ms > 0 ? o->timeout_ms : 10000;
	c->next_req = 1;
	if ((c->fd = tcp_connect(o->host, o->port, o->bind)) < 0) {
		mem_free(c);
		return KENH_E_IO;
	}
	if ((rc = tls_setup(c, o)) != 0) {
		ERR_clear_error();
		rc_close(c);
		return rc;
	}
	*out = c;
	return 0;
}

void rc_close(struct rc_conn *c)
{
	if (c == NULL) return;
	if (c->ssl) SSL_free(c->ssl);
	if (c->ctx) SSL_CTX_free(c->ctx);
	if (c->fd >= 0) close(c->fd);
	rc_bytes_free(&c->cert);
	mem_free(c);
}

struct kenh_span rc_conn_cert(const struct rc_conn *c)
{
	return span_make(c->cert.p, c->cert.len);
}

int rc_conn_fd(const struct rc_conn *c)
{
	return c->fd;
}

int rc_send_raw(struct rc_conn *c, const uint8_t *p, size_t len)
{
	while (len > 0) {
		int n = SSL_write(c->ssl, p, len > INT32_MAX ? INT32_MAX : (int)len);

		if (n <= 0) {
			ERR_clear_error();
			return KENH_E_IO;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/*
 * With KENH_RELAYC_DUMP=DIR, every request frame sent is also written to
 * DIR/PID-N (seeds for fuzz/fuzz_relay_frame.c).
 */
static void dump_frame(const uint8_t *p, size_t len)
{
	static unsigned long n;
	const char *dir = getenv("KENH_RELAYC_DUMP");
	char path[512];

	if (dir == NULL) return;
	snprintf(path, sizeof(path), "%s/%ld-%lu", dir, (long)getpid(), n++);
	(void)rc_file_write(path, p, len);
}

int rc_send(struct rc_conn *c, uint16_t type, const struct codec_writer *body, uint32_t *req)
{
	struct proto_header hd = { (uint32_t)body->len, type, c->next_req++ };
	uint8_t *frame = NULL;
	int rc;

	*req = hd.request_id;
	/* One write, so header and body travel in one TLS record. */
	if ((rc = mem_alloc(PROTO_HEADER_LEN + body->len, (void **)&frame)) != 0) return rc;
	proto_header_encode(&hd, frame);
	if (body->len > 0) memcpy(frame + PROTO_HEADER_LEN, body->buf, body->len);
	rc = rc_send_raw(c, frame, PROTO_HEADER_LEN + body->len);
	dump_frame(frame, PROTO_HEADER_LEN + body->len);
	mem_free(frame);
	return rc;
}

/* Read exactly len bytes, waiting at most until the deadline. */
static int read_full(struct rc_conn *c, uint8_t *p, size_t len, int timeout_ms)
{
	while (len > 0) {
		struct pollfd pfd = { c->fd, POLLIN, 0 };
		int n;

		if (SSL_pending(c->ssl) == 0) {
			n = poll(&pfd, 1, timeout_ms);
			if (n == 0) return KENH_E_TIMEOUT;
			if (n < 0 && errno != EINTR) return KENH_E_IO;
			if (n < 0) continue;
		}
		n = SSL_read(c->ssl, p, len > INT32_MAX ? INT32_MAX : (int)len);
		if (n <= 0) {
			int e = SSL_get_error(c->ssl, n);

			ERR_clear_error();
			if (e == SSL_ERROR_WANT_READ) continue;
			return KENH_E_IO;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int rc_read(struct rc_conn *c, int timeout_ms, struct rc_frame *out)
{
	uint8_t h[PROTO_HEADER_LEN];
	struct proto_header hd;
	int rc;

	memset(out, 0, sizeof(*out));
	if (timeout_ms <= 0) timeout_ms = c->timeout_ms;
	if ((rc = read_full(c, h, sizeof(h), timeout_ms)) != 0) return rc;
	if ((rc = proto_header_decode(h, sizeof(h), &hd)) != 0) return rc;
	if (hd.length > LIMIT_FRAME) return KENH_E_TOO_LARGE;
	if ((rc = mem_alloc(hd.length, (void **)&out->body.p)) != 0) return rc;
	out->body.len = hd.length;
	out->type = hd.type;
	out->request_id = hd.request_id;
	if ((rc = read_full(c, out->body.p, hd.length, timeout_ms)) != 0) rc_frame_free(out);
	return rc;
}

void rc_frame_free(struct rc_frame *f)
{
	rc_bytes_free(&f->body);
}

int rc_call(struct rc_conn *c, uint16_t type, const struct codec_writer *body, rc_push_fn *on_push,
            void *arg, uint16_t *status, struct rc_bytes *resp)
{
	struct rc_frame f;
	struct codec_reader r;
	uint64_t detail = 0;
	uint32_t req;
	int rc;

	*status = 0;
	memset(resp, 0, sizeof(*resp));
	if ((rc = rc_send(c, type, body, &req)) != 0) return rc;
	for (;;) {
		if ((rc = rc_read(c, 0, &f)) != 0) return rc;
		if (f.request_id == req && f.type == (type | PROTO_RESPONSE_BIT)) break;
		if (f.request_id == 0 && on_push) on_push(arg, &f);
		rc_frame_free(&f);
	}
	codec_reader_init(&r, f.body.p, f.body.len);
	if ((rc = proto_status_read(&r, status, &detail)) == 0) {
		size_t off = f.body.len - codec_reader_remaining(&r);

		if (*status != 0) {
			if ((rc = mem_alloc(8, (void **)&resp->p)) == 0) {
				store_be64(resp->p, detail);
				resp->len = 8;
			}
		} else {
			rc = mem_dup(f.body.p + off, f.body.len - off, &resp->p);
			if (rc == 0) resp->len = f.body.len - off;
		}
	}
	rc_frame_free(&f);
	return rc;
}

int rc_cert_der(const char *path, struct rc_bytes *out)
{
	struct rc_bytes raw = { 0 };
	unsigned char *der = NULL;
	X509 *x = NULL;
	BIO *bio;
	int n, rc;

	if ((rc = rc_file_read(path, &raw)) != 0) return rc;
	if (raw.len < 10 || memcmp(raw.p, "-----BEGIN", 10) != 0) {
		*out = raw;
		return 0;
	}
	rc = KENH_E_PARSE;
	if ((bio = BIO_new_mem_buf(raw.p, (int)raw.len)) != NULL &&
	    (x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL && (n = i2d_X509(x, &der)) > 0 &&
	    mem_dup(der, (size_t)n, &out->p) == 0) {
		out->len = (size_t)n;
		rc = 0;
	}
	OPENSSL_free(der);
	X509_free(x);
	BIO_free(bio);
	ERR_clear_error();
	rc_bytes_free(&raw);
	return rc;
}
