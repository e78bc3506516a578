/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * In-memory form of the RFC 9420 wire structures, with one decoder and one
 * encoder per struct (RFC 9420 §6-§13), plus the "to-be-signed" and AAD
 * encoders the protocol needs (LeafNodeTBS, KeyPackageTBS, GroupInfoTBS,
 * FramedContentTBS, AuthenticatedContentTBM, SenderDataAAD,
 * PrivateContentAAD).
 *
 * Decoders (mls_decode_<struct>) check syntax only (STYLE R6.4): no crypto,
 * no semantic validation. Byte fields are struct kenh_span views into the
 * reader's input, valid while that input is (R4.2). Lists are arrays sized
 * from the elements actually parsed, each bounded by codec/limits.h. A
 * decoder clears *out at entry; on failure it frees what it built, leaves
 * *out zeroed, records the error in the reader (sticky) and returns it. On
 * success the caller owns the arrays and releases them with the struct's
 * _clear function (every _clear accepts a zeroed struct and leaves one).
 *
 * Encoders (mls_encode_<struct>) append to a writer and return its sticky
 * error, or KENH_E_INVALID_ARG for a struct that cannot be encoded (an enum
 * outside its range, a missing GroupContext). MLS encodings are canonical,
 * so decoding then encoding gives back the input bytes.
 *
 * Wire values that the RFC allows to be unknown (extension types,
 * credential types, cipher suites, versions, capability entries) are kept
 * as integers. Fields whose unknown values make the rest unparseable (wire
 * format, content type, sender type, proposal type, leaf node source,
 * PSK type, node type) are range-checked and stored as enums carrying the
 * RFC numbers (R2.4, R12.4).
 */
#ifndef KENH_MLS_MLS_WIRE_H
#define KENH_MLS_MLS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"
#include "util/util.h"

struct codec_reader;
struct codec_writer;

/* RFC 9420 §6: ProtocolVersion (kept as uint16_t where it appears). */
enum mls_protocol_version {
	MLS_VERSION_MLS10 = 1,
};

/* RFC 9420 §13.1 / §17.2: MLS extension types (kept as uint16_t). */
enum mls_extension_type {
	MLS_EXT_APPLICATION_ID = 1,
	MLS_EXT_RATCHET_TREE = 2,
	MLS_EXT_REQUIRED_CAPABILITIES = 3,
	MLS_EXT_EXTERNAL_PUB = 4,
	MLS_EXT_EXTERNAL_SENDERS = 5,
};

/* RFC 9420 §13: Extension. extension_data is a view. */
struct mls_extension {
	uint16_t extension_type;
	struct kenh_span extension_data;
};

/* Extension extensions<V>: at most LIMIT_EXTENSIONS entries. */
struct mls_extension_list {
	struct mls_extension *items;
	size_t count;
};

/*
 * RFC 9420 §8.1: GroupContext. version and cipher_suite are kept as read;
 * checking them against what the group uses is the caller's job.
 */
struct mls_group_context {
	uint16_t version;
	uint16_t cipher_suite;
	struct kenh_span group_id;
	uint64_t epoch;
	struct kenh_span tree_hash;
	struct kenh_span confirmed_transcript_hash;
	struct mls_extension_list extensions;
};

/*
 * Extension: type, then opaque data of at most LIMIT_EXTENSION_DATA bytes
 * (LIMIT_RATCHET_TREE for ratchet_tree). Every type decodes, known or not
 * (GREASE included, RFC 9420 §13.5): the data stays opaque here.
 * Returns 0, KENH_E_TRUNCATED or KENH_E_TOO_LARGE.
 */
KENH_MUST_CHECK int mls_decode_extension(struct codec_reader *r, struct mls_extension *out);
KENH_MUST_CHECK int mls_encode_extension(struct codec_writer *w, const struct mls_extension *in);

/*
 * Extension extensions<V>. Decoding allocates out->items (release with
 * mls_extension_list_clear). Duplicate types are a validation matter, not
 * rejected here. Returns 0, KENH_E_TRUNCATED, KENH_E_TOO_LARGE (too many
 * entries or bytes), KENH_E_TRAILING (bytes left inside an entry's
 * framing), KENH_E_NOMEM.
 */
KENH_MUST_CHECK int mls_decode_extension_list(struct codec_reader *r,
                                              struct mls_extension_list *out);
KENH_MUST_CHECK int mls_encode_extension_list(struct codec_writer *w,
                                              const struct mls_extension_list *in);

/* Free the array and zero the list; accepts a zeroed list. */
void mls_extension_list_clear(struct mls_extension_list *l);

/*
 * The first extension of type t in l, or NULL. The pointer borrows l.
 */
const struct mls_extension *mls_extension_list_find(const struct mls_extension_list *l, uint16_t t);

/*
 * RFC 9420 §8.1 GroupContext. Decoding allocates the extension array
 * (release with mls_group_context_clear). Errors as for the extension list.
 */
KENH_MUST_CHECK int mls_decode_group_context(struct codec_reader *r, struct mls_group_context *out);
KENH_MUST_CHECK int mls_encode_group_context(struct codec_writer *w,
                                             const struct mls_group_context *in);

/* Free the extension array and zero the struct; accepts a zeroed struct. */
void mls_group_context_clear(struct mls_group_context *gc);

#endif /* KENH_MLS_MLS_WIRE_H */
