/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The ratchet tree and TreeKEM (internal to lib/mls): an owned tree of
 * LeafNode and ParentNode values (RFC 9420 §4, §7.1, §7.2) kept as an array
 * indexed by node number (Appendix C), with resolution and filtered direct
 * paths (§4.1.1, §4.1.2), extension and truncation (§7.7), the Add, Update
 * and Remove changes (§12.1.1-§12.1.3), tree hashes cached per node (§7.8),
 * parent hashes and their verification (§7.9), leaf-node validation (§7.3),
 * the tree checks of joining (§12.4.3.1), import and export of the
 * ratchet_tree extension (§12.4.3.3), and TreeKEM (§7.4-§7.6): creating an
 * UpdatePath, merging and decrypting a received one, and the private keys a
 * member holds for its leaf and direct path.
 *
 * Left to others: tree math (mls_keys.h), the wire structs (mls_wire.h),
 * which proposals a commit may carry and in which order they apply (the
 * group state machine), the GroupContext bytes (the caller encodes them),
 * Welcome path secrets on the joiner's side beyond mls_treekem_priv_join().
 *
 * Sharing: every non-blank node is an immutable, reference-counted object
 * that holds its own encoding (LeafNode or ParentNode, without the node
 * type byte) and a decoded view into it. A change makes a new node; a copy
 * of a tree (mls_rtree_dup) shares every node, so copying a 10,000-member
 * tree costs copying its node pointers and hash cache, not its nodes. The
 * reference counts are not atomic: a tree and its copies belong to one
 * thread.
 *
 * Unless said otherwise: int functions return 0 or a negative KENH_E_*
 * code; out-parameters are cleared at entry; pointers are borrowed for the
 * call; a node index x must be below mls_rtree_width(), a leaf index below
 * t->n_leaves (KENH_E_INVALID_ARG otherwise); views returned by accessors
 * stay valid until the node they come from is replaced, blanked or
 * truncated away, or the tree is freed.
 */
#ifndef KENH_MLS_TREE_H
#define KENH_MLS_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "crypto/crypto.h"
#include "kenh/err.h"
#include "mls/mls_keys.h"
#include "mls/mls_wire.h"
#include "util/util.h"

struct codec_writer;
struct kenh_ctx;

/* ------------------------------------------------------------------------ */
/* Nodes and trees                                                           */
/* ------------------------------------------------------------------------ */

/* One non-blank node. Immutable once made; shared between tree copies. */
struct mls_rnode {
	size_t refs;             /* trees holding this node */
	enum mls_node_type type; /* leaf at even indices, parent at odd ones */
	uint8_t *enc;            /* owned: the LeafNode or ParentNode encoding */
	size_t enc_len;
	union {
		struct mls_leaf_node leaf;     /* MLS_NODE_LEAF: views into enc */
		struct mls_parent_node parent; /* MLS_NODE_PARENT: views into enc */
	} u;
};

/*
 * A ratchet tree. n_leaves is always a power of two (§7.7 keeps the tree
 * full); nodes has mls_tree_node_width(n_leaves) entries, NULL for a blank
 * node. th caches the tree hash of every node (nh bytes each), valid where
 * th_ok is set; a change clears th_ok along the changed node's direct path
 * only. Fields are private to tree_*.c and treekem.c.
 */
struct mls_rtree {
	const struct crypto_suite *cs;
	uint32_t n_leaves;
	uint32_t cap_leaves; /* the arrays below have room for this many leaves */
	struct mls_rnode **nodes;
	uint8_t *th;
	uint8_t *th_ok;
	uint8_t *scratch; /* hash-input buffer, grown on demand */
	size_t scratch_cap;
};

/* A growing list of node or leaf indices. Zero-initialize; release with _clear. */
struct mls_idx_list {
	uint32_t *v;
	size_t n;
	size_t cap;
};

/* Free the array and zero the list (NULL allowed). */
void mls_idx_list_clear(struct mls_idx_list *l);

/* Append one index; KENH_E_NOMEM or KENH_E_TOO_LARGE (over LIMIT_TREE_NODES entries). */
KENH_MUST_CHECK int mls_idx_list_push(struct mls_idx_list *l, uint32_t v);

