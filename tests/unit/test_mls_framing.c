/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests of lib/mls/framing.h: PublicMessage (RFC 9420 §6.2),
 * PrivateMessage (§6.3), KeyPackages (§10), GroupInfo and Welcome
 * (§12.4.3). Every group state here is made up on the spot (random
 * secrets, fresh keys); the official vectors are kenh-vectors' business.
 *
 * Each negative test is built so that it passes only because of the check
 * it names: a bad signature is sent with a valid membership tag, a
 * non-zero padding with a valid AEAD tag, an over-long generation with a
 * valid key, an init_key equal to the encryption key with valid
 * signatures, and so on. Flip-each-bit tests (STYLE R17.1) cover every
 * verify function.
 */
#include "mls/framing.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "kenh/kenh.h"
#include "mls/mls_keys.h"
#include "util/mem.h"

/* ------------------------------------------------------------------------ */
/* Fixture: a four-leaf group in some epoch                                  */
/* ------------------------------------------------------------------------ */

#define N_LEAVES  4u
#define BLANK     3u /* leaf 3 is blank */
#define EXT_INDEX 0u /* the one external sender */

/* A signer: one of the members (leaves 0-2) or the external sender. */
struct signer {
	uint8_t sk[CRYPTO_MAX_SIG_SK];
	uint8_t pk[CRYPTO_MAX_SIG_PK];
};

struct fx {
	struct kenh_ctx *ctx;
	const struct crypto_suite *cs;
	struct signer member[N_LEAVES];
	struct signer external;
	uint8_t group_id[16], tree_hash[32], cth[32];
	uint8_t encryption_secret[CRYPTO_MAX_HASH];
	uint8_t sender_data_secret[CRYPTO_MAX_HASH];
	uint8_t membership_key[CRYPTO_MAX_HASH];
	struct mls_group_context gc;
	struct mls_secret_tree st_send, st_recv;
	struct mls_framing_epoch send, recv;
};

static int sender_key(void *arg, const struct mls_sender *s, struct kenh_span *key)
{
	const struct fx *f = arg;
	const struct signer *sg = NULL;

	*key = span_make(NULL, 0);
	if (s->sender_type == MLS_SENDER_MEMBER && s->leaf_index < BLANK)
		sg = &f->member[s->leaf_index];
	if (s->sender_type == MLS_SENDER_EXTERNAL && s->sender_index == EXT_INDEX)
		sg = &f->external;
	if (sg == NULL) return KENH_E_NOT_FOUND;
	*key = span_make(sg->pk, f->cs->sig->npk);
	return 0;
}

static void fx_epoch(struct fx *f, struct mls_secret_tree *st, struct mls_framing_epoch *ep)
{
	assert_int_equal(mls_secret_tree_init(st, f->cs, f->encryption_secret, N_LEAVES, NULL), 0);
	memset(ep, 0, sizeof(*ep));
	ep->ctx = f->ctx;
	ep->cs = f->cs;
	ep->gc = &f->gc;
	ep->membership_key = f->membership_key;
	ep->sender_data_secret = f->sender_data_secret;
	ep->secret_tree = st;
	ep->sender_key = sender_key;
	ep->sender_key_arg = f;
}

static void fx_init(struct kenh_ctx *ctx, uint16_t suite, struct fx *f)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	f->ctx = ctx;
	assert_non_null(f->cs = crypto_suite_get(ctx, suite));
	for (i = 0; i < N_LEAVES; i++)
		assert_int_equal(crypto_sig_keygen(f->cs->sig, f->member[i].sk, f->member[i].pk),
		                 0);
	assert_int_equal(crypto_sig_keygen(f->cs->sig, f->external.sk, f->external.pk), 0);
	assert_int_equal(crypto_random(ctx, f->group_id, sizeof(f->group_id)), 0);
	assert_int_equal(crypto_random(ctx, f->tree_hash, sizeof(f->tree_hash)), 0);
	assert_int_equal(crypto_random(ctx, f->cth, sizeof(f->cth)), 0);
	assert_int_equal(crypto_random(ctx, f->encryption_secret, f->cs->kdf->nh), 0);
	assert_int_equal(crypto_random(ctx, f->sender_data_secret, f->cs->kdf->nh), 0);
	assert_int_equal(crypto_random(ctx, f->membership_key, f->cs->kdf->nh), 0);
	f->gc.version = MLS_VERSION_MLS10;
	f->gc.cipher_suite = suite;
	f->gc.group_id = span_make(f->group_id, sizeof(f->group_id));
	f->gc.epoch = 7;
	f->gc.tree_hash = span_make(f->tree_hash, sizeof(f->tree_hash));
	f->gc.confirmed_transcript_hash = span_make(f->cth, sizeof(f->cth));
	fx_epoch(f, &f->st_send, &f->send);
	fx_epoch(f, &f->st_recv, &f->recv);
}

static void fx_clear(struct fx *f)
{
	mls_secret_tree_clear(&f->st_send);
	mls_secret_tree_clear(&f->st_recv);
	memset(f, 0, sizeof(*f));
}

static const uint8_t app_text[] = "directive 42: report by noon";
static const uint8_t ad[] = { 'a', 'd' };
static const uint8_t conf_tag[CRYPTO_MAX_HASH] = { 0xc0, 0xf1 };

/* A FramedContent of type ct from a sender (Remove of leaf 2 for proposals, empty commit). */
static void make_content(const struct fx *f, enum mls_sender_type st, uint32_t index,
                         enum mls_content_type ct, struct mls_framed_content *fc)
{
	memset(fc, 0, sizeof(*fc));
	fc->group_id = f->gc.group_id;
	fc->epoch = f->gc.epoch;
	fc->sender.sender_type = st;
	fc->sender.leaf_index = st == MLS_SENDER_MEMBER ? index : 0;
	fc->sender.sender_index = st == MLS_SENDER_EXTERNAL ? index : 0;
	fc->authenticated_data = span_make(ad, sizeof(ad));
	fc->content_type = ct;
	fc->application_data = span_make(app_text, sizeof(app_text));
	fc->proposal.proposal_type = MLS_PROPOSAL_REMOVE;
	fc->proposal.u.remove.removed = 2;
}

/* Sign fc for wire format wf with sk into sig/auth (commit: a stand-in confirmation tag). */
static void sign_fc(const struct fx *f, const struct mls_framing_epoch *ep, enum mls_wire_format wf,
                    const struct mls_framed_content *fc, const struct signer *sg,
                    struct mls_signature *sig, struct mls_framed_content_auth_data *auth)
{
	struct kenh_span sk = span_make(sg->sk, f->cs->sig->nsk);

	memset(auth, 0, sizeof(*auth));
	assert_int_equal(mls_framed_content_sign(ep, wf, fc, sk, sig), 0);
	auth->signature = span_make(sig->bytes, sig->len);
	if (fc->content_type == MLS_CONTENT_COMMIT)
		auth->confirmation_tag = span_make(conf_tag, f->cs->kdf->nh);
}

static int setup_ctx(void **state)
{
	struct kenh_ctx *ctx = NULL;

	if (kenh_ctx_new(&ctx) != 0) return -1;
	*state = ctx;
	return 0;
}

