/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Certificate renewal on the device (DESIGN §6, docs/pki.md "Renewal",
 * docs/protocol.md RENEW_SUBMIT and Delivery kind cert):
 *
 *   kenh renew                   a renewal request for the current key
 *                                (crypto_renew_csr_create), sent over the
 *                                device's authenticated connection
 *   kenh renew --fetch [--wait S]  sync until a renewed certificate is
 *                                installed (or S seconds have passed)
 *   kenh renew --cert FILE       install a certificate that came another way
 *
 * A certificate arrives in the inbox (kenh sync, listen, renew --fetch)
 * and is installed only if it chains to our root through our unit CAs,
 * carries our own key and identity (unit, user, device id) and ends later
 * than the current one; anything else is refused and reported. The store
 * then keeps the new chain, so the next TLS connection and every new
 * KeyPackage present it (fresh ones are uploaded at once, the last-resort
 * one replaced), and each group gets an Update: a Commit whose path
 * LeafNode carries the new credential (RFC 9420 §5.3.1 and §12.4.2: the
 * identity and signature key stay the same), so that the other members
 * hold the renewed certificate before the old one expires. A group whose
 * Commit could not be made now is tried again at every later sync: the
 * check is "our leaf does not carry our current certificate".
 */
#include "kenh.h"

#include "util/compat.h"

#include <stdlib.h>
#include <unistd.h>

#include "../common/cli.h"
#include "codec/limits.h"
#include "proto/proto.h"
#include "util/mem.h"

#define RENEW_MAX_GROUPS 256 /* groups updated in one sync; the rest at the next */
#define GROUP_NAME_CAP   (LIMIT_GROUP_ID + 1)

/* Why check_successor refused a certificate, for people. */
static const char *refusal(int rc)
{
	switch (rc) {
	case KENH_E_PERM:
		return "it names another device, user or unit";
	case KENH_E_INVALID_ARG:
		return "it carries another key";
	case KENH_E_STATE:
		return "it does not end later than the current certificate";
	default:
		return kenh_strerror(rc);
	}
}

/* Same key, same identity, later end: the three rules of a renewal. */
static int check_successor(const struct kenh_app *a, const struct crypto_cert_info *info)
{
	if (info->sig_id != a->id.key.sig_id || info->pklen != a->id.key.pklen ||
	    memcmp(info->pk, a->id.key.pk, info->pklen) != 0)
		return KENH_ERR(KENH_E_INVALID_ARG);
	if (strcmp(info->unit, a->me.unit) != 0 || strcmp(info->user, a->me.user) != 0 ||
	    strcmp(info->device, a->me.device) != 0)
		return KENH_ERR(KENH_E_PERM);
	if (info->not_after <= a->me.not_after) return KENH_ERR(KENH_E_STATE);
	return 0;
}

/* Keep the new leaf with the same key, root and unit CAs; reload a->id and a->me. */
static int store_chain(struct kenh_app *a, struct kenh_span cert, const struct crypto_cert_info *in)
{
	struct client_identity id;
	size_t i;
	int rc;

	memset(&id, 0, sizeof(id));
	id.key = a->id.key;
	id.root = a->id.root;
	id.chain[0] = cert;
	for (i = 1; i < a->id.nchain; i++)
		id.chain[i] = a->id.chain[i];
	id.nchain = a->id.nchain;
	rc = client_store_identity_put(a->st, &id);
	sec_zero(&id.key, sizeof(id.key));
	if (rc != 0) return rc;
	client_identity_clear(&a->id);
	if ((rc = client_store_identity_get(a->st, &a->id)) != 0) return rc;
	a->me = *in;
	return 0;
}

