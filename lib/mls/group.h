/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The MLS group state machine (internal to lib/mls): one member's view of
 * one group in one epoch, and the steps that move it. Group creation
 * (RFC 9420 §11), proposals (§12.1) and their storage by reference, the
 * proposal list rules (§12.2) and their application (§12.3), creating and
 * processing a Commit (§12.4.1, §12.4.2), joining by Welcome (§12.4.3.1)
 * and by external Commit (§12.4.3.2), application messages (§15), the
 * exporter and epoch authenticator (§8.5, §8.7), resumption PSKs (§8.6),
 * groups made from groups (reinit §11.2, branch §11.3), past epochs kept
 * for late messages (§15.3) and the sequencing rule of §14 (making a
 * Commit changes nothing until it is merged).
 *
 * Everything is staged: a step builds the next epoch in a new struct
 * mls_group and the caller's group is only touched, by swapping, once
 * every check has passed. A hostile message therefore leaves the group as
 * it was (DESIGN §1), with one documented exception: an authentic
 * PrivateMessage consumes its ratchet key (§9.2) even if its content is
 * then refused.
 *
 * The pieces it orchestrates live elsewhere: wire structs (mls_wire.h),
 * tree math, key schedule, secret tree and transcript hashes (mls_keys.h),
 * the ratchet tree and TreeKEM (tree.h), framing, KeyPackages, GroupInfo
 * and Welcome crypto (framing.h). Unless said otherwise: int functions
 * return 0 or a negative KENH_E_* code; pointers are borrowed for the
 * call; out-parameters are cleared at entry and set only on success.
 */
#ifndef KENH_MLS_GROUP_H
#define KENH_MLS_GROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "crypto/crypto.h"
#include "kenh/err.h"
#include "mls/framing.h"
#include "mls/mls_keys.h"
#include "mls/mls_wire.h"
#include "mls/tree.h"
#include "util/util.h"

struct kenh_ctx;

/* Past epochs whose resumption_psk is kept (§8.6 asks for a bound). */
#define MLS_GROUP_RESUMPTION_KEEP 8u
/* The longest external PSK value a look-up may return. */
#define MLS_GROUP_PSK_MAX 256u
/* Pending proposals kept in one epoch (a hostile sender cannot grow it further). */
#define MLS_GROUP_MAX_PENDING 1024u

/* The current time in seconds since the Unix epoch (an injectable clock). */
typedef uint64_t mls_clock_fn(void *arg);

/*
 * The value of a PSK the group does not hold itself: an external PSK, or a
 * resumption PSK of another group (§8.4). Write at most cap bytes to out
 * and their count to *len. KENH_E_NOT_FOUND if unknown.
 */
typedef int mls_psk_lookup_fn(void *arg, const struct mls_pre_shared_key_id *id, uint8_t *out,
                              size_t cap, size_t *len);

/*
 * The validation rules implemented here, by number, so that tests can
 * show each one matters: in KENH_DEBUG builds (dev and asan, never
 * release) a test may set bits of mls_group_callbacks.relax to make a
 * committer produce, or a receiver accept, a message that breaks exactly
 * one rule. Nothing outside the unit tests sets it.
 */
enum mls_rule {
	MLS_RULE_COMMITTER_UPDATE = 0, /* RFC 9420 §12.2 no Update from the committer */
	MLS_RULE_REMOVE_COMMITTER,     /* RFC 9420 §12.2 no Remove of the committer */
	MLS_RULE_SAME_LEAF,            /* RFC 9420 §12.2 one Update/Remove per leaf */
	MLS_RULE_ADD_DUPLICATE,        /* RFC 9420 §12.2 no two Adds of one client */
	MLS_RULE_PSK_DUPLICATE,        /* RFC 9420 §12.2 no PreSharedKeyID twice */
	MLS_RULE_GCE_TWICE,            /* RFC 9420 §12.2 at most one GroupContextExtensions */
	MLS_RULE_REINIT_ALONE,         /* RFC 9420 §12.2 a ReInit comes alone */
	MLS_RULE_EXTERNAL_INIT,        /* RFC 9420 §12.2 no ExternalInit in a regular Commit */
	MLS_RULE_EXTERNAL_LIST,   /* RFC 9420 §12.2, §12.4.3.2 what an external Commit holds */
	MLS_RULE_SENDER_TYPE,     /* RFC 9420 §12.1.8, §6 proposal types per sender type */
	MLS_RULE_PSK_USAGE,       /* RFC 9420 §12.1.4 no reinit/branch PSK proposal */
	MLS_RULE_PSK_NONCE,       /* RFC 9420 §12.1.4 psk_nonce of Nh bytes */
	MLS_RULE_REINIT_VERSION,  /* RFC 9420 §12.1.5 no lower version */
	MLS_RULE_GCE_SUPPORTED,   /* RFC 9420 §12.1.7, §13.4 extensions we implement */
	MLS_RULE_REMOVE_BLANK,    /* RFC 9420 §12.1.3 the removed leaf is a member */
	MLS_RULE_MEMBERS_SUPPORT, /* RFC 9420 §12.1.7 every member supports the extensions */
	MLS_RULE_ADD_KEY_PACKAGE, /* RFC 9420 §10.1 the Add's KeyPackage is valid */
	MLS_RULE_ADD_LEAF,        /* RFC 9420 §7.3, §12.2 the added leaf fits the tree */
	MLS_RULE_UPDATE_LEAF,     /* RFC 9420 §7.3, §12.1.2 the Update's leaf is valid */
	MLS_RULE_PATH_REQUIRED,   /* RFC 9420 §12.4 path when required */
	MLS_RULE_RESYNC,          /* RFC 9420 §12.2 a resync joiner keeps its identity */
	MLS_RULE_CONTEXT_EXTENSIONS, /* RFC 9420 §13.4 a joiner supports the GroupContext extensions */
};

