/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests of the crypto provider (lib/crypto): known answers for SHA-2,
 * HMAC (RFC 4231 §4.3), HKDF (RFC 5869 §A.1, §A.3) and Ed25519 (RFC 8032
 * §7.1 test 1); HKDF-Expand against OpenSSL's own HKDF at every length
 * class; round trips of every algorithm of MLS suites 1-3 (RFC 9420 §17.1);
 * the flip-each-bit tests of STYLE R17.1 for AEAD open and signature
 * verification; the wiping of R5.5; the key checks of RFC 9180 §7.1.4
 * (P-256 scalar range, uncompressed points, all-zero X25519 output), also
 * for the ephemeral key generation joined to its DH (crypto_kem_keygen_dh);
 * and kenh_ctx_new under allocation failure (R17.5). After every call that
 * fails, OpenSSL's error queue must be empty (R3.9). Wycheproof vectors are
 * run by kenh-vectors, not here.
 */
#include "crypto/crypto.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kenh/kenh.h"
#include "util/mem.h"

/* The context shared by the tests of the group. */
static int setup_ctx(void **state)
{
	struct kenh_ctx *ctx = NULL;

	if (kenh_ctx_new(&ctx) != 0) return -1;
	*state = ctx;
	return 0;
}

static int teardown_ctx(void **state)
{
	kenh_ctx_free(*state);
	return 0;
}

static void unhex(const char *hex, uint8_t *out, size_t len)
{
	size_t i;
	unsigned int v;

	assert_int_equal(strlen(hex), 2 * len);
	for (i = 0; i < len; i++) {
		assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
		out[i] = (uint8_t)v;
	}
}

/* Every failed call must leave the OpenSSL error queue empty (STYLE R3.9). */
static void assert_queue_empty(void)
{
	unsigned long e = ERR_peek_error();

	ERR_clear_error();
	assert_int_equal(e, 0);
}

static void assert_all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		assert_int_equal(p[i], 0);
}

/* ---- hash, HMAC, HKDF ---- */

static void test_crypto_hash_known_answers(void **state)
{
	const struct crypto_kdf *kdf = crypto_kdf_get(*state, CRYPTO_KDF_HKDF_SHA256);
	uint8_t want[32], out[32], out2[32];

	unhex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", want, 32);
	assert_int_equal(crypto_hash(kdf, (const uint8_t *)"abc", 3, out), 0);
	assert_memory_equal(out, want, 32);
	/* hash2 is the hash of the concatenation, wherever it is split. */
	assert_int_equal(crypto_hash2(kdf, (const uint8_t *)"a", 1, (const uint8_t *)"bc", 2, out2),
	                 0);
	assert_memory_equal(out2, want, 32);
	assert_int_equal(crypto_hash2(kdf, (const uint8_t *)"abc", 3, NULL, 0, out2), 0);
	assert_memory_equal(out2, want, 32);
	unhex("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", want, 32);
	assert_int_equal(crypto_hash(kdf, NULL, 0, out), 0);
	assert_memory_equal(out, want, 32);
}

/* RFC 4231 §4.3 (test case 2), with SHA-256 and SHA-512. */
static void test_crypto_hmac_known_answers(void **state)
{
	static const char data[] = "what do ya want for nothing?";
	const struct crypto_kdf *k256 = crypto_kdf_get(*state, CRYPTO_KDF_HKDF_SHA256);
	const struct crypto_kdf *k512 = crypto_kdf_get(*state, CRYPTO_KDF_HKDF_SHA512);
	uint8_t want[64], out[64];

	unhex("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843", want, 32);
	assert_int_equal(crypto_hmac(k256, (const uint8_t *)"Jefe", 4, (const uint8_t *)data,
	                             sizeof(data) - 1, out),
	                 0);
	assert_memory_equal(out, want, 32);
	unhex("164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554"
	      "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
	      want, 64);
	assert_int_equal(k512->nh, 64);
	assert_int_equal(crypto_hmac(k512, (const uint8_t *)"Jefe", 4, (const uint8_t *)data,
	                             sizeof(data) - 1, out),
	                 0);
	assert_memory_equal(out, want, 64);
}

/* RFC 5869 §A.1 (test case 1) and §A.3 (test case 3: empty salt and info). */
static void test_crypto_hkdf_rfc5869(void **state)
{
	const struct crypto_kdf *kdf = crypto_kdf_get(*state, CRYPTO_KDF_HKDF_SHA256);
	uint8_t ikm[22], salt[13], info[10], prk[32], okm[42], want_prk[32], want_okm[42];
	size_t i;

	memset(ikm, 0x0b, sizeof(ikm));
	for (i = 0; i < sizeof(salt); i++)
		salt[i] = (uint8_t)i;
	for (i = 0; i < sizeof(info); i++)
		info[i] = (uint8_t)(0xf0 + i);
	unhex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5", want_prk, 32);
	unhex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
	      "34007208d5b887185865",
	      want_okm, 42);
	assert_int_equal(crypto_hkdf_extract(kdf, salt, sizeof(salt), ikm, sizeof(ikm), prk), 0);
	assert_memory_equal(prk, want_prk, 32);
	assert_int_equal(crypto_hkdf_expand(kdf, prk, 32, info, sizeof(info), okm, 42), 0);
	assert_memory_equal(okm, want_okm, 42);

	unhex("19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04", want_prk, 32);
	unhex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
	      "9d201395faa4b61a96c8",
	      want_okm, 42);
	assert_int_equal(crypto_hkdf_extract(kdf, NULL, 0, ikm, sizeof(ikm), prk), 0);
	assert_memory_equal(prk, want_prk, 32);
	assert_int_equal(crypto_hkdf_expand(kdf, prk, 32, NULL, 0, okm, 42), 0);
	assert_memory_equal(okm, want_okm, 42);
}

