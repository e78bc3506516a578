/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenhd's internal interfaces (DESIGN §2, §5; STYLE R7.3, R8, R9.2). The
 * split follows R8.1: conn.c, listener.c, tls.c and admin.c move bytes and
 * run timers through libevent; dispatch.c and the op_*.c handlers are
 * functions from (environment, peer, request body) to a response body and
 * effects, and reach the store only through struct store_ops and signing
 * only through struct signer_ops. batch.c is the glue: it runs the
 * handlers of one loop turn inside one store transaction, has the store
 * worker (store_thread.c) commit it off the loop, and only then releases
 * their responses and pushes (docs/protocol.md §2.2).
 *
 * All state hangs off struct relay, reached through callback arguments; the
 * process keeps nothing else but the logger (R7.3).
 */
#ifndef KENH_KENHD_RELAY_H
#define KENH_KENHD_RELAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "kenh/err.h"
#include "util/util.h"

struct codec_writer;
struct crypto_trust;
struct kenh_ctx;
struct proto_header;
struct ratelimit;
struct store;
struct store_inbox_item;
struct store_ops;
struct relay;
struct conn;
struct tls;

#define DEVICE_NAME_MAX 256 /* "unit/user/device" and its NUL (pki.h bounds: 162) */
#define UNIT_MAX        65

/* docs/protocol.md §3. */
enum conn_state {
	CONN_TLS_HANDSHAKE = 0,
	CONN_ENROLLING = 1,
	CONN_AUTHENTICATED = 2,
	CONN_CLOSING = 3,
	CONN_REVOKED = 4, /* a valid chain listed in a CRL: wipe orders only */
};

#define CONN_STATE_BIT(s) (1u << (unsigned)(s))

/* The limits of an enrolling connection (docs/protocol.md §7). */
#define ENROLL_MAX_FRAME (16u << 10)

/* What a handler knows of the connection it serves: no socket, no buffer. */
struct peer {
	uint64_t conn_id;
	enum conn_state state;
	char device[DEVICE_NAME_MAX]; /* "" while enrolling */
	char unit[UNIT_MAX];
	const char *addr;      /* source address (owned by the connection); NULL if unknown */
	struct kenh_span cert; /* the leaf certificate (DER), owned by the connection */
	bool live;             /* FETCH returned everything: push from now on */
	uint32_t once_done;    /* bit i: once-only operation i of the table was called */
};

/* A frame to push after the commit, to every live connection of some devices. */
struct fx_frame {
	uint8_t *p;
	size_t len;
};

struct fx_target {
	size_t frame;
	char device[DEVICE_NAME_MAX];
	uint64_t exclude_conn; /* the submitting connection (0: none) */
};

/* Effects of a batch, applied only after its commit (R8.1, R8.6). */
struct effects {
	struct fx_frame *frames;
	size_t nframes, capframes;
	struct fx_target *targets;
	size_t ntargets, captargets;
	bool trust_changed; /* a CRL was stored: rebuild the trust store, close revoked peers */
};

void effects_clear(struct effects *fx);

/*
 * Queue frame (ownership taken, even on failure) for the live connections
 * of every device in devices (n names), except connection exclude.
 */
KENH_MUST_CHECK int effects_push(struct effects *fx, uint8_t *frame, size_t len,
                                 const char (*devices)[DEVICE_NAME_MAX], size_t n,
                                 uint64_t exclude);

/* Counters for /metrics (admin.c prints them). */
#define METRICS_BUCKETS 12
struct metrics {
	uint64_t connections; /* open now */
	uint64_t connections_total;
	uint64_t connections_refused;
	uint64_t frames_in, frames_out;
	uint64_t bytes_in, bytes_out;
	uint64_t deliveries; /* pushes written */
	uint64_t commits_accepted, commits_stale;
	uint64_t messages_accepted;
	uint64_t protocol_errors;
	uint64_t slow_readers;
	uint64_t revoked_closed;
	uint64_t revoked_admitted; /* connections let into the REVOKED state */
	uint64_t revoked_refused;  /* their requests answered REVOKED */
	uint64_t batches, batch_failures;
	uint64_t store_hist[METRICS_BUCKETS]; /* commit latency, cumulative by bucket */
	double store_sum;
	uint64_t store_count;
};

/* Upper bounds (seconds) of the store latency buckets; the last is +Inf. */
extern const double metrics_bounds[METRICS_BUCKETS];

void metrics_store_observe(struct metrics *m, double seconds);

/*
 * The relay's external-sender key (R9.2: the only way handlers sign).
 * sign_with_label computes SignWithLabel(key, label, content) (RFC 9420
 * §5.1.2) for a group of cipher suite suite: KENH_E_UNSUPPORTED when the
 * suite's signature scheme is not the key's. public_key returns the key as
 * it appears in the external_senders extension (borrowed).
 */
