#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# A slow reader (STYLE R8.3, docs/protocol.md §7): a live device stops
# reading while 12 MB of messages are pushed to its group. The relay cuts
# it off once its output passes output_cap instead of buffering without
# bound; its memory stays bounded; the sender and another member are
# served throughout, and the slow device gets everything on its next
# connection (the messages are in the log, not lost with the buffer).
. "$(dirname "$0")/../integ/lib.sh"

make_pki
lean_asan
for d in alice-d1 bob-d1 carol-d1; do make_device "${d%-*}" "${d#*-}"; done
start_relay "output_cap = 1048576"
for d in bob-d1 carol-d1; do relayc "$d" kp-upload 1 >/dev/null || fatal "kp-upload $d"; done
relayc alice-d1 create g-slow >/dev/null || fatal create
relayc alice-d1 add g-slow 0 tb/pc02/bob/d1 tb/pc02/carol/d1 >/dev/null || fatal add
# Warm up first: the allocator's (and under ASan the sanitizer's) first
# growth is not what this test is about; growth during the attack is.
relayc alice-d1 send g-slow 1000 warm 4096 >/dev/null || fatal "warm-up"
for d in bob-d1 carol-d1; do
	relayc "$d" recv --count 1000 --timeout 30 --seen "$TMP/$d.seen" >/dev/null 2>&1 ||
		fatal "warm-up reading $d"
done
rss0=$(relay_rss)

relayc bob-d1 hostile slowreader 10 >"$TMP/bob.out" 2>&1 &
BOB=$!
PIDS+=($BOB)
relayc carol-d1 recv --count 3000 --timeout 60 --seen "$TMP/carol-d1.seen" >"$TMP/carol.out" \
	2>"$TMP/carol.err" &
CAROL=$!
PIDS+=($CAROL)
wait_for 5 grep -q live "$TMP/bob.out" || fatal "slow reader did not start"
sleep 1
out=$(relayc alice-d1 send g-slow 3000 big 4096 | grep -c '^acked') || fatal "send"
[ "$out" = 3000 ] || fatal "only $out of 3000 acknowledged"
rss1=$(relay_rss)
wait "$CAROL" || fatal "carol was not served: $(tail -n 2 "$TMP/carol.err")"
wait "$BOB" || fatal "slow reader not cut off: $(cat "$TMP/bob.out")"
PIDS=()
grep -q "reason=slow_reader" "$TMP/relay.log" || fatal "no slow_reader close"
[ "$(metric kenhd_slow_readers_total)" -ge 1 ] || fatal "metric"
verbose "rss $rss0 -> $rss1 KiB"
[ $((rss1 - rss0)) -lt 20000 ] || fatal "memory grew from $rss0 to $rss1 KiB"
# Nothing is lost: bob gets all 3000 when he reads again.
relayc bob-d1 recv --count 3000 --timeout 60 --seen "$TMP/bob-d1.seen" >"$TMP/bob2.out" 2>/dev/null ||
	fatal "bob did not get everything after reconnecting"
pass "slow reader cut off, rss $rss0 -> $rss1 KiB, others served, nothing lost"
