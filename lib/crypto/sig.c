/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The signature schemes of RFC 9420 §5.1.2: Ed25519 in its pure form
 * (RFC 8032 §5.1.6-5.1.7; raw 32-byte seed and public key) and ECDSA over
 * P-256 with SHA-256 (FIPS 186-4 §6; RFC 9420 §5.1.2 and RFC 8446 §4.2.3
 * ask for the DER encoding of X9.62 ECDSA-Sig-Value). OpenSSL's ECDSA
 * verification re-encodes the parsed signature and demands the same bytes,
 * so only strict DER is accepted. SignWithLabel (RFC 9420 §5.1.2) is mls/'s.
 */
#include "crypto/crypto.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/evp.h>

#include "util/compat.h"

#include "crypto/crypto_int.h"
#include "util/mem.h"

#define SHA256_LEN 32

static const uint8_t empty_msg[1] = { 0 };

int crypto_sig_keygen(const struct crypto_sig *sig, uint8_t *sk, uint8_t *pk)
{
	const struct crypto_sig_impl *s = impl_of_sig(sig);

	return crypto_key_generate(s->prov, s->curve, sk, pk);
}

int crypto_sig_pk_from_sk(const struct crypto_sig *sig, const uint8_t *sk, uint8_t *pk)
{
	const struct crypto_sig_impl *s = impl_of_sig(sig);

	return crypto_key_pk_from_sk(s->prov, s->curve, sk, pk);
}

/*
 * An operation (sign or verify) made ready for one key. OpenSSL 3's
 * EVP_DigestSignInit and EVP_PKEY_sign_init fetch the algorithm by name on
 * every call; a key object initialises one context at creation, and each
 * use copies it (EVP_MD_CTX_copy_ex, EVP_PKEY_CTX_dup), which fetches
 * nothing. Ed25519 is a DigestSign context, ECDSA a PKEY_CTX over the
 * SHA-256 hash (the hash is computed apart with the fetched digest).
 */
struct prepared {
	EVP_PKEY *key;       /* secret for a signing key */
	EVP_MD_CTX *mtmpl;   /* Ed25519: initialised, never used itself */
	EVP_PKEY_CTX *ptmpl; /* ECDSA: initialised, never used itself */
};

static void prepared_clear(struct prepared *op)
{
	EVP_MD_CTX_free(op->mtmpl);
	EVP_PKEY_CTX_free(op->ptmpl);
	/* EVP_PKEY_free cleanses a private key. */
	EVP_PKEY_free(op->key);
	memset(op, 0, sizeof(*op));
}

/* A fresh Ed25519 context for key: a copy of tmpl, or (tmpl NULL) initialised anew. */
static EVP_MD_CTX *start_eddsa(const struct crypto_sig_impl *s, EVP_PKEY *key,
                               const EVP_MD_CTX *tmpl, bool sign)
{
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	int ok;

	if (mctx == NULL) return NULL;
	if (tmpl != NULL) {
		if (EVP_MD_CTX_copy_ex(mctx, tmpl) == 1) return mctx;
		/* OpenSSL 3.0.0 cannot copy a digest-less context: initialise anew. */
		crypto_err_drain(s->prov, __func__);
	}
	if (sign)
		ok = EVP_DigestSignInit_ex(mctx, NULL, NULL, s->prov->libctx, NULL, key, NULL);
	else
		ok = EVP_DigestVerifyInit_ex(mctx, NULL, NULL, s->prov->libctx, NULL, key, NULL);
	if (ok == 1) return mctx;
	EVP_MD_CTX_free(mctx);
	return NULL;
}

/* A fresh ECDSA context for key, as start_eddsa. */
static EVP_PKEY_CTX *start_ecdsa(const struct crypto_sig_impl *s, EVP_PKEY *key,
                                 const EVP_PKEY_CTX *tmpl, bool sign)
{
	EVP_PKEY_CTX *pctx;

	/* EVP_PKEY_CTX_dup takes a non-const pointer but only reads it. */
	if (tmpl != NULL) {
		if ((pctx = EVP_PKEY_CTX_dup((EVP_PKEY_CTX *)(uintptr_t)tmpl)) != NULL) return pctx;
		crypto_err_drain(s->prov, __func__);
	}
	if ((pctx = EVP_PKEY_CTX_new_from_pkey(s->prov->libctx, key, NULL)) == NULL) return NULL;
	if ((sign ? EVP_PKEY_sign_init(pctx) : EVP_PKEY_verify_init(pctx)) == 1) return pctx;
	EVP_PKEY_CTX_free(pctx);
	return NULL;
}

/* Initialise op's template for key (taken over by op, even on failure). */
static int prepare(const struct crypto_sig_impl *s, EVP_PKEY *key, bool sign, struct prepared *op)
{
	memset(op, 0, sizeof(*op));
	op->key = key;
	if (s->curve == CRYPTO_CURVE_ED25519)
		op->mtmpl = start_eddsa(s, key, NULL, sign);
	else
		op->ptmpl = start_ecdsa(s, key, NULL, sign);
	if (op->mtmpl != NULL || op->ptmpl != NULL) return 0;
	return KENH_ERR(KENH_E_CRYPTO);
}

