/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Cost of our HPKE (STYLE R17.10) for the operations MLS performs with it:
 * SealBase and OpenBase (RFC 9180 §6.1) of 256 B in suite DHKEM(X25519,
 * HKDF-SHA256), HKDF-SHA256, AES-128-GCM, with an MLS-sized info and an
 * empty aad, as RFC 9420 §5.1.3 EncryptWithLabel uses them. OpenSSL 3.0
 * has no HPKE, so the reference is the sum of the raw OpenSSL operations
 * HPKE is made of, written directly against EVP in this file and timed as
 * one operation:
 *
 *   seal: X25519 keygen, DH, 4 HKDF-Extract and 4 HKDF-Expand (eae_prk,
 *         shared_secret, psk_id_hash, info_hash, secret, key, base_nonce,
 *         exp; each Expand is one HMAC block since L <= Nh), AES-GCM seal;
 *   open: DH, the same 8 HKDF calls, AES-GCM open.
 *
 * The reference keeps pk(skR) next to skR, as a careful direct caller
 * would; our OpenBase is timed both ways (computing pk(skR) from skR, and
 * given it through hpke_open_base_args.pk_r), so the table shows what that
 * API choice costs. Before timing, the reference is run with a fixed
 * ephemeral key and must produce our enc and ct byte for byte, and open
 * ours, so both sides compute the same thing. Where the time goes: an
 * X25519 scalar multiplication is about half of a DH from raw bytes,
 * because OpenSSL derives the public key when it imports a raw private
 * key. The reference's DH reuses the EVP_PKEY its keygen made, and so
 * does our SealBase (crypto_kem_keygen_dh); OpenBase without pk_r pays one
 * extra multiplication for pk(skR), which the recipient cannot avoid when
 * it holds only skR.
 * Timing is as in bench_crypto.c: a warm-up, then RUNS short paired
 * batches; times are medians and the ratio is the median of per-batch
 * ours/reference.
 */
#include "hpke/hpke.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "util/compat.h"

#include "kenh/kenh.h"
#include "tu_bench.h"
#include "util/mem.h"

#define RUNS    101
#define PT_LEN  256
#define TAG_LEN 16
#define NH      32

struct bench {
	struct kenh_ctx *ctx;
	struct hpke_suite suite;
	OSSL_LIB_CTX *lib; /* the reference's own library context */
	OSSL_PROVIDER *prov;
	EVP_CIPHER *cipher;
	EVP_MAC_CTX *hmac;      /* HMAC-SHA256 template, duplicated per call */
	const uint8_t *fixed_e; /* reference seal: NULL for a fresh ephemeral key */
	uint8_t sk_r[32], pk_r[32], sk_e[32];
	uint8_t info[64]; /* an EncryptContext: label<V> || context<V> */
	size_t info_len;
	uint8_t pt[PT_LEN], out[PT_LEN];
	uint8_t enc[32], ct[PT_LEN + TAG_LEN];   /* what the seal rows write */
	uint8_t enc0[32], ct0[PT_LEN + TAG_LEN]; /* a fixed message the open rows read */
};

typedef tu_bench_op op_fn;

static void die(const char *what)
{
	fprintf(stderr, "bench_hpke: %s failed\n", what);
	exit(1);
}

/* ---- ours ---- */

static int ours_seal(void *arg)
{
	struct bench *b = arg;
	struct hpke_seal_base_args a = { .pk_r = span_make(b->pk_r, 32),
		                         .info = span_make(b->info, b->info_len),
		                         .pt = span_make(b->pt, PT_LEN) };

	return hpke_seal_base(&b->suite, &a, b->enc, b->ct);
}

static int open_with(struct bench *b, struct kenh_span pk_r)
{
	struct hpke_open_base_args a = { .enc = span_make(b->enc0, 32),
		                         .sk_r = span_make(b->sk_r, 32),
		                         .pk_r = pk_r,
		                         .info = span_make(b->info, b->info_len),
		                         .ct = span_make(b->ct0, sizeof(b->ct0)) };

	return hpke_open_base(&b->suite, &a, b->out);
}

static int ours_open(void *arg)
{
	struct bench *b = arg;

	return open_with(b, span_make(NULL, 0));
}

static int ours_open_pk(void *arg)
{
	struct bench *b = arg;

	return open_with(b, span_make(b->pk_r, 32));
}

/* ---- the reference: RFC 9180 written out on EVP ---- */

static const uint8_t kem_suite_id[5] = { 'K', 'E', 'M', 0x00, 0x20 };
static const uint8_t hpke_suite_id[10] = { 'H', 'P', 'K', 'E', 0x00, 0x20, 0x00, 0x01, 0x00, 0x01 };

