/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenh-relayc's commands over one device's connection (docs/protocol.md
 * §5). Each prints one line per result so that the shell tests can count
 * and compare; a refused request prints "status=N detail=D" and the
 * command exits with status 3. The receiving side keeps the hash of every
 * message it handed to the "application" (stdout) in a file and discards
 * repeats (DESIGN §5: delivery is at least once, the client deduplicates).
 */
#include "relayc.h"

#include "util/compat.h"

#include <time.h>
#include <unistd.h>

#include "codec/codec.h"
#include "codec/limits.h"
#include "crypto/crypto.h"
#include "mls/mls_wire.h"
#include "proto/proto.h"
#include "util/mem.h"

#define EXIT_REFUSED 3
#define WINDOW       64 /* requests in flight for send and load */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct kenh_span str_span(const char *s)
{
	return span_make((const uint8_t *)s, strlen(s));
}

/* Encode msg of desc d and call; prints and returns EXIT_REFUSED on a refusal. */
static int call(struct rc_conn *c, uint16_t type, const struct proto_desc *d, const void *msg,
                struct rc_bytes *resp)
{
	struct codec_writer w;
	uint16_t status = 0;
	int rc;

	codec_writer_init(&w, LIMIT_FRAME, CODEC_WRITER_NORMAL);
	if ((rc = proto_msg_encode(&w, d, msg)) == 0)
		rc = rc_call(c, type, &w, NULL, NULL, &status, resp);
	codec_writer_clear(&w);
	if (rc != 0) {
		printf("error=\"%s\"\n", kenh_strerror(rc));
		return 1;
	}
	if (status != 0) {
		printf("status=%u detail=%llu\n", status,
		       (unsigned long long)(resp->len == 8 ? load_be64(resp->p) : 0));
		rc_bytes_free(resp);
		return EXIT_REFUSED;
	}
	return 0;
}

static int cmd_ping(struct rc_conn *c)
{
	struct proto_ping p = { 42 };
	struct rc_bytes r = { 0 };
	int rc = call(c, PROTO_PING, &proto_desc_ping, &p, &r);

	if (rc == 0) printf("pong\n");
	rc_bytes_free(&r);
	return rc;
}

static int cmd_kp_upload(struct kenh_ctx *ctx, struct rc_conn *c, size_t n)
{
	struct rc_bytes kp[PROTO_MAX_KP_UPLOAD + 1], r = { 0 };
	struct kenh_span spans[PROTO_MAX_KP_UPLOAD];
	struct proto_kp_upload up;
	size_t i;
	int rc = 0;

	if (n > PROTO_MAX_KP_UPLOAD) return 2;
	memset(kp, 0, sizeof(kp));
	for (i = 0; i <= n && rc == 0; i++)
		rc = rc_mls_key_package(ctx, rc_conn_cert(c), &kp[i]);
	for (i = 0; i < n; i++)
		spans[i] = span_make(kp[i].p, kp[i].len);
	memset(&up, 0, sizeof(up));
	up.key_packages = spans;
	up.n_key_packages = n;
	up.last_resort = (struct proto_opt){ true, span_make(kp[n].p, kp[n].len) };
	if (rc == 0 && (rc = call(c, PROTO_KP_UPLOAD, &proto_desc_kp_upload, &up, &r)) == 0)
		printf("stored=%u\n", r.len >= 4 ? load_be32(r.p) : 0);
	for (i = 0; i <= n; i++)
		rc_bytes_free(&kp[i]);
	rc_bytes_free(&r);
	return rc;
}

static int cmd_create(struct rc_conn *c, const char *group)
{
	struct proto_group_create g = { str_span(group), 1 };
	struct rc_bytes r = { 0 };
	int rc = call(c, PROTO_GROUP_CREATE, &proto_desc_group_create, &g, &r);

	if (rc == 0) printf("created %s\n", group);
	rc_bytes_free(&r);
	return rc;
}

