/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The timing harness the micro-benchmarks share (bench/bench_crypto.c,
 * bench/bench_hpke.c; STYLE R17.10): an operation of ours and the same
 * operation of a reference, measured in the same run as paired batches of
 * a fixed iteration count after a warm-up, alternating which side goes
 * first, on the monotonic clock; the figures are medians over the batches.
 */
#ifndef KENH_TESTS_TU_BENCH_H
#define KENH_TESTS_TU_BENCH_H

#include <stddef.h>

/* Batches at most (the benchmarks use 101). */
#define TU_BENCH_MAX_RUNS 255

/* Run an operation once on the benchmark's state arg. 0 on success. */
typedef int tu_bench_op(void *arg);

/* Medians over the batches: nanoseconds per operation, and of the per-batch ratio ours/ref. */
struct tu_bench_result {
	double ours_ns, ref_ns, ratio;
};

/* Sort v (n values, n > 0) and return its median (the middle one; the upper for even n). */
double tu_bench_median(double *v, size_t n);

/*
 * Warm up each side with 10 x iters operations, then time runs (odd, at
 * most TU_BENCH_MAX_RUNS) paired batches of iters operations. 0, or -1 as
 * soon as an operation fails or runs is out of range (*out is then zero).
 */
int tu_bench_pair(tu_bench_op *ours, tu_bench_op *ref, void *arg, size_t iters, size_t runs,
                  struct tu_bench_result *out);

#endif /* KENH_TESTS_TU_BENCH_H */
