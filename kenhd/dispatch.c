/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The operation table of docs/protocol.md §5 and the frame dispatcher
 * (STYLE R8.2, after the OpenSSH monitor table): for each operation, the
 * connection states that may call it, whether it may be called once
 * only, its largest body and its handler. A frame outside the table, or
 * not allowed in the connection's state, or repeated when once-only, is
 * a protocol error that closes the connection. Each request runs inside a
 * store savepoint, so a failing request leaves nothing behind in the
 * batch, and its effects (pushes) are dropped with it.
 */
#include "relay.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "klog.h"
#include "proto/proto.h"
#include "store/store.h"
#include "util/mem.h"

#define E CONN_STATE_BIT(CONN_ENROLLING)
#define A CONN_STATE_BIT(CONN_AUTHENTICATED)
#define R CONN_STATE_BIT(CONN_REVOKED)

/* Body limits from docs/protocol.md §5; 0 means the connection's frame limit. */
static const struct op_entry table[] = {
	{ PROTO_PING, "ping", E | A | R, false, 64, op_ping },
	{ PROTO_ENROLL_SUBMIT, "enroll_submit", E, true, ENROLL_MAX_FRAME, op_enroll_submit },
	{ PROTO_ENROLL_FETCH, "enroll_fetch", E, true, 64, op_enroll_fetch },
	{ PROTO_KP_UPLOAD, "kp_upload", A, false, 0, op_kp_upload },
	{ PROTO_KP_CLAIM, "kp_claim", A, false, 512, op_kp_claim },
	{ PROTO_DIR_LOOKUP, "dir_lookup", A, false, 512, op_dir_lookup },
	{ PROTO_RENEW_SUBMIT, "renew_submit", A, false, 24u << 10, op_renew_submit },
	{ PROTO_GROUP_CREATE, "group_create", A, false, 512, op_group_create },
	{ PROTO_HANDSHAKE, "handshake", A, false, 0, op_handshake },
	{ PROTO_APP_SEND, "app_send", A, false, 0, op_app_send },
	{ PROTO_GROUPINFO_GET, "groupinfo_get", A, false, 512, op_groupinfo_get },
	{ PROTO_FETCH, "fetch", A | R, false, 64, op_fetch },
	{ PROTO_ACK, "ack", A | R, false, 256u << 10, op_ack },
	{ PROTO_BLOB_PUT, "blob_put", A, false, 0, op_blob_put },
	{ PROTO_BLOB_GET, "blob_get", A, false, 512, op_blob_get },
	{ PROTO_CRL_UPLOAD, "crl_upload", A, false, 0, op_crl_upload },
	{ PROTO_ENROLL_LIST, "enroll_list", A, false, 64, op_enroll_list },
	{ PROTO_ENROLL_ISSUE, "enroll_issue", A, false, 64u << 10, op_enroll_issue },
	{ PROTO_ENROLL_REJECT, "enroll_reject", A, false, 64, op_enroll_reject },
	{ PROTO_WIPE_SEND, "wipe_send", A, false, 1024, op_wipe_send },
	{ PROTO_CRL_GET, "crl_get", A | R, false, 64u << 10, op_crl_get },
};

/* The once-only operations of an enrolling connection share one use (§3: one request). */
#define ONCE_ENROLL 1u

const struct op_entry *dispatch_find(uint16_t type)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(table); i++)
		if (table[i].type == type) return &table[i];
	return NULL;
}

/* A revoked connection's requests and answers are small (wipe orders); a CrlSet may not be. */
static size_t frame_limit(const struct config *cfg, enum conn_state st)
{
	return st == CONN_ENROLLING || st == CONN_REVOKED ? ENROLL_MAX_FRAME
	                                                  : (size_t)cfg->max_frame;
}

/*
 * docs/protocol.md §3: a revoked connection may send any authenticated
 * request; those outside its own column are answered REVOKED, not closed.
 */
static bool answered_revoked(const struct op_entry *e, enum conn_state st)
{
	return st == CONN_REVOKED && !(e->states & R) && (e->states & A);
}

