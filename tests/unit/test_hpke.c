/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests for lib/hpke (RFC 9180): round trips in every mode and every
 * suite the provider offers, the single-shot SealBase/OpenBase, one flipped
 * bit anywhere in enc, ct, aad or info refused with KENH_E_DECRYPT,
 * VerifyPSKInputs (§5.1), the sequence-number limit (§5.2), role and
 * export-only misuse, exporter lengths (§5.3), hpke_ctx_clear wiping,
 * invalid X25519 and P-256 public keys in Decap and Encap (§7.1.4),
 * labeled inputs long enough to take the heap path, SealBase from a
 * precomputed info_hash giving the same bytes as from info (fixed
 * ephemeral key), and allocation failure
 * at every step of those (fault-injection builds only). The known answers
 * are in tests/kat/kat_hpke.c.
 */
#include "hpke/hpke.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>

#include <cmocka.h>

#include "hpke/hpke_int.h"
#include "kenh/kenh.h"
#include "util/mem.h"

/* ---------------------------------------------------------------- helpers */

static const uint16_t kem_ids[] = { CRYPTO_KEM_P256_SHA256, CRYPTO_KEM_X25519_SHA256 };
static const uint16_t kdf_ids[] = { CRYPTO_KDF_HKDF_SHA256, CRYPTO_KDF_HKDF_SHA512 };
static const uint16_t aead_ids[] = { CRYPTO_AEAD_AES128GCM, CRYPTO_AEAD_AES256GCM,
	                             CRYPTO_AEAD_CHACHA20POLY1305, HPKE_AEAD_EXPORT_ONLY };
static const enum hpke_mode modes[] = { HPKE_MODE_BASE, HPKE_MODE_PSK, HPKE_MODE_AUTH,
	                                HPKE_MODE_AUTH_PSK };

static const uint8_t test_psk[32] = { 0x6b, 0x65, 0x6e, 0x68, 0x20, 0x70, 0x73, 0x6b, 1,  2,  3,
	                              4,    5,    6,    7,    8,    9,    10,   11,   12, 13, 14,
	                              15,   16,   17,   18,   19,   20,   21,   22,   23, 24 };
static const uint8_t test_psk_id[] = "kenh psk id";
static const uint8_t test_info[] = "kenh test info";
static const uint8_t test_aad[] = "kenh test aad";
static const uint8_t test_pt[] = "a directive to district 3";

static struct kenh_ctx *ctx_of(void **state)
{
	return *state;
}

static struct kenh_span cspan(const char *s)
{
	return span_make((const uint8_t *)s, strlen(s));
}

/* The keys of one exchange: recipient R, sender S (Auth modes). */
struct keys {
	uint8_t sk_r[CRYPTO_MAX_KEM_SK], pk_r[CRYPTO_MAX_KEM_PK];
	uint8_t sk_s[CRYPTO_MAX_KEM_SK], pk_s[CRYPTO_MAX_KEM_PK];
};

static void make_keys(const struct hpke_suite *s, struct keys *k)
{
	assert_int_equal(hpke_generate_keypair(s, k->sk_r, k->pk_r), 0);
	assert_int_equal(hpke_generate_keypair(s, k->sk_s, k->pk_s), 0);
}

/* Setup arguments for mode with k's keys; ra->enc points at enc. */
static void make_args(const struct hpke_suite *s, enum hpke_mode mode, const struct keys *k,
                      const uint8_t *enc, struct hpke_setup_s_args *sa,
                      struct hpke_setup_r_args *ra)
{
	size_t nsk = s->kem->nsk, npk = s->kem->npk;

	memset(sa, 0, sizeof(*sa));
	memset(ra, 0, sizeof(*ra));
	sa->mode = ra->mode = mode;
	sa->info = ra->info = span_make(test_info, sizeof(test_info) - 1);
	if (hpke_mode_is_psk(mode)) {
		sa->psk = ra->psk = span_make(test_psk, sizeof(test_psk));
		sa->psk_id = ra->psk_id = span_make(test_psk_id, sizeof(test_psk_id) - 1);
	}
	if (hpke_mode_is_auth(mode)) {
		sa->sk_s = span_make(k->sk_s, nsk);
		ra->pk_s = span_make(k->pk_s, npk);
	}
	sa->pk_r = span_make(k->pk_r, npk);
	ra->sk_r = span_make(k->sk_r, nsk);
	ra->enc = span_make(enc, npk);
}

/* Set up a sender and a recipient context for mode; both must succeed. */
static void setup_pair(const struct hpke_suite *s, enum hpke_mode mode, struct hpke_ctx *cs,
                       struct hpke_ctx *cr)
{
	struct hpke_setup_s_args sa;
	struct hpke_setup_r_args ra;
	uint8_t enc[HPKE_MAX_ENC] = { 0 };
	struct keys k;

	make_keys(s, &k);
	make_args(s, mode, &k, enc, &sa, &ra);
	assert_int_equal(hpke_setup_s(s, &sa, enc, cs), 0);
	assert_int_equal(hpke_setup_r(s, &ra, cr), 0);
	sec_zero(&k, sizeof(k));
}

static void x25519_suite(void **state, struct hpke_suite *s)
{
	assert_int_equal(hpke_suite_init(ctx_of(state), CRYPTO_KEM_X25519_SHA256,
	                                 CRYPTO_KDF_HKDF_SHA256, CRYPTO_AEAD_AES128GCM, s),
	                 0);
}

static void p256_suite(void **state, struct hpke_suite *s)
{
	assert_int_equal(hpke_suite_init(ctx_of(state), CRYPTO_KEM_P256_SHA256,
	                                 CRYPTO_KDF_HKDF_SHA256, CRYPTO_AEAD_AES128GCM, s),
	                 0);
}

static bool is_all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0) return false;
	return true;
}

