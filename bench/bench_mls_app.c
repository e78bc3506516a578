/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Application messages (RFC 9420 §6.3, §15) through the public group API,
 * beside the two message ratchets Kenh could have used instead (STYLE
 * R17.10): a 256 B message encrypted by one member and decrypted by the
 * other, per second.
 *
 *   ours:   a 2-member group, suites 1 and 3: kenh_mls_group_encrypt
 *           (PrivateMessage: FramedContent signed with Ed25519, sender data
 *           and content sealed with keys of the secret tree, §6.3, §9) and
 *           kenh_mls_group_process on the other member (open, verify the
 *           signature, ratchet the secret tree);
 *   Megolm: libolm's outbound group session encrypt and inbound group
 *           session decrypt (AES-256-CBC, HMAC-SHA-256 and an Ed25519
 *           signature on every message, like ours);
 *   Double Ratchet: libsignal-protocol-c session_cipher encrypt and
 *           decrypt between two in-memory stores (AES-256-CBC and
 *           HMAC-SHA-256, no signature). Its crypto provider is written in
 *           this file on OpenSSL EVP, algorithms fetched once. Row one keeps
 *           one direction (symmetric chain steps only); row two alternates
 *           the direction, so every message also makes a DH ratchet step.
 *
 * The references are optional (Debian's libolm-dev and
 * libsignal-protocol-c-dev; bench/run-mls.sh installs them): each is
 * compiled in only when its header is present, and a missing one is
 * printed as such. Timing: a warm-up, then RUNS rounds; in each round every
 * implementation runs one batch of a fixed iteration count, in an order
 * that rotates. Figures are medians over the rounds, of the wall-clock time
 * and of the thread's CPU time (the machine may be shared); a ratio is the
 * median of the per-round ratios of throughput (above 1: ours is faster).
 * The Megolm target is judged on the CPU-time ratio.
 */
/* Third-party headers before compat.h: OpenSSL names a parameter "rand", which compat.h poisons. */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#if __has_include(<olm/olm.h>)
#include <olm/olm.h>
#define HAVE_OLM 1
#else
#define HAVE_OLM 0
#endif
#if __has_include(<signal/signal_protocol.h>)
#include <signal/key_helper.h>
#include <signal/protocol.h>
#include <signal/session_builder.h>
#include <signal/session_cipher.h>
#include <signal/session_pre_key.h>
#include <signal/signal_protocol.h>
#define HAVE_SIGNAL 1
#else
#define HAVE_SIGNAL 0
#endif

#include "util/compat.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "kenh/kenh.h"
#include "kenh/mls.h"
#include "util/mem.h"

#define RUNS    31
#define MSG_LEN 256
#define WARMUP  3 /* warm-up batches per implementation */

static void die(const char *what, long code)
{
	fprintf(stderr, "bench_mls_app: %s failed (%ld)\n", what, code);
	exit(1);
}

/* One contestant: op() does `msgs` messages (encrypt + decrypt each). */
typedef int op_fn(void *state);

struct impl {
	const char *name;
	const char *tag; /* short name for the ratio lines */
	op_fn *op;
	void *state;
	size_t iters;        /* op() calls per batch */
	size_t msgs;         /* messages per op() call */
	const char *missing; /* non-NULL: not available, and why */
	double ns[RUNS];     /* wall-clock ns per message, per round */
	double cpu[RUNS];    /* thread CPU ns per message, per round */
};

static const uint8_t *plaintext(void)
{
	static uint8_t pt[MSG_LEN];
	static bool done;

	if (!done) {
		if (RAND_bytes(pt, MSG_LEN) != 1) die("RAND_bytes", 0);
		done = true;
	}
	return pt;
}

/* ------------------------------------------------------------------------ */
/* Ours: two members of one group                                            */
/* ------------------------------------------------------------------------ */

struct mls_pair {
	struct kenh_ctx *ctx;
	struct kenh_mls_keypackage *kp_a, *kp_b;
	struct kenh_mls_group *a, *b;
};

static int accept_all(void *arg, const struct kenh_mls_credential *cred)
{
	(void)arg;
	(void)cred;
	return 0;
}

static const struct kenh_mls_config mls_cfg = { .validate = accept_all };

static void mls_keypackage(struct mls_pair *p, uint16_t suite, const char *id,
                           struct kenh_mls_keypackage **out)
{
	struct kenh_mls_keypackage_args a = { .suite = suite };
	int rc;

	a.credential.type = KENH_MLS_CREDENTIAL_BASIC;
	a.credential.identity = (const uint8_t *)id;
	a.credential.identity_len = strlen(id);
	if ((rc = kenh_mls_keypackage_new(p->ctx, &a, out)) != 0)
		die("kenh_mls_keypackage_new", rc);
}

