/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Fuzz target for crypto_keyfile_open (lib/crypto/keyfile.c, docs/pki.md
 * "Key files"; STYLE R17.8) with the passphrase of the corpus seeds.
 * Inputs whose header asks for more Argon2id work than a seed (8 MiB, one
 * pass, one lane) are skipped: the decoder bounds them (tested in
 * test_pki), but running them would only make the fuzzer slow. Checked:
 * 0 or a KENH_E_* code, the key wiped on failure, a consistent key on
 * success.
 */
#include "fuzz.h"

#include "util/compat.h"

#include "crypto/keyfile.h"
#include "crypto/pki.h"
#include "kenh/kenh.h"

#define SEED_PASS "fuzz seed passphrase"

static bool too_costly(const uint8_t *data, size_t size)
{
	return size >= 22 && (load_be32(data + 10) > 8192 || load_be32(data + 14) > 1 ||
	                      load_be32(data + 18) > 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct crypto_sigkey zero;
	struct kenh_ctx *ctx = NULL;
	struct crypto_sigkey k, again;
	int rc;

	if (too_costly(data, size)) return 0;
	FUZZ_CHECK(kenh_ctx_new(&ctx) == 0);
	rc = crypto_keyfile_open(ctx, span_make(data, size),
	                         span_make((const uint8_t *)SEED_PASS, sizeof(SEED_PASS) - 1), &k);
	FUZZ_CHECK(rc <= 0 && rc > KENH_E_LAST);
	if (rc == 0) {
		FUZZ_CHECK(crypto_sigkey_from_sk(ctx, k.sig_id, k.sk, k.sklen, &again) == 0);
		FUZZ_CHECK(memcmp(again.pk, k.pk, k.pklen) == 0);
		crypto_sigkey_clear(&again);
	} else {
		FUZZ_CHECK(memcmp(&k, &zero, sizeof(k)) == 0);
	}
	crypto_sigkey_clear(&k);
	kenh_ctx_free(ctx);
	return 0;
}
