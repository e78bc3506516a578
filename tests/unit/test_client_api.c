/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests of the public client API (include/kenh/client.h,
 * lib/client/client_api.c), used the way a program outside the repository
 * would: the store's life (create, wrong passphrase, passphrase change,
 * wipe), a file encrypted and decrypted chunk by chunk with a saved and
 * restored state in the middle, and an evidence record verified with the
 * root alone, then with a signature broken (the outcome names the item).
 * The record is made with the internal API, as the client would make it.
 */
#include "kenh/client.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/client_evidence.h"
#include "util/mem.h"

#define NOW 1767225600u

static int setup(void **state)
{
	struct kenh_ctx *ctx = NULL;

	if (kenh_ctx_new(&ctx) != 0) return -1;
	*state = ctx;
	return 0;
}

static int teardown(void **state)
{
	kenh_ctx_free(*state);
	return 0;
}

static void test_client_api_store(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct kenh_store_lock lock = { (const uint8_t *)"pass one", 8, 8, 1, 1 };
	struct kenh_store *s = NULL;
	char dir[] = "/tmp/kenh-api-XXXXXX", path[64];

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/store.db", dir);
	assert_int_equal(kenh_store_create(ctx, path, &lock, &s), 0);
	kenh_store_close(s);
	assert_int_equal(kenh_store_create(ctx, path, &lock, &s), KENH_E_EXISTS);
	assert_int_equal(kenh_store_open(ctx, path, (const uint8_t *)"pass two", 8, &s),
	                 KENH_E_DECRYPT);
	assert_null(s);
	assert_int_equal(kenh_store_open(ctx, path, lock.pass, lock.passlen, &s), 0);
	lock.pass = (const uint8_t *)"pass two";
	assert_int_equal(kenh_store_change_passphrase(s, &lock), 0);
	kenh_store_close(s);
	assert_int_equal(kenh_store_open(ctx, path, (const uint8_t *)"pass one", 8, &s),
	                 KENH_E_DECRYPT);
	assert_int_equal(kenh_store_open(ctx, path, lock.pass, lock.passlen, &s), 0);
	assert_int_equal(kenh_store_wipe(s), 0);
	assert_int_equal(access(path, F_OK), -1);
	assert_int_equal(kenh_store_open(ctx, path, lock.pass, lock.passlen, &s), KENH_E_NOT_FOUND);
	assert_int_equal(kenh_store_wipe_file(path), KENH_E_NOT_FOUND);
	lock.lanes = 0;
	assert_int_equal(kenh_store_create(ctx, path, &lock, &s), KENH_E_INVALID_ARG);
	assert_int_equal(rmdir(dir), 0);
}

static void test_client_api_file(void **state)
{
	struct kenh_ctx *ctx = *state;
	static uint8_t data[3 * KENH_FILE_MIN_CHUNK + 7], ct[4][KENH_FILE_MIN_CHUNK + 16],
	        back[sizeof(data)];
	uint8_t key[KENH_FILE_KEY_LEN], hash[KENH_FILE_HASH_LEN], *st = NULL;
	struct kenh_file *f = NULL;
	struct kenh_blob b;
	size_t stlen = 0, i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 31);
	assert_int_equal(kenh_file_seal_new(ctx, sizeof(data), KENH_FILE_MIN_CHUNK, &f), 0);
	assert_int_equal(kenh_file_chunks(f), 4);
	assert_int_equal(kenh_file_ct_size(f), sizeof(data) + 4 * KENH_FILE_TAG_LEN);
	assert_int_equal(kenh_file_ct_offset(f, 3), 3 * (KENH_FILE_MIN_CHUNK + KENH_FILE_TAG_LEN));
	for (i = 0; i < 4; i++) {
		size_t n = kenh_file_chunk_len(f, i);

		assert_int_equal(
		        kenh_file_seal_chunk(f, i, data + i * KENH_FILE_MIN_CHUNK, n, ct[i]), 0);
	}
	assert_int_equal(kenh_file_finish(f, NULL, hash), 0);
	kenh_file_key(f, key);
	kenh_file_free(f);
	assert_int_equal(kenh_file_open_new(ctx, key, sizeof(data), KENH_FILE_MIN_CHUNK, &f), 0);
	assert_int_equal(kenh_file_open_chunk(f, 0, ct[0], KENH_FILE_MIN_CHUNK + 16, back), 0);
	/* Interrupted: save, free, restore, continue. */
	assert_int_equal(kenh_file_save(f, &st, &stlen), 0);
	kenh_file_free(f);
	b.p = st;
	b.len = stlen;
	assert_int_equal(kenh_file_restore(ctx, &b, &f), 0);
	kenh_buf_free(st, stlen);
	for (i = 1; i < 4; i++) {
		size_t n = kenh_file_chunk_len(f, i);

		assert_int_equal(
		        kenh_file_open_chunk(f, i, ct[i], n + 16, back + i * KENH_FILE_MIN_CHUNK),
		        0);
	}
	assert_memory_equal(back, data, sizeof(data));
	assert_int_equal(kenh_file_finish(f, hash, NULL), 0);
	hash[0] ^= 1;
	assert_int_equal(kenh_file_finish(f, hash, NULL), KENH_E_VERIFY);
	/* Chunk 1's ciphertext in chunk 2's place. */
	assert_int_equal(kenh_file_open_chunk(f, 2, ct[1], KENH_FILE_MIN_CHUNK + 16, back),
	                 KENH_E_DECRYPT);
	kenh_file_free(f);
}

struct pki {
	struct crypto_sigkey rk, dk;
	uint8_t *root, *dev;
	size_t rootlen, devlen;
	struct crypto_cert_info info;
};

