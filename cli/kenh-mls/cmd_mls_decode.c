/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-mls decode --in FILE: one line of JSON describing the MLSMessage in
 * FILE (RFC 9420 §6: PublicMessage, PrivateMessage, Welcome, GroupInfo,
 * KeyPackage), or a bare KeyPackage. No state is needed and nothing is
 * verified: this is the syntax only, as an operator debugging another
 * implementation wants to see it. Byte strings print as hex; a
 * PrivateMessage's content is encrypted, so only its header prints.
 * It uses the library's wire decoders directly (lib/mls/mls_wire.h).
 */
#include "kmls.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "mls/mls_wire.h"
#include "util/mem.h"

static void hex_field(const char *name, struct kenh_span s)
{
	printf("\"%s\":\"", name);
	kmls_print_hex(s.p, s.len);
	putchar('"');
}

static void u16_list(const char *name, const struct mls_u16_list *l)
{
	size_t i;

	printf("\"%s\":[", name);
	for (i = 0; i < l->count; i++)
		printf("%s%u", i ? "," : "", l->items[i]);
	putchar(']');
}

static void extensions(const char *name, const struct mls_extension_list *l)
{
	size_t i;

	printf("\"%s\":[", name);
	for (i = 0; i < l->count; i++)
		printf("%s{\"type\":%u,\"len\":%zu}", i ? "," : "", l->items[i].extension_type,
		       l->items[i].extension_data.len);
	putchar(']');
}

static void credential(const struct mls_credential *c)
{
	size_t i;

	printf("\"credential\":{\"type\":%u", c->credential_type);
	if (c->credential_type == MLS_CREDENTIAL_BASIC) {
		printf(",\"identity\":");
		kmls_print_json_string(c->identity.p, c->identity.len);
	} else if (c->credential_type == MLS_CREDENTIAL_X509) {
		printf(",\"certificates\":[");
		for (i = 0; i < c->n_certificates; i++)
			printf("%s%zu", i ? "," : "", c->certificates[i].len);
		putchar(']');
	}
	putchar('}');
}

static const char *const leaf_sources[] = { "?", "key_package", "update", "commit" };

static void leaf_node(const struct mls_leaf_node *ln)
{
	const struct mls_capabilities *c = &ln->capabilities;

	printf("\"leaf_node\":{");
	hex_field("encryption_key", ln->encryption_key);
	putchar(',');
	hex_field("signature_key", ln->signature_key);
	putchar(',');
	credential(&ln->credential);
	printf(",\"capabilities\":{");
	u16_list("versions", &c->versions);
	putchar(',');
	u16_list("cipher_suites", &c->cipher_suites);
	putchar(',');
	u16_list("extensions", &c->extensions);
	putchar(',');
	u16_list("proposals", &c->proposals);
	putchar(',');
	u16_list("credentials", &c->credentials);
	printf("},\"leaf_node_source\":\"%s\"", leaf_sources[ln->leaf_node_source]);
	if (ln->leaf_node_source == MLS_LEAF_SOURCE_KEY_PACKAGE)
		printf(",\"lifetime\":{\"not_before\":%llu,\"not_after\":%llu}",
		       (unsigned long long)ln->lifetime.not_before,
		       (unsigned long long)ln->lifetime.not_after);
	if (ln->leaf_node_source == MLS_LEAF_SOURCE_COMMIT) {
		putchar(',');
		hex_field("parent_hash", ln->parent_hash);
	}
	putchar(',');
	extensions("extensions", &ln->extensions);
	putchar('}');
}

static void key_package(const struct mls_key_package *kp)
{
	printf("\"key_package\":{\"version\":%u,\"cipher_suite\":%u,", kp->version,
	       kp->cipher_suite);
	hex_field("init_key", kp->init_key);
	putchar(',');
	leaf_node(&kp->leaf_node);
	putchar(',');
	extensions("extensions", &kp->extensions);
	putchar('}');
}

