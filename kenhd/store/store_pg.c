/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The PostgreSQL backend of the relay store (store.h, DESIGN §1, §5, §8,
 * docs/relay-store.md): the same contract as store_sqlite.c over libpq, so
 * that several relays can share one database. One connection per relay, used
 * by one thread at a time (docs/decisions/0003). synchronous_commit is
 * forced on for the session: commit() returns only after PostgreSQL has
 * flushed the commit record (DESIGN §5: acknowledged means durable).
 *
 * Every statement is prepared once per connection from the table below and
 * run with PQexecPrepared: untrusted values travel only as parameters
 * (byte strings in binary format as BYTEA, numbers and names as text), and
 * every result is asked in binary format. The schema comes from the
 * migrations in kenhd/store/pgsql/, embedded at build time; the version
 * reached is kept in the table kenh_schema, and migrating runs under a
 * transaction-scoped advisory lock so that relays starting together do
 * not race.
 *
 * Concurrency between relays rests on row locks at READ COMMITTED: the
 * epoch compare-and-set and the log head are single UPDATEs (a second
 * relay waits for the first one's commit, then re-checks the row), and
 * the read-modify-write calls (cursor_ack, kp_claim, blob_append) lock
 * the row they read (FOR UPDATE). Errors: a unique violation (SQLSTATE
 * 23505) is EXISTS, a serialization failure or deadlock (40001, 40P01)
 * is STATE (the race is lost, as for the epoch), everything else DB.
 */
#include "store.h"

#include "util/compat.h"

#include <libpq-fe.h>

#include "util/mem.h"

/* The migrations, embedded from the .sql files like SQLite's (store_sqlite.c). */
__asm__(".pushsection .rodata\n"
        ".global store_pgsql_001_init\n"
        ".hidden store_pgsql_001_init\n"
        "store_pgsql_001_init:\n"
        ".incbin \"kenhd/store/pgsql/001_init.sql\"\n"
        ".byte 0\n"
        ".popsection\n");
extern const char store_pgsql_001_init[];

static const char *const migrations[] = {
	store_pgsql_001_init,
};

/* The key of the advisory lock held while migrating ("kenh"). */
#define MIGRATE_LOCK "1801807464"

/*
 * DESIGN §8: the channel on which a relay announces what it committed, so
 * that the others push it to their own connections. Payloads (text):
 * "l <group id, hex> <seq>", "i <inbox id> <device>", "c" (trust).
 */
#define CHANNEL "kenh"

enum stmt {
	P_DEVICE_TOUCH,
	P_DEVICE_LIST,
	P_DEVICE_BY_SERIAL,
	P_DEVICE_REVOKE,
	P_KP_ADD,
	P_KP_DEL_LR,
	P_KP_COUNT,
	P_KP_TAKE,
	P_KP_DELETE,
	P_GROUP_CREATE,
	P_GROUP_GET,
	P_GROUP_CAS,
	P_LEAF_SET,
	P_LEAF_CLEAR,
	P_LEAF_LIST,
	P_LEAF_GET,
	P_LEAF_HAS,
	P_DEVICE_LEAVES,
	P_CURSOR_OPEN,
	P_CURSOR_END,
	P_CURSOR_GET,
	P_CURSOR_LOCK,
	P_CURSOR_SET,
	P_CURSOR_DELETE,
	P_CURSOR_LIST,
	P_RECIPIENTS,
	P_LOG_APPEND,
	P_LOG_READ,
	P_INBOX_ADD,
	P_INBOX_READ,
	P_INBOX_DELETE,
	P_PROPOSAL_PUT,
	P_PROPOSAL_GET,
	P_GI_PUT,
	P_GI_GET,
	P_BLOB_INFO,
	P_BLOB_LOCK,
	P_BLOB_CREATE,
	P_BLOB_STORED,
	P_BLOB_CHUNK_PUT,
	P_BLOB_CHUNKS,
	P_CRL_PUT,
	P_CRL_LIST,
	P_ENROLL_ADD,
	P_ENROLL_LIST,
	P_ENROLL_ISSUE,
	P_ENROLL_REJECT,
	P_ENROLL_FETCH,
	P_ENROLL_CSR,
	P_RENEW_ADD,
	P_RENEW_DEVICE,
	P_RET_LOG_CURSORS,
	P_RET_LOG_AGE,
	P_RET_INBOX_AGE,
	P_RET_ENROLL_AGE,
	P_RET_PROPOSALS,
	P_NOTIFY,
	P_COUNT
};

/* Names sort bytewise (COLLATE "C"), as in SQLite, whatever the database's locale. */
static const char *const sql[P_COUNT] = {
	[P_DEVICE_TOUCH] = "INSERT INTO devices (device, unit, serial) VALUES ($1, $2, $3) "
	                   "ON CONFLICT (device) DO UPDATE SET serial = excluded.serial "
	                   "WHERE devices.serial <> excluded.serial",
	[P_DEVICE_BY_SERIAL] = "SELECT device FROM devices WHERE serial = $1 LIMIT 1",
	[P_DEVICE_LIST] =
	        "SELECT d.device, (SELECT count(*) FROM key_packages k WHERE k.device = d.device "
	        "AND k.last_resort = 0), EXISTS (SELECT 1 FROM key_packages k WHERE k.device = "
	        "d.device AND k.last_resort = 1) FROM devices d WHERE d.revoked = 0 AND "
	        "(d.unit = $1::text OR starts_with(d.unit, $1::text || '/')) "
	        "ORDER BY d.device COLLATE \"C\" LIMIT $2",
	/* A revoked device is never added again: its KeyPackages go (KP_CLAIM NOT_FOUND). */
	[P_DEVICE_REVOKE] = "WITH k AS (DELETE FROM key_packages WHERE device = $1) "
	                    "UPDATE devices SET revoked = 1 WHERE device = $1",
	[P_KP_ADD] = "INSERT INTO key_packages (device, last_resort, data) VALUES ($1, $2, $3)",
	[P_KP_DEL_LR] = "DELETE FROM key_packages WHERE device = $1 AND last_resort = 1",
	[P_KP_COUNT] =
	        "SELECT count(*) FILTER (WHERE last_resort = 0), "
	        "count(*) FILTER (WHERE last_resort = 1) FROM key_packages WHERE device = $1",
	/* Locked: a package claimed through another relay is never handed out twice. */
	[P_KP_TAKE] = "SELECT id, last_resort, data FROM key_packages WHERE device = $1 "
	              "ORDER BY last_resort, id LIMIT 1 FOR UPDATE",
	[P_KP_DELETE] = "DELETE FROM key_packages WHERE id = $1",
	[P_GROUP_CREATE] = "INSERT INTO groups (group_id, cipher_suite, epoch, head, created) "
	                   "VALUES ($1, $2, 0, 0, $3) ON CONFLICT (group_id) DO NOTHING",
	[P_GROUP_GET] = "SELECT cipher_suite, epoch, head FROM groups WHERE group_id = $1",
	[P_GROUP_CAS] = "UPDATE groups SET epoch = $3 WHERE group_id = $1 AND epoch = $2",
	[P_LEAF_SET] = "INSERT INTO leaves (group_id, leaf, device) VALUES ($1, $2, $3) "
	               "ON CONFLICT (group_id, leaf) DO NOTHING",
	[P_LEAF_CLEAR] = "DELETE FROM leaves WHERE group_id = $1 AND leaf = $2",
	[P_LEAF_LIST] = "SELECT leaf, device FROM leaves WHERE group_id = $1 ORDER BY leaf",
	[P_LEAF_GET] = "SELECT device FROM leaves WHERE group_id = $1 AND leaf = $2",
	[P_DEVICE_LEAVES] =
	        "SELECT group_id, leaf FROM leaves WHERE device = $1 ORDER BY group_id, leaf",
	[P_LEAF_HAS] = "SELECT 1 FROM leaves WHERE group_id = $1 AND device = $2 LIMIT 1",
	[P_CURSOR_OPEN] = "INSERT INTO cursors (device, group_id, seq, until_seq) "
	                  "VALUES ($1, $2, $3, NULL) ON CONFLICT (device, group_id) DO UPDATE "
	                  "SET seq = excluded.seq, until_seq = NULL",
	[P_CURSOR_END] = "UPDATE cursors SET until_seq = $3 WHERE device = $1 AND group_id = $2",
	[P_CURSOR_GET] = "SELECT c.seq, c.until_seq, g.head FROM cursors c JOIN groups g "
	                 "ON g.group_id = c.group_id WHERE c.device = $1 AND c.group_id = $2",
	[P_CURSOR_LOCK] = "SELECT c.seq, c.until_seq, g.head FROM cursors c JOIN groups g "
	                  "ON g.group_id = c.group_id WHERE c.device = $1 AND c.group_id = $2 "
	                  "FOR UPDATE OF c",
	[P_CURSOR_SET] = "UPDATE cursors SET seq = $3 WHERE device = $1 AND group_id = $2",
	[P_CURSOR_DELETE] = "DELETE FROM cursors WHERE device = $1 AND group_id = $2",
	[P_CURSOR_LIST] = "SELECT c.group_id, c.seq, c.until_seq FROM cursors c JOIN groups g "
	                  "ON g.group_id = c.group_id WHERE c.device = $1 AND c.seq < "
	                  "least(g.head, coalesce(c.until_seq, g.head)) ORDER BY c.group_id",
	[P_RECIPIENTS] = "SELECT 0::bigint, device FROM cursors WHERE group_id = $1 AND "
	                 "(until_seq IS NULL OR until_seq >= $2) ORDER BY device COLLATE \"C\"",
	/*
	 * One round trip: the head's UPDATE (which locks the group row, so
	 * appends through two relays are serialized), the entry, and its
	 * announcement "l <group id, hex> <seq>" (see CHANNEL). No row: no group.
	 */
	[P_LOG_APPEND] =
	        "WITH h AS (UPDATE groups SET head = head + 1 WHERE group_id = $1 "
	        "RETURNING head), e AS (INSERT INTO log (group_id, seq, created, msg) "
	        "SELECT $1, head, $2, $3 FROM h RETURNING seq) SELECT seq, pg_notify('" CHANNEL
	        "', 'l ' || encode($1, 'hex') || ' ' || seq) FROM e",
	[P_LOG_READ] = "SELECT seq, msg FROM log WHERE group_id = $1 AND seq > $2 AND seq <= $3 "
	               "ORDER BY seq LIMIT $4",
	[P_INBOX_ADD] = "INSERT INTO inbox (device, group_id, created, msg, kind) VALUES ($1, $2, "
	                "$3, $4, $5) RETURNING id",
	[P_INBOX_READ] = "SELECT id, group_id, msg, kind FROM inbox WHERE device = $1 AND id > $2 "
	                 "ORDER BY id LIMIT $3",
	[P_INBOX_DELETE] = "DELETE FROM inbox WHERE device = $1 AND id = $2",
	[P_PROPOSAL_PUT] = "INSERT INTO proposals (group_id, epoch, ref, msg) VALUES ($1, $2, $3, "
	                   "$4) ON CONFLICT (group_id, epoch, ref) DO NOTHING",
	[P_PROPOSAL_GET] =
	        "SELECT msg FROM proposals WHERE group_id = $1 AND epoch = $2 AND ref = $3",
	[P_GI_PUT] =
	        "INSERT INTO group_infos (group_id, epoch, data) VALUES ($1, $2, $3) "
	        "ON CONFLICT (group_id) DO UPDATE SET epoch = excluded.epoch, data = excluded.data",
	[P_GI_GET] = "SELECT epoch, data FROM group_infos WHERE group_id = $1",
	[P_BLOB_INFO] = "SELECT owner, total, stored FROM blobs WHERE blob_id = $1",
	[P_BLOB_LOCK] = "SELECT owner, total, stored FROM blobs WHERE blob_id = $1 FOR UPDATE",
	[P_BLOB_CREATE] = "INSERT INTO blobs (blob_id, owner, total, stored) VALUES ($1, $2, $3, "
	                  "0) ON CONFLICT (blob_id) DO NOTHING",
	[P_BLOB_STORED] = "UPDATE blobs SET stored = $2 WHERE blob_id = $1",
	[P_BLOB_CHUNK_PUT] = "INSERT INTO blob_chunks (blob_id, at, data) VALUES ($1, $2, $3)",
	/* The rows overlapping [$2, $3), from the one holding $2 (found by the primary key). */
	[P_BLOB_CHUNKS] = "SELECT at, data FROM blob_chunks WHERE blob_id = $1 AND at >= "
	                  "(SELECT coalesce(max(at), 0) FROM blob_chunks WHERE blob_id = $1 "
	                  "AND at <= $2) AND at < $3 ORDER BY at",
	[P_CRL_PUT] = "INSERT INTO crls (issuer, number, der) VALUES ($1, $2, $3) ON CONFLICT "
	              "(issuer) DO UPDATE SET number = excluded.number, der = excluded.der",
	[P_CRL_LIST] = "SELECT issuer, number, der FROM crls ORDER BY issuer COLLATE \"C\"",
	[P_ENROLL_ADD] = "INSERT INTO enrollments (ticket, created, csr) VALUES ($1, $2, $3) "
	                 "ON CONFLICT (ticket) DO NOTHING",
	[P_ENROLL_LIST] = "SELECT ticket, csr, kind, coalesce(device, '') FROM enrollments WHERE "
	                  "cert IS NULL AND refused = 0 ORDER BY created, ticket LIMIT $1",
	[P_ENROLL_ISSUE] = "UPDATE enrollments SET cert = $2 WHERE ticket = $1",
	[P_ENROLL_REJECT] =
	        "UPDATE enrollments SET refused = $2 WHERE ticket = $1 AND cert IS NULL "
	        "AND refused = 0",
	[P_ENROLL_FETCH] = "SELECT cert, refused FROM enrollments WHERE ticket = $1",
	[P_ENROLL_CSR] = "SELECT csr, cert IS NOT NULL OR refused <> 0 FROM enrollments WHERE "
	                 "ticket = $1",
	/* Any conflict: the ticket, or the one pending renewal a device may have. */
	[P_RENEW_ADD] = "INSERT INTO enrollments (ticket, created, csr, kind, device) VALUES ($1, "
	                "$2, $3, 2, $4) ON CONFLICT DO NOTHING",
	[P_RENEW_DEVICE] = "SELECT device, cert IS NOT NULL OR refused <> 0 FROM enrollments "
	                   "WHERE ticket = $1 AND kind = 2",
	[P_RET_LOG_CURSORS] = "DELETE FROM log WHERE seq <= (SELECT min(c.seq) FROM cursors c "
	                      "WHERE c.group_id = log.group_id)",
	[P_RET_LOG_AGE] = "DELETE FROM log WHERE created < $1",
	/* A wipe order or a renewed certificate waits for its device however long it is away. */
	[P_RET_INBOX_AGE] = "DELETE FROM inbox WHERE created < $1 AND kind NOT IN (3, 4)",
	[P_RET_ENROLL_AGE] = "DELETE FROM enrollments WHERE created < $1",
	[P_RET_PROPOSALS] = "DELETE FROM proposals WHERE epoch < (SELECT g.epoch FROM groups g "
	                    "WHERE g.group_id = proposals.group_id)",
	/* Transactional: sent when the batch commits, dropped if it (or the request) is undone. */
	[P_NOTIFY] = "SELECT pg_notify('" CHANNEL "', $1)",
};

struct store {
	PGconn *conn;
	bool in_txn;
	PGconn *watch;  /* LISTEN connection of the loop thread (watch_fd), or NULL */
	char *conninfo; /* to open it */
	int own_pid;    /* the backend of conn: its own announcements are skipped */
};

/* ---- parameters and results ---- */

#define MAX_PARAMS 5

/* The parameters of one statement: text (numbers, names) or binary (BYTEA). */
struct params {
	const char *v[MAX_PARAMS];
	int len[MAX_PARAMS];
	int fmt[MAX_PARAMS];
	char num[MAX_PARAMS][24];
	int n;
	int err; /* sticky: a value that cannot be sent */
};

static void p_text(struct params *p, const char *t)
{
	if (p->n == MAX_PARAMS) {
		p->err = KENH_ERR(KENH_E_INTERNAL);
		return;
	}
	p->v[p->n] = t;
	p->len[p->n] = 0;
	p->fmt[p->n++] = 0;
}

static void p_span(struct params *p, struct kenh_span b)
{
	if (p->n == MAX_PARAMS || b.len > INT32_MAX) {
		p->err = p->err ? p->err : KENH_ERR(KENH_E_TOO_LARGE);
		return;
	}
	/* A NULL value would be SQL NULL: an empty string is sent from "". */
	p->v[p->n] = b.len ? (const char *)b.p : "";
	p->len[p->n] = (int)b.len;
	p->fmt[p->n++] = 1;
}

/* BIGINT is signed: our values (seqs, epochs, times, sizes) stay below 2^63. */
static void p_u64(struct params *p, uint64_t x)
{
	if (p->n == MAX_PARAMS || x > INT64_MAX) {
		p->err = p->err ? p->err : KENH_ERR(KENH_E_TOO_LARGE);
		return;
	}
	snprintf(p->num[p->n], sizeof(p->num[0]), "%llu", (unsigned long long)x);
	p_text(p, p->num[p->n]);
}

/* SQLSTATE to the one error vocabulary (store.h). */
static int map_error(const PGresult *r)
{
	const char *st = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;

	if (st != NULL && strcmp(st, "23505") == 0) return KENH_E_EXISTS;
	if (st != NULL && (strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0))
		return KENH_E_STATE;
	return KENH_ERR(KENH_E_DB);
}

static void stmt_name(enum stmt id, char *name, size_t len)
{
	snprintf(name, len, "k%d", (int)id);
}

/* Run a prepared statement; on success *out holds its result (the caller PQclears). */
static int run(struct store *s, enum stmt id, const struct params *p, PGresult **out)
{
	char name[16];
	PGresult *r;
	ExecStatusType st;
	int rc;

	*out = NULL;
	if (p->err != 0) return p->err;
	stmt_name(id, name, sizeof(name));
	r = PQexecPrepared(s->conn, name, p->n, p->v, p->len, p->fmt, 1);
	st = PQresultStatus(r);
	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
		*out = r;
		return 0;
	}
	rc = map_error(r);
	PQclear(r);
	return rc;
}

