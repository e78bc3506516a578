/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The relay's own signature key, for its role as MLS external sender
 * (RFC 9420 §12.1.8.1, docs/protocol.md §8): handlers sign only through
 * struct signer_ops (STYLE R9.2), so the key can later move to a separate
 * process. The key file holds the 32-byte Ed25519 private key as 64 hex
 * digits (mode 0600, owned by the relay's user); it is the one secret the
 * relay holds, kept in a fixed-size struct that is wiped at exit (R5.1).
 */
#include "relay_int.h"

#include "util/compat.h"

#include <sys/stat.h>

#include "crypto/crypto.h"
#include "klog.h"
#include "mls/mls_keys.h"
#include "util/mem.h"

struct signer {
	const struct kenh_ctx *ctx;
	struct crypto_sigkey key; /* secret */
};

static int sign_with_label(void *arg, uint16_t suite, struct kenh_span label,
                           struct kenh_span content, uint8_t *sig, size_t *siglen)
{
	struct signer *s = arg;
	const struct crypto_suite *cs = crypto_suite_get(s->ctx, suite);

	*siglen = 0;
	if (cs == NULL || cs->sig->id != s->key.sig_id) return KENH_ERR(KENH_E_UNSUPPORTED);
	return mls_sign_with_label(cs, span_make(s->key.sk, s->key.sklen), label, content, sig,
	                           siglen);
}

static struct kenh_span public_key(void *arg)
{
	const struct signer *s = arg;

	return span_make(s->key.pk, s->key.pklen);
}

static const struct signer_ops ed25519_signer = { sign_with_label, public_key };

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* Read 64 hex digits (then optional white space) into sk. */
static int read_key(const char *path, uint8_t sk[static 32])
{
	char text[130];
	size_t n, i;
	FILE *f;
	int rc = 0;

	if ((f = fopen(path, "r")) == NULL) return KENH_ERR(KENH_E_IO);
	n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' ' || text[n - 1] == '\r'))
		n--;
	if (n != 64) rc = KENH_ERR(KENH_E_PARSE);
	for (i = 0; rc == 0 && i < 32; i++) {
		int hi = hex_nibble(text[2 * i]), lo = hex_nibble(text[2 * i + 1]);

		if (hi < 0 || lo < 0)
			rc = KENH_ERR(KENH_E_PARSE);
		else
			sk[i] = (uint8_t)(hi << 4 | lo);
	}
	sec_zero(text, sizeof(text));
	return rc;
}

int signer_load(struct relay *r, char *err, size_t errlen)
{
	struct signer *s = NULL;
	uint8_t sk[32];
	int rc;

	r->signer = NULL;
	r->signer_arg = NULL;
	if (r->cfg.signing_key[0] == '\0') return 0;
	if ((rc = read_key(r->cfg.signing_key, sk)) != 0) {
		snprintf(err, errlen, "%s: expected 64 hex digits", r->cfg.signing_key);
		goto out;
	}
	if ((rc = sec_alloc(sizeof(*s), (void **)&s)) != 0) goto out;
	s->ctx = r->ctx;
	rc = crypto_sigkey_from_sk(r->ctx, CRYPTO_SIG_ED25519, sk, sizeof(sk), &s->key);
	if (rc != 0) {
		snprintf(err, errlen, "%s: not an Ed25519 key", r->cfg.signing_key);
		sec_free(s, sizeof(*s));
		goto out;
	}
	r->signer = &ed25519_signer;
	r->signer_arg = s;
out:
	sec_zero(sk, sizeof(sk));
	return rc;
}

void signer_free(struct relay *r)
{
	struct signer *s = r->signer_arg;

	if (s == NULL) return;
	crypto_sigkey_clear(&s->key);
	sec_free(s, sizeof(*s));
	r->signer = NULL;
	r->signer_arg = NULL;
}
