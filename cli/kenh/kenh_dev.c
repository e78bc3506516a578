/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The device folder (kenh.h): the clear configuration (relay address,
 * relay CA, the relay's external-sender key), the organization root and
 * unit CA certificates, and the encrypted store unlocked by the
 * passphrase; the relay connection made with the device certificate.
 * Opening the store takes the folder's lock shared; `kenh daemon` holds it
 * exclusive while it runs, so a command refuses to touch a store the
 * daemon has open (docs/daemon.md §5).
 */
#include "kenh.h"

#include "util/compat.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include "../common/cli.h"
#include "../common/cli_relay.h"
#include "util/mem.h"

#define CONFIG_MAX (16u << 10)

int kenh_dev_path(const struct kenh_app *a, char *out, size_t cap, const char *name)
{
	return cli_path(out, cap, "%s/%s", a->dir, name);
}

/* One "key = value" line into the app; unknown keys are an error. */
static int config_line(struct kenh_app *a, char *line)
{
	char *eq = strchr(line, '='), *k = line, *v;
	size_t n;

	if (eq == NULL) return KENH_ERR(KENH_E_PARSE);
	*eq = '\0';
	v = eq + 1;
	while (*v == ' ')
		v++;
	n = strlen(k);
	while (n > 0 && k[n - 1] == ' ')
		k[--n] = '\0';
	if (strcmp(k, "relay") == 0) return cli_path(a->relay, sizeof(a->relay), "%s", v);
	if (strcmp(k, "relay_ca") == 0) return cli_path(a->relay_ca, sizeof(a->relay_ca), "%s", v);
	if (strcmp(k, "relay_key") == 0) {
		a->has_relay_pk = true;
		return kenh_unhex(v, a->relay_pk, sizeof(a->relay_pk));
	}
	return KENH_ERR(KENH_E_PARSE);
}

int kenh_dev_config_load(struct kenh_app *a)
{
	char p[KENH_PATH_MAX];
	uint8_t *buf = NULL;
	size_t len = 0;
	char *line, *save = NULL;
	int rc;

	if ((rc = kenh_dev_path(a, p, sizeof(p), "config")) != 0) return rc;
	if ((rc = cli_file_read(p, CONFIG_MAX, &buf, &len)) != 0) return rc;
	for (line = strtok_r((char *)buf, "\n", &save); line != NULL && rc == 0;
	     line = strtok_r(NULL, "\n", &save))
		if (line[0] != '#' && line[0] != '\0') rc = config_line(a, line);
	mem_free(buf);
	if (rc != 0) return rc;
	if ((rc = kenh_dev_path(a, p, sizeof(p), "root.crt")) != 0) return rc;
	return cli_file_read(p, CRYPTO_PKI_MAX_CERT_DER, &a->root, &a->rootlen);
}

int kenh_dev_pass(const struct kenh_app *a, bool confirm, uint8_t **pass, size_t *passlen)
{
	struct cli_pass_source src = { a->opt.pass_file, "KENH_PASSPHRASE",
		                       "Passphrase of this device: ", confirm };

	return cli_pass_get(&src, pass, passlen);
}

int kenh_dev_lock(struct kenh_app *a, bool exclusive)
{
	char p[KENH_PATH_MAX];
	int fd, rc;

	if (a->lock_fd > 0) return 0;
	if ((rc = kenh_dev_path(a, p, sizeof(p), "lock")) != 0) return rc;
	if ((fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return errno == ENOENT ? KENH_ERR(KENH_E_NOT_FOUND) : KENH_ERR(KENH_E_IO);
	if (flock(fd, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
		rc = errno == EWOULDBLOCK ? KENH_ERR(KENH_E_EXISTS) : KENH_ERR(KENH_E_IO);
		close(fd);
		return rc;
	}
	a->lock_fd = fd;
	return 0;
}

int kenh_dev_open(struct kenh_app *a, bool need_cert)
{
	char p[KENH_PATH_MAX];
	uint8_t *pass = NULL;
	size_t passlen = 0;
	int rc;

	/* The daemon opened the store once; its requests run the commands on it. */
	if (a->st != NULL) {
		if (need_cert && !a->enrolled)
			return kenh_failf("device", "not enrolled yet (kenh enroll)");
		return 0;
	}
	if ((rc = kenh_dev_config_load(a)) != 0) {
		if (rc == KENH_E_NOT_FOUND)
			return kenh_failf(a->dir, "no device here (run kenh init)");
		return kenh_fail("config", rc);
	}
	if ((rc = kenh_dev_path(a, p, sizeof(p), "store.db")) != 0) return kenh_fail("store", rc);
	if ((rc = kenh_dev_lock(a, false)) == KENH_E_EXISTS)
		return kenh_failf("store",
		                  "a kenh daemon has this device open (use kenh daemon-call, "
		                  "or stop the daemon)");
	if (rc != 0) return kenh_fail("lock", rc);
	if ((rc = kenh_dev_pass(a, false, &pass, &passlen)) != 0)
		return kenh_fail("passphrase", rc);
	rc = client_store_open(a->ctx, p, span_make(pass, passlen), &a->st);
	sec_free(pass, passlen + 1);
	if (rc != 0) return kenh_fail("store", rc);
	rc = client_store_identity_get(a->st, &a->id);
	if (rc == 0) {
		a->enrolled = true;
		rc = crypto_cert_parse(a->ctx, a->id.chain[0].p, a->id.chain[0].len, &a->me);
		if (rc != 0) return kenh_fail("certificate", rc);
		if ((rc = kenh_crl_load(a)) != 0) return kenh_fail("CRLs", rc);
	} else if (rc != KENH_E_NOT_FOUND) {
		return kenh_fail("identity", rc);
	}
	if (need_cert && !a->enrolled)
		return kenh_failf("device", "not enrolled yet (kenh enroll)");
	return 0;
}

void kenh_dev_close(struct kenh_app *a)
{
	cli_relay_close(a->net);
	a->net = NULL;
	mem_free(a->reply);
	a->reply = NULL;
	client_identity_clear(&a->id);
	kenh_crl_free(a);
	client_store_close(a->st);
	a->st = NULL;
	mem_free(a->root);
	a->root = NULL;
	if (a->lock_fd > 0) close(a->lock_fd);
	a->lock_fd = 0;
}

void kenh_dev_cas_free(uint8_t **cas, size_t *lens, size_t n)
{
	size_t i;

	for (i = 0; cas != NULL && i < n; i++)
		mem_free(cas[i]);
	mem_free(cas);
	mem_free(lens);
}

/* cas/0.crt, cas/1.crt, ... in the order kenh init was given them (the credential's chain order). */
int kenh_dev_cas(const struct kenh_app *a, uint8_t ***cas, size_t **lens, size_t *n)
{
	char p[KENH_PATH_MAX];
	int rc = 0;

	*cas = NULL;
	*lens = NULL;
	*n = 0;
	if ((rc = mem_calloc(CRYPTO_PKI_MAX_CHAIN, sizeof(**cas), (void **)cas)) != 0 ||
	    (rc = mem_calloc(CRYPTO_PKI_MAX_CHAIN, sizeof(**lens), (void **)lens)) != 0)
		goto out;
	for (; *n < CRYPTO_PKI_MAX_CHAIN; (*n)++) {
		if ((rc = cli_path(p, sizeof(p), "%s/cas/%zu.crt", a->dir, *n)) != 0) break;
		rc = cli_file_read(p, CRYPTO_PKI_MAX_CERT_DER, &(*cas)[*n], &(*lens)[*n]);
		if (rc != 0) break;
	}
	if (rc == KENH_E_NOT_FOUND) rc = 0;
out:
	if (rc != 0) {
		kenh_dev_cas_free(*cas, *lens, *n);
		*cas = NULL;
		*lens = NULL;
		*n = 0;
	}
	return rc;
}