/* Every suite of the tables that the provider offers, via fn. */
typedef void suite_fn(const struct hpke_suite *s);

static size_t for_each_suite(void **state, suite_fn *fn)
{
	struct hpke_suite s;
	size_t a, b, c, n = 0;
	int rc;

	for (a = 0; a < ARRAY_LEN(kem_ids); a++) {
		for (b = 0; b < ARRAY_LEN(kdf_ids); b++) {
			for (c = 0; c < ARRAY_LEN(aead_ids); c++) {
				rc = hpke_suite_init(ctx_of(state), kem_ids[a], kdf_ids[b],
				                     aead_ids[c], &s);
				/* The HKDF-SHA256 suites are required; SHA-512 may be absent. */
				if (rc == KENH_E_UNSUPPORTED && b != 0) continue;
				assert_int_equal(rc, 0);
				fn(&s);
				n++;
			}
		}
	}
	return n;
}

/* ------------------------------------------------------------- round trips */

static void round_trip_mode(const struct hpke_suite *s, enum hpke_mode mode)
{
	uint8_t ct[sizeof(test_pt) + CRYPTO_MAX_TAG], pt[sizeof(test_pt)];
	uint8_t xs[40], xr[40];
	struct hpke_ctx cs, cr;
	size_t i, nt = s->aead ? s->aead->nt : 0;

	setup_pair(s, mode, &cs, &cr);
	assert_int_equal(cs.role, HPKE_ROLE_SENDER);
	assert_int_equal(cr.role, HPKE_ROLE_RECIPIENT);
	for (i = 0; s->aead != NULL && i < 3; i++) {
		struct kenh_span aad = span_make(test_aad, i);

		assert_int_equal(hpke_seal(&cs, aad, span_make(test_pt, sizeof(test_pt)), ct), 0);
		assert_int_equal(hpke_open(&cr, aad, span_make(ct, sizeof(test_pt) + nt), pt), 0);
		assert_memory_equal(pt, test_pt, sizeof(test_pt));
		assert_int_equal(cs.seq, i + 1);
		assert_int_equal(cr.seq, i + 1);
	}
	if (s->aead == NULL) {
		assert_int_equal(hpke_seal(&cs, cspan(""), cspan("x"), ct), KENH_E_UNSUPPORTED);
		assert_int_equal(hpke_open(&cr, cspan(""), span_make(ct, 17), pt),
		                 KENH_E_UNSUPPORTED);
	}
	assert_int_equal(hpke_export(&cs, cspan("ctx"), xs, sizeof(xs)), 0);
	assert_int_equal(hpke_export(&cr, cspan("ctx"), xr, sizeof(xr)), 0);
	assert_memory_equal(xs, xr, sizeof(xs));
	assert_int_equal(hpke_export(&cr, cspan("ctx2"), xr, sizeof(xr)), 0);
	assert_memory_not_equal(xs, xr, sizeof(xs));
	hpke_ctx_clear(&cs);
	hpke_ctx_clear(&cr);
}

static void round_trip_suite(const struct hpke_suite *s)
{
	size_t m;

	for (m = 0; m < ARRAY_LEN(modes); m++)
		round_trip_mode(s, modes[m]);
}

static void test_hpke_round_trip_every_mode_and_suite(void **state)
{
	/* 2 KEMs x 4 AEADs with HKDF-SHA256 at least. */
	assert_true(for_each_suite(state, round_trip_suite) >= 8);
}

static void single_shot_suite(const struct hpke_suite *s)
{
	uint8_t enc[HPKE_MAX_ENC] = { 0 };
	uint8_t ct[sizeof(test_pt) + CRYPTO_MAX_TAG], pt[sizeof(test_pt)];
	struct hpke_seal_base_args sa;
	struct hpke_open_base_args oa;
	struct keys k;

	make_keys(s, &k);
	memset(&sa, 0, sizeof(sa));
	sa.pk_r = span_make(k.pk_r, s->kem->npk);
	sa.info = cspan("MLS 1.0 Welcome");
	sa.pt = span_make(test_pt, sizeof(test_pt));
	if (s->aead == NULL) {
		assert_int_equal(hpke_seal_base(s, &sa, enc, ct), KENH_E_UNSUPPORTED);
		return;
	}
	assert_int_equal(hpke_seal_base(s, &sa, enc, ct), 0);
	memset(&oa, 0, sizeof(oa));
	oa.enc = span_make(enc, s->kem->npk);
	oa.sk_r = span_make(k.sk_r, s->kem->nsk);
	oa.info = sa.info;
	oa.aad = sa.aad;
	oa.ct = span_make(ct, sizeof(test_pt) + s->aead->nt);
	assert_int_equal(hpke_open_base(s, &oa, pt), 0);
	assert_memory_equal(pt, test_pt, sizeof(test_pt));
	/* The same with pk(skR) given instead of derived. */
	memset(pt, 0, sizeof(pt));
	oa.pk_r = span_make(k.pk_r, s->kem->npk);
	assert_int_equal(hpke_open_base(s, &oa, pt), 0);
	assert_memory_equal(pt, test_pt, sizeof(test_pt));
	/* A wrong pk(skR) changes kem_context: no decryption; a wrong length is refused. */
	oa.pk_r = span_make(k.pk_s, s->kem->npk);
	assert_int_equal(hpke_open_base(s, &oa, pt), KENH_E_DECRYPT);
	oa.pk_r = span_make(k.pk_r, s->kem->npk - 1);
	assert_int_equal(hpke_open_base(s, &oa, pt), KENH_E_INVALID_ARG);
}

static void test_hpke_single_shot_every_suite(void **state)
{
	assert_true(for_each_suite(state, single_shot_suite) >= 8);
}

