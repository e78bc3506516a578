/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * RFC 9420 §12.4.3.1, the committer's side of a Welcome: the signed
 * GroupInfo encrypted with welcome_key and welcome_nonce, and for each new
 * member its GroupSecrets (joiner_secret, the path secret of its lowest
 * common ancestor with the committer, the PSK ids) sealed with
 * EncryptWithLabel under the init key of its KeyPackage, tagged with the
 * KeyPackageRef. Which path secret each member gets, and validating the
 * KeyPackages, is the group layer's work.
 */
#include "mls/framing.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/framing_int.h"
#include "util/mem.h"

/* What one member's entry needs to outlive the loop that builds it. */
struct member_box {
	uint8_t ref[CRYPTO_MAX_HASH];
	uint8_t kem_output[CRYPTO_MAX_KEM_PK];
	uint8_t *ct; /* owned */
};

/* Everything mls_welcome_create allocates. */
struct welcome_build {
	struct mls_welcome wm;
	struct member_box *boxes;
	uint8_t *egi; /* encrypted_group_info (owned) */
	size_t egi_len;
	/* The HPKE info_hash of EncryptContext("Welcome", egi), the same for every member. */
	uint8_t info_hash[CRYPTO_MAX_HASH];
	struct mls_pre_shared_key_id *psks; /* copy of the caller's ids (owned) */
};

static void welcome_build_clear(struct welcome_build *b, size_t n_members)
{
	size_t i;

	for (i = 0; b->boxes != NULL && i < n_members; i++)
		mem_free(b->boxes[i].ct);
	mem_free(b->boxes);
	mem_free(b->wm.secrets);
	mem_free(b->egi);
	mem_free(b->psks);
	memset(b, 0, sizeof(*b));
}

/* RFC 9420 §12.4.3.1: encrypted_group_info = AEAD.Seal(welcome_key, welcome_nonce, "", gi). */
static int seal_group_info(const struct mls_welcome_create_args *a, struct welcome_build *b)
{
	const struct crypto_aead *aead = a->cs->aead;
	uint8_t welcome_secret[CRYPTO_MAX_HASH]; /* secret */
	struct mls_key_nonce kn;                 /* secret */
	struct codec_writer w;
	struct kenh_span gi;
	void *buf = NULL;
	int rc;

	memset(&kn, 0, sizeof(kn));
	/* Room for the AEAD tag: encrypted_group_info must fit what joiners decode. */
	codec_writer_init(&w, LIMIT_CIPHERTEXT - CRYPTO_MAX_TAG, CODEC_WRITER_NORMAL);
	rc = mls_key_schedule_welcome(a->cs, a->joiner_secret, a->psk_secret, welcome_secret);
	if (rc != 0) goto out;
	if ((rc = mls_welcome_key_nonce(a->cs, welcome_secret, &kn)) != 0) goto out;
	if ((rc = mls_encode_group_info(&w, a->group_info)) != 0) goto out;
	gi = codec_writer_span(&w);
	if ((rc = size_add(gi.len, aead->nt, &b->egi_len)) != 0) goto out;
	if ((rc = mem_alloc(b->egi_len, &buf)) != 0) goto out;
	b->egi = buf;
	rc = crypto_aead_seal(aead, kn.key, kn.key_len, kn.nonce, kn.nonce_len, NULL, 0, gi.p,
	                      gi.len, b->egi);
out:
	sec_zero(welcome_secret, sizeof(welcome_secret));
	mls_key_nonce_clear(&kn);
	codec_writer_clear(&w);
	return rc;
}

/* The init key of an encoded KeyPackage of our suite (a view into kp_bytes). */
static int member_init_key(const struct crypto_suite *cs, struct kenh_span kp_bytes,
                           struct kenh_span *init_key)
{
	struct mls_key_package kp;
	struct codec_reader r;
	int rc;

	*init_key = span_make(NULL, 0);
	codec_reader_init(&r, kp_bytes.p, kp_bytes.len);
	if ((rc = mls_decode_key_package(&r, &kp)) != 0) return rc;
	if ((rc = codec_reader_done(&r)) == 0 && kp.cipher_suite != cs->id)
		rc = KENH_ERR(KENH_E_PROTO);
	if (rc == 0) *init_key = kp.init_key;
	mls_key_package_clear(&kp);
	return rc;
}

/* GroupSecrets (§12.4.3.1) for one member into the sensitive writer w. */
static int encode_group_secrets(const struct mls_welcome_create_args *a,
                                const struct mls_welcome_member *mb, struct welcome_build *b,
                                struct codec_writer *w)
{
	struct mls_group_secrets gs;

	memset(&gs, 0, sizeof(gs));
	gs.joiner_secret = span_make(a->joiner_secret, a->cs->kdf->nh);
	gs.has_path_secret = mb->path_secret.len != 0;
	gs.path_secret.path_secret = mb->path_secret;
	gs.psks = b->psks;
	gs.n_psks = a->n_psks;
	codec_writer_init(w, LIMIT_STRUCT_VECTOR, CODEC_WRITER_SENSITIVE);
	return mls_encode_group_secrets(w, &gs);
}

