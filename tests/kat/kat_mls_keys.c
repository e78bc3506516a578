/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Runners for the RFC 9420 vectors of the cryptographic core (formats in
 * shared/vectors/mls/README.md): tree-math.json (Appendix C),
 * crypto-basics.json (§5.1, §5.2, §8 labelled functions),
 * secret-tree.json (§9 and the sender-data key of §6.3.2),
 * key-schedule.json (§8, §8.5, external_pub), psk_secret.json (§8.4) and
 * transcript-hashes.json (§8.2). Cases of suites the provider does not
 * support (4 to 7) are counted skipped; every other case passes or fails.
 */
#include "kat.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "codec/limits.h"
#include "crypto/crypto.h"
#include "mls/mls_keys.h"
#include "mls/mls_wire.h"
#include "testutil.h"
#include "util/mem.h"

/* Hex fields decoded for one case, freed together. */
struct fields {
	struct tu_bytes b[48];
	size_t n;
};

/* Decode obj[key]; NULL (and why set) if missing or not hex. */
static const struct tu_bytes *field(struct fields *f, const json_t *obj, const char *key)
{
	if (f->n == ARRAY_LEN(f->b)) return NULL;
	if (!tu_json_hex(obj, key, &f->b[f->n])) {
		fprintf(stderr, "missing or bad hex field: %s\n", key);
		return NULL;
	}
	return &f->b[f->n++];
}

static void fields_free(struct fields *f)
{
	size_t i;

	for (i = 0; i < f->n; i++)
		tu_bytes_free(&f->b[i]);
	f->n = 0;
}

static struct kenh_span sp(const struct tu_bytes *b)
{
	return span_make(b->p, b->len);
}

/* A JSON string as a label span (borrowed from the JSON document). */
static struct kenh_span str_span(const json_t *obj, const char *key)
{
	const char *s = json_string_value(json_object_get(obj, key));

	return s != NULL ? span_make((const uint8_t *)s, strlen(s)) : span_make(NULL, 0);
}

/*
 * The suite of a case, or NULL: counted skipped for suites the provider
 * does not offer (4-7), failed for a missing field or a missing 1-3.
 */
static const struct crypto_suite *case_suite(struct kenh_ctx *ctx, const json_t *tc,
                                             struct kat_count *c, const char *file, size_t i)
{
	const struct crypto_suite *cs;
	uint64_t id;

	if (!tu_json_u64(tc, "cipher_suite", &id) || id > UINT16_MAX) {
		kat_result(c, file, i, 0, "no cipher_suite");
		return NULL;
	}
	cs = crypto_suite_get(ctx, (uint16_t)id);
	if (cs == NULL && id >= 1 && id <= 3) kat_result(c, file, i, 0, "suite 1-3 unsupported");
	if (cs == NULL && (id < 1 || id > 3)) c->skipped++;
	return cs;
}

static bool eq(const char *what, const uint8_t *got, size_t len, const struct tu_bytes *want)
{
	return want != NULL && tu_bytes_eq(what, got, len, want->p, want->len);
}

/* ------------------------------------------------------------------------ */
/* tree-math.json                                                           */
/* ------------------------------------------------------------------------ */

typedef int tree_rel_fn(uint32_t x, uint32_t n_leaves, uint32_t *out);

/* Compare one relation (left, right, parent, sibling) over every node. */
static bool check_relation(const json_t *tc, const char *key, tree_rel_fn *fn, uint32_t n_leaves,
                           uint32_t width)
{
	const json_t *arr = json_object_get(tc, key), *v;
	uint32_t got;
	size_t x;
	int rc;

	if (!json_is_array(arr) || json_array_size(arr) != width) return false;
	json_array_foreach(arr, x, v)
	{
		rc = fn((uint32_t)x, n_leaves, &got);
		if (json_is_null(v) ? rc == 0
		                    : rc != 0 || (json_int_t)got != json_integer_value(v)) {
			fprintf(stderr, "tree-math: %s(%zu) with %u leaves\n", key, x, n_leaves);
			return false;
		}
	}
	return true;
}

