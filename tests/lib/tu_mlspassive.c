/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * A passive member of a mls/passive-client-*.json case: see
 * tu_mlspassive.h (the clock injection is described there).
 */
#include "tu_mlspassive.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "kenh/kenh.h"
#include "testutil.h"
#include "util/mem.h"

static int pc_accept_credential(void *arg, const struct mls_leaf_node *ln)
{
	(void)arg;
	/* The vectors use basic credentials that no authority vouches for. */
	return ln->credential.credential_type == MLS_CREDENTIAL_BASIC ? 0 : KENH_E_VERIFY;
}

static uint64_t pc_clock(void *arg)
{
	return ((const struct tu_pc *)arg)->now;
}

static int pc_psk(void *arg, const struct mls_pre_shared_key_id *id, uint8_t *out, size_t cap,
                  size_t *len)
{
	const struct tu_pc *pc = arg;
	struct tu_bytes pid, val;
	const json_t *e;
	size_t i;
	int rc = KENH_E_NOT_FOUND;

	*len = 0;
	if (id->psktype != MLS_PSK_EXTERNAL) return KENH_E_NOT_FOUND;
	json_array_foreach(pc->psks, i, e)
	{
		if (!tu_json_hex(e, "psk_id", &pid)) continue;
		if (span_eq(span_make(pid.p, pid.len), id->psk_id) && tu_json_hex(e, "psk", &val)) {
			if (val.len <= cap) {
				memcpy(out, val.p, val.len);
				*len = val.len;
				rc = 0;
			}
			tu_bytes_free(&val);
		}
		tu_bytes_free(&pid);
		if (rc == 0) break;
	}
	return rc;
}

static void pc_callbacks(struct tu_pc *pc, struct mls_group_callbacks *cb)
{
	memset(cb, 0, sizeof(*cb));
	cb->check_credential = pc_accept_credential;
	cb->psk_lookup = pc_psk;
	cb->psk_arg = pc;
	cb->clock = pc_clock;
	cb->clock_arg = pc;
	cb->max_lifetime = TU_VECTOR_MAX_LIFETIME;
}

/* The private keys of the case must be those of its KeyPackage. */
static const char *check_keys(struct tu_pc *pc, const struct mls_key_package *kp)
{
	uint8_t pk[CRYPTO_MAX_SIG_PK];
	const struct crypto_suite *cs = pc->cs;

	if (crypto_kem_pk_from_sk(cs->kem, pc->kp.keys.init_sk, pk) != 0 ||
	    !span_eq(span_make(pk, cs->kem->npk), kp->init_key))
		return "init_priv does not match init_key";
	if (crypto_kem_pk_from_sk(cs->kem, pc->kp.keys.encryption_sk, pk) != 0 ||
	    !span_eq(span_make(pk, cs->kem->npk), kp->leaf_node.encryption_key))
		return "encryption_priv does not match the leaf";
	if (crypto_sig_pk_from_sk(cs->sig, pc->kp.sig_sk, pk) != 0 ||
	    !span_eq(span_make(pk, cs->sig->npk), kp->leaf_node.signature_key))
		return "signature_priv does not match the leaf";
	return NULL;
}

static bool copy_key(const json_t *obj, const char *name, uint8_t *dst, size_t len)
{
	struct tu_bytes b;
	bool ok;

	if (!tu_json_hex(obj, name, &b)) return false;
	ok = b.len == len;
	if (ok) memcpy(dst, b.p, len);
	tu_bytes_free(&b);
	return ok;
}

/* Our KeyPackage and its private keys, from the case. */
static const char *load_kp(struct tu_pc *pc, const json_t *obj)
{
	struct mls_key_package dec;
	struct mls_message m;
	struct tu_bytes b;
	const char *why = NULL;

	if (!tu_json_hex(obj, "key_package", &b)) return "missing key_package";
	if (mls_message_parse(b.p, b.len, &m) != 0 ||
	    m.wire_format != MLS_WIRE_FORMAT_KEY_PACKAGE) {
		tu_bytes_free(&b);
		return "key_package is not an MLSMessage(KeyPackage)";
	}
	mls_message_clear(&m);
	pc->kp.cs = pc->cs;
	pc->kp.keys.nsk = pc->cs->kem->nsk;
	pc->kp.sig_sk_len = pc->cs->sig->nsk;
	if (mem_dup(b.p + 4, b.len - 4, &pc->kp.kp) != 0) why = "out of memory";
	pc->kp.kp_len = b.len - 4;
	tu_bytes_free(&b);
	if (why != NULL) return why;
	if (!copy_key(obj, "init_priv", pc->kp.keys.init_sk, pc->cs->kem->nsk) ||
	    !copy_key(obj, "encryption_priv", pc->kp.keys.encryption_sk, pc->cs->kem->nsk) ||
	    !copy_key(obj, "signature_priv", pc->kp.sig_sk, pc->cs->sig->nsk))
		return "bad private key";
	if (mls_group_own_key_package_decode(&pc->kp, &dec) != 0) return "bad KeyPackage";
	why = check_keys(pc, &dec);
	pc->now = dec.leaf_node.lifetime.not_before;
	mls_key_package_clear(&dec);
	return why;
}

const char *tu_pc_check_auth(const struct tu_pc *pc, const json_t *obj, const char *name)
{
	struct tu_bytes want;
	bool ok;

	if (!tu_json_hex(obj, name, &want)) return "missing epoch_authenticator";
	ok = tu_bytes_eq(name, pc->g->es.epoch_authenticator, pc->cs->kdf->nh, want.p, want.len);
	tu_bytes_free(&want);
	return ok ? NULL : "epoch authenticator differs";
}

