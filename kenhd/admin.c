/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The admin HTTP listener (issue 4 item 5): evhttp on a loopback address
 * only, serving /healthz ("ok" while the relay accepts connections) and
 * /metrics in the Prometheus text exposition format (version 0.0.4):
 * connections, frames and bytes in and out, deliveries, the output queued
 * for connections, commits accepted and stale, and the store commit
 * latency histogram.
 */
#include "relay_int.h"

#include "util/compat.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/util.h>

#include "klog.h"
#include "ratelimit.h"

static void reply(struct evhttp_request *req, int code, const char *type, struct evbuffer *b)
{
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", type);
	evhttp_send_reply(req, code, code == 200 ? "OK" : "Error", b);
}

static void on_healthz(struct evhttp_request *req, void *arg)
{
	struct relay *r = arg;
	struct evbuffer *b = evbuffer_new();

	if (b == NULL) return;
	evbuffer_add_printf(b, r->stopping ? "stopping\n" : "ok\n");
	reply(req, r->stopping ? 503 : 200, "text/plain", b);
	evbuffer_free(b);
}

static void counter(struct evbuffer *b, const char *name, const char *help, const char *type,
                    uint64_t v)
{
	evbuffer_add_printf(b, "# HELP kenhd_%s %s\n# TYPE kenhd_%s %s\nkenhd_%s %llu\n", name,
	                    help, name, type, name, (unsigned long long)v);
}

/* Bytes waiting in every connection's output buffer: the relay's queue depth. */
static uint64_t queued(struct relay *r)
{
	struct conn *c;
	uint64_t n = 0;

	for (c = r->conns; c != NULL; c = c->next)
		if (c->peer.state != CONN_CLOSING)
			n += evbuffer_get_length(bufferevent_get_output(c->bev));
	return n;
}

static void histogram(struct evbuffer *b, const struct metrics *m)
{
	size_t i;

	evbuffer_add_printf(b, "# HELP kenhd_store_commit_seconds Store commit latency.\n"
	                       "# TYPE kenhd_store_commit_seconds histogram\n");
	for (i = 0; i + 1 < METRICS_BUCKETS; i++)
		evbuffer_add_printf(b, "kenhd_store_commit_seconds_bucket{le=\"%g\"} %llu\n",
		                    metrics_bounds[i], (unsigned long long)m->store_hist[i]);
	evbuffer_add_printf(b, "kenhd_store_commit_seconds_bucket{le=\"+Inf\"} %llu\n",
	                    (unsigned long long)m->store_hist[METRICS_BUCKETS - 1]);
	evbuffer_add_printf(b, "kenhd_store_commit_seconds_sum %.6f\n", m->store_sum);
	evbuffer_add_printf(b, "kenhd_store_commit_seconds_count %llu\n",
	                    (unsigned long long)m->store_count);
}

static void on_metrics(struct evhttp_request *req, void *arg)
{
	struct relay *r = arg;
	const struct metrics *m = &r->m;
	struct evbuffer *b = evbuffer_new();

	if (b == NULL) return;
	counter(b, "connections", "Open connections.", "gauge", m->connections);
	counter(b, "connections_total", "Connections accepted.", "counter", m->connections_total);
	counter(b, "connections_refused_total", "Connections refused by a cap.", "counter",
	        m->connections_refused);
	counter(b, "frames_in_total", "Request frames handled.", "counter", m->frames_in);
	counter(b, "frames_out_total", "Frames written.", "counter", m->frames_out);
	counter(b, "bytes_in_total", "Frame bytes read.", "counter", m->bytes_in);
	counter(b, "bytes_out_total", "Frame bytes written.", "counter", m->bytes_out);
	counter(b, "deliveries_total", "Pushes written to devices.", "counter", m->deliveries);
	counter(b, "queue_bytes", "Bytes queued for connections.", "gauge", queued(r));
	counter(b, "commits_accepted_total", "Commits accepted.", "counter", m->commits_accepted);
	counter(b, "commits_stale_total", "Commits refused as stale.", "counter", m->commits_stale);
	counter(b, "messages_accepted_total", "Application messages.", "counter",
	        m->messages_accepted);
	counter(b, "protocol_errors_total", "Connections closed for a protocol error.", "counter",
	        m->protocol_errors);
	counter(b, "slow_readers_total", "Connections cut for output over the cap.", "counter",
	        m->slow_readers);
	counter(b, "revoked_closed_total", "Connections closed by revocation.", "counter",
	        m->revoked_closed);
	counter(b, "revoked_admitted_total",
	        "Connections of revoked devices admitted to fetch wipe orders only.", "counter",
	        m->revoked_admitted);
	if (r->rl != NULL) {
		counter(b, "enroll_limited_address_total",
		        "Enrollment requests refused by the per-address limit.", "counter",
		        r->rl->refused_address);
		counter(b, "enroll_limited_global_total",
		        "Enrollment requests refused by the relay-wide limit.", "counter",
		        r->rl->refused_global);
	}
	counter(b, "revoked_refused_total", "Requests of revoked connections answered REVOKED.",
	        "counter", m->revoked_refused);
	counter(b, "batch_failures_total", "Store commits that failed.", "counter",
	        m->batch_failures);
	histogram(b, m);
	reply(req, 200, "text/plain; version=0.0.4", b);
	evbuffer_free(b);
}

static void on_other(struct evhttp_request *req, void *arg)
{
	(void)arg;
	evhttp_send_error(req, 404, "Not Found");
}

int admin_start(struct relay *r, char *err, size_t errlen)
{
	char host[64];
	const char *colon = strrchr(r->cfg.admin_listen, ':');
	unsigned long port;
	char *end = NULL;

	if (r->cfg.admin_listen[0] == '\0') return 0;
	if (colon == NULL || (size_t)(colon - r->cfg.admin_listen) >= sizeof(host)) goto bad;
	snprintf(host, sizeof(host), "%.*s", (int)(colon - r->cfg.admin_listen),
	         r->cfg.admin_listen);
	port = strtoul(colon + 1, &end, 10);
	if (*end != '\0' || port == 0 || port > 65535) goto bad;
	/* The admin port has no authentication: loopback only. */
	if (strcmp(host, "127.0.0.1") != 0 && strcmp(host, "::1") != 0) goto bad;
	if ((r->admin = evhttp_new(r->base)) == NULL) return KENH_ERR(KENH_E_NOMEM);
	evhttp_set_allowed_methods(r->admin, EVHTTP_REQ_GET);
	evhttp_set_max_headers_size(r->admin, 8192);
	evhttp_set_max_body_size(r->admin, 0);
	evhttp_set_timeout(r->admin, 10);
	evhttp_set_cb(r->admin, "/healthz", on_healthz, r);
	evhttp_set_cb(r->admin, "/metrics", on_metrics, r);
	evhttp_set_gencb(r->admin, on_other, r);
	if (evhttp_bind_socket(r->admin, host, (uint16_t)port) != 0) {
		snprintf(err, errlen, "admin_listen: cannot bind %s", r->cfg.admin_listen);
		return KENH_ERR(KENH_E_IO);
	}
	return 0;
bad:
	snprintf(err, errlen, "admin_listen: expected 127.0.0.1:PORT or ::1:PORT");
	return KENH_ERR(KENH_E_INVALID_ARG);
}

void admin_stop(struct relay *r)
{
	if (r->admin) evhttp_free(r->admin);
	r->admin = NULL;
}