/* Whether rule r is enforced for g (always, outside KENH_DEBUG builds). */
#ifdef KENH_DEBUG
#define MLS_RULE(g, r) ((((g)->cb.relax >> (unsigned)(r)) & 1u) == 0)
#else
#define MLS_RULE(g, r) ((void)(g), (void)(r), true)
#endif

/* What the application supplies to every group (copied into the group). */
struct mls_group_callbacks {
	mls_credential_check_fn *check_credential; /* required (§5.3.1) */
	void *check_arg;
	mls_successor_check_fn *check_successor; /* NULL: any valid credential may follow */
	void *successor_arg;
	mls_psk_lookup_fn *psk_lookup; /* NULL: no PSK but the group's own resumption PSKs */
	void *psk_arg;
	mls_clock_fn *clock; /* NULL: the system clock */
	void *clock_arg;
	/* RFC 9420 §7.2: longest LeafNode lifetime accepted; 0: MLS_KP_MAX_LIFETIME. */
	uint64_t max_lifetime;
#ifdef KENH_DEBUG
	uint64_t relax; /* tests only: bits (1 << enum mls_rule) of rules not enforced */
#endif
};

/* A proposal received in this epoch, kept for a Commit that names it by reference. */
struct mls_pending_prop {
	uint8_t ref[CRYPTO_MAX_HASH]; /* ProposalRef (nh bytes) */
	struct mls_sender sender;
	uint8_t *enc; /* owned: the encoded Proposal */
	size_t enc_len;
	struct mls_proposal prop;             /* decoded view into enc */
	bool own_update;                      /* our own Update: update_sk is the new leaf's key */
	uint8_t update_sk[CRYPTO_MAX_KEM_SK]; /* secret */
};

/* A past epoch's resumption_psk (§8.6). */
struct mls_resumption {
	uint64_t epoch;
	uint8_t psk[CRYPTO_MAX_HASH]; /* secret */
};

/*
 * RFC 9420 §15.3: how many epochs before the current one keep the keys that
 * open their late application messages. The deletion schedule (§9.2) lets
 * a member keep unconsumed keys "for some reasonable amount of time to
 * handle out-of-order message delivery"; the price is forward secrecy
 * (§16.6): whoever takes the device's state within that window reads the
 * messages of these epochs not yet received. Two epochs cover a Commit
 * that overtakes a message already on the way, even with a second Commit
 * right behind it, and bound that exposure to the unread messages of two
 * epochs; older keys are wiped as a Commit pushes them out.
 */
#define MLS_GROUP_PAST_EPOCHS 2u

/* A leaf's signature key in a past epoch where it differs from the current tree's. */
struct mls_past_key {
	uint32_t leaf;
	uint8_t len; /* 0: the leaf was blank */
	uint8_t key[CRYPTO_MAX_SIG_PK];
};

/*
 * What a past epoch keeps to open its late PrivateMessages (§6.3, §15.3):
 * its GroupContext (signed over, §6.1), sender_data_secret and secret tree,
 * and the signature keys of the leaves that have changed since (sorted by
 * leaf; every other leaf's key is the current tree's). Nothing else: the
 * membership key only serves PublicMessages, which a past epoch no longer
 * accepts (handshake messages must be of the current epoch, §12.4.2, and
 * application data never travels as PublicMessage, §6).
 */
struct mls_past_epoch {
	uint8_t *gc_enc;
	size_t gc_len;
	struct mls_group_context gc;                 /* views into gc_enc */
	uint8_t sender_data_secret[CRYPTO_MAX_HASH]; /* secret */
	struct mls_secret_tree st;                   /* secret */
	struct mls_past_key *keys;
	size_t n_keys;
};

/*
 * RFC 9420 §11.2, §11.3: the resumption PSK that ties a new group to the
 * group it was made from (reinit or branch), held by the new group until
 * its first Commit has used it (§8.6).
 */
struct mls_link {
	bool set;
	enum mls_resumption_psk_usage usage; /* reinit or branch */
	uint64_t epoch;                      /* of the old group */
	size_t group_id_len;
	uint8_t group_id[LIMIT_GROUP_ID]; /* of the old group */
	uint8_t psk[CRYPTO_MAX_HASH];     /* secret: its resumption_psk of that epoch */
};

struct mls_staged;

/*
 * One member's state of one group. Every field is private to group_*.c.
 * Secrets: sig_sk, priv, es, st, pending update keys, res, past and link.
 */