int kenh_renew_install(struct kenh_app *a, struct kenh_span cert)
{
	struct crypto_cert_info info;
	char serial[2 * CRYPTO_PKI_SERIAL_MAX + 1], until[32];
	int rc;

	/* Our root and unit CAs, now (KENH_E_VERIFY, EXPIRED, PERM). */
	if ((rc = kenh_crl_verify_own(a, cert, false, &info)) != 0) {
		a->cert_refused++;
		fprintf(stderr,
		        "kenh: a renewed certificate was refused: it does not validate "
		        "under this organization's root: %s\n",
		        kenh_strerror(rc));
		return 0;
	}
	if ((rc = check_successor(a, &info)) != 0) {
		a->cert_refused++;
		fprintf(stderr, "kenh: a renewed certificate was refused: %s\n", refusal(rc));
		return 0;
	}
	if ((rc = store_chain(a, cert, &info)) != 0) return rc;
	a->renewed++;
	crypto_serial_hex(&info.serial, serial, sizeof(serial));
	cli_time_format(info.not_after, until, sizeof(until));
	fprintf(stderr, "kenh: installed the renewed certificate %s, valid until %s\n", serial,
	        until);
	/* New KeyPackages present the new chain (kenh_renew_groups uploads them). */
	a->kp_stale = true;
	return 0;
}

/* The groups whose leaf for us does not carry our current certificate. */
struct stale {
	struct kenh_app *a;
	char (*names)[GROUP_NAME_CAP];
	size_t n;
};

static int find_stale(void *arg, const struct client_store_item *it)
{
	struct stale *s = arg;
	struct kenh_mls_group *g = NULL;
	struct kenh_mls_config cfg;
	struct crypto_cert_info info;
	bool stale = false;

	if (s->n == RENEW_MAX_GROUPS || it->key.len >= GROUP_NAME_CAP) return 0;
	kenh_mls_config(s->a, &cfg);
	if (kenh_mls_group_restore(s->a->ctx, &cfg, it->value.p, it->value.len, &g) != 0) return 0;
	/* Only towards a later certificate: never back to an older one. */
	if (kenh_mls_group_is_active(g) &&
	    kenh_member_info(s->a, g, kenh_mls_group_own_leaf(g), &info) == 0)
		stale = !crypto_serial_eq(&info.serial, &s->a->me.serial) &&
		        info.not_after < s->a->me.not_after;
	kenh_mls_group_free(g);
	if (stale) {
		memcpy(s->names[s->n], it->key.p, it->key.len);
		s->names[s->n++][it->key.len] = '\0';
	}
	return 0;
}

/* One Update Commit carrying our current credential (RFC 9420 §12.4.1 with a path). */
static int update_group(struct kenh_app *a, const char *name)
{
	const uint8_t *certs[CLIENT_IDENTITY_MAX_CHAIN];
	size_t lens[CLIENT_IDENTITY_MAX_CHAIN];
	struct kenh_mls_credential_args cred;
	struct kenh_mls_commit_args ca;
	uint64_t epoch = 0;
	int rc;

	kenh_mls_cred(a, &cred, certs, lens);
	memset(&ca, 0, sizeof(ca));
	ca.include_pending = true;
	ca.ratchet_tree = true;
	ca.update = true;
	ca.credential = &cred;
	rc = kenh_group_commit(a, name, &ca, &epoch);
	if (rc == 0)
		fprintf(stderr, "kenh: group %s now holds the renewed certificate (epoch %llu)\n",
		        name, (unsigned long long)epoch);
	else
		fprintf(stderr, "kenh: group %s: the renewed certificate is not sent yet: %s\n",
		        name, kenh_strerror(rc));
	return rc;
}

int kenh_renew_groups(struct kenh_app *a, size_t *updated)
{
	struct stale s = { a, NULL, 0 };
	size_t i;
	int rc;

	*updated = 0;
	if (a->renewing) return 0;
	/* New KeyPackages present the new chain; the last-resort one is replaced. */
	if (a->kp_stale) {
		if ((rc = kenh_kp_upload(a, KENH_KP_BATCH, true)) != 0) return rc;
		a->kp_stale = false;
	}
	if ((rc = mem_calloc(RENEW_MAX_GROUPS, sizeof(*s.names), (void **)&s.names)) != 0)
		return rc;
	a->renewing = true;
	rc = client_store_scan(a->st, CLIENT_T_GROUPS, span_make(NULL, 0), 0, 0, find_stale, &s);
	for (i = 0; rc == 0 && i < s.n; i++) {
		int urc = update_group(a, s.names[i]);

		/* A group that cannot be updated now is tried at the next sync. */
		if (urc == KENH_E_DB || urc == KENH_E_IO || urc == KENH_E_NOMEM ||
		    urc == KENH_CLI_E_WIPED)
			rc = urc;
		else if (urc == 0)
			(*updated)++;
	}
	a->renewing = false;
	mem_free(s.names);
	return rc;
}

