/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Wycheproof runners (C2SP/wycheproof testvectors_v1, described in
 * shared/vectors/wycheproof/README.md) for the ten files that cover the
 * primitives of MLS cipher suites 1, 2 and 3 (RFC 9420 §17.1). Every case
 * goes through the crypto provider (lib/crypto/crypto.h), never through
 * OpenSSL, with one exception: the SubjectPublicKeyInfo of
 * ecdh_secp256r1_test.json is unwrapped with OpenSSL's ASN.1 parser, since
 * nothing in Kenh parses SPKI for KEM keys. The policy for "acceptable"
 * cases and for skipped parameters is written in docs/wycheproof.md and
 * applied here strictly: each acceptable case has one outcome we require.
 */
#include "kat.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "util/compat.h"

#include <limits.h>

#include "crypto/crypto.h"
#include "kenh/kenh.h"
#include "testutil.h"
#include "util/mem.h"

enum wp_result {
	WP_VALID,
	WP_INVALID,
	WP_ACCEPTABLE,
};

/* What our policy requires of one case (docs/wycheproof.md). */
enum wp_expect {
	EXPECT_ACCEPT, /* succeed with exactly the expected output */
	EXPECT_REJECT, /* fail */
};

/* One test case with its group, as the per-file functions see it. */
struct wp_case {
	const char *label; /* the file's "algorithm", for failure lines */
	size_t tcid;
	enum wp_result result;
	const json_t *group;
	const json_t *test;
};

typedef void wp_case_fn(struct kenh_ctx *ctx, const struct wp_case *t, struct kat_count *c);

static bool parse_result(const json_t *test, enum wp_result *out)
{
	const char *r = json_string_value(json_object_get(test, "result"));

	if (r == NULL) return false;
	if (strcmp(r, "valid") == 0) {
		*out = WP_VALID;
	} else if (strcmp(r, "invalid") == 0) {
		*out = WP_INVALID;
	} else if (strcmp(r, "acceptable") == 0) {
		*out = WP_ACCEPTABLE;
	} else {
		return false;
	}
	return true;
}

static void for_each_case(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c,
                          wp_case_fn *fn)
{
	const json_t *groups = json_object_get(root, "testGroups"), *g, *t;
	struct wp_case wc = { json_string_value(json_object_get(root, "algorithm")), 0, WP_VALID,
		              NULL, NULL };
	size_t gi, ti;
	uint64_t id;

	if (wc.label == NULL) wc.label = "wycheproof";
	if (!json_is_array(groups)) {
		kat_result(c, wc.label, 0, 0, "no testGroups array");
		return;
	}
	json_array_foreach(groups, gi, g)
	{
		json_array_foreach(json_object_get(g, "tests"), ti, t)
		{
			wc.group = g;
			wc.test = t;
			wc.tcid = tu_json_u64(t, "tcId", &id) ? (size_t)id : 0;
			if (!parse_result(t, &wc.result)) {
				kat_result(c, wc.label, wc.tcid, 0, "bad result field");
				continue;
			}
			fn(ctx, &wc, c);
		}
	}
}

/*
 * Record a verdict. Every provider function must leave OpenSSL's error
 * queue empty (STYLE R3.9), whatever it returned; a case that leaves an
 * entry fails even if its result was right.
 */
static void judge(struct kat_count *c, const struct wp_case *t, enum wp_expect e, bool accepted,
                  bool output_ok)
{
	if (ERR_peek_error() != 0) {
		ERR_clear_error();
		kat_result(c, t->label, t->tcid, 0, "OpenSSL error queue left non-empty");
		return;
	}
	if (e == EXPECT_ACCEPT && !accepted) {
		kat_result(c, t->label, t->tcid, 0, "rejected, expected success");
	} else if (e == EXPECT_ACCEPT && !output_ok) {
		kat_result(c, t->label, t->tcid, 0, "accepted with a wrong output");
	} else if (e == EXPECT_REJECT && accepted) {
		kat_result(c, t->label, t->tcid, 0, "accepted, expected rejection");
	} else {
		kat_result(c, t->label, t->tcid, 1, NULL);
	}
}

/* Valid must succeed and invalid must fail; acceptable cases take the caller's policy. */
static enum wp_expect expect_of(const struct wp_case *t, enum wp_expect acceptable)
{
	switch (t->result) {
	case WP_VALID:
		return EXPECT_ACCEPT;
	case WP_INVALID:
		return EXPECT_REJECT;
	case WP_ACCEPTABLE:
		return acceptable;
	}
	return EXPECT_REJECT;
}

