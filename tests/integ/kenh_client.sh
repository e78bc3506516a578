#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# The device client kenh against a real relay (issue 6, DESIGN §5-§7):
# an organization made with kenh-admin (units tb and tb/pc02), kenhd on
# 127.0.0.1 knowing the authority, four devices enrolled through the
# relay (alice and bob in tb/pc02, carol with two devices in tb). Checked:
#   - offline catch-up: bob stays offline while alice sends, then gets
#     everything in one sync;
#   - duplicates: with acknowledgements held back (KENH_TEST_NO_ACK) the
#     relay delivers everything again, and the history shows it once;
#   - a file exchanged intact (cmp);
#   - a directive's progress table byte for byte the same on every member;
#   - a revoked device removed from the group by the next member's commit;
#   - a wrong passphrase refused with a clear error, the store unchanged;
#   - a wipe order with a bad signature ignored, the store intact;
#   - a wipe order through the relay erasing the store.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_kenh.sh"

org_start
enroll_devices alice:alice:tb/pc02 bob:bob:tb/pc02 carol1:carol:tb carol2:carol:tb

# A group of everyone; bob never syncs until alice is done (offline).
run_ok "create" k alice group create ops
run_ok "add" k alice group add ops unit:tb/pc02 user:carol@tb
for d in carol1 carol2; do run_ok "sync $d" k "$d" sync; done
for i in 1 2 3; do run_ok "send $i" k alice send ops "offline message $i"; done
head -c 200000 /dev/urandom >"$TMP/file.bin"
run_ok "send-file" k alice send-file ops "$TMP/file.bin"
FILE_ID=$OUT
run_ok "directive" k alice directive issue ops --title "Patrol the dike" --body "Every hour" \
	--deadline +86400 --priority high --assign unit:tb/pc02 --assign user:carol
DID=$OUT

# Offline catch-up, delivered twice (acknowledgements held back the first time).
run_ok "bob catches up without acknowledging" env KENH_TEST_NO_ACK=1 "$KENH" \
	--dir "$TMP/dev/bob" sync
run_ok "bob sync again" k bob sync
case "$OUT" in "0 new message(s)") ;; *) fail "second delivery not discarded: $OUT" ;; esac
run_ok "bob history" k bob history ops
for i in 1 2 3; do
	n=$(printf '%s\n' "$OUT" | grep -c "offline message $i")
	[ "$n" = 1 ] || fail "bob's history shows message $i $n times"
done
run_ok "bob get-file" k bob get-file ops "$FILE_ID" --out "$TMP/bob.bin"
cmp -s "$TMP/file.bin" "$TMP/bob.bin" || fail "the file bob received differs"

# Answers, then the same progress table everywhere.
run_ok "bob ack" k bob directive ack "$DID"
run_ok "bob report" k bob directive report "$DID" --status in-progress --percent 30 --text "on it"
run_ok "carol ack" k carol1 directive ack "$DID"
run_ok "carol report" k carol1 directive report "$DID" --status done --percent 100 --text "done"
for d in alice bob carol1 carol2; do
	k "$d" --json directive status "$DID" >"$TMP/status-$d.json" || fail "status on $d"
done
for d in bob carol1 carol2; do
	cmp -s "$TMP/status-alice.json" "$TMP/status-$d.json" || fail "progress table of $d differs"
done
grep -q '"user":"carol","unit":"tb","acknowledged":true,"status":"done","percent":100' \
	"$TMP/status-alice.json" || fail "carol's report missing: $(cat "$TMP/status-alice.json")"

# A wrong passphrase: a clear error, nothing changed.
sum=$(cat "$TMP/dev/bob/store.db"* | sha256sum)
run_fail "wrong passphrase" "kenh: store: wrong passphrase" env KENH_PASSPHRASE=wrong "$KENH" \
	--dir "$TMP/dev/bob" sync
[ "$(cat "$TMP/dev/bob/store.db"* | sha256sum)" = "$sum" ] || fail "a wrong passphrase changed the store"

# Revocation: carol's second device; the next member online commits its removal.
CAROL2=$(dev_of carol2)
run_ok "revoke" adm revoke "$CAROL2" --reason "key compromise"
run_fail "revoked device refused" "certificate is revoked" k carol2 sync
run_ok "bob sync after revocation" k bob sync
printf '%s\n' "$OUT" | grep -q "committed the relay's removal proposal" ||
	fail "bob did not commit the removal: $OUT"
run_ok "alice sync after revocation" k alice sync
run_ok "alice members" k alice members ops
printf '%s\n' "$OUT" | grep -q "$CAROL2" && fail "carol2 still a member: $OUT"
[ "$(printf '%s\n' "$OUT" | grep -c .)" = 3 ] || fail "members after removal: $OUT"
run_ok "carol1 still sends" k carol1 send ops "carol: one device left"

# Wipe orders for carol1: a forged one (a byte of the signature changed) is
# refused and changes nothing; the real one, through the relay, erases the store.
CAROL1=$(dev_of carol1)
run_ok "wipe order" adm wipe "$CAROL1" --out "$TMP/carol1.wipe"
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[-1] ^= 1; open(sys.argv[2], "wb").write(b)' \
	"$TMP/carol1.wipe" "$TMP/bad.wipe" || fatal "forge"
run_fail "forged wipe order" "wipe order refused" k carol1 wipe-order "$TMP/bad.wipe"
[ -f "$TMP/dev/carol1/store.db" ] || fail "a forged wipe order removed the store"
run_ok "carol1 intact" k carol1 history ops
run_fail "wipe through the relay" "wipe order erased" k carol1 sync
[ -e "$TMP/dev/carol1/store.db" ] && fail "store.db still there after the wipe"
run_fail "wiped device unusable" "store" k carol1 history ops
grep -q "event=" "$TMP/relay.log" || fail "no relay log"
pass "4 devices: catch-up, duplicates, file, tables, revocation, passphrase, wipe"
