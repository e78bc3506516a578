/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh group leave NAME (RFC 9420 §12.1.3): a member cannot commit its own
 * removal, so it sends a Remove proposal for its own leaf (a PublicMessage
 * through HANDSHAKE: the relay logs it as pending for the epoch,
 * docs/protocol.md §6) and marks the group as left: no more sends or
 * membership changes, the history stays. The next member online commits
 * the proposal by reference (kenh_sync.c); when that Commit reaches us,
 * the group's state and its secrets are deleted. A group with no other
 * member, or one we were already removed from, is forgotten at once. A
 * Commit of another member may win the epoch without our proposal (it
 * did not have it yet): the proposal is then dropped, and every sync
 * proposes again in the new epoch (kenh_group_leave_retry).
 */
#include "kenh.h"

#include "util/compat.h"

#include "codec/limits.h"
#include "proto/proto.h"
#include "util/mem.h"

/* The occupied leaves of g. */
static uint32_t member_count(const struct kenh_mls_group *g)
{
	const struct kenh_mls_credential *cred;
	uint32_t i, n = 0, width = kenh_mls_group_leaf_count(g);

	for (i = 0; i < width; i++)
		if (kenh_mls_group_member(g, i, &cred) == 0) n++;
	return n;
}

/* Propose our own removal at the current epoch; *g is marked left once the relay has it. */
static int propose_once(struct kenh_app *a, struct kenh_mls_group *g)
{
	struct proto_handshake req;
	struct proto_handshake_resp resp;
	uint8_t *msg = NULL;
	size_t len = 0;
	int rc;

	if ((rc = kenh_mls_group_propose_remove(g, kenh_mls_group_own_leaf(g), &msg, &len)) != 0)
		return rc;
	memset(&req, 0, sizeof(req));
	req.message = span_make(msg, len);
	rc = kenh_net_call(a, PROTO_HANDSHAKE, &proto_desc_handshake, &req,
	                   &proto_desc_handshake_resp, &resp, sizeof(resp), NULL);
	if (rc == 0) rc = kenh_group_mark_left(a, g);
	if (rc == 0) rc = kenh_group_seen_own(a, msg, len);
	kenh_mls_free(msg, len);
	return rc;
}

/* As propose_once; a Commit that won the epoch first is caught up with, then we try again. */
static int propose(struct kenh_app *a, const char *name)
{
	struct kenh_mls_group *g = NULL;
	size_t n;
	int rc;

	if ((rc = kenh_group_load(a, name, &g)) != 0) return rc;
	rc = propose_once(a, g);
	kenh_mls_group_free(g);
	g = NULL;
	if (rc != KENH_E_STATE) return rc;
	if ((rc = kenh_sync_run(a, 0, &n)) != 0) return rc;
	if ((rc = kenh_group_load(a, name, &g)) != 0) return rc;
	rc = kenh_mls_group_is_active(g) ? propose_once(a, g) : 0;
	kenh_mls_group_free(g);
	return rc;
}

static void say(const struct kenh_app *a, const char *name, const char *state, const char *text)
{
	if (a->opt.json) {
		printf("{\"group\":");
		kenh_json_str(stdout, (const uint8_t *)name, strlen(name));
		printf(",\"state\":\"%s\"}\n", state);
	} else {
		printf("%s %s\n", text, name);
	}
}

int kenh_group_leave(struct kenh_app *a, const char *name)
{
	struct kenh_span gid = span_make((const uint8_t *)name, strlen(name));
	struct kenh_mls_group *g = NULL;
	bool left = false, alone;
	size_t n;
	int rc;

	if ((rc = kenh_sync_run(a, 0, &n)) != 0) return rc;
	if ((rc = kenh_group_left(a, gid, &left)) != 0) return rc;
	rc = kenh_group_load(a, name, &g);
	if (rc == KENH_CLI_E_LEFT) return (say(a, name, "left", "already left"), 0);
	if (rc != 0) return rc;
	alone = member_count(g) <= 1 || !kenh_mls_group_is_active(g);
	/* Still waiting for the Commit of our proposal (a new epoch without it: propose again). */
	if (left && !alone && kenh_mls_group_pending_proposals(g) > 0) {
		kenh_mls_group_free(g);
		return (say(a, name, "leaving", "waiting for a member to commit our removal from"),
		        0);
	}
	kenh_mls_group_free(g);
	if (alone) {
		if ((rc = kenh_group_forget(a, gid)) == 0) say(a, name, "left", "left");
		return rc;
	}
	if ((rc = propose(a, name)) == 0)
		say(a, name, "leaving",
		    "removal proposed (the next member online commits it; history kept):");
	return rc;
}

#define RETRY_MAX 64

struct left_names {
	char name[RETRY_MAX][LIMIT_GROUP_ID + 1];
	size_t n;
};

/* The groups we are leaving whose state is still there (not yet removed). */
static int collect_left(void *arg, const struct client_store_item *it)
{
	struct left_names *l = arg;

	if (it->value.len == 0 || it->key.len > LIMIT_GROUP_ID || l->n == RETRY_MAX) return 0;
	memcpy(l->name[l->n], it->key.p, it->key.len);
	l->name[l->n++][it->key.len] = '\0';
	return 0;
}

int kenh_group_leave_retry(struct kenh_app *a)
{
	struct kenh_mls_group *g = NULL;
	struct left_names *l = NULL;
	size_t i;
	int rc;

	if ((rc = mem_calloc(1, sizeof(*l), (void **)&l)) != 0) return rc;
	rc = kenh_group_scan_left(a, collect_left, l);
	for (i = 0; rc == 0 && i < l->n; i++) {
		if (kenh_group_load(a, l->name[i], &g) != 0) continue;
		/* Our Remove is pending in this epoch, or we are out already. */
		if (kenh_mls_group_is_active(g) && kenh_mls_group_pending_proposals(g) == 0) {
			rc = propose_once(a, g);
			if (rc == 0 && !a->opt.json)
				fprintf(stderr,
				        "leaving %s: removal proposed again in epoch %llu\n",
				        l->name[i], (unsigned long long)kenh_mls_group_epoch(g));
			/* Another Commit won again: the next sync tries in its epoch. */
			if (rc == KENH_E_STATE) rc = 0;
		}
		kenh_mls_group_free(g);
		g = NULL;
	}
	mem_free(l);
	return rc;
}
