#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Resumable file transfers, small and fast (issue 6 item 4, docs/filecrypt.md
# "Transfers"), with real kenh processes and a real relay:
#   - kenh send-file killed (SIGKILL, at an exact byte through the
#     KENH_TEST_KILL_AT hook) resumes at the relay's offset: the second run
#     sends less than the whole blob, and bob gets the file intact;
#   - the relay killed during an upload and started again: the upload
#     fails, then resumes from what the relay's store holds;
#   - a file changed on disk between the two runs is detected and sent
#     again from the start under a new key; bob gets the new content;
#   - kenh get-file killed half way leaves PATH.part and no PATH, and the
#     next run resumes from it;
#   - the progress bar appears on a terminal only, and not with --quiet;
#   - a chunk changed in the relay's store: get-file fails its integrity
#     check and leaves neither PATH nor PATH.part.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_kenh.sh"

MIB=1048576
org_start
enroll_devices alice:alice:tb/pc02 bob:bob:tb/pc02
run_ok "create" k alice group create ops
run_ok "add bob" k alice group add ops user:bob
run_ok "bob joins" k bob sync

head -c $((24 * MIB + 12345)) /dev/urandom >"$TMP/a.bin"
# The upload killed at 10 MiB, then resumed.
KENH_TEST_KILL_AT=$((10 * MIB)) k alice send-file ops "$TMP/a.bin" >/dev/null 2>&1
[ $? = 137 ] || fatal "the first upload was not killed"
run_ok "resumed upload" k alice --json send-file ops "$TMP/a.bin"
json=$(printf '%s\n' "$OUT" | grep '^{')
at=$(printf '%s\n' "$OUT" | sed -n 's/^kenh: upload resumed at byte \([0-9]*\) of.*/\1/p')
sent=$(printf '%s' "$json" | sed -n 's/.*"sent":\([0-9]*\).*/\1/p')
total=$(printf '%s' "$json" | sed -n 's/.*"blob_bytes":\([0-9]*\).*/\1/p')
id=$(printf '%s' "$json" | sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p')
verbose "resumed at $at, sent $sent of $total"
[ -n "$at" ] && [ "$at" -ge $((8 * MIB)) ] || fail "upload did not resume: $OUT"
[ -n "$sent" ] && [ "$sent" -le $((total - 8 * MIB)) ] || fail "resumed upload sent $sent of $total"
run_ok "bob sync" k bob sync
run_ok "bob gets a" k bob get-file ops "$id" --out "$TMP/a.out"
cmp -s "$TMP/a.bin" "$TMP/a.out" || fail "a.bin came back different"

# The relay goes away (SIGKILL) in the middle of an upload and comes back:
# the upload fails, and the same command then resumes where the relay's
# store stands.
head -c $((160 * MIB)) /dev/urandom >"$TMP/r.bin"
"$KENH" --dir "$TMP/dev/alice" send-file ops "$TMP/r.bin" </dev/null >"$TMP/r1.out" 2>&1 &
up=$!
relay_bytes() { cat "$TMP"/relay.db* 2>/dev/null | wc -c; }
base=$(relay_bytes)
held() { [ "$(relay_bytes)" -ge $((base + 48 * MIB)) ]; }
wait_for 60 held || fatal "the upload did not start"
kill -KILL "$RELAY_PID"
wait "$RELAY_PID" 2>/dev/null
RELAY_PID=
wait "$up"
[ $? = 1 ] || fail "upload with the relay gone: $(cat "$TMP/r1.out")"
org_relay_up || fatal "relay restart"
run_ok "upload resumed after the relay came back" k alice --json send-file ops "$TMP/r.bin"
at=$(printf '%s\n' "$OUT" | sed -n 's/^kenh: upload resumed at byte \([0-9]*\) of.*/\1/p')
[ -n "$at" ] && [ "$at" -ge $((24 * MIB)) ] || fail "no resume after the relay restart: $OUT"
verbose "after the relay restart: resumed at $at"
rid=$(printf '%s\n' "$OUT" | sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p')
run_ok "bob sync" k bob sync
run_ok "bob gets r" k bob get-file ops "$rid" --out "$TMP/r.out"
cmp -s "$TMP/r.bin" "$TMP/r.out" || fail "r.bin came back different"
rm -f "$TMP/r.bin" "$TMP/r.out"

# The file changes between the killed run and the next: a fresh transfer.
head -c $((6 * MIB)) /dev/urandom >"$TMP/b.bin"
KENH_TEST_KILL_AT=$((3 * MIB)) k alice send-file ops "$TMP/b.bin" >/dev/null 2>&1
[ $? = 137 ] || fatal "the upload of b was not killed"
printf 'changed' | dd of="$TMP/b.bin" bs=1 seek=100 conv=notrunc 2>/dev/null
run_ok "upload of the changed file" k alice send-file ops "$TMP/b.bin"
printf '%s\n' "$OUT" | grep -q "b.bin changed since the interrupted upload: started again" ||
	fail "change not detected: $OUT"
bid=$(printf '%s\n' "$OUT" | tail -n 1)
run_ok "bob sync" k bob sync
run_ok "bob gets b" k bob get-file ops "$bid" --out "$TMP/b.out"
cmp -s "$TMP/b.bin" "$TMP/b.out" || fail "b.bin came back different"

# The download killed at 12 MiB, then resumed from a.part.
rm -f "$TMP/a.out"
KENH_TEST_KILL_AT=$((12 * MIB)) k bob get-file ops "$id" --out "$TMP/a.out" >/dev/null 2>&1
[ $? = 137 ] || fatal "the download was not killed"
[ -e "$TMP/a.out" ] && fail "PATH exists after an interrupted download"
[ -s "$TMP/a.out.part" ] || fail "no PATH.part after an interrupted download"
run_ok "resumed download" k bob get-file ops "$id" --out "$TMP/a.out"
at=$(printf '%s\n' "$OUT" | sed -n 's/^kenh: download resumed at byte \([0-9]*\) of.*/\1/p')
[ -n "$at" ] && [ "$at" -ge $((11 * MIB)) ] || fail "download did not resume: $OUT"
cmp -s "$TMP/a.bin" "$TMP/a.out" || fail "resumed download differs"
[ -e "$TMP/a.out.part" ] && fail "PATH.part left after success"

# The progress bar: drawn on a terminal (script(1) gives the upload one), not
# otherwise, and not with --quiet.
head -c $((16 * MIB)) /dev/urandom >"$TMP/c.bin"
script -qec "'$KENH' --dir '$TMP/dev/alice' send-file ops '$TMP/c.bin'" "$TMP/tty.log" \
	</dev/null >/dev/null 2>&1 || fail "send-file on a terminal"
grep -aq 'upload .*100% .*/s ETA' "$TMP/tty.log" || fail "no progress bar on a terminal: $(cat -v "$TMP/tty.log")"
script -qec "'$KENH' --dir '$TMP/dev/alice' --quiet send-file ops '$TMP/c.bin'" \
	"$TMP/tty2.log" </dev/null >/dev/null 2>&1 || fail "send-file --quiet on a terminal"
grep -aq 'ETA' "$TMP/tty2.log" && fail "a progress bar with --quiet"
run_ok "send-file without a terminal" k alice send-file ops "$TMP/c.bin"
printf '%s\n' "$OUT" | grep -Eqx '[0-9a-f]{32}' && [ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] ||
	fail "output besides the id without a terminal: $OUT"

# A chunk of a's blob changed in the relay's store (same length, other bytes).
n=$(sqlite3 "$TMP/relay.db" ".timeout 5000" "UPDATE blob_chunks SET data = \
	randomblob(length(data)) WHERE offset = 5 * 262144 AND blob_id IN \
	(SELECT blob_id FROM blobs WHERE total = $total); SELECT changes();") || fatal "tamper"
[ "$n" = 1 ] || fatal "tamper: $n rows changed"
run_fail "tampered blob" "integrity check" k bob get-file ops "$id" --out "$TMP/t.out"
[ -e "$TMP/t.out" ] && fail "PATH written from a tampered blob"
[ -e "$TMP/t.out.part" ] && fail "PATH.part left from a tampered blob"
pass "upload and download resumed after SIGKILL, changed file and tampered blob caught"