static int cmd_dir(struct rc_conn *c, const char *unit)
{
	struct proto_dir_lookup q = { str_span(unit) };
	struct proto_dir_lookup_resp resp;
	struct rc_bytes r = { 0 };
	size_t i;
	int rc = call(c, PROTO_DIR_LOOKUP, &proto_desc_dir_lookup, &q, &r);

	if (rc == 0 && (rc = proto_msg_decode(&proto_desc_dir_lookup_resp, r.p, r.len, &resp,
	                                      sizeof(resp))) == 0) {
		for (i = 0; i < resp.n_devices; i++)
			printf("device %.*s kps=%u\n", (int)resp.devices[i].device.len,
			       (const char *)resp.devices[i].device.p,
			       resp.devices[i].key_packages);
		proto_msg_clear(&proto_desc_dir_lookup_resp, &resp);
	}
	rc_bytes_free(&r);
	return rc;
}

/* Claim one KeyPackage of each device. */
static int claim_all(struct rc_conn *c, char **devs, size_t n, struct rc_bytes *kps)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++) {
		struct proto_kp_claim q = { str_span(devs[i]) };
		struct proto_kp_claim_resp resp;
		struct rc_bytes r = { 0 };

		if ((rc = call(c, PROTO_KP_CLAIM, &proto_desc_kp_claim, &q, &r)) != 0) break;
		rc = proto_msg_decode(&proto_desc_kp_claim_resp, r.p, r.len, &resp, sizeof(resp));
		if (rc == 0) rc = mem_dup(resp.key_package.p, resp.key_package.len, &kps[i].p);
		if (rc == 0) kps[i].len = resp.key_package.len;
		rc_bytes_free(&r);
	}
	return rc;
}

/* Submit a commit; on a stale epoch retry once at the epoch the relay names. */
static int submit_commit(struct rc_conn *c, struct rc_commit *cm, bool welcome, bool retry,
                         const struct rc_bytes *gi)
{
	struct rc_bytes msg = { 0 }, w = { 0 }, r = { 0 };
	struct proto_handshake h;
	struct codec_writer b;
	uint16_t status = 0;
	int rc;

	if ((rc = rc_mls_commit(cm, &msg)) != 0 || (welcome && (rc = rc_mls_welcome(&w)) != 0))
		goto out;
	memset(&h, 0, sizeof(h));
	h.message = span_make(msg.p, msg.len);
	h.welcome = (struct proto_opt){ welcome, span_make(w.p, w.len) };
	if (gi != NULL) h.group_info = (struct proto_opt){ true, span_make(gi->p, gi->len) };
	codec_writer_init(&b, LIMIT_FRAME, CODEC_WRITER_NORMAL);
	if ((rc = proto_msg_encode(&b, &proto_desc_handshake, &h)) == 0)
		rc = rc_call(c, PROTO_HANDSHAKE, &b, NULL, NULL, &status, &r);
	codec_writer_clear(&b);
	if (rc != 0) goto out;
	if (status == 0 && r.len >= 16) {
		printf("commit epoch=%llu seq=%llu\n", (unsigned long long)load_be64(r.p),
		       (unsigned long long)load_be64(r.p + 8));
	} else if (status == (uint16_t)-KENH_E_STATE && retry && r.len == 8) {
		cm->epoch = load_be64(r.p);
		rc = submit_commit(c, cm, welcome, false, gi);
	} else {
		printf("%sstatus=%u detail=%llu\n",
		       status == (uint16_t)-KENH_E_STATE ? "stale " : "", status,
		       (unsigned long long)(r.len == 8 ? load_be64(r.p) : 0));
		rc = EXIT_REFUSED;
	}
out:
	rc_bytes_free(&msg);
	rc_bytes_free(&w);
	rc_bytes_free(&r);
	return rc;
}

static int cmd_add(struct rc_conn *c, const char *group, uint32_t leaf, char **devs, size_t n)
{
	struct rc_bytes kps[64];
	struct kenh_span spans[64];
	struct rc_commit cm = { str_span(group), 0, leaf, spans, n, NULL, 0, NULL, 0 };
	size_t i;
	int rc;

	if (n > 64) return 2;
	memset(kps, 0, sizeof(kps));
	if ((rc = claim_all(c, devs, n, kps)) == 0) {
		for (i = 0; i < n; i++)
			spans[i] = span_make(kps[i].p, kps[i].len);
		rc = submit_commit(c, &cm, true, true, NULL);
	}
	for (i = 0; i < n; i++)
		rc_bytes_free(&kps[i]);
	return rc;
}

