/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The SQLite backend of the device store (client_store.h, docs/store.md
 * "File"): one file per device, in WAL mode with synchronous=FULL (a row is
 * on disk when the call returns), secure_delete on (deleted and replaced
 * content is overwritten with zeros, not left in free pages), temporary
 * tables in memory, the defensive configuration on, and mode 0600. Each
 * logical table is one SQL table of (id, scope, seq, expires, val); the key
 * slot is a one-row table. This file sees only what is stored in clear:
 * blind indexes, sequence numbers, expiry times and sealed values. Sealing
 * is store_rows.c's job.
 *
 * Wiping overwrites the files with zeros before unlinking them, so a hard
 * link or an open descriptor elsewhere does not keep the key slot alive.
 * On flash storage an overwrite may land elsewhere; destroying the slot is
 * what makes the rows unreadable, and the slot is only useful with the
 * passphrase.
 */
#include "client/client_store.h"

#include "util/compat.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "client/client_int.h"
#include "util/mem.h"

/* 'KENH' in PRAGMA application_id tells our files from other SQLite files. */
#define DB_APPLICATION_ID 0x4b454e48
#define DB_SCHEMA_VERSION 1
#define DB_BUSY_MS        5000

enum db_op {
	OP_GET = 0,
	OP_PUT = 1,
	OP_DEL = 2,
	OP_NEXT_SEQ = 3,
	OP_PURGE = 4,
	OP_COUNT = 5,
};

static const char *const table_names[CLIENT_T_COUNT] = {
	NULL, "identity", "groups", "messages", "seen", "outgoing", "transfers", "directives",
};

/* Statement templates; each @ stands for a name from table_names, never input. */
static const char *const op_sql[OP_COUNT] = {
	[OP_GET] = "SELECT scope, seq, expires, val FROM @ WHERE id = ?1",
	[OP_PUT] = "INSERT INTO @ (id, scope, seq, expires, val) VALUES (?1, ?2, ?3, ?4, ?5) "
	           "ON CONFLICT (id) DO UPDATE SET scope = excluded.scope, seq = excluded.seq, "
	           "expires = excluded.expires, val = excluded.val",
	[OP_DEL] = "DELETE FROM @ WHERE id = ?1",
	[OP_NEXT_SEQ] = "SELECT COALESCE(MAX(seq), 0) + 1 FROM @ WHERE scope = ?1",
	[OP_PURGE] = "DELETE FROM @ WHERE expires > 0 AND expires <= ?1",
};

static const char scan_sql[] = "SELECT id, scope, seq, expires, val FROM @ "
                               "WHERE scope = ?1 AND seq >= ?2 ORDER BY seq LIMIT ?3";

static const char table_sql[] =
        "CREATE TABLE @ (id BLOB PRIMARY KEY NOT NULL, scope BLOB NOT NULL, "
        "seq INTEGER NOT NULL, expires INTEGER NOT NULL, val BLOB NOT NULL, "
        "UNIQUE (scope, seq)) WITHOUT ROWID;"
        "CREATE INDEX @_expires ON @ (expires) WHERE expires > 0;";

static const char slot_sql[] =
        "CREATE TABLE keyslot (id INTEGER PRIMARY KEY CHECK (id = 1), slot BLOB NOT NULL);";

/* Settings of every connection (see the file comment). */
static const char conn_sql[] = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                               "PRAGMA secure_delete = ON; PRAGMA temp_store = MEMORY;"
                               "PRAGMA trusted_schema = OFF;";

static const char *const companions[] = { "", "-wal", "-shm", "-journal" };

struct sqlite_db {
	sqlite3 *h;
	sqlite3_stmt *st[CLIENT_T_COUNT][OP_COUNT]; /* prepared on first use */
};

static int map_err(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		return KENH_ERR(KENH_E_NOMEM);
	case SQLITE_NOTADB:
		return KENH_ERR(KENH_E_PARSE);
	case SQLITE_CONSTRAINT:
		return KENH_ERR(KENH_E_EXISTS);
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_READONLY:
		return KENH_ERR(KENH_E_IO);
	default:
		return KENH_ERR(KENH_E_DB);
	}
}

