/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Unit tests for the RFC 9420 wire codecs (lib/mls/wire_*.c), STYLE R17.1
 * and R17.5: on real messages from mls/messages.json, truncation at every
 * byte, one trailing byte, bytes inside a nested vector that do not form
 * an element, a presence byte of 2, a non-minimal varint, a length over
 * its limit; counts one over each list limit; every enum out of range;
 * unknown extension and credential types kept opaque; PrivateMessageContent
 * padding; the TBS/TBM/AAD encoders; GroupContext against
 * key-schedule.json; every tree of tree-validation.json; allocation
 * failure at every step of decoding a large tree and a Welcome, and the
 * heap a decoder takes for hostile inputs of many tiny elements against
 * LIMIT_DECODE_RATIO (fault injection builds). Tests that need the vector files skip, saying so,
 * when KENH_VECTORS does not point at them.
 */
#include "mls/mls_wire.h"

#include "util/compat.h"

#include <setjmp.h>
#include <stdarg.h>
#include <unistd.h>

#include <cmocka.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "testutil.h"
#include "util/mem.h"

/* ---------------------------------------------------------------- fixture */

struct fixture {
	json_t *messages; /* mls/messages.json */
	json_t *trees;    /* mls/tree-validation.json (may be NULL) */
	json_t *keysched; /* mls/key-schedule.json (may be NULL) */
};

static json_t *load_vectors(const char *name)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/mls/%s", tu_vectors_dir(), name);
	if (access(path, R_OK) != 0) return NULL;
	return tu_json_load(path);
}

static int setup(void **state)
{
	struct fixture *f = NULL;

	if (mem_calloc(1, sizeof(*f), (void **)&f) != 0) return -1;
	f->messages = load_vectors("messages.json");
	f->trees = load_vectors("tree-validation.json");
	f->keysched = load_vectors("key-schedule.json");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	json_decref(f->messages);
	json_decref(f->trees);
	json_decref(f->keysched);
	mem_free(f);
	return 0;
}

/* The messages.json root, or skip the test with a message. */
static const json_t *need(const json_t *j, const char *name)
{
	if (j == NULL) {
		print_message("mls/%s not found under %s (set KENH_VECTORS): test skipped\n", name,
		              tu_vectors_dir());
		skip();
	}
	return j;
}

/* Hex field key of messages.json case i, decoded into out. */
static void case_field(const json_t *messages, size_t i, const char *key, struct tu_bytes *out)
{
	assert_true(tu_json_hex(json_array_get(messages, i), key, out));
}

/* ---------------------------------------------------------------- helpers */

/* Decoders over a whole buffer, with the end checked, for a type picked by name. */
enum kind {
	K_MESSAGE,
	K_TREE,
	K_COMMIT,
	K_GROUP_SECRETS,
	K_GCE,
	K_UPDATE_PATH,
};

/*
 * The nodes of a decoded ratchet_tree, one by one through the node codecs
 * (the tree's own encoder writes back the bytes it checked).
 */
static void tree_nodes_round_trip(const struct mls_ratchet_tree *t)
{
	struct mls_optional_node on;
	struct codec_reader r;
	struct codec_writer w;
	size_t i, present = 0;

	codec_reader_init(&r, t->nodes.p, t->nodes.len);
	codec_writer_init(&w, LIMIT_RATCHET_TREE, CODEC_WRITER_NORMAL);
	for (i = 0; i < t->count; i++) {
		assert_int_equal(mls_decode_optional_node(&r, &on), 0);
		assert_int_equal(mls_encode_optional_node(&w, &on), 0);
		if (on.present) present++;
		mls_optional_node_clear(&on);
	}
	assert_int_equal(codec_reader_done(&r), 0);
	assert_int_equal(present, t->n_present);
	assert_true(tu_bytes_eq("tree nodes", w.buf, w.len, t->nodes.p, t->nodes.len));
	codec_writer_clear(&w);
}

/*
 * Decode buf/len as k and re-encode it: into a real writer when compare is
 * set (the bytes must match), else into a measure writer that allocates
 * nothing (the length must match; for fault injection). Returns the
 * decode error, 0 when the value round-trips.
 */
static int roundtrip(enum kind k, const uint8_t *buf, size_t len, bool compare)
{
	union {
		struct mls_message m;
		struct mls_ratchet_tree t;
		struct mls_commit c;
		struct mls_group_secrets gs;
		struct mls_group_context_extensions gce;
		struct mls_update_path up;
	} u;
	struct codec_reader r;
	struct codec_writer w;
	int rc = 0, erc = 0;

	memset(&u, 0xa5, sizeof(u)); /* the decoder must clear it */
	codec_reader_init(&r, buf, len);
	codec_writer_init(&w, LIMIT_RATCHET_TREE,
	                  compare ? CODEC_WRITER_NORMAL : CODEC_WRITER_MEASURE);
	switch (k) {
	case K_MESSAGE:
		if ((rc = mls_message_parse(buf, len, &u.m)) == 0)
			erc = mls_encode_message(&w, &u.m);
		mls_message_clear(&u.m);
		break;
	case K_TREE:
		if ((rc = mls_decode_ratchet_tree(&r, &u.t)) == 0) {
			erc = mls_encode_ratchet_tree(&w, &u.t);
			if (compare) tree_nodes_round_trip(&u.t);
		}
		break;
	case K_COMMIT:
		if ((rc = mls_decode_commit(&r, &u.c)) == 0) erc = mls_encode_commit(&w, &u.c);
		mls_commit_clear(&u.c);
		break;
	case K_GROUP_SECRETS:
		if ((rc = mls_decode_group_secrets(&r, &u.gs)) == 0)
			erc = mls_encode_group_secrets(&w, &u.gs);
		mls_group_secrets_clear(&u.gs);
		break;
	case K_GCE:
		if ((rc = mls_decode_group_context_extensions(&r, &u.gce)) == 0)
			erc = mls_encode_group_context_extensions(&w, &u.gce);
		mls_group_context_extensions_clear(&u.gce);
		break;
	case K_UPDATE_PATH:
		if ((rc = mls_decode_update_path(&r, &u.up)) == 0)
			erc = mls_encode_update_path(&w, &u.up);
		mls_update_path_clear(&u.up);
		break;
	}
	if (rc == 0 && k != K_MESSAGE) rc = codec_reader_done(&r);
	if (rc == 0) {
		assert_int_equal(erc, 0);
		assert_int_equal(codec_writer_len(&w), len);
		if (compare) assert_true(tu_bytes_eq("re-encoding", w.buf, w.len, buf, len));
	}
	codec_writer_clear(&w);
	return rc;
}

static int decode_kind(enum kind k, const uint8_t *buf, size_t len)
{
	return roundtrip(k, buf, len, true);
}

/* The bytes of buf with [off, off+cut) replaced by ins/inslen; *out is test-owned. */
static void splice(const uint8_t *buf, size_t len, size_t off, size_t cut, const uint8_t *ins,
                   size_t inslen, struct tu_bytes *out)
{
	assert_true(off + cut <= len);
	assert_int_equal(mem_alloc(len - cut + inslen, (void **)&out->p), 0);
	memcpy(out->p, buf, off);
	if (inslen) memcpy(out->p + off, ins, inslen);
	memcpy(out->p + off + inslen, buf + off + cut, len - off - cut);
	out->len = len - cut + inslen;
}