static int cmd_remove(struct rc_conn *c, const char *group, uint32_t leaf, char **leaves, size_t n)
{
	uint32_t rm[64];
	struct rc_commit cm = { str_span(group), 0, leaf, NULL, 0, rm, n, NULL, 0 };
	size_t i;

	if (n > 64) return 2;
	for (i = 0; i < n; i++)
		rm[i] = (uint32_t)strtoul(leaves[i], NULL, 10);
	return submit_commit(c, &cm, false, true, NULL);
}

static int cmd_commit(struct rc_conn *c, const char *group, uint32_t leaf, uint64_t epoch)
{
	struct rc_commit cm = { str_span(group), epoch, leaf, NULL, 0, NULL, 0, NULL, 0 };

	return submit_commit(c, &cm, false, false, NULL);
}

/* An empty commit carrying a GroupInfo that lists the relay's key as external sender. */
static int cmd_commit_gi(struct rc_conn *c, const char *group, uint32_t leaf, const char *pkhex)
{
	struct rc_commit cm = { str_span(group), 0, leaf, NULL, 0, NULL, 0, NULL, 0 };
	struct rc_bytes gi = { 0 };
	uint8_t pk[64];
	int n = rc_hex(pkhex, pk, sizeof(pk)), rc;

	if (n <= 0) return 2;
	/* The epoch the commit creates is not known before the relay answers; the relay does not read it. */
	if ((rc = rc_mls_group_info(str_span(group), 0, span_make(pk, (size_t)n), &gi)) != 0)
		return 1;
	rc = submit_commit(c, &cm, false, true, &gi);
	rc_bytes_free(&gi);
	return rc;
}

/* A commit of the proposals named by reference (hex ProposalRefs). */
static int cmd_commit_ref(struct rc_conn *c, const char *group, uint32_t leaf, char **refs,
                          size_t n)
{
	uint8_t buf[8][64];
	struct kenh_span spans[8];
	struct rc_commit cm = { str_span(group), 0, leaf, NULL, 0, NULL, 0, spans, n };
	size_t i;

	if (n > 8) return 2;
	for (i = 0; i < n; i++) {
		int len = rc_hex(refs[i], buf[i], sizeof(buf[i]));

		if (len <= 0) return 2;
		spans[i] = span_make(buf[i], (size_t)len);
	}
	return submit_commit(c, &cm, false, true, NULL);
}

static void hex_of(struct kenh_span s, char *out)
{
	size_t i;

	for (i = 0; i < s.len; i++)
		snprintf(out + 2 * i, 3, "%02x", s.p[i]);
	out[2 * s.len] = '\0';
}

/* DESIGN §6: a device without a certificate hands in its request. */
static int cmd_enroll_submit(struct rc_conn *c, const char *csr_path)
{
	struct rc_bytes csr = { 0 }, r = { 0 };
	struct proto_enroll_submit q;
	struct proto_ticket t;
	char hex[2 * PROTO_TICKET_LEN + 1];
	int rc;

	if (rc_file_read(csr_path, &csr) != 0) return 1;
	q.csr = span_make(csr.p, csr.len);
	if ((rc = call(c, PROTO_ENROLL_SUBMIT, &proto_desc_enroll_submit, &q, &r)) == 0 &&
	    (rc = proto_msg_decode(&proto_desc_ticket, r.p, r.len, &t, sizeof(t))) == 0) {
		hex_of(t.ticket, hex);
		printf("ticket=%s\n", hex);
	}
	rc_bytes_free(&csr);
	rc_bytes_free(&r);
	return rc;
}

static int cmd_enroll_fetch(struct rc_conn *c, const char *ticket_hex, const char *out)
{
	uint8_t ticket[PROTO_TICKET_LEN];
	struct proto_ticket q = { span_make(ticket, sizeof(ticket)) };
	struct proto_certificate cert;
	struct rc_bytes r = { 0 };
	int rc;

	if (rc_hex(ticket_hex, ticket, sizeof(ticket)) != PROTO_TICKET_LEN) return 2;
	if ((rc = call(c, PROTO_ENROLL_FETCH, &proto_desc_ticket, &q, &r)) == 0 &&
	    (rc = proto_msg_decode(&proto_desc_certificate, r.p, r.len, &cert, sizeof(cert))) == 0)
		rc = rc_file_write(out, cert.certificate.p, cert.certificate.len);
	if (rc == 0) printf("certificate bytes=%zu\n", cert.certificate.len);
	rc_bytes_free(&r);
	return rc;
}

