/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * In-memory form of the RFC 9420 wire structures, with one decoder and one
 * encoder per struct (RFC 9420 §6-§13), plus the "to-be-signed" and AAD
 * encoders the protocol needs (LeafNodeTBS, KeyPackageTBS, GroupInfoTBS,
 * FramedContentTBS, AuthenticatedContentTBM, SenderDataAAD,
 * PrivateContentAAD).
 *
 * Decoders (mls_decode_<struct>) check syntax only (STYLE R6.4): no crypto,
 * no semantic validation. Byte fields are struct kenh_span views into the
 * reader's input, valid while that input is (R4.2). Lists are arrays sized
 * from the elements actually parsed, each bounded by codec/limits.h. A
 * decoder clears *out at entry; on failure it frees what it built, leaves
 * *out zeroed, records the error in the reader (sticky) and returns it. On
 * success the caller owns the arrays and releases them with the struct's
 * _clear function (every _clear accepts a zeroed struct and leaves one).
 *
 * Memory (R6.3): every vector of structures, with all that its elements
 * own, takes at most LIMIT_DECODE_RATIO (8) bytes per byte of its body,
 * checked before its array is allocated (KENH_E_TOO_LARGE otherwise); a
 * Commit's proposal list may take LIMIT_PROPOSALS_MEMORY (1 MiB) more. A
 * decoder therefore never holds more than 8 bytes per input byte, plus
 * 1 MiB for a Commit, plus the fixed size of the struct it fills. What a
 * real peer sends stays well within the ratio (its keys, hashes,
 * signatures and ciphertexts are 32 bytes or more); hostile vectors of
 * empty elements by the thousand do not. The ratchet tree is not expanded
 * at all (struct mls_ratchet_tree).
 *
 * Encoders (mls_encode_<struct>) append to a writer and return its sticky
 * error, or KENH_E_INVALID_ARG for a struct that cannot be encoded (an enum
 * outside its range, a missing GroupContext). MLS encodings are canonical,
 * so decoding then encoding gives back the input bytes.
 *
 * Wire values that the RFC allows to be unknown (extension types,
 * credential types, cipher suites, versions, capability entries) are kept
 * as integers. Fields whose unknown values make the rest unparseable (wire
 * format, content type, sender type, proposal type, leaf node source,
 * PSK type, node type) are range-checked and stored as enums carrying the
 * RFC numbers (R2.4, R12.4).
 */
#ifndef KENH_MLS_MLS_WIRE_H
#define KENH_MLS_MLS_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"
#include "util/util.h"

struct codec_reader;
struct codec_writer;

/* RFC 9420 §6: ProtocolVersion (kept as uint16_t where it appears). */
enum mls_protocol_version {
	MLS_VERSION_MLS10 = 1,
};

/* RFC 9420 §6 / §17.2: WireFormat; unknown values cannot be parsed. */
enum mls_wire_format {
	MLS_WIRE_FORMAT_PUBLIC_MESSAGE = 1,
	MLS_WIRE_FORMAT_PRIVATE_MESSAGE = 2,
	MLS_WIRE_FORMAT_WELCOME = 3,
	MLS_WIRE_FORMAT_GROUP_INFO = 4,
	MLS_WIRE_FORMAT_KEY_PACKAGE = 5,
};

/* RFC 9420 §6: ContentType. */
enum mls_content_type {
	MLS_CONTENT_APPLICATION = 1,
	MLS_CONTENT_PROPOSAL = 2,
	MLS_CONTENT_COMMIT = 3,
};

/* RFC 9420 §6: SenderType. */
enum mls_sender_type {
	MLS_SENDER_MEMBER = 1,
	MLS_SENDER_EXTERNAL = 2,
	MLS_SENDER_NEW_MEMBER_PROPOSAL = 3,
	MLS_SENDER_NEW_MEMBER_COMMIT = 4,
};

/*
 * RFC 9420 §12.1 / §17.4: ProposalType. A proposal body has no length
 * prefix, so an unknown type cannot be skipped: it is KENH_E_PARSE.
 */
enum mls_proposal_type {
	MLS_PROPOSAL_ADD = 1,
	MLS_PROPOSAL_UPDATE = 2,
	MLS_PROPOSAL_REMOVE = 3,
	MLS_PROPOSAL_PSK = 4,
	MLS_PROPOSAL_REINIT = 5,
	MLS_PROPOSAL_EXTERNAL_INIT = 6,
	MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS = 7,
};

/* RFC 9420 §5.3 / §17.5: CredentialType (kept as uint16_t: unknown types stay opaque). */
enum mls_credential_type {
	MLS_CREDENTIAL_BASIC = 1,
	MLS_CREDENTIAL_X509 = 2,
};

/* RFC 9420 §7.2: LeafNodeSource. */
enum mls_leaf_node_source {
	MLS_LEAF_SOURCE_KEY_PACKAGE = 1,
	MLS_LEAF_SOURCE_UPDATE = 2,
	MLS_LEAF_SOURCE_COMMIT = 3,
};

