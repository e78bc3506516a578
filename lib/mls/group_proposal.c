/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Proposal lists (RFC 9420 §12.1-§12.3): the validity of each proposal on
 * its own (§12.1.1-§12.1.7, §10.1 for the KeyPackage of an Add, §7.3 for
 * every LeafNode that enters the tree), the rules over a whole list for a
 * regular and for an external Commit (§12.2), the "path required" rule
 * (§12.4) and the application of a list in the RFC's order (§12.3):
 * GroupContextExtensions, Updates, Removes, Adds, then the PSKs,
 * ExternalInit and ReInit. Proposal types outside the seven of RFC 9420
 * never reach here: a Proposal of unknown type cannot be parsed (its body
 * has no length), so "a non-default proposal type some member does not
 * support" (§12.2) cannot occur.
 *
 * What is left to the Commit code: who the committer is, the UpdatePath,
 * the key schedule.
 */
#include "mls/group.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/framing.h"
#include "util/mem.h"

/* RFC 9420 §12.4: proposal types whose presence makes the path mandatory. */
static bool path_required(enum mls_proposal_type t)
{
	switch (t) {
	case MLS_PROPOSAL_ADD:
	case MLS_PROPOSAL_PSK:
	case MLS_PROPOSAL_REINIT:
		return false;
	case MLS_PROPOSAL_UPDATE:
	case MLS_PROPOSAL_REMOVE:
	case MLS_PROPOSAL_EXTERNAL_INIT:
	case MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS:
		return true;
	}
	return true;
}

bool mls_group_extension_supported(uint16_t type)
{
	/* RFC 9420 §13.4: we implement the five extensions of RFC 9420 and nothing else. */
	return type >= MLS_EXT_APPLICATION_ID && type <= MLS_EXT_EXTERNAL_SENDERS;
}

/* RFC 9420 §7.2: the default proposal types (they need not be listed in capabilities). */
static bool is_default_proposal(uint16_t type)
{
	return type >= MLS_PROPOSAL_ADD && type <= MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS;
}

/* The list rules for credential types we can validate: basic and X.509. */
static bool credential_supported(uint16_t type)
{
	return type == MLS_CREDENTIAL_BASIC || type == MLS_CREDENTIAL_X509;
}

static int decode_required(const struct mls_extension *e, struct mls_required_capabilities *rc_out)
{
	struct codec_reader r;
	int rc;

	codec_reader_init(&r, e->extension_data.p, e->extension_data.len);
	if ((rc = mls_decode_required_capabilities(&r, rc_out)) == 0) rc = codec_reader_done(&r);
	if (rc != 0) {
		mls_required_capabilities_clear(rc_out);
		return KENH_ERR(KENH_E_PROTO);
	}
	return 0;
}

/*
 * RFC 9420 §11.1, §13.4: a GroupContext extension list that we, a member, can live
 * with: no type twice, every type one we implement, required_capabilities
 * asking only for what we implement, external_senders well formed.
 */
static int check_context_extensions(const struct mls_extension_list *ext)
{
	struct mls_required_capabilities req;
	struct mls_external_senders es;
	const struct mls_extension *e;
	size_t i, j;
	int rc;

	for (i = 0; i < ext->count; i++) {
		if (!mls_group_extension_supported(ext->items[i].extension_type))
			return KENH_ERR(KENH_E_UNSUPPORTED);
		for (j = 0; j < i; j++)
			if (ext->items[j].extension_type == ext->items[i].extension_type)
				return KENH_ERR(KENH_E_PROTO);
	}
	if ((rc = mls_group_external_senders(ext, &es)) != 0) return KENH_ERR(KENH_E_PROTO);
	mls_external_senders_clear(&es);
	if ((e = mls_extension_list_find(ext, MLS_EXT_REQUIRED_CAPABILITIES)) == NULL) return 0;
	if ((rc = decode_required(e, &req)) != 0) return rc;
	for (i = 0; i < req.extension_types.count && rc == 0; i++)
		if (!mls_group_extension_supported(req.extension_types.items[i]))
			rc = KENH_ERR(KENH_E_UNSUPPORTED);
	for (i = 0; i < req.proposal_types.count && rc == 0; i++)
		if (!is_default_proposal(req.proposal_types.items[i]))
			rc = KENH_ERR(KENH_E_UNSUPPORTED);
	for (i = 0; i < req.credential_types.count && rc == 0; i++)
		if (!credential_supported(req.credential_types.items[i]))
			rc = KENH_ERR(KENH_E_UNSUPPORTED);
	mls_required_capabilities_clear(&req);
	return rc;
}

