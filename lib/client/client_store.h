/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The device store (DESIGN §1 "a lost or stolen device", §4.6): one SQLite
 * file holding everything a device keeps, where every secret and every
 * piece of content is sealed with AES-256-GCM under keys derived from a
 * random 256-bit store key, and the store key is wrapped under a key that
 * Argon2id derives from the passphrase. docs/store.md describes the file,
 * the key hierarchy and exactly what lies on disk in clear.
 *
 * The store is a set of tables of rows. A row has a logical key (bytes the
 * caller chooses: a group id, a message hash, a directive id), an optional
 * scope (the group it belongs to), a sequence number assigned at first
 * insertion (order within its scope), an optional expiry time, and a value.
 * On disk the key and scope appear only as blind indexes (HMAC under a
 * per-table index key), and key, scope and value are sealed together, with
 * the table, the blind indexes, the sequence number and the expiry in the
 * associated data, so no row can be moved to another table, key, scope or
 * position, nor its expiry changed, without failing to open.
 *
 * The file is reached through a small backend interface (struct
 * client_db_ops), so the sealing logic can be tested over a backend that
 * fails on demand or lets a test rearrange rows. client_db_sqlite_*() is
 * the real one. Everything above this file (groups, content, directives)
 * sees rows only in clear, through this header.
 */
#ifndef KENH_CLIENT_CLIENT_STORE_H
#define KENH_CLIENT_CLIENT_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/keyfile.h"
#include "crypto/pki.h"
#include "kenh/err.h"
#include "util/util.h"

struct kenh_ctx;
struct client_store;

/*
 * The tables (docs/store.md "Tables"). Values are stable: they are part of
 * every row's associated data and of the file's schema.
 */
enum client_table {
	CLIENT_T_IDENTITY = 1,   /* the device key and certificate chain (client_identity) */
	CLIENT_T_GROUPS = 2,     /* serialized MLS group state, keyed by group id */
	CLIENT_T_MESSAGES = 3,   /* history, scoped by group id, in arrival order */
	CLIENT_T_SEEN = 4,       /* hashes of processed messages, with an expiry */
	CLIENT_T_OUTGOING = 5,   /* messages waiting to be sent, scoped by group id */
	CLIENT_T_TRANSFERS = 6,  /* blob upload and download state */
	CLIENT_T_DIRECTIVES = 7, /* directive records, scoped by group id */
};
#define CLIENT_T_FIRST CLIENT_T_IDENTITY
#define CLIENT_T_LAST  CLIENT_T_DIRECTIVES

/* Limits on what one row carries (STYLE R6.3). */
#define CLIENT_STORE_MAX_KEY   1024u       /* logical key or scope */
#define CLIENT_STORE_MAX_VALUE (64u << 20) /* a group state with a large tree fits */

#define CLIENT_STORE_KEY_LEN   32 /* the store key and every key derived from it */
#define CLIENT_STORE_INDEX_LEN 32 /* a blind index: HMAC-SHA256 */

/* ------------------------------------------------------------------------ */
/* Backend interface                                                        */
/* ------------------------------------------------------------------------ */

/*
 * A row as the backend keeps it: nothing here is secret (docs/store.md
 * "What is in clear"). val is nonce || ciphertext || tag, borrowed.
 */
struct client_db_row {
	uint8_t id[CLIENT_STORE_INDEX_LEN];    /* blind index of the logical key */
	uint8_t scope[CLIENT_STORE_INDEX_LEN]; /* blind index of the scope */
	uint64_t seq;
	uint64_t expires; /* Unix seconds, 0 for never */
	struct kenh_span val;
};

/*
 * Called for each row of a scan, in sequence order; the row and its val
 * are valid only during the call. Return 0 to go on or a negative
 * KENH_E_* code, which stops the scan and is returned by it.
 */
typedef int client_db_row_fn(void *arg, const struct client_db_row *row);