/* RFC 9420 §8.4: PSKType. */
enum mls_psk_type {
	MLS_PSK_EXTERNAL = 1,
	MLS_PSK_RESUMPTION = 2,
};

/* RFC 9420 §8.4: ResumptionPSKUsage. */
enum mls_resumption_psk_usage {
	MLS_RESUMPTION_APPLICATION = 1,
	MLS_RESUMPTION_REINIT = 2,
	MLS_RESUMPTION_BRANCH = 3,
};

/* RFC 9420 §7.8 / §12.4.3.3: NodeType. */
enum mls_node_type {
	MLS_NODE_LEAF = 1,
	MLS_NODE_PARENT = 2,
};

/* RFC 9420 §12.4: ProposalOrRefType. */
enum mls_proposal_or_ref_type {
	MLS_PROPOSAL_OR_REF_PROPOSAL = 1,
	MLS_PROPOSAL_OR_REF_REFERENCE = 2,
};

/* RFC 9420 §13.4 / §17.3: MLS extension types (kept as uint16_t). */
enum mls_extension_type {
	MLS_EXT_APPLICATION_ID = 1,
	MLS_EXT_RATCHET_TREE = 2,
	MLS_EXT_REQUIRED_CAPABILITIES = 3,
	MLS_EXT_EXTERNAL_PUB = 4,
	MLS_EXT_EXTERNAL_SENDERS = 5,
};

/* RFC 9420 §13: Extension. extension_data is a view. */
struct mls_extension {
	uint16_t extension_type;
	struct kenh_span extension_data;
};

/* Extension extensions<V>: at most LIMIT_EXTENSIONS entries. */
struct mls_extension_list {
	struct mls_extension *items;
	size_t count;
};

/*
 * RFC 9420 §8.1: GroupContext. version and cipher_suite are kept as read;
 * checking them against what the group uses is the caller's job.
 */
struct mls_group_context {
	uint16_t version;
	uint16_t cipher_suite;
	struct kenh_span group_id;
	uint64_t epoch;
	struct kenh_span tree_hash;
	struct kenh_span confirmed_transcript_hash;
	struct mls_extension_list extensions;
};

/*
 * Functions. Unless a comment says otherwise:
 *  - mls_decode_X(r, out) reads one X at r's position and returns 0 or the
 *    (sticky) reader error: KENH_E_TRUNCATED (input too short),
 *    KENH_E_PARSE (a malformed value: enum out of range, presence byte
 *    other than 0/1, non-minimal varint), KENH_E_TOO_LARGE (a length or
 *    count over its codec/limits.h maximum), KENH_E_NOMEM. Bytes inside a
 *    vector that do not form a whole element are KENH_E_PARSE (the vector
 *    body was complete, so they are malformed, not short). It does not
 *    check that r is exhausted: call codec_reader_done() for that
 *    (KENH_E_TRAILING).
 *  - mls_encode_X(w, in) appends X to w; returns the writer's error or
 *    KENH_E_INVALID_ARG if in cannot be encoded.
 *  - mls_X_clear(x) frees what a decoder allocated and zeroes x; it accepts
 *    a zeroed struct. Structs that own nothing have no _clear.
 */

/*
 * Extension: type, then opaque data of at most LIMIT_EXTENSION_DATA bytes
 * (LIMIT_RATCHET_TREE for ratchet_tree). Every type decodes, known or not
 * (GREASE included, RFC 9420 §13.5): the data stays opaque here.
 * Returns 0, KENH_E_TRUNCATED or KENH_E_TOO_LARGE.
 */
KENH_MUST_CHECK int mls_decode_extension(struct codec_reader *r, struct mls_extension *out);
KENH_MUST_CHECK int mls_encode_extension(struct codec_writer *w, const struct mls_extension *in);

/*
 * Extension extensions<V>. Decoding allocates out->items (release with
 * mls_extension_list_clear). Duplicate types are a validation matter, not
 * rejected here. Errors as above; KENH_E_TOO_LARGE covers too many
 * entries as well as too many bytes.
 */
KENH_MUST_CHECK int mls_decode_extension_list(struct codec_reader *r,
                                              struct mls_extension_list *out);
KENH_MUST_CHECK int mls_encode_extension_list(struct codec_writer *w,
                                              const struct mls_extension_list *in);

/* Free the array and zero the list; accepts a zeroed list. */
void mls_extension_list_clear(struct mls_extension_list *l);

/*
 * The first extension of type t in l, or NULL. The pointer borrows l.
 */
const struct mls_extension *mls_extension_list_find(const struct mls_extension_list *l, uint16_t t);

/*
 * RFC 9420 §8.1 GroupContext. Decoding allocates the extension array
 * (release with mls_group_context_clear). Errors as for the extension list.
 */
KENH_MUST_CHECK int mls_decode_group_context(struct codec_reader *r, struct mls_group_context *out);
KENH_MUST_CHECK int mls_encode_group_context(struct codec_writer *w,
                                             const struct mls_group_context *in);

/* Free the extension array and zero the struct; accepts a zeroed struct. */
void mls_group_context_clear(struct mls_group_context *gc);