/* Alice creates the group and adds Bob, who joins by Welcome. */
static void mls_pair_setup(struct mls_pair *p, uint16_t suite)
{
	struct kenh_mls_commit_out co = { 0 };
	struct kenh_mls_event ev = { 0 };
	uint8_t *kp_msg = NULL;
	size_t kp_len = 0;
	int rc;

	memset(p, 0, sizeof(*p));
	if ((rc = kenh_ctx_new(&p->ctx)) != 0) die("kenh_ctx_new", rc);
	mls_keypackage(p, suite, "alice", &p->kp_a);
	mls_keypackage(p, suite, "bob", &p->kp_b);
	if ((rc = kenh_mls_group_create(p->ctx, &mls_cfg, p->kp_a, NULL, &p->a)) != 0)
		die("kenh_mls_group_create", rc);
	if ((rc = kenh_mls_keypackage_message(p->kp_b, &kp_msg, &kp_len)) != 0)
		die("kenh_mls_keypackage_message", rc);
	{
		const uint8_t *kps[1] = { kp_msg };
		struct kenh_mls_commit_args ca = { .key_packages = kps,
			                           .key_package_lens = &kp_len,
			                           .n_add = 1,
			                           .ratchet_tree = true };

		if ((rc = kenh_mls_group_commit(p->a, &ca, &co)) != 0)
			die("kenh_mls_group_commit", rc);
	}
	if ((rc = kenh_mls_group_commit_merge(p->a, &ev)) != 0) die("commit_merge", rc);
	if ((rc = kenh_mls_group_join(p->ctx, &mls_cfg, p->kp_b, co.welcome, co.welcome_len, NULL,
	                              0, &p->b)) != 0)
		die("kenh_mls_group_join", rc);
	kenh_mls_event_clear(&ev);
	kenh_mls_commit_out_clear(&co);
	kenh_mls_free(kp_msg, kp_len);
}

static void mls_pair_free(struct mls_pair *p)
{
	kenh_mls_group_free(p->a);
	kenh_mls_group_free(p->b);
	kenh_mls_keypackage_free(p->kp_a);
	kenh_mls_keypackage_free(p->kp_b);
	kenh_ctx_free(p->ctx);
}

/* Alice protects 256 B as a PrivateMessage; Bob unprotects it. */
static int mls_op(void *state)
{
	struct mls_pair *p = state;
	struct kenh_mls_event ev = { 0 };
	uint8_t *ct = NULL;
	size_t ct_len = 0;
	int rc;

	rc = kenh_mls_group_encrypt(p->a, plaintext(), MSG_LEN, &ct, &ct_len);
	if (rc == 0) rc = kenh_mls_group_process(p->b, ct, ct_len, &ev);
	if (rc == 0 && (ev.type != KENH_MLS_EVENT_APPLICATION || ev.data_len != MSG_LEN ||
	                memcmp(ev.data, plaintext(), MSG_LEN) != 0))
		rc = -1;
	kenh_mls_event_clear(&ev);
	kenh_mls_free(ct, ct_len);
	return rc;
}

/* ------------------------------------------------------------------------ */
/* Megolm (libolm)                                                           */
/* ------------------------------------------------------------------------ */

#if HAVE_OLM
struct megolm {
	OlmOutboundGroupSession *out;
	OlmInboundGroupSession *in;
	void *out_mem, *in_mem;
	uint8_t *msg, *copy, *pt;
	size_t msg_cap, pt_cap;
};

static void megolm_setup(struct megolm *m)
{
	uint8_t rnd[256], key[512];
	size_t n, klen;

	memset(m, 0, sizeof(*m));
	if (mem_alloc(olm_outbound_group_session_size(), &m->out_mem) != 0 ||
	    mem_alloc(olm_inbound_group_session_size(), &m->in_mem) != 0)
		die("megolm alloc", 0);
	m->out = olm_outbound_group_session(m->out_mem);
	m->in = olm_inbound_group_session(m->in_mem);
	n = olm_init_outbound_group_session_random_length(m->out);
	if (n > sizeof(rnd) || RAND_bytes(rnd, (int)n) != 1 ||
	    olm_init_outbound_group_session(m->out, rnd, n) == olm_error())
		die("olm_init_outbound_group_session", 0);
	klen = olm_outbound_group_session_key_length(m->out);
	if (klen > sizeof(key) ||
	    olm_outbound_group_session_key(m->out, key, klen) == olm_error() ||
	    olm_init_inbound_group_session(m->in, key, klen) == olm_error())
		die("olm_init_inbound_group_session", 0);
	/* The message index is a varint in the message: leave room for it to grow to 32 bits. */
	m->msg_cap = olm_group_encrypt_message_length(m->out, MSG_LEN) + 16;
	m->pt_cap = m->msg_cap; /* more than any plaintext the message can hold */
	if (mem_alloc(m->msg_cap, (void **)&m->msg) != 0 ||
	    mem_alloc(m->msg_cap, (void **)&m->copy) != 0 ||
	    mem_alloc(m->pt_cap, (void **)&m->pt) != 0)
		die("megolm alloc", 0);
	OPENSSL_cleanse(rnd, sizeof(rnd));
	OPENSSL_cleanse(key, sizeof(key));
}

