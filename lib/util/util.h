/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Small helpers every layer uses: the error macro with its origin trace
 * (STYLE R3.7), assertions (R3.10), byte spans (R4.2), big-endian load and
 * store (R14.3) and overflow-checked size arithmetic (R14.2).
 */
#ifndef KENH_UTIL_UTIL_H
#define KENH_UTIL_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * Raise an error code. In debug builds (KENH_DEBUG) the origin goes through
 * util_err_origin(), which prints "file:line func: strerror" to stderr when
 * the environment variable KENH_TRACE_ERR is set; it keeps no state.
 */
#ifdef KENH_DEBUG
#define KENH_ERR(code) util_err_origin((code), __FILE__, __LINE__, __func__)
#else
#define KENH_ERR(code) (code)
#endif

/* Returns code unchanged, after tracing it as described above. */
int util_err_origin(int code, const char *file, int line, const char *func);

/* Logs the failed invariant to stderr and aborts. Never for input-reachable conditions. */
__attribute__((noreturn)) void util_assert_fail(const char *expr, const char *file, int line);

#define KENH_ASSERT(e) ((e) ? (void)0 : util_assert_fail(#e, __FILE__, __LINE__))
#ifdef KENH_DEBUG
#define KENH_DASSERT(e) KENH_ASSERT(e)
#else
#define KENH_DASSERT(e) ((void)0)
#endif

/* A borrowed view of bytes; its lifetime is the lifetime of what it points into. */
struct kenh_span {
	const uint8_t *p;
	size_t len;
};

static inline struct kenh_span span_make(const uint8_t *p, size_t len)
{
	struct kenh_span s = { p, len };
	return s;
}

/* Equality of public identifiers; never for MACs or secrets (use crypto_ct_eq). */
bool span_eq(struct kenh_span a, struct kenh_span b);

static inline uint16_t load_be16(const uint8_t *p)
{
	return (uint16_t)((uint16_t)p[0] << 8 | p[1]);
}

static inline uint32_t load_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline uint64_t load_be64(const uint8_t *p)
{
	return (uint64_t)load_be32(p) << 32 | load_be32(p + 4);
}

static inline void store_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void store_be32(uint8_t *p, uint32_t v)
{
	store_be16(p, (uint16_t)(v >> 16));
	store_be16(p + 2, (uint16_t)v);
}

static inline void store_be64(uint8_t *p, uint64_t v)
{
	store_be32(p, (uint32_t)(v >> 32));
	store_be32(p + 4, (uint32_t)v);
}

/* *out = a + b; KENH_E_TOO_LARGE (and *out = 0) on overflow. */
static inline int size_add(size_t a, size_t b, size_t *out)
{
	if (__builtin_add_overflow(a, b, out)) return (*out = 0, KENH_E_TOO_LARGE);
	return 0;
}

/* *out = a * b; KENH_E_TOO_LARGE (and *out = 0) on overflow. */
static inline int size_mul(size_t a, size_t b, size_t *out)
{
	if (__builtin_mul_overflow(a, b, out)) return (*out = 0, KENH_E_TOO_LARGE);
	return 0;
}

#endif /* KENH_UTIL_UTIL_H */
