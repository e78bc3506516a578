/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The relay client of cli_relay.h: TCP with a connect deadline, TLS through
 * lib/crypto/tlsclient.h, and kenh/1 frames (docs/protocol.md §2): the
 * 10-byte header, a body of at most LIMIT_FRAME bytes, responses matched by
 * request id and type, pushes (request id 0, push types) handed to the
 * callback.
 */
#include "cli_relay.h"

#include "util/compat.h"

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
#include "crypto/tlsclient.h"
#include "proto/proto.h"
#include "util/mem.h"

#define ALPN_KENH          "kenh/1"
#define DEFAULT_TIMEOUT_MS 10000

struct cli_relay {
	int fd;
	struct crypto_tls *tls;
	uint32_t next_req;
	int timeout_ms;
	bool broken; /* a frame was cut short: the stream is out of step */
	cli_relay_push_fn *on_push;
	void *push_arg;
};

int cli_relay_addr_parse(const char *addr, char host[static CLI_RELAY_HOST_MAX],
                         char port[static CLI_RELAY_PORT_MAX])
{
	const char *colon, *h = addr;
	size_t hlen;
	char *end = NULL;
	unsigned long p;

	host[0] = '\0';
	port[0] = '\0';
	if (addr[0] == '[') {
		const char *close = strchr(addr, ']');

		if (close == NULL || close[1] != ':') return KENH_ERR(KENH_E_INVALID_ARG);
		h = addr + 1;
		hlen = (size_t)(close - h);
		colon = close + 1;
	} else {
		if ((colon = strrchr(addr, ':')) == NULL ||
		    memchr(addr, ':', (size_t)(colon - addr)))
			return KENH_ERR(KENH_E_INVALID_ARG);
		hlen = (size_t)(colon - addr);
	}
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (hlen == 0 || hlen >= CLI_RELAY_HOST_MAX || colon[1] < '0' || colon[1] > '9' ||
	    *end != '\0' || errno != 0 || p == 0 || p > 65535)
		return KENH_ERR(KENH_E_INVALID_ARG);
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	snprintf(port, CLI_RELAY_PORT_MAX, "%lu", p);
	return 0;
}

/* connect() with a deadline: non-blocking, then wait for the outcome. */
static int connect_one(const struct addrinfo *ai, int timeout_ms)
{
	struct pollfd pfd;
	socklen_t elen = sizeof(int);
	int fd, e = 0;

	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0) return -1;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) return fd;
	if (errno != EINPROGRESS) goto fail;
	pfd = (struct pollfd){ fd, POLLOUT, 0 };
	if (poll(&pfd, 1, timeout_ms) != 1) goto fail;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &elen) != 0 || e != 0) goto fail;
	return fd;
fail:
	close(fd);
	return -1;
}

static int tcp_connect(const char *host, const char *port, int timeout_ms, char *err)
{
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1, g;

	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if ((g = getaddrinfo(host, port, &hints, &res)) != 0) {
		snprintf(err, CLI_RELAY_ERR_LEN, "%.100s: %.100s", host, gai_strerror(g));
		return -1;
	}
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next)
		fd = connect_one(ai, timeout_ms);
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, CLI_RELAY_ERR_LEN, "cannot connect to %.100s port %s", host, port);
		return -1;
	}
	/* Frames are small; no Nagle delay against the relay's delayed ACKs. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	return fd;
}

int cli_relay_connect(struct kenh_ctx *ctx, const struct cli_relay_config *cfg,
                      struct cli_relay **out, char err[static CLI_RELAY_ERR_LEN])
{
	char host[CLI_RELAY_HOST_MAX], port[CLI_RELAY_PORT_MAX], terr[CRYPTO_TLS_ERR_LEN];
	struct crypto_tls_config tc;
	struct cli_relay *r = NULL;
	int rc;

	*out = NULL;
	err[0] = '\0';
	if ((rc = cli_relay_addr_parse(cfg->addr, host, port)) != 0) {
		snprintf(err, CLI_RELAY_ERR_LEN, "%.100s: not HOST:PORT", cfg->addr);
		return rc;
	}
	if ((rc = mem_calloc(1, sizeof(*r), (void **)&r)) != 0) return rc;
	r->timeout_ms = cfg->timeout_ms > 0 ? cfg->timeout_ms : DEFAULT_TIMEOUT_MS;
	r->next_req = 1;
	r->on_push = cfg->on_push;
	r->push_arg = cfg->push_arg;
	if ((r->fd = tcp_connect(host, port, r->timeout_ms, err)) < 0) {
		mem_free(r);
		return KENH_ERR(KENH_E_IO);
	}
	tc = (struct crypto_tls_config){ host,      cfg->ca_file, ALPN_KENH,
		                         cfg->cert, cfg->key,     r->timeout_ms };
	if ((rc = crypto_tls_connect(ctx, &tc, r->fd, &r->tls, terr)) != 0) {
		snprintf(err, CLI_RELAY_ERR_LEN, "%.80s: %s", cfg->addr, terr);
		cli_relay_close(r);
		return rc;
	}
	*out = r;
	return 0;
}

void cli_relay_close(struct cli_relay *r)
{
	if (r == NULL) return;
	crypto_tls_free(r->tls);
	if (r->fd >= 0) close(r->fd);
	mem_free(r);
}

/*
 * Read exactly len bytes. The first byte may take first_ms; once a frame
 * has begun, the rest must come within the connection's timeout, and a
 * frame cut short leaves the stream out of step (broken).
 */
