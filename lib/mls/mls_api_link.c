/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The public MLS API (include/kenh/mls.h), third part: groups made from
 * groups. Committing a ReInit (RFC 9420 §12.1.5) with the new group's
 * parameters given as group options, making the new group after it
 * (§11.2) or a subgroup (§11.3), and joining either with the old group at
 * hand (§12.4.3.1). The work is group_link.c's and group_join.c's; here
 * are the conversions.
 */
#include "kenh/mls.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/group.h"
#include "mls/mls_api_int.h"
#include "util/mem.h"

static void made_out(struct mls_commit_made *m, struct kenh_mls_commit_out *out)
{
	out->commit = m->commit;
	out->commit_len = m->commit_len;
	out->welcome = m->welcome;
	out->welcome_len = m->welcome_len;
	out->group_info = m->group_info;
	out->group_info_len = m->group_info_len;
	memset(m, 0, sizeof(*m));
}

/* RFC 9420 §12.1.5: the ReInit of suite and opt; gid holds a random group id. */
static int build_reinit(const struct kenh_mls_group *g, uint16_t suite,
                        const struct kenh_mls_group_options *opt, struct mls_api_ext_build *b,
                        uint8_t *gid, struct mls_proposal *p)
{
	const struct crypto_suite *cs = crypto_suite_get(g->ctx, suite);
	int rc;

	memset(p, 0, sizeof(*p));
	if (cs == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	if ((rc = mls_api_ext_build(opt, b)) != 0) return rc;
	/* RFC 9420 §13.4: the new group's extensions must be ones we can take part in. */
	if ((rc = mls_group_context_extensions_check(g->g, &b->list)) != 0) return rc;
	p->proposal_type = MLS_PROPOSAL_REINIT;
	if (opt != NULL && opt->group_id != NULL) {
		if (opt->group_id_len == 0 || opt->group_id_len > LIMIT_GROUP_ID)
			return KENH_ERR(KENH_E_INVALID_ARG);
		p->u.reinit.group_id = span_make(opt->group_id, opt->group_id_len);
	} else {
		/* RFC 9420 §11: a random group id of Nh bytes, of the new suite. */
		if ((rc = crypto_random(g->ctx, gid, cs->kdf->nh)) != 0) return rc;
		p->u.reinit.group_id = span_make(gid, cs->kdf->nh);
	}
	p->u.reinit.version = MLS_VERSION_MLS10;
	p->u.reinit.cipher_suite = suite;
	p->u.reinit.extensions = b->list;
	return 0;
}

int kenh_mls_group_commit_reinit(struct kenh_mls_group *g, uint16_t suite,
                                 const struct kenh_mls_group_options *opt,
                                 struct kenh_mls_commit_out *out)
{
	struct mls_api_ext_build b;
	struct mls_commit_made made;
	struct mls_commit_args ca;
	struct mls_proposal p;
	uint8_t gid[CRYPTO_MAX_HASH];
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&b, 0, sizeof(b));
	if (g == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = build_reinit(g, suite, opt, &b, gid, &p)) != 0) goto out;
	/* RFC 9420 §12.2: a ReInit comes alone. */
	memset(&ca, 0, sizeof(ca));
	ca.extra = &p;
	ca.n_extra = 1;
	ca.external_pub = true;
	if ((rc = mls_group_commit_create(g->g, &ca, &made)) == 0) made_out(&made, out);
out:
	mls_api_ext_build_clear(&b);
	return rc;
}

/* Make the group (reinit or branch) from old, in a new handle with old's configuration. */
static int link_create(struct kenh_mls_group *old, const struct kenh_mls_keypackage *kp,
                       const struct kenh_mls_link_args *a, enum mls_resumption_psk_usage usage,
                       struct kenh_mls_commit_out *out, struct kenh_mls_group **group)
{
	struct mls_group_callbacks cb;
	struct kenh_mls_group *h = NULL;
	struct mls_commit_made made;
	struct kenh_span *kps = NULL;
	struct mls_link_args la;
	size_t i;
	int rc;

