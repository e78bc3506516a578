/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The relay's trust store (DESIGN §6, docs/protocol.md §1, §5 CRL_UPLOAD):
 * the organization root and the unit CAs from the configuration, and the
 * latest CRL of each issuer from the store, assembled into a
 * lib/crypto/pki.h trust store that validates every client certificate
 * (chain, unit-subtree rule, validity, revocation). It is rebuilt whenever
 * a new CRL is committed; the parsed CRLs are kept too, so that open
 * connections can be checked against them by serial (conn.c).
 */
#include "relay_int.h"

#include "util/compat.h"

#include "klog.h"
#include "store/store.h"
#include "util/mem.h"

static int load_cas(struct relay *r, char *err, size_t errlen)
{
	struct anchors *a = &r->anchors;
	struct crypto_cert_info info;
	struct kenh_span *objs = NULL;
	size_t i, j, n = 0;
	void *grown = NULL;
	int rc;

	for (i = 0; i < r->cfg.unit_ca.n; i++) {
		if ((rc = tls_read_objects(r->cfg.unit_ca.items[i], false, &objs, &n)) != 0) {
			snprintf(err, errlen, "%s: cannot read certificates",
			         r->cfg.unit_ca.items[i]);
			return rc;
		}
		for (j = 0; j < n && rc == 0; j++) {
			rc = crypto_cert_parse(r->ctx, objs[j].p, objs[j].len, &info);
			if (rc == 0 && info.kind != CRYPTO_CERT_UNIT) rc = KENH_ERR(KENH_E_PARSE);
			if (rc == 0) rc = mem_grow(a->cas, a->ncas + 1, sizeof(*a->cas), &grown);
			if (rc == 0) a->cas = grown;
			if (rc == 0)
				rc = mem_grow(a->ca_units, a->ncas + 1, sizeof(*a->ca_units),
				              &grown);
			if (rc != 0) break;
			a->ca_units = grown;
			snprintf(a->ca_units[a->ncas], UNIT_MAX, "%s", info.unit);
			a->cas[a->ncas++] = objs[j];
			objs[j] = span_make(NULL, 0);
		}
		tls_objects_free(objs, n);
		if (rc != 0) {
			snprintf(err, errlen, "%s: not a unit CA certificate",
			         r->cfg.unit_ca.items[i]);
			return rc;
		}
	}
	return 0;
}

int trust_load_anchors(struct relay *r, char *err, size_t errlen)
{
	struct kenh_span *objs = NULL;
	struct crypto_trust *t = NULL;
	struct crypto_cert_info info;
	size_t n = 0, i;
	int rc;

	if ((rc = tls_read_objects(r->cfg.root_ca, false, &objs, &n)) != 0 || n != 1) {
		snprintf(err, errlen, "%s: expected one root certificate", r->cfg.root_ca);
		tls_objects_free(objs, n);
		return rc ? rc : KENH_ERR(KENH_E_PARSE);
	}
	r->anchors.root = objs[0];
	mem_free(objs);
	if ((rc = load_cas(r, err, errlen)) != 0) return rc;
	/* Every unit CA must chain to the root, through the others (a unit CA may issue sub-units). */
	rc = crypto_trust_new(r->ctx, r->anchors.root.p, r->anchors.root.len, &t);
	for (i = 0; rc == 0 && i < r->anchors.ncas; i++)
		rc = crypto_trust_add_ca(t, r->anchors.cas[i].p, r->anchors.cas[i].len);
	for (i = 0; rc == 0 && i < r->anchors.ncas; i++) {
		rc = crypto_trust_verify_ca(t, r->anchors.cas[i].p, r->anchors.cas[i].len,
		                            relay_now(), &info);
		if (rc != 0)
			snprintf(err, errlen, "unit CA %s does not validate under the root: %s",
			         r->anchors.ca_units[i], kenh_strerror(rc));
	}
	crypto_trust_free(t);
	if (rc != 0) return rc;
	return 0;
}

struct rebuild {
	struct relay *r;
	struct crypto_trust *t;
	struct crypto_crl **crls;
	size_t n;
};

