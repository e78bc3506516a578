/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Sealed rows of the device store (docs/store.md "Rows"). A row's logical
 * key and scope reach the backend only as blind indexes,
 *
 *   id    = HMAC-SHA256(index_key[t], "K" || key)
 *   scope = HMAC-SHA256(index_key[t], "S" || scope)
 *
 * and its value is
 *
 *   val = nonce[12] || AES-256-GCM(row_key[t], nonce, aad, RowPlain)
 *   struct { opaque key<V>; opaque scope<V>; opaque value<V>; } RowPlain;
 *   aad = "kenh store v1 row" || uint8 t || id || scope || uint64 seq || uint64 expires
 *
 * with a fresh random nonce per write (a device writes far fewer than the
 * 2^32 messages per key that random 96-bit GCM nonces allow, NIST SP
 * 800-38D §8.3). Because every clear column is in the associated data, a
 * row copied to another table, key, scope or position, or given another
 * expiry, fails to open (KENH_E_DECRYPT).
 */
#include "client/client_store.h"

#include "util/compat.h"

#include "client/client_int.h"
#include "codec/codec.h"
#include "crypto/crypto.h"
#include "util/mem.h"

#define ROW_NONCE 12
#define ROW_TAG   16
/* RowPlain around the largest value: three varints of at most 4 bytes each. */
#define ROW_PLAIN_MAX (2u * CLIENT_STORE_MAX_KEY + CLIENT_STORE_MAX_VALUE + 12u)

static const char aad_label[] = "kenh store v1 row";
#define ROW_AAD_LEN (sizeof(aad_label) - 1 + 1 + 2 * CLIENT_STORE_INDEX_LEN + 8 + 8)

static bool table_ok(enum client_table t)
{
	return (int)t >= CLIENT_T_FIRST && (int)t <= CLIENT_T_LAST;
}

/* Blind index of a key ('K') or scope ('S') of table t. */
static int blind(const struct client_store *s, enum client_table t, uint8_t kind,
                 struct kenh_span in, uint8_t out[static CLIENT_STORE_INDEX_LEN])
{
	uint8_t buf[1 + CLIENT_STORE_MAX_KEY];
	int rc;

	if (in.len > CLIENT_STORE_MAX_KEY) return KENH_ERR(KENH_E_TOO_LARGE);
	buf[0] = kind;
	if (in.len > 0) memcpy(buf + 1, in.p, in.len);
	rc = crypto_hmac(s->kdf, s->index_key[t], CLIENT_STORE_KEY_LEN, buf, in.len + 1, out);
	sec_zero(buf, in.len + 1);
	return rc;
}

static void row_aad(enum client_table t, const struct client_db_row *r,
                    uint8_t aad[static ROW_AAD_LEN])
{
	uint8_t *p = aad;

	memcpy(p, aad_label, sizeof(aad_label) - 1);
	p += sizeof(aad_label) - 1;
	*p++ = (uint8_t)t;
	memcpy(p, r->id, CLIENT_STORE_INDEX_LEN);
	p += CLIENT_STORE_INDEX_LEN;
	memcpy(p, r->scope, CLIENT_STORE_INDEX_LEN);
	p += CLIENT_STORE_INDEX_LEN;
	store_be64(p, r->seq);
	store_be64(p + 8, r->expires);
}

/* Encode RowPlain into a sensitive buffer (*out, sec_free(*out, *outlen)). */
static int encode_plain(const struct client_store_put *row, uint8_t **out, size_t *outlen)
{
	struct codec_writer w;
	int rc;

	codec_writer_init(&w, ROW_PLAIN_MAX, CODEC_WRITER_SENSITIVE);
	codec_write_opaque(&w, row->key.p, row->key.len);
	codec_write_opaque(&w, row->scope.p, row->scope.len);
	codec_write_opaque(&w, row->value.p, row->value.len);
	rc = codec_writer_finish(&w, out, outlen);
	codec_writer_clear(&w);
	return rc;
}

/* Seal the row's plaintext into r->val (a new block in *val, mem_free). */
static int seal_row(struct client_store *s, enum client_table t, const struct client_store_put *row,
                    struct client_db_row *r, uint8_t **val)
{
	uint8_t aad[ROW_AAD_LEN], *pt = NULL;
	size_t ptlen = 0, n;
	void *mem = NULL;
	int rc;

