#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# The kenh client "correct under real conditions" (issue 6 item 3), every
# step through the CLI with a real relay:
#   1. offline catch-up: bob is offline while three groups move on (adds,
#      a removal, messages, an Update, a new member's messages); one
#      `kenh sync` brings every group up to date, every message once, and
#      bob agrees with alice on each group's epoch and members;
#   2. duplicates: a frame submitted twice to the relay, and a listen whose
#      acknowledgements never reached the relay, are shown once and are
#      not even processed twice (the seen filter, DESIGN §5);
#   3. out of order (RFC 9420 §9.1): 129 messages of one sender stored by
#      the relay newest first; the 128 within the secret tree's window (the
#      keys of the newest generation received and the 127 before it,
#      lib/mls/mls_keys.h) decrypt, the oldest is refused with a clear
#      message, and the group goes on working;
#   4. stale commit: two members commit on the same epoch (a barrier makes
#      them meet); both commands succeed, one after catching up and
#      retrying, and everyone agrees on epoch and members;
#   5. the relay's Remove proposal for a revoked device is committed by the
#      next member online, even through `kenh send`, in each group.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_kenh.sh"

kenh_org
enroll_devices alice:alice:tb/pc02 bob:bob:tb/pc02 carol1:carol:tb/pc03 \
	carol2:carol:tb/pc03 dave:dave:tb
CAROL2=$(dev_of carol2)

# same_state GROUP DEV...: each DEV shows GROUP at the same epoch with the same members.
same_state() {
	local g=$1 d ref="" cur
	shift
	for d in "$@"; do
		cur="$(k "$d" --json groups | python3 -c '
import json, sys
print([x["epoch"] for x in json.load(sys.stdin) if x["group"] == sys.argv[1]])' "$g")
$(k "$d" members "$g" | awk '{ print $2 }' | sort)"
		if [ -z "$ref" ]; then
			ref=$cur
		elif [ "$cur" != "$ref" ]; then
			fail "$g: $d differs from $1: [$cur] vs [$ref]"
		fi
	done
}

# ---- 1. offline catch-up on three groups ----
for g in g1 g2 g3; do
	run_ok "create $g" k alice group create "$g"
	run_ok "add to $g" k alice group add "$g" user:bob@tb/pc02 unit:tb/pc03
done
for d in bob carol1 carol2; do run_ok "$d joins" k "$d" sync; done
# bob is offline from here.
for i in 1 2 3; do run_ok "g1 message $i" k alice send g1 "g1 offline $i"; done
run_ok "g1 add dave" k alice group add g1 user:dave@tb
run_ok "dave joins" k dave sync
run_ok "dave writes" k dave send g1 "g1 from dave"
run_ok "g2 remove carol1" k alice group remove g2 "tb/pc03/carol/$(dev_of carol1)"
run_ok "g2 message" k alice send g2 "g2 offline 1"
run_ok "carol2 writes in g2" k carol2 send g2 "g2 from carol2"
run_ok "carol1 learns" k carol1 sync
run_ok "g3 update" k carol1 group update g3
printf '%s\n' "$OUT" | grep -q "keys of this device renewed in g3; epoch 2" || fail "update: $OUT"
run_ok "g3 message after the update" k carol1 send g3 "g3 after update"
run_ok "g3 message of alice" k alice send g3 "g3 from alice"
run_ok "bob catches up with one sync" k bob sync
printf '%s\n' "$OUT" | grep -Eq '^(9|1[0-9]) new message\(s\)$' || fail "bob's sync: $OUT"
for t in "g1 offline 1" "g1 offline 2" "g1 offline 3" "g1 from dave"; do
	[ "$(hist_count bob g1 "$t")" = 1 ] || fail "bob's g1: $t"
done
for t in "g2 offline 1" "g2 from carol2"; do
	[ "$(hist_count bob g2 "$t")" = 1 ] || fail "bob's g2: $t"
done
for t in "g3 after update" "g3 from alice"; do
	[ "$(hist_count bob g3 "$t")" = 1 ] || fail "bob's g3: $t"
done
for d in alice carol1 carol2 dave; do run_ok "$d syncs" k "$d" sync; done
run_ok "bob has nothing more" k bob sync
[ "$OUT" = "0 new message(s)" ] || fail "bob's one sync left something: $OUT"
same_state g1 alice bob carol1 carol2 dave
same_state g2 alice bob carol2
same_state g3 alice bob carol1 carol2

# ---- 2. duplicates ----
mkdir -p "$TMP/dup"
run_ok "a frame written, not sent" k alice send g1 --out "$TMP/dup" "sent twice"
run_ok "submitted twice" k alice submit "$TMP/dup/000001.mls" "$TMP/dup/000001.mls"
[ "$(printf '%s\n' "$OUT" | grep -c ': seq ')" = 2 ] || fail "submit twice: $OUT"
run_ok "bob gets both copies" k bob sync
[ "$OUT" = "1 new message(s)" ] || fail "the copy was processed: $OUT"
[ "$(hist_count bob g1 "sent twice")" = 1 ] || fail "bob's history shows the copy"
# A listen whose acknowledgements are lost: everything comes again to the next sync.
env KENH_TEST_NO_ACK=1 "$KENH" --dir "$TMP/dev/bob" listen --seconds 10 </dev/null \
	>"$TMP/listen.out" 2>&1 &
