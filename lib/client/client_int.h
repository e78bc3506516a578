/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Internals shared by the files of lib/client (STYLE R13.3): the inside of
 * struct client_store, the key slot encoding (store_keyslot.c) and the
 * small encoding helpers the content, directive and evidence files share.
 * Only lib/client and its unit tests include this header.
 */
#ifndef KENH_CLIENT_CLIENT_INT_H
#define KENH_CLIENT_CLIENT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/client_store.h"
#include "crypto/keyfile.h"
#include "kenh/err.h"
#include "util/util.h"

struct kenh_ctx;
struct crypto_aead;
struct crypto_kdf;
struct codec_reader;
struct codec_writer;

/* ---- key slot (docs/store.md "Key slot") ---- */

#define CLIENT_SLOT_MAGIC_LEN 8
#define CLIENT_SLOT_VERSION   1
#define CLIENT_SLOT_NONCE     12
#define CLIENT_SLOT_TAG       16
/* magic, version, aead, m, t, lanes, salt, nonce: the associated data of the wrap. */
#define CLIENT_SLOT_HEADER                                                                         \
	(CLIENT_SLOT_MAGIC_LEN + 2 + 2 + 4 + 4 + 4 + CRYPTO_ARGON2_SALT_LEN + CLIENT_SLOT_NONCE)
#define CLIENT_SLOT_LEN (CLIENT_SLOT_HEADER + CLIENT_STORE_KEY_LEN + CLIENT_SLOT_TAG)

/* A decoded key slot; wrapped is the sealed store key (not secret on its own). */
struct client_slot {
	struct crypto_argon2_params kdf;
	uint8_t salt[CRYPTO_ARGON2_SALT_LEN];
	uint8_t nonce[CLIENT_SLOT_NONCE];
	uint8_t wrapped[CLIENT_STORE_KEY_LEN + CLIENT_SLOT_TAG];
};

/* Encode a slot into exactly CLIENT_SLOT_LEN bytes. */
void client_slot_encode(const struct client_slot *slot, uint8_t out[static CLIENT_SLOT_LEN]);

/*
 * Decode a slot (syntax, version and algorithm; cost bounds are checked
 * by the caller before any work). KENH_E_TRUNCATED, KENH_E_TRAILING,
 * KENH_E_PARSE (bad magic), KENH_E_UNSUPPORTED (another version or AEAD).
 */
KENH_MUST_CHECK int client_slot_decode(struct kenh_span in, struct client_slot *out);

/*
 * Wrap key (CLIENT_STORE_KEY_LEN bytes, secret) under Argon2id(pass) with
 * the slot's cost, salt and nonce, which the caller has filled in; the
 * slot's header is the associated data. Wipes the derived key.
 */
KENH_MUST_CHECK int client_slot_wrap(const struct kenh_ctx *ctx, struct client_slot *slot,
                                     struct kenh_span pass, const uint8_t *key);

/* The reverse; KENH_E_DECRYPT for a wrong passphrase or a changed slot. key is wiped on failure. */
KENH_MUST_CHECK int client_slot_unwrap(const struct kenh_ctx *ctx, const struct client_slot *slot,
                                       struct kenh_span pass, uint8_t *key);

/* ---- the store ---- */

#define CLIENT_T_COUNT ((size_t)CLIENT_T_LAST + 1u)

struct client_store {
	const struct kenh_ctx *ctx;
	const struct client_db_ops *ops;
	void *db;
	char *path; /* SQLite backend: the file, for client_store_wipe; else NULL */
	const struct crypto_aead *aead;
	const struct crypto_kdf *kdf;
	uint8_t key[CLIENT_STORE_KEY_LEN];                       /* secret: the store key */
	uint8_t row_key[CLIENT_T_COUNT][CLIENT_STORE_KEY_LEN];   /* secret: per-table AEAD keys */
	uint8_t index_key[CLIENT_T_COUNT][CLIENT_STORE_KEY_LEN]; /* secret: per-table HMAC keys */
};