static int read_exact(struct cli_relay *r, uint8_t *p, size_t len, int first_ms)
{
	size_t got = 0, n = 0;
	int rc;

	while (got < len) {
		rc = crypto_tls_read(r->tls, p + got, len - got, &n, got == 0 ? first_ms : 0);
		if (rc != 0) return rc;
		got += n;
	}
	return 0;
}

static int read_frame(struct cli_relay *r, int first_ms, struct cli_relay_frame *out)
{
	uint8_t h[PROTO_HEADER_LEN];
	struct proto_header hd;
	int rc;

	memset(out, 0, sizeof(*out));
	if (r->broken) return KENH_ERR(KENH_E_IO);
	if ((rc = read_exact(r, h, 1, first_ms)) != 0) goto out;
	/* From here on the frame has begun. */
	if ((rc = read_exact(r, h + 1, sizeof(h) - 1, 0)) != 0) goto fail;
	if ((rc = proto_header_decode(h, sizeof(h), &hd)) != 0) goto fail;
	if (hd.length > LIMIT_FRAME) {
		rc = KENH_ERR(KENH_E_TOO_LARGE);
		goto fail;
	}
	/* One byte more than the body, so an empty body still has an owned buffer. */
	if ((rc = mem_alloc((size_t)hd.length + 1, (void **)&out->body)) != 0) goto fail;
	if ((rc = read_exact(r, out->body, hd.length, 0)) != 0) goto fail;
	out->len = hd.length;
	out->type = hd.type;
	out->request_id = hd.request_id;
	return 0;
fail:
	r->broken = true;
	cli_relay_frame_clear(out);
out:
	return rc;
}

static int send_request(struct cli_relay *r, uint16_t type, const struct proto_desc *d,
                        const void *msg, uint32_t *req)
{
	struct codec_writer w;
	size_t mark = 0;
	int rc;

	*req = r->next_req++;
	if (r->next_req == 0) r->next_req = 1; /* 0 is for pushes (docs/protocol.md §2) */
	codec_writer_init(&w, LIMIT_FRAME + PROTO_HEADER_LEN, CODEC_WRITER_NORMAL);
	rc = proto_frame_begin(&w, type, *req, &mark);
	if (rc == 0 && d != NULL) rc = proto_msg_encode(&w, d, msg);
	if (rc == 0) rc = proto_frame_end(&w, mark);
	if (rc == 0) rc = crypto_tls_write(r->tls, w.buf, w.len);
	codec_writer_clear(&w);
	return rc;
}

/* Status, detail and body of a response frame into reply (the body is copied). */
static int parse_reply(const struct cli_relay_frame *f, struct cli_relay_reply *reply)
{
	struct codec_reader rd;
	size_t off;
	int rc;

	codec_reader_init(&rd, f->body, f->len);
	if ((rc = proto_status_read(&rd, &reply->status, &reply->detail)) != 0)
		return KENH_ERR(KENH_E_PROTO);
	off = f->len - codec_reader_remaining(&rd);
	if (reply->status != 0) return 0;
	if ((rc = mem_alloc(f->len - off + 1, (void **)&reply->body)) != 0) return rc;
	memcpy(reply->body, f->body + off, f->len - off);
	reply->len = f->len - off;
	return 0;
}

int cli_relay_call(struct cli_relay *r, uint16_t type, const struct proto_desc *d, const void *msg,
                   struct cli_relay_reply *reply)
{
	struct cli_relay_frame f;
	uint32_t req = 0;
	int rc;

	memset(reply, 0, sizeof(*reply));
	if (r->broken) return KENH_ERR(KENH_E_IO);
	if ((rc = send_request(r, type, d, msg, &req)) != 0) goto fail;
	for (;;) {
		if ((rc = read_frame(r, r->timeout_ms, &f)) != 0) goto fail;
		if (f.request_id == req && f.type == (type | PROTO_RESPONSE_BIT)) break;
		if (f.request_id != 0 || f.type < PROTO_PUSH_FIRST || f.type > 0x7fff) {
			cli_relay_frame_clear(&f);
			rc = KENH_ERR(KENH_E_PROTO);
			goto fail;
		}
		if (r->on_push != NULL) r->on_push(r->push_arg, &f);
		cli_relay_frame_clear(&f);
	}
	rc = parse_reply(&f, reply);
	cli_relay_frame_clear(&f);
	if (rc == 0) return 0;
fail:
	r->broken = true;
	cli_relay_reply_clear(reply);
	return rc;
}

int cli_relay_next(struct cli_relay *r, int timeout_ms, struct cli_relay_frame *out)
{
	return read_frame(r, timeout_ms, out);
}

int cli_relay_fd(const struct cli_relay *r)
{
	return r->fd;
}

void cli_relay_reply_clear(struct cli_relay_reply *reply)
{
	mem_free(reply->body);
	memset(reply, 0, sizeof(*reply));
}

void cli_relay_frame_clear(struct cli_relay_frame *f)
{
	mem_free(f->body);
	memset(f, 0, sizeof(*f));
}

const char *cli_relay_status_text(uint16_t status)
{
	switch (status) {
	case (uint16_t)-KENH_E_PERM:
		return "not allowed for this identity";
	case (uint16_t)-KENH_E_VERIFY:
		return "does not verify under the relay's trust anchors";
	case (uint16_t)-KENH_E_STATE:
		return "not in the right state (not newer, or still pending)";
	default:
		return kenh_strerror(-(int)status);
	}
}
