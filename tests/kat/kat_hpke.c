/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Known-answer runner for the RFC 9180 vectors (Appendix A; the cfrg
 * test-vectors.json format, see shared/vectors/hpke/README.md). Per case it
 * checks DeriveKeyPair for ikmE, ikmR and ikmS, Encap/AuthEncap with the
 * fixed ephemeral key (enc, shared_secret), Decap/AuthDecap, the key
 * schedule (key_schedule_context, secret, key, base_nonce,
 * exporter_secret), the full Setup on both sides (the sender's also from
 * a precomputed info_hash, hpke_info_hash), every encryption in order
 * (nonce, Seal byte-exact, Open) and every export on both contexts. A case
 * passes only if every check does; a suite the provider lacks is skipped.
 */
#include "kat.h"

#include "util/compat.h"

#include <stddef.h>
#include <string.h>

#include "hpke/hpke_int.h"
#include "testutil.h"
#include "util/mem.h"

#define KAT_NAME "hpke"

/* One case's hex fields; absent optional fields stay empty. */
struct hpke_tc {
	uint64_t mode, kem_id, kdf_id, aead_id;
	struct tu_bytes info, ikm_e, ikm_r, ikm_s, sk_em, pk_em, sk_rm, pk_rm, sk_sm, pk_sm;
	struct tu_bytes psk, psk_id, enc, shared_secret, ksc, secret, key, base_nonce, exp_secret;
};

struct field {
	const char *name;
	size_t off;
	bool required;
};

static const struct field fields[] = {
	{ "info", offsetof(struct hpke_tc, info), true },
	{ "ikmE", offsetof(struct hpke_tc, ikm_e), true },
	{ "ikmR", offsetof(struct hpke_tc, ikm_r), true },
	{ "ikmS", offsetof(struct hpke_tc, ikm_s), false },
	{ "skEm", offsetof(struct hpke_tc, sk_em), true },
	{ "pkEm", offsetof(struct hpke_tc, pk_em), true },
	{ "skRm", offsetof(struct hpke_tc, sk_rm), true },
	{ "pkRm", offsetof(struct hpke_tc, pk_rm), true },
	{ "skSm", offsetof(struct hpke_tc, sk_sm), false },
	{ "pkSm", offsetof(struct hpke_tc, pk_sm), false },
	{ "psk", offsetof(struct hpke_tc, psk), false },
	{ "psk_id", offsetof(struct hpke_tc, psk_id), false },
	{ "enc", offsetof(struct hpke_tc, enc), true },
	{ "shared_secret", offsetof(struct hpke_tc, shared_secret), true },
	{ "key_schedule_context", offsetof(struct hpke_tc, ksc), true },
	{ "secret", offsetof(struct hpke_tc, secret), true },
	{ "key", offsetof(struct hpke_tc, key), true },
	{ "base_nonce", offsetof(struct hpke_tc, base_nonce), true },
	{ "exporter_secret", offsetof(struct hpke_tc, exp_secret), true },
};

static struct tu_bytes *field_at(struct hpke_tc *t, size_t i)
{
	return (struct tu_bytes *)(void *)((uint8_t *)t + fields[i].off);
}

static void free_case(struct hpke_tc *t)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(fields); i++)
		tu_bytes_free(field_at(t, i));
}

static bool load_case(const json_t *j, struct hpke_tc *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	if (!tu_json_u64(j, "mode", &t->mode) || !tu_json_u64(j, "kem_id", &t->kem_id) ||
	    !tu_json_u64(j, "kdf_id", &t->kdf_id) || !tu_json_u64(j, "aead_id", &t->aead_id))
		return false;
	if (t->mode > HPKE_MODE_AUTH_PSK || t->kem_id > 0xffff || t->kdf_id > 0xffff ||
	    t->aead_id > 0xffff)
		return false;
	for (i = 0; i < ARRAY_LEN(fields); i++) {
		if (json_object_get(j, fields[i].name) == NULL && !fields[i].required) continue;
		if (!tu_json_hex(j, fields[i].name, field_at(t, i))) return false;
	}
	return true;
}

static struct kenh_span sp(const struct tu_bytes *b)
{
	return span_make(b->p, b->len);
}

