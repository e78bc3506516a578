/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Umbrella header of libkenh's public API. The library context
 * (struct kenh_ctx) carries everything that would otherwise be global:
 * the OpenSSL library context and the algorithms fetched from it, and the
 * log sink. It is created once per program (or per thread) and passed to
 * every other call. Nothing here exposes OpenSSL, libevent or SQLite types.
 */
#ifndef KENH_KENH_H
#define KENH_KENH_H

#include <stddef.h>

#include "kenh/err.h"
#include "kenh/mls.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KENH_VERSION_MAJOR 0
#define KENH_VERSION_MINOR 1
#define KENH_VERSION_PATCH 0
#define KENH_VERSION       "0.1.0"

struct kenh_ctx;

/** Log levels, most severe first. */
enum kenh_log_level {
	KENH_LOG_ERROR = 0,
	KENH_LOG_WARN = 1,
	KENH_LOG_INFO = 2,
	KENH_LOG_DEBUG = 3,
	KENH_LOG_TRACE = 4,
};

/**
 * \brief A log sink. \p msg is one line without a trailing newline, valid
 * only during the call. It never contains secrets or plaintext (STYLE R5.6).
 */
typedef void kenh_log_fn(void *arg, enum kenh_log_level level, const char *msg);

/** \return the library's version string, e.g. "0.1.0". */
KENH_API const char *kenh_version(void);

/**
 * \brief Create a library context: a private OpenSSL library context with the
 * default provider, and every algorithm of the supported suites fetched once.
 * \param out receives the new context (NULL on failure).
 * \return 0, KENH_E_NOMEM or KENH_E_CRYPTO. The library is silent until a
 * sink is set with kenh_ctx_set_log().
 */
KENH_API KENH_MUST_CHECK int kenh_ctx_new(struct kenh_ctx **out);

/** \brief Free a context (NULL is allowed). Objects made with it must be freed first. */
KENH_API void kenh_ctx_free(struct kenh_ctx *ctx);

/**
 * \brief Route the library's log lines at or above \p level to \p fn.
 * \param fn the sink, or NULL to silence the library again.
 */
KENH_API void kenh_ctx_set_log(struct kenh_ctx *ctx, enum kenh_log_level level, kenh_log_fn *fn,
                               void *arg);

#ifdef __cplusplus
}
#endif
#endif /* KENH_KENH_H */
