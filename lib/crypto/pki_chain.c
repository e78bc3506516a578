/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Validation of a Kenh certificate path (RFC 5280 §6, narrowed to our
 * profiles; docs/pki.md "Validation"), used by the relay for every TLS
 * client and by clients for every credential. The path is short and built
 * by hand: leaf, then unit CAs from the trust store, then the root, each
 * link an exact name match whose signature verifies. Then, in order: the
 * organization is the root's throughout; each unit CA's path contains the
 * path of every certificate below it, whatever the CA signed (the
 * subtree rule, checked here independently of the issuing side); every
 * certificate is inside its validity period at the given time; and no
 * certificate is listed by a CRL of the CA above it. We do not use
 * X509_verify_cert: name constraints cannot express our URI subtree rule
 * (RFC 5280 §4.2.1.10 constrains only the URI host), and a short explicit
 * walk gives each refusal its own error code.
 */
#include "crypto/pki.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "util/compat.h"

#include "crypto/pki_int.h"
#include "util/mem.h"

/* A path: x[0] the certificate being validated, x[n - 1] the root. */
struct path {
	X509 *x[CRYPTO_PKI_MAX_CHAIN + 2];
	const struct crypto_cert_info *info[CRYPTO_PKI_MAX_CHAIN + 2];
	size_t n;
};

static int hash_der(const struct kenh_ctx *ctx, const uint8_t *der, size_t len, uint8_t *out)
{
	const struct crypto_kdf *kdf = crypto_kdf_get(ctx, CRYPTO_KDF_HKDF_SHA256);

	if (kdf == NULL) return KENH_ERR(KENH_E_INTERNAL);
	return crypto_hash(kdf, der, len, out);
}

static int ca_load(const struct kenh_ctx *ctx, const uint8_t *der, size_t len,
                   struct crypto_pki_ca *ca)
{
	int rc;

	memset(ca, 0, sizeof(*ca));
	if ((rc = crypto_pki_x509_parse(ctx, der, len, &ca->x)) != 0) return rc;
	if ((rc = crypto_pki_x509_info(ctx, ca->x, &ca->info)) != 0) goto out;
	rc = hash_der(ctx, der, len, ca->hash);
out:
	if (rc != 0) {
		X509_free(ca->x);
		ca->x = NULL;
	}
	return rc;
}

int crypto_trust_new(const struct kenh_ctx *ctx, const uint8_t *root_der, size_t len,
                     struct crypto_trust **out)
{
	struct crypto_trust *t = NULL;
	void *mem = NULL;
	int rc;

	*out = NULL;
	if ((rc = mem_calloc(1, sizeof(*t), &mem)) != 0) return rc;
	t = mem;
	t->ctx = ctx;
	if ((rc = ca_load(ctx, root_der, len, &t->root)) != 0) goto out;
	/* The anchor is a root profile and signs itself (RFC 5280 §6.1.1 (d) trust anchor). */
	if (t->root.info.kind != CRYPTO_CERT_ROOT ||
	    X509_verify(t->root.x, X509_get0_pubkey(t->root.x)) != 1) {
		rc = KENH_ERR(KENH_E_VERIFY);
		goto out;
	}
	*out = t;
	t = NULL;
out:
	crypto_pki_drain(ctx, __func__);
	crypto_trust_free(t);
	return rc;
}

void crypto_trust_free(struct crypto_trust *t)
{
	size_t i;

	if (t == NULL) return;
	X509_free(t->root.x);
	for (i = 0; i < t->ncas; i++)
		X509_free(t->cas[i].x);
	for (i = 0; i < t->ncrls; i++)
		crypto_crl_free(t->crls[i]);
	mem_free(t->cas);
	mem_free(t->crls);
	mem_free(t);
}

int crypto_trust_add_ca(struct crypto_trust *t, const uint8_t *der, size_t len)
{
	struct crypto_pki_ca ca;
	void *grown = NULL;
	size_t i;
	int rc;

	if (t->ncas >= CRYPTO_PKI_MAX_TRUST) return KENH_ERR(KENH_E_TOO_LARGE);
	if ((rc = ca_load(t->ctx, der, len, &ca)) != 0) return rc;
	if (ca.info.kind != CRYPTO_CERT_UNIT) {
		rc = KENH_ERR(KENH_E_PARSE);
		goto out;
	}
	for (i = 0; i < t->ncas; i++)
		if (memcmp(t->cas[i].hash, ca.hash, sizeof(ca.hash)) == 0)
			goto out; /* already held */
	if ((rc = mem_grow(t->cas, t->ncas + 1, sizeof(*t->cas), &grown)) != 0) goto out;
	t->cas = grown;
	t->cas[t->ncas++] = ca;
	ca.x = NULL;
out:
	X509_free(ca.x);
	return rc;
}

