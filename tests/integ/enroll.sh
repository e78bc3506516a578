#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Enrollment through the relay (DESIGN §6, docs/protocol.md §5), with the
# real authority tool: kenh-admin makes the organization and the one-time
# codes; kenh-test-csr plays two new devices, which hand their requests to
# a relay started from the documented example configuration without a
# certificate (ENROLL_SUBMIT) and get a ticket; the authority's own device
# collects the requests (ENROLL_LIST), kenh-admin checks the code binding
# and signs offline, the certificates go back through the relay
# (ENROLL_ISSUE) and the devices fetch them (ENROLL_FETCH). The two
# enrolled devices then exchange messages through the relay.
. "$(dirname "$0")/lib.sh"

need_relay
ADMIN=$KENH_BUILD/kenh-admin
MKCSR=$KENH_BUILD/kenh-test-csr
[ -x "$ADMIN" ] && [ -x "$MKCSR" ] || fatal "build $ADMIN and $MKCSR first"
D=$TMP/org
mkdir -p "$PKI"
printf 'integration test passphrase\n' >"$TMP/pass"
adm() { "$ADMIN" --dir "$D" --passphrase-file "$TMP/pass" "$@" </dev/null; }
adm init --org "Test Province" --suite 1 --kdf-memory 8 --kdf-iterations 1 >/dev/null ||
	fatal "kenh-admin init"
adm unit create thaibinh >/dev/null || fatal "unit thaibinh"
adm unit create thaibinh/pc02 >/dev/null || fatal "unit thaibinh/pc02"

# code USER UNIT: a one-time code, printed by kenh-admin.
code() {
	adm enroll-code "$1" --unit "$2" --ttl 1h --no-qr |
		grep -Eo '[0-9A-Z]{4}(-[0-9A-Z]{4}){6}' | head -n 1
}
# request NAME USER UNIT: the device makes its key and its request bound to a code.
request() {
	local c
	c=$(code "$2" "$3")
	[ -n "$c" ] || fatal "no code for $2"
	"$MKCSR" --sig ed25519 --user "$2" --unit "$3" --code "$c" --out "$TMP/$1.csr" \
		--key-out "$PKI/$1.key" >/dev/null || fatal "request $1"
}
# sign FILE OUT [ISSUER]: the authority checks the binding and signs (offline).
sign() {
	local id
	id=$(adm requests import "$1" | sed -n 's/^imported request \([0-9a-f]*\):.*/\1/p')
	[ -n "$id" ] || fatal "import $1"
	adm sign "$id" --out "$2" --issuer "${3:-unit}" >/dev/null || fatal "sign $1"
}

# The authority's own device, enrolled offline; the relay takes the
# authority's operations only from a certificate the root issued itself.
request chief chief thaibinh
sign "$TMP/chief.csr" "$TMP/chief.crt" root
chief_dev=$(adm verify "$TMP/chief.crt" | sed -n 's/.* device \([0-9a-z-]*\), .*/\1/p')
[ -n "$chief_dev" ] || fatal "no device id for chief"
openssl req -x509 -newkey ed25519 -nodes -keyout "$PKI/relay-key.pem" -out "$PKI/relay-cert.pem" \
	-days 2 -subj "/CN=kenhd test relay" -addext "subjectAltName=IP:127.0.0.1" \
	>/dev/null 2>&1 || fatal "relay certificate"

# The relay, from the documented example configuration.
PORT=$(free_port)
ADMIN_PORT=$(free_port)
sed -e "s|^listen = .*|listen = 127.0.0.1:$PORT|" \
	-e "s|^admin_listen = .*|admin_listen = 127.0.0.1:$ADMIN_PORT|" \
	-e "s|/etc/kenhd/relay-cert.pem|$PKI/relay-cert.pem|" \
	-e "s|/etc/kenhd/relay-key.pem|$PKI/relay-key.pem|" \
	-e "s|/etc/kenhd/root.der|$D/root.crt|" \
	-e "s|/etc/kenhd/unit-pc02.der|$D/units/thaibinh/pc02/ca.crt|" \
	-e "s|/etc/kenhd/province.crl|$TMP/province.crl|" \
	-e "s|/var/lib/kenhd/kenhd.db|$TMP/relay.db|" \
	-e "s|^#authority = .*|authority = thaibinh/chief/$chief_dev|" \
	"$ROOT/docs/kenhd.example.conf" >"$TMP/kenhd.conf"
