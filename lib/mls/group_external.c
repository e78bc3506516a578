/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Joining by external Commit (RFC 9420 §12.4.3.2), the joiner's side: from
 * a GroupInfo with the external_pub extension, check the GroupInfo and the
 * tree as a Welcome joiner would (§12.4.3.1), derive the init secret with
 * HPKE to external_pub (§8.3), commit an ExternalInit (and a Remove of our
 * old leaf for a "resync", and PSKs) by value, take the leftmost blank
 * leaf with a full UpdatePath, sign as new_member_commit and enter the new
 * epoch. The members' side is the ordinary Commit processing
 * (group_commit.c).
 */
#include "mls/group.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "util/mem.h"

struct ext_join {
	const struct mls_external_join_args *a;
	const struct crypto_suite *cs;
	struct mls_group *old;
	struct mls_group *next;
	struct mls_key_package kp;
	struct mls_proposal_or_ref por[2 + 2 * LIMIT_PSKS];
	struct mls_prop_item items[2 + 2 * LIMIT_PSKS];
	size_t n;
	struct mls_apply_result res;
	struct mls_treekem_path path; /* secret */
	struct mls_treekem_update_path up;
	struct mls_framed_content content;
	struct mls_signature sig;
	uint8_t kem_output[CRYPTO_MAX_KEM_PK];
	uint8_t init_secret[CRYPTO_MAX_HASH]; /* secret */
	uint8_t psk_secret[CRYPTO_MAX_HASH];  /* secret */
	uint8_t tag[CRYPTO_MAX_HASH];
};

/* The tree from the caller or the GroupInfo's ratchet_tree extension (§12.4.3.3). */
static int import_tree(struct ext_join *j)
{
	const struct mls_extension *e;
	struct kenh_span data = j->a->tree;

	if (data.len == 0) {
		e = mls_extension_list_find(&j->a->gi->extensions, MLS_EXT_RATCHET_TREE);
		if (e == NULL) return KENH_ERR(KENH_E_NOT_FOUND);
		data = e->extension_data;
	}
	return mls_rtree_import(j->cs, data, &j->old->tree);
}

/* RFC 9420 §12.4.3.2, §12.4.3.1: the GroupInfo (signature, suite, extensions) and the tree. */
static int check_group_info(struct ext_join *j)
{
	const struct mls_group_info *gi = j->a->gi;
	const struct mls_leaf_node *signer;
	int rc;

	if ((rc = import_tree(j)) != 0) return rc;
	if ((signer = mls_rtree_leaf(j->old->tree, gi->signer)) == NULL)
		return KENH_ERR(KENH_E_NOT_FOUND);
	if ((rc = mls_group_info_verify(j->cs, gi, signer->signature_key)) != 0) return rc;
	if ((rc = mls_group_extensions_unique(&gi->extensions)) != 0) return rc;
	if ((rc = mls_group_context_extensions_check(j->old, &gi->group_context.extensions)) != 0)
		return rc;
	if ((rc = mls_group_set_context(j->old, &gi->group_context)) != 0) return rc;
	if ((rc = mls_group_check_tree(j->old, gi)) != 0) return rc;
	if (gi->confirmation_tag.len != j->cs->kdf->nh) return KENH_ERR(KENH_E_PROTO);
	memcpy(j->old->conf_tag, gi->confirmation_tag.p, j->cs->kdf->nh);
	/* RFC 9420 §8.2: the interim hash the joiner starts from. */
	return mls_interim_transcript_hash(j->cs, gi->group_context.confirmed_transcript_hash,
	                                   gi->confirmation_tag, j->old->interim);
}

