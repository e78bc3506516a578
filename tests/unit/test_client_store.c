/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests of the device store (lib/client/store_*.c, docs/store.md):
 * round trips through every table and a reopen; a wrong passphrase, a
 * missing file, an existing file and a foreign file; the raw files (main,
 * WAL, SHM) searched for every plaintext, secret, key and index value we
 * wrote; rows swapped, moved to another table, re-sequenced or given
 * another expiry by editing the file with SQLite directly; the passphrase
 * change (old one refused, old slot gone from the file); ordering, limits
 * and replacement; duplicate suppression with retention and purge;
 * transactions; wiping (the file is zeroed through a hard link, and every
 * companion file is gone); the key slot decoder's negatives (R17.1) and a
 * flip-each-bit test of the slot; allocation failures (R17.5) and a
 * backend that fails its Nth call, after which nothing is half-written.
 */
#include "client/client_store.h"

#include <sqlite3.h>

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/client_int.h"
#include "crypto/crypto.h"
#include "kenh/kenh.h"
#include "util/mem.h"

static const struct crypto_argon2_params fast = { 8, 1, 1 };

#define PASS  "correct horse battery staple"
#define PASS2 "tr0ub4dor&3"

struct fx {
	struct kenh_ctx *ctx;
	char dir[64];
	char path[128];
};

static struct kenh_span str_span(const char *s)
{
	return span_make((const uint8_t *)s, strlen(s));
}

static int setup(void **state)
{
	struct fx *f;
	void *mem = NULL;

	if (mem_calloc(1, sizeof(*f), &mem) != 0) return -1;
	f = mem;
	if (kenh_ctx_new(&f->ctx) != 0) return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/kenh-store-XXXXXX");
	if (mkdtemp(f->dir) == NULL) return -1;
	snprintf(f->path, sizeof(f->path), "%s/device.db", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	int rc = client_db_sqlite_wipe(f->path);

	(void)rc;
	rmdir(f->dir);
	kenh_ctx_free(f->ctx);
	mem_free(f);
	return 0;
}

static struct client_store *make_store(struct fx *f)
{
	struct client_store *s = NULL;

	assert_int_equal(client_store_create(f->ctx, f->path, str_span(PASS), &fast, &s), 0);
	return s;
}

static struct client_store *reopen(struct fx *f, const char *pass)
{
	struct client_store *s = NULL;

	assert_int_equal(client_store_open(f->ctx, f->path, str_span(pass), &s), 0);
	return s;
}

static void put(struct client_store *s, enum client_table t, const char *key, const char *scope,
                const char *value, uint64_t *seq)
{
	struct client_store_put row = { str_span(key), str_span(scope), str_span(value), 0 };

	assert_int_equal(client_store_put(s, t, &row, seq), 0);
}

static void expect_row(struct client_store *s, enum client_table t, const char *key,
                       const char *value)
{
	struct client_store_item it;

	assert_int_equal(client_store_get(s, t, str_span(key), &it), 0);
	assert_int_equal(it.value.len, strlen(value));
	assert_memory_equal(it.value.p, value, it.value.len);
	assert_int_equal(it.key.len, strlen(key));
	assert_memory_equal(it.key.p, key, it.key.len);
	client_store_item_clear(&it);
}

/* The whole content of a file ("" if missing); *len receives its size. */
static uint8_t *slurp(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;
	void *mem = NULL;

	*len = 0;
	if (fp == NULL) {
		assert_int_equal(mem_alloc(1, &mem), 0);
		return mem;
	}
	assert_int_equal(fstat(fileno(fp), &st), 0);
	assert_int_equal(mem_alloc((size_t)st.st_size + 1, &mem), 0);
	assert_int_equal(fread(mem, 1, (size_t)st.st_size, fp), (size_t)st.st_size);
	fclose(fp);
	*len = (size_t)st.st_size;
	return mem;
}

static bool contains(const uint8_t *hay, size_t n, const uint8_t *needle, size_t k)
{
	size_t i;

	if (k == 0 || k > n) return false;
	for (i = 0; i + k <= n; i++) {
		if (memcmp(hay + i, needle, k) == 0) return true;
	}
	return false;
}

/* True if needle occurs in the store file or any of its companions. */
static bool file_has(const struct fx *f, const uint8_t *needle, size_t k)
{
	static const char *const ext[] = { "", "-wal", "-shm", "-journal" };
	char p[160];
	uint8_t *buf;
	size_t i, n;
	bool hit = false;

	for (i = 0; i < ARRAY_LEN(ext); i++) {
		snprintf(p, sizeof(p), "%s%s", f->path, ext[i]);
		buf = slurp(p, &n);
		hit = hit || contains(buf, n, needle, k);
		mem_free(buf);
	}
	return hit;
}

/* Run one SQL statement on the file directly, as an attacker with the disk would. */
static void raw_sql(const struct fx *f, const char *sql)
{
	sqlite3 *h = NULL;

	assert_int_equal(sqlite3_open(f->path, &h), SQLITE_OK);
	if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(h));
	sqlite3_close(h);
}

