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
	-e "s|/etc/kenhd/province.crl|$TMP/province.crl|" \
	-e "s|/var/lib/kenhd/kenhd.db|$TMP/relay.db|" \
	"$ROOT/docs/kenhd.example.conf" >"$TMP/kenhd.conf"
cmp -s "$ROOT/docs/kenhd.example.conf" "$TMP/kenhd.conf" && fatal "nothing substituted"
out=$("$KENHD" --config "$TMP/kenhd.conf" --check-config 2>&1) || fatal "check-config: $out"
echo "$out" | grep -q "configuration ok" || fatal "check-config: $out"

start_relay
relayc bob-d1 kp-upload 1 >/dev/null || fatal kp-upload
relayc alice-d1 create g-ex >/dev/null || fatal create
relayc alice-d1 add g-ex 0 tb/pc02/bob/d1 >/dev/null || fatal add
relayc alice-d1 send g-ex 3 hello >/dev/null || fatal send
relayc bob-d1 recv --count 3 --timeout 10 --seen "$TMP/bob.seen" >"$TMP/bob.out" 2>/dev/null ||
	fatal "bob did not receive"
[ "$(grep -c '^deliver hello-' "$TMP/bob.out")" = 3 ] || fatal "wrong deliveries"
http_get /metrics | grep -q '^kenhd_store_commit_seconds_bucket{le="+Inf"}' ||
	fatal "no latency histogram"
stop_relay || fatal "SIGTERM: exit status $?"
grep -q "event=stopped" "$TMP/relay.log" || fatal "no stopped event"

# Errors name the line.
printf 'listen = 127.0.0.1:1\nlisten_typo = 1\n' >"$TMP/bad.conf"
out=$("$KENHD" --config "$TMP/bad.conf" --check-config 2>&1) && fatal "bad config accepted"
echo "$out" | grep -q "bad.conf:2: unknown key" || fatal "bad config message: $out"
printf 'max_frame = 12\n' >"$TMP/bad2.conf"
out=$("$KENHD" --config "$TMP/bad2.conf" --check-config 2>&1) && fatal "out of bounds accepted"
echo "$out" | grep -q "bad2.conf:1: out of bounds" || fatal "bounds message: $out"
# The example's PostgreSQL lines (docs/relay-store.md) are valid; store =
# postgresql without pg_conninfo is refused.
sed -e 's|^store = sqlite|#|' -e 's|^#store = postgresql|store = postgresql|' \
	-e 's|^#pg_conninfo|pg_conninfo|' "$TMP/kenhd.conf" >"$TMP/pg.conf"
out=$("$KENHD" --config "$TMP/pg.conf" --check-config 2>&1) || fatal "postgresql lines: $out"
grep -v '^pg_conninfo' "$TMP/pg.conf" >"$TMP/pg2.conf"
out=$("$KENHD" --config "$TMP/pg2.conf" --check-config 2>&1) && fatal "no pg_conninfo accepted"
echo "$out" | grep -q "pg_conninfo is required" || fatal "no pg_conninfo: $out"
pass "example config serves two devices"
