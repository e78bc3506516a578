/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The relay protocol kenh/1 (docs/protocol.md): frame headers, the
 * response status, and every request, response and push body, encoded with
 * lib/codec in the TLS presentation language. No I/O and no policy: the
 * relay (kenhd/) and the clients decide what a message means; this module
 * only turns bytes into structs and back.
 *
 * Each message is described by a const table of fields (struct proto_desc)
 * and goes through one generic decoder and one generic encoder (STYLE
 * R12.3: tables instead of a function per struct). A message struct holds
 * views (struct kenh_span) into the decoded buffer (R4.2) and, for list
 * fields, an array the decoder allocated, released by proto_msg_clear().
 * Lists hold flat elements only, so decoding never nests deeper than two
 * levels whatever the input (R12.5).
 */
#ifndef KENH_PROTO_PROTO_H
#define KENH_PROTO_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"
#include "util/util.h"

struct codec_reader;
struct codec_writer;

/* docs/protocol.md §2: the 10-byte frame header. */
#define PROTO_HEADER_LEN   10
#define PROTO_RESPONSE_BIT 0x8000u /* response type = request type | this bit */
#define PROTO_PUSH_FIRST   0x4000u /* first push type */
#define PROTO_REQUEST_LAST 0x3fffu /* last request type */

/* docs/protocol.md §5: frame types (requests, then pushes). */
enum proto_type {
	PROTO_PING = 0x0001,
	PROTO_ENROLL_SUBMIT = 0x0002,
	PROTO_ENROLL_FETCH = 0x0003,
	PROTO_KP_UPLOAD = 0x0010,
	PROTO_KP_CLAIM = 0x0011,
	PROTO_DIR_LOOKUP = 0x0012,
	PROTO_RENEW_SUBMIT = 0x0013,
	PROTO_GROUP_CREATE = 0x0020,
	PROTO_HANDSHAKE = 0x0021,
	PROTO_APP_SEND = 0x0022,
	PROTO_GROUPINFO_GET = 0x0023,
	PROTO_FETCH = 0x0030,
	PROTO_ACK = 0x0031,
	PROTO_BLOB_PUT = 0x0040,
	PROTO_BLOB_GET = 0x0041,
	PROTO_CRL_UPLOAD = 0x0050,
	PROTO_ENROLL_LIST = 0x0051,
	PROTO_ENROLL_ISSUE = 0x0052,
	PROTO_ENROLL_REJECT = 0x0053,
	PROTO_WIPE_SEND = 0x0054,
	PROTO_CRL_GET = 0x0055,
	PROTO_PUSH_DELIVERY = 0x4001,
	PROTO_PUSH_CRL = 0x4002,
};

/* docs/protocol.md §4: DeliveryKind. */
enum proto_delivery_kind {
	PROTO_DELIVERY_GROUP = 1,
	PROTO_DELIVERY_INBOX = 2,
	PROTO_DELIVERY_WIPE = 3,
	PROTO_DELIVERY_CERT = 4, /* a renewed device certificate (RENEW_SUBMIT) */
};

/* docs/protocol.md §5 ENROLL_LIST: what a pending request asks for. */
enum proto_enroll_kind {
	PROTO_ENROLL_NEW = 1,   /* a first certificate, bound to an enrollment code */
	PROTO_ENROLL_RENEW = 2, /* a renewal from an enrolled device (RENEW_SUBMIT) */
};

/* docs/protocol.md §5 ENROLL_REJECT: why the authority refused a request. */
enum proto_enroll_refusal {
	PROTO_REFUSED_BY_AUTHORITY = 1, /* reviewed and rejected (kenh-admin reject) */
	PROTO_REFUSED_UNKNOWN_CODE = 2, /* no such enrollment code */
	PROTO_REFUSED_CODE_USED = 3,
	PROTO_REFUSED_CODE_EXPIRED = 4,
	PROTO_REFUSED_CODE_MISMATCH = 5, /* the code was made for another user or unit */
	PROTO_REFUSED_BAD_REQUEST = 6,   /* the request or its binding does not verify */
	PROTO_REFUSED_TOO_MANY = 7,      /* too many refused attempts: try again later */
};

