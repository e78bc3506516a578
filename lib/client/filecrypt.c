/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Chunked file encryption (client_filecrypt.h, docs/filecrypt.md):
 * AES-256-GCM (RFC 5116 AEAD_AES_256_GCM) per chunk with a nonce made from
 * the chunk index and the file's size, chunk size, index and final flag in
 * the associated data; the content hash over the per-chunk SHA-256 list.
 * A fresh key per file makes the index-derived nonces unique; the per-chunk
 * hash kept while sealing makes sure a chunk sealed again is the same
 * message, so no nonce ever covers two different plaintexts. Saving and
 * restoring the state is filecrypt_state.c's.
 */
#include "client/client_filecrypt.h"

#include "util/compat.h"

#include "client/client_int.h"
#include "crypto/crypto.h"
#include "util/mem.h"

#define FILE_AEAD CRYPTO_AEAD_AES256GCM
#define FILE_KDF  CRYPTO_KDF_HKDF_SHA256 /* for SHA-256 */
#define FILE_AAD  "kenh file v1"
#define AAD_LEN   (sizeof(FILE_AAD) - 1 + 8 + 4 + 8 + 1)

static uint64_t count_chunks(uint64_t size, uint32_t chunk)
{
	return size == 0 ? 1 : (size - 1) / chunk + 1;
}

int client_filecrypt_alloc(const struct kenh_ctx *ctx, bool sealing, uint64_t size,
                           uint32_t chunk_size, const uint8_t *key, struct client_filecrypt **out)
{
	struct client_filecrypt *fc = NULL;
	void *mem = NULL;
	uint8_t *h;
	int rc;

	*out = NULL;
	if (chunk_size < CLIENT_MIN_CHUNK || chunk_size > CLIENT_MAX_CHUNK)
		return KENH_ERR(KENH_E_INVALID_ARG);
	if (count_chunks(size, chunk_size) > CLIENT_FILE_MAX_CHUNKS)
		return KENH_ERR(KENH_E_TOO_LARGE);
	if ((rc = sec_alloc(sizeof(*fc), &mem)) != 0) return rc;
	fc = mem;
	fc->ctx = ctx;
	fc->aead = crypto_aead_get(ctx, FILE_AEAD);
	fc->kdf = crypto_kdf_get(ctx, FILE_KDF);
	fc->sealing = sealing;
	fc->size = size;
	fc->chunk_size = chunk_size;
	fc->nchunks = count_chunks(size, chunk_size);
	memcpy(fc->key, key, sizeof(fc->key));
	if (fc->aead == NULL || fc->kdf == NULL) {
		rc = KENH_ERR(KENH_E_INTERNAL);
		goto out;
	}
	/* Both products are bounded by CLIENT_FILE_MAX_CHUNKS, checked above. */
	fc->hashes_len = CLIENT_FILE_HASH_HEADER + (size_t)fc->nchunks * CLIENT_HASH_LEN;
	if ((rc = mem_calloc((size_t)(fc->nchunks + 7) / 8, 1, &mem)) != 0) goto out;
	fc->done = mem;
	if ((rc = sec_alloc(fc->hashes_len, &mem)) != 0) goto out;
	fc->hashes = h = mem;
	memcpy(h, CLIENT_FILE_HASH_LABEL, sizeof(CLIENT_FILE_HASH_LABEL) - 1);
	h += sizeof(CLIENT_FILE_HASH_LABEL) - 1;
	store_be64(h, size);
	store_be32(h + 8, chunk_size);
	*out = fc;
	fc = NULL;
out:
	client_filecrypt_free(fc);
	return rc;
}

int client_filecrypt_seal_new(const struct kenh_ctx *ctx, uint64_t size, uint32_t chunk_size,
                              struct client_filecrypt **out)
{
	uint8_t key[CLIENT_FILE_KEY_LEN];
	int rc;

	*out = NULL;
	if ((rc = crypto_random(ctx, key, sizeof(key))) == 0)
		rc = client_filecrypt_alloc(ctx, true, size, chunk_size, key, out);
	sec_zero(key, sizeof(key));
	return rc;
}

