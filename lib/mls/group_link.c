/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Groups made from groups: reinitialization (RFC 9420 §11.2), where a
 * member makes the group an old group's ReInit (§12.1.5) asked for, with
 * the same members, and subgroup branching (§11.3), where a member makes a
 * group of some of an old group's members with its parameters. Either way
 * the new group's first Commit carries a PreSharedKey proposal of a
 * resumption PSK naming the old group (§8.6, usage reinit or branch), which
 * the Welcome repeats, so every joiner proves it was in the old group and
 * checks the new one against it (group_join.c). "The same member" is the
 * application's notion of identity; here it is the same credential (as
 * for the resync rule of §12.2), since a member's new KeyPackage keeps its
 * credential when it changes its keys or suite.
 */
#include "mls/group.h"

#include "util/compat.h"

#include <stdlib.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "util/mem.h"

/* The encoded credentials of a tree's members (sorted), or of a list of KeyPackages. */
struct creds {
	struct codec_writer w;
	size_t *off; /* n + 1 offsets into w */
	struct kenh_span *s;
	size_t n;
};

static void creds_clear(struct creds *c)
{
	codec_writer_clear(&c->w);
	mem_free(c->off);
	mem_free(c->s);
	memset(c, 0, sizeof(*c));
}

static int cmp_span(const void *a, const void *b)
{
	const struct kenh_span *x = a, *y = b;

	if (x->len != y->len) return x->len < y->len ? -1 : 1;
	return x->len == 0 ? 0 : memcmp(x->p, y->p, x->len);
}

static int creds_init(struct creds *c, size_t cap)
{
	int rc;

	memset(c, 0, sizeof(*c));
	codec_writer_init(&c->w, LIMIT_RATCHET_TREE, CODEC_WRITER_NORMAL);
	if ((rc = mem_calloc(cap + 1, sizeof(*c->off), (void **)&c->off)) != 0) return rc;
	return mem_calloc(cap + 1, sizeof(*c->s), (void **)&c->s);
}

static int creds_add(struct creds *c, const struct mls_credential *cred)
{
	int rc;

	if ((rc = mls_encode_credential(&c->w, cred)) != 0) return rc;
	c->off[++c->n] = codec_writer_len(&c->w);
	return 0;
}

/* Spans once every credential is written (the writer no longer moves), sorted. */
static void creds_seal(struct creds *c)
{
	struct kenh_span all = codec_writer_span(&c->w);
	size_t i;

	for (i = 0; i < c->n; i++)
		c->s[i] = span_make(all.p + c->off[i], c->off[i + 1] - c->off[i]);
	if (c->n > 1) qsort(c->s, c->n, sizeof(*c->s), cmp_span);
}

static int tree_creds(const struct mls_rtree *t, struct creds *c)
{
	const struct mls_leaf_node *ln;
	uint32_t i;
	int rc;

	if ((rc = creds_init(c, t->n_leaves)) != 0) return rc;
	for (i = 0; i < t->n_leaves; i++)
		if ((ln = mls_rtree_leaf(t, i)) != NULL &&
		    (rc = creds_add(c, &ln->credential)) != 0)
			return rc;
	creds_seal(c);
	return 0;
}

static bool creds_has(const struct creds *c, struct kenh_span s)
{
	return c->n != 0 && bsearch(&s, c->s, c->n, sizeof(*c->s), cmp_span) != NULL;
}

int mls_group_members_within(const struct mls_rtree *sub, const struct mls_rtree *all)
{
	struct creds a, b;
	size_t i;
	int rc;

	memset(&b, 0, sizeof(b));
	if ((rc = tree_creds(all, &a)) != 0) goto out;
	if ((rc = tree_creds(sub, &b)) != 0) goto out;
	for (i = 0; i < b.n; i++)
		if (!creds_has(&a, b.s[i])) rc = KENH_ERR(KENH_E_PROTO);
out:
	creds_clear(&a);
	creds_clear(&b);
	return rc;
}

/* Everything one creation holds. */
struct make_link {
	const struct mls_group *old;
	const struct mls_link_args *a;
	enum mls_resumption_psk_usage usage;
	struct mls_key_package *kps; /* the others', decoded */
	struct mls_key_package own;
	struct creds mine;   /* the credentials of own and kps, sorted */
	struct creds theirs; /* of old's members */
};