static const char *check_tree_math(const json_t *tc)
{
	uint64_t n, nodes, root;
	uint32_t r;

	if (!tu_json_u64(tc, "n_leaves", &n) || !tu_json_u64(tc, "n_nodes", &nodes) ||
	    !tu_json_u64(tc, "root", &root) || n > MLS_TREE_MAX_LEAVES)
		return "missing n_leaves, n_nodes or root";
	if (mls_tree_node_width((uint32_t)n) != nodes) return "node width";
	if (mls_tree_root((uint32_t)n, &r) != 0 || r != root) return "root";
	if (!check_relation(tc, "left", mls_tree_left, (uint32_t)n, (uint32_t)nodes)) return "left";
	if (!check_relation(tc, "right", mls_tree_right, (uint32_t)n, (uint32_t)nodes))
		return "right";
	if (!check_relation(tc, "parent", mls_tree_parent, (uint32_t)n, (uint32_t)nodes))
		return "parent";
	if (!check_relation(tc, "sibling", mls_tree_sibling, (uint32_t)n, (uint32_t)nodes))
		return "sibling";
	return NULL;
}

void kat_mls_tree_math(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	const json_t *tc;
	const char *why;
	size_t i;

	(void)ctx;
	json_array_foreach(root, i, tc)
	{
		why = check_tree_math(tc);
		kat_result(c, "tree-math.json", i, why == NULL, why);
	}
}

/* ------------------------------------------------------------------------ */
/* crypto-basics.json                                                       */
/* ------------------------------------------------------------------------ */

static const char *check_ref_hash(const struct crypto_suite *cs, const json_t *o, struct fields *f)
{
	const struct tu_bytes *value = field(f, o, "value"), *want = field(f, o, "out");
	uint8_t out[CRYPTO_MAX_HASH];

	if (value == NULL || want == NULL) return "ref_hash fields";
	if (mls_ref_hash(cs, str_span(o, "label"), sp(value), out) != 0) return "ref_hash failed";
	return eq("ref_hash", out, cs->kdf->nh, want) ? NULL : "ref_hash differs";
}

static const char *check_expand(const struct crypto_suite *cs, const json_t *o, struct fields *f)
{
	const struct tu_bytes *secret = field(f, o, "secret"), *context = field(f, o, "context");
	const struct tu_bytes *want = field(f, o, "out");
	uint8_t out[256];
	uint64_t len;

	if (secret == NULL || context == NULL || want == NULL || !tu_json_u64(o, "length", &len) ||
	    len > sizeof(out) || secret->len != cs->kdf->nh)
		return "expand_with_label fields";
	if (mls_expand_with_label(cs, secret->p, str_span(o, "label"), sp(context), out,
	                          (size_t)len) != 0)
		return "expand_with_label failed";
	return eq("expand_with_label", out, (size_t)len, want) ? NULL : "expand_with_label differs";
}

static const char *check_derive_secret(const struct crypto_suite *cs, const json_t *o,
                                       struct fields *f)
{
	const struct tu_bytes *secret = field(f, o, "secret"), *want = field(f, o, "out");
	uint8_t out[CRYPTO_MAX_HASH];

	if (secret == NULL || want == NULL || secret->len != cs->kdf->nh)
		return "derive_secret fields";
	if (mls_derive_secret(cs, secret->p, str_span(o, "label"), out) != 0)
		return "derive_secret failed";
	return eq("derive_secret", out, cs->kdf->nh, want) ? NULL : "derive_secret differs";
}

static const char *check_tree_secret(const struct crypto_suite *cs, const json_t *o,
                                     struct fields *f)
{
	const struct tu_bytes *secret = field(f, o, "secret"), *want = field(f, o, "out");
	uint8_t out[256];
	uint64_t len, gen;

