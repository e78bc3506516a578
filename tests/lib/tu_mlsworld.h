/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * A few MLS parties for tests of the group state machine (lib/mls/group.h)
 * that play whole flows: each party has a KeyPackage (basic credential
 * "p<i>") and a group; helpers create, grow and commit, and deliver
 * messages. No cmocka here (these helpers are linked into every test
 * program): every int function returns 0 or the first failing call's
 * code, and the tests assert on it.
 */
#ifndef KENH_TESTS_TU_MLSWORLD_H
#define KENH_TESTS_TU_MLSWORLD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mls/group.h"

struct kenh_ctx;

#define TU_PARTIES 4

struct tu_party {
	char name[16];
	struct mls_own_key_package kp;
	struct mls_group *g;
};

struct tu_world {
	struct kenh_ctx *ctx;
	uint16_t suite;
	uint64_t now;   /* the clock of every group */
	bool no_grease; /* KeyPackages without GREASE values */
	struct mls_group_callbacks cb;
	struct tu_party p[TU_PARTIES];
};

/* Parties without groups for suite; basic credentials only; external PSKs unknown. */
void tu_world_init(struct tu_world *w, struct kenh_ctx *ctx, uint16_t suite);

/* Free every group and KeyPackage. */
void tu_world_clear(struct tu_world *w);

/* A fresh KeyPackage of party i for suite (its identity stays "p<i>"). */
int tu_make_kp(struct tu_world *w, size_t i, uint16_t suite);

/* Party i creates a group (w->suite) from a fresh KeyPackage. */
int tu_create(struct tu_world *w, size_t i);

/* Process MLSMessage msg at party i; ev may be NULL (then cleared here). */
int tu_deliver(struct tu_world *w, size_t i, const uint8_t *msg, size_t len, struct mls_event *ev);

/* Party i joins from Welcome msg with its KeyPackage (the tree in the Welcome). */
int tu_join(struct tu_world *w, size_t i, const uint8_t *welcome, size_t len);

/* Party 0 creates, adds 1 .. n-1 in one Commit (merged), and they join. */
int tu_grow_group(struct tu_world *w, size_t n);

/*
 * Party c makes Commit a, every other party with an active group processes
 * it, c merges. out (may be NULL) receives the messages.
 */
int tu_commit_all(struct tu_world *w, size_t c, const struct mls_commit_args *a,
                  struct mls_commit_made *out);

/* Party i encrypts text as application data (free *out with mem_free). */
int tu_encrypt(struct tu_world *w, size_t i, const char *text, uint8_t **out, size_t *len);

/* Every party with an active group is in one epoch with one epoch authenticator. */
bool tu_agree(const struct tu_world *w);

/* Whether needle (n bytes, n > 0) occurs in hay (hlen bytes). */
bool tu_contains(const uint8_t *hay, size_t hlen, const uint8_t *needle, size_t n);

#endif /* KENH_TESTS_TU_MLSWORLD_H */
