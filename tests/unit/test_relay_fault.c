/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Fault injection over the relay's request handling (STYLE R17.5, R8.6;
 * docs/protocol.md §2.1, §2.2). A session of requests (group create,
 * application message, fetch, ack, blob put and get, KeyPackage claim,
 * directory look-up, ping) runs through dispatch_frame() exactly as kenhd
 * runs it, one batch per request: begin, the handler inside its savepoint,
 * commit (rollback and DB for the request if the commit fails).
 *
 * Store faults: a faulty store_ops wraps the SQLite backend and fails its
 * Nth call (begin, commit, savepoint and every data call), for N = 1, 2, ...
 * until a session runs without reaching N. Each time, the request during
 * which the fault fired must be answered with status DB, the committed
 * database (read through a second connection) must be exactly what it was
 * before that request, and the session goes on: the requests after it
 * are served. Allocation faults: mem_fault_set() fails the Nth allocation
 * of one request's handling, for each request of the session and N = 1,
 * 2, ... until the handling allocates no more; the request gets NOMEM (or
 * the connection is closed, when even the error frame cannot be written)
 * and leaves nothing committed. ASan's leak check covers both walks.
 */
#include "relay.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "kenh/kenh.h"
#include "proto/proto.h"
#include "store/store.h"
#include "util/mem.h"

/* kenhd's clocks live in its main.c, which the test does not link. */
uint64_t relay_now(void)
{
	return (uint64_t)time(NULL);
}

double relay_mono(void)
{
	return 0;
}

/* ---- the faulty store_ops: fail call number fail_at of the wrapped backend ---- */

static struct {
	unsigned long calls, fail_at;
	bool fired;
} fault;

static bool fault_hit(void)
{
	if (++fault.calls != fault.fail_at) return false;
	fault.fired = true;
	return true;
}

#define INNER store_sqlite_ops
/* A wrapper of op NAME with parameters PARAMS, calling the backend with ARGS. */
#define WRAP(name, params, args)                                                                   \
	static int f_##name params                                                                 \
	{                                                                                          \
		return fault_hit() ? KENH_ERR(KENH_E_DB) : INNER.name args;                        \
	}

WRAP(begin, (struct store * s), (s))
WRAP(commit, (struct store * s), (s))
WRAP(savepoint, (struct store * s), (s))
WRAP(release, (struct store * s), (s))
WRAP(undo, (struct store * s), (s))
WRAP(device_touch, (struct store * s, const char *d, const char *u, const char *ser),
     (s, d, u, ser))
WRAP(device_by_serial, (struct store * s, const char *ser, char *d, size_t n), (s, ser, d, n))
WRAP(device_list, (struct store * s, const char *u, size_t max, store_device_fn *cb, void *arg),
     (s, u, max, cb, arg))
WRAP(device_revoke, (struct store * s, const char *d), (s, d))
WRAP(kp_add, (struct store * s, const char *d, struct kenh_span kp, bool lr), (s, d, kp, lr))
WRAP(kp_count, (struct store * s, const char *d, uint32_t *n, bool *lr), (s, d, n, lr))
WRAP(kp_claim, (struct store * s, const char *d, struct store_buf *kp, bool *lr), (s, d, kp, lr))
WRAP(group_create, (struct store * s, struct kenh_span g, uint16_t cs, uint64_t now),
     (s, g, cs, now))
WRAP(group_get, (struct store * s, struct kenh_span g, struct store_group *out), (s, g, out))
WRAP(group_epoch_cas, (struct store * s, struct kenh_span g, uint64_t e, uint64_t next),
     (s, g, e, next))
WRAP(leaf_set, (struct store * s, struct kenh_span g, uint32_t leaf, const char *d),
     (s, g, leaf, d))
WRAP(leaf_clear, (struct store * s, struct kenh_span g, uint32_t leaf), (s, g, leaf))
WRAP(leaf_list, (struct store * s, struct kenh_span g, store_leaf_fn *cb, void *arg),
     (s, g, cb, arg))
WRAP(leaf_get, (struct store * s, struct kenh_span g, uint32_t leaf, char *d, size_t n),
     (s, g, leaf, d, n))
WRAP(device_leaves, (struct store * s, const char *d, store_member_fn *cb, void *arg),
     (s, d, cb, arg))