/* One labeled KDF call (RFC 9180 §4): which suite_id, label, input, key. */
struct lcall {
	bool kem; /* "KEM" suite_id, else "HPKE" */
	const char *label;
	struct kenh_span in;  /* ikm (Extract) or info (Expand) */
	struct kenh_span key; /* salt (Extract) or prk (Expand) */
	size_t len;           /* L (Expand) */
};

/* HMAC-SHA256(key, [L(2)] || "HPKE-v1" || suite_id || label || in [|| 0x01]). */
static int ref_hmac(struct bench *b, const struct lcall *c, bool expand, uint8_t *out)
{
	EVP_MAC_CTX *m = EVP_MAC_CTX_dup(b->hmac);
	const uint8_t *sid = c->kem ? kem_suite_id : hpke_suite_id;
	size_t sidlen = c->kem ? sizeof(kem_suite_id) : sizeof(hpke_suite_id), n = 0;
	uint8_t l2[2] = { 0, (uint8_t)c->len }, one = 1, zeros[NH] = { 0 };
	int ok;

	ok = m != NULL &&
	     EVP_MAC_init(m, c->key.len ? c->key.p : zeros, c->key.len ? c->key.len : NH, NULL) &&
	     (!expand || EVP_MAC_update(m, l2, 2)) &&
	     EVP_MAC_update(m, (const uint8_t *)"HPKE-v1", 7) && EVP_MAC_update(m, sid, sidlen) &&
	     EVP_MAC_update(m, (const uint8_t *)c->label, strlen(c->label)) &&
	     (c->in.len == 0 || EVP_MAC_update(m, c->in.p, c->in.len)) &&
	     (!expand || EVP_MAC_update(m, &one, 1)) && EVP_MAC_final(m, out, &n, NH) && n == NH;
	EVP_MAC_CTX_free(m);
	return ok ? 0 : -1;
}

static int ref_extract(struct bench *b, const struct lcall *c, uint8_t *out)
{
	return ref_hmac(b, c, false, out);
}

/* HKDF-Expand with L <= Nh is T(1) truncated to L. */
static int ref_expand(struct bench *b, const struct lcall *c, uint8_t *out)
{
	uint8_t t[NH];
	int rc = ref_hmac(b, c, true, t);

	memcpy(out, t, c->len);
	OPENSSL_cleanse(t, sizeof(t));
	return rc;
}

/* DH(sk, pk) for X25519 on raw bytes. */
static int ref_dh(struct bench *b, EVP_PKEY *own, const uint8_t *peer_pk, uint8_t *out)
{
	EVP_PKEY *peer = EVP_PKEY_new_raw_public_key_ex(b->lib, "X25519", NULL, peer_pk, 32);
	EVP_PKEY_CTX *d = peer != NULL ? EVP_PKEY_CTX_new_from_pkey(b->lib, own, NULL) : NULL;
	size_t n = 32;
	int ok;

	ok = d != NULL && EVP_PKEY_derive_init(d) == 1 &&
	     EVP_PKEY_derive_set_peer_ex(d, peer, 0) == 1 && EVP_PKEY_derive(d, out, &n) == 1 &&
	     n == 32;
	EVP_PKEY_CTX_free(d);
	EVP_PKEY_free(peer);
	return ok ? 0 : -1;
}

/* ExtractAndExpand then KeySchedule (base mode): key and base_nonce. */
static int ref_schedule(struct bench *b, const uint8_t *dh, const uint8_t *enc, uint8_t *key,
                        uint8_t *nonce)
{
	uint8_t kem_ctx[64], eae[NH], ss[NH], ksc[1 + 2 * NH], secret[NH], exp[NH];
	int rc;

	memcpy(kem_ctx, enc, 32);
	memcpy(kem_ctx + 32, b->pk_r, 32);
	ksc[0] = 0;
	rc = ref_extract(b, &(struct lcall){ true, "eae_prk", span_make(dh, 32), { 0 }, 0 }, eae) ||
	     ref_expand(b,
	                &(struct lcall){ true, "shared_secret", span_make(kem_ctx, 64),
	                                 span_make(eae, NH), NH },
	                ss) ||
	     ref_extract(b, &(struct lcall){ false, "psk_id_hash", { 0 }, { 0 }, 0 }, ksc + 1) ||
	     ref_extract(b,
	                 &(struct lcall){
	                         false, "info_hash", span_make(b->info, b->info_len), { 0 }, 0 },
	                 ksc + 1 + NH) ||
	     ref_extract(b, &(struct lcall){ false, "secret", { 0 }, span_make(ss, NH), 0 },
	                 secret) ||
	     ref_expand(b,
	                &(struct lcall){ false, "key", span_make(ksc, sizeof(ksc)),
	                                 span_make(secret, NH), 16 },
	                key) ||
	     ref_expand(b,
	                &(struct lcall){ false, "base_nonce", span_make(ksc, sizeof(ksc)),
	                                 span_make(secret, NH), 12 },
	                nonce) ||
	     ref_expand(b,
	                &(struct lcall){ false, "exp", span_make(ksc, sizeof(ksc)),
	                                 span_make(secret, NH), NH },
	                exp);
	OPENSSL_cleanse(eae, sizeof(eae));
	OPENSSL_cleanse(ss, sizeof(ss));
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(exp, sizeof(exp));
	return rc ? -1 : 0;
}

