/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The command-line programs' relay connection (docs/protocol.md §1-§2):
 * TCP with TCP_NODELAY, TLS from lib/crypto/tlsclient.c, 10-byte frame
 * headers, requests numbered from 1 (0 is reserved for pushes), responses
 * matched by type | 0x8000 and request id, bodies bounded by LIMIT_FRAME.
 */
#include "cli_relay.h"

#include "util/compat.h"

#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "crypto/tlsclient.h"
#include "proto/proto.h"
#include "util/mem.h"

struct cli_relay {
	int fd;
	struct crypto_tls *tls;
	uint32_t next_req;
	int timeout_ms;
	uint8_t *frame; /* the body of the last frame read */
	size_t frame_len;
	uint16_t frame_type;
	uint32_t frame_req;
};

static int tcp_connect(const char *addr)
{
	char host[256];
	const char *colon = strrchr(addr, ':');
	struct addrinfo hints, *res = NULL, *ai;
	int fd = -1;
	size_t hl;

	if (colon == NULL || (hl = (size_t)(colon - addr)) == 0 || hl >= sizeof(host)) return -2;
	memcpy(host, addr, hl);
	host[hl] = '\0';
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(host, colon + 1, &hints, &res) != 0) return -1;
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	/* Frames are small; no Nagle delay against the relay's delayed ACKs. */
	if (fd >= 0) (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	return fd;
}

int cli_relay_connect(const char *addr, const char *ca_file, const struct crypto_sigkey *key,
                      struct kenh_span cert, int timeout_ms, struct cli_relay **out)
{
	struct crypto_tls_identity id = { key, cert };
	struct cli_relay *r = NULL;
	int rc;

	*out = NULL;
	if ((rc = mem_calloc(1, sizeof(*r), (void **)&r)) != 0) return rc;
	r->timeout_ms = timeout_ms > 0 ? timeout_ms : 15000;
	r->next_req = 1;
	if ((r->fd = tcp_connect(addr)) < 0) {
		rc = r->fd == -2 ? KENH_ERR(KENH_E_INVALID_ARG) : KENH_ERR(KENH_E_IO);
		mem_free(r);
		return rc;
	}
	if ((rc = crypto_tls_connect(r->fd, ca_file, key != NULL ? &id : NULL, r->timeout_ms,
	                             &r->tls)) != 0) {
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
	mem_free(r->frame);
	mem_free(r);
}

int cli_relay_code(uint16_t status)
{
	return status == 0 ? 0 : -(int)status;
}

/* Read one frame into r->frame. */
static int read_frame(struct cli_relay *r, int timeout_ms)
{
	uint8_t h[PROTO_HEADER_LEN];
	struct proto_header hd;
	int rc;

	mem_free(r->frame);
	r->frame = NULL;
	r->frame_len = 0;
	if ((rc = crypto_tls_read(r->tls, h, sizeof(h), timeout_ms)) != 0) return rc;
	if ((rc = proto_header_decode(h, sizeof(h), &hd)) != 0) return rc;
	if (hd.length > LIMIT_FRAME) return KENH_ERR(KENH_E_TOO_LARGE);
	if ((rc = mem_alloc(hd.length > 0 ? hd.length : 1, (void **)&r->frame)) != 0) return rc;
	r->frame_len = hd.length;
	r->frame_type = hd.type;
	r->frame_req = hd.request_id;
	return crypto_tls_read(r->tls, r->frame, hd.length, r->timeout_ms);
}

static int send_request(struct cli_relay *r, uint16_t type, const struct proto_desc *d,
                        const void *req, uint32_t *id)
{
	struct codec_writer w;
	size_t mark;
	int rc;

	*id = r->next_req++;
	codec_writer_init(&w, PROTO_HEADER_LEN + LIMIT_FRAME, CODEC_WRITER_NORMAL);
	if ((rc = proto_frame_begin(&w, type, *id, &mark)) == 0 && d != NULL)
		rc = proto_msg_encode(&w, d, req);
	if (rc == 0) rc = proto_frame_end(&w, mark);
	if (rc == 0) rc = crypto_tls_write(r->tls, w.buf, w.len);
	codec_writer_clear(&w);
	return rc;
}

int cli_relay_call(struct cli_relay *r, uint16_t type, const struct proto_desc *d, const void *req,
                   const struct proto_desc *rd, void *resp, size_t resp_size, uint16_t *status,
                   uint64_t *detail)
{
	struct codec_reader cr;
	uint32_t id;
	int rc;

	*status = 0;
	*detail = 0;
	if (resp != NULL) memset(resp, 0, resp_size);
	if ((rc = send_request(r, type, d, req, &id)) != 0) return rc;
	do
		if ((rc = read_frame(r, r->timeout_ms)) != 0) return rc;
	while (r->frame_req != id || r->frame_type != (type | PROTO_RESPONSE_BIT));
	codec_reader_init(&cr, r->frame, r->frame_len);
	if ((rc = proto_status_read(&cr, status, detail)) != 0 || *status != 0) return rc;
	if (rd == NULL) return codec_reader_done(&cr);
	if ((rc = proto_msg_read(&cr, rd, resp, resp_size)) != 0) return rc;
	if ((rc = codec_reader_done(&cr)) != 0) proto_msg_clear(rd, resp);
	return rc;
}

int cli_relay_wait_push(struct cli_relay *r, int timeout_ms, bool *got)
{
	int rc;

	*got = false;
	rc = read_frame(r, timeout_ms);
	if (rc == KENH_E_TIMEOUT) return 0;
	if (rc == 0) *got = r->frame_req == 0;
	return rc;
}
