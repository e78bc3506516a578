/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Certificate revocation lists (RFC 5280 §5, docs/pki.md "CRL"): making a
 * v2 CRL signed by the root or a unit CA for the certificates that CA
 * issued, parsing one strictly (no delta CRLs, no indirect CRLs, no
 * critical extension we do not know), checking its signature against its
 * issuer, and looking a serial up. Which CRLs apply to a chain is decided
 * in pki_chain.c.
 */
#include "crypto/pki.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "util/compat.h"

#include "crypto/pki_int.h"
#include "util/mem.h"

#define CRL_MAX_ENTRIES 200000 /* about 8 MiB of DER; far above a province's device count */

/* ---- making ---- */

static int crl_add_entry(X509_CRL *crl, const struct crypto_crl_entry *e)
{
	X509_REVOKED *r = X509_REVOKED_new();
	ASN1_INTEGER *serial = NULL;
	ASN1_ENUMERATED *reason = NULL;
	ASN1_TIME *when = NULL;
	int rc;

	if (r == NULL) return KENH_ERR(KENH_E_NOMEM);
	if ((rc = crypto_pki_serial_asn1(&e->serial, &serial)) != 0) goto out;
	if ((rc = crypto_pki_time_new(e->revoked_at, &when)) != 0) goto out;
	rc = KENH_ERR(KENH_E_CRYPTO);
	if (X509_REVOKED_set_serialNumber(r, serial) != 1 ||
	    X509_REVOKED_set_revocationDate(r, when) != 1)
		goto out;
	/* RFC 5280 §5.3.1: reasonCode is absent rather than "unspecified". */
	if (e->reason != CRYPTO_CRL_UNSPECIFIED) {
		if ((reason = ASN1_ENUMERATED_new()) == NULL ||
		    ASN1_ENUMERATED_set(reason, (long)e->reason) != 1 ||
		    X509_REVOKED_add1_ext_i2d(r, NID_crl_reason, reason, 0, 0) != 1)
			goto out;
	}
	if (X509_CRL_add0_revoked(crl, r) != 1) goto out;
	r = NULL;
	rc = 0;
out:
	X509_REVOKED_free(r);
	ASN1_INTEGER_free(serial);
	ASN1_ENUMERATED_free(reason);
	ASN1_TIME_free(when);
	return rc;
}

static bool entries_ok(const struct crypto_crl_template *t)
{
	size_t i;

	if (t->count > CRL_MAX_ENTRIES || (t->count > 0 && t->entries == NULL)) return false;
	for (i = 0; i < t->count; i++) {
		switch (t->entries[i].reason) {
		case CRYPTO_CRL_UNSPECIFIED:
		case CRYPTO_CRL_KEY_COMPROMISE:
		case CRYPTO_CRL_AFFILIATION_CHANGED:
		case CRYPTO_CRL_SUPERSEDED:
		case CRYPTO_CRL_CESSATION:
			break;
		default:
			return false;
		}
	}
	return true;
}

/* Header of the CRL: version 2, issuer, times, cRLNumber, authorityKeyIdentifier. */
static int crl_header(X509_CRL *crl, X509 *ix, const struct crypto_crl_template *t)
{
	ASN1_TIME *tu = NULL, *nu = NULL;
	ASN1_INTEGER *num = ASN1_INTEGER_new();
	AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
	const ASN1_OCTET_STRING *skid = X509_get0_subject_key_id(ix);
	int rc;

	if (num == NULL || akid == NULL || skid == NULL) {
		rc = KENH_ERR(KENH_E_NOMEM);
		goto out;
	}
	if ((rc = crypto_pki_time_new(t->this_update, &tu)) != 0) goto out;
	if ((rc = crypto_pki_time_new(t->next_update, &nu)) != 0) goto out;
	rc = KENH_ERR(KENH_E_CRYPTO);
	if (X509_CRL_set_version(crl, X509_CRL_VERSION_2) != 1 ||
	    X509_CRL_set_issuer_name(crl, X509_get_subject_name(ix)) != 1 ||
	    X509_CRL_set1_lastUpdate(crl, tu) != 1 || X509_CRL_set1_nextUpdate(crl, nu) != 1)
		goto out;
	if (ASN1_INTEGER_set_uint64(num, t->number) != 1 ||
	    (akid->keyid = ASN1_OCTET_STRING_dup(skid)) == NULL)
		goto out;
	/* RFC 5280 §5.2.3 cRLNumber and §5.2.1 authorityKeyIdentifier, both non-critical. */
	if (X509_CRL_add1_ext_i2d(crl, NID_crl_number, num, 0, 0) != 1 ||
	    X509_CRL_add1_ext_i2d(crl, NID_authority_key_identifier, akid, 0, 0) != 1)
		goto out;
	rc = 0;
out:
	ASN1_TIME_free(tu);
	ASN1_TIME_free(nu);
	ASN1_INTEGER_free(num);
	AUTHORITY_KEYID_free(akid);
	return rc;
}

