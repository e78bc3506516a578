/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Names in Kenh certificates (docs/pki.md "Identity encoding"): the syntax
 * of unit paths, users, device ids and organization names, the subtree
 * relation between unit paths, the identity URI in subjectAltName
 * (RFC 5280 §4.2.1.6, uniformResourceIdentifier; RFC 3986 syntax with our
 * own "kenh" scheme), and the subject distinguished name that repeats it
 * (RFC 5280 §4.1.2.6). Every check here is exact: a name that is not
 * precisely what we would have issued is refused, so there is one
 * spelling of every identity.
 */
#include "crypto/pki.h"

/* OpenSSL before compat.h: its prototypes name parameters "rand", which compat.h poisons. */
#include <openssl/asn1.h>
#include <openssl/crypto.h>
#include <openssl/obj_mac.h>
#include <openssl/x509.h>

#include "util/compat.h"

#include "crypto/pki_int.h"

#define URI_UNIT   "kenh:unit/"
#define URI_DEVICE "kenh:device/"

static bool is_lower_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool segment_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || n > CRYPTO_PKI_MAX_SEGMENT) return false;
	if (s[0] == '-' || s[n - 1] == '-') return false;
	for (i = 0; i < n; i++)
		if (!is_lower_alnum(s[i]) && s[i] != '-') return false;
	return true;
}

bool crypto_unit_path_is_valid(const char *path)
{
	size_t len, start = 0, i, depth = 0;

	if (path == NULL) return false;
	len = strnlen(path, CRYPTO_PKI_MAX_UNIT + 1);
	if (len == 0 || len > CRYPTO_PKI_MAX_UNIT) return false;
	for (i = 0; i <= len; i++) {
		if (i < len && path[i] != '/') continue;
		if (!segment_ok(path + start, i - start)) return false;
		if (++depth > CRYPTO_PKI_MAX_UNIT_DEPTH) return false;
		start = i + 1;
	}
	return true;
}

bool crypto_unit_path_contains(const char *parent, const char *child)
{
	size_t n;

	if (!crypto_unit_path_is_valid(parent) || !crypto_unit_path_is_valid(child)) return false;
	n = strlen(parent);
	/* A prefix only on a segment boundary: "a/b" contains "a/b/c", not "a/bc". */
	return strncmp(parent, child, n) == 0 && (child[n] == '\0' || child[n] == '/');
}

static bool word_ok(const char *s, size_t max, bool dots)
{
	size_t n, i;

	if (s == NULL) return false;
	n = strnlen(s, max + 1);
	if (n == 0 || n > max || !is_lower_alnum(s[0])) return false;
	for (i = 1; i < n; i++) {
		if (is_lower_alnum(s[i]) || s[i] == '-') continue;
		if (dots && (s[i] == '.' || s[i] == '_')) continue;
		return false;
	}
	return true;
}

bool crypto_user_is_valid(const char *user)
{
	return word_ok(user, CRYPTO_PKI_MAX_USER, true);
}

bool crypto_device_id_is_valid(const char *device)
{
	return word_ok(device, CRYPTO_PKI_MAX_DEVICE, false);
}

/* Length of the UTF-8 sequence at s (n bytes left) encoding a non-control scalar; 0 if invalid. */
static size_t utf8_char(const uint8_t *s, size_t n)
{
	uint32_t c;
	size_t len, i;

	if (s[0] < 0x80) return (s[0] >= 0x20 && s[0] != 0x7f) ? 1 : 0;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, c = s[0] & 0x1fu;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, c = s[0] & 0x0fu;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, c = s[0] & 0x07u;
	else
		return 0;
	if (len > n) return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80) return 0;
		c = c << 6 | (s[i] & 0x3fu);
	}
	/* No overlong forms, no surrogates, nothing above U+10FFFF, no C1 controls. */
	if ((len == 3 && c < 0x800) || (len == 4 && c < 0x10000)) return 0;
	if ((c >= 0xd800 && c <= 0xdfff) || c > 0x10ffff || (c >= 0x80 && c <= 0x9f)) return 0;
	return len;
}

