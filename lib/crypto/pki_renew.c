/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Renewal requests (DESIGN §6, docs/pki.md "Renewal request"): a PKCS #10
 * request (RFC 2986) that an enrolled device makes for its current key,
 * signed with that key, naming its unit and user like an enrollment
 * request, and carrying one renewal attribute instead of the code
 * binding: the device id and the serial of the certificate it renews.
 * The self-signature proves possession of the key; the authority decides
 * whether the claim matches a certificate it issued (same key, same
 * identity, not revoked), and the relay that the request came over the
 * device's own authenticated connection. This file leaves both decisions
 * to them.
 */
#include "crypto/pki.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/asn1.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>

#include "util/compat.h"

#include "crypto/pki_int.h"
#include "util/mem.h"

#define RENEWAL_VERSION 1
/* version || len || device id || len || serial */
#define RENEWAL_MAX (1 + 1 + CRYPTO_PKI_MAX_DEVICE + 1 + CRYPTO_PKI_SERIAL_MAX)

/* The attribute value; returns its length, 0 if a part does not fit. */
static size_t renewal_value(const struct crypto_renew_claim *c, uint8_t out[static RENEWAL_MAX])
{
	size_t dl = strlen(c->device), n = 0;

	if (dl == 0 || dl > CRYPTO_PKI_MAX_DEVICE || c->serial->len == 0 ||
	    c->serial->len > CRYPTO_PKI_SERIAL_MAX)
		return 0;
	out[n++] = RENEWAL_VERSION;
	out[n++] = (uint8_t)dl;
	memcpy(out + n, c->device, dl);
	n += dl;
	out[n++] = (uint8_t)c->serial->len;
	memcpy(out + n, c->serial->b, c->serial->len);
	return n + c->serial->len;
}

static int renew_fill(const struct kenh_ctx *ctx, X509_REQ *req, const struct crypto_sigkey *key,
                      const struct crypto_renew_claim *claim)
{
	uint8_t val[RENEWAL_MAX];
	size_t n = renewal_value(claim, val);
	ASN1_OBJECT *obj = NULL;
	X509_NAME *name = NULL;
	EVP_PKEY *pkey = NULL;
	int rc;

	if (n == 0) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = crypto_pki_name_build_csr(claim->unit, claim->user, &name)) != 0) return rc;
	if ((rc = crypto_pki_pkey_pk(ctx, key->sig_id, key->pk, key->pklen, &pkey)) != 0) goto out;
	rc = KENH_ERR(KENH_E_CRYPTO);
	if ((obj = OBJ_txt2obj(CRYPTO_PKI_OID_RENEWAL, 1)) == NULL) goto out;
	/* RFC 2986 §4.1: version 0 (v1), the subject, the current key, our one attribute. */
	if (X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
	    X509_REQ_set_subject_name(req, name) != 1 || X509_REQ_set_pubkey(req, pkey) != 1 ||
	    X509_REQ_add1_attr_by_OBJ(req, obj, V_ASN1_OCTET_STRING, val, (int)n) != 1)
		goto out;
	rc = 0;
out:
	ASN1_OBJECT_free(obj);
	X509_NAME_free(name);
	EVP_PKEY_free(pkey);
	return rc;
}

int crypto_renew_csr_create(const struct kenh_ctx *ctx, const struct crypto_sigkey *key,
                            const struct crypto_renew_claim *claim, uint8_t **out, size_t *outlen)
{
	X509_REQ *req = NULL;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (claim == NULL || claim->serial == NULL || !crypto_user_is_valid(claim->user) ||
	    !crypto_unit_path_is_valid(claim->unit) || !crypto_device_id_is_valid(claim->device) ||
	    key->pklen > CRYPTO_MAX_SIG_PK)
		return KENH_ERR(KENH_E_INVALID_ARG);
	if ((req = X509_REQ_new_ex(crypto_pki_libctx(ctx), NULL)) == NULL)
		return KENH_ERR(KENH_E_NOMEM);
	if ((rc = renew_fill(ctx, req, key, claim)) != 0) goto out;
	rc = crypto_pki_req_sign_encode(ctx, req, key, out, outlen);
out:
	crypto_pki_drain(ctx, __func__);
	X509_REQ_free(req);
	return rc;
}