static int ref_gcm(struct bench *b, bool seal, const uint8_t *key, const uint8_t *nonce,
                   uint8_t *io_in, uint8_t *io_out)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, fin = 0, ok;

	ok = c != NULL && EVP_CipherInit_ex2(c, b->cipher, key, nonce, seal ? 1 : 0, NULL) == 1 &&
	     (seal ||
	      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_TAG, TAG_LEN, io_in + PT_LEN) == 1) &&
	     EVP_CipherUpdate(c, io_out, &n, io_in, PT_LEN) == 1 &&
	     EVP_CipherFinal_ex(c, io_out + n, &fin) == 1 &&
	     (!seal ||
	      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, TAG_LEN, io_out + PT_LEN) == 1);
	EVP_CIPHER_CTX_free(c);
	return ok ? 0 : -1;
}

/* SealBase: ephemeral key pair, DH, key schedule, AES-GCM seal. */
static int ref_seal(void *arg)
{
	struct bench *b = arg;

	EVP_PKEY *e = b->fixed_e != NULL ? EVP_PKEY_new_raw_private_key_ex(b->lib, "X25519", NULL,
	                                                                   b->fixed_e, 32)
	                                 : EVP_PKEY_Q_keygen(b->lib, NULL, "X25519");
	uint8_t dh[32], key[16], nonce[12];
	size_t n = 32;
	int ok;

	ok = e != NULL && EVP_PKEY_get_raw_public_key(e, b->enc, &n) == 1 && n == 32 &&
	     ref_dh(b, e, b->pk_r, dh) == 0 && ref_schedule(b, dh, b->enc, key, nonce) == 0 &&
	     ref_gcm(b, true, key, nonce, b->pt, b->ct) == 0;
	EVP_PKEY_free(e);
	OPENSSL_cleanse(dh, sizeof(dh));
	OPENSSL_cleanse(key, sizeof(key));
	return ok ? 0 : -1;
}

/* OpenBase: DH with skR (pk(skR) stored alongside), key schedule, AES-GCM open. */
static int ref_open(void *arg)
{
	struct bench *b = arg;

	EVP_PKEY *r = EVP_PKEY_new_raw_private_key_ex(b->lib, "X25519", NULL, b->sk_r, 32);
	uint8_t dh[32], key[16], nonce[12];
	int ok;

	ok = r != NULL && ref_dh(b, r, b->enc0, dh) == 0 &&
	     ref_schedule(b, dh, b->enc0, key, nonce) == 0 &&
	     ref_gcm(b, false, key, nonce, b->ct0, b->out) == 0;
	EVP_PKEY_free(r);
	OPENSSL_cleanse(dh, sizeof(dh));
	OPENSSL_cleanse(key, sizeof(key));
	return ok ? 0 : -1;
}

/* ---- timing (tests/lib/tu_bench.c) ---- */

struct row {
	const char *name;
	op_fn *ours, *ref;
	size_t iters;
};

/* Warm up both, then RUNS paired batches (alternating which side goes first); print one row. */
static void run_row(struct bench *b, const struct row *r)
{
	struct tu_bench_result res;

	if (tu_bench_pair(r->ours, r->ref, b, r->iters, RUNS, &res) != 0) die(r->name);
	printf("%-44s %5d x %3zu %9.0f %9.0f %7.3f\n", r->name, RUNS, r->iters, res.ours_ns,
	       res.ref_ns, res.ratio);
}

/* ---- set-up and the cross-check ---- */