echo "unit_ca = $D/units/thaibinh/ca.crt" >>"$TMP/kenhd.conf"
"$KENHD" --config "$TMP/kenhd.conf" --check-config >/dev/null || fatal "check-config"
start_relay
"$RELAYC" --port "$PORT" --ca "$PKI/relay-cert.pem" --cert "$TMP/chief.crt" \
	--key "$PKI/chief.key" ping >/dev/null || fatal "chief refused"
anon() { "$RELAYC" --port "$PORT" --ca "$PKI/relay-cert.pem" "$@"; }
chief() {
	"$RELAYC" --port "$PORT" --ca "$PKI/relay-cert.pem" --cert "$TMP/chief.crt" \
		--key "$PKI/chief.key" "$@"
}

for u in alice bob; do
	request "$u" "$u" thaibinh/pc02
	out=$(anon enroll-submit "$TMP/$u.csr") || fatal "submit $u: $out"
	ticket=$(echo "$out" | sed -n 's/^ticket=//p')
	[ ${#ticket} = 32 ] || fatal "no ticket for $u: $out"
	eval "ticket_$u=$ticket"
	out=$(anon enroll-fetch "$ticket" "$PKI/$u.der")
	[ "$out" = "status=10 detail=0" ] || fatal "fetch before issue: $out"
done
# One request per enrolling connection, and nothing else.
out=$(anon ping) || fatal "ping while enrolling: $out"
# Only the authority lists requests.
mkdir -p "$TMP/inbox"
grep -q "event=enroll_conn" "$TMP/relay.log" || fatal "no enrolling connection logged"
out=$(chief enroll-list "$TMP/inbox") || fatal "enroll-list: $out"
[ "$(echo "$out" | grep -c '^pending ')" = 2 ] || fatal "pending: $out"
for u in alice bob; do
	eval "ticket=\$ticket_$u"
	sign "$TMP/inbox/$ticket.csr" "$TMP/$u.crt"
	out=$(chief enroll-issue "$ticket" "$TMP/$u.crt") || fatal "issue $u: $out"
	out=$(anon enroll-fetch "$ticket" "$PKI/$u.der") || fatal "fetch $u: $out"
done
# A certificate for the wrong request is refused.
out=$(chief enroll-issue "$ticket_alice" "$TMP/bob.crt")
[ $? = 3 ] || fatal "issue of a foreign certificate accepted: $out"

# The two enrolled devices talk through the relay.
alice_dev=$(adm verify "$PKI/alice.der" | sed -n 's/.* device \([0-9a-z-]*\), .*/\1/p')
bob_dev=$(adm verify "$PKI/bob.der" | sed -n 's/.* device \([0-9a-z-]*\), .*/\1/p')
[ -n "$alice_dev" ] && [ -n "$bob_dev" ] || fatal "fetched certificates do not verify"
relayc bob kp-upload 1 >/dev/null || fatal "bob kp-upload"
relayc alice create g-enr >/dev/null || fatal "create"
relayc alice add g-enr 0 "thaibinh/pc02/bob/$bob_dev" >/dev/null || fatal "add bob"
relayc alice send g-enr 3 hi >/dev/null || fatal "send"
relayc bob recv --count 3 --timeout 10 --seen "$TMP/bob.seen" >"$TMP/bob.out" 2>/dev/null ||
	fatal "bob did not receive"
[ "$(grep -c '^deliver hi-' "$TMP/bob.out")" = 3 ] || fatal "deliveries"
pass "two devices enrolled through the relay and served"
