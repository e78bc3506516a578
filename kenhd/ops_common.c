/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * What several handlers share (docs/protocol.md §5-§6): the device named
 * by a certificate, through lib/crypto/pki.h's chain validation against
 * the relay's trust store; appending to a group log and queueing the push
 * of the new entry to the devices whose cursors cover it; queueing the
 * push of an inbox entry (a Welcome or a wipe order); and PING. No I/O (STYLE R8.1).
 */
#include "relay.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "crypto/pki.h"
#include "proto/proto.h"
#include "store/store.h"
#include "util/mem.h"

int ops_cert_device(const struct op_env *env, struct kenh_span der,
                    char device[static DEVICE_NAME_MAX], char unit[static UNIT_MAX])
{
	struct crypto_cert_info info;
	int rc, n;

	device[0] = '\0';
	unit[0] = '\0';
	if ((rc = crypto_trust_verify(env->trust, der.p, der.len, env->now, &info)) != 0) return rc;
	n = snprintf(device, DEVICE_NAME_MAX, "%s/%s/%s", info.unit, info.user, info.device);
	if (n < 0 || n >= DEVICE_NAME_MAX) return KENH_ERR(KENH_E_TOO_LARGE);
	snprintf(unit, UNIT_MAX, "%s", info.unit);
	return 0;
}

/* Devices collected from a store iteration. */
struct devlist {
	char (*names)[DEVICE_NAME_MAX];
	size_t n, cap;
};

static int collect_device(void *arg, uint32_t leaf, const char *device)
{
	struct devlist *d = arg;
	void *grown = NULL;
	size_t cap = d->cap ? d->cap * 2 : 16;
	int rc;

	(void)leaf;
	if (d->n == d->cap) {
		if ((rc = mem_grow(d->names, cap, sizeof(*d->names), &grown)) != 0) return rc;
		d->names = grown;
		d->cap = cap;
	}
	snprintf(d->names[d->n++], DEVICE_NAME_MAX, "%s", device);
	return 0;
}

/* A PUSH_DELIVERY frame for one delivery (owned by *out). */
static int push_frame(const struct proto_delivery *d, uint8_t **out, size_t *len)
{
	struct codec_writer w;
	int rc;

	codec_writer_init(&w, LIMIT_FRAME + PROTO_HEADER_LEN, CODEC_WRITER_NORMAL);
	rc = proto_frame_encode(&w, PROTO_PUSH_DELIVERY, 0, &proto_desc_delivery, d);
	if (rc == 0) rc = codec_writer_finish(&w, out, len);
	codec_writer_clear(&w);
	return rc;
}

int ops_push_entry(struct op_env *env, struct kenh_span group_id, uint64_t seq,
                   struct kenh_span msg, uint64_t exclude_conn)
{
	struct proto_delivery d = { PROTO_DELIVERY_GROUP, group_id, seq, msg };
	struct devlist to = { 0 };
	uint8_t *frame = NULL;
	size_t len = 0;
	int rc;

	if ((rc = env->so->recipients(env->st, group_id, seq, collect_device, &to)) != 0) goto out;
	if (to.n == 0) goto out;
	if ((rc = push_frame(&d, &frame, &len)) != 0) goto out;
	rc = effects_push(env->fx, frame, len, (const char(*)[DEVICE_NAME_MAX])to.names, to.n,
	                  exclude_conn);
out:
	mem_free(to.names);
	return rc;
}

int ops_skip_own(struct op_env *env, const char *device, struct kenh_span group_id, uint64_t seq)
{
	uint64_t at = 0;
	int rc = env->so->cursor_get(env->st, device, group_id, &at);

	/*
	 * An MLS client cannot process its own message (RFC 9420 §6.3: its
	 * sender ratchet moved on), so the sending device does not get it
	 * back when nothing else is pending for it; otherwise its duplicate
	 * filter discards it (docs/protocol.md §5 FETCH).
	 */
	if (rc == KENH_E_NOT_FOUND || (rc == 0 && at + 1 != seq)) return 0;
	if (rc != 0) return rc;
	return env->so->cursor_ack(env->st, device, group_id, seq);
}

int ops_log_and_push(struct op_env *env, struct kenh_span group_id, struct kenh_span msg,
                     const struct peer *from, uint64_t *seq)
{
	int rc;

	if ((rc = env->so->log_append(env->st, group_id, msg, env->now, seq)) != 0) return rc;
	if ((rc = ops_skip_own(env, from->device, group_id, *seq)) != 0) return rc;
	return ops_push_entry(env, group_id, *seq, msg, from->conn_id);
}

int ops_push_inbox(struct op_env *env, const char *device, const struct store_inbox_item *item,
                   uint64_t id)
{
	struct proto_delivery d = { item->kind, item->group_id, id, item->msg };
	char to[1][DEVICE_NAME_MAX];
	uint8_t *frame = NULL;
	size_t len = 0;
	int rc;

	snprintf(to[0], sizeof(to[0]), "%s", device);
	if ((rc = push_frame(&d, &frame, &len)) != 0) return rc;
	return effects_push(env->fx, frame, len, (const char(*)[DEVICE_NAME_MAX])to, 1, 0);
}

int op_ping(struct op_env *env, struct peer *p, struct kenh_span body, struct codec_writer *out)
{
	struct proto_ping req;
	int rc;

	(void)env;
	(void)p;
	if ((rc = proto_msg_decode(&proto_desc_ping, body.p, body.len, &req, sizeof(req))) != 0)
		return rc;
	return proto_msg_encode(out, &proto_desc_ping, &req);
}
