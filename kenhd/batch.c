/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Group commit (docs/protocol.md §2.2, DESIGN §5, STYLE R8.6): the
 * requests read in one turn of the event loop run inside one store
 * transaction; a deferred event then hands the transaction to the store
 * worker (store_thread.c), which commits it while the loop goes on
 * reading. When the worker reports back, and only if the commit returned
 * (the data is on disk), batch_complete() writes the batch's responses and
 * the pushes it caused. A failed commit answers every request of the batch
 * with DB and delivers nothing. One fsync is shared by every request of
 * the batch, which is what lets synchronous=FULL keep up under load.
 *
 * While a commit is in flight no handler runs: connections with frames to
 * handle wait on the resume list (batch_hold) and run, in arrival order,
 * once the commit is back. So a handler always reads the state that
 * includes every earlier batch (docs/decisions/0003-relay-store-thread.md).
 */
#include "relay_int.h"

#include "util/compat.h"

#include <event2/event.h>

#include "klog.h"
#include "proto/proto.h"
#include "store/store.h"
#include "util/mem.h"

const double metrics_bounds[METRICS_BUCKETS] = { 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
	                                         0.05,   0.1,   0.25,   0.5,   1.0,  0 };

void metrics_store_observe(struct metrics *m, double seconds)
{
	size_t i;

	for (i = 0; i + 1 < METRICS_BUCKETS; i++)
		if (seconds <= metrics_bounds[i]) m->store_hist[i]++;
	m->store_hist[METRICS_BUCKETS - 1]++;
	m->store_sum += seconds;
	m->store_count++;
}

void effects_clear(struct effects *fx)
{
	size_t i;

	for (i = 0; i < fx->nframes; i++)
		mem_free(fx->frames[i].p);
	mem_free(fx->frames);
	mem_free(fx->targets);
	memset(fx, 0, sizeof(*fx));
}

/* Make room for one more element in an array of size esize. */
static int reserve(void **arr, size_t n, size_t *cap, size_t esize)
{
	void *grown = NULL;
	size_t ncap = *cap ? *cap * 2 : 16;
	int rc;

	if (n < *cap) return 0;
	if ((rc = mem_grow(*arr, ncap, esize, &grown)) != 0) return rc;
	*arr = grown;
	*cap = ncap;
	return 0;
}

int effects_push(struct effects *fx, uint8_t *frame, size_t len,
                 const char (*devices)[DEVICE_NAME_MAX], size_t n, uint64_t exclude)
{
	size_t i, f;
	int rc;

	if ((rc = reserve((void **)&fx->frames, fx->nframes, &fx->capframes,
	                  sizeof(*fx->frames))) != 0) {
		mem_free(frame);
		return rc;
	}
	f = fx->nframes++;
	fx->frames[f] = (struct fx_frame){ frame, len };
	for (i = 0; i < n; i++) {
		if ((rc = reserve((void **)&fx->targets, fx->ntargets, &fx->captargets,
		                  sizeof(*fx->targets))) != 0)
			return rc;
		fx->targets[fx->ntargets].frame = f;
		fx->targets[fx->ntargets].exclude_conn = exclude;
		memcpy(fx->targets[fx->ntargets].device, devices[i], DEVICE_NAME_MAX);
		fx->ntargets++;
	}
	return 0;
}

int batch_begin(struct relay *r)
{
	int rc;

	if (r->batch_open) return 0;
	/* The worker owns the store until it reports (store_thread.c). */
	if (r->committing) return KENH_ERR(KENH_E_STATE);
	if ((rc = r->so->begin(r->st)) != 0) {
		klog(KENH_LOG_ERROR, "store_error", "op=begin err=\"%s\"", kenh_strerror(rc));
		return rc;
	}
	r->batch_open = true;
	return 0;
}

void batch_add_conn(struct relay *r, struct conn *c)
{
	if (c->in_batch) return;
	if (reserve((void **)&r->batch, r->nbatch, &r->capbatch, sizeof(*r->batch)) != 0) {
		conn_close_later(c, "nomem");
		return;
	}
	r->batch[r->nbatch++] = c;
	c->in_batch = true;
	c->refs++;
}

void batch_schedule(struct relay *r)
{
	if (r->flush_scheduled) return;
	r->flush_scheduled = true;
	event_active(r->flush_ev, 0, 0);
}

