/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * APP_SEND, FETCH and ACK (docs/protocol.md §5, DESIGN §5). An application
 * message is a PrivateMessage (RFC 9420 §6.3): its sender is encrypted, so
 * the relay admits it only from a device that holds a leaf of the group.
 * It is written once to the group's log and pushed to the live members.
 * FETCH returns inbox entries, then log entries above each cursor;
 * answering everything makes the connection live. ACK moves cursors
 * forward and deletes inbox entries. A connection in the REVOKED state
 * (docs/protocol.md §3) fetches and acknowledges its wipe orders only,
 * and never becomes live.
 */
#include "relay.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "mls/mls_wire.h"
#include "proto/proto.h"
#include "store/store.h"

int op_app_send(struct op_env *env, struct peer *p, struct kenh_span body, struct codec_writer *out)
{
	struct proto_app_send req;
	struct proto_seq_resp resp = { 0 };
	struct mls_message m;
	struct store_group g;
	const struct mls_private_message *pm;
	bool member = false;
	int rc;

	if ((rc = proto_msg_decode(&proto_desc_app_send, body.p, body.len, &req, sizeof(req))))
		return rc;
	if ((rc = mls_message_parse(req.message.p, req.message.len, &m)) != 0) return rc;
	if (m.wire_format != MLS_WIRE_FORMAT_PRIVATE_MESSAGE) {
		rc = KENH_ERR(KENH_E_UNSUPPORTED);
		goto out;
	}
	pm = &m.u.private_message;
	/* Handshake messages must be PublicMessages so the relay can order them (DESIGN §2). */
	if (pm->content_type != MLS_CONTENT_APPLICATION) {
		rc = KENH_ERR(KENH_E_PROTO);
		goto out;
	}
	if ((rc = env->so->group_get(env->st, pm->group_id, &g)) != 0) goto out;
	if (pm->epoch > g.epoch) {
		env->detail = g.epoch;
		rc = KENH_ERR(KENH_E_STATE);
		goto out;
	}
	if ((rc = env->so->leaf_has_device(env->st, pm->group_id, p->device, &member)) != 0)
		goto out;
	if (!member) {
		rc = KENH_ERR(KENH_E_PERM);
		goto out;
	}
	if ((rc = ops_log_and_push(env, pm->group_id, req.message, p, &resp.seq)) != 0) goto out;
	env->m->messages_accepted++;
	rc = proto_msg_encode(out, &proto_desc_seq_resp, &resp);
out:
	mls_message_clear(&m);
	return rc;
}

/* The FETCH answer being built: entries go straight into the response writer. */
struct fetch_state {
	struct op_env *env;
	struct codec_writer *out;
	size_t left;  /* entries still allowed */
	size_t bytes; /* bytes still allowed */
	bool more;
	struct kenh_span group_id;
	uint64_t last; /* wipe-only reads: the last inbox id seen */
	size_t seen;   /* wipe-only reads: rows seen in this page */
};

static int add_delivery(struct fetch_state *f, uint8_t kind, struct kenh_span gid, uint64_t seq,
                        struct kenh_span msg)
{
	struct proto_delivery d = { kind, gid, seq, msg };
	size_t need = msg.len + gid.len + 16;

	if (f->left == 0 || need > f->bytes) {
		f->more = true;
		return 1; /* stop this iteration */
	}
	f->left--;
	f->bytes -= need;
	return proto_msg_encode(f->out, &proto_desc_delivery, &d);
}

static int add_inbox(void *arg, uint64_t id, const struct store_inbox_item *item)
{
	return add_delivery(arg, item->kind, item->group_id, id, item->msg);
}

static int add_log(void *arg, uint64_t seq, struct kenh_span msg)
{
	struct fetch_state *f = arg;

	return add_delivery(f, PROTO_DELIVERY_GROUP, f->group_id, seq, msg);
}

