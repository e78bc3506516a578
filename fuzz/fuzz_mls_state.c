/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Fuzz target for a group's saved state (lib/mls/group_serial.c and the
 * past epochs of group_past.c, RFC 9420 §15.3; the ReInit of §12.1.5;
 * STYLE R17.8): the input is state bytes, as the client reads them back
 * from its store. Restoring returns 0 or a KENH_E_* code; a state that
 * restores in the current format saves again to exactly the input (the
 * format is canonical), and a restored group can say whether it could
 * open a late message of each of its kept epochs. Nothing may crash, leak
 * or trip a sanitizer. Seeds: a fresh group, a group with two past epochs
 * (one with a removed sender's key), a group ended by a ReInit, and a
 * state of format 1.
 */
#include "fuzz.h"

#include "util/compat.h"

#include "kenh/kenh.h"
#include "mls/group.h"
#include "util/mem.h"

static int accept_credential(void *arg, const struct mls_leaf_node *ln)
{
	(void)arg;
	(void)ln;
	return 0;
}

static struct kenh_ctx *context(void)
{
	static struct kenh_ctx *ctx;

	if (ctx == NULL) FUZZ_CHECK(kenh_ctx_new(&ctx) == 0);
	return ctx;
}

/* Every kept epoch is before the current one and answers a sender look-up cleanly. */
static void check_past(struct mls_group *g)
{
	struct mls_framing_epoch ep;
	struct mls_past_view v;
	struct mls_sender s;
	struct kenh_span key;
	size_t i;
	int rc;

	memset(&s, 0, sizeof(s));
	s.sender_type = MLS_SENDER_MEMBER;
	for (i = 0; i < g->n_past; i++) {
		FUZZ_CHECK(g->past[i]->gc.epoch < g->gc.epoch);
		FUZZ_CHECK(mls_group_past_find(g, g->past[i]->gc.epoch) == g->past[i]);
		mls_group_past_framing(g, g->past[i], &v, &ep);
		for (s.leaf_index = 0; s.leaf_index < 4; s.leaf_index++) {
			rc = ep.sender_key(ep.sender_key_arg, &s, &key);
			FUZZ_CHECK(rc == 0 || rc == KENH_E_NOT_FOUND);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mls_group_callbacks cb;
	struct mls_group *g = NULL;
	uint8_t *s = NULL;
	size_t len = 0;
	int rc;

	memset(&cb, 0, sizeof(cb));
	cb.check_credential = accept_credential;
	rc = mls_group_deserialize(context(), &cb, span_make(data, size), &g);
	FUZZ_CHECK(rc <= 0 && rc > KENH_E_LAST);
	if (rc != 0) {
		FUZZ_CHECK(g == NULL);
		return 0;
	}
	check_past(g);
	FUZZ_CHECK(mls_group_serialize(g, &s, &len) == 0);
	/* Bytes 4-5 are the format: only the current one comes back unchanged. */
	if (size >= 6 && load_be16(data + 4) == 3)
		FUZZ_CHECK(len == size && memcmp(s, data, size) == 0);
	sec_free(s, len);
	mls_group_free(g);
	return 0;
}