int mls_group_context_extensions_check(const struct mls_group *g,
                                       const struct mls_extension_list *ext)
{
	if (!MLS_RULE(g, MLS_RULE_CONTEXT_EXTENSIONS)) return 0;
	return check_context_extensions(ext);
}

static bool psk_id_eq(const struct mls_pre_shared_key_id *a, const struct mls_pre_shared_key_id *b)
{
	if (a->psktype != b->psktype || !span_eq(a->psk_nonce, b->psk_nonce)) return false;
	if (a->psktype == MLS_PSK_EXTERNAL) return span_eq(a->psk_id, b->psk_id);
	return a->usage == b->usage && a->psk_epoch == b->psk_epoch &&
	       span_eq(a->psk_group_id, b->psk_group_id);
}

/*
 * RFC 9420 §11.2, §11.3: a reinit or branch PSK is part of those procedures
 * only in the first Commit of the group they make, by its creator.
 */
static bool linking(const struct mls_group *g, const struct mls_pre_shared_key_id *id)
{
	return g->link.set && g->gc.epoch == 0 && id->usage == g->link.usage;
}

static int check_psk(const struct mls_group *g, const struct mls_pre_shared_key_id *id)
{
	/* RFC 9420 §12.1.4: reinit and branch PSKs belong to those procedures only. */
	if (MLS_RULE(g, MLS_RULE_PSK_USAGE) && id->psktype == MLS_PSK_RESUMPTION &&
	    id->usage != MLS_RESUMPTION_APPLICATION && !linking(g, id))
		return KENH_ERR(KENH_E_PROTO);
	/* RFC 9420 §12.1.4: psk_nonce is KDF.Nh bytes. */
	if (MLS_RULE(g, MLS_RULE_PSK_NONCE) && id->psk_nonce.len != g->cs->kdf->nh)
		return KENH_ERR(KENH_E_PROTO);
	return 0;
}

/* The proposal types each sender type may send (§12.1.8, §12.4.3.2, §6). */
static int check_sender(const struct mls_group *g, const struct mls_prop_item *it)
{
	enum mls_proposal_type t = it->p->proposal_type;

	if (!MLS_RULE(g, MLS_RULE_SENDER_TYPE)) return 0;

	switch (it->sender.sender_type) {
	case MLS_SENDER_MEMBER:
		return t == MLS_PROPOSAL_EXTERNAL_INIT ? KENH_ERR(KENH_E_PROTO) : 0;
	case MLS_SENDER_EXTERNAL:
		/* RFC 9420 §12.1.8: only add, remove, psk, reinit, group_context_extensions. */
		if (t == MLS_PROPOSAL_UPDATE || t == MLS_PROPOSAL_EXTERNAL_INIT)
			return KENH_ERR(KENH_E_PROTO);
		return 0;
	case MLS_SENDER_NEW_MEMBER_PROPOSAL:
		return t == MLS_PROPOSAL_ADD ? 0 : KENH_ERR(KENH_E_PROTO);
	case MLS_SENDER_NEW_MEMBER_COMMIT:
		/* RFC 9420 §12.4.3.2: the joiner's own proposals travel by value in its Commit. */
		if (it->by_ref || t == MLS_PROPOSAL_ADD || t == MLS_PROPOSAL_UPDATE ||
		    t == MLS_PROPOSAL_REINIT || t == MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS)
			return KENH_ERR(KENH_E_PROTO);
		return 0;
	}
	return KENH_ERR(KENH_E_PROTO);
}

/*
 * The rules one proposal must meet whatever else the list holds and
 * without looking at the tree after the change (§12.1.1-§12.1.7).
 */