/* ---- content (content*.c) ---- */

struct client_content;
struct client_file;
struct client_assignee;

/* True if s is well-formed UTF-8 (RFC 3629 §3: no overlong form, no surrogate, <= U+10FFFF). */
bool client_utf8_is_valid(struct kenh_span s);

/*
 * True if s is valid UTF-8 without C0 controls or DEL; multiline allows
 * '\n' and '\t' (bodies), single-line allows neither (titles, names).
 */
bool client_text_is_valid(struct kenh_span s, bool multiline);

/* Bytewise order of two byte strings, the shorter first on a common prefix (memcmp-like sign). */
int client_span_cmp(struct kenh_span a, struct kenh_span b);

/* True for a valid assignee: a unit path or a user name as pki.h defines them. */
bool client_assignee_is_valid(const struct client_assignee *a);

/* FileRef and lists of them (content_file.c); sticky codec errors. */
void client_file_decode(struct codec_reader *r, struct client_file *f);
void client_file_encode(struct codec_writer *w, const struct client_file *f);
KENH_MUST_CHECK int client_file_validate(const struct client_file *f);
/* FileRef attachments<V>: at most CLIENT_MAX_ATTACHMENTS (KENH_E_TOO_LARGE beyond). */
void client_files_decode(struct codec_reader *r, struct client_file *files, size_t *n);
void client_files_encode(struct codec_writer *w, const struct client_file *files, size_t n);
KENH_MUST_CHECK int client_files_validate(const struct client_file *files, size_t n);

/* Bodies of the directive family (content_directive.c), as content.c dispatches them. */
void client_directive_body_decode(struct codec_reader *r, struct client_content *c);
void client_directive_body_encode(struct codec_writer *w, const struct client_content *c);
KENH_MUST_CHECK int client_directive_body_validate(const struct client_content *c);
void client_ack_body_decode(struct codec_reader *r, struct client_content *c);
void client_ack_body_encode(struct codec_writer *w, const struct client_content *c);
KENH_MUST_CHECK int client_ack_body_validate(const struct client_content *c);
void client_report_body_decode(struct codec_reader *r, struct client_content *c);
void client_report_body_encode(struct codec_writer *w, const struct client_content *c);
KENH_MUST_CHECK int client_report_body_validate(const struct client_content *c);

/* ---- file encryption (filecrypt*.c) ---- */

#define CLIENT_FILE_HASH_LABEL "kenh file v1 hash"
/* The content hash's input starts with the label, the size and the chunk size. */
#define CLIENT_FILE_HASH_HEADER (sizeof(CLIENT_FILE_HASH_LABEL) - 1 + 8 + 4)

struct client_filecrypt {
	const struct kenh_ctx *ctx;
	const struct crypto_aead *aead;
	const struct crypto_kdf *kdf; /* its hash is SHA-256 */
	bool sealing;
	uint64_t size;
	uint32_t chunk_size;
	uint64_t nchunks;
	uint64_t ndone;
	uint8_t key[32]; /* secret */
	uint8_t *done;   /* bitmap of chunks done, (nchunks + 7) / 8 bytes */
	uint8_t *hashes; /* sensitive: CLIENT_FILE_HASH_HEADER bytes, then 32 per chunk */
	size_t hashes_len;
};

/*
 * Allocate a context for (size, chunk_size) with the key given, nothing
 * done (filecrypt.c). KENH_E_INVALID_ARG, KENH_E_TOO_LARGE as
 * client_filecrypt_seal_new.
 */
KENH_MUST_CHECK int client_filecrypt_alloc(const struct kenh_ctx *ctx, bool sealing, uint64_t size,
                                           uint32_t chunk_size, const uint8_t *key,
                                           struct client_filecrypt **out);

#endif /* KENH_CLIENT_CLIENT_INT_H */
