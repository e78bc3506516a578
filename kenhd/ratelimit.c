/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Token buckets for refused enrollment attempts, per source address and
 * global (ratelimit.h, docs/protocol.md §7). The table never grows: an
 * address hashes to a run of RATELIMIT_PROBE slots and takes its own slot,
 * a free one, or the fullest one of the run (a quiet address loses little
 * by being forgotten: it comes back with a full bucket, which it nearly
 * had). A noisy address keeps its empty bucket because the fullest slot
 * is reused first, and one address cannot push out many others: it holds
 * one slot.
 */
#include "ratelimit.h"

#include "util/compat.h"

#include <string.h>

#include "util/util.h"

static void refill(struct ratelimit_bucket *b, uint64_t size, uint64_t window, uint64_t now)
{
	double add;

	if (now > b->last) {
		add = (double)(now - b->last) * (double)size / (double)window;
		b->tokens = b->tokens + add > (double)size ? (double)size : b->tokens + add;
	}
	b->last = now;
}

void ratelimit_init(struct ratelimit *rl, uint64_t per_address, uint64_t global, uint64_t window)
{
	memset(rl, 0, sizeof(*rl));
	rl->per_address = per_address ? per_address : 1;
	rl->global = global ? global : 1;
	rl->window = window ? window : 1;
	rl->all.tokens = (double)rl->global;
}

/* FNV-1a of the address. */
static size_t slot_of(const char *addr)
{
	uint32_t h = 2166136261u;

	while (*addr)
		h = (h ^ (uint8_t)*addr++) * 16777619u;
	return h % RATELIMIT_SLOTS;
}

/* addr's bucket: its own slot, else a free one, else the fullest of the run (reset). */
static struct ratelimit_bucket *bucket(struct ratelimit *rl, const char *addr, uint64_t now)
{
	struct ratelimit_bucket *b, *free_slot = NULL, *fullest = NULL;
	size_t i, s = slot_of(addr);

	for (i = 0; i < RATELIMIT_PROBE; i++) {
		b = &rl->slots[(s + i) % RATELIMIT_SLOTS];
		if (strcmp(b->addr, addr) == 0) return b;
		if (b->addr[0] == '\0') {
			if (free_slot == NULL) free_slot = b;
			continue;
		}
		refill(b, rl->per_address, rl->window, now);
		if (fullest == NULL || b->tokens > fullest->tokens) fullest = b;
	}
	b = free_slot != NULL ? free_slot : fullest;
	snprintf(b->addr, sizeof(b->addr), "%s", addr);
	b->tokens = (double)rl->per_address;
	b->last = now;
	return b;
}

int ratelimit_take(struct ratelimit *rl, const char *addr, uint64_t now, bool *global)
{
	struct ratelimit_bucket *b = bucket(rl, addr, now);

	refill(b, rl->per_address, rl->window, now);
	refill(&rl->all, rl->global, rl->window, now);
	*global = false;
	if (b->tokens < 1.0) {
		rl->refused_address++;
		return KENH_ERR(KENH_E_PERM);
	}
	if (rl->all.tokens < 1.0) {
		*global = true;
		rl->refused_global++;
		return KENH_ERR(KENH_E_PERM);
	}
	b->tokens -= 1.0;
	rl->all.tokens -= 1.0;
	return 0;
}

void ratelimit_charge(struct ratelimit *rl, const char *addr, uint64_t now)
{
	bool global = false;

	/* An empty bucket stays empty; the refusal is counted in refused_address or _global. */
	if (ratelimit_take(rl, addr, now, &global) == 0) return;
}

void ratelimit_ticket(struct ratelimit *rl, const uint8_t ticket[static RATELIMIT_TICKET],
                      const char *addr)
{
	struct ratelimit_ticket *t = &rl->tickets[rl->next_ticket];

	rl->next_ticket = (rl->next_ticket + 1) % RATELIMIT_TICKETS;
	memcpy(t->ticket, ticket, RATELIMIT_TICKET);
	snprintf(t->addr, sizeof(t->addr), "%s", addr);
}

void ratelimit_refund(struct ratelimit *rl, const uint8_t ticket[static RATELIMIT_TICKET],
                      uint64_t now)
{
	struct ratelimit_bucket *b;
	size_t i;

	for (i = 0; i < RATELIMIT_TICKETS; i++) {
		struct ratelimit_ticket *t = &rl->tickets[i];

		if (t->addr[0] == '\0' || memcmp(t->ticket, ticket, RATELIMIT_TICKET) != 0)
			continue;
		b = bucket(rl, t->addr, now);
		refill(b, rl->per_address, rl->window, now);
		refill(&rl->all, rl->global, rl->window, now);
		b->tokens = b->tokens + 1.0 > (double)rl->per_address ? (double)rl->per_address
		                                                      : b->tokens + 1.0;
		rl->all.tokens = rl->all.tokens + 1.0 > (double)rl->global ? (double)rl->global
		                                                           : rl->all.tokens + 1.0;
		t->addr[0] = '\0';
		return;
	}
}
