/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Files (DESIGN §4.6, docs/filecrypt.md): a file is encrypted in chunks
 * under a fresh per-file key (include/kenh/client.h), the chunks'
 * ciphertexts are uploaded back to back as one blob (BLOB_PUT, at most
 * 256 KiB per request; an interrupted upload resumes at the relay's
 * offset, docs/protocol.md), and the FileRef (blob id, key, size, chunk
 * size, content hash) travels inside the MLS message. Download fetches
 * each chunk (BLOB_GET), decrypts and checks it, and checks the content
 * hash at the end before the file is renamed into place.
 */
#include "kenh.h"

#include "util/compat.h"

#include <unistd.h>

#include "../common/cli.h"
#include "crypto/crypto.h"
#include "kenh/client.h"
#include "proto/proto.h"
#include "util/mem.h"

#define BLOB_ID_LEN 16

static int put_chunk(struct kenh_app *a, struct kenh_span id, uint64_t total, uint64_t off,
                     const uint8_t *ct, size_t len)
{
	struct proto_blob_put req = { id, total, off, span_make(ct, len) };
	struct proto_blob_put_resp resp;
	uint64_t detail = 0;
	int rc;

	rc = kenh_net_call(a, PROTO_BLOB_PUT, &proto_desc_blob_put, &req, &proto_desc_blob_put_resp,
	                   &resp, sizeof(resp), &detail);
	/* Resumed upload: the relay already holds this chunk. */
	if (rc == KENH_E_STATE && detail >= off + len) return 0;
	return rc;
}

static int seal_all(struct kenh_app *a, FILE *in, struct kenh_file *f, struct kenh_span id,
                    uint8_t *pt, uint8_t *ct)
{
	uint64_t i, n = kenh_file_chunks(f);
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		size_t len = kenh_file_chunk_len(f, i);

		if (fread(pt, 1, len, in) != len) return KENH_ERR(KENH_E_IO);
		if ((rc = kenh_file_seal_chunk(f, i, pt, len, ct)) == 0)
			rc = put_chunk(a, id, kenh_file_ct_size(f), kenh_file_ct_offset(f, i), ct,
			               len + KENH_FILE_TAG_LEN);
		if (isatty(2) && n > 1)
			fprintf(stderr, "\rupload %3u%%", (unsigned)((i + 1) * 100 / n));
	}
	if (isatty(2) && n > 1) fprintf(stderr, "\n");
	return rc;
}

int kenh_file_upload(struct kenh_app *a, const char *path, struct client_file *out,
                     uint8_t **blob_id)
{
	struct kenh_file *f = NULL;
	uint8_t *pt = NULL, *ct = NULL;
	const char *base = strrchr(path, '/');
	FILE *in;
	long size;
	int rc;

	*blob_id = NULL;
	if ((in = fopen(path, "rb")) == NULL) return KENH_ERR(KENH_E_NOT_FOUND);
	if (fseek(in, 0, SEEK_END) != 0 || (size = ftell(in)) <= 0 || fseek(in, 0, SEEK_SET) != 0) {
		fclose(in);
		return KENH_ERR(KENH_E_INVALID_ARG);
	}
	if ((rc = kenh_file_seal_new(a->ctx, (uint64_t)size, KENH_FILE_CHUNK, &f)) != 0 ||
	    (rc = sec_alloc(KENH_FILE_CHUNK, (void **)&pt)) != 0 ||
	    (rc = mem_alloc(KENH_FILE_CHUNK + KENH_FILE_TAG_LEN, (void **)&ct)) != 0 ||
	    (rc = mem_alloc(BLOB_ID_LEN, (void **)blob_id)) != 0 ||
	    (rc = crypto_random(a->ctx, *blob_id, BLOB_ID_LEN)) != 0)
		goto out;
	rc = seal_all(a, in, f, span_make(*blob_id, BLOB_ID_LEN), pt, ct);
	if (rc == 0) rc = kenh_file_finish(f, NULL, out->hash);
	if (rc == 0) {
		kenh_file_key(f, out->key);
		out->blob_id = span_make(*blob_id, BLOB_ID_LEN);
		out->name = span_make((const uint8_t *)(base ? base + 1 : path),
		                      strlen(base ? base + 1 : path));
		out->size = (uint64_t)size;
		out->chunk_size = KENH_FILE_CHUNK;
	}
out:
	fclose(in);
	if (pt != NULL) sec_free(pt, KENH_FILE_CHUNK);
	mem_free(ct);
	kenh_file_free(f);
	if (rc != 0) {
		mem_free(*blob_id);
		*blob_id = NULL;
	}
	return rc;
}

