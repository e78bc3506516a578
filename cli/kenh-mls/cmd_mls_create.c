/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-mls create --state S [--suite N --identity ID] [--group-id-hex HEX]:
 * create a one-member group (RFC 9420 §11) from the pending KeyPackage of
 * S, or from a new one for --suite and --identity when S has none. The
 * group id is HEX, or random.
 */
#include "kmls.h"

#include "util/compat.h"

static int hex_nibble(char c)
{
	if (c >= '0' && c <= '9') return c - '0';
	if (c >= 'a' && c <= 'f') return c - 'a' + 10;
	if (c >= 'A' && c <= 'F') return c - 'A' + 10;
	return -1;
}

/* HEX into id (at most 255 bytes); -1 if malformed. */
static int parse_hex(const char *hex, uint8_t *id, size_t cap, size_t *len)
{
	size_t n = strlen(hex), i;
	int hi, lo;

	if (n == 0 || n % 2 != 0 || n / 2 > cap) return -1;
	for (i = 0; i < n / 2; i++) {
		hi = hex_nibble(hex[2 * i]);
		lo = hex_nibble(hex[2 * i + 1]);
		if (hi < 0 || lo < 0) return -1;
		id[i] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

/* The KeyPackage to create with: the pending one, or a new one from the options. */
static int pick_keypackage(struct kmls *k, struct kmls_state *st)
{
	const struct kmls_opts *o = k->o;
	int suite;

	if (st->kp != NULL) {
		if (o->suite != NULL || o->identity != NULL)
			return kmls_usage_msg(
			        "the state has a KeyPackage: no --suite or --identity");
		return KMLS_OK;
	}
	if (o->suite == NULL || o->identity == NULL)
		return kmls_usage_msg("no pending KeyPackage: give --suite and --identity");
	if ((suite = kmls_parse_suite(o->suite)) < 0)
		return kmls_usage_msg("--suite must be 1, 2 or 3");
	if (strlen(o->identity) == 0 || strlen(o->identity) >= sizeof(st->identity))
		return kmls_usage_msg("bad --identity");
	st->suite = (uint16_t)suite;
	memcpy(st->identity, o->identity, strlen(o->identity) + 1);
	if (kmls_make_keypackage(k, (uint16_t)suite, o->identity, &st->kp) != 0)
		return kmls_fail_msg("cannot make a KeyPackage");
	return KMLS_OK;
}

int kmls_cmd_create(struct kmls *k)
{
	const struct kmls_opts *o = k->o;
	struct kenh_mls_group_options opt;
	struct kmls_state st;
	uint8_t id[255];
	int rc;

	memset(&opt, 0, sizeof(opt));
	if (o->group_id_hex != NULL) {
		if (parse_hex(o->group_id_hex, id, sizeof(id), &opt.group_id_len) != 0)
			return kmls_usage_msg("bad --group-id-hex");
		opt.group_id = id;
	}
	if ((rc = kmls_state_load(k, o->state, 1, &st)) != 0) return kmls_fail("state", rc);
	if (st.group != NULL) {
		rc = kmls_fail_msg("the state already holds a group");
		goto out;
	}
	if ((rc = pick_keypackage(k, &st)) != KMLS_OK) goto out;
	if ((rc = kenh_mls_group_create(k->ctx, &k->cfg, st.kp, &opt, &st.group)) != 0) {
		rc = kmls_fail("create", rc);
		goto out;
	}
	/* The KeyPackage's keys now belong to the group; it must not be used again. */
	kenh_mls_keypackage_free(st.kp);
	st.kp = NULL;
	rc = kmls_state_save(&st, o->state) != 0 ? kmls_fail_msg("cannot write the state")
	                                         : KMLS_OK;
out:
	kmls_state_clear(&st);
	return rc;
}
