/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Runner for mls/passive-client-welcome.json, passive-client-handling-
 * commit.json and passive-client-random.json (RFC 9420 §12.4.2,
 * §12.4.3.1): a passive member joins through the case's Welcome (with the
 * ratchet tree from the Welcome or from the case), checks the epoch
 * authenticator, then processes every epoch's proposals (stored by
 * reference) and Commit through the whole group state machine, checking
 * the epoch authenticator after each one. External PSKs come from the
 * case.
 *
 * The clock is injected (struct mls_group_callbacks.clock): the
 * KeyPackage leaves of passive-client-welcome.json expired in March 2024,
 * those of passive-client-handling-commit.json in March 2025. Each case
 * runs at the latest not_before of the KeyPackage leaves of the tree it
 * joins, a moment at which every one of them is valid; the lifetime checks
 * themselves stay on (tests/lib/tu_mlspassive.c does the join).
 */
#include "kat.h"

#include "util/compat.h"

#include "kenh/kenh.h"
#include "mls/group.h"
#include "testutil.h"
#include "tu_mlspassive.h"

static const char *run_epochs(struct tu_pc *pc, const json_t *epochs)
{
	const json_t *ep, *p;
	const char *why;
	size_t i, k;

	json_array_foreach(epochs, i, ep)
	{
		json_array_foreach(json_object_get(ep, "proposals"), k, p)
		{
			if (!json_is_string(p)) return "bad proposal";
			why = tu_pc_process(pc, json_string_value(p), MLS_EVENT_PROPOSAL);
			if (why != NULL) return why;
		}
		p = json_object_get(ep, "commit");
		if (!json_is_string(p)) return "missing commit";
		if ((why = tu_pc_process(pc, json_string_value(p), MLS_EVENT_COMMIT)) != NULL)
			return why;
		if ((why = tu_pc_check_auth(pc, ep, "epoch_authenticator")) != NULL) return why;
	}
	return NULL;
}

static const char *run_case(const struct kenh_ctx *ctx, const char *file, struct tu_pc *pc,
                            const json_t *obj)
{
	const char *why;

	if ((why = tu_pc_join(ctx, file, obj, pc)) != NULL) return why;
	if ((why = tu_pc_check_auth(pc, obj, "initial_epoch_authenticator")) != NULL) return why;
	return run_epochs(pc, json_object_get(obj, "epochs"));
}

static void run_file(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c,
                     const char *file)
{
	const json_t *obj;
	struct tu_pc pc;
	const char *why;
	uint64_t suite;
	size_t i;

	json_array_foreach(root, i, obj)
	{
		memset(&pc, 0, sizeof(pc));
		pc.file = file;
		if (!tu_json_u64(obj, "cipher_suite", &suite) || suite > UINT16_MAX) {
			kat_result(c, file, i, 0, "missing cipher_suite");
			continue;
		}
		if ((pc.cs = crypto_suite_get(ctx, (uint16_t)suite)) == NULL) {
			c->skipped++;
			continue;
		}
		why = run_case(ctx, file, &pc, obj);
		kat_result(c, file, i, why == NULL, why);
		tu_pc_clear(&pc);
	}
}

void kat_mls_passive_welcome(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	run_file(ctx, root, c, "passive-client-welcome.json");
}

void kat_mls_passive_commit(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	run_file(ctx, root, c, "passive-client-handling-commit.json");
}

void kat_mls_passive_random(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	run_file(ctx, root, c, "passive-client-random.json");
}