static bool eq(const char *what, const uint8_t *got, size_t len, const struct tu_bytes *want)
{
	return tu_bytes_eq(what, got, len, want->p, want->len);
}

/* RFC 9180 §7.1.3: DeriveKeyPair(ikm) must give the listed (sk, pk). */
static bool check_derive(const struct hpke_suite *s, const struct tu_bytes *ikm,
                         const struct tu_bytes *sk, const struct tu_bytes *pk, const char *who)
{
	uint8_t got_sk[CRYPTO_MAX_KEM_SK], got_pk[CRYPTO_MAX_KEM_PK];
	bool ok;

	if (hpke_derive_keypair(s, sp(ikm), got_sk, got_pk) != 0) {
		fprintf(stderr, "hpke: DeriveKeyPair(%s) failed\n", who);
		return false;
	}
	ok = eq(who, got_sk, s->kem->nsk, sk) && eq(who, got_pk, s->kem->npk, pk);
	sec_zero(got_sk, sizeof(got_sk));
	return ok;
}

static bool check_keys(const struct hpke_suite *s, const struct hpke_tc *t, const char **why)
{
	*why = "DeriveKeyPair";
	if (!check_derive(s, &t->ikm_e, &t->sk_em, &t->pk_em, "ikmE")) return false;
	if (!check_derive(s, &t->ikm_r, &t->sk_rm, &t->pk_rm, "ikmR")) return false;
	if (hpke_mode_is_auth((enum hpke_mode)t->mode) &&
	    !check_derive(s, &t->ikm_s, &t->sk_sm, &t->pk_sm, "ikmS"))
		return false;
	return true;
}

static void make_args(const struct hpke_tc *t, struct hpke_setup_s_args *sa,
                      struct hpke_setup_r_args *ra)
{
	enum hpke_mode mode = (enum hpke_mode)t->mode;

	memset(sa, 0, sizeof(*sa));
	memset(ra, 0, sizeof(*ra));
	sa->mode = ra->mode = mode;
	sa->info = ra->info = sp(&t->info);
	sa->psk = ra->psk = sp(&t->psk);
	sa->psk_id = ra->psk_id = sp(&t->psk_id);
	sa->pk_r = sp(&t->pk_rm);
	sa->sk_e = sp(&t->sk_em);
	ra->enc = sp(&t->enc);
	ra->sk_r = sp(&t->sk_rm);
	if (hpke_mode_is_auth(mode)) {
		sa->sk_s = sp(&t->sk_sm);
		ra->pk_s = sp(&t->pk_sm);
	}
}

/* RFC 9180 §4.1: [Auth]Encap with skEm, and [Auth]Decap of the listed enc. */
static bool check_kem(const struct hpke_suite *s, const struct hpke_tc *t, const char **why)
{
	struct hpke_setup_s_args sa;
	struct hpke_setup_r_args ra;
	uint8_t enc[HPKE_MAX_ENC], ss[HPKE_MAX_SECRET];
	size_t nsecret = s->kem_lab.kdf->nh;
	bool ok;

	make_args(t, &sa, &ra);
	*why = "Encap";
	if (hpke_kem_encap(s, &sa, enc, ss) != 0) return false;
	ok = eq("enc", enc, s->kem->npk, &t->enc) &&
	     eq("shared_secret", ss, nsecret, &t->shared_secret);
	if (ok) {
		*why = "Decap";
		ok = hpke_kem_decap(s, &ra, ss) == 0 &&
		     eq("shared_secret (Decap)", ss, nsecret, &t->shared_secret);
	}
	sec_zero(ss, sizeof(ss));
	return ok;
}

/* key, base_nonce and exporter_secret of a context against the vector. */
static bool check_ctx(const struct hpke_ctx *c, const struct hpke_tc *t)
{
	size_t nk = c->suite.aead ? c->suite.aead->nk : 0;
	size_t nn = c->suite.aead ? c->suite.aead->nn : 0;

	return eq("key", c->key, nk, &t->key) &&
	       eq("base_nonce", c->base_nonce, nn, &t->base_nonce) &&
	       eq("exporter_secret", c->exporter_secret, c->suite.lab.kdf->nh, &t->exp_secret);
}