static int exec(struct sqlite_db *d, const char *sql)
{
	int rc = sqlite3_exec(d->h, sql, NULL, NULL, NULL);

	return rc == SQLITE_OK ? 0 : map_err(rc);
}

/* Copy tmpl into out with every '@' replaced by the table's name. */
static int expand(const char *tmpl, size_t table, char *out, size_t outlen)
{
	const char *name = table_names[table];
	size_t n = 0, k = strlen(name);

	for (; *tmpl != '\0'; tmpl++) {
		const char *src = *tmpl == '@' ? name : tmpl;
		size_t len = *tmpl == '@' ? k : 1;

		if (len >= outlen - n) return KENH_ERR(KENH_E_INTERNAL);
		memcpy(out + n, src, len);
		n += len;
	}
	out[n] = '\0';
	return 0;
}

static int prepare(struct sqlite_db *d, const char *tmpl, int table, sqlite3_stmt **out)
{
	char sql[512];
	int rc;

	*out = NULL;
	if ((rc = expand(tmpl, (size_t)table, sql, sizeof(sql))) != 0) return rc;
	rc = sqlite3_prepare_v2(d->h, sql, -1, out, NULL);
	return rc == SQLITE_OK ? 0 : map_err(rc);
}

/* The cached statement for (table, op), reset and unbound. */
static int stmt(struct sqlite_db *d, int table, enum db_op op, sqlite3_stmt **out)
{
	int rc;

	*out = NULL;
	if (table < CLIENT_T_FIRST || table > CLIENT_T_LAST) return KENH_ERR(KENH_E_INVALID_ARG);
	if (d->st[table][op] == NULL) {
		if ((rc = prepare(d, op_sql[op], table, &d->st[table][op])) != 0) return rc;
	}
	sqlite3_reset(d->st[table][op]);
	sqlite3_clear_bindings(d->st[table][op]);
	*out = d->st[table][op];
	return 0;
}

/* Step a statement that returns no row. */
static int step_done(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? 0 : map_err(rc);
}

static int bind_blob(sqlite3_stmt *st, int i, const uint8_t *p, size_t n)
{
	return sqlite3_bind_blob64(st, i, p, n, SQLITE_STATIC) == SQLITE_OK ? 0
	                                                                    : KENH_ERR(KENH_E_DB);
}

static int bind_u64(sqlite3_stmt *st, int i, uint64_t v)
{
	if (v > (uint64_t)INT64_MAX) return KENH_ERR(KENH_E_INVALID_ARG);
	return sqlite3_bind_int64(st, i, (sqlite3_int64)v) == SQLITE_OK ? 0 : KENH_ERR(KENH_E_DB);
}

static int column_u64(sqlite3_stmt *st, int i, uint64_t *out)
{
	sqlite3_int64 v = sqlite3_column_int64(st, i);

	*out = 0;
	if (sqlite3_column_type(st, i) != SQLITE_INTEGER || v < 0) return KENH_ERR(KENH_E_PARSE);
	*out = (uint64_t)v;
	return 0;
}

/* A fixed-size blob column (an index) into out. */
static int column_index(sqlite3_stmt *st, int i, uint8_t out[static CLIENT_STORE_INDEX_LEN])
{
	const void *p = sqlite3_column_blob(st, i);

	if (p == NULL || sqlite3_column_bytes(st, i) != CLIENT_STORE_INDEX_LEN)
		return KENH_ERR(KENH_E_PARSE);
	memcpy(out, p, CLIENT_STORE_INDEX_LEN);
	return 0;
}

/* The val column as a view valid until the next step or reset. */
static int column_val(sqlite3_stmt *st, int i, struct kenh_span *out)
{
	int n = sqlite3_column_bytes(st, i);

	*out = span_make(sqlite3_column_blob(st, i), (size_t)(n < 0 ? 0 : n));
	if (sqlite3_column_type(st, i) != SQLITE_BLOB || out->p == NULL)
		return KENH_ERR(KENH_E_PARSE);
	return 0;
}

