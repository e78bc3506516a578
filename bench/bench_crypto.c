/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Cost of the crypto provider over raw OpenSSL (STYLE R17.10). For each
 * operation that MLS suites 1-3 use on the hot path (AEAD seal and open at
 * 256 B, 1 KiB and 16 KiB for AES-128-GCM and ChaCha20-Poly1305; X25519 and
 * P-256 DH, and a fresh key pair joined to its DH as HPKE Encap begins
 * (crypto_kem_keygen_dh); Ed25519 and ECDSA-P256 sign and verify) it times
 * our function and the same operation written directly against OpenSSL's
 * EVP API in this file, from the same raw inputs, in the same run. After a
 * warm-up, each side runs RUNS short batches of a fixed iteration count,
 * ours and the reference back to back; each time is the median over the
 * batches and the ratio the median of the paired per-batch ratios. Short
 * paired batches keep the figures steady on a shared machine: a batch hit
 * by preemption is an outlier the median drops. A ratio above 1.05 (over
 * 5% overhead) is flagged.
 *
 * The references do what a careful direct caller would: algorithms fetched
 * once into their own library context, keys imported from raw bytes on
 * every call (our API takes raw keys, so that is the operation), and the
 * peer of a DH imported with EVP_PKEY_fromdata, whose on-curve test is the
 * validation RFC 9180 §7.1.4 asks for; both sides then derive without
 * OpenSSL's second, full public-key check. The keygen-and-DH reference
 * derives with the EVP_PKEY its keygen returned and exports the raw key
 * pair, as ours does. HPKE seal/open is bench_hpke's.
 */
#include "crypto/crypto.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "util/compat.h"

#include "kenh/kenh.h"
#include "tu_bench.h"
#include "util/mem.h"

#define RUNS      101
#define MSG_LEN   256
#define MAX_PLAIN 16384

struct bench {
	struct kenh_ctx *ctx;
	OSSL_LIB_CTX *lib; /* the references' own library context */
	OSSL_PROVIDER *prov;
	EVP_CIPHER *cipher; /* reference cipher of the current AEAD */
	const struct crypto_aead *aead;
	size_t len;
	uint8_t key[32], nonce[12], aad[16];
	uint8_t *pt, *ct, *out;
	uint8_t msg[MSG_LEN];
	uint8_t x_sk[32], x_peer[32];          /* X25519 */
	uint8_t p_sk[32], p_peer[65];          /* P-256 DH */
	uint8_t e_sk[32], e_pk[32], e_sig[64]; /* Ed25519 */
	uint8_t d_sk[32], d_pk[65], d_sig[72]; /* ECDSA P-256 */
	uint8_t g_sk[32], g_pk[65];            /* keygen-and-DH outputs */
	size_t d_siglen;
};

typedef tu_bench_op op_fn;

static void die(const char *what)
{
	fprintf(stderr, "bench_crypto: %s failed\n", what);
	exit(1);
}

/* ---- ours ---- */

static int ours_seal(void *arg)
{
	struct bench *b = arg;

	return crypto_aead_seal(b->aead, b->key, b->aead->nk, b->nonce, 12, b->aad, sizeof(b->aad),
	                        b->pt, b->len, b->ct);
}

static int ours_open(void *arg)
{
	struct bench *b = arg;

	return crypto_aead_open(b->aead, b->key, b->aead->nk, b->nonce, 12, b->aad, sizeof(b->aad),
	                        b->ct, b->len + 16, b->out);
}

static int ours_x25519(void *arg)
{
	struct bench *b = arg;
	const struct crypto_kem *kem = crypto_kem_get(b->ctx, CRYPTO_KEM_X25519_SHA256);

	return crypto_kem_dh(kem, b->x_sk, b->x_peer, 32, b->out);
}

static int ours_p256(void *arg)
{
	struct bench *b = arg;
	const struct crypto_kem *kem = crypto_kem_get(b->ctx, CRYPTO_KEM_P256_SHA256);

	return crypto_kem_dh(kem, b->p_sk, b->p_peer, 65, b->out);
}

