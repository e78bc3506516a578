/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-mls info --state S: one line of JSON about the group: epoch, group
 * id, suite, our leaf, whether we are still a member, the members (leaf
 * and identity), and MLS-Exporter("exporter", "", 32) (RFC 9420 §8.5) in
 * hex, which every member in the same epoch prints identically. A state
 * without a group prints its identity and whether a KeyPackage is pending.
 */
#include "kmls.h"

#include "util/compat.h"

static void print_members(const struct kenh_mls_group *g)
{
	char name[256];
	uint32_t i;
	int first = 1;

	printf("\"members\":[");
	for (i = 0; i < kenh_mls_group_leaf_count(g); i++) {
		if (kmls_member_identity(g, i, name, sizeof(name)) != 0) continue;
		printf("%s{\"leaf\":%u,\"identity\":", first ? "" : ",", i);
		kmls_print_json_string((const uint8_t *)name, strlen(name));
		putchar('}');
		first = 0;
	}
	putchar(']');
}

static int print_group(const struct kenh_mls_group *g)
{
	const uint8_t *id = NULL;
	uint8_t exp[32];
	size_t idlen = 0;
	bool active = kenh_mls_group_is_active(g);

	kenh_mls_group_id(g, &id, &idlen);
	printf("{\"epoch\":%llu,\"group_id\":\"", (unsigned long long)kenh_mls_group_epoch(g));
	kmls_print_hex(id, idlen);
	printf("\",\"suite\":%u,\"own_leaf\":%u,\"active\":%s,\"removed\":%s,",
	       kenh_mls_group_suite(g), kenh_mls_group_own_leaf(g), active ? "true" : "false",
	       active ? "false" : "true");
	print_members(g);
	if (active) {
		if (kenh_mls_group_export(g, "exporter", NULL, 0, exp, sizeof(exp)) != 0)
			return kmls_fail_msg("cannot export");
		printf(",\"exporter\":\"");
		kmls_print_hex(exp, sizeof(exp));
		putchar('"');
	}
	printf("}\n");
	return KMLS_OK;
}

int kmls_cmd_info(struct kmls *k)
{
	struct kmls_state st;
	int rc;

	if ((rc = kmls_state_load(k, k->o->state, 0, &st)) != 0) return kmls_fail("state", rc);
	if (st.group != NULL) {
		rc = print_group(st.group);
	} else {
		printf("{\"identity\":");
		kmls_print_json_string((const uint8_t *)st.identity, strlen(st.identity));
		printf(",\"suite\":%u,\"keypackage_pending\":%s}\n", st.suite,
		       st.kp != NULL ? "true" : "false");
		rc = KMLS_OK;
	}
	kmls_state_clear(&st);
	return rc;
}