/*
 * RENEW_SUBMIT: "csr FILE" (a device's request), "cert FILE" (the
 * authority's certificate), "both CSR CERT" (refused: exactly one).
 */
static int cmd_renew_submit(struct rc_conn *c, int argc, char **argv)
{
	struct proto_renew_submit q;
	struct proto_seq_resp resp;
	struct rc_bytes a = { 0 }, b = { 0 }, r = { 0 };
	bool both = strcmp(argv[1], "both") == 0;
	int rc;

	memset(&q, 0, sizeof(q));
	if (rc_file_read(argv[2], &a) != 0) return 1;
	if (both && (argc < 4 || rc_file_read(argv[3], &b) != 0)) {
		rc_bytes_free(&a);
		return 2;
	}
	q.csr.present = strcmp(argv[1], "cert") != 0;
	q.csr.v = span_make(a.p, a.len);
	q.certificate.present = !q.csr.present || both;
	q.certificate.v = both ? span_make(b.p, b.len) : span_make(a.p, a.len);
	if ((rc = call(c, PROTO_RENEW_SUBMIT, &proto_desc_renew_submit, &q, &r)) == 0 &&
	    (rc = proto_msg_decode(&proto_desc_renew_submit_resp, r.p, r.len, &resp,
	                           sizeof(resp))) == 0)
		printf("renew id=%llu\n", (unsigned long long)resp.seq);
	rc_bytes_free(&a);
	rc_bytes_free(&b);
	rc_bytes_free(&r);
	return rc;
}

/* The authority's device collects the pending requests into dir/TICKET.csr. */
static int cmd_enroll_list(struct rc_conn *c, const char *dir)
{
	struct proto_empty q = { 0 };
	struct proto_enroll_list_resp resp;
	struct rc_bytes r = { 0 };
	char hex[2 * PROTO_TICKET_LEN + 1], path[600];
	size_t i;
	int rc;

	if ((rc = call(c, PROTO_ENROLL_LIST, &proto_desc_empty, &q, &r)) != 0) return rc;
	rc = proto_msg_decode(&proto_desc_enroll_list_resp, r.p, r.len, &resp, sizeof(resp));
	for (i = 0; rc == 0 && i < resp.n_pending; i++) {
		hex_of(resp.pending[i].ticket, hex);
		snprintf(path, sizeof(path), "%s/%s.csr", dir, hex);
		rc = rc_file_write(path, resp.pending[i].csr.p, resp.pending[i].csr.len);
		if (resp.pending[i].kind == PROTO_ENROLL_RENEW)
			printf("pending ticket=%s renew device=%.*s\n", hex,
			       (int)resp.pending[i].device.len,
			       (const char *)resp.pending[i].device.p);
		else
			printf("pending ticket=%s\n", hex);
	}
	if (rc == 0) proto_msg_clear(&proto_desc_enroll_list_resp, &resp);
	rc_bytes_free(&r);
	return rc;
}

static int cmd_enroll_issue(struct rc_conn *c, const char *ticket_hex, const char *cert_path)
{
	uint8_t ticket[PROTO_TICKET_LEN];
	struct proto_enroll_issue q;
	struct rc_bytes cert = { 0 }, r = { 0 };
	int rc;

	if (rc_hex(ticket_hex, ticket, sizeof(ticket)) != PROTO_TICKET_LEN) return 2;
	if (rc_cert_der(cert_path, &cert) != 0) return 1;
	q.ticket = span_make(ticket, sizeof(ticket));
	q.certificate = span_make(cert.p, cert.len);
	if ((rc = call(c, PROTO_ENROLL_ISSUE, &proto_desc_enroll_issue, &q, &r)) == 0)
		printf("issued\n");
	rc_bytes_free(&cert);
	rc_bytes_free(&r);
	return rc;
}

/*
 * A file as a blob in chunks of at most PROTO_MAX_CHUNK, from offset from
 * (a resumed upload), at most count chunks (an interrupted one).
 */
