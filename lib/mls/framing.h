/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Message protection and the joining crypto of RFC 9420 (internal to
 * lib/mls): signing and verifying FramedContent (§6.1), PublicMessage with
 * its membership tag (§6.2), PrivateMessage with content and sender-data
 * encryption (§6.3, §6.3.1, §6.3.2), KeyPackage creation, validation and
 * reference (§10, §10.1, §5.2), GroupInfo signatures (§12.4.3) and the
 * Welcome (§12.4.3.1), created and processed.
 *
 * These are building blocks for the group state machine, which owns the
 * ratchet tree, the transcript hashes and the epoch: every input that
 * depends on group state (the GroupContext, a sender's signature key, the
 * PSK secret, the current time) is supplied by the caller, and nothing
 * here keeps state between calls except the secret tree the caller lends.
 * What is left to the caller: the confirmation tag of a commit (it needs
 * the next epoch's keys), proposal and commit validation, the tree checks
 * of a join, and the group-dependent half of LeafNode validation (§7.3).
 *
 * Unless said otherwise: every pointer is borrowed for the call; `cs` is a
 * suite from crypto_suite_get(); a secret passed as `const uint8_t *` is
 * cs->kdf->nh bytes; out-parameters are cleared at entry and set only on
 * success (STYLE R3.5); byte results handed over as (uint8_t **out, size_t
 * *outlen) are owned by the caller and released with mem_free; int
 * functions return 0 or a negative KENH_E_* code (KENH_E_NOMEM,
 * KENH_E_CRYPTO for a library failure and KENH_E_INVALID_ARG for a broken
 * precondition are possible everywhere and not repeated below).
 */
#ifndef KENH_MLS_FRAMING_H
#define KENH_MLS_FRAMING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "kenh/err.h"
#include "mls/mls_keys.h"
#include "mls/mls_wire.h"
#include "util/util.h"

struct kenh_ctx;

/* A signature produced here (SignWithLabel output). */
struct mls_signature {
	size_t len;
	uint8_t bytes[CRYPTO_MAX_SIG];
};

/*
 * Look up the signature public key of a member or external sender: the
 * LeafNode at sender->leaf_index of the ratchet tree (member), or entry
 * sender->sender_index of the external_senders extension (external).
 * *key must stay valid until the calling framing function returns. Return
 * 0, or KENH_E_NOT_FOUND for an index that is out of range or a blank
 * leaf (any non-zero code rejects the message).
 */
typedef int mls_sender_key_fn(void *arg, const struct mls_sender *sender, struct kenh_span *key);

/*
 * The state of one epoch that framing needs, lent by the group layer.
 * Fields a given call does not use may be left NULL (each function says
 * which it reads).
 */
struct mls_framing_epoch {
	const struct kenh_ctx *ctx;          /* log sink, CSPRNG */
	const struct crypto_suite *cs;       /* the group's suite */
	const struct mls_group_context *gc;  /* this epoch's GroupContext */
	const uint8_t *membership_key;       /* secret: PublicMessage from a member */
	const uint8_t *sender_data_secret;   /* secret: PrivateMessage */
	struct mls_secret_tree *secret_tree; /* PrivateMessage: ratchets move on use */
	mls_sender_key_fn *sender_key;       /* member and external senders */
	void *sender_key_arg;
	struct mls_sig_cache *sig_cache; /* NULL: keys imported per signature */
};

/* ------------------------------------------------------------------------ */
/* Content authentication (RFC 9420 §6.1)                                    */
/* ------------------------------------------------------------------------ */

/*
 * Check the §6.1 pairing of sender type and content: an external sender
 * sends only proposals of the types §12.1.8 allows (add, remove, psk,
 * reinit, group_context_extensions), a new_member_commit sender only a
 * commit (with a path, whose LeafNode holds its key), a
 * new_member_proposal sender only an Add. KENH_E_PROTO otherwise.
 */
KENH_MUST_CHECK int mls_framed_content_check_sender(const struct mls_framed_content *content);

/*
 * SignWithLabel(sig_sk, "FramedContentTBS", FramedContentTBS) (§6.1) for
 * content sent with wire_format; the TBS includes ep->gc for member and
 * new_member_commit senders. Reads ep->cs and ep->gc. sig_sk (secret) is
 * cs->sig->nsk bytes. Fails with KENH_E_PROTO if the sender and content do
 * not pair (mls_framed_content_check_sender). out is wiped on failure.
 */
KENH_MUST_CHECK int mls_framed_content_sign(const struct mls_framing_epoch *ep,
                                            enum mls_wire_format wire_format,
                                            const struct mls_framed_content *content,
                                            struct kenh_span sig_sk, struct mls_signature *out);

/*
 * mls_framed_content_sign with the signature key imported once
 * (crypto_sig_key_new; borrowed): what a member uses for its own messages.
 */
KENH_MUST_CHECK int mls_framed_content_sign_key(const struct mls_framing_epoch *ep,
                                                enum mls_wire_format wire_format,
                                                const struct mls_framed_content *content,
                                                const struct crypto_sig_key *key,
                                                struct mls_signature *out);

/*
 * Verify content's signature (§6.1) with the key its sender type names:
 * ep->sender_key for member and external senders, the LeafNode of the
 * commit's path for new_member_commit, the LeafNode of the Add's
 * KeyPackage for new_member_proposal. Reads ep->cs, ep->gc and the
 * look-up. Returns 0; KENH_E_PROTO for a sender and content that do not
 * pair; the look-up's error; KENH_E_VERIFY for a bad signature.
 */
KENH_MUST_CHECK int mls_framed_content_verify(const struct mls_framing_epoch *ep,
                                              enum mls_wire_format wire_format,
                                              const struct mls_framed_content *content,
                                              struct kenh_span signature);

/* ------------------------------------------------------------------------ */
/* PublicMessage (RFC 9420 §6.2)                                             */
/* ------------------------------------------------------------------------ */

/*
 * Encode an MLSMessage carrying a PublicMessage of content and auth (the
 * signature from mls_framed_content_sign with the public wire format, and
 * for a commit its confirmation tag), adding membership_tag = MAC(
 * ep->membership_key, AuthenticatedContentTBM) for a member sender. Reads
 * ep->cs, ep->gc, ep->membership_key (member senders only). KENH_E_PROTO
 * for application data (§6: it MUST be a PrivateMessage) and for a sender
 * and content that do not pair.
 */
KENH_MUST_CHECK int mls_public_message_protect(const struct mls_framing_epoch *ep,
                                               const struct mls_framed_content *content,
                                               const struct mls_framed_content_auth_data *auth,
                                               uint8_t **out, size_t *outlen);

/*
 * Verify a decoded PublicMessage against the epoch (§6.2), in this order:
 * it carries no application data (KENH_E_PROTO); its sender and content
 * pair (KENH_E_PROTO); its group_id and epoch are ep->gc's (KENH_E_STATE);
 * for a member, the membership tag (KENH_E_VERIFY); then the signature
 * (mls_framed_content_verify's errors). On success the AuthenticatedContent
 * is { public, pm->content, pm->auth }. The confirmation tag of a commit
 * is not checked here: it needs the next epoch's confirmation key.
 */
KENH_MUST_CHECK int mls_public_message_verify(const struct mls_framing_epoch *ep,
                                              const struct mls_public_message *pm);

/* ------------------------------------------------------------------------ */
/* PrivateMessage (RFC 9420 §6.3)                                            */
/* ------------------------------------------------------------------------ */

/*
 * Sender-side padding policy (§6.3.1, §15.1): the PrivateMessageContent is
 * padded with zero bytes up to the next multiple of pad_block (0 or 1: no
 * padding). A fixed block hides the length of short messages; the cost is
 * at most pad_block - 1 bytes per message.
 */
struct mls_private_options {
	size_t pad_block;
};

/* Largest pad_block accepted: it must not push a message past LIMIT_MLS_MESSAGE. */
#define MLS_PAD_BLOCK_MAX 4096u

/*
 * Encrypt ac (wire format private, member sender, signed with the private
 * wire format) into an MLSMessage carrying a PrivateMessage (§6.3): the
 * next generation of the sender's handshake (proposal, commit) or
 * application ratchet from ep->secret_tree, a fresh reuse guard XOR-ed
 * into the nonce, padding per opt (NULL: none), the content under
 * PrivateContentAAD, then SenderData under the key and nonce derived from
 * ep->sender_data_secret and the ciphertext sample. Reads ep->ctx, cs, gc
 * (group_id and epoch must match the content's: KENH_E_STATE otherwise),
 * sender_data_secret and secret_tree. KENH_E_PROTO for a non-member sender;
 * KENH_E_STATE for an exhausted ratchet. The used key is wiped.
 */
KENH_MUST_CHECK int mls_private_message_protect(const struct mls_framing_epoch *ep,
                                                const struct mls_authenticated_content *ac,
                                                const struct mls_private_options *opt,
                                                uint8_t **out, size_t *outlen);

/*
 * An opened PrivateMessage. ac.content's group_id and authenticated_data
 * view the PrivateMessage's input buffer, application_data views plain;
 * proposal and commit arrays are owned. generation is the ratchet position
 * the message used. Release with mls_private_opened_clear.
 */
struct mls_private_opened {
	struct mls_authenticated_content ac;
	uint32_t generation;
	uint8_t *plain; /* secret: the decrypted PrivateMessageContent */
	size_t plain_len;
};

/* Free and wipe everything o owns; accepts a zeroed struct, leaves one. */
void mls_private_opened_clear(struct mls_private_opened *o);

/*
 * Decrypt and verify a decoded PrivateMessage (§6.3): group_id and epoch
 * must be ep->gc's (the caller picks the epoch state by them); then the
 * sender data (§6.3.2), the sender's leaf (via ep->sender_key: it must be
 * a non-blank leaf), the ratchet key for its generation within the secret
 * tree's window (§9.2, §15.3), the content with the reuse guard, the
 * all-zero padding (§6.3.1), and the signature. Every one of these
 * failures returns KENH_E_DECRYPT, the cause going only to the debug log
 * (STYLE R3.11); only KENH_E_NOMEM and KENH_E_INVALID_ARG (ep lacks
 * cs, gc, secret_tree, sender_data_secret or sender_key) are told apart.
 * Reads ep->ctx for the log. Verify then release (R5.5): *out is filled
 * only after the signature verified, and only then is the generation's
 * key consumed (§9.2), so a forged message cannot burn a real sender's
 * key. A generation ahead of the ratchet still moves it on (the skipped
 * keys are kept, as the secret tree documents). The confirmation tag of a
 * commit is left to the caller.
 */
KENH_MUST_CHECK int mls_private_message_open(const struct mls_framing_epoch *ep,
                                             const struct mls_private_message *pm,
                                             struct mls_private_opened *out);

/* ------------------------------------------------------------------------ */
/* KeyPackage (RFC 9420 §10, §10.1, §5.2)                                    */
/* ------------------------------------------------------------------------ */

/*
 * RFC 9420 §7.2: "Applications MUST define a maximum total lifetime that is
 * acceptable for a LeafNode, and reject any LeafNode where the total
 * lifetime is longer than this duration." Kenh's KeyPackages live
 * MLS_KP_LIFETIME, the 90 days of a device certificate (DESIGN §6), from
 * an hour before they are made; by default it accepts a total lifetime
 * (not_after - not_before) of up to MLS_KP_MAX_LIFETIME, one day more, for
 * peers that start theirs earlier still. A group may set another bound
 * (mls_group_callbacks.max_lifetime); every policy below requires one.
 */
#define MLS_KP_LIFETIME     (90ull * 24 * 3600)
#define MLS_KP_MAX_LIFETIME (MLS_KP_LIFETIME + 24ull * 3600)
#define MLS_KP_SLACK        3600ull /* our KeyPackages start this long before they are made */

/* Inputs of mls_key_package_build; all borrowed. */
struct mls_key_package_build_args {
	const struct kenh_ctx *ctx;
	const struct crypto_suite *cs;
	struct kenh_span sig_sk; /* secret: the client's signature key (cs->sig->nsk) */
	struct kenh_span sig_pk; /* its public key (cs->sig->npk) */
	const struct mls_credential *credential;
	const struct mls_capabilities *capabilities;
	struct mls_lifetime lifetime;
	uint64_t max_lifetime; /* §7.2: the bound the result is validated against; required */
	const struct mls_extension_list *leaf_extensions; /* NULL: none */
	const struct mls_extension_list *extensions;      /* KeyPackage extensions; NULL: none */
};

/* The private halves of a new KeyPackage (every byte secret). */
struct mls_key_package_keys {
	size_t nsk;                               /* cs->kem->nsk */
	uint8_t init_sk[CRYPTO_MAX_KEM_SK];       /* secret: init_key's private key */
	uint8_t encryption_sk[CRYPTO_MAX_KEM_SK]; /* secret: leaf encryption key's */
};

/* Wipe the whole struct (NULL allowed); afterwards it is all zero bytes. */
void mls_key_package_keys_clear(struct mls_key_package_keys *k);

/*
 * Build a KeyPackage (§10): fresh init and leaf encryption key pairs, a
 * LeafNode with source key_package, the given lifetime, capabilities and
 * extensions signed with SignWithLabel("LeafNodeTBS"), the whole signed
 * with SignWithLabel("KeyPackageTBS"). *out is the encoded KeyPackage
 * (not wrapped in an MLSMessage: that is what MakeKeyPackageRef hashes),
 * *keys its private keys. The result is checked with
 * mls_key_package_validate (now = not_before, a->max_lifetime) before it
 * is returned, so a lifetime over the bound, or a credential type or
 * extension missing from the capabilities, gives KENH_E_PROTO here rather
 * than a KeyPackage others reject. max_lifetime 0 is KENH_E_INVALID_ARG.
 */
KENH_MUST_CHECK int mls_key_package_build(const struct mls_key_package_build_args *a,
                                          struct mls_key_package_keys *keys, uint8_t **out,
                                          size_t *outlen);

/*
 * Group-dependent LeafNode checks of §7.3 (credential validation by the
 * authentication service, required_capabilities, credential types in use,
 * uniqueness of keys in the tree): 0 or a KENH_E_* code, passed through.
 */
typedef int mls_leaf_check_fn(void *arg, const struct mls_leaf_node *leaf);

/* What a KeyPackage is validated against (§10.1). */
struct mls_key_package_policy {
	uint16_t version;      /* expected: the group's (mls10) */
	uint16_t cipher_suite; /* expected: the group's */
	uint64_t now;          /* the injected clock, seconds since the Unix epoch */
	uint64_t max_lifetime; /* §7.2: longest not_after - not_before accepted; required (not 0) */
	mls_leaf_check_fn *leaf_check; /* NULL: none */
	void *leaf_check_arg;
};

/*
 * Validate a decoded KeyPackage (§10.1, with the intrinsic part of §7.3);
 * a policy without max_lifetime (0) is KENH_E_INVALID_ARG:
 *   version and cipher_suite equal the policy's (KENH_E_PROTO; a suite we
 *     do not support at all is KENH_E_UNSUPPORTED);
 *   leaf_node_source is key_package, the lifetime is ordered and within
 *     max_lifetime, the credential type and every non-default extension
 *     (of the leaf and of the KeyPackage) are listed in the capabilities
 *     (KENH_E_PROTO);
 *   now lies in [not_before, not_after] (KENH_E_EXPIRED);
 *   init_key and encryption_key are valid keys of the suite's KEM
 *     (KENH_E_VERIFY) and differ (KENH_E_PROTO);
 *   the LeafNode and KeyPackage signatures verify with the leaf's
 *     signature_key (KENH_E_VERIFY);
 *   the policy's leaf_check passes (its code).
 */
KENH_MUST_CHECK int mls_key_package_validate(const struct kenh_ctx *ctx,
                                             const struct mls_key_package *kp,
                                             const struct mls_key_package_policy *pol);

/*
 * KeyPackageRef = MakeKeyPackageRef(key_package) (§5.2) with the hash of
 * the suite named inside the encoded KeyPackage. ref receives
 * CRYPTO_MAX_HASH bytes at most, *reflen the hash length.
 * KENH_E_TRUNCATED for fewer than 4 bytes, KENH_E_UNSUPPORTED for an
 * unknown suite.
 */
KENH_MUST_CHECK int mls_key_package_ref(const struct kenh_ctx *ctx, struct kenh_span key_package,
                                        uint8_t ref[static CRYPTO_MAX_HASH], size_t *reflen);

/* ------------------------------------------------------------------------ */
/* GroupInfo (RFC 9420 §12.4.3)                                              */
/* ------------------------------------------------------------------------ */

/* SignWithLabel(sig_sk, "GroupInfoTBS", GroupInfoTBS) over gi (its signature ignored). */
KENH_MUST_CHECK int mls_group_info_sign(const struct crypto_suite *cs,
                                        const struct mls_group_info *gi, struct kenh_span sig_sk,
                                        struct mls_signature *out);

/*
 * Verify gi for a joiner (Welcome or external commit, §12.4.3): its
 * GroupContext names version mls10 and suite cs (KENH_E_PROTO), and its
 * signature verifies with signer_pk, the key of the LeafNode at gi->signer
 * taken by the caller from the tree (KENH_E_VERIFY).
 */
KENH_MUST_CHECK int mls_group_info_verify(const struct crypto_suite *cs,
                                          const struct mls_group_info *gi,
                                          struct kenh_span signer_pk);

/*
 * A decrypted or received GroupInfo: gi's spans and arrays point into or
 * belong to bytes. Release with mls_group_info_plain_clear.
 */
struct mls_group_info_plain {
	uint8_t *bytes;
	size_t len;
	struct mls_group_info gi;
};

void mls_group_info_plain_clear(struct mls_group_info_plain *p);

/* ------------------------------------------------------------------------ */
/* Welcome (RFC 9420 §12.4.3.1)                                              */
/* ------------------------------------------------------------------------ */

/* One new member of a Welcome. */
struct mls_welcome_member {
	struct kenh_span key_package; /* its encoded KeyPackage (validated by the caller) */
	struct kenh_span path_secret; /* secret: Nh bytes, or empty for none */
};

/* Inputs of mls_welcome_create; all borrowed. */
struct mls_welcome_create_args {
	const struct kenh_ctx *ctx;
	const struct crypto_suite *cs;
	const uint8_t *joiner_secret; /* secret */
	const uint8_t *psk_secret;    /* secret; NULL: no PSK (the all-zero string) */
	const struct mls_pre_shared_key_id *psks;
	size_t n_psks;
	const struct mls_group_info *group_info; /* signed (mls_group_info_sign) */
	const struct mls_welcome_member *members;
	size_t n_members;
};

/*
 * Build an MLSMessage carrying a Welcome (§12.4.3.1): the GroupInfo
 * encrypted under welcome_key/welcome_nonce from joiner_secret and
 * psk_secret, then for each member its GroupSecrets { joiner_secret,
 * path_secret, psks } as EncryptWithLabel(init_key, "Welcome",
 * encrypted_group_info, .) tagged with its KeyPackageRef. KENH_E_PROTO
 * for a KeyPackage of another suite; a KeyPackage that does not parse
 * gives its decoder's error.
 */
KENH_MUST_CHECK int mls_welcome_create(const struct mls_welcome_create_args *a, uint8_t **out,
                                       size_t *outlen);

/* The joiner: one of its KeyPackages and that KeyPackage's init key. */
struct mls_joiner {
	const struct crypto_suite *cs; /* the KeyPackage's suite (checked against its bytes) */
	struct kenh_span key_package;  /* encoded KeyPackage */
	struct kenh_span init_sk;      /* secret: cs->kem->nsk bytes */
};

/* Decrypted GroupSecrets: gs's spans point into plain. */
struct mls_welcome_secrets {
	uint8_t *plain; /* secret */
	size_t plain_len;
	struct mls_group_secrets gs;
};

void mls_welcome_secrets_clear(struct mls_welcome_secrets *s);

/*
 * First step of joining: find the EncryptedGroupSecrets for me's
 * KeyPackageRef (KENH_E_NOT_FOUND if none), check the Welcome's suite is
 * the KeyPackage's (KENH_E_PROTO), DecryptWithLabel the GroupSecrets
 * (KENH_E_DECRYPT) and decode them (decoder errors; KENH_E_PROTO for a
 * joiner_secret or path_secret that is not Nh bytes, or more than one
 * resumption PSK of usage reinit or branch).
 */
KENH_MUST_CHECK int mls_welcome_open_secrets(const struct kenh_ctx *ctx,
                                             const struct mls_joiner *me,
                                             const struct mls_welcome *welcome,
                                             struct mls_welcome_secrets *out);

/*
 * Second step: welcome_secret from joiner_secret and psk_secret (NULL: no
 * PSK), then decrypt encrypted_group_info with welcome_key and
 * welcome_nonce (KENH_E_DECRYPT) and decode it (decoder errors, trailing
 * bytes included). The signature is not checked here: the caller finds
 * the signer's key in the tree and calls mls_group_info_verify.
 */
KENH_MUST_CHECK int mls_welcome_open_group_info(const struct crypto_suite *cs,
                                                const struct mls_welcome *welcome,
                                                const uint8_t *joiner_secret,
                                                const uint8_t *psk_secret,
                                                struct mls_group_info_plain *out);

/* The epoch a joiner enters. */
struct mls_joined_epoch {
	struct mls_epoch_secrets secrets;
	size_t nh;
	uint8_t interim_transcript_hash[CRYPTO_MAX_HASH];
};

/* Wipe (NULL allowed); afterwards all zero bytes. */
void mls_joined_epoch_clear(struct mls_joined_epoch *e);

/*
 * Third step: the key schedule from joiner_secret and psk_secret (NULL:
 * none) over gi's GroupContext, the check of gi's confirmation tag with
 * the derived confirmation_key (KENH_E_VERIFY), and the interim
 * transcript hash from gi's confirmed transcript hash and tag (§12.4.3.1).
 */
KENH_MUST_CHECK int mls_welcome_epoch(const struct crypto_suite *cs, const uint8_t *joiner_secret,
                                      const uint8_t *psk_secret, const struct mls_group_info *gi,
                                      struct mls_joined_epoch *out);

/*
 * psk_secret (Nh bytes) for the PSKs a Welcome names (§8.4), from the
 * caller's PSK store; KENH_E_NOT_FOUND for a PSK it does not hold.
 */
typedef int mls_psk_secret_fn(void *arg, const struct mls_pre_shared_key_id *psks, size_t n,
                              uint8_t *psk_secret);

/*
 * The signature key of the LeafNode at gi->signer, from the ratchet tree
 * (the ratchet_tree extension of gi or one fetched elsewhere). *key must
 * stay valid until mls_welcome_join returns. KENH_E_NOT_FOUND for a blank
 * or missing leaf.
 */
typedef int mls_signer_key_fn(void *arg, const struct mls_group_info *gi, struct kenh_span *key);

/* Inputs of mls_welcome_join; all borrowed. */
struct mls_welcome_join_args {
	const struct kenh_ctx *ctx;
	struct mls_joiner me;
	const struct mls_welcome *welcome;
	mls_psk_secret_fn *psk_secret; /* NULL: a Welcome naming PSKs is refused */
	void *psk_arg;
	mls_signer_key_fn *signer_key;
	void *signer_arg;
};

/* Everything a join produces. Release with mls_welcome_joined_clear. */
struct mls_welcome_joined {
	struct mls_welcome_secrets secrets;     /* path_secret and psks for the tree layer */
	struct mls_group_info_plain group_info; /* verified */
	struct mls_joined_epoch epoch;          /* confirmation tag checked */
};

void mls_welcome_joined_clear(struct mls_welcome_joined *j);

/*
 * The three steps in order, with the signature check between the second
 * and third: open the secrets, resolve the PSKs (KENH_E_NOT_FOUND if the
 * Welcome names some and no resolver is given), open the GroupInfo,
 * check it names the KeyPackage's suite and verify it with the signer's
 * key, run the key schedule and check the confirmation tag. Errors are
 * those of the steps and call-backs. Nothing is released unless every
 * check passed (R5.5).
 */
KENH_MUST_CHECK int mls_welcome_join(const struct mls_welcome_join_args *a,
                                     struct mls_welcome_joined *out);

#endif /* KENH_MLS_FRAMING_H */
