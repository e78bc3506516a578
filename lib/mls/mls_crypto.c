/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The labelled functions of RFC 9420 that every other part of MLS builds
 * on: ExpandWithLabel and DeriveSecret (§8), DeriveTreeSecret (§9.1),
 * RefHash with MakeKeyPackageRef and MakeProposalRef (§5.2),
 * SignWithLabel/VerifyWithLabel (§5.1.2), EncryptWithLabel/DecryptWithLabel
 * over HPKE base mode (§5.1.3), and KEM.DeriveKeyPair for the external and
 * node key pairs (§8, §7.4). The labelled structures (KDFLabel,
 * SignContent, EncryptContext, RefHashInput) are public data and are
 * encoded with the codec writer; the primitives are crypto/'s and hpke/'s.
 */
#include "mls/mls_keys.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "hpke/hpke.h"
#include "util/mem.h"

/* RFC 9420 §5.1.2, §5.1.3, §8: the prefix of every label MLS builds. */
static const uint8_t label_prefix[] = { 'M', 'L', 'S', ' ', '1', '.', '0', ' ' };

/* opaque label<V> = "MLS 1.0 " + label, then opaque second<V>. */
static int write_labelled(struct codec_writer *w, struct kenh_span label, struct kenh_span second)
{
	size_t mark = 0;

	(void)codec_write_vector_begin(w, &mark);
	(void)codec_write_bytes(w, label_prefix, sizeof(label_prefix));
	(void)codec_write_bytes(w, label.p, label.len);
	(void)codec_write_vector_end(w, mark);
	return codec_write_opaque(w, second.p, second.len);
}

int mls_expand_with_label(const struct crypto_suite *cs, const uint8_t *secret,
                          struct kenh_span label, struct kenh_span context, uint8_t *out,
                          size_t outlen)
{
	struct codec_writer w;
	struct kenh_span info;
	int rc;

	codec_writer_init(&w, MLS_LABELLED_MAX, CODEC_WRITER_NORMAL);
	if (outlen != 0) sec_zero(out, outlen);
	/* KDFLabel.length is a uint16; HKDF-Expand stops at 255 * Nh. */
	if (outlen == 0 || outlen > UINT16_MAX || outlen > 255 * cs->kdf->nh) {
		rc = KENH_ERR(KENH_E_INVALID_ARG);
		goto out;
	}
	(void)codec_write_u16(&w, (uint16_t)outlen);
	if ((rc = write_labelled(&w, label, context)) != 0) goto out;
	info = codec_writer_span(&w);
	rc = crypto_hkdf_expand(cs->kdf, secret, cs->kdf->nh, info.p, info.len, out, outlen);
out:
	if (rc != 0 && outlen != 0) sec_zero(out, outlen);
	codec_writer_clear(&w);
	return rc;
}

int mls_derive_secret(const struct crypto_suite *cs, const uint8_t *secret, struct kenh_span label,
                      uint8_t *out)
{
	return mls_expand_with_label(cs, secret, label, span_make(NULL, 0), out, cs->kdf->nh);
}

int mls_derive_tree_secret(const struct crypto_suite *cs, const uint8_t *secret,
                           struct kenh_span label, uint32_t generation, uint8_t *out, size_t outlen)
{
	uint8_t gen[4];

	/* RFC 9420 §9.1: the context is the generation as a big-endian uint32. */
	store_be32(gen, generation);
	return mls_expand_with_label(cs, secret, label, span_make(gen, sizeof(gen)), out, outlen);
}

int mls_ref_hash(const struct crypto_suite *cs, struct kenh_span label, struct kenh_span value,
                 uint8_t *out)
{
	struct codec_writer w;
	struct kenh_span head;
	int rc;

	memset(out, 0, cs->kdf->nh);
	codec_writer_init(&w, MLS_LABELLED_MAX, CODEC_WRITER_NORMAL);
	/* RefHashInput: label<V>, then value<V>; the value is hashed in place, not copied. */
	(void)codec_write_opaque(&w, label.p, label.len);
	if (value.len > LIMIT_VARINT_MAX) {
		rc = KENH_ERR(KENH_E_TOO_LARGE);
		goto out;
	}
	if ((rc = codec_write_varint(&w, (uint32_t)value.len)) != 0) goto out;
	head = codec_writer_span(&w);
	rc = crypto_hash2(cs->kdf, head.p, head.len, value.p, value.len, out);
out:
	if (rc != 0) memset(out, 0, cs->kdf->nh);
	codec_writer_clear(&w);
	return rc;
}

int mls_make_key_package_ref(const struct crypto_suite *cs, struct kenh_span key_package,
                             uint8_t *out)
{
	return mls_ref_hash(cs, MLS_LABEL(MLS_REF_KEY_PACKAGE), key_package, out);
}

int mls_make_proposal_ref(const struct crypto_suite *cs, struct kenh_span authenticated_content,
                          uint8_t *out)
{
	return mls_ref_hash(cs, MLS_LABEL(MLS_REF_PROPOSAL), authenticated_content, out);
}

