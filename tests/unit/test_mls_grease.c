/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests of GREASE (RFC 9420 §13.5) in the MLS group state machine: the
 * values we send (a random GREASE value in each capabilities list, GREASE
 * extensions with random data in KeyPackage.extensions, LeafNode.extensions
 * and GroupInfo.extensions), and what we accept: a member whose KeyPackage
 * is full of GREASE values, added, joining by Welcome, committing, and
 * joining by external Commit, GroupInfo GREASE included, everyone ignoring
 * what they do not know; while a GREASE proposal type, where §13.5 forbids
 * it, cannot even be parsed.
 */
#include "mls/group.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "kenh/kenh.h"
#include "kenh/mls.h"
#include "tu_mlsworld.h"
#include "util/mem.h"

static int setup_ctx(void **state)
{
	struct kenh_ctx *ctx = NULL;

	if (kenh_ctx_new(&ctx) != 0) return -1;
	*state = ctx;
	return 0;
}

static int teardown_ctx(void **state)
{
	kenh_ctx_free(*state);
	return 0;
}

/* RFC 9420 §13.5: 0x0A0A, 0x1A1A, ..., 0xEAEA. */
static bool is_grease(uint16_t v)
{
	return (v & 0x0f0fu) == 0x0a0au && (v >> 12) == ((v >> 4) & 0xfu) && v != 0xfafau;
}

static bool list_has_grease(const struct mls_u16_list *l)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (is_grease(l->items[i])) return true;
	return false;
}

static bool list_has(const struct mls_u16_list *l, uint16_t v)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (l->items[i] == v) return true;
	return false;
}

/* The GREASE extension of l (NULL if none). */
static const struct mls_extension *grease_ext(const struct mls_extension_list *l)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (is_grease(l->items[i].extension_type)) return &l->items[i];
	return NULL;
}

/* Every place of a KeyPackage where §13.5 asks for GREASE has some. */
static void assert_kp_greased(const uint8_t *p, size_t len)
{
	const struct mls_capabilities *c;
	const struct mls_extension *e;
	struct mls_key_package kp;
	struct codec_reader r;

	codec_reader_init(&r, p, len);
	assert_int_equal(mls_decode_key_package(&r, &kp), 0);
	assert_int_equal(codec_reader_done(&r), 0);
	c = &kp.leaf_node.capabilities;
	assert_true(list_has_grease(&c->cipher_suites));
	assert_true(list_has_grease(&c->credentials));
	assert_true(list_has_grease(&c->proposals));
	assert_true(list_has_grease(&c->extensions));
	assert_non_null(e = grease_ext(&kp.extensions));
	assert_true(list_has(&c->extensions, e->extension_type));
	/* §13.5: a leaf's GREASE extension is reflected in its capabilities (§7.3). */
	assert_non_null(e = grease_ext(&kp.leaf_node.extensions));
	assert_true(list_has(&c->extensions, e->extension_type));
	mls_key_package_clear(&kp);
}

/* The GREASE values of our KeyPackages, internal and public, and that they vary. */
static void test_mls_grease_key_package(void **state)
{
	struct kenh_mls_keypackage_args pa;
	struct kenh_mls_keypackage *pub = NULL;
	struct mls_key_package kp;
	struct codec_reader r;
	struct tu_world w;
	uint8_t *m = NULL;
	size_t len = 0, i;
	uint16_t first = 0;
	bool varied = false;

	tu_world_init(&w, *state, 1);
	for (i = 0; i < 16; i++) {
		assert_int_equal(tu_make_kp(&w, 0, 1), 0);
		assert_kp_greased(w.p[0].kp.kp, w.p[0].kp.kp_len);
		codec_reader_init(&r, w.p[0].kp.kp, w.p[0].kp.kp_len);
		assert_int_equal(mls_decode_key_package(&r, &kp), 0);
		if (i == 0) first = kp.leaf_node.capabilities.cipher_suites.items[3];
		if (kp.leaf_node.capabilities.cipher_suites.items[3] != first) varied = true;
		mls_key_package_clear(&kp);
	}
	/* §13.5: "a random selection" (the same value 16 times: 15^-15). */
	assert_true(varied);
	/* The public API's KeyPackage, with the application's leaf extension beside GREASE. */
	memset(&pa, 0, sizeof(pa));
	pa.suite = 3;
	pa.credential.type = KENH_MLS_CREDENTIAL_BASIC;
	pa.credential.identity = (const uint8_t *)"officer";
	pa.credential.identity_len = 7;
	pa.application_id = (const uint8_t *)"kenh";
	pa.application_id_len = 4;
	assert_int_equal(kenh_mls_keypackage_new(w.ctx, &pa, &pub), 0);
	assert_int_equal(kenh_mls_keypackage_message(pub, &m, &len), 0);
	assert_kp_greased(m + 4, len - 4);
	codec_reader_init(&r, m + 4, len - 4);
	assert_int_equal(mls_decode_key_package(&r, &kp), 0);
	assert_non_null(mls_extension_list_find(&kp.leaf_node.extensions, MLS_EXT_APPLICATION_ID));
	mls_key_package_clear(&kp);
	kenh_mls_free(m, len);
	kenh_mls_keypackage_free(pub);
	tu_world_clear(&w);
}