/* RENEW_SUBMIT with a request for our current key and identity. */
static int submit(struct kenh_app *a)
{
	struct crypto_renew_claim claim = { a->me.unit, a->me.user, a->me.device, &a->me.serial };
	struct proto_renew_submit req;
	struct proto_seq_resp resp;
	uint8_t *csr = NULL;
	size_t len = 0;
	int rc;

	if ((rc = crypto_renew_csr_create(a->ctx, &a->id.key, &claim, &csr, &len)) != 0) return rc;
	memset(&req, 0, sizeof(req));
	req.csr.present = true;
	req.csr.v = span_make(csr, len);
	rc = kenh_net_call(a, PROTO_RENEW_SUBMIT, &proto_desc_renew_submit, &req,
	                   &proto_desc_renew_submit_resp, &resp, sizeof(resp), NULL);
	mem_free(csr);
	return rc;
}

/* Sync until a certificate is installed or refused, or seconds have passed. */
static int fetch(struct kenh_app *a, long seconds)
{
	size_t n = 0;
	long waited = 0;
	int rc;

	for (;;) {
		if ((rc = kenh_sync_run(a, 0, &n)) != 0) return kenh_fail("renew", rc);
		if (a->renewed > 0 || a->cert_refused > 0 || waited >= seconds) break;
		sleep(1);
		waited++;
	}
	if (a->renewed > 0) return 0;
	if (a->cert_refused > 0)
		return kenh_failf("renew", "the certificate the relay delivered was refused");
	return kenh_failf("renew", "no renewed certificate yet (the authority has not signed; "
	                           "try kenh renew --fetch later)");
}

/* A certificate that came another way (a file): the same checks as from the inbox. */
static int install_file(struct kenh_app *a, const char *file)
{
	uint8_t *der = NULL;
	size_t len = 0, n = 0;
	int rc;

	if ((rc = cli_file_read(file, CRYPTO_PKI_MAX_CERT_DER, &der, &len)) != 0)
		return kenh_fail(file, rc);
	rc = kenh_renew_install(a, span_make(der, len));
	mem_free(der);
	if (rc != 0) return kenh_fail("renew", rc);
	if (a->renewed == 0) return kenh_failf("renew", "the certificate was refused");
	/* The groups get the new credential now if the relay can be reached, else later. */
	if ((rc = kenh_renew_groups(a, &n)) != 0) return kenh_fail("renew", rc);
	return 0;
}

int cmd_kenh_renew(struct kenh_app *a, int argc, char **argv)
{
	const char *wait = NULL, *cert = NULL, *pos[1];
	bool do_fetch = false;
	size_t npos;
	const struct kenh_arg opts[] = {
		{ "--wait", &wait, NULL, NULL, NULL, 0 },
		{ "--fetch", NULL, &do_fetch, NULL, NULL, 0 },
		{ "--cert", &cert, NULL, NULL, NULL, 0 },
	};
	char until[32];
	int rc;

	if (kenh_args(argc, argv, 1, opts, 3, pos, 0, &npos) != 0)
		return kenh_usage("renew [--fetch] [--wait SECONDS] | --cert FILE");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	if (cert != NULL) {
		if ((rc = install_file(a, cert)) != 0) return rc;
	} else if (!do_fetch) {
		if ((rc = submit(a)) == KENH_E_EXISTS)
			return kenh_failf("renew", "a renewal request of this device is already "
			                           "waiting for the authority");
		if (rc != 0) return kenh_fail("renew", rc);
		cli_time_format(a->me.not_after, until, sizeof(until));
		printf("renewal request sent (the current certificate is valid until %s); once the "
		       "authority has signed it: kenh renew --fetch [--wait SECONDS]\n",
		       until);
		if (wait == NULL) return 0;
	}
	if (cert == NULL && (rc = fetch(a, wait != NULL ? strtol(wait, NULL, 10) : 0)) != 0)
		return rc;
	cli_time_format(a->me.not_after, until, sizeof(until));
	printf("renewed: %s/%s/%s, valid until %s\n", a->me.unit, a->me.user, a->me.device, until);
	return 0;
}