static bool eq(const uint8_t *a, size_t alen, const struct tu_bytes *b)
{
	return alen == b->len && (alen == 0 || memcmp(a, b->p, alen) == 0);
}

static bool group_u64(const struct wp_case *t, const char *key, uint64_t *v)
{
	return tu_json_u64(t->group, key, v);
}

/* Every field a runner reads must be there; a malformed vector is a failure, not a skip. */
static bool load_fields(const struct wp_case *t, struct kat_count *c, const char *const *keys,
                        struct tu_bytes *out, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (tu_json_hex(t->test, keys[i], &out[i])) continue;
		kat_result(c, t->label, t->tcid, 0, keys[i]);
		while (i-- > 0)
			tu_bytes_free(&out[i]);
		return false;
	}
	return true;
}

static void free_fields(struct tu_bytes *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		tu_bytes_free(&b[i]);
}

static bool all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != 0) return false;
	return true;
}

/* ---- AEAD: aes_gcm_test.json, chacha20_poly1305_test.json (schema aead_test) ---- */

enum { A_KEY, A_IV, A_AAD, A_MSG, A_CT, A_TAG, A_N };
static const char *const aead_keys[A_N] = { "key", "iv", "aad", "msg", "ct", "tag" };

/*
 * The AEAD a group asks for, or NULL: AES-192-GCM is not an HPKE AEAD
 * (RFC 9180 §7.3) and is skipped as an unsupported algorithm.
 */
static const struct crypto_aead *aead_of(struct kenh_ctx *ctx, const struct wp_case *t)
{
	uint64_t ks = 0, tag = 0;

	if (!group_u64(t, "keySize", &ks) || !group_u64(t, "tagSize", &tag) || tag != 128)
		return NULL;
	if (strcmp(t->label, "CHACHA20-POLY1305") == 0)
		return ks == 256 ? crypto_aead_get(ctx, CRYPTO_AEAD_CHACHA20POLY1305) : NULL;
	if (ks == 128) return crypto_aead_get(ctx, CRYPTO_AEAD_AES128GCM);
	if (ks == 256) return crypto_aead_get(ctx, CRYPTO_AEAD_AES256GCM);
	return NULL;
}

/* Seal must give ct || tag exactly, and open must give msg back. */
static void aead_valid(const struct crypto_aead *a, const struct wp_case *t,
                       const struct tu_bytes *f, struct kat_count *c)
{
	size_t ctlen = f[A_MSG].len + a->nt;
	void *sealed = NULL, *opened = NULL, *expect = NULL;
	bool accepted, output_ok;
	int rc1, rc2;

	if (f[A_CT].len != f[A_MSG].len || f[A_TAG].len != a->nt) {
		kat_result(c, t->label, t->tcid, 0, "ct or tag size");
		return;
	}
	if (mem_alloc(ctlen, &sealed) != 0 || mem_alloc(ctlen, &opened) != 0 ||
	    mem_alloc(ctlen, &expect) != 0) {
		kat_result(c, t->label, t->tcid, 0, "out of memory");
		goto out;
	}
	memcpy(expect, f[A_CT].p, f[A_CT].len);
	memcpy((uint8_t *)expect + f[A_CT].len, f[A_TAG].p, f[A_TAG].len);
	rc1 = crypto_aead_seal(a, f[A_KEY].p, f[A_KEY].len, f[A_IV].p, f[A_IV].len, f[A_AAD].p,
	                       f[A_AAD].len, f[A_MSG].p, f[A_MSG].len, sealed);
	rc2 = crypto_aead_open(a, f[A_KEY].p, f[A_KEY].len, f[A_IV].p, f[A_IV].len, f[A_AAD].p,
	                       f[A_AAD].len, expect, ctlen, opened);
	accepted = rc1 == 0 && rc2 == 0;
	output_ok =
	        memcmp(sealed, expect, ctlen) == 0 && memcmp(opened, f[A_MSG].p, f[A_MSG].len) == 0;
	judge(c, t, EXPECT_ACCEPT, accepted, output_ok);
out:
	mem_free(sealed);
	mem_free(opened);
	mem_free(expect);
}

