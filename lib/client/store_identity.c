/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The device identity record of the store (client_store.h, docs/store.md
 * "Tables"): the device key, its certificate chain and the organization's
 * root certificate, encoded with lib/codec in a sensitive writer and
 * sealed like every other row. The certificates are not validated here:
 * the enrollment code does that before the first put, and every use of
 * the chain validates it again at the time of use.
 */
#include "client/client_store.h"

#include "util/compat.h"

#include "client/client_int.h"
#include "codec/codec.h"
#include "util/mem.h"

#define IDENTITY_VERSION 1
#define IDENTITY_KEY     "device"
/* The record's upper bound: the key, the root and a full chain, with length prefixes. */
#define IDENTITY_MAX                                                                               \
	(16u + CRYPTO_MAX_SIG_SK +                                                                 \
	 (CLIENT_IDENTITY_MAX_CHAIN + 1u) * (CRYPTO_PKI_MAX_CERT_DER + 4u))

static struct kenh_span identity_key(void)
{
	return span_make((const uint8_t *)IDENTITY_KEY, sizeof(IDENTITY_KEY) - 1);
}

static int check_identity(const struct client_identity *id)
{
	size_t i;

	if (id->nchain == 0 || id->nchain > CLIENT_IDENTITY_MAX_CHAIN || id->root.len == 0 ||
	    id->key.sklen == 0 || id->key.sklen > CRYPTO_MAX_SIG_SK)
		return KENH_ERR(KENH_E_INVALID_ARG);
	if (id->root.len > CRYPTO_PKI_MAX_CERT_DER) return KENH_ERR(KENH_E_TOO_LARGE);
	for (i = 0; i < id->nchain; i++) {
		if (id->chain[i].len == 0) return KENH_ERR(KENH_E_INVALID_ARG);
		if (id->chain[i].len > CRYPTO_PKI_MAX_CERT_DER) return KENH_ERR(KENH_E_TOO_LARGE);
	}
	return 0;
}

static int encode_identity(const struct client_identity *id, uint8_t **out, size_t *outlen)
{
	struct codec_writer w;
	size_t mark = 0, i;
	int rc;

	codec_writer_init(&w, IDENTITY_MAX, CODEC_WRITER_SENSITIVE);
	codec_write_u8(&w, IDENTITY_VERSION);
	codec_write_u16(&w, id->key.sig_id);
	codec_write_opaque(&w, id->key.sk, id->key.sklen);
	codec_write_opaque(&w, id->root.p, id->root.len);
	codec_write_vector_begin(&w, &mark);
	for (i = 0; i < id->nchain; i++)
		codec_write_opaque(&w, id->chain[i].p, id->chain[i].len);
	codec_write_vector_end(&w, mark);
	rc = codec_writer_finish(&w, out, outlen);
	codec_writer_clear(&w);
	return rc;
}

int client_store_identity_put(struct client_store *s, const struct client_identity *id)
{
	struct client_store_put row;
	uint8_t *enc = NULL;
	size_t enclen = 0;
	int rc;

	if (s == NULL || id == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = check_identity(id)) != 0) return rc;
	if ((rc = encode_identity(id, &enc, &enclen)) != 0) return rc;
	memset(&row, 0, sizeof(row));
	row.key = identity_key();
	row.value = span_make(enc, enclen);
	rc = client_store_put(s, CLIENT_T_IDENTITY, &row, NULL);
	sec_free(enc, enclen);
	return rc;
}

/* Decode the record in v (views into it); the key's bytes are copied into out->key. */
static int decode_identity(struct kenh_span v, struct client_identity *out, struct kenh_span *sk,
                           uint16_t *sig_id)
{
	struct codec_reader r, chain;
	uint8_t version = 0;

	codec_reader_init(&r, v.p, v.len);
	codec_read_u8(&r, &version);
	if (codec_reader_err(&r) == 0 && version != IDENTITY_VERSION)
		codec_reader_fail(&r, KENH_ERR(KENH_E_UNSUPPORTED));
	codec_read_u16(&r, sig_id);
	codec_read_opaque(&r, CRYPTO_MAX_SIG_SK, sk);
	codec_read_opaque(&r, CRYPTO_PKI_MAX_CERT_DER, &out->root);
	codec_read_vector(&r, IDENTITY_MAX, &chain);
	while (codec_reader_remaining(&chain) > 0 && out->nchain < CLIENT_IDENTITY_MAX_CHAIN)
		codec_read_opaque(&chain, CRYPTO_PKI_MAX_CERT_DER, &out->chain[out->nchain++]);
	if (codec_reader_remaining(&chain) > 0)
		codec_reader_fail(&chain, KENH_ERR(KENH_E_TOO_LARGE));
	codec_reader_close_child(&r, &chain);
	if (codec_reader_err(&r) == 0 && out->nchain == 0)
		codec_reader_fail(&r, KENH_ERR(KENH_E_PARSE));
	return codec_reader_done(&r);
}

int client_store_identity_get(struct client_store *s, struct client_identity *out)
{
	struct client_store_item it;
	struct kenh_span sk = { NULL, 0 };
	uint16_t sig_id = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if (s == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = client_store_get(s, CLIENT_T_IDENTITY, identity_key(), &it)) != 0) return rc;
	if ((rc = decode_identity(it.value, out, &sk, &sig_id)) != 0) {
		/* A sealed record of ours that does not decode. */
		rc = rc == KENH_E_UNSUPPORTED ? rc : KENH_ERR(KENH_E_PARSE);
		goto out;
	}
	if ((rc = crypto_sigkey_from_sk(s->ctx, sig_id, sk.p, sk.len, &out->key)) != 0) goto out;
	out->buf = it.buf;
	out->buflen = it.buflen;
	it.buf = NULL;
	it.buflen = 0;
out:
	if (rc != 0) client_identity_clear(out);
	client_store_item_clear(&it);
	return rc;
}

void client_identity_clear(struct client_identity *id)
{
	if (id == NULL) return;
	crypto_sigkey_clear(&id->key);
	sec_free(id->buf, id->buflen);
	memset(id, 0, sizeof(*id));
}
