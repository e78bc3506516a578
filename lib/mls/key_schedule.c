/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The MLS key schedule (RFC 9420 §8): joiner_secret from the previous
 * init_secret, the commit_secret and the new GroupContext; the member
 * secret with psk_secret; welcome_secret; epoch_secret and the secrets of
 * the §8 table; init_secret for the next epoch; the external key pair
 * (§8); MLS-Exporter (§8.5); and the Welcome's GroupInfo key and nonce
 * (§12.4.3.1). The GroupContext arrives serialized, so this file needs no
 * wire struct. psk_secret itself is psk.c's; transcript hashes are
 * transcript.c's.
 */
#include "mls/mls_keys.h"

#include "util/compat.h"

#include "util/mem.h"

void mls_epoch_secrets_clear(struct mls_epoch_secrets *es)
{
	if (es != NULL) sec_zero(es, sizeof(*es));
}

void mls_epoch_secrets_drop_joiner(struct mls_epoch_secrets *es)
{
	sec_zero(es->joiner_secret, sizeof(es->joiner_secret));
	sec_zero(es->welcome_secret, sizeof(es->welcome_secret));
}

int mls_key_schedule_joiner(const struct crypto_suite *cs, const uint8_t *init_secret,
                            const uint8_t *commit_secret, struct kenh_span group_context,
                            uint8_t *joiner_secret)
{
	uint8_t prk[CRYPTO_MAX_HASH]; /* secret */
	size_t nh = cs->kdf->nh;
	int rc;

	sec_zero(joiner_secret, nh);
	/* RFC 9420 §8: Extract takes init_secret_[n-1] as salt and commit_secret as IKM. */
	if ((rc = crypto_hkdf_extract(cs->kdf, init_secret, nh, commit_secret, nh, prk)) != 0)
		goto out;
	rc = mls_expand_with_label(cs, prk, MLS_LABEL("joiner"), group_context, joiner_secret, nh);
out:
	sec_zero(prk, sizeof(prk));
	return rc;
}

/* §8: member secret = KDF.Extract(salt = joiner_secret, ikm = psk_secret or 0). */
static int member_secret(const struct crypto_suite *cs, const uint8_t *joiner_secret,
                         const uint8_t *psk_secret, uint8_t *out)
{
	static const uint8_t zero[CRYPTO_MAX_HASH];
	size_t nh = cs->kdf->nh;

	return crypto_hkdf_extract(cs->kdf, joiner_secret, nh,
	                           psk_secret != NULL ? psk_secret : zero, nh, out);
}

int mls_key_schedule_welcome(const struct crypto_suite *cs, const uint8_t *joiner_secret,
                             const uint8_t *psk_secret, uint8_t *welcome_secret)
{
	uint8_t member[CRYPTO_MAX_HASH]; /* secret */
	int rc;

	sec_zero(welcome_secret, cs->kdf->nh);
	if ((rc = member_secret(cs, joiner_secret, psk_secret, member)) != 0) goto out;
	rc = mls_derive_secret(cs, member, MLS_LABEL("welcome"), welcome_secret);
out:
	sec_zero(member, sizeof(member));
	return rc;
}

/* One row of the "Epoch-Derived Secrets" table of RFC 9420 §8. */
struct epoch_label {
	const char *label;
	size_t offset; /* of the field in struct mls_epoch_secrets */
};

static const struct epoch_label epoch_labels[] = {
	{ "sender data", offsetof(struct mls_epoch_secrets, sender_data_secret) },
	{ "encryption", offsetof(struct mls_epoch_secrets, encryption_secret) },
	{ "exporter", offsetof(struct mls_epoch_secrets, exporter_secret) },
	{ "external", offsetof(struct mls_epoch_secrets, external_secret) },
	{ "confirm", offsetof(struct mls_epoch_secrets, confirmation_key) },
	{ "membership", offsetof(struct mls_epoch_secrets, membership_key) },
	{ "resumption", offsetof(struct mls_epoch_secrets, resumption_psk) },
	{ "authentication", offsetof(struct mls_epoch_secrets, epoch_authenticator) },
	{ "init", offsetof(struct mls_epoch_secrets, init_secret) },
};

/* Every DeriveSecret(epoch_secret, <label>) of §8, and init_secret_[n]. */
static int derive_epoch_table(const struct crypto_suite *cs, const uint8_t *epoch_secret,
                              struct mls_epoch_secrets *out)
{
	size_t i;
	int rc;

