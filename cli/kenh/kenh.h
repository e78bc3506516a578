/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh, the device's command-line client (DESIGN §2, §6, §7; issue 6).
 * A device folder (--dir, default ~/.kenh) holds:
 *
 *   config        relay address, relay CA file, relay's external-sender key (clear)
 *   root.crt      the organization's root certificate (DER, public)
 *   cas/N.crt     unit CA certificates given at init (public; the credential chain)
 *   store.db      the encrypted device store (lib/client/client_store.h):
 *                 device key and certificate chain, pending enrollment,
 *                 KeyPackage private keys, MLS group states, history,
 *                 directive index, file transfer state
 *   wipe-nonces   nonces of the wipe orders carried out (clear; outlives
 *                 the store, against a replayed order)
 *   lock          held shared by every command that opens the store and
 *                 exclusive by `kenh daemon` (docs/daemon.md §5)
 *   daemon/sock   the daemon's Unix socket (folder 0700, socket 0600)
 *
 * The passphrase comes from --passphrase-file, KENH_PASSPHRASE or a
 * prompt without echo, never from an argument. Every command reports an
 * error as "kenh: <what>: <reason>" and exits non-zero.
 *
 * Group ids are the group names given at creation (the relay sees group
 * ids, docs/protocol.md: so a name should not itself be a secret).
 */
#ifndef KENH_CLI_KENH_H
#define KENH_CLI_KENH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "client/client_content.h"
#include "client/client_store.h"
#include "crypto/pki.h"
#include "kenh/err.h"
#include "kenh/mls.h"
#include "util/util.h"

struct cli_relay;
struct proto_desc;

#define KENH_SUITE        KENH_MLS_SUITE_X25519_AES128GCM_ED25519
#define KENH_PATH_MAX     1024
#define KENH_KP_BATCH     10 /* one-time KeyPackages per upload */
#define KENH_KP_LOW       3  /* top up below this many */
#define KENH_SEEN_DAYS    (30u * 86400u)
#define KENH_FILE_CHUNK   (1u << 20) /* docs/filecrypt.md "Transfers" */
#define KENH_MAX_MEMBERS  4096u
#define KENH_RELAY_PK_LEN 32

/*
 * What the daemon's subscribers hear (docs/daemon.md §3): reported by the
 * sync as it processes deliveries. The pointers are valid during the call.
 */
enum kenh_event_kind {
	KENH_EVENT_MESSAGE, /* an application message was recorded (hist, content) */
	KENH_EVENT_JOINED,  /* a Welcome made us a member of group */
	KENH_EVENT_MEMBERS, /* a Commit changed group (epoch) */
	KENH_EVENT_REMOVED, /* a Commit removed us from group */
	KENH_EVENT_WIPED,   /* a verified wipe order erased the store */
};

struct kenh_hist;

struct kenh_event {
	enum kenh_event_kind kind;
	struct kenh_span group;
	uint64_t epoch;
	const struct kenh_hist *hist;
	const struct client_content *content;
};

struct kenh_app;
typedef void kenh_event_fn(void *arg, struct kenh_app *a, const struct kenh_event *ev);

/* Options shared by every command (before the command word). */
struct kenh_opts {
	const char *dir;
	const char *pass_file;
	bool json;
	bool quiet; /* no progress bar, no notes on stderr */
};

/* The open device. */
struct kenh_app {
	struct kenh_ctx *ctx;
	struct kenh_opts opt;
	char dir[KENH_PATH_MAX];
	char relay[256];
	char relay_ca[KENH_PATH_MAX];
	uint8_t relay_pk[KENH_RELAY_PK_LEN];
	bool has_relay_pk;
	uint8_t *root; /* DER */
	size_t rootlen;
	struct client_store *st;
	struct client_identity id; /* valid once enrolled */
	bool enrolled;
	struct crypto_cert_info me;
	struct cli_relay *net;
	size_t net_calls; /* calls answered on net since it was opened */
	uint8_t *reply;   /* the last response body: decoded views point into it */
	size_t replylen;
	bool wiped;            /* a wipe order erased the store during this run */
	unsigned renewed;      /* renewed certificates installed during this run */
	unsigned cert_refused; /* delivered certificates refused during this run */
	bool renewing;         /* kenh_renew_groups runs (a commit's catch-up must not re-enter) */
	bool kp_stale;         /* a renewal was installed: upload KeyPackages with the new chain */
	/*
	 * kenh send --out DIR (a test and debugging aid): application messages
	 * are written to DIR/NNNNNN.mls instead of being sent; kenh submit sends
	 * such files later, in any order (RFC 9420 §9.1 out-of-order delivery).
	 */
	const char *send_out;
	size_t send_outn;
	struct kenh_span *crls; /* the held CRLs (DER, owned), for every validation */
	size_t ncrls;
	bool self_revoked;       /* a held CRL, or the relay, says this device is revoked */
	bool relay_revoked;      /* the relay answered REVOKED about this device (kenh_net.c) */
	int lock_fd;             /* the folder's lock while the store is open (0: not held) */
	bool pushed;             /* a push arrived while waiting for a response */
	kenh_event_fn *on_event; /* the daemon's, or NULL */
	void *event_arg;
};

