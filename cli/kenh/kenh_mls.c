/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * MLS glue for kenh (RFC 9420): the authentication service (§5.3.1) as
 * the organization's certificate chain rules, and a replaced credential
 * (a renewal) must keep its identity (lib/crypto/pki.h; the
 * credential carries the leaf and unit CAs, the root comes from the
 * device folder), our X.509 credential, and KeyPackages (§10): made with
 * the device key as signature key, their private parts kept in the store
 * (scope "kp" of the identity table), uploaded to the relay (KP_UPLOAD),
 * and tried in turn against a Welcome (§12.4.3.1).
 */
#include "kenh.h"

#include "util/compat.h"

#include "../common/cli.h"
#include "crypto/crypto.h"
#include "proto/proto.h"
#include "util/mem.h"

#define KP_SCOPE     "kp"
#define KP_KEY_LEN   18 /* "kp" and 16 random bytes */
#define KP_MAX_BATCH 64

/* Say whose certificate a held CRL lists (the leaf's names, parsed without checks). */
static void report_revoked(struct kenh_app *a, struct kenh_span leaf)
{
	struct crypto_cert_info info;

	if (crypto_cert_parse(a->ctx, leaf.p, leaf.len, &info) != 0) return;
	fprintf(stderr, "kenh: refused a credential of %s/%s/%s: its certificate is revoked\n",
	        info.unit, info.user, info.device);
}

/*
 * RFC 9420 §5.3.1: a member is acceptable if its chain validates now under
 * our root and no CRL we hold lists its certificate or a CA of its chain
 * (issue 5 item 4: KENH_E_REVOKED, whatever the relay let through).
 */
static int chain_check(struct kenh_app *a, const struct kenh_mls_credential *cred,
                       struct crypto_cert_info *info)
{
	struct kenh_span cas[CRYPTO_PKI_MAX_CHAIN];
	struct crypto_chain_input in;
	const uint8_t *p;
	size_t len, n = kenh_mls_credential_cert_count(cred), i;
	int rc;

	if (kenh_mls_credential_type(cred) != KENH_MLS_CREDENTIAL_X509 || n == 0 ||
	    n > CRYPTO_PKI_MAX_CHAIN + 1)
		return KENH_ERR(KENH_E_VERIFY);
	memset(&in, 0, sizeof(in));
	for (i = 1; i < n; i++) {
		if ((rc = kenh_mls_credential_cert(cred, i, &p, &len)) != 0) return rc;
		cas[i - 1] = span_make(p, len);
	}
	if ((rc = kenh_mls_credential_cert(cred, 0, &p, &len)) != 0) return rc;
	in.root = span_make(a->root, a->rootlen);
	in.cas = cas;
	in.ncas = n - 1;
	in.leaf = span_make(p, len);
	in.crls = a->crls;
	in.ncrls = a->ncrls;
	in.now = cli_now();
	return crypto_chain_verify(a->ctx, &in, info);
}

static int validate(void *arg, const struct kenh_mls_credential *cred)
{
	struct kenh_app *a = arg;
	struct crypto_cert_info info;
	const uint8_t *p, *pk;
	size_t len, pklen;
	int rc;

	if ((rc = chain_check(a, cred, &info)) != 0) {
		if (rc == KENH_E_REVOKED && kenh_mls_credential_cert(cred, 0, &p, &len) == 0)
			report_revoked(a, span_make(p, len));
		return rc;
	}
	/* The leaf's signature key must be the certificate's key. */
	kenh_mls_credential_signature_key(cred, &pk, &pklen);
	if (pklen != info.pklen || memcmp(pk, info.pk, pklen) != 0) return KENH_ERR(KENH_E_VERIFY);
	return 0;
}

/* The identity the leaf certificate of a credential names (no chain check: validate did it). */
static int cred_identity(struct kenh_app *a, const struct kenh_mls_credential *cred,
                         struct crypto_cert_info *out)
{
	const uint8_t *p;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if (kenh_mls_credential_type(cred) != KENH_MLS_CREDENTIAL_X509)
		return KENH_ERR(KENH_E_VERIFY);
	if ((rc = kenh_mls_credential_cert(cred, 0, &p, &len)) != 0) return rc;
	return crypto_cert_parse(a->ctx, p, len, out);
}

/*
 * RFC 9420 §5.3.1: a member's new credential (a renewed certificate, docs/pki.md
 * "Renewal") must name the same unit, user and device as the one it replaces.
 */
