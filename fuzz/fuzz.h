/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * What every fuzz target shares (STYLE R17.8): the libFuzzer entry point,
 * which fuzz_<target>.c defines and which replay.c (corpus replay without
 * libFuzzer, run by make check) or libFuzzer itself calls, and the check
 * macro for properties a target asserts.
 */
#ifndef KENH_FUZZ_FUZZ_H
#define KENH_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* Run one input; returns 0 (libFuzzer reserves other values). Must not leak or keep state. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property of the code under test failed: say where, then abort so the input is kept. */
#define FUZZ_CHECK(c)                                                                              \
	((c) ? (void)0                                                                             \
	     : (fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #c),         \
	        abort()))

#endif /* KENH_FUZZ_FUZZ_H */
