/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Throughput of chunked file encryption (lib/client/filecrypt.c, STYLE
 * R17.10): sealing and opening a 64 MiB file in 1 MiB chunks, against a
 * reference written here with OpenSSL's EVP API that does the same work per
 * chunk (AES-256-GCM with the same nonce and associated data, and the
 * SHA-256 of the plaintext that the content hash needs) and nothing else.
 * After a warm-up, each side runs RUNS times back to back; the figures are
 * medians, the ratio the median of the paired ratios. What the ratio shows
 * is the cost of our wrapping (argument checks, the bookkeeping of chunks
 * done, the crypto provider's per-call setup), not of the algorithms.
 */
#include "client/client_filecrypt.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "util/compat.h"

#include <time.h>

#include "kenh/kenh.h"
#include "tu_bench.h"
#include "util/mem.h"

#define RUNS   9
#define CHUNK  (1u << 20)
#define NCHUNK 64u
#define SIZE   ((uint64_t)CHUNK * NCHUNK)

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double ours_seal(struct kenh_ctx *ctx, const uint8_t *pt, uint8_t *ct)
{
	struct client_filecrypt *fc = NULL;
	uint8_t hash[CLIENT_HASH_LEN];
	double t0 = now_s();
	uint64_t i;

	if (client_filecrypt_seal_new(ctx, SIZE, CHUNK, &fc) != 0) abort();
	for (i = 0; i < NCHUNK; i++) {
		if (client_filecrypt_seal_chunk(fc, i, pt + i * CHUNK, CHUNK,
		                                ct + i * (CHUNK + CLIENT_FILE_TAG)) != 0)
			abort();
	}
	if (client_filecrypt_finish(fc, NULL, hash) != 0) abort();
	client_filecrypt_free(fc);
	return now_s() - t0;
}

/* The same per-chunk work straight on EVP: nonce, AAD, GCM, SHA-256; then the hash of hashes. */
static double ref_seal(const uint8_t key[32], const uint8_t *pt, uint8_t *ct)
{
	static uint8_t hashes[29 + NCHUNK * 32];
	EVP_CIPHER *aes = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t nonce[12] = { 0 }, aad[33], top[32];
	double t0 = now_s();
	uint64_t i;
	int n;

	memcpy(aad, "kenh file v1", 12);
	store_be64(aad + 12, SIZE);
	store_be32(aad + 20, CHUNK);
	for (i = 0; i < NCHUNK; i++) {
		uint8_t *out = ct + i * (CHUNK + 16);

		store_be64(nonce + 4, i);
		store_be64(aad + 24, i);
		aad[32] = (uint8_t)(i + 1 == NCHUNK);
		if (EVP_EncryptInit_ex2(c, aes, key, nonce, NULL) != 1 ||
		    EVP_EncryptUpdate(c, NULL, &n, aad, sizeof(aad)) != 1 ||
		    EVP_EncryptUpdate(c, out, &n, pt + i * CHUNK, CHUNK) != 1 ||
		    EVP_EncryptFinal_ex(c, out + n, &n) != 1 ||
		    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, out + CHUNK) != 1)
			abort();
		SHA256(pt + i * CHUNK, CHUNK, hashes + 29 + i * 32);
	}
	SHA256(hashes, sizeof(hashes), top);
	EVP_CIPHER_CTX_free(c);
	EVP_CIPHER_free(aes);
	return now_s() - t0;
}

static double ref_open(const uint8_t key[32], const uint8_t *ct, uint8_t *pt)
{
	static uint8_t hashes[29 + NCHUNK * 32];
	EVP_CIPHER *aes = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	uint8_t nonce[12] = { 0 }, aad[33], top[32];
	double t0 = now_s();
	uint64_t i;
	int n;

	memcpy(aad, "kenh file v1", 12);
	store_be64(aad + 12, SIZE);
	store_be32(aad + 20, CHUNK);
	for (i = 0; i < NCHUNK; i++) {
		const uint8_t *in = ct + i * (CHUNK + 16);
		uint8_t *out = pt + i * CHUNK;

		store_be64(nonce + 4, i);
		store_be64(aad + 24, i);
		aad[32] = (uint8_t)(i + 1 == NCHUNK);
		if (EVP_DecryptInit_ex2(c, aes, key, nonce, NULL) != 1 ||
		    EVP_DecryptUpdate(c, NULL, &n, aad, sizeof(aad)) != 1 ||
		    EVP_DecryptUpdate(c, out, &n, in, CHUNK) != 1 ||
		    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, 16,
		                        (void *)(uintptr_t)(in + CHUNK)) != 1 ||
		    EVP_DecryptFinal_ex(c, out + n, &n) != 1)
			abort();
		SHA256(out, CHUNK, hashes + 29 + i * 32);
	}
	SHA256(hashes, sizeof(hashes), top);
	EVP_CIPHER_CTX_free(c);
	EVP_CIPHER_free(aes);
	return now_s() - t0;
}

