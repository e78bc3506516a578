/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Remote wipe orders (DESIGN §6, docs/pki.md "Wipe order"): a small fixed
 * binary record naming one device, signed by the root or by a unit CA
 * whose subtree holds the device. The format is our own and parsed here
 * byte by byte with the subtraction-form bounds checks of STYLE R6.2 (the
 * codec layer sits above crypto/). Verifying means: well formed, signed by
 * a CA of the trust store that validates now and may speak for this
 * device, and naming this device. Remembering nonces against replay is the
 * client's part.
 */
#include "crypto/pki.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/x509.h>

#include "util/compat.h"

#include "crypto/pki_int.h"
#include "util/mem.h"

static const uint8_t wipe_magic[4] = { 'K', 'W', 'I', 'P' };
static const char wipe_label[] = "kenh wipe order v1";

#define WIPE_VERSION 1
/* magic, version, sig_id, signer id, issued, nonce, device id length */
#define WIPE_FIXED (4 + 1 + 2 + CRYPTO_WIPE_SIGNER_ID_LEN + 8 + CRYPTO_WIPE_NONCE_LEN + 1)
#define WIPE_MAX   (WIPE_FIXED + CRYPTO_PKI_MAX_DEVICE + 2 + CRYPTO_MAX_SIG)

/* The signed part of an order (everything before the signature length) into buf; returns its length. */
static size_t wipe_body(const struct crypto_wipe_order *o, uint16_t sig_id, uint8_t *buf)
{
	size_t n = strlen(o->device), off = 0;

	memcpy(buf, wipe_magic, 4);
	buf[4] = WIPE_VERSION;
	store_be16(buf + 5, sig_id);
	off = 7;
	memcpy(buf + off, o->signer_id, CRYPTO_WIPE_SIGNER_ID_LEN);
	off += CRYPTO_WIPE_SIGNER_ID_LEN;
	store_be64(buf + off, o->issued);
	off += 8;
	memcpy(buf + off, o->nonce, CRYPTO_WIPE_NONCE_LEN);
	off += CRYPTO_WIPE_NONCE_LEN;
	buf[off++] = (uint8_t)n;
	memcpy(buf + off, o->device, n);
	return off + n;
}

/* The signature input: the label with its NUL, then the body. */
static size_t wipe_tbs(const uint8_t *body, size_t len, uint8_t *out)
{
	memcpy(out, wipe_label, sizeof(wipe_label));
	memcpy(out + sizeof(wipe_label), body, len);
	return sizeof(wipe_label) + len;
}

static int signer_hash(const struct kenh_ctx *ctx, const struct crypto_issuer *iss, uint8_t *out)
{
	const struct crypto_kdf *kdf = crypto_kdf_get(ctx, CRYPTO_KDF_HKDF_SHA256);
	struct crypto_cert_info info;
	int rc;

	if (kdf == NULL) return KENH_ERR(KENH_E_INTERNAL);
	if ((rc = crypto_cert_parse(ctx, iss->cert.p, iss->cert.len, &info)) != 0) return rc;
	if (info.kind == CRYPTO_CERT_DEVICE || info.sig_id != iss->key->sig_id ||
	    info.pklen != iss->key->pklen || memcmp(info.pk, iss->key->pk, info.pklen) != 0)
		return KENH_ERR(KENH_E_INVALID_ARG);
	return crypto_hash(kdf, iss->cert.p, iss->cert.len, out);
}

int crypto_wipe_create(const struct kenh_ctx *ctx, const struct crypto_issuer *iss,
                       const char *device, uint64_t issued, uint8_t **out, size_t *outlen)
{
	const struct crypto_sig *sig;
	struct crypto_wipe_order o;
	uint8_t buf[WIPE_MAX], tbs[sizeof(wipe_label) + WIPE_MAX];
	size_t n, siglen = 0;
	int rc;

	*out = NULL;
	*outlen = 0;
	if (iss == NULL || iss->key == NULL || !crypto_device_id_is_valid(device))
		return KENH_ERR(KENH_E_INVALID_ARG);
	if ((sig = crypto_sig_get(ctx, iss->key->sig_id)) == NULL)
		return KENH_ERR(KENH_E_UNSUPPORTED);
	memset(&o, 0, sizeof(o));
	snprintf(o.device, sizeof(o.device), "%s", device);
	o.issued = issued;
	if ((rc = signer_hash(ctx, iss, o.signer_id)) != 0) return rc;
	if ((rc = crypto_random(ctx, o.nonce, sizeof(o.nonce))) != 0) return rc;
	n = wipe_body(&o, iss->key->sig_id, buf);
	rc = crypto_sig_sign(sig, iss->key->sk, tbs, wipe_tbs(buf, n, tbs), buf + n + 2, &siglen);
	if (rc != 0) return rc;
	store_be16(buf + n, (uint16_t)siglen);
	n += 2 + siglen;
	if ((rc = mem_dup(buf, n, out)) != 0) return rc;
	*outlen = n;
	return 0;
}

