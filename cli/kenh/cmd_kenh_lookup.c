/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh users [UNIT], kenh units [UNIT], kenh lookup USER|UNIT|DEVICE and
 * kenh devices (issue 6: "list and look up users and units", "show
 * identity and devices"), from the relay's directory (DIR_LOOKUP,
 * docs/protocol.md §5): the devices of a unit's subtree that uploaded
 * KeyPackages and are not revoked. Device names are "unit/user/device"
 * (docs/pki.md), so users and units are derived from them; a unit
 * without any enrolled device is not known. The relay can hide a device
 * but not invent one that could join a group: every KeyPackage is
 * checked against the organization's root when it is added
 * (docs/decisions/0002-directory.md). A device's certificate expiry is
 * shown when it is known here: our own, or a member of one of our groups
 * (from its MLS credential).
 */
#include "kenh.h"

#include "util/compat.h"

#include <stdlib.h>

#include "../common/cli.h"
#include "proto/proto.h"
#include "util/mem.h"

#define NAME_CAP (CRYPTO_PKI_MAX_UNIT + CRYPTO_PKI_MAX_USER + CRYPTO_PKI_MAX_DEVICE + 3)

/* One directory entry, split into its names. */
struct dir_dev {
	char name[NAME_CAP];
	char unit[CRYPTO_PKI_MAX_UNIT + 1];
	char user[CRYPTO_PKI_MAX_USER + 1];
	const char *device; /* into name */
	uint32_t key_packages;
	bool last_resort;
	uint64_t not_after; /* 0: not known here */
};

struct dir_list {
	struct dir_dev *d;
	size_t n;
};

/* Split "unit/user/device"; false for a name that is not of that form. */
static bool split_name(struct kenh_span in, struct dir_dev *out)
{
	char *dev, *user;

	if (in.len == 0 || in.len >= sizeof(out->name)) return false;
	/* No control characters from the relay on a terminal. */
	for (size_t i = 0; i < in.len; i++)
		if (in.p[i] < 0x20 || in.p[i] == 0x7f) return false;
	memcpy(out->name, in.p, in.len);
	out->name[in.len] = '\0';
	if ((dev = strrchr(out->name, '/')) == NULL) return false;
	*dev = '\0';
	user = strrchr(out->name, '/');
	if (user == NULL || (size_t)(user - out->name) > CRYPTO_PKI_MAX_UNIT ||
	    strlen(user + 1) > CRYPTO_PKI_MAX_USER) {
		*dev = '/';
		return false;
	}
	snprintf(out->unit, sizeof(out->unit), "%.*s", (int)(user - out->name), out->name);
	snprintf(out->user, sizeof(out->user), "%s", user + 1);
	*dev = '/';
	out->device = dev + 1;
	return true;
}

static int by_name(const void *x, const void *y)
{
	const struct dir_dev *a = x, *b = y;
	int c = strcmp(a->unit, b->unit);

	if (c == 0) c = strcmp(a->user, b->user);
	return c != 0 ? c : strcmp(a->device, b->device);
}

/* DIR_LOOKUP of unit, copied out of the connection's frame and sorted. */
static int fetch(struct kenh_app *a, const char *unit, struct dir_list *out)
{
	struct proto_dir_lookup req;
	struct proto_dir_lookup_resp resp;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	req.unit = span_make((const uint8_t *)unit, strlen(unit));
	if ((rc = kenh_net_call(a, PROTO_DIR_LOOKUP, &proto_desc_dir_lookup, &req,
	                        &proto_desc_dir_lookup_resp, &resp, sizeof(resp), NULL)) != 0)
		return rc;
	rc = mem_calloc(resp.n_devices + 1, sizeof(*out->d), (void **)&out->d);
	for (i = 0; rc == 0 && i < resp.n_devices; i++) {
		struct dir_dev *d = &out->d[out->n];

		if (!split_name(resp.devices[i].device, d)) continue;
		d->key_packages = resp.devices[i].key_packages;
		d->last_resort = resp.devices[i].has_last_resort;
		out->n++;
	}
	proto_msg_clear(&proto_desc_dir_lookup_resp, &resp);
	if (rc == 0) qsort(out->d, out->n, sizeof(*out->d), by_name);
	return rc;
}

