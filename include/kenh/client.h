/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The client side of libkenh for programs outside this repository (a GUI,
 * a bot): the device's encrypted store (docs/store.md), chunked file
 * encryption (docs/filecrypt.md) and the offline verification of exported
 * directive records (docs/evidence.md). Every object is an opaque handle;
 * no OpenSSL or SQLite type appears here. Functions that can fail return 0
 * or a negative KENH_E_* code (kenh/err.h) and clear their out-parameters
 * first. Group messaging, content types and directive tables are not in
 * this header yet: they come with the client engine that ties the store to
 * MLS groups and the relay (issue 6).
 */
#ifndef KENH_CLIENT_H
#define KENH_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"
#include "kenh/kenh.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A borrowed byte string. */
struct kenh_blob {
	const uint8_t *p;
	size_t len;
};

/**
 * \brief Wipe and free a buffer the library returned (a saved state).
 * \param p the buffer, or NULL. \param len its length as returned.
 */
KENH_API void kenh_buf_free(uint8_t *p, size_t len);

/* ------------------------------------------------------------------------ */
/* The device store                                                         */
/* ------------------------------------------------------------------------ */

struct kenh_store;

/** The RFC 9106 §4 second recommended Argon2id cost, with one lane. */
#define KENH_STORE_DEFAULT_MEMORY_KIB 65536u
#define KENH_STORE_DEFAULT_PASSES     3u
#define KENH_STORE_DEFAULT_LANES      1u

/**
 * How to lock a store: the passphrase (borrowed, secret; never logged) and
 * the Argon2id cost. Memory at most 1 GiB, passes at most 64, lanes 1..16,
 * memory at least 8 KiB per lane.
 */
struct kenh_store_lock {
	const uint8_t *pass;
	size_t passlen;
	uint32_t memory_kib;
	uint32_t passes;
	uint32_t lanes;
};

/**
 * \brief Create a new store file (mode 0600) locked by \p lock.
 * \param ctx the library context, which must outlive the store.
 * \param path the file to create; its -wal and -shm companions appear next to it.
 * \param out receives the open store.
 * \return 0; KENH_E_EXISTS if \p path exists; KENH_E_INVALID_ARG for a cost
 * out of bounds; KENH_E_IO, KENH_E_DB, KENH_E_NOMEM. On failure nothing is left on disk.
 */
KENH_API KENH_MUST_CHECK int kenh_store_create(struct kenh_ctx *ctx, const char *path,
                                               const struct kenh_store_lock *lock,
                                               struct kenh_store **out);

/**
 * \brief Unlock an existing store.
 * \return 0; KENH_E_DECRYPT for a wrong passphrase (or a changed key slot:
 * the two are one error); KENH_E_NOT_FOUND if there is no file;
 * KENH_E_PARSE if the file is not a Kenh store; KENH_E_UNSUPPORTED for a
 * newer format; KENH_E_IO, KENH_E_DB, KENH_E_NOMEM.
 */
KENH_API KENH_MUST_CHECK int kenh_store_open(struct kenh_ctx *ctx, const char *path,
                                             const uint8_t *pass, size_t passlen,
                                             struct kenh_store **out);

/**
 * \brief Change the passphrase (and cost). Only the key slot is rewritten;
 * no copy under the old passphrase remains in the files.
 * \return 0, or an error after which the old passphrase still works.
 */
KENH_API KENH_MUST_CHECK int kenh_store_change_passphrase(struct kenh_store *s,
                                                          const struct kenh_store_lock *lock);

/** \brief Close a store, wiping its keys from memory. \p s may be NULL. */
KENH_API void kenh_store_close(struct kenh_store *s);

/**
 * \brief Destroy an open store: its key slot is overwritten, then the file
 * and its companions are overwritten with zeros and removed. \p s is freed
 * in every case.
 * \return 0 or KENH_E_IO if a file could not be removed.
 */
KENH_API KENH_MUST_CHECK int kenh_store_wipe(struct kenh_store *s);

/**
 * \brief Destroy a store file without opening it (no passphrase needed).
 * \return 0, KENH_E_NOT_FOUND if there was nothing, KENH_E_IO.
 */
KENH_API KENH_MUST_CHECK int kenh_store_wipe_file(const char *path);

