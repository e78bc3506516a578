/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The life cycle of struct mls_group and the small pieces every step
 * shares: allocation and wiping, swapping a staged epoch in, starting the
 * next epoch's state from the current one, the owned GroupContext (RFC
 * 9420 §8.1), the injected clock, the LeafNode policy (§7.3), the framing
 * view of an epoch and the sender look-up it needs (§6.1, §12.1.8.1), the
 * resumption PSK store (§8.6) and the start of an epoch's secret tree
 * (§9, §9.2). The steps themselves live in the other group_*.c files.
 */
#include "mls/group.h"

#include "util/compat.h"

#include <time.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/framing.h"
#include "util/mem.h"

int mls_group_alloc(const struct kenh_ctx *ctx, const struct crypto_suite *cs,
                    const struct mls_group_callbacks *cb, struct mls_group **out)
{
	struct mls_group *g = NULL;
	int rc;

	*out = NULL;
	if (ctx == NULL || cs == NULL || cb == NULL || cb->check_credential == NULL)
		return KENH_ERR(KENH_E_INVALID_ARG);
	/* The struct holds keys (R5.1): secure memory, wiped when freed. */
	if ((rc = sec_alloc(sizeof(*g), (void **)&g)) != 0) return rc;
	g->ctx = ctx;
	g->cs = cs;
	g->cb = *cb;
	*out = g;
	return 0;
}

void mls_group_clear_props(struct mls_group *g)
{
	size_t i;

	for (i = 0; i < g->n_props; i++) {
		mls_proposal_clear(&g->props[i].prop);
		mem_free(g->props[i].enc);
	}
	/* Entries can hold the key of our own Update (R5.2). */
	sec_free(g->props, g->n_props * sizeof(*g->props));
	g->props = NULL;
	g->n_props = 0;
}

void mls_group_free(struct mls_group *g)
{
	if (g == NULL) return;
	mls_group_staged_discard(g);
	mls_group_clear_props(g);
	mls_group_context_clear(&g->gc);
	mem_free(g->gc_enc);
	mls_reinit_clear(&g->reinit_args);
	mem_free(g->reinit_enc);
	mls_rtree_free(g->tree);
	mls_treekem_priv_clear(&g->priv);
	mls_epoch_secrets_clear(&g->es);
	mls_secret_tree_clear(&g->st);
	mls_group_past_clear(g);
	crypto_sig_key_free(g->sig_key);
	mls_sig_cache_clear(&g->sig_cache);
	sec_free(g, sizeof(*g));
}

void mls_group_swap(struct mls_group *a, struct mls_group *b)
{
	struct mls_group tmp;

	memcpy(&tmp, a, sizeof(tmp));
	memcpy(a, b, sizeof(tmp));
	memcpy(b, &tmp, sizeof(tmp));
	sec_zero(&tmp, sizeof(tmp));
}

static int copy_context(struct mls_group *dst, const struct mls_group *src)
{
	struct codec_reader r;
	int rc;

	if ((rc = mem_dup(src->gc_enc, src->gc_len, &dst->gc_enc)) != 0) return rc;
	dst->gc_len = src->gc_len;
	codec_reader_init(&r, dst->gc_enc, dst->gc_len);
	if ((rc = mls_decode_group_context(&r, &dst->gc)) != 0) return rc;
	return codec_reader_done(&r);
}

int mls_group_next(const struct mls_group *g, struct mls_group **out)
{
	struct mls_group *n = NULL;
	int rc;

	*out = NULL;
	if ((rc = mls_group_alloc(g->ctx, g->cs, &g->cb, &n)) != 0) return rc;
	if ((rc = copy_context(n, g)) != 0) goto out;
	if ((rc = mls_rtree_dup(g->tree, &n->tree)) != 0) goto out;
	n->own_leaf = g->own_leaf;
	n->sig_sk_len = g->sig_sk_len;
	memcpy(n->sig_sk, g->sig_sk, sizeof(n->sig_sk));
	n->priv = g->priv;
	memcpy(n->res, g->res, sizeof(n->res));
	n->n_res = g->n_res;
	n->link = g->link;
	memcpy(n->conf_tag, g->conf_tag, sizeof(n->conf_tag));
	memcpy(n->interim, g->interim, sizeof(n->interim));
	*out = n;
	n = NULL;
out:
	mls_group_free(n);
	return rc;
}