/* The rows a command changed. */
static uint64_t changed(PGresult *r)
{
	const char *t = PQcmdTuples(r);
	unsigned long long n = 0;

	if (t != NULL && *t != '\0' && sscanf(t, "%llu", &n) != 1) n = 0;
	return n;
}

/* Run a command; *rows (if not NULL) receives how many rows it changed. */
static int exec_rows(struct store *s, enum stmt id, const struct params *p, uint64_t *rows)
{
	PGresult *r;
	int rc = run(s, id, p, &r);

	if (rows != NULL) *rows = rc == 0 ? changed(r) : 0;
	PQclear(r);
	return rc;
}

/* An integer column in binary format (bool, int2, int4, int8), NULL as 0. */
static uint64_t col_u64(const PGresult *r, int row, int col)
{
	const uint8_t *v = (const uint8_t *)PQgetvalue(r, row, col);
	int n = PQgetlength(r, row, col);
	uint64_t x = 0;
	int i;

	if (PQgetisnull(r, row, col) || n > 8) return 0;
	for (i = 0; i < n; i++)
		x = x << 8 | v[i];
	if (n > 1 && (v[0] & 0x80) != 0) return 0; /* negative: never stored by us */
	return x;
}

static struct kenh_span col_span(const PGresult *r, int row, int col)
{
	int n = PQgetlength(r, row, col);

