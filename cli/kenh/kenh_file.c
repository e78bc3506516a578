/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Files (DESIGN §4.6, docs/filecrypt.md "Transfers"): a file is encrypted
 * in chunks under a fresh per-file key (include/kenh/client.h), the
 * chunks' ciphertexts go up back to back as one blob (BLOB_PUT, at most
 * 256 KiB per request, docs/protocol.md §5), and the FileRef (blob id,
 * key, size, chunk size, content hash) travels inside the MLS message.
 *
 * Upload, resumable: the blob id and the sealing state (key included)
 * live in the device store's transfers table, saved before any
 * ciphertext of a window of chunks leaves the process. A later run of the
 * same command (same group, same file) restores it, checks that every
 * chunk sealed before still has the same content (else: a fresh key and a
 * fresh blob, since GCM must never seal other plaintext under a nonce
 * used before), and continues from the offset the relay names.
 *
 * Download, resumable: plaintext goes to PATH.part; a later run keeps its
 * whole chunks (hashed again; the content hash at the end covers them),
 * fetches and opens the rest, and renames to PATH only when the content
 * hash matches. A chunk that fails to open or a wrong content hash
 * removes PATH.part.
 *
 * Progress goes to a callback (kenh_progress.c draws the bar), so that
 * kenh daemon can call the same functions.
 */
#include "kenh.h"

#include "util/compat.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/cli.h"
#include "crypto/crypto.h"
#include "kenh/client.h"
#include "proto/proto.h"
#include "util/mem.h"

#define BLOB_ID_LEN  16
#define ROW_VERSION  1
#define ROW_HEAD     (1 + 8 + 8 + BLOB_ID_LEN)
#define WINDOW_BYTES (8u << 20) /* sealed and saved ahead of what the relay has */
#define MAX_JUMPS    4          /* STATE answers in a row without progress */
#define ROW_LABEL    "kenh upload v1"

/* One upload in progress. */
struct upload {
	struct kenh_app *a;
	struct kenh_xfer *x;
	int fd;
	struct kenh_file *f;
	uint8_t row[KENH_XFER_ROW_LEN]; /* the transfers table key */
	uint8_t id[BLOB_ID_LEN];
	uint64_t size, total, n;
	uint64_t sealed; /* chunks 0 .. sealed-1 are sealed and saved */
	uint64_t off;    /* next blob offset to send */
	unsigned jumps;
	bool got_first;
	uint8_t *pt; /* one chunk of plaintext, secret */
	uint8_t *ct; /* a window of ciphertext */
	size_t window, ctcap;
};

static void progress(const struct kenh_xfer *x, uint64_t done, uint64_t total)
{
	if (x->progress != NULL) x->progress(x->progress_arg, done, total);
}

/* The row key: a hash of the group and the file's real path (no name in clear). */
static int row_key(struct kenh_app *a, const char *group, const char *path,
                   uint8_t key[KENH_XFER_ROW_LEN])
{
	const struct crypto_kdf *kdf = crypto_kdf_get(a->ctx, CRYPTO_KDF_HKDF_SHA256);
	char real[PATH_MAX], buf[sizeof(ROW_LABEL) + 256 + PATH_MAX];
	int n;

	if (kdf == NULL) return KENH_ERR(KENH_E_INTERNAL);
	if (realpath(path, real) == NULL) return KENH_ERR(KENH_E_NOT_FOUND);
	n = snprintf(buf, sizeof(buf), "%s%c%s%c%s", ROW_LABEL, 0, group, 0, real);
	if (n < 0 || (size_t)n >= sizeof(buf)) return KENH_ERR(KENH_E_TOO_LARGE);
	return crypto_hash(kdf, (const uint8_t *)buf, (size_t)n, key);
}

/*
 * The row: uint8 version, uint64 file size, uint64 chunks sealed,
 * blob id[16], then the FileCryptState (docs/filecrypt.md "State").
 */