static int check_one(const struct mls_group *g, const struct mls_prop_item *it)
{
	const struct mls_proposal *p = it->p;
	int rc;

	if ((rc = check_sender(g, it)) != 0) return rc;
	switch (p->proposal_type) {
	case MLS_PROPOSAL_ADD:
	case MLS_PROPOSAL_EXTERNAL_INIT:
		return 0;
	case MLS_PROPOSAL_UPDATE:
		/* RFC 9420 §12.1.2: only a member updates, and only its own leaf. */
		if (!MLS_RULE(g, MLS_RULE_SENDER_TYPE)) return 0;
		return it->sender.sender_type == MLS_SENDER_MEMBER ? 0 : KENH_ERR(KENH_E_PROTO);
	case MLS_PROPOSAL_REMOVE:
		/* RFC 9420 §12.1.3: the leaf must exist (blank or not is checked on the tree). */
		if (!MLS_RULE(g, MLS_RULE_REMOVE_BLANK)) return 0;
		return p->u.remove.removed < g->tree->n_leaves ? 0 : KENH_ERR(KENH_E_PROTO);
	case MLS_PROPOSAL_PSK:
		return check_psk(g, &p->u.psk.psk);
	case MLS_PROPOSAL_REINIT:
		/* RFC 9420 §12.1.5: a ReInit may not lower the version. */
		if (!MLS_RULE(g, MLS_RULE_REINIT_VERSION)) return 0;
		return p->u.reinit.version >= g->gc.version ? 0 : KENH_ERR(KENH_E_PROTO);
	case MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS:
		if (!MLS_RULE(g, MLS_RULE_GCE_SUPPORTED)) return 0;
		rc = check_context_extensions(&p->u.group_context_extensions.extensions);
		return rc == 0 ? 0 : KENH_ERR(KENH_E_PROTO);
	}
	return KENH_ERR(KENH_E_PROTO);
}

struct list_counts {
	size_t n[MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS + 1];
	size_t by_ref;
};

static void count_types(const struct mls_prop_item *items, size_t n, struct list_counts *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < n; i++) {
		c->n[items[i].p->proposal_type]++;
		if (items[i].by_ref) c->by_ref++;
	}
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The leaf an Update or Remove changes, or UINT32_MAX for other types. */
static uint32_t target_leaf(const struct mls_prop_item *it)
{
	if (it->p->proposal_type == MLS_PROPOSAL_UPDATE) return it->sender.leaf_index;
	if (it->p->proposal_type == MLS_PROPOSAL_REMOVE) return it->p->u.remove.removed;
	return UINT32_MAX;
}

/* The rule an Update or Remove at the committer's own leaf breaks. */
static enum mls_rule committer_rule(const struct mls_prop_item *it)
{
	return it->p->proposal_type == MLS_PROPOSAL_UPDATE ? MLS_RULE_COMMITTER_UPDATE
	                                                   : MLS_RULE_REMOVE_COMMITTER;
}

/*
 * RFC 9420 §12.2: no Update from the committer, no Remove of the committer, and no
 * two Updates and/or Removes for the same leaf.
 */
static int check_targets(const struct mls_group *g, const struct mls_prop_item *items, size_t n,
                         const struct mls_committer *who)
{
	uint32_t *t = NULL;
	size_t i, k = 0;
	int rc;

	if ((rc = mem_calloc(n + 1, sizeof(*t), (void **)&t)) != 0) return rc;
	for (i = 0; i < n; i++) {
		uint32_t leaf = target_leaf(&items[i]);
		if (leaf == UINT32_MAX) continue;
		if (!who->external && leaf == who->leaf && MLS_RULE(g, committer_rule(&items[i]))) {
			rc = KENH_ERR(KENH_E_PROTO);
			goto out;
		}
		t[k++] = leaf;
	}
	qsort(t, k, sizeof(*t), cmp_u32);
	for (i = 1; i < k; i++)
		if (t[i] == t[i - 1] && MLS_RULE(g, MLS_RULE_SAME_LEAF))
			rc = KENH_ERR(KENH_E_PROTO);
out:
	mem_free(t);
	return rc;
}

