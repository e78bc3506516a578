/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The field tables of every kenh/1 message (docs/protocol.md §4-§5): one
 * proto_desc per request, response and push body, in the order of the
 * document. Limits come from proto.h and codec/limits.h; a table is the
 * whole definition of its struct's wire form.
 */
#include "proto/proto.h"

#include "util/compat.h"

#include <stddef.h>

#include "codec/limits.h"

#define NF(a) (sizeof(a) / sizeof((a)[0]))
#define INT(k, T, m)                                                                               \
	{                                                                                          \
		.kind = (k), .offset = offsetof(T, m)                                              \
	}
#define ENUM8(T, m, lo, hi)                                                                        \
	{                                                                                          \
		.kind = PROTO_F_U8, .offset = offsetof(T, m), .min = (lo), .max = (hi)             \
	}
#define OPAQUE(T, m, lo, hi)                                                                       \
	{                                                                                          \
		.kind = PROTO_F_OPAQUE, .offset = offsetof(T, m), .min = (lo), .max = (hi)         \
	}
#define OPTIONAL(T, m, lo, hi)                                                                     \
	{                                                                                          \
		.kind = PROTO_F_OPTIONAL, .offset = offsetof(T, m), .min = (lo), .max = (hi)       \
	}
#define LIST(T, m, n, hi, e)                                                                       \
	{                                                                                          \
		.kind = PROTO_F_LIST, .offset = offsetof(T, m), .count_offset = offsetof(T, n),    \
		.max = (hi), .elem = (e)                                                           \
	}
#define DESC(name, T, f)                                                                           \
	{                                                                                          \
		name, sizeof(T), f, NF(f)                                                          \
	}

static const struct proto_field f_ping[] = { INT(PROTO_F_U64, struct proto_ping, nonce) };
const struct proto_desc proto_desc_ping = DESC("Ping", struct proto_ping, f_ping);

/* A list element that is one opaque MLSMessage (KeyPackageUpload.key_packages). */
static const struct proto_field f_mls_bytes[] = {
	{ .kind = PROTO_F_OPAQUE, .offset = 0, .min = 1, .max = LIMIT_MLS_MESSAGE }
};
static const struct proto_desc desc_mls_bytes = { "MLSMessageBytes", sizeof(struct kenh_span),
	                                          f_mls_bytes, NF(f_mls_bytes) };

static const struct proto_field f_kp_upload[] = {
	LIST(struct proto_kp_upload, key_packages, n_key_packages, PROTO_MAX_KP_UPLOAD,
	     &desc_mls_bytes),
	OPTIONAL(struct proto_kp_upload, last_resort, 1, LIMIT_MLS_MESSAGE),
};
const struct proto_desc proto_desc_kp_upload =
        DESC("KeyPackageUpload", struct proto_kp_upload, f_kp_upload);

static const struct proto_field f_kp_upload_resp[] = {
	INT(PROTO_F_U32, struct proto_kp_upload_resp, stored),
};
const struct proto_desc proto_desc_kp_upload_resp =
        DESC("KeyPackageUploadResponse", struct proto_kp_upload_resp, f_kp_upload_resp);

static const struct proto_field f_kp_claim[] = {
	OPAQUE(struct proto_kp_claim, device, 1, PROTO_MAX_DEVICE_NAME),
};
const struct proto_desc proto_desc_kp_claim =
        DESC("KeyPackageClaim", struct proto_kp_claim, f_kp_claim);

static const struct proto_field f_kp_claim_resp[] = {
	OPAQUE(struct proto_kp_claim_resp, key_package, 1, LIMIT_MLS_MESSAGE),
	INT(PROTO_F_BOOL, struct proto_kp_claim_resp, last_resort),
};
const struct proto_desc proto_desc_kp_claim_resp =
        DESC("KeyPackageClaimResponse", struct proto_kp_claim_resp, f_kp_claim_resp);

