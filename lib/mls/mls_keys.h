/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The cryptographic core of MLS that needs no wire struct (internal to
 * lib/mls): array-based tree math (RFC 9420 §4.1, Appendix C), the labelled
 * functions (§5.1, §5.2, §8: ExpandWithLabel, DeriveSecret,
 * DeriveTreeSecret, RefHash, SignWithLabel, EncryptWithLabel, node
 * DeriveKeyPair), the secret tree with its hash ratchets and deletion
 * schedule (§9, §9.1, §9.2) and the sender-data key (§6.3.2), the key
 * schedule (§8) with PSKs (§8.4), the exporter (§8.5), the external key
 * pair (§8), transcript hashes and the confirmation tag (§8.2).
 *
 * Structs that MLS serializes (GroupContext, PreSharedKeyID,
 * AuthenticatedContent) come in encoded, as spans: encoding them is
 * mls_wire.h's job, and this file never parses them. Every secret lives in a
 * fixed array sized by CRYPTO_MAX_HASH and friends (STYLE R5.1), every
 * function wipes its temporaries, and every struct that holds a secret has a
 * _clear that leaves it all zero bytes.
 *
 * Unless said otherwise: `cs` is a suite from crypto_suite_get() and is
 * borrowed; a `secret` passed as `const uint8_t *` is exactly cs->kdf->nh
 * bytes; outputs named `out` receive cs->kdf->nh bytes; out-parameters are
 * zeroed at entry and zeroed again on failure; int functions return 0 or a
 * negative KENH_E_* code (KENH_E_NOMEM, KENH_E_CRYPTO for a library failure,
 * KENH_E_INVALID_ARG for a broken precondition, plus those listed).
 */
#ifndef KENH_MLS_MLS_KEYS_H
#define KENH_MLS_MLS_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "kenh/err.h"
#include "util/util.h"

struct codec_reader;
struct codec_writer;
struct kenh_ctx;

/* ------------------------------------------------------------------------ */
/* Tree math (RFC 9420 §4.1, §7.1, Appendix C)                               */
/* ------------------------------------------------------------------------ */

/*
 * Node indices are uint32_t: leaf L is node 2L, parents are odd. RFC 9420
 * §7.7 keeps the tree full, so a valid leaf count is a power of two between
 * 1 and MLS_TREE_MAX_LEAVES (= LIMIT_MEMBERS); every function taking
 * n_leaves returns KENH_E_INVALID_ARG for any other count, and for a node
 * index not below mls_tree_node_width(n_leaves). MLS_TREE_MAX_DEPTH is the
 * longest direct path or copath (the root's level in the largest tree).
 * Nothing here allocates, recurses or touches a secret.
 */
#define MLS_TREE_MAX_LEAVES 65536u
#define MLS_TREE_MAX_DEPTH  16u

/* True if n_leaves is a power of two in [1, MLS_TREE_MAX_LEAVES]. */
bool mls_tree_is_valid_size(uint32_t n_leaves);

/* True if x is a leaf (even) node index. */
bool mls_tree_is_leaf(uint32_t x);

/* Level of node x: 0 for leaves, k for a node whose k lowest bits are 1. */
uint32_t mls_tree_level(uint32_t x);

/* 2 * n_leaves - 1 nodes; 0 for 0 leaves and for n_leaves > MLS_TREE_MAX_LEAVES. */
uint32_t mls_tree_node_width(uint32_t n_leaves);

/* Node index of leaf `leaf`: 2 * leaf. Precondition: leaf < MLS_TREE_MAX_LEAVES. */
uint32_t mls_tree_leaf_node(uint32_t leaf);

/* Root of a tree of n_leaves leaves (n_leaves - 1 for a full tree). */
KENH_MUST_CHECK int mls_tree_root(uint32_t n_leaves, uint32_t *out);

/* Children of x; KENH_E_INVALID_ARG if x is a leaf. */
KENH_MUST_CHECK int mls_tree_left(uint32_t x, uint32_t n_leaves, uint32_t *out);
KENH_MUST_CHECK int mls_tree_right(uint32_t x, uint32_t n_leaves, uint32_t *out);