static int cmp_span(const void *a, const void *b)
{
	const struct kenh_span *x = a, *y = b;

	if (x->len != y->len) return x->len < y->len ? -1 : 1;
	return x->len == 0 ? 0 : memcmp(x->p, y->p, x->len);
}

/*
 * RFC 9420 §12.2: no two Adds for the same client, "the same" meaning the same
 * signature key (the application's notion here: a key is one device).
 * An Add of a client already in the group fails the key uniqueness check
 * of §7.3 when it is applied, after the list's Removes.
 */
static int check_add_dups(const struct mls_group *g, const struct mls_prop_item *items, size_t n)
{
	struct kenh_span *k = NULL;
	size_t i, m = 0;
	int rc;

	if (!MLS_RULE(g, MLS_RULE_ADD_DUPLICATE)) return 0;
	if ((rc = mem_calloc(n + 1, sizeof(*k), (void **)&k)) != 0) return rc;
	for (i = 0; i < n; i++)
		if (items[i].p->proposal_type == MLS_PROPOSAL_ADD)
			k[m++] = items[i].p->u.add.key_package.leaf_node.signature_key;
	qsort(k, m, sizeof(*k), cmp_span);
	for (i = 1; i < m; i++)
		if (cmp_span(&k[i], &k[i - 1]) == 0) rc = KENH_ERR(KENH_E_PROTO);
	mem_free(k);
	return rc;
}

/* RFC 9420 §12.2: no two PreSharedKey proposals for the same PreSharedKeyID. */
static int check_psk_dups(const struct mls_group *g, const struct mls_prop_item *items, size_t n,
                          size_t n_psk)
{
	size_t i, j;

	if (n_psk > LIMIT_PSKS) return KENH_ERR(KENH_E_PROTO);
	if (!MLS_RULE(g, MLS_RULE_PSK_DUPLICATE)) return 0;
	for (i = 0; i < n; i++) {
		if (items[i].p->proposal_type != MLS_PROPOSAL_PSK) continue;
		for (j = 0; j < i; j++)
			if (items[j].p->proposal_type == MLS_PROPOSAL_PSK &&
			    psk_id_eq(&items[i].p->u.psk.psk, &items[j].p->u.psk.psk))
				return KENH_ERR(KENH_E_PROTO);
	}
	return 0;
}

/* RFC 9420 §12.2, regular Commit: the rules on counts. */
static int check_regular_counts(const struct mls_group *g, const struct list_counts *c, size_t n)
{
	/* RFC 9420 §12.2: an ExternalInit belongs to external Commits only. */
	if (MLS_RULE(g, MLS_RULE_EXTERNAL_INIT) && c->n[MLS_PROPOSAL_EXTERNAL_INIT] != 0)
		return KENH_ERR(KENH_E_PROTO);
	/* RFC 9420 §12.2: at most one GroupContextExtensions. */
	if (MLS_RULE(g, MLS_RULE_GCE_TWICE) && c->n[MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS] > 1)
		return KENH_ERR(KENH_E_PROTO);
	/* RFC 9420 §12.2: a ReInit comes alone. */
	if (MLS_RULE(g, MLS_RULE_REINIT_ALONE) && c->n[MLS_PROPOSAL_REINIT] != 0 && n != 1)
		return KENH_ERR(KENH_E_PROTO);
	return 0;
}

/*
 * RFC 9420 §12.2, external Commit: exactly one ExternalInit, at most one Remove,
 * any number of PreSharedKey, nothing else; §12.4.3.2: nothing by
 * reference.
 */
static int check_external_counts(const struct mls_group *g, const struct list_counts *c, size_t n)
{
	if (!MLS_RULE(g, MLS_RULE_EXTERNAL_LIST)) return 0;
	if (c->by_ref != 0) return KENH_ERR(KENH_E_PROTO);
	if (c->n[MLS_PROPOSAL_EXTERNAL_INIT] != 1) return KENH_ERR(KENH_E_PROTO);
	if (c->n[MLS_PROPOSAL_REMOVE] > 1) return KENH_ERR(KENH_E_PROTO);
	if (n !=
	    c->n[MLS_PROPOSAL_EXTERNAL_INIT] + c->n[MLS_PROPOSAL_REMOVE] + c->n[MLS_PROPOSAL_PSK])
		return KENH_ERR(KENH_E_PROTO);
	return 0;
}