/* The tree's latest KeyPackage not_before: the injected clock (see the top of the file). */
static void clock_from_tree(struct tu_pc *pc, struct kenh_span data)
{
	const struct mls_leaf_node *ln;
	struct mls_rtree *t = NULL;
	uint32_t i;

	if (mls_rtree_import(pc->cs, data, &t) != 0) return;
	for (i = 0; i < t->n_leaves; i++) {
		ln = mls_rtree_leaf(t, i);
		if (ln != NULL && ln->leaf_node_source == MLS_LEAF_SOURCE_KEY_PACKAGE &&
		    ln->lifetime.not_before > pc->now)
			pc->now = ln->lifetime.not_before;
	}
	mls_rtree_free(t);
}

/* First pass over the Welcome, for the clock: the tree of its GroupInfo's extension. */
static int peek_signer(void *arg, const struct mls_group_info *gi, struct kenh_span *key)
{
	const struct mls_extension *e =
	        mls_extension_list_find(&gi->extensions, MLS_EXT_RATCHET_TREE);

	*key = span_make(NULL, 0);
	if (e != NULL) clock_from_tree(arg, e->extension_data);
	return KENH_E_NOT_FOUND; /* stop here: this pass only reads the tree */
}

/* The first pass resolves the Welcome's PSKs as the join will. */
static int peek_psk(void *arg, const struct mls_pre_shared_key_id *psks, size_t n, uint8_t *out)
{
	struct tu_pc *pc = arg;
	struct mls_group_callbacks cb;
	struct mls_psk_set *set = NULL;
	struct mls_group *g = NULL;
	size_t i;
	int rc;

	pc_callbacks(pc, &cb);
	if ((rc = mls_group_alloc(pc->ctx, pc->cs, &cb, &g)) != 0) return rc;
	if ((rc = mls_psk_set_new(&set)) == 0) {
		for (i = 0; i < n && rc == 0; i++)
			rc = mls_psk_set_add(set, g, &psks[i]);
		if (rc == 0) rc = mls_psk_set_secret(set, pc->cs, out);
	}
	mls_psk_set_free(set);
	mls_group_free(g);
	return rc;
}

static void peek_welcome(struct tu_pc *pc, const struct mls_welcome *w)
{
	struct mls_welcome_join_args a;
	struct mls_welcome_joined jd;

	memset(&a, 0, sizeof(a));
	a.ctx = pc->ctx;
	a.me.cs = pc->cs;
	a.me.key_package = span_make(pc->kp.kp, pc->kp.kp_len);
	a.me.init_sk = span_make(pc->kp.keys.init_sk, pc->cs->kem->nsk);
	a.welcome = w;
	a.psk_secret = peek_psk;
	a.psk_arg = pc;
	a.signer_key = peek_signer;
	a.signer_arg = pc;
	if (mls_welcome_join(&a, &jd) == 0) mls_welcome_joined_clear(&jd);
}

static const char *join(struct tu_pc *pc, const json_t *obj)
{
	struct mls_group_callbacks cb;
	struct tu_bytes wb, tree = { NULL, 0 };
	struct mls_message m;
	const char *why = NULL;
	int rc;

	pc_callbacks(pc, &cb);
	if (!tu_json_hex(obj, "welcome", &wb)) return "missing welcome";
	if (json_is_string(json_object_get(obj, "ratchet_tree")) &&
	    !tu_json_hex(obj, "ratchet_tree", &tree))
		why = "bad ratchet_tree";
	if (why == NULL &&
	    (mls_message_parse(wb.p, wb.len, &m) != 0 || m.wire_format != MLS_WIRE_FORMAT_WELCOME))
		why = "welcome is not an MLSMessage(Welcome)";
	if (why == NULL) {
		if (tree.len != 0)
			clock_from_tree(pc, span_make(tree.p, tree.len));
		else
			peek_welcome(pc, &m.u.welcome);
		rc = mls_group_join(pc->ctx, &cb, &pc->kp, &m.u.welcome,
		                    span_make(tree.p, tree.len), &pc->g);
		if (rc != 0) {
			fprintf(stderr, "%s: join: %s\n", pc->file, kenh_strerror(rc));
			why = "join refused";
		}
		mls_message_clear(&m);
	}
	tu_bytes_free(&wb);
	tu_bytes_free(&tree);
	return why;
}

/* One message of an epoch: parse it and hand it to the group. */
const char *tu_pc_process(struct tu_pc *pc, const char *hex, enum mls_event_type want)
{
	struct tu_bytes b;
	struct mls_message m;
	struct mls_event ev;
	const char *why = NULL;
	int rc;

	if (!tu_hex_decode(hex, &b)) return "bad hex";
	if (mls_message_parse(b.p, b.len, &m) != 0) {
		tu_bytes_free(&b);
		return "message does not parse";
	}
	rc = mls_group_process(pc->g, &m, &ev);
	if (rc != 0) {
		fprintf(stderr, "%s: process: %s\n", pc->file, kenh_strerror(rc));
		why = want == MLS_EVENT_COMMIT ? "commit refused" : "proposal refused";
	} else if (ev.type != want) {
		why = "unexpected event";
	}
	mls_event_clear(&ev);
	mls_message_clear(&m);
	tu_bytes_free(&b);
	return why;
}

const char *tu_pc_join(const struct kenh_ctx *ctx, const char *file, const json_t *obj,
                       struct tu_pc *pc)
{
	const char *why;

	pc->ctx = ctx;
	pc->file = file;
	if ((why = load_kp(pc, obj)) != NULL) return why;
	pc->psks = json_object_get(obj, "external_psks");
	return join(pc, obj);
}

void tu_pc_clear(struct tu_pc *pc)
{
	mls_group_free(pc->g);
	mls_own_key_package_clear(&pc->kp);
	memset(pc, 0, sizeof(*pc));
}
