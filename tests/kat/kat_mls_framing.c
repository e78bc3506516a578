/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Runners for mls/message-protection.json and mls/welcome.json (RFC 9420
 * §6.2, §6.3, §12.4.3.1), following the vector format of
 * mls-implementations' test-vectors.md.
 *
 * message-protection: for proposal, commit and application data, the
 * given PublicMessage (proposal and commit only) must verify with the
 * membership key and signature key, and the given PrivateMessage must
 * decrypt with a two-leaf secret tree (sender leaf 1) and verify; both
 * must yield the given content. Then we protect the content ourselves,
 * as PublicMessage and PrivateMessage, and check it opens to the same
 * content; and application data must be refused as a PublicMessage.
 *
 * welcome: find our entry by KeyPackageRef, decrypt the GroupSecrets and
 * the GroupInfo, verify the GroupInfo with signer_pub, run the key
 * schedule without PSKs and check the confirmation tag; then build a
 * Welcome of our own from what we decrypted and join through it again.
 * Suites we do not implement (4 to 7) are skipped.
 */
#include "kat.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/framing.h"
#include "testutil.h"
#include "tu_mlsprot.h"
#include "util/mem.h"

/* ------------------------------------------------------------------------ */
/* message-protection.json                                                   */
/* ------------------------------------------------------------------------ */

/* One kind of content in a case: the vector's field prefix and content type. */
struct mp_kind {
	const char *name; /* "proposal": fields proposal, proposal_pub, proposal_priv */
	enum mls_content_type type;
	bool has_pub;
};

static const struct mp_kind mp_kinds[] = {
	{ "proposal", MLS_CONTENT_PROPOSAL, true },
	{ "commit", MLS_CONTENT_COMMIT, true },
	{ "application", MLS_CONTENT_APPLICATION, false },
};

/* The encoded body of fc (a Proposal, a Commit, or the application data itself). */
static bool body_matches(const struct mls_framed_content *fc, enum mls_content_type type,
                         const struct tu_bytes *want)
{
	struct codec_writer w;
	struct kenh_span got;
	bool ok;
	int rc = 0;

	if (fc->content_type != type) return false;
	if (type == MLS_CONTENT_APPLICATION)
		return tu_bytes_eq("application_data", fc->application_data.p,
		                   fc->application_data.len, want->p, want->len);
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	if (type == MLS_CONTENT_PROPOSAL) rc = mls_encode_proposal(&w, &fc->proposal);
	if (type == MLS_CONTENT_COMMIT) rc = mls_encode_commit(&w, &fc->commit);
	got = codec_writer_span(&w);
	ok = rc == 0 && tu_bytes_eq("content", got.p, got.len, want->p, want->len);
	codec_writer_clear(&w);
	return ok;
}

/* Verify a PublicMessage (an encoded MLSMessage) and compare its content. */
static const char *check_pub(struct mls_framing_epoch *ep, const uint8_t *msg, size_t len,
                             enum mls_content_type type, const struct tu_bytes *want)
{
	struct mls_message m;
	const char *why = NULL;

	if (mls_message_parse(msg, len, &m) != 0) return "PublicMessage does not parse";
	if (m.wire_format != MLS_WIRE_FORMAT_PUBLIC_MESSAGE) {
		why = "not a PublicMessage";
	} else if (mls_public_message_verify(ep, &m.u.public_message) != 0) {
		why = "PublicMessage does not verify";
	} else if (!body_matches(&m.u.public_message.content, type, want)) {
		why = "PublicMessage content differs";
	}
	mls_message_clear(&m);
	return why;
}

/* Decrypt and verify a PrivateMessage and compare its content. */
static const char *check_priv(struct mls_framing_epoch *ep, const uint8_t *msg, size_t len,
                              enum mls_content_type type, const struct tu_bytes *want)
{
	struct mls_private_opened o;
	struct mls_message m;
	const char *why = NULL;

