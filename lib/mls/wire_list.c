/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Vectors of variable-size structures (RFC 9420 §2.1.2: a vector's length
 * prefix counts bytes, not elements). The decoder reads the body through a
 * child reader, so an element can never run past its vector, and grows the
 * element array by doubling: memory stays proportional to the elements
 * actually parsed, and a hostile length cannot make it allocate ahead of
 * the bytes (STYLE R6.3). The element codecs come from a caller's table.
 * Also the range-checked enum readers every wire_*.c file uses.
 */
#include "mls/mls_wire_int.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "util/mem.h"

/* Make room for at least one more element: double, capped at max_count. */
static int grow_array(const struct mls_list_spec *spec, uint8_t **arr, size_t *cap)
{
	size_t newcap = *cap ? *cap * 2 : 4;
	void *p = NULL;
	int rc;

	if (newcap > spec->max_count) newcap = spec->max_count;
	if ((rc = mem_grow(*arr, newcap, spec->elem_size, &p)) != 0) return rc;
	/* mem_grow keeps the old bytes; zero the new tail for the element decoders. */
	memset((uint8_t *)p + *cap * spec->elem_size, 0, (newcap - *cap) * spec->elem_size);
	*arr = p;
	*cap = newcap;
	return 0;
}

int mls_list_decode(struct codec_reader *r, const struct mls_list_spec *spec, void **items,
                    size_t *count)
{
	struct codec_reader child;
	uint8_t *arr = NULL;
	size_t n = 0, cap = 0;
	int rc;

	*items = NULL;
	*count = 0;
	if ((rc = codec_read_vector(r, spec->max_bytes, &child)) != 0) goto out;
	while (codec_reader_remaining(&child) > 0) {
		if (n == spec->max_count) {
			rc = KENH_ERR(KENH_E_TOO_LARGE);
			goto out;
		}
		if (n == cap && (rc = grow_array(spec, &arr, &cap)) != 0) goto out;
		/* A failing element decoder leaves its element zeroed. */
		if ((rc = spec->decode(&child, arr + n * spec->elem_size)) != 0) {
			/*
			 * The whole body was present (codec_read_vector checked),
			 * so an element running past its end is malformed, not a
			 * short input that more bytes would complete.
			 */
			if (rc == KENH_E_TRUNCATED) rc = KENH_ERR(KENH_E_PARSE);
			goto out;
		}
		n++;
	}
	rc = codec_reader_close_child(r, &child);
out:
	if (rc != 0) {
		mls_list_free(spec, arr, n);
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
