/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests of signed evidence (lib/client/evidence*.c, docs/evidence.md)
 * over a real PKI made for the test (pki.h): a root, two unit CAs, devices
 * with Ed25519 and P-256 keys. A directive and its answers are signed,
 * exported and verified with the root alone; then each kind of tampering
 * must be caught at the right item and step: changed content, a flipped
 * signature bit, a leaf certificate or a whole chain swapped for another
 * member's, a CA from another organization, a changed group id, answers
 * out of place or for another directive, a wrong root, a certificate not
 * valid at the signing time. Also: the receiver's check, the AppMessage
 * envelope, a deterministic export, the record decoder's negatives
 * (STYLE R17.1) and allocation failures (R17.5).
 */
#include "client/client_evidence.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec/codec.h"
#include "crypto/crypto.h"
#include "kenh/kenh.h"
#include "testutil.h"
#include "util/mem.h"

#define NOW  1767225600u
#define DAY  CRYPTO_PKI_DAY
#define YEAR (365u * DAY)

static const uint8_t group[] = "group-7f3a";
#define GROUP span_make(group, sizeof(group) - 1)

struct held {
	uint8_t *der;
	size_t len;
	struct crypto_sigkey key;
	struct crypto_cert_info info;
};

struct fx {
	struct kenh_ctx *ctx;
	struct held root, tb, pc02, cmd, a1, b1, other_root, other_ca, shortlived;
	/* Signed items: directive (cmd), ack (a1), report (a1), ack (b1). */
	uint8_t *content[4];
	size_t clen[4];
	uint8_t sig[4][CRYPTO_MAX_SIG];
	size_t siglen[4];
	struct client_evidence_item items[4];
	uint8_t *record;
	size_t reclen;
};

static struct kenh_span S(const char *s) {
	return span_make((const uint8_t *)s, strlen(s));
}

static struct kenh_span
der(const struct held *h)
{
	return span_make(h->der, h->len);
}

static void held_free(struct held *h)
{
	mem_free(h->der);
	crypto_sigkey_clear(&h->key);
	memset(h, 0, sizeof(*h));
}

static void make_root(struct kenh_ctx *ctx, const char *org, struct held *out)
{
	struct crypto_cert_template t = { .kind = CRYPTO_CERT_ROOT, .org = org };
	struct crypto_issuer iss = { { NULL, 0 }, NULL };

	assert_int_equal(crypto_sigkey_generate(ctx, CRYPTO_SIG_ED25519, &out->key), 0);
	iss.key = &out->key;
	t.not_before = NOW - DAY;
	t.lifetime = 10 * YEAR;
	assert_int_equal(crypto_cert_issue(ctx, &iss, &t, &out->der, &out->len), 0);
}

static void issue(struct kenh_ctx *ctx, const struct held *ca, enum crypto_cert_kind kind,
                  const char *unit, const char *user, uint16_t sig_id, uint64_t lifetime,
                  struct held *out)
{
	struct crypto_cert_template t = { .kind = kind, .unit = unit, .user = user };
	struct crypto_issuer iss = { der(ca), &ca->key };
	char dev[CRYPTO_PKI_DEVICE_ID_LEN + 1];

	assert_int_equal(crypto_sigkey_generate(ctx, sig_id, &out->key), 0);
	assert_int_equal(
	        crypto_device_id_make(ctx, out->key.sig_id, out->key.pk, out->key.pklen, dev), 0);
	t.device = dev;
	t.sig_id = out->key.sig_id;
	t.pk = out->key.pk;
	t.pklen = out->key.pklen;
	t.not_before = NOW - DAY;
	t.lifetime = lifetime;
	assert_int_equal(crypto_cert_issue(ctx, &iss, &t, &out->der, &out->len), 0);
	assert_int_equal(crypto_cert_parse(ctx, out->der, out->len, &out->info), 0);
}

static struct client_signer signer_of(const struct held *h)
{
	struct client_signer w = { S(h->info.user), S(h->info.unit), S(h->info.device) };

	return w;
}

