/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The public client API (include/kenh/client.h): thin wrappers that map the
 * opaque public handles onto lib/client's internal objects. A store or
 * file handle is a small struct holding the internal object, so the
 * internal types never appear in the ABI; an evidence outcome is a copy of
 * each item's verdict, since the internal verifier reports through a
 * callback. Documentation lives in the header (STYLE R11.2).
 */
#include "kenh/client.h"

#include "util/compat.h"

#include "client/client_evidence.h"
#include "client/client_filecrypt.h"
#include "client/client_store.h"
#include "util/mem.h"

/* The public enums repeat the internal wire values: keep them equal. */
_Static_assert(KENH_CONTENT_DIRECTIVE == (int)CLIENT_CONTENT_DIRECTIVE, "content types");
_Static_assert(KENH_CONTENT_RECEIPT == (int)CLIENT_CONTENT_RECEIPT, "content types");
_Static_assert(KENH_EVIDENCE_SIGNATURE == (int)CLIENT_EVIDENCE_SIGNATURE, "evidence steps");
_Static_assert(KENH_FILE_KEY_LEN == CLIENT_FILE_KEY_LEN, "file key");
_Static_assert(KENH_FILE_MAX_CHUNK == CLIENT_MAX_CHUNK, "chunk size");

struct kenh_store {
	struct client_store *s;
};

struct kenh_file {
	struct client_filecrypt *fc;
};

struct evidence_line {
	int rc;
	enum client_evidence_step step;
	enum client_content_type type;
	uint64_t time;
	char user[CRYPTO_PKI_MAX_USER + 1];
	char unit[CRYPTO_PKI_MAX_UNIT + 1];
	char device[CRYPTO_PKI_MAX_DEVICE + 1];
};

struct kenh_evidence {
	size_t n;
	size_t first_bad;
	struct evidence_line *lines;
};

void kenh_buf_free(uint8_t *p, size_t len)
{
	sec_free(p, len);
}

/* ---- store ---- */

static int lock_cost(const struct kenh_store_lock *lock, struct crypto_argon2_params *p)
{
	if (lock == NULL || (lock->pass == NULL && lock->passlen > 0))
		return KENH_ERR(KENH_E_INVALID_ARG);
	p->m_kib = lock->memory_kib;
	p->t_cost = lock->passes;
	p->lanes = lock->lanes;
	return 0;
}

/* Wrap an internal store in a public handle; the store is closed on failure. */
static int wrap_store(struct client_store *s, struct kenh_store **out)
{
	void *mem = NULL;
	int rc;

	if ((rc = mem_alloc(sizeof(**out), &mem)) != 0) {
		client_store_close(s);
		return rc;
	}
	*out = mem;
	(*out)->s = s;
	return 0;
}

int kenh_store_create(struct kenh_ctx *ctx, const char *path, const struct kenh_store_lock *lock,
                      struct kenh_store **out)
{
	struct crypto_argon2_params p;
	struct client_store *s = NULL;
	int rc;

	*out = NULL;
	if ((rc = lock_cost(lock, &p)) != 0) return rc;
	rc = client_store_create(ctx, path, span_make(lock->pass, lock->passlen), &p, &s);
	return rc != 0 ? rc : wrap_store(s, out);
}

int kenh_store_open(struct kenh_ctx *ctx, const char *path, const uint8_t *pass, size_t passlen,
                    struct kenh_store **out)
{
	struct client_store *s = NULL;
	int rc;

	*out = NULL;
	if (pass == NULL && passlen > 0) return KENH_ERR(KENH_E_INVALID_ARG);
	rc = client_store_open(ctx, path, span_make(pass, passlen), &s);
	return rc != 0 ? rc : wrap_store(s, out);
}

int kenh_store_change_passphrase(struct kenh_store *s, const struct kenh_store_lock *lock)
{
	struct crypto_argon2_params p;
	int rc;

	if (s == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = lock_cost(lock, &p)) != 0) return rc;
	return client_store_rekey(s->s, span_make(lock->pass, lock->passlen), &p);
}

