/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The SQLite backend of the relay store (store.h, DESIGN §5): one database
 * file in WAL mode with synchronous=FULL, so that a commit returns only
 * after the write-ahead log is on disk (docs/protocol.md §2.2 explains the
 * choice against SIGKILL and power loss). Every statement is prepared
 * once at open (SQLITE_PREPARE_PERSISTENT) from the table below. The
 * schema comes from the migrations in kenhd/store/sql/, embedded at build
 * time and applied in order inside one transaction each; the version
 * reached is kept in PRAGMA user_version.
 *
 * The relay is single-threaded (STYLE R7.4): one connection, used by one
 * thread. Several relays sharing a database is the PostgreSQL backend's
 * job; here group_epoch_cas() is still a real compare-and-set, so the
 * conformance suite checks the same contract for both.
 */
#include "store.h"

#include "util/compat.h"

#include <sqlite3.h>

#include "util/mem.h"

/*
 * The migrations, embedded from the .sql files by the assembler: the files
 * stay the one source, and the binary needs nothing at run time. Each is
 * NUL-terminated.
 */
__asm__(".pushsection .rodata\n"
        ".global store_sql_001_init\n"
        ".hidden store_sql_001_init\n"
        "store_sql_001_init:\n"
        ".incbin \"kenhd/store/sql/001_init.sql\"\n"
        ".byte 0\n"
        ".popsection\n");
__asm__(".pushsection .rodata\n"
        ".global store_sql_002_authority\n"
        ".hidden store_sql_002_authority\n"
        "store_sql_002_authority:\n"
        ".incbin \"kenhd/store/sql/002_authority.sql\"\n"
        ".byte 0\n"
        ".popsection\n");
__asm__(".pushsection .rodata\n"
        ".global store_sql_003_renew\n"
        ".hidden store_sql_003_renew\n"
        "store_sql_003_renew:\n"
        ".incbin \"kenhd/store/sql/003_renew.sql\"\n"
        ".byte 0\n"
        ".popsection\n");
extern const char store_sql_001_init[];
extern const char store_sql_002_authority[];
extern const char store_sql_003_renew[];

static const char *const migrations[] = {
	store_sql_001_init,
	store_sql_002_authority,
	store_sql_003_renew,
};

enum stmt {
	S_BEGIN,
	S_COMMIT,
	S_ROLLBACK,
	S_SAVEPOINT,
	S_RELEASE,
	S_UNDO,
	S_DEVICE_TOUCH,
	S_DEVICE_LIST,
	S_DEVICE_BY_SERIAL,
	S_DEVICE_REVOKE,
	S_KP_DEL_DEVICE,
	S_KP_ADD,
	S_KP_DEL_LR,
	S_KP_COUNT,
	S_KP_TAKE,
	S_KP_DELETE,
	S_GROUP_CREATE,
	S_GROUP_GET,
	S_GROUP_CAS,
	S_GROUP_HEAD,
	S_LEAF_SET,
	S_LEAF_CLEAR,
	S_LEAF_LIST,
	S_LEAF_GET,
	S_LEAF_HAS,
	S_DEVICE_LEAVES,
	S_CURSOR_OPEN,
	S_CURSOR_END,
	S_CURSOR_GET,
	S_CURSOR_SET,
	S_CURSOR_DELETE,
	S_CURSOR_LIST,
	S_RECIPIENTS,
	S_LOG_APPEND,
	S_LOG_READ,
	S_INBOX_ADD,
	S_INBOX_READ,
	S_INBOX_DELETE,
	S_PROPOSAL_PUT,
	S_PROPOSAL_GET,
	S_GI_PUT,
	S_GI_GET,
	S_BLOB_INFO,
	S_BLOB_CREATE,
	S_BLOB_STORED,
	S_BLOB_CHUNK_PUT,
	S_BLOB_CHUNKS,
	S_CRL_PUT,
	S_CRL_LIST,
	S_ENROLL_ADD,
	S_ENROLL_LIST,
	S_ENROLL_ISSUE,
	S_ENROLL_REJECT,
	S_ENROLL_FETCH,
	S_ENROLL_CSR,
	S_RENEW_ADD,
	S_RENEW_DEVICE,
	S_RET_LOG_CURSORS,
	S_RET_LOG_AGE,
	S_RET_INBOX_AGE,
	S_RET_ENROLL_AGE,
	S_RET_PROPOSALS,
	S_COUNT
};