static const struct proto_field f_dir_lookup[] = {
	OPAQUE(struct proto_dir_lookup, unit, 1, PROTO_MAX_UNIT),
};
const struct proto_desc proto_desc_dir_lookup =
        DESC("DirectoryLookup", struct proto_dir_lookup, f_dir_lookup);

static const struct proto_field f_dir_entry[] = {
	OPAQUE(struct proto_dir_entry, device, 1, PROTO_MAX_DEVICE_NAME),
	INT(PROTO_F_U32, struct proto_dir_entry, key_packages),
	INT(PROTO_F_BOOL, struct proto_dir_entry, has_last_resort),
};
const struct proto_desc proto_desc_dir_entry =
        DESC("DirectoryEntry", struct proto_dir_entry, f_dir_entry);

static const struct proto_field f_dir_lookup_resp[] = {
	LIST(struct proto_dir_lookup_resp, devices, n_devices, PROTO_MAX_DIR_ENTRIES,
	     &proto_desc_dir_entry),
};
const struct proto_desc proto_desc_dir_lookup_resp =
        DESC("DirectoryLookupResponse", struct proto_dir_lookup_resp, f_dir_lookup_resp);

static const struct proto_field f_group_create[] = {
	OPAQUE(struct proto_group_create, group_id, 1, LIMIT_GROUP_ID),
	INT(PROTO_F_U16, struct proto_group_create, cipher_suite),
};
const struct proto_desc proto_desc_group_create =
        DESC("GroupCreate", struct proto_group_create, f_group_create);

static const struct proto_field f_epoch_resp[] = {
	INT(PROTO_F_U64, struct proto_epoch_resp, epoch),
};
const struct proto_desc proto_desc_epoch_resp =
        DESC("GroupCreateResponse", struct proto_epoch_resp, f_epoch_resp);

static const struct proto_field f_handshake[] = {
	OPAQUE(struct proto_handshake, message, 1, LIMIT_MLS_MESSAGE),
	OPTIONAL(struct proto_handshake, welcome, 1, LIMIT_MLS_MESSAGE),
	OPTIONAL(struct proto_handshake, group_info, 1, LIMIT_MLS_MESSAGE),
};
const struct proto_desc proto_desc_handshake =
        DESC("HandshakeSubmit", struct proto_handshake, f_handshake);

static const struct proto_field f_handshake_resp[] = {
	INT(PROTO_F_U64, struct proto_handshake_resp, epoch),
	INT(PROTO_F_U64, struct proto_handshake_resp, seq),
};
const struct proto_desc proto_desc_handshake_resp =
        DESC("HandshakeResponse", struct proto_handshake_resp, f_handshake_resp);

static const struct proto_field f_app_send[] = {
	OPAQUE(struct proto_app_send, message, 1, LIMIT_MLS_MESSAGE),
};
const struct proto_desc proto_desc_app_send =
        DESC("ApplicationSubmit", struct proto_app_send, f_app_send);

static const struct proto_field f_seq_resp[] = { INT(PROTO_F_U64, struct proto_seq_resp, seq) };
const struct proto_desc proto_desc_seq_resp =
        DESC("ApplicationResponse", struct proto_seq_resp, f_seq_resp);

static const struct proto_field f_group_ref[] = {
	OPAQUE(struct proto_group_ref, group_id, 1, LIMIT_GROUP_ID),
};
const struct proto_desc proto_desc_group_ref =
        DESC("GroupInfoGet", struct proto_group_ref, f_group_ref);

static const struct proto_field f_groupinfo_resp[] = {
	INT(PROTO_F_U64, struct proto_groupinfo_resp, epoch),
	OPAQUE(struct proto_groupinfo_resp, group_info, 1, LIMIT_MLS_MESSAGE),
};
const struct proto_desc proto_desc_groupinfo_resp =
        DESC("GroupInfoResponse", struct proto_groupinfo_resp, f_groupinfo_resp);

