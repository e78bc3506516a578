/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Opening, creating, re-keying and wiping a device store (docs/store.md
 * "Keys"): the store key is 32 random bytes, kept on disk only inside the
 * key slot (store_keyslot.c); every table gets its own AEAD key and its own
 * blind-index key, each HKDF-Expand (RFC 5869 §2.3) of the store key with a
 * label naming the purpose and the table. A passphrase change wraps the
 * same store key again; nothing else is rewritten. The rows themselves are
 * store_rows.c's.
 */
#include "client/client_store.h"

#include "util/compat.h"

#include "client/client_int.h"
#include "crypto/crypto.h"
#include "util/mem.h"

#define STORE_AEAD CRYPTO_AEAD_AES256GCM
#define STORE_KDF  CRYPTO_KDF_HKDF_SHA256

static const char label_row[] = "kenh store v1 row key";
static const char label_index[] = "kenh store v1 index key";

/* key = HKDF-Expand(store key, label || table, 32). */
static int derive_table_key(struct client_store *s, const char *label, size_t t, uint8_t *out)
{
	uint8_t info[64];
	size_t n = strlen(label);

	memcpy(info, label, n);
	info[n] = (uint8_t)t;
	return crypto_hkdf_expand(s->kdf, s->key, sizeof(s->key), info, n + 1, out,
	                          CLIENT_STORE_KEY_LEN);
}

static int derive_keys(struct client_store *s)
{
	size_t t;
	int rc;

	for (t = CLIENT_T_FIRST; t < CLIENT_T_COUNT; t++) {
		if ((rc = derive_table_key(s, label_row, t, s->row_key[t])) != 0) return rc;
		if ((rc = derive_table_key(s, label_index, t, s->index_key[t])) != 0) return rc;
	}
	return 0;
}

/* A store object around db (owned from here on), with no key yet. */
static int store_alloc(const struct kenh_ctx *ctx, const struct client_db_ops *ops, void *db,
                       struct client_store **out)
{
	struct client_store *s;
	void *mem = NULL;
	int rc;

	*out = NULL;
	if ((rc = sec_alloc(sizeof(*s), &mem)) != 0) {
		ops->close(db);
		return rc;
	}
	s = mem;
	s->ctx = ctx;
	s->ops = ops;
	s->db = db;
	s->aead = crypto_aead_get(ctx, STORE_AEAD);
	s->kdf = crypto_kdf_get(ctx, STORE_KDF);
	*out = s;
	if (s->aead == NULL || s->kdf == NULL) return KENH_ERR(KENH_E_INTERNAL);
	return 0;
}

/* Fresh salt and nonce, wrap s->key under pass, write the slot. */
static int write_slot(struct client_store *s, struct kenh_span pass,
                      const struct crypto_argon2_params *kdf)
{
	struct client_slot slot;
	uint8_t enc[CLIENT_SLOT_LEN];
	int rc;

	memset(&slot, 0, sizeof(slot));
	if (!crypto_argon2_params_ok(kdf)) return KENH_ERR(KENH_E_INVALID_ARG);
	slot.kdf = *kdf;
	if ((rc = crypto_random(s->ctx, slot.salt, sizeof(slot.salt))) != 0) return rc;
	if ((rc = crypto_random(s->ctx, slot.nonce, sizeof(slot.nonce))) != 0) return rc;
	if ((rc = client_slot_wrap(s->ctx, &slot, pass, s->key)) != 0) return rc;
	client_slot_encode(&slot, enc);
	return s->ops->slot_put(s->db, span_make(enc, sizeof(enc)));
}

int client_store_create_with(const struct kenh_ctx *ctx, const struct client_db_ops *ops, void *db,
                             struct kenh_span pass, const struct crypto_argon2_params *kdf,
                             struct client_store **out)
{
	struct client_store *s = NULL;
	uint8_t *old = NULL;
	size_t oldlen = 0;
	int rc;

