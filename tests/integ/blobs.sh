#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Files as chunked blobs (docs/protocol.md §5 BLOB_PUT, BLOB_GET): a file of
# about 700 KiB goes up in chunks of 256 KiB and comes back byte for byte;
# an upload cut short resumes at the offset the relay names; only the
# device that started a blob may append to it; a blob over blob_max and an
# unknown blob are refused.
. "$(dirname "$0")/lib.sh"

make_pki
make_device alice d1
make_device bob d1
start_relay "blob_max = 1048576"
head -c 716800 /dev/urandom >"$TMP/file"
id=0123456789abcdef0123456789abcdef
out=$(relayc alice-d1 blob-put "$TMP/file" "$id") || fatal "put: $out"
[ "$(echo "$out" | tail -n1)" = "stored=716800" ] || fatal "put: $out"
[ "$(echo "$out" | wc -l)" = 3 ] || fatal "expected 3 chunks: $out"
out=$(relayc bob-d1 blob-get "$id" "$TMP/back") || fatal "get: $out"
cmp -s "$TMP/file" "$TMP/back" || fatal "blob came back different"

# A second upload stops after its first chunk (100 KiB chunks), then resumes.
id2=fedcba9876543210fedcba9876543210
out=$(relayc alice-d1 blob-put "$TMP/file" "$id2" 0 102400 1) || fatal "first chunk: $out"
out=$(relayc alice-d1 blob-put "$TMP/file" "$id2" 307200 102400)
[ $? = 3 ] && echo "$out" | grep -q "status=10 detail=" || fatal "wrong offset accepted: $out"
at=$(echo "$out" | sed -n 's/.*detail=\([0-9]*\).*/\1/p')
[ "$at" -ge 102400 ] || fatal "resume point $at"
out=$(relayc bob-d1 blob-put "$TMP/file" "$id2" "$at" 102400)
[ $? = 3 ] && echo "$out" | grep -q "status=17" || fatal "bob appended to alice's blob: $out"
out=$(relayc alice-d1 blob-put "$TMP/file" "$id2" "$at" 102400) || fatal "resume: $out"
relayc bob-d1 blob-get "$id2" "$TMP/back2" >/dev/null || fatal "get resumed"
cmp -s "$TMP/file" "$TMP/back2" || fatal "resumed blob differs"

head -c 1048577 /dev/zero >"$TMP/big"
out=$(relayc alice-d1 blob-put "$TMP/big" 00000000000000000000000000000000)
[ $? = 3 ] && echo "$out" | grep -q "status=6" || fatal "blob over blob_max: $out"
out=$(relayc bob-d1 blob-get 99999999999999999999999999999999 "$TMP/none")
[ $? = 3 ] && echo "$out" | grep -q "status=19" || fatal "unknown blob: $out"
pass "blobs in chunks, resumed, owner-only"