/* ------------------------------------------------------------------------ */
/* Chunked file encryption                                                  */
/* ------------------------------------------------------------------------ */

struct kenh_file;

#define KENH_FILE_KEY_LEN       32u
#define KENH_FILE_HASH_LEN      32u
#define KENH_FILE_TAG_LEN       16u
#define KENH_FILE_DEFAULT_CHUNK (1u << 20)
#define KENH_FILE_MIN_CHUNK     4096u
#define KENH_FILE_MAX_CHUNK     (16u << 20)

/**
 * \brief Start encrypting a file of \p size bytes under a fresh random key.
 * \return 0; KENH_E_INVALID_ARG for a chunk size outside
 * [KENH_FILE_MIN_CHUNK, KENH_FILE_MAX_CHUNK]; KENH_E_TOO_LARGE for more
 * than 2^20 chunks; KENH_E_NOMEM.
 */
KENH_API KENH_MUST_CHECK int kenh_file_seal_new(struct kenh_ctx *ctx, uint64_t size,
                                                uint32_t chunk_size, struct kenh_file **out);

/** \brief Start decrypting a file, given its key (KENH_FILE_KEY_LEN bytes), size and chunk size. */
KENH_API KENH_MUST_CHECK int kenh_file_open_new(struct kenh_ctx *ctx, const uint8_t *key,
                                                uint64_t size, uint32_t chunk_size,
                                                struct kenh_file **out);

/** \brief Wipe and free. \p f may be NULL. */
KENH_API void kenh_file_free(struct kenh_file *f);

/** \return the number of chunks (at least 1). */
KENH_API uint64_t kenh_file_chunks(const struct kenh_file *f);

/** \return the plaintext length of chunk \p i (its ciphertext is KENH_FILE_TAG_LEN more). */
KENH_API size_t kenh_file_chunk_len(const struct kenh_file *f, uint64_t i);

/**
 * \return where chunk \p i's ciphertext starts in the uploaded blob (the
 * chunks' ciphertexts one after the other).
 */
KENH_API uint64_t kenh_file_ct_offset(const struct kenh_file *f, uint64_t i);

/** \return the size of the uploaded blob: the file size plus KENH_FILE_TAG_LEN per chunk. */
KENH_API uint64_t kenh_file_ct_size(const struct kenh_file *f);

/** \brief Copy the file key (secret) into \p key (KENH_FILE_KEY_LEN bytes). */
KENH_API void kenh_file_key(const struct kenh_file *f, uint8_t *key);

/**
 * \brief Encrypt chunk \p i (exactly kenh_file_chunk_len(i) bytes) into
 * \p out (that plus KENH_FILE_TAG_LEN). Chunks may come in any order and
 * again. \return 0; KENH_E_STATE if the chunk was encrypted before with
 * other plaintext (start over with a new file key); KENH_E_INVALID_ARG.
 */
KENH_API KENH_MUST_CHECK int kenh_file_seal_chunk(struct kenh_file *f, uint64_t i,
                                                  const uint8_t *pt, size_t ptlen, uint8_t *out);

/**
 * \brief Decrypt and check chunk \p i into \p out (kenh_file_chunk_len(i) bytes).
 * \return 0, or KENH_E_DECRYPT for any change, misplacement or truncation
 * (\p out is then wiped).
 */
KENH_API KENH_MUST_CHECK int kenh_file_open_chunk(struct kenh_file *f, uint64_t i,
                                                  const uint8_t *ct, size_t ctlen, uint8_t *out);

/**
 * \brief Resume a download: record chunk \p i's plaintext (kenh_file_chunk_len(i)
 * bytes) as opened by an earlier run, read back from the partial file.
 * Only its hash is kept; kenh_file_finish() checks it against the
 * expected content hash with every other chunk, so a changed chunk is
 * caught there. \return 0; KENH_E_INVALID_ARG (wrong index or length, or
 * an encrypting context); KENH_E_STATE if done before with other bytes.
 */
KENH_API KENH_MUST_CHECK int kenh_file_resume_chunk(struct kenh_file *f, uint64_t i,
                                                    const uint8_t *pt, size_t ptlen);

/**
 * \brief After every chunk: the content hash into \p hash (may be NULL if
 * \p expected is given), checked against \p expected (may be NULL).
 * \return 0; KENH_E_STATE if a chunk is missing; KENH_E_VERIFY on a mismatch.
 */
