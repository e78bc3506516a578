/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Limits on enrollment attempts that are refused or not yet answered
 * (docs/protocol.md §7; issue 5 item 3): a token bucket per source
 * address and one for the whole relay. Each ENROLL_SUBMIT takes a token
 * from both (so does an ENROLL_FETCH of an unknown ticket); a certificate
 * the authority issues for the request gives its tokens back, so only
 * refused and pending requests count. An address whose bucket is empty is
 * refused (too_many) while other addresses still enroll, until the global
 * ceiling is reached too. Buckets refill linearly over the window.
 *
 * Memory is bounded whatever the number of addresses (R8.3): a fixed
 * table of RATELIMIT_SLOTS buckets with a short probe; when every probed
 * slot is taken, the fullest bucket (the quietest address) is reused. The
 * tickets of recent requests (for the refund) live in a fixed ring. Pure
 * state and arithmetic, no I/O and no clock: "now" is passed in.
 */
#ifndef KENH_KENHD_RATELIMIT_H
#define KENH_KENHD_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"

#define RATELIMIT_SLOTS   4096u
#define RATELIMIT_PROBE   8u
#define RATELIMIT_TICKETS 4096u
#define RATELIMIT_ADDR    64
#define RATELIMIT_TICKET  16

struct ratelimit_bucket {
	char addr[RATELIMIT_ADDR]; /* "" if the slot is free */
	double tokens;
	uint64_t last; /* Unix seconds of the last refill */
};

struct ratelimit_ticket {
	uint8_t ticket[RATELIMIT_TICKET];
	char addr[RATELIMIT_ADDR]; /* "" once refunded */
};

struct ratelimit {
	uint64_t per_address; /* bucket size of one address */
	uint64_t global;      /* bucket size of the relay */
	uint64_t window;      /* seconds to refill a bucket from empty */
	struct ratelimit_bucket all;
	struct ratelimit_bucket slots[RATELIMIT_SLOTS];
	struct ratelimit_ticket tickets[RATELIMIT_TICKETS];
	size_t next_ticket;
	uint64_t refused_address; /* attempts refused by an address's bucket */
	uint64_t refused_global;  /* by the global one */
};

/* Full buckets with these sizes (each >= 1) and window (seconds, >= 1). */
void ratelimit_init(struct ratelimit *rl, uint64_t per_address, uint64_t global, uint64_t window);

/*
 * Take one token from addr's bucket and from the global one at time now.
 * 0 if both had one; KENH_E_PERM (nothing taken) if either is empty, and
 * *global says which (true: the relay's ceiling).
 */
KENH_MUST_CHECK int ratelimit_take(struct ratelimit *rl, const char *addr, uint64_t now,
                                   bool *global);

/* As ratelimit_take, for an attempt refused anyway (a guessed ticket): nothing to decide. */
void ratelimit_charge(struct ratelimit *rl, const char *addr, uint64_t now);

/* Remember that ticket was handed to a request from addr (for ratelimit_refund). */
void ratelimit_ticket(struct ratelimit *rl, const uint8_t ticket[static RATELIMIT_TICKET],
                      const char *addr);

/* The request of ticket was accepted: give its token back to its address and the relay. */
void ratelimit_refund(struct ratelimit *rl, const uint8_t ticket[static RATELIMIT_TICKET],
                      uint64_t now);

#endif /* KENH_KENHD_RATELIMIT_H */
