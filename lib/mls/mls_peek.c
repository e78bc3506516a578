/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * What a delivery service may read of MLS messages (lib/mls/mls.h): the
 * header of an MLSMessage (RFC 9420 §6), the recipients of a Welcome
 * (§12.4.3.1) and the group-independent checks of a KeyPackage (§10.1,
 * §5.2). No group secret is involved and nothing here changes any state.
 */
#include "mls/mls.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "crypto/crypto.h"
#include "mls/framing.h"
#include "mls/mls_wire.h"

static void peek_public(const struct mls_public_message *pm, struct mls_peek *out)
{
	const struct mls_framed_content *c = &pm->content;

	out->group_id = c->group_id;
	out->epoch = c->epoch;
	out->content_type = (uint8_t)c->content_type;
	out->sender_type = (uint8_t)c->sender.sender_type;
	out->sender_index = c->sender.sender_type == MLS_SENDER_EXTERNAL ? c->sender.sender_index
	                                                                 : c->sender.leaf_index;
}

static void peek_message(const struct mls_message *m, struct mls_peek *out)
{
	out->wire_format = (uint16_t)m->wire_format;
	switch (m->wire_format) {
	case MLS_WIRE_FORMAT_PUBLIC_MESSAGE:
		peek_public(&m->u.public_message, out);
		return;
	case MLS_WIRE_FORMAT_PRIVATE_MESSAGE:
		out->group_id = m->u.private_message.group_id;
		out->epoch = m->u.private_message.epoch;
		out->content_type = (uint8_t)m->u.private_message.content_type;
		return;
	case MLS_WIRE_FORMAT_WELCOME:
		out->cipher_suite = m->u.welcome.cipher_suite;
		out->n_recipients = m->u.welcome.n_secrets;
		return;
	case MLS_WIRE_FORMAT_GROUP_INFO:
		out->group_id = m->u.group_info.group_context.group_id;
		out->epoch = m->u.group_info.group_context.epoch;
		out->cipher_suite = m->u.group_info.group_context.cipher_suite;
		return;
	case MLS_WIRE_FORMAT_KEY_PACKAGE:
		out->cipher_suite = m->u.key_package.cipher_suite;
		return;
	}
}

int mls_peek(const uint8_t *msg, size_t len, struct mls_peek *out)
{
	struct mls_message m;
	int rc;

	memset(out, 0, sizeof(*out));
	if (msg == NULL && len != 0) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = mls_message_parse(msg, len, &m)) != 0) return rc;
	peek_message(&m, out);
	mls_message_clear(&m);
	return 0;
}

int mls_peek_welcome_recipient(const uint8_t *msg, size_t len, size_t i, uint8_t *ref,
                               size_t *ref_len)
{
	struct kenh_span r;
	struct mls_message m;
	int rc;

	*ref_len = 0;
	if (msg == NULL && len != 0) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = mls_message_parse(msg, len, &m)) != 0) return rc;
	if (m.wire_format != MLS_WIRE_FORMAT_WELCOME) {
		rc = KENH_ERR(KENH_E_PROTO);
	} else if (i >= m.u.welcome.n_secrets) {
		rc = KENH_ERR(KENH_E_NOT_FOUND);
	} else if ((r = m.u.welcome.secrets[i].new_member).len > CRYPTO_MAX_HASH) {
		rc = KENH_ERR(KENH_E_PROTO);
	} else {
		memcpy(ref, r.p, r.len);
		*ref_len = r.len;
	}
	mls_message_clear(&m);
	return rc;
}

/* The KeyPackage bytes of an MLSMessage (version and wire format skipped), or kp itself. */
static struct kenh_span bare(const uint8_t *kp, size_t len)
{
	struct mls_message m;
	bool wrapped = false;

	if (mls_message_parse(kp, len, &m) == 0) {
		wrapped = m.wire_format == MLS_WIRE_FORMAT_KEY_PACKAGE;
		mls_message_clear(&m);
	}
	return wrapped ? span_make(kp + 4, len - 4) : span_make(kp, len);
}

int mls_key_package_check(const struct kenh_ctx *ctx, const uint8_t *kp, size_t len, uint64_t now,
                          uint8_t *ref, size_t *ref_len)
{
	struct mls_key_package_policy pol;
	struct mls_key_package dec;
	struct codec_reader r;
	struct kenh_span b;
	int rc;

	*ref_len = 0;
	if (ctx == NULL || (kp == NULL && len != 0)) return KENH_ERR(KENH_E_INVALID_ARG);
	b = bare(kp, len);
	codec_reader_init(&r, b.p, b.len);
	if ((rc = mls_decode_key_package(&r, &dec)) != 0) return rc;
	if ((rc = codec_reader_done(&r)) != 0) goto out;
	memset(&pol, 0, sizeof(pol));
	pol.version = MLS_VERSION_MLS10;
	pol.cipher_suite = dec.cipher_suite;
	pol.now = now;
	pol.max_lifetime = MLS_KP_MAX_LIFETIME;
	if (crypto_suite_get(ctx, dec.cipher_suite) == NULL) {
		rc = KENH_ERR(KENH_E_UNSUPPORTED);
		goto out;
	}
	if ((rc = mls_key_package_validate(ctx, &dec, &pol)) != 0) goto out;
	rc = mls_key_package_ref(ctx, b, ref, ref_len);
out:
	mls_key_package_clear(&dec);
	return rc;
}