static int teardown_ctx(void **state)
{
	kenh_ctx_free(*state);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* PublicMessage                                                             */
/* ------------------------------------------------------------------------ */

/* Protect fc (member leaf 1 or the given signer) as a PublicMessage. */
static void protect_pub(struct fx *f, const struct mls_framed_content *fc, const struct signer *sg,
                        uint8_t **msg, size_t *len)
{
	struct mls_framed_content_auth_data auth;
	struct mls_signature sig;

	sign_fc(f, &f->send, MLS_WIRE_FORMAT_PUBLIC_MESSAGE, fc, sg, &sig, &auth);
	assert_int_equal(mls_public_message_protect(&f->send, fc, &auth, msg, len), 0);
}

/* Parse an MLSMessage and verify its PublicMessage; a parse failure is a rejection too. */
static int verify_pub(struct fx *f, const uint8_t *msg, size_t len)
{
	struct mls_message m;
	int rc;

	if ((rc = mls_message_parse(msg, len, &m)) != 0) return rc;
	rc = m.wire_format == MLS_WIRE_FORMAT_PUBLIC_MESSAGE
	             ? mls_public_message_verify(&f->recv, &m.u.public_message)
	             : KENH_E_PROTO;
	mls_message_clear(&m);
	return rc;
}

static void test_mls_framing_public_round_trip(void **state)
{
	static const enum mls_content_type types[] = { MLS_CONTENT_PROPOSAL, MLS_CONTENT_COMMIT };
	struct mls_framed_content fc;
	struct fx f;
	uint16_t suite;
	uint8_t *msg;
	size_t len, i;

	for (suite = 1; suite <= 3; suite++) {
		fx_init(*state, suite, &f);
		for (i = 0; i < ARRAY_LEN(types); i++) {
			make_content(&f, MLS_SENDER_MEMBER, 1, types[i], &fc);
			protect_pub(&f, &fc, &f.member[1], &msg, &len);
			assert_int_equal(verify_pub(&f, msg, len), 0);
			mem_free(msg);
		}
		/* An external sender: no membership tag, its key from external_senders. */
		make_content(&f, MLS_SENDER_EXTERNAL, EXT_INDEX, MLS_CONTENT_PROPOSAL, &fc);
		protect_pub(&f, &fc, &f.external, &msg, &len);
		assert_int_equal(verify_pub(&f, msg, len), 0);
		mem_free(msg);
		fx_clear(&f);
	}
}

/* Every single-bit change of a PublicMessage is refused (signature, tag, content). */
static void flip_each_bit_pub(struct fx *f, uint8_t *msg, size_t len)
{
	size_t bit;

	for (bit = 0; bit < 8 * len; bit++) {
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(verify_pub(f, msg, len), 0);
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(verify_pub(f, msg, len), 0);
}

static void test_mls_framing_public_flip_each_bit(void **state)
{
	struct mls_framed_content fc;
	struct fx f;
	uint8_t *msg;
	size_t len;

	fx_init(*state, 1, &f);
	/* A member's commit: membership tag, signature and confirmation tag. */
	make_content(&f, MLS_SENDER_MEMBER, 1, MLS_CONTENT_COMMIT, &fc);
	protect_pub(&f, &fc, &f.member[1], &msg, &len);
	flip_each_bit_pub(&f, msg, len);
	mem_free(msg);
	/* An external sender's proposal: the signature alone guards it. */
	make_content(&f, MLS_SENDER_EXTERNAL, EXT_INDEX, MLS_CONTENT_PROPOSAL, &fc);
	protect_pub(&f, &fc, &f.external, &msg, &len);
	flip_each_bit_pub(&f, msg, len);
	mem_free(msg);
	fx_clear(&f);
}

/* A bad signature under a valid membership tag: only the signature check refuses it. */
static void test_mls_framing_public_bad_signature_valid_tag(void **state)
{
	struct mls_framed_content_auth_data auth;
	struct mls_framed_content fc;
	struct mls_signature sig;
	struct fx f;
	uint8_t *msg;
	size_t len;

	fx_init(*state, 1, &f);
	make_content(&f, MLS_SENDER_MEMBER, 1, MLS_CONTENT_PROPOSAL, &fc);
	sign_fc(&f, &f.send, MLS_WIRE_FORMAT_PUBLIC_MESSAGE, &fc, &f.member[1], &sig, &auth);
	sig.bytes[sig.len / 2] ^= 0x10;
	assert_int_equal(mls_public_message_protect(&f.send, &fc, &auth, &msg, &len), 0);
	assert_int_equal(verify_pub(&f, msg, len), KENH_E_VERIFY);
	mem_free(msg);
	/* Signed by another member's key (leaf 2) while claiming leaf 1. */
	sign_fc(&f, &f.send, MLS_WIRE_FORMAT_PUBLIC_MESSAGE, &fc, &f.member[2], &sig, &auth);
	assert_int_equal(mls_public_message_protect(&f.send, &fc, &auth, &msg, &len), 0);
	assert_int_equal(verify_pub(&f, msg, len), KENH_E_VERIFY);
	mem_free(msg);
	/* Signed for the wrong wire format. */
	sign_fc(&f, &f.send, MLS_WIRE_FORMAT_PRIVATE_MESSAGE, &fc, &f.member[1], &sig, &auth);
	assert_int_equal(mls_public_message_protect(&f.send, &fc, &auth, &msg, &len), 0);
	assert_int_equal(verify_pub(&f, msg, len), KENH_E_VERIFY);
	mem_free(msg);
	fx_clear(&f);
}

/* A valid signature under a wrong membership key: only the tag check refuses it. */
static void test_mls_framing_public_bad_membership_tag(void **state)
{
	struct mls_framed_content fc;
	struct fx f;
	uint8_t *msg;
	size_t len;

	fx_init(*state, 1, &f);
	make_content(&f, MLS_SENDER_MEMBER, 1, MLS_CONTENT_PROPOSAL, &fc);
	f.membership_key[0] ^= 1; /* the sender uses another epoch's key */
	protect_pub(&f, &fc, &f.member[1], &msg, &len);
	f.membership_key[0] ^= 1;
	assert_int_equal(verify_pub(&f, msg, len), KENH_E_VERIFY);
	mem_free(msg);
	fx_clear(&f);
}

/* RFC 9420 §6: application data MUST NOT be a PublicMessage, either way. */
static void test_mls_framing_public_application_rejected(void **state)
{
	struct mls_framed_content_auth_data auth;
	struct mls_framed_content fc;
	struct mls_public_message pm;
	struct mls_signature sig;
	struct fx f;
	uint8_t *msg = NULL;
	size_t len = 0;

	fx_init(*state, 1, &f);
	make_content(&f, MLS_SENDER_MEMBER, 1, MLS_CONTENT_APPLICATION, &fc);
	sign_fc(&f, &f.send, MLS_WIRE_FORMAT_PUBLIC_MESSAGE, &fc, &f.member[1], &sig, &auth);
	assert_int_equal(mls_public_message_protect(&f.send, &fc, &auth, &msg, &len), KENH_E_PROTO);
	assert_null(msg);
	memset(&pm, 0, sizeof(pm));
	pm.content = fc;
	pm.auth = auth;
	assert_int_equal(mls_public_message_verify(&f.recv, &pm), KENH_E_PROTO);
	fx_clear(&f);
}

/* §6.1, §12.1.8: what each sender type may send. */
static void test_mls_framing_sender_rules(void **state)
{
	struct mls_framed_content fc;
	struct fx f;

	fx_init(*state, 1, &f);
	make_content(&f, MLS_SENDER_EXTERNAL, EXT_INDEX, MLS_CONTENT_PROPOSAL, &fc);
	assert_int_equal(mls_framed_content_check_sender(&fc), 0);
	fc.proposal.proposal_type = MLS_PROPOSAL_UPDATE;
	assert_int_equal(mls_framed_content_check_sender(&fc), KENH_E_PROTO);
	fc.proposal.proposal_type = MLS_PROPOSAL_EXTERNAL_INIT;
	assert_int_equal(mls_framed_content_check_sender(&fc), KENH_E_PROTO);
	make_content(&f, MLS_SENDER_EXTERNAL, EXT_INDEX, MLS_CONTENT_COMMIT, &fc);
	assert_int_equal(mls_framed_content_check_sender(&fc), KENH_E_PROTO);
	make_content(&f, MLS_SENDER_NEW_MEMBER_PROPOSAL, 0, MLS_CONTENT_PROPOSAL, &fc);
	assert_int_equal(mls_framed_content_check_sender(&fc), KENH_E_PROTO); /* a Remove */
	fc.proposal.proposal_type = MLS_PROPOSAL_ADD;
	assert_int_equal(mls_framed_content_check_sender(&fc), 0);
	make_content(&f, MLS_SENDER_NEW_MEMBER_COMMIT, 0, MLS_CONTENT_COMMIT, &fc);
	assert_int_equal(mls_framed_content_check_sender(&fc), KENH_E_PROTO); /* no path */
	fc.commit.has_path = true;
	assert_int_equal(mls_framed_content_check_sender(&fc), 0);
	make_content(&f, MLS_SENDER_NEW_MEMBER_COMMIT, 0, MLS_CONTENT_PROPOSAL, &fc);
	assert_int_equal(mls_framed_content_check_sender(&fc), KENH_E_PROTO);
	fx_clear(&f);
}

/* Another epoch's or group's message is refused before any cryptography. */
static void test_mls_framing_public_wrong_epoch(void **state)
{
	struct mls_framed_content fc;
	struct fx f;
	uint8_t *msg;
	size_t len;

	fx_init(*state, 1, &f);
	make_content(&f, MLS_SENDER_MEMBER, 1, MLS_CONTENT_PROPOSAL, &fc);
	protect_pub(&f, &fc, &f.member[1], &msg, &len);
	f.gc.epoch++;
	assert_int_equal(verify_pub(&f, msg, len), KENH_E_STATE);
	f.gc.epoch--;
	f.group_id[0] ^= 1;
	assert_int_equal(verify_pub(&f, msg, len), KENH_E_STATE);
	f.group_id[0] ^= 1;
	assert_int_equal(verify_pub(&f, msg, len), 0);
	mem_free(msg);
	fx_clear(&f);
}

/* ------------------------------------------------------------------------ */
/* PrivateMessage                                                            */
/* ------------------------------------------------------------------------ */

static void protect_priv(struct fx *f, const struct mls_framed_content *fc, size_t pad_block,
                         uint8_t **msg, size_t *len)
{
	struct mls_private_options opt = { pad_block };
	struct mls_authenticated_content ac;
	struct mls_signature sig;

	memset(&ac, 0, sizeof(ac));
	ac.wire_format = MLS_WIRE_FORMAT_PRIVATE_MESSAGE;
	ac.content = *fc;
	sign_fc(f, &f->send, ac.wire_format, fc, &f->member[fc->sender.leaf_index], &sig, &ac.auth);
	assert_int_equal(mls_private_message_protect(&f->send, &ac, &opt, msg, len), 0);
}

/* Parse and open; on failure the output must be all zero. */
static int open_priv(struct fx *f, const uint8_t *msg, size_t len, struct mls_private_opened *o)
{
	static const struct mls_private_opened zero;
	struct mls_message m;
	int rc;

	memset(o, 0xa5, sizeof(*o));
	if ((rc = mls_message_parse(msg, len, &m)) != 0) {
		memset(o, 0, sizeof(*o));
		return rc;
	}
	rc = m.wire_format == MLS_WIRE_FORMAT_PRIVATE_MESSAGE
	             ? mls_private_message_open(&f->recv, &m.u.private_message, o)
	             : KENH_E_PROTO;
	if (rc != 0) assert_memory_equal(o, &zero, sizeof(zero));
	mls_message_clear(&m);
	return rc;
}

static void test_mls_framing_private_round_trip(void **state)
{
	static const enum mls_content_type types[] = { MLS_CONTENT_APPLICATION,
		                                       MLS_CONTENT_PROPOSAL, MLS_CONTENT_COMMIT };
	struct mls_private_opened o;
	struct mls_framed_content fc;
	struct fx f;
	uint16_t suite;
	uint8_t *msg;
	size_t len, i;

	for (suite = 1; suite <= 3; suite++) {
		fx_init(*state, suite, &f);
		for (i = 0; i < 3 * ARRAY_LEN(types); i++) {
			make_content(&f, MLS_SENDER_MEMBER, (uint32_t)(i % 3), types[i % 3], &fc);
			protect_priv(&f, &fc, i * 16, &msg, &len);
			assert_int_equal(open_priv(&f, msg, len, &o), 0);
			assert_int_equal(o.ac.content.sender.leaf_index, i % 3);
			assert_int_equal(o.ac.content.content_type, types[i % 3]);
			assert_int_equal(o.generation, i / 3);
			if (i % 3 == 0)
				assert_memory_equal(o.ac.content.application_data.p, app_text,
				                    sizeof(app_text));
			if (i % 3 == 1) assert_int_equal(o.ac.content.proposal.u.remove.removed, 2);
			mls_private_opened_clear(&o);
			mem_free(msg);
		}
		fx_clear(&f);
	}
}

/* Padding fills the plaintext to a multiple of the block. */
static void test_mls_framing_private_padding_lengths(void **state)
{
	struct mls_private_opened o;
	struct mls_framed_content fc;
	struct mls_message m;
	struct fx f;
	uint8_t *msg;
	size_t len, block;

	fx_init(*state, 1, &f);
	make_content(&f, MLS_SENDER_MEMBER, 1, MLS_CONTENT_APPLICATION, &fc);
	for (block = 0; block <= 256; block += 64) {
		protect_priv(&f, &fc, block, &msg, &len);
		assert_int_equal(mls_message_parse(msg, len, &m), 0);
		if (block > 1)
			assert_int_equal(
			        (m.u.private_message.ciphertext.len - f.cs->aead->nt) % block, 0);
		mls_message_clear(&m);
		assert_int_equal(open_priv(&f, msg, len, &o), 0);
		mls_private_opened_clear(&o);
		mem_free(msg);
	}
	fx_clear(&f);
}

/*
 * Every single-bit change of a PrivateMessage is refused: by the MLSMessage
 * decoder (lengths, enums), or else by open with the one code
 * KENH_E_DECRYPT, whatever the field (group_id, epoch, content type,
 * authenticated data, sender data, ciphertext).
 */
static void test_mls_framing_private_flip_each_bit(void **state)
{
	struct mls_private_opened o;
	struct mls_framed_content fc;
	struct mls_message m;
	struct fx f;
	uint8_t *msg;
	size_t len, bit, opened = 0;

	fx_init(*state, 1, &f);
	make_content(&f, MLS_SENDER_MEMBER, 1, MLS_CONTENT_APPLICATION, &fc);
	protect_priv(&f, &fc, 0, &msg, &len);
	for (bit = 0; bit < 8 * len; bit++) {
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (mls_message_parse(msg, len, &m) == 0) {
			if (m.wire_format == MLS_WIRE_FORMAT_PRIVATE_MESSAGE) {
				opened++;
				assert_int_equal(open_priv(&f, msg, len, &o), KENH_E_DECRYPT);
			}
			mls_message_clear(&m);
		}
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	/* Most flips reach decryption: only length prefixes and enums fail to parse. */
	assert_true(opened > 6 * len);
	assert_int_equal(open_priv(&f, msg, len, &o), 0);
	mls_private_opened_clear(&o);
	mem_free(msg);
	fx_clear(&f);
}

/* §9.2: a generation's key decrypts once; the same message again is refused. */
static void test_mls_framing_private_replay_rejected(void **state)
{
	struct mls_private_opened o;
	struct mls_framed_content fc;
	struct fx f;
	uint8_t *msg, *msg2;
	size_t len, len2;

	fx_init(*state, 1, &f);
	make_content(&f, MLS_SENDER_MEMBER, 1, MLS_CONTENT_APPLICATION, &fc);
	protect_priv(&f, &fc, 0, &msg, &len);
	protect_priv(&f, &fc, 0, &msg2, &len2);
	/* Out of order: generation 1 first, then 0, then both again. */
	assert_int_equal(open_priv(&f, msg2, len2, &o), 0);
	mls_private_opened_clear(&o);
	assert_int_equal(open_priv(&f, msg, len, &o), 0);
	mls_private_opened_clear(&o);
	assert_int_equal(open_priv(&f, msg, len, &o), KENH_E_DECRYPT);
	assert_int_equal(open_priv(&f, msg2, len2, &o), KENH_E_DECRYPT);
	mem_free(msg);
	mem_free(msg2);
	fx_clear(&f);
}

/*
 * A PrivateMessage made by hand (not through mls_private_message_protect),
 * so tests can encrypt what the API refuses to produce: a given plaintext
 * from a given leaf and generation, with valid AEAD tags. The key comes
 * from a sender tree whose window is wide enough for any generation.
 */
struct raw_msg {
	uint32_t leaf;
	uint32_t generation;
	enum mls_content_type type;
	struct kenh_span plaintext;
};

static void seal_raw_content(struct fx *f, const struct raw_msg *rm,
                             const struct mls_private_message *pm, uint8_t *ct)
{
	static const struct mls_secret_tree_limits wide = { 1u << 20, 4, 8 };
	struct mls_secret_tree st;
	struct mls_key_nonce kn;
	struct codec_writer aad;

	assert_int_equal(mls_secret_tree_init(&st, f->cs, f->encryption_secret, N_LEAVES, &wide),
	                 0);
	assert_int_equal(mls_secret_tree_decrypt_key(&st, rm->leaf,
	                                             rm->type == MLS_CONTENT_APPLICATION
	                                                     ? MLS_RATCHET_APPLICATION
	                                                     : MLS_RATCHET_HANDSHAKE,
	                                             rm->generation, &kn),
	                 0);
	codec_writer_init(&aad, 1024, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_private_content_aad(&aad, pm), 0);
	assert_int_equal(crypto_aead_seal(f->cs->aead, kn.key, kn.key_len, kn.nonce, kn.nonce_len,
	                                  aad.buf, aad.len, rm->plaintext.p, rm->plaintext.len, ct),
	                 0);
	codec_writer_clear(&aad);
	mls_key_nonce_clear(&kn);
	mls_secret_tree_clear(&st);
}

static void seal_raw(struct fx *f, const struct raw_msg *rm, uint8_t **msg, size_t *len)
{
	struct mls_sender_data sd = { rm->leaf, rm->generation, { 0, 0, 0, 0 } };
	uint8_t ct[1024], esd[64];
	struct codec_writer aad, sdw;
	struct mls_key_nonce kn;
	struct mls_message m;

	memset(&m, 0, sizeof(m));
	m.version = MLS_VERSION_MLS10;
	m.wire_format = MLS_WIRE_FORMAT_PRIVATE_MESSAGE;
	m.u.private_message.group_id = f->gc.group_id;
	m.u.private_message.epoch = f->gc.epoch;
	m.u.private_message.content_type = rm->type;
	m.u.private_message.authenticated_data = span_make(ad, sizeof(ad)); /* as make_content */
	assert_true(rm->plaintext.len + f->cs->aead->nt <= sizeof(ct));
	seal_raw_content(f, rm, &m.u.private_message, ct);
	m.u.private_message.ciphertext = span_make(ct, rm->plaintext.len + f->cs->aead->nt);
	assert_int_equal(mls_sender_data_key_nonce(f->cs, f->sender_data_secret,
	                                           m.u.private_message.ciphertext, &kn),
	                 0);
	codec_writer_init(&aad, 1024, CODEC_WRITER_NORMAL);
	codec_writer_init(&sdw, 1024, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_sender_data_aad(&aad, &m.u.private_message), 0);
	assert_int_equal(mls_encode_sender_data(&sdw, &sd), 0);
	assert_int_equal(crypto_aead_seal(f->cs->aead, kn.key, kn.key_len, kn.nonce, kn.nonce_len,
	                                  aad.buf, aad.len, sdw.buf, sdw.len, esd),
	                 0);
	m.u.private_message.encrypted_sender_data = span_make(esd, sdw.len + f->cs->aead->nt);
	codec_writer_clear(&aad);
	codec_writer_clear(&sdw);
	mls_key_nonce_clear(&kn);
	codec_writer_init(&aad, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_message(&aad, &m), 0);
	assert_int_equal(codec_writer_finish(&aad, msg, len), 0);
	codec_writer_clear(&aad);
}

/* A signed PrivateMessageContent of fc for wire format private, padded by pad bytes. */
static void make_plaintext(struct fx *f, const struct mls_framed_content *fc,
                           const struct signer *sg, size_t pad, struct codec_writer *w)
{
	struct mls_private_message_content pmc;
	struct mls_signature sig;

	memset(&pmc, 0, sizeof(pmc));
	pmc.content_type = fc->content_type;
	pmc.application_data = fc->application_data;
	pmc.proposal = fc->proposal;
	pmc.commit = fc->commit;
	sign_fc(f, &f->send, MLS_WIRE_FORMAT_PRIVATE_MESSAGE, fc, sg, &sig, &pmc.auth);
	pmc.padding_len = pad;
	codec_writer_init(w, 4096, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_private_message_content(w, &pmc), 0);
}

/* Seal rm by hand and open it with the receiving epoch. */
static int open_raw(struct fx *f, const struct raw_msg *rm)
{
	struct mls_private_opened o;
	uint8_t *msg;
	size_t len;
	int rc;

	seal_raw(f, rm, &msg, &len);
	rc = open_priv(f, msg, len, &o);
	mls_private_opened_clear(&o);
	mem_free(msg);
	return rc;
}

/* The hand-made path works: a correct message opens (so the tests below test one thing). */
static void test_mls_framing_private_raw_control(void **state)
{
	struct mls_framed_content fc;
	struct codec_writer w;
	struct raw_msg rm;
	struct fx f;

	fx_init(*state, 1, &f);
	make_content(&f, MLS_SENDER_MEMBER, 1, MLS_CONTENT_APPLICATION, &fc);
	make_plaintext(&f, &fc, &f.member[1], 5, &w);
	rm = (struct raw_msg){ 1, 0, MLS_CONTENT_APPLICATION, codec_writer_span(&w) };
	assert_int_equal(open_raw(&f, &rm), 0);
	codec_writer_clear(&w);
	fx_clear(&f);
}

/* §6.3.1: padding MUST be all zero; a 1 anywhere in it is refused. */
static void test_mls_framing_private_nonzero_padding(void **state)
{
	struct mls_framed_content fc;
	struct codec_writer w;
	struct raw_msg rm;
	struct fx f;
	size_t i;

	fx_init(*state, 1, &f);
	make_content(&f, MLS_SENDER_MEMBER, 1, MLS_CONTENT_APPLICATION, &fc);
	make_plaintext(&f, &fc, &f.member[1], 8, &w);
	for (i = 1; i <= 8; i++) {
		w.buf[w.len - i] = 0x01;
		rm = (struct raw_msg){ 1, (uint32_t)i, MLS_CONTENT_APPLICATION,
			               codec_writer_span(&w) };
		assert_int_equal(open_raw(&f, &rm), KENH_E_DECRYPT);
		w.buf[w.len - i] = 0;
	}
	rm.generation = 0;
	assert_int_equal(open_raw(&f, &rm), 0);
	codec_writer_clear(&w);
	fx_clear(&f);
}

/*
 * A bad signature inside a valid AEAD is refused, and does not burn the
 * generation's key: the genuine message of that generation still opens.
 */
static void test_mls_framing_private_bad_signature(void **state)
{
	struct mls_framed_content fc;
	struct codec_writer w;
	struct raw_msg rm;
	struct fx f;

	fx_init(*state, 1, &f);
	make_content(&f, MLS_SENDER_MEMBER, 1, MLS_CONTENT_APPLICATION, &fc);
	make_plaintext(&f, &fc, &f.member[2], 0, &w); /* signed by leaf 2's key */
	rm = (struct raw_msg){ 1, 0, MLS_CONTENT_APPLICATION, codec_writer_span(&w) };
	assert_int_equal(open_raw(&f, &rm), KENH_E_DECRYPT);
	codec_writer_clear(&w);
	make_plaintext(&f, &fc, &f.member[1], 0, &w);
	rm.plaintext = codec_writer_span(&w);
	assert_int_equal(open_raw(&f, &rm), 0);
	codec_writer_clear(&w);
	fx_clear(&f);
}

/* §6.3.2: the sender data must name a non-blank leaf inside the tree. */
static void test_mls_framing_private_unknown_sender(void **state)
{
	struct mls_framed_content fc;
	struct codec_writer w;
	struct raw_msg rm;
	struct fx f;
	size_t stored;

	fx_init(*state, 1, &f);
	make_content(&f, MLS_SENDER_MEMBER, BLANK, MLS_CONTENT_APPLICATION, &fc);
	make_plaintext(&f, &fc, &f.member[BLANK], 0, &w);
	rm = (struct raw_msg){ BLANK, 0, MLS_CONTENT_APPLICATION, codec_writer_span(&w) };
	stored = mls_secret_tree_stored(&f.st_recv);
	assert_int_equal(open_raw(&f, &rm), KENH_E_DECRYPT);
	/* Refused before the secret tree derived anything for that leaf. */
	assert_int_equal(mls_secret_tree_stored(&f.st_recv), stored);
	codec_writer_clear(&w);
	fx_clear(&f);
}

/* §15.3: a generation too far ahead is refused without ratcheting; inside the window it opens. */
static void test_mls_framing_private_generation_window(void **state)
{
	struct mls_framed_content fc;
	struct codec_writer w;
	struct raw_msg rm;
	struct fx f;

	fx_init(*state, 1, &f);
	make_content(&f, MLS_SENDER_MEMBER, 1, MLS_CONTENT_APPLICATION, &fc);
	make_plaintext(&f, &fc, &f.member[1], 0, &w);
	rm = (struct raw_msg){ 1, MLS_ST_DEFAULT_MAX_FORWARD + 1, MLS_CONTENT_APPLICATION,
		               codec_writer_span(&w) };
	assert_int_equal(open_raw(&f, &rm), KENH_E_DECRYPT);
	rm.generation = MLS_ST_DEFAULT_MAX_FORWARD;
	assert_int_equal(open_raw(&f, &rm), 0);
	codec_writer_clear(&w);
	fx_clear(&f);
}

/* A PrivateMessage of another epoch cannot be opened with this one's keys. */
static void test_mls_framing_private_wrong_epoch(void **state)
{
	struct mls_private_opened o;
	struct mls_framed_content fc;
	struct fx f;
	uint8_t *msg;
	size_t len;

	fx_init(*state, 1, &f);
	make_content(&f, MLS_SENDER_MEMBER, 1, MLS_CONTENT_APPLICATION, &fc);
	protect_priv(&f, &fc, 0, &msg, &len);
	f.gc.epoch++;
	assert_int_equal(open_priv(&f, msg, len, &o), KENH_E_DECRYPT);
	f.gc.epoch--;
	assert_int_equal(open_priv(&f, msg, len, &o), 0);
	mls_private_opened_clear(&o);
	mem_free(msg);
	fx_clear(&f);
}

/*
 * framing.h: an epoch without its GroupContext is the caller's mistake,
 * KENH_E_INVALID_ARG like the other missing fields, not a message that
 * failed to decrypt.
 */
static void test_mls_framing_private_open_missing_group_context(void **state)
{
	struct mls_private_opened o;
	struct mls_framed_content fc;
	struct fx f;
	uint8_t *msg;
	size_t len;

	fx_init(*state, 1, &f);
	make_content(&f, MLS_SENDER_MEMBER, 1, MLS_CONTENT_APPLICATION, &fc);
	protect_priv(&f, &fc, 0, &msg, &len);
	f.recv.gc = NULL;
	assert_int_equal(open_priv(&f, msg, len, &o), KENH_E_INVALID_ARG);
	f.recv.gc = &f.gc;
	assert_int_equal(open_priv(&f, msg, len, &o), 0);
	mls_private_opened_clear(&o);
	mem_free(msg);
	fx_clear(&f);
}

/* §6.3.2: only members send PrivateMessages. */
static void test_mls_framing_private_member_only(void **state)
{
	struct mls_authenticated_content ac;
	struct fx f;
	uint8_t *msg = NULL;
	size_t len = 0;

	fx_init(*state, 1, &f);
	memset(&ac, 0, sizeof(ac));
	ac.wire_format = MLS_WIRE_FORMAT_PRIVATE_MESSAGE;
	make_content(&f, MLS_SENDER_EXTERNAL, EXT_INDEX, MLS_CONTENT_PROPOSAL, &ac.content);
	assert_int_equal(mls_private_message_protect(&f.send, &ac, NULL, &msg, &len), KENH_E_PROTO);
	assert_null(msg);
	fx_clear(&f);
}

#ifdef KENH_FAULT_INJECT
/*
 * R5.3 for plaintext: a byte string that must never reach the allocator
 * unwiped (mem_free, or a mem_grow that moves it). The watch of mem.h sees
 * every such block; sec_free'd blocks are wiped before release and never
 * shown. 48 bytes no encoder produces by chance.
 */
static const uint8_t plain_marker[48] = "application plaintext that must be wiped on free";

struct release_scan {
	const uint8_t *needle;
	size_t len;
	size_t found;
};

static void scan_release(void *arg, const void *p, size_t n)
{
	struct release_scan *s = arg;
	const uint8_t *b = p;
	size_t i;

	for (i = 0; n >= s->len && i <= n - s->len; i++)
		if (memcmp(b + i, s->needle, s->len) == 0) {
			s->found++;
			return;
		}
}

/*
 * The application data of a PrivateMessage is signed over FramedContentTBS
 * (RFC 9420 §6.1) on both sides; no copy of it may be freed unwiped, by the
 * sender (signing) or by the recipient (verifying after decryption).
 */
static void test_mls_framing_private_plaintext_wiped_before_free(void **state)
{
	struct release_scan scan = { plain_marker, sizeof(plain_marker), 0 };
	struct mls_private_opened o;
	struct mls_framed_content fc;
	struct fx f;
	uint16_t suite;
	uint8_t *msg;
	size_t len;

	for (suite = 1; suite <= 3; suite++) {
		fx_init(*state, suite, &f);
		make_content(&f, MLS_SENDER_MEMBER, 1, MLS_CONTENT_APPLICATION, &fc);
		fc.application_data = span_make(plain_marker, sizeof(plain_marker));
		mem_release_watch(scan_release, &scan);
		protect_priv(&f, &fc, 0, &msg, &len);
		assert_int_equal(open_priv(&f, msg, len, &o), 0);
		assert_memory_equal(o.ac.content.application_data.p, plain_marker,
		                    sizeof(plain_marker));
		mls_private_opened_clear(&o);
		mem_release_watch(NULL, NULL);
		assert_int_equal(scan.found, 0);
		mem_free(msg);
		fx_clear(&f);
	}
}
#endif

/* ------------------------------------------------------------------------ */
/* KeyPackage                                                                */
/* ------------------------------------------------------------------------ */

#define NOT_BEFORE 1700000000u
#define NOT_AFTER  1800000000u

/* A KeyPackage of f's suite signed by sg, checked against max_lifetime; *kp_bytes owned. */
static int build_kp_max(struct fx *f, const struct signer *sg, uint64_t max_lifetime,
                        struct mls_key_package_keys *keys, uint8_t **kp_bytes, size_t *kp_len)
{
	struct mls_key_package_build_args a;
	struct mls_credential cred;
	struct mls_capabilities caps;
	struct mls_extension ext = { 0xf000, { (const uint8_t *)"x", 1 } };
	struct mls_extension_list exts = { &ext, 1 };
	uint16_t suite = f->cs->id, version = MLS_VERSION_MLS10, credential = MLS_CREDENTIAL_BASIC;
	uint16_t extensions[] = { 0x0a0a, 0xf000 }; /* a GREASE value and our extension */

	memset(&cred, 0, sizeof(cred));
	cred.credential_type = MLS_CREDENTIAL_BASIC;
	cred.identity = span_make((const uint8_t *)"officer-7", 9);
	memset(&caps, 0, sizeof(caps));
	caps.versions = (struct mls_u16_list){ &version, 1 };
	caps.cipher_suites = (struct mls_u16_list){ &suite, 1 };
	caps.credentials = (struct mls_u16_list){ &credential, 1 };
	caps.extensions = (struct mls_u16_list){ extensions, ARRAY_LEN(extensions) };
	memset(&a, 0, sizeof(a));
	a.ctx = f->ctx;
	a.cs = f->cs;
	a.sig_sk = span_make(sg->sk, f->cs->sig->nsk);
	a.sig_pk = span_make(sg->pk, f->cs->sig->npk);
	a.credential = &cred;
	a.capabilities = &caps;
	a.lifetime = (struct mls_lifetime){ NOT_BEFORE, NOT_AFTER };
	a.max_lifetime = max_lifetime;
	a.extensions = &exts;
	return mls_key_package_build(&a, keys, kp_bytes, kp_len);
}

static int build_kp_rc(struct fx *f, const struct signer *sg, struct mls_key_package_keys *keys,
                       uint8_t **kp_bytes, size_t *kp_len)
{
	return build_kp_max(f, sg, NOT_AFTER - NOT_BEFORE, keys, kp_bytes, kp_len);
}

static void build_kp(struct fx *f, const struct signer *sg, struct mls_key_package_keys *keys,
                     uint8_t **kp_bytes, size_t *kp_len)
{
	assert_int_equal(build_kp_rc(f, sg, keys, kp_bytes, kp_len), 0);
}

static struct mls_key_package_policy policy(const struct fx *f, uint64_t now)
{
	struct mls_key_package_policy p;

	memset(&p, 0, sizeof(p));
	p.version = MLS_VERSION_MLS10;
	p.cipher_suite = f->cs->id;
	p.now = now;
	p.max_lifetime = NOT_AFTER - NOT_BEFORE;
	return p;
}

static int validate_bytes(struct fx *f, const uint8_t *p, size_t len, uint64_t now)
{
	struct mls_key_package_policy pol = policy(f, now);
	struct mls_key_package kp;
	struct codec_reader r;
	int rc;

	codec_reader_init(&r, p, len);
	if ((rc = mls_decode_key_package(&r, &kp)) != 0) return rc;
	if ((rc = codec_reader_done(&r)) == 0) rc = mls_key_package_validate(f->ctx, &kp, &pol);
	mls_key_package_clear(&kp);
	return rc;
}

static void test_mls_framing_key_package_build_validate(void **state)
{
	struct mls_key_package_keys keys;
	uint8_t ref[CRYPTO_MAX_HASH], ref2[CRYPTO_MAX_HASH], pk[CRYPTO_MAX_KEM_PK];
	struct mls_key_package kp;
	struct codec_reader r;
	struct fx f;
	uint16_t suite;
	uint8_t *p;
	size_t len, reflen;

	for (suite = 1; suite <= 3; suite++) {
		fx_init(*state, suite, &f);
		build_kp(&f, &f.member[0], &keys, &p, &len);
		assert_int_equal(validate_bytes(&f, p, len, NOT_BEFORE + 1000), 0);
		/* The private keys are those of init_key and encryption_key. */
		codec_reader_init(&r, p, len);
		assert_int_equal(mls_decode_key_package(&r, &kp), 0);
		assert_int_equal(crypto_kem_pk_from_sk(f.cs->kem, keys.init_sk, pk), 0);
		assert_memory_equal(pk, kp.init_key.p, f.cs->kem->npk);
		assert_int_equal(crypto_kem_pk_from_sk(f.cs->kem, keys.encryption_sk, pk), 0);
		assert_memory_equal(pk, kp.leaf_node.encryption_key.p, f.cs->kem->npk);
		mls_key_package_clear(&kp);
		/* KeyPackageRef: MakeKeyPackageRef with the package's own suite. */
		assert_int_equal(mls_key_package_ref(f.ctx, span_make(p, len), ref, &reflen), 0);
		assert_int_equal(reflen, f.cs->kdf->nh);
		assert_int_equal(mls_make_key_package_ref(f.cs, span_make(p, len), ref2), 0);
		assert_memory_equal(ref, ref2, reflen);
		assert_int_equal(mls_key_package_ref(f.ctx, span_make(p, 3), ref, &reflen),
		                 KENH_E_TRUNCATED);
		mls_key_package_keys_clear(&keys);
		mem_free(p);
		fx_clear(&f);
	}
}

/* The injected clock decides: outside [not_before, not_after] is KENH_E_EXPIRED. */
static void test_mls_framing_key_package_lifetime(void **state)
{
	struct mls_key_package_keys keys;
	struct fx f;
	uint8_t *p;
	size_t len;

	fx_init(*state, 1, &f);
	build_kp(&f, &f.member[0], &keys, &p, &len);
	assert_int_equal(validate_bytes(&f, p, len, NOT_BEFORE), 0);
	assert_int_equal(validate_bytes(&f, p, len, NOT_AFTER), 0);
	assert_int_equal(validate_bytes(&f, p, len, NOT_AFTER + 1), KENH_E_EXPIRED);
	assert_int_equal(validate_bytes(&f, p, len, NOT_BEFORE - 1), KENH_E_EXPIRED);
	assert_int_equal(validate_bytes(&f, p, len, 0), KENH_E_EXPIRED);
	mls_key_package_keys_clear(&keys);
	mem_free(p);
	fx_clear(&f);
}

/*
 * Re-sign a decoded KeyPackage (after a test changed it) with sg's key;
 * damage_leaf spoils the LeafNode signature before the KeyPackage is
 * signed over it, so only the LeafNode check can catch it.
 */
static void resign_kp(struct fx *f, struct mls_key_package *kp, const struct signer *sg,
                      bool damage_leaf, struct mls_signature *leaf_sig,
                      struct mls_signature *kp_sig)
{
	struct kenh_span sk = span_make(sg->sk, f->cs->sig->nsk);
	struct codec_writer w;

	codec_writer_init(&w, 1u << 20, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_leaf_node_tbs(&w, &kp->leaf_node, span_make(NULL, 0), 0), 0);
	assert_int_equal(mls_sign_with_label(f->cs, sk, MLS_LABEL("LeafNodeTBS"),
	                                     codec_writer_span(&w), leaf_sig->bytes,
	                                     &leaf_sig->len),
	                 0);
	if (damage_leaf) leaf_sig->bytes[1] ^= 0x20;
	kp->leaf_node.signature = span_make(leaf_sig->bytes, leaf_sig->len);
	codec_writer_clear(&w);
	codec_writer_init(&w, 1u << 20, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_key_package_tbs(&w, kp), 0);
	assert_int_equal(mls_sign_with_label(f->cs, sk, MLS_LABEL("KeyPackageTBS"),
	                                     codec_writer_span(&w), kp_sig->bytes, &kp_sig->len),
	                 0);
	kp->signature = span_make(kp_sig->bytes, kp_sig->len);
	codec_writer_clear(&w);
}

/* Marker for validate_changed: spoil the LeafNode's signature alone. */
static void damage_leaf_signature(struct mls_key_package *kp, void *arg)
{
	(void)kp;
	(void)arg;
}

/* Validate a changed, re-signed KeyPackage with a clock inside its lifetime. */
static int validate_changed(struct fx *f, const uint8_t *p, size_t len,
                            void (*change)(struct mls_key_package *kp, void *arg), void *arg)
{
	struct mls_key_package_policy pol = policy(f, NOT_BEFORE + 1);
	struct mls_signature s1, s2;
	struct mls_key_package kp;
	struct codec_reader r;
	int rc;

	codec_reader_init(&r, p, len);
	assert_int_equal(mls_decode_key_package(&r, &kp), 0);
	change(&kp, arg);
	resign_kp(f, &kp, &f->member[0], change == damage_leaf_signature, &s1, &s2);
	rc = mls_key_package_validate(f->ctx, &kp, &pol);
	mls_key_package_clear(&kp);
	return rc;
}

static void same_keys(struct mls_key_package *kp, void *arg)
{
	(void)arg;
	kp->init_key = kp->leaf_node.encryption_key;
}

static void no_change(struct mls_key_package *kp, void *arg)
{
	(void)kp;
	(void)arg;
}

static void set_source_update(struct mls_key_package *kp, void *arg)
{
	(void)arg;
	kp->leaf_node.leaf_node_source = MLS_LEAF_SOURCE_UPDATE;
}

static void set_version(struct mls_key_package *kp, void *arg)
{
	kp->version = *(const uint16_t *)arg;
}

static void unlisted_extension(struct mls_key_package *kp, void *arg)
{
	kp->extensions.items[0].extension_type = *(const uint16_t *)arg;
}

static void unlisted_credential(struct mls_key_package *kp, void *arg)
{
	(void)arg;
	kp->leaf_node.credential.credential_type = MLS_CREDENTIAL_X509;
	kp->leaf_node.credential.n_certificates = 0;
}

/* Each §10.1 rule alone, on a KeyPackage whose signatures are otherwise valid. */
static void test_mls_framing_key_package_rules(void **state)
{
	static const uint16_t v2 = 2, ext_unlisted = 0x0b0b, ext_default = MLS_EXT_EXTERNAL_SENDERS;
	struct mls_key_package_keys keys;
	struct fx f;
	uint8_t *p;
	size_t len;

	fx_init(*state, 1, &f);
	build_kp(&f, &f.member[0], &keys, &p, &len);
	assert_int_equal(validate_changed(&f, p, len, no_change, NULL), 0);
	assert_int_equal(validate_changed(&f, p, len, same_keys, NULL), KENH_E_PROTO);
	assert_int_equal(validate_changed(&f, p, len, set_source_update, NULL), KENH_E_PROTO);
	assert_int_equal(validate_changed(&f, p, len, set_version, (void *)(uintptr_t)&v2),
	                 KENH_E_PROTO);
	assert_int_equal(
	        validate_changed(&f, p, len, unlisted_extension, (void *)(uintptr_t)&ext_unlisted),
	        KENH_E_PROTO);
	assert_int_equal(
	        validate_changed(&f, p, len, unlisted_extension, (void *)(uintptr_t)&ext_default),
	        0);
	assert_int_equal(validate_changed(&f, p, len, unlisted_credential, NULL), KENH_E_PROTO);
	assert_int_equal(validate_changed(&f, p, len, damage_leaf_signature, NULL), KENH_E_VERIFY);
	mls_key_package_keys_clear(&keys);
	mem_free(p);
	fx_clear(&f);
}

/* Suite mismatch, a maximum lifetime, and the group's leaf check hook. */
static int refuse_leaf(void *arg, const struct mls_leaf_node *leaf)
{
	(*(int *)arg)++;
	return leaf->leaf_node_source == MLS_LEAF_SOURCE_KEY_PACKAGE ? KENH_E_PERM : 0;
}

static void test_mls_framing_key_package_policy(void **state)
{
	struct mls_key_package_keys keys;
	struct mls_key_package_policy pol;
	struct mls_key_package kp;
	struct codec_reader r;
	struct fx f;
	uint8_t *p, *p2 = NULL;
	size_t len, len2 = 0;
	int calls = 0;

	fx_init(*state, 1, &f);
	build_kp(&f, &f.member[0], &keys, &p, &len);
	codec_reader_init(&r, p, len);
	assert_int_equal(mls_decode_key_package(&r, &kp), 0);
	pol = policy(&f, NOT_BEFORE);
	pol.cipher_suite = 2;
	assert_int_equal(mls_key_package_validate(f.ctx, &kp, &pol), KENH_E_PROTO);
	pol = policy(&f, NOT_BEFORE);
	pol.max_lifetime = NOT_AFTER - NOT_BEFORE - 1;
	assert_int_equal(mls_key_package_validate(f.ctx, &kp, &pol), KENH_E_PROTO);
	pol.max_lifetime = NOT_AFTER - NOT_BEFORE;
	assert_int_equal(mls_key_package_validate(f.ctx, &kp, &pol), 0);
	/* §7.2: the application MUST define a maximum; 0 is not "none". */
	pol.max_lifetime = 0;
	assert_int_equal(mls_key_package_validate(f.ctx, &kp, &pol), KENH_E_INVALID_ARG);
	pol.max_lifetime = NOT_AFTER - NOT_BEFORE;
	pol.leaf_check = refuse_leaf;
	pol.leaf_check_arg = &calls;
	assert_int_equal(mls_key_package_validate(f.ctx, &kp, &pol), KENH_E_PERM);
	assert_int_equal(calls, 1);
	/* The builder checks its own result against the bound it is given, which it needs. */
	assert_int_equal(build_kp_max(&f, &f.member[0], 0, &keys, &p2, &len2), KENH_E_INVALID_ARG);
	assert_int_equal(
	        build_kp_max(&f, &f.member[0], NOT_AFTER - NOT_BEFORE - 1, &keys, &p2, &len2),
	        KENH_E_PROTO);
	assert_null(p2);
	mls_key_package_clear(&kp);
	mls_key_package_keys_clear(&keys);
	mem_free(p);
	fx_clear(&f);
}

/* R17.1: every bit of a KeyPackage matters. */
static void test_mls_framing_key_package_flip_each_bit(void **state)
{
	struct mls_key_package_keys keys;
	struct fx f;
	uint8_t *p;
	size_t len, bit;

	fx_init(*state, 1, &f);
	build_kp(&f, &f.member[0], &keys, &p, &len);
	for (bit = 0; bit < 8 * len; bit++) {
		p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		assert_int_not_equal(validate_bytes(&f, p, len, NOT_BEFORE + 1), 0);
		p[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(validate_bytes(&f, p, len, NOT_BEFORE + 1), 0);
	mls_key_package_keys_clear(&keys);
	mem_free(p);
	fx_clear(&f);
}

/* ------------------------------------------------------------------------ */
/* GroupInfo and Welcome                                                     */
/* ------------------------------------------------------------------------ */

/* A committer's view of a new epoch, and a joiner. */
struct wx {
	struct fx f;
	uint8_t joiner_secret[CRYPTO_MAX_HASH];
	uint8_t psk_secret[CRYPTO_MAX_HASH];
	bool with_psk;
	struct mls_pre_shared_key_id psk_id;
	uint8_t tag[CRYPTO_MAX_HASH];
	struct mls_signature gi_sig;
	struct mls_group_info gi;
	struct mls_key_package_keys keys; /* the joiner's */
	uint8_t *kp;
	size_t kp_len;
	const struct signer *signer_for_join; /* the key the join call-back returns */
};

static int wx_signer_key(void *arg, const struct mls_group_info *gi, struct kenh_span *key)
{
	const struct wx *w = arg;

	if (gi->signer != 0) return KENH_E_NOT_FOUND;
	*key = span_make(w->signer_for_join->pk, w->f.cs->sig->npk);
	return 0;
}

static int wx_psk(void *arg, const struct mls_pre_shared_key_id *psks, size_t n, uint8_t *out)
{
	const struct wx *w = arg;

	if (n != 1 || !span_eq(psks[0].psk_id, w->psk_id.psk_id)) return KENH_E_NOT_FOUND;
	memcpy(out, w->psk_secret, w->f.cs->kdf->nh);
	return 0;
}

/* The GroupInfo of the new epoch, with its true confirmation tag, signed by leaf 0. */
static void wx_group_info(struct wx *w)
{
	struct mls_epoch_secrets es;
	struct codec_writer gc;
	const struct crypto_suite *cs = w->f.cs;

	codec_writer_init(&gc, 4096, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_group_context(&gc, &w->f.gc), 0);
	assert_int_equal(mls_key_schedule_epoch(cs, w->joiner_secret,
	                                        w->with_psk ? w->psk_secret : NULL,
	                                        codec_writer_span(&gc), &es),
	                 0);
	assert_int_equal(mls_confirmation_tag(cs, es.confirmation_key,
	                                      w->f.gc.confirmed_transcript_hash, w->tag),
	                 0);
	mls_epoch_secrets_clear(&es);
	codec_writer_clear(&gc);
	memset(&w->gi, 0, sizeof(w->gi));
	w->gi.group_context = w->f.gc;
	w->gi.confirmation_tag = span_make(w->tag, cs->kdf->nh);
	w->gi.signer = 0;
	assert_int_equal(mls_group_info_sign(cs, &w->gi, span_make(w->f.member[0].sk, cs->sig->nsk),
	                                     &w->gi_sig),
	                 0);
	w->gi.signature = span_make(w->gi_sig.bytes, w->gi_sig.len);
}

static void wx_init(struct kenh_ctx *ctx, uint16_t suite, bool with_psk, struct wx *w)
{
	memset(w, 0, sizeof(*w));
	fx_init(ctx, suite, &w->f);
	assert_int_equal(crypto_random(ctx, w->joiner_secret, w->f.cs->kdf->nh), 0);
	assert_int_equal(crypto_random(ctx, w->psk_secret, w->f.cs->kdf->nh), 0);
	w->with_psk = with_psk;
	w->psk_id.psktype = MLS_PSK_EXTERNAL;
	w->psk_id.psk_id = span_make((const uint8_t *)"psk-1", 5);
	w->psk_id.psk_nonce = span_make(w->tag, w->f.cs->kdf->nh); /* any Nh bytes */
	wx_group_info(w);
	build_kp(&w->f, &w->f.member[3], &w->keys, &w->kp, &w->kp_len);
	w->signer_for_join = &w->f.member[0];
}

static void wx_clear(struct wx *w)
{
	mls_key_package_keys_clear(&w->keys);
	mem_free(w->kp);
	fx_clear(&w->f);
	memset(w, 0, sizeof(*w));
}

/* Arguments of a Welcome for the KeyPackage kp, one member (*mb) with a path secret. */
static void wx_create_args(struct wx *w, struct kenh_span kp, struct mls_welcome_member *mb,
                           struct mls_welcome_create_args *a)
{
	static const uint8_t path_secret[CRYPTO_MAX_HASH] = { 0x9a };

	memset(mb, 0, sizeof(*mb));
	mb->key_package = kp;
	mb->path_secret = span_make(path_secret, w->f.cs->kdf->nh);
	memset(a, 0, sizeof(*a));
	a->ctx = w->f.ctx;
	a->cs = w->f.cs;
	a->joiner_secret = w->joiner_secret;
	a->psk_secret = w->with_psk ? w->psk_secret : NULL;
	a->psks = w->with_psk ? &w->psk_id : NULL;
	a->n_psks = w->with_psk ? 1 : 0;
	a->group_info = &w->gi;
	a->members = mb;
	a->n_members = 1;
}

/* A Welcome for the KeyPackage kp (owned *msg). */
static void wx_create(struct wx *w, struct kenh_span kp, uint8_t **msg, size_t *len)
{
	struct mls_welcome_create_args a;
	struct mls_welcome_member mb;

	wx_create_args(w, kp, &mb, &a);
	assert_int_equal(mls_welcome_create(&a, msg, len), 0);
}

/* Join arguments for the holder of w's KeyPackage. */
static void wx_join_args(struct wx *w, const struct mls_welcome *wm, bool resolver,
                         struct mls_welcome_join_args *a)
{
	memset(a, 0, sizeof(*a));
	a->ctx = w->f.ctx;
	a->me.cs = w->f.cs;
	a->me.key_package = span_make(w->kp, w->kp_len);
	a->me.init_sk = span_make(w->keys.init_sk, w->f.cs->kem->nsk);
	a->welcome = wm;
	a->psk_secret = resolver ? wx_psk : NULL;
	a->psk_arg = w;
	a->signer_key = wx_signer_key;
	a->signer_arg = w;
}

/* Join as the holder of w's KeyPackage through the Welcome in msg. */
static int wx_join(struct wx *w, const uint8_t *msg, size_t len, bool resolver,
                   struct mls_welcome_joined *j)
{
	struct mls_welcome_join_args a;
	struct mls_message m;
	int rc;

	assert_int_equal(mls_message_parse(msg, len, &m), 0);
	assert_int_equal(m.wire_format, MLS_WIRE_FORMAT_WELCOME);
	wx_join_args(w, &m.u.welcome, resolver, &a);
	rc = mls_welcome_join(&a, j);
	mls_message_clear(&m);
	return rc;
}

static void test_mls_framing_welcome_round_trip(void **state)
{
	struct mls_welcome_joined j;
	struct wx w;
	uint16_t suite;
	uint8_t *msg;
	size_t len;
	int psk;

	for (suite = 1; suite <= 3; suite++) {
		for (psk = 0; psk <= 1; psk++) {
			wx_init(*state, suite, psk != 0, &w);
			wx_create(&w, span_make(w.kp, w.kp_len), &msg, &len);
			assert_int_equal(wx_join(&w, msg, len, true, &j), 0);
			assert_int_equal(j.group_info.gi.group_context.epoch, w.f.gc.epoch);
			assert_true(j.secrets.gs.has_path_secret);
			assert_int_equal(j.secrets.gs.n_psks, (size_t)psk);
			assert_memory_equal(j.secrets.gs.joiner_secret.p, w.joiner_secret,
			                    w.f.cs->kdf->nh);
			mls_welcome_joined_clear(&j);
			if (psk)
				assert_int_equal(wx_join(&w, msg, len, false, &j),
				                 KENH_E_NOT_FOUND);
			mem_free(msg);
			wx_clear(&w);
		}
	}
}

/* A Welcome for someone else's KeyPackage has no entry for ours. */
static void test_mls_framing_welcome_other_key_package(void **state)
{
	struct mls_key_package_keys keys2;
	struct mls_welcome_joined j;
	uint8_t *kp2, *msg;
	size_t kp2_len, len;
	struct wx w;

	wx_init(*state, 1, false, &w);
	build_kp(&w.f, &w.f.member[2], &keys2, &kp2, &kp2_len);
	wx_create(&w, span_make(kp2, kp2_len), &msg, &len);
	assert_int_equal(wx_join(&w, msg, len, true, &j), KENH_E_NOT_FOUND);
	mem_free(msg);
	mem_free(kp2);
	mls_key_package_keys_clear(&keys2);
	wx_clear(&w);
}

/* A GroupInfo whose signature does not verify with the signer's key is refused. */
static void test_mls_framing_welcome_bad_group_info_signature(void **state)
{
	struct mls_welcome_joined j;
	struct wx w;
	uint8_t *msg;
	size_t len;

	wx_init(*state, 1, false, &w);
	/* The tree says another key sits at the signer's leaf. */
	wx_create(&w, span_make(w.kp, w.kp_len), &msg, &len);
	w.signer_for_join = &w.f.member[1];
	assert_int_equal(wx_join(&w, msg, len, true, &j), KENH_E_VERIFY);
	w.signer_for_join = &w.f.member[0];
	assert_int_equal(wx_join(&w, msg, len, true, &j), 0);
	mls_welcome_joined_clear(&j);
	mem_free(msg);
	/* A damaged signature, inside a correctly encrypted GroupInfo. */
	w.gi_sig.bytes[3] ^= 0x04;
	wx_create(&w, span_make(w.kp, w.kp_len), &msg, &len);
	assert_int_equal(wx_join(&w, msg, len, true, &j), KENH_E_VERIFY);
	mem_free(msg);
	wx_clear(&w);
}

/* A GroupInfo whose confirmation tag is not the epoch's is refused. */
static void test_mls_framing_welcome_bad_confirmation_tag(void **state)
{
	struct mls_welcome_joined j;
	struct wx w;
	uint8_t *msg;
	size_t len;

	wx_init(*state, 1, false, &w);
	w.tag[0] ^= 1;
	assert_int_equal(mls_group_info_sign(w.f.cs, &w.gi,
	                                     span_make(w.f.member[0].sk, w.f.cs->sig->nsk),
	                                     &w.gi_sig),
	                 0);
	wx_create(&w, span_make(w.kp, w.kp_len), &msg, &len);
	assert_int_equal(wx_join(&w, msg, len, true, &j), KENH_E_VERIFY);
	mem_free(msg);
	wx_clear(&w);
}

/*
 * RFC 9420 §12.4.3.1: a resumption PSK of usage reinit or branch must be
 * the only such PSK of a Welcome. Two are refused when the GroupSecrets
 * are opened; one of them next to an application PSK passes that check
 * and reaches the resolver (which here knows neither).
 */
static void test_mls_framing_welcome_two_reinit_psks(void **state)
{
	static const uint8_t gid[] = { 'o', 'l', 'd' };
	struct mls_pre_shared_key_id ids[2];
	struct mls_welcome_create_args a;
	struct mls_welcome_member mb;
	struct mls_welcome_joined j;
	uint8_t *msg;
	size_t len, i;
	struct wx w;

	wx_init(*state, 1, true, &w);
	for (i = 0; i < 2; i++) {
		memset(&ids[i], 0, sizeof(ids[i]));
		ids[i].psktype = MLS_PSK_RESUMPTION;
		ids[i].usage = i == 0 ? MLS_RESUMPTION_REINIT : MLS_RESUMPTION_BRANCH;
		ids[i].psk_group_id = span_make(gid, sizeof(gid));
		ids[i].psk_epoch = 3;
		ids[i].psk_nonce = span_make(w.tag, w.f.cs->kdf->nh);
	}
	wx_create_args(&w, span_make(w.kp, w.kp_len), &mb, &a);
	a.psks = ids;
	a.n_psks = 2;
	assert_int_equal(mls_welcome_create(&a, &msg, &len), 0);
	assert_int_equal(wx_join(&w, msg, len, true, &j), KENH_E_PROTO);
	mem_free(msg);
	ids[1].usage = MLS_RESUMPTION_APPLICATION;
	assert_int_equal(mls_welcome_create(&a, &msg, &len), 0);
	assert_int_equal(wx_join(&w, msg, len, true, &j), KENH_E_NOT_FOUND);
	mem_free(msg);
	wx_clear(&w);
}

/*
 * RFC 9420 §12.4.3.1: the Welcome's suite and the GroupInfo's suite must
 * be the joiner's KeyPackage's, and the GroupInfo names mls10.
 */
static void test_mls_framing_welcome_suite_mismatch(void **state)
{
	struct mls_welcome_join_args ja;
	struct mls_welcome_joined j;
	struct mls_group_info gi;
	struct mls_message m;
	struct kenh_span key;
	uint8_t *msg;
	size_t len;
	struct wx w;

	wx_init(*state, 1, false, &w);
	wx_create(&w, span_make(w.kp, w.kp_len), &msg, &len);
	assert_int_equal(mls_message_parse(msg, len, &m), 0);
	m.u.welcome.cipher_suite = 2;
	wx_join_args(&w, &m.u.welcome, true, &ja);
	assert_int_equal(mls_welcome_join(&ja, &j), KENH_E_PROTO);
	m.u.welcome.cipher_suite = 1;
	assert_int_equal(mls_welcome_join(&ja, &j), 0);
	mls_welcome_joined_clear(&j);
	mls_message_clear(&m);
	mem_free(msg);
	key = span_make(w.f.member[0].pk, w.f.cs->sig->npk);
	gi = w.gi;
	assert_int_equal(mls_group_info_verify(w.f.cs, &gi, key), 0);
	gi.group_context.cipher_suite = 3;
	assert_int_equal(mls_group_info_verify(w.f.cs, &gi, key), KENH_E_PROTO);
	gi = w.gi;
	gi.group_context.version = 2;
	assert_int_equal(mls_group_info_verify(w.f.cs, &gi, key), KENH_E_PROTO);
	wx_clear(&w);
}

/* R17.1: every bit of a Welcome matters (tag, ciphertexts, refs, suite). */
static void test_mls_framing_welcome_flip_each_bit(void **state)
{
	struct mls_welcome_joined j;
	struct mls_message m;
	struct wx w;
	uint8_t *msg;
	size_t len, bit;

	wx_init(*state, 1, false, &w);
	wx_create(&w, span_make(w.kp, w.kp_len), &msg, &len);
	for (bit = 0; bit < 8 * len; bit++) {
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (mls_message_parse(msg, len, &m) == 0) {
			bool welcome = m.wire_format == MLS_WIRE_FORMAT_WELCOME;
			mls_message_clear(&m);
			if (welcome) assert_int_not_equal(wx_join(&w, msg, len, true, &j), 0);
		}
		msg[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	assert_int_equal(wx_join(&w, msg, len, true, &j), 0);
	mls_welcome_joined_clear(&j);
	mem_free(msg);
	wx_clear(&w);
}

/* R17.1 for mls_group_info_verify, as external joiners use it. */
static void test_mls_framing_group_info_flip_each_bit(void **state)
{
	struct mls_group_info gi;
	struct codec_writer cw;
	struct codec_reader r;
	struct kenh_span pk;
	struct wx w;
	size_t bit;
	int rc;

	wx_init(*state, 2, false, &w);
	pk = span_make(w.f.member[0].pk, w.f.cs->sig->npk);
	codec_writer_init(&cw, 1u << 20, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_group_info(&cw, &w.gi), 0);
	for (bit = 0; bit <= 8 * cw.len; bit++) {
		if (bit < 8 * cw.len) cw.buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		codec_reader_init(&r, cw.buf, cw.len);
		rc = mls_decode_group_info(&r, &gi);
		if (rc == 0) rc = codec_reader_done(&r);
		if (rc == 0) rc = mls_group_info_verify(w.f.cs, &gi, pk);
		mls_group_info_clear(&gi);
		if (bit < 8 * cw.len) {
			assert_int_not_equal(rc, 0);
			cw.buf[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		} else {
			assert_int_equal(rc, 0);
		}
	}
	codec_writer_clear(&cw);
	wx_clear(&w);
}

#ifdef KENH_FAULT_INJECT
/* ------------------------------------------------------------------------ */
/* Secrets never reach the allocator unwiped (STYLE R5.3)                    */
/* ------------------------------------------------------------------------ */

struct secret_sweep {
	struct release_scan scan[16];
	size_t n;
};

static void sweep_add(struct secret_sweep *sw, const uint8_t *p, size_t len)
{
	sw->scan[sw->n].needle = p;
	sw->scan[sw->n].len = len;
	sw->scan[sw->n].found = 0;
	sw->n++;
}

static void sweep_release(void *arg, const void *p, size_t n)
{
	struct secret_sweep *sw = arg;
	size_t i;

	for (i = 0; i < sw->n; i++)
		scan_release(&sw->scan[i], p, n);
}

/*
 * A Welcome with a PSK and a path secret, created and joined: none of the
 * secrets the test knows (joiner, PSK and path secrets, welcome secret,
 * key and nonce, the joiner's private keys, the epoch's secrets, the
 * committer's signature key) is in a block freed or moved without a wipe.
 */
static void test_mls_framing_welcome_secrets_wiped_before_free(void **state)
{
	struct secret_sweep sw;
	struct mls_welcome_create_args a;
	struct mls_welcome_member mb;
	struct mls_welcome_joined j;
	struct mls_epoch_secrets es;
	struct mls_key_nonce wkn;
	struct codec_writer gc;
	uint8_t path[CRYPTO_MAX_HASH], ws[CRYPTO_MAX_HASH], *msg;
	size_t len, nh, i;
	struct wx w;

	memset(&sw, 0, sizeof(sw));
	wx_init(*state, 1, true, &w);
	nh = w.f.cs->kdf->nh;
	assert_int_equal(crypto_random(w.f.ctx, path, nh), 0);
	codec_writer_init(&gc, 4096, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_group_context(&gc, &w.f.gc), 0);
	assert_int_equal(mls_key_schedule_epoch(w.f.cs, w.joiner_secret, w.psk_secret,
	                                        codec_writer_span(&gc), &es),
	                 0);
	codec_writer_clear(&gc);
	assert_int_equal(mls_key_schedule_welcome(w.f.cs, w.joiner_secret, w.psk_secret, ws), 0);
	assert_int_equal(mls_welcome_key_nonce(w.f.cs, ws, &wkn), 0);
	sweep_add(&sw, w.joiner_secret, nh);
	sweep_add(&sw, w.psk_secret, nh);
	sweep_add(&sw, path, nh);
	sweep_add(&sw, ws, nh);
	sweep_add(&sw, wkn.key, wkn.key_len);
	sweep_add(&sw, w.keys.init_sk, w.f.cs->kem->nsk);
	sweep_add(&sw, w.keys.encryption_sk, w.f.cs->kem->nsk);
	sweep_add(&sw, es.sender_data_secret, nh);
	sweep_add(&sw, es.encryption_secret, nh);
	sweep_add(&sw, es.exporter_secret, nh);
	sweep_add(&sw, es.confirmation_key, nh);
	sweep_add(&sw, es.membership_key, nh);
	sweep_add(&sw, es.init_secret, nh);
	sweep_add(&sw, w.f.member[0].sk, w.f.cs->sig->nsk);
	mem_release_watch(sweep_release, &sw);
	wx_create_args(&w, span_make(w.kp, w.kp_len), &mb, &a);
	mb.path_secret = span_make(path, nh);
	assert_int_equal(mls_welcome_create(&a, &msg, &len), 0);
	assert_int_equal(wx_join(&w, msg, len, true, &j), 0);
	mls_welcome_joined_clear(&j);
	mem_free(msg);
	mem_release_watch(NULL, NULL);
	for (i = 0; i < sw.n; i++)
		assert_int_equal(sw.scan[i].found, 0);
	mls_epoch_secrets_clear(&es);
	mls_key_nonce_clear(&wkn);
	sec_zero(ws, sizeof(ws));
	wx_clear(&w);
}

/* ------------------------------------------------------------------------ */
/* Allocation failures (STYLE R17.5)                                         */
/* ------------------------------------------------------------------------ */

typedef int fault_op_fn(struct wx *w);

/* Sign, protect and verify a member's PublicMessage commit. */
static int op_public(struct wx *w)
{
	struct mls_framed_content_auth_data auth;
	struct mls_framed_content fc;
	struct mls_signature sig;
	struct mls_message m;
	struct fx *f = &w->f;
	uint8_t *msg = NULL;
	size_t len = 0;
	int rc;

	make_content(f, MLS_SENDER_MEMBER, 1, MLS_CONTENT_COMMIT, &fc);
	memset(&auth, 0, sizeof(auth));
	rc = mls_framed_content_sign(&f->send, MLS_WIRE_FORMAT_PUBLIC_MESSAGE, &fc,
	                             span_make(f->member[1].sk, f->cs->sig->nsk), &sig);
	if (rc != 0) return rc;
	auth.signature = span_make(sig.bytes, sig.len);
	auth.confirmation_tag = span_make(conf_tag, f->cs->kdf->nh);
	if ((rc = mls_public_message_protect(&f->send, &fc, &auth, &msg, &len)) != 0) return rc;
	if ((rc = mls_message_parse(msg, len, &m)) == 0) {
		rc = mls_public_message_verify(&f->recv, &m.u.public_message);
		mls_message_clear(&m);
	}
	mem_free(msg);
	return rc;
}

/* Fresh trees, then protect and open a PrivateMessage proposal. */
static int op_private(struct wx *w)
{
	struct mls_authenticated_content ac;
	struct mls_private_opened o;
	struct mls_signature sig;
	struct mls_message m;
	struct fx *f = &w->f;
	uint8_t *msg = NULL;
	size_t len = 0;
	int rc;

	mls_secret_tree_clear(&f->st_send);
	mls_secret_tree_clear(&f->st_recv);
	if ((rc = mls_secret_tree_init(&f->st_send, f->cs, f->encryption_secret, N_LEAVES, NULL)) ||
	    (rc = mls_secret_tree_init(&f->st_recv, f->cs, f->encryption_secret, N_LEAVES, NULL)))
		return rc;
	memset(&ac, 0, sizeof(ac));
	ac.wire_format = MLS_WIRE_FORMAT_PRIVATE_MESSAGE;
	make_content(f, MLS_SENDER_MEMBER, 1, MLS_CONTENT_PROPOSAL, &ac.content);
	rc = mls_framed_content_sign(&f->send, ac.wire_format, &ac.content,
	                             span_make(f->member[1].sk, f->cs->sig->nsk), &sig);
	if (rc != 0) return rc;
	ac.auth.signature = span_make(sig.bytes, sig.len);
	if ((rc = mls_private_message_protect(&f->send, &ac, NULL, &msg, &len)) != 0) return rc;
	if ((rc = mls_message_parse(msg, len, &m)) == 0) {
		rc = mls_private_message_open(&f->recv, &m.u.private_message, &o);
		mls_private_opened_clear(&o);
		mls_message_clear(&m);
	}
	mem_free(msg);
	return rc;
}

/* Build a KeyPackage, decode and validate it. */
static int op_key_package(struct wx *w)
{
	struct mls_key_package_keys keys;
	uint8_t *p = NULL;
	size_t len = 0;
	int rc;

	if ((rc = build_kp_rc(&w->f, &w->f.member[0], &keys, &p, &len)) == 0)
		rc = validate_bytes(&w->f, p, len, NOT_BEFORE);
	mls_key_package_keys_clear(&keys);
	mem_free(p);
	return rc;
}

/* Create a Welcome (with a PSK) and join through it. */
static int op_welcome(struct wx *w)
{
	struct mls_welcome_create_args a;
	struct mls_welcome_join_args ja;
	struct mls_welcome_member mb;
	struct mls_welcome_joined j;
	struct mls_message m;
	uint8_t *msg = NULL;
	size_t len = 0;
	int rc;

	wx_create_args(w, span_make(w->kp, w->kp_len), &mb, &a);
	if ((rc = mls_welcome_create(&a, &msg, &len)) != 0) return rc;
	if ((rc = mls_message_parse(msg, len, &m)) == 0) {
		wx_join_args(w, &m.u.welcome, true, &ja);
		rc = mls_welcome_join(&ja, &j);
		mls_welcome_joined_clear(&j);
		mls_message_clear(&m);
	}
	mem_free(msg);
	return rc;
}

/*
 * Fail allocation n (and, if sticky, every later one) for n = 1, 2, ...
 * until op needs no more than n - 1 allocations. Every failed run must
 * report KENH_E_NOMEM (a non-sticky failure may also be absorbed), and
 * ASan's leak check covers what each run leaves behind.
 */
static void fault_walk(struct kenh_ctx *ctx, fault_op_fn *op, int sticky)
{
	unsigned long n, hits;
	struct wx w;
	int rc;

	wx_init(ctx, 1, true, &w);
	for (n = 1; n < 1000; n++) {
		mem_fault_set(n, sticky);
		rc = op(&w);
		hits = mem_fault_hits();
		mem_fault_set(0, 0);
		if (hits == 0) {
			assert_int_equal(rc, 0);
			break;
		}
		if (rc != 0 || sticky) assert_int_equal(rc, KENH_E_NOMEM);
	}
	assert_true(n > 1 && n < 1000);
	wx_clear(&w);
}

static void test_mls_framing_fault_injection(void **state)
{
	static fault_op_fn *const ops[] = { op_public, op_private, op_key_package, op_welcome };
	size_t i;

	for (i = 0; i < ARRAY_LEN(ops); i++) {
		fault_walk(*state, ops[i], 0);
		fault_walk(*state, ops[i], 1);
	}
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mls_framing_public_round_trip),
		cmocka_unit_test(test_mls_framing_public_flip_each_bit),
		cmocka_unit_test(test_mls_framing_public_bad_signature_valid_tag),
		cmocka_unit_test(test_mls_framing_public_bad_membership_tag),
		cmocka_unit_test(test_mls_framing_public_application_rejected),
		cmocka_unit_test(test_mls_framing_sender_rules),
		cmocka_unit_test(test_mls_framing_public_wrong_epoch),
		cmocka_unit_test(test_mls_framing_private_round_trip),
		cmocka_unit_test(test_mls_framing_private_padding_lengths),
		cmocka_unit_test(test_mls_framing_private_flip_each_bit),
		cmocka_unit_test(test_mls_framing_private_replay_rejected),
		cmocka_unit_test(test_mls_framing_private_raw_control),
		cmocka_unit_test(test_mls_framing_private_nonzero_padding),
		cmocka_unit_test(test_mls_framing_private_bad_signature),
		cmocka_unit_test(test_mls_framing_private_unknown_sender),
		cmocka_unit_test(test_mls_framing_private_generation_window),
		cmocka_unit_test(test_mls_framing_private_wrong_epoch),
		cmocka_unit_test(test_mls_framing_private_open_missing_group_context),
		cmocka_unit_test(test_mls_framing_private_member_only),
#ifdef KENH_FAULT_INJECT
		cmocka_unit_test(test_mls_framing_private_plaintext_wiped_before_free),
#endif
		cmocka_unit_test(test_mls_framing_key_package_build_validate),
		cmocka_unit_test(test_mls_framing_key_package_lifetime),
		cmocka_unit_test(test_mls_framing_key_package_rules),
		cmocka_unit_test(test_mls_framing_key_package_policy),
		cmocka_unit_test(test_mls_framing_key_package_flip_each_bit),
		cmocka_unit_test(test_mls_framing_welcome_round_trip),
		cmocka_unit_test(test_mls_framing_welcome_other_key_package),
		cmocka_unit_test(test_mls_framing_welcome_bad_group_info_signature),
		cmocka_unit_test(test_mls_framing_welcome_bad_confirmation_tag),
		cmocka_unit_test(test_mls_framing_welcome_two_reinit_psks),
		cmocka_unit_test(test_mls_framing_welcome_suite_mismatch),
		cmocka_unit_test(test_mls_framing_welcome_flip_each_bit),
		cmocka_unit_test(test_mls_framing_group_info_flip_each_bit),
#ifdef KENH_FAULT_INJECT
		cmocka_unit_test(test_mls_framing_welcome_secrets_wiped_before_free),
		cmocka_unit_test(test_mls_framing_fault_injection),
#endif
	};

	return cmocka_run_group_tests(tests, setup_ctx, teardown_ctx);
}
