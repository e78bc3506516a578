/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-admin: the organization's authority (DESIGN §6, docs/operations.md).
 * This file is the subcommand table (STYLE R12.3, after wg(8)), the global
 * options, the argument parser every subcommand uses, and the one error
 * format: "kenh-admin: <what>: <reason>" on stderr and a non-zero exit.
 * Everything works offline on the admin folder; once `relay set` has run,
 * requests fetch, sign, reject, revoke, crl upload and wipe also hand
 * their results to the relay (admin_relay.c). The CA keys never leave
 * the folder.
 */
#include "admin.h"

#include "util/compat.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cli.h"
#include "kenh/kenh.h"
#include "util/mem.h"

/* What a subcommand needs before it runs. */
enum need {
	NEED_NOTHING = 0, /* init makes the folder itself */
	NEED_FOLDER = 1,  /* an existing admin folder, locked */
	NEED_WRITE = 2,   /* and an audit log that verifies, since the action will be logged */
};

struct command {
	const char *word;
	const char *sub; /* second word, or NULL */
	admin_cmd_fn *fn;
	enum need need;
	const char *help;
};

static const struct command commands[] = {
	{ "init", NULL, cmd_admin_init, NEED_NOTHING,
	  "--org NAME [--suite 1|2|3] [--days N] [--kdf-memory MIB] [--kdf-iterations N]" },
	{ "unit", "create", cmd_admin_unit_create, NEED_WRITE, "PATH [--days N]" },
	{ "unit", "list", cmd_admin_unit_list, NEED_FOLDER, "" },
	{ "enroll-code", NULL, cmd_admin_enroll_code, NEED_WRITE,
	  "USER --unit PATH [--ttl 24h] [--qr | --no-qr]" },
	{ "requests", "import", cmd_admin_requests_import, NEED_WRITE, "FILE" },
	{ "requests", "fetch", cmd_admin_requests_fetch, NEED_WRITE, "" },
	{ "requests", "list", cmd_admin_requests_list, NEED_FOLDER, "[--all]" },
	{ "sign", NULL, cmd_admin_sign, NEED_WRITE,
	  "REQ [--days N] [--out FILE] [--issuer unit|root]" },
	{ "reject", NULL, cmd_admin_reject, NEED_WRITE, "REQ --reason TEXT" },
	{ "renew", NULL, cmd_admin_renew, NEED_WRITE, "DEVICE [--days N] [--out FILE]" },
	{ "revoke", NULL, cmd_admin_revoke, NEED_WRITE, "DEVICE|USER --reason TEXT" },
	{ "devices", NULL, cmd_admin_devices, NEED_FOLDER, "[USER]" },
	{ "crl", "show", cmd_admin_crl_show, NEED_FOLDER, "" },
	{ "crl", "upload", cmd_admin_crl_upload, NEED_FOLDER, "" },
	{ "relay", "set", cmd_admin_relay_set, NEED_WRITE,
	  "HOST:PORT [--ca FILE] [--unit PATH] [--renew]" },
	{ "relay", "show", cmd_admin_relay_show, NEED_FOLDER, "" },
	{ "wipe", NULL, cmd_admin_wipe, NEED_WRITE, "DEVICE [--signer root|unit] [--out FILE]" },
	{ "verify", NULL, cmd_admin_verify, NEED_FOLDER, "CERT [--at TIME]" },
	{ "audit", "verify", cmd_admin_audit_verify, NEED_FOLDER, "" },
	{ "audit", "show", cmd_admin_audit_show, NEED_FOLDER, "" },
};

int admin_fail(const char *what, int code)
{
	const char *why = kenh_strerror(code);

	/* R3.11 gives one code for both; for a person, say what probably happened. */
	if (code == KENH_E_DECRYPT) why = "wrong passphrase (or the key file was changed)";
	fprintf(stderr, "kenh-admin: %s: %s\n", what, why);
	return 1;
}

int admin_failf(const char *what, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kenh-admin: %s: ", what);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f, "usage: kenh-admin [--dir DIR] [--passphrase-file FILE] COMMAND ...\n");
	for (i = 0; i < ARRAY_LEN(commands); i++)
		fprintf(f, "    %s%s%s %s\n", commands[i].word, commands[i].sub ? " " : "",
		        commands[i].sub ? commands[i].sub : "", commands[i].help);
	fprintf(f, "The folder may also come from KENH_ADMIN_DIR, the passphrase from %s.\n",
	        ADMIN_PASS_ENV);
}

static const struct admin_opt *find_opt(const struct admin_opt *opts, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(opts[i].name, name) == 0) return &opts[i];
	return NULL;
}

