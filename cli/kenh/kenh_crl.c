/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The device's CRLs (issue 5 item 4; RFC 5280 §5; docs/protocol.md §5
 * CRL_GET, PUSH_CRL): fetched from the relay at every sync and listen,
 * and taken from PUSH_CRL while listening, but kept only after
 * lib/client/client_crl.h verified them under the organization root (the
 * relay is not trusted: a forged CRL, or one older than the one held, is
 * reported and ignored). The held CRLs are loaded with the store and
 * handed to every credential validation (kenh_mls.c), so a KeyPackage,
 * Welcome, Add or Update of a revoked device is refused even by a member
 * that never met the relay's cut-off. A CRL listing this device's own
 * certificate is reported at once.
 */
#include "kenh.h"

#include "util/compat.h"

#include "../common/cli.h"
#include "client/client_crl.h"
#include "proto/proto.h"
#include "util/mem.h"

static int load_one(void *arg, const char *issuer, uint64_t number, struct kenh_span der)
{
	struct kenh_app *a = arg;
	struct kenh_span *grown = NULL;
	uint8_t *copy = NULL;
	int rc;

	(void)issuer;
	(void)number;
	if (a->ncrls >= CRYPTO_PKI_MAX_TRUST) return KENH_ERR(KENH_E_TOO_LARGE);
	if ((rc = mem_dup(der.p, der.len, &copy)) != 0) return rc;
	if ((rc = mem_grow(a->crls, a->ncrls + 1, sizeof(*a->crls), (void **)&grown)) != 0) {
		mem_free(copy);
		return rc;
	}
	a->crls = grown;
	a->crls[a->ncrls++] = span_make(copy, der.len);
	return 0;
}

void kenh_crl_free(struct kenh_app *a)
{
	size_t i;

	for (i = 0; i < a->ncrls; i++)
		mem_free((void *)(uintptr_t)a->crls[i].p);
	mem_free(a->crls);
	a->crls = NULL;
	a->ncrls = 0;
}

int kenh_crl_verify_own(struct kenh_app *a, struct kenh_span leaf, bool with_crls,
                        struct crypto_cert_info *info)
{
	struct crypto_chain_input in;

	memset(&in, 0, sizeof(in));
	in.root = span_make(a->root, a->rootlen);
	in.cas = a->id.nchain > 1 ? &a->id.chain[1] : NULL;
	in.ncas = a->id.nchain - 1;
	if (with_crls) {
		in.crls = a->crls;
		in.ncrls = a->ncrls;
	}
	in.leaf = leaf;
	in.now = cli_now();
	return crypto_chain_verify(a->ctx, &in, info);
}

/* Our own chain against the held CRLs: say so once if this device is listed. */
static void check_self(struct kenh_app *a)
{
	struct crypto_cert_info info;

	if (!a->enrolled || a->self_revoked) return;
	if (kenh_crl_verify_own(a, a->id.chain[0], true, &info) != KENH_E_REVOKED) return;
	a->self_revoked = true;
	fprintf(stderr,
	        "kenh: this device's certificate (%s/%s/%s) is revoked by the "
	        "organization: the relay only hands it wipe orders\n",
	        a->me.unit, a->me.user, a->me.device);
}

int kenh_crl_load(struct kenh_app *a)
{
	int rc;

	kenh_crl_free(a);
	if ((rc = client_crl_list(a->st, load_one, a)) != 0) {
		kenh_crl_free(a);
		return rc;
	}
	check_self(a);
	return 0;
}

static const char *issuer_text(const char *issuer)
{
	return issuer[0] != '\0' ? issuer : "the root";
}

/* Verify and keep one CRL; a refusal is reported, never fatal (the relay may lie). */
static int take_one(struct kenh_app *a, const struct client_crl_anchors *an, struct kenh_span der,
                    bool *changed)
{
	struct client_crl_info info;
	int rc = client_crl_accept(a->st, a->ctx, an, der, &info);

	if (rc == 0) {
		*changed = true;
		if (!a->opt.json)
			fprintf(stderr, "kenh: CRL number %llu of %s kept (%zu revoked)\n",
			        (unsigned long long)info.number, issuer_text(info.issuer),
			        info.count);
		return 0;
	}
	if (rc == KENH_E_DB || rc == KENH_E_IO || rc == KENH_E_NOMEM) return rc;
	if (rc == KENH_E_STATE)
		fprintf(stderr,
		        "kenh: a CRL from the relay was ignored: number %llu of %s is not "
		        "newer than the one held\n",
		        (unsigned long long)info.number, issuer_text(info.issuer));
	else
		fprintf(stderr,
		        "kenh: a CRL from the relay was refused: %s (forged, or not from "
		        "this organization)\n",
		        kenh_strerror(rc));
	return 0;
}