static const char *const sql[S_COUNT] = {
	[S_BEGIN] = "BEGIN IMMEDIATE",
	[S_COMMIT] = "COMMIT",
	[S_ROLLBACK] = "ROLLBACK",
	[S_SAVEPOINT] = "SAVEPOINT request",
	[S_RELEASE] = "RELEASE request",
	[S_UNDO] = "ROLLBACK TO request",
	[S_DEVICE_TOUCH] = "INSERT INTO devices (device, unit, serial) VALUES (?1, ?2, ?3) "
	                   "ON CONFLICT (device) DO UPDATE SET serial = excluded.serial "
	                   "WHERE serial <> excluded.serial",
	[S_DEVICE_BY_SERIAL] = "SELECT device FROM devices WHERE serial = ?1 LIMIT 1",
	[S_DEVICE_LIST] =
	        "SELECT d.device, (SELECT count(*) FROM key_packages k WHERE k.device = d.device "
	        "AND k.last_resort = 0), EXISTS (SELECT 1 FROM key_packages k WHERE k.device = "
	        "d.device AND k.last_resort = 1) FROM devices d WHERE d.revoked = 0 AND "
	        "(d.unit = ?1 OR substr(d.unit, 1, length(?1) + 1) = ?1 || '/') "
	        "ORDER BY d.device LIMIT ?2",
	[S_DEVICE_REVOKE] = "UPDATE devices SET revoked = 1 WHERE device = ?1",
	[S_KP_DEL_DEVICE] = "DELETE FROM key_packages WHERE device = ?1",
	[S_KP_ADD] = "INSERT INTO key_packages (device, last_resort, data) VALUES (?1, ?2, ?3)",
	[S_KP_DEL_LR] = "DELETE FROM key_packages WHERE device = ?1 AND last_resort = 1",
	[S_KP_COUNT] =
	        "SELECT count(*) FILTER (WHERE last_resort = 0), "
	        "count(*) FILTER (WHERE last_resort = 1) FROM key_packages WHERE device = ?1",
	[S_KP_TAKE] = "SELECT id, last_resort, data FROM key_packages WHERE device = ?1 "
	              "ORDER BY last_resort, id LIMIT 1",
	[S_KP_DELETE] = "DELETE FROM key_packages WHERE id = ?1",
	[S_GROUP_CREATE] = "INSERT INTO groups (group_id, cipher_suite, epoch, head, created) "
	                   "VALUES (?1, ?2, 0, 0, ?3) ON CONFLICT (group_id) DO NOTHING",
	[S_GROUP_GET] = "SELECT cipher_suite, epoch, head FROM groups WHERE group_id = ?1",
	[S_GROUP_CAS] = "UPDATE groups SET epoch = ?3 WHERE group_id = ?1 AND epoch = ?2",
	[S_GROUP_HEAD] = "UPDATE groups SET head = head + 1 WHERE group_id = ?1 RETURNING head",
	[S_LEAF_SET] = "INSERT INTO leaves (group_id, leaf, device) VALUES (?1, ?2, ?3) "
	               "ON CONFLICT (group_id, leaf) DO NOTHING",
	[S_LEAF_CLEAR] = "DELETE FROM leaves WHERE group_id = ?1 AND leaf = ?2",
	[S_LEAF_LIST] = "SELECT leaf, device FROM leaves WHERE group_id = ?1 ORDER BY leaf",
	[S_LEAF_GET] = "SELECT device FROM leaves WHERE group_id = ?1 AND leaf = ?2",
	[S_DEVICE_LEAVES] =
	        "SELECT group_id, leaf FROM leaves WHERE device = ?1 ORDER BY group_id, leaf",
	[S_LEAF_HAS] = "SELECT 1 FROM leaves WHERE group_id = ?1 AND device = ?2 LIMIT 1",
	[S_CURSOR_OPEN] = "INSERT INTO cursors (device, group_id, seq, until_seq) "
	                  "VALUES (?1, ?2, ?3, NULL) ON CONFLICT (device, group_id) DO UPDATE "
	                  "SET seq = excluded.seq, until_seq = NULL",
	[S_CURSOR_END] = "UPDATE cursors SET until_seq = ?3 WHERE device = ?1 AND group_id = ?2",
	[S_CURSOR_GET] = "SELECT c.seq, c.until_seq, g.head FROM cursors c JOIN groups g "
	                 "ON g.group_id = c.group_id WHERE c.device = ?1 AND c.group_id = ?2",
	[S_CURSOR_SET] = "UPDATE cursors SET seq = ?3 WHERE device = ?1 AND group_id = ?2",
	[S_CURSOR_DELETE] = "DELETE FROM cursors WHERE device = ?1 AND group_id = ?2",
	[S_CURSOR_LIST] = "SELECT c.group_id, c.seq, c.until_seq FROM cursors c JOIN groups g "
	                  "ON g.group_id = c.group_id WHERE c.device = ?1 AND c.seq < "
	                  "min(g.head, coalesce(c.until_seq, g.head)) ORDER BY c.group_id",
	[S_RECIPIENTS] = "SELECT 0, device FROM cursors WHERE group_id = ?1 AND "
	                 "(until_seq IS NULL OR until_seq >= ?2) ORDER BY device",
	[S_LOG_APPEND] = "INSERT INTO log (group_id, seq, created, msg) VALUES (?1, ?2, ?3, ?4)",
	[S_LOG_READ] = "SELECT seq, msg FROM log WHERE group_id = ?1 AND seq > ?2 AND seq <= ?3 "
	               "ORDER BY seq LIMIT ?4",
	[S_INBOX_ADD] = "INSERT INTO inbox (device, group_id, created, msg, kind) VALUES (?1, ?2, "
	                "?3, ?4, ?5)",
	[S_INBOX_READ] = "SELECT id, group_id, msg, kind FROM inbox WHERE device = ?1 AND id > ?2 "
	                 "ORDER BY id LIMIT ?3",
	[S_INBOX_DELETE] = "DELETE FROM inbox WHERE device = ?1 AND id = ?2",
	[S_PROPOSAL_PUT] = "INSERT INTO proposals (group_id, epoch, ref, msg) VALUES (?1, ?2, ?3, "
	                   "?4) ON CONFLICT (group_id, epoch, ref) DO NOTHING",
	[S_PROPOSAL_GET] =
	        "SELECT msg FROM proposals WHERE group_id = ?1 AND epoch = ?2 AND ref = ?3",
	[S_GI_PUT] =
	        "INSERT INTO group_infos (group_id, epoch, data) VALUES (?1, ?2, ?3) "
	        "ON CONFLICT (group_id) DO UPDATE SET epoch = excluded.epoch, data = excluded.data",
	[S_GI_GET] = "SELECT epoch, data FROM group_infos WHERE group_id = ?1",
	[S_BLOB_INFO] = "SELECT owner, total, stored FROM blobs WHERE blob_id = ?1",
	[S_BLOB_CREATE] =
	        "INSERT INTO blobs (blob_id, owner, total, stored) VALUES (?1, ?2, ?3, 0)",
	[S_BLOB_STORED] = "UPDATE blobs SET stored = ?2 WHERE blob_id = ?1",
	[S_BLOB_CHUNK_PUT] = "INSERT INTO blob_chunks (blob_id, offset, data) VALUES (?1, ?2, ?3)",
	/* From the row holding ?2 on, found through the primary key (no scan of a 4 GiB blob). */
	[S_BLOB_CHUNKS] = "SELECT offset, data FROM blob_chunks WHERE blob_id = ?1 AND offset >= "
	                  "(SELECT coalesce(max(offset), 0) FROM blob_chunks WHERE blob_id = ?1 "
	                  "AND offset <= ?2) ORDER BY offset",
	[S_CRL_PUT] = "INSERT INTO crls (issuer, number, der) VALUES (?1, ?2, ?3) ON CONFLICT "
	              "(issuer) DO UPDATE SET number = excluded.number, der = excluded.der",
	[S_CRL_LIST] = "SELECT issuer, number, der FROM crls ORDER BY issuer",
	[S_ENROLL_ADD] = "INSERT INTO enrollments (ticket, created, csr) VALUES (?1, ?2, ?3) "
	                 "ON CONFLICT (ticket) DO NOTHING",
	[S_ENROLL_LIST] = "SELECT ticket, csr, kind, coalesce(device, '') FROM enrollments WHERE "
	                  "cert IS NULL AND refused = 0 ORDER BY created LIMIT ?1",
	[S_ENROLL_ISSUE] = "UPDATE enrollments SET cert = ?2 WHERE ticket = ?1",
	[S_ENROLL_REJECT] =
	        "UPDATE enrollments SET refused = ?2 WHERE ticket = ?1 AND cert IS NULL "
	        "AND refused = 0",
	[S_ENROLL_FETCH] = "SELECT cert, refused FROM enrollments WHERE ticket = ?1",
	[S_ENROLL_CSR] = "SELECT csr, cert IS NOT NULL OR refused <> 0 FROM enrollments WHERE "
	                 "ticket = ?1",
	/* Any conflict: the ticket, or the one pending renewal a device may have. */
	[S_RENEW_ADD] = "INSERT INTO enrollments (ticket, created, csr, kind, device) VALUES (?1, "
	                "?2, ?3, 2, ?4) ON CONFLICT DO NOTHING",
	[S_RENEW_DEVICE] = "SELECT device, cert IS NOT NULL OR refused <> 0 FROM enrollments "
	                   "WHERE ticket = ?1 AND kind = 2",
	[S_RET_LOG_CURSORS] = "DELETE FROM log WHERE seq <= (SELECT min(c.seq) FROM cursors c "
	                      "WHERE c.group_id = log.group_id)",
	[S_RET_LOG_AGE] = "DELETE FROM log WHERE created < ?1",
	/* A wipe order or a renewed certificate waits for its device however long it is away. */
	[S_RET_INBOX_AGE] = "DELETE FROM inbox WHERE created < ?1 AND kind NOT IN (3, 4)",
	[S_RET_ENROLL_AGE] = "DELETE FROM enrollments WHERE created < ?1",
	[S_RET_PROPOSALS] = "DELETE FROM proposals WHERE epoch < (SELECT g.epoch FROM groups g "
	                    "WHERE g.group_id = proposals.group_id)",
};

