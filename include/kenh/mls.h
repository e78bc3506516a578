/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * libkenh's MLS API (RFC 9420): KeyPackages, groups, and the messages
 * that move them, for the client, the relay and any program that wants to
 * take part in an MLS group. Cipher suites 1, 2 and 3.
 *
 * Nothing here does I/O: every call takes bytes and returns bytes and
 * events. Messages in and out are TLS-serialized MLSMessage structures.
 * A group is one member's view of one group; it is not thread-safe (one
 * thread at a time). Every buffer the library hands out is owned by the
 * caller and released with kenh_mls_free(); secrets in it are wiped then.
 *
 * Errors: 0 or a negative KENH_E_* code (kenh/err.h). A message that is
 * refused leaves the group exactly as it was (an authentic PrivateMessage
 * whose content is refused has used up its one-time key, nothing else).
 */
#ifndef KENH_MLS_H
#define KENH_MLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"

#ifdef __cplusplus
extern "C" {
#endif

struct kenh_ctx;

/** Version of this header's API; kenh_mls_api_version() returns the library's. */
#define KENH_MLS_API_VERSION 2

/** \return the MLS API version the library implements (KENH_MLS_API_VERSION). */
KENH_API int kenh_mls_api_version(void);

/** MLS cipher suites (RFC 9420 §17.1) this library implements. */
#define KENH_MLS_SUITE_X25519_AES128GCM_ED25519        1
#define KENH_MLS_SUITE_P256_AES128GCM_P256             2
#define KENH_MLS_SUITE_X25519_CHACHA20POLY1305_ED25519 3

/** Credential types (RFC 9420 §5.3). */
#define KENH_MLS_CREDENTIAL_BASIC 1
#define KENH_MLS_CREDENTIAL_X509  2

/** One MLS group as seen by one member (opaque). */
struct kenh_mls_group;
/** A KeyPackage we made, with its private keys (opaque). */
struct kenh_mls_keypackage;
/** A read-only view of a member's credential (opaque; see the accessors below). */
struct kenh_mls_credential;

/**
 * \brief Release a buffer the library returned, wiping it first.
 * \param p the buffer (NULL allowed). \param len its length.
 */
KENH_API void kenh_mls_free(void *p, size_t len);

/* ------------------------------------------------------------------------ */
/* Callbacks                                                                 */
/* ------------------------------------------------------------------------ */

/**
 * \brief The authentication service (RFC 9420 §5.3.1): decide whether a
 * member's credential is acceptable and belongs to its signature key.
 * Called for every LeafNode that enters a group or a tree being joined.
 * \return 0 to accept, a negative KENH_E_* code (KENH_E_VERIFY,
 * KENH_E_REVOKED, KENH_E_EXPIRED, ...) to refuse; the code is passed back.
 */
typedef int kenh_mls_validate_fn(void *arg, const struct kenh_mls_credential *cred);

/**
 * \brief RFC 9420 §5.3.1: a member's credential is being replaced (an
 * Update, or a Commit's path, e.g. with a renewed certificate): decide
 * whether next is a valid successor of old (the same identity). Called
 * only when the two differ, after next passed the validate callback.
 * \return 0 to accept, a negative KENH_E_* code to refuse.
 */
typedef int kenh_mls_successor_fn(void *arg, const struct kenh_mls_credential *old,
                                  const struct kenh_mls_credential *next);

/**
 * \brief The value of an external PSK (RFC 9420 §8.4) named psk_id: write
 * at most cap bytes to out and their number to *len.
 * \return 0, or KENH_E_NOT_FOUND if the PSK is unknown.
 */
typedef int kenh_mls_psk_fn(void *arg, const uint8_t *psk_id, size_t id_len, uint8_t *out,
                            size_t cap, size_t *len);

/** \brief The current time, in seconds since the Unix epoch. */
typedef uint64_t kenh_mls_clock_fn(void *arg);

/** What the application supplies to every group; copied by the calls that take it. */
struct kenh_mls_config {
	kenh_mls_validate_fn *validate; /**< required */
	void *validate_arg;
	kenh_mls_successor_fn *successor; /**< NULL: any valid credential may follow another */
	void *successor_arg;
	kenh_mls_psk_fn *psk; /**< NULL: no external PSK */
	void *psk_arg;
	kenh_mls_clock_fn *clock; /**< NULL: the system clock */
	void *clock_arg;
	/**
	 * Longest lifetime (not_after - not_before, seconds) accepted for a
	 * member's KeyPackage or LeafNode (RFC 9420 §7.2 makes the application
	 * define one); 0: the default, 91 days.
	 */
	uint64_t max_lifetime;
};

/** A credential to present: basic (an identity) or X.509 (a chain, leaf first). */
struct kenh_mls_credential_args {
	uint16_t type; /**< KENH_MLS_CREDENTIAL_BASIC or KENH_MLS_CREDENTIAL_X509 */
	const uint8_t *identity;
	size_t identity_len;
	const uint8_t *const *certs; /**< DER certificates */
	const size_t *cert_lens;
	size_t n_certs;
};

/* ------------------------------------------------------------------------ */
/* Credentials (read-only views, valid while their group is unchanged)       */
/* ------------------------------------------------------------------------ */

/** \return the credential type (KENH_MLS_CREDENTIAL_*, or another registry value). */
KENH_API uint16_t kenh_mls_credential_type(const struct kenh_mls_credential *c);

/** \brief A basic credential's identity (empty for other types). */
KENH_API void kenh_mls_credential_identity(const struct kenh_mls_credential *c, const uint8_t **p,
                                           size_t *len);

/** \return the number of certificates of an X.509 credential (0 for other types). */
KENH_API size_t kenh_mls_credential_cert_count(const struct kenh_mls_credential *c);

/** \brief Certificate i (DER) of an X.509 credential; KENH_E_NOT_FOUND past the end. */
KENH_API KENH_MUST_CHECK int kenh_mls_credential_cert(const struct kenh_mls_credential *c, size_t i,
                                                      const uint8_t **p, size_t *len);

/** \brief The member's signature public key. */
KENH_API void kenh_mls_credential_signature_key(const struct kenh_mls_credential *c,
                                                const uint8_t **p, size_t *len);

/* ------------------------------------------------------------------------ */
/* KeyPackages (RFC 9420 §10)                                                */
/* ------------------------------------------------------------------------ */

/** What a new KeyPackage says about its owner. */
struct kenh_mls_keypackage_args {
	uint16_t suite;                             /**< KENH_MLS_SUITE_* */
	struct kenh_mls_credential_args credential; /**< who we are */
	const uint8_t *signature_key; /**< our private signature key, or NULL for a fresh one */
	size_t signature_key_len;
	const uint8_t *application_id; /**< optional application_id leaf extension (§5.3.3) */
	size_t application_id_len;
	uint64_t now;      /**< start of the lifetime; 0: the system clock */
	uint64_t lifetime; /**< seconds; 0: the default (90 days); at most 91 days minus an hour */
};

/**
 * \brief Make a KeyPackage with fresh init and encryption keys (and GREASE
 * values, RFC 9420 §13.5).
 * \param out receives the KeyPackage; free with kenh_mls_keypackage_free().
 * \return 0, KENH_E_UNSUPPORTED (suite), KENH_E_INVALID_ARG, KENH_E_NOMEM,
 * KENH_E_CRYPTO.
 */
KENH_API KENH_MUST_CHECK int kenh_mls_keypackage_new(struct kenh_ctx *ctx,
                                                     const struct kenh_mls_keypackage_args *a,
                                                     struct kenh_mls_keypackage **out);

/** \brief Free a KeyPackage and wipe its private keys (NULL allowed). */
KENH_API void kenh_mls_keypackage_free(struct kenh_mls_keypackage *kp);

/**
 * \brief The KeyPackage as an MLSMessage (wire format mls_key_package), to
 * publish. \param out receives a buffer for kenh_mls_free().
 */
KENH_API KENH_MUST_CHECK int kenh_mls_keypackage_message(const struct kenh_mls_keypackage *kp,
                                                         uint8_t **out, size_t *len);

/**
 * \brief The KeyPackage with its private keys as bytes (secret: encrypt
 * them at rest), and back.
 */
KENH_API KENH_MUST_CHECK int kenh_mls_keypackage_serialize(const struct kenh_mls_keypackage *kp,
                                                           uint8_t **out, size_t *len);
KENH_API KENH_MUST_CHECK int kenh_mls_keypackage_restore(struct kenh_ctx *ctx, const uint8_t *in,
                                                         size_t len,
                                                         struct kenh_mls_keypackage **out);

/* ------------------------------------------------------------------------ */
/* Groups                                                                    */
/* ------------------------------------------------------------------------ */

/** An external sender (RFC 9420 §12.1.8.1): a party outside the group allowed to propose. */
struct kenh_mls_external_sender {
	const uint8_t *signature_key; /**< its public signature key */
	size_t signature_key_len;
	struct kenh_mls_credential_args credential;
};

/** The GroupContext extensions of a new group. */
struct kenh_mls_group_options {
	const uint8_t *group_id; /**< NULL: Nh random bytes (RFC 9420 §11) */
	size_t group_id_len;
	const struct kenh_mls_external_sender *external_senders; /**< e.g. the relay */
	size_t n_external_senders;
	const uint16_t *required_credentials; /**< required_capabilities (§11.1) */
	size_t n_required_credentials;
};

/**
 * \brief Create a group with one member, us, from our KeyPackage (§11).
 * \param opt NULL for a random group id and no extensions.
 */
KENH_API KENH_MUST_CHECK int kenh_mls_group_create(struct kenh_ctx *ctx,
                                                   const struct kenh_mls_config *cfg,
                                                   const struct kenh_mls_keypackage *kp,
                                                   const struct kenh_mls_group_options *opt,
                                                   struct kenh_mls_group **out);

/**
 * \brief Join a group from a Welcome (an MLSMessage) made for our
 * KeyPackage kp (§12.4.3.1). \param tree the ratchet tree (ratchet_tree
 * extension data) if the Welcome does not carry it, else NULL. The caller
 * checks that the group id is not one of its groups already.
 * \return 0, KENH_E_NOT_FOUND (not for kp, or a PSK or the tree missing),
 * KENH_E_DECRYPT, KENH_E_VERIFY, KENH_E_PROTO, KENH_E_EXPIRED, the
 * validator's code, parse errors.
 */
KENH_API KENH_MUST_CHECK int kenh_mls_group_join(struct kenh_ctx *ctx,
                                                 const struct kenh_mls_config *cfg,
                                                 const struct kenh_mls_keypackage *kp,
                                                 const uint8_t *welcome, size_t welcome_len,
                                                 const uint8_t *tree, size_t tree_len,
                                                 struct kenh_mls_group **out);

/**
 * \brief Join by external Commit (§12.4.3.2) from a GroupInfo MLSMessage
 * with the external_pub extension (and the ratchet_tree extension, or the
 * tree given). The KeyPackage supplies our leaf's keys and credential.
 * \param resync_leaf our old leaf to remove in the same Commit, or
 * UINT32_MAX. \param commit receives the Commit to send (kenh_mls_free).
 */
KENH_API KENH_MUST_CHECK int
kenh_mls_group_join_external(struct kenh_ctx *ctx, const struct kenh_mls_config *cfg,
                             const struct kenh_mls_keypackage *kp, const uint8_t *group_info,
                             size_t group_info_len, const uint8_t *tree, size_t tree_len,
                             uint32_t resync_leaf, uint8_t **commit, size_t *commit_len,
                             struct kenh_mls_group **out);

/** \brief Free a group, wiping every secret (NULL allowed). */
KENH_API void kenh_mls_group_free(struct kenh_mls_group *g);

/** What one Commit we make contains. Every pointer is borrowed for the call. */
struct kenh_mls_commit_args {
	const uint8_t *const *key_packages; /**< to add: MLSMessage or bare KeyPackage bytes */
	const size_t *key_package_lens;
	size_t n_add;
	const uint32_t *remove; /**< leaf indices to remove */
	size_t n_remove;
	bool include_pending; /**< name the proposals received in this epoch (recommended) */
	bool update;          /**< renew our own keys (a path) even if nothing else needs it */
	bool ratchet_tree;    /**< carry the ratchet tree in the Welcome's GroupInfo */
	bool private_message; /**< PrivateMessage (hidden from the relay) instead of PublicMessage */
	/**
	 * A new credential for our own leaf (RFC 9420 §5.3.1: e.g. a renewed
	 * certificate for the same identity and signature key), carried by
	 * the Commit's path LeafNode (a path is made, as with update); it
	 * must pass the group's validate callback. NULL: keep ours.
	 */
	const struct kenh_mls_credential_args *credential;
};

/** The messages a Commit produced (release with kenh_mls_commit_out_clear). */
struct kenh_mls_commit_out {
	uint8_t *commit; /**< MLSMessage to send to the group */
	size_t commit_len;
	uint8_t *welcome; /**< MLSMessage for the new members, NULL if none */
	size_t welcome_len;
	uint8_t *group_info; /**< the new epoch's GroupInfo (with external_pub) */
	size_t group_info_len;
};

KENH_API void kenh_mls_commit_out_clear(struct kenh_mls_commit_out *o);

/**
 * \brief Make a Commit (§12.4.1). The group does not change (§14): call
 * kenh_mls_group_commit_merge() once the delivery service accepted it, or
 * process it when it comes back (a PublicMessage Commit is recognised; a
 * PrivateMessage one cannot be read by its own sender, so merge it), or
 * kenh_mls_group_commit_discard() if another Commit won.
 * \return 0, KENH_E_STATE (removed, or a ReInit), KENH_E_PROTO (the list
 * would be invalid, §12.2), KeyPackage validation codes.
 */
KENH_API KENH_MUST_CHECK int kenh_mls_group_commit(struct kenh_mls_group *g,
                                                   const struct kenh_mls_commit_args *a,
                                                   struct kenh_mls_commit_out *out);

/** Event types of kenh_mls_group_process(). */
enum kenh_mls_event_type {
	KENH_MLS_EVENT_APPLICATION = 1, /**< data from a member */
	KENH_MLS_EVENT_PROPOSAL = 2,    /**< a proposal, stored for the next Commit */
	KENH_MLS_EVENT_COMMIT = 3,      /**< a new epoch (or our removal) */
};

/** Sender types (RFC 9420 §6). */
enum kenh_mls_sender_type {
	KENH_MLS_SENDER_MEMBER = 1,
	KENH_MLS_SENDER_EXTERNAL = 2,
	KENH_MLS_SENDER_NEW_MEMBER_PROPOSAL = 3,
	KENH_MLS_SENDER_NEW_MEMBER_COMMIT = 4,
};

/** What one message did (release with kenh_mls_event_clear). */
struct kenh_mls_event {
	enum kenh_mls_event_type type;
	enum kenh_mls_sender_type sender_type;
	uint32_t sender; /**< the sender's leaf (member), or external_senders index */
	uint64_t epoch;  /**< commit: the epoch it opened; otherwise the message's epoch */
	uint8_t *data;   /**< application data (owned) */
	size_t data_len;
	uint16_t proposal_type; /**< proposal: its type (RFC 9420 §17.4) */
	bool removed;           /**< commit: it removed us; the group is finished */
	uint32_t *added;        /**< commit: leaves added (owned) */
	size_t n_added;
	uint32_t *removed_leaves; /**< commit: leaves removed (owned) */
	size_t n_removed;
	bool reinit; /**< commit: it carried a ReInit (the group is finished, RFC 9420 §11.2) */
};

KENH_API void kenh_mls_event_clear(struct kenh_mls_event *ev);

/**
 * \brief Adopt the epoch of the Commit we made last (after the delivery
 * service accepted it). \param ev receives the membership change.
 * \return 0, KENH_E_STATE if no Commit is pending.
 */
KENH_API KENH_MUST_CHECK int kenh_mls_group_commit_merge(struct kenh_mls_group *g,
                                                         struct kenh_mls_event *ev);

/** \brief Forget the Commit we made (another one won the epoch). */
KENH_API void kenh_mls_group_commit_discard(struct kenh_mls_group *g);

/**
 * \brief Process one incoming MLSMessage of this group: application data,
 * a proposal (stored), or a Commit (the new epoch). Application data sent
 * in one of the two epochs before the current one and delivered late
 * still opens (RFC 9420 §15.3; the keys of older epochs are wiped, which
 * is what forward secrecy asks). On error the group is unchanged.
 * \return 0; KENH_E_STATE (a PublicMessage of another group or epoch, or
 * a group we were removed from); KENH_E_DECRYPT (also a PrivateMessage of
 * an epoch whose keys are gone); KENH_E_VERIFY; KENH_E_PROTO (a rule of
 * RFC 9420 broken); KENH_E_EXPIRED; parse errors; the validator's.
 */
KENH_API KENH_MUST_CHECK int kenh_mls_group_process(struct kenh_mls_group *g, const uint8_t *msg,
                                                    size_t len, struct kenh_mls_event *ev);

/**
 * \brief Encrypt application data as a PrivateMessage (MLSMessage).
 * \return 0; KENH_E_STATE if a proposal is pending (commit first, §12.4)
 * or the group is finished; KENH_E_TOO_LARGE.
 */
KENH_API KENH_MUST_CHECK int kenh_mls_group_encrypt(struct kenh_mls_group *g, const uint8_t *data,
                                                    size_t len, uint8_t **out, size_t *out_len);

/** Proposals we can send on their own (PublicMessage). */
KENH_API KENH_MUST_CHECK int kenh_mls_group_propose_add(struct kenh_mls_group *g,
                                                        const uint8_t *key_package, size_t len,
                                                        uint8_t **out, size_t *out_len);
KENH_API KENH_MUST_CHECK int kenh_mls_group_propose_remove(struct kenh_mls_group *g, uint32_t leaf,
                                                           uint8_t **out, size_t *out_len);
KENH_API KENH_MUST_CHECK int kenh_mls_group_propose_update(struct kenh_mls_group *g, uint8_t **out,
                                                           size_t *out_len);

/* ------------------------------------------------------------------------ */
/* Groups made from groups (RFC 9420 §11.2, §11.3)                           */
/* ------------------------------------------------------------------------ */

/**
 * \brief Commit a ReInit proposal (§12.1.5), alone: the group is to be
 * replaced by a new one with cipher suite `suite` (MLS 1.0), the group id
 * and GroupContext extensions of opt (NULL: a random id, no extensions),
 * and the same members. Once the Commit is merged or processed every
 * member stops using the group (the event says reinit) and one of them
 * makes the new group with kenh_mls_group_reinit(), the others join it
 * with kenh_mls_group_join_reinit().
 * \return as kenh_mls_group_commit(); KENH_E_UNSUPPORTED for the suite or
 * extensions we cannot use.
 */
KENH_API KENH_MUST_CHECK int kenh_mls_group_commit_reinit(struct kenh_mls_group *g, uint16_t suite,
                                                          const struct kenh_mls_group_options *opt,
                                                          struct kenh_mls_commit_out *out);

/** The first members of a group made from an old one. Pointers borrowed for the call. */
struct kenh_mls_link_args {
	const uint8_t *const
	        *key_packages; /**< the other members': MLSMessage or bare KeyPackage */
	const size_t *key_package_lens;
	size_t n;
	const uint8_t *group_id; /**< branch: the new group's id (NULL: Nh random bytes) */
	size_t group_id_len;
	bool ratchet_tree; /**< carry the ratchet tree in the Welcome */
};

/**
 * \brief Make the group that old's ReInit asked for (§11.2): its group id,
 * suite (kp must be of it) and extensions, and the same members, each of
 * whom gave a new KeyPackage with the credential it has in old. Its first
 * Commit adds them with a resumption PSK of usage reinit that ties it to
 * old's last epoch (§8.6). Any member may do it, not only the one who
 * committed the ReInit.
 * \param group receives the new group (in the configuration of old) with
 * that Commit pending: kenh_mls_group_commit_merge() it once the delivery
 * service accepted it (§14), then send the Welcome of out.
 * \return 0; KENH_E_STATE (old did not end with a ReInit whose parameters
 * are known); KENH_E_INVALID_ARG (kp's suite); KENH_E_PROTO (the members
 * are not exactly old's); KeyPackage validation codes.
 */
KENH_API KENH_MUST_CHECK int kenh_mls_group_reinit(struct kenh_mls_group *old,
                                                   const struct kenh_mls_keypackage *kp,
                                                   const struct kenh_mls_link_args *a,
                                                   struct kenh_mls_commit_out *out,
                                                   struct kenh_mls_group **group);

/**
 * \brief Make a subgroup of old (§11.3): old's suite (kp must be of it) and
 * GroupContext extensions, some of old's members (each KeyPackage with the
 * credential that member has in old), a resumption PSK of usage branch
 * tying it to old's current epoch. As kenh_mls_group_reinit() otherwise.
 * \return 0; KENH_E_STATE (old was removed or ended); KENH_E_INVALID_ARG;
 * KENH_E_PROTO (someone who is not a member of old).
 */
KENH_API KENH_MUST_CHECK int kenh_mls_group_branch(struct kenh_mls_group *old,
                                                   const struct kenh_mls_keypackage *kp,
                                                   const struct kenh_mls_link_args *a,
                                                   struct kenh_mls_commit_out *out,
                                                   struct kenh_mls_group **group);

/**
 * \brief Join, as kenh_mls_group_join(), the group made from old by its
 * ReInit (§11.2, §12.4.3.1): the Welcome must name old's last epoch in its
 * one reinit PSK, and the new group must be what the ReInit asked for,
 * with every member of old, in epoch 1.
 * \return as kenh_mls_group_join(); KENH_E_PROTO for a Welcome that does
 * not match old; KENH_E_STATE if old did not end with a known ReInit.
 */
KENH_API KENH_MUST_CHECK int
kenh_mls_group_join_reinit(struct kenh_ctx *ctx, const struct kenh_mls_config *cfg,
                           const struct kenh_mls_keypackage *kp, const struct kenh_mls_group *old,
                           const uint8_t *welcome, size_t welcome_len, const uint8_t *tree,
                           size_t tree_len, struct kenh_mls_group **out);

/**
 * \brief Join a subgroup branched from old (§11.3, §12.4.3.1): the Welcome
 * must name an epoch of old in its one branch PSK, and the new group must
 * have old's version and suite, in epoch 1, and only members of old.
 * \return as kenh_mls_group_join_reinit().
 */
KENH_API KENH_MUST_CHECK int
kenh_mls_group_join_branch(struct kenh_ctx *ctx, const struct kenh_mls_config *cfg,
                           const struct kenh_mls_keypackage *kp, const struct kenh_mls_group *old,
                           const uint8_t *welcome, size_t welcome_len, const uint8_t *tree,
                           size_t tree_len, struct kenh_mls_group **out);

/**
 * \brief MLS-Exporter(label, context, len) of the current epoch (§8.5).
 * \param out receives len bytes (secret).
 */
KENH_API KENH_MUST_CHECK int kenh_mls_group_export(const struct kenh_mls_group *g,
                                                   const char *label, const uint8_t *context,
                                                   size_t context_len, uint8_t *out, size_t len);

/** \brief The epoch authenticator (§8.7): *len receives its length (at most 64). */
KENH_API KENH_MUST_CHECK int kenh_mls_group_epoch_authenticator(const struct kenh_mls_group *g,
                                                                uint8_t *out, size_t cap,
                                                                size_t *len);

/** \brief A GroupInfo MLSMessage of the current epoch (with external_pub) for external joins. */
KENH_API KENH_MUST_CHECK int kenh_mls_group_info(const struct kenh_mls_group *g, bool with_tree,
                                                 uint8_t **out, size_t *len);

/** \return the current epoch. */
KENH_API uint64_t kenh_mls_group_epoch(const struct kenh_mls_group *g);
/** \brief The group id (a view valid until the group changes). */
KENH_API void kenh_mls_group_id(const struct kenh_mls_group *g, const uint8_t **p, size_t *len);
/** \return the cipher suite. */
KENH_API uint16_t kenh_mls_group_suite(const struct kenh_mls_group *g);
/** \return our own leaf index. */
KENH_API uint32_t kenh_mls_group_own_leaf(const struct kenh_mls_group *g);
/** \return false once a Commit removed us (or carried a ReInit). */
KENH_API bool kenh_mls_group_is_active(const struct kenh_mls_group *g);
/** \return the number of proposals received in this epoch and not yet committed. */
KENH_API size_t kenh_mls_group_pending_proposals(const struct kenh_mls_group *g);

/** \return the width of the member list: member leaves are 0 .. this - 1, some blank. */
KENH_API uint32_t kenh_mls_group_leaf_count(const struct kenh_mls_group *g);

/**
 * \brief The credential of the member at leaf (a view valid until the group
 * changes). \return 0, or KENH_E_NOT_FOUND for a blank or absent leaf.
 */
KENH_API KENH_MUST_CHECK int kenh_mls_group_member(const struct kenh_mls_group *g, uint32_t leaf,
                                                   const struct kenh_mls_credential **out);

/**
 * \brief The whole group state as bytes (secret: encrypt at rest), and
 * back. A Commit made and not merged is not saved.
 */
KENH_API KENH_MUST_CHECK int kenh_mls_group_serialize(const struct kenh_mls_group *g, uint8_t **out,
                                                      size_t *len);
KENH_API KENH_MUST_CHECK int kenh_mls_group_restore(struct kenh_ctx *ctx,
                                                    const struct kenh_mls_config *cfg,
                                                    const uint8_t *in, size_t len,
                                                    struct kenh_mls_group **out);

#ifdef __cplusplus
}
#endif
#endif /* KENH_MLS_H */
