/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-admin reject REQ --reason TEXT: refuse an imported request. Its
 * enrollment code stays used (docs/pki.md "Enrollment codes"): a request
 * the authority did not trust may mean the code leaked, so a new enrollment
 * needs a new code. A request that came through the relay is refused there
 * too (ENROLL_REJECT, docs/protocol.md §5), so the device learns of it.
 */
#include "admin.h"

#include "util/compat.h"

#include "proto/proto.h"

int cmd_admin_reject(struct admin *a, int argc, char **argv)
{
	const char *id = NULL, *reason = NULL;
	const struct admin_opt opts[] = { { "--reason", &reason, NULL } };
	char details[ADMIN_DETAILS] = "";
	struct admin_request r;
	int rc;

	if ((rc = admin_args("reject REQ --reason TEXT", argc, argv, opts, ARRAY_LEN(opts), &id, 1,
	                     1)) != 0)
		return rc;
	if (reason == NULL || reason[0] == '\0')
		return admin_failf("reject", "--reason TEXT is required");
	if ((rc = admin_request_load(a, id, &r, NULL, NULL)) != 0)
		return admin_failf(id, "no such request, or more than one starts so");
	if (strcmp(r.status, "pending") != 0) return admin_failf(r.id, "already %s", r.status);
	if ((rc = admin_root_key(a)) != 0) return rc;
	snprintf(r.status, sizeof(r.status), "rejected");
	snprintf(r.reason, sizeof(r.reason), "%s", reason);
	r.decided = a->now;
	if ((rc = admin_request_save(a, &r, NULL, 0)) != 0) return admin_fail("request", rc);
	if (admin_kv(details, "request", r.id) != 0 || admin_kv(details, "user", r.user) != 0 ||
	    admin_kv(details, "unit", r.unit) != 0 || admin_kv(details, "reason", reason) != 0)
		return admin_fail("audit", KENH_E_TOO_LARGE);
	if ((rc = admin_audit(a, "reject", details)) != 0) return rc;
	printf("rejected request %s (%s in %s); its enrollment code stays used\n", r.id, r.user,
	       r.unit);
	if (r.ticket[0] == '\0' || !admin_relay_configured(a)) return 0;
	if ((rc = admin_relay_reject(a, r.ticket, PROTO_REFUSED_BY_AUTHORITY)) != 0) {
		fprintf(stderr, "kenh-admin: kenh-admin requests fetch tells the relay later\n");
		return rc;
	}
	printf("the relay tells the device its request was rejected\n");
	return 0;
}