struct store {
	sqlite3 *db;
	sqlite3_stmt *st[S_COUNT];
	bool in_txn;
};

void store_buf_clear(struct store_buf *b)
{
	if (b == NULL) return;
	mem_free(b->p);
	b->p = NULL;
	b->len = 0;
}

/* ---- statement helpers ---- */

static sqlite3_stmt *stmt(struct store *s, enum stmt id)
{
	sqlite3_reset(s->st[id]);
	sqlite3_clear_bindings(s->st[id]);
	return s->st[id];
}

static int bind_span(sqlite3_stmt *q, int i, struct kenh_span v)
{
	static const uint8_t empty[1];

	if (v.len > INT32_MAX) return KENH_ERR(KENH_E_TOO_LARGE);
	return sqlite3_bind_blob(q, i, v.len ? v.p : empty, (int)v.len, SQLITE_STATIC) == SQLITE_OK
	               ? 0
	               : KENH_ERR(KENH_E_DB);
}

static int bind_text(sqlite3_stmt *q, int i, const char *t)
{
	return sqlite3_bind_text(q, i, t, -1, SQLITE_STATIC) == SQLITE_OK ? 0 : KENH_ERR(KENH_E_DB);
}

static int bind_u64(sqlite3_stmt *q, int i, uint64_t v)
{
	/* SQLite integers are signed 64-bit; our values (seqs, epochs, times) stay below 2^63. */
	if (v > INT64_MAX) return KENH_ERR(KENH_E_TOO_LARGE);
	return sqlite3_bind_int64(q, i, (sqlite3_int64)v) == SQLITE_OK ? 0 : KENH_ERR(KENH_E_DB);
}

static uint64_t col_u64(sqlite3_stmt *q, int i)
{
	sqlite3_int64 v = sqlite3_column_int64(q, i);

	return v < 0 ? 0 : (uint64_t)v;
}

static struct kenh_span col_span(sqlite3_stmt *q, int i)
{
	const void *p = sqlite3_column_blob(q, i);
	int n = sqlite3_column_bytes(q, i);

	return span_make(p, n > 0 ? (size_t)n : 0);
}

static const char *col_text(sqlite3_stmt *q, int i)
{
	const unsigned char *t = sqlite3_column_text(q, i);

	return t ? (const char *)t : "";
}

/* Step a statement that returns no row. */
static int exec_done(sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);

	sqlite3_reset(q);
	return rc == SQLITE_DONE ? 0 : KENH_ERR(KENH_E_DB);
}

/* Step once: 1 for a row, 0 for none, KENH_E_DB. The caller resets. */
static int step_row(sqlite3_stmt *q)
{
	int rc = sqlite3_step(q);

	if (rc == SQLITE_ROW) return 1;
	return rc == SQLITE_DONE ? 0 : KENH_ERR(KENH_E_DB);
}

static int changes(struct store *s)
{
	return sqlite3_changes(s->db);
}

/* A single-row blob column copied out; NOT_FOUND when there is no row. */
static int fetch_blob(sqlite3_stmt *q, int col, struct store_buf *out)
{
	int rc = step_row(q);

	if (rc == 1) {
		rc = span_dup(col_span(q, col), &out->p);
		out->len = rc == 0 ? col_span(q, col).len : 0;
	} else if (rc == 0) {
		rc = KENH_E_NOT_FOUND;
	}
	sqlite3_reset(q);
	return rc;
}

/* ---- open, close, migrations ---- */

static int exec_sql(sqlite3 *db, const char *text)
{
	return sqlite3_exec(db, text, NULL, NULL, NULL) == SQLITE_OK ? 0 : KENH_ERR(KENH_E_DB);
}

static int user_version(sqlite3 *db, size_t *out)
{
	sqlite3_stmt *q = NULL;
	int rc = KENH_E_DB; /* raised through KENH_ERR at out: if it stays */

	*out = 0;
	if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &q, NULL) != SQLITE_OK) goto out;
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) >= 0) {
		*out = (size_t)sqlite3_column_int(q, 0);
		rc = 0;
	}
out:
	sqlite3_finalize(q);
	return rc == 0 ? 0 : KENH_ERR(rc);
}

/* Apply every migration above the database's version, each in its own transaction. */
static int migrate(sqlite3 *db)
{
	char setv[64];
	size_t v = 0;
	int rc;

	if ((rc = user_version(db, &v)) != 0) return rc;
	if (v > ARRAY_LEN(migrations)) return KENH_ERR(KENH_E_UNSUPPORTED);
	for (; v < ARRAY_LEN(migrations); v++) {
		snprintf(setv, sizeof(setv), "PRAGMA user_version = %zu", v + 1);
		if ((rc = exec_sql(db, "BEGIN IMMEDIATE")) != 0) return rc;
		if ((rc = exec_sql(db, migrations[v])) != 0 || (rc = exec_sql(db, setv)) != 0 ||
		    (rc = exec_sql(db, "COMMIT")) != 0) {
			(void)exec_sql(db, "ROLLBACK");
			return rc;
		}
	}
	return 0;
}

static void sqlite_close(struct store *s)
{
	size_t i;

	if (s == NULL) return;
	for (i = 0; i < S_COUNT; i++)
		sqlite3_finalize(s->st[i]);
	sqlite3_close(s->db);
	mem_free(s);
}

/*
 * WAL with synchronous=FULL: a commit fsyncs the WAL (docs/protocol.md §2.2).
 * busy_timeout covers a checkpoint by another process (sqlite3 CLI, backup).
 */
static const char pragmas[] = "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; "
                              "PRAGMA foreign_keys = OFF; PRAGMA busy_timeout = 5000;";

static int sqlite_open(const struct store_config *cfg, struct store **out)
{
	struct store *s = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (cfg->path == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = mem_calloc(1, sizeof(*s), (void **)&s)) != 0) return rc;
	if (sqlite3_open_v2(cfg->path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		rc = KENH_ERR(KENH_E_DB);
		goto out;
	}
	if ((rc = exec_sql(s->db, pragmas)) != 0 || (rc = migrate(s->db)) != 0) goto out;
	for (i = 0; i < S_COUNT; i++) {
		KENH_ASSERT(sql[i] != NULL);
		if (sqlite3_prepare_v3(s->db, sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->st[i],
		                       NULL) != SQLITE_OK) {
			rc = KENH_ERR(KENH_E_DB);
			goto out;
		}
	}
	*out = s;
	s = NULL;
out:
	sqlite_close(s);
	return rc;
}

/* ---- transactions ---- */

static int sqlite_begin(struct store *s)
{
	int rc;

	if (s->in_txn) return KENH_ERR(KENH_E_STATE);
	if ((rc = exec_done(stmt(s, S_BEGIN))) == 0) s->in_txn = true;
	return rc;
}