/* RFC 9180 §5.1 KeySchedule with the listed shared_secret, traced. */
static bool check_schedule(const struct hpke_suite *s, const struct hpke_tc *t, const char **why)
{
	struct hpke_ks_args ka = { (enum hpke_mode)t->mode,
		                   HPKE_ROLE_SENDER,
		                   t->shared_secret.p,
		                   sp(&t->info),
		                   sp(&t->psk),
		                   sp(&t->psk_id),
		                   NULL };
	struct hpke_ks_trace tr;
	struct hpke_ctx c;
	bool ok;

	*why = "KeySchedule";
	if (t->shared_secret.len != s->kem_lab.kdf->nh) return false;
	if (hpke_key_schedule(s, &ka, &c, &tr) != 0) return false;
	ok = eq("key_schedule_context", tr.context, tr.context_len, &t->ksc) &&
	     eq("secret", tr.secret, tr.secret_len, &t->secret) && check_ctx(&c, t);
	sec_zero(&tr, sizeof(tr));
	hpke_ctx_clear(&c);
	return ok;
}

/* The full Setup<MODE>S and Setup<MODE>R (RFC 9180 §5.1.1-§5.1.4). */
static bool setup_both(const struct hpke_suite *s, const struct hpke_tc *t, struct hpke_ctx *cs,
                       struct hpke_ctx *cr, const char **why)
{
	struct hpke_setup_s_args sa;
	struct hpke_setup_r_args ra;
	uint8_t enc[HPKE_MAX_ENC], info_hash[CRYPTO_MAX_HASH];

	make_args(t, &sa, &ra);
	*why = "SetupS";
	if (hpke_setup_s(s, &sa, enc, cs) != 0) return false;
	if (!eq("enc (SetupS)", enc, s->kem->npk, &t->enc) || !check_ctx(cs, t)) return false;
	/* The same sender context from a precomputed info_hash (hpke_info_hash). */
	*why = "SetupS with info_hash";
	if (hpke_info_hash(s, sa.info, info_hash) != 0) return false;
	sa.info = span_make(NULL, 0);
	sa.info_hash = info_hash;
	if (hpke_setup_s(s, &sa, enc, cs) != 0) return false;
	if (!eq("enc (SetupS, info_hash)", enc, s->kem->npk, &t->enc) || !check_ctx(cs, t))
		return false;
	*why = "SetupR";
	/* Once with pk(skR) given (the same keys must follow), then derived. */
	ra.pk_r = sp(&t->pk_rm);
	if (hpke_setup_r(s, &ra, cr) != 0 || !check_ctx(cr, t)) return false;
	ra.pk_r = span_make(NULL, 0);
	if (hpke_setup_r(s, &ra, cr) != 0) return false;
	return check_ctx(cr, t);
}

/* One "encryptions" entry: nonce, Seal byte-exact, Open (RFC 9180 §5.2). */
static bool check_encryption(struct hpke_ctx *cs, struct hpke_ctx *cr, const json_t *e)
{
	struct tu_bytes pt = { NULL, 0 }, aad = { NULL, 0 }, nonce = { NULL, 0 }, ct = { NULL, 0 };
	uint8_t n[CRYPTO_MAX_NONCE];
	void *buf = NULL;
	bool ok = false;

	if (!tu_json_hex(e, "pt", &pt) || !tu_json_hex(e, "aad", &aad) ||
	    !tu_json_hex(e, "nonce", &nonce) || !tu_json_hex(e, "ct", &ct))
		goto out;
	if (ct.len < pt.len || mem_alloc(ct.len, &buf) != 0) goto out;
	hpke_ctx_nonce(cs, n);
	if (!eq("nonce", n, cs->suite.aead->nn, &nonce)) goto out;
	if (hpke_seal(cs, sp(&aad), sp(&pt), buf) != 0) goto out;
	if (!eq("ct (Seal)", buf, pt.len + cs->suite.aead->nt, &ct)) goto out;
	if (hpke_open(cr, sp(&aad), sp(&ct), buf) != 0) goto out;
	ok = eq("pt (Open)", buf, ct.len - cr->suite.aead->nt, &pt);
out:
	mem_free(buf);
	tu_bytes_free(&pt);
	tu_bytes_free(&aad);
	tu_bytes_free(&nonce);
	tu_bytes_free(&ct);
	return ok;
}

