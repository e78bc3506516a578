/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Passphrase protection for secrets at rest (DESIGN §1 "a lost or stolen
 * device"): the Argon2id key derivation of RFC 9106 on its own, for every
 * store that is unlocked by a passphrase, and the key file format that
 * keeps one signature private key encrypted under it (docs/pki.md "Key
 * files"). The file's header carries the Argon2id parameters and salt and
 * is the AEAD's associated data, so none of it can be changed unnoticed.
 */
#ifndef KENH_CRYPTO_KEYFILE_H
#define KENH_CRYPTO_KEYFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"
#include "util/util.h"

struct kenh_ctx;
struct crypto_sigkey;

#define CRYPTO_ARGON2_SALT_LEN 16

/*
 * Argon2id cost (RFC 9106 §3.1): memory in KiB, passes, lanes. Bounds on
 * what we accept from a file, so a hostile header cannot ask for more
 * than 1 GiB or hours of work.
 */
struct crypto_argon2_params {
	uint32_t m_kib;
	uint32_t t_cost;
	uint32_t lanes;
};

#define CRYPTO_ARGON2_MAX_KIB   (1024u * 1024u)
#define CRYPTO_ARGON2_MAX_T     64u
#define CRYPTO_ARGON2_MAX_LANES 16u
/* RFC 9106 §4 second recommended option, with one lane: 64 MiB, 3 passes. */
#define CRYPTO_ARGON2_DEFAULT_KIB 65536u
#define CRYPTO_ARGON2_DEFAULT_T   3u

/* True if p is within the bounds above and Argon2's own (m >= 8 * lanes). */
bool crypto_argon2_params_ok(const struct crypto_argon2_params *p);

/*
 * Argon2id (version 0x13) of pass and salt into out (outlen bytes, 4 to
 * 64). KENH_E_INVALID_ARG for parameters outside the bounds or a salt
 * shorter than 8 bytes; KENH_E_NOMEM if Argon2 cannot get its memory.
 * Wipes nothing of the caller's; out is a secret the caller wipes.
 */
KENH_MUST_CHECK int crypto_argon2id(const struct crypto_argon2_params *p, struct kenh_span pass,
                                    const uint8_t *salt, size_t saltlen, uint8_t *out,
                                    size_t outlen);

/* How to lock a key file: the cost and the passphrase (borrowed, secret). */
struct crypto_keyfile_lock {
	struct crypto_argon2_params kdf;
	struct kenh_span pass;
};

/*
 * Encrypt key's private part into a new key file (fresh salt and nonce).
 * *out (mem_free; it holds no secret in clear) and *outlen. Wipes the
 * derived key.
 */
KENH_MUST_CHECK int crypto_keyfile_seal(const struct kenh_ctx *ctx,
                                        const struct crypto_keyfile_lock *lock,
                                        const struct crypto_sigkey *key, uint8_t **out,
                                        size_t *outlen);

/*
 * Decrypt a key file into *out. KENH_E_DECRYPT for a wrong passphrase or
 * any change to the file (the two cannot be told apart); KENH_E_PARSE,
 * KENH_E_TRUNCATED, KENH_E_TRAILING for a damaged header;
 * KENH_E_UNSUPPORTED for another version or algorithm; KENH_E_INVALID_ARG
 * for out-of-bounds Argon2 parameters. out is wiped on failure.
 */
KENH_MUST_CHECK int crypto_keyfile_open(const struct kenh_ctx *ctx, struct kenh_span file,
                                        struct kenh_span pass, struct crypto_sigkey *out);

#endif /* KENH_CRYPTO_KEYFILE_H */
