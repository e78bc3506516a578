/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-test-csr: the device side of enrollment, for the integration tests
 * only, until the client exists (docs/pki.md "Request binding"). It makes a
 * fresh signature key and a certificate request bound to an enrollment
 * code with crypto_csr_create, exactly as the client will:
 *
 *   kenh-test-csr --sig ed25519|p256 --user USER --unit PATH --code CODE
 *                 --out REQ [--key-out KEYHEX]
 *
 * The code may also come from the environment variable KENH_TEST_CODE;
 * "--code random" binds the request to a fresh random code the authority
 * never made (a wrong code).
 * --key-out writes the raw private key in hex (test keys only: a real
 * device keeps its key in its encrypted store).
 */
#include "crypto/pki.h"

#include "util/compat.h"

#include "crypto/crypto.h"
#include "kenh/kenh.h"
#include "util/mem.h"

struct args {
	const char *sig, *user, *unit, *code, *out, *key_out;
};

static int usage(void)
{
	fprintf(stderr, "usage: kenh-test-csr --sig ed25519|p256 --user USER --unit PATH "
	                "--code CODE --out REQ [--key-out FILE]\n");
	return 2;
}

static bool parse(int argc, char **argv, struct args *a)
{
	const struct {
		const char *name;
		const char **slot;
	} flags[] = {
		{ "--sig", &a->sig },   { "--user", &a->user }, { "--unit", &a->unit },
		{ "--code", &a->code }, { "--out", &a->out },   { "--key-out", &a->key_out },
	};
	size_t j;
	int i;

	memset(a, 0, sizeof(*a));
	for (i = 1; i + 1 < argc; i += 2) {
		for (j = 0; j < ARRAY_LEN(flags) && strcmp(argv[i], flags[j].name) != 0; j++)
			continue;
		if (j == ARRAY_LEN(flags)) return false;
		*flags[j].slot = argv[i + 1];
	}
	if (a->code == NULL) a->code = getenv("KENH_TEST_CODE");
	return i == argc && a->sig && a->user && a->unit && a->code && a->out;
}

static int write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (f == NULL) return -1;
	ok = fwrite(p, 1, n, f) == n;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

static int write_key(const char *path, const struct crypto_sigkey *k)
{
	char hex[2 * CRYPTO_MAX_SIG_SK + 2];
	size_t i;

	for (i = 0; i < k->sklen; i++)
		snprintf(hex + 2 * i, 3, "%02x", k->sk[i]);
	hex[2 * k->sklen] = '\n';
	return write_file(path, hex, 2 * k->sklen + 1);
}

static int run(struct kenh_ctx *ctx, const struct args *a)
{
	uint16_t sig =
	        strcmp(a->sig, "p256") == 0 ? CRYPTO_SIG_ECDSA_P256_SHA256 : CRYPTO_SIG_ED25519;
	uint8_t code[CRYPTO_ENROLL_CODE_LEN], *der = NULL;
	struct crypto_enroll_claim claim = { a->user, a->unit, code };
	struct crypto_sigkey k;
	size_t len = 0;
	int rc;

	rc = strcmp(a->code, "random") == 0 ? crypto_random(ctx, code, sizeof(code))
	                                    : crypto_enroll_code_parse(ctx, a->code, code);
	if (rc != 0) {
		fprintf(stderr, "kenh-test-csr: code: %s\n", kenh_strerror(rc));
		return 1;
	}
	rc = crypto_sigkey_generate(ctx, sig, &k);
	if (rc == 0) rc = crypto_csr_create(ctx, &k, &claim, &der, &len);
	if (rc == 0 && write_file(a->out, der, len) != 0) rc = KENH_E_IO;
	if (rc == 0 && a->key_out != NULL && write_key(a->key_out, &k) != 0) rc = KENH_E_IO;
	if (rc != 0) fprintf(stderr, "kenh-test-csr: %s\n", kenh_strerror(rc));
	crypto_sigkey_clear(&k);
	sec_zero(code, sizeof(code));
	mem_free(der);
	return rc != 0;
}

int main(int argc, char **argv)
{
	struct kenh_ctx *ctx = NULL;
	struct args a;
	int status;

	if (!parse(argc, argv, &a) || (strcmp(a.sig, "ed25519") != 0 && strcmp(a.sig, "p256") != 0))
		return usage();
	if (kenh_ctx_new(&ctx) != 0) return 1;
	status = run(ctx, &a);
	kenh_ctx_free(ctx);
	return status;
}
