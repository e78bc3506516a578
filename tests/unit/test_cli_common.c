/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests of cli/common, the helpers kenh-admin (and later kenh) share:
 * bounded file reads, and what they leave behind when a read fails. A
 * passphrase file goes through cli_file_read, so a failed read must not
 * hand the bytes it got to the allocator unwiped (STYLE R5.3).
 */
#include "../../cli/common/cli.h"

#include "util/compat.h"

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "util/mem.h"

/* A regular file whose size is larger than what reading it gives: sysfs attributes. */
static const char short_file[] = "/sys/kernel/mm/transparent_hugepage/enabled";

/* The bytes a plain read of path gives, into buf (cap bytes); 0 if it cannot be read. */
static size_t read_plain(const char *path, uint8_t *buf, size_t cap)
{
	ssize_t r;
	size_t got = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) return 0;
	while (got < cap && (r = read(fd, buf + got, cap - got)) > 0)
		got += (size_t)r;
	close(fd);
	return got;
}

/* A file that stops short of its stated size is an I/O error, with nothing returned. */
static void test_cli_file_read_short_file(void **state)
{
	uint8_t expect[512], *out = (uint8_t *)1;
	struct stat st;
	size_t len = 7, n;

	(void)state;
	n = read_plain(short_file, expect, sizeof(expect));
	if (n == 0 || stat(short_file, &st) != 0 || (size_t)st.st_size <= n) skip();
	assert_int_equal(cli_file_read(short_file, 1u << 20, &out, &len), KENH_E_IO);
	assert_null(out);
	assert_int_equal(len, 0);
}

#ifdef KENH_FAULT_INJECT
struct release_scan {
	const uint8_t *needle;
	size_t len;
	size_t found;
};

static void scan_release(void *arg, const void *p, size_t n)
{
	struct release_scan *s = arg;
	const uint8_t *b = p;
	size_t i;

	for (i = 0; n >= s->len && i <= n - s->len; i++)
		if (memcmp(b + i, s->needle, s->len) == 0) {
			s->found++;
			return;
		}
}

/*
 * The bytes read before the failure (a passphrase, when the file is a
 * passphrase file) are wiped before the buffer is freed.
 */
static void test_cli_file_read_failure_wipes(void **state)
{
	uint8_t expect[512], *out = NULL;
	struct release_scan scan = { expect, 0, 0 };
	struct stat st;
	size_t len = 0, n;

	(void)state;
	n = read_plain(short_file, expect, sizeof(expect));
	if (n < 8 || stat(short_file, &st) != 0 || (size_t)st.st_size <= n) skip();
	scan.len = n;
	mem_release_watch(scan_release, &scan);
	assert_int_equal(cli_file_read(short_file, 1u << 20, &out, &len), KENH_E_IO);
	mem_release_watch(NULL, NULL);
	assert_int_equal(scan.found, 0);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cli_file_read_short_file),
#ifdef KENH_FAULT_INJECT
		cmocka_unit_test(test_cli_file_read_failure_wipes),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
