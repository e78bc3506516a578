/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests of chunked file encryption (lib/client/filecrypt*.c,
 * docs/filecrypt.md): round trips at the sizes around chunk boundaries,
 * chunks processed in random order; the content hash recomputed here with
 * OpenSSL from its definition; chunks reordered, a chunk duplicated into
 * another place, a truncated file, a truncated chunk, every bit of a chunk
 * flipped, a wrong key, all refused; a chunk sealed again (same plaintext:
 * same ciphertext; other plaintext: refused, the nonce would repeat);
 * resumption through a saved state on both sides; the state decoder's
 * negatives (STYLE R17.1); arguments; allocation failures (R17.5).
 */
#include "client/client_filecrypt.h"

/* OpenSSL before compat.h: its prototypes use names that compat.h poisons. */
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "client/client_int.h"
#include "codec/codec.h"
#include "kenh/kenh.h"
#include "testutil.h"
#include "util/mem.h"

#define CHUNK CLIENT_MIN_CHUNK

/* A file sealed in memory: plaintext, ciphertext chunks, its FileRef. */
struct sealed {
	uint8_t *pt;
	uint64_t size;
	uint64_t n;
	uint8_t **ct;
	size_t *ctlen;
	struct client_file ref;
};

static int setup(void **state)
{
	struct kenh_ctx *ctx = NULL;

	if (kenh_ctx_new(&ctx) != 0) return -1;
	*state = ctx;
	return 0;
}

static int teardown(void **state)
{
	kenh_ctx_free(*state);
	return 0;
}

static uint32_t next(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s >> 8;
}

/* A permutation of 0..n-1 (n small). */
static void shuffle(uint64_t *order, uint64_t n, uint32_t seed)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = n; i > 1; i--) {
		uint64_t j = next(&seed) % i, t = order[i - 1];

		order[i - 1] = order[j];
		order[j] = t;
	}
}

static void seal_file(struct kenh_ctx *ctx, uint64_t size, uint32_t seed, struct sealed *s)
{
	struct client_filecrypt *fc = NULL;
	uint64_t i, order[64];
	void *mem = NULL;

	memset(s, 0, sizeof(*s));
	s->size = size;
	assert_int_equal(mem_alloc(size + 1, &mem), 0);
	s->pt = mem;
	for (i = 0; i < size; i++)
		s->pt[i] = (uint8_t)next(&seed);
	assert_int_equal(client_filecrypt_seal_new(ctx, size, CHUNK, &fc), 0);
	s->n = client_filecrypt_chunks(fc);
	assert_true(s->n <= ARRAY_LEN(order));
	assert_int_equal(mem_calloc(s->n, sizeof(*s->ct), &mem), 0);
	s->ct = mem;
	assert_int_equal(mem_calloc(s->n, sizeof(*s->ctlen), &mem), 0);
	s->ctlen = mem;
	shuffle(order, s->n, seed);
	for (i = 0; i < s->n; i++) {
		uint64_t k = order[i];
		size_t len = client_filecrypt_chunk_len(fc, k);

		assert_int_equal(mem_alloc(len + CLIENT_FILE_TAG, &mem), 0);
		s->ct[k] = mem;
		s->ctlen[k] = len + CLIENT_FILE_TAG;
		assert_false(client_filecrypt_is_complete(fc));
		assert_int_equal(
		        client_filecrypt_seal_chunk(fc, k, s->pt + k * CHUNK, len, s->ct[k]), 0);
	}
	assert_true(client_filecrypt_is_complete(fc));
	assert_int_equal(client_filecrypt_finish(fc, NULL, s->ref.hash), 0);
	client_filecrypt_key(fc, s->ref.key);
	s->ref.size = size;
	s->ref.chunk_size = CHUNK;
	client_filecrypt_free(fc);
}

static void sealed_free(struct sealed *s)
{
	uint64_t i;

	for (i = 0; i < s->n; i++)
		mem_free(s->ct[i]);
	mem_free(s->ct);
	mem_free(s->ctlen);
	mem_free(s->pt);
	memset(s, 0, sizeof(*s));
}

