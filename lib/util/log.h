/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The library's logging API (STYLE R10.1, R10.2): every line goes to the
 * sink of the kenh_ctx, and nowhere if none is set. The _r variants append
 * kenh_strerror(code). Never log keys, secrets or plaintext (R5.6, R10.4).
 */
#ifndef KENH_UTIL_LOG_H
#define KENH_UTIL_LOG_H

#include "kenh/kenh.h"

#define KENH_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Format and send one line at level to ctx's sink. ctx may be NULL (dropped). */
void log_msg(const struct kenh_ctx *ctx, enum kenh_log_level level, const char *fmt, ...)
        KENH_PRINTF(3, 4);
/* As log_msg, with ": <kenh_strerror(code)>" appended. */
void log_msg_r(const struct kenh_ctx *ctx, enum kenh_log_level level, int code, const char *fmt,
               ...) KENH_PRINTF(4, 5);
/* True if a line at level would reach a sink (to skip costly formatting). */
int log_enabled(const struct kenh_ctx *ctx, enum kenh_log_level level);

#define log_error(ctx, ...) log_msg((ctx), KENH_LOG_ERROR, __VA_ARGS__)
#define log_warn(ctx, ...)  log_msg((ctx), KENH_LOG_WARN, __VA_ARGS__)
#define log_info(ctx, ...)  log_msg((ctx), KENH_LOG_INFO, __VA_ARGS__)
#define log_debug(ctx, ...) log_msg((ctx), KENH_LOG_DEBUG, __VA_ARGS__)
#define log_trace(ctx, ...) log_msg((ctx), KENH_LOG_TRACE, __VA_ARGS__)
#define log_debug_f(ctx, fmt, ...)                                                                 \
	log_msg((ctx), KENH_LOG_DEBUG, "%s: " fmt, __func__, ##__VA_ARGS__)
#define log_debug_r(ctx, code, ...) log_msg_r((ctx), KENH_LOG_DEBUG, (code), __VA_ARGS__)

#endif /* KENH_UTIL_LOG_H */
