/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Runner for mls/messages.json: every struct family of RFC 9420 must
 * decode and re-encode to the same bytes. Each case holds one hex value
 * per field; MLSMessage-wrapped fields (welcome, group info, key package,
 * public and private messages) must also carry the expected wire format,
 * and the public messages the expected content type. A case passes only
 * if every field round-trips with nothing left over.
 */
#include "kat.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/mls_wire.h"
#include "testutil.h"

/* Decode one value from r, encode it to w; 0 or a KENH_E_* code. */
typedef int roundtrip_fn(struct codec_reader *r, struct codec_writer *w);

/* An MLSMessage whose wire format (and, if set, content type) must match. */
static int roundtrip_message(struct codec_reader *r, struct codec_writer *w,
                             enum mls_wire_format wf, enum mls_content_type ct)
{
	struct mls_message m;
	int rc;

	if ((rc = mls_decode_message(r, &m)) != 0) return rc;
	if (m.wire_format != wf) rc = KENH_E_PROTO;
	if (rc == 0 && ct != 0 && m.u.public_message.content.content_type != ct) rc = KENH_E_PROTO;
	if (rc == 0) rc = mls_encode_message(w, &m);
	mls_message_clear(&m);
	return rc;
}

static int rt_welcome(struct codec_reader *r, struct codec_writer *w)
{
	return roundtrip_message(r, w, MLS_WIRE_FORMAT_WELCOME, 0);
}

static int rt_group_info(struct codec_reader *r, struct codec_writer *w)
{
	return roundtrip_message(r, w, MLS_WIRE_FORMAT_GROUP_INFO, 0);
}

static int rt_key_package(struct codec_reader *r, struct codec_writer *w)
{
	return roundtrip_message(r, w, MLS_WIRE_FORMAT_KEY_PACKAGE, 0);
}

static int rt_pub_application(struct codec_reader *r, struct codec_writer *w)
{
	return roundtrip_message(r, w, MLS_WIRE_FORMAT_PUBLIC_MESSAGE, MLS_CONTENT_APPLICATION);
}

static int rt_pub_proposal(struct codec_reader *r, struct codec_writer *w)
{
	return roundtrip_message(r, w, MLS_WIRE_FORMAT_PUBLIC_MESSAGE, MLS_CONTENT_PROPOSAL);
}

static int rt_pub_commit(struct codec_reader *r, struct codec_writer *w)
{
	return roundtrip_message(r, w, MLS_WIRE_FORMAT_PUBLIC_MESSAGE, MLS_CONTENT_COMMIT);
}

static int rt_private(struct codec_reader *r, struct codec_writer *w)
{
	return roundtrip_message(r, w, MLS_WIRE_FORMAT_PRIVATE_MESSAGE, 0);
}

static int rt_tree(struct codec_reader *r, struct codec_writer *w)
{
	struct mls_ratchet_tree t;
	int rc;

	if ((rc = mls_decode_ratchet_tree(r, &t)) != 0) return rc;
	return mls_encode_ratchet_tree(w, &t);
}

static int rt_group_secrets(struct codec_reader *r, struct codec_writer *w)
{
	struct mls_group_secrets gs;
	int rc;

	if ((rc = mls_decode_group_secrets(r, &gs)) != 0) return rc;
	rc = mls_encode_group_secrets(w, &gs);
	mls_group_secrets_clear(&gs);
	return rc;
}

static int rt_add(struct codec_reader *r, struct codec_writer *w)
{
	struct mls_add p;
	int rc;

	if ((rc = mls_decode_add(r, &p)) != 0) return rc;
	rc = mls_encode_add(w, &p);
	mls_add_clear(&p);
	return rc;
}

static int rt_update(struct codec_reader *r, struct codec_writer *w)
{
	struct mls_update p;
	int rc;

	if ((rc = mls_decode_update(r, &p)) != 0) return rc;
	rc = mls_encode_update(w, &p);
	mls_update_clear(&p);
	return rc;
}

static int rt_remove(struct codec_reader *r, struct codec_writer *w)
{
	struct mls_remove p;
	int rc;

	if ((rc = mls_decode_remove(r, &p)) != 0) return rc;
	return mls_encode_remove(w, &p);
}

