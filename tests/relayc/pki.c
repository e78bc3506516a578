/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * A throw-away organization PKI for the relay's tests, made with
 * lib/crypto/pki.h (DESIGN §6) until kenh-admin exists:
 *
 *   pki root DIR ORG                       DIR/root.der, DIR/root.key
 *   pki unit DIR ISSUER PATH NAME          DIR/NAME.der, DIR/NAME.key
 *   pki device DIR ISSUER UNIT USER DEV NAME
 *   pki crl DIR ISSUER NUMBER OUT CERT...  a CRL revoking the certificates CERT (.der)
 *   pki renew DIR ISSUER CERT DAYS OUT     a renewal of CERT: same key and identity
 *   pki renew-csr CERT KEY OUT             a renewal request for CERT and its KEY
 *
 * ISSUER is the base name of a CA in DIR ("root" or a unit's NAME). Keys
 * are Ed25519, written as 64 hex digits (the format kenhd's signing_key
 * and relayc's --key read). Certificates are DER.
 */
#include "relayc.h"

#include "util/compat.h"

#include <time.h>

#include "crypto/crypto.h"
#include "crypto/pki.h"
#include "util/mem.h"

static int write_key(const char *dir, const char *name, const struct crypto_sigkey *k)
{
	char path[512], hex[2 * CRYPTO_MAX_SIG_SK + 2];
	size_t i;

	for (i = 0; i < k->sklen; i++)
		snprintf(hex + 2 * i, 3, "%02x", k->sk[i]);
	hex[2 * k->sklen] = '\n';
	snprintf(path, sizeof(path), "%s/%s.key", dir, name);
	return rc_file_write(path, (const uint8_t *)hex, 2 * k->sklen + 1);
}

static int read_key(struct kenh_ctx *ctx, const char *path, struct crypto_sigkey *k)
{
	struct rc_bytes b = { 0 };
	uint8_t sk[32];
	size_t i;
	int rc;

	if ((rc = rc_file_read(path, &b)) != 0) return rc;
	rc = b.len >= 64 ? 0 : KENH_E_PARSE;
	for (i = 0; rc == 0 && i < 32; i++) {
		unsigned v;

		if (sscanf((const char *)b.p + 2 * i, "%2x", &v) != 1) rc = KENH_E_PARSE;
		sk[i] = (uint8_t)v;
	}
	if (rc == 0) rc = crypto_sigkey_from_sk(ctx, CRYPTO_SIG_ED25519, sk, sizeof(sk), k);
	rc_bytes_free(&b);
	return rc;
}

/* The CA named name in dir: its certificate (owned by *cert) and key. */
static int load_issuer(struct kenh_ctx *ctx, const char *dir, const char *name,
                       struct rc_bytes *cert, struct crypto_sigkey *key)
{
	char path[512];
	int rc;

	snprintf(path, sizeof(path), "%s/%s.der", dir, name);
	if ((rc = rc_file_read(path, cert)) != 0) return rc;
	snprintf(path, sizeof(path), "%s/%s.key", dir, name);
	return read_key(ctx, path, key);
}

static int issue(struct kenh_ctx *ctx, const char *dir, const char *issuer,
                 struct crypto_cert_template *t, const char *name)
{
	struct crypto_sigkey key, ikey;
	struct rc_bytes icert = { 0 };
	struct crypto_issuer iss = { { NULL, 0 }, &ikey };
	uint8_t *der = NULL;
	size_t len = 0;
	char path[512];
	int rc;

	memset(&ikey, 0, sizeof(ikey));
	if ((rc = crypto_sigkey_generate(ctx, CRYPTO_SIG_ED25519, &key)) != 0) return rc;
	t->sig_id = key.sig_id;
	t->pk = key.pk;
	t->pklen = key.pklen;
	t->not_before = (uint64_t)time(NULL) - 3600;
	t->lifetime = 90ull * 86400;
	if (issuer == NULL) {
		iss.key = &key; /* a root signs itself */
	} else if ((rc = load_issuer(ctx, dir, issuer, &icert, &ikey)) != 0) {
		goto out;
	} else {
		iss.cert = span_make(icert.p, icert.len);
	}
	if ((rc = crypto_cert_issue(ctx, &iss, t, &der, &len)) != 0) goto out;
	snprintf(path, sizeof(path), "%s/%s.der", dir, name);
	if ((rc = rc_file_write(path, der, len)) != 0) goto out;
	rc = write_key(dir, name, &key);
out:
	crypto_sigkey_clear(&key);
	crypto_sigkey_clear(&ikey);
	rc_bytes_free(&icert);
	mem_free(der);
	return rc;
}

static int make_crl(struct kenh_ctx *ctx, int argc, char **argv)
{
	const char *dir = argv[0];
	struct crypto_crl_entry e[64];
	struct crypto_crl_template t = { e, 0, 0, 0, 0 };
	struct crypto_sigkey ikey;
	struct rc_bytes icert = { 0 }, c = { 0 };
	struct crypto_issuer iss = { { NULL, 0 }, &ikey };
	struct crypto_cert_info info;
	uint8_t *der = NULL;
	size_t len = 0;
	int i, rc;

	memset(&ikey, 0, sizeof(ikey));
	if (argc < 4 || argc - 4 > 64) return KENH_E_INVALID_ARG;
	t.number = strtoull(argv[2], NULL, 10);
	t.this_update = (uint64_t)time(NULL) - 60;
	t.next_update = t.this_update + 7 * 86400;
	for (i = 4; i < argc; i++) {
		if ((rc = rc_file_read(argv[i], &c)) != 0) return rc;
		rc = crypto_cert_parse(ctx, c.p, c.len, &info);
		rc_bytes_free(&c);
		if (rc != 0) return rc;
		e[t.count++] = (struct crypto_crl_entry){ info.serial, t.this_update,
			                                  CRYPTO_CRL_KEY_COMPROMISE };
	}
	if ((rc = load_issuer(ctx, dir, argv[1], &icert, &ikey)) != 0) goto out;
	iss.cert = span_make(icert.p, icert.len);
	if ((rc = crypto_crl_create(ctx, &iss, &t, &der, &len)) != 0) goto out;
	rc = rc_file_write(argv[3], der, len);
out:
	crypto_sigkey_clear(&ikey);
	rc_bytes_free(&icert);
	mem_free(der);
	return rc;
}

/* The identity and key of a device certificate file (its spans point into b). */
static int cert_load(struct kenh_ctx *ctx, const char *path, struct rc_bytes *b,
                     struct crypto_cert_info *info)
{
	int rc;

	if ((rc = rc_file_read(path, b)) != 0) return rc;
	return crypto_cert_parse(ctx, b->p, b->len, info);
}

/* docs/pki.md "Renewal": a new certificate for the same key and identity. */
static int renew(struct kenh_ctx *ctx, char **argv)
{
	struct crypto_cert_template t = { .kind = CRYPTO_CERT_DEVICE };
	struct crypto_cert_info info;
	struct crypto_sigkey ikey;
	struct rc_bytes icert = { 0 }, c = { 0 };
	struct crypto_issuer iss = { { NULL, 0 }, &ikey };
	uint8_t *der = NULL;
	size_t len = 0;
	int rc;

	memset(&ikey, 0, sizeof(ikey));
	if ((rc = cert_load(ctx, argv[2], &c, &info)) != 0) goto out;
	t.unit = info.unit;
	t.user = info.user;
	t.device = info.device;
	t.sig_id = info.sig_id;
	t.pk = info.pk;
	t.pklen = info.pklen;
	t.not_before = (uint64_t)time(NULL) - 3600;
	t.lifetime = strtoull(argv[3], NULL, 10) * 86400;
	if ((rc = load_issuer(ctx, argv[0], argv[1], &icert, &ikey)) != 0) goto out;
	iss.cert = span_make(icert.p, icert.len);
	if ((rc = crypto_cert_issue(ctx, &iss, &t, &der, &len)) != 0) goto out;
	rc = rc_file_write(argv[4], der, len);
out:
	crypto_sigkey_clear(&ikey);
	rc_bytes_free(&icert);
	rc_bytes_free(&c);
	mem_free(der);
	return rc;
}

/* docs/pki.md "Renewal request" for a certificate and its key, as kenh renew makes it. */
static int renew_csr(struct kenh_ctx *ctx, char **argv)
{
	struct crypto_cert_info info;
	struct crypto_renew_claim claim;
	struct crypto_sigkey key;
	struct rc_bytes c = { 0 };
	uint8_t *der = NULL;
	size_t len = 0;
	int rc;

	memset(&key, 0, sizeof(key));
	if ((rc = cert_load(ctx, argv[0], &c, &info)) != 0) goto out;
	if ((rc = read_key(ctx, argv[1], &key)) != 0) goto out;
	claim = (struct crypto_renew_claim){ info.unit, info.user, info.device, &info.serial };
	if ((rc = crypto_renew_csr_create(ctx, &key, &claim, &der, &len)) != 0) goto out;
	rc = rc_file_write(argv[2], der, len);
out:
	crypto_sigkey_clear(&key);
	rc_bytes_free(&c);
	mem_free(der);
	return rc;
}

int rc_pki_main(struct kenh_ctx *ctx, int argc, char **argv)
{
	struct crypto_cert_template t;

	memset(&t, 0, sizeof(t));
	if (argc >= 3 && strcmp(argv[0], "root") == 0) {
		t.kind = CRYPTO_CERT_ROOT;
		t.org = argv[2];
		return issue(ctx, argv[1], NULL, &t, "root");
	}
	if (argc >= 5 && strcmp(argv[0], "unit") == 0) {
		t.kind = CRYPTO_CERT_UNIT;
		t.unit = argv[3];
		return issue(ctx, argv[1], argv[2], &t, argv[4]);
	}
	if (argc >= 7 && strcmp(argv[0], "device") == 0) {
		t.kind = CRYPTO_CERT_DEVICE;
		t.unit = argv[3];
		t.user = argv[4];
		t.device = argv[5];
		return issue(ctx, argv[1], argv[2], &t, argv[6]);
	}
	if (argc >= 5 && strcmp(argv[0], "crl") == 0) return make_crl(ctx, argc - 1, argv + 1);
	if (argc >= 6 && strcmp(argv[0], "renew") == 0) return renew(ctx, argv + 1);
	if (argc >= 4 && strcmp(argv[0], "renew-csr") == 0) return renew_csr(ctx, argv + 1);
	fprintf(stderr, "usage: kenh-relayc pki root|unit|device|crl|renew|renew-csr ...\n");
	return KENH_E_INVALID_ARG;
}
