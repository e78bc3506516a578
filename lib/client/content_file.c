/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * FileRef, the description of an encrypted file (docs/content.md): sent on
 * its own as file content, or attached to a directive or a report. It
 * carries what a recipient needs to fetch, decrypt and check the file
 * (client_filecrypt.h): the blob's name at the relay, the per-file key,
 * the chunk size, the plaintext size and its SHA-256.
 *
 *   struct {
 *       opaque blob_id<V>;        1..64
 *       opaque name<V>;           1..255, UTF-8, one line, no '/' or '\', not "." or ".."
 *       uint64 size;
 *       opaque media_type<V>;     0..127, printable ASCII "type/subtype"
 *       opaque key[32];
 *       uint32 chunk_size;        4096 .. 16 MiB
 *       opaque content_hash[32];
 *   } FileRef;
 */
#include "client/client_int.h"

#include "util/compat.h"

#include "client/client_content.h"
#include "codec/codec.h"

void client_file_decode(struct codec_reader *r, struct client_file *f)
{
	codec_read_opaque(r, CLIENT_MAX_BLOB_ID, &f->blob_id);
	codec_read_opaque(r, CLIENT_MAX_FILE_NAME, &f->name);
	codec_read_u64(r, &f->size);
	codec_read_opaque(r, CLIENT_MAX_MEDIA_TYPE, &f->media_type);
	codec_read_bytes(r, f->key, sizeof(f->key));
	codec_read_u32(r, &f->chunk_size);
	codec_read_bytes(r, f->hash, sizeof(f->hash));
}

void client_file_encode(struct codec_writer *w, const struct client_file *f)
{
	codec_write_opaque(w, f->blob_id.p, f->blob_id.len);
	codec_write_opaque(w, f->name.p, f->name.len);
	codec_write_u64(w, f->size);
	codec_write_opaque(w, f->media_type.p, f->media_type.len);
	codec_write_bytes(w, f->key, sizeof(f->key));
	codec_write_u32(w, f->chunk_size);
	codec_write_bytes(w, f->hash, sizeof(f->hash));
}

/* A file name a recipient can save under without surprise. */
static bool name_ok(struct kenh_span n)
{
	if (n.len == 0 || n.len > CLIENT_MAX_FILE_NAME) return false;
	if (!client_text_is_valid(n, false)) return false;
	if (memchr(n.p, '/', n.len) != NULL || memchr(n.p, '\\', n.len) != NULL) return false;
	return !(n.len == 1 && n.p[0] == '.') && !(n.len == 2 && n.p[0] == '.' && n.p[1] == '.');
}

/* Empty, or printable ASCII with exactly one '/' that is neither first nor last. */
static bool media_type_ok(struct kenh_span m)
{
	size_t i, slashes = 0;

	if (m.len == 0) return true;
	if (m.len > CLIENT_MAX_MEDIA_TYPE || m.p[0] == '/' || m.p[m.len - 1] == '/') return false;
	for (i = 0; i < m.len; i++) {
		if (m.p[i] <= 0x20 || m.p[i] >= 0x7f) return false;
		if (m.p[i] == '/') slashes++;
	}
	return slashes == 1;
}

int client_file_validate(const struct client_file *f)
{
	if (f->blob_id.len == 0 || f->blob_id.len > CLIENT_MAX_BLOB_ID)
		return KENH_ERR(KENH_E_PROTO);
	if (!name_ok(f->name) || !media_type_ok(f->media_type)) return KENH_ERR(KENH_E_PROTO);
	if (f->chunk_size < CLIENT_MIN_CHUNK || f->chunk_size > CLIENT_MAX_CHUNK)
		return KENH_ERR(KENH_E_PROTO);
	return 0;
}

void client_files_decode(struct codec_reader *r, struct client_file *files, size_t *n)
{
	struct codec_reader child;

	*n = 0;
	codec_read_vector(r, CLIENT_CONTENT_MAX, &child);
	while (codec_reader_remaining(&child) > 0) {
		if (*n == CLIENT_MAX_ATTACHMENTS) {
			codec_reader_fail(&child, KENH_ERR(KENH_E_TOO_LARGE));
			break;
		}
		client_file_decode(&child, &files[(*n)++]);
	}
	codec_reader_close_child(r, &child);
}

void client_files_encode(struct codec_writer *w, const struct client_file *files, size_t n)
{
	size_t mark = 0, i;

	codec_write_vector_begin(w, &mark);
	for (i = 0; i < n; i++)
		client_file_encode(w, &files[i]);
	codec_write_vector_end(w, mark);
}

int client_files_validate(const struct client_file *files, size_t n)
{
	size_t i;
	int rc;

	if (n > CLIENT_MAX_ATTACHMENTS) return KENH_ERR(KENH_E_PROTO);
	for (i = 0; i < n; i++) {
		if ((rc = client_file_validate(&files[i])) != 0) return rc;
	}
	return 0;
}
