/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * See testutil.h. Test code may use the libc allocator through util/mem.h
 * like everything else; JSON parsing is jansson's.
 */
#include "testutil.h"

#include "util/compat.h"

#include "util/mem.h"

static int hexval(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

bool tu_hex_decode(const char *hex, struct tu_bytes *out)
{
	size_t n = strlen(hex), i;
	void *p;

	out->p = NULL;
	out->len = 0;
	if (n % 2 != 0) return false;
	if (mem_alloc(n / 2, &p) != 0) return false;
	for (i = 0; i < n / 2; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) {
			mem_free(p);
			return false;
		}
		((uint8_t *)p)[i] = (uint8_t)(hi << 4 | lo);
	}
	out->p = p;
	out->len = n / 2;
	return true;
}

void tu_bytes_free(struct tu_bytes *b)
{
	mem_free(b->p);
	b->p = NULL;
	b->len = 0;
}

bool tu_json_hex(const json_t *obj, const char *key, struct tu_bytes *out)
{
	const json_t *v = json_object_get(obj, key);

	out->p = NULL;
	out->len = 0;
	if (!json_is_string(v)) return false;
	return tu_hex_decode(json_string_value(v), out);
}

bool tu_json_u64(const json_t *obj, const char *key, uint64_t *out)
{
	const json_t *v = json_object_get(obj, key);

	*out = 0;
	if (!json_is_integer(v) || json_integer_value(v) < 0) return false;
	*out = (uint64_t)json_integer_value(v);
	return true;
}

json_t *tu_json_load(const char *path)
{
	json_error_t e;
	json_t *j = json_load_file(path, 0, &e);

	if (j == NULL) fprintf(stderr, "%s:%d: %s\n", path, e.line, e.text);
	return j;
}

const char *tu_vectors_dir(void)
{
	const char *d = getenv("KENH_VECTORS");
	return d != NULL && *d ? d : "../shared/vectors";
}

void tu_hex_encode(const uint8_t *p, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
}

static void print_hex(const char *label, const uint8_t *p, size_t len)
{
	size_t i;

	fprintf(stderr, "  %s (%zu): ", label, len);
	for (i = 0; i < len && i < 96; i++)
		fprintf(stderr, "%02x", p[i]);
	fprintf(stderr, "%s\n", len > 96 ? "..." : "");
}

bool tu_bytes_eq(const char *what, const uint8_t *got, size_t gotlen, const uint8_t *want,
                 size_t wantlen)
{
	if (gotlen == wantlen && (gotlen == 0 || memcmp(got, want, gotlen) == 0)) return true;
	fprintf(stderr, "mismatch: %s\n", what);
	print_hex("got ", got, gotlen);
	print_hex("want", want, wantlen);
	return false;
}
