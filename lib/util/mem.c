/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The allocator behind mem.h. The only file allowed to call malloc and
 * friends. Secret buffers are wiped with explicit_bzero (glibc >= 2.25),
 * which the compiler may not remove; this keeps util/ free of OpenSSL while
 * giving the guarantee STYLE R5.3 asks of OPENSSL_cleanse (see
 * docs/decisions/0001-foundation.md). Test builds (KENH_FAULT_INJECT)
 * can fail the Nth allocation, show every block released without a
 * wipe to a watch (mem_release_watch), and count the bytes held
 * (mem_count_start).
 */
#define KENH_MEM_IMPL 1
#include "util/mem.h"

#include "util/compat.h"

#include <string.h>

#ifdef KENH_FAULT_INJECT
#include <malloc.h>

/*
 * Test-only state (the fault countdown, the release watch and the byte
 * count), thread-local so parallel tests do not interfere. It is the
 * single writable datum the no-globals lint allows, and only in the
 * fault-injection build.
 */
static _Thread_local struct {
	unsigned long countdown;
	unsigned long hits;
	int sticky;
	int armed;
	mem_release_fn *watch;
	void *watch_arg;
	bool counting;
	size_t held; /* usable bytes of the blocks counted and not yet released */
	size_t peak;
} fault;

void mem_fault_set(unsigned long n, int sticky)
{
	fault.countdown = n;
	fault.sticky = sticky;
	fault.armed = n != 0;
	fault.hits = 0;
}

unsigned long mem_fault_hits(void)
{
	return fault.hits;
}

void mem_release_watch(mem_release_fn *fn, void *arg)
{
	fault.watch = fn;
	fault.watch_arg = arg;
}

void mem_count_start(void)
{
	fault.counting = true;
	fault.held = 0;
	fault.peak = 0;
}

size_t mem_count_stop(void)
{
	fault.counting = false;
	return fault.peak;
}

/* A block p (NULL: none) now held. */
static void count_block(void *p)
{
	if (!fault.counting || p == NULL) return;
	fault.held += malloc_usable_size(p);
	if (fault.held > fault.peak) fault.peak = fault.held;
}

/* A block of n usable bytes about to be released (never below zero: see mem.h). */
static void uncount_bytes(size_t n)
{
	if (fault.counting) fault.held -= n < fault.held ? n : fault.held;
}

static size_t usable(void *p)
{
	return p != NULL ? malloc_usable_size(p) : 0;
}

/* Show a block to the watch before the allocator takes it back. */
static void show_release(void *p)
{
	if (fault.watch != NULL && p != NULL)
		fault.watch(fault.watch_arg, p, malloc_usable_size(p));
}

static int should_fail(void)
{
	if (!fault.armed) return 0;
	if (fault.countdown > 1) {
		fault.countdown--;
		return 0;
	}
	if (!fault.sticky) fault.armed = 0;
	fault.hits++;
	return 1;
}
#else
static int should_fail(void)
{
	return 0;
}

static void show_release(void *p)
{
	(void)p;
}

static void count_block(void *p)
{
	(void)p;
}

static void uncount_bytes(size_t n)
{
	(void)n;
}

static size_t usable(void *p)
{
	(void)p;
	return 0;
}
#endif

int mem_alloc(size_t n, void **out)
{
	void *p;

	*out = NULL;
	if (should_fail()) return KENH_ERR(KENH_E_NOMEM);
	p = malloc(n ? n : 1);
	if (p == NULL) return KENH_ERR(KENH_E_NOMEM);
	count_block(p);
	*out = p;
	return 0;
}

int mem_calloc(size_t count, size_t size, void **out)
{
	size_t n;
	void *p;

	*out = NULL;
	if (size_mul(count, size, &n)) return KENH_ERR(KENH_E_TOO_LARGE);
	if (should_fail()) return KENH_ERR(KENH_E_NOMEM);
	p = calloc(1, n ? n : 1);
	if (p == NULL) return KENH_ERR(KENH_E_NOMEM);
	count_block(p);
	*out = p;
	return 0;
}

int mem_grow(void *old, size_t count, size_t size, void **out)
{
	size_t n, old_n;
	void *p;

	*out = NULL;
	if (size_mul(count, size, &n)) return KENH_ERR(KENH_E_TOO_LARGE);
	if (should_fail()) return KENH_ERR(KENH_E_NOMEM);
	show_release(old);
	old_n = usable(old);
	p = realloc(old, n ? n : 1);
	if (p == NULL) return KENH_ERR(KENH_E_NOMEM);
	/* A block that moved was held twice for a moment: count the new one first. */
	if (p != old) {
		count_block(p);
		uncount_bytes(old_n);
	} else {
		uncount_bytes(old_n);
		count_block(p);
	}
	*out = p;
	return 0;
}

void mem_free(void *p)
{
	show_release(p);
	uncount_bytes(usable(p));
	free(p);
}

int mem_dup(const void *p, size_t n, uint8_t **out)
{
	void *q;
	int rc;

	*out = NULL;
	if ((rc = mem_alloc(n, &q)) != 0) return rc;
	if (n) memcpy(q, p, n);
	*out = q;
	return 0;
}

int span_dup(struct kenh_span s, uint8_t **out)
{
	return mem_dup(s.p, s.len, out);
}

void sec_zero(void *p, size_t n)
{
	if (p != NULL && n) explicit_bzero(p, n);
}

int sec_alloc(size_t n, void **out)
{
	return mem_calloc(1, n, out);
}

void sec_free(void *p, size_t n)
{
	if (p == NULL) return;
	sec_zero(p, n);
	uncount_bytes(usable(p));
	free(p);
}

int sec_dup(const void *p, size_t n, uint8_t **out)
{
	void *q;
	int rc;

	*out = NULL;
	if ((rc = sec_alloc(n, &q)) != 0) return rc;
	if (n) memcpy(q, p, n);
	*out = q;
	return 0;
}
