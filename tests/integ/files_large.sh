#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# A 1 GiB file through the default relay configuration (issue 6 item 4,
# docs/filecrypt.md "Transfers"), with real kenh and kenhd processes:
#   - alice's kenh send-file is killed with SIGKILL from outside once the
#     relay holds about 40% of the blob; the same command run again
#     resumes: it names a resume offset of at least 30% and sends less
#     than 70% of the blob;
#   - bob's kenh get-file is killed once PATH.part holds about half the
#     file; run again, it resumes from PATH.part, and the result has the
#     same SHA-256 as the original;
#   - the relay's resident memory, sampled twice a second throughout,
#     stays under 200 MiB.
# The file comes from a seeded AES-CTR stream (openssl enc), not
# /dev/urandom. The whole script takes about 1.5 minutes with the
# developer build and 2 with the ASan build (measured on 2 shared cores),
# so it runs the programs of KENH_BUILD like every script;
# FILES_LARGE_BUILD picks another folder (e.g. build/ on a slow machine).
. "$(dirname "$0")/lib.sh"

LARGE_BUILD=${FILES_LARGE_BUILD:-$KENH_BUILD}
KENHD=$LARGE_BUILD/kenhd
KENH=$LARGE_BUILD/kenh
ADMIN=$LARGE_BUILD/kenh-admin
. "$(dirname "$0")/lib_kenh.sh"
lean_asan
echo "$TEST_NAME: programs from $LARGE_BUILD"

SIZE=$((1024 * 1024 * 1024))
RSS_LIMIT=$((200 * 1024)) # KiB
org_start
enroll_devices alice:alice:tb/pc02 bob:bob:tb/pc02
run_ok "create" k alice group create ops
run_ok "add bob" k alice group add ops user:bob
run_ok "bob joins" k bob sync

openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass pass:kenh-files-large </dev/zero 2>/dev/null |
	head -c $SIZE >"$TMP/big.bin"
[ "$(stat -c %s "$TMP/big.bin")" = $SIZE ] || fatal "generator"
WANT=$(sha256sum <"$TMP/big.bin" | cut -d' ' -f1)

# The relay's largest resident size, sampled twice a second into $TMP/rss.max.
watch_rss() {
	local max=0 r
	while kill -0 "$RELAY_PID" 2>/dev/null; do
		r=$(relay_rss)
		if [ -n "$r" ] && [ "$r" -gt "$max" ]; then
			max=$r
			echo "$max" >"$TMP/rss.max"
		fi
		sleep 0.5
	done
}
spawn watch_rss

# Bytes the relay holds on disk (the store and its WAL).
relay_bytes() { cat "$TMP"/relay.db* 2>/dev/null | wc -c; }

# kill_when PID LIMIT COMMAND...: SIGKILL PID once COMMAND prints at least LIMIT.
kill_when() {
	local pid=$1 limit=$2 v
	shift 2
	while kill -0 "$pid" 2>/dev/null; do
		v=$("$@")
		if [ "${v:-0}" -ge "$limit" ]; then
			kill -KILL "$pid"
			return 0
		fi
		sleep 0.2
	done
	return 1
}

t0=$SECONDS
# The program itself in the background (not the k function's subshell), so that $! is its pid.
"$KENH" --dir "$TMP/dev/alice" send-file ops "$TMP/big.bin" </dev/null >"$TMP/up1.out" 2>&1 &
up=$!
kill_when "$up" $((SIZE * 40 / 100)) relay_bytes || fatal "the upload ended before 40%: $(cat "$TMP/up1.out")"
wait "$up" 2>/dev/null
t1=$SECONDS
run_ok "resumed upload" k alice --json send-file ops "$TMP/big.bin"
t2=$SECONDS
json=$(printf '%s\n' "$OUT" | grep '^{')
at=$(printf '%s\n' "$OUT" | sed -n 's/^kenh: upload resumed at byte \([0-9]*\) of.*/\1/p')
sent=$(printf '%s' "$json" | sed -n 's/.*"sent":\([0-9]*\).*/\1/p')
total=$(printf '%s' "$json" | sed -n 's/.*"blob_bytes":\([0-9]*\).*/\1/p')
id=$(printf '%s' "$json" | sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p')
[ -n "$id" ] && [ -n "$at" ] && [ -n "$sent" ] || fatal "resumed upload: $OUT"
echo "$TEST_NAME: upload killed after $((t1 - t0)) s; resumed at byte $at, sent $sent of $total in $((t2 - t1)) s"
[ "$at" -ge $((total * 30 / 100)) ] || fail "upload resumed at $at, not after 30%"
[ "$sent" -lt $((total * 70 / 100)) ] || fail "resumed upload sent $sent of $total (started over?)"

run_ok "bob sync" k bob sync
t3=$SECONDS
"$KENH" --dir "$TMP/dev/bob" get-file ops "$id" --out "$TMP/big.out" </dev/null \
	>"$TMP/down1.out" 2>&1 &
down=$!
part_bytes() { stat -c %s "$TMP/big.out.part" 2>/dev/null || echo 0; }
kill_when "$down" $((SIZE / 2)) part_bytes || fatal "the download ended before 50%: $(cat "$TMP/down1.out")"
wait "$down" 2>/dev/null
[ -e "$TMP/big.out" ] && fail "PATH exists after the interrupted download"
t4=$SECONDS
run_ok "resumed download" k bob get-file ops "$id" --out "$TMP/big.out"
t5=$SECONDS
at=$(printf '%s\n' "$OUT" | sed -n 's/^kenh: download resumed at byte \([0-9]*\) of.*/\1/p')
echo "$TEST_NAME: download killed after $((t4 - t3)) s; resumed at byte ${at:-?} in $((t5 - t4)) s"
[ -n "$at" ] && [ "$at" -ge $((SIZE * 40 / 100)) ] || fail "download did not resume: $OUT"
GOT=$(sha256sum <"$TMP/big.out" | cut -d' ' -f1)
[ "$GOT" = "$WANT" ] || fail "SHA-256 differs: $GOT, want $WANT"
max=$(cat "$TMP/rss.max" 2>/dev/null || echo 0)
echo "$TEST_NAME: relay resident memory at most $((max / 1024)) MiB"
[ "$max" -gt 0 ] && [ "$max" -lt $RSS_LIMIT ] || fail "relay RSS $max KiB (limit $RSS_LIMIT KiB)"
pass "1 GiB sent and received, each resumed after SIGKILL; SHA-256 equal"