static void megolm_free(struct megolm *m)
{
	olm_clear_outbound_group_session(m->out);
	olm_clear_inbound_group_session(m->in);
	mem_free(m->out_mem);
	mem_free(m->in_mem);
	mem_free(m->msg);
	mem_free(m->copy);
	mem_free(m->pt);
}

/* Encrypt 256 B (ratchet step, AES-CBC, HMAC, Ed25519 signature), then decrypt and verify. */
static int megolm_op(void *state)
{
	struct megolm *m = state;
	size_t n, pn;
	uint32_t index = 0;

	n = olm_group_encrypt(m->out, plaintext(), MSG_LEN, m->msg, m->msg_cap);
	if (n == olm_error()) return -1;
	memcpy(m->copy, m->msg, n); /* decrypt consumes its input */
	pn = olm_group_decrypt(m->in, m->copy, n, m->pt, m->pt_cap, &index);
	if (pn != MSG_LEN || memcmp(m->pt, plaintext(), MSG_LEN) != 0) return -1;
	return 0;
}
#endif

/* ------------------------------------------------------------------------ */
/* Double Ratchet (libsignal-protocol-c): crypto provider on OpenSSL EVP     */
/* ------------------------------------------------------------------------ */

#if HAVE_SIGNAL
struct sg_crypto {
	EVP_MAC *hmac;
	EVP_MD *sha512;
	EVP_CIPHER *cbc[3], *ctr[3]; /* AES-128, -192, -256 */
};

static int sg_random(uint8_t *data, size_t len, void *user)
{
	(void)user;
	return len <= INT32_MAX && RAND_bytes(data, (int)len) == 1 ? 0 : SG_ERR_UNKNOWN;
}

static int sg_hmac_init(void **hctx, const uint8_t *key, size_t key_len, void *user)
{
	struct sg_crypto *c = user;
	EVP_MAC_CTX *m = EVP_MAC_CTX_new(c->hmac);
	OSSL_PARAM p[2] = { OSSL_PARAM_construct_utf8_string("digest", (char *)(uintptr_t) "SHA256",
		                                             0),
		            OSSL_PARAM_construct_end() };

	if (m == NULL || EVP_MAC_init(m, key, key_len, p) != 1) {
		EVP_MAC_CTX_free(m);
		return SG_ERR_UNKNOWN;
	}
	*hctx = m;
	return 0;
}

static int sg_hmac_update(void *hctx, const uint8_t *data, size_t len, void *user)
{
	(void)user;
	return EVP_MAC_update(hctx, data, len) == 1 ? 0 : SG_ERR_UNKNOWN;
}

static int sg_hmac_final(void *hctx, signal_buffer **output, void *user)
{
	uint8_t md[EVP_MAX_MD_SIZE];
	size_t n = 0;

	(void)user;
	if (EVP_MAC_final(hctx, md, &n, sizeof(md)) != 1) return SG_ERR_UNKNOWN;
	*output = signal_buffer_create(md, n);
	return *output != NULL ? 0 : SG_ERR_NOMEM;
}

static void sg_hmac_cleanup(void *hctx, void *user)
{
	(void)user;
	EVP_MAC_CTX_free(hctx);
}

static int sg_sha512_init(void **dctx, void *user)
{
	struct sg_crypto *c = user;
	EVP_MD_CTX *d = EVP_MD_CTX_new();

	if (d == NULL || EVP_DigestInit_ex2(d, c->sha512, NULL) != 1) {
		EVP_MD_CTX_free(d);
		return SG_ERR_UNKNOWN;
	}
	*dctx = d;
	return 0;
}

static int sg_sha512_update(void *dctx, const uint8_t *data, size_t len, void *user)
{
	(void)user;
	return EVP_DigestUpdate(dctx, data, len) == 1 ? 0 : SG_ERR_UNKNOWN;
}

/* Finish, then re-initialise the context for reuse, as the provider interface asks. */
static int sg_sha512_final(void *dctx, signal_buffer **output, void *user)
{
	struct sg_crypto *c = user;
	uint8_t md[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_DigestFinal_ex(dctx, md, &n) != 1 || EVP_DigestInit_ex2(dctx, c->sha512, NULL) != 1)
		return SG_ERR_UNKNOWN;
	*output = signal_buffer_create(md, n);
	return *output != NULL ? 0 : SG_ERR_NOMEM;
}

static void sg_sha512_cleanup(void *dctx, void *user)
{
	(void)user;
	EVP_MD_CTX_free(dctx);
}

struct sg_cipher_call {
	int mode;
	const uint8_t *key, *iv, *in;
	size_t key_len, iv_len, in_len;
	int enc;
};

static const EVP_CIPHER *sg_pick(const struct sg_crypto *c, int mode, size_t key_len)
{
	size_t i = key_len == 16 ? 0 : key_len == 24 ? 1 : key_len == 32 ? 2 : 3;

	if (i == 3) return NULL;
	if (mode == SG_CIPHER_AES_CBC_PKCS5) return c->cbc[i];
	if (mode == SG_CIPHER_AES_CTR_NOPADDING) return c->ctr[i];
	return NULL;
}