/* Parent and sibling of x; KENH_E_INVALID_ARG if x is the root. */
KENH_MUST_CHECK int mls_tree_parent(uint32_t x, uint32_t n_leaves, uint32_t *out);
KENH_MUST_CHECK int mls_tree_sibling(uint32_t x, uint32_t n_leaves, uint32_t *out);

/*
 * Direct path of x (§4.1.2): its ancestors from its parent up to the root,
 * into path[0 .. *len - 1]; empty for the root. The copath is the sibling
 * of x followed by the siblings of its ancestors below the root, in the
 * same order, so copath[i] is the sibling of path[i - 1] (of x for i = 0).
 */
KENH_MUST_CHECK int mls_tree_direct_path(uint32_t x, uint32_t n_leaves,
                                         uint32_t path[static MLS_TREE_MAX_DEPTH], size_t *len);
KENH_MUST_CHECK int mls_tree_copath(uint32_t x, uint32_t n_leaves,
                                    uint32_t copath[static MLS_TREE_MAX_DEPTH], size_t *len);

/*
 * Lowest common ancestor of x and y: the lowest node that is x or on its
 * direct path, and y or on its direct path (x itself when x == y, x when x
 * is an ancestor of y).
 */
KENH_MUST_CHECK int mls_tree_common_ancestor(uint32_t x, uint32_t y, uint32_t n_leaves,
                                             uint32_t *out);

/* ------------------------------------------------------------------------ */
/* Labelled functions (RFC 9420 §5.1, §5.2, §8)                              */
/* ------------------------------------------------------------------------ */

/*
 * Labels are byte strings without the "MLS 1.0 " prefix, which the
 * functions below add where the RFC says so. MLS_LABEL("tree") makes a span
 * from a string literal (and refuses anything but a literal).
 */
#define MLS_LABEL(lit) span_make((const uint8_t *)("" lit), sizeof("" lit) - 1u)

/* The largest labelled structure we build (KDFLabel, SignContent, ...). */
#define MLS_LABELLED_MAX (64u << 20)

/*
 * ExpandWithLabel(secret, label, context, outlen) (§8): HKDF-Expand with
 * info = KDFLabel { uint16 length; opaque label<V> = "MLS 1.0 " + label;
 * opaque context<V> }. KENH_E_INVALID_ARG if outlen is 0 or over 65535 or
 * 255 * Nh; KENH_E_TOO_LARGE if label and context exceed MLS_LABELLED_MAX.
 */
KENH_MUST_CHECK int mls_expand_with_label(const struct crypto_suite *cs, const uint8_t *secret,
                                          struct kenh_span label, struct kenh_span context,
                                          uint8_t *out, size_t outlen);

/* DeriveSecret(secret, label) = ExpandWithLabel(secret, label, "", Nh) (§8). */
KENH_MUST_CHECK int mls_derive_secret(const struct crypto_suite *cs, const uint8_t *secret,
                                      struct kenh_span label, uint8_t *out);

/*
 * DeriveTreeSecret(secret, label, generation, outlen) (§9.1): the context is
 * the generation as a big-endian uint32.
 */
KENH_MUST_CHECK int mls_derive_tree_secret(const struct crypto_suite *cs, const uint8_t *secret,
                                           struct kenh_span label, uint32_t generation,
                                           uint8_t *out, size_t outlen);

/*
 * RefHash(label, value) = Hash(RefHashInput { opaque label<V>; opaque
 * value<V>; }) (§5.2). The label is used as given (no prefix added): the
 * two RFC labels are MLS_REF_KEY_PACKAGE and MLS_REF_PROPOSAL, used by the
 * two wrappers below. out receives Nh bytes. Nothing is copied: value may
 * be large.
 */
#define MLS_REF_KEY_PACKAGE "MLS 1.0 KeyPackage Reference"
#define MLS_REF_PROPOSAL    "MLS 1.0 Proposal Reference"
KENH_MUST_CHECK int mls_ref_hash(const struct crypto_suite *cs, struct kenh_span label,
                                 struct kenh_span value, uint8_t *out);

