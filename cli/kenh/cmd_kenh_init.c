/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh init: make the device folder (DESIGN §6): the clear configuration,
 * the organization's root and unit CA certificates, the encrypted store
 * under a new passphrase, and the device key, generated here and never
 * leaving the device (kept in the store as a pending enrollment until
 * the certificate arrives).
 */
#include "kenh.h"

#include "util/compat.h"

#include <limits.h>
#include <stdlib.h>

#include "../common/cli.h"
#include "codec/codec.h"
#include "crypto/crypto.h"
#include "kenh/client.h"
#include "util/mem.h"

#define MAX_CAS 8

static int write_config(struct kenh_app *a, const char *relay, const char *relay_ca,
                        const char *relay_key)
{
	char p[KENH_PATH_MAX], text[8192], absca[PATH_MAX];
	int n;

	if (realpath(relay_ca, absca) == NULL) return KENH_ERR(KENH_E_NOT_FOUND);
	n = snprintf(text, sizeof(text), "relay = %s\nrelay_ca = %s\n%s%s%s", relay, absca,
	             relay_key ? "relay_key = " : "", relay_key ? relay_key : "",
	             relay_key ? "\n" : "");
	if (n < 0 || (size_t)n >= sizeof(text)) return KENH_ERR(KENH_E_TOO_LARGE);
	if (kenh_dev_path(a, p, sizeof(p), "config") != 0) return KENH_ERR(KENH_E_TOO_LARGE);
	return cli_file_write(p, (const uint8_t *)text, (size_t)n, false, true);
}

static int copy_cert(const char *from, const char *to)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	if ((rc = cli_file_read(from, CRYPTO_PKI_MAX_CERT_DER, &buf, &len)) != 0) return rc;
	/* Certificates are kept in DER, as kenh-admin writes them. */
	if (len > 10 && memcmp(buf, "-----BEGIN", 10) == 0)
		rc = KENH_ERR(KENH_E_UNSUPPORTED);
	else
		rc = cli_file_write(to, buf, len, true, false);
	mem_free(buf);
	return rc;
}

static int copy_certs(struct kenh_app *a, const char *root, const char **cas, size_t ncas)
{
	char p[KENH_PATH_MAX];
	size_t i;
	int rc;

	if ((rc = kenh_dev_path(a, p, sizeof(p), "root.crt")) != 0) return rc;
	if ((rc = copy_cert(root, p)) != 0) return rc;
	if ((rc = kenh_dev_path(a, p, sizeof(p), "cas")) != 0 || (rc = cli_dir_make(p)) != 0)
		return rc;
	for (i = 0; i < ncas; i++) {
		if ((rc = cli_path(p, sizeof(p), "%s/cas/%zu.crt", a->dir, i)) != 0) return rc;
		if ((rc = copy_cert(cas[i], p)) != 0) return rc;
	}
	return 0;
}

/* The device key, until enrollment ends: struct { uint16 sig_id; opaque sk<V>; opaque ticket<V>; }. */
static int store_key(struct kenh_app *a)
{
	struct crypto_sigkey k;
	struct codec_writer w;
	struct client_store_put row;
	int rc;

	if ((rc = crypto_sigkey_generate(a->ctx, CRYPTO_SIG_ED25519, &k)) != 0) return rc;
	codec_writer_init(&w, 1024, CODEC_WRITER_SENSITIVE);
	codec_write_u16(&w, k.sig_id);
	codec_write_opaque(&w, k.sk, k.sklen);
	codec_write_opaque(&w, NULL, 0);
	if ((rc = codec_writer_err(&w)) == 0) {
		memset(&row, 0, sizeof(row));
		row.key = span_make((const uint8_t *)"enroll", 6);
		row.value = span_make(w.buf, w.len);
		rc = client_store_put(a->st, CLIENT_T_IDENTITY, &row, NULL);
	}
	codec_writer_clear(&w);
	crypto_sigkey_clear(&k);
	return rc;
}

static int make_store(struct kenh_app *a, const char *kdf_mib)
{
	struct crypto_argon2_params kdf = { KENH_STORE_DEFAULT_MEMORY_KIB,
		                            KENH_STORE_DEFAULT_PASSES, KENH_STORE_DEFAULT_LANES };
	char p[KENH_PATH_MAX];
	uint8_t *pass = NULL;
	size_t passlen = 0;
	int rc;

	if (kdf_mib != NULL) {
		kdf.m_kib = (uint32_t)strtoul(kdf_mib, NULL, 10) * 1024u;
		kdf.t_cost = 1;
	}
	if ((rc = kenh_dev_path(a, p, sizeof(p), "store.db")) != 0) return rc;
	if ((rc = kenh_dev_pass(a, true, &pass, &passlen)) != 0) return rc;
	rc = client_store_create(a->ctx, p, span_make(pass, passlen), &kdf, &a->st);
	sec_free(pass, passlen + 1);
	return rc == 0 ? store_key(a) : rc;
}

int cmd_kenh_init(struct kenh_app *a, int argc, char **argv)
{
	const char *relay = NULL, *relay_ca = NULL, *root = NULL, *relay_key = NULL, *kdf = NULL;
	const char *cas[MAX_CAS], *pos[1];
	size_t ncas = 0, npos = 0;
	const struct kenh_arg opts[] = {
		{ "--relay", &relay, NULL, NULL, NULL, 0 },
		{ "--relay-ca", &relay_ca, NULL, NULL, NULL, 0 },
		{ "--root", &root, NULL, NULL, NULL, 0 },
		{ "--relay-key", &relay_key, NULL, NULL, NULL, 0 },
		{ "--kdf-memory", &kdf, NULL, NULL, NULL, 0 },
		{ "--unit-ca", NULL, NULL, cas, &ncas, MAX_CAS },
	};
	uint8_t pk[KENH_RELAY_PK_LEN];
	int rc;

	if (kenh_args(argc, argv, 1, opts, 6, pos, 0, &npos) != 0 || !relay || !relay_ca || !root)
		return kenh_usage("init --relay HOST:PORT --relay-ca RELAY.pem --root ROOT.crt "
		                  "[--unit-ca CA.crt]... [--relay-key HEX] [--kdf-memory MIB]");
	if (relay_key != NULL && kenh_unhex(relay_key, pk, sizeof(pk)) != 0)
		return kenh_failf("--relay-key", "not 64 hex digits");
	if (cli_file_exists(a->dir)) {
		char p[KENH_PATH_MAX];

		if (kenh_dev_path(a, p, sizeof(p), "config") == 0 && cli_file_exists(p))
			return kenh_failf(a->dir, "a device already lives here");
	}
	if ((rc = cli_dir_make(a->dir)) != 0) return kenh_fail(a->dir, rc);
	if ((rc = write_config(a, relay, relay_ca, relay_key)) != 0) return kenh_fail("config", rc);
	if ((rc = copy_certs(a, root, cas, ncas)) != 0) return kenh_fail("certificates", rc);
	if ((rc = make_store(a, kdf)) != 0) return kenh_fail("store", rc);
	printf("device folder %s ready; device key made; next: kenh enroll\n", a->dir);
	return 0;
}
