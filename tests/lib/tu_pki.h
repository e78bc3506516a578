/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Certificates made for the tests of the PKI and its users
 * (tests/unit/test_pki.c, test_client_crl.c): a root and certificates it
 * or a CA below it issues (RFC 5280 profile of lib/crypto/pki.h), each
 * with a fresh key, valid from a day before the test's clock.
 */
#ifndef KENH_TESTS_TU_PKI_H
#define KENH_TESTS_TU_PKI_H

#include <stddef.h>
#include <stdint.h>

#include "crypto/pki.h"
#include "util/util.h"

/* A certificate we made and, for CAs, its key. */
struct tu_held {
	uint8_t *der;
	size_t len;
	struct crypto_sigkey key;
};

/* Free the certificate, wipe the key, zero h. */
void tu_held_free(struct tu_held *h);

/* The certificate's DER. */
struct kenh_span tu_held_span(const struct tu_held *h);

/* A self-signed root of org with a new key of sig_id, valid from now - 1 day for 10 years. */
KENH_MUST_CHECK int tu_pki_root(struct kenh_ctx *ctx, uint16_t sig_id, const char *org,
                                uint64_t now, struct tu_held *out);

/*
 * t issued by ca for a new key of sig_id (t's key fields are filled in);
 * where t leaves them 0, valid from now - 1 day for 90 days (a device) or
 * 5 years (a CA). crypto_cert_issue's result.
 */
KENH_MUST_CHECK int tu_pki_issue(struct kenh_ctx *ctx, const struct tu_held *ca,
                                 struct crypto_cert_template *t, uint16_t sig_id, uint64_t now,
                                 struct tu_held *out);

#endif
