#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Clients check CRLs themselves (issue 5 item 4; docs/protocol.md §5
# CRL_GET, PUSH_CRL). Five devices of tb/pc02; alice makes a group with
# bob, then adds mallory and carol in one commit; mallory joins and sends;
# then mallory is revoked. Checked, with a real relay and real clients:
#   - bob, who did not connect during the revocation, gets the CRL at his
#     next sync and refuses the commit that brought mallory in (his own
#     check: the relay had accepted that commit before the revocation);
#   - carol refuses the Welcome into a group holding mallory;
#   - alice drops mallory's message (reported, not in her history);
#   - a listening alice receives the next CRL by PUSH_CRL at once;
#   - through a lying relay (fake_relay.py, the relay's own TLS key):
#     mallory's KeyPackage is refused before any commit is sent, a CRL
#     signed by another key with the same names is refused, and an older
#     CRL does not replace a newer one.
# A client that validated without its CRLs fails every one of these.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_kenh.sh"

org_start
for u in alice bob carol mallory dave; do org_submit "$u" "$u" tb/pc02; done
org_enroll 5 alice bob carol mallory dave
MALLORY=tb/pc02/mallory/$(dev_of mallory)
DAVE=$(dev_of dave)
[ "$MALLORY" != tb/pc02/mallory/ ] && [ -n "$DAVE" ] || fatal "device names"
crl_number() { openssl crl -inform DER -in "$1" -noout -crlnumber | sed 's/^crlNumber=//'; }

run_ok "create" k alice group create ops
run_ok "add bob" k alice group add ops user:bob
run_ok "bob joins" k bob sync
run_ok "add mallory and carol" k alice group add ops user:mallory user:carol
run_ok "mallory joins" k mallory sync
run_ok "mallory sends" k mallory send ops "sent by mallory before the revocation"
# Mallory's KeyPackage, kept for the lying relay of step 5: the relay deletes
# a device's KeyPackages when a CRL revokes it (docs/protocol.md KP_CLAIM).
python3 - "$TMP/relay.db" "$MALLORY" "$TMP/mallory.kp" <<'PY' || fatal "mallory's KeyPackage"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
row = db.execute("SELECT data FROM key_packages WHERE device = ? ORDER BY last_resort, id LIMIT 1",
                 (sys.argv[2],)).fetchone()
open(sys.argv[3], "wb").write(row[0])
PY
run_ok "revoke mallory" adm revoke "${MALLORY##*/}" --reason lost
cp "$D/units/tb/pc02/ca.crl" "$TMP/crl1.der" || fatal "CRL 1"
N1=$(crl_number "$TMP/crl1.der")
[ -n "$N1" ] || fatal "the CRL file is not DER"

# 1. bob's own CRL refuses the commit that added mallory.
run_ok "bob sync" k bob sync
printf '%s\n' "$OUT" | grep -q "CRL number $((N1)) of tb/pc02 kept (1 revoked)" ||
	fail "bob did not keep the CRL: $OUT"
printf '%s\n' "$OUT" | grep -q "refused a credential of $MALLORY: its certificate is revoked" ||
	fail "bob did not refuse mallory's Add: $OUT"
run_ok "bob members" k bob members ops
printf '%s\n' "$OUT" | grep -q "mallory" && fail "mallory is a member for bob: $OUT"

# 2. carol refuses the Welcome into a group that holds mallory.
run_ok "carol sync" k carol sync
printf '%s\n' "$OUT" | grep -q "refused a credential of $MALLORY: its certificate is revoked" ||
	fail "carol did not refuse the Welcome: $OUT"
run_ok "carol groups" k carol groups
printf '%s\n' "$OUT" | grep -q "^ops" && fail "carol joined through the Welcome: $OUT"

# 3. alice drops mallory's message.
run_ok "alice sync" k alice sync
printf '%s\n' "$OUT" | grep -q "dropped a message in ops from $MALLORY: its certificate is revoked" ||
	fail "alice did not drop mallory's message: $OUT"
run_ok "alice history" k alice history ops
printf '%s\n' "$OUT" | grep -q "sent by mallory" && fail "mallory's message is in alice's history"

