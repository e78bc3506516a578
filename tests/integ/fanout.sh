#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Fan-out (DESIGN §5): one group of five devices (two of them the same
# user's), 30 messages from one member; every other device receives all 30,
# in order, exactly once; the sender is not sent its own messages; the log
# holds one row per message whatever the group size.
. "$(dirname "$0")/lib.sh"

make_pki
for d in alice-d1 bob-d1 bob-d2 carol-d1 dave-d1; do make_device "${d%-*}" "${d#*-}"; done
start_relay
for d in bob-d1 bob-d2 carol-d1 dave-d1; do relayc "$d" kp-upload 2 >/dev/null || fail "kp-upload $d"; done
relayc alice-d1 create g-fan >/dev/null || fail create
relayc alice-d1 add g-fan 0 tb/pc02/bob/d1 tb/pc02/bob/d2 tb/pc02/carol/d1 tb/pc02/dave/d1 \
	>"$T/add.out" || fail add
grep -q "commit epoch=1" "$T/add.out" || fail "add: $(cat "$T/add.out")"

# Two receivers online before the messages, two come afterwards.
for d in bob-d1 carol-d1; do
	relayc "$d" recv --count 30 --timeout 20 --seen "$T/$d.seen" >"$T/$d.out" 2>"$T/$d.err" &
	BG_PIDS+=($!)
done
sleep 1
relayc alice-d1 send g-fan 30 fan >"$T/send.out" || fail send
[ "$(grep -c '^acked ' "$T/send.out")" = 30 ] || fail "not every message acknowledged"
for d in bob-d2 dave-d1; do
	relayc "$d" recv --count 30 --timeout 20 --seen "$T/$d.seen" >"$T/$d.out" 2>"$T/$d.err" ||
		fail "$d did not receive 30"
done
for p in "${BG_PIDS[@]}"; do wait "$p" || fail "an online receiver did not receive 30"; done
BG_PIDS=()
for d in bob-d1 bob-d2 carol-d1 dave-d1; do
	grep '^deliver ' "$T/$d.out" | awk '{print $2}' >"$T/$d.got"
	[ "$(wc -l <"$T/$d.got")" = 30 ] || fail "$d: $(wc -l <"$T/$d.got") deliveries"
	seq 0 29 | sed 's/^/fan-/' | cmp -s - "$T/$d.got" || fail "$d: wrong or out of order"
	grep -q "^welcome g-fan" "$T/$d.out" || fail "$d: no Welcome"
	grep -q "duplicates=0" "$T/$d.err" || fail "$d: duplicates"
done
# The sender gets nothing back: its inbox and its cursor hold nothing new.
relayc alice-d1 recv --count 1 --timeout 1 --seen "$T/alice.seen" >"$T/alice.out" 2>/dev/null
grep -q '^deliver' "$T/alice.out" && fail "sender received its own message"
# One log row per message (plus the commit), not one per recipient.
command -v sqlite3 >/dev/null || fail "the sqlite3 shell is needed (scripts/deps.sh installs it)"
rows=$(sqlite3 "$T/relay.db" "select count(*) from log") || fail "cannot read the log"
[ "$rows" = 31 ] || fail "log has $rows rows for 31 entries"
pass "30 messages to 4 devices, in order, once"