/*
 * SignContent { opaque label<V>; opaque content<V>; } into a fresh writer.
 * The content may be confidential (a PrivateMessage's FramedContentTBS
 * holds its plaintext), so the writer is sensitive (R5.3).
 */
static int encode_sign_content(struct codec_writer *w, struct kenh_span label,
                               struct kenh_span content)
{
	codec_writer_init(w, MLS_LABELLED_MAX, CODEC_WRITER_SENSITIVE);
	return write_labelled(w, label, content);
}

/* SignWithLabel with sk (raw, one-shot) or key (imported), whichever is given. */
static int sign_with_label(const struct crypto_suite *cs, struct kenh_span sk,
                           const struct crypto_sig_key *key, struct kenh_span label,
                           struct kenh_span content, uint8_t *sig, size_t *siglen)
{
	struct codec_writer w;
	struct kenh_span tbs;
	int rc;

	*siglen = 0;
	memset(sig, 0, cs->sig->max_sig);
	if ((rc = encode_sign_content(&w, label, content)) != 0) goto out;
	if (key != NULL ? crypto_sig_key_alg(key) != cs->sig : sk.len != cs->sig->nsk) {
		rc = KENH_ERR(KENH_E_INVALID_ARG);
		goto out;
	}
	tbs = codec_writer_span(&w);
	rc = key != NULL ? crypto_sig_sign_key(key, tbs.p, tbs.len, sig, siglen)
	                 : crypto_sig_sign(cs->sig, sk.p, tbs.p, tbs.len, sig, siglen);
out:
	if (rc != 0) {
		memset(sig, 0, cs->sig->max_sig);
		*siglen = 0;
	}
	codec_writer_clear(&w);
	return rc;
}

int mls_sign_with_label(const struct crypto_suite *cs, struct kenh_span sk, struct kenh_span label,
                        struct kenh_span content, uint8_t *sig, size_t *siglen)
{
	return sign_with_label(cs, sk, NULL, label, content, sig, siglen);
}

int mls_sign_with_label_key(const struct crypto_suite *cs, const struct crypto_sig_key *key,
                            struct kenh_span label, struct kenh_span content, uint8_t *sig,
                            size_t *siglen)
{
	return sign_with_label(cs, span_make(NULL, 0), key, label, content, sig, siglen);
}

/* The cache entry for pk, imported into a free or the oldest entry if absent. */
static int cache_lookup(const struct crypto_suite *cs, struct mls_sig_cache *c, struct kenh_span pk,
                        const struct crypto_sig_pub **out)
{
	struct mls_sig_cache_entry *e;
	struct crypto_sig_pub *pub = NULL;
	size_t i;
	int rc;

	*out = NULL;
	for (i = 0; i < MLS_SIG_CACHE_SIZE; i++) {
		e = &c->e[i];
		if (e->pk_len == pk.len && pk.len != 0 && memcmp(e->pk, pk.p, pk.len) == 0 &&
		    crypto_sig_pub_alg(e->pub) == cs->sig) {
			*out = e->pub;
			return 0;
		}
	}
	/* Lengths crypto_sig_pub_new would refuse are refused the same way, uncached. */
	if (pk.len == 0 || pk.len > CRYPTO_MAX_SIG_PK) return KENH_ERR(KENH_E_VERIFY);
	/* Import first: a key that is refused replaces no entry. */
	if ((rc = crypto_sig_pub_new(cs->sig, pk.p, pk.len, &pub)) != 0) return rc;
	e = &c->e[c->next];
	crypto_sig_pub_free(e->pub);
	e->pub = pub;
	memcpy(e->pk, pk.p, pk.len);
	e->pk_len = pk.len;
	c->next = (c->next + 1) % MLS_SIG_CACHE_SIZE;
	*out = e->pub;
	return 0;
}

void mls_sig_cache_clear(struct mls_sig_cache *c)
{
	size_t i;

	if (c == NULL) return;
	for (i = 0; i < MLS_SIG_CACHE_SIZE; i++)
		crypto_sig_pub_free(c->e[i].pub);
	memset(c, 0, sizeof(*c));
}

int mls_verify_with_label_cached(const struct crypto_suite *cs, struct mls_sig_cache *cache,
                                 struct kenh_span pk, struct kenh_span label,
                                 struct kenh_span content, struct kenh_span sig)
{
	const struct crypto_sig_pub *pub = NULL;
	struct codec_writer w;
	struct kenh_span tbs;
	int rc;

	if ((rc = encode_sign_content(&w, label, content)) != 0) goto out;
	tbs = codec_writer_span(&w);
	if (cache == NULL) {
		rc = crypto_sig_verify(cs->sig, pk.p, pk.len, tbs.p, tbs.len, sig.p, sig.len);
		goto out;
	}
	if ((rc = cache_lookup(cs, cache, pk, &pub)) != 0) goto out;
	rc = crypto_sig_verify_pub(pub, tbs.p, tbs.len, sig.p, sig.len);
out:
	codec_writer_clear(&w);
	return rc;
}

