/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh's groups: MLS group states (RFC 9420) kept serialized in the
 * store's groups table under their group id; Commits (§12.4) sent as
 * PublicMessage through HANDSHAKE with the Welcome and the new epoch's
 * GroupInfo, merged once the relay accepted them (§14), and retried once
 * after catching up when another Commit won the epoch (STATE,
 * docs/protocol.md §5); application messages (§6.3) sent with APP_SEND.
 */
#include "kenh.h"

#include "util/compat.h"

#include <fcntl.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "../common/cli.h"
#include "client/client_evidence.h"
#include "crypto/crypto.h"
#include "proto/proto.h"
#include "util/mem.h"

/* The scope of the group rows of groups we left (RFC 9420 §12.1.3; kenh group leave). */
static const uint8_t left_scope[] = { 'l', 'e', 'f', 't' };

static bool is_left_scope(struct kenh_span scope)
{
	return scope.len == sizeof(left_scope) && memcmp(scope.p, left_scope, scope.len) == 0;
}

int kenh_group_load_id(struct kenh_app *a, struct kenh_span gid, struct kenh_mls_group **out)
{
	struct client_store_item it;
	struct kenh_mls_config cfg;
	int rc;

	*out = NULL;
	if ((rc = client_store_get(a->st, CLIENT_T_GROUPS, gid, &it)) != 0) return rc;
	kenh_mls_config(a, &cfg);
	/* A group we left and whose keys we deleted keeps an empty row. */
	if (it.value.len == 0)
		rc = KENH_CLI_E_LEFT;
	else
		rc = kenh_mls_group_restore(a->ctx, &cfg, it.value.p, it.value.len, out);
	client_store_item_clear(&it);
	return rc;
}

int kenh_group_load(struct kenh_app *a, const char *name, struct kenh_mls_group **out)
{
	return kenh_group_load_id(a, span_make((const uint8_t *)name, strlen(name)), out);
}

static int save_scoped(struct kenh_app *a, const struct kenh_mls_group *g, bool left)
{
	struct client_store_put row;
	uint8_t *ser = NULL;
	size_t len = 0;
	int rc;

	if ((rc = kenh_mls_group_serialize(g, &ser, &len)) != 0) return rc;
	memset(&row, 0, sizeof(row));
	kenh_mls_group_id(g, &row.key.p, &row.key.len);
	if (left) row.scope = span_make(left_scope, sizeof(left_scope));
	row.value = span_make(ser, len);
	rc = client_store_put(a->st, CLIENT_T_GROUPS, &row, NULL);
	kenh_mls_free(ser, len);
	return rc;
}

int kenh_group_save(struct kenh_app *a, const struct kenh_mls_group *g)
{
	int rc = save_scoped(a, g, false);

	/* A row keeps its scope: one of a group being left is in the "left" scope. */
	if (rc == KENH_E_INVALID_ARG) rc = save_scoped(a, g, true);
	return rc;
}

/*
 * Replace g's row in one transaction, in the "left" scope if left; a group
 * new to the store (no row yet) is accepted only when it is not being left.
 */
static int resave(struct kenh_app *a, const struct kenh_mls_group *g, bool left)
{
	struct kenh_span gid;
	int rc;

	kenh_mls_group_id(g, &gid.p, &gid.len);
	if ((rc = client_store_begin(a->st)) != 0) return rc;
	rc = client_store_del(a->st, CLIENT_T_GROUPS, gid);
	if (rc == KENH_E_NOT_FOUND && !left) rc = 0;
	if (rc == 0) rc = save_scoped(a, g, left);
	if (rc == 0) return client_store_commit(a->st);
	return client_store_rollback(a->st) != 0 ? KENH_ERR(KENH_E_DB) : rc;
}

int kenh_group_save_new(struct kenh_app *a, const struct kenh_mls_group *g)
{
	return resave(a, g, false);
}

int kenh_group_left(struct kenh_app *a, struct kenh_span gid, bool *left)
{
	struct client_store_item it;
	int rc;

	*left = false;
	if ((rc = client_store_get(a->st, CLIENT_T_GROUPS, gid, &it)) != 0) return rc;
	*left = is_left_scope(it.scope);
	client_store_item_clear(&it);
	return 0;
}

int kenh_group_mark_left(struct kenh_app *a, const struct kenh_mls_group *g)
{
	return resave(a, g, true);
}

