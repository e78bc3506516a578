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

#include "codec/codec.h"
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

/*
 * A new handle (mem_calloc'd, no group yet) with a copy of cfg, and in *cb
 * the group callbacks that point to that copy (so the handle never moves).
 * KENH_E_INVALID_ARG without a validator.
 */
KENH_MUST_CHECK int mls_api_handle_new(struct kenh_ctx *ctx, const struct kenh_mls_config *cfg,
                                       struct kenh_mls_group **out, struct mls_group_callbacks *cb);

/* A KeyPackage given as an MLSMessage or bare: a view of the KeyPackage's bytes. */
struct kenh_span mls_api_bare_key_package(const uint8_t *p, size_t len);

/* Buffers of the GroupContext extensions of group options (list views into them). */
struct mls_api_ext_build {
	struct mls_extension ext[2];
	struct mls_extension_list list;
	struct codec_writer w[2];
	struct mls_external_sender *senders;
	struct kenh_span *certs;
};

/*
 * The extensions external_senders (§12.1.8.1) and required_capabilities
 * (§11.1) of o (NULL: none) into b. Release with mls_api_ext_build_clear
 * (also after a failure).
 */
KENH_MUST_CHECK int mls_api_ext_build(const struct kenh_mls_group_options *o,
                                      struct mls_api_ext_build *b);
void mls_api_ext_build_clear(struct mls_api_ext_build *b);

#endif /* KENH_MLS_MLS_API_INT_H */