/* Seal in place: ct may equal pt (as documented), and open in place too. */
static void test_hpke_seal_open_in_place(void **state)
{
	uint8_t buf[sizeof(test_pt) + CRYPTO_MAX_TAG];
	struct hpke_suite s;
	struct hpke_ctx cs, cr;

	x25519_suite(state, &s);
	setup_pair(&s, HPKE_MODE_BASE, &cs, &cr);
	memcpy(buf, test_pt, sizeof(test_pt));
	assert_int_equal(hpke_seal(&cs, cspan(""), span_make(buf, sizeof(test_pt)), buf), 0);
	assert_memory_not_equal(buf, test_pt, sizeof(test_pt));
	assert_int_equal(hpke_open(&cr, cspan(""), span_make(buf, sizeof(buf)), buf), 0);
	assert_memory_equal(buf, test_pt, sizeof(test_pt));
	hpke_ctx_clear(&cs);
	hpke_ctx_clear(&cr);
}

/* An Auth-mode recipient that names the wrong sender cannot decrypt. */
static void test_hpke_auth_wrong_sender_fails(void **state)
{
	uint8_t enc[HPKE_MAX_ENC] = { 0 };
	uint8_t ct[sizeof(test_pt) + CRYPTO_MAX_TAG], pt[sizeof(test_pt)];
	struct hpke_setup_s_args sa;
	struct hpke_setup_r_args ra;
	struct hpke_suite s;
	struct hpke_ctx cs, cr;
	struct keys k, other;

	p256_suite(state, &s);
	make_keys(&s, &k);
	make_keys(&s, &other);
	make_args(&s, HPKE_MODE_AUTH, &k, enc, &sa, &ra);
	ra.pk_s = span_make(other.pk_s, s.kem->npk);
	assert_int_equal(hpke_setup_s(&s, &sa, enc, &cs), 0);
	assert_int_equal(hpke_setup_r(&s, &ra, &cr), 0);
	assert_int_equal(hpke_seal(&cs, cspan(""), span_make(test_pt, sizeof(test_pt)), ct), 0);
	memset(pt, 0xaa, sizeof(pt));
	assert_int_equal(hpke_open(&cr, cspan(""), span_make(ct, sizeof(ct)), pt), KENH_E_DECRYPT);
	assert_memory_not_equal(pt, test_pt, sizeof(pt));
	assert_int_equal(cr.seq, 0);
	hpke_ctx_clear(&cs);
	hpke_ctx_clear(&cr);
}

/* ------------------------------------------------------------ tampering */

/* One sealed message and everything needed to open it. */
struct sealed {
	struct keys k;
	uint8_t enc[HPKE_MAX_ENC];
	uint8_t info[24], aad[16], ct[sizeof(test_pt) + CRYPTO_MAX_TAG];
	size_t ct_len;
};

static void seal_one(const struct hpke_suite *s, struct sealed *m)
{
	struct hpke_seal_base_args a;

	make_keys(s, &m->k);
	memcpy(m->info, "MLS 1.0 UpdatePathNode..", sizeof(m->info));
	memcpy(m->aad, "0123456789abcdef", sizeof(m->aad));
	memset(&a, 0, sizeof(a));
	a.pk_r = span_make(m->k.pk_r, s->kem->npk);
	a.info = span_make(m->info, sizeof(m->info));
	a.aad = span_make(m->aad, sizeof(m->aad));
	a.pt = span_make(test_pt, sizeof(test_pt));
	assert_int_equal(hpke_seal_base(s, &a, m->enc, m->ct), 0);
	m->ct_len = sizeof(test_pt) + s->aead->nt;
}

static int open_one(const struct hpke_suite *s, const struct sealed *m, uint8_t *pt)
{
	struct hpke_open_base_args a;

	memset(&a, 0, sizeof(a));
	a.enc = span_make(m->enc, s->kem->npk);
	a.sk_r = span_make(m->k.sk_r, s->kem->nsk);
	a.info = span_make(m->info, sizeof(m->info));
	a.aad = span_make(m->aad, sizeof(m->aad));
	a.ct = span_make(m->ct, m->ct_len);
	return hpke_open_base(s, &a, pt);
}

/* Flip every bit of buf[0..len) in turn; each flip must fail to open. */
static void flip_each_bit(const struct hpke_suite *s, struct sealed *m, uint8_t *buf, size_t len)
{
	uint8_t pt[sizeof(test_pt)];
	size_t i;
	int bit;

	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			buf[i] ^= (uint8_t)(1u << bit);
			memset(pt, 0xaa, sizeof(pt));
			assert_int_equal(open_one(s, m, pt), KENH_E_DECRYPT);
			buf[i] ^= (uint8_t)(1u << bit);
		}
	}
	assert_int_equal(open_one(s, m, pt), 0);
	assert_memory_equal(pt, test_pt, sizeof(test_pt));
}

static void flip_bits_suite(void **state, uint16_t kem_id)
{
	uint8_t pt[sizeof(test_pt)];
	struct hpke_suite s;
	struct sealed m;
	size_t full, len;

	assert_int_equal(hpke_suite_init(ctx_of(state), kem_id, CRYPTO_KDF_HKDF_SHA256,
	                                 CRYPTO_AEAD_CHACHA20POLY1305, &s),
	                 0);
	seal_one(&s, &m);
	full = m.ct_len;
	flip_each_bit(&s, &m, m.enc, s.kem->npk);
	flip_each_bit(&s, &m, m.ct, m.ct_len);
	flip_each_bit(&s, &m, m.aad, sizeof(m.aad));
	flip_each_bit(&s, &m, m.info, sizeof(m.info));
	/* Every truncation of the ciphertext, down to shorter than the tag. */
	for (len = 0; len < full; len++) {
		m.ct_len = len;
		assert_int_equal(open_one(&s, &m, pt), KENH_E_DECRYPT);
	}
}

