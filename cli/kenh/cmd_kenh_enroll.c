/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh enroll (DESIGN §6, docs/protocol.md "Enrollment"): a certificate
 * request for the device key, bound to the one-time code (the code itself
 * never leaves the device), sent through an enrolling connection
 * (ENROLL_SUBMIT, which returns a ticket; without --wait the command
 * ends there); then, once the authority has signed it, the certificate
 * fetched with the ticket (kenh enroll --fetch: ENROLL_FETCH; each
 * enrolling connection carries one request; a refusal is shown with its
 * reason). A certificate may also be
 * installed from a file (--cert) when it came another way. Once the
 * certificate is in, the identity is stored and the first KeyPackages
 * are uploaded.
 */
#include "kenh.h"

#include "util/compat.h"

#include <stdlib.h>
#include <unistd.h>

#include "../common/cli.h"
#include "../common/cli_relay.h"
#include "codec/codec.h"
#include "proto/proto.h"
#include "util/mem.h"

#define TICKET_LEN 16

struct pending {
	struct crypto_sigkey key; /* secret */
	uint8_t ticket[TICKET_LEN];
	bool has_ticket;
};

static int pending_get(struct kenh_app *a, struct pending *p)
{
	struct client_store_item it;
	struct codec_reader r;
	struct kenh_span sk, ticket;
	uint16_t sig = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = client_store_get(a->st, CLIENT_T_IDENTITY,
	                           span_make((const uint8_t *)"enroll", 6), &it)) != 0)
		return rc;
	codec_reader_init(&r, it.value.p, it.value.len);
	codec_read_u16(&r, &sig);
	codec_read_opaque(&r, CRYPTO_MAX_SIG_SK, &sk);
	codec_read_opaque(&r, TICKET_LEN, &ticket);
	if ((rc = codec_reader_done(&r)) == 0)
		rc = crypto_sigkey_from_sk(a->ctx, sig, sk.p, sk.len, &p->key);
	if (rc == 0 && ticket.len == TICKET_LEN) {
		memcpy(p->ticket, ticket.p, TICKET_LEN);
		p->has_ticket = true;
	}
	client_store_item_clear(&it);
	return rc;
}

static int pending_put(struct kenh_app *a, const struct pending *p)
{
	struct codec_writer w;
	struct client_store_put row;
	int rc;

	codec_writer_init(&w, 1024, CODEC_WRITER_SENSITIVE);
	codec_write_u16(&w, p->key.sig_id);
	codec_write_opaque(&w, p->key.sk, p->key.sklen);
	codec_write_opaque(&w, p->ticket, p->has_ticket ? TICKET_LEN : 0);
	if ((rc = codec_writer_err(&w)) == 0) {
		memset(&row, 0, sizeof(row));
		row.key = span_make((const uint8_t *)"enroll", 6);
		row.value = span_make(w.buf, w.len);
		rc = client_store_put(a->st, CLIENT_T_IDENTITY, &row, NULL);
	}
	codec_writer_clear(&w);
	return rc;
}

/* A reply's status as a code, and its body decoded (views into the reply). */
static int reply_decode(const struct cli_relay_reply *reply, const struct proto_desc *d, void *out,
                        size_t size)
{
	if (reply->status != 0) return -(int)reply->status;
	return proto_msg_decode(d, reply->body, reply->len, out, size);
}

/* Why the authority refused (docs/protocol.md EnrollRefusal), for people. */
static const char *refusal_text(uint64_t why)
{
	static const char *const texts[] = {
		"refused",
		"the authority reviewed the request and refused it",
		"the enrollment code is unknown (mistyped?)",
		"the enrollment code was already used",
		"the enrollment code has expired",
		"the enrollment code was made for another user or unit",
		"the request does not verify",
		"too many refused attempts: try again later",
	};

	return why < sizeof(texts) / sizeof(texts[0]) ? texts[why] : texts[0];
}

