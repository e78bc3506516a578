/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The group state of one mls/message-protection.json case, for the tests
 * that need it (the known-answer runner and the PrivateMessage fuzz
 * target): the GroupContext built from the case's pieces (empty
 * extensions), the epoch secrets, the sender's signature keys, and a
 * receiving framing epoch over a fresh two-leaf secret tree whose only
 * known sender is leaf 1, as the vector format specifies.
 */
#ifndef KENH_TESTS_TU_MLSPROT_H
#define KENH_TESTS_TU_MLSPROT_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "mls/framing.h"
#include "testutil.h"

struct kenh_ctx;

/* The sender every message-protection vector uses. */
#define TU_MP_SENDER_LEAF 1u

struct tu_mp_case {
	const struct crypto_suite *cs;
	uint64_t epoch;
	struct tu_bytes group_id, tree_hash, confirmed_transcript_hash;
	struct tu_bytes signature_priv, signature_pub;
	struct tu_bytes encryption_secret, sender_data_secret, membership_key;
	struct mls_group_context gc; /* views into the bytes above */
};

/*
 * Load case obj into *c (zeroed first). Returns false if a field is
 * missing or malformed. *supported is false (and nothing else is loaded)
 * when the case's suite is not one we implement.
 */
bool tu_mp_load(const struct kenh_ctx *ctx, const json_t *obj, struct tu_mp_case *c,
                bool *supported);

/* Free what tu_mp_load allocated; accepts a zeroed struct. */
void tu_mp_free(struct tu_mp_case *c);

/*
 * A framing epoch for c with a fresh secret tree of 2 leaves in *st (the
 * caller clears it with mls_secret_tree_clear); sender_key answers leaf
 * TU_MP_SENDER_LEAF with the case's signature_pub and KENH_E_NOT_FOUND
 * for every other sender. Returns 0 or the secret tree's error.
 */
int tu_mp_epoch(const struct kenh_ctx *ctx, struct tu_mp_case *c, struct mls_secret_tree *st,
                struct mls_framing_epoch *ep);

/* Load the first case of message-protection.json whose suite is `suite`; false if none. */
bool tu_mp_load_suite(const struct kenh_ctx *ctx, uint16_t suite, struct tu_mp_case *c);

#endif /* KENH_TESTS_TU_MLSPROT_H */
