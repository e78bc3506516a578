#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# A revoked device still receives its wipe order (issue 5; docs/protocol.md
# §3 REVOKED, §5 WIPE_SEND). The organization revokes FIRST and sends the
# wipe order afterwards. Checked with a real relay:
#   - a revoked device (kenh-relayc "tablet") is admitted, logged and
#     counted, but it gets no Welcome and no group entry, and every other
#     request is answered REVOKED: sending, uploading and claiming
#     KeyPackages, the directory, creating groups, reading blobs (its own
#     and another's);
#   - the wipe order sent after the revocation is the one thing it fetches;
#   - the revoked kenh devices cannot send; a wipe order sent after the
#     revocation erases "laptop" when the relay answers its next request
#     with REVOKED (the client then fetches its wipe orders), and
#     "laptop2" at its next sync (it finds itself in the CRL).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_kenh.sh"

MKCSR=$KENH_BUILD/kenh-test-csr
[ -x "$MKCSR" ] || fatal "build $MKCSR first"
org_start
org_submit alice alice tb/pc02
org_submit laptop bob tb/pc02
org_submit laptop2 bob tb/pc02
anon() { "$RELAYC" --port "$PORT" --ca "$PKI/relay-cert.pem" "$@"; }
# rsubmit NAME USER: a kenh-relayc device key and its request; TICKET_NAME.
rsubmit() {
	local code out
	code=$(adm enroll-code "$2" --unit tb/pc02 --ttl 1h --no-qr |
		grep -Eo '[0-9A-Z]{4}(-[0-9A-Z]{4}){6}' | head -n 1)
	"$MKCSR" --sig ed25519 --user "$2" --unit tb/pc02 --code "$code" --out "$TMP/$1.csr" \
		--key-out "$PKI/$1.key" >/dev/null || fatal "request $1"
	out=$(anon enroll-submit "$TMP/$1.csr") || fatal "submit $1: $out"
	eval "TICKET_$1=$(printf '%s\n' "$out" | sed -n 's/^ticket=//p')"
}
rsubmit tablet carol
rsubmit phone dave
org_enroll 5 alice laptop laptop2
anon enroll-fetch "$TICKET_tablet" "$PKI/tablet.der" >/dev/null || fatal "tablet certificate"
anon enroll-fetch "$TICKET_phone" "$PKI/phone.der" >/dev/null || fatal "phone certificate"
devname() {
	openssl x509 -inform DER -in "$1" -noout -ext subjectAltName |
		sed -n 's/.*URI:kenh:device\///p' | tr -d ' '
}
TABLET=$(devname "$PKI/tablet.der")
PHONE=$(devname "$PKI/phone.der")
[ -n "$TABLET" ] && [ -n "$PHONE" ] || fatal "device names"
dev() {
	local d=$1
	shift
	"$RELAYC" --port "$PORT" --ca "$PKI/relay-cert.pem" --cert "$PKI/$d.der" \
		--key "$PKI/$d.key" "$@"
}

# Before the revocation: a group with the tablet, Welcome and messages
# waiting for it, KeyPackages, blobs.
dev tablet kp-upload 2 >/dev/null || fatal "tablet kp-upload"
dev phone kp-upload 2 >/dev/null || fatal "phone kp-upload"
dev phone create g-tab >/dev/null || fatal "create"
dev phone add g-tab 0 "$TABLET" >/dev/null || fatal "add tablet"
dev phone send g-tab 3 before >/dev/null || fatal "send before"
head -c 5000 /dev/urandom >"$TMP/blob"
BLOB_T=0123456789abcdef0123456789abcdef
BLOB_P=fedcba9876543210fedcba9876543210
dev tablet blob-put "$TMP/blob" "$BLOB_T" >/dev/null || fatal "tablet blob"
dev phone blob-put "$TMP/blob" "$BLOB_P" >/dev/null || fatal "phone blob"
run_ok "create" k alice group create ops
run_ok "add laptop" k alice group add ops user:bob
run_ok "laptop joins" k laptop sync

