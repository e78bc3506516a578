/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * KP_UPLOAD, KP_CLAIM and DIR_LOOKUP (docs/protocol.md §5): the
 * KeyPackage directory. An uploaded KeyPackage (RFC 9420 §10) must parse
 * as an MLSMessage of wire format mls_key_package and carry an X.509
 * credential (RFC 9420 §5.3.1) whose first certificate names the uploading
 * device, so that nobody can publish packages for someone else. The relay
 * does not verify the package's signature: the member who adds it does
 * (RFC 9420 §10.1), and a bad package only hurts the one who uploaded it.
 */
#include "relay.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "mls/mls_wire.h"
#include "proto/proto.h"
#include "store/store.h"

/* The device a KeyPackage's leaf credential names. */
static int kp_device(const struct op_env *env, const struct peer *p, struct kenh_span bytes,
                     char device[static DEVICE_NAME_MAX])
{
	struct mls_message m;
	const struct mls_credential *cred;
	char unit[UNIT_MAX];
	int rc;

	if ((rc = mls_message_parse(bytes.p, bytes.len, &m)) != 0) return rc;
	if (m.wire_format != MLS_WIRE_FORMAT_KEY_PACKAGE) {
		rc = KENH_ERR(KENH_E_PARSE);
		goto out;
	}
	cred = &m.u.key_package.leaf_node.credential;
	/* RFC 9420 §5.3.1: our devices are named by their X.509 certificate. */
	if (cred->credential_type != MLS_CREDENTIAL_X509 || cred->n_certificates == 0) {
		rc = KENH_ERR(KENH_E_UNSUPPORTED);
		goto out;
	}
	if (span_eq(cred->certificates[0], p->cert)) {
		snprintf(device, DEVICE_NAME_MAX, "%s", p->device);
		rc = 0;
	} else {
		rc = ops_cert_device(env, cred->certificates[0], device, unit);
	}
out:
	mls_message_clear(&m);
	return rc;
}

static int check_and_add(struct op_env *env, const struct peer *p, struct kenh_span kp, bool lr)
{
	char device[DEVICE_NAME_MAX];
	int rc;

	if ((rc = kp_device(env, p, kp, device)) != 0) return rc;
	if (strcmp(device, p->device) != 0) return KENH_ERR(KENH_E_PERM);
	return env->so->kp_add(env->st, p->device, kp, lr);
}

int op_kp_upload(struct op_env *env, struct peer *p, struct kenh_span body,
                 struct codec_writer *out)
{
	struct proto_kp_upload req;
	struct proto_kp_upload_resp resp = { 0 };
	uint32_t held = 0;
	bool lr = false;
	size_t i;
	int rc;

	if ((rc = proto_msg_decode(&proto_desc_kp_upload, body.p, body.len, &req, sizeof(req))))
		return rc;
	if ((rc = env->so->kp_count(env->st, p->device, &held, &lr)) != 0) goto out;
	if (held + req.n_key_packages > env->cfg->kp_max_per_device) {
		rc = KENH_ERR(KENH_E_TOO_LARGE);
		goto out;
	}
	for (i = 0; i < req.n_key_packages; i++) {
		if ((rc = check_and_add(env, p, req.key_packages[i], false)) != 0) goto out;
		resp.stored++;
	}
	if (req.last_resort.present) {
		if ((rc = check_and_add(env, p, req.last_resort.v, true)) != 0) goto out;
		resp.stored++;
	}
	rc = proto_msg_encode(out, &proto_desc_kp_upload_resp, &resp);
out:
	proto_msg_clear(&proto_desc_kp_upload, &req);
	return rc;
}

/* A device name as a NUL-terminated string; PARSE if it holds a NUL. */
static int name_copy(struct kenh_span s, char *out, size_t outlen)
{
	if (s.len >= outlen || memchr(s.p, 0, s.len) != NULL) return KENH_ERR(KENH_E_PARSE);
	memcpy(out, s.p, s.len);
	out[s.len] = '\0';
	return 0;
}

int op_kp_claim(struct op_env *env, struct peer *p, struct kenh_span body, struct codec_writer *out)
{
	struct proto_kp_claim req;
	struct proto_kp_claim_resp resp = { 0 };
	struct store_buf kp = { 0 };
	char device[DEVICE_NAME_MAX];
	bool lr = false;
	int rc;

	(void)p;
	if ((rc = proto_msg_decode(&proto_desc_kp_claim, body.p, body.len, &req, sizeof(req))))
		return rc;
	if ((rc = name_copy(req.device, device, sizeof(device))) != 0) return rc;
	if ((rc = env->so->kp_claim(env->st, device, &kp, &lr)) != 0) return rc;
	resp.key_package = span_make(kp.p, kp.len);
	resp.last_resort = lr;
	rc = proto_msg_encode(out, &proto_desc_kp_claim_resp, &resp);
	store_buf_clear(&kp);
	return rc;
}

static int add_entry(void *arg, const char *device, uint32_t kps, bool lr)
{
	struct codec_writer *w = arg;
	struct proto_dir_entry e = { span_make((const uint8_t *)device, strlen(device)), kps, lr };

	return proto_msg_encode(w, &proto_desc_dir_entry, &e);
}

int op_dir_lookup(struct op_env *env, struct peer *p, struct kenh_span body,
                  struct codec_writer *out)
{
	struct proto_dir_lookup req;
	char unit[UNIT_MAX];
	size_t mark = 0;
	int rc;

	(void)p;
	if ((rc = proto_msg_decode(&proto_desc_dir_lookup, body.p, body.len, &req, sizeof(req))))
		return rc;
	if ((rc = name_copy(req.unit, unit, sizeof(unit))) != 0) return rc;
	if ((rc = codec_write_vector_begin(out, &mark)) != 0) return rc;
	rc = env->so->device_list(env->st, unit, PROTO_MAX_DIR_ENTRIES, add_entry, out);
	if (rc != 0) return rc;
	return codec_write_vector_end(out, mark);
}