	if (secret == NULL || want == NULL || !tu_json_u64(o, "length", &len) ||
	    !tu_json_u64(o, "generation", &gen) || len > sizeof(out) || gen > UINT32_MAX ||
	    secret->len != cs->kdf->nh)
		return "derive_tree_secret fields";
	if (mls_derive_tree_secret(cs, secret->p, str_span(o, "label"), (uint32_t)gen, out,
	                           (size_t)len) != 0)
		return "derive_tree_secret failed";
	return eq("derive_tree_secret", out, (size_t)len, want) ? NULL
	                                                        : "derive_tree_secret differs";
}

static const char *check_sign(const struct crypto_suite *cs, const json_t *o, struct fields *f)
{
	const struct tu_bytes *priv = field(f, o, "priv"), *pub = field(f, o, "pub");
	const struct tu_bytes *content = field(f, o, "content"), *sig = field(f, o, "signature");
	struct kenh_span label = str_span(o, "label");
	uint8_t own[CRYPTO_MAX_SIG];
	size_t ownlen;

	if (priv == NULL || pub == NULL || content == NULL || sig == NULL)
		return "sign_with_label fields";
	if (mls_verify_with_label(cs, sp(pub), label, sp(content), sp(sig)) != 0)
		return "given signature does not verify";
	/* ECDSA is randomised: check our own signature by verifying it, not by bytes. */
	if (mls_sign_with_label(cs, sp(priv), label, sp(content), own, &ownlen) != 0)
		return "sign_with_label failed";
	if (mls_verify_with_label(cs, sp(pub), label, sp(content), span_make(own, ownlen)) != 0)
		return "own signature does not verify";
	return NULL;
}

/* Decrypt (kem_output, ct) and compare with want. */
static const char *decrypt_check(struct kenh_ctx *ctx, const struct crypto_suite *cs,
                                 struct mls_decrypt_args *da, const struct tu_bytes *want)
{
	uint8_t *pt = NULL;
	const char *why = NULL;

	if (da->ct.len < cs->aead->nt) return "ciphertext too short";
	if (mem_alloc(da->ct.len - cs->aead->nt, (void **)&pt) != 0) return "no memory";
	if (mls_decrypt_with_label(ctx, cs, da, pt) != 0) {
		why = "decrypt_with_label failed";
	} else if (!eq("plaintext", pt, da->ct.len - cs->aead->nt, want)) {
		why = "plaintext differs";
	}
	mem_free(pt);
	return why;
}

/* Encrypt the plaintext to pub ourselves, then decrypt it with priv. */
static const char *encrypt_round_trip(struct kenh_ctx *ctx, const struct crypto_suite *cs,
                                      struct mls_decrypt_args *da, const struct tu_bytes *pub,
                                      const struct tu_bytes *pt)
{
	struct mls_encrypt_args ea = { sp(pub), da->label, da->context, sp(pt), NULL };
	uint8_t kem_output[CRYPTO_MAX_KEM_PK], *ct = NULL;
	const char *why;

	if (mem_alloc(pt->len + cs->aead->nt, (void **)&ct) != 0) return "no memory";
	if (mls_encrypt_with_label(ctx, cs, &ea, kem_output, ct) != 0) {
		mem_free(ct);
		return "encrypt_with_label failed";
	}
	da->kem_output = span_make(kem_output, cs->kem->npk);
	da->ct = span_make(ct, pt->len + cs->aead->nt);
	why = decrypt_check(ctx, cs, da, pt);
	mem_free(ct);
	return why;
}

