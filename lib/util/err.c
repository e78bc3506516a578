/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh_strerror() and the error-origin and assertion hooks of util.h.
 */
#include "util/util.h"

#include "util/compat.h"

#include "kenh/kenh.h"

/* Indexed by -code. */
static const char *const messages[] = {
	[0] = "success",
	[-KENH_E_NOMEM] = "out of memory",
	[-KENH_E_INVALID_ARG] = "invalid argument",
	[-KENH_E_INTERNAL] = "internal error",
	[-KENH_E_PARSE] = "malformed input",
	[-KENH_E_TRUNCATED] = "input truncated",
	[-KENH_E_TOO_LARGE] = "input too large",
	[-KENH_E_TRAILING] = "trailing data after input",
	[-KENH_E_VERIFY] = "verification failed",
	[-KENH_E_DECRYPT] = "decryption failed",
	[-KENH_E_STATE] = "wrong state or epoch",
	[-KENH_E_PROTO] = "protocol violation",
	[-KENH_E_UNSUPPORTED] = "not supported",
	[-KENH_E_CRYPTO] = "cryptographic library failure",
	[-KENH_E_IO] = "input/output error",
	[-KENH_E_DB] = "database error",
	[-KENH_E_TIMEOUT] = "timed out",
	[-KENH_E_PERM] = "permission denied",
	[-KENH_E_REVOKED] = "revoked",
	[-KENH_E_NOT_FOUND] = "not found",
	[-KENH_E_EXISTS] = "already exists",
	[-KENH_E_EXPIRED] = "expired",
};

_Static_assert(ARRAY_LEN(messages) == (size_t)-KENH_E_LAST, "one message per error code");

const char *kenh_strerror(int code)
{
	if (code > 0 || code <= KENH_E_LAST) return "unknown error";
	return messages[-code];
}

const char *kenh_version(void)
{
	return KENH_VERSION;
}

int util_err_origin(int code, const char *file, int line, const char *func)
{
	if (getenv("KENH_TRACE_ERR") != NULL)
		fprintf(stderr, "kenh: error %s at %s:%d %s\n", kenh_strerror(code), file, line,
		        func);
	return code;
}

void util_assert_fail(const char *expr, const char *file, int line)
{
	fprintf(stderr, "kenh: assertion failed: %s at %s:%d\n", expr, file, line);
	abort();
}

bool span_eq(struct kenh_span a, struct kenh_span b)
{
	if (a.len != b.len) return false;
	return a.len == 0 || memcmp(a.p, b.p, a.len) == 0;
}
