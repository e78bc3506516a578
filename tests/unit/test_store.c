/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The store conformance suite (STYLE R8.5, R17.6): the contract of
 * kenhd/store/store.h, checked through the vtable only, so the same cases
 * run against every backend. The backend under test comes from the
 * environment (KENH_STORE, default "sqlite"); each case opens a fresh
 * database: a file in a temporary folder for SQLite, a database made with
 * createdb (and dropped after) for PostgreSQL, on the server that PGHOST,
 * PGPORT and PGUSER name (tools/run-tests.sh starts a throw-away one with
 * tools/pg-tmp.sh; PGBIN: its binaries). Covered: schema creation and reopening,
 * commit and rollback, the epoch compare-and-set, the membership map,
 * the log with cursors, ends and recipients, inboxes, KeyPackages
 * (one-time before last-resort, last-resort kept), the directory by unit
 * subtree, proposals, GroupInfo, chunked blobs, CRLs, enrollment states
 * and retention.
 */
#include "store/store.h"

#include "util/compat.h"

#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/mem.h"

struct fixture {
	const struct store_ops *ops;
	struct store *s;
	char dir[64];
	char path[128];
	char db[64];        /* PostgreSQL: the database of this case */
	char conninfo[128]; /* PostgreSQL: "dbname=<db>" */
};

static struct kenh_span str_span(const char *s)
{
	return span_make((const uint8_t *)s, strlen(s));
}

static bool is_pg(const struct fixture *f)
{
	return strcmp(f->ops->name, "postgresql") == 0;
}