/* AES-CBC with PKCS#5 padding or AES-CTR, into a new signal_buffer of the exact length. */
static int sg_cipher(const struct sg_crypto *c, const struct sg_cipher_call *k,
                     signal_buffer **output)
{
	const EVP_CIPHER *ciph = sg_pick(c, k->mode, k->key_len);
	EVP_CIPHER_CTX *x = EVP_CIPHER_CTX_new();
	signal_buffer *tmp = NULL;
	int n = 0, fin = 0, rc = SG_ERR_UNKNOWN;

	if (ciph == NULL || x == NULL || k->iv_len != 16 || k->in_len > INT32_MAX - 32) goto out;
	if ((tmp = signal_buffer_alloc(k->in_len + 16)) == NULL) goto out;
	if (EVP_CipherInit_ex2(x, ciph, k->key, k->iv, k->enc, NULL) != 1 ||
	    EVP_CipherUpdate(x, signal_buffer_data(tmp), &n, k->in, (int)k->in_len) != 1 ||
	    EVP_CipherFinal_ex(x, signal_buffer_data(tmp) + n, &fin) != 1)
		goto out;
	*output = signal_buffer_n_copy(tmp, (size_t)n + (size_t)fin);
	rc = *output != NULL ? 0 : SG_ERR_NOMEM;
out:
	signal_buffer_bzero_free(tmp);
	EVP_CIPHER_CTX_free(x);
	return rc;
}

static int sg_encrypt(signal_buffer **output, int cipher, const uint8_t *key, size_t key_len,
                      const uint8_t *iv, size_t iv_len, const uint8_t *pt, size_t pt_len,
                      void *user)
{
	struct sg_cipher_call k = { cipher, key, iv, pt, key_len, iv_len, pt_len, 1 };

	return sg_cipher(user, &k, output);
}

static int sg_decrypt(signal_buffer **output, int cipher, const uint8_t *key, size_t key_len,
                      const uint8_t *iv, size_t iv_len, const uint8_t *ct, size_t ct_len,
                      void *user)
{
	struct sg_cipher_call k = { cipher, key, iv, ct, key_len, iv_len, ct_len, 0 };

	return sg_cipher(user, &k, output);
}

static void sg_crypto_init(struct sg_crypto *c)
{
	static const char *const cbc[3] = { "AES-128-CBC", "AES-192-CBC", "AES-256-CBC" };
	static const char *const ctr[3] = { "AES-128-CTR", "AES-192-CTR", "AES-256-CTR" };
	size_t i;

	memset(c, 0, sizeof(*c));
	c->hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	c->sha512 = EVP_MD_fetch(NULL, "SHA512", NULL);
	if (c->hmac == NULL || c->sha512 == NULL) die("EVP fetch", 0);
	for (i = 0; i < 3; i++) {
		c->cbc[i] = EVP_CIPHER_fetch(NULL, cbc[i], NULL);
		c->ctr[i] = EVP_CIPHER_fetch(NULL, ctr[i], NULL);
		if (c->cbc[i] == NULL || c->ctr[i] == NULL) die("EVP_CIPHER_fetch", 0);
	}
}

static void sg_crypto_free(struct sg_crypto *c)
{
	size_t i;

	EVP_MAC_free(c->hmac);
	EVP_MD_free(c->sha512);
	for (i = 0; i < 3; i++) {
		EVP_CIPHER_free(c->cbc[i]);
		EVP_CIPHER_free(c->ctr[i]);
	}
}

/* ------------------------------------------------------------------------ */
/* Double Ratchet: one party's in-memory stores                              */
/* ------------------------------------------------------------------------ */

#define SG_MAX_KEYS 4

/* A few (id, serialized record) pairs: the pre keys or signed pre keys of one party. */
struct sg_table {
	uint32_t id[SG_MAX_KEYS];
	signal_buffer *rec[SG_MAX_KEYS];
};

/*
 * One party. It talks to a single peer, so its session store holds one
 * record whatever the address.
 */
struct sg_party {
	signal_protocol_store_context *store;
	ratchet_identity_key_pair *identity;
	uint32_t reg_id;
	signal_buffer *session;
	struct sg_table prekeys, signed_prekeys;
};

static int sg_load_session(signal_buffer **record, signal_buffer **user_record,
                           const signal_protocol_address *address, void *user)
{
	struct sg_party *p = user;

	(void)user_record;
	(void)address;
	if (p->session == NULL) return 0;
	*record = signal_buffer_copy(p->session);
	return *record != NULL ? 1 : SG_ERR_NOMEM;
}

static int sg_sub_device_sessions(signal_int_list **sessions, const char *name, size_t name_len,
                                  void *user)
{
	(void)name;
	(void)name_len;
	(void)user;
	*sessions = signal_int_list_alloc();
	return *sessions != NULL ? 0 : SG_ERR_NOMEM;
}

