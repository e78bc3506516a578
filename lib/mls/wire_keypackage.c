/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * RFC 9420 §10: KeyPackage, and KeyPackageTBS, the part that
 * SignWithLabel("KeyPackageTBS") covers. Version, suite and lifetime
 * checks are KeyPackage validation (§10.1), not done here.
 */
#include "mls/mls_wire.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/mls_wire_int.h"

int mls_decode_key_package(struct codec_reader *r, struct mls_key_package *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	codec_read_u16(r, &out->version);
	codec_read_u16(r, &out->cipher_suite);
	codec_read_opaque(r, LIMIT_PUBLIC_KEY, &out->init_key);
	if ((rc = mls_decode_leaf_node(r, &out->leaf_node)) != 0 ||
	    (rc = mls_decode_extension_list(r, &out->extensions)) != 0)
		goto out;
	rc = codec_read_opaque(r, LIMIT_SIGNATURE, &out->signature);
out:
	if (rc != 0) mls_key_package_clear(out);
	return rc;
}

int mls_encode_key_package_tbs(struct codec_writer *w, const struct mls_key_package *in)
{
	int rc;

	codec_write_u16(w, in->version);
	codec_write_u16(w, in->cipher_suite);
	codec_write_opaque(w, in->init_key.p, in->init_key.len);
	if ((rc = mls_encode_leaf_node(w, &in->leaf_node)) != 0) return rc;
	return mls_encode_extension_list(w, &in->extensions);
}

int mls_encode_key_package(struct codec_writer *w, const struct mls_key_package *in)
{
	int rc;

	if ((rc = mls_encode_key_package_tbs(w, in)) != 0) return rc;
	return codec_write_opaque(w, in->signature.p, in->signature.len);
}

void mls_key_package_clear(struct mls_key_package *kp)
{
	mls_leaf_node_clear(&kp->leaf_node);
	mls_extension_list_clear(&kp->extensions);
	memset(kp, 0, sizeof(*kp));
}

size_t mls_key_package_owned(const struct mls_key_package *kp)
{
	return mls_leaf_node_owned(&kp->leaf_node) +
	       kp->extensions.count * sizeof(struct mls_extension);
}