int mls_group_proposals_check(const struct mls_group *g, const struct mls_prop_item *items,
                              size_t n, const struct mls_committer *who)
{
	struct list_counts c;
	size_t i;
	int rc;

	if (n > LIMIT_PROPOSALS) return KENH_ERR(KENH_E_PROTO);
	count_types(items, n, &c);
	/* RFC 9420 §12.2: "an individual proposal that is invalid". */
	for (i = 0; i < n; i++)
		if ((rc = check_one(g, &items[i])) != 0) return rc;
	rc = who->external ? check_external_counts(g, &c, n) : check_regular_counts(g, &c, n);
	if (rc != 0) return rc;
	if ((rc = check_targets(g, items, n, who)) != 0) return rc;
	if ((rc = check_add_dups(g, items, n)) != 0) return rc;
	return check_psk_dups(g, items, n, c.n[MLS_PROPOSAL_PSK]);
}

int mls_group_proposal_check_one(const struct mls_group *g, const struct mls_prop_item *it)
{
	return check_one(g, it);
}

void mls_apply_result_clear(struct mls_apply_result *r)
{
	mls_idx_list_clear(&r->added);
	mls_idx_list_clear(&r->removed);
	mls_psk_set_free(r->psks);
	memset(r, 0, sizeof(*r));
}

/* The state of one application of a list (§12.3). */
struct apply {
	struct mls_group *next;
	const struct mls_prop_item *items;
	size_t n;
	struct mls_apply_result *res;
	struct mls_leaf_policy pol;
	/* The tree's keys and credential types for many Adds, built at the first. */
	struct mls_leaf_index idx;
	bool have_idx;
	bool use_idx;
};

/*
 * Adds from which a Commit's LeafNode checks go through an index
 * (mls_leaf_index): building one costs about five scans of the tree, each
 * Add checked without it one scan.
 */
#define ADDS_FOR_INDEX 8

