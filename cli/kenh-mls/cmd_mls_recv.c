/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-mls recv --state S --in M: process the MLSMessage in M. Prints the
 * plaintext of application data, "proposal stored" for a proposal kept
 * for the next Commit (RFC 9420 §12.1), or "commit processed epoch=N" for
 * a Commit (§12.4.2), followed by " removed=true" when it removed us.
 */
#include "kmls.h"

#include "util/compat.h"

static void print_event(const struct kenh_mls_event *ev)
{
	switch (ev->type) {
	case KENH_MLS_EVENT_APPLICATION:
		fwrite(ev->data, 1, ev->data_len, stdout);
		putchar('\n');
		return;
	case KENH_MLS_EVENT_PROPOSAL:
		printf("proposal stored\n");
		return;
	case KENH_MLS_EVENT_COMMIT:
		printf("commit processed epoch=%llu%s\n", (unsigned long long)ev->epoch,
		       ev->removed ? " removed=true" : "");
		return;
	}
}

int kmls_cmd_recv(struct kmls *k)
{
	const struct kmls_opts *o = k->o;
	struct kenh_mls_event ev;
	struct kmls_state st;
	uint8_t *msg = NULL;
	size_t len = 0;
	int rc;

	memset(&ev, 0, sizeof(ev));
	if ((rc = kmls_state_load(k, o->state, 0, &st)) != 0) return kmls_fail("state", rc);
	if (st.group == NULL) {
		rc = kmls_fail_msg("the state holds no group");
		goto out;
	}
	if ((rc = kmls_file_read(o->in, &msg, &len)) != 0) {
		rc = kmls_fail("--in", rc);
		goto out;
	}
	if ((rc = kenh_mls_group_process(st.group, msg, len, &ev)) != 0) {
		rc = kmls_fail("recv", rc);
		goto out;
	}
	if ((rc = kmls_state_save(&st, o->state)) != 0) {
		rc = kmls_fail_msg("cannot write the state");
		goto out;
	}
	print_event(&ev);
	rc = KMLS_OK;
out:
	kenh_mls_event_clear(&ev);
	kenh_mls_free(msg, len);
	kmls_state_clear(&st);
	return rc;
}
