/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Several relays over one database (DESIGN §8, docs/relay-store.md): what
 * another relay committed reaches this relay's connections. The store
 * announces it (PostgreSQL LISTEN/NOTIFY: store.h watch_fd, watch_read);
 * this file reads the announcements on the loop thread, queues them, and
 * when the store is free (no commit in flight, docs/decisions/0003)
 * turns them into this relay's effects inside a batch: a log entry or an
 * inbox entry is read back from the database and pushed to the live
 * connections of its recipients here; a CRL or a revocation rebuilds the
 * trust store from the database and cuts revoked devices off, as after
 * a CRL_UPLOAD here. Nothing is kept that the database does not hold:
 * the announcement names the row, the row is read again.
 *
 * Backends that one relay alone uses (SQLite) have no watch: nothing here
 * runs for them.
 */
#include "relay_int.h"

#include "util/compat.h"

#include <event2/event.h>

#include "klog.h"
#include "store/store.h"
#include "util/mem.h"

/* Announcements queued beyond this are dropped and counted as LOST (trust rebuilt). */
#define WATCH_MAX_PENDING 65536u

struct watch_item {
	enum store_change_kind kind;
	uint8_t group_id[512];
	size_t group_len;
	uint64_t seq;
	char device[DEVICE_NAME_MAX];
};

struct watch {
	struct event *read_ev;  /* the store's watch descriptor */
	struct event *apply_ev; /* queued changes, once the store is free */
	struct event *retry_ev; /* the watch failed: try again in a second */
	int fd;
	struct watch_item *items;
	size_t n, cap;
	bool lost; /* some announcements were dropped or missed */
};

static int queue_change(void *arg, const struct store_change *c)
{
	struct relay *r = arg;
	struct watch *w = r->watch;
	struct watch_item *it;
	void *grown = NULL;
	size_t ncap;

	if (c->kind == STORE_CHANGE_LOST || c->kind == STORE_CHANGE_TRUST) {
		w->lost = w->lost || c->kind == STORE_CHANGE_LOST;
		r->watch_trust = true;
		return 0;
	}
	if (w->n == WATCH_MAX_PENDING || c->group_id.len > sizeof(it->group_id)) {
		w->lost = true;
		return 0;
	}
	if (w->n == w->cap) {
		ncap = w->cap ? w->cap * 2 : 64;
		if (mem_grow(w->items, ncap, sizeof(*w->items), &grown) != 0) {
			w->lost = true;
			return 0;
		}
		w->items = grown;
		w->cap = ncap;
	}
	it = &w->items[w->n++];
	it->kind = c->kind;
	if (c->group_id.len > 0) memcpy(it->group_id, c->group_id.p, c->group_id.len);
	it->group_len = c->group_id.len;
	it->seq = c->seq;
	snprintf(it->device, sizeof(it->device), "%s", c->device);
	return 0;
}

struct push_arg {
	struct op_env *env;
	struct kenh_span group_id;
	uint64_t want;
	const char *device;
};

static int push_entry(void *arg, uint64_t seq, struct kenh_span msg)
{
	struct push_arg *a = arg;

	return seq == a->want ? ops_push_entry(a->env, a->group_id, seq, msg, 0) : 0;
}

static int push_inbox(void *arg, uint64_t id, const struct store_inbox_item *item)
{
	struct push_arg *a = arg;

	return id == a->want ? ops_push_inbox(a->env, a->device, item, id) : 0;
}

/* Queue the pushes of one announced row (read again from the database). */
static int apply_item(struct op_env *env, const struct watch_item *it)
{
	struct push_arg a = { env, span_make(it->group_id, it->group_len), it->seq, it->device };

	if (it->seq == 0) return 0;
	if (it->kind == STORE_CHANGE_LOG)
		return env->so->log_read(env->st, a.group_id, it->seq - 1, it->seq, 1, push_entry,
		                         &a);
	return env->so->inbox_read(env->st, it->device, it->seq - 1, 1, push_inbox, &a);
}