/* ---- key slot and transactions ---- */

static int db_slot_get(void *db, uint8_t **out, size_t *outlen)
{
	struct sqlite_db *d = db;
	sqlite3_stmt *st = NULL;
	struct kenh_span v;
	int rc, src;

	*out = NULL;
	*outlen = 0;
	src = sqlite3_prepare_v2(d->h, "SELECT slot FROM keyslot WHERE id = 1", -1, &st, NULL);
	if (src != SQLITE_OK) return map_err(src);
	src = sqlite3_step(st);
	if (src == SQLITE_DONE) {
		rc = KENH_ERR(KENH_E_NOT_FOUND);
	} else if (src != SQLITE_ROW) {
		rc = map_err(src);
	} else if ((rc = column_val(st, 0, &v)) == 0 && (rc = span_dup(v, out)) == 0) {
		*outlen = v.len;
	}
	sqlite3_finalize(st);
	return rc;
}

static int db_slot_put(void *db, struct kenh_span slot)
{
	struct sqlite_db *d = db;
	sqlite3_stmt *st = NULL;
	int rc, src;

	src = sqlite3_prepare_v2(d->h, "INSERT OR REPLACE INTO keyslot (id, slot) VALUES (1, ?1)",
	                         -1, &st, NULL);
	if (src != SQLITE_OK) return map_err(src);
	if ((rc = bind_blob(st, 1, slot.p, slot.len)) == 0) rc = step_done(st);
	sqlite3_finalize(st);
	return rc;
}

static int db_flush(void *db)
{
	struct sqlite_db *d = db;
	int busy = 0, rc;

	/* TRUNCATE copies every frame into the main file, in place, then empties the WAL. */
	rc = sqlite3_wal_checkpoint_v2(d->h, NULL, SQLITE_CHECKPOINT_TRUNCATE, &busy, NULL);
	if (rc != SQLITE_OK) return map_err(rc);
	return busy == 0 ? 0 : KENH_ERR(KENH_E_DB);
}

static int db_begin(void *db)
{
	return exec(db, "SAVEPOINT kenh");
}

static int db_commit(void *db)
{
	return exec(db, "RELEASE kenh");
}

static int db_rollback(void *db)
{
	return exec(db, "ROLLBACK TO kenh; RELEASE kenh");
}

/* ---- rows ---- */

static int db_row_get(void *db, int table, const uint8_t *id, struct client_db_row *out,
                      uint8_t **buf)
{
	sqlite3_stmt *st = NULL;
	struct kenh_span v;
	int rc, src;

	memset(out, 0, sizeof(*out));
	*buf = NULL;
	if ((rc = stmt(db, table, OP_GET, &st)) != 0) return rc;
	if ((rc = bind_blob(st, 1, id, CLIENT_STORE_INDEX_LEN)) != 0) goto out;
	src = sqlite3_step(st);
	if (src != SQLITE_ROW) {
		rc = src == SQLITE_DONE ? KENH_ERR(KENH_E_NOT_FOUND) : map_err(src);
		goto out;
	}
	memcpy(out->id, id, CLIENT_STORE_INDEX_LEN);
	if ((rc = column_index(st, 0, out->scope)) != 0) goto out;
	if ((rc = column_u64(st, 1, &out->seq)) != 0) goto out;
	if ((rc = column_u64(st, 2, &out->expires)) != 0) goto out;
	if ((rc = column_val(st, 3, &v)) != 0) goto out;
	if ((rc = span_dup(v, buf)) != 0) goto out;
	out->val = span_make(*buf, v.len);
out:
	sqlite3_reset(st);
	if (rc != 0) memset(out, 0, sizeof(*out));
	return rc;
}

