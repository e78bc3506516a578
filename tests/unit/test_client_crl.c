/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests of the device's CRL store (lib/client/store_crl.c, issue 5
 * item 4): a root CRL and a unit CA CRL verified and kept, listed after a
 * reopen; a newer number replaces, a lower or equal one is refused with
 * STATE and changes nothing; a CRL signed by another key (a forged one,
 * with the same issuer name), one from a unit CA that does not validate
 * under the root, and one whose issuer CA is not offered are refused
 * with VERIFY and not kept; a flipped byte of a CRL never gets in; and
 * the kept CRLs, handed to the chain validation, make a listed device
 * REVOKED.
 */
#include "client/client_crl.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/client_store.h"
#include "kenh/kenh.h"
#include "tu_pki.h"
#include "util/mem.h"

#define NOW  1767225600u /* 2026-01-01T00:00:00Z */
#define DAY  CRYPTO_PKI_DAY
#define YEAR (365u * DAY)
#define ORG  "Test Province"
#define PASS "crl store passphrase"

static const struct crypto_argon2_params fast = { 8, 1, 1 };

struct fx {
	struct kenh_ctx *ctx;
	char dir[64];
	char path[128];
	struct client_store *st;
	struct tu_held root, unit, dev, evil, evil_unit;
};

static void make_root(struct kenh_ctx *ctx, struct tu_held *out)
{
	assert_int_equal(tu_pki_root(ctx, CRYPTO_SIG_ED25519, ORG, NOW, out), 0);
}

static void issue(struct kenh_ctx *ctx, const struct tu_held *ca, struct crypto_cert_template *t,
                  struct tu_held *out)
{
	assert_int_equal(tu_pki_issue(ctx, ca, t, CRYPTO_SIG_ED25519, NOW, out), 0);
}

static int setup(void **state)
{
	struct crypto_cert_template unit = { .kind = CRYPTO_CERT_UNIT, .unit = "tb" };
	struct crypto_cert_template dev = {
		.kind = CRYPTO_CERT_DEVICE, .unit = "tb", .user = "bob", .device = "d1"
	};
	struct fx *f;
	void *mem = NULL;

	if (mem_calloc(1, sizeof(*f), &mem) != 0) return -1;
	f = mem;
	if (kenh_ctx_new(&f->ctx) != 0) return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/kenh-crl-XXXXXX");
	if (mkdtemp(f->dir) == NULL) return -1;
	snprintf(f->path, sizeof(f->path), "%s/device.db", f->dir);
	if (client_store_create(f->ctx, f->path, span_make((const uint8_t *)PASS, strlen(PASS)),
	                        &fast, &f->st) != 0)
		return -1;
	make_root(f->ctx, &f->root);
	issue(f->ctx, &f->root, &unit, &f->unit);
	issue(f->ctx, &f->unit, &dev, &f->dev);
	/* Another organization with the same name: its CAs carry the same names, other keys. */
	make_root(f->ctx, &f->evil);
	unit.kind = CRYPTO_CERT_UNIT;
	issue(f->ctx, &f->evil, &unit, &f->evil_unit);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int rc;

	client_store_close(f->st);
	rc = client_db_sqlite_wipe(f->path);
	(void)rc;
	rmdir(f->dir);
	tu_held_free(&f->root);
	tu_held_free(&f->unit);
	tu_held_free(&f->dev);
	tu_held_free(&f->evil);
	tu_held_free(&f->evil_unit);
	kenh_ctx_free(f->ctx);
	mem_free(f);
	return 0;
}

/* A CRL by ca numbered number, listing cert if given. */
static void make_crl(struct fx *f, const struct tu_held *ca, uint64_t number,
                     const struct tu_held *cert, uint8_t **der, size_t *len)
{
	struct crypto_issuer iss = { tu_held_span(ca), &ca->key };
	struct crypto_crl_entry e;
	struct crypto_cert_info info;
	struct crypto_crl_template t = { &e, 0, number, NOW, NOW + 30 * DAY };

	memset(&e, 0, sizeof(e));
	if (cert != NULL) {
		assert_int_equal(crypto_cert_parse(f->ctx, cert->der, cert->len, &info), 0);
		e.serial = info.serial;
		e.revoked_at = NOW;
		e.reason = CRYPTO_CRL_KEY_COMPROMISE;
		t.count = 1;
	}
	assert_int_equal(crypto_crl_create(f->ctx, &iss, &t, der, len), 0);
}