static int successor(void *arg, const struct kenh_mls_credential *old,
                     const struct kenh_mls_credential *next)
{
	struct kenh_app *a = arg;
	struct crypto_cert_info o, n;
	int rc;

	if ((rc = cred_identity(a, old, &o)) != 0 || (rc = cred_identity(a, next, &n)) != 0)
		return rc;
	if (strcmp(o.unit, n.unit) != 0 || strcmp(o.user, n.user) != 0 ||
	    strcmp(o.device, n.device) != 0)
		return KENH_ERR(KENH_E_PERM);
	return 0;
}

void kenh_mls_config(struct kenh_app *a, struct kenh_mls_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->validate = validate;
	cfg->validate_arg = a;
	cfg->successor = successor;
	cfg->successor_arg = a;
}

void kenh_mls_cred(const struct kenh_app *a, struct kenh_mls_credential_args *c,
                   const uint8_t **certs, size_t *lens)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < a->id.nchain; i++) {
		certs[i] = a->id.chain[i].p;
		lens[i] = a->id.chain[i].len;
	}
	c->type = KENH_MLS_CREDENTIAL_X509;
	c->certs = certs;
	c->cert_lens = lens;
	c->n_certs = a->id.nchain;
}

int kenh_kp_make(struct kenh_app *a, struct kenh_mls_keypackage **out)
{
	const uint8_t *certs[CLIENT_IDENTITY_MAX_CHAIN];
	size_t lens[CLIENT_IDENTITY_MAX_CHAIN];
	struct kenh_mls_keypackage_args ka;

	memset(&ka, 0, sizeof(ka));
	ka.suite = KENH_SUITE;
	kenh_mls_cred(a, &ka.credential, certs, lens);
	ka.signature_key = a->id.key.sk;
	ka.signature_key_len = a->id.key.sklen;
	return kenh_mls_keypackage_new(a->ctx, &ka, out);
}

/* Keep a KeyPackage's private part: value = last_resort flag, then the serialization. */
static int kp_store(struct kenh_app *a, const struct kenh_mls_keypackage *kp, bool lr)
{
	uint8_t key[KP_KEY_LEN] = "kp", *ser = NULL, *val = NULL;
	size_t serlen = 0;
	struct client_store_put row;
	int rc;

	if ((rc = crypto_random(a->ctx, key + 2, sizeof(key) - 2)) != 0) return rc;
	if ((rc = kenh_mls_keypackage_serialize(kp, &ser, &serlen)) != 0) return rc;
	if ((rc = sec_alloc(serlen + 1, (void **)&val)) == 0) {
		val[0] = lr ? 1 : 0;
		memcpy(val + 1, ser, serlen);
		memset(&row, 0, sizeof(row));
		row.key = span_make(key, sizeof(key));
		row.scope = span_make((const uint8_t *)KP_SCOPE, 2);
		row.value = span_make(val, serlen + 1);
		rc = client_store_put(a->st, CLIENT_T_IDENTITY, &row, NULL);
		sec_free(val, serlen + 1);
	}
	kenh_mls_free(ser, serlen);
	return rc;
}

/* Make one KeyPackage, store it, and return its MLSMessage. */
static int kp_one(struct kenh_app *a, bool lr, struct kenh_span *msg)
{
	struct kenh_mls_keypackage *kp = NULL;
	uint8_t *m = NULL;
	size_t mlen = 0;
	int rc;

	*msg = span_make(NULL, 0);
	if ((rc = kenh_kp_make(a, &kp)) == 0 && (rc = kp_store(a, kp, lr)) == 0)
		rc = kenh_mls_keypackage_message(kp, &m, &mlen);
	kenh_mls_keypackage_free(kp);
	if (rc == 0) *msg = span_make(m, mlen);
	return rc;
}