static int sg_store_session(const signal_protocol_address *address, uint8_t *record,
                            size_t record_len, uint8_t *user_record, size_t user_record_len,
                            void *user)
{
	struct sg_party *p = user;
	signal_buffer *b = signal_buffer_create(record, record_len);

	(void)address;
	(void)user_record;
	(void)user_record_len;
	if (b == NULL) return SG_ERR_NOMEM;
	signal_buffer_bzero_free(p->session);
	p->session = b;
	return 0;
}

static int sg_contains_session(const signal_protocol_address *address, void *user)
{
	(void)address;
	return ((struct sg_party *)user)->session != NULL;
}

static int sg_delete_session(const signal_protocol_address *address, void *user)
{
	struct sg_party *p = user;
	int had = p->session != NULL;

	(void)address;
	signal_buffer_bzero_free(p->session);
	p->session = NULL;
	return had;
}

static int sg_delete_all_sessions(const char *name, size_t name_len, void *user)
{
	(void)name;
	(void)name_len;
	return sg_delete_session(NULL, user);
}

static signal_buffer **sg_slot(struct sg_table *t, uint32_t id, bool create)
{
	size_t i;

	for (i = 0; i < SG_MAX_KEYS; i++)
		if (t->rec[i] != NULL && t->id[i] == id) return &t->rec[i];
	for (i = 0; create && i < SG_MAX_KEYS; i++) {
		if (t->rec[i] == NULL) {
			t->id[i] = id;
			return &t->rec[i];
		}
	}
	return NULL;
}

static int sg_table_load(struct sg_table *t, signal_buffer **record, uint32_t id)
{
	signal_buffer **s = sg_slot(t, id, false);

	if (s == NULL) return SG_ERR_INVALID_KEY_ID;
	*record = signal_buffer_copy(*s);
	return *record != NULL ? SG_SUCCESS : SG_ERR_NOMEM;
}

static int sg_table_store(struct sg_table *t, uint32_t id, const uint8_t *record, size_t len)
{
	signal_buffer **s = sg_slot(t, id, true);
	signal_buffer *b;

	if (s == NULL) return SG_ERR_NOMEM;
	if ((b = signal_buffer_create(record, len)) == NULL) return SG_ERR_NOMEM;
	signal_buffer_bzero_free(*s);
	*s = b;
	return 0;
}

static int sg_table_remove(struct sg_table *t, uint32_t id)
{
	signal_buffer **s = sg_slot(t, id, false);

	if (s != NULL) {
		signal_buffer_bzero_free(*s);
		*s = NULL;
	}
	return 0;
}

static void sg_table_clear(struct sg_table *t)
{
	size_t i;

	for (i = 0; i < SG_MAX_KEYS; i++)
		signal_buffer_bzero_free(t->rec[i]);
	memset(t, 0, sizeof(*t));
}

static int sg_load_pre_key(signal_buffer **record, uint32_t id, void *user)
{
	return sg_table_load(&((struct sg_party *)user)->prekeys, record, id);
}

static int sg_store_pre_key(uint32_t id, uint8_t *record, size_t len, void *user)
{
	return sg_table_store(&((struct sg_party *)user)->prekeys, id, record, len);
}

static int sg_contains_pre_key(uint32_t id, void *user)
{
	return sg_slot(&((struct sg_party *)user)->prekeys, id, false) != NULL;
}

static int sg_remove_pre_key(uint32_t id, void *user)
{
	return sg_table_remove(&((struct sg_party *)user)->prekeys, id);
}

static int sg_load_signed(signal_buffer **record, uint32_t id, void *user)
{
	return sg_table_load(&((struct sg_party *)user)->signed_prekeys, record, id);
}

static int sg_store_signed(uint32_t id, uint8_t *record, size_t len, void *user)
{
	return sg_table_store(&((struct sg_party *)user)->signed_prekeys, id, record, len);
}

static int sg_contains_signed(uint32_t id, void *user)
{
	return sg_slot(&((struct sg_party *)user)->signed_prekeys, id, false) != NULL;
}

static int sg_remove_signed(uint32_t id, void *user)
{
	return sg_table_remove(&((struct sg_party *)user)->signed_prekeys, id);
}

static int sg_identity_pair(signal_buffer **pub, signal_buffer **priv, void *user)
{
	struct sg_party *p = user;

	if (ec_public_key_serialize(pub, ratchet_identity_key_pair_get_public(p->identity)) != 0)
		return SG_ERR_NOMEM;
	if (ec_private_key_serialize(priv, ratchet_identity_key_pair_get_private(p->identity)) !=
	    0) {
		signal_buffer_free(*pub);
		*pub = NULL;
		return SG_ERR_NOMEM;
	}
	return 0;
}

static int sg_registration_id(void *user, uint32_t *id)
{
	*id = ((struct sg_party *)user)->reg_id;
	return 0;
}

static int sg_save_identity(const signal_protocol_address *address, uint8_t *key, size_t len,
                            void *user)
{
	(void)address;
	(void)key;
	(void)len;
	(void)user;
	return 0;
}