static void test_hpke_flipped_bit_fails_x25519(void **state)
{
	flip_bits_suite(state, CRYPTO_KEM_X25519_SHA256);
}

static void test_hpke_flipped_bit_fails_p256(void **state)
{
	flip_bits_suite(state, CRYPTO_KEM_P256_SHA256);
}

/* ----------------------------------------------------------- PSK inputs */

static void expect_setup_both(const struct hpke_suite *s, struct hpke_setup_s_args *sa,
                              struct hpke_setup_r_args *ra, int want)
{
	uint8_t enc[HPKE_MAX_ENC] = { 0 };
	struct hpke_ctx c;

	assert_int_equal(hpke_setup_s(s, sa, enc, &c), want);
	assert_true(is_all_zero(&c, sizeof(c)));
	assert_true(is_all_zero(enc, s->kem->npk));
	ra->enc = span_make(enc, s->kem->npk);
	assert_int_equal(hpke_setup_r(s, ra, &c), want);
	assert_true(is_all_zero(&c, sizeof(c)));
}

static void test_hpke_psk_inputs_verified(void **state)
{
	struct kenh_span psk = span_make(test_psk, sizeof(test_psk));
	struct kenh_span id = span_make(test_psk_id, sizeof(test_psk_id) - 1);
	struct kenh_span none = span_make(NULL, 0);
	struct hpke_setup_s_args sa;
	struct hpke_setup_r_args ra;
	struct hpke_suite s;
	struct keys k;
	uint8_t enc[HPKE_MAX_ENC] = { 0 };
	size_t m;

	x25519_suite(state, &s);
	make_keys(&s, &k);
	for (m = 0; m < ARRAY_LEN(modes); m++) {
		make_args(&s, modes[m], &k, enc, &sa, &ra);
		/* psk without psk_id, psk_id without psk. */
		sa.psk = ra.psk = psk;
		sa.psk_id = ra.psk_id = none;
		expect_setup_both(&s, &sa, &ra, KENH_E_INVALID_ARG);
		sa.psk = ra.psk = none;
		sa.psk_id = ra.psk_id = id;
		expect_setup_both(&s, &sa, &ra, KENH_E_INVALID_ARG);
		/* Both, but in a mode without PSK; neither, in a PSK mode. */
		if (hpke_mode_is_psk(modes[m])) {
			sa.psk = ra.psk = sa.psk_id = ra.psk_id = none;
		} else {
			sa.psk = ra.psk = psk;
			sa.psk_id = ra.psk_id = id;
		}
		expect_setup_both(&s, &sa, &ra, KENH_E_INVALID_ARG);
	}
	/* §5.1.2: a PSK shorter than 32 bytes cannot hold 32 bytes of entropy. */
	make_args(&s, HPKE_MODE_PSK, &k, enc, &sa, &ra);
	sa.psk.len = ra.psk.len = HPKE_MIN_PSK - 1;
	expect_setup_both(&s, &sa, &ra, KENH_E_INVALID_ARG);
}

/* Mode and key-shape errors of the setup arguments. */
static void test_hpke_setup_argument_errors(void **state)
{
	struct hpke_setup_s_args sa;
	struct hpke_setup_r_args ra;
	struct hpke_suite s;
	struct keys k;
	uint8_t enc[HPKE_MAX_ENC] = { 0 };

	p256_suite(state, &s);
	make_keys(&s, &k);
	make_args(&s, HPKE_MODE_BASE, &k, enc, &sa, &ra);
	sa.mode = ra.mode = (enum hpke_mode)4;
	expect_setup_both(&s, &sa, &ra, KENH_E_INVALID_ARG);
	/* Auth modes need the sender key; the others must not get one. */
	make_args(&s, HPKE_MODE_AUTH, &k, enc, &sa, &ra);
	sa.sk_s = span_make(NULL, 0);
	ra.pk_s = span_make(NULL, 0);
	expect_setup_both(&s, &sa, &ra, KENH_E_INVALID_ARG);
	make_args(&s, HPKE_MODE_BASE, &k, enc, &sa, &ra);
	sa.sk_s = span_make(k.sk_s, s.kem->nsk);
	ra.pk_s = span_make(k.pk_s, s.kem->npk);
	expect_setup_both(&s, &sa, &ra, KENH_E_INVALID_ARG);
	/* A recipient key of the wrong length, a fixed ephemeral one too. */
	make_args(&s, HPKE_MODE_BASE, &k, enc, &sa, &ra);
	assert_int_equal(hpke_setup_s(&s, &sa, enc, &(struct hpke_ctx){ 0 }), 0);
	ra.sk_r.len--;
	assert_int_equal(hpke_setup_r(&s, &ra, &(struct hpke_ctx){ 0 }), KENH_E_INVALID_ARG);
	sa.sk_e = span_make(k.sk_s, s.kem->nsk - 1);
	assert_int_equal(hpke_setup_s(&s, &sa, enc, &(struct hpke_ctx){ 0 }), KENH_E_INVALID_ARG);
}

/* ------------------------------------------------ precomputed info_hash */

/*
 * SealBase with a fixed ephemeral key: once with info, once with
 * hpke_info_hash(info) and no info. RFC 9180 §5.1 uses info only through
 * info_hash, so enc and ct must be the same bytes.
 */
