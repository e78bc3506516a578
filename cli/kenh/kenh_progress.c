/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The progress bar of kenh send-file and get-file (issue 6 item 4): one
 * line on stderr, redrawn in place at most ten times a second, with the
 * bytes done, the percentage, the rate of this run and the time left.
 * Only when stderr is a terminal and neither --json nor --quiet is given:
 * scripts and logs never see it. The transfer code calls it through a
 * kenh_progress_fn, so kenh daemon can report progress its own way.
 *
 * KENH_TEST_KILL_AT=N (a test hook, like KENH_TEST_NO_ACK): the process
 * kills itself with SIGKILL once a transfer reaches byte N, so that the
 * integration tests interrupt an upload or a download at an exact point.
 */
#include "kenh.h"

#include "util/compat.h"

#include <signal.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define REDRAW_NS 100000000u /* 0.1 s */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* 1536 -> "1.5 KiB"; below 1 KiB in bytes. */
static void fmt_bytes(char *out, size_t cap, uint64_t v)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double d = (double)v;
	size_t u = 0;

	if (v < 1024) {
		snprintf(out, cap, "%llu B", (unsigned long long)v);
		return;
	}
	d /= 1024;
	while (d >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		d /= 1024;
		u++;
	}
	snprintf(out, cap, "%.1f %s", d, units[u]);
}

void kenh_bar_format(char *out, size_t cap, uint64_t done, uint64_t total, uint64_t base,
                     uint64_t elapsed_ns)
{
	char d[32], t[32], r[32] = "-", eta[32] = "--:--";
	unsigned pct = total > 0 ? (unsigned)(done >= total ? 100 : done * 100 / total) : 100;

	fmt_bytes(d, sizeof(d), done);
	fmt_bytes(t, sizeof(t), total);
	if (elapsed_ns > 0 && done > base) {
		double rate = (double)(done - base) * 1e9 / (double)elapsed_ns;
		uint64_t left = (uint64_t)((double)(total > done ? total - done : 0) / rate);

		fmt_bytes(r, sizeof(r), (uint64_t)rate);
		snprintf(eta, sizeof(eta), "%llu:%02llu", (unsigned long long)(left / 60),
		         (unsigned long long)(left % 60));
	}
	snprintf(out, cap, "%s / %s %3u%% %s/s ETA %s", d, t, pct, r, eta);
}

void kenh_bar_init(struct kenh_bar *b, const struct kenh_app *a, const char *label)
{
	const char *kill_at = getenv("KENH_TEST_KILL_AT");

	memset(b, 0, sizeof(*b));
	b->label = label;
	b->on = !a->opt.quiet && !a->opt.json && isatty(2) == 1;
	if (kill_at != NULL) b->kill_at = strtoull(kill_at, NULL, 10);
}

void kenh_bar_update(void *arg, uint64_t done, uint64_t total)
{
	struct kenh_bar *b = arg;
	char line[160];
	uint64_t t;

	if (b->kill_at > 0 && done >= b->kill_at) raise(SIGKILL);
	if (!b->on) return;
	t = now_ns();
	if (!b->started) {
		b->started = true;
		b->t0 = t;
		b->base = done;
	} else if (t - b->last < REDRAW_NS && done < total) {
		return;
	}
	b->last = t;
	kenh_bar_format(line, sizeof(line), done, total, b->base, t - b->t0);
	/* \033[K clears what a longer previous line left. */
	fprintf(stderr, "\r%s %s\033[K", b->label, line);
	fflush(stderr);
	b->drawn = true;
}

void kenh_bar_end(struct kenh_bar *b)
{
	if (b->on && b->drawn) fprintf(stderr, "\n");
	b->drawn = false;
}