static const char *check_encrypt(struct kenh_ctx *ctx, const struct crypto_suite *cs,
                                 const json_t *o, struct fields *f)
{
	const struct tu_bytes *priv = field(f, o, "priv"), *pub = field(f, o, "pub");
	const struct tu_bytes *context = field(f, o, "context"), *pt = field(f, o, "plaintext");
	const struct tu_bytes *kem = field(f, o, "kem_output"), *ct = field(f, o, "ciphertext");
	struct mls_decrypt_args da;
	const char *why;

	if (priv == NULL || pub == NULL || context == NULL || pt == NULL || kem == NULL ||
	    ct == NULL)
		return "encrypt_with_label fields";
	da.sk = sp(priv);
	da.label = str_span(o, "label");
	da.context = sp(context);
	da.kem_output = sp(kem);
	da.ct = sp(ct);
	if ((why = decrypt_check(ctx, cs, &da, pt)) != NULL) return why;
	return encrypt_round_trip(ctx, cs, &da, pub, pt);
}

static const char *check_crypto_basics(struct kenh_ctx *ctx, const struct crypto_suite *cs,
                                       const json_t *tc, struct fields *f)
{
	const char *why;

	if ((why = check_ref_hash(cs, json_object_get(tc, "ref_hash"), f)) != NULL) return why;
	if ((why = check_expand(cs, json_object_get(tc, "expand_with_label"), f)) != NULL)
		return why;
	if ((why = check_derive_secret(cs, json_object_get(tc, "derive_secret"), f)) != NULL)
		return why;
	if ((why = check_tree_secret(cs, json_object_get(tc, "derive_tree_secret"), f)) != NULL)
		return why;
	if ((why = check_sign(cs, json_object_get(tc, "sign_with_label"), f)) != NULL) return why;
	return check_encrypt(ctx, cs, json_object_get(tc, "encrypt_with_label"), f);
}

void kat_mls_crypto_basics(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	const char *file = "crypto-basics.json", *why;
	const struct crypto_suite *cs;
	struct fields f = { .n = 0 };
	const json_t *tc;
	size_t i;

	json_array_foreach(root, i, tc)
	{
		if ((cs = case_suite(ctx, tc, c, file, i)) == NULL) continue;
		why = check_crypto_basics(ctx, cs, tc, &f);
		kat_result(c, file, i, why == NULL, why);
		fields_free(&f);
	}
}

/* ------------------------------------------------------------------------ */
/* secret-tree.json                                                         */
/* ------------------------------------------------------------------------ */

static const char *check_sender_data(const struct crypto_suite *cs, const json_t *o,
                                     struct fields *f)
{
	const struct tu_bytes *secret = field(f, o, "sender_data_secret");
	const struct tu_bytes *ct = field(f, o, "ciphertext"), *key = field(f, o, "key");
	const struct tu_bytes *nonce = field(f, o, "nonce");
	struct mls_key_nonce kn;
	const char *why = NULL;

	if (secret == NULL || ct == NULL || key == NULL || nonce == NULL ||
	    secret->len != cs->kdf->nh)
		return "sender_data fields";
	if (mls_sender_data_key_nonce(cs, secret->p, sp(ct), &kn) != 0) return "sender data failed";
	if (!eq("sender_data key", kn.key, kn.key_len, key) ||
	    !eq("sender_data nonce", kn.nonce, kn.nonce_len, nonce))
		why = "sender data key or nonce differs";
	mls_key_nonce_clear(&kn);
	return why;
}

/* One generation of both ratchets of one leaf, taken (and consumed) like a receiver. */
static const char *check_generation(struct mls_secret_tree *st, uint32_t leaf, const json_t *g)
{
	static const char *const names[2][2] = { { "handshake_key", "handshake_nonce" },
		                                 { "application_key", "application_nonce" } };
	struct fields f = { .n = 0 };
	struct mls_key_nonce kn;
	const char *why = NULL;
	uint64_t gen;
	size_t t;

	if (!tu_json_u64(g, "generation", &gen) || gen > UINT32_MAX) return "no generation";
	for (t = 0; t < 2 && why == NULL; t++) {
		const struct tu_bytes *key = field(&f, g, names[t][0]);
		const struct tu_bytes *nonce = field(&f, g, names[t][1]);
		enum mls_ratchet_type rt = t == 0 ? MLS_RATCHET_HANDSHAKE : MLS_RATCHET_APPLICATION;

		mls_key_nonce_clear(&kn);
		if (key == NULL || nonce == NULL) {
			why = "leaf fields";
		} else if (mls_secret_tree_decrypt_key(st, leaf, rt, (uint32_t)gen, &kn) != 0) {
			why = "decrypt_key failed";
		} else if (!eq(names[t][0], kn.key, kn.key_len, key) ||
		           !eq(names[t][1], kn.nonce, kn.nonce_len, nonce)) {
			why = "ratchet key or nonce differs";
		}
		mls_secret_tree_consume(st, leaf, rt, (uint32_t)gen);
		mls_key_nonce_clear(&kn);
	}
	fields_free(&f);
	return why;
}