# 4. PUSH_CRL: a listening alice gets the next CRL at once.
"$KENH" --dir "$TMP/dev/alice" listen --seconds 20 >"$TMP/listen.out" 2>&1 </dev/null &
LISTEN_PID=$!
PIDS+=("$LISTEN_PID")
sleep 2
run_ok "revoke dave" adm revoke "$DAVE" --reason lost
cp "$D/units/tb/pc02/ca.crl" "$TMP/crl2.der" || fatal "CRL 2"
N2=$(crl_number "$TMP/crl2.der")
[ $((N2)) -gt $((N1)) ] || fatal "CRL numbers $N1 then $N2"
wait_for 10 grep -q "CRL number $((N2)) of tb/pc02 kept (2 revoked)" "$TMP/listen.out" ||
	fail "no PUSH_CRL while listening: $(cat "$TMP/listen.out")"
kill "$LISTEN_PID" 2>/dev/null
wait "$LISTEN_PID" 2>/dev/null
run_ok "alice crls" k alice crls
[ "$OUT" = "crl issuer=tb/pc02 number=$((N2)) revoked=2" ] || fail "alice's CRLs: $OUT"
run_ok "refresh: nothing newer" k alice crls --refresh
[ "$OUT" = "crl issuer=tb/pc02 number=$((N2)) revoked=2" ] || fail "alice's CRLs after refresh: $OUT"

# 5. A lying relay: forged CRLs (another root and unit CA with the same
# names), an older CRL, and mallory's KeyPackage.
BOB_SERIAL=$(k bob --json whoami | sed -n 's/.*"serial":"\([0-9a-f]*\)".*/\1/p')
mkdir -p "$TMP/evil"
"$RELAYC" pki root "$TMP/evil" "Test Province" >/dev/null || fatal "evil root"
"$RELAYC" pki unit "$TMP/evil" root tb/pc02 unit-pc02 >/dev/null || fatal "evil unit"
"$RELAYC" pki crl "$TMP/evil" root 9 "$TMP/forged-root.der" "$D/certs/$BOB_SERIAL.crt" ||
	fatal "forged root CRL"
"$RELAYC" pki crl "$TMP/evil" unit-pc02 9 "$TMP/forged-unit.der" "$D/certs/$BOB_SERIAL.crt" ||
	fatal "forged unit CRL"
FPORT=$(free_port)
python3 "$(dirname "$0")/fake_relay.py" --port "$FPORT" --cert "$PKI/relay-cert.pem" \
	--key "$PKI/relay-key.pem" --log "$TMP/fake.log" --crl "$TMP/forged-root.der" \
	--crl "$TMP/forged-unit.der" --crl "$TMP/crl1.der" --ca "$TMP/evil/unit-pc02.der" \
	--device "$MALLORY" --kp "$TMP/mallory.kp" &
PIDS+=("$!")
wait_for 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$FPORT" || fatal "fake relay did not start"
cp -a "$TMP/dev/alice" "$TMP/dev/alicefake"
sed -i "s/^relay = .*/relay = 127.0.0.1:$FPORT/" "$TMP/dev/alicefake/config"
run_fail "mallory's KeyPackage" "refused a credential of $MALLORY: its certificate is revoked" \
	k alicefake group add ops "$MALLORY"
grep -q "type=0x0021" "$TMP/fake.log" && fail "a commit adding mallory was sent"
grep -q "type=0x0011" "$TMP/fake.log" || fail "the KeyPackage was never claimed"
[ "$(printf '%s\n' "$OUT" | grep -c "a CRL from the relay was refused")" = 2 ] ||
	fail "forged CRLs not both refused: $OUT"
printf '%s\n' "$OUT" | grep -q "number $((N1)) of tb/pc02 is not newer than the one held" ||
	fail "the older CRL was not ignored: $OUT"
run_ok "alicefake crls" k alicefake crls
[ "$OUT" = "crl issuer=tb/pc02 number=$((N2)) revoked=2" ] || fail "CRLs after the lying relay: $OUT"
# bob is still acceptable: alice gets his message through the real relay.
run_ok "bob sends" k bob send ops "bob after the forged CRLs"
run_ok "alice sync" k alice sync
run_ok "alice history" k alice history ops
printf '%s\n' "$OUT" | grep -q "bob after the forged CRLs" || fail "bob's message lost: $OUT"
pass "own CRLs: commit, Welcome, message, push, KeyPackage, forged and older CRLs"
