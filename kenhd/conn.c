/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * One TLS connection (STYLE R8.1-R8.4, docs/protocol.md §2, §3, §7): this
 * file only moves bytes and runs timers. It cuts the input into frames,
 * refusing a frame from its header alone when its length is over the
 * limit of the connection's state; reads a frame over DECODE_FREE only
 * with a share of the relay-wide decode budget (docs/protocol.md §7);
 * hands each whole frame to dispatch_frame() inside the open batch, or
 * waits while the store worker commits the previous one (batch.c);
 * writes what the batch releases;
 * disconnects a reader whose output grows over output_cap; enforces the
 * handshake, enrollment, idle and per-frame deadlines with one timer; and
 * never frees a connection inside a callback that may still be on the
 * stack: conn_close_later() marks it closing and a deferred event frees it
 * once no batch holds it (R8.4).
 */
#include "relay_int.h"

#include "util/compat.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "codec/limits.h"
#include "klog.h"
#include "proto/proto.h"
#include "store/store.h"
#include "tls.h"
#include "util/mem.h"

/* FNV-1a: the device map and the address map spread names over buckets. */
static size_t hash_str(const char *s, size_t buckets)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (uint8_t)*s++) * 16777619u;
	return h % buckets;
}

void conn_devmap_add(struct relay *r, struct conn *c)
{
	size_t b = hash_str(c->peer.device, DEVMAP_BUCKETS);

	c->dev_prev = NULL;
	c->dev_next = r->devmap[b];
	if (c->dev_next) c->dev_next->dev_prev = c;
	r->devmap[b] = c;
	c->in_devmap = true;
}

static void devmap_remove(struct relay *r, struct conn *c)
{
	if (!c->in_devmap) return;
	if (c->dev_prev)
		c->dev_prev->dev_next = c->dev_next;
	else
		r->devmap[hash_str(c->peer.device, DEVMAP_BUCKETS)] = c->dev_next;
	if (c->dev_next) c->dev_next->dev_prev = c->dev_prev;
	c->in_devmap = false;
}

/* ---- deadlines ---- */

/* The earliest deadline of the connection's state (monotonic seconds). */
static double next_deadline(const struct conn *c)
{
	const struct config *cfg = &c->r->cfg;
	double d;

	switch (c->peer.state) {
	case CONN_TLS_HANDSHAKE:
		return c->created + (double)cfg->handshake_timeout;
	case CONN_ENROLLING:
	case CONN_REVOKED:
		return c->created + (double)cfg->enroll_timeout;
	case CONN_AUTHENTICATED:
		d = c->last_frame + (double)cfg->idle_timeout;
		if (c->frame_start > 0 && c->frame_start + (double)cfg->request_timeout < d)
			d = c->frame_start + (double)cfg->request_timeout;
		return d;
	case CONN_CLOSING:
		return 0;
	}
	return 0;
}

static void arm_timer(struct conn *c)
{
	double d = next_deadline(c) - relay_mono();
	struct timeval tv;

	if (c->peer.state == CONN_CLOSING) return;
	if (d < 0) d = 0;
	tv.tv_sec = (time_t)d;
	tv.tv_usec = (suseconds_t)((d - (double)tv.tv_sec) * 1e6) + 1000;
	evtimer_add(c->timer, &tv);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct conn *c = arg;
	static const char *const why[] = { "handshake_timeout", "enroll_timeout", "timeout", "",
		                           "revoked_timeout" };

	(void)fd;
	(void)what;
	if (c->peer.state == CONN_CLOSING) return;
	if (relay_mono() + 0.0005 < next_deadline(c)) {
		arm_timer(c);
		return;
	}
	if (c->peer.state == CONN_AUTHENTICATED && c->frame_start > 0) {
		conn_close_later(c, "request_timeout");
		return;
	}
	conn_close_later(c, why[c->peer.state]);
}

/* ---- output ---- */

