/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenhd, the Kenh relay (DESIGN §2, §5): the MLS Delivery Service of a
 * province. main() reads the configuration, sets up the process (no core
 * dumps, no ptrace: STYLE R5.7), opens the store, builds the trust store,
 * starts the TLS and admin listeners and runs the libevent loop. Signals
 * go through libevent (R7.3): SIGTERM and SIGINT stop gracefully (no new
 * connections, the open batch committed and answered, output flushed for
 * up to two seconds; the exit waits for the commit in flight on the store
 * worker), SIGHUP re-reads the CRL files. kenhd exits only
 * during start-up (R3.8); afterwards an error ends a request or a
 * connection, never the process.
 *
 *   kenhd --config FILE [--check-config]
 *   kenhd --gen-signing-key FILE     a new external-sender key (mode 0600); prints its public key
 */
#include "relay_int.h"

#include "util/compat.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "crypto/pki.h"
#include "kenh/kenh.h"
#include "klog.h"
#include "ratelimit.h"
#include "store/store.h"
#include "util/mem.h"

#define RETENTION_INTERVAL 3600 /* seconds between retention passes */
#define DRAIN_SECONDS      2

/* Event priorities (lower runs first): libevent gives other events PRIO_COUNT / 2. */
#define PRIO_DONE  1
#define PRIO_BATCH 3
#define PRIO_REAP  3
#define PRIO_COUNT 4

uint64_t relay_now(void)
{
	return (uint64_t)time(NULL);
}

double relay_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_flush(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	batch_flush(arg);
}

static void on_retention(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;
	uint64_t deleted = 0;

	(void)fd;
	(void)what;
	if (r->committing) {
		r->retention_due = true; /* batch_complete() fires this event again */
		return;
	}
	if (batch_begin(r) != 0) return;
	if (r->so->retention(r->st, relay_now(), r->cfg.retention_days * 86400u, &deleted) == 0)
		klog(KENH_LOG_INFO, "retention", "deleted=%llu", (unsigned long long)deleted);
	batch_schedule(r);
}

static void on_stop(evutil_socket_t sig, short what, void *arg)
{
	struct relay *r = arg;
	struct timeval drain = { DRAIN_SECONDS, 0 };

	(void)what;
	if (r->stopping) return;
	klog(KENH_LOG_INFO, "stopping", "signal=%d", (int)sig);
	r->stopping = true;
	listener_stop(r);
	if (r->batch_open || r->nbatch > 0) batch_flush(r);
	event_base_loopexit(r->base, &drain);
}

static void on_hup(evutil_socket_t sig, short what, void *arg)
{
	struct relay *r = arg;

	(void)sig;
	(void)what;
	klog(KENH_LOG_INFO, "reload", "what=crl");
	event_active(r->reload_ev, 0, 0);
}

/* The CRL files go into a batch, so they wait while the worker holds the store. */
static void on_reload(evutil_socket_t fd, short what, void *arg)
{
	struct relay *r = arg;

	(void)fd;
	(void)what;
	if (r->committing)
		r->reload_due = true; /* batch_complete() fires this event again */
	else
		trust_reload_crl_files(r);
}

/* R5.7: nothing of the process's memory in a core file or under a debugger. */
static void harden_process(void)
{
	struct rlimit no_core = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) klog(KENH_LOG_WARN, "harden", "what=dumpable");
	if (setrlimit(RLIMIT_CORE, &no_core) != 0) klog(KENH_LOG_WARN, "harden", "what=core");
	signal(SIGPIPE, SIG_IGN);
}