/* Every queued change, in a savepoint of the open batch; the batch then commits. */
static void watch_apply(struct relay *r)
{
	struct watch *w = r->watch;
	struct op_env env;
	size_t i;
	int rc = 0;

	if ((w->n == 0 && !r->watch_trust) || r->stopping) return;
	if (r->committing) {
		r->watch_due = true; /* batch_complete() fires apply_ev again */
		return;
	}
	if (batch_begin(r) != 0 || r->so->savepoint(r->st) != 0) return;
	relay_env(r, &env);
	for (i = 0; i < w->n && rc == 0; i++)
		rc = apply_item(&env, &w->items[i]);
	if (rc == 0 && r->so->release(r->st) == 0) {
		if (r->watch_trust) r->fx.trust_changed = true;
	} else {
		klog(KENH_LOG_WARN, "watch", "what=apply err=\"%s\"", kenh_strerror(rc));
		if (r->so->undo(r->st) != 0) r->batch_broken = true;
	}
	if (w->lost) klog(KENH_LOG_WARN, "watch", "what=lost");
	w->n = 0;
	w->lost = false;
	r->watch_trust = false;
	batch_schedule(r);
}

static void on_apply(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	watch_apply(arg);
}

static int watch_arm(struct relay *r);

static void on_retry(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;

	(void)fd;
	(void)what;
	if (watch_arm(r) != 0) {
		struct timeval second = { 1, 0 };

		evtimer_add(r->watch->retry_ev, &second);
	}
}

/* Read the announcements; re-arm if the watch connection was made again. */
static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	struct watch *w = r->watch;
	struct timeval second = { 1, 0 };
	int rc, nfd = -1;

	(void)fd;
	(void)what;
	rc = r->so->watch_read(r->st, queue_change, r);
	if (rc != 0 || r->so->watch_fd(r->st, &nfd) != 0 || nfd != w->fd) {
		if (rc != 0)
			klog(KENH_LOG_WARN, "watch", "what=read err=\"%s\"", kenh_strerror(rc));
		event_free(w->read_ev);
		w->read_ev = NULL;
		if (watch_arm(r) != 0) evtimer_add(w->retry_ev, &second);
	}
	watch_apply(r);
}

/* Watch the store's descriptor (a new one after the watch connection was made again). */
static int watch_arm(struct relay *r)
{
	struct watch *w = r->watch;
	int rc;

	if (w->read_ev != NULL) return 0;
	if ((rc = r->so->watch_fd(r->st, &w->fd)) != 0) return rc;
	w->read_ev = event_new(r->base, w->fd, EV_READ | EV_PERSIST, on_read, r);
	if (w->read_ev == NULL || event_add(w->read_ev, NULL) != 0) return KENH_ERR(KENH_E_NOMEM);
	return 0;
}

int watch_start(struct relay *r)
{
	struct watch *w = NULL;
	int rc;

	if (r->so->watch_fd == NULL) return 0;
	if ((rc = mem_calloc(1, sizeof(*w), (void **)&w)) != 0) return rc;
	r->watch = w;
	w->fd = -1;
	w->apply_ev = event_new(r->base, -1, 0, on_apply, r);
	w->retry_ev = evtimer_new(r->base, on_retry, r);
	if (w->apply_ev == NULL || w->retry_ev == NULL) return KENH_ERR(KENH_E_NOMEM);
	return watch_arm(r);
}

void watch_due(struct relay *r)
{
	if (r->watch != NULL && r->watch_due) event_active(r->watch->apply_ev, 0, 0);
	r->watch_due = false;
}

void watch_stop(struct relay *r)
{
	struct watch *w = r->watch;

	if (w == NULL) return;
	if (w->read_ev) event_free(w->read_ev);
	if (w->apply_ev) event_free(w->apply_ev);
	if (w->retry_ev) event_free(w->retry_ev);
	mem_free(w->items);
	mem_free(w);
	r->watch = NULL;
}