void conn_write(struct conn *c, const uint8_t *p, size_t len)
{
	struct evbuffer *out;

	if (c->peer.state == CONN_CLOSING || len == 0) return;
	out = bufferevent_get_output(c->bev);
	if (evbuffer_add(out, p, len) != 0) {
		conn_close_later(c, "nomem");
		return;
	}
	c->r->m.bytes_out += len;
	/* R8.3: a reader that does not keep up is cut off, not buffered without bound. */
	if (evbuffer_get_length(out) > c->r->cfg.output_cap) {
		c->r->m.slow_readers++;
		conn_close_later(c, "slow_reader");
	}
}

void conn_push_device(struct relay *r, const char *device, const uint8_t *frame, size_t len,
                      uint64_t exclude)
{
	struct conn *c, *next;

	for (c = r->devmap[hash_str(device, DEVMAP_BUCKETS)]; c != NULL; c = next) {
		next = c->dev_next;
		if (!c->peer.live || c->peer.conn_id == exclude ||
		    c->peer.state != CONN_AUTHENTICATED)
			continue;
		if (strcmp(c->peer.device, device) != 0) continue;
		r->m.deliveries++;
		r->m.frames_out++;
		conn_write(c, frame, len);
	}
}

/* ---- requests ---- */

static int pending_req_add(struct conn *c, uint16_t type, uint32_t req)
{
	struct pending_req *grown = NULL;
	size_t cap = c->capreqs ? c->capreqs * 2 : 8;
	int rc;

	if (c->nreqs == c->capreqs) {
		if ((rc = mem_grow(c->reqs, cap, sizeof(*c->reqs), (void **)&grown)) != 0)
			return rc;
		c->reqs = grown;
		c->capreqs = cap;
	}
	c->reqs[c->nreqs++] = (struct pending_req){ type, req };
	return 0;
}

/* No batch could be opened: answer DB at once (no earlier answer of this peer is held). */
static int answer_db_now(struct conn *c, const struct proto_header *h)
{
	struct codec_writer w;
	int rc;

	codec_writer_init(&w, 64, CODEC_WRITER_NORMAL);
	if ((rc = proto_error_encode(&w, h->type, h->request_id, KENH_E_DB, 0)) == 0)
		conn_write(c, w.buf, w.len);
	codec_writer_clear(&w);
	c->r->m.frames_in++;
	c->r->m.frames_out++;
	return rc;
}

/* Run one whole frame through the dispatcher inside the batch. */
static int handle_frame(struct conn *c, const struct proto_header *h, const uint8_t *body)
{
	struct relay *r = c->r;
	struct op_env env;
	int rc;

	if (batch_begin(r) != 0) return answer_db_now(c, h);
	batch_add_conn(r, c);
	relay_env(r, &env);
	rc = dispatch_frame(&env, &c->peer, h, span_make(body, h->length), &c->pending);
	if (env.broken) r->batch_broken = true;
	if (rc != 0) return rc;
	r->m.frames_in++;
	r->m.frames_out++;
	batch_schedule(r);
	if ((rc = pending_req_add(c, h->type, h->request_id)) != 0) return rc;
	/* A large batch goes to the worker at once; later frames wait for it. */
	if (++r->batch_requests >= BATCH_MAX_REQUESTS) batch_flush(r);
	return 0;
}

/* ---- the decode budget (docs/protocol.md §7) ---- */

static void wait_unlink(struct relay *r, struct conn *c)
{
	if (!c->budget_wait) return;
	if (c->wait_prev)
		c->wait_prev->wait_next = c->wait_next;
	else
		r->wait_head = c->wait_next;
	if (c->wait_next)
		c->wait_next->wait_prev = c->wait_prev;
	else
		r->wait_tail = c->wait_prev;
	c->wait_next = c->wait_prev = NULL;
	c->budget_wait = false;
}

/* Hold len bytes of the budget: the input may now grow to the whole frame. */
static void budget_grant(struct conn *c, size_t len)
{
	c->r->decode_used += len;
	c->reserved = len;
	bufferevent_setwatermark(c->bev, EV_READ, 0, PROTO_HEADER_LEN + len);
}