static int add_events(struct relay *r)
{
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct timeval hour = { RETENTION_INTERVAL, 0 };
	size_t i;
	int rc;

	r->flush_ev = event_new(r->base, -1, 0, on_flush, r);
	r->reap_ev = event_new(r->base, -1, 0, conn_reap, r);
	r->retention_ev = event_new(r->base, -1, EV_PERSIST, on_retention, r);
	r->reload_ev = event_new(r->base, -1, 0, on_reload, r);
	r->budget_ev = event_new(r->base, -1, 0, conn_budget_wake, r);
	if (!r->flush_ev || !r->reap_ev || !r->retention_ev || !r->reload_ev || !r->budget_ev)
		return KENH_ERR(KENH_E_NOMEM);
	/*
	 * Group commit: connections' reads run at the middle priority (the
	 * default), the hand-over of the batch to the store worker after
	 * every read of the loop turn (PRIO_BATCH), and reaps after that (a
	 * closed connection's batch is released first). batch.c also hands a
	 * batch over at once when it grows past BATCH_MAX_REQUESTS, so reads
	 * can never starve a commit. The worker's report runs before reads
	 * (PRIO_DONE): answers go out as soon as they are durable.
	 */
	event_priority_set(r->flush_ev, PRIO_BATCH);
	event_priority_set(r->reap_ev, PRIO_REAP);
	if ((rc = store_thread_start(r, PRIO_DONE)) != 0) return rc;
	for (i = 0; i < ARRAY_LEN(sigs); i++) {
		r->sig_ev[i] =
		        evsignal_new(r->base, sigs[i], sigs[i] == SIGHUP ? on_hup : on_stop, r);
		if (r->sig_ev[i] == NULL || evsignal_add(r->sig_ev[i], NULL) != 0)
			return KENH_ERR(KENH_E_NOMEM);
	}
	return evtimer_add(r->retention_ev, &hour) == 0 ? 0 : KENH_ERR(KENH_E_NOMEM);
}

/* Everything before the loop; err says what failed. */
static int setup(struct relay *r, bool check_only, char *err, size_t errlen)
{
	struct store_config sc = { r->cfg.db_path, r->cfg.pg_conninfo };
	int rc;

	if ((rc = kenh_ctx_new(&r->ctx)) != 0) return snprintf(err, errlen, "crypto init"), rc;
	kenh_ctx_set_log(r->ctx, KENH_LOG_WARN, klog_lib_sink, NULL);
	if ((r->so = store_ops_find(r->cfg.store)) == NULL) {
		snprintf(err, errlen, "store: unknown backend %s", r->cfg.store);
		return KENH_ERR(KENH_E_INVALID_ARG);
	}
	if ((rc = tls_new(&r->cfg, &r->tls, err, errlen)) != 0) return rc;
	if ((rc = trust_load_anchors(r, err, errlen)) != 0) return rc;
	if ((rc = signer_load(r, err, errlen)) != 0) return rc;
	if (check_only) return 0;
	if ((rc = mem_calloc(1, sizeof(*r->rl), (void **)&r->rl)) != 0)
		return snprintf(err, errlen, "rate limits"), rc;
	ratelimit_init(r->rl, r->cfg.enroll_refusals_per_address, r->cfg.enroll_refusals_global,
	               r->cfg.enroll_refusal_window);
	if ((rc = r->so->open(&sc, &r->st)) != 0) {
		snprintf(err, errlen, "%s: cannot open the store",
		         r->so == &store_pg_ops ? "pg_conninfo" : "db_path");
		return rc;
	}
	if ((rc = trust_rebuild(r)) != 0) return snprintf(err, errlen, "trust store"), rc;
	if ((r->base = event_base_new()) == NULL ||
	    event_base_priority_init(r->base, PRIO_COUNT) != 0)
		return snprintf(err, errlen, "event loop"), KENH_ERR(KENH_E_NOMEM);
	if ((rc = add_events(r)) != 0) return snprintf(err, errlen, "events"), rc;
	if ((rc = watch_start(r)) != 0) return snprintf(err, errlen, "store: watch"), rc;
	trust_reload_crl_files(r);
	if ((rc = listener_start(r, err, errlen)) != 0) return rc;
	return admin_start(r, err, errlen);
}

static void teardown(struct relay *r)
{
	size_t i;

	listener_stop(r);
	admin_stop(r);
	/* SIGTERM: the commit in flight, then the batch still open, are made durable. */
	r->draining = true;
	store_thread_wait(r);
	if ((r->batch_open || r->nbatch > 0) && r->worker != NULL) {
		batch_flush(r);
		store_thread_wait(r);
	}
	store_thread_stop(r);
	for (i = 0; i < r->nresume; i++) {
		r->resume[i]->held = false;
		r->resume[i]->refs--;
	}
	r->nresume = 0;
	if (r->base) {
		conn_close_all(r);
		conn_reap(-1, 0, r);
	}
	for (i = 0; i < ARRAY_LEN(r->sig_ev); i++)
		if (r->sig_ev[i]) event_free(r->sig_ev[i]);
	if (r->flush_ev) event_free(r->flush_ev);
	if (r->reap_ev) event_free(r->reap_ev);
	if (r->retention_ev) event_free(r->retention_ev);
	if (r->reload_ev) event_free(r->reload_ev);
	if (r->budget_ev) event_free(r->budget_ev);
	watch_stop(r);
	while (r->addrs[0] != NULL) /* emptied by the reaps; nothing should remain */
		break;
	if (r->st) r->so->close(r->st);
	effects_clear(&r->fx);
	mem_free(r->batch);
	mem_free(r->resume);
	trust_free(r);
	signer_free(r);
	mem_free(r->rl);
	tls_free(r->tls);
	if (r->base) event_base_free(r->base);
	kenh_ctx_free(r->ctx);
}

