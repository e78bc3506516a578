/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-mls helpers: whole-file reads and atomic writes (cli/common: a
 * temporary file, fsync, rename, so a failed command never leaves a
 * half-written state or message file), the state file, error lines, and
 * small printing helpers. The state file is ours, big-endian:
 *
 *   "KMST" uint16 format(1) uint16 suite uint8 identity_len identity
 *   uint32 keypackage_len keypackage   (kenh_mls_keypackage_serialize, or empty)
 *   uint32 group_len group             (kenh_mls_group_serialize, or empty)
 *
 * It holds private keys in the clear: it is a test and interop tool, and
 * the file is created with mode 0600.
 */
#include "kmls.h"

#include "util/compat.h"

#include "../common/cli.h"
#include "util/mem.h"
#include "util/util.h"

#define STATE_MAGIC  0x4b4d5354u /* "KMST" */
#define STATE_FORMAT 1u
#define FILE_MAX     (64u << 20)

int kmls_fail(const char *what, int rc)
{
	fprintf(stderr, "kenh-mls: %s: %s\n", what, kenh_strerror(rc));
	return KMLS_FAIL;
}

int kmls_fail_msg(const char *what)
{
	fprintf(stderr, "kenh-mls: %s\n", what);
	return KMLS_FAIL;
}

int kmls_usage_msg(const char *what)
{
	fprintf(stderr, "kenh-mls: %s\n", what);
	return KMLS_USAGE;
}

int kmls_file_read(const char *path, uint8_t **buf, size_t *len)
{
	return cli_file_read(path, FILE_MAX, buf, len);
}

int kmls_file_write(const char *path, const uint8_t *buf, size_t len)
{
	/* Private (0600), replacing any earlier file atomically. */
	return cli_file_write(path, buf, len, false, false);
}

/* A tiny bounds-checked reader over the state file. */
struct rd {
	const uint8_t *p;
	size_t len, off;
	bool bad;
};

static const uint8_t *take(struct rd *r, size_t n)
{
	const uint8_t *at;

	if (r->bad || n > r->len - r->off) {
		r->bad = true;
		return NULL;
	}
	at = r->p + r->off;
	r->off += n;
	return at;
}

static uint32_t take_u32(struct rd *r)
{
	const uint8_t *p = take(r, 4);

	return p != NULL ? load_be32(p) : 0;
}

static uint16_t take_u16(struct rd *r)
{
	const uint8_t *p = take(r, 2);

	return p != NULL ? load_be16(p) : 0;
}

static int load_parts(struct kmls *k, struct rd *r, struct kmls_state *st)
{
	const uint8_t *p;
	uint32_t n;
	int rc;

	n = take_u32(r);
	if ((p = take(r, n)) == NULL) return KENH_E_PARSE;
	if (n != 0 && (rc = kenh_mls_keypackage_restore(k->ctx, p, n, &st->kp)) != 0) return rc;
	n = take_u32(r);
	if ((p = take(r, n)) == NULL) return KENH_E_PARSE;
	if (n != 0 && (rc = kenh_mls_group_restore(k->ctx, &k->cfg, p, n, &st->group)) != 0)
		return rc;
	return r->off == r->len ? 0 : KENH_E_TRAILING;
}

static int load_bytes(struct kmls *k, const uint8_t *buf, size_t len, struct kmls_state *st)
{
	struct rd r = { buf, len, 0, false };
	const uint8_t *id;
	uint8_t idlen;

	if (take_u32(&r) != STATE_MAGIC || take_u16(&r) != STATE_FORMAT) return KENH_E_PARSE;
	st->suite = take_u16(&r);
	id = take(&r, 1);
	idlen = id != NULL ? id[0] : 0;
	if ((id = take(&r, idlen)) == NULL) return KENH_E_PARSE;
	memcpy(st->identity, id, idlen);
	st->identity[idlen] = '\0';
	return load_parts(k, &r, st);
}

int kmls_state_load(struct kmls *k, const char *path, int may_be_new, struct kmls_state *st)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = kmls_file_read(path, &buf, &len);
	if (rc == KENH_E_NOT_FOUND && may_be_new) return 0;
	if (rc != 0) return rc;
	if ((rc = load_bytes(k, buf, len, st)) != 0) kmls_state_clear(st);
	sec_free(buf, len);
	return rc;
}

void kmls_state_clear(struct kmls_state *st)
{
	kenh_mls_keypackage_free(st->kp);
	kenh_mls_group_free(st->group);
	memset(st, 0, sizeof(*st));
}