static void seal_both_ways(const struct hpke_suite *s, struct kenh_span info)
{
	uint8_t enc1[HPKE_MAX_ENC], enc2[HPKE_MAX_ENC], sk_e[CRYPTO_MAX_KEM_SK];
	uint8_t pk_e[CRYPTO_MAX_KEM_PK], h[CRYPTO_MAX_HASH], pt[sizeof(test_pt)];
	uint8_t ct1[sizeof(test_pt) + CRYPTO_MAX_TAG], ct2[sizeof(test_pt) + CRYPTO_MAX_TAG];
	struct hpke_seal_base_args a;
	struct hpke_open_base_args o;
	struct keys k;
	size_t nct = sizeof(test_pt) + s->aead->nt;

	make_keys(s, &k);
	assert_int_equal(hpke_generate_keypair(s, sk_e, pk_e), 0);
	memset(&a, 0, sizeof(a));
	a.pk_r = span_make(k.pk_r, s->kem->npk);
	a.info = info;
	a.aad = cspan("aad");
	a.pt = span_make(test_pt, sizeof(test_pt));
	a.sk_e = span_make(sk_e, s->kem->nsk);
	assert_int_equal(hpke_seal_base(s, &a, enc1, ct1), 0);
	assert_int_equal(hpke_info_hash(s, info, h), 0);
	a.info = span_make(NULL, 0);
	a.info_hash = h;
	assert_int_equal(hpke_seal_base(s, &a, enc2, ct2), 0);
	assert_memory_equal(enc1, enc2, s->kem->npk);
	assert_memory_equal(ct1, ct2, nct);
	/* The recipient, given info itself, opens it. */
	memset(&o, 0, sizeof(o));
	o.enc = span_make(enc2, s->kem->npk);
	o.sk_r = span_make(k.sk_r, s->kem->nsk);
	o.info = info;
	o.aad = cspan("aad");
	o.ct = span_make(ct2, nct);
	assert_int_equal(hpke_open_base(s, &o, pt), 0);
	assert_memory_equal(pt, test_pt, sizeof(test_pt));
	/* info and info_hash together are ambiguous: refused before any work. */
	a.info = info.len != 0 ? info : cspan("x");
	memset(enc2, 0xaa, sizeof(enc2));
	assert_int_equal(hpke_seal_base(s, &a, enc2, ct2), KENH_E_INVALID_ARG);
	for (nct = 0; nct < s->kem->npk; nct++)
		assert_int_equal(enc2[nct], 0);
}

static void test_hpke_info_hash_same_bytes(void **state)
{
	static uint8_t big[70000]; /* an MLS EncryptContext can be megabytes */
	struct hpke_suite s;
	size_t i;

	for (i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i ^ (i >> 8));
	x25519_suite(state, &s);
	seal_both_ways(&s, cspan(""));
	seal_both_ways(&s, span_make(test_info, sizeof(test_info)));
	seal_both_ways(&s, span_make(big, sizeof(big)));
	p256_suite(state, &s);
	seal_both_ways(&s, span_make(test_info, sizeof(test_info)));
	seal_both_ways(&s, span_make(big, sizeof(big)));
}

/* ------------------------------------------------------ sequence numbers */

static void test_hpke_seq_overflow_refused(void **state)
{
	uint8_t ct[sizeof(test_pt) + CRYPTO_MAX_TAG], pt[sizeof(test_pt)];
	uint8_t nonce[CRYPTO_MAX_NONCE], want[CRYPTO_MAX_NONCE];
	struct kenh_span msg = span_make(test_pt, sizeof(test_pt));
	struct hpke_suite s;
	struct hpke_ctx cs, cr;
	size_t i;

	x25519_suite(state, &s);
	setup_pair(&s, HPKE_MODE_BASE, &cs, &cr);
	/* By construction: both sides one message before the limit. */
	cs.seq = cr.seq = UINT64_MAX - 1;
	/* §5.2 ComputeNonce: base_nonce XOR I2OSP(seq, Nn). */
	hpke_ctx_nonce(&cs, nonce);
	memcpy(want, cs.base_nonce, s.aead->nn);
	for (i = 4; i < 11; i++)
		want[i] ^= 0xff;
	want[11] ^= 0xfe;
	assert_memory_equal(nonce, want, s.aead->nn);
	assert_int_equal(hpke_seal(&cs, cspan(""), msg, ct), 0);
	assert_int_equal(hpke_open(&cr, cspan(""), span_make(ct, sizeof(ct)), pt), 0);
	assert_memory_equal(pt, test_pt, sizeof(pt));
	assert_true(cs.seq == UINT64_MAX && cr.seq == UINT64_MAX);
	/* MessageLimitReachedError: refused, and nothing moves. */
	memset(ct, 0x5a, sizeof(ct));
	assert_int_equal(hpke_seal(&cs, cspan(""), msg, ct), KENH_E_STATE);
	assert_int_equal(ct[0], 0x5a);
	assert_int_equal(hpke_open(&cr, cspan(""), span_make(ct, sizeof(ct)), pt), KENH_E_STATE);
	assert_true(cs.seq == UINT64_MAX && cr.seq == UINT64_MAX);
	/* Exporting still works at the limit. */
	assert_int_equal(hpke_export(&cs, cspan(""), nonce, 8), 0);
	hpke_ctx_clear(&cs);
	hpke_ctx_clear(&cr);
}

/* §5.2: sender contexts never open, recipient contexts never seal. */
static void test_hpke_role_misuse_refused(void **state)
{
	uint8_t ct[sizeof(test_pt) + CRYPTO_MAX_TAG], pt[sizeof(test_pt)];
	struct kenh_span msg = span_make(test_pt, sizeof(test_pt));
	struct hpke_suite s;
	struct hpke_ctx cs, cr;

	x25519_suite(state, &s);
	setup_pair(&s, HPKE_MODE_BASE, &cs, &cr);
	assert_int_equal(hpke_seal(&cs, cspan(""), msg, ct), 0);
	assert_int_equal(hpke_open(&cs, cspan(""), span_make(ct, sizeof(ct)), pt),
	                 KENH_E_INVALID_ARG);
	assert_int_equal(hpke_seal(&cr, cspan(""), msg, ct), KENH_E_INVALID_ARG);
	assert_int_equal(cs.seq, 1);
	assert_int_equal(cr.seq, 0);
	hpke_ctx_clear(&cs);
	assert_int_equal(hpke_seal(&cs, cspan(""), msg, ct), KENH_E_INVALID_ARG);
	assert_int_equal(hpke_export(&cs, cspan(""), pt, 8), KENH_E_INVALID_ARG);
	hpke_ctx_clear(&cr);
}

