/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * RFC 9420 §6.3 PrivateMessage, receiving side: SenderData decryption
 * (§6.3.2), the sender's leaf, the ratchet key of its generation within
 * the secret tree's window (§9, §15.3), content decryption with the reuse
 * guard and the all-zero padding check (§6.3.1), then the signature
 * (§6.1). Every failure an attacker can cause comes back as one code,
 * KENH_E_DECRYPT, its cause going to the debug log only (STYLE R3.11);
 * nothing is released and no key consumed before the signature verified
 * (R5.5, §9.2).
 */
#include "mls/framing.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "mls/framing_int.h"
#include "util/log.h"
#include "util/mem.h"

void mls_private_opened_clear(struct mls_private_opened *o)
{
	if (o == NULL) return;
	mls_framed_content_clear(&o->ac.content);
	sec_free(o->plain, o->plain_len);
	memset(o, 0, sizeof(*o));
}

/* RFC 9420 §6.3.2: decrypt and decode SenderData. */
static int open_sender_data(const struct mls_framing_epoch *ep,
                            const struct mls_private_message *pm, struct mls_sender_data *sd)
{
	const struct crypto_aead *aead = ep->cs->aead;
	struct mls_key_nonce sk; /* secret */
	uint8_t plain[MLS_SENDER_DATA_LEN];
	struct codec_writer aad;
	struct codec_reader r;
	struct kenh_span a, esd = pm->encrypted_sender_data;
	int rc;

	codec_writer_init(&aad, MLS_LABELLED_MAX, CODEC_WRITER_NORMAL);
	rc = mls_sender_data_key_nonce(ep->cs, ep->sender_data_secret, pm->ciphertext, &sk);
	if (rc != 0) goto out;
	if ((rc = mls_encode_sender_data_aad(&aad, pm)) != 0) goto out;
	/* Exactly one SenderData and its tag: anything else cannot be ours. */
	if (esd.len != MLS_SENDER_DATA_LEN + aead->nt) {
		rc = KENH_ERR(KENH_E_DECRYPT);
		goto out;
	}
	a = codec_writer_span(&aad);
	rc = crypto_aead_open(aead, sk.key, sk.key_len, sk.nonce, sk.nonce_len, a.p, a.len, esd.p,
	                      esd.len, plain);
	if (rc != 0) goto out;
	codec_reader_init(&r, plain, sizeof(plain));
	if ((rc = mls_decode_sender_data(&r, sd)) == 0) rc = codec_reader_done(&r);
out:
	mls_key_nonce_clear(&sk);
	sec_zero(plain, sizeof(plain));
	codec_writer_clear(&aad);
	return rc;
}

/* RFC 9420 §6.3.1: decrypt the content into o->plain and decode it into o->ac. */
static int open_content(const struct mls_framing_epoch *ep, const struct mls_private_message *pm,
                        const struct mls_key_nonce *kn, struct mls_private_opened *o)
{
	const struct crypto_aead *aead = ep->cs->aead;
	struct mls_private_message_content pmc;
	struct codec_writer aad;
	struct codec_reader r;
	struct kenh_span a;
	void *buf = NULL;
	int rc;

	codec_writer_init(&aad, MLS_LABELLED_MAX, CODEC_WRITER_NORMAL);
	if (pm->ciphertext.len < aead->nt) {
		rc = KENH_ERR(KENH_E_DECRYPT);
		goto out;
	}
	if ((rc = mls_encode_private_content_aad(&aad, pm)) != 0) goto out;
	if ((rc = sec_alloc(pm->ciphertext.len - aead->nt, &buf)) != 0) goto out;
	o->plain = buf;
	o->plain_len = pm->ciphertext.len - aead->nt;
	a = codec_writer_span(&aad);
	rc = crypto_aead_open(aead, kn->key, kn->key_len, kn->nonce, kn->nonce_len, a.p, a.len,
	                      pm->ciphertext.p, pm->ciphertext.len, o->plain);
	if (rc != 0) goto out;
	/* Reads to the end: what follows the auth data must be zero padding. */
	codec_reader_init(&r, o->plain, o->plain_len);
	if ((rc = mls_decode_private_message_content(&r, pm->content_type, &pmc)) != 0) goto out;
	o->ac.content.application_data = pmc.application_data;
	o->ac.content.proposal = pmc.proposal;
	o->ac.content.commit = pmc.commit;
	o->ac.auth = pmc.auth;
out:
	codec_writer_clear(&aad);
	return rc;
}