LISTEN=$!
PIDS+=("$LISTEN")
sleep 1
for i in 1 2; do run_ok "send while bob listens $i" k alice send g2 "live $i"; done
wait "$LISTEN" || fail "listen: $(cat "$TMP/listen.out")"
grep -q "^2 message(s) processed$" "$TMP/listen.out" || fail "listen: $(cat "$TMP/listen.out")"
run_ok "bob syncs after the lost acks" k bob sync
[ "$OUT" = "0 new message(s)" ] || fail "redelivered messages processed again: $OUT"
for i in 1 2; do [ "$(hist_count bob g2 "live $i")" = 1 ] || fail "live $i not once"; done

# ---- 3. out of order ----
mkdir -p "$TMP/ooo"
texts=()
for i in $(seq 1 129); do texts+=("ooo $i."); done
run_ok "129 frames written" k alice send g3 --out "$TMP/ooo" "${texts[@]}"
mapfile -t files < <(ls -r "$TMP/ooo"/*.mls)
[ "${#files[@]}" = 129 ] || fatal "frames: ${#files[@]}"
run_ok "submitted newest first" k alice submit "${files[@]}"
run_ok "bob reads them out of order" k bob sync
printf '%s\n' "$OUT" | grep -q "^129 new message(s)$" || fail "out of order: $OUT"
[ "$(printf '%s\n' "$OUT" | grep -c "a message in group g3 cannot be decrypted (outside the out-of-order window")" = 1 ] ||
	fail "the message beyond the window was not reported once: $OUT"
run_ok "bob's g3 history" k bob history g3
for i in 2 77 128 129; do
	[ "$(printf '%s\n' "$OUT" | grep -cF "ooo $i.")" = 1 ] || fail "ooo $i missing"
done
[ "$(printf '%s\n' "$OUT" | grep -cF "ooo 1.")" = 0 ] || fail "beyond the window yet shown"
[ "$(printf '%s\n' "$OUT" | grep -c "ooo ")" = 128 ] || fail "ooo count"
run_ok "the group still works: bob" k bob send g3 "bob after reordering"
run_ok "the group still works: alice" k alice sync
[ "$(hist_count alice g3 "bob after reordering")" = 1 ] || fail "alice missed bob's message"
run_ok "alice sends again" k alice send g3 "alice after reordering"
run_ok "bob sync" k bob sync
[ "$(hist_count bob g3 "alice after reordering")" = 1 ] || fail "bob missed alice's message"

# ---- 4. stale commit: two commits on one epoch ----
mkdir -p "$TMP/barrier"
KENH_TEST_COMMIT_BARRIER=$TMP/barrier "$KENH" --dir "$TMP/dev/alice" group add g3 user:dave@tb \
	</dev/null >"$TMP/c1.out" 2>&1 &
c1=$!
KENH_TEST_COMMIT_BARRIER=$TMP/barrier "$KENH" --dir "$TMP/dev/bob" group update g3 \
	</dev/null >"$TMP/c2.out" 2>&1 &
c2=$!
PIDS+=("$c1" "$c2")
wait "$c1" || fail "alice's add: $(cat "$TMP/c1.out")"
wait "$c2" || fail "bob's update: $(cat "$TMP/c2.out")"
[ -e "$TMP/barrier/a" ] && [ -e "$TMP/barrier/b" ] || fail "the commits did not meet"
stale=$(metric kenhd_commits_stale_total)
[ "${stale:-0}" -ge 1 ] || fail "no commit was stale: ${stale:-none}"
for d in alice bob carol1 carol2 dave; do run_ok "$d sync" k "$d" sync; done
same_state g3 alice bob carol1 carol2 dave
run_ok "dave in g3" k dave history g3

# ---- 5. the relay's Remove of a revoked device, committed by the next member online ----
run_ok "revoke carol2" adm revoke "$CAROL2" --reason "device lost"
run_fail "revoked device refused" "is revoked by the organization" k carol2 sync
# dave is in g1 and g3, alice the only other member of g2 still online.
run_ok "dave is next online, and only sends" k dave send g1 "after revocation"
for g in g1 g3; do
	printf '%s\n' "$OUT" | grep -q "committed the relay's removal proposal in $g" ||
		fail "dave did not commit in $g: $OUT"
done
run_ok "alice next online" k alice sync
printf '%s\n' "$OUT" | grep -q "committed the relay's removal proposal in g2" ||
	fail "alice did not commit in g2: $OUT"
printf '%s\n' "$OUT" | grep -q "removal proposal in g[13]" && fail "committed twice: $OUT"
for d in bob carol1 dave; do run_ok "$d sync" k "$d" sync; done
for g in g1 g2 g3; do
	run_ok "members of $g" k alice members "$g"
	printf '%s\n' "$OUT" | grep -q "$CAROL2" && fail "carol2 still in $g: $OUT"
done
same_state g1 alice bob carol1 dave
same_state g2 alice bob
same_state g3 alice bob carol1 dave
pass "catch-up over 3 groups, duplicates, out of order (128 of 129), stale commit, revocation"
