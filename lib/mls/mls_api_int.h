/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Internals shared by lib/mls/mls_api*.c, the public MLS API of
 * include/kenh/mls.h, and no one else (STYLE R13.3): what the public
 * handles contain and the conversions between public and internal types.
 */
#ifndef KENH_MLS_MLS_API_INT_H
#define KENH_MLS_MLS_API_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kenh/mls.h"
#include "mls/group.h"

/* A public KeyPackage: our KeyPackage and its private keys (secret). */
struct kenh_mls_keypackage {
	struct mls_own_key_package kp;
};

/*
 * A public group: the application's callbacks (the internal group's
 * callbacks point here, so the handle never moves) and the group.
 */
struct kenh_mls_group {
	struct kenh_ctx *ctx;
	struct kenh_mls_config cfg;
	struct mls_group *g;
};

/* The public view of a LeafNode's credential (a cast: no copy). */
const struct kenh_mls_credential *mls_api_credential(const struct mls_leaf_node *ln);

/*
 * An internal Credential from public arguments; certs (cap entries) holds
 * the X.509 chain's views. KENH_E_INVALID_ARG for a bad type or chain.
 */
KENH_MUST_CHECK int mls_api_credential_build(const struct kenh_mls_credential_args *a,
                                             struct mls_credential *out, struct kenh_span *certs,
                                             size_t cap);

/* The system clock, in seconds since the Unix epoch. */
uint64_t mls_api_now(void);

#endif /* KENH_MLS_MLS_API_INT_H */
