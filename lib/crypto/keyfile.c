/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Argon2id (RFC 9106, through libargon2) and the passphrase-protected key
 * file of docs/pki.md "Key files": a fixed header (magic, version, Argon2id
 * cost and salt, AEAD id and nonce, key scheme and length) followed by the
 * private key sealed with AES-256-GCM under the Argon2id output, with the
 * whole header as associated data (RFC 5116 §2.1). A wrong passphrase and
 * a changed byte are the same error, KENH_E_DECRYPT (STYLE R3.11).
 */
#include "crypto/keyfile.h"

#include "util/compat.h"

#include <argon2.h>

#include "crypto/crypto.h"
#include "crypto/pki.h"
#include "util/mem.h"

static const uint8_t key_magic[8] = { 'K', 'E', 'N', 'H', '-', 'K', 'E', 'Y' };

#define KEYFILE_VERSION 1
#define KEYFILE_KDF     1 /* Argon2id v1.3 */
#define KEYFILE_AEAD    CRYPTO_AEAD_AES256GCM
#define KEYFILE_NONCE   12
#define KEYFILE_TAG     16
#define KEYFILE_HEADER  (8 + 1 + 1 + 12 + CRYPTO_ARGON2_SALT_LEN + 2 + KEYFILE_NONCE + 2 + 2)
#define KEYFILE_KEY     32

bool crypto_argon2_params_ok(const struct crypto_argon2_params *p)
{
	if (p->lanes == 0 || p->lanes > CRYPTO_ARGON2_MAX_LANES) return false;
	if (p->t_cost == 0 || p->t_cost > CRYPTO_ARGON2_MAX_T) return false;
	/* RFC 9106 §3.1: m is at least 8 * p KiB. */
	return p->m_kib >= 8u * p->lanes && p->m_kib <= CRYPTO_ARGON2_MAX_KIB;
}

int crypto_argon2id(const struct crypto_argon2_params *p, struct kenh_span pass,
                    const uint8_t *salt, size_t saltlen, uint8_t *out, size_t outlen)
{
	int rc;

	if (!crypto_argon2_params_ok(p) || saltlen < ARGON2_MIN_SALT_LENGTH || saltlen > 64 ||
	    outlen < 4 || outlen > 64 || pass.len > UINT32_MAX)
		return KENH_ERR(KENH_E_INVALID_ARG);
	/* libargon2 derives with version 0x13, the version RFC 9106 §3.1 specifies. */
	rc = argon2id_hash_raw(p->t_cost, p->m_kib, p->lanes, pass.p, pass.len, salt, saltlen, out,
	                       outlen);
	if (rc == ARGON2_MEMORY_ALLOCATION_ERROR) return KENH_ERR(KENH_E_NOMEM);
	if (rc != ARGON2_OK) {
		sec_zero(out, outlen);
		return KENH_ERR(KENH_E_CRYPTO);
	}
	return 0;
}

static void header_write(uint8_t h[static KEYFILE_HEADER], const struct crypto_argon2_params *p,
                         const uint8_t *salt, const uint8_t *nonce, const struct crypto_sigkey *k)
{
	memcpy(h, key_magic, 8);
	h[8] = KEYFILE_VERSION;
	h[9] = KEYFILE_KDF;
	store_be32(h + 10, p->m_kib);
	store_be32(h + 14, p->t_cost);
	store_be32(h + 18, p->lanes);
	memcpy(h + 22, salt, CRYPTO_ARGON2_SALT_LEN);
	store_be16(h + 38, KEYFILE_AEAD);
	memcpy(h + 40, nonce, KEYFILE_NONCE);
	store_be16(h + 52, k->sig_id);
	store_be16(h + 54, (uint16_t)k->sklen);
}

