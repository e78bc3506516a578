/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The MLS messages the relay inspects (RFC 9420 §6, §10, §12), built with
 * lib/mls's wire encoders for the relay's tests: KeyPackages whose leaf
 * carries the device's X.509 credential, PublicMessage commits with Add
 * and Remove proposals, Welcomes and PrivateMessages. Keys, signatures,
 * MACs and ciphertexts are filler bytes of the right sizes: the relay
 * parses and routes, it does not verify (DESIGN §2), and real MLS
 * processing is the client library's job.
 */
#include "relayc.h"

#include "util/compat.h"

#include <time.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "crypto/crypto.h"
#include "mls/mls_wire.h"
#include "util/mem.h"

static const uint8_t filler[64] = { 0x5a };

static int finish(struct codec_writer *w, int rc, struct rc_bytes *out)
{
	if (rc == 0) rc = codec_writer_finish(w, &out->p, &out->len);
	codec_writer_clear(w);
	return rc;
}

int rc_mls_key_package(struct kenh_ctx *ctx, struct kenh_span cert, struct rc_bytes *out)
{
	struct mls_message m;
	struct mls_key_package *kp = &m.u.key_package;
	struct codec_writer w;
	uint8_t init_key[32], enc_key[32];
	int rc;

	memset(&m, 0, sizeof(m));
	if ((rc = crypto_random(ctx, init_key, sizeof(init_key))) != 0) return rc;
	if ((rc = crypto_random(ctx, enc_key, sizeof(enc_key))) != 0) return rc;
	m.version = MLS_VERSION_MLS10;
	m.wire_format = MLS_WIRE_FORMAT_KEY_PACKAGE;
	kp->version = MLS_VERSION_MLS10;
	kp->cipher_suite = 1;
	kp->init_key = span_make(init_key, sizeof(init_key));
	kp->leaf_node.encryption_key = span_make(enc_key, sizeof(enc_key));
	kp->leaf_node.signature_key = span_make(filler, 32);
	kp->leaf_node.credential.credential_type = MLS_CREDENTIAL_X509;
	kp->leaf_node.credential.certificates = &cert;
	kp->leaf_node.credential.n_certificates = 1;
	kp->leaf_node.leaf_node_source = MLS_LEAF_SOURCE_KEY_PACKAGE;
	kp->leaf_node.lifetime.not_before = (uint64_t)time(NULL) - 60;
	kp->leaf_node.lifetime.not_after = (uint64_t)time(NULL) + 86400;
	kp->leaf_node.signature = span_make(filler, 64);
	kp->signature = span_make(filler, 64);
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	return finish(&w, mls_encode_message(&w, &m), out);
}

int rc_mls_welcome(struct rc_bytes *out)
{
	struct mls_message m;
	struct codec_writer w;

	memset(&m, 0, sizeof(m));
	m.version = MLS_VERSION_MLS10;
	m.wire_format = MLS_WIRE_FORMAT_WELCOME;
	m.u.welcome.cipher_suite = 1;
	m.u.welcome.encrypted_group_info = span_make(filler, 48);
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	return finish(&w, mls_encode_message(&w, &m), out);
}

int rc_mls_private(struct kenh_span group, uint64_t epoch, struct kenh_span payload,
                   struct rc_bytes *out)
{
	struct mls_message m;
	struct mls_private_message *pm = &m.u.private_message;
	struct codec_writer w;

	memset(&m, 0, sizeof(m));
	m.version = MLS_VERSION_MLS10;
	m.wire_format = MLS_WIRE_FORMAT_PRIVATE_MESSAGE;
	pm->group_id = group;
	pm->epoch = epoch;
	pm->content_type = MLS_CONTENT_APPLICATION;
	pm->encrypted_sender_data = span_make(filler, 28);
	pm->ciphertext = payload;
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	return finish(&w, mls_encode_message(&w, &m), out);
}

/* Decode the KeyPackages to embed (views into the caller's bytes). */
static int add_proposals(const struct rc_commit *c, struct mls_proposal_or_ref *por,
                         struct mls_message *kps)
{
	size_t i;
	int rc;