static void make_link_clear(struct make_link *m)
{
	size_t i;

	for (i = 0; m->kps != NULL && i < m->a->n; i++)
		mls_key_package_clear(&m->kps[i]);
	mem_free(m->kps);
	mls_key_package_clear(&m->own);
	creds_clear(&m->mine);
	creds_clear(&m->theirs);
}

static int decode_kp(struct kenh_span in, struct mls_key_package *out)
{
	struct codec_reader r;
	int rc;

	codec_reader_init(&r, in.p, in.len);
	if ((rc = mls_decode_key_package(&r, out)) == 0) rc = codec_reader_done(&r);
	return rc;
}

/* The number of distinct credentials in sorted c. */
static size_t creds_distinct(const struct creds *c)
{
	size_t i, n = c->n != 0;

	for (i = 1; i < c->n; i++)
		if (cmp_span(&c->s[i], &c->s[i - 1]) != 0) n++;
	return n;
}

/* Whether credentials a and b are the same (encoded the same). */
static int same_credential(const struct mls_credential *a, const struct mls_credential *b)
{
	struct codec_writer wa, wb;
	int rc;

	codec_writer_init(&wa, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	codec_writer_init(&wb, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	rc = mls_encode_credential(&wa, a);
	if (rc == 0) rc = mls_encode_credential(&wb, b);
	if (rc == 0 && !span_eq(codec_writer_span(&wa), codec_writer_span(&wb)))
		rc = KENH_ERR(KENH_E_PROTO);
	codec_writer_clear(&wa);
	codec_writer_clear(&wb);
	return rc;
}

/*
 * RFC 9420 §11.2 "with the same members", §11.3 "a subset": every new
 * member is a member of old, and only once; for reinit, every member of
 * old is one of them. Our own KeyPackage presents us as we are in old.
 */
static int check_members(struct make_link *m)
{
	const struct mls_leaf_node *me = mls_rtree_leaf(m->old->tree, m->old->own_leaf);
	size_t i;
	int rc;

	if (me == NULL) return KENH_ERR(KENH_E_STATE);
	if ((rc = same_credential(&me->credential, &m->own.leaf_node.credential)) != 0) return rc;
	if ((rc = creds_init(&m->mine, m->a->n + 1)) != 0) return rc;
	if ((rc = creds_add(&m->mine, &m->own.leaf_node.credential)) != 0) return rc;
	for (i = 0; i < m->a->n; i++) {
		if ((rc = decode_kp(m->a->key_packages[i], &m->kps[i])) != 0) return rc;
		if ((rc = creds_add(&m->mine, &m->kps[i].leaf_node.credential)) != 0) return rc;
	}
	creds_seal(&m->mine);
	if ((rc = tree_creds(m->old->tree, &m->theirs)) != 0) return rc;
	if (creds_distinct(&m->mine) != m->mine.n) return KENH_ERR(KENH_E_PROTO);
	for (i = 0; i < m->mine.n; i++)
		if (!creds_has(&m->theirs, m->mine.s[i])) return KENH_ERR(KENH_E_PROTO);
	if (m->usage == MLS_RESUMPTION_REINIT && m->mine.n != creds_distinct(&m->theirs))
		return KENH_ERR(KENH_E_PROTO);
	return 0;
}

/* RFC 9420 §8.6: the new group holds old's resumption_psk of its current epoch. */
static int set_link(struct mls_group *ng, const struct mls_group *old,
                    enum mls_resumption_psk_usage usage)
{
	struct mls_link *l = &ng->link;

	if (old->gc.group_id.len > sizeof(l->group_id)) return KENH_ERR(KENH_E_INTERNAL);
	memset(l, 0, sizeof(*l));
	l->set = true;
	l->usage = usage;
	l->epoch = old->gc.epoch;
	l->group_id_len = old->gc.group_id.len;
	memcpy(l->group_id, old->gc.group_id.p, old->gc.group_id.len);
	memcpy(l->psk, old->es.resumption_psk, old->cs->kdf->nh);
	return 0;
}

/*
 * RFC 9420 §11.2 step 3, §11.3 steps 2-3: the first Commit adds everyone
 * with the PreSharedKey of the link (a fresh KDF.Nh nonce of the new
 * group's suite, §8.4), and a path so the new group starts from fresh
 * secrets of ours too.
 */
static int first_commit(struct mls_group *ng, const struct mls_link_args *a,
                        struct mls_commit_made *out)
{
	struct mls_pre_shared_key_id id;
	uint8_t nonce[CRYPTO_MAX_HASH];
	struct mls_commit_args ca;
	int rc;

	if ((rc = crypto_random(ng->ctx, nonce, ng->cs->kdf->nh)) != 0) return rc;
	memset(&id, 0, sizeof(id));
	id.psktype = MLS_PSK_RESUMPTION;
	id.usage = ng->link.usage;
	id.psk_group_id = span_make(ng->link.group_id, ng->link.group_id_len);
	id.psk_epoch = ng->link.epoch;
	id.psk_nonce = span_make(nonce, ng->cs->kdf->nh);
	memset(&ca, 0, sizeof(ca));
	ca.key_packages = a->key_packages;
	ca.n_add = a->n;
	ca.psks = &id;
	ca.n_psk = 1;
	ca.force_path = true;
	ca.ratchet_tree_in_welcome = a->ratchet_tree_in_welcome;
	ca.external_pub = true;
	return mls_group_commit_create(ng, &ca, out);
}

/* The new group (id, extensions), its link and its first Commit. */
static int make(struct make_link *m, struct kenh_span group_id,
                const struct mls_extension_list *ext, struct mls_commit_made *out,
                struct mls_group **group)
{
	struct mls_group *ng = NULL;
	int rc;

	if ((rc = mem_calloc(m->a->n + 1, sizeof(*m->kps), (void **)&m->kps)) != 0) return rc;
	if ((rc = mls_group_own_key_package_decode(m->a->kp, &m->own)) != 0) return rc;
	if ((rc = check_members(m)) != 0) return rc;
	rc = mls_group_create(m->old->ctx, m->a->cb != NULL ? m->a->cb : &m->old->cb, m->a->kp,
	                      group_id, ext, &ng);
	if (rc != 0) return rc;
	if ((rc = set_link(ng, m->old, m->usage)) == 0) rc = first_commit(ng, m->a, out);
	if (rc != 0) {
		mls_group_free(ng);
		return rc;
	}
	*group = ng;
	return 0;
}

int mls_group_reinit_create(const struct mls_group *old, const struct mls_link_args *a,
                            struct mls_commit_made *out, struct mls_group **group)
{
	const struct mls_reinit *ri = &old->reinit_args;
	struct make_link m;
	int rc;

	memset(out, 0, sizeof(*out));
	*group = NULL;
	/* RFC 9420 §11.2: only after the Commit covering a ReInit, whose parameters we know. */
	if (old->removed || !old->reinit || old->reinit_enc == NULL) return KENH_ERR(KENH_E_STATE);
	if (ri->version != MLS_VERSION_MLS10) return KENH_ERR(KENH_E_UNSUPPORTED);
	/* RFC 9420 §11.2: the new group's cipher_suite is the ReInit's. */
	if (a->kp->cs->id != ri->cipher_suite) return KENH_ERR(KENH_E_INVALID_ARG);
	memset(&m, 0, sizeof(m));
	m.old = old;
	m.a = a;
	m.usage = MLS_RESUMPTION_REINIT;
	rc = make(&m, ri->group_id, &ri->extensions, out, group);
	make_link_clear(&m);
	return rc;
}

int mls_group_branch_create(const struct mls_group *old, const struct mls_link_args *a,
                            struct mls_commit_made *out, struct mls_group **group)
{
	struct make_link m;
	int rc;

	memset(out, 0, sizeof(*out));
	*group = NULL;
	if (old->removed || old->reinit) return KENH_ERR(KENH_E_STATE);
	/* RFC 9420 §11.3: the same parameters (version and suite) as the old group. */
	if (a->kp->cs->id != old->cs->id) return KENH_ERR(KENH_E_INVALID_ARG);
	memset(&m, 0, sizeof(m));
	m.old = old;
	m.a = a;
	m.usage = MLS_RESUMPTION_BRANCH;
	rc = make(&m, a->group_id, &old->gc.extensions, out, group);
	make_link_clear(&m);
	return rc;
}