/* OpenSSL's HKDF in EXPAND_ONLY mode, as the reference for our expand. */
static void ref_hkdf_expand(const char *md, const uint8_t *prk, size_t prklen, const uint8_t *info,
                            size_t infolen, uint8_t *out, size_t outlen)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kctx = EVP_KDF_CTX_new(kdf);
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[5];

	params[0] =
	        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)(uintptr_t)md, 0);
	params[1] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)(uintptr_t)prk,
	                                              prklen);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, (void *)(uintptr_t)info,
	                                              infolen);
	params[4] = OSSL_PARAM_construct_end();
	assert_non_null(kctx);
	assert_int_equal(EVP_KDF_derive(kctx, out, outlen, params), 1);
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
}

/* Every block boundary and the maximum, for both hashes, against OpenSSL's HKDF. */
static void test_crypto_hkdf_expand_matches_openssl(void **state)
{
	static const uint16_t ids[] = { CRYPTO_KDF_HKDF_SHA256, CRYPTO_KDF_HKDF_SHA512 };
	static const char *const mds[] = { "SHA2-256", "SHA2-512" };
	const size_t lens[] = { 1, 31, 32, 33, 63, 64, 65, 100, 1000 };
	uint8_t prk[64], info[20], *ours = NULL, *ref = NULL;
	void *m1 = NULL, *m2 = NULL;
	size_t i, j, max;

	assert_int_equal(crypto_random(*state, prk, sizeof(prk)), 0);
	assert_int_equal(crypto_random(*state, info, sizeof(info)), 0);
	for (i = 0; i < 2; i++) {
		const struct crypto_kdf *kdf = crypto_kdf_get(*state, ids[i]);

		max = 255 * kdf->nh;
		assert_int_equal(mem_alloc(max, &m1), 0);
		assert_int_equal(mem_alloc(max, &m2), 0);
		ours = m1;
		ref = m2;
		for (j = 0; j <= ARRAY_LEN(lens); j++) {
			size_t n = j < ARRAY_LEN(lens) ? lens[j] : max;

			assert_int_equal(
			        crypto_hkdf_expand(kdf, prk, kdf->nh, info, sizeof(info), ours, n),
			        0);
			ref_hkdf_expand(mds[i], prk, kdf->nh, info, sizeof(info), ref, n);
			assert_memory_equal(ours, ref, n);
		}
		mem_free(m1);
		mem_free(m2);
	}
}

static void test_crypto_hkdf_expand_length_limits(void **state)
{
	const struct crypto_kdf *kdf = crypto_kdf_get(*state, CRYPTO_KDF_HKDF_SHA256);
	uint8_t prk[32] = { 1 }, out[255 * 32 + 1];

	assert_int_equal(crypto_hkdf_expand(kdf, prk, 32, NULL, 0, out, 0), KENH_E_INVALID_ARG);
	assert_int_equal(crypto_hkdf_expand(kdf, prk, 32, NULL, 0, out, sizeof(out)),
	                 KENH_E_INVALID_ARG);
	assert_queue_empty();
	assert_int_equal(crypto_hkdf_expand(kdf, prk, 32, NULL, 0, out, sizeof(out) - 1), 0);
}

/* ---- AEAD ---- */

static const uint16_t aead_ids[] = { CRYPTO_AEAD_AES128GCM, CRYPTO_AEAD_AES256GCM,
	                             CRYPTO_AEAD_CHACHA20POLY1305 };

struct aead_case {
	const struct crypto_aead *a;
	uint8_t key[CRYPTO_MAX_AEAD_KEY], nonce[CRYPTO_MAX_NONCE], aad[13];
	uint8_t pt[40], ct[40 + CRYPTO_MAX_TAG], out[40 + CRYPTO_MAX_TAG];
};

static void aead_case_init(struct kenh_ctx *ctx, struct aead_case *c, uint16_t id)
{
	c->a = crypto_aead_get(ctx, id);
	assert_non_null(c->a);
	assert_int_equal(crypto_random(ctx, c->key, sizeof(c->key)), 0);
	assert_int_equal(crypto_random(ctx, c->nonce, sizeof(c->nonce)), 0);
	assert_int_equal(crypto_random(ctx, c->aad, sizeof(c->aad)), 0);
	assert_int_equal(crypto_random(ctx, c->pt, sizeof(c->pt)), 0);
	assert_int_equal(crypto_aead_seal(c->a, c->key, c->a->nk, c->nonce, c->a->nn, c->aad,
	                                  sizeof(c->aad), c->pt, sizeof(c->pt), c->ct),
	                 0);
}

static int aead_open_case(struct aead_case *c)
{
	memset(c->out, 0x5a, sizeof(c->out));
	return crypto_aead_open(c->a, c->key, c->a->nk, c->nonce, c->a->nn, c->aad, sizeof(c->aad),
	                        c->ct, sizeof(c->pt) + c->a->nt, c->out);
}

static void test_crypto_aead_round_trip(void **state)
{
	const size_t lens[] = { 0, 1, 15, 16, 17, 40 };
	struct aead_case c;
	size_t i, j;

	for (i = 0; i < ARRAY_LEN(aead_ids); i++) {
		aead_case_init(*state, &c, aead_ids[i]);
		assert_int_equal(c.a->nn, 12);
		assert_int_equal(c.a->nt, 16);
		for (j = 0; j < ARRAY_LEN(lens); j++) {
			uint8_t buf[40 + CRYPTO_MAX_TAG];

			assert_int_equal(crypto_aead_seal(c.a, c.key, c.a->nk, c.nonce, c.a->nn,
			                                  NULL, 0, c.pt, lens[j], c.ct),
			                 0);
			assert_int_equal(crypto_aead_open(c.a, c.key, c.a->nk, c.nonce, c.a->nn,
			                                  NULL, 0, c.ct, lens[j] + c.a->nt, c.out),
			                 0);
			assert_memory_equal(c.out, c.pt, lens[j]);
			/* In place, both ways: out == pt for seal and out == ct for open. */
			memcpy(buf, c.pt, lens[j]);
			assert_int_equal(crypto_aead_seal(c.a, c.key, c.a->nk, c.nonce, c.a->nn,
			                                  c.aad, sizeof(c.aad), buf, lens[j], buf),
			                 0);
			assert_int_equal(crypto_aead_open(c.a, c.key, c.a->nk, c.nonce, c.a->nn,
			                                  c.aad, sizeof(c.aad), buf,
			                                  lens[j] + c.a->nt, buf),
			                 0);
			assert_memory_equal(buf, c.pt, lens[j]);
		}
	}
}

