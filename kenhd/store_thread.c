/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The store worker (STYLE R7.4, R8.6; docs/protocol.md §2.2;
 * docs/decisions/0003-relay-store-thread.md): one thread that makes a
 * batch durable, so that the event loop never waits for fsync. The loop
 * hands it the store handle with a commit job and does not touch the
 * store until the worker hands it back: the handle belongs to one thread
 * at a time, and the mutex around the hand-over orders every write the
 * loop made before it against the worker's reads (and back). The worker
 * commits (or, when the commit fails or the loop asks for it, rolls
 * back: the batch is then answered DB), then wakes the loop
 * through an eventfd that is an ordinary libevent read event; the loop
 * then answers the batch (batch.c). Nothing else crosses threads: the
 * worker allocates nothing and does not log.
 *
 * Fault-injection builds (KENH_FAULT_INJECT, make MODE=asan) read
 * KENHD_FAULT_COMMIT=N from the environment: every Nth commit is then
 * rolled back and reported as failed, as a store that loses its disk
 * would (tests/fault/store_fault.sh, STYLE R17.5).
 */
#include "relay_int.h"

#include "util/compat.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <event2/event.h>

#include "store/store.h"
#include "util/mem.h"

struct store_thread {
	pthread_t tid;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int efd;
	struct event *done_ev;
	const struct store_ops *so;
	struct store *st;
	bool job;  /* a commit is handed over (loop sets, worker clears) */
	bool undo; /* the job is a rollback: the batch must not commit */
	bool done; /* its result waits for the loop (worker sets, loop clears) */
	bool quit; /* the loop asks the worker to end */
	int rc;    /* the commit's result */
#ifdef KENH_FAULT_INJECT
	unsigned long fault_every, commits; /* KENHD_FAULT_COMMIT */
#endif
	double secs; /* how long it took */
	bool mutex_ok, cond_ok, thread_ok;
};

/* Commit the batch (or roll it back, when asked or when injecting a fault). */
static int commit_job(struct store_thread *t)
{
	int rc;

#ifdef KENH_FAULT_INJECT
	if (t->fault_every != 0 && ++t->commits % t->fault_every == 0) t->undo = true;
#endif
	/* DESIGN §5: durable when commit() returns 0; a failed commit is undone. */
	if (t->undo) {
		t->so->rollback(t->st);
		return KENH_ERR(KENH_E_DB);
	}
	if ((rc = t->so->commit(t->st)) != 0) t->so->rollback(t->st);
	return rc;
}

/* The worker: wait for a job, commit, report, repeat until told to quit. */
static void *run(void *arg)
{
	struct store_thread *t = arg;
	const uint64_t one = 1;
	double t0;
	int rc;

	pthread_mutex_lock(&t->mu);
	for (;;) {
		while (!t->job && !t->quit)
			pthread_cond_wait(&t->cv, &t->mu);
		if (!t->job) break;
		pthread_mutex_unlock(&t->mu);
		t0 = relay_mono();
		rc = commit_job(t);
		pthread_mutex_lock(&t->mu);
		t->rc = rc;
		t->secs = relay_mono() - t0;
		t->job = false;
		t->done = true;
		pthread_cond_broadcast(&t->cv);
		/* A full counter (never: one job at a time) would only delay the wake-up. */
		(void)!write(t->efd, &one, sizeof(one));
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

/* The loop side of the wake-up: drain the eventfd, finish the batch. */
static void on_done(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	uint64_t n;

	(void)what;
	if (read(fd, &n, sizeof(n)) < 0 && errno != EAGAIN) return;
	store_thread_finish(r);
}

int store_thread_start(struct relay *r, int priority)
{
	struct store_thread *t = NULL;
	int rc;

	if ((rc = mem_calloc(1, sizeof(*t), (void **)&t)) != 0) return rc;
	r->worker = t;
	t->efd = -1;
	t->so = r->so;
	t->st = r->st;
#ifdef KENH_FAULT_INJECT
	if (getenv("KENHD_FAULT_COMMIT") != NULL)
		t->fault_every = strtoul(getenv("KENHD_FAULT_COMMIT"), NULL, 10);
#endif
	if (pthread_mutex_init(&t->mu, NULL) != 0) return KENH_ERR(KENH_E_NOMEM);
	t->mutex_ok = true;
	if (pthread_cond_init(&t->cv, NULL) != 0) return KENH_ERR(KENH_E_NOMEM);
	t->cond_ok = true;
	if ((t->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) < 0) return KENH_ERR(KENH_E_IO);
	t->done_ev = event_new(r->base, t->efd, EV_READ | EV_PERSIST, on_done, r);
	if (t->done_ev == NULL || event_priority_set(t->done_ev, priority) != 0 ||
	    event_add(t->done_ev, NULL) != 0)
		return KENH_ERR(KENH_E_NOMEM);
	if (pthread_create(&t->tid, NULL, run, t) != 0) return KENH_ERR(KENH_E_NOMEM);
	t->thread_ok = true;
	return 0;
}

void store_thread_commit(struct relay *r, bool rollback)
{
	struct store_thread *t = r->worker;

	KENH_ASSERT(!r->committing);
	r->committing = true;
	pthread_mutex_lock(&t->mu);
	t->job = true;
	t->undo = rollback;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

void store_thread_wait(struct relay *r)
{
	struct store_thread *t = r->worker;

	if (t == NULL || !r->committing) return;
	pthread_mutex_lock(&t->mu);
	while (t->job)
		pthread_cond_wait(&t->cv, &t->mu);
	pthread_mutex_unlock(&t->mu);
	store_thread_finish(r);
}

void store_thread_finish(struct relay *r)
{
	struct store_thread *t = r->worker;
	double secs;
	bool done;
	int rc;

	pthread_mutex_lock(&t->mu);
	done = t->done;
	t->done = false;
	rc = t->rc;
	secs = t->secs;
	pthread_mutex_unlock(&t->mu);
	if (!done) return;
	r->committing = false;
	batch_complete(r, rc, secs);
}

void store_thread_stop(struct relay *r)
{
	struct store_thread *t = r->worker;

	if (t == NULL) return;
	if (t->thread_ok) {
		store_thread_wait(r);
		pthread_mutex_lock(&t->mu);
		t->quit = true;
		pthread_cond_broadcast(&t->cv);
		pthread_mutex_unlock(&t->mu);
		pthread_join(t->tid, NULL);
	}
	if (t->done_ev) event_free(t->done_ev);
	if (t->efd >= 0) close(t->efd);
	if (t->cond_ok) pthread_cond_destroy(&t->cv);
	if (t->mutex_ok) pthread_mutex_destroy(&t->mu);
	mem_free(t);
	r->worker = NULL;
}
