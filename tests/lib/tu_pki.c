/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Test certificates (tu_pki.h): a root and certificates issued below it
 * through crypto_cert_issue, each with a fresh key (RFC 5280 profile of
 * docs/pki.md).
 */
#include "tu_pki.h"

#include "util/compat.h"

#include <string.h>

#include "util/mem.h"

#define TU_DAY  CRYPTO_PKI_DAY
#define TU_YEAR (365u * TU_DAY)

void tu_held_free(struct tu_held *h)
{
	mem_free(h->der);
	crypto_sigkey_clear(&h->key);
	memset(h, 0, sizeof(*h));
}

struct kenh_span tu_held_span(const struct tu_held *h)
{
	return span_make(h->der, h->len);
}

int tu_pki_root(struct kenh_ctx *ctx, uint16_t sig_id, const char *org, uint64_t now,
                struct tu_held *out)
{
	struct crypto_cert_template t = { .kind = CRYPTO_CERT_ROOT, .org = org };
	struct crypto_issuer iss;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = crypto_sigkey_generate(ctx, sig_id, &out->key)) != 0) return rc;
	iss.cert = span_make(NULL, 0);
	iss.key = &out->key;
	t.not_before = now - TU_DAY;
	t.lifetime = 10 * TU_YEAR;
	return crypto_cert_issue(ctx, &iss, &t, &out->der, &out->len);
}

int tu_pki_issue(struct kenh_ctx *ctx, const struct tu_held *ca, struct crypto_cert_template *t,
                 uint16_t sig_id, uint64_t now, struct tu_held *out)
{
	struct crypto_issuer iss = { tu_held_span(ca), &ca->key };
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = crypto_sigkey_generate(ctx, sig_id, &out->key)) != 0) return rc;
	t->sig_id = out->key.sig_id;
	t->pk = out->key.pk;
	t->pklen = out->key.pklen;
	if (t->not_before == 0) t->not_before = now - TU_DAY;
	if (t->lifetime == 0)
		t->lifetime = t->kind == CRYPTO_CERT_DEVICE ? 90 * TU_DAY : 5 * TU_YEAR;
	return crypto_cert_issue(ctx, &iss, t, &out->der, &out->len);
}
