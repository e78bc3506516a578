/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * CRL_UPLOAD and the revocation it causes (docs/protocol.md §5, §8;
 * DESIGN §6). A CRL (RFC 5280 §5) is authenticated by its signature, not
 * by its uploader: it must verify under the root or a configured unit CA,
 * and its cRLNumber (RFC 5280 §5.2.3) must be above the one held for that
 * issuer. Once stored, the relay marks the listed devices revoked in the
 * directory and asks for the trust store to be rebuilt after the commit;
 * that rebuild closes the revoked devices' connections and refuses their
 * next handshakes. The same path serves CRL files reloaded on SIGHUP.
 */
#include "relay.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "crypto/pki.h"
#include "proto/proto.h"
#include "store/store.h"

/* The configured CA certificate that issued crl (root: unit ""), or -1. */
static int find_issuer(const struct op_env *env, const struct crypto_crl *crl,
                       struct kenh_span *issuer, char unit[static UNIT_MAX])
{
	struct crypto_crl_meta meta;
	size_t i;

	crypto_crl_meta(crl, &meta);
	snprintf(unit, UNIT_MAX, "%s", meta.issuer);
	if (meta.issuer[0] == '\0') {
		*issuer = env->anchors->root;
		return 0;
	}
	for (i = 0; i < env->anchors->ncas; i++) {
		if (strcmp(env->anchors->ca_units[i], meta.issuer) == 0) {
			*issuer = env->anchors->cas[i];
			return 0;
		}
	}
	return KENH_ERR(KENH_E_VERIFY);
}

struct held {
	const char *issuer;
	uint64_t number;
	bool found;
};

static int find_held(void *arg, const char *issuer, uint64_t number, struct kenh_span der)
{
	struct held *h = arg;

	(void)der;
	if (strcmp(issuer, h->issuer) == 0) {
		h->number = number;
		h->found = true;
	}
	return 0;
}

/* Mark the device of every listed serial revoked in the directory. */
static int revoke_devices(struct op_env *env, const struct crypto_crl *crl, size_t count)
{
	struct crypto_crl_entry e;
	char hex[2 * CRYPTO_PKI_SERIAL_MAX + 1], dev[DEVICE_NAME_MAX];
	size_t i;
	int rc;

	for (i = 0; i < count; i++) {
		if ((rc = crypto_crl_entry_get(crl, i, &e)) != 0) return rc;
		crypto_serial_hex(&e.serial, hex, sizeof(hex));
		rc = env->so->device_by_serial(env->st, hex, dev, sizeof(dev));
		if (rc == KENH_E_NOT_FOUND) continue;
		if (rc == 0) rc = env->so->device_revoke(env->st, dev);
		if (rc == 0) rc = revoke_propose_removals(env, dev);
		if (rc != 0) return rc;
	}
	return 0;
}

int ops_crl_apply(struct op_env *env, struct kenh_span der, uint64_t *number, uint32_t *revoked)
{
	struct crypto_crl *crl = NULL;
	struct crypto_crl_meta meta;
	struct kenh_span issuer = { NULL, 0 };
	char unit[UNIT_MAX];
	struct held h = { unit, 0, false };
	int rc;

	*number = 0;
	*revoked = 0;
	if ((rc = crypto_crl_parse(env->ctx, der.p, der.len, &crl)) != 0) return rc;
	if ((rc = find_issuer(env, crl, &issuer, unit)) != 0) goto out;
	if ((rc = crypto_crl_verify(crl, issuer.p, issuer.len)) != 0) goto out;
	crypto_crl_meta(crl, &meta);
	if ((rc = env->so->crl_list(env->st, find_held, &h)) != 0) goto out;
	/* RFC 5280 §5.2.3: a newer CRL has a larger number; equal is a repeat, not news. */
	if (h.found && meta.number <= h.number) {
		env->detail = h.number;
		rc = KENH_ERR(KENH_E_STATE);
		goto out;
	}
	if ((rc = env->so->crl_put(env->st, unit, meta.number, der)) != 0) goto out;
	if ((rc = revoke_devices(env, crl, meta.count)) != 0) goto out;
	env->fx->trust_changed = true;
	*number = meta.number;
	*revoked = meta.count > UINT32_MAX ? UINT32_MAX : (uint32_t)meta.count;
out:
	crypto_crl_free(crl);
	return rc;
}

int op_crl_upload(struct op_env *env, struct peer *p, struct kenh_span body,
                  struct codec_writer *out)
{
	struct proto_crl_upload req;
	struct proto_crl_upload_resp resp = { 0 };
	int rc;

	(void)p;
	if ((rc = proto_msg_decode(&proto_desc_crl_upload, body.p, body.len, &req, sizeof(req))))
		return rc;
	if ((rc = ops_crl_apply(env, req.crl, &resp.crl_number, &resp.revoked)) != 0) return rc;
	return proto_msg_encode(out, &proto_desc_crl_upload_resp, &resp);
}