static int crl_sign_encode(const struct kenh_ctx *ctx, X509_CRL *crl, const struct crypto_sigkey *k,
                           uint8_t **out, size_t *outlen)
{
	EVP_MD_CTX *mctx = NULL;
	uint8_t *p;
	void *mem = NULL;
	int n, rc;

	if ((rc = crypto_pki_signer_new(ctx, k, &mctx)) != 0) return rc;
	rc = KENH_ERR(KENH_E_CRYPTO);
	if (X509_CRL_sort(crl) != 1 || X509_CRL_sign_ctx(crl, mctx) <= 0 ||
	    (n = i2d_X509_CRL(crl, NULL)) <= 0)
		goto out;
	if ((rc = mem_alloc((size_t)n, &mem)) != 0) goto out;
	p = mem;
	if (i2d_X509_CRL(crl, &p) != n) {
		rc = KENH_ERR(KENH_E_CRYPTO);
		goto out;
	}
	*out = mem;
	*outlen = (size_t)n;
	mem = NULL;
out:
	mem_free(mem);
	EVP_MD_CTX_free(mctx);
	return rc;
}

/* The issuer must be a CA and the key its key. */
static int crl_issuer(const struct kenh_ctx *ctx, const struct crypto_issuer *iss, X509 **ix)
{
	struct crypto_cert_info info;
	int rc;

	if ((rc = crypto_pki_x509_parse(ctx, iss->cert.p, iss->cert.len, ix)) != 0) return rc;
	if ((rc = crypto_pki_x509_info(ctx, *ix, &info)) != 0) return rc;
	if (info.kind == CRYPTO_CERT_DEVICE || info.sig_id != iss->key->sig_id ||
	    info.pklen != iss->key->pklen || memcmp(info.pk, iss->key->pk, info.pklen) != 0)
		return KENH_ERR(KENH_E_INVALID_ARG);
	return 0;
}

int crypto_crl_create(const struct kenh_ctx *ctx, const struct crypto_issuer *iss,
                      const struct crypto_crl_template *t, uint8_t **out, size_t *outlen)
{
	X509_CRL *crl = NULL;
	X509 *ix = NULL;
	size_t i;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (iss == NULL || iss->key == NULL || t == NULL || !entries_ok(t) ||
	    t->next_update <= t->this_update)
		return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = crl_issuer(ctx, iss, &ix)) != 0) goto out;
	if ((crl = X509_CRL_new_ex(crypto_pki_libctx(ctx), NULL)) == NULL) {
		rc = KENH_ERR(KENH_E_NOMEM);
		goto out;
	}
	if ((rc = crl_header(crl, ix, t)) != 0) goto out;
	for (i = 0; i < t->count; i++)
		if ((rc = crl_add_entry(crl, &t->entries[i])) != 0) goto out;
	rc = crl_sign_encode(ctx, crl, iss->key, out, outlen);
out:
	crypto_pki_drain(ctx, __func__);
	X509_CRL_free(crl);
	X509_free(ix);
	return rc;
}

/* ---- reading ---- */