/* Parse into o; *sig_id, and the signature as a view into buf. */
static int wipe_decode(const uint8_t *buf, size_t len, struct crypto_wipe_order *o,
                       uint16_t *sig_id, struct kenh_span *sig)
{
	size_t off = 7, n, s;

	memset(o, 0, sizeof(*o));
	if (len < WIPE_FIXED) return KENH_ERR(KENH_E_TRUNCATED);
	if (len > WIPE_MAX) return KENH_ERR(KENH_E_TOO_LARGE);
	if (memcmp(buf, wipe_magic, 4) != 0) return KENH_ERR(KENH_E_PARSE);
	if (buf[4] != WIPE_VERSION) return KENH_ERR(KENH_E_UNSUPPORTED);
	*sig_id = load_be16(buf + 5);
	memcpy(o->signer_id, buf + off, CRYPTO_WIPE_SIGNER_ID_LEN);
	off += CRYPTO_WIPE_SIGNER_ID_LEN;
	o->issued = load_be64(buf + off);
	off += 8;
	memcpy(o->nonce, buf + off, CRYPTO_WIPE_NONCE_LEN);
	off += CRYPTO_WIPE_NONCE_LEN;
	n = buf[off++];
	if (n == 0 || n > CRYPTO_PKI_MAX_DEVICE) return KENH_ERR(KENH_E_PARSE);
	if (n > len - off || 2 > len - off - n) return KENH_ERR(KENH_E_TRUNCATED);
	memcpy(o->device, buf + off, n);
	o->device[n] = '\0';
	off += n;
	if (!crypto_device_id_is_valid(o->device)) return KENH_ERR(KENH_E_PARSE);
	s = load_be16(buf + off);
	off += 2;
	if (s == 0 || s > CRYPTO_MAX_SIG) return KENH_ERR(KENH_E_PARSE);
	if (s > len - off) return KENH_ERR(KENH_E_TRUNCATED);
	if (s < len - off) return KENH_ERR(KENH_E_TRAILING);
	*sig = span_make(buf + off, s);
	return 0;
}

int crypto_wipe_parse(const uint8_t *buf, size_t len, struct crypto_wipe_order *out)
{
	struct kenh_span sig;
	uint16_t sig_id = 0;
	int rc;

	if ((rc = wipe_decode(buf, len, out, &sig_id, &sig)) != 0) memset(out, 0, sizeof(*out));
	return rc;
}

/* The CA whose certificate hashes to the order's signer id, or NULL. */
static const struct crypto_pki_ca *find_signer(const struct crypto_trust *t, const uint8_t *id)
{
	size_t i;

	if (memcmp(t->root.hash, id, CRYPTO_WIPE_SIGNER_ID_LEN) == 0) return &t->root;
	for (i = 0; i < t->ncas; i++)
		if (memcmp(t->cas[i].hash, id, CRYPTO_WIPE_SIGNER_ID_LEN) == 0) return &t->cas[i];
	return NULL;
}

static int check_signature(const struct crypto_trust *t, const struct crypto_pki_ca *ca,
                           uint16_t sig_id, struct kenh_span order, struct kenh_span sig)
{
	const struct crypto_sig *s = crypto_sig_get(t->ctx, sig_id);
	uint8_t tbs[sizeof(wipe_label) + WIPE_MAX];
	size_t body = (size_t)(sig.p - order.p) - 2;

	if (s == NULL || sig_id != ca->info.sig_id) return KENH_ERR(KENH_E_VERIFY);
	return crypto_sig_verify(s, ca->info.pk, ca->info.pklen, tbs, wipe_tbs(order.p, body, tbs),
	                         sig.p, sig.len);
}

int crypto_wipe_verify(const struct crypto_trust *t, const struct crypto_cert_info *self,
                       struct kenh_span order, uint64_t now, struct crypto_wipe_order *out)
{
	const struct crypto_pki_ca *ca;
	struct crypto_wipe_order o;
	struct kenh_span sig;
	uint16_t sig_id = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = wipe_decode(order.p, order.len, &o, &sig_id, &sig)) != 0) return rc;
	/* Verify before acting on anything the order says (STYLE R5.5). */
	if ((ca = find_signer(t, o.signer_id)) == NULL) return KENH_ERR(KENH_E_VERIFY);
	if ((rc = check_signature(t, ca, sig_id, order, sig)) != 0) return rc;
	if (ca != &t->root) {
		if ((rc = crypto_pki_trust_path(t, ca->x, &ca->info, now)) != 0) return rc;
		if (!crypto_unit_path_contains(ca->info.unit, self->unit))
			return KENH_ERR(KENH_E_PERM);
	} else if (now < ca->info.not_before || now > ca->info.not_after) {
		return KENH_ERR(KENH_E_EXPIRED);
	}
	if (strcmp(o.device, self->device) != 0) return KENH_ERR(KENH_E_PERM);
	*out = o;
	return 0;
}
