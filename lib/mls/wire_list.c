/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Vectors of variable-size structures (RFC 9420 §2.1.2: a vector's length
 * prefix counts bytes, not elements). The decoder reads the body through a
 * child reader, so an element can never run past its vector, and reads it
 * twice: once to count the elements and what they would take in memory,
 * then, if that fits the budget of STYLE R6.3 (LIMIT_DECODE_RATIO bytes
 * per byte of body), to decode them into one array of exactly that many.
 * A hostile length cannot make it allocate ahead of the bytes, and a
 * vector of tiny elements cannot make it allocate far beyond them. The
 * element codecs come from a caller's table. Also the range-checked enum
 * readers every wire_*.c file uses.
 */
#include "mls/mls_wire_int.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "util/mem.h"

/*
 * The whole body was present (codec_read_vector checked), so an element
 * running past its end is malformed, not a short input that more bytes
 * would complete.
 */
static int element_error(int rc)
{
	return rc == KENH_E_TRUNCATED ? KENH_ERR(KENH_E_PARSE) : rc;
}

/*
 * First pass: decode each element of body into a local, note what it owns
 * and release it. *n and *owned receive the count and the owned bytes.
 */
static int scan_elements(struct codec_reader *body, const struct mls_list_spec *spec, size_t *n,
                         size_t *owned)
{
	union {
		max_align_t align;
		uint8_t b[MLS_LIST_ELEM_MAX];
	} elem;
	int rc;

	*n = 0;
	*owned = 0;
	KENH_ASSERT(spec->elem_size <= sizeof(elem.b));
	while (codec_reader_remaining(body) > 0) {
		if (*n == spec->max_count) return KENH_ERR(KENH_E_TOO_LARGE);
		memset(&elem, 0, sizeof(elem));
		if ((rc = spec->decode(body, elem.b)) != 0) return element_error(rc);
		if (spec->owned != NULL) rc = size_add(*owned, spec->owned(elem.b), owned);
		if (spec->clear != NULL) spec->clear(elem.b);
		if (rc != 0) return KENH_ERR(rc);
		(*n)++;
	}
	return 0;
}

/* STYLE R6.3: n elements owning owned bytes, against a body of body_len bytes. */
static int check_budget(const struct mls_list_spec *spec, size_t body_len, size_t n, size_t owned)
{
	size_t need = 0, limit = 0;

	if (spec->max_owned != 0 && owned > spec->max_owned) return KENH_ERR(KENH_E_TOO_LARGE);
	if (size_mul(n, spec->elem_size, &need) != 0 || size_add(need, owned, &need) != 0)
		return KENH_ERR(KENH_E_TOO_LARGE);
	if (size_mul(body_len, LIMIT_DECODE_RATIO, &limit) != 0 ||
	    size_add(limit, spec->allowance, &limit) != 0)
		limit = SIZE_MAX;
	return need > limit ? KENH_ERR(KENH_E_TOO_LARGE) : 0;
}

/* Second pass: decode n elements from body into arr (zeroed); *done counts those decoded. */
static int fill_elements(struct codec_reader *body, const struct mls_list_spec *spec, uint8_t *arr,
                         size_t n, size_t *done)
{
	int rc;

	for (*done = 0; *done < n; (*done)++)
		if ((rc = spec->decode(body, arr + *done * spec->elem_size)) != 0)
			return element_error(rc);
	return 0;
}

int mls_list_decode(struct codec_reader *r, const struct mls_list_spec *spec, void **items,
                    size_t *count)
{
	struct codec_reader child, scan;
	void *arr = NULL;
	size_t n = 0, owned = 0, done = 0;
	int rc;

	*items = NULL;
	*count = 0;
	if ((rc = codec_read_vector(r, spec->max_bytes, &child)) != 0) goto out;
	scan = child;
	if ((rc = scan_elements(&scan, spec, &n, &owned)) != 0 ||
	    (rc = check_budget(spec, child.len, n, owned)) != 0)
		goto out;
	if (n != 0) {
		if ((rc = mem_calloc(n, spec->elem_size, &arr)) != 0) goto out;
		if ((rc = fill_elements(&child, spec, arr, n, &done)) != 0) goto out;
	}
	rc = codec_reader_close_child(r, &child);
out:
	if (rc != 0) {
		mls_list_free(spec, arr, done);
		return codec_reader_fail(r, rc);
	}
	*items = arr;
	*count = n;
	return 0;
}

int mls_list_encode(struct codec_writer *w, const struct mls_list_spec *spec, const void *items,
                    size_t count)
{
	const uint8_t *p = items;
	size_t mark = 0, i;
	int rc;

	if ((rc = codec_write_vector_begin(w, &mark)) != 0) return rc;
	for (i = 0; i < count; i++)
		if ((rc = spec->encode(w, p + i * spec->elem_size)) != 0) return rc;
	return codec_write_vector_end(w, mark);
}

void mls_list_free(const struct mls_list_spec *spec, void *items, size_t count)
{
	uint8_t *p = items;
	size_t i;

	if (p == NULL) return;
	if (spec->clear != NULL)
		for (i = 0; i < count; i++)
			spec->clear(p + i * spec->elem_size);
	mem_free(p);
}

int mls_wire_read_enum8(struct codec_reader *r, uint8_t max, uint8_t *v)
{
	int rc;

	if ((rc = codec_read_u8(r, v)) != 0) return rc;
	if (*v == 0 || *v > max) {
		*v = 0;
		return codec_reader_fail(r, KENH_ERR(KENH_E_PARSE));
	}
	return 0;
}

int mls_wire_read_enum16(struct codec_reader *r, uint16_t max, uint16_t *v)
{
	int rc;

	if ((rc = codec_read_u16(r, v)) != 0) return rc;
	if (*v == 0 || *v > max) {
		*v = 0;
		return codec_reader_fail(r, KENH_ERR(KENH_E_PARSE));
	}
	return 0;
}