/* A vector of uint16 code points (capabilities, required capabilities). */
struct mls_u16_list {
	uint16_t *items;
	size_t count;
};

/* RFC 9420 §5.3: Credential. Exactly one member is meaningful, by type. */
struct mls_credential {
	uint16_t credential_type;
	struct kenh_span identity;      /* basic: opaque identity<V> */
	struct kenh_span *certificates; /* x509: Certificate certificates<V> (cert_data views) */
	size_t n_certificates;
	/*
	 * Any other type: the body, read as one opaque<V>. RFC 9420 leaves the
	 * body of a new credential type to its definition; like other
	 * implementations we assume a length-prefixed body, which keeps a
	 * LeafNode with an unknown credential parseable and re-encodable.
	 */
	struct kenh_span other;
};

/* RFC 9420 §7.2: Capabilities (code points as read, GREASE included). */
struct mls_capabilities {
	struct mls_u16_list versions;
	struct mls_u16_list cipher_suites;
	struct mls_u16_list extensions;
	struct mls_u16_list proposals;
	struct mls_u16_list credentials;
};

/* RFC 9420 §7.2: Lifetime (seconds since the Unix epoch). */
struct mls_lifetime {
	uint64_t not_before;
	uint64_t not_after;
};

/* RFC 9420 §7.2: LeafNode. */
struct mls_leaf_node {
	struct kenh_span encryption_key; /* HPKEPublicKey */
	struct kenh_span signature_key;  /* SignaturePublicKey */
	struct mls_credential credential;
	struct mls_capabilities capabilities;
	enum mls_leaf_node_source leaf_node_source;
	struct mls_lifetime lifetime; /* key_package source only */
	struct kenh_span parent_hash; /* commit source only */
	struct mls_extension_list extensions;
	struct kenh_span signature;
};

/* RFC 9420 §7.1: ParentNode. */
struct mls_parent_node {
	struct kenh_span encryption_key; /* HPKEPublicKey */
	struct kenh_span parent_hash;
	uint32_t *unmerged_leaves; /* leaf indices, as read (ordering is validation's) */
	size_t n_unmerged_leaves;
};

/* RFC 9420 §12.4.3.3: Node. */
struct mls_node {
	enum mls_node_type node_type;
	union {
		struct mls_leaf_node leaf_node;     /* MLS_NODE_LEAF */
		struct mls_parent_node parent_node; /* MLS_NODE_PARENT */
	} u;
};

/* optional<Node>: present false is a blank node. */
struct mls_optional_node {
	bool present;
	struct mls_node node;
};

/*
 * RFC 9420 §12.4.3.3: optional<Node> ratchet_tree<V>, in array order (leaf
 * L at 2L), checked but not expanded: a blank node is one byte on the wire
 * and a decoded node about 250 in memory, so the decoder keeps a view of
 * the vector body and the counts (STYLE R6.3). Read the nodes in order
 * with mls_decode_optional_node() from a reader over nodes. Kept exactly
 * as sent: the check that the last node is non-blank, and the extension
 * to 2^(d+1)-1 nodes, belong to the tree code (mls_rtree_import, which
 * reads the extension data itself).
 */
struct mls_ratchet_tree {
	struct kenh_span nodes; /* the vector body: count optional<Node> values */
	size_t count;           /* nodes, blank ones included */
	size_t n_present;       /* non-blank nodes */
};

/* RFC 9420 §7.6: HPKECiphertext. */
struct mls_hpke_ciphertext {
	struct kenh_span kem_output;
	struct kenh_span ciphertext;
};

/* RFC 9420 §7.6: UpdatePathNode. */
struct mls_update_path_node {
	struct kenh_span encryption_key; /* HPKEPublicKey */
	struct mls_hpke_ciphertext *encrypted_path_secret;
	size_t n_encrypted_path_secret;
};

/* RFC 9420 §7.6: UpdatePath. */
struct mls_update_path {
	struct mls_leaf_node leaf_node;
	struct mls_update_path_node *nodes;
	size_t n_nodes;
};

/* RFC 9420 §10: KeyPackage. version and cipher_suite as read. */
struct mls_key_package {
	uint16_t version;
	uint16_t cipher_suite;
	struct kenh_span init_key; /* HPKEPublicKey */
	struct mls_leaf_node leaf_node;
	struct mls_extension_list extensions;
	struct kenh_span signature;
};

/* RFC 9420 §8.4: PreSharedKeyID (owns nothing: no _clear). */
struct mls_pre_shared_key_id {
	enum mls_psk_type psktype;
	struct kenh_span psk_id;             /* external */
	enum mls_resumption_psk_usage usage; /* resumption */
	struct kenh_span psk_group_id;       /* resumption */
	uint64_t psk_epoch;                  /* resumption */
	struct kenh_span psk_nonce;
};

/* RFC 9420 §12.1.1-§12.1.7: the proposal bodies. */
struct mls_add {
	struct mls_key_package key_package;
};

struct mls_update {
	struct mls_leaf_node leaf_node;
};

struct mls_remove {
	uint32_t removed;
};

struct mls_pre_shared_key {
	struct mls_pre_shared_key_id psk;
};

