/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * File encryption in chunks (DESIGN §2 "blobs", docs/filecrypt.md): a
 * fresh random AES-256-GCM key per file, a fixed chunk size, each chunk
 * sealed on its own so that a transfer can stop and resume at any chunk,
 * in any order:
 *
 *   nonce[i] = 0^32 || uint64 i                      (big-endian)
 *   aad[i]   = "kenh file v1" || uint64 size || uint32 chunk_size ||
 *              uint64 i || uint8 final               (final = 1 for the last chunk)
 *
 * Every chunk has chunk_size bytes of plaintext but the last, which has
 * the rest (0 .. chunk_size; an empty file is one empty chunk). Moving a
 * chunk to another index, dropping the last ones, or changing a bit fails
 * to open (KENH_E_DECRYPT). The content hash is a hash over the plaintext
 * that can be computed chunk by chunk in any order:
 *
 *   content_hash = SHA-256("kenh file v1 hash" || uint64 size ||
 *                          uint32 chunk_size || SHA-256(chunk 0) || ... )
 *
 * Sealing remembers each chunk's hash, and refuses to seal a chunk again
 * with other plaintext (the nonce would repeat with a new message, which
 * GCM forbids: KENH_E_STATE). The whole state, key included, can be saved
 * and restored (for the store's transfers table) to resume after a crash.
 *
 * No I/O: the caller reads and writes the chunks.
 */
#ifndef KENH_CLIENT_CLIENT_FILECRYPT_H
#define KENH_CLIENT_CLIENT_FILECRYPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/client_content.h"
#include "kenh/err.h"
#include "util/util.h"

struct kenh_ctx;
struct client_filecrypt;

#define CLIENT_FILE_TAG           16
#define CLIENT_FILE_DEFAULT_CHUNK (1u << 20)
#define CLIENT_FILE_MAX_CHUNKS    (1u << 20) /* 1 TiB at the default chunk size */

/*
 * Start sealing a file of size bytes in chunks of chunk_size
 * (CLIENT_MIN_CHUNK .. CLIENT_MAX_CHUNK) under a fresh random key.
 * KENH_E_INVALID_ARG for a chunk size out of range; KENH_E_TOO_LARGE for
 * more than CLIENT_FILE_MAX_CHUNKS chunks. Free with client_filecrypt_free.
 */
KENH_MUST_CHECK int client_filecrypt_seal_new(const struct kenh_ctx *ctx, uint64_t size,
                                              uint32_t chunk_size, struct client_filecrypt **out);

/* Start opening a file described by a FileRef (its key, size and chunk size). */
KENH_MUST_CHECK int client_filecrypt_open_new(const struct kenh_ctx *ctx,
                                              const struct client_file *ref,
                                              struct client_filecrypt **out);

/* Wipe the key and free. fc may be NULL. */
void client_filecrypt_free(struct client_filecrypt *fc);

/* Number of chunks (at least 1). */
uint64_t client_filecrypt_chunks(const struct client_filecrypt *fc);

/* Plaintext length of chunk i (0 for i out of range); its ciphertext is CLIENT_FILE_TAG more. */
size_t client_filecrypt_chunk_len(const struct client_filecrypt *fc, uint64_t i);

/*
 * Where chunk i's ciphertext starts in the blob (the chunks' ciphertexts
 * concatenated, as the relay stores them): i * (chunk_size + CLIENT_FILE_TAG).
 * And the blob's whole size: size + chunks * CLIENT_FILE_TAG.
 */
uint64_t client_filecrypt_ct_offset(const struct client_filecrypt *fc, uint64_t i);
uint64_t client_filecrypt_ct_size(const struct client_filecrypt *fc);

/* The file key (secret), for the FileRef. */
void client_filecrypt_key(const struct client_filecrypt *fc, uint8_t key[CLIENT_FILE_KEY_LEN]);

/*
 * Seal chunk i: pt must be exactly client_filecrypt_chunk_len(i) bytes;
 * out receives that plus CLIENT_FILE_TAG bytes. A chunk may be sealed
 * again (a resumed upload) with the same plaintext; other plaintext is
 * KENH_E_STATE. KENH_E_INVALID_ARG for a wrong index or length, or on an
 * opening context.
 */
KENH_MUST_CHECK int client_filecrypt_seal_chunk(struct client_filecrypt *fc, uint64_t i,
                                                const uint8_t *pt, size_t ptlen, uint8_t *out);

/*
 * Open chunk i: ct is the chunk's ciphertext (chunk_len(i) + CLIENT_FILE_TAG
 * bytes); out receives chunk_len(i) bytes, wiped on failure. Any change,
 * another index, another file or a truncated file: KENH_E_DECRYPT.
 * Opening a chunk again is allowed.
 */
KENH_MUST_CHECK int client_filecrypt_open_chunk(struct client_filecrypt *fc, uint64_t i,
                                                const uint8_t *ct, size_t ctlen, uint8_t *out);

/*
 * Resuming a download: record chunk i's plaintext pt (chunk_len(i) bytes),
 * opened and written out by an earlier run, without its ciphertext. Only
 * its hash is kept; client_filecrypt_finish then checks it with the rest
 * against the FileRef's content hash, so a chunk changed in between (the
 * partial file on disk) is KENH_E_VERIFY there. KENH_E_INVALID_ARG for a
 * wrong index or length, or on a sealing context (a sealed chunk must go
 * through client_filecrypt_seal_chunk, which guards its nonce);
 * KENH_E_STATE if the chunk was done before with other plaintext.
 */
KENH_MUST_CHECK int client_filecrypt_resume_chunk(struct client_filecrypt *fc, uint64_t i,
                                                  const uint8_t *pt, size_t ptlen);

/* True once every chunk has been sealed (or opened). */
bool client_filecrypt_is_complete(const struct client_filecrypt *fc);

/*
 * The content hash, once every chunk is done (KENH_E_STATE before that).
 * On an opening context, pass expected (the FileRef's hash): KENH_E_VERIFY
 * if it differs. hash (may be NULL when expected is given) receives it.
 */
KENH_MUST_CHECK int client_filecrypt_finish(struct client_filecrypt *fc, const uint8_t *expected,
                                            uint8_t hash[CLIENT_HASH_LEN]);

/*
 * Save the whole state (key included: a secret; store it sealed) into
 * *out (sec_free(*out, *outlen)), or restore it (docs/filecrypt.md
 * "State"). restore: KENH_E_TRUNCATED, KENH_E_TRAILING, KENH_E_PARSE,
 * KENH_E_TOO_LARGE, KENH_E_UNSUPPORTED for a damaged or foreign state.
 */
KENH_MUST_CHECK int client_filecrypt_save(const struct client_filecrypt *fc, uint8_t **out,
                                          size_t *outlen);
KENH_MUST_CHECK int client_filecrypt_restore(const struct kenh_ctx *ctx, struct kenh_span in,
                                             struct client_filecrypt **out);

#endif /* KENH_CLIENT_CLIENT_FILECRYPT_H */