/* Send the request; on PERM, *why is the EnrollRefusal (too_many: docs/protocol.md §7). */
static int submit(struct kenh_app *a, struct pending *p, const struct crypto_enroll_claim *who,
                  const char *code_text, uint64_t *why)
{
	uint8_t code[CRYPTO_ENROLL_CODE_LEN], *csr = NULL;
	size_t csrlen = 0;
	struct crypto_enroll_claim claim = { who->user, who->unit, code };
	struct cli_relay *r = NULL;
	struct proto_enroll_submit req;
	struct proto_ticket resp;
	struct cli_relay_reply reply;
	char path[KENH_PATH_MAX];
	int rc;

	if ((rc = crypto_enroll_code_parse(a->ctx, code_text, code)) != 0) return rc;
	rc = crypto_csr_create(a->ctx, &p->key, &claim, &csr, &csrlen);
	sec_zero(code, sizeof(code));
	if (rc != 0) return rc;
	/* A copy for an authority that takes requests as files (kenh-admin requests import). */
	if ((rc = kenh_dev_path(a, path, sizeof(path), "request.csr")) == 0)
		rc = cli_file_write(path, csr, csrlen, true, false);
	if (rc == 0) rc = kenh_net_open(a, span_make(NULL, 0), NULL, &r);
	req.csr = span_make(csr, csrlen);
	if (rc == 0)
		rc = cli_relay_call(r, PROTO_ENROLL_SUBMIT, &proto_desc_enroll_submit, &req,
		                    &reply);
	if (rc == 0) *why = reply.detail;
	if (rc == 0 && (rc = reply_decode(&reply, &proto_desc_ticket, &resp, sizeof(resp))) == 0 &&
	    resp.ticket.len == TICKET_LEN) {
		memcpy(p->ticket, resp.ticket.p, TICKET_LEN);
		p->has_ticket = true;
		rc = pending_put(a, p);
	}
	cli_relay_close(r);
	cli_relay_reply_clear(&reply);
	mem_free(csr);
	return rc;
}

/*
 * One ENROLL_FETCH on a fresh enrolling connection: *der (mem_free), or
 * STATE while pending, or PERM with *why the refusal.
 */
static int fetch_once(struct kenh_app *a, const struct pending *p, uint8_t **der, size_t *len,
                      uint64_t *why)
{
	struct cli_relay *r = NULL;
	struct proto_ticket req;
	struct proto_certificate resp;
	struct cli_relay_reply reply;
	int rc;

	*der = NULL;
	*len = 0;
	memset(&reply, 0, sizeof(reply));
	if ((rc = kenh_net_open(a, span_make(NULL, 0), NULL, &r)) != 0) return rc;
	req.ticket = span_make(p->ticket, TICKET_LEN);
	rc = cli_relay_call(r, PROTO_ENROLL_FETCH, &proto_desc_ticket, &req, &reply);
	*why = reply.detail;
	if (rc == 0 &&
	    (rc = reply_decode(&reply, &proto_desc_certificate, &resp, sizeof(resp))) == 0 &&
	    (rc = mem_dup(resp.certificate.p, resp.certificate.len, der)) == 0)
		*len = resp.certificate.len;
	cli_relay_reply_clear(&reply);
	cli_relay_close(r);
	return rc;
}

/* Store the identity: the certificate (for our key), the unit CAs, the root. */
static int install(struct kenh_app *a, struct pending *p, const uint8_t *der, size_t len)
{
	struct client_identity id;
	struct crypto_cert_info info;
	uint8_t **cas = NULL;
	size_t *lens = NULL, ncas = 0, i;
	int rc;

	if ((rc = crypto_cert_parse(a->ctx, der, len, &info)) != 0) return rc;
	if (info.pklen != p->key.pklen || memcmp(info.pk, p->key.pk, info.pklen) != 0)
		return KENH_ERR(KENH_E_VERIFY);
	if ((rc = kenh_dev_cas(a, &cas, &lens, &ncas)) != 0) return rc;
	memset(&id, 0, sizeof(id));
	id.key = p->key;
	id.root = span_make(a->root, a->rootlen);
	id.chain[0] = span_make(der, len);
	for (i = 0; i < ncas && i + 1 < CLIENT_IDENTITY_MAX_CHAIN; i++)
		id.chain[i + 1] = span_make(cas[i], lens[i]);
	id.nchain = i + 1;
	rc = client_store_identity_put(a->st, &id);
	sec_zero(&id.key, sizeof(id.key));
	kenh_dev_cas_free(cas, lens, ncas);
	if (rc == 0)
		rc = client_store_del(a->st, CLIENT_T_IDENTITY,
		                      span_make((const uint8_t *)"enroll", 6));
	client_identity_clear(&a->id);
	if (rc == 0 && (rc = client_store_identity_get(a->st, &a->id)) == 0) {
		a->enrolled = true;
		a->me = info;
	}
	return rc;
}

