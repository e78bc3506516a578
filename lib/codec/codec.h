/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Reader and writer cursors for the TLS presentation language as MLS uses it
 * (RFC 8446 §3, RFC 9420 §2.1): big-endian fixed integers, the
 * variable-length vector header of RFC 9420 §2.1.2, optional values, and
 * nested vectors. Both cursors carry a sticky error (STYLE R6.1): after the
 * first failure every call returns that error and writes zeros, so a
 * decoder is a straight list of reads with one check at the end.
 *
 * The reader never allocates and never copies: byte strings come back as
 * views into its input (R4.2), valid as long as that input. The writer
 * owns a growing buffer with a hard maximum; in "sensitive" mode it grows by
 * allocate-copy-wipe and wipes on free (R5.3); in "measure" mode it only
 * counts bytes.
 */
#ifndef KENH_CODEC_CODEC_H
#define KENH_CODEC_CODEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"
#include "util/util.h"

/* A reader: caller-allocated, no resources to free. */
struct codec_reader {
	const uint8_t *buf;
	size_t len;
	size_t off; /* invariant: off <= len */
	int err;    /* sticky: 0 or a KENH_E_* code */
};

/* Start reading len bytes at buf (borrowed for the reader's life). */
void codec_reader_init(struct codec_reader *r, const uint8_t *buf, size_t len);

/* Bytes not yet consumed (0 once the reader has failed). */
size_t codec_reader_remaining(const struct codec_reader *r);

/* The sticky error, or KENH_E_TRAILING if bytes remain unread; 0 when complete. */
KENH_MUST_CHECK int codec_reader_done(const struct codec_reader *r);

/* The sticky error alone (0 if none); does not look at remaining bytes. */
int codec_reader_err(const struct codec_reader *r);

/*
 * Record err (a negative KENH_E_* code) as the reader's error unless one is
 * already set; returns the (possibly earlier) sticky error. For decoders
 * that find a semantic fault.
 */
int codec_reader_fail(struct codec_reader *r, int err);

/*
 * Fixed-size big-endian integers. On failure *v is 0 and the error is
 * KENH_E_TRUNCATED (not enough bytes) or the earlier sticky error.
 */
int codec_read_u8(struct codec_reader *r, uint8_t *v);
int codec_read_u16(struct codec_reader *r, uint16_t *v);
int codec_read_u32(struct codec_reader *r, uint32_t *v);
int codec_read_u64(struct codec_reader *r, uint64_t *v);

/*
 * RFC 9420 §2.1.2 variable-length integer (1, 2 or 4 bytes). The `11`
 * prefix and any non-minimal encoding are KENH_E_PARSE.
 */
int codec_read_varint(struct codec_reader *r, uint32_t *v);

/* n raw bytes as a view. */
int codec_read_fixed(struct codec_reader *r, size_t n, struct kenh_span *out);

/* n raw bytes copied into out. */
int codec_read_bytes(struct codec_reader *r, uint8_t *out, size_t n);

/*
 * opaque<V>: varint length then that many bytes, as a view. A length over
 * max is KENH_E_TOO_LARGE; over what remains, KENH_E_TRUNCATED.
 */
int codec_read_opaque(struct codec_reader *r, size_t max, struct kenh_span *out);

/*
 * opaque with a fixed-width length prefix of width 1, 2 or 4 bytes (TLS
 * <a..b>). A length over max is KENH_E_TOO_LARGE, under min KENH_E_PARSE,
 * over what remains KENH_E_TRUNCATED; another width is KENH_E_INVALID_ARG.
 */
int codec_read_opaque_fixed(struct codec_reader *r, size_t width, size_t min, size_t max,
                            struct kenh_span *out);

/*
 * A vector body (varint length, at most max bytes) as a child reader. The
 * parent moves past the whole body at once; the caller reads the elements
 * from the child and then calls codec_reader_close_child(), which
 * propagates the child's error and KENH_E_TRAILING for leftover bytes.
 * On failure the child is an empty reader carrying the same error.
 */
int codec_read_vector(struct codec_reader *r, size_t max, struct codec_reader *child);

/* Finish a child reader: its error, or leftover bytes, become the parent's error. */
int codec_reader_close_child(struct codec_reader *r, const struct codec_reader *child);