	if (mls_message_parse(msg, len, &m) != 0) return "PrivateMessage does not parse";
	if (m.wire_format != MLS_WIRE_FORMAT_PRIVATE_MESSAGE) {
		why = "not a PrivateMessage";
	} else if (mls_private_message_open(ep, &m.u.private_message, &o) != 0) {
		why = "PrivateMessage does not open";
	} else {
		if (o.ac.content.sender.leaf_index != TU_MP_SENDER_LEAF ||
		    !body_matches(&o.ac.content, type, want))
			why = "PrivateMessage content differs";
		mls_private_opened_clear(&o);
	}
	mls_message_clear(&m);
	return why;
}

/* A FramedContent from leaf 1 carrying the vector's body (decoded into fc). */
static bool build_content(const struct tu_mp_case *mc, enum mls_content_type type,
                          const struct tu_bytes *body, struct mls_framed_content *fc)
{
	struct codec_reader r;
	int rc = 0;

	memset(fc, 0, sizeof(*fc));
	fc->group_id = mc->gc.group_id;
	fc->epoch = mc->epoch;
	fc->sender.sender_type = MLS_SENDER_MEMBER;
	fc->sender.leaf_index = TU_MP_SENDER_LEAF;
	fc->content_type = type;
	codec_reader_init(&r, body->p, body->len);
	if (type == MLS_CONTENT_APPLICATION) fc->application_data = span_make(body->p, body->len);
	if (type == MLS_CONTENT_PROPOSAL) rc = mls_decode_proposal(&r, &fc->proposal);
	if (type == MLS_CONTENT_COMMIT) rc = mls_decode_commit(&r, &fc->commit);
	if (type == MLS_CONTENT_APPLICATION) return true;
	if (rc == 0) rc = codec_reader_done(&r);
	if (rc != 0) mls_framed_content_clear(fc);
	return rc == 0;
}

/* Signature for wire format wf, and a stand-in confirmation tag for a commit. */
static bool sign_content(const struct tu_mp_case *mc, struct mls_framing_epoch *ep,
                         enum mls_wire_format wf, const struct mls_framed_content *fc,
                         struct mls_signature *sig, struct mls_framed_content_auth_data *auth)
{
	static const uint8_t tag[CRYPTO_MAX_HASH] = { 0x5a, 0xa5 };
	struct kenh_span sk = span_make(mc->signature_priv.p, mc->signature_priv.len);

	memset(auth, 0, sizeof(*auth));
	if (mls_framed_content_sign(ep, wf, fc, sk, sig) != 0) return false;
	auth->signature = span_make(sig->bytes, sig->len);
	if (fc->content_type == MLS_CONTENT_COMMIT)
		auth->confirmation_tag = span_make(tag, mc->cs->kdf->nh);
	return true;
}

/* Protect fc as a PublicMessage ourselves, then verify it as a receiver. */
static const char *roundtrip_pub(struct tu_mp_case *mc, struct mls_framing_epoch *ep,
                                 const struct mls_framed_content *fc, const struct tu_bytes *body)
{
	struct mls_framed_content_auth_data auth;
	struct mls_signature sig;
	uint8_t *msg = NULL;
	size_t len = 0;
	const char *why;

	if (!sign_content(mc, ep, MLS_WIRE_FORMAT_PUBLIC_MESSAGE, fc, &sig, &auth))
		return "cannot sign";
	if (mls_public_message_protect(ep, fc, &auth, &msg, &len) != 0) return "cannot protect";
	why = check_pub(ep, msg, len, fc->content_type, body);
	mem_free(msg);
	return why;
}

/*
 * Protect fc as a PrivateMessage and open it, the sender and the receiver
 * each with a fresh tree of their own (ep's tree has used generation 0).
 */
