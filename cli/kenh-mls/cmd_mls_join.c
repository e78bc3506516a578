/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-mls join --state S --welcome W: join the group of the Welcome in W
 * (RFC 9420 §12.4.3.1) with the pending KeyPackage of S. The Welcome must
 * carry the ratchet_tree extension (issue 3: our Welcomes always do).
 */
#include "kmls.h"

#include "util/compat.h"

int kmls_cmd_join(struct kmls *k)
{
	const struct kmls_opts *o = k->o;
	struct kmls_state st;
	uint8_t *w = NULL;
	size_t wlen = 0;
	int rc;

	if ((rc = kmls_state_load(k, o->state, 0, &st)) != 0) return kmls_fail("state", rc);
	if (st.kp == NULL || st.group != NULL) {
		rc = kmls_fail_msg(st.kp == NULL ? "no pending KeyPackage in the state"
		                                 : "the state already holds a group");
		goto out;
	}
	if ((rc = kmls_file_read(o->welcome, &w, &wlen)) != 0) {
		rc = kmls_fail("--welcome", rc);
		goto out;
	}
	if ((rc = kenh_mls_group_join(k->ctx, &k->cfg, st.kp, w, wlen, NULL, 0, &st.group)) != 0) {
		rc = kmls_fail("join", rc);
		goto out;
	}
	kenh_mls_keypackage_free(st.kp);
	st.kp = NULL;
	st.suite = kenh_mls_group_suite(st.group);
	rc = kmls_state_save(&st, o->state) != 0 ? kmls_fail_msg("cannot write the state")
	                                         : KMLS_OK;
out:
	kenh_mls_free(w, wlen);
	kmls_state_clear(&st);
	return rc;
}
