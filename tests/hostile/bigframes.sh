#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# The decode budget (docs/protocol.md §7, review F5): 24 connections each
# send a maximum frame (1 MiB) but for its last byte, hold it for two
# seconds, then finish it. Without the budget the relay would buffer all
# 24 MiB at once; with max_decode_bytes = 4 MiB it reads at most four of
# them at a time and the others wait (their reading pauses). Checked: the
# relay's resident memory (sampled every 0.1 s) grows by well under the
# 24 MiB, every frame is answered in the end, and another device is served
# while the budget is full.
. "$(dirname "$0")/../integ/lib.sh"

N=24
LEN=1048576
make_pki
lean_asan
make_device alice d1
make_device bob d1
start_relay "max_decode_bytes = 4194304" "max_frame = $LEN"
# Warm up: one large frame, so that allocator growth for one frame is not counted.
relayc alice-d1 hostile bigframe "$LEN" 0 >/dev/null || fatal "warm-up frame"
relayc bob-d1 ping >/dev/null || fatal "baseline ping"
rss0=$(relay_rss)

peak=$rss0
pids=()
for i in $(seq "$N"); do
	relayc alice-d1 hostile bigframe "$LEN" 2 >"$TMP/big.$i" 2>&1 &
	pids+=($!)
	PIDS+=($!)
done
t0=$SECONDS
pinged=0
while :; do
	r=$(relay_rss)
	[ "$r" -gt "$peak" ] && peak=$r
	# Another device is served while large frames wait for the budget.
	if [ "$pinged" = 0 ] && [ $((SECONDS - t0)) -ge 1 ]; then
		relayc bob-d1 ping >/dev/null || fatal "bob not served while the budget is full"
		pinged=1
	fi
	running=0
	for p in "${pids[@]}"; do kill -0 "$p" 2>/dev/null && running=1; done
	[ "$running" = 0 ] && break
	[ $((SECONDS - t0)) -gt 120 ] && fatal "large frames not answered within 120 s"
	sleep 0.1
done
answered=0
for i in $(seq "$N"); do
	wait "${pids[$((i - 1))]}" && answered=$((answered + 1))
done
PIDS=()
[ "$answered" = "$N" ] || fatal "$answered of $N large frames answered: $(cat "$TMP"/big.* | sort | uniq -c)"
[ "$pinged" = 1 ] || fatal "no ping during the attack"
grow=$((peak - rss0))
verbose "rss $rss0 -> peak $peak KiB (+$grow), $((SECONDS - t0)) s"
# 24 MiB would be held without the budget; allow the 4 MiB budget, one frame
# being handled (its copy and decode), 80 KiB per connection and slack.
[ "$grow" -lt 14000 ] || fatal "memory grew by $grow KiB (peak $peak, start $rss0)"
relayc bob-d1 ping >/dev/null || fatal "bob not served at the end"
pass "$N frames of $LEN bytes answered, rss +$grow KiB at peak (budget 4 MiB)"