	for (i = 0; i < c->nadds; i++) {
		if ((rc = mls_message_parse(c->adds[i].p, c->adds[i].len, &kps[i])) != 0) return rc;
		por[i].type = MLS_PROPOSAL_OR_REF_PROPOSAL;
		por[i].proposal.proposal_type = MLS_PROPOSAL_ADD;
		por[i].proposal.u.add.key_package = kps[i].u.key_package;
	}
	for (i = 0; i < c->nremoves; i++) {
		por[c->nadds + i].type = MLS_PROPOSAL_OR_REF_PROPOSAL;
		por[c->nadds + i].proposal.proposal_type = MLS_PROPOSAL_REMOVE;
		por[c->nadds + i].proposal.u.remove.removed = c->removes[i];
	}
	for (i = 0; i < c->nrefs; i++) {
		por[c->nadds + c->nremoves + i].type = MLS_PROPOSAL_OR_REF_REFERENCE;
		por[c->nadds + c->nremoves + i].reference = c->refs[i];
	}
	return 0;
}

int rc_mls_commit(const struct rc_commit *c, struct rc_bytes *out)
{
	struct mls_message m;
	struct mls_framed_content *fc = &m.u.public_message.content;
	struct mls_proposal_or_ref *por = NULL;
	struct mls_message *kps = NULL;
	struct codec_writer w;
	size_t n = c->nadds + c->nremoves + c->nrefs, i;
	int rc;

	memset(&m, 0, sizeof(m));
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	if ((rc = mem_calloc(n + 1, sizeof(*por), (void **)&por)) != 0) goto out;
	if ((rc = mem_calloc(c->nadds + 1, sizeof(*kps), (void **)&kps)) != 0) goto out;
	if ((rc = add_proposals(c, por, kps)) != 0) goto out;
	m.version = MLS_VERSION_MLS10;
	m.wire_format = MLS_WIRE_FORMAT_PUBLIC_MESSAGE;
	fc->group_id = c->group;
	fc->epoch = c->epoch;
	fc->sender.sender_type = MLS_SENDER_MEMBER;
	fc->sender.leaf_index = c->leaf;
	fc->content_type = MLS_CONTENT_COMMIT;
	fc->commit.proposals = por;
	fc->commit.n_proposals = n;
	m.u.public_message.auth.signature = span_make(filler, 64);
	m.u.public_message.auth.confirmation_tag = span_make(filler, 32);
	m.u.public_message.membership_tag = span_make(filler, 32);
	rc = mls_encode_message(&w, &m);
out:
	for (i = 0; kps != NULL && i < c->nadds; i++)
		mls_message_clear(&kps[i]);
	mem_free(kps);
	mem_free(por);
	return finish(&w, rc, out);
}

int rc_mls_group_info(struct kenh_span group, uint64_t epoch, struct kenh_span ext_sender_pk,
                      struct rc_bytes *out)
{
	static const uint8_t relay_name[] = "kenhd";
	struct mls_external_sender es;
	struct mls_external_senders list = { &es, 1 };
	struct mls_extension ext;
	struct mls_message m;
	struct mls_group_info *gi = &m.u.group_info;
	struct codec_writer w, ew;
	int rc;

	memset(&es, 0, sizeof(es));
	es.signature_key = ext_sender_pk;
	es.credential.credential_type = MLS_CREDENTIAL_BASIC;
	es.credential.identity = span_make(relay_name, sizeof(relay_name) - 1);
	codec_writer_init(&ew, LIMIT_EXTENSION_DATA, CODEC_WRITER_NORMAL);
	/* RFC 9420 §12.1.8.1: ExternalSender external_senders<V>. */
	if ((rc = mls_encode_external_senders(&ew, &list)) != 0) {
		codec_writer_clear(&ew);
		return rc;
	}
	ext.extension_type = MLS_EXT_EXTERNAL_SENDERS;
	ext.extension_data = codec_writer_span(&ew);
	memset(&m, 0, sizeof(m));
	m.version = MLS_VERSION_MLS10;
	m.wire_format = MLS_WIRE_FORMAT_GROUP_INFO;
	gi->group_context.version = MLS_VERSION_MLS10;
	gi->group_context.cipher_suite = 1;
	gi->group_context.group_id = group;
	gi->group_context.epoch = epoch;
	gi->group_context.tree_hash = span_make(filler, 32);
	gi->group_context.confirmed_transcript_hash = span_make(filler, 32);
	gi->group_context.extensions.items = &ext;
	gi->group_context.extensions.count = 1;
	gi->confirmation_tag = span_make(filler, 32);
	gi->signature = span_make(filler, 64);
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	rc = finish(&w, mls_encode_message(&w, &m), out);
	codec_writer_clear(&ew);
	return rc;
}

int rc_hex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = strlen(hex), i;
	unsigned v;

	if (n % 2 != 0 || n / 2 > max) return -1;
	for (i = 0; i < n / 2; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1) return -1;
		out[i] = (uint8_t)v;
	}
	return (int)(n / 2);
}