/* RFC 5280 §5.2: only extensions we understand may be critical; never delta or indirect CRLs. */
static bool crl_exts_ok(const X509_CRL *crl)
{
	int i, n = X509_CRL_get_ext_count(crl), nid;

	for (i = 0; i < n; i++) {
		X509_EXTENSION *e = X509_CRL_get_ext(crl, i);

		nid = OBJ_obj2nid(X509_EXTENSION_get_object(e));
		if (nid == NID_delta_crl || nid == NID_issuing_distribution_point ||
		    nid == NID_freshest_crl)
			return false;
		if (X509_EXTENSION_get_critical(e) && nid != NID_crl_number &&
		    nid != NID_authority_key_identifier)
			return false;
	}
	return true;
}

/*
 * Each entry: a valid serial, a readable revocation date, and no critical
 * entry extension (RFC 5280 §5.3); so crypto_crl_entry_get cannot fail later.
 */
static bool crl_entries_ok(X509_CRL *crl, size_t *count)
{
	STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(crl);
	struct crypto_serial s;
	uint64_t when;
	int i, j, n = sk_X509_REVOKED_num(revs);

	*count = 0;
	if (n < 0) n = 0;
	if ((size_t)n > CRL_MAX_ENTRIES) return false;
	for (i = 0; i < n; i++) {
		const X509_REVOKED *r = sk_X509_REVOKED_value(revs, i);
		const STACK_OF(X509_EXTENSION) *exts = X509_REVOKED_get0_extensions(r);

		if (crypto_pki_serial_get(X509_REVOKED_get0_serialNumber(r), &s) != 0 ||
		    crypto_pki_time_get(X509_REVOKED_get0_revocationDate(r), &when) != 0)
			return false;
		for (j = 0; j < sk_X509_EXTENSION_num(exts); j++)
			if (X509_EXTENSION_get_critical(sk_X509_EXTENSION_value(exts, j)))
				return false;
	}
	*count = (size_t)n;
	return true;
}

static int crl_read_meta(X509_CRL *crl, struct crypto_crl_meta *m)
{
	ASN1_INTEGER *num;
	int crit = 0, rc = 0;

	if (X509_CRL_get_version(crl) != X509_CRL_VERSION_2) return KENH_ERR(KENH_E_PARSE);
	if (!crypto_pki_sig_nid_ok(X509_CRL_get_signature_nid(crl)))
		return KENH_ERR(KENH_E_UNSUPPORTED);
	if (!crl_exts_ok(crl) || !crl_entries_ok(crl, &m->count)) return KENH_ERR(KENH_E_PARSE);
	if ((rc = crypto_pki_time_get(X509_CRL_get0_lastUpdate(crl), &m->this_update)) != 0)
		return rc;
	if (X509_CRL_get0_nextUpdate(crl) != NULL &&
	    (rc = crypto_pki_time_get(X509_CRL_get0_nextUpdate(crl), &m->next_update)) != 0)
		return rc;
	/* cRLNumber is required of conforming CRL issuers (RFC 5280 §5.2.3). */
	if ((num = X509_CRL_get_ext_d2i(crl, NID_crl_number, &crit, NULL)) == NULL)
		return KENH_ERR(KENH_E_PARSE);
	if (ASN1_INTEGER_get_uint64(&m->number, num) != 1) rc = KENH_ERR(KENH_E_PARSE);
	ASN1_INTEGER_free(num);
	crypto_pki_name_unit(X509_CRL_get_issuer(crl), m->issuer);
	return rc;
}

int crypto_crl_parse(const struct kenh_ctx *ctx, const uint8_t *der, size_t len,
                     struct crypto_crl **out)
{
	const unsigned char *p = der;
	struct crypto_crl *c = NULL;
	void *mem = NULL;
	int rc;

