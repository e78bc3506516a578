#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# A failing store under a real relay (STYLE R17.5, docs/protocol.md §2.1,
# §2.2): kenhd built with KENH_FAULT_INJECT rolls back every third commit
# when KENHD_FAULT_COMMIT=3 (kenhd/store_thread.c). A member sends 30
# messages, one connection each; each is either acknowledged or refused
# with status DB (15), never anything else; a third device is served
# throughout (its PING is answered, at worst after one DB); the failures
# are counted in /metrics; the relay stops cleanly (under ASan: nothing
# leaked); and after a restart without faults the other member receives
# exactly the acknowledged messages (a refused one is recorded nowhere,
# not half, and the log's sequence numbers have no gap).
# tests/unit/test_relay_fault.c walks the same faults call by call.
. "$(dirname "$0")/../integ/lib.sh"

if ! grep -q KENHD_FAULT_COMMIT "$KENHD"; then
	echo "$TEST_NAME: $KENHD built without KENH_FAULT_INJECT: not applicable"
	finish
fi
make_pki
for d in alice-d1 bob-d1 carol-d1; do make_device "${d%-*}" "${d#*-}"; done
start_relay
relayc bob-d1 kp-upload 1 >/dev/null || fatal kp-upload
relayc alice-d1 create g-fault >/dev/null || fatal create
relayc alice-d1 add g-fault 0 tb/pc02/bob/d1 >/dev/null || fatal add
stop_relay || fatal "stop: exit status $?"

export KENHD_FAULT_COMMIT=3
start_relay
unset KENHD_FAULT_COMMIT
# A PING is part of a batch too: one that fails is answered DB, the next not.
served() { relayc carol-d1 ping >/dev/null || relayc carol-d1 ping >/dev/null; }
for i in $(seq 30); do
	relayc alice-d1 send g-fault 1 "m$i" >>"$TMP/send.out" 2>&1
	[ $((i % 10)) = 0 ] && { served || fatal "carol not served by a relay whose store fails"; }
done
acked=$(grep -c '^acked m' "$TMP/send.out")
refused=$(grep -c '^refused m' "$TMP/send.out")
[ $((acked + refused)) = 30 ] || fatal "30 sent, $acked acknowledged, $refused refused: $(tail -n 3 "$TMP/send.out")"
[ "$refused" -ge 1 ] || fatal "no commit failed: was the fault injected?"
[ "$acked" -ge 1 ] || fatal "nothing acknowledged"
grep '^refused m' "$TMP/send.out" | grep -qv 'status=15$' &&
	fatal "a refusal other than DB: $(grep '^refused' "$TMP/send.out" | grep -v 'status=15$' | head -n 1)"
[ "$(metric kenhd_batch_failures_total)" -ge 1 ] || fatal "failures not counted"
# A rolled-back message took no log sequence number: the acknowledged ones are consecutive.
seqs=$(grep '^acked m' "$TMP/send.out" | sed 's/.*seq=//' | sort -n)
[ $(($(echo "$seqs" | tail -n 1) - $(echo "$seqs" | head -n 1) + 1)) = "$acked" ] ||
	fatal "gaps in the acknowledged sequence numbers: $(echo $seqs)"

served || fatal "carol not served at the end"
stop_relay || fatal "SIGTERM after store failures: exit status $?"

# On a healthy restart, exactly the acknowledged messages reach bob: what
# was refused is nowhere in the database, what was acknowledged is there.
start_relay
relayc bob-d1 recv --count "$acked" --timeout 20 --seen "$TMP/bob.seen" >"$TMP/bob.out" 2>/dev/null ||
	fatal "bob did not receive the $acked acknowledged messages"
sleep 0.5
grep '^acked m' "$TMP/send.out" | awk '{print $2}' | sort -u >"$TMP/acked.ids"
grep '^deliver m' "$TMP/bob.out" | awk '{print $2}' | sort -u >"$TMP/got.ids"
cmp -s "$TMP/acked.ids" "$TMP/got.ids" ||
	fatal "delivered differs from acknowledged: $(comm -3 "$TMP/acked.ids" "$TMP/got.ids" | head -n 3)"
pass "every 3rd commit failed: $acked acknowledged and delivered, $refused refused with DB, none half"