static int save_row(struct upload *u)
{
	struct client_store_put put;
	uint8_t *state = NULL, *v = NULL;
	size_t slen = 0;
	int rc;

	if ((rc = kenh_file_save(u->f, &state, &slen)) != 0) return rc;
	if ((rc = sec_alloc(ROW_HEAD + slen, (void **)&v)) != 0) goto out;
	v[0] = ROW_VERSION;
	store_be64(v + 1, u->size);
	store_be64(v + 9, u->sealed);
	memcpy(v + 17, u->id, BLOB_ID_LEN);
	memcpy(v + ROW_HEAD, state, slen);
	memset(&put, 0, sizeof(put));
	put.key = span_make(u->row, sizeof(u->row));
	put.value = span_make(v, ROW_HEAD + slen);
	rc = client_store_put(u->a->st, CLIENT_T_TRANSFERS, &put, NULL);
out:
	if (v != NULL) sec_free(v, ROW_HEAD + slen);
	kenh_buf_free(state, slen);
	return rc;
}

/* Restore an interrupted upload of this file; NOT_FOUND if none fits. */
static int load_row(struct upload *u)
{
	struct client_store_item it;
	struct kenh_blob st;
	int rc;

	memset(&it, 0, sizeof(it));
	rc = client_store_get(u->a->st, CLIENT_T_TRANSFERS, span_make(u->row, sizeof(u->row)), &it);
	if (rc != 0) return rc;
	if (it.value.len <= ROW_HEAD || it.value.p[0] != ROW_VERSION ||
	    load_be64(it.value.p + 1) != u->size) {
		rc = KENH_E_NOT_FOUND; /* another version, or the file's size changed */
		goto out;
	}
	u->sealed = load_be64(it.value.p + 9);
	memcpy(u->id, it.value.p + 17, BLOB_ID_LEN);
	st.p = it.value.p + ROW_HEAD;
	st.len = it.value.len - ROW_HEAD;
	rc = kenh_file_restore(u->a->ctx, &st, &u->f);
	if (rc == 0 && (u->sealed > kenh_file_chunks(u->f) || kenh_file_ct_size(u->f) != u->total))
		rc = KENH_E_NOT_FOUND;
out:
	client_store_item_clear(&it);
	return rc;
}

static int read_chunk(int fd, uint64_t i, uint32_t chunk_size, uint8_t *pt, size_t len)
{
	off_t at = (off_t)(i * chunk_size);
	size_t got = 0;

	while (got < len) {
		ssize_t r = pread(fd, pt + got, len - got, at + (off_t)got);

		if (r <= 0) return KENH_ERR(KENH_E_IO);
		got += (size_t)r;
	}
	return 0;
}

/*
 * Seal chunks c0 .. c1-1 into the window buffer. A chunk sealed before
 * with other content is KENH_E_STATE: the file changed on disk.
 */
static int seal_window(struct upload *u, uint64_t c0, uint64_t c1)
{
	uint64_t base = kenh_file_ct_offset(u->f, c0), i;
	int rc;

	for (i = c0; i < c1; i++) {
		size_t len = kenh_file_chunk_len(u->f, i);
		uint8_t *dst = u->ct + (kenh_file_ct_offset(u->f, i) - base);

		if ((rc = read_chunk(u->fd, i, KENH_FILE_CHUNK, u->pt, len)) != 0) return rc;
		if ((rc = kenh_file_seal_chunk(u->f, i, u->pt, len, dst)) != 0) return rc;
	}
	if (c1 > u->sealed) u->sealed = c1;
	return 0;
}

/* Before resuming: every chunk sealed by the earlier run must read the same now. */
static int check_sealed(struct upload *u)
{
	uint64_t i;
	int rc;

	for (i = 0; i < u->sealed; i += u->window) {
		uint64_t end = i + u->window < u->sealed ? i + u->window : u->sealed;

		if ((rc = seal_window(u, i, end)) != 0) return rc;
	}
	return 0;
}

static int put_piece(struct upload *u, const uint8_t *p, size_t len, uint64_t *detail)
{
	struct proto_blob_put req = { span_make(u->id, BLOB_ID_LEN), u->total, u->off,
		                      span_make(p, len) };
	struct proto_blob_put_resp resp;

	return kenh_net_call(u->a, PROTO_BLOB_PUT, &proto_desc_blob_put, &req,
	                     &proto_desc_blob_put_resp, &resp, sizeof(resp), detail);
}

/*
 * Send what lies in the window [base, end) from u->off on, in pieces of
 * PROTO_MAX_CHUNK. The relay answers an offset other than its stored size
 * with STATE and that size (docs/protocol.md §5): go there, which may
 * leave the window.
 */
