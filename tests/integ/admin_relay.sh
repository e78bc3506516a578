#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# kenh-admin through a running relay (issue #5, docs/protocol.md §5): real
# kenh-admin and kenhd processes over TLS on 127.0.0.1, kenh-test-csr and
# kenh-relayc playing the devices. The authority gets its identity at the
# relay (relay set, relay show); a device hands in its request with its
# code (ENROLL_SUBMIT), the authority collects it (requests fetch), signs
# it and the certificate goes to the relay at once (ENROLL_ISSUE); the
# device fetches it and connects with it. A wrong, reused, expired or
# mismatched code, and a request the authority rejects, are refused with
# their reason at the device (ENROLL_FETCH: PERM and the reason). Only the
# authority, and only with a certificate from the root, may act for the
# authority. A wipe order reaches a live device at once and an offline one
# at its next fetch, byte for byte as signed (WIPE_SEND). A revocation
# uploads the new CRL and the device's connection is closed within one
# second and refused after.
. "$(dirname "$0")/lib.sh"

need_relay
ADMIN=$KENH_BUILD/kenh-admin
MKCSR=$KENH_BUILD/kenh-test-csr
[ -x "$ADMIN" ] && [ -x "$MKCSR" ] || fatal "build $ADMIN and $MKCSR first"
unset KENH_ADMIN_PASSPHRASE KENH_ADMIN_DIR
D=$TMP/org
mkdir -p "$PKI"
printf 'integration test passphrase\n' >"$TMP/pass"
adm() { "$ADMIN" --dir "$D" --passphrase-file "$TMP/pass" "$@" </dev/null; }
anon() { "$RELAYC" --port "$PORT" --ca "$PKI/relay-cert.pem" "$@"; }

# The organization, and the relay's own TLS identity.
run_ok init adm init --org "Công an tỉnh Thái Bình" --suite 1 --kdf-memory 8 \
	--kdf-iterations 1 || fatal "init"
run_ok "unit thaibinh" adm unit create thaibinh || fatal "unit"
run_ok "unit thaibinh/pc02" adm unit create thaibinh/pc02 || fatal "unit"
openssl req -x509 -newkey ed25519 -nodes -keyout "$PKI/relay-key.pem" -out "$PKI/relay-cert.pem" \
	-days 2 -subj "/CN=kenhd test relay" -addext "subjectAltName=IP:127.0.0.1" \
	>/dev/null 2>&1 || fatal "relay certificate"

# 1. The authority's identity at the relay.
PORT=$(free_port)
ADMIN_PORT=$(free_port)
run_ok "relay set" adm relay set "127.0.0.1:$PORT" --ca "$PKI/relay-cert.pem" || fatal "relay set"
AUTH_LINE=$(printf '%s\n' "$OUT" | sed -n 's/^ *\(authority = .*\)$/\1/p')
[ -n "$AUTH_LINE" ] || fatal "relay set printed no authority line: $OUT"
printf '%s\n' "$AUTH_LINE" | grep -Eq '^authority = authority/kenh-admin/[0-9a-z]{16}$' ||
	fail "authority name: $AUTH_LINE"
run_ok "relay set again" adm relay set "127.0.0.1:$PORT"
printf '%s\n' "$OUT" | grep -q "(unchanged)" || fail "relay set made a new identity: $OUT"
write_relay_config() {
	{
		echo "listen = 127.0.0.1:$PORT"
		echo "admin_listen = 127.0.0.1:$ADMIN_PORT"
		echo "tls_cert = $PKI/relay-cert.pem"
		echo "tls_key = $PKI/relay-key.pem"
		echo "root_ca = $D/root.crt"
		echo "unit_ca = $D/units/thaibinh/ca.crt"
		echo "unit_ca = $D/units/thaibinh/pc02/ca.crt"
		echo "db_path = $TMP/relay.db"
		echo "$AUTH_LINE"
		for line in "$@"; do echo "$line"; done
	} >"$TMP/kenhd.conf"
}
write_relay_config
start_relay
run_ok "relay show" adm relay show || fatal "relay show"
printf '%s\n' "$OUT" | grep -q "the relay accepts this authority; 0 enrollment" ||
	fail "relay show: $OUT"
# The relay's TLS certificate is checked: against the CA given, and against the name used.
openssl req -x509 -newkey ed25519 -nodes -keyout "$TMP/other-key.pem" -out "$TMP/other.pem" \
	-days 2 -subj "/CN=someone else" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 ||
	fatal "other certificate"
adm relay set "127.0.0.1:$PORT" --ca "$TMP/other.pem" >/dev/null || fatal "relay set other CA"
run_fail "relay with another CA" "the server's certificate: .*(self.signed|unable to get)" \
	adm relay show