static void put_u32(uint8_t *p, size_t *off, uint32_t v)
{
	store_be32(p + *off, v);
	*off += 4;
}

static void put_bytes(uint8_t *p, size_t *off, const uint8_t *b, size_t n)
{
	if (n != 0) memcpy(p + *off, b, n);
	*off += n;
}

static int save_bytes(const struct kmls_state *st, const uint8_t *kp, size_t kp_len,
                      const uint8_t *g, size_t g_len, const char *path)
{
	size_t idlen = strlen(st->identity), total, off = 0;
	uint8_t *buf = NULL;
	int rc;

	if (kp_len > UINT32_MAX || g_len > UINT32_MAX) return KENH_E_TOO_LARGE;
	total = 4 + 2 + 2 + 1 + idlen + 4 + kp_len + 4 + g_len;
	if ((rc = mem_alloc(total, (void **)&buf)) != 0) return rc;
	put_u32(buf, &off, STATE_MAGIC);
	store_be16(buf + off, STATE_FORMAT);
	store_be16(buf + off + 2, st->suite);
	buf[off + 4] = (uint8_t)idlen;
	off += 5;
	put_bytes(buf, &off, (const uint8_t *)st->identity, idlen);
	put_u32(buf, &off, (uint32_t)kp_len);
	put_bytes(buf, &off, kp, kp_len);
	put_u32(buf, &off, (uint32_t)g_len);
	put_bytes(buf, &off, g, g_len);
	rc = kmls_file_write(path, buf, total);
	sec_free(buf, total);
	return rc;
}

int kmls_state_save(const struct kmls_state *st, const char *path)
{
	uint8_t *kp = NULL, *g = NULL;
	size_t kp_len = 0, g_len = 0;
	int rc = 0;

	if (strlen(st->identity) > 255) return KENH_E_INVALID_ARG;
	if (st->kp != NULL) rc = kenh_mls_keypackage_serialize(st->kp, &kp, &kp_len);
	if (rc == 0 && st->group != NULL) rc = kenh_mls_group_serialize(st->group, &g, &g_len);
	if (rc == 0) rc = save_bytes(st, kp, kp_len, g, g_len, path);
	kenh_mls_free(kp, kp_len);
	kenh_mls_free(g, g_len);
	return rc;
}

int kmls_parse_suite(const char *s)
{
	if (strcmp(s, "1") == 0) return 1;
	if (strcmp(s, "2") == 0) return 2;
	if (strcmp(s, "3") == 0) return 3;
	return -1;
}

int kmls_make_keypackage(struct kmls *k, uint16_t suite, const char *identity,
                         struct kenh_mls_keypackage **out)
{
	struct kenh_mls_keypackage_args a;

	memset(&a, 0, sizeof(a));
	a.suite = suite;
	a.credential.type = KENH_MLS_CREDENTIAL_BASIC;
	a.credential.identity = (const uint8_t *)identity;
	a.credential.identity_len = strlen(identity);
	return kenh_mls_keypackage_new(k->ctx, &a, out);
}

int kmls_member_identity(const struct kenh_mls_group *g, uint32_t leaf, char *buf, size_t cap)
{
	const struct kenh_mls_credential *c = NULL;
	const uint8_t *id = NULL;
	size_t len = 0;
	int rc;

	buf[0] = '\0';
	if ((rc = kenh_mls_group_member(g, leaf, &c)) != 0) return rc;
	kenh_mls_credential_identity(c, &id, &len);
	if (len >= cap) return KENH_E_TOO_LARGE;
	if (len != 0) memcpy(buf, id, len);
	buf[len] = '\0';
	return 0;
}

int64_t kmls_find_member(const struct kenh_mls_group *g, const char *id)
{
	char name[256];
	uint32_t i;

	for (i = 0; i < kenh_mls_group_leaf_count(g); i++) {
		if (kmls_member_identity(g, i, name, sizeof(name)) != 0) continue;
		if (strcmp(name, id) == 0) return i;
	}
	return -1;
}

void kmls_print_hex(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		printf("%02x", p[i]);
}

void kmls_print_json_string(const uint8_t *p, size_t len)
{
	size_t i;

	putchar('"');
	for (i = 0; i < len; i++) {
		if (p[i] == '"' || p[i] == '\\') {
			printf("\\%c", p[i]);
		} else if (p[i] < 0x20 || p[i] >= 0x7f) {
			printf("\\u%04x", p[i]);
		} else {
			putchar(p[i]);
		}
	}
	putchar('"');
}