/* The GroupInfo MLSMessage m carries a GREASE extension. */
static void assert_gi_greased(const uint8_t *m, size_t len)
{
	struct mls_message msg;

	assert_int_equal(mls_message_parse(m, len, &msg), 0);
	assert_int_equal(msg.wire_format, MLS_WIRE_FORMAT_GROUP_INFO);
	assert_non_null(grease_ext(&msg.u.group_info.extensions));
	mls_message_clear(&msg);
}

/* §13.5: GroupInfo.extensions, on its own and as a Commit makes it (the Welcome's). */
static void test_mls_grease_group_info(void **state)
{
	struct mls_commit_made cm;
	struct mls_commit_args a;
	struct tu_world w;
	uint8_t *gi = NULL;
	size_t len = 0;

	tu_world_init(&w, *state, 1);
	assert_int_equal(tu_grow_group(&w, 2), 0);
	assert_int_equal(mls_group_info_make(w.p[0].g, true, true, &gi, &len), 0);
	assert_gi_greased(gi, len);
	mem_free(gi);
	memset(&a, 0, sizeof(a));
	a.force_path = true;
	assert_int_equal(tu_commit_all(&w, 1, &a, &cm), 0);
	assert_gi_greased(cm.group_info, cm.group_info_len);
	mls_commit_made_clear(&cm);
	tu_world_clear(&w);
}

/* A KeyPackage of party i full of GREASE: every value in every list, several extensions. */
struct greasy {
	uint16_t suites[3 + 15], creds[1 + 15], props[15], exts[15], version;
	struct mls_extension kp_ext[3], leaf_ext[2];
	uint8_t sig_pk[CRYPTO_MAX_SIG_PK];
};

static void make_greasy_kp(struct tu_world *w, size_t i)
{
	struct mls_key_package_build_args a;
	struct mls_extension_list kl, ll;
	struct mls_own_key_package *k = &w->p[i].kp;
	struct mls_capabilities caps;
	struct mls_credential cred;
	struct greasy g;
	size_t j;

	memset(&g, 0, sizeof(g));
	g.suites[0] = 1;
	g.suites[1] = 2;
	g.suites[2] = 3;
	g.creds[0] = MLS_CREDENTIAL_BASIC;
	for (j = 0; j < 15; j++) {
		uint16_t v = (uint16_t)(0x0a0au + 0x1010u * j);
		g.suites[3 + j] = g.creds[1 + j] = g.props[j] = g.exts[j] = v;
	}
	g.version = MLS_VERSION_MLS10;
	for (j = 0; j < 3; j++)
		g.kp_ext[j] =
		        (struct mls_extension){ g.exts[j], span_make((const uint8_t *)"junk", j) };
	g.leaf_ext[0] = (struct mls_extension){ g.exts[7], span_make(NULL, 0) };
	g.leaf_ext[1] = (struct mls_extension){ g.exts[14], span_make((const uint8_t *)"xyz", 3) };
	memset(&caps, 0, sizeof(caps));
	caps.versions = (struct mls_u16_list){ &g.version, 1 };
	caps.cipher_suites = (struct mls_u16_list){ g.suites, ARRAY_LEN(g.suites) };
	caps.credentials = (struct mls_u16_list){ g.creds, ARRAY_LEN(g.creds) };
	caps.proposals = (struct mls_u16_list){ g.props, ARRAY_LEN(g.props) };
	caps.extensions = (struct mls_u16_list){ g.exts, ARRAY_LEN(g.exts) };
	kl = (struct mls_extension_list){ g.kp_ext, 3 };
	ll = (struct mls_extension_list){ g.leaf_ext, 2 };
	mls_own_key_package_clear(k);
	snprintf(w->p[i].name, sizeof(w->p[i].name), "p%zu", i);
	memset(&cred, 0, sizeof(cred));
	cred.credential_type = MLS_CREDENTIAL_BASIC;
	cred.identity = span_make((const uint8_t *)w->p[i].name, strlen(w->p[i].name));
	k->cs = crypto_suite_get(w->ctx, w->suite);
	assert_non_null(k->cs);
	assert_int_equal(crypto_sig_keygen(k->cs->sig, k->sig_sk, g.sig_pk), 0);
	k->sig_sk_len = k->cs->sig->nsk;
	memset(&a, 0, sizeof(a));
	a.ctx = w->ctx;
	a.cs = k->cs;
	a.sig_sk = span_make(k->sig_sk, k->sig_sk_len);
	a.sig_pk = span_make(g.sig_pk, k->cs->sig->npk);
	a.credential = &cred;
	a.capabilities = &caps;
	a.lifetime = (struct mls_lifetime){ w->now - 10, w->now + 3600 };
	a.max_lifetime = MLS_KP_MAX_LIFETIME;
	a.extensions = &kl;
	a.leaf_extensions = &ll;
	assert_int_equal(mls_key_package_build(&a, &k->keys, &k->kp, &k->kp_len), 0);
}

