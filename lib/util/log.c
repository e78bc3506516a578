/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Formatting front end for the kenh_ctx log sink. Lines are cut at 512
 * bytes: a log line is for an operator, not a channel for bulk data.
 */
#include "util/log.h"

#include "util/compat.h"

#include <stdarg.h>

#include "util/ctx.h"

int log_enabled(const struct kenh_ctx *ctx, enum kenh_log_level level)
{
	return ctx != NULL && ctx->log_fn != NULL && level <= ctx->log_level;
}

static void emit(const struct kenh_ctx *ctx, enum kenh_log_level level, int code, const char *fmt,
                 va_list ap)
{
	char line[512];
	int n;

	n = vsnprintf(line, sizeof(line), fmt, ap);
	if (n < 0) return;
	if (code != 0 && (size_t)n < sizeof(line))
		snprintf(line + n, sizeof(line) - (size_t)n, ": %s", kenh_strerror(code));
	ctx->log_fn(ctx->log_arg, level, line);
}

void log_msg(const struct kenh_ctx *ctx, enum kenh_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (!log_enabled(ctx, level)) return;
	va_start(ap, fmt);
	emit(ctx, level, 0, fmt, ap);
	va_end(ap);
}

void log_msg_r(const struct kenh_ctx *ctx, enum kenh_log_level level, int code, const char *fmt,
               ...)
{
	va_list ap;

	if (!log_enabled(ctx, level)) return;
	va_start(ap, fmt);
	emit(ctx, level, code, fmt, ap);
	va_end(ap);
}

void kenh_ctx_set_log(struct kenh_ctx *ctx, enum kenh_log_level level, kenh_log_fn *fn, void *arg)
{
	if (ctx == NULL) return;
	ctx->log_fn = fn;
	ctx->log_arg = arg;
	ctx->log_level = level;
}