static int add_cursor(void *arg, const struct store_cursor *c)
{
	struct fetch_state *f = arg;
	int rc;

	if (f->left == 0) {
		f->more = true;
		return 1;
	}
	f->group_id = c->group_id;
	/* One more than the room left tells whether this group has more. */
	rc = f->env->so->log_read(f->env->st, c->group_id, c->seq, c->until, f->left + 1, add_log,
	                          f);
	return rc < 0 ? rc : (f->more ? 1 : 0);
}

/* A revoked device's FETCH: its wipe orders only; its Welcomes are skipped. */
static int add_wipe(void *arg, uint64_t id, const struct store_inbox_item *item)
{
	struct fetch_state *f = arg;

	f->last = id;
	f->seen++;
	if (item->kind != PROTO_DELIVERY_WIPE) return 0;
	return add_delivery(f, item->kind, item->group_id, id, item->msg);
}

#define WIPE_PAGE 256u

/* docs/protocol.md §3 REVOKED: page through the inbox, keeping wipe orders. */
static int fetch_wipe_only(struct op_env *env, const struct peer *p, struct fetch_state *f)
{
	int rc;

	do {
		f->seen = 0;
		rc = env->so->inbox_read(env->st, p->device, f->last, WIPE_PAGE, add_wipe, f);
	} while (rc >= 0 && !f->more && f->seen == WIPE_PAGE);
	return rc < 0 ? rc : 0;
}

int op_fetch(struct op_env *env, struct peer *p, struct kenh_span body, struct codec_writer *out)
{
	struct proto_fetch req;
	struct fetch_state f = { env, out, 0, 0, false, { NULL, 0 }, 0, 0 };
	size_t mark = 0;
	int rc;

	if ((rc = proto_msg_decode(&proto_desc_fetch, body.p, body.len, &req, sizeof(req))))
		return rc;
	if (req.max_entries == 0 || req.max_entries > PROTO_MAX_DELIVERIES)
		return KENH_ERR(KENH_E_INVALID_ARG);
	f.left = req.max_entries;
	f.bytes = (size_t)env->cfg->max_frame / 2;
	if ((rc = codec_write_vector_begin(out, &mark)) != 0) return rc;
	if (p->state == CONN_REVOKED) {
		/* Never live: a revoked device gets no push, and no group entry. */
		if ((rc = fetch_wipe_only(env, p, &f)) != 0) return rc;
		if ((rc = codec_write_vector_end(out, mark)) != 0) return rc;
		return codec_write_u8(out, f.more ? 1 : 0);
	}
	rc = env->so->inbox_read(env->st, p->device, 0, f.left + 1, add_inbox, &f);
	if (rc >= 0 && !f.more) rc = env->so->cursor_list(env->st, p->device, add_cursor, &f);
	if (rc < 0) return rc;
	if ((rc = codec_write_vector_end(out, mark)) != 0) return rc;
	/* docs/protocol.md §5 FETCH: all answered, so push from now on. */
	if (!f.more) p->live = true;
	return codec_write_u8(out, f.more ? 1 : 0);
}

int op_ack(struct op_env *env, struct peer *p, struct kenh_span body, struct codec_writer *out)
{
	struct proto_ack req;
	size_t i;
	int rc = 0;

	(void)out;
	if ((rc = proto_msg_decode(&proto_desc_ack, body.p, body.len, &req, sizeof(req))))
		return rc;
	for (i = 0; i < req.n_acks && rc == 0; i++) {
		const struct proto_ack_entry *a = &req.acks[i];

		/* A revoked device may only acknowledge its wipe orders (§3). */
		if (p->state == CONN_REVOKED && a->kind != PROTO_DELIVERY_WIPE) {
			rc = KENH_ERR(KENH_E_REVOKED);
		} else if (a->kind == PROTO_DELIVERY_GROUP) {
			rc = env->so->cursor_ack(env->st, p->device, a->group_id, a->seq);
			/* An ack for a group the device left is moot, not an error. */
			if (rc == KENH_E_NOT_FOUND) rc = 0;
		} else {
			rc = env->so->inbox_delete(env->st, p->device, a->seq);
		}
	}
	proto_msg_clear(&proto_desc_ack, &req);
	return rc;
}
