/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Remote wipe (DESIGN §6, docs/pki.md "Wipe order", docs/protocol.md
 * WIPE_SEND): an order is carried out only if crypto_wipe_verify accepts
 * it against the organization's root and the unit CAs of our chain
 * (signed by the root, or by a unit CA above our unit; naming this
 * device), and only once: its nonce is remembered in the clear file
 * wipe-nonces of the device folder, which outlives the store, so the
 * same order cannot erase a device made again in the same folder. The
 * store is then destroyed with client_store_wipe (key slot overwritten,
 * files zeroed and unlinked).
 */
#include "kenh.h"

#include "util/compat.h"

#include "../common/cli.h"
#include "util/mem.h"

#define NONCES_FILE "wipe-nonces"
#define NONCES_MAX  (1u << 20)
#define NONCE_HEX   (2 * CRYPTO_WIPE_NONCE_LEN)

/* Has this nonce been carried out before (a line of wipe-nonces)? */
static int nonce_seen(const struct kenh_app *a, const char *hex, bool *seen)
{
	char p[KENH_PATH_MAX];
	uint8_t *buf = NULL;
	size_t len = 0, off;
	int rc;

	*seen = false;
	if ((rc = kenh_dev_path(a, p, sizeof(p), NONCES_FILE)) != 0) return rc;
	rc = cli_file_read(p, NONCES_MAX, &buf, &len);
	if (rc == KENH_E_NOT_FOUND) return 0;
	if (rc != 0) return rc;
	for (off = 0; off + NONCE_HEX + 1 <= len && !*seen; off += NONCE_HEX + 1)
		*seen = memcmp(buf + off, hex, NONCE_HEX) == 0;
	mem_free(buf);
	return 0;
}

static int nonce_remember(const struct kenh_app *a, const char *hex)
{
	char p[KENH_PATH_MAX], line[NONCE_HEX + 1];
	int rc;

	if ((rc = kenh_dev_path(a, p, sizeof(p), NONCES_FILE)) != 0) return rc;
	memcpy(line, hex, NONCE_HEX);
	line[NONCE_HEX] = '\n';
	return cli_file_append(p, (const uint8_t *)line, sizeof(line));
}

static int verify(struct kenh_app *a, struct kenh_span order, struct crypto_wipe_order *wo)
{
	struct crypto_trust *t = NULL;
	size_t i;
	int rc;

	rc = crypto_trust_new(a->ctx, a->root, a->rootlen, &t);
	for (i = 1; rc == 0 && i < a->id.nchain; i++)
		rc = crypto_trust_add_ca(t, a->id.chain[i].p, a->id.chain[i].len);
	if (rc == 0) rc = crypto_wipe_verify(t, &a->me, order, cli_now(), wo);
	crypto_trust_free(t);
	return rc;
}

int kenh_wipe_apply(struct kenh_app *a, struct kenh_span order)
{
	struct crypto_wipe_order wo;
	char hex[NONCE_HEX + 1];
	bool seen = false;
	int rc;

	memset(&wo, 0, sizeof(wo));
	if ((rc = verify(a, order, &wo)) != 0) return rc;
	kenh_hex(wo.nonce, sizeof(wo.nonce), hex);
	if ((rc = nonce_seen(a, hex, &seen)) != 0) return rc;
	/* A replayed order: it was carried out before, on an earlier store. */
	if (seen) return KENH_ERR(KENH_E_EXISTS);
	if ((rc = nonce_remember(a, hex)) != 0) return rc;
	rc = client_store_wipe(a->st);
	a->st = NULL;
	a->wiped = true;
	return rc;
}
