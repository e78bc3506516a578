/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-relayc recv: a device's receiving side (docs/protocol.md §5 FETCH,
 * ACK, PUSH_DELIVERY; DESIGN §5). It fetches until the relay says
 * everything was returned, then takes pushes; every delivery is handed to
 * the "application" (one line on stdout) only if its hash is not in the
 * seen file, recorded there, and then acknowledged. With --reconnect it
 * survives the relay going away and comes back for what it missed.
 *
 *   recv --count N --timeout SECONDS --seen FILE [--reconnect] [--no-ack]
 *
 * Lines: "deliver PAYLOAD" for an application message, "commit EPOCH" for
 * a handshake, "welcome GROUP" for an inbox entry, "wipe DEVICE HEX" for a
 * wipe order (its bytes in hex), "duplicate" (stderr) for a repeat that
 * was discarded; exit 0 once N new application messages or wipe orders
 * were delivered, 4 on timeout.
 */
#include "relayc.h"

#include "util/compat.h"

#include <time.h>
#include <unistd.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "crypto/crypto.h"
#include "mls/mls_keys.h"
#include "mls/mls_wire.h"
#include "proto/proto.h"
#include "util/mem.h"

#define SEEN_SLOTS (1u << 20)

struct receiver {
	struct kenh_ctx *ctx;
	uint64_t *seen; /* open addressing; 0 marks an empty slot */
	size_t nseen;
	FILE *seen_file;
	uint64_t delivered, duplicates, want;
	bool no_ack; /* a client that crashes before acknowledging: everything comes again */
	uint64_t acks_sent, acks_done;
	uint8_t relay_pk[64]; /* to verify the relay's external proposals */
	size_t relay_pklen;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Insert h; false if it was there already. */
static bool seen_add(struct receiver *r, uint64_t h)
{
	size_t i = (size_t)(h % SEEN_SLOTS);

	if (h == 0) h = 1;
	while (r->seen[i] != 0) {
		if (r->seen[i] == h) return false;
		i = (i + 1) % SEEN_SLOTS;
	}
	r->seen[i] = h;
	r->nseen++;
	return true;
}

/* The first 8 bytes of SHA-256 of the message: what the client remembers. */
static uint64_t message_hash(struct receiver *r, struct kenh_span msg)
{
	const struct crypto_kdf *kdf = crypto_kdf_get(r->ctx, CRYPTO_KDF_HKDF_SHA256);
	uint8_t h[CRYPTO_MAX_HASH];

	if (kdf == NULL || crypto_hash(kdf, msg.p, msg.len, h) != 0) return 1;
	return load_be64(h);
}

static int load_seen(struct receiver *r, const char *path)
{
	unsigned long long h;
	FILE *f = fopen(path, "r");

	if (f != NULL) {
		while (fscanf(f, "%llx", &h) == 1)
			seen_add(r, (uint64_t)h);
		fclose(f);
	}
	r->seen_file = fopen(path, "a");
	return r->seen_file ? 0 : KENH_E_IO;
}

/*
 * A proposal from the relay as external sender (RFC 9420 §12.1.8.1): check
 * its signature over FramedContentTBS (§6.1, no GroupContext for an
 * external sender) with the relay's key, and print its ProposalRef (§5.2)
 * so that a commit can name it.
 */
static void describe_proposal(struct receiver *r, const struct mls_public_message *pm)
{
	static const char label[] = "FramedContentTBS";
	const struct crypto_suite *cs = crypto_suite_get(r->ctx, 1);
	struct mls_authenticated_content ac;
	struct codec_writer tbs, acw;
	uint8_t ref[CRYPTO_MAX_HASH];
	char hex[2 * CRYPTO_MAX_HASH + 1] = "";
	bool ok = false;
	size_t i;

	codec_writer_init(&tbs, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	codec_writer_init(&acw, LIMIT_MLS_MESSAGE, CODEC_WRITER_NORMAL);
	memset(&ac, 0, sizeof(ac));
	ac.wire_format = MLS_WIRE_FORMAT_PUBLIC_MESSAGE;
	ac.content = pm->content;
	ac.auth = pm->auth;
	if (cs != NULL && r->relay_pklen > 0 &&
	    mls_encode_framed_content_tbs(&tbs, MLS_WIRE_FORMAT_PUBLIC_MESSAGE, &pm->content,
	                                  NULL) == 0)
		ok = mls_verify_with_label(cs, span_make(r->relay_pk, r->relay_pklen),
		                           span_make((const uint8_t *)label, sizeof(label) - 1),
		                           codec_writer_span(&tbs), pm->auth.signature) == 0;
	if (cs != NULL && mls_encode_authenticated_content(&acw, &ac) == 0 &&
	    mls_make_proposal_ref(cs, codec_writer_span(&acw), ref) == 0)
		for (i = 0; i < cs->kdf->nh; i++)
			snprintf(hex + 2 * i, 3, "%02x", ref[i]);
	printf("proposal type=%d sender=%d leaf=%u ref=%s signature=%s\n",
	       (int)pm->content.proposal.proposal_type, (int)pm->content.sender.sender_type,
	       pm->content.proposal.proposal_type == MLS_PROPOSAL_REMOVE
	               ? pm->content.proposal.u.remove.removed
	               : 0,
	       hex, ok ? "ok" : "bad");
	codec_writer_clear(&tbs);
	codec_writer_clear(&acw);
}

/* A wipe order, whole, so a test can compare it with what the authority signed. */
static void print_wipe(const struct proto_delivery *d)
{
	size_t i;

	printf("wipe %.*s ", (int)d->group_id.len, (const char *)d->group_id.p);
	for (i = 0; i < d->message.len; i++)
		printf("%02x", d->message.p[i]);
	printf("\n");
}

/* Hand one delivery to the application unless it is a repeat. */
static void deliver(struct receiver *r, const struct proto_delivery *d)
{
	struct mls_message m;
	uint64_t h = message_hash(r, d->message);

	if (!seen_add(r, h)) {
		r->duplicates++;
		fprintf(stderr, "duplicate seq=%llu\n", (unsigned long long)d->seq);
		return;
	}
	if (d->kind == PROTO_DELIVERY_INBOX) {
		printf("welcome %.*s\n", (int)d->group_id.len, (const char *)d->group_id.p);
	} else if (d->kind == PROTO_DELIVERY_WIPE) {
		print_wipe(d);
		r->delivered++;
	} else if (d->kind == PROTO_DELIVERY_CERT) {
		printf("cert %.*s bytes=%zu\n", (int)d->group_id.len, (const char *)d->group_id.p,
		       d->message.len);
		r->delivered++;
	} else if (mls_message_parse(d->message.p, d->message.len, &m) == 0) {
		if (m.wire_format == MLS_WIRE_FORMAT_PRIVATE_MESSAGE) {
			printf("deliver %.*s\n", (int)m.u.private_message.ciphertext.len,
			       (const char *)m.u.private_message.ciphertext.p);
			r->delivered++;
		} else if (m.wire_format == MLS_WIRE_FORMAT_PUBLIC_MESSAGE &&
		           m.u.public_message.content.content_type == MLS_CONTENT_PROPOSAL) {
			describe_proposal(r, &m.u.public_message);
		} else if (m.wire_format == MLS_WIRE_FORMAT_PUBLIC_MESSAGE) {
			printf("commit epoch=%llu\n",
			       (unsigned long long)m.u.public_message.content.epoch);
		}
		mls_message_clear(&m);
	}
	fflush(stdout);
	/* Remember before acknowledging: a crash in between means a repeat, never a loss. */
	fprintf(r->seen_file, "%llx\n", (unsigned long long)h);
	fflush(r->seen_file);
}

/* Acknowledge without waiting (the response is read and ignored later). */
static int ack(struct receiver *r, struct rc_conn *c, const struct proto_delivery *d, size_t n)
{
	struct proto_ack_entry e[PROTO_MAX_ACKS];
	struct proto_ack a = { e, n };
	struct codec_writer w;
	uint32_t req;
	size_t i;
	int rc;

	if (n == 0 || r->no_ack) return 0;
	for (i = 0; i < n; i++)
		e[i] = (struct proto_ack_entry){ d[i].kind, d[i].group_id, d[i].seq };
	codec_writer_init(&w, LIMIT_FRAME, CODEC_WRITER_NORMAL);
	if ((rc = proto_msg_encode(&w, &proto_desc_ack, &a)) == 0)
		rc = rc_send(c, PROTO_ACK, &w, &req);
	codec_writer_clear(&w);
	if (rc == 0) r->acks_sent++;
	return rc;
}

/* Frames other than the one awaited: count acknowledgement responses. */
static void other_frame(void *arg, const struct rc_frame *f)
{
	struct receiver *r = arg;

	if (f->type == (PROTO_ACK | PROTO_RESPONSE_BIT)) r->acks_done++;
}

/*
 * Wait for the answers to our acknowledgements before closing: closing a
 * socket with unread data sends a reset, which can make the relay drop
 * the last acknowledgements (they would come back as repeats).
 */
static void drain_acks(struct receiver *r, struct rc_conn *c)
{
	struct rc_frame f;

	while (r->acks_done < r->acks_sent && rc_read(c, 2000, &f) == 0) {
		other_frame(r, &f);
		rc_frame_free(&f);
	}
}

/* FETCH until the relay has returned everything (the connection is then live). */
static int fetch_all(struct receiver *r, struct rc_conn *c)
{
	struct proto_fetch q = { 256 };
	struct proto_fetch_resp resp;
	struct codec_writer w;
	struct rc_bytes b = { 0 };
	uint16_t status = 0;
	bool more = true;
	size_t i;
	int rc = 0;

	while (rc == 0 && more) {
		codec_writer_init(&w, 64, CODEC_WRITER_NORMAL);
		if ((rc = proto_msg_encode(&w, &proto_desc_fetch, &q)) == 0)
			rc = rc_call(c, PROTO_FETCH, &w, other_frame, r, &status, &b);
		codec_writer_clear(&w);
		if (rc == 0 && status != 0) rc = KENH_E_PROTO;
		if (rc == 0)
			rc = proto_msg_decode(&proto_desc_fetch_resp, b.p, b.len, &resp,
			                      sizeof(resp));
		if (rc == 0) {
			for (i = 0; i < resp.n_entries; i++)
				deliver(r, &resp.entries[i]);
			rc = ack(r, c, resp.entries, resp.n_entries);
			more = resp.more;
			proto_msg_clear(&proto_desc_fetch_resp, &resp);
		}
		rc_bytes_free(&b);
	}
	return rc;
}

/* Take pushes until done or the deadline. */
static int take_pushes(struct receiver *r, struct rc_conn *c, double end)
{
	struct proto_delivery d;
	struct rc_frame f;
	int rc;

	while (r->delivered < r->want && now_s() < end) {
		rc = rc_read(c, 200, &f);
		if (rc == KENH_E_TIMEOUT) continue;
		if (rc != 0) return rc;
		other_frame(r, &f);
		if (f.type == PROTO_PUSH_DELIVERY &&
		    proto_msg_decode(&proto_desc_delivery, f.body.p, f.body.len, &d, sizeof(d)) ==
		            0) {
			deliver(r, &d);
			rc = ack(r, c, &d, 1);
		}
		rc_frame_free(&f);
		if (rc != 0) return rc;
	}
	return 0;
}

static int run(struct receiver *r, const struct rc_opts *o, double timeout, bool reconnect)
{
	double end = now_s() + timeout;
	struct rc_conn *c = NULL;
	int rc = 0;

	while (r->delivered < r->want && now_s() < end) {
		r->acks_sent = r->acks_done = 0;
		if ((rc = rc_connect(o, &c)) == 0 && (rc = fetch_all(r, c)) == 0)
			rc = take_pushes(r, c, end);
		if (rc == 0) drain_acks(r, c);
		rc_close(c);
		c = NULL;
		if (rc != 0 && !reconnect) return 1;
		if (rc != 0) usleep(100000);
	}
	return r->delivered >= r->want ? 0 : 4;
}

int rc_recv_main(struct kenh_ctx *ctx, const struct rc_opts *o, int argc, char **argv)
{
	struct receiver r;
	const char *seen = NULL;
	double timeout = 10;
	bool reconnect = false;
	int i, rc;

	memset(&r, 0, sizeof(r));
	r.ctx = ctx;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--count") == 0 && i + 1 < argc)
			r.want = strtoull(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			timeout = strtod(argv[++i], NULL);
		else if (strcmp(argv[i], "--seen") == 0 && i + 1 < argc)
			seen = argv[++i];
		else if (strcmp(argv[i], "--reconnect") == 0)
			reconnect = true;
		else if (strcmp(argv[i], "--no-ack") == 0)
			r.no_ack = true;
		else if (strcmp(argv[i], "--relay-pk") == 0 && i + 1 < argc) {
			int n = rc_hex(argv[++i], r.relay_pk, sizeof(r.relay_pk));

			if (n <= 0) return 2;
			r.relay_pklen = (size_t)n;
		} else
			return 2;
	}
	if (seen == NULL) return 2;
	if ((rc = mem_calloc(SEEN_SLOTS, sizeof(*r.seen), (void **)&r.seen)) != 0) return 1;
	if ((rc = load_seen(&r, seen)) == 0)
		rc = run(&r, o, timeout, reconnect);
	else
		rc = 1;
	fprintf(stderr, "recv delivered=%llu duplicates=%llu\n", (unsigned long long)r.delivered,
	        (unsigned long long)r.duplicates);
	if (r.seen_file) fclose(r.seen_file);
	mem_free(r.seen);
	return rc;
}