/* MakeKeyPackageRef(encoded KeyPackage) (§5.2), with the KeyPackage's suite. */
KENH_MUST_CHECK int mls_make_key_package_ref(const struct crypto_suite *cs,
                                             struct kenh_span key_package, uint8_t *out);

/* MakeProposalRef(encoded AuthenticatedContent carrying the Proposal) (§5.2). */
KENH_MUST_CHECK int mls_make_proposal_ref(const struct crypto_suite *cs,
                                          struct kenh_span authenticated_content, uint8_t *out);

/*
 * SignWithLabel(sk, label, content) (§5.1.2): sign SignContent { opaque
 * label<V> = "MLS 1.0 " + label; opaque content<V>; } with the suite's
 * signature scheme. sk (secret, borrowed) must be cs->sig->nsk bytes;
 * sig has room for cs->sig->max_sig bytes and *siglen receives the length.
 */
KENH_MUST_CHECK int mls_sign_with_label(const struct crypto_suite *cs, struct kenh_span sk,
                                        struct kenh_span label, struct kenh_span content,
                                        uint8_t *sig, size_t *siglen);

/*
 * SignWithLabel with a key imported once (crypto_sig_key_new), for a
 * member signing many messages with its leaf key. KENH_E_INVALID_ARG if
 * key is not of cs's signature scheme. Otherwise as mls_sign_with_label.
 */
KENH_MUST_CHECK int mls_sign_with_label_key(const struct crypto_suite *cs,
                                            const struct crypto_sig_key *key,
                                            struct kenh_span label, struct kenh_span content,
                                            uint8_t *sig, size_t *siglen);

/*
 * VerifyWithLabel(pk, label, content, sig) (§5.1.2): 0 if valid,
 * KENH_E_VERIFY for a bad signature or an unusable public key.
 */
KENH_MUST_CHECK int mls_verify_with_label(const struct crypto_suite *cs, struct kenh_span pk,
                                          struct kenh_span label, struct kenh_span content,
                                          struct kenh_span sig);

/*
 * Public signature keys imported once (crypto_sig_pub), for a member that
 * verifies many messages from the same senders. Entries are found by the
 * key's bytes, so a hit is the key itself whatever the tree became; when
 * all are taken the oldest entry is replaced. Holds no secret. Zero it to
 * start; mls_sig_cache_clear frees the entries. Belongs to one thread.
 */
#define MLS_SIG_CACHE_SIZE 8

struct mls_sig_cache {
	struct mls_sig_cache_entry {
		size_t pk_len; /* 0: empty */
		uint8_t pk[CRYPTO_MAX_SIG_PK];
		struct crypto_sig_pub *pub; /* owned */
	} e[MLS_SIG_CACHE_SIZE];
	size_t next; /* the entry replaced next */
};

void mls_sig_cache_clear(struct mls_sig_cache *c);

/*
 * mls_verify_with_label through cache (NULL: one-shot import): the same
 * answers, KENH_E_NOMEM aside. A key that does not import (KENH_E_VERIFY)
 * is not cached.
 */
KENH_MUST_CHECK int mls_verify_with_label_cached(const struct crypto_suite *cs,
                                                 struct mls_sig_cache *cache, struct kenh_span pk,
                                                 struct kenh_span label, struct kenh_span content,
                                                 struct kenh_span sig);

/* Inputs of EncryptWithLabel, all borrowed for the call. */
struct mls_encrypt_args {
	struct kenh_span pk;    /* recipient HPKE public key (cs->kem->npk bytes) */
	struct kenh_span label; /* without "MLS 1.0 " */
	struct kenh_span context;
	struct kenh_span pt; /* secret: the plaintext */
	/* Optional: mls_encrypt_context_hash(label, context), for one context
	 * sealed to many recipients; label and context are then not read. */
	const uint8_t *info_hash;
};

