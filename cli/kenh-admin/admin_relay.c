/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-admin's side of the relay (DESIGN §6, docs/protocol.md §5): the
 * relay's address and CA (relay/relay.conf, relay/ca.pem), the authority's
 * identity there (relay/authority.crt, a device certificate issued by the
 * root, and relay/authority.key, sealed like every key of the folder), and
 * one connection per run, opened on first use, through which decisions
 * made offline are handed over: certificates (ENROLL_ISSUE), refusals
 * (ENROLL_REJECT), CRLs (CRL_UPLOAD) and wipe orders (WIPE_SEND). The CA
 * keys never leave the folder; the relay only ever receives what they
 * signed.
 */
#include "admin.h"

#include "util/compat.h"

#include "../common/cli.h"
#include "../common/cli_relay.h"
#include "proto/proto.h"
#include "util/mem.h"

#define CONF_MAX 4096

/* One "key=value" line of relay.conf. */
static bool conf_line(struct admin_relay_conf *c, char *line)
{
	char *v = strchr(line, '=');

	if (v == NULL) return false;
	*v++ = '\0';
	if (strcmp(line, "address") == 0)
		return (size_t)snprintf(c->addr, sizeof(c->addr), "%s", v) < sizeof(c->addr);
	if (strcmp(line, "authority") == 0)
		return (size_t)snprintf(c->authority, sizeof(c->authority), "%s", v) <
		       sizeof(c->authority);
	return false;
}

int admin_relay_conf_read(struct admin *a, struct admin_relay_conf *c)
{
	char p[ADMIN_PATH], *line, *next;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = admin_path(a, p, "relay/relay.conf")) != 0) return rc;
	if ((rc = cli_file_read(p, CONF_MAX, &buf, &len)) != 0) return rc;
	for (line = (char *)buf; rc == 0 && line != NULL && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) != NULL) *next++ = '\0';
		if (!conf_line(c, line)) rc = KENH_ERR(KENH_E_PARSE);
	}
	mem_free(buf);
	if (rc == 0 && (c->addr[0] == '\0' || c->authority[0] == '\0')) rc = KENH_ERR(KENH_E_PARSE);
	return rc;
}

int admin_relay_conf_write(struct admin *a, const struct admin_relay_conf *c)
{
	char p[ADMIN_PATH], buf[CONF_MAX];
	int n;

	n = snprintf(buf, sizeof(buf), "address=%s\nauthority=%s\n", c->addr, c->authority);
	if (n < 0 || (size_t)n >= sizeof(buf)) return KENH_ERR(KENH_E_TOO_LARGE);
	if (admin_path(a, p, "relay/relay.conf") != 0) return KENH_ERR(KENH_E_TOO_LARGE);
	return cli_file_write(p, (const uint8_t *)buf, (size_t)n, false, false);
}

bool admin_relay_configured(struct admin *a)
{
	char p[ADMIN_PATH];

	return admin_path(a, p, "relay/relay.conf") == 0 && cli_file_exists(p);
}

/* The authority's certificate must still validate: say clearly when it does not. */
static int check_identity(struct admin *a, const uint8_t *der, size_t len)
{
	struct crypto_trust *t = NULL;
	struct crypto_cert_info info;
	int rc;

	if ((rc = admin_trust(a, &t)) != 0) return admin_fail("trust store", rc);
	rc = crypto_trust_verify(t, der, len, a->now, &info);
	crypto_trust_free(t);
	if (rc == KENH_E_EXPIRED)
		return admin_failf("relay", "the authority's certificate has expired: run "
		                            "kenh-admin relay set ADDRESS --renew");
	if (rc != 0)
		return admin_failf("relay", "the authority's certificate: %s", kenh_strerror(rc));
	return 0;
}

/* The connection's identity: certificate and decrypted key. */
static int load_identity(struct admin *a, uint8_t **der, size_t *len, struct crypto_sigkey *key)
{
	char p[ADMIN_PATH];
	int rc;

	if ((rc = admin_path(a, p, "relay/authority.crt")) != 0 ||
	    (rc = cli_file_read(p, CRYPTO_PKI_MAX_CERT_DER, der, len)) != 0)
		return admin_failf("relay", "no authority identity: run kenh-admin relay set "
		                            "ADDRESS first");
	if ((rc = check_identity(a, *der, *len)) != 0) return rc;
	if ((rc = admin_path(a, p, "relay/authority.key")) != 0)
		return admin_fail("relay", KENH_E_TOO_LARGE);
	return admin_key_load(a, p, "authority key", key);
}

