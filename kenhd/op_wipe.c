/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * WIPE_SEND (docs/protocol.md §5, DESIGN §6): the authority hands the relay
 * a signed wipe order (docs/pki.md "Wipe order") for one device; the relay
 * keeps it in the device's inbox as a delivery of kind wipe and pushes it
 * at once to the device's live connections, or hands it out with the next
 * FETCH. The relay checks the order as the device will
 * (crypto_wipe_verify: signed by the root, or by a unit CA that validates
 * and covers the device's unit, and naming this device), so it never
 * stores an order the device would refuse; the device checks again and
 * carries it out (the client). Only the authority may send one, so that a
 * captured order cannot be replayed into the inbox by anyone else.
 */
#include "relay.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "crypto/pki.h"
#include "klog.h"
#include "proto/proto.h"
#include "store/store.h"

/* "unit/user/device" into the identity fields the wipe-order check reads. */
static int device_identity(struct kenh_span name, struct crypto_cert_info *self,
                           char full[static DEVICE_NAME_MAX])
{
	char *dev, *user;

	memset(self, 0, sizeof(*self));
	if (name.len >= DEVICE_NAME_MAX || memchr(name.p, '\0', name.len) != NULL)
		return KENH_ERR(KENH_E_PARSE);
	memcpy(full, name.p, name.len);
	full[name.len] = '\0';
	/* docs/protocol.md §1: user and device id contain no '/', so split from the end. */
	if ((dev = strrchr(full, '/')) == NULL) return KENH_ERR(KENH_E_PARSE);
	*dev = '\0';
	user = strrchr(full, '/');
	if (user == NULL || !crypto_device_id_is_valid(dev + 1) || !crypto_user_is_valid(user + 1))
		goto bad;
	*user = '\0';
	if (!crypto_unit_path_is_valid(full)) goto bad;
	self->kind = CRYPTO_CERT_DEVICE;
	/* The checks above bound each part to its field. */
	snprintf(self->unit, sizeof(self->unit), "%.*s", CRYPTO_PKI_MAX_UNIT, full);
	snprintf(self->user, sizeof(self->user), "%.*s", CRYPTO_PKI_MAX_USER, user + 1);
	snprintf(self->device, sizeof(self->device), "%.*s", CRYPTO_PKI_MAX_DEVICE, dev + 1);
	memcpy(full, name.p, name.len);
	full[name.len] = '\0';
	return 0;
bad:
	return KENH_ERR(KENH_E_PARSE);
}

int op_wipe_send(struct op_env *env, struct peer *p, struct kenh_span body,
                 struct codec_writer *out)
{
	struct proto_wipe_send req;
	struct proto_seq_resp resp = { 0 };
	struct crypto_cert_info self;
	struct crypto_wipe_order order;
	struct store_inbox_item item;
	char device[DEVICE_NAME_MAX];
	int rc;

	if ((rc = proto_msg_decode(&proto_desc_wipe_send, body.p, body.len, &req, sizeof(req))))
		return rc;
	if (!ops_is_authority(env, p)) return KENH_ERR(KENH_E_PERM);
	if ((rc = device_identity(req.device, &self, device)) != 0) return rc;
	if ((rc = crypto_wipe_verify(env->trust, &self, req.order, env->now, &order)) != 0)
		return rc;
	item = (struct store_inbox_item){ PROTO_DELIVERY_WIPE, req.device, req.order };
	if ((rc = env->so->inbox_add(env->st, device, &item, env->now, &resp.seq)) != 0) return rc;
	if ((rc = ops_push_inbox(env, device, &item, resp.seq)) != 0) return rc;
	klog(KENH_LOG_INFO, "wipe_queued", "conn=%llu device=%s id=%llu",
	     (unsigned long long)p->conn_id, device, (unsigned long long)resp.seq);
	return proto_msg_encode(out, &proto_desc_wipe_send_resp, &resp);
}
