/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The text rules of application content (docs/content.md "Rules"): UTF-8
 * as RFC 3629 §3 and §4 define it (shortest form only, no surrogate
 * halves, nothing above U+10FFFF), no control characters where a line is
 * expected, and assignee names checked with pki.h's own definitions of a
 * unit path and a user name, so a directive names units and users exactly
 * as certificates do.
 */
#include "client/client_int.h"

#include "util/compat.h"

#include "client/client_content.h"
#include "crypto/pki.h"

/* The length of the sequence a lead byte starts (0: not a lead byte), its bits and minimum. */
static size_t utf8_lead(uint8_t c, uint32_t *cp, uint32_t *min)
{
	if ((c & 0xe0) == 0xc0) {
		*cp = c & 0x1fu;
		*min = 0x80;
		return 2;
	}
	if ((c & 0xf0) == 0xe0) {
		*cp = c & 0x0fu;
		*min = 0x800;
		return 3;
	}
	if ((c & 0xf8) == 0xf0) {
		*cp = c & 0x07u;
		*min = 0x10000;
		return 4;
	}
	return 0;
}

bool client_utf8_is_valid(struct kenh_span s)
{
	size_t i = 0, n, k;
	uint32_t cp = 0, min = 0;

	while (i < s.len) {
		if (s.p[i] < 0x80) {
			i++;
			continue;
		}
		if ((n = utf8_lead(s.p[i], &cp, &min)) == 0 || n > s.len - i) return false;
		for (k = 1; k < n; k++) {
			if ((s.p[i + k] & 0xc0) != 0x80) return false;
			cp = cp << 6 | (s.p[i + k] & 0x3fu);
		}
		/* RFC 3629 §3: the shortest form only; §3 and §10: no surrogates, at most U+10FFFF. */
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
		i += n;
	}
	return true;
}

bool client_text_is_valid(struct kenh_span s, bool multiline)
{
	size_t i;

	if (!client_utf8_is_valid(s)) return false;
	for (i = 0; i < s.len; i++) {
		uint8_t c = s.p[i];

		if (c == 0x7f) return false;
		if (c < 0x20 && !(multiline && (c == '\n' || c == '\t'))) return false;
	}
	return true;
}

bool client_assignee_is_valid(const struct client_assignee *a)
{
	char name[CLIENT_MAX_NAME + 1];

	if (a->name.len == 0 || a->name.len > CLIENT_MAX_NAME) return false;
	/* pki.h's checks take C strings: an embedded NUL must not cut the name short. */
	if (memchr(a->name.p, '\0', a->name.len) != NULL) return false;
	memcpy(name, a->name.p, a->name.len);
	name[a->name.len] = '\0';
	switch (a->kind) {
	case CLIENT_ASSIGNEE_UNIT:
		return crypto_unit_path_is_valid(name);
	case CLIENT_ASSIGNEE_USER:
		return crypto_user_is_valid(name);
	}
	return false;
}

int client_span_cmp(struct kenh_span a, struct kenh_span b)
{
	size_t n = a.len < b.len ? a.len : b.len;
	int c = n == 0 ? 0 : memcmp(a.p, b.p, n);

	if (c != 0) return c;
	return a.len < b.len ? -1 : a.len > b.len;
}