static int ours_x25519_keygen_dh(void *arg)
{
	struct bench *b = arg;
	const struct crypto_kem *kem = crypto_kem_get(b->ctx, CRYPTO_KEM_X25519_SHA256);

	return crypto_kem_keygen_dh(kem, b->x_peer, 32, b->g_sk, b->g_pk, b->out);
}

static int ours_p256_keygen_dh(void *arg)
{
	struct bench *b = arg;
	const struct crypto_kem *kem = crypto_kem_get(b->ctx, CRYPTO_KEM_P256_SHA256);

	return crypto_kem_keygen_dh(kem, b->p_peer, 65, b->g_sk, b->g_pk, b->out);
}

static int ours_ed_sign(void *arg)
{
	struct bench *b = arg;
	const struct crypto_sig *sig = crypto_sig_get(b->ctx, CRYPTO_SIG_ED25519);
	size_t n = 0;

	return crypto_sig_sign(sig, b->e_sk, b->msg, MSG_LEN, b->out, &n);
}

static int ours_ed_verify(void *arg)
{
	struct bench *b = arg;
	const struct crypto_sig *sig = crypto_sig_get(b->ctx, CRYPTO_SIG_ED25519);

	return crypto_sig_verify(sig, b->e_pk, 32, b->msg, MSG_LEN, b->e_sig, 64);
}

static int ours_ecdsa_sign(void *arg)
{
	struct bench *b = arg;
	const struct crypto_sig *sig = crypto_sig_get(b->ctx, CRYPTO_SIG_ECDSA_P256_SHA256);
	size_t n = 0;

	return crypto_sig_sign(sig, b->d_sk, b->msg, MSG_LEN, b->out, &n);
}

static int ours_ecdsa_verify(void *arg)
{
	struct bench *b = arg;
	const struct crypto_sig *sig = crypto_sig_get(b->ctx, CRYPTO_SIG_ECDSA_P256_SHA256);

	return crypto_sig_verify(sig, b->d_pk, 65, b->msg, MSG_LEN, b->d_sig, b->d_siglen);
}

/* ---- references: the same operations, directly on EVP ---- */

static int ref_seal(void *arg)
{
	struct bench *b = arg;

	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, fin = 0, ok;

	ok = c != NULL && EVP_EncryptInit_ex2(c, b->cipher, b->key, b->nonce, NULL) == 1 &&
	     EVP_EncryptUpdate(c, NULL, &n, b->aad, (int)sizeof(b->aad)) == 1 &&
	     EVP_EncryptUpdate(c, b->ct, &n, b->pt, (int)b->len) == 1 &&
	     EVP_EncryptFinal_ex(c, b->ct + n, &fin) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, b->ct + b->len) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

static int ref_open(void *arg)
{
	struct bench *b = arg;

	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, fin = 0, ok;

	ok = c != NULL && EVP_DecryptInit_ex2(c, b->cipher, b->key, b->nonce, NULL) == 1 &&
	     EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, 16, b->ct + b->len) == 1 &&
	     EVP_DecryptUpdate(c, NULL, &n, b->aad, (int)sizeof(b->aad)) == 1 &&
	     EVP_DecryptUpdate(c, b->out, &n, b->ct, (int)b->len) == 1 &&
	     EVP_DecryptFinal_ex(c, b->out + n, &fin) == 1;
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

static int ref_derive(struct bench *b, EVP_PKEY *own, EVP_PKEY *peer)
{
	EVP_PKEY_CTX *d =
	        own != NULL && peer != NULL ? EVP_PKEY_CTX_new_from_pkey(b->lib, own, NULL) : NULL;
	size_t n = 32;
	int ok;

	ok = d != NULL && EVP_PKEY_derive_init(d) == 1 &&
	     EVP_PKEY_derive_set_peer_ex(d, peer, 0) == 1 && EVP_PKEY_derive(d, b->out, &n) == 1;
	EVP_PKEY_CTX_free(d);
	EVP_PKEY_free(own);
	EVP_PKEY_free(peer);
	return ok && n == 32 ? 0 : -1;
}