static const struct proto_field f_fetch[] = { INT(PROTO_F_U32, struct proto_fetch, max_entries) };
const struct proto_desc proto_desc_fetch = DESC("Fetch", struct proto_fetch, f_fetch);

static const struct proto_field f_delivery[] = {
	ENUM8(struct proto_delivery, kind, PROTO_DELIVERY_GROUP, PROTO_DELIVERY_CERT),
	OPAQUE(struct proto_delivery, group_id, 1, LIMIT_GROUP_ID),
	INT(PROTO_F_U64, struct proto_delivery, seq),
	OPAQUE(struct proto_delivery, message, 1, LIMIT_MLS_MESSAGE),
};
const struct proto_desc proto_desc_delivery = DESC("Delivery", struct proto_delivery, f_delivery);

static const struct proto_field f_fetch_resp[] = {
	LIST(struct proto_fetch_resp, entries, n_entries, PROTO_MAX_DELIVERIES,
	     &proto_desc_delivery),
	INT(PROTO_F_BOOL, struct proto_fetch_resp, more),
};
const struct proto_desc proto_desc_fetch_resp =
        DESC("FetchResponse", struct proto_fetch_resp, f_fetch_resp);

static const struct proto_field f_ack_entry[] = {
	ENUM8(struct proto_ack_entry, kind, PROTO_DELIVERY_GROUP, PROTO_DELIVERY_CERT),
	OPAQUE(struct proto_ack_entry, group_id, 1, LIMIT_GROUP_ID),
	INT(PROTO_F_U64, struct proto_ack_entry, seq),
};
const struct proto_desc proto_desc_ack_entry =
        DESC("AckEntry", struct proto_ack_entry, f_ack_entry);

static const struct proto_field f_ack[] = {
	LIST(struct proto_ack, acks, n_acks, PROTO_MAX_ACKS, &proto_desc_ack_entry),
};
const struct proto_desc proto_desc_ack = DESC("Ack", struct proto_ack, f_ack);

const struct proto_desc proto_desc_empty = { "Empty", sizeof(struct proto_empty), NULL, 0 };

static const struct proto_field f_blob_put[] = {
	OPAQUE(struct proto_blob_put, blob_id, PROTO_MIN_BLOB_ID, PROTO_MAX_BLOB_ID),
	INT(PROTO_F_U64, struct proto_blob_put, total_size),
	INT(PROTO_F_U64, struct proto_blob_put, offset),
	OPAQUE(struct proto_blob_put, chunk, 1, PROTO_MAX_CHUNK),
};
const struct proto_desc proto_desc_blob_put = DESC("BlobPut", struct proto_blob_put, f_blob_put);

static const struct proto_field f_blob_put_resp[] = {
	INT(PROTO_F_U64, struct proto_blob_put_resp, stored),
};
const struct proto_desc proto_desc_blob_put_resp =
        DESC("BlobPutResponse", struct proto_blob_put_resp, f_blob_put_resp);

static const struct proto_field f_blob_get[] = {
	OPAQUE(struct proto_blob_get, blob_id, PROTO_MIN_BLOB_ID, PROTO_MAX_BLOB_ID),
	INT(PROTO_F_U64, struct proto_blob_get, offset),
	INT(PROTO_F_U32, struct proto_blob_get, max),
};
const struct proto_desc proto_desc_blob_get = DESC("BlobGet", struct proto_blob_get, f_blob_get);

static const struct proto_field f_blob_get_resp[] = {
	INT(PROTO_F_U64, struct proto_blob_get_resp, total_size),
	INT(PROTO_F_BOOL, struct proto_blob_get_resp, complete),
	OPAQUE(struct proto_blob_get_resp, chunk, 0, PROTO_MAX_CHUNK),
};
const struct proto_desc proto_desc_blob_get_resp =
        DESC("BlobGetResponse", struct proto_blob_get_resp, f_blob_get_resp);

static const struct proto_field f_crl_upload[] = {
	OPAQUE(struct proto_crl_upload, crl, 1, PROTO_MAX_CRL),
};
const struct proto_desc proto_desc_crl_upload =
        DESC("CrlUpload", struct proto_crl_upload, f_crl_upload);