static const char *check_leaves(const struct crypto_suite *cs, const json_t *tc, struct fields *f)
{
	const struct tu_bytes *enc = field(f, tc, "encryption_secret");
	const json_t *leaves = json_object_get(tc, "leaves"), *gens, *g;
	struct mls_secret_tree st;
	const char *why = NULL;
	size_t leaf, j;

	if (enc == NULL || enc->len != cs->kdf->nh || !json_is_array(leaves) ||
	    json_array_size(leaves) > MLS_TREE_MAX_LEAVES)
		return "secret tree fields";
	if (mls_secret_tree_init(&st, cs, enc->p, (uint32_t)json_array_size(leaves), NULL) != 0)
		return "secret tree init failed";
	json_array_foreach(leaves, leaf, gens)
	{
		json_array_foreach(gens, j, g)
		{
			if (why == NULL) why = check_generation(&st, (uint32_t)leaf, g);
		}
	}
	mls_secret_tree_clear(&st);
	return why;
}

void kat_mls_secret_tree(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	const char *file = "secret-tree.json", *why;
	const struct crypto_suite *cs;
	struct fields f = { .n = 0 };
	const json_t *tc;
	size_t i;

	json_array_foreach(root, i, tc)
	{
		if ((cs = case_suite(ctx, tc, c, file, i)) == NULL) continue;
		why = check_sender_data(cs, json_object_get(tc, "sender_data"), &f);
		fields_free(&f);
		if (why == NULL) why = check_leaves(cs, tc, &f);
		fields_free(&f);
		kat_result(c, file, i, why == NULL, why);
	}
}

/* ------------------------------------------------------------------------ */
/* psk_secret.json                                                          */
/* ------------------------------------------------------------------------ */

/* RFC 9420 §8.4: an external PreSharedKeyID, encoded by the wire layer. */
static bool encode_external_psk_id(struct codec_writer *w, const struct tu_bytes *id,
                                   const struct tu_bytes *nonce)
{
	struct mls_pre_shared_key_id pid;

	memset(&pid, 0, sizeof(pid));
	pid.psktype = MLS_PSK_EXTERNAL;
	pid.psk_id = sp(id);
	pid.psk_nonce = sp(nonce);
	codec_writer_init(w, 1024, CODEC_WRITER_NORMAL);
	return mls_encode_pre_shared_key_id(w, &pid) == 0;
}

static const char *check_psk_case(const struct crypto_suite *cs, const json_t *tc, struct fields *f)
{
	const json_t *psks = json_object_get(tc, "psks"), *p;
	const struct tu_bytes *want = field(f, tc, "psk_secret");
	struct mls_psk_input in[16];
	struct codec_writer w[16];
	uint8_t out[CRYPTO_MAX_HASH];
	const char *why = NULL;
	size_t i, n = 0;

	if (want == NULL || !json_is_array(psks) || json_array_size(psks) > ARRAY_LEN(in))
		return "psk fields";
	json_array_foreach(psks, i, p)
	{
		const struct tu_bytes *id = field(f, p, "psk_id"),
		                      *nonce = field(f, p, "psk_nonce");
		const struct tu_bytes *psk = field(f, p, "psk");

		if (id == NULL || nonce == NULL || psk == NULL) why = "psk entry fields";
		if (why == NULL && !encode_external_psk_id(&w[n++], id, nonce)) why = "psk id";
		if (why != NULL) break;
		in[i].id = codec_writer_span(&w[i]);
		in[i].psk = sp(psk);
	}
	if (why == NULL && mls_psk_secret(cs, in, n, out) != 0) why = "psk_secret failed";
	if (why == NULL && !eq("psk_secret", out, cs->kdf->nh, want)) why = "psk_secret differs";
	for (i = 0; i < n; i++)
		codec_writer_clear(&w[i]);
	return why;
}

