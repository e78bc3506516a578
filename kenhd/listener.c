/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The TLS listener (docs/protocol.md §3, §7; STYLE R8.3): accepts TCP
 * connections and applies the global and per-address caps before any TLS
 * work, closing an excess connection at once (early drop), so that a
 * flood of half-open handshakes costs a socket and nothing else.
 */
#include "relay_int.h"

#include "util/compat.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <event2/event.h>
#include <event2/listener.h>

#include "klog.h"

static void addr_text(const struct sockaddr *sa, char *out, size_t outlen)
{
	const void *a = NULL;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (a == NULL || inet_ntop(sa->sa_family, a, out, (socklen_t)outlen) == NULL)
		snprintf(out, outlen, "unknown");
}

static void on_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa, int len,
                      void *arg)
{
	struct relay *r = arg;
	char addr[64];

	(void)l;
	(void)len;
	addr_text(sa, addr, sizeof(addr));
	if (r->stopping || r->m.connections >= r->cfg.max_connections ||
	    conn_addr_count(r, addr) >= r->cfg.max_per_address) {
		r->m.connections_refused++;
		klog_peer(KENH_LOG_WARN, "conn_refused", "addr=%s open=%llu", addr,
		          (unsigned long long)r->m.connections);
		evutil_closesocket(fd);
		return;
	}
	evutil_make_socket_nonblocking(fd);
	/* Responses are small and follow a commit: do not let Nagle hold them for an ACK. */
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){ 1 }, sizeof(int));
	if (conn_new(r, fd, addr) != 0) klog(KENH_LOG_ERROR, "conn_fail", "addr=%s", addr);
}

static void on_accept_error(struct evconnlistener *l, void *arg)
{
	(void)l;
	(void)arg;
	/* EMFILE and friends: the listener stays; the next accept may succeed. */
	klog_peer(KENH_LOG_ERROR, "accept_error", "errno=%d", EVUTIL_SOCKET_ERROR());
}

int listener_start(struct relay *r, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	int sslen = (int)sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	if (evutil_parse_sockaddr_port(r->cfg.listen, (struct sockaddr *)&ss, &sslen) != 0) {
		snprintf(err, errlen, "listen: cannot parse %s", r->cfg.listen);
		return KENH_ERR(KENH_E_INVALID_ARG);
	}
	r->listener = evconnlistener_new_bind(r->base, on_accept, r,
	                                      LEV_OPT_CLOSE_ON_FREE | LEV_OPT_REUSEABLE, 1024,
	                                      (struct sockaddr *)&ss, sslen);
	if (r->listener == NULL) {
		snprintf(err, errlen, "listen: cannot bind %s", r->cfg.listen);
		return KENH_ERR(KENH_E_IO);
	}
	evconnlistener_set_error_cb(r->listener, on_accept_error);
	return 0;
}

void listener_stop(struct relay *r)
{
	if (r->listener == NULL) return;
	evconnlistener_free(r->listener);
	r->listener = NULL;
}