/* optional<T> presence byte: exactly 0 or 1, anything else is KENH_E_PARSE. */
int codec_read_optional(struct codec_reader *r, bool *present);

/* A writer. Initialize with codec_writer_init, release with codec_writer_clear. */
struct codec_writer {
	uint8_t *buf;
	size_t len;
	size_t cap;
	size_t max;     /* hard limit on len: KENH_E_TOO_LARGE beyond */
	int err;        /* sticky */
	bool sensitive; /* grow by copy-and-wipe, wipe on clear (R5.3) */
	bool measure;   /* count only, no buffer */
};

enum codec_writer_mode {
	CODEC_WRITER_NORMAL = 0,
	CODEC_WRITER_SENSITIVE = 1,
	CODEC_WRITER_MEASURE = 2,
};

/* Start an empty writer that refuses to grow past max bytes. */
void codec_writer_init(struct codec_writer *w, size_t max, enum codec_writer_mode mode);

/*
 * Free the buffer (wiping its whole capacity if sensitive) and zero the
 * writer; it can be reused after init. w may be NULL; clearing twice is harmless.
 */
void codec_writer_clear(struct codec_writer *w);

/* The sticky error (0 if none). */
int codec_writer_err(const struct codec_writer *w);

/* Bytes written so far (measure mode: bytes counted). */
size_t codec_writer_len(const struct codec_writer *w);

/*
 * A view of the bytes written so far; valid until the next write, finish
 * or clear. Empty (NULL, 0) in measure mode and after an error.
 */
struct kenh_span codec_writer_span(const struct codec_writer *w);

/*
 * Hand the bytes to the caller: on success *out (owned, free with mem_free,
 * or sec_free(*out, *outlen) if sensitive) and *outlen; *out is never NULL,
 * even for zero bytes. The writer is left empty with its max and mode.
 * Returns the sticky error otherwise (or KENH_E_NOMEM for the zero-byte
 * block), with *out NULL. In measure mode, KENH_E_INVALID_ARG.
 */
KENH_MUST_CHECK int codec_writer_finish(struct codec_writer *w, uint8_t **out, size_t *outlen);

/*
 * Every write below returns 0 or the writer's sticky error: KENH_E_TOO_LARGE
 * (the write would pass max, or a length does not fit its prefix),
 * KENH_E_NOMEM, or KENH_E_INVALID_ARG (a NULL pointer with a nonzero
 * length, a width other than 1, 2 or 4, a bad vector mark). After an error
 * the buffer's content is of no use.
 */
int codec_write_u8(struct codec_writer *w, uint8_t v);
int codec_write_u16(struct codec_writer *w, uint16_t v);
int codec_write_u32(struct codec_writer *w, uint32_t v);
int codec_write_u64(struct codec_writer *w, uint64_t v);

/* RFC 9420 §2.1.2 minimal varint; KENH_E_TOO_LARGE above 2^30 - 1. */
int codec_write_varint(struct codec_writer *w, uint32_t v);

/* Raw bytes (p may be NULL when n is 0). */
int codec_write_bytes(struct codec_writer *w, const uint8_t *p, size_t n);

/* opaque<V>: minimal varint length, then the bytes. */
int codec_write_opaque(struct codec_writer *w, const uint8_t *p, size_t n);

/* opaque with a fixed-width (1, 2 or 4 byte) length prefix. */
int codec_write_opaque_fixed(struct codec_writer *w, size_t width, const uint8_t *p, size_t n);

/* optional<T> presence byte. */
int codec_write_optional(struct codec_writer *w, bool present);

/*
 * Vectors whose length is not known in advance: begin reserves the longest
 * prefix (4 bytes) and returns a mark; end writes the minimal prefix and
 * slides the body left over the unused bytes. Nested vectors compose; they
 * must end in reverse order of begin. The reserved bytes count against max
 * until end returns them, so an encoding with open vectors needs up to 3
 * bytes of headroom per open vector (measure mode counts the same way). A
 * sensitive writer wipes the bytes a slide vacates.
 */
int codec_write_vector_begin(struct codec_writer *w, size_t *mark);
int codec_write_vector_end(struct codec_writer *w, size_t mark);

#endif /* KENH_CODEC_CODEC_H */