	*out = NULL;
	if ((rc = store_alloc(ctx, ops, db, &s)) != 0) goto out;
	if (!crypto_argon2_params_ok(kdf)) {
		rc = KENH_ERR(KENH_E_INVALID_ARG);
		goto out;
	}
	rc = ops->slot_get(db, &old, &oldlen);
	mem_free(old);
	if (rc == 0) rc = KENH_ERR(KENH_E_EXISTS);
	if (rc != KENH_E_NOT_FOUND) goto out;
	if ((rc = crypto_random(ctx, s->key, sizeof(s->key))) != 0) goto out;
	if ((rc = write_slot(s, pass, kdf)) != 0) goto out;
	if ((rc = derive_keys(s)) != 0) goto out;
	*out = s;
	s = NULL;
out:
	client_store_close(s);
	return rc;
}

int client_store_open_with(const struct kenh_ctx *ctx, const struct client_db_ops *ops, void *db,
                           struct kenh_span pass, struct client_store **out)
{
	struct client_store *s = NULL;
	struct client_slot slot;
	uint8_t *enc = NULL;
	size_t enclen = 0;
	int rc;

	*out = NULL;
	if ((rc = store_alloc(ctx, ops, db, &s)) != 0) goto out;
	if ((rc = ops->slot_get(db, &enc, &enclen)) != 0) goto out;
	if ((rc = client_slot_decode(span_make(enc, enclen), &slot)) != 0) goto out;
	if ((rc = client_slot_unwrap(ctx, &slot, pass, s->key)) != 0) goto out;
	if ((rc = derive_keys(s)) != 0) goto out;
	*out = s;
	s = NULL;
out:
	mem_free(enc);
	client_store_close(s);
	return rc;
}

int client_store_create(const struct kenh_ctx *ctx, const char *path, struct kenh_span pass,
                        const struct crypto_argon2_params *kdf, struct client_store **out)
{
	uint8_t *p = NULL;
	void *db = NULL;
	int rc;

	*out = NULL;
	if (path == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = mem_dup(path, strlen(path) + 1, &p)) != 0) return rc;
	if ((rc = client_db_sqlite_create(path, &db)) != 0) goto out;
	if ((rc = client_store_create_with(ctx, client_db_sqlite(), db, pass, kdf, out)) != 0) {
		/* Our own fresh file: leave nothing behind; the creation's error is reported. */
		int wiped = client_db_sqlite_wipe(path);

		(void)wiped;
		goto out;
	}
	(*out)->path = (char *)p;
	p = NULL;
out:
	mem_free(p);
	return rc;
}

int client_store_open(const struct kenh_ctx *ctx, const char *path, struct kenh_span pass,
                      struct client_store **out)
{
	uint8_t *p = NULL;
	void *db = NULL;
	int rc;

	*out = NULL;
	if (path == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = mem_dup(path, strlen(path) + 1, &p)) != 0) return rc;
	if ((rc = client_db_sqlite_open(path, &db)) != 0) goto out;
	if ((rc = client_store_open_with(ctx, client_db_sqlite(), db, pass, out)) != 0) goto out;
	(*out)->path = (char *)p;
	p = NULL;
out:
	mem_free(p);
	return rc;
}

void client_store_close(struct client_store *s)
{
	if (s == NULL) return;
	if (s->ops != NULL) s->ops->close(s->db);
	mem_free(s->path);
	sec_free(s, sizeof(*s));
}

int client_store_rekey(struct client_store *s, struct kenh_span new_pass,
                       const struct crypto_argon2_params *kdf)
{
	int rc;

	if (s == NULL || kdf == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = write_slot(s, new_pass, kdf)) != 0) return rc;
	/* The replaced slot must not survive in the WAL or a free page (docs/store.md). */
	return s->ops->flush(s->db);
}

int client_store_wipe(struct client_store *s)
{
	uint8_t junk[CLIENT_SLOT_LEN];
	char *path;
	int rc;

	if (s == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	/*
	 * Best effort inside the database first, so the slot is gone even if
	 * the file removal below fails; the file removal decides the result.
	 */
	if (crypto_random(s->ctx, junk, sizeof(junk)) == 0 &&
	    s->ops->slot_put(s->db, span_make(junk, sizeof(junk))) == 0)
		(void)s->ops->flush(s->db);
	path = s->path;
	s->path = NULL;
	client_store_close(s);
	rc = path != NULL ? client_db_sqlite_wipe(path) : 0;
	mem_free(path);
	return rc;
}