/* RFC 9420 §12.4.3.2: the external_pub extension, and §8.3 the init secret sent to it. */
static int external_init(struct ext_join *j)
{
	const struct mls_extension *e;
	struct codec_reader r;
	struct kenh_span pub;
	int rc;

	e = mls_extension_list_find(&j->a->gi->extensions, MLS_EXT_EXTERNAL_PUB);
	if (e == NULL) return KENH_ERR(KENH_E_NOT_FOUND);
	codec_reader_init(&r, e->extension_data.p, e->extension_data.len);
	if ((rc = mls_decode_external_pub(&r, &pub)) == 0) rc = codec_reader_done(&r);
	if (rc != 0) return KENH_ERR(KENH_E_PROTO);
	return mls_group_external_init_send(j->a->ctx, j->cs, pub, j->kem_output, j->init_secret);
}

static void add_value(struct ext_join *j, const struct mls_proposal *p)
{
	j->por[j->n].type = MLS_PROPOSAL_OR_REF_PROPOSAL;
	j->por[j->n].proposal = *p;
	j->items[j->n].p = &j->por[j->n].proposal;
	j->items[j->n].sender.sender_type = MLS_SENDER_NEW_MEMBER_COMMIT;
	j->n++;
}

/* RFC 9420 §12.2: ExternalInit, at most one Remove (resync), PreSharedKeys. */
static void proposals(struct ext_join *j)
{
	struct mls_proposal p;
	size_t i;

	memset(&p, 0, sizeof(p));
	p.proposal_type = MLS_PROPOSAL_EXTERNAL_INIT;
	p.u.external_init.kem_output = span_make(j->kem_output, j->cs->kem->npk);
	add_value(j, &p);
	if (j->a->resync_leaf != UINT32_MAX) {
		memset(&p, 0, sizeof(p));
		p.proposal_type = MLS_PROPOSAL_REMOVE;
		p.u.remove.removed = j->a->resync_leaf;
		add_value(j, &p);
	}
	for (i = 0; i < j->a->n_psk && j->n < ARRAY_LEN(j->items); i++) {
		memset(&p, 0, sizeof(p));
		p.proposal_type = MLS_PROPOSAL_PSK;
		p.u.psk.psk = j->a->psks[i];
		add_value(j, &p);
	}
	for (i = 0; i < j->a->n_extra && j->n < ARRAY_LEN(j->items); i++)
		add_value(j, &j->a->extra[i]);
}

/* RFC 9420 §12.4.1, §12.4.3.2: our leaf at the leftmost blank place, and the path from it. */
static int make_path(struct ext_join *j)
{
	struct mls_treekem_create_args ca;
	struct codec_writer w;
	uint32_t leaf = 0;
	int rc;

	if ((rc = mls_rtree_blank_leaf(j->next->tree, &leaf)) != 0) return rc;
	j->next->own_leaf = leaf;
	memset(&ca, 0, sizeof(ca));
	ca.leaf = leaf;
	ca.tmpl = &j->kp.leaf_node;
	ca.sig_sk = span_make(j->a->kp->sig_sk, j->a->kp->sig_sk_len);
	ca.group_id = j->old->gc.group_id;
	if ((rc = mls_treekem_create(j->a->ctx, j->next->tree, &ca, &j->path, &j->next->priv)) != 0)
		return rc;
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	if ((rc = mls_group_provisional_context(j->next, j->old, &w)) == 0) {
		struct mls_treekem_send snd;
		memset(&snd, 0, sizeof(snd));
		snd.group_context = codec_writer_span(&w);
		rc = mls_treekem_encrypt(j->a->ctx, j->next->tree, &j->path, &snd, &j->up);
	}
	codec_writer_clear(&w);
	return rc;
}