struct mls_reinit {
	struct kenh_span group_id;
	uint16_t version;
	uint16_t cipher_suite;
	struct mls_extension_list extensions;
};

struct mls_external_init {
	struct kenh_span kem_output;
};

struct mls_group_context_extensions {
	struct mls_extension_list extensions;
};

/* RFC 9420 §12.1: Proposal; the union member is chosen by proposal_type. */
struct mls_proposal {
	enum mls_proposal_type proposal_type;
	union {
		struct mls_add add;
		struct mls_update update;
		struct mls_remove remove;
		struct mls_pre_shared_key psk;
		struct mls_reinit reinit;
		struct mls_external_init external_init;
		struct mls_group_context_extensions group_context_extensions;
	} u;
};

/* RFC 9420 §12.4: ProposalOrRef. */
struct mls_proposal_or_ref {
	enum mls_proposal_or_ref_type type;
	struct mls_proposal proposal; /* MLS_PROPOSAL_OR_REF_PROPOSAL */
	struct kenh_span reference;   /* MLS_PROPOSAL_OR_REF_REFERENCE: ProposalRef */
};

/* RFC 9420 §12.4: Commit. */
struct mls_commit {
	struct mls_proposal_or_ref *proposals;
	size_t n_proposals;
	bool has_path;
	struct mls_update_path path;
};

/* RFC 9420 §6: Sender. */
struct mls_sender {
	enum mls_sender_type sender_type;
	uint32_t leaf_index;   /* member */
	uint32_t sender_index; /* external: index into external_senders */
};

/* RFC 9420 §6: FramedContent. The body member is chosen by content_type. */
struct mls_framed_content {
	struct kenh_span group_id;
	uint64_t epoch;
	struct mls_sender sender;
	struct kenh_span authenticated_data;
	enum mls_content_type content_type;
	struct kenh_span application_data; /* application */
	struct mls_proposal proposal;      /* proposal */
	struct mls_commit commit;          /* commit */
};

/* RFC 9420 §6.1: FramedContentAuthData (owns nothing). */
struct mls_framed_content_auth_data {
	struct kenh_span signature;
	struct kenh_span confirmation_tag; /* commit content only: MAC */
};

/* RFC 9420 §6: AuthenticatedContent. */
struct mls_authenticated_content {
	enum mls_wire_format wire_format;
	struct mls_framed_content content;
	struct mls_framed_content_auth_data auth;
};

/* RFC 9420 §6.2: PublicMessage. */
struct mls_public_message {
	struct mls_framed_content content;
	struct mls_framed_content_auth_data auth;
	struct kenh_span membership_tag; /* member sender only: MAC */
};

/* RFC 9420 §6.3: PrivateMessage (owns nothing). */
struct mls_private_message {
	struct kenh_span group_id;
	uint64_t epoch;
	enum mls_content_type content_type;
	struct kenh_span authenticated_data;
	struct kenh_span encrypted_sender_data;
	struct kenh_span ciphertext;
};

/* RFC 9420 §6.3.2: SenderData (fixed size). */
struct mls_sender_data {
	uint32_t leaf_index;
	uint32_t generation;
	uint8_t reuse_guard[4];
};

/*
 * RFC 9420 §6.3.1: PrivateMessageContent. The content type comes from the
 * enclosing PrivateMessage; padding_len zero bytes follow the auth data.
 */
struct mls_private_message_content {
	enum mls_content_type content_type;
	struct kenh_span application_data; /* application */
	struct mls_proposal proposal;      /* proposal */
	struct mls_commit commit;          /* commit */
	struct mls_framed_content_auth_data auth;
	size_t padding_len;
};

/* RFC 9420 §12.4.3: GroupInfo. */
struct mls_group_info {
	struct mls_group_context group_context;
	struct mls_extension_list extensions;
	struct kenh_span confirmation_tag; /* MAC */
	uint32_t signer;
	struct kenh_span signature;
};

/* RFC 9420 §12.4.3.1: PathSecret. */
struct mls_path_secret {
	struct kenh_span path_secret; /* secret */
};

/*
 * RFC 9420 §12.4.3.1: GroupSecrets. The spans point into the decrypted
 * plaintext, which holds secrets: the caller wipes that buffer (R5.2).
 */
struct mls_group_secrets {
	struct kenh_span joiner_secret; /* secret */
	bool has_path_secret;
	struct mls_path_secret path_secret; /* secret */
	struct mls_pre_shared_key_id *psks;
	size_t n_psks;
};

/* RFC 9420 §12.4.3.1: EncryptedGroupSecrets (owns nothing). */
struct mls_encrypted_group_secrets {
	struct kenh_span new_member; /* KeyPackageRef */
	struct mls_hpke_ciphertext encrypted_group_secrets;
};

/* RFC 9420 §12.4.3.1: Welcome. */
struct mls_welcome {
	uint16_t cipher_suite;
	struct mls_encrypted_group_secrets *secrets;
	size_t n_secrets;
	struct kenh_span encrypted_group_info;
};

