#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Per-address limit on refused enrollment attempts (issue 5; docs/protocol.md
# §7): one noisy address (127.0.0.2; Linux routes all of 127/8 to lo) that
# submits requests bound to codes nobody made is refused with too_many
# after its few attempts, while a device on another address (127.0.0.1)
# still enrolls, and the authority's own refusal limit is not used up by
# the noisy address. The relay-wide ceiling still holds: once addresses
# together reach it, every address is refused.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_kenh.sh"

MKCSR=$KENH_BUILD/kenh-test-csr
[ -x "$MKCSR" ] || fatal "build $MKCSR first"
org_start "enroll_refusals_per_address = 3" "enroll_refusals_global = 8" \
	"enroll_refusal_window = 3600"
# from ADDR ARGS...: kenh-relayc without a certificate, connecting from ADDR.
from() {
	local addr=$1
	shift
	"$RELAYC" --bind "$addr" --port "$PORT" --ca "$PKI/relay-cert.pem" "$@"
}
from 127.0.0.2 ping >/dev/null || fatal "cannot connect from 127.0.0.2"
grep -q "event=enroll_conn conn=[0-9]* addr=127.0.0.2" "$TMP/relay.log" ||
	fatal "the relay does not see 127.0.0.2"
"$MKCSR" --sig ed25519 --user mallory --unit tb/pc02 --code random --out "$TMP/wrong.csr" \
	>/dev/null || fatal "request with a wrong code"

# 1. The noisy address: three attempts, then too_many (detail 7).
for i in 1 2 3; do
	out=$(from 127.0.0.2 enroll-submit "$TMP/wrong.csr")
	printf '%s\n' "$out" | grep -q "^ticket=" || fail "attempt $i refused early: $out"
done
out=$(from 127.0.0.2 enroll-submit "$TMP/wrong.csr")
[ "$out" = "status=17 detail=7" ] || fail "fourth attempt from 127.0.0.2 not refused: $out"
grep -q "event=enroll_limited conn=[0-9]* addr=127.0.0.2 limit=address" "$TMP/relay.log" ||
	fail "no enroll_limited event"

# 2. Another address still enrolls, and the authority signs it.
org_submit alice alice tb/pc02
out=$(adm requests fetch) || fatal "requests fetch: $out"
ids=$(printf '%s\n' "$out" | sed -n 's/^imported request \([0-9a-f]*\):.*/\1/p')
[ "$(echo "$ids" | wc -w)" = 1 ] || fail "requests fetch: $out"
for id in $ids; do run_ok "sign $id" adm sign "$id"; done
run_ok "alice fetches" k alice enroll --fetch --wait 20
run_ok "alice whoami" k alice whoami
# The noisy three were refused by the authority; its own limit (20) is not reached.
org_submit bob bob tb/pc02
run_ok "requests fetch" adm requests fetch
printf '%s\n' "$OUT" | grep -q "^imported request" || fail "bob's request not imported: $OUT"

# 3. The relay-wide ceiling (8): 3 (127.0.0.2) + 1 (bob, pending) + 3 (127.0.0.3) + 1 (127.0.0.4).
for i in 1 2 3; do
	out=$(from 127.0.0.3 enroll-submit "$TMP/wrong.csr")
	printf '%s\n' "$out" | grep -q "^ticket=" || fail "127.0.0.3 attempt $i: $out"
done
out=$(from 127.0.0.4 enroll-submit "$TMP/wrong.csr")
printf '%s\n' "$out" | grep -q "^ticket=" || fail "127.0.0.4 first attempt: $out"
out=$(from 127.0.0.4 enroll-submit "$TMP/wrong.csr")
[ "$out" = "status=17 detail=7" ] || fail "global ceiling not applied: $out"
grep -q "event=enroll_limited conn=[0-9]* addr=127.0.0.4 limit=global" "$TMP/relay.log" ||
	fail "no global enroll_limited event"
"$KENH" --dir "$TMP/dev/carol" init --relay "127.0.0.1:$PORT" --relay-ca "$PKI/relay-cert.pem" \
	--root "$D/root.crt" --unit-ca "$D/units/tb/pc02/ca.crt" --unit-ca "$D/units/tb/ca.crt" \
	--kdf-memory 8 >/dev/null </dev/null || fatal "init carol"
code=$(adm enroll-code carol --unit tb/pc02 --ttl 1h --no-qr |
	grep -Eo '[0-9A-Z]{4}(-[0-9A-Z]{4}){6}' | head -n 1)
run_fail "carol over the ceiling" "too many refused attempts: try again later" \
	k carol enroll --user carol --unit tb/pc02 --code "$code"
[ "$(metric kenhd_enroll_limited_address_total)" = 1 ] || fail "enroll_limited_address_total"
[ "$(metric kenhd_enroll_limited_global_total)" = 2 ] || fail "enroll_limited_global_total"
pass "one noisy address refused (too_many), another enrolls; the global ceiling holds"
