#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# make demo's story (scripts/demo.sh, issue #6 item 6) run by make check on
# the build under test: it must exit 0, say that every step did what it
# should, print "relay data: PATH" for a folder that exists, and that
# folder must hold none of the demo's plaintext strings (checked here
# again, independently of the demo's own scan).
. "$(dirname "$0")/lib.sh"

bash "$ROOT/scripts/demo.sh" "$KENH_BUILD" >"$TMP/demo.out" 2>&1 ||
	fatal "scripts/demo.sh failed: $(tail -n 15 "$TMP/demo.out")"
grep -q "every step did what it should" "$TMP/demo.out" || fail "the demo did not finish its story"
DATA=$(sed -n 's/^relay data: //p' "$TMP/demo.out")
[ -n "$DATA" ] && [ -d "$DATA" ] || fatal "no relay data folder named: $(tail -n 3 "$TMP/demo.out")"
for s in "demo secret 7f3a" "FILE-SECRET-c41b" "north bridge" "bridge secured" "patrol 1 in place"; do
	if grep -rqa -- "$s" "$DATA"; then fail "plaintext \"$s\" found in $DATA"; fi
done
rm -rf "$(dirname "$DATA")"
pass "the demo's story ran; its relay data holds no plaintext"