	*val = NULL;
	if ((rc = encode_plain(row, &pt, &ptlen)) != 0) return rc;
	if ((rc = size_add(ptlen, ROW_NONCE + ROW_TAG, &n)) != 0) goto out;
	if ((rc = mem_alloc(n, &mem)) != 0) goto out;
	if ((rc = crypto_random(s->ctx, mem, ROW_NONCE)) != 0) goto out;
	row_aad(t, r, aad);
	rc = crypto_aead_seal(s->aead, s->row_key[t], CLIENT_STORE_KEY_LEN, mem, ROW_NONCE, aad,
	                      sizeof(aad), pt, ptlen, (uint8_t *)mem + ROW_NONCE);
	if (rc != 0) goto out;
	r->val = span_make(mem, n);
	*val = mem;
	mem = NULL;
out:
	sec_free(pt, ptlen);
	mem_free(mem);
	return rc;
}

/* Open a backend row into *it (views into it->buf). */
static int open_row(struct client_store *s, enum client_table t, const struct client_db_row *r,
                    struct client_store_item *it)
{
	uint8_t aad[ROW_AAD_LEN];
	struct codec_reader rd;
	void *mem = NULL;
	size_t n;
	int rc;

	memset(it, 0, sizeof(*it));
	if (r->val.len < ROW_NONCE + ROW_TAG) return KENH_ERR(KENH_E_DECRYPT);
	n = r->val.len - ROW_NONCE - ROW_TAG;
	if ((rc = sec_alloc(n, &mem)) != 0) return rc;
	it->buf = mem;
	it->buflen = n;
	row_aad(t, r, aad);
	rc = crypto_aead_open(s->aead, s->row_key[t], CLIENT_STORE_KEY_LEN, r->val.p, ROW_NONCE,
	                      aad, sizeof(aad), r->val.p + ROW_NONCE, r->val.len - ROW_NONCE,
	                      it->buf);
	if (rc != 0) goto out;
	codec_reader_init(&rd, it->buf, n);
	codec_read_opaque(&rd, CLIENT_STORE_MAX_KEY, &it->key);
	codec_read_opaque(&rd, CLIENT_STORE_MAX_KEY, &it->scope);
	codec_read_opaque(&rd, CLIENT_STORE_MAX_VALUE, &it->value);
	/* Authentic but unreadable: only a bug of ours can write that. */
	if (codec_reader_done(&rd) != 0) rc = KENH_ERR(KENH_E_INTERNAL);
	it->seq = r->seq;
	it->expires = r->expires;
out:
	if (rc != 0) client_store_item_clear(it);
	return rc;
}

void client_store_item_clear(struct client_store_item *it)
{
	if (it == NULL) return;
	sec_free(it->buf, it->buflen);
	memset(it, 0, sizeof(*it));
}

/* The row's position: kept from an existing row (same scope), else next in scope. */
static int place_row(struct client_store *s, enum client_table t, struct client_db_row *r)
{
	struct client_db_row old;
	uint8_t *buf = NULL;
	int rc;

	rc = s->ops->row_get(s->db, (int)t, r->id, &old, &buf);
	mem_free(buf);
	if (rc == KENH_E_NOT_FOUND) return s->ops->next_seq(s->db, (int)t, r->scope, &r->seq);
	if (rc != 0) return rc;
	if (!crypto_ct_eq(old.scope, r->scope, CLIENT_STORE_INDEX_LEN))
		return KENH_ERR(KENH_E_INVALID_ARG);
	r->seq = old.seq;
	return 0;
}

static int check_put(const struct client_store *s, enum client_table t,
                     const struct client_store_put *row)
{
	if (s == NULL || row == NULL || !table_ok(t)) return KENH_ERR(KENH_E_INVALID_ARG);
	if (row->key.len == 0) return KENH_ERR(KENH_E_INVALID_ARG);
	if (row->key.len > CLIENT_STORE_MAX_KEY || row->scope.len > CLIENT_STORE_MAX_KEY ||
	    row->value.len > CLIENT_STORE_MAX_VALUE)
		return KENH_ERR(KENH_E_TOO_LARGE);
	if (row->expires > (uint64_t)INT64_MAX) return KENH_ERR(KENH_E_INVALID_ARG);
	return 0;
}

int client_store_put(struct client_store *s, enum client_table t,
                     const struct client_store_put *row, uint64_t *seq)
{
	struct client_db_row r;
	uint8_t *val = NULL;
	bool open = false;
	int rc;

	if (seq != NULL) *seq = 0;
	if ((rc = check_put(s, t, row)) != 0) return rc;
	memset(&r, 0, sizeof(r));
	r.expires = row->expires;
	if ((rc = blind(s, t, 'K', row->key, r.id)) != 0) goto out;
	if ((rc = blind(s, t, 'S', row->scope, r.scope)) != 0) goto out;
	if ((rc = s->ops->begin(s->db)) != 0) goto out;
	open = true;
	if ((rc = place_row(s, t, &r)) != 0) goto out;
	if ((rc = seal_row(s, t, row, &r, &val)) != 0) goto out;
	if ((rc = s->ops->row_put(s->db, (int)t, &r)) != 0) goto out;
	/* A failed commit leaves the savepoint open: roll it back below. */
	if ((rc = s->ops->commit(s->db)) == 0) open = false;
out:
	if (open) (void)s->ops->rollback(s->db);
	if (rc == 0 && seq != NULL) *seq = r.seq;
	mem_free(val);
	return rc;
}