static struct client_crl_anchors anchors(const struct fx *f, const struct kenh_span *cas,
                                         size_t ncas)
{
	struct client_crl_anchors a = { tu_held_span(&f->root), cas, ncas, NOW };

	return a;
}

/* The (issuer, number) pairs held, as "issuer:number;" text. */
static int list_text(void *arg, const char *issuer, uint64_t number, struct kenh_span der)
{
	char *out = arg;
	size_t n = strlen(out);

	assert_true(der.len > 0);
	snprintf(out + n, 256 - n, "%s:%llu;", issuer, (unsigned long long)number);
	return 0;
}

static void expect_held(struct fx *f, const char *want)
{
	char got[256] = "";

	assert_int_equal(client_crl_list(f->st, list_text, got), 0);
	assert_string_equal(got, want);
}

static int accept(struct fx *f, const struct kenh_span *cas, size_t ncas, const uint8_t *der,
                  size_t len, struct client_crl_info *info)
{
	struct client_crl_anchors a = anchors(f, cas, ncas);

	return client_crl_accept(f->st, f->ctx, &a, span_make(der, len), info);
}

static void test_client_crl_keep_root_and_unit(void **state)
{
	struct fx *f = *state;
	struct kenh_span cas[1] = { tu_held_span(&f->unit) };
	struct client_crl_info info;
	uint8_t *r = NULL, *u = NULL;
	size_t rlen = 0, ulen = 0;

	make_crl(f, &f->root, 3, NULL, &r, &rlen);
	make_crl(f, &f->unit, 5, &f->dev, &u, &ulen);
	assert_int_equal(accept(f, NULL, 0, r, rlen, &info), 0);
	assert_int_equal(info.number, 3);
	assert_string_equal(info.issuer, "");
	assert_int_equal(accept(f, cas, 1, u, ulen, &info), 0);
	assert_int_equal(info.number, 5);
	assert_int_equal(info.count, 1);
	assert_string_equal(info.issuer, "tb");
	expect_held(f, ":3;tb:5;");
	/* Kept across a reopen (the rows are in the encrypted store). */
	client_store_close(f->st);
	assert_int_equal(client_store_open(f->ctx, f->path,
	                                   span_make((const uint8_t *)PASS, strlen(PASS)), &f->st),
	                 0);
	expect_held(f, ":3;tb:5;");
	mem_free(r);
	mem_free(u);
}

/* RFC 5280 §5.2.3: only a larger number replaces; lower and equal change nothing. */
static void test_client_crl_number_must_grow(void **state)
{
	struct fx *f = *state;
	struct kenh_span cas[1] = { tu_held_span(&f->unit) };
	struct client_crl_info info;
	uint8_t *c4 = NULL, *c2 = NULL, *c9 = NULL;
	size_t l4 = 0, l2 = 0, l9 = 0;

	make_crl(f, &f->unit, 4, NULL, &c4, &l4);
	make_crl(f, &f->unit, 2, &f->dev, &c2, &l2);
	make_crl(f, &f->unit, 9, &f->dev, &c9, &l9);
	assert_int_equal(accept(f, cas, 1, c4, l4, NULL), 0);
	assert_int_equal(accept(f, cas, 1, c2, l2, &info), KENH_E_STATE);
	assert_int_equal(info.number, 2);
	assert_int_equal(accept(f, cas, 1, c4, l4, NULL), KENH_E_STATE);
	expect_held(f, "tb:4;");
	assert_int_equal(accept(f, cas, 1, c9, l9, NULL), 0);
	expect_held(f, "tb:9;");
	mem_free(c4);
	mem_free(c2);
	mem_free(c9);
}