int mls_group_sig_key(struct mls_group *g, const struct crypto_sig_key **out)
{
	int rc;

	*out = NULL;
	if (g->sig_key == NULL) {
		if (g->sig_sk_len != g->cs->sig->nsk) return KENH_ERR(KENH_E_STATE);
		if ((rc = crypto_sig_key_new(g->cs->sig, g->sig_sk, &g->sig_key)) != 0) return rc;
	}
	*out = g->sig_key;
	return 0;
}

/*
 * A structure the group keeps as its own encoding plus a decoded copy whose
 * vectors view that encoding (the GroupContext of RFC 9420 §8.1, the ReInit
 * arguments of §11.2): how to encode, decode and clear one.
 */
struct owned_codec {
	int (*encode)(struct codec_writer *w, const void *in);
	int (*decode)(struct codec_reader *r, void *out);
	void (*clear)(void *v);
};

static int encode_gc(struct codec_writer *w, const void *in)
{
	return mls_encode_group_context(w, in);
}

static int decode_gc(struct codec_reader *r, void *out)
{
	return mls_decode_group_context(r, out);
}

static void clear_gc(void *v)
{
	mls_group_context_clear(v);
}

static int encode_ri(struct codec_writer *w, const void *in)
{
	return mls_encode_reinit(w, in);
}

static int decode_ri(struct codec_reader *r, void *out)
{
	return mls_decode_reinit(r, out);
}

static void clear_ri(void *v)
{
	mls_reinit_clear(v);
}

static const struct owned_codec GC_CODEC = { encode_gc, decode_gc, clear_gc };
static const struct owned_codec RI_CODEC = { encode_ri, decode_ri, clear_ri };

/*
 * Encode in into a new buffer *buf (*len bytes) and decode it again into
 * out (zeroed by the caller), whose views then point into *buf. On error
 * out is cleared and nothing is returned.
 */
static int encode_owned(const struct owned_codec *c, const void *in, void *out, uint8_t **buf,
                        size_t *len)
{
	struct codec_writer w;
	struct codec_reader r;
	uint8_t *b = NULL;
	size_t n = 0;
	int rc;

	*buf = NULL;
	*len = 0;
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	if ((rc = c->encode(&w, in)) != 0) goto out;
	if ((rc = codec_writer_finish(&w, &b, &n)) != 0) goto out;
	codec_reader_init(&r, b, n);
	if ((rc = c->decode(&r, out)) != 0) goto out;
	if ((rc = codec_reader_done(&r)) != 0) goto out;
	*buf = b;
	*len = n;
	b = NULL;
out:
	if (rc != 0) c->clear(out);
	mem_free(b);
	codec_writer_clear(&w);
	return rc;
}

int mls_group_set_context(struct mls_group *g, const struct mls_group_context *gc)
{
	struct mls_group_context dec;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	memset(&dec, 0, sizeof(dec));
	if ((rc = encode_owned(&GC_CODEC, gc, &dec, &buf, &len)) != 0) return rc;
	/* gc may view the old context: release it only now. */
	mls_group_context_clear(&g->gc);
	mem_free(g->gc_enc);
	g->gc = dec;
	g->gc_enc = buf;
	g->gc_len = len;
	return 0;
}

int mls_group_set_reinit(struct mls_group *g, const struct mls_reinit *ri)
{
	struct mls_reinit dec;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	memset(&dec, 0, sizeof(dec));
	if ((rc = encode_owned(&RI_CODEC, ri, &dec, &buf, &len)) != 0) return rc;
	mls_reinit_clear(&g->reinit_args);
	mem_free(g->reinit_enc);
	g->reinit_args = dec;
	g->reinit_enc = buf;
	g->reinit_len = len;
	g->reinit = true;
	return 0;
}

uint64_t mls_group_now(const struct mls_group *g)
{
	time_t t;

	if (g->cb.clock != NULL) return g->cb.clock(g->cb.clock_arg);
	t = time(NULL);
	return t < 0 ? 0 : (uint64_t)t;
}

uint64_t mls_group_max_lifetime(const struct mls_group *g)
{
	return g->cb.max_lifetime != 0 ? g->cb.max_lifetime : MLS_KP_MAX_LIFETIME;
}

void mls_group_leaf_policy(const struct mls_group *g, const struct mls_extension_list *ext,
                           struct mls_leaf_policy *out)
{
	memset(out, 0, sizeof(*out));
	out->group_id = g->gc.group_id;
	out->gc_extensions = ext != NULL ? ext : &g->gc.extensions;
	/* RFC 9420 §7.3: checking the lifetime of received leaves is RECOMMENDED; we do. */
	out->check_lifetime = true;
	out->now = mls_group_now(g);
	out->max_lifetime = mls_group_max_lifetime(g);
	out->check_credential = g->cb.check_credential;
	out->check_arg = g->cb.check_arg;
}