struct mls_group {
	const struct kenh_ctx *ctx;
	const struct crypto_suite *cs;
	struct mls_group_callbacks cb;
	/* RFC 9420 §8.1: the GroupContext of this epoch, owned (gc views into gc_enc). */
	uint8_t *gc_enc;
	size_t gc_len;
	struct mls_group_context gc;
	struct mls_rtree *tree;
	uint32_t own_leaf;
	/*
	 * A Commit removed us: nothing more can be sent, and only late
	 * application data of this epoch, our last, is read (§12.4.2) until
	 * late_closed, when its keys aged out as the members' did (§15.3).
	 */
	bool removed;
	bool late_closed;
	bool reinit; /* a Commit carried a ReInit: §12.4.2 forbids further use */
	/* That ReInit (§12.1.5), owned (reinit_args views into reinit_enc); NULL if unknown. */
	uint8_t *reinit_enc;
	size_t reinit_len;
	struct mls_reinit reinit_args;
	size_t sig_sk_len;
	uint8_t sig_sk[CRYPTO_MAX_SIG_SK]; /* secret */
	/* sig_sk imported once, made on first use by mls_group_sig_key (secret; owned). */
	struct crypto_sig_key *sig_key;
	/* Senders' keys imported once for this epoch's state (not serialized). */
	struct mls_sig_cache sig_cache;
	struct mls_treekem_priv priv;      /* secret */
	struct mls_epoch_secrets es;       /* secret; joiner, welcome, encryption wiped */
	struct mls_secret_tree st;         /* secret */
	uint8_t interim[CRYPTO_MAX_HASH];  /* interim_transcript_hash_[n] */
	uint8_t conf_tag[CRYPTO_MAX_HASH]; /* confirmation tag that opened this epoch */
	struct mls_pending_prop *props;
	size_t n_props;
	struct mls_resumption res[MLS_GROUP_RESUMPTION_KEEP]; /* secret; newest last */
	size_t n_res;
	struct mls_past_epoch *past[MLS_GROUP_PAST_EPOCHS]; /* secret; oldest first */
	size_t n_past;
	struct mls_link link;      /* secret; set in a new group until its first Commit */
	struct mls_staged *staged; /* our own Commit, made but not merged (§14) */
};

/* ------------------------------------------------------------------------ */
/* Life cycle and small helpers (group_state.c)                              */
/* ------------------------------------------------------------------------ */

/* An empty group for ctx and suite cs (borrowed for the group's life). */
KENH_MUST_CHECK int mls_group_alloc(const struct kenh_ctx *ctx, const struct crypto_suite *cs,
                                    const struct mls_group_callbacks *cb, struct mls_group **out);

/* Wipe every secret and free everything (NULL allowed). */
void mls_group_free(struct mls_group *g);

/* Exchange the whole contents of a and b (how a staged epoch is adopted). */
void mls_group_swap(struct mls_group *a, struct mls_group *b);

/*
 * Start the next epoch's state from g: same suite, callbacks, own leaf,
 * signature key, private keys, resumption PSKs, link and GroupContext, and
 * a copy of the tree sharing its nodes; no epoch secrets, no pending
 * proposals.
 */
KENH_MUST_CHECK int mls_group_next(const struct mls_group *g, struct mls_group **out);

/*
 * Replace the GroupContext with a new one made of the given fields
 * (group_id, epoch, tree_hash, confirmed_transcript_hash, extensions are
 * all copied; extensions may point into the current GroupContext).
 */
KENH_MUST_CHECK int mls_group_set_context(struct mls_group *g, const struct mls_group_context *gc);

/*
 * g's signature key as a crypto_sig_key, imported from sig_sk on the first
 * call and kept until the group is freed (not serialized, not carried to
 * the next epoch's state: each rebuilds it once). *out borrows from g.
 */
KENH_MUST_CHECK int mls_group_sig_key(struct mls_group *g, const struct crypto_sig_key **out);

/* The current time from the callbacks (or the system clock). */
uint64_t mls_group_now(const struct mls_group *g);

/* RFC 9420 §7.2: the longest LeafNode lifetime g accepts (never 0). */
uint64_t mls_group_max_lifetime(const struct mls_group *g);

/* The LeafNode validation policy of this group (§7.3) with extensions ext (NULL: the GC's). */
void mls_group_leaf_policy(const struct mls_group *g, const struct mls_extension_list *ext,
                           struct mls_leaf_policy *out);

/*
 * RFC 9420 §5.3.1: the leaf at old is replaced by next (an Update or a
 * Commit path of the same member): 0 if their credentials are the same
 * bytes or the application's successor check accepts next; its code
 * otherwise.
 */
KENH_MUST_CHECK int mls_group_check_successor(const struct mls_group *g,
                                              const struct mls_leaf_node *old,
                                              const struct mls_leaf_node *next);

/* The framing view of this epoch (framing.h), using g's keys. */
void mls_group_framing_epoch(struct mls_group *g, struct mls_framing_epoch *out);

/*
 * The decoded external_senders extension of ext (an empty list if absent);
 * KENH_E_PARSE for malformed data. Views into ext's data. Release with
 * mls_external_senders_clear.
 */
KENH_MUST_CHECK int mls_group_external_senders(const struct mls_extension_list *ext,
                                               struct mls_external_senders *out);

/* Remember resumption_psk of `epoch`, evicting the oldest beyond the bound. */
void mls_group_keep_resumption(struct mls_group *g, uint64_t epoch, const uint8_t *psk);

/* Drop every pending proposal (wiping their keys). */
void mls_group_clear_props(struct mls_group *g);

/* Keep a copy of ReInit ri (§12.1.5) in g and mark g as ended by it. */
KENH_MUST_CHECK int mls_group_set_reinit(struct mls_group *g, const struct mls_reinit *ri);

/*
 * Start the epoch's secret tree from es.encryption_secret (then wiped),
 * drop the joiner secrets. For a group whose es, gc and tree are set.
 */
KENH_MUST_CHECK int mls_group_start_epoch(struct mls_group *g);

/* ------------------------------------------------------------------------ */
/* Past epochs (group_past.c)                                                */
/* ------------------------------------------------------------------------ */

