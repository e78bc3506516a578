/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests of the organization PKI (lib/crypto/pki_*.c, docs/pki.md) and
 * the key files (lib/crypto/keyfile.c): names and the subtree relation;
 * issuing and validating root -> unit CA -> device chains with Ed25519 and
 * P-256 keys; the subtree rule refused at issue, and a forged chain (a unit
 * CA that signed outside its subtree, built here by hand with OpenSSL)
 * refused by validation; expired, revoked and wrong-root certificates;
 * CRLs; certificate requests with their enrollment binding, including a
 * binding moved onto another key; enrollment code text; wipe orders; key
 * files with a wrong passphrase; and the decoder negatives of STYLE R17.1
 * (truncation at every byte, trailing bytes, flipped bits). After every
 * refused call the OpenSSL error queue must be empty (R3.9).
 */
#include "crypto/pki.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "crypto/keyfile.h"
#include "kenh/kenh.h"
#include "tu_pki.h"
#include "util/mem.h"

#define NOW    1767225600u /* 2026-01-01T00:00:00Z */
#define DAY    CRYPTO_PKI_DAY
#define YEAR   (365u * DAY)
#define ORG    "Công an tỉnh Thái Bình"
#define UNIT1  "thaibinh"
#define UNIT2  "thaibinh/pc02"
#define OTHERU "haiphong/pc01"

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

static void assert_queue_empty(void)
{
	assert_int_equal(ERR_peek_error(), 0);
}

static void make_root(struct kenh_ctx *ctx, uint16_t sig_id, const char *org, struct tu_held *out)
{
	assert_int_equal(tu_pki_root(ctx, sig_id, org, NOW, out), 0);
}

static int issue(struct kenh_ctx *ctx, const struct tu_held *ca, struct crypto_cert_template *t,
                 uint16_t sig_id, struct tu_held *out)
{
	return tu_pki_issue(ctx, ca, t, sig_id, NOW, out);
}

static void make_unit(struct kenh_ctx *ctx, const struct tu_held *ca, const char *unit,
                      uint16_t sig_id, struct tu_held *out)
{
	struct crypto_cert_template t = { .kind = CRYPTO_CERT_UNIT, .unit = unit };

	assert_int_equal(issue(ctx, ca, &t, sig_id, out), 0);
}

static void make_device(struct kenh_ctx *ctx, const struct tu_held *ca, const char *unit,
                        uint16_t sig_id, struct tu_held *out)
{
	struct crypto_cert_template t = {
		.kind = CRYPTO_CERT_DEVICE, .unit = unit, .user = "nguyenvana", .device = "laptop-1"
	};

	assert_int_equal(issue(ctx, ca, &t, sig_id, out), 0);
}

/* Validate leaf against root with the given unit CAs and CRLs at time now. */
static int validate(struct kenh_ctx *ctx, const struct tu_held *root, const struct tu_held *cas,
                    size_t ncas, const struct kenh_span *crls, size_t ncrls,
                    const struct tu_held *leaf, uint64_t now, struct crypto_cert_info *id)
{
	struct kenh_span spans[4];
	struct crypto_chain_input in;
	size_t i;

	assert_true(ncas <= 4);
	for (i = 0; i < ncas; i++)
		spans[i] = tu_held_span(&cas[i]);
	in.root = tu_held_span(root);
	in.cas = spans;
	in.ncas = ncas;
	in.crls = crls;
	in.ncrls = ncrls;
	in.leaf = tu_held_span(leaf);
	in.now = now;
	return crypto_chain_verify(ctx, &in, id);
}

/* A copy of p with one zero byte appended (free with mem_free). */
static uint8_t *with_trailing(const uint8_t *p, size_t len)
{
	void *mem = NULL;

	assert_int_equal(mem_alloc(len + 1, &mem), 0);
	memcpy(mem, p, len);
	((uint8_t *)mem)[len] = 0;
	return mem;
}

/* ---- names ---- */

static void test_pki_names(void **state)
{
	(void)state;
	assert_true(crypto_unit_path_is_valid("thaibinh"));
	assert_true(crypto_unit_path_is_valid("thaibinh/pc02/doi-1"));
	assert_true(crypto_unit_path_is_valid("a/b/c/d/e/f/g/h"));
	assert_false(crypto_unit_path_is_valid("a/b/c/d/e/f/g/h/i")); /* depth 9 */
	assert_false(crypto_unit_path_is_valid(""));
	assert_false(crypto_unit_path_is_valid("/thaibinh"));
	assert_false(crypto_unit_path_is_valid("thaibinh/"));
	assert_false(crypto_unit_path_is_valid("thai//binh"));
	assert_false(crypto_unit_path_is_valid("ThaiBinh"));
	assert_false(crypto_unit_path_is_valid("thai binh"));
	assert_false(crypto_unit_path_is_valid("-pc02"));
	assert_false(crypto_unit_path_is_valid("pc02-"));
	assert_false(crypto_unit_path_is_valid("thaibinh/../x"));
	assert_false(crypto_unit_path_is_valid("abcdefghijabcdefghijabcdefghijabc")); /* 33 */
	assert_false(crypto_unit_path_is_valid(
	        "abcdefghij/abcdefghij/abcdefghij/abcdefghij/abcdefghij/abcdefghij")); /* 65 */
	assert_true(crypto_unit_path_contains("thaibinh", "thaibinh"));
	assert_true(crypto_unit_path_contains("thaibinh", "thaibinh/pc02"));
	assert_false(crypto_unit_path_contains("thaibinh/pc02", "thaibinh"));
	assert_false(crypto_unit_path_contains("thaibinh/pc0", "thaibinh/pc02"));
	assert_false(crypto_unit_path_contains("thai", "thaibinh"));
	assert_true(crypto_user_is_valid("nguyen.van_a-2"));
	assert_false(crypto_user_is_valid(".nguyen"));
	assert_false(crypto_user_is_valid("Nguyen"));
	assert_false(crypto_user_is_valid("a/b"));
	assert_true(crypto_device_id_is_valid("laptop-1"));
	assert_false(crypto_device_id_is_valid("laptop.1"));
	assert_true(crypto_org_is_valid(ORG));
	assert_false(crypto_org_is_valid(" org"));
	assert_false(crypto_org_is_valid("org\n"));
	assert_false(crypto_org_is_valid("\xc0\xaf"));     /* overlong '/' */
	assert_false(crypto_org_is_valid("\xed\xa0\x80")); /* surrogate */
	assert_false(crypto_org_is_valid("\xc2\x85"));     /* C1 control */
}

static void test_pki_serial_hex(void **state)
{
	struct crypto_serial s, t;
	char hex[2 * CRYPTO_PKI_SERIAL_MAX + 1];

	(void)state;
	assert_int_equal(crypto_serial_from_hex("01ab", &s), 0);
	crypto_serial_hex(&s, hex, sizeof(hex));
	assert_string_equal(hex, "01ab");
	assert_int_equal(crypto_serial_from_hex("0001", &t), KENH_E_PARSE); /* not minimal */
	assert_int_equal(crypto_serial_from_hex("00", &t), KENH_E_PARSE);
	assert_int_equal(crypto_serial_from_hex("1", &t), KENH_E_PARSE);
	assert_int_equal(crypto_serial_from_hex("zz", &t), KENH_E_PARSE);
}