static double ours_open(struct kenh_ctx *ctx, const struct client_file *ref, const uint8_t *ct,
                        uint8_t *pt)
{
	struct client_filecrypt *fc = NULL;
	double t0 = now_s();
	uint64_t i;

	if (client_filecrypt_open_new(ctx, ref, &fc) != 0) abort();
	for (i = 0; i < NCHUNK; i++) {
		if (client_filecrypt_open_chunk(fc, i, ct + i * (CHUNK + CLIENT_FILE_TAG),
		                                CHUNK + CLIENT_FILE_TAG, pt + i * CHUNK) != 0)
			abort();
	}
	if (client_filecrypt_finish(fc, ref->hash, NULL) != 0) abort();
	client_filecrypt_free(fc);
	return now_s() - t0;
}

static void report(const char *what, double *ours, double *ref, double *ratio)
{
	double mib = (double)SIZE / (1024.0 * 1024.0);
	double r = tu_bench_median(ratio, RUNS);

	printf("%-6s ours %7.1f MiB/s   reference %7.1f MiB/s   ratio %.3f%s\n", what,
	       mib / tu_bench_median(ours, RUNS), mib / tu_bench_median(ref, RUNS), r,
	       r > 1.05 ? "  (over 5%)" : "");
}

int main(void)
{
	double so[RUNS], sr[RUNS], sx[RUNS], oo[RUNS], orf[RUNS], ox[RUNS];
	struct client_filecrypt *fc = NULL;
	struct kenh_ctx *ctx = NULL;
	struct client_file ref;
	void *a = NULL, *b = NULL, *c = NULL, *d = NULL;
	size_t i;

	if (kenh_ctx_new(&ctx) != 0 || mem_alloc(SIZE, &a) != 0 ||
	    mem_alloc(NCHUNK * (CHUNK + 16), &b) != 0 || mem_alloc(SIZE, &c) != 0 ||
	    mem_alloc(NCHUNK * (CHUNK + 16), &d) != 0)
		return 1;
	memset(a, 0x5a, SIZE);
	memset(&ref, 0, sizeof(ref));
	/* One sealing to learn the key and hash the opening side needs. */
	if (client_filecrypt_seal_new(ctx, SIZE, CHUNK, &fc) != 0) return 1;
	for (i = 0; i < NCHUNK; i++) {
		if (client_filecrypt_seal_chunk(fc, i, (uint8_t *)a + i * CHUNK, CHUNK,
		                                (uint8_t *)b + i * (CHUNK + 16)) != 0)
			return 1;
	}
	if (client_filecrypt_finish(fc, NULL, ref.hash) != 0) return 1;
	client_filecrypt_key(fc, ref.key);
	client_filecrypt_free(fc);
	ref.size = SIZE;
	ref.chunk_size = CHUNK;
	printf("file of %u MiB in %u chunks of 1 MiB, %d runs\n", NCHUNK, NCHUNK, RUNS);
	/* Warm-up; a holds the plaintext, b its ciphertext, c and d are scratch. */
	(void)ours_seal(ctx, a, d);
	(void)ref_seal(ref.key, a, d);
	for (i = 0; i < RUNS; i++) {
		so[i] = ours_seal(ctx, a, d);
		sr[i] = ref_seal(ref.key, a, d);
		sx[i] = so[i] / sr[i];
	}
	for (i = 0; i < RUNS; i++) {
		oo[i] = ours_open(ctx, &ref, b, c);
		orf[i] = ref_open(ref.key, b, c);
		ox[i] = oo[i] / orf[i];
	}
	report("seal", so, sr, sx);
	report("open", oo, orf, ox);
	kenh_ctx_free(ctx);
	mem_free(a);
	mem_free(b);
	mem_free(c);
	mem_free(d);
	return 0;
}
