/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * LeafNode signing and validation (RFC 9420 §7.2, §7.3) and the checks a
 * joiner makes on a whole ratchet tree (§12.4.3.1): signatures over
 * LeafNodeTBS, capabilities against the credential types and extensions in
 * use and the group's required_capabilities, lifetimes against an injected
 * clock, uniqueness of encryption and signature keys, unmerged-leaf
 * consistency, and parent-hash validity (tree_hash.c). Credential
 * validation is the application's, through a callback (§5.3.1).
 */
#include "mls/tree.h"

#include "util/compat.h"

#include <stdlib.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "util/mem.h"

/* §7.2: extension types 1..5 are "default": implied, never listed in capabilities. */
#define MLS_EXT_LAST_DEFAULT MLS_EXT_EXTERNAL_SENDERS

static bool u16_listed(const struct mls_u16_list *l, uint16_t v)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (l->items[i] == v) return true;
	return false;
}

/* ---------------------------------------------------------- signatures */

/* LeafNodeTBS of ln into w (§7.2). */
static int encode_tbs(const struct mls_leaf_node *ln, struct kenh_span group_id, uint32_t leaf,
                      struct codec_writer *w)
{
	codec_writer_init(w, LIMIT_STRUCT_VECTOR, CODEC_WRITER_NORMAL);
	return mls_encode_leaf_node_tbs(w, ln, group_id, leaf);
}

int mls_leafnode_sign(const struct crypto_suite *cs, const struct mls_leafnode_sign_args *a,
                      struct codec_writer *w)
{
	struct mls_leaf_node ln = *a->tbs;
	struct codec_writer tbs;
	uint8_t sig[CRYPTO_MAX_SIG];
	size_t siglen = 0;
	int rc;

	if ((rc = encode_tbs(&ln, a->group_id, a->leaf_index, &tbs)) != 0) goto out;
	/* RFC 9420 §7.2: signature = SignWithLabel(., "LeafNodeTBS", LeafNodeTBS). */
	rc = mls_sign_with_label(cs, a->sig_sk, MLS_LABEL("LeafNodeTBS"), codec_writer_span(&tbs),
	                         sig, &siglen);
	if (rc != 0) goto out;
	ln.signature = span_make(sig, siglen);
	rc = mls_encode_leaf_node(w, &ln);
out:
	codec_writer_clear(&tbs);
	return rc;
}

int mls_leafnode_verify(const struct crypto_suite *cs, const struct mls_leaf_node *ln,
                        struct kenh_span group_id, uint32_t leaf_index)
{
	struct codec_writer tbs;
	int rc;

	if ((rc = encode_tbs(ln, group_id, leaf_index, &tbs)) == 0)
		rc = mls_verify_with_label(cs, ln->signature_key, MLS_LABEL("LeafNodeTBS"),
		                           codec_writer_span(&tbs), ln->signature);
	codec_writer_clear(&tbs);
	return rc;
}

/* ------------------------------------------------- one leaf, by itself */

/* §7.2: the leaf's own credential type and non-default extensions are in its capabilities. */
static int check_self_capabilities(const struct mls_leaf_node *ln)
{
	size_t i;

	if (!u16_listed(&ln->capabilities.credentials, ln->credential.credential_type))
		return KENH_ERR(KENH_E_PROTO);
	for (i = 0; i < ln->extensions.count; i++) {
		if (ln->extensions.items[i].extension_type <= MLS_EXT_LAST_DEFAULT) continue;
		if (!u16_listed(&ln->capabilities.extensions,
		                ln->extensions.items[i].extension_type))
			return KENH_ERR(KENH_E_PROTO);
	}
	return 0;
}

/* Every entry of want is listed in have. */
static bool all_listed(const struct mls_u16_list *want, const struct mls_u16_list *have,
                       uint16_t last_default)
{
	size_t i;

	for (i = 0; i < want->count; i++) {
		if (want->items[i] >= 1 && want->items[i] <= last_default) continue;
		if (!u16_listed(have, want->items[i])) return false;
	}
	return true;
}

