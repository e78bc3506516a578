/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Certificate renewal at the relay (DESIGN §6, docs/protocol.md §5
 * RENEW_SUBMIT and Delivery kind cert). Two callers share RENEW_SUBMIT:
 *
 *   - an enrolled device sends a renewal request (docs/pki.md "Renewal
 *     request") for its current key over its own authenticated
 *     connection; the relay checks that the request's key and identity
 *     are those of the connection's certificate, which must still
 *     validate (a revoked device is refused), and keeps it, bound to that
 *     device, next to the enrollment requests, where the authority finds
 *     it with ENROLL_LIST; a device has at most one renewal pending;
 *   - the authority sends a renewed certificate nobody asked for
 *     (kenh-admin renew --send).
 *
 * A certificate for a renewal, from ENROLL_ISSUE or from the authority's
 * RENEW_SUBMIT, must validate under the trust anchors and name the
 * device; it then goes into that device's inbox as a Delivery of kind
 * cert, pushed at once to its live connections or handed out by FETCH
 * until the device acknowledges it. The device decides whether to
 * install it (same key, same identity, later expiry); the relay only
 * keeps out what the device would certainly refuse, as it does for wipe
 * orders.
 */
#include "relay.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "crypto/crypto.h"
#include "crypto/pki.h"
#include "klog.h"
#include "proto/proto.h"
#include "store/store.h"

/* "unit/user/device" of a validated device certificate. */
static int cert_name(const struct crypto_cert_info *ci, char name[static DEVICE_NAME_MAX])
{
	int n;

	if (ci->kind != CRYPTO_CERT_DEVICE) return KENH_ERR(KENH_E_VERIFY);
	n = snprintf(name, DEVICE_NAME_MAX, "%s/%s/%s", ci->unit, ci->user, ci->device);
	return n > 0 && (size_t)n < DEVICE_NAME_MAX ? 0 : KENH_ERR(KENH_E_PARSE);
}

/* Put a validated certificate into device's inbox (kind cert) and queue its push. */
static int deliver(struct op_env *env, const char *device, struct kenh_span cert, uint64_t *id)
{
	struct store_inbox_item item;
	int rc;

	item = (struct store_inbox_item){ PROTO_DELIVERY_CERT,
		                          span_make((const uint8_t *)device, strlen(device)),
		                          cert };
	if ((rc = env->so->inbox_add(env->st, device, &item, env->now, id)) != 0) return rc;
	if ((rc = ops_push_inbox(env, device, &item, *id)) != 0) return rc;
	klog(KENH_LOG_INFO, "cert_queued", "device=%s id=%llu", device, (unsigned long long)*id);
	return 0;
}

/*
 * A certificate for device: it validates now under the trust anchors
 * (VERIFY, EXPIRED, REVOKED otherwise) and names device (PERM if not).
 */
static int check_cert(const struct op_env *env, struct kenh_span cert, const char *device,
                      struct crypto_cert_info *ci)
{
	char name[DEVICE_NAME_MAX];
	int rc;

	if ((rc = crypto_trust_verify(env->trust, cert.p, cert.len, env->now, ci)) != 0) return rc;
	if ((rc = cert_name(ci, name)) != 0) return rc;
	return strcmp(name, device) == 0 ? 0 : KENH_ERR(KENH_E_PERM);
}

/* The request must be for the connection's own key and identity. */
static int check_request(const struct op_env *env, const struct peer *p, struct kenh_span csr)
{
	struct crypto_renew_info ri;
	struct crypto_cert_info ci;
	char name[DEVICE_NAME_MAX];
	int rc;

	/* The connection's certificate must still validate: a revoked device gets REVOKED. */
	if ((rc = crypto_trust_verify(env->trust, p->cert.p, p->cert.len, env->now, &ci)) != 0)
		return rc;
	if ((rc = crypto_renew_csr_verify(env->ctx, csr.p, csr.len, &ri)) != 0) return rc;
	if (snprintf(name, sizeof(name), "%s/%s/%s", ri.unit, ri.user, ri.device) <= 0 ||
	    strcmp(name, p->device) != 0)
		return KENH_ERR(KENH_E_PERM);
	if (ri.sig_id != ci.sig_id || ri.pklen != ci.pklen || memcmp(ri.pk, ci.pk, ci.pklen) != 0 ||
	    !crypto_serial_eq(&ri.serial, &ci.serial))
		return KENH_ERR(KENH_E_PERM);
	return 0;
}

static int submit_request(struct op_env *env, struct peer *p, struct kenh_span csr)
{
	uint8_t ticket[PROTO_TICKET_LEN];
	int rc;

	if ((rc = check_request(env, p, csr)) != 0) return rc;
	if ((rc = crypto_random(env->ctx, ticket, sizeof(ticket))) != 0) return rc;
	rc = env->so->renew_add(env->st, span_make(ticket, sizeof(ticket)), csr, p->device,
	                        env->now);
	if (rc == 0)
		klog(KENH_LOG_INFO, "renew_requested", "conn=%llu device=%s",
		     (unsigned long long)p->conn_id, p->device);
	return rc;
}

static int submit_cert(struct op_env *env, struct peer *p, struct kenh_span cert, uint64_t *id)
{
	struct crypto_cert_info ci;
	char name[DEVICE_NAME_MAX];
	int rc;

	if (!ops_is_authority(env, p)) return KENH_ERR(KENH_E_PERM);
	if ((rc = crypto_trust_verify(env->trust, cert.p, cert.len, env->now, &ci)) != 0) return rc;
	if ((rc = cert_name(&ci, name)) != 0) return rc;
	return deliver(env, name, cert, id);
}

int op_renew_submit(struct op_env *env, struct peer *p, struct kenh_span body,
                    struct codec_writer *out)
{
	struct proto_renew_submit req;
	struct proto_seq_resp resp = { 0 };
	int rc;

	if ((rc = proto_msg_decode(&proto_desc_renew_submit, body.p, body.len, &req, sizeof(req))))
		return rc;
	/* docs/protocol.md §5: exactly one of the two. */
	if (req.csr.present == req.certificate.present) return KENH_ERR(KENH_E_PARSE);
	if (req.csr.present)
		rc = submit_request(env, p, req.csr.v);
	else
		rc = submit_cert(env, p, req.certificate.v, &resp.seq);
	if (rc != 0) return rc;
	return proto_msg_encode(out, &proto_desc_renew_submit_resp, &resp);
}

int renew_issue(struct op_env *env, struct kenh_span ticket, struct kenh_span cert, bool *handled)
{
	struct crypto_renew_info ri;
	struct crypto_cert_info ci;
	struct store_buf csr = { 0 };
	char device[DEVICE_NAME_MAX];
	uint64_t id = 0;
	int rc;

	*handled = false;
	rc = env->so->renew_device(env->st, ticket, device, sizeof(device));
	if (rc == KENH_E_NOT_FOUND) return 0; /* not a renewal: an enrollment */
	*handled = true;
	if (rc != 0) return rc;
	if ((rc = check_cert(env, cert, device, &ci)) != 0) return rc;
	if ((rc = env->so->enroll_csr(env->st, ticket, &csr)) != 0) return rc;
	rc = crypto_renew_csr_verify(env->ctx, csr.p, csr.len, &ri);
	store_buf_clear(&csr);
	if (rc != 0) return rc;
	/* The certificate answers this request: the same key. */
	if (ri.sig_id != ci.sig_id || ri.pklen != ci.pklen || memcmp(ri.pk, ci.pk, ci.pklen) != 0)
		return KENH_ERR(KENH_E_VERIFY);
	if ((rc = env->so->enroll_issue(env->st, ticket, cert)) != 0) return rc;
	return deliver(env, device, cert, &id);
}
