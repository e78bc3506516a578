/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * BLOB_PUT and BLOB_GET (docs/protocol.md §5): files travel as client-side
 * encrypted blobs in chunks. A blob grows by appending at exactly its
 * stored size, so an interrupted upload resumes where the relay says (the
 * STATE detail); only the device that started it may append.
 */
#include "relay.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "proto/proto.h"
#include "store/store.h"

int op_blob_put(struct op_env *env, struct peer *p, struct kenh_span body, struct codec_writer *out)
{
	struct proto_blob_put req;
	struct proto_blob_put_resp resp = { 0 };
	struct store_blob b;
	int rc;

	if ((rc = proto_msg_decode(&proto_desc_blob_put, body.p, body.len, &req, sizeof(req))))
		return rc;
	if (req.total_size == 0 || req.total_size > env->cfg->blob_max)
		return KENH_ERR(KENH_E_TOO_LARGE);
	rc = env->so->blob_append(env->st, req.blob_id, p->device, req.total_size, req.offset,
	                          req.chunk);
	if (rc == KENH_E_STATE && env->so->blob_info(env->st, req.blob_id, &b) == 0)
		env->detail = b.stored;
	if (rc != 0) return rc;
	resp.stored = req.offset + req.chunk.len;
	return proto_msg_encode(out, &proto_desc_blob_put_resp, &resp);
}

int op_blob_get(struct op_env *env, struct peer *p, struct kenh_span body, struct codec_writer *out)
{
	struct proto_blob_get req;
	struct proto_blob_get_resp resp = { 0 };
	struct store_blob b;
	struct store_buf data = { 0 };
	size_t max;
	int rc;

	(void)p;
	if ((rc = proto_msg_decode(&proto_desc_blob_get, body.p, body.len, &req, sizeof(req))))
		return rc;
	if ((rc = env->so->blob_info(env->st, req.blob_id, &b)) != 0) return rc;
	max = req.max < PROTO_MAX_CHUNK ? req.max : PROTO_MAX_CHUNK;
	if ((rc = env->so->blob_read(env->st, req.blob_id, req.offset, max, &data)) != 0) return rc;
	resp.total_size = b.total;
	resp.complete = b.stored == b.total;
	resp.chunk = span_make(data.p, data.len);
	rc = proto_msg_encode(out, &proto_desc_blob_get_resp, &resp);
	store_buf_clear(&data);
	return rc;
}