int client_store_get(struct client_store *s, enum client_table t, struct kenh_span key,
                     struct client_store_item *out)
{
	struct client_db_row r;
	uint8_t id[CLIENT_STORE_INDEX_LEN], *buf = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (s == NULL || !table_ok(t) || key.len == 0) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = blind(s, t, 'K', key, id)) != 0) return rc;
	if ((rc = s->ops->row_get(s->db, (int)t, id, &r, &buf)) != 0) goto out;
	rc = open_row(s, t, &r, out);
out:
	mem_free(buf);
	return rc;
}

int client_store_has(struct client_store *s, enum client_table t, struct kenh_span key, bool *found)
{
	struct client_db_row r;
	uint8_t id[CLIENT_STORE_INDEX_LEN], *buf = NULL;
	int rc;

	*found = false;
	if (s == NULL || !table_ok(t) || key.len == 0) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = blind(s, t, 'K', key, id)) != 0) return rc;
	rc = s->ops->row_get(s->db, (int)t, id, &r, &buf);
	mem_free(buf);
	if (rc == KENH_E_NOT_FOUND) return 0;
	if (rc == 0) *found = true;
	return rc;
}

int client_store_del(struct client_store *s, enum client_table t, struct kenh_span key)
{
	uint8_t id[CLIENT_STORE_INDEX_LEN];
	int rc;

	if (s == NULL || !table_ok(t) || key.len == 0) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = blind(s, t, 'K', key, id)) != 0) return rc;
	return s->ops->row_del(s->db, (int)t, id);
}

struct scan_state {
	struct client_store *s;
	enum client_table t;
	client_store_item_fn *fn;
	void *arg;
};

static int scan_one(void *arg, const struct client_db_row *r)
{
	struct scan_state *st = arg;
	struct client_store_item it;
	int rc;

	if ((rc = open_row(st->s, st->t, r, &it)) != 0) return rc;
	rc = st->fn(st->arg, &it);
	client_store_item_clear(&it);
	return rc;
}

int client_store_scan(struct client_store *s, enum client_table t, struct kenh_span scope,
                      uint64_t from, size_t limit, client_store_item_fn *fn, void *arg)
{
	struct scan_state st = { s, t, fn, arg };
	uint8_t sc[CLIENT_STORE_INDEX_LEN];
	int rc;

	if (s == NULL || fn == NULL || !table_ok(t)) return KENH_ERR(KENH_E_INVALID_ARG);
	if (from > (uint64_t)INT64_MAX) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = blind(s, t, 'S', scope, sc)) != 0) return rc;
	return s->ops->scan(s->db, (int)t, sc, from, limit, scan_one, &st);
}

int client_store_purge(struct client_store *s, enum client_table t, uint64_t now, size_t *count)
{
	size_t n = 0;
	int rc;

	if (count != NULL) *count = 0;
	if (s == NULL || !table_ok(t) || now > (uint64_t)INT64_MAX)
		return KENH_ERR(KENH_E_INVALID_ARG);
	rc = s->ops->purge(s->db, (int)t, now, &n);
	if (rc == 0 && count != NULL) *count = n;
	return rc;
}

#define SEEN_ROUND 86400u

int client_store_seen(struct client_store *s, struct kenh_span hash, uint64_t now,
                      uint64_t retention, bool *dup)
{
	struct client_store_put row = { hash, { NULL, 0 }, { NULL, 0 }, 0 };
	uint64_t exp;
	bool found = false;
	int rc;

	*dup = false;
	if (__builtin_add_overflow(now, retention, &exp) || exp > (uint64_t)INT64_MAX - SEEN_ROUND)
		return KENH_ERR(KENH_E_INVALID_ARG);
	row.expires = (exp + SEEN_ROUND - 1) / SEEN_ROUND * SEEN_ROUND;
	if ((rc = client_store_has(s, CLIENT_T_SEEN, hash, &found)) != 0) return rc;
	if (found) {
		*dup = true;
		return 0;
	}
	return client_store_put(s, CLIENT_T_SEEN, &row, NULL);
}

int client_store_begin(struct client_store *s)
{
	if (s == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	return s->ops->begin(s->db);
}

int client_store_commit(struct client_store *s)
{
	if (s == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	return s->ops->commit(s->db);
}

int client_store_rollback(struct client_store *s)
{
	if (s == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	return s->ops->rollback(s->db);
}