int mls_group_check_successor(const struct mls_group *g, const struct mls_leaf_node *old,
                              const struct mls_leaf_node *next)
{
	struct codec_writer a, b;
	bool same;
	int rc;

	if (g->cb.check_successor == NULL) return 0;
	codec_writer_init(&a, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	codec_writer_init(&b, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	rc = mls_encode_credential(&a, &old->credential);
	if (rc == 0) rc = mls_encode_credential(&b, &next->credential);
	same = rc == 0 && span_eq(codec_writer_span(&a), codec_writer_span(&b));
	codec_writer_clear(&a);
	codec_writer_clear(&b);
	if (rc != 0 || same) return rc;
	return g->cb.check_successor(g->cb.successor_arg, old, next);
}

int mls_group_external_senders(const struct mls_extension_list *ext,
                               struct mls_external_senders *out)
{
	const struct mls_extension *e;
	struct codec_reader r;
	int rc;

	memset(out, 0, sizeof(*out));
	e = mls_extension_list_find(ext, MLS_EXT_EXTERNAL_SENDERS);
	if (e == NULL) return 0;
	codec_reader_init(&r, e->extension_data.p, e->extension_data.len);
	if ((rc = mls_decode_external_senders(&r, out)) == 0) rc = codec_reader_done(&r);
	if (rc != 0) {
		mls_external_senders_clear(out);
		return KENH_ERR(KENH_E_PARSE);
	}
	return 0;
}

/*
 * The framing layer's look-up (§6.1): a member signs with its leaf's key,
 * an external sender with the key its external_senders entry names
 * (§12.1.8.1). The keys view g's tree or GroupContext.
 */
static int sender_key(void *arg, const struct mls_sender *sender, struct kenh_span *key)
{
	const struct mls_group *g = arg;
	struct mls_external_senders es;
	const struct mls_leaf_node *ln;
	int rc;

	*key = span_make(NULL, 0);
	if (sender->sender_type == MLS_SENDER_MEMBER) {
		ln = mls_rtree_leaf(g->tree, sender->leaf_index);
		if (ln == NULL) return KENH_ERR(KENH_E_NOT_FOUND);
		*key = ln->signature_key;
		return 0;
	}
	if (sender->sender_type != MLS_SENDER_EXTERNAL) return KENH_ERR(KENH_E_PROTO);
	if ((rc = mls_group_external_senders(&g->gc.extensions, &es)) != 0) return rc;
	if (sender->sender_index >= es.count) {
		rc = KENH_ERR(KENH_E_NOT_FOUND);
	} else {
		*key = es.items[sender->sender_index].signature_key;
	}
	mls_external_senders_clear(&es);
	return rc;
}

void mls_group_framing_epoch(struct mls_group *g, struct mls_framing_epoch *out)
{
	memset(out, 0, sizeof(*out));
	out->ctx = g->ctx;
	out->cs = g->cs;
	out->gc = &g->gc;
	out->membership_key = g->es.membership_key;
	out->sender_data_secret = g->es.sender_data_secret;
	out->secret_tree = &g->st;
	out->sender_key = sender_key;
	out->sender_key_arg = g;
	out->sig_cache = &g->sig_cache;
}

void mls_group_keep_resumption(struct mls_group *g, uint64_t epoch, const uint8_t *psk)
{
	size_t nh = g->cs->kdf->nh;

	if (g->n_res == MLS_GROUP_RESUMPTION_KEEP) {
		/* RFC 9420 §8.6: keep a bounded number of past epochs; the oldest goes. */
		sec_zero(&g->res[0], sizeof(g->res[0]));
		memmove(&g->res[0], &g->res[1],
		        (MLS_GROUP_RESUMPTION_KEEP - 1) * sizeof(g->res[0]));
		sec_zero(&g->res[MLS_GROUP_RESUMPTION_KEEP - 1], sizeof(g->res[0]));
		g->n_res--;
	}
	g->res[g->n_res].epoch = epoch;
	memcpy(g->res[g->n_res].psk, psk, nh);
	g->n_res++;
}

int mls_group_start_epoch(struct mls_group *g)
{
	int rc;

	mls_secret_tree_clear(&g->st);
	rc = mls_secret_tree_init(&g->st, g->cs, g->es.encryption_secret, g->tree->n_leaves, NULL);
	/* RFC 9420 §9.2: the encryption secret is deleted once the secret tree holds it. */
	sec_zero(g->es.encryption_secret, sizeof(g->es.encryption_secret));
	return rc;
}
