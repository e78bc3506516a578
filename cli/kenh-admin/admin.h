/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Internals of kenh-admin, the organization's authority (DESIGN §6,
 * docs/pki.md, docs/operations.md): the admin folder and what lives in
 * it, the CAs and their encrypted keys, the audit log, enrollment codes
 * with their refusal record, and the issued certificates. Every
 * subcommand is one cmd_admin_<name>.c file with one entry in main.c's
 * table; they share only what is declared here.
 *
 * The admin folder (all files 0600, folders 0700):
 *   org.conf                 organization name, MLS suite, Argon2id cost
 *   root.crt root.key root.crl
 *   units/<path>/ca.crt ca.key ca.crl     one unit CA per created unit
 *   codes/<code key hex>     enrollment code records (never the code)
 *   requests/<id>.csr .state imported certificate requests
 *   certs/<serial>.crt       every device certificate issued
 *   wipe/<device>-<time>.wipe
 *   relay/relay.conf ca.pem  the relay's address, and the CA of its TLS certificate
 *   relay/authority.crt .key the authority's identity at the relay (a device under the root)
 *   audit.log audit.head     the signed, hash-chained audit log
 *   refusals.log             refused enrollment attempts (rate limiting)
 *   .lock                    one kenh-admin at a time
 */
#ifndef KENH_KENH_ADMIN_ADMIN_H
#define KENH_KENH_ADMIN_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/keyfile.h"
#include "crypto/pki.h"
#include "kenh/err.h"

struct cli_relay;
struct cli_relay_reply;
struct proto_desc;

#define ADMIN_PASS_ENV  "KENH_ADMIN_PASSPHRASE"
#define ADMIN_MIN_PASS  8
#define ADMIN_MAX_FILE  (1024 * 1024) /* any admin file but CRLs and the audit log */
#define ADMIN_MAX_LOG   (64 * 1024 * 1024)
#define ADMIN_ROOT_DAYS 3650
#define ADMIN_UNIT_DAYS 1825
#define ADMIN_CRL_DAYS  30
#define ADMIN_CODE_TTL  (24 * 3600)
#define ADMIN_CODE_MAX  (30 * 24 * 3600)
#define ADMIN_MAX_DAYS  36500
#define ADMIN_PATH      4096
#define ADMIN_ID_HEX    16 /* request ids: the first 8 bytes of SHA-256(request), in hex */
#define ADMIN_DETAILS   2048

/* Refusal rate limit: within the window, per claimed user and in all. */
#define ADMIN_REFUSE_WINDOW   900
#define ADMIN_REFUSE_PER_USER 5
#define ADMIN_REFUSE_TOTAL    20

struct admin {
	struct kenh_ctx *ctx;
	const char *dir;
	const char *pass_file;
	uint8_t *pass; /* secret, NUL-terminated; NULL until first needed */
	size_t passlen;
	uint64_t now;
	int lock_fd;
	/* org.conf */
	char org[CRYPTO_PKI_MAX_ORG + 1];
	uint16_t suite;
	struct crypto_argon2_params kdf;
	/* The root CA, loaded by admin_open; its key only on demand. */
	uint8_t *root_der;
	size_t root_len;
	struct crypto_cert_info root;
	struct crypto_sigkey root_key; /* secret */
	bool root_key_loaded;
	struct cli_relay *relay; /* the connection to the relay, opened on first use */
};

/* A CA of the admin folder: the root (unit "") or a unit CA. */
struct admin_ca {
	char unit[CRYPTO_PKI_MAX_UNIT + 1];
	uint8_t *der;
	size_t len;
	struct crypto_cert_info info;
	struct crypto_sigkey key; /* secret; valid once has_key */
	bool has_key;
};