bool crypto_org_is_valid(const char *org)
{
	const uint8_t *s = (const uint8_t *)org;
	size_t n, i, k;

	if (org == NULL) return false;
	n = strnlen(org, CRYPTO_PKI_MAX_ORG + 1);
	if (n == 0 || n > CRYPTO_PKI_MAX_ORG || s[0] == ' ' || s[n - 1] == ' ') return false;
	for (i = 0; i < n; i += k)
		if ((k = utf8_char(s + i, n - i)) == 0) return false;
	return true;
}

int crypto_device_id_make(const struct kenh_ctx *ctx, uint16_t sig_id, const uint8_t *pk,
                          size_t pklen, char out[static CRYPTO_PKI_DEVICE_ID_LEN + 1])
{
	static const char label[] = "kenh device id v1";
	static const char b32[] = "0123456789abcdefghjkmnpqrstvwxyz";
	const struct crypto_kdf *kdf = crypto_kdf_get(ctx, CRYPTO_KDF_HKDF_SHA256);
	uint8_t msg[sizeof(label) + 2 + CRYPTO_MAX_SIG_PK], h[32];
	int rc;

	memset(out, 0, CRYPTO_PKI_DEVICE_ID_LEN + 1);
	if (kdf == NULL) return KENH_ERR(KENH_E_INTERNAL);
	if (pklen == 0 || pklen > CRYPTO_MAX_SIG_PK) return KENH_ERR(KENH_E_INVALID_ARG);
	memcpy(msg, label, sizeof(label)); /* with its NUL, a separator */
	store_be16(msg + sizeof(label), sig_id);
	memcpy(msg + sizeof(label) + 2, pk, pklen);
	if ((rc = crypto_hash(kdf, msg, sizeof(label) + 2 + pklen, h)) != 0) return rc;
	/* 16 characters of 5 bits: the first 80 bits of the hash. */
	crypto_pki_base32(h, 10, b32, out, CRYPTO_PKI_DEVICE_ID_LEN);
	return 0;
}

void crypto_pki_base32(const uint8_t *in, size_t inlen, const char *alphabet, char *out,
                       size_t nchars)
{
	size_t i;

	for (i = 0; i < nchars; i++) {
		size_t bit = i * 5, byte = bit / 8, shift = bit % 8;
		unsigned v = 0;

		/* The two bytes holding these 5 bits, zeros past the end (RFC 4648 §6 padding bits). */
		if (byte < inlen) v = (unsigned)in[byte] << 8;
		if (byte + 1 < inlen) v |= in[byte + 1];
		out[i] = alphabet[(v >> (11 - shift)) & 31];
	}
}

int crypto_pki_uri_make(const struct crypto_cert_info *id, char *out, size_t outlen)
{
	int n;

	if (outlen > 0) out[0] = '\0';
	if (!crypto_unit_path_is_valid(id->unit)) return KENH_ERR(KENH_E_INVALID_ARG);
	if (id->kind == CRYPTO_CERT_UNIT) {
		n = snprintf(out, outlen, "%s%s", URI_UNIT, id->unit);
	} else if (id->kind == CRYPTO_CERT_DEVICE) {
		if (!crypto_user_is_valid(id->user) || !crypto_device_id_is_valid(id->device))
			return KENH_ERR(KENH_E_INVALID_ARG);
		n = snprintf(out, outlen, "%s%s/%s/%s", URI_DEVICE, id->unit, id->user, id->device);
	} else {
		return KENH_ERR(KENH_E_INVALID_ARG);
	}
	if (n < 0 || (size_t)n >= outlen) return KENH_ERR(KENH_E_INVALID_ARG);
	return 0;
}

/* Copy [s, s+n) into a NUL-terminated buffer of size cap; false if it does not fit. */
static bool copy_part(char *dst, size_t cap, const char *s, size_t n)
{
	if (n >= cap) return false;
	memcpy(dst, s, n);
	dst[n] = '\0';
	return true;
}

