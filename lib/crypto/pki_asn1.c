/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Small ASN.1 helpers of the PKI: strict DER parsing of a certificate into
 * the provider's library context (exact length, no trailing bytes), the
 * conversion of RFC 5280 §4.1.2.5 times to and from Unix seconds, serial
 * numbers (RFC 5280 §4.1.2.2: positive, at most 20 octets; ours are 128
 * random bits), and key identifiers (RFC 5280 §4.2.1.2; we use the
 * SHA-256 variant of RFC 7093 §2 method 1, truncated to 160 bits).
 */
#include "crypto/pki.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/x509.h>

#include "util/compat.h"

#include <time.h>

#include "crypto/pki_int.h"
#include "util/mem.h"

int crypto_pki_x509_parse(const struct kenh_ctx *ctx, const uint8_t *der, size_t len, X509 **out)
{
	const unsigned char *p = der;
	X509 *x = NULL;
	int rc = KENH_ERR(KENH_E_PARSE);

	*out = NULL;
	if (len > CRYPTO_PKI_MAX_CERT_DER) return KENH_ERR(KENH_E_TOO_LARGE);
	if (len == 0) return rc;
	if ((x = X509_new_ex(crypto_pki_libctx(ctx), NULL)) == NULL) {
		rc = KENH_ERR(KENH_E_NOMEM);
		goto out;
	}
	if (d2i_X509(&x, &p, (long)len) == NULL) {
		x = NULL; /* d2i frees the object it was given when it fails */
		goto out;
	}
	if ((size_t)(p - der) != len) goto out;
	*out = x;
	x = NULL;
	rc = 0;
out:
	if (rc != 0) crypto_pki_drain(ctx, __func__);
	X509_free(x);
	return rc;
}

int crypto_pki_time_get(const ASN1_TIME *t, uint64_t *out)
{
	struct tm tm;
	time_t v;

	*out = 0;
	memset(&tm, 0, sizeof(tm));
	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1) return KENH_ERR(KENH_E_PARSE);
	v = timegm(&tm);
	if (v < 0) return KENH_ERR(KENH_E_PARSE);
	*out = (uint64_t)v;
	return 0;
}

int crypto_pki_time_new(uint64_t v, ASN1_TIME **out)
{
	*out = NULL;
	if (v > CRYPTO_PKI_MAX_TIME) return KENH_ERR(KENH_E_INVALID_ARG);
	/* ASN1_TIME_set picks UTCTime through 2049 and GeneralizedTime after (RFC 5280 §4.1.2.5). */
	if ((*out = ASN1_TIME_set(NULL, (time_t)v)) == NULL) return KENH_ERR(KENH_E_NOMEM);
	return 0;
}

int crypto_pki_serial_get(const ASN1_INTEGER *ai, struct crypto_serial *out)
{
	BIGNUM *bn = NULL;
	int n, rc = KENH_ERR(KENH_E_PARSE);

	memset(out, 0, sizeof(*out));
	if (ai == NULL || (bn = ASN1_INTEGER_to_BN(ai, NULL)) == NULL) goto out;
	/* RFC 5280 §4.1.2.2: a positive integer of at most 20 octets. */
	if (BN_is_negative(bn) || BN_is_zero(bn)) goto out;
	n = BN_num_bytes(bn);
	if (n <= 0 || n > CRYPTO_PKI_SERIAL_MAX) goto out;
	if (BN_bn2bin(bn, out->b) != n) goto out;
	out->len = (size_t)n;
	rc = 0;
out:
	BN_free(bn);
	return rc;
}

int crypto_pki_serial_asn1(const struct crypto_serial *s, ASN1_INTEGER **out)
{
	BIGNUM *bn = NULL;

	*out = NULL;
	if (s->len == 0 || s->len > CRYPTO_PKI_SERIAL_MAX) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((bn = BN_bin2bn(s->b, (int)s->len, NULL)) == NULL) return KENH_ERR(KENH_E_NOMEM);
	*out = BN_to_ASN1_INTEGER(bn, NULL);
	BN_free(bn);
	return *out != NULL ? 0 : KENH_ERR(KENH_E_NOMEM);
}

int crypto_pki_serial_random(const struct kenh_ctx *ctx, struct crypto_serial *out)
{
	uint8_t r[CRYPTO_PKI_SERIAL_RANDOM];
	size_t skip = 0;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = crypto_random(ctx, r, sizeof(r))) != 0) return rc;
	/* Keep the minimal form; an all-zero draw (2^-128) becomes 1 rather than an invalid 0. */
	while (skip < sizeof(r) - 1 && r[skip] == 0)
		skip++;
	if (r[skip] == 0) r[skip] = 1;
	out->len = sizeof(r) - skip;
	memcpy(out->b, r + skip, out->len);
	return 0;
}

void crypto_serial_hex(const struct crypto_serial *s, char *out, size_t outlen)
{
	static const char digits[] = "0123456789abcdef";
	size_t i;

	if (outlen == 0) return;
	out[0] = '\0';
	if (s->len > CRYPTO_PKI_SERIAL_MAX || outlen < 2 * s->len + 1) return;
	for (i = 0; i < s->len; i++) {
		out[2 * i] = digits[s->b[i] >> 4];
		out[2 * i + 1] = digits[s->b[i] & 15];
	}
	out[2 * s->len] = '\0';
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

int crypto_serial_from_hex(const char *hex, struct crypto_serial *out)
{
	size_t n = strlen(hex), i;
	int hi, lo;

	memset(out, 0, sizeof(*out));
	if (n == 0 || n % 2 != 0 || n > 2 * CRYPTO_PKI_SERIAL_MAX) return KENH_ERR(KENH_E_PARSE);
	for (i = 0; i < n / 2; i++) {
		hi = hex_digit(hex[2 * i]);
		lo = hex_digit(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) return KENH_ERR(KENH_E_PARSE);
		out->b[i] = (uint8_t)(hi << 4 | lo);
	}
	out->len = n / 2;
	/* The minimal form only, and never zero: the same serial has one spelling. */
	if (out->b[0] == 0) {
		memset(out, 0, sizeof(*out));
		return KENH_ERR(KENH_E_PARSE);
	}
	return 0;
}

bool crypto_serial_eq(const struct crypto_serial *a, const struct crypto_serial *b)
{
	return a->len == b->len && a->len <= CRYPTO_PKI_SERIAL_MAX &&
	       memcmp(a->b, b->b, a->len) == 0;
}

int crypto_pki_key_id(const struct kenh_ctx *ctx, const X509 *x,
                      uint8_t out[static CRYPTO_PKI_KEY_ID_LEN])
{
	const struct crypto_kdf *kdf = crypto_kdf_get(ctx, CRYPTO_KDF_HKDF_SHA256);
	const ASN1_BIT_STRING *bits = X509_get0_pubkey_bitstr(x);
	uint8_t h[32];
	int rc;

	memset(out, 0, CRYPTO_PKI_KEY_ID_LEN);
	if (kdf == NULL || bits == NULL) return KENH_ERR(KENH_E_INTERNAL);
	/* RFC 7093 §2 method 1 with SHA-256: the hash of the subjectPublicKey bits, leftmost 160 bits. */
	rc = crypto_hash(kdf, ASN1_STRING_get0_data(bits), (size_t)ASN1_STRING_length(bits), h);
	if (rc != 0) return rc;
	memcpy(out, h, CRYPTO_PKI_KEY_ID_LEN);
	return 0;
}