	for (i = 0; i < ARRAY_LEN(epoch_labels); i++) {
		const char *l = epoch_labels[i].label;
		uint8_t *field = (uint8_t *)out + epoch_labels[i].offset;

		rc = mls_derive_secret(cs, epoch_secret, span_make((const uint8_t *)l, strlen(l)),
		                       field);
		if (rc != 0) return rc;
	}
	return 0;
}

int mls_key_schedule_epoch(const struct crypto_suite *cs, const uint8_t *joiner_secret,
                           const uint8_t *psk_secret, struct kenh_span group_context,
                           struct mls_epoch_secrets *out)
{
	uint8_t member[CRYPTO_MAX_HASH]; /* secret */
	uint8_t epoch[CRYPTO_MAX_HASH];  /* secret */
	size_t nh = cs->kdf->nh;
	int rc;

	mls_epoch_secrets_clear(out);
	if ((rc = member_secret(cs, joiner_secret, psk_secret, member)) != 0) goto out;
	if ((rc = mls_derive_secret(cs, member, MLS_LABEL("welcome"), out->welcome_secret)) != 0)
		goto out;
	rc = mls_expand_with_label(cs, member, MLS_LABEL("epoch"), group_context, epoch, nh);
	if (rc != 0) goto out;
	if ((rc = derive_epoch_table(cs, epoch, out)) != 0) goto out;
	memcpy(out->joiner_secret, joiner_secret, nh);
	out->nh = nh;
out:
	/* §9.2: the member and epoch secrets are consumed by the derivations above. */
	sec_zero(member, sizeof(member));
	sec_zero(epoch, sizeof(epoch));
	if (rc != 0) mls_epoch_secrets_clear(out);
	return rc;
}

int mls_welcome_key_nonce(const struct crypto_suite *cs, const uint8_t *welcome_secret,
                          struct mls_key_nonce *out)
{
	int rc;

	mls_key_nonce_clear(out);
	/* RFC 9420 §12.4.3.1: welcome_key and welcome_nonce, with an empty context. */
	rc = mls_expand_with_label(cs, welcome_secret, MLS_LABEL("key"), span_make(NULL, 0),
	                           out->key, cs->aead->nk);
	if (rc == 0)
		rc = mls_expand_with_label(cs, welcome_secret, MLS_LABEL("nonce"),
		                           span_make(NULL, 0), out->nonce, cs->aead->nn);
	if (rc != 0) {
		mls_key_nonce_clear(out);
		return rc;
	}
	out->key_len = cs->aead->nk;
	out->nonce_len = cs->aead->nn;
	return 0;
}

int mls_exporter(const struct crypto_suite *cs, const uint8_t *exporter_secret,
                 struct kenh_span label, struct kenh_span context, uint8_t *out, size_t outlen)
{
	uint8_t derived[CRYPTO_MAX_HASH]; /* secret */
	uint8_t ctx_hash[CRYPTO_MAX_HASH];
	int rc;

	if (outlen != 0) sec_zero(out, outlen);
	/* RFC 9420 §8.5: ExpandWithLabel(DeriveSecret(exporter_secret, Label), "exported",
	 * Hash(Context), Length). */
	if ((rc = mls_derive_secret(cs, exporter_secret, label, derived)) != 0) goto out;
	if ((rc = crypto_hash(cs->kdf, context.p, context.len, ctx_hash)) != 0) goto out;
	rc = mls_expand_with_label(cs, derived, MLS_LABEL("exported"),
	                           span_make(ctx_hash, cs->kdf->nh), out, outlen);
out:
	sec_zero(derived, sizeof(derived));
	return rc;
}

int mls_external_keypair(const struct kenh_ctx *ctx, const struct crypto_suite *cs,
                         const uint8_t *external_secret, uint8_t *sk, uint8_t *pk)
{
	uint8_t tmp[CRYPTO_MAX_KEM_SK]; /* secret */
	int rc;

	/* RFC 9420 §8: external_priv, external_pub = KEM.DeriveKeyPair(external_secret). */
	rc = mls_derive_keypair(ctx, cs, external_secret, sk != NULL ? sk : tmp, pk);
	sec_zero(tmp, sizeof(tmp));
	return rc;
}
