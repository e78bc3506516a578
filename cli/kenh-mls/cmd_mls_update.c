/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-mls update --state S --commit-out C: a Commit with a fresh
 * UpdatePath (RFC 9420 §12.4: renews our leaf and path keys, for
 * post-compromise security), naming any proposal received in the epoch.
 */
#include "kmls.h"

#include "util/compat.h"

int kmls_cmd_update(struct kmls *k)
{
	struct kenh_mls_commit_args a;
	struct kmls_state st;
	int rc;

	if ((rc = kmls_state_load(k, k->o->state, 0, &st)) != 0) return kmls_fail("state", rc);
	if (st.group == NULL) {
		rc = kmls_fail_msg("the state holds no group");
	} else {
		memset(&a, 0, sizeof(a));
		a.include_pending = true;
		a.update = true;
		rc = kmls_commit(k, &st, &a, k->o->commit_out, NULL);
	}
	kmls_state_clear(&st);
	return rc;
}
