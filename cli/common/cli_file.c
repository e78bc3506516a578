/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * File helpers of cli.h: bounded reads, atomic private writes
 * (write-to-temporary, fsync, rename, fsync the folder, so that a crash
 * leaves either the old or the new file), appends with fsync, private
 * folders, and time formatting for people.
 */
#include "cli.h"

#include "util/compat.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/mem.h"

int cli_path(char *out, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, cap, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap) {
		if (cap > 0) out[0] = '\0';
		return KENH_ERR(KENH_E_TOO_LARGE);
	}
	return 0;
}

static int read_fd(int fd, size_t max, uint8_t **out, size_t *outlen)
{
	struct stat st;
	void *mem = NULL;
	size_t n, got = 0;
	ssize_t r;
	int rc;

	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size < 0)
		return KENH_ERR(KENH_E_IO);
	n = (size_t)st.st_size;
	if (n > max) return KENH_ERR(KENH_E_TOO_LARGE);
	if ((rc = mem_alloc(n + 1, &mem)) != 0) return rc;
	while (got < n) {
		r = read(fd, (uint8_t *)mem + got, n - got);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0) {
			/* What was read may be a passphrase (cli_pass.c): wipe it (R5.2). */
			sec_free(mem, n + 1);
			return KENH_ERR(KENH_E_IO);
		}
		got += (size_t)r;
	}
	((uint8_t *)mem)[n] = 0;
	*out = mem;
	*outlen = n;
	return 0;
}

int cli_file_read(const char *path, size_t max, uint8_t **out, size_t *outlen)
{
	int fd, rc;

	*out = NULL;
	*outlen = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) < 0)
		return errno == ENOENT ? KENH_E_NOT_FOUND : KENH_ERR(KENH_E_IO);
	rc = read_fd(fd, max, out, outlen);
	close(fd);
	return rc;
}

bool cli_file_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

static int write_all(int fd, const uint8_t *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, buf, len);
		if (w < 0 && errno == EINTR) continue;
		if (w <= 0) return KENH_ERR(KENH_E_IO);
		buf += w;
		len -= (size_t)w;
	}
	return 0;
}

/* fsync the folder holding path, so a rename or a new file survives a crash. */
static int sync_parent(const char *path)
{
	char copy[4096];
	int fd, rc = 0;

	if (cli_path(copy, sizeof(copy), "%s", path) != 0) return KENH_ERR(KENH_E_IO);
	if ((fd = open(dirname(copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return KENH_ERR(KENH_E_IO);
	if (fsync(fd) != 0) rc = KENH_ERR(KENH_E_IO);
	close(fd);
	return rc;
}

int cli_file_write(const char *path, const uint8_t *buf, size_t len, bool public, bool exclusive)
{
	char tmp[4096];
	int fd, rc;

	if (exclusive && cli_file_exists(path)) return KENH_ERR(KENH_E_EXISTS);
	if ((rc = cli_path(tmp, sizeof(tmp), "%s.tmp", path)) != 0) return rc;
	(void)unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, public ? 0644 : 0600);
	if (fd < 0) return KENH_ERR(KENH_E_IO);
	rc = write_all(fd, buf, len);
	if (rc == 0 && fsync(fd) != 0) rc = KENH_ERR(KENH_E_IO);
	if (close(fd) != 0 && rc == 0) rc = KENH_ERR(KENH_E_IO);
	if (rc == 0 && rename(tmp, path) != 0) rc = KENH_ERR(KENH_E_IO);
	if (rc != 0) {
		(void)unlink(tmp);
		return rc;
	}
	return sync_parent(path);
}

int cli_file_append(const char *path, const uint8_t *buf, size_t len)
{
	int fd, rc;

	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd < 0) return KENH_ERR(KENH_E_IO);
	rc = write_all(fd, buf, len);
	if (rc == 0 && fsync(fd) != 0) rc = KENH_ERR(KENH_E_IO);
	if (close(fd) != 0 && rc == 0) rc = KENH_ERR(KENH_E_IO);
	return rc;
}

int cli_dir_make(const char *path)
{
	char p[4096];
	size_t i, n;
	int rc;

	if ((rc = cli_path(p, sizeof(p), "%s", path)) != 0) return rc;
	n = strlen(p);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != '\0') continue;
		p[i] = '\0';
		if (mkdir(p, 0700) != 0 && errno != EEXIST) return KENH_ERR(KENH_E_IO);
		if (i < n) p[i] = '/';
	}
	return 0;
}

void cli_time_format(uint64_t t, char *out, size_t cap)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (cap == 0) return;
	out[0] = '\0';
	if (t > (uint64_t)INT64_MAX || gmtime_r(&tt, &tm) == NULL) return;
	if (strftime(out, cap, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) out[0] = '\0';
}

uint64_t cli_now(void)
{
	time_t t = time(NULL);

	return t < 0 ? 0 : (uint64_t)t;
}