void kat_mls_psk_secret(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	const char *file = "psk_secret.json", *why;
	const struct crypto_suite *cs;
	struct fields f = { .n = 0 };
	const json_t *tc;
	size_t i;

	json_array_foreach(root, i, tc)
	{
		if ((cs = case_suite(ctx, tc, c, file, i)) == NULL) continue;
		why = check_psk_case(cs, tc, &f);
		kat_result(c, file, i, why == NULL, why);
		fields_free(&f);
	}
}

/* ------------------------------------------------------------------------ */
/* key-schedule.json                                                        */
/* ------------------------------------------------------------------------ */

/* GroupContext of an epoch: version mls10, no extensions (README). */
static bool encode_context(struct codec_writer *w, uint16_t suite_id, const struct tu_bytes *gid,
                           uint64_t epoch, const struct tu_bytes *tree_hash,
                           const struct tu_bytes *cth)
{
	struct mls_group_context gc;

	memset(&gc, 0, sizeof(gc));
	gc.version = MLS_VERSION_MLS10;
	gc.cipher_suite = suite_id;
	gc.group_id = sp(gid);
	gc.epoch = epoch;
	gc.tree_hash = sp(tree_hash);
	gc.confirmed_transcript_hash = sp(cth);
	codec_writer_init(w, 4096, CODEC_WRITER_NORMAL);
	return mls_encode_group_context(w, &gc) == 0;
}

/* The §8 table and init_secret, field by field, against the vector's names. */
static const char *compare_epoch(const struct mls_epoch_secrets *es, const json_t *e,
                                 struct fields *f)
{
	static const struct {
		const char *name;
		size_t offset;
	} rows[] = {
		{ "joiner_secret", offsetof(struct mls_epoch_secrets, joiner_secret) },
		{ "welcome_secret", offsetof(struct mls_epoch_secrets, welcome_secret) },
		{ "init_secret", offsetof(struct mls_epoch_secrets, init_secret) },
		{ "sender_data_secret", offsetof(struct mls_epoch_secrets, sender_data_secret) },
		{ "encryption_secret", offsetof(struct mls_epoch_secrets, encryption_secret) },
		{ "exporter_secret", offsetof(struct mls_epoch_secrets, exporter_secret) },
		{ "epoch_authenticator", offsetof(struct mls_epoch_secrets, epoch_authenticator) },
		{ "external_secret", offsetof(struct mls_epoch_secrets, external_secret) },
		{ "confirmation_key", offsetof(struct mls_epoch_secrets, confirmation_key) },
		{ "membership_key", offsetof(struct mls_epoch_secrets, membership_key) },
		{ "resumption_psk", offsetof(struct mls_epoch_secrets, resumption_psk) },
	};
	size_t i;

	for (i = 0; i < ARRAY_LEN(rows); i++) {
		const uint8_t *got = (const uint8_t *)es + rows[i].offset;

		if (!eq(rows[i].name, got, es->nh, field(f, e, rows[i].name))) return rows[i].name;
	}
	return NULL;
}

/* external_pub and the exporter of one epoch. */
static const char *check_epoch_outputs(struct kenh_ctx *ctx, const struct crypto_suite *cs,
                                       const struct mls_epoch_secrets *es, const json_t *e,
                                       struct fields *f)
{
	const json_t *x = json_object_get(e, "exporter");
	const struct tu_bytes *context = field(f, x, "context"), *want = field(f, x, "secret");
	uint8_t pk[CRYPTO_MAX_KEM_PK], out[256];
	uint64_t len;