/*
 * RFC 9420 §15.3: next (the state of g's next epoch, with no past epochs of
 * its own) is about to replace g. Move g's epoch into next as its newest
 * past epoch (taking g's secret tree), and g's past epochs after it, the
 * oldest beyond MLS_GROUP_PAST_EPOCHS being wiped and freed; record the
 * signature keys next's tree no longer holds. KENH_E_NOMEM leaves g and
 * next as they were; after success g has no secret tree nor past epochs.
 */
KENH_MUST_CHECK int mls_group_retire(struct mls_group *g, struct mls_group *next);

/* The past epoch `epoch` of g, or NULL if it is not kept (a "not found" result). */
struct mls_past_epoch *mls_group_past_find(struct mls_group *g, uint64_t epoch);

/* The argument of a past epoch's sender look-up (caller storage, lives as long as the view). */
struct mls_past_view {
	const struct mls_group *g;
	const struct mls_past_epoch *p;
};

/* The framing view of past epoch p of g (framing.h); v is filled and referenced. */
void mls_group_past_framing(struct mls_group *g, struct mls_past_epoch *p, struct mls_past_view *v,
                            struct mls_framing_epoch *out);

/* Wipe and free every past epoch of g. */
void mls_group_past_clear(struct mls_group *g);

/*
 * The past epochs in the saved state (group_serial.c), and back. Decoding
 * checks each against g's GroupContext (same group and suite, epochs
 * increasing and before g's); KENH_E_PARSE or the reader's error.
 */
KENH_MUST_CHECK int mls_group_past_encode(const struct mls_group *g, struct codec_writer *w);
KENH_MUST_CHECK int mls_group_past_decode(struct mls_group *g, struct codec_reader *r);

/* ------------------------------------------------------------------------ */
/* PSKs (group_psk.c)                                                        */
/* ------------------------------------------------------------------------ */

/* The PSKs of one Commit or Welcome, in order (§8.4). Heap allocated: it is large. */
struct mls_psk_set {
	size_t n;
	struct mls_pre_shared_key_id id[LIMIT_PSKS];
	struct mls_psk_input in[LIMIT_PSKS];
	uint8_t id_enc[LIMIT_PSKS][LIMIT_PSK_ID + LIMIT_GROUP_ID + LIMIT_HASH + 32];
	uint8_t val[LIMIT_PSKS][MLS_GROUP_PSK_MAX]; /* secret */
};

/* Allocate an empty set (secret memory). */
KENH_MUST_CHECK int mls_psk_set_new(struct mls_psk_set **out);

/* Wipe and free (NULL allowed). */
void mls_psk_set_free(struct mls_psk_set *s);

/*
 * Append PSK id (its spans must outlive the set) with its value: g's link
 * when it names it exactly (§11.2, §11.3), g's resumption store when it
 * names g's group (§8.6), the callbacks otherwise. KENH_E_NOT_FOUND if the
 * value is unknown, KENH_E_TOO_LARGE past LIMIT_PSKS.
 */
KENH_MUST_CHECK int mls_psk_set_add(struct mls_psk_set *s, const struct mls_group *g,
                                    const struct mls_pre_shared_key_id *id);

/* psk_secret (§8.4) over the set; out receives nh bytes (secret). */
KENH_MUST_CHECK int mls_psk_set_secret(const struct mls_psk_set *s, const struct crypto_suite *cs,
                                       uint8_t *out);

/* ------------------------------------------------------------------------ */
/* Proposal lists (group_proposal.c)                                         */
/* ------------------------------------------------------------------------ */

/* One proposal of a Commit, resolved (by value or from the pending store). */
struct mls_prop_item {
	const struct mls_proposal *p;
	struct mls_sender sender; /* who proposed it */
	bool by_ref;
	const struct mls_pending_prop *pending; /* by_ref: the stored entry */
};

/* The committer of a proposal list. */
struct mls_committer {
	bool external; /* new_member_commit (§12.4.3.2) */
	uint32_t leaf; /* member: its leaf; external: unused */
};

/*
 * The result of applying a proposal list (§12.3) to a next-epoch state.
 * Release with mls_apply_result_clear.
 */
struct mls_apply_result {
	bool path_required;          /* RFC 9420 §12.4 */
	struct mls_idx_list added;   /* leaves filled by Add, in order */
	struct mls_idx_list removed; /* leaves blanked by Remove */
	bool own_removed;
	struct mls_psk_set *psks; /* NULL when there is none */
	bool has_external_init;
	struct kenh_span external_init; /* kem_output, a view into the proposal */
	const struct mls_reinit *reinit;
	bool own_update; /* one of the Updates was ours: priv holds its key */
};

void mls_apply_result_clear(struct mls_apply_result *r);

/*
 * RFC 9420 §12.2: the list rules that do not need the tree after the change, for a
 * regular or an external Commit. KENH_E_PROTO for a broken rule.
 */
KENH_MUST_CHECK int mls_group_proposals_check(const struct mls_group *g,
                                              const struct mls_prop_item *items, size_t n,
                                              const struct mls_committer *who);

/*
 * RFC 9420 §12.1: the checks one proposal must pass on its own, before it is stored
 * or applied (sender type allowed, PSK usage and nonce, ReInit version,
 * GroupContextExtensions we support, Remove index in range).
 */
KENH_MUST_CHECK int mls_group_proposal_check_one(const struct mls_group *g,
                                                 const struct mls_prop_item *it);

