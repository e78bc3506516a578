/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The GroupInfo a member publishes for the current epoch (RFC 9420
 * §12.4.3): its GroupContext, confirmation tag and leaf index, signed with
 * the member's key, with the ratchet_tree extension (§12.4.3.3) so a
 * joiner needs no other source for the tree, and the external_pub
 * extension (§12.4.3.2, the public half of the §8 external key pair) when
 * external Commits are to be possible, and a GREASE extension (§13.5).
 * Used for Welcomes and on its own.
 */
#include "mls/group.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/framing.h"
#include "util/mem.h"

int mls_group_message_encode(const struct mls_message *m, uint8_t **out, size_t *outlen)
{
	struct codec_writer w;
	int rc;

	*out = NULL;
	*outlen = 0;
	codec_writer_init(&w, LIMIT_RATCHET_TREE + LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	if ((rc = mls_encode_message(&w, m)) == 0) rc = codec_writer_finish(&w, out, outlen);
	codec_writer_clear(&w);
	return rc;
}

void mls_gi_build_clear(struct mls_gi_build *b)
{
	codec_writer_clear(&b->tree);
	memset(b, 0, sizeof(*b));
}

static int add_tree(const struct mls_group *g, struct mls_gi_build *b)
{
	struct mls_extension *e = &b->ext[b->gi.extensions.count];
	int rc;

	codec_writer_init(&b->tree, LIMIT_RATCHET_TREE, CODEC_WRITER_NORMAL);
	if ((rc = mls_rtree_export(g->tree, &b->tree)) != 0) return rc;
	e->extension_type = MLS_EXT_RATCHET_TREE;
	e->extension_data = codec_writer_span(&b->tree);
	b->gi.extensions.count++;
	return 0;
}

/* RFC 9420 §13.5: a GREASE extension, which every joiner must ignore. */
static int add_grease(const struct mls_group *g, struct mls_gi_build *b)
{
	struct mls_extension *e = &b->ext[b->gi.extensions.count];
	int rc;

	if ((rc = mls_group_grease_extension(g->ctx, 0, b->grease, e)) == 0)
		b->gi.extensions.count++;
	return rc;
}

static int add_external_pub(const struct mls_group *g, struct mls_gi_build *b)
{
	struct mls_extension *e = &b->ext[b->gi.extensions.count];
	uint8_t pk[CRYPTO_MAX_KEM_PK];
	struct codec_writer w;
	int rc;

	/* RFC 9420 §8: external_pub is the public half of KEM.DeriveKeyPair(external_secret). */
	rc = mls_external_keypair(g->ctx, g->cs, g->es.external_secret, NULL, pk);
	if (rc != 0) return rc;
	codec_writer_init(&w, sizeof(b->pub), CODEC_WRITER_NORMAL);
	if ((rc = mls_encode_external_pub(&w, span_make(pk, g->cs->kem->npk))) == 0) {
		memcpy(b->pub, codec_writer_span(&w).p, codec_writer_len(&w));
		e->extension_type = MLS_EXT_EXTERNAL_PUB;
		e->extension_data = span_make(b->pub, codec_writer_len(&w));
		b->gi.extensions.count++;
	}
	codec_writer_clear(&w);
	return rc;
}

int mls_group_info_build(const struct mls_group *g, bool with_tree, bool with_external_pub,
                         struct mls_gi_build *b)
{
	int rc;

	memset(b, 0, sizeof(*b));
	b->gi.group_context = g->gc;
	b->gi.extensions.items = b->ext;
	if (with_tree && (rc = add_tree(g, b)) != 0) goto out;
	if (with_external_pub && (rc = add_external_pub(g, b)) != 0) goto out;
	if ((rc = add_grease(g, b)) != 0) goto out;
	/* RFC 9420 §12.4.3: the tag of the Commit that opened this epoch (or of creation, §11). */
	b->gi.confirmation_tag = span_make(g->conf_tag, g->cs->kdf->nh);
	b->gi.signer = g->own_leaf;
	rc = mls_group_info_sign(g->cs, &b->gi, span_make(g->sig_sk, g->sig_sk_len), &b->sig);
	if (rc != 0) goto out;
	b->gi.signature = span_make(b->sig.bytes, b->sig.len);
out:
	if (rc != 0) mls_gi_build_clear(b);
	return rc;
}

int mls_group_info_make(const struct mls_group *g, bool with_tree, bool with_external_pub,
                        uint8_t **out, size_t *outlen)
{
	struct mls_gi_build b;
	struct mls_message m;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (g->removed) return KENH_ERR(KENH_E_STATE);
	if ((rc = mls_group_info_build(g, with_tree, with_external_pub, &b)) != 0) return rc;
	memset(&m, 0, sizeof(m));
	m.version = MLS_VERSION_MLS10;
	m.wire_format = MLS_WIRE_FORMAT_GROUP_INFO;
	m.u.group_info = b.gi;
	rc = mls_group_message_encode(&m, out, outlen);
	mls_gi_build_clear(&b);
	return rc;
}