/* Both parties were set up by this program: every identity is trusted. */
static int sg_trusted(const signal_protocol_address *address, uint8_t *key, size_t len, void *user)
{
	(void)address;
	(void)key;
	(void)len;
	(void)user;
	return 1;
}

static void sg_party_init(struct sg_party *p, signal_context *g)
{
	const signal_protocol_session_store ss = { sg_load_session,
		                                   sg_sub_device_sessions,
		                                   sg_store_session,
		                                   sg_contains_session,
		                                   sg_delete_session,
		                                   sg_delete_all_sessions,
		                                   NULL,
		                                   p };
	const signal_protocol_pre_key_store pk = {
		sg_load_pre_key, sg_store_pre_key, sg_contains_pre_key, sg_remove_pre_key, NULL, p
	};
	const signal_protocol_signed_pre_key_store sk = {
		sg_load_signed, sg_store_signed, sg_contains_signed, sg_remove_signed, NULL, p
	};
	const signal_protocol_identity_key_store ik = {
		sg_identity_pair, sg_registration_id, sg_save_identity, sg_trusted, NULL, p
	};

	memset(p, 0, sizeof(*p));
	if (signal_protocol_key_helper_generate_identity_key_pair(&p->identity, g) != 0 ||
	    signal_protocol_key_helper_generate_registration_id(&p->reg_id, 0, g) != 0)
		die("signal identity", 0);
	if (signal_protocol_store_context_create(&p->store, g) != 0 ||
	    signal_protocol_store_context_set_session_store(p->store, &ss) != 0 ||
	    signal_protocol_store_context_set_pre_key_store(p->store, &pk) != 0 ||
	    signal_protocol_store_context_set_signed_pre_key_store(p->store, &sk) != 0 ||
	    signal_protocol_store_context_set_identity_key_store(p->store, &ik) != 0)
		die("signal store context", 0);
}

static void sg_party_free(struct sg_party *p)
{
	signal_protocol_store_context_destroy(p->store);
	SIGNAL_UNREF(p->identity);
	signal_buffer_bzero_free(p->session);
	sg_table_clear(&p->prekeys);
	sg_table_clear(&p->signed_prekeys);
}

/* ------------------------------------------------------------------------ */
/* Double Ratchet: the session and one message                               */
/* ------------------------------------------------------------------------ */

struct dratchet {
	struct sg_crypto crypto;
	signal_context *g;
	struct sg_party alice, bob;
	session_cipher *to_bob, *to_alice; /* Alice's cipher for Bob, Bob's for Alice */
};

static const signal_protocol_address alice_addr = { "alice", 5, 1 };
static const signal_protocol_address bob_addr = { "bob", 3, 1 };

/* Bob's pre key bundle (X3DH): one one-time pre key and a signed pre key, both id 1. */
static session_pre_key_bundle *sg_bob_bundle(struct dratchet *d)
{
	signal_protocol_key_helper_pre_key_list_node *list = NULL;
	session_signed_pre_key *spk = NULL;
	session_pre_key_bundle *bundle = NULL;
	session_pre_key *pk;

	if (signal_protocol_key_helper_generate_pre_keys(&list, 1, 1, d->g) != 0 ||
	    signal_protocol_key_helper_generate_signed_pre_key(&spk, d->bob.identity, 1, 0, d->g) !=
	            0)
		die("signal pre keys", 0);
	pk = signal_protocol_key_helper_key_list_element(list);
	if (signal_protocol_pre_key_store_key(d->bob.store, pk) != 0 ||
	    signal_protocol_signed_pre_key_store_key(d->bob.store, spk) != 0)
		die("signal store pre keys", 0);
	if (session_pre_key_bundle_create(
	            &bundle, d->bob.reg_id, 1, 1,
	            ec_key_pair_get_public(session_pre_key_get_key_pair(pk)), 1,
	            ec_key_pair_get_public(session_signed_pre_key_get_key_pair(spk)),
	            session_signed_pre_key_get_signature(spk),
	            session_signed_pre_key_get_signature_len(spk),
	            ratchet_identity_key_pair_get_public(d->bob.identity)) != 0)
		die("session_pre_key_bundle_create", 0);
	signal_protocol_key_helper_key_list_free(list);
	SIGNAL_UNREF(spk);
	return bundle;
}

/* One message from `from` to `to` (a signal_message; pre_key: the first, a pre_key_signal_message). */
static int sg_send(struct dratchet *d, session_cipher *from, session_cipher *to, bool pre_key)
{
	ciphertext_message *ct = NULL;
	signal_message *sm = NULL;
	pre_key_signal_message *pm = NULL;
	signal_buffer *pt = NULL, *ser;
	int rc;

	rc = session_cipher_encrypt(from, plaintext(), MSG_LEN, &ct);
	if (rc != 0) goto out;
	ser = ciphertext_message_get_serialized(ct);
	if (pre_key) {
		rc = pre_key_signal_message_deserialize(&pm, signal_buffer_data(ser),
		                                        signal_buffer_len(ser), d->g);
		if (rc == 0) rc = session_cipher_decrypt_pre_key_signal_message(to, pm, NULL, &pt);
	} else {
		rc = signal_message_deserialize(&sm, signal_buffer_data(ser),
		                                signal_buffer_len(ser), d->g);
		if (rc == 0) rc = session_cipher_decrypt_signal_message(to, sm, NULL, &pt);
	}
	if (rc == 0 && (signal_buffer_len(pt) != MSG_LEN ||
	                memcmp(signal_buffer_data(pt), plaintext(), MSG_LEN) != 0))
		rc = -1;
out:
	signal_buffer_bzero_free(pt);
	SIGNAL_UNREF(ct);
	SIGNAL_UNREF(sm);
	SIGNAL_UNREF(pm);
	return rc;
}