/*
 * kenh_sync_run's result when a verified wipe order erased the store: not
 * a library code (those are above KENH_E_LAST), only for kenh_fail.
 */
#define KENH_CLI_E_WIPED (-100)

/*
 * A command's result on a group this device left (kenh group leave): no
 * more sends or membership changes; only for kenh_fail.
 */
#define KENH_CLI_E_LEFT (-101)

/* A command: argv[0] is the command word (or sub-word). */
typedef int kenh_cmd_fn(struct kenh_app *a, int argc, char **argv);

/* ---- errors (main.c) ---- */
int kenh_fail(const char *what, int code);
int kenh_failf(const char *what, const char *why);
int kenh_usage(const char *line);

/* ---- the device folder (kenh_dev.c) ---- */
KENH_MUST_CHECK int kenh_dev_path(const struct kenh_app *a, char *out, size_t cap,
                                  const char *name);
KENH_MUST_CHECK int kenh_dev_config_load(struct kenh_app *a);
/*
 * Take the folder's lock (shared, or exclusive for the daemon) unless held.
 * KENH_E_EXISTS if the other kind is held (a daemon runs; or, exclusive,
 * a command or a daemon does).
 */
KENH_MUST_CHECK int kenh_dev_lock(struct kenh_app *a, bool exclusive);
/* Open the store (passphrase) and, if need_cert, the enrolled identity; a no-op once open. */
KENH_MUST_CHECK int kenh_dev_open(struct kenh_app *a, bool need_cert);
void kenh_dev_close(struct kenh_app *a);
KENH_MUST_CHECK int kenh_dev_pass(const struct kenh_app *a, bool confirm, uint8_t **pass,
                                  size_t *passlen);
/* The relay connection, opened on first use with the device certificate. */
KENH_MUST_CHECK int kenh_dev_net(struct kenh_app *a, struct cli_relay **out);
/* Unit CA certificates from cas/ (DER, mem_free each and the array). */
KENH_MUST_CHECK int kenh_dev_cas(const struct kenh_app *a, uint8_t ***cas, size_t **lens,
                                 size_t *n);
void kenh_dev_cas_free(uint8_t **cas, size_t *lens, size_t n);

/* ---- relay calls with error reporting (kenh_net.c) ---- */
/* Connect with cert (len 0: an enrolling connection) and key. */
KENH_MUST_CHECK int kenh_net_open(struct kenh_app *a, struct kenh_span cert,
                                  const struct crypto_sigkey *key, struct cli_relay **out);
/* A call whose non-zero status becomes a negative code; *detail may be NULL. */
KENH_MUST_CHECK int kenh_net_call(struct kenh_app *a, uint16_t type, const struct proto_desc *d,
                                  const void *req, const struct proto_desc *rd, void *resp,
                                  size_t resp_size, uint64_t *detail);

/* ---- MLS glue (kenh_mls.c) ---- */
void kenh_mls_config(struct kenh_app *a, struct kenh_mls_config *cfg);
/* Our credential (certificate chain) for KeyPackages; views into a->id. */
void kenh_mls_cred(const struct kenh_app *a, struct kenh_mls_credential_args *c,
                   const uint8_t **certs, size_t *lens);
KENH_MUST_CHECK int kenh_kp_make(struct kenh_app *a, struct kenh_mls_keypackage **out);
/* Make n one-time KeyPackages (and a last resort one if lr), store, upload. */
KENH_MUST_CHECK int kenh_kp_upload(struct kenh_app *a, size_t n, bool lr);
KENH_MUST_CHECK int kenh_kp_count(struct kenh_app *a, size_t *n);
/* Try to join from a Welcome with every stored KeyPackage. */
KENH_MUST_CHECK int kenh_kp_join(struct kenh_app *a, struct kenh_span welcome,
                                 struct kenh_mls_group **out);
