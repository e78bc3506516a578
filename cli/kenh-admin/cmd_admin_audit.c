/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-admin audit verify, audit show: check the whole audit log against
 * the root certificate (hash chain, every signature, the signed head;
 * docs/pki.md "Audit log"), naming the first bad entry; or print it.
 * Neither needs the passphrase.
 */
#include "admin.h"

#include "util/compat.h"

int cmd_admin_audit_verify(struct admin *a, int argc, char **argv)
{
	int rc;

	if ((rc = admin_args("audit verify", argc, argv, NULL, 0, NULL, 0, 0)) != 0) return rc;
	return admin_audit_verify(a, false);
}

int cmd_admin_audit_show(struct admin *a, int argc, char **argv)
{
	int rc;

	if ((rc = admin_args("audit show", argc, argv, NULL, 0, NULL, 0, 0)) != 0) return rc;
	return admin_audit_show(a);
}
