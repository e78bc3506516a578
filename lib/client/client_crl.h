/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The device's own copy of the organization's CRLs (RFC 5280 §5; issue 5
 * item 4; docs/store.md "Tables"): the newest CRL of each issuer (the
 * root, or a unit CA), kept in the encrypted store so that the device
 * checks every credential it validates against them (RFC 9420 §5.3.1),
 * including when it has not talked to the relay since the revocation.
 *
 * CRLs come from the relay (CRL_GET, PUSH_CRL), which the device does not
 * trust: a CRL is kept only if its signature verifies under the root, or
 * under a unit CA certificate that itself validates under the root, and
 * only if its cRLNumber is above the one already held for its issuer. The
 * CRLs live in CLIENT_T_IDENTITY, scope "crl", one row per issuer.
 */
#ifndef KENH_CLIENT_CLIENT_CRL_H
#define KENH_CLIENT_CLIENT_CRL_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/pki.h"
#include "kenh/err.h"
#include "util/util.h"

struct kenh_ctx;
struct client_store;

/* What a CRL is checked against; every span is borrowed for the call. */
struct client_crl_anchors {
	struct kenh_span root;       /* the organization's root certificate (DER) */
	const struct kenh_span *cas; /* unit CA certificates that may have issued it */
	size_t ncas;
	uint64_t now; /* Unix seconds, for the unit CA's validity */
};

/* What client_crl_accept read from the CRL. */
struct client_crl_info {
	uint64_t number;
	size_t count;                         /* revoked entries */
	char issuer[CRYPTO_PKI_MAX_UNIT + 1]; /* unit path, "" for the root */
};

/*
 * Verify the CRL der and keep it as its issuer's CRL. The issuer is the
 * root (the CRL must verify under a->root) or a unit CA (one of a->cas
 * with that unit path, which must validate under the root at a->now, and
 * under which the CRL must verify). *info (may be NULL) describes the CRL
 * on success and on KENH_E_STATE. Errors: KENH_E_PARSE / KENH_E_TOO_LARGE
 * (malformed), KENH_E_VERIFY (no such issuer, or a bad signature: a
 * forged CRL), KENH_E_STATE (its number is not above the one held: an old
 * or repeated CRL, nothing changes), store errors. Runs in the caller's
 * transaction, if any.
 */
KENH_MUST_CHECK int client_crl_accept(struct client_store *s, const struct kenh_ctx *ctx,
                                      const struct client_crl_anchors *a, struct kenh_span der,
                                      struct client_crl_info *info);

/* Called for each held CRL; der is valid during the call only. Non-zero stops. */
typedef int client_crl_fn(void *arg, const char *issuer, uint64_t number, struct kenh_span der);

/* Every held CRL, one per issuer. KENH_E_DECRYPT for a row that does not open. */
KENH_MUST_CHECK int client_crl_list(struct client_store *s, client_crl_fn *fn, void *arg);

#endif /* KENH_CLIENT_CLIENT_CRL_H */
