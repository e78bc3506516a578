/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Internals shared by the lib/mls/wire_*.c files and no one else: the
 * generic decoder and encoder for a vector of structures (RFC 9420 §2.1.2
 * vectors whose elements have variable size), and what each decoded
 * struct owns on the heap. The decoder sizes its array from the elements
 * actually parsed, never from a claimed count, and keeps the memory of a
 * vector within LIMIT_DECODE_RATIO bytes per byte of its body (STYLE
 * R6.3).
 */
#ifndef KENH_MLS_MLS_WIRE_INT_H
#define KENH_MLS_MLS_WIRE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"
#include "mls/mls_wire.h"

struct codec_reader;
struct codec_writer;

/* Decode one element into elem (zeroed by the caller). */
typedef int mls_elem_decode_fn(struct codec_reader *r, void *elem);
/* Encode one element. */
typedef int mls_elem_encode_fn(struct codec_writer *w, const void *elem);
/* Release what one element owns (NULL for elements that own nothing). */
typedef void mls_elem_clear_fn(void *elem);
/* Heap bytes one decoded element owns (NULL for elements that own nothing). */
typedef size_t mls_elem_owned_fn(const void *elem);

/* The largest element a list may have (the decoder reads one into a local first). */
#define MLS_LIST_ELEM_MAX 512

/* How to handle one kind of list. Instances are static const tables. */
struct mls_list_spec {
	size_t elem_size; /* at most MLS_LIST_ELEM_MAX */
	size_t max_bytes; /* limit on the vector's byte length */
	size_t max_count; /* limit on the number of elements */
	size_t allowance; /* memory allowed beyond LIMIT_DECODE_RATIO x the body (usually 0) */
	size_t max_owned; /* limit on what all elements own together (0: none) */
	mls_elem_decode_fn *decode;
	mls_elem_encode_fn *encode;
	mls_elem_clear_fn *clear;
	mls_elem_owned_fn *owned;
};

/*
 * Read a vector<V> of elements, in two passes over its body: the first
 * decodes each element into a local, adds up the array and what the
 * elements own, and releases it; only if that total is within
 * LIMIT_DECODE_RATIO x the body length + the spec's allowance (and what
 * the elements own within max_owned) does the second pass allocate the
 * array, exactly *count elements, and decode into it. Nested vectors do
 * the same, so a decode never holds more than the ratio allows at any
 * moment, plus one element of the first pass.
 *
 * On success *items (owned, release with mls_list_free) holds *count
 * elements; an empty vector gives NULL and 0. On failure nothing is left
 * allocated, the error is recorded in r and returned: the reader's error,
 * KENH_E_TOO_LARGE (bytes, count or memory over the spec's limits),
 * KENH_E_PARSE (also for an element cut short by the end of the vector
 * body: trailing bytes that do not form an element) or KENH_E_NOMEM.
 */
KENH_MUST_CHECK int mls_list_decode(struct codec_reader *r, const struct mls_list_spec *spec,
                                    void **items, size_t *count);

/* Write count elements as a vector<V>; returns the writer's error or the element's. */
KENH_MUST_CHECK int mls_list_encode(struct codec_writer *w, const struct mls_list_spec *spec,
                                    const void *items, size_t count);

/* Clear each element (if the spec has a clear function) and free the array; NULL is allowed. */
void mls_list_free(const struct mls_list_spec *spec, void *items, size_t count);

/*
 * Heap bytes a decoded struct owns: the arrays its decoder allocated (each
 * exactly count x element size), including those of nested structs. The
 * budget of the vector holding the struct counts them.
 */
size_t mls_credential_owned(const struct mls_credential *c);
size_t mls_leaf_node_owned(const struct mls_leaf_node *ln);
size_t mls_key_package_owned(const struct mls_key_package *kp);
size_t mls_proposal_owned(const struct mls_proposal *p);

/*
 * Read a uint8 (or uint16) enum whose defined values are 1..max (value 0 is
 * reserved in every RFC 9420 enum). Anything else is KENH_E_PARSE, recorded
 * in r (STYLE R12.4: range-check before converting to an enum).
 */
KENH_MUST_CHECK int mls_wire_read_enum8(struct codec_reader *r, uint8_t max, uint8_t *v);
KENH_MUST_CHECK int mls_wire_read_enum16(struct codec_reader *r, uint16_t max, uint16_t *v);

/*
 * The content-type-selected body shared by FramedContent (RFC 9420 §6) and
 * PrivateMessageContent (§6.3.1): application_data, a Proposal or a
 * Commit. Only the member matching type is read or written.
 */
KENH_MUST_CHECK int mls_wire_decode_body(struct codec_reader *r, enum mls_content_type type,
                                         struct kenh_span *application_data,
                                         struct mls_proposal *proposal, struct mls_commit *commit);
KENH_MUST_CHECK int mls_wire_encode_body(struct codec_writer *w, enum mls_content_type type,
                                         const struct kenh_span *application_data,
                                         const struct mls_proposal *proposal,
                                         const struct mls_commit *commit);

#endif /* KENH_MLS_MLS_WIRE_INT_H */
