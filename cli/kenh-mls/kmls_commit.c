/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * What kenh-mls add, update and remove share: make the Commit (RFC 9420
 * §12.4.1, always a PublicMessage so a relay can read it, naming every
 * proposal received in the epoch), adopt it at once (no delivery service
 * confirms it here, issue 3), write the Commit and the Welcome, then the
 * state. Output files are written before the state, each atomically, so a
 * failure leaves the state as it was.
 */
#include "kmls.h"

#include "util/compat.h"

int kmls_commit(struct kmls *k, struct kmls_state *st, const struct kenh_mls_commit_args *a,
                const char *commit_out, const char *welcome_out)
{
	struct kenh_mls_commit_out co;
	struct kenh_mls_event ev;
	int rc;

	memset(&co, 0, sizeof(co));
	memset(&ev, 0, sizeof(ev));
	if ((rc = kenh_mls_group_commit(st->group, a, &co)) != 0) {
		rc = kmls_fail("commit", rc);
		goto out;
	}
	if ((rc = kenh_mls_group_commit_merge(st->group, &ev)) != 0) {
		rc = kmls_fail("merge", rc);
		goto out;
	}
	if ((rc = kmls_file_write(commit_out, co.commit, co.commit_len)) != 0) {
		rc = kmls_fail("--commit-out", rc);
		goto out;
	}
	if (co.welcome != NULL) {
		rc = welcome_out == NULL ? KENH_E_INVALID_ARG
		                         : kmls_file_write(welcome_out, co.welcome, co.welcome_len);
		if (rc != 0) {
			rc = kmls_fail("--welcome-out", rc);
			goto out;
		}
	}
	/* Nothing on stdout: issue 3's command list gives add, update and remove no output. */
	rc = kmls_state_save(st, k->o->state) != 0 ? kmls_fail_msg("cannot write the state")
	                                           : KMLS_OK;
out:
	kenh_mls_event_clear(&ev);
	kenh_mls_commit_out_clear(&co);
	return rc;
}