/*
 * RFC 9420 §6: MLSMessage. The decoder accepts only version mls10 (the
 * layout of any other version is unknown); the union member is chosen by
 * wire_format.
 */
struct mls_message {
	uint16_t version;
	enum mls_wire_format wire_format;
	union {
		struct mls_public_message public_message;
		struct mls_private_message private_message;
		struct mls_welcome welcome;
		struct mls_group_info group_info;
		struct mls_key_package key_package;
	} u;
};

/* RFC 9420 §12.1.8.1: ExternalSender (an external_senders extension entry). */
struct mls_external_sender {
	struct kenh_span signature_key;
	struct mls_credential credential;
};

/* RFC 9420 §12.1.8.1: ExternalSender external_senders<V> (the extension data). */
struct mls_external_senders {
	struct mls_external_sender *items;
	size_t count;
};

/* RFC 9420 §11.1: RequiredCapabilities (the extension data). */
struct mls_required_capabilities {
	struct mls_u16_list extension_types;
	struct mls_u16_list proposal_types;
	struct mls_u16_list credential_types;
};

/* Vectors of uint16 code points with at most LIMIT_CAPABILITY_LIST entries. */
KENH_MUST_CHECK int mls_decode_u16_list(struct codec_reader *r, struct mls_u16_list *out);
KENH_MUST_CHECK int mls_encode_u16_list(struct codec_writer *w, const struct mls_u16_list *in);
void mls_u16_list_clear(struct mls_u16_list *l);

/* RFC 9420 §5.3 Credential. */
KENH_MUST_CHECK int mls_decode_credential(struct codec_reader *r, struct mls_credential *out);
KENH_MUST_CHECK int mls_encode_credential(struct codec_writer *w, const struct mls_credential *in);
void mls_credential_clear(struct mls_credential *c);

/* RFC 9420 §7.2 Capabilities. */
KENH_MUST_CHECK int mls_decode_capabilities(struct codec_reader *r, struct mls_capabilities *out);
KENH_MUST_CHECK int mls_encode_capabilities(struct codec_writer *w,
                                            const struct mls_capabilities *in);
void mls_capabilities_clear(struct mls_capabilities *c);

/* RFC 9420 §7.2 Lifetime. */
KENH_MUST_CHECK int mls_decode_lifetime(struct codec_reader *r, struct mls_lifetime *out);
KENH_MUST_CHECK int mls_encode_lifetime(struct codec_writer *w, const struct mls_lifetime *in);

/* RFC 9420 §7.2 LeafNode (leaf_node_source out of 1..3 is KENH_E_PARSE). */
KENH_MUST_CHECK int mls_decode_leaf_node(struct codec_reader *r, struct mls_leaf_node *out);
KENH_MUST_CHECK int mls_encode_leaf_node(struct codec_writer *w, const struct mls_leaf_node *in);
void mls_leaf_node_clear(struct mls_leaf_node *ln);

/*
 * RFC 9420 §7.2 LeafNodeTBS: the leaf without its signature, followed for
 * the update and commit sources by group_id and leaf_index (ignored for
 * the key_package source). The input to SignWithLabel("LeafNodeTBS").
 */
KENH_MUST_CHECK int mls_encode_leaf_node_tbs(struct codec_writer *w, const struct mls_leaf_node *in,
                                             struct kenh_span group_id, uint32_t leaf_index);

/* RFC 9420 §7.1 ParentNode (at most LIMIT_UNMERGED unmerged leaves). */
KENH_MUST_CHECK int mls_decode_parent_node(struct codec_reader *r, struct mls_parent_node *out);
KENH_MUST_CHECK int mls_encode_parent_node(struct codec_writer *w,
                                           const struct mls_parent_node *in);
void mls_parent_node_clear(struct mls_parent_node *pn);

/* RFC 9420 §12.4.3.3 Node (node_type out of 1..2 is KENH_E_PARSE). */
KENH_MUST_CHECK int mls_decode_node(struct codec_reader *r, struct mls_node *out);
KENH_MUST_CHECK int mls_encode_node(struct codec_writer *w, const struct mls_node *in);
void mls_node_clear(struct mls_node *n);

/*
 * RFC 9420 §2.1.1 optional<Node>: the presence byte (0 or 1, else
 * KENH_E_PARSE), then a Node if present. Release with
 * mls_optional_node_clear.
 */
KENH_MUST_CHECK int mls_decode_optional_node(struct codec_reader *r, struct mls_optional_node *out);
KENH_MUST_CHECK int mls_encode_optional_node(struct codec_writer *w,
                                             const struct mls_optional_node *in);
void mls_optional_node_clear(struct mls_optional_node *on);

/*
 * RFC 9420 §12.4.3.3 optional<Node> ratchet_tree<V>: at most
 * LIMIT_TREE_NODES entries and LIMIT_RATCHET_TREE bytes. This is also the
 * data of the ratchet_tree extension. The decoder decodes every node and
 * releases it at once (errors as for Node); out views r's input and owns
 * nothing (no _clear). The encoder writes in->nodes back as the vector.
 */
