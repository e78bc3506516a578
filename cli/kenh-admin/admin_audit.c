/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The authority's audit log (docs/pki.md "Audit log"): one text line per
 * action, "seq TAB time TAB action TAB details TAB prev TAB sig", where
 * prev is the SHA-256 hash of the previous entry's signed form and sig is
 * the root key's signature over this entry's signed form. A separate
 * head file, also signed, names the last entry, so a log cut short is
 * seen too. Verification walks the whole log and names the first entry
 * that is out of sequence, out of chain, or not signed by the root.
 */
#include "admin.h"

#include "util/compat.h"

#include "../common/cli.h"
#include "crypto/crypto.h"
#include "util/mem.h"

#define HASH_LEN   32
#define ACTION_MAX 32
#define FIELDS     6
/* label, seq, time, action, details, prev */
#define SIGNED_MAX (32 + 8 + 8 + 1 + ACTION_MAX + 2 + ADMIN_DETAILS + HASH_LEN)

static const char entry_label[] = "kenh audit v1";
static const char head_label[] = "kenh audit head v1";

struct entry {
	uint64_t seq;
	uint64_t time;
	char action[ACTION_MAX + 1];
	char details[ADMIN_DETAILS];
	uint8_t prev[HASH_LEN];
	uint8_t sig[CRYPTO_MAX_SIG];
	size_t siglen;
};

int admin_kv(char *details, const char *key, const char *value)
{
	size_t n = strlen(details);
	const unsigned char *v;
	int w;

	w = snprintf(details + n, ADMIN_DETAILS - n, "%s%s=", n ? " " : "", key);
	if (w < 0 || (size_t)w >= ADMIN_DETAILS - n) return KENH_ERR(KENH_E_TOO_LARGE);
	n += (size_t)w;
	/* Escape what would break the line format or a terminal: spaces, controls, '%'. */
	for (v = (const unsigned char *)value; *v != '\0'; v++) {
		if (*v > 0x20 && *v != 0x7f && *v != '%') {
			w = snprintf(details + n, ADMIN_DETAILS - n, "%c", *v);
		} else {
			w = snprintf(details + n, ADMIN_DETAILS - n, "%%%02X", *v);
		}
		if (w < 0 || (size_t)w >= ADMIN_DETAILS - n) return KENH_ERR(KENH_E_TOO_LARGE);
		n += (size_t)w;
	}
	return 0;
}

/* The signed form: label || 0 || seq || time || len || action || len || details || prev. */
static size_t signed_form(const struct entry *e, uint8_t *buf)
{
	size_t n = sizeof(entry_label), al = strlen(e->action), dl = strlen(e->details);

	memcpy(buf, entry_label, sizeof(entry_label));
	store_be64(buf + n, e->seq);
	store_be64(buf + n + 8, e->time);
	n += 16;
	buf[n++] = (uint8_t)al;
	memcpy(buf + n, e->action, al);
	n += al;
	store_be16(buf + n, (uint16_t)dl);
	n += 2;
	memcpy(buf + n, e->details, dl);
	n += dl;
	memcpy(buf + n, e->prev, HASH_LEN);
	return n + HASH_LEN;
}

static int entry_hash(const struct admin *a, const struct entry *e, uint8_t *out)
{
	const struct crypto_kdf *kdf = crypto_kdf_get(a->ctx, CRYPTO_KDF_HKDF_SHA256);
	uint8_t buf[SIGNED_MAX];

	if (kdf == NULL) return KENH_ERR(KENH_E_INTERNAL);
	return crypto_hash(kdf, buf, signed_form(e, buf), out);
}

/* The head's signed form: label || 0 || seq || hash of entry seq. */
static size_t head_form(uint64_t seq, const uint8_t *hash, uint8_t *buf)
{
	memcpy(buf, head_label, sizeof(head_label));
	store_be64(buf + sizeof(head_label), seq);
	memcpy(buf + sizeof(head_label) + 8, hash, HASH_LEN);
	return sizeof(head_label) + 8 + HASH_LEN;
}