static int sqlite_commit(struct store *s)
{
	int rc;

	if (!s->in_txn) return KENH_ERR(KENH_E_STATE);
	if ((rc = exec_done(stmt(s, S_COMMIT))) == 0) s->in_txn = false;
	return rc;
}

static void sqlite_rollback(struct store *s)
{
	size_t i;

	if (!s->in_txn) return;
	for (i = 0; i < S_COUNT; i++)
		sqlite3_reset(s->st[i]);
	(void)exec_done(stmt(s, S_ROLLBACK));
	s->in_txn = false;
}

static int sqlite_savepoint(struct store *s)
{
	if (!s->in_txn) return KENH_ERR(KENH_E_STATE);
	return exec_done(stmt(s, S_SAVEPOINT));
}

static int sqlite_release(struct store *s)
{
	return exec_done(stmt(s, S_RELEASE));
}

/* ROLLBACK TO keeps the savepoint open; RELEASE then drops it. */
static int sqlite_undo(struct store *s)
{
	size_t i;
	int rc;

	for (i = 0; i < S_COUNT; i++)
		sqlite3_reset(s->st[i]);
	if ((rc = exec_done(stmt(s, S_UNDO))) != 0) return rc;
	return exec_done(stmt(s, S_RELEASE));
}

/* ---- devices and key packages ---- */

static int sqlite_device_touch(struct store *s, const char *device, const char *unit,
                               const char *serial)
{
	sqlite3_stmt *q = stmt(s, S_DEVICE_TOUCH);

	if (bind_text(q, 1, device) || bind_text(q, 2, unit) || bind_text(q, 3, serial))
		return KENH_ERR(KENH_E_DB);
	return exec_done(q);
}

static int sqlite_device_by_serial(struct store *s, const char *serial, char *device, size_t devlen)
{
	sqlite3_stmt *q = stmt(s, S_DEVICE_BY_SERIAL);
	int rc;

	if (devlen > 0) device[0] = '\0';
	if (bind_text(q, 1, serial)) return KENH_ERR(KENH_E_DB);
	if ((rc = step_row(q)) == 1) {
		int n = snprintf(device, devlen, "%s", col_text(q, 0));

		rc = n >= 0 && (size_t)n < devlen ? 0 : KENH_ERR(KENH_E_TOO_LARGE);
	} else if (rc == 0) {
		rc = KENH_E_NOT_FOUND;
	}
	sqlite3_reset(q);
	return rc;
}

static int sqlite_device_list(struct store *s, const char *unit, size_t max, store_device_fn *cb,
                              void *arg)
{
	sqlite3_stmt *q = stmt(s, S_DEVICE_LIST);
	int rc;

	if (bind_text(q, 1, unit) || bind_u64(q, 2, max)) return KENH_ERR(KENH_E_DB);
	while ((rc = step_row(q)) == 1) {
		uint64_t n = col_u64(q, 1);

		rc = cb(arg, col_text(q, 0), n > UINT32_MAX ? UINT32_MAX : (uint32_t)n,
		        sqlite3_column_int(q, 2) != 0);
		if (rc != 0) break;
	}
	sqlite3_reset(q);
	return rc;
}

static int sqlite_device_revoke(struct store *s, const char *device)
{
	sqlite3_stmt *q = stmt(s, S_DEVICE_REVOKE);
	int rc;

	if (bind_text(q, 1, device) || (rc = exec_done(q)) != 0) return KENH_ERR(KENH_E_DB);
	/* A revoked device is never added again: its KeyPackages go (KP_CLAIM NOT_FOUND). */
	q = stmt(s, S_KP_DEL_DEVICE);
	if (bind_text(q, 1, device)) return KENH_ERR(KENH_E_DB);
	return exec_done(q);
}

static int sqlite_kp_add(struct store *s, const char *device, struct kenh_span kp, bool last_resort)
{
	sqlite3_stmt *q;
	int rc;

	if (last_resort) {
		q = stmt(s, S_KP_DEL_LR);
		if (bind_text(q, 1, device) || (rc = exec_done(q)) != 0) return KENH_ERR(KENH_E_DB);
	}
	q = stmt(s, S_KP_ADD);
	if (bind_text(q, 1, device) || bind_u64(q, 2, last_resort) || bind_span(q, 3, kp))
		return KENH_ERR(KENH_E_DB);
	return exec_done(q);
}

static int sqlite_kp_count(struct store *s, const char *device, uint32_t *n, bool *has_lr)
{
	sqlite3_stmt *q = stmt(s, S_KP_COUNT);
	int rc;

	*n = 0;
	*has_lr = false;
	if (bind_text(q, 1, device)) return KENH_ERR(KENH_E_DB);
	if ((rc = step_row(q)) == 1) {
		uint64_t c = col_u64(q, 0);

		*n = c > UINT32_MAX ? UINT32_MAX : (uint32_t)c;
		*has_lr = col_u64(q, 1) > 0;
		rc = 0;
	} else if (rc == 0) {
		rc = KENH_ERR(KENH_E_DB);
	}
	sqlite3_reset(q);
	return rc;
}

static int sqlite_kp_claim(struct store *s, const char *device, struct store_buf *out, bool *lr)
{
	sqlite3_stmt *q = stmt(s, S_KP_TAKE);
	uint64_t id = 0;
	int rc;

	*out = (struct store_buf){ NULL, 0 };
	*lr = false;
	if (bind_text(q, 1, device)) return KENH_ERR(KENH_E_DB);
	if ((rc = step_row(q)) == 1) {
		id = col_u64(q, 0);
		*lr = sqlite3_column_int(q, 1) != 0;
		rc = span_dup(col_span(q, 2), &out->p);
		out->len = rc == 0 ? col_span(q, 2).len : 0;
	} else if (rc == 0) {
		rc = KENH_E_NOT_FOUND;
	}
	sqlite3_reset(q);
	if (rc != 0 || *lr) return rc;
	/* RFC 9420 §10: a one-time KeyPackage is handed out once. */
	q = stmt(s, S_KP_DELETE);
	if (bind_u64(q, 1, id) || (rc = exec_done(q)) != 0) {
		store_buf_clear(out);
		return KENH_ERR(KENH_E_DB);
	}
	return 0;
}

/* ---- groups and membership ---- */

static int sqlite_group_create(struct store *s, struct kenh_span gid, uint16_t suite, uint64_t now)
{
	sqlite3_stmt *q = stmt(s, S_GROUP_CREATE);
	int rc;

	if (bind_span(q, 1, gid) || bind_u64(q, 2, suite) || bind_u64(q, 3, now))
		return KENH_ERR(KENH_E_DB);
	if ((rc = exec_done(q)) != 0) return rc;
	return changes(s) == 1 ? 0 : KENH_E_EXISTS;
}

static int sqlite_group_get(struct store *s, struct kenh_span gid, struct store_group *out)
{
	sqlite3_stmt *q = stmt(s, S_GROUP_GET);
	int rc;

	memset(out, 0, sizeof(*out));
	if (bind_span(q, 1, gid)) return KENH_ERR(KENH_E_DB);
	if ((rc = step_row(q)) == 1) {
		out->cipher_suite = (uint16_t)(col_u64(q, 0) & 0xffff);
		out->epoch = col_u64(q, 1);
		out->head = col_u64(q, 2);
		rc = 0;
	} else if (rc == 0) {
		rc = KENH_E_NOT_FOUND;
	}
	sqlite3_reset(q);
	return rc;
}

