/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * A passive member of one case of mls/passive-client-*.json, for the
 * tests that need one (the known-answer runner and the group fuzz target):
 * the joiner's KeyPackage and private keys from the case, the case's
 * external PSKs, an injected clock, the join through the case's Welcome
 * (RFC 9420 §12.4.3.1), and message processing through the whole group
 * state machine (lib/mls/group.h).
 *
 * The clock: the KeyPackage leaves of passive-client-welcome.json expired
 * in March 2024, those of passive-client-handling-commit.json in March
 * 2025. A case runs at the latest not_before of the KeyPackage leaves of
 * the tree it joins (read from the case's tree or, by a first pass over
 * the Welcome, from its ratchet_tree extension), a moment at which every
 * one of them is valid; the lifetime checks themselves stay on.
 */
#ifndef KENH_TESTS_TU_MLSPASSIVE_H
#define KENH_TESTS_TU_MLSPASSIVE_H

#include <jansson.h>

#include "mls/group.h"

struct kenh_ctx;

/* One passive member. Zero it, then tu_pc_join(); release with tu_pc_clear(). */
struct tu_pc {
	const struct kenh_ctx *ctx;
	const char *file;
	const struct crypto_suite *cs;
	const json_t *psks; /* external_psks */
	uint64_t now;
	struct mls_own_key_package kp;
	struct mls_group *g;
};

/*
 * pc->cs must be set first (the case's suite, from crypto_suite_get). Load
 * case obj's KeyPackage and keys (checked against each other), its
 * PSKs and clock, and join through its Welcome. NULL on success, else why
 * not (and the reason on stderr for a refused join).
 */
const char *tu_pc_join(const struct kenh_ctx *ctx, const char *file, const json_t *obj,
                       struct tu_pc *pc);

/* Process one hex MLSMessage, expecting an event of type want; NULL or why not. */
const char *tu_pc_process(struct tu_pc *pc, const char *hex, enum mls_event_type want);

/* Compare the epoch authenticator with obj's hex field name; NULL or why not. */
const char *tu_pc_check_auth(const struct tu_pc *pc, const json_t *obj, const char *name);

void tu_pc_clear(struct tu_pc *pc);

#endif /* KENH_TESTS_TU_MLSPASSIVE_H */