/*
 * May the body of a frame of len bytes be read? Small frames always may;
 * a larger one needs its length from the budget, granted in arrival order
 * (a connection waiting for it reads nothing more: its watermark stays low).
 */
static bool budget_take(struct conn *c, size_t len)
{
	struct relay *r = c->r;

	if (len <= DECODE_FREE || c->reserved != 0) return true;
	if (c->budget_wait) return false;
	if (r->wait_head == NULL && r->decode_used + len <= r->cfg.max_decode_bytes) {
		budget_grant(c, len);
		return true;
	}
	c->want = len;
	c->budget_wait = true;
	c->wait_prev = r->wait_tail;
	if (r->wait_tail)
		r->wait_tail->wait_next = c;
	else
		r->wait_head = c;
	r->wait_tail = c;
	return false;
}

/* The frame is handled (or the connection closes): give its share back. */
static void budget_put(struct conn *c)
{
	struct relay *r = c->r;

	if (c->reserved == 0) return;
	r->decode_used -= c->reserved;
	c->reserved = 0;
	if (c->peer.state == CONN_AUTHENTICATED)
		bufferevent_setwatermark(c->bev, EV_READ, 0, PROTO_HEADER_LEN + DECODE_FREE);
	if (r->wait_head != NULL) event_active(r->budget_ev, 0, 0);
}

static void read_frames(struct conn *c);

void conn_budget_wake(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	struct conn *c;

	(void)fd;
	(void)what;
	while ((c = r->wait_head) != NULL && r->decode_used + c->want <= r->cfg.max_decode_bytes) {
		wait_unlink(r, c);
		budget_grant(c, c->want);
		read_frames(c);
	}
}

/* ---- input ---- */

/* The worker holds the store while it commits: wait on the resume list (batch.c). */
static bool store_free(struct conn *c)
{
	if (!c->r->committing) return true;
	batch_hold(c->r, c);
	return false;
}

/* Record a newly authenticated device (its first use of the store), in its own savepoint. */
static void touch_device(struct conn *c)
{
	struct relay *r = c->r;
	char serial[2 * CRYPTO_PKI_SERIAL_MAX + 1];

	c->touch_due = false;
	crypto_serial_hex(&c->serial, serial, sizeof(serial));
	if (batch_begin(r) != 0) return;
	batch_schedule(r);
	if (r->so->savepoint(r->st) != 0) return;
	if (r->so->device_touch(r->st, c->peer.device, c->peer.unit, serial) == 0 &&
	    r->so->release(r->st) == 0)
		return;
	klog(KENH_LOG_WARN, "store_error", "op=device_touch");
	if (r->so->undo(r->st) != 0) r->batch_broken = true;
}

/*
 * Take every whole frame from the input. A header is judged alone: an
 * unknown type, a type not allowed in this state or a length over the
 * limit closes the connection before its body is read (docs/protocol.md §2).
 */
static void read_frames(struct conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);
	uint8_t hb[PROTO_HEADER_LEN];
	struct proto_header h;
	size_t max;
	int rc;

	if (c->touch_due && c->peer.state == CONN_AUTHENTICATED) {
		if (!store_free(c)) goto wait;
		touch_device(c);
	}
	while (c->peer.state != CONN_CLOSING && evbuffer_get_length(in) >= PROTO_HEADER_LEN) {
		/* R8.3: at most CONN_MAX_INFLIGHT answers wait for one commit; the rest waits. */
		if (c->nreqs >= CONN_MAX_INFLIGHT) {
			batch_hold(c->r, c);
			break;
		}
		if (evbuffer_copyout(in, hb, sizeof(hb)) != (ev_ssize_t)sizeof(hb) ||
		    proto_header_decode(hb, sizeof(hb), &h) != 0)
			break;
		max = dispatch_max_body(&c->r->cfg, c->peer.state, h.type);
		if (max == 0 || h.length > max || h.request_id == 0) {
			c->r->m.protocol_errors++;
			klog_peer(KENH_LOG_WARN, "frame_refused", "conn=%llu type=%u len=%u",
			          (unsigned long long)c->peer.conn_id, h.type, h.length);
			conn_close_later(c, "protocol_error");
			return;
		}
		if (!budget_take(c, h.length)) break;
		if (evbuffer_get_length(in) - PROTO_HEADER_LEN < h.length) break;
		if (!store_free(c)) break;
		rc = handle_frame(
		        c, &h, evbuffer_pullup(in, PROTO_HEADER_LEN + h.length) + PROTO_HEADER_LEN);
		evbuffer_drain(in, PROTO_HEADER_LEN + h.length);
		budget_put(c);
		c->r->m.bytes_in += PROTO_HEADER_LEN + h.length;
		c->frame_start = 0;
		c->last_frame = relay_mono();
		if (rc != 0) {
			c->r->m.protocol_errors++;
			conn_close_later(c, rc == KENH_E_NOMEM ? "nomem" : "protocol_error");
			return;
		}
	}
