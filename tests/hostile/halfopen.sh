#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Many half-open TLS handshakes (STYLE R8.3, R17.4): 400 connections that
# send half a ClientHello and wait, from 127.0.0.2, whose cap is 200. The
# relay refuses what is over the cap at once, keeps its memory bounded,
# closes the rest at handshake_timeout, and serves a device from another
# address (127.0.0.1) all along.
. "$(dirname "$0")/../integ/lib.sh"

make_pki
lean_asan
make_device alice d1
start_relay "handshake_timeout = 3" "max_per_address = 200" "max_connections = 1000"
relayc alice-d1 ping >/dev/null || fatal "baseline ping"
rss0=$(relay_rss)

"$RELAYC" --port "$PORT" hostile halfopen 400 6 127.0.0.2 >"$TMP/halfopen.out" &
PIDS+=($!)
wait_for 10 grep -q "opened=" "$TMP/halfopen.out" || fatal "half-open client did not start"
sleep 0.5
refused=$(metric kenhd_connections_refused_total)
[ "$refused" -ge 190 ] || fatal "per-address cap not applied: refused=$refused"
open=$(metric kenhd_connections)
[ "$open" -le 201 ] || fatal "$open connections held, cap is 200"
rss1=$(relay_rss)
relayc alice-d1 ping >/dev/null || fatal "alice not served during the flood"
sleep 3
[ "$(metric kenhd_connections)" -le 1 ] || fatal "half-open connections not closed by the timeout"
relayc alice-d1 ping >/dev/null || fatal "alice not served after the flood"
rss2=$(relay_rss)
verbose "rss $rss0 -> $rss1 -> $rss2 KiB"
# 200 half-open TLS connections may cost some memory; not without bound.
[ $((rss1 - rss0)) -lt 60000 ] || fatal "memory grew from $rss0 to $rss1 KiB"
pass "cap refused $refused, rss $rss0 -> $rss1 -> $rss2 KiB"
