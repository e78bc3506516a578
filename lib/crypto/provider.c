/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The crypto provider and the library context around it. kenh_ctx_new()
 * makes a private OSSL_LIB_CTX with only the default provider in it, then
 * fetches every EVP_MD, EVP_CIPHER and HMAC object of the supported
 * algorithms once (STYLE R7.2) and keeps them in tables addressed by the
 * HPKE ids of RFC 9180 §7 and the TLS SignatureScheme values that
 * RFC 9420 §5.1.2 uses; the MLS cipher suites of RFC 9420 §17.1 are rows
 * naming one of each. Every per-call operation then uses these objects and
 * never fetches by name. The operations themselves live in hash.c, aead.c,
 * kem.c, sig.c, keys.c, rand.c and ct.c.
 */
#include "crypto/crypto.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/params.h>
#include <openssl/provider.h>

#include "util/compat.h"

#include "crypto/crypto_int.h"
#include "util/ctx.h"
#include "util/log.h"
#include "util/mem.h"

/*
 * Names are arrays, not pointers, so that the tables hold no relocations
 * and stay in .rodata (the no-writable-data lint, STYLE R7.1).
 */
struct kdf_desc {
	uint16_t id;
	char md[12];
	size_t nh;
};

struct aead_desc {
	uint16_t id;
	char cipher[20];
	size_t nk;
};

struct kem_desc {
	struct crypto_kem pub;
	enum crypto_curve curve;
};

struct sig_desc {
	struct crypto_sig pub;
	enum crypto_curve curve;
	char md[12]; /* empty: the scheme hashes internally (Ed25519) */
};

struct suite_desc {
	uint16_t id, kem, kdf, aead, sig;
};

/* RFC 9180 §7.2. */
static const struct kdf_desc kdf_descs[CRYPTO_NKDF] = {
	{ CRYPTO_KDF_HKDF_SHA256, "SHA2-256", 32 },
	{ CRYPTO_KDF_HKDF_SHA512, "SHA2-512", 64 },
};

/* RFC 9180 §7.3: Nn = 12 and Nt = 16 for all three. */
static const struct aead_desc aead_descs[CRYPTO_NAEAD] = {
	{ CRYPTO_AEAD_AES128GCM, "AES-128-GCM", 16 },
	{ CRYPTO_AEAD_AES256GCM, "AES-256-GCM", 32 },
	{ CRYPTO_AEAD_CHACHA20POLY1305, "ChaCha20-Poly1305", 32 },
};

/* RFC 9180 §7.1: Nsk, Npk (= Nenc), Ndh, and the §7.1.3 bitmask. */
static const struct kem_desc kem_descs[CRYPTO_NKEM] = {
	{ { CRYPTO_KEM_P256_SHA256, 32, 65, 32, 0xff, CRYPTO_KDF_HKDF_SHA256 }, CRYPTO_CURVE_P256 },
	{ { CRYPTO_KEM_X25519_SHA256, 32, 32, 32, 0x00, CRYPTO_KDF_HKDF_SHA256 },
	  CRYPTO_CURVE_X25519 },
};

/* RFC 9420 §5.1.2 with RFC 8446 §4.2.3 names. */
static const struct sig_desc sig_descs[CRYPTO_NSIG] = {
	{ { CRYPTO_SIG_ECDSA_P256_SHA256, 32, 65, 72 }, CRYPTO_CURVE_P256, "SHA2-256" },
	{ { CRYPTO_SIG_ED25519, 32, 32, 64 }, CRYPTO_CURVE_ED25519, "" },
};

