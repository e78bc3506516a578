#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Hostile frames (STYLE R17.4, docs/protocol.md §2, §3): a header claiming
# 2 GiB, a request type outside the table, an operation not allowed in the
# connection's state (an enrolling connection uploading KeyPackages), and a
# frame trickled one byte a second. Each connection is closed (the last one
# by request_timeout, not by waiting forever); the relay's memory does not
# move; another device is served throughout.
. "$(dirname "$0")/../integ/lib.sh"

make_pki
lean_asan
make_device alice d1
make_device bob d1
start_relay "request_timeout = 3" "handshake_timeout = 3" "enroll_timeout = 3"
relayc bob-d1 ping >/dev/null || fatal "baseline ping"
rss0=$(relay_rss)

out=$(relayc alice-d1 hostile oversize) || fatal "oversize: $out"
echo "$out" | grep -q "^closed after" || fatal "oversize: $out"
out=$(relayc alice-d1 hostile unknown) || fatal "unknown type: $out"
out=$(relayc alice-d1 hostile wrongstate) || fatal "wrong state: $out"
grep -q "event=enroll_conn" "$TMP/relay.log" || fatal "no enrolling connection seen"
relayc bob-d1 ping >/dev/null || fatal "bob not served after bad frames"

out=$(relayc alice-d1 hostile slowloris 20) || fatal "slowloris: $out"
secs=$(echo "$out" | awk '/^closed after/ { print int($3) }')
[ -n "$secs" ] && [ "$secs" -le 5 ] || fatal "slowloris not cut off by request_timeout: $out"
grep -q "reason=request_timeout" "$TMP/relay.log" || fatal "no request_timeout close"

[ "$(metric kenhd_protocol_errors_total)" -ge 3 ] || fatal "protocol errors not counted"
relayc bob-d1 ping >/dev/null || fatal "bob not served at the end"
rss1=$(relay_rss)
verbose "rss $rss0 -> $rss1 KiB"
[ $((rss1 - rss0)) -lt 20000 ] || fatal "memory grew from $rss0 to $rss1 KiB"
pass "bad frames closed, slowloris cut at ${secs}s, rss $rss0 -> $rss1 KiB"