/* Open every chunk in a random order and check the plaintext and hash. */
static void open_file(struct kenh_ctx *ctx, const struct sealed *s, uint32_t seed)
{
	struct client_filecrypt *fc = NULL;
	uint8_t buf[CHUNK];
	uint64_t i, order[64];

	assert_int_equal(client_filecrypt_open_new(ctx, &s->ref, &fc), 0);
	assert_int_equal(client_filecrypt_chunks(fc), s->n);
	shuffle(order, s->n, seed);
	for (i = 0; i < s->n; i++) {
		uint64_t k = order[i];
		size_t len = client_filecrypt_chunk_len(fc, k);

		assert_int_equal(client_filecrypt_finish(fc, s->ref.hash, NULL), KENH_E_STATE);
		assert_int_equal(client_filecrypt_open_chunk(fc, k, s->ct[k], s->ctlen[k], buf), 0);
		assert_memory_equal(buf, s->pt + k * CHUNK, len);
	}
	assert_int_equal(client_filecrypt_finish(fc, s->ref.hash, NULL), 0);
	client_filecrypt_free(fc);
}

static void test_client_filecrypt_round_trip(void **state)
{
	static const uint64_t sizes[] = { 0,         1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5,
		                          16 * CHUNK };
	struct kenh_ctx *ctx = *state;
	struct sealed s;
	size_t i;

	for (i = 0; i < ARRAY_LEN(sizes); i++) {
		seal_file(ctx, sizes[i], (uint32_t)i + 1, &s);
		assert_int_equal(s.n, sizes[i] == 0 ? 1 : (sizes[i] + CHUNK - 1) / CHUNK);
		{
			struct client_filecrypt *fc = NULL;
			uint64_t k, sum = 0;

			assert_int_equal(client_filecrypt_open_new(*state, &s.ref, &fc), 0);
			/* The blob is the chunks' ciphertexts back to back. */
			for (k = 0; k < s.n; k++) {
				assert_int_equal(client_filecrypt_ct_offset(fc, k), sum);
				sum += s.ctlen[k];
			}
			assert_int_equal(client_filecrypt_ct_size(fc), sum);
			client_filecrypt_free(fc);
		}
		open_file(ctx, &s, (uint32_t)i + 100);
		sealed_free(&s);
	}
}

static void test_client_filecrypt_content_hash(void **state)
{
	struct kenh_ctx *ctx = *state;
	uint8_t in[64 + 4 * SHA256_DIGEST_LENGTH], want[SHA256_DIGEST_LENGTH];
	struct sealed s;
	size_t off = 0;
	uint64_t i;

	seal_file(ctx, 3 * CHUNK + 5, 9, &s);
	/* docs/filecrypt.md: SHA-256(label || size || chunk_size || SHA-256(chunk i)...). */
	memcpy(in, "kenh file v1 hash", 17);
	off = 17;
	store_be64(in + off, s.size);
	store_be32(in + off + 8, CHUNK);
	off += 12;
	for (i = 0; i < s.n; i++) {
		size_t len = i + 1 < s.n ? CHUNK : (size_t)(s.size - i * CHUNK);

		SHA256(s.pt + i * CHUNK, len, in + off);
		off += SHA256_DIGEST_LENGTH;
	}
	SHA256(in, off, want);
	assert_memory_equal(s.ref.hash, want, sizeof(want));
	sealed_free(&s);
}

/* AES-256-GCM with OpenSSL directly, from docs/filecrypt.md's nonce and AAD. */
static void reference_seal(const uint8_t key[32], uint64_t size, uint64_t i, int final,
                           const uint8_t *pt, int ptlen, uint8_t *out)
{
	uint8_t nonce[12] = { 0 }, aad[33];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0;

	store_be64(nonce + 4, i);
	memcpy(aad, "kenh file v1", 12);
	store_be64(aad + 12, size);
	store_be32(aad + 20, CHUNK);
	store_be64(aad + 24, i);
	aad[32] = (uint8_t) final;
	assert_non_null(c);
	assert_int_equal(EVP_EncryptInit_ex(c, EVP_aes_256_gcm(), NULL, key, nonce), 1);
	assert_int_equal(EVP_EncryptUpdate(c, NULL, &n, aad, sizeof(aad)), 1);
	assert_int_equal(EVP_EncryptUpdate(c, out, &n, pt, ptlen), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, out + n, &n), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + ptlen), 1);
	EVP_CIPHER_CTX_free(c);
}

