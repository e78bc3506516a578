/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Fuzz target for the application content decoder (lib/client/content*.c,
 * STYLE R17.8). The input is one AppContent. Checked: the decoder returns
 * 0 or one of the codes client_content.h lists; content that decodes and
 * passes the rules encodes again to exactly the input bytes (the encoding
 * is canonical, which the evidence signatures rely on, R6.5); the rules
 * never accept what the decoder's enum checks would refuse. Seeds in
 * fuzz/corpus/content are one item of each type.
 */
#include "fuzz.h"

#include "util/compat.h"

#include "client/client_content.h"
#include "util/mem.h"

static int allowed(int rc)
{
	return rc == 0 || rc == KENH_E_TRUNCATED || rc == KENH_E_TRAILING || rc == KENH_E_PARSE ||
	       rc == KENH_E_TOO_LARGE || rc == KENH_E_UNSUPPORTED;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct client_content c;
	uint8_t *enc = NULL;
	size_t len = 0;
	int rc;

	rc = client_content_decode(span_make(data, size), &c);
	FUZZ_CHECK(allowed(rc));
	if (rc != 0) return 0;
	FUZZ_CHECK(c.type >= CLIENT_CONTENT_TEXT && c.type <= CLIENT_CONTENT_TYPE_LAST);
	rc = client_content_validate(&c);
	FUZZ_CHECK(rc == 0 || rc == KENH_E_PROTO);
	if (rc == 0) {
		rc = client_content_encode(&c, &enc, &len);
		FUZZ_CHECK(rc == 0);
		FUZZ_CHECK(len == size && memcmp(enc, data, size) == 0);
		sec_free(enc, len);
	}
	client_content_clear(&c);
	return 0;
}