/* Field limits of docs/protocol.md §4-§5. */
#define PROTO_MAX_DEVICE_NAME 255
#define PROTO_MAX_UNIT        64
#define PROTO_MAX_BLOB_ID     64
#define PROTO_MIN_BLOB_ID     16
#define PROTO_MAX_CHUNK       (256u << 10)
#define PROTO_TICKET_LEN      16
#define PROTO_MAX_CSR         8192
#define PROTO_MAX_CERT        16384
#define PROTO_MAX_CRL         (4u << 20)
#define PROTO_MAX_KP_UPLOAD   256  /* one-time KeyPackages in one upload */
#define PROTO_MAX_DIR_ENTRIES 4096 /* devices in one directory answer */
#define PROTO_MAX_DELIVERIES  1024 /* entries in one fetch answer */
#define PROTO_MAX_ACKS        1024 /* entries in one ack */
#define PROTO_MAX_ENROLL_LIST 1024 /* pending requests in one answer */
#define PROTO_MAX_WIPE_ORDER  256  /* a wipe order is at most 170 bytes (docs/pki.md) */
#define PROTO_MAX_CRLS        4096 /* CRLs, or CA certificates, in one CrlSet (CRYPTO_PKI_MAX_TRUST) */

/* A decoded frame header. */
struct proto_header {
	uint32_t length; /* body bytes */
	uint16_t type;
	uint32_t request_id;
};

/*
 * Decode the 10-byte header at p (len bytes available). KENH_E_TRUNCATED
 * if len < PROTO_HEADER_LEN. Any length and type are returned as read:
 * the caller applies its state's limits (docs/protocol.md §2, §7).
 */
KENH_MUST_CHECK int proto_header_decode(const uint8_t *p, size_t len, struct proto_header *out);

/* Write the 10-byte header of h into out. */
void proto_header_encode(const struct proto_header *h, uint8_t out[static PROTO_HEADER_LEN]);

/* True for a request type a client may send (1..PROTO_REQUEST_LAST). */
bool proto_type_is_request(uint16_t type);

/* Field kinds of a message table. */
enum proto_field_kind {
	PROTO_F_U8 = 1,       /* uint8_t, range min..max (an enum) */
	PROTO_F_U16 = 2,      /* uint16_t */
	PROTO_F_U32 = 3,      /* uint32_t */
	PROTO_F_U64 = 4,      /* uint64_t */
	PROTO_F_BOOL = 5,     /* bool from a uint8 that must be 0 or 1 */
	PROTO_F_OPAQUE = 6,   /* struct kenh_span: opaque<V> of min..max bytes */
	PROTO_F_OPTIONAL = 7, /* struct proto_opt: optional<opaque<V>> of min..max bytes */
	PROTO_F_LIST = 8,     /* array + count: vector<V> of elem, at most max entries */
};

struct proto_desc;

/* One field: where it lives in the struct, and its limits. */
struct proto_field {
	enum proto_field_kind kind;
	size_t offset;       /* of the value; for a list, of the array pointer */
	size_t count_offset; /* list only: of the size_t count */
	size_t min;          /* U8: smallest value; OPAQUE/OPTIONAL: fewest bytes */
	size_t max;          /* U8: largest value; OPAQUE/OPTIONAL: most bytes; LIST: entries */
	const struct proto_desc *elem; /* list only: the element (flat: no list inside) */
};

/* A message (or list element) layout. */
struct proto_desc {
	const char *name;
	size_t size; /* sizeof the struct */
	const struct proto_field *fields;
	size_t nfields;
};

/* optional<opaque<V>>. */
struct proto_opt {
	bool present;
	struct kenh_span v;
};

/* ---- messages (docs/protocol.md §5); each has a proto_desc_<name> ---- */

struct proto_ping {
	uint64_t nonce;
};

struct proto_kp_upload {
	struct kenh_span *key_packages;
	size_t n_key_packages;
	struct proto_opt last_resort;
};

struct proto_kp_upload_resp {
	uint32_t stored;
};

struct proto_kp_claim {
	struct kenh_span device;
};

struct proto_kp_claim_resp {
	struct kenh_span key_package;
	bool last_resort;
};

struct proto_dir_lookup {
	struct kenh_span unit;
};

struct proto_dir_entry {
	struct kenh_span device;
	uint32_t key_packages;
	bool has_last_resort;
};

struct proto_dir_lookup_resp {
	struct proto_dir_entry *devices;
	size_t n_devices;
};

struct proto_group_create {
	struct kenh_span group_id;
	uint16_t cipher_suite;
};

struct proto_epoch_resp {
	uint64_t epoch;
};

struct proto_handshake {
	struct kenh_span message;
	struct proto_opt welcome;
	struct proto_opt group_info;
};

struct proto_handshake_resp {
	uint64_t epoch;
	uint64_t seq;
};

struct proto_app_send {
	struct kenh_span message;
};

struct proto_seq_resp {
	uint64_t seq;
};