/* Inputs of DecryptWithLabel, all borrowed for the call. */
struct mls_decrypt_args {
	struct kenh_span sk;    /* secret: recipient HPKE private key (cs->kem->nsk) */
	struct kenh_span label; /* without "MLS 1.0 " */
	struct kenh_span context;
	struct kenh_span kem_output; /* cs->kem->npk bytes */
	struct kenh_span ct;         /* ciphertext with its tag */
};

/*
 * EncryptWithLabel (§5.1.3): HPKE SealBase(pk, info = EncryptContext {
 * opaque label<V> = "MLS 1.0 " + label; opaque context<V>; }, aad = "", pt).
 * kem_output receives cs->kem->npk bytes, ct a->pt.len + cs->aead->nt.
 * KENH_E_VERIFY for an invalid public key. ctx supplies the HPKE suite.
 */
KENH_MUST_CHECK int mls_encrypt_with_label(const struct kenh_ctx *ctx,
                                           const struct crypto_suite *cs,
                                           const struct mls_encrypt_args *a, uint8_t *kem_output,
                                           uint8_t *ct);

/*
 * The HPKE info_hash (RFC 9180 §5.1, hpke_info_hash) of the EncryptContext
 * of label and context: out receives cs->kdf->nh bytes. HPKE uses info
 * only through this hash, so EncryptWithLabel given it (a->info_hash)
 * produces exactly the bytes it produces from label and context, without
 * hashing, or copying, a large context once per recipient (a Welcome's
 * encrypted GroupInfo, §12.4.3.1).
 */
KENH_MUST_CHECK int mls_encrypt_context_hash(const struct kenh_ctx *ctx,
                                             const struct crypto_suite *cs, struct kenh_span label,
                                             struct kenh_span context, uint8_t *out);

/*
 * DecryptWithLabel (§5.1.3): HPKE OpenBase. pt receives a->ct.len -
 * cs->aead->nt bytes and is wiped on failure. KENH_E_DECRYPT for anything
 * the sender controls (bad kem_output, tag, label or context: R3.11).
 */
KENH_MUST_CHECK int mls_decrypt_with_label(const struct kenh_ctx *ctx,
                                           const struct crypto_suite *cs,
                                           const struct mls_decrypt_args *a, uint8_t *pt);

/*
 * KEM.DeriveKeyPair(secret) of the suite's KEM (RFC 9180 §7.1.3), as the
 * key schedule (§8, external_secret) uses it: sk receives cs->kem->nsk
 * bytes (secret), pk cs->kem->npk.
 */
KENH_MUST_CHECK int mls_derive_keypair(const struct kenh_ctx *ctx, const struct crypto_suite *cs,
                                       const uint8_t *secret, uint8_t *sk, uint8_t *pk);

/*
 * A ratchet-tree node key pair from a path secret (§7.4): node_secret =
 * DeriveSecret(path_secret, "node"), then KEM.DeriveKeyPair(node_secret).
 * The next path secret is mls_derive_secret(cs, path_secret,
 * MLS_LABEL("path"), next) (TreeKEM's job). node_secret is wiped.
 */
KENH_MUST_CHECK int mls_derive_node_keypair(const struct kenh_ctx *ctx,
                                            const struct crypto_suite *cs,
                                            const uint8_t *path_secret, uint8_t *sk, uint8_t *pk);

/* ------------------------------------------------------------------------ */
/* Secret tree and hash ratchets (RFC 9420 §9, §6.3.2)                       */
/* ------------------------------------------------------------------------ */

/* The two ratchets of every leaf (§9.1). */
enum mls_ratchet_type {
	MLS_RATCHET_HANDSHAKE = 0,
	MLS_RATCHET_APPLICATION = 1,
};

/*
 * One AEAD key and nonce, with the generation they belong to. Every byte is
 * secret; mls_key_nonce_clear() wipes it.
 */
