#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Revocation (DESIGN §6, docs/protocol.md §5 CRL_UPLOAD): a CRL uploaded by
# anyone but signed by the device's CA closes the revoked device's open
# connection within one second, refuses its next handshake and drops it
# from the directory; the same through a CRL file and SIGHUP. A CRL that is
# not newer, or not signed by a configured CA, is refused.
. "$(dirname "$0")/lib.sh"

make_pki
for d in alice-d1 bob-d1 carol-d1; do make_device "${d%-*}" "${d#*-}"; done
start_relay "crl_file = $T/province.crl"
for d in bob-d1 carol-d1; do relayc "$d" kp-upload 1 >/dev/null || fail "kp-upload $d"; done
relayc alice-d1 dir tb | grep -q "tb/pc02/bob/d1" || fail "bob not in the directory"

now() { date +%s.%N; }
# watch DEVICE: a live connection of DEVICE in the background; sets WATCH_PID.
watch() {
	relayc "$1" recv --count 1000 --timeout 60 --seen "$T/$1.seen" >/dev/null 2>&1 &
	WATCH_PID=$!
	BG_PIDS+=($WATCH_PID)
	wait_for 5 grep -q "event=auth_ok conn=[0-9]* device=tb/pc02/${1%-*}/${1#*-}" "$T/relay.log" ||
		fail "$1 did not connect"
	sleep 0.3
}
# closed_within SECONDS PID: the process ends within SECONDS.
closed_within() {
	local start end
	start=$(now)
	while kill -0 "$2" 2>/dev/null; do
		sleep 0.02
		end=$(now)
		awk -v a="$start" -v b="$end" -v l="$1" 'BEGIN { exit !(b - a > l) }' && return 1
	done
	return 0
}

# 1. Upload: bob is cut off within a second.
"$RELAYC" pki crl "$PKI" unit-pc02 1 "$T/crl1.der" "$PKI/bob-d1.der" || fail "make crl 1"
watch bob-d1
out=$(relayc alice-d1 crl-upload "$T/crl1.der") || fail "upload: $out"
[ "$out" = "crl number=1 revoked=1" ] || fail "upload answer: $out"
closed_within 1 "$WATCH_PID" || fail "bob still connected a second after the CRL upload"
grep -q "event=device_revoked .*device=tb/pc02/bob/d1" "$T/relay.log" || fail "no device_revoked event"
relayc bob-d1 ping >/dev/null 2>&1 && fail "bob still accepted after revocation"
grep -q "event=device_refused" "$T/relay.log" || fail "no device_refused event"
relayc alice-d1 dir tb | grep -q "tb/pc02/bob/d1" && fail "bob still in the directory"

# 2. Not newer, or not ours: refused.
out=$(relayc alice-d1 crl-upload "$T/crl1.der")
[ "$out" = "status=10 detail=1" ] || fail "repeated CRL: $out"
mkdir -p "$T/evil"
"$RELAYC" pki root "$T/evil" "Test Province" >/dev/null || fail "evil root"
"$RELAYC" pki crl "$T/evil" root 9 "$T/evil.der" "$PKI/alice-d1.der" || fail "evil crl"
out=$(relayc alice-d1 crl-upload "$T/evil.der")
[ "$out" = "status=8 detail=0" ] || fail "foreign CRL: $out"
relayc alice-d1 ping >/dev/null || fail "alice cut off by a foreign CRL"

# 3. A CRL file and SIGHUP: carol is cut off within a second.
watch carol-d1
"$RELAYC" pki crl "$PKI" unit-pc02 2 "$T/province.crl" "$PKI/bob-d1.der" "$PKI/carol-d1.der" ||
	fail "make crl 2"
kill -HUP "$RELAY_PID"
closed_within 1 "$WATCH_PID" || fail "carol still connected a second after SIGHUP"
grep -q "event=crl_loaded file=$T/province.crl number=2" "$T/relay.log" || fail "no crl_loaded"
relayc carol-d1 ping >/dev/null 2>&1 && fail "carol still accepted"
relayc alice-d1 ping >/dev/null || fail "alice refused"

# 4. Revocation survives a restart (the CRL is in the store).
stop_relay
start_relay
relayc bob-d1 ping >/dev/null 2>&1 && fail "bob accepted after restart"
[ "$(metric kenhd_revoked_closed_total)" = 0 ] || fail "metric after restart"
pass "revoked devices cut off within a second (upload and SIGHUP)"
