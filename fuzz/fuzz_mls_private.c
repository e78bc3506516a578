/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Fuzz target for PrivateMessage decryption (lib/mls/framing_open.c,
 * RFC 9420 §6.3, STYLE R17.8), against the fixed group state of the suite
 * 1 case of mls/message-protection.json (read once from $KENH_VECTORS,
 * else ../shared/vectors, and never written afterwards; the secret trees,
 * the only state that changes, are made afresh for every input). The
 * first byte picks what the rest is:
 *
 *   0  an MLSMessage; a PrivateMessage among them is opened as received.
 *   1  a content type and a body (application data, Proposal or Commit):
 *      when the body decodes, it is signed, protected with the public API
 *      and opened, and must come back unchanged (protect/open round trip).
 *   2  a content type and a raw PrivateMessageContent plaintext, sealed
 *      by hand under the right keys for leaf 1, generation 0, so hostile
 *      plaintext reaches the decoder, the padding check and the signature.
 *   3  like 2, but the first 12 bytes are the SenderData plaintext
 *      (any leaf, any generation) and the content key is generation 0's.
 *
 * Checked every time: open returns 0 or KENH_E_DECRYPT, clears its output
 * on failure, and on success names a known sender.
 */
#include "fuzz.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "kenh/kenh.h"
#include "mls/framing.h"
#include "tu_mlsprot.h"
#include "util/mem.h"

/* The read-only fixture: loaded on the first input, kept for the process. */
struct fixture {
	struct kenh_ctx *ctx;
	struct tu_mp_case mc;
};

static const struct fixture *fixture(void)
{
	static struct fixture fx;
	static bool loaded;

	if (!loaded) {
		FUZZ_CHECK(kenh_ctx_new(&fx.ctx) == 0);
		FUZZ_CHECK(tu_mp_load_suite(fx.ctx, 1, &fx.mc));
		loaded = true;
	}
	return &fx;
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0) return false;
	return true;
}

/*
 * Open pm with a fresh receiving tree and check the contract. The result
 * goes to *keep when it is not NULL (the caller clears it), else is
 * cleared here. Returns 0 or KENH_E_DECRYPT.
 */
static int open_checked(const struct fixture *f, const struct mls_private_message *pm,
                        struct mls_private_opened *keep)
{
	struct tu_mp_case mc = f->mc; /* the epoch borrows it; nothing in it changes */
	struct mls_private_opened o;
	struct mls_framing_epoch ep;
	struct mls_secret_tree st;
	int rc;

	FUZZ_CHECK(tu_mp_epoch(f->ctx, &mc, &st, &ep) == 0);
	rc = mls_private_message_open(&ep, pm, &o);
	FUZZ_CHECK(rc == 0 || rc == KENH_E_DECRYPT);
	if (rc != 0) FUZZ_CHECK(all_zero(&o, sizeof(o)));
	if (rc == 0) {
		FUZZ_CHECK(o.ac.content.sender.leaf_index == TU_MP_SENDER_LEAF);
		FUZZ_CHECK(o.ac.content.content_type == pm->content_type);
	}
	if (keep != NULL) {
		*keep = o;
	} else {
		mls_private_opened_clear(&o);
	}
	mls_secret_tree_clear(&st);
	return rc;
}