/* Open must fail, and a tag failure must leave the output wiped (STYLE R5.5). */
static void aead_invalid(const struct crypto_aead *a, const struct wp_case *t,
                         const struct tu_bytes *f, struct kat_count *c)
{
	size_t ctlen = f[A_CT].len + f[A_TAG].len;
	void *in = NULL, *out = NULL;
	int rc;

	if (mem_alloc(ctlen, &in) != 0 || mem_alloc(ctlen, &out) != 0) {
		kat_result(c, t->label, t->tcid, 0, "out of memory");
		goto out;
	}
	memcpy(in, f[A_CT].p, f[A_CT].len);
	memcpy((uint8_t *)in + f[A_CT].len, f[A_TAG].p, f[A_TAG].len);
	memset(out, 0xa5, ctlen);
	rc = crypto_aead_open(a, f[A_KEY].p, f[A_KEY].len, f[A_IV].p, f[A_IV].len, f[A_AAD].p,
	                      f[A_AAD].len, in, ctlen, out);
	if (rc == KENH_E_DECRYPT && ctlen >= a->nt && !all_zero(out, ctlen - a->nt)) {
		kat_result(c, t->label, t->tcid, 0, "output not wiped after a failed open");
		goto out;
	}
	judge(c, t, EXPECT_REJECT, rc == 0, false);
out:
	mem_free(in);
	mem_free(out);
}

static void aead_case(struct kenh_ctx *ctx, const struct wp_case *t, struct kat_count *c)
{
	const struct crypto_aead *a = aead_of(ctx, t);
	struct tu_bytes f[A_N];
	uint64_t ivbits = 0;

	if (a == NULL) {
		c->skipped++;
		return;
	}
	/*
	 * HPKE and MLS use 96-bit nonces only (RFC 9180 §7.3): a valid case with
	 * another IV size is an unsupported parameter, skipped; an invalid one is
	 * still run and must be refused.
	 */
	if (group_u64(t, "ivSize", &ivbits) && ivbits != 8 * a->nn && t->result != WP_INVALID) {
		c->skipped++;
		return;
	}
	if (!load_fields(t, c, aead_keys, f, A_N)) return;
	if (expect_of(t, EXPECT_REJECT) == EXPECT_ACCEPT)
		aead_valid(a, t, f, c);
	else
		aead_invalid(a, t, f, c);
	free_fields(f, A_N);
}

void kat_wycheproof_aead(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	for_each_case(ctx, root, c, aead_case);
}

/* ---- HKDF-SHA256 (schema hkdf_test) and HMAC-SHA256 (schema mac_test) ---- */

enum { H_IKM, H_SALT, H_INFO, H_OKM, H_N };
static const char *const hkdf_keys[H_N] = { "ikm", "salt", "info", "okm" };

static void hkdf_case(struct kenh_ctx *ctx, const struct wp_case *t, struct kat_count *c)
{
	const struct crypto_kdf *kdf = crypto_kdf_get(ctx, CRYPTO_KDF_HKDF_SHA256);
	uint8_t prk[CRYPTO_MAX_HASH];
	struct tu_bytes f[H_N];
	uint64_t size = 0;
	void *okm = NULL;
	bool ok = false;

	if (!load_fields(t, c, hkdf_keys, f, H_N)) return;
	if (!tu_json_u64(t->test, "size", &size) || mem_alloc((size_t)size, &okm) != 0) {
		kat_result(c, t->label, t->tcid, 0, "size");
		goto out;
	}
	ok = crypto_hkdf_extract(kdf, f[H_SALT].p, f[H_SALT].len, f[H_IKM].p, f[H_IKM].len, prk) ==
	             0 &&
	     crypto_hkdf_expand(kdf, prk, kdf->nh, f[H_INFO].p, f[H_INFO].len, okm, (size_t)size) ==
	             0;
	judge(c, t, expect_of(t, EXPECT_REJECT), ok, ok && eq(okm, (size_t)size, &f[H_OKM]));
out:
	mem_free(okm);
	free_fields(f, H_N);
}

void kat_wycheproof_hkdf(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	for_each_case(ctx, root, c, hkdf_case);
}

enum { M_KEY, M_MSG, M_TAG, M_N };
static const char *const hmac_keys[M_N] = { "key", "msg", "tag" };

/*
 * Truncated-tag groups (tagSize 128) compare the leading tagSize/8 bytes of
 * our full tag, as RFC 2104 §5 truncation does; MLS itself uses full tags.
 */