/*
 * Is the certificate of member leaf (or a CA of its chain) listed in a
 * held CRL? *revoked false for any other outcome.
 */
KENH_MUST_CHECK int kenh_member_revoked(struct kenh_app *a, const struct kenh_mls_group *g,
                                        uint32_t leaf, bool *revoked);
/* The identity of a member's credential. */
KENH_MUST_CHECK int kenh_member_info(struct kenh_app *a, const struct kenh_mls_group *g,
                                     uint32_t leaf, struct crypto_cert_info *out);

/* ---- groups (kenh_group.c) ---- */
KENH_MUST_CHECK int kenh_group_load(struct kenh_app *a, const char *name,
                                    struct kenh_mls_group **out);
KENH_MUST_CHECK int kenh_group_load_id(struct kenh_app *a, struct kenh_span gid,
                                       struct kenh_mls_group **out);
KENH_MUST_CHECK int kenh_group_save(struct kenh_app *a, const struct kenh_mls_group *g);
/* Save a group just joined, replacing a row of the same id (one we left or were removed from). */
KENH_MUST_CHECK int kenh_group_save_new(struct kenh_app *a, const struct kenh_mls_group *g);
/* Commit what is pending (and adds/removes), send it, merge; retries once after a sync on STATE. */
KENH_MUST_CHECK int kenh_group_commit(struct kenh_app *a, const char *name,
                                      const struct kenh_mls_commit_args *ca, uint64_t *epoch);
/*
 * Leaving (RFC 9420 §12.1.3, kenh group leave): the group's row moves to
 * the "left" scope of the groups table with its state (still needed to
 * process the Commit that removes us); once removed, kenh_group_forget
 * keeps an empty row there and the state, with every secret, is gone.
 * kenh_group_load* of a forgotten group gives KENH_CLI_E_LEFT.
 */
KENH_MUST_CHECK int kenh_group_left(struct kenh_app *a, struct kenh_span gid, bool *left);
KENH_MUST_CHECK int kenh_group_mark_left(struct kenh_app *a, const struct kenh_mls_group *g);
KENH_MUST_CHECK int kenh_group_forget(struct kenh_app *a, struct kenh_span gid);
KENH_MUST_CHECK int kenh_group_scan_left(struct kenh_app *a, client_store_item_fn *fn, void *arg);
/* Record a message we sent as seen (its copy from the relay is discarded). */
KENH_MUST_CHECK int kenh_group_seen_own(struct kenh_app *a, const uint8_t *msg, size_t len);
/* kenh group leave NAME (cmd_kenh_leave.c). */
KENH_MUST_CHECK int kenh_group_leave(struct kenh_app *a, const char *name);
/* Propose our removal again in groups we are leaving where a new epoch dropped it. */
KENH_MUST_CHECK int kenh_group_leave_retry(struct kenh_app *a);
/* 0 if we may send to or change group name; KENH_CLI_E_LEFT if we left it. */
KENH_MUST_CHECK int kenh_group_writable(struct kenh_app *a, const char *name);
/* Encrypt and send one AppMessage; records it in history. */
KENH_MUST_CHECK int kenh_group_send(struct kenh_app *a, const char *name,
                                    const struct client_content *c, uint8_t *id_out);

/* ---- history (kenh_hist.c) ---- */
struct kenh_hist {
	struct kenh_span user, unit, device;
	uint64_t epoch;
	struct kenh_span content; /* AppContent */
	struct kenh_span sig;
	struct kenh_span chain[CLIENT_IDENTITY_MAX_CHAIN];
	size_t nchain;
	struct kenh_span roster; /* encoded (user<V>, unit<V>) list, directives only */
};
KENH_MUST_CHECK int kenh_hist_put(struct kenh_app *a, struct kenh_span gid,
                                  const struct kenh_hist *h, const struct kenh_mls_group *g);
KENH_MUST_CHECK int kenh_hist_decode(struct kenh_span in, struct kenh_hist *out);
/* Record an application message from leaf sender of g. */
KENH_MUST_CHECK int kenh_hist_receive(struct kenh_app *a, struct kenh_mls_group *g, uint32_t sender,
                                      struct kenh_span data);

/* ---- sync (kenh_sync.c) ---- */
/* Fetch and process everything; listen: keep going for wait_ms after the last push. */
KENH_MUST_CHECK int kenh_sync_run(struct kenh_app *a, int listen_ms, size_t *processed);