static int ref_x25519(void *arg)
{
	struct bench *b = arg;

	EVP_PKEY *own = EVP_PKEY_new_raw_private_key_ex(b->lib, "X25519", NULL, b->x_sk, 32);
	EVP_PKEY *peer = EVP_PKEY_new_raw_public_key_ex(b->lib, "X25519", NULL, b->x_peer, 32);

	return ref_derive(b, own, peer);
}

/* A P-256 key from a raw scalar (priv) or point (pub), as EVP_PKEY_fromdata takes them. */
static EVP_PKEY *ref_p256_key(struct bench *b, const uint8_t *sk, const uint8_t *pk)
{
	EVP_PKEY_CTX *f = EVP_PKEY_CTX_new_from_name(b->lib, "EC", NULL);
	uint8_t le[32];
	OSSL_PARAM params[3];
	EVP_PKEY *key = NULL;
	size_t i;

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME,
	                                             (char *)(uintptr_t) "prime256v1", 0);
	if (sk != NULL) {
		for (i = 0; i < 32; i++)
			le[i] = sk[31 - i];
		params[1] = OSSL_PARAM_construct_BN(OSSL_PKEY_PARAM_PRIV_KEY, le, 32);
	} else {
		params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
		                                              (void *)(uintptr_t)pk, 65);
	}
	params[2] = OSSL_PARAM_construct_end();
	if (f == NULL || EVP_PKEY_fromdata_init(f) != 1 ||
	    EVP_PKEY_fromdata(f, &key, sk != NULL ? EVP_PKEY_KEYPAIR : EVP_PKEY_PUBLIC_KEY,
	                      params) != 1)
		key = NULL;
	EVP_PKEY_CTX_free(f);
	sec_zero(le, sizeof(le));
	return key;
}

static int ref_p256(void *arg)
{
	struct bench *b = arg;

	EVP_PKEY *peer = ref_p256_key(b, NULL, b->p_peer);
	EVP_PKEY *own = ref_p256_key(b, b->p_sk, NULL);

	return ref_derive(b, own, peer);
}

/* A fresh key pair exported raw, then DH with that same EVP_PKEY. */
static int ref_x25519_keygen_dh(void *arg)
{
	struct bench *b = arg;

	EVP_PKEY *own = EVP_PKEY_Q_keygen(b->lib, NULL, "X25519");
	size_t nsk = 32, npk = 32;

	if (own == NULL || EVP_PKEY_get_raw_private_key(own, b->g_sk, &nsk) != 1 ||
	    EVP_PKEY_get_raw_public_key(own, b->g_pk, &npk) != 1) {
		EVP_PKEY_free(own);
		return -1;
	}
	return ref_derive(b, own,
	                  EVP_PKEY_new_raw_public_key_ex(b->lib, "X25519", NULL, b->x_peer, 32));
}

static int ref_p256_keygen_dh(void *arg)
{
	struct bench *b = arg;

	EVP_PKEY *own = EVP_PKEY_Q_keygen(b->lib, NULL, "EC", "P-256");
	BIGNUM *bn = NULL;
	size_t n = 0;
	int ok;

	ok = own != NULL && EVP_PKEY_get_bn_param(own, OSSL_PKEY_PARAM_PRIV_KEY, &bn) == 1 &&
	     BN_bn2binpad(bn, b->g_sk, 32) == 32 &&
	     EVP_PKEY_get_octet_string_param(own, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, b->g_pk, 65,
	                                     &n) == 1 &&
	     n == 65;
	BN_clear_free(bn);
	if (!ok) {
		EVP_PKEY_free(own);
		return -1;
	}
	return ref_derive(b, own, ref_p256_key(b, NULL, b->p_peer));
}

static int ref_sign(struct bench *b, EVP_PKEY *key, const char *md)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	size_t n = 72;
	int ok;

	ok = key != NULL && m != NULL &&
	     EVP_DigestSignInit_ex(m, NULL, md, b->lib, NULL, key, NULL) == 1 &&
	     EVP_DigestSign(m, b->out, &n, b->msg, MSG_LEN) == 1;
	EVP_MD_CTX_free(m);
	EVP_PKEY_free(key);
	return ok ? 0 : -1;
}