/* The encodings of two FramedContents must be the same bytes. */
static void check_same_content(const struct mls_framed_content *x,
                               const struct mls_framed_content *y)
{
	struct codec_writer a, b;

	codec_writer_init(&a, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	codec_writer_init(&b, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	FUZZ_CHECK(mls_encode_framed_content(&a, x) == 0);
	FUZZ_CHECK(mls_encode_framed_content(&b, y) == 0);
	FUZZ_CHECK(a.len == b.len && memcmp(a.buf, b.buf, a.len) == 0);
	codec_writer_clear(&a);
	codec_writer_clear(&b);
}

/* Mode 0: the input as a received MLSMessage. */
static void fuzz_message(const struct fixture *f, const uint8_t *data, size_t size)
{
	struct mls_message m;

	if (mls_message_parse(data, size, &m) != 0) return;
	if (m.wire_format == MLS_WIRE_FORMAT_PRIVATE_MESSAGE)
		(void)open_checked(f, &m.u.private_message, NULL);
	mls_message_clear(&m);
}

/* A content type from one input byte. */
static enum mls_content_type content_type_of(uint8_t b)
{
	return (enum mls_content_type)(MLS_CONTENT_APPLICATION + b % 3);
}

/* Decode body as content of type ct from leaf 1 into fc; false if it does not decode. */
static bool decode_body(const struct fixture *f, enum mls_content_type ct, const uint8_t *body,
                        size_t len, struct mls_framed_content *fc)
{
	struct codec_reader r;
	int rc = 0;

	memset(fc, 0, sizeof(*fc));
	fc->group_id = f->mc.gc.group_id;
	fc->epoch = f->mc.epoch;
	fc->sender.sender_type = MLS_SENDER_MEMBER;
	fc->sender.leaf_index = TU_MP_SENDER_LEAF;
	fc->content_type = ct;
	codec_reader_init(&r, body, len);
	if (ct == MLS_CONTENT_APPLICATION) fc->application_data = span_make(body, len);
	if (ct == MLS_CONTENT_PROPOSAL) rc = mls_decode_proposal(&r, &fc->proposal);
	if (ct == MLS_CONTENT_COMMIT) rc = mls_decode_commit(&r, &fc->commit);
	if (ct != MLS_CONTENT_APPLICATION && rc == 0) rc = codec_reader_done(&r);
	if (rc != 0) mls_framed_content_clear(fc);
	return rc == 0;
}

/* Sign and protect ac.content with a fresh sending tree; *msg owned. */
static void protect(const struct fixture *f, struct mls_authenticated_content *ac, uint8_t **msg,
                    size_t *len)
{
	static const uint8_t tag[CRYPTO_MAX_HASH];
	struct tu_mp_case mc = f->mc;
	struct mls_framing_epoch ep;
	struct mls_secret_tree st;
	struct mls_signature sig;
	struct kenh_span sk = span_make(mc.signature_priv.p, mc.signature_priv.len);

	FUZZ_CHECK(tu_mp_epoch(f->ctx, &mc, &st, &ep) == 0);
	FUZZ_CHECK(mls_framed_content_sign(&ep, ac->wire_format, &ac->content, sk, &sig) == 0);
	ac->auth.signature = span_make(sig.bytes, sig.len);
	if (ac->content.content_type == MLS_CONTENT_COMMIT)
		ac->auth.confirmation_tag = span_make(tag, mc.cs->kdf->nh);
	FUZZ_CHECK(mls_private_message_protect(&ep, ac, NULL, msg, len) == 0);
	mls_secret_tree_clear(&st);
}

/* Mode 1: what we protect, we open, unchanged. */
static void fuzz_round_trip(const struct fixture *f, const uint8_t *data, size_t size)
{
	struct mls_authenticated_content ac;
	struct mls_private_opened o;
	struct mls_message m;
	uint8_t *msg = NULL;
	size_t len = 0;

	if (size == 0) return;
	memset(&ac, 0, sizeof(ac));
	ac.wire_format = MLS_WIRE_FORMAT_PRIVATE_MESSAGE;
	if (!decode_body(f, content_type_of(data[0]), data + 1, size - 1, &ac.content)) return;
	protect(f, &ac, &msg, &len);
	FUZZ_CHECK(mls_message_parse(msg, len, &m) == 0);
	FUZZ_CHECK(open_checked(f, &m.u.private_message, &o) == 0);
	check_same_content(&o.ac.content, &ac.content);
	mls_private_opened_clear(&o);
	mls_message_clear(&m);
	mem_free(msg);
	mls_framed_content_clear(&ac.content);
}

/* Seal pt under the key of `generation` of leaf `leaf`'s ratchet for ct into ct_out. */
static void seal_content(const struct fixture *f, const struct mls_private_message *pm,
                         uint32_t leaf, struct kenh_span pt, uint8_t *ct_out)
{
	static const struct mls_secret_tree_limits lim = { 0, 1, 1 };
	const struct crypto_suite *cs = f->mc.cs;
	struct mls_secret_tree st;
	struct mls_key_nonce kn;
	struct codec_writer aad;
	struct kenh_span a;

	FUZZ_CHECK(mls_secret_tree_init(&st, cs, f->mc.encryption_secret.p, 2, &lim) == 0);
	FUZZ_CHECK(mls_secret_tree_decrypt_key(&st, leaf,
	                                       pm->content_type == MLS_CONTENT_APPLICATION
	                                               ? MLS_RATCHET_APPLICATION
	                                               : MLS_RATCHET_HANDSHAKE,
	                                       0, &kn) == 0);
	codec_writer_init(&aad, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	FUZZ_CHECK(mls_encode_private_content_aad(&aad, pm) == 0);
	a = codec_writer_span(&aad);
	FUZZ_CHECK(crypto_aead_seal(cs->aead, kn.key, kn.key_len, kn.nonce, kn.nonce_len, a.p,
	                            a.len, pt.p, pt.len, ct_out) == 0);
	codec_writer_clear(&aad);
	mls_key_nonce_clear(&kn);
	mls_secret_tree_clear(&st);
}

/* Encrypt the sender-data plaintext sd (12 bytes) for pm into esd; returns its length. */
static size_t seal_sender_data(const struct fixture *f, const struct mls_private_message *pm,
                               struct kenh_span sd, uint8_t *esd)
{
	const struct crypto_suite *cs = f->mc.cs;
	struct mls_key_nonce kn;
	struct codec_writer aad;
	struct kenh_span a;

	FUZZ_CHECK(mls_sender_data_key_nonce(cs, f->mc.sender_data_secret.p, pm->ciphertext, &kn) ==
	           0);
	codec_writer_init(&aad, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	FUZZ_CHECK(mls_encode_sender_data_aad(&aad, pm) == 0);
	a = codec_writer_span(&aad);
	FUZZ_CHECK(crypto_aead_seal(cs->aead, kn.key, kn.key_len, kn.nonce, kn.nonce_len, a.p,
	                            a.len, sd.p, sd.len, esd) == 0);
	codec_writer_clear(&aad);
	mls_key_nonce_clear(&kn);
	return sd.len + cs->aead->nt;
}

/* Modes 2 and 3: valid encryption around a hostile plaintext (and sender data). */
static void fuzz_sealed(const struct fixture *f, bool own_sender_data, const uint8_t *data,
                        size_t size)
{
	uint8_t sd_default[12] = { 0, 0, 0, TU_MP_SENDER_LEAF, 0, 0, 0, 0, 1, 2, 3, 4 };
	struct kenh_span sd = span_make(sd_default, sizeof(sd_default));
	struct mls_private_message pm;
	uint8_t esd[sizeof(sd_default) + CRYPTO_MAX_TAG];
	void *ct = NULL;

	if (size == 0) return;
	memset(&pm, 0, sizeof(pm));
	pm.group_id = f->mc.gc.group_id;
	pm.epoch = f->mc.epoch;
	pm.content_type = content_type_of(data[0]);
	data++;
	size--;
	if (own_sender_data) {
		if (size < sizeof(sd_default)) return;
		sd = span_make(data, sizeof(sd_default));
		data += sizeof(sd_default);
		size -= sizeof(sd_default);
	}
	FUZZ_CHECK(mem_alloc(size + f->mc.cs->aead->nt, &ct) == 0);
	seal_content(f, &pm, TU_MP_SENDER_LEAF, span_make(data, size), ct);
	pm.ciphertext = span_make(ct, size + f->mc.cs->aead->nt);
	pm.encrypted_sender_data = span_make(esd, seal_sender_data(f, &pm, sd, esd));
	(void)open_checked(f, &pm, NULL);
	mem_free(ct);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct fixture *f;

	if (size == 0 || size > LIMIT_MLS_MESSAGE) return 0;
	f = fixture();
	switch (data[0] % 4) {
	case 0:
		fuzz_message(f, data + 1, size - 1);
		break;
	case 1:
		fuzz_round_trip(f, data + 1, size - 1);
		break;
	case 2:
		fuzz_sealed(f, false, data + 1, size - 1);
		break;
	default:
		fuzz_sealed(f, true, data + 1, size - 1);
		break;
	}
	return 0;
}