static int encode_leaf(const struct mls_leaf_node *ln, struct codec_writer *w)
{
	codec_writer_init(w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	return mls_encode_leaf_node(w, ln);
}

/* RFC 9420 §12.1.7: replace the GroupContext extensions wholesale; every member must support them. */
static int apply_gce(struct apply *a)
{
	const struct mls_extension_list *ext = NULL;
	struct mls_group_context gc;
	size_t i;

	for (i = 0; i < a->n; i++)
		if (a->items[i].p->proposal_type == MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS)
			ext = &a->items[i].p->u.group_context_extensions.extensions;
	if (ext == NULL) return 0;
	gc = a->next->gc;
	gc.extensions = *ext;
	return mls_group_set_context(a->next, &gc);
}

/* RFC 9420 §12.4.2: an Update of our own leaf needs the private key we kept for it. */
static int take_own_update(struct apply *a, const struct mls_prop_item *it)
{
	struct mls_group *g = a->next;

	if (it->pending == NULL || !it->pending->own_update) return KENH_ERR(KENH_E_STATE);
	mls_treekem_priv_clear(&g->priv);
	a->res->own_update = true;
	return mls_treekem_priv_init(&g->priv, g->cs, g->own_leaf, it->pending->update_sk);
}

/* RFC 9420 §12.1.2: validate the new LeafNode (§7.3, source update), replace the leaf, blank its path. */
static int apply_update(struct apply *a, const struct mls_prop_item *it)
{
	const struct mls_leaf_node *ln = &it->p->u.update.leaf_node;
	uint32_t leaf = it->sender.leaf_index;
	struct mls_leaf_check chk = { leaf, MLS_LEAF_SOURCE_UPDATE, true };
	struct codec_writer w;
	int rc;

	const struct mls_leaf_node *old = mls_rtree_leaf(a->next->tree, leaf);

	if (old == NULL) return KENH_ERR(KENH_E_PROTO);
	if (MLS_RULE(a->next, MLS_RULE_UPDATE_LEAF) &&
	    (rc = mls_leafnode_validate(a->next->tree, &a->pol, &chk, ln)) != 0)
		return rc;
	/* RFC 9420 §5.3.1: a new credential must succeed the old one (same identity). */
	if ((rc = mls_group_check_successor(a->next, old, ln)) != 0) return rc;
	if ((rc = encode_leaf(ln, &w)) == 0)
		rc = mls_rtree_update_leaf(a->next->tree, leaf, codec_writer_span(&w));
	codec_writer_clear(&w);
	if (rc == KENH_E_STATE) rc = KENH_ERR(KENH_E_PROTO);
	if (rc == 0 && leaf == a->next->own_leaf) rc = take_own_update(a, it);
	return rc;
}

/* RFC 9420 §12.1.3: the removed leaf must be a member; blank it and its path, truncate. */
static int apply_remove(struct apply *a, const struct mls_prop_item *it)
{
	uint32_t leaf = it->p->u.remove.removed;
	int rc;

	if (mls_rtree_leaf(a->next->tree, leaf) == NULL)
		return MLS_RULE(a->next, MLS_RULE_REMOVE_BLANK) ? KENH_ERR(KENH_E_PROTO) : 0;
	if ((rc = mls_rtree_remove_leaf(a->next->tree, leaf)) != 0)
		return rc == KENH_E_STATE ? KENH_ERR(KENH_E_PROTO) : rc;
	if (leaf == a->next->own_leaf) a->res->own_removed = true;
	return mls_idx_list_push(&a->res->removed, leaf);
}

/* §7.3 for an Add's LeafNode, through the Commit's index when it has many Adds. */
static int check_add_leaf(struct apply *a, const struct mls_leaf_node *ln)
{
	struct mls_leaf_check chk = { UINT32_MAX, MLS_LEAF_SOURCE_KEY_PACKAGE, false };
	int rc;

	if (!MLS_RULE(a->next, MLS_RULE_ADD_LEAF)) return 0;
	if (!a->use_idx) return mls_leafnode_validate(a->next->tree, &a->pol, &chk, ln);
	/* One index for all the Adds, each checked against the tree as it is then. */
	if (!a->have_idx) {
		if ((rc = mls_leaf_index_build(a->next->tree, &a->idx)) != 0) return rc;
		a->have_idx = true;
	}
	return mls_leafnode_validate_indexed(a->next->tree, &a->idx, &a->pol, &chk, ln);
}

/*
 * RFC 9420 §12.1.1: the KeyPackage must be valid (§10.1) for this group, its
 * LeafNode valid for the tree as it is now (§7.3: keys unique, group
 * capabilities met), then it takes the leftmost blank leaf.
 */
static int apply_add(struct apply *a, const struct mls_prop_item *it)
{
	const struct mls_key_package *kp = &it->p->u.add.key_package;
	struct mls_key_package_policy kpol;
	struct codec_writer w;
	uint32_t leaf = 0;
	int rc;

	memset(&kpol, 0, sizeof(kpol));
	kpol.version = a->next->gc.version;
	kpol.cipher_suite = a->next->gc.cipher_suite;
	kpol.now = a->pol.now;
	kpol.max_lifetime = a->pol.max_lifetime;
	if (MLS_RULE(a->next, MLS_RULE_ADD_KEY_PACKAGE) &&
	    (rc = mls_key_package_validate(a->next->ctx, kp, &kpol)) != 0)
		return rc;
	if ((rc = check_add_leaf(a, &kp->leaf_node)) != 0) return rc;
	if ((rc = encode_leaf(&kp->leaf_node, &w)) == 0)
		rc = mls_rtree_add_leaf(a->next->tree, codec_writer_span(&w), &leaf);
	codec_writer_clear(&w);
	if (rc == 0 && a->have_idx) rc = mls_leaf_index_add(&a->idx, &kp->leaf_node);
	if (rc == 0) rc = mls_idx_list_push(&a->res->added, leaf);
	return rc;
}

/* RFC 9420 §12.1.7, §11.1: after Updates and Removes, every remaining member supports the new extensions. */
static int check_members_support(struct apply *a)
{
	return mls_rtree_check_extensions(a->next->tree, &a->next->gc.extensions);
}

static size_t count_type(const struct mls_prop_item *items, size_t n, enum mls_proposal_type t)
{
	size_t i, count = 0;

	for (i = 0; i < n; i++)
		if (items[i].p->proposal_type == t) count++;
	return count;
}

static bool has_type(const struct mls_prop_item *items, size_t n, enum mls_proposal_type t)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (items[i].p->proposal_type == t) return true;
	return false;
}