/*
 * A revoked device's fetch (docs/protocol.md §3 REVOKED): FETCH and ACK
 * what the relay hands out, which is the device's wipe orders only; a
 * valid one erases the store (a->wiped).
 */
KENH_MUST_CHECK int kenh_sync_wipe_fetch(struct kenh_app *a);

/* ---- remote wipe (kenh_wipe.c) ---- */
/*
 * Verify a wipe order against the root and our chain's unit CAs, refuse a
 * nonce carried out before (KENH_E_EXISTS), remember the nonce, and erase
 * the store (a->st becomes NULL, a->wiped true). Errors of
 * crypto_wipe_verify (KENH_E_VERIFY, KENH_E_PERM, KENH_E_PARSE) leave
 * everything as it was.
 */
KENH_MUST_CHECK int kenh_wipe_apply(struct kenh_app *a, struct kenh_span order);

/* ---- certificate renewal (cmd_kenh_renew.c) ---- */
/*
 * A certificate from the inbox (Delivery kind cert): installed if it
 * chains to our root, carries our key and identity and ends later than
 * ours (a->id, a->me, a->renewed updated; a->kp_stale set: no network
 * call here, the fetch being processed holds views into the last reply);
 * otherwise reported and refused (a->cert_refused). Returns only store,
 * I/O and memory errors: a refused certificate is not one.
 */
KENH_MUST_CHECK int kenh_renew_install(struct kenh_app *a, struct kenh_span cert);
/*
 * An Update Commit with our current credential in every active group
 * whose leaf for us still carries an older certificate; *updated counts
 * them. Groups that fail now are reported and left for the next sync.
 * First, after an installation (a->kp_stale), fresh KeyPackages and a new
 * last-resort one with the new chain are uploaded.
 */
KENH_MUST_CHECK int kenh_renew_groups(struct kenh_app *a, size_t *updated);
/* ---- CRLs (kenh_crl.c) ---- */
struct proto_crl_set;
/* (Re)load the held CRLs from the store into a->crls; reports a listed own certificate. */
KENH_MUST_CHECK int kenh_crl_load(struct kenh_app *a);
void kenh_crl_free(struct kenh_app *a);
/*
 * leaf checked now under our root and our own unit CAs (the chain of a->id),
 * and against the held CRLs if with_crls: crypto_chain_verify's result.
 */
KENH_MUST_CHECK int kenh_crl_verify_own(struct kenh_app *a, struct kenh_span leaf, bool with_crls,
                                        struct crypto_cert_info *info);
/*
 * Verify and keep each CRL of set that is newer than the one held
 * (forged or older ones are reported on stderr and ignored), then reload.
 * Only store errors are returned.
 */
KENH_MUST_CHECK int kenh_crl_take(struct kenh_app *a, const struct proto_crl_set *set);
/* CRL_GET (naming the numbers held) and kenh_crl_take of the answer. */
KENH_MUST_CHECK int kenh_crl_refresh(struct kenh_app *a);
/* A PUSH_CRL body: decode and kenh_crl_take. */
KENH_MUST_CHECK int kenh_crl_push(struct kenh_app *a, struct kenh_span body);

/* ---- files (kenh_file.c, docs/filecrypt.md "Transfers") ---- */
/* Progress of a transfer: bytes done of total, called after each piece. */
typedef void kenh_progress_fn(void *arg, uint64_t done, uint64_t total);

#define KENH_XFER_ROW_LEN 32

/* A transfer's options (in) and figures (out); required by both calls. */
struct kenh_xfer {
	const char *group;          /* in, upload: with the path, names the resumable transfer */
	kenh_progress_fn *progress; /* in: may be NULL */
	void *progress_arg;
	uint64_t total;      /* out: blob bytes (upload), file bytes (download) */
	uint64_t resumed_at; /* out: where this run started (0: from the beginning) */
	uint64_t sent;       /* out: bytes this run moved over the network */
	bool resumed;        /* out: an earlier attempt was continued */
	bool restarted;      /* out: an earlier attempt was dropped, the file had changed */
	uint8_t row[KENH_XFER_ROW_LEN]; /* out, upload: the transfers row, for kenh_file_forget */
};

/*
 * Encrypt and upload the file at path (a regular file, not empty), or
 * resume the interrupted upload of the same file to the same group: its
 * key and progress are in the store's transfers table. *out receives the
 * FileRef (its blob_id and name are views into *blob_id and path);
 * *blob_id is mem_free'd by the caller. KENH_E_NOT_FOUND, KENH_E_IO,
 * KENH_E_INVALID_ARG for the file; relay errors (the row stays, so that
 * a later run resumes).
 */