static int sqlite_group_epoch_cas(struct store *s, struct kenh_span gid, uint64_t expected,
                                  uint64_t next)
{
	sqlite3_stmt *q = stmt(s, S_GROUP_CAS);
	int rc;

	if (bind_span(q, 1, gid) || bind_u64(q, 2, expected) || bind_u64(q, 3, next))
		return KENH_ERR(KENH_E_DB);
	if ((rc = exec_done(q)) != 0) return rc;
	return changes(s) == 1 ? 0 : KENH_E_STATE;
}

static int sqlite_leaf_set(struct store *s, struct kenh_span gid, uint32_t leaf, const char *device)
{
	sqlite3_stmt *q = stmt(s, S_LEAF_SET);
	int rc;

	if (bind_span(q, 1, gid) || bind_u64(q, 2, leaf) || bind_text(q, 3, device))
		return KENH_ERR(KENH_E_DB);
	if ((rc = exec_done(q)) != 0) return rc;
	return changes(s) == 1 ? 0 : KENH_E_EXISTS;
}

static int sqlite_leaf_clear(struct store *s, struct kenh_span gid, uint32_t leaf)
{
	sqlite3_stmt *q = stmt(s, S_LEAF_CLEAR);
	int rc;

	if (bind_span(q, 1, gid) || bind_u64(q, 2, leaf)) return KENH_ERR(KENH_E_DB);
	if ((rc = exec_done(q)) != 0) return rc;
	return changes(s) == 1 ? 0 : KENH_E_NOT_FOUND;
}

/* Rows of (integer, text) to a leaf callback. */
static int each_leaf(sqlite3_stmt *q, store_leaf_fn *cb, void *arg)
{
	int rc;

	while ((rc = step_row(q)) == 1) {
		uint64_t leaf = col_u64(q, 0);

		if ((rc = cb(arg, leaf > UINT32_MAX ? UINT32_MAX : (uint32_t)leaf,
		             col_text(q, 1))) != 0)
			break;
	}
	sqlite3_reset(q);
	return rc;
}

static int sqlite_leaf_list(struct store *s, struct kenh_span gid, store_leaf_fn *cb, void *arg)
{
	sqlite3_stmt *q = stmt(s, S_LEAF_LIST);

	if (bind_span(q, 1, gid)) return KENH_ERR(KENH_E_DB);
	return each_leaf(q, cb, arg);
}

static int sqlite_leaf_get(struct store *s, struct kenh_span gid, uint32_t leaf, char *out,
                           size_t outlen)
{
	sqlite3_stmt *q = stmt(s, S_LEAF_GET);
	int rc;

	if (outlen > 0) out[0] = '\0';
	if (bind_span(q, 1, gid) || bind_u64(q, 2, leaf)) return KENH_ERR(KENH_E_DB);
	if ((rc = step_row(q)) == 1) {
		int n = snprintf(out, outlen, "%s", col_text(q, 0));

		rc = n >= 0 && (size_t)n < outlen ? 0 : KENH_ERR(KENH_E_TOO_LARGE);
	} else if (rc == 0) {
		rc = KENH_E_NOT_FOUND;
	}
	sqlite3_reset(q);
	return rc;
}

static int sqlite_leaf_has_device(struct store *s, struct kenh_span gid, const char *device,
                                  bool *member)
{
	sqlite3_stmt *q = stmt(s, S_LEAF_HAS);
	int rc;

	*member = false;
	if (bind_span(q, 1, gid) || bind_text(q, 2, device)) return KENH_ERR(KENH_E_DB);
	rc = step_row(q);
	sqlite3_reset(q);
	if (rc < 0) return rc;
	*member = rc == 1;
	return 0;
}

static int sqlite_device_leaves(struct store *s, const char *device, store_member_fn *cb, void *arg)
{
	sqlite3_stmt *q = stmt(s, S_DEVICE_LEAVES);
	int rc;

	if (bind_text(q, 1, device)) return KENH_ERR(KENH_E_DB);
	while ((rc = step_row(q)) == 1) {
		uint64_t leaf = col_u64(q, 1);

		if ((rc = cb(arg, col_span(q, 0), leaf > UINT32_MAX ? UINT32_MAX : (uint32_t)leaf)))
			break;
	}
	sqlite3_reset(q);
	return rc;
}

/* ---- cursors ---- */

static int bind_dev_group(sqlite3_stmt *q, const char *device, struct kenh_span gid)
{
	return bind_text(q, 1, device) || bind_span(q, 2, gid) ? KENH_ERR(KENH_E_DB) : 0;
}

static int sqlite_cursor_open(struct store *s, const char *device, struct kenh_span gid,
                              uint64_t seq)
{
	sqlite3_stmt *q = stmt(s, S_CURSOR_OPEN);

	if (bind_dev_group(q, device, gid) || bind_u64(q, 3, seq)) return KENH_ERR(KENH_E_DB);
	return exec_done(q);
}

static int sqlite_cursor_end(struct store *s, const char *device, struct kenh_span gid,
                             uint64_t until)
{
	sqlite3_stmt *q = stmt(s, S_CURSOR_END);

	if (bind_dev_group(q, device, gid) || bind_u64(q, 3, until)) return KENH_ERR(KENH_E_DB);
	return exec_done(q);
}

static int sqlite_cursor_ack(struct store *s, const char *device, struct kenh_span gid,
                             uint64_t acked)
{
	sqlite3_stmt *q = stmt(s, S_CURSOR_GET);
	uint64_t seq, until, head;
	bool ended;
	int rc;

	if (bind_dev_group(q, device, gid)) return KENH_ERR(KENH_E_DB);
	if ((rc = step_row(q)) != 1) {
		sqlite3_reset(q);
		return rc == 0 ? KENH_E_NOT_FOUND : rc;
	}
	seq = col_u64(q, 0);
	ended = sqlite3_column_type(q, 1) != SQLITE_NULL;
	until = ended ? col_u64(q, 1) : UINT64_MAX;
	head = col_u64(q, 2);
	sqlite3_reset(q);
	if (acked > head) acked = head;
	if (acked > until) acked = until;
	if (acked <= seq) return 0;
	if (ended && acked == until) {
		q = stmt(s, S_CURSOR_DELETE);
		if (bind_dev_group(q, device, gid)) return KENH_ERR(KENH_E_DB);
		return exec_done(q);
	}
	q = stmt(s, S_CURSOR_SET);
	if (bind_dev_group(q, device, gid) || bind_u64(q, 3, acked)) return KENH_ERR(KENH_E_DB);
	return exec_done(q);
}

static int sqlite_cursor_get(struct store *s, const char *device, struct kenh_span gid,
                             uint64_t *seq)
{
	sqlite3_stmt *q = stmt(s, S_CURSOR_GET);
	int rc;

	*seq = 0;
	if (bind_dev_group(q, device, gid)) return KENH_ERR(KENH_E_DB);
	if ((rc = step_row(q)) == 1) {
		*seq = col_u64(q, 0);
		rc = 0;
	} else if (rc == 0) {
		rc = KENH_E_NOT_FOUND;
	}
	sqlite3_reset(q);
	return rc;
}