static int add_crl(void *arg, const char *issuer, uint64_t number, struct kenh_span der)
{
	struct rebuild *b = arg;
	struct crypto_crl *crl = NULL;
	void *grown = NULL;
	int rc;

	(void)issuer;
	(void)number;
	if ((rc = crypto_trust_add_crl(b->t, der.p, der.len)) != 0) return rc;
	if ((rc = crypto_crl_parse(b->r->ctx, der.p, der.len, &crl)) != 0) return rc;
	if ((rc = mem_grow(b->crls, b->n + 1, sizeof(*b->crls), &grown)) != 0) {
		crypto_crl_free(crl);
		return rc;
	}
	b->crls = grown;
	b->crls[b->n++] = crl;
	return 0;
}

static void free_crls(struct crypto_crl **crls, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		crypto_crl_free(crls[i]);
	mem_free(crls);
}

int trust_rebuild(struct relay *r)
{
	struct rebuild b = { r, NULL, NULL, 0 };
	size_t i;
	int rc;

	rc = crypto_trust_new(r->ctx, r->anchors.root.p, r->anchors.root.len, &b.t);
	for (i = 0; rc == 0 && i < r->anchors.ncas; i++)
		rc = crypto_trust_add_ca(b.t, r->anchors.cas[i].p, r->anchors.cas[i].len);
	/* Reading the CRLs needs no transaction of its own: it sees the committed state. */
	if (rc == 0) rc = r->so->crl_list(r->st, add_crl, &b);
	if (rc != 0) {
		klog(KENH_LOG_ERROR, "trust_error", "err=\"%s\"", kenh_strerror(rc));
		crypto_trust_free(b.t);
		free_crls(b.crls, b.n);
		return rc;
	}
	crypto_trust_free(r->trust);
	free_crls(r->crls, r->ncrls);
	r->trust = b.t;
	r->crls = b.crls;
	r->ncrls = b.n;
	klog(KENH_LOG_INFO, "trust_loaded", "unit_cas=%zu crls=%zu", r->anchors.ncas, b.n);
	return 0;
}

/* Apply one CRL inside the batch, as CRL_UPLOAD would. */
static void apply_crl_file(struct relay *r, const char *path, struct kenh_span der)
{
	struct op_env env;
	uint64_t number = 0;
	uint32_t revoked = 0;
	int rc;

	if (batch_begin(r) != 0) return;
	batch_schedule(r);
	relay_env(r, &env);
	if ((rc = r->so->savepoint(r->st)) != 0) return;
	rc = ops_crl_apply(&env, der, &number, &revoked);
	if (rc == 0) rc = r->so->release(r->st);
	/* A savepoint that cannot be undone leaves the batch to be rolled back (batch.c). */
	if (rc != 0 && r->so->undo(r->st) != 0) r->batch_broken = true;
	if (rc == 0)
		klog(KENH_LOG_INFO, "crl_loaded", "file=%s number=%llu revoked=%u", path,
		     (unsigned long long)number, revoked);
	else if (rc != KENH_E_STATE)
		klog(KENH_LOG_WARN, "crl_refused", "file=%s err=\"%s\"", path, kenh_strerror(rc));
}

void trust_reload_crl_files(struct relay *r)
{
	struct kenh_span *objs = NULL;
	size_t i, j, n = 0;

	for (i = 0; i < r->cfg.crl_file.n; i++) {
		const char *path = r->cfg.crl_file.items[i];

		if (tls_read_objects(path, true, &objs, &n) != 0) {
			klog(KENH_LOG_WARN, "crl_refused", "file=%s err=unreadable", path);
			continue;
		}
		for (j = 0; j < n; j++)
			apply_crl_file(r, path, objs[j]);
		tls_objects_free(objs, n);
	}
}

void trust_free(struct relay *r)
{
	size_t i;

	crypto_trust_free(r->trust);
	free_crls(r->crls, r->ncrls);
	mem_free((void *)(uintptr_t)r->anchors.root.p);
	for (i = 0; i < r->anchors.ncas; i++)
		mem_free((void *)(uintptr_t)r->anchors.cas[i].p);
	mem_free(r->anchors.cas);
	mem_free(r->anchors.ca_units);
	r->trust = NULL;
	r->crls = NULL;
	r->ncrls = 0;
}
