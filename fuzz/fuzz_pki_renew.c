/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Fuzz target for crypto_renew_csr_verify (lib/crypto/pki_renew.c,
 * docs/pki.md "Renewal request"; STYLE R17.8): renewal requests as the
 * relay receives them in RENEW_SUBMIT and the authority in ENROLL_LIST.
 * Checked: 0 or a KENH_E_* code, zeros on failure, valid names, a valid
 * device id, a serial of 1..20 bytes and a key size of the two schemes
 * on success.
 */
#include "fuzz.h"

#include "util/compat.h"

#include "crypto/pki.h"
#include "kenh/kenh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct crypto_renew_info zero;
	struct crypto_renew_info info;
	struct kenh_ctx *ctx = NULL;
	int rc;

	FUZZ_CHECK(kenh_ctx_new(&ctx) == 0);
	rc = crypto_renew_csr_verify(ctx, data, size, &info);
	FUZZ_CHECK(rc <= 0 && rc > KENH_E_LAST);
	if (rc == 0) {
		FUZZ_CHECK(crypto_user_is_valid(info.user));
		FUZZ_CHECK(crypto_unit_path_is_valid(info.unit));
		FUZZ_CHECK(crypto_device_id_is_valid(info.device));
		FUZZ_CHECK(info.serial.len >= 1 && info.serial.len <= CRYPTO_PKI_SERIAL_MAX);
		FUZZ_CHECK(info.pklen == 32 || info.pklen == 65);
	} else {
		FUZZ_CHECK(memcmp(&info, &zero, sizeof(info)) == 0);
	}
	kenh_ctx_free(ctx);
	return 0;
}