/*
 * RFC 9420 §11.1, §13.4: a GroupContext extension list we can take part in (no type
 * twice, every type and every required capability one we implement).
 * KENH_E_UNSUPPORTED or KENH_E_PROTO.
 */
KENH_MUST_CHECK int mls_group_context_extensions_check(const struct mls_group *g,
                                                       const struct mls_extension_list *ext);

/*
 * RFC 9420 §12.3: apply the list to next (made by mls_group_next from g) in the
 * RFC's order, validating each proposal as it goes (§12.1.x, §7.3, §10.1):
 * GroupContextExtensions, Updates, Removes, Adds, PSKs (looked up),
 * ExternalInit, ReInit. next's GroupContext extensions are replaced when
 * there is a GroupContextExtensions proposal; the epoch and hashes are the
 * caller's. Errors: KENH_E_PROTO, KENH_E_VERIFY, KENH_E_EXPIRED, the
 * credential callback's, KENH_E_NOT_FOUND for an unknown PSK.
 */
KENH_MUST_CHECK int mls_group_proposals_apply(struct mls_group *next,
                                              const struct mls_prop_item *items, size_t n,
                                              const struct mls_committer *who,
                                              struct mls_apply_result *res);

/*
 * The stored proposal whose ProposalRef is ref, or NULL (a "not found"
 * result).
 */
const struct mls_pending_prop *mls_group_find_prop(const struct mls_group *g, struct kenh_span ref);

/*
 * Store a verified proposal of this epoch (§12.1): ac is its
 * AuthenticatedContent (the ref is computed from its encoding). An
 * identical ref already stored is KENH_E_EXISTS; more than
 * MLS_GROUP_MAX_PENDING is KENH_E_TOO_LARGE. On success *stored points to
 * the entry (valid until the next change of the store).
 */
KENH_MUST_CHECK int mls_group_store_prop(struct mls_group *g,
                                         const struct mls_authenticated_content *ac,
                                         struct mls_pending_prop **stored);

/* ------------------------------------------------------------------------ */
/* Commits (group_commit.c, group_commit_make.c)                             */
/* ------------------------------------------------------------------------ */

/* What happened to the membership in one Commit (for the caller). */
struct mls_commit_outcome {
	uint64_t epoch; /* the new epoch */
	bool removed;   /* we were removed: the group is no longer usable */
	struct mls_idx_list added;
	struct mls_idx_list removed_leaves;
	uint32_t committer; /* leaf of the committer in the new tree */
	bool external;
	bool reinit; /* it carried a ReInit: the group is finished, a new one follows (§11.2) */
};

void mls_commit_outcome_clear(struct mls_commit_outcome *o);

/* Our own Commit, made and not yet merged (§14). */
struct mls_staged {
	struct mls_group *next; /* the epoch it opens */
	uint8_t *ac_enc;        /* its AuthenticatedContent, to recognise it when it comes back */
	size_t ac_len;
	struct mls_commit_outcome outcome;
};

/*
 * RFC 9420 §12.4.2: process a verified Commit (ac: wire format public or private,
 * content verified by the framing layer with the current epoch). On
 * success g is in the new epoch, or marked removed; on failure g is
 * unchanged. A Commit of our own that we staged is merged instead.
 */
KENH_MUST_CHECK int mls_group_commit_process(struct mls_group *g,
                                             const struct mls_authenticated_content *ac,
                                             struct mls_commit_outcome *out);

/* What a Commit we make carries. All pointers borrowed for the call. */
struct mls_commit_args {
	const struct kenh_span *key_packages; /* encoded KeyPackages to Add (not MLSMessages) */
	size_t n_add;
	const uint32_t *remove; /* leaves to Remove */
	size_t n_remove;
	const struct mls_pre_shared_key_id *psks; /* PreSharedKey proposals */
	size_t n_psk;
	const struct mls_extension_list *gce; /* a GroupContextExtensions proposal, or NULL */
	const struct mls_proposal *extra;     /* more proposals by value, as given */
	size_t n_extra;
	bool include_pending;         /* name every stored proposal by reference */
	bool force_path;              /* a path even when none is required */
	bool private_message;         /* PrivateMessage instead of PublicMessage */
	bool ratchet_tree_in_welcome; /* the ratchet_tree extension in the GroupInfo */
	bool external_pub;            /* the external_pub extension in the GroupInfo */
	struct kenh_span authenticated_data;
	/* A new credential for our path LeafNode (implies a path), or NULL (borrowed). */
	const struct mls_credential *credential;
};

/* Bytes a Commit produces. Release with mls_commit_made_clear. */
struct mls_commit_made {
	uint8_t *commit; /* MLSMessage */
	size_t commit_len;
	uint8_t *welcome; /* MLSMessage, NULL if nobody was added */
	size_t welcome_len;
	uint8_t *group_info; /* MLSMessage carrying the new epoch's GroupInfo */
	size_t group_info_len;
};

void mls_commit_made_clear(struct mls_commit_made *m);

/*
 * RFC 9420 §12.4.1: build a Commit from g's current epoch and stage its result
 * (replacing any earlier staged Commit). g itself does not change (§14):
 * mls_group_staged_merge() adopts the new epoch, or the Commit is merged
 * when it comes back from the delivery service.
 */
KENH_MUST_CHECK int mls_group_commit_create(struct mls_group *g, const struct mls_commit_args *a,
                                            struct mls_commit_made *out);

/* Adopt the staged Commit's epoch (KENH_E_STATE if there is none; KENH_E_NOMEM). */
KENH_MUST_CHECK int mls_group_staged_merge(struct mls_group *g, struct mls_commit_outcome *out);

