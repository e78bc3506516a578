/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-mls keypackage --suite N --identity ID --state S --out KP: make a
 * KeyPackage (RFC 9420 §10) with a basic credential for ID, write it to KP
 * as an MLSMessage (wire format mls_key_package), and keep it with its
 * private keys in S as the pending KeyPackage that `create` or `join`
 * will use.
 */
#include "kmls.h"

#include "util/compat.h"

int kmls_cmd_keypackage(struct kmls *k)
{
	const struct kmls_opts *o = k->o;
	struct kenh_mls_keypackage *kp = NULL;
	struct kmls_state st;
	uint8_t *msg = NULL;
	size_t len = 0, idlen = strlen(o->identity);
	int suite = kmls_parse_suite(o->suite), rc;

	if (suite < 0) return kmls_usage_msg("--suite must be 1, 2 or 3");
	if (idlen == 0 || idlen >= sizeof(st.identity)) return kmls_usage_msg("bad --identity");
	if ((rc = kmls_state_load(k, o->state, 1, &st)) != 0) return kmls_fail("state", rc);
	if (st.identity[0] != '\0' && strcmp(st.identity, o->identity) != 0) {
		rc = kmls_fail_msg("the state belongs to another identity");
		goto out;
	}
	if ((rc = kmls_make_keypackage(k, (uint16_t)suite, o->identity, &kp)) != 0 ||
	    (rc = kenh_mls_keypackage_message(kp, &msg, &len)) != 0) {
		rc = kmls_fail("keypackage", rc);
		goto out;
	}
	if ((rc = kmls_file_write(o->out, msg, len)) != 0) {
		rc = kmls_fail("--out", rc);
		goto out;
	}
	kenh_mls_keypackage_free(st.kp);
	st.kp = kp;
	kp = NULL;
	if (st.group == NULL) st.suite = (uint16_t)suite;
	memcpy(st.identity, o->identity, idlen + 1);
	rc = kmls_state_save(&st, o->state) != 0 ? kmls_fail_msg("cannot write the state")
	                                         : KMLS_OK;
out:
	kenh_mls_free(msg, len);
	kenh_mls_keypackage_free(kp);
	kmls_state_clear(&st);
	return rc;
}