/* Run $PGBIN/tool db (createdb, dropdb) and wait for it. */
static void pg_tool(const char *tool, const char *db)
{
	const char *bin = getenv("PGBIN");
	char path[256];
	int status = 0;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/%s", bin ? bin : "/usr/lib/postgresql/15/bin", tool);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		execl(path, tool, "--", db, (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void fixture_config(const struct fixture *f, struct store_config *cfg)
{
	cfg->path = f->path;
	cfg->conninfo = f->conninfo;
}

static int setup(void **state)
{
	static unsigned serial;
	struct fixture *f = NULL;
	const char *name = getenv("KENH_STORE");
	struct store_config cfg = { 0 };

	assert_int_equal(mem_calloc(1, sizeof(*f), (void **)&f), 0);
	f->ops = store_ops_find(name ? name : "sqlite");
	assert_non_null(f->ops);
	snprintf(f->dir, sizeof(f->dir), "/tmp/kenh-store-XXXXXX");
	assert_non_null(mkdtemp(f->dir));
	snprintf(f->path, sizeof(f->path), "%s/relay.db", f->dir);
	if (is_pg(f)) {
		snprintf(f->db, sizeof(f->db), "kenh_store_%ld_%u", (long)getpid(), serial++);
		snprintf(f->conninfo, sizeof(f->conninfo), "dbname=%s", f->db);
		pg_tool("createdb", f->db);
	}
	fixture_config(f, &cfg);
	assert_int_equal(f->ops->open(&cfg, &f->s), 0);
	assert_int_equal(f->ops->begin(f->s), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char p[160];

	f->ops->rollback(f->s);
	f->ops->close(f->s);
	if (is_pg(f)) pg_tool("dropdb", f->db);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	unlink(p);
	unlink(f->path);
	rmdir(f->dir);
	mem_free(f);
	return 0;
}

/* Commit, close, reopen, begin: what was committed is there. */
static void reopen(struct fixture *f)
{
	struct store_config cfg = { 0 };

	fixture_config(f, &cfg);
	assert_int_equal(f->ops->commit(f->s), 0);
	f->ops->close(f->s);
	assert_int_equal(f->ops->open(&cfg, &f->s), 0);
	assert_int_equal(f->ops->begin(f->s), 0);
}

static void test_store_commit_persists_rollback_discards(void **state)
{
	struct fixture *f = *state;
	struct store_group g;
	struct kenh_span a = str_span("group-a"), b = str_span("group-b");

	assert_int_equal(f->ops->group_create(f->s, a, 1, 100), 0);
	reopen(f);
	assert_int_equal(f->ops->group_create(f->s, b, 1, 100), 0);
	f->ops->rollback(f->s);
	assert_int_equal(f->ops->begin(f->s), 0);
	assert_int_equal(f->ops->group_get(f->s, a, &g), 0);
	assert_int_equal(f->ops->group_get(f->s, b, &g), KENH_E_NOT_FOUND);
	assert_int_equal(f->ops->begin(f->s), KENH_E_STATE);
}

/* A request undone inside the batch leaves nothing; a released one stays. */
static void test_store_savepoints(void **state)
{
	struct fixture *f = *state;
	struct store_group g;
	struct kenh_span a = str_span("group-a"), b = str_span("group-b");

	assert_int_equal(f->ops->savepoint(f->s), 0);
	assert_int_equal(f->ops->group_create(f->s, a, 1, 100), 0);
	assert_int_equal(f->ops->release(f->s), 0);
	assert_int_equal(f->ops->savepoint(f->s), 0);
	assert_int_equal(f->ops->group_create(f->s, b, 1, 100), 0);
	assert_int_equal(f->ops->undo(f->s), 0);
	reopen(f);
	assert_int_equal(f->ops->group_get(f->s, a, &g), 0);
	assert_int_equal(f->ops->group_get(f->s, b, &g), KENH_E_NOT_FOUND);
}

static void test_store_group_epoch_cas(void **state)
{
	struct fixture *f = *state;
	struct store_group g;
	struct kenh_span a = str_span("group-a");

	assert_int_equal(f->ops->group_create(f->s, a, 2, 100), 0);
	assert_int_equal(f->ops->group_create(f->s, a, 1, 100), KENH_E_EXISTS);
	assert_int_equal(f->ops->group_get(f->s, a, &g), 0);
	assert_int_equal(g.cipher_suite, 2);
	assert_int_equal(g.epoch, 0);
	assert_int_equal(g.head, 0);
	assert_int_equal(f->ops->group_epoch_cas(f->s, a, 0, 1), 0);
	/* The second commit of epoch 0 loses: exactly one per epoch. */
	assert_int_equal(f->ops->group_epoch_cas(f->s, a, 0, 1), KENH_E_STATE);
	assert_int_equal(f->ops->group_get(f->s, a, &g), 0);
	assert_int_equal(g.epoch, 1);
	assert_int_equal(f->ops->group_epoch_cas(f->s, str_span("nope"), 0, 1), KENH_E_STATE);
}

struct leaves {
	uint32_t leaf[8];
	char dev[8][64];
	size_t n;
};

static int collect_leaf(void *arg, uint32_t leaf, const char *device)
{
	struct leaves *l = arg;

	if (l->n == 8) return -1;
	l->leaf[l->n] = leaf;
	snprintf(l->dev[l->n], sizeof(l->dev[0]), "%s", device);
	l->n++;
	return 0;
}

static int count_member(void *arg, struct kenh_span gid, uint32_t leaf)
{
	size_t *n = arg;

	assert_int_equal(leaf, 2);
	assert_int_equal(gid.len, 7);
	(*n)++;
	return 0;
}

static void test_store_leaves(void **state)
{
	size_t n = 0;
	struct fixture *f = *state;
	struct kenh_span a = str_span("group-a");
	struct leaves l = { 0 };
	char dev[64];
	bool member = true;

	assert_int_equal(f->ops->group_create(f->s, a, 1, 100), 0);
	assert_int_equal(f->ops->leaf_set(f->s, a, 0, "u/alice/d1"), 0);
	assert_int_equal(f->ops->leaf_set(f->s, a, 2, "u/bob/d1"), 0);
	assert_int_equal(f->ops->leaf_set(f->s, a, 2, "u/carol/d1"), KENH_E_EXISTS);
	assert_int_equal(f->ops->leaf_list(f->s, a, collect_leaf, &l), 0);
	assert_int_equal(l.n, 2);
	assert_int_equal(l.leaf[1], 2);
	assert_string_equal(l.dev[1], "u/bob/d1");
	assert_int_equal(f->ops->leaf_get(f->s, a, 2, dev, sizeof(dev)), 0);
	assert_string_equal(dev, "u/bob/d1");
	assert_int_equal(f->ops->leaf_get(f->s, a, 1, dev, sizeof(dev)), KENH_E_NOT_FOUND);
	assert_int_equal(f->ops->leaf_has_device(f->s, a, "u/bob/d1", &member), 0);
	assert_true(member);
	assert_int_equal(f->ops->device_leaves(f->s, "u/bob/d1", count_member, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(f->ops->leaf_clear(f->s, a, 2), 0);
	assert_int_equal(f->ops->leaf_clear(f->s, a, 2), KENH_E_NOT_FOUND);
	n = 0;
	assert_int_equal(f->ops->device_leaves(f->s, "u/bob/d1", count_member, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(f->ops->leaf_has_device(f->s, a, "u/bob/d1", &member), 0);
	assert_false(member);
}

struct entries {
	uint64_t seq[16];
	char text[16][16];
	size_t n;
};

static int collect_entry(void *arg, uint64_t seq, struct kenh_span msg)
{
	struct entries *e = arg;

	if (e->n == 16 || msg.len >= 16) return -1;
	e->seq[e->n] = seq;
	memcpy(e->text[e->n], msg.p, msg.len);
	e->text[e->n][msg.len] = '\0';
	e->n++;
	return 0;
}

struct cursors {
	uint64_t seq[4], until[4];
	size_t n;
};

static int collect_cursor(void *arg, const struct store_cursor *c)
{
	struct cursors *cs = arg;

	if (cs->n == 4) return -1;
	cs->seq[cs->n] = c->seq;
	cs->until[cs->n] = c->until;
	cs->n++;
	return 0;
}

static void append(struct fixture *f, struct kenh_span g, const char *text, uint64_t want)
{
	uint64_t seq = 0;

	assert_int_equal(f->ops->log_append(f->s, g, str_span(text), 100, &seq), 0);
	assert_int_equal(seq, want);
}

/* One row per message; cursors decide who sees what; a removed device sees up to its end. */
static void test_store_log_and_cursors(void **state)
{
	struct fixture *f = *state;
	struct kenh_span a = str_span("group-a");
	struct entries e = { 0 };
	struct cursors c = { 0 };
	struct leaves r = { 0 };
	struct store_group g;
	uint64_t seq;

	assert_int_equal(f->ops->log_append(f->s, a, str_span("x"), 100, &seq), KENH_E_NOT_FOUND);
	assert_int_equal(f->ops->group_create(f->s, a, 1, 100), 0);
	assert_int_equal(f->ops->cursor_open(f->s, "u/alice/d1", a, 0), 0);
	append(f, a, "m1", 1);
	append(f, a, "m2", 2);
	assert_int_equal(f->ops->cursor_open(f->s, "u/bob/d1", a, 2), 0);
	append(f, a, "m3", 3);
	assert_int_equal(f->ops->group_get(f->s, a, &g), 0);
	assert_int_equal(g.head, 3);
	assert_int_equal(f->ops->log_read(f->s, a, 1, UINT64_MAX, 10, collect_entry, &e), 0);
	assert_int_equal(e.n, 2);
	assert_string_equal(e.text[0], "m2");
	assert_int_equal(e.seq[1], 3);

	assert_int_equal(f->ops->cursor_list(f->s, "u/bob/d1", collect_cursor, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.seq[0], 2);
	assert_int_equal(f->ops->cursor_get(f->s, "u/bob/d1", a, &seq), 0);
	assert_int_equal(seq, 2);
	assert_int_equal(f->ops->cursor_get(f->s, "u/nobody/d", a, &seq), KENH_E_NOT_FOUND);
	assert_true(c.until[0] == UINT64_MAX);
	/* An ack past the head stops at the head; acks never move back. */
	assert_int_equal(f->ops->cursor_ack(f->s, "u/bob/d1", a, 99), 0);
	assert_int_equal(f->ops->cursor_ack(f->s, "u/bob/d1", a, 1), 0);
	c.n = 0;
	assert_int_equal(f->ops->cursor_list(f->s, "u/bob/d1", collect_cursor, &c), 0);
	assert_int_equal(c.n, 0); /* nothing pending */
	assert_int_equal(f->ops->cursor_ack(f->s, "u/nobody/d", a, 1), KENH_E_NOT_FOUND);

	/* Alice removed by entry 3: she still receives 3, then her cursor ends. */
	assert_int_equal(f->ops->cursor_end(f->s, "u/alice/d1", a, 3), 0);
	append(f, a, "m4", 4);
	assert_int_equal(f->ops->recipients(f->s, a, 4, collect_leaf, &r), 0);
	assert_int_equal(r.n, 1);
	assert_string_equal(r.dev[0], "u/bob/d1");
	r.n = 0;
	assert_int_equal(f->ops->recipients(f->s, a, 3, collect_leaf, &r), 0);
	assert_int_equal(r.n, 2);
	c.n = 0;
	assert_int_equal(f->ops->cursor_list(f->s, "u/alice/d1", collect_cursor, &c), 0);
	assert_int_equal(c.n, 1);
	assert_int_equal(c.until[0], 3);
	assert_int_equal(f->ops->cursor_ack(f->s, "u/alice/d1", a, 4), 0);
	c.n = 0;
	assert_int_equal(f->ops->cursor_list(f->s, "u/alice/d1", collect_cursor, &c), 0);
	assert_int_equal(c.n, 0);
	r.n = 0;
	assert_int_equal(f->ops->recipients(f->s, a, 3, collect_leaf, &r), 0);
	assert_int_equal(r.n, 1);
}

struct inbox {
	uint64_t id[4];
	uint8_t kind[4];
	size_t n;
};

static int collect_inbox(void *arg, uint64_t id, const struct store_inbox_item *item)
{
	struct inbox *in = arg;

	if (in->n == 4) return -1;
	in->kind[in->n] = item->kind;
	in->id[in->n++] = id;
	return 0;
}

/* A Welcome (kind 2) for a group, or a wipe order (kind 3) for a device. */
static int inbox_put(struct fixture *f, const char *dev, uint8_t kind, const char *gid,
                     const char *msg, uint64_t now, uint64_t *id)
{
	struct store_inbox_item it = { kind, str_span(gid), str_span(msg) };

	return f->ops->inbox_add(f->s, dev, &it, now, id);
}

static void test_store_inbox(void **state)
{
	struct fixture *f = *state;
	struct inbox in = { 0 };
	uint64_t id1 = 0, id2 = 0, id3 = 0;

	assert_int_equal(inbox_put(f, "u/bob/d1", 2, "group-a", "w1", 100, &id1), 0);
	assert_int_equal(inbox_put(f, "u/bob/d1", 2, "group-a", "w2", 100, &id2), 0);
	assert_int_equal(inbox_put(f, "u/bob/d1", 3, "u/bob/d1", "KWIP", 100, &id3), 0);
	assert_true(id2 > id1);
	assert_int_equal(f->ops->inbox_read(f->s, "u/bob/d1", 0, 10, collect_inbox, &in), 0);
	assert_int_equal(in.n, 3);
	assert_int_equal(in.kind[0], 2);
	assert_int_equal(in.kind[2], 3);
	assert_int_equal(f->ops->inbox_delete(f->s, "u/bob/d1", id1), 0);
	assert_int_equal(f->ops->inbox_delete(f->s, "u/bob/d1", id3), 0);
	in.n = 0;
	assert_int_equal(f->ops->inbox_read(f->s, "u/bob/d1", 0, 10, collect_inbox, &in), 0);
	assert_int_equal(in.n, 1);
	assert_int_equal(in.id[0], id2);
	in.n = 0;
	assert_int_equal(f->ops->inbox_read(f->s, "u/carol/d1", 0, 10, collect_inbox, &in), 0);
	assert_int_equal(in.n, 0);
}

static void claim_expect(struct fixture *f, const char *dev, const char *want, bool want_lr)
{
	struct store_buf b = { 0 };
	bool lr = !want_lr;

	assert_int_equal(f->ops->kp_claim(f->s, dev, &b, &lr), 0);
	assert_int_equal(lr, want_lr);
	assert_int_equal(b.len, strlen(want));
	assert_memory_equal(b.p, want, b.len);
	store_buf_clear(&b);
}

static void test_store_key_packages(void **state)
{
	struct fixture *f = *state;
	struct store_buf b = { 0 };
	uint32_t n = 9;
	bool lr = true;

	assert_int_equal(f->ops->kp_claim(f->s, "u/a/d", &b, &lr), KENH_E_NOT_FOUND);
	assert_int_equal(f->ops->kp_add(f->s, "u/a/d", str_span("kp1"), false), 0);
	assert_int_equal(f->ops->kp_add(f->s, "u/a/d", str_span("kp2"), false), 0);
	assert_int_equal(f->ops->kp_add(f->s, "u/a/d", str_span("lr1"), true), 0);
	assert_int_equal(f->ops->kp_add(f->s, "u/a/d", str_span("lr2"), true), 0);
	assert_int_equal(f->ops->kp_count(f->s, "u/a/d", &n, &lr), 0);
	assert_int_equal(n, 2);
	assert_true(lr);
	claim_expect(f, "u/a/d", "kp1", false);
	claim_expect(f, "u/a/d", "kp2", false);
	claim_expect(f, "u/a/d", "lr2", true);
	claim_expect(f, "u/a/d", "lr2", true);
	assert_int_equal(f->ops->kp_count(f->s, "u/a/d", &n, &lr), 0);
	assert_int_equal(n, 0);
}

static int count_device(void *arg, const char *device, uint32_t kps, bool lr)
{
	size_t *n = arg;

	(void)device;
	(void)kps;
	(void)lr;
	(*n)++;
	return 0;
}

/* The directory takes a unit subtree on segment boundaries, and leaves revoked devices out. */
static void test_store_directory(void **state)
{
	struct fixture *f = *state;
	size_t n = 0;

	char dev[64];

	assert_int_equal(f->ops->device_touch(f->s, "tb/pc02/alice/d1", "tb/pc02", "aa01"), 0);
	assert_int_equal(f->ops->device_touch(f->s, "tb/pc02/alice/d1", "tb/pc02", "aa02"), 0);
	assert_int_equal(f->ops->device_touch(f->s, "tb/pc02/x/bob/d1", "tb/pc02/x", "bb"), 0);
	assert_int_equal(f->ops->device_touch(f->s, "tb/pc021/carol/d1", "tb/pc021", "cc"), 0);
	assert_int_equal(f->ops->device_by_serial(f->s, "aa02", dev, sizeof(dev)), 0);
	assert_string_equal(dev, "tb/pc02/alice/d1");
	assert_int_equal(f->ops->device_by_serial(f->s, "aa01", dev, sizeof(dev)),
	                 KENH_E_NOT_FOUND);
	assert_int_equal(f->ops->device_list(f->s, "tb/pc02", 100, count_device, &n), 0);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(f->ops->device_list(f->s, "tb", 100, count_device, &n), 0);
	assert_int_equal(n, 3);
	assert_int_equal(f->ops->kp_add(f->s, "tb/pc02/alice/d1", str_span("kp-one"), false), 0);
	assert_int_equal(f->ops->kp_add(f->s, "tb/pc02/alice/d1", str_span("kp-lr"), true), 0);
	assert_int_equal(f->ops->device_revoke(f->s, "tb/pc02/alice/d1"), 0);
	/* docs/protocol.md KP_CLAIM: a revoked device's KeyPackages are gone, last resort too. */
	{
		struct store_buf kp = { 0 };
		bool lr = false;

		assert_int_equal(f->ops->kp_claim(f->s, "tb/pc02/alice/d1", &kp, &lr),
		                 KENH_E_NOT_FOUND);
		assert_null(kp.p);
	}
	n = 0;
	assert_int_equal(f->ops->device_list(f->s, "tb", 100, count_device, &n), 0);
	assert_int_equal(n, 2);
	n = 0;
	assert_int_equal(f->ops->device_list(f->s, "tb", 1, count_device, &n), 0);
	assert_int_equal(n, 1);
}

static void test_store_proposals_and_group_info(void **state)
{
	struct fixture *f = *state;
	struct kenh_span a = str_span("group-a"), ref = str_span("ref-1");
	struct store_buf b = { 0 };
	uint64_t epoch = 0;

	assert_int_equal(f->ops->proposal_put(f->s, a, 3, ref, str_span("prop")), 0);
	assert_int_equal(f->ops->proposal_get(f->s, a, 3, ref, &b), 0);
	assert_int_equal(b.len, 4);
	store_buf_clear(&b);
	assert_int_equal(f->ops->proposal_get(f->s, a, 4, ref, &b), KENH_E_NOT_FOUND);
	assert_int_equal(f->ops->groupinfo_get(f->s, a, &epoch, &b), KENH_E_NOT_FOUND);
	assert_int_equal(f->ops->groupinfo_put(f->s, a, 1, str_span("gi1")), 0);
	assert_int_equal(f->ops->groupinfo_put(f->s, a, 2, str_span("gi22")), 0);
	assert_int_equal(f->ops->groupinfo_get(f->s, a, &epoch, &b), 0);
	assert_int_equal(epoch, 2);
	assert_int_equal(b.len, 4);
	store_buf_clear(&b);
}

static void test_store_blobs(void **state)
{
	struct fixture *f = *state;
	struct kenh_span id = str_span("blob-0123456789abcdef");
	struct store_blob info;
	struct store_buf b = { 0 };

	assert_int_equal(f->ops->blob_append(f->s, id, "u/a/d", 10, 4, str_span("xxxx")),
	                 KENH_E_STATE);
	assert_int_equal(f->ops->blob_append(f->s, id, "u/a/d", 10, 0, str_span("0123")), 0);
	assert_int_equal(f->ops->blob_append(f->s, id, "u/b/d", 10, 4, str_span("4567")),
	                 KENH_E_PERM);
	assert_int_equal(f->ops->blob_append(f->s, id, "u/a/d", 11, 4, str_span("4567")),
	                 KENH_E_EXISTS);
	assert_int_equal(f->ops->blob_append(f->s, id, "u/a/d", 10, 3, str_span("4567")),
	                 KENH_E_STATE);
	assert_int_equal(f->ops->blob_append(f->s, id, "u/a/d", 10, 4, str_span("4567")), 0);
	assert_int_equal(f->ops->blob_append(f->s, id, "u/a/d", 10, 8, str_span("89A")),
	                 KENH_E_TOO_LARGE);
	assert_int_equal(f->ops->blob_append(f->s, id, "u/a/d", 10, 8, str_span("89")), 0);
	assert_int_equal(f->ops->blob_info(f->s, id, &info), 0);
	assert_int_equal(info.stored, 10);
	assert_string_equal(info.owner, "u/a/d");
	assert_int_equal(f->ops->blob_read(f->s, id, 2, 5, &b), 0);
	assert_int_equal(b.len, 5);
	assert_memory_equal(b.p, "23456", 5);
	store_buf_clear(&b);
	assert_int_equal(f->ops->blob_read(f->s, id, 7, 100, &b), 0);
	assert_int_equal(b.len, 3);
	assert_memory_equal(b.p, "789", 3);
	store_buf_clear(&b);
	assert_int_equal(f->ops->blob_read(f->s, id, 11, 1, &b), KENH_E_STATE);
	assert_int_equal(f->ops->blob_read(f->s, str_span("blob-none-000000000"), 0, 1, &b),
	                 KENH_E_NOT_FOUND);
}

/*
 * A blob of many rows of different lengths: every read (each offset, each
 * length) gives the right bytes, whichever row it starts in (the read
 * seeks to the row that holds its offset).
 */
static void test_store_blob_rows(void **state)
{
	struct fixture *f = *state;
	struct kenh_span id = str_span("blob-rows-0123456789");
	uint8_t all[200];
	struct store_buf b = { 0 };
	size_t off = 0, len, at, max;

	for (at = 0; at < sizeof(all); at++)
		all[at] = (uint8_t)(at * 7 + 3);
	for (len = 1; off < sizeof(all); len = len % 13 + 1) {
		size_t n = sizeof(all) - off < len ? sizeof(all) - off : len;

		assert_int_equal(f->ops->blob_append(f->s, id, "u/a/d", sizeof(all), off,
		                                     span_make(all + off, n)),
		                 0);
		off += n;
	}
	for (at = 0; at < sizeof(all); at++) {
		for (max = 1; max <= 40; max += 13) {
			size_t want = sizeof(all) - at < max ? sizeof(all) - at : max;

			assert_int_equal(f->ops->blob_read(f->s, id, at, max, &b), 0);
			assert_int_equal(b.len, want);
			assert_memory_equal(b.p, all + at, want);
			store_buf_clear(&b);
		}
	}
}

static int count_crl(void *arg, const char *issuer, uint64_t number, struct kenh_span der)
{
	uint64_t *sum = arg;

	(void)issuer;
	(void)der;
	*sum += number;
	return 0;
}

static int count_enroll(void *arg, const struct store_enroll_entry *e)
{
	size_t *n = arg;

	assert_int_equal(e->ticket.len > 0, 1);
	assert_int_equal(e->csr.len > 0, 1);
	(*n)++;
	return 0;
}

/* Count renewals only, and check they name their device. */
static int count_renew(void *arg, const struct store_enroll_entry *e)
{
	size_t *n = arg;

	if (e->kind != 2) {
		assert_string_equal(e->device, "");
		return 0;
	}
	assert_string_equal(e->device, "hq/alice/dev1");
	(*n)++;
	return 0;
}

/* A device has at most one renewal pending; the ticket names its device until decided. */
static void test_store_renewal(void **state)
{
	struct fixture *f = *state;
	struct kenh_span t = str_span("renew-ticket-000"), u = str_span("renew-ticket-001");
	struct kenh_span e = str_span("enrol-ticket-000");
	char dev[256];
	size_t n = 0;

	assert_int_equal(f->ops->renew_device(f->s, t, dev, sizeof(dev)), KENH_E_NOT_FOUND);
	assert_int_equal(f->ops->enroll_add(f->s, e, str_span("csr0"), 100), 0);
	assert_int_equal(f->ops->renew_device(f->s, e, dev, sizeof(dev)), KENH_E_NOT_FOUND);
	assert_int_equal(f->ops->renew_add(f->s, t, str_span("csr1"), "hq/alice/dev1", 100), 0);
	assert_int_equal(f->ops->renew_add(f->s, u, str_span("csr2"), "hq/alice/dev1", 101),
	                 KENH_E_EXISTS);
	assert_int_equal(f->ops->renew_add(f->s, t, str_span("csr2"), "hq/bob/dev2", 101),
	                 KENH_E_EXISTS);
	assert_int_equal(f->ops->renew_device(f->s, t, dev, sizeof(dev)), 0);
	assert_string_equal(dev, "hq/alice/dev1");
	assert_int_equal(f->ops->renew_device(f->s, t, dev, 4), KENH_E_TOO_LARGE);
	assert_int_equal(f->ops->enroll_list(f->s, 10, count_renew, &n), 0);
	assert_int_equal(n, 1);
	n = 0;
	assert_int_equal(f->ops->enroll_list(f->s, 10, count_enroll, &n), 0);
	assert_int_equal(n, 2);
	/* Decided: no longer pending, and a new request of the same device is taken. */
	assert_int_equal(f->ops->enroll_issue(f->s, t, str_span("cert")), 0);
	assert_int_equal(f->ops->renew_device(f->s, t, dev, sizeof(dev)), KENH_E_EXISTS);
	assert_int_equal(f->ops->renew_add(f->s, u, str_span("csr2"), "hq/alice/dev1", 102), 0);
	assert_int_equal(f->ops->enroll_reject(f->s, u, 1), 0);
	n = 0;
	assert_int_equal(f->ops->enroll_list(f->s, 10, count_renew, &n), 0);
	assert_int_equal(n, 0);
}

static void test_store_crl_and_enrollment(void **state)
{
	struct fixture *f = *state;
	struct kenh_span t = str_span("ticket-0123456789");
	struct store_buf b = { 0 };
	uint64_t sum = 0;
	uint8_t why = 0;
	size_t n = 0;

	assert_int_equal(f->ops->crl_put(f->s, "", 1, str_span("crl1")), 0);
	assert_int_equal(f->ops->crl_put(f->s, "", 5, str_span("crl5")), 0);
	assert_int_equal(f->ops->crl_put(f->s, "tb", 2, str_span("crl2")), 0);
	assert_int_equal(f->ops->crl_list(f->s, count_crl, &sum), 0);
	assert_int_equal(sum, 7);

	assert_int_equal(f->ops->enroll_fetch(f->s, t, &b, &why), KENH_E_NOT_FOUND);
	assert_int_equal(f->ops->enroll_add(f->s, t, str_span("csr"), 100), 0);
	assert_int_equal(f->ops->enroll_add(f->s, t, str_span("csr"), 100), KENH_E_EXISTS);
	assert_int_equal(f->ops->enroll_fetch(f->s, t, &b, &why), KENH_E_STATE);
	assert_int_equal(f->ops->enroll_list(f->s, 10, count_enroll, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(f->ops->enroll_csr(f->s, t, &b), 0);
	assert_int_equal(b.len, 3);
	store_buf_clear(&b);
	assert_int_equal(f->ops->enroll_issue(f->s, t, str_span("cert")), 0);
	assert_int_equal(f->ops->enroll_csr(f->s, t, &b), KENH_E_EXISTS);
	assert_int_equal(f->ops->enroll_csr(f->s, str_span("other-ticket-0000"), &b),
	                 KENH_E_NOT_FOUND);
	assert_int_equal(f->ops->enroll_issue(f->s, str_span("other-ticket-0000"), str_span("c")),
	                 KENH_E_NOT_FOUND);
	assert_int_equal(f->ops->enroll_fetch(f->s, t, &b, &why), 0);
	assert_int_equal(b.len, 4);
	store_buf_clear(&b);
	n = 0;
	assert_int_equal(f->ops->enroll_list(f->s, 10, count_enroll, &n), 0);
	assert_int_equal(n, 0);
	assert_int_equal(f->ops->enroll_reject(f->s, t, 1), KENH_E_EXISTS);
}

/* A refused request leaves the pending list and answers PERM with its reason. */
static void test_store_enroll_reject(void **state)
{
	struct fixture *f = *state;
	struct kenh_span t = str_span("ticket-0123456789"), u = str_span("ticket-abcdefghij");
	struct store_buf b = { 0 };
	uint8_t why = 0;
	size_t n = 0;

	assert_int_equal(f->ops->enroll_reject(f->s, t, 3), KENH_E_NOT_FOUND);
	assert_int_equal(f->ops->enroll_add(f->s, t, str_span("csr"), 100), 0);
	assert_int_equal(f->ops->enroll_add(f->s, u, str_span("csr2"), 100), 0);
	assert_int_equal(f->ops->enroll_reject(f->s, t, 3), 0);
	assert_int_equal(f->ops->enroll_reject(f->s, t, 1), KENH_E_EXISTS);
	assert_int_equal(f->ops->enroll_fetch(f->s, t, &b, &why), KENH_E_PERM);
	assert_int_equal(why, 3);
	assert_null(b.p);
	assert_int_equal(f->ops->enroll_csr(f->s, t, &b), KENH_E_EXISTS);
	assert_int_equal(f->ops->enroll_list(f->s, 10, count_enroll, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(f->ops->enroll_fetch(f->s, u, &b, &why), KENH_E_STATE);
	assert_int_equal(why, 0);
}

/* Entries every cursor passed go; so do old ones; the rest stays. */
static void test_store_retention(void **state)
{
	struct fixture *f = *state;
	struct kenh_span a = str_span("group-a");
	struct entries e = { 0 };
	struct inbox in = { 0 };
	uint64_t deleted = 0, id, seq;

	assert_int_equal(f->ops->group_create(f->s, a, 1, 100), 0);
	assert_int_equal(f->ops->cursor_open(f->s, "u/a/d", a, 0), 0);
	assert_int_equal(f->ops->cursor_open(f->s, "u/b/d", a, 0), 0);
	append(f, a, "m1", 1);
	append(f, a, "m2", 2);
	assert_int_equal(f->ops->log_append(f->s, a, str_span("m3"), 5000, &seq), 0);
	assert_int_equal(inbox_put(f, "u/b/d", 2, "group-a", "w", 100, &id), 0);
	assert_int_equal(inbox_put(f, "u/b/d", 3, "u/b/d", "wipe", 100, &id), 0);
	assert_int_equal(f->ops->cursor_ack(f->s, "u/a/d", a, 2), 0);
	assert_int_equal(f->ops->cursor_ack(f->s, "u/b/d", a, 1), 0);
	assert_int_equal(f->ops->retention(f->s, 200, 1000, &deleted), 0);
	assert_int_equal(deleted, 1); /* m1 */
	assert_int_equal(f->ops->retention(f->s, 1500, 1000, &deleted), 0);
	assert_int_equal(deleted, 2); /* m2 and the Welcome, by age; not the wipe order */
	assert_int_equal(f->ops->log_read(f->s, a, 0, UINT64_MAX, 10, collect_entry, &e), 0);
	assert_int_equal(e.n, 1);
	assert_string_equal(e.text[0], "m3");
	assert_int_equal(f->ops->inbox_read(f->s, "u/b/d", 0, 10, collect_inbox, &in), 0);
	assert_int_equal(in.n, 1);
	assert_int_equal(in.kind[0], 3);
}

/*
 * Two handles on one database, as two relays sharing PostgreSQL (DESIGN
 * §8): what one commits the other reads; the second commit of an epoch
 * loses the compare-and-set; the log head goes on from the other's; a
 * one-time KeyPackage is claimed once across both.
 */
static void test_store_two_handles(void **state)
{
	struct fixture *f = *state;
	struct kenh_span a = str_span("group-a");
	struct store_config cfg = { 0 };
	struct store_buf b = { 0 };
	struct store_group g;
	struct store *t = NULL;
	uint64_t seq = 0;
	bool lr = false;

	assert_int_equal(f->ops->group_create(f->s, a, 1, 100), 0);
	assert_int_equal(f->ops->kp_add(f->s, "u/a/d", str_span("kp1"), false), 0);
	assert_int_equal(f->ops->commit(f->s), 0);
	fixture_config(f, &cfg);
	assert_int_equal(f->ops->open(&cfg, &t), 0);
	assert_int_equal(f->ops->begin(t), 0);
	assert_int_equal(f->ops->group_epoch_cas(t, a, 0, 1), 0);
	assert_int_equal(f->ops->log_append(t, a, str_span("m1"), 100, &seq), 0);
	assert_int_equal(seq, 1);
	assert_int_equal(f->ops->kp_claim(t, "u/a/d", &b, &lr), 0);
	store_buf_clear(&b);
	assert_int_equal(f->ops->commit(t), 0);

	assert_int_equal(f->ops->begin(f->s), 0);
	assert_int_equal(f->ops->group_epoch_cas(f->s, a, 0, 1), KENH_E_STATE);
	assert_int_equal(f->ops->group_get(f->s, a, &g), 0);
	assert_int_equal(g.epoch, 1);
	assert_int_equal(g.head, 1);
	append(f, a, "m2", 2);
	assert_int_equal(f->ops->kp_claim(f->s, "u/a/d", &b, &lr), KENH_E_NOT_FOUND);
	f->ops->close(t);
}

struct changes {
	enum store_change_kind kind[8];
	uint64_t seq[8];
	char text[8][32]; /* the group id or the device */
	size_t n;
};

static int collect_change(void *arg, const struct store_change *c)
{
	struct changes *cs = arg;

	if (cs->n == 8) return -1;
	cs->kind[cs->n] = c->kind;
	cs->seq[cs->n] = c->seq;
	if (c->kind == STORE_CHANGE_LOG)
		snprintf(cs->text[cs->n], sizeof(cs->text[0]), "%.*s", (int)c->group_id.len,
		         (const char *)c->group_id.p);
	else
		snprintf(cs->text[cs->n], sizeof(cs->text[0]), "%s", c->device);
	cs->n++;
	return 0;
}

/* Wait up to ms for the watch descriptor, then read what was announced. */
static void watch_collect(struct fixture *f, struct store *t, int ms, struct changes *cs)
{
	struct pollfd pfd = { 0 };

	assert_int_equal(f->ops->watch_fd(t, &pfd.fd), 0);
	pfd.events = POLLIN;
	cs->n = 0;
	if (poll(&pfd, 1, ms) > 0) assert_int_equal(f->ops->watch_read(t, collect_change, cs), 0);
}

/*
 * DESIGN §8: a relay learns, after their commit, what another relay on
 * the same database stored: log entries, inbox entries, CRLs. Its own
 * changes and undone requests are not announced. A backend without
 * watch (SQLite: one relay per database) has neither call.
 */
static void test_store_watch(void **state)
{
	struct fixture *f = *state;
	struct kenh_span a = str_span("group-a");
	struct store_config cfg = { 0 };
	struct changes cs = { 0 };
	struct store *t = NULL;
	uint64_t seq = 0, id = 0;

	if (f->ops->watch_fd == NULL) {
		assert_null(f->ops->watch_read);
		return;
	}
	assert_int_equal(f->ops->group_create(f->s, a, 1, 100), 0);
	assert_int_equal(f->ops->commit(f->s), 0);
	fixture_config(f, &cfg);
	assert_int_equal(f->ops->open(&cfg, &t), 0);
	watch_collect(f, t, 0, &cs);

	assert_int_equal(f->ops->begin(f->s), 0);
	append(f, a, "m1", 1);
	assert_int_equal(inbox_put(f, "u/bob/d1", 2, "group-a", "w1", 100, &id), 0);
	assert_int_equal(f->ops->crl_put(f->s, "", 1, str_span("crl1")), 0);
	assert_int_equal(f->ops->savepoint(f->s), 0);
	append(f, a, "m2", 2);
	assert_int_equal(f->ops->undo(f->s), 0);
	watch_collect(f, t, 200, &cs);
	assert_int_equal(cs.n, 0); /* nothing before the commit */
	assert_int_equal(f->ops->commit(f->s), 0);
	watch_collect(f, t, 5000, &cs);
	assert_int_equal(cs.n, 3);
	assert_int_equal(cs.kind[0], STORE_CHANGE_LOG);
	assert_string_equal(cs.text[0], "group-a");
	assert_int_equal(cs.seq[0], 1);
	assert_int_equal(cs.kind[1], STORE_CHANGE_INBOX);
	assert_string_equal(cs.text[1], "u/bob/d1");
	assert_int_equal(cs.seq[1], id);
	assert_int_equal(cs.kind[2], STORE_CHANGE_TRUST);

	/* t's own commit is not announced to t. */
	assert_int_equal(f->ops->begin(t), 0);
	assert_int_equal(f->ops->log_append(t, a, str_span("m2"), 100, &seq), 0);
	assert_int_equal(f->ops->commit(t), 0);
	watch_collect(f, t, 300, &cs);
	assert_int_equal(cs.n, 0);
	f->ops->close(t);
	assert_int_equal(f->ops->begin(f->s), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_store_commit_persists_rollback_discards, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_store_savepoints, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_group_epoch_cas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_leaves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_log_and_cursors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_inbox, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_key_packages, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_proposals_and_group_info, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_store_blobs, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_blob_rows, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_crl_and_enrollment, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_enroll_reject, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_renewal, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_retention, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_two_handles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_watch, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