static void hmac_case(struct kenh_ctx *ctx, const struct wp_case *t, struct kat_count *c)
{
	const struct crypto_kdf *kdf = crypto_kdf_get(ctx, CRYPTO_KDF_HKDF_SHA256);
	uint8_t tag[CRYPTO_MAX_HASH];
	struct tu_bytes f[M_N];
	uint64_t bits = 0;
	bool ok, match = false;

	if (!load_fields(t, c, hmac_keys, f, M_N)) return;
	if (!group_u64(t, "tagSize", &bits) || bits % 8 != 0 || bits / 8 > kdf->nh) {
		kat_result(c, t->label, t->tcid, 0, "tagSize");
		goto out;
	}
	ok = crypto_hmac(kdf, f[M_KEY].p, f[M_KEY].len, f[M_MSG].p, f[M_MSG].len, tag) == 0;
	match = ok && f[M_TAG].len == bits / 8 && crypto_ct_eq(tag, f[M_TAG].p, f[M_TAG].len);
	/* For a MAC, "accepted" means the tag verifies. */
	judge(c, t, expect_of(t, EXPECT_REJECT), match, match);
out:
	free_fields(f, M_N);
}

void kat_wycheproof_hmac(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	for_each_case(ctx, root, c, hmac_case);
}

/* ---- Key agreement: x25519_test.json, ecdh_secp256r1{,_ecpoint}_test.json ---- */

enum { D_PUB, D_PRIV, D_SHARED, D_N };
static const char *const dh_keys[D_N] = { "public", "private", "shared" };

/* Run crypto_kem_dh and judge it; out receives the result. */
static void dh_judge(const struct crypto_kem *kem, const struct wp_case *t, enum wp_expect e,
                     const uint8_t *sk, const uint8_t *pk, size_t pklen,
                     const struct tu_bytes *shared, struct kat_count *c)
{
	uint8_t out[CRYPTO_MAX_DH];
	bool ok;

	ok = crypto_kem_dh(kem, sk, pk, pklen, out) == 0;
	judge(c, t, e, ok, ok && eq(out, kem->ndh, shared));
}

/*
 * RFC 9180 §7.1.4 requires rejecting an all-zero X25519 output: the 31
 * low-order "acceptable" points must be refused. Every other acceptable
 * case (twist points, non-canonical encodings; RFC 7748 §5 says to accept
 * them) must succeed with the expected output.
 */
static void x25519_case(struct kenh_ctx *ctx, const struct wp_case *t, struct kat_count *c)
{
	const struct crypto_kem *kem = crypto_kem_get(ctx, CRYPTO_KEM_X25519_SHA256);
	struct tu_bytes f[D_N];
	enum wp_expect e;

	if (!load_fields(t, c, dh_keys, f, D_N)) return;
	if (f[D_PRIV].len != kem->nsk) {
		kat_result(c, t->label, t->tcid, 0, "private key size");
		goto out;
	}
	e = expect_of(t, all_zero(f[D_SHARED].p, f[D_SHARED].len) ? EXPECT_REJECT : EXPECT_ACCEPT);
	dh_judge(kem, t, e, f[D_PRIV].p, f[D_PUB].p, f[D_PUB].len, &f[D_SHARED], c);
out:
	free_fields(f, D_N);
}

void kat_wycheproof_x25519(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	for_each_case(ctx, root, c, x25519_case);
}

/*
 * Wycheproof writes P-256 private keys as minimal big-endian integers
 * (with a 00 byte when the top bit is set); ours are exactly 32 bytes
 * (RFC 9180 §7.1.2 SerializePrivateKey). False if the value is too large.
 */
static bool p256_scalar(const struct tu_bytes *priv, uint8_t sk[static 32])
{
	size_t off = 0;

	while (off < priv->len && priv->p[off] == 0)
		off++;
	if (priv->len - off > 32) return false;
	memset(sk, 0, 32);
	memcpy(sk + 32 - (priv->len - off), priv->p + off, priv->len - off);
	return true;
}

/*
 * Raw X9.62 points, the form HPKE and MLS carry. Policy: the one acceptable
 * case is a compressed point, which we reject: RFC 9180 §7.1.1 and
 * RFC 9420 §5.1.1 serialize P-256 public keys uncompressed only.
 */
static void ecpoint_case(struct kenh_ctx *ctx, const struct wp_case *t, struct kat_count *c)
{
	const struct crypto_kem *kem = crypto_kem_get(ctx, CRYPTO_KEM_P256_SHA256);
	struct tu_bytes f[D_N];
	uint8_t sk[32];

	if (!load_fields(t, c, dh_keys, f, D_N)) return;
	if (!p256_scalar(&f[D_PRIV], sk)) {
		kat_result(c, t->label, t->tcid, 0, "private key size");
		goto out;
	}
	dh_judge(kem, t, expect_of(t, EXPECT_REJECT), sk, f[D_PUB].p, f[D_PUB].len, &f[D_SHARED],
	         c);
out:
	free_fields(f, D_N);
}