/*
 * RFC 9420 §13, §13.5: unknown values in capabilities, KeyPackage, LeafNode
 * and GroupInfo extensions are ignored, on every path: adding (§10.1),
 * processing the Add, joining by Welcome and validating the tree
 * (§12.4.3.1), a Commit whose path leaf carries them, an external join.
 */
static void test_mls_grease_accepted(void **state)
{
	struct mls_external_join_args ea;
	struct mls_commit_made cm;
	struct mls_commit_args a;
	struct mls_message gim;
	struct kenh_span kp;
	struct tu_world w;
	uint8_t *gi = NULL, *commit = NULL;
	size_t len = 0, clen = 0, i;
	uint16_t suite;

	for (suite = 1; suite <= 3; suite++) {
		tu_world_init(&w, *state, suite);
		assert_int_equal(tu_grow_group(&w, 2), 0);
		make_greasy_kp(&w, 2);
		kp = span_make(w.p[2].kp.kp, w.p[2].kp.kp_len);
		memset(&a, 0, sizeof(a));
		a.key_packages = &kp;
		a.n_add = 1;
		a.ratchet_tree_in_welcome = true;
		assert_int_equal(tu_commit_all(&w, 0, &a, &cm), 0);
		assert_int_equal(tu_join(&w, 2, cm.welcome, cm.welcome_len), 0);
		mls_commit_made_clear(&cm);
		assert_true(tu_agree(&w));
		/* The greasy member commits; its path leaf keeps its GREASE extensions. */
		memset(&a, 0, sizeof(a));
		a.force_path = true;
		assert_int_equal(tu_commit_all(&w, 2, &a, NULL), 0);
		assert_true(tu_agree(&w));
		assert_non_null(grease_ext(&mls_rtree_leaf(w.p[0].g->tree, 2)->extensions));
		/* An external joiner reads a GroupInfo with GREASE; the members take its Commit. */
		assert_int_equal(mls_group_info_make(w.p[2].g, true, true, &gi, &len), 0);
		assert_int_equal(mls_message_parse(gi, len, &gim), 0);
		assert_int_equal(tu_make_kp(&w, 3, w.suite), 0);
		memset(&ea, 0, sizeof(ea));
		ea.ctx = w.ctx;
		ea.cb = &w.cb;
		ea.kp = &w.p[3].kp;
		ea.gi = &gim.u.group_info;
		ea.resync_leaf = UINT32_MAX;
		assert_int_equal(mls_group_join_external(&ea, &commit, &clen, &w.p[3].g), 0);
		for (i = 0; i < 3; i++)
			assert_int_equal(tu_deliver(&w, i, commit, clen, NULL), 0);
		assert_true(tu_agree(&w));
		mem_free(commit);
		mls_message_clear(&gim);
		mem_free(gi);
		tu_world_clear(&w);
	}
}

/*
 * RFC 9420 §13.5: GREASE values MUST NOT be sent as a proposal type, since
 * a receiver cannot parse a proposal it does not know: a Commit naming one
 * is refused, and the group stays as it was.
 */
static void test_mls_grease_proposal_type(void **state)
{
	static const uint8_t remove2[] = { 1, 0, MLS_PROPOSAL_REMOVE, 0, 0, 0, 2 };
	struct mls_commit_made cm;
	struct mls_commit_args a;
	struct tu_world w;
	uint8_t *before = NULL, *after = NULL;
	size_t bl = 0, al = 0, i, at = 0, hits = 0;
	uint32_t leaf = 2;

	tu_world_init(&w, *state, 1);
	assert_int_equal(tu_grow_group(&w, 3), 0);
	memset(&a, 0, sizeof(a));
	a.remove = &leaf;
	a.n_remove = 1;
	assert_int_equal(mls_group_commit_create(w.p[0].g, &a, &cm), 0);
	/* The one ProposalOrRef: by value (1), remove (0x0003) of leaf 2. */
	for (i = 0; i + sizeof(remove2) <= cm.commit_len; i++)
		if (memcmp(cm.commit + i, remove2, sizeof(remove2)) == 0) {
			at = i;
			hits++;
		}
	assert_int_equal(hits, 1);
	cm.commit[at + 1] = 0x0a;
	cm.commit[at + 2] = 0x0a;
	assert_int_equal(mls_group_serialize(w.p[1].g, &before, &bl), 0);
	assert_int_equal(tu_deliver(&w, 1, cm.commit, cm.commit_len, NULL), KENH_E_PARSE);
	assert_int_equal(mls_group_serialize(w.p[1].g, &after, &al), 0);
	assert_int_equal(bl, al);
	assert_memory_equal(before, after, bl);
	sec_free(before, bl);
	sec_free(after, al);
	mls_commit_made_clear(&cm);
	tu_world_clear(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mls_grease_key_package),
		cmocka_unit_test(test_mls_grease_group_info),
		cmocka_unit_test(test_mls_grease_accepted),
		cmocka_unit_test(test_mls_grease_proposal_type),
	};

	return cmocka_run_group_tests(tests, setup_ctx, teardown_ctx);
}