static int cmd_blob_put(struct rc_conn *c, const char *path, const char *id, uint64_t from,
                        size_t chunk, size_t count)
{
	struct rc_bytes data = { 0 }, r = { 0 };
	struct proto_blob_put q;
	uint64_t off;
	int rc = 0;

	if (rc_file_read(path, &data) != 0 || data.len == 0) return 1;
	if (chunk == 0 || chunk > PROTO_MAX_CHUNK) chunk = PROTO_MAX_CHUNK;
	for (off = from; rc == 0 && off < data.len && count-- > 0; off += chunk) {
		size_t n = data.len - off < chunk ? (size_t)(data.len - off) : chunk;

		q.blob_id = str_span(id);
		q.total_size = data.len;
		q.offset = off;
		q.chunk = span_make(data.p + off, n);
		if ((rc = call(c, PROTO_BLOB_PUT, &proto_desc_blob_put, &q, &r)) == 0)
			printf("stored=%llu\n", (unsigned long long)load_be64(r.p));
		rc_bytes_free(&r);
	}
	rc_bytes_free(&data);
	return rc;
}

static int cmd_blob_get(struct rc_conn *c, const char *id, const char *out)
{
	struct proto_blob_get q = { str_span(id), 0, PROTO_MAX_CHUNK };
	struct proto_blob_get_resp resp;
	struct rc_bytes r = { 0 };
	uint8_t *all = NULL;
	size_t len = 0;
	int rc = 0;
	bool done = false;

	while (rc == 0 && !done) {
		void *grown = NULL;

		if ((rc = call(c, PROTO_BLOB_GET, &proto_desc_blob_get, &q, &r)) != 0) break;
		rc = proto_msg_decode(&proto_desc_blob_get_resp, r.p, r.len, &resp, sizeof(resp));
		if (rc == 0 && (rc = mem_grow(all, len + resp.chunk.len + 1, 1, &grown)) == 0) {
			all = grown;
			memcpy(all + len, resp.chunk.p, resp.chunk.len);
			len += resp.chunk.len;
			q.offset = len;
			done = resp.chunk.len == 0 || len >= resp.total_size;
		}
		rc_bytes_free(&r);
	}
	if (rc == 0) rc = rc_file_write(out, all, len);
	if (rc == 0) printf("blob bytes=%zu\n", len);
	mem_free(all);
	return rc;
}

static int cmd_crl_upload(struct rc_conn *c, const char *path)
{
	struct rc_bytes der = { 0 }, r = { 0 };
	struct proto_crl_upload q;
	int rc;

	if ((rc = rc_file_read(path, &der)) != 0) return 1;
	q.crl = span_make(der.p, der.len);
	if ((rc = call(c, PROTO_CRL_UPLOAD, &proto_desc_crl_upload, &q, &r)) == 0 && r.len >= 12)
		printf("crl number=%llu revoked=%u\n", (unsigned long long)load_be64(r.p),
		       load_be32(r.p + 8));
	rc_bytes_free(&der);
	rc_bytes_free(&r);
	return rc;
}

/* ---- sending: a window of requests in flight ---- */

struct sender {
	struct rc_conn *c;
	const char *group;
	const char *prefix;
	FILE *log;
	uint32_t req[WINDOW];
	uint64_t idx[WINDOW];
	size_t inflight;
	uint64_t next, acked;
	int refused;
	size_t size; /* payload bytes (0: just the name) */
};

static int send_one(struct sender *s, uint64_t i)
{
	char payload[8192];
	struct rc_bytes msg = { 0 };
	struct proto_app_send q;
	struct codec_writer w;
	size_t n;
	int rc;

	snprintf(payload, sizeof(payload), "%s-%llu", s->prefix, (unsigned long long)i);
	/* Padded to s->size bytes with spaces when asked ("deliver" prints up to the first). */
	n = strlen(payload);
	if (s->size > n && s->size <= sizeof(payload)) {
		memset(payload + n, ' ', s->size - n);
		n = s->size;
	}
	rc = rc_mls_private(str_span(s->group), 0, span_make((const uint8_t *)payload, n), &msg);
	if (rc != 0) return rc;
	q.message = span_make(msg.p, msg.len);
	codec_writer_init(&w, LIMIT_FRAME, CODEC_WRITER_NORMAL);
	if ((rc = proto_msg_encode(&w, &proto_desc_app_send, &q)) == 0)
		rc = rc_send(s->c, PROTO_APP_SEND, &w, &s->req[s->inflight]);
	codec_writer_clear(&w);
	rc_bytes_free(&msg);
	if (rc == 0) s->idx[s->inflight++] = i;
	return rc;
}

