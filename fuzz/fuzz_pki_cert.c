/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Fuzz target for crypto_cert_parse (lib/crypto/pki_cert.c, docs/pki.md
 * "Certificate profiles"; STYLE R17.8). Checked: the result is 0 or a
 * KENH_E_* code, the same on a second parse, the output is all zeros on
 * failure, and what a success reports obeys the profile's name rules. A
 * parsed root is also tried as a trust anchor, and must then validate
 * itself at its notBefore.
 */
#include "fuzz.h"

#include "util/compat.h"

#include "crypto/pki.h"
#include "kenh/kenh.h"

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0) return false;
	return true;
}

static void check_info(const struct crypto_cert_info *a)
{
	FUZZ_CHECK(a->kind == CRYPTO_CERT_ROOT || a->kind == CRYPTO_CERT_UNIT ||
	           a->kind == CRYPTO_CERT_DEVICE);
	FUZZ_CHECK(crypto_org_is_valid(a->org));
	FUZZ_CHECK(a->not_before <= a->not_after);
	FUZZ_CHECK(a->serial.len >= 1 && a->serial.len <= CRYPTO_PKI_SERIAL_MAX);
	FUZZ_CHECK(a->pklen == 32 || a->pklen == 65);
	if (a->kind != CRYPTO_CERT_ROOT) FUZZ_CHECK(crypto_unit_path_is_valid(a->unit));
	if (a->kind == CRYPTO_CERT_DEVICE) {
		FUZZ_CHECK(crypto_user_is_valid(a->user));
		FUZZ_CHECK(crypto_device_id_is_valid(a->device));
	}
}

static void try_anchor(struct kenh_ctx *ctx, const uint8_t *data, size_t size,
                       const struct crypto_cert_info *a)
{
	struct crypto_trust *t = NULL;
	struct crypto_cert_info self;

	if (crypto_trust_new(ctx, data, size, &t) != 0) return;
	FUZZ_CHECK(crypto_trust_verify_ca(t, data, size, a->not_before, &self) == 0);
	FUZZ_CHECK(self.kind == CRYPTO_CERT_ROOT);
	crypto_trust_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct crypto_cert_info a, b;
	struct kenh_ctx *ctx = NULL;
	int ra, rb;

	FUZZ_CHECK(kenh_ctx_new(&ctx) == 0);
	ra = crypto_cert_parse(ctx, data, size, &a);
	rb = crypto_cert_parse(ctx, data, size, &b);
	FUZZ_CHECK(ra == rb && ra <= 0 && ra > KENH_E_LAST);
	if (ra == 0) {
		FUZZ_CHECK(memcmp(&a, &b, sizeof(a)) == 0);
		check_info(&a);
		if (a.kind == CRYPTO_CERT_ROOT) try_anchor(ctx, data, size, &a);
	} else {
		FUZZ_CHECK(all_zero(&a, sizeof(a)));
	}
	kenh_ctx_free(ctx);
	return 0;
}
