/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh group create/add/remove, kenh groups, kenh members (RFC 9420 §11,
 * §12.1.1, §12.1.3): a group is registered with the relay (GROUP_CREATE)
 * and created with the relay as external sender (§12.1.8.1) so it can
 * propose the removal of revoked devices; adding a user or a unit claims
 * a KeyPackage of each of its devices found in the relay's directory
 * (DIR_LOOKUP, KP_CLAIM) and commits them with one Welcome.
 */
#include "kenh.h"

#include "util/compat.h"

#include "proto/proto.h"
#include "util/mem.h"

#define MAX_ADD     256
#define GROUP_USAGE "group create NAME | add NAME TARGET... | remove NAME TARGET... | leave NAME"

static int create(struct kenh_app *a, const char *name)
{
	struct kenh_mls_keypackage *kp = NULL;
	struct kenh_mls_group *g = NULL;
	struct kenh_mls_external_sender es;
	struct kenh_mls_group_options go;
	struct kenh_mls_config cfg;
	struct proto_group_create req;
	struct proto_epoch_resp resp;
	int rc;

	memset(&go, 0, sizeof(go));
	memset(&es, 0, sizeof(es));
	go.group_id = (const uint8_t *)name;
	go.group_id_len = strlen(name);
	if (a->has_relay_pk) {
		es.signature_key = a->relay_pk;
		es.signature_key_len = sizeof(a->relay_pk);
		es.credential.type = KENH_MLS_CREDENTIAL_BASIC;
		es.credential.identity = (const uint8_t *)"kenhd";
		es.credential.identity_len = 5;
		go.external_senders = &es;
		go.n_external_senders = 1;
	}
	kenh_mls_config(a, &cfg);
	if ((rc = kenh_kp_make(a, &kp)) != 0) return rc;
	rc = kenh_mls_group_create(a->ctx, &cfg, kp, &go, &g);
	kenh_mls_keypackage_free(kp);
	req.group_id = span_make(go.group_id, go.group_id_len);
	req.cipher_suite = KENH_SUITE;
	if (rc == 0)
		rc = kenh_net_call(a, PROTO_GROUP_CREATE, &proto_desc_group_create, &req,
		                   &proto_desc_epoch_resp, &resp, sizeof(resp), NULL);
	if (rc == 0) rc = kenh_group_save(a, g);
	kenh_mls_group_free(g);
	return rc;
}

/* Does device name "unit/user/device" match a target (unit:PATH, user:U[@UNIT], or the name)? */
static bool matches(const char *target, struct kenh_span dev)
{
	char name[300], *user, *slash;
	size_t tl;

	if (dev.len >= sizeof(name)) return false;
	memcpy(name, dev.p, dev.len);
	name[dev.len] = '\0';
	if (strncmp(target, "unit:", 5) == 0) {
		tl = strlen(target + 5);
		return strncmp(name, target + 5, tl) == 0 && name[tl] == '/';
	}
	if ((slash = strrchr(name, '/')) == NULL) return false;
	*slash = '\0';
	user = strrchr(name, '/');
	if (strncmp(target, "user:", 5) == 0) {
		const char *at = strchr(target, '@');
		size_t ul = at ? (size_t)(at - target - 5) : strlen(target + 5);

		return user != NULL && strlen(user + 1) == ul &&
		       memcmp(user + 1, target + 5, ul) == 0;
	}
	*slash = '/';
	return strcmp(name, target) == 0;
}

/* The unit to look up for a target: its own, or the top of ours. */
static void lookup_unit(const struct kenh_app *a, const char *target, char *out, size_t cap)
{
	const char *at = strchr(target, '@');
	const char *slash;

	if (strncmp(target, "unit:", 5) == 0) {
		snprintf(out, cap, "%s", target + 5);
	} else if (strncmp(target, "user:", 5) == 0 && at != NULL) {
		snprintf(out, cap, "%s", at + 1);
	} else if (strncmp(target, "user:", 5) == 0) {
		slash = strchr(a->me.unit, '/');
		snprintf(out, cap, "%.*s",
		         (int)(slash ? (size_t)(slash - a->me.unit) : strlen(a->me.unit)),
		         a->me.unit);
	} else {
		slash = strchr(target, '/');
		snprintf(out, cap, "%.*s", (int)(slash ? (size_t)(slash - target) : strlen(target)),
		         target);
	}
}

