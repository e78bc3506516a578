/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The whole state of a group as bytes, and back: what a client keeps
 * between runs (encrypted at rest by the client, DESIGN §1). The format is
 * ours, versioned, and written with the same TLS-presentation codec as
 * the wire structs:
 *
 *   uint32 magic "KMLS"; uint16 format (3); uint16 cipher_suite;
 *   opaque group_context<V>;       the encoded GroupContext (RFC 9420 §8.1)
 *   opaque ratchet_tree<V>;        the tree as the ratchet_tree extension (§12.4.3.3)
 *   uint32 own_leaf; uint8 flags (1: removed, 2: reinit, 4: a removed
 *     member's late epoch closed);
 *   opaque signature_key<V>;
 *   uint32 n; { uint32 node; opaque sk[Nsk]; }[n]   path private keys (§4.2)
 *   opaque epoch_secrets[8 * Nh]   sender_data, exporter, external, confirmation,
 *                                  membership, resumption, authenticator, init
 *   opaque interim[Nh]; opaque confirmation_tag[Nh];
 *   SecretTree                     (mls_secret_tree_encode, §9.2 state)
 *   uint32 n; { opaque ref[Nh]; Sender; opaque proposal<V>; uint8 own; [sk] }[n]
 *   uint32 n; { uint64 epoch; opaque psk[Nh]; }[n]   resumption PSKs (§8.6)
 *   PastEpochs                     (format 2: mls_group_past_encode, §15.3)
 *   opaque reinit<V>               (format 3: the ReInit that ended the group, §12.1.5;
 *                                  empty unless flag 2, and then empty if unknown)
 *
 * Formats 1 and 2 are still read: each is the next one without its last
 * field (a group a ReInit ended then cannot make the new group).
 * Secrets are written into a sensitive writer, so the buffer is wiped as it
 * grows; the caller wipes the result. A staged Commit is not saved: it is
 * either merged before the state is saved or made again. Restoring checks
 * every count and length against the suite and the limits, and rebuilds
 * the tree (and its hashes) from its encoding.
 */
#include "mls/group.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "util/mem.h"

#define STATE_MAGIC      0x4b4d4c53u /* "KMLS" */
#define STATE_FORMAT     3u
#define STATE_FORMAT_V1  1u /* before past epochs */
#define STATE_FORMAT_V2  2u /* before the ReInit */
#define FLAG_REMOVED     1u
#define FLAG_REINIT      2u
#define FLAG_LATE_CLOSED 4u
/* The tree, then room for the secret trees (ours and the past epochs') and the rest. */
#define STATE_MAX       (LIMIT_RATCHET_TREE + (4 + 4 * MLS_GROUP_PAST_EPOCHS) * LIMIT_MLS_MESSAGE)
#define N_EPOCH_SECRETS 8u

/* The epoch secrets a member keeps (joiner, welcome and encryption are gone by then). */
static uint8_t *epoch_field(struct mls_epoch_secrets *es, size_t i)
{
	uint8_t *f[N_EPOCH_SECRETS] = {
		es->sender_data_secret,  es->exporter_secret, es->external_secret,
		es->confirmation_key,    es->membership_key,  es->resumption_psk,
		es->epoch_authenticator, es->init_secret,
	};
	return f[i];
}

static void put_priv(struct codec_writer *w, const struct mls_treekem_priv *p)
{
	size_t i;

	codec_write_u32(w, (uint32_t)p->n);
	for (i = 0; i < p->n; i++) {
		codec_write_u32(w, p->slot[i].node);
		codec_write_bytes(w, p->slot[i].sk, p->nsk);
	}
}

static void put_props(struct codec_writer *w, const struct mls_group *g)
{
	size_t i, nh = g->cs->kdf->nh;

	codec_write_u32(w, (uint32_t)g->n_props);
	for (i = 0; i < g->n_props; i++) {
		const struct mls_pending_prop *p = &g->props[i];
		codec_write_bytes(w, p->ref, nh);
		if (mls_encode_sender(w, &p->sender) != 0) return;
		codec_write_opaque(w, p->enc, p->enc_len);
		codec_write_u8(w, p->own_update ? 1 : 0);
		if (p->own_update) codec_write_bytes(w, p->update_sk, g->cs->kem->nsk);
	}
}

static int put_tree(struct codec_writer *w, const struct mls_rtree *t)
{
	struct codec_writer tw;
	struct kenh_span s;
	int rc;

	codec_writer_init(&tw, LIMIT_RATCHET_TREE, CODEC_WRITER_NORMAL);
	if ((rc = mls_rtree_export(t, &tw)) == 0) {
		s = codec_writer_span(&tw);
		rc = codec_write_opaque(w, s.p, s.len);
	}
	codec_writer_clear(&tw);
	return rc;
}

static int put_state(struct codec_writer *w, const struct mls_group *g)
{
	struct mls_epoch_secrets es = g->es;
	size_t i, nh = g->cs->kdf->nh;
	int rc;

	codec_write_u32(w, STATE_MAGIC);
	codec_write_u16(w, STATE_FORMAT);
	codec_write_u16(w, g->cs->id);
	codec_write_opaque(w, g->gc_enc, g->gc_len);
	if ((rc = put_tree(w, g->tree)) != 0) goto out;
	codec_write_u32(w, g->own_leaf);
	codec_write_u8(w,
	               (uint8_t)((g->removed ? FLAG_REMOVED : 0) | (g->reinit ? FLAG_REINIT : 0) |
	                         (g->late_closed ? FLAG_LATE_CLOSED : 0)));
	codec_write_opaque(w, g->sig_sk, g->sig_sk_len);
	put_priv(w, &g->priv);
	for (i = 0; i < N_EPOCH_SECRETS; i++)
		codec_write_bytes(w, epoch_field(&es, i), nh);
	codec_write_bytes(w, g->interim, nh);
	codec_write_bytes(w, g->conf_tag, nh);
	if ((rc = mls_secret_tree_encode(&g->st, w)) != 0) goto out;
	put_props(w, g);
	codec_write_u32(w, (uint32_t)g->n_res);
	for (i = 0; i < g->n_res; i++) {
		codec_write_u64(w, g->res[i].epoch);
		codec_write_bytes(w, g->res[i].psk, nh);
	}
	if ((rc = mls_group_past_encode(g, w)) != 0) goto out;
	codec_write_opaque(w, g->reinit_enc, g->reinit_len);
	rc = codec_writer_err(w);
out:
	mls_epoch_secrets_clear(&es);
	return rc;
}

int mls_group_serialize(const struct mls_group *g, uint8_t **out, size_t *outlen)
{
	struct codec_writer w;
	int rc;

	*out = NULL;
	*outlen = 0;
	codec_writer_init(&w, STATE_MAX, CODEC_WRITER_SENSITIVE);
	if ((rc = put_state(&w, g)) == 0) rc = codec_writer_finish(&w, out, outlen);
	codec_writer_clear(&w);
	return rc;
}

/* ------------------------------------------------------------------ restore */

static int get_context(struct codec_reader *r, struct mls_group *g)
{
	struct codec_reader cr;
	struct kenh_span s;
	int rc;

	if ((rc = codec_read_opaque(r, LIMIT_MLS_MESSAGE, &s)) != 0) return rc;
	if ((rc = span_dup(s, &g->gc_enc)) != 0) return rc;
	g->gc_len = s.len;
	codec_reader_init(&cr, g->gc_enc, g->gc_len);
	if ((rc = mls_decode_group_context(&cr, &g->gc)) == 0) rc = codec_reader_done(&cr);
	if (rc == 0 && (g->gc.cipher_suite != g->cs->id || g->gc.version != MLS_VERSION_MLS10))
		rc = KENH_ERR(KENH_E_PARSE);
	return rc;
}

static int get_tree(struct codec_reader *r, struct mls_group *g)
{
	struct kenh_span s;
	int rc;

	if ((rc = codec_read_opaque(r, LIMIT_RATCHET_TREE, &s)) != 0) return rc;
	return mls_rtree_import(g->cs, s, &g->tree);
}

/* Whether the path keys read so far hold node x already. */
static bool has_slot(const struct mls_treekem_priv *p, uint32_t x)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->slot[i].node == x) return true;
	return false;
}