static void psk_id(const struct mls_pre_shared_key_id *id)
{
	if (id->psktype == MLS_PSK_EXTERNAL) {
		printf("\"psktype\":\"external\",");
		hex_field("psk_id", id->psk_id);
	} else {
		printf("\"psktype\":\"resumption\",\"usage\":%u,", id->usage);
		hex_field("psk_group_id", id->psk_group_id);
		printf(",\"psk_epoch\":%llu", (unsigned long long)id->psk_epoch);
	}
	putchar(',');
	hex_field("psk_nonce", id->psk_nonce);
}

static const char *const proposal_names[] = {
	"?",   "add",    "update",        "remove",
	"psk", "reinit", "external_init", "group_context_extensions",
};

static void proposal(const struct mls_proposal *p)
{
	printf("{\"type\":\"%s\",", proposal_names[p->proposal_type]);
	switch (p->proposal_type) {
	case MLS_PROPOSAL_ADD:
		key_package(&p->u.add.key_package);
		break;
	case MLS_PROPOSAL_UPDATE:
		leaf_node(&p->u.update.leaf_node);
		break;
	case MLS_PROPOSAL_REMOVE:
		printf("\"removed\":%u", p->u.remove.removed);
		break;
	case MLS_PROPOSAL_PSK:
		psk_id(&p->u.psk.psk);
		break;
	case MLS_PROPOSAL_REINIT:
		hex_field("group_id", p->u.reinit.group_id);
		printf(",\"version\":%u,\"cipher_suite\":%u,", p->u.reinit.version,
		       p->u.reinit.cipher_suite);
		extensions("extensions", &p->u.reinit.extensions);
		break;
	case MLS_PROPOSAL_EXTERNAL_INIT:
		hex_field("kem_output", p->u.external_init.kem_output);
		break;
	case MLS_PROPOSAL_GROUP_CONTEXT_EXTENSIONS:
		extensions("extensions", &p->u.group_context_extensions.extensions);
		break;
	}
	putchar('}');
}

static void commit(const struct mls_commit *c)
{
	size_t i;

	printf("\"proposals\":[");
	for (i = 0; i < c->n_proposals; i++) {
		if (i != 0) putchar(',');
		if (c->proposals[i].type == MLS_PROPOSAL_OR_REF_REFERENCE) {
			printf("{");
			hex_field("reference", c->proposals[i].reference);
			putchar('}');
		} else {
			proposal(&c->proposals[i].proposal);
		}
	}
	printf("],\"path\":");
	if (!c->has_path) {
		printf("null");
		return;
	}
	printf("{");
	leaf_node(&c->path.leaf_node);
	printf(",\"nodes\":%zu}", c->path.n_nodes);
}

static const char *const sender_names[] = {
	"?", "member", "external", "new_member_proposal", "new_member_commit",
};
static const char *const content_names[] = { "?", "application", "proposal", "commit" };

static void public_message(const struct mls_public_message *pm)
{
	const struct mls_framed_content *c = &pm->content;

	hex_field("group_id", c->group_id);
	printf(",\"epoch\":%llu,\"sender\":{\"type\":\"%s\",\"index\":%u},",
	       (unsigned long long)c->epoch, sender_names[c->sender.sender_type],
	       c->sender.sender_type == MLS_SENDER_EXTERNAL ? c->sender.sender_index
	                                                    : c->sender.leaf_index);
	hex_field("authenticated_data", c->authenticated_data);
	printf(",\"content_type\":\"%s\",", content_names[c->content_type]);
	if (c->content_type == MLS_CONTENT_APPLICATION)
		printf("\"application_data_len\":%zu", c->application_data.len);
	else if (c->content_type == MLS_CONTENT_PROPOSAL)
		(printf("\"proposal\":"), proposal(&c->proposal));
	else
		commit(&c->commit);
	putchar(',');
	hex_field("signature", pm->auth.signature);
	if (c->content_type == MLS_CONTENT_COMMIT) {
		putchar(',');
		hex_field("confirmation_tag", pm->auth.confirmation_tag);
	}
	if (c->sender.sender_type == MLS_SENDER_MEMBER) {
		putchar(',');
		hex_field("membership_tag", pm->membership_tag);
	}
}

