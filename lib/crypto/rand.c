/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The CSPRNG: OpenSSL's DRBG of the context's own library context (NIST
 * SP 800-90A CTR-DRBG seeded from the operating system), which is what
 * HPKE's ephemeral keys (RFC 9180 §4.1 GenerateKeyPair), MLS path secrets
 * and init secrets (RFC 9420 §7.4, §8) and reuse guards (§6.3.1) draw from.
 */
#include "crypto/crypto.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/rand.h>

#include "util/compat.h"

#include "crypto/crypto_int.h"
#include "util/ctx.h"
#include "util/util.h"

int crypto_random(const struct kenh_ctx *ctx, uint8_t *buf, size_t len)
{
	const struct crypto_provider *p = ctx->crypto;

	if (len == 0) return 0;
	if (RAND_bytes_ex(p->libctx, buf, len, 0) != 1) {
		crypto_err_drain(p, __func__);
		return KENH_ERR(KENH_E_CRYPTO);
	}
	return 0;
}