WRAP(leaf_has_device, (struct store * s, struct kenh_span g, const char *d, bool *yes),
     (s, g, d, yes))
WRAP(cursor_open, (struct store * s, const char *d, struct kenh_span g, uint64_t seq),
     (s, d, g, seq))
WRAP(cursor_end, (struct store * s, const char *d, struct kenh_span g, uint64_t until),
     (s, d, g, until))
WRAP(cursor_ack, (struct store * s, const char *d, struct kenh_span g, uint64_t seq),
     (s, d, g, seq))
WRAP(cursor_list, (struct store * s, const char *d, store_cursor_fn *cb, void *arg),
     (s, d, cb, arg))
WRAP(cursor_get, (struct store * s, const char *d, struct kenh_span g, uint64_t *seq),
     (s, d, g, seq))
WRAP(recipients, (struct store * s, struct kenh_span g, uint64_t seq, store_leaf_fn *cb, void *arg),
     (s, g, seq, cb, arg))
WRAP(log_append,
     (struct store * s, struct kenh_span g, struct kenh_span m, uint64_t now, uint64_t *seq),
     (s, g, m, now, seq))
WRAP(log_read,
     (struct store * s, struct kenh_span g, uint64_t after, uint64_t until, size_t max,
      store_entry_fn *cb, void *arg),
     (s, g, after, until, max, cb, arg))
WRAP(inbox_add,
     (struct store * s, const char *d, const struct store_inbox_item *it, uint64_t now,
      uint64_t *id),
     (s, d, it, now, id))
WRAP(inbox_read,
     (struct store * s, const char *d, uint64_t after, size_t max, store_inbox_fn *cb, void *arg),
     (s, d, after, max, cb, arg))
WRAP(inbox_delete, (struct store * s, const char *d, uint64_t id), (s, d, id))
WRAP(blob_info, (struct store * s, struct kenh_span id, struct store_blob *out), (s, id, out))
WRAP(blob_append,
     (struct store * s, struct kenh_span id, const char *owner, uint64_t total, uint64_t offset,
      struct kenh_span chunk),
     (s, id, owner, total, offset, chunk))
WRAP(blob_read,
     (struct store * s, struct kenh_span id, uint64_t offset, size_t max, struct store_buf *out),
     (s, id, offset, max, out))

/* The backend with every call a request can make going through the counter. */
static void faulty_ops(struct store_ops *o)
{
	*o = INNER;
	o->begin = f_begin;
	o->commit = f_commit;
	o->savepoint = f_savepoint;
	o->release = f_release;
	o->undo = f_undo;
	o->device_touch = f_device_touch;
	o->device_by_serial = f_device_by_serial;
	o->device_list = f_device_list;
	o->device_revoke = f_device_revoke;
	o->kp_add = f_kp_add;
	o->kp_count = f_kp_count;
	o->kp_claim = f_kp_claim;
	o->group_create = f_group_create;
	o->group_get = f_group_get;
	o->group_epoch_cas = f_group_epoch_cas;
	o->leaf_set = f_leaf_set;
	o->leaf_clear = f_leaf_clear;
	o->leaf_list = f_leaf_list;
	o->leaf_get = f_leaf_get;
	o->device_leaves = f_device_leaves;
	o->leaf_has_device = f_leaf_has_device;
	o->cursor_open = f_cursor_open;
	o->cursor_end = f_cursor_end;
	o->cursor_ack = f_cursor_ack;
	o->cursor_list = f_cursor_list;
	o->cursor_get = f_cursor_get;
	o->recipients = f_recipients;
	o->log_append = f_log_append;
	o->log_read = f_log_read;
	o->inbox_add = f_inbox_add;
	o->inbox_read = f_inbox_read;
	o->inbox_delete = f_inbox_delete;
	o->blob_info = f_blob_info;
	o->blob_append = f_blob_append;
	o->blob_read = f_blob_read;
}

/* ---- the world: a store with group "g" whose leaf 0 is alice ---- */

#define ALICE "tb/pc02/alice/d1"

struct world {
	struct kenh_ctx *ctx;
	struct store_ops ops;
	struct store *st;
	sqlite3 *peek; /* a second connection: sees only what is committed */
	struct config cfg;
	struct anchors anchors;
	struct metrics m;
	struct effects fx;
	struct peer p;
	unsigned long alloc_hits; /* allocations failed by the last run_request */
	char dir[64];
	char path[128];
};