/* §7.3, §11.1: required_capabilities of the group, and support for the group's extensions. */
static int check_group_capabilities(const struct mls_leaf_policy *pol,
                                    const struct mls_leaf_node *ln)
{
	const struct mls_capabilities *caps = &ln->capabilities;
	const struct mls_extension *e;
	struct mls_required_capabilities rc_ext;
	struct codec_reader r;
	size_t i;
	int rc;

	if (pol->gc_extensions == NULL) return 0;
	for (i = 0; i < pol->gc_extensions->count; i++) {
		e = &pol->gc_extensions->items[i];
		if (e->extension_type <= MLS_EXT_LAST_DEFAULT) continue;
		if (!u16_listed(&caps->extensions, e->extension_type))
			return KENH_ERR(KENH_E_PROTO);
	}
	e = mls_extension_list_find(pol->gc_extensions, MLS_EXT_REQUIRED_CAPABILITIES);
	if (e == NULL) return 0;
	codec_reader_init(&r, e->extension_data.p, e->extension_data.len);
	if ((rc = mls_decode_required_capabilities(&r, &rc_ext)) != 0) return rc;
	if ((rc = codec_reader_done(&r)) == 0) {
		/* Proposal types 1..7 and extension types 1..5 are default (§7.2). */
		if (!all_listed(&rc_ext.extension_types, &caps->extensions, MLS_EXT_LAST_DEFAULT) ||
		    !all_listed(&rc_ext.proposal_types, &caps->proposals,
		                MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS) ||
		    !all_listed(&rc_ext.credential_types, &caps->credentials, 0))
			rc = KENH_ERR(KENH_E_PROTO);
	}
	mls_required_capabilities_clear(&rc_ext);
	return rc;
}

/* §7.2, §7.3: the lifetime of a key_package leaf against the injected clock. */
static int check_lifetime(const struct mls_leaf_policy *pol, const struct mls_leaf_node *ln)
{
	const struct mls_lifetime *lt = &ln->lifetime;

	if (ln->leaf_node_source != MLS_LEAF_SOURCE_KEY_PACKAGE) return 0;
	if (lt->not_after < lt->not_before) return KENH_ERR(KENH_E_PROTO);
	/* §7.2: the application's maximum total lifetime. */
	if (lt->not_after - lt->not_before > pol->max_lifetime) return KENH_ERR(KENH_E_PROTO);
	if (pol->check_lifetime && (pol->now < lt->not_before || pol->now > lt->not_after))
		return KENH_ERR(KENH_E_EXPIRED);
	return 0;
}

/* The checks of §7.3 that need no other leaf. */
static int validate_core(const struct crypto_suite *cs, const struct mls_leaf_policy *pol,
                         const struct mls_leaf_check *chk, const struct mls_leaf_node *ln)
{
	int rc;

	/* §7.2: the application MUST define a maximum lifetime; 0 would be none. */
	if (pol->check_credential == NULL || pol->max_lifetime == 0)
		return KENH_ERR(KENH_E_INVALID_ARG);
	/* §7.3: leaf_node_source as the context requires. */
	if (chk->source != 0 && (uint8_t)ln->leaf_node_source != chk->source)
		return KENH_ERR(KENH_E_PROTO);
	if ((rc = check_self_capabilities(ln)) != 0) return rc;
	if ((rc = check_group_capabilities(pol, ln)) != 0) return rc;
	if ((rc = check_lifetime(pol, ln)) != 0) return rc;
	/* §7.3: the credential is valid (§5.3.1) and the signature verifies. */
	if ((rc = pol->check_credential(pol->check_arg, ln)) != 0) return rc;
	return mls_leafnode_verify(cs, ln, pol->group_id, chk->leaf_index);
}

/* ------------------------------------------------ one leaf, in a tree */

/* Equal keys (public values: no constant-time need). */
static bool same_key(struct kenh_span a, struct kenh_span b)
{
	return a.len == b.len && (a.len == 0 || memcmp(a.p, b.p, a.len) == 0);
}

/*
 * §7.3, in one pass over the tree: ln's encryption_key differs from every
 * node's (the replaced leaf's included: it must change); its signature_key
 * from every other leaf's; and its credential type and each other member's
 * are supported both ways.
 */