static void test_client_filecrypt_format(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct client_filecrypt *fc = NULL;
	uint8_t key[32], pt[CHUNK], got[CHUNK + 16], want[CHUNK + 16];
	uint64_t i;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 7);
	memset(pt, 'k', sizeof(pt));
	assert_int_equal(client_filecrypt_alloc(ctx, true, 2 * CHUNK + 9, CHUNK, key, &fc), 0);
	for (i = 0; i < 3; i++) {
		size_t len = client_filecrypt_chunk_len(fc, i);

		assert_int_equal(client_filecrypt_seal_chunk(fc, i, pt, len, got), 0);
		reference_seal(key, 2 * CHUNK + 9, i, i == 2, pt, (int)len, want);
		assert_memory_equal(got, want, len + 16);
	}
	client_filecrypt_free(fc);
}

/* Open chunk i from the given bytes; returns the code and checks the output is wiped on failure. */
static int try_open(struct kenh_ctx *ctx, const struct client_file *ref, uint64_t i,
                    const uint8_t *ct, size_t ctlen)
{
	struct client_filecrypt *fc = NULL;
	uint8_t buf[CHUNK + CLIENT_FILE_TAG];
	size_t k;
	int rc;

	assert_int_equal(client_filecrypt_open_new(ctx, ref, &fc), 0);
	memset(buf, 0xee, sizeof(buf));
	rc = client_filecrypt_open_chunk(fc, i, ct, ctlen, buf);
	if (rc != 0) {
		for (k = 0; k < client_filecrypt_chunk_len(fc, i); k++)
			assert_true(buf[k] == 0 || buf[k] == 0xee);
	}
	client_filecrypt_free(fc);
	return rc;
}

static void test_client_filecrypt_reorder_duplicate(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct sealed s;

	seal_file(ctx, 4 * CHUNK, 3, &s);
	assert_int_equal(try_open(ctx, &s.ref, 1, s.ct[1], s.ctlen[1]), 0);
	/* Chunks swapped, or one chunk served again in another place. */
	assert_int_equal(try_open(ctx, &s.ref, 1, s.ct[2], s.ctlen[2]), KENH_E_DECRYPT);
	assert_int_equal(try_open(ctx, &s.ref, 2, s.ct[1], s.ctlen[1]), KENH_E_DECRYPT);
	assert_int_equal(try_open(ctx, &s.ref, 3, s.ct[0], s.ctlen[0]), KENH_E_DECRYPT);
	/* The same chunk opened twice at its own place is a resumed download, counted once. */
	{
		struct client_filecrypt *fc = NULL;
		uint8_t buf[CHUNK];
		uint64_t i;

		assert_int_equal(client_filecrypt_open_new(ctx, &s.ref, &fc), 0);
		for (i = 0; i < 3; i++)
			assert_int_equal(
			        client_filecrypt_open_chunk(fc, 0, s.ct[0], s.ctlen[0], buf), 0);
		for (i = 1; i < 3; i++)
			assert_int_equal(
			        client_filecrypt_open_chunk(fc, i, s.ct[i], s.ctlen[i], buf), 0);
		assert_false(client_filecrypt_is_complete(fc));
		assert_int_equal(client_filecrypt_finish(fc, s.ref.hash, NULL), KENH_E_STATE);
		client_filecrypt_free(fc);
	}
	sealed_free(&s);
}