/* ---- issuing and validating ---- */

static void check_identity(const struct crypto_cert_info *id, const struct tu_held *dev,
                           const char *unit)
{
	assert_int_equal(id->kind, CRYPTO_CERT_DEVICE);
	assert_string_equal(id->org, ORG);
	assert_string_equal(id->unit, unit);
	assert_string_equal(id->user, "nguyenvana");
	assert_string_equal(id->device, "laptop-1");
	assert_string_equal(id->issuer, unit); /* issued by the unit's own CA in these tests */
	assert_int_equal(id->sig_id, dev->key.sig_id);
	assert_int_equal(id->pklen, dev->key.pklen);
	assert_memory_equal(id->pk, dev->key.pk, dev->key.pklen);
	assert_int_equal(id->not_before, NOW - DAY);
	assert_int_equal(id->not_after, NOW - DAY + 90 * DAY);
	assert_true(id->serial.len >= 1 && id->serial.len <= CRYPTO_PKI_SERIAL_RANDOM);
	assert_int_not_equal(id->serial.b[0], 0);
}

static void chain_for(struct kenh_ctx *ctx, uint16_t root_sig, uint16_t unit_sig, uint16_t dev_sig)
{
	struct tu_held root, u1, u2, dev, direct, cas[2];
	struct crypto_cert_info id;
	struct crypto_trust *t = NULL;

	make_root(ctx, root_sig, ORG, &root);
	make_unit(ctx, &root, UNIT1, unit_sig, &u1);
	make_unit(ctx, &u1, UNIT2, unit_sig, &u2);
	make_device(ctx, &u2, UNIT2, dev_sig, &dev);
	cas[0] = u2; /* any order; shallow copies */
	cas[1] = u1;
	assert_int_equal(validate(ctx, &root, cas, 2, NULL, 0, &dev, NOW, &id), 0);
	check_identity(&id, &dev, UNIT2);
	/* Without the unit CA that signed it, there is no path. */
	assert_int_equal(validate(ctx, &root, &cas[1], 1, NULL, 0, &dev, NOW, &id), KENH_E_VERIFY);
	assert_queue_empty();
	/* The root may issue a device directly. */
	make_device(ctx, &root, OTHERU, dev_sig, &direct);
	assert_int_equal(validate(ctx, &root, NULL, 0, NULL, 0, &direct, NOW, &id), 0);
	assert_string_equal(id.unit, OTHERU);
	assert_string_equal(id.issuer, "");
	/* CA certificates validate through the trust store too. */
	assert_int_equal(crypto_trust_new(ctx, root.der, root.len, &t), 0);
	assert_int_equal(crypto_trust_add_ca(t, u1.der, u1.len), 0);
	assert_int_equal(crypto_trust_verify_ca(t, u1.der, u1.len, NOW, &id), 0);
	assert_int_equal(id.kind, CRYPTO_CERT_UNIT);
	assert_int_equal(crypto_trust_verify_ca(t, root.der, root.len, NOW, &id), 0);
	assert_int_equal(id.kind, CRYPTO_CERT_ROOT);
	assert_int_equal(crypto_trust_verify_ca(t, u2.der, u2.len, NOW, &id), 0);
	/* A device is not a CA and a CA is not a device. */
	assert_int_equal(crypto_trust_verify_ca(t, dev.der, dev.len, NOW, &id), KENH_E_VERIFY);
	assert_int_equal(crypto_trust_verify(t, u1.der, u1.len, NOW, &id), KENH_E_VERIFY);
	assert_int_equal(crypto_trust_add_ca(t, dev.der, dev.len), KENH_E_PARSE);
	crypto_trust_free(t);
	assert_queue_empty();
	tu_held_free(&direct);
	tu_held_free(&dev);
	tu_held_free(&u2);
	tu_held_free(&u1);
	tu_held_free(&root);
}

static void test_pki_chain_ed25519(void **state)
{
	chain_for(*state, CRYPTO_SIG_ED25519, CRYPTO_SIG_ED25519, CRYPTO_SIG_ED25519);
}

static void test_pki_chain_p256(void **state)
{
	chain_for(*state, CRYPTO_SIG_ECDSA_P256_SHA256, CRYPTO_SIG_ECDSA_P256_SHA256,
	          CRYPTO_SIG_ECDSA_P256_SHA256);
}

static void test_pki_chain_mixed(void **state)
{
	chain_for(*state, CRYPTO_SIG_ED25519, CRYPTO_SIG_ECDSA_P256_SHA256, CRYPTO_SIG_ED25519);
	chain_for(*state, CRYPTO_SIG_ECDSA_P256_SHA256, CRYPTO_SIG_ED25519,
	          CRYPTO_SIG_ECDSA_P256_SHA256);
}

static void test_pki_suite_sig(void **state)
{
	(void)state;
	assert_int_equal(crypto_pki_suite_sig(1), CRYPTO_SIG_ED25519);
	assert_int_equal(crypto_pki_suite_sig(2), CRYPTO_SIG_ECDSA_P256_SHA256);
	assert_int_equal(crypto_pki_suite_sig(3), CRYPTO_SIG_ED25519);
	assert_int_equal(crypto_pki_suite_sig(4), 0);
}