static int db_row_put(void *db, int table, const struct client_db_row *row)
{
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = stmt(db, table, OP_PUT, &st)) != 0) return rc;
	if ((rc = bind_blob(st, 1, row->id, CLIENT_STORE_INDEX_LEN)) != 0) goto out;
	if ((rc = bind_blob(st, 2, row->scope, CLIENT_STORE_INDEX_LEN)) != 0) goto out;
	if ((rc = bind_u64(st, 3, row->seq)) != 0) goto out;
	if ((rc = bind_u64(st, 4, row->expires)) != 0) goto out;
	if ((rc = bind_blob(st, 5, row->val.p, row->val.len)) != 0) goto out;
	rc = step_done(st);
out:
	sqlite3_reset(st);
	return rc;
}

static int db_row_del(void *db, int table, const uint8_t *id)
{
	struct sqlite_db *d = db;
	sqlite3_stmt *st = NULL;
	int rc;

	if ((rc = stmt(d, table, OP_DEL, &st)) != 0) return rc;
	if ((rc = bind_blob(st, 1, id, CLIENT_STORE_INDEX_LEN)) == 0) rc = step_done(st);
	if (rc == 0 && sqlite3_changes(d->h) == 0) rc = KENH_ERR(KENH_E_NOT_FOUND);
	return rc;
}

static int db_next_seq(void *db, int table, const uint8_t *scope, uint64_t *out)
{
	sqlite3_stmt *st = NULL;
	int rc, src;

	*out = 0;
	if ((rc = stmt(db, table, OP_NEXT_SEQ, &st)) != 0) return rc;
	if ((rc = bind_blob(st, 1, scope, CLIENT_STORE_INDEX_LEN)) != 0) goto out;
	src = sqlite3_step(st);
	if (src != SQLITE_ROW) {
		rc = map_err(src);
		goto out;
	}
	rc = column_u64(st, 0, out);
out:
	sqlite3_reset(st);
	return rc;
}

/* One row of a scan into r; val is a view into the statement. */
static int scan_row(sqlite3_stmt *st, struct client_db_row *r)
{
	int rc;

	if ((rc = column_index(st, 0, r->id)) != 0) return rc;
	if ((rc = column_index(st, 1, r->scope)) != 0) return rc;
	if ((rc = column_u64(st, 2, &r->seq)) != 0) return rc;
	if ((rc = column_u64(st, 3, &r->expires)) != 0) return rc;
	return column_val(st, 4, &r->val);
}

static int db_scan(void *db, int table, const uint8_t *scope, uint64_t from, size_t limit,
                   client_db_row_fn *fn, void *arg)
{
	struct client_db_row r;
	sqlite3_stmt *st = NULL;
	int rc, src;

	if (table < CLIENT_T_FIRST || table > CLIENT_T_LAST) return KENH_ERR(KENH_E_INVALID_ARG);
	/* Fresh statement, not the cache: fn may read the same table while this one runs. */
	if ((rc = prepare(db, scan_sql, table, &st)) != 0) return rc;
	if ((rc = bind_blob(st, 1, scope, CLIENT_STORE_INDEX_LEN)) != 0) goto out;
	if ((rc = bind_u64(st, 2, from)) != 0) goto out;
	if ((rc = bind_u64(st, 3, limit == 0 ? (uint64_t)INT64_MAX : (uint64_t)limit)) != 0)
		goto out;
	while ((src = sqlite3_step(st)) == SQLITE_ROW) {
		if ((rc = scan_row(st, &r)) != 0) goto out;
		if ((rc = fn(arg, &r)) != 0) goto out;
	}
	if (src != SQLITE_DONE) rc = map_err(src);
out:
	sqlite3_finalize(st);
	return rc;
}

static int db_purge(void *db, int table, uint64_t now, size_t *count)
{
	struct sqlite_db *d = db;
	sqlite3_stmt *st = NULL;
	int rc;

	*count = 0;
	if ((rc = stmt(d, table, OP_PURGE, &st)) != 0) return rc;
	if ((rc = bind_u64(st, 1, now)) == 0) rc = step_done(st);
	if (rc == 0) *count = (size_t)sqlite3_changes64(d->h);
	return rc;
}

