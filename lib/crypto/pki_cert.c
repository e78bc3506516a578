/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Kenh certificate profiles (docs/pki.md "Certificate profiles") on X.509
 * v3 (RFC 5280 §4): issuing a root, unit CA or device certificate, and
 * reading a certificate back against the profile it claims. Issuing
 * enforces the unit subtree rule (a unit CA issues only inside its own
 * path); chain validation enforces it again, independently, in
 * pki_chain.c. Signatures, validity at a given time and revocation are
 * pki_chain.c's business; this file is syntax and policy only.
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

/* RFC 5280 §4.2.1.3 bits as OpenSSL numbers them in X509_get_key_usage. */
#define KU_CA     (KU_KEY_CERT_SIGN | KU_CRL_SIGN)
#define KU_DEVICE KU_DIGITAL_SIGNATURE

/* ---- reading ---- */

/* The identity URI of the subjectAltName; KENH_E_NOT_FOUND when there is no SAN. */
static int read_san(X509 *x, struct crypto_cert_info *out)
{
	const GENERAL_NAME *g;
	GENERAL_NAMES *gens;
	const ASN1_STRING *s;
	int crit = 0, rc = KENH_ERR(KENH_E_PARSE);

	gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL);
	if (gens == NULL) return crit == -1 ? KENH_E_NOT_FOUND : KENH_ERR(KENH_E_PARSE);
	/* Exactly one name, a URI (RFC 5280 §4.2.1.6 uniformResourceIdentifier). */
	if (sk_GENERAL_NAME_num(gens) != 1) goto out;
	g = sk_GENERAL_NAME_value(gens, 0);
	if (g->type != GEN_URI) goto out;
	s = g->d.uniformResourceIdentifier;
	rc = crypto_pki_uri_parse((const char *)ASN1_STRING_get0_data(s),
	                          (size_t)ASN1_STRING_length(s), out);
out:
	GENERAL_NAMES_free(gens);
	return rc;
}

static bool ext_critical(X509 *x, int nid)
{
	int i = X509_get_ext_by_NID(x, nid, -1);

	return i >= 0 && X509_EXTENSION_get_critical(X509_get_ext(x, i)) == 1;
}

/* Which profile x follows, from basicConstraints and the SAN; the name check comes after. */
static int read_kind(X509 *x, uint32_t flags, struct crypto_cert_info *out)
{
	int rc = read_san(x, out);

	if (rc != 0 && rc != KENH_E_NOT_FOUND) return rc;
	if (flags & EXFLAG_CA) {
		/* RFC 5280 §4.2.1.9: a CA's basicConstraints is critical. */
		if (!ext_critical(x, NID_basic_constraints)) return KENH_ERR(KENH_E_PARSE);
		if (rc == KENH_E_NOT_FOUND) {
			if (!(flags & EXFLAG_SI)) return KENH_ERR(KENH_E_PARSE);
			out->kind = CRYPTO_CERT_ROOT;
		} else if (out->kind != CRYPTO_CERT_UNIT) {
			return KENH_ERR(KENH_E_PARSE);
		}
		if ((flags & EXFLAG_XKUSAGE) || !(flags & EXFLAG_KUSAGE))
			return KENH_ERR(KENH_E_PARSE);
		if ((X509_get_key_usage(x) & ~(uint32_t)(KU_CA | KU_DIGITAL_SIGNATURE)) != 0 ||
		    (X509_get_key_usage(x) & KU_CA) != KU_CA)
			return KENH_ERR(KENH_E_PARSE);
		return 0;
	}
	if (rc == KENH_E_NOT_FOUND || out->kind != CRYPTO_CERT_DEVICE)
		return KENH_ERR(KENH_E_PARSE);
	if (!(flags & EXFLAG_BCONS) || !(flags & EXFLAG_KUSAGE) || !(flags & EXFLAG_XKUSAGE))
		return KENH_ERR(KENH_E_PARSE);
	/* A device key signs (TLS CertificateVerify, MLS messages) and is a TLS client. */
	if (X509_get_key_usage(x) != KU_DEVICE || X509_get_extended_key_usage(x) != XKU_SSL_CLIENT)
		return KENH_ERR(KENH_E_PARSE);
	return 0;
}