int mls_verify_with_label(const struct crypto_suite *cs, struct kenh_span pk,
                          struct kenh_span label, struct kenh_span content, struct kenh_span sig)
{
	return mls_verify_with_label_cached(cs, NULL, pk, label, content, sig);
}

/* The HPKE suite named by an MLS suite (RFC 9420 §5.1.3 uses the suite's KEM, KDF, AEAD). */
static int hpke_suite_of(const struct kenh_ctx *ctx, const struct crypto_suite *cs,
                         struct hpke_suite *out)
{
	return hpke_suite_init(ctx, cs->kem->id, cs->kdf->id, cs->aead->id, out);
}

int mls_encrypt_context_hash(const struct kenh_ctx *ctx, const struct crypto_suite *cs,
                             struct kenh_span label, struct kenh_span context, uint8_t *out)
{
	struct codec_writer w;
	struct hpke_suite suite;
	int rc;

	memset(out, 0, cs->kdf->nh);
	codec_writer_init(&w, MLS_LABELLED_MAX, CODEC_WRITER_NORMAL);
	if ((rc = hpke_suite_of(ctx, cs, &suite)) != 0) goto out;
	/* RFC 9420 §5.1.3: info = EncryptContext. */
	if ((rc = write_labelled(&w, label, context)) != 0) goto out;
	rc = hpke_info_hash(&suite, codec_writer_span(&w), out);
out:
	codec_writer_clear(&w);
	return rc;
}

int mls_encrypt_with_label(const struct kenh_ctx *ctx, const struct crypto_suite *cs,
                           const struct mls_encrypt_args *a, uint8_t *kem_output, uint8_t *ct)
{
	struct codec_writer w;
	struct hpke_suite suite;
	struct hpke_seal_base_args sa;
	int rc;

	memset(kem_output, 0, cs->kem->npk);
	codec_writer_init(&w, MLS_LABELLED_MAX, CODEC_WRITER_NORMAL);
	if ((rc = hpke_suite_of(ctx, cs, &suite)) != 0) goto out;
	memset(&sa, 0, sizeof(sa));
	/* RFC 9420 §5.1.3: info = EncryptContext (or its precomputed hash), aad = "". */
	if (a->info_hash != NULL) {
		sa.info_hash = a->info_hash;
	} else {
		if ((rc = write_labelled(&w, a->label, a->context)) != 0) goto out;
		sa.info = codec_writer_span(&w);
	}
	sa.pk_r = a->pk;
	sa.aad = span_make(NULL, 0);
	sa.pt = a->pt;
	rc = hpke_seal_base(&suite, &sa, kem_output, ct);
out:
	if (rc != 0) memset(kem_output, 0, cs->kem->npk);
	codec_writer_clear(&w);
	return rc;
}

int mls_decrypt_with_label(const struct kenh_ctx *ctx, const struct crypto_suite *cs,
                           const struct mls_decrypt_args *a, uint8_t *pt)
{
	struct codec_writer w;
	struct hpke_suite suite;
	struct hpke_open_base_args oa;
	int rc;

	codec_writer_init(&w, MLS_LABELLED_MAX, CODEC_WRITER_NORMAL);
	if ((rc = hpke_suite_of(ctx, cs, &suite)) != 0) goto out;
	if ((rc = write_labelled(&w, a->label, a->context)) != 0) goto out;
	memset(&oa, 0, sizeof(oa));
	oa.enc = a->kem_output;
	oa.sk_r = a->sk;
	oa.info = codec_writer_span(&w);
	oa.aad = span_make(NULL, 0);
	oa.ct = a->ct;
	rc = hpke_open_base(&suite, &oa, pt);
out:
	codec_writer_clear(&w);
	return rc;
}

int mls_derive_keypair(const struct kenh_ctx *ctx, const struct crypto_suite *cs,
                       const uint8_t *secret, uint8_t *sk, uint8_t *pk)
{
	struct hpke_suite suite;
	int rc;

	sec_zero(sk, cs->kem->nsk);
	memset(pk, 0, cs->kem->npk);
	if ((rc = hpke_suite_of(ctx, cs, &suite)) != 0) return rc;
	return hpke_derive_keypair(&suite, span_make(secret, cs->kdf->nh), sk, pk);
}

int mls_derive_node_keypair(const struct kenh_ctx *ctx, const struct crypto_suite *cs,
                            const uint8_t *path_secret, uint8_t *sk, uint8_t *pk)
{
	uint8_t node_secret[CRYPTO_MAX_HASH]; /* secret */
	int rc;

	sec_zero(sk, cs->kem->nsk);
	memset(pk, 0, cs->kem->npk);
	/* RFC 9420 §7.4: node_secret = DeriveSecret(path_secret, "node"). */
	if ((rc = mls_derive_secret(cs, path_secret, MLS_LABEL("node"), node_secret)) != 0)
		goto out;
	rc = mls_derive_keypair(ctx, cs, node_secret, sk, pk);
out:
	sec_zero(node_secret, sizeof(node_secret));
	return rc;
}