static const char *roundtrip_priv(const struct kenh_ctx *ctx, struct tu_mp_case *mc,
                                  const struct mls_framed_content *fc, const struct tu_bytes *body)
{
	static const struct mls_private_options pad = { 32 };
	struct mls_framing_epoch sender, receiver;
	struct mls_secret_tree st_s, st_r;
	struct mls_authenticated_content ac;
	struct mls_signature sig;
	uint8_t *msg = NULL;
	size_t len = 0;
	const char *why = "cannot protect";

	memset(&st_r, 0, sizeof(st_r));
	if (tu_mp_epoch(ctx, mc, &st_s, &sender) != 0) return "sender tree";
	if (tu_mp_epoch(ctx, mc, &st_r, &receiver) != 0) {
		why = "receiver tree";
		goto out;
	}
	memset(&ac, 0, sizeof(ac));
	ac.wire_format = MLS_WIRE_FORMAT_PRIVATE_MESSAGE;
	ac.content = *fc;
	if (!sign_content(mc, &sender, ac.wire_format, fc, &sig, &ac.auth)) {
		why = "cannot sign";
	} else if (mls_private_message_protect(&sender, &ac, &pad, &msg, &len) == 0) {
		why = check_priv(&receiver, msg, len, fc->content_type, body);
	}
out:
	mem_free(msg);
	mls_secret_tree_clear(&st_s);
	mls_secret_tree_clear(&st_r);
	return why;
}

/* RFC 9420 §6: application data as a PublicMessage is refused both ways. */
static const char *reject_app_pub(struct tu_mp_case *mc, struct mls_framing_epoch *ep,
                                  const struct mls_framed_content *fc)
{
	struct mls_public_message pm;
	struct mls_signature sig;
	uint8_t *msg = NULL;
	size_t len = 0;

	memset(&pm, 0, sizeof(pm));
	pm.content = *fc;
	if (!sign_content(mc, ep, MLS_WIRE_FORMAT_PUBLIC_MESSAGE, fc, &sig, &pm.auth))
		return "cannot sign";
	if (mls_public_message_protect(ep, fc, &pm.auth, &msg, &len) != KENH_E_PROTO) {
		mem_free(msg);
		return "application data protected as PublicMessage";
	}
	if (mls_public_message_verify(ep, &pm) != KENH_E_PROTO)
		return "application data accepted as PublicMessage";
	return NULL;
}

/* The given messages of one kind: PublicMessage (if any) and PrivateMessage. */
static const char *check_given(const struct kenh_ctx *ctx, struct tu_mp_case *mc,
                               const struct mp_kind *k, const struct tu_bytes *pub,
                               const struct tu_bytes *priv, const struct tu_bytes *body)
{
	struct mls_framing_epoch ep;
	struct mls_secret_tree st;
	const char *why;

	/* Each given PrivateMessage expects a fresh tree: all start at generation 0. */
	if (tu_mp_epoch(ctx, mc, &st, &ep) != 0) return "secret tree";
	why = k->has_pub ? check_pub(&ep, pub->p, pub->len, k->type, body) : NULL;
	if (why == NULL) why = check_priv(&ep, priv->p, priv->len, k->type, body);
	mls_secret_tree_clear(&st);
	return why;
}

/* Our own protection of the content, and the refusal of public application data. */
static const char *check_ours(const struct kenh_ctx *ctx, struct tu_mp_case *mc,
                              const struct mp_kind *k, const struct tu_bytes *body)
{
	struct mls_framed_content fc;
	struct mls_framing_epoch ep;
	struct mls_secret_tree st;
	const char *why;

	if (!build_content(mc, k->type, body, &fc)) return "content does not decode";
	if (tu_mp_epoch(ctx, mc, &st, &ep) != 0) {
		mls_framed_content_clear(&fc);
		return "secret tree";
	}
	why = k->has_pub ? roundtrip_pub(mc, &ep, &fc, body) : reject_app_pub(mc, &ep, &fc);
	if (why == NULL) why = roundtrip_priv(ctx, mc, &fc, body);
	mls_secret_tree_clear(&st);
	mls_framed_content_clear(&fc);
	return why;
}