int crypto_trust_add_crl(struct crypto_trust *t, const uint8_t *der, size_t len)
{
	struct crypto_crl *crl = NULL;
	void *grown = NULL;
	int rc;

	if (t->ncrls >= CRYPTO_PKI_MAX_TRUST) return KENH_ERR(KENH_E_TOO_LARGE);
	if ((rc = crypto_crl_parse(t->ctx, der, len, &crl)) != 0) return rc;
	if ((rc = mem_grow(t->crls, t->ncrls + 1, sizeof(*t->crls), &grown)) != 0) {
		crypto_crl_free(crl);
		return rc;
	}
	t->crls = grown;
	t->crls[t->ncrls++] = crl;
	return 0;
}

/* RFC 5280 §6.1.3 (a)(1) and (a)(4): the names chain and the issuer's key verifies the signature. */
static bool issued_by(X509 *child, X509 *parent)
{
	if (X509_NAME_cmp(X509_get_issuer_name(child), X509_get_subject_name(parent)) != 0)
		return false;
	return X509_verify(child, X509_get0_pubkey(parent)) == 1;
}

static bool in_path(const struct path *p, const X509 *x)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (p->x[i] == x) return true;
	return false;
}

static void path_push(struct path *p, X509 *x, const struct crypto_cert_info *info)
{
	p->x[p->n] = x;
	p->info[p->n] = info;
	p->n++;
}

/* Build leaf -> unit CAs -> root; KENH_E_VERIFY if no issuer verifies or the path is too long. */
static int build_path(const struct crypto_trust *t, X509 *x, const struct crypto_cert_info *info,
                      struct path *p)
{
	X509 *cur = x;
	size_t i;

	p->n = 0;
	path_push(p, x, info);
	for (;;) {
		if (issued_by(cur, t->root.x)) {
			path_push(p, t->root.x, &t->root.info);
			return 0;
		}
		if (p->n > CRYPTO_PKI_MAX_CHAIN) return KENH_ERR(KENH_E_VERIFY);
		for (i = 0; i < t->ncas; i++)
			if (!in_path(p, t->cas[i].x) && issued_by(cur, t->cas[i].x)) break;
		if (i == t->ncas) return KENH_ERR(KENH_E_VERIFY);
		path_push(p, t->cas[i].x, &t->cas[i].info);
		cur = t->cas[i].x;
	}
}

/*
 * The subtree rule, over every pair (not only neighbours): a unit CA's
 * path contains the unit of every certificate below it, and a unit CA
 * below it is strictly deeper. The organization is the root's throughout.
 */
static int check_subtree(const struct path *p)
{
	const struct crypto_cert_info *root = p->info[p->n - 1];
	size_t i, j;

	for (i = 0; i + 1 < p->n; i++)
		if (strcmp(p->info[i]->org, root->org) != 0) return KENH_ERR(KENH_E_VERIFY);
	for (i = 1; i + 1 < p->n; i++) {
		const struct crypto_cert_info *ca = p->info[i];

		if (ca->kind != CRYPTO_CERT_UNIT) return KENH_ERR(KENH_E_VERIFY);
		for (j = 0; j < i; j++) {
			if (!crypto_unit_path_contains(ca->unit, p->info[j]->unit))
				return KENH_ERR(KENH_E_PERM);
			if (p->info[j]->kind == CRYPTO_CERT_UNIT &&
			    strcmp(ca->unit, p->info[j]->unit) == 0)
				return KENH_ERR(KENH_E_PERM);
		}
	}
	return 0;
}

/* RFC 5280 §6.1.3 (a)(2): every certificate, the root included, is valid at now. */
static int check_times(const struct path *p, uint64_t now)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (now < p->info[i]->not_before || now > p->info[i]->not_after)
			return KENH_ERR(KENH_E_EXPIRED);
	return 0;
}