static void test_client_filecrypt_truncation(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct client_file shorter;
	struct sealed s;

	seal_file(ctx, 3 * CHUNK, 4, &s);
	/* A file cut after two chunks: chunk 1 was not sealed as the last one. */
	shorter = s.ref;
	shorter.size = 2 * CHUNK;
	assert_int_equal(try_open(ctx, &shorter, 1, s.ct[1], s.ctlen[1]), KENH_E_DECRYPT);
	/* The size is bound even where the chunk count agrees. */
	shorter.size = 3 * CHUNK - 1;
	assert_int_equal(try_open(ctx, &shorter, 0, s.ct[0], s.ctlen[0]), KENH_E_DECRYPT);
	/* A chunk cut short, or padded. */
	assert_int_equal(try_open(ctx, &s.ref, 2, s.ct[2], s.ctlen[2] - 1), KENH_E_DECRYPT);
	assert_int_equal(try_open(ctx, &s.ref, 2, s.ct[2], 0), KENH_E_DECRYPT);
	sealed_free(&s);
	/* The final flag alone: a chunk sealed as the last of an n-chunk file is not chunk i < n-1. */
	seal_file(ctx, CHUNK, 5, &s);
	shorter = s.ref;
	shorter.size = 2 * CHUNK;
	assert_int_equal(try_open(ctx, &shorter, 0, s.ct[0], s.ctlen[0]), KENH_E_DECRYPT);
	sealed_free(&s);
}