static int ref_verify(struct bench *b, EVP_PKEY *key, const char *md, const uint8_t *s, size_t slen)
{
	EVP_MD_CTX *m = EVP_MD_CTX_new();
	int ok;

	ok = key != NULL && m != NULL &&
	     EVP_DigestVerifyInit_ex(m, NULL, md, b->lib, NULL, key, NULL) == 1 &&
	     EVP_DigestVerify(m, s, slen, b->msg, MSG_LEN) == 1;
	EVP_MD_CTX_free(m);
	EVP_PKEY_free(key);
	return ok ? 0 : -1;
}

static int ref_ed_sign(void *arg)
{
	struct bench *b = arg;

	return ref_sign(b, EVP_PKEY_new_raw_private_key_ex(b->lib, "ED25519", NULL, b->e_sk, 32),
	                NULL);
}

static int ref_ed_verify(void *arg)
{
	struct bench *b = arg;

	return ref_verify(b, EVP_PKEY_new_raw_public_key_ex(b->lib, "ED25519", NULL, b->e_pk, 32),
	                  NULL, b->e_sig, 64);
}

static int ref_ecdsa_sign(void *arg)
{
	struct bench *b = arg;

	return ref_sign(b, ref_p256_key(b, b->d_sk, NULL), "SHA256");
}

static int ref_ecdsa_verify(void *arg)
{
	struct bench *b = arg;

	return ref_verify(b, ref_p256_key(b, NULL, b->d_pk), "SHA256", b->d_sig, b->d_siglen);
}

/* ---- timing (tests/lib/tu_bench.c) ---- */

struct row {
	const char *name;
	op_fn *ours, *ref;
	size_t iters;
};

/* Warm up both, then RUNS paired batches (alternating which side goes first); print one row. */
static int run_row(struct bench *b, const struct row *r, const char *label)
{
	struct tu_bench_result res;

	if (tu_bench_pair(r->ours, r->ref, b, r->iters, RUNS, &res) != 0) die(label);
	printf("%-36s %5d x %4zu %10.0f %10.0f %7.3f%s\n", label, RUNS, r->iters, res.ours_ns,
	       res.ref_ns, res.ratio, res.ratio > 1.05 ? "  OVER 5%" : "");
	return res.ratio > 1.05;
}

static int run_aead(struct bench *b, uint16_t id, const char *cipher, const char *name)
{
	static const size_t lens[] = { 256, 1024, 16384 };
	static const size_t iters[] = { 400, 200, 40 };
	struct row seal = { "seal", ours_seal, ref_seal, 0 };
	struct row open = { "open", ours_open, ref_open, 0 };
	char label[64];
	int flagged = 0;
	size_t i;

	b->aead = crypto_aead_get(b->ctx, id);
	if ((b->cipher = EVP_CIPHER_fetch(b->lib, cipher, NULL)) == NULL) die(cipher);
	for (i = 0; i < ARRAY_LEN(lens); i++) {
		b->len = lens[i];
		seal.iters = open.iters = iters[i];
		if (ours_seal(b) != 0) die("seal");
		snprintf(label, sizeof(label), "aead seal %s %zu B", name, lens[i]);
		flagged += run_row(b, &seal, label);
		snprintf(label, sizeof(label), "aead open %s %zu B", name, lens[i]);
		flagged += run_row(b, &open, label);
	}
	EVP_CIPHER_free(b->cipher);
	b->cipher = NULL;
	return flagged;
}

