/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Enrollment (DESIGN §6, docs/protocol.md §5): ENROLL_SUBMIT and
 * ENROLL_FETCH on connections without a client certificate, ENROLL_LIST,
 * ENROLL_ISSUE and ENROLL_REJECT for the authority (a device named by the
 * config's "authority" whose certificate the root itself issued). The
 * relay checks a request's self-signature and code binding
 * (crypto_csr_verify) so that it holds no garbage, but it never decides
 * who is enrolled: the authority does, offline, and the certificate it
 * hands back must validate under the organization's trust store and carry
 * the request's public key. The ticket is 16 random bytes, the only handle
 * the device keeps between its two connections. Renewal requests
 * (op_renew.c) share the list, the issue and the reject operations.
 *
 * Refused and pending requests are limited per source address and for
 * the whole relay (ratelimit.h, docs/protocol.md §7): a request over
 * either limit is refused at once with PERM and the detail too_many, so
 * one noisy address cannot use up the attempts of everyone else; a
 * certificate issued for a request gives its attempt back.
 */
#include "relay.h"

#include "util/compat.h"

#include "codec/codec.h"
#include "crypto/crypto.h"
#include "crypto/pki.h"
#include "klog.h"
#include "proto/proto.h"
#include "ratelimit.h"
#include "store/store.h"

static const char *peer_addr(const struct peer *p)
{
	return p->addr != NULL ? p->addr : "";
}

/* Take one attempt from the peer's address and the relay; PERM (too_many) if none is left. */
static int take_attempt(struct op_env *env, const struct peer *p)
{
	bool global = false;
	int rc;

	if (env->rl == NULL) return 0;
	if ((rc = ratelimit_take(env->rl, peer_addr(p), env->now, &global)) == 0) return 0;
	klog_peer(KENH_LOG_WARN, "enroll_limited", "conn=%llu addr=%s limit=%s",
	          (unsigned long long)p->conn_id, peer_addr(p), global ? "global" : "address");
	env->detail = PROTO_REFUSED_TOO_MANY;
	return rc;
}

int op_enroll_submit(struct op_env *env, struct peer *p, struct kenh_span body,
                     struct codec_writer *out)
{
	struct proto_enroll_submit req;
	struct crypto_csr_info info;
	uint8_t ticket[PROTO_TICKET_LEN];
	struct proto_ticket resp = { span_make(ticket, sizeof(ticket)) };
	int rc;

	/* Every request counts until a certificate is issued for it, malformed ones too. */
	if ((rc = take_attempt(env, p)) != 0) return rc;
	if ((rc = proto_msg_decode(&proto_desc_enroll_submit, body.p, body.len, &req, sizeof(req))))
		return rc;
	if ((rc = crypto_csr_verify(env->ctx, req.csr.p, req.csr.len, &info)) != 0) return rc;
	if ((rc = crypto_random(env->ctx, ticket, sizeof(ticket))) != 0) return rc;
	if ((rc = env->so->enroll_add(env->st, resp.ticket, req.csr, env->now)) != 0) return rc;
	if (env->rl != NULL) ratelimit_ticket(env->rl, ticket, peer_addr(p));
	return proto_msg_encode(out, &proto_desc_ticket, &resp);
}

int op_enroll_fetch(struct op_env *env, struct peer *p, struct kenh_span body,
                    struct codec_writer *out)
{
	struct proto_ticket req;
	struct proto_certificate resp;
	struct store_buf cert = { 0 };
	uint8_t refused = 0;
	int rc;

	if ((rc = proto_msg_decode(&proto_desc_ticket, body.p, body.len, &req, sizeof(req))))
		return rc;
	if ((rc = env->so->enroll_fetch(env->st, req.ticket, &cert, &refused)) != 0) {
		/* docs/protocol.md §5: PERM, and the authority's reason in the detail. */
		if (rc == KENH_E_PERM) env->detail = refused;
		/* A guessed ticket is a refused attempt of its address (§7). */
		if (rc == KENH_E_NOT_FOUND && env->rl != NULL)
			ratelimit_charge(env->rl, peer_addr(p), env->now);
		return rc;
	}
	resp.certificate = span_make(cert.p, cert.len);
	rc = proto_msg_encode(out, &proto_desc_certificate, &resp);
	store_buf_clear(&cert);
	return rc;
}

bool ops_is_authority(const struct op_env *env, const struct peer *p)
{
	struct crypto_cert_info ci;
	size_t i;

	for (i = 0; i < env->cfg->authority.n; i++)
		if (strcmp(env->cfg->authority.items[i], p->device) == 0) break;
	if (i == env->cfg->authority.n) return false;
	/*
	 * Only the root may make an authority: a unit CA issues inside its
	 * subtree, and the authority's name could lie there.
	 */
	return crypto_trust_verify(env->trust, p->cert.p, p->cert.len, env->now, &ci) == 0 &&
	       ci.issuer[0] == '\0';
}

static int add_pending(void *arg, const struct store_enroll_entry *se)
{
	struct proto_enroll_entry e = { se->ticket, se->csr, se->kind,
		                        span_make((const uint8_t *)se->device,
		                                  strlen(se->device)) };

	/* A row of another kind (a newer schema) is not ours to show. */
	if (se->kind != PROTO_ENROLL_NEW && se->kind != PROTO_ENROLL_RENEW) return 0;
	return proto_msg_encode(arg, &proto_desc_enroll_entry, &e);
}

int op_enroll_list(struct op_env *env, struct peer *p, struct kenh_span body,
                   struct codec_writer *out)
{
	struct proto_empty req;
	size_t mark = 0;
	int rc;

	if ((rc = proto_msg_decode(&proto_desc_empty, body.p, body.len, &req, sizeof(req))))
		return rc;
	if (!ops_is_authority(env, p)) return KENH_ERR(KENH_E_PERM);
	if ((rc = codec_write_vector_begin(out, &mark)) != 0) return rc;
	rc = env->so->enroll_list(env->st, PROTO_MAX_ENROLL_LIST, add_pending, out);
	if (rc != 0) return rc;
	return codec_write_vector_end(out, mark);
}

/* The certificate must validate and carry the key of the pending request it answers. */
static int check_issued(struct op_env *env, struct kenh_span ticket, struct kenh_span cert)
{
	struct crypto_cert_info ci;
	struct crypto_csr_info ri;
	struct store_buf csr = { 0 };
	int rc;

	if ((rc = crypto_trust_verify(env->trust, cert.p, cert.len, env->now, &ci)) != 0) return rc;
	if ((rc = env->so->enroll_csr(env->st, ticket, &csr)) != 0) return rc;
	rc = crypto_csr_verify(env->ctx, csr.p, csr.len, &ri);
	if (rc == 0 &&
	    (ri.sig_id != ci.sig_id || ri.pklen != ci.pklen || memcmp(ri.pk, ci.pk, ci.pklen) != 0))
		rc = KENH_ERR(KENH_E_VERIFY);
	store_buf_clear(&csr);
	return rc;
}

int op_enroll_issue(struct op_env *env, struct peer *p, struct kenh_span body,
                    struct codec_writer *out)
{
	struct proto_enroll_issue req;
	bool renewal = false;
	int rc;

	(void)out;
	if ((rc = proto_msg_decode(&proto_desc_enroll_issue, body.p, body.len, &req, sizeof(req))))
		return rc;
	if (!ops_is_authority(env, p)) return KENH_ERR(KENH_E_PERM);
	/* A renewal's certificate goes to the device's inbox (op_renew.c). */
	if ((rc = renew_issue(env, req.ticket, req.certificate, &renewal)) != 0 || renewal)
		return rc;
	if ((rc = check_issued(env, req.ticket, req.certificate)) != 0) return rc;
	if ((rc = env->so->enroll_issue(env->st, req.ticket, req.certificate)) != 0) return rc;
	/* An accepted request is not a refused attempt: its address gets it back (§7). */
	if (env->rl != NULL && req.ticket.len == RATELIMIT_TICKET)
		ratelimit_refund(env->rl, req.ticket.p, env->now);
	return 0;
}

int op_enroll_reject(struct op_env *env, struct peer *p, struct kenh_span body,
                     struct codec_writer *out)
{
	struct proto_enroll_reject req;
	int rc;

	(void)out;
	if ((rc = proto_msg_decode(&proto_desc_enroll_reject, body.p, body.len, &req, sizeof(req))))
		return rc;
	if (!ops_is_authority(env, p)) return KENH_ERR(KENH_E_PERM);
	return env->so->enroll_reject(env->st, req.ticket, req.reason);
}
