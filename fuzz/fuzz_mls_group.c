/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Fuzz target for processing an MLSMessage against a real group state
 * (lib/mls/group_*.c, RFC 9420 §6, §12.1, §12.4.2, STYLE R17.8). At start
 * it joins the last suite-1 case of mls/passive-client-handling-commit.json
 * ($KENH_VECTORS, else ../shared/vectors) and processes that case's first
 * Commit and the proposals of its second epoch, so the second epoch's
 * Commit is a valid input; the state is then saved as bytes. Every input
 * restores that state and is processed as one MLSMessage.
 *
 * Checked every time: processing returns 0 or a KENH_E_* code; after a
 * refusal the state is byte-identical to the saved one (DESIGN §1: a
 * hostile message changes nothing); after a success the state still
 * saves and restores.
 */
#include "fuzz.h"

#include "util/compat.h"

#include "kenh/kenh.h"
#include "mls/group.h"
#include "testutil.h"
#include "tu_mlspassive.h"
#include "util/mem.h"

/* The read-only fixture: built on the first input, kept for the process. */
struct fixture {
	struct kenh_ctx *ctx;
	struct tu_pc pc; /* its callbacks are the ones restored groups use */
	struct mls_group_callbacks cb;
	uint8_t *state;
	size_t state_len;
};

static const json_t *pick_case(const json_t *root)
{
	const json_t *obj, *found = NULL;
	uint64_t suite;
	size_t i;

	json_array_foreach(root, i, obj)
	{
		if (tu_json_u64(obj, "cipher_suite", &suite) && suite == 1) found = obj;
	}
	return found;
}

/* Join, then process epoch 0's Commit and epoch 1's proposals. */
static void prepare(struct fixture *fx, const json_t *obj)
{
	const json_t *epochs = json_object_get(obj, "epochs"), *p;
	size_t k;

	FUZZ_CHECK(tu_pc_join(fx->ctx, "fuzz", obj, &fx->pc) == NULL);
	p = json_object_get(json_array_get(epochs, 0), "commit");
	FUZZ_CHECK(tu_pc_process(&fx->pc, json_string_value(p), MLS_EVENT_COMMIT) == NULL);
	json_array_foreach(json_object_get(json_array_get(epochs, 1), "proposals"), k, p)
	{
		FUZZ_CHECK(tu_pc_process(&fx->pc, json_string_value(p), MLS_EVENT_PROPOSAL) ==
		           NULL);
	}
	FUZZ_CHECK(mls_group_serialize(fx->pc.g, &fx->state, &fx->state_len) == 0);
	fx->cb = fx->pc.g->cb;
}

static const struct fixture *fixture(void)
{
	static struct fixture fx;
	static bool loaded;
	char path[4096];
	json_t *root;

	if (loaded) return &fx;
	FUZZ_CHECK(kenh_ctx_new(&fx.ctx) == 0);
	snprintf(path, sizeof(path), "%s/mls/passive-client-handling-commit.json",
	         tu_vectors_dir());
	FUZZ_CHECK((root = tu_json_load(path)) != NULL);
	fx.pc.cs = crypto_suite_get(fx.ctx, 1);
	prepare(&fx, pick_case(root));
	/* The fixture keeps views into nothing from the file: it can go. */
	json_decref(root);
	fx.pc.psks = NULL;
	loaded = true;
	return &fx;
}

static void check_same_state(const struct mls_group *g, const struct fixture *fx)
{
	uint8_t *now = NULL;
	size_t len = 0;

	FUZZ_CHECK(mls_group_serialize(g, &now, &len) == 0);
	FUZZ_CHECK(len == fx->state_len);
	FUZZ_CHECK(memcmp(now, fx->state, len) == 0);
	sec_free(now, len);
}

static void check_restores(const struct mls_group *g, const struct fixture *fx)
{
	struct mls_group *r = NULL;
	uint8_t *s = NULL;
	size_t len = 0;

	FUZZ_CHECK(mls_group_serialize(g, &s, &len) == 0);
	FUZZ_CHECK(mls_group_deserialize(fx->ctx, &fx->cb, span_make(s, len), &r) == 0);
	mls_group_free(r);
	sec_free(s, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fixture *fx = fixture();
	struct mls_group *g = NULL;
	struct mls_message m;
	struct mls_event ev;
	int rc;

	FUZZ_CHECK(mls_group_deserialize(fx->ctx, &fx->cb, span_make(fx->state, fx->state_len),
	                                 &g) == 0);
	if (mls_message_parse(data, size, &m) == 0) {
		rc = mls_group_process(g, &m, &ev);
		FUZZ_CHECK(rc <= 0 && rc > KENH_E_LAST);
		if (rc != 0) {
			check_same_state(g, fx);
		} else {
			check_restores(g, fx);
			mls_event_clear(&ev);
		}
		mls_message_clear(&m);
	}
	mls_group_free(g);
	return 0;
}