/* True if device name dev already holds a leaf of g. */
static bool in_group(struct kenh_app *a, const struct kenh_mls_group *g, struct kenh_span dev)
{
	struct crypto_cert_info info;
	char name[300];
	uint32_t i, n = kenh_mls_group_leaf_count(g);

	for (i = 0; i < n; i++) {
		if (kenh_member_info(a, g, i, &info) != 0) continue;
		snprintf(name, sizeof(name), "%s/%s/%s", info.unit, info.user, info.device);
		if (strlen(name) == dev.len && memcmp(name, dev.p, dev.len) == 0) return true;
	}
	return false;
}

struct adds {
	uint8_t *kp[MAX_ADD];
	size_t len[MAX_ADD];
	size_t n;
};

static int claim(struct kenh_app *a, struct kenh_span dev, struct adds *ad)
{
	struct proto_kp_claim req = { dev };
	struct proto_kp_claim_resp resp;
	int rc;

	if (ad->n == MAX_ADD) return KENH_ERR(KENH_E_TOO_LARGE);
	if ((rc = kenh_net_call(a, PROTO_KP_CLAIM, &proto_desc_kp_claim, &req,
	                        &proto_desc_kp_claim_resp, &resp, sizeof(resp), NULL)) != 0)
		return rc;
	if ((rc = mem_dup(resp.key_package.p, resp.key_package.len, &ad->kp[ad->n])) != 0)
		return rc;
	ad->len[ad->n++] = resp.key_package.len;
	return 0;
}

static int collect(struct kenh_app *a, const struct kenh_mls_group *g, const char *target,
                   struct adds *ad)
{
	struct proto_dir_lookup req;
	struct proto_dir_lookup_resp resp;
	char unit[CRYPTO_PKI_MAX_UNIT + 1], mine[300];
	size_t i, found = 0;
	int rc;

	lookup_unit(a, target, unit, sizeof(unit));
	snprintf(mine, sizeof(mine), "%s/%s/%s", a->me.unit, a->me.user, a->me.device);
	req.unit = span_make((const uint8_t *)unit, strlen(unit));
	if ((rc = kenh_net_call(a, PROTO_DIR_LOOKUP, &proto_desc_dir_lookup, &req,
	                        &proto_desc_dir_lookup_resp, &resp, sizeof(resp), NULL)) != 0)
		return rc;
	/* The response lives in the connection's frame: copy the names before claiming. */
	char(*names)[300] = NULL;
	size_t nn = 0;

	if ((rc = mem_calloc(resp.n_devices + 1, sizeof(*names), (void **)&names)) != 0) goto out;
	for (i = 0; i < resp.n_devices; i++) {
		struct kenh_span d = resp.devices[i].device;

		if (d.len >= 300 || !matches(target, d) || in_group(a, g, d)) continue;
		if (strlen(mine) == d.len && memcmp(mine, d.p, d.len) == 0) continue;
		memcpy(names[nn], d.p, d.len);
		names[nn++][d.len] = '\0';
	}
	proto_msg_clear(&proto_desc_dir_lookup_resp, &resp);
	for (i = 0; i < nn && rc == 0; i++, found++)
		rc = claim(a, span_make((const uint8_t *)names[i], strlen(names[i])), ad);
	if (rc == 0 && found == 0 && !a->opt.json)
		fprintf(stderr, "kenh: %s: no device to add\n", target);
out:
	mem_free(names);
	proto_msg_clear(&proto_desc_dir_lookup_resp, &resp);
	return rc;
}

static int add(struct kenh_app *a, const char *name, char *const *targets, size_t n)
{
	struct kenh_mls_group *g = NULL;
	struct kenh_mls_commit_args ca;
	struct adds *ad = NULL;
	uint64_t epoch = 0;
	size_t i, nsync;
	int rc;

	if ((rc = kenh_sync_run(a, 0, &nsync)) != 0) return rc;
	if ((rc = kenh_group_writable(a, name)) != 0) return rc;
	if ((rc = kenh_group_load(a, name, &g)) != 0) return rc;
	if ((rc = mem_calloc(1, sizeof(*ad), (void **)&ad)) != 0) goto out;
	for (i = 0; i < n && rc == 0; i++)
		rc = collect(a, g, targets[i], ad);
	if (rc == 0 && ad->n == 0) rc = KENH_ERR(KENH_E_NOT_FOUND);
	memset(&ca, 0, sizeof(ca));
	ca.key_packages = (const uint8_t *const *)ad->kp;
	ca.key_package_lens = ad->len;
	ca.n_add = ad->n;
	ca.include_pending = true;
	ca.ratchet_tree = true;
	if (rc == 0) rc = kenh_group_commit(a, name, &ca, &epoch);
	if (rc == 0)
		printf("added %zu device(s) to %s; epoch %llu\n", ad->n, name,
		       (unsigned long long)epoch);
out:
	for (i = 0; ad != NULL && i < ad->n; i++)
		mem_free(ad->kp[i]);
	mem_free(ad);
	kenh_mls_group_free(g);
	return rc;
}

