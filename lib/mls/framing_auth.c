/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * RFC 9420 §6.1 content authentication: which content each sender type
 * may send (with the external-sender proposal list of §12.1.8), which key
 * signs it, and SignWithLabel/VerifyWithLabel over FramedContentTBS. Also
 * the helpers every framing file shares: the epoch check and MLSMessage
 * output. The membership tag is framing_public.c's, encryption
 * framing_private.c's; where member and external keys come from is the
 * group layer's call-back.
 */
#include "mls/framing.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/framing_int.h"
#include "util/mem.h"

#define BIT(n) (1u << (n))

/* RFC 9420 §6.1: what a sender type may send. */
struct sender_rule {
	uint32_t content_types;  /* BIT(content_type) for each allowed type */
	uint32_t proposal_types; /* BIT(proposal_type) allowed in a proposal */
	bool needs_path;         /* the signer's LeafNode is the commit path's */
};

#define ALL_CONTENT                                                                                \
	(BIT(MLS_CONTENT_APPLICATION) | BIT(MLS_CONTENT_PROPOSAL) | BIT(MLS_CONTENT_COMMIT))
#define ALL_PROPOSALS 0xffffffffu

static const struct sender_rule sender_rules[] = {
	[MLS_SENDER_MEMBER] = { ALL_CONTENT, ALL_PROPOSALS, false },
	/* RFC 9420 §12.1.8: only these proposal types may come from an external sender. */
	[MLS_SENDER_EXTERNAL] = { BIT(MLS_CONTENT_PROPOSAL),
	                          BIT(MLS_PROPOSAL_ADD) | BIT(MLS_PROPOSAL_REMOVE) |
	                                  BIT(MLS_PROPOSAL_PSK) | BIT(MLS_PROPOSAL_REINIT) |
	                                  BIT(MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS),
	                          false },
	/* RFC 9420 §6.1: new_member_proposal sends an Add, new_member_commit a commit. */
	[MLS_SENDER_NEW_MEMBER_PROPOSAL] = { BIT(MLS_CONTENT_PROPOSAL), BIT(MLS_PROPOSAL_ADD),
	                                     false },
	[MLS_SENDER_NEW_MEMBER_COMMIT] = { BIT(MLS_CONTENT_COMMIT), 0, true },
};

int mls_framed_content_check_sender(const struct mls_framed_content *content)
{
	const struct sender_rule *rule;
	unsigned st = (unsigned)content->sender.sender_type;
	unsigned ct = (unsigned)content->content_type;
	unsigned pt = (unsigned)content->proposal.proposal_type;

	if (st < MLS_SENDER_MEMBER || st > MLS_SENDER_NEW_MEMBER_COMMIT)
		return KENH_ERR(KENH_E_INVALID_ARG);
	if (ct < MLS_CONTENT_APPLICATION || ct > MLS_CONTENT_COMMIT)
		return KENH_ERR(KENH_E_INVALID_ARG);
	rule = &sender_rules[st];
	if ((rule->content_types & BIT(ct)) == 0) return KENH_ERR(KENH_E_PROTO);
	if (ct == MLS_CONTENT_PROPOSAL && (pt > 31 || (rule->proposal_types & BIT(pt)) == 0))
		return KENH_ERR(KENH_E_PROTO);
	if (rule->needs_path && !content->commit.has_path) return KENH_ERR(KENH_E_PROTO);
	return 0;
}

