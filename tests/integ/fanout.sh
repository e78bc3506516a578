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
for d in bob-d1 bob-d2 carol-d1 dave-d1; do relayc "$d" kp-upload 2 >/dev/null || fatal "kp-upload $d"; done
relayc alice-d1 create g-fan >/dev/null || fatal create
relayc alice-d1 add g-fan 0 tb/pc02/bob/d1 tb/pc02/bob/d2 tb/pc02/carol/d1 tb/pc02/dave/d1 \
	>"$TMP/add.out" || fatal add
grep -q "commit epoch=1" "$TMP/add.out" || fatal "add: $(cat "$TMP/add.out")"

# Two receivers online before the messages, two come afterwards.
for d in bob-d1 carol-d1; do
	relayc "$d" recv --count 30 --timeout 20 --seen "$TMP/$d.seen" >"$TMP/$d.out" 2>"$TMP/$d.err" &
	PIDS+=($!)
done
sleep 1
relayc alice-d1 send g-fan 30 fan >"$TMP/send.out" || fatal send
[ "$(grep -c '^acked ' "$TMP/send.out")" = 30 ] || fatal "not every message acknowledged"
for d in bob-d2 dave-d1; do
	relayc "$d" recv --count 30 --timeout 20 --seen "$TMP/$d.seen" >"$TMP/$d.out" 2>"$TMP/$d.err" ||
		fatal "$d did not receive 30"
done
for p in "${PIDS[@]}"; do wait "$p" || fatal "an online receiver did not receive 30"; done
PIDS=()
for d in bob-d1 bob-d2 carol-d1 dave-d1; do
	grep '^deliver ' "$TMP/$d.out" | awk '{print $2}' >"$TMP/$d.got"
	[ "$(wc -l <"$TMP/$d.got")" = 30 ] || fatal "$d: $(wc -l <"$TMP/$d.got") deliveries"
	seq 0 29 | sed 's/^/fan-/' | cmp -s - "$TMP/$d.got" || fatal "$d: wrong or out of order"
	grep -q "^welcome g-fan" "$TMP/$d.out" || fatal "$d: no Welcome"
	grep -q "duplicates=0" "$TMP/$d.err" || fatal "$d: duplicates"
done
# The sender gets nothing back: its inbox and its cursor hold nothing new.
relayc alice-d1 recv --count 1 --timeout 1 --seen "$TMP/alice.seen" >"$TMP/alice.out" 2>/dev/null
grep -q '^deliver' "$TMP/alice.out" && fatal "sender received its own message"
# One log row per message (plus the commit), not one per recipient.
command -v sqlite3 >/dev/null || fatal "the sqlite3 shell is needed (scripts/deps.sh installs it)"
rows=$(sqlite3 "$TMP/relay.db" "select count(*) from log") || fatal "cannot read the log"
[ "$rows" = 31 ] || fatal "log has $rows rows for 31 entries"
pass "30 messages to 4 devices, in order, once"
