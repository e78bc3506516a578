/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * PUSH_CRL (docs/protocol.md §5 CRL_GET, issue 5 item 4): when a CRL
 * upload or a CRL file reload has been committed, every live
 * authenticated connection receives the relay's CrlSet at once, so that
 * a listening device checks credentials against the new CRL without
 * waiting for its next sync. The device verifies each CRL's signature
 * itself and keeps only newer numbers, so sending all of them is safe;
 * revoked connections (never live) get nothing.
 */
#include "relay_int.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "klog.h"
#include "proto/proto.h"
#include "util/mem.h"

void crl_push_live(struct relay *r)
{
	struct proto_crl_set set;
	struct codec_writer w;
	struct op_env env;
	struct conn *c;
	int rc;

	relay_env(r, &env);
	if ((rc = ops_crl_set_make(&env, NULL, &set)) != 0) {
		klog(KENH_LOG_WARN, "crl_push_fail", "err=\"%s\"", kenh_strerror(rc));
		return;
	}
	codec_writer_init(&w, LIMIT_FRAME + PROTO_HEADER_LEN, CODEC_WRITER_NORMAL);
	rc = proto_frame_encode(&w, PROTO_PUSH_CRL, 0, &proto_desc_crl_set, &set);
	ops_crl_set_free(&set);
	if (rc != 0) {
		klog(KENH_LOG_WARN, "crl_push_fail", "err=\"%s\"", kenh_strerror(rc));
		codec_writer_clear(&w);
		return;
	}
	for (c = r->conns; c != NULL; c = c->next) {
		if (c->peer.state != CONN_AUTHENTICATED || !c->peer.live) continue;
		r->m.frames_out++;
		conn_write(c, w.buf, w.len);
	}
	codec_writer_clear(&w);
}