/* Split one line (NUL-terminated, no newline) into an entry. */
static int entry_parse(char *line, struct entry *e)
{
	char *f[FIELDS], *p = line;
	uint64_t v[2];
	size_t i;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < FIELDS; i++) {
		f[i] = p;
		p = strchr(p, '\t');
		if ((p == NULL) != (i == FIELDS - 1)) return KENH_ERR(KENH_E_PARSE);
		if (p != NULL) *p++ = '\0';
	}
	for (i = 0; i < 2; i++)
		if (admin_number(f[i], UINT64_MAX, &v[i]) != 0) return KENH_ERR(KENH_E_PARSE);
	e->seq = v[0];
	e->time = v[1];
	if (strlen(f[2]) == 0 || strlen(f[2]) > ACTION_MAX || strlen(f[3]) >= ADMIN_DETAILS)
		return KENH_ERR(KENH_E_PARSE);
	memcpy(e->action, f[2], strlen(f[2]) + 1);
	memcpy(e->details, f[3], strlen(f[3]) + 1);
	if (admin_unhex(f[4], e->prev, HASH_LEN) != 0) return KENH_ERR(KENH_E_PARSE);
	e->siglen = strlen(f[5]) / 2;
	if (e->siglen == 0 || e->siglen > CRYPTO_MAX_SIG || admin_unhex(f[5], e->sig, e->siglen))
		return KENH_ERR(KENH_E_PARSE);
	return 0;
}

/* The log's lines; *buf owns them (mem_free). A missing log is an empty one. */
static int log_read(struct admin *a, uint8_t **buf, size_t *len)
{
	char p[ADMIN_PATH];
	int rc;

	if (admin_path(a, p, "audit.log") != 0) return KENH_ERR(KENH_E_TOO_LARGE);
	rc = cli_file_read(p, ADMIN_MAX_LOG, buf, len);
	if (rc == KENH_E_NOT_FOUND) return mem_dup("", 1, buf) == 0 ? 0 : KENH_ERR(KENH_E_NOMEM);
	return rc;
}

struct head {
	uint64_t seq;
	uint8_t hash[HASH_LEN];
	uint8_t sig[CRYPTO_MAX_SIG];
	size_t siglen;
};

static int head_read(struct admin *a, struct head *h)
{
	char p[ADMIN_PATH], *f1, *f2, *nl;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	memset(h, 0, sizeof(*h));
	if (admin_path(a, p, "audit.head") != 0) return KENH_ERR(KENH_E_TOO_LARGE);
	if ((rc = cli_file_read(p, 1024, &buf, &len)) != 0) return rc;
	rc = KENH_ERR(KENH_E_PARSE);
	if ((f1 = strchr((char *)buf, '\t')) == NULL) goto out;
	*f1++ = '\0';
	if ((f2 = strchr(f1, '\t')) == NULL) goto out;
	*f2++ = '\0';
	if ((nl = strchr(f2, '\n')) != NULL) *nl = '\0';
	h->siglen = strlen(f2) / 2;
	if (admin_number((char *)buf, UINT64_MAX, &h->seq) != 0 ||
	    admin_unhex(f1, h->hash, HASH_LEN) != 0 || h->siglen == 0 ||
	    h->siglen > CRYPTO_MAX_SIG || admin_unhex(f2, h->sig, h->siglen) != 0)
		goto out;
	rc = 0;
out:
	mem_free(buf);
	return rc;
}