KENH_MUST_CHECK int kenh_file_upload(struct kenh_app *a, const char *path, struct kenh_xfer *x,
                                     struct client_file *out, uint8_t **blob_id);
/* Drop the transfers row once the FileRef has been sent. */
KENH_MUST_CHECK int kenh_file_forget(struct kenh_app *a, const struct kenh_xfer *x);
/*
 * Download, check and decrypt a file to path through path.part (resumed
 * from its whole chunks if it exists). KENH_E_DECRYPT (a chunk does not
 * open) and KENH_E_VERIFY (wrong content hash) remove path.part; other
 * errors keep it for the next run. path appears only when all is checked.
 */
KENH_MUST_CHECK int kenh_file_download(struct kenh_app *a, const struct client_file *f,
                                       const char *path, struct kenh_xfer *x);

/* ---- the progress bar on stderr (kenh_progress.c) ---- */
struct kenh_bar {
	const char *label;
	bool on;           /* stderr is a terminal, and neither --json nor --quiet */
	uint64_t t0, last; /* monotonic ns: start, last drawn */
	uint64_t base;     /* bytes done at the start (a resumed transfer) */
	bool started, drawn;
	uint64_t kill_at; /* KENH_TEST_KILL_AT (kenh_progress.c), 0: none */
};
/* Set up a bar for a (label) transfer; kenh_bar_update is a kenh_progress_fn. */
void kenh_bar_init(struct kenh_bar *b, const struct kenh_app *a, const char *label);
void kenh_bar_update(void *arg, uint64_t done, uint64_t total);
/* End the bar's line if one was drawn. */
void kenh_bar_end(struct kenh_bar *b);
/* Format "<bytes> of <total> <percent> <rate> ETA" into out (for tests and the bar). */
void kenh_bar_format(char *out, size_t cap, uint64_t done, uint64_t total, uint64_t base,
                     uint64_t elapsed_ns);

/* ---- output (kenh_out.c) ---- */
void kenh_json_str(FILE *f, const uint8_t *p, size_t len);
/* Tell the daemon (if any) about ev. */
void kenh_emit(struct kenh_app *a, const struct kenh_event *ev);
/* A content's type word ("text", "file", ...) and the text shown for it. */
const char *kenh_content_type_name(enum client_content_type t);
struct kenh_span kenh_content_text(const struct client_content *c);
void kenh_hex(const uint8_t *p, size_t len, char *out);
KENH_MUST_CHECK int kenh_unhex(const char *s, uint8_t *out, size_t len);

/* ---- argument parsing (kenh_out.c) ---- */
struct kenh_arg {
	const char *name;   /* "--title" */
	const char **val;   /* one value, or NULL */
	bool *flag;         /* a flag without value, or NULL */
	const char **multi; /* a repeatable option: values appended here */
	size_t *nmulti;
	size_t maxmulti;
};
/* Parse argv[start..]: options as described, the rest into pos. KENH_E_INVALID_ARG on a misfit. */
KENH_MUST_CHECK int kenh_args(int argc, char **argv, int start, const struct kenh_arg *opts,
                              size_t nopts, const char **pos, size_t maxpos, size_t *npos);

/* ---- commands (cmd_kenh_*.c) ---- */
kenh_cmd_fn cmd_kenh_init, cmd_kenh_enroll, cmd_kenh_whoami, cmd_kenh_group, cmd_kenh_groups,
        cmd_kenh_members, cmd_kenh_send, cmd_kenh_send_file, cmd_kenh_sync, cmd_kenh_listen,
        cmd_kenh_history, cmd_kenh_get_file, cmd_kenh_directive, cmd_kenh_safety, cmd_kenh_wipe,
        cmd_kenh_keypackages, cmd_kenh_crl_upload, cmd_kenh_users, cmd_kenh_units, cmd_kenh_lookup,
        cmd_kenh_devices, cmd_kenh_submit, cmd_kenh_renew, cmd_kenh_crls, cmd_kenh_daemon,
        cmd_kenh_daemon_call;
/* kenh lookup: one user, unit or device from the relay's directory (cmd_kenh_lookup.c). */
KENH_MUST_CHECK int kenh_lookup_run(struct kenh_app *a, const char *what);

#endif /* KENH_CLI_KENH_H */
