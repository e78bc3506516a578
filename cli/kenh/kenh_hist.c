/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh's history (DESIGN §7): every application message received or sent
 * is kept in the store's messages table, scoped by group id, keyed by its
 * content id, with what the directive table and the evidence export need:
 * the sender's names and certificate chain (from its MLS credential), the
 * AppContent as received, its evidence signature (checked here, before
 * anything is kept), and for a directive the group's members at that
 * epoch (the roster that expands unit assignees). The row encoding:
 *
 *   struct { opaque user<V>; opaque unit<V>; opaque device<V>; uint64 epoch;
 *            opaque content<V>; opaque sig<V>; opaque chain<V> (of opaque cert<V>);
 *            opaque roster<V> (of opaque user<V>, opaque unit<V>); } HistoryRow;
 */
#include "kenh.h"

#include "util/compat.h"

#include "client/client_evidence.h"
#include "codec/codec.h"
#include "util/mem.h"

#define ROW_MAX (CLIENT_STORE_MAX_VALUE)

static void put_str(struct codec_writer *w, const char *s)
{
	codec_write_opaque(w, (const uint8_t *)s, strlen(s));
}

/* The group's members now, as (user, unit) pairs: the roster of a directive. */
static int write_roster(struct kenh_app *a, const struct kenh_mls_group *g, struct codec_writer *w)
{
	struct crypto_cert_info info;
	uint32_t i, n = kenh_mls_group_leaf_count(g);
	size_t mark;

	if (codec_write_vector_begin(w, &mark) != 0) return codec_writer_err(w);
	for (i = 0; i < n; i++) {
		if (kenh_member_info(a, g, i, &info) != 0) continue;
		put_str(w, info.user);
		put_str(w, info.unit);
	}
	codec_write_vector_end(w, mark);
	return codec_writer_err(w);
}

int kenh_hist_put(struct kenh_app *a, struct kenh_span gid, const struct kenh_hist *h,
                  const struct kenh_mls_group *g)
{
	struct codec_writer w;
	struct client_store_put row;
	struct client_content c;
	size_t mark, i;
	int rc;

	if ((rc = client_content_decode(h->content, &c)) != 0) return rc;
	codec_writer_init(&w, ROW_MAX, CODEC_WRITER_SENSITIVE);
	codec_write_opaque(&w, h->user.p, h->user.len);
	codec_write_opaque(&w, h->unit.p, h->unit.len);
	codec_write_opaque(&w, h->device.p, h->device.len);
	codec_write_u64(&w, h->epoch);
	codec_write_opaque(&w, h->content.p, h->content.len);
	codec_write_opaque(&w, h->sig.p, h->sig.len);
	codec_write_vector_begin(&w, &mark);
	for (i = 0; i < h->nchain; i++)
		codec_write_opaque(&w, h->chain[i].p, h->chain[i].len);
	codec_write_vector_end(&w, mark);
	if (c.type == CLIENT_CONTENT_DIRECTIVE && g != NULL) {
		rc = write_roster(a, g, &w);
	} else {
		codec_write_vector_begin(&w, &mark);
		codec_write_vector_end(&w, mark);
	}
	if (rc == 0 && (rc = codec_writer_err(&w)) == 0) {
		memset(&row, 0, sizeof(row));
		row.key = span_make(c.id, CLIENT_ID_LEN);
		row.scope = gid;
		row.value = span_make(w.buf, w.len);
		rc = client_store_put(a->st, CLIENT_T_MESSAGES, &row, NULL);
	}
	/* A directive is found by its id from any group (ack, report, status). */
	if (rc == 0 && c.type == CLIENT_CONTENT_DIRECTIVE) {
		memset(&row, 0, sizeof(row));
		row.key = span_make(c.id, CLIENT_ID_LEN);
		row.value = gid;
		rc = client_store_put(a->st, CLIENT_T_DIRECTIVES, &row, NULL);
	}
	client_content_clear(&c);
	codec_writer_clear(&w);
	return rc;
}