/* Every check of one kind of content. */
static const char *check_kind(const struct kenh_ctx *ctx, struct tu_mp_case *mc, const json_t *obj,
                              const struct mp_kind *k)
{
	struct tu_bytes body = { NULL, 0 }, pub = { NULL, 0 }, priv = { NULL, 0 };
	char name[64];
	const char *why = "missing field";

	snprintf(name, sizeof(name), "%s_pub", k->name);
	if (k->has_pub && !tu_json_hex(obj, name, &pub)) goto out;
	snprintf(name, sizeof(name), "%s_priv", k->name);
	if (!tu_json_hex(obj, k->name, &body) || !tu_json_hex(obj, name, &priv)) goto out;
	why = check_given(ctx, mc, k, &pub, &priv, &body);
	if (why == NULL) why = check_ours(ctx, mc, k, &body);
out:
	tu_bytes_free(&body);
	tu_bytes_free(&pub);
	tu_bytes_free(&priv);
	return why;
}

static const char *check_mp_case(const struct kenh_ctx *ctx, struct tu_mp_case *mc,
                                 const json_t *obj)
{
	const char *why = NULL;
	size_t i;

	for (i = 0; i < ARRAY_LEN(mp_kinds) && why == NULL; i++)
		why = check_kind(ctx, mc, obj, &mp_kinds[i]);
	return why;
}

void kat_mls_message_protection(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	struct tu_mp_case mc;
	const json_t *obj;
	const char *why;
	bool supported;
	size_t i;

	json_array_foreach(root, i, obj)
	{
		if (!tu_mp_load(ctx, obj, &mc, &supported)) {
			kat_result(c, "message-protection.json", i, 0, "missing field");
			continue;
		}
		if (!supported) {
			c->skipped++;
			continue;
		}
		why = check_mp_case(ctx, &mc, obj);
		kat_result(c, "message-protection.json", i, why == NULL, why);
		tu_mp_free(&mc);
	}
}

/* ------------------------------------------------------------------------ */
/* welcome.json                                                              */
/* ------------------------------------------------------------------------ */

struct wl_case {
	const struct crypto_suite *cs;
	struct tu_bytes init_priv, signer_pub, key_package, welcome;
	struct mls_message kp_msg, wm_msg;
};

static void wl_free(struct wl_case *w)
{
	mls_message_clear(&w->kp_msg);
	mls_message_clear(&w->wm_msg);
	tu_bytes_free(&w->init_priv);
	tu_bytes_free(&w->signer_pub);
	tu_bytes_free(&w->key_package);
	tu_bytes_free(&w->welcome);
}

static const char *wl_load(const json_t *obj, struct wl_case *w)
{
	if (!tu_json_hex(obj, "init_priv", &w->init_priv) ||
	    !tu_json_hex(obj, "signer_pub", &w->signer_pub) ||
	    !tu_json_hex(obj, "key_package", &w->key_package) ||
	    !tu_json_hex(obj, "welcome", &w->welcome))
		return "missing field";
	if (mls_message_parse(w->key_package.p, w->key_package.len, &w->kp_msg) != 0 ||
	    w->kp_msg.wire_format != MLS_WIRE_FORMAT_KEY_PACKAGE)
		return "key_package is not an MLSMessage(KeyPackage)";
	if (mls_message_parse(w->welcome.p, w->welcome.len, &w->wm_msg) != 0 ||
	    w->wm_msg.wire_format != MLS_WIRE_FORMAT_WELCOME)
		return "welcome is not an MLSMessage(Welcome)";
	return NULL;
}

/* The vector's signer: any signer index gets signer_pub (the tree is not given). */
static int wl_signer_key(void *arg, const struct mls_group_info *gi, struct kenh_span *key)
{
	const struct wl_case *w = arg;

	(void)gi;
	*key = span_make(w->signer_pub.p, w->signer_pub.len);
	return 0;
}

static void wl_join_args(const struct kenh_ctx *ctx, struct wl_case *w,
                         const struct mls_welcome *wm, struct mls_welcome_join_args *a)
{
	memset(a, 0, sizeof(*a));
	a->ctx = ctx;
	a->me.cs = w->cs;
	/* The KeyPackage itself follows the MLSMessage's version and wire_format. */
	a->me.key_package = span_make(w->key_package.p + 4, w->key_package.len - 4);
	a->me.init_sk = span_make(w->init_priv.p, w->init_priv.len);
	a->welcome = wm;
	a->signer_key = wl_signer_key;
	a->signer_arg = w;
}