static int read_basics(X509 *x, struct crypto_cert_info *out)
{
	const EVP_PKEY *pkey;
	int rc;

	if (X509_get_version(x) != X509_VERSION_3) return KENH_ERR(KENH_E_PARSE);
	if (!crypto_pki_sig_nid_ok(X509_get_signature_nid(x))) return KENH_ERR(KENH_E_UNSUPPORTED);
	if ((pkey = X509_get0_pubkey(x)) == NULL) return KENH_ERR(KENH_E_PARSE);
	if ((rc = crypto_pki_pkey_raw(pkey, &out->sig_id, out->pk, &out->pklen)) != 0) return rc;
	if ((rc = crypto_pki_serial_get(X509_get0_serialNumber(x), &out->serial)) != 0) return rc;
	if ((rc = crypto_pki_time_get(X509_get0_notBefore(x), &out->not_before)) != 0) return rc;
	if ((rc = crypto_pki_time_get(X509_get0_notAfter(x), &out->not_after)) != 0) return rc;
	if (out->not_before > out->not_after) return KENH_ERR(KENH_E_PARSE);
	return 0;
}

int crypto_pki_x509_info(const struct kenh_ctx *ctx, X509 *x, struct crypto_cert_info *out)
{
	uint32_t flags;
	int rc;

	memset(out, 0, sizeof(*out));
	flags = X509_get_extension_flags(x);
	/*
	 * RFC 5280 §4.2: a critical extension we do not process means refusal;
	 * OpenSSL flags those, and duplicated or undecodable extensions.
	 */
	if (flags & (EXFLAG_INVALID | EXFLAG_CRITICAL)) {
		rc = KENH_ERR(KENH_E_PARSE);
		goto out;
	}
	if (X509_get0_subject_key_id(x) == NULL) {
		rc = KENH_ERR(KENH_E_PARSE);
		goto out;
	}
	if ((rc = read_basics(x, out)) != 0) goto out;
	if ((rc = read_kind(x, flags, out)) != 0) goto out;
	if ((rc = crypto_pki_name_check(X509_get_subject_name(x), out)) != 0) goto out;
	if (out->kind != CRYPTO_CERT_ROOT)
		crypto_pki_name_unit(X509_get_issuer_name(x), out->issuer);
out:
	crypto_pki_drain(ctx, __func__);
	if (rc != 0) memset(out, 0, sizeof(*out));
	return rc;
}

int crypto_cert_parse(const struct kenh_ctx *ctx, const uint8_t *der, size_t len,
                      struct crypto_cert_info *out)
{
	X509 *x = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = crypto_pki_x509_parse(ctx, der, len, &x)) != 0) return rc;
	rc = crypto_pki_x509_info(ctx, x, out);
	X509_free(x);
	return rc;
}

/* ---- issuing ---- */

/* The subject identity from the template, names checked. */
static int subject_from(const struct crypto_issuer *iss, const struct crypto_cert_template *t,
                        struct crypto_cert_info *s)
{
	memset(s, 0, sizeof(*s));
	s->kind = t->kind;
	if (t->kind == CRYPTO_CERT_ROOT) {
		if (!crypto_org_is_valid(t->org)) return KENH_ERR(KENH_E_INVALID_ARG);
		snprintf(s->org, sizeof(s->org), "%s", t->org);
		s->sig_id = iss->key->sig_id;
		s->pklen = iss->key->pklen;
		memcpy(s->pk, iss->key->pk, s->pklen);
		return 0;
	}
	if (t->kind != CRYPTO_CERT_UNIT && t->kind != CRYPTO_CERT_DEVICE)
		return KENH_ERR(KENH_E_INVALID_ARG);
	if (!crypto_unit_path_is_valid(t->unit)) return KENH_ERR(KENH_E_INVALID_ARG);
	snprintf(s->unit, sizeof(s->unit), "%s", t->unit);
	if (t->kind == CRYPTO_CERT_DEVICE) {
		if (!crypto_user_is_valid(t->user) || !crypto_device_id_is_valid(t->device))
			return KENH_ERR(KENH_E_INVALID_ARG);
		snprintf(s->user, sizeof(s->user), "%s", t->user);
		snprintf(s->device, sizeof(s->device), "%s", t->device);
	}
	if (t->pk == NULL || t->pklen == 0 || t->pklen > sizeof(s->pk))
		return KENH_ERR(KENH_E_INVALID_ARG);
	s->sig_id = t->sig_id;
	s->pklen = t->pklen;
	memcpy(s->pk, t->pk, t->pklen);
	return 0;
}