	*out = NULL;
	if (len > CRYPTO_PKI_MAX_CRL_DER) return KENH_ERR(KENH_E_TOO_LARGE);
	if (len == 0) return KENH_ERR(KENH_E_PARSE);
	if ((rc = mem_calloc(1, sizeof(*c), &mem)) != 0) return rc;
	c = mem;
	c->ctx = ctx;
	if ((c->crl = X509_CRL_new_ex(crypto_pki_libctx(ctx), NULL)) == NULL) {
		rc = KENH_ERR(KENH_E_NOMEM);
		goto out;
	}
	rc = KENH_ERR(KENH_E_PARSE);
	if (d2i_X509_CRL(&c->crl, &p, (long)len) == NULL || (size_t)(p - der) != len) goto out;
	if ((rc = crl_read_meta(c->crl, &c->meta)) != 0) goto out;
	*out = c;
	c = NULL;
out:
	crypto_pki_drain(ctx, __func__);
	crypto_crl_free(c);
	return rc;
}

void crypto_crl_free(struct crypto_crl *crl)
{
	if (crl == NULL) return;
	X509_CRL_free(crl->crl);
	mem_free(crl);
}

int crypto_crl_verify(const struct crypto_crl *crl, const uint8_t *issuer_der, size_t len)
{
	struct crypto_cert_info info;
	X509 *ix = NULL;
	int rc;

	if ((rc = crypto_pki_x509_parse(crl->ctx, issuer_der, len, &ix)) != 0) return rc;
	if ((rc = crypto_pki_x509_info(crl->ctx, ix, &info)) != 0) goto out;
	rc = KENH_ERR(KENH_E_VERIFY);
	if (info.kind == CRYPTO_CERT_DEVICE) goto out;
	if (X509_NAME_cmp(X509_CRL_get_issuer(crl->crl), X509_get_subject_name(ix)) != 0) goto out;
	if (X509_CRL_verify(crl->crl, X509_get0_pubkey(ix)) != 1) goto out;
	rc = 0;
out:
	crypto_pki_drain(crl->ctx, __func__);
	X509_free(ix);
	return rc;
}

bool crypto_crl_has_serial(const struct crypto_crl *crl, const struct crypto_serial *serial)
{
	X509_REVOKED *r = NULL;
	ASN1_INTEGER *ai = NULL;
	bool found;

	if (crypto_pki_serial_asn1(serial, &ai) != 0) return false;
	/* 1: listed; 2 would be removeFromCRL, which only delta CRLs carry and we refuse those. */
	found = X509_CRL_get0_by_serial(crl->crl, &r, ai) == 1;
	ASN1_INTEGER_free(ai);
	crypto_pki_drain(crl->ctx, __func__);
	return found;
}

void crypto_crl_meta(const struct crypto_crl *crl, struct crypto_crl_meta *out)
{
	*out = crl->meta;
}

int crypto_crl_entry_get(const struct crypto_crl *crl, size_t i, struct crypto_crl_entry *out)
{
	STACK_OF(X509_REVOKED) *revs = X509_CRL_get_REVOKED(crl->crl);
	const X509_REVOKED *r;
	ASN1_ENUMERATED *reason;
	int crit = 0, rc;
	long v;

	memset(out, 0, sizeof(*out));
	if (i >= crl->meta.count) return KENH_ERR(KENH_E_INVALID_ARG);
	r = sk_X509_REVOKED_value(revs, (int)i);
	if ((rc = crypto_pki_serial_get(X509_REVOKED_get0_serialNumber(r), &out->serial)) != 0)
		return rc;
	if ((rc = crypto_pki_time_get(X509_REVOKED_get0_revocationDate(r), &out->revoked_at)) != 0)
		return rc;
	reason = X509_REVOKED_get_ext_d2i(r, NID_crl_reason, &crit, NULL);
	if (reason != NULL) {
		v = ASN1_ENUMERATED_get(reason);
		ASN1_ENUMERATED_free(reason);
		/* Reasons we do not write are shown as unspecified; they still revoke. */
		if (v == 1 || v == 3 || v == 4 || v == 5) out->reason = (enum crypto_crl_reason)v;
	}
	crypto_pki_drain(crl->ctx, __func__);
	return 0;
}