typedef int apply_fn(struct apply *a, const struct mls_prop_item *it);

static int apply_each(struct apply *a, enum mls_proposal_type t, apply_fn *fn)
{
	size_t i;
	int rc;

	for (i = 0; i < a->n; i++) {
		if (a->items[i].p->proposal_type != t) continue;
		if ((rc = fn(a, &a->items[i])) != 0) return rc;
	}
	return 0;
}

static int apply_psk(struct apply *a, const struct mls_prop_item *it)
{
	int rc;

	if (a->res->psks == NULL && (rc = mls_psk_set_new(&a->res->psks)) != 0) return rc;
	return mls_psk_set_add(a->res->psks, a->next, &it->p->u.psk.psk);
}

static int note_other(struct apply *a, const struct mls_prop_item *it)
{
	if (it->p->proposal_type == MLS_PROPOSAL_EXTERNAL_INIT) {
		a->res->has_external_init = true;
		a->res->external_init = it->p->u.external_init.kem_output;
	} else if (it->p->proposal_type == MLS_PROPOSAL_REINIT) {
		a->res->reinit = &it->p->u.reinit;
	}
	return 0;
}

static void note_path_required(struct apply *a)
{
	size_t i;

	/* RFC 9420 §12.4: an empty Commit, or one with a path-required type, must have a path. */
	a->res->path_required = a->n == 0;
	for (i = 0; i < a->n; i++)
		if (path_required(a->items[i].p->proposal_type)) a->res->path_required = true;
}

int mls_group_proposals_apply(struct mls_group *next, const struct mls_prop_item *items, size_t n,
                              const struct mls_committer *who, struct mls_apply_result *res)
{
	struct apply a;
	bool gce;
	int rc;

	(void)who;
	memset(res, 0, sizeof(*res));
	memset(&a, 0, sizeof(a));
	a.next = next;
	a.items = items;
	a.n = n;
	a.res = res;
	a.use_idx = count_type(items, n, MLS_PROPOSAL_ADD) >= ADDS_FOR_INDEX;
	note_path_required(&a);
	/* RFC 9420 §12.3, in this order; the new extensions govern every later step. */
	gce = next->gc_enc != NULL && has_type(items, n, MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS);
	if ((rc = apply_gce(&a)) != 0) goto out;
	mls_group_leaf_policy(next, NULL, &a.pol);
	if ((rc = apply_each(&a, MLS_PROPOSAL_UPDATE, apply_update)) != 0) goto out;
	if ((rc = apply_each(&a, MLS_PROPOSAL_REMOVE, apply_remove)) != 0) goto out;
	if (gce && MLS_RULE(next, MLS_RULE_MEMBERS_SUPPORT) &&
	    (rc = check_members_support(&a)) != 0)
		goto out;
	if ((rc = apply_each(&a, MLS_PROPOSAL_ADD, apply_add)) != 0) goto out;
	if ((rc = apply_each(&a, MLS_PROPOSAL_PSK, apply_psk)) != 0) goto out;
	if ((rc = apply_each(&a, MLS_PROPOSAL_EXTERNAL_INIT, note_other)) != 0) goto out;
	rc = apply_each(&a, MLS_PROPOSAL_REINIT, note_other);
out:
	mls_leaf_index_clear(&a.idx);
	if (rc != 0) mls_apply_result_clear(res);
	return rc;
}
