/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Signed evidence (DESIGN §7, docs/evidence.md): every directive,
 * acknowledgement and report is signed by its sender's device key (the
 * key of its device certificate), in the style of RFC 9420 §5.1.2
 * SignWithLabel but with a Kenh label, over
 *
 *   struct {
 *       opaque group_id<V>;
 *       opaque user<V>; opaque unit<V>; opaque device<V>;   the signer, as its certificate names it
 *       uint64 time;                                       the content's sent_at
 *       opaque content<V>;                                 the AppContent bytes (canonical)
 *   } EvidenceTBS;
 *
 * so that a record of a directive and its answers, each with its
 * signature and its signer's certificate chain, can be checked offline
 * with nothing but the organization's root certificate: every chain is
 * validated at the item's signing time, with the unit-subtree rule of
 * pki.h, and every signature against the certificate's key and names.
 *
 * In MLS the signature travels next to the content in the application
 * data (AppMessage below); the MLS sender's credential is the same
 * certificate, so a receiver checks it with client_evidence_check as soon
 * as the message is decrypted, and keeps content, signature and chain for
 * a later export.
 */
#ifndef KENH_CLIENT_CLIENT_EVIDENCE_H
#define KENH_CLIENT_CLIENT_EVIDENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client/client_content.h"
#include "crypto/pki.h"
#include "kenh/err.h"
#include "util/util.h"

struct kenh_ctx;

/* The label of EvidenceSignContent (docs/evidence.md); not an MLS label. */
#define CLIENT_EVIDENCE_LABEL "Kenh 1.0 evidence"

#define CLIENT_EVIDENCE_VERSION   1
#define CLIENT_EVIDENCE_MAX       (64u << 20)                 /* one exported record */
#define CLIENT_EVIDENCE_MAX_ITEMS 4096u                       /* a directive and its answers */
#define CLIENT_EVIDENCE_MAX_CHAIN (1u + CRYPTO_PKI_MAX_CHAIN) /* leaf and unit CAs */
#define CLIENT_EVIDENCE_MAX_GROUP 256u                        /* = LIMIT_GROUP_ID */
#define CLIENT_EVIDENCE_MAX_SIG   256u                        /* = LIMIT_SIGNATURE */

/* Who signs: the names of the signer's device certificate. Borrowed spans. */
struct client_signer {
	struct kenh_span user;
	struct kenh_span unit;
	struct kenh_span device;
};

/* True for the content types that carry evidence: directive, acknowledgement, report. */
bool client_content_has_evidence(enum client_content_type t);

/*
 * Sign content (an AppContent encoding; its sent_at is the time signed)
 * for group group_id as who, with key (secret, borrowed). sig has room for
 * CRYPTO_MAX_SIG bytes; *siglen receives the length. KENH_E_INVALID_ARG for
 * a content type without evidence or content that does not decode and
 * pass the rules, KENH_E_TOO_LARGE for an oversized field, KENH_E_CRYPTO.
 */
KENH_MUST_CHECK int client_evidence_sign(const struct kenh_ctx *ctx,
                                         const struct crypto_sigkey *key,
                                         const struct client_signer *who, struct kenh_span group_id,
                                         struct kenh_span content, uint8_t *sig, size_t *siglen);

/*
 * Check one signature against a known key and identity (a receiver, with
 * the MLS sender's credential already validated): 0, or KENH_E_VERIFY for
 * any mismatch (bad signature, unusable key, content that does not
 * decode), KENH_E_UNSUPPORTED for an unknown scheme.
 */
KENH_MUST_CHECK int client_evidence_check(const struct kenh_ctx *ctx, uint16_t sig_id,
                                          struct kenh_span pk, const struct client_signer *who,
                                          struct kenh_span group_id, struct kenh_span content,
                                          struct kenh_span sig);

/*
 * AppMessage, the MLS application data of every Kenh message:
 *   struct { opaque content<V>; opaque signature<V>; } AppMessage;
 * signature is empty for content without evidence. decode gives views into
 * in; it checks syntax and sizes only (KENH_E_TRUNCATED, KENH_E_TRAILING,
 * KENH_E_PARSE, KENH_E_TOO_LARGE). encode: *out (sec_free(*out, *outlen):
 * it holds plaintext), *outlen.
 */
