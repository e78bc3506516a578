/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The relay's storage interface (DESIGN §5, STYLE R8.5, R9.2): a const
 * vtable of operations over an opaque backend handle. Handlers reach
 * storage only through it, so SQLite (store_sqlite.c, the embedded default)
 * and PostgreSQL (store_pg.c: several relays over one database) are
 * interchangeable, and tests/unit/test_store.c runs the same conformance
 * suite against any backend.
 *
 * The model (docs/protocol.md §5-§6, §9):
 *   groups      group id -> cipher suite, epoch, log head
 *   leaves      (group, leaf index) -> device name: the membership map
 *   cursors     (device, group) -> last acknowledged seq, and the seq after
 *               which the device stops receiving (its removal), if any
 *   log         (group, seq) -> one MLS message, written once for the group
 *   inbox       per device: Welcomes, wipe orders, renewed certificates
 *   proposals   (group, epoch, ProposalRef) -> the proposal's message
 *   key packages, devices, group infos, blobs, CRLs, enrollment requests
 *
 * Every call runs inside the transaction opened by begin(); nothing is
 * durable before commit() returns 0 (the relay acknowledges only then,
 * R8.6). Concurrency between relays sharing a database rests on
 * group_epoch_cas(), the one compare-and-set of the protocol: a commit is
 * accepted only if the epoch it read is still the group's epoch. A failed
 * call leaves the transaction usable only for rollback().
 *
 * Conventions: device names are NUL-terminated strings ("unit/user/dev");
 * group ids and other byte strings are spans, borrowed for the call.
 * Results that are byte strings are returned in a struct store_buf that
 * the caller frees with store_buf_clear(). Callbacks receive views valid
 * only during the call; a callback returning non-zero stops the iteration
 * and that value is returned. Errors: KENH_E_DB for a backend failure,
 * KENH_E_NOT_FOUND, KENH_E_EXISTS, KENH_E_STATE as documented per call,
 * KENH_E_NOMEM.
 */
#ifndef KENH_KENHD_STORE_H
#define KENH_KENHD_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"
#include "util/util.h"

struct store;

/* Bytes owned by the caller (mem_free through store_buf_clear). */
struct store_buf {
	uint8_t *p;
	size_t len;
};

void store_buf_clear(struct store_buf *b);

/* How to open a backend; fields a backend does not use are ignored. */
struct store_config {
	const char *path;     /* SQLite: database file */
	const char *conninfo; /* PostgreSQL: libpq connection string */
};

struct store_group {
	uint16_t cipher_suite;
	uint64_t epoch;
	uint64_t head; /* last log seq, 0 for an empty log */
};

struct store_cursor {
	struct kenh_span group_id;
	uint64_t seq;   /* last acknowledged */
	uint64_t until; /* last seq the device may receive; UINT64_MAX while a member */
};

struct store_blob {
	char owner[256];
	uint64_t total;
	uint64_t stored;
};

typedef int store_leaf_fn(void *arg, uint32_t leaf, const char *device);
typedef int store_member_fn(void *arg, struct kenh_span group_id, uint32_t leaf);
typedef int store_device_fn(void *arg, const char *device, uint32_t key_packages,
                            bool has_last_resort);
typedef int store_cursor_fn(void *arg, const struct store_cursor *c);
typedef int store_entry_fn(void *arg, uint64_t seq, struct kenh_span msg);
/*
 * An inbox entry: a Welcome (group_id: its group), a wipe order or a
 * renewed certificate (group_id: the device).
 */
struct store_inbox_item {
	uint8_t kind; /* enum proto_delivery_kind: 2 (inbox), 3 (wipe) or 4 (cert) */
	struct kenh_span group_id;
	struct kenh_span msg;
};

typedef int store_inbox_fn(void *arg, uint64_t id, const struct store_inbox_item *item);
typedef int store_crl_fn(void *arg, const char *issuer, uint64_t number, struct kenh_span der);
/* A pending request: a new device's (kind 1) or an enrolled device's renewal (kind 2). */
struct store_enroll_entry {
	struct kenh_span ticket;
	struct kenh_span csr;
	uint8_t kind;       /* enum proto_enroll_kind */
	const char *device; /* renewal: the requesting device; "" otherwise */
};

typedef int store_enroll_fn(void *arg, const struct store_enroll_entry *e);

/*
 * A change another relay committed to a shared database (DESIGN §8),
 * announced after its commit: a log entry (group_id, seq), an inbox
 * entry (device, seq = its id), the trust state (a CRL stored, devices
 * revoked), or LOST: the announcements since the last read may be
 * incomplete (the watch connection was lost and made again).
 */
enum store_change_kind {
	STORE_CHANGE_LOG = 1,
	STORE_CHANGE_INBOX = 2,
	STORE_CHANGE_TRUST = 3,
	STORE_CHANGE_LOST = 4,
};

struct store_change {
	enum store_change_kind kind;
	struct kenh_span group_id; /* LOG */
	uint64_t seq;              /* LOG: the entry; INBOX: its id */
	const char *device;        /* INBOX; "" otherwise */
};

