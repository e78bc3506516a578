/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Fuzz target for crypto_csr_verify (lib/crypto/pki_enroll.c, docs/pki.md
 * "Request binding"; STYLE R17.8): certificate requests with their
 * enrollment binding, as the relay will receive them from devices that
 * have no certificate yet. Checked: 0 or a KENH_E_* code, zeros on
 * failure, valid names and key sizes on success.
 */
#include "fuzz.h"

#include "util/compat.h"

#include "crypto/pki.h"
#include "kenh/kenh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct crypto_csr_info zero;
	struct crypto_csr_info info;
	struct kenh_ctx *ctx = NULL;
	int rc;

	FUZZ_CHECK(kenh_ctx_new(&ctx) == 0);
	rc = crypto_csr_verify(ctx, data, size, &info);
	FUZZ_CHECK(rc <= 0 && rc > KENH_E_LAST);
	if (rc == 0) {
		FUZZ_CHECK(crypto_user_is_valid(info.user));
		FUZZ_CHECK(crypto_unit_path_is_valid(info.unit));
		FUZZ_CHECK(info.pklen == 32 || info.pklen == 65);
	} else {
		FUZZ_CHECK(memcmp(&info, &zero, sizeof(info)) == 0);
	}
	kenh_ctx_free(ctx);
	return 0;
}
