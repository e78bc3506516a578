/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The event-driven side of kenhd: struct relay (all process state, R7.3)
 * and struct conn (one TLS connection). Only the files that talk to
 * libevent include this; handlers see struct peer and struct op_env
 * (relay.h) and nothing of sockets or buffers (R8.1).
 */
#ifndef KENH_KENHD_RELAY_INT_H
#define KENH_KENHD_RELAY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/codec.h"
#include "crypto/pki.h"
#include "relay.h"

struct bufferevent;
struct event;
struct event_base;
struct evconnlistener;
struct evhttp;
struct crypto_crl;
struct store_thread;
struct watch;

#define DEVMAP_BUCKETS 65536u
/* A batch is committed at once beyond this many requests (see main.c, batch.c). */
#define BATCH_MAX_REQUESTS 2048u
/* Requests of one connection answered by one commit (docs/protocol.md §7). */
#define CONN_MAX_INFLIGHT 256u
#define ADDRMAP_BUCKETS   4096u
/*
 * A frame body up to this size is read without the decode budget; a larger
 * one needs its length from max_decode_bytes (docs/protocol.md §7).
 */
#define DECODE_FREE (64u << 10)

/* A request of the open batch, to answer DB if the commit fails. */
struct pending_req {
	uint16_t type;
	uint32_t request_id;
};

struct conn {
	struct relay *r;
	struct conn *next, *prev;         /* every connection */
	struct conn *dev_next, *dev_prev; /* the device map bucket */
	struct bufferevent *bev;
	struct event *timer;
	struct peer peer;
	uint8_t *cert_der;
	struct crypto_serial serial;
	char addr[64];
	unsigned refs; /* the batch holds one while the conn is in it */
	bool in_batch;
	bool in_devmap;
	bool reaped;      /* on the reap list */
	bool paused;      /* CONN_MAX_INFLIGHT requests wait for the commit */
	bool held;        /* on the relay's resume list */
	bool touch_due;   /* authenticated: record the device when the store is free */
	bool budget_wait; /* on the relay's decode-budget wait list */
	size_t reserved;  /* decode budget held for the frame being read */
	size_t want;      /* while waiting: the budget its frame needs */
	struct conn *wait_next, *wait_prev;
	struct codec_writer pending; /* response frames of the open batch */
	struct pending_req *reqs;
	size_t nreqs, capreqs;
	double created;     /* monotonic */
	double last_frame;  /* monotonic: last complete frame (idle timer) */
	double frame_start; /* monotonic: first byte of the incomplete frame; 0 if none */
	struct conn *reap_next;
};

/* Source address counts for max_per_address. */
struct addr_count {
	struct addr_count *next;
	size_t count;
	char addr[64];
};

struct relay {
	struct config cfg;
	struct kenh_ctx *ctx;
	struct event_base *base;
	struct tls *tls;
	struct evconnlistener *listener;
	struct evhttp *admin;
	const struct store_ops *so;
	struct store *st;
	struct anchors anchors;
	struct crypto_trust *trust;
	struct crypto_crl **crls; /* parsed CRLs of the trust store, for serial checks */
	size_t ncrls;
	const struct signer_ops *signer;
	void *signer_arg;
	struct ratelimit *rl; /* refused enrollment attempts (ratelimit.h) */
	struct conn *conns;
	struct conn *devmap[DEVMAP_BUCKETS];
	struct addr_count *addrs[ADDRMAP_BUCKETS];
	struct conn *reap;
	struct event *reap_ev;
	struct event *flush_ev;
	struct event *retention_ev;
	struct event *reload_ev; /* SIGHUP's CRL reload, run when the store is free */
	struct event *budget_ev; /* decode budget freed: wake the waiting connections */
	struct event *sig_ev[3];
	struct store_thread *worker;
	bool committing;    /* the worker holds the store: no handler runs (batch.c) */
	bool draining;      /* teardown: complete batches without reading further */
	bool retention_due; /* the retention timer fired during a commit */
	bool reload_due;    /* SIGHUP came during a commit */
	size_t decode_used; /* budget held by frames being read (docs/protocol.md §7) */
	struct conn *wait_head, *wait_tail;
	bool batch_open;
	bool batch_broken;     /* a savepoint could not be undone: roll back, answer DB */
	size_t batch_requests; /* requests in the open batch */
	bool flush_scheduled;
	struct conn **batch;
	struct conn **resume; /* paused connections to read on after the commit */
	size_t nresume, capresume;
	size_t nbatch, capbatch;
	struct effects fx;
	struct metrics m;
	uint64_t next_conn_id;
	bool stopping;
	/* Other relays' announcements (watch.c); NULL for a backend without. */
	struct watch *watch;
	bool watch_due;   /* announcements came during a commit */
	bool watch_trust; /* another relay stored a CRL: rebuild the trust store */
};

/* Connections (conn.c): create on an accepted socket (closed on failure). */
KENH_MUST_CHECK int conn_new(struct relay *r, int fd, const char *addr);
/* Connections open from addr. */
size_t conn_addr_count(struct relay *r, const char *addr);
/* The deferred free (an event callback; arg is the relay). */
void conn_reap(int fd, short what, void *arg);
void conn_devmap_add(struct relay *r, struct conn *c);
/* After a commit: read the frames a paused connection left in its input. */
void conn_resume(struct conn *c);
/* After a commit: resume the connections that waited for the store (batch.c). */
void batch_resume(struct relay *r);
/* Put a connection that stopped reading frames on the resume list (it keeps a reference). */
void batch_hold(struct relay *r, struct conn *c);
/*
 * The worker's report: rc is the commit's result, seconds how long it
 * took (negative: nothing was committed). Answers the batch (its responses,
 * or DB for all), applies its effects on success, resumes waiting peers.
 */
void batch_complete(struct relay *r, int rc, double seconds);

/*
 * The store worker (store_thread.c). start: the thread and its wake-up
 * event (at libevent priority priority). commit: hand the open batch's
 * transaction to the worker (r->committing until it reports; the loop
 * must not use the store meanwhile), to be committed, or rolled back and
 * reported as KENH_E_DB if rollback. finish: take the worker's report if
 * there is one and complete the batch. wait: block until the commit in
 * flight, if any, is back and completed (shutdown). stop: wait, end the
 * thread, free it (safe after a failed start).
 */
KENH_MUST_CHECK int store_thread_start(struct relay *r, int priority);
void store_thread_commit(struct relay *r, bool rollback);
void store_thread_finish(struct relay *r);
void store_thread_wait(struct relay *r);
void store_thread_stop(struct relay *r);

/* Decode budget (conn.c): wake connections waiting for it (the budget event). */
void conn_budget_wake(int fd, short what, void *arg);

/*
 * PUSH_CRL (crl_push.c): after a new CRL was committed, send every stored
 * CRL and the unit CAs that check them to each live authenticated
 * connection (docs/protocol.md §5 CRL_GET).
 */
void crl_push_live(struct relay *r);

/*
 * Several relays over one database (watch.c, DESIGN §8): start watching
 * the store's announcements (nothing for a backend without watch); after
 * a commit, apply those that came meanwhile; stop and free.
 */
KENH_MUST_CHECK int watch_start(struct relay *r);
void watch_due(struct relay *r);
void watch_stop(struct relay *r);

/* Free the trust store and the anchors (trust.c). */
void trust_free(struct relay *r);

/* Wipe and free the external-sender key (signer.c). */
void signer_free(struct relay *r);

#endif /* KENH_KENHD_RELAY_INT_H */
