/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Helpers shared by the command-line programs (kenh-admin now, kenh
 * later): whole-file reads with a size bound, atomic private writes
 * (temporary file, fsync, rename: a reader never sees half a file, and a
 * crash leaves the old one), private directories, time formatting, and
 * reading a passphrase from a file, the environment, or a terminal
 * without echo. Never from an argument: arguments are visible to every
 * user of the machine.
 */
#ifndef KENH_COMMON_CLI_H
#define KENH_COMMON_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"

/*
 * Read a whole file of at most max bytes into *out (mem_free; one extra
 * NUL byte is appended and not counted, so text can be used as a string).
 * KENH_E_NOT_FOUND if it does not exist, KENH_E_TOO_LARGE over max,
 * KENH_E_IO otherwise.
 */
KENH_MUST_CHECK int cli_file_read(const char *path, size_t max, uint8_t **out, size_t *outlen);

/*
 * Write len bytes to path atomically with mode 0600 (or 0644 if public):
 * path.tmp, fsync, rename, fsync of the folder. KENH_E_EXISTS if
 * exclusive and path exists. KENH_E_IO on any failure.
 */
KENH_MUST_CHECK int cli_file_write(const char *path, const uint8_t *buf, size_t len, bool public,
                                   bool exclusive);

/* Append len bytes to path (created 0600) and fsync. KENH_E_IO on failure. */
KENH_MUST_CHECK int cli_file_append(const char *path, const uint8_t *buf, size_t len);

/* True if path exists (any type). */
bool cli_file_exists(const char *path);

/* mkdir -p with mode 0700 for every folder made. KENH_E_IO on failure. */
KENH_MUST_CHECK int cli_dir_make(const char *path);

/* snprintf into a fixed buffer; KENH_E_TOO_LARGE if it would not fit. */
KENH_MUST_CHECK int cli_path(char *out, size_t cap, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* UTC time as "2026-01-01T00:00:00Z" into out (at least 21 bytes). */
void cli_time_format(uint64_t t, char *out, size_t cap);

/* The current time in Unix seconds. */
uint64_t cli_now(void);

/* Where a passphrase comes from, in order of preference. */
struct cli_pass_source {
	const char *file;   /* --passphrase-file, or NULL */
	const char *env;    /* the environment variable to look at, or NULL */
	const char *prompt; /* shown on the terminal */
	bool confirm;       /* ask twice on a terminal (when creating a key) */
};

/*
 * Get a passphrase: the first line of src->file; else the variable
 * src->env; else, if stdin is a terminal, typed without echo on
 * /dev/tty. *out (sec_free(*out, *outlen + 1)) is NUL-terminated.
 * KENH_E_NOT_FOUND if there is no source; KENH_E_INVALID_ARG for an empty
 * passphrase or two different entries; KENH_E_IO if the file cannot be read.
 */
KENH_MUST_CHECK int cli_pass_get(const struct cli_pass_source *src, uint8_t **out, size_t *outlen);

#endif /* KENH_COMMON_CLI_H */