/* Length of the varint at p and its value (the input is known well-formed). */
static size_t varint_at(const uint8_t *p, uint32_t *v)
{
	struct codec_reader r;

	codec_reader_init(&r, p, 4);
	assert_int_equal(codec_read_varint(&r, v), 0);
	return r.off;
}

/* The minimal varint for v in out[4]; returns its length. */
static size_t varint_put(uint32_t v, uint8_t out[4])
{
	struct codec_writer w;
	size_t n;

	codec_writer_init(&w, 4, CODEC_WRITER_NORMAL);
	assert_int_equal(codec_write_varint(&w, v), 0);
	n = w.len;
	memcpy(out, w.buf, n);
	codec_writer_clear(&w);
	return n;
}

/*
 * The vector whose prefix is at off, with one extra byte b appended to its
 * body (and its prefix rewritten to match).
 */
static void grow_vector(const uint8_t *buf, size_t len, size_t off, uint8_t b, struct tu_bytes *out)
{
	uint8_t pre[4];
	uint32_t body;
	size_t plen = varint_at(buf + off, &body), npre = varint_put(body + 1, pre);
	struct tu_bytes tmp = { NULL, 0 };

	splice(buf, len, off + plen + body, 0, &b, 1, &tmp);
	splice(tmp.p, tmp.len, off, plen, pre, npre, out);
	tu_bytes_free(&tmp);
}

static bool all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != 0) return false;
	return true;
}

/* ---------------------------------------------------------- round trips */

static const char *const wrapped_fields[] = {
	"mls_welcome",
	"mls_group_info",
	"mls_key_package",
	"public_message_application",
	"public_message_proposal",
	"public_message_commit",
	"private_message",
};

static void test_mls_wire_messages_round_trip(void **state)
{
	const struct fixture *f = *state;
	const json_t *m = need(f->messages, "messages.json");
	struct codec_writer mw;
	struct mls_message msg;
	struct tu_bytes b;
	size_t i, k;

	for (i = 0; i < json_array_size(m); i += 50) {
		for (k = 0; k < ARRAY_LEN(wrapped_fields); k++) {
			case_field(m, i, wrapped_fields[k], &b);
			assert_int_equal(decode_kind(K_MESSAGE, b.p, b.len), 0);
			/* Measure mode counts exactly what a real encode writes. */
			assert_int_equal(mls_message_parse(b.p, b.len, &msg), 0);
			codec_writer_init(&mw, LIMIT_MLS_MESSAGE, CODEC_WRITER_MEASURE);
			assert_int_equal(mls_encode_message(&mw, &msg), 0);
			assert_int_equal(codec_writer_len(&mw), b.len);
			codec_writer_clear(&mw);
			mls_message_clear(&msg);
			assert_true(all_zero(&msg, sizeof(msg)));
			tu_bytes_free(&b);
		}
	}
}

/* ------------------------------------------------------------- negatives */

/* Every proper prefix of buf must fail as truncated, from an exact-size copy (ASan sees overreads). */
static void check_truncations(enum kind k, const struct tu_bytes *b)
{
	uint8_t *copy = NULL;
	size_t n;

	for (n = 0; n < b->len; n++) {
		assert_int_equal(mem_dup(b->p, n, &copy), 0);
		if (decode_kind(k, copy, n) != KENH_E_TRUNCATED)
			fail_msg("prefix %zu/%zu", n, b->len);
		mem_free(copy);
	}
}

static void test_mls_wire_truncated_every_byte(void **state)
{
	const struct fixture *f = *state;
	const json_t *m = need(f->messages, "messages.json");
	struct tu_bytes b;
	size_t k;

	for (k = 0; k < ARRAY_LEN(wrapped_fields); k++) {
		case_field(m, 0, wrapped_fields[k], &b);
		check_truncations(K_MESSAGE, &b);
		tu_bytes_free(&b);
	}
	case_field(m, 1, "ratchet_tree", &b);
	check_truncations(K_TREE, &b);
	tu_bytes_free(&b);
	case_field(m, 2, "commit", &b);
	check_truncations(K_COMMIT, &b);
	tu_bytes_free(&b);
	case_field(m, 3, "group_secrets", &b);
	check_truncations(K_GROUP_SECRETS, &b);
	tu_bytes_free(&b);
}

static void test_mls_wire_trailing_byte(void **state)
{
	const struct fixture *f = *state;
	const json_t *m = need(f->messages, "messages.json");
	static const uint8_t zero = 0;
	struct tu_bytes b, t;
	size_t k;

	for (k = 0; k < ARRAY_LEN(wrapped_fields); k++) {
		case_field(m, 0, wrapped_fields[k], &b);
		splice(b.p, b.len, b.len, 0, &zero, 1, &t);
		assert_int_equal(decode_kind(K_MESSAGE, t.p, t.len), KENH_E_TRAILING);
		tu_bytes_free(&t);
		tu_bytes_free(&b);
	}
	case_field(m, 0, "ratchet_tree", &b);
	splice(b.p, b.len, b.len, 0, &zero, 1, &t);
	assert_int_equal(decode_kind(K_TREE, t.p, t.len), KENH_E_TRAILING);
	tu_bytes_free(&t);
	tu_bytes_free(&b);
}

/* A byte inside a nested vector that does not make a whole element. */
static void test_mls_wire_nested_vector_leftover(void **state)
{
	const struct fixture *f = *state;
	const json_t *m = need(f->messages, "messages.json");
	struct tu_bytes b, t;

	/* Commit.proposals: a lone ProposalOrRef type byte. */
	case_field(m, 0, "commit", &b);
	grow_vector(b.p, b.len, 0, 0x01, &t);
	assert_int_equal(decode_kind(K_COMMIT, t.p, t.len), KENH_E_PARSE);
	tu_bytes_free(&t);
	tu_bytes_free(&b);
	/* ratchet_tree: a presence byte 1 with no node after it. */
	case_field(m, 0, "ratchet_tree", &b);
	grow_vector(b.p, b.len, 0, 0x01, &t);
	assert_int_equal(decode_kind(K_TREE, t.p, t.len), KENH_E_PARSE);
	tu_bytes_free(&t);
	tu_bytes_free(&b);
	/* GroupContextExtensions: one byte of an extension type. */
	case_field(m, 0, "group_context_extensions_proposal", &b);
	grow_vector(b.p, b.len, 0, 0x00, &t);
	assert_int_equal(decode_kind(K_GCE, t.p, t.len), KENH_E_PARSE);
	tu_bytes_free(&t);
	tu_bytes_free(&b);
}