void kat_wycheproof_ecdh_ecpoint(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	for_each_case(ctx, root, c, ecpoint_case);
}

/* True if the parsed algorithm is id-ecPublicKey with the namedCurve prime256v1 (RFC 5480 §2.1.1). */
static bool spki_is_p256(const X509_PUBKEY *xpk)
{
	ASN1_OBJECT *alg = NULL;
	const ASN1_OBJECT *curve;
	const void *pval = NULL;
	X509_ALGOR *a = NULL;
	int ptype = 0;

	if (X509_PUBKEY_get0_param(&alg, NULL, NULL, &a, xpk) != 1) return false;
	if (OBJ_obj2nid(alg) != NID_X9_62_id_ecPublicKey) return false;
	X509_ALGOR_get0(NULL, &ptype, &pval, a);
	if (ptype != V_ASN1_OBJECT) return false;
	curve = pval;
	return OBJ_obj2nid(curve) == NID_X9_62_prime256v1;
}

/*
 * Test-side unwrapping of a SubjectPublicKeyInfo into the raw point that
 * crypto_kem_dh takes. Only strict DER is unwrapped: the input must parse,
 * re-encode to the same bytes, and name P-256 by OID. Everything else (BER
 * variants, trailing bytes, explicit curve parameters, other curves) is
 * rejected here, which is this runner's policy for every acceptable case.
 */
static bool spki_point(const struct tu_bytes *der, uint8_t *pt, size_t *ptlen)
{
	const unsigned char *p = der->p;
	unsigned char *re = NULL;
	X509_PUBKEY *xpk = NULL;
	const unsigned char *bits = NULL;
	int bitlen = 0, relen;
	bool ok = false;

	*ptlen = 0;
	if (der->len > LONG_MAX || (xpk = d2i_X509_PUBKEY(NULL, &p, (long)der->len)) == NULL)
		goto out;
	if ((size_t)(p - der->p) != der->len) goto out;
	relen = i2d_X509_PUBKEY(xpk, &re);
	if (relen < 0 || (size_t)relen != der->len || memcmp(re, der->p, der->len) != 0) goto out;
	if (!spki_is_p256(xpk)) goto out;
	if (X509_PUBKEY_get0_param(NULL, &bits, &bitlen, NULL, xpk) != 1) goto out;
	if (bitlen <= 0 || (size_t)bitlen > CRYPTO_MAX_KEM_PK) goto out;
	memcpy(pt, bits, (size_t)bitlen);
	*ptlen = (size_t)bitlen;
	ok = true;
out:
	OPENSSL_free(re);
	X509_PUBKEY_free(xpk);
	/* The parser's errors are the test's, not the provider's. */
	ERR_clear_error();
	return ok;
}

static void ecdh_asn_case(struct kenh_ctx *ctx, const struct wp_case *t, struct kat_count *c)
{
	const struct crypto_kem *kem = crypto_kem_get(ctx, CRYPTO_KEM_P256_SHA256);
	uint8_t pt[CRYPTO_MAX_KEM_PK], sk[32];
	struct tu_bytes f[D_N];
	enum wp_expect e = expect_of(t, EXPECT_REJECT);
	size_t ptlen = 0;

	if (!load_fields(t, c, dh_keys, f, D_N)) return;
	if (!p256_scalar(&f[D_PRIV], sk)) {
		kat_result(c, t->label, t->tcid, 0, "private key size");
		goto out;
	}
	/* An SPKI the strict unwrapping refuses counts as a rejection (never for a valid case). */
	if (!spki_point(&f[D_PUB], pt, &ptlen)) {
		judge(c, t, e, false, false);
		goto out;
	}
	dh_judge(kem, t, e, sk, pt, ptlen, &f[D_SHARED], c);
out:
	free_fields(f, D_N);
}

void kat_wycheproof_ecdh(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	for_each_case(ctx, root, c, ecdh_asn_case);
}

/* ---- Signatures: ed25519_test.json, ecdsa_secp256r1_sha256{,_p1363}_test.json ---- */

enum { S_MSG, S_SIG, S_N };
static const char *const sig_keys[S_N] = { "msg", "sig" };

