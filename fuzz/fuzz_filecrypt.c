/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Fuzz target for chunked file encryption (lib/client/filecrypt*.c, STYLE
 * R17.8). The first byte selects what the rest is:
 *
 *   even: a saved FileCryptState, restored; if it restores, saving it again
 *         must give the same bytes (the encoding is canonical);
 *   odd:  a chunk of a fixed 2-chunk file (4106 bytes, chunks of 4096,
 *         the key below): the next byte is the chunk index (mod 2), the
 *         rest its ciphertext. Opening returns 0 only for the one genuine
 *         ciphertext of that index, else KENH_E_DECRYPT, and a failure
 *         leaves the output wiped.
 *
 * Seeds (fuzz/corpus/filecrypt): a state with one chunk done, and both
 * genuine chunks of the fixed file, whose plaintext is 4106 bytes of 'k'.
 */
#include "fuzz.h"

#include "util/compat.h"

#include "client/client_filecrypt.h"
#include "kenh/kenh.h"
#include "util/mem.h"

static const uint8_t fixed_key[CLIENT_FILE_KEY_LEN] = {
	0x00, 0x07, 0x0e, 0x15, 0x1c, 0x23, 0x2a, 0x31, 0x38, 0x3f, 0x46,
	0x4d, 0x54, 0x5b, 0x62, 0x69, 0x70, 0x77, 0x7e, 0x85, 0x8c, 0x93,
	0x9a, 0xa1, 0xa8, 0xaf, 0xb6, 0xbd, 0xc4, 0xcb, 0xd2, 0xd9,
};

#define FIXED_SIZE  4106u
#define FIXED_CHUNK 4096u

static void fuzz_state(struct kenh_ctx *ctx, struct kenh_span in)
{
	struct client_filecrypt *fc = NULL;
	uint8_t *again = NULL;
	size_t len = 0;
	int rc;

	rc = client_filecrypt_restore(ctx, in, &fc);
	FUZZ_CHECK(rc == 0 || rc == KENH_E_TRUNCATED || rc == KENH_E_TRAILING ||
	           rc == KENH_E_PARSE || rc == KENH_E_TOO_LARGE || rc == KENH_E_UNSUPPORTED);
	if (rc != 0) {
		FUZZ_CHECK(fc == NULL);
		return;
	}
	FUZZ_CHECK(client_filecrypt_save(fc, &again, &len) == 0);
	FUZZ_CHECK(len == in.len && memcmp(again, in.p, len) == 0);
	sec_free(again, len);
	client_filecrypt_free(fc);
}

static void fuzz_chunk(struct kenh_ctx *ctx, struct kenh_span in)
{
	struct client_filecrypt *fc = NULL;
	struct client_file ref;
	uint8_t out[FIXED_CHUNK];
	uint64_t i;
	size_t k, n;
	int rc;

	if (in.len == 0) return;
	memset(&ref, 0, sizeof(ref));
	memcpy(ref.key, fixed_key, sizeof(fixed_key));
	ref.size = FIXED_SIZE;
	ref.chunk_size = FIXED_CHUNK;
	FUZZ_CHECK(client_filecrypt_open_new(ctx, &ref, &fc) == 0);
	i = in.p[0] % 2;
	n = client_filecrypt_chunk_len(fc, i);
	memset(out, 0xee, sizeof(out));
	rc = client_filecrypt_open_chunk(fc, i, in.p + 1, in.len - 1, out);
	FUZZ_CHECK(rc == 0 || rc == KENH_E_DECRYPT);
	for (k = 0; k < n; k++)
		FUZZ_CHECK(rc == 0 ? out[k] == 'k' : (out[k] == 0 || out[k] == 0xee));
	client_filecrypt_free(fc);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kenh_ctx *ctx = NULL;

	if (size == 0) return 0;
	FUZZ_CHECK(kenh_ctx_new(&ctx) == 0);
	if ((data[0] & 1) == 0) {
		fuzz_state(ctx, span_make(data + 1, size - 1));
	} else {
		fuzz_chunk(ctx, span_make(data + 1, size - 1));
	}
	kenh_ctx_free(ctx);
	return 0;
}
