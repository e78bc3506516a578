/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Internals of kenh-mls, the file-based MLS tool (issue 3): its options,
 * the state file that carries a party's KeyPackage and group between
 * runs, file helpers that never leave a half-written file (write a
 * temporary file, then rename), and the MLS configuration every command
 * uses (basic credentials, the system clock). Everything MLS goes through
 * the public API, include/kenh/mls.h.
 */
#ifndef KENH_CLI_KMLS_H
#define KENH_CLI_KMLS_H

#include <stddef.h>
#include <stdint.h>

#include "kenh/kenh.h"
#include "kenh/mls.h"

/* Exit codes (issue 3): success, an MLS or processing error, a usage error. */
#define KMLS_OK    0
#define KMLS_FAIL  1
#define KMLS_USAGE 2

/* The options of every command; a command reads those it declares. */
struct kmls_opts {
	const char *state;
	const char *suite;
	const char *identity;
	const char *out;
	const char *keypackage;
	const char *commit_out;
	const char *welcome_out;
	const char *welcome;
	const char *text;
	const char *in;
	const char *member;
	const char *group_id_hex;
};

/* A party's state between runs. */
struct kmls_state {
	uint16_t suite;                 /* 0 until a KeyPackage or group sets it */
	char identity[256];             /* NUL-terminated; empty until set */
	struct kenh_mls_keypackage *kp; /* the pending KeyPackage, or NULL */
	struct kenh_mls_group *group;   /* the group, or NULL */
};

/* What every command gets. */
struct kmls {
	struct kenh_ctx *ctx;
	struct kenh_mls_config cfg;
	const struct kmls_opts *o;
};

/* Print "kenh-mls: <what>: <strerror(rc)>" on stderr; returns KMLS_FAIL. */
int kmls_fail(const char *what, int rc);

/* Print "kenh-mls: <what>" on stderr; returns KMLS_FAIL. */
int kmls_fail_msg(const char *what);

/* Print "kenh-mls: <what>" on stderr; returns KMLS_USAGE. */
int kmls_usage_msg(const char *what);

/*
 * Make a Commit with a, adopt it at once (no delivery service confirms it
 * here), write it to commit_out (and the Welcome, if any, to welcome_out,
 * which must then be given), and save the state. Returns an exit code.
 */
int kmls_commit(struct kmls *k, struct kmls_state *st, const struct kenh_mls_commit_args *a,
                const char *commit_out, const char *welcome_out);

/* Read a whole file (at most 64 MiB) into *buf (free with kenh_mls_free(*buf, *len)). */
int kmls_file_read(const char *path, uint8_t **buf, size_t *len);

/* Write a whole file through a temporary file and rename (mode 0600). */
int kmls_file_write(const char *path, const uint8_t *buf, size_t len);

/*
 * Load the state file (an absent file gives an empty state if may_be_new,
 * KENH_E_NOT_FOUND otherwise), and save it (temporary file, then rename).
 */
int kmls_state_load(struct kmls *k, const char *path, int may_be_new, struct kmls_state *st);
int kmls_state_save(const struct kmls_state *st, const char *path);
void kmls_state_clear(struct kmls_state *st);

/* Parse a suite number (1..3); -1 if not one. */
int kmls_parse_suite(const char *s);

/* A new KeyPackage for identity with suite, basic credential. */
int kmls_make_keypackage(struct kmls *k, uint16_t suite, const char *identity,
                         struct kenh_mls_keypackage **out);

/* The basic identity of the member at leaf, copied NUL-terminated into buf; 0 or an error. */
int kmls_member_identity(const struct kenh_mls_group *g, uint32_t leaf, char *buf, size_t cap);

/* The leaf of the member whose basic identity is id; -1 if none. */
int64_t kmls_find_member(const struct kenh_mls_group *g, const char *id);

/* Print bytes as lowercase hex (no newline). */
void kmls_print_hex(const uint8_t *p, size_t len);

/* Print a JSON string literal with escapes. */
void kmls_print_json_string(const uint8_t *p, size_t len);

/* The commands. */
typedef int kmls_cmd_fn(struct kmls *k);
kmls_cmd_fn kmls_cmd_keypackage;
kmls_cmd_fn kmls_cmd_create;
kmls_cmd_fn kmls_cmd_add;
kmls_cmd_fn kmls_cmd_join;
kmls_cmd_fn kmls_cmd_send;
kmls_cmd_fn kmls_cmd_recv;
kmls_cmd_fn kmls_cmd_update;
kmls_cmd_fn kmls_cmd_remove;
kmls_cmd_fn kmls_cmd_propose_remove;
kmls_cmd_fn kmls_cmd_info;
kmls_cmd_fn kmls_cmd_decode;

#endif /* KENH_CLI_KMLS_H */