int admin_relay_open(struct admin *a)
{
	struct admin_relay_conf conf;
	struct crypto_sigkey key;
	struct cli_relay_config cfg;
	char ca[ADMIN_PATH], err[CLI_RELAY_ERR_LEN];
	uint8_t *der = NULL;
	size_t len = 0;
	int rc;

	if (a->relay != NULL) return 0;
	memset(&key, 0, sizeof(key));
	if ((rc = admin_relay_conf_read(a, &conf)) != 0) {
		rc = rc == KENH_E_NOT_FOUND
		             ? admin_failf("relay", "none configured: kenh-admin relay set ADDRESS")
		             : admin_fail("relay/relay.conf", rc);
		goto out;
	}
	if ((rc = load_identity(a, &der, &len, &key)) != 0) goto out;
	if ((rc = admin_path(a, ca, "relay/ca.pem")) != 0) goto out;
	memset(&cfg, 0, sizeof(cfg));
	cfg.addr = conf.addr;
	cfg.ca_file = cli_file_exists(ca) ? ca : NULL;
	cfg.cert = span_make(der, len);
	cfg.key = &key;
	if ((rc = cli_relay_connect(a->ctx, &cfg, &a->relay, err)) != 0)
		rc = admin_failf("relay", "%s", err);
out:
	crypto_sigkey_clear(&key);
	mem_free(der);
	return rc;
}

int admin_relay_call(struct admin *a, uint16_t type, const struct proto_desc *d, const void *msg,
                     struct cli_relay_reply *reply)
{
	int rc;

	memset(reply, 0, sizeof(*reply));
	if ((rc = admin_relay_open(a)) != 0) return rc;
	if ((rc = cli_relay_call(a->relay, type, d, msg, reply)) == 0) return 0;
	cli_relay_close(a->relay);
	a->relay = NULL;
	/* R8.2 on the relay's side: it closes a connection it does not accept. */
	if (rc == KENH_E_IO)
		return admin_failf("relay", "the relay closed the connection (does it accept the "
		                            "authority's certificate? see kenh-admin relay show)");
	return admin_fail("relay", rc);
}

int admin_relay_refused(const char *what, const struct cli_relay_reply *reply)
{
	if (reply->status == (uint16_t)-KENH_E_PERM)
		return admin_failf(what, "refused by the relay: not allowed for this authority "
		                         "(is its \"authority = ...\" line in the relay's "
		                         "configuration? see kenh-admin relay show)");
	return admin_failf(what, "refused by the relay: %s", cli_relay_status_text(reply->status));
}

int admin_relay_issue(struct admin *a, const char *ticket_hex, const uint8_t *cert, size_t len)
{
	uint8_t ticket[PROTO_TICKET_LEN];
	struct proto_enroll_issue m = { span_make(ticket, sizeof(ticket)), span_make(cert, len) };
	struct cli_relay_reply reply;
	int rc;

	if (admin_unhex(ticket_hex, ticket, sizeof(ticket)) != 0)
		return admin_failf("ticket", "not %d hex digits", 2 * PROTO_TICKET_LEN);
	if ((rc = admin_relay_call(a, PROTO_ENROLL_ISSUE, &proto_desc_enroll_issue, &m, &reply)))
		return rc;
	if (reply.status != 0) rc = admin_relay_refused("certificate upload", &reply);
	cli_relay_reply_clear(&reply);
	return rc;
}

int admin_relay_reject(struct admin *a, const char *ticket_hex, uint8_t reason)
{
	uint8_t ticket[PROTO_TICKET_LEN];
	struct proto_enroll_reject m = { span_make(ticket, sizeof(ticket)), reason };
	struct cli_relay_reply reply;
	int rc;

	if (admin_unhex(ticket_hex, ticket, sizeof(ticket)) != 0)
		return admin_failf("ticket", "not %d hex digits", 2 * PROTO_TICKET_LEN);
	if ((rc = admin_relay_call(a, PROTO_ENROLL_REJECT, &proto_desc_enroll_reject, &m, &reply)))
		return rc;
	if (reply.status != 0) rc = admin_relay_refused("refusal upload", &reply);
	cli_relay_reply_clear(&reply);
	return rc;
}

