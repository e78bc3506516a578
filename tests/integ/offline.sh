#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Offline delivery and the client's duplicate filter (DESIGN §5): a device
# that was offline gets everything after it reconnects; one that crashed
# before acknowledging gets it all again, and its filter hands nothing to
# the application twice; once acknowledged, nothing comes back; the
# Welcome waits in the inbox until acknowledged.
. "$(dirname "$0")/lib.sh"

make_pki
make_device alice d1
make_device bob d1
start_relay
relayc bob-d1 kp-upload 1 >/dev/null || fail kp-upload
relayc alice-d1 create g-off >/dev/null || fail create
relayc alice-d1 add g-off 0 tb/pc02/bob/d1 >/dev/null || fail add
relayc alice-d1 send g-off 25 off >/dev/null || fail send

# 1. Bob comes online, reads everything, crashes before acknowledging.
relayc bob-d1 recv --count 25 --timeout 10 --seen "$T/bob.seen" --no-ack >"$T/r1.out" \
	2>"$T/r1.err" || fail "first read: $(cat "$T/r1.err")"
[ "$(grep -c '^deliver ' "$T/r1.out")" = 25 ] || fail "first read incomplete"
grep -q '^welcome g-off' "$T/r1.out" || fail "no Welcome in the inbox"

# 2. Reconnect: the relay delivers again (at least once); the filter discards all of it.
relayc bob-d1 recv --count 1 --timeout 3 --seen "$T/bob.seen" >"$T/r2.out" 2>"$T/r2.err"
[ $? = 4 ] || fail "second read should time out with nothing new"
grep -q '^deliver ' "$T/r2.out" && fail "a message reached the application twice"
grep -q 'duplicates=26' "$T/r2.err" || fail "expected 26 discarded repeats: $(cat "$T/r2.err")"

# 3. That read acknowledged: nothing comes back, not even as a repeat.
relayc bob-d1 recv --count 1 --timeout 2 --seen "$T/bob.seen" >"$T/r3.out" 2>"$T/r3.err"
grep -q 'duplicates=0' "$T/r3.err" || fail "acknowledged entries came back: $(cat "$T/r3.err")"

# 4. Bob online (live) and new messages: pushed at once.
relayc bob-d1 recv --count 5 --timeout 10 --seen "$T/bob.seen" >"$T/r4.out" 2>"$T/r4.err" &
BG_PIDS+=($!)
sleep 1
relayc alice-d1 send g-off 5 live >/dev/null || fail "send live"
wait "${BG_PIDS[0]}" || fail "live messages not pushed"
BG_PIDS=()
[ "$(grep -c '^deliver live-' "$T/r4.out")" = 5 ] || fail "live: wrong count"

# 5. The relay restarts: nothing acknowledged comes back, nothing is lost.
stop_relay || fail "relay did not stop cleanly"
start_relay
relayc alice-d1 send g-off 3 after >/dev/null || fail "send after restart"
relayc bob-d1 recv --count 3 --timeout 10 --seen "$T/bob.seen" >"$T/r5.out" 2>"$T/r5.err" ||
	fail "after restart"
[ "$(grep -c '^deliver ' "$T/r5.out")" = 3 ] || fail "after restart: wrong count"
grep -q 'duplicates=0' "$T/r5.err" || fail "after restart: repeats"
pass "offline, redelivery filtered, restart"