static void setup_keys(struct bench *b)
{
	const struct crypto_kem *x = crypto_kem_get(b->ctx, CRYPTO_KEM_X25519_SHA256);
	const struct crypto_kem *p = crypto_kem_get(b->ctx, CRYPTO_KEM_P256_SHA256);
	const struct crypto_sig *e = crypto_sig_get(b->ctx, CRYPTO_SIG_ED25519);
	const struct crypto_sig *d = crypto_sig_get(b->ctx, CRYPTO_SIG_ECDSA_P256_SHA256);
	uint8_t sk[32], pk[65];
	size_t n = 0;

	if (crypto_random(b->ctx, b->key, sizeof(b->key)) != 0 ||
	    crypto_random(b->ctx, b->nonce, sizeof(b->nonce)) != 0 ||
	    crypto_random(b->ctx, b->aad, sizeof(b->aad)) != 0 ||
	    crypto_random(b->ctx, b->pt, MAX_PLAIN) != 0 ||
	    crypto_random(b->ctx, b->msg, sizeof(b->msg)) != 0)
		die("random");
	if (crypto_kem_keygen(x, b->x_sk, pk) != 0 || crypto_kem_keygen(x, sk, b->x_peer) != 0 ||
	    crypto_kem_keygen(p, b->p_sk, pk) != 0 || crypto_kem_keygen(p, sk, b->p_peer) != 0)
		die("kem keygen");
	if (crypto_sig_keygen(e, b->e_sk, b->e_pk) != 0 ||
	    crypto_sig_sign(e, b->e_sk, b->msg, MSG_LEN, b->e_sig, &n) != 0 ||
	    crypto_sig_keygen(d, b->d_sk, b->d_pk) != 0 ||
	    crypto_sig_sign(d, b->d_sk, b->msg, MSG_LEN, b->d_sig, &b->d_siglen) != 0)
		die("sig keygen");
	sec_zero(sk, sizeof(sk));
}

static void setup(struct bench *b)
{
	void *p1 = NULL, *p2 = NULL, *p3 = NULL;

	memset(b, 0, sizeof(*b));
	if (kenh_ctx_new(&b->ctx) != 0) die("kenh_ctx_new");
	if ((b->lib = OSSL_LIB_CTX_new()) == NULL ||
	    (b->prov = OSSL_PROVIDER_load(b->lib, "default")) == NULL)
		die("reference library context");
	if (mem_alloc(MAX_PLAIN, &p1) != 0 || mem_alloc(MAX_PLAIN + 16, &p2) != 0 ||
	    mem_alloc(MAX_PLAIN + 16, &p3) != 0)
		die("allocation");
	b->pt = p1;
	b->ct = p2;
	b->out = p3;
	setup_keys(b);
}

static void teardown(struct bench *b)
{
	mem_free(b->pt);
	mem_free(b->ct);
	mem_free(b->out);
	OSSL_PROVIDER_unload(b->prov);
	OSSL_LIB_CTX_free(b->lib);
	kenh_ctx_free(b->ctx);
}

int main(void)
{
	static const struct row rows[] = {
		{ "X25519 DH", ours_x25519, ref_x25519, 10 },
		{ "P-256 DH", ours_p256, ref_p256, 10 },
		{ "X25519 keygen + DH", ours_x25519_keygen_dh, ref_x25519_keygen_dh, 10 },
		{ "P-256 keygen + DH", ours_p256_keygen_dh, ref_p256_keygen_dh, 10 },
		{ "Ed25519 sign (256 B)", ours_ed_sign, ref_ed_sign, 10 },
		{ "Ed25519 verify (256 B)", ours_ed_verify, ref_ed_verify, 8 },
		{ "ECDSA P-256 sign (256 B)", ours_ecdsa_sign, ref_ecdsa_sign, 16 },
		{ "ECDSA P-256 verify (256 B)", ours_ecdsa_verify, ref_ecdsa_verify, 8 },
	};
	struct bench b;
	int flagged = 0;
	size_t i;

	setup(&b);
	printf("bench_crypto: %s; ns per operation (median over batches); ratio = median of "
	       "per-batch ours/openssl\n",
	       OpenSSL_version(OPENSSL_VERSION));
	printf("%-36s %12s %10s %10s %7s\n", "operation", "batches", "ours", "openssl", "ratio");
	flagged += run_aead(&b, CRYPTO_AEAD_AES128GCM, "AES-128-GCM", "AES-128-GCM");
	flagged += run_aead(&b, CRYPTO_AEAD_CHACHA20POLY1305, "ChaCha20-Poly1305",
	                    "ChaCha20-Poly1305");
	for (i = 0; i < ARRAY_LEN(rows); i++)
		flagged += run_row(&b, &rows[i], rows[i].name);
	printf("rows over 5%% overhead: %d\n", flagged);
	teardown(&b);
	return 0;
}