/* Forget the staged Commit (wiping its secrets). */
void mls_group_staged_discard(struct mls_group *g);

/* True if a Commit is staged. */
bool mls_group_has_staged(const struct mls_group *g);

/*
 * Transcript hashes and key schedule shared by creating and processing a
 * Commit (§8, §8.2): from next (tree and extensions final), the committed
 * AuthenticatedContent without its tag, commit_secret, psk_secret and
 * init_secret: set next's GroupContext for epoch+1, its epoch secrets, and
 * (tag NULL) compute the confirmation tag into tag_out, or (tag given)
 * verify it (KENH_E_VERIFY); then the interim transcript hash and the
 * secret tree.
 */
struct mls_epoch_inputs {
	const struct mls_group *old;
	enum mls_wire_format wire_format;
	const struct mls_framed_content *content;
	struct kenh_span signature;
	const uint8_t *commit_secret; /* nh bytes, secret */
	const uint8_t *psk_secret;    /* nh bytes, secret */
	const uint8_t *init_secret;   /* nh bytes, secret */
	struct kenh_span tag;         /* the received tag, or empty to compute it */
};

KENH_MUST_CHECK int mls_group_advance(struct mls_group *next, const struct mls_epoch_inputs *in,
                                      uint8_t *tag_out);

/*
 * RFC 9420 §12.4.1, §12.4.2: append the provisional GroupContext (old group_id and
 * confirmed transcript hash, epoch + 1, next's tree hash and extensions).
 */
KENH_MUST_CHECK int mls_group_provisional_context(const struct mls_group *next,
                                                  const struct mls_group *old,
                                                  struct codec_writer *w);

/*
 * RFC 9420 §8.3, a member: the init secret an ExternalInit's kem_output carries,
 * with old's external key pair. init_secret receives nh bytes (secret).
 * KENH_E_DECRYPT for a kem_output that does not decapsulate.
 */
KENH_MUST_CHECK int mls_group_external_init_recv(const struct mls_group *old,
                                                 struct kenh_span kem_output, uint8_t *init_secret);

/*
 * RFC 9420 §8.3, the joiner: kem_output (cs->kem->npk bytes) and init secret (nh
 * bytes, secret) for the group's external_pub.
 */
KENH_MUST_CHECK int mls_group_external_init_send(const struct kenh_ctx *ctx,
                                                 const struct crypto_suite *cs,
                                                 struct kenh_span external_pub, uint8_t *kem_output,
                                                 uint8_t *init_secret);

/* ------------------------------------------------------------------------ */
/* Creating, joining (group_create.c, group_join.c, group_external.c)        */
/* ------------------------------------------------------------------------ */

/* A KeyPackage we made, with its private keys (secret). */
struct mls_own_key_package {
	const struct crypto_suite *cs;
	uint8_t *kp; /* the encoded KeyPackage */
	size_t kp_len;
	struct mls_key_package_keys keys; /* secret */
	size_t sig_sk_len;
	uint8_t sig_sk[CRYPTO_MAX_SIG_SK]; /* secret */
};

void mls_own_key_package_clear(struct mls_own_key_package *k);

/* Inputs to build a KeyPackage. */
struct mls_kp_args {
	const struct kenh_ctx *ctx;
	uint16_t suite;
	const struct mls_credential *credential;
	struct kenh_span sig_sk; /* secret; empty: a fresh signature key */
	uint64_t now;            /* start of the lifetime */
	uint64_t lifetime;       /* seconds; 0: MLS_KP_LIFETIME */
	bool grease; /* add GREASE values (§13.5): capabilities, KeyPackage and leaf extensions */
	const struct mls_extension_list *leaf_extensions; /* NULL: none (default types only) */
	/* Application-defined extension and credential types to advertise as well (§7.2). */
	const struct mls_u16_list *more_extensions;
	const struct mls_u16_list *more_credentials;
};

/* The most GREASE extension data we send (§13.5), plus one. */
#define MLS_GROUP_GREASE_DATA 16u

/* RFC 9420 §13.5: a random GREASE value into *v. */
KENH_MUST_CHECK int mls_group_grease_value(const struct kenh_ctx *ctx, uint16_t *v);

/*
 * RFC 9420 §13.5: a GREASE extension of `type` (0: a random GREASE value)
 * whose data is a random number (below MLS_GROUP_GREASE_DATA) of random
 * bytes written to data, which *out views.
 */
KENH_MUST_CHECK int mls_group_grease_extension(const struct kenh_ctx *ctx, uint16_t type,
                                               uint8_t *data, struct mls_extension *out);

/* Decode our own KeyPackage (views into kp->kp; release with mls_key_package_clear). */
KENH_MUST_CHECK int mls_group_own_key_package_decode(const struct mls_own_key_package *kp,
                                                     struct mls_key_package *out);

/*
 * RFC 9420 §10: a KeyPackage (capabilities: suites 1-3, basic and x509
 * credentials) living from MLS_KP_SLACK before a->now for a->lifetime;
 * KENH_E_INVALID_ARG for a lifetime over MLS_KP_MAX_LIFETIME - MLS_KP_SLACK
 * (§7.2: peers with the default bound would refuse it).
 */
KENH_MUST_CHECK int mls_group_key_package(const struct mls_kp_args *a,
                                          struct mls_own_key_package *out);

/*
 * RFC 9420 §11: a one-member group in epoch 0 whose leaf is kp's LeafNode, with
 * group_id (empty: Nh random bytes) and GroupContext extensions ext (NULL:
 * none; checked against our own capabilities).
 */