KENH_API KENH_MUST_CHECK int kenh_file_finish(struct kenh_file *f, const uint8_t *expected,
                                              uint8_t *hash);

/**
 * \brief Save the state (key included: keep it secret) to resume later.
 * \param out receives a buffer to release with kenh_buf_free().
 */
KENH_API KENH_MUST_CHECK int kenh_file_save(const struct kenh_file *f, uint8_t **out,
                                            size_t *outlen);

/** \brief Resume from a saved state. \return 0 or a decoding error (KENH_E_PARSE, ...). */
KENH_API KENH_MUST_CHECK int kenh_file_restore(struct kenh_ctx *ctx, const struct kenh_blob *state,
                                               struct kenh_file **out);

/* ------------------------------------------------------------------------ */
/* Verifying an exported directive record                                   */
/* ------------------------------------------------------------------------ */

struct kenh_evidence;

/** The step at which an item failed; KENH_EVIDENCE_OK for an item that passed. */
enum kenh_evidence_step {
	KENH_EVIDENCE_OK = 0,
	KENH_EVIDENCE_CONTENT = 1,
	KENH_EVIDENCE_LINK = 2,
	KENH_EVIDENCE_CHAIN = 3,
	KENH_EVIDENCE_SIGNATURE = 4,
};

/** Content types of the items (docs/content.md). */
enum kenh_content_type {
	KENH_CONTENT_TEXT = 1,
	KENH_CONTENT_FILE = 2,
	KENH_CONTENT_DIRECTIVE = 3,
	KENH_CONTENT_ACK = 4,
	KENH_CONTENT_REPORT = 5,
	KENH_CONTENT_RECEIPT = 6,
};

/**
 * \brief Verify a record offline with only the organization's root
 * certificate (DER). Every item is checked; \p out receives the outcome,
 * even when the result is an item failure (free it with kenh_evidence_free).
 * \return 0 if every item passed; the first failing item's code otherwise
 * (KENH_E_VERIFY, KENH_E_EXPIRED, KENH_E_PERM, KENH_E_PROTO,
 * KENH_E_INVALID_ARG); a decoding error (KENH_E_PARSE, ...) with *out NULL
 * if the record itself is malformed; KENH_E_NOMEM.
 */
KENH_API KENH_MUST_CHECK int kenh_evidence_verify(struct kenh_ctx *ctx,
                                                  const struct kenh_blob *record,
                                                  const struct kenh_blob *root,
                                                  struct kenh_evidence **out);

/** \brief Free an outcome. \p e may be NULL. */
KENH_API void kenh_evidence_free(struct kenh_evidence *e);

/** \return the number of items in the record. */
KENH_API size_t kenh_evidence_count(const struct kenh_evidence *e);

/** \return the index of the first failing item, or SIZE_MAX if none failed. */
KENH_API size_t kenh_evidence_first_failure(const struct kenh_evidence *e);

/** \return item \p i's code: 0 if it passed (0 also for \p i out of range). */
KENH_API int kenh_evidence_item_result(const struct kenh_evidence *e, size_t i);

/** \return the step at which item \p i failed, KENH_EVIDENCE_OK if it passed. */
KENH_API enum kenh_evidence_step kenh_evidence_item_step(const struct kenh_evidence *e, size_t i);

/** \return item \p i's content type (0 if its content did not decode). */
KENH_API enum kenh_content_type kenh_evidence_item_type(const struct kenh_evidence *e, size_t i);

/** \return item \p i's signing time (Unix seconds, the sender's claim). */
KENH_API uint64_t kenh_evidence_item_time(const struct kenh_evidence *e, size_t i);

/**
 * \return the signer's user name, unit path and device id from its
 * validated certificate ("" if the chain did not validate); valid until
 * kenh_evidence_free.
 */
KENH_API const char *kenh_evidence_item_user(const struct kenh_evidence *e, size_t i);
KENH_API const char *kenh_evidence_item_unit(const struct kenh_evidence *e, size_t i);
KENH_API const char *kenh_evidence_item_device(const struct kenh_evidence *e, size_t i);

#ifdef __cplusplus
}
#endif
#endif /* KENH_CLIENT_H */