/*
 * The backend. Every function returns 0 or a negative KENH_E_* code
 * (KENH_E_DB, KENH_E_IO, KENH_E_NOMEM, and those listed). db is the
 * backend's own handle. Tables are enum client_table values, already
 * range-checked by the caller.
 */
struct client_db_ops {
	/* The key slot (one per file): *out (mem_free) or KENH_E_NOT_FOUND. */
	int (*slot_get)(void *db, uint8_t **out, size_t *outlen);
	/* Replace the key slot. */
	int (*slot_put)(void *db, struct kenh_span slot);
	/*
	 * Make sure no earlier version of the slot or of deleted rows stays
	 * anywhere in the files (after a passphrase change or before a wipe).
	 */
	int (*flush)(void *db);
	/* Nestable transactions: begin, then exactly one of commit or rollback. */
	int (*begin)(void *db);
	int (*commit)(void *db);
	int (*rollback)(void *db);
	/*
	 * The row with this id: *out with its val pointing into *buf (mem_free),
	 * or KENH_E_NOT_FOUND.
	 */
	int (*row_get)(void *db, int table, const uint8_t *id, struct client_db_row *out,
	               uint8_t **buf);
	/* Insert, or replace the row with the same id. */
	int (*row_put)(void *db, int table, const struct client_db_row *row);
	/* Delete the row with this id; KENH_E_NOT_FOUND if there is none. */
	int (*row_del)(void *db, int table, const uint8_t *id);
	/* 1 + the largest seq in the scope (1 for an empty scope). */
	int (*next_seq)(void *db, int table, const uint8_t *scope, uint64_t *out);
	/* Rows of the scope with seq >= from, in seq order, at most limit (0: all). */
	int (*scan)(void *db, int table, const uint8_t *scope, uint64_t from, size_t limit,
	            client_db_row_fn *fn, void *arg);
	/* Delete the rows with 0 < expires <= now; *count receives how many. */
	int (*purge)(void *db, int table, uint64_t now, size_t *count);
	/* Close and free the handle (NULL allowed). */
	void (*close)(void *db);
};

/* The SQLite backend (store_db.c): a table of functions valid for the program's life. */
const struct client_db_ops *client_db_sqlite(void);

/*
 * Create a new store file at path with mode 0600 and the schema, or open
 * an existing one. create: KENH_E_EXISTS if path exists. open:
 * KENH_E_NOT_FOUND if it does not, KENH_E_PARSE if it is not a Kenh store
 * file. *out is the backend handle for client_db_sqlite().
 */
KENH_MUST_CHECK int client_db_sqlite_create(const char *path, void **out);
KENH_MUST_CHECK int client_db_sqlite_open(const char *path, void **out);

/*
 * Destroy a store file whether or not it can be opened: overwrite the
 * whole file and its -wal, -shm and -journal companions with zeros, sync,
 * and unlink them. KENH_E_NOT_FOUND if none of them exists.
 */
KENH_MUST_CHECK int client_db_sqlite_wipe(const char *path);

/* ------------------------------------------------------------------------ */
/* The store                                                                */
/* ------------------------------------------------------------------------ */

/*
 * Create a store over a fresh backend handle: a random store key, wrapped
 * under Argon2id(pass) with cost *kdf and a random salt. Takes ownership of
 * db (closed with ops->close on failure too). pass is borrowed and secret.
 * KENH_E_INVALID_ARG for parameters out of crypto_argon2_params_ok()'s
 * bounds; KENH_E_EXISTS if the backend already holds a key slot.
 */
KENH_MUST_CHECK int client_store_create_with(const struct kenh_ctx *ctx,
                                             const struct client_db_ops *ops, void *db,
                                             struct kenh_span pass,
                                             const struct crypto_argon2_params *kdf,
                                             struct client_store **out);

/*
 * Unlock an existing store over a backend handle (ownership of db as
 * above). KENH_E_DECRYPT for a wrong passphrase or a changed key slot
 * (they cannot be told apart); KENH_E_PARSE, KENH_E_TRUNCATED,
 * KENH_E_TRAILING, KENH_E_UNSUPPORTED for a damaged or foreign key slot;
 * KENH_E_NOT_FOUND if the backend has none.
 */
