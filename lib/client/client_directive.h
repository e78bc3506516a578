/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Directive bookkeeping (DESIGN §7, docs/directives.md): from the items of
 * a group (who sent what), derive one directive's progress table: for
 * each assignee, whether and when they acknowledged, their latest report,
 * and whether they are overdue at a given time. The function is pure: no
 * clock (now is passed in), no store, no I/O, so every member's device,
 * given the same items in any order and with any duplicates, produces the
 * same table, byte for byte once encoded (client_progress_encode).
 *
 * The rules, in short (docs/directives.md gives them in full):
 *   - the directive is the valid directive item whose content id is the
 *     one asked for; among several such items (a replay with other bytes),
 *     the one with the smallest (sent_at, encoding) wins;
 *   - assignees are users. A user assignee is that user. A unit assignee
 *     is every user of the group, at the epoch the directive was sent in,
 *     whose unit is the unit or lies under it, except the issuer. The
 *     caller passes that roster with the directive item;
 *   - an acknowledgement or report counts only if it is valid and comes
 *     from an assignee (by user name); a report also acknowledges;
 *   - acknowledged at = the earliest sent_at of that user's acks and
 *     reports; the latest report is the one with the largest (sent_at,
 *     content id);
 *   - overdue = the directive has a deadline, now is past it, and the
 *     latest report is not "done".
 * Each of these is a minimum or maximum over a total order, so arrival
 * order and duplicates cannot change the result.
 */
#ifndef KENH_CLIENT_CLIENT_DIRECTIVE_H
#define KENH_CLIENT_CLIENT_DIRECTIVE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/client_content.h"
#include "kenh/err.h"
#include "util/util.h"

/* A member of the group as its credential names it (one entry per device is fine). */
struct client_member {
	struct kenh_span user;
	struct kenh_span unit;
};

/* One item of a group's history; every span is borrowed (see client_progress_build). */
struct client_item {
	struct kenh_span user;    /* the sender's user name, from its MLS credential */
	struct kenh_span unit;    /* the sender's unit path, from the same */
	struct kenh_span content; /* the AppContent as received (client_content.h) */
	/* For directive items: the group's members in the epoch the item was sent in. */
	const struct client_member *roster;
	size_t nroster;
};

/* One assignee's line of the table. Spans borrow from the items. */
struct client_progress_row {
	struct kenh_span user;
	struct kenh_span unit; /* from the roster; empty for a named user not in it */
	bool acknowledged;
	uint64_t ack_at;
	bool reported; /* the fields below describe the latest report */
	uint64_t report_at;
	uint8_t report_id[CLIENT_ID_LEN];
	struct kenh_span report_content; /* the latest report's AppContent, as received */
	enum client_report_status status;
	uint8_t percent;
	struct kenh_span text;
	bool overdue;
};

/* A directive's progress table; rows sorted by user name (bytewise). */
struct client_progress {
	uint8_t directive_id[CLIENT_ID_LEN];
	struct kenh_span issuer_user, issuer_unit, title;
	uint64_t issued_at;
	bool has_deadline;
	uint64_t deadline;
	enum client_priority priority;
	uint64_t now;
	size_t nrows;
	struct client_progress_row *rows; /* owned */
};

/* Most rows a table can have: the roster bound plus every named user. */
#define CLIENT_PROGRESS_MAX_ROWS (65536u + CLIENT_MAX_ASSIGNEES)

/*
 * Build the table of directive directive_id from items[0..n-1], at time
 * now. The table borrows from the items (their spans and the buffers
 * behind them must outlive it); release it with client_progress_clear.
 * Items that do not decode, break the content rules or concern other
 * directives are skipped. KENH_E_NOT_FOUND if no valid directive item has
 * that id; KENH_E_TOO_LARGE if the expansion passes
 * CLIENT_PROGRESS_MAX_ROWS; KENH_E_NOMEM. out is cleared at entry.
 */
KENH_MUST_CHECK int client_progress_build(const struct client_item *items, size_t n,
                                          const uint8_t *directive_id, uint64_t now,
                                          struct client_progress *out);

/* Free the rows and zero the struct. p may be NULL. */
void client_progress_clear(struct client_progress *p);

/*
 * The table's canonical encoding (docs/directives.md "Table encoding"),
 * for comparing devices and for tests: *out (mem_free) and *outlen.
 */
KENH_MUST_CHECK int client_progress_encode(const struct client_progress *p, uint8_t **out,
                                           size_t *outlen);

#endif /* KENH_CLIENT_CLIENT_DIRECTIVE_H */