struct proto_group_ref {
	struct kenh_span group_id;
};

struct proto_groupinfo_resp {
	uint64_t epoch;
	struct kenh_span group_info;
};

struct proto_fetch {
	uint32_t max_entries;
};

struct proto_delivery {
	uint8_t kind; /* enum proto_delivery_kind */
	struct kenh_span group_id;
	uint64_t seq;
	struct kenh_span message;
};

struct proto_fetch_resp {
	struct proto_delivery *entries;
	size_t n_entries;
	bool more;
};

struct proto_ack_entry {
	uint8_t kind; /* enum proto_delivery_kind */
	struct kenh_span group_id;
	uint64_t seq;
};

struct proto_ack {
	struct proto_ack_entry *acks;
	size_t n_acks;
};

/* A body with no field (AckResponse, EnrollList, EnrollIssueResponse). */
struct proto_empty {
	uint8_t unused; /* C has no empty struct */
};

struct proto_blob_put {
	struct kenh_span blob_id;
	uint64_t total_size;
	uint64_t offset;
	struct kenh_span chunk;
};

struct proto_blob_put_resp {
	uint64_t stored;
};

struct proto_blob_get {
	struct kenh_span blob_id;
	uint64_t offset;
	uint32_t max;
};

struct proto_blob_get_resp {
	uint64_t total_size;
	bool complete;
	struct kenh_span chunk;
};

struct proto_crl_upload {
	struct kenh_span crl;
};

struct proto_crl_upload_resp {
	uint64_t crl_number;
	uint32_t revoked;
};

struct proto_enroll_submit {
	struct kenh_span csr;
};

/* EnrollSubmitResponse and EnrollFetch. */
struct proto_ticket {
	struct kenh_span ticket;
};

struct proto_certificate {
	struct kenh_span certificate;
};

struct proto_enroll_entry {
	struct kenh_span ticket;
	struct kenh_span csr;
	uint8_t kind;            /* enum proto_enroll_kind */
	struct kenh_span device; /* renew: the requesting device's name; enroll: empty */
};

struct proto_enroll_list_resp {
	struct proto_enroll_entry *pending;
	size_t n_pending;
};

struct proto_enroll_issue {
	struct kenh_span ticket;
	struct kenh_span certificate;
};

struct proto_enroll_reject {
	struct kenh_span ticket;
	uint8_t reason; /* enum proto_enroll_refusal */
};

/* RenewSubmit: exactly one of the two (a device's request, or the authority's certificate). */
struct proto_renew_submit {
	struct proto_opt csr;
	struct proto_opt certificate;
};

struct proto_wipe_send {
	struct kenh_span device;
	struct kenh_span order;
};

/* CrlHeld: the cRLNumber a client holds for one issuer (unit path, "" for the root). */
struct proto_crl_held {
	struct kenh_span issuer;
	uint64_t number;
};

struct proto_crl_get {
	struct proto_crl_held *held;
	size_t n_held;
};

/* CrlSet: the CRL_GET response and the PUSH_CRL body (DER CRLs, DER unit CA certificates). */
struct proto_crl_set {
	struct kenh_span *crls;
	size_t n_crls;
	struct kenh_span *cas;
	size_t n_cas;
};

extern const struct proto_desc proto_desc_ping;
extern const struct proto_desc proto_desc_kp_upload;
extern const struct proto_desc proto_desc_kp_upload_resp;
extern const struct proto_desc proto_desc_kp_claim;
extern const struct proto_desc proto_desc_kp_claim_resp;
extern const struct proto_desc proto_desc_dir_lookup;
extern const struct proto_desc proto_desc_dir_entry;
extern const struct proto_desc proto_desc_dir_lookup_resp;
extern const struct proto_desc proto_desc_group_create;
extern const struct proto_desc proto_desc_epoch_resp;
extern const struct proto_desc proto_desc_handshake;
extern const struct proto_desc proto_desc_handshake_resp;
extern const struct proto_desc proto_desc_app_send;
extern const struct proto_desc proto_desc_seq_resp;
extern const struct proto_desc proto_desc_group_ref;
extern const struct proto_desc proto_desc_groupinfo_resp;
extern const struct proto_desc proto_desc_fetch;
extern const struct proto_desc proto_desc_delivery;
extern const struct proto_desc proto_desc_fetch_resp;
extern const struct proto_desc proto_desc_ack_entry;
extern const struct proto_desc proto_desc_ack;
extern const struct proto_desc proto_desc_empty;
extern const struct proto_desc proto_desc_blob_put;
extern const struct proto_desc proto_desc_blob_put_resp;
extern const struct proto_desc proto_desc_blob_get;
extern const struct proto_desc proto_desc_blob_get_resp;
extern const struct proto_desc proto_desc_crl_upload;
extern const struct proto_desc proto_desc_crl_upload_resp;
extern const struct proto_desc proto_desc_enroll_submit;
extern const struct proto_desc proto_desc_ticket;
extern const struct proto_desc proto_desc_certificate;
extern const struct proto_desc proto_desc_enroll_entry;
extern const struct proto_desc proto_desc_enroll_list_resp;
extern const struct proto_desc proto_desc_enroll_issue;
extern const struct proto_desc proto_desc_enroll_reject;
extern const struct proto_desc proto_desc_renew_submit;
extern const struct proto_desc proto_desc_renew_submit_resp;
extern const struct proto_desc proto_desc_wipe_send;
extern const struct proto_desc proto_desc_wipe_send_resp;
extern const struct proto_desc proto_desc_crl_held;
extern const struct proto_desc proto_desc_crl_get;
extern const struct proto_desc proto_desc_crl_set;