static void test_client_filecrypt_bit_flips(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct client_file other;
	uint8_t *ct;
	struct sealed s;
	size_t bit;

	seal_file(ctx, CHUNK + 10, 6, &s);
	for (bit = 0; bit < 8 * s.ctlen[1]; bit++) {
		s.ct[1][bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (try_open(ctx, &s.ref, 1, s.ct[1], s.ctlen[1]) != KENH_E_DECRYPT)
			fail_msg("bit %zu of the last chunk", bit);
		s.ct[1][bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	ct = s.ct[0];
	for (bit = 0; bit < 8 * s.ctlen[0]; bit += 61) {
		ct[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (try_open(ctx, &s.ref, 0, ct, s.ctlen[0]) != KENH_E_DECRYPT)
			fail_msg("bit %zu of chunk 0", bit);
		ct[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(try_open(ctx, &s.ref, 0, ct, s.ctlen[0]), 0);
	/* Another key. */
	other = s.ref;
	other.key[5] ^= 1;
	assert_int_equal(try_open(ctx, &other, 0, ct, s.ctlen[0]), KENH_E_DECRYPT);
	/* A wrong content hash at the end. */
	other = s.ref;
	other.hash[0] ^= 1;
	{
		struct client_filecrypt *fc = NULL;
		uint8_t buf[CHUNK];

		assert_int_equal(client_filecrypt_open_new(ctx, &other, &fc), 0);
		assert_int_equal(client_filecrypt_open_chunk(fc, 0, s.ct[0], s.ctlen[0], buf), 0);
		assert_int_equal(client_filecrypt_open_chunk(fc, 1, s.ct[1], s.ctlen[1], buf), 0);
		assert_int_equal(client_filecrypt_finish(fc, other.hash, NULL), KENH_E_VERIFY);
		client_filecrypt_free(fc);
	}
	sealed_free(&s);
}

static void test_client_filecrypt_reseal(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct client_filecrypt *fc = NULL;
	uint8_t pt[CHUNK], a[CHUNK + CLIENT_FILE_TAG], b[CHUNK + CLIENT_FILE_TAG];

	memset(pt, 'x', sizeof(pt));
	assert_int_equal(client_filecrypt_seal_new(ctx, 2 * CHUNK, CHUNK, &fc), 0);
	assert_int_equal(client_filecrypt_seal_chunk(fc, 0, pt, CHUNK, a), 0);
	assert_int_equal(client_filecrypt_seal_chunk(fc, 0, pt, CHUNK, b), 0);
	assert_memory_equal(a, b, sizeof(a));
	/* The file changed under a resumed upload: this nonce must not seal other bytes. */
	pt[100] = 'y';
	assert_int_equal(client_filecrypt_seal_chunk(fc, 0, pt, CHUNK, b), KENH_E_STATE);
	assert_int_equal(client_filecrypt_finish(fc, NULL, a), KENH_E_STATE);
	/* Arguments. */
	assert_int_equal(client_filecrypt_seal_chunk(fc, 2, pt, CHUNK, b), KENH_E_INVALID_ARG);
	assert_int_equal(client_filecrypt_seal_chunk(fc, 1, pt, CHUNK - 1, b), KENH_E_INVALID_ARG);
	assert_int_equal(client_filecrypt_open_chunk(fc, 0, a, sizeof(a), b), KENH_E_INVALID_ARG);
	assert_int_equal(client_filecrypt_chunk_len(fc, 2), 0);
	client_filecrypt_free(fc);
	assert_int_equal(client_filecrypt_seal_new(ctx, 1, CLIENT_MIN_CHUNK - 1, &fc),
	                 KENH_E_INVALID_ARG);
	assert_int_equal(client_filecrypt_seal_new(ctx, 1, CLIENT_MAX_CHUNK + 1, &fc),
	                 KENH_E_INVALID_ARG);
	assert_int_equal(client_filecrypt_seal_new(
	                         ctx, (uint64_t)CLIENT_FILE_MAX_CHUNKS * CHUNK + 1, CHUNK, &fc),
	                 KENH_E_TOO_LARGE);
	assert_null(fc);
	assert_int_equal(client_filecrypt_seal_new(ctx, (uint64_t)CLIENT_FILE_MAX_CHUNKS * CHUNK,
	                                           CHUNK, &fc),
	                 0);
	client_filecrypt_free(fc);
}

/* Save fc, free it, and restore it. */
static struct client_filecrypt *cycle(struct kenh_ctx *ctx, struct client_filecrypt *fc)
{
	struct client_filecrypt *back = NULL;
	uint8_t *st = NULL;
	size_t len = 0;

	assert_int_equal(client_filecrypt_save(fc, &st, &len), 0);
	client_filecrypt_free(fc);
	assert_int_equal(client_filecrypt_restore(ctx, span_make(st, len), &back), 0);
	sec_free(st, len);
	return back;
}

static void test_client_filecrypt_resume(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct client_filecrypt *fc = NULL;
	uint8_t out[CHUNK + CLIENT_FILE_TAG], hash[CLIENT_HASH_LEN], buf[CHUNK];
	struct sealed s;
	uint64_t i;

	seal_file(ctx, 5 * CHUNK + 3, 11, &s);
	/* An upload resumed after chunks 4 and 1: the same key, the same ciphertexts, the same hash. */
	{
		struct client_file ref = s.ref;

		assert_int_equal(client_filecrypt_alloc(ctx, true, s.size, CHUNK, ref.key, &fc), 0);
	}
	assert_int_equal(client_filecrypt_seal_chunk(fc, 4, s.pt + 4 * CHUNK, CHUNK, out), 0);
	assert_int_equal(client_filecrypt_seal_chunk(fc, 1, s.pt + CHUNK, CHUNK, out), 0);
	fc = cycle(ctx, fc);
	/* What was done before the restart is still bound to its plaintext. */
	memset(buf, 0, sizeof(buf));
	assert_int_equal(client_filecrypt_seal_chunk(fc, 1, buf, CHUNK, out), KENH_E_STATE);
	for (i = 0; i < s.n; i++) {
		size_t len = client_filecrypt_chunk_len(fc, i);

		assert_int_equal(client_filecrypt_seal_chunk(fc, i, s.pt + i * CHUNK, len, out), 0);
		assert_memory_equal(out, s.ct[i], s.ctlen[i]);
	}
	assert_int_equal(client_filecrypt_finish(fc, NULL, hash), 0);
	assert_memory_equal(hash, s.ref.hash, CLIENT_HASH_LEN);
	client_filecrypt_free(fc);
	/* A download resumed after two chunks. */
	assert_int_equal(client_filecrypt_open_new(ctx, &s.ref, &fc), 0);
	assert_int_equal(client_filecrypt_open_chunk(fc, 0, s.ct[0], s.ctlen[0], buf), 0);
	assert_int_equal(client_filecrypt_open_chunk(fc, 5, s.ct[5], s.ctlen[5], buf), 0);
	fc = cycle(ctx, fc);
	for (i = 1; i < 5; i++)
		assert_int_equal(client_filecrypt_open_chunk(fc, i, s.ct[i], s.ctlen[i], buf), 0);
	assert_int_equal(client_filecrypt_finish(fc, s.ref.hash, NULL), 0);
	client_filecrypt_free(fc);
	sealed_free(&s);
}

/*
 * A download resumed from a partial file: chunks 0..2 read back from disk
 * (only hashed), the rest opened; a chunk changed on disk in between is
 * caught by the content hash; the call is refused on a sealing context.
 */
static void test_client_filecrypt_resume_chunk(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct client_filecrypt *fc = NULL;
	uint8_t buf[CHUNK];
	struct sealed s;
	uint64_t i;
	int flip;

	seal_file(ctx, 5 * CHUNK + 7, 12, &s);
	for (flip = 0; flip < 2; flip++) {
		assert_int_equal(client_filecrypt_open_new(ctx, &s.ref, &fc), 0);
		for (i = 0; i < 3; i++) {
			memcpy(buf, s.pt + i * CHUNK, CHUNK);
			if (flip && i == 1) buf[17] ^= 0x40;
			assert_int_equal(client_filecrypt_resume_chunk(fc, i, buf, CHUNK), 0);
		}
		assert_int_equal(client_filecrypt_resume_chunk(fc, 0, buf, CHUNK - 1),
		                 KENH_E_INVALID_ARG);
		assert_int_equal(client_filecrypt_resume_chunk(fc, s.n, buf, 0),
		                 KENH_E_INVALID_ARG);
		memset(buf, 0, sizeof(buf));
		assert_int_equal(client_filecrypt_resume_chunk(fc, 0, buf, CHUNK), KENH_E_STATE);
		assert_int_equal(client_filecrypt_finish(fc, s.ref.hash, NULL), KENH_E_STATE);
		for (i = 3; i < s.n; i++)
			assert_int_equal(
			        client_filecrypt_open_chunk(fc, i, s.ct[i], s.ctlen[i], buf), 0);
		assert_int_equal(client_filecrypt_finish(fc, s.ref.hash, NULL),
		                 flip ? KENH_E_VERIFY : 0);
		client_filecrypt_free(fc);
	}
	assert_int_equal(client_filecrypt_seal_new(ctx, s.size, CHUNK, &fc), 0);
	assert_int_equal(client_filecrypt_resume_chunk(fc, 0, s.pt, CHUNK), KENH_E_INVALID_ARG);
	client_filecrypt_free(fc);
	sealed_free(&s);
}

/* ---------------------------------------------------------- state decoder */

static int restore_copy(struct kenh_ctx *ctx, const uint8_t *p, size_t n)
{
	struct client_filecrypt *fc = NULL;
	uint8_t *copy = NULL;
	int rc;

	assert_int_equal(mem_dup(p, n, &copy), 0);
	rc = client_filecrypt_restore(ctx, span_make(copy, n), &fc);
	client_filecrypt_free(fc);
	mem_free(copy);
	return rc;
}

static void test_client_filecrypt_state_negatives(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct client_filecrypt *fc = NULL;
	uint8_t *st = NULL, *v = NULL, pt[CHUNK], ct[CHUNK + CLIENT_FILE_TAG];
	size_t len = 0, n;

	memset(pt, 1, sizeof(pt));
	/* 9 chunks: a bitmap of 2 bytes with 7 unused bits. */
	assert_int_equal(client_filecrypt_seal_new(ctx, 9 * CHUNK, CHUNK, &fc), 0);
	assert_int_equal(client_filecrypt_seal_chunk(fc, 3, pt, CHUNK, ct), 0);
	assert_int_equal(client_filecrypt_save(fc, &st, &len), 0);
	client_filecrypt_free(fc);
	assert_int_equal(restore_copy(ctx, st, len), 0);
	for (n = 0; n < len; n++) {
		if (restore_copy(ctx, st, n) != KENH_E_TRUNCATED) fail_msg("prefix %zu", n);
	}
	assert_int_equal(mem_alloc(len + 4, (void **)&v), 0);
	memcpy(v, st, len);
	v[len] = 0;
	assert_int_equal(restore_copy(ctx, v, len + 1), KENH_E_TRAILING);
	/* Layout: version(2) mode(1) key(32) size(8) chunk(4) done<V>(1+2) hashes<V>(2+288). */
	v[1] = 2;
	assert_int_equal(restore_copy(ctx, v, len), KENH_E_UNSUPPORTED);
	v[1] = 1;
	v[2] = 3;
	assert_int_equal(restore_copy(ctx, v, len), KENH_E_PARSE);
	v[2] = 1;
	store_be32(v + 43, CLIENT_MIN_CHUNK - 1);
	assert_int_equal(restore_copy(ctx, v, len), KENH_E_PARSE);
	store_be32(v + 43, 2 * CHUNK); /* 5 chunks: the bitmap has a byte too many */
	assert_int_equal(restore_copy(ctx, v, len), KENH_E_PARSE);
	store_be32(v + 43, CHUNK);
	assert_int_equal(v[47], 2);
	v[49] = 0x02; /* an unused bit of the bitmap */
	assert_int_equal(restore_copy(ctx, v, len), KENH_E_PARSE);
	v[49] = 0;
	assert_int_equal(restore_copy(ctx, v, len), 0);
	/* The bitmap's length as a non-minimal varint, then the 11 prefix. */
	memcpy(v, st, 47);
	v[47] = 0x40;
	memcpy(v + 48, st + 47, len - 47);
	assert_int_equal(restore_copy(ctx, v, len + 1), KENH_E_PARSE);
	v[47] = 0xc0;
	assert_int_equal(restore_copy(ctx, v, len + 1), KENH_E_PARSE);
	mem_free(v);
	sec_free(st, len);
	/* A bitmap one byte over its maximum. */
	{
		struct codec_writer w;
		struct tu_bytes b;
		static uint8_t zeros[CLIENT_FILE_MAX_CHUNKS / 8 + 1];

		codec_writer_init(&w, 1u << 20, CODEC_WRITER_NORMAL);
		codec_write_u16(&w, 1);
		codec_write_u8(&w, 1);
		codec_write_bytes(&w, zeros, 32);
		codec_write_u64(&w, 1);
		codec_write_u32(&w, CHUNK);
		codec_write_opaque(&w, zeros, sizeof(zeros));
		codec_write_opaque(&w, zeros, 32);
		assert_int_equal(codec_writer_finish(&w, &b.p, &b.len), 0);
		codec_writer_clear(&w);
		assert_int_equal(restore_copy(ctx, b.p, b.len), KENH_E_TOO_LARGE);
		tu_bytes_free(&b);
	}
}

#ifdef KENH_FAULT_INJECT
static int oom_cycle(struct kenh_ctx *ctx)
{
	struct client_filecrypt *fc = NULL, *back = NULL;
	uint8_t pt[100], ct[100 + CLIENT_FILE_TAG], *st = NULL;
	size_t len = 0;
	int rc;

	memset(pt, 3, sizeof(pt));
	if ((rc = client_filecrypt_seal_new(ctx, 100, CHUNK, &fc)) != 0) return rc;
	if ((rc = client_filecrypt_seal_chunk(fc, 0, pt, 100, ct)) != 0) goto out;
	if ((rc = client_filecrypt_save(fc, &st, &len)) != 0) goto out;
	rc = client_filecrypt_restore(ctx, span_make(st, len), &back);
out:
	sec_free(st, len);
	client_filecrypt_free(fc);
	client_filecrypt_free(back);
	return rc;
}

static void test_client_filecrypt_allocation_failures(void **state)
{
	unsigned long n;
	int rc = -1;

	for (n = 1; n < 100; n++) {
		mem_fault_set(n, 0);
		rc = oom_cycle(*state);
		if (mem_fault_hits() == 0) break;
		mem_fault_set(0, 0);
		assert_int_equal(rc, KENH_E_NOMEM);
	}
	mem_fault_set(0, 0);
	assert_int_equal(rc, 0);
	assert_true(n >= 4);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_filecrypt_round_trip),
		cmocka_unit_test(test_client_filecrypt_content_hash),
		cmocka_unit_test(test_client_filecrypt_format),
		cmocka_unit_test(test_client_filecrypt_reorder_duplicate),
		cmocka_unit_test(test_client_filecrypt_truncation),
		cmocka_unit_test(test_client_filecrypt_bit_flips),
		cmocka_unit_test(test_client_filecrypt_reseal),
		cmocka_unit_test(test_client_filecrypt_resume),
		cmocka_unit_test(test_client_filecrypt_resume_chunk),
		cmocka_unit_test(test_client_filecrypt_state_negatives),
#ifdef KENH_FAULT_INJECT
		cmocka_unit_test(test_client_filecrypt_allocation_failures),
#endif
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
