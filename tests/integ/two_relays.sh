#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Two relays, one PostgreSQL database (DESIGN §8, docs/relay-store.md): A
# and B run with the same configuration on a throw-away server. A device
# live on B gets, pushed by B within a second, what its group's members
# sent through A (B is woken by LISTEN/NOTIFY and reads the entries from
# the database), and a Welcome stored through A; KeyPackages uploaded
# through B are claimed through A. A CRL uploaded through A cuts the
# revoked device's connection on B within a second and B refuses it
# afterwards. Commits of one epoch sent through both relays at once:
# exactly one is accepted, the other answered with the new epoch. B
# restarted knows everything (nothing lives only in a relay).
. "$(dirname "$0")/lib.sh"

KENH_TEST_STORE=postgresql
make_pki
for d in alice-d1 bob-d1 carol-d1; do make_device "${d%-*}" "${d#*-}"; done
start_relay
PORT_B=$(free_port)
ADMIN_B=$(free_port)
# on_b COMMAND...: a helper of lib.sh (relayc, healthy, metric) against relay B.
on_b() { PORT=$PORT_B ADMIN_PORT=$ADMIN_B "$@"; }
b_config() {
	sed -e "s/^listen = .*/listen = 127.0.0.1:$PORT_B/" \
		-e "s/^admin_listen = .*/admin_listen = 127.0.0.1:$ADMIN_B/" "$TMP/kenhd.conf" \
		>"$TMP/kenhd-b.conf"
}
# start_b: relay B; new ports once if another process took one before B bound it.
start_b() {
	local try
	for try in 1 2; do
		"$KENHD" --config "$TMP/kenhd-b.conf" >>"$TMP/relay-b.log" 2>&1 &
		RELAY_B=$!
		PIDS+=($RELAY_B)
		wait_for 20 on_b healthy && return 0
		grep -q 'cannot bind' "$TMP/relay-b.log" || break
		PORT_B=$(free_port) ADMIN_B=$(free_port)
		b_config
	done
	fatal "relay B did not start: $(tail -n 5 "$TMP/relay-b.log")"
}
b_config
start_b
grep -q 'store=postgresql' "$TMP/relay-b.log" || fatal "relay B is not on PostgreSQL"

now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.3f", b - a }'; }
# live_on_b DEVICE COUNT: DEVICE receives on B in the background (LIVE_PID), once live.
live_on_b() {
	on_b relayc "$1" recv --count "$2" --timeout 20 --seen "$TMP/$1.seen" >"$TMP/$1.out" \
		2>"$TMP/$1.err" &
	LIVE_PID=$!
	PIDS+=($LIVE_PID)
	wait_for 5 grep -q "event=auth_ok conn=[0-9]* device=tb/pc02/${1%-*}/${1#*-}" \
		"$TMP/relay-b.log" || fatal "$1 did not connect to B"
	sleep 0.5
}

# 1. KeyPackages uploaded through B, claimed through A; the group made through A.
on_b relayc bob-d1 kp-upload 1 >/dev/null || fatal "kp-upload on B"
on_b relayc carol-d1 kp-upload 1 >/dev/null || fatal "kp-upload on B"
relayc alice-d1 create g-two >/dev/null || fatal create
relayc alice-d1 add g-two 0 tb/pc02/bob/d1 >/dev/null || fatal "add bob through A"

# 2. Bob live on B; alice sends through A: B pushes within a second.
live_on_b bob-d1 5
start=$(now)
relayc alice-d1 send g-two 5 cross >/dev/null || fatal "send through A"
wait "$LIVE_PID" || fatal "bob on B did not get the messages sent through A: $(cat "$TMP/bob-d1.err")"
t=$(elapsed "$start")
[ "$(grep -c '^deliver cross-' "$TMP/bob-d1.out")" = 5 ] || fatal "bob: wrong count"
awk -v t="$t" 'BEGIN { exit !(t < 1.0) }' || fatal "B pushed after ${t}s"
[ "$(on_b metric kenhd_deliveries_total)" -ge 5 ] || fatal "B counted no deliveries"

# 3. A Welcome stored through A is pushed by B, then carol's first message.
live_on_b carol-d1 1
relayc alice-d1 add g-two 0 tb/pc02/carol/d1 >/dev/null || fatal "add carol through A"
relayc alice-d1 send g-two 1 hello >/dev/null || fatal "send to carol"
wait "$LIVE_PID" || fatal "carol on B got nothing: $(cat "$TMP/carol-d1.err")"
grep -q '^welcome g-two' "$TMP/carol-d1.out" || fatal "no Welcome pushed by B"
grep -q '^deliver hello-' "$TMP/carol-d1.out" || fatal "carol: no message"

# 4. The same epoch committed through A and B at once, ten times: one wins each time.
relayc alice-d1 create g-race >/dev/null || fatal "create g-race"
for e in $(seq 0 9); do
	relayc alice-d1 commit g-race 0 "$e" >"$TMP/race-a.out" 2>&1 &
	pa=$!
	on_b relayc alice-d1 commit g-race 0 "$e" >"$TMP/race-b.out" 2>&1
	wait "$pa"
	won=$(cat "$TMP/race-a.out" "$TMP/race-b.out" | grep -c "^commit epoch=$((e + 1)) seq=$((e + 1))$")
	lost=$(cat "$TMP/race-a.out" "$TMP/race-b.out" | grep -c "^stale status=10 detail=$((e + 1))$")
	[ "$won" = 1 ] && [ "$lost" = 1 ] ||
		fatal "epoch $e: $(cat "$TMP/race-a.out" "$TMP/race-b.out" | tr '\n' ' ')"
done

# 5. A CRL uploaded through A cuts bob off on B within a second; B refuses him after.
on_b relayc bob-d1 recv --count 1000 --timeout 60 --seen "$TMP/bob2.seen" >/dev/null 2>&1 &
BOB_PID=$!
PIDS+=($BOB_PID)
wait_for 5 grep -c "event=auth_ok conn=[0-9]* device=tb/pc02/bob/d1" "$TMP/relay-b.log" ||
	fatal "bob did not connect again"
sleep 0.5
"$RELAYC" pki crl "$PKI" unit-pc02 1 "$TMP/crl1.der" "$PKI/bob-d1.der" || fatal "make crl"
out=$(relayc alice-d1 crl-upload "$TMP/crl1.der") || fatal "upload: $out"
[ "$out" = "crl number=1 revoked=1" ] || fatal "upload answer: $out"
start=$(now)
while kill -0 "$BOB_PID" 2>/dev/null; do
	awk -v t="$(elapsed "$start")" 'BEGIN { exit !(t > 1.0) }' &&
		fatal "bob still connected to B a second after the upload through A"
	sleep 0.02
done
grep -q "event=device_revoked .*device=tb/pc02/bob/d1" "$TMP/relay-b.log" ||
	fatal "B logged no device_revoked"
on_b relayc bob-d1 dir tb 2>&1 | grep -q "^status=18 " || fatal "B still accepts bob"
on_b relayc carol-d1 ping >/dev/null || fatal "carol cut off on B"

# 6. B restarted: everything it serves comes from the database.
kill -TERM "$RELAY_B" && wait "$RELAY_B"
start_b
on_b relayc bob-d1 dir tb 2>&1 | grep -q "^status=18 " || fatal "B accepts bob after restart"
on_b relayc carol-d1 dir tb | grep -q "tb/pc02/carol/d1" || fatal "directory on B"
pass "pushed by the other relay within ${t}s; Welcome, epoch race and revocation across relays"