/* ---- errors (main.c): print "kenh-admin: <what>: <reason>", return the exit status 1 ---- */
int admin_fail(const char *what, int code);
int admin_failf(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- arguments (main.c) ---- */

/* An option: with value != NULL it takes an argument, else it sets *flag. */
struct admin_opt {
	const char *name;
	const char **value;
	bool *flag;
};

/*
 * Parse argv (after the subcommand words) into options and between min
 * and max positional arguments (into pos). Prints the usage on error and
 * returns 2; 0 on success.
 */
int admin_args(const char *usage, int argc, char **argv, const struct admin_opt *opts, size_t nopts,
               const char **pos, size_t min, size_t max);

/* "24h", "90m", "30s", "7d" into seconds, 1 .. max. */
KENH_MUST_CHECK int admin_duration(const char *s, uint64_t max, uint64_t *out);
/* A decimal number 1 .. max. */
KENH_MUST_CHECK int admin_number(const char *s, uint64_t max, uint64_t *out);
/* Lowercase hex of n bytes into out (2n + 1 bytes). */
void admin_hex(const uint8_t *p, size_t n, char *out);
/* Parse exactly n bytes of hex; KENH_E_PARSE otherwise. */
KENH_MUST_CHECK int admin_unhex(const char *s, uint8_t *out, size_t n);
/* A text form of a signature scheme ("Ed25519", "ECDSA P-256"). */
const char *admin_sig_name(uint16_t sig_id);

/* ---- the admin folder (admin_dir.c) ---- */

/* Path DIR/<fmt...> into out (ADMIN_PATH bytes). */
KENH_MUST_CHECK int admin_path(const struct admin *a, char *out, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/*
 * Open an existing admin folder: take the lock, read org.conf and the
 * root certificate. Prints what failed. Returns 0 or an exit status.
 */
int admin_open(struct admin *a);
/* Release everything (wipes the passphrase and keys). */
void admin_close(struct admin *a);
/* Take the folder's lock (admin_open does); exit status 1 if another kenh-admin holds it. */
int admin_lock(struct admin *a);
/* Write org.conf from a's fields. */
KENH_MUST_CHECK int admin_conf_write(const struct admin *a);

/* Get the passphrase (once). confirm asks twice on a terminal. Prints why it failed. */
int admin_pass(struct admin *a, bool confirm);

/* Seal key under the passphrase and a->kdf into path (exclusive). */
KENH_MUST_CHECK int admin_key_save(struct admin *a, const char *path,
                                   const struct crypto_sigkey *key);
/* Open the key file at path; prints "<what>: wrong passphrase ..." and returns 1 on failure. */
int admin_key_load(struct admin *a, const char *path, const char *what, struct crypto_sigkey *out);
/* The root key, decrypted once per run. Returns 0 or an exit status. */
int admin_root_key(struct admin *a);

/* The folder of a CA: DIR (root) or DIR/units/<unit>. */
KENH_MUST_CHECK int admin_ca_dir(const struct admin *a, const char *unit, char *out);
/* Load a CA's certificate (unit "" is the root). KENH_E_NOT_FOUND if it was never created. */
KENH_MUST_CHECK int admin_ca_load(struct admin *a, const char *unit, struct admin_ca *ca);
/* The deepest unit CA whose path contains unit; KENH_E_NOT_FOUND if none. */
KENH_MUST_CHECK int admin_ca_covering(struct admin *a, const char *unit, struct admin_ca *ca);
/* Decrypt the CA's key (the root's is shared with a). Returns 0 or an exit status. */
int admin_ca_key(struct admin *a, struct admin_ca *ca);
/* The issuer view of a CA with its key loaded. */
struct crypto_issuer admin_ca_issuer(const struct admin_ca *ca);
void admin_ca_free(struct admin_ca *ca);
/* The display name of a CA: "root" or its unit path. */
const char *admin_ca_name(const struct admin_ca *ca);

/* Call fn for every unit CA folder (unit path), in no particular order. */
typedef int admin_unit_fn(struct admin *a, const char *unit, void *arg);
KENH_MUST_CHECK int admin_units_each(struct admin *a, admin_unit_fn *fn, void *arg);

/* ---- issued certificates and CRLs (admin_certs.c) ---- */

/* Call fn for every issued device certificate (DER, parsed). */
typedef int admin_cert_fn(struct admin *a, const uint8_t *der, size_t len,
                          const struct crypto_cert_info *info, void *arg);
KENH_MUST_CHECK int admin_certs_each(struct admin *a, admin_cert_fn *fn, void *arg);
/*
 * The newest certificate (latest notAfter) issued to device, skipping
 * revoked ones if skip_revoked. *der (mem_free). KENH_E_NOT_FOUND if none.
 */
KENH_MUST_CHECK int admin_device_cert(struct admin *a, const char *device, bool skip_revoked,
                                      uint8_t **der, size_t *len, struct crypto_cert_info *info);
/* Store a newly issued device certificate as certs/<serial>.crt; path into out. */
KENH_MUST_CHECK int admin_cert_store(struct admin *a, const uint8_t *der, size_t len,
                                     const struct crypto_cert_info *info, char *out);
/* True if the certificate is on its issuer's CRL in the admin folder. */
bool admin_cert_revoked(struct admin *a, const struct crypto_cert_info *info);
/*
 * Write the CA's CRL again with its old entries plus the new ones (n may
 * be 0 for an empty first CRL), number + 1, fresh times. The CA's key
 * must be loaded.
 */
KENH_MUST_CHECK int admin_crl_update(struct admin *a, struct admin_ca *ca,
                                     const struct crypto_crl_entry *add, size_t n);
/* The CRL file of a CA (unit "" is the root) into out (ADMIN_PATH bytes). */
KENH_MUST_CHECK int admin_crl_path(const struct admin *a, const char *unit, char *out);
/* Build a trust store of the folder: root, every unit CA, every CRL. */
KENH_MUST_CHECK int admin_trust(struct admin *a, struct crypto_trust **out);

/* SHA-256 of a certificate as 64 hex digits, as operators compare it by eye. */
KENH_MUST_CHECK int admin_fingerprint(const struct admin *a, const uint8_t *der, size_t len,
                                      char out[static 65]);

/* ---- imported certificate requests (admin_req.c) ---- */

struct admin_request {
	char id[ADMIN_ID_HEX + 1];
	char status[16]; /* "pending", "signed" or "rejected" */
	char user[CRYPTO_PKI_MAX_USER + 1];
	char unit[CRYPTO_PKI_MAX_UNIT + 1];
	char device[CRYPTO_PKI_MAX_DEVICE + 1];
	char code[2 * CRYPTO_ENROLL_KEY_LEN + 1]; /* the code key, hex */
	char serial[2 * CRYPTO_PKI_SERIAL_MAX + 1];
	char reason[256];
	char ticket[2 * 16 + 1]; /* the relay's ticket (hex) if it came through the relay */
	char kind[8];            /* "renew" for a renewal request, "" for an enrollment */
	char previous[2 * CRYPTO_PKI_SERIAL_MAX + 1]; /* renew: the serial it renews */
	uint64_t imported;
	uint64_t decided;
};

/*
 * Find a request by its id or a unique prefix of at least 4 characters;
 * load its state, and its DER into *csr if csr is not NULL (mem_free).
 * KENH_E_NOT_FOUND, or KENH_E_EXISTS when the prefix is ambiguous.
 */
KENH_MUST_CHECK int admin_request_load(struct admin *a, const char *id, struct admin_request *r,
                                       uint8_t **csr, size_t *csrlen);
/* Write the state file of r (and, if csr is not NULL, the request itself, exclusively). */
KENH_MUST_CHECK int admin_request_save(struct admin *a, const struct admin_request *r,
                                       const uint8_t *csr, size_t csrlen);
/* Call fn for every request's state. */
typedef int admin_request_fn(struct admin *a, const struct admin_request *r, void *arg);
KENH_MUST_CHECK int admin_requests_each(struct admin *a, admin_request_fn *fn, void *arg);

/* ---- renewals (cmd_admin_renew.c) ---- */

/*
 * A renewal request from the relay (ENROLL_LIST entry of kind renew, sent
 * by device "unit/user/device" sender over its own connection): checked (admin_renew_check)
 * and kept as a pending request of kind "renew". Returns 0, or exit
 * status 1 with *refused set when the relay should be told no, or another
 * exit status on failure (printed).
 */
int admin_renew_import(struct admin *a, const char *ticket, const char *sender,
                       struct kenh_span csr, bool *refused);
/*
 * Sign a pending renewal request r (its DER in csr): checked again, then
 * a certificate for the same key and identity as the current one, the
 * audit entry "renew", the request marked signed, and the certificate
 * handed to the relay for the device (ENROLL_ISSUE). Returns an exit status.
 */
int admin_renew_sign(struct admin *a, struct admin_request *r, struct kenh_span csr, uint64_t days,
                     const char *out);

/* ---- the audit log (admin_audit.c) ---- */

/* Append one key=value pair to details (value escaped); KENH_E_TOO_LARGE if full. */
KENH_MUST_CHECK int admin_kv(char *details, const char *key, const char *value);
/* Append an entry signed by the root key (loads it). Returns 0 or an exit status. */
int admin_audit(struct admin *a, const char *action, const char *details);
/* Verify the whole log; prints the first bad entry. Returns 0 or an exit status. */
int admin_audit_verify(struct admin *a, bool quiet);
/* Print the log for people. Returns 0 or an exit status. */
int admin_audit_show(struct admin *a);

/* ---- enrollment codes and refusals (admin_codes.c) ---- */

struct admin_code {
	char user[CRYPTO_PKI_MAX_USER + 1];
	char unit[CRYPTO_PKI_MAX_UNIT + 1];
	uint64_t created;
	uint64_t expires;
	char state[16]; /* "open" or "used" */
	char request[ADMIN_ID_HEX + 1];
};

/* Record a new code, stored under its code key only. */
KENH_MUST_CHECK int admin_code_store(struct admin *a, const uint8_t *key,
                                     const struct admin_code *c);
/* Read the record of a code key; KENH_E_NOT_FOUND if no such code. */
KENH_MUST_CHECK int admin_code_load(struct admin *a, const uint8_t *key, struct admin_code *c);
/* Mark a code used by a request (rewrites the record). */
KENH_MUST_CHECK int admin_code_use(struct admin *a, const uint8_t *key, struct admin_code *c,
                                   const char *request);
/* Record one refused enrollment attempt for a claimed user ("-" if unknown). */
KENH_MUST_CHECK int admin_refusal_record(struct admin *a, const char *user, const char *reason);
/* True if user (or everyone) is over the refusal limit; *until is when it ends. */
bool admin_refusal_limited(struct admin *a, const char *user, uint64_t *until);

/* ---- the relay (admin_relay.c) ---- */

/* The authority's identity at the relay (docs/protocol.md §5 "The authority"). */
#define ADMIN_AUTH_USER       "kenh-admin"
#define ADMIN_AUTH_UNIT       "authority"
#define ADMIN_AUTH_DAYS       365
#define ADMIN_AUTH_RENEW_DAYS 30 /* relay set makes a new one when less is left */

struct admin_relay_conf {
	char addr[300];      /* "host:port" */
	char authority[256]; /* "unit/user/device" of the authority's certificate */
};

/* relay/relay.conf: read (KENH_E_NOT_FOUND if none), write. */
KENH_MUST_CHECK int admin_relay_conf_read(struct admin *a, struct admin_relay_conf *c);
KENH_MUST_CHECK int admin_relay_conf_write(struct admin *a, const struct admin_relay_conf *c);
/* True once relay set has run. */
bool admin_relay_configured(struct admin *a);
/* Connect as the authority (once per run). Returns 0 or an exit status (printed). */
int admin_relay_open(struct admin *a);
/*
 * One request to the relay. 0 when it answered, whatever the status
 * (*reply owned by the caller: cli_relay_reply_clear), or an exit status
 * (printed) when it could not be asked.
 */
int admin_relay_call(struct admin *a, uint16_t type, const struct proto_desc *d, const void *msg,
                     struct cli_relay_reply *reply);
/* Print a refusal by the relay for what; returns the exit status 1. */
int admin_relay_refused(const char *what, const struct cli_relay_reply *reply);
/*
 * Hand decisions to the relay; each returns 0 or an exit status (printed):
 * a certificate for a ticket (hex), a refusal (enum proto_enroll_refusal),
 * the current CRL of a CA (a CRL the relay already has is not an error),
 * a wipe order for a device ("unit/user/device").
 */
int admin_relay_issue(struct admin *a, const char *ticket_hex, const uint8_t *cert, size_t len);
int admin_relay_reject(struct admin *a, const char *ticket_hex, uint8_t reason);
int admin_relay_crl(struct admin *a, const char *unit);
int admin_relay_wipe(struct admin *a, const char *device_name, const uint8_t *order, size_t len);
/* A renewed certificate for a device that did not ask (RENEW_SUBMIT with a certificate). */
int admin_relay_renew(struct admin *a, const char *device_name, const uint8_t *cert, size_t len);

/* ---- subcommands (cmd_admin_<name>.c) ---- */

typedef int admin_cmd_fn(struct admin *a, int argc, char **argv);

admin_cmd_fn cmd_admin_init;
admin_cmd_fn cmd_admin_unit_create;
admin_cmd_fn cmd_admin_unit_list;
admin_cmd_fn cmd_admin_enroll_code;
admin_cmd_fn cmd_admin_requests_import;
admin_cmd_fn cmd_admin_requests_list;
admin_cmd_fn cmd_admin_requests_fetch;
admin_cmd_fn cmd_admin_sign;
admin_cmd_fn cmd_admin_reject;
admin_cmd_fn cmd_admin_renew;
admin_cmd_fn cmd_admin_revoke;
admin_cmd_fn cmd_admin_devices;
admin_cmd_fn cmd_admin_crl_show;
admin_cmd_fn cmd_admin_crl_upload;
admin_cmd_fn cmd_admin_relay_set;
admin_cmd_fn cmd_admin_relay_show;
admin_cmd_fn cmd_admin_wipe;
admin_cmd_fn cmd_admin_verify;
admin_cmd_fn cmd_admin_audit_verify;
admin_cmd_fn cmd_admin_audit_show;

#endif /* KENH_KENH_ADMIN_ADMIN_H */
