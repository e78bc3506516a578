/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Named maxima for every variable-length field we decode (STYLE R6.3).
 * A decoder never accepts more than these, whatever a length prefix claims.
 * Values are chosen for a province-sized deployment with room to spare;
 * raising one is a reviewed change.
 */
#ifndef KENH_CODEC_LIMITS_H
#define KENH_CODEC_LIMITS_H

/* RFC 9420 §2.1.2: the largest length a 4-byte varint can carry (2^30 - 1). */
#define LIMIT_VARINT_MAX 0x3fffffffu

/* Relay frames and whole MLS messages. */
#define LIMIT_FRAME       (4u << 20) /* one relay frame body */
#define LIMIT_MLS_MESSAGE (4u << 20) /* one MLSMessage */

/* MLS fields. */
#define LIMIT_GROUP_ID           256
#define LIMIT_MEMBERS            65536 /* leaves in a ratchet tree */
#define LIMIT_TREE_NODES         (2u * LIMIT_MEMBERS - 1)
#define LIMIT_RATCHET_TREE       (48u << 20) /* serialized ratchet_tree extension */
#define LIMIT_EXTENSIONS         64          /* extensions in one list */
#define LIMIT_EXTENSION_DATA     (64u << 10) /* one extension's data (ratchet_tree excepted) */
#define LIMIT_PROPOSALS          10000       /* proposals (or refs) in one commit */
#define LIMIT_CREDENTIAL         (16u << 10) /* one credential (certificate chain) */
#define LIMIT_CERT_CHAIN         8           /* certificates in an X.509 credential */
#define LIMIT_CAPABILITY_LIST    64          /* entries in each capabilities list */
#define LIMIT_PUBLIC_KEY         256         /* HPKE or signature public key */
#define LIMIT_SIGNATURE          256
#define LIMIT_HASH               64
#define LIMIT_KEM_OUTPUT         256
#define LIMIT_CIPHERTEXT         (4u << 20)
#define LIMIT_PSK_ID             256
#define LIMIT_PSKS               64 /* PSKs in one epoch */
#define LIMIT_WELCOME_SECRETS    LIMIT_MEMBERS
#define LIMIT_UNMERGED           LIMIT_MEMBERS
#define LIMIT_AUTHENTICATED_DATA (64u << 10)
#define LIMIT_APPLICATION_DATA   (1u << 20)

/* MLS wire structures (lib/mls/wire_*.c): byte lengths of structure vectors and counts. */
#define LIMIT_EXTENSION_LIST (LIMIT_RATCHET_TREE + LIMIT_EXTENSIONS * LIMIT_EXTENSION_DATA)
#define LIMIT_PATH_NODES     32 /* UpdatePath nodes: a filtered direct path (<= 17) */
/*
 * RFC 9420 §7.6: an UpdatePath holds one HPKECiphertext per node of each
 * copath child's resolution, and those resolutions cover disjoint sets of
 * leaves, so a whole UpdatePath has fewer ciphertexts than the tree has
 * leaves: this caps the sum over all its nodes, not each node alone.
 */
#define LIMIT_PATH_CIPHERTEXTS LIMIT_MEMBERS
#define LIMIT_EXTERNAL_SENDERS 64 /* entries in the external_senders extension */
#define LIMIT_SENDER_DATA_CT   64 /* encrypted SenderData: 12 bytes plus an AEAD tag */
#define LIMIT_STRUCT_VECTOR    LIMIT_MLS_MESSAGE /* other vectors of structures in a message */

/*
 * Memory a decoder may take for what it reads (STYLE R6.3). A vector of
 * structures, with everything its elements own, may take at most
 * LIMIT_DECODE_RATIO bytes per byte of the vector's body; more is
 * KENH_E_TOO_LARGE, found before the array is allocated. 8 is the ratio
 * of the tightest legitimate case, an Extension with empty data (3 bytes
 * on the wire, 24 in memory); every other element a real peer sends is
 * larger on the wire than in memory (keys, hashes, signatures, HPKE
 * ciphertexts of 32 bytes or more).
 */
#define LIMIT_DECODE_RATIO 8
/*
 * The exception: a Remove proposal is 7 bytes on the wire and a
 * ProposalOrRef is about 330 in memory, so a Commit's proposal list may
 * take this much beyond the ratio (about 3,800 Removes by value, or any
 * number of real ProposalRefs up to LIMIT_PROPOSALS).
 */
#define LIMIT_PROPOSALS_MEMORY (1u << 20)

#endif /* KENH_CODEC_LIMITS_H */