/* Flip one bit of byte i of the messages row at position seq, directly in the file. */
static void flip_val_byte(const struct fx *f, int seq, size_t i)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *h = NULL;
	uint8_t buf[256];
	size_t n;

	assert_int_equal(sqlite3_open(f->path, &h), SQLITE_OK);
	assert_int_equal(
	        sqlite3_prepare_v2(h, "SELECT val FROM messages WHERE seq = ?1", -1, &st, NULL),
	        SQLITE_OK);
	sqlite3_bind_int(st, 1, seq);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = (size_t)sqlite3_column_bytes(st, 0);
	assert_true(n > i && n <= sizeof(buf));
	memcpy(buf, sqlite3_column_blob(st, 0), n);
	sqlite3_finalize(st);
	buf[i] ^= 1;
	assert_int_equal(
	        sqlite3_prepare_v2(h, "UPDATE messages SET val = ?1 WHERE seq = ?2", -1, &st, NULL),
	        SQLITE_OK);
	sqlite3_bind_blob(st, 1, buf, (int)n, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, seq);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);
	sqlite3_finalize(st);
	sqlite3_close(h);
}

/* ------------------------------------------------------------ round trips */

static void test_client_store_round_trip(void **state)
{
	struct fx *f = *state;
	struct client_store *s = make_store(f);
	enum client_table t;
	uint64_t seq = 0;

	for (t = CLIENT_T_FIRST; t <= CLIENT_T_LAST; t++) {
		put(s, t, "k1", "g", "value one", &seq);
		assert_int_equal(seq, 1);
		put(s, t, "k2", "g", "value two", &seq);
		assert_int_equal(seq, 2);
	}
	client_store_close(s);
	s = reopen(f, PASS);
	for (t = CLIENT_T_FIRST; t <= CLIENT_T_LAST; t++) {
		expect_row(s, t, "k1", "value one");
		expect_row(s, t, "k2", "value two");
	}
	client_store_close(s);
}

static void test_client_store_open_errors(void **state)
{
	struct fx *f = *state;
	struct client_store *s = NULL;
	FILE *fp;

	assert_int_equal(client_store_open(f->ctx, f->path, str_span(PASS), &s), KENH_E_NOT_FOUND);
	s = make_store(f);
	client_store_close(s);
	s = NULL;
	assert_int_equal(client_store_create(f->ctx, f->path, str_span(PASS), &fast, &s),
	                 KENH_E_EXISTS);
	assert_null(s);
	/* Wrong passphrase: one clear error, and the file is untouched. */
	assert_int_equal(client_store_open(f->ctx, f->path, str_span("wrong"), &s), KENH_E_DECRYPT);
	assert_int_equal(client_store_open(f->ctx, f->path, str_span(""), &s), KENH_E_DECRYPT);
	assert_null(s);
	s = reopen(f, PASS);
	client_store_close(s);
	assert_int_equal(client_db_sqlite_wipe(f->path), 0);
	/* A file that is not a store. */
	fp = fopen(f->path, "wb");
	assert_non_null(fp);
	for (int i = 0; i < 64; i++)
		fputs("this is not a database, only text to look like a file.\n", fp);
	fclose(fp);
	assert_int_equal(client_store_open(f->ctx, f->path, str_span(PASS), &s), KENH_E_PARSE);
	assert_int_equal(client_db_sqlite_wipe(f->path), 0);
	/* Another application's SQLite file. */
	raw_sql(f, "CREATE TABLE t (x)");
	assert_int_equal(client_store_open(f->ctx, f->path, str_span(PASS), &s), KENH_E_PARSE);
	/* Cost out of bounds. */
	assert_int_equal(client_db_sqlite_wipe(f->path), 0);
	{
		struct crypto_argon2_params bad = { 4, 1, 1 };

		assert_int_equal(client_store_create(f->ctx, f->path, str_span(PASS), &bad, &s),
		                 KENH_E_INVALID_ARG);
		assert_false(access(f->path, F_OK) == 0);
	}
}

static void test_client_store_file_mode(void **state)
{
	struct fx *f = *state;
	struct client_store *s = make_store(f);
	struct stat st;

	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	client_store_close(s);
}

/* ------------------------------------------------------- nothing in clear */

struct secrets {
	struct crypto_sigkey key;
	const char *texts[8];
};

static void fill_store(struct client_store *s, struct secrets *sec)
{
	uint8_t root[] = "ROOT-CERT-MARKER-0123456789", leaf[] = "LEAF-CERT-MARKER-0123456789";
	struct client_identity id;
	bool dup = true;

	memset(&id, 0, sizeof(id));
	id.key = sec->key;
	id.root = span_make(root, sizeof(root) - 1);
	id.chain[0] = span_make(leaf, sizeof(leaf) - 1);
	id.nchain = 1;
	assert_int_equal(client_store_identity_put(s, &id), 0);
	sec_zero(&id, sizeof(id));
	put(s, CLIENT_T_GROUPS, "GROUPID-MARKER-77", "", "GROUP-STATE-EPOCH-SECRET-MARKER", NULL);
	put(s, CLIENT_T_MESSAGES, "msg-1", "GROUPID-MARKER-77",
	    "Attack at dawn from the north gate", NULL);
	put(s, CLIENT_T_OUTGOING, "out-1", "GROUPID-MARKER-77", "Pending: bring the documents",
	    NULL);
	put(s, CLIENT_T_TRANSFERS, "blob-BLOBID-MARKER", "", "file key FILEKEY-MARKER-XYZ", NULL);
	put(s, CLIENT_T_DIRECTIVES, "DIRECTIVE-ID-MARKER", "GROUPID-MARKER-77",
	    "Directive: secure the bridge by noon", NULL);
	assert_int_equal(
	        client_store_seen(s, str_span("SEEN-HASH-MARKER-ABCDEF"), 1767225600u, 86400, &dup),
	        0);
	assert_false(dup);
}