/* Read one response and account for it. */
static int receive_one(struct sender *s)
{
	struct rc_frame f;
	size_t k;
	int rc;

	if ((rc = rc_read(s->c, 0, &f)) != 0) return rc;
	for (k = 0; k < s->inflight && s->req[k] != f.request_id; k++)
		;
	if (k < s->inflight && f.type == (PROTO_APP_SEND | PROTO_RESPONSE_BIT) && f.body.len >= 2) {
		uint16_t st = load_be16(f.body.p);

		if (st == 0) {
			fprintf(s->log, "acked %s-%llu seq=%llu\n", s->prefix,
			        (unsigned long long)s->idx[k],
			        (unsigned long long)(f.body.len >= 10 ? load_be64(f.body.p + 2)
			                                              : 0));
			s->acked++;
		} else {
			printf("refused %s-%llu status=%u\n", s->prefix,
			       (unsigned long long)s->idx[k], st);
			s->refused = EXIT_REFUSED;
		}
		s->req[k] = s->req[s->inflight - 1];
		s->idx[k] = s->idx[s->inflight - 1];
		s->inflight--;
	}
	rc_frame_free(&f);
	return 0;
}

static int cmd_send(struct rc_conn *c, const char *group, uint64_t count, const char *prefix,
                    size_t size)
{
	struct sender s = { c, group, prefix, stdout, { 0 }, { 0 }, 0, 0, 0, 0, size };
	int rc = 0;

	while (rc == 0 && (s.next < count || s.inflight > 0)) {
		if (s.next < count && s.inflight < WINDOW)
			rc = send_one(&s, s.next++);
		else
			rc = receive_one(&s);
	}
	fflush(stdout);
	return rc != 0 ? 1 : s.refused;
}

/*
 * Send for a while, at most rate messages per second, reconnecting after
 * any failure and resending what was not acknowledged (the SIGKILL test).
 * Only acknowledged messages are written to the log, and flushed at once.
 */
static int cmd_load(const struct rc_opts *o, const char *group, double seconds, const char *logp,
                    const char *prefix, double rate)
{
	struct sender s = { NULL, group, prefix, NULL, { 0 }, { 0 }, 0, 0, 0, 0, 0 };
	double end = now_s() + seconds, start = now_s();
	size_t k;
	int rc;

	if ((s.log = fopen(logp, "a")) == NULL) return 1;
	setvbuf(s.log, NULL, _IOLBF, 0);
	while (now_s() < end) {
		if (s.c == NULL && rc_connect(o, &s.c) != 0) {
			usleep(100000);
			continue;
		}
		rc = 0;
		if (s.inflight < WINDOW && (double)s.next < (now_s() - start) * rate + 1)
			rc = send_one(&s, s.next++);
		else if (s.inflight > 0)
			rc = receive_one(&s);
		else
			usleep(2000);
		if (rc == 0) continue;
		/* The relay went away: resend what it did not acknowledge. */
		rc_close(s.c);
		s.c = NULL;
		for (k = 0; k < s.inflight; k++)
			if (s.idx[k] < s.next) s.next = s.idx[k];
		s.inflight = 0;
	}
	while (s.c != NULL && s.inflight > 0 && receive_one(&s) == 0)
		;
	rc_close(s.c);
	fclose(s.log);
	printf("load sent=%llu acked=%llu\n", (unsigned long long)s.next,
	       (unsigned long long)s.acked);
	return 0;
}

