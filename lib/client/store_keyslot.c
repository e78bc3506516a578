/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The key slot of a device store (docs/store.md "Key slot"): the store key
 * sealed with AES-256-GCM under a key that Argon2id (RFC 9106) derives
 * from the passphrase. The slot is a fixed 100-byte record:
 *
 *   magic "KENHSTOR" | version u16 | aead u16 | m_kib u32 | t u32 |
 *   lanes u32 | salt[16] | nonce[12] | wrapped[32 + 16]
 *
 * Everything before wrapped is the associated data (RFC 5116 §2.1), so a
 * changed cost, salt or version makes the slot fail to open exactly as a
 * wrong passphrase does (KENH_E_DECRYPT, STYLE R3.11). Opening and the
 * rows are store_device.c's and store_rows.c's business.
 */
#include "client/client_int.h"

#include "util/compat.h"

#include "crypto/crypto.h"
#include "util/mem.h"

static const uint8_t slot_magic[CLIENT_SLOT_MAGIC_LEN] = { 'K', 'E', 'N', 'H', 'S', 'T', 'O', 'R' };

#define SLOT_AEAD CRYPTO_AEAD_AES256GCM

void client_slot_encode(const struct client_slot *slot, uint8_t out[static CLIENT_SLOT_LEN])
{
	uint8_t *p = out;

	memcpy(p, slot_magic, CLIENT_SLOT_MAGIC_LEN);
	p += CLIENT_SLOT_MAGIC_LEN;
	store_be16(p, CLIENT_SLOT_VERSION);
	store_be16(p + 2, SLOT_AEAD);
	store_be32(p + 4, slot->kdf.m_kib);
	store_be32(p + 8, slot->kdf.t_cost);
	store_be32(p + 12, slot->kdf.lanes);
	p += 16;
	memcpy(p, slot->salt, CRYPTO_ARGON2_SALT_LEN);
	p += CRYPTO_ARGON2_SALT_LEN;
	memcpy(p, slot->nonce, CLIENT_SLOT_NONCE);
	p += CLIENT_SLOT_NONCE;
	memcpy(p, slot->wrapped, sizeof(slot->wrapped));
}

int client_slot_decode(struct kenh_span in, struct client_slot *out)
{
	const uint8_t *p = in.p;

	memset(out, 0, sizeof(*out));
	if (in.len < CLIENT_SLOT_LEN) return KENH_ERR(KENH_E_TRUNCATED);
	if (in.len > CLIENT_SLOT_LEN) return KENH_ERR(KENH_E_TRAILING);
	if (memcmp(p, slot_magic, CLIENT_SLOT_MAGIC_LEN) != 0) return KENH_ERR(KENH_E_PARSE);
	p += CLIENT_SLOT_MAGIC_LEN;
	if (load_be16(p) != CLIENT_SLOT_VERSION || load_be16(p + 2) != SLOT_AEAD)
		return KENH_ERR(KENH_E_UNSUPPORTED);
	out->kdf.m_kib = load_be32(p + 4);
	out->kdf.t_cost = load_be32(p + 8);
	out->kdf.lanes = load_be32(p + 12);
	p += 16;
	memcpy(out->salt, p, CRYPTO_ARGON2_SALT_LEN);
	p += CRYPTO_ARGON2_SALT_LEN;
	memcpy(out->nonce, p, CLIENT_SLOT_NONCE);
	p += CLIENT_SLOT_NONCE;
	memcpy(out->wrapped, p, sizeof(out->wrapped));
	return 0;
}

/* The passphrase key and the associated data of a slot. */
static int derive_pass_key(const struct client_slot *slot, struct kenh_span pass,
                           uint8_t k[static CLIENT_STORE_KEY_LEN],
                           uint8_t aad[static CLIENT_SLOT_LEN])
{
	client_slot_encode(slot, aad);
	return crypto_argon2id(&slot->kdf, pass, slot->salt, CRYPTO_ARGON2_SALT_LEN, k,
	                       CLIENT_STORE_KEY_LEN);
}

int client_slot_wrap(const struct kenh_ctx *ctx, struct client_slot *slot, struct kenh_span pass,
                     const uint8_t *key)
{
	const struct crypto_aead *aead = crypto_aead_get(ctx, SLOT_AEAD);
	uint8_t k[CLIENT_STORE_KEY_LEN], aad[CLIENT_SLOT_LEN];
	int rc;

	memset(slot->wrapped, 0, sizeof(slot->wrapped));
	if (aead == NULL) return KENH_ERR(KENH_E_INTERNAL);
	if (!crypto_argon2_params_ok(&slot->kdf)) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = derive_pass_key(slot, pass, k, aad)) != 0) goto out;
	rc = crypto_aead_seal(aead, k, sizeof(k), slot->nonce, CLIENT_SLOT_NONCE, aad,
	                      CLIENT_SLOT_HEADER, key, CLIENT_STORE_KEY_LEN, slot->wrapped);
out:
	sec_zero(k, sizeof(k));
	return rc;
}

int client_slot_unwrap(const struct kenh_ctx *ctx, const struct client_slot *slot,
                       struct kenh_span pass, uint8_t *key)
{
	const struct crypto_aead *aead = crypto_aead_get(ctx, SLOT_AEAD);
	uint8_t k[CLIENT_STORE_KEY_LEN], aad[CLIENT_SLOT_LEN];
	int rc;

	sec_zero(key, CLIENT_STORE_KEY_LEN);
	if (aead == NULL) return KENH_ERR(KENH_E_INTERNAL);
	/* A hostile slot must not ask for more memory or time than we allow (keyfile.h). */
	if (!crypto_argon2_params_ok(&slot->kdf)) return KENH_ERR(KENH_E_UNSUPPORTED);
	if ((rc = derive_pass_key(slot, pass, k, aad)) != 0) goto out;
	rc = crypto_aead_open(aead, k, sizeof(k), slot->nonce, CLIENT_SLOT_NONCE, aad,
	                      CLIENT_SLOT_HEADER, slot->wrapped, sizeof(slot->wrapped), key);
	if (rc != 0) rc = KENH_ERR(KENH_E_DECRYPT);
out:
	sec_zero(k, sizeof(k));
	if (rc != 0) sec_zero(key, CLIENT_STORE_KEY_LEN);
	return rc;
}
