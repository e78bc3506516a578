/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Fuzz target for crypto_crl_parse and the CRL accessors (lib/crypto/
 * pki_crl.c, RFC 5280 §5; STYLE R17.8). On success every entry must read
 * back, each listed serial must be found by crypto_crl_has_serial, and
 * reading past the end must be refused.
 */
#include "fuzz.h"

#include "util/compat.h"

#include "crypto/pki.h"
#include "kenh/kenh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kenh_ctx *ctx = NULL;
	struct crypto_crl *crl = NULL;
	struct crypto_crl_entry e;
	struct crypto_crl_meta m;
	size_t i;
	int rc;

	FUZZ_CHECK(kenh_ctx_new(&ctx) == 0);
	rc = crypto_crl_parse(ctx, data, size, &crl);
	FUZZ_CHECK(rc <= 0 && rc > KENH_E_LAST);
	FUZZ_CHECK((rc == 0) == (crl != NULL));
	if (rc == 0) {
		crypto_crl_meta(crl, &m);
		for (i = 0; i < m.count; i++) {
			FUZZ_CHECK(crypto_crl_entry_get(crl, i, &e) == 0);
			FUZZ_CHECK(crypto_crl_has_serial(crl, &e.serial));
		}
		FUZZ_CHECK(crypto_crl_entry_get(crl, m.count, &e) == KENH_E_INVALID_ARG);
	}
	crypto_crl_free(crl);
	kenh_ctx_free(ctx);
	return 0;
}
