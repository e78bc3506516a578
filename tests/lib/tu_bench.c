/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * See tu_bench.h: paired, alternating batches timed on the monotonic clock,
 * reported as medians (the harness of bench_crypto and bench_hpke).
 */
#include "tu_bench.h"

#include "util/compat.h"

#include <stdlib.h>
#include <time.h>

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* Nanoseconds per operation over iters operations of one side; negative if one failed. */
static double time_side(tu_bench_op *op, void *arg, size_t iters)
{
	double t0 = now_ns();
	size_t i;

	for (i = 0; i < iters; i++)
		if (op(arg) != 0) return -1;
	return (now_ns() - t0) / (double)iters;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double tu_bench_median(double *v, size_t n)
{
	qsort(v, n, sizeof(v[0]), cmp_double);
	return v[n / 2];
}

int tu_bench_pair(tu_bench_op *ours_op, tu_bench_op *ref_op, void *arg, size_t iters, size_t runs,
                  struct tu_bench_result *out)
{
	double ours[TU_BENCH_MAX_RUNS], ref[TU_BENCH_MAX_RUNS], ratios[TU_BENCH_MAX_RUNS];
	size_t k;

	memset(out, 0, sizeof(*out));
	if (runs == 0 || runs > TU_BENCH_MAX_RUNS) return -1;
	if (time_side(ours_op, arg, 10 * iters) < 0 || time_side(ref_op, arg, 10 * iters) < 0)
		return -1;
	for (k = 0; k < runs; k++) {
		/* Alternate the order, so that neither side always runs on a warmer cache. */
		if (k % 2 == 0) {
			ours[k] = time_side(ours_op, arg, iters);
			ref[k] = time_side(ref_op, arg, iters);
		} else {
			ref[k] = time_side(ref_op, arg, iters);
			ours[k] = time_side(ours_op, arg, iters);
		}
		if (ours[k] < 0 || ref[k] < 0) return -1;
		ratios[k] = ours[k] / ref[k];
	}
	out->ours_ns = tu_bench_median(ours, runs);
	out->ref_ns = tu_bench_median(ref, runs);
	out->ratio = tu_bench_median(ratios, runs);
	return 0;
}
