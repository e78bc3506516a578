/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh safety-number GROUP USER: a number both users can compare aloud
 * to check that the group holds the keys they think: SHA-256 over the
 * sorted signature keys of every device of the two users in the group
 * (the same set from either side), shown as 12 groups of 5 digits.
 * kenh wipe-order FILE: apply a remote wipe order (docs/pki.md "Wipe
 * order"): verified against the organization's root and unit CAs, naming
 * this device, not carried out before; then the store is destroyed
 * (kenh_wipe.c; orders sent through the relay arrive with kenh sync).
 */
#include "kenh.h"

#include "util/compat.h"

#include <stdlib.h>

#include "../common/cli.h"
#include "crypto/crypto.h"
#include "util/mem.h"

#define MAX_KEYS 64

static int cmp_key(const void *x, const void *y)
{
	const struct kenh_span *a = x, *b = y;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->p, b->p, n);

	return c != 0 ? c : (a->len > b->len) - (a->len < b->len);
}

int cmd_kenh_safety(struct kenh_app *a, int argc, char **argv)
{
	const struct crypto_kdf *h;
	struct kenh_mls_group *g = NULL;
	struct kenh_span keys[MAX_KEYS];
	struct crypto_cert_info info;
	const struct kenh_mls_credential *cred;
	uint8_t buf[MAX_KEYS * 133], d[32];
	size_t n = 0, off = 0, i;
	uint32_t leaf, count;
	int rc;

	if (argc != 3) return kenh_usage("safety-number GROUP USER");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	if ((rc = kenh_group_load(a, argv[1], &g)) != 0) return kenh_fail(argv[1], rc);
	count = kenh_mls_group_leaf_count(g);
	for (leaf = 0; leaf < count && n < MAX_KEYS; leaf++) {
		if (kenh_member_info(a, g, leaf, &info) != 0) continue;
		if (strcmp(info.user, argv[2]) != 0 && strcmp(info.user, a->me.user) != 0) continue;
		if (kenh_mls_group_member(g, leaf, &cred) != 0) continue;
		kenh_mls_credential_signature_key(cred, &keys[n].p, &keys[n].len);
		if (keys[n].len <= 133) n++;
	}
	qsort(keys, n, sizeof(keys[0]), cmp_key);
	for (i = 0; i < n; i++) {
		memcpy(buf + off, keys[i].p, keys[i].len);
		off += keys[i].len;
	}
	kenh_mls_group_free(g);
	if ((h = crypto_kdf_get(a->ctx, CRYPTO_KDF_HKDF_SHA256)) == NULL ||
	    (rc = crypto_hash(h, buf, off, d)) != 0)
		return kenh_fail("safety number", rc ? rc : KENH_E_UNSUPPORTED);
	for (i = 0; i < 12; i++) {
		uint32_t v = (uint32_t)load_be16(d + 2 * i) << 8 | d[24 + i % 8];

		printf("%05u%s", (unsigned)(v % 100000u), i == 11 ? "\n" : i % 4 == 3 ? "\n" : " ");
	}
	return 0;
}

int cmd_kenh_wipe(struct kenh_app *a, int argc, char **argv)
{
	uint8_t *order = NULL;
	size_t len = 0;
	int rc;

	if (argc != 2) return kenh_usage("wipe-order FILE");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	if ((rc = cli_file_read(argv[1], 64u << 10, &order, &len)) != 0)
		return kenh_fail(argv[1], rc);
	rc = kenh_wipe_apply(a, span_make(order, len));
	mem_free(order);
	if (rc == KENH_E_EXISTS)
		return kenh_failf("wipe order refused",
		                  "this order was carried out before (replay)");
	if (rc != 0 && !a->wiped) return kenh_fail("wipe order refused", rc);
	if (rc != 0) return kenh_fail("wipe", rc);
	printf("wipe order verified: the device store was erased\n");
	return 0;
}