/* Read the ciphertext of one chunk (len bytes at off) from the blob. */
static int get_chunk(struct kenh_app *a, struct kenh_span id, uint64_t off, uint8_t *ct, size_t len)
{
	struct proto_blob_get req;
	struct proto_blob_get_resp resp;
	size_t got = 0;
	int rc;

	while (got < len) {
		req.blob_id = id;
		req.offset = off + got;
		req.max = (uint32_t)(len - got);
		if ((rc = kenh_net_call(a, PROTO_BLOB_GET, &proto_desc_blob_get, &req,
		                        &proto_desc_blob_get_resp, &resp, sizeof(resp), NULL)) != 0)
			return rc;
		if (resp.chunk.len == 0 || resp.chunk.len > len - got)
			return KENH_ERR(KENH_E_TRUNCATED);
		memcpy(ct + got, resp.chunk.p, resp.chunk.len);
		got += resp.chunk.len;
	}
	return 0;
}

static int open_all(struct kenh_app *a, const struct client_file *cf, struct kenh_file *f,
                    FILE *out, uint8_t *pt, uint8_t *ct)
{
	uint64_t i, n = kenh_file_chunks(f);
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		size_t len = kenh_file_chunk_len(f, i);

		if ((rc = get_chunk(a, cf->blob_id, kenh_file_ct_offset(f, i), ct,
		                    len + KENH_FILE_TAG_LEN)) != 0)
			break;
		if ((rc = kenh_file_open_chunk(f, i, ct, len + KENH_FILE_TAG_LEN, pt)) != 0) break;
		if (fwrite(pt, 1, len, out) != len) rc = KENH_ERR(KENH_E_IO);
	}
	return rc;
}

int kenh_file_download(struct kenh_app *a, const struct client_file *cf, const char *path)
{
	struct kenh_file *f = NULL;
	uint8_t *pt = NULL, *ct = NULL;
	char tmp[KENH_PATH_MAX];
	FILE *out = NULL;
	int rc;

	if (cf->chunk_size > KENH_FILE_MAX_CHUNK) return KENH_ERR(KENH_E_TOO_LARGE);
	if ((rc = cli_path(tmp, sizeof(tmp), "%s.part", path)) != 0) return rc;
	if ((rc = kenh_file_open_new(a->ctx, cf->key, cf->size, cf->chunk_size, &f)) != 0 ||
	    (rc = sec_alloc(cf->chunk_size, (void **)&pt)) != 0 ||
	    (rc = mem_alloc(cf->chunk_size + KENH_FILE_TAG_LEN, (void **)&ct)) != 0)
		goto out;
	if ((out = fopen(tmp, "wb")) == NULL) {
		rc = KENH_ERR(KENH_E_IO);
		goto out;
	}
	rc = open_all(a, cf, f, out, pt, ct);
	if (fclose(out) != 0 && rc == 0) rc = KENH_ERR(KENH_E_IO);
	/* The whole file must hash to the sender's value before it is shown. */
	if (rc == 0) rc = kenh_file_finish(f, cf->hash, NULL);
	if (rc == 0 && rename(tmp, path) != 0) rc = KENH_ERR(KENH_E_IO);
	if (rc != 0) (void)remove(tmp);
out:
	if (pt != NULL) sec_free(pt, cf->chunk_size);
	mem_free(ct);
	kenh_file_free(f);
	return rc;
}