/* SHA-256 of msg for ECDSA. */
static int hash_msg(const struct crypto_sig_impl *s, const uint8_t *msg, size_t len,
                    uint8_t h[static SHA256_LEN])
{
	unsigned int hlen = 0;

	if (EVP_Digest(len != 0 ? msg : empty_msg, len, h, &hlen, s->md, NULL) != 1 ||
	    hlen != SHA256_LEN)
		return KENH_ERR(KENH_E_CRYPTO);
	return 0;
}

/* Ed25519 hashes inside the scheme: one-shot sign over the message itself. */
static int sign_eddsa(const struct crypto_sig_impl *s, const struct prepared *op,
                      const uint8_t *msg, size_t len, uint8_t *out, size_t *outlen)
{
	EVP_MD_CTX *mctx = NULL;
	size_t n = s->pub.max_sig;
	int rc = KENH_E_CRYPTO;

	if ((mctx = start_eddsa(s, op->key, op->mtmpl, true)) == NULL) goto out;
	if (EVP_DigestSign(mctx, out, &n, len != 0 ? msg : empty_msg, len) != 1) goto out;
	*outlen = n;
	rc = 0;
out:
	EVP_MD_CTX_free(mctx);
	return rc == 0 ? 0 : KENH_ERR(rc);
}

/* ECDSA: SHA-256 with the fetched digest, then a signature over the hash. */
static int sign_ecdsa(const struct crypto_sig_impl *s, const struct prepared *op,
                      const uint8_t *msg, size_t len, uint8_t *out, size_t *outlen)
{
	uint8_t h[SHA256_LEN];
	EVP_PKEY_CTX *pctx = NULL;
	size_t n = s->pub.max_sig;
	int rc;

	if ((rc = hash_msg(s, msg, len, h)) != 0) goto out;
	rc = KENH_E_CRYPTO;
	if ((pctx = start_ecdsa(s, op->key, op->ptmpl, true)) == NULL) goto out;
	if (EVP_PKEY_sign(pctx, out, &n, h, sizeof(h)) != 1) goto out;
	*outlen = n;
	rc = 0;
out:
	EVP_PKEY_CTX_free(pctx);
	return rc == 0 ? 0 : KENH_ERR(rc);
}

/* Sign with op (its template, or a fresh context); out is zeroed on failure. */
static int sign_op(const struct crypto_sig_impl *s, const struct prepared *op, const uint8_t *msg,
                   size_t len, uint8_t *out, size_t *outlen)
{
	int rc;

	*outlen = 0;
	rc = s->curve == CRYPTO_CURVE_ED25519 ? sign_eddsa(s, op, msg, len, out, outlen)
	                                      : sign_ecdsa(s, op, msg, len, out, outlen);
	if (rc != 0) {
		memset(out, 0, s->pub.max_sig);
		*outlen = 0;
		crypto_err_drain(s->prov, __func__);
	}
	return rc;
}

int crypto_sig_sign(const struct crypto_sig *sig, const uint8_t *sk, const uint8_t *msg, size_t len,
                    uint8_t *out, size_t *outlen)
{
	const struct crypto_sig_impl *s = impl_of_sig(sig);
	struct prepared op;
	int rc;

	*outlen = 0;
	memset(&op, 0, sizeof(op));
	if ((rc = crypto_key_import_sk(s->prov, s->curve, sk, &op.key)) != 0) {
		memset(out, 0, s->pub.max_sig);
		goto out;
	}
	/* One use: no template, the operation initialises its own context. */
	rc = sign_op(s, &op, msg, len, out, outlen);
out:
	prepared_clear(&op);
	return rc;
}

/*
 * Any verification failure is KENH_E_VERIFY: OpenSSL reports a malformed
 * signature (-1) and a wrong one (0) differently, but both are refusals.
 */
static int verify_eddsa(const struct crypto_sig_impl *s, const struct prepared *op,
                        const uint8_t *msg, size_t len, const uint8_t *sigbytes, size_t siglen)
{
	EVP_MD_CTX *mctx = NULL;
	int rc = KENH_E_CRYPTO;

	/* RFC 8032 §5.1.7: the signature is exactly 64 bytes. */
	if (siglen != s->pub.max_sig) return KENH_ERR(KENH_E_VERIFY);
	if ((mctx = start_eddsa(s, op->key, op->mtmpl, false)) == NULL) goto out;
	rc = KENH_E_VERIFY;
	if (EVP_DigestVerify(mctx, sigbytes, siglen, len != 0 ? msg : empty_msg, len) != 1)
		goto out;
	rc = 0;
out:
	EVP_MD_CTX_free(mctx);
	return rc == 0 ? 0 : KENH_ERR(rc);
}

