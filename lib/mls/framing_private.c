/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * RFC 9420 §6.3 PrivateMessage, sending side: PrivateMessageContent with
 * its zero padding (§6.3.1), encrypted with the next key of the sender's
 * ratchet (§9.1) and a fresh reuse guard, then SenderData encrypted under
 * a key bound to the content ciphertext (§6.3.2). Opening is in
 * framing_open.c. The secret tree owns the ratchets and deletes each key
 * once used (§9.2); this file wipes its own copies.
 */
#include "mls/framing.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/framing_int.h"
#include "util/mem.h"

/* The content encryption and its inputs, kept together for the steps below. */
struct seal_state {
	struct mls_private_message pm;
	struct mls_sender_data sd;
	struct mls_key_nonce kn; /* secret */
	uint8_t *ct;             /* content ciphertext (owned) */
	size_t ct_len;
	uint8_t esd[MLS_SENDER_DATA_LEN + CRYPTO_MAX_TAG]; /* encrypted SenderData */
};

static int check_private(const struct mls_framing_epoch *ep,
                         const struct mls_authenticated_content *ac,
                         const struct mls_private_options *opt)
{
	if (ep->cs == NULL || ep->secret_tree == NULL || ep->sender_data_secret == NULL)
		return KENH_ERR(KENH_E_INVALID_ARG);
	if (ac->wire_format != MLS_WIRE_FORMAT_PRIVATE_MESSAGE) return KENH_ERR(KENH_E_INVALID_ARG);
	if (opt != NULL && opt->pad_block > MLS_PAD_BLOCK_MAX) return KENH_ERR(KENH_E_INVALID_ARG);
	/* RFC 9420 §6.3.2: the sender MUST verify that its sender_type is member. */
	if (ac->content.sender.sender_type != MLS_SENDER_MEMBER) return KENH_ERR(KENH_E_PROTO);
	return mls_framing_epoch_check(ep, ac->content.group_id, ac->content.epoch);
}

/*
 * §6.3.1 PrivateMessageContent into the sensitive writer w, padded to a
 * multiple of pad_block: measured once without padding, then written.
 */
static int encode_content(const struct mls_authenticated_content *ac,
                          const struct mls_private_options *opt, struct codec_writer *w)
{
	struct mls_private_message_content pmc;
	struct codec_writer m;
	size_t len, block = opt != NULL ? opt->pad_block : 0;
	int rc;

	memset(&pmc, 0, sizeof(pmc));
	pmc.content_type = ac->content.content_type;
	pmc.application_data = ac->content.application_data;
	pmc.proposal = ac->content.proposal;
	pmc.commit = ac->content.commit;
	pmc.auth = ac->auth;
	codec_writer_init(&m, LIMIT_CIPHERTEXT, CODEC_WRITER_MEASURE);
	rc = mls_encode_private_message_content(&m, &pmc);
	len = codec_writer_len(&m);
	codec_writer_clear(&m);
	if (rc != 0) return rc;
	if (block > 1 && len % block != 0) pmc.padding_len = block - len % block;
	/* Room for the AEAD tag: the ciphertext must fit what receivers decode. */
	codec_writer_init(w, LIMIT_CIPHERTEXT - CRYPTO_MAX_TAG, CODEC_WRITER_SENSITIVE);
	return mls_encode_private_message_content(w, &pmc);
}

/* Next key of the sender's ratchet, with a fresh reuse guard XOR-ed in (§6.3.1). */
static int take_key(const struct mls_framing_epoch *ep, struct seal_state *s)
{
	int rc;

	rc = mls_secret_tree_encrypt_key(ep->secret_tree, s->sd.leaf_index,
	                                 mls_framing_ratchet(s->pm.content_type), &s->kn);
	if (rc != 0) return rc;
	s->sd.generation = s->kn.generation;
	/* RFC 9420 §6.3.1: a fresh random four-byte guard, sent in SenderData. */
	if ((rc = crypto_random(ep->ctx, s->sd.reuse_guard, sizeof(s->sd.reuse_guard))) != 0)
		return rc;
	mls_key_nonce_apply_reuse_guard(&s->kn, s->sd.reuse_guard);
	return 0;
}

