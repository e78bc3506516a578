/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-admin enroll-code USER --unit PATH [--ttl 24h] [--qr | --no-qr]:
 * a one-time enrollment code for one user in one unit (DESIGN §6,
 * docs/pki.md "Enrollment codes"): 128 random bits, printed once in
 * groups of base32 characters (and as a terminal QR code when `qrencode`
 * is installed), stored only as the public key derived from it, and
 * refused after its lifetime or its first use.
 */
#include "admin.h"

#include "util/compat.h"

#include <sys/wait.h>
#include <unistd.h>

#include "../common/cli.h"
#include "crypto/crypto.h"
#include "util/mem.h"

/* The full path of qrencode in $PATH, or false. Optional: Kenh does not depend on it. */
static bool find_qrencode(char *out, size_t cap)
{
	const char *path = getenv("PATH");
	char dirs[ADMIN_PATH], *d, *next;

	if (path == NULL || cli_path(dirs, sizeof(dirs), "%s", path) != 0) return false;
	for (d = dirs; d != NULL; d = next) {
		if ((next = strchr(d, ':')) != NULL) *next++ = '\0';
		if (*d == '\0') continue;
		if (cli_path(out, cap, "%s/qrencode", d) == 0 && access(out, X_OK) == 0)
			return true;
	}
	return false;
}

/* Draw text as a QR code on the terminal; the text goes through a pipe, never in argv. */
static void show_qr(const char *text)
{
	char exe[ADMIN_PATH];
	int fds[2], status;
	pid_t pid;

	if (!find_qrencode(exe, sizeof(exe)) || pipe(fds) != 0) return;
	fflush(stdout);
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return;
	}
	if (pid == 0) {
		char *const args[] = { exe, (char *)(uintptr_t) "-t",
			               (char *)(uintptr_t) "ANSIUTF8", NULL };

		close(fds[1]);
		if (dup2(fds[0], STDIN_FILENO) >= 0) execv(exe, args);
		_exit(127);
	}
	close(fds[0]);
	(void)!write(fds[1], text, strlen(text));
	close(fds[1]);
	(void)waitpid(pid, &status, 0);
}

static int record(struct admin *a, const char *user, const char *unit, const uint8_t *key,
                  uint64_t expires)
{
	char details[ADMIN_DETAILS] = "", hex[2 * CRYPTO_ENROLL_KEY_LEN + 1], when[32];

	admin_hex(key, CRYPTO_ENROLL_KEY_LEN, hex);
	hex[16] = '\0'; /* enough to tell codes apart in the log */
	cli_time_format(expires, when, sizeof(when));
	if (admin_kv(details, "user", user) != 0 || admin_kv(details, "unit", unit) != 0 ||
	    admin_kv(details, "code_key", hex) != 0 || admin_kv(details, "expires", when) != 0)
		return admin_fail("enroll-code", KENH_E_TOO_LARGE);
	return admin_audit(a, "code", details);
}

static void print_code(const char *user, const char *unit, const char *text, uint64_t expires,
                       bool qr)
{
	char when[32], uri[256];

	cli_time_format(expires, when, sizeof(when));
	printf("enrollment code for %s in %s, valid until %s, usable once:\n\n    %s\n\n", user,
	       unit, when, text);
	printf("give it to the user over a channel you trust; it is not shown again\n");
	if (!qr) return;
	snprintf(uri, sizeof(uri), "kenh:enroll/%s/%s?code=%s", unit, user, text);
	show_qr(uri);
	/* The URI holds the code: wipe it like the caller wipes text (R5.2). */
	sec_zero(uri, sizeof(uri));
}

static int make_code(struct admin *a, const char *user, const char *unit, uint64_t ttl, bool qr)
{
	uint8_t code[CRYPTO_ENROLL_CODE_LEN], key[CRYPTO_ENROLL_KEY_LEN];
	char text[CRYPTO_ENROLL_CODE_TEXT];
	struct admin_code c;
	int rc;

	memset(&c, 0, sizeof(c));
	snprintf(c.user, sizeof(c.user), "%s", user);
	snprintf(c.unit, sizeof(c.unit), "%s", unit);
	snprintf(c.state, sizeof(c.state), "open");
	c.created = a->now;
	c.expires = a->now + ttl;
	if ((rc = crypto_random(a->ctx, code, sizeof(code))) != 0 ||
	    (rc = crypto_enroll_code_key(a->ctx, code, key)) != 0 ||
	    (rc = crypto_enroll_code_format(a->ctx, code, text, sizeof(text))) != 0 ||
	    (rc = admin_code_store(a, key, &c)) != 0) {
		rc = admin_fail("enroll-code", rc);
		goto out;
	}
	if ((rc = record(a, user, unit, key, c.expires)) != 0) goto out;
	print_code(user, unit, text, c.expires, qr);
out:
	sec_zero(code, sizeof(code));
	sec_zero(text, sizeof(text));
	return rc;
}

int cmd_admin_enroll_code(struct admin *a, int argc, char **argv)
{
	const char *user = NULL, *unit = NULL, *ttl_s = NULL;
	bool qr = false, no_qr = false;
	const struct admin_opt opts[] = {
		{ "--unit", &unit, NULL },
		{ "--ttl", &ttl_s, NULL },
		{ "--qr", NULL, &qr },
		{ "--no-qr", NULL, &no_qr },
	};
	struct admin_ca ca;
	uint64_t ttl = ADMIN_CODE_TTL;
	int rc;

	rc = admin_args("enroll-code USER --unit PATH [--ttl 24h] [--qr | --no-qr]", argc, argv,
	                opts, ARRAY_LEN(opts), &user, 1, 1);
	if (rc != 0) return rc;
	if (!crypto_user_is_valid(user))
		return admin_failf(user, "not a user name: lowercase letters, digits, '.', '_' and "
		                         "'-', starting with a letter or digit, at most 64");
	if (unit == NULL) return admin_failf("enroll-code", "--unit PATH is required");
	if (!crypto_unit_path_is_valid(unit))
		return admin_failf(unit, "not a unit path (see kenh-admin unit create)");
	if (ttl_s != NULL && admin_duration(ttl_s, ADMIN_CODE_MAX, &ttl) != 0)
		return admin_failf("--ttl", "a duration like 30m, 24h or 7d, at most 30d");
	rc = admin_ca_covering(a, unit, &ca);
	admin_ca_free(&ca);
	if (rc == KENH_E_NOT_FOUND)
		return admin_failf(unit, "no unit CA covers this unit (kenh-admin unit create %s)",
		                   unit);
	if (rc != 0) return admin_fail(unit, rc);
	/* Unlock first: a wrong passphrase must not leave a code behind. */
	if ((rc = admin_root_key(a)) != 0) return rc;
	return make_code(a, user, unit, ttl, qr || (!no_qr && isatty(STDOUT_FILENO)));
}