/* Read the attribute value: every length exact, a valid device id, a minimal positive serial. */
static int renewal_read(const uint8_t *v, size_t len, struct crypto_renew_info *out)
{
	size_t dl, sl;

	if (len < 4 || v[0] != RENEWAL_VERSION) return KENH_ERR(KENH_E_PARSE);
	dl = v[1];
	if (dl == 0 || dl > CRYPTO_PKI_MAX_DEVICE || 2 + dl + 1 > len)
		return KENH_ERR(KENH_E_PARSE);
	memcpy(out->device, v + 2, dl);
	out->device[dl] = '\0';
	sl = v[2 + dl];
	if (sl == 0 || sl > CRYPTO_PKI_SERIAL_MAX || 2 + dl + 1 + sl != len)
		return KENH_ERR(KENH_E_PARSE);
	/* RFC 5280 §4.1.2.2 via pki.h: minimal (no leading zero byte) and not zero. */
	if (v[3 + dl] == 0 || !crypto_device_id_is_valid(out->device))
		return KENH_ERR(KENH_E_PARSE);
	memcpy(out->serial.b, v + 3 + dl, sl);
	out->serial.len = sl;
	return 0;
}

/* The one attribute of a renewal request: OCTET STRING under CRYPTO_PKI_OID_RENEWAL. */
static int renewal_get(const X509_REQ *req, struct crypto_renew_info *out)
{
	X509_ATTRIBUTE *attr;
	ASN1_OBJECT *obj = NULL;
	const ASN1_TYPE *at;
	int rc = KENH_ERR(KENH_E_PARSE);

	if (X509_REQ_get_attr_count(req) != 1) return rc;
	if ((attr = X509_REQ_get_attr(req, 0)) == NULL || X509_ATTRIBUTE_count(attr) != 1)
		return rc;
	if ((obj = OBJ_txt2obj(CRYPTO_PKI_OID_RENEWAL, 1)) == NULL) return KENH_ERR(KENH_E_NOMEM);
	if (OBJ_cmp(X509_ATTRIBUTE_get0_object(attr), obj) != 0) goto out;
	at = X509_ATTRIBUTE_get0_type(attr, 0);
	if (at == NULL || at->type != V_ASN1_OCTET_STRING ||
	    ASN1_STRING_length(at->value.octet_string) > RENEWAL_MAX)
		goto out;
	rc = renewal_read(ASN1_STRING_get0_data(at->value.octet_string),
	                  (size_t)ASN1_STRING_length(at->value.octet_string), out);
out:
	ASN1_OBJECT_free(obj);
	return rc;
}

int crypto_renew_csr_verify(const struct kenh_ctx *ctx, const uint8_t *der, size_t len,
                            struct crypto_renew_info *out)
{
	const struct crypto_kdf *kdf = crypto_kdf_get(ctx, CRYPTO_KDF_HKDF_SHA256);
	X509_REQ *req = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (kdf == NULL) return KENH_ERR(KENH_E_INTERNAL);
	if ((rc = crypto_pki_req_parse(ctx, der, len, &req)) != 0) goto out;
	if ((rc = crypto_pki_req_check_key(req, &out->sig_id, out->pk, &out->pklen)) != 0) goto out;
	rc = crypto_pki_name_check_csr(X509_REQ_get_subject_name(req), out->unit, out->user);
	if (rc != 0) goto out;
	if ((rc = renewal_get(req, out)) != 0) goto out;
	rc = crypto_hash(kdf, der, len, out->id);
out:
	crypto_pki_drain(ctx, __func__);
	X509_REQ_free(req);
	if (rc != 0) memset(out, 0, sizeof(*out));
	return rc;
}