/* The group's raw public key: publicKey.pk (Ed25519) or publicKey.uncompressed (ECDSA). */
static bool group_pk(const struct wp_case *t, const char *field, struct tu_bytes *pk)
{
	return tu_json_hex(json_object_get(t->group, "publicKey"), field, pk);
}

static void verify_judge(const struct crypto_sig *sig, const struct wp_case *t,
                         const struct tu_bytes *pk, const struct tu_bytes *msg, const uint8_t *s,
                         size_t slen, struct kat_count *c)
{
	bool ok = crypto_sig_verify(sig, pk->p, pk->len, msg->p, msg->len, s, slen) == 0;

	judge(c, t, expect_of(t, EXPECT_REJECT), ok, ok);
}

static void ed25519_case(struct kenh_ctx *ctx, const struct wp_case *t, struct kat_count *c)
{
	const struct crypto_sig *sig = crypto_sig_get(ctx, CRYPTO_SIG_ED25519);
	struct tu_bytes pk, f[S_N];

	if (!group_pk(t, "pk", &pk)) {
		kat_result(c, t->label, t->tcid, 0, "publicKey.pk");
		return;
	}
	if (load_fields(t, c, sig_keys, f, S_N)) {
		verify_judge(sig, t, &pk, &f[S_MSG], f[S_SIG].p, f[S_SIG].len, c);
		free_fields(f, S_N);
	}
	tu_bytes_free(&pk);
}

void kat_wycheproof_ed25519(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	for_each_case(ctx, root, c, ed25519_case);
}

/* One DER INTEGER (X.690 §8.3) of a 32-byte big-endian value: minimal, non-negative. */
static size_t der_integer(uint8_t *out, const uint8_t *v)
{
	size_t off = 0, n;

	while (off < 31 && v[off] == 0)
		off++;
	n = 32 - off;
	out[0] = 0x02;
	if (v[off] & 0x80) {
		out[1] = (uint8_t)(n + 1);
		out[2] = 0x00;
		memcpy(out + 3, v + off, n);
		return n + 3;
	}
	out[1] = (uint8_t)n;
	memcpy(out + 2, v + off, n);
	return n + 2;
}

/*
 * The P1363 form r || s is not what MLS signs with (RFC 9420 §5.1.2 uses
 * DER), so the runner converts it to DER and verifies that; a signature
 * that is not exactly 64 bytes is refused by the conversion.
 */
static size_t p1363_to_der(const struct tu_bytes *raw, uint8_t out[static CRYPTO_MAX_SIG])
{
	size_t n;

	if (raw->len != 64) return 0;
	n = der_integer(out + 2, raw->p);
	n += der_integer(out + 2 + n, raw->p + 32);
	out[0] = 0x30;
	out[1] = (uint8_t)n;
	return n + 2;
}

static void sig_case(struct kenh_ctx *ctx, const struct wp_case *t, struct kat_count *c, bool p1363)
{
	const struct crypto_sig *sig = crypto_sig_get(ctx, CRYPTO_SIG_ECDSA_P256_SHA256);
	uint8_t der[CRYPTO_MAX_SIG];
	struct tu_bytes pk, f[S_N];
	size_t n;

	if (!group_pk(t, "uncompressed", &pk)) {
		kat_result(c, t->label, t->tcid, 0, "publicKey.uncompressed");
		return;
	}
	if (!load_fields(t, c, sig_keys, f, S_N)) goto out;
	if (!p1363) {
		verify_judge(sig, t, &pk, &f[S_MSG], f[S_SIG].p, f[S_SIG].len, c);
	} else if ((n = p1363_to_der(&f[S_SIG], der)) == 0) {
		judge(c, t, expect_of(t, EXPECT_REJECT), false, false);
	} else {
		verify_judge(sig, t, &pk, &f[S_MSG], der, n, c);
	}
	free_fields(f, S_N);
out:
	tu_bytes_free(&pk);
}

static void ecdsa_der_case(struct kenh_ctx *ctx, const struct wp_case *t, struct kat_count *c)
{
	sig_case(ctx, t, c, false);
}

static void ecdsa_p1363_case(struct kenh_ctx *ctx, const struct wp_case *t, struct kat_count *c)
{
	sig_case(ctx, t, c, true);
}

void kat_wycheproof_ecdsa_der(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	for_each_case(ctx, root, c, ecdsa_der_case);
}

void kat_wycheproof_ecdsa_p1363(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	for_each_case(ctx, root, c, ecdsa_p1363_case);
}
