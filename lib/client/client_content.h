/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Application content (DESIGN §4.6, §7): what an MLS application message
 * carries between Kenh clients, in the TLS presentation language with
 * lib/codec. docs/content.md has the full definition; in short:
 *
 *   struct {
 *       uint16 version = 1;
 *       ContentType content_type;          (uint16)
 *       opaque content_id[16];             (random, names this item)
 *       uint64 sent_at;                    (sender's clock, Unix seconds)
 *       select (content_type) { Text | FileRef | Directive |
 *                               Acknowledgement | Report | Receipt } body;
 *   } AppContent;
 *
 * A directive's id is its content_id. Decoding (client_content_decode)
 * checks syntax only: lengths against the limits below, enum ranges,
 * fixed sizes, nothing left over. client_content_validate applies the
 * rules (valid UTF-8 without control characters, valid unit paths and user
 * names, percent at most 100, non-empty titles, no duplicate assignee, a
 * sane chunk size). Encoding validates first, so we never send what we
 * would refuse. The encoding is canonical: decode then encode gives the
 * same bytes, which the evidence signatures rely on (client_evidence.h).
 *
 * Decoded byte strings are views into the input (STYLE R4.2): the struct
 * is valid as long as the input buffer. The fixed-size fields (ids, file
 * keys, hashes) are copied in; file keys are secrets, so a struct that
 * held one is released with client_content_clear. Nothing here allocates
 * except the encoder's output.
 */
#ifndef KENH_CLIENT_CLIENT_CONTENT_H
#define KENH_CLIENT_CLIENT_CONTENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"
#include "util/util.h"

#define CLIENT_CONTENT_VERSION 1

/* Limits (STYLE R6.3); docs/content.md gives the reasons. */
#define CLIENT_CONTENT_MAX     (1u << 20)  /* one encoded AppContent (= LIMIT_APPLICATION_DATA) */
#define CLIENT_MAX_TEXT        (64u << 10) /* message text, directive body, report text */
#define CLIENT_MAX_TITLE       256u
#define CLIENT_MAX_BLOB_ID     64u
#define CLIENT_MAX_FILE_NAME   255u
#define CLIENT_MAX_MEDIA_TYPE  127u
#define CLIENT_MAX_NAME        64u /* an assignee: unit path or user name (pki.h limits) */
#define CLIENT_MAX_ASSIGNEES   64u
#define CLIENT_MAX_ATTACHMENTS 16u
#define CLIENT_MAX_RECEIPT_IDS 256u
#define CLIENT_MIN_CHUNK       4096u
#define CLIENT_MAX_CHUNK       (16u << 20)

#define CLIENT_ID_LEN       16 /* content ids, directive ids */
#define CLIENT_FILE_KEY_LEN 32 /* AES-256-GCM (client_filecrypt.h) */
#define CLIENT_HASH_LEN     32 /* SHA-256 */

/* Wire values are stable (docs/content.md). */
enum client_content_type {
	CLIENT_CONTENT_TEXT = 1,
	CLIENT_CONTENT_FILE = 2,
	CLIENT_CONTENT_DIRECTIVE = 3,
	CLIENT_CONTENT_ACK = 4,
	CLIENT_CONTENT_REPORT = 5,
	CLIENT_CONTENT_RECEIPT = 6,
};
#define CLIENT_CONTENT_TYPE_LAST CLIENT_CONTENT_RECEIPT

enum client_priority {
	CLIENT_PRIORITY_LOW = 1,
	CLIENT_PRIORITY_NORMAL = 2,
	CLIENT_PRIORITY_HIGH = 3,
	CLIENT_PRIORITY_URGENT = 4,
};
#define CLIENT_PRIORITY_LAST CLIENT_PRIORITY_URGENT

enum client_assignee_kind {
	CLIENT_ASSIGNEE_UNIT = 1, /* every member of the unit subtree (client_directive.h) */
	CLIENT_ASSIGNEE_USER = 2,
};
#define CLIENT_ASSIGNEE_LAST CLIENT_ASSIGNEE_USER

enum client_report_status {
	CLIENT_STATUS_IN_PROGRESS = 1,
	CLIENT_STATUS_DONE = 2,
	CLIENT_STATUS_BLOCKED = 3,
	CLIENT_STATUS_UNABLE = 4, /* the assignee cannot carry it out */
};
#define CLIENT_STATUS_LAST CLIENT_STATUS_UNABLE

enum client_receipt_kind {
	CLIENT_RECEIPT_DELIVERED = 1,
	CLIENT_RECEIPT_READ = 2,
};
#define CLIENT_RECEIPT_LAST CLIENT_RECEIPT_READ

/* A file: sent alone (CLIENT_CONTENT_FILE) or attached to a directive or report. */
struct client_file {
	struct kenh_span blob_id;         /* the relay's blob name, 1..CLIENT_MAX_BLOB_ID */
	struct kenh_span name;            /* UTF-8 file name, 1..CLIENT_MAX_FILE_NAME, no '/' */
	uint64_t size;                    /* bytes of plaintext */
	struct kenh_span media_type;      /* "type/subtype", may be empty */
	uint8_t key[CLIENT_FILE_KEY_LEN]; /* secret: the per-file key */
	uint32_t chunk_size;
	uint8_t hash[CLIENT_HASH_LEN]; /* SHA-256 of the plaintext */
};

struct client_assignee {
	enum client_assignee_kind kind;
	struct kenh_span name; /* a unit path or a user name */
};

struct client_text {
	struct kenh_span text;
};

struct client_directive {
	struct kenh_span title;
	struct kenh_span body;
	bool has_deadline; /* optional<uint64> on the wire */
	uint64_t deadline; /* Unix seconds */
	enum client_priority priority;
	size_t nassignees;
	struct client_assignee assignees[CLIENT_MAX_ASSIGNEES];
	size_t nattachments;
	struct client_file attachments[CLIENT_MAX_ATTACHMENTS];
};

struct client_ack {
	uint8_t directive_id[CLIENT_ID_LEN];
};

struct client_report {
	uint8_t directive_id[CLIENT_ID_LEN];
	enum client_report_status status;
	uint8_t percent; /* 0..100 */
	struct kenh_span text;
	size_t nattachments;
	struct client_file attachments[CLIENT_MAX_ATTACHMENTS];
};

struct client_receipt {
	enum client_receipt_kind kind;
	struct kenh_span ids; /* n * CLIENT_ID_LEN bytes: the content ids acknowledged */
};

struct client_content {
	enum client_content_type type;
	uint8_t id[CLIENT_ID_LEN];
	uint64_t sent_at;
	union {
		struct client_text text;
		struct client_file file;
		struct client_directive directive;
		struct client_ack ack;
		struct client_report report;
		struct client_receipt receipt;
	} u;
};

/*
 * Decode one AppContent from in (views into in; out cleared at entry and
 * on failure). Errors: KENH_E_TRUNCATED (input ends early),
 * KENH_E_TRAILING, KENH_E_PARSE (non-minimal varint, a value outside its
 * enum, a receipt id list that is not whole ids), KENH_E_TOO_LARGE (a
 * length or count over its limit, or in over CLIENT_CONTENT_MAX),
 * KENH_E_UNSUPPORTED (another version or an unknown content type: a newer
 * peer, to be shown as such rather than refused as malformed).
 */
KENH_MUST_CHECK int client_content_decode(struct kenh_span in, struct client_content *out);

/*
 * Apply the content rules (docs/content.md "Rules") to a decoded or
 * hand-built struct: KENH_E_PROTO naming no detail beyond the debug trace,
 * or KENH_E_INVALID_ARG for a type outside the enum.
 */
KENH_MUST_CHECK int client_content_validate(const struct client_content *c);

/*
 * Validate then encode c. On success *out (sec_free(*out, *outlen): it may
 * hold file keys and plaintext) and *outlen. Errors: those of validate,
 * KENH_E_TOO_LARGE over CLIENT_CONTENT_MAX, KENH_E_NOMEM.
 */
KENH_MUST_CHECK int client_content_encode(const struct client_content *c, uint8_t **out,
                                          size_t *outlen);

/* Wipe the whole struct (it may hold file keys). c may be NULL. */
void client_content_clear(struct client_content *c);

/* Number of content ids in a receipt. */
size_t client_receipt_count(const struct client_receipt *r);

#endif /* KENH_CLIENT_CLIENT_CONTENT_H */