wait:
	if (evbuffer_get_length(in) > 0 && c->frame_start == 0) c->frame_start = relay_mono();
	arm_timer(c);
}

void conn_resume(struct conn *c)
{
	if (!c->paused || c->peer.state == CONN_CLOSING) return;
	c->paused = false;
	read_frames(c);
}

static void on_read(struct bufferevent *bev, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (c->peer.state == CONN_AUTHENTICATED || c->peer.state == CONN_ENROLLING ||
	    c->peer.state == CONN_REVOKED)
		read_frames(c);
}

/* ---- the TLS handshake and the identity ---- */

/* "unit/user/device" of info into the peer; false if it does not fit. */
static bool set_device(struct conn *c, const struct crypto_cert_info *info)
{
	int n = snprintf(c->peer.device, sizeof(c->peer.device), "%s/%s/%s", info->unit, info->user,
	                 info->device);

	if (n < 0 || (size_t)n >= sizeof(c->peer.device)) return false;
	snprintf(c->peer.unit, sizeof(c->peer.unit), "%s", info->unit);
	return true;
}

/*
 * docs/protocol.md §3 REVOKED: crypto_trust_verify reports REVOKED only
 * once the whole chain validated (signatures, subtree, times), so the
 * certificate is the organization's and its holder proved its key in
 * the TLS handshake. It may fetch its wipe orders, nothing else; it is
 * kept out of the device map, so nothing is ever pushed to it.
 */
static void admit_revoked(struct conn *c, const uint8_t *der, size_t len)
{
	struct crypto_cert_info info;

	if (crypto_cert_parse(c->r->ctx, der, len, &info) != 0 || !set_device(c, &info)) {
		conn_close_later(c, "auth_fail");
		return;
	}
	c->serial = info.serial;
	c->peer.state = CONN_REVOKED;
	c->r->m.revoked_admitted++;
	klog_peer(KENH_LOG_WARN, "revoked_admitted", "conn=%llu device=%s addr=%s",
	          (unsigned long long)c->peer.conn_id, c->peer.device, c->addr);
}

/* RFC 8446 §4.4.2: the client certificate names the device (pki.h validates it). */
static void authenticate(struct conn *c, uint8_t *der, size_t len)
{
	struct relay *r = c->r;
	struct crypto_cert_info info;
	int rc;

	c->cert_der = der;
	c->peer.cert = span_make(der, len);
	rc = crypto_trust_verify(r->trust, der, len, relay_now(), &info);
	if (rc == KENH_E_REVOKED) {
		admit_revoked(c, der, len);
		return;
	}
	if (rc != 0) {
		klog_peer(KENH_LOG_WARN, "auth_fail", "conn=%llu addr=%s err=\"%s\"",
		          (unsigned long long)c->peer.conn_id, c->addr, kenh_strerror(rc));
		conn_close_later(c, "auth_fail");
		return;
	}
	if (!set_device(c, &info)) {
		conn_close_later(c, "auth_fail");
		return;
	}
	c->serial = info.serial;
	c->peer.state = CONN_AUTHENTICATED;
	conn_devmap_add(r, c);
	c->touch_due = true; /* read_frames() records it when the store is free */
	klog(KENH_LOG_INFO, "auth_ok", "conn=%llu device=%s", (unsigned long long)c->peer.conn_id,
	     c->peer.device);
}

