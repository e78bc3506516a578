/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Fuzz target for crypto_wipe_parse (lib/crypto/pki_wipe.c, docs/pki.md
 * "Wipe order"; STYLE R17.8): the byte-by-byte decoder of a wipe order,
 * the one format in crypto/ that is our own. Checked: 0 or a KENH_E_*
 * code, zeros on failure, a valid device id on success, and that any
 * prefix of an accepted order is refused.
 */
#include "fuzz.h"

#include "util/compat.h"

#include "crypto/pki.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct crypto_wipe_order zero;
	struct crypto_wipe_order o;
	size_t i;
	int rc;

	rc = crypto_wipe_parse(data, size, &o);
	FUZZ_CHECK(rc <= 0 && rc > KENH_E_LAST);
	if (rc != 0) {
		FUZZ_CHECK(memcmp(&o, &zero, sizeof(o)) == 0);
		return 0;
	}
	FUZZ_CHECK(crypto_device_id_is_valid(o.device));
	for (i = 0; i < size; i++)
		FUZZ_CHECK(crypto_wipe_parse(data, i, &o) != 0);
	return 0;
}
