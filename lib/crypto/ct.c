/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Constant-time equality (STYLE R5.4) for MACs, tags and confirmation values
 * such as RFC 9420 §6.2 membership tags and §6.1 confirmation tags. It is
 * OpenSSL's CRYPTO_memcmp, whose running time depends on len only; we write
 * no constant-time code of our own for it.
 */
#include "crypto/crypto.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/crypto.h>

#include "util/compat.h"

bool crypto_ct_eq(const uint8_t *a, const uint8_t *b, size_t len)
{
	return len == 0 || CRYPTO_memcmp(a, b, len) == 0;
}
