/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Output helpers of kenh: JSON strings (RFC 8259 §7 escapes) for --json,
 * lowercase hex for ids, the words for content types, and the event hook
 * of the daemon (docs/daemon.md §3).
 */
#include "kenh.h"

#include "util/compat.h"

void kenh_json_str(FILE *f, const uint8_t *p, size_t len)
{
	size_t i;

	fputc('"', f);
	for (i = 0; i < len; i++) {
		uint8_t c = p[i];

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void kenh_emit(struct kenh_app *a, const struct kenh_event *ev)
{
	if (a->on_event != NULL) a->on_event(a->event_arg, a, ev);
}

const char *kenh_content_type_name(enum client_content_type t)
{
	static const char *const names[] = { "?",   "text",   "file",   "directive",
		                             "ack", "report", "receipt" };

	return (size_t)t < sizeof(names) / sizeof(names[0]) ? names[t] : "?";
}

struct kenh_span kenh_content_text(const struct client_content *c)
{
	if (c->type == CLIENT_CONTENT_TEXT) return c->u.text.text;
	if (c->type == CLIENT_CONTENT_FILE) return c->u.file.name;
	if (c->type == CLIENT_CONTENT_DIRECTIVE) return c->u.directive.title;
	if (c->type == CLIENT_CONTENT_REPORT) return c->u.report.text;
	return span_make(NULL, 0);
}

void kenh_hex(const uint8_t *p, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * len] = '\0';
}

static int nibble(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

int kenh_unhex(const char *s, uint8_t *out, size_t len)
{
	size_t i;

	if (strlen(s) != 2 * len) return KENH_ERR(KENH_E_PARSE);
	for (i = 0; i < len; i++) {
		int h = nibble(s[2 * i]), l = nibble(s[2 * i + 1]);

		if (h < 0 || l < 0) return KENH_ERR(KENH_E_PARSE);
		out[i] = (uint8_t)(h << 4 | l);
	}
	return 0;
}

static const struct kenh_arg *find_arg(const struct kenh_arg *opts, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(opts[i].name, name) == 0) return &opts[i];
	return NULL;
}

int kenh_args(int argc, char **argv, int start, const struct kenh_arg *opts, size_t nopts,
              const char **pos, size_t maxpos, size_t *npos)
{
	const struct kenh_arg *o;
	int i;

	*npos = 0;
	for (i = start; i < argc; i++) {
		if (strncmp(argv[i], "--", 2) != 0 || argv[i][2] == '\0') {
			if (*npos == maxpos) return KENH_ERR(KENH_E_INVALID_ARG);
			pos[(*npos)++] = argv[i];
			continue;
		}
		if ((o = find_arg(opts, nopts, argv[i])) == NULL)
			return KENH_ERR(KENH_E_INVALID_ARG);
		if (o->flag != NULL) {
			*o->flag = true;
			continue;
		}
		if (i + 1 >= argc) return KENH_ERR(KENH_E_INVALID_ARG);
		if (o->multi != NULL) {
			if (*o->nmulti == o->maxmulti) return KENH_ERR(KENH_E_TOO_LARGE);
			o->multi[(*o->nmulti)++] = argv[++i];
		} else {
			*o->val = argv[++i];
		}
	}
	return 0;
}