static void test_mls_wire_presence_byte_two(void **state)
{
	const struct fixture *f = *state;
	const json_t *m = need(f->messages, "messages.json");
	static const uint8_t two = 2;
	struct tu_bytes b, t;
	uint32_t v;
	size_t off;

	/* Commit: optional<UpdatePath> follows the proposals vector. */
	case_field(m, 0, "commit", &b);
	off = varint_at(b.p, &v) + v;
	assert_true(b.p[off] <= 1);
	splice(b.p, b.len, off, 1, &two, 1, &t);
	assert_int_equal(decode_kind(K_COMMIT, t.p, t.len), KENH_E_PARSE);
	tu_bytes_free(&t);
	tu_bytes_free(&b);
	/* GroupSecrets: optional<PathSecret> follows joiner_secret. */
	case_field(m, 0, "group_secrets", &b);
	off = varint_at(b.p, &v) + v;
	splice(b.p, b.len, off, 1, &two, 1, &t);
	assert_int_equal(decode_kind(K_GROUP_SECRETS, t.p, t.len), KENH_E_PARSE);
	tu_bytes_free(&t);
	tu_bytes_free(&b);
	/* ratchet_tree: the first optional<Node>. */
	case_field(m, 0, "ratchet_tree", &b);
	off = varint_at(b.p, &v);
	splice(b.p, b.len, off, 1, &two, 1, &t);
	assert_int_equal(decode_kind(K_TREE, t.p, t.len), KENH_E_PARSE);
	tu_bytes_free(&t);
	tu_bytes_free(&b);
}

/* PublicMessage: version(2) wire_format(2) then group_id<V>. */
#define PUBLIC_GROUP_ID_OFF 4

static void test_mls_wire_length_over_limit(void **state)
{
	const struct fixture *f = *state;
	const json_t *m = need(f->messages, "messages.json");
	uint8_t pre[4];
	struct tu_bytes b, t;
	uint32_t v;
	size_t plen, n;

	case_field(m, 0, "public_message_application", &b);
	plen = varint_at(b.p + PUBLIC_GROUP_ID_OFF, &v);
	/* One over LIMIT_GROUP_ID is refused before the bytes are looked for. */
	n = varint_put(LIMIT_GROUP_ID + 1, pre);
	splice(b.p, b.len, PUBLIC_GROUP_ID_OFF, plen, pre, n, &t);
	assert_int_equal(decode_kind(K_MESSAGE, t.p, t.len), KENH_E_TOO_LARGE);
	tu_bytes_free(&t);
	/* The same length, non-minimally encoded in two bytes, is malformed. */
	pre[0] = (uint8_t)(0x40 | (v >> 8));
	pre[1] = (uint8_t)v;
	splice(b.p, b.len, PUBLIC_GROUP_ID_OFF, plen, pre, 2, &t);
	assert_int_equal(decode_kind(K_MESSAGE, t.p, t.len), KENH_E_PARSE);
	tu_bytes_free(&t);
	tu_bytes_free(&b);
	/* A ratchet tree claiming one byte over LIMIT_RATCHET_TREE. */
	case_field(m, 0, "ratchet_tree", &b);
	plen = varint_at(b.p, &v);
	n = varint_put(LIMIT_RATCHET_TREE + 1, pre);
	splice(b.p, b.len, 0, plen, pre, n, &t);
	assert_int_equal(decode_kind(K_TREE, t.p, t.len), KENH_E_TOO_LARGE);
	tu_bytes_free(&t);
	tu_bytes_free(&b);
}

/* n copies of elem (elen bytes) as a vector<V> body with its prefix. */
static void repeat_vector(const uint8_t *elem, size_t elen, size_t n, struct tu_bytes *out)
{
	struct codec_writer w;
	size_t mark = 0, i;

	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	assert_int_equal(codec_write_vector_begin(&w, &mark), 0);
	for (i = 0; i < n; i++)
		assert_int_equal(codec_write_bytes(&w, elem, elen), 0);
	assert_int_equal(codec_write_vector_end(&w, mark), 0);
	assert_int_equal(codec_writer_finish(&w, &out->p, &out->len), 0);
}

static int decode_ext_list(const struct tu_bytes *b)
{
	struct mls_extension_list l;
	struct codec_reader r;
	int rc;

	codec_reader_init(&r, b->p, b->len);
	rc = mls_decode_extension_list(&r, &l);
	mls_extension_list_clear(&l);
	return rc ? rc : codec_reader_done(&r);
}

static int decode_u16s(const struct tu_bytes *b)
{
	struct mls_u16_list l;
	struct codec_reader r;
	int rc;

	codec_reader_init(&r, b->p, b->len);
	rc = mls_decode_u16_list(&r, &l);
	mls_u16_list_clear(&l);
	return rc ? rc : codec_reader_done(&r);
}

/* An x509 credential with n one-byte certificates. */
static int decode_x509(size_t n)
{
	static const uint8_t cert[] = { 0x01, 0x30 };
	struct mls_credential c;
	struct codec_reader r;
	struct tu_bytes body, t;
	static const uint8_t type[] = { 0x00, 0x02 };
	int rc;

	repeat_vector(cert, sizeof(cert), n, &body);
	splice(body.p, body.len, 0, 0, type, sizeof(type), &t);
	codec_reader_init(&r, t.p, t.len);
	rc = mls_decode_credential(&r, &c);
	if (rc == 0) assert_int_equal(c.n_certificates, n);
	mls_credential_clear(&c);
	tu_bytes_free(&t);
	tu_bytes_free(&body);
	return rc ? rc : codec_reader_done(&r);
}

static void test_mls_wire_count_over_limit(void **state)
{
	static const uint8_t ext[] = { 0x0a, 0x0a, 0x00 }; /* GREASE type, empty data */
	static const uint8_t cs[] = { 0x00, 0x01 };
	struct tu_bytes b;

	(void)state;
	repeat_vector(ext, sizeof(ext), LIMIT_EXTENSIONS, &b);
	assert_int_equal(decode_ext_list(&b), 0);
	tu_bytes_free(&b);
	repeat_vector(ext, sizeof(ext), LIMIT_EXTENSIONS + 1, &b);
	assert_int_equal(decode_ext_list(&b), KENH_E_TOO_LARGE);
	tu_bytes_free(&b);
	repeat_vector(cs, sizeof(cs), LIMIT_CAPABILITY_LIST, &b);
	assert_int_equal(decode_u16s(&b), 0);
	tu_bytes_free(&b);
	repeat_vector(cs, sizeof(cs), LIMIT_CAPABILITY_LIST + 1, &b);
	assert_int_equal(decode_u16s(&b), KENH_E_TOO_LARGE);
	tu_bytes_free(&b);
	assert_int_equal(decode_x509(LIMIT_CERT_CHAIN), 0);
	assert_int_equal(decode_x509(LIMIT_CERT_CHAIN + 1), KENH_E_TOO_LARGE);
}

/* Decode a hand-made MLSMessage; returns the error. */
static int parse_bytes(const uint8_t *p, size_t n)
{
	struct mls_message msg;
	int rc = mls_message_parse(p, n, &msg);

	mls_message_clear(&msg);
	return rc;
}

static int parse_proposal(const uint8_t *p, size_t n)
{
	struct mls_proposal prop;
	struct codec_reader r;
	int rc;

	codec_reader_init(&r, p, n);
	rc = mls_decode_proposal(&r, &prop);
	mls_proposal_clear(&prop);
	return rc ? rc : codec_reader_done(&r);
}

