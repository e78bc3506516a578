/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * build/kenh-vectors FILE...: run official test-vector files, recognised by
 * their base name, and print one line per file:
 *     <file>: N passed, N failed, N skipped
 * Exit status: 0 if nothing failed, 1 if a case failed, 2 if a file could
 * not be read or is not one we know. `--list` prints the recognised names.
 */
#include "kat.h"

#include "util/compat.h"

#include <libgen.h>

#include "kenh/kenh.h"
#include "testutil.h"
#include "util/util.h"

struct runner {
	const char *name;
	kat_run_fn *run;
};

static const struct runner runners[] = {
	{ "aes_gcm_test.json", kat_wycheproof_aead },
	{ "chacha20_poly1305_test.json", kat_wycheproof_aead },
	{ "hkdf_sha256_test.json", kat_wycheproof_hkdf },
	{ "hmac_sha256_test.json", kat_wycheproof_hmac },
	{ "x25519_test.json", kat_wycheproof_x25519 },
	{ "ecdh_secp256r1_test.json", kat_wycheproof_ecdh },
	{ "ecdh_secp256r1_ecpoint_test.json", kat_wycheproof_ecdh_ecpoint },
	{ "ed25519_test.json", kat_wycheproof_ed25519 },
	{ "ecdsa_secp256r1_sha256_test.json", kat_wycheproof_ecdsa_der },
	{ "ecdsa_secp256r1_sha256_p1363_test.json", kat_wycheproof_ecdsa_p1363 },
	{ "test-vectors-subset.json", kat_hpke },
	{ "test-vectors.json", kat_hpke },
	{ "deserialization.json", kat_mls_deserialization },
	{ "messages.json", kat_mls_messages },
	{ "tree-validation.json", kat_mls_tree_validation },
	{ "tree-operations.json", kat_mls_tree_operations },
	{ "treekem.json", kat_mls_treekem },
	{ "message-protection.json", kat_mls_message_protection },
	{ "welcome.json", kat_mls_welcome },
	{ "passive-client-welcome.json", kat_mls_passive_welcome },
	{ "passive-client-handling-commit.json", kat_mls_passive_commit },
	{ "passive-client-random.json", kat_mls_passive_random },
	{ "tree-math.json", kat_mls_tree_math },
	{ "crypto-basics.json", kat_mls_crypto_basics },
	{ "secret-tree.json", kat_mls_secret_tree },
	{ "key-schedule.json", kat_mls_key_schedule },
	{ "psk_secret.json", kat_mls_psk_secret },
	{ "transcript-hashes.json", kat_mls_transcript_hashes },
};

void kat_result(struct kat_count *c, const char *file, size_t index, int ok, const char *why)
{
	if (ok) {
		c->passed++;
		return;
	}
	c->failed++;
	fprintf(stderr, "%s: case %zu failed: %s\n", file, index, why ? why : "(no reason)");
}

static const struct runner *find_runner(const char *path)
{
	char copy[4096];
	const char *base;
	size_t i;

	snprintf(copy, sizeof(copy), "%s", path);
	base = basename(copy);
	for (i = 0; i < ARRAY_LEN(runners); i++)
		if (strcmp(base, runners[i].name) == 0) return &runners[i];
	return NULL;
}

static int run_file(struct kenh_ctx *ctx, const char *path, struct kat_count *total)
{
	const struct runner *r = find_runner(path);
	struct kat_count c = { 0, 0, 0 };
	json_t *root;

	if (r == NULL) {
		printf("%s: not a vector file kenh-vectors knows\n", path);
		return 2;
	}
	if ((root = tu_json_load(path)) == NULL) {
		printf("%s: cannot read\n", path);
		return 2;
	}
	r->run(ctx, root, &c);
	json_decref(root);
	printf("%s: %zu passed, %zu failed, %zu skipped\n", path, c.passed, c.failed, c.skipped);
	fflush(stdout);
	total->passed += c.passed;
	total->failed += c.failed;
	total->skipped += c.skipped;
	return c.failed ? 1 : 0;
}

int main(int argc, char **argv)
{
	struct kat_count total = { 0, 0, 0 };
	struct kenh_ctx *ctx = NULL;
	int i, status = 0, rc;

	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (i = 0; i < (int)ARRAY_LEN(runners); i++)
			printf("%s\n", runners[i].name);
		return 0;
	}
	if (argc < 2) {
		fprintf(stderr, "usage: kenh-vectors FILE...   (or --list)\n");
		return 2;
	}
	if ((rc = kenh_ctx_new(&ctx)) != 0) {
		fprintf(stderr, "kenh-vectors: context: %s\n", kenh_strerror(rc));
		return 2;
	}
	for (i = 1; i < argc; i++) {
		rc = run_file(ctx, argv[i], &total);
		if (rc > status) status = rc;
	}
	if (argc > 2)
		printf("total: %zu passed, %zu failed, %zu skipped\n", total.passed, total.failed,
		       total.skipped);
	kenh_ctx_free(ctx);
	return status;
}
