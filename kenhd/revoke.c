/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The relay as MLS external sender (RFC 9420 §12.1.8.1; DESIGN §6;
 * docs/protocol.md §8): when a device is revoked, the relay proposes its
 * removal from every group it is in. For each leaf the device holds, it
 * builds a PublicMessage whose sender is external (the relay's index in
 * the group's external_senders extension, read from the group's last
 * GroupInfo), whose content is a Remove proposal for that leaf at the
 * group's current epoch, signed with SignWithLabel("FramedContentTBS")
 * (RFC 9420 §6.1; an external sender's FramedContentTBS carries no
 * GroupContext, and its PublicMessage no membership tag, §6.2). The
 * proposal is logged, pushed and kept under its ProposalRef like any
 * other, so the next member online commits it by reference. Signing goes
 * through struct signer_ops only (STYLE R9.2).
 */
#include "relay.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "crypto/crypto.h"
#include "klog.h"
#include "mls/mls_keys.h"
#include "mls/mls_wire.h"
#include "store/store.h"
#include "util/mem.h"

/* A leaf to remove. */
struct target {
	uint8_t gid[LIMIT_GROUP_ID];
	size_t gidlen;
	uint32_t leaf;
};

struct targets {
	struct target *t;
	size_t n, cap;
};

static int collect(void *arg, struct kenh_span gid, uint32_t leaf)
{
	struct targets *ts = arg;
	void *grown = NULL;
	size_t cap = ts->cap ? ts->cap * 2 : 8;
	int rc;

	if (gid.len > LIMIT_GROUP_ID) return KENH_ERR(KENH_E_TOO_LARGE);
	if (ts->n == ts->cap) {
		if ((rc = mem_grow(ts->t, cap, sizeof(*ts->t), &grown)) != 0) return rc;
		ts->t = grown;
		ts->cap = cap;
	}
	memcpy(ts->t[ts->n].gid, gid.p, gid.len);
	ts->t[ts->n].gidlen = gid.len;
	ts->t[ts->n].leaf = leaf;
	ts->n++;
	return 0;
}

/* The relay's index in the external_senders extension of the group's last GroupInfo. */
static int find_sender_index(struct op_env *env, struct kenh_span gid, uint32_t *index)
{
	struct kenh_span pk = env->signer->public_key(env->signer_arg);
	struct mls_external_senders es = { NULL, 0 };
	const struct mls_extension *ext;
	struct store_buf gi = { 0 };
	struct codec_reader r;
	struct mls_message m;
	uint64_t epoch = 0;
	size_t i;
	int rc;

	memset(&m, 0, sizeof(m));
	if ((rc = env->so->groupinfo_get(env->st, gid, &epoch, &gi)) != 0) return rc;
	if ((rc = mls_message_parse(gi.p, gi.len, &m)) != 0) goto out;
	rc = KENH_E_NOT_FOUND;
	if (m.wire_format != MLS_WIRE_FORMAT_GROUP_INFO) goto out;
	ext = mls_extension_list_find(&m.u.group_info.group_context.extensions,
	                              MLS_EXT_EXTERNAL_SENDERS);
	if (ext == NULL) goto out;
	codec_reader_init(&r, ext->extension_data.p, ext->extension_data.len);
	if (mls_decode_external_senders(&r, &es) != 0 || codec_reader_done(&r) != 0) goto out;
	for (i = 0; i < es.count && rc != 0; i++) {
		if (!span_eq(es.items[i].signature_key, pk)) continue;
		*index = (uint32_t)i;
		rc = 0;
	}
out:
	mls_external_senders_clear(&es);
	mls_message_clear(&m);
	store_buf_clear(&gi);
	return rc;
}

/* RFC 9420 §6.1: sign FramedContentTBS of an external sender (no GroupContext). */
static int sign_content(struct op_env *env, uint16_t suite, const struct mls_framed_content *fc,
                        uint8_t *sig, size_t *siglen)
{
	static const char label[] = "FramedContentTBS";
	struct codec_writer w;
	int rc;

	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	rc = mls_encode_framed_content_tbs(&w, MLS_WIRE_FORMAT_PUBLIC_MESSAGE, fc, NULL);
	if (rc == 0)
		rc = env->signer->sign_with_label(
		        env->signer_arg, suite,
		        span_make((const uint8_t *)label, sizeof(label) - 1), codec_writer_span(&w),
		        sig, siglen);
	codec_writer_clear(&w);
	return rc;
}

