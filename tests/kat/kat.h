/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Known-answer runners behind build/kenh-vectors. Each runner takes one
 * parsed vector file and counts its cases: passed, failed, or skipped (only
 * for a suite or algorithm we do not support, never for a case we could not
 * make pass). A runner prints one line to stderr per failed case saying
 * which case and why.
 */
#ifndef KENH_TESTS_KAT_H
#define KENH_TESTS_KAT_H

#include <stddef.h>

#include <jansson.h>

struct kenh_ctx;

struct kat_count {
	size_t passed;
	size_t failed;
	size_t skipped;
};

typedef void kat_run_fn(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c);

/* Record one case's outcome; ok false prints "file case N: why" to stderr. */
void kat_result(struct kat_count *c, const char *file, size_t index, int ok, const char *why);

/* Wycheproof (one runner per schema family). */
kat_run_fn kat_wycheproof_aead;
kat_run_fn kat_wycheproof_hkdf;
kat_run_fn kat_wycheproof_hmac;
kat_run_fn kat_wycheproof_x25519;
kat_run_fn kat_wycheproof_ecdh;
kat_run_fn kat_wycheproof_ecdh_ecpoint;
kat_run_fn kat_wycheproof_ed25519;
kat_run_fn kat_wycheproof_ecdsa_der;
kat_run_fn kat_wycheproof_ecdsa_p1363;

/* RFC 9180. */
kat_run_fn kat_hpke;

/* RFC 9420 (mls-implementations vectors). */
kat_run_fn kat_mls_deserialization;
kat_run_fn kat_mls_messages;
kat_run_fn kat_mls_tree_validation;
kat_run_fn kat_mls_tree_operations;
kat_run_fn kat_mls_treekem;
kat_run_fn kat_mls_message_protection;
kat_run_fn kat_mls_welcome;
kat_run_fn kat_mls_passive_welcome;
kat_run_fn kat_mls_passive_commit;
kat_run_fn kat_mls_passive_random;
kat_run_fn kat_mls_tree_math;
kat_run_fn kat_mls_crypto_basics;
kat_run_fn kat_mls_secret_tree;
kat_run_fn kat_mls_key_schedule;
kat_run_fn kat_mls_psk_secret;
kat_run_fn kat_mls_transcript_hashes;

#endif /* KENH_TESTS_KAT_H */
