#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# The SIGKILL test (DESIGN §9, issue 4 item 7): under a steady load the
# relay is stopped three times and restarted on the same database: twice
# with SIGKILL, and once, in between, with SIGTERM, whose shutdown must
# wait for the commit on the store worker and exit cleanly (status 0).
# Every message the relay acknowledged must reach the receiver afterwards
# (counted), and none may reach the receiving application twice:
# the sender resends what was not acknowledged when the relay died, the
# relay redelivers what was not acknowledged to it, and the receiver's
# duplicate filter (DESIGN §5) discards the repeats.
. "$(dirname "$0")/../integ/lib.sh"

make_pki
make_device alice d1
make_device bob d1
start_relay
relayc bob-d1 kp-upload 1 >/dev/null || fatal kp-upload
relayc alice-d1 create g-kill >/dev/null || fatal create
relayc alice-d1 add g-kill 0 tb/pc02/bob/d1 >/dev/null || fatal add

LOAD_SECONDS=${LOAD_SECONDS:-14}
RATE=${RATE:-200}
relayc alice-d1 load g-kill "$LOAD_SECONDS" "$TMP/acked.log" k "$RATE" >"$TMP/load.out" 2>&1 &
LOAD_PID=$!
PIDS+=($LOAD_PID)
relayc bob-d1 recv --count 100000000 --timeout 120 --seen "$TMP/bob.seen" --reconnect \
	>"$TMP/bob.out" 2>"$TMP/bob.err" &
RECV_PID=$!
PIDS+=($RECV_PID)

for sig in KILL TERM KILL; do
	sleep 3
	kill -"$sig" "$RELAY_PID" || fatal "kill -$sig"
	wait "$RELAY_PID" 2>/dev/null
	st=$?
	[ "$sig" = TERM ] && [ "$st" != 0 ] && fatal "SIGTERM under load: exit status $st"
	RELAY_PID=""
	verbose "SIG$sig with $(wc -l <"$TMP/acked.log") acknowledged"
	sleep 0.3
	start_relay
done
wait "$LOAD_PID" || fatal "load client failed: $(cat "$TMP/load.out")"
acked=$(sort -u "$TMP/acked.log" | wc -l)
[ "$acked" -ge 100 ] || fatal "too little load: $acked acknowledged"
awk '{print $2}' "$TMP/acked.log" | sort -u >"$TMP/acked.ids"

# Everything acknowledged arrives, eventually.
all_delivered() {
	grep '^deliver ' "$TMP/bob.out" | awk '{print $2}' | sort -u >"$TMP/got.ids"
	[ -z "$(comm -23 "$TMP/acked.ids" "$TMP/got.ids")" ]
}
wait_for 60 all_delivered || fatal "$(comm -23 "$TMP/acked.ids" "$TMP/got.ids" | wc -l) acknowledged messages lost"
sleep 1
kill "$RECV_PID" 2>/dev/null
wait "$RECV_PID" 2>/dev/null
delivered=$(grep -c '^deliver ' "$TMP/bob.out")
unique=$(grep '^deliver ' "$TMP/bob.out" | sort -u | wc -l)
[ "$delivered" = "$unique" ] || fatal "$((delivered - unique)) messages reached the application twice"
repeats=$(grep -c '^duplicate' "$TMP/bob.err")
kills=$(grep -c 'event=start ' "$TMP/relay.log")
[ "$kills" = 4 ] || fatal "expected 4 relay starts, saw $kills"
pass "2 SIGKILLs and a SIGTERM: $acked acknowledged, $delivered delivered once each (lost 0), $repeats repeats discarded"
