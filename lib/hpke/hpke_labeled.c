/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * LabeledExtract and LabeledExpand (RFC 9180 §4): HKDF with the "HPKE-v1"
 * version label, the suite_id of the caller (§4.1 for the DHKEM, §5.1 for
 * the rest) and a label prefixed to the input. The crypto provider takes
 * one contiguous input, so the prefixed string is assembled here: in a
 * stack buffer when it fits (every fixed-size use in HPKE does), otherwise
 * in a heap copy for long caller inputs such as an MLS EncryptContext.
 * Either copy may hold secret input (a DH output, a PSK) and is wiped.
 */
#include "hpke/hpke_int.h"

#include "util/compat.h"

#include <string.h>

#include "crypto/crypto.h"
#include "util/mem.h"

/* RFC 9180 §4: the version label prefixed to every labeled KDF input. */
static const char version_label[] = "HPKE-v1";
#define VERSION_LABEL_LEN (sizeof(version_label) - 1)

/*
 * Room for the longest fixed-size input: I2OSP(L, 2) || "HPKE-v1" ||
 * suite_id (10) || "shared_secret" (13) || kem_context (3 * 65) = 229 bytes.
 */
#define STACK_CAP 256

/* A labeled input under construction; wipe with clear_buf(). */
struct labeled_buf {
	uint8_t stack[STACK_CAP]; /* secret */
	uint8_t *heap;            /* secret, sec_alloc'd when over STACK_CAP */
	uint8_t *p;
	size_t cap;
	size_t len;
};

static int open_buf(struct labeled_buf *b, size_t cap)
{
	void *h = NULL;
	int rc;

	b->heap = NULL;
	b->len = 0;
	b->cap = cap;
	if (cap <= sizeof(b->stack)) {
		b->p = b->stack;
		return 0;
	}
	if ((rc = sec_alloc(cap, &h)) != 0) return rc;
	b->heap = h;
	b->p = h;
	return 0;
}

static void append(struct labeled_buf *b, const void *p, size_t n)
{
	KENH_ASSERT(n <= b->cap - b->len);
	if (n) memcpy(b->p + b->len, p, n);
	b->len += n;
}

static void clear_buf(struct labeled_buf *b)
{
	sec_zero(b->stack, sizeof(b->stack));
	sec_free(b->heap, b->cap);
	b->heap = NULL;
	b->p = NULL;
}

/* Bytes of "HPKE-v1" || suite_id || label || body, overflow-checked. */
static int prefixed_len(const struct hpke_labeler *lab, size_t label_len, size_t body, size_t *out)
{
	size_t n = VERSION_LABEL_LEN + lab->suite_id_len + label_len;

	return size_add(n, body, out) ? KENH_ERR(KENH_E_TOO_LARGE) : 0;
}

int hpke_labeled_extract(const struct hpke_labeler *lab, struct kenh_span salt, const char *label,
                         struct kenh_span ikm, uint8_t *out)
{
	struct labeled_buf b = { { 0 }, NULL, NULL, 0, 0 };
	size_t label_len = strlen(label), total;
	int rc;

	memset(out, 0, lab->kdf->nh);
	if ((rc = prefixed_len(lab, label_len, ikm.len, &total)) != 0) return rc;
	if ((rc = open_buf(&b, total)) != 0) goto out;
	/* labeled_ikm = concat("HPKE-v1", suite_id, label, ikm) */
	append(&b, version_label, VERSION_LABEL_LEN);
	append(&b, lab->suite_id, lab->suite_id_len);
	append(&b, label, label_len);
	append(&b, ikm.p, ikm.len);
	rc = crypto_hkdf_extract(lab->kdf, salt.p, salt.len, b.p, b.len, out);
out:
	if (rc != 0) sec_zero(out, lab->kdf->nh);
	clear_buf(&b);
	return rc;
}

int hpke_labeled_expand(const struct hpke_labeler *lab, const uint8_t *prk, const char *label,
                        struct kenh_span info, uint8_t *out, size_t len)
{
	struct labeled_buf b = { { 0 }, NULL, NULL, 0, 0 };
	size_t label_len = strlen(label), total;
	uint8_t l2[2];
	int rc;

	if (len == 0 || len > 255 * lab->kdf->nh) return KENH_ERR(KENH_E_INVALID_ARG);
	memset(out, 0, len);
	if ((rc = prefixed_len(lab, label_len, info.len, &total)) != 0) return rc;
	if ((rc = size_add(total, sizeof(l2), &total)) != 0) return KENH_ERR(rc);
	if ((rc = open_buf(&b, total)) != 0) goto out;
	/* labeled_info = concat(I2OSP(L, 2), "HPKE-v1", suite_id, label, info);
	 * len <= 255 * Nh <= 255 * 64 fits in two bytes. */
	store_be16(l2, (uint16_t)len);
	append(&b, l2, sizeof(l2));
	append(&b, version_label, VERSION_LABEL_LEN);
	append(&b, lab->suite_id, lab->suite_id_len);
	append(&b, label, label_len);
	append(&b, info.p, info.len);
	rc = crypto_hkdf_expand(lab->kdf, prk, lab->kdf->nh, b.p, b.len, out, len);
out:
	if (rc != 0) sec_zero(out, len);
	clear_buf(&b);
	return rc;
}