/*
 * A tree of one blank leaf for suite cs (borrowed: it must outlive the
 * tree), ready for mls_rtree_add_leaf() (group creation, §11).
 */
KENH_MUST_CHECK int mls_rtree_new(const struct crypto_suite *cs, struct mls_rtree **out);

/* Release the tree and its references to nodes (NULL allowed). */
void mls_rtree_free(struct mls_rtree *t);

/*
 * A copy sharing every node with t (and its cached hashes), for a state
 * machine that applies a commit to a copy and keeps it only on success.
 */
KENH_MUST_CHECK int mls_rtree_dup(const struct mls_rtree *t, struct mls_rtree **out);

/*
 * RFC 9420 §12.4.3.3: build a tree from ratchet_tree extension data
 * (optional<Node> ratchet_tree<V>; data is borrowed, every node is copied).
 * Syntax and shape only: the vector must be the whole of data
 * (KENH_E_TRAILING), hold at least one node, end with a non-blank leaf
 * (KENH_E_PARSE: a tree the protocol produces always does, §7.7, so an even
 * count or a trailing blank is malformed), and carry leaves at even
 * positions and parents at odd ones (KENH_E_PARSE). The tree is then
 * extended with blanks to 2^(d+1) - 1 nodes. Each node must decode to the
 * last byte. Decoder errors as in mls_wire.h; KENH_E_TOO_LARGE over
 * LIMIT_TREE_NODES nodes. Validation is mls_rtree_validate()'s job.
 */
KENH_MUST_CHECK int mls_rtree_import(const struct crypto_suite *cs, struct kenh_span data,
                                     struct mls_rtree **out);

/*
 * RFC 9420 §12.4.3.3: append the ratchet_tree vector, without the blank
 * nodes after the last non-blank one. Every node is written from its stored
 * encoding, so an imported tree exports to the same bytes. Returns the
 * writer's error.
 */
KENH_MUST_CHECK int mls_rtree_export(const struct mls_rtree *t, struct codec_writer *w);

/* Number of nodes: 2 * n_leaves - 1. */
uint32_t mls_rtree_width(const struct mls_rtree *t);

/* The node at x, or NULL if it is blank or x is outside the tree. */
const struct mls_rnode *mls_rtree_node(const struct mls_rtree *t, uint32_t x);

/* The LeafNode of leaf `leaf`, or NULL if blank or outside the tree. */
const struct mls_leaf_node *mls_rtree_leaf(const struct mls_rtree *t, uint32_t leaf);

/* The encryption key of node x; an empty span if x is blank or outside. */
struct kenh_span mls_rtree_node_key(const struct mls_rtree *t, uint32_t x);

/* The number of non-blank leaves. */
uint32_t mls_rtree_member_count(const struct mls_rtree *t);

/* ------------------------------------------------------------------------ */
/* Changes (§7.7, §12.1)                                                    */
/* ------------------------------------------------------------------------ */

/*
 * Put the encoded LeafNode leaf_node (copied; it must decode to its last
 * byte, KENH_E_PARSE / KENH_E_TRAILING otherwise) at `leaf`, touching
 * nothing else. The building block of the operations below; validation is
 * the caller's.
 */
KENH_MUST_CHECK int mls_rtree_set_leaf(struct mls_rtree *t, uint32_t leaf,
                                       struct kenh_span leaf_node);

/*
 * Put a ParentNode at parent index x (odd): encryption_key, parent_hash and
 * the sorted unmerged leaves are copied into a new node.
 */
KENH_MUST_CHECK int mls_rtree_set_parent(struct mls_rtree *t, uint32_t x,
                                         const struct mls_parent_node *pn);

/* Blank node x (a leaf or a parent); never fails for x inside the tree. */
void mls_rtree_blank(struct mls_rtree *t, uint32_t x);

/* Blank every node on the direct path of leaf (§7.5 step 1, §12.1.2, §12.1.3). */
void mls_rtree_blank_path(struct mls_rtree *t, uint32_t leaf);

