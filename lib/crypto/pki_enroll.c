/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Enrollment (DESIGN §6, docs/pki.md "Enrollment codes" and "Request
 * binding"): one-time codes in their printed form, the public key that
 * stands for a code on the authority's side, and PKCS #10 certificate
 * requests (RFC 2986) made with the device's own key and carrying a binding
 * attribute. The binding is a signature, under a key derived from the code,
 * over the claimed user and unit and the request's public key: whoever
 * carries the request (the relay) learns neither the code nor anything that
 * would let it bind another key. Looking the code key up among the
 * authority's unused codes is the caller's job.
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

/* Crockford's base32: no I, L, O or U, so a typed code survives the usual confusions. */
static const char crockford[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

#define CODE_BYTES   (CRYPTO_ENROLL_CODE_LEN + 1) /* the secret and a check byte */
#define CODE_SYMBOLS 28                           /* ceil(136 / 5) */
#define CODE_GROUP   4

#define BINDING_VERSION 1
#define BINDING_SIG_LEN 64 /* Ed25519 */
#define BINDING_LEN     (1 + CRYPTO_ENROLL_KEY_LEN + BINDING_SIG_LEN)
#define BINDING_MSG_MAX (64 + CRYPTO_MAX_SIG_PK + 2 * (1 + CRYPTO_PKI_MAX_USER))

static const char check_label[] = "kenh enroll check v1";
static const char binding_label[] = "kenh enrollment binding v1";

static int code_check_byte(const struct kenh_ctx *ctx, const uint8_t *code, uint8_t *out)
{
	const struct crypto_kdf *kdf = crypto_kdf_get(ctx, CRYPTO_KDF_HKDF_SHA256);
	uint8_t h[32];
	int rc;

	*out = 0;
	if (kdf == NULL) return KENH_ERR(KENH_E_INTERNAL);
	/* The label with its NUL, then the code: a typing check, not a secret. */
	rc = crypto_hash2(kdf, (const uint8_t *)check_label, sizeof(check_label), code,
	                  CRYPTO_ENROLL_CODE_LEN, h);
	if (rc == 0) *out = h[0];
	sec_zero(h, sizeof(h));
	return rc;
}

int crypto_enroll_code_format(const struct kenh_ctx *ctx,
                              const uint8_t code[static CRYPTO_ENROLL_CODE_LEN], char *out,
                              size_t outlen)
{
	uint8_t buf[CODE_BYTES];
	char sym[CODE_SYMBOLS];
	size_t i, o = 0;
	int rc;

	if (outlen > 0) out[0] = '\0';
	if (outlen < CODE_SYMBOLS + CODE_SYMBOLS / CODE_GROUP) return KENH_ERR(KENH_E_INVALID_ARG);
	memcpy(buf, code, CRYPTO_ENROLL_CODE_LEN);
	if ((rc = code_check_byte(ctx, code, &buf[CRYPTO_ENROLL_CODE_LEN])) != 0) goto out;
	crypto_pki_base32(buf, sizeof(buf), crockford, sym, sizeof(sym));
	for (i = 0; i < CODE_SYMBOLS; i++) {
		if (i > 0 && i % CODE_GROUP == 0) out[o++] = '-';
		out[o++] = sym[i];
	}
	out[o] = '\0';
out:
	sec_zero(buf, sizeof(buf));
	sec_zero(sym, sizeof(sym));
	return rc;
}

/* The 5-bit value of a typed symbol, or -1; lowercase accepted, I and L read as 1, O as 0. */
static int symbol_value(char c)
{
	const char *p;

	if (c >= 'a' && c <= 'z') c = (char)(c - 'a' + 'A');
	if (c == 'I' || c == 'L') c = '1';
	if (c == 'O') c = '0';
	if (c == '\0' || (p = strchr(crockford, c)) == NULL) return -1;
	return (int)(p - crockford);
}

/* Gather the 28 symbols' bits into buf (17 bytes); KENH_E_PARSE for a bad length or symbol. */
static int code_unpack(const char *text, uint8_t buf[static CODE_BYTES], uint8_t *pad)
{
	size_t n = 0, i, bit;
	int v;

	memset(buf, 0, CODE_BYTES);
	*pad = 0;
	for (i = 0; text[i] != '\0'; i++) {
		if (text[i] == '-' || text[i] == ' ') continue;
		if (n == CODE_SYMBOLS || (v = symbol_value(text[i])) < 0)
			return KENH_ERR(KENH_E_PARSE);
		for (bit = 0; bit < 5; bit++) {
			size_t pos = n * 5 + bit;
			unsigned b = ((unsigned)v >> (4 - bit)) & 1u;

			if (pos < CODE_BYTES * 8)
				buf[pos / 8] |= (uint8_t)(b << (7 - pos % 8));
			else
				*pad |= (uint8_t)b;
		}
		n++;
	}
	return n == CODE_SYMBOLS ? 0 : KENH_ERR(KENH_E_PARSE);
}

int crypto_enroll_code_parse(const struct kenh_ctx *ctx, const char *text,
                             uint8_t code[static CRYPTO_ENROLL_CODE_LEN])
{
	uint8_t buf[CODE_BYTES], check = 0, pad = 0;
	int rc;

	memset(code, 0, CRYPTO_ENROLL_CODE_LEN);
	if ((rc = code_unpack(text, buf, &pad)) != 0) goto out;
	if ((rc = code_check_byte(ctx, buf, &check)) != 0) goto out;
	/* A wrong check byte, or padding bits set, is a mistyped code. */
	if (pad != 0 || check != buf[CRYPTO_ENROLL_CODE_LEN]) {
		rc = KENH_ERR(KENH_E_VERIFY);
		goto out;
	}
	memcpy(code, buf, CRYPTO_ENROLL_CODE_LEN);
out:
	sec_zero(buf, sizeof(buf));
	return rc;
}

/* The Ed25519 key pair that stands for a code: seed = HKDF-SHA256(salt, code, "binding key"). */
static int code_sigkey(const struct kenh_ctx *ctx, const uint8_t *code, struct crypto_sigkey *k)
{
	static const char salt[] = "kenh enroll v1", info[] = "binding key";
	const struct crypto_kdf *kdf = crypto_kdf_get(ctx, CRYPTO_KDF_HKDF_SHA256);
	uint8_t prk[32], seed[32];
	int rc;

	sec_zero(k, sizeof(*k));
	if (kdf == NULL) return KENH_ERR(KENH_E_INTERNAL);
	rc = crypto_hkdf_extract(kdf, (const uint8_t *)salt, sizeof(salt) - 1, code,
	                         CRYPTO_ENROLL_CODE_LEN, prk);
	if (rc != 0) goto out;
	rc = crypto_hkdf_expand(kdf, prk, sizeof(prk), (const uint8_t *)info, sizeof(info) - 1,
	                        seed, sizeof(seed));
	if (rc != 0) goto out;
	rc = crypto_sigkey_from_sk(ctx, CRYPTO_SIG_ED25519, seed, sizeof(seed), k);
out:
	sec_zero(prk, sizeof(prk));
	sec_zero(seed, sizeof(seed));
	return rc;
}

int crypto_enroll_code_key(const struct kenh_ctx *ctx,
                           const uint8_t code[static CRYPTO_ENROLL_CODE_LEN],
                           uint8_t pk[static CRYPTO_ENROLL_KEY_LEN])
{
	struct crypto_sigkey k;
	int rc;

	memset(pk, 0, CRYPTO_ENROLL_KEY_LEN);
	if ((rc = code_sigkey(ctx, code, &k)) == 0) memcpy(pk, k.pk, CRYPTO_ENROLL_KEY_LEN);
	crypto_sigkey_clear(&k);
	return rc;
}

/*
 * The signed binding message (docs/pki.md): label || 0 || sig_id (2) ||
 * len (1) || pk || len (1) || user || len (1) || unit. Returns its length.
 */
static size_t binding_message(uint16_t sig_id, const uint8_t *pk, size_t pklen, const char *user,
                              const char *unit, uint8_t msg[static BINDING_MSG_MAX])
{
	size_t n = sizeof(binding_label), ul = strlen(user), pl = strlen(unit);

	memcpy(msg, binding_label, sizeof(binding_label));
	store_be16(msg + n, sig_id);
	n += 2;
	msg[n++] = (uint8_t)pklen;
	memcpy(msg + n, pk, pklen);
	n += pklen;
	msg[n++] = (uint8_t)ul;
	memcpy(msg + n, user, ul);
	n += ul;
	msg[n++] = (uint8_t)pl;
	memcpy(msg + n, unit, pl);
	return n + pl;
}

/* The binding attribute's value: version || code key || Ed25519 signature. */
static int binding_make(const struct kenh_ctx *ctx, const struct crypto_sigkey *key,
                        const struct crypto_enroll_claim *claim, uint8_t out[static BINDING_LEN])
{
	const struct crypto_sig *ed = crypto_sig_get(ctx, CRYPTO_SIG_ED25519);
	uint8_t msg[BINDING_MSG_MAX], sig[CRYPTO_MAX_SIG];
	struct crypto_sigkey ck;
	size_t n, siglen = 0;
	int rc;

	if (ed == NULL) return KENH_ERR(KENH_E_INTERNAL);
	if ((rc = code_sigkey(ctx, claim->code, &ck)) != 0) return rc;
	n = binding_message(key->sig_id, key->pk, key->pklen, claim->user, claim->unit, msg);
	if ((rc = crypto_sig_sign(ed, ck.sk, msg, n, sig, &siglen)) != 0) goto out;
	if (siglen != BINDING_SIG_LEN) {
		rc = KENH_ERR(KENH_E_INTERNAL);
		goto out;
	}
	out[0] = BINDING_VERSION;
	memcpy(out + 1, ck.pk, CRYPTO_ENROLL_KEY_LEN);
	memcpy(out + 1 + CRYPTO_ENROLL_KEY_LEN, sig, BINDING_SIG_LEN);
out:
	crypto_sigkey_clear(&ck);
	return rc;
}

static int req_fill(const struct kenh_ctx *ctx, X509_REQ *req, const struct crypto_sigkey *key,
                    const struct crypto_enroll_claim *claim)
{
	uint8_t binding[BINDING_LEN];
	ASN1_OBJECT *obj = NULL;
	X509_NAME *name = NULL;
	EVP_PKEY *pkey = NULL;
	int rc;

	if ((rc = crypto_pki_name_build_csr(claim->unit, claim->user, &name)) != 0) return rc;
	if ((rc = crypto_pki_pkey_pk(ctx, key->sig_id, key->pk, key->pklen, &pkey)) != 0) goto out;
	if ((rc = binding_make(ctx, key, claim, binding)) != 0) goto out;
	rc = KENH_ERR(KENH_E_CRYPTO);
	if ((obj = OBJ_txt2obj(CRYPTO_PKI_OID_BINDING, 1)) == NULL) goto out;
	/* RFC 2986 §4.1: version 0 (v1), the subject, its key, and our one attribute. */
	if (X509_REQ_set_version(req, X509_REQ_VERSION_1) != 1 ||
	    X509_REQ_set_subject_name(req, name) != 1 || X509_REQ_set_pubkey(req, pkey) != 1 ||
	    X509_REQ_add1_attr_by_OBJ(req, obj, V_ASN1_OCTET_STRING, binding, BINDING_LEN) != 1)
		goto out;
	rc = 0;
out:
	ASN1_OBJECT_free(obj);
	X509_NAME_free(name);
	EVP_PKEY_free(pkey);
	return rc;
}

int crypto_pki_req_sign_encode(const struct kenh_ctx *ctx, X509_REQ *req,
                               const struct crypto_sigkey *key, uint8_t **out, size_t *outlen)
{
	EVP_MD_CTX *mctx = NULL;
	uint8_t *p;
	void *mem = NULL;
	int n, rc;

	if ((rc = crypto_pki_signer_new(ctx, key, &mctx)) != 0) return rc;
	rc = KENH_ERR(KENH_E_CRYPTO);
	if (X509_REQ_sign_ctx(req, mctx) <= 0 || (n = i2d_X509_REQ(req, NULL)) <= 0) goto out;
	if ((rc = mem_alloc((size_t)n, &mem)) != 0) goto out;
	p = mem;
	if (i2d_X509_REQ(req, &p) != n) {
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

int crypto_csr_create(const struct kenh_ctx *ctx, const struct crypto_sigkey *key,
                      const struct crypto_enroll_claim *claim, uint8_t **out, size_t *outlen)
{
	X509_REQ *req = NULL;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (claim == NULL || claim->code == NULL || !crypto_user_is_valid(claim->user) ||
	    !crypto_unit_path_is_valid(claim->unit) || key->pklen > CRYPTO_MAX_SIG_PK)
		return KENH_ERR(KENH_E_INVALID_ARG);
	if ((req = X509_REQ_new_ex(crypto_pki_libctx(ctx), NULL)) == NULL)
		return KENH_ERR(KENH_E_NOMEM);
	if ((rc = req_fill(ctx, req, key, claim)) != 0) goto out;
	rc = crypto_pki_req_sign_encode(ctx, req, key, out, outlen);
out:
	crypto_pki_drain(ctx, __func__);
	X509_REQ_free(req);
	return rc;
}

/* The one attribute of a request: our binding, a single OCTET STRING of BINDING_LEN bytes. */
static int binding_get(const X509_REQ *req, const uint8_t **val)
{
	X509_ATTRIBUTE *attr;
	ASN1_OBJECT *obj = NULL;
	const ASN1_TYPE *at;
	int rc = KENH_ERR(KENH_E_PARSE);

	*val = NULL;
	if (X509_REQ_get_attr_count(req) != 1) return rc;
	if ((attr = X509_REQ_get_attr(req, 0)) == NULL || X509_ATTRIBUTE_count(attr) != 1)
		return rc;
	if ((obj = OBJ_txt2obj(CRYPTO_PKI_OID_BINDING, 1)) == NULL) return KENH_ERR(KENH_E_NOMEM);
	if (OBJ_cmp(X509_ATTRIBUTE_get0_object(attr), obj) != 0) goto out;
	at = X509_ATTRIBUTE_get0_type(attr, 0);
	if (at == NULL || at->type != V_ASN1_OCTET_STRING ||
	    ASN1_STRING_length(at->value.octet_string) != BINDING_LEN)
		goto out;
	*val = ASN1_STRING_get0_data(at->value.octet_string);
	if ((*val)[0] != BINDING_VERSION) {
		*val = NULL;
		goto out;
	}
	rc = 0;
out:
	ASN1_OBJECT_free(obj);
	return rc;
}

int crypto_pki_req_parse(const struct kenh_ctx *ctx, const uint8_t *der, size_t len, X509_REQ **out)
{
	const unsigned char *p = der;
	X509_REQ *req;

	*out = NULL;
	if (len > CRYPTO_PKI_MAX_CSR_DER) return KENH_ERR(KENH_E_TOO_LARGE);
	if (len == 0) return KENH_ERR(KENH_E_PARSE);
	if ((req = X509_REQ_new_ex(crypto_pki_libctx(ctx), NULL)) == NULL)
		return KENH_ERR(KENH_E_NOMEM);
	if (d2i_X509_REQ(&req, &p, (long)len) == NULL) return KENH_ERR(KENH_E_PARSE);
	if ((size_t)(p - der) != len) {
		X509_REQ_free(req);
		return KENH_ERR(KENH_E_PARSE);
	}
	*out = req;
	return 0;
}

/* Proof of possession (RFC 2986 §3: the request is signed with the key it carries). */
int crypto_pki_req_check_key(X509_REQ *req, uint16_t *sig_id, uint8_t pk[static CRYPTO_MAX_SIG_PK],
                             size_t *pklen)
{
	EVP_PKEY *pkey;
	int rc;

	if (X509_REQ_get_version(req) != X509_REQ_VERSION_1) return KENH_ERR(KENH_E_PARSE);
	if (!crypto_pki_sig_nid_ok(X509_REQ_get_signature_nid(req)))
		return KENH_ERR(KENH_E_UNSUPPORTED);
	if ((pkey = X509_REQ_get0_pubkey(req)) == NULL) return KENH_ERR(KENH_E_PARSE);
	if ((rc = crypto_pki_pkey_raw(pkey, sig_id, pk, pklen)) != 0) return rc;
	if (X509_REQ_verify(req, pkey) != 1) return KENH_ERR(KENH_E_VERIFY);
	return 0;
}

static int req_check_binding(const struct kenh_ctx *ctx, const X509_REQ *req,
                             struct crypto_csr_info *out)
{
	const struct crypto_sig *ed = crypto_sig_get(ctx, CRYPTO_SIG_ED25519);
	uint8_t msg[BINDING_MSG_MAX];
	const uint8_t *val;
	size_t n;
	int rc;

	if (ed == NULL) return KENH_ERR(KENH_E_INTERNAL);
	if ((rc = binding_get(req, &val)) != 0) return rc;
	memcpy(out->code_key, val + 1, CRYPTO_ENROLL_KEY_LEN);
	n = binding_message(out->sig_id, out->pk, out->pklen, out->user, out->unit, msg);
	return crypto_sig_verify(ed, out->code_key, CRYPTO_ENROLL_KEY_LEN, msg, n,
	                         val + 1 + CRYPTO_ENROLL_KEY_LEN, BINDING_SIG_LEN);
}

int crypto_csr_verify(const struct kenh_ctx *ctx, const uint8_t *der, size_t len,
                      struct crypto_csr_info *out)
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
	if ((rc = req_check_binding(ctx, req, out)) != 0) goto out;
	rc = crypto_hash(kdf, der, len, out->id);
out:
	crypto_pki_drain(ctx, __func__);
	X509_REQ_free(req);
	if (rc != 0) memset(out, 0, sizeof(*out));
	return rc;
}
