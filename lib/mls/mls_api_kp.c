/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The public MLS API (include/kenh/mls.h), first half: buffers, credential
 * views and KeyPackages (RFC 9420 §5.3, §10). A public credential is a
 * view of the LeafNode that carries it; a public KeyPackage wraps
 * struct mls_own_key_package. The saved form of a KeyPackage is ours:
 *
 *   uint32 magic "KMKP"; uint16 format (1); uint16 cipher_suite;
 *   opaque key_package<V>; opaque init_priv<V>; opaque encryption_priv<V>;
 *   opaque signature_priv<V>;
 */
#include "kenh/mls.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/group.h"
#include "mls/mls_api_int.h"
#include "util/ctx.h"
#include "util/mem.h"

#define KP_MAGIC  0x4b4d4b50u /* "KMKP" */
#define KP_FORMAT 1u

int kenh_mls_api_version(void)
{
	return KENH_MLS_API_VERSION;
}

void kenh_mls_free(void *p, size_t len)
{
	sec_free(p, len);
}

/* ------------------------------------------------------------ credentials */

static const struct mls_leaf_node *leaf_of(const struct kenh_mls_credential *c)
{
	return (const struct mls_leaf_node *)(const void *)c;
}

const struct kenh_mls_credential *mls_api_credential(const struct mls_leaf_node *ln)
{
	return (const struct kenh_mls_credential *)(const void *)ln;
}

uint16_t kenh_mls_credential_type(const struct kenh_mls_credential *c)
{
	return leaf_of(c)->credential.credential_type;
}

void kenh_mls_credential_identity(const struct kenh_mls_credential *c, const uint8_t **p,
                                  size_t *len)
{
	const struct mls_credential *cr = &leaf_of(c)->credential;

	*p = NULL;
	*len = 0;
	if (cr->credential_type != MLS_CREDENTIAL_BASIC) return;
	*p = cr->identity.p;
	*len = cr->identity.len;
}

size_t kenh_mls_credential_cert_count(const struct kenh_mls_credential *c)
{
	const struct mls_credential *cr = &leaf_of(c)->credential;

	return cr->credential_type == MLS_CREDENTIAL_X509 ? cr->n_certificates : 0;
}

int kenh_mls_credential_cert(const struct kenh_mls_credential *c, size_t i, const uint8_t **p,
                             size_t *len)
{
	const struct mls_credential *cr = &leaf_of(c)->credential;

	*p = NULL;
	*len = 0;
	if (i >= kenh_mls_credential_cert_count(c)) return KENH_ERR(KENH_E_NOT_FOUND);
	*p = cr->certificates[i].p;
	*len = cr->certificates[i].len;
	return 0;
}

void kenh_mls_credential_signature_key(const struct kenh_mls_credential *c, const uint8_t **p,
                                       size_t *len)
{
	*p = leaf_of(c)->signature_key.p;
	*len = leaf_of(c)->signature_key.len;
}

int mls_api_credential_build(const struct kenh_mls_credential_args *a, struct mls_credential *out,
                             struct kenh_span *certs, size_t cap)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->credential_type = a->type;
	if (a->type == KENH_MLS_CREDENTIAL_BASIC) {
		if (a->identity == NULL && a->identity_len != 0)
			return KENH_ERR(KENH_E_INVALID_ARG);
		out->identity = span_make(a->identity, a->identity_len);
		return 0;
	}
	if (a->type != KENH_MLS_CREDENTIAL_X509 || a->n_certs == 0 || a->n_certs > cap)
		return KENH_ERR(KENH_E_INVALID_ARG);
	for (i = 0; i < a->n_certs; i++)
		certs[i] = span_make(a->certs[i], a->cert_lens[i]);
	out->certificates = certs;
	out->n_certificates = a->n_certs;
	return 0;
}

/* ------------------------------------------------------------ KeyPackages */

static int application_id_ext(const struct kenh_mls_keypackage_args *a, struct codec_writer *w,
                              struct mls_extension *e, struct mls_extension_list *l)
{
	int rc;

	memset(l, 0, sizeof(*l));
	if (a->application_id == NULL) return 0;
	codec_writer_init(w, LIMIT_EXTENSION_DATA, CODEC_WRITER_NORMAL);
	rc = mls_encode_application_id(w, span_make(a->application_id, a->application_id_len));
	if (rc != 0) return rc;
	e->extension_type = MLS_EXT_APPLICATION_ID;
	e->extension_data = codec_writer_span(w);
	l->items = e;
	l->count = 1;
	return 0;
}

int kenh_mls_keypackage_new(struct kenh_ctx *ctx, const struct kenh_mls_keypackage_args *a,
                            struct kenh_mls_keypackage **out)
{
	struct kenh_span certs[LIMIT_CERT_CHAIN];
	struct kenh_mls_keypackage *kp = NULL;
	struct mls_extension_list leaf_ext;
	struct mls_extension appid;
	struct mls_credential cred;
	struct codec_writer w;
	struct mls_kp_args ka;
	int rc;