static int get_priv(struct codec_reader *r, struct mls_group *g)
{
	uint8_t sk[CRYPTO_MAX_KEM_SK];
	uint32_t n = 0, node = 0, i;
	int rc;

	g->priv.leaf = g->own_leaf;
	g->priv.nsk = g->cs->kem->nsk;
	codec_read_u32(r, &n);
	if ((rc = codec_reader_err(r)) != 0) return rc;
	if (n > MLS_TREEKEM_SLOTS) return KENH_ERR(KENH_E_PARSE);
	for (i = 0; i < n && rc == 0; i++) {
		codec_read_u32(r, &node);
		codec_read_bytes(r, sk, g->cs->kem->nsk);
		if ((rc = codec_reader_err(r)) != 0) break;
		/* One key per node: the saved form is canonical, as we write it. */
		if (has_slot(&g->priv, node)) {
			rc = KENH_ERR(KENH_E_PARSE);
			break;
		}
		rc = mls_treekem_priv_set(&g->priv, g->tree, node, sk);
		if (rc == KENH_E_INVALID_ARG) rc = KENH_ERR(KENH_E_PARSE);
	}
	sec_zero(sk, sizeof(sk));
	return rc;
}

static int get_secrets(struct codec_reader *r, struct mls_group *g)
{
	size_t i, nh = g->cs->kdf->nh;

	g->es.nh = nh;
	for (i = 0; i < N_EPOCH_SECRETS; i++)
		codec_read_bytes(r, epoch_field(&g->es, i), nh);
	codec_read_bytes(r, g->interim, nh);
	codec_read_bytes(r, g->conf_tag, nh);
	return codec_reader_err(r);
}