/*
 * One EncryptedGroupSecrets: new_member = KeyPackageRef, and
 * EncryptWithLabel(init_key, "Welcome", encrypted_group_info, GroupSecrets).
 */
static int seal_member(const struct mls_welcome_create_args *a, size_t i, struct welcome_build *b)
{
	const struct mls_welcome_member *mb = &a->members[i];
	struct mls_encrypted_group_secrets *egs = &b->wm.secrets[i];
	struct member_box *box = &b->boxes[i];
	struct mls_encrypt_args ea;
	struct codec_writer w;
	void *buf = NULL;
	int rc;

	codec_writer_init(&w, 0, CODEC_WRITER_SENSITIVE);
	memset(&ea, 0, sizeof(ea));
	if ((rc = member_init_key(a->cs, mb->key_package, &ea.pk)) != 0) goto out;
	if ((rc = mls_make_key_package_ref(a->cs, mb->key_package, box->ref)) != 0) goto out;
	if ((rc = encode_group_secrets(a, mb, b, &w)) != 0) goto out;
	/* EncryptWithLabel(init_key, "Welcome", encrypted_group_info, ...) through
	 * the hash of that context, computed once (mls_encrypt_context_hash). */
	ea.info_hash = b->info_hash;
	ea.pt = codec_writer_span(&w);
	if ((rc = mem_alloc(ea.pt.len + a->cs->aead->nt, &buf)) != 0) goto out;
	box->ct = buf;
	if ((rc = mls_encrypt_with_label(a->ctx, a->cs, &ea, box->kem_output, box->ct)) != 0)
		goto out;
	egs->new_member = span_make(box->ref, a->cs->kdf->nh);
	egs->encrypted_group_secrets.kem_output = span_make(box->kem_output, a->cs->kem->npk);
	egs->encrypted_group_secrets.ciphertext = span_make(box->ct, ea.pt.len + a->cs->aead->nt);
out:
	codec_writer_clear(&w);
	return rc;
}

static int check_create_args(const struct mls_welcome_create_args *a)
{
	const struct crypto_suite *cs = a->cs;
	size_t i;

	if (cs == NULL || a->joiner_secret == NULL || a->group_info == NULL ||
	    (a->members == NULL && a->n_members != 0) || (a->psks == NULL && a->n_psks != 0))
		return KENH_ERR(KENH_E_INVALID_ARG);
	if (a->n_members > LIMIT_WELCOME_SECRETS || a->n_psks > LIMIT_PSKS ||
	    cs->kem->npk > CRYPTO_MAX_KEM_PK || cs->kdf->nh > CRYPTO_MAX_HASH)
		return KENH_ERR(KENH_E_INVALID_ARG);
	for (i = 0; i < a->n_members; i++) {
		size_t ps = a->members[i].path_secret.len;
		if (ps != 0 && ps != cs->kdf->nh) return KENH_ERR(KENH_E_INVALID_ARG);
	}
	return 0;
}

static int alloc_build(const struct mls_welcome_create_args *a, struct welcome_build *b)
{
	void *p = NULL;
	int rc;

	if ((rc = mem_calloc(a->n_members, sizeof(*b->boxes), &p)) != 0) return rc;
	b->boxes = p;
	if ((rc = mem_calloc(a->n_members, sizeof(*b->wm.secrets), &p)) != 0) return rc;
	b->wm.secrets = p;
	b->wm.n_secrets = a->n_members;
	/* GroupSecrets wants a mutable array; the caller lent a const one. */
	if ((rc = mem_calloc(a->n_psks, sizeof(*b->psks), &p)) != 0) return rc;
	b->psks = p;
	if (a->n_psks != 0) memcpy(b->psks, a->psks, a->n_psks * sizeof(*b->psks));
	return 0;
}

int mls_welcome_create(const struct mls_welcome_create_args *a, uint8_t **out, size_t *outlen)
{
	struct welcome_build b;
	struct mls_message m;
	size_t i;
	int rc;

	*out = NULL;
	*outlen = 0;
	memset(&b, 0, sizeof(b));
	if ((rc = check_create_args(a)) != 0) return rc;
	if ((rc = alloc_build(a, &b)) != 0) goto out;
	if ((rc = seal_group_info(a, &b)) != 0) goto out;
	rc = mls_encrypt_context_hash(a->ctx, a->cs, MLS_LABEL("Welcome"),
	                              span_make(b.egi, b.egi_len), b.info_hash);
	if (rc != 0) goto out;
	for (i = 0; i < a->n_members && rc == 0; i++)
		rc = seal_member(a, i, &b);
	if (rc != 0) goto out;
	b.wm.cipher_suite = a->cs->id;
	b.wm.encrypted_group_info = span_make(b.egi, b.egi_len);
	memset(&m, 0, sizeof(m));
	m.version = MLS_VERSION_MLS10;
	m.wire_format = MLS_WIRE_FORMAT_WELCOME;
	m.u.welcome = b.wm;
	rc = mls_framing_message_encode(&m, out, outlen);
out:
	welcome_build_clear(&b, a->n_members);
	return rc;
}