static const struct proto_field f_crl_upload_resp[] = {
	INT(PROTO_F_U64, struct proto_crl_upload_resp, crl_number),
	INT(PROTO_F_U32, struct proto_crl_upload_resp, revoked),
};
const struct proto_desc proto_desc_crl_upload_resp =
        DESC("CrlUploadResponse", struct proto_crl_upload_resp, f_crl_upload_resp);

static const struct proto_field f_enroll_submit[] = {
	OPAQUE(struct proto_enroll_submit, csr, 1, PROTO_MAX_CSR),
};
const struct proto_desc proto_desc_enroll_submit =
        DESC("EnrollSubmit", struct proto_enroll_submit, f_enroll_submit);

static const struct proto_field f_ticket[] = {
	OPAQUE(struct proto_ticket, ticket, PROTO_TICKET_LEN, PROTO_TICKET_LEN),
};
const struct proto_desc proto_desc_ticket = DESC("EnrollTicket", struct proto_ticket, f_ticket);

static const struct proto_field f_certificate[] = {
	OPAQUE(struct proto_certificate, certificate, 1, PROTO_MAX_CERT),
};
const struct proto_desc proto_desc_certificate =
        DESC("EnrollFetchResponse", struct proto_certificate, f_certificate);

static const struct proto_field f_enroll_entry[] = {
	OPAQUE(struct proto_enroll_entry, ticket, PROTO_TICKET_LEN, PROTO_TICKET_LEN),
	OPAQUE(struct proto_enroll_entry, csr, 1, PROTO_MAX_CSR),
	ENUM8(struct proto_enroll_entry, kind, PROTO_ENROLL_NEW, PROTO_ENROLL_RENEW),
	OPAQUE(struct proto_enroll_entry, device, 0, PROTO_MAX_DEVICE_NAME),
};
const struct proto_desc proto_desc_enroll_entry =
        DESC("EnrollEntry", struct proto_enroll_entry, f_enroll_entry);

static const struct proto_field f_enroll_list_resp[] = {
	LIST(struct proto_enroll_list_resp, pending, n_pending, PROTO_MAX_ENROLL_LIST,
	     &proto_desc_enroll_entry),
};
const struct proto_desc proto_desc_enroll_list_resp =
        DESC("EnrollListResponse", struct proto_enroll_list_resp, f_enroll_list_resp);

static const struct proto_field f_enroll_issue[] = {
	OPAQUE(struct proto_enroll_issue, ticket, PROTO_TICKET_LEN, PROTO_TICKET_LEN),
	OPAQUE(struct proto_enroll_issue, certificate, 1, PROTO_MAX_CERT),
};
const struct proto_desc proto_desc_enroll_issue =
        DESC("EnrollIssue", struct proto_enroll_issue, f_enroll_issue);

static const struct proto_field f_enroll_reject[] = {
	OPAQUE(struct proto_enroll_reject, ticket, PROTO_TICKET_LEN, PROTO_TICKET_LEN),
	ENUM8(struct proto_enroll_reject, reason, PROTO_REFUSED_BY_AUTHORITY,
	      PROTO_REFUSED_TOO_MANY),
};
const struct proto_desc proto_desc_enroll_reject =
        DESC("EnrollReject", struct proto_enroll_reject, f_enroll_reject);

static const struct proto_field f_renew_submit[] = {
	OPTIONAL(struct proto_renew_submit, csr, 1, PROTO_MAX_CSR),
	OPTIONAL(struct proto_renew_submit, certificate, 1, PROTO_MAX_CERT),
};
const struct proto_desc proto_desc_renew_submit =
        DESC("RenewSubmit", struct proto_renew_submit, f_renew_submit);

const struct proto_desc proto_desc_renew_submit_resp =
        DESC("RenewSubmitResponse", struct proto_seq_resp, f_seq_resp);