static int get_prop(struct codec_reader *r, struct mls_group *g, struct mls_pending_prop *e)
{
	struct codec_reader pr;
	struct kenh_span s;
	uint8_t own = 0;
	int rc;

	codec_read_bytes(r, e->ref, g->cs->kdf->nh);
	if ((rc = mls_decode_sender(r, &e->sender)) != 0) return rc;
	codec_read_opaque(r, LIMIT_MLS_MESSAGE, &s);
	codec_read_u8(r, &own);
	if ((rc = codec_reader_err(r)) != 0) return rc;
	if (own > 1) return KENH_ERR(KENH_E_PARSE);
	e->own_update = own == 1;
	if (e->own_update) codec_read_bytes(r, e->update_sk, g->cs->kem->nsk);
	if ((rc = codec_reader_err(r)) != 0) return rc;
	if ((rc = span_dup(s, &e->enc)) != 0) return rc;
	e->enc_len = s.len;
	codec_reader_init(&pr, e->enc, e->enc_len);
	if ((rc = mls_decode_proposal(&pr, &e->prop)) == 0) rc = codec_reader_done(&pr);
	return rc;
}

static int get_props(struct codec_reader *r, struct mls_group *g)
{
	uint32_t n = 0, i;
	int rc;

	codec_read_u32(r, &n);
	if ((rc = codec_reader_err(r)) != 0) return rc;
	/* Each entry takes at least Nh + 7 bytes: never allocate past what is there. */
	if (n > MLS_GROUP_MAX_PENDING || n > codec_reader_remaining(r) / (g->cs->kdf->nh + 7))
		return KENH_ERR(KENH_E_PARSE);
	if (n == 0) return 0;
	if ((rc = sec_alloc(n * sizeof(*g->props), (void **)&g->props)) != 0) return rc;
	/* Zeroed entries are safe to release if a later one fails. */
	g->n_props = n;
	for (i = 0; i < n && rc == 0; i++)
		rc = get_prop(r, g, &g->props[i]);
	return rc;
}

static int get_resumption(struct codec_reader *r, struct mls_group *g)
{
	uint32_t n = 0, i;
	int rc;

	codec_read_u32(r, &n);
	if ((rc = codec_reader_err(r)) != 0) return rc;
	if (n > MLS_GROUP_RESUMPTION_KEEP) return KENH_ERR(KENH_E_PARSE);
	for (i = 0; i < n; i++) {
		codec_read_u64(r, &g->res[i].epoch);
		codec_read_bytes(r, g->res[i].psk, g->cs->kdf->nh);
	}
	g->n_res = n;
	return codec_reader_err(r);
}

/* The ReInit of a group it ended (only then, and then possibly unknown). */
static int get_reinit(struct codec_reader *r, struct mls_group *g)
{
	struct mls_reinit ri;
	struct codec_reader rr;
	struct kenh_span s;
	int rc;

	if ((rc = codec_read_opaque(r, LIMIT_MLS_MESSAGE, &s)) != 0) return rc;
	if (s.len == 0) return 0;
	if (!g->reinit) return KENH_ERR(KENH_E_PARSE);
	codec_reader_init(&rr, s.p, s.len);
	if ((rc = mls_decode_reinit(&rr, &ri)) == 0 && (rc = codec_reader_done(&rr)) == 0)
		rc = mls_group_set_reinit(g, &ri);
	mls_reinit_clear(&ri);
	return rc;
}