/* The reference must compute exactly what we do (fixed ephemeral key). */
static void cross_check(struct bench *b)
{
	struct hpke_seal_base_args a = { .pk_r = span_make(b->pk_r, 32),
		                         .info = span_make(b->info, b->info_len),
		                         .pt = span_make(b->pt, PT_LEN),
		                         .sk_e = span_make(b->sk_e, 32) };

	if (hpke_seal_base(&b->suite, &a, b->enc0, b->ct0) != 0) die("hpke_seal_base");
	b->fixed_e = b->sk_e;
	if (ref_seal(b) != 0) die("reference seal");
	b->fixed_e = NULL;
	if (memcmp(b->enc, b->enc0, 32) != 0 || memcmp(b->ct, b->ct0, sizeof(b->ct)) != 0)
		die("cross-check: reference seal differs from hpke_seal_base");
	if (ref_open(b) != 0 || memcmp(b->out, b->pt, PT_LEN) != 0) die("reference open");
	if (ours_open(b) != 0 || memcmp(b->out, b->pt, PT_LEN) != 0) die("hpke_open_base");
	if (ours_open_pk(b) != 0 || memcmp(b->out, b->pt, PT_LEN) != 0) die("hpke_open_base pk_r");
}

/* An RFC 9420 §5.1.3 EncryptContext: opaque label<V> = "MLS 1.0 Welcome", context<V>. */
static void make_info(struct bench *b)
{
	static const char label[] = "MLS 1.0 Welcome";
	size_t n = sizeof(label) - 1;

	b->info[0] = (uint8_t)n;
	memcpy(b->info + 1, label, n);
	b->info[1 + n] = 32;
	if (crypto_random(b->ctx, b->info + 2 + n, 32) != 0) die("random");
	b->info_len = 2 + n + 32;
}

static void setup(struct bench *b)
{
	memset(b, 0, sizeof(*b));
	if (kenh_ctx_new(&b->ctx) != 0) die("kenh_ctx_new");
	if (hpke_suite_init(b->ctx, CRYPTO_KEM_X25519_SHA256, CRYPTO_KDF_HKDF_SHA256,
	                    CRYPTO_AEAD_AES128GCM, &b->suite) != 0)
		die("hpke_suite_init");
	if ((b->lib = OSSL_LIB_CTX_new()) == NULL ||
	    (b->prov = OSSL_PROVIDER_load(b->lib, "default")) == NULL)
		die("reference library context");
	if ((b->cipher = EVP_CIPHER_fetch(b->lib, "AES-128-GCM", NULL)) == NULL) die("AES-128-GCM");
	{
		EVP_MAC *mac = EVP_MAC_fetch(b->lib, "HMAC", NULL);
		OSSL_PARAM p[2] = { OSSL_PARAM_construct_utf8_string(
			                    OSSL_MAC_PARAM_DIGEST, (char *)(uintptr_t) "SHA256", 0),
			            OSSL_PARAM_construct_end() };

		b->hmac = mac != NULL ? EVP_MAC_CTX_new(mac) : NULL;
		EVP_MAC_free(mac);
		if (b->hmac == NULL || EVP_MAC_CTX_set_params(b->hmac, p) != 1) die("HMAC");
	}
	if (hpke_generate_keypair(&b->suite, b->sk_r, b->pk_r) != 0 ||
	    crypto_random(b->ctx, b->sk_e, sizeof(b->sk_e)) != 0 ||
	    crypto_random(b->ctx, b->pt, sizeof(b->pt)) != 0)
		die("keys");
	make_info(b);
}

static void teardown(struct bench *b)
{
	EVP_MAC_CTX_free(b->hmac);
	EVP_CIPHER_free(b->cipher);
	OSSL_PROVIDER_unload(b->prov);
	OSSL_LIB_CTX_free(b->lib);
	kenh_ctx_free(b->ctx);
	OPENSSL_cleanse(b, sizeof(*b));
}

int main(void)
{
	static const struct row rows[] = {
		{ "SealBase 256 B (fresh ephemeral key)", ours_seal, ref_seal, 10 },
		{ "OpenBase 256 B (computes pk(skR))", ours_open, ref_open, 10 },
		{ "OpenBase 256 B (pk(skR) given)", ours_open_pk, ref_open, 10 },
	};
	struct bench b;
	size_t i;

	setup(&b);
	cross_check(&b);
	printf("bench_hpke: %s; suite 0x0020/0x0001/0x0001, info %zu B, aad empty\n",
	       OpenSSL_version(OPENSSL_VERSION), b.info_len);
	printf("ns per operation (median over batches); reference = sum of the raw OpenSSL parts; "
	       "ratio = median of per-batch ours/reference\n");
	printf("%-44s %11s %9s %9s %7s\n", "operation", "batches", "ours", "openssl", "ratio");
	for (i = 0; i < ARRAY_LEN(rows); i++)
		run_row(&b, &rows[i]);
	teardown(&b);
	return 0;
}