/*
 * The issuer side: parse its certificate, check the key is its key and
 * that it may issue this subject (docs/pki.md "Issuing").
 */
static int issuer_check(const struct kenh_ctx *ctx, const struct crypto_issuer *iss,
                        struct crypto_cert_info *s, struct crypto_cert_info *ica, X509 **ix)
{
	const struct crypto_sigkey *k = iss->key;
	int rc;

	if (s->kind == CRYPTO_CERT_ROOT) {
		if (iss->cert.len != 0) return KENH_ERR(KENH_E_INVALID_ARG);
		*ica = *s;
		ica->not_after = CRYPTO_PKI_MAX_TIME;
		return 0;
	}
	if ((rc = crypto_pki_x509_parse(ctx, iss->cert.p, iss->cert.len, ix)) != 0) return rc;
	if ((rc = crypto_pki_x509_info(ctx, *ix, ica)) != 0) return rc;
	if (ica->kind == CRYPTO_CERT_DEVICE) return KENH_ERR(KENH_E_PERM);
	if (k->sig_id != ica->sig_id || k->pklen != ica->pklen ||
	    memcmp(k->pk, ica->pk, k->pklen) != 0)
		return KENH_ERR(KENH_E_INVALID_ARG);
	/* The subtree rule: a device at or under the unit CA's path, a unit CA strictly under it. */
	if (ica->kind == CRYPTO_CERT_UNIT) {
		if (!crypto_unit_path_contains(ica->unit, s->unit)) return KENH_ERR(KENH_E_PERM);
		if (s->kind == CRYPTO_CERT_UNIT && strcmp(ica->unit, s->unit) == 0)
			return KENH_ERR(KENH_E_PERM);
	}
	memcpy(s->org, ica->org, sizeof(s->org));
	return 0;
}

static int set_times(X509 *x, const struct crypto_cert_template *t,
                     const struct crypto_cert_info *ica)
{
	ASN1_TIME *nb = NULL, *na = NULL;
	uint64_t end;
	int rc;

	if (__builtin_add_overflow(t->not_before, t->lifetime, &end) || end > CRYPTO_PKI_MAX_TIME)
		return KENH_ERR(KENH_E_INVALID_ARG);
	/* Never outlive the issuer: a certificate ends no later than its CA. */
	if (end > ica->not_after) end = ica->not_after;
	if (end <= t->not_before) return KENH_ERR(KENH_E_EXPIRED);
	if ((rc = crypto_pki_time_new(t->not_before, &nb)) != 0) goto out;
	if ((rc = crypto_pki_time_new(end, &na)) != 0) goto out;
	if (X509_set1_notBefore(x, nb) != 1 || X509_set1_notAfter(x, na) != 1)
		rc = KENH_ERR(KENH_E_CRYPTO);
out:
	ASN1_TIME_free(nb);
	ASN1_TIME_free(na);
	return rc;
}

static int add_ext(X509 *x, int nid, void *value, int crit)
{
	return X509_add1_ext_i2d(x, nid, value, crit, X509V3_ADD_DEFAULT) == 1
	               ? 0
	               : KENH_ERR(KENH_E_CRYPTO);
}

static int add_constraints(X509 *x, enum crypto_cert_kind kind)
{
	BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
	ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
	EXTENDED_KEY_USAGE *eku = NULL;
	int rc = KENH_ERR(KENH_E_NOMEM);

	if (bc == NULL || ku == NULL) goto out;
	bc->ca = kind != CRYPTO_CERT_DEVICE ? 0xff : 0;
	/* RFC 5280 §4.2.1.3 bit numbers: 0 digitalSignature, 5 keyCertSign, 6 cRLSign. */
	if (kind == CRYPTO_CERT_DEVICE) {
		if (ASN1_BIT_STRING_set_bit(ku, 0, 1) != 1) goto out;
		if ((eku = sk_ASN1_OBJECT_new_null()) == NULL ||
		    sk_ASN1_OBJECT_push(eku, OBJ_nid2obj(NID_client_auth)) <= 0)
			goto out;
	} else if (ASN1_BIT_STRING_set_bit(ku, 5, 1) != 1 ||
	           ASN1_BIT_STRING_set_bit(ku, 6, 1) != 1) {
		goto out;
	}
	if ((rc = add_ext(x, NID_basic_constraints, bc, 1)) != 0) goto out;
	if ((rc = add_ext(x, NID_key_usage, ku, 1)) != 0) goto out;
	if (eku != NULL) rc = add_ext(x, NID_ext_key_usage, eku, 0);
out:
	BASIC_CONSTRAINTS_free(bc);
	ASN1_BIT_STRING_free(ku);
	sk_ASN1_OBJECT_free(eku); /* OBJ_nid2obj objects are static */
	return rc;
}