static void private_message(const struct mls_private_message *pm)
{
	hex_field("group_id", pm->group_id);
	printf(",\"epoch\":%llu,\"content_type\":\"%s\",", (unsigned long long)pm->epoch,
	       content_names[pm->content_type]);
	hex_field("authenticated_data", pm->authenticated_data);
	printf(",\"encrypted_sender_data_len\":%zu,\"ciphertext_len\":%zu",
	       pm->encrypted_sender_data.len, pm->ciphertext.len);
}

static void welcome(const struct mls_welcome *w)
{
	size_t i;

	printf("\"cipher_suite\":%u,\"secrets\":[", w->cipher_suite);
	for (i = 0; i < w->n_secrets; i++) {
		printf("%s{", i ? "," : "");
		hex_field("new_member", w->secrets[i].new_member);
		putchar('}');
	}
	printf("],\"encrypted_group_info_len\":%zu", w->encrypted_group_info.len);
}

static void group_info(const struct mls_group_info *gi)
{
	const struct mls_group_context *gc = &gi->group_context;

	printf("\"group_context\":{\"version\":%u,\"cipher_suite\":%u,", gc->version,
	       gc->cipher_suite);
	hex_field("group_id", gc->group_id);
	printf(",\"epoch\":%llu,", (unsigned long long)gc->epoch);
	hex_field("tree_hash", gc->tree_hash);
	putchar(',');
	hex_field("confirmed_transcript_hash", gc->confirmed_transcript_hash);
	putchar(',');
	extensions("extensions", &gc->extensions);
	printf("},");
	extensions("extensions", &gi->extensions);
	putchar(',');
	hex_field("confirmation_tag", gi->confirmation_tag);
	printf(",\"signer\":%u", gi->signer);
}

static const char *const wire_names[] = {
	"?", "public_message", "private_message", "welcome", "group_info", "key_package",
};

static void message(const struct mls_message *m)
{
	printf("{\"version\":%u,\"wire_format\":\"%s\",", m->version, wire_names[m->wire_format]);
	switch (m->wire_format) {
	case MLS_WIRE_FORMAT_PUBLIC_MESSAGE:
		public_message(&m->u.public_message);
		break;
	case MLS_WIRE_FORMAT_PRIVATE_MESSAGE:
		private_message(&m->u.private_message);
		break;
	case MLS_WIRE_FORMAT_WELCOME:
		welcome(&m->u.welcome);
		break;
	case MLS_WIRE_FORMAT_GROUP_INFO:
		group_info(&m->u.group_info);
		break;
	case MLS_WIRE_FORMAT_KEY_PACKAGE:
		key_package(&m->u.key_package);
		break;
	}
	printf("}\n");
}

/* A bare KeyPackage (not wrapped in an MLSMessage). */
static int bare_key_package(const uint8_t *buf, size_t len)
{
	struct mls_key_package kp;
	struct codec_reader r;
	int rc;

	codec_reader_init(&r, buf, len);
	if ((rc = mls_decode_key_package(&r, &kp)) == 0) rc = codec_reader_done(&r);
	if (rc != 0) return rc;
	printf("{\"wire_format\":\"bare\",");
	key_package(&kp);
	printf("}\n");
	mls_key_package_clear(&kp);
	return 0;
}

int kmls_cmd_decode(struct kmls *k)
{
	struct mls_message m;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	if ((rc = kmls_file_read(k->o->in, &buf, &len)) != 0) return kmls_fail("--in", rc);
	if ((rc = mls_message_parse(buf, len, &m)) == 0) {
		message(&m);
		mls_message_clear(&m);
	} else if (bare_key_package(buf, len) == 0) {
		rc = 0;
	} else {
		rc = kmls_fail("decode", rc);
	}
	sec_free(buf, len);
	return rc;
}