static int parse_device_uri(const char *p, size_t n, struct crypto_cert_info *id)
{
	const char *dev, *user;
	size_t i = n;

	/* Parse from the end: the device id and the user contain no '/', the unit path does. */
	while (i > 0 && p[i - 1] != '/')
		i--;
	if (i == 0) return KENH_ERR(KENH_E_PARSE);
	dev = p + i;
	if (!copy_part(id->device, sizeof(id->device), dev, n - i)) return KENH_ERR(KENH_E_PARSE);
	n = i - 1;
	while (i > 1 && p[i - 2] != '/')
		i--;
	if (i <= 1) return KENH_ERR(KENH_E_PARSE);
	user = p + i - 1;
	if (!copy_part(id->user, sizeof(id->user), user, (size_t)(p + n - user)))
		return KENH_ERR(KENH_E_PARSE);
	if (!copy_part(id->unit, sizeof(id->unit), p, (size_t)(user - 1 - p)))
		return KENH_ERR(KENH_E_PARSE);
	if (!crypto_user_is_valid(id->user) || !crypto_device_id_is_valid(id->device))
		return KENH_ERR(KENH_E_PARSE);
	id->kind = CRYPTO_CERT_DEVICE;
	return 0;
}

int crypto_pki_uri_parse(const char *uri, size_t len, struct crypto_cert_info *id)
{
	const size_t nu = sizeof(URI_UNIT) - 1, nd = sizeof(URI_DEVICE) - 1;
	int rc;

	id->unit[0] = id->user[0] = id->device[0] = '\0';
	if (len > CRYPTO_PKI_MAX_URI || memchr(uri, '\0', len) != NULL)
		return KENH_ERR(KENH_E_PARSE);
	if (len > nu && memcmp(uri, URI_UNIT, nu) == 0) {
		if (!copy_part(id->unit, sizeof(id->unit), uri + nu, len - nu))
			return KENH_ERR(KENH_E_PARSE);
		id->kind = CRYPTO_CERT_UNIT;
	} else if (len > nd && memcmp(uri, URI_DEVICE, nd) == 0) {
		if ((rc = parse_device_uri(uri + nd, len - nd, id)) != 0) return rc;
	} else {
		return KENH_ERR(KENH_E_PARSE);
	}
	if (!crypto_unit_path_is_valid(id->unit)) return KENH_ERR(KENH_E_PARSE);
	return 0;
}

/* The attributes of each profile's subject name, in order (docs/pki.md). */
struct rdn {
	int nid;
	const char *value;
};

static size_t profile_rdns(const struct crypto_cert_info *id, struct rdn r[4])
{
	r[0].nid = NID_organizationName;
	r[0].value = id->org;
	switch (id->kind) {
	case CRYPTO_CERT_ROOT:
		r[1] = (struct rdn){ NID_commonName, CRYPTO_PKI_CN_ROOT };
		return 2;
	case CRYPTO_CERT_UNIT:
		r[1] = (struct rdn){ NID_organizationalUnitName, id->unit };
		r[2] = (struct rdn){ NID_commonName, CRYPTO_PKI_CN_UNIT };
		return 3;
	case CRYPTO_CERT_DEVICE:
		r[1] = (struct rdn){ NID_organizationalUnitName, id->unit };
		r[2] = (struct rdn){ NID_commonName, id->user };
		r[3] = (struct rdn){ NID_serialNumber, id->device };
		return 4;
	}
	return 0;
}

int crypto_pki_name_build(const struct crypto_cert_info *id, X509_NAME **out)
{
	struct rdn r[4];
	X509_NAME *name = NULL;
	size_t n, i;

	*out = NULL;
	if (!crypto_org_is_valid(id->org)) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((n = profile_rdns(id, r)) == 0) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((name = X509_NAME_new()) == NULL) return KENH_ERR(KENH_E_NOMEM);
	for (i = 0; i < n; i++) {
		/* One attribute per RDN; O, OU and CN become UTF8String, serialNumber PrintableString. */
		if (X509_NAME_add_entry_by_NID(name, r[i].nid, MBSTRING_UTF8,
		                               (const unsigned char *)r[i].value, -1, -1, 0) != 1) {
			X509_NAME_free(name);
			return KENH_ERR(KENH_E_INVALID_ARG);
		}
	}
	*out = name;
	return 0;
}

