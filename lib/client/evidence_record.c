/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The exported evidence record and its offline verification
 * (client_evidence.h, docs/evidence.md "Record"):
 *
 *   struct {
 *       opaque content<V>;              the AppContent, as sent
 *       opaque signature<V>;            EvidenceSignContent signature
 *       opaque certificates<V>;         opaque cert<V> list: leaf, then unit CAs
 *   } EvidenceItem;
 *   struct {
 *       opaque magic[8] = "KENHEVID";
 *       uint16 version = 1;
 *       opaque group_id<V>;
 *       EvidenceItem items<V>;          the directive, then its answers
 *   } EvidenceRecord;
 *
 * Decoding checks syntax only (STYLE R6.4); verification then checks each
 * item in four steps (content, link, chain at the signing time, signature)
 * and says which item failed which step.
 */
#include "client/client_evidence.h"

#include "util/compat.h"

#include "client/client_int.h"
#include "codec/codec.h"
#include "util/mem.h"

static const uint8_t record_magic[8] = { 'K', 'E', 'N', 'H', 'E', 'V', 'I', 'D' };

#define CHAIN_BYTES_MAX (CLIENT_EVIDENCE_MAX_CHAIN * (CRYPTO_PKI_MAX_CERT_DER + 4u))

/* One EvidenceItem (views into r's buffer); sticky errors. */
static void read_item(struct codec_reader *r, struct client_evidence_item *it)
{
	struct codec_reader certs;

	memset(it, 0, sizeof(*it));
	codec_read_opaque(r, CLIENT_CONTENT_MAX, &it->content);
	codec_read_opaque(r, CLIENT_EVIDENCE_MAX_SIG, &it->sig);
	codec_read_vector(r, CHAIN_BYTES_MAX, &certs);
	while (codec_reader_remaining(&certs) > 0) {
		if (it->nchain == CLIENT_EVIDENCE_MAX_CHAIN) {
			codec_reader_fail(&certs, KENH_ERR(KENH_E_TOO_LARGE));
			break;
		}
		codec_read_opaque(&certs, CRYPTO_PKI_MAX_CERT_DER, &it->chain[it->nchain++]);
	}
	codec_reader_close_child(r, &certs);
	if (codec_reader_err(r) == 0 && it->nchain == 0)
		codec_reader_fail(r, KENH_ERR(KENH_E_PARSE));
}

static void write_item(struct codec_writer *w, const struct client_evidence_item *it)
{
	size_t mark = 0, i;

	codec_write_opaque(w, it->content.p, it->content.len);
	codec_write_opaque(w, it->sig.p, it->sig.len);
	codec_write_vector_begin(w, &mark);
	for (i = 0; i < it->nchain; i++)
		codec_write_opaque(w, it->chain[i].p, it->chain[i].len);
	codec_write_vector_end(w, mark);
}

static void read_header(struct codec_reader *r, struct client_evidence_record *out)
{
	struct kenh_span magic;
	uint16_t version = 0;

	codec_read_fixed(r, sizeof(record_magic), &magic);
	if (codec_reader_err(r) == 0 && memcmp(magic.p, record_magic, sizeof(record_magic)) != 0)
		codec_reader_fail(r, KENH_ERR(KENH_E_PARSE));
	codec_read_u16(r, &version);
	if (codec_reader_err(r) == 0 && version != CLIENT_EVIDENCE_VERSION)
		codec_reader_fail(r, KENH_ERR(KENH_E_UNSUPPORTED));
	codec_read_opaque(r, CLIENT_EVIDENCE_MAX_GROUP, &out->group_id);
}

int client_evidence_record_decode(struct kenh_span in, struct client_evidence_record *out)
{
	struct client_evidence_item it;
	struct codec_reader r, items;
	int rc;

	memset(out, 0, sizeof(*out));
	if (in.len > CLIENT_EVIDENCE_MAX) return KENH_ERR(KENH_E_TOO_LARGE);
	codec_reader_init(&r, in.p, in.len);
	read_header(&r, out);
	codec_read_vector(&r, CLIENT_EVIDENCE_MAX, &items);
	out->items = span_make(items.buf, items.len);
	while (codec_reader_remaining(&items) > 0) {
		if (out->nitems == CLIENT_EVIDENCE_MAX_ITEMS) {
			codec_reader_fail(&items, KENH_ERR(KENH_E_TOO_LARGE));
			break;
		}
		read_item(&items, &it);
		out->nitems++;
	}
	codec_reader_close_child(&r, &items);
	if (codec_reader_err(&r) == 0 && out->nitems == 0)
		codec_reader_fail(&r, KENH_ERR(KENH_E_PARSE));
	if ((rc = codec_reader_done(&r)) != 0) memset(out, 0, sizeof(*out));
	return rc;
}