/* A CRL naming this issuer but made under another key of the same name is not this CA's. */
static bool crl_other_key(X509_CRL *crl, X509 *issuer)
{
	const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(issuer);
	AUTHORITY_KEYID *akid;
	int crit = 0;
	bool other;

	akid = X509_CRL_get_ext_d2i(crl, NID_authority_key_identifier, &crit, NULL);
	if (akid == NULL) return false;
	other = akid->keyid != NULL && skid != NULL &&
	        ASN1_OCTET_STRING_cmp(akid->keyid, skid) != 0;
	AUTHORITY_KEYID_free(akid);
	return other;
}

/* RFC 5280 §6.1.3 (a)(3): x is not on a CRL of its issuer; a CRL that claims the issuer must verify. */
static int check_crls(const struct crypto_trust *t, const struct crypto_cert_info *info,
                      X509 *issuer)
{
	size_t i;

	for (i = 0; i < t->ncrls; i++) {
		const struct crypto_crl *c = t->crls[i];

		if (X509_NAME_cmp(X509_CRL_get_issuer(c->crl), X509_get_subject_name(issuer)) != 0)
			continue;
		if (crl_other_key(c->crl, issuer)) continue;
		if (X509_CRL_verify(c->crl, X509_get0_pubkey(issuer)) != 1)
			return KENH_ERR(KENH_E_VERIFY);
		if (crypto_crl_has_serial(c, &info->serial)) return KENH_ERR(KENH_E_REVOKED);
	}
	return 0;
}

int crypto_pki_trust_path(const struct crypto_trust *t, X509 *x,
                          const struct crypto_cert_info *info, uint64_t now)
{
	struct path p;
	size_t i;
	int rc;

	if ((rc = build_path(t, x, info, &p)) != 0) goto out;
	if ((rc = check_subtree(&p)) != 0) goto out;
	if ((rc = check_times(&p, now)) != 0) goto out;
	for (i = 0; i + 1 < p.n; i++)
		if ((rc = check_crls(t, p.info[i], p.x[i + 1])) != 0) goto out;
out:
	crypto_pki_drain(t->ctx, __func__);
	return rc;
}

static int verify_kind(const struct crypto_trust *t, const uint8_t *der, size_t len, uint64_t now,
                       bool want_ca, struct crypto_cert_info *out)
{
	struct crypto_cert_info info;
	uint8_t h[32];
	X509 *x = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = crypto_pki_x509_parse(t->ctx, der, len, &x)) != 0) return rc;
	if ((rc = crypto_pki_x509_info(t->ctx, x, &info)) != 0) goto out;
	if (want_ca && info.kind == CRYPTO_CERT_ROOT) {
		/* A root is valid only as the anchor itself. */
		if ((rc = hash_der(t->ctx, der, len, h)) != 0) goto out;
		if (memcmp(h, t->root.hash, sizeof(h)) != 0)
			rc = KENH_ERR(KENH_E_VERIFY);
		else if (now < info.not_before || now > info.not_after)
			rc = KENH_ERR(KENH_E_EXPIRED);
		goto out;
	}
	if (info.kind != (want_ca ? CRYPTO_CERT_UNIT : CRYPTO_CERT_DEVICE)) {
		rc = KENH_ERR(KENH_E_VERIFY);
		goto out;
	}
	rc = crypto_pki_trust_path(t, x, &info, now);
out:
	X509_free(x);
	if (rc == 0) *out = info;
	return rc;
}

int crypto_trust_verify(const struct crypto_trust *t, const uint8_t *leaf, size_t len, uint64_t now,
                        struct crypto_cert_info *out)
{
	return verify_kind(t, leaf, len, now, false, out);
}

int crypto_trust_verify_ca(const struct crypto_trust *t, const uint8_t *der, size_t len,
                           uint64_t now, struct crypto_cert_info *out)
{
	return verify_kind(t, der, len, now, true, out);
}

int crypto_chain_verify(const struct kenh_ctx *ctx, const struct crypto_chain_input *in,
                        struct crypto_cert_info *out)
{
	struct crypto_trust *t = NULL;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = crypto_trust_new(ctx, in->root.p, in->root.len, &t)) != 0) return rc;
	for (i = 0; i < in->ncas; i++)
		if ((rc = crypto_trust_add_ca(t, in->cas[i].p, in->cas[i].len)) != 0) goto out;
	for (i = 0; i < in->ncrls; i++)
		if ((rc = crypto_trust_add_crl(t, in->crls[i].p, in->crls[i].len)) != 0) goto out;
	rc = crypto_trust_verify(t, in->leaf.p, in->leaf.len, in->now, out);
out:
	crypto_trust_free(t);
	return rc;
}
