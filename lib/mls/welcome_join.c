/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * RFC 9420 §12.4.3.1, the joiner's side of a Welcome, as three steps and
 * one function running them in order: find and decrypt our GroupSecrets,
 * decrypt the GroupInfo with keys from joiner_secret and the PSK secret,
 * verify the GroupInfo's signature with the key the caller finds in the
 * tree, derive the epoch and check the confirmation tag. Checking the
 * tree itself, finding our leaf, the path secrets' keys and the
 * resumption-PSK epoch rules are the group layer's: the outputs carry
 * what it needs for that.
 */
#include "mls/framing.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/framing_int.h"
#include "util/log.h"
#include "util/mem.h"

void mls_welcome_secrets_clear(struct mls_welcome_secrets *s)
{
	if (s == NULL) return;
	mls_group_secrets_clear(&s->gs);
	sec_free(s->plain, s->plain_len);
	memset(s, 0, sizeof(*s));
}

void mls_joined_epoch_clear(struct mls_joined_epoch *e)
{
	if (e != NULL) sec_zero(e, sizeof(*e));
}

void mls_welcome_joined_clear(struct mls_welcome_joined *j)
{
	if (j == NULL) return;
	mls_welcome_secrets_clear(&j->secrets);
	mls_group_info_plain_clear(&j->group_info);
	mls_joined_epoch_clear(&j->epoch);
}

/* RFC 9420 §12.4.3.1: the entry whose new_member is our KeyPackageRef. */
static int find_entry(const struct mls_joiner *me, const struct mls_welcome *welcome,
                      const struct mls_encrypted_group_secrets **found)
{
	uint8_t ref[CRYPTO_MAX_HASH];
	struct kenh_span want;
	size_t i;
	int rc;

	*found = NULL;
	if ((rc = mls_make_key_package_ref(me->cs, me->key_package, ref)) != 0) return rc;
	want = span_make(ref, me->cs->kdf->nh);
	for (i = 0; i < welcome->n_secrets; i++) {
		if (span_eq(welcome->secrets[i].new_member, want)) {
			*found = &welcome->secrets[i];
			return 0;
		}
	}
	return KENH_ERR(KENH_E_NOT_FOUND);
}

/*
 * RFC 9420 §12.4.3.1: more than one resumption PSK of usage reinit or branch is an
 * error (whether we hold the PSKs is the resolver's question).
 */
static int check_psks(const struct mls_group_secrets *gs)
{
	size_t i, special = 0;

	for (i = 0; i < gs->n_psks; i++) {
		const struct mls_pre_shared_key_id *id = &gs->psks[i];
		if (id->psktype == MLS_PSK_RESUMPTION && id->usage != MLS_RESUMPTION_APPLICATION)
			special++;
	}
	return special > 1 ? KENH_ERR(KENH_E_PROTO) : 0;
}

/* Decode GroupSecrets from s->plain and check the secrets' lengths. */
static int decode_secrets(const struct crypto_suite *cs, struct mls_welcome_secrets *s)
{
	struct codec_reader r;
	int rc;

	codec_reader_init(&r, s->plain, s->plain_len);
	if ((rc = mls_decode_group_secrets(&r, &s->gs)) != 0) return rc;
	if ((rc = codec_reader_done(&r)) != 0) return rc;
	if (s->gs.joiner_secret.len != cs->kdf->nh) return KENH_ERR(KENH_E_PROTO);
	if (s->gs.has_path_secret && s->gs.path_secret.path_secret.len != cs->kdf->nh)
		return KENH_ERR(KENH_E_PROTO);
	return check_psks(&s->gs);
}