/* RFC 9420 §6.3.1: ciphertext = AEAD.Seal(key, nonce, PrivateContentAAD, content). */
static int seal_content(const struct mls_framing_epoch *ep, struct seal_state *s,
                        struct kenh_span pt)
{
	const struct crypto_aead *aead = ep->cs->aead;
	struct codec_writer aad;
	struct kenh_span a;
	void *buf = NULL;
	int rc;

	codec_writer_init(&aad, MLS_LABELLED_MAX, CODEC_WRITER_NORMAL);
	if ((rc = mls_encode_private_content_aad(&aad, &s->pm)) != 0) goto out;
	if ((rc = size_add(pt.len, aead->nt, &s->ct_len)) != 0) goto out;
	if ((rc = mem_alloc(s->ct_len, &buf)) != 0) goto out;
	s->ct = buf;
	a = codec_writer_span(&aad);
	rc = crypto_aead_seal(aead, s->kn.key, s->kn.key_len, s->kn.nonce, s->kn.nonce_len, a.p,
	                      a.len, pt.p, pt.len, s->ct);
out:
	codec_writer_clear(&aad);
	return rc;
}

/* RFC 9420 §6.3.2: SenderData under keys from sender_data_secret and the ciphertext sample. */
static int seal_sender_data(const struct mls_framing_epoch *ep, struct seal_state *s)
{
	const struct crypto_aead *aead = ep->cs->aead;
	struct mls_key_nonce sk; /* secret */
	struct codec_writer aad, sd;
	struct kenh_span a, p;
	int rc;

	codec_writer_init(&aad, MLS_LABELLED_MAX, CODEC_WRITER_NORMAL);
	codec_writer_init(&sd, MLS_SENDER_DATA_LEN, CODEC_WRITER_SENSITIVE);
	rc = mls_sender_data_key_nonce(ep->cs, ep->sender_data_secret, span_make(s->ct, s->ct_len),
	                               &sk);
	if (rc != 0) goto out;
	if ((rc = mls_encode_sender_data(&sd, &s->sd)) != 0) goto out;
	if ((rc = mls_encode_sender_data_aad(&aad, &s->pm)) != 0) goto out;
	a = codec_writer_span(&aad);
	p = codec_writer_span(&sd);
	rc = crypto_aead_seal(aead, sk.key, sk.key_len, sk.nonce, sk.nonce_len, a.p, a.len, p.p,
	                      p.len, s->esd);
out:
	mls_key_nonce_clear(&sk);
	codec_writer_clear(&sd);
	codec_writer_clear(&aad);
	return rc;
}

int mls_private_message_protect(const struct mls_framing_epoch *ep,
                                const struct mls_authenticated_content *ac,
                                const struct mls_private_options *opt, uint8_t **out,
                                size_t *outlen)
{
	struct codec_writer pt;
	struct seal_state s;
	struct mls_message m;
	int rc;

	*out = NULL;
	*outlen = 0;
	memset(&s, 0, sizeof(s));
	codec_writer_init(&pt, 0, CODEC_WRITER_SENSITIVE);
	if ((rc = check_private(ep, ac, opt)) != 0) goto out;
	if ((rc = encode_content(ac, opt, &pt)) != 0) goto out;
	s.pm.group_id = ac->content.group_id;
	s.pm.epoch = ac->content.epoch;
	s.pm.content_type = ac->content.content_type;
	s.pm.authenticated_data = ac->content.authenticated_data;
	s.sd.leaf_index = ac->content.sender.leaf_index;
	if ((rc = take_key(ep, &s)) != 0) goto out;
	if ((rc = seal_content(ep, &s, codec_writer_span(&pt))) != 0) goto out;
	if ((rc = seal_sender_data(ep, &s)) != 0) goto out;
	s.pm.ciphertext = span_make(s.ct, s.ct_len);
	s.pm.encrypted_sender_data = span_make(s.esd, MLS_SENDER_DATA_LEN + ep->cs->aead->nt);
	memset(&m, 0, sizeof(m));
	m.version = MLS_VERSION_MLS10;
	m.wire_format = MLS_WIRE_FORMAT_PRIVATE_MESSAGE;
	m.u.private_message = s.pm;
	rc = mls_framing_message_encode(&m, out, outlen);
out:
	mls_key_nonce_clear(&s.kn);
	mem_free(s.ct);
	codec_writer_clear(&pt);
	return rc;
}