static int sqlite_cursor_list(struct store *s, const char *device, store_cursor_fn *cb, void *arg)
{
	sqlite3_stmt *q = stmt(s, S_CURSOR_LIST);
	struct store_cursor c;
	int rc;

	if (bind_text(q, 1, device)) return KENH_ERR(KENH_E_DB);
	while ((rc = step_row(q)) == 1) {
		c.group_id = col_span(q, 0);
		c.seq = col_u64(q, 1);
		c.until = sqlite3_column_type(q, 2) == SQLITE_NULL ? UINT64_MAX : col_u64(q, 2);
		if ((rc = cb(arg, &c)) != 0) break;
	}
	sqlite3_reset(q);
	return rc;
}

static int sqlite_recipients(struct store *s, struct kenh_span gid, uint64_t seq, store_leaf_fn *cb,
                             void *arg)
{
	sqlite3_stmt *q = stmt(s, S_RECIPIENTS);

	if (bind_span(q, 1, gid) || bind_u64(q, 2, seq)) return KENH_ERR(KENH_E_DB);
	return each_leaf(q, cb, arg);
}

/* ---- log and inbox ---- */

static int sqlite_log_append(struct store *s, struct kenh_span gid, struct kenh_span msg,
                             uint64_t now, uint64_t *seq)
{
	sqlite3_stmt *q = stmt(s, S_GROUP_HEAD);
	int rc;

	*seq = 0;
	if (bind_span(q, 1, gid)) return KENH_ERR(KENH_E_DB);
	rc = step_row(q);
	if (rc == 1) *seq = col_u64(q, 0);
	sqlite3_reset(q);
	if (rc != 1) return rc == 0 ? KENH_E_NOT_FOUND : rc;
	q = stmt(s, S_LOG_APPEND);
	if (bind_span(q, 1, gid) || bind_u64(q, 2, *seq) || bind_u64(q, 3, now) ||
	    bind_span(q, 4, msg))
		return KENH_ERR(KENH_E_DB);
	return exec_done(q);
}

static int sqlite_log_read(struct store *s, struct kenh_span gid, uint64_t after, uint64_t until,
                           size_t max, store_entry_fn *cb, void *arg)
{
	sqlite3_stmt *q = stmt(s, S_LOG_READ);
	int rc;

	if (until > INT64_MAX) until = INT64_MAX;
	if (bind_span(q, 1, gid) || bind_u64(q, 2, after) || bind_u64(q, 3, until) ||
	    bind_u64(q, 4, max))
		return KENH_ERR(KENH_E_DB);
	while ((rc = step_row(q)) == 1)
		if ((rc = cb(arg, col_u64(q, 0), col_span(q, 1))) != 0) break;
	sqlite3_reset(q);
	return rc;
}

static int sqlite_inbox_add(struct store *s, const char *device,
                            const struct store_inbox_item *item, uint64_t now, uint64_t *id)
{
	sqlite3_stmt *q = stmt(s, S_INBOX_ADD);
	int rc;

	*id = 0;
	if (bind_text(q, 1, device) || bind_span(q, 2, item->group_id) || bind_u64(q, 3, now) ||
	    bind_span(q, 4, item->msg) || bind_u64(q, 5, item->kind))
		return KENH_ERR(KENH_E_DB);
	if ((rc = exec_done(q)) != 0) return rc;
	*id = (uint64_t)sqlite3_last_insert_rowid(s->db);
	return 0;
}

static int sqlite_inbox_read(struct store *s, const char *device, uint64_t after, size_t max,
                             store_inbox_fn *cb, void *arg)
{
	sqlite3_stmt *q = stmt(s, S_INBOX_READ);
	int rc;

	if (bind_text(q, 1, device) || bind_u64(q, 2, after) || bind_u64(q, 3, max))
		return KENH_ERR(KENH_E_DB);
	while ((rc = step_row(q)) == 1) {
		struct store_inbox_item item = { (uint8_t)col_u64(q, 3), col_span(q, 1),
			                         col_span(q, 2) };

		if ((rc = cb(arg, col_u64(q, 0), &item)) != 0) break;
	}
	sqlite3_reset(q);
	return rc;
}

static int sqlite_inbox_delete(struct store *s, const char *device, uint64_t id)
{
	sqlite3_stmt *q = stmt(s, S_INBOX_DELETE);

	if (bind_text(q, 1, device) || bind_u64(q, 2, id)) return KENH_ERR(KENH_E_DB);
	return exec_done(q);
}

/* ---- proposals, group infos ---- */

static int sqlite_proposal_put(struct store *s, struct kenh_span gid, uint64_t epoch,
                               struct kenh_span ref, struct kenh_span msg)
{
	sqlite3_stmt *q = stmt(s, S_PROPOSAL_PUT);

	if (bind_span(q, 1, gid) || bind_u64(q, 2, epoch) || bind_span(q, 3, ref) ||
	    bind_span(q, 4, msg))
		return KENH_ERR(KENH_E_DB);
	return exec_done(q);
}

static int sqlite_proposal_get(struct store *s, struct kenh_span gid, uint64_t epoch,
                               struct kenh_span ref, struct store_buf *out)
{
	sqlite3_stmt *q = stmt(s, S_PROPOSAL_GET);

	*out = (struct store_buf){ NULL, 0 };
	if (bind_span(q, 1, gid) || bind_u64(q, 2, epoch) || bind_span(q, 3, ref))
		return KENH_ERR(KENH_E_DB);
	return fetch_blob(q, 0, out);
}

static int sqlite_groupinfo_put(struct store *s, struct kenh_span gid, uint64_t epoch,
                                struct kenh_span gi)
{
	sqlite3_stmt *q = stmt(s, S_GI_PUT);

	if (bind_span(q, 1, gid) || bind_u64(q, 2, epoch) || bind_span(q, 3, gi))
		return KENH_ERR(KENH_E_DB);
	return exec_done(q);
}

static int sqlite_groupinfo_get(struct store *s, struct kenh_span gid, uint64_t *epoch,
                                struct store_buf *out)
{
	sqlite3_stmt *q = stmt(s, S_GI_GET);
	int rc;

	*out = (struct store_buf){ NULL, 0 };
	*epoch = 0;
	if (bind_span(q, 1, gid)) return KENH_ERR(KENH_E_DB);
	if ((rc = step_row(q)) == 1) {
		*epoch = col_u64(q, 0);
		rc = span_dup(col_span(q, 1), &out->p);
		out->len = rc == 0 ? col_span(q, 1).len : 0;
	} else if (rc == 0) {
		rc = KENH_E_NOT_FOUND;
	}
	sqlite3_reset(q);
	return rc;
}

/* ---- blobs ---- */