static void make_pki(struct kenh_ctx *ctx, struct pki *p)
{
	struct crypto_cert_template t = { .kind = CRYPTO_CERT_ROOT, .org = "Kenh test" };
	struct crypto_cert_template d = { .kind = CRYPTO_CERT_DEVICE,
		                          .unit = "thaibinh",
		                          .user = "commander" };
	struct crypto_issuer iss = { { NULL, 0 }, NULL };
	char id[CRYPTO_PKI_DEVICE_ID_LEN + 1];

	memset(p, 0, sizeof(*p));
	assert_int_equal(crypto_sigkey_generate(ctx, CRYPTO_SIG_ED25519, &p->rk), 0);
	assert_int_equal(crypto_sigkey_generate(ctx, CRYPTO_SIG_ED25519, &p->dk), 0);
	iss.key = &p->rk;
	t.not_before = NOW - 86400;
	t.lifetime = 3650u * 86400;
	assert_int_equal(crypto_cert_issue(ctx, &iss, &t, &p->root, &p->rootlen), 0);
	assert_int_equal(crypto_device_id_make(ctx, p->dk.sig_id, p->dk.pk, p->dk.pklen, id), 0);
	d.device = id;
	d.sig_id = p->dk.sig_id;
	d.pk = p->dk.pk;
	d.pklen = p->dk.pklen;
	d.not_before = NOW - 86400;
	d.lifetime = 90u * 86400;
	iss.cert = span_make(p->root, p->rootlen);
	assert_int_equal(crypto_cert_issue(ctx, &iss, &d, &p->dev, &p->devlen), 0);
	assert_int_equal(crypto_cert_parse(ctx, p->dev, p->devlen, &p->info), 0);
}

static void test_client_api_evidence(void **state)
{
	struct kenh_ctx *ctx = *state;
	struct client_evidence_item it;
	struct client_content c;
	struct client_signer w;
	struct kenh_evidence *e = NULL;
	struct kenh_blob rec, root;
	uint8_t *content = NULL, *record = NULL, sig[CRYPTO_MAX_SIG];
	size_t clen = 0, reclen = 0, siglen = 0;
	struct pki p;

	make_pki(ctx, &p);
	memset(&c, 0, sizeof(c));
	c.type = CLIENT_CONTENT_DIRECTIVE;
	memset(c.id, 7, sizeof(c.id));
	c.sent_at = NOW;
	c.u.directive.title = span_make((const uint8_t *)"Report at noon", 14);
	c.u.directive.priority = CLIENT_PRIORITY_NORMAL;
	c.u.directive.assignees[0].kind = CLIENT_ASSIGNEE_UNIT;
	c.u.directive.assignees[0].name = span_make((const uint8_t *)"thaibinh", 8);
	c.u.directive.nassignees = 1;
	assert_int_equal(client_content_encode(&c, &content, &clen), 0);
	w.user = span_make((const uint8_t *)p.info.user, strlen(p.info.user));
	w.unit = span_make((const uint8_t *)p.info.unit, strlen(p.info.unit));
	w.device = span_make((const uint8_t *)p.info.device, strlen(p.info.device));
	assert_int_equal(client_evidence_sign(ctx, &p.dk, &w, span_make((const uint8_t *)"g", 1),
	                                      span_make(content, clen), sig, &siglen),
	                 0);
	memset(&it, 0, sizeof(it));
	it.content = span_make(content, clen);
	it.sig = span_make(sig, siglen);
	it.chain[0] = span_make(p.dev, p.devlen);
	it.nchain = 1;
	assert_int_equal(client_evidence_export(span_make((const uint8_t *)"g", 1), &it, 1, &record,
	                                        &reclen),
	                 0);
	rec.p = record;
	rec.len = reclen;
	root.p = p.root;
	root.len = p.rootlen;
	assert_int_equal(kenh_evidence_verify(ctx, &rec, &root, &e), 0);
	assert_int_equal(kenh_evidence_count(e), 1);
	assert_int_equal(kenh_evidence_first_failure(e), SIZE_MAX);
	assert_int_equal(kenh_evidence_item_type(e, 0), KENH_CONTENT_DIRECTIVE);
	assert_string_equal(kenh_evidence_item_user(e, 0), "commander");
	assert_string_equal(kenh_evidence_item_unit(e, 0), "thaibinh");
	assert_int_equal(kenh_evidence_item_time(e, 0), NOW);
	assert_string_equal(kenh_evidence_item_user(e, 5), "");
	kenh_evidence_free(e);
	/* Flip a bit inside the signature, where it sits in the record. */
	{
		size_t at = 0;

		while (at + siglen <= reclen && memcmp(record + at, sig, siglen) != 0)
			at++;
		assert_true(at + siglen <= reclen);
		record[at + 3] ^= 0x10;
	}
	assert_int_equal(kenh_evidence_verify(ctx, &rec, &root, &e), KENH_E_VERIFY);
	assert_int_equal(kenh_evidence_first_failure(e), 0);
	assert_int_equal(kenh_evidence_item_step(e, 0), KENH_EVIDENCE_SIGNATURE);
	assert_int_equal(kenh_evidence_item_result(e, 0), KENH_E_VERIFY);
	kenh_evidence_free(e);
	rec.len = 3;
	assert_int_equal(kenh_evidence_verify(ctx, &rec, &root, &e), KENH_E_TRUNCATED);
	assert_null(e);
	mem_free(record);
	sec_free(content, clen);
	mem_free(p.root);
	mem_free(p.dev);
	crypto_sigkey_clear(&p.rk);
	crypto_sigkey_clear(&p.dk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_api_store),
		cmocka_unit_test(test_client_api_file),
		cmocka_unit_test(test_client_api_evidence),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
