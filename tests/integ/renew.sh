#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Device certificate renewal end to end (DESIGN §6, docs/pki.md "Renewal",
# docs/protocol.md RENEW_SUBMIT and Delivery kind cert): an organization
# made with kenh-admin (units tb and tb/pc02), kenhd on 127.0.0.1 knowing
# the authority, alice and bob enrolled through the relay with 30-day
# certificates and in one group. Checked:
#   - alice requests a renewal (kenh renew); a second request while it
#     waits is refused; kenh-admin requests fetch lists it as a renewal of
#     her device; sign issues it (audit "renew") and hands it to the relay;
#   - alice installs it (kenh renew --fetch): whoami shows the new serial
#     and not_after; her next connection presents the new certificate (the
#     serial the relay recorded for her device);
#   - bob, a group peer, holds her new certificate after his next sync
#     (members --json shows its serial and expiry), and messages still go
#     both ways;
#   - a certificate for another device (another key), and an older one
#     sent by the authority, are refused by the device with a reason;
#   - kenh-admin renew --send, with no request, reaches the device and is
#     installed, by renew --fetch and by a running kenh listen;
#   - a revoked device cannot request a renewal.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_kenh.sh"

command -v sqlite3 >/dev/null || fatal "sqlite3 (scripts/deps.sh) is needed to read the relay store"
# alice and bob in tb/pc02 with 30-day certificates.
ORG_SIGN_DAYS=30
org_start
enroll_devices alice:alice:tb/pc02 bob:bob:tb/pc02
# json FIELD: the value of "FIELD" in the JSON on stdin (first occurrence).
json() { sed -n "s/.*\"$1\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p" | head -n 1; }
ALICE=$(k alice --json whoami | json device)
BOB=$(k bob --json whoami | json device)
OLD_SERIAL=$(k alice --json whoami | json serial)
OLD_UNTIL=$(k alice --json whoami | json not_after)
[ -n "$ALICE" ] && [ -n "$OLD_SERIAL" ] && [ -n "$OLD_UNTIL" ] || fatal "whoami"

run_ok "create" k alice group create ops
run_ok "add bob" k alice group add ops user:bob@tb/pc02
run_ok "bob joins" k bob sync
run_ok "send before" k alice send ops "before the renewal"
run_ok "bob reads" k bob sync

# 1. The device asks; the authority sees a renewal of that device and signs it.
run_ok "renew request" k alice renew
run_fail "second request refused" "already waiting" k alice renew
run_ok "requests fetch" adm requests fetch
RID=$(printf '%s\n' "$OUT" | sed -n 's/^imported renewal request \([0-9a-f]*\) of device.*/\1/p')
[ -n "$RID" ] || fatal "no renewal request fetched: $OUT"
run_ok "requests list" adm requests list
printf '%s\n' "$OUT" | grep "^$RID " | grep -q "renewal of ${ALICE##*/}" ||
	fail "requests list does not show the renewal: $OUT"
run_ok "sign renewal" adm sign "$RID"
printf '%s\n' "$OUT" | grep -q "handed to the relay" || fail "sign did not reach the relay: $OUT"
adm audit show | grep -q "renew" || fail "no renew entry in the audit log"
run_ok "audit verify" adm audit verify

# 2. The device installs it; whoami and the next connection show it.
run_ok "renew fetch" k alice renew --fetch --wait 20
printf '%s\n' "$OUT" | grep -q "installed the renewed certificate" || fail "not installed: $OUT"
printf '%s\n' "$OUT" | grep -q "group ops now holds the renewed certificate" ||
	fail "group ops not updated: $OUT"
NEW_SERIAL=$(k alice --json whoami | json serial)
NEW_UNTIL=$(k alice --json whoami | json not_after)
[ "$NEW_SERIAL" != "$OLD_SERIAL" ] || fail "whoami still shows the old serial"
[ "$NEW_UNTIL" -gt "$((OLD_UNTIL + 50 * 86400))" ] || fail "not_after $OLD_UNTIL -> $NEW_UNTIL"
run_ok "alice syncs again" k alice sync
seen=$(sqlite3 "$TMP/relay.db" "SELECT serial FROM devices WHERE device = 'tb/pc02/alice/$ALICE'")
[ "$seen" = "$NEW_SERIAL" ] || fail "the relay saw serial $seen, not the renewed $NEW_SERIAL"