static bool check_encryptions(struct hpke_ctx *cs, struct hpke_ctx *cr, const json_t *list,
                              const char **why)
{
	size_t i;

	*why = "encryptions";
	if (!json_is_array(list)) return false;
	if (json_array_size(list) != 0 && cs->suite.aead == NULL) return false;
	for (i = 0; i < json_array_size(list); i++) {
		if (cs->seq != i || cr->seq != i) return false;
		if (!check_encryption(cs, cr, json_array_get(list, i))) {
			fprintf(stderr, "hpke: encryption %zu failed\n", i);
			return false;
		}
	}
	return true;
}

/* One "exports" entry on both contexts (RFC 9180 §5.3). */
static bool check_export(const struct hpke_ctx *cs, const struct hpke_ctx *cr, const json_t *e)
{
	struct tu_bytes ectx = { NULL, 0 }, want = { NULL, 0 };
	void *buf = NULL;
	uint64_t l = 0;
	bool ok = false;

	if (!tu_json_hex(e, "exporter_context", &ectx) || !tu_json_u64(e, "L", &l) ||
	    !tu_json_hex(e, "exported_value", &want) || l != want.len)
		goto out;
	if (mem_alloc(want.len, &buf) != 0) goto out;
	if (hpke_export(cs, sp(&ectx), buf, want.len) != 0 || !eq("export (S)", buf, l, &want))
		goto out;
	if (hpke_export(cr, sp(&ectx), buf, want.len) != 0 || !eq("export (R)", buf, l, &want))
		goto out;
	ok = true;
out:
	mem_free(buf);
	tu_bytes_free(&ectx);
	tu_bytes_free(&want);
	return ok;
}

static bool check_exports(const struct hpke_ctx *cs, const struct hpke_ctx *cr, const json_t *list,
                          const char **why)
{
	size_t i;

	*why = "exports";
	if (!json_is_array(list) || json_array_size(list) == 0) return false;
	for (i = 0; i < json_array_size(list); i++)
		if (!check_export(cs, cr, json_array_get(list, i))) return false;
	return true;
}

static bool check_case(const struct hpke_suite *s, const struct hpke_tc *t, const json_t *j,
                       const char **why)
{
	struct hpke_ctx cs, cr;
	bool ok;

	memset(&cs, 0, sizeof(cs));
	memset(&cr, 0, sizeof(cr));
	ok = check_keys(s, t, why) && check_kem(s, t, why) && check_schedule(s, t, why) &&
	     setup_both(s, t, &cs, &cr, why) &&
	     check_encryptions(&cs, &cr, json_object_get(j, "encryptions"), why) &&
	     check_exports(&cs, &cr, json_object_get(j, "exports"), why);
	hpke_ctx_clear(&cs);
	hpke_ctx_clear(&cr);
	return ok;
}

static void run_one(struct kenh_ctx *ctx, const json_t *j, size_t index, struct kat_count *c)
{
	struct hpke_suite s;
	struct hpke_tc t;
	const char *why = "malformed case";
	bool ok;
	int rc;

	if (!load_case(j, &t)) {
		kat_result(c, KAT_NAME, index, 0, why);
		goto out;
	}
	rc = hpke_suite_init(ctx, (uint16_t)t.kem_id, (uint16_t)t.kdf_id, (uint16_t)t.aead_id, &s);
	if (rc == KENH_E_UNSUPPORTED) {
		c->skipped++;
		goto out;
	}
	if (rc != 0) {
		kat_result(c, KAT_NAME, index, 0, "suite");
		goto out;
	}
	ok = check_case(&s, &t, j, &why);
	kat_result(c, KAT_NAME, index, ok, why);
out:
	free_case(&t);
}

void kat_hpke(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	size_t i;

	if (!json_is_array(root)) {
		kat_result(c, KAT_NAME, 0, 0, "not a JSON array of cases");
		return;
	}
	for (i = 0; i < json_array_size(root); i++)
		run_one(ctx, json_array_get(root, i), i, c);
}