int kenh_hist_decode(struct kenh_span in, struct kenh_hist *out)
{
	struct codec_reader r, chain;

	memset(out, 0, sizeof(*out));
	codec_reader_init(&r, in.p, in.len);
	codec_read_opaque(&r, CLIENT_STORE_MAX_KEY, &out->user);
	codec_read_opaque(&r, CLIENT_STORE_MAX_KEY, &out->unit);
	codec_read_opaque(&r, CLIENT_STORE_MAX_KEY, &out->device);
	codec_read_u64(&r, &out->epoch);
	codec_read_opaque(&r, CLIENT_CONTENT_MAX, &out->content);
	codec_read_opaque(&r, CLIENT_EVIDENCE_MAX_SIG, &out->sig);
	codec_read_vector(&r, ROW_MAX, &chain);
	while (codec_reader_err(&r) == 0 && codec_reader_remaining(&chain) > 0 &&
	       out->nchain < CLIENT_IDENTITY_MAX_CHAIN)
		codec_read_opaque(&chain, CRYPTO_PKI_MAX_CERT_DER, &out->chain[out->nchain++]);
	if (codec_reader_err(&chain) != 0) return codec_reader_err(&chain);
	codec_reader_close_child(&r, &chain);
	codec_read_opaque(&r, ROW_MAX, &out->roster);
	return codec_reader_done(&r);
}

/* The sender's names and chain from its leaf's credential. */
static int sender_of(struct kenh_app *a, const struct kenh_mls_group *g, uint32_t leaf,
                     struct crypto_cert_info *info, struct kenh_hist *h)
{
	const struct kenh_mls_credential *cred;
	size_t i, n;
	int rc;

	if ((rc = kenh_member_info(a, g, leaf, info)) != 0) return rc;
	if ((rc = kenh_mls_group_member(g, leaf, &cred)) != 0) return rc;
	n = kenh_mls_credential_cert_count(cred);
	for (i = 0; i < n && i < CLIENT_IDENTITY_MAX_CHAIN; i++)
		if ((rc = kenh_mls_credential_cert(cred, i, &h->chain[i].p, &h->chain[i].len)) != 0)
			return rc;
	h->nchain = i;
	h->user = span_make((const uint8_t *)info->user, strlen(info->user));
	h->unit = span_make((const uint8_t *)info->unit, strlen(info->unit));
	h->device = span_make((const uint8_t *)info->device, strlen(info->device));
	return 0;
}

int kenh_hist_receive(struct kenh_app *a, struct kenh_mls_group *g, uint32_t sender,
                      struct kenh_span data)
{
	struct crypto_cert_info info;
	struct client_content c;
	struct client_signer who;
	struct kenh_hist h;
	struct kenh_span gid;
	int rc;

	memset(&h, 0, sizeof(h));
	kenh_mls_group_id(g, &gid.p, &gid.len);
	if ((rc = client_appmsg_decode(data, &h.content, &h.sig)) != 0) return rc;
	if ((rc = client_content_decode(h.content, &c)) != 0) return rc;
	rc = client_content_validate(&c);
	if (rc == 0) rc = sender_of(a, g, sender, &info, &h);
	/* DESIGN §7: evidence is checked on arrival against the sender's certificate. */
	if (rc == 0 && client_content_has_evidence(c.type)) {
		who.user = h.user;
		who.unit = h.unit;
		who.device = h.device;
		rc = client_evidence_check(a->ctx, info.sig_id, span_make(info.pk, info.pklen),
		                           &who, gid, h.content, h.sig);
	}
	h.epoch = kenh_mls_group_epoch(g);
	if (rc == 0) rc = kenh_hist_put(a, gid, &h, g);
	if (rc == 0) {
		struct kenh_event ev = { KENH_EVENT_MESSAGE, gid, h.epoch, &h, &c };

		kenh_emit(a, &ev);
	}
	client_content_clear(&c);
	return rc;
}