static void test_client_store_nothing_in_clear(void **state)
{
	struct fx *f = *state;
	static const char *const plain[] = {
		PASS,
		"ROOT-CERT-MARKER",
		"LEAF-CERT-MARKER",
		"GROUPID-MARKER-77",
		"GROUP-STATE-EPOCH-SECRET-MARKER",
		"Attack at dawn",
		"bring the documents",
		"BLOBID-MARKER",
		"FILEKEY-MARKER",
		"DIRECTIVE-ID-MARKER",
		"secure the bridge",
		"SEEN-HASH-MARKER",
	};
	struct client_store *s = make_store(f);
	struct secrets sec;
	uint8_t keys[1 + 2 * CLIENT_T_LAST][CLIENT_STORE_KEY_LEN];
	size_t i, t;

	assert_int_equal(crypto_sigkey_generate(f->ctx, CRYPTO_SIG_ED25519, &sec.key), 0);
	fill_store(s, &sec);
	memcpy(keys[0], s->key, CLIENT_STORE_KEY_LEN);
	for (t = CLIENT_T_FIRST; t < CLIENT_T_COUNT; t++) {
		memcpy(keys[2 * t - 1], s->row_key[t], CLIENT_STORE_KEY_LEN);
		memcpy(keys[2 * t], s->index_key[t], CLIENT_STORE_KEY_LEN);
	}
	/* Check both with the WAL still present and after the store is closed. */
	for (i = 0; i < 2; i++) {
		size_t k;

		for (k = 0; k < ARRAY_LEN(plain); k++) {
			if (file_has(f, (const uint8_t *)plain[k], strlen(plain[k])))
				fail_msg("plaintext \"%s\" found in the store files", plain[k]);
		}
		for (k = 0; k < ARRAY_LEN(keys); k++)
			assert_false(file_has(f, keys[k], CLIENT_STORE_KEY_LEN));
		assert_false(file_has(f, sec.key.sk, sec.key.sklen));
		if (i == 0) client_store_close(s);
	}
	/* A sanity check of the search itself: the key slot's magic is in clear. */
	assert_true(file_has(f, (const uint8_t *)"KENHSTOR", 8));
	/* Everything is still there for the passphrase holder. */
	s = reopen(f, PASS);
	expect_row(s, CLIENT_T_MESSAGES, "msg-1", "Attack at dawn from the north gate");
	client_store_close(s);
	crypto_sigkey_clear(&sec.key);
}

/* ------------------------------------------------------ rows are bound */

static void test_client_store_swapped_rows(void **state)
{
	struct fx *f = *state;
	struct client_store *s = make_store(f);
	struct client_store_item it;

	put(s, CLIENT_T_MESSAGES, "a", "g", "message A", NULL);
	put(s, CLIENT_T_MESSAGES, "b", "g", "message B", NULL);
	put(s, CLIENT_T_GROUPS, "g", "", "state of g", NULL);
	client_store_close(s);
	/* Swap the sealed values of two rows of the same table and scope. */
	raw_sql(f, "CREATE TEMP TABLE x AS SELECT id, val FROM messages;"
	           "UPDATE messages SET val = (SELECT val FROM x WHERE x.id <> messages.id);");
	s = reopen(f, PASS);
	assert_int_equal(client_store_get(s, CLIENT_T_MESSAGES, str_span("a"), &it),
	                 KENH_E_DECRYPT);
	assert_null(it.buf);
	assert_int_equal(client_store_get(s, CLIENT_T_MESSAGES, str_span("b"), &it),
	                 KENH_E_DECRYPT);
	client_store_close(s);
	/* A row copied into another table is not even found: indexes are per table. */
	raw_sql(f, "INSERT INTO directives SELECT * FROM groups");
	s = reopen(f, PASS);
	expect_row(s, CLIENT_T_GROUPS, "g", "state of g");
	assert_int_equal(client_store_get(s, CLIENT_T_DIRECTIVES, str_span("g"), &it),
	                 KENH_E_NOT_FOUND);
	put(s, CLIENT_T_DIRECTIVES, "g", "", "directive g", NULL);
	client_store_close(s);
	/* Its sealed value under the other table's row for the same key does not open. */
	raw_sql(f, "UPDATE directives SET val = (SELECT val FROM groups) WHERE seq = 1");
	s = reopen(f, PASS);
	assert_int_equal(client_store_get(s, CLIENT_T_DIRECTIVES, str_span("g"), &it),
	                 KENH_E_DECRYPT);
	client_store_close(s);
}

static int count_rows(void *arg, const struct client_store_item *it)
{
	(void)it;
	(*(size_t *)arg)++;
	return 0;
}