int admin_relay_crl(struct admin *a, const char *unit)
{
	const char *name = unit[0] ? unit : "root";
	struct proto_crl_upload m;
	struct proto_crl_upload_resp r;
	struct cli_relay_reply reply;
	char p[ADMIN_PATH];
	uint8_t *der = NULL;
	size_t len = 0;
	int rc;

	if ((rc = admin_crl_path(a, unit, p)) != 0 ||
	    (rc = cli_file_read(p, CRYPTO_PKI_MAX_CRL_DER, &der, &len)) != 0)
		return admin_fail(p, rc);
	m.crl = span_make(der, len);
	if ((rc = admin_relay_call(a, PROTO_CRL_UPLOAD, &proto_desc_crl_upload, &m, &reply)) != 0)
		goto out;
	if (reply.status == (uint16_t)-KENH_E_STATE) {
		/* docs/protocol.md §5: the relay holds this CRL or a newer one. */
		printf("CRL of %s: the relay already has number %llu\n", name,
		       (unsigned long long)reply.detail);
	} else if (reply.status != 0) {
		rc = admin_relay_refused("CRL upload", &reply);
	} else if (proto_msg_decode(&proto_desc_crl_upload_resp, reply.body, reply.len, &r,
	                            sizeof(r)) != 0) {
		rc = admin_fail("CRL upload", KENH_E_PROTO);
	} else {
		printf("CRL of %s uploaded to the relay: number %llu, %u revoked certificate(s)\n",
		       name, (unsigned long long)r.crl_number, r.revoked);
	}
	cli_relay_reply_clear(&reply);
out:
	mem_free(der);
	return rc;
}

/*
 * Send msg (type, d) for one device and read the relay's SeqResponse (resp):
 * *seq is the inbox entry it was queued under (docs/protocol.md WIPE_SEND,
 * RENEW_SUBMIT). A refusal or a bad answer is reported as what.
 */
static int queue_for_device(struct admin *a, uint16_t type, const struct proto_desc *d,
                            const void *msg, const struct proto_desc *resp, const char *what,
                            uint64_t *seq)
{
	struct proto_seq_resp r;
	struct cli_relay_reply reply;
	int rc;

	*seq = 0;
	if ((rc = admin_relay_call(a, type, d, msg, &reply)) != 0) return rc;
	if (reply.status != 0)
		rc = admin_relay_refused(what, &reply);
	else if (proto_msg_decode(resp, reply.body, reply.len, &r, sizeof(r)) != 0)
		rc = admin_fail(what, KENH_E_PROTO);
	else
		*seq = r.seq;
	cli_relay_reply_clear(&reply);
	return rc;
}

int admin_relay_wipe(struct admin *a, const char *device_name, const uint8_t *order, size_t len)
{
	struct proto_wipe_send m = { span_make((const uint8_t *)device_name, strlen(device_name)),
		                     span_make(order, len) };
	uint64_t seq;
	int rc;

	rc = queue_for_device(a, PROTO_WIPE_SEND, &proto_desc_wipe_send, &m,
	                      &proto_desc_wipe_send_resp, "wipe delivery", &seq);
	if (rc == 0)
		printf("wipe order queued at the relay for %s (inbox entry %llu); the device "
		       "receives it when it connects\n",
		       device_name, (unsigned long long)seq);
	return rc;
}

int admin_relay_renew(struct admin *a, const char *device_name, const uint8_t *cert, size_t len)
{
	struct proto_renew_submit m;
	uint64_t seq;
	int rc;

	memset(&m, 0, sizeof(m));
	m.certificate.present = true;
	m.certificate.v = span_make(cert, len);
	rc = queue_for_device(a, PROTO_RENEW_SUBMIT, &proto_desc_renew_submit, &m,
	                      &proto_desc_renew_submit_resp, "certificate delivery", &seq);
	if (rc == 0)
		printf("certificate queued at the relay for %s (inbox entry %llu); the device "
		       "installs it at its next sync\n",
		       device_name, (unsigned long long)seq);
	return rc;
}
