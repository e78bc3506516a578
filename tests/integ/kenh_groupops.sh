#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Group membership through the kenh client with a real relay (issue 6
# items 1-3): look-up of users, units and devices from the relay's
# directory (DIR_LOOKUP; kenh users, units, lookup, devices, with --json);
# removing a whole unit (group remove unit:PATH); and leaving (RFC 9420
# §12.1.3, kenh group leave): the leaver proposes its own removal, cannot
# send any more, the next member online commits it, the leaver then
# deletes the group's keys and cannot read what follows, its history
# stays, and no member lists it any longer.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_kenh.sh"

kenh_org
enroll_devices alice:alice:tb/pc02 bob:bob:tb/pc02 carol:carol:tb/pc03 \
	dave1:dave:tb dave2:dave:tb
BOB=$(dev_of bob)

# ---- leave ----
run_ok "create" k alice group create ops
run_ok "add" k alice group add ops user:bob@tb/pc02 unit:tb/pc03
for d in bob carol; do run_ok "sync $d" k "$d" sync; done
run_ok "bob says hello" k bob send ops "hello before leaving"
run_ok "bob leaves" k bob group leave ops
printf '%s\n' "$OUT" | grep -q "removal proposed" || fail "leave: $OUT"
run_fail "a leaving member cannot send" "left the group" k bob send ops "after leaving"
run_fail "nor add" "left the group" k bob group add ops unit:tb
run_ok "groups shows leaving" k bob groups
printf '%s\n' "$OUT" | grep -q '^ops epoch 1 (leaving)$' || fail "groups while leaving: $OUT"
# carol is the next member online: she commits bob's removal.
run_ok "carol commits the leave" k carol sync
printf '%s\n' "$OUT" | grep -q "committed the leaving member's removal proposal in ops" ||
	fail "carol did not commit bob's leave: $OUT"
run_ok "alice after the leave" k alice send ops "secret after bob left"
run_ok "bob sync after the commit" k bob sync
printf '%s\n' "$OUT" | grep -q "left group ops: its keys are deleted" || fail "bob: $OUT"
run_ok "bob sync again" k bob sync
[ "$(hist_count bob ops "secret after bob left")" = 0 ] || fail "bob reads after leaving"
[ "$(hist_count bob ops "hello before leaving")" = 1 ] || fail "bob's history lost"
run_ok "bob groups" k bob --json groups
printf '%s\n' "$OUT" | grep -q '"group":"ops","epoch":0,"active":false,"state":"left"' ||
	fail "groups after leaving: $OUT"
run_fail "members of a left group" "left the group" k bob members ops
for d in alice carol; do
	run_ok "$d sync" k "$d" sync
	run_ok "$d members" k "$d" members ops
	printf '%s\n' "$OUT" | grep -q "$BOB" && fail "$d still lists bob: $OUT"
	[ "$(printf '%s\n' "$OUT" | grep -c .)" = 2 ] || fail "$d members: $OUT"
	[ "$(hist_count "$d" ops "secret after bob left")" = 1 ] || fail "$d lost a message"
done
run_ok "leave again" k bob group leave ops
printf '%s\n' "$OUT" | grep -q "already left" || fail "second leave: $OUT"
pass "leave"
