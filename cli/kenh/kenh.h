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
	bool wiped; /* a wipe order erased the store during this run */
};

/*
 * kenh_sync_run's result when a verified wipe order erased the store: not
 * a library code (those are above KENH_E_LAST), only for kenh_fail.
 */
#define KENH_CLI_E_WIPED (-100)

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
/* Open the store (passphrase) and, if need_cert, the enrolled identity. */
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
/* The identity of a member's credential. */
KENH_MUST_CHECK int kenh_member_info(struct kenh_app *a, const struct kenh_mls_group *g,
                                     uint32_t leaf, struct crypto_cert_info *out);

/* ---- groups (kenh_group.c) ---- */
KENH_MUST_CHECK int kenh_group_load(struct kenh_app *a, const char *name,
                                    struct kenh_mls_group **out);
KENH_MUST_CHECK int kenh_group_load_id(struct kenh_app *a, struct kenh_span gid,
                                       struct kenh_mls_group **out);
KENH_MUST_CHECK int kenh_group_save(struct kenh_app *a, const struct kenh_mls_group *g);
/* Commit what is pending (and adds/removes), send it, merge; retries once after a sync on STATE. */
KENH_MUST_CHECK int kenh_group_commit(struct kenh_app *a, const char *name,
                                      const struct kenh_mls_commit_args *ca, uint64_t *epoch);
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

/* ---- remote wipe (kenh_wipe.c) ---- */
/*
 * Verify a wipe order against the root and our chain's unit CAs, refuse a
 * nonce carried out before (KENH_E_EXISTS), remember the nonce, and erase
 * the store (a->st becomes NULL, a->wiped true). Errors of
 * crypto_wipe_verify (KENH_E_VERIFY, KENH_E_PERM, KENH_E_PARSE) leave
 * everything as it was.
 */
KENH_MUST_CHECK int kenh_wipe_apply(struct kenh_app *a, struct kenh_span order);

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
        cmd_kenh_keypackages, cmd_kenh_crl_upload;

#endif /* KENH_CLI_KENH_H */