static void test_hpke_export_lengths(void **state)
{
	struct hpke_suite s;
	struct hpke_ctx cs, cr;
	uint8_t *big = NULL, *big2 = NULL;
	size_t max;

	x25519_suite(state, &s);
	setup_pair(&s, HPKE_MODE_BASE, &cs, &cr);
	max = 255 * s.lab.kdf->nh;
	assert_int_equal(mem_alloc(max + 1, (void **)&big), 0);
	assert_int_equal(mem_alloc(max + 1, (void **)&big2), 0);
	assert_int_equal(hpke_export(&cs, cspan("x"), big, 0), KENH_E_INVALID_ARG);
	assert_int_equal(hpke_export(&cs, cspan("x"), big, max + 1), KENH_E_INVALID_ARG);
	assert_int_equal(hpke_export(&cs, cspan("x"), big, max), 0);
	assert_int_equal(hpke_export(&cr, cspan("x"), big2, max), 0);
	assert_memory_equal(big, big2, max);
	/* A shorter export is a prefix of nothing: L is part of the input. */
	assert_int_equal(hpke_export(&cr, cspan("x"), big2, 32), 0);
	assert_memory_not_equal(big, big2, 32);
	mem_free(big);
	mem_free(big2);
	hpke_ctx_clear(&cs);
	hpke_ctx_clear(&cr);
}

/* R5.8: after hpke_ctx_clear every byte of the context is zero. */
static void test_hpke_ctx_clear_wipes_all(void **state)
{
	struct hpke_suite s;
	struct hpke_ctx cs, cr;

	p256_suite(state, &s);
	setup_pair(&s, HPKE_MODE_AUTH_PSK, &cs, &cr);
	assert_false(is_all_zero(cs.key, s.aead->nk));
	assert_false(is_all_zero(cs.exporter_secret, s.lab.kdf->nh));
	hpke_ctx_clear(&cs);
	hpke_ctx_clear(&cr);
	assert_true(is_all_zero(&cs, sizeof(cs)));
	assert_true(is_all_zero(&cr, sizeof(cr)));
	hpke_ctx_clear(NULL);
}

/* ------------------------------------------------------- invalid keys */

/* RFC 7748 low-order X25519 points: each gives an all-zero DH output. */
static const uint8_t x25519_low_order[][32] = {
	{ 0 },
	{ 1 },
	{ 0xe0, 0xeb, 0x7a, 0x7c, 0x3b, 0x41, 0xb8, 0xae, 0x16, 0x56, 0xe3,
	  0xfa, 0xf1, 0x9f, 0xc4, 0x6a, 0xda, 0x09, 0x8d, 0xeb, 0x9c, 0x32,
	  0xb1, 0xfd, 0x86, 0x62, 0x05, 0x16, 0x5f, 0x49, 0xb8, 0x00 },
	{ 0xec, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	  0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f },
};

static void expect_decap(const struct hpke_suite *s, const struct keys *k, const uint8_t *enc,
                         size_t enc_len, int want)
{
	struct hpke_setup_r_args ra;
	uint8_t ss[HPKE_MAX_SECRET];
	struct hpke_ctx c;

	memset(&ra, 0, sizeof(ra));
	ra.mode = HPKE_MODE_BASE;
	ra.enc = span_make(enc, enc_len);
	ra.sk_r = span_make(k->sk_r, s->kem->nsk);
	memset(ss, 0xaa, sizeof(ss));
	assert_int_equal(hpke_kem_decap(s, &ra, ss), want);
	assert_true(is_all_zero(ss, s->kem_lab.kdf->nh));
	assert_int_equal(hpke_setup_r(s, &ra, &c), want);
	assert_true(is_all_zero(&c, sizeof(c)));
}

static void test_hpke_decap_rejects_x25519_low_order(void **state)
{
	struct hpke_suite s;
	struct keys k;
	size_t i;

	x25519_suite(state, &s);
	make_keys(&s, &k);
	for (i = 0; i < ARRAY_LEN(x25519_low_order); i++)
		expect_decap(&s, &k, x25519_low_order[i], 32, KENH_E_DECRYPT);
	expect_decap(&s, &k, k.pk_r, 31, KENH_E_DECRYPT);
	expect_decap(&s, &k, k.pk_r, 0, KENH_E_DECRYPT);
	/* The sender refuses such a recipient key too (§7.1.4). */
	assert_int_equal(hpke_setup_base_s(&s, span_make(x25519_low_order[0], 32), cspan(""),
	                                   (uint8_t[HPKE_MAX_ENC]){ 0 }, &(struct hpke_ctx){ 0 }),
	                 KENH_E_VERIFY);
}

/* The P-256 generator's coordinates, for building points on and off the curve. */
static const uint8_t p256_g[65] = {
	0x04, 0x6b, 0x17, 0xd1, 0xf2, 0xe1, 0x2c, 0x42, 0x47, 0xf8, 0xbc, 0xe6, 0xe5,
	0x63, 0xa4, 0x40, 0xf2, 0x77, 0x03, 0x7d, 0x81, 0x2d, 0xeb, 0x33, 0xa0, 0xf4,
	0xa1, 0x39, 0x45, 0xd8, 0x98, 0xc2, 0x96, 0x4f, 0xe3, 0x42, 0xe2, 0xfe, 0x1a,
	0x7f, 0x9b, 0x8e, 0xe7, 0xeb, 0x4a, 0x7c, 0x0f, 0x9e, 0x16, 0x2b, 0xce, 0x33,
	0x57, 0x6b, 0x31, 0x5e, 0xce, 0xcb, 0xb6, 0x40, 0x68, 0x37, 0xbf, 0x51, 0xf5,
};