int mls_framing_epoch_check(const struct mls_framing_epoch *ep, struct kenh_span group_id,
                            uint64_t epoch)
{
	if (ep->gc == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if (!span_eq(group_id, ep->gc->group_id) || epoch != ep->gc->epoch)
		return KENH_ERR(KENH_E_STATE);
	return 0;
}

/*
 * FramedContentTBS (§6.1) into a fresh writer w. It carries the content in
 * clear, the application data of a PrivateMessage included, so the writer
 * is sensitive: no copy is left behind by a move or a free (R5.3).
 */
static int encode_tbs(const struct mls_framing_epoch *ep, enum mls_wire_format wire_format,
                      const struct mls_framed_content *content, struct codec_writer *w)
{
	codec_writer_init(w, MLS_LABELLED_MAX, CODEC_WRITER_SENSITIVE);
	return mls_encode_framed_content_tbs(w, wire_format, content, ep->gc);
}

/* Sign with sig_sk, or with key when it is not NULL. */
static int sign_content(const struct mls_framing_epoch *ep, enum mls_wire_format wire_format,
                        const struct mls_framed_content *content, struct kenh_span sig_sk,
                        const struct crypto_sig_key *key, struct mls_signature *out)
{
	struct codec_writer w;
	struct kenh_span tbs;
	int rc;

	memset(out, 0, sizeof(*out));
	codec_writer_init(&w, 0, CODEC_WRITER_NORMAL);
	if (ep->cs == NULL || ep->cs->sig->max_sig > sizeof(out->bytes)) {
		rc = KENH_ERR(KENH_E_INVALID_ARG);
		goto out;
	}
	if ((rc = mls_framed_content_check_sender(content)) != 0) goto out;
	if ((rc = encode_tbs(ep, wire_format, content, &w)) != 0) goto out;
	tbs = codec_writer_span(&w);
	/* RFC 9420 §6.1: SignWithLabel(., "FramedContentTBS", FramedContentTBS). */
	if (key != NULL)
		rc = mls_sign_with_label_key(ep->cs, key, MLS_LABEL("FramedContentTBS"), tbs,
		                             out->bytes, &out->len);
	else
		rc = mls_sign_with_label(ep->cs, sig_sk, MLS_LABEL("FramedContentTBS"), tbs,
		                         out->bytes, &out->len);
out:
	if (rc != 0) memset(out, 0, sizeof(*out));
	codec_writer_clear(&w);
	return rc;
}

int mls_framed_content_sign(const struct mls_framing_epoch *ep, enum mls_wire_format wire_format,
                            const struct mls_framed_content *content, struct kenh_span sig_sk,
                            struct mls_signature *out)
{
	return sign_content(ep, wire_format, content, sig_sk, NULL, out);
}

int mls_framed_content_sign_key(const struct mls_framing_epoch *ep,
                                enum mls_wire_format wire_format,
                                const struct mls_framed_content *content,
                                const struct crypto_sig_key *key, struct mls_signature *out)
{
	if (key == NULL) {
		memset(out, 0, sizeof(*out));
		return KENH_ERR(KENH_E_INVALID_ARG);
	}
	return sign_content(ep, wire_format, content, span_make(NULL, 0), key, out);
}

int mls_framing_verify_with_key(const struct mls_framing_epoch *ep,
                                enum mls_wire_format wire_format,
                                const struct mls_framed_content *content, struct kenh_span key,
                                struct kenh_span signature)
{
	struct codec_writer w;
	int rc;

	if ((rc = encode_tbs(ep, wire_format, content, &w)) == 0)
		rc = mls_verify_with_label_cached(ep->cs, ep->sig_cache, key,
		                                  MLS_LABEL("FramedContentTBS"),
		                                  codec_writer_span(&w), signature);
	codec_writer_clear(&w);
	return rc;
}

/*
 * RFC 9420 §6.1: the signature key by sender type. Member and external
 * keys live in group state (the tree, the external_senders extension);
 * a new member's key travels in the content itself.
 */
static int signer_key(const struct mls_framing_epoch *ep, const struct mls_framed_content *content,
                      struct kenh_span *key)
{
	*key = span_make(NULL, 0);
	switch (content->sender.sender_type) {
	case MLS_SENDER_MEMBER:
	case MLS_SENDER_EXTERNAL:
		if (ep->sender_key == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
		return ep->sender_key(ep->sender_key_arg, &content->sender, key);
	case MLS_SENDER_NEW_MEMBER_COMMIT:
		*key = content->commit.path.leaf_node.signature_key;
		return 0;
	case MLS_SENDER_NEW_MEMBER_PROPOSAL:
		*key = content->proposal.u.add.key_package.leaf_node.signature_key;
		return 0;
	}
	return KENH_ERR(KENH_E_INVALID_ARG);
}

int mls_framed_content_verify(const struct mls_framing_epoch *ep, enum mls_wire_format wire_format,
                              const struct mls_framed_content *content, struct kenh_span signature)
{
	struct kenh_span key;
	int rc;

	if (ep->cs == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	/* check_sender first: it guarantees the union member signer_key reads. */
	if ((rc = mls_framed_content_check_sender(content)) != 0) return rc;
	if ((rc = signer_key(ep, content, &key)) != 0) return rc;
	/* RFC 9420 §6.1: recipients MUST verify with the key the sender type names. */
	return mls_framing_verify_with_key(ep, wire_format, content, key, signature);
}

int mls_framing_message_encode(const struct mls_message *m, uint8_t **out, size_t *outlen)
{
	struct codec_writer w;
	int rc;

	*out = NULL;
	*outlen = 0;
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	if ((rc = mls_encode_message(&w, m)) == 0) rc = codec_writer_finish(&w, out, outlen);
	codec_writer_clear(&w);
	return rc;
}