/* STYLE R17.1: every bit of ciphertext and tag, AAD, nonce and key matters. */
static void test_crypto_aead_flip_each_bit(void **state)
{
	struct aead_case c;
	size_t i, f, bit;

	for (i = 0; i < ARRAY_LEN(aead_ids); i++) {
		aead_case_init(*state, &c, aead_ids[i]);
		assert_int_equal(aead_open_case(&c), 0);
		uint8_t *fields[4] = { c.ct, c.aad, c.nonce, c.key };
		size_t lens[4] = { sizeof(c.pt) + c.a->nt, sizeof(c.aad), c.a->nn, c.a->nk };

		for (f = 0; f < 4; f++) {
			for (bit = 0; bit < 8 * lens[f]; bit++) {
				fields[f][bit / 8] ^= (uint8_t)(1u << (bit % 8));
				assert_int_equal(aead_open_case(&c), KENH_E_DECRYPT);
				/* STYLE R5.5: nothing unauthenticated is left in out. */
				assert_all_zero(c.out, sizeof(c.pt));
				assert_queue_empty();
				fields[f][bit / 8] ^= (uint8_t)(1u << (bit % 8));
			}
		}
		assert_int_equal(aead_open_case(&c), 0);
		assert_memory_equal(c.out, c.pt, sizeof(c.pt));
	}
}

/* A failed open in place wipes the caller's buffer, ciphertext and all. */
static void test_crypto_aead_open_wipes_in_place(void **state)
{
	struct aead_case c;
	size_t ctlen;

	aead_case_init(*state, &c, CRYPTO_AEAD_AES128GCM);
	ctlen = sizeof(c.pt) + c.a->nt;
	c.ct[ctlen - 1] ^= 1;
	assert_int_equal(crypto_aead_open(c.a, c.key, c.a->nk, c.nonce, c.a->nn, c.aad,
	                                  sizeof(c.aad), c.ct, ctlen, c.ct),
	                 KENH_E_DECRYPT);
	assert_all_zero(c.ct, sizeof(c.pt));
	assert_queue_empty();
}

static void test_crypto_aead_bad_lengths(void **state)
{
	struct aead_case c;
	size_t i;

	for (i = 0; i < ARRAY_LEN(aead_ids); i++) {
		aead_case_init(*state, &c, aead_ids[i]);
		assert_int_equal(crypto_aead_seal(c.a, c.key, c.a->nk - 1, c.nonce, c.a->nn, NULL,
		                                  0, c.pt, 1, c.out),
		                 KENH_E_INVALID_ARG);
		assert_int_equal(crypto_aead_seal(c.a, c.key, c.a->nk, c.nonce, c.a->nn - 4, NULL,
		                                  0, c.pt, 1, c.out),
		                 KENH_E_INVALID_ARG);
		assert_int_equal(crypto_aead_open(c.a, c.key, c.a->nk + 1, c.nonce, c.a->nn, NULL,
		                                  0, c.ct, 20, c.out),
		                 KENH_E_INVALID_ARG);
		assert_int_equal(crypto_aead_open(c.a, c.key, c.a->nk, c.nonce, c.a->nn - 1, NULL,
		                                  0, c.ct, 20, c.out),
		                 KENH_E_INVALID_ARG);
		/* Shorter than a tag: an authentication failure like any other. */
		assert_int_equal(crypto_aead_open(c.a, c.key, c.a->nk, c.nonce, c.a->nn, NULL, 0,
		                                  c.ct, c.a->nt - 1, c.out),
		                 KENH_E_DECRYPT);
		assert_queue_empty();
	}
}

/* ---- signatures ---- */

static const uint16_t sig_ids[] = { CRYPTO_SIG_ED25519, CRYPTO_SIG_ECDSA_P256_SHA256 };

static void test_crypto_sig_round_trip(void **state)
{
	uint8_t sk[CRYPTO_MAX_SIG_SK], pk[CRYPTO_MAX_SIG_PK], pk2[CRYPTO_MAX_SIG_PK];
	uint8_t msg[100], s[CRYPTO_MAX_SIG];
	size_t i, slen = 0;

	assert_int_equal(crypto_random(*state, msg, sizeof(msg)), 0);
	for (i = 0; i < ARRAY_LEN(sig_ids); i++) {
		const struct crypto_sig *sig = crypto_sig_get(*state, sig_ids[i]);

		assert_non_null(sig);
		assert_int_equal(crypto_sig_keygen(sig, sk, pk), 0);
		assert_int_equal(crypto_sig_pk_from_sk(sig, sk, pk2), 0);
		assert_memory_equal(pk, pk2, sig->npk);
		assert_int_equal(crypto_sig_sign(sig, sk, msg, sizeof(msg), s, &slen), 0);
		assert_true(slen > 0 && slen <= sig->max_sig);
		assert_int_equal(crypto_sig_verify(sig, pk, sig->npk, msg, sizeof(msg), s, slen),
		                 0);
		assert_int_equal(crypto_sig_sign(sig, sk, NULL, 0, s, &slen), 0);
		assert_int_equal(crypto_sig_verify(sig, pk, sig->npk, NULL, 0, s, slen), 0);
		/* A signature over one message does not verify another. */
		assert_int_equal(crypto_sig_verify(sig, pk, sig->npk, msg, 1, s, slen),
		                 KENH_E_VERIFY);
		/* Wrong public key length. */
		assert_int_equal(crypto_sig_verify(sig, pk, sig->npk - 1, NULL, 0, s, slen),
		                 KENH_E_VERIFY);
		assert_queue_empty();
	}
}