static int removes(struct kenh_app *a, const char *name, char *const *targets, size_t n)
{
	struct kenh_mls_group *g = NULL;
	struct kenh_mls_commit_args ca;
	struct crypto_cert_info info;
	uint32_t leaves[MAX_ADD], i, count;
	char dev[300];
	size_t k = 0, t, nsync;
	uint64_t epoch;
	int rc;

	if ((rc = kenh_sync_run(a, 0, &nsync)) != 0) return rc;
	if ((rc = kenh_group_writable(a, name)) != 0) return rc;
	if ((rc = kenh_group_load(a, name, &g)) != 0) return rc;
	count = kenh_mls_group_leaf_count(g);
	for (i = 0; i < count && k < MAX_ADD; i++) {
		if (i == kenh_mls_group_own_leaf(g) || kenh_member_info(a, g, i, &info) != 0)
			continue;
		snprintf(dev, sizeof(dev), "%s/%s/%s", info.unit, info.user, info.device);
		for (t = 0; t < n; t++)
			if (matches(targets[t], span_make((const uint8_t *)dev, strlen(dev))))
				break;
		if (t < n) leaves[k++] = i;
	}
	kenh_mls_group_free(g);
	if (k == 0) return KENH_ERR(KENH_E_NOT_FOUND);
	memset(&ca, 0, sizeof(ca));
	ca.remove = leaves;
	ca.n_remove = k;
	ca.include_pending = true;
	ca.ratchet_tree = true;
	if ((rc = kenh_group_commit(a, name, &ca, &epoch)) == 0)
		printf("removed %zu device(s) from %s; epoch %llu\n", k, name,
		       (unsigned long long)epoch);
	return rc;
}

/* RFC 9420 §12.4: a Commit with a path and nothing else renews our own keys (post-compromise). */
static int update(struct kenh_app *a, const char *name)
{
	struct kenh_mls_commit_args ca;
	uint64_t epoch;
	size_t nsync;
	int rc;

	if ((rc = kenh_sync_run(a, 0, &nsync)) != 0) return rc;
	if ((rc = kenh_group_writable(a, name)) != 0) return rc;
	memset(&ca, 0, sizeof(ca));
	ca.include_pending = true;
	ca.update = true;
	ca.ratchet_tree = true;
	if ((rc = kenh_group_commit(a, name, &ca, &epoch)) == 0)
		printf("keys of this device renewed in %s; epoch %llu\n", name,
		       (unsigned long long)epoch);
	return rc;
}

int cmd_kenh_group(struct kenh_app *a, int argc, char **argv)
{
	int rc;

	if (argc < 3) return kenh_usage(GROUP_USAGE);
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	if (strcmp(argv[1], "create") == 0 && argc == 3) {
		if (strlen(argv[2]) > 200) return kenh_failf("group", "name too long");
		if ((rc = create(a, argv[2])) != 0) return kenh_fail("group create", rc);
		printf("group %s created\n", argv[2]);
		return 0;
	}
	if (strcmp(argv[1], "add") == 0 && argc > 3) {
		rc = add(a, argv[2], argv + 3, (size_t)argc - 3);
		return rc != 0 ? kenh_fail("group add", rc) : 0;
	}
	if (strcmp(argv[1], "remove") == 0 && argc > 3) {
		rc = removes(a, argv[2], argv + 3, (size_t)argc - 3);
		return rc != 0 ? kenh_fail("group remove", rc) : 0;
	}
	if (strcmp(argv[1], "update") == 0 && argc == 3) {
		rc = update(a, argv[2]);
		return rc != 0 ? kenh_fail("group update", rc) : 0;
	}
	if (strcmp(argv[1], "leave") == 0 && argc == 3) {
		rc = kenh_group_leave(a, argv[2]);
		return rc != 0 ? kenh_fail("group leave", rc) : 0;
	}
	return kenh_usage(GROUP_USAGE);
}