static const struct proto_field f_wipe_send[] = {
	OPAQUE(struct proto_wipe_send, device, 1, PROTO_MAX_DEVICE_NAME),
	OPAQUE(struct proto_wipe_send, order, 1, PROTO_MAX_WIPE_ORDER),
};
const struct proto_desc proto_desc_wipe_send =
        DESC("WipeSend", struct proto_wipe_send, f_wipe_send);

const struct proto_desc proto_desc_wipe_send_resp =
        DESC("WipeSendResponse", struct proto_seq_resp, f_seq_resp);

static const struct proto_field f_crl_held[] = {
	OPAQUE(struct proto_crl_held, issuer, 0, PROTO_MAX_UNIT),
	INT(PROTO_F_U64, struct proto_crl_held, number),
};
const struct proto_desc proto_desc_crl_held = DESC("CrlHeld", struct proto_crl_held, f_crl_held);

static const struct proto_field f_crl_get[] = {
	LIST(struct proto_crl_get, held, n_held, PROTO_MAX_CRLS, &proto_desc_crl_held),
};
const struct proto_desc proto_desc_crl_get = DESC("CrlGet", struct proto_crl_get, f_crl_get);

/* List elements of a CrlSet: one DER CRL, one DER CA certificate. */
static const struct proto_field f_crl_der[] = {
	{ .kind = PROTO_F_OPAQUE, .offset = 0, .min = 1, .max = PROTO_MAX_CRL }
};
static const struct proto_desc desc_crl_der = { "CrlDer", sizeof(struct kenh_span), f_crl_der,
	                                        NF(f_crl_der) };
static const struct proto_field f_ca_der[] = {
	{ .kind = PROTO_F_OPAQUE, .offset = 0, .min = 1, .max = PROTO_MAX_CERT }
};
static const struct proto_desc desc_ca_der = { "CaCertDer", sizeof(struct kenh_span), f_ca_der,
	                                       NF(f_ca_der) };

static const struct proto_field f_crl_set[] = {
	LIST(struct proto_crl_set, crls, n_crls, PROTO_MAX_CRLS, &desc_crl_der),
	LIST(struct proto_crl_set, cas, n_cas, PROTO_MAX_CRLS, &desc_ca_der),
};
const struct proto_desc proto_desc_crl_set = DESC("CrlSet", struct proto_crl_set, f_crl_set);

const struct proto_desc *const proto_all_descs[] = {
	&proto_desc_ping,
	&proto_desc_kp_upload,
	&proto_desc_kp_upload_resp,
	&proto_desc_kp_claim,
	&proto_desc_kp_claim_resp,
	&proto_desc_dir_lookup,
	&proto_desc_dir_lookup_resp,
	&proto_desc_group_create,
	&proto_desc_epoch_resp,
	&proto_desc_handshake,
	&proto_desc_handshake_resp,
	&proto_desc_app_send,
	&proto_desc_seq_resp,
	&proto_desc_group_ref,
	&proto_desc_groupinfo_resp,
	&proto_desc_fetch,
	&proto_desc_delivery,
	&proto_desc_fetch_resp,
	&proto_desc_ack,
	&proto_desc_empty,
	&proto_desc_blob_put,
	&proto_desc_blob_put_resp,
	&proto_desc_blob_get,
	&proto_desc_blob_get_resp,
	&proto_desc_crl_upload,
	&proto_desc_crl_upload_resp,
	&proto_desc_enroll_submit,
	&proto_desc_ticket,
	&proto_desc_certificate,
	&proto_desc_enroll_list_resp,
	&proto_desc_enroll_issue,
	&proto_desc_enroll_reject,
	&proto_desc_renew_submit,
	&proto_desc_renew_submit_resp,
	&proto_desc_wipe_send,
	&proto_desc_wipe_send_resp,
	&proto_desc_crl_held,
	&proto_desc_crl_get,
	&proto_desc_crl_set,
};
const size_t proto_n_descs = NF(proto_all_descs);