static int parse_sender(const uint8_t *p, size_t n)
{
	struct mls_sender s;
	struct codec_reader r;
	int rc;

	codec_reader_init(&r, p, n);
	rc = mls_decode_sender(&r, &s);
	return rc ? rc : codec_reader_done(&r);
}

static int parse_psk_id(const uint8_t *p, size_t n)
{
	struct mls_pre_shared_key_id id;
	struct codec_reader r;
	int rc;

	codec_reader_init(&r, p, n);
	rc = mls_decode_pre_shared_key_id(&r, &id);
	return rc ? rc : codec_reader_done(&r);
}

static int parse_tree(const uint8_t *p, size_t n)
{
	struct mls_ratchet_tree t;
	struct codec_reader r;
	int rc;

	codec_reader_init(&r, p, n);
	rc = mls_decode_ratchet_tree(&r, &t);
	return rc ? rc : codec_reader_done(&r);
}

static void test_mls_wire_enums_out_of_range(void **state)
{
	/* MLSMessage: version 1, wire formats 0 and 6; version 2. */
	static const uint8_t wf0[] = { 0x00, 0x01, 0x00, 0x00, 0x00 };
	static const uint8_t wf6[] = { 0x00, 0x01, 0x00, 0x06, 0x00 };
	static const uint8_t v2[] = { 0x00, 0x02, 0x00, 0x01, 0x00 };
	/* GroupContextExtensions (7) is fine; 8, 0 and GREASE 0x0A0A are not. */
	static const uint8_t p7[] = { 0x00, 0x07, 0x00 };
	static const uint8_t p8[] = { 0x00, 0x08, 0x00 };
	static const uint8_t p0[] = { 0x00, 0x00, 0x00 };
	static const uint8_t pg[] = { 0x0a, 0x0a, 0x00 };
	/* Sender: member (1) with leaf 0; types 0 and 5. */
	static const uint8_t s1[] = { 0x01, 0x00, 0x00, 0x00, 0x00 };
	static const uint8_t s0[] = { 0x00 };
	static const uint8_t s5[] = { 0x05 };
	/* PreSharedKeyID: external with empty id and nonce; psktype 3; usage 4. */
	static const uint8_t k1[] = { 0x01, 0x00, 0x00 };
	static const uint8_t k3[] = { 0x03, 0x00, 0x00 };
	static const uint8_t u4[] = { 0x02, 0x04, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x00 };
	/* Trees of one present node of type 3, and a leaf of source 4. */
	static const uint8_t n3[] = { 0x02, 0x01, 0x03 };
	static const uint8_t l4[] = { 0x0d, 0x01, 0x01, 0x00, 0x00, 0x00, 0x01,
		                      0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x04 };
	/* A PrivateMessage with content type 4. */
	static const uint8_t c4[] = { 0x00, 0x01, 0x00, 0x02, 0x00, 0,    0,    0,   0,
		                      0,    0,    0,    0,    0x04, 0x00, 0x00, 0x00 };

	(void)state;
	assert_int_equal(parse_bytes(wf0, sizeof(wf0)), KENH_E_PARSE);
	assert_int_equal(parse_bytes(wf6, sizeof(wf6)), KENH_E_PARSE);
	assert_int_equal(parse_bytes(v2, sizeof(v2)), KENH_E_UNSUPPORTED);
	assert_int_equal(parse_proposal(p7, sizeof(p7)), 0);
	assert_int_equal(parse_proposal(p8, sizeof(p8)), KENH_E_PARSE);
	assert_int_equal(parse_proposal(p0, sizeof(p0)), KENH_E_PARSE);
	assert_int_equal(parse_proposal(pg, sizeof(pg)), KENH_E_PARSE);
	assert_int_equal(parse_sender(s1, sizeof(s1)), 0);
	assert_int_equal(parse_sender(s0, sizeof(s0)), KENH_E_PARSE);
	assert_int_equal(parse_sender(s5, sizeof(s5)), KENH_E_PARSE);
	assert_int_equal(parse_psk_id(k1, sizeof(k1)), 0);
	assert_int_equal(parse_psk_id(k3, sizeof(k3)), KENH_E_PARSE);
	assert_int_equal(parse_psk_id(u4, sizeof(u4)), KENH_E_PARSE);
	assert_int_equal(parse_tree(n3, sizeof(n3)), KENH_E_PARSE);
	assert_int_equal(parse_tree(l4, sizeof(l4)), KENH_E_PARSE);
	assert_int_equal(parse_bytes(c4, sizeof(c4)), KENH_E_PARSE);
}

/* ------------------------------------------------------ opaque unknowns */

static void test_mls_wire_unknown_types_opaque(void **state)
{
	static const uint8_t key[] = { 1, 2, 3 }, body[] = { 9, 8, 7, 6 }, data[] = { 0x55 };
	uint16_t caps[] = { 0x2a2a, 1 };
	struct mls_extension ext = { 0x1a1a, { data, sizeof(data) } };
	struct mls_leaf_node ln, back;
	struct codec_writer w1, w2;
	struct codec_reader r;

	(void)state;
	memset(&ln, 0, sizeof(ln));
	ln.encryption_key = span_make(key, sizeof(key));
	ln.signature_key = span_make(key, sizeof(key));
	ln.credential.credential_type = 0x0a0a; /* GREASE: body kept as one opaque */
	ln.credential.other = span_make(body, sizeof(body));
	ln.capabilities.cipher_suites.items = caps;
	ln.capabilities.cipher_suites.count = ARRAY_LEN(caps);
	ln.leaf_node_source = MLS_LEAF_SOURCE_UPDATE;
	ln.extensions.items = &ext;
	ln.extensions.count = 1;
	ln.signature = span_make(key, 2);
	codec_writer_init(&w1, 1024, CODEC_WRITER_NORMAL);
	codec_writer_init(&w2, 1024, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_leaf_node(&w1, &ln), 0);
	codec_reader_init(&r, w1.buf, w1.len);
	assert_int_equal(mls_decode_leaf_node(&r, &back), 0);
	assert_int_equal(codec_reader_done(&r), 0);
	assert_int_equal(back.credential.credential_type, 0x0a0a);
	assert_memory_equal(back.credential.other.p, body, sizeof(body));
	assert_int_equal(back.extensions.items[0].extension_type, 0x1a1a);
	assert_int_equal(back.capabilities.cipher_suites.items[0], 0x2a2a);
	assert_int_equal(mls_encode_leaf_node(&w2, &back), 0);
	assert_true(tu_bytes_eq("leaf", w2.buf, w2.len, w1.buf, w1.len));
	mls_leaf_node_clear(&back);
	assert_true(all_zero(&back, sizeof(back)));
	codec_writer_clear(&w1);
	codec_writer_clear(&w2);
}

/* -------------------------------------------------- private content */

static int decode_pmc(const uint8_t *p, size_t n, enum mls_content_type ct,
                      struct mls_private_message_content *out)
{
	struct codec_reader r;

	codec_reader_init(&r, p, n);
	return mls_decode_private_message_content(&r, ct, out);
}