static int verify_ecdsa(const struct crypto_sig_impl *s, const struct prepared *op,
                        const uint8_t *msg, size_t len, const uint8_t *sigbytes, size_t siglen)
{
	uint8_t h[SHA256_LEN];
	EVP_PKEY_CTX *pctx = NULL;
	int rc;

	/* The longest strict-DER signature over P-256 is 72 bytes; refuse the rest unparsed. */
	if (siglen == 0 || siglen > s->pub.max_sig) return KENH_ERR(KENH_E_VERIFY);
	if ((rc = hash_msg(s, msg, len, h)) != 0) goto out;
	rc = KENH_E_CRYPTO;
	if ((pctx = start_ecdsa(s, op->key, op->ptmpl, false)) == NULL) goto out;
	rc = KENH_E_VERIFY;
	if (EVP_PKEY_verify(pctx, sigbytes, siglen, h, sizeof(h)) != 1) goto out;
	rc = 0;
out:
	EVP_PKEY_CTX_free(pctx);
	return rc == 0 ? 0 : KENH_ERR(rc);
}

static int verify_op(const struct crypto_sig_impl *s, const struct prepared *op, const uint8_t *msg,
                     size_t len, const uint8_t *sigbytes, size_t siglen)
{
	int rc = s->curve == CRYPTO_CURVE_ED25519 ? verify_eddsa(s, op, msg, len, sigbytes, siglen)
	                                          : verify_ecdsa(s, op, msg, len, sigbytes, siglen);

	if (rc != 0) crypto_err_drain(s->prov, __func__);
	return rc;
}

int crypto_sig_verify(const struct crypto_sig *sig, const uint8_t *pk, size_t pklen,
                      const uint8_t *msg, size_t len, const uint8_t *sigbytes, size_t siglen)
{
	const struct crypto_sig_impl *s = impl_of_sig(sig);
	struct prepared op;
	int rc;

	memset(&op, 0, sizeof(op));
	if ((rc = crypto_key_import_pk(s->prov, s->curve, pk, pklen, &op.key)) == 0)
		rc = verify_op(s, &op, msg, len, sigbytes, siglen);
	prepared_clear(&op);
	return rc;
}

/* ------------------------------------------------------------ key objects */

struct crypto_sig_key {
	const struct crypto_sig_impl *s;
	struct prepared op; /* secret: holds the private key */
};

struct crypto_sig_pub {
	const struct crypto_sig_impl *s;
	struct prepared op;
};

int crypto_sig_key_new(const struct crypto_sig *sig, const uint8_t *sk, struct crypto_sig_key **out)
{
	const struct crypto_sig_impl *s = impl_of_sig(sig);
	struct crypto_sig_key *k = NULL;
	EVP_PKEY *key = NULL;
	void *p = NULL;
	int rc;

	*out = NULL;
	if ((rc = mem_calloc(1, sizeof(*k), &p)) != 0) return rc;
	k = p;
	k->s = s;
	if ((rc = crypto_key_import_sk(s->prov, s->curve, sk, &key)) != 0) goto out;
	if ((rc = prepare(s, key, true, &k->op)) != 0) goto out;
	*out = k;
	k = NULL;
out:
	if (rc != 0) crypto_err_drain(s->prov, __func__);
	crypto_sig_key_free(k);
	return rc;
}

void crypto_sig_key_free(struct crypto_sig_key *k)
{
	if (k == NULL) return;
	prepared_clear(&k->op);
	mem_free(k);
}

const struct crypto_sig *crypto_sig_key_alg(const struct crypto_sig_key *k)
{
	return &k->s->pub;
}

int crypto_sig_sign_key(const struct crypto_sig_key *k, const uint8_t *msg, size_t len,
                        uint8_t *out, size_t *outlen)
{
	return sign_op(k->s, &k->op, msg, len, out, outlen);
}

int crypto_sig_pub_new(const struct crypto_sig *sig, const uint8_t *pk, size_t pklen,
                       struct crypto_sig_pub **out)
{
	const struct crypto_sig_impl *s = impl_of_sig(sig);
	struct crypto_sig_pub *k = NULL;
	EVP_PKEY *key = NULL;
	void *p = NULL;
	int rc;

	*out = NULL;
	if ((rc = mem_calloc(1, sizeof(*k), &p)) != 0) return rc;
	k = p;
	k->s = s;
	if ((rc = crypto_key_import_pk(s->prov, s->curve, pk, pklen, &key)) != 0) goto out;
	if ((rc = prepare(s, key, false, &k->op)) != 0) goto out;
	*out = k;
	k = NULL;
out:
	if (rc != 0) crypto_err_drain(s->prov, __func__);
	crypto_sig_pub_free(k);
	return rc;
}

void crypto_sig_pub_free(struct crypto_sig_pub *k)
{
	if (k == NULL) return;
	prepared_clear(&k->op);
	mem_free(k);
}

const struct crypto_sig *crypto_sig_pub_alg(const struct crypto_sig_pub *k)
{
	return &k->s->pub;
}

int crypto_sig_verify_pub(const struct crypto_sig_pub *k, const uint8_t *msg, size_t len,
                          const uint8_t *sigbytes, size_t siglen)
{
	return verify_op(k->s, &k->op, msg, len, sigbytes, siglen);
}