KENH_MUST_CHECK int mls_group_create(const struct kenh_ctx *ctx,
                                     const struct mls_group_callbacks *cb,
                                     const struct mls_own_key_package *kp,
                                     struct kenh_span group_id,
                                     const struct mls_extension_list *ext, struct mls_group **out);

/*
 * RFC 9420 §12.4.3.1: join from a Welcome (decoded) with our KeyPackage kp. tree is
 * the ratchet tree (ratchet_tree extension data) when it is not in the
 * GroupInfo; empty otherwise.
 */
KENH_MUST_CHECK int mls_group_join(const struct kenh_ctx *ctx, const struct mls_group_callbacks *cb,
                                   const struct mls_own_key_package *kp,
                                   const struct mls_welcome *welcome, struct kenh_span tree,
                                   struct mls_group **out);

/* RFC 9420 §13.4: KENH_E_PROTO if a type appears twice in l. */
KENH_MUST_CHECK int mls_group_extensions_unique(const struct mls_extension_list *l);

/*
 * RFC 9420 §12.4.3.1 "Verify the integrity of the ratchet tree" of g (tree and
 * GroupContext set from gi): the tree hash against gi's, then every check
 * of mls_rtree_validate() with g's leaf policy. KENH_E_VERIFY for a hash
 * mismatch.
 */
KENH_MUST_CHECK int mls_group_check_tree(struct mls_group *g, const struct mls_group_info *gi);

/*
 * RFC 9420 §12.4.3.2: join by external Commit from a GroupInfo (decoded, with the
 * external_pub extension) and our KeyPackage kp (its LeafNode's key and
 * credential are reused). tree as for mls_group_join. If resync_leaf is
 * not UINT32_MAX the Commit also removes that leaf (our old appearance).
 * *commit receives the Commit (PublicMessage MLSMessage), *out the joined
 * group in the new epoch.
 */
struct mls_external_join_args {
	const struct kenh_ctx *ctx;
	const struct mls_group_callbacks *cb;
	const struct mls_own_key_package *kp;
	const struct mls_group_info *gi;
	struct kenh_span tree;
	uint32_t resync_leaf;
	const struct mls_pre_shared_key_id *psks;
	size_t n_psk;
	const struct mls_proposal
	        *extra; /* more proposals by value (tests break §12.2 with them) */
	size_t n_extra;
};

KENH_MUST_CHECK int mls_group_join_external(const struct mls_external_join_args *a,
                                            uint8_t **commit, size_t *commit_len,
                                            struct mls_group **out);

/* ------------------------------------------------------------------------ */
/* Groups made from groups (group_link.c)                                    */
/* ------------------------------------------------------------------------ */

/* The new group's first members. All pointers borrowed for the call. */
struct mls_link_args {
	const struct mls_group_callbacks *cb; /* the new group's (NULL: old's) */
	const struct mls_own_key_package *kp; /* ours, for the new group */
	const struct kenh_span *key_packages; /* the others' (encoded KeyPackages) */
	size_t n;
	struct kenh_span group_id;    /* branch: the new group's id (empty: Nh random bytes) */
	bool ratchet_tree_in_welcome; /* the ratchet_tree extension in the Welcome */
};

/*
 * RFC 9420 §11.2 step 3: make the group that old's last Commit asked for
 * with its ReInit (group_id, version, cipher_suite, extensions; kp must be
 * of that suite) and the same members (every member of old but us has
 * exactly one KeyPackage in a->key_packages with the credential it has in
 * old, and kp has ours), and its first Commit adding them with a
 * PreSharedKey of usage reinit naming old's group and current epoch
 * (§8.6). *group receives the new group in epoch 0 with that Commit
 * staged (merge it as any other, §14); out the Commit and the Welcome.
 * KENH_E_STATE if old ended otherwise or its ReInit is unknown;
 * KENH_E_UNSUPPORTED for a version other than MLS 1.0; KENH_E_INVALID_ARG
 * for kp of another suite; KENH_E_PROTO for members that do not match;
 * the codes of mls_group_create and mls_group_commit_create.
 */
KENH_MUST_CHECK int mls_group_reinit_create(const struct mls_group *old,
                                            const struct mls_link_args *a,
                                            struct mls_commit_made *out, struct mls_group **group);

/*
 * RFC 9420 §11.3: as mls_group_reinit_create, for a subgroup of old (each
 * KeyPackage's credential is that of a member of old) with old's version,
 * suite (kp's must be it) and GroupContext extensions, and a PreSharedKey
 * of usage branch. KENH_E_STATE if old was removed or ended by a ReInit.
 */
KENH_MUST_CHECK int mls_group_branch_create(const struct mls_group *old,
                                            const struct mls_link_args *a,
                                            struct mls_commit_made *out, struct mls_group **group);

/*
 * RFC 9420 §12.4.3.1: join, as mls_group_join, a group made from old with
 * usage (reinit or branch). The Welcome must name one PSK of that usage,
 * for old's group (and, for reinit, old's current epoch: the one its ReInit
 * opened), whose value comes from old; then, in the joined epoch 1: for
 * reinit, old ended with a ReInit whose group_id, version, cipher_suite
 * and extensions are the GroupContext's, and every member of old is a
 * member; for branch, old's version and suite, and every member was one
 * of old. "Member" compares credentials (the application's identity).
 * KENH_E_PROTO for a Welcome that breaks any of this; KENH_E_STATE if old
 * did not end with a known ReInit (reinit); the codes of mls_group_join.
 */