int kenh_group_forget(struct kenh_app *a, struct kenh_span gid)
{
	struct client_store_put row;
	int rc;

	/* The row moves to the "left" scope with no state: the group's secrets are gone. */
	if ((rc = client_store_begin(a->st)) != 0) return rc;
	rc = client_store_del(a->st, CLIENT_T_GROUPS, gid);
	memset(&row, 0, sizeof(row));
	row.key = gid;
	row.scope = span_make(left_scope, sizeof(left_scope));
	if (rc == 0 || rc == KENH_E_NOT_FOUND)
		rc = client_store_put(a->st, CLIENT_T_GROUPS, &row, NULL);
	if (rc == 0) return client_store_commit(a->st);
	return client_store_rollback(a->st) != 0 ? KENH_ERR(KENH_E_DB) : rc;
}

int kenh_group_scan_left(struct kenh_app *a, client_store_item_fn *fn, void *arg)
{
	return client_store_scan(a->st, CLIENT_T_GROUPS, span_make(left_scope, sizeof(left_scope)),
	                         0, 0, fn, arg);
}

/* Remember a message we sent, so that its copy from the relay is discarded (DESIGN §5). */
int kenh_group_seen_own(struct kenh_app *a, const uint8_t *msg, size_t len)
{
	const struct crypto_kdf *h = crypto_kdf_get(a->ctx, CRYPTO_KDF_HKDF_SHA256);
	uint8_t d[32];
	bool dup;
	int rc;

	if (h == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	if ((rc = crypto_hash(h, msg, len, d)) != 0) return rc;
	return client_store_seen(a->st, span_make(d, sizeof(d)), cli_now(), KENH_SEEN_DAYS, &dup);
}

static int submit(struct kenh_app *a, const struct kenh_mls_commit_out *co, uint64_t *epoch)
{
	struct proto_handshake req;
	struct proto_handshake_resp resp;
	int rc;

	memset(&req, 0, sizeof(req));
	req.message = span_make(co->commit, co->commit_len);
	req.welcome.present = co->welcome != NULL;
	req.welcome.v = span_make(co->welcome, co->welcome_len);
	req.group_info.present = co->group_info != NULL;
	req.group_info.v = span_make(co->group_info, co->group_info_len);
	rc = kenh_net_call(a, PROTO_HANDSHAKE, &proto_desc_handshake, &req,
	                   &proto_desc_handshake_resp, &resp, sizeof(resp), NULL);
	if (rc == 0) *epoch = resp.epoch;
	return rc;
}

static int commit_once(struct kenh_app *a, const char *name, const struct kenh_mls_commit_args *ca,
                       uint64_t *epoch)
{
	struct kenh_mls_group *g = NULL;
	struct kenh_mls_commit_out co;
	struct kenh_mls_event ev;
	int rc;

	memset(&co, 0, sizeof(co));
	memset(&ev, 0, sizeof(ev));
	if ((rc = kenh_group_load(a, name, &g)) != 0) return rc;
	if ((rc = kenh_mls_group_commit(g, ca, &co)) != 0) goto out;
	if ((rc = submit(a, &co, epoch)) != 0) goto out;
	if ((rc = kenh_mls_group_commit_merge(g, &ev)) == 0 && (rc = kenh_group_save(a, g)) == 0)
		rc = kenh_group_seen_own(a, co.commit, co.commit_len);
out:
	kenh_mls_event_clear(&ev);
	kenh_mls_commit_out_clear(&co);
	kenh_mls_group_free(g);
	return rc;
}

/*
 * KENH_TEST_COMMIT_BARRIER=DIR (tests/integ/kenh_conditions.sh only): before
 * its first attempt a Commit waits, at most 20 s, until two processes have
 * reached the barrier, so that two members commit on the same epoch and
 * one of them must catch up and retry.
 */
static void test_barrier(void)
{
	const struct timespec tick = { 0, 100L * 1000 * 1000 };
	const char *dir = getenv("KENH_TEST_COMMIT_BARRIER");
	char path[KENH_PATH_MAX], other[KENH_PATH_MAX];
	int i, fd;

	if (dir == NULL) return;
	snprintf(path, sizeof(path), "%s/a", dir);
	snprintf(other, sizeof(other), "%s/b", dir);
	/* The first process takes "a", the second "b" (O_EXCL decides). */
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0)
		fd = open(other, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0) return;
	close(fd);
	for (i = 0; i < 200 && !(cli_file_exists(path) && cli_file_exists(other)); i++)
		nanosleep(&tick, NULL);
}

int kenh_group_commit(struct kenh_app *a, const char *name, const struct kenh_mls_commit_args *ca,
                      uint64_t *epoch)
{
	size_t n;
	int rc;

	*epoch = 0;
	test_barrier();
	rc = commit_once(a, name, ca, epoch);
	if (rc != KENH_E_STATE) return rc;
	/* Another Commit won the epoch: catch up, then try again on the new one. */
	if ((rc = kenh_sync_run(a, 0, &n)) != 0) return rc;
	return commit_once(a, name, ca, epoch);
}

