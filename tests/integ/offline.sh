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
relayc bob-d1 kp-upload 1 >/dev/null || fatal kp-upload
relayc alice-d1 create g-off >/dev/null || fatal create
relayc alice-d1 add g-off 0 tb/pc02/bob/d1 >/dev/null || fatal add
relayc alice-d1 send g-off 25 off >/dev/null || fatal send

# 1. Bob comes online, reads everything, crashes before acknowledging.
relayc bob-d1 recv --count 25 --timeout 10 --seen "$TMP/bob.seen" --no-ack >"$TMP/r1.out" \
	2>"$TMP/r1.err" || fatal "first read: $(cat "$TMP/r1.err")"
[ "$(grep -c '^deliver ' "$TMP/r1.out")" = 25 ] || fatal "first read incomplete"
grep -q '^welcome g-off' "$TMP/r1.out" || fatal "no Welcome in the inbox"

# 2. Reconnect: the relay delivers again (at least once); the filter discards all of it.
relayc bob-d1 recv --count 1 --timeout 3 --seen "$TMP/bob.seen" >"$TMP/r2.out" 2>"$TMP/r2.err"
[ $? = 4 ] || fatal "second read should time out with nothing new"
grep -q '^deliver ' "$TMP/r2.out" && fatal "a message reached the application twice"
grep -q 'duplicates=26' "$TMP/r2.err" || fatal "expected 26 discarded repeats: $(cat "$TMP/r2.err")"

# 3. That read acknowledged: nothing comes back, not even as a repeat.
relayc bob-d1 recv --count 1 --timeout 2 --seen "$TMP/bob.seen" >"$TMP/r3.out" 2>"$TMP/r3.err"
grep -q 'duplicates=0' "$TMP/r3.err" || fatal "acknowledged entries came back: $(cat "$TMP/r3.err")"

# 4. Bob online (live) and new messages: pushed at once.
relayc bob-d1 recv --count 5 --timeout 10 --seen "$TMP/bob.seen" >"$TMP/r4.out" 2>"$TMP/r4.err" &
PIDS+=($!)
sleep 1
relayc alice-d1 send g-off 5 live >/dev/null || fatal "send live"
wait "${PIDS[0]}" || fatal "live messages not pushed"
PIDS=()
[ "$(grep -c '^deliver live-' "$TMP/r4.out")" = 5 ] || fatal "live: wrong count"

# 5. The relay restarts: nothing acknowledged comes back, nothing is lost.
stop_relay || fatal "relay did not stop cleanly"
start_relay
relayc alice-d1 send g-off 3 after >/dev/null || fatal "send after restart"
relayc bob-d1 recv --count 3 --timeout 10 --seen "$TMP/bob.seen" >"$TMP/r5.out" 2>"$TMP/r5.err" ||
	fatal "after restart"
[ "$(grep -c '^deliver ' "$TMP/r5.out")" = 3 ] || fatal "after restart: wrong count"
grep -q 'duplicates=0' "$TMP/r5.err" || fatal "after restart: repeats"
pass "offline, redelivery filtered, restart"
