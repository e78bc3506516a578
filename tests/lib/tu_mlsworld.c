/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * MLS parties for flow tests of the group state machine: see
 * tu_mlsworld.h.
 */
#include "tu_mlsworld.h"

#include "util/compat.h"

#include <stdio.h>

#include "codec/codec.h"
#include "kenh/err.h"
#include "util/mem.h"

static int accept_basic(void *arg, const struct mls_leaf_node *ln)
{
	(void)arg;
	return ln->credential.credential_type == MLS_CREDENTIAL_BASIC ? 0 : KENH_E_VERIFY;
}

static uint64_t world_clock(void *arg)
{
	return ((const struct tu_world *)arg)->now;
}

void tu_world_init(struct tu_world *w, struct kenh_ctx *ctx, uint16_t suite)
{
	memset(w, 0, sizeof(*w));
	w->ctx = ctx;
	w->suite = suite;
	w->now = 1800000000u;
	w->cb.check_credential = accept_basic;
	w->cb.clock = world_clock;
	w->cb.clock_arg = w;
}

void tu_world_clear(struct tu_world *w)
{
	size_t i;

	for (i = 0; i < TU_PARTIES; i++) {
		mls_group_free(w->p[i].g);
		mls_own_key_package_clear(&w->p[i].kp);
	}
	memset(w, 0, sizeof(*w));
}

int tu_make_kp(struct tu_world *w, size_t i, uint16_t suite)
{
	struct mls_credential cred;
	struct mls_kp_args a;
	struct tu_party *p = &w->p[i];

	mls_own_key_package_clear(&p->kp);
	snprintf(p->name, sizeof(p->name), "p%zu", i);
	memset(&cred, 0, sizeof(cred));
	cred.credential_type = MLS_CREDENTIAL_BASIC;
	cred.identity = span_make((const uint8_t *)p->name, strlen(p->name));
	memset(&a, 0, sizeof(a));
	a.ctx = w->ctx;
	a.suite = suite;
	a.credential = &cred;
	a.now = w->now;
	a.grease = !w->no_grease;
	return mls_group_key_package(&a, &p->kp);
}

int tu_create(struct tu_world *w, size_t i)
{
	int rc;

	if ((rc = tu_make_kp(w, i, w->suite)) != 0) return rc;
	return mls_group_create(w->ctx, &w->cb, &w->p[i].kp, span_make(NULL, 0), NULL, &w->p[i].g);
}

int tu_deliver(struct tu_world *w, size_t i, const uint8_t *msg, size_t len, struct mls_event *ev)
{
	struct mls_message m;
	struct mls_event local;
	int rc;

	if (ev == NULL) ev = &local;
	memset(ev, 0, sizeof(*ev));
	if ((rc = mls_message_parse(msg, len, &m)) == 0) {
		rc = mls_group_process(w->p[i].g, &m, ev);
		mls_message_clear(&m);
	}
	if (ev == &local) mls_event_clear(&local);
	return rc;
}

int tu_join(struct tu_world *w, size_t i, const uint8_t *welcome, size_t len)
{
	struct mls_message m;
	int rc;

	if ((rc = mls_message_parse(welcome, len, &m)) != 0) return rc;
	if (m.wire_format != MLS_WIRE_FORMAT_WELCOME) {
		rc = KENH_E_PROTO;
	} else {
		mls_group_free(w->p[i].g);
		w->p[i].g = NULL;
		rc = mls_group_join(w->ctx, &w->cb, &w->p[i].kp, &m.u.welcome, span_make(NULL, 0),
		                    &w->p[i].g);
	}
	mls_message_clear(&m);
	return rc;
}

int tu_grow_group(struct tu_world *w, size_t n)
{
	struct kenh_span kps[TU_PARTIES];
	struct mls_commit_made cm;
	struct mls_commit_args a;
	size_t i;
	int rc;

	if (n == 0 || n > TU_PARTIES) return KENH_E_INVALID_ARG;
	if ((rc = tu_create(w, 0)) != 0 || n == 1) return rc;
	for (i = 1; i < n; i++) {
		if ((rc = tu_make_kp(w, i, w->suite)) != 0) return rc;
		kps[i - 1] = span_make(w->p[i].kp.kp, w->p[i].kp.kp_len);
	}
	memset(&a, 0, sizeof(a));
	a.key_packages = kps;
	a.n_add = n - 1;
	a.ratchet_tree_in_welcome = true;
	if ((rc = tu_commit_all(w, 0, &a, &cm)) != 0) return rc;
	for (i = 1; i < n && rc == 0; i++)
		rc = tu_join(w, i, cm.welcome, cm.welcome_len);
	mls_commit_made_clear(&cm);
	if (rc == 0 && !tu_agree(w)) rc = KENH_E_STATE;
	return rc;
}

int tu_commit_all(struct tu_world *w, size_t c, const struct mls_commit_args *a,
                  struct mls_commit_made *out)
{
	struct mls_commit_made local;
	struct mls_commit_outcome o;
	size_t i;
	int rc;

	if (out == NULL) out = &local;
	if ((rc = mls_group_commit_create(w->p[c].g, a, out)) != 0) return rc;
	for (i = 0; i < TU_PARTIES && rc == 0; i++) {
		if (i == c || w->p[i].g == NULL || w->p[i].g->removed || w->p[i].g->reinit)
			continue;
		rc = tu_deliver(w, i, out->commit, out->commit_len, NULL);
	}
	if (rc == 0 && (rc = mls_group_staged_merge(w->p[c].g, &o)) == 0)
		mls_commit_outcome_clear(&o);
	if (out == &local || rc != 0) mls_commit_made_clear(out);
	return rc;
}

int tu_encrypt(struct tu_world *w, size_t i, const char *text, uint8_t **out, size_t *len)
{
	return mls_group_encrypt(w->p[i].g, span_make((const uint8_t *)text, strlen(text)),
	                         span_make(NULL, 0), out, len);
}

bool tu_agree(const struct tu_world *w)
{
	const struct mls_group *ref = NULL, *g;
	size_t i;

	for (i = 0; i < TU_PARTIES; i++) {
		g = w->p[i].g;
		if (g == NULL || g->removed) continue;
		if (ref == NULL) {
			ref = g;
			continue;
		}
		if (g->gc.epoch != ref->gc.epoch ||
		    memcmp(g->es.epoch_authenticator, ref->es.epoch_authenticator,
		           g->cs->kdf->nh) != 0)
			return false;
	}
	return true;
}

bool tu_contains(const uint8_t *hay, size_t hlen, const uint8_t *needle, size_t n)
{
	size_t i;

	for (i = 0; n != 0 && i + n <= hlen; i++)
		if (memcmp(hay + i, needle, n) == 0) return true;
	return false;
}