static void test_client_store_moved_position_or_expiry(void **state)
{
	struct fx *f = *state;
	struct client_store *s = make_store(f);
	struct client_store_item it;
	size_t n = 0;

	put(s, CLIENT_T_MESSAGES, "a", "g", "first", NULL);
	put(s, CLIENT_T_MESSAGES, "b", "g", "second", NULL);
	client_store_close(s);
	raw_sql(f, "UPDATE messages SET seq = seq + 10");
	s = reopen(f, PASS);
	assert_int_equal(
	        client_store_scan(s, CLIENT_T_MESSAGES, str_span("g"), 0, 0, count_rows, &n),
	        KENH_E_DECRYPT);
	assert_int_equal(n, 0);
	client_store_close(s);
	raw_sql(f, "UPDATE messages SET seq = seq - 10, expires = 99");
	s = reopen(f, PASS);
	assert_int_equal(client_store_get(s, CLIENT_T_MESSAGES, str_span("a"), &it),
	                 KENH_E_DECRYPT);
	client_store_close(s);
	raw_sql(f, "UPDATE messages SET expires = 0");
	s = reopen(f, PASS);
	expect_row(s, CLIENT_T_MESSAGES, "a", "first");
	/* A changed byte of the ciphertext. */
	client_store_close(s);
	flip_val_byte(f, 2, 20);
	s = reopen(f, PASS);
	assert_int_equal(client_store_get(s, CLIENT_T_MESSAGES, str_span("b"), &it),
	                 KENH_E_DECRYPT);
	client_store_close(s);
}

/* ------------------------------------------------------ passphrase change */

static void read_slot(const struct fx *f, uint8_t out[static CLIENT_SLOT_LEN])
{
	void *db = NULL;
	uint8_t *slot = NULL;
	size_t len = 0;

	assert_int_equal(client_db_sqlite_open(f->path, &db), 0);
	assert_int_equal(client_db_sqlite()->slot_get(db, &slot, &len), 0);
	assert_int_equal(len, CLIENT_SLOT_LEN);
	memcpy(out, slot, len);
	mem_free(slot);
	client_db_sqlite()->close(db);
}

static void test_client_store_rekey(void **state)
{
	struct fx *f = *state;
	struct client_store *s = make_store(f), *o = NULL;
	uint8_t old_slot[CLIENT_SLOT_LEN], new_slot[CLIENT_SLOT_LEN];
	struct crypto_argon2_params slower = { 16, 2, 1 };
	struct client_slot dec;

	put(s, CLIENT_T_MESSAGES, "m", "g", "kept across the change", NULL);
	read_slot(f, old_slot);
	assert_int_equal(client_store_rekey(s, str_span(PASS2), &slower), 0);
	read_slot(f, new_slot);
	/* The old wrapped key must be gone from every file, not just superseded. */
	assert_false(
	        file_has(f, old_slot + CLIENT_SLOT_HEADER, CLIENT_SLOT_LEN - CLIENT_SLOT_HEADER));
	assert_false(file_has(
	        f, old_slot + CLIENT_SLOT_HEADER - CLIENT_SLOT_NONCE - CRYPTO_ARGON2_SALT_LEN,
	        CRYPTO_ARGON2_SALT_LEN));
	assert_int_equal(client_slot_decode(span_make(new_slot, sizeof(new_slot)), &dec), 0);
	assert_int_equal(dec.kdf.m_kib, 16);
	assert_int_equal(dec.kdf.t_cost, 2);
	client_store_close(s);
	assert_int_equal(client_store_open(f->ctx, f->path, str_span(PASS), &o), KENH_E_DECRYPT);
	s = reopen(f, PASS2);
	expect_row(s, CLIENT_T_MESSAGES, "m", "kept across the change");
	/* A refused new cost leaves the old passphrase working. */
	slower.lanes = 0;
	assert_int_equal(client_store_rekey(s, str_span(PASS), &slower), KENH_E_INVALID_ARG);
	client_store_close(s);
	s = reopen(f, PASS2);
	client_store_close(s);
}

/* ---------------------------------------------------------- key slot codec */

static void make_slot(struct fx *f, uint8_t out[static CLIENT_SLOT_LEN], uint8_t key[32])
{
	struct client_slot slot;

	memset(&slot, 0, sizeof(slot));
	slot.kdf = fast;
	assert_int_equal(crypto_random(f->ctx, slot.salt, sizeof(slot.salt)), 0);
	assert_int_equal(crypto_random(f->ctx, slot.nonce, sizeof(slot.nonce)), 0);
	assert_int_equal(crypto_random(f->ctx, key, 32), 0);
	assert_int_equal(client_slot_wrap(f->ctx, &slot, str_span(PASS), key), 0);
	client_slot_encode(&slot, out);
}