static int check_against_tree(const struct mls_rtree *t, const struct mls_leaf_check *chk,
                              const struct mls_leaf_node *ln)
{
	const struct mls_rnode *n;
	const struct mls_leaf_node *o;
	uint32_t x, width = mls_rtree_width(t);

	for (x = 0; x < width; x++) {
		if ((n = t->nodes[x]) == NULL) continue;
		if (n->type == MLS_NODE_PARENT) {
			if (same_key(n->u.parent.encryption_key, ln->encryption_key))
				return KENH_ERR(KENH_E_PROTO);
			continue;
		}
		o = &n->u.leaf;
		if (same_key(o->encryption_key, ln->encryption_key)) return KENH_ERR(KENH_E_PROTO);
		if (x / 2 == chk->leaf_index) continue;
		if (same_key(o->signature_key, ln->signature_key)) return KENH_ERR(KENH_E_PROTO);
		if (!u16_listed(&o->capabilities.credentials, ln->credential.credential_type) ||
		    !u16_listed(&ln->capabilities.credentials, o->credential.credential_type))
			return KENH_ERR(KENH_E_PROTO);
	}
	return 0;
}

int mls_leafnode_validate(const struct mls_rtree *t, const struct mls_leaf_policy *pol,
                          const struct mls_leaf_check *chk, const struct mls_leaf_node *ln)
{
	int rc;

	if (chk->replaces && mls_rtree_leaf(t, chk->leaf_index) == NULL)
		return KENH_ERR(KENH_E_STATE);
	if ((rc = validate_core(t->cs, pol, chk, ln)) != 0) return rc;
	return check_against_tree(t, chk, ln);
}

int mls_leafnode_validate_indexed(const struct mls_rtree *t, struct mls_leaf_index *idx,
                                  const struct mls_leaf_policy *pol,
                                  const struct mls_leaf_check *chk, const struct mls_leaf_node *ln)
{
	int rc;

	if (chk->replaces) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = validate_core(t->cs, pol, chk, ln)) != 0) return rc;
	/* The checks of check_against_tree, looked up instead of scanned. */
	return mls_leaf_index_check(idx, t, ln);
}

int mls_rtree_check_extensions(const struct mls_rtree *t,
                               const struct mls_extension_list *gc_extensions)
{
	struct mls_leaf_policy pol;
	const struct mls_leaf_node *ln;
	uint32_t i;
	int rc;

	memset(&pol, 0, sizeof(pol));
	pol.gc_extensions = gc_extensions;
	for (i = 0; i < t->n_leaves; i++) {
		if ((ln = mls_rtree_leaf(t, i)) == NULL) continue;
		if ((rc = check_group_capabilities(&pol, ln)) != 0) return rc;
	}
	return 0;
}

/* ---------------------------------------------------- the whole tree */

static int cmp_span(const void *a, const void *b)
{
	const struct kenh_span *x = a, *y = b;
	int c;

	if (x->len != y->len) return x->len < y->len ? -1 : 1;
	c = x->len == 0 ? 0 : memcmp(x->p, y->p, x->len);
	return c;
}

/* True if the n spans (sorted here) hold a duplicate. */
static bool has_duplicate(struct kenh_span *v, size_t n)
{
	size_t i;

	qsort(v, n, sizeof(*v), cmp_span);
	for (i = 1; i < n; i++)
		if (cmp_span(&v[i - 1], &v[i]) == 0) return true;
	return false;
}

/* §7.3, §12.4.3.1: encryption keys unique over all nodes, signature keys over leaves. */
static int check_tree_unique(const struct mls_rtree *t)
{
	struct kenh_span *enc = NULL, *sig = NULL;
	uint32_t x, width = mls_rtree_width(t);
	size_t ne = 0, ns = 0;
	int rc;

	if ((rc = mem_calloc(width, sizeof(*enc), (void **)&enc)) != 0 ||
	    (rc = mem_calloc(t->n_leaves, sizeof(*sig), (void **)&sig)) != 0)
		goto out;
	for (x = 0; x < width; x++) {
		if (t->nodes[x] == NULL) continue;
		enc[ne++] = mls_rtree_node_key(t, x);
		if (mls_tree_is_leaf(x)) sig[ns++] = t->nodes[x]->u.leaf.signature_key;
	}
	if (has_duplicate(enc, ne) || has_duplicate(sig, ns)) rc = KENH_ERR(KENH_E_PROTO);
out:
	mem_free(enc);
	mem_free(sig);
	return rc;
}