KENH_MUST_CHECK int
mls_group_join_linked(const struct kenh_ctx *ctx, const struct mls_group_callbacks *cb,
                      const struct mls_own_key_package *kp, const struct mls_group *old,
                      enum mls_resumption_psk_usage usage, const struct mls_welcome *welcome,
                      struct kenh_span tree, struct mls_group **out);

/*
 * RFC 9420 §11.2, §11.3: whether every member of `sub` (every leaf
 * credential) is also a member of `all`. KENH_E_PROTO if not.
 */
KENH_MUST_CHECK int mls_group_members_within(const struct mls_rtree *sub,
                                             const struct mls_rtree *all);

/*
 * RFC 9420 §12.4.3: a signed GroupInfo of the current epoch as an MLSMessage, with
 * the ratchet_tree and external_pub extensions if asked.
 */
KENH_MUST_CHECK int mls_group_info_make(const struct mls_group *g, bool with_tree,
                                        bool with_external_pub, uint8_t **out, size_t *outlen);

/* A signed GroupInfo of g's epoch and the buffers its views use. */
struct mls_gi_build {
	struct mls_group_info gi;
	struct mls_extension ext[3]; /* ratchet_tree, external_pub, GREASE (§13.5) */
	uint8_t grease[MLS_GROUP_GREASE_DATA];
	struct codec_writer tree; /* ratchet_tree extension data */
	uint8_t pub[CRYPTO_MAX_KEM_PK + 4];
	struct mls_signature sig;
};

/* RFC 9420 §12.4.3: build and sign (release with mls_gi_build_clear). */
KENH_MUST_CHECK int mls_group_info_build(const struct mls_group *g, bool with_tree,
                                         bool with_external_pub, struct mls_gi_build *b);
void mls_gi_build_clear(struct mls_gi_build *b);

/* Encode an MLSMessage into an owned buffer (mem_free). */
KENH_MUST_CHECK int mls_group_message_encode(const struct mls_message *m, uint8_t **out,
                                             size_t *outlen);

/* The GroupContext extension types we support (§13.4): every default type. */
bool mls_group_extension_supported(uint16_t type);

/* ------------------------------------------------------------------------ */
/* Messages (group_message.c)                                                */
/* ------------------------------------------------------------------------ */

enum mls_event_type {
	MLS_EVENT_APPLICATION = 1,
	MLS_EVENT_PROPOSAL = 2,
	MLS_EVENT_COMMIT = 3,
};

/* What processing one message did. Release with mls_event_clear. */
struct mls_event {
	enum mls_event_type type;
	struct mls_sender sender;
	uint64_t epoch; /* the epoch the message belonged to (application: maybe a past one) */
	uint8_t *data;  /* application: the plaintext (secret, owned) */
	size_t data_len;
	enum mls_proposal_type proposal_type; /* proposal */
	struct mls_commit_outcome commit;     /* commit */
};

void mls_event_clear(struct mls_event *e);

/*
 * Process one MLSMessage that carries a PublicMessage or PrivateMessage of
 * this group (msg is the decoded message). Application data is returned
 * with its sender, also from one of the MLS_GROUP_PAST_EPOCHS epochs
 * before the current one (§15.3); a proposal is verified and stored
 * (§12.1); a Commit is processed (§12.4.2). KENH_E_STATE for a
 * PublicMessage of another group or epoch, or a group that was removed;
 * KENH_E_DECRYPT for a PrivateMessage we hold no keys for (another group,
 * an epoch not kept); the other codes of the steps. On failure g is
 * unchanged (but see the PrivateMessage note at the top).
 */
KENH_MUST_CHECK int mls_group_process(struct mls_group *g, const struct mls_message *msg,
                                      struct mls_event *out);

/*
 * RFC 9420 §15: application data as a PrivateMessage MLSMessage. KENH_E_STATE if a
 * proposal is pending (§12.4: commit first) or the group is not usable.
 */
KENH_MUST_CHECK int mls_group_encrypt(struct mls_group *g, struct kenh_span data,
                                      struct kenh_span authenticated_data, uint8_t **out,
                                      size_t *outlen);

/* Proposals we send on their own (PublicMessage), stored for our next Commit. */
struct mls_propose_args {
	enum mls_proposal_type type;  /* add, update or remove */
	struct kenh_span key_package; /* add: encoded KeyPackage */
	uint32_t remove;              /* remove: the leaf */
	struct kenh_span authenticated_data;
};

KENH_MUST_CHECK int mls_group_propose(struct mls_group *g, const struct mls_propose_args *a,
                                      uint8_t **out, size_t *outlen);

/* ------------------------------------------------------------------------ */
/* State bytes (group_serial.c)                                              */
/* ------------------------------------------------------------------------ */

/*
 * The whole state as versioned bytes (sensitive: *out is sec_alloc'd and
 * released with sec_free(*out, *outlen)), and back. The staged Commit is
 * not saved. Restoring: KENH_E_PARSE for bytes that do not decode,
 * KENH_E_UNSUPPORTED for another format version.
 */
KENH_MUST_CHECK int mls_group_serialize(const struct mls_group *g, uint8_t **out, size_t *outlen);
KENH_MUST_CHECK int mls_group_deserialize(const struct kenh_ctx *ctx,
                                          const struct mls_group_callbacks *cb, struct kenh_span in,
                                          struct mls_group **out);

#endif /* KENH_MLS_GROUP_H */