/* Alice starts the session from Bob's bundle; one message each way establishes it. */
static void dratchet_setup(struct dratchet *d)
{
	const signal_crypto_provider prov = { sg_random,        sg_hmac_init,    sg_hmac_update,
		                              sg_hmac_final,    sg_hmac_cleanup, sg_sha512_init,
		                              sg_sha512_update, sg_sha512_final, sg_sha512_cleanup,
		                              sg_encrypt,       sg_decrypt,      &d->crypto };
	session_builder *b = NULL;
	session_pre_key_bundle *bundle;
	int rc;

	memset(d, 0, sizeof(*d));
	sg_crypto_init(&d->crypto);
	if (signal_context_create(&d->g, NULL) != 0 ||
	    signal_context_set_crypto_provider(d->g, &prov) != 0)
		die("signal_context_create", 0);
	sg_party_init(&d->alice, d->g);
	sg_party_init(&d->bob, d->g);
	bundle = sg_bob_bundle(d);
	if ((rc = session_builder_create(&b, d->alice.store, &bob_addr, d->g)) != 0 ||
	    (rc = session_builder_process_pre_key_bundle(b, bundle)) != 0)
		die("session_builder", rc);
	session_builder_free(b);
	SIGNAL_UNREF(bundle);
	if (session_cipher_create(&d->to_bob, d->alice.store, &bob_addr, d->g) != 0 ||
	    session_cipher_create(&d->to_alice, d->bob.store, &alice_addr, d->g) != 0)
		die("session_cipher_create", 0);
	if ((rc = sg_send(d, d->to_bob, d->to_alice, true)) != 0) die("first message", rc);
	if ((rc = sg_send(d, d->to_alice, d->to_bob, false)) != 0) die("reply", rc);
}

static void dratchet_free(struct dratchet *d)
{
	session_cipher_free(d->to_bob);
	session_cipher_free(d->to_alice);
	sg_party_free(&d->alice);
	sg_party_free(&d->bob);
	signal_context_destroy(d->g);
	sg_crypto_free(&d->crypto);
}

/* Alice to Bob only: each message is one symmetric-chain step on each side. */
static int dratchet_op(void *state)
{
	struct dratchet *d = state;

	return sg_send(d, d->to_bob, d->to_alice, false);
}

/* Alice to Bob, then Bob to Alice: each message also makes a DH ratchet step. */
static int dratchet_pingpong_op(void *state)
{
	struct dratchet *d = state;
	int rc = sg_send(d, d->to_bob, d->to_alice, false);

	return rc != 0 ? rc : sg_send(d, d->to_alice, d->to_bob, false);
}
#endif

/* ------------------------------------------------------------------------ */
/* Timing                                                                    */
/* ------------------------------------------------------------------------ */

static double now_ns(clockid_t clock)
{
	struct timespec t;

	clock_gettime(clock, &t);
	return (double)t.tv_sec * 1e9 + (double)t.tv_nsec;
}