static void encode_content(struct client_content *c, uint8_t **out, size_t *len)
{
	assert_int_equal(client_content_encode(c, out, len), 0);
}

static void make_items(struct fx *f)
{
	struct client_content c;
	const struct held *who[4] = { &f->cmd, &f->a1, &f->a1, &f->b1 };
	size_t i;

	memset(&c, 0, sizeof(c));
	c.type = CLIENT_CONTENT_DIRECTIVE;
	memset(c.id, 0xd1, CLIENT_ID_LEN);
	c.sent_at = NOW;
	c.u.directive.title = S("Secure the bridge");
	c.u.directive.priority = CLIENT_PRIORITY_URGENT;
	c.u.directive.assignees[0] =
	        (struct client_assignee){ CLIENT_ASSIGNEE_UNIT, S("thaibinh") };
	c.u.directive.nassignees = 1;
	encode_content(&c, &f->content[0], &f->clen[0]);
	memset(&c, 0, sizeof(c));
	c.type = CLIENT_CONTENT_ACK;
	memset(c.id, 0xa1, CLIENT_ID_LEN);
	c.sent_at = NOW + 60;
	memset(c.u.ack.directive_id, 0xd1, CLIENT_ID_LEN);
	encode_content(&c, &f->content[1], &f->clen[1]);
	memset(&c, 0, sizeof(c));
	c.type = CLIENT_CONTENT_REPORT;
	memset(c.id, 0xa2, CLIENT_ID_LEN);
	c.sent_at = NOW + 3600;
	memset(c.u.report.directive_id, 0xd1, CLIENT_ID_LEN);
	c.u.report.status = CLIENT_STATUS_IN_PROGRESS;
	c.u.report.percent = 60;
	c.u.report.text = S("Three of five checkpoints closed");
	encode_content(&c, &f->content[2], &f->clen[2]);
	c.id[0] = 0xb1;
	c.type = CLIENT_CONTENT_ACK;
	memset(&c.u, 0, sizeof(c.u));
	memset(c.u.ack.directive_id, 0xd1, CLIENT_ID_LEN);
	c.sent_at = NOW + 120;
	encode_content(&c, &f->content[3], &f->clen[3]);
	for (i = 0; i < 4; i++) {
		struct client_signer w = signer_of(who[i]);
		struct client_evidence_item *it = &f->items[i];

		assert_int_equal(client_evidence_sign(f->ctx, &who[i]->key, &w, GROUP,
		                                      span_make(f->content[i], f->clen[i]),
		                                      f->sig[i], &f->siglen[i]),
		                 0);
		it->content = span_make(f->content[i], f->clen[i]);
		it->sig = span_make(f->sig[i], f->siglen[i]);
		it->chain[0] = der(who[i]);
		it->nchain = 1;
	}
	/* a1 was issued by pc02, which thaibinh issued; b1 by thaibinh. */
	f->items[1].chain[1] = f->items[2].chain[1] = der(&f->pc02);
	f->items[1].chain[2] = f->items[2].chain[2] = der(&f->tb);
	f->items[1].nchain = f->items[2].nchain = 3;
	f->items[3].chain[1] = der(&f->tb);
	f->items[3].nchain = 2;
}