/* RFC 9420 §17.1: suites 1, 2 and 3. */
static const struct suite_desc suite_descs[CRYPTO_NSUITE] = {
	{ 0x0001, CRYPTO_KEM_X25519_SHA256, CRYPTO_KDF_HKDF_SHA256, CRYPTO_AEAD_AES128GCM,
	  CRYPTO_SIG_ED25519 },
	{ 0x0002, CRYPTO_KEM_P256_SHA256, CRYPTO_KDF_HKDF_SHA256, CRYPTO_AEAD_AES128GCM,
	  CRYPTO_SIG_ECDSA_P256_SHA256 },
	{ 0x0003, CRYPTO_KEM_X25519_SHA256, CRYPTO_KDF_HKDF_SHA256, CRYPTO_AEAD_CHACHA20POLY1305,
	  CRYPTO_SIG_ED25519 },
};

/* OpenSSL key management names, indexed by enum crypto_curve. */
static const char keymgmt_names[CRYPTO_CURVE_COUNT][8] = {
	[CRYPTO_CURVE_P256] = "EC",
	[CRYPTO_CURVE_X25519] = "X25519",
	[CRYPTO_CURVE_ED25519] = "ED25519",
};

void crypto_err_drain(const struct crypto_provider *p, const char *func)
{
	const struct kenh_ctx *ctx = p != NULL ? p->log_ctx : NULL;
	const char *file = NULL, *efunc = NULL, *data = NULL;
	int line = 0, flags = 0;
	unsigned long e;
	char buf[256];

	while ((e = ERR_get_error_all(&file, &line, &efunc, &data, &flags)) != 0) {
		if (!log_enabled(ctx, KENH_LOG_DEBUG)) continue;
		ERR_error_string_n(e, buf, sizeof(buf));
		log_debug(ctx, "%s: openssl: %s at %s:%d%s%s", func, buf, file ? file : "?", line,
		          (flags & ERR_TXT_STRING) && data ? ": " : "",
		          (flags & ERR_TXT_STRING) && data ? data : "");
	}
	/* The loop empties the queue; this also drops any marks left behind. */
	ERR_clear_error();
}

static int setup_kdf(struct crypto_provider *p, struct crypto_kdf_impl *k, const struct kdf_desc *d)
{
	OSSL_PARAM params[2];
	EVP_MAC *mac = NULL;
	int rc = KENH_E_CRYPTO;

	k->pub.id = d->id;
	k->pub.nh = d->nh;
	k->prov = p;
	if ((k->md = EVP_MD_fetch(p->libctx, d->md, NULL)) == NULL) goto out;
	if (EVP_MD_get_size(k->md) != (int)d->nh) goto out;
	/* The digest is set once here; each call duplicates this context and keys it. */
	params[0] =
	        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, crypto_param_buf(d->md), 0);
	params[1] = OSSL_PARAM_construct_end();
	if ((mac = EVP_MAC_fetch(p->libctx, "HMAC", NULL)) == NULL) goto out;
	if ((k->hmac = EVP_MAC_CTX_new(mac)) == NULL) goto out;
	if (EVP_MAC_CTX_set_params(k->hmac, params) != 1) goto out;
	rc = 0;
out:
	EVP_MAC_free(mac);
	return rc == 0 ? 0 : KENH_ERR(rc);
}

static int setup_aead(struct crypto_provider *p, struct crypto_aead_impl *a,
                      const struct aead_desc *d)
{
	a->pub.id = d->id;
	a->pub.nk = d->nk;
	a->pub.nn = 12;
	a->pub.nt = 16;
	a->prov = p;
	if ((a->cipher = EVP_CIPHER_fetch(p->libctx, d->cipher, NULL)) == NULL)
		return KENH_ERR(KENH_E_CRYPTO);
	/* The defaults of the fetched cipher must be the sizes RFC 9180 §7.3 names. */
	if (EVP_CIPHER_get_key_length(a->cipher) != (int)d->nk ||
	    EVP_CIPHER_get_iv_length(a->cipher) != (int)a->pub.nn)
		return KENH_ERR(KENH_E_CRYPTO);
	return 0;
}