typedef int store_change_fn(void *arg, const struct store_change *c);

struct store_ops {
	const char *name;

	/* Open (creating and migrating the schema as needed) and close. */
	int (*open)(const struct store_config *cfg, struct store **out);
	void (*close)(struct store *s);

	/* Transactions: begin, then commit (durable when it returns 0) or rollback. */
	int (*begin)(struct store *s);
	int (*commit)(struct store *s);
	void (*rollback)(struct store *s);
	/*
	 * One request inside the batch transaction: savepoint, then release
	 * (keep its changes) or undo (drop them and the savepoint), so a
	 * failing request leaves no partial change in the batch.
	 */
	int (*savepoint)(struct store *s);
	int (*release)(struct store *s);
	int (*undo)(struct store *s);

	/*
	 * Devices: remember a device and the serial (hex) of the certificate
	 * it connected with (idempotent); list those whose unit is under unit;
	 * find the device of a serial (NOT_FOUND).
	 */
	int (*device_touch)(struct store *s, const char *device, const char *unit,
	                    const char *serial);
	int (*device_by_serial)(struct store *s, const char *serial, char *device, size_t devlen);
	int (*device_list)(struct store *s, const char *unit, size_t max, store_device_fn *cb,
	                   void *arg);
	/* Mark a device revoked: it is left out of the directory. */
	int (*device_revoke)(struct store *s, const char *device);

	/*
	 * KeyPackages: add a one-time one (last_resort false) or replace the
	 * last-resort one; count; claim: take the oldest one-time package
	 * (deleted) or else the last-resort one (kept); NOT_FOUND if none.
	 */
	int (*kp_add)(struct store *s, const char *device, struct kenh_span kp, bool last_resort);
	int (*kp_count)(struct store *s, const char *device, uint32_t *n, bool *has_last_resort);
	int (*kp_claim)(struct store *s, const char *device, struct store_buf *out,
	                bool *last_resort);

	/* Groups: EXISTS if the id is taken; NOT_FOUND if unknown. */
	int (*group_create)(struct store *s, struct kenh_span group_id, uint16_t cipher_suite,
	                    uint64_t now);
	int (*group_get)(struct store *s, struct kenh_span group_id, struct store_group *out);
	/* Set the epoch to next only if it is expected: STATE otherwise (the race is lost). */
	int (*group_epoch_cas)(struct store *s, struct kenh_span group_id, uint64_t expected,
	                       uint64_t next);

	/* The membership map: set (EXISTS if occupied), clear (NOT_FOUND if blank), list by leaf. */
	int (*leaf_set)(struct store *s, struct kenh_span group_id, uint32_t leaf,
	                const char *device);
	int (*leaf_clear)(struct store *s, struct kenh_span group_id, uint32_t leaf);
	int (*leaf_list)(struct store *s, struct kenh_span group_id, store_leaf_fn *cb, void *arg);
	/* The device at leaf: out receives the name (NUL-terminated, outlen bytes); NOT_FOUND. */
	int (*leaf_get)(struct store *s, struct kenh_span group_id, uint32_t leaf, char *out,
	                size_t outlen);
	/* Every (group, leaf) the device holds. */
	int (*device_leaves)(struct store *s, const char *device, store_member_fn *cb, void *arg);
	/* True in *member if device holds a leaf of the group. */
	int (*leaf_has_device)(struct store *s, struct kenh_span group_id, const char *device,
	                       bool *member);

	/*
	 * Delivery cursors. cursor_open: the device receives entries after seq
	 * (replaces an ended cursor). cursor_end: it receives nothing after
	 * until. cursor_ack: seq = max(seq, acked), bounded by until and the
	 * log head; a cursor that reached its end is deleted. cursor_list:
	 * the device's cursors with entries pending. recipients: devices with
	 * a cursor that covers seq (the callback's leaf argument is 0).
	 */
	int (*cursor_open)(struct store *s, const char *device, struct kenh_span group_id,
	                   uint64_t seq);
	int (*cursor_end)(struct store *s, const char *device, struct kenh_span group_id,
	                  uint64_t until);
	int (*cursor_ack)(struct store *s, const char *device, struct kenh_span group_id,
	                  uint64_t acked);
	int (*cursor_list)(struct store *s, const char *device, store_cursor_fn *cb, void *arg);
	/* The device's cursor of a group: last acknowledged seq; NOT_FOUND. */
	int (*cursor_get)(struct store *s, const char *device, struct kenh_span group_id,
	                  uint64_t *seq);
	int (*recipients)(struct store *s, struct kenh_span group_id, uint64_t seq,
	                  store_leaf_fn *cb, void *arg);

	/* The group log: append (seq = head + 1), read entries in (after, until], oldest first. */
	int (*log_append)(struct store *s, struct kenh_span group_id, struct kenh_span msg,
	                  uint64_t now, uint64_t *seq);
	int (*log_read)(struct store *s, struct kenh_span group_id, uint64_t after, uint64_t until,
	                size_t max, store_entry_fn *cb, void *arg);