/* Forged CRLs: same issuer names, other keys; or an issuer we cannot check. */
static void test_client_crl_forged_refused(void **state)
{
	struct fx *f = *state;
	struct kenh_span good[1] = { tu_held_span(&f->unit) };
	struct kenh_span evil[1] = { tu_held_span(&f->evil_unit) };
	uint8_t *a = NULL, *b = NULL, *c = NULL;
	size_t alen = 0, blen = 0, clen = 0;

	make_crl(f, &f->evil, 50, &f->dev, &a, &alen);
	make_crl(f, &f->evil_unit, 51, &f->dev, &b, &blen);
	make_crl(f, &f->unit, 52, &f->dev, &c, &clen);
	/* Signed by another root of the same name. */
	assert_int_equal(accept(f, NULL, 0, a, alen, NULL), KENH_E_VERIFY);
	/* Signed by another unit CA "tb", offered with it or with ours. */
	assert_int_equal(accept(f, evil, 1, b, blen, NULL), KENH_E_VERIFY);
	assert_int_equal(accept(f, good, 1, b, blen, NULL), KENH_E_VERIFY);
	/* A genuine unit CA CRL, but the CA certificate is not offered. */
	assert_int_equal(accept(f, NULL, 0, c, clen, NULL), KENH_E_VERIFY);
	expect_held(f, "");
	mem_free(a);
	mem_free(b);
	mem_free(c);
}

/* Any changed byte keeps the CRL out (parse or signature), and nothing is kept. */
static void test_client_crl_flip_each_byte(void **state)
{
	struct fx *f = *state;
	uint8_t *der = NULL;
	size_t len = 0, i;

	make_crl(f, &f->root, 8, &f->dev, &der, &len);
	for (i = 0; i < len; i++) {
		der[i] ^= 0x01;
		assert_int_not_equal(accept(f, NULL, 0, der, len, NULL), 0);
		der[i] ^= 0x01;
	}
	expect_held(f, "");
	assert_int_equal(accept(f, NULL, 0, der, len, NULL), 0);
	mem_free(der);
}

struct collect {
	struct kenh_span crls[4];
	uint8_t *copies[4];
	size_t n;
};

static int collect_one(void *arg, const char *issuer, uint64_t number, struct kenh_span der)
{
	struct collect *c = arg;

	(void)issuer;
	(void)number;
	assert_true(c->n < 4);
	assert_int_equal(mem_dup(der.p, der.len, &c->copies[c->n]), 0);
	c->crls[c->n] = span_make(c->copies[c->n], der.len);
	c->n++;
	return 0;
}

/* The kept CRLs, given to the chain validation, make the listed device REVOKED. */
static void test_client_crl_validation_revoked(void **state)
{
	struct fx *f = *state;
	struct kenh_span cas[1] = { tu_held_span(&f->unit) };
	struct crypto_chain_input in;
	struct crypto_cert_info info;
	struct collect c;
	uint8_t *der = NULL;
	size_t len = 0, i;

	memset(&c, 0, sizeof(c));
	memset(&in, 0, sizeof(in));
	in.root = tu_held_span(&f->root);
	in.cas = cas;
	in.ncas = 1;
	in.leaf = tu_held_span(&f->dev);
	in.now = NOW;
	assert_int_equal(crypto_chain_verify(f->ctx, &in, &info), 0);
	make_crl(f, &f->unit, 1, &f->dev, &der, &len);
	assert_int_equal(accept(f, cas, 1, der, len, NULL), 0);
	assert_int_equal(client_crl_list(f->st, collect_one, &c), 0);
	in.crls = c.crls;
	in.ncrls = c.n;
	assert_int_equal(crypto_chain_verify(f->ctx, &in, &info), KENH_E_REVOKED);
	for (i = 0; i < c.n; i++)
		mem_free(c.copies[i]);
	mem_free(der);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_client_crl_keep_root_and_unit, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_client_crl_number_must_grow, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_crl_forged_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_crl_flip_each_byte, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_crl_validation_revoked, setup,
		                                teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