static void world_open(struct world *w)
{
	struct store_config sc = { NULL, NULL };
	static const uint8_t g[] = { 'g' };

	memset(w, 0, sizeof(*w));
	config_defaults(&w->cfg);
	faulty_ops(&w->ops);
	snprintf(w->dir, sizeof(w->dir), "/tmp/kenh-fault-XXXXXX");
	assert_non_null(mkdtemp(w->dir));
	snprintf(w->path, sizeof(w->path), "%s/relay.db", w->dir);
	sc.path = w->path;
	assert_int_equal(kenh_ctx_new(&w->ctx), 0);
	assert_int_equal(INNER.open(&sc, &w->st), 0);
	assert_int_equal(INNER.begin(w->st), 0);
	assert_int_equal(INNER.group_create(w->st, span_make(g, 1), 1, 1), 0);
	assert_int_equal(INNER.leaf_set(w->st, span_make(g, 1), 0, ALICE), 0);
	assert_int_equal(INNER.cursor_open(w->st, ALICE, span_make(g, 1), 0), 0);
	assert_int_equal(INNER.commit(w->st), 0);
	assert_int_equal(sqlite3_open_v2(w->path, &w->peek, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	w->p.conn_id = 1;
	w->p.state = CONN_AUTHENTICATED;
	snprintf(w->p.device, sizeof(w->p.device), ALICE);
	snprintf(w->p.unit, sizeof(w->p.unit), "tb/pc02");
}

static void world_close(struct world *w)
{
	static const char *const files[] = { "relay.db", "relay.db-wal", "relay.db-shm" };
	char path[160];
	size_t i;

	sqlite3_close(w->peek);
	INNER.rollback(w->st);
	INNER.close(w->st);
	effects_clear(&w->fx);
	kenh_ctx_free(w->ctx);
	for (i = 0; i < ARRAY_LEN(files); i++) {
		snprintf(path, sizeof(path), "%s/%s", w->dir, files[i]);
		(void)unlink(path);
	}
	(void)rmdir(w->dir);
}

#define FNV_PRIME UINT64_C(1099511628211)

/* FNV-1a over every row of every table as the second connection sees it. */
static uint64_t committed_digest(struct world *w)
{
	sqlite3_stmt *tables = NULL, *rows = NULL;
	uint64_t h = UINT64_C(14695981039346656037);
	char sql[256];
	int i, n;

	assert_int_equal(sqlite3_prepare_v2(w->peek,
	                                    "SELECT name FROM sqlite_master WHERE type = 'table' "
	                                    "ORDER BY name",
	                                    -1, &tables, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(tables) == SQLITE_ROW) {
		snprintf(sql, sizeof(sql), "SELECT * FROM \"%s\"", sqlite3_column_text(tables, 0));
		assert_int_equal(sqlite3_prepare_v2(w->peek, sql, -1, &rows, NULL), SQLITE_OK);
		while (sqlite3_step(rows) == SQLITE_ROW) {
			for (i = 0; i < sqlite3_column_count(rows); i++) {
				const uint8_t *b = sqlite3_column_blob(rows, i);

				n = sqlite3_column_bytes(rows, i);
				h = (h ^ (uint8_t)sqlite3_column_type(rows, i)) * FNV_PRIME;
				for (; b != NULL && n > 0; n--)
					h = (h ^ *b++) * FNV_PRIME;
				h = (h ^ 0xff) * FNV_PRIME;
			}
		}
		sqlite3_finalize(rows);
	}
	sqlite3_finalize(tables);
	return h;
}

/* ---- the session ---- */

struct request {
	uint16_t type;
	uint8_t body[512];
	size_t len;
};

/* A PrivateMessage (RFC 9420 §6.3) of group "g", epoch 0: the relay reads only its header. */
static void private_message(struct codec_writer *w)
{
	static const uint8_t g[] = { 'g' }, sender[20] = { 1 }, ct[32] = { 2 };

	(void)codec_write_u16(w, 1); /* mls10 */
	(void)codec_write_u16(w, 2); /* mls_private_message */
	(void)codec_write_opaque(w, g, sizeof(g));
	(void)codec_write_u64(w, 0);
	(void)codec_write_u8(w, 1); /* application */
	(void)codec_write_opaque(w, NULL, 0);
	(void)codec_write_opaque(w, sender, sizeof(sender));
	(void)codec_write_opaque(w, ct, sizeof(ct));
}

static void encode(struct request *r, uint16_t type, const struct proto_desc *d, const void *msg)
{
	struct codec_writer w;

	codec_writer_init(&w, sizeof(r->body), CODEC_WRITER_NORMAL);
	assert_int_equal(proto_msg_encode(&w, d, msg), 0);
	assert_true(w.len <= sizeof(r->body));
	memcpy(r->body, w.buf, w.len);
	r->len = w.len;
	r->type = type;
	codec_writer_clear(&w);
}

#define NREQ 9

static void session(struct request req[NREQ])
{
	static const uint8_t g2[] = { 'g', '2' }, g[] = { 'g' }, blob[16] = { 7 };
	static const uint8_t chunk[] = { 'a', 'b', 'c', 'd' };
	struct proto_group_create gc = { span_make(g2, sizeof(g2)), 1 };
	struct proto_fetch fe = { 16 };
	struct proto_ack_entry ae = { 1, span_make(g, sizeof(g)), 1 };
	struct proto_ack ack = { &ae, 1 };
	struct proto_blob_put bp = { span_make(blob, sizeof(blob)), 4, 0, span_make(chunk, 4) };
	struct proto_blob_get bg = { span_make(blob, sizeof(blob)), 0, 4 };
	struct proto_kp_claim kc = { span_make((const uint8_t *)"tb/pc02/bob/d1", 14) };
	struct proto_dir_lookup dl = { span_make((const uint8_t *)"tb/pc02", 7) };
	struct proto_ping ping = { 42 };
	struct codec_writer pm;
	struct proto_app_send as;

	codec_writer_init(&pm, 256, CODEC_WRITER_NORMAL);
	private_message(&pm);
	assert_int_equal(codec_writer_err(&pm), 0);
	as.message = codec_writer_span(&pm);
	encode(&req[0], PROTO_GROUP_CREATE, &proto_desc_group_create, &gc);
	encode(&req[1], PROTO_APP_SEND, &proto_desc_app_send, &as);
	encode(&req[2], PROTO_FETCH, &proto_desc_fetch, &fe);
	encode(&req[3], PROTO_ACK, &proto_desc_ack, &ack);
	encode(&req[4], PROTO_BLOB_PUT, &proto_desc_blob_put, &bp);
	encode(&req[5], PROTO_BLOB_GET, &proto_desc_blob_get, &bg);
	encode(&req[6], PROTO_KP_CLAIM, &proto_desc_kp_claim, &kc);
	encode(&req[7], PROTO_DIR_LOOKUP, &proto_desc_dir_lookup, &dl);
	encode(&req[8], PROTO_PING, &proto_desc_ping, &ping);
	codec_writer_clear(&pm);
}

/* The wire status of a response frame (docs/protocol.md §2.1). */
static uint16_t status_of(const struct codec_writer *out)
{
	assert_true(out->len >= PROTO_HEADER_LEN + 2);
	return load_be16(out->buf + PROTO_HEADER_LEN);
}

#define STATUS_DB    ((uint16_t)-KENH_E_DB)
#define STATUS_NOMEM ((uint16_t)-KENH_E_NOMEM)
#define CLOSED       0xffffu /* dispatch_frame refused: kenhd closes the connection */

/*
 * One request as kenhd's batch runs it (conn.c, batch.c): begin (a failure
 * is answered DB at once), the handler in its savepoint, commit (a failure
 * turns the answer into DB and drops the pushes; so does a savepoint that
 * could not be undone, without committing). alloc_fail > 0 fails that
 * allocation of the handling. Returns the wire status or CLOSED.
 */
static uint16_t run_request(struct world *w, const struct request *rq, uint32_t id,
                            unsigned long alloc_fail)
{
	struct proto_header h = { (uint32_t)rq->len, rq->type, id };
	struct codec_writer out;
	struct op_env env;
	uint16_t status;
	int rc;

	if (w->ops.begin(w->st) != 0) return STATUS_DB;
	memset(&env, 0, sizeof(env));
	env.ctx = w->ctx;
	env.cfg = &w->cfg;
	env.so = &w->ops;
	env.st = w->st;
	env.anchors = &w->anchors;
	env.m = &w->m;
	env.fx = &w->fx;
	env.now = relay_now();
	codec_writer_init(&out, LIMIT_FRAME + 64, CODEC_WRITER_NORMAL);
#ifdef KENH_FAULT_INJECT
	mem_fault_set(alloc_fail, 0);
#else
	(void)alloc_fail;
#endif
	rc = dispatch_frame(&env, &w->p, &h, span_make(rq->body, rq->len), &out);
#ifdef KENH_FAULT_INJECT
	w->alloc_hits = mem_fault_hits();
	mem_fault_set(0, 0);
#endif
	status = rc == 0 ? status_of(&out) : CLOSED;
	codec_writer_clear(&out);
	if (env.broken) { /* batch.c: a savepoint that could not be undone */
		INNER.rollback(w->st);
		status = STATUS_DB;
	} else if (w->ops.commit(w->st) != 0) {
		INNER.rollback(w->st);
		status = STATUS_DB;
	}
	effects_clear(&w->fx);
	return status;
}

/* Fail store call n of a whole session; false once the session makes fewer calls. */
static bool store_walk_step(const struct request req[NREQ], unsigned long n)
{
	struct world w;
	uint64_t before;
	uint16_t status;
	bool reached;
	size_t i;

	world_open(&w);
	fault.calls = 0;
	fault.fail_at = n;
	for (i = 0; i < NREQ; i++) {
		before = committed_digest(&w);
		fault.fired = false;
		status = run_request(&w, &req[i], (uint32_t)i + 1, 0);
		if (!fault.fired) continue;
		/* §2.1, §2.2: the failing request gets DB and leaves nothing committed. */
		if (status != STATUS_DB)
			fail_msg("store call %lu (request %zu, type 0x%04x): status %u, not DB", n,
			         i, req[i].type, status);
		assert_true(committed_digest(&w) == before);
	}
	reached = fault.calls >= n;
	/* The relay goes on serving: the session's last request (PING) was answered. */
	if (fault.fired && fault.calls > n)
		assert_int_equal(run_request(&w, &req[NREQ - 1], 99, 0), 0);
	fault.fail_at = 0;
	world_close(&w);
	return reached;
}

static void test_relay_fault_store_walk(void **state)
{
	struct request req[NREQ];
	unsigned long n;

	(void)state;
	session(req);
	for (n = 1; store_walk_step(req, n); n++)
		;
	/* The session makes dozens of store calls; a short walk means the wrapper missed them. */
	assert_true(n > 40);
	print_message("store fault walk: %lu store calls failed one at a time\n", n - 1);
}

#ifdef KENH_FAULT_INJECT
/* Fail allocation n of request k's handling; false once it makes fewer allocations. */
static bool alloc_walk_step(const struct request req[NREQ], size_t k, unsigned long n)
{
	struct world w;
	uint64_t before;
	uint16_t status;
	bool hit;
	size_t i;

	world_open(&w);
	fault.fail_at = 0;
	for (i = 0; i < k; i++)
		(void)run_request(&w, &req[i], (uint32_t)i + 1, 0);
	before = committed_digest(&w);
	status = run_request(&w, &req[k], (uint32_t)k + 1, n);
	hit = w.alloc_hits > 0;
	if (hit && status != 0 && committed_digest(&w) != before)
		fail_msg("allocation %lu of request %zu: refused (%u) but changed the store", n, k,
		         status);
	if (hit && status != STATUS_NOMEM && status != CLOSED && status != 0)
		fail_msg("allocation %lu of request %zu: status %u", n, k, status);
	assert_int_equal(run_request(&w, &req[NREQ - 1], 99, 0), 0);
	world_close(&w);
	return hit;
}

static void test_relay_fault_alloc_walk(void **state)
{
	struct request req[NREQ];
	unsigned long n, total = 0;
	size_t k;

	(void)state;
	session(req);
	for (k = 0; k < NREQ; k++) {
		for (n = 1; alloc_walk_step(req, k, n); n++)
			;
		total += n - 1;
	}
	assert_true(total > 10);
	print_message("allocation fault walk: %lu allocations failed one at a time\n", total);
}
#else
static void test_relay_fault_alloc_walk(void **state)
{
	(void)state;
	skip(); /* mem_fault_set exists only in KENH_FAULT_INJECT builds (make MODE=asan) */
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_relay_fault_store_walk),
		cmocka_unit_test(test_relay_fault_alloc_walk),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