KENH_MUST_CHECK int mls_decode_ratchet_tree(struct codec_reader *r, struct mls_ratchet_tree *out);
KENH_MUST_CHECK int mls_encode_ratchet_tree(struct codec_writer *w,
                                            const struct mls_ratchet_tree *in);

/*
 * RFC 9420 §7.6 HPKECiphertext, UpdatePathNode, UpdatePath. An UpdatePath
 * holds at most LIMIT_PATH_CIPHERTEXTS ciphertexts over all its nodes
 * (KENH_E_TOO_LARGE beyond).
 */
KENH_MUST_CHECK int mls_decode_hpke_ciphertext(struct codec_reader *r,
                                               struct mls_hpke_ciphertext *out);
KENH_MUST_CHECK int mls_encode_hpke_ciphertext(struct codec_writer *w,
                                               const struct mls_hpke_ciphertext *in);
KENH_MUST_CHECK int mls_decode_update_path_node(struct codec_reader *r,
                                                struct mls_update_path_node *out);
KENH_MUST_CHECK int mls_encode_update_path_node(struct codec_writer *w,
                                                const struct mls_update_path_node *in);
void mls_update_path_node_clear(struct mls_update_path_node *n);
KENH_MUST_CHECK int mls_decode_update_path(struct codec_reader *r, struct mls_update_path *out);
KENH_MUST_CHECK int mls_encode_update_path(struct codec_writer *w,
                                           const struct mls_update_path *in);
void mls_update_path_clear(struct mls_update_path *p);

/* RFC 9420 §10 KeyPackage, and KeyPackageTBS (all fields but the signature). */
KENH_MUST_CHECK int mls_decode_key_package(struct codec_reader *r, struct mls_key_package *out);
KENH_MUST_CHECK int mls_encode_key_package(struct codec_writer *w,
                                           const struct mls_key_package *in);
KENH_MUST_CHECK int mls_encode_key_package_tbs(struct codec_writer *w,
                                               const struct mls_key_package *in);
void mls_key_package_clear(struct mls_key_package *kp);

/* RFC 9420 §8.4 PreSharedKeyID (psktype or usage out of range is KENH_E_PARSE). */
KENH_MUST_CHECK int mls_decode_pre_shared_key_id(struct codec_reader *r,
                                                 struct mls_pre_shared_key_id *out);
KENH_MUST_CHECK int mls_encode_pre_shared_key_id(struct codec_writer *w,
                                                 const struct mls_pre_shared_key_id *in);

/* RFC 9420 §12.1.1-§12.1.7: proposal bodies, without the proposal_type. */
KENH_MUST_CHECK int mls_decode_add(struct codec_reader *r, struct mls_add *out);
KENH_MUST_CHECK int mls_encode_add(struct codec_writer *w, const struct mls_add *in);
void mls_add_clear(struct mls_add *p);
KENH_MUST_CHECK int mls_decode_update(struct codec_reader *r, struct mls_update *out);
KENH_MUST_CHECK int mls_encode_update(struct codec_writer *w, const struct mls_update *in);
void mls_update_clear(struct mls_update *p);
KENH_MUST_CHECK int mls_decode_remove(struct codec_reader *r, struct mls_remove *out);
KENH_MUST_CHECK int mls_encode_remove(struct codec_writer *w, const struct mls_remove *in);
KENH_MUST_CHECK int mls_decode_pre_shared_key(struct codec_reader *r,
                                              struct mls_pre_shared_key *out);
KENH_MUST_CHECK int mls_encode_pre_shared_key(struct codec_writer *w,
                                              const struct mls_pre_shared_key *in);
KENH_MUST_CHECK int mls_decode_reinit(struct codec_reader *r, struct mls_reinit *out);
KENH_MUST_CHECK int mls_encode_reinit(struct codec_writer *w, const struct mls_reinit *in);
void mls_reinit_clear(struct mls_reinit *p);
KENH_MUST_CHECK int mls_decode_external_init(struct codec_reader *r, struct mls_external_init *out);
KENH_MUST_CHECK int mls_encode_external_init(struct codec_writer *w,
                                             const struct mls_external_init *in);
KENH_MUST_CHECK int mls_decode_group_context_extensions(struct codec_reader *r,
                                                        struct mls_group_context_extensions *out);
KENH_MUST_CHECK int
mls_encode_group_context_extensions(struct codec_writer *w,
                                    const struct mls_group_context_extensions *in);
void mls_group_context_extensions_clear(struct mls_group_context_extensions *p);

/* RFC 9420 §12.1 Proposal (an unknown proposal_type is KENH_E_PARSE). */
KENH_MUST_CHECK int mls_decode_proposal(struct codec_reader *r, struct mls_proposal *out);
KENH_MUST_CHECK int mls_encode_proposal(struct codec_writer *w, const struct mls_proposal *in);
void mls_proposal_clear(struct mls_proposal *p);

/*
 * RFC 9420 §12.4 ProposalOrRef and Commit (at most LIMIT_PROPOSALS entries,
 * within LIMIT_DECODE_RATIO x their bytes + LIMIT_PROPOSALS_MEMORY).
 */