	return span_make((const uint8_t *)PQgetvalue(r, row, col), n > 0 ? (size_t)n : 0);
}

/* Text in binary format is its bytes; libpq terminates every value with a NUL. */
static const char *col_text(const PGresult *r, int row, int col)
{
	return PQgetisnull(r, row, col) ? "" : PQgetvalue(r, row, col);
}

static int copy_span(struct kenh_span v, struct store_buf *out)
{
	int rc = span_dup(v, &out->p);

	out->len = rc == 0 ? v.len : 0;
	return rc;
}

/* A single-row byte column copied out; NOT_FOUND when there is no row. */
static int fetch_one(struct store *s, enum stmt id, const struct params *p, int col,
                     struct store_buf *out)
{
	PGresult *r;
	int rc = run(s, id, p, &r);

	if (rc == 0) rc = PQntuples(r) > 0 ? copy_span(col_span(r, 0, col), out) : KENH_E_NOT_FOUND;
	PQclear(r);
	return rc;
}

/* A single-row text column into buf (NUL-terminated, len bytes); NOT_FOUND. */
static int fetch_text(struct store *s, enum stmt id, const struct params *p, char *buf, size_t len)
{
	PGresult *r;
	int rc = run(s, id, p, &r), n;

	if (len > 0) buf[0] = '\0';
	if (rc == 0 && PQntuples(r) == 0) rc = KENH_E_NOT_FOUND;
	if (rc == 0) {
		n = snprintf(buf, len, "%s", col_text(r, 0, 0));
		rc = n >= 0 && (size_t)n < len ? 0 : KENH_ERR(KENH_E_TOO_LARGE);
	}
	PQclear(r);
	return rc;
}

/* ---- open, close, migrations ---- */

/* A fixed command (no untrusted data) on the session; 0 or DB. */
static int exec_fixed(PGconn *c, const char *text)
{
	PGresult *r = PQexec(c, text);
	ExecStatusType st = PQresultStatus(r);
	int rc = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : map_error(r);

	PQclear(r);
	return rc;
}

static int schema_version(PGconn *c, size_t *v)
{
	PGresult *r = PQexec(c, "SELECT version FROM kenh_schema");
	unsigned long long n = 0;
	int rc = KENH_E_DB;

	*v = 0;
	if (PQresultStatus(r) == PGRES_TUPLES_OK) {
		rc = 0;
		if (PQntuples(r) > 0 && sscanf(PQgetvalue(r, 0, 0), "%llu", &n) == 1)
			*v = (size_t)n;
	}
	PQclear(r);
	return rc == 0 ? 0 : KENH_ERR(rc);
}

/* Apply the migrations above the database's version, all in one transaction. */
static int migrate_locked(PGconn *c)
{
	char setv[80];
	size_t v = 0;
	int rc;

	if ((rc = exec_fixed(c, "SELECT pg_advisory_xact_lock(" MIGRATE_LOCK ")")) != 0 ||
	    (rc = exec_fixed(
	             c, "CREATE TABLE IF NOT EXISTS kenh_schema (version BIGINT NOT NULL)")) != 0 ||
	    (rc = schema_version(c, &v)) != 0)
		return rc;
	if (v > ARRAY_LEN(migrations)) return KENH_ERR(KENH_E_UNSUPPORTED);
	for (; v < ARRAY_LEN(migrations); v++)
		if ((rc = exec_fixed(c, migrations[v])) != 0) return rc;
	snprintf(setv, sizeof(setv),
	         "DELETE FROM kenh_schema; INSERT INTO kenh_schema VALUES (%zu)", v);
	return exec_fixed(c, setv);
}

static int migrate(PGconn *c)
{
	int rc;

	if ((rc = exec_fixed(c, "BEGIN")) != 0) return rc;
	if ((rc = migrate_locked(c)) != 0 || (rc = exec_fixed(c, "COMMIT")) != 0) {
		(void)exec_fixed(c, "ROLLBACK");
		return rc;
	}
	return 0;
}

