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

ORG_UNITS="tb tb/pc02 tb/pc03"
org_start
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
# Added again later: bob joins anew, and may send.
run_ok "alice adds bob again" k alice group add ops user:bob@tb/pc02
run_ok "bob joins again" k bob sync
run_ok "bob writes again" k bob send ops "bob is back"
run_ok "bob groups" k bob groups
printf '%s\n' "$OUT" | grep -q '^ops epoch 3$' || fail "bob's groups after rejoining: $OUT"
run_ok "alice reads bob" k alice sync
[ "$(hist_count alice ops "bob is back")" = 1 ] || fail "alice did not get bob's message"

# ---- look-up (DIR_LOOKUP) ----
CAROL=$(dev_of carol)
DAVE1=$(dev_of dave1)
DAVE2=$(dev_of dave2)
run_ok "users" k alice users
for u in alice@tb/pc02 bob@tb/pc02 carol@tb/pc03 dave@tb; do
	printf '%s\n' "$OUT" | grep -qx "$u" || fail "users lacks $u: $OUT"
done
[ "$(printf '%s\n' "$OUT" | grep -c '^    ')" = 5 ] || fail "users: 5 devices expected: $OUT"
run_ok "users --json of a unit" k alice --json users tb/pc02
printf '%s\n' "$OUT" | python3 -c '
import json, sys
u = json.load(sys.stdin)
assert [x["user"] for x in u] == ["alice", "bob"], u
assert all(len(x["devices"]) == 1 for x in u), u
assert u[0]["devices"][0]["this_device"] is True, u
assert isinstance(u[0]["devices"][0]["not_after"], int), u
' || fail "users --json: $OUT"
run_ok "units" k alice --json units
[ "$OUT" = '[{"unit":"tb","devices":5},{"unit":"tb/pc02","devices":2},{"unit":"tb/pc03","devices":1}]' ] ||
	fail "units: $OUT"
run_ok "units below" k alice units tb/pc03
[ "$OUT" = "tb/pc03  1 device(s) in its subtree" ] || fail "units tb/pc03: $OUT"
run_ok "lookup a user" k alice lookup dave
printf '%s\n' "$OUT" | grep -q "$DAVE1" && printf '%s\n' "$OUT" | grep -q "$DAVE2" ||
	fail "lookup dave: $OUT"
for name in "tb/pc03/carol/$CAROL" "$CAROL"; do
	run_ok "lookup a device" k alice lookup "$name"
	printf '%s\n' "$OUT" | grep -q "^carol@tb/pc03$" || fail "lookup device $name: $OUT"
	printf '%s\n' "$OUT" | grep -q "certificate valid until" || fail "carol's expiry: $OUT"
done
run_ok "lookup a unit" k alice --json lookup unit:tb/pc03
printf '%s\n' "$OUT" | grep -q '"user":"carol","unit":"tb/pc03"' || fail "lookup unit: $OUT"
run_ok "lookup user@unit" k alice lookup user:bob@tb/pc02
printf '%s\n' "$OUT" | grep -q "$BOB" || fail "lookup user:bob@tb/pc02: $OUT"
run_fail "lookup nobody" "nobody: .*not found" k alice lookup nobody
run_ok "devices" k dave1 devices
[ "$(printf '%s\n' "$OUT" | grep -c '^    ')" = 2 ] || fail "dave's devices: $OUT"
printf '%s\n' "$OUT" | grep -q "$DAVE1.*(this device)" || fail "devices: $OUT"

# ---- removing a whole unit ----
run_ok "create g2" k alice group create g2
run_ok "add a unit and a user" k alice group add g2 unit:tb/pc03 user:dave@tb
printf '%s\n' "$OUT" | grep -q "added 3 device(s)" || fail "add to g2: $OUT"
run_ok "remove the unit" k alice group remove g2 unit:tb/pc03
printf '%s\n' "$OUT" | grep -q "removed 1 device(s)" || fail "remove unit: $OUT"
run_ok "g2 members" k alice members g2
printf '%s\n' "$OUT" | grep -q "$CAROL" && fail "carol still in g2: $OUT"
[ "$(printf '%s\n' "$OUT" | grep -c .)" = 3 ] || fail "g2 members: $OUT"
run_ok "remove a user's devices" k alice group remove g2 user:dave@tb
printf '%s\n' "$OUT" | grep -q "removed 2 device(s)" || fail "remove user: $OUT"

# ---- a leave that loses its epoch: a Commit made without it wins, bob proposes again ----
run_ok "create g3" k alice group create g3
run_ok "add to g3" k alice group add g3 user:bob@tb/pc02 unit:tb/pc03
for d in bob carol; do run_ok "$d joins g3" k "$d" sync; done
mkdir -p "$TMP/barrier"
# alice has caught up and waits at the barrier with her Commit ready to be made.
KENH_TEST_COMMIT_BARRIER=$TMP/barrier "$KENH" --dir "$TMP/dev/alice" group update g3 \
	</dev/null >"$TMP/upd.out" 2>&1 &
UPD=$!
PIDS+=("$UPD")
wait_for 60 test -e "$TMP/barrier/a" || fatal "alice never reached the barrier"
run_ok "bob leaves g3" k bob group leave g3
: >"$TMP/barrier/b"
wait "$UPD" || fail "alice's update: $(cat "$TMP/upd.out")"
grep -q "epoch 2" "$TMP/upd.out" || fail "alice's update did not win epoch 1: $(cat "$TMP/upd.out")"
run_ok "bob proposes again" k bob sync
printf '%s\n' "$OUT" | grep -q "leaving g3: removal proposed again in epoch 2" || fail "bob: $OUT"
run_ok "carol commits" k carol sync
printf '%s\n' "$OUT" | grep -q "committed the leaving member's removal proposal in g3" ||
	fail "carol: $OUT"
run_ok "bob learns" k bob sync
printf '%s\n' "$OUT" | grep -q "left group g3" || fail "bob after the commit: $OUT"
run_ok "alice sync" k alice sync
run_ok "g3 members" k alice members g3
printf '%s\n' "$OUT" | grep -q "$BOB" && fail "bob still in g3: $OUT"
pass "leave (also after losing its epoch), look-up, unit removal"