int mls_welcome_open_secrets(const struct kenh_ctx *ctx, const struct mls_joiner *me,
                             const struct mls_welcome *welcome, struct mls_welcome_secrets *out)
{
	const struct mls_encrypted_group_secrets *egs;
	struct mls_welcome_secrets s;
	struct mls_decrypt_args da;
	void *buf = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&s, 0, sizeof(s));
	if (me->cs == NULL || me->init_sk.len != me->cs->kem->nsk || me->key_package.len < 4 ||
	    load_be16(me->key_package.p + 2) != me->cs->id)
		return KENH_ERR(KENH_E_INVALID_ARG);
	/* RFC 9420 §12.4.3.1: the Welcome's suite MUST be the KeyPackage's. */
	if (welcome->cipher_suite != me->cs->id) return KENH_ERR(KENH_E_PROTO);
	if ((rc = find_entry(me, welcome, &egs)) != 0) return rc;
	memset(&da, 0, sizeof(da));
	da.sk = me->init_sk;
	da.label = MLS_LABEL("Welcome");
	da.context = welcome->encrypted_group_info;
	da.kem_output = egs->encrypted_group_secrets.kem_output;
	da.ct = egs->encrypted_group_secrets.ciphertext;
	if (da.ct.len < me->cs->aead->nt) return KENH_ERR(KENH_E_DECRYPT);
	if ((rc = sec_alloc(da.ct.len - me->cs->aead->nt, &buf)) != 0) return rc;
	s.plain = buf;
	s.plain_len = da.ct.len - me->cs->aead->nt;
	/* group_secrets = DecryptWithLabel(init_key_priv, "Welcome", encrypted_group_info, ...). */
	if ((rc = mls_decrypt_with_label(ctx, me->cs, &da, s.plain)) == 0)
		rc = decode_secrets(me->cs, &s);
	if (rc != 0) {
		mls_welcome_secrets_clear(&s);
		return rc;
	}
	*out = s;
	return 0;
}

/* RFC 9420 §12.4.3.1: welcome_key and welcome_nonce from joiner_secret and psk_secret. */
static int welcome_key(const struct crypto_suite *cs, const uint8_t *joiner_secret,
                       const uint8_t *psk_secret, struct mls_key_nonce *kn)
{
	uint8_t welcome_secret[CRYPTO_MAX_HASH]; /* secret */
	int rc;

	rc = mls_key_schedule_welcome(cs, joiner_secret, psk_secret, welcome_secret);
	if (rc == 0) rc = mls_welcome_key_nonce(cs, welcome_secret, kn);
	sec_zero(welcome_secret, sizeof(welcome_secret));
	return rc;
}

int mls_welcome_open_group_info(const struct crypto_suite *cs, const struct mls_welcome *welcome,
                                const uint8_t *joiner_secret, const uint8_t *psk_secret,
                                struct mls_group_info_plain *out)
{
	struct kenh_span egi = welcome->encrypted_group_info;
	struct mls_group_info_plain p;
	struct mls_key_nonce kn; /* secret */
	struct codec_reader r;
	void *buf = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&p, 0, sizeof(p));
	memset(&kn, 0, sizeof(kn));
	if (cs == NULL || joiner_secret == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if (egi.len < cs->aead->nt) return KENH_ERR(KENH_E_DECRYPT);
	if ((rc = welcome_key(cs, joiner_secret, psk_secret, &kn)) != 0) goto out;
	if ((rc = mem_alloc(egi.len - cs->aead->nt, &buf)) != 0) goto out;
	p.bytes = buf;
	p.len = egi.len - cs->aead->nt;
	rc = crypto_aead_open(cs->aead, kn.key, kn.key_len, kn.nonce, kn.nonce_len, NULL, 0, egi.p,
	                      egi.len, p.bytes);
	if (rc != 0) goto out;
	codec_reader_init(&r, p.bytes, p.len);
	if ((rc = mls_decode_group_info(&r, &p.gi)) == 0) rc = codec_reader_done(&r);
out:
	mls_key_nonce_clear(&kn);
	if (rc != 0) {
		mls_group_info_plain_clear(&p);
		return rc;
	}
	*out = p;
	return 0;
}

int mls_welcome_epoch(const struct crypto_suite *cs, const uint8_t *joiner_secret,
                      const uint8_t *psk_secret, const struct mls_group_info *gi,
                      struct mls_joined_epoch *out)
{
	struct kenh_span cth = gi->group_context.confirmed_transcript_hash;
	struct mls_joined_epoch e;
	struct codec_writer w;
	int rc;