static void test_client_store_slot_decoder_negatives(void **state)
{
	struct fx *f = *state;
	uint8_t enc[CLIENT_SLOT_LEN + 1], key[32], *copy = NULL;
	struct client_slot slot;
	size_t n;

	make_slot(f, enc, key);
	for (n = 0; n < CLIENT_SLOT_LEN; n++) {
		assert_int_equal(mem_dup(enc, n, &copy), 0);
		if (client_slot_decode(span_make(copy, n), &slot) != KENH_E_TRUNCATED)
			fail_msg("prefix %zu", n);
		mem_free(copy);
	}
	enc[CLIENT_SLOT_LEN] = 0;
	assert_int_equal(client_slot_decode(span_make(enc, CLIENT_SLOT_LEN + 1), &slot),
	                 KENH_E_TRAILING);
	enc[0] ^= 1;
	assert_int_equal(client_slot_decode(span_make(enc, CLIENT_SLOT_LEN), &slot), KENH_E_PARSE);
	enc[0] ^= 1;
	enc[9] = 2; /* version */
	assert_int_equal(client_slot_decode(span_make(enc, CLIENT_SLOT_LEN), &slot),
	                 KENH_E_UNSUPPORTED);
	enc[9] = 1;
	enc[11] = 1; /* AES-128-GCM */
	assert_int_equal(client_slot_decode(span_make(enc, CLIENT_SLOT_LEN), &slot),
	                 KENH_E_UNSUPPORTED);
}

