/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Fuzz target for lib/hpke (STYLE R17.8): OpenBase (RFC 9180 §6.1), as RFC
 * 9420 §5.1.3 DecryptWithLabel uses it, against a fixed recipient. Input:
 *
 *   suite (1 byte, mod 4) || enc (Nenc bytes) || n (1 byte) || aad (n bytes) || ct
 *
 * The suites are DHKEM(X25519) and DHKEM(P-256), each with HKDF-SHA256 and
 * AES-128-GCM or ChaCha20Poly1305. Each suite's recipient key and info are
 * those of its base-mode case in RFC 9180 Appendix A (DeriveKeyPair of the
 * published ikmR), so tools/extract-seeds.sh takes valid ciphertexts
 * straight from the vectors. A short input is not padded: enc and aad
 * take what is there. Checked: the open returns 0 or KENH_E_DECRYPT (every
 * cause a peer controls is one code, STYLE R3.11), and after a failure the
 * output holds no plaintext (R5.5). No state is kept between inputs.
 */
#include "fuzz.h"

#include "util/compat.h"

#include <string.h>

#include "crypto/crypto.h"
#include "hpke/hpke.h"
#include "kenh/kenh.h"
#include "util/mem.h"

struct suite_ids {
	uint16_t kem, aead;
	uint8_t ikm_r[32]; /* RFC 9180 Appendix A, the suite's base-mode ikmR */
};

static const struct suite_ids suites[] = {
	{ CRYPTO_KEM_X25519_SHA256,
	  CRYPTO_AEAD_AES128GCM,
	  { 0x6d, 0xb9, 0xdf, 0x30, 0xaa, 0x07, 0xdd, 0x42, 0xee, 0x5e, 0x81,
	    0x81, 0xaf, 0xdb, 0x97, 0x7e, 0x53, 0x8f, 0x5e, 0x1f, 0xec, 0x8a,
	    0x06, 0x22, 0x3f, 0x33, 0xf7, 0x01, 0x3e, 0x52, 0x50, 0x37 } },
	{ CRYPTO_KEM_X25519_SHA256,
	  CRYPTO_AEAD_CHACHA20POLY1305,
	  { 0x1a, 0xc0, 0x1f, 0x18, 0x1f, 0xdf, 0x9f, 0x35, 0x27, 0x97, 0x65,
	    0x51, 0x61, 0xc5, 0x8b, 0x75, 0xc6, 0x56, 0xa6, 0xcc, 0x27, 0x16,
	    0xdc, 0xb6, 0x63, 0x72, 0xda, 0x83, 0x55, 0x42, 0xe1, 0xdf } },
	{ CRYPTO_KEM_P256_SHA256,
	  CRYPTO_AEAD_AES128GCM,
	  { 0x66, 0x8b, 0x37, 0x17, 0x1f, 0x10, 0x72, 0xf3, 0xcf, 0x12, 0xea,
	    0x8a, 0x23, 0x6a, 0x45, 0xdf, 0x23, 0xfc, 0x13, 0xb8, 0x2a, 0xf3,
	    0x60, 0x9a, 0xd1, 0xe3, 0x54, 0xf6, 0xef, 0x81, 0x75, 0x50 } },
	{ CRYPTO_KEM_P256_SHA256,
	  CRYPTO_AEAD_CHACHA20POLY1305,
	  { 0x61, 0x09, 0x2f, 0x3f, 0x56, 0x99, 0x4d, 0xd4, 0x24, 0x40, 0x58,
	    0x99, 0x15, 0x4a, 0x99, 0x18, 0x35, 0x3e, 0x3e, 0x00, 0x81, 0x71,
	    0x51, 0x7a, 0xd5, 0x76, 0xb9, 0x00, 0xdd, 0xb2, 0x75, 0xe7 } },
};

/* The info of every Appendix A case: "Ode on a Grecian Urn". */
static const char fixed_info[] = "Ode on a Grecian Urn";

/* A prefix of what is left, at most n bytes. */
static struct kenh_span take(const uint8_t **p, size_t *left, size_t n)
{
	struct kenh_span s;

	if (n > *left) n = *left;
	s = span_make(*p, n);
	*p += n;
	*left -= n;
	return s;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	uint8_t acc = 0;
	size_t i;

	for (i = 0; i < n; i++)
		acc |= p[i];
	return acc == 0;
}

/* Split the input and open it against the suite's fixed recipient. */
static void open_input(const struct hpke_suite *s, const struct suite_ids *ids, const uint8_t *data,
                       size_t size)
{
	uint8_t sk[CRYPTO_MAX_KEM_SK], pk[CRYPTO_MAX_KEM_PK];
	struct hpke_open_base_args a;
	void *pt = NULL;
	size_t n, ptlen;
	int rc;

	memset(&a, 0, sizeof(a));
	FUZZ_CHECK(hpke_derive_keypair(s, span_make(ids->ikm_r, sizeof(ids->ikm_r)), sk, pk) == 0);
	a.enc = take(&data, &size, s->kem->npk);
	n = size != 0 ? data[0] : 0;
	(void)take(&data, &size, 1);
	a.aad = take(&data, &size, n);
	a.ct = take(&data, &size, size);
	a.sk_r = span_make(sk, s->kem->nsk);
	a.info = span_make((const uint8_t *)fixed_info, sizeof(fixed_info) - 1);
	ptlen = a.ct.len > s->aead->nt ? a.ct.len - s->aead->nt : 0;
	FUZZ_CHECK(mem_calloc(1, ptlen, &pt) == 0);
	rc = hpke_open_base(s, &a, pt);
	FUZZ_CHECK(rc == 0 || rc == KENH_E_DECRYPT);
	FUZZ_CHECK(rc == 0 || all_zero(pt, ptlen));
	sec_free(pt, ptlen);
	sec_zero(sk, sizeof(sk));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kenh_ctx *ctx = NULL;
	struct hpke_suite s;
	const struct suite_ids *ids;

	if (size == 0) return 0;
	ids = &suites[data[0] % ARRAY_LEN(suites)];
	FUZZ_CHECK(kenh_ctx_new(&ctx) == 0);
	FUZZ_CHECK(hpke_suite_init(ctx, ids->kem, CRYPTO_KDF_HKDF_SHA256, ids->aead, &s) == 0);
	open_input(&s, ids, data + 1, size - 1);
	kenh_ctx_free(ctx);
	return 0;
}