static int wait_fetch(struct kenh_app *a, struct pending *p, long seconds)
{
	uint8_t *der = NULL;
	size_t len = 0;
	long waited = 0;
	uint64_t why = 0;
	int rc;

	for (;;) {
		rc = fetch_once(a, p, &der, &len, &why);
		if (rc != KENH_E_STATE || waited >= seconds) break;
		sleep(1);
		waited++;
	}
	if (rc == KENH_E_STATE)
		return kenh_failf("enroll", "the authority has not signed yet "
		                            "(run kenh enroll --fetch later)");
	if (rc == KENH_E_PERM) return kenh_failf("enroll", refusal_text(why));
	if (rc != 0) return kenh_fail("enroll fetch", rc);
	rc = install(a, p, der, len);
	mem_free(der);
	return rc != 0 ? kenh_fail("certificate", rc) : 0;
}

static int finish(struct kenh_app *a)
{
	int rc = kenh_kp_upload(a, KENH_KP_BATCH, true);

	if (rc != 0) return kenh_fail("key packages", rc);
	printf("enrolled: %s/%s/%s\n", a->me.unit, a->me.user, a->me.device);
	return 0;
}

static int install_file(struct kenh_app *a, struct pending *p, const char *file)
{
	uint8_t *der = NULL;
	size_t len = 0;
	int rc;

	if ((rc = cli_file_read(file, CRYPTO_PKI_MAX_CERT_DER, &der, &len)) != 0)
		return kenh_fail(file, rc);
	rc = install(a, p, der, len);
	mem_free(der);
	return rc != 0 ? kenh_fail("certificate", rc) : 0;
}

int cmd_kenh_enroll(struct kenh_app *a, int argc, char **argv)
{
	const char *user = NULL, *unit = NULL, *code = NULL, *wait = NULL, *cert = NULL, *pos[1];
	bool fetch = false;
	size_t npos;
	const struct kenh_arg opts[] = {
		{ "--user", &user, NULL, NULL, NULL, 0 },
		{ "--unit", &unit, NULL, NULL, NULL, 0 },
		{ "--code", &code, NULL, NULL, NULL, 0 },
		{ "--wait", &wait, NULL, NULL, NULL, 0 },
		{ "--cert", &cert, NULL, NULL, NULL, 0 },
		{ "--fetch", NULL, &fetch, NULL, NULL, 0 },
	};
	struct pending p;
	int rc;

	if (kenh_args(argc, argv, 1, opts, 6, pos, 0, &npos) != 0 ||
	    (!fetch && cert == NULL && (!user || !unit || !code)))
		return kenh_usage("enroll --user USER --unit PATH --code CODE [--wait SECONDS] | "
		                  "--fetch [--wait SECONDS] | --cert FILE");
	if ((rc = kenh_dev_open(a, false)) != 0) return rc;
	if (a->enrolled) return kenh_failf("enroll", "this device is already enrolled");
	if ((rc = pending_get(a, &p)) != 0) return kenh_fail("device key", rc);
	if (cert != NULL) {
		rc = install_file(a, &p, cert);
	} else {
		struct crypto_enroll_claim who = { user, unit, NULL };
		uint64_t why = 0;

		if (!fetch && (rc = submit(a, &p, &who, code, &why)) != 0) {
			crypto_sigkey_clear(&p.key);
			if (rc == KENH_E_PERM)
				return kenh_failf("enroll request", refusal_text(why));
			return kenh_fail("enroll request", rc);
		}
		if (!fetch && wait == NULL) {
			/* Submitted: the authority decides later, the device fetches then. */
			crypto_sigkey_clear(&p.key);
			printf("request sent to the relay; once the authority has signed it: "
			       "kenh enroll --fetch [--wait SECONDS]\n");
			return 0;
		}
		if (!fetch) printf("request sent; waiting for the authority to sign it\n");
		if (!p.has_ticket)
			rc = kenh_failf("enroll", "no request sent yet (kenh enroll --code)");
		if (rc == 0) rc = wait_fetch(a, &p, wait ? strtol(wait, NULL, 10) : 0);
	}
	crypto_sigkey_clear(&p.key);
	return rc != 0 ? rc : finish(a);
}