struct mls_key_nonce {
	uint32_t generation;
	size_t key_len;                   /* cs->aead->nk */
	size_t nonce_len;                 /* cs->aead->nn */
	uint8_t key[CRYPTO_MAX_AEAD_KEY]; /* secret */
	uint8_t nonce[CRYPTO_MAX_NONCE];  /* secret */
};

/* Wipe the whole struct (NULL allowed); afterwards it is all zero bytes. */
void mls_key_nonce_clear(struct mls_key_nonce *kn);

/*
 * §6.3.1: XOR the 4-byte reuse_guard into the first bytes of the nonce
 * (the framing layer draws the guard and sends it in SenderData).
 */
void mls_key_nonce_apply_reuse_guard(struct mls_key_nonce *kn, const uint8_t guard[static 4]);

/*
 * §6.3.2: sender_data_key and sender_data_nonce from sender_data_secret and
 * a sample of the content ciphertext: its first Nh bytes, or all of it if
 * shorter. out->generation is 0.
 */
KENH_MUST_CHECK int mls_sender_data_key_nonce(const struct crypto_suite *cs,
                                              const uint8_t *sender_data_secret,
                                              struct kenh_span ciphertext,
                                              struct mls_key_nonce *out);

/*
 * Bounds of the out-of-order window, per secret tree. A received message
 * may name a generation at most max_forward ahead of its ratchet's next
 * generation: further is refused (KENH_E_TOO_LARGE) without touching the
 * ratchet, so a member cannot make us spend unbounded CPU hashing forward.
 * Keys of skipped generations are kept so that late messages still
 * decrypt, at most max_past per ratchet (the oldest is evicted first) and,
 * beyond the one key each ratchet may be holding for a pending decryption,
 * at most max_past_total in the whole tree, so memory stays bounded
 * whatever the senders do.
 */
struct mls_secret_tree_limits {
	uint32_t max_forward;    /* 0 .. MLS_ST_CEILING_FORWARD */
	uint32_t max_past;       /* 1 .. MLS_ST_CEILING_PAST */
	uint32_t max_past_total; /* 1 .. MLS_ST_CEILING_PAST_TOTAL */
};

/*
 * Defaults (used when limits is NULL). 1000 generations ahead covers a
 * sender that sent many messages we have not seen yet (our relay delivers
 * a group's log in order, so gaps come from losses, not reordering) at a
 * cost of at most 3000 HKDF calls; 128 kept keys per ratchet cover any
 * realistic reordering; 8192 keys in the whole tree (48 bytes each, under
 * 400 KiB) bound what a hostile member can make us store. The ceilings
 * only catch absurd configurations.
 */
#define MLS_ST_DEFAULT_MAX_FORWARD    1000u
#define MLS_ST_DEFAULT_MAX_PAST       128u
#define MLS_ST_DEFAULT_MAX_PAST_TOTAL 8192u
#define MLS_ST_CEILING_FORWARD        (1u << 20)
#define MLS_ST_CEILING_PAST           (1u << 16)
#define MLS_ST_CEILING_PAST_TOTAL     (1u << 22)

struct mls_st_entry; /* private to secret_tree.c */

/*
 * A secret tree for one epoch. Caller-allocated; fields are private to
 * secret_tree.c. It stores a sparse set of entries sorted by node index:
 * node secrets not yet consumed, and the two ratchets of every leaf used so
 * far. It starts with the root alone (encryption_secret); the first use of
 * a leaf derives the path down to it, keeping only the secrets of the
 * copath (§9.2 lets those stay) and deleting the path's. A 10,000-member
 * group thus holds O(log n) entries per leaf actually used, never 2n - 1
 * node secrets up front.
 */
struct mls_secret_tree {
	const struct crypto_suite *cs;
	uint32_t n_leaves;
	struct mls_secret_tree_limits limits;
	struct mls_st_entry **entries; /* owned; each entry holds secrets */
	size_t n_entries;
	size_t cap_entries;
	size_t n_past_total; /* keys kept in every ratchet's past cache */
};