static int sig_check(const struct admin *a, const uint8_t *msg, size_t len, const uint8_t *sig,
                     size_t siglen)
{
	const struct crypto_sig *s = crypto_sig_get(a->ctx, a->root.sig_id);

	if (s == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	return crypto_sig_verify(s, a->root.pk, a->root.pklen, msg, len, sig, siglen);
}

/* What the walk over the log found. */
struct walk {
	uint64_t count;
	uint8_t last[HASH_LEN]; /* hash of the last entry; zeros before the first */
	uint64_t bad;           /* first bad entry (1-based position), 0 if none */
	const char *why;
};

static void walk_one(struct admin *a, char *line, struct walk *w)
{
	uint8_t form[SIGNED_MAX];
	struct entry e;
	uint64_t pos = w->count + 1;

	if (entry_parse(line, &e) != 0) {
		w->why = "malformed line";
	} else if (e.seq != pos) {
		w->why = "out of sequence (an entry was removed, added or moved)";
	} else if (memcmp(e.prev, w->last, HASH_LEN) != 0) {
		w->why = "does not follow the entry before it (changed, removed or moved)";
	} else if (sig_check(a, form, signed_form(&e, form), e.sig, e.siglen) != 0) {
		w->why = "signature does not verify under the root key (entry changed or forged)";
	} else if (entry_hash(a, &e, w->last) != 0) {
		w->why = "cannot hash";
	} else {
		w->count = pos;
		return;
	}
	w->bad = pos;
}

/* Walk every line; stops at the first bad entry. */
static int log_walk(struct admin *a, struct walk *w)
{
	char *line, *next;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	memset(w, 0, sizeof(*w));
	if ((rc = log_read(a, &buf, &len)) != 0) return rc;
	for (line = (char *)buf; w->bad == 0 && *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) == NULL) {
			w->bad = w->count + 1;
			w->why = "incomplete last line";
			break;
		}
		*next++ = '\0';
		walk_one(a, line, w);
	}
	mem_free(buf);
	return 0;
}

/* Check the head against the walked log; the reason, or NULL if they agree. */
static const char *head_check(struct admin *a, const struct walk *w, const struct head *h)
{
	uint8_t form[64];

	if (sig_check(a, form, head_form(h->seq, h->hash, form), h->sig, h->siglen) != 0)
		return "head: signature does not verify under the root key";
	if (h->seq > w->count) return "log cut short: the head names a later last entry";
	if (h->seq < w->count) return "entries after the head's last entry were not recorded by it";
	if (memcmp(h->hash, w->last, HASH_LEN) != 0)
		return "the last entry is not the one the head recorded";
	return NULL;
}

int admin_audit_verify(struct admin *a, bool quiet)
{
	struct walk w;
	struct head h;
	const char *why;
	char what[64];
	int rc;

	if ((rc = log_walk(a, &w)) != 0) return admin_fail("audit.log", rc);
	if (w.bad != 0) {
		snprintf(what, sizeof(what), "audit: entry %llu", (unsigned long long)w.bad);
		return admin_failf(what, "%s", w.why);
	}
	if ((rc = head_read(a, &h)) != 0) return admin_fail("audit.head", rc);
	if ((why = head_check(a, &w, &h)) != NULL) {
		snprintf(what, sizeof(what), "audit: after entry %llu",
		         (unsigned long long)w.count);
		return admin_failf(what, "%s", why);
	}
	if (!quiet)
		printf("audit log: %llu entries, hash chain, signatures and head all verify\n",
		       (unsigned long long)w.count);
	return 0;
}

