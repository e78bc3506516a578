/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Evidence signatures and the AppMessage envelope (client_evidence.h,
 * docs/evidence.md). The signature follows RFC 9420 §5.1.2 SignWithLabel
 * in shape,
 *
 *   struct { opaque label<V>; opaque content<V>; } EvidenceSignContent;
 *   label = "Kenh 1.0 evidence", content = EvidenceTBS
 *
 * with a label that no MLS signature uses ("MLS 1.0 " is never a prefix),
 * so an evidence signature can never be taken for an MLS one or the other
 * way round, although both are made with the same device key. Records are
 * evidence_record.c's.
 */
#include "client/client_evidence.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "crypto/crypto.h"
#include "util/mem.h"

/* EvidenceSignContent around the largest content, names and group id. */
#define SIGN_CONTENT_MAX (CLIENT_CONTENT_MAX + 4096u)

bool client_content_has_evidence(enum client_content_type t)
{
	return t == CLIENT_CONTENT_DIRECTIVE || t == CLIENT_CONTENT_ACK ||
	       t == CLIENT_CONTENT_REPORT;
}

/* The time an AppContent carries, and that it is signed evidence that passes the rules. */
static int content_time(struct kenh_span content, uint64_t *at)
{
	struct client_content c;
	int rc;

	*at = 0;
	if ((rc = client_content_decode(content, &c)) == 0) rc = client_content_validate(&c);
	if (rc == 0 && !client_content_has_evidence(c.type)) rc = KENH_ERR(KENH_E_INVALID_ARG);
	if (rc == 0) *at = c.sent_at;
	client_content_clear(&c);
	return rc;
}

/* Encode EvidenceSignContent for (group, who, at, content) into *out (sec_free: it holds plaintext). */
static int sign_content(const struct client_signer *who, struct kenh_span group_id, uint64_t at,
                        struct kenh_span content, uint8_t **out, size_t *outlen)
{
	static const char label[] = CLIENT_EVIDENCE_LABEL;
	struct codec_writer w;
	size_t mark = 0;
	int rc;

	if (group_id.len > CLIENT_EVIDENCE_MAX_GROUP) return KENH_ERR(KENH_E_TOO_LARGE);
	codec_writer_init(&w, SIGN_CONTENT_MAX, CODEC_WRITER_SENSITIVE);
	codec_write_opaque(&w, (const uint8_t *)label, sizeof(label) - 1);
	codec_write_vector_begin(&w, &mark);
	codec_write_opaque(&w, group_id.p, group_id.len);
	codec_write_opaque(&w, who->user.p, who->user.len);
	codec_write_opaque(&w, who->unit.p, who->unit.len);
	codec_write_opaque(&w, who->device.p, who->device.len);
	codec_write_u64(&w, at);
	codec_write_opaque(&w, content.p, content.len);
	codec_write_vector_end(&w, mark);
	rc = codec_writer_finish(&w, out, outlen);
	codec_writer_clear(&w);
	return rc;
}

int client_evidence_sign(const struct kenh_ctx *ctx, const struct crypto_sigkey *key,
                         const struct client_signer *who, struct kenh_span group_id,
                         struct kenh_span content, uint8_t *sig, size_t *siglen)
{
	const struct crypto_sig *alg;
	uint8_t *tbs = NULL;
	size_t tbslen = 0;
	uint64_t at = 0;
	int rc;

	*siglen = 0;
	if (key == NULL || who == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((alg = crypto_sig_get(ctx, key->sig_id)) == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	if ((rc = content_time(content, &at)) != 0) {
		return rc == KENH_E_TOO_LARGE ? rc : KENH_ERR(KENH_E_INVALID_ARG);
	}
	if ((rc = sign_content(who, group_id, at, content, &tbs, &tbslen)) != 0) return rc;
	rc = crypto_sig_sign(alg, key->sk, tbs, tbslen, sig, siglen);
	sec_free(tbs, tbslen);
	return rc;
}

int client_evidence_check(const struct kenh_ctx *ctx, uint16_t sig_id, struct kenh_span pk,
                          const struct client_signer *who, struct kenh_span group_id,
                          struct kenh_span content, struct kenh_span sig)
{
	const struct crypto_sig *alg = crypto_sig_get(ctx, sig_id);
	uint8_t *tbs = NULL;
	size_t tbslen = 0;
	uint64_t at = 0;
	int rc;

	if (alg == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	if (who == NULL || content_time(content, &at) != 0) return KENH_ERR(KENH_E_VERIFY);
	if (sign_content(who, group_id, at, content, &tbs, &tbslen) != 0) {
		rc = KENH_ERR(KENH_E_VERIFY);
		goto out;
	}
	rc = crypto_sig_verify(alg, pk.p, pk.len, tbs, tbslen, sig.p, sig.len);
	if (rc != 0) rc = KENH_ERR(KENH_E_VERIFY);
out:
	sec_free(tbs, tbslen);
	return rc;
}

int client_appmsg_encode(struct kenh_span content, struct kenh_span sig, uint8_t **out,
                         size_t *outlen)
{
	struct codec_writer w;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (content.len > CLIENT_CONTENT_MAX || sig.len > CLIENT_EVIDENCE_MAX_SIG)
		return KENH_ERR(KENH_E_TOO_LARGE);
	codec_writer_init(&w, CLIENT_CONTENT_MAX + CLIENT_EVIDENCE_MAX_SIG + 8,
	                  CODEC_WRITER_SENSITIVE);
	codec_write_opaque(&w, content.p, content.len);
	codec_write_opaque(&w, sig.p, sig.len);
	rc = codec_writer_finish(&w, out, outlen);
	codec_writer_clear(&w);
	return rc;
}

int client_appmsg_decode(struct kenh_span in, struct kenh_span *content, struct kenh_span *sig)
{
	struct codec_reader r;
	int rc;

	codec_reader_init(&r, in.p, in.len);
	codec_read_opaque(&r, CLIENT_CONTENT_MAX, content);
	codec_read_opaque(&r, CLIENT_EVIDENCE_MAX_SIG, sig);
	if ((rc = codec_reader_done(&r)) != 0) {
		*content = span_make(NULL, 0);
		*sig = span_make(NULL, 0);
	}
	return rc;
}