# Revoke first.
run_ok "revoke tablet" adm revoke "${TABLET##*/}" --reason lost
LAPTOP=$(dev_of laptop)
run_ok "revoke laptop" adm revoke "$LAPTOP" --reason stolen
LAPTOP2=$(dev_of laptop2)
run_ok "revoke laptop2" adm revoke "$LAPTOP2" --reason stolen
run_ok "alice sends after the revocation" k alice send ops "after the revocation"
dev phone send g-tab 2 after >/dev/null || fatal "send after"

# 1. The revoked tablet: admitted, nothing but its wipe orders.
run_ok "revoked ping" dev tablet ping
grep -q "event=revoked_admitted conn=[0-9]* device=$TABLET" "$TMP/relay.log" ||
	fail "no revoked_admitted event"
dev tablet recv --count 1 --timeout 2 --seen "$TMP/t.seen" >"$TMP/t1.out" 2>"$TMP/t1.err"
[ -s "$TMP/t1.out" ] && fail "a revoked device fetched: $(cat "$TMP/t1.out")"
refused() {
	local what=$1
	shift
	OUT=$(dev tablet "$@" 2>&1)
	printf '%s\n' "$OUT" | grep -Eq "status=18( |$)" || fail "$what not refused REVOKED: $OUT"
}
refused "send" send g-tab 1 x
refused "kp-upload" kp-upload 1
refused "kp claim" add g-tab 1 "$PHONE"
refused "directory" dir tb
refused "create" create g-other
refused "own blob" blob-get "$BLOB_T" "$TMP/back"
refused "another's blob" blob-get "$BLOB_P" "$TMP/back"
[ -e "$TMP/back" ] && fail "a revoked device read a blob"

# 2. The wipe order, sent after the revocation, is what it fetches.
run_ok "wipe tablet" adm wipe "${TABLET##*/}"
dev tablet recv --count 1 --timeout 10 --seen "$TMP/t.seen" >"$TMP/t2.out" 2>"$TMP/t2.err" ||
	fail "no wipe order for the revoked tablet: $(cat "$TMP/t2.out" "$TMP/t2.err")"
[ "$(grep -c . "$TMP/t2.out")" = 1 ] && grep -q "^wipe $TABLET " "$TMP/t2.out" ||
	fail "the revoked tablet fetched more than its wipe order: $(cat "$TMP/t2.out")"

# 3. The revoked laptops (kenh): nothing goes through; the wipe orders erase them.
run_fail "revoked laptop uploads KeyPackages" "relay .*: this device's certificate is revoked" \
	k laptop keypackages --upload 1
run_fail "revoked laptop2 sends" "certificate .*is revoked" k laptop2 send ops "from laptop2"
for d in laptop laptop2; do
	[ -e "$TMP/dev/$d/store.db" ] || fail "$d's store went without a wipe order"
done
run_ok "wipe laptop" adm wipe "$LAPTOP"
run_ok "wipe laptop2" adm wipe "$LAPTOP2"
run_fail "laptop: REVOKED, then its wipe order" "a wipe order for this device was verified" \
	k laptop keypackages --upload 1
[ -e "$TMP/dev/laptop/store.db" ] && fail "laptop's store.db still there after the wipe"
run_fail "laptop2 wiped at its sync" "wipe order erased" k laptop2 sync
printf '%s\n' "$OUT" | grep -q "this device's certificate (tb/pc02/bob/$LAPTOP2) is revoked" ||
	fail "laptop2 did not say it is revoked: $OUT"
[ -e "$TMP/dev/laptop2/store.db" ] && fail "laptop2's store.db still there after the wipe"
grep -q "event=revoked_admitted conn=[0-9]* device=tb/pc02/bob/$LAPTOP" "$TMP/relay.log" ||
	fail "the laptop was not admitted as revoked"
run_ok "alice history" k alice history ops
printf '%s\n' "$OUT" | grep -q "from laptop2" && fail "a revoked device's message arrived"
[ "$(metric kenhd_revoked_admitted_total)" -ge 6 ] || fail "revoked_admitted_total"
[ "$(metric kenhd_revoked_refused_total)" -ge 7 ] || fail "revoked_refused_total"
pass "revoke first, wipe afterwards: the revoked devices get their wipe order and nothing else"