/*
 * Start the secret tree of an epoch with n_leaves leaves (the ratchet
 * tree's leaf count) from encryption_secret (Nh bytes, borrowed; §9.2 says
 * the caller must wipe its copy once the tree exists). limits may be NULL
 * for the defaults; KENH_E_INVALID_ARG if a limit is outside its range or
 * n_leaves is not a valid size. On failure *st is all zero.
 */
KENH_MUST_CHECK int mls_secret_tree_init(struct mls_secret_tree *st, const struct crypto_suite *cs,
                                         const uint8_t *encryption_secret, uint32_t n_leaves,
                                         const struct mls_secret_tree_limits *limits);

/*
 * Wipe and free every secret the tree holds and zero *st (NULL allowed);
 * afterwards *st is all zero bytes.
 */
void mls_secret_tree_clear(struct mls_secret_tree *st);

/*
 * Sending: the key and nonce of the next generation of leaf's ratchet t,
 * consumed at once (§9.2: used to encrypt), the ratchet moving one step.
 * out->generation is the generation to put in SenderData.
 * KENH_E_INVALID_ARG for leaf >= n_leaves; KENH_E_STATE once the ratchet
 * has used generation 2^32 - 1 (the sender must commit a new epoch).
 */
KENH_MUST_CHECK int mls_secret_tree_encrypt_key(struct mls_secret_tree *st, uint32_t leaf,
                                                enum mls_ratchet_type t, struct mls_key_nonce *out);

/*
 * Receiving: the key and nonce of `generation` of leaf's ratchet t. A
 * generation ahead of the ratchet moves it past `generation`, keeping the
 * keys of the skipped generations within the limits above. The returned
 * key stays cached (it is not consumed until it decrypts: §9.2), and the
 * caller must call mls_secret_tree_consume() once the AEAD open succeeds.
 * Errors, after which the ratchet is unchanged:
 *   KENH_E_DECRYPT     the generation is behind the ratchet and its key is
 *                      gone: consumed (a replay) or evicted (too old);
 *   KENH_E_TOO_LARGE   more than max_forward generations ahead;
 *   KENH_E_INVALID_ARG leaf >= n_leaves (the framing layer checks the
 *                      sender's leaf first, §6.3.2).
 * The framing layer reports every one of these as KENH_E_DECRYPT to its own
 * callers (R3.11).
 */
KENH_MUST_CHECK int mls_secret_tree_decrypt_key(struct mls_secret_tree *st, uint32_t leaf,
                                                enum mls_ratchet_type t, uint32_t generation,
                                                struct mls_key_nonce *out);

/*
 * §9.2: delete the key and nonce of `generation` after it decrypted a
 * message, so that it can never be used again. Does nothing if the key is
 * not held (already consumed, evicted, or never derived).
 */
void mls_secret_tree_consume(struct mls_secret_tree *st, uint32_t leaf, enum mls_ratchet_type t,
                             uint32_t generation);

/*
 * The tree's whole state (every stored node secret, ratchet and kept key:
 * secrets, so w should be a sensitive writer) for a group's saved state,
 * and back. Decoding checks the leaf count, the limits, that the entries
 * tile the leaves in order, and every ratchet's generations; it returns
 * the reader's error or KENH_E_PARSE, leaving *st all zero on failure.
 */
KENH_MUST_CHECK int mls_secret_tree_encode(const struct mls_secret_tree *st,
                                           struct codec_writer *w);
KENH_MUST_CHECK int mls_secret_tree_decode(struct mls_secret_tree *st,
                                           const struct crypto_suite *cs, struct codec_reader *r);

/* Entries the tree stores now (node secrets plus leaves with ratchets). */
size_t mls_secret_tree_stored(const struct mls_secret_tree *st);

/* ------------------------------------------------------------------------ */
/* Key schedule (RFC 9420 §8, §8.4, §8.5, §12.4.3.1)                          */
/* ------------------------------------------------------------------------ */