static void test_mls_wire_private_content_padding(void **state)
{
	static const uint8_t app[] = "hello", sig[] = { 0xaa, 0xbb }, tag[] = { 0xcc };
	struct mls_private_message_content pmc, back;
	struct codec_writer w;
	uint8_t *buf = NULL;
	size_t len = 0;

	(void)state;
	memset(&pmc, 0, sizeof(pmc));
	pmc.content_type = MLS_CONTENT_APPLICATION;
	pmc.application_data = span_make(app, 5);
	pmc.auth.signature = span_make(sig, sizeof(sig));
	pmc.auth.confirmation_tag = span_make(tag, sizeof(tag)); /* not sent for application */
	pmc.padding_len = 100;
	codec_writer_init(&w, 1024, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_private_message_content(&w, &pmc), 0);
	assert_int_equal(codec_writer_finish(&w, &buf, &len), 0);
	assert_int_equal(len, 1 + 5 + 1 + 2 + 100);
	assert_int_equal(decode_pmc(buf, len, MLS_CONTENT_APPLICATION, &back), 0);
	assert_int_equal(back.padding_len, 100);
	assert_int_equal(back.auth.confirmation_tag.len, 0);
	mls_private_message_content_clear(&back);
	/* RFC 9420 §6.3.1: one non-zero padding byte makes it malformed. */
	buf[len - 37] = 0x01;
	assert_int_equal(decode_pmc(buf, len, MLS_CONTENT_APPLICATION, &back), KENH_E_PARSE);
	assert_true(all_zero(&back, sizeof(back)));
	/* Read as commit content, the same bytes are not a Commit. */
	buf[len - 37] = 0x00;
	assert_int_not_equal(decode_pmc(buf, len, MLS_CONTENT_COMMIT, &back), 0);
	mem_free(buf);
}

/* ---------------------------------------------------------- TBS encoders */

/* Encoded size of an opaque<V> holding s. */
static size_t opaque_len(struct kenh_span s)
{
	uint8_t pre[4];

	return varint_put((uint32_t)s.len, pre) + s.len;
}

/* The FramedContent of pm, encoded into a test-owned buffer. */
static void encode_public(const struct mls_public_message *pm, struct tu_bytes *out)
{
	struct codec_writer w;

	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_framed_content(&w, &pm->content), 0);
	assert_int_equal(codec_writer_finish(&w, &out->p, &out->len), 0);
}

static void test_mls_wire_framed_content_tbs(void **state)
{
	const struct fixture *f = *state;
	const json_t *m = need(f->messages, "messages.json");
	static const uint8_t gid[] = { 7 };
	struct mls_group_context gc;
	struct mls_message msg;
	struct codec_writer w, g;
	struct tu_bytes b, fc;

	memset(&gc, 0, sizeof(gc));
	gc.version = MLS_VERSION_MLS10;
	gc.cipher_suite = 1;
	gc.group_id = span_make(gid, 1);
	case_field(m, 0, "public_message_commit", &b);
	assert_int_equal(mls_message_parse(b.p, b.len, &msg), 0);
	encode_public(&msg.u.public_message, &fc);
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	codec_writer_init(&g, 1024, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_group_context(&g, &gc), 0);
	msg.u.public_message.content.sender.sender_type = MLS_SENDER_MEMBER;
	/* A member's content is signed with the GroupContext: it is required. */
	assert_int_equal(mls_encode_framed_content_tbs(&w, MLS_WIRE_FORMAT_PUBLIC_MESSAGE,
	                                               &msg.u.public_message.content, NULL),
	                 KENH_E_INVALID_ARG);
	assert_int_equal(mls_encode_framed_content_tbs(&w, MLS_WIRE_FORMAT_PUBLIC_MESSAGE,
	                                               &msg.u.public_message.content, &gc),
	                 0);
	assert_int_equal(w.len, 4 + fc.len + g.len);
	assert_memory_equal(w.buf, "\x00\x01\x00\x01", 4);
	assert_memory_equal(w.buf + 4 + fc.len, g.buf, g.len);
	/* The TBM is the TBS followed by the auth data (signature and tag for a commit). */
	codec_writer_clear(&w);
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_authenticated_content_tbm(&w, &msg.u.public_message.content,
	                                                      &msg.u.public_message.auth, &gc),
	                 0);
	assert_int_equal(w.len, 4 + fc.len + g.len +
	                                opaque_len(msg.u.public_message.auth.signature) +
	                                opaque_len(msg.u.public_message.auth.confirmation_tag));
	/* An external sender's TBS has no GroupContext. */
	msg.u.public_message.content.sender.sender_type = MLS_SENDER_EXTERNAL;
	codec_writer_clear(&w);
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	tu_bytes_free(&fc);
	encode_public(&msg.u.public_message, &fc);
	assert_int_equal(mls_encode_framed_content_tbs(&w, MLS_WIRE_FORMAT_PRIVATE_MESSAGE,
	                                               &msg.u.public_message.content, NULL),
	                 0);
	assert_int_equal(w.len, 4 + fc.len);
	assert_memory_equal(w.buf, "\x00\x01\x00\x02", 4);
	codec_writer_clear(&w);
	codec_writer_clear(&g);
	tu_bytes_free(&fc);
	mls_message_clear(&msg);
	tu_bytes_free(&b);
}

/* The TBS of a signed struct is its encoding without the trailing signature<V>. */
static void check_tbs_prefix(const struct tu_bytes *full, const struct codec_writer *tbs,
                             struct kenh_span sig)
{
	uint8_t pre[4];
	size_t n = varint_put((uint32_t)sig.len, pre);

	assert_int_equal(tbs->len + n + sig.len, full->len);
	assert_memory_equal(tbs->buf, full->p, tbs->len);
}

static void test_mls_wire_signed_tbs(void **state)
{
	const struct fixture *f = *state;
	const json_t *m = need(f->messages, "messages.json");
	static const uint8_t gid[] = { 1, 2, 3 };
	struct mls_message kp, gi;
	struct codec_writer w;
	struct tu_bytes b1, b2, body;
	struct mls_leaf_node *ln;
	size_t leaf_len;

	case_field(m, 0, "mls_key_package", &b1);
	case_field(m, 0, "mls_group_info", &b2);
	assert_int_equal(mls_message_parse(b1.p, b1.len, &kp), 0);
	assert_int_equal(mls_message_parse(b2.p, b2.len, &gi), 0);
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	/* KeyPackageTBS and GroupInfoTBS, after the 4-byte MLSMessage header. */
	splice(b1.p, b1.len, 0, 4, NULL, 0, &body);
	assert_int_equal(mls_encode_key_package_tbs(&w, &kp.u.key_package), 0);
	check_tbs_prefix(&body, &w, kp.u.key_package.signature);
	tu_bytes_free(&body);
	codec_writer_clear(&w);
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	splice(b2.p, b2.len, 0, 4, NULL, 0, &body);
	assert_int_equal(mls_encode_group_info_tbs(&w, &gi.u.group_info), 0);
	check_tbs_prefix(&body, &w, gi.u.group_info.signature);
	tu_bytes_free(&body);
	/* LeafNodeTBS: key_package source has no group binding; update adds 1+3+4 bytes. */
	ln = &kp.u.key_package.leaf_node;
	codec_writer_clear(&w);
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_leaf_node_tbs(&w, ln, span_make(gid, 3), 5), 0);
	leaf_len = w.len;
	ln->leaf_node_source = MLS_LEAF_SOURCE_UPDATE;
	codec_writer_clear(&w);
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_leaf_node_tbs(&w, ln, span_make(gid, 3), 5), 0);
	/* The lifetime (16 bytes) goes; group_id<V> and leaf_index come. */
	assert_int_equal(w.len, leaf_len - 16 + 4 + 4);
	assert_memory_equal(w.buf + w.len - 8, "\x03\x01\x02\x03\x00\x00\x00\x05", 8);
	ln->leaf_node_source = MLS_LEAF_SOURCE_KEY_PACKAGE;
	codec_writer_clear(&w);
	mls_message_clear(&kp);
	mls_message_clear(&gi);
	tu_bytes_free(&b1);
	tu_bytes_free(&b2);
}

