/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Internals shared by lib/mls/framing_*.c, welcome_*.c and keypackage.c
 * and no one else (STYLE R13.3): the epoch check every message goes
 * through, signature verification with a key already looked up,
 * MLSMessage output into an owned buffer, and the ratchet a content type
 * uses. Everything else about these
 * files is documented in framing.h.
 */
#ifndef KENH_MLS_FRAMING_INT_H
#define KENH_MLS_FRAMING_INT_H

#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"
#include "mls/framing.h"
#include "mls/mls_wire.h"
#include "util/util.h"

/* RFC 9420 §6.3.2 SenderData: uint32 leaf_index, uint32 generation, reuse_guard[4]. */
#define MLS_SENDER_DATA_LEN 12u

/* RFC 9420 §9.1: proposals and commits use the handshake ratchet, application data its own. */
static inline enum mls_ratchet_type mls_framing_ratchet(enum mls_content_type ct)
{
	return ct == MLS_CONTENT_APPLICATION ? MLS_RATCHET_APPLICATION : MLS_RATCHET_HANDSHAKE;
}

/*
 * A message's group_id and epoch against ep->gc: 0, or KENH_E_STATE when
 * either differs (the caller holds another group or epoch).
 */
KENH_MUST_CHECK int mls_framing_epoch_check(const struct mls_framing_epoch *ep,
                                            struct kenh_span group_id, uint64_t epoch);

/*
 * VerifyWithLabel(key, "FramedContentTBS", FramedContentTBS) for content
 * sent with wire_format, the TBS carrying ep->gc where §6.1 says so.
 * KENH_E_VERIFY for a bad signature or unusable key.
 */
KENH_MUST_CHECK int mls_framing_verify_with_key(const struct mls_framing_epoch *ep,
                                                enum mls_wire_format wire_format,
                                                const struct mls_framed_content *content,
                                                struct kenh_span key, struct kenh_span signature);

/*
 * Encode m (at most LIMIT_MLS_MESSAGE bytes) into a new buffer owned by
 * the caller (mem_free). *out is NULL and *outlen 0 on failure.
 */
KENH_MUST_CHECK int mls_framing_message_encode(const struct mls_message *m, uint8_t **out,
                                               size_t *outlen);

#endif /* KENH_MLS_FRAMING_INT_H */
