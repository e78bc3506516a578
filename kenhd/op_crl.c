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
 *
 * CRL_GET hands the stored CRLs to devices, which check credentials
 * against them themselves (issue 5 item 4): each CRL the caller does not
 * hold yet, with the configured unit CA certificates it needs to check
 * the CRL's signature up to the root. The relay is not trusted for
 * them: the device verifies each signature before keeping a CRL.
 */
#include "relay.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "crypto/pki.h"
#include "proto/proto.h"
#include "store/store.h"
#include "util/mem.h"

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

/* True if the request says the client holds issuer's CRL number or a later one. */
static bool held_current(const struct proto_crl_get *q, const char *issuer, uint64_t number)
{
	size_t i, len = strlen(issuer);

	for (i = 0; q != NULL && i < q->n_held; i++) {
		const struct proto_crl_held *h = &q->held[i];

		if (h->issuer.len == len && memcmp(h->issuer.p, issuer, len) == 0)
			return h->number >= number;
	}
	return false;
}

struct crl_collect {
	const struct proto_crl_get *q;
	struct proto_crl_set *set;
	char (*issuers)[UNIT_MAX];
};

static int collect_crl(void *arg, const char *issuer, uint64_t number, struct kenh_span der)
{
	struct crl_collect *c = arg;
	struct proto_crl_set *s = c->set;
	void *grown = NULL;
	uint8_t *copy = NULL;
	int rc;

	if (held_current(c->q, issuer, number)) return 0;
	if (s->n_crls >= PROTO_MAX_CRLS) return KENH_ERR(KENH_E_TOO_LARGE);
	if ((rc = mem_grow(c->issuers, s->n_crls + 1, sizeof(*c->issuers), &grown)) != 0) return rc;
	c->issuers = grown;
	if ((rc = mem_grow(s->crls, s->n_crls + 1, sizeof(*s->crls), &grown)) != 0) return rc;
	s->crls = grown;
	if ((rc = mem_dup(der.p, der.len, &copy)) != 0) return rc;
	snprintf(c->issuers[s->n_crls], UNIT_MAX, "%s", issuer);
	s->crls[s->n_crls++] = span_make(copy, der.len);
	return 0;
}

/* Does some collected CRL come from this CA's unit or a unit below it (its chain)? */
static bool ca_needed(const struct crl_collect *c, const char *ca_unit)
{
	size_t i;

	for (i = 0; i < c->set->n_crls; i++)
		if (c->issuers[i][0] != '\0' && crypto_unit_path_contains(ca_unit, c->issuers[i]))
			return true;
	return false;
}

int ops_crl_set_make(const struct op_env *env, const struct proto_crl_get *q,
                     struct proto_crl_set *out)
{
	struct crl_collect c = { q, out, NULL };
	const struct anchors *a = env->anchors;
	size_t i, n = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = env->so->crl_list(env->st, collect_crl, &c)) != 0) goto out;
	if ((rc = mem_calloc(a->ncas + 1, sizeof(*out->cas), (void **)&out->cas)) != 0) goto out;
	/* The unit CAs that let the client check each CRL's signature up to the root. */
	for (i = 0; i < a->ncas && n < PROTO_MAX_CRLS; i++)
		if (ca_needed(&c, a->ca_units[i])) out->cas[n++] = a->cas[i];
	out->n_cas = n;
out:
	mem_free(c.issuers);
	if (rc != 0) ops_crl_set_free(out);
	return rc;
}

void ops_crl_set_free(struct proto_crl_set *s)
{
	size_t i;

	for (i = 0; i < s->n_crls; i++)
		mem_free((void *)(uintptr_t)s->crls[i].p);
	mem_free(s->crls);
	mem_free(s->cas);
	memset(s, 0, sizeof(*s));
}

int op_crl_get(struct op_env *env, struct peer *p, struct kenh_span body, struct codec_writer *out)
{
	struct proto_crl_get req;
	struct proto_crl_set set;
	int rc;

	(void)p;
	if ((rc = proto_msg_decode(&proto_desc_crl_get, body.p, body.len, &req, sizeof(req))))
		return rc;
	if ((rc = ops_crl_set_make(env, &req, &set)) == 0) {
		rc = proto_msg_encode(out, &proto_desc_crl_set, &set);
		ops_crl_set_free(&set);
	}
	proto_msg_clear(&proto_desc_crl_get, &req);
	return rc;
}