/* Certificate expiries known here: ours, and those of our groups' members. */
struct expiry_walk {
	struct kenh_app *a;
	struct dir_list *l;
};

static int expiry_one(void *arg, const struct client_store_item *it)
{
	struct expiry_walk *w = arg;
	struct kenh_app *a = w->a;
	struct dir_list *l = w->l;
	struct kenh_mls_group *g = NULL;
	struct kenh_mls_config cfg;
	struct crypto_cert_info info;
	char name[NAME_CAP];
	uint32_t i, n;
	size_t j;

	kenh_mls_config(a, &cfg);
	if (kenh_mls_group_restore(a->ctx, &cfg, it->value.p, it->value.len, &g) != 0) return 0;
	n = kenh_mls_group_leaf_count(g);
	for (i = 0; i < n; i++) {
		if (kenh_member_info(a, g, i, &info) != 0) continue;
		snprintf(name, sizeof(name), "%s/%s/%s", info.unit, info.user, info.device);
		for (j = 0; j < l->n; j++)
			if (strcmp(l->d[j].name, name) == 0) l->d[j].not_after = info.not_after;
	}
	kenh_mls_group_free(g);
	return 0;
}

static int known_expiry(struct kenh_app *a, struct dir_list *l)
{
	char mine[NAME_CAP];
	struct expiry_walk w = { a, l };
	size_t j;

	snprintf(mine, sizeof(mine), "%s/%s/%s", a->me.unit, a->me.user, a->me.device);
	for (j = 0; j < l->n; j++)
		if (strcmp(l->d[j].name, mine) == 0) l->d[j].not_after = a->me.not_after;
	return client_store_scan(a->st, CLIENT_T_GROUPS, span_make(NULL, 0), 0, 0, expiry_one, &w);
}

/* The top unit of ours: a look-up without a unit covers the whole organization branch. */
static void top_unit(const struct kenh_app *a, char *out, size_t cap)
{
	const char *slash = strchr(a->me.unit, '/');
	size_t len = slash != NULL ? (size_t)(slash - a->me.unit) : strlen(a->me.unit);

	snprintf(out, cap, "%.*s", (int)len, a->me.unit);
}

/* Names come from the relay: quoted and escaped in JSON. */
static void json_text(const char *s)
{
	kenh_json_str(stdout, (const uint8_t *)s, strlen(s));
}

static void print_device(const struct kenh_app *a, const struct dir_dev *d, bool first)
{
	char until[32];
	bool mine = strcmp(d->unit, a->me.unit) == 0 && strcmp(d->user, a->me.user) == 0 &&
	            strcmp(d->device, a->me.device) == 0;

	if (a->opt.json) {
		printf("%s{\"device\":", first ? "" : ",");
		json_text(d->device);
		printf(",\"name\":");
		json_text(d->name);
		printf(",\"key_packages\":%u,\"last_resort\":%s,\"this_device\":%s,\"not_after\":",
		       d->key_packages, d->last_resort ? "true" : "false", mine ? "true" : "false");
		if (d->not_after != 0)
			printf("%llu}", (unsigned long long)d->not_after);
		else
			printf("null}");
		return;
	}
	printf("    %s  %u KeyPackage(s)%s", d->name, d->key_packages,
	       d->last_resort ? " + last resort" : "");
	if (d->not_after != 0) {
		cli_time_format(d->not_after, until, sizeof(until));
		printf(", certificate valid until %s", until);
	}
	printf("%s\n", mine ? " (this device)" : "");
}

typedef bool keep_fn(const struct dir_dev *d, const void *arg);

/* Print the users of l (those keep accepts), each with its devices; the number of users. */
static size_t print_users(const struct kenh_app *a, const struct dir_list *l, keep_fn *keep,
                          const void *arg)
{
	const struct dir_dev *prev = NULL;
	size_t i, users = 0;

	if (a->opt.json) printf("[");
	for (i = 0; i < l->n; i++) {
		const struct dir_dev *d = &l->d[i];
		bool same;

		if (!keep(d, arg)) continue;
		same = prev != NULL && strcmp(d->unit, prev->unit) == 0 &&
		       strcmp(d->user, prev->user) == 0;
		if (!same && a->opt.json) {
			printf("%s{\"user\":", users ? "]}," : "");
			json_text(d->user);
			printf(",\"unit\":");
			json_text(d->unit);
			printf(",\"devices\":[");
		} else if (!same) {
			printf("%s@%s\n", d->user, d->unit);
		}
		if (!same) users++;
		print_device(a, d, !same);
		prev = d;
	}
	if (a->opt.json) printf("%s]\n", users ? "]}" : "");
	return users;
}