/*
 * §12.1.1 Add: put leaf_node at the leftmost blank leaf, doubling the tree
 * first if there is none (§7.7), and add that leaf to the unmerged leaves
 * of every non-blank node on its direct path. *leaf_out receives the leaf.
 * KENH_E_TOO_LARGE if the tree would pass LIMIT_MEMBERS leaves. On failure
 * the tree is as before.
 */
KENH_MUST_CHECK int mls_rtree_add_leaf(struct mls_rtree *t, struct kenh_span leaf_node,
                                       uint32_t *leaf_out);

/*
 * §12.1.2 Update: replace the sender's leaf and blank its direct path.
 * KENH_E_STATE if the leaf is blank.
 */
KENH_MUST_CHECK int mls_rtree_update_leaf(struct mls_rtree *t, uint32_t leaf,
                                          struct kenh_span leaf_node);

/*
 * §12.1.1, §12.4.3.2: the leftmost blank leaf into *leaf_out, doubling the
 * tree first if there is none (KENH_E_TOO_LARGE past LIMIT_MEMBERS leaves).
 * The leaf an external joiner takes before mls_treekem_create() or
 * mls_treekem_merge().
 */
KENH_MUST_CHECK int mls_rtree_blank_leaf(struct mls_rtree *t, uint32_t *leaf_out);

/*
 * §12.1.3 Remove: blank the leaf and its direct path, then truncate.
 * KENH_E_STATE if the leaf is already blank (the proposal is invalid).
 */
KENH_MUST_CHECK int mls_rtree_remove_leaf(struct mls_rtree *t, uint32_t leaf);

/*
 * §12.1.3, §7.7: halve the tree while its right subtree holds no non-blank
 * leaf, so that afterwards n_leaves is the smallest power of two above the
 * rightmost non-blank leaf (1 for an all-blank tree).
 */
void mls_rtree_truncate(struct mls_rtree *t);

/* The new nodes an UpdatePath puts in the tree (§7.5), all borrowed. */
struct mls_rtree_path_update {
	uint32_t leaf;
	size_t n;                            /* length of the filtered direct path */
	const uint32_t *node;                /* the filtered direct path */
	const struct kenh_span *key;         /* its new encryption keys */
	const struct kenh_span *parent_hash; /* their parent_hash fields (§7.9) */
	struct kenh_span leaf_node;          /* the encoded new LeafNode */
};

/*
 * §7.5: blank the direct path of u->leaf, set each node of u->node to a
 * ParentNode with its key, parent hash and no unmerged leaves, and put the
 * new leaf. Every node is built before anything changes: on failure the
 * tree is as before. Checking the contents is the caller's.
 */
KENH_MUST_CHECK int mls_rtree_apply_path(struct mls_rtree *t,
                                         const struct mls_rtree_path_update *u);

/* ------------------------------------------------------------------------ */
/* Resolution and paths (§4.1.1, §4.1.2)                                     */
/* ------------------------------------------------------------------------ */

/*
 * Append the resolution of x to out (not emptied first): x if non-blank,
 * followed by the node indices of its unmerged leaves; nothing for a blank
 * leaf; for a blank parent, the resolution of its left child then of its
 * right child. Iterative.
 */
KENH_MUST_CHECK int mls_rtree_resolution(const struct mls_rtree *t, uint32_t x,
                                         struct mls_idx_list *out);

/* True if every node of the subtree under x is blank (its resolution is empty). */
bool mls_rtree_subtree_is_blank(const struct mls_rtree *t, uint32_t x);

/*
 * The filtered direct path of `leaf`: its direct path without the nodes
 * whose child on the copath has an empty resolution. path[i] receives the
 * node and copath[i] its child that is not on the leaf's direct path.
 */
KENH_MUST_CHECK int mls_rtree_filtered_path(const struct mls_rtree *t, uint32_t leaf,
                                            uint32_t path[static MLS_TREE_MAX_DEPTH],
                                            uint32_t copath[static MLS_TREE_MAX_DEPTH],
                                            size_t *len);

/* ------------------------------------------------------------------------ */
/* Tree hashes and parent hashes (§7.8, §7.9)                                */
/* ------------------------------------------------------------------------ */

