/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The mls module's interface for the layers above it (proto, client, the
 * relay), STYLE R13.3. Groups and KeyPackages are used through the public
 * API (include/kenh/mls.h, included here); what is added is what a
 * delivery service needs without any group secret: the header of an
 * MLSMessage (RFC 9420 §6) to file, order and route it, and the checks of
 * a KeyPackage that need no group (§10.1) for a KeyPackage directory.
 * Internals of the module (group.h, framing.h, tree.h, mls_keys.h,
 * mls_wire.h) are not for other modules.
 */
#ifndef KENH_MLS_MLS_H
#define KENH_MLS_MLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"
#include "kenh/mls.h"
#include "util/util.h"

struct kenh_ctx;

/* RFC 9420 §6: wire formats and content types, as on the wire. */
#define MLS_PEEK_PUBLIC_MESSAGE  1
#define MLS_PEEK_PRIVATE_MESSAGE 2
#define MLS_PEEK_WELCOME         3
#define MLS_PEEK_GROUP_INFO      4
#define MLS_PEEK_KEY_PACKAGE     5

/* What a delivery service can read of an MLSMessage. Views into the message. */
struct mls_peek {
	uint16_t wire_format;
	struct kenh_span group_id; /* public, private, group_info */
	uint64_t epoch;            /* public, private, group_info */
	uint8_t content_type;      /* public, private: 1 application, 2 proposal, 3 commit */
	uint8_t sender_type;       /* public only (private hides it): RFC 9420 §6 SenderType */
	uint32_t sender_index;     /* public: leaf index or external_senders index */
	uint16_t cipher_suite;     /* welcome, group_info, key_package */
	size_t n_recipients;       /* welcome: EncryptedGroupSecrets entries */
};

/*
 * Decode just enough of one MLSMessage (msg, borrowed; the views in *out
 * point into it). Nothing is verified. Returns 0 or the decoder's
 * KENH_E_PARSE, KENH_E_TRUNCATED, KENH_E_TOO_LARGE, KENH_E_TRAILING,
 * KENH_E_UNSUPPORTED (version), KENH_E_NOMEM.
 */
KENH_MUST_CHECK int mls_peek(const uint8_t *msg, size_t len, struct mls_peek *out);

/*
 * The KeyPackageRef of the i-th recipient of a Welcome (RFC 9420
 * §12.4.3.1), copied into ref (at most 64 bytes, *ref_len set), so a
 * delivery service can route it to the device that published that
 * KeyPackage. KENH_E_NOT_FOUND past the last one, KENH_E_PROTO if msg is
 * not a Welcome, decoder errors otherwise.
 */
KENH_MUST_CHECK int mls_peek_welcome_recipient(const uint8_t *msg, size_t len, size_t i,
                                               uint8_t *ref, size_t *ref_len);

/*
 * Check a KeyPackage (an MLSMessage of wire format mls_key_package, or
 * bare) on its own, as a directory receiving it should (RFC 9420 §10.1
 * without the group: a suite we implement, version mls10, the LeafNode's
 * source, capabilities and signature, the KeyPackage's signature, init
 * and encryption keys valid and different, now within the lifetime, the
 * lifetime no longer than MLS_KP_MAX_LIFETIME, RFC 9420 §7.2). On
 * success ref receives its KeyPackageRef (§5.2; at most 64 bytes).
 * Returns 0 or KENH_E_UNSUPPORTED, KENH_E_PROTO, KENH_E_VERIFY,
 * KENH_E_EXPIRED, decoder errors.
 */
KENH_MUST_CHECK int mls_key_package_check(const struct kenh_ctx *ctx, const uint8_t *kp, size_t len,
                                          uint64_t now, uint8_t *ref, size_t *ref_len);

#endif /* KENH_MLS_MLS_H */