static void on_connected(struct conn *c)
{
	uint8_t *der = NULL;
	size_t len = 0;
	int rc;

	/* RFC 7301 §3.2: we only speak kenh/1. */
	if (!tls_alpn_ok(c->bev)) {
		klog_peer(KENH_LOG_WARN, "auth_fail", "conn=%llu addr=%s err=alpn",
		          (unsigned long long)c->peer.conn_id, c->addr);
		conn_close_later(c, "alpn");
		return;
	}
	rc = tls_peer_cert(c->bev, &der, &len);
	c->last_frame = relay_mono();
	if (rc == KENH_E_NOT_FOUND) {
		c->peer.state = CONN_ENROLLING;
		klog(KENH_LOG_INFO, "enroll_conn", "conn=%llu addr=%s",
		     (unsigned long long)c->peer.conn_id, c->addr);
	} else if (rc != 0) {
		conn_close_later(c, "auth_fail");
		return;
	} else {
		authenticate(c, der, len);
	}
	if (c->peer.state == CONN_CLOSING) return;
	/*
	 * The enrolling limit of R8.3 applies to what may be buffered, too; an
	 * authenticated connection buffers more only with a share of the decode
	 * budget (budget_take).
	 */
	bufferevent_setwatermark(c->bev, EV_READ, 0,
	                         PROTO_HEADER_LEN + (c->peer.state == CONN_AUTHENTICATED
	                                                     ? DECODE_FREE
	                                                     : ENROLL_MAX_FRAME));
	read_frames(c);
}

static void on_event(struct bufferevent *bev, short what, void *arg)
{
	struct conn *c = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		on_connected(c);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR | BEV_EVENT_TIMEOUT))
		conn_close_later(c, what & BEV_EVENT_EOF ? "eof" : "error");
}

/* ---- life cycle ---- */

static struct addr_count **addr_slot(struct relay *r, const char *addr)
{
	struct addr_count **p = &r->addrs[hash_str(addr, ADDRMAP_BUCKETS)];

	while (*p != NULL && strcmp((*p)->addr, addr) != 0)
		p = &(*p)->next;
	return p;
}

size_t conn_addr_count(struct relay *r, const char *addr)
{
	struct addr_count *a = *addr_slot(r, addr);

	return a ? a->count : 0;
}

static int addr_inc(struct relay *r, const char *addr)
{
	struct addr_count **p = addr_slot(r, addr);
	int rc;

	if (*p == NULL) {
		if ((rc = mem_calloc(1, sizeof(**p), (void **)p)) != 0) return rc;
		snprintf((*p)->addr, sizeof((*p)->addr), "%s", addr);
	}
	(*p)->count++;
	return 0;
}

static void addr_dec(struct relay *r, const char *addr)
{
	struct addr_count **p = addr_slot(r, addr), *a = *p;

	if (a == NULL) return;
	if (--a->count == 0) {
		*p = a->next;
		mem_free(a);
	}
}