static void test_mls_wire_private_aads(void **state)
{
	const struct fixture *f = *state;
	const json_t *m = need(f->messages, "messages.json");
	const struct mls_private_message *pm;
	struct mls_message msg;
	struct codec_writer w;
	struct tu_bytes b;
	size_t sd_len;

	case_field(m, 0, "private_message", &b);
	assert_int_equal(mls_message_parse(b.p, b.len, &msg), 0);
	pm = &msg.u.private_message;
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	/* RFC 9420 §6.3: both AADs are prefixes of the PrivateMessage encoding. */
	assert_int_equal(mls_encode_sender_data_aad(&w, pm), 0);
	sd_len = w.len;
	assert_int_equal(sd_len, 1 + pm->group_id.len + 8 + 1);
	assert_memory_equal(w.buf, b.p + 4, sd_len);
	codec_writer_clear(&w);
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_private_content_aad(&w, pm), 0);
	assert_true(w.len > sd_len);
	assert_memory_equal(w.buf, b.p + 4, w.len);
	codec_writer_clear(&w);
	mls_message_clear(&msg);
	tu_bytes_free(&b);
}

static void test_mls_wire_sender_data(void **state)
{
	static const uint8_t sd[] = { 0, 0, 0, 3, 0, 0, 1, 0, 0xde, 0xad, 0xbe, 0xef };
	struct mls_sender_data out;
	struct codec_reader r;
	struct codec_writer w;
	size_t n;

	(void)state;
	for (n = 0; n < sizeof(sd); n++) {
		codec_reader_init(&r, sd, n);
		assert_int_equal(mls_decode_sender_data(&r, &out), KENH_E_TRUNCATED);
		assert_true(all_zero(&out, sizeof(out)));
	}
	codec_reader_init(&r, sd, sizeof(sd));
	assert_int_equal(mls_decode_sender_data(&r, &out), 0);
	assert_int_equal(out.leaf_index, 3);
	assert_int_equal(out.generation, 256);
	codec_writer_init(&w, 64, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_sender_data(&w, &out), 0);
	assert_true(tu_bytes_eq("sender data", w.buf, w.len, sd, sizeof(sd)));
	codec_writer_clear(&w);
}

/* ------------------------------------------------------ other vectors */

/* RFC 9420 §8.1: GroupContext as key-schedule.json computes it per epoch. */
static void test_mls_wire_group_context_key_schedule(void **state)
{
	const struct fixture *f = *state;
	const json_t *ks = need(f->keysched, "key-schedule.json"), *tc, *ep;
	struct tu_bytes gid, th, cth, want;
	struct mls_group_context gc, back;
	struct codec_writer w;
	struct codec_reader r;
	uint64_t suite;
	size_t i, e;

	json_array_foreach(ks, i, tc)
	{
		assert_true(tu_json_u64(tc, "cipher_suite", &suite));
		assert_true(tu_json_hex(tc, "group_id", &gid));
		json_array_foreach(json_object_get(tc, "epochs"), e, ep)
		{
			assert_true(tu_json_hex(ep, "tree_hash", &th));
			assert_true(tu_json_hex(ep, "confirmed_transcript_hash", &cth));
			assert_true(tu_json_hex(ep, "group_context", &want));
			memset(&gc, 0, sizeof(gc));
			gc.version = MLS_VERSION_MLS10;
			gc.cipher_suite = (uint16_t)suite;
			gc.group_id = span_make(gid.p, gid.len);
			gc.epoch = e;
			gc.tree_hash = span_make(th.p, th.len);
			gc.confirmed_transcript_hash = span_make(cth.p, cth.len);
			codec_writer_init(&w, 4096, CODEC_WRITER_NORMAL);
			assert_int_equal(mls_encode_group_context(&w, &gc), 0);
			assert_true(tu_bytes_eq("group_context", w.buf, w.len, want.p, want.len));
			codec_reader_init(&r, want.p, want.len);
			assert_int_equal(mls_decode_group_context(&r, &back), 0);
			assert_int_equal(codec_reader_done(&r), 0);
			assert_int_equal(back.epoch, e);
			mls_group_context_clear(&back);
			codec_writer_clear(&w);
			tu_bytes_free(&th);
			tu_bytes_free(&cth);
			tu_bytes_free(&want);
		}
		tu_bytes_free(&gid);
	}
}

static void test_mls_wire_tree_validation_trees(void **state)
{
	const struct fixture *f = *state;
	const json_t *tv = need(f->trees, "tree-validation.json"), *tc;
	struct tu_bytes b;
	size_t i;

	json_array_foreach(tv, i, tc)
	{
		assert_true(tu_json_hex(tc, "tree", &b));
		assert_int_equal(decode_kind(K_TREE, b.p, b.len), 0);
		tu_bytes_free(&b);
	}
}

static void test_mls_wire_clear_accepts_zeroed(void **state)
{
	struct mls_message m;
	struct mls_optional_node on;
	struct mls_commit c;
	struct mls_proposal p;
	struct mls_group_secrets gs;
	struct mls_external_senders es;
	struct mls_required_capabilities rq;

	(void)state;
	memset(&m, 0, sizeof(m));
	memset(&on, 0, sizeof(on));
	memset(&c, 0, sizeof(c));
	memset(&p, 0, sizeof(p));
	memset(&gs, 0, sizeof(gs));
	memset(&es, 0, sizeof(es));
	memset(&rq, 0, sizeof(rq));
	mls_message_clear(&m);
	mls_optional_node_clear(&on);
	mls_commit_clear(&c);
	mls_proposal_clear(&p);
	mls_group_secrets_clear(&gs);
	mls_external_senders_clear(&es);
	mls_required_capabilities_clear(&rq);
	assert_true(all_zero(&m, sizeof(m)));
	assert_true(all_zero(&c, sizeof(c)));
}