static void test_pki_issue_outside_subtree_refused(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct tu_held root, u2, dev, x;
	struct crypto_cert_template t;
	struct crypto_issuer bad;
	static const char *const outside[] = { "thaibinh/pc03", "thaibinh", "thaibinh/pc02x",
		                               OTHERU };
	size_t i;

	make_root(ctx, CRYPTO_SIG_ED25519, ORG, &root);
	make_unit(ctx, &root, UNIT2, CRYPTO_SIG_ED25519, &u2);
	for (i = 0; i < ARRAY_LEN(outside); i++) {
		t = (struct crypto_cert_template){ .kind = CRYPTO_CERT_DEVICE,
			                           .unit = outside[i],
			                           .user = "eve",
			                           .device = "d1" };
		assert_int_equal(issue(ctx, &u2, &t, CRYPTO_SIG_ED25519, &x), KENH_E_PERM);
		tu_held_free(&x);
		t.kind = CRYPTO_CERT_UNIT;
		assert_int_equal(issue(ctx, &u2, &t, CRYPTO_SIG_ED25519, &x), KENH_E_PERM);
		tu_held_free(&x);
	}
	/* A unit CA for its own path again is not "strictly under" it. */
	t = (struct crypto_cert_template){ .kind = CRYPTO_CERT_UNIT, .unit = UNIT2 };
	assert_int_equal(issue(ctx, &u2, &t, CRYPTO_SIG_ED25519, &x), KENH_E_PERM);
	tu_held_free(&x);
	/* Inside the subtree is fine. */
	t = (struct crypto_cert_template){
		.kind = CRYPTO_CERT_DEVICE, .unit = UNIT2 "/doi-1", .user = "u", .device = "d"
	};
	assert_int_equal(issue(ctx, &u2, &t, CRYPTO_SIG_ED25519, &x), 0);
	tu_held_free(&x);
	/* A device cannot issue; a key that is not the issuer's is refused. */
	make_device(ctx, &u2, UNIT2, CRYPTO_SIG_ED25519, &dev);
	t = (struct crypto_cert_template){
		.kind = CRYPTO_CERT_DEVICE, .unit = UNIT2, .user = "u", .device = "d"
	};
	assert_int_equal(issue(ctx, &dev, &t, CRYPTO_SIG_ED25519, &x), KENH_E_PERM);
	tu_held_free(&x);
	bad.cert = tu_held_span(&root);
	bad.key = &u2.key;
	t.pk = dev.key.pk;
	t.pklen = dev.key.pklen;
	t.sig_id = dev.key.sig_id;
	assert_int_equal(crypto_cert_issue(ctx, &bad, &t, &x.der, &x.len), KENH_E_INVALID_ARG);
	t.user = "Bad User";
	assert_int_equal(issue(ctx, &root, &t, CRYPTO_SIG_ED25519, &x), KENH_E_INVALID_ARG);
	tu_held_free(&x);
	assert_queue_empty();
	tu_held_free(&dev);
	tu_held_free(&u2);
	tu_held_free(&root);
}

static void test_pki_lifetime_clamped_to_issuer(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct tu_held root, u1, dev;
	struct crypto_cert_template t = { .kind = CRYPTO_CERT_UNIT,
		                          .unit = UNIT1,
		                          .lifetime = 30 * DAY };
	struct crypto_cert_info a, b;

	make_root(ctx, CRYPTO_SIG_ED25519, ORG, &root);
	assert_int_equal(issue(ctx, &root, &t, CRYPTO_SIG_ED25519, &u1), 0);
	t = (struct crypto_cert_template){ .kind = CRYPTO_CERT_DEVICE,
		                           .unit = UNIT1,
		                           .user = "u",
		                           .device = "d",
		                           .lifetime = 90 * DAY };
	assert_int_equal(issue(ctx, &u1, &t, CRYPTO_SIG_ED25519, &dev), 0);
	assert_int_equal(crypto_cert_parse(ctx, u1.der, u1.len, &a), 0);
	assert_int_equal(crypto_cert_parse(ctx, dev.der, dev.len, &b), 0);
	assert_int_equal(b.not_after, a.not_after);
	tu_held_free(&dev);
	tu_held_free(&u1);
	tu_held_free(&root);
}

/* ---- a forged chain, built by hand with OpenSSL ---- */