KENH_MUST_CHECK int client_store_open_with(const struct kenh_ctx *ctx,
                                           const struct client_db_ops *ops, void *db,
                                           struct kenh_span pass, struct client_store **out);

/* The two above over the SQLite backend at path, with its errors. */
KENH_MUST_CHECK int client_store_create(const struct kenh_ctx *ctx, const char *path,
                                        struct kenh_span pass,
                                        const struct crypto_argon2_params *kdf,
                                        struct client_store **out);
KENH_MUST_CHECK int client_store_open(const struct kenh_ctx *ctx, const char *path,
                                      struct kenh_span pass, struct client_store **out);

/* Close the store and wipe every key it held. s may be NULL. */
void client_store_close(struct client_store *s);

/*
 * Change the passphrase: wrap the same store key under Argon2id(new_pass)
 * with a fresh salt and cost *kdf, replace the key slot, and flush so no
 * copy wrapped under the old passphrase remains in the files. No row is
 * re-encrypted. On failure the old passphrase still opens the store.
 */
KENH_MUST_CHECK int client_store_rekey(struct client_store *s, struct kenh_span new_pass,
                                       const struct crypto_argon2_params *kdf);

/*
 * Destroy an open store: overwrite its key slot with random bytes, flush,
 * close, then (SQLite backend) client_db_sqlite_wipe() its files. s is
 * freed in every case; the error, if any, is that of the file removal.
 */
KENH_MUST_CHECK int client_store_wipe(struct client_store *s);

/* Transactions around several calls below (nestable; rollback undoes to the matching begin). */
KENH_MUST_CHECK int client_store_begin(struct client_store *s);
KENH_MUST_CHECK int client_store_commit(struct client_store *s);
KENH_MUST_CHECK int client_store_rollback(struct client_store *s);

/* A row to write; every span is borrowed for the call. */
struct client_store_put {
	struct kenh_span key;   /* 1..CLIENT_STORE_MAX_KEY bytes */
	struct kenh_span scope; /* 0..CLIENT_STORE_MAX_KEY bytes; empty is a scope too */
	struct kenh_span value; /* 0..CLIENT_STORE_MAX_VALUE bytes, secret */
	uint64_t expires;       /* Unix seconds, 0 for never; in clear on disk */
};

/*
 * A row read back. buf (secret, sec_free'd by client_store_item_clear)
 * holds the opened plaintext; key, scope and value are views into it.
 */
struct client_store_item {
	uint8_t *buf; /* secret */
	size_t buflen;
	struct kenh_span key, scope, value;
	uint64_t seq;
	uint64_t expires;
};

/* Wipe and free an item's buffer and zero the struct. it may be NULL. */
void client_store_item_clear(struct client_store_item *it);

/*
 * Insert a row, or replace the row with the same key in table t. A new row
 * gets the next sequence number of its scope; a replaced row keeps its
 * sequence number, and must keep its scope (KENH_E_INVALID_ARG otherwise).
 * *seq (may be NULL) receives the row's sequence number.
 * KENH_E_TOO_LARGE for a key, scope or value over its limit.
 */
KENH_MUST_CHECK int client_store_put(struct client_store *s, enum client_table t,
                                     const struct client_store_put *row, uint64_t *seq);

/*
 * Read the row with this key into *out (cleared at entry; release with
 * client_store_item_clear). KENH_E_NOT_FOUND if there is none;
 * KENH_E_DECRYPT if the row does not open under its table, key, scope,
 * position and expiry (moved, swapped or changed on disk).
 */
KENH_MUST_CHECK int client_store_get(struct client_store *s, enum client_table t,
                                     struct kenh_span key, struct client_store_item *out);

/* True in *found if a row with this key exists (nothing is decrypted). */
KENH_MUST_CHECK int client_store_has(struct client_store *s, enum client_table t,
                                     struct kenh_span key, bool *found);