static int send_window(struct upload *u, uint64_t base, uint64_t end)
{
	uint64_t detail = 0;
	int rc;

	while (u->off >= base && u->off < end) {
		size_t len =
		        end - u->off < PROTO_MAX_CHUNK ? (size_t)(end - u->off) : PROTO_MAX_CHUNK;

		rc = put_piece(u, u->ct + (u->off - base), len, &detail);
		if (rc == 0) {
			if (!u->got_first) u->x->resumed_at = u->off;
			u->got_first = true;
			u->off += len;
			u->x->sent += len;
			u->jumps = 0;
			progress(u->x, u->off, u->total);
			continue;
		}
		if (rc != KENH_E_STATE) return rc;
		/* Not STATE: that means a changed file to the caller. */
		if (detail > u->total || ++u->jumps > MAX_JUMPS) return KENH_ERR(KENH_E_PROTO);
		u->off = detail;
	}
	return 0;
}

/* Seal a window ahead, save the state, send it; until the relay holds the whole blob. */
static int run_upload(struct upload *u)
{
	uint64_t stride = (uint64_t)KENH_FILE_CHUNK + KENH_FILE_TAG_LEN;
	int rc;

	while (u->off < u->total) {
		uint64_t c0 = u->off / stride, c1, end;

		/* Never send a chunk whose sealing is not saved yet (nor skip one). */
		if (c0 > u->sealed) c0 = u->sealed;
		c1 = c0 + u->window < u->n ? c0 + u->window : u->n;
		end = c1 == u->n ? u->total : kenh_file_ct_offset(u->f, c1);
		if ((rc = seal_window(u, c0, c1)) != 0) return rc;
		if ((rc = save_row(u)) != 0) return rc;
		if ((rc = send_window(u, kenh_file_ct_offset(u->f, c0), end)) != 0) return rc;
	}
	if (!u->got_first) u->x->resumed_at = u->total;
	return 0;
}

static int start_fresh(struct upload *u)
{
	int rc;

	kenh_file_free(u->f);
	u->f = NULL;
	u->sealed = 0;
	u->off = 0;
	if ((rc = crypto_random(u->a->ctx, u->id, sizeof(u->id))) != 0) return rc;
	return kenh_file_seal_new(u->a->ctx, u->size, KENH_FILE_CHUNK, &u->f);
}

/* Restore an earlier attempt if there is one and the file did not change; else a fresh one. */
static int prepare(struct upload *u)
{
	int rc = load_row(u);

	if (rc == 0 && (rc = check_sealed(u)) == KENH_E_STATE) {
		u->x->restarted = true;
		return start_fresh(u);
	}
	if (rc == KENH_E_NOT_FOUND || rc == KENH_E_PARSE || rc == KENH_E_TRUNCATED ||
	    rc == KENH_E_TRAILING || rc == KENH_E_UNSUPPORTED || rc == KENH_E_INVALID_ARG)
		return start_fresh(u);
	if (rc != 0) return rc;
	u->x->resumed = true;
	/* Start at the last chunk sealed: the relay names its size if it holds more or less. */
	u->off = u->sealed > 0 ? kenh_file_ct_offset(u->f, u->sealed - 1) : 0;
	return 0;
}