/* Re-wrap what we decrypted into a Welcome of our own and join through it. */
static const char *wl_rebuild(const struct kenh_ctx *ctx, struct wl_case *w,
                              const struct mls_welcome_joined *j)
{
	struct mls_welcome_create_args ca;
	struct mls_welcome_member mb;
	struct mls_welcome_join_args a;
	struct mls_welcome_joined j2;
	struct mls_message m;
	uint8_t *msg = NULL;
	size_t len = 0;
	const char *why = NULL;

	memset(&ca, 0, sizeof(ca));
	memset(&mb, 0, sizeof(mb));
	wl_join_args(ctx, w, NULL, &a);
	mb.key_package = a.me.key_package;
	mb.path_secret = j->secrets.gs.path_secret.path_secret;
	ca.ctx = ctx;
	ca.cs = w->cs;
	ca.joiner_secret = j->secrets.gs.joiner_secret.p;
	ca.group_info = &j->group_info.gi;
	ca.members = &mb;
	ca.n_members = 1;
	if (mls_welcome_create(&ca, &msg, &len) != 0) return "cannot create a Welcome";
	if (mls_message_parse(msg, len, &m) != 0) {
		mem_free(msg);
		return "our Welcome does not parse";
	}
	a.welcome = &m.u.welcome;
	if (mls_welcome_join(&a, &j2) != 0) {
		why = "cannot join through our Welcome";
	} else {
		if (!crypto_ct_eq(j2.epoch.secrets.epoch_authenticator,
		                  j->epoch.secrets.epoch_authenticator, w->cs->kdf->nh))
			why = "our Welcome leads to another epoch";
		mls_welcome_joined_clear(&j2);
	}
	mls_message_clear(&m);
	mem_free(msg);
	return why;
}

/* §10.1: the joiner's KeyPackage passes our validation, the clock inside its lifetime. */
static const char *wl_validate_kp(const struct kenh_ctx *ctx, struct wl_case *w)
{
	const struct mls_key_package *kp = &w->kp_msg.u.key_package;
	struct mls_key_package_policy pol;

	memset(&pol, 0, sizeof(pol));
	pol.version = MLS_VERSION_MLS10;
	pol.cipher_suite = w->cs->id;
	pol.now = kp->leaf_node.lifetime.not_before;
	pol.max_lifetime = TU_VECTOR_MAX_LIFETIME;
	if (mls_key_package_validate(ctx, kp, &pol) != 0) return "key_package does not validate";
	return NULL;
}

static const char *check_wl_case(const struct kenh_ctx *ctx, struct wl_case *w)
{
	struct mls_welcome_join_args a;
	struct mls_welcome_joined j;
	const char *why;

	if (w->key_package.len < 4) return "key_package too short";
	if ((why = wl_validate_kp(ctx, w)) != NULL) return why;
	wl_join_args(ctx, w, &w->wm_msg.u.welcome, &a);
	/* Secrets by KeyPackageRef, GroupInfo, signature, schedule, confirmation tag. */
	if (mls_welcome_join(&a, &j) != 0) return "join fails";
	why = wl_rebuild(ctx, w, &j);
	mls_welcome_joined_clear(&j);
	return why;
}

void kat_mls_welcome(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	const json_t *obj;
	struct wl_case w;
	const char *why;
	uint64_t suite;
	size_t i;

	json_array_foreach(root, i, obj)
	{
		memset(&w, 0, sizeof(w));
		if (!tu_json_u64(obj, "cipher_suite", &suite) || suite > UINT16_MAX) {
			kat_result(c, "welcome.json", i, 0, "missing cipher_suite");
			continue;
		}
		if ((w.cs = crypto_suite_get(ctx, (uint16_t)suite)) == NULL) {
			c->skipped++;
			continue;
		}
		if ((why = wl_load(obj, &w)) == NULL) why = check_wl_case(ctx, &w);
		kat_result(c, "welcome.json", i, why == NULL, why);
		wl_free(&w);
	}
}