/* Notices (e.g. an index already there) are not the relay's log: dropped. */
static void ignore_notice(void *arg, const char *msg)
{
	(void)arg;
	(void)msg;
}

/*
 * The session's settings and prepared statements, after connecting and
 * after a reconnection. DESIGN §5: synchronous_commit on, whatever the
 * server's default, so COMMIT waits for the WAL flush.
 */
static int session_setup(struct store *s)
{
	char name[16];
	PGresult *r;
	size_t i;
	int rc;

	if ((rc = exec_fixed(s->conn, "SET synchronous_commit = on")) != 0) return rc;
	s->own_pid = PQbackendPID(s->conn);
	for (i = 0; i < P_COUNT; i++) {
		KENH_ASSERT(sql[i] != NULL);
		stmt_name((enum stmt)i, name, sizeof(name));
		r = PQprepare(s->conn, name, sql[i], 0, NULL);
		rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : KENH_ERR(KENH_E_DB);
		PQclear(r);
		if (rc != 0) return rc;
	}
	return 0;
}

static void pg_close(struct store *s)
{
	if (s == NULL) return;
	PQfinish(s->conn);
	PQfinish(s->watch);
	mem_free(s->conninfo);
	mem_free(s);
}

static int pg_open(const struct store_config *cfg, struct store **out)
{
	struct store *s = NULL;
	int rc;

	*out = NULL;
	if (cfg->conninfo == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = mem_calloc(1, sizeof(*s), (void **)&s)) != 0) return rc;
	if ((rc = mem_dup(cfg->conninfo, strlen(cfg->conninfo) + 1, (uint8_t **)&s->conninfo)) != 0)
		goto out;
	s->conn = PQconnectdb(cfg->conninfo);
	if (s->conn == NULL || PQstatus(s->conn) != CONNECTION_OK) {
		rc = KENH_ERR(KENH_E_DB);
		goto out;
	}
	PQsetNoticeProcessor(s->conn, ignore_notice, NULL);
	if ((rc = migrate(s->conn)) != 0 || (rc = session_setup(s)) != 0) goto out;
	*out = s;
	s = NULL;
out:
	pg_close(s);
	return rc;
}

/* ---- transactions ---- */

/* A connection the server dropped is reset before the next batch (not inside one). */
static int ensure_connected(struct store *s)
{
	if (PQstatus(s->conn) == CONNECTION_OK) return 0;
	PQreset(s->conn);
	if (PQstatus(s->conn) != CONNECTION_OK) return KENH_ERR(KENH_E_DB);
	return session_setup(s);
}

static int pg_begin(struct store *s)
{
	int rc;

	if (s->in_txn) return KENH_ERR(KENH_E_STATE);
	if ((rc = ensure_connected(s)) != 0) return rc;
	if ((rc = exec_fixed(s->conn, "BEGIN")) == 0) s->in_txn = true;
	return rc;
}

/*
 * COMMIT of a transaction that failed answers "ROLLBACK" with a success
 * status: only the tag "COMMIT" means the batch is durable. Either way the
 * transaction is over.
 */
static int pg_commit(struct store *s)
{
	PGresult *r;
	int rc;

	if (!s->in_txn) return KENH_ERR(KENH_E_STATE);
	r = PQexec(s->conn, "COMMIT");
	rc = PQresultStatus(r) == PGRES_COMMAND_OK && strcmp(PQcmdStatus(r), "COMMIT") == 0
	             ? 0
	             : KENH_ERR(KENH_E_DB);
	PQclear(r);
	s->in_txn = false;
	return rc;
}

static void pg_rollback(struct store *s)
{
	if (!s->in_txn) return;
	(void)exec_fixed(s->conn, "ROLLBACK");
	s->in_txn = false;
}

static int pg_savepoint(struct store *s)
{
	if (!s->in_txn) return KENH_ERR(KENH_E_STATE);
	return exec_fixed(s->conn, "SAVEPOINT request");
}

static int pg_release(struct store *s)
{
	return exec_fixed(s->conn, "RELEASE SAVEPOINT request");
}

/* ROLLBACK TO keeps the savepoint (and clears a failed statement's abort); RELEASE drops it. */
static int pg_undo(struct store *s)
{
	int rc;

	if ((rc = exec_fixed(s->conn, "ROLLBACK TO SAVEPOINT request")) != 0) return rc;
	return exec_fixed(s->conn, "RELEASE SAVEPOINT request");
}

/* ---- announcements to the other relays (DESIGN §8) ---- */

static int announce(struct store *s, const char *payload)
{
	struct params p = { 0 };

	p_text(&p, payload);
	return exec_rows(s, P_NOTIFY, &p, NULL);
}

/* ---- devices and key packages ---- */

static int pg_device_touch(struct store *s, const char *device, const char *unit,
                           const char *serial)
{
	struct params p = { 0 };

	p_text(&p, device);
	p_text(&p, unit);
	p_text(&p, serial);
	return exec_rows(s, P_DEVICE_TOUCH, &p, NULL);
}

static int pg_device_by_serial(struct store *s, const char *serial, char *device, size_t devlen)
{
	struct params p = { 0 };

	p_text(&p, serial);
	return fetch_text(s, P_DEVICE_BY_SERIAL, &p, device, devlen);
}

