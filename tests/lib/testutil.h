/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Helpers shared by the unit tests, the known-answer runners, the fuzz
 * replayer and the benchmarks: hex decoding, reading JSON vector files with
 * jansson, and locating ../shared/vectors (KENH_VECTORS).
 */
#ifndef KENH_TESTS_TESTUTIL_H
#define KENH_TESTS_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * RFC 9420 §7.2 wants every LeafNode validation to apply a maximum
 * lifetime (KENH_E_INVALID_ARG without one). The KeyPackages of the
 * official vectors live from 0 to 2^64 - 1, so the vector runners, and
 * they only, pass this bound, which no lifetime exceeds.
 */
#define TU_VECTOR_MAX_LIFETIME UINT64_MAX

/* A decoded byte string owned by the caller (free with tu_bytes_free). */
struct tu_bytes {
	uint8_t *p;
	size_t len;
};

/* Decode hex (upper or lower case, even length). Returns false on bad input. */
bool tu_hex_decode(const char *hex, struct tu_bytes *out);
void tu_bytes_free(struct tu_bytes *b);

/*
 * Decode the hex string member key of obj. Returns false if the member is
 * missing, not a string, or not valid hex. A JSON null gives false too.
 */
bool tu_json_hex(const json_t *obj, const char *key, struct tu_bytes *out);

/* Integer member; false if missing or not an integer. */
bool tu_json_u64(const json_t *obj, const char *key, uint64_t *out);

/* Load a JSON file; NULL with a message on stderr on failure. */
json_t *tu_json_load(const char *path);

/* The vector folder: $KENH_VECTORS, else "../shared/vectors". Static string. */
const char *tu_vectors_dir(void);

/* Write len bytes as lowercase hex into out (2*len + 1 bytes). */
void tu_hex_encode(const uint8_t *p, size_t len, char *out);

/* Compare bytes; on mismatch print both in hex with a label to stderr. */
bool tu_bytes_eq(const char *what, const uint8_t *got, size_t gotlen, const uint8_t *want,
                 size_t wantlen);

#endif /* KENH_TESTS_TESTUTIL_H */