struct signer_ops {
	int (*sign_with_label)(void *arg, uint16_t suite, struct kenh_span label,
	                       struct kenh_span content, uint8_t *sig, size_t *siglen);
	struct kenh_span (*public_key)(void *arg);
};

/* The trust anchors as read from the configuration (DER). */
struct anchors {
	struct kenh_span root;
	struct kenh_span *cas;
	char (*ca_units)[UNIT_MAX]; /* unit path of each CA, for CRL issuers */
	size_t ncas;
};

/* Everything a handler may use (R8.1): no socket, no event loop. */
struct op_env {
	struct kenh_ctx *ctx;
	const struct config *cfg;
	const struct store_ops *so;
	struct store *st;
	const struct crypto_trust *trust;
	const struct anchors *anchors;
	const struct signer_ops *signer; /* NULL when no signing_key is configured */
	void *signer_arg;
	struct metrics *m;
	struct effects *fx;
	struct ratelimit *rl; /* enrollment attempts per address (NULL: no limit) */
	uint64_t now;         /* Unix seconds */
	uint64_t detail;      /* set by a failing handler: the error frame's detail */
	bool broken;          /* set by dispatch_frame: a savepoint could not be undone, so the
	                    batch can only be rolled back (every request of it gets DB) */
};

/* A handler: body is the request body; out receives the response body after status 0. */
typedef int op_fn(struct op_env *env, struct peer *p, struct kenh_span body,
                  struct codec_writer *out);

/* docs/protocol.md §5: one row per operation (STYLE R8.2). */
struct op_entry {
	uint16_t type;
	const char *name;
	uint32_t states; /* CONN_STATE_BIT()s allowed */
	bool once;       /* callable once per connection */
	size_t max_body; /* 0: the connection's frame limit */
	op_fn *fn;
};

/* The row for type, or NULL (an unknown type: protocol error). */
const struct op_entry *dispatch_find(uint16_t type);

/* The largest body a frame of type may have in state st for this relay (0: refused). */
size_t dispatch_max_body(const struct config *cfg, enum conn_state st, uint16_t type);

/*
 * Handle one request frame: check it against the table (state, once,
 * size), run the handler inside a savepoint, append the response frame
 * (success or error) to out. The savepoint is kept only once the success
 * response is in out. Returns 0, or a negative code when the frame breaks
 * the protocol or out cannot take the answer (KENH_E_NOMEM): the
 * connection must be closed, and the request left nothing in the batch.
 * env->broken is set when a savepoint could not be undone (batch.c then
 * rolls the whole batch back).
 */
KENH_MUST_CHECK int dispatch_frame(struct op_env *env, struct peer *p, const struct proto_header *h,
                                   struct kenh_span body, struct codec_writer *out);

/* The handlers (op_*.c). */
op_fn op_ping;
op_fn op_kp_upload;
op_fn op_kp_claim;
op_fn op_dir_lookup;
op_fn op_group_create;
op_fn op_handshake;
op_fn op_app_send;
op_fn op_groupinfo_get;
op_fn op_fetch;
op_fn op_ack;
op_fn op_blob_put;
op_fn op_blob_get;
op_fn op_crl_upload;
op_fn op_enroll_submit;
op_fn op_enroll_fetch;
op_fn op_enroll_list;
op_fn op_enroll_issue;
op_fn op_enroll_reject;
op_fn op_wipe_send;
op_fn op_renew_submit;

/*
 * ENROLL_ISSUE for a renewal ticket (op_renew.c): *handled false and 0 if
 * the ticket is not a renewal's (an enrollment: the caller goes on);
 * otherwise the certificate must validate, name the requesting device and
 * carry the request's key (VERIFY, PERM), and it is recorded and put into
 * the device's inbox as a Delivery of kind cert.
 */
KENH_MUST_CHECK int renew_issue(struct op_env *env, struct kenh_span ticket, struct kenh_span cert,
                                bool *handled);
op_fn op_crl_get;

/*
 * Helpers shared by handlers (ops_common.c). Identity of a device
 * certificate through the trust store: "unit/user/device" into device.
 */
KENH_MUST_CHECK int ops_cert_device(const struct op_env *env, struct kenh_span der,
                                    char device[static DEVICE_NAME_MAX],
                                    char unit[static UNIT_MAX]);

/*
 * True if the peer may act for the authority (ENROLL_LIST, ENROLL_ISSUE,
 * ENROLL_REJECT, WIPE_SEND): the config names its device, and the root
 * itself issued its certificate (op_enroll.c).
 */
bool ops_is_authority(const struct op_env *env, const struct peer *p);

/* Queue the push of log entry seq to the devices whose cursors cover it. */
KENH_MUST_CHECK int ops_push_entry(struct op_env *env, struct kenh_span group_id, uint64_t seq,
                                   struct kenh_span msg, uint64_t exclude_conn);