int admin_args(const char *usage_line, int argc, char **argv, const struct admin_opt *opts,
               size_t nopts, const char **pos, size_t min, size_t max)
{
	const struct admin_opt *o;
	size_t npos = 0;
	int i;

	for (i = 0; i < argc; i++) {
		if (argv[i][0] != '-' || argv[i][1] == '\0') {
			if (npos == max) goto bad;
			pos[npos++] = argv[i];
			continue;
		}
		if ((o = find_opt(opts, nopts, argv[i])) == NULL) goto bad;
		if (o->value == NULL) {
			*o->flag = true;
			continue;
		}
		if (i + 1 == argc) goto bad;
		*o->value = argv[++i];
	}
	if (npos < min) goto bad;
	return 0;
bad:
	fprintf(stderr, "usage: kenh-admin %s\n", usage_line);
	return 2;
}

int admin_number(const char *s, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end = NULL;

	*out = 0;
	if (s == NULL || s[0] < '0' || s[0] > '9') return KENH_ERR(KENH_E_INVALID_ARG);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v == 0 || v > max) return KENH_ERR(KENH_E_INVALID_ARG);
	*out = (uint64_t)v;
	return 0;
}

int admin_duration(const char *s, uint64_t max, uint64_t *out)
{
	static const struct {
		char unit;
		uint64_t seconds;
	} units[] = { { 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 } };
	char num[24];
	size_t n = strlen(s), i;
	uint64_t v;

	*out = 0;
	if (n < 2 || n >= sizeof(num)) return KENH_ERR(KENH_E_INVALID_ARG);
	memcpy(num, s, n - 1);
	num[n - 1] = '\0';
	for (i = 0; i < ARRAY_LEN(units); i++) {
		if (units[i].unit != s[n - 1]) continue;
		if (admin_number(num, max / units[i].seconds, &v) != 0) break;
		*out = v * units[i].seconds;
		return 0;
	}
	return KENH_ERR(KENH_E_INVALID_ARG);
}

void admin_hex(const uint8_t *p, size_t n, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

int admin_unhex(const char *s, uint8_t *out, size_t n)
{
	unsigned v;
	size_t i;

	if (strlen(s) != 2 * n) return KENH_ERR(KENH_E_PARSE);
	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[2 * i]) || !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return KENH_ERR(KENH_E_PARSE);
		out[i] = (uint8_t)v;
	}
	return 0;
}

const char *admin_sig_name(uint16_t sig_id)
{
	switch (sig_id) {
	case CRYPTO_SIG_ED25519:
		return "Ed25519";
	case CRYPTO_SIG_ECDSA_P256_SHA256:
		return "ECDSA P-256";
	default:
		return "unknown";
	}
}

static const struct command *find_command(int argc, char **argv, int *used)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(commands); i++) {
		if (strcmp(commands[i].word, argv[0]) != 0) continue;
		if (commands[i].sub == NULL) {
			*used = 1;
			return &commands[i];
		}
		if (argc > 1 && strcmp(commands[i].sub, argv[1]) == 0) {
			*used = 2;
			return &commands[i];
		}
	}
	return NULL;
}

/* Global options before the command; returns the index of the command word, or -1. */
static int global_options(struct admin *a, int argc, char **argv)
{
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--dir") == 0 && i + 1 < argc) {
			a->dir = argv[++i];
		} else if (strcmp(argv[i], "--passphrase-file") == 0 && i + 1 < argc) {
			a->pass_file = argv[++i];
		} else if (strcmp(argv[i], "--version") == 0) {
			printf("kenh-admin %s\n", kenh_version());
			exit(0);
		} else {
			usage(strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0
			              ? stdout
			              : stderr);
			exit(strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ? 0 : 2);
		}
	}
	return i < argc ? i : -1;
}

/* R5.7: no core dumps of a process that holds CA keys. */
static void harden(void)
{
	struct rlimit rl = { 0, 0 };

	(void)setrlimit(RLIMIT_CORE, &rl);
	umask(077);
}

int main(int argc, char **argv)
{
	struct admin a;
	const struct command *c;
	int first, used = 0, status;

	harden();
	memset(&a, 0, sizeof(a));
	a.lock_fd = -1;
	a.dir = getenv("KENH_ADMIN_DIR");
	if ((first = global_options(&a, argc, argv)) < 0) {
		usage(stderr);
		return 2;
	}
	if ((c = find_command(argc - first, argv + first, &used)) == NULL) {
		usage(stderr);
		return 2;
	}
	if (a.dir == NULL)
		return admin_failf(c->word, "no admin folder: use --dir DIR or KENH_ADMIN_DIR");
	if (kenh_ctx_new(&a.ctx) != 0)
		return admin_failf(c->word, "cannot set up the crypto library");
	a.now = cli_now();
	status = c->need != NEED_NOTHING ? admin_open(&a) : 0;
	/* Act only if the action can be logged: never after the log was tampered with. */
	if (status == 0 && c->need == NEED_WRITE && admin_audit_verify(&a, true) != 0)
		status = admin_failf(c->word, "nothing done: the audit log does not verify");
	if (status == 0) status = c->fn(&a, argc - first - used, argv + first + used);
	admin_close(&a);
	kenh_ctx_free(a.ctx);
	return status;
}