int crypto_keyfile_seal(const struct kenh_ctx *ctx, const struct crypto_keyfile_lock *lock,
                        const struct crypto_sigkey *key, uint8_t **out, size_t *outlen)
{
	const struct crypto_aead *aead = crypto_aead_get(ctx, KEYFILE_AEAD);
	uint8_t salt[CRYPTO_ARGON2_SALT_LEN], nonce[KEYFILE_NONCE], k[KEYFILE_KEY];
	uint8_t *buf = NULL;
	size_t len;
	void *mem = NULL;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (aead == NULL || key->sklen == 0 || key->sklen > CRYPTO_MAX_SIG_SK)
		return KENH_ERR(KENH_E_INVALID_ARG);
	len = KEYFILE_HEADER + key->sklen + KEYFILE_TAG;
	if ((rc = crypto_random(ctx, salt, sizeof(salt))) != 0) goto out;
	if ((rc = crypto_random(ctx, nonce, sizeof(nonce))) != 0) goto out;
	if ((rc = crypto_argon2id(&lock->kdf, lock->pass, salt, sizeof(salt), k, sizeof(k))) != 0)
		goto out;
	if ((rc = mem_alloc(len, &mem)) != 0) goto out;
	buf = mem;
	header_write(buf, &lock->kdf, salt, nonce, key);
	rc = crypto_aead_seal(aead, k, sizeof(k), nonce, sizeof(nonce), buf, KEYFILE_HEADER,
	                      key->sk, key->sklen, buf + KEYFILE_HEADER);
	if (rc != 0) goto out;
	*out = buf;
	*outlen = len;
	buf = NULL;
out:
	sec_zero(k, sizeof(k));
	mem_free(buf);
	return rc;
}

/* Check the header and read the cost, salt and nonce out of it (views into file). */
static int header_read(struct kenh_span f, struct crypto_argon2_params *p, uint16_t *sig_id,
                       size_t *sklen)
{
	if (f.len < KEYFILE_HEADER) return KENH_ERR(KENH_E_TRUNCATED);
	if (memcmp(f.p, key_magic, 8) != 0) return KENH_ERR(KENH_E_PARSE);
	if (f.p[8] != KEYFILE_VERSION || f.p[9] != KEYFILE_KDF ||
	    load_be16(f.p + 38) != KEYFILE_AEAD)
		return KENH_ERR(KENH_E_UNSUPPORTED);
	p->m_kib = load_be32(f.p + 10);
	p->t_cost = load_be32(f.p + 14);
	p->lanes = load_be32(f.p + 18);
	if (!crypto_argon2_params_ok(p)) return KENH_ERR(KENH_E_INVALID_ARG);
	*sig_id = load_be16(f.p + 52);
	*sklen = load_be16(f.p + 54);
	if (*sklen == 0 || *sklen > CRYPTO_MAX_SIG_SK) return KENH_ERR(KENH_E_PARSE);
	if (*sklen + KEYFILE_TAG > f.len - KEYFILE_HEADER) return KENH_ERR(KENH_E_TRUNCATED);
	if (*sklen + KEYFILE_TAG < f.len - KEYFILE_HEADER) return KENH_ERR(KENH_E_TRAILING);
	return 0;
}

int crypto_keyfile_open(const struct kenh_ctx *ctx, struct kenh_span file, struct kenh_span pass,
                        struct crypto_sigkey *out)
{
	const struct crypto_aead *aead = crypto_aead_get(ctx, KEYFILE_AEAD);
	struct crypto_argon2_params p;
	uint8_t k[KEYFILE_KEY], sk[CRYPTO_MAX_SIG_SK];
	uint16_t sig_id = 0;
	size_t sklen = 0;
	int rc;

	sec_zero(out, sizeof(*out));
	if (aead == NULL) return KENH_ERR(KENH_E_INTERNAL);
	if ((rc = header_read(file, &p, &sig_id, &sklen)) != 0) return rc;
	rc = crypto_argon2id(&p, pass, file.p + 22, CRYPTO_ARGON2_SALT_LEN, k, sizeof(k));
	if (rc != 0) goto out;
	rc = crypto_aead_open(aead, k, sizeof(k), file.p + 40, KEYFILE_NONCE, file.p,
	                      KEYFILE_HEADER, file.p + KEYFILE_HEADER, sklen + KEYFILE_TAG, sk);
	if (rc != 0) {
		rc = KENH_ERR(KENH_E_DECRYPT);
		goto out;
	}
	rc = crypto_sigkey_from_sk(ctx, sig_id, sk, sklen, out);
out:
	sec_zero(k, sizeof(k));
	sec_zero(sk, sizeof(sk));
	return rc;
}
