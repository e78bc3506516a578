/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests of kenhd's enrollment attempt limits (kenhd/ratelimit.c,
 * docs/protocol.md §7): one address runs out while another goes on; the
 * global ceiling; refill over the window, never above the bucket size; a
 * refund by ticket (once); and the bounded table: many thousands of
 * addresses neither grow it nor free the noisy address from its empty
 * bucket.
 */
#include "ratelimit.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "util/mem.h"

#define T0 1767225600u

static struct ratelimit *make(uint64_t per, uint64_t global, uint64_t window)
{
	struct ratelimit *rl = NULL;

	assert_int_equal(mem_calloc(1, sizeof(*rl), (void **)&rl), 0);
	ratelimit_init(rl, per, global, window);
	return rl;
}

static int take(struct ratelimit *rl, const char *addr, uint64_t now, bool *global)
{
	bool g = false;
	int rc = ratelimit_take(rl, addr, now, &g);

	if (global != NULL) *global = g;
	return rc;
}

static void test_ratelimit_per_address(void **state)
{
	struct ratelimit *rl = make(3, 100, 900);
	bool global = true;
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_int_equal(take(rl, "127.0.0.2", T0, NULL), 0);
	assert_int_equal(take(rl, "127.0.0.2", T0, &global), KENH_E_PERM);
	assert_false(global);
	assert_int_equal(take(rl, "127.0.0.1", T0, NULL), 0);
	assert_int_equal(rl->refused_address, 1);
	mem_free(rl);
}

static void test_ratelimit_global_ceiling(void **state)
{
	struct ratelimit *rl = make(3, 4, 900);
	bool global = false;

	(void)state;
	assert_int_equal(take(rl, "a", T0, NULL), 0);
	assert_int_equal(take(rl, "a", T0, NULL), 0);
	assert_int_equal(take(rl, "b", T0, NULL), 0);
	assert_int_equal(take(rl, "c", T0, NULL), 0);
	assert_int_equal(take(rl, "d", T0, &global), KENH_E_PERM);
	assert_true(global);
	assert_int_equal(rl->refused_global, 1);
	mem_free(rl);
}

/* 3 per 900 s: one token back every 300 s, never more than 3. */
static void test_ratelimit_refill(void **state)
{
	struct ratelimit *rl = make(3, 100, 900);
	int i;

	(void)state;
	for (i = 0; i < 3; i++)
		assert_int_equal(take(rl, "x", T0, NULL), 0);
	assert_int_equal(take(rl, "x", T0 + 299, NULL), KENH_E_PERM);
	assert_int_equal(take(rl, "x", T0 + 300, NULL), 0);
	assert_int_equal(take(rl, "x", T0 + 300, NULL), KENH_E_PERM);
	for (i = 0; i < 3; i++)
		assert_int_equal(take(rl, "x", T0 + 100000, NULL), 0);
	assert_int_equal(take(rl, "x", T0 + 100000, NULL), KENH_E_PERM);
	mem_free(rl);
}

static void test_ratelimit_refund(void **state)
{
	struct ratelimit *rl = make(2, 100, 900);
	uint8_t t1[RATELIMIT_TICKET], t2[RATELIMIT_TICKET];

	(void)state;
	memset(t1, 1, sizeof(t1));
	memset(t2, 2, sizeof(t2));
	assert_int_equal(take(rl, "x", T0, NULL), 0);
	ratelimit_ticket(rl, t1, "x");
	assert_int_equal(take(rl, "x", T0, NULL), 0);
	ratelimit_ticket(rl, t2, "x");
	assert_int_equal(take(rl, "x", T0, NULL), KENH_E_PERM);
	ratelimit_refund(rl, t1, T0);
	assert_int_equal(take(rl, "x", T0, NULL), 0);
	/* A ticket is refunded once; an unknown one gives nothing. */
	ratelimit_refund(rl, t1, T0);
	memset(t1, 9, sizeof(t1));
	ratelimit_refund(rl, t1, T0);
	assert_int_equal(take(rl, "x", T0, NULL), KENH_E_PERM);
	mem_free(rl);
}

/* 100000 other addresses: the table keeps its size and the noisy one stays empty. */
static void test_ratelimit_bounded_table(void **state)
{
	struct ratelimit *rl = make(2, 1000000, 900);
	char addr[RATELIMIT_ADDR];
	size_t i, used = 0;

	(void)state;
	assert_int_equal(take(rl, "10.0.0.1", T0, NULL), 0);
	assert_int_equal(take(rl, "10.0.0.1", T0, NULL), 0);
	for (i = 0; i < 100000; i++) {
		snprintf(addr, sizeof(addr), "192.168.%zu.%zu", i / 256, i % 256);
		assert_int_equal(take(rl, addr, T0, NULL), 0);
		assert_int_equal(take(rl, "10.0.0.1", T0, NULL), KENH_E_PERM);
	}
	for (i = 0; i < RATELIMIT_SLOTS; i++)
		used += rl->slots[i].addr[0] != '\0';
	assert_true(used <= RATELIMIT_SLOTS);
	mem_free(rl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ratelimit_per_address),
		cmocka_unit_test(test_ratelimit_global_ceiling),
		cmocka_unit_test(test_ratelimit_refill),
		cmocka_unit_test(test_ratelimit_refund),
		cmocka_unit_test(test_ratelimit_bounded_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
