/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-mls propose-remove --state S --member ID --out P: propose (RFC 9420
 * §12.1.3), without committing, the removal of the member whose basic
 * credential's identity is ID, as a PublicMessage, so that another member's
 * Commit can name it by reference (§12.4; kenh-mls update, add and remove
 * name every proposal received in the epoch, and their recv prints
 * "proposal stored"). Not in issue 3's command list: it exists so that
 * proposals by reference can be tested between parties, and it prints
 * nothing. The proposal is kept in our state too, for our own next Commit.
 */
#include "kmls.h"

#include "util/compat.h"

int kmls_cmd_propose_remove(struct kmls *k)
{
	struct kmls_state st;
	uint8_t *msg = NULL;
	size_t len = 0;
	int64_t leaf;
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
	if ((rc = kenh_mls_group_propose_remove(st.group, (uint32_t)leaf, &msg, &len)) != 0) {
		rc = kmls_fail("propose", rc);
		goto out;
	}
	if ((rc = kmls_file_write(k->o->out, msg, len)) != 0) {
		rc = kmls_fail("--out", rc);
		goto out;
	}
	rc = kmls_state_save(&st, k->o->state) != 0 ? kmls_fail_msg("cannot write the state")
	                                            : KMLS_OK;
out:
	kenh_mls_free(msg, len);
	kmls_state_clear(&st);
	return rc;
}
