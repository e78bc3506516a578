/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-mls remove --state S --member ID --commit-out C: commit the Remove
 * (RFC 9420 §12.1.3) of the member whose basic credential's identity is ID
 * (with a path, as a Remove requires).
 */
#include "kmls.h"

#include "util/compat.h"

int kmls_cmd_remove(struct kmls *k)
{
	struct kenh_mls_commit_args a;
	struct kmls_state st;
	int64_t leaf;
	uint32_t rm;
	int rc;

	if ((rc = kmls_state_load(k, k->o->state, 0, &st)) != 0) return kmls_fail("state", rc);
	if (st.group == NULL) {
		rc = kmls_fail_msg("the state holds no group");
		goto out;
	}
	if ((leaf = kmls_find_member(st.group, k->o->member)) < 0) {
		rc = kmls_fail_msg("no member with that identity");
		goto out;
	}
	rm = (uint32_t)leaf;
	memset(&a, 0, sizeof(a));
	a.remove = &rm;
	a.n_remove = 1;
	a.include_pending = true;
	rc = kmls_commit(k, &st, &a, k->o->commit_out, NULL);
out:
	kmls_state_clear(&st);
	return rc;
}
