#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# The documented example configuration (docs/kenhd.example.conf), with its
# paths and ports pointed at this run, passes --check-config, starts a
# relay that serves two devices of the test organization, and shuts down
# on SIGTERM. A broken line is refused with its line number.
. "$(dirname "$0")/lib.sh"

make_pki
make_device alice d1
make_device bob d1
PORT=$(free_port)
ADMIN_PORT=$(free_port)
sed -e "s|^listen = .*|listen = 127.0.0.1:$PORT|" \
	-e "s|^admin_listen = .*|admin_listen = 127.0.0.1:$ADMIN_PORT|" \
	-e "s|/etc/kenhd/relay-cert.pem|$PKI/relay-cert.pem|" \
	-e "s|/etc/kenhd/relay-key.pem|$PKI/relay-key.pem|" \
	-e "s|/etc/kenhd/root.der|$PKI/root.der|" \
	-e "s|/etc/kenhd/unit-pc02.der|$PKI/unit-pc02.der|" \
	-e "s|/etc/kenhd/province.crl|$T/province.crl|" \
	-e "s|/var/lib/kenhd/kenhd.db|$T/relay.db|" \
	docs/kenhd.example.conf >"$T/kenhd.conf"
cmp -s docs/kenhd.example.conf "$T/kenhd.conf" && fail "nothing substituted"
out=$("$KENHD" --config "$T/kenhd.conf" --check-config 2>&1) || fail "check-config: $out"
echo "$out" | grep -q "configuration ok" || fail "check-config: $out"

start_relay
relayc bob-d1 kp-upload 1 >/dev/null || fail kp-upload
relayc alice-d1 create g-ex >/dev/null || fail create
relayc alice-d1 add g-ex 0 tb/pc02/bob/d1 >/dev/null || fail add
relayc alice-d1 send g-ex 3 hello >/dev/null || fail send
relayc bob-d1 recv --count 3 --timeout 10 --seen "$T/bob.seen" >"$T/bob.out" 2>/dev/null ||
	fail "bob did not receive"
[ "$(grep -c '^deliver hello-' "$T/bob.out")" = 3 ] || fail "wrong deliveries"
http_get /metrics | grep -q '^kenhd_store_commit_seconds_bucket{le="+Inf"}' ||
	fail "no latency histogram"
stop_relay || fail "SIGTERM: exit status $?"
grep -q "event=stopped" "$T/relay.log" || fail "no stopped event"

# Errors name the line.
printf 'listen = 127.0.0.1:1\nlisten_typo = 1\n' >"$T/bad.conf"
out=$("$KENHD" --config "$T/bad.conf" --check-config 2>&1) && fail "bad config accepted"
echo "$out" | grep -q "bad.conf:2: unknown key" || fail "bad config message: $out"
printf 'max_frame = 12\n' >"$T/bad2.conf"
out=$("$KENHD" --config "$T/bad2.conf" --check-config 2>&1) && fail "out of bounds accepted"
echo "$out" | grep -q "bad2.conf:1: out of bounds" || fail "bounds message: $out"
pass "example config serves two devices"
