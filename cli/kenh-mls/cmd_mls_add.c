/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-mls add --state S --keypackage KP[,KP...] --commit-out C
 * --welcome-out W: commit Adds of the KeyPackages in the KP files
 * (MLSMessage or bare KeyPackage, RFC 9420 §12.1.1), with a Welcome that
 * carries the ratchet_tree extension (§12.4.3.3).
 */
#include "kmls.h"

#include "util/compat.h"

#define MAX_ADD 64

struct kp_files {
	char list[4096];
	uint8_t *buf[MAX_ADD];
	size_t len[MAX_ADD];
	size_t n;
};

static void kp_files_clear(struct kp_files *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		kenh_mls_free(f->buf[i], f->len[i]);
	f->n = 0;
}

/* Read every file of the comma-separated list. Returns an exit code. */
static int read_all(const char *arg, struct kp_files *f)
{
	char *p, *comma;
	int rc, n;

	n = snprintf(f->list, sizeof(f->list), "%s", arg);
	if (n < 0 || (size_t)n >= sizeof(f->list)) return kmls_usage_msg("--keypackage too long");
	for (p = f->list; p != NULL; p = comma) {
		if ((comma = strchr(p, ',')) != NULL) *comma++ = '\0';
		if (*p == '\0') return kmls_usage_msg("empty name in --keypackage");
		if (f->n == MAX_ADD) return kmls_usage_msg("too many KeyPackages");
		if ((rc = kmls_file_read(p, &f->buf[f->n], &f->len[f->n])) != 0)
			return kmls_fail(p, rc);
		f->n++;
	}
	return KMLS_OK;
}

int kmls_cmd_add(struct kmls *k)
{
	const struct kmls_opts *o = k->o;
	struct kenh_mls_commit_args a;
	struct kp_files f;
	struct kmls_state st;
	int rc;

	memset(&f, 0, sizeof(f));
	if ((rc = kmls_state_load(k, o->state, 0, &st)) != 0) return kmls_fail("state", rc);
	if (st.group == NULL) {
		rc = kmls_fail_msg("the state holds no group");
		goto out;
	}
	if ((rc = read_all(o->keypackage, &f)) != KMLS_OK) goto out;
	memset(&a, 0, sizeof(a));
	a.key_packages = (const uint8_t *const *)f.buf;
	a.key_package_lens = f.len;
	a.n_add = f.n;
	a.include_pending = true;
	a.ratchet_tree = true;
	rc = kmls_commit(k, &st, &a, o->commit_out, o->welcome_out);
out:
	kp_files_clear(&f);
	kmls_state_clear(&st);
	return rc;
}