static void db_close(void *db)
{
	struct sqlite_db *d = db;
	size_t t, op;

	if (d == NULL) return;
	for (t = 0; t < CLIENT_T_COUNT; t++) {
		for (op = 0; op < OP_COUNT; op++)
			sqlite3_finalize(d->st[t][op]);
	}
	sqlite3_close(d->h);
	mem_free(d);
}

static const struct client_db_ops sqlite_ops = {
	.slot_get = db_slot_get,
	.slot_put = db_slot_put,
	.flush = db_flush,
	.begin = db_begin,
	.commit = db_commit,
	.rollback = db_rollback,
	.row_get = db_row_get,
	.row_put = db_row_put,
	.row_del = db_row_del,
	.next_seq = db_next_seq,
	.scan = db_scan,
	.purge = db_purge,
	.close = db_close,
};

const struct client_db_ops *client_db_sqlite(void)
{
	return &sqlite_ops;
}

/* ---- opening, creating, wiping ---- */

/* Open path (which must exist) and apply the connection settings. */
static int connect(const char *path, struct sqlite_db **out)
{
	struct sqlite_db *d = NULL;
	void *mem = NULL;
	int rc, src;

	*out = NULL;
	if ((rc = mem_calloc(1, sizeof(*d), &mem)) != 0) return rc;
	d = mem;
	src = sqlite3_open_v2(path, &d->h,
	                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW,
	                      NULL);
	if (src != SQLITE_OK) {
		rc = map_err(src);
		goto out;
	}
	sqlite3_extended_result_codes(d->h, 0);
	sqlite3_busy_timeout(d->h, DB_BUSY_MS);
	if (sqlite3_db_config(d->h, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL) != SQLITE_OK) {
		rc = KENH_ERR(KENH_E_DB);
		goto out;
	}
	if ((rc = exec(d, conn_sql)) != 0) goto out;
	*out = d;
	d = NULL;
out:
	db_close(d);
	return rc;
}

/* An integer pragma's value. */
static int pragma_int(struct sqlite_db *d, const char *sql, sqlite3_int64 *out)
{
	sqlite3_stmt *st = NULL;
	int rc = 0, src;

	*out = 0;
	src = sqlite3_prepare_v2(d->h, sql, -1, &st, NULL);
	if (src == SQLITE_OK) src = sqlite3_step(st);
	if (src == SQLITE_ROW) {
		*out = sqlite3_column_int64(st, 0);
	} else {
		rc = map_err(src);
	}
	sqlite3_finalize(st);
	return rc;
}

static int create_schema(struct sqlite_db *d)
{
	char sql[1024], head[96];
	size_t t;
	int n, rc;

	n = snprintf(head, sizeof(head), "PRAGMA application_id = %d; PRAGMA user_version = %d;",
	             DB_APPLICATION_ID, DB_SCHEMA_VERSION);
	if (n < 0 || (size_t)n >= sizeof(head)) return KENH_ERR(KENH_E_INTERNAL);
	if ((rc = exec(d, "BEGIN IMMEDIATE")) != 0) return rc;
	if ((rc = exec(d, head)) != 0 || (rc = exec(d, slot_sql)) != 0) goto out;
	for (t = CLIENT_T_FIRST; t < CLIENT_T_COUNT; t++) {
		if ((rc = expand(table_sql, t, sql, sizeof(sql))) != 0) goto out;
		if ((rc = exec(d, sql)) != 0) goto out;
	}
	rc = exec(d, "COMMIT");
out:
	if (rc != 0) (void)exec(d, "ROLLBACK");
	return rc;
}

/* After a failed creation: remove what we made; the creation's error is the one to report. */
static void remove_files(const char *path)
{
	int rc = client_db_sqlite_wipe(path);

	(void)rc;
}