int kenh_group_writable(struct kenh_app *a, const char *name)
{
	bool left;
	int rc = kenh_group_left(a, span_make((const uint8_t *)name, strlen(name)), &left);

	return rc == 0 && left ? KENH_CLI_E_LEFT : rc;
}

/* Sign evidence content (DESIGN §7) with the device key; sig empty for other types. */
static int sign_content(struct kenh_app *a, struct kenh_span gid, const struct client_content *c,
                        struct kenh_span content, uint8_t *sig, size_t *siglen)
{
	struct client_signer who;

	*siglen = 0;
	if (!client_content_has_evidence(c->type)) return 0;
	who.user = span_make((const uint8_t *)a->me.user, strlen(a->me.user));
	who.unit = span_make((const uint8_t *)a->me.unit, strlen(a->me.unit));
	who.device = span_make((const uint8_t *)a->me.device, strlen(a->me.device));
	return client_evidence_sign(a->ctx, &a->id.key, &who, gid, content, sig, siglen);
}

/* kenh send --out: the MLSMessage to the next file of the folder instead of the relay. */
static int write_out(struct kenh_app *a, const uint8_t *msg, size_t len)
{
	char path[KENH_PATH_MAX];
	int n = snprintf(path, sizeof(path), "%s/%06zu.mls", a->send_out, ++a->send_outn);

	if (n < 0 || (size_t)n >= sizeof(path)) return KENH_ERR(KENH_E_INVALID_ARG);
	return cli_file_write(path, msg, len, false, true);
}

static int send_app(struct kenh_app *a, struct kenh_mls_group *g, struct kenh_span appmsg)
{
	struct proto_app_send req;
	struct proto_seq_resp resp;
	uint8_t *msg = NULL;
	size_t len = 0;
	int rc;

	if ((rc = kenh_mls_group_encrypt(g, appmsg.p, appmsg.len, &msg, &len)) != 0) return rc;
	/* The ratchet moved: keep the state before the message leaves (no key reuse). */
	if ((rc = kenh_group_save(a, g)) == 0 && (rc = kenh_group_seen_own(a, msg, len)) == 0 &&
	    a->send_out != NULL) {
		rc = write_out(a, msg, len);
	} else if (rc == 0) {
		req.message = span_make(msg, len);
		rc = kenh_net_call(a, PROTO_APP_SEND, &proto_desc_app_send, &req,
		                   &proto_desc_seq_resp, &resp, sizeof(resp), NULL);
	}
	kenh_mls_free(msg, len);
	return rc;
}

/* Commit proposals that block sending (RFC 9420 §12.4: none may be pending). */
static int flush_pending(struct kenh_app *a, const char *name, struct kenh_mls_group **g)
{
	struct kenh_mls_commit_args ca;
	uint64_t epoch;
	int rc;

	if (kenh_mls_group_pending_proposals(*g) == 0) return 0;
	memset(&ca, 0, sizeof(ca));
	ca.include_pending = true;
	ca.ratchet_tree = true;
	kenh_mls_group_free(*g);
	*g = NULL;
	if ((rc = kenh_group_commit(a, name, &ca, &epoch)) != 0) return rc;
	return kenh_group_load(a, name, g);
}

int kenh_group_send(struct kenh_app *a, const char *name, const struct client_content *c,
                    uint8_t *id_out)
{
	struct kenh_mls_group *g = NULL;
	uint8_t *content = NULL, *app = NULL, sig[CLIENT_EVIDENCE_MAX_SIG];
	size_t clen = 0, applen = 0, siglen = 0;
	struct kenh_span gid;
	int rc;

	if ((rc = kenh_group_writable(a, name)) != 0) return rc;
	if ((rc = kenh_group_load(a, name, &g)) != 0) return rc;
	if ((rc = flush_pending(a, name, &g)) != 0) goto out;
	kenh_mls_group_id(g, &gid.p, &gid.len);
	if ((rc = client_content_encode(c, &content, &clen)) != 0) goto out;
	if ((rc = sign_content(a, gid, c, span_make(content, clen), sig, &siglen)) != 0) goto out;
	if ((rc = client_appmsg_encode(span_make(content, clen), span_make(sig, siglen), &app,
	                               &applen)) != 0)
		goto out;
	if ((rc = send_app(a, g, span_make(app, applen))) != 0) goto out;
	rc = kenh_hist_receive(a, g, kenh_mls_group_own_leaf(g), span_make(app, applen));
	if (rc == 0 && id_out != NULL) memcpy(id_out, c->id, CLIENT_ID_LEN);
out:
	if (content != NULL) sec_free(content, clen);
	if (app != NULL) sec_free(app, applen);
	kenh_mls_group_free(g);
	return rc;
}