/*
 * §7.3: every credential type in use is supported by every member. The set
 * in use cannot be larger than one capabilities list, or some member would
 * fail to list it.
 */
static int check_tree_credentials(const struct mls_rtree *t)
{
	uint16_t used[LIMIT_CAPABILITY_LIST];
	struct mls_u16_list set = { used, 0 };
	const struct mls_leaf_node *ln;
	uint32_t i;

	for (i = 0; i < t->n_leaves; i++) {
		if ((ln = mls_rtree_leaf(t, i)) == NULL) continue;
		if (u16_listed(&set, ln->credential.credential_type)) continue;
		if (set.count == ARRAY_LEN(used)) return KENH_ERR(KENH_E_PROTO);
		used[set.count++] = ln->credential.credential_type;
	}
	for (i = 0; i < t->n_leaves; i++) {
		if ((ln = mls_rtree_leaf(t, i)) == NULL) continue;
		if (!all_listed(&set, &ln->capabilities.credentials, 0))
			return KENH_ERR(KENH_E_PROTO);
	}
	return 0;
}

/* True if parent node x lists leaf l as unmerged. */
static bool lists_unmerged(const struct mls_rnode *n, uint32_t l)
{
	size_t i;

	for (i = 0; i < n->u.parent.n_unmerged_leaves; i++)
		if (n->u.parent.unmerged_leaves[i] == l) return true;
	return false;
}

/*
 * §7.1, §12.4.3.1, for parent p: unmerged leaves sorted; each a non-blank
 * leaf under p; every non-blank node between that leaf and p lists it too.
 */
static int check_unmerged(const struct mls_rtree *t, uint32_t p)
{
	const struct mls_parent_node *pn = &t->nodes[p]->u.parent;
	uint32_t path[MLS_TREE_MAX_DEPTH], l, half = (1u << mls_tree_level(p)) - 1u;
	size_t i, j, len = 0;
	int rc;

	for (i = 0; i < pn->n_unmerged_leaves; i++) {
		l = pn->unmerged_leaves[i];
		if (i > 0 && l <= pn->unmerged_leaves[i - 1]) return KENH_ERR(KENH_E_PROTO);
		if (l >= t->n_leaves || 2 * l < p - half || 2 * l > p + half ||
		    t->nodes[2 * l] == NULL)
			return KENH_ERR(KENH_E_PROTO);
		if ((rc = mls_tree_direct_path(2 * l, t->n_leaves, path, &len)) != 0) return rc;
		for (j = 0; j < len && path[j] != p; j++) {
			if (t->nodes[path[j]] == NULL) continue;
			if (!lists_unmerged(t->nodes[path[j]], l)) return KENH_ERR(KENH_E_PROTO);
		}
	}
	return 0;
}

int mls_rtree_validate(struct mls_rtree *t, const struct mls_leaf_policy *pol)
{
	struct mls_leaf_check chk = { 0, 0, false };
	const struct mls_leaf_node *ln;
	uint32_t i, width = mls_rtree_width(t);
	int rc;

	/* §12.4.3.1: the unmerged leaves of every non-blank parent. */
	for (i = 1; i < width; i += 2) {
		if (t->nodes[i] == NULL) continue;
		if ((rc = check_unmerged(t, i)) != 0) return rc;
	}
	if ((rc = check_tree_unique(t)) != 0) return rc;
	if ((rc = check_tree_credentials(t)) != 0) return rc;
	/* §12.4.3.1: each non-blank leaf is valid (§7.3). */
	for (i = 0; i < t->n_leaves; i++) {
		if ((ln = mls_rtree_leaf(t, i)) == NULL) continue;
		chk.leaf_index = i;
		if ((rc = validate_core(t->cs, pol, &chk, ln)) != 0) return rc;
	}
	/* §12.4.3.1: each non-blank parent is parent-hash valid (§7.9.2). */
	return mls_rtree_verify_parent_hashes(t);
}