static uint32_t clamp32(uint64_t v)
{
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

static int pg_device_list(struct store *s, const char *unit, size_t max, store_device_fn *cb,
                          void *arg)
{
	struct params p = { 0 };
	PGresult *r;
	int rc, i;

	p_text(&p, unit);
	p_u64(&p, max > INT64_MAX ? INT64_MAX : max);
	if ((rc = run(s, P_DEVICE_LIST, &p, &r)) != 0) return rc;
	for (i = 0; i < PQntuples(r) && rc == 0; i++)
		rc = cb(arg, col_text(r, i, 0), clamp32(col_u64(r, i, 1)), col_u64(r, i, 2) != 0);
	PQclear(r);
	return rc;
}

static int pg_device_revoke(struct store *s, const char *device)
{
	struct params p = { 0 };

	int rc;

	p_text(&p, device);
	if ((rc = exec_rows(s, P_DEVICE_REVOKE, &p, NULL)) != 0) return rc;
	return announce(s, "c");
}

static int pg_kp_add(struct store *s, const char *device, struct kenh_span kp, bool last_resort)
{
	struct params p = { 0 };
	int rc;

	p_text(&p, device);
	if (last_resort && (rc = exec_rows(s, P_KP_DEL_LR, &p, NULL)) != 0) return rc;
	p_u64(&p, last_resort);
	p_span(&p, kp);
	return exec_rows(s, P_KP_ADD, &p, NULL);
}

static int pg_kp_count(struct store *s, const char *device, uint32_t *n, bool *has_lr)
{
	struct params p = { 0 };
	PGresult *r;
	int rc;

	*n = 0;
	*has_lr = false;
	p_text(&p, device);
	if ((rc = run(s, P_KP_COUNT, &p, &r)) != 0) return rc;
	if (PQntuples(r) == 1) {
		*n = clamp32(col_u64(r, 0, 0));
		*has_lr = col_u64(r, 0, 1) > 0;
	} else {
		rc = KENH_ERR(KENH_E_DB);
	}
	PQclear(r);
	return rc;
}

static int pg_kp_claim(struct store *s, const char *device, struct store_buf *out, bool *lr)
{
	struct params p = { 0 }, d = { 0 };
	PGresult *r;
	int rc;

	*out = (struct store_buf){ NULL, 0 };
	*lr = false;
	p_text(&p, device);
	if ((rc = run(s, P_KP_TAKE, &p, &r)) != 0) return rc;
	if (PQntuples(r) == 0) {
		rc = KENH_E_NOT_FOUND;
	} else {
		*lr = col_u64(r, 0, 1) != 0;
		p_u64(&d, col_u64(r, 0, 0));
		rc = copy_span(col_span(r, 0, 2), out);
	}
	PQclear(r);
	if (rc != 0 || *lr) return rc;
	/* RFC 9420 §10: a one-time KeyPackage is handed out once. */
	if ((rc = exec_rows(s, P_KP_DELETE, &d, NULL)) != 0) store_buf_clear(out);
	return rc;
}

/* ---- groups and membership ---- */

static int pg_group_create(struct store *s, struct kenh_span gid, uint16_t suite, uint64_t now)
{
	struct params p = { 0 };
	uint64_t n;
	int rc;

	p_span(&p, gid);
	p_u64(&p, suite);
	p_u64(&p, now);
	if ((rc = exec_rows(s, P_GROUP_CREATE, &p, &n)) != 0) return rc;
	return n == 1 ? 0 : KENH_E_EXISTS;
}

static int pg_group_get(struct store *s, struct kenh_span gid, struct store_group *out)
{
	struct params p = { 0 };
	PGresult *r;
	int rc;

	memset(out, 0, sizeof(*out));
	p_span(&p, gid);
	if ((rc = run(s, P_GROUP_GET, &p, &r)) != 0) return rc;
	if (PQntuples(r) == 1) {
		out->cipher_suite = (uint16_t)(col_u64(r, 0, 0) & 0xffff);
		out->epoch = col_u64(r, 0, 1);
		out->head = col_u64(r, 0, 2);
	} else {
		rc = KENH_E_NOT_FOUND;
	}
	PQclear(r);
	return rc;
}

/* A relay racing through another one waits on the row, then re-checks the epoch. */
static int pg_group_epoch_cas(struct store *s, struct kenh_span gid, uint64_t expected,
                              uint64_t next)
{
	struct params p = { 0 };
	uint64_t n;
	int rc;

	p_span(&p, gid);
	p_u64(&p, expected);
	p_u64(&p, next);
	if ((rc = exec_rows(s, P_GROUP_CAS, &p, &n)) != 0) return rc;
	return n == 1 ? 0 : KENH_E_STATE;
}

static int pg_leaf_set(struct store *s, struct kenh_span gid, uint32_t leaf, const char *device)
{
	struct params p = { 0 };
	uint64_t n;
	int rc;

	p_span(&p, gid);
	p_u64(&p, leaf);
	p_text(&p, device);
	if ((rc = exec_rows(s, P_LEAF_SET, &p, &n)) != 0) return rc;
	return n == 1 ? 0 : KENH_E_EXISTS;
}

static int pg_leaf_clear(struct store *s, struct kenh_span gid, uint32_t leaf)
{
	struct params p = { 0 };
	uint64_t n;
	int rc;

	p_span(&p, gid);
	p_u64(&p, leaf);
	if ((rc = exec_rows(s, P_LEAF_CLEAR, &p, &n)) != 0) return rc;
	return n == 1 ? 0 : KENH_E_NOT_FOUND;
}

/* Rows of (integer, text) to a leaf callback. */
static int each_leaf(struct store *s, enum stmt id, const struct params *p, store_leaf_fn *cb,
                     void *arg)
{
	PGresult *r;
	int rc, i;

	if ((rc = run(s, id, p, &r)) != 0) return rc;
	for (i = 0; i < PQntuples(r) && rc == 0; i++)
		rc = cb(arg, clamp32(col_u64(r, i, 0)), col_text(r, i, 1));
	PQclear(r);
	return rc;
}

static int pg_leaf_list(struct store *s, struct kenh_span gid, store_leaf_fn *cb, void *arg)
{
	struct params p = { 0 };

	p_span(&p, gid);
	return each_leaf(s, P_LEAF_LIST, &p, cb, arg);
}

static int pg_leaf_get(struct store *s, struct kenh_span gid, uint32_t leaf, char *out,
                       size_t outlen)
{
	struct params p = { 0 };

	p_span(&p, gid);
	p_u64(&p, leaf);
	return fetch_text(s, P_LEAF_GET, &p, out, outlen);
}

static int pg_leaf_has_device(struct store *s, struct kenh_span gid, const char *device,
                              bool *member)
{
	struct params p = { 0 };
	PGresult *r;
	int rc;

	*member = false;
	p_span(&p, gid);
	p_text(&p, device);
	if ((rc = run(s, P_LEAF_HAS, &p, &r)) != 0) return rc;
	*member = PQntuples(r) > 0;
	PQclear(r);
	return 0;
}

static int pg_device_leaves(struct store *s, const char *device, store_member_fn *cb, void *arg)
{
	struct params p = { 0 };
	PGresult *r;
	int rc, i;

	p_text(&p, device);
	if ((rc = run(s, P_DEVICE_LEAVES, &p, &r)) != 0) return rc;
	for (i = 0; i < PQntuples(r) && rc == 0; i++)
		rc = cb(arg, col_span(r, i, 0), clamp32(col_u64(r, i, 1)));
	PQclear(r);
	return rc;
}

/* ---- cursors ---- */

static void p_dev_group(struct params *p, const char *device, struct kenh_span gid)
{
	p_text(p, device);
	p_span(p, gid);
}

static int pg_cursor_open(struct store *s, const char *device, struct kenh_span gid, uint64_t seq)
{
	struct params p = { 0 };

	p_dev_group(&p, device, gid);
	p_u64(&p, seq);
	return exec_rows(s, P_CURSOR_OPEN, &p, NULL);
}

static int pg_cursor_end(struct store *s, const char *device, struct kenh_span gid, uint64_t until)
{
	struct params p = { 0 };

	p_dev_group(&p, device, gid);
	p_u64(&p, until);
	return exec_rows(s, P_CURSOR_END, &p, NULL);
}

/* The cursor row, locked: its seq, its end (UINT64_MAX while a member), the log head. */
static int cursor_lock(struct store *s, const struct params *p, uint64_t *seq, uint64_t *until,
                       uint64_t *head)
{
	PGresult *r;
	int rc;

	if ((rc = run(s, P_CURSOR_LOCK, p, &r)) != 0) return rc;
	if (PQntuples(r) == 1) {
		*seq = col_u64(r, 0, 0);
		*until = PQgetisnull(r, 0, 1) ? UINT64_MAX : col_u64(r, 0, 1);
		*head = col_u64(r, 0, 2);
	} else {
		rc = KENH_E_NOT_FOUND;
	}
	PQclear(r);
	return rc;
}

static int pg_cursor_ack(struct store *s, const char *device, struct kenh_span gid, uint64_t acked)
{
	struct params p = { 0 };
	uint64_t seq = 0, until = 0, head = 0;
	int rc;

	p_dev_group(&p, device, gid);
	if ((rc = cursor_lock(s, &p, &seq, &until, &head)) != 0) return rc;
	if (acked > head) acked = head;
	if (acked > until) acked = until;
	if (acked <= seq) return 0;
	if (until != UINT64_MAX && acked == until) return exec_rows(s, P_CURSOR_DELETE, &p, NULL);
	p_u64(&p, acked);
	return exec_rows(s, P_CURSOR_SET, &p, NULL);
}

static int pg_cursor_get(struct store *s, const char *device, struct kenh_span gid, uint64_t *seq)
{
	struct params p = { 0 };
	PGresult *r;
	int rc;

	*seq = 0;
	p_dev_group(&p, device, gid);
	if ((rc = run(s, P_CURSOR_GET, &p, &r)) != 0) return rc;
	if (PQntuples(r) == 1)
		*seq = col_u64(r, 0, 0);
	else
		rc = KENH_E_NOT_FOUND;
	PQclear(r);
	return rc;
}

static int pg_cursor_list(struct store *s, const char *device, store_cursor_fn *cb, void *arg)
{
	struct params p = { 0 };
	struct store_cursor c;
	PGresult *r;
	int rc, i;

	p_text(&p, device);
	if ((rc = run(s, P_CURSOR_LIST, &p, &r)) != 0) return rc;
	for (i = 0; i < PQntuples(r) && rc == 0; i++) {
		c.group_id = col_span(r, i, 0);
		c.seq = col_u64(r, i, 1);
		c.until = PQgetisnull(r, i, 2) ? UINT64_MAX : col_u64(r, i, 2);
		rc = cb(arg, &c);
	}
	PQclear(r);
	return rc;
}

static int pg_recipients(struct store *s, struct kenh_span gid, uint64_t seq, store_leaf_fn *cb,
                         void *arg)
{
	struct params p = { 0 };

	p_span(&p, gid);
	p_u64(&p, seq > INT64_MAX ? INT64_MAX : seq);
	return each_leaf(s, P_RECIPIENTS, &p, cb, arg);
}

/* ---- log and inbox ---- */

static int pg_log_append(struct store *s, struct kenh_span gid, struct kenh_span msg, uint64_t now,
                         uint64_t *seq)
{
	struct params p = { 0 };
	PGresult *r;
	int rc;

	*seq = 0;
	p_span(&p, gid);
	p_u64(&p, now);
	p_span(&p, msg);
	if ((rc = run(s, P_LOG_APPEND, &p, &r)) != 0) return rc;
	if (PQntuples(r) == 1)
		*seq = col_u64(r, 0, 0);
	else
		rc = KENH_E_NOT_FOUND;
	PQclear(r);
	return rc;
}

static int pg_log_read(struct store *s, struct kenh_span gid, uint64_t after, uint64_t until,
                       size_t max, store_entry_fn *cb, void *arg)
{
	struct params p = { 0 };
	PGresult *r;
	int rc, i;

	p_span(&p, gid);
	p_u64(&p, after);
	p_u64(&p, until > INT64_MAX ? INT64_MAX : until);
	p_u64(&p, max > INT64_MAX ? INT64_MAX : max);
	if ((rc = run(s, P_LOG_READ, &p, &r)) != 0) return rc;
	for (i = 0; i < PQntuples(r) && rc == 0; i++)
		rc = cb(arg, col_u64(r, i, 0), col_span(r, i, 1));
	PQclear(r);
	return rc;
}

static int pg_inbox_add(struct store *s, const char *device, const struct store_inbox_item *item,
                        uint64_t now, uint64_t *id)
{
	struct params p = { 0 };
	char *msg = NULL;
	PGresult *r;
	int rc;

	*id = 0;
	p_text(&p, device);
	p_span(&p, item->group_id);
	p_u64(&p, now);
	p_span(&p, item->msg);
	p_u64(&p, item->kind);
	if ((rc = run(s, P_INBOX_ADD, &p, &r)) != 0) return rc;
	if (PQntuples(r) == 1)
		*id = col_u64(r, 0, 0);
	else
		rc = KENH_ERR(KENH_E_DB);
	PQclear(r);
	if (rc != 0) return rc;
	/* "i <id> <device>": an inbox entry to push. */
	if ((rc = mem_alloc(strlen(device) + 32, (void **)&msg)) != 0) return rc;
	snprintf(msg, strlen(device) + 32, "i %llu %s", (unsigned long long)*id, device);
	rc = announce(s, msg);
	mem_free(msg);
	return rc;
}

static int pg_inbox_read(struct store *s, const char *device, uint64_t after, size_t max,
                         store_inbox_fn *cb, void *arg)
{
	struct params p = { 0 };
	PGresult *r;
	int rc, i;

	p_text(&p, device);
	p_u64(&p, after);
	p_u64(&p, max > INT64_MAX ? INT64_MAX : max);
	if ((rc = run(s, P_INBOX_READ, &p, &r)) != 0) return rc;
	for (i = 0; i < PQntuples(r) && rc == 0; i++) {
		struct store_inbox_item item = { (uint8_t)col_u64(r, i, 3), col_span(r, i, 1),
			                         col_span(r, i, 2) };

		rc = cb(arg, col_u64(r, i, 0), &item);
	}
	PQclear(r);
	return rc;
}

static int pg_inbox_delete(struct store *s, const char *device, uint64_t id)
{
	struct params p = { 0 };

	p_text(&p, device);
	p_u64(&p, id);
	return exec_rows(s, P_INBOX_DELETE, &p, NULL);
}

/* ---- proposals, group infos ---- */

static int pg_proposal_put(struct store *s, struct kenh_span gid, uint64_t epoch,
                           struct kenh_span ref, struct kenh_span msg)
{
	struct params p = { 0 };

	p_span(&p, gid);
	p_u64(&p, epoch);
	p_span(&p, ref);
	p_span(&p, msg);
	return exec_rows(s, P_PROPOSAL_PUT, &p, NULL);
}

static int pg_proposal_get(struct store *s, struct kenh_span gid, uint64_t epoch,
                           struct kenh_span ref, struct store_buf *out)
{
	struct params p = { 0 };

	*out = (struct store_buf){ NULL, 0 };
	p_span(&p, gid);
	p_u64(&p, epoch);
	p_span(&p, ref);
	return fetch_one(s, P_PROPOSAL_GET, &p, 0, out);
}

static int pg_groupinfo_put(struct store *s, struct kenh_span gid, uint64_t epoch,
                            struct kenh_span gi)
{
	struct params p = { 0 };

	p_span(&p, gid);
	p_u64(&p, epoch);
	p_span(&p, gi);
	return exec_rows(s, P_GI_PUT, &p, NULL);
}

static int pg_groupinfo_get(struct store *s, struct kenh_span gid, uint64_t *epoch,
                            struct store_buf *out)
{
	struct params p = { 0 };
	PGresult *r;
	int rc;

	*out = (struct store_buf){ NULL, 0 };
	*epoch = 0;
	p_span(&p, gid);
	if ((rc = run(s, P_GI_GET, &p, &r)) != 0) return rc;
	if (PQntuples(r) == 1) {
		*epoch = col_u64(r, 0, 0);
		rc = copy_span(col_span(r, 0, 1), out);
	} else {
		rc = KENH_E_NOT_FOUND;
	}
	PQclear(r);
	return rc;
}

/* ---- blobs ---- */

static int blob_row(struct store *s, enum stmt id, struct kenh_span bid, struct store_blob *out)
{
	struct params p = { 0 };
	PGresult *r;
	int rc;

	memset(out, 0, sizeof(*out));
	p_span(&p, bid);
	if ((rc = run(s, id, &p, &r)) != 0) return rc;
	if (PQntuples(r) == 1) {
		snprintf(out->owner, sizeof(out->owner), "%s", col_text(r, 0, 0));
		out->total = col_u64(r, 0, 1);
		out->stored = col_u64(r, 0, 2);
	} else {
		rc = KENH_E_NOT_FOUND;
	}
	PQclear(r);
	return rc;
}

static int pg_blob_info(struct store *s, struct kenh_span id, struct store_blob *out)
{
	return blob_row(s, P_BLOB_INFO, id, out);
}

/*
 * Check a chunk against the blob's state, its row locked (creating the
 * blob on its first chunk; a first chunk that lost the race to another
 * relay is at the wrong offset: STATE).
 */
static int blob_admit(struct store *s, struct kenh_span id, const char *owner, uint64_t total,
                      uint64_t offset, struct store_blob *b)
{
	struct params p = { 0 };
	uint64_t n;
	int rc = blob_row(s, P_BLOB_LOCK, id, b);

	if (rc == KENH_E_NOT_FOUND && offset == 0) {
		p_span(&p, id);
		p_text(&p, owner);
		p_u64(&p, total);
		snprintf(b->owner, sizeof(b->owner), "%s", owner);
		b->total = total;
		b->stored = 0;
		if ((rc = exec_rows(s, P_BLOB_CREATE, &p, &n)) != 0) return rc;
		return n == 1 ? 0 : KENH_E_STATE;
	}
	if (rc == KENH_E_NOT_FOUND) return KENH_E_STATE;
	if (rc != 0) return rc;
	if (strcmp(b->owner, owner) != 0) return KENH_E_PERM;
	if (b->total != total) return KENH_E_EXISTS;
	return b->stored == offset ? 0 : KENH_E_STATE;
}

static int pg_blob_append(struct store *s, struct kenh_span id, const char *owner, uint64_t total,
                          uint64_t offset, struct kenh_span chunk)
{
	struct params p = { 0 }, q = { 0 };
	struct store_blob b;
	int rc;

	if ((rc = blob_admit(s, id, owner, total, offset, &b)) != 0) return rc;
	if (chunk.len > b.total - b.stored) return KENH_E_TOO_LARGE;
	p_span(&p, id);
	p_u64(&p, offset);
	p_span(&p, chunk);
	if ((rc = exec_rows(s, P_BLOB_CHUNK_PUT, &p, NULL)) != 0) return rc;
	p_span(&q, id);
	p_u64(&q, offset + chunk.len);
	return exec_rows(s, P_BLOB_STORED, &q, NULL);
}

/* Copy the part of each row that lies in [offset, offset + want) into out. */
static void copy_chunks(const PGresult *r, uint64_t offset, size_t want, struct store_buf *out)
{
	int i;

	for (i = 0; i < PQntuples(r) && out->len < want; i++) {
		uint64_t at = col_u64(r, i, 0);
		struct kenh_span d = col_span(r, i, 1);
		size_t skip = at < offset + out->len ? (size_t)(offset + out->len - at) : 0;
		size_t n = d.len > skip ? d.len - skip : 0;

		if (n > want - out->len) n = want - out->len;
		memcpy(out->p + out->len, d.p + skip, n);
		out->len += n;
	}
}

static int pg_blob_read(struct store *s, struct kenh_span id, uint64_t offset, size_t max,
                        struct store_buf *out)
{
	struct params p = { 0 };
	struct store_blob b;
	PGresult *r;
	size_t want;
	int rc;

	*out = (struct store_buf){ NULL, 0 };
	if ((rc = pg_blob_info(s, id, &b)) != 0) return rc;
	if (offset > b.stored) return KENH_E_STATE;
	want = b.stored - offset < max ? (size_t)(b.stored - offset) : max;
	p_span(&p, id);
	p_u64(&p, offset);
	p_u64(&p, offset + want);
	if ((rc = run(s, P_BLOB_CHUNKS, &p, &r)) != 0) return rc;
	if ((rc = mem_alloc(want, (void **)&out->p)) == 0) copy_chunks(r, offset, want, out);
	PQclear(r);
	return rc;
}

/* ---- CRLs ---- */

static int pg_crl_put(struct store *s, const char *issuer, uint64_t number, struct kenh_span der)
{
	struct params p = { 0 };

	int rc;

	p_text(&p, issuer);
	p_u64(&p, number);
	p_span(&p, der);
	if ((rc = exec_rows(s, P_CRL_PUT, &p, NULL)) != 0) return rc;
	return announce(s, "c");
}

static int pg_crl_list(struct store *s, store_crl_fn *cb, void *arg)
{
	struct params p = { 0 };
	PGresult *r;
	int rc, i;

	if ((rc = run(s, P_CRL_LIST, &p, &r)) != 0) return rc;
	for (i = 0; i < PQntuples(r) && rc == 0; i++)
		rc = cb(arg, col_text(r, i, 0), col_u64(r, i, 1), col_span(r, i, 2));
	PQclear(r);
	return rc;
}

/* ---- enrollment ---- */

/* An INSERT ... ON CONFLICT DO NOTHING: EXISTS when the row was not added. */
static int insert_new(struct store *s, enum stmt id, const struct params *p)
{
	uint64_t n;
	int rc;

	if ((rc = exec_rows(s, id, p, &n)) != 0) return rc;
	return n == 1 ? 0 : KENH_E_EXISTS;
}

static int pg_enroll_add(struct store *s, struct kenh_span ticket, struct kenh_span csr,
                         uint64_t now)
{
	struct params p = { 0 };

	p_span(&p, ticket);
	p_u64(&p, now);
	p_span(&p, csr);
	return insert_new(s, P_ENROLL_ADD, &p);
}

static int pg_enroll_list(struct store *s, size_t max, store_enroll_fn *cb, void *arg)
{
	struct params p = { 0 };
	PGresult *r;
	int rc, i;

	p_u64(&p, max > INT64_MAX ? INT64_MAX : max);
	if ((rc = run(s, P_ENROLL_LIST, &p, &r)) != 0) return rc;
	for (i = 0; i < PQntuples(r) && rc == 0; i++) {
		struct store_enroll_entry e = { col_span(r, i, 0), col_span(r, i, 1),
			                        (uint8_t)col_u64(r, i, 2), col_text(r, i, 3) };

		rc = cb(arg, &e);
	}
	PQclear(r);
	return rc;
}

static int pg_enroll_issue(struct store *s, struct kenh_span ticket, struct kenh_span cert)
{
	struct params p = { 0 };
	uint64_t n;
	int rc;

	p_span(&p, ticket);
	p_span(&p, cert);
	if ((rc = exec_rows(s, P_ENROLL_ISSUE, &p, &n)) != 0) return rc;
	return n == 1 ? 0 : KENH_E_NOT_FOUND;
}

static int pg_enroll_reject(struct store *s, struct kenh_span ticket, uint8_t reason)
{
	struct params p = { 0 }, q = { 0 };
	PGresult *r;
	uint64_t n;
	int rc;

	p_span(&p, ticket);
	p_u64(&p, reason);
	if ((rc = exec_rows(s, P_ENROLL_REJECT, &p, &n)) != 0) return rc;
	if (n == 1) return 0;
	/* Nothing changed: unknown, or decided already. */
	p_span(&q, ticket);
	if ((rc = run(s, P_ENROLL_FETCH, &q, &r)) != 0) return rc;
	rc = PQntuples(r) > 0 ? KENH_E_EXISTS : KENH_E_NOT_FOUND;
	PQclear(r);
	return rc;
}

static int pg_enroll_fetch(struct store *s, struct kenh_span ticket, struct store_buf *out,
                           uint8_t *refused)
{
	struct params p = { 0 };
	PGresult *r;
	int rc;

	*out = (struct store_buf){ NULL, 0 };
	*refused = 0;
	p_span(&p, ticket);
	if ((rc = run(s, P_ENROLL_FETCH, &p, &r)) != 0) return rc;
	if (PQntuples(r) == 0) {
		rc = KENH_E_NOT_FOUND;
	} else if (col_u64(r, 0, 1) != 0) {
		*refused = (uint8_t)col_u64(r, 0, 1);
		rc = KENH_E_PERM;
	} else if (PQgetisnull(r, 0, 0)) {
		rc = KENH_E_STATE;
	} else {
		rc = copy_span(col_span(r, 0, 0), out);
	}
	PQclear(r);
	return rc;
}

static int pg_enroll_csr(struct store *s, struct kenh_span ticket, struct store_buf *out)
{
	struct params p = { 0 };
	PGresult *r;
	int rc;

	*out = (struct store_buf){ NULL, 0 };
	p_span(&p, ticket);
	if ((rc = run(s, P_ENROLL_CSR, &p, &r)) != 0) return rc;
	if (PQntuples(r) == 0)
		rc = KENH_E_NOT_FOUND;
	else if (col_u64(r, 0, 1) != 0)
		rc = KENH_E_EXISTS;
	else
		rc = copy_span(col_span(r, 0, 0), out);
	PQclear(r);
	return rc;
}

static int pg_renew_add(struct store *s, struct kenh_span ticket, struct kenh_span csr,
                        const char *device, uint64_t now)
{
	struct params p = { 0 };

	p_span(&p, ticket);
	p_u64(&p, now);
	p_span(&p, csr);
	p_text(&p, device);
	return insert_new(s, P_RENEW_ADD, &p);
}

static int pg_renew_device(struct store *s, struct kenh_span ticket, char *device, size_t devlen)
{
	struct params p = { 0 };
	PGresult *r;
	int rc, n;

	if (devlen > 0) device[0] = '\0';
	p_span(&p, ticket);
	if ((rc = run(s, P_RENEW_DEVICE, &p, &r)) != 0) return rc;
	if (PQntuples(r) == 0) {
		rc = KENH_E_NOT_FOUND;
	} else if (col_u64(r, 0, 1) != 0) {
		rc = KENH_E_EXISTS;
	} else {
		n = snprintf(device, devlen, "%s", col_text(r, 0, 0));
		rc = n >= 0 && (size_t)n < devlen ? 0 : KENH_ERR(KENH_E_TOO_LARGE);
	}
	PQclear(r);
	return rc;
}

/* ---- retention ---- */

static int pg_retention(struct store *s, uint64_t now, uint64_t max_age, uint64_t *deleted)
{
	static const enum stmt passed[] = { P_RET_LOG_CURSORS, P_RET_PROPOSALS };
	static const enum stmt aged[] = { P_RET_LOG_AGE, P_RET_INBOX_AGE, P_RET_ENROLL_AGE };
	uint64_t cutoff = now > max_age ? now - max_age : 0, n;
	size_t i;
	int rc;

	*deleted = 0;
	for (i = 0; i < ARRAY_LEN(passed); i++) {
		struct params p = { 0 };

		if ((rc = exec_rows(s, passed[i], &p, &n)) != 0) return rc;
		*deleted += n;
	}
	for (i = 0; i < ARRAY_LEN(aged); i++) {
		struct params p = { 0 };

		p_u64(&p, cutoff);
		if ((rc = exec_rows(s, aged[i], &p, &n)) != 0) return rc;
		*deleted += n;
	}
	return 0;
}

/* ---- watching the other relays (DESIGN §8) ---- */

static int watch_open(struct store *s)
{
	int rc = KENH_E_DB; /* raised through KENH_ERR at out: if it stays */

	s->watch = PQconnectdb(s->conninfo);
	if (s->watch == NULL || PQstatus(s->watch) != CONNECTION_OK) goto out;
	PQsetNoticeProcessor(s->watch, ignore_notice, NULL);
	rc = exec_fixed(s->watch, "LISTEN " CHANNEL);
out:
	if (rc == 0) return 0;
	PQfinish(s->watch);
	s->watch = NULL;
	return KENH_ERR(rc);
}

static int pg_watch_fd(struct store *s, int *fd)
{
	int rc;

	*fd = -1;
	if (s->watch == NULL && (rc = watch_open(s)) != 0) return rc;
	*fd = PQsocket(s->watch);
	return *fd >= 0 ? 0 : KENH_ERR(KENH_E_DB);
}

static int unhex(char ch)
{
	if (ch >= '0' && ch <= '9') return ch - '0';
	if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
	return -1;
}

/* "l <hex> <seq>" into c (group id bytes in gid, 512 bytes); PARSE if malformed. */
static int parse_entry(const char *t, uint8_t *gid, struct store_change *c)
{
	unsigned long long seq = 0;
	size_t n = 0;
	int hi, lo;

	for (; (hi = unhex(t[0])) >= 0 && (lo = unhex(t[1])) >= 0 && n < 512; t += 2)
		gid[n++] = (uint8_t)(hi << 4 | lo);
	if (*t != ' ' || sscanf(t + 1, "%llu", &seq) != 1) return KENH_E_PARSE;
	c->group_id = span_make(gid, n);
	c->seq = seq;
	return 0;
}

/* One payload (see CHANNEL) into c; PARSE for anything else on the channel. */
static int parse_change(const char *t, uint8_t *gid, struct store_change *c)
{
	unsigned long long id = 0;
	const char *dev;

	*c = (struct store_change){ 0, span_make(NULL, 0), 0, "" };
	if (strcmp(t, "c") == 0) {
		c->kind = STORE_CHANGE_TRUST;
		return 0;
	}
	if (strncmp(t, "l ", 2) == 0) {
		c->kind = STORE_CHANGE_LOG;
		return parse_entry(t + 2, gid, c);
	}
	dev = strncmp(t, "i ", 2) == 0 ? strchr(t + 2, ' ') : NULL;
	if (dev == NULL || sscanf(t + 2, "%llu", &id) != 1) return KENH_E_PARSE;
	c->kind = STORE_CHANGE_INBOX;
	c->seq = id;
	c->device = dev + 1;
	return 0;
}

/*
 * The announcements received since the last call. A broken watch
 * connection is made again, and LOST reported: what was announced in
 * between is not known.
 */
static int pg_watch_read(struct store *s, store_change_fn *cb, void *arg)
{
	static const struct store_change lost = { STORE_CHANGE_LOST, { NULL, 0 }, 0, "" };
	uint8_t gid[512];
	struct store_change c;
	PGnotify *n;
	int rc = 0;

	if (s->watch == NULL || PQconsumeInput(s->watch) == 0) {
		PQfinish(s->watch);
		s->watch = NULL;
		if ((rc = watch_open(s)) != 0) return rc;
		return cb(arg, &lost);
	}
	while ((n = PQnotifies(s->watch)) != NULL) {
		if (rc == 0 && n->be_pid != s->own_pid && parse_change(n->extra, gid, &c) == 0)
			rc = cb(arg, &c);
		PQfreemem(n);
	}
	return rc;
}

const struct store_ops store_pg_ops = {
	.name = "postgresql",
	.open = pg_open,
	.close = pg_close,
	.begin = pg_begin,
	.commit = pg_commit,
	.rollback = pg_rollback,
	.savepoint = pg_savepoint,
	.release = pg_release,
	.undo = pg_undo,
	.device_touch = pg_device_touch,
	.device_by_serial = pg_device_by_serial,
	.device_list = pg_device_list,
	.device_revoke = pg_device_revoke,
	.kp_add = pg_kp_add,
	.kp_count = pg_kp_count,
	.kp_claim = pg_kp_claim,
	.group_create = pg_group_create,
	.group_get = pg_group_get,
	.group_epoch_cas = pg_group_epoch_cas,
	.leaf_set = pg_leaf_set,
	.leaf_clear = pg_leaf_clear,
	.leaf_list = pg_leaf_list,
	.leaf_get = pg_leaf_get,
	.leaf_has_device = pg_leaf_has_device,
	.device_leaves = pg_device_leaves,
	.cursor_open = pg_cursor_open,
	.cursor_end = pg_cursor_end,
	.cursor_ack = pg_cursor_ack,
	.cursor_list = pg_cursor_list,
	.cursor_get = pg_cursor_get,
	.recipients = pg_recipients,
	.log_append = pg_log_append,
	.log_read = pg_log_read,
	.inbox_add = pg_inbox_add,
	.inbox_read = pg_inbox_read,
	.inbox_delete = pg_inbox_delete,
	.proposal_put = pg_proposal_put,
	.proposal_get = pg_proposal_get,
	.groupinfo_put = pg_groupinfo_put,
	.groupinfo_get = pg_groupinfo_get,
	.blob_info = pg_blob_info,
	.blob_append = pg_blob_append,
	.blob_read = pg_blob_read,
	.crl_put = pg_crl_put,
	.crl_list = pg_crl_list,
	.enroll_add = pg_enroll_add,
	.enroll_list = pg_enroll_list,
	.enroll_issue = pg_enroll_issue,
	.enroll_reject = pg_enroll_reject,
	.enroll_fetch = pg_enroll_fetch,
	.enroll_csr = pg_enroll_csr,
	.renew_add = pg_renew_add,
	.renew_device = pg_renew_device,
	.retention = pg_retention,
	.watch_fd = pg_watch_fd,
	.watch_read = pg_watch_read,
};