/*
 * §7.8: the tree hash of node x into out (nh bytes). Computes what the
 * cache lacks (the subtree's changed nodes only) and caches it.
 */
KENH_MUST_CHECK int mls_rtree_hash(struct mls_rtree *t, uint32_t x, uint8_t *out);

/* The tree hash of the root: the GroupContext tree_hash. */
KENH_MUST_CHECK int mls_rtree_root_hash(struct mls_rtree *t, uint8_t *out);

/*
 * §7.8 without the cache: recompute every tree hash from the nodes and
 * compare with the cached values (for tests: KENH_E_INTERNAL on a
 * difference). The cache is left as it was.
 */
KENH_MUST_CHECK int mls_rtree_hash_check(struct mls_rtree *t);

/*
 * §7.9: ParentHashInput hash: Hash(encryption_key, parent_hash,
 * original_sibling_tree_hash), all as opaque<V>. out receives nh bytes.
 */
KENH_MUST_CHECK int mls_rtree_parent_hash(const struct crypto_suite *cs, struct kenh_span key,
                                          struct kenh_span parent_hash, const uint8_t *osth,
                                          uint8_t *out);

/*
 * §7.9.2: whether the non-blank parent p is parent-hash valid with respect
 * to exactly one descendant (top-down check). 0 if it is, KENH_E_VERIFY if
 * not, KENH_E_INVALID_ARG if p is not a non-blank parent.
 */
KENH_MUST_CHECK int mls_rtree_parent_hash_check(struct mls_rtree *t, uint32_t p);

/* §7.9.2, §12.4.3.1: every non-blank parent is parent-hash valid (KENH_E_VERIFY if not). */
KENH_MUST_CHECK int mls_rtree_verify_parent_hashes(struct mls_rtree *t);

/* ------------------------------------------------------------------------ */
/* Leaf nodes (§7.2, §7.3) and tree validation (§12.4.3.1)                    */
/* ------------------------------------------------------------------------ */

/*
 * Credential validation with the Authentication Service (§5.3.1), supplied
 * by the application: 0 if the credential of ln is acceptable and bound to
 * ln->signature_key, a negative KENH_E_* code (KENH_E_VERIFY, KENH_E_REVOKED,
 * KENH_E_EXPIRED, ...) otherwise, which validation returns unchanged.
 */
typedef int mls_credential_check_fn(void *arg, const struct mls_leaf_node *ln);

/*
 * §5.3.1: when a member's credential is replaced (Update, Commit path),
 * the application checks that the new one is a valid successor of the old
 * (the same identity); 0 to accept, a negative KENH_E_* code otherwise.
 */
typedef int mls_successor_check_fn(void *arg, const struct mls_leaf_node *old,
                                   const struct mls_leaf_node *next);

/* The group's rules for a LeafNode (§7.3). All pointers borrowed. */
struct mls_leaf_policy {
	struct kenh_span group_id;
	/* GroupContext extensions (NULL: none): required_capabilities, and
	 * the non-default types every member must support. */
	const struct mls_extension_list *gc_extensions;
	bool check_lifetime;   /* key_package leaves: now within the lifetime */
	uint64_t now;          /* seconds since the Unix epoch (injected clock) */
	uint64_t max_lifetime; /* §7.2 maximum not_after - not_before; required (not 0) */
	mls_credential_check_fn *check_credential; /* required */
	void *check_arg;
};

/* Where a LeafNode is being validated (§7.3 "leaf_node_source"). */
struct mls_leaf_check {
	/* The leaf it is for; a KeyPackage leaf not placed yet takes UINT32_MAX
	 * (its signature does not cover a position). */
	uint32_t leaf_index;
	/* The source it must have; 0 accepts any (a leaf already in a tree). */
	uint8_t source;
	/* The leaf replaces the one at leaf_index (Update, Commit): that leaf
	 * is left out of the uniqueness checks and its encryption key must
	 * change. */
	bool replaces;
};