static size_t count_kept(const struct dir_list *l, keep_fn *keep, const void *arg)
{
	size_t i, n = 0;

	for (i = 0; i < l->n; i++)
		n += keep(&l->d[i], arg) ? 1 : 0;
	return n;
}

static bool keep_all(const struct dir_dev *d, const void *arg)
{
	(void)d;
	(void)arg;
	return true;
}

/* The optional UNIT argument of users and units, or our top unit. */
static void unit_arg(const struct kenh_app *a, int argc, char **argv, char *unit, size_t cap)
{
	if (argc == 2)
		snprintf(unit, cap, "%s", argv[1]);
	else
		top_unit(a, unit, cap);
}

int cmd_kenh_users(struct kenh_app *a, int argc, char **argv)
{
	struct dir_list l = { NULL, 0 };
	char unit[CRYPTO_PKI_MAX_UNIT + 1];
	int rc;

	if (argc > 2) return kenh_usage("users [UNIT]");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	unit_arg(a, argc, argv, unit, sizeof(unit));
	if ((rc = fetch(a, unit, &l)) == 0 && (rc = known_expiry(a, &l)) == 0)
		(void)print_users(a, &l, keep_all, NULL);
	mem_free(l.d);
	return rc != 0 ? kenh_fail("users", rc) : 0;
}

/* Unit u and its ancestors up to (not above) base, once each: *n grows. */
static void add_units(const char *u, const char *base, char (*units)[CRYPTO_PKI_MAX_UNIT + 1],
                      size_t cap, size_t *n)
{
	char cur[CRYPTO_PKI_MAX_UNIT + 1], *slash;
	size_t i;

	snprintf(cur, sizeof(cur), "%s", u);
	while (strlen(cur) >= strlen(base)) {
		for (i = 0; i < *n && strcmp(units[i], cur) != 0; i++)
			;
		if (i == *n && *n < cap) snprintf(units[(*n)++], sizeof(units[0]), "%s", cur);
		if ((slash = strrchr(cur, '/')) == NULL) break;
		*slash = '\0';
	}
}

static int by_unit(const void *x, const void *y)
{
	return strcmp((const char *)x, (const char *)y);
}

int cmd_kenh_units(struct kenh_app *a, int argc, char **argv)
{
	struct dir_list l = { NULL, 0 };
	char base[CRYPTO_PKI_MAX_UNIT + 1], (*units)[CRYPTO_PKI_MAX_UNIT + 1] = NULL;
	size_t i, j, n = 0, devs;
	int rc;

	if (argc > 2) return kenh_usage("units [UNIT]");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	unit_arg(a, argc, argv, base, sizeof(base));
	if ((rc = fetch(a, base, &l)) != 0) goto out;
	if ((rc = mem_calloc(l.n + 1, sizeof(*units), (void **)&units)) != 0) goto out;
	for (i = 0; i < l.n; i++)
		add_units(l.d[i].unit, base, units, l.n + 1, &n);
	qsort(units, n, sizeof(*units), by_unit);
	if (a->opt.json) printf("[");
	for (i = 0; i < n; i++) {
		size_t ul = strlen(units[i]);

		for (devs = 0, j = 0; j < l.n; j++)
			devs += strncmp(l.d[j].unit, units[i], ul) == 0 &&
			        (l.d[j].unit[ul] == '\0' || l.d[j].unit[ul] == '/');
		if (a->opt.json) {
			printf("%s{\"unit\":", i ? "," : "");
			json_text(units[i]);
			printf(",\"devices\":%zu}", devs);
		} else {
			printf("%s  %zu device(s) in its subtree\n", units[i], devs);
		}
	}
	if (a->opt.json) printf("]\n");
out:
	mem_free(units);
	mem_free(l.d);
	return rc != 0 ? kenh_fail("units", rc) : 0;
}