	/* Per-device inbox (Welcomes, wipe orders): add, read entries with id > after, delete one. */
	int (*inbox_add)(struct store *s, const char *device, const struct store_inbox_item *item,
	                 uint64_t now, uint64_t *id);
	int (*inbox_read)(struct store *s, const char *device, uint64_t after, size_t max,
	                  store_inbox_fn *cb, void *arg);
	int (*inbox_delete)(struct store *s, const char *device, uint64_t id);

	/* Pending proposals of an epoch, by ProposalRef; NOT_FOUND. */
	int (*proposal_put)(struct store *s, struct kenh_span group_id, uint64_t epoch,
	                    struct kenh_span ref, struct kenh_span msg);
	int (*proposal_get)(struct store *s, struct kenh_span group_id, uint64_t epoch,
	                    struct kenh_span ref, struct store_buf *out);

	/* The latest GroupInfo of a group; NOT_FOUND. */
	int (*groupinfo_put)(struct store *s, struct kenh_span group_id, uint64_t epoch,
	                     struct kenh_span gi);
	int (*groupinfo_get)(struct store *s, struct kenh_span group_id, uint64_t *epoch,
	                     struct store_buf *out);

	/*
	 * Blobs: info (NOT_FOUND); append a chunk at offset (the first chunk
	 * creates the blob with its owner and total; STATE if offset is not
	 * the stored size, PERM if owner differs, EXISTS if total differs,
	 * TOO_LARGE past total); read up to max bytes at offset.
	 */
	int (*blob_info)(struct store *s, struct kenh_span id, struct store_blob *out);
	int (*blob_append)(struct store *s, struct kenh_span id, const char *owner, uint64_t total,
	                   uint64_t offset, struct kenh_span chunk);
	int (*blob_read)(struct store *s, struct kenh_span id, uint64_t offset, size_t max,
	                 struct store_buf *out);

	/* CRLs: the latest per issuer (issuer "" is the root). */
	int (*crl_put)(struct store *s, const char *issuer, uint64_t number, struct kenh_span der);
	int (*crl_list)(struct store *s, store_crl_fn *cb, void *arg);

	/*
	 * Enrollment requests: add (EXISTS for a ticket in use), list the
	 * pending ones (neither issued nor refused), issue (NOT_FOUND), refuse
	 * with a reason 1..255 (NOT_FOUND if unknown, EXISTS if issued or
	 * refused already), fetch the certificate (NOT_FOUND if unknown, STATE
	 * while pending, PERM with *refused = the reason if refused).
	 */
	int (*enroll_add)(struct store *s, struct kenh_span ticket, struct kenh_span csr,
	                  uint64_t now);
	int (*enroll_list)(struct store *s, size_t max, store_enroll_fn *cb, void *arg);
	int (*enroll_issue)(struct store *s, struct kenh_span ticket, struct kenh_span cert);
	int (*enroll_reject)(struct store *s, struct kenh_span ticket, uint8_t reason);
	int (*enroll_fetch)(struct store *s, struct kenh_span ticket, struct store_buf *out,
	                    uint8_t *refused);
	/* The request of a pending ticket: NOT_FOUND if unknown, EXISTS if issued or refused. */
	int (*enroll_csr)(struct store *s, struct kenh_span ticket, struct store_buf *out);
	/*
	 * Renewals (RENEW_SUBMIT): add a pending request of device under
	 * ticket (EXISTS for a ticket in use or when the device already has
	 * one pending); the device of a renewal ticket into device (devlen
	 * bytes, NUL-terminated): NOT_FOUND if the ticket is unknown or not a
	 * renewal, EXISTS if issued or refused already. The other enrollment
	 * calls (list, issue, reject) take renewals as well.
	 */
	int (*renew_add)(struct store *s, struct kenh_span ticket, struct kenh_span csr,
	                 const char *device, uint64_t now);
	int (*renew_device)(struct store *s, struct kenh_span ticket, char *device, size_t devlen);

	/*
	 * Retention (docs/protocol.md §9): delete log entries every cursor has
	 * passed, and log, inbox (but wipe orders and certificates) and enrollment entries older
	 * than now - max_age. *deleted counts the rows removed.
	 */
	int (*retention)(struct store *s, uint64_t now, uint64_t max_age, uint64_t *deleted);

	/*
	 * Optional: NULL for a backend that one relay alone uses (SQLite).
	 * watch_fd: a descriptor that becomes readable when other relays
	 * committed changes (it may change after watch_read); watch_read:
	 * cb for each change announced since the last call, the relay's own
	 * left out. Both only on the loop thread: they use a connection of
	 * their own, outside the transaction, while the worker commits.
	 */
	int (*watch_fd)(struct store *s, int *fd);
	int (*watch_read)(struct store *s, store_change_fn *cb, void *arg);
};

/* The SQLite backend (store_sqlite.c). */
extern const struct store_ops store_sqlite_ops;
/* The PostgreSQL backend (store_pg.c): several relays over one database. */
extern const struct store_ops store_pg_ops;

/* The backend named name ("sqlite", "postgresql"), or NULL. */
const struct store_ops *store_ops_find(const char *name);

#endif /* KENH_KENHD_STORE_H */
