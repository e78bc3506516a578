/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * See tu_mlsprot.h: the message-protection.json group state shared by the
 * framing known-answer runner and the PrivateMessage fuzz target.
 */
#include "tu_mlsprot.h"

#include "util/compat.h"

#include "kenh/err.h"
#include "mls/mls_keys.h"

static int sender_key(void *arg, const struct mls_sender *sender, struct kenh_span *key)
{
	const struct tu_mp_case *c = arg;

	*key = span_make(NULL, 0);
	if (sender->sender_type != MLS_SENDER_MEMBER || sender->leaf_index != TU_MP_SENDER_LEAF)
		return KENH_E_NOT_FOUND;
	*key = span_make(c->signature_pub.p, c->signature_pub.len);
	return 0;
}

static bool load_bytes(const json_t *obj, struct tu_mp_case *c)
{
	return tu_json_hex(obj, "group_id", &c->group_id) &&
	       tu_json_hex(obj, "tree_hash", &c->tree_hash) &&
	       tu_json_hex(obj, "confirmed_transcript_hash", &c->confirmed_transcript_hash) &&
	       tu_json_hex(obj, "signature_priv", &c->signature_priv) &&
	       tu_json_hex(obj, "signature_pub", &c->signature_pub) &&
	       tu_json_hex(obj, "encryption_secret", &c->encryption_secret) &&
	       tu_json_hex(obj, "sender_data_secret", &c->sender_data_secret) &&
	       tu_json_hex(obj, "membership_key", &c->membership_key) &&
	       tu_json_u64(obj, "epoch", &c->epoch);
}

bool tu_mp_load(const struct kenh_ctx *ctx, const json_t *obj, struct tu_mp_case *c,
                bool *supported)
{
	uint64_t suite;

	memset(c, 0, sizeof(*c));
	*supported = false;
	if (!tu_json_u64(obj, "cipher_suite", &suite) || suite > UINT16_MAX) return false;
	if ((c->cs = crypto_suite_get(ctx, (uint16_t)suite)) == NULL) return true;
	*supported = true;
	if (!load_bytes(obj, c) || c->encryption_secret.len != c->cs->kdf->nh ||
	    c->sender_data_secret.len != c->cs->kdf->nh ||
	    c->membership_key.len != c->cs->kdf->nh) {
		tu_mp_free(c);
		return false;
	}
	/* RFC 9420 §8.1 GroupContext; the vectors use no extensions. */
	c->gc.version = MLS_VERSION_MLS10;
	c->gc.cipher_suite = (uint16_t)suite;
	c->gc.group_id = span_make(c->group_id.p, c->group_id.len);
	c->gc.epoch = c->epoch;
	c->gc.tree_hash = span_make(c->tree_hash.p, c->tree_hash.len);
	c->gc.confirmed_transcript_hash =
	        span_make(c->confirmed_transcript_hash.p, c->confirmed_transcript_hash.len);
	return true;
}

void tu_mp_free(struct tu_mp_case *c)
{
	tu_bytes_free(&c->group_id);
	tu_bytes_free(&c->tree_hash);
	tu_bytes_free(&c->confirmed_transcript_hash);
	tu_bytes_free(&c->signature_priv);
	tu_bytes_free(&c->signature_pub);
	tu_bytes_free(&c->encryption_secret);
	tu_bytes_free(&c->sender_data_secret);
	tu_bytes_free(&c->membership_key);
	memset(c, 0, sizeof(*c));
}

int tu_mp_epoch(const struct kenh_ctx *ctx, struct tu_mp_case *c, struct mls_secret_tree *st,
                struct mls_framing_epoch *ep)
{
	int rc;

	memset(ep, 0, sizeof(*ep));
	if ((rc = mls_secret_tree_init(st, c->cs, c->encryption_secret.p, 2, NULL)) != 0) return rc;
	ep->ctx = ctx;
	ep->cs = c->cs;
	ep->gc = &c->gc;
	ep->membership_key = c->membership_key.p;
	ep->sender_data_secret = c->sender_data_secret.p;
	ep->secret_tree = st;
	ep->sender_key = sender_key;
	ep->sender_key_arg = c;
	return 0;
}

bool tu_mp_load_suite(const struct kenh_ctx *ctx, uint16_t suite, struct tu_mp_case *c)
{
	char path[4096];
	json_t *root, *obj;
	uint64_t s;
	size_t i;
	bool ok = false, supported;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "%s/mls/message-protection.json", tu_vectors_dir());
	if ((root = tu_json_load(path)) == NULL) return false;
	json_array_foreach(root, i, obj)
	{
		if (!tu_json_u64(obj, "cipher_suite", &s) || s != suite) continue;
		ok = tu_mp_load(ctx, obj, c, &supported) && supported;
		break;
	}
	json_decref(root);
	return ok;
}
