/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-admin relay set ADDRESS [--ca FILE] [--unit PATH] [--renew], relay
 * show: where the relay is, which CA its TLS certificate comes from, and
 * the authority's identity there (docs/protocol.md §5 "The authority"): a
 * device certificate for <unit>/kenh-admin/<device id>, issued by the root
 * itself, for a key made here and sealed under the folder's passphrase.
 * The relay accepts it for the authority's operations once its
 * configuration names it ("authority = ..."), which relay set prints.
 * relay show checks that the relay does.
 */
#include "admin.h"

#include "util/compat.h"

#include <unistd.h>

#include "../common/cli.h"
#include "../common/cli_relay.h"
#include "proto/proto.h"
#include "util/mem.h"

#define CA_FILE_MAX (1024 * 1024)

/* Copy the relay's CA (PEM) into the folder. */
static int copy_ca(struct admin *a, const char *file)
{
	char p[ADMIN_PATH];
	uint8_t *pem = NULL;
	size_t len = 0;
	int rc;

	if ((rc = cli_file_read(file, CA_FILE_MAX, &pem, &len)) != 0) return admin_fail(file, rc);
	if (strstr((const char *)pem, "-----BEGIN CERTIFICATE-----") == NULL) {
		rc = admin_failf(file, "not a PEM certificate file");
	} else if ((rc = admin_path(a, p, "relay/ca.pem")) != 0 ||
	           (rc = cli_file_write(p, pem, len, false, false)) != 0) {
		rc = admin_fail("relay/ca.pem", rc);
	}
	mem_free(pem);
	return rc;
}

/* The current identity, if any: its certificate's identity. */
static bool current_identity(struct admin *a, struct crypto_cert_info *info)
{
	char p[ADMIN_PATH];
	uint8_t *der = NULL;
	size_t len = 0;
	bool ok;

	if (admin_path(a, p, "relay/authority.crt") != 0 ||
	    cli_file_read(p, CRYPTO_PKI_MAX_CERT_DER, &der, &len) != 0)
		return false;
	ok = crypto_cert_parse(a->ctx, der, len, info) == 0 && info->kind == CRYPTO_CERT_DEVICE;
	mem_free(der);
	return ok;
}

/* A device certificate under the root for a fresh key; *der (mem_free). */
static int issue_identity(struct admin *a, const char *unit, struct crypto_sigkey *key,
                          uint8_t **der, size_t *len)
{
	struct crypto_cert_template t = { .kind = CRYPTO_CERT_DEVICE };
	char device[CRYPTO_PKI_DEVICE_ID_LEN + 1];
	struct crypto_issuer iss;
	struct admin_ca root;
	int rc;

	if ((rc = admin_ca_load(a, "", &root)) != 0) return admin_fail("root", rc);
	if ((rc = admin_ca_key(a, &root)) != 0) goto out;
	rc = crypto_sigkey_generate(a->ctx, crypto_pki_suite_sig(a->suite), key);
	if (rc == 0) rc = crypto_device_id_make(a->ctx, key->sig_id, key->pk, key->pklen, device);
	t.unit = unit;
	t.user = ADMIN_AUTH_USER;
	t.device = device;
	t.sig_id = key->sig_id;
	t.pk = key->pk;
	t.pklen = key->pklen;
	t.not_before = a->now;
	t.lifetime = ADMIN_AUTH_DAYS * (uint64_t)CRYPTO_PKI_DAY;
	iss = admin_ca_issuer(&root);
	if (rc == 0) rc = crypto_cert_issue(a->ctx, &iss, &t, der, len);
	if (rc != 0) rc = admin_fail("authority certificate", rc);
out:
	admin_ca_free(&root);
	return rc;
}

/* Replace relay/authority.key and .crt, keep the certificate in certs/ too. */
static int save_identity(struct admin *a, const struct crypto_sigkey *key, const uint8_t *der,
                         size_t len, struct crypto_cert_info *info)
{
	char p[ADMIN_PATH];
	int rc;

	if ((rc = crypto_cert_parse(a->ctx, der, len, info)) != 0) return rc;
	if ((rc = admin_path(a, p, "relay/authority.key")) != 0) return rc;
	/* Key files are written exclusively; the old key goes with its certificate. */
	if (cli_file_exists(p) && unlink(p) != 0) return KENH_ERR(KENH_E_IO);
	if ((rc = admin_key_save(a, p, key)) != 0) return rc;
	if ((rc = admin_path(a, p, "relay/authority.crt")) != 0) return rc;
	if ((rc = cli_file_write(p, der, len, false, false)) != 0) return rc;
	return admin_cert_store(a, der, len, info, p);
}

static int new_identity(struct admin *a, const char *unit, struct crypto_cert_info *info)
{
	struct crypto_sigkey key;
	uint8_t *der = NULL;
	size_t len = 0;
	int rc;

	memset(&key, 0, sizeof(key));
	if ((rc = issue_identity(a, unit, &key, &der, &len)) == 0 &&
	    (rc = save_identity(a, &key, der, len, info)) != 0)
		rc = admin_fail("relay/authority", rc);
	crypto_sigkey_clear(&key);
	mem_free(der);
	return rc;
}