static int add_san(X509 *x, const struct crypto_cert_info *s)
{
	char uri[CRYPTO_PKI_MAX_URI + 1];
	GENERAL_NAMES *gens = NULL;
	GENERAL_NAME *g = NULL;
	ASN1_IA5STRING *ia5 = NULL;
	int rc;

	if (s->kind == CRYPTO_CERT_ROOT) return 0;
	if ((rc = crypto_pki_uri_make(s, uri, sizeof(uri))) != 0) return rc;
	rc = KENH_ERR(KENH_E_NOMEM);
	if ((gens = GENERAL_NAMES_new()) == NULL || (g = GENERAL_NAME_new()) == NULL ||
	    (ia5 = ASN1_IA5STRING_new()) == NULL)
		goto out;
	if (ASN1_STRING_set(ia5, uri, (int)strlen(uri)) != 1) goto out;
	GENERAL_NAME_set0_value(g, GEN_URI, ia5);
	ia5 = NULL;
	if (sk_GENERAL_NAME_push(gens, g) <= 0) goto out;
	g = NULL;
	rc = add_ext(x, NID_subject_alt_name, gens, 0);
out:
	ASN1_IA5STRING_free(ia5);
	GENERAL_NAME_free(g);
	GENERAL_NAMES_free(gens);
	return rc;
}

/* subjectKeyIdentifier (RFC 5280 §4.2.1.2) and authorityKeyIdentifier (§4.2.1.1). */
static int add_key_ids(const struct kenh_ctx *ctx, X509 *x, X509 *ix)
{
	uint8_t id[CRYPTO_PKI_KEY_ID_LEN];
	ASN1_OCTET_STRING *skid = ASN1_OCTET_STRING_new();
	AUTHORITY_KEYID *akid = AUTHORITY_KEYID_new();
	const ASN1_OCTET_STRING *issuer_id;
	int rc;

	if (skid == NULL || akid == NULL) {
		rc = KENH_ERR(KENH_E_NOMEM);
		goto out;
	}
	if ((rc = crypto_pki_key_id(ctx, x, id)) != 0) goto out;
	rc = KENH_ERR(KENH_E_NOMEM);
	if (ASN1_OCTET_STRING_set(skid, id, (int)sizeof(id)) != 1) goto out;
	issuer_id = ix != NULL ? X509_get0_subject_key_id(ix) : skid;
	if (issuer_id == NULL || (akid->keyid = ASN1_OCTET_STRING_dup(issuer_id)) == NULL) goto out;
	if ((rc = add_ext(x, NID_subject_key_identifier, skid, 0)) != 0) goto out;
	rc = add_ext(x, NID_authority_key_identifier, akid, 0);
out:
	ASN1_OCTET_STRING_free(skid);
	AUTHORITY_KEYID_free(akid);
	return rc;
}

static int set_names(X509 *x, const struct crypto_cert_info *s, X509 *ix)
{
	X509_NAME *name = NULL;
	int rc;

	if ((rc = crypto_pki_name_build(s, &name)) != 0) return rc;
	if (X509_set_subject_name(x, name) != 1 ||
	    X509_set_issuer_name(x, ix != NULL ? X509_get_subject_name(ix) : name) != 1)
		rc = KENH_ERR(KENH_E_CRYPTO);
	X509_NAME_free(name);
	return rc;
}

static int set_key_serial(const struct kenh_ctx *ctx, X509 *x, const struct crypto_cert_info *s)
{
	struct crypto_serial serial;
	ASN1_INTEGER *ai = NULL;
	EVP_PKEY *pkey = NULL;
	int rc;

	if ((rc = crypto_pki_pkey_pk(ctx, s->sig_id, s->pk, s->pklen, &pkey)) != 0) return rc;
	if ((rc = crypto_pki_serial_random(ctx, &serial)) != 0) goto out;
	if ((rc = crypto_pki_serial_asn1(&serial, &ai)) != 0) goto out;
	if (X509_set_version(x, X509_VERSION_3) != 1 || X509_set_serialNumber(x, ai) != 1 ||
	    X509_set_pubkey(x, pkey) != 1)
		rc = KENH_ERR(KENH_E_CRYPTO);
out:
	ASN1_INTEGER_free(ai);
	EVP_PKEY_free(pkey);
	return rc;
}