	if (mls_external_keypair(ctx, cs, es->external_secret, NULL, pk) != 0)
		return "external key pair failed";
	if (!eq("external_pub", pk, cs->kem->npk, field(f, e, "external_pub")))
		return "external_pub";
	if (context == NULL || want == NULL || !tu_json_u64(x, "length", &len) || len > sizeof(out))
		return "exporter fields";
	/* The label is the JSON string's characters as they stand (hex digits, not decoded). */
	if (mls_exporter(cs, es->exporter_secret, str_span(x, "label"), sp(context), out,
	                 (size_t)len) != 0)
		return "exporter failed";
	return eq("exporter", out, (size_t)len, want) ? NULL : "exporter secret";
}

/* One epoch: GroupContext, schedule, outputs; init_secret moves to the next epoch. */
static const char *check_epoch(struct kenh_ctx *ctx, const struct crypto_suite *cs, const json_t *e,
                               uint64_t epoch, const struct tu_bytes *gid, uint8_t *init)
{
	const struct tu_bytes *th, *cth, *commit, *psk, *gc;
	struct fields f = { .n = 0 };
	struct mls_epoch_secrets es;
	struct codec_writer w;
	uint8_t joiner[CRYPTO_MAX_HASH];
	const char *why = NULL;

	memset(&es, 0, sizeof(es));
	th = field(&f, e, "tree_hash");
	cth = field(&f, e, "confirmed_transcript_hash");
	commit = field(&f, e, "commit_secret");
	psk = field(&f, e, "psk_secret");
	gc = field(&f, e, "group_context");
	codec_writer_init(&w, 16, CODEC_WRITER_NORMAL);
	if (th == NULL || cth == NULL || commit == NULL || psk == NULL || gc == NULL ||
	    commit->len != cs->kdf->nh || psk->len != cs->kdf->nh)
		why = "epoch fields";
	else if (!encode_context(&w, cs->id, gid, epoch, th, cth))
		why = "GroupContext does not encode";
	else if (!eq("group_context", codec_writer_span(&w).p, codec_writer_len(&w), gc))
		why = "group_context";
	else if (mls_key_schedule_joiner(cs, init, commit->p, sp(gc), joiner) != 0 ||
	         mls_key_schedule_epoch(cs, joiner, psk->p, sp(gc), &es) != 0)
		why = "key schedule failed";
	if (why == NULL) why = compare_epoch(&es, e, &f);
	if (why == NULL) why = check_epoch_outputs(ctx, cs, &es, e, &f);
	memcpy(init, es.init_secret, cs->kdf->nh);
	mls_epoch_secrets_clear(&es);
	codec_writer_clear(&w);
	fields_free(&f);
	return why;
}

static const char *check_key_schedule(struct kenh_ctx *ctx, const struct crypto_suite *cs,
                                      const json_t *tc, struct fields *f)
{
	const struct tu_bytes *gid = field(f, tc, "group_id");
	const struct tu_bytes *init0 = field(f, tc, "initial_init_secret");
	const json_t *epochs = json_object_get(tc, "epochs"), *e;
	uint8_t init[CRYPTO_MAX_HASH];
	const char *why = NULL;
	size_t i;

	if (gid == NULL || init0 == NULL || init0->len != cs->kdf->nh || !json_is_array(epochs))
		return "key schedule fields";
	memcpy(init, init0->p, init0->len);
	json_array_foreach(epochs, i, e)
	{
		if ((why = check_epoch(ctx, cs, e, i, gid, init)) != NULL) break;
	}
	return why;
}

void kat_mls_key_schedule(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	const char *file = "key-schedule.json", *why;
	const struct crypto_suite *cs;
	struct fields f = { .n = 0 };
	const json_t *tc;
	size_t i;

	json_array_foreach(root, i, tc)
	{
		if ((cs = case_suite(ctx, tc, c, file, i)) == NULL) continue;
		why = check_key_schedule(ctx, cs, tc, &f);
		kat_result(c, file, i, why == NULL, why);
		fields_free(&f);
	}
}

