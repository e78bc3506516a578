/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Passphrase input for the command-line programs (cli.h): from a file
 * (its first line), from an environment variable (for automation), or
 * typed on the terminal with echo off. Every copy lives in sec_alloc
 * memory and is wiped; the terminal's settings are restored even when
 * the read fails.
 */
#include "cli.h"

#include "util/compat.h"

#include <errno.h>
#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include "util/mem.h"

#define PASS_MAX 1024 /* longer is a mistake (a key file given as a passphrase file?) */

/* Keep the first line (without CR/LF) of the n bytes at p as a new NUL-terminated secret. */
static int keep_line(const uint8_t *p, size_t n, uint8_t **out, size_t *outlen)
{
	size_t len = 0;
	void *mem = NULL;
	int rc;

	while (len < n && p[len] != '\n' && p[len] != '\r')
		len++;
	if (len == 0) return KENH_ERR(KENH_E_INVALID_ARG);
	if (len > PASS_MAX) return KENH_ERR(KENH_E_TOO_LARGE);
	if ((rc = sec_alloc(len + 1, &mem)) != 0) return rc;
	memcpy(mem, p, len);
	((uint8_t *)mem)[len] = 0;
	*out = mem;
	*outlen = len;
	return 0;
}

static int from_file(const char *path, uint8_t **out, size_t *outlen)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	rc = cli_file_read(path, 64 * 1024, &buf, &len);
	if (rc == KENH_E_NOT_FOUND) return KENH_ERR(KENH_E_IO);
	if (rc != 0) return rc;
	rc = keep_line(buf, len, out, outlen);
	sec_zero(buf, len);
	mem_free(buf);
	return rc;
}

/* Read one line from the terminal with echo off. */
static int read_tty(int fd, const char *prompt, uint8_t *buf, size_t cap, size_t *len)
{
	struct termios old, quiet;
	ssize_t r;
	char c;
	int rc = 0;

	*len = 0;
	if (tcgetattr(fd, &old) != 0) return KENH_ERR(KENH_E_IO);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
	quiet.c_lflag |= ICANON;
	if (write(fd, prompt, strlen(prompt)) < 0 || tcsetattr(fd, TCSAFLUSH, &quiet) != 0)
		return KENH_ERR(KENH_E_IO);
	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR) continue;
		if (r <= 0 || c == '\n' || c == '\r') break;
		if (*len < cap) buf[*len] = (uint8_t)c;
		(*len)++;
	}
	if (r < 0) rc = KENH_ERR(KENH_E_IO);
	(void)tcsetattr(fd, TCSAFLUSH, &old);
	(void)!write(fd, "\n", 1);
	sec_zero(&c, sizeof(c));
	if (*len > cap) rc = KENH_ERR(KENH_E_TOO_LARGE);
	return rc;
}

static int from_tty(const struct cli_pass_source *src, uint8_t **out, size_t *outlen)
{
	uint8_t a[PASS_MAX], b[PASS_MAX];
	size_t alen = 0, blen = 0;
	int fd, rc;

	if ((fd = open("/dev/tty", O_RDWR | O_CLOEXEC)) < 0) return KENH_E_NOT_FOUND;
	rc = read_tty(fd, src->prompt, a, sizeof(a), &alen);
	if (rc == 0 && src->confirm) {
		rc = read_tty(fd, "Again, to confirm: ", b, sizeof(b), &blen);
		/* Not a secret comparison: both inputs are the typist's own. */
		if (rc == 0 && (alen != blen || memcmp(a, b, alen) != 0))
			rc = KENH_ERR(KENH_E_INVALID_ARG);
	}
	close(fd);
	if (rc == 0) rc = keep_line(a, alen, out, outlen);
	sec_zero(a, sizeof(a));
	sec_zero(b, sizeof(b));
	return rc;
}

int cli_pass_get(const struct cli_pass_source *src, uint8_t **out, size_t *outlen)
{
	const char *env = NULL;

	*out = NULL;
	*outlen = 0;
	if (src->file != NULL) return from_file(src->file, out, outlen);
	if (src->env != NULL && (env = getenv(src->env)) != NULL)
		return keep_line((const uint8_t *)env, strlen(env), out, outlen);
	if (!isatty(STDIN_FILENO)) return KENH_E_NOT_FOUND;
	return from_tty(src, out, outlen);
}