/* The TBS of a LeafNode to sign: every field but the signature. */
struct mls_leafnode_sign_args {
	const struct mls_leaf_node *tbs; /* signature ignored */
	struct kenh_span sig_sk;         /* secret: cs->sig->nsk bytes */
	struct kenh_span group_id;       /* update and commit sources */
	uint32_t leaf_index;             /* update and commit sources */
};

/*
 * §7.2: sign a LeafNode (SignWithLabel(., "LeafNodeTBS", LeafNodeTBS)) and
 * append its encoding, signature included, to w.
 */
KENH_MUST_CHECK int mls_leafnode_sign(const struct crypto_suite *cs,
                                      const struct mls_leafnode_sign_args *a,
                                      struct codec_writer *w);

/*
 * §7.2: verify the signature of ln with its own signature_key (group_id and
 * leaf_index are used for the update and commit sources). KENH_E_VERIFY.
 */
KENH_MUST_CHECK int mls_leafnode_verify(const struct crypto_suite *cs,
                                        const struct mls_leaf_node *ln, struct kenh_span group_id,
                                        uint32_t leaf_index);

/*
 * §7.3: validate ln for position chk->leaf_index of tree t: credential
 * (policy callback), credential type and extensions listed in its own
 * capabilities, signature, required_capabilities and group-extension
 * support, credential types compatible with every other member, lifetime
 * (if the policy asks), leaf_node_source, and encryption and signature keys
 * unique in the tree. Codes: the callback's, KENH_E_VERIFY (signature),
 * KENH_E_EXPIRED (lifetime), KENH_E_PROTO (any other rule),
 * KENH_E_INVALID_ARG for a policy without check_credential or
 * max_lifetime.
 */
KENH_MUST_CHECK int mls_leafnode_validate(const struct mls_rtree *t,
                                          const struct mls_leaf_policy *pol,
                                          const struct mls_leaf_check *chk,
                                          const struct mls_leaf_node *ln);

/*
 * mls_leafnode_validate for the LeafNode of a Commit's UpdatePath (§12.4.2)
 * that also checks, in the same pass over the tree, that no node holds any
 * of keys[0 .. n_keys - 1]: the path's public keys, keys[0] being ln's
 * encryption_key (KENH_E_INVALID_ARG otherwise, or for more than
 * MLS_TREE_MAX_DEPTH + 1 keys). KENH_E_PROTO if one is found; otherwise
 * the codes of mls_leafnode_validate.
 */
KENH_MUST_CHECK int mls_leafnode_validate_path(const struct mls_rtree *t,
                                               const struct mls_leaf_policy *pol,
                                               const struct mls_leaf_check *chk,
                                               const struct mls_leaf_node *ln,
                                               const struct kenh_span *keys, size_t n_keys);

/*
 * The tree-wide side of §7.3 indexed once (tree_index.c), for many leaves
 * checked against one tree that only grows in between: the Adds of a
 * Commit (§12.1.1). It holds copies of every node's encryption key and
 * every leaf's signature key in hash sets, and per credential type how
 * many members use it and (once asked) how many support it. Fields are
 * private to tree_index.c. Built, or zero; release with _clear.
 */
struct mls_key_set {
	struct kenh_span *slot; /* open addressing; p == NULL: free */
	size_t cap;             /* a power of two, at least twice n */
	size_t n;
};

struct mls_cred_use {
	uint16_t type;
	bool supporters_known;
	uint32_t users;      /* members whose credential is of this type */
	uint32_t supporters; /* members listing it in capabilities (if known) */
};

struct mls_leaf_index {
	struct mls_key_set enc; /* encryption keys of every non-blank node */
	struct mls_key_set sig; /* signature keys of every non-blank leaf */
	uint32_t members;       /* non-blank leaves */
	struct mls_cred_use *cred;
	size_t n_cred, cap_cred;
	uint8_t *store;       /* the indexed tree's keys (owned) */
	uint8_t **added_keys; /* the added leaves' keys, a block per leaf (owned) */
	size_t n_added_keys, cap_added_keys;
};

/* Index t. KENH_E_NOMEM; out is zeroed on failure. */
KENH_MUST_CHECK int mls_leaf_index_build(const struct mls_rtree *t, struct mls_leaf_index *out);