KENH_MUST_CHECK int client_appmsg_encode(struct kenh_span content, struct kenh_span sig,
                                         uint8_t **out, size_t *outlen);
KENH_MUST_CHECK int client_appmsg_decode(struct kenh_span in, struct kenh_span *content,
                                         struct kenh_span *sig);

/*
 * One item of a record: the AppContent, its signature and the signer's
 * chain, leaf first, then the unit CAs toward the root (the root itself
 * may be left out). Borrowed.
 */
struct client_evidence_item {
	struct kenh_span content;
	struct kenh_span sig;
	struct kenh_span chain[CLIENT_EVIDENCE_MAX_CHAIN];
	size_t nchain;
};

/*
 * Export a record (docs/evidence.md "Record"): items[0] must be the
 * directive, the others its acknowledgements and reports. They are written
 * with the directive first, then the answers sorted by (sent_at, content
 * bytes), exact duplicates of content dropped, so two devices export the
 * same record from the same items. Nothing is verified here beyond the
 * content decoding and linking (KENH_E_INVALID_ARG otherwise). *out
 * (mem_free) and *outlen. KENH_E_TOO_LARGE over the limits above.
 */
KENH_MUST_CHECK int client_evidence_export(struct kenh_span group_id,
                                           const struct client_evidence_item *items, size_t n,
                                           uint8_t **out, size_t *outlen);

/* A decoded record: views into the input. */
struct client_evidence_record {
	struct kenh_span group_id;
	struct kenh_span items; /* the body of items<V> */
	size_t nitems;
};

/*
 * Decode a record's syntax (magic, version, every item, every limit)
 * without verifying anything. KENH_E_PARSE (wrong magic, malformed),
 * KENH_E_UNSUPPORTED (another version), KENH_E_TRUNCATED,
 * KENH_E_TRAILING, KENH_E_TOO_LARGE.
 */
KENH_MUST_CHECK int client_evidence_record_decode(struct kenh_span in,
                                                  struct client_evidence_record *out);

/* The check an item failed (docs/evidence.md "Verification"). */
enum client_evidence_step {
	CLIENT_EVIDENCE_OK = 0,
	CLIENT_EVIDENCE_CONTENT = 1,   /* does not decode or breaks the content rules */
	CLIENT_EVIDENCE_LINK = 2,      /* not a directive first, or an answer to another one */
	CLIENT_EVIDENCE_CHAIN = 3,     /* the chain does not validate at the signing time */
	CLIENT_EVIDENCE_SIGNATURE = 4, /* the signature does not verify */
};

/* The outcome of one item, as given to the callback; views valid during the call. */
struct client_evidence_verdict {
	size_t index;
	int rc; /* 0 or the failure's code */
	enum client_evidence_step step;
	struct client_content content;  /* decoded (zeroed if it did not decode) */
	struct crypto_cert_info signer; /* the leaf's identity (zeroed before the chain passed) */
};

typedef void client_evidence_item_fn(void *arg, const struct client_evidence_verdict *v);

/* The outcome of a whole record. */
struct client_evidence_result {
	size_t nitems;
	size_t bad_item; /* the first failing item, or SIZE_MAX (none, or the record itself) */
	enum client_evidence_step step;
	int rc;
};

/*
 * Verify a record offline against the organization's root certificate
 * (DER): decode it, then check every item (content, link, chain at the
 * item's sent_at, signature), calling fn (may be NULL) once per item in
 * order. Returns 0 if every item passes; otherwise the first failure's
 * code, with res saying which item and which step: KENH_E_VERIFY (bad
 * signature or chain), KENH_E_EXPIRED (a certificate not valid at the
 * signing time), KENH_E_PERM (a unit CA outside its subtree), KENH_E_PROTO
 * (content rules), KENH_E_INVALID_ARG (linking), or the decoder's errors
 * with bad_item SIZE_MAX.
 */
KENH_MUST_CHECK int client_evidence_verify(const struct kenh_ctx *ctx, struct kenh_span record,
                                           struct kenh_span root, client_evidence_item_fn *fn,
                                           void *arg, struct client_evidence_result *res);

#endif /* KENH_CLIENT_CLIENT_EVIDENCE_H */