static int sqlite_blob_info(struct store *s, struct kenh_span id, struct store_blob *out)
{
	sqlite3_stmt *q = stmt(s, S_BLOB_INFO);
	int rc;

	memset(out, 0, sizeof(*out));
	if (bind_span(q, 1, id)) return KENH_ERR(KENH_E_DB);
	if ((rc = step_row(q)) == 1) {
		snprintf(out->owner, sizeof(out->owner), "%s", col_text(q, 0));
		out->total = col_u64(q, 1);
		out->stored = col_u64(q, 2);
		rc = 0;
	} else if (rc == 0) {
		rc = KENH_E_NOT_FOUND;
	}
	sqlite3_reset(q);
	return rc;
}

/* Check a chunk against the blob's state (creating it on its first chunk). */
static int blob_admit(struct store *s, struct kenh_span id, const char *owner, uint64_t total,
                      uint64_t offset, struct store_blob *b)
{
	sqlite3_stmt *q;
	int rc = sqlite_blob_info(s, id, b);

	if (rc == KENH_E_NOT_FOUND && offset == 0) {
		q = stmt(s, S_BLOB_CREATE);
		if (bind_span(q, 1, id) || bind_text(q, 2, owner) || bind_u64(q, 3, total))
			return KENH_ERR(KENH_E_DB);
		snprintf(b->owner, sizeof(b->owner), "%s", owner);
		b->total = total;
		b->stored = 0;
		return exec_done(q);
	}
	if (rc == KENH_E_NOT_FOUND) return KENH_E_STATE;
	if (rc != 0) return rc;
	if (strcmp(b->owner, owner) != 0) return KENH_E_PERM;
	if (b->total != total) return KENH_E_EXISTS;
	return b->stored == offset ? 0 : KENH_E_STATE;
}

static int sqlite_blob_append(struct store *s, struct kenh_span id, const char *owner,
                              uint64_t total, uint64_t offset, struct kenh_span chunk)
{
	struct store_blob b;
	sqlite3_stmt *q;
	int rc;

	if ((rc = blob_admit(s, id, owner, total, offset, &b)) != 0) return rc;
	if (chunk.len > b.total - b.stored) return KENH_E_TOO_LARGE;
	q = stmt(s, S_BLOB_CHUNK_PUT);
	if (bind_span(q, 1, id) || bind_u64(q, 2, offset) || bind_span(q, 3, chunk))
		return KENH_ERR(KENH_E_DB);
	if ((rc = exec_done(q)) != 0) return rc;
	q = stmt(s, S_BLOB_STORED);
	if (bind_span(q, 1, id) || bind_u64(q, 2, offset + chunk.len)) return KENH_ERR(KENH_E_DB);
	return exec_done(q);
}

/* Copy the part of each chunk that lies in [offset, offset + max) into out. */
static int sqlite_blob_read(struct store *s, struct kenh_span id, uint64_t offset, size_t max,
                            struct store_buf *out)
{
	struct store_blob b;
	sqlite3_stmt *q;
	size_t want;
	int rc;

	*out = (struct store_buf){ NULL, 0 };
	if ((rc = sqlite_blob_info(s, id, &b)) != 0) return rc;
	if (offset > b.stored) return KENH_E_STATE;
	want = b.stored - offset < max ? (size_t)(b.stored - offset) : max;
	if ((rc = mem_alloc(want, (void **)&out->p)) != 0) return rc;
	q = stmt(s, S_BLOB_CHUNKS);
	if (bind_span(q, 1, id) || bind_u64(q, 2, offset)) {
		store_buf_clear(out);
		return KENH_ERR(KENH_E_DB);
	}
	while (out->len < want && (rc = step_row(q)) == 1) {
		uint64_t at = col_u64(q, 0);
		struct kenh_span d = col_span(q, 1);
		size_t skip = at < offset + out->len ? (size_t)(offset + out->len - at) : 0;
		size_t n = d.len > skip ? d.len - skip : 0;

		if (n > want - out->len) n = want - out->len;
		memcpy(out->p + out->len, d.p + skip, n);
		out->len += n;
	}
	sqlite3_reset(q);
	if (rc < 0) store_buf_clear(out);
	return rc < 0 ? rc : 0;
}

/* ---- CRLs, enrollment, retention ---- */

static int sqlite_crl_put(struct store *s, const char *issuer, uint64_t number,
                          struct kenh_span der)
{
	sqlite3_stmt *q = stmt(s, S_CRL_PUT);

	if (bind_text(q, 1, issuer) || bind_u64(q, 2, number) || bind_span(q, 3, der))
		return KENH_ERR(KENH_E_DB);
	return exec_done(q);
}

static int sqlite_crl_list(struct store *s, store_crl_fn *cb, void *arg)
{
	sqlite3_stmt *q = stmt(s, S_CRL_LIST);
	int rc;

	while ((rc = step_row(q)) == 1)
		if ((rc = cb(arg, col_text(q, 0), col_u64(q, 1), col_span(q, 2))) != 0) break;
	sqlite3_reset(q);
	return rc;
}

static int sqlite_enroll_add(struct store *s, struct kenh_span ticket, struct kenh_span csr,
                             uint64_t now)
{
	sqlite3_stmt *q = stmt(s, S_ENROLL_ADD);
	int rc;

	if (bind_span(q, 1, ticket) || bind_u64(q, 2, now) || bind_span(q, 3, csr))
		return KENH_ERR(KENH_E_DB);
	if ((rc = exec_done(q)) != 0) return rc;
	return changes(s) == 1 ? 0 : KENH_E_EXISTS;
}

static int sqlite_enroll_list(struct store *s, size_t max, store_enroll_fn *cb, void *arg)
{
	sqlite3_stmt *q = stmt(s, S_ENROLL_LIST);
	int rc;

	if (bind_u64(q, 1, max)) return KENH_ERR(KENH_E_DB);
	while ((rc = step_row(q)) == 1) {
		struct store_enroll_entry e = { col_span(q, 0), col_span(q, 1),
			                        (uint8_t)col_u64(q, 2), col_text(q, 3) };

		if ((rc = cb(arg, &e)) != 0) break;
	}
	sqlite3_reset(q);
	return rc;
}

static int sqlite_enroll_issue(struct store *s, struct kenh_span ticket, struct kenh_span cert)
{
	sqlite3_stmt *q = stmt(s, S_ENROLL_ISSUE);
	int rc;

	if (bind_span(q, 1, ticket) || bind_span(q, 2, cert)) return KENH_ERR(KENH_E_DB);
	if ((rc = exec_done(q)) != 0) return rc;
	return changes(s) == 1 ? 0 : KENH_E_NOT_FOUND;
}

static int sqlite_enroll_reject(struct store *s, struct kenh_span ticket, uint8_t reason)
{
	sqlite3_stmt *q = stmt(s, S_ENROLL_REJECT);
	int rc;

	if (bind_span(q, 1, ticket) || bind_u64(q, 2, reason)) return KENH_ERR(KENH_E_DB);
	if ((rc = exec_done(q)) != 0) return rc;
	if (changes(s) == 1) return 0;
	/* Nothing changed: unknown, or decided already. */
	q = stmt(s, S_ENROLL_FETCH);
	if (bind_span(q, 1, ticket)) return KENH_ERR(KENH_E_DB);
	rc = step_row(q);
	sqlite3_reset(q);
	if (rc < 0) return rc;
	return rc == 1 ? KENH_E_EXISTS : KENH_E_NOT_FOUND;
}