/* External senders and required capabilities: encode, decode, encode again. */
static void test_mls_wire_extension_contents(void **state)
{
	static const uint8_t key[] = { 4, 5 }, id[] = { 'r', 'e', 'l', 'a', 'y' };
	uint16_t ext_types[] = { MLS_EXT_EXTERNAL_SENDERS, 0x0a0a };
	struct mls_external_sender one;
	struct mls_external_senders es = { &one, 1 }, es2;
	struct mls_required_capabilities rq, rq2;
	struct codec_writer w1, w2;
	struct codec_reader r;

	(void)state;
	memset(&one, 0, sizeof(one));
	one.signature_key = span_make(key, sizeof(key));
	one.credential.credential_type = MLS_CREDENTIAL_BASIC;
	one.credential.identity = span_make(id, sizeof(id));
	memset(&rq, 0, sizeof(rq));
	rq.extension_types.items = ext_types;
	rq.extension_types.count = ARRAY_LEN(ext_types);
	codec_writer_init(&w1, 1024, CODEC_WRITER_NORMAL);
	codec_writer_init(&w2, 1024, CODEC_WRITER_NORMAL);
	assert_int_equal(mls_encode_external_senders(&w1, &es), 0);
	assert_int_equal(mls_encode_required_capabilities(&w1, &rq), 0);
	codec_reader_init(&r, w1.buf, w1.len);
	assert_int_equal(mls_decode_external_senders(&r, &es2), 0);
	assert_int_equal(mls_decode_required_capabilities(&r, &rq2), 0);
	assert_int_equal(codec_reader_done(&r), 0);
	assert_int_equal(es2.count, 1);
	assert_memory_equal(es2.items[0].credential.identity.p, id, sizeof(id));
	assert_int_equal(rq2.extension_types.items[1], 0x0a0a);
	assert_int_equal(mls_encode_external_senders(&w2, &es2), 0);
	assert_int_equal(mls_encode_required_capabilities(&w2, &rq2), 0);
	assert_true(tu_bytes_eq("extension contents", w2.buf, w2.len, w1.buf, w1.len));
	mls_external_senders_clear(&es2);
	mls_required_capabilities_clear(&rq2);
	codec_writer_clear(&w1);
	codec_writer_clear(&w2);
}

/* ------------------------------------------------------ fault injection */

#ifdef KENH_FAULT_INJECT
/* Fail allocation n = 1, 2, ... until decoding succeeds; each failure is clean NOMEM. */
static void fault_walk(enum kind k, const struct tu_bytes *b)
{
	unsigned long n;
	int rc;

	for (n = 1;; n++) {
		mem_fault_set(n, 0);
		rc = roundtrip(k, b->p, b->len, false);
		if (mem_fault_hits() == 0) break;
		mem_fault_set(0, 0);
		if (rc != KENH_E_NOMEM) fail_msg("allocation %lu failed with %d", n, rc);
	}
	mem_fault_set(0, 0);
	assert_int_equal(rc, 0);
	assert_true(n >= 2); /* at least one allocation was failed */
}

/* ------------------------------------------------------- decode memory */

/*
 * STYLE R6.3, review 1 F5: a decoder holds at most LIMIT_DECODE_RATIO
 * bytes of heap per input byte (plus LIMIT_PROPOSALS_MEMORY for a
 * Commit), whatever the input. Each input below is a vector of elements
 * as small as the syntax allows; before the budget each cost 16 to 256
 * times its size.
 */

/* Decode b as k (and re-encode into a measure writer); *peak: the most heap held meanwhile. */
static int measured_decode(enum kind k, const struct tu_bytes *b, size_t *peak)
{
	int rc;

	mem_count_start();
	rc = roundtrip(k, b->p, b->len, false);
	*peak = mem_count_stop();
	return rc;
}

/* Take the bytes of w (finished) into out. */
static void take_bytes(struct codec_writer *w, struct tu_bytes *out)
{
	assert_int_equal(codec_writer_finish(w, &out->p, &out->len), 0);
	codec_writer_clear(w);
}

/* Write n copies of elem as one vector<V>. */
static void write_repeated(struct codec_writer *w, const uint8_t *elem, size_t len, size_t n)
{
	size_t mark = 0, i;

	assert_int_equal(codec_write_vector_begin(w, &mark), 0);
	for (i = 0; i < n; i++)
		codec_write_bytes(w, elem, len);
	assert_int_equal(codec_write_vector_end(w, mark), 0);
}

/* The smallest LeafNode: empty keys, basic credential, no capabilities, source update. */
static void write_tiny_leaf(struct codec_writer *w)
{
	struct mls_leaf_node ln;

	memset(&ln, 0, sizeof(ln));
	ln.credential.credential_type = MLS_CREDENTIAL_BASIC;
	ln.leaf_node_source = MLS_LEAF_SOURCE_UPDATE;
	assert_int_equal(mls_encode_leaf_node(w, &ln), 0);
}

/*
 * An UpdatePath of nodes with empty keys, counts[i] ciphertexts each, every
 * ciphertext being ct (ct_len bytes).
 */
static void build_update_path(const size_t *counts, size_t n_nodes, const uint8_t *ct,
                              size_t ct_len, struct tu_bytes *out)
{
	struct codec_writer w;
	size_t mark = 0, i;

	codec_writer_init(&w, LIMIT_RATCHET_TREE, CODEC_WRITER_NORMAL);
	write_tiny_leaf(&w);
	assert_int_equal(codec_write_vector_begin(&w, &mark), 0);
	for (i = 0; i < n_nodes; i++) {
		codec_write_opaque(&w, NULL, 0);
		write_repeated(&w, ct, ct_len, counts[i]);
	}
	assert_int_equal(codec_write_vector_end(&w, mark), 0);
	take_bytes(&w, out);
}

/* An MLSMessage Welcome of n copies of the EncryptedGroupSecrets egs. */
static void build_welcome(const uint8_t *egs, size_t len, size_t n, struct tu_bytes *out)
{
	struct codec_writer w;

	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	codec_write_u16(&w, MLS_VERSION_MLS10);
	codec_write_u16(&w, MLS_WIRE_FORMAT_WELCOME);
	codec_write_u16(&w, 1); /* cipher_suite */
	write_repeated(&w, egs, len, n);
	codec_write_opaque(&w, NULL, 0); /* encrypted_group_info */
	take_bytes(&w, out);
}

static void test_mls_wire_memory_blank_tree(void **state)
{
	static const uint8_t blank[] = { 0 };
	struct mls_ratchet_tree t;
	struct codec_writer w;
	struct codec_reader r;
	struct tu_bytes b;
	size_t peak = 0;
	int rc;

	(void)state;
	/* 131,071 blank nodes: 128 KiB, 256 bytes each in memory before (32 MiB). */
	codec_writer_init(&w, LIMIT_RATCHET_TREE, CODEC_WRITER_NORMAL);
	write_repeated(&w, blank, 1, LIMIT_TREE_NODES);
	take_bytes(&w, &b);
	rc = measured_decode(K_TREE, &b, &peak);
	assert_in_range(peak, 0, LIMIT_DECODE_RATIO * b.len);
	assert_int_equal(rc, 0);
	codec_reader_init(&r, b.p, b.len);
	assert_int_equal(mls_decode_ratchet_tree(&r, &t), 0);
	assert_int_equal(t.count, LIMIT_TREE_NODES);
	assert_int_equal(t.n_present, 0);
	tu_bytes_free(&b);
}