/* RFC 8032 §7.1 TEST 1: raw seed in, raw public key and signature out. */
static void test_crypto_ed25519_rfc8032(void **state)
{
	const struct crypto_sig *sig = crypto_sig_get(*state, CRYPTO_SIG_ED25519);
	uint8_t sk[32], pk[32], want_pk[32], s[64], want_s[64];
	size_t slen = 0;

	unhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", sk, 32);
	unhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", want_pk, 32);
	unhex("e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
	      "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
	      want_s, 64);
	assert_int_equal(crypto_sig_pk_from_sk(sig, sk, pk), 0);
	assert_memory_equal(pk, want_pk, 32);
	assert_int_equal(crypto_sig_sign(sig, sk, NULL, 0, s, &slen), 0);
	assert_int_equal(slen, 64);
	assert_memory_equal(s, want_s, 64);
	assert_int_equal(crypto_sig_verify(sig, pk, 32, NULL, 0, s, 64), 0);
}

/* Flip every bit of buf (len bytes) in turn; verify must refuse each. */
static void flip_and_verify(const struct crypto_sig *sig, uint8_t *buf, size_t len,
                            const uint8_t *pk, const uint8_t *msg, size_t msglen, const uint8_t *s,
                            size_t slen)
{
	size_t bit;

	for (bit = 0; bit < 8 * len; bit++) {
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(crypto_sig_verify(sig, pk, sig->npk, msg, msglen, s, slen),
		                 KENH_E_VERIFY);
		assert_queue_empty();
		buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
}

/* STYLE R17.1: every bit of the signature, the message and the public key. */
static void test_crypto_sig_flip_each_bit(void **state)
{
	uint8_t sk[CRYPTO_MAX_SIG_SK], pk[CRYPTO_MAX_SIG_PK], msg[32], s[CRYPTO_MAX_SIG + 1];
	size_t i, slen = 0;

	assert_int_equal(crypto_random(*state, msg, sizeof(msg)), 0);
	for (i = 0; i < ARRAY_LEN(sig_ids); i++) {
		const struct crypto_sig *sig = crypto_sig_get(*state, sig_ids[i]);

		assert_int_equal(crypto_sig_keygen(sig, sk, pk), 0);
		assert_int_equal(crypto_sig_sign(sig, sk, msg, sizeof(msg), s, &slen), 0);
		flip_and_verify(sig, s, slen, pk, msg, sizeof(msg), s, slen);
		flip_and_verify(sig, msg, sizeof(msg), pk, msg, sizeof(msg), s, slen);
		flip_and_verify(sig, pk, sig->npk, pk, msg, sizeof(msg), s, slen);
		assert_int_equal(crypto_sig_verify(sig, pk, sig->npk, msg, sizeof(msg), s, slen),
		                 0);
		/* Truncated and extended signatures. */
		assert_int_equal(
		        crypto_sig_verify(sig, pk, sig->npk, msg, sizeof(msg), s, slen - 1),
		        KENH_E_VERIFY);
		s[slen] = 0;
		assert_int_equal(
		        crypto_sig_verify(sig, pk, sig->npk, msg, sizeof(msg), s, slen + 1),
		        KENH_E_VERIFY);
		assert_queue_empty();
	}
}

/* ---- KEM ---- */

static const uint16_t kem_ids[] = { CRYPTO_KEM_X25519_SHA256, CRYPTO_KEM_P256_SHA256 };

static void test_crypto_kem_round_trip(void **state)
{
	uint8_t ska[CRYPTO_MAX_KEM_SK], pka[CRYPTO_MAX_KEM_PK], skb[CRYPTO_MAX_KEM_SK];
	uint8_t pkb[CRYPTO_MAX_KEM_PK], pk2[CRYPTO_MAX_KEM_PK], dh1[CRYPTO_MAX_DH],
	        dh2[CRYPTO_MAX_DH];
	size_t i;

	for (i = 0; i < ARRAY_LEN(kem_ids); i++) {
		const struct crypto_kem *kem = crypto_kem_get(*state, kem_ids[i]);

		assert_non_null(kem);
		assert_int_equal(crypto_kem_keygen(kem, ska, pka), 0);
		assert_int_equal(crypto_kem_keygen(kem, skb, pkb), 0);
		assert_int_equal(crypto_kem_pk_from_sk(kem, ska, pk2), 0);
		assert_memory_equal(pka, pk2, kem->npk);
		assert_int_equal(crypto_kem_check_pk(kem, pka, kem->npk), 0);
		assert_int_equal(crypto_kem_dh(kem, ska, pkb, kem->npk, dh1), 0);
		assert_int_equal(crypto_kem_dh(kem, skb, pka, kem->npk, dh2), 0);
		assert_memory_equal(dh1, dh2, kem->ndh);
		assert_int_equal(crypto_kem_check_pk(kem, pka, kem->npk - 1), KENH_E_VERIFY);
		assert_int_equal(crypto_kem_dh(kem, ska, pkb, kem->npk + 1, dh1), KENH_E_VERIFY);
		assert_queue_empty();
	}
}

static const char p256_g[] = "046b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296"
                             "4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";
static const char p256_n[] = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";

/* RFC 9180 §7.1.3: a P-256 private key is 0 < sk < n; everything else is refused. */
static void test_crypto_p256_scalar_range(void **state)
{
	const struct crypto_kem *kem = crypto_kem_get(*state, CRYPTO_KEM_P256_SHA256);
	const struct crypto_sig *sig = crypto_sig_get(*state, CRYPTO_SIG_ECDSA_P256_SHA256);
	uint8_t sk[32], pk[65], g[65], dh[32], s[CRYPTO_MAX_SIG];
	size_t slen = 0;

	unhex(p256_g, g, 65);
	memset(sk, 0, 32);
	assert_int_equal(crypto_kem_pk_from_sk(kem, sk, pk), KENH_E_VERIFY);
	assert_int_equal(crypto_sig_pk_from_sk(sig, sk, pk), KENH_E_VERIFY);
	assert_int_equal(crypto_kem_dh(kem, sk, g, 65, dh), KENH_E_VERIFY);
	assert_int_equal(crypto_sig_sign(sig, sk, NULL, 0, s, &slen), KENH_E_VERIFY);
	unhex(p256_n, sk, 32);
	assert_int_equal(crypto_kem_pk_from_sk(kem, sk, pk), KENH_E_VERIFY);
	assert_int_equal(crypto_kem_dh(kem, sk, g, 65, dh), KENH_E_VERIFY);
	assert_int_equal(crypto_sig_sign(sig, sk, NULL, 0, s, &slen), KENH_E_VERIFY);
	memset(sk, 0xff, 32);
	assert_int_equal(crypto_kem_pk_from_sk(kem, sk, pk), KENH_E_VERIFY);
	assert_queue_empty();
	/* n - 1 is the largest valid scalar; (n - 1) * G = -G has G's x-coordinate. */
	unhex(p256_n, sk, 32);
	sk[31]--;
	assert_int_equal(crypto_kem_pk_from_sk(kem, sk, pk), 0);
	assert_memory_equal(pk + 1, g + 1, 32);
	assert_memory_not_equal(pk + 33, g + 33, 32);
	/* 1 * G = G. */
	memset(sk, 0, 32);
	sk[31] = 1;
	assert_int_equal(crypto_kem_pk_from_sk(kem, sk, pk), 0);
	assert_memory_equal(pk, g, 65);
	assert_int_equal(crypto_sig_sign(sig, sk, NULL, 0, s, &slen), 0);
	assert_int_equal(crypto_sig_verify(sig, g, 65, NULL, 0, s, slen), 0);
}

/* Sign with a key object and check it as every verifier sees it. */
static void check_key_object_sign(const struct crypto_sig *sig, const struct crypto_sig_key *key,
                                  const struct crypto_sig_pub *pub, const uint8_t *sk,
                                  const uint8_t *pk, const uint8_t *msg, size_t len)
{
	uint8_t s1[CRYPTO_MAX_SIG], s2[CRYPTO_MAX_SIG], s3[CRYPTO_MAX_SIG];
	size_t l1 = 0, l2 = 0, l3 = 0;

	assert_int_equal(crypto_sig_sign_key(key, msg, len, s1, &l1), 0);
	/* The prepared operation is copied per use: a second signature works too. */
	assert_int_equal(crypto_sig_sign_key(key, msg, len, s2, &l2), 0);
	assert_int_equal(crypto_sig_sign(sig, sk, msg, len, s3, &l3), 0);
	assert_int_equal(crypto_sig_verify(sig, pk, sig->npk, msg, len, s1, l1), 0);
	assert_int_equal(crypto_sig_verify(sig, pk, sig->npk, msg, len, s2, l2), 0);
	assert_int_equal(crypto_sig_verify_pub(pub, msg, len, s1, l1), 0);
	assert_int_equal(crypto_sig_verify_pub(pub, msg, len, s3, l3), 0);
	if (sig->id == CRYPTO_SIG_ED25519) {
		/* RFC 8032 §5.1.6: deterministic, so the one-shot signature is the same bytes. */
		assert_int_equal(l1, l3);
		assert_memory_equal(s1, s3, l3);
		assert_memory_equal(s1, s2, l3);
	}
	/* The public key object refuses what crypto_sig_verify refuses. */
	s1[0] ^= 1;
	assert_int_equal(crypto_sig_verify_pub(pub, msg, len, s1, l1), KENH_E_VERIFY);
	assert_int_equal(crypto_sig_verify(sig, pk, sig->npk, msg, len, s1, l1), KENH_E_VERIFY);
	assert_int_equal(crypto_sig_verify_pub(pub, msg, len, s2, l2 - 1), KENH_E_VERIFY);
	if (len != 0)
		assert_int_equal(crypto_sig_verify_pub(pub, msg, len - 1, s2, l2), KENH_E_VERIFY);
	assert_queue_empty();
}

/* Key objects (crypto_sig_key, crypto_sig_pub) sign and verify as the one-shot calls do. */
static void test_crypto_sig_key_objects(void **state)
{
	uint8_t sk[CRYPTO_MAX_SIG_SK], pk[CRYPTO_MAX_SIG_PK], pk2[CRYPTO_MAX_SIG_PK];
	uint8_t sk2[CRYPTO_MAX_SIG_SK], msg[1000], s[CRYPTO_MAX_SIG];
	struct crypto_sig_pub *pub = NULL, *pub2 = NULL;
	struct crypto_sig_key *key = NULL;
	size_t i, slen = 0;

	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(i * 7);
	for (i = 0; i < ARRAY_LEN(sig_ids); i++) {
		const struct crypto_sig *sig = crypto_sig_get(*state, sig_ids[i]);

		assert_int_equal(crypto_sig_keygen(sig, sk, pk), 0);
		assert_int_equal(crypto_sig_keygen(sig, sk2, pk2), 0);
		assert_int_equal(crypto_sig_key_new(sig, sk, &key), 0);
		assert_int_equal(crypto_sig_pub_new(sig, pk, sig->npk, &pub), 0);
		assert_int_equal(crypto_sig_pub_new(sig, pk2, sig->npk, &pub2), 0);
		assert_ptr_equal(crypto_sig_key_alg(key), sig);
		assert_ptr_equal(crypto_sig_pub_alg(pub), sig);
		check_key_object_sign(sig, key, pub, sk, pk, msg, 32);
		check_key_object_sign(sig, key, pub, sk, pk, NULL, 0);
		check_key_object_sign(sig, key, pub, sk, pk, msg, sizeof(msg));
		/* Another member's key does not verify this one's signature. */
		assert_int_equal(crypto_sig_sign_key(key, msg, 32, s, &slen), 0);
		assert_int_equal(crypto_sig_verify_pub(pub2, msg, 32, s, slen), KENH_E_VERIFY);
		assert_queue_empty();
		crypto_sig_key_free(key);
		crypto_sig_pub_free(pub);
		crypto_sig_pub_free(pub2);
		key = NULL;
		pub = pub2 = NULL;
	}
	crypto_sig_key_free(NULL);
	crypto_sig_pub_free(NULL);
}

/* Refused keys leave no object behind; a failed signature leaves no bytes. */
static void test_crypto_sig_key_errors(void **state)
{
	const struct crypto_sig *p256 = crypto_sig_get(*state, CRYPTO_SIG_ECDSA_P256_SHA256);
	const struct crypto_sig *ed = crypto_sig_get(*state, CRYPTO_SIG_ED25519);
	struct crypto_sig_key *key = (struct crypto_sig_key *)&key;
	struct crypto_sig_pub *pub = (struct crypto_sig_pub *)&pub;
	uint8_t sk[32], g[65], s[CRYPTO_MAX_SIG];
	size_t slen = 5;

	/* RFC 9180 §7.1.3 (and SEC1): a P-256 scalar is 0 < sk < n. */
	memset(sk, 0, sizeof(sk));
	assert_int_equal(crypto_sig_key_new(p256, sk, &key), KENH_E_VERIFY);
	assert_null(key);
	unhex(p256_n, sk, 32);
	key = (struct crypto_sig_key *)&key;
	assert_int_equal(crypto_sig_key_new(p256, sk, &key), KENH_E_VERIFY);
	assert_null(key);
	/* The one-shot call zeroes its output on the same refusal. */
	memset(s, 0xaa, sizeof(s));
	assert_int_equal(crypto_sig_sign(p256, sk, NULL, 0, s, &slen), KENH_E_VERIFY);
	assert_int_equal(slen, 0);
	assert_all_zero(s, p256->max_sig);
	assert_queue_empty();
	/* Public keys: the length, the uncompressed prefix, a point on the curve. */
	unhex(p256_g, g, 65);
	assert_int_equal(crypto_sig_pub_new(ed, g, 31, &pub), KENH_E_VERIFY);
	assert_null(pub);
	assert_int_equal(crypto_sig_pub_new(p256, g, 64, &pub), KENH_E_VERIFY);
	g[0] = 0x02;
	assert_int_equal(crypto_sig_pub_new(p256, g, 65, &pub), KENH_E_VERIFY);
	g[0] = 0x04;
	g[64] ^= 1;
	assert_int_equal(crypto_sig_pub_new(p256, g, 65, &pub), KENH_E_VERIFY);
	assert_null(pub);
	assert_queue_empty();
#ifdef KENH_FAULT_INJECT
	/* The object's own allocation fails: nothing is returned, nothing leaks. */
	memset(sk, 0, sizeof(sk));
	sk[31] = 1;
	g[64] ^= 1;
	mem_fault_set(1, 1);
	assert_int_equal(crypto_sig_key_new(p256, sk, &key), KENH_E_NOMEM);
	assert_int_equal(crypto_sig_pub_new(p256, g, 65, &pub), KENH_E_NOMEM);
	mem_fault_set(0, 0);
	assert_null(key);
	assert_null(pub);
	assert_queue_empty();
	assert_int_equal(crypto_sig_pub_new(p256, g, 65, &pub), 0);
	crypto_sig_pub_free(pub);
#endif
}

/* RFC 9180 §7.1.1, §7.1.4: uncompressed points on the curve only. */
static void test_crypto_p256_point_checks(void **state)
{
	const struct crypto_kem *kem = crypto_kem_get(*state, CRYPTO_KEM_P256_SHA256);
	uint8_t g[65], sk[32] = { 0 }, dh[32];

	sk[31] = 2;
	unhex(p256_g, g, 65);
	assert_int_equal(crypto_kem_check_pk(kem, g, 65), 0);
	/* Compressed form of G. */
	g[0] = 0x02;
	assert_int_equal(crypto_kem_check_pk(kem, g, 33), KENH_E_VERIFY);
	assert_int_equal(crypto_kem_dh(kem, sk, g, 33, dh), KENH_E_VERIFY);
	assert_int_equal(crypto_kem_check_pk(kem, g, 65), KENH_E_VERIFY);
	g[0] = 0x04;
	/* Off the curve. */
	g[64] ^= 1;
	assert_int_equal(crypto_kem_check_pk(kem, g, 65), KENH_E_VERIFY);
	assert_int_equal(crypto_kem_dh(kem, sk, g, 65, dh), KENH_E_VERIFY);
	assert_all_zero(dh, 32);
	/* The identity's one-byte encoding. */
	g[0] = 0x00;
	assert_int_equal(crypto_kem_check_pk(kem, g, 1), KENH_E_VERIFY);
	assert_queue_empty();
}

/* RFC 9180 §7.1.4: low-order X25519 points give all-zero output, which is refused. */
static void test_crypto_x25519_zero_output_rejected(void **state)
{
	const struct crypto_kem *kem = crypto_kem_get(*state, CRYPTO_KEM_X25519_SHA256);
	uint8_t sk[32], pk[32], dh[32];

	assert_int_equal(crypto_random(*state, sk, sizeof(sk)), 0);
	/* The points 0 and 1 have order 4 and 1. */
	memset(pk, 0, sizeof(pk));
	memset(dh, 0xaa, sizeof(dh));
	assert_int_equal(crypto_kem_dh(kem, sk, pk, 32, dh), KENH_E_VERIFY);
	assert_all_zero(dh, sizeof(dh));
	assert_queue_empty();
	pk[0] = 1;
	assert_int_equal(crypto_kem_dh(kem, sk, pk, 32, dh), KENH_E_VERIFY);
	assert_queue_empty();
	/* Any 32 bytes are a valid X25519 public key to check_pk (RFC 7748 §5). */
	assert_int_equal(crypto_kem_check_pk(kem, pk, 32), 0);
}

/* Ephemeral key generation joined to its DH gives what the two separate calls give. */
static void test_crypto_kem_keygen_dh_agrees_with_dh(void **state)
{
	uint8_t skp[CRYPTO_MAX_KEM_SK], pkp[CRYPTO_MAX_KEM_PK], sk[CRYPTO_MAX_KEM_SK];
	uint8_t pk[CRYPTO_MAX_KEM_PK], pk2[CRYPTO_MAX_KEM_PK], dh[CRYPTO_MAX_DH];
	uint8_t dh2[CRYPTO_MAX_DH], sk_first[CRYPTO_MAX_KEM_SK];
	size_t i;

	for (i = 0; i < ARRAY_LEN(kem_ids); i++) {
		const struct crypto_kem *kem = crypto_kem_get(*state, kem_ids[i]);

		assert_int_equal(crypto_kem_keygen(kem, skp, pkp), 0);
		assert_int_equal(crypto_kem_keygen_dh(kem, pkp, kem->npk, sk, pk, dh), 0);
		/* sk_out is the private key of pk_out, and dh_out is DH(sk_out, pk_peer). */
		assert_int_equal(crypto_kem_pk_from_sk(kem, sk, pk2), 0);
		assert_memory_equal(pk, pk2, kem->npk);
		assert_int_equal(crypto_kem_dh(kem, sk, pkp, kem->npk, dh2), 0);
		assert_memory_equal(dh, dh2, kem->ndh);
		/* The peer computes the same secret from pk_out. */
		assert_int_equal(crypto_kem_dh(kem, skp, pk, kem->npk, dh2), 0);
		assert_memory_equal(dh, dh2, kem->ndh);
		/* A second call draws a new key. */
		memcpy(sk_first, sk, kem->nsk);
		assert_int_equal(crypto_kem_keygen_dh(kem, pkp, kem->npk, sk, pk, dh), 0);
		assert_memory_not_equal(sk, sk_first, kem->nsk);
		assert_int_equal(crypto_kem_dh(kem, sk, pkp, kem->npk, dh2), 0);
		assert_memory_equal(dh, dh2, kem->ndh);
		assert_queue_empty();
	}
}

/* A refused call leaves sk, pk and dh all zero and the OpenSSL queue empty. */
static void expect_keygen_dh_refused(const struct crypto_kem *kem, const uint8_t *peer, size_t len)
{
	uint8_t sk[CRYPTO_MAX_KEM_SK], pk[CRYPTO_MAX_KEM_PK], dh[CRYPTO_MAX_DH];

	memset(sk, 0xaa, sizeof(sk));
	memset(pk, 0xaa, sizeof(pk));
	memset(dh, 0xaa, sizeof(dh));
	assert_int_equal(crypto_kem_keygen_dh(kem, peer, len, sk, pk, dh), KENH_E_VERIFY);
	assert_all_zero(sk, kem->nsk);
	assert_all_zero(pk, kem->npk);
	assert_all_zero(dh, kem->ndh);
	assert_queue_empty();
}

/* RFC 9180 §7.1.4 on the joined call: invalid peer keys and all-zero X25519 output. */
static void test_crypto_kem_keygen_dh_rejects(void **state)
{
	const struct crypto_kem *p256 = crypto_kem_get(*state, CRYPTO_KEM_P256_SHA256);
	const struct crypto_kem *x25519 = crypto_kem_get(*state, CRYPTO_KEM_X25519_SHA256);
	uint8_t g[66] = { 0 }, x[33] = { 0 };
	size_t i;

	unhex(p256_g, g, 65);
	/* P-256: wrong lengths, compressed, off the curve. */
	expect_keygen_dh_refused(p256, g, 64);
	expect_keygen_dh_refused(p256, g, 66);
	expect_keygen_dh_refused(p256, g, 0);
	g[0] = 0x02;
	expect_keygen_dh_refused(p256, g, 33);
	g[0] = 0x04;
	g[64] ^= 1;
	expect_keygen_dh_refused(p256, g, 65);
	/* X25519: wrong lengths. */
	x[0] = 9;
	expect_keygen_dh_refused(x25519, x, 31);
	expect_keygen_dh_refused(x25519, x, 33);
	/* X25519 low-order points 0 (order 4), 1 (order 1) and p - 1 (order 2): DH is all zero. */
	x[0] = 0;
	expect_keygen_dh_refused(x25519, x, 32);
	x[0] = 1;
	expect_keygen_dh_refused(x25519, x, 32);
	x[0] = 0xec;
	for (i = 1; i < 31; i++)
		x[i] = 0xff;
	x[31] = 0x7f;
	expect_keygen_dh_refused(x25519, x, 32);
}

/* ---- provider, random, constant-time compare ---- */

struct log_capture {
	size_t lines;
	bool saw_openssl;
};

static void capture_log(void *arg, enum kenh_log_level level, const char *msg)
{
	struct log_capture *cap = arg;

	assert_int_equal(level, KENH_LOG_DEBUG);
	cap->lines++;
	if (strstr(msg, "openssl:") != NULL) cap->saw_openssl = true;
}

/* STYLE R3.9: OpenSSL's errors go to the debug log of the context, then the queue is empty. */
static void test_crypto_errors_reach_debug_log(void **state)
{
	const struct crypto_kem *kem = crypto_kem_get(*state, CRYPTO_KEM_P256_SHA256);
	struct log_capture cap = { 0, false };
	uint8_t g[65], sk[32] = { 0 }, dh[32];

	sk[31] = 1;
	unhex(p256_g, g, 65);
	g[64] ^= 1;
	kenh_ctx_set_log(*state, KENH_LOG_DEBUG, capture_log, &cap);
	assert_int_equal(crypto_kem_dh(kem, sk, g, 65, dh), KENH_E_VERIFY);
	kenh_ctx_set_log(*state, KENH_LOG_ERROR, NULL, NULL);
	assert_true(cap.lines > 0);
	assert_true(cap.saw_openssl);
	assert_queue_empty();
	/* Silent by default (R10.2): the same failure with no sink reaches nobody. */
	cap.lines = 0;
	assert_int_equal(crypto_kem_dh(kem, sk, g, 65, dh), KENH_E_VERIFY);
	assert_int_equal(cap.lines, 0);
	assert_queue_empty();
}

static void test_crypto_lookups(void **state)
{
	static const uint16_t kems[] = { CRYPTO_KEM_X25519_SHA256, CRYPTO_KEM_P256_SHA256,
		                         CRYPTO_KEM_X25519_SHA256 };
	static const uint16_t aeads[] = { CRYPTO_AEAD_AES128GCM, CRYPTO_AEAD_AES128GCM,
		                          CRYPTO_AEAD_CHACHA20POLY1305 };
	static const uint16_t sigs[] = { CRYPTO_SIG_ED25519, CRYPTO_SIG_ECDSA_P256_SHA256,
		                         CRYPTO_SIG_ED25519 };
	const struct crypto_suite *s;
	uint16_t i;

	/* RFC 9420 §17.1: suites 1, 2, 3. */
	for (i = 1; i <= 3; i++) {
		s = crypto_suite_get(*state, i);
		assert_non_null(s);
		assert_int_equal(s->id, i);
		assert_int_equal(s->kem->id, kems[i - 1]);
		assert_int_equal(s->kdf->id, CRYPTO_KDF_HKDF_SHA256);
		assert_int_equal(s->aead->id, aeads[i - 1]);
		assert_int_equal(s->sig->id, sigs[i - 1]);
	}
	assert_null(crypto_suite_get(*state, 0));
	assert_null(crypto_suite_get(*state, 4));
	assert_null(crypto_kdf_get(*state, 2));
	assert_null(crypto_aead_get(*state, 0xffff));
	assert_null(crypto_kem_get(*state, 0x0021));
	assert_null(crypto_sig_get(*state, 0x0808));
	assert_int_equal(crypto_kem_get(*state, CRYPTO_KEM_P256_SHA256)->npk, 65);
	assert_int_equal(crypto_kem_get(*state, CRYPTO_KEM_P256_SHA256)->bitmask, 0xff);
	assert_int_equal(crypto_aead_get(*state, CRYPTO_AEAD_AES256GCM)->nk, 32);
}

static void test_crypto_random_and_ct_eq(void **state)
{
	uint8_t a[32], b[32];

	assert_int_equal(crypto_random(*state, a, sizeof(a)), 0);
	assert_int_equal(crypto_random(*state, b, sizeof(b)), 0);
	assert_false(crypto_ct_eq(a, b, sizeof(a)));
	assert_int_equal(crypto_random(*state, b, 0), 0);
	memcpy(b, a, sizeof(a));
	assert_true(crypto_ct_eq(a, b, sizeof(a)));
	b[31] ^= 0x80;
	assert_false(crypto_ct_eq(a, b, sizeof(a)));
	assert_true(crypto_ct_eq(a, b, 0));
}

/* STYLE R17.5: fail allocation N = 1, 2, ... until kenh_ctx_new succeeds. */
static void test_crypto_ctx_new_fault_injection(void **state)
{
#ifdef KENH_FAULT_INJECT
	struct kenh_ctx *ctx = NULL;
	unsigned long n;
	int sticky, rc;

	(void)state;
	for (sticky = 0; sticky <= 1; sticky++) {
		for (n = 1;; n++) {
			mem_fault_set(n, sticky);
			rc = kenh_ctx_new(&ctx);
			mem_fault_set(0, 0);
			if (rc == 0) break;
			assert_int_equal(rc, KENH_E_NOMEM);
			assert_null(ctx);
			assert_queue_empty();
			assert_true(n < 100);
		}
		/* Two allocations: the context and the provider. */
		assert_int_equal(n, 3);
		assert_non_null(crypto_suite_get(ctx, 1));
		kenh_ctx_free(ctx);
		ctx = NULL;
	}
#else
	(void)state;
	skip();
#endif
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crypto_hash_known_answers),
		cmocka_unit_test(test_crypto_hmac_known_answers),
		cmocka_unit_test(test_crypto_hkdf_rfc5869),
		cmocka_unit_test(test_crypto_hkdf_expand_matches_openssl),
		cmocka_unit_test(test_crypto_hkdf_expand_length_limits),
		cmocka_unit_test(test_crypto_aead_round_trip),
		cmocka_unit_test(test_crypto_aead_flip_each_bit),
		cmocka_unit_test(test_crypto_aead_open_wipes_in_place),
		cmocka_unit_test(test_crypto_aead_bad_lengths),
		cmocka_unit_test(test_crypto_sig_round_trip),
		cmocka_unit_test(test_crypto_ed25519_rfc8032),
		cmocka_unit_test(test_crypto_sig_flip_each_bit),
		cmocka_unit_test(test_crypto_kem_round_trip),
		cmocka_unit_test(test_crypto_p256_scalar_range),
		cmocka_unit_test(test_crypto_p256_point_checks),
		cmocka_unit_test(test_crypto_sig_key_objects),
		cmocka_unit_test(test_crypto_sig_key_errors),
		cmocka_unit_test(test_crypto_x25519_zero_output_rejected),
		cmocka_unit_test(test_crypto_kem_keygen_dh_agrees_with_dh),
		cmocka_unit_test(test_crypto_kem_keygen_dh_rejects),
		cmocka_unit_test(test_crypto_errors_reach_debug_log),
		cmocka_unit_test(test_crypto_lookups),
		cmocka_unit_test(test_crypto_random_and_ct_eq),
		cmocka_unit_test(test_crypto_ctx_new_fault_injection),
	};

	return cmocka_run_group_tests(tests, setup_ctx, teardown_ctx);
}
