/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * RFC 9420 §13: Extension and Extension extensions<V>. Every extension type
 * decodes, known or unknown (GREASE values of §13.5 included): the data is
 * kept as an opaque view and re-encodes byte for byte. Parsing the data of
 * the extensions we understand is wire_ext_content.c's job; deciding
 * whether an unknown type is acceptable where it appears is validation's.
 */
#include "mls/mls_wire.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/mls_wire_int.h"

/*
 * The ratchet_tree extension (RFC 9420 §12.4.3.3) carries the whole public
 * tree, so it gets the tree's limit; every other extension is small.
 */
static size_t extension_data_limit(uint16_t type)
{
	return type == MLS_EXT_RATCHET_TREE ? LIMIT_RATCHET_TREE : LIMIT_EXTENSION_DATA;
}

int mls_decode_extension(struct codec_reader *r, struct mls_extension *out)
{
	memset(out, 0, sizeof(*out));
	codec_read_u16(r, &out->extension_type);
	codec_read_opaque(r, extension_data_limit(out->extension_type), &out->extension_data);
	if (codec_reader_err(r) != 0) memset(out, 0, sizeof(*out));
	return codec_reader_err(r);
}

int mls_encode_extension(struct codec_writer *w, const struct mls_extension *in)
{
	codec_write_u16(w, in->extension_type);
	codec_write_opaque(w, in->extension_data.p, in->extension_data.len);
	return codec_writer_err(w);
}

static int decode_elem(struct codec_reader *r, void *elem)
{
	return mls_decode_extension(r, elem);
}

static int encode_elem(struct codec_writer *w, const void *elem)
{
	return mls_encode_extension(w, elem);
}

static const struct mls_list_spec extension_list = {
	.elem_size = sizeof(struct mls_extension),
	.max_bytes = LIMIT_EXTENSION_LIST,
	.max_count = LIMIT_EXTENSIONS,
	.decode = decode_elem,
	.encode = encode_elem,
	.clear = NULL,
};

int mls_decode_extension_list(struct codec_reader *r, struct mls_extension_list *out)
{
	void *items = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = mls_list_decode(r, &extension_list, &items, &out->count)) != 0) return rc;
	out->items = items;
	return 0;
}

int mls_encode_extension_list(struct codec_writer *w, const struct mls_extension_list *in)
{
	return mls_list_encode(w, &extension_list, in->items, in->count);
}

void mls_extension_list_clear(struct mls_extension_list *l)
{
	mls_list_free(&extension_list, l->items, l->count);
	memset(l, 0, sizeof(*l));
}

const struct mls_extension *mls_extension_list_find(const struct mls_extension_list *l, uint16_t t)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (l->items[i].extension_type == t) return &l->items[i];
	return NULL;
}