static int head_write(struct admin *a, uint64_t seq, const uint8_t *hash)
{
	const struct crypto_sig *s = crypto_sig_get(a->ctx, a->root_key.sig_id);
	uint8_t form[64], sig[CRYPTO_MAX_SIG];
	char p[ADMIN_PATH], hh[2 * HASH_LEN + 1], sh[2 * CRYPTO_MAX_SIG + 1], line[256];
	size_t siglen = 0;
	int n, rc;

	if (s == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	rc = crypto_sig_sign(s, a->root_key.sk, form, head_form(seq, hash, form), sig, &siglen);
	if (rc != 0) return rc;
	admin_hex(hash, HASH_LEN, hh);
	admin_hex(sig, siglen, sh);
	n = snprintf(line, sizeof(line), "%llu\t%s\t%s\n", (unsigned long long)seq, hh, sh);
	if (n < 0 || (size_t)n >= sizeof(line)) return KENH_ERR(KENH_E_INTERNAL);
	if (admin_path(a, p, "audit.head") != 0) return KENH_ERR(KENH_E_TOO_LARGE);
	return cli_file_write(p, (const uint8_t *)line, (size_t)n, false, false);
}

static int entry_write(struct admin *a, const struct entry *e)
{
	char p[ADMIN_PATH], ph[2 * HASH_LEN + 1], sh[2 * CRYPTO_MAX_SIG + 1];
	char line[ADMIN_DETAILS + 512];
	int n;

	admin_hex(e->prev, HASH_LEN, ph);
	admin_hex(e->sig, e->siglen, sh);
	n = snprintf(line, sizeof(line), "%llu\t%llu\t%s\t%s\t%s\t%s\n", (unsigned long long)e->seq,
	             (unsigned long long)e->time, e->action, e->details, ph, sh);
	if (n < 0 || (size_t)n >= sizeof(line)) return KENH_ERR(KENH_E_TOO_LARGE);
	if (admin_path(a, p, "audit.log") != 0) return KENH_ERR(KENH_E_TOO_LARGE);
	return cli_file_append(p, (const uint8_t *)line, (size_t)n);
}

/* True if the log may be extended: it verifies to its head, or it is new (no entries, no head). */
static bool log_sound(struct admin *a, const struct walk *w)
{
	struct head h;
	int rc;

	if (w->bad != 0) return false;
	rc = head_read(a, &h);
	if (rc == KENH_E_NOT_FOUND) return w->count == 0;
	return rc == 0 && head_check(a, w, &h) == NULL;
}

int admin_audit(struct admin *a, const char *action, const char *details)
{
	const struct crypto_sig *s;
	uint8_t form[SIGNED_MAX], hash[HASH_LEN];
	struct entry e;
	struct walk w;
	int rc;

	if ((rc = admin_root_key(a)) != 0) return rc;
	if ((rc = log_walk(a, &w)) != 0) return admin_fail("audit.log", rc);
	/* Never extend a log that does not verify: the new entry would vouch for it. */
	if (!log_sound(a, &w))
		return admin_failf("audit", "the log does not verify; run kenh-admin audit verify");
	if (strlen(action) > ACTION_MAX || strlen(details) >= ADMIN_DETAILS)
		return admin_fail("audit", KENH_E_TOO_LARGE);
	memset(&e, 0, sizeof(e));
	e.seq = w.count + 1;
	e.time = a->now;
	memcpy(e.action, action, strlen(action) + 1);
	memcpy(e.details, details, strlen(details) + 1);
	memcpy(e.prev, w.last, HASH_LEN);
	s = crypto_sig_get(a->ctx, a->root_key.sig_id);
	if (s == NULL ||
	    crypto_sig_sign(s, a->root_key.sk, form, signed_form(&e, form), e.sig, &e.siglen) != 0)
		return admin_fail("audit", KENH_E_CRYPTO);
	/* The entry first, then the head: a crash in between shows as an unrecorded last entry. */
	if ((rc = entry_write(a, &e)) != 0 || (rc = entry_hash(a, &e, hash)) != 0 ||
	    (rc = head_write(a, e.seq, hash)) != 0)
		return admin_fail("audit", rc);
	return 0;
}

int admin_audit_show(struct admin *a)
{
	char *line, *next, when[32];
	uint8_t *buf = NULL;
	size_t len = 0;
	struct entry e;
	int rc;

	if ((rc = log_read(a, &buf, &len)) != 0) return admin_fail("audit.log", rc);
	for (line = (char *)buf; *line != '\0'; line = next) {
		if ((next = strchr(line, '\n')) == NULL) {
			next = line + strlen(line);
		} else {
			*next++ = '\0';
		}
		if (entry_parse(line, &e) != 0) {
			printf("?    (malformed line)\n");
			continue;
		}
		cli_time_format(e.time, when, sizeof(when));
		printf("%-4llu %s  %-8s %s\n", (unsigned long long)e.seq, when, e.action,
		       e.details);
	}
	mem_free(buf);
	return 0;
}