/* Free everything (NULL allowed); afterwards all zero. */
void mls_leaf_index_clear(struct mls_leaf_index *idx);

/*
 * The uniqueness and credential-type checks of §7.3 for ln, a leaf that
 * replaces none, against t: the tree idx was built from, with every leaf
 * added since recorded by mls_leaf_index_add. KENH_E_PROTO as the scan of
 * mls_leafnode_validate; KENH_E_NOMEM.
 */
KENH_MUST_CHECK int mls_leaf_index_check(struct mls_leaf_index *idx, const struct mls_rtree *t,
                                         const struct mls_leaf_node *ln);

/*
 * Record ln, just added to the tree idx stands for. After a failure idx is
 * fit only for mls_leaf_index_clear.
 */
KENH_MUST_CHECK int mls_leaf_index_add(struct mls_leaf_index *idx, const struct mls_leaf_node *ln);

/*
 * mls_leafnode_validate for a leaf that replaces none (chk->replaces
 * false, else KENH_E_INVALID_ARG), the tree-wide checks looked up in idx
 * (mls_leaf_index_check). The same codes.
 */
KENH_MUST_CHECK int mls_leafnode_validate_indexed(const struct mls_rtree *t,
                                                  struct mls_leaf_index *idx,
                                                  const struct mls_leaf_policy *pol,
                                                  const struct mls_leaf_check *chk,
                                                  const struct mls_leaf_node *ln);

/*
 * §12.1.7, §11.1: every member supports the GroupContext extensions
 * gc_extensions (their non-default types, and what a required_capabilities
 * extension among them requires). KENH_E_PROTO if one does not; a
 * malformed required_capabilities gives its decoder's code. For a
 * GroupContextExtensions proposal, before it applies.
 */
KENH_MUST_CHECK int mls_rtree_check_extensions(const struct mls_rtree *t,
                                               const struct mls_extension_list *gc_extensions);

/*
 * §12.4.3.1, the checks on the tree of a group being joined (the tree hash
 * against GroupInfo is the caller's, with mls_rtree_root_hash()): every
 * leaf valid (§7.3, any source, as of the policy), encryption keys unique
 * over all nodes and signature keys over all leaves, credential types
 * supported by every member, unmerged leaves sorted and each a non-blank
 * descendant listed by every non-blank node between it and the parent, and
 * every non-blank parent parent-hash valid. Codes as mls_leafnode_validate.
 */
KENH_MUST_CHECK int mls_rtree_validate(struct mls_rtree *t, const struct mls_leaf_policy *pol);

/* ------------------------------------------------------------------------ */
/* TreeKEM (§7.4-§7.6)                                                       */
/* ------------------------------------------------------------------------ */

/* Slots for a leaf key and one key per node of the longest direct path. */
#define MLS_TREEKEM_SLOTS (MLS_TREE_MAX_DEPTH + 1u)

/* One private key the member holds, for node `node`. */
struct mls_treekem_slot {
	uint32_t node;
	uint8_t sk[CRYPTO_MAX_KEM_SK]; /* secret */
};

/*
 * A member's private keys (§4.2): its leaf's and those of the nodes of its
 * direct path it knows. Caller-allocated, fixed size (STYLE R5.1); wiped
 * by mls_treekem_priv_clear(). A plain struct: copy it by assignment.
 */
struct mls_treekem_priv {
	uint32_t leaf;
	size_t nsk;
	size_t n;
	struct mls_treekem_slot slot[MLS_TREEKEM_SLOTS];
};

/* Start a store for `leaf` holding leaf_sk (secret, cs->kem->nsk bytes). */
KENH_MUST_CHECK int mls_treekem_priv_init(struct mls_treekem_priv *p, const struct crypto_suite *cs,
                                          uint32_t leaf, const uint8_t *leaf_sk);

/* Wipe every key (NULL allowed); afterwards *p is all zero bytes. */
void mls_treekem_priv_clear(struct mls_treekem_priv *p);

/* The private key of node x, or NULL if not held (borrowed from p). */
const uint8_t *mls_treekem_priv_find(const struct mls_treekem_priv *p, uint32_t x);