/*
 * The secrets of one epoch. Caller-allocated; mls_epoch_secrets_clear()
 * wipes it. epoch_secret itself is consumed inside the schedule and never
 * stored (§9.2). joiner_secret and welcome_secret are kept only for
 * building or reading a Welcome; drop them with
 * mls_epoch_secrets_drop_joiner() as soon as that is done.
 * encryption_secret should be wiped (sec_zero) once the secret tree has
 * been made from it. init_secret is init_secret_[n], the input of the next
 * epoch's schedule.
 */
struct mls_epoch_secrets {
	size_t nh;                                    /* length of every field below */
	uint8_t joiner_secret[CRYPTO_MAX_HASH];       /* secret */
	uint8_t welcome_secret[CRYPTO_MAX_HASH];      /* secret */
	uint8_t sender_data_secret[CRYPTO_MAX_HASH];  /* secret */
	uint8_t encryption_secret[CRYPTO_MAX_HASH];   /* secret */
	uint8_t exporter_secret[CRYPTO_MAX_HASH];     /* secret */
	uint8_t external_secret[CRYPTO_MAX_HASH];     /* secret */
	uint8_t confirmation_key[CRYPTO_MAX_HASH];    /* secret */
	uint8_t membership_key[CRYPTO_MAX_HASH];      /* secret */
	uint8_t resumption_psk[CRYPTO_MAX_HASH];      /* secret */
	uint8_t epoch_authenticator[CRYPTO_MAX_HASH]; /* secret */
	uint8_t init_secret[CRYPTO_MAX_HASH];         /* secret */
};

/* Wipe every field (NULL allowed); afterwards *es is all zero bytes. */
void mls_epoch_secrets_clear(struct mls_epoch_secrets *es);

/* Wipe joiner_secret and welcome_secret once the Welcome is built or read. */
void mls_epoch_secrets_drop_joiner(struct mls_epoch_secrets *es);

/*
 * §8: joiner_secret = ExpandWithLabel(KDF.Extract(salt = init_secret_[n-1],
 * ikm = commit_secret), "joiner", GroupContext_[n], Nh). group_context is
 * the serialized GroupContext of the new epoch. commit_secret is the
 * all-zero string when the commit has no path (the caller supplies it).
 */
KENH_MUST_CHECK int mls_key_schedule_joiner(const struct crypto_suite *cs,
                                            const uint8_t *init_secret,
                                            const uint8_t *commit_secret,
                                            struct kenh_span group_context, uint8_t *joiner_secret);

/*
 * §8: welcome_secret = DeriveSecret(KDF.Extract(salt = joiner_secret, ikm =
 * psk_secret), "welcome"). For a joiner, who needs it to decrypt the
 * GroupInfo before it knows the GroupContext. psk_secret may be NULL for
 * the all-zero string (no PSK).
 */
KENH_MUST_CHECK int mls_key_schedule_welcome(const struct crypto_suite *cs,
                                             const uint8_t *joiner_secret,
                                             const uint8_t *psk_secret, uint8_t *welcome_secret);

/*
 * §8: the rest of the schedule from joiner_secret: member secret (Extract
 * with psk_secret, NULL meaning all zero), welcome_secret, epoch_secret =
 * ExpandWithLabel(., "epoch", GroupContext_[n], Nh), then every secret of
 * the table in §8 and init_secret_[n] = DeriveSecret(epoch_secret, "init").
 * joiner_secret is copied into out; the epoch and member secrets are wiped.
 */
KENH_MUST_CHECK int mls_key_schedule_epoch(const struct crypto_suite *cs,
                                           const uint8_t *joiner_secret, const uint8_t *psk_secret,
                                           struct kenh_span group_context,
                                           struct mls_epoch_secrets *out);

/*
 * §12.4.3.1: welcome_key = ExpandWithLabel(welcome_secret, "key", "", Nk)
 * and welcome_nonce = ExpandWithLabel(welcome_secret, "nonce", "", Nn),
 * which encrypt the GroupInfo in a Welcome.
 */
KENH_MUST_CHECK int mls_welcome_key_nonce(const struct crypto_suite *cs,
                                          const uint8_t *welcome_secret, struct mls_key_nonce *out);