static int get_header(struct codec_reader *r, const struct kenh_ctx *ctx,
                      const struct crypto_suite **cs, uint16_t *format)
{
	uint32_t magic = 0;
	uint16_t suite = 0;
	int rc;

	codec_read_u32(r, &magic);
	codec_read_u16(r, format);
	codec_read_u16(r, &suite);
	if ((rc = codec_reader_err(r)) != 0) return rc;
	if (magic != STATE_MAGIC) return KENH_ERR(KENH_E_PARSE);
	if (*format != STATE_FORMAT && *format != STATE_FORMAT_V2 && *format != STATE_FORMAT_V1)
		return KENH_ERR(KENH_E_UNSUPPORTED);
	if ((*cs = crypto_suite_get(ctx, suite)) == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	return 0;
}

static int get_leaf_and_key(struct codec_reader *r, struct mls_group *g)
{
	struct kenh_span sk;
	uint8_t flags = 0;
	int rc;

	codec_read_u32(r, &g->own_leaf);
	codec_read_u8(r, &flags);
	codec_read_opaque(r, CRYPTO_MAX_SIG_SK, &sk);
	if ((rc = codec_reader_err(r)) != 0) return rc;
	if ((flags & ~(FLAG_REMOVED | FLAG_REINIT | FLAG_LATE_CLOSED)) != 0 ||
	    sk.len != g->cs->sig->nsk)
		return KENH_ERR(KENH_E_PARSE);
	/* Only a removed member closes its late epoch. */
	if ((flags & (FLAG_REMOVED | FLAG_LATE_CLOSED)) == FLAG_LATE_CLOSED)
		return KENH_ERR(KENH_E_PARSE);
	g->removed = (flags & FLAG_REMOVED) != 0;
	g->late_closed = (flags & FLAG_LATE_CLOSED) != 0;
	g->reinit = (flags & FLAG_REINIT) != 0;
	memcpy(g->sig_sk, sk.p, sk.len);
	g->sig_sk_len = sk.len;
	/* Our own leaf is in the tree unless a Commit removed us. */
	if (!g->removed && mls_rtree_leaf(g->tree, g->own_leaf) == NULL)
		return KENH_ERR(KENH_E_PARSE);
	return 0;
}

static int get_state(struct codec_reader *r, struct mls_group *g, uint16_t format)
{
	int rc;

	if ((rc = get_context(r, g)) != 0) return rc;
	if ((rc = get_tree(r, g)) != 0) return rc;
	if ((rc = get_leaf_and_key(r, g)) != 0) return rc;
	if ((rc = get_priv(r, g)) != 0) return rc;
	if ((rc = get_secrets(r, g)) != 0) return rc;
	if ((rc = mls_secret_tree_decode(&g->st, g->cs, r)) != 0) return rc;
	if (g->st.n_leaves != g->tree->n_leaves) return KENH_ERR(KENH_E_PARSE);
	if ((rc = get_props(r, g)) != 0) return rc;
	if ((rc = get_resumption(r, g)) != 0) return rc;
	if (format != STATE_FORMAT_V1 && (rc = mls_group_past_decode(g, r)) != 0) return rc;
	if (format == STATE_FORMAT && (rc = get_reinit(r, g)) != 0) return rc;
	return codec_reader_done(r);
}

int mls_group_deserialize(const struct kenh_ctx *ctx, const struct mls_group_callbacks *cb,
                          struct kenh_span in, struct mls_group **out)
{
	const struct crypto_suite *cs = NULL;
	struct mls_group *g = NULL;
	struct codec_reader r;
	uint16_t format = 0;
	int rc;

	*out = NULL;
	codec_reader_init(&r, in.p, in.len);
	if ((rc = get_header(&r, ctx, &cs, &format)) != 0) return rc;
	if ((rc = mls_group_alloc(ctx, cs, cb, &g)) != 0) return rc;
	if ((rc = get_state(&r, g, format)) != 0) goto out;
	*out = g;
	g = NULL;
out:
	mls_group_free(g);
	return rc;
}