/* What kenh lookup asked for. */
struct target {
	const char *unit;   /* unit:PATH, or a path: the devices of its subtree */
	const char *user;   /* user:USER[@UNIT], or a bare name */
	const char *device; /* a whole device name */
	size_t ulen;
};

static bool keep_target(const struct dir_dev *d, const void *arg)
{
	const struct target *t = arg;

	if (t->device != NULL) return strcmp(d->name, t->device) == 0;
	/* A bare name is a user's, or a device's own (the last part of its name). */
	if (t->user != NULL && t->unit == NULL && strcmp(d->device, t->user) == 0) return true;
	if (t->user != NULL)
		return strlen(d->user) == t->ulen && memcmp(d->user, t->user, t->ulen) == 0 &&
		       (t->unit == NULL || strcmp(d->unit, t->unit) == 0);
	return true;
}

/* unit:PATH, user:USER[@UNIT], a device name, a unit path, or a user or device id. */
static void parse_target(const char *s, struct target *t)
{
	const char *at;

	memset(t, 0, sizeof(*t));
	if (strncmp(s, "unit:", 5) == 0) {
		t->unit = s + 5;
	} else if (strncmp(s, "user:", 5) == 0 || strchr(s, '/') == NULL) {
		t->user = strncmp(s, "user:", 5) == 0 ? s + 5 : s;
		at = strchr(t->user, '@');
		t->ulen = at != NULL ? (size_t)(at - t->user) : strlen(t->user);
		t->unit = at != NULL ? at + 1 : NULL;
	} else {
		t->device = s;
	}
}

int kenh_lookup_run(struct kenh_app *a, const char *what)
{
	struct dir_list l = { NULL, 0 };
	struct dir_dev probe;
	struct target t;
	char unit[CRYPTO_PKI_MAX_UNIT + 1];
	int rc;

	parse_target(what, &t);
	/* A path that is not a whole device name is a unit. */
	if (t.device != NULL &&
	    !split_name(span_make((const uint8_t *)what, strlen(what)), &probe)) {
		t.unit = what;
		t.device = NULL;
	}
	if (t.device != NULL)
		snprintf(unit, sizeof(unit), "%s", probe.unit);
	else if (t.unit != NULL)
		snprintf(unit, sizeof(unit), "%s", t.unit);
	else
		top_unit(a, unit, sizeof(unit));
	rc = fetch(a, unit, &l);
	/* "tb/pc02/alice" names a user as well as it could a unit: try the device, then the unit. */
	if (rc == 0 && t.device != NULL && count_kept(&l, keep_target, &t) == 0) {
		t.unit = what;
		t.device = NULL;
		mem_free(l.d);
		snprintf(unit, sizeof(unit), "%s", what);
		rc = fetch(a, unit, &l);
	}
	if (rc == 0) rc = known_expiry(a, &l);
	if (rc == 0 && print_users(a, &l, keep_target, &t) == 0) rc = KENH_ERR(KENH_E_NOT_FOUND);
	mem_free(l.d);
	return rc;
}

int cmd_kenh_lookup(struct kenh_app *a, int argc, char **argv)
{
	int rc;

	if (argc != 2) return kenh_usage("lookup USER|user:USER[@UNIT]|UNIT|unit:PATH|DEVICE");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	rc = kenh_lookup_run(a, argv[1]);
	return rc != 0 ? kenh_fail(argv[1], rc) : 0;
}

static bool keep_mine(const struct dir_dev *d, const void *arg)
{
	const struct kenh_app *a = arg;

	return strcmp(d->unit, a->me.unit) == 0 && strcmp(d->user, a->me.user) == 0;
}

int cmd_kenh_devices(struct kenh_app *a, int argc, char **argv)
{
	struct dir_list l = { NULL, 0 };
	int rc;

	(void)argv;
	if (argc != 1) return kenh_usage("devices");
	if ((rc = kenh_dev_open(a, true)) != 0) return rc;
	if ((rc = fetch(a, a->me.unit, &l)) == 0 && (rc = known_expiry(a, &l)) == 0)
		(void)print_users(a, &l, keep_mine, a);
	mem_free(l.d);
	return rc != 0 ? kenh_fail("devices", rc) : 0;
}