/* Invalid P-256 encodings: identity, off-curve, coordinate >= p, compressed, bad prefix. */
static void p256_bad_points(uint8_t bad[6][65], size_t lens[6])
{
	size_t i;

	for (i = 0; i < 6; i++) {
		memcpy(bad[i], p256_g, 65);
		lens[i] = 65;
	}
	memset(bad[0], 0, 65);        /* all zero (no point at infinity encoding) */
	bad[1][64] ^= 1;              /* y off by one: not on the curve */
	memset(bad[2] + 1, 0xff, 32); /* x = 2^256 - 1 >= p */
	bad[3][0] = 0x02;             /* compressed form of G, 33 bytes */
	lens[3] = 33;
	bad[4][0] = 0x05; /* unknown prefix */
	bad[5][0] = 0x00; /* the one-byte identity encoding */
	lens[5] = 1;
}

static void test_hpke_decap_rejects_invalid_p256(void **state)
{
	uint8_t bad[6][65];
	size_t lens[6], i;
	struct hpke_suite s;
	struct keys k;

	p256_suite(state, &s);
	make_keys(&s, &k);
	p256_bad_points(bad, lens);
	assert_int_equal(hpke_deserialize_public_key(&s, span_make(p256_g, 65)), 0);
	for (i = 0; i < 6; i++) {
		assert_int_equal(hpke_deserialize_public_key(&s, span_make(bad[i], lens[i])),
		                 KENH_E_VERIFY);
		expect_decap(&s, &k, bad[i], lens[i], KENH_E_DECRYPT);
		assert_int_equal(hpke_setup_base_s(&s, span_make(bad[i], lens[i]), cspan(""),
		                                   (uint8_t[HPKE_MAX_ENC]){ 0 },
		                                   &(struct hpke_ctx){ 0 }),
		                 KENH_E_VERIFY);
	}
}

/* Auth modes: an invalid sender key is the recipient's own input (VERIFY). */
static void test_hpke_auth_rejects_invalid_sender_key(void **state)
{
	uint8_t enc[HPKE_MAX_ENC] = { 0 };
	uint8_t bad[6][65];
	size_t lens[6];
	struct hpke_setup_s_args sa;
	struct hpke_setup_r_args ra;
	struct hpke_suite s;
	struct hpke_ctx c;
	struct keys k;

	p256_suite(state, &s);
	make_keys(&s, &k);
	p256_bad_points(bad, lens);
	make_args(&s, HPKE_MODE_AUTH, &k, enc, &sa, &ra);
	assert_int_equal(hpke_setup_s(&s, &sa, enc, &c), 0);
	ra.pk_s = span_make(bad[1], 65);
	assert_int_equal(hpke_setup_r(&s, &ra, &c), KENH_E_VERIFY);
	assert_true(is_all_zero(&c, sizeof(c)));
}

/* ---------------------------------------------------------- key pairs */

static void test_hpke_derive_keypair_deterministic(void **state)
{
	static const uint8_t ikm[32] = { 7 };
	uint8_t sk1[CRYPTO_MAX_KEM_SK], pk1[CRYPTO_MAX_KEM_PK];
	uint8_t sk2[CRYPTO_MAX_KEM_SK], pk2[CRYPTO_MAX_KEM_PK], pk3[CRYPTO_MAX_KEM_PK];
	struct hpke_suite s;
	size_t i;

	for (i = 0; i < ARRAY_LEN(kem_ids); i++) {
		assert_int_equal(hpke_suite_init(ctx_of(state), kem_ids[i], CRYPTO_KDF_HKDF_SHA256,
		                                 HPKE_AEAD_EXPORT_ONLY, &s),
		                 0);
		assert_int_equal(hpke_derive_keypair(&s, span_make(ikm, sizeof(ikm)), sk1, pk1), 0);
		assert_int_equal(hpke_derive_keypair(&s, span_make(ikm, sizeof(ikm)), sk2, pk2), 0);
		assert_memory_equal(sk1, sk2, s.kem->nsk);
		assert_memory_equal(pk1, pk2, s.kem->npk);
		assert_int_equal(crypto_kem_pk_from_sk(s.kem, sk1, pk3), 0);
		assert_memory_equal(pk1, pk3, s.kem->npk);
		assert_int_equal(hpke_deserialize_public_key(&s, span_make(pk1, s.kem->npk)), 0);
		/* A different ikm (one byte longer) gives a different key. */
		assert_int_equal(hpke_derive_keypair(&s, span_make(ikm, 31), sk2, pk2), 0);
		assert_memory_not_equal(sk1, sk2, s.kem->nsk);
	}
}

static void test_hpke_suite_unsupported(void **state)
{
	struct hpke_suite s;

	assert_int_equal(hpke_suite_init(ctx_of(state), 0x0012, 1, 1, &s), KENH_E_UNSUPPORTED);
	assert_true(is_all_zero(&s, sizeof(s)));
	assert_int_equal(hpke_suite_init(ctx_of(state), 0x0020, 0x0000, 1, &s), KENH_E_UNSUPPORTED);
	assert_int_equal(hpke_suite_init(ctx_of(state), 0x0020, 1, 0x0000, &s), KENH_E_UNSUPPORTED);
	assert_int_equal(hpke_suite_init(ctx_of(state), 0x0020, 1, 0xfffe, &s), KENH_E_UNSUPPORTED);
	assert_int_equal(hpke_suite_init(ctx_of(state), 0x0020, 1, HPKE_AEAD_EXPORT_ONLY, &s), 0);
	assert_null(s.aead);
	assert_int_equal(hpke_suite_nenc(&s), 32);
}

