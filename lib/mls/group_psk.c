/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The PSKs of one Commit or Welcome (RFC 9420 §8.4): each PreSharedKeyID
 * with its value, taken from the link of a group made by reinit or branch
 * when it names that link exactly (§11.2, §11.3), from the group's own
 * store of resumption PSKs when it names this group (§8.6), and through
 * the application's look-up otherwise (external PSKs, resumption PSKs of
 * other groups); then combined into psk_secret by mls_psk_secret() of
 * mls_keys.h. Which PSK proposals are allowed at all is group_proposal.c's
 * business.
 */
#include "mls/group.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "util/mem.h"

int mls_psk_set_new(struct mls_psk_set **out)
{
	return sec_alloc(sizeof(**out), (void **)out);
}

void mls_psk_set_free(struct mls_psk_set *s)
{
	sec_free(s, sizeof(*s));
}

/* RFC 9420 §8.6: the resumption_psk of one of our own past (or the current) epochs. */
static int own_resumption(const struct mls_group *g, uint64_t epoch, uint8_t *out, size_t *len)
{
	size_t i;

	for (i = 0; i < g->n_res; i++) {
		if (g->res[i].epoch != epoch) continue;
		memcpy(out, g->res[i].psk, g->cs->kdf->nh);
		*len = g->cs->kdf->nh;
		return 0;
	}
	return KENH_ERR(KENH_E_NOT_FOUND);
}

/* RFC 9420 §11.2, §11.3: the PSK of the group this one was made from, named exactly. */
static bool names_link(const struct mls_group *g, const struct mls_pre_shared_key_id *id)
{
	const struct mls_link *l = &g->link;

	return l->set && id->psktype == MLS_PSK_RESUMPTION && id->usage == l->usage &&
	       id->psk_epoch == l->epoch &&
	       span_eq(id->psk_group_id, span_make(l->group_id, l->group_id_len));
}

static int lookup(const struct mls_group *g, const struct mls_pre_shared_key_id *id, uint8_t *out,
                  size_t *len)
{
	*len = 0;
	if (names_link(g, id)) {
		memcpy(out, g->link.psk, g->cs->kdf->nh);
		*len = g->cs->kdf->nh;
		return 0;
	}
	if (id->psktype == MLS_PSK_RESUMPTION && span_eq(id->psk_group_id, g->gc.group_id))
		return own_resumption(g, id->psk_epoch, out, len);
	if (g->cb.psk_lookup == NULL) return KENH_ERR(KENH_E_NOT_FOUND);
	return g->cb.psk_lookup(g->cb.psk_arg, id, out, MLS_GROUP_PSK_MAX, len);
}

int mls_psk_set_add(struct mls_psk_set *s, const struct mls_group *g,
                    const struct mls_pre_shared_key_id *id)
{
	struct codec_writer w;
	struct kenh_span enc;
	size_t len = 0;
	int rc;

	if (s->n == LIMIT_PSKS) return KENH_ERR(KENH_E_TOO_LARGE);
	codec_writer_init(&w, sizeof(s->id_enc[0]), CODEC_WRITER_NORMAL);
	if ((rc = mls_encode_pre_shared_key_id(&w, id)) != 0) goto out;
	enc = codec_writer_span(&w);
	memcpy(s->id_enc[s->n], enc.p, enc.len);
	if ((rc = lookup(g, id, s->val[s->n], &len)) != 0) goto out;
	if (len > MLS_GROUP_PSK_MAX) {
		rc = KENH_ERR(KENH_E_INTERNAL);
		goto out;
	}
	s->id[s->n] = *id;
	s->in[s->n].id = span_make(s->id_enc[s->n], enc.len);
	s->in[s->n].psk = span_make(s->val[s->n], len);
	s->n++;
out:
	if (rc != 0) sec_zero(s->val[s->n], sizeof(s->val[s->n]));
	codec_writer_clear(&w);
	return rc;
}

int mls_psk_set_secret(const struct mls_psk_set *s, const struct crypto_suite *cs, uint8_t *out)
{
	if (s == NULL) return mls_psk_secret(cs, NULL, 0, out);
	return mls_psk_secret(cs, s->in, s->n, out);
}