KENH_MUST_CHECK int mls_decode_proposal_or_ref(struct codec_reader *r,
                                               struct mls_proposal_or_ref *out);
KENH_MUST_CHECK int mls_encode_proposal_or_ref(struct codec_writer *w,
                                               const struct mls_proposal_or_ref *in);
void mls_proposal_or_ref_clear(struct mls_proposal_or_ref *p);
KENH_MUST_CHECK int mls_decode_commit(struct codec_reader *r, struct mls_commit *out);
KENH_MUST_CHECK int mls_encode_commit(struct codec_writer *w, const struct mls_commit *in);
void mls_commit_clear(struct mls_commit *c);

/* RFC 9420 §6 Sender (sender_type out of 1..4 is KENH_E_PARSE). */
KENH_MUST_CHECK int mls_decode_sender(struct codec_reader *r, struct mls_sender *out);
KENH_MUST_CHECK int mls_encode_sender(struct codec_writer *w, const struct mls_sender *in);

/* RFC 9420 §6 FramedContent (content_type out of 1..3 is KENH_E_PARSE). */
KENH_MUST_CHECK int mls_decode_framed_content(struct codec_reader *r,
                                              struct mls_framed_content *out);
KENH_MUST_CHECK int mls_encode_framed_content(struct codec_writer *w,
                                              const struct mls_framed_content *in);
void mls_framed_content_clear(struct mls_framed_content *c);

/*
 * RFC 9420 §6.1 FramedContentAuthData: the signature, then the
 * confirmation tag when content_type is commit.
 */
KENH_MUST_CHECK int mls_decode_framed_content_auth_data(struct codec_reader *r,
                                                        enum mls_content_type content_type,
                                                        struct mls_framed_content_auth_data *out);
KENH_MUST_CHECK int
mls_encode_framed_content_auth_data(struct codec_writer *w, enum mls_content_type content_type,
                                    const struct mls_framed_content_auth_data *in);

/*
 * RFC 9420 §6.1 FramedContentTBS: version mls10, wire_format, content, and
 * for member and new_member_commit senders the GroupContext gc (borrowed;
 * KENH_E_INVALID_ARG if NULL then, ignored otherwise). The input to
 * SignWithLabel("FramedContentTBS").
 */
KENH_MUST_CHECK int mls_encode_framed_content_tbs(struct codec_writer *w,
                                                  enum mls_wire_format wire_format,
                                                  const struct mls_framed_content *content,
                                                  const struct mls_group_context *gc);

/*
 * RFC 9420 §6.2 AuthenticatedContentTBM: FramedContentTBS for a
 * PublicMessage (gc as above), then the auth data. The input to the
 * membership_tag MAC.
 */
KENH_MUST_CHECK int mls_encode_authenticated_content_tbm(
        struct codec_writer *w, const struct mls_framed_content *content,
        const struct mls_framed_content_auth_data *auth, const struct mls_group_context *gc);

/*
 * RFC 9420 §6 AuthenticatedContent (the wire_format must be one of 1..5; it
 * is KENH_E_PARSE otherwise). Used for ProposalRef and transcript hashes.
 */
KENH_MUST_CHECK int mls_decode_authenticated_content(struct codec_reader *r,
                                                     struct mls_authenticated_content *out);
KENH_MUST_CHECK int mls_encode_authenticated_content(struct codec_writer *w,
                                                     const struct mls_authenticated_content *in);
void mls_authenticated_content_clear(struct mls_authenticated_content *ac);

/* RFC 9420 §6.2 PublicMessage (membership_tag only for a member sender). */
KENH_MUST_CHECK int mls_decode_public_message(struct codec_reader *r,
                                              struct mls_public_message *out);
KENH_MUST_CHECK int mls_encode_public_message(struct codec_writer *w,
                                              const struct mls_public_message *in);
void mls_public_message_clear(struct mls_public_message *m);

/* RFC 9420 §6.3 PrivateMessage. */
KENH_MUST_CHECK int mls_decode_private_message(struct codec_reader *r,
                                               struct mls_private_message *out);
KENH_MUST_CHECK int mls_encode_private_message(struct codec_writer *w,
                                               const struct mls_private_message *in);

/* RFC 9420 §6.3.2 SenderDataAAD and §6.3.1 PrivateContentAAD, from m's fields. */
KENH_MUST_CHECK int mls_encode_sender_data_aad(struct codec_writer *w,
                                               const struct mls_private_message *m);
KENH_MUST_CHECK int mls_encode_private_content_aad(struct codec_writer *w,
                                                   const struct mls_private_message *m);

/* RFC 9420 §6.3.2 SenderData (12 bytes). */
KENH_MUST_CHECK int mls_decode_sender_data(struct codec_reader *r, struct mls_sender_data *out);
KENH_MUST_CHECK int mls_encode_sender_data(struct codec_writer *w,
                                           const struct mls_sender_data *in);

/*
 * RFC 9420 §6.3.1 PrivateMessageContent for the given content type (from
 * the PrivateMessage). The decoder reads to the end of r: whatever
 * follows the auth data is padding and must be all zero bytes, or the
 * result is KENH_E_PARSE. The encoder appends in->padding_len zero bytes.
 * The decoder's comparison does not branch on the padding's values.
 */
