/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-admin requests import FILE, requests fetch, requests list [--all]:
 * certificate requests made on a device (DESIGN §6, docs/pki.md "Request
 * binding"), handed over as a file or collected from the relay
 * (ENROLL_LIST, docs/protocol.md §5).
 * Import checks the request's self-signature and its binding to an
 * enrollment code, finds the code by the key the binding names, and
 * refuses a wrong, used or expired code, or a request for another user or
 * unit than the code's, with a clear reason; each refusal is recorded,
 * and too many refuse further attempts for a while. An accepted request
 * uses up its code and waits for `sign` or `reject`. A request from the
 * relay keeps its ticket; a refusal is handed back at once (ENROLL_REJECT,
 * with the reason the device will show), and decisions the relay has not
 * received yet (a sign or reject that could not reach it) are handed over
 * again on the next fetch. A renewal request (kenh renew, kind renew in
 * ENROLL_LIST) is checked against the device's certificates instead of a
 * code (cmd_admin_renew.c) and listed as "renewal of DEVICE".
 */
#include "admin.h"

#include "util/compat.h"

#include "../common/cli.h"
#include "../common/cli_relay.h"
#include "proto/proto.h"
#include "util/mem.h"

/* One request being imported, from a file or from the relay. */
struct import {
	const char *what;   /* the subject of error lines */
	const char *ticket; /* the relay's ticket (hex), NULL for a file */
	uint8_t refusal;    /* set when refused: enum proto_enroll_refusal */
};

/*
 * Refuse an enrollment attempt: record it, audit it, say why, and note
 * the reason the device will be told (docs/protocol.md §5 ENROLL_REJECT).
 * Returns exit status 1.
 */
static int refuse(struct admin *a, struct import *im, const char *user, uint8_t refusal,
                  const char *tag, const char *reason)
{
	char details[ADMIN_DETAILS] = "";

	im->refusal = refusal;
	if (admin_refusal_record(a, user, tag) != 0)
		fprintf(stderr, "kenh-admin: refusals.log: cannot record this refusal\n");
	if (admin_kv(details, "user", user) == 0 && admin_kv(details, "reason", tag) == 0 &&
	    (im->ticket == NULL || admin_kv(details, "ticket", im->ticket) == 0))
		(void)admin_audit(a, "refuse", details);
	return admin_failf(im->what, "%s", reason);
}

/* The code named by the request must be open, unexpired, and for this user and unit. */
static int check_code(struct admin *a, struct import *im, const struct crypto_csr_info *info,
                      struct admin_code *c)
{
	char when[32], why[2 * (CRYPTO_PKI_MAX_USER + CRYPTO_PKI_MAX_UNIT) + 96];
	int rc = admin_code_load(a, info->code_key, c);

	if (rc == KENH_E_NOT_FOUND)
		return refuse(a, im, info->user, PROTO_REFUSED_UNKNOWN_CODE, "unknown-code",
		              "enrollment code is wrong or unknown");
	if (rc != 0) return admin_fail("code record", rc);
	if (strcmp(c->state, "open") != 0) {
		snprintf(why, sizeof(why), "enrollment code already used (by request %s)",
		         c->request);
		return refuse(a, im, info->user, PROTO_REFUSED_CODE_USED, "code-used", why);
	}
	if (a->now > c->expires) {
		cli_time_format(c->expires, when, sizeof(when));
		snprintf(why, sizeof(why), "enrollment code expired at %s", when);
		return refuse(a, im, info->user, PROTO_REFUSED_CODE_EXPIRED, "code-expired", why);
	}
	if (strcmp(c->user, info->user) != 0 || strcmp(c->unit, info->unit) != 0) {
		snprintf(why, sizeof(why),
		         "the request is for %s in %s but the code was made for %s in %s",
		         info->user, info->unit, c->user, c->unit);
		return refuse(a, im, info->user, PROTO_REFUSED_CODE_MISMATCH, "code-mismatch", why);
	}
	return 0;
}

/* Over the refusal limit for this claimed user (or in all): say until when. */
static bool limited(struct admin *a, struct import *im, const char *user)
{
	char when[32];
	uint64_t until;

	if (!admin_refusal_limited(a, user, &until)) return false;
	cli_time_format(until, when, sizeof(when));
	admin_failf(im->what,
	            "too many refused enrollment attempts (for %s, or in all); try again after %s",
	            user, when);
	im->refusal = PROTO_REFUSED_TOO_MANY;
	return true;
}

static int accept(struct admin *a, const struct import *im, const struct crypto_csr_info *info,
                  struct admin_code *c, struct kenh_span der)
{
	char details[ADMIN_DETAILS] = "";
	struct admin_request r;
	int rc;

	memset(&r, 0, sizeof(r));
	admin_hex(info->id, ADMIN_ID_HEX / 2, r.id);
	snprintf(r.status, sizeof(r.status), "pending");
	snprintf(r.user, sizeof(r.user), "%s", info->user);
	snprintf(r.unit, sizeof(r.unit), "%s", info->unit);
	if (im->ticket != NULL) snprintf(r.ticket, sizeof(r.ticket), "%s", im->ticket);
	admin_hex(info->code_key, CRYPTO_ENROLL_KEY_LEN, r.code);
	r.imported = a->now;
	if ((rc = crypto_device_id_make(a->ctx, info->sig_id, info->pk, info->pklen, r.device)))
		return admin_fail("request", rc);
	/*
	 * One use: the code is spent by this request whatever the authority
	 * decides. Spent first, so a crash in between loses a code, never reuses one.
	 */
	if ((rc = admin_code_use(a, info->code_key, c, r.id)) != 0)
		return admin_fail("code record", rc);
	if ((rc = admin_request_save(a, &r, der.p, der.len)) != 0) return admin_fail("request", rc);
	if (admin_kv(details, "request", r.id) != 0 || admin_kv(details, "user", r.user) != 0 ||
	    admin_kv(details, "unit", r.unit) != 0 || admin_kv(details, "device", r.device) != 0 ||
	    (im->ticket != NULL && admin_kv(details, "ticket", im->ticket) != 0))
		return admin_fail("audit", KENH_E_TOO_LARGE);
	if ((rc = admin_audit(a, "import", details)) != 0) return rc;
	printf("imported request %s: user %s in %s, %s key, device id %s\n", r.id, r.user, r.unit,
	       admin_sig_name(info->sig_id), r.device);
	printf("approve it with: kenh-admin sign %s\n", r.id);
	return 0;
}

/*
 * Check a request and its code binding, and keep it as pending (0), or
 * refuse it (exit status 1, im->refusal set) or fail (another status,
 * im->refusal 0). The root key must be loaded (the audit log).
 */
static int import_request(struct admin *a, struct import *im, struct kenh_span der)
{
	struct crypto_csr_info info;
	struct admin_request old;
	struct admin_code c;
	char id[ADMIN_ID_HEX + 1], why[256];
	int rc;

	if ((rc = crypto_csr_verify(a->ctx, der.p, der.len, &info)) != 0) {
		if (limited(a, im, "-")) return 1;
		snprintf(why, sizeof(why), "not a valid certificate request: %s",
		         kenh_strerror(rc));
		return refuse(a, im, "-", PROTO_REFUSED_BAD_REQUEST, "bad-request", why);
	}
	if (limited(a, im, info.user)) return 1;
	admin_hex(info.id, ADMIN_ID_HEX / 2, id);
	if (admin_request_load(a, id, &old, NULL, NULL) == 0)
		return admin_failf(im->what, "already imported as request %s (%s)", id, old.status);
	if ((rc = check_code(a, im, &info, &c)) != 0) return rc;
	return accept(a, im, &info, &c, der);
}

int cmd_admin_requests_import(struct admin *a, int argc, char **argv)
{
	const char *file = NULL;
	struct import im = { "requests import", NULL, 0 };
	uint8_t *der = NULL;
	size_t len = 0;
	int rc;

	if ((rc = admin_args("requests import FILE", argc, argv, NULL, 0, &file, 1, 1)) != 0)
		return rc;
	if ((rc = cli_file_read(file, CRYPTO_PKI_MAX_CSR_DER, &der, &len)) != 0)
		return admin_fail(file, rc);
	if ((rc = admin_root_key(a)) == 0) rc = import_request(a, &im, span_make(der, len));
	mem_free(der);
	return rc;
}

/* What requests fetch did, for its closing line. */
struct fetch_count {
	size_t imported, refused, pending, delivered, failed;
};

/* A request we have already seen: hand its decision to the relay, if it has one. */
static int fetch_known(struct admin *a, struct admin_request *r, const char *ticket,
                       struct fetch_count *n)
{
	char p[ADMIN_PATH];
	uint8_t *der = NULL;
	size_t len = 0;
	int rc;

	if (r->ticket[0] != '\0' && strcmp(r->ticket, ticket) != 0) {
		/* The same request under a second ticket: a replay of what the device sent. */
		admin_failf("requests fetch",
		            "request %s arrived again under another ticket; refused", r->id);
		n->refused++;
		return admin_relay_reject(a, ticket, PROTO_REFUSED_CODE_USED);
	}
	if (r->ticket[0] == '\0') {
		snprintf(r->ticket, sizeof(r->ticket), "%s", ticket);
		if ((rc = admin_request_save(a, r, NULL, 0)) != 0) return admin_fail("request", rc);
	}
	if (strcmp(r->status, "pending") == 0) {
		n->pending++;
		return 0;
	}
	if (strcmp(r->status, "rejected") == 0) {
		rc = admin_relay_reject(a, ticket, PROTO_REFUSED_BY_AUTHORITY);
	} else if ((rc = admin_path(a, p, "certs/%s.crt", r->serial)) != 0 ||
	           (rc = cli_file_read(p, CRYPTO_PKI_MAX_CERT_DER, &der, &len)) != 0) {
		rc = admin_fail(p, rc);
	} else {
		rc = admin_relay_issue(a, ticket, der, len);
	}
	mem_free(der);
	if (rc == 0) {
		printf("request %s: %s, handed to the relay\n", r->id, r->status);
		n->delivered++;
	}
	return rc;
}

/* A renewal request of an enrolled device (RENEW_SUBMIT): cmd_admin_renew.c checks it. */
static int fetch_renewal(struct admin *a, const struct proto_enroll_entry *e, const char *ticket,
                         struct fetch_count *n)
{
	char device[256];
	struct crypto_renew_info info;
	struct admin_request r;
	bool refused = false;
	int rc;

	if (e->device.len == 0 || e->device.len >= sizeof(device))
		return admin_relay_reject(a, ticket, PROTO_REFUSED_BAD_REQUEST);
	memcpy(device, e->device.p, e->device.len);
	device[e->device.len] = '\0';
	if (crypto_renew_csr_verify(a->ctx, e->csr.p, e->csr.len, &info) == 0) {
		char id[ADMIN_ID_HEX + 1];

		admin_hex(info.id, ADMIN_ID_HEX / 2, id);
		if (admin_request_load(a, id, &r, NULL, NULL) == 0)
			return fetch_known(a, &r, ticket, n);
	}
	if ((rc = admin_renew_import(a, ticket, device, e->csr, &refused)) == 0) {
		n->imported++;
		return 0;
	}
	if (!refused) return rc;
	n->refused++;
	if ((rc = admin_relay_reject(a, ticket, PROTO_REFUSED_BY_AUTHORITY)) == 0)
		printf("refused the renewal request of %s at the relay\n", device);
	return rc;
}

static int fetch_one(struct admin *a, const struct proto_enroll_entry *e, struct fetch_count *n)
{
	char ticket[2 * PROTO_TICKET_LEN + 1], what[64], id[ADMIN_ID_HEX + 1];
	struct import im = { what, ticket, 0 };
	struct crypto_csr_info info;
	struct admin_request r;
	int rc;

	admin_hex(e->ticket.p, e->ticket.len, ticket);
	if (e->kind == PROTO_ENROLL_RENEW) return fetch_renewal(a, e, ticket, n);
	snprintf(what, sizeof(what), "request of ticket %.8s", ticket);
	if (crypto_csr_verify(a->ctx, e->csr.p, e->csr.len, &info) == 0) {
		admin_hex(info.id, ADMIN_ID_HEX / 2, id);
		if (admin_request_load(a, id, &r, NULL, NULL) == 0)
			return fetch_known(a, &r, ticket, n);
	}
	if ((rc = import_request(a, &im, e->csr)) == 0) {
		n->imported++;
		return 0;
	}
	if (im.refusal == 0) return rc;
	n->refused++;
	/* docs/protocol.md §5: the device learns why when it fetches its answer. */
	if ((rc = admin_relay_reject(a, ticket, im.refusal)) == 0)
		printf("refused the request of ticket %.8s; the relay will tell the device why\n",
		       ticket);
	return rc;
}

int cmd_admin_requests_fetch(struct admin *a, int argc, char **argv)
{
	struct proto_empty q = { 0 };
	struct proto_enroll_list_resp resp;
	struct cli_relay_reply reply;
	struct fetch_count n = { 0, 0, 0, 0, 0 };
	size_t i;
	int rc;

	if ((rc = admin_args("requests fetch", argc, argv, NULL, 0, NULL, 0, 0)) != 0) return rc;
	if ((rc = admin_root_key(a)) != 0) return rc;
	if ((rc = admin_relay_call(a, PROTO_ENROLL_LIST, &proto_desc_empty, &q, &reply)) != 0)
		return rc;
	if (reply.status != 0) {
		rc = admin_relay_refused("requests fetch", &reply);
		cli_relay_reply_clear(&reply);
		return rc;
	}
	rc = proto_msg_decode(&proto_desc_enroll_list_resp, reply.body, reply.len, &resp,
	                      sizeof(resp));
	if (rc != 0) {
		cli_relay_reply_clear(&reply);
		return admin_fail("requests fetch", KENH_E_PROTO);
	}
	for (i = 0; i < resp.n_pending; i++)
		if (fetch_one(a, &resp.pending[i], &n) != 0) n.failed++;
	proto_msg_clear(&proto_desc_enroll_list_resp, &resp);
	cli_relay_reply_clear(&reply);
	printf("%zu request(s) at the relay: %zu imported, %zu refused, %zu waiting for a "
	       "decision, %zu decision(s) handed over, %zu failed\n",
	       i, n.imported, n.refused, n.pending, n.delivered, n.failed);
	return n.failed != 0 ? 1 : 0;
}

static int list_one(struct admin *a, const struct admin_request *r, void *arg)
{
	const bool *all = arg;
	char when[32];

	(void)a;
	if (!*all && strcmp(r->status, "pending") != 0) return 0;
	cli_time_format(r->imported, when, sizeof(when));
	printf("%-16s  %-8s  %-20s  %-24s  %-16s  %s%s%s\n", r->id, r->status, r->user, r->unit,
	       r->device, when, strcmp(r->kind, "renew") == 0 ? "  renewal of " : "",
	       strcmp(r->kind, "renew") == 0 ? r->device : "");
	return 0;
}

int cmd_admin_requests_list(struct admin *a, int argc, char **argv)
{
	bool all = false;
	const struct admin_opt opts[] = { { "--all", NULL, &all } };
	int rc;

	if ((rc = admin_args("requests list [--all]", argc, argv, opts, ARRAY_LEN(opts), NULL, 0,
	                     0)) != 0)
		return rc;
	printf("%-16s  %-8s  %-20s  %-24s  %-16s  %s\n", "REQUEST", "STATUS", "USER", "UNIT",
	       "DEVICE", "IMPORTED");
	if ((rc = admin_requests_each(a, list_one, &all)) != 0) return admin_fail("requests", rc);
	return 0;
}
