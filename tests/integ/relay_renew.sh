#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# RENEW_SUBMIT and Delivery kind cert at the relay (docs/protocol.md §5),
# with raw requests from kenh-relayc and a throw-away PKI: a device's
# renewal request is taken once and only for its own certificate; a
# device cannot hand over a certificate, nor send both or an enrollment
# request; the authority sees the request as a renewal of that device in
# ENROLL_LIST; a certificate for another device on its ticket is refused,
# the right one is pushed to the device's live connection (and a second
# answer refused); a certificate the authority sends without a request
# waits in the inbox for FETCH; one from another root is refused; a
# revoked device cannot ask.
. "$(dirname "$0")/lib.sh"

make_pki
for d in alice-d1 bob-d1; do make_device "${d%-*}" "${d#*-}"; done
make_device kenh-admin a1 root authority
start_relay "authority = authority/kenh-admin/a1"
ALICE=tb/pc02/alice/d1
# expect WHAT WANT GOT
expect() { [ "$3" = "$2" ] || fail "$1: got \"$3\", want \"$2\""; }

"$RELAYC" pki renew-csr "$PKI/alice-d1.der" "$PKI/alice-d1.key" "$TMP/alice.csr" ||
	fatal "alice's request"
"$RELAYC" pki renew "$PKI" unit-pc02 "$PKI/alice-d1.der" 120 "$TMP/alice-new.der" ||
	fatal "alice's renewed certificate"
"$RELAYC" pki renew "$PKI" unit-pc02 "$PKI/bob-d1.der" 120 "$TMP/bob-new.der" ||
	fatal "bob's renewed certificate"
"$KENH_BUILD/kenh-test-csr" --sig ed25519 --user alice --unit tb/pc02 --code random \
	--out "$TMP/enroll.csr" >/dev/null || fatal "an enrollment request"

# 1. The device's own request, once; nobody else's; no certificate from a device.
expect "request" "renew id=0" "$(relayc alice-d1 renew-submit csr "$TMP/alice.csr")"
expect "second request" "status=20 detail=0" "$(relayc alice-d1 renew-submit csr "$TMP/alice.csr")"
expect "bob asks for alice" "status=17 detail=0" "$(relayc bob-d1 renew-submit csr "$TMP/alice.csr")"
expect "device hands a certificate" "status=17 detail=0" \
	"$(relayc alice-d1 renew-submit cert "$TMP/alice-new.der")"
expect "both" "status=4 detail=0" \
	"$(relayc alice-d1 renew-submit both "$TMP/alice.csr" "$TMP/alice-new.der")"
expect "an enrollment request" "status=4 detail=0" \
	"$(relayc bob-d1 renew-submit csr "$TMP/enroll.csr")"
grep -q "event=renew_requested conn=[0-9]* device=$ALICE" "$TMP/relay.log" ||
	fail "no renew_requested event"

# 2. The authority sees a renewal of alice's device.
mkdir -p "$TMP/pending"
out=$(relayc kenh-admin-a1 enroll-list "$TMP/pending") || fatal "enroll-list: $out"
T=$(printf '%s\n' "$out" | sed -n "s|^pending ticket=\([0-9a-f]*\) renew device=$ALICE\$|\1|p")
[ -n "$T" ] || fatal "the renewal is not listed: $out"
cmp -s "$TMP/pending/$T.csr" "$TMP/alice.csr" || fail "the listed request is not alice's"

# 3. Another device's certificate on her ticket: refused; hers: pushed to her live connection.
expect "bob's certificate for alice's ticket" "status=17 detail=0" \
	"$(relayc kenh-admin-a1 enroll-issue "$T" "$TMP/bob-new.der")"
relayc alice-d1 recv --count 1 --timeout 20 --seen "$TMP/alice.seen" >"$TMP/alice.recv" 2>&1 &
RECV=$!
PIDS+=("$RECV")
wait_for 5 grep -q "event=auth_ok conn=[0-9]* device=$ALICE" "$TMP/relay.log"
sleep 0.3
expect "issue" "issued" "$(relayc kenh-admin-a1 enroll-issue "$T" "$TMP/alice-new.der")"
size=$(stat -c %s "$TMP/alice-new.der")
wait_for 10 grep -q "^cert $ALICE bytes=$size\$" "$TMP/alice.recv" ||
	fail "alice did not receive her certificate: $(cat "$TMP/alice.recv")"
expect "second answer" "status=20 detail=0" \
	"$(relayc kenh-admin-a1 enroll-issue "$T" "$TMP/alice-new.der")"

# 4. Without a request: the authority's certificate waits for bob's FETCH.
out=$(relayc kenh-admin-a1 renew-submit cert "$TMP/bob-new.der")
case "$out" in "renew id="[1-9]*) ;; *) fail "authority's certificate for bob: $out" ;; esac
out=$(relayc bob-d1 recv --count 1 --timeout 5 --seen "$TMP/bob.seen" 2>&1)
printf '%s\n' "$out" | grep -q "^cert tb/pc02/bob/d1 bytes=" || fail "bob's FETCH: $out"

# 5. A certificate from another root is refused.
mkdir -p "$TMP/evil"
"$RELAYC" pki root "$TMP/evil" "Test Province" >/dev/null || fatal "evil root"
"$RELAYC" pki device "$TMP/evil" root tb/pc02 alice d1 x >/dev/null || fatal "evil device"
expect "foreign certificate" "status=8 detail=0" \
	"$(relayc kenh-admin-a1 renew-submit cert "$TMP/evil/x.der")"

# 6. A revoked device cannot ask.
"$RELAYC" pki crl "$PKI" unit-pc02 1 "$TMP/crl.der" "$PKI/bob-d1.der" || fatal "crl"
expect "crl" "crl number=1 revoked=1" "$(relayc alice-d1 crl-upload "$TMP/crl.der")"
"$RELAYC" pki renew-csr "$PKI/bob-d1.der" "$PKI/bob-d1.key" "$TMP/bob.csr" || fatal "bob's request"
out=$(relayc bob-d1 renew-submit csr "$TMP/bob.csr" 2>&1)
case "$out" in *"renew id="*) fail "a revoked device asked for renewal: $out" ;; esac
pass "renewal requests and certificate deliveries at the relay"