size_t dispatch_max_body(const struct config *cfg, enum conn_state st, uint16_t type)
{
	const struct op_entry *e = dispatch_find(type);
	size_t lim = frame_limit(cfg, st);

	if (e == NULL) return 0;
	if (!(e->states & CONN_STATE_BIT(st)) && !answered_revoked(e, st)) return 0;
	return e->max_body != 0 && e->max_body < lim ? e->max_body : lim;
}

/* Drop the effects a failed request queued (they follow the ones before it). */
static void effects_truncate(struct effects *fx, size_t nframes, size_t ntargets)
{
	while (fx->nframes > nframes)
		mem_free(fx->frames[--fx->nframes].p);
	fx->ntargets = ntargets;
}

static int write_response(struct codec_writer *out, const struct proto_header *h,
                          struct kenh_span body)
{
	size_t mark = 0;
	int rc;

	if ((rc = proto_frame_begin(out, (uint16_t)(h->type | PROTO_RESPONSE_BIT), h->request_id,
	                            &mark)) != 0)
		return rc;
	if ((rc = codec_write_u16(out, 0)) != 0) return rc;
	if ((rc = codec_write_bytes(out, body.p, body.len)) != 0) return rc;
	return proto_frame_end(out, mark);
}

/*
 * Run the handler inside a savepoint and append its success response to
 * out. The savepoint is released only after the response is written, so
 * a request whose answer cannot be written leaves nothing in the batch
 * (and nothing of its answer in out, unless out itself failed).
 */
static int run_handler(struct op_env *env, struct peer *p, const struct op_entry *e,
                       const struct proto_header *h, struct kenh_span body,
                       struct codec_writer *out)
{
	size_t nf = env->fx->nframes, nt = env->fx->ntargets, mark = out->len;
	struct codec_writer resp;
	int rc;

	if ((rc = env->so->savepoint(env->st)) != 0) return rc;
	/* The response writer of a revoked connection still takes a whole CrlSet. */
	codec_writer_init(
	        &resp, p->state == CONN_ENROLLING ? ENROLL_MAX_FRAME : (size_t)env->cfg->max_frame,
	        CODEC_WRITER_NORMAL);
	rc = e->fn(env, p, body, &resp);
	if (rc == 0 && (rc = codec_writer_err(&resp)) == 0 &&
	    (rc = write_response(out, h, codec_writer_span(&resp))) == 0 &&
	    (rc = env->so->release(env->st)) == 0)
		goto out;
	if (codec_writer_err(out) == 0) out->len = mark;
	if (env->so->undo(env->st) != 0) {
		/* The request's changes may still be in the batch: nothing of it may commit. */
		klog(KENH_LOG_ERROR, "store_error", "op=undo");
		env->broken = true;
		rc = KENH_ERR(KENH_E_DB);
	}
	effects_truncate(env->fx, nf, nt);
out:
	codec_writer_clear(&resp);
	return rc;
}

int dispatch_frame(struct op_env *env, struct peer *p, const struct proto_header *h,
                   struct kenh_span body, struct codec_writer *out)
{
	const struct op_entry *e = dispatch_find(h->type);
	uint32_t once = 0;
	int rc;

	/* R8.2: unknown, not allowed in this state, too large, or repeated: close. */
	if (e == NULL || body.len > dispatch_max_body(env->cfg, p->state, h->type))
		return KENH_ERR(KENH_E_PROTO);
	if (e->once) once = p->state == CONN_ENROLLING ? ONCE_ENROLL : 0;
	if (once != 0 && (p->once_done & once)) return KENH_ERR(KENH_E_PROTO);
	p->once_done |= once;
	env->detail = 0;
	if (answered_revoked(e, p->state)) {
		env->m->revoked_refused++;
		rc = KENH_ERR(KENH_E_REVOKED);
	} else if ((rc = run_handler(env, p, e, h, body, out)) == 0) {
		return 0;
	}
	klog(KENH_LOG_DEBUG, "request_fail", "conn=%llu device=%s op=%s req=%u err=\"%s\"",
	     (unsigned long long)p->conn_id, p->device[0] ? p->device : "-", e->name, h->request_id,
	     kenh_strerror(rc));
	/* Fails only if out itself failed: the connection is closed then. */
	return proto_error_encode(out, h->type, h->request_id, rc, env->detail);
}