/* Every message table above, for tests and the fuzz target. */
extern const struct proto_desc *const proto_all_descs[];
extern const size_t proto_n_descs;

/*
 * Decode one message described by d from r into out (a struct of d->size
 * bytes; outsize must equal it: a mismatch is a programming error and
 * aborts). Syntax only (R6.4). Views point into r's buffer; list arrays
 * are allocated and owned by out (proto_msg_clear). *out is zeroed at
 * entry and on failure. Does not check that r is exhausted. Errors: the
 * reader's sticky error (TRUNCATED, PARSE for a presence byte or a bool
 * other than 0/1 or a u8 out of range, TOO_LARGE over a max, or a length
 * under a min), KENH_E_NOMEM.
 */
KENH_MUST_CHECK int proto_msg_read(struct codec_reader *r, const struct proto_desc *d, void *out,
                                   size_t outsize);

/* As proto_msg_read over a whole body: KENH_E_TRAILING if bytes are left. */
KENH_MUST_CHECK int proto_msg_decode(const struct proto_desc *d, const uint8_t *body, size_t len,
                                     void *out, size_t outsize);

/*
 * Append the message in (described by d) to w. KENH_E_INVALID_ARG for a
 * value outside its field's limits (so an encoder never writes what the
 * decoder would refuse), else the writer's sticky error.
 */
KENH_MUST_CHECK int proto_msg_encode(struct codec_writer *w, const struct proto_desc *d,
                                     const void *in);

/* Free the list arrays of msg and zero it; accepts a zeroed struct. */
void proto_msg_clear(const struct proto_desc *d, void *msg);

/*
 * Frames. proto_frame_begin appends a header with a zero length and
 * returns its position in *mark; proto_frame_end patches the length once
 * the body is written (KENH_E_TOO_LARGE above LIMIT_FRAME). In a measure
 * writer only the sizes are counted.
 */
KENH_MUST_CHECK int proto_frame_begin(struct codec_writer *w, uint16_t type, uint32_t request_id,
                                      size_t *mark);
KENH_MUST_CHECK int proto_frame_end(struct codec_writer *w, size_t mark);

/* A whole frame: header, then the message in described by d. */
KENH_MUST_CHECK int proto_frame_encode(struct codec_writer *w, uint16_t type, uint32_t request_id,
                                       const struct proto_desc *d, const void *in);

/* A success response to request type: status 0, then the message (d may be NULL: no body). */
KENH_MUST_CHECK int proto_response_encode(struct codec_writer *w, uint16_t request_type,
                                          uint32_t request_id, const struct proto_desc *d,
                                          const void *in);

/*
 * An error response: status -code (code is a negative KENH_E_*), then
 * detail (docs/protocol.md §2.1). KENH_E_INVALID_ARG if code is not a
 * negative error code.
 */
KENH_MUST_CHECK int proto_error_encode(struct codec_writer *w, uint16_t request_type,
                                       uint32_t request_id, int code, uint64_t detail);

/*
 * Read a response's status (docs/protocol.md §2.1). Status 0: *detail is 0
 * and r is left at the body. Otherwise *status is the wire value (an
 * unknown one is returned as read) and *detail the detail, and r must be
 * exhausted (KENH_E_TRAILING if not). Errors are the reader's.
 */
KENH_MUST_CHECK int proto_status_read(struct codec_reader *r, uint16_t *status, uint64_t *detail);

#endif /* KENH_PROTO_PROTO_H */