KENH_MUST_CHECK int mls_decode_private_message_content(struct codec_reader *r,
                                                       enum mls_content_type content_type,
                                                       struct mls_private_message_content *out);
KENH_MUST_CHECK int
mls_encode_private_message_content(struct codec_writer *w,
                                   const struct mls_private_message_content *in);
void mls_private_message_content_clear(struct mls_private_message_content *c);

/* RFC 9420 §12.4.3 GroupInfo, and GroupInfoTBS (all fields but the signature). */
KENH_MUST_CHECK int mls_decode_group_info(struct codec_reader *r, struct mls_group_info *out);
KENH_MUST_CHECK int mls_encode_group_info(struct codec_writer *w, const struct mls_group_info *in);
KENH_MUST_CHECK int mls_encode_group_info_tbs(struct codec_writer *w,
                                              const struct mls_group_info *in);
void mls_group_info_clear(struct mls_group_info *gi);

/* RFC 9420 §12.4.3.1 PathSecret and GroupSecrets (at most LIMIT_PSKS PSK ids). */
KENH_MUST_CHECK int mls_decode_path_secret(struct codec_reader *r, struct mls_path_secret *out);
KENH_MUST_CHECK int mls_encode_path_secret(struct codec_writer *w,
                                           const struct mls_path_secret *in);
KENH_MUST_CHECK int mls_decode_group_secrets(struct codec_reader *r, struct mls_group_secrets *out);
KENH_MUST_CHECK int mls_encode_group_secrets(struct codec_writer *w,
                                             const struct mls_group_secrets *in);
/* Frees the PSK array and zeroes gs (the secrets it viewed stay with their buffer). */
void mls_group_secrets_clear(struct mls_group_secrets *gs);

/* RFC 9420 §12.4.3.1 EncryptedGroupSecrets and Welcome. */
KENH_MUST_CHECK int mls_decode_encrypted_group_secrets(struct codec_reader *r,
                                                       struct mls_encrypted_group_secrets *out);
KENH_MUST_CHECK int
mls_encode_encrypted_group_secrets(struct codec_writer *w,
                                   const struct mls_encrypted_group_secrets *in);
KENH_MUST_CHECK int mls_decode_welcome(struct codec_reader *r, struct mls_welcome *out);
KENH_MUST_CHECK int mls_encode_welcome(struct codec_writer *w, const struct mls_welcome *in);
void mls_welcome_clear(struct mls_welcome *wm);

/*
 * RFC 9420 §6 MLSMessage. A version other than mls10 is
 * KENH_E_UNSUPPORTED; a wire format outside 1..5 is KENH_E_PARSE. The
 * encoder wants version set to MLS_VERSION_MLS10 (KENH_E_INVALID_ARG
 * otherwise).
 */
KENH_MUST_CHECK int mls_decode_message(struct codec_reader *r, struct mls_message *out);
KENH_MUST_CHECK int mls_encode_message(struct codec_writer *w, const struct mls_message *in);
void mls_message_clear(struct mls_message *m);

/*
 * Decode exactly one MLSMessage from buf/len (borrowed: the result's spans
 * point into it). Errors as mls_decode_message, plus KENH_E_TRAILING if
 * bytes follow the message.
 */
KENH_MUST_CHECK int mls_message_parse(const uint8_t *buf, size_t len, struct mls_message *out);

/*
 * Extension data of the extensions this layer knows (RFC 9420 §12.1.8.1
 * external_senders, §11.1 required_capabilities, §12.4.3.2 external_pub,
 * §5.3.3 application_id). Decode from a reader over extension_data and
 * call codec_reader_done() to reject trailing bytes.
 */
KENH_MUST_CHECK int mls_decode_external_senders(struct codec_reader *r,
                                                struct mls_external_senders *out);
KENH_MUST_CHECK int mls_encode_external_senders(struct codec_writer *w,
                                                const struct mls_external_senders *in);
void mls_external_senders_clear(struct mls_external_senders *l);
KENH_MUST_CHECK int mls_decode_required_capabilities(struct codec_reader *r,
                                                     struct mls_required_capabilities *out);
KENH_MUST_CHECK int mls_encode_required_capabilities(struct codec_writer *w,
                                                     const struct mls_required_capabilities *in);
void mls_required_capabilities_clear(struct mls_required_capabilities *rc);
/* ExternalPub { HPKEPublicKey external_pub; } and opaque application_id<V>, as views. */
KENH_MUST_CHECK int mls_decode_external_pub(struct codec_reader *r, struct kenh_span *out);
KENH_MUST_CHECK int mls_encode_external_pub(struct codec_writer *w, struct kenh_span in);
KENH_MUST_CHECK int mls_decode_application_id(struct codec_reader *r, struct kenh_span *out);
KENH_MUST_CHECK int mls_encode_application_id(struct codec_writer *w, struct kenh_span in);

#endif /* KENH_MLS_MLS_WIRE_H */
