/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The device's CRLs (client_crl.h; RFC 5280 §5, §5.2.3; docs/store.md):
 * verified against the organization root before they are kept, never
 * replaced by an older one. A row is keyed "crl:" + the issuer's unit
 * path in CLIENT_T_IDENTITY, scope "crl"; its value is the cRLNumber
 * (uint64, big-endian) followed by the CRL's DER. Nothing here decides
 * what a CRL means for a credential: lib/crypto's chain validation does,
 * with the CRLs the caller lists.
 */
#include "client/client_crl.h"

#include "util/compat.h"

#include "client/client_store.h"
#include "util/mem.h"

#define CRL_SCOPE      "crl"
#define CRL_KEY_PREFIX "crl:"
#define CRL_KEY_MAX    (sizeof(CRL_KEY_PREFIX) - 1 + CRYPTO_PKI_MAX_UNIT)

static struct kenh_span crl_scope(void)
{
	return span_make((const uint8_t *)CRL_SCOPE, sizeof(CRL_SCOPE) - 1);
}

static size_t crl_key(const char *issuer, uint8_t key[static CRL_KEY_MAX])
{
	size_t n = sizeof(CRL_KEY_PREFIX) - 1, len = strlen(issuer);

	memcpy(key, CRL_KEY_PREFIX, n);
	memcpy(key + n, issuer, len);
	return n + len;
}

/* The unit CA among a->cas whose unit is issuer, validated under the root at a->now. */
static int find_unit_ca(const struct kenh_ctx *ctx, const struct client_crl_anchors *a,
                        const char *issuer, struct kenh_span *out)
{
	struct crypto_trust *t = NULL;
	struct crypto_cert_info info;
	size_t i;
	int rc;

	*out = span_make(NULL, 0);
	if ((rc = crypto_trust_new(ctx, a->root.p, a->root.len, &t)) != 0) return rc;
	for (i = 0; i < a->ncas && rc == 0; i++)
		rc = crypto_trust_add_ca(t, a->cas[i].p, a->cas[i].len);
	for (i = 0; i < a->ncas && rc == 0 && out->len == 0; i++) {
		if (crypto_cert_parse(ctx, a->cas[i].p, a->cas[i].len, &info) != 0 ||
		    info.kind != CRYPTO_CERT_UNIT || strcmp(info.unit, issuer) != 0)
			continue;
		/* The relay hands the CA out: it counts only if the root vouches for it. */
		if (crypto_trust_verify_ca(t, a->cas[i].p, a->cas[i].len, a->now, &info) == 0)
			*out = a->cas[i];
	}
	crypto_trust_free(t);
	if (rc == 0 && out->len == 0) rc = KENH_ERR(KENH_E_VERIFY);
	return rc;
}

/* The number held for issuer, 0 if none (RFC 5280 §5.2.3: numbers start above 0 in use). */
static int held_number(struct client_store *s, const char *issuer, bool *found, uint64_t *number)
{
	struct client_store_item it;
	uint8_t key[CRL_KEY_MAX];
	int rc;

	*found = false;
	*number = 0;
	rc = client_store_get(s, CLIENT_T_IDENTITY, span_make(key, crl_key(issuer, key)), &it);
	if (rc == KENH_E_NOT_FOUND) return 0;
	if (rc != 0) return rc;
	if (it.value.len < 8) {
		rc = KENH_ERR(KENH_E_PARSE);
	} else {
		*found = true;
		*number = load_be64(it.value.p);
	}
	client_store_item_clear(&it);
	return rc;
}

static int put_crl(struct client_store *s, const char *issuer, uint64_t number,
                   struct kenh_span der)
{
	struct client_store_put row;
	uint8_t key[CRL_KEY_MAX], *val = NULL;
	size_t len;
	int rc;

	if ((rc = size_add(der.len, 8, &len)) != 0) return rc;
	if ((rc = mem_alloc(len, (void **)&val)) != 0) return rc;
	store_be64(val, number);
	memcpy(val + 8, der.p, der.len);
	memset(&row, 0, sizeof(row));
	row.key = span_make(key, crl_key(issuer, key));
	row.scope = crl_scope();
	row.value = span_make(val, len);
	rc = client_store_put(s, CLIENT_T_IDENTITY, &row, NULL);
	mem_free(val);
	return rc;
}

int client_crl_accept(struct client_store *s, const struct kenh_ctx *ctx,
                      const struct client_crl_anchors *a, struct kenh_span der,
                      struct client_crl_info *info)
{
	struct crypto_crl *crl = NULL;
	struct crypto_crl_meta meta;
	struct kenh_span issuer;
	uint64_t held = 0;
	bool found = false;
	int rc;

	if (info != NULL) memset(info, 0, sizeof(*info));
	if (s == NULL || a == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = crypto_crl_parse(ctx, der.p, der.len, &crl)) != 0) return rc;
	crypto_crl_meta(crl, &meta);
	issuer = a->root;
	/* Verify before anything else is believed (the relay is not trusted). */
	if (meta.issuer[0] != '\0' && (rc = find_unit_ca(ctx, a, meta.issuer, &issuer)) != 0)
		goto out;
	if ((rc = crypto_crl_verify(crl, issuer.p, issuer.len)) != 0) goto out;
	if (info != NULL) {
		info->number = meta.number;
		info->count = meta.count;
		snprintf(info->issuer, sizeof(info->issuer), "%s", meta.issuer);
	}
	if ((rc = held_number(s, meta.issuer, &found, &held)) != 0) goto out;
	/* RFC 5280 §5.2.3: a newer CRL has a larger number; an older one never replaces it. */
	if (found && meta.number <= held) {
		rc = KENH_ERR(KENH_E_STATE);
		goto out;
	}
	rc = put_crl(s, meta.issuer, meta.number, der);
out:
	crypto_crl_free(crl);
	return rc;
}

struct list_state {
	client_crl_fn *fn;
	void *arg;
};

static int list_one(void *arg, const struct client_store_item *it)
{
	struct list_state *ls = arg;
	char issuer[CRYPTO_PKI_MAX_UNIT + 1];
	size_t n = sizeof(CRL_KEY_PREFIX) - 1;

	if (it->key.len < n || it->key.len - n > CRYPTO_PKI_MAX_UNIT || it->value.len <= 8)
		return KENH_ERR(KENH_E_PARSE);
	memcpy(issuer, it->key.p + n, it->key.len - n);
	issuer[it->key.len - n] = '\0';
	return ls->fn(ls->arg, issuer, load_be64(it->value.p),
	              span_make(it->value.p + 8, it->value.len - 8));
}

int client_crl_list(struct client_store *s, client_crl_fn *fn, void *arg)
{
	struct list_state ls = { fn, arg };

	if (s == NULL || fn == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	return client_store_scan(s, CLIENT_T_IDENTITY, crl_scope(), 0, 0, list_one, &ls);
}