	mls_joined_epoch_clear(out);
	memset(&e, 0, sizeof(e));
	if (cs == NULL || joiner_secret == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	codec_writer_init(&w, MLS_LABELLED_MAX, CODEC_WRITER_NORMAL);
	if ((rc = mls_encode_group_context(&w, &gi->group_context)) != 0) goto out;
	/* RFC 9420 §12.4.3.1: the epoch secrets from joiner_secret (and the PSKs). */
	rc = mls_key_schedule_epoch(cs, joiner_secret, psk_secret, codec_writer_span(&w),
	                            &e.secrets);
	if (rc != 0) goto out;
	/* RFC 9420 §9.2: the joiner and welcome secrets are consumed once the epoch exists. */
	mls_epoch_secrets_drop_joiner(&e.secrets);
	/* RFC 9420 §12.4.3.1: verify the confirmation tag with the derived confirmation key. */
	rc = mls_confirmation_tag_verify(cs, e.secrets.confirmation_key, cth, gi->confirmation_tag);
	if (rc != 0) goto out;
	/* RFC 9420 §12.4.3.1: the interim transcript hash from the confirmed one and the tag. */
	e.nh = cs->kdf->nh;
	rc = mls_interim_transcript_hash(cs, cth, gi->confirmation_tag, e.interim_transcript_hash);
out:
	codec_writer_clear(&w);
	if (rc == 0) *out = e;
	mls_joined_epoch_clear(&e);
	return rc;
}

/* PSK secret for the Welcome's PSKs, into psk (Nh bytes); *use is NULL without PSKs. */
static int resolve_psks(const struct mls_welcome_join_args *a, const struct mls_group_secrets *gs,
                        uint8_t *psk, const uint8_t **use)
{
	int rc;

	*use = NULL;
	if (gs->n_psks == 0) return 0;
	/* RFC 9420 §12.4.3.1: a PSK we do not hold is an error. */
	if (a->psk_secret == NULL) return KENH_ERR(KENH_E_NOT_FOUND);
	if ((rc = a->psk_secret(a->psk_arg, gs->psks, gs->n_psks, psk)) != 0) return rc;
	*use = psk;
	return 0;
}

/* RFC 9420 §12.4.3.1: verify the GroupInfo's signature with the signer's leaf key. */
static int verify_group_info(const struct mls_welcome_join_args *a, const struct mls_group_info *gi)
{
	struct kenh_span key;
	int rc;

	if (a->signer_key == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = a->signer_key(a->signer_arg, gi, &key)) != 0) return rc;
	return mls_group_info_verify(a->me.cs, gi, key);
}

int mls_welcome_join(const struct mls_welcome_join_args *a, struct mls_welcome_joined *out)
{
	uint8_t psk[CRYPTO_MAX_HASH]; /* secret */
	const uint8_t *use = NULL, *joiner;
	struct mls_welcome_joined j;
	const char *stage = "secrets";
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&j, 0, sizeof(j));
	if ((rc = mls_welcome_open_secrets(a->ctx, &a->me, a->welcome, &j.secrets)) != 0) goto out;
	joiner = j.secrets.gs.joiner_secret.p;
	stage = "psks";
	if ((rc = resolve_psks(a, &j.secrets.gs, psk, &use)) != 0) goto out;
	stage = "group info";
	rc = mls_welcome_open_group_info(a->me.cs, a->welcome, joiner, use, &j.group_info);
	if (rc != 0) goto out;
	stage = "signature";
	if ((rc = verify_group_info(a, &j.group_info.gi)) != 0) goto out;
	stage = "epoch";
	rc = mls_welcome_epoch(a->me.cs, joiner, use, &j.group_info.gi, &j.epoch);
out:
	sec_zero(psk, sizeof(psk));
	if (rc != 0) {
		log_debug_r(a->ctx, rc, "Welcome rejected at %s", stage);
		mls_welcome_joined_clear(&j);
		return rc;
	}
	*out = j;
	return 0;
}
