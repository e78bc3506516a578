/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * GROUP_CREATE and GROUPINFO_GET (docs/protocol.md §5). A new group starts
 * at epoch 0 with its creator alone at leaf 0 (RFC 9420 §11); its cursor
 * starts before the first log entry. GroupInfo for external joins
 * (RFC 9420 §12.4.3.2) is whatever the last committer submitted.
 */
#include "relay.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "crypto/crypto.h"
#include "proto/proto.h"
#include "store/store.h"

int op_group_create(struct op_env *env, struct peer *p, struct kenh_span body,
                    struct codec_writer *out)
{
	struct proto_group_create req;
	struct proto_epoch_resp resp = { 0 };
	int rc;

	if ((rc = proto_msg_decode(&proto_desc_group_create, body.p, body.len, &req, sizeof(req))))
		return rc;
	/* RFC 9420 §17.1: we run suites 1, 2 and 3 (the relay hashes ProposalRefs with them). */
	if (crypto_suite_get(env->ctx, req.cipher_suite) == NULL)
		return KENH_ERR(KENH_E_UNSUPPORTED);
	if ((rc = env->so->group_create(env->st, req.group_id, req.cipher_suite, env->now)) != 0)
		return rc;
	if ((rc = env->so->leaf_set(env->st, req.group_id, 0, p->device)) != 0) return rc;
	if ((rc = env->so->cursor_open(env->st, p->device, req.group_id, 0)) != 0) return rc;
	return proto_msg_encode(out, &proto_desc_epoch_resp, &resp);
}

int op_groupinfo_get(struct op_env *env, struct peer *p, struct kenh_span body,
                     struct codec_writer *out)
{
	struct proto_group_ref req;
	struct proto_groupinfo_resp resp = { 0 };
	struct store_buf gi = { 0 };
	int rc;

	(void)p;
	if ((rc = proto_msg_decode(&proto_desc_group_ref, body.p, body.len, &req, sizeof(req))))
		return rc;
	if ((rc = env->so->groupinfo_get(env->st, req.group_id, &resp.epoch, &gi)) != 0) return rc;
	resp.group_info = span_make(gi.p, gi.len);
	rc = proto_msg_encode(out, &proto_desc_groupinfo_resp, &resp);
	store_buf_clear(&gi);
	return rc;
}
