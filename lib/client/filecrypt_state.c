/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Saving and restoring a file transfer's encryption state
 * (client_filecrypt.h, docs/filecrypt.md "State"), so that an upload or a
 * download resumes after the process stopped, without sealing any chunk
 * under its nonce with other plaintext:
 *
 *   struct {
 *       uint16 version = 1;
 *       uint8 mode;                 seal(1) open(2)
 *       opaque key[32];
 *       uint64 size;
 *       uint32 chunk_size;
 *       opaque done<V>;             bitmap, (n + 7) / 8 bytes, unused bits zero
 *       opaque hashes<V>;           n * 32 bytes: each done chunk's SHA-256
 *   } FileCryptState;
 *
 * The state holds the key: the caller keeps it sealed (the store's
 * transfers table). The decoder checks syntax and every size against the
 * chunk count the header implies.
 */
#include "client/client_filecrypt.h"

#include "util/compat.h"

#include "client/client_int.h"
#include "codec/codec.h"
#include "util/mem.h"

#define STATE_VERSION 1
#define MODE_SEAL     1
#define MODE_OPEN     2
#define HASHES_MAX    ((size_t)CLIENT_FILE_MAX_CHUNKS * CLIENT_HASH_LEN)
#define STATE_MAX     (HASHES_MAX + CLIENT_FILE_MAX_CHUNKS / 8 + 128)

int client_filecrypt_save(const struct client_filecrypt *fc, uint8_t **out, size_t *outlen)
{
	struct codec_writer w;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (fc == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	codec_writer_init(&w, STATE_MAX, CODEC_WRITER_SENSITIVE);
	codec_write_u16(&w, STATE_VERSION);
	codec_write_u8(&w, fc->sealing ? MODE_SEAL : MODE_OPEN);
	codec_write_bytes(&w, fc->key, sizeof(fc->key));
	codec_write_u64(&w, fc->size);
	codec_write_u32(&w, fc->chunk_size);
	codec_write_opaque(&w, fc->done, (size_t)(fc->nchunks + 7) / 8);
	codec_write_opaque(&w, fc->hashes + CLIENT_FILE_HASH_HEADER,
	                   fc->hashes_len - CLIENT_FILE_HASH_HEADER);
	rc = codec_writer_finish(&w, out, outlen);
	codec_writer_clear(&w);
	return rc;
}

/* The header fields; sticky errors in r. */
struct state_head {
	uint8_t mode;
	uint8_t key[CLIENT_FILE_KEY_LEN]; /* secret */
	uint64_t size;
	uint32_t chunk_size;
	struct kenh_span done, hashes;
};

static void read_state(struct codec_reader *r, struct state_head *h)
{
	uint16_t version = 0;

	codec_read_u16(r, &version);
	if (codec_reader_err(r) == 0 && version != STATE_VERSION)
		codec_reader_fail(r, KENH_ERR(KENH_E_UNSUPPORTED));
	codec_read_u8(r, &h->mode);
	if (codec_reader_err(r) == 0 && h->mode != MODE_SEAL && h->mode != MODE_OPEN)
		codec_reader_fail(r, KENH_ERR(KENH_E_PARSE));
	codec_read_bytes(r, h->key, sizeof(h->key));
	codec_read_u64(r, &h->size);
	codec_read_u32(r, &h->chunk_size);
	codec_read_opaque(r, CLIENT_FILE_MAX_CHUNKS / 8, &h->done);
	codec_read_opaque(r, HASHES_MAX, &h->hashes);
}

/* Sizes that must agree with the chunk count; unused bitmap bits must be zero. */
static int check_state(const struct state_head *h, uint64_t *n)
{
	*n = 0;
	if (h->chunk_size < CLIENT_MIN_CHUNK || h->chunk_size > CLIENT_MAX_CHUNK)
		return KENH_ERR(KENH_E_PARSE);
	*n = h->size == 0 ? 1 : (h->size - 1) / h->chunk_size + 1;
	if (*n > CLIENT_FILE_MAX_CHUNKS) return KENH_ERR(KENH_E_TOO_LARGE);
	if (h->done.len != (*n + 7) / 8 || h->hashes.len != *n * CLIENT_HASH_LEN)
		return KENH_ERR(KENH_E_PARSE);
	if (*n % 8 != 0 && (h->done.p[h->done.len - 1] >> (*n % 8)) != 0)
		return KENH_ERR(KENH_E_PARSE);
	return 0;
}

static uint64_t popcount(struct kenh_span bits)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < bits.len; i++)
		n += (uint64_t)__builtin_popcount(bits.p[i]);
	return n;
}

int client_filecrypt_restore(const struct kenh_ctx *ctx, struct kenh_span in,
                             struct client_filecrypt **out)
{
	struct client_filecrypt *fc = NULL;
	struct state_head h;
	struct codec_reader r;
	uint64_t n = 0;
	int rc;

	*out = NULL;
	memset(&h, 0, sizeof(h));
	if (in.len > STATE_MAX) return KENH_ERR(KENH_E_TOO_LARGE);
	codec_reader_init(&r, in.p, in.len);
	read_state(&r, &h);
	if ((rc = codec_reader_done(&r)) != 0) goto out;
	if ((rc = check_state(&h, &n)) != 0) goto out;
	rc = client_filecrypt_alloc(ctx, h.mode == MODE_SEAL, h.size, h.chunk_size, h.key, &fc);
	if (rc != 0) goto out;
	memcpy(fc->done, h.done.p, h.done.len);
	memcpy(fc->hashes + CLIENT_FILE_HASH_HEADER, h.hashes.p, h.hashes.len);
	fc->ndone = popcount(h.done);
	*out = fc;
out:
	sec_zero(&h, sizeof(h));
	return rc;
}