/*
 * §8.5: MLS-Exporter(label, context, outlen) = ExpandWithLabel(
 * DeriveSecret(exporter_secret, label), "exported", Hash(context), outlen).
 * label is the application's label (bytes, no prefix added by the caller).
 */
KENH_MUST_CHECK int mls_exporter(const struct crypto_suite *cs, const uint8_t *exporter_secret,
                                 struct kenh_span label, struct kenh_span context, uint8_t *out,
                                 size_t outlen);

/*
 * §8: external_priv, external_pub = KEM.DeriveKeyPair(external_secret). sk
 * (secret) receives cs->kem->nsk bytes, pk cs->kem->npk; sk may be NULL
 * when only the public key is wanted (GroupInfo's external_pub).
 */
KENH_MUST_CHECK int mls_external_keypair(const struct kenh_ctx *ctx, const struct crypto_suite *cs,
                                         const uint8_t *external_secret, uint8_t *sk, uint8_t *pk);

/*
 * One PSK of §8.4: the encoded PreSharedKeyID (from mls_wire.h's encoder)
 * and the PSK's value (secret), both borrowed.
 */
struct mls_psk_input {
	struct kenh_span id;
	struct kenh_span psk; /* secret */
};

/*
 * §8.4: psk_secret over count PSKs, in order. For each, psk_extracted =
 * Extract(0, psk), psk_input = ExpandWithLabel(psk_extracted, "derived
 * psk", PSKLabel { id; uint16 index; uint16 count; }, Nh), and psk_secret
 * = Extract(salt = psk_input, ikm = previous psk_secret), starting from
 * the all-zero string, which is also the result for count == 0 (psks may
 * then be NULL). KENH_E_TOO_LARGE if count > LIMIT_PSKS.
 */
KENH_MUST_CHECK int mls_psk_secret(const struct crypto_suite *cs, const struct mls_psk_input *psks,
                                   size_t count, uint8_t *out);

/* ------------------------------------------------------------------------ */
/* Transcript hashes and confirmation tag (RFC 9420 §8.2, §6.1)               */
/* ------------------------------------------------------------------------ */

/*
 * confirmed_transcript_hash_[n] = Hash(interim_transcript_hash_[n-1] ||
 * ConfirmedTranscriptHashInput), where confirmed_input is the encoded
 * ConfirmedTranscriptHashInput (wire_format, FramedContent, signature: an
 * AuthenticatedContent without its confirmation_tag). interim_before is
 * empty in epoch 0. out receives Nh bytes.
 */
KENH_MUST_CHECK int mls_confirmed_transcript_hash(const struct crypto_suite *cs,
                                                  struct kenh_span interim_before,
                                                  struct kenh_span confirmed_input, uint8_t *out);

/*
 * interim_transcript_hash_[n] = Hash(confirmed_transcript_hash_[n] ||
 * InterimTranscriptHashInput { MAC confirmation_tag; }), the tag encoded as
 * opaque<V>. out receives Nh bytes.
 */
KENH_MUST_CHECK int mls_interim_transcript_hash(const struct crypto_suite *cs,
                                                struct kenh_span confirmed,
                                                struct kenh_span confirmation_tag, uint8_t *out);

/*
 * §6.1: confirmation_tag = MAC(confirmation_key, confirmed_transcript_hash).
 * out receives Nh bytes.
 */
KENH_MUST_CHECK int mls_confirmation_tag(const struct crypto_suite *cs,
                                         const uint8_t *confirmation_key,
                                         struct kenh_span confirmed, uint8_t *out);

/*
 * Check a received confirmation tag in constant time (R5.4): 0 if it equals
 * MAC(confirmation_key, confirmed), KENH_E_VERIFY otherwise (including a
 * tag of the wrong length).
 */
KENH_MUST_CHECK int mls_confirmation_tag_verify(const struct crypto_suite *cs,
                                                const uint8_t *confirmation_key,
                                                struct kenh_span confirmed, struct kenh_span tag);

#endif /* KENH_MLS_MLS_KEYS_H */