static int setup_sig(struct crypto_provider *p, struct crypto_sig_impl *s, const struct sig_desc *d)
{
	s->pub = d->pub;
	s->curve = d->curve;
	s->prov = p;
	if (d->md[0] != '\0' && (s->md = EVP_MD_fetch(p->libctx, d->md, NULL)) == NULL)
		return KENH_ERR(KENH_E_CRYPTO);
	return 0;
}

static int setup_curves(struct crypto_provider *p)
{
	size_t i;

	for (i = 0; i < CRYPTO_CURVE_COUNT; i++) {
		p->fromdata[i] = EVP_PKEY_CTX_new_from_name(p->libctx, keymgmt_names[i], NULL);
		if (p->fromdata[i] == NULL || EVP_PKEY_fromdata_init(p->fromdata[i]) != 1)
			return KENH_ERR(KENH_E_CRYPTO);
	}
	p->p256 = EC_GROUP_new_by_curve_name_ex(p->libctx, NULL, NID_X9_62_prime256v1);
	if (p->p256 == NULL) return KENH_ERR(KENH_E_CRYPTO);
	return 0;
}

static int setup_algorithms(struct crypto_provider *p)
{
	size_t i;
	int rc;

	for (i = 0; i < CRYPTO_NKDF; i++)
		if ((rc = setup_kdf(p, &p->kdf[i], &kdf_descs[i])) != 0) return rc;
	for (i = 0; i < CRYPTO_NAEAD; i++)
		if ((rc = setup_aead(p, &p->aead[i], &aead_descs[i])) != 0) return rc;
	for (i = 0; i < CRYPTO_NKEM; i++) {
		p->kem[i].pub = kem_descs[i].pub;
		p->kem[i].curve = kem_descs[i].curve;
		p->kem[i].prov = p;
	}
	for (i = 0; i < CRYPTO_NSIG; i++)
		if ((rc = setup_sig(p, &p->sig[i], &sig_descs[i])) != 0) return rc;
	return setup_curves(p);
}

static const struct crypto_kdf *find_kdf(const struct crypto_provider *p, uint16_t id)
{
	size_t i;

	for (i = 0; i < CRYPTO_NKDF; i++)
		if (p->kdf[i].pub.id == id) return &p->kdf[i].pub;
	return NULL;
}

static const struct crypto_aead *find_aead(const struct crypto_provider *p, uint16_t id)
{
	size_t i;

	for (i = 0; i < CRYPTO_NAEAD; i++)
		if (p->aead[i].pub.id == id) return &p->aead[i].pub;
	return NULL;
}

static const struct crypto_kem *find_kem(const struct crypto_provider *p, uint16_t id)
{
	size_t i;

	for (i = 0; i < CRYPTO_NKEM; i++)
		if (p->kem[i].pub.id == id) return &p->kem[i].pub;
	return NULL;
}

static const struct crypto_sig *find_sig(const struct crypto_provider *p, uint16_t id)
{
	size_t i;

	for (i = 0; i < CRYPTO_NSIG; i++)
		if (p->sig[i].pub.id == id) return &p->sig[i].pub;
	return NULL;
}

static void setup_suites(struct crypto_provider *p)
{
	size_t i;

	for (i = 0; i < CRYPTO_NSUITE; i++) {
		const struct suite_desc *d = &suite_descs[i];
		struct crypto_suite *s = &p->suite[i];

		s->id = d->id;
		s->kem = find_kem(p, d->kem);
		s->kdf = find_kdf(p, d->kdf);
		s->aead = find_aead(p, d->aead);
		s->sig = find_sig(p, d->sig);
		/* The tables above name only algorithms that are in the tables. */
		KENH_ASSERT(s->kem != NULL && s->kdf != NULL && s->aead != NULL && s->sig != NULL);
	}
}

