/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh's relay calls (docs/protocol.md §5) over cli/common/cli_relay.h:
 * one connection per run, opened on first use; a response status other
 * than 0 becomes the negative KENH_E_* code it stands for (§2.1), with its
 * detail; a success body is decoded into the caller's struct, whose views
 * stay valid until the next call has sent its request (so a request may
 * quote the previous response). A push read while waiting for a response
 * sets a->pushed (the daemon then fetches).
 */
#include "kenh.h"

#include "util/compat.h"

#include "../common/cli_relay.h"
#include "proto/proto.h"
#include "util/mem.h"

/* A push read while waiting for a response: the daemon fetches after the request. */
static void note_push(void *arg, const struct cli_relay_frame *push)
{
	struct kenh_app *a = arg;

	(void)push;
	a->pushed = true;
}

int kenh_net_open(struct kenh_app *a, struct kenh_span cert, const struct crypto_sigkey *key,
                  struct cli_relay **out)
{
	struct cli_relay_config cfg;
	char err[CLI_RELAY_ERR_LEN] = "";
	int rc;

	memset(&cfg, 0, sizeof(cfg));
	cfg.addr = a->relay;
	cfg.ca_file = a->relay_ca;
	cfg.cert = cert;
	cfg.key = cert.len > 0 ? key : NULL;
	cfg.on_push = note_push;
	cfg.push_arg = a;
	if ((rc = cli_relay_connect(a->ctx, &cfg, out, err)) != 0 && err[0] != '\0')
		fprintf(stderr, "kenh: relay %s: %s\n", a->relay, err);
	return rc;
}

int kenh_dev_net(struct kenh_app *a, struct cli_relay **out)
{
	int rc;

	*out = NULL;
	if (a->net == NULL && (rc = kenh_net_open(a, a->id.chain[0], &a->id.key, &a->net)) != 0)
		return rc;
	*out = a->net;
	return 0;
}

/*
 * REVOKED answers an operation that names no other device only on a
 * revoked connection (docs/protocol.md §3): it is about this device.
 * KP_CLAIM and HANDSHAKE may name another (a revoked member to add).
 */
static bool about_us(uint16_t type)
{
	return type != PROTO_KP_CLAIM && type != PROTO_HANDSHAKE;
}

/*
 * The relay says this device is revoked: say so once. main.c then fetches
 * what a revoked device may still fetch, its wipe orders, once the
 * command has finished with the store.
 */
static int on_revoked(struct kenh_app *a)
{
	if (!a->relay_revoked)
		fprintf(stderr, "kenh: relay %s: this device's certificate is revoked\n", a->relay);
	a->relay_revoked = true;
	return KENH_ERR(KENH_E_REVOKED);
}

int kenh_net_call(struct kenh_app *a, uint16_t type, const struct proto_desc *d, const void *req,
                  const struct proto_desc *rd, void *resp, size_t resp_size, uint64_t *detail)
{
	struct cli_relay_reply reply;
	struct cli_relay *r;
	int rc;

	if (detail != NULL) *detail = 0;
	if (resp != NULL) memset(resp, 0, resp_size);
	if ((rc = kenh_dev_net(a, &r)) != 0) return rc;
	/* req may hold views into the previous reply (an ACK of what FETCH gave): free it after. */
	rc = cli_relay_call(r, type, d, req, &reply);
	mem_free(a->reply);
	a->reply = NULL;
	a->replylen = 0;
	if (rc != 0) {
		/*
		 * The relay reads the client certificate after the TLS handshake
		 * and closes at once if it refuses it: the first call then fails.
		 */
		if (rc == KENH_E_IO && a->net_calls == 0)
			fprintf(stderr,
			        "kenh: relay %s closed the connection at once: it refuses this "
			        "device's certificate (revoked or expired?)\n",
			        a->relay);
		/* The connection is unusable after an error: the next call reconnects. */
		a->net_calls = 0;
		cli_relay_close(a->net);
		a->net = NULL;
		return rc;
	}
	a->net_calls++;
	if (detail != NULL) *detail = reply.detail;
	if (reply.status != 0) {
		rc = -(int)reply.status;
		cli_relay_reply_clear(&reply);
		if (rc == KENH_E_REVOKED && about_us(type)) rc = on_revoked(a);
		return rc;
	}
	a->reply = reply.body;
	a->replylen = reply.len;
	if (rd != NULL) rc = proto_msg_decode(rd, a->reply, a->replylen, resp, resp_size);
	return rc;
}