	*out = NULL;
	codec_writer_init(&w, 0, CODEC_WRITER_NORMAL);
	if (ctx == NULL || a == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = mls_api_credential_build(&a->credential, &cred, certs, LIMIT_CERT_CHAIN)) != 0)
		goto out;
	if ((rc = application_id_ext(a, &w, &appid, &leaf_ext)) != 0) goto out;
	if ((rc = sec_alloc(sizeof(*kp), (void **)&kp)) != 0) goto out;
	memset(&ka, 0, sizeof(ka));
	ka.ctx = ctx;
	ka.suite = a->suite;
	ka.credential = &cred;
	ka.sig_sk = span_make(a->signature_key, a->signature_key_len);
	ka.now = a->now != 0 ? a->now : mls_api_now();
	ka.lifetime = a->lifetime;
	ka.grease = true;
	ka.leaf_extensions = leaf_ext.count != 0 ? &leaf_ext : NULL;
	if ((rc = mls_group_key_package(&ka, &kp->kp)) != 0) goto out;
	*out = kp;
	kp = NULL;
out:
	kenh_mls_keypackage_free(kp);
	codec_writer_clear(&w);
	return rc;
}

void kenh_mls_keypackage_free(struct kenh_mls_keypackage *kp)
{
	if (kp == NULL) return;
	mls_own_key_package_clear(&kp->kp);
	sec_free(kp, sizeof(*kp));
}

int kenh_mls_keypackage_message(const struct kenh_mls_keypackage *kp, uint8_t **out, size_t *len)
{
	struct codec_writer w;
	int rc;

	*out = NULL;
	*len = 0;
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	/* RFC 9420 §6: MLSMessage { version mls10, wire_format mls_key_package, KeyPackage }. */
	codec_write_u16(&w, MLS_VERSION_MLS10);
	codec_write_u16(&w, MLS_WIRE_FORMAT_KEY_PACKAGE);
	codec_write_bytes(&w, kp->kp.kp, kp->kp.kp_len);
	rc = codec_writer_finish(&w, out, len);
	codec_writer_clear(&w);
	return rc;
}

int kenh_mls_keypackage_serialize(const struct kenh_mls_keypackage *kp, uint8_t **out, size_t *len)
{
	const struct mls_own_key_package *k = &kp->kp;
	struct codec_writer w;
	int rc;

	*out = NULL;
	*len = 0;
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_SENSITIVE);
	codec_write_u32(&w, KP_MAGIC);
	codec_write_u16(&w, KP_FORMAT);
	codec_write_u16(&w, k->cs->id);
	codec_write_opaque(&w, k->kp, k->kp_len);
	codec_write_opaque(&w, k->keys.init_sk, k->keys.nsk);
	codec_write_opaque(&w, k->keys.encryption_sk, k->keys.nsk);
	codec_write_opaque(&w, k->sig_sk, k->sig_sk_len);
	rc = codec_writer_finish(&w, out, len);
	codec_writer_clear(&w);
	return rc;
}

static int copy_key(struct codec_reader *r, uint8_t *dst, size_t want)
{
	struct kenh_span s;
	int rc;

	if ((rc = codec_read_opaque(r, CRYPTO_MAX_KEM_SK, &s)) != 0) return rc;
	if (s.len != want) return KENH_ERR(KENH_E_PARSE);
	memcpy(dst, s.p, s.len);
	return 0;
}

static int read_kp(struct kenh_ctx *ctx, struct codec_reader *r, struct mls_own_key_package *k)
{
	struct mls_key_package dec;
	uint32_t magic = 0;
	uint16_t format = 0, suite = 0;
	struct kenh_span s;
	int rc;

	codec_read_u32(r, &magic);
	codec_read_u16(r, &format);
	codec_read_u16(r, &suite);
	codec_read_opaque(r, LIMIT_MLS_MESSAGE, &s);
	if ((rc = codec_reader_err(r)) != 0) return rc;
	if (magic != KP_MAGIC) return KENH_ERR(KENH_E_PARSE);
	if (format != KP_FORMAT) return KENH_ERR(KENH_E_UNSUPPORTED);
	if ((k->cs = crypto_suite_get(ctx, suite)) == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	if ((rc = span_dup(s, &k->kp)) != 0) return rc;
	k->kp_len = s.len;
	k->keys.nsk = k->cs->kem->nsk;
	k->sig_sk_len = k->cs->sig->nsk;
	if ((rc = copy_key(r, k->keys.init_sk, k->keys.nsk)) != 0) return rc;
	if ((rc = copy_key(r, k->keys.encryption_sk, k->keys.nsk)) != 0) return rc;
	if ((rc = copy_key(r, k->sig_sk, k->sig_sk_len)) != 0) return rc;
	if ((rc = codec_reader_done(r)) != 0) return rc;
	/* The KeyPackage must parse and be of the suite we were told. */
	if ((rc = mls_group_own_key_package_decode(k, &dec)) != 0) return rc;
	if (dec.cipher_suite != suite) rc = KENH_ERR(KENH_E_PARSE);
	mls_key_package_clear(&dec);
	return rc;
}

int kenh_mls_keypackage_restore(struct kenh_ctx *ctx, const uint8_t *in, size_t len,
                                struct kenh_mls_keypackage **out)
{
	struct kenh_mls_keypackage *kp = NULL;
	struct codec_reader r;
	int rc;

	*out = NULL;
	if (ctx == NULL || (in == NULL && len != 0)) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = sec_alloc(sizeof(*kp), (void **)&kp)) != 0) return rc;
	codec_reader_init(&r, in, len);
	if ((rc = read_kp(ctx, &r, &kp->kp)) != 0) goto out;
	*out = kp;
	kp = NULL;
out:
	kenh_mls_keypackage_free(kp);
	return rc;
}
