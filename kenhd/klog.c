/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenhd's key=value event log on stderr (STYLE R10.3). The level and the
 * rate limiter are the process-level logger state that R7.3 allows a
 * program to keep; libkenh itself stays free of globals.
 */
#include "klog.h"

#include "util/compat.h"

#include <stdarg.h>
#include <time.h>

#include "util/util.h"

static enum kenh_log_level max_level = KENH_LOG_INFO;

/* The peer-event limiter: a one-second window and its count. */
static struct {
	time_t window;
	unsigned used;
	unsigned long dropped;
} peer_rate;

#define PEER_LINES_PER_SECOND 50u

static const char *const level_names[] = { "error", "warn", "info", "debug", "trace" };

void klog_set_level(enum kenh_log_level level)
{
	max_level = level;
}

bool klog_level_parse(const char *s, enum kenh_log_level *out)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(level_names); i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum kenh_log_level)i;
			return true;
		}
	}
	return false;
}

static void vlog(enum kenh_log_level level, const char *event, const char *extra, const char *fmt,
                 va_list ap)
{
	char line[1024];
	int n;

	n = snprintf(line, sizeof(line), "level=%s event=%s%s%s", level_names[level], event,
	             *fmt ? " " : "", extra);
	if (n < 0 || (size_t)n >= sizeof(line)) return;
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	fprintf(stderr, "%s\n", line);
}

void klog(enum kenh_log_level level, const char *event, const char *fmt, ...)
{
	va_list ap;

	if (level > max_level) return;
	va_start(ap, fmt);
	vlog(level, event, "", fmt, ap);
	va_end(ap);
}

void klog_peer(enum kenh_log_level level, const char *event, const char *fmt, ...)
{
	char extra[48] = "";
	time_t now = time(NULL);
	va_list ap;

	if (level > max_level) return;
	if (now != peer_rate.window) {
		peer_rate.window = now;
		peer_rate.used = 0;
	}
	if (peer_rate.used >= PEER_LINES_PER_SECOND) {
		peer_rate.dropped++;
		return;
	}
	peer_rate.used++;
	if (peer_rate.dropped > 0) {
		snprintf(extra, sizeof(extra), "suppressed=%lu ", peer_rate.dropped);
		peer_rate.dropped = 0;
	}
	va_start(ap, fmt);
	vlog(level, event, extra, fmt, ap);
	va_end(ap);
}

void klog_lib_sink(void *arg, enum kenh_log_level level, const char *msg)
{
	(void)arg;
	klog(level, "lib", "msg=\"%s\"", msg);
}