/* Delete the row with this key; KENH_E_NOT_FOUND if there is none. */
KENH_MUST_CHECK int client_store_del(struct client_store *s, enum client_table t,
                                     struct kenh_span key);

/*
 * Called for each row of a scan with the opened row (valid during the call
 * only; it is wiped afterwards). Return 0 to go on, or a negative code to
 * stop: client_store_scan() then returns that code.
 */
typedef int client_store_item_fn(void *arg, const struct client_store_item *it);

/*
 * The rows of a scope in table t with seq >= from, in sequence order, at
 * most limit of them (0: no limit). A row that does not open stops the scan
 * with KENH_E_DECRYPT. fn must not start another scan of the same table.
 */
KENH_MUST_CHECK int client_store_scan(struct client_store *s, enum client_table t,
                                      struct kenh_span scope, uint64_t from, size_t limit,
                                      client_store_item_fn *fn, void *arg);

/* Delete the rows of table t whose expiry is at or before now; *count (may be NULL). */
KENH_MUST_CHECK int client_store_purge(struct client_store *s, enum client_table t, uint64_t now,
                                       size_t *count);

/*
 * Duplicate suppression (DESIGN §5): if hash was recorded in CLIENT_T_SEEN,
 * *dup is true and nothing changes; else it is recorded with an expiry of
 * now + retention rounded up to a whole day (so the clear expiry column
 * reveals the day, not the second, a message was processed) and *dup is
 * false. hash: 1..CLIENT_STORE_MAX_KEY bytes.
 */
KENH_MUST_CHECK int client_store_seen(struct client_store *s, struct kenh_span hash, uint64_t now,
                                      uint64_t retention, bool *dup);

/* ------------------------------------------------------------------------ */
/* The device identity (store_identity.c)                                   */
/* ------------------------------------------------------------------------ */

/*
 * What a device is: its key (the device certificate's key, which is also
 * its MLS signature key and TLS client key), its certificate chain, leaf
 * first and then the unit CAs up to (not including) the root, and the
 * organization's root certificate, its trust anchor. Kept in
 * CLIENT_T_IDENTITY under the key "device", encoded as
 *
 *   struct { uint8 version = 1; uint16 sig_id; opaque sk<V>;
 *            opaque root<V>; opaque chain<V> (of opaque cert<V>); }
 *
 * After client_store_identity_get the spans point into buf, which the
 * struct owns; before a put they are borrowed from the caller.
 */
#define CLIENT_IDENTITY_MAX_CHAIN (CRYPTO_PKI_MAX_CHAIN + 1)

struct client_identity {
	struct crypto_sigkey key; /* secret */
	struct kenh_span root;
	struct kenh_span chain[CLIENT_IDENTITY_MAX_CHAIN];
	size_t nchain;
	uint8_t *buf; /* secret: owned after a get, NULL otherwise */
	size_t buflen;
};

/*
 * Write the identity (replacing any). KENH_E_INVALID_ARG for an empty
 * chain, a chain over CLIENT_IDENTITY_MAX_CHAIN, an empty root or a key
 * with no private part; KENH_E_TOO_LARGE for a certificate over
 * CRYPTO_PKI_MAX_CERT_DER.
 */
KENH_MUST_CHECK int client_store_identity_put(struct client_store *s,
                                              const struct client_identity *id);

/*
 * Read the identity into *out (cleared at entry; release with
 * client_identity_clear). KENH_E_NOT_FOUND before the first put;
 * KENH_E_PARSE if the record does not decode, KENH_E_UNSUPPORTED for
 * another record version, and crypto_sigkey_from_sk()'s errors if its
 * private key is unusable.
 */
KENH_MUST_CHECK int client_store_identity_get(struct client_store *s, struct client_identity *out);

/* Wipe the key, free buf and zero the struct. id may be NULL. */
void client_identity_clear(struct client_identity *id);

#endif /* KENH_CLIENT_CLIENT_STORE_H */
