/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Fuzz target for the RFC 9420 wire codecs (lib/mls/wire_*.c, STYLE R6.5,
 * R17.8). The input is one MLSMessage (RFC 9420 §6). When it decodes, it
 * must re-encode to the same bytes, the measure writer must count the same
 * length, and the signing encoders (FramedContentTBS, KeyPackageTBS,
 * GroupInfoTBS, LeafNodeTBS) must succeed on it. The nested byte strings a
 * receiver parses next are fuzzed from the same input: a PrivateMessage's
 * ciphertext as PrivateMessageContent of its content type, and the data
 * of the extensions this layer understands (ratchet_tree, external_senders,
 * required_capabilities) wherever they appear; each must round-trip when
 * it decodes. After a failed decode the output struct must be all zeros.
 */
#include "fuzz.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/mls_wire.h"

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0) return false;
	return true;
}

/* The bytes w holds must be exactly want. */
static void check_same(const struct codec_writer *w, const uint8_t *want, size_t n)
{
	FUZZ_CHECK(codec_writer_err(w) == 0);
	FUZZ_CHECK(w->len == n);
	FUZZ_CHECK(n == 0 || memcmp(w->buf, want, n) == 0);
}

/* An encoder run on a value that decoded must succeed (into a scratch writer). */
static void check_encodes(int rc, struct codec_writer *w)
{
	FUZZ_CHECK(rc == 0);
	codec_writer_clear(w);
	codec_writer_init(w, LIMIT_RATCHET_TREE, CODEC_WRITER_MEASURE);
}

/* Extension data as the type's payload: decode, and if it is exactly one value, round-trip. */
static void fuzz_extension(const struct mls_extension *e)
{
	struct mls_ratchet_tree t;
	struct mls_external_senders es;
	struct mls_required_capabilities rq;
	struct codec_reader r;
	struct codec_writer w;
	int rc = -1;

	codec_reader_init(&r, e->extension_data.p, e->extension_data.len);
	codec_writer_init(&w, LIMIT_RATCHET_TREE, CODEC_WRITER_NORMAL);
	if (e->extension_type == MLS_EXT_RATCHET_TREE) {
		if ((rc = mls_decode_ratchet_tree(&r, &t)) == 0 && codec_reader_done(&r) == 0)
			FUZZ_CHECK(mls_encode_ratchet_tree(&w, &t) == 0);
	} else if (e->extension_type == MLS_EXT_EXTERNAL_SENDERS) {
		if ((rc = mls_decode_external_senders(&r, &es)) == 0 && codec_reader_done(&r) == 0)
			FUZZ_CHECK(mls_encode_external_senders(&w, &es) == 0);
		mls_external_senders_clear(&es);
	} else if (e->extension_type == MLS_EXT_REQUIRED_CAPABILITIES) {
		if ((rc = mls_decode_required_capabilities(&r, &rq)) == 0 &&
		    codec_reader_done(&r) == 0)
			FUZZ_CHECK(mls_encode_required_capabilities(&w, &rq) == 0);
		mls_required_capabilities_clear(&rq);
	}
	if (rc == 0 && codec_reader_done(&r) == 0)
		check_same(&w, e->extension_data.p, e->extension_data.len);
	codec_writer_clear(&w);
}

static void fuzz_extensions(const struct mls_extension_list *l)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		fuzz_extension(&l->items[i]);
}

/* RFC 9420 §6.3.1: the ciphertext bytes read as a plaintext of the message's content type. */
static void fuzz_private(const struct mls_private_message *pm)
{
	struct mls_private_message_content c;
	struct codec_reader r;
	struct codec_writer w;

	codec_reader_init(&r, pm->ciphertext.p, pm->ciphertext.len);
	if (mls_decode_private_message_content(&r, pm->content_type, &c) != 0) {
		FUZZ_CHECK(all_zero(&c, sizeof(c)));
		return;
	}
	FUZZ_CHECK(codec_reader_done(&r) == 0);
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	FUZZ_CHECK(mls_encode_private_message_content(&w, &c) == 0);
	check_same(&w, pm->ciphertext.p, pm->ciphertext.len);
	codec_writer_clear(&w);
	mls_private_message_content_clear(&c);
}

/* The signing encoders, the nested payloads, per wire format. */
static void fuzz_inner(const struct mls_message *m)
{
	static const uint8_t gid[] = { 0x42 };
	struct mls_group_context gc;
	struct codec_writer w;

	memset(&gc, 0, sizeof(gc));
	codec_writer_init(&w, LIMIT_RATCHET_TREE, CODEC_WRITER_MEASURE);
	switch (m->wire_format) {
	case MLS_WIRE_FORMAT_PUBLIC_MESSAGE:
		check_encodes(mls_encode_authenticated_content_tbm(&w, &m->u.public_message.content,
		                                                   &m->u.public_message.auth, &gc),
		              &w);
		break;
	case MLS_WIRE_FORMAT_PRIVATE_MESSAGE:
		check_encodes(mls_encode_private_content_aad(&w, &m->u.private_message), &w);
		fuzz_private(&m->u.private_message);
		break;
	case MLS_WIRE_FORMAT_WELCOME:
		break;
	case MLS_WIRE_FORMAT_GROUP_INFO:
		check_encodes(mls_encode_group_info_tbs(&w, &m->u.group_info), &w);
		fuzz_extensions(&m->u.group_info.extensions);
		fuzz_extensions(&m->u.group_info.group_context.extensions);
		break;
	case MLS_WIRE_FORMAT_KEY_PACKAGE:
		check_encodes(mls_encode_key_package_tbs(&w, &m->u.key_package), &w);
		check_encodes(mls_encode_leaf_node_tbs(&w, &m->u.key_package.leaf_node,
		                                       span_make(gid, sizeof(gid)), 1),
		              &w);
		break;
	}
	codec_writer_clear(&w);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mls_message m;
	struct codec_writer w, count;

	if (mls_message_parse(data, size, &m) != 0) {
		FUZZ_CHECK(all_zero(&m, sizeof(m)));
		return 0;
	}
	codec_writer_init(&w, size + 16, CODEC_WRITER_NORMAL);
	codec_writer_init(&count, size + 16, CODEC_WRITER_MEASURE);
	FUZZ_CHECK(mls_encode_message(&w, &m) == 0);
	FUZZ_CHECK(mls_encode_message(&count, &m) == 0);
	check_same(&w, data, size);
	FUZZ_CHECK(codec_writer_len(&count) == size);
	fuzz_inner(&m);
	codec_writer_clear(&w);
	codec_writer_clear(&count);
	mls_message_clear(&m);
	FUZZ_CHECK(all_zero(&m, sizeof(m)));
	return 0;
}