int crypto_provider_new(struct crypto_provider **out)
{
	struct crypto_provider *p = NULL;
	void *mem = NULL;
	int rc;

	*out = NULL;
	if ((rc = mem_calloc(1, sizeof(*p), &mem)) != 0) return rc;
	p = mem;
	/* A private library context: no configuration file, no shared default context. */
	if ((p->libctx = OSSL_LIB_CTX_new()) == NULL ||
	    (p->deflt = OSSL_PROVIDER_load(p->libctx, "default")) == NULL) {
		rc = KENH_ERR(KENH_E_CRYPTO);
		goto out;
	}
	if ((rc = setup_algorithms(p)) != 0) goto out;
	setup_suites(p);
	*out = p;
	p = NULL;
out:
	if (rc != 0) crypto_err_drain(NULL, __func__);
	crypto_provider_free(p);
	return rc;
}

void crypto_provider_free(struct crypto_provider *p)
{
	size_t i;

	if (p == NULL) return;
	for (i = 0; i < CRYPTO_NKDF; i++) {
		EVP_MAC_CTX_free(p->kdf[i].hmac);
		EVP_MD_free(p->kdf[i].md);
	}
	for (i = 0; i < CRYPTO_NAEAD; i++)
		EVP_CIPHER_free(p->aead[i].cipher);
	for (i = 0; i < CRYPTO_NSIG; i++)
		EVP_MD_free(p->sig[i].md);
	for (i = 0; i < CRYPTO_CURVE_COUNT; i++)
		EVP_PKEY_CTX_free(p->fromdata[i]);
	EC_GROUP_free(p->p256);
	if (p->deflt != NULL) OSSL_PROVIDER_unload(p->deflt);
	OSSL_LIB_CTX_free(p->libctx);
	mem_free(p);
}

const struct crypto_kdf *crypto_kdf_get(const struct kenh_ctx *ctx, uint16_t kdf_id)
{
	if (ctx == NULL || ctx->crypto == NULL) return NULL;
	return find_kdf(ctx->crypto, kdf_id);
}

const struct crypto_aead *crypto_aead_get(const struct kenh_ctx *ctx, uint16_t aead_id)
{
	if (ctx == NULL || ctx->crypto == NULL) return NULL;
	return find_aead(ctx->crypto, aead_id);
}

const struct crypto_kem *crypto_kem_get(const struct kenh_ctx *ctx, uint16_t kem_id)
{
	if (ctx == NULL || ctx->crypto == NULL) return NULL;
	return find_kem(ctx->crypto, kem_id);
}

const struct crypto_sig *crypto_sig_get(const struct kenh_ctx *ctx, uint16_t sig_id)
{
	if (ctx == NULL || ctx->crypto == NULL) return NULL;
	return find_sig(ctx->crypto, sig_id);
}

const struct crypto_suite *crypto_suite_get(const struct kenh_ctx *ctx, uint16_t suite_id)
{
	size_t i;

	if (ctx == NULL || ctx->crypto == NULL) return NULL;
	for (i = 0; i < CRYPTO_NSUITE; i++)
		if (ctx->crypto->suite[i].id == suite_id) return &ctx->crypto->suite[i];
	return NULL;
}

int kenh_ctx_new(struct kenh_ctx **out)
{
	struct kenh_ctx *ctx = NULL;
	void *mem = NULL;
	int rc;

	if (out == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	*out = NULL;
	if ((rc = mem_calloc(1, sizeof(*ctx), &mem)) != 0) return rc;
	ctx = mem;
	ctx->log_level = KENH_LOG_ERROR;
	if ((rc = crypto_provider_new(&ctx->crypto)) != 0) goto out;
	/* The provider logs OpenSSL's errors through its owner's sink. */
	ctx->crypto->log_ctx = ctx;
	*out = ctx;
	ctx = NULL;
out:
	kenh_ctx_free(ctx);
	return rc;
}

void kenh_ctx_free(struct kenh_ctx *ctx)
{
	if (ctx == NULL) return;
	crypto_provider_free(ctx->crypto);
	mem_free(ctx);
}