int client_db_sqlite_create(const char *path, void **out)
{
	struct sqlite_db *d = NULL;
	int fd, rc;

	*out = NULL;
	if (path == NULL || path[0] == '\0') return KENH_ERR(KENH_E_INVALID_ARG);
	/* O_EXCL: never take over an existing file; 0600 before SQLite writes a byte. */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) return errno == EEXIST ? KENH_ERR(KENH_E_EXISTS) : KENH_ERR(KENH_E_IO);
	close(fd);
	if ((rc = connect(path, &d)) != 0) goto out;
	if ((rc = create_schema(d)) != 0) goto out;
	*out = d;
	d = NULL;
out:
	if (rc != 0) {
		db_close(d);
		remove_files(path);
	}
	return rc;
}

int client_db_sqlite_open(const char *path, void **out)
{
	struct sqlite_db *d = NULL;
	sqlite3_int64 app = 0, ver = 0;
	struct stat st;
	int rc;

	*out = NULL;
	if (path == NULL || path[0] == '\0') return KENH_ERR(KENH_E_INVALID_ARG);
	if (lstat(path, &st) != 0)
		return errno == ENOENT ? KENH_ERR(KENH_E_NOT_FOUND) : KENH_ERR(KENH_E_IO);
	if (!S_ISREG(st.st_mode)) return KENH_ERR(KENH_E_PARSE);
	if ((rc = connect(path, &d)) != 0) goto out;
	if ((rc = pragma_int(d, "PRAGMA application_id", &app)) != 0) goto out;
	if ((rc = pragma_int(d, "PRAGMA user_version", &ver)) != 0) goto out;
	if (app != DB_APPLICATION_ID) {
		rc = KENH_ERR(KENH_E_PARSE);
		goto out;
	}
	if (ver != DB_SCHEMA_VERSION) {
		rc = KENH_ERR(KENH_E_UNSUPPORTED);
		goto out;
	}
	*out = d;
	d = NULL;
out:
	db_close(d);
	return rc;
}

/* Overwrite a regular file with zeros and sync it; 0 if it does not exist (*found false). */
static int zero_file(const char *path, bool *found)
{
	static const uint8_t zeros[4096];
	struct stat st;
	size_t left;
	ssize_t w;
	int fd, rc = 0;

	*found = false;
	fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) return errno == ENOENT ? 0 : KENH_ERR(KENH_E_IO);
	*found = true;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0) {
		rc = KENH_ERR(KENH_E_IO);
		goto out;
	}
	for (left = (size_t)st.st_size; left > 0 && rc == 0; left -= (size_t)w) {
		w = write(fd, zeros, left < sizeof(zeros) ? left : sizeof(zeros));
		if (w <= 0) rc = KENH_ERR(KENH_E_IO);
		if (w <= 0) w = 0;
	}
	if (rc == 0 && fsync(fd) != 0) rc = KENH_ERR(KENH_E_IO);
out:
	close(fd);
	return rc;
}

int client_db_sqlite_wipe(const char *path)
{
	size_t n, i;
	char *name = NULL;
	void *mem = NULL;
	bool found, any = false;
	int rc = 0, one;

	if (path == NULL || path[0] == '\0') return KENH_ERR(KENH_E_INVALID_ARG);
	n = strlen(path);
	if ((rc = mem_alloc(n + sizeof("-journal"), &mem)) != 0) return rc;
	name = mem;
	for (i = 0; i < ARRAY_LEN(companions); i++) {
		memcpy(name, path, n);
		memcpy(name + n, companions[i], strlen(companions[i]) + 1);
		/* Keep going after a failure: remove as much as possible. */
		if ((one = zero_file(name, &found)) != 0 && rc == 0) rc = one;
		if (found && unlink(name) != 0 && rc == 0) rc = KENH_ERR(KENH_E_IO);
		any = any || found;
	}
	mem_free(name);
	if (rc == 0 && !any) rc = KENH_ERR(KENH_E_NOT_FOUND);
	return rc;
}