int rc_cmd_main(struct kenh_ctx *ctx, const struct rc_opts *o, int argc, char **argv)
{
	struct rc_conn *c = NULL;
	const char *cmd = argv[0];
	int rc;

	if (strcmp(cmd, "recv") == 0) return rc_recv_main(ctx, o, argc - 1, argv + 1);
	if (strcmp(cmd, "bench-fanout") == 0) return rc_bench_fanout(o, argc - 1, argv + 1);
	if (strcmp(cmd, "bench-idle") == 0) return rc_bench_idle(o, argc - 1, argv + 1);
	if (strcmp(cmd, "load") == 0 && argc >= 5)
		return cmd_load(o, argv[1], strtod(argv[2], NULL), argv[3], argv[4],
		                argc >= 6 ? strtod(argv[5], NULL) : 1e9);
	if ((rc = rc_connect(o, &c)) != 0) {
		printf("connect error=\"%s\"\n", kenh_strerror(rc));
		return 1;
	}
	if (strcmp(cmd, "ping") == 0)
		rc = cmd_ping(c);
	else if (strcmp(cmd, "kp-upload") == 0 && argc >= 2)
		rc = cmd_kp_upload(ctx, c, strtoul(argv[1], NULL, 10));
	else if (strcmp(cmd, "create") == 0 && argc >= 2)
		rc = cmd_create(c, argv[1]);
	else if (strcmp(cmd, "dir") == 0 && argc >= 2)
		rc = cmd_dir(c, argv[1]);
	else if (strcmp(cmd, "add") == 0 && argc >= 4)
		rc = cmd_add(c, argv[1], (uint32_t)strtoul(argv[2], NULL, 10), argv + 3,
		             (size_t)argc - 3);
	else if (strcmp(cmd, "remove") == 0 && argc >= 4)
		rc = cmd_remove(c, argv[1], (uint32_t)strtoul(argv[2], NULL, 10), argv + 3,
		                (size_t)argc - 3);
	else if (strcmp(cmd, "commit") == 0 && argc >= 4)
		rc = cmd_commit(c, argv[1], (uint32_t)strtoul(argv[2], NULL, 10),
		                strtoull(argv[3], NULL, 10));
	else if (strcmp(cmd, "send") == 0 && argc >= 4)
		rc = cmd_send(c, argv[1], strtoull(argv[2], NULL, 10), argv[3],
		              argc >= 5 ? strtoul(argv[4], NULL, 10) : 0);
	else if (strcmp(cmd, "crl-upload") == 0 && argc >= 2)
		rc = cmd_crl_upload(c, argv[1]);
	else if (strcmp(cmd, "commit-gi") == 0 && argc >= 4)
		rc = cmd_commit_gi(c, argv[1], (uint32_t)strtoul(argv[2], NULL, 10), argv[3]);
	else if (strcmp(cmd, "commit-ref") == 0 && argc >= 4)
		rc = cmd_commit_ref(c, argv[1], (uint32_t)strtoul(argv[2], NULL, 10), argv + 3,
		                    (size_t)argc - 3);
	else if (strcmp(cmd, "enroll-submit") == 0 && argc >= 2)
		rc = cmd_enroll_submit(c, argv[1]);
	else if (strcmp(cmd, "enroll-fetch") == 0 && argc >= 3)
		rc = cmd_enroll_fetch(c, argv[1], argv[2]);
	else if (strcmp(cmd, "renew-submit") == 0 && argc >= 3)
		rc = cmd_renew_submit(c, argc, argv);
	else if (strcmp(cmd, "enroll-list") == 0 && argc >= 2)
		rc = cmd_enroll_list(c, argv[1]);
	else if (strcmp(cmd, "enroll-issue") == 0 && argc >= 3)
		rc = cmd_enroll_issue(c, argv[1], argv[2]);
	else if (strcmp(cmd, "blob-put") == 0 && argc >= 3)
		rc = cmd_blob_put(c, argv[1], argv[2], argc >= 4 ? strtoull(argv[3], NULL, 10) : 0,
		                  argc >= 5 ? strtoul(argv[4], NULL, 10) : 0,
		                  argc >= 6 ? strtoul(argv[5], NULL, 10) : SIZE_MAX);
	else if (strcmp(cmd, "blob-get") == 0 && argc >= 3)
		rc = cmd_blob_get(c, argv[1], argv[2]);
	else
		rc = 2;
	rc_close(c);
	if (rc == 2) fprintf(stderr, "kenh-relayc: unknown command or arguments: %s\n", cmd);
	return rc;
}