static int rt_psk(struct codec_reader *r, struct codec_writer *w)
{
	struct mls_pre_shared_key p;
	int rc;

	if ((rc = mls_decode_pre_shared_key(r, &p)) != 0) return rc;
	return mls_encode_pre_shared_key(w, &p);
}

static int rt_reinit(struct codec_reader *r, struct codec_writer *w)
{
	struct mls_reinit p;
	int rc;

	if ((rc = mls_decode_reinit(r, &p)) != 0) return rc;
	rc = mls_encode_reinit(w, &p);
	mls_reinit_clear(&p);
	return rc;
}

static int rt_external_init(struct codec_reader *r, struct codec_writer *w)
{
	struct mls_external_init p;
	int rc;

	if ((rc = mls_decode_external_init(r, &p)) != 0) return rc;
	return mls_encode_external_init(w, &p);
}

static int rt_gce(struct codec_reader *r, struct codec_writer *w)
{
	struct mls_group_context_extensions p;
	int rc;

	if ((rc = mls_decode_group_context_extensions(r, &p)) != 0) return rc;
	rc = mls_encode_group_context_extensions(w, &p);
	mls_group_context_extensions_clear(&p);
	return rc;
}

static int rt_commit(struct codec_reader *r, struct codec_writer *w)
{
	struct mls_commit c;
	int rc;

	if ((rc = mls_decode_commit(r, &c)) != 0) return rc;
	rc = mls_encode_commit(w, &c);
	mls_commit_clear(&c);
	return rc;
}

struct field {
	const char *name;
	roundtrip_fn *rt;
};

/* The 17 fields of a messages.json case (mls-implementations test-vectors.md). */
static const struct field fields[] = {
	{ "mls_welcome", rt_welcome },
	{ "mls_group_info", rt_group_info },
	{ "mls_key_package", rt_key_package },
	{ "ratchet_tree", rt_tree },
	{ "group_secrets", rt_group_secrets },
	{ "add_proposal", rt_add },
	{ "update_proposal", rt_update },
	{ "remove_proposal", rt_remove },
	{ "pre_shared_key_proposal", rt_psk },
	{ "re_init_proposal", rt_reinit },
	{ "external_init_proposal", rt_external_init },
	{ "group_context_extensions_proposal", rt_gce },
	{ "commit", rt_commit },
	{ "public_message_application", rt_pub_application },
	{ "public_message_proposal", rt_pub_proposal },
	{ "public_message_commit", rt_pub_commit },
	{ "private_message", rt_private },
};

/* Round-trip one field; returns NULL or why it failed (why_buf holds the text). */
static const char *check_field(const json_t *tc, const struct field *f, char *why_buf,
                               size_t why_len)
{
	struct codec_reader r;
	struct codec_writer w;
	struct tu_bytes in = { NULL, 0 };
	struct kenh_span out;
	int rc;

	if (!tu_json_hex(tc, f->name, &in)) {
		snprintf(why_buf, why_len, "%s: missing or not hex", f->name);
		return why_buf;
	}
	codec_reader_init(&r, in.p, in.len);
	codec_writer_init(&w, LIMIT_RATCHET_TREE + 16, CODEC_WRITER_NORMAL);
	rc = f->rt(&r, &w);
	if (rc == 0) rc = codec_reader_done(&r);
	out = codec_writer_span(&w);
	if (rc != 0)
		snprintf(why_buf, why_len, "%s: %s", f->name, kenh_strerror(rc));
	else if (!tu_bytes_eq(f->name, out.p, out.len, in.p, in.len))
		snprintf(why_buf, why_len, "%s: re-encoding differs", f->name);
	else
		why_buf[0] = '\0';
	codec_writer_clear(&w);
	tu_bytes_free(&in);
	return why_buf[0] != '\0' ? why_buf : NULL;
}

void kat_mls_messages(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	const char *file = "messages.json", *why;
	char buf[160];
	const json_t *tc;
	size_t i, k;

	(void)ctx;
	if (!json_is_array(root)) {
		kat_result(c, file, 0, 0, "top level is not an array");
		return;
	}
	json_array_foreach(root, i, tc)
	{
		why = NULL;
		for (k = 0; k < ARRAY_LEN(fields) && why == NULL; k++)
			why = check_field(tc, &fields[k], buf, sizeof(buf));
		kat_result(c, file, i, why == NULL, why);
	}
}