static int record(struct admin *a, const struct admin_relay_conf *c,
                  const struct crypto_cert_info *info, bool made)
{
	char details[ADMIN_DETAILS] = "", serial[2 * CRYPTO_PKI_SERIAL_MAX + 1], until[32];

	crypto_serial_hex(&info->serial, serial, sizeof(serial));
	cli_time_format(info->not_after, until, sizeof(until));
	if (admin_kv(details, "address", c->addr) != 0 ||
	    admin_kv(details, "authority", c->authority) != 0 ||
	    admin_kv(details, "serial", serial) != 0 ||
	    admin_kv(details, "new", made ? "yes" : "no") != 0)
		return admin_fail("audit", KENH_E_TOO_LARGE);
	if (made) {
		printf("new authority identity %s, issued by root, valid until %s\n", c->authority,
		       until);
	} else {
		printf("authority identity %s, valid until %s (unchanged)\n", c->authority, until);
	}
	return admin_audit(a, "relay", details);
}

/* A new identity is needed when asked, when there is none, or when it is about to expire. */
static bool needs_new(struct admin *a, bool renew, const char *unit,
                      const struct crypto_cert_info *cur, bool have)
{
	return renew || !have || (unit != NULL && strcmp(unit, cur->unit) != 0) ||
	       cur->not_after < a->now + ADMIN_AUTH_RENEW_DAYS * (uint64_t)CRYPTO_PKI_DAY;
}

int cmd_admin_relay_set(struct admin *a, int argc, char **argv)
{
	const char *addr = NULL, *ca = NULL, *unit = NULL;
	bool renew = false, have, made;
	const struct admin_opt opts[] = { { "--ca", &ca, NULL },
		                          { "--unit", &unit, NULL },
		                          { "--renew", NULL, &renew } };
	char host[CLI_RELAY_HOST_MAX], port[CLI_RELAY_PORT_MAX], p[ADMIN_PATH];
	struct admin_relay_conf conf;
	struct crypto_cert_info info;
	int rc;

	if ((rc = admin_args("relay set ADDRESS [--ca FILE] [--unit PATH] [--renew]", argc, argv,
	                     opts, ARRAY_LEN(opts), &addr, 1, 1)) != 0)
		return rc;
	if (cli_relay_addr_parse(addr, host, port) != 0)
		return admin_failf(addr, "not HOST:PORT (a name or an address, and a port)");
	if (unit != NULL && !crypto_unit_path_is_valid(unit))
		return admin_failf(unit, "not a unit path");
	memset(&conf, 0, sizeof(conf));
	if ((rc = admin_path(a, p, "relay")) != 0 || (rc = cli_dir_make(p)) != 0)
		return admin_fail("relay", rc);
	if (ca != NULL && (rc = copy_ca(a, ca)) != 0) return rc;
	have = current_identity(a, &info);
	made = needs_new(a, renew, unit, &info, have);
	if (made && (rc = new_identity(a,
	                               unit   ? unit
	                               : have ? info.unit
	                                      : ADMIN_AUTH_UNIT,
	                               &info)) != 0)
		return rc;
	snprintf(conf.addr, sizeof(conf.addr), "%s", addr);
	snprintf(conf.authority, sizeof(conf.authority), "%s/%s/%s", info.unit, info.user,
	         info.device);
	if ((rc = admin_relay_conf_write(a, &conf)) != 0) return admin_fail("relay/relay.conf", rc);
	if ((rc = record(a, &conf, &info, made)) != 0) return rc;
	if (admin_path(a, p, "relay/ca.pem") != 0) return admin_fail("relay", KENH_E_TOO_LARGE);
	printf("relay %s, its certificate checked against %s\n", conf.addr,
	       cli_file_exists(p) ? p : "the system's trusted CAs");
	printf("the relay's configuration (kenhd.conf) must name this authority; add the line\n");
	printf("    authority = %s\n", conf.authority);
	printf("then restart the relay, and check with: kenh-admin relay show\n");
	return 0;
}

int cmd_admin_relay_show(struct admin *a, int argc, char **argv)
{
	struct admin_relay_conf conf;
	struct proto_empty q = { 0 };
	struct proto_enroll_list_resp resp;
	struct cli_relay_reply reply;
	char p[ADMIN_PATH];
	int rc;

	if ((rc = admin_args("relay show", argc, argv, NULL, 0, NULL, 0, 0)) != 0) return rc;
	if ((rc = admin_relay_conf_read(a, &conf)) != 0)
		return rc == KENH_E_NOT_FOUND
		               ? admin_failf("relay",
		                             "none configured: kenh-admin relay set ADDRESS")
		               : admin_fail("relay/relay.conf", rc);
	if (admin_path(a, p, "relay/ca.pem") != 0) return admin_fail("relay", KENH_E_TOO_LARGE);
	printf("relay:     %s\n", conf.addr);
	printf("relay CA:  %s\n", cli_file_exists(p) ? p : "the system's trusted CAs");
	printf("authority: %s\n", conf.authority);
	if ((rc = admin_relay_call(a, PROTO_ENROLL_LIST, &proto_desc_empty, &q, &reply)) != 0)
		return rc;
	if (reply.status != 0) {
		rc = admin_relay_refused("relay", &reply);
	} else if (proto_msg_decode(&proto_desc_enroll_list_resp, reply.body, reply.len, &resp,
	                            sizeof(resp)) != 0) {
		rc = admin_fail("relay", KENH_E_PROTO);
	} else {
		printf("the relay accepts this authority; %zu enrollment request(s) waiting\n",
		       resp.n_pending);
		proto_msg_clear(&proto_desc_enroll_list_resp, &resp);
	}
	cli_relay_reply_clear(&reply);
	return rc;
}