void relay_env(struct relay *r, struct op_env *env)
{
	memset(env, 0, sizeof(*env));
	env->ctx = r->ctx;
	env->cfg = &r->cfg;
	env->so = r->so;
	env->st = r->st;
	env->trust = r->trust;
	env->anchors = &r->anchors;
	env->signer = r->signer;
	env->signer_arg = r->signer_arg;
	env->m = &r->m;
	env->fx = &r->fx;
	env->rl = r->rl;
	env->now = relay_now();
}

/* The commit failed: every request of the batch gets DB, nothing is delivered. */
static void answer_db(struct conn *c)
{
	struct codec_writer w;
	size_t i;

	codec_writer_init(&w, (size_t)c->nreqs * 32 + 64, CODEC_WRITER_NORMAL);
	for (i = 0; i < c->nreqs; i++)
		if (proto_error_encode(&w, c->reqs[i].type, c->reqs[i].request_id, KENH_E_DB, 0))
			break;
	if (codec_writer_err(&w) == 0)
		conn_write(c, w.buf, w.len);
	else
		conn_close_later(c, "nomem");
	codec_writer_clear(&w);
}

static void release_conn(struct relay *r, struct conn *c, bool ok)
{
	struct kenh_span s = codec_writer_span(&c->pending);

	if (ok)
		conn_write(c, s.p, s.len);
	else
		answer_db(c);
	codec_writer_clear(&c->pending);
	codec_writer_init(&c->pending, (size_t)r->cfg.output_cap + (4u << 20), CODEC_WRITER_NORMAL);
	c->nreqs = 0;
	c->in_batch = false;
	c->refs--;
	if (c->peer.state == CONN_CLOSING) event_active(r->reap_ev, 0, 0);
}

static void apply_effects(struct relay *r)
{
	struct effects *fx = &r->fx;
	size_t i;

	for (i = 0; i < fx->ntargets; i++) {
		const struct fx_frame *f = &fx->frames[fx->targets[i].frame];

		conn_push_device(r, fx->targets[i].device, f->p, f->len,
		                 fx->targets[i].exclude_conn);
	}
	if (fx->trust_changed && trust_rebuild(r) == 0) {
		conn_revalidate_all(r);
		crl_push_live(r);
	}
}

void batch_hold(struct relay *r, struct conn *c)
{
	c->paused = true;
	if (c->held) return;
	if (reserve((void **)&r->resume, r->nresume, &r->capresume, sizeof(*r->resume)) != 0) {
		conn_close_later(c, "nomem");
		return;
	}
	r->resume[r->nresume++] = c;
	c->held = true;
	c->refs++;
}

void batch_resume(struct relay *r)
{
	struct conn **list = r->resume;
	size_t i, n = r->nresume;

	/* Reading appends to a new batch (and may pause again): take the list first. */
	r->resume = NULL;
	r->nresume = r->capresume = 0;
	for (i = 0; i < n; i++) {
		struct conn *c = list[i];

		c->held = false;
		c->refs--;
		if (c->peer.state == CONN_CLOSING)
			event_active(r->reap_ev, 0, 0);
		else
			conn_resume(c);
	}
	mem_free(list);
}

void batch_flush(struct relay *r)
{
	r->flush_scheduled = false;
	/* The batch that is open now goes when the one in flight is back. */
	if (r->committing) return;
	r->batch_requests = 0;
	if (r->batch_open) {
		r->batch_open = false;
		/* A request's changes could not be undone: none of the batch may commit. */
		store_thread_commit(r, r->batch_broken);
		r->batch_broken = false;
		return;
	}
	/* Nothing to make durable (every request was refused before the store). */
	batch_complete(r, 0, -1);
}

void batch_complete(struct relay *r, int rc, double seconds)
{
	bool ok = rc == 0;
	size_t i;

	if (seconds >= 0) {
		metrics_store_observe(&r->m, seconds);
		r->m.batches++;
	}
	if (!ok) {
		r->m.batch_failures++;
		klog(KENH_LOG_ERROR, "store_error", "op=commit err=\"%s\"", kenh_strerror(rc));
	}
	for (i = 0; i < r->nbatch; i++)
		release_conn(r, r->batch[i], ok);
	r->nbatch = 0;
	if (ok) apply_effects(r);
	effects_clear(&r->fx);
	/* Store work that came while the worker held the store (main.c) runs now. */
	if (r->retention_due) event_active(r->retention_ev, 0, 0);
	if (r->reload_due) event_active(r->reload_ev, 0, 0);
	r->retention_due = r->reload_due = false;
	watch_due(r);
	if (!r->draining) batch_resume(r);
}