/* RFC 9420 §5.2: ProposalRef of the proposal (its AuthenticatedContent). */
static int make_ref(struct op_env *env, uint16_t suite, const struct mls_public_message *pm,
                    uint8_t ref[static CRYPTO_MAX_HASH], size_t *reflen)
{
	const struct crypto_suite *cs = crypto_suite_get(env->ctx, suite);
	struct mls_authenticated_content ac;
	struct codec_writer w;
	int rc;

	*reflen = 0;
	if (cs == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	memset(&ac, 0, sizeof(ac));
	ac.wire_format = MLS_WIRE_FORMAT_PUBLIC_MESSAGE;
	ac.content = pm->content;
	ac.auth = pm->auth;
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	rc = mls_encode_authenticated_content(&w, &ac);
	if (rc == 0) rc = mls_make_proposal_ref(cs, codec_writer_span(&w), ref);
	if (rc == 0) *reflen = cs->kdf->nh;
	codec_writer_clear(&w);
	return rc;
}

/* Build, sign, log, push and keep one Remove proposal. */
static int propose(struct op_env *env, const struct target *t, const struct store_group *g,
                   uint32_t index)
{
	struct mls_message m;
	struct mls_framed_content *fc = &m.u.public_message.content;
	uint8_t sig[CRYPTO_MAX_SIG], ref[CRYPTO_MAX_HASH];
	struct kenh_span gid = span_make(t->gid, t->gidlen);
	struct codec_writer w;
	size_t siglen = 0, reflen = 0;
	uint64_t seq = 0;
	int rc;

	memset(&m, 0, sizeof(m));
	m.version = MLS_VERSION_MLS10;
	m.wire_format = MLS_WIRE_FORMAT_PUBLIC_MESSAGE;
	fc->group_id = gid;
	fc->epoch = g->epoch;
	fc->sender.sender_type = MLS_SENDER_EXTERNAL;
	fc->sender.sender_index = index;
	fc->content_type = MLS_CONTENT_PROPOSAL;
	fc->proposal.proposal_type = MLS_PROPOSAL_REMOVE;
	fc->proposal.u.remove.removed = t->leaf;
	if ((rc = sign_content(env, g->cipher_suite, fc, sig, &siglen)) != 0) return rc;
	m.u.public_message.auth.signature = span_make(sig, siglen);
	if ((rc = make_ref(env, g->cipher_suite, &m.u.public_message, ref, &reflen)) != 0)
		return rc;
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	rc = mls_encode_message(&w, &m);
	if (rc == 0) rc = env->so->log_append(env->st, gid, codec_writer_span(&w), env->now, &seq);
	if (rc == 0) rc = ops_push_entry(env, gid, seq, codec_writer_span(&w), 0);
	if (rc == 0)
		rc = env->so->proposal_put(env->st, gid, g->epoch, span_make(ref, reflen),
		                           codec_writer_span(&w));
	codec_writer_clear(&w);
	return rc;
}

/* Log the group by the first bytes of its id in hex (ids are opaque). */
static void group_hex(const struct target *t, char out[static 33])
{
	size_t i, n = t->gidlen < 16 ? t->gidlen : 16;

	for (i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", t->gid[i]);
	out[2 * n] = '\0';
}

static int propose_one(struct op_env *env, const char *device, const struct target *t)
{
	struct kenh_span gid = span_make(t->gid, t->gidlen);
	struct store_group g;
	uint32_t index = 0;
	char hex[33];
	int rc;

	group_hex(t, hex);
	if ((rc = env->so->group_get(env->st, gid, &g)) != 0) return rc;
	rc = find_sender_index(env, gid, &index);
	if (rc == 0) rc = propose(env, t, &g, index);
	if (rc == KENH_E_NOT_FOUND || rc == KENH_E_UNSUPPORTED) {
		klog(KENH_LOG_WARN, "remove_not_proposed", "device=%s group=%s leaf=%u err=\"%s\"",
		     device, hex, t->leaf,
		     rc == KENH_E_NOT_FOUND ? "relay not an external sender" : "suite");
		return 0;
	}
	if (rc == 0)
		klog(KENH_LOG_INFO, "remove_proposed", "device=%s group=%s epoch=%llu leaf=%u",
		     device, hex, (unsigned long long)g.epoch, t->leaf);
	return rc;
}

int revoke_propose_removals(struct op_env *env, const char *device)
{
	struct targets ts = { NULL, 0, 0 };
	size_t i;
	int rc;

	if (env->signer == NULL) return 0;
	if ((rc = env->so->device_leaves(env->st, device, collect, &ts)) != 0) goto out;
	for (i = 0; i < ts.n && rc == 0; i++)
		rc = propose_one(env, device, &ts.t[i]);
out:
	mem_free(ts.t);
	return rc;
}