/* The value of entry i as UTF-8 into buf; false for a bad string type, a NUL inside, or too long. */
static bool entry_text(const X509_NAME *name, int i, int nid, char *buf, size_t cap)
{
	const X509_NAME_ENTRY *e = X509_NAME_get_entry(name, i);
	const ASN1_STRING *s;
	unsigned char *u = NULL;
	int n, type;
	bool ok;

	if (e == NULL || OBJ_obj2nid(X509_NAME_ENTRY_get_object(e)) != nid) return false;
	/* Single-valued RDNs only: entry i must be alone in RDN i. */
	if (X509_NAME_ENTRY_set(e) != i) return false;
	s = X509_NAME_ENTRY_get_data(e);
	type = ASN1_STRING_type(s);
	if (type != V_ASN1_UTF8STRING && type != V_ASN1_PRINTABLESTRING) return false;
	if ((n = ASN1_STRING_to_UTF8(&u, s)) < 0) return false;
	ok = (size_t)n < cap && memchr(u, '\0', (size_t)n) == NULL;
	if (ok) {
		memcpy(buf, u, (size_t)n);
		buf[n] = '\0';
	}
	OPENSSL_free(u);
	return ok;
}

int crypto_pki_name_check(const X509_NAME *name, struct crypto_cert_info *id)
{
	char buf[CRYPTO_PKI_MAX_ORG + 1];
	struct rdn r[4];
	size_t n, i;

	id->org[0] = '\0';
	if ((n = profile_rdns(id, r)) == 0) return KENH_ERR(KENH_E_PARSE);
	if (X509_NAME_entry_count(name) != (int)n) return KENH_ERR(KENH_E_PARSE);
	if (!entry_text(name, 0, NID_organizationName, buf, sizeof(buf)) ||
	    !crypto_org_is_valid(buf))
		return KENH_ERR(KENH_E_PARSE);
	snprintf(id->org, sizeof(id->org), "%s", buf);
	for (i = 1; i < n; i++) {
		if (!entry_text(name, (int)i, r[i].nid, buf, sizeof(buf)) ||
		    strcmp(buf, r[i].value) != 0)
			return KENH_ERR(KENH_E_PARSE);
	}
	return 0;
}

void crypto_pki_name_unit(const X509_NAME *name, char out[static CRYPTO_PKI_MAX_UNIT + 1])
{
	int i = X509_NAME_get_index_by_NID(name, NID_organizationalUnitName, -1);

	out[0] = '\0';
	if (i < 0 || !entry_text(name, i, NID_organizationalUnitName, out, CRYPTO_PKI_MAX_UNIT + 1))
		out[0] = '\0';
	else if (!crypto_unit_path_is_valid(out))
		out[0] = '\0';
}

int crypto_pki_name_build_csr(const char *unit, const char *user, X509_NAME **out)
{
	X509_NAME *name = NULL;

	*out = NULL;
	if (!crypto_unit_path_is_valid(unit) || !crypto_user_is_valid(user))
		return KENH_ERR(KENH_E_INVALID_ARG);
	if ((name = X509_NAME_new()) == NULL) return KENH_ERR(KENH_E_NOMEM);
	if (X509_NAME_add_entry_by_NID(name, NID_organizationalUnitName, MBSTRING_UTF8,
	                               (const unsigned char *)unit, -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_NID(name, NID_commonName, MBSTRING_UTF8,
	                               (const unsigned char *)user, -1, -1, 0) != 1) {
		X509_NAME_free(name);
		return KENH_ERR(KENH_E_NOMEM);
	}
	*out = name;
	return 0;
}

int crypto_pki_name_check_csr(const X509_NAME *name, char unit[static CRYPTO_PKI_MAX_UNIT + 1],
                              char user[static CRYPTO_PKI_MAX_USER + 1])
{
	unit[0] = user[0] = '\0';
	if (X509_NAME_entry_count(name) != 2 ||
	    !entry_text(name, 0, NID_organizationalUnitName, unit, CRYPTO_PKI_MAX_UNIT + 1) ||
	    !entry_text(name, 1, NID_commonName, user, CRYPTO_PKI_MAX_USER + 1) ||
	    !crypto_unit_path_is_valid(unit) || !crypto_user_is_valid(user)) {
		unit[0] = user[0] = '\0';
		return KENH_ERR(KENH_E_PARSE);
	}
	return 0;
}
