/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-mls send --state S --text TEXT --out M: encrypt TEXT as application
 * data in a PrivateMessage (RFC 9420 §6.3, §15). The state is saved too:
 * the sender's ratchet moved on and its key is gone (§9.2).
 */
#include "kmls.h"

#include "util/compat.h"

int kmls_cmd_send(struct kmls *k)
{
	const struct kmls_opts *o = k->o;
	struct kmls_state st;
	uint8_t *msg = NULL;
	size_t len = 0;
	int rc;

	if ((rc = kmls_state_load(k, o->state, 0, &st)) != 0) return kmls_fail("state", rc);
	if (st.group == NULL) {
		rc = kmls_fail_msg("the state holds no group");
		goto out;
	}
	rc = kenh_mls_group_encrypt(st.group, (const uint8_t *)o->text, strlen(o->text), &msg,
	                            &len);
	if (rc != 0) {
		rc = kmls_fail("send", rc);
		goto out;
	}
	if ((rc = kmls_file_write(o->out, msg, len)) != 0) {
		rc = kmls_fail("--out", rc);
		goto out;
	}
	rc = kmls_state_save(&st, o->state) != 0 ? kmls_fail_msg("cannot write the state")
	                                         : KMLS_OK;
out:
	kenh_mls_free(msg, len);
	kmls_state_clear(&st);
	return rc;
}
