/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The one allocator of the project (STYLE R4.3) and secure memory (R5).
 * Test builds (KENH_FAULT_INJECT) can make the Nth allocation of the calling
 * thread fail, so every error path can be walked (R17.5, after SQLite).
 */
#ifndef KENH_UTIL_MEM_H
#define KENH_UTIL_MEM_H

#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"
#include "util/util.h"

/* Allocate n bytes (n may be 0; a unique pointer is returned). *out is NULL on failure. */
KENH_MUST_CHECK int mem_alloc(size_t n, void **out);

/* Allocate count*size zeroed bytes; KENH_E_TOO_LARGE if the product overflows. */
KENH_MUST_CHECK int mem_calloc(size_t count, size_t size, void **out);

/*
 * Resize an array of non-secret elements to count*size bytes. On success
 * *out is the new block and old must no longer be used; on failure old is
 * untouched and still owned by the caller. Never use for secrets (R5.3).
 */
KENH_MUST_CHECK int mem_grow(void *old, size_t count, size_t size, void **out);

/* Free a block from mem_alloc/mem_calloc/mem_grow; NULL is allowed. */
void mem_free(void *p);

/* Copy n bytes into a new block; *out is NULL on failure. */
KENH_MUST_CHECK int mem_dup(const void *p, size_t n, uint8_t **out);

/* Copy a span into a new block (non-secret data). */
KENH_MUST_CHECK int span_dup(struct kenh_span s, uint8_t **out);

/* Wipe n bytes so that the compiler cannot elide it (explicit_bzero). */
void sec_zero(void *p, size_t n);

/* Allocate n zeroed bytes that will hold a secret. */
KENH_MUST_CHECK int sec_alloc(size_t n, void **out);

/* Wipe n bytes then free; NULL is allowed. */
void sec_free(void *p, size_t n);

/* Copy n secret bytes into a new block from sec_alloc. */
KENH_MUST_CHECK int sec_dup(const void *p, size_t n, uint8_t **out);

#ifdef KENH_FAULT_INJECT
/*
 * Make the nth allocation from now on (1-based) of the calling thread fail,
 * and every one after it while sticky is true; n = 0 turns injection off.
 */
void mem_fault_set(unsigned long n, int sticky);
/* Number of allocations that failed by injection since the last mem_fault_set. */
unsigned long mem_fault_hits(void);

/*
 * Show fn(arg, p, n) every block that mem_free is about to release, and
 * every block that mem_grow is about to move, on the calling thread (n is
 * the block's usable size); fn = NULL stops it. sec_free wipes before it
 * releases, so its blocks are not shown. Lets a test check that no secret
 * or plaintext reaches the allocator unwiped (STYLE R5.3, R5.8).
 */
typedef void mem_release_fn(void *arg, const void *p, size_t n);
void mem_release_watch(mem_release_fn *fn, void *arg);

/*
 * Count the heap bytes the calling thread holds, from now on: every block
 * allocated adds its usable size, every block released takes it off
 * (releasing a block from before the start may lower the count, never
 * below zero, so measure code that frees only what it allocated), and
 * mem_grow counts a block that moves twice for the moment a copying
 * realloc holds both.
 * mem_count_stop() ends the count and returns the largest total seen.
 * Lets a test bound what a decoder allocates for its input (STYLE R6.3).
 */
void mem_count_start(void);
size_t mem_count_stop(void);
#endif

#endif /* KENH_UTIL_MEM_H */