	if (a->n > LIMIT_PROPOSALS) return KENH_ERR(KENH_E_TOO_LARGE);
	if (a->n != 0 && (a->key_packages == NULL || a->key_package_lens == NULL))
		return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = mls_api_handle_new(old->ctx, &old->cfg, &h, &cb)) != 0) return rc;
	if ((rc = mem_calloc(a->n + 1, sizeof(*kps), (void **)&kps)) != 0) goto out;
	for (i = 0; i < a->n; i++)
		kps[i] = mls_api_bare_key_package(a->key_packages[i], a->key_package_lens[i]);
	memset(&la, 0, sizeof(la));
	la.cb = &cb;
	la.kp = &kp->kp;
	la.key_packages = kps;
	la.n = a->n;
	la.group_id = span_make(a->group_id, a->group_id_len);
	la.ratchet_tree_in_welcome = a->ratchet_tree;
	if (usage == MLS_RESUMPTION_REINIT)
		rc = mls_group_reinit_create(old->g, &la, &made, &h->g);
	else
		rc = mls_group_branch_create(old->g, &la, &made, &h->g);
	if (rc != 0) goto out;
	made_out(&made, out);
	*group = h;
	h = NULL;
out:
	mem_free(kps);
	kenh_mls_group_free(h);
	return rc;
}

int kenh_mls_group_reinit(struct kenh_mls_group *old, const struct kenh_mls_keypackage *kp,
                          const struct kenh_mls_link_args *a, struct kenh_mls_commit_out *out,
                          struct kenh_mls_group **group)
{
	memset(out, 0, sizeof(*out));
	*group = NULL;
	if (old == NULL || kp == NULL || a == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	return link_create(old, kp, a, MLS_RESUMPTION_REINIT, out, group);
}

int kenh_mls_group_branch(struct kenh_mls_group *old, const struct kenh_mls_keypackage *kp,
                          const struct kenh_mls_link_args *a, struct kenh_mls_commit_out *out,
                          struct kenh_mls_group **group)
{
	memset(out, 0, sizeof(*out));
	*group = NULL;
	if (old == NULL || kp == NULL || a == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	return link_create(old, kp, a, MLS_RESUMPTION_BRANCH, out, group);
}

/* What both joins share: kenh_mls_group_join() with old and the usage. */
struct link_join {
	const struct kenh_mls_keypackage *kp;
	const struct kenh_mls_group *old;
	enum mls_resumption_psk_usage usage;
	struct kenh_span welcome;
	struct kenh_span tree;
};

static int link_join(struct kenh_ctx *ctx, const struct kenh_mls_config *cfg,
                     const struct link_join *j, struct kenh_mls_group **out)
{
	struct mls_group_callbacks cb;
	struct kenh_mls_group *h = NULL;
	struct mls_message m;
	int rc;

	*out = NULL;
	if (j->kp == NULL || j->old == NULL || j->welcome.p == NULL)
		return KENH_ERR(KENH_E_INVALID_ARG);
	memset(&m, 0, sizeof(m));
	if ((rc = mls_api_handle_new(ctx, cfg, &h, &cb)) != 0) return rc;
	if ((rc = mls_message_parse(j->welcome.p, j->welcome.len, &m)) != 0) goto out;
	if (m.wire_format != MLS_WIRE_FORMAT_WELCOME) {
		rc = KENH_ERR(KENH_E_PROTO);
		goto out;
	}
	rc = mls_group_join_linked(ctx, &cb, &j->kp->kp, j->old->g, j->usage, &m.u.welcome, j->tree,
	                           &h->g);
	if (rc != 0) goto out;
	*out = h;
	h = NULL;
out:
	mls_message_clear(&m);
	kenh_mls_group_free(h);
	return rc;
}

int kenh_mls_group_join_reinit(struct kenh_ctx *ctx, const struct kenh_mls_config *cfg,
                               const struct kenh_mls_keypackage *kp,
                               const struct kenh_mls_group *old, const uint8_t *welcome,
                               size_t welcome_len, const uint8_t *tree, size_t tree_len,
                               struct kenh_mls_group **out)
{
	struct link_join j = {
		kp, old, MLS_RESUMPTION_REINIT, { welcome, welcome_len }, { tree, tree_len }
	};

	return link_join(ctx, cfg, &j, out);
}

int kenh_mls_group_join_branch(struct kenh_ctx *ctx, const struct kenh_mls_config *cfg,
                               const struct kenh_mls_keypackage *kp,
                               const struct kenh_mls_group *old, const uint8_t *welcome,
                               size_t welcome_len, const uint8_t *tree, size_t tree_len,
                               struct kenh_mls_group **out)
{
	struct link_join j = {
		kp, old, MLS_RESUMPTION_BRANCH, { welcome, welcome_len }, { tree, tree_len }
	};

	return link_join(ctx, cfg, &j, out);
}