int client_filecrypt_open_new(const struct kenh_ctx *ctx, const struct client_file *ref,
                              struct client_filecrypt **out)
{
	*out = NULL;
	if (ref == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	return client_filecrypt_alloc(ctx, false, ref->size, ref->chunk_size, ref->key, out);
}

void client_filecrypt_free(struct client_filecrypt *fc)
{
	if (fc == NULL) return;
	mem_free(fc->done);
	sec_free(fc->hashes, fc->hashes_len);
	sec_free(fc, sizeof(*fc));
}

uint64_t client_filecrypt_chunks(const struct client_filecrypt *fc)
{
	return fc->nchunks;
}

size_t client_filecrypt_chunk_len(const struct client_filecrypt *fc, uint64_t i)
{
	if (i >= fc->nchunks) return 0;
	if (i + 1 < fc->nchunks) return fc->chunk_size;
	return (size_t)(fc->size - (fc->nchunks - 1) * fc->chunk_size);
}

uint64_t client_filecrypt_ct_offset(const struct client_filecrypt *fc, uint64_t i)
{
	/* At most 2^20 chunks of at most 16 MiB + 16: far from overflowing. */
	return i * ((uint64_t)fc->chunk_size + CLIENT_FILE_TAG);
}

uint64_t client_filecrypt_ct_size(const struct client_filecrypt *fc)
{
	return fc->size + fc->nchunks * CLIENT_FILE_TAG;
}

void client_filecrypt_key(const struct client_filecrypt *fc, uint8_t key[CLIENT_FILE_KEY_LEN])
{
	memcpy(key, fc->key, CLIENT_FILE_KEY_LEN);
}

bool client_filecrypt_is_complete(const struct client_filecrypt *fc)
{
	return fc->ndone == fc->nchunks;
}

static void chunk_nonce(uint64_t i, uint8_t nonce[static 12])
{
	memset(nonce, 0, 4);
	store_be64(nonce + 4, i);
}

static void chunk_aad(const struct client_filecrypt *fc, uint64_t i, uint8_t aad[static AAD_LEN])
{
	uint8_t *p = aad;

	memcpy(p, FILE_AAD, sizeof(FILE_AAD) - 1);
	p += sizeof(FILE_AAD) - 1;
	store_be64(p, fc->size);
	store_be32(p + 8, fc->chunk_size);
	store_be64(p + 12, i);
	p[20] = i + 1 == fc->nchunks ? 1 : 0;
}

static uint8_t *chunk_hash(const struct client_filecrypt *fc, uint64_t i)
{
	return fc->hashes + CLIENT_FILE_HASH_HEADER + (size_t)i * CLIENT_HASH_LEN;
}

static bool is_done(const struct client_filecrypt *fc, uint64_t i)
{
	return (fc->done[i / 8] >> (i % 8)) & 1;
}

/* Record chunk i's plaintext hash h; a chunk done before must have had the same one. */
static int mark_done(struct client_filecrypt *fc, uint64_t i, const uint8_t *h)
{
	if (is_done(fc, i)) {
		return crypto_ct_eq(chunk_hash(fc, i), h, CLIENT_HASH_LEN) ? 0
		                                                           : KENH_ERR(KENH_E_STATE);
	}
	memcpy(chunk_hash(fc, i), h, CLIENT_HASH_LEN);
	fc->done[i / 8] = (uint8_t)(fc->done[i / 8] | 1u << (i % 8));
	fc->ndone++;
	return 0;
}

int client_filecrypt_seal_chunk(struct client_filecrypt *fc, uint64_t i, const uint8_t *pt,
                                size_t ptlen, uint8_t *out)
{
	uint8_t nonce[12], aad[AAD_LEN], h[CLIENT_HASH_LEN];
	int rc;

	if (fc == NULL || !fc->sealing || i >= fc->nchunks) return KENH_ERR(KENH_E_INVALID_ARG);
	if (ptlen != client_filecrypt_chunk_len(fc, i)) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = crypto_hash(fc->kdf, pt, ptlen, h)) != 0) return rc;
	/* GCM: the index's nonce may only ever seal this one plaintext. */
	if ((rc = mark_done(fc, i, h)) != 0) goto out;
	chunk_nonce(i, nonce);
	chunk_aad(fc, i, aad);
	rc = crypto_aead_seal(fc->aead, fc->key, sizeof(fc->key), nonce, sizeof(nonce), aad,
	                      sizeof(aad), pt, ptlen, out);
out:
	sec_zero(h, sizeof(h));
	return rc;
}

int client_filecrypt_open_chunk(struct client_filecrypt *fc, uint64_t i, const uint8_t *ct,
                                size_t ctlen, uint8_t *out)
{
	uint8_t nonce[12], aad[AAD_LEN], h[CLIENT_HASH_LEN];
	size_t n;
	int rc;

	if (fc == NULL || fc->sealing || i >= fc->nchunks) return KENH_ERR(KENH_E_INVALID_ARG);
	n = client_filecrypt_chunk_len(fc, i);
	/* A wrong length is a truncated or padded chunk: the same answer as a bad tag. */
	if (ctlen != n + CLIENT_FILE_TAG) return KENH_ERR(KENH_E_DECRYPT);
	chunk_nonce(i, nonce);
	chunk_aad(fc, i, aad);
	rc = crypto_aead_open(fc->aead, fc->key, sizeof(fc->key), nonce, sizeof(nonce), aad,
	                      sizeof(aad), ct, ctlen, out);
	if (rc != 0) return rc;
	if ((rc = crypto_hash(fc->kdf, out, n, h)) == 0) rc = mark_done(fc, i, h);
	if (rc != 0) sec_zero(out, n);
	sec_zero(h, sizeof(h));
	return rc;
}

int client_filecrypt_resume_chunk(struct client_filecrypt *fc, uint64_t i, const uint8_t *pt,
                                  size_t ptlen)
{
	uint8_t h[CLIENT_HASH_LEN];
	int rc;

	if (fc == NULL || fc->sealing || i >= fc->nchunks) return KENH_ERR(KENH_E_INVALID_ARG);
	if (ptlen != client_filecrypt_chunk_len(fc, i)) return KENH_ERR(KENH_E_INVALID_ARG);
	/* Not authenticated here: the content hash in finish covers this chunk too. */
	if ((rc = crypto_hash(fc->kdf, pt, ptlen, h)) == 0) rc = mark_done(fc, i, h);
	sec_zero(h, sizeof(h));
	return rc;
}

int client_filecrypt_finish(struct client_filecrypt *fc, const uint8_t *expected,
                            uint8_t hash[CLIENT_HASH_LEN])
{
	uint8_t h[CLIENT_HASH_LEN];
	int rc;

	if (hash != NULL) memset(hash, 0, CLIENT_HASH_LEN);
	if (fc == NULL || (hash == NULL && expected == NULL)) return KENH_ERR(KENH_E_INVALID_ARG);
	if (!client_filecrypt_is_complete(fc)) return KENH_ERR(KENH_E_STATE);
	if ((rc = crypto_hash(fc->kdf, fc->hashes, fc->hashes_len, h)) != 0) return rc;
	if (expected != NULL && !crypto_ct_eq(h, expected, CLIENT_HASH_LEN))
		return KENH_ERR(KENH_E_VERIFY);
	if (hash != NULL) memcpy(hash, h, CLIENT_HASH_LEN);
	return 0;
}