static int sqlite_enroll_fetch(struct store *s, struct kenh_span ticket, struct store_buf *out,
                               uint8_t *refused)
{
	sqlite3_stmt *q = stmt(s, S_ENROLL_FETCH);
	int rc;

	*out = (struct store_buf){ NULL, 0 };
	*refused = 0;
	if (bind_span(q, 1, ticket)) return KENH_ERR(KENH_E_DB);
	if ((rc = step_row(q)) == 1) {
		if (col_u64(q, 1) != 0) {
			*refused = (uint8_t)col_u64(q, 1);
			rc = KENH_E_PERM;
		} else if (sqlite3_column_type(q, 0) == SQLITE_NULL) {
			rc = KENH_E_STATE;
		} else {
			rc = span_dup(col_span(q, 0), &out->p);
			out->len = rc == 0 ? col_span(q, 0).len : 0;
		}
	} else if (rc == 0) {
		rc = KENH_E_NOT_FOUND;
	}
	sqlite3_reset(q);
	return rc;
}

static int sqlite_enroll_csr(struct store *s, struct kenh_span ticket, struct store_buf *out)
{
	sqlite3_stmt *q = stmt(s, S_ENROLL_CSR);
	int rc;

	*out = (struct store_buf){ NULL, 0 };
	if (bind_span(q, 1, ticket)) return KENH_ERR(KENH_E_DB);
	if ((rc = step_row(q)) == 1) {
		if (sqlite3_column_int(q, 1) != 0) {
			rc = KENH_E_EXISTS;
		} else {
			rc = span_dup(col_span(q, 0), &out->p);
			out->len = rc == 0 ? col_span(q, 0).len : 0;
		}
	} else if (rc == 0) {
		rc = KENH_E_NOT_FOUND;
	}
	sqlite3_reset(q);
	return rc;
}

static int sqlite_renew_add(struct store *s, struct kenh_span ticket, struct kenh_span csr,
                            const char *device, uint64_t now)
{
	sqlite3_stmt *q = stmt(s, S_RENEW_ADD);
	int rc;

	if (bind_span(q, 1, ticket) || bind_u64(q, 2, now) || bind_span(q, 3, csr) ||
	    bind_text(q, 4, device))
		return KENH_ERR(KENH_E_DB);
	if ((rc = exec_done(q)) != 0) return rc;
	return changes(s) == 1 ? 0 : KENH_E_EXISTS;
}

static int sqlite_renew_device(struct store *s, struct kenh_span ticket, char *device,
                               size_t devlen)
{
	sqlite3_stmt *q = stmt(s, S_RENEW_DEVICE);
	int rc;

	if (devlen > 0) device[0] = '\0';
	if (bind_span(q, 1, ticket)) return KENH_ERR(KENH_E_DB);
	if ((rc = step_row(q)) == 1) {
		if (sqlite3_column_int(q, 1) != 0)
			rc = KENH_E_EXISTS;
		else if ((size_t)snprintf(device, devlen, "%s", col_text(q, 0)) >= devlen)
			rc = KENH_ERR(KENH_E_TOO_LARGE);
		else
			rc = 0;
	} else if (rc == 0) {
		rc = KENH_E_NOT_FOUND;
	}
	sqlite3_reset(q);
	return rc;
}

static int sqlite_retention(struct store *s, uint64_t now, uint64_t max_age, uint64_t *deleted)
{
	static const enum stmt aged[] = { S_RET_LOG_AGE, S_RET_INBOX_AGE, S_RET_ENROLL_AGE };
	uint64_t cutoff = now > max_age ? now - max_age : 0;
	size_t i;
	int rc;

	*deleted = 0;
	if ((rc = exec_done(stmt(s, S_RET_LOG_CURSORS))) != 0) return rc;
	*deleted += (uint64_t)changes(s);
	if ((rc = exec_done(stmt(s, S_RET_PROPOSALS))) != 0) return rc;
	*deleted += (uint64_t)changes(s);
	for (i = 0; i < ARRAY_LEN(aged); i++) {
		sqlite3_stmt *q = stmt(s, aged[i]);

		if (bind_u64(q, 1, cutoff) || (rc = exec_done(q)) != 0) return KENH_ERR(KENH_E_DB);
		*deleted += (uint64_t)changes(s);
	}
	return 0;
}

const struct store_ops store_sqlite_ops = {
	.name = "sqlite",
	.open = sqlite_open,
	.close = sqlite_close,
	.begin = sqlite_begin,
	.commit = sqlite_commit,
	.rollback = sqlite_rollback,
	.savepoint = sqlite_savepoint,
	.release = sqlite_release,
	.undo = sqlite_undo,
	.device_touch = sqlite_device_touch,
	.device_by_serial = sqlite_device_by_serial,
	.device_list = sqlite_device_list,
	.device_revoke = sqlite_device_revoke,
	.kp_add = sqlite_kp_add,
	.kp_count = sqlite_kp_count,
	.kp_claim = sqlite_kp_claim,
	.group_create = sqlite_group_create,
	.group_get = sqlite_group_get,
	.group_epoch_cas = sqlite_group_epoch_cas,
	.leaf_set = sqlite_leaf_set,
	.leaf_clear = sqlite_leaf_clear,
	.leaf_list = sqlite_leaf_list,
	.leaf_get = sqlite_leaf_get,
	.leaf_has_device = sqlite_leaf_has_device,
	.device_leaves = sqlite_device_leaves,
	.cursor_open = sqlite_cursor_open,
	.cursor_end = sqlite_cursor_end,
	.cursor_ack = sqlite_cursor_ack,
	.cursor_list = sqlite_cursor_list,
	.cursor_get = sqlite_cursor_get,
	.recipients = sqlite_recipients,
	.log_append = sqlite_log_append,
	.log_read = sqlite_log_read,
	.inbox_add = sqlite_inbox_add,
	.inbox_read = sqlite_inbox_read,
	.inbox_delete = sqlite_inbox_delete,
	.proposal_put = sqlite_proposal_put,
	.proposal_get = sqlite_proposal_get,
	.groupinfo_put = sqlite_groupinfo_put,
	.groupinfo_get = sqlite_groupinfo_get,
	.blob_info = sqlite_blob_info,
	.blob_append = sqlite_blob_append,
	.blob_read = sqlite_blob_read,
	.crl_put = sqlite_crl_put,
	.crl_list = sqlite_crl_list,
	.enroll_add = sqlite_enroll_add,
	.enroll_list = sqlite_enroll_list,
	.enroll_issue = sqlite_enroll_issue,
	.enroll_reject = sqlite_enroll_reject,
	.enroll_fetch = sqlite_enroll_fetch,
	.enroll_csr = sqlite_enroll_csr,
	.renew_add = sqlite_renew_add,
	.renew_device = sqlite_renew_device,
	.retention = sqlite_retention,
};

const struct store_ops *store_ops_find(const char *name)
{
	static const struct store_ops *const all[] = { &store_sqlite_ops, &store_pg_ops };
	size_t i;

	for (i = 0; i < ARRAY_LEN(all); i++)
		if (strcmp(all[i]->name, name) == 0) return all[i];
	return NULL;
}