# 3. The group peer holds the new certificate, and messages go both ways.
run_ok "bob syncs" k bob sync
run_ok "bob members" k bob --json members ops
printf '%s\n' "$OUT" | grep -q "\"device\":\"${ALICE##*/}\",\"serial\":\"$NEW_SERIAL\",\"not_after\":$NEW_UNTIL" ||
	fail "bob does not hold alice's renewed certificate: $OUT"
run_ok "alice sends after" k alice send ops "after the renewal"
run_ok "bob sends after" k bob send ops "bob after the renewal"
run_ok "bob reads" k bob sync
run_ok "bob history" k bob history ops
printf '%s\n' "$OUT" | grep -q "after the renewal" || fail "bob did not get alice's message: $OUT"
run_ok "alice reads" k alice sync
run_ok "alice history" k alice history ops
printf '%s\n' "$OUT" | grep -q "bob after the renewal" || fail "alice did not get bob's: $OUT"

# 4. Refused: another device's certificate (another key), an older one from the authority.
run_ok "bob's certificate" adm renew "${BOB##*/}" --days 100 --out "$TMP/bob.crt"
run_fail "another key refused" "refused: it carries another key" k alice renew --cert "$TMP/bob.crt"
run_ok "older one sent" adm renew "${ALICE##*/}" --days 10 --send
run_fail "older one refused" "does not end later" k alice renew --fetch --wait 10
[ "$(k alice --json whoami | json serial)" = "$NEW_SERIAL" ] || fail "a refused certificate was installed"

# 5. Without a request: kenh-admin renew --send reaches the device.
run_ok "renew --send" adm renew "${ALICE##*/}" --days 120 --send
printf '%s\n' "$OUT" | grep -q "queued at the relay" || fail "renew --send: $OUT"
run_ok "installed from --send" k alice renew --fetch --wait 20
SENT_UNTIL=$(k alice --json whoami | json not_after)
[ "$SENT_UNTIL" -gt "$NEW_UNTIL" ] || fail "--send: not_after $NEW_UNTIL -> $SENT_UNTIL"
run_ok "bob syncs" k bob sync
run_ok "alice sends" k alice send ops "after the second renewal"
run_ok "bob reads" k bob sync
run_ok "bob history" k bob history ops
printf '%s\n' "$OUT" | grep -q "after the second renewal" || fail "bob did not get it: $OUT"

# 5b. While listening: the pushed certificate is installed and the group updated at once.
k alice listen --seconds 30 >"$TMP/listen.out" 2>&1 &
LISTEN=$!
PIDS+=("$LISTEN")
n=$(grep -c "event=auth_ok conn=[0-9]* device=tb/pc02/alice/$ALICE" "$TMP/relay.log")
live() { [ "$(grep -c "event=auth_ok conn=[0-9]* device=tb/pc02/alice/$ALICE" "$TMP/relay.log")" -gt "$n" ]; }
wait_for 10 live || fail "alice did not connect to listen"
sleep 1
run_ok "renew --send while listening" adm renew "$ALICE" --days 150 --send
wait_for 20 grep -q "group ops now holds the renewed certificate" "$TMP/listen.out" ||
	fail "listen did not install and send the certificate: $(cat "$TMP/listen.out")"
kill "$LISTEN" 2>/dev/null
wait "$LISTEN" 2>/dev/null
LISTEN_UNTIL=$(k alice --json whoami | json not_after)
[ "$LISTEN_UNTIL" -gt "$SENT_UNTIL" ] || fail "listen: not_after $SENT_UNTIL -> $LISTEN_UNTIL"
run_ok "bob syncs" k bob sync
run_ok "bob members" k bob --json members ops
printf '%s\n' "$OUT" | grep -q "\"not_after\":$LISTEN_UNTIL" || fail "bob: $OUT"

# 6. A revoked device cannot ask for renewal.
run_ok "revoke bob" adm revoke "${BOB##*/}" --reason "lost on patrol"
run_fail "revoked device cannot renew" "revoked|refuses|closed" k bob renew
finish