adm relay set "localhost:$PORT" --ca "$PKI/relay-cert.pem" >/dev/null || fatal "relay set name"
run_fail "relay by another name" "the server's certificate: hostname mismatch" adm relay show
adm relay set "127.0.0.1:$PORT" >/dev/null || fatal "relay set back"

# code USER UNIT [TTL]: a one-time code from kenh-admin, in $CODE.
code() {
	run_ok "enroll-code $1" adm enroll-code "$1" --unit "$2" --ttl "${3:-1h}" --no-qr
	CODE=$(printf '%s\n' "$OUT" | grep -Eo '[0-9A-Z]{4}(-[0-9A-Z]{4}){6}' | head -n 1)
	[ -n "$CODE" ] || fatal "no code for $1: $OUT"
}
# submit NAME USER UNIT CODE: the device makes its key and request and hands it in; $TICKET.
submit() {
	"$MKCSR" --sig ed25519 --user "$2" --unit "$3" --code "$4" --out "$TMP/$1.csr" \
		--key-out "$PKI/$1.key" >/dev/null || fatal "request $1"
	OUT=$(anon enroll-submit "$TMP/$1.csr") || fatal "submit $1: $OUT"
	TICKET=$(printf '%s\n' "$OUT" | sed -n 's/^ticket=//p')
	[ ${#TICKET} = 32 ] || fatal "no ticket for $1: $OUT"
}
# fetch_answer TICKET NAME: what the device hears back, in $OUT.
fetch_answer() { OUT=$(anon enroll-fetch "$1" "$PKI/$2.der"); }

# 2. Enrollment through the relay.
code alice thaibinh/pc02
ALICE_CODE=$CODE
submit alice alice thaibinh/pc02 "$CODE"
ALICE_TICKET=$TICKET
fetch_answer "$ALICE_TICKET" alice
[ "$OUT" = "status=10 detail=0" ] || fail "answer before signing: $OUT"
run_ok "requests fetch" adm requests fetch || fatal "requests fetch"
ID=$(printf '%s\n' "$OUT" | sed -n 's/^imported request \([0-9a-f]*\):.*/\1/p')
[ -n "$ID" ] || fatal "requests fetch imported nothing: $OUT"
printf '%s\n' "$OUT" | grep -q "1 request(s) at the relay: 1 imported" || fail "fetch: $OUT"
run_ok "requests fetch again" adm requests fetch
printf '%s\n' "$OUT" | grep -q "1 waiting for a decision" || fail "second fetch: $OUT"
run_ok "sign" adm sign "$ID" || fatal "sign"
printf '%s\n' "$OUT" | grep -q "handed to the relay" || fail "sign did not upload: $OUT"
fetch_answer "$ALICE_TICKET" alice
printf '%s\n' "$OUT" | grep -q "^certificate bytes=" || fatal "alice's certificate: $OUT"
ALICE=$(adm verify "$PKI/alice.der" | sed -n 's/.* device \([0-9a-z-]*\), .*/\1/p')
[ -n "$ALICE" ] || fatal "the fetched certificate does not verify"
run_ok "alice connects" relayc alice ping
[ "$OUT" = pong ] || fail "alice ping: $OUT"

# 3. Refusals, each with its reason at the device (docs/protocol.md §5 EnrollRefusal).
refused() { # NAME USER UNIT CODE REASON DETAIL
	local t
	submit "$1" "$2" "$3" "$4"
	t=$TICKET
	run_ok "fetch $1" adm requests fetch
	printf '%s\n' "$OUT" | grep -q "$5" || fail "$1: no \"$5\" in: $OUT"
	fetch_answer "$t" "$1"
	[ "$OUT" = "status=17 detail=$6" ] || fail "$1: the device heard: $OUT"
}
refused wrong alice thaibinh/pc02 random "enrollment code is wrong or unknown" 2
refused reused alice thaibinh/pc02 "$ALICE_CODE" "enrollment code already used" 3
code carol thaibinh/pc02 1s
sleep 2
refused expired carol thaibinh/pc02 "$CODE" "enrollment code expired" 4
code dave thaibinh/pc02
refused mismatch erin thaibinh/pc02 "$CODE" "the code was made for dave" 5
code bob thaibinh/pc02
submit bob-rejected bob thaibinh/pc02 "$CODE"
t=$TICKET
run_ok "fetch bob" adm requests fetch
id=$(printf '%s\n' "$OUT" | sed -n 's/^imported request \([0-9a-f]*\):.*/\1/p')
run_ok "reject" adm reject "$id" --reason "not a device of ours"
printf '%s\n' "$OUT" | grep -q "the relay tells the device" || fail "reject: $OUT"
fetch_answer "$t" bob-rejected
[ "$OUT" = "status=17 detail=1" ] || fail "rejected request: the device heard: $OUT"
grep -c "code\|reason" "$D/refusals.log" >/dev/null || fail "no refusals recorded"
adm audit verify >/dev/null || fail "audit log does not verify"

# 4. Only the authority acts for it.
OUT=$(relayc alice enroll-list "$TMP")
[ "$OUT" = "status=17 detail=0" ] || fail "a device listed the requests: $OUT"

# 5. bob enrolls (signed by the unit CA, as usual) and goes offline.
code bob thaibinh/pc02
submit bob bob thaibinh/pc02 "$CODE"
BOB_TICKET=$TICKET
run_ok "fetch bob" adm requests fetch
id=$(printf '%s\n' "$OUT" | sed -n 's/^imported request \([0-9a-f]*\):.*/\1/p')
run_ok "sign bob" adm sign "$id"
fetch_answer "$BOB_TICKET" bob
BOB=$(adm verify "$PKI/bob.der" | sed -n 's/.* device \([0-9a-z-]*\), .*/\1/p')
[ -n "$BOB" ] || fatal "bob's certificate"

# 6. Wipe orders: pushed to a live device, fetched by an offline one, intact.
relayc alice recv --count 1 --timeout 20 --seen "$TMP/alice.seen" >"$TMP/alice.recv" 2>&1 &
RECV=$!
PIDS+=($RECV)
wait_for 5 grep -q "event=auth_ok conn=[0-9]* device=thaibinh/pc02/alice/$ALICE" \
	"$TMP/relay.log" || fatal "alice did not connect"
sleep 0.3
run_ok "wipe alice" adm wipe "$ALICE" --out "$TMP/alice.wipe"
printf '%s\n' "$OUT" | grep -q "wipe order queued at the relay" || fail "wipe: $OUT"
wait "$RECV" || fail "alice did not receive the wipe order: $(cat "$TMP/alice.recv")"
want="wipe thaibinh/pc02/alice/$ALICE $(od -An -v -tx1 "$TMP/alice.wipe" | tr -d ' \n')"
grep -qx "$want" "$TMP/alice.recv" || fail "the order alice got is not the one signed"
run_ok "wipe bob" adm wipe "$BOB" --signer unit --out "$TMP/bob.wipe"
OUT=$(relayc bob recv --count 1 --timeout 10 --seen "$TMP/bob.seen" 2>/dev/null) ||
	fail "bob did not fetch his wipe order"
want="wipe thaibinh/pc02/bob/$BOB $(od -An -v -tx1 "$TMP/bob.wipe" | tr -d ' \n')"
[ "$OUT" = "$want" ] || fail "the order bob got is not the one signed: $OUT"
OUT=$(relayc bob recv --count 1 --timeout 1 --seen "$TMP/bob2.seen" 2>/dev/null)
[ -z "$OUT" ] || fail "an acknowledged wipe order came again: $OUT"

# 7. Revocation: the CRL goes up, alice is cut off within a second and refused after.
relayc alice recv --count 1000 --timeout 60 --seen "$TMP/alice3.seen" >/dev/null 2>&1 &
WATCH=$!
PIDS+=($WATCH)
sleep 0.5
kill -0 "$WATCH" 2>/dev/null || fatal "alice's watcher did not stay connected"
start=$(date +%s%N)
run_ok "revoke alice" adm revoke "$ALICE" --reason "lost on patrol"
printf '%s\n' "$OUT" | grep -q "CRL of thaibinh/pc02 uploaded to the relay: number 2, 1 revoked" ||
	fail "revoke did not upload: $OUT"
while kill -0 "$WATCH" 2>/dev/null; do
	[ $((($(date +%s%N) - start) / 1000000)) -gt 1000 ] && break
	sleep 0.02
done
elapsed=$((($(date +%s%N) - start) / 1000000))
kill -0 "$WATCH" 2>/dev/null && fail "alice still connected ${elapsed} ms after revoke"
# Admitted only to fetch wipe orders (docs/protocol.md §3 REVOKED): anything else is REVOKED.
relayc alice dir thaibinh 2>&1 | grep -q "^status=18 " || fail "alice accepted after revocation"
relayc bob ping >/dev/null || fail "bob refused after alice's revocation"
run_ok "crl upload" adm crl upload
printf '%s\n' "$OUT" | grep -q "CRL of thaibinh/pc02: the relay already has number 2" ||
	fail "crl upload: $OUT"

# 8. An authority name on a certificate of a unit CA is not the authority.
stop_relay
write_relay_config "authority = thaibinh/pc02/bob/$BOB"
start_relay
OUT=$(relayc bob enroll-list "$TMP")
[ "$OUT" = "status=17 detail=0" ] || fail "a unit CA's device acted as the authority: $OUT"
run_ok "relay show after restart" adm relay show
adm audit verify >/dev/null || fail "audit log does not verify at the end"
pass "enrolled, refused with reasons, wiped and revoked through the relay (cut off in ${elapsed} ms)"