static void add_conf_ext(X509 *x, X509 *ix, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *e;

	X509V3_set_ctx(&v3, ix != NULL ? ix : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

static void add_name(X509_NAME *n, int nid, const char *v)
{
	assert_int_equal(X509_NAME_add_entry_by_NID(n, nid, MBSTRING_UTF8, (const unsigned char *)v,
	                                            -1, -1, 0),
	                 1);
}

/*
 * A certificate following our profile exactly, signed by issuer's Ed25519
 * key, but for any unit the forger likes: what a rogue or buggy unit CA
 * could sign, bypassing crypto_cert_issue's refusal.
 */
static void forge(const struct tu_held *issuer, const char *unit, bool ca, struct kenh_ctx *ctx,
                  struct tu_held *out)
{
	const unsigned char *p = issuer->der;
	X509 *ix = d2i_X509(NULL, &p, (long)issuer->len), *x = X509_new();
	X509_NAME *n = X509_NAME_new();
	EVP_PKEY *pub, *isk;
	char san[160];
	unsigned char *buf = NULL;
	int len;

	assert_non_null(ix);
	memset(out, 0, sizeof(*out));
	assert_int_equal(crypto_sigkey_generate(ctx, CRYPTO_SIG_ED25519, &out->key), 0);
	pub = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, out->key.pk, 32);
	isk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, issuer->key.sk, 32);
	assert_true(pub != NULL && isk != NULL && x != NULL && n != NULL);
	X509_set_version(x, X509_VERSION_3);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 4242);
	add_name(n, NID_organizationName, ORG);
	add_name(n, NID_organizationalUnitName, unit);
	add_name(n, NID_commonName, ca ? "Kenh unit CA" : "eve");
	if (!ca) add_name(n, NID_serialNumber, "evil-1");
	X509_set_subject_name(x, n);
	X509_set_issuer_name(x, X509_get_subject_name(ix));
	ASN1_TIME_set(X509_getm_notBefore(x), (time_t)(NOW - DAY));
	ASN1_TIME_set(X509_getm_notAfter(x), (time_t)(NOW + 30 * DAY));
	X509_set_pubkey(x, pub);
	add_conf_ext(x, ix, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
	add_conf_ext(x, ix, NID_key_usage,
	             ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
	if (!ca) add_conf_ext(x, ix, NID_ext_key_usage, "clientAuth");
	snprintf(san, sizeof(san), ca ? "URI:kenh:unit/%s" : "URI:kenh:device/%s/eve/evil-1", unit);
	add_conf_ext(x, ix, NID_subject_alt_name, san);
	add_conf_ext(x, ix, NID_subject_key_identifier, "hash");
	assert_true(X509_sign(x, isk, NULL) > 0);
	assert_true((len = i2d_X509(x, &buf)) > 0);
	assert_int_equal(mem_dup(buf, (size_t)len, &out->der), 0);
	out->len = (size_t)len;
	OPENSSL_free(buf);
	EVP_PKEY_free(pub);
	EVP_PKEY_free(isk);
	X509_NAME_free(n);
	X509_free(x);
	X509_free(ix);
}

static void test_pki_forged_chain_rejected(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct tu_held root, u1, u2, fdev, fca, fdev2, fsame, fdev3, fin, cas[4];
	struct crypto_cert_info id;

	make_root(ctx, CRYPTO_SIG_ED25519, ORG, &root);
	make_unit(ctx, &root, UNIT1, CRYPTO_SIG_ED25519, &u1);
	make_unit(ctx, &u1, UNIT2, CRYPTO_SIG_ED25519, &u2);
	/* The forger's tooling works: a forged certificate inside the subtree validates. */
	forge(&u2, UNIT2 "/doi-1", false, ctx, &fin);
	cas[0] = u1;
	cas[1] = u2;
	assert_int_equal(validate(ctx, &root, cas, 2, NULL, 0, &fin, NOW, &id), 0);
	assert_string_equal(id.unit, UNIT2 "/doi-1");
	/* A device outside the unit CA's subtree, correctly signed by it. */
	forge(&u2, OTHERU, false, ctx, &fdev);
	assert_int_equal(validate(ctx, &root, cas, 2, NULL, 0, &fdev, NOW, &id), KENH_E_PERM);
	/* Outside on a segment boundary only: "thaibinh/pc02x" is not under "thaibinh/pc02". */
	tu_held_free(&fdev);
	forge(&u2, "thaibinh/pc02x", false, ctx, &fdev);
	assert_int_equal(validate(ctx, &root, cas, 2, NULL, 0, &fdev, NOW, &id), KENH_E_PERM);
	/* A sub-CA outside the subtree, and a device inside the sub-CA's claimed unit. */
	forge(&u2, "haiphong", true, ctx, &fca);
	forge(&fca, "haiphong", false, ctx, &fdev2);
	cas[2] = fca;
	assert_int_equal(validate(ctx, &root, cas, 3, NULL, 0, &fdev2, NOW, &id), KENH_E_PERM);
	/* A sub-CA for the same path as its issuer (not strictly under it). */
	forge(&u2, UNIT2, true, ctx, &fsame);
	forge(&fsame, UNIT2, false, ctx, &fdev3);
	cas[3] = fsame;
	assert_int_equal(validate(ctx, &root, cas, 4, NULL, 0, &fdev3, NOW, &id), KENH_E_PERM);
	assert_queue_empty();
	tu_held_free(&fin);
	tu_held_free(&fdev);
	tu_held_free(&fca);
	tu_held_free(&fdev2);
	tu_held_free(&fsame);
	tu_held_free(&fdev3);
	tu_held_free(&u2);
	tu_held_free(&u1);
	tu_held_free(&root);
}

/* ---- time, revocation, trust anchor ---- */

static void test_pki_expired_refused(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct tu_held root, u1, dev, shortu, dev2;
	struct crypto_cert_template t = { .kind = CRYPTO_CERT_UNIT,
		                          .unit = "quangninh",
		                          .lifetime = 10 * DAY };
	struct crypto_cert_info id;

	make_root(ctx, CRYPTO_SIG_ED25519, ORG, &root);
	make_unit(ctx, &root, UNIT1, CRYPTO_SIG_ED25519, &u1);
	make_device(ctx, &u1, UNIT1, CRYPTO_SIG_ED25519, &dev);
	assert_int_equal(validate(ctx, &root, &u1, 1, NULL, 0, &dev, NOW + 88 * DAY, &id), 0);
	assert_int_equal(validate(ctx, &root, &u1, 1, NULL, 0, &dev, NOW + 90 * DAY, &id),
	                 KENH_E_EXPIRED);
	assert_int_equal(validate(ctx, &root, &u1, 1, NULL, 0, &dev, NOW - 2 * DAY, &id),
	                 KENH_E_EXPIRED);
	/* A unit CA that has expired takes its devices with it. */
	assert_int_equal(issue(ctx, &root, &t, CRYPTO_SIG_ED25519, &shortu), 0);
	make_device(ctx, &shortu, "quangninh", CRYPTO_SIG_ED25519, &dev2);
	assert_int_equal(validate(ctx, &root, &shortu, 1, NULL, 0, &dev2, NOW, &id), 0);
	assert_int_equal(validate(ctx, &root, &shortu, 1, NULL, 0, &dev2, NOW + 10 * DAY, &id),
	                 KENH_E_EXPIRED);
	/* And so does the root. */
	assert_int_equal(validate(ctx, &root, &u1, 1, NULL, 0, &dev, NOW + 11 * YEAR, &id),
	                 KENH_E_EXPIRED);
	assert_queue_empty();
	tu_held_free(&dev2);
	tu_held_free(&shortu);
	tu_held_free(&dev);
	tu_held_free(&u1);
	tu_held_free(&root);
}

static void make_crl(struct kenh_ctx *ctx, const struct tu_held *ca,
                     const struct crypto_crl_entry *e, size_t n, uint8_t **der, size_t *len)
{
	struct crypto_issuer iss = { tu_held_span(ca), &ca->key };
	struct crypto_crl_template t = { e, n, 7, NOW, NOW + 30 * DAY };

	assert_int_equal(crypto_crl_create(ctx, &iss, &t, der, len), 0);
}

static void entry_for(const struct tu_held *cert, struct kenh_ctx *ctx, struct crypto_crl_entry *e)
{
	struct crypto_cert_info info;

	assert_int_equal(crypto_cert_parse(ctx, cert->der, cert->len, &info), 0);
	memset(e, 0, sizeof(*e));
	e->serial = info.serial;
	e->revoked_at = NOW;
	e->reason = CRYPTO_CRL_KEY_COMPROMISE;
}

static void test_pki_revoked_refused(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct tu_held root, u1, u2, dev, other, u2b;
	struct crypto_crl_entry e[2];
	struct crypto_cert_info id;
	struct kenh_span crl;
	uint8_t *der = NULL;
	size_t len = 0;

	make_root(ctx, CRYPTO_SIG_ED25519, ORG, &root);
	make_unit(ctx, &root, UNIT1, CRYPTO_SIG_ED25519, &u1);
	make_unit(ctx, &root, UNIT2, CRYPTO_SIG_ECDSA_P256_SHA256, &u2);
	make_device(ctx, &u2, UNIT2, CRYPTO_SIG_ED25519, &dev);
	make_device(ctx, &u2, UNIT2, CRYPTO_SIG_ED25519, &other);
	/* The unit CA revokes the device. */
	entry_for(&dev, ctx, &e[0]);
	make_crl(ctx, &u2, e, 1, &der, &len);
	crl = span_make(der, len);
	assert_int_equal(validate(ctx, &root, &u2, 1, &crl, 1, &dev, NOW, &id), KENH_E_REVOKED);
	assert_int_equal(validate(ctx, &root, &u2, 1, &crl, 1, &other, NOW, &id), 0);
	/* A CRL whose signature does not verify under the CA it names fails validation. */
	der[len - 1] ^= 1;
	assert_int_equal(validate(ctx, &root, &u2, 1, &crl, 1, &other, NOW, &id), KENH_E_VERIFY);
	mem_free(der);
	/* Another CA of the same name (another key) lists the serial: not this CA's CRL. */
	make_unit(ctx, &root, UNIT2, CRYPTO_SIG_ED25519, &u2b);
	make_crl(ctx, &u2b, e, 1, &der, &len);
	crl = span_make(der, len);
	assert_int_equal(validate(ctx, &root, &u2, 1, &crl, 1, &dev, NOW, &id), 0);
	mem_free(der);
	/* The root revokes the unit CA: everything under it falls. */
	entry_for(&u2, ctx, &e[0]);
	entry_for(&u1, ctx, &e[1]);
	make_crl(ctx, &root, e, 2, &der, &len);
	crl = span_make(der, len);
	assert_int_equal(validate(ctx, &root, &u2, 1, &crl, 1, &other, NOW, &id), KENH_E_REVOKED);
	mem_free(der);
	assert_queue_empty();
	tu_held_free(&u2b);
	tu_held_free(&other);
	tu_held_free(&dev);
	tu_held_free(&u2);
	tu_held_free(&u1);
	tu_held_free(&root);
}

static void test_pki_wrong_root_refused(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct tu_held root, evil, u1, dev;
	struct crypto_cert_info id;
	struct crypto_trust *t = NULL;

	make_root(ctx, CRYPTO_SIG_ED25519, ORG, &root);
	/* Same organization name, same profile, another key. */
	make_root(ctx, CRYPTO_SIG_ED25519, ORG, &evil);
	make_unit(ctx, &root, UNIT1, CRYPTO_SIG_ED25519, &u1);
	make_device(ctx, &u1, UNIT1, CRYPTO_SIG_ED25519, &dev);
	assert_int_equal(validate(ctx, &evil, &u1, 1, NULL, 0, &dev, NOW, &id), KENH_E_VERIFY);
	/* A unit CA is no trust anchor. */
	assert_int_equal(crypto_trust_new(ctx, u1.der, u1.len, &t), KENH_E_VERIFY);
	assert_null(t);
	/* Another root is not a CA of this store. */
	assert_int_equal(crypto_trust_new(ctx, root.der, root.len, &t), 0);
	assert_int_equal(crypto_trust_verify_ca(t, evil.der, evil.len, NOW, &id), KENH_E_VERIFY);
	assert_int_equal(crypto_trust_add_ca(t, evil.der, evil.len), KENH_E_PARSE);
	crypto_trust_free(t);
	assert_queue_empty();
	tu_held_free(&dev);
	tu_held_free(&u1);
	tu_held_free(&evil);
	tu_held_free(&root);
}

static void test_pki_crl_roundtrip(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct tu_held root, u1, dev;
	struct crypto_crl_entry e[3], got;
	struct crypto_crl_meta m;
	struct crypto_crl *crl = NULL;
	struct crypto_serial absent;
	uint8_t *der = NULL, *longer = NULL;
	size_t len = 0, i;

	make_root(ctx, CRYPTO_SIG_ECDSA_P256_SHA256, ORG, &root);
	make_unit(ctx, &root, UNIT2, CRYPTO_SIG_ED25519, &u1);
	make_device(ctx, &u1, UNIT2, CRYPTO_SIG_ED25519, &dev);
	entry_for(&dev, ctx, &e[0]);
	assert_int_equal(crypto_serial_from_hex("0102030405", &e[1].serial), 0);
	e[1].revoked_at = NOW - DAY;
	e[1].reason = CRYPTO_CRL_UNSPECIFIED;
	assert_int_equal(crypto_serial_from_hex("7f", &e[2].serial), 0);
	e[2].revoked_at = NOW - 2 * DAY;
	e[2].reason = CRYPTO_CRL_CESSATION;
	make_crl(ctx, &u1, e, 3, &der, &len);
	assert_int_equal(crypto_crl_parse(ctx, der, len, &crl), 0);
	crypto_crl_meta(crl, &m);
	assert_int_equal(m.count, 3);
	assert_int_equal(m.number, 7);
	assert_int_equal(m.this_update, NOW);
	assert_int_equal(m.next_update, NOW + 30 * DAY);
	assert_string_equal(m.issuer, UNIT2);
	for (i = 0; i < 3; i++) {
		assert_true(crypto_crl_has_serial(crl, &e[i].serial));
		assert_int_equal(crypto_crl_entry_get(crl, i, &got), 0);
	}
	assert_int_equal(crypto_crl_entry_get(crl, 3, &got), KENH_E_INVALID_ARG);
	assert_int_equal(crypto_serial_from_hex("0103", &absent), 0);
	assert_false(crypto_crl_has_serial(crl, &absent));
	assert_int_equal(crypto_crl_verify(crl, u1.der, u1.len), 0);
	assert_int_equal(crypto_crl_verify(crl, root.der, root.len), KENH_E_VERIFY);
	crypto_crl_free(crl);
	/* R17.1: truncated at every byte, and one byte of trailing garbage. */
	for (i = 0; i < len; i++) {
		assert_int_not_equal(crypto_crl_parse(ctx, der, i, &crl), 0);
		assert_null(crl);
	}
	longer = with_trailing(der, len);
	assert_int_equal(crypto_crl_parse(ctx, longer, len + 1, &crl), KENH_E_PARSE);
	assert_queue_empty();
	mem_free(longer);
	mem_free(der);
	tu_held_free(&dev);
	tu_held_free(&u1);
	tu_held_free(&root);
}

/* ---- enrollment ---- */

static const uint8_t code1[CRYPTO_ENROLL_CODE_LEN] = { 0x00, 0x40, 0x54, 0x76, 0x98, 0xba,
	                                               0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67,
	                                               0x89, 0xab, 0xcd, 0xef };
static const uint8_t code2[CRYPTO_ENROLL_CODE_LEN] = { 1, 2,  3,  4,  5,  6,  7,  8,
	                                               9, 10, 11, 12, 13, 14, 15, 16 };

/* How a person might type symbol c: 1 as I or l, 0 as o, letters in lowercase. */
static char sloppy(char c, size_t i)
{
	if (c == '1') return (i % 2) ? 'l' : 'I';
	if (c == '0') return 'o';
	if (c >= 'A' && c <= 'Z') return (char)(c - 'A' + 'a');
	return c;
}

static void test_pki_enroll_code_text(void **state)
{
	struct kenh_ctx *ctx = *state;
	char text[CRYPTO_ENROLL_CODE_TEXT], typed[CRYPTO_ENROLL_CODE_TEXT];
	uint8_t back[CRYPTO_ENROLL_CODE_LEN];
	size_t i, o = 0;

	assert_int_equal(crypto_enroll_code_format(ctx, code1, text, sizeof(text)), 0);
	assert_int_equal(strlen(text), 34);
	assert_int_equal(text[4], '-');
	/* This code's text has a 0 and a 1, so the substitutions below are exercised. */
	assert_non_null(strchr(text, '0'));
	assert_non_null(strchr(text, '1'));
	assert_int_equal(crypto_enroll_code_parse(ctx, text, back), 0);
	assert_memory_equal(back, code1, sizeof(back));
	/* Typed sloppily: lowercase, no dashes, I/L for 1 and O for 0. */
	for (i = 0; text[i] != '\0'; i++) {
		char c = text[i];

		if (c == '-') continue;
		typed[o] = sloppy(c, o);
		o++;
	}
	typed[o] = '\0';
	memset(back, 0, sizeof(back));
	assert_int_equal(crypto_enroll_code_parse(ctx, typed, back), 0);
	assert_memory_equal(back, code1, sizeof(back));
	/* One symbol mistyped: the check byte catches it. */
	typed[3] = typed[3] == 'a' ? 'b' : 'a';
	assert_int_equal(crypto_enroll_code_parse(ctx, typed, back), KENH_E_VERIFY);
	assert_int_equal(crypto_enroll_code_parse(ctx, "ABCD-EFGH", back), KENH_E_PARSE);
	assert_int_equal(crypto_enroll_code_parse(ctx, "UUUU-UUUU-UUUU-UUUU-UUUU-UUUU-UUUU", back),
	                 KENH_E_PARSE);
	text[33] = '\0';
	assert_int_equal(crypto_enroll_code_parse(ctx, text, back), KENH_E_PARSE);
}

static void make_csr(struct kenh_ctx *ctx, const struct crypto_sigkey *k, const uint8_t *code,
                     const char *user, uint8_t **der, size_t *len)
{
	struct crypto_enroll_claim claim = { user, UNIT2, code };

	assert_int_equal(crypto_csr_create(ctx, k, &claim, der, len), 0);
}

static void csr_for(struct kenh_ctx *ctx, uint16_t sig_id)
{
	struct crypto_sigkey k;
	struct crypto_csr_info info;
	uint8_t ck[CRYPTO_ENROLL_KEY_LEN], ck2[CRYPTO_ENROLL_KEY_LEN], *der = NULL, *longer;
	size_t len = 0, i;

	assert_int_equal(crypto_sigkey_generate(ctx, sig_id, &k), 0);
	make_csr(ctx, &k, code1, "nguyenvana", &der, &len);
	assert_int_equal(crypto_csr_verify(ctx, der, len, &info), 0);
	assert_string_equal(info.user, "nguyenvana");
	assert_string_equal(info.unit, UNIT2);
	assert_int_equal(info.sig_id, sig_id);
	assert_memory_equal(info.pk, k.pk, k.pklen);
	/* The authority finds the code by its key; another code has another key. */
	assert_int_equal(crypto_enroll_code_key(ctx, code1, ck), 0);
	assert_int_equal(crypto_enroll_code_key(ctx, code2, ck2), 0);
	assert_memory_equal(info.code_key, ck, sizeof(ck));
	assert_memory_not_equal(ck, ck2, sizeof(ck));
	/* The code is nowhere in the request. */
	for (i = 0; i + CRYPTO_ENROLL_CODE_LEN <= len; i++)
		assert_memory_not_equal(der + i, code1, CRYPTO_ENROLL_CODE_LEN);
	/* Every flipped bit is refused (R17.1), with an empty error queue. */
	for (i = 0; i < len * 8; i++) {
		der[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_not_equal(crypto_csr_verify(ctx, der, len, &info), 0);
		der[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_queue_empty();
	}
	for (i = 0; i < len; i++)
		assert_int_not_equal(crypto_csr_verify(ctx, der, i, &info), 0);
	longer = with_trailing(der, len);
	assert_int_equal(crypto_csr_verify(ctx, longer, len + 1, &info), KENH_E_PARSE);
	mem_free(longer);
	mem_free(der);
	crypto_sigkey_clear(&k);
}

static void test_pki_csr_ed25519(void **state)
{
	csr_for(*state, CRYPTO_SIG_ED25519);
}

static void test_pki_csr_p256(void **state)
{
	csr_for(*state, CRYPTO_SIG_ECDSA_P256_SHA256);
}

/* A renewal request: our key, identity and serial; never taken for an enrollment request. */
static void renew_csr_for(struct kenh_ctx *ctx, uint16_t sig_id)
{
	static const struct crypto_serial serial = { 3, { 0x7f, 0x01, 0x02 } };
	struct crypto_renew_claim claim = { UNIT2, "nguyenvana", "abcdefgh23456789", &serial };
	struct crypto_renew_info info;
	struct crypto_csr_info ci;
	struct crypto_sigkey k;
	uint8_t *der = NULL, *enr = NULL, *longer;
	size_t len = 0, elen = 0, i;

	assert_int_equal(crypto_sigkey_generate(ctx, sig_id, &k), 0);
	assert_int_equal(crypto_renew_csr_create(ctx, &k, &claim, &der, &len), 0);
	assert_int_equal(crypto_renew_csr_verify(ctx, der, len, &info), 0);
	assert_string_equal(info.user, "nguyenvana");
	assert_string_equal(info.unit, UNIT2);
	assert_string_equal(info.device, "abcdefgh23456789");
	assert_true(crypto_serial_eq(&info.serial, &serial));
	assert_int_equal(info.sig_id, sig_id);
	assert_memory_equal(info.pk, k.pk, k.pklen);
	/* The two kinds of request are never confused. */
	assert_int_equal(crypto_csr_verify(ctx, der, len, &ci), KENH_E_PARSE);
	make_csr(ctx, &k, code1, "nguyenvana", &enr, &elen);
	assert_int_equal(crypto_renew_csr_verify(ctx, enr, elen, &info), KENH_E_PARSE);
	/* Every flipped bit, every truncation and a trailing byte are refused (R17.1). */
	for (i = 0; i < len * 8; i++) {
		der[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_not_equal(crypto_renew_csr_verify(ctx, der, len, &info), 0);
		der[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_queue_empty();
	}
	for (i = 0; i < len; i++)
		assert_int_not_equal(crypto_renew_csr_verify(ctx, der, i, &info), 0);
	longer = with_trailing(der, len);
	assert_int_equal(crypto_renew_csr_verify(ctx, longer, len + 1, &info), KENH_E_PARSE);
	/* Bad claims are refused when making the request. */
	mem_free(longer);
	mem_free(der);
	claim.device = "Not/AnId";
	assert_int_equal(crypto_renew_csr_create(ctx, &k, &claim, &der, &len), KENH_E_INVALID_ARG);
	assert_null(der);
	mem_free(enr);
	crypto_sigkey_clear(&k);
}

static void test_pki_renew_csr_ed25519(void **state)
{
	renew_csr_for(*state, CRYPTO_SIG_ED25519);
}

static void test_pki_renew_csr_p256(void **state)
{
	renew_csr_for(*state, CRYPTO_SIG_ECDSA_P256_SHA256);
}

/* Re-sign a request after changing it: another key (and signer), or another user. */
static void resign(const uint8_t *der, size_t len, const struct crypto_sigkey *signer,
                   const char *user, uint8_t **out, size_t *outlen)
{
	const unsigned char *p = der;
	X509_REQ *req = d2i_X509_REQ(NULL, &p, (long)len);
	EVP_PKEY *sk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, signer->sk, 32);
	X509_NAME *n = X509_NAME_new();
	unsigned char *buf = NULL;
	int n2;

	assert_true(req != NULL && sk != NULL && n != NULL);
	assert_int_equal(X509_REQ_set_pubkey(req, sk), 1);
	add_name(n, NID_organizationalUnitName, UNIT2);
	add_name(n, NID_commonName, user);
	assert_int_equal(X509_REQ_set_subject_name(req, n), 1);
	assert_true(X509_REQ_sign(req, sk, NULL) > 0);
	assert_true((n2 = i2d_X509_REQ(req, &buf)) > 0);
	assert_int_equal(mem_dup(buf, (size_t)n2, out), 0);
	*outlen = (size_t)n2;
	OPENSSL_free(buf);
	X509_NAME_free(n);
	EVP_PKEY_free(sk);
	X509_REQ_free(req);
}

/*
 * What a relay could try with a captured request: keep the binding, put
 * its own key in (and sign with it), or change the user. Both fail.
 */
static void test_pki_csr_binding_not_transferable(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct crypto_sigkey dev, relay;
	struct crypto_csr_info info;
	uint8_t *der = NULL, *moved = NULL;
	size_t len = 0, mlen = 0;

	assert_int_equal(crypto_sigkey_generate(ctx, CRYPTO_SIG_ED25519, &dev), 0);
	assert_int_equal(crypto_sigkey_generate(ctx, CRYPTO_SIG_ED25519, &relay), 0);
	make_csr(ctx, &dev, code1, "nguyenvana", &der, &len);
	/* Sanity: re-signing without changes keeps a valid request. */
	resign(der, len, &dev, "nguyenvana", &moved, &mlen);
	assert_int_equal(crypto_csr_verify(ctx, moved, mlen, &info), 0);
	mem_free(moved);
	resign(der, len, &relay, "nguyenvana", &moved, &mlen);
	assert_int_equal(crypto_csr_verify(ctx, moved, mlen, &info), KENH_E_VERIFY);
	mem_free(moved);
	resign(der, len, &dev, "tranthib", &moved, &mlen);
	assert_int_equal(crypto_csr_verify(ctx, moved, mlen, &info), KENH_E_VERIFY);
	mem_free(moved);
	assert_queue_empty();
	mem_free(der);
	crypto_sigkey_clear(&dev);
	crypto_sigkey_clear(&relay);
}

static void test_pki_device_id(void **state)
{
	struct kenh_ctx *ctx = *state;
	char a[CRYPTO_PKI_DEVICE_ID_LEN + 1], b[CRYPTO_PKI_DEVICE_ID_LEN + 1];
	struct crypto_sigkey k;

	assert_int_equal(crypto_sigkey_generate(ctx, CRYPTO_SIG_ECDSA_P256_SHA256, &k), 0);
	assert_int_equal(crypto_device_id_make(ctx, k.sig_id, k.pk, k.pklen, a), 0);
	assert_int_equal(crypto_device_id_make(ctx, k.sig_id, k.pk, k.pklen, b), 0);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), CRYPTO_PKI_DEVICE_ID_LEN);
	assert_true(crypto_device_id_is_valid(a));
	k.pk[10] ^= 1;
	assert_int_equal(crypto_device_id_make(ctx, k.sig_id, k.pk, k.pklen, b), 0);
	assert_string_not_equal(a, b);
	crypto_sigkey_clear(&k);
	for (size_t i = 0; i < sizeof(k); i++)
		assert_int_equal(((const uint8_t *)&k)[i], 0);
}

/* ---- wipe orders ---- */

static void test_pki_wipe_orders(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct tu_held root, u1, u2, sib, dev;
	struct crypto_issuer by_root, by_u2, by_sib;
	struct crypto_trust *t = NULL;
	struct crypto_cert_info self;
	struct crypto_wipe_order o;
	uint8_t *w = NULL, *longer;
	size_t wl = 0, i;

	make_root(ctx, CRYPTO_SIG_ECDSA_P256_SHA256, ORG, &root);
	make_unit(ctx, &root, UNIT1, CRYPTO_SIG_ED25519, &u1);
	make_unit(ctx, &u1, UNIT2, CRYPTO_SIG_ECDSA_P256_SHA256, &u2);
	make_unit(ctx, &u1, "thaibinh/pc03", CRYPTO_SIG_ED25519, &sib);
	make_device(ctx, &u2, UNIT2, CRYPTO_SIG_ED25519, &dev);
	assert_int_equal(crypto_cert_parse(ctx, dev.der, dev.len, &self), 0);
	assert_int_equal(crypto_trust_new(ctx, root.der, root.len, &t), 0);
	assert_int_equal(crypto_trust_add_ca(t, u1.der, u1.len), 0);
	assert_int_equal(crypto_trust_add_ca(t, u2.der, u2.len), 0);
	assert_int_equal(crypto_trust_add_ca(t, sib.der, sib.len), 0);
	by_root = (struct crypto_issuer){ tu_held_span(&root), &root.key };
	by_u2 = (struct crypto_issuer){ tu_held_span(&u2), &u2.key };
	by_sib = (struct crypto_issuer){ tu_held_span(&sib), &sib.key };

	assert_int_equal(crypto_wipe_create(ctx, &by_root, "laptop-1", NOW, &w, &wl), 0);
	assert_int_equal(crypto_wipe_verify(t, &self, span_make(w, wl), NOW, &o), 0);
	assert_string_equal(o.device, "laptop-1");
	assert_int_equal(o.issued, NOW);
	mem_free(w);

	assert_int_equal(crypto_wipe_create(ctx, &by_u2, "laptop-1", NOW, &w, &wl), 0);
	assert_int_equal(crypto_wipe_verify(t, &self, span_make(w, wl), NOW, &o), 0);
	/* R17.1: every flipped bit, every truncation, trailing garbage. */
	for (i = 0; i < wl * 8; i++) {
		w[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_not_equal(crypto_wipe_verify(t, &self, span_make(w, wl), NOW, &o), 0);
		w[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	for (i = 0; i < wl; i++)
		assert_int_not_equal(crypto_wipe_parse(w, i, &o), 0);
	longer = with_trailing(w, wl);
	assert_int_equal(crypto_wipe_parse(longer, wl + 1, &o), KENH_E_TRAILING);
	mem_free(longer);
	/* The unit CA's own CA, once expired, no longer speaks. */
	assert_int_equal(crypto_wipe_verify(t, &self, span_make(w, wl), NOW + 6 * YEAR, &o),
	                 KENH_E_EXPIRED);
	mem_free(w);

	/* A sibling unit CA may not wipe this device; nor is an order for another device ours. */
	assert_int_equal(crypto_wipe_create(ctx, &by_sib, "laptop-1", NOW, &w, &wl), 0);
	assert_int_equal(crypto_wipe_verify(t, &self, span_make(w, wl), NOW, &o), KENH_E_PERM);
	mem_free(w);
	assert_int_equal(crypto_wipe_create(ctx, &by_root, "phone-2", NOW, &w, &wl), 0);
	assert_int_equal(crypto_wipe_verify(t, &self, span_make(w, wl), NOW, &o), KENH_E_PERM);
	assert_int_equal(crypto_wipe_parse(w, wl, &o), 0);
	assert_string_equal(o.device, "phone-2");
	mem_free(w);
	crypto_trust_free(t);

	/* A signer the store does not hold is unknown. */
	assert_int_equal(crypto_trust_new(ctx, root.der, root.len, &t), 0);
	assert_int_equal(crypto_wipe_create(ctx, &by_u2, "laptop-1", NOW, &w, &wl), 0);
	assert_int_equal(crypto_wipe_verify(t, &self, span_make(w, wl), NOW, &o), KENH_E_VERIFY);
	mem_free(w);
	crypto_trust_free(t);
	assert_queue_empty();
	tu_held_free(&dev);
	tu_held_free(&sib);
	tu_held_free(&u2);
	tu_held_free(&u1);
	tu_held_free(&root);
}

/* ---- key files ---- */

static void test_pki_keyfile(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct crypto_keyfile_lock lock = { { 64, 1, 1 },
		                            { (const uint8_t *)"correct horse", 13 } };
	struct kenh_span wrong = span_make((const uint8_t *)"correct horsf", 13);
	struct crypto_sigkey k, back;
	uint8_t *f = NULL, *longer;
	size_t fl = 0, i;

	assert_int_equal(crypto_sigkey_generate(ctx, CRYPTO_SIG_ECDSA_P256_SHA256, &k), 0);
	assert_int_equal(crypto_keyfile_seal(ctx, &lock, &k, &f, &fl), 0);
	/* The private key is not in the file in clear. */
	for (i = 0; i + k.sklen <= fl; i++)
		assert_memory_not_equal(f + i, k.sk, k.sklen);
	assert_int_equal(crypto_keyfile_open(ctx, span_make(f, fl), lock.pass, &back), 0);
	assert_int_equal(back.sig_id, k.sig_id);
	assert_memory_equal(back.sk, k.sk, k.sklen);
	assert_memory_equal(back.pk, k.pk, k.pklen);
	assert_int_equal(crypto_keyfile_open(ctx, span_make(f, fl), wrong, &back), KENH_E_DECRYPT);
	assert_int_equal(back.sklen, 0);
	/* Any changed byte: refused, never a key. */
	for (i = 0; i < fl; i++) {
		f[i] ^= 0x01;
		assert_int_not_equal(crypto_keyfile_open(ctx, span_make(f, fl), lock.pass, &back),
		                     0);
		f[i] ^= 0x01;
	}
	for (i = 0; i < fl; i++)
		assert_int_not_equal(crypto_keyfile_open(ctx, span_make(f, i), lock.pass, &back),
		                     0);
	longer = with_trailing(f, fl);
	assert_int_equal(crypto_keyfile_open(ctx, span_make(longer, fl + 1), lock.pass, &back),
	                 KENH_E_TRAILING);
	/* A hostile header asking for 4 TiB of memory is refused before any allocation. */
	memset(longer + 10, 0xff, 4);
	assert_int_equal(crypto_keyfile_open(ctx, span_make(longer, fl), lock.pass, &back),
	                 KENH_E_INVALID_ARG);
	mem_free(longer);
	mem_free(f);
	crypto_sigkey_clear(&k);
	assert_queue_empty();
}

static void test_pki_argon2id_params(void **state)
{
	struct crypto_argon2_params p = { 64, 1, 1 };
	struct kenh_span pass = span_make((const uint8_t *)"pw", 2);
	uint8_t salt[16] = { 0 }, a[32], b[32];

	(void)state;
	assert_int_equal(crypto_argon2id(&p, pass, salt, sizeof(salt), a, sizeof(a)), 0);
	assert_int_equal(crypto_argon2id(&p, pass, salt, sizeof(salt), b, sizeof(b)), 0);
	assert_memory_equal(a, b, sizeof(a));
	salt[0] = 1;
	assert_int_equal(crypto_argon2id(&p, pass, salt, sizeof(salt), b, sizeof(b)), 0);
	assert_memory_not_equal(a, b, sizeof(a));
	p.t_cost = 0;
	assert_int_equal(crypto_argon2id(&p, pass, salt, sizeof(salt), a, sizeof(a)),
	                 KENH_E_INVALID_ARG);
	p = (struct crypto_argon2_params){ 8, 1, 2 }; /* m < 8 * lanes */
	assert_false(crypto_argon2_params_ok(&p));
	p = (struct crypto_argon2_params){ 64, 1, 1 };
	assert_int_equal(crypto_argon2id(&p, pass, salt, 4, a, sizeof(a)), KENH_E_INVALID_ARG);
}

/* ---- certificate decoding ---- */

static void test_pki_cert_decoder_negatives(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct tu_held root, dev;
	struct crypto_cert_info info;
	uint8_t *longer;
	size_t i;

	make_root(ctx, CRYPTO_SIG_ED25519, ORG, &root);
	make_device(ctx, &root, UNIT1, CRYPTO_SIG_ED25519, &dev);
	assert_int_equal(crypto_cert_parse(ctx, dev.der, dev.len, &info), 0);
	for (i = 0; i < dev.len; i++)
		assert_int_not_equal(crypto_cert_parse(ctx, dev.der, i, &info), 0);
	longer = with_trailing(dev.der, dev.len);
	assert_int_equal(crypto_cert_parse(ctx, longer, dev.len + 1, &info), KENH_E_PARSE);
	mem_free(longer);
	/* Every flipped bit fails validation. */
	for (i = 0; i < dev.len * 8; i++) {
		dev.der[i / 8] ^= (uint8_t)(1u << (i % 8));
		assert_int_not_equal(validate(ctx, &root, NULL, 0, NULL, 0, &dev, NOW, &info), 0);
		dev.der[i / 8] ^= (uint8_t)(1u << (i % 8));
	}
	assert_int_equal(crypto_cert_parse(ctx, dev.der, CRYPTO_PKI_MAX_CERT_DER + 1, &info),
	                 KENH_E_TOO_LARGE);
	assert_queue_empty();
	tu_held_free(&dev);
	tu_held_free(&root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pki_names),
		cmocka_unit_test(test_pki_renew_csr_ed25519),
		cmocka_unit_test(test_pki_renew_csr_p256),
		cmocka_unit_test(test_pki_serial_hex),
		cmocka_unit_test(test_pki_suite_sig),
		cmocka_unit_test(test_pki_chain_ed25519),
		cmocka_unit_test(test_pki_chain_p256),
		cmocka_unit_test(test_pki_chain_mixed),
		cmocka_unit_test(test_pki_issue_outside_subtree_refused),
		cmocka_unit_test(test_pki_lifetime_clamped_to_issuer),
		cmocka_unit_test(test_pki_forged_chain_rejected),
		cmocka_unit_test(test_pki_expired_refused),
		cmocka_unit_test(test_pki_revoked_refused),
		cmocka_unit_test(test_pki_wrong_root_refused),
		cmocka_unit_test(test_pki_crl_roundtrip),
		cmocka_unit_test(test_pki_enroll_code_text),
		cmocka_unit_test(test_pki_csr_ed25519),
		cmocka_unit_test(test_pki_csr_p256),
		cmocka_unit_test(test_pki_csr_binding_not_transferable),
		cmocka_unit_test(test_pki_device_id),
		cmocka_unit_test(test_pki_wipe_orders),
		cmocka_unit_test(test_pki_keyfile),
		cmocka_unit_test(test_pki_argon2id_params),
		cmocka_unit_test(test_pki_cert_decoder_negatives),
	};

	return cmocka_run_group_tests(tests, setup_ctx, teardown_ctx);
}
