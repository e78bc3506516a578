/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Fuzz target for the ratchet tree (lib/mls/tree.h, RFC 9420 §4.1, §7.8,
 * §7.9, §12.4.3.3; STYLE R17.8). The first input byte picks the cipher
 * suite (1 to 3), the rest is ratchet_tree extension data. When the
 * import succeeds: the export gives back the input exactly (MLS encodings
 * are canonical), the cached tree hashes equal hashes recomputed from
 * scratch, every node's resolution and every leaf's filtered direct path
 * can be computed, parent hashes and the whole join-time validation run to
 * a clean verdict, and removing each member from a copy keeps the cache
 * consistent. Nothing may crash, leak or trip a sanitizer.
 */
#include "fuzz.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "kenh/kenh.h"
#include "mls/tree.h"
#include "testutil.h"

#define GROUP_ID "fuzz"

static int accept_credential(void *arg, const struct mls_leaf_node *ln)
{
	(void)arg;
	(void)ln;
	return 0;
}

/* The export of t is exactly the input. */
static void check_round_trip(const struct mls_rtree *t, const uint8_t *data, size_t size)
{
	struct codec_writer w;
	struct kenh_span s;

	codec_writer_init(&w, LIMIT_RATCHET_TREE + 8, CODEC_WRITER_NORMAL);
	FUZZ_CHECK(mls_rtree_export(t, &w) == 0);
	s = codec_writer_span(&w);
	FUZZ_CHECK(s.len == size && memcmp(s.p, data, size) == 0);
	codec_writer_clear(&w);
}

/* Resolutions and filtered direct paths stay inside the tree. */
static void check_walks(const struct mls_rtree *t)
{
	uint32_t path[MLS_TREE_MAX_DEPTH], copath[MLS_TREE_MAX_DEPTH], x,
	        width = mls_rtree_width(t);
	struct mls_idx_list res = { NULL, 0, 0 };
	size_t i, len = 0;

	for (x = 0; x < width; x++) {
		res.n = 0;
		if (mls_rtree_resolution(t, x, &res) != 0) continue;
		for (i = 0; i < res.n; i++)
			FUZZ_CHECK(res.v[i] < width);
	}
	mls_idx_list_clear(&res);
	for (x = 0; x < t->n_leaves; x++) {
		FUZZ_CHECK(mls_rtree_filtered_path(t, x, path, copath, &len) == 0);
		for (i = 0; i < len; i++)
			FUZZ_CHECK(path[i] < width && copath[i] < width);
	}
}

/* Verdicts are codes, never crashes; the hash cache agrees with a recomputation. */
static void check_verdicts(struct mls_rtree *t)
{
	struct mls_leaf_policy pol;
	uint8_t h[CRYPTO_MAX_HASH];
	int rc;

	memset(&pol, 0, sizeof(pol));
	pol.group_id = span_make((const uint8_t *)GROUP_ID, sizeof(GROUP_ID) - 1);
	pol.max_lifetime = TU_VECTOR_MAX_LIFETIME; /* the seeds are trees of the vectors */
	pol.check_credential = accept_credential;
	FUZZ_CHECK(mls_rtree_root_hash(t, h) == 0);
	FUZZ_CHECK(mls_rtree_hash_check(t) == 0);
	rc = mls_rtree_verify_parent_hashes(t);
	FUZZ_CHECK(rc == 0 || rc == KENH_E_VERIFY || rc == KENH_E_PROTO);
	rc = mls_rtree_validate(t, &pol);
	FUZZ_CHECK(rc <= 0 && rc > KENH_E_LAST && rc != KENH_E_INTERNAL &&
	           rc != KENH_E_INVALID_ARG);
}

/* §12.1.3 on a copy for every member of a small tree: the cache stays consistent. */
static void check_removals(const struct mls_rtree *t)
{
	struct mls_rtree *c = NULL;
	uint32_t leaf;

	if (t->n_leaves > 64) return; /* quadratic: keep each input fast */
	for (leaf = 0; leaf < t->n_leaves; leaf++) {
		if (mls_rtree_leaf(t, leaf) == NULL) continue;
		FUZZ_CHECK(mls_rtree_dup(t, &c) == 0);
		FUZZ_CHECK(mls_rtree_remove_leaf(c, leaf) == 0);
		FUZZ_CHECK(mls_rtree_hash_check(c) == 0);
		mls_rtree_free(c);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct kenh_ctx *ctx = NULL;
	const struct crypto_suite *cs;
	struct mls_rtree *t = NULL;

	if (size == 0) return 0;
	FUZZ_CHECK(kenh_ctx_new(&ctx) == 0);
	cs = crypto_suite_get(ctx, (uint16_t)(1 + data[0] % 3));
	FUZZ_CHECK(cs != NULL);
	if (mls_rtree_import(cs, span_make(data + 1, size - 1), &t) == 0) {
		check_round_trip(t, data + 1, size - 1);
		check_walks(t);
		check_verdicts(t);
		check_removals(t);
	}
	mls_rtree_free(t);
	kenh_ctx_free(ctx);
	return 0;
}
