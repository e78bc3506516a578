/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenhd's log (STYLE R10.3): one line per event on stderr, for journald,
 * as key=value fields starting with a stable event name ("event=
 * commit_accepted conn=12 device=... group=..."). The one process-level
 * logger STYLE R7.3 allows: set up in main() before anything else. Lines
 * of the noisy per-peer kind go through klog_peer(), which is rate-limited
 * so that a hostile peer cannot fill the disk. Never log keys, plaintext,
 * enrollment codes or request bodies (R10.4).
 */
#ifndef KENH_KENHD_KLOG_H
#define KENH_KENHD_KLOG_H

#include <stdbool.h>
#include <stdint.h>

#include "kenh/kenh.h"

#define KLOG_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* Lines below level are dropped (default KENH_LOG_INFO). */
void klog_set_level(enum kenh_log_level level);

/* Parse "error", "warn", "info", "debug", "trace"; false if unknown. */
bool klog_level_parse(const char *s, enum kenh_log_level *out);

/* Write "level=L event=E <fields>" (fields already formatted as key=value). */
void klog(enum kenh_log_level level, const char *event, const char *fmt, ...) KLOG_PRINTF(3, 4);

/*
 * As klog, for events a peer can cause at will (bad frames, failed
 * handshakes): at most 50 such lines per second; the count of the lines
 * dropped is reported on the next line that passes (suppressed=N).
 */
void klog_peer(enum kenh_log_level level, const char *event, const char *fmt, ...)
        KLOG_PRINTF(3, 4);

/* A kenh_log_fn that sends libkenh's own lines to klog as event=lib. */
void klog_lib_sink(void *arg, enum kenh_log_level level, const char *msg);

#endif /* KENH_KENHD_KLOG_H */