static void test_mls_wire_memory_update_path(void **state)
{
	static const uint8_t empty_ct[] = { 0, 0 }, small_ct[] = { 1, 0xaa, 1, 0xbb };
	size_t counts[31], peak = 0, i;
	struct tu_bytes b;
	int rc;

	(void)state;
	/* 31 nodes of 65,536 empty HPKECiphertexts: 3.9 MiB, 62 MiB in memory before. */
	for (i = 0; i < ARRAY_LEN(counts); i++)
		counts[i] = LIMIT_PATH_CIPHERTEXTS;
	build_update_path(counts, ARRAY_LEN(counts), empty_ct, sizeof(empty_ct), &b);
	rc = measured_decode(K_UPDATE_PATH, &b, &peak);
	assert_in_range(peak, 0, LIMIT_DECODE_RATIO * b.len);
	assert_int_equal(rc, KENH_E_TOO_LARGE);
	tu_bytes_free(&b);
	/* Ciphertexts of 4 bytes (8 x their size in memory): the RFC 9420 §7.6 total decides. */
	counts[0] = counts[1] = LIMIT_PATH_CIPHERTEXTS / 2;
	build_update_path(counts, 2, small_ct, sizeof(small_ct), &b);
	rc = measured_decode(K_UPDATE_PATH, &b, &peak);
	assert_in_range(peak, 0, LIMIT_DECODE_RATIO * b.len);
	assert_int_equal(rc, 0);
	tu_bytes_free(&b);
	counts[1]++;
	build_update_path(counts, 2, small_ct, sizeof(small_ct), &b);
	assert_int_equal(measured_decode(K_UPDATE_PATH, &b, &peak), KENH_E_TOO_LARGE);
	tu_bytes_free(&b);
}

static void test_mls_wire_memory_welcome(void **state)
{
	static const uint8_t tiny[] = { 0, 0, 0 }, six[] = { 1, 0xaa, 1, 0xbb, 1, 0xcc };
	struct tu_bytes b;
	size_t peak = 0;
	int rc;

	(void)state;
	/* 65,536 EncryptedGroupSecrets of 3 bytes: 48 bytes each in memory before. */
	build_welcome(tiny, sizeof(tiny), LIMIT_WELCOME_SECRETS, &b);
	rc = measured_decode(K_MESSAGE, &b, &peak);
	assert_in_range(peak, 0, LIMIT_DECODE_RATIO * b.len);
	assert_int_equal(rc, KENH_E_TOO_LARGE);
	tu_bytes_free(&b);
	/* Of 6 bytes: exactly the ratio, accepted in one array of the exact size. */
	build_welcome(six, sizeof(six), LIMIT_WELCOME_SECRETS, &b);
	rc = measured_decode(K_MESSAGE, &b, &peak);
	assert_in_range(peak, 0, LIMIT_DECODE_RATIO * b.len);
	assert_int_equal(rc, 0);
	tu_bytes_free(&b);
}

static void test_mls_wire_memory_commit(void **state)
{
	static const uint8_t empty_ref[] = { MLS_PROPOSAL_OR_REF_REFERENCE, 0 };
	static const uint8_t remove[] = {
		MLS_PROPOSAL_OR_REF_PROPOSAL, 0, MLS_PROPOSAL_REMOVE, 0, 0, 0, 7
	};
	struct codec_writer w;
	struct tu_bytes b;
	size_t peak = 0;
	int rc;

	(void)state;
	/* 10,000 empty ProposalRefs: 20 kB, 3.2 MiB in memory before. */
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	write_repeated(&w, empty_ref, sizeof(empty_ref), LIMIT_PROPOSALS);
	codec_write_optional(&w, false);
	take_bytes(&w, &b);
	rc = measured_decode(K_COMMIT, &b, &peak);
	assert_in_range(peak, 0, LIMIT_DECODE_RATIO * b.len + LIMIT_PROPOSALS_MEMORY);
	assert_int_equal(rc, KENH_E_TOO_LARGE);
	tu_bytes_free(&b);
	/* 3,000 Removes by value, a legitimate Commit, fit the allowance. */
	codec_writer_init(&w, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	write_repeated(&w, remove, sizeof(remove), 3000);
	codec_write_optional(&w, false);
	take_bytes(&w, &b);
	rc = measured_decode(K_COMMIT, &b, &peak);
	assert_in_range(peak, 0, LIMIT_DECODE_RATIO * b.len + LIMIT_PROPOSALS_MEMORY);
	assert_int_equal(rc, 0);
	tu_bytes_free(&b);
}

static void test_mls_wire_fault_injection(void **state)
{
	const struct fixture *f = *state;
	const json_t *m = need(f->messages, "messages.json"), *tc, *big = NULL;
	struct tu_bytes b;
	size_t i, best = 0;

	/* The largest tree of tree-validation.json if present, else of messages.json. */
	if (f->trees != NULL) {
		json_array_foreach(f->trees, i, tc)
		{
			size_t len = strlen(json_string_value(json_object_get(tc, "tree")));

			if (len > best) {
				best = len;
				big = tc;
			}
		}
		assert_true(tu_json_hex(big, "tree", &b));
	} else {
		case_field(m, 200, "ratchet_tree", &b);
	}
	fault_walk(K_TREE, &b);
	tu_bytes_free(&b);
	case_field(m, 0, "mls_welcome", &b);
	fault_walk(K_MESSAGE, &b);
	tu_bytes_free(&b);
	case_field(m, 0, "public_message_commit", &b);
	fault_walk(K_MESSAGE, &b);
	tu_bytes_free(&b);
}
#endif

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mls_wire_messages_round_trip),
		cmocka_unit_test(test_mls_wire_truncated_every_byte),
		cmocka_unit_test(test_mls_wire_trailing_byte),
		cmocka_unit_test(test_mls_wire_nested_vector_leftover),
		cmocka_unit_test(test_mls_wire_presence_byte_two),
		cmocka_unit_test(test_mls_wire_length_over_limit),
		cmocka_unit_test(test_mls_wire_count_over_limit),
		cmocka_unit_test(test_mls_wire_enums_out_of_range),
		cmocka_unit_test(test_mls_wire_unknown_types_opaque),
		cmocka_unit_test(test_mls_wire_private_content_padding),
		cmocka_unit_test(test_mls_wire_framed_content_tbs),
		cmocka_unit_test(test_mls_wire_signed_tbs),
		cmocka_unit_test(test_mls_wire_private_aads),
		cmocka_unit_test(test_mls_wire_sender_data),
		cmocka_unit_test(test_mls_wire_group_context_key_schedule),
		cmocka_unit_test(test_mls_wire_tree_validation_trees),
		cmocka_unit_test(test_mls_wire_clear_accepts_zeroed),
		cmocka_unit_test(test_mls_wire_extension_contents),
#ifdef KENH_FAULT_INJECT
		cmocka_unit_test(test_mls_wire_fault_injection),
		cmocka_unit_test(test_mls_wire_memory_blank_tree),
		cmocka_unit_test(test_mls_wire_memory_update_path),
		cmocka_unit_test(test_mls_wire_memory_welcome),
		cmocka_unit_test(test_mls_wire_memory_commit),
#endif
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