int kenh_crl_take(struct kenh_app *a, const struct proto_crl_set *set)
{
	struct kenh_span cas[PROTO_MAX_CRLS + CLIENT_IDENTITY_MAX_CHAIN];
	struct client_crl_anchors an;
	bool changed = false;
	size_t i, n = 0;
	int rc = 0;

	/* The unit CAs the relay offers count only if they validate under our root. */
	for (i = 0; i < set->n_cas && n < PROTO_MAX_CRLS; i++)
		cas[n++] = set->cas[i];
	for (i = 1; i < a->id.nchain; i++)
		cas[n++] = a->id.chain[i];
	an.root = span_make(a->root, a->rootlen);
	an.cas = cas;
	an.ncas = n;
	an.now = cli_now();
	for (i = 0; i < set->n_crls && rc == 0; i++)
		rc = take_one(a, &an, set->crls[i], &changed);
	if (rc == 0 && changed) rc = kenh_crl_load(a);
	return rc;
}

struct held_list {
	struct proto_crl_held held[PROTO_MAX_CRLS];
	char issuers[PROTO_MAX_CRLS][CRYPTO_PKI_MAX_UNIT + 1];
	size_t n;
};

static int held_one(void *arg, const char *issuer, uint64_t number, struct kenh_span der)
{
	struct held_list *h = arg;

	(void)der;
	if (h->n >= PROTO_MAX_CRLS) return 0;
	snprintf(h->issuers[h->n], sizeof(h->issuers[h->n]), "%s", issuer);
	h->held[h->n].issuer =
	        span_make((const uint8_t *)h->issuers[h->n], strlen(h->issuers[h->n]));
	h->held[h->n].number = number;
	h->n++;
	return 0;
}

int kenh_crl_refresh(struct kenh_app *a)
{
	struct held_list *h = NULL;
	struct proto_crl_get req;
	struct proto_crl_set resp;
	int rc;

	if ((rc = mem_calloc(1, sizeof(*h), (void **)&h)) != 0) return rc;
	/* Tell the relay what we hold, so it sends only newer CRLs. */
	if ((rc = client_crl_list(a->st, held_one, h)) == 0) {
		req.held = h->held;
		req.n_held = h->n;
		rc = kenh_net_call(a, PROTO_CRL_GET, &proto_desc_crl_get, &req, &proto_desc_crl_set,
		                   &resp, sizeof(resp), NULL);
		if (rc == 0) rc = kenh_crl_take(a, &resp);
		proto_msg_clear(&proto_desc_crl_set, &resp);
	}
	mem_free(h);
	return rc;
}

int kenh_crl_push(struct kenh_app *a, struct kenh_span body)
{
	struct proto_crl_set set;
	int rc;

	if ((rc = proto_msg_decode(&proto_desc_crl_set, body.p, body.len, &set, sizeof(set))) != 0)
		return rc;
	rc = kenh_crl_take(a, &set);
	proto_msg_clear(&proto_desc_crl_set, &set);
	return rc;
}

static int show_one(void *arg, const char *issuer, uint64_t number, struct kenh_span der)
{
	struct kenh_app *a = arg;
	struct crypto_crl *crl = NULL;
	struct crypto_crl_meta meta;
	int rc;

	if ((rc = crypto_crl_parse(a->ctx, der.p, der.len, &crl)) != 0) return rc;
	crypto_crl_meta(crl, &meta);
	crypto_crl_free(crl);
	printf("crl issuer=%s number=%llu revoked=%zu\n", issuer[0] ? issuer : "root",
	       (unsigned long long)number, meta.count);
	return 0;
}

/*
 * kenh crls [--refresh]: the CRLs this device holds (issuer, number,
 * entries), after fetching newer ones from the relay if asked.
 */
int cmd_kenh_crls(struct kenh_app *a, int argc, char **argv)
{
	int rc;

	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--refresh") != 0))
		return kenh_usage("crls [--refresh]");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	if (argc == 2 && (rc = kenh_crl_refresh(a)) != 0) return kenh_fail("CRLs", rc);
	if ((rc = client_crl_list(a->st, show_one, a)) != 0) return kenh_fail("CRLs", rc);
	return 0;
}