static int setup(void **state)
{
	struct fx *f;
	void *mem = NULL;

	if (mem_calloc(1, sizeof(*f), &mem) != 0) return -1;
	f = mem;
	if (kenh_ctx_new(&f->ctx) != 0) return -1;
	make_root(f->ctx, "Công an tỉnh Thái Bình", &f->root);
	issue(f->ctx, &f->root, CRYPTO_CERT_UNIT, "thaibinh", NULL, CRYPTO_SIG_ECDSA_P256_SHA256,
	      5 * YEAR, &f->tb);
	issue(f->ctx, &f->tb, CRYPTO_CERT_UNIT, "thaibinh/pc02", NULL, CRYPTO_SIG_ED25519, 5 * YEAR,
	      &f->pc02);
	issue(f->ctx, &f->root, CRYPTO_CERT_DEVICE, "thaibinh", "commander", CRYPTO_SIG_ED25519,
	      90 * DAY, &f->cmd);
	issue(f->ctx, &f->pc02, CRYPTO_CERT_DEVICE, "thaibinh/pc02", "a1",
	      CRYPTO_SIG_ECDSA_P256_SHA256, 90 * DAY, &f->a1);
	issue(f->ctx, &f->tb, CRYPTO_CERT_DEVICE, "thaibinh/pc03", "b1", CRYPTO_SIG_ED25519,
	      90 * DAY, &f->b1);
	make_root(f->ctx, "Công an tỉnh Hải Phòng", &f->other_root);
	issue(f->ctx, &f->other_root, CRYPTO_CERT_UNIT, "thaibinh", NULL, CRYPTO_SIG_ED25519,
	      5 * YEAR, &f->other_ca);
	issue(f->ctx, &f->root, CRYPTO_CERT_DEVICE, "thaibinh", "shortlived", CRYPTO_SIG_ED25519,
	      2 * DAY, &f->shortlived);
	make_items(f);
	assert_int_equal(client_evidence_export(GROUP, f->items, 4, &f->record, &f->reclen), 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	struct held *all[] = { &f->root, &f->tb,         &f->pc02,     &f->cmd,       &f->a1,
		               &f->b1,   &f->other_root, &f->other_ca, &f->shortlived };
	size_t i;

	for (i = 0; i < ARRAY_LEN(all); i++)
		held_free(all[i]);
	for (i = 0; i < 4; i++)
		sec_free(f->content[i], f->clen[i]);
	mem_free(f->record);
	kenh_ctx_free(f->ctx);
	mem_free(f);
	return 0;
}

/* ----------------------------------------------------------------- verify */

struct seen {
	size_t n;
	char users[8][CRYPTO_PKI_MAX_USER + 1];
	enum client_content_type types[8];
	int rc[8];
};

static void on_item(void *arg, const struct client_evidence_verdict *v)
{
	struct seen *s = arg;

	assert_int_equal(v->index, s->n);
	if (s->n < 8) {
		memcpy(s->users[s->n], v->signer.user, sizeof(s->users[0]));
		s->types[s->n] = v->content.type;
		s->rc[s->n] = v->rc;
	}
	s->n++;
}

static void test_client_evidence_verify_ok(void **state)
{
	struct fx *f = *state;
	struct client_evidence_result res;
	struct seen s;

	memset(&s, 0, sizeof(s));
	assert_int_equal(client_evidence_verify(f->ctx, span_make(f->record, f->reclen),
	                                        der(&f->root), on_item, &s, &res),
	                 0);
	assert_int_equal(res.nitems, 4);
	assert_int_equal(res.bad_item, SIZE_MAX);
	assert_int_equal(s.n, 4);
	/* Directive first, then the answers by time: a1's ack, b1's ack, a1's report. */
	assert_string_equal(s.users[0], "commander");
	assert_int_equal(s.types[0], CLIENT_CONTENT_DIRECTIVE);
	assert_string_equal(s.users[1], "a1");
	assert_int_equal(s.types[1], CLIENT_CONTENT_ACK);
	assert_string_equal(s.users[2], "b1");
	assert_string_equal(s.users[3], "a1");
	assert_int_equal(s.types[3], CLIENT_CONTENT_REPORT);
}

/* Export items (after a change) and expect verification to fail at item bad, step st. */
static void expect_fail(struct fx *f, const struct client_evidence_item *items, size_t n,
                        struct kenh_span group_id, struct kenh_span root, size_t bad,
                        enum client_evidence_step st, int rc, const char *what)
{
	struct client_evidence_result res;
	uint8_t *rec = NULL;
	size_t len = 0;
	int got;

	assert_int_equal(client_evidence_export(group_id, items, n, &rec, &len), 0);
	got = client_evidence_verify(f->ctx, span_make(rec, len), root, NULL, NULL, &res);
	mem_free(rec);
	if (got == 0 || res.bad_item != bad || res.step != st || (rc != 0 && got != rc))
		fail_msg("%s: rc %d item %zu step %d", what, got, res.bad_item, res.step);
}

static void test_client_evidence_tampering(void **state)
{
	struct fx *f = *state;
	struct client_evidence_item t[4];
	uint8_t sig[CRYPTO_MAX_SIG], *other = NULL;
	struct client_content c;
	size_t bit, olen = 0;

	/* A changed report, with the signature of the original. */
	memcpy(t, f->items, sizeof(t));
	assert_int_equal(client_content_decode(t[2].content, &c), 0);
	c.u.report.percent = 100;
	c.u.report.status = CLIENT_STATUS_DONE;
	encode_content(&c, &other, &olen);
	t[2].content = span_make(other, olen);
	expect_fail(f, t, 4, GROUP, der(&f->root), 3, CLIENT_EVIDENCE_SIGNATURE, KENH_E_VERIFY,
	            "changed report");
	sec_free(other, olen);
	/* Every bit of a signature, with the receiver's check; a few through a whole record. */
	for (bit = 0; bit < 8 * f->siglen[1]; bit++) {
		struct client_signer w = signer_of(&f->a1);

		memcpy(sig, f->sig[1], f->siglen[1]);
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_equal(client_evidence_check(f->ctx, f->a1.key.sig_id,
		                                       span_make(f->a1.key.pk, f->a1.key.pklen), &w,
		                                       GROUP, f->items[1].content,
		                                       span_make(sig, f->siglen[1])),
		                 KENH_E_VERIFY);
		if (bit % 97 != 0) continue;
		memcpy(t, f->items, sizeof(t));
		t[1].sig = span_make(sig, f->siglen[1]);
		expect_fail(f, t, 4, GROUP, der(&f->root), 1, CLIENT_EVIDENCE_SIGNATURE,
		            KENH_E_VERIFY, "signature bit");
	}
	/* A truncated signature. */
	memcpy(t, f->items, sizeof(t));
	t[1].sig.len--;
	expect_fail(f, t, 4, GROUP, der(&f->root), 1, CLIENT_EVIDENCE_SIGNATURE, KENH_E_VERIFY,
	            "short signature");
	/* Another member's leaf under b1's item: its issuer is not in the chain. */
	memcpy(t, f->items, sizeof(t));
	t[3].chain[0] = der(&f->a1);
	expect_fail(f, t, 4, GROUP, der(&f->root), 2, CLIENT_EVIDENCE_CHAIN, 0, "swapped leaf");
	/* Another member's whole, valid chain: the signature is not theirs. */
	memcpy(t, f->items, sizeof(t));
	memcpy(t[3].chain, f->items[1].chain, sizeof(t[3].chain));
	t[3].nchain = f->items[1].nchain;
	expect_fail(f, t, 4, GROUP, der(&f->root), 2, CLIENT_EVIDENCE_SIGNATURE, KENH_E_VERIFY,
	            "swapped chain");
	/* A unit CA of the same name from another organization. */
	memcpy(t, f->items, sizeof(t));
	t[3].chain[1] = der(&f->other_ca);
	expect_fail(f, t, 4, GROUP, der(&f->root), 2, CLIENT_EVIDENCE_CHAIN, KENH_E_VERIFY,
	            "foreign CA");
	/* The record moved to another group: every signature covers the group id. */
	expect_fail(f, f->items, 4, S("another-group"), der(&f->root), 0, CLIENT_EVIDENCE_SIGNATURE,
	            KENH_E_VERIFY, "group id");
	/* Verified against another organization's root. */
	expect_fail(f, f->items, 4, GROUP, der(&f->other_root), 0, CLIENT_EVIDENCE_CHAIN, 0,
	            "wrong root");
}

static void test_client_evidence_links(void **state)
{
	struct fx *f = *state;
	struct client_evidence_result res;
	struct client_evidence_item t[2];
	struct codec_writer w;
	uint8_t *rec = NULL;
	size_t len = 0, mark = 0, i;

	/* The exporter refuses a record that does not start with the directive. */
	t[0] = f->items[1];
	t[1] = f->items[0];
	assert_int_equal(client_evidence_export(GROUP, t, 2, &rec, &len), KENH_E_INVALID_ARG);
	/* Written by hand, such a record fails verification at item 0, step link. */
	codec_writer_init(&w, 1u << 20, CODEC_WRITER_NORMAL);
	codec_write_bytes(&w, (const uint8_t *)"KENHEVID", 8);
	codec_write_u16(&w, 1);
	codec_write_opaque(&w, group, sizeof(group) - 1);
	codec_write_vector_begin(&w, &mark);
	for (i = 0; i < 2; i++) {
		size_t m = 0, k;

		codec_write_opaque(&w, t[i].content.p, t[i].content.len);
		codec_write_opaque(&w, t[i].sig.p, t[i].sig.len);
		codec_write_vector_begin(&w, &m);
		for (k = 0; k < t[i].nchain; k++)
			codec_write_opaque(&w, t[i].chain[k].p, t[i].chain[k].len);
		codec_write_vector_end(&w, m);
	}
	codec_write_vector_end(&w, mark);
	assert_int_equal(codec_writer_finish(&w, &rec, &len), 0);
	codec_writer_clear(&w);
	assert_int_equal(client_evidence_verify(f->ctx, span_make(rec, len), der(&f->root), NULL,
	                                        NULL, &res),
	                 KENH_E_INVALID_ARG);
	assert_int_equal(res.bad_item, 0);
	assert_int_equal(res.step, CLIENT_EVIDENCE_LINK);
	mem_free(rec);
	/* An answer to another directive. */
	{
		struct client_content c;
		struct client_evidence_item u[2];
		uint8_t *other = NULL;
		size_t olen = 0;

		assert_int_equal(client_content_decode(f->items[1].content, &c), 0);
		c.u.ack.directive_id[0] ^= 1;
		encode_content(&c, &other, &olen);
		u[0] = f->items[0];
		u[1] = f->items[1];
		u[1].content = span_make(other, olen);
		assert_int_equal(client_evidence_export(GROUP, u, 2, &rec, &len),
		                 KENH_E_INVALID_ARG);
		sec_free(other, olen);
	}
}

static void test_client_evidence_validity_at_signing_time(void **state)
{
	struct fx *f = *state;
	struct client_signer w = signer_of(&f->shortlived);
	struct client_evidence_item t[2];
	struct client_content c;
	uint8_t *late = NULL, sig[CRYPTO_MAX_SIG];
	size_t llen = 0, slen = 0;

	/* Signed while the certificate was valid: fine, whenever it is checked. */
	assert_int_equal(client_content_decode(f->items[1].content, &c), 0);
	c.sent_at = NOW + DAY / 2;
	encode_content(&c, &late, &llen);
	assert_int_equal(client_evidence_sign(f->ctx, &f->shortlived.key, &w, GROUP,
	                                      span_make(late, llen), sig, &slen),
	                 0);
	t[0] = f->items[0];
	memset(&t[1], 0, sizeof(t[1]));
	t[1].content = span_make(late, llen);
	t[1].sig = span_make(sig, slen);
	t[1].chain[0] = der(&f->shortlived);
	t[1].nchain = 1;
	{
		struct client_evidence_result res;
		uint8_t *rec = NULL;
		size_t len = 0;

		assert_int_equal(client_evidence_export(GROUP, t, 2, &rec, &len), 0);
		assert_int_equal(client_evidence_verify(f->ctx, span_make(rec, len), der(&f->root),
		                                        NULL, NULL, &res),
		                 0);
		mem_free(rec);
	}
	sec_free(late, llen);
	/* Claimed to be signed after the certificate ended: refused. */
	c.sent_at = NOW + 3 * DAY;
	encode_content(&c, &late, &llen);
	assert_int_equal(client_evidence_sign(f->ctx, &f->shortlived.key, &w, GROUP,
	                                      span_make(late, llen), sig, &slen),
	                 0);
	t[1].content = span_make(late, llen);
	t[1].sig = span_make(sig, slen);
	expect_fail(f, t, 2, GROUP, der(&f->root), 1, CLIENT_EVIDENCE_CHAIN, KENH_E_EXPIRED,
	            "expired at signing");
	sec_free(late, llen);
}

/* ------------------------------------------------------- receiver's check */

static void test_client_evidence_check(void **state)
{
	struct fx *f = *state;
	struct client_signer w = signer_of(&f->a1), x = w;
	struct kenh_span pk = span_make(f->a1.key.pk, f->a1.key.pklen);
	struct client_content c;
	uint8_t *text = NULL, sig[CRYPTO_MAX_SIG];
	size_t tlen = 0, slen = 0;

	assert_int_equal(client_evidence_check(f->ctx, f->a1.key.sig_id, pk, &w, GROUP,
	                                       f->items[1].content, f->items[1].sig),
	                 0);
	assert_int_equal(client_evidence_check(f->ctx, f->a1.key.sig_id, pk, &w, S("other"),
	                                       f->items[1].content, f->items[1].sig),
	                 KENH_E_VERIFY);
	x.user = S("a2");
	assert_int_equal(client_evidence_check(f->ctx, f->a1.key.sig_id, pk, &x, GROUP,
	                                       f->items[1].content, f->items[1].sig),
	                 KENH_E_VERIFY);
	x = w;
	x.device = S("0000000000000000");
	assert_int_equal(client_evidence_check(f->ctx, f->a1.key.sig_id, pk, &x, GROUP,
	                                       f->items[1].content, f->items[1].sig),
	                 KENH_E_VERIFY);
	assert_int_equal(client_evidence_check(f->ctx, 0x9999, pk, &w, GROUP, f->items[1].content,
	                                       f->items[1].sig),
	                 KENH_E_UNSUPPORTED);
	/* Text, files and receipts carry no evidence. */
	memset(&c, 0, sizeof(c));
	c.type = CLIENT_CONTENT_TEXT;
	c.sent_at = NOW;
	c.u.text.text = S("hello");
	encode_content(&c, &text, &tlen);
	assert_int_equal(client_evidence_sign(f->ctx, &f->a1.key, &w, GROUP, span_make(text, tlen),
	                                      sig, &slen),
	                 KENH_E_INVALID_ARG);
	assert_int_equal(slen, 0);
	sec_free(text, tlen);
	assert_false(client_content_has_evidence(CLIENT_CONTENT_RECEIPT));
	assert_true(client_content_has_evidence(CLIENT_CONTENT_REPORT));
}

static void test_client_evidence_appmsg(void **state)
{
	struct fx *f = *state;
	struct kenh_span content, sig;
	uint8_t *enc = NULL, *copy = NULL;
	size_t len = 0, n;

	assert_int_equal(client_appmsg_encode(f->items[2].content, f->items[2].sig, &enc, &len), 0);
	assert_int_equal(client_appmsg_decode(span_make(enc, len), &content, &sig), 0);
	assert_true(span_eq(content, f->items[2].content));
	assert_true(span_eq(sig, f->items[2].sig));
	for (n = 0; n < len; n++) {
		assert_int_equal(mem_dup(enc, n, &copy), 0);
		assert_int_equal(client_appmsg_decode(span_make(copy, n), &content, &sig),
		                 KENH_E_TRUNCATED);
		mem_free(copy);
	}
	sec_free(enc, len);
	/* Trailing byte, non-minimal varint, 11 prefix, signature one over its maximum. */
	{
		static const uint8_t trailing[] = { 1, 'x', 0, 0 }, nonmin[] = { 0x40, 1, 'x', 0 },
		                     eleven[] = { 0xc0, 0, 0, 1, 'x', 0 };
		uint8_t over[2 + 2 + CLIENT_EVIDENCE_MAX_SIG + 1];

		assert_int_equal(client_appmsg_decode(span_make(trailing, 4), &content, &sig),
		                 KENH_E_TRAILING);
		assert_int_equal(client_appmsg_decode(span_make(nonmin, 4), &content, &sig),
		                 KENH_E_PARSE);
		assert_int_equal(client_appmsg_decode(span_make(eleven, 6), &content, &sig),
		                 KENH_E_PARSE);
		memset(over, 0, sizeof(over));
		over[0] = 1;
		over[1] = 'x';
		over[2] = 0x41; /* 257 */
		over[3] = 0x01;
		assert_int_equal(
		        client_appmsg_decode(span_make(over, sizeof(over)), &content, &sig),
		        KENH_E_TOO_LARGE);
	}
}

/* ------------------------------------------------------------ the record */

static void test_client_evidence_export_deterministic(void **state)
{
	struct fx *f = *state;
	struct client_evidence_item t[6];
	uint8_t *rec = NULL;
	size_t len = 0;

	/* Answers in another order, one of them twice: the same record. */
	t[0] = f->items[0];
	t[1] = f->items[3];
	t[2] = f->items[2];
	t[3] = f->items[1];
	t[4] = f->items[2];
	t[5] = f->items[3];
	assert_int_equal(client_evidence_export(GROUP, t, 6, &rec, &len), 0);
	assert_true(tu_bytes_eq("record", rec, len, f->record, f->reclen));
	mem_free(rec);
}

static int decode_copy(const uint8_t *p, size_t n)
{
	struct client_evidence_record r;
	uint8_t *copy = NULL;
	int rc;

	assert_int_equal(mem_dup(p, n, &copy), 0);
	rc = client_evidence_record_decode(span_make(copy, n), &r);
	mem_free(copy);
	return rc;
}

static void test_client_evidence_record_negatives(void **state)
{
	struct fx *f = *state;
	uint8_t *buf = NULL;
	size_t n;

	assert_int_equal(decode_copy(f->record, f->reclen), 0);
	for (n = 0; n < f->reclen; n++) {
		if (decode_copy(f->record, n) != KENH_E_TRUNCATED) fail_msg("prefix %zu", n);
	}
	assert_int_equal(mem_alloc(f->reclen + 1, (void **)&buf), 0);
	memcpy(buf, f->record, f->reclen);
	buf[f->reclen] = 0;
	assert_int_equal(decode_copy(buf, f->reclen + 1), KENH_E_TRAILING);
	buf[0] ^= 1;
	assert_int_equal(decode_copy(buf, f->reclen), KENH_E_PARSE);
	buf[0] ^= 1;
	buf[9] = 2;
	assert_int_equal(decode_copy(buf, f->reclen), KENH_E_UNSUPPORTED);
	mem_free(buf);
}

/* A record written by hand: group id of glen bytes, nitems items with nchain certs each. */
static void hand_record(size_t glen, size_t nitems, size_t nchain, size_t siglen,
                        struct tu_bytes *out)
{
	static uint8_t zeros[512];
	struct codec_writer w;
	size_t mark = 0, i, k;

	codec_writer_init(&w, 4u << 20, CODEC_WRITER_NORMAL);
	codec_write_bytes(&w, (const uint8_t *)"KENHEVID", 8);
	codec_write_u16(&w, 1);
	codec_write_opaque(&w, zeros, glen);
	codec_write_vector_begin(&w, &mark);
	for (i = 0; i < nitems; i++) {
		size_t m = 0;

		codec_write_opaque(&w, zeros, 1);
		codec_write_opaque(&w, zeros, siglen);
		codec_write_vector_begin(&w, &m);
		for (k = 0; k < nchain; k++)
			codec_write_opaque(&w, zeros, 1);
		codec_write_vector_end(&w, m);
	}
	codec_write_vector_end(&w, mark);
	assert_int_equal(codec_writer_finish(&w, &out->p, &out->len), 0);
	codec_writer_clear(&w);
}

static void expect_hand(size_t glen, size_t nitems, size_t nchain, size_t siglen, int rc)
{
	struct tu_bytes b;

	hand_record(glen, nitems, nchain, siglen, &b);
	assert_int_equal(decode_copy(b.p, b.len), rc);
	tu_bytes_free(&b);
}

static void test_client_evidence_record_limits(void **state)
{
	struct tu_bytes b;

	(void)state;
	expect_hand(CLIENT_EVIDENCE_MAX_GROUP, 1, 1, 1, 0);
	expect_hand(CLIENT_EVIDENCE_MAX_GROUP + 1, 1, 1, 1, KENH_E_TOO_LARGE);
	expect_hand(4, 1, 1, CLIENT_EVIDENCE_MAX_SIG + 1, KENH_E_TOO_LARGE);
	expect_hand(4, 1, CLIENT_EVIDENCE_MAX_CHAIN, 1, 0);
	expect_hand(4, 1, CLIENT_EVIDENCE_MAX_CHAIN + 1, 1, KENH_E_TOO_LARGE);
	expect_hand(4, 1, 0, 1, KENH_E_PARSE);
	expect_hand(4, 0, 1, 1, KENH_E_PARSE);
	expect_hand(4, CLIENT_EVIDENCE_MAX_ITEMS, 1, 1, 0);
	expect_hand(4, CLIENT_EVIDENCE_MAX_ITEMS + 1, 1, 1, KENH_E_TOO_LARGE);
	/* The group id's length as a non-minimal varint, then with the 11 prefix. */
	hand_record(4, 1, 1, 1, &b);
	assert_int_equal(b.p[10], 4);
	{
		uint8_t *v = NULL;

		assert_int_equal(mem_alloc(b.len + 1, (void **)&v), 0);
		memcpy(v, b.p, 10);
		v[10] = 0x40;
		memcpy(v + 11, b.p + 10, b.len - 10);
		v[11] = 4;
		assert_int_equal(decode_copy(v, b.len + 1), KENH_E_PARSE);
		v[10] = 0xc0;
		assert_int_equal(decode_copy(v, b.len + 1), KENH_E_PARSE);
		mem_free(v);
	}
	tu_bytes_free(&b);
}

#ifdef KENH_FAULT_INJECT
static int sign_export_verify(struct fx *f)
{
	struct client_signer w = signer_of(&f->a1);
	struct client_evidence_result res;
	struct client_evidence_item t[4];
	uint8_t sig[CRYPTO_MAX_SIG], *rec = NULL;
	size_t slen = 0, len = 0;
	int rc;

	memcpy(t, f->items, sizeof(t));
	rc = client_evidence_sign(f->ctx, &f->a1.key, &w, GROUP, t[1].content, sig, &slen);
	if (rc != 0) return rc;
	t[1].sig = span_make(sig, slen);
	if ((rc = client_evidence_export(GROUP, t, 4, &rec, &len)) != 0) return rc;
	rc = client_evidence_verify(f->ctx, span_make(rec, len), der(&f->root), NULL, NULL, &res);
	mem_free(rec);
	return rc;
}

static void test_client_evidence_allocation_failures(void **state)
{
	struct fx *f = *state;
	unsigned long n;
	int rc = -1;

	for (n = 1; n < 200; n++) {
		mem_fault_set(n, 0);
		rc = sign_export_verify(f);
		if (mem_fault_hits() == 0) break;
		mem_fault_set(0, 0);
		/* A failed allocation inside a check is a failed check, never a pass. */
		assert_int_not_equal(rc, 0);
	}
	mem_fault_set(0, 0);
	assert_int_equal(rc, 0);
	assert_true(n >= 3);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_client_evidence_verify_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_evidence_tampering, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_evidence_links, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_evidence_validity_at_signing_time,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_evidence_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_evidence_appmsg, setup, teardown),
		cmocka_unit_test_setup_teardown(test_client_evidence_export_deterministic, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_client_evidence_record_negatives, setup,
		                                teardown),
		cmocka_unit_test(test_client_evidence_record_limits),
#ifdef KENH_FAULT_INJECT
		cmocka_unit_test_setup_teardown(test_client_evidence_allocation_failures, setup,
		                                teardown),
#endif
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