void kenh_store_close(struct kenh_store *s)
{
	if (s == NULL) return;
	client_store_close(s->s);
	mem_free(s);
}

int kenh_store_wipe(struct kenh_store *s)
{
	int rc;

	if (s == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	rc = client_store_wipe(s->s);
	mem_free(s);
	return rc;
}

int kenh_store_wipe_file(const char *path)
{
	return client_db_sqlite_wipe(path);
}

/* ---- files ---- */

static int wrap_file(struct client_filecrypt *fc, struct kenh_file **out)
{
	void *mem = NULL;
	int rc;

	if ((rc = mem_alloc(sizeof(**out), &mem)) != 0) {
		client_filecrypt_free(fc);
		return rc;
	}
	*out = mem;
	(*out)->fc = fc;
	return 0;
}

int kenh_file_seal_new(struct kenh_ctx *ctx, uint64_t size, uint32_t chunk_size,
                       struct kenh_file **out)
{
	struct client_filecrypt *fc = NULL;
	int rc;

	*out = NULL;
	rc = client_filecrypt_seal_new(ctx, size, chunk_size, &fc);
	return rc != 0 ? rc : wrap_file(fc, out);
}

int kenh_file_open_new(struct kenh_ctx *ctx, const uint8_t *key, uint64_t size, uint32_t chunk_size,
                       struct kenh_file **out)
{
	struct client_filecrypt *fc = NULL;
	struct client_file ref;
	int rc;

	*out = NULL;
	if (key == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	memset(&ref, 0, sizeof(ref));
	memcpy(ref.key, key, sizeof(ref.key));
	ref.size = size;
	ref.chunk_size = chunk_size;
	rc = client_filecrypt_open_new(ctx, &ref, &fc);
	sec_zero(&ref, sizeof(ref));
	return rc != 0 ? rc : wrap_file(fc, out);
}

void kenh_file_free(struct kenh_file *f)
{
	if (f == NULL) return;
	client_filecrypt_free(f->fc);
	mem_free(f);
}

uint64_t kenh_file_chunks(const struct kenh_file *f)
{
	return client_filecrypt_chunks(f->fc);
}

size_t kenh_file_chunk_len(const struct kenh_file *f, uint64_t i)
{
	return client_filecrypt_chunk_len(f->fc, i);
}

uint64_t kenh_file_ct_offset(const struct kenh_file *f, uint64_t i)
{
	return client_filecrypt_ct_offset(f->fc, i);
}

uint64_t kenh_file_ct_size(const struct kenh_file *f)
{
	return client_filecrypt_ct_size(f->fc);
}

void kenh_file_key(const struct kenh_file *f, uint8_t *key)
{
	client_filecrypt_key(f->fc, key);
}

int kenh_file_seal_chunk(struct kenh_file *f, uint64_t i, const uint8_t *pt, size_t ptlen,
                         uint8_t *out)
{
	if (f == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	return client_filecrypt_seal_chunk(f->fc, i, pt, ptlen, out);
}

int kenh_file_open_chunk(struct kenh_file *f, uint64_t i, const uint8_t *ct, size_t ctlen,
                         uint8_t *out)
{
	if (f == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	return client_filecrypt_open_chunk(f->fc, i, ct, ctlen, out);
}

int kenh_file_resume_chunk(struct kenh_file *f, uint64_t i, const uint8_t *pt, size_t ptlen)
{
	if (f == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	return client_filecrypt_resume_chunk(f->fc, i, pt, ptlen);
}

int kenh_file_finish(struct kenh_file *f, const uint8_t *expected, uint8_t *hash)
{
	if (f == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	return client_filecrypt_finish(f->fc, expected, hash);
}

int kenh_file_save(const struct kenh_file *f, uint8_t **out, size_t *outlen)
{
	*out = NULL;
	*outlen = 0;
	if (f == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	return client_filecrypt_save(f->fc, out, outlen);
}

int kenh_file_restore(struct kenh_ctx *ctx, const struct kenh_blob *state, struct kenh_file **out)
{
	struct client_filecrypt *fc = NULL;
	int rc;

	*out = NULL;
	if (state == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	rc = client_filecrypt_restore(ctx, span_make(state->p, state->len), &fc);
	return rc != 0 ? rc : wrap_file(fc, out);
}

/* ---- evidence ---- */

static void copy_line(void *arg, const struct client_evidence_verdict *v)
{
	struct kenh_evidence *e = arg;
	struct evidence_line *l;

	if (v->index >= e->n) return;
	l = &e->lines[v->index];
	l->rc = v->rc;
	l->step = v->step;
	l->type = v->content.type;
	l->time = v->content.sent_at;
	memcpy(l->user, v->signer.user, sizeof(l->user));
	memcpy(l->unit, v->signer.unit, sizeof(l->unit));
	memcpy(l->device, v->signer.device, sizeof(l->device));
}

int kenh_evidence_verify(struct kenh_ctx *ctx, const struct kenh_blob *record,
                         const struct kenh_blob *root, struct kenh_evidence **out)
{
	struct client_evidence_record rec;
	struct client_evidence_result res;
	struct kenh_evidence *e = NULL;
	void *mem = NULL;
	int rc;

	*out = NULL;
	if (record == NULL || root == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	if ((rc = client_evidence_record_decode(span_make(record->p, record->len), &rec)) != 0)
		return rc;
	if ((rc = mem_calloc(1, sizeof(*e), &mem)) != 0) return rc;
	e = mem;
	if ((rc = mem_calloc(rec.nitems, sizeof(*e->lines), &mem)) != 0) goto out;
	e->lines = mem;
	e->n = rec.nitems;
	rc = client_evidence_verify(ctx, span_make(record->p, record->len),
	                            span_make(root->p, root->len), copy_line, e, &res);
	e->first_bad = res.bad_item;
	*out = e;
	e = NULL;
out:
	kenh_evidence_free(e);
	return rc;
}

void kenh_evidence_free(struct kenh_evidence *e)
{
	if (e == NULL) return;
	mem_free(e->lines);
	mem_free(e);
}

size_t kenh_evidence_count(const struct kenh_evidence *e)
{
	return e->n;
}

size_t kenh_evidence_first_failure(const struct kenh_evidence *e)
{
	return e->first_bad;
}

static const struct evidence_line *line(const struct kenh_evidence *e, size_t i)
{
	return i < e->n ? &e->lines[i] : NULL;
}

int kenh_evidence_item_result(const struct kenh_evidence *e, size_t i)
{
	return line(e, i) != NULL ? line(e, i)->rc : 0;
}

enum kenh_evidence_step kenh_evidence_item_step(const struct kenh_evidence *e, size_t i)
{
	return line(e, i) != NULL ? (enum kenh_evidence_step)line(e, i)->step : KENH_EVIDENCE_OK;
}

enum kenh_content_type kenh_evidence_item_type(const struct kenh_evidence *e, size_t i)
{
	return line(e, i) != NULL ? (enum kenh_content_type)line(e, i)->type
	                          : (enum kenh_content_type)0;
}

uint64_t kenh_evidence_item_time(const struct kenh_evidence *e, size_t i)
{
	return line(e, i) != NULL ? line(e, i)->time : 0;
}

const char *kenh_evidence_item_user(const struct kenh_evidence *e, size_t i)
{
	return line(e, i) != NULL ? line(e, i)->user : "";
}

const char *kenh_evidence_item_unit(const struct kenh_evidence *e, size_t i)
{
	return line(e, i) != NULL ? line(e, i)->unit : "";
}

const char *kenh_evidence_item_device(const struct kenh_evidence *e, size_t i)
{
	return line(e, i) != NULL ? line(e, i)->device : "";
}