/* ------------------------------------------------------------------------ */
/* transcript-hashes.json                                                   */
/* ------------------------------------------------------------------------ */

/* ConfirmedTranscriptHashInput { wire_format; FramedContent content; signature<V>; }. */
static bool encode_confirmed_input(struct codec_writer *w,
                                   const struct mls_authenticated_content *ac)
{
	codec_writer_init(w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	(void)codec_write_u16(w, (uint16_t)ac->wire_format);
	if (mls_encode_framed_content(w, &ac->content) != 0) return false;
	return codec_write_opaque(w, ac->auth.signature.p, ac->auth.signature.len) == 0;
}

/* The hashes and tag of one Commit, given its decoded AuthenticatedContent. */
static const char *check_transcript_hashes(const struct crypto_suite *cs, const json_t *tc,
                                           const struct mls_authenticated_content *ac,
                                           struct fields *f)
{
	const struct tu_bytes *key = field(f, tc, "confirmation_key");
	const struct tu_bytes *interim0 = field(f, tc, "interim_transcript_hash_before");
	const struct tu_bytes *cth = field(f, tc, "confirmed_transcript_hash_after");
	const struct tu_bytes *ith = field(f, tc, "interim_transcript_hash_after");
	uint8_t confirmed[CRYPTO_MAX_HASH], interim[CRYPTO_MAX_HASH];
	struct codec_writer w;
	const char *why = NULL;

	if (key == NULL || interim0 == NULL || cth == NULL || ith == NULL ||
	    key->len != cs->kdf->nh)
		return "transcript fields";
	if (!encode_confirmed_input(&w, ac) ||
	    mls_confirmed_transcript_hash(cs, sp(interim0), codec_writer_span(&w), confirmed) != 0)
		why = "confirmed transcript hash failed";
	else if (!eq("confirmed_transcript_hash_after", confirmed, cs->kdf->nh, cth))
		why = "confirmed transcript hash";
	else if (mls_confirmation_tag_verify(cs, key->p, sp(cth), ac->auth.confirmation_tag) != 0)
		why = "confirmation tag does not verify";
	else if (mls_interim_transcript_hash(cs, sp(cth), ac->auth.confirmation_tag, interim) != 0)
		why = "interim transcript hash failed";
	else if (!eq("interim_transcript_hash_after", interim, cs->kdf->nh, ith))
		why = "interim transcript hash";
	codec_writer_clear(&w);
	return why;
}

static const char *check_transcript(const struct crypto_suite *cs, const json_t *tc,
                                    struct fields *f)
{
	const struct tu_bytes *acb = field(f, tc, "authenticated_content");
	struct mls_authenticated_content ac;
	struct codec_reader r;
	const char *why;

	if (acb == NULL) return "authenticated_content missing";
	codec_reader_init(&r, acb->p, acb->len);
	if (mls_decode_authenticated_content(&r, &ac) != 0) return "content does not decode";
	if (codec_reader_done(&r) != 0 || ac.content.content_type != MLS_CONTENT_COMMIT)
		why = "not exactly one Commit";
	else
		why = check_transcript_hashes(cs, tc, &ac, f);
	mls_authenticated_content_clear(&ac);
	return why;
}

void kat_mls_transcript_hashes(struct kenh_ctx *ctx, const json_t *root, struct kat_count *c)
{
	const char *file = "transcript-hashes.json", *why;
	const struct crypto_suite *cs;
	struct fields f = { .n = 0 };
	const json_t *tc;
	size_t i;

	json_array_foreach(root, i, tc)
	{
		if ((cs = case_suite(ctx, tc, c, file, i)) == NULL) continue;
		why = check_transcript(cs, tc, &f);
		kat_result(c, file, i, why == NULL, why);
		fields_free(&f);
	}
}