/*
 * Store sk (copied) for node x, which must be the leaf's node or on its
 * direct path (KENH_E_INVALID_ARG otherwise; the tree invariant, §4.2).
 */
KENH_MUST_CHECK int mls_treekem_priv_set(struct mls_treekem_priv *p, const struct mls_rtree *t,
                                         uint32_t x, const uint8_t *sk);

/*
 * Wipe the keys of nodes that are blank now or no longer on the leaf's
 * direct path (after proposals changed the tree; §7.5 asks for deletion).
 */
void mls_treekem_priv_sync(struct mls_treekem_priv *p, const struct mls_rtree *t);

/*
 * Check that every key held matches the public key of its node in t
 * (KENH_E_VERIFY) and that the leaf key is held (KENH_E_STATE).
 */
KENH_MUST_CHECK int mls_treekem_priv_check(const struct mls_treekem_priv *p,
                                           const struct mls_rtree *t);

/*
 * §12.4.3.1, joining: from the path secret of the lowest common ancestor of
 * `committer` and p->leaf (from GroupSecrets), derive the keys of that
 * node and of the following nodes of the committer's filtered direct path,
 * checking each against the tree (KENH_E_VERIFY), and store them.
 * KENH_E_PROTO if the ancestor is not on the filtered direct path.
 */
KENH_MUST_CHECK int mls_treekem_priv_join(const struct kenh_ctx *ctx, struct mls_treekem_priv *p,
                                          const struct mls_rtree *t, uint32_t committer,
                                          const uint8_t *path_secret);

/*
 * The committer's path secrets (§7.4) between mls_treekem_create() and
 * mls_treekem_encrypt(). Caller-allocated; mls_treekem_path_clear() wipes.
 */
struct mls_treekem_path {
	const struct crypto_suite *cs;
	uint32_t leaf;
	uint32_t n_leaves; /* of the tree the path was made in */
	size_t n;          /* length of the filtered direct path */
	uint32_t node[MLS_TREE_MAX_DEPTH];
	uint32_t copath[MLS_TREE_MAX_DEPTH];
	uint8_t secret[MLS_TREE_MAX_DEPTH][CRYPTO_MAX_HASH]; /* secret: path_secret[i] */
	uint8_t commit_secret[CRYPTO_MAX_HASH];              /* secret */
};

/* Wipe (NULL allowed); afterwards *p is all zero bytes. */
void mls_treekem_path_clear(struct mls_treekem_path *p);

/* What the committer puts in its new leaf and how it signs it. */
struct mls_treekem_create_args {
	uint32_t leaf;                    /* the committer's leaf */
	const struct mls_leaf_node *tmpl; /* signature key, credential, capabilities,
	                                        extensions; the rest is ignored */
	struct kenh_span sig_sk;          /* secret: the committer's signature key */
	struct kenh_span group_id;
	struct kenh_span leaf_secret; /* tests only: fixed leaf secret (nh bytes);
	                                        empty: a fresh one from the CSPRNG */
};

/*
 * §7.4, §7.5 for the committer, on the tree after the commit's proposals:
 * draw the leaf secret, derive the leaf key pair (node_secret =
 * DeriveSecret(leaf_secret, "node")) and path_secret[0] = DeriveSecret(
 * leaf_secret, "path"), then the path secrets and node key pairs up the
 * filtered direct path; blank the direct path, set its nodes with their
 * parent hashes (§7.9), and put the new LeafNode (source commit, parent
 * hash, signed) at the leaf. path receives the secrets and commit_secret;
 * priv is reset to the new leaf key and path keys. On failure the tree may
 * be partly changed (work on a copy), path and priv are wiped.
 */
KENH_MUST_CHECK int mls_treekem_create(const struct kenh_ctx *ctx, struct mls_rtree *t,
                                       const struct mls_treekem_create_args *a,
                                       struct mls_treekem_path *path,
                                       struct mls_treekem_priv *priv);

/* An UpdatePath: owned encoding and a decoded view into it. */
struct mls_treekem_update_path {
	uint8_t *enc;
	size_t enc_len;
	struct mls_update_path path;
};

/* Free and zero (NULL allowed). */
void mls_treekem_update_path_clear(struct mls_treekem_update_path *u);

