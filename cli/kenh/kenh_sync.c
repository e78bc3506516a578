/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Catching up (DESIGN §5, docs/protocol.md FETCH/ACK): fetch everything
 * above our cursors, oldest first; discard what was processed before (the
 * seen table, keyed by the message's SHA-256: delivery is at least once);
 * join groups from Welcomes in the inbox; process each group message with
 * RFC 9420 rules (a message for an epoch we are not in is skipped: it
 * cannot be processed later either); keep application messages in the
 * history; acknowledge what was handled (unless KENH_TEST_NO_ACK is set:
 * tests/integ/kenh_client.sh then sees everything delivered again and
 * discarded). Proposals from the relay as external sender (Remove of a
 * revoked device, §12.1.8.1) and a member's Remove proposal (a member
 * leaving, §12.1.3) are committed at the end by whoever is online first;
 * a Commit that removes a group we left deletes its state. A message that
 * no longer decrypts is reported. A wipe order (delivery kind
 * wipe, docs/protocol.md WIPE_SEND) is verified and, if valid, erases the
 * store at once (kenh_wipe.c); one that does not verify is reported and
 * dropped. A renewed certificate (delivery kind cert) is installed if it
 * is ours and newer, else reported and dropped; after every fetch, groups
 * whose leaf for us still carries an older certificate get an Update
 * Commit with the current one (cmd_kenh_renew.c). listen keeps the
 * connection live and fetches again on every push. Every sync starts with
 * the relay's CRLs (kenh_crl.c), so each credential is checked against
 * them; a message from a member a held CRL lists is reported and dropped,
 * and a device that finds itself revoked only fetches its wipe orders (the
 * relay allows no more).
 * Joins, membership changes and wipes are reported through kenh_emit
 * (the daemon's subscribers, docs/daemon.md §3).
 */
#include "kenh.h"

#include "util/compat.h"

#include "../common/cli.h"
#include "../common/cli_relay.h"
#include "codec/limits.h"
#include "crypto/crypto.h"
#include "proto/proto.h"
#include "util/mem.h"

#define FETCH_MAX           256
#define LIMIT_GROUP_ID_TEXT (LIMIT_GROUP_ID + 1)
#define MAX_PENDING         64
#define PROPOSAL_REMOVE     3 /* RFC 9420 §17.4 */

struct sync_state {
	struct kenh_app *a;
	size_t processed;
	char pending[MAX_PENDING][LIMIT_GROUP_ID_TEXT];
	bool external[MAX_PENDING]; /* the relay proposed (else a member leaving) */
	size_t npending;
};

static void want_commit(struct sync_state *s, struct kenh_span gid, bool external)
{
	size_t i;

	if (gid.len >= LIMIT_GROUP_ID_TEXT) return;
	for (i = 0; i < s->npending; i++)
		if (strlen(s->pending[i]) == gid.len && memcmp(s->pending[i], gid.p, gid.len) == 0)
			return;
	if (s->npending == MAX_PENDING) return;
	memcpy(s->pending[s->npending], gid.p, gid.len);
	s->external[s->npending] = external;
	s->pending[s->npending++][gid.len] = '\0';
}

static int on_welcome(struct sync_state *s, struct kenh_span msg)
{
	struct kenh_mls_group *g = NULL, *old = NULL;
	struct kenh_span gid;
	int rc;

	if ((rc = kenh_kp_join(s->a, msg, &g)) != 0) return rc;
	kenh_mls_group_id(g, &gid.p, &gid.len);
	/* RFC 9420 §12.4.3.1: the caller checks the group is not one of ours already. */
	if (kenh_group_load_id(s->a, gid, &old) == 0 && kenh_mls_group_is_active(old)) {
		kenh_mls_group_free(old);
		kenh_mls_group_free(g);
		return KENH_ERR(KENH_E_EXISTS);
	}
	kenh_mls_group_free(old);
	rc = kenh_group_save_new(s->a, g);
	if (rc == 0 && !s->a->opt.json)
		fprintf(stderr, "joined group %.*s\n", (int)gid.len, (const char *)gid.p);
	if (rc == 0) {
		struct kenh_event ev = { KENH_EVENT_JOINED, gid, kenh_mls_group_epoch(g), NULL,
			                 NULL };

		kenh_emit(s->a, &ev);
	}
	kenh_mls_group_free(g);
	return rc;
}

/* The state is kept even if the content was refused: the ratchet moved. */
static int save_after(struct sync_state *s, const struct kenh_mls_group *g, int rc)
{
	int src = kenh_group_save(s->a, g);

	return rc != 0 ? rc : src;
}

/* A Commit removed us: a group we left loses its state (and secrets) at once. */
static int on_removed(struct sync_state *s, struct kenh_span gid, const struct kenh_mls_group *g)
{
	bool left = false;
	int rc;

	if ((rc = kenh_group_left(s->a, gid, &left)) != 0) return rc;
	if (!left) {
		if (!s->a->opt.json)
			fprintf(stderr, "removed from group %.*s\n", (int)gid.len,
			        (const char *)gid.p);
		return kenh_group_save(s->a, g);
	}
	if ((rc = kenh_group_forget(s->a, gid)) == 0 && !s->a->opt.json)
		fprintf(stderr, "left group %.*s: its keys are deleted\n", (int)gid.len,
		        (const char *)gid.p);
	return rc;
}

/*
 * An application message is recorded, unless a CRL we hold lists its
 * sender (issue 5 item 4): then it is reported in one line and dropped.
 */
static int on_application(struct sync_state *s, struct kenh_mls_group *g,
                          const struct kenh_mls_event *ev)
{
	struct crypto_cert_info who;
	struct kenh_span gid;
	bool revoked = false;
	int rc;

	if ((rc = kenh_member_revoked(s->a, g, ev->sender, &revoked)) != 0) return rc;
	if (!revoked)
		return kenh_hist_receive(s->a, g, ev->sender, span_make(ev->data, ev->data_len));
	kenh_mls_group_id(g, &gid.p, &gid.len);
	if ((rc = kenh_member_info(s->a, g, ev->sender, &who)) != 0) return rc;
	if (s->a->opt.json) {
		printf("{\"event\":\"dropped_revoked\",\"group\":");
		kenh_json_str(stdout, gid.p, gid.len);
		printf(",\"device\":\"%s/%s/%s\"}\n", who.unit, who.user, who.device);
	} else {
		fprintf(stderr,
		        "kenh: dropped a message in %.*s from %s/%s/%s: its certificate is revoked\n",
		        (int)gid.len, (const char *)gid.p, who.unit, who.user, who.device);
	}
	return 0;
}

static int on_group(struct sync_state *s, struct kenh_span gid, struct kenh_span msg)
{
	struct kenh_mls_group *g = NULL;
	struct kenh_mls_event ev;
	int rc;

	memset(&ev, 0, sizeof(ev));
	if ((rc = kenh_group_load_id(s->a, gid, &g)) != 0) return rc;
	if ((rc = kenh_mls_group_process(g, msg.p, msg.len, &ev)) != 0) goto out;
	if (ev.type == KENH_MLS_EVENT_APPLICATION) rc = on_application(s, g, &ev);
	/*
	 * The relay's Remove proposals wait for a member's Commit (docs/protocol.md
	 * §8), and so does a member's Remove proposal: RFC 9420 §12.1.3, a member
	 * leaving proposes its own removal, which it cannot commit.
	 */
	if (ev.type == KENH_MLS_EVENT_PROPOSAL &&
	    (ev.sender_type == KENH_MLS_SENDER_EXTERNAL || ev.proposal_type == PROPOSAL_REMOVE))
		want_commit(s, gid, ev.sender_type == KENH_MLS_SENDER_EXTERNAL);
	if (ev.type == KENH_MLS_EVENT_COMMIT && ev.removed)
		rc = on_removed(s, gid, g);
	else
		rc = save_after(s, g, rc);
	if (rc == 0 && ev.type == KENH_MLS_EVENT_COMMIT) {
		struct kenh_event e = { ev.removed ? KENH_EVENT_REMOVED : KENH_EVENT_MEMBERS, gid,
			                kenh_mls_group_epoch(g), NULL, NULL };

		kenh_emit(s->a, &e);
	}
out:
	kenh_mls_event_clear(&ev);
	kenh_mls_group_free(g);
	return rc;
}

static int on_delivery(struct sync_state *s, const struct proto_delivery *d)
{
	const struct crypto_kdf *h = crypto_kdf_get(s->a->ctx, CRYPTO_KDF_HKDF_SHA256);
	uint8_t dig[32];
	bool dup = false;
	int rc;

	if (h == NULL) return KENH_ERR(KENH_E_UNSUPPORTED);
	if ((rc = crypto_hash(h, d->message.p, d->message.len, dig)) != 0) return rc;
	if ((rc = client_store_seen(s->a->st, span_make(dig, sizeof(dig)), cli_now(),
	                            KENH_SEEN_DAYS, &dup)) != 0)
		return rc;
	if (dup) return 0;
	s->processed++;
	if (d->kind == PROTO_DELIVERY_INBOX)
		rc = on_welcome(s, d->message);
	else
		rc = on_group(s, d->group_id, d->message);
	/*
	 * A message that cannot be processed now never can be (another epoch, not
	 * for us). One that does not decrypt in a group we hold (RFC 9420 §9.2: its
	 * key is gone, older than the out-of-order window of the secret tree, or
	 * of an epoch whose keys were deleted) is reported: it is lost to us.
	 */
	if (rc == KENH_E_DECRYPT && d->kind != PROTO_DELIVERY_INBOX)
		fprintf(stderr,
		        "kenh: a message in group %.*s cannot be decrypted (outside the "
		        "out-of-order window, or its epoch's keys are deleted): skipped\n",
		        (int)d->group_id.len, (const char *)d->group_id.p);
	else if (rc != 0 && getenv("KENH_DEBUG") != NULL)
		fprintf(stderr, "kenh: skipped a %s message: %s\n",
		        d->kind == PROTO_DELIVERY_INBOX ? "welcome" : "group", kenh_strerror(rc));
	return rc == KENH_E_DB || rc == KENH_E_IO || rc == KENH_E_NOMEM ? rc : 0;
}

static int ack_all(struct kenh_app *a, const struct proto_fetch_resp *f)
{
	struct proto_ack req;
	struct proto_empty resp;

	req.n_acks = f->n_entries;
	/* AckEntry and Delivery share kind, group id and seq; acks are cumulative per group. */
	if (mem_calloc(f->n_entries, sizeof(*req.acks), (void **)&req.acks) != 0)
		return KENH_ERR(KENH_E_NOMEM);
	for (size_t i = 0; i < f->n_entries; i++) {
		req.acks[i].kind = f->entries[i].kind;
		req.acks[i].group_id = f->entries[i].group_id;
		req.acks[i].seq = f->entries[i].seq;
	}
	int rc = kenh_net_call(a, PROTO_ACK, &proto_desc_ack, &req, &proto_desc_empty, &resp,
	                       sizeof(resp), NULL);
	mem_free(req.acks);
	return rc;
}

/*
 * A wipe order from the inbox: carried out if it verifies (the store is
 * gone afterwards: nothing else of the fetch is processed), otherwise
 * reported and dropped (acknowledged, so the relay deletes it).
 */
static int on_wipe(struct sync_state *s, const struct proto_delivery *d)
{
	int rc = kenh_wipe_apply(s->a, d->message);

	if (s->a->wiped) {
		struct kenh_event ev = { KENH_EVENT_WIPED, span_make(NULL, 0), 0, NULL, NULL };

		fprintf(stderr, "kenh: a wipe order for this device was verified: the store is "
		                "erased\n");
		kenh_emit(s->a, &ev);
		return rc;
	}
	if (rc == KENH_E_DB || rc == KENH_E_IO || rc == KENH_E_NOMEM) return rc;
	fprintf(stderr, "kenh: a wipe order was ignored: %s\n",
	        rc == KENH_E_EXISTS ? "carried out before (a replay)" : kenh_strerror(rc));
	return 0;
}

/* One FETCH and its processing; *more if the relay held back entries. */
static int fetch_once(struct sync_state *s, bool *more)
{
	struct proto_fetch req = { FETCH_MAX };
	struct proto_fetch_resp resp;
	size_t i;
	int rc;

	*more = false;
	if ((rc = kenh_net_call(s->a, PROTO_FETCH, &proto_desc_fetch, &req, &proto_desc_fetch_resp,
	                        &resp, sizeof(resp), NULL)) != 0)
		return rc;
	/* The frame is reused by the next call: process everything before the ACK. */
	for (i = 0; i < resp.n_entries && rc == 0 && !s->a->wiped; i++) {
		if (resp.entries[i].kind == PROTO_DELIVERY_WIPE) {
			rc = on_wipe(s, &resp.entries[i]);
			continue;
		}
		if (resp.entries[i].kind == PROTO_DELIVERY_CERT) {
			s->processed++;
			rc = kenh_renew_install(s->a, resp.entries[i].message);
			continue;
		}
		if ((rc = client_store_begin(s->a->st)) != 0) break;
		rc = on_delivery(s, &resp.entries[i]);
		if (rc == 0)
			rc = client_store_commit(s->a->st);
		else if (client_store_rollback(s->a->st) != 0)
			rc = KENH_ERR(KENH_E_DB);
	}
	*more = resp.more && !s->a->wiped;
	/* After a wipe, acknowledge the order so the relay deletes it; the rest goes with the device. */
	/* KENH_TEST_NO_ACK: the integration test's way to have everything delivered twice. */
	if ((rc == 0 || s->a->wiped) && resp.n_entries > 0 && getenv("KENH_TEST_NO_ACK") == NULL) {
		int arc = ack_all(s->a, &resp);

		if (rc == 0) rc = arc;
	}
	proto_msg_clear(&proto_desc_fetch_resp, &resp);
	return rc;
}

static int fetch_all(struct sync_state *s)
{
	bool more = true;
	int rc = 0;

	while (more && rc == 0)
		rc = fetch_once(s, &more);
	return rc;
}

static int commit_pending(struct sync_state *s)
{
	struct kenh_mls_commit_args ca;
	struct kenh_mls_group *g = NULL;
	uint64_t epoch;
	size_t i;
	int rc = 0;

	memset(&ca, 0, sizeof(ca));
	ca.include_pending = true;
	ca.ratchet_tree = true;
	for (i = 0; i < s->npending && rc == 0; i++) {
		if (kenh_group_load(s->a, s->pending[i], &g) != 0) continue;
		/* A member leaving cannot commit (its own Remove is pending): others will. */
		bool can_commit = kenh_mls_group_is_active(g) &&
		                  kenh_mls_group_pending_proposals(g) > 0 &&
		                  kenh_group_writable(s->a, s->pending[i]) == 0;

		kenh_mls_group_free(g);
		g = NULL;
		if (!can_commit) continue;
		rc = kenh_group_commit(s->a, s->pending[i], &ca, &epoch);
		if (rc == 0 && !s->a->opt.json)
			fprintf(stderr, "committed the %s removal proposal in %s (epoch %llu)\n",
			        s->external[i] ? "relay's" : "leaving member's", s->pending[i],
			        (unsigned long long)epoch);
	}
	s->npending = 0;
	return rc;
}

/* After a renewal (now or in an earlier run): every group gets the new credential. */
static int renew_groups(struct kenh_app *a)
{
	size_t n = 0;

	return kenh_renew_groups(a, &n);
}

static int top_up(struct kenh_app *a)
{
	size_t n;
	int rc;

	if ((rc = kenh_kp_count(a, &n)) != 0 || n >= KENH_KP_LOW) return rc;
	return kenh_kp_upload(a, KENH_KP_BATCH, false);
}

int kenh_sync_wipe_fetch(struct kenh_app *a)
{
	struct sync_state *s = NULL;
	int rc;

	if ((rc = mem_calloc(1, sizeof(*s), (void **)&s)) != 0) return rc;
	s->a = a;
	rc = fetch_all(s);
	mem_free(s);
	return rc;
}

int kenh_sync_run(struct kenh_app *a, int listen_ms, size_t *processed)
{
	struct sync_state *s = NULL;
	bool got = true;
	int rc;

	*processed = 0;
	if ((rc = mem_calloc(1, sizeof(*s), (void **)&s)) != 0) return rc;
	s->a = a;
	/* Issue 5 item 4: the CRLs first, so that what follows is checked against them. */
	rc = kenh_crl_refresh(a);
	if (rc == 0) rc = fetch_all(s);
	/* A revoked device fetched its wipe orders (docs/protocol.md §3); nothing else is open to it. */
	if (rc == 0 && !a->wiped && a->self_revoked) rc = KENH_ERR(KENH_E_REVOKED);
	if (rc == 0 && !a->wiped) rc = commit_pending(s);
	if (rc == 0 && !a->wiped) rc = kenh_group_leave_retry(a);
	if (rc == 0 && !a->wiped) rc = renew_groups(a);
	if (rc == 0 && !a->wiped) rc = top_up(a);
	while (rc == 0 && listen_ms > 0 && got && !a->wiped) {
		size_t before = s->processed;
		struct cli_relay *r;

		if ((rc = kenh_dev_net(a, &r)) != 0) break;
		struct cli_relay_frame f;

		rc = cli_relay_next(r, listen_ms, &f);
		if (rc == KENH_E_TIMEOUT) {
			rc = 0;
			break;
		}
		if (rc != 0) break;
		got = f.request_id == 0;
		/* PUSH_CRL: a new CRL was committed at the relay (docs/protocol.md §5). */
		if (f.type == PROTO_PUSH_CRL) rc = kenh_crl_push(a, span_make(f.body, f.len));
		cli_relay_frame_clear(&f);
		if (rc != 0) break;
		unsigned renewed = a->renewed;

		if ((rc = fetch_all(s)) == 0 && !a->wiped) rc = commit_pending(s);
		/* The groups were checked when listening began: again only after a renewal. */
		if (rc == 0 && !a->wiped && a->renewed != renewed) rc = renew_groups(a);
		if (rc == 0 && s->processed > before && !a->opt.json)
			printf("%zu new\n", s->processed - before), fflush(stdout);
	}
	*processed = s->processed;
	mem_free(s);
	return a->wiped ? KENH_CLI_E_WIPED : rc;
}