static void test_client_store_slot_flip_each_bit(void **state)
{
	struct fx *f = *state;
	uint8_t enc[CLIENT_SLOT_LEN], key[32], got[32];
	struct client_slot slot;
	size_t bit;
	int rc;

	make_slot(f, enc, key);
	assert_int_equal(client_slot_decode(span_make(enc, sizeof(enc)), &slot), 0);
	assert_int_equal(client_slot_unwrap(f->ctx, &slot, str_span(PASS), got), 0);
	assert_memory_equal(got, key, 32);
	for (bit = 0; bit < 8 * CLIENT_SLOT_LEN; bit++) {
		enc[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		rc = client_slot_decode(span_make(enc, sizeof(enc)), &slot);
		/*
		 * A high bit of m_kib asks for up to 512 MiB, within bounds: the
		 * same associated-data check as below, too costly to run 8 times.
		 */
		if (rc == 0 && slot.kdf.m_kib > 1024) rc = KENH_E_DECRYPT;
		if (rc == 0) rc = client_slot_unwrap(f->ctx, &slot, str_span(PASS), got);
		/* Argon2 cost bits can land out of bounds (refused before any work). */
		if (rc != KENH_E_DECRYPT && rc != KENH_E_PARSE && rc != KENH_E_UNSUPPORTED)
			fail_msg("bit %zu: %d", bit, rc);
		enc[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* A cost changed within bounds is covered by the associated data. */
	assert_int_equal(client_slot_decode(span_make(enc, sizeof(enc)), &slot), 0);
	slot.kdf.m_kib = fast.m_kib + 8;
	assert_int_equal(client_slot_unwrap(f->ctx, &slot, str_span(PASS), got), KENH_E_DECRYPT);
	{
		uint8_t zero[32] = { 0 };

		assert_memory_equal(got, zero, 32);
	}
}

/* ---------------------------------------------------------- rows and order */

struct collect {
	char seen[8][32];
	uint64_t seq[8];
	size_t n;
};

static int collect_row(void *arg, const struct client_store_item *it)
{
	struct collect *c = arg;

	if (c->n == ARRAY_LEN(c->seen)) return KENH_E_TOO_LARGE;
	snprintf(c->seen[c->n], sizeof(c->seen[0]), "%.*s", (int)it->value.len,
	         (const char *)it->value.p);
	c->seq[c->n++] = it->seq;
	return 0;
}

static int stop_at_two(void *arg, const struct client_store_item *it)
{
	struct collect *c = arg;

	(void)it;
	return ++c->n == 2 ? KENH_E_STATE : 0;
}

static void test_client_store_scan_order(void **state)
{
	struct fx *f = *state;
	struct client_store *s = make_store(f);
	struct client_store_put row;
	struct collect c;
	uint64_t seq = 0;

	put(s, CLIENT_T_MESSAGES, "m1", "g1", "one", NULL);
	put(s, CLIENT_T_MESSAGES, "x1", "g2", "other", NULL);
	put(s, CLIENT_T_MESSAGES, "m2", "g1", "two", NULL);
	put(s, CLIENT_T_MESSAGES, "m3", "g1", "three", NULL);
	/* Replacing keeps the position. */
	put(s, CLIENT_T_MESSAGES, "m1", "g1", "one again", &seq);
	assert_int_equal(seq, 1);
	memset(&c, 0, sizeof(c));
	assert_int_equal(
	        client_store_scan(s, CLIENT_T_MESSAGES, str_span("g1"), 0, 0, collect_row, &c), 0);
	assert_int_equal(c.n, 3);
	assert_string_equal(c.seen[0], "one again");
	assert_string_equal(c.seen[1], "two");
	assert_string_equal(c.seen[2], "three");
	assert_int_equal(c.seq[2], 3);
	memset(&c, 0, sizeof(c));
	assert_int_equal(
	        client_store_scan(s, CLIENT_T_MESSAGES, str_span("g1"), 2, 1, collect_row, &c), 0);
	assert_int_equal(c.n, 1);
	assert_string_equal(c.seen[0], "two");
	memset(&c, 0, sizeof(c));
	assert_int_equal(
	        client_store_scan(s, CLIENT_T_MESSAGES, str_span("g1"), 0, 0, stop_at_two, &c),
	        KENH_E_STATE);
	assert_int_equal(c.n, 2);
	/* A row cannot change scope. */
	row = (struct client_store_put){ str_span("m1"), str_span("g2"), str_span("moved"), 0 };
	assert_int_equal(client_store_put(s, CLIENT_T_MESSAGES, &row, NULL), KENH_E_INVALID_ARG);
	/* Limits and arguments. */
	row = (struct client_store_put){ str_span(""), str_span("g2"), str_span("v"), 0 };
	assert_int_equal(client_store_put(s, CLIENT_T_MESSAGES, &row, NULL), KENH_E_INVALID_ARG);
	row.key = span_make((const uint8_t *)f, CLIENT_STORE_MAX_KEY + 1);
	assert_int_equal(client_store_put(s, CLIENT_T_MESSAGES, &row, NULL), KENH_E_TOO_LARGE);
	row.key = str_span("k");
	assert_int_equal(client_store_put(s, (enum client_table)0, &row, NULL), KENH_E_INVALID_ARG);
	assert_int_equal(client_store_put(s, (enum client_table)8, &row, NULL), KENH_E_INVALID_ARG);
	/* Delete. */
	assert_int_equal(client_store_del(s, CLIENT_T_MESSAGES, str_span("m2")), 0);
	assert_int_equal(client_store_del(s, CLIENT_T_MESSAGES, str_span("m2")), KENH_E_NOT_FOUND);
	{
		bool found = true;
		struct client_store_item it;

		assert_int_equal(client_store_has(s, CLIENT_T_MESSAGES, str_span("m2"), &found), 0);
		assert_false(found);
		assert_int_equal(client_store_get(s, CLIENT_T_MESSAGES, str_span("m2"), &it),
		                 KENH_E_NOT_FOUND);
	}
	client_store_close(s);
}

static void test_client_store_seen_retention(void **state)
{
	struct fx *f = *state;
	struct client_store *s = make_store(f);
	const uint64_t now = 1767225600u + 3600; /* 01:00 on a day boundary + 1h */
	struct client_store_item it;
	size_t n = 9;
	bool dup = true;

	assert_int_equal(client_store_seen(s, str_span("h1"), now, 7 * 86400, &dup), 0);
	assert_false(dup);
	assert_int_equal(client_store_seen(s, str_span("h1"), now + 5, 7 * 86400, &dup), 0);
	assert_true(dup);
	assert_int_equal(client_store_seen(s, str_span("h2"), now + 86400, 7 * 86400, &dup), 0);
	assert_false(dup);
	/* Expiry rounded up to the next whole day. */
	assert_int_equal(client_store_get(s, CLIENT_T_SEEN, str_span("h1"), &it), 0);
	assert_int_equal(it.expires, 1767225600u + 8 * 86400);
	client_store_item_clear(&it);
	assert_int_equal(client_store_purge(s, CLIENT_T_SEEN, 1767225600u + 8 * 86400 - 1, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(client_store_purge(s, CLIENT_T_SEEN, 1767225600u + 8 * 86400, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(client_store_seen(s, str_span("h1"), now, 7 * 86400, &dup), 0);
	assert_false(dup);
	assert_int_equal(client_store_seen(s, str_span("h2"), now, 7 * 86400, &dup), 0);
	assert_true(dup);
	assert_int_equal(client_store_seen(s, str_span("h3"), UINT64_MAX - 5, 7 * 86400, &dup),
	                 KENH_E_INVALID_ARG);
	client_store_close(s);
}

static void test_client_store_transactions(void **state)
{
	struct fx *f = *state;
	struct client_store *s = make_store(f);
	bool found = true;

	assert_int_equal(client_store_begin(s), 0);
	put(s, CLIENT_T_GROUPS, "a", "", "A", NULL);
	assert_int_equal(client_store_begin(s), 0);
	put(s, CLIENT_T_GROUPS, "b", "", "B", NULL);
	assert_int_equal(client_store_rollback(s), 0);
	assert_int_equal(client_store_has(s, CLIENT_T_GROUPS, str_span("b"), &found), 0);
	assert_false(found);
	assert_int_equal(client_store_has(s, CLIENT_T_GROUPS, str_span("a"), &found), 0);
	assert_true(found);
	assert_int_equal(client_store_rollback(s), 0);
	assert_int_equal(client_store_has(s, CLIENT_T_GROUPS, str_span("a"), &found), 0);
	assert_false(found);
	assert_int_equal(client_store_begin(s), 0);
	put(s, CLIENT_T_GROUPS, "c", "", "C", NULL);
	assert_int_equal(client_store_commit(s), 0);
	client_store_close(s);
	s = reopen(f, PASS);
	expect_row(s, CLIENT_T_GROUPS, "c", "C");
	client_store_close(s);
}

static void test_client_store_identity(void **state)
{
	struct fx *f = *state;
	struct client_store *s = make_store(f);
	uint8_t root[] = "root", leaf[] = "leaf", ca[] = "unit ca";
	struct client_identity id, got;
	uint8_t zero[sizeof(got)];

	memset(&id, 0, sizeof(id));
	assert_int_equal(client_store_identity_get(s, &got), KENH_E_NOT_FOUND);
	assert_int_equal(crypto_sigkey_generate(f->ctx, CRYPTO_SIG_ECDSA_P256_SHA256, &id.key), 0);
	id.root = span_make(root, 4);
	assert_int_equal(client_store_identity_put(s, &id), KENH_E_INVALID_ARG);
	id.chain[0] = span_make(leaf, 4);
	id.chain[1] = span_make(ca, 7);
	id.nchain = 2;
	assert_int_equal(client_store_identity_put(s, &id), 0);
	client_store_close(s);
	s = reopen(f, PASS);
	assert_int_equal(client_store_identity_get(s, &got), 0);
	assert_int_equal(got.key.sig_id, CRYPTO_SIG_ECDSA_P256_SHA256);
	assert_memory_equal(got.key.sk, id.key.sk, id.key.sklen);
	assert_memory_equal(got.key.pk, id.key.pk, id.key.pklen);
	assert_int_equal(got.nchain, 2);
	assert_memory_equal(got.chain[1].p, "unit ca", 7);
	assert_memory_equal(got.root.p, "root", 4);
	client_identity_clear(&got);
	memset(zero, 0, sizeof(zero));
	assert_memory_equal(&got, zero, sizeof(got));
	crypto_sigkey_clear(&id.key);
	client_store_close(s);
}

/* ------------------------------------------------------------------ wipe */

static void test_client_store_wipe(void **state)
{
	struct fx *f = *state;
	struct client_store *s = make_store(f);
	char link_path[160], p[160];
	uint8_t *buf;
	size_t n, i;

	put(s, CLIENT_T_MESSAGES, "m", "g", "to be destroyed", NULL);
	snprintf(link_path, sizeof(link_path), "%s/copy.db", f->dir);
	assert_int_equal(link(f->path, link_path), 0);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	assert_int_equal(access(p, F_OK), 0); /* WAL mode: the companion exists while open */
	assert_int_equal(client_store_wipe(s), 0);
	assert_int_equal(access(f->path, F_OK), -1);
	assert_int_equal(access(p, F_OK), -1);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	assert_int_equal(access(p, F_OK), -1);
	/* The bytes themselves were overwritten, not just unlinked. */
	buf = slurp(link_path, &n);
	assert_true(n > 0);
	for (i = 0; i < n; i++) {
		if (buf[i] != 0) fail_msg("byte %zu of the wiped file is %u", i, buf[i]);
	}
	mem_free(buf);
	unlink(link_path);
	assert_int_equal(client_db_sqlite_wipe(f->path), KENH_E_NOT_FOUND);
	/* A locked store (no passphrase) can be wiped by path. */
	s = make_store(f);
	client_store_close(s);
	assert_int_equal(client_db_sqlite_wipe(f->path), 0);
	assert_int_equal(client_store_open(f->ctx, f->path, str_span(PASS), &s), KENH_E_NOT_FOUND);
}

/* --------------------------------------------------------------- failures */

/* A backend that forwards to SQLite and fails its Nth call from now on. */
struct faulty {
	void *inner;
	unsigned long countdown; /* 0: never fail */
	unsigned long calls;
};

static int tick(struct faulty *fb)
{
	fb->calls++;
	if (fb->countdown != 0 && --fb->countdown == 0) return KENH_E_DB;
	return 0;
}

#define FWD(name, params, args)                                                                    \
	static int f_##name params                                                                 \
	{                                                                                          \
		struct faulty *fb = db;                                                            \
		int rc = tick(fb);                                                                 \
		return rc != 0 ? rc : client_db_sqlite()->name args;                               \
	}

FWD(slot_get, (void *db, uint8_t **out, size_t *outlen), (fb->inner, out, outlen))
FWD(slot_put, (void *db, struct kenh_span slot), (fb->inner, slot))
FWD(flush, (void *db), (fb->inner))
FWD(begin, (void *db), (fb->inner))
FWD(commit, (void *db), (fb->inner))
FWD(rollback, (void *db), (fb->inner))
FWD(row_get, (void *db, int t, const uint8_t *id, struct client_db_row *out, uint8_t **buf),
    (fb->inner, t, id, out, buf))
FWD(row_put, (void *db, int t, const struct client_db_row *row), (fb->inner, t, row))
FWD(row_del, (void *db, int t, const uint8_t *id), (fb->inner, t, id))
FWD(next_seq, (void *db, int t, const uint8_t *scope, uint64_t *out), (fb->inner, t, scope, out))
FWD(scan,
    (void *db, int t, const uint8_t *scope, uint64_t from, size_t limit, client_db_row_fn *fn,
     void *arg),
    (fb->inner, t, scope, from, limit, fn, arg))
FWD(purge, (void *db, int t, uint64_t now, size_t *count), (fb->inner, t, now, count))

static void f_close(void *db)
{
	struct faulty *fb = db;

	client_db_sqlite()->close(fb->inner);
	mem_free(fb);
}

static const struct client_db_ops faulty_ops = {
	f_slot_get, f_slot_put, f_flush,    f_begin, f_commit, f_rollback, f_row_get,
	f_row_put,  f_row_del,  f_next_seq, f_scan,  f_purge,  f_close,
};

static struct faulty *faulty_open(const struct fx *f)
{
	struct faulty *fb;
	void *mem = NULL;

	assert_int_equal(mem_calloc(1, sizeof(*fb), &mem), 0);
	fb = mem;
	assert_int_equal(client_db_sqlite_open(f->path, &fb->inner), 0);
	return fb;
}

static void test_client_store_backend_failures(void **state)
{
	struct fx *f = *state;
	struct client_store *s = make_store(f), *w = NULL;
	struct client_store_put row = { str_span("k"), str_span("g"), str_span("v"), 0 };
	struct faulty *fb;
	unsigned long n;
	bool found = true;
	int rc = -1;

	client_store_close(s);
	fb = faulty_open(f);
	assert_int_equal(client_store_open_with(f->ctx, &faulty_ops, fb, str_span(PASS), &w), 0);
	/* Fail each backend call of a put in turn: an error, and no row afterwards. */
	for (n = 1; rc != 0; n++) {
		fb->countdown = n;
		rc = client_store_put(w, CLIENT_T_MESSAGES, &row, NULL);
		fb->countdown = 0;
		if (rc == 0) break;
		assert_int_equal(rc, KENH_E_DB);
		assert_int_equal(client_store_has(w, CLIENT_T_MESSAGES, str_span("k"), &found), 0);
		assert_false(found);
	}
	assert_true(n >= 4); /* begin, get, next_seq, put, commit */
	/* A failed re-key keeps the old passphrase. */
	fb->countdown = 1;
	assert_int_equal(client_store_rekey(w, str_span(PASS2), &fast), KENH_E_DB);
	client_store_close(w);
	s = reopen(f, PASS);
	client_store_close(s);
	/* The backend's own handle is closed when opening fails. */
	fb = faulty_open(f);
	fb->countdown = 1;
	assert_int_equal(client_store_open_with(f->ctx, &faulty_ops, fb, str_span(PASS), &w),
	                 KENH_E_DB);
	assert_null(w);
}

#ifdef KENH_FAULT_INJECT
/* Fail allocation n = 1, 2, ... of op until it succeeds; each failure must be clean. */
static void oom_walk(const char *what, int (*op)(struct client_store *), struct client_store *s)
{
	unsigned long n;
	int rc = -1;

	for (n = 1; n < 1000; n++) {
		mem_fault_set(n, 0);
		rc = op(s);
		if (mem_fault_hits() == 0) break;
		mem_fault_set(0, 0);
		if (rc != KENH_E_NOMEM) fail_msg("%s: allocation %lu failed with %d", what, n, rc);
	}
	mem_fault_set(0, 0);
	assert_int_equal(rc, 0);
	assert_true(n >= 2);
}

static int op_put(struct client_store *s)
{
	struct client_store_put row = { str_span("k"), str_span("g"), str_span("value"), 0 };

	return client_store_put(s, CLIENT_T_MESSAGES, &row, NULL);
}

static int op_get(struct client_store *s)
{
	struct client_store_item it;
	int rc = client_store_get(s, CLIENT_T_MESSAGES, str_span("k"), &it);

	client_store_item_clear(&it);
	return rc;
}

static int op_scan(struct client_store *s)
{
	size_t n = 0;

	return client_store_scan(s, CLIENT_T_MESSAGES, str_span("g"), 0, 0, count_rows, &n);
}

static int op_identity(struct client_store *s)
{
	struct client_identity id;
	int rc;

	memset(&id, 0, sizeof(id));
	rc = crypto_sigkey_generate(s->ctx, CRYPTO_SIG_ED25519, &id.key);
	id.root = str_span("root");
	id.chain[0] = str_span("leaf");
	id.nchain = 1;
	if (rc == 0) rc = client_store_identity_put(s, &id);
	crypto_sigkey_clear(&id.key);
	if (rc == 0) rc = client_store_identity_get(s, &id);
	client_identity_clear(&id);
	return rc;
}

static void test_client_store_allocation_failures(void **state)
{
	struct fx *f = *state;
	struct client_store *s = make_store(f);
	unsigned long n;
	int rc = -1;

	oom_walk("put", op_put, s);
	oom_walk("get", op_get, s);
	oom_walk("scan", op_scan, s);
	oom_walk("identity", op_identity, s);
	client_store_close(s);
	for (n = 1; rc != 0 && n < 1000; n++) {
		mem_fault_set(n, 0);
		rc = client_store_open(f->ctx, f->path, str_span(PASS), &s);
		mem_fault_set(0, 0);
		if (rc != 0) assert_int_equal(rc, KENH_E_NOMEM);
	}
	assert_int_equal(rc, 0);
	client_store_close(s);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_client_store_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_store_open_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_store_file_mode, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_store_nothing_in_clear, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_client_store_swapped_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_store_moved_position_or_expiry, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_client_store_rekey, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_store_slot_decoder_negatives, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_client_store_slot_flip_each_bit, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_client_store_scan_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_store_seen_retention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_store_transactions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_store_identity, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_store_wipe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_store_backend_failures, setup,
		                                teardown),
#ifdef KENH_FAULT_INJECT
		cmocka_unit_test_setup_teardown(test_client_store_allocation_failures, setup,
		                                teardown),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