/* --------------------------------------------- long inputs, allocation */

/* Inputs over the labeled functions' stack buffer (RFC 9420 Welcome sizes). */
struct long_inputs {
	uint8_t info[1500], psk[300], psk_id[400], ectx[700];
};

static void fill_long(struct long_inputs *l)
{
	size_t i;

	for (i = 0; i < sizeof(*l); i++)
		((uint8_t *)l)[i] = (uint8_t)(i * 31 + 7);
}

/* AuthPSK with every caller input long: setup, seal, open, export. */
static int long_exchange(const struct hpke_suite *s, const struct keys *k,
                         const struct long_inputs *l)
{
	uint8_t enc[HPKE_MAX_ENC] = { 0 };
	uint8_t ct[sizeof(test_pt) + CRYPTO_MAX_TAG], pt[sizeof(test_pt)];
	uint8_t xs[32], xr[32];
	struct hpke_setup_s_args sa;
	struct hpke_setup_r_args ra;
	struct hpke_ctx cs, cr;
	int rc;

	memset(&cs, 0, sizeof(cs));
	memset(&cr, 0, sizeof(cr));
	make_args(s, HPKE_MODE_AUTH_PSK, k, enc, &sa, &ra);
	sa.info = ra.info = span_make(l->info, sizeof(l->info));
	sa.psk = ra.psk = span_make(l->psk, sizeof(l->psk));
	sa.psk_id = ra.psk_id = span_make(l->psk_id, sizeof(l->psk_id));
	if ((rc = hpke_setup_s(s, &sa, enc, &cs)) != 0) goto out;
	if ((rc = hpke_setup_r(s, &ra, &cr)) != 0) goto out;
	rc = hpke_seal(&cs, span_make(l->ectx, 100), span_make(test_pt, sizeof(test_pt)), ct);
	if (rc != 0) goto out;
	if ((rc = hpke_open(&cr, span_make(l->ectx, 100), span_make(ct, sizeof(ct)), pt)) != 0)
		goto out;
	if ((rc = hpke_export(&cs, span_make(l->ectx, sizeof(l->ectx)), xs, sizeof(xs))) != 0)
		goto out;
	if ((rc = hpke_export(&cr, span_make(l->ectx, sizeof(l->ectx)), xr, sizeof(xr))) != 0)
		goto out;
	assert_memory_equal(pt, test_pt, sizeof(pt));
	assert_memory_equal(xs, xr, sizeof(xs));
out:
	hpke_ctx_clear(&cs);
	hpke_ctx_clear(&cr);
	return rc;
}

static void test_hpke_long_inputs(void **state)
{
	struct long_inputs l;
	struct hpke_suite s;
	struct keys k;

	fill_long(&l);
	x25519_suite(state, &s);
	make_keys(&s, &k);
	assert_int_equal(long_exchange(&s, &k, &l), 0);
	/* A long ikm takes the heap path of LabeledExtract too. */
	assert_int_equal(hpke_derive_keypair(&s, span_make(l.info, sizeof(l.info)), k.sk_r, k.pk_r),
	                 0);
}

#ifdef KENH_FAULT_INJECT
/* R17.5: fail allocation n = 1, 2, ... until the exchange succeeds. */
static void test_hpke_fault_injection(void **state)
{
	struct long_inputs l;
	struct hpke_suite s;
	struct keys k;
	unsigned long n, failures = 0;
	int rc = -1;

	fill_long(&l);
	p256_suite(state, &s);
	make_keys(&s, &k);
	for (n = 1; n < 1000 && rc != 0; n++) {
		mem_fault_set(n, 0);
		rc = long_exchange(&s, &k, &l);
		if (mem_fault_hits() != 0) {
			assert_int_equal(rc, KENH_E_NOMEM);
			failures++;
		}
		mem_fault_set(0, 0);
	}
	assert_int_equal(rc, 0);
	/* setup_s (psk_id, info, psk), setup_r (same), export twice, at least. */
	assert_true(failures >= 8);
}
#endif

static int group_setup(void **state)
{
	struct kenh_ctx *ctx = NULL;

	if (kenh_ctx_new(&ctx) != 0) return -1;
	*state = ctx;
	return 0;
}

static int group_teardown(void **state)
{
	kenh_ctx_free(*state);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hpke_round_trip_every_mode_and_suite),
		cmocka_unit_test(test_hpke_single_shot_every_suite),
		cmocka_unit_test(test_hpke_seal_open_in_place),
		cmocka_unit_test(test_hpke_auth_wrong_sender_fails),
		cmocka_unit_test(test_hpke_flipped_bit_fails_x25519),
		cmocka_unit_test(test_hpke_flipped_bit_fails_p256),
		cmocka_unit_test(test_hpke_psk_inputs_verified),
		cmocka_unit_test(test_hpke_setup_argument_errors),
		cmocka_unit_test(test_hpke_info_hash_same_bytes),
		cmocka_unit_test(test_hpke_seq_overflow_refused),
		cmocka_unit_test(test_hpke_role_misuse_refused),
		cmocka_unit_test(test_hpke_export_lengths),
		cmocka_unit_test(test_hpke_ctx_clear_wipes_all),
		cmocka_unit_test(test_hpke_decap_rejects_x25519_low_order),
		cmocka_unit_test(test_hpke_decap_rejects_invalid_p256),
		cmocka_unit_test(test_hpke_auth_rejects_invalid_sender_key),
		cmocka_unit_test(test_hpke_derive_keypair_deterministic),
		cmocka_unit_test(test_hpke_suite_unsupported),
		cmocka_unit_test(test_hpke_long_inputs),
#ifdef KENH_FAULT_INJECT
		cmocka_unit_test(test_hpke_fault_injection),
#endif
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