static int upload_open(struct upload *u, const char *path)
{
	struct stat sb;
	uint64_t ct;
	int rc;

	if ((u->fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) return KENH_ERR(KENH_E_NOT_FOUND);
	if (fstat(u->fd, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size <= 0)
		return KENH_ERR(KENH_E_INVALID_ARG);
	u->size = (uint64_t)sb.st_size;
	u->n = u->size / KENH_FILE_CHUNK + (u->size % KENH_FILE_CHUNK != 0);
	u->total = u->size + u->n * KENH_FILE_TAG_LEN;
	u->window = WINDOW_BYTES / KENH_FILE_CHUNK;
	ct = (uint64_t)u->window * (KENH_FILE_CHUNK + KENH_FILE_TAG_LEN);
	u->ctcap = (size_t)ct;
	if ((rc = sec_alloc(KENH_FILE_CHUNK, (void **)&u->pt)) != 0) return rc;
	return mem_alloc(u->ctcap, (void **)&u->ct);
}

static void upload_clear(struct upload *u)
{
	if (u->fd >= 0) close(u->fd);
	if (u->pt != NULL) sec_free(u->pt, KENH_FILE_CHUNK);
	mem_free(u->ct);
	kenh_file_free(u->f);
	sec_zero(u, sizeof(*u));
	u->fd = -1;
}

static void fill_ref(const struct upload *u, const char *path, uint8_t *id, struct client_file *out)
{
	const char *base = strrchr(path, '/');

	kenh_file_key(u->f, out->key);
	out->blob_id = span_make(id, BLOB_ID_LEN);
	base = base != NULL ? base + 1 : path;
	out->name = span_make((const uint8_t *)base, strlen(base));
	out->size = u->size;
	out->chunk_size = KENH_FILE_CHUNK;
}

int kenh_file_upload(struct kenh_app *a, const char *path, struct kenh_xfer *x,
                     struct client_file *out, uint8_t **blob_id)
{
	struct upload u;
	int rc;

	*blob_id = NULL;
	if (x == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	memset(&u, 0, sizeof(u));
	u.fd = -1;
	u.a = a;
	u.x = x;
	x->total = x->resumed_at = x->sent = 0;
	x->resumed = x->restarted = false;
	if ((rc = upload_open(&u, path)) != 0) goto out;
	x->total = u.total;
	if ((rc = row_key(a, x->group != NULL ? x->group : "", path, u.row)) != 0) goto out;
	memcpy(x->row, u.row, sizeof(x->row));
	if ((rc = prepare(&u)) != 0) goto out;
	rc = run_upload(&u);
	if (rc == KENH_E_STATE && u.sealed > 0 && !x->restarted) {
		/* The file changed while it was read: start again under a new key, once. */
		x->restarted = true;
		x->resumed = false;
		if ((rc = start_fresh(&u)) == 0) rc = run_upload(&u);
	}
	if (rc == 0) rc = kenh_file_finish(u.f, NULL, out->hash);
	if (rc == 0) rc = mem_dup(u.id, BLOB_ID_LEN, blob_id);
	if (rc == 0) fill_ref(&u, path, *blob_id, out);
out:
	upload_clear(&u);
	return rc;
}

int kenh_file_forget(struct kenh_app *a, const struct kenh_xfer *x)
{
	int rc = client_store_del(a->st, CLIENT_T_TRANSFERS, span_make(x->row, sizeof(x->row)));

	return rc == KENH_E_NOT_FOUND ? 0 : rc;
}

/* ---- download ---- */

/* Read the ciphertext of one chunk (len bytes at off) from the blob. */
static int get_chunk(struct kenh_app *a, struct kenh_span id, uint64_t off, uint8_t *ct, size_t len)
{
	struct proto_blob_get req;
	struct proto_blob_get_resp resp;
	size_t got = 0;
	int rc;

	while (got < len) {
		req.blob_id = id;
		req.offset = off + got;
		req.max = (uint32_t)(len - got < PROTO_MAX_CHUNK ? len - got : PROTO_MAX_CHUNK);
		if ((rc = kenh_net_call(a, PROTO_BLOB_GET, &proto_desc_blob_get, &req,
		                        &proto_desc_blob_get_resp, &resp, sizeof(resp), NULL)) != 0)
			return rc;
		if (resp.chunk.len == 0 || resp.chunk.len > len - got)
			return KENH_ERR(KENH_E_TRUNCATED);
		memcpy(ct + got, resp.chunk.p, resp.chunk.len);
		got += resp.chunk.len;
	}
	return 0;
}

static int write_all(int fd, const uint8_t *p, size_t len, off_t at)
{
	size_t done = 0;

	while (done < len) {
		ssize_t w = pwrite(fd, p + done, len - done, at + (off_t)done);

		if (w <= 0) return KENH_ERR(KENH_E_IO);
		done += (size_t)w;
	}
	return 0;
}

/* One download in progress. */
struct download {
	struct kenh_app *a;
	const struct client_file *cf;
	struct kenh_xfer *x;
	struct kenh_file *f;
	int fd;
	uint8_t *pt, *ct;
};

/*
 * Whole chunks already in PATH.part (len bytes): kept and hashed again for
 * the content hash; a partial last chunk is cut off. A file longer than
 * the FileRef's size is not ours: start over.
 */
static int resume_part(struct download *d, uint64_t len, uint64_t *first)
{
	uint64_t n = kenh_file_chunks(d->f), k, i, keep;
	int rc;

	*first = 0;
	if (len > d->cf->size) len = 0;
	k = len == d->cf->size ? n : len / d->cf->chunk_size;
	keep = k == n ? d->cf->size : k * d->cf->chunk_size;
	if (ftruncate(d->fd, (off_t)keep) != 0) return KENH_ERR(KENH_E_IO);
	for (i = 0; i < k; i++) {
		size_t clen = kenh_file_chunk_len(d->f, i);

		if ((rc = read_chunk(d->fd, i, d->cf->chunk_size, d->pt, clen)) != 0) return rc;
		if ((rc = kenh_file_resume_chunk(d->f, i, d->pt, clen)) != 0) return rc;
	}
	d->x->resumed = k > 0;
	d->x->resumed_at = keep;
	*first = k;
	return 0;
}

static int fetch_rest(struct download *d, uint64_t first)
{
	uint64_t n = kenh_file_chunks(d->f), i, done = d->x->resumed_at;
	int rc;

	for (i = first; i < n; i++) {
		size_t len = kenh_file_chunk_len(d->f, i);

		if ((rc = get_chunk(d->a, d->cf->blob_id, kenh_file_ct_offset(d->f, i), d->ct,
		                    len + KENH_FILE_TAG_LEN)) != 0)
			return rc;
		d->x->sent += len + KENH_FILE_TAG_LEN;
		if ((rc = kenh_file_open_chunk(d->f, i, d->ct, len + KENH_FILE_TAG_LEN, d->pt)) !=
		    0)
			return rc;
		if ((rc = write_all(d->fd, d->pt, len, (off_t)(i * d->cf->chunk_size))) != 0)
			return rc;
		done += len;
		progress(d->x, done, d->cf->size);
	}
	return 0;
}

static int download_run(struct download *d, const char *tmp, const char *path)
{
	struct stat sb;
	uint64_t first = 0;
	int rc;

	d->fd = open(tmp, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (d->fd < 0 || fstat(d->fd, &sb) != 0 || !S_ISREG(sb.st_mode)) return KENH_ERR(KENH_E_IO);
	if ((rc = resume_part(d, (uint64_t)sb.st_size, &first)) != 0) return rc;
	progress(d->x, d->x->resumed_at, d->cf->size);
	if ((rc = fetch_rest(d, first)) != 0) return rc;
	if (fsync(d->fd) != 0) return KENH_ERR(KENH_E_IO);
	/* The whole file must hash to the sender's value before it is shown. */
	if ((rc = kenh_file_finish(d->f, d->cf->hash, NULL)) != 0) return rc;
	return rename(tmp, path) == 0 ? 0 : KENH_ERR(KENH_E_IO);
}

int kenh_file_download(struct kenh_app *a, const struct client_file *cf, const char *path,
                       struct kenh_xfer *x)
{
	struct download d = { a, cf, x, NULL, -1, NULL, NULL };
	char tmp[KENH_PATH_MAX];
	int rc;

	if (x == NULL) return KENH_ERR(KENH_E_INVALID_ARG);
	x->total = cf->size;
	x->resumed_at = x->sent = 0;
	x->resumed = x->restarted = false;
	if (cf->chunk_size > KENH_FILE_MAX_CHUNK) return KENH_ERR(KENH_E_TOO_LARGE);
	if ((rc = cli_path(tmp, sizeof(tmp), "%s.part", path)) != 0) return rc;
	if ((rc = kenh_file_open_new(a->ctx, cf->key, cf->size, cf->chunk_size, &d.f)) != 0 ||
	    (rc = sec_alloc(cf->chunk_size, (void **)&d.pt)) != 0 ||
	    (rc = mem_alloc(cf->chunk_size + KENH_FILE_TAG_LEN, (void **)&d.ct)) != 0)
		goto out;
	rc = download_run(&d, tmp, path);
	/* Integrity failures leave nothing behind; other errors keep PATH.part to resume. */
	if (rc == KENH_E_DECRYPT || rc == KENH_E_VERIFY) (void)unlink(tmp);
out:
	if (d.fd >= 0) close(d.fd);
	if (d.pt != NULL) sec_free(d.pt, cf->chunk_size);
	mem_free(d.ct);
	kenh_file_free(d.f);
	return rc;
}