/* ---- export ---- */

struct answer {
	const struct client_evidence_item *it;
	uint64_t at;
};

static int answer_cmp(const void *a, const void *b)
{
	const struct answer *x = a, *y = b;
	int c;

	if (x->at != y->at) return x->at < y->at ? -1 : 1;
	if ((c = client_span_cmp(x->it->content, y->it->content)) != 0) return c;
	return client_span_cmp(x->it->sig, y->it->sig);
}

/* The directive id an item answers (or is, for i == 0); its sent_at in *at. */
static int item_link(const struct client_evidence_item *it, bool first, uint8_t *id, uint64_t *at)
{
	struct client_content c;
	int rc = 0;

	if (client_content_decode(it->content, &c) != 0) return KENH_ERR(KENH_E_INVALID_ARG);
	*at = c.sent_at;
	if (first && c.type == CLIENT_CONTENT_DIRECTIVE) {
		memcpy(id, c.id, CLIENT_ID_LEN);
	} else if (!first && c.type == CLIENT_CONTENT_ACK) {
		if (memcmp(id, c.u.ack.directive_id, CLIENT_ID_LEN) != 0) rc = KENH_E_INVALID_ARG;
	} else if (!first && c.type == CLIENT_CONTENT_REPORT) {
		if (memcmp(id, c.u.report.directive_id, CLIENT_ID_LEN) != 0)
			rc = KENH_E_INVALID_ARG;
	} else {
		rc = KENH_E_INVALID_ARG;
	}
	client_content_clear(&c);
	if (it->nchain == 0 || it->nchain > CLIENT_EVIDENCE_MAX_CHAIN) rc = KENH_E_INVALID_ARG;
	return rc == 0 ? 0 : KENH_ERR(rc);
}

/* Answers in export order (see client_evidence_export); *out (mem_free). */
static int sort_answers(const struct client_evidence_item *items, size_t n, uint8_t *id,
                        struct answer **out)
{
	struct answer *a;
	void *mem = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = mem_calloc(n, sizeof(*a), &mem)) != 0) return rc;
	a = mem;
	for (i = 1; i < n; i++) {
		a[i - 1].it = &items[i];
		if ((rc = item_link(&items[i], false, id, &a[i - 1].at)) != 0) goto out;
	}
	if (n > 2) qsort(a, n - 1, sizeof(*a), answer_cmp);
	*out = a;
	a = NULL;
out:
	mem_free(a);
	return rc;
}

int client_evidence_export(struct kenh_span group_id, const struct client_evidence_item *items,
                           size_t n, uint8_t **out, size_t *outlen)
{
	uint8_t id[CLIENT_ID_LEN];
	struct answer *a = NULL;
	struct codec_writer w;
	size_t mark = 0, i;
	uint64_t at = 0;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (items == NULL || n == 0) return KENH_ERR(KENH_E_INVALID_ARG);
	if (n > CLIENT_EVIDENCE_MAX_ITEMS || group_id.len > CLIENT_EVIDENCE_MAX_GROUP)
		return KENH_ERR(KENH_E_TOO_LARGE);
	if ((rc = item_link(&items[0], true, id, &at)) != 0) return rc;
	if ((rc = sort_answers(items, n, id, &a)) != 0) return rc;
	codec_writer_init(&w, CLIENT_EVIDENCE_MAX, CODEC_WRITER_NORMAL);
	codec_write_bytes(&w, record_magic, sizeof(record_magic));
	codec_write_u16(&w, CLIENT_EVIDENCE_VERSION);
	codec_write_opaque(&w, group_id.p, group_id.len);
	codec_write_vector_begin(&w, &mark);
	write_item(&w, &items[0]);
	for (i = 0; i + 1 < n; i++) {
		/* The same message delivered twice is one answer. */
		if (i > 0 && client_span_cmp(a[i].it->content, a[i - 1].it->content) == 0) continue;
		write_item(&w, a[i].it);
	}
	codec_write_vector_end(&w, mark);
	rc = codec_writer_finish(&w, out, outlen);
	codec_writer_clear(&w);
	mem_free(a);
	return rc;
}

/* ---- verification ---- */