/* Write a fresh Ed25519 key as 64 hex digits to a new file only the owner can read. */
static int gen_signing_key(const char *path)
{
	struct kenh_ctx *ctx = NULL;
	struct crypto_sigkey k;
	char hex[2 * CRYPTO_MAX_SIG_SK + 2];
	size_t i;
	int fd = -1, rc;

	memset(&k, 0, sizeof(k));
	if ((rc = kenh_ctx_new(&ctx)) != 0) goto out;
	if ((rc = crypto_sigkey_generate(ctx, CRYPTO_SIG_ED25519, &k)) != 0) goto out;
	for (i = 0; i < k.sklen; i++)
		snprintf(hex + 2 * i, 3, "%02x", k.sk[i]);
	hex[2 * k.sklen] = '\n';
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0 ||
	    write(fd, hex, 2 * k.sklen + 1) != (ssize_t)(2 * k.sklen + 1) || fsync(fd) != 0) {
		rc = KENH_ERR(KENH_E_IO);
		goto out;
	}
	printf("public_key=");
	for (i = 0; i < k.pklen; i++)
		printf("%02x", k.pk[i]);
	printf("\n");
out:
	if (fd >= 0) close(fd);
	sec_zero(hex, sizeof(hex));
	crypto_sigkey_clear(&k);
	kenh_ctx_free(ctx);
	if (rc != 0) fprintf(stderr, "kenhd: %s: %s\n", path, kenh_strerror(rc));
	return rc == 0 ? 0 : 1;
}

static int usage(void)
{
	fprintf(stderr, "usage: kenhd --config FILE [--check-config]\n"
	                "       kenhd --gen-signing-key FILE\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct relay *r = NULL;
	const char *path = NULL;
	bool check = false;
	enum kenh_log_level lvl;
	char err[512] = "";
	int i, rc;

	if (argc == 3 && strcmp(argv[1], "--gen-signing-key") == 0) return gen_signing_key(argv[2]);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			path = argv[++i];
		else if (strcmp(argv[i], "--check-config") == 0)
			check = true;
		else if (strcmp(argv[i], "--version") == 0)
			return printf("kenhd %s\n", KENH_VERSION), 0;
		else
			return usage();
	}
	if (path == NULL) return usage();
	harden_process();
	if (mem_calloc(1, sizeof(*r), (void **)&r) != 0) return 1;
	config_defaults(&r->cfg);
	rc = config_load(path, &r->cfg, err, sizeof(err));
	if (rc == 0 && !klog_level_parse(r->cfg.log_level, &lvl)) {
		snprintf(err, sizeof(err), "log_level: unknown level %s", r->cfg.log_level);
		rc = KENH_ERR(KENH_E_INVALID_ARG);
	}
	if (rc == 0) {
		klog_set_level(lvl);
		rc = setup(r, check, err, sizeof(err));
	}
	if (rc != 0) {
		fprintf(stderr, "kenhd: %s: %s\n", err[0] ? err : "setup", kenh_strerror(rc));
		teardown(r);
		mem_free(r);
		return 1;
	}
	if (check) {
		printf("kenhd: %s: configuration ok\n", path);
	} else {
		klog(KENH_LOG_INFO, "start", "listen=%s admin=%s store=%s version=%s",
		     r->cfg.listen, r->cfg.admin_listen[0] ? r->cfg.admin_listen : "-",
		     r->cfg.store, KENH_VERSION);
		event_base_dispatch(r->base);
		klog(KENH_LOG_INFO, "stopped", "connections=%llu",
		     (unsigned long long)r->m.connections);
	}
	teardown(r);
	mem_free(r);
	return 0;
}