/* The FramedContent header, rebuilt from the PrivateMessage and its SenderData. */
static void fill_header(const struct mls_private_message *pm, const struct mls_sender_data *sd,
                        struct mls_private_opened *o)
{
	o->ac.wire_format = MLS_WIRE_FORMAT_PRIVATE_MESSAGE;
	o->ac.content.group_id = pm->group_id;
	o->ac.content.epoch = pm->epoch;
	o->ac.content.sender.sender_type = MLS_SENDER_MEMBER;
	o->ac.content.sender.leaf_index = sd->leaf_index;
	o->ac.content.authenticated_data = pm->authenticated_data;
	o->ac.content.content_type = pm->content_type;
	o->generation = sd->generation;
}

/*
 * The steps after the epoch check; any error here is reported as
 * KENH_E_DECRYPT by the caller. *stage names the failed step for the log.
 */
static int open_steps(const struct mls_framing_epoch *ep, const struct mls_private_message *pm,
                      struct mls_private_opened *o, const char **stage)
{
	struct mls_key_nonce kn; /* secret */
	struct mls_sender_data sd;
	struct kenh_span key;
	int rc;

	memset(&kn, 0, sizeof(kn));
	/* The caller picks the epoch by pm's group_id and epoch; a mismatch cannot decrypt. */
	*stage = "group or epoch";
	if ((rc = mls_framing_epoch_check(ep, pm->group_id, pm->epoch)) != 0) goto out;
	*stage = "sender data";
	if ((rc = open_sender_data(ep, pm, &sd)) != 0) goto out;
	fill_header(pm, &sd, o);
	/* RFC 9420 §6.3.2: the leaf index MUST identify a non-blank leaf. */
	*stage = "sender leaf";
	if ((rc = ep->sender_key(ep->sender_key_arg, &o->ac.content.sender, &key)) != 0) goto out;
	*stage = "ratchet";
	rc = mls_secret_tree_decrypt_key(ep->secret_tree, sd.leaf_index,
	                                 mls_framing_ratchet(pm->content_type), sd.generation, &kn);
	if (rc != 0) goto out;
	mls_key_nonce_apply_reuse_guard(&kn, sd.reuse_guard);
	*stage = "content";
	if ((rc = open_content(ep, pm, &kn, o)) != 0) goto out;
	/* RFC 9420 §6.3.1: the FramedContentAuthData MUST be valid (the signature; the
	 * confirmation tag of a commit is the group layer's). */
	*stage = "signature";
	rc = mls_framing_verify_with_key(ep, MLS_WIRE_FORMAT_PRIVATE_MESSAGE, &o->ac.content, key,
	                                 o->ac.auth.signature);
out:
	mls_key_nonce_clear(&kn);
	return rc;
}

int mls_private_message_open(const struct mls_framing_epoch *ep,
                             const struct mls_private_message *pm, struct mls_private_opened *out)
{
	struct mls_private_opened o;
	const char *stage = "";
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&o, 0, sizeof(o));
	/* framing.h: a missing field is the caller's error, not a failed decryption. */
	if (ep->cs == NULL || ep->gc == NULL || ep->secret_tree == NULL ||
	    ep->sender_data_secret == NULL || ep->sender_key == NULL)
		return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = open_steps(ep, pm, &o, &stage)) != 0) {
		log_debug_r(ep->ctx, rc, "PrivateMessage rejected at %s", stage);
		mls_private_opened_clear(&o);
		/* R3.11: one code whatever the cause, except running out of memory. */
		return rc == KENH_E_NOMEM ? rc : KENH_ERR(KENH_E_DECRYPT);
	}
	/* RFC 9420 §9.2: the key decrypted an authentic message: delete it now. */
	mls_secret_tree_consume(ep->secret_tree, o.ac.content.sender.leaf_index,
	                        mls_framing_ratchet(pm->content_type), o.generation);
	*out = o;
	return 0;
}