int conn_new(struct relay *r, int fd, const char *addr)
{
	struct conn *c = NULL;
	int rc;

	if ((rc = mem_calloc(1, sizeof(*c), (void **)&c)) != 0) return rc;
	c->r = r;
	snprintf(c->addr, sizeof(c->addr), "%s", addr);
	c->peer.addr = c->addr;
	c->peer.conn_id = ++r->next_conn_id;
	c->peer.state = CONN_TLS_HANDSHAKE;
	c->created = c->last_frame = relay_mono();
	codec_writer_init(&c->pending, (size_t)r->cfg.output_cap + LIMIT_FRAME,
	                  CODEC_WRITER_NORMAL);
	if ((c->bev = tls_bufferevent_new(r->tls, r->base, fd)) == NULL) goto fail;
	if ((c->timer = evtimer_new(r->base, on_timer, c)) == NULL) goto fail;
	if ((rc = addr_inc(r, addr)) != 0) goto fail;
	bufferevent_setcb(c->bev, on_read, NULL, on_event, c);
	bufferevent_setwatermark(c->bev, EV_READ, 0, PROTO_HEADER_LEN + ENROLL_MAX_FRAME);
	if (bufferevent_enable(c->bev, EV_READ | EV_WRITE) != 0) {
		addr_dec(r, addr);
		goto fail;
	}
	c->next = r->conns;
	if (r->conns) r->conns->prev = c;
	r->conns = c;
	r->m.connections++;
	r->m.connections_total++;
	arm_timer(c);
	return 0;
fail:
	if (c->timer) event_free(c->timer);
	if (c->bev)
		bufferevent_free(c->bev);
	else
		evutil_closesocket(fd);
	codec_writer_clear(&c->pending);
	mem_free(c);
	return KENH_ERR(KENH_E_NOMEM);
}

void conn_close_later(struct conn *c, const char *why)
{
	struct relay *r = c->r;

	if (c->peer.state == CONN_CLOSING) return;
	klog(c->peer.device[0] ? KENH_LOG_INFO : KENH_LOG_DEBUG, "conn_close",
	     "conn=%llu device=%s reason=%s", (unsigned long long)c->peer.conn_id,
	     c->peer.device[0] ? c->peer.device : "-", why);
	c->peer.state = CONN_CLOSING;
	c->peer.live = false;
	bufferevent_disable(c->bev, EV_READ | EV_WRITE);
	bufferevent_setcb(c->bev, NULL, NULL, NULL, NULL);
	evtimer_del(c->timer);
	devmap_remove(r, c);
	wait_unlink(r, c);
	budget_put(c);
	if (!c->reaped) {
		c->reaped = true;
		c->reap_next = r->reap;
		r->reap = c;
	}
	event_active(r->reap_ev, 0, 0);
}

static void conn_free(struct conn *c)
{
	struct relay *r = c->r;

	if (c->prev)
		c->prev->next = c->next;
	else
		r->conns = c->next;
	if (c->next) c->next->prev = c->prev;
	addr_dec(r, c->addr);
	r->m.connections--;
	bufferevent_free(c->bev);
	event_free(c->timer);
	codec_writer_clear(&c->pending);
	mem_free(c->reqs);
	mem_free(c->cert_der);
	mem_free(c);
}

/* The deferred free of R8.4: runs from its own event, never inside a connection callback. */
void conn_reap(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	struct conn *c = r->reap, *keep = NULL, *next;

	(void)fd;
	(void)what;
	r->reap = NULL;
	for (; c != NULL; c = next) {
		next = c->reap_next;
		if (c->refs > 0) {
			c->reap_next = keep;
			keep = c;
			continue;
		}
		conn_free(c);
	}
	r->reap = keep;
}

void conn_revalidate_all(struct relay *r)
{
	struct conn *c;
	size_t i;

	for (c = r->conns; c != NULL; c = c->next) {
		if (c->peer.state != CONN_AUTHENTICATED) continue;
		for (i = 0; i < r->ncrls; i++) {
			if (!crypto_crl_has_serial(r->crls[i], &c->serial)) continue;
			/* The serial alone could belong to another CA's certificate: confirm. */
			if (crypto_trust_verify(r->trust, c->peer.cert.p, c->peer.cert.len,
			                        relay_now(), &(struct crypto_cert_info){ 0 }) == 0)
				continue;
			klog(KENH_LOG_WARN, "device_revoked", "conn=%llu device=%s",
			     (unsigned long long)c->peer.conn_id, c->peer.device);
			r->m.revoked_closed++;
			conn_close_later(c, "revoked");
			break;
		}
	}
}

void conn_close_all(struct relay *r)
{
	struct conn *c;

	for (c = r->conns; c != NULL; c = c->next)
		conn_close_later(c, "shutdown");
}