/* Step 2: the directive comes first; every answer names it. */
static int check_link(const struct client_content *c, size_t index, const uint8_t *id)
{
	const uint8_t *target;

	if (index == 0) {
		return c->type == CLIENT_CONTENT_DIRECTIVE ? 0 : KENH_ERR(KENH_E_INVALID_ARG);
	}
	if (c->type == CLIENT_CONTENT_ACK) {
		target = c->u.ack.directive_id;
	} else if (c->type == CLIENT_CONTENT_REPORT) {
		target = c->u.report.directive_id;
	} else {
		return KENH_ERR(KENH_E_INVALID_ARG);
	}
	if (id == NULL || memcmp(target, id, CLIENT_ID_LEN) != 0)
		return KENH_ERR(KENH_E_INVALID_ARG);
	return 0;
}

/* Step 3: the chain at the signing time, from the root alone. */
static int check_chain(const struct kenh_ctx *ctx, const struct client_evidence_item *it,
                       struct kenh_span root, uint64_t at, struct crypto_cert_info *signer)
{
	struct crypto_chain_input in;

	memset(&in, 0, sizeof(in));
	in.root = root;
	in.cas = it->chain + 1;
	in.ncas = it->nchain - 1;
	in.leaf = it->chain[0];
	in.now = at;
	return crypto_chain_verify(ctx, &in, signer);
}

static struct kenh_span cstr_span(const char *s)
{
	return span_make((const uint8_t *)s, strlen(s));
}

/* Step 4: the signature, under the leaf's key and names. */
static int check_signature(const struct kenh_ctx *ctx, const struct crypto_cert_info *signer,
                           struct kenh_span group_id, const struct client_evidence_item *it)
{
	struct client_signer who;

	who.user = cstr_span(signer->user);
	who.unit = cstr_span(signer->unit);
	who.device = cstr_span(signer->device);
	return client_evidence_check(ctx, signer->sig_id, span_make(signer->pk, signer->pklen),
	                             &who, group_id, it->content, it->sig);
}

/* Run the four steps on one item; v->step and v->rc say where it stopped. */
static void verify_item(const struct kenh_ctx *ctx, const struct client_evidence_record *rec,
                        const struct client_evidence_item *it, struct kenh_span root,
                        const uint8_t *id, struct client_evidence_verdict *v)
{
	v->step = CLIENT_EVIDENCE_CONTENT;
	if ((v->rc = client_content_decode(it->content, &v->content)) != 0) return;
	if ((v->rc = client_content_validate(&v->content)) != 0) return;
	v->step = CLIENT_EVIDENCE_LINK;
	if ((v->rc = check_link(&v->content, v->index, id)) != 0) return;
	v->step = CLIENT_EVIDENCE_CHAIN;
	if ((v->rc = check_chain(ctx, it, root, v->content.sent_at, &v->signer)) != 0) return;
	v->step = CLIENT_EVIDENCE_SIGNATURE;
	if ((v->rc = check_signature(ctx, &v->signer, rec->group_id, it)) != 0) return;
	v->step = CLIENT_EVIDENCE_OK;
}

static void note_failure(struct client_evidence_result *res,
                         const struct client_evidence_verdict *v)
{
	if (v->rc == 0 || res->rc != 0) return;
	res->rc = v->rc;
	res->bad_item = v->index;
	res->step = v->step;
}

int client_evidence_verify(const struct kenh_ctx *ctx, struct kenh_span record,
                           struct kenh_span root, client_evidence_item_fn *fn, void *arg,
                           struct client_evidence_result *res)
{
	struct client_evidence_record rec;
	struct client_evidence_verdict v;
	struct client_evidence_item it;
	struct codec_reader r;
	uint8_t id[CLIENT_ID_LEN];
	bool have_id = false;
	size_t i;

	memset(res, 0, sizeof(*res));
	res->bad_item = SIZE_MAX;
	if ((res->rc = client_evidence_record_decode(record, &rec)) != 0) return res->rc;
	res->nitems = rec.nitems;
	codec_reader_init(&r, rec.items.p, rec.items.len);
	for (i = 0; i < rec.nitems; i++) {
		read_item(&r, &it);
		memset(&v, 0, sizeof(v));
		v.index = i;
		verify_item(ctx, &rec, &it, root, have_id ? id : NULL, &v);
		/* The directive's id links the answers once item 0 is a directive, valid or not. */
		if (i == 0 && (v.step == CLIENT_EVIDENCE_OK || v.step > CLIENT_EVIDENCE_LINK)) {
			memcpy(id, v.content.id, CLIENT_ID_LEN);
			have_id = true;
		}
		note_failure(res, &v);
		if (fn != NULL) fn(arg, &v);
		client_content_clear(&v.content);
	}
	return res->rc;
}
