#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Revocation (DESIGN §6, docs/protocol.md §5 CRL_UPLOAD): a CRL uploaded by
# anyone but signed by the device's CA closes the revoked device's open
# connection within one second, refuses its next handshake and drops it
# from the directory; the same through a CRL file and SIGHUP. A CRL that is
# not newer, or not signed by a configured CA, is refused. A revoked device
# that connects again gets only the REVOKED state (wipe orders).
. "$(dirname "$0")/lib.sh"

make_pki
for d in alice-d1 bob-d1 carol-d1; do make_device "${d%-*}" "${d#*-}"; done
start_relay "crl_file = $TMP/province.crl"
for d in bob-d1 carol-d1; do relayc "$d" kp-upload 1 >/dev/null || fatal "kp-upload $d"; done
relayc alice-d1 dir tb | grep -q "tb/pc02/bob/d1" || fatal "bob not in the directory"

now() { date +%s.%N; }
# watch DEVICE: a live connection of DEVICE in the background; sets WATCH_PID.
watch() {
	relayc "$1" recv --count 1000 --timeout 60 --seen "$TMP/$1.seen" >/dev/null 2>&1 &
	WATCH_PID=$!
	PIDS+=($WATCH_PID)
	wait_for 5 grep -q "event=auth_ok conn=[0-9]* device=tb/pc02/${1%-*}/${1#*-}" "$TMP/relay.log" ||
		fatal "$1 did not connect"
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
"$RELAYC" pki crl "$PKI" unit-pc02 1 "$TMP/crl1.der" "$PKI/bob-d1.der" || fatal "make crl 1"
watch bob-d1
out=$(relayc alice-d1 crl-upload "$TMP/crl1.der") || fatal "upload: $out"
[ "$out" = "crl number=1 revoked=1" ] || fatal "upload answer: $out"
closed_within 1 "$WATCH_PID" || fatal "bob still connected a second after the CRL upload"
grep -q "event=device_revoked .*device=tb/pc02/bob/d1" "$TMP/relay.log" || fatal "no device_revoked event"
# Admitted only to fetch a wipe order (docs/protocol.md §3 REVOKED): anything else is REVOKED.
revoked() { relayc "$1" dir tb 2>&1 | grep -q "^status=18 "; }
revoked bob-d1 || fatal "bob still accepted after revocation"
grep -q "event=revoked_admitted conn=[0-9]* device=tb/pc02/bob/d1" "$TMP/relay.log" ||
	fatal "no revoked_admitted event"
relayc alice-d1 dir tb | grep -q "tb/pc02/bob/d1" && fatal "bob still in the directory"

# 2. Not newer, or not ours: refused.
out=$(relayc alice-d1 crl-upload "$TMP/crl1.der")
[ "$out" = "status=10 detail=1" ] || fatal "repeated CRL: $out"
mkdir -p "$TMP/evil"
"$RELAYC" pki root "$TMP/evil" "Test Province" >/dev/null || fatal "evil root"
"$RELAYC" pki crl "$TMP/evil" root 9 "$TMP/evil.der" "$PKI/alice-d1.der" || fatal "evil crl"
out=$(relayc alice-d1 crl-upload "$TMP/evil.der")
[ "$out" = "status=8 detail=0" ] || fatal "foreign CRL: $out"
relayc alice-d1 ping >/dev/null || fatal "alice cut off by a foreign CRL"

# 3. A CRL file and SIGHUP: carol is cut off within a second.
watch carol-d1
"$RELAYC" pki crl "$PKI" unit-pc02 2 "$TMP/province.crl" "$PKI/bob-d1.der" "$PKI/carol-d1.der" ||
	fatal "make crl 2"
kill -HUP "$RELAY_PID"
closed_within 1 "$WATCH_PID" || fatal "carol still connected a second after SIGHUP"
grep -q "event=crl_loaded file=$TMP/province.crl number=2" "$TMP/relay.log" || fatal "no crl_loaded"
revoked carol-d1 || fatal "carol still accepted"
relayc alice-d1 ping >/dev/null || fatal "alice refused"

# 4. Revocation survives a restart (the CRL is in the store).
stop_relay
start_relay
revoked bob-d1 || fatal "bob accepted after restart"
[ "$(metric kenhd_revoked_closed_total)" = 0 ] || fatal "metric after restart"
pass "revoked devices cut off within a second (upload and SIGHUP)"