/* The walk of kenh groups: the first item of a JSON list has no comma (per call: the daemon lists again). */
struct list_walk {
	struct kenh_app *a;
	bool first;
	bool left; /* scanning the groups we left */
};

/* "active", "removed", "leaving" (our Remove awaits a Commit) or "left" (state deleted). */
static const char *group_state(const struct list_walk *w, const struct kenh_mls_group *g)
{
	if (g == NULL) return "left";
	if (w->left && kenh_mls_group_is_active(g)) return "leaving";
	return kenh_mls_group_is_active(g) ? "active" : "removed";
}

static int list_one(void *arg, const struct client_store_item *it)
{
	struct list_walk *w = arg;
	struct kenh_mls_group *g = NULL;
	struct kenh_mls_config cfg;
	const char *state;
	uint64_t epoch;

	kenh_mls_config(w->a, &cfg);
	if (it->value.len > 0 &&
	    kenh_mls_group_restore(w->a->ctx, &cfg, it->value.p, it->value.len, &g) != 0)
		return 0;
	state = group_state(w, g);
	epoch = g != NULL ? kenh_mls_group_epoch(g) : 0;
	if (w->a->opt.json) {
		printf("%s{\"group\":", w->first ? "" : ",");
		kenh_json_str(stdout, it->key.p, it->key.len);
		printf(",\"epoch\":%llu,\"active\":%s,\"state\":\"%s\"}", (unsigned long long)epoch,
		       strcmp(state, "active") == 0 ? "true" : "false", state);
	} else if (g != NULL) {
		printf("%.*s epoch %llu%s%s%s\n", (int)it->key.len, (const char *)it->key.p,
		       (unsigned long long)epoch, strcmp(state, "active") == 0 ? "" : " (",
		       strcmp(state, "active") == 0 ? "" : state,
		       strcmp(state, "active") == 0 ? "" : ")");
	} else {
		printf("%.*s (left)\n", (int)it->key.len, (const char *)it->key.p);
	}
	w->first = false;
	kenh_mls_group_free(g);
	return 0;
}

int cmd_kenh_groups(struct kenh_app *a, int argc, char **argv)
{
	struct list_walk w = { a, true, false };
	int rc;

	(void)argv;
	if (argc != 1) return kenh_usage("groups");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	if (a->opt.json) printf("[");
	rc = client_store_scan(a->st, CLIENT_T_GROUPS, span_make(NULL, 0), 0, 0, list_one, &w);
	w.left = true;
	if (rc == 0) rc = kenh_group_scan_left(a, list_one, &w);
	if (a->opt.json) printf("]\n");
	return rc != 0 ? kenh_fail("groups", rc) : 0;
}

int cmd_kenh_members(struct kenh_app *a, int argc, char **argv)
{
	struct kenh_mls_group *g = NULL;
	struct crypto_cert_info info;
	char serial[2 * CRYPTO_PKI_SERIAL_MAX + 1];
	uint32_t i, n;
	int rc, first = 1;

	if (argc != 2) return kenh_usage("members GROUP");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	if ((rc = kenh_group_load(a, argv[1], &g)) != 0) return kenh_fail(argv[1], rc);
	n = kenh_mls_group_leaf_count(g);
	if (a->opt.json) printf("[");
	for (i = 0; i < n; i++) {
		if (kenh_member_info(a, g, i, &info) != 0) continue;
		crypto_serial_hex(&info.serial, serial, sizeof(serial));
		if (a->opt.json)
			printf("%s{\"leaf\":%u,\"unit\":\"%s\",\"user\":\"%s\",\"device\":\"%s\","
			       "\"serial\":\"%s\",\"not_after\":%llu}",
			       first ? "" : ",", i, info.unit, info.user, info.device, serial,
			       (unsigned long long)info.not_after);
		else
			printf("%u %s/%s/%s%s\n", i, info.unit, info.user, info.device,
			       i == kenh_mls_group_own_leaf(g) ? " (this device)" : "");
		first = 0;
	}
	if (a->opt.json) printf("]\n");
	kenh_mls_group_free(g);
	return 0;
}