static int sign_encode(const struct kenh_ctx *ctx, X509 *x, const struct crypto_sigkey *k,
                       uint8_t **out, size_t *outlen)
{
	EVP_MD_CTX *mctx = NULL;
	uint8_t *buf = NULL, *p;
	void *mem = NULL;
	int n, rc;

	if ((rc = crypto_pki_signer_new(ctx, k, &mctx)) != 0) return rc;
	rc = KENH_ERR(KENH_E_CRYPTO);
	if (X509_sign_ctx(x, mctx) <= 0 || (n = i2d_X509(x, NULL)) <= 0) goto out;
	if ((rc = mem_alloc((size_t)n, &mem)) != 0) goto out;
	p = buf = mem;
	if (i2d_X509(x, &p) != n) {
		rc = KENH_ERR(KENH_E_CRYPTO);
		goto out;
	}
	*out = buf;
	*outlen = (size_t)n;
	buf = NULL;
out:
	mem_free(buf);
	EVP_MD_CTX_free(mctx);
	return rc;
}

/* Read what we just wrote back through the profile reader: we never hand out a certificate we would refuse. */
static int self_check(const struct kenh_ctx *ctx, const uint8_t *der, size_t len,
                      const struct crypto_cert_info *s)
{
	struct crypto_cert_info got;
	int rc;

	if ((rc = crypto_cert_parse(ctx, der, len, &got)) != 0) return KENH_ERR(KENH_E_INTERNAL);
	if (got.kind != s->kind || strcmp(got.unit, s->unit) != 0 ||
	    strcmp(got.user, s->user) != 0 || strcmp(got.device, s->device) != 0 ||
	    strcmp(got.org, s->org) != 0 || got.pklen != s->pklen ||
	    memcmp(got.pk, s->pk, s->pklen) != 0)
		return KENH_ERR(KENH_E_INTERNAL);
	return 0;
}

static int build(const struct kenh_ctx *ctx, const struct crypto_cert_template *t,
                 const struct crypto_cert_info *s, const struct crypto_cert_info *ica, X509 *ix,
                 X509 **out)
{
	X509 *x = X509_new_ex(crypto_pki_libctx(ctx), NULL);
	int rc;

	*out = NULL;
	if (x == NULL) return KENH_ERR(KENH_E_NOMEM);
	if ((rc = set_key_serial(ctx, x, s)) != 0) goto out;
	if ((rc = set_names(x, s, ix)) != 0) goto out;
	if ((rc = set_times(x, t, ica)) != 0) goto out;
	if ((rc = add_constraints(x, s->kind)) != 0) goto out;
	if ((rc = add_san(x, s)) != 0) goto out;
	if ((rc = add_key_ids(ctx, x, ix)) != 0) goto out;
	*out = x;
	x = NULL;
out:
	X509_free(x);
	return rc;
}

int crypto_cert_issue(const struct kenh_ctx *ctx, const struct crypto_issuer *iss,
                      const struct crypto_cert_template *t, uint8_t **out, size_t *outlen)
{
	struct crypto_cert_info s, ica;
	uint8_t *der = NULL;
	size_t len = 0;
	X509 *ix = NULL, *x = NULL;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (iss == NULL || iss->key == NULL || t == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = subject_from(iss, t, &s)) != 0) goto out;
	if ((rc = issuer_check(ctx, iss, &s, &ica, &ix)) != 0) goto out;
	if ((rc = build(ctx, t, &s, &ica, ix, &x)) != 0) goto out;
	if ((rc = sign_encode(ctx, x, iss->key, &der, &len)) != 0) goto out;
	if ((rc = self_check(ctx, der, len, &s)) != 0) goto out;
	*out = der;
	*outlen = len;
	der = NULL;
out:
	crypto_pki_drain(ctx, __func__);
	mem_free(der);
	X509_free(ix);
	X509_free(x);
	return rc;
}