/* Sign as new_member_commit with the old GroupContext, then open the new epoch. */
static int sign_and_advance(struct ext_join *j)
{
	struct mls_framing_epoch ep;
	struct mls_epoch_inputs in;
	int rc;

	j->content.group_id = j->old->gc.group_id;
	j->content.epoch = j->old->gc.epoch;
	j->content.sender.sender_type = MLS_SENDER_NEW_MEMBER_COMMIT;
	j->content.content_type = MLS_CONTENT_COMMIT;
	j->content.commit.proposals = j->por;
	j->content.commit.n_proposals = j->n;
	j->content.commit.has_path = true;
	j->content.commit.path = j->up.path;
	mls_group_framing_epoch(j->old, &ep);
	rc = mls_framed_content_sign(&ep, MLS_WIRE_FORMAT_PUBLIC_MESSAGE, &j->content,
	                             span_make(j->a->kp->sig_sk, j->a->kp->sig_sk_len), &j->sig);
	if (rc != 0) return rc;
	if ((rc = mls_psk_set_secret(j->res.psks, j->cs, j->psk_secret)) != 0) return rc;
	memset(&in, 0, sizeof(in));
	in.old = j->old;
	in.wire_format = MLS_WIRE_FORMAT_PUBLIC_MESSAGE;
	in.content = &j->content;
	in.signature = span_make(j->sig.bytes, j->sig.len);
	in.commit_secret = j->path.commit_secret;
	in.psk_secret = j->psk_secret;
	in.init_secret = j->init_secret;
	return mls_group_advance(j->next, &in, j->tag);
}

static int build(struct ext_join *j, uint8_t **commit, size_t *commit_len)
{
	struct mls_committer who = { true, 0 };
	struct mls_framed_content_auth_data auth;
	struct mls_framing_epoch ep;
	int rc;

	if ((rc = check_group_info(j)) != 0) return rc;
	if ((rc = external_init(j)) != 0) return rc;
	proposals(j);
	if ((rc = mls_group_proposals_check(j->old, j->items, j->n, &who)) != 0) return rc;
	if ((rc = mls_group_next(j->old, &j->next)) != 0) return rc;
	j->next->sig_sk_len = j->a->kp->sig_sk_len;
	memcpy(j->next->sig_sk, j->a->kp->sig_sk, sizeof(j->next->sig_sk));
	if ((rc = mls_group_proposals_apply(j->next, j->items, j->n, &who, &j->res)) != 0)
		return rc;
	if ((rc = make_path(j)) != 0) return rc;
	if ((rc = sign_and_advance(j)) != 0) return rc;
	auth.signature = span_make(j->sig.bytes, j->sig.len);
	auth.confirmation_tag = span_make(j->tag, j->cs->kdf->nh);
	mls_group_framing_epoch(j->old, &ep);
	/* RFC 9420 §12.4.3.2: a PublicMessage; a non-member sender has no membership tag. */
	if ((rc = mls_public_message_protect(&ep, &j->content, &auth, commit, commit_len)) != 0)
		return rc;
	mls_epoch_secrets_drop_joiner(&j->next->es);
	return 0;
}

int mls_group_join_external(const struct mls_external_join_args *a, uint8_t **commit,
                            size_t *commit_len, struct mls_group **out)
{
	struct ext_join *j = NULL;
	int rc;

	*commit = NULL;
	*commit_len = 0;
	*out = NULL;
	if ((rc = sec_alloc(sizeof(*j), (void **)&j)) != 0) return rc;
	j->a = a;
	j->cs = a->kp->cs;
	if (a->gi->group_context.cipher_suite != j->cs->id) {
		rc = KENH_ERR(KENH_E_PROTO);
		goto out;
	}
	if ((rc = mls_group_alloc(a->ctx, j->cs, a->cb, &j->old)) != 0) goto out;
	if ((rc = mls_group_own_key_package_decode(a->kp, &j->kp)) != 0) goto out;
	if ((rc = build(j, commit, commit_len)) != 0) goto out;
	*out = j->next;
	j->next = NULL;
out:
	if (rc != 0) {
		mem_free(*commit);
		*commit = NULL;
		*commit_len = 0;
	}
	mls_group_free(j->next);
	mls_group_free(j->old);
	mls_key_package_clear(&j->kp);
	mls_apply_result_clear(&j->res);
	mls_treekem_path_clear(&j->path);
	mls_treekem_update_path_clear(&j->up);
	sec_free(j, sizeof(*j));
	return rc;
}
