/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * What a joiner receives (RFC 9420 §12.4.3): GroupInfo and GroupInfoTBS,
 * and the Welcome with its EncryptedGroupSecrets, plus the plaintext
 * GroupSecrets and PathSecret inside them (§12.4.3.1). The GroupSecrets
 * views point into a decrypted buffer that holds secrets; this file never
 * copies them, and wiping that buffer is its owner's job (STYLE R5.2).
 */
#include "mls/mls_wire.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/mls_wire_int.h"

int mls_decode_group_info(struct codec_reader *r, struct mls_group_info *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mls_decode_group_context(r, &out->group_context)) != 0 ||
	    (rc = mls_decode_extension_list(r, &out->extensions)) != 0)
		goto out;
	codec_read_opaque(r, LIMIT_HASH, &out->confirmation_tag);
	codec_read_u32(r, &out->signer);
	rc = codec_read_opaque(r, LIMIT_SIGNATURE, &out->signature);
out:
	if (rc != 0) mls_group_info_clear(out);
	return rc;
}

int mls_encode_group_info_tbs(struct codec_writer *w, const struct mls_group_info *in)
{
	int rc;

	if ((rc = mls_encode_group_context(w, &in->group_context)) != 0 ||
	    (rc = mls_encode_extension_list(w, &in->extensions)) != 0)
		return rc;
	codec_write_opaque(w, in->confirmation_tag.p, in->confirmation_tag.len);
	return codec_write_u32(w, in->signer);
}

int mls_encode_group_info(struct codec_writer *w, const struct mls_group_info *in)
{
	int rc;

	if ((rc = mls_encode_group_info_tbs(w, in)) != 0) return rc;
	return codec_write_opaque(w, in->signature.p, in->signature.len);
}

void mls_group_info_clear(struct mls_group_info *gi)
{
	mls_group_context_clear(&gi->group_context);
	mls_extension_list_clear(&gi->extensions);
	memset(gi, 0, sizeof(*gi));
}

int mls_decode_path_secret(struct codec_reader *r, struct mls_path_secret *out)
{
	return codec_read_opaque(r, LIMIT_HASH, &out->path_secret);
}

int mls_encode_path_secret(struct codec_writer *w, const struct mls_path_secret *in)
{
	return codec_write_opaque(w, in->path_secret.p, in->path_secret.len);
}

static int decode_psk_elem(struct codec_reader *r, void *elem)
{
	return mls_decode_pre_shared_key_id(r, elem);
}

static int encode_psk_elem(struct codec_writer *w, const void *elem)
{
	return mls_encode_pre_shared_key_id(w, elem);
}

static const struct mls_list_spec psk_list = {
	.elem_size = sizeof(struct mls_pre_shared_key_id),
	.max_bytes = LIMIT_STRUCT_VECTOR,
	.max_count = LIMIT_PSKS,
	.decode = decode_psk_elem,
	.encode = encode_psk_elem,
	.clear = NULL,
};

int mls_decode_group_secrets(struct codec_reader *r, struct mls_group_secrets *out)
{
	void *psks = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	codec_read_opaque(r, LIMIT_HASH, &out->joiner_secret);
	/* RFC 9420 §2.1.1: optional<PathSecret>. */
	if ((rc = codec_read_optional(r, &out->has_path_secret)) == 0 && out->has_path_secret)
		rc = mls_decode_path_secret(r, &out->path_secret);
	if (rc == 0) rc = mls_list_decode(r, &psk_list, &psks, &out->n_psks);
	if (rc != 0) {
		memset(out, 0, sizeof(*out));
		return rc;
	}
	out->psks = psks;
	return 0;
}

int mls_encode_group_secrets(struct codec_writer *w, const struct mls_group_secrets *in)
{
	int rc;

	codec_write_opaque(w, in->joiner_secret.p, in->joiner_secret.len);
	codec_write_optional(w, in->has_path_secret);
	if (in->has_path_secret && (rc = mls_encode_path_secret(w, &in->path_secret)) != 0)
		return rc;
	return mls_list_encode(w, &psk_list, in->psks, in->n_psks);
}

void mls_group_secrets_clear(struct mls_group_secrets *gs)
{
	mls_list_free(&psk_list, gs->psks, gs->n_psks);
	memset(gs, 0, sizeof(*gs));
}

int mls_decode_encrypted_group_secrets(struct codec_reader *r,
                                       struct mls_encrypted_group_secrets *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	codec_read_opaque(r, LIMIT_HASH, &out->new_member);
	if ((rc = mls_decode_hpke_ciphertext(r, &out->encrypted_group_secrets)) != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

int mls_encode_encrypted_group_secrets(struct codec_writer *w,
                                       const struct mls_encrypted_group_secrets *in)
{
	codec_write_opaque(w, in->new_member.p, in->new_member.len);
	return mls_encode_hpke_ciphertext(w, &in->encrypted_group_secrets);
}

static int decode_egs_elem(struct codec_reader *r, void *elem)
{
	return mls_decode_encrypted_group_secrets(r, elem);
}

static int encode_egs_elem(struct codec_writer *w, const void *elem)
{
	return mls_encode_encrypted_group_secrets(w, elem);
}

static const struct mls_list_spec egs_list = {
	.elem_size = sizeof(struct mls_encrypted_group_secrets),
	.max_bytes = LIMIT_STRUCT_VECTOR,
	.max_count = LIMIT_WELCOME_SECRETS,
	.decode = decode_egs_elem,
	.encode = encode_egs_elem,
	.clear = NULL,
};

int mls_decode_welcome(struct codec_reader *r, struct mls_welcome *out)
{
	void *secrets = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	codec_read_u16(r, &out->cipher_suite);
	if ((rc = mls_list_decode(r, &egs_list, &secrets, &out->n_secrets)) != 0) goto out;
	out->secrets = secrets;
	rc = codec_read_opaque(r, LIMIT_CIPHERTEXT, &out->encrypted_group_info);
out:
	if (rc != 0) mls_welcome_clear(out);
	return rc;
}

int mls_encode_welcome(struct codec_writer *w, const struct mls_welcome *in)
{
	int rc;

	codec_write_u16(w, in->cipher_suite);
	if ((rc = mls_list_encode(w, &egs_list, in->secrets, in->n_secrets)) != 0) return rc;
	return codec_write_opaque(w, in->encrypted_group_info.p, in->encrypted_group_info.len);
}

void mls_welcome_clear(struct mls_welcome *wm)
{
	mls_list_free(&egs_list, wm->secrets, wm->n_secrets);
	memset(wm, 0, sizeof(*wm));
}