/* One batch into round r (r < RUNS; RUNS for a warm-up): ns per message. */
static void batch(struct impl *m, size_t r)
{
	double t0 = now_ns(CLOCK_MONOTONIC), c0 = now_ns(CLOCK_THREAD_CPUTIME_ID);
	double n = (double)(m->iters * m->msgs);
	size_t i;
	int rc;

	for (i = 0; i < m->iters; i++)
		if ((rc = m->op(m->state)) != 0) die(m->name, rc);
	if (r < RUNS) {
		m->ns[r] = (now_ns(CLOCK_MONOTONIC) - t0) / n;
		m->cpu[r] = (now_ns(CLOCK_THREAD_CPUTIME_ID) - c0) / n;
	}
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(const double *v)
{
	double s[RUNS];

	memcpy(s, v, sizeof(s));
	qsort(s, RUNS, sizeof(s[0]), cmp_double);
	return s[RUNS / 2];
}

/* Warm up, then RUNS rounds with one batch of each available implementation, order rotating. */
static void measure(struct impl *m, size_t n)
{
	size_t r, k, w;

	for (k = 0; k < n; k++)
		for (w = 0; m[k].missing == NULL && w < WARMUP; w++)
			batch(&m[k], RUNS);
	for (r = 0; r < RUNS; r++) {
		for (k = 0; k < n; k++) {
			struct impl *x = &m[(r + k) % n];

			if (x->missing == NULL) batch(x, r);
		}
	}
}

/* Median over the rounds of throughput(a) / throughput(b) = t(b) / t(a), wall or CPU. */
static double ratio(const struct impl *a, const struct impl *b, bool cpu)
{
	double q[RUNS];
	size_t r;

	for (r = 0; r < RUNS; r++)
		q[r] = cpu ? b->cpu[r] / a->cpu[r] : b->ns[r] / a->ns[r];
	return median(q);
}

static void print_rows(const struct impl *m, size_t n)
{
	size_t k;

	printf("%-52s %10s %10s %10s\n", "implementation (256 B, encrypt + decrypt)", "msgs/s",
	       "us/msg", "CPU us/msg");
	for (k = 0; k < n; k++) {
		double ns, cpu;

		if (m[k].missing != NULL) {
			printf("%-52s not available: %s\n", m[k].name, m[k].missing);
			continue;
		}
		ns = median(m[k].ns);
		cpu = median(m[k].cpu);
		printf("%-52s %10.0f %10.1f %10.1f\n", m[k].name, 1e9 / ns, ns / 1e3, cpu / 1e3);
	}
}

/* Every ours/reference pair, and the target: ours at least as fast as Megolm (on CPU time). */
static void print_ratios(const struct impl *m, size_t n_ours, size_t n)
{
	size_t i, j;

	printf("\nratio = median per-round throughput ours / reference (above 1: ours faster), "
	       "on wall and on thread CPU time\n");
	for (i = 0; i < n_ours; i++) {
		for (j = n_ours; j < n; j++) {
			double q, qc;

			if (m[i].missing != NULL || m[j].missing != NULL) continue;
			q = ratio(&m[i], &m[j], false);
			qc = ratio(&m[i], &m[j], true);
			printf("  %-11s / %-27s wall %5.2f  CPU %5.2f", m[i].tag, m[j].tag, q, qc);
			if (j == n_ours)
				printf("   target >= 1.00: %s", qc >= 1.0 ? "PASS" : "MISS");
			printf("\n");
		}
	}
	if (m[n_ours].missing != NULL)
		printf("  target (ours at least as fast as Megolm): not evaluated, Megolm not "
		       "available\n");
}

int main(void)
{
	struct impl m[5] = {
		{ .name = "MLS suite 1 (X25519, AES-128-GCM, Ed25519)",
		  .tag = "MLS suite 1",
		  .iters = 20,
		  .msgs = 1 },
		{ .name = "MLS suite 3 (X25519, ChaCha20-Poly1305, Ed25519)",
		  .tag = "MLS suite 3",
		  .iters = 20,
		  .msgs = 1 },
		{ .name = "Megolm (libolm)", .tag = "Megolm", .iters = 20, .msgs = 1 },
		{ .name = "Double Ratchet (libsignal-protocol-c), one way",
		  .tag = "Double Ratchet, one way",
		  .iters = 20,
		  .msgs = 1 },
		{ .name = "Double Ratchet (libsignal-protocol-c), alternating",
		  .tag = "Double Ratchet, alternating",
		  .iters = 10,
		  .msgs = 2 },
	};
	const size_t n_ours = 2, n = 5;
	struct mls_pair s1, s3;
#if HAVE_OLM
	struct megolm mg;
#endif
#if HAVE_SIGNAL
	struct dratchet dr;
#endif

	mls_pair_setup(&s1, KENH_MLS_SUITE_X25519_AES128GCM_ED25519);
	mls_pair_setup(&s3, KENH_MLS_SUITE_X25519_CHACHA20POLY1305_ED25519);
	m[0].op = m[1].op = mls_op;
	m[0].state = &s1;
	m[1].state = &s3;
#if HAVE_OLM
	megolm_setup(&mg);
	m[2].op = megolm_op;
	m[2].state = &mg;
#else
	m[2].missing = "libolm-dev not installed (bench/run-mls.sh installs it)";
#endif
#if HAVE_SIGNAL
	dratchet_setup(&dr);
	m[3].op = dratchet_op;
	m[4].op = dratchet_pingpong_op;
	m[3].state = m[4].state = &dr;
#else
	m[3].missing = m[4].missing =
	        "libsignal-protocol-c-dev not installed (bench/run-mls.sh installs it)";
#endif
	printf("bench_mls_app: %s; %d rounds, batches of 20 messages, medians\n",
	       OpenSSL_version(OPENSSL_VERSION), RUNS);
#if HAVE_OLM
	{
		uint8_t major = 0, minor = 0, patch = 0;

		olm_get_library_version(&major, &minor, &patch);
		printf("libolm %u.%u.%u\n", major, minor, patch);
	}
#endif
	measure(m, n);
	print_rows(m, n);
	print_ratios(m, n_ours, n);
	mls_pair_free(&s1);
	mls_pair_free(&s3);
#if HAVE_OLM
	megolm_free(&mg);
#endif
#if HAVE_SIGNAL
	dratchet_free(&dr);
#endif
	return 0;
}