/* Move the sender's cursor past its own entry seq when nothing else is pending for it. */
KENH_MUST_CHECK int ops_skip_own(struct op_env *env, const char *device, struct kenh_span group_id,
                                 uint64_t seq);

/*
 * Append a log entry for group from peer from, and queue its push to the
 * entry's recipients except from's connection.
 */
KENH_MUST_CHECK int ops_log_and_push(struct op_env *env, struct kenh_span group_id,
                                     struct kenh_span msg, const struct peer *from, uint64_t *seq);

/*
 * RFC 9420 §12.1.8.1: as external sender, propose the removal of every
 * leaf device holds, in every group whose external_senders extension (in
 * its last GroupInfo) lists the relay's key (revoke.c). Groups that do not
 * are logged and skipped. A no-op without a signing key.
 */
KENH_MUST_CHECK int revoke_propose_removals(struct op_env *env, const char *device);

/* Queue a push of inbox entry id (a Welcome, a wipe order, a certificate) to device. */
KENH_MUST_CHECK int ops_push_inbox(struct op_env *env, const char *device,
                                   const struct store_inbox_item *item, uint64_t id);

/*
 * Process a CRL (DER): verify it under its issuer among the anchors, check
 * its number against the stored one, store it, mark its devices revoked
 * and queue the trust rebuild. *number and *revoked describe it.
 * STATE (env->detail = held number) if not newer, VERIFY if not signed by
 * a configured CA.
 */
KENH_MUST_CHECK int ops_crl_apply(struct op_env *env, struct kenh_span der, uint64_t *number,
                                  uint32_t *revoked);

struct proto_crl_get;
struct proto_crl_set;

/*
 * The CrlSet for a CRL_GET (q) or a PUSH_CRL (q NULL): every stored CRL
 * whose issuer q does not list with a number at or above it (copies,
 * owned by *out), and the configured unit CA certificates of those
 * issuers and their parent units (views into env->anchors). Free with
 * ops_crl_set_free. KENH_E_TOO_LARGE past PROTO_MAX_CRLS CRLs.
 */
KENH_MUST_CHECK int ops_crl_set_make(const struct op_env *env, const struct proto_crl_get *q,
                                     struct proto_crl_set *out);
void ops_crl_set_free(struct proto_crl_set *s);

/* ---- the event-driven side ---- */

/* Connection registry and batches (batch.c). */
void batch_add_conn(struct relay *r, struct conn *c);
KENH_MUST_CHECK int batch_begin(struct relay *r);
void batch_schedule(struct relay *r);
void batch_flush(struct relay *r);

/* Fill an op_env for a handler call in the current batch. */
void relay_env(struct relay *r, struct op_env *env);

/* TLS (tls.c): the one place outside lib/crypto that uses OpenSSL (STYLE R1.1, R3.9). */
KENH_MUST_CHECK int tls_new(const struct config *cfg, struct tls **out, char *err, size_t errlen);
void tls_free(struct tls *t);

/* Read a certificate or CRL file, PEM (every block) or DER (one object). */
KENH_MUST_CHECK int tls_read_objects(const char *path, bool crl, struct kenh_span **out, size_t *n);
void tls_objects_free(struct kenh_span *objs, size_t n);

/* Connections (conn.c, listener.c). */
KENH_MUST_CHECK int listener_start(struct relay *r, char *err, size_t errlen);
void listener_stop(struct relay *r);
void conn_close_later(struct conn *c, const char *why);
/* Append bytes to a connection's output now (used after a commit); closes a slow reader. */
void conn_write(struct conn *c, const uint8_t *p, size_t len);
/* Write pushes of frame to every live connection of device except exclude. */
void conn_push_device(struct relay *r, const char *device, const uint8_t *frame, size_t len,
                      uint64_t exclude);
/* Close every authenticated connection whose certificate no longer validates. */
void conn_revalidate_all(struct relay *r);
void conn_close_all(struct relay *r);

/* Trust (trust.c): build the anchors and the trust store from config and stored CRLs. */
KENH_MUST_CHECK int trust_load_anchors(struct relay *r, char *err, size_t errlen);
KENH_MUST_CHECK int trust_rebuild(struct relay *r);
/* Re-read the configured CRL files into the store (SIGHUP), then rebuild. */
void trust_reload_crl_files(struct relay *r);

/* Admin HTTP listener (admin.c). */
KENH_MUST_CHECK int admin_start(struct relay *r, char *err, size_t errlen);
void admin_stop(struct relay *r);

/* Signer (signer.c): load the external-sender key, NULL signer if none configured. */
KENH_MUST_CHECK int signer_load(struct relay *r, char *err, size_t errlen);

/* Wall clock in Unix seconds, and a monotonic clock in seconds. */
uint64_t relay_now(void);
double relay_mono(void);

#endif /* KENH_KENHD_RELAY_H */