int kenh_kp_upload(struct kenh_app *a, size_t n, bool lr)
{
	struct kenh_span msgs[KP_MAX_BATCH];
	struct proto_kp_upload req;
	struct proto_kp_upload_resp resp;
	size_t i, made = 0;
	int rc = 0;

	if (n > KP_MAX_BATCH) return KENH_ERR(KENH_E_INVALID_ARG);
	memset(&req, 0, sizeof(req));
	if ((rc = client_store_begin(a->st)) != 0) return rc;
	for (i = 0; i < n && rc == 0; i++)
		if ((rc = kp_one(a, false, &msgs[i])) == 0) made++;
	if (rc == 0 && lr && (rc = kp_one(a, true, &req.last_resort.v)) == 0)
		req.last_resort.present = true;
	req.key_packages = msgs;
	req.n_key_packages = made;
	if (rc == 0)
		rc = kenh_net_call(a, PROTO_KP_UPLOAD, &proto_desc_kp_upload, &req,
		                   &proto_desc_kp_upload_resp, &resp, sizeof(resp), NULL);
	/* Keep the private parts only if the relay has the public ones. */
	if (rc == 0)
		rc = client_store_commit(a->st);
	else if (client_store_rollback(a->st) != 0)
		rc = KENH_ERR(KENH_E_DB);
	for (i = 0; i < made; i++)
		kenh_mls_free((void *)(uintptr_t)msgs[i].p, msgs[i].len);
	kenh_mls_free((void *)(uintptr_t)req.last_resort.v.p, req.last_resort.v.len);
	return rc;
}

static int count_one(void *arg, const struct client_store_item *it)
{
	size_t *n = arg;

	if (it->value.len > 0 && it->value.p[0] == 0) (*n)++;
	return 0;
}

int kenh_kp_count(struct kenh_app *a, size_t *n)
{
	*n = 0;
	return client_store_scan(a->st, CLIENT_T_IDENTITY, span_make((const uint8_t *)KP_SCOPE, 2),
	                         0, 0, count_one, n);
}

struct join_try {
	struct kenh_app *a;
	struct kenh_span welcome;
	struct kenh_mls_group *g;
	uint8_t key[KP_KEY_LEN];
	bool lr;
};

static int try_one(void *arg, const struct client_store_item *it)
{
	struct join_try *t = arg;
	struct kenh_mls_keypackage *kp = NULL;
	struct kenh_mls_config cfg;
	int rc;

	if (t->g != NULL || it->value.len < 2 || it->key.len != KP_KEY_LEN) return 0;
	if (kenh_mls_keypackage_restore(t->a->ctx, it->value.p + 1, it->value.len - 1, &kp) != 0)
		return 0;
	kenh_mls_config(t->a, &cfg);
	rc = kenh_mls_group_join(t->a->ctx, &cfg, kp, t->welcome.p, t->welcome.len, NULL, 0, &t->g);
	kenh_mls_keypackage_free(kp);
	if (rc == 0) {
		memcpy(t->key, it->key.p, KP_KEY_LEN);
		t->lr = it->value.p[0] != 0;
	}
	return 0;
}

int kenh_kp_join(struct kenh_app *a, struct kenh_span welcome, struct kenh_mls_group **out)
{
	struct join_try t;
	int rc;

	*out = NULL;
	memset(&t, 0, sizeof(t));
	t.a = a;
	t.welcome = welcome;
	rc = client_store_scan(a->st, CLIENT_T_IDENTITY, span_make((const uint8_t *)KP_SCOPE, 2), 0,
	                       0, try_one, &t);
	if (rc == 0 && t.g == NULL) rc = KENH_ERR(KENH_E_NOT_FOUND);
	/* RFC 9420 §16.8: a one-time KeyPackage is used once; its keys go. */
	if (rc == 0 && !t.lr)
		rc = client_store_del(a->st, CLIENT_T_IDENTITY, span_make(t.key, KP_KEY_LEN));
	if (rc != 0) {
		kenh_mls_group_free(t.g);
		return rc;
	}
	*out = t.g;
	return 0;
}

int kenh_member_revoked(struct kenh_app *a, const struct kenh_mls_group *g, uint32_t leaf,
                        bool *revoked)
{
	const struct kenh_mls_credential *cred;
	struct crypto_cert_info info;
	int rc;

	*revoked = false;
	if ((rc = kenh_mls_group_member(g, leaf, &cred)) != 0) return rc;
	*revoked = chain_check(a, cred, &info) == KENH_E_REVOKED;
	return 0;
}

int kenh_member_info(struct kenh_app *a, const struct kenh_mls_group *g, uint32_t leaf,
                     struct crypto_cert_info *out)
{
	const struct kenh_mls_credential *cred;
	const uint8_t *p;
	size_t len;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = kenh_mls_group_member(g, leaf, &cred)) != 0) return rc;
	if ((rc = kenh_mls_credential_cert(cred, 0, &p, &len)) != 0) return rc;
	return crypto_cert_parse(a->ctx, p, len, out);
}