/* Leaves added by the commit (§7.5, §7.6: left out of every resolution encrypted to). */
struct mls_leaf_set {
	const uint32_t *v;
	size_t n;
};

/* What the committer encrypts under (§7.6, §12.4.1), borrowed. */
struct mls_treekem_send {
	struct kenh_span group_context; /* encoded provisional GroupContext */
	struct mls_leaf_set new_leaves;
};

/*
 * §7.5, §7.6: encrypt path->secret[i] to every node of the resolution of
 * path->copath[i], except the new leaves, with EncryptWithLabel(.,
 * "UpdatePathNode", group_context, .), where group_context is the
 * provisional GroupContext (its tree_hash is that of t after
 * mls_treekem_create). out receives the UpdatePath with the new leaf.
 */
KENH_MUST_CHECK int mls_treekem_encrypt(const struct kenh_ctx *ctx, const struct mls_rtree *t,
                                        const struct mls_treekem_path *path,
                                        const struct mls_treekem_send *in,
                                        struct mls_treekem_update_path *out);

/*
 * §12.4.3.1: the path secret a new member at new_leaf receives in its
 * GroupSecrets: that of the lowest common ancestor of the committer and
 * new_leaf. out receives nh bytes (secret). KENH_E_NOT_FOUND if that
 * node is not on the filtered direct path.
 */
KENH_MUST_CHECK int mls_treekem_path_secret_for(const struct mls_treekem_path *path,
                                                uint32_t new_leaf, uint8_t *out);

/*
 * §7.5 "merges UpdatePath into the tree", §12.4.2, on the tree after the
 * commit's proposals: validate the new LeafNode (source commit, at
 * `sender`, as a replacement if that leaf is non-blank, else as a new leaf
 * of an external commit), check that the path has one node per node of the
 * filtered direct path (KENH_E_PROTO) and that none of its public keys
 * appears in the tree or twice in the path (KENH_E_PROTO), compute the
 * parent hashes and check the leaf's (KENH_E_VERIFY); only then blank the
 * direct path, set the path's nodes and the leaf. On failure t is
 * unchanged.
 */
KENH_MUST_CHECK int mls_treekem_merge(struct mls_rtree *t, const struct mls_leaf_policy *pol,
                                      uint32_t sender, const struct mls_update_path *up);

/* The received UpdatePath, after mls_treekem_merge() on t. */
struct mls_treekem_recv {
	uint32_t sender;
	const struct mls_update_path *up;
	struct kenh_span group_context; /* encoded provisional GroupContext */
	struct mls_leaf_set new_leaves;
};

/* What a receiver learns from an UpdatePath. Wiped by mls_treekem_secrets_clear(). */
struct mls_treekem_secrets {
	size_t nh;
	uint8_t commit_secret[CRYPTO_MAX_HASH]; /* secret: feeds the key schedule (§8) */
	uint8_t path_secret[CRYPTO_MAX_HASH];   /* secret: the one decrypted */
};

/* Wipe (NULL allowed); afterwards *s is all zero bytes. */
void mls_treekem_secrets_clear(struct mls_treekem_secrets *s);

/*
 * §7.5 "decrypts the path secrets": find the filtered-direct-path node
 * whose copath child covers priv->leaf, decrypt its path secret with a key
 * of ours from that child's resolution (KENH_E_DECRYPT), derive the rest of
 * the path and check every derived public key against the UpdatePath
 * (KENH_E_VERIFY), then store the new private keys in priv (wiping those of
 * blanked nodes). out receives the commit secret and the decrypted path
 * secret. KENH_E_STATE if priv->leaf is the sender or holds no key to
 * decrypt with, KENH_E_PROTO for a malformed path. On failure priv is
 * unchanged and out is wiped.
 */
KENH_MUST_CHECK int mls_treekem_decrypt(const struct kenh_ctx *ctx, const struct mls_rtree *t,
                                        struct mls_treekem_priv *priv,
                                        const struct mls_treekem_recv *in,
                                        struct mls_treekem_secrets *out);

#endif /* KENH_MLS_TREE_H */
