#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# kenh-admin end to end, offline (issue #5): real kenh-admin processes on an
# admin folder in a temporary directory, and kenh-test-csr playing the
# device. For MLS suite 1 (Ed25519) and suite 2 (ECDSA P-256): set up a
# root and units, enroll a device with a one-time code, then check that
# a reused, wrong, expired or mismatched code is refused with a clear
# reason, that refusals are rate-limited, that a unit without a CA cannot
# enroll, that renew, reject, revoke (device and user) and wipe work, that
# revoked, expired and foreign certificates fail validation, that a wrong
# passphrase is refused clearly and changes nothing, and that a tampered
# audit log (changed byte, removed entry, swapped entries, truncation with
# a forged tail, plain truncation) is caught at the right entry.

. "$(dirname "$0")/lib.sh"

ADMIN=$KENH_BUILD/kenh-admin
MKCSR=$KENH_BUILD/kenh-test-csr
[ -x "$ADMIN" ] && [ -x "$MKCSR" ] || fatal "build $ADMIN and $MKCSR first"
PASS=$TMP/pass
printf 'integration test passphrase\n' >"$PASS"
unset KENH_ADMIN_PASSPHRASE KENH_ADMIN_DIR

D= # the admin folder of the organization under test
adm() { "$ADMIN" --dir "$D" --passphrase-file "$PASS" "$@" </dev/null; }

# new_code USER UNIT [TTL]: make a code; it is left in $CODE.
new_code() {
	run_ok "enroll-code $1" adm enroll-code "$1" --unit "$2" --ttl "${3:-1h}" --no-qr ||
		return 1
	CODE=$(printf '%s\n' "$OUT" | grep -Eo '[0-9A-Z]{4}(-[0-9A-Z]{4}){6}' | head -n 1)
	[ -n "$CODE" ] || fail "enroll-code printed no code: $OUT"
}

# csr NAME USER UNIT CODE: the device side; the request is $TMP/NAME.csr.
csr() {
	run_ok "make request $1" "$MKCSR" --sig "$SIG" --user "$2" --unit "$3" --code "$4" \
		--out "$TMP/$1.csr"
}

# enroll NAME USER UNIT: code, request, import, sign; certificate in $TMP/NAME.crt.
enroll() {
	local id
	new_code "$2" "$3" && csr "$1" "$2" "$3" "$CODE" || return 1
	run_ok "import $1" adm requests import "$TMP/$1.csr" || return 1
	id=$(printf '%s\n' "$OUT" | sed -n 's/^imported request \([0-9a-f]*\):.*/\1/p')
	run_ok "sign $1" adm sign "$id" --out "$TMP/$1.crt"
}

# The device id named in a certificate, from kenh-admin verify.
device_of() {
	adm verify "$1" | sed -n 's/.* device \([0-9a-z-]*\), .*/\1/p'
}

setup_org() { # SUITE
	D=$TMP/org$1
	run_ok "init suite $1" adm init --org "Công an tỉnh $1" --suite "$1" --kdf-memory 8 \
		--kdf-iterations 1 || fatal "cannot create the authority"
	[ "$(stat -c %a "$D/root.key")" = 600 ] || fail "root.key is not mode 0600"
	grep -q 'KENH-KEY' "$D/root.key" || fail "root.key is not a Kenh key file"
	run_ok "unit thaibinh" adm unit create thaibinh
	run_ok "unit thaibinh/pc02" adm unit create thaibinh/pc02
	run_ok "unit haiphong" adm unit create haiphong
	printf '%s\n' "$OUT" | grep -q 'signed by root' || fail "haiphong not signed by root"
	run_fail "unit twice" "already has a CA" adm unit create thaibinh
	run_fail "bad unit path" "not a unit path" adm unit create Thai/../x
}

check_enrollment() {
	enroll dev1 nguyenvana thaibinh/pc02 || fatal "enrollment failed"
	run_ok "verify dev1" adm verify "$TMP/dev1.crt"
	printf '%s\n' "$OUT" | grep -q "user nguyenvana, unit thaibinh/pc02" ||
		fail "verify does not name the identity: $OUT"
	DEV1=$(device_of "$TMP/dev1.crt")
	[ -n "$DEV1" ] || fail "no device id"
	# The same code again, with a new key: refused, once used.
	csr replay nguyenvana thaibinh/pc02 "$CODE"
	run_fail "code reuse" "already used" adm requests import "$TMP/replay.csr"
	run_fail "same request twice" "already imported" adm requests import "$TMP/dev1.csr"
	# A code the authority never made.
	csr wrong nguyenvana thaibinh/pc02 random
	run_fail "wrong code" "wrong or unknown" adm requests import "$TMP/wrong.csr"
	# A code for someone else.
	new_code tranthib thaibinh/pc02
	csr mismatch nguyenvana thaibinh/pc02 "$CODE"
	run_fail "code of another user" "made for tranthib" adm requests import "$TMP/mismatch.csr"
	# An expired code.
	new_code levanc haiphong 1s
	csr late levanc haiphong "$CODE"
	sleep 2
	run_fail "expired code" "expired at" adm requests import "$TMP/late.csr"
	run_fail "unit without a CA" "no unit CA covers" adm enroll-code x --unit quangninh --no-qr
	run_fail "bad user name" "not a user name" adm enroll-code "Bad User" --unit haiphong
}

check_rate_limit() {
	local i
	for i in 1 2 3 4 5; do
		csr spam$i spammer haiphong random
		run_fail "wrong code $i" "wrong or unknown" adm requests import "$TMP/spam$i.csr"
	done
	# Even a good code is refused now, without being used up.
	new_code spammer haiphong
	csr spam6 spammer haiphong "$CODE"
	run_fail "rate limit" "too many refused" adm requests import "$TMP/spam6.csr"
	[ "$(grep -c spammer "$D/refusals.log")" = 5 ] || fail "refusals.log does not hold 5 refusals"
	grep -l "user=spammer" "$D"/codes/* | xargs grep -q "state=open" ||
		fail "the rate-limited attempt used up its code"
}

check_lifecycle() {
	local id dev2
	# Reject: the request is refused, its code stays used.
	new_code phamd thaibinh
	csr rej phamd thaibinh "$CODE"
	run_ok "import rej" adm requests import "$TMP/rej.csr"
	id=$(printf '%s\n' "$OUT" | sed -n 's/^imported request \([0-9a-f]*\):.*/\1/p')
	run_ok "reject" adm reject "${id:0:6}" --reason "device not known to the unit"
	run_fail "sign rejected" "already rejected" adm sign "$id"
	run_ok "requests list --all" adm requests list --all
	printf '%s\n' "$OUT" | grep -q "rejected" || fail "list does not show the rejection"
	# Renew, then revoke the device: every certificate of it fails.
	run_ok "renew" adm renew "$DEV1" --days 30 --out "$TMP/dev1-renewed.crt"
	run_ok "verify renewed" adm verify "$TMP/dev1-renewed.crt"
	run_ok "revoke device" adm revoke "$DEV1" --reason "lost on patrol"
	run_fail "verify revoked" "revoked" adm verify "$TMP/dev1.crt"
	run_fail "verify revoked renewal" "revoked" adm verify "$TMP/dev1-renewed.crt"
	run_fail "revoke twice" "already revoked" adm revoke "$DEV1" --reason lost
	run_fail "renew revoked" "revoked" adm renew "$DEV1"
	run_ok "crl show" adm crl show
	printf '%s\n' "$OUT" | grep -q "keyCompromise.*device $DEV1" || fail "CRL does not list $DEV1"
	# Revoke a user: all of the user's devices.
	enroll u1 tranvanb haiphong && enroll u2 tranvanb haiphong
	dev2=$(device_of "$TMP/u2.crt")
	run_ok "revoke user" adm revoke tranvanb --reason "left the unit"
	printf '%s\n' "$OUT" | grep -q "revoked 2 certificate" || fail "revoke user: $OUT"
	run_fail "verify u1" "revoked" adm verify "$TMP/u1.crt"
	run_fail "verify u2" "revoked" adm verify "$TMP/u2.crt"
	# Wipe, by the root and by the unit CA.
	run_ok "wipe" adm wipe "$dev2" --out "$TMP/w1.wipe"
	run_ok "wipe by unit" adm wipe "$dev2" --signer unit
	[ -s "$TMP/w1.wipe" ] && [ "$(ls "$D/wipe" | wc -l)" = 2 ] || fail "wipe orders not written"
	run_fail "wipe unknown" "no certificate" adm wipe nosuchdevice
	# Time: a device certificate lives 90 days.
	enroll dev3 hoangvane thaibinh/pc02
	run_fail "verify expired" "validity period" adm verify "$TMP/dev3.crt" \
		--at "$(date -u -d '+91 days' +%Y-%m-%d)"
	run_ok "verify before expiry" adm verify "$TMP/dev3.crt" \
		--at "$(date -u -d '+80 days' +%Y-%m-%d)"
}

check_passphrase() {
	local n
	n=$(wc -l <"$D/audit.log")
	printf 'not the passphrase\n' >"$TMP/wrongpass"
	run_fail "wrong passphrase" "wrong passphrase" \
		"$ADMIN" --dir "$D" --passphrase-file "$TMP/wrongpass" unit create quangninh
	[ -e "$D/units/quangninh" ] && fail "a wrong passphrase left a unit behind"
	[ "$(wc -l <"$D/audit.log")" = "$n" ] || fail "a wrong passphrase changed the audit log"
	run_fail "no passphrase" "none given" "$ADMIN" --dir "$D" unit create quangninh </dev/null
	KENH_ADMIN_PASSPHRASE=$(cat "$PASS") run_ok "passphrase from the environment" \
		"$ADMIN" --dir "$D" unit create quangninh
	run_fail "missing passphrase file" "cannot read" \
		"$ADMIN" --dir "$D" --passphrase-file "$TMP/nonexistent" unit create x
}

# tampered NAME PATTERN: audit verify on the log as changed in $D/audit.log must
# fail naming PATTERN; a writing command must refuse too; then restore.
tampered() {
	run_fail "audit: $1" "$2" adm audit verify
	run_fail "append after $1" "does not verify" adm unit create tampered-$RANDOM
	cp "$TMP/audit.good" "$D/audit.log"
}

check_audit() {
	local n line6
	run_ok "audit verify" adm audit verify
	run_ok "audit show" adm audit show
	printf '%s\n' "$OUT" | grep -q "revoke" || fail "audit show lacks the revocation"
	cp "$D/audit.log" "$TMP/audit.good"
	n=$(wc -l <"$D/audit.log")
	sed -i '3s/unit=/unit=X/' "$D/audit.log"
	tampered "changed byte" "entry 3: signature"
	sed -i '4d' "$D/audit.log"
	tampered "removed entry" "entry 4: out of sequence"
	awk 'NR==5{hold=$0; next} NR==6{print; print hold; next} {print}' "$TMP/audit.good" \
		>"$D/audit.log"
	tampered "swapped entries" "entry 5: out of sequence"
	# Cut after entry 5 and append a forged entry 6: right number and chain
	# link, content and signature from another authority's log.
	line6=$(sed -n 6p "$TMP/audit.good")
	head -n 5 "$TMP/audit.good" >"$D/audit.log"
	sed -n 6p "$OTHER_LOG" | awk -F '\t' -v prev="$(printf '%s' "$line6" | cut -f5)" \
		'BEGIN{OFS="\t"} {$5=prev; print}' >>"$D/audit.log"
	tampered "forged tail" "entry 6: signature"
	head -n $((n - 2)) "$TMP/audit.good" >"$D/audit.log"
	tampered "truncation" "cut short"
	run_ok "audit verify restored" adm audit verify
}

for suite in 1 2; do
	case $suite in
	1) SIG=ed25519 ;;
	2) SIG=p256 ;;
	esac
	setup_org "$suite"
	check_enrollment
	check_rate_limit
	check_lifecycle
	check_passphrase
	if [ "$suite" = 1 ]; then
		OTHER_LOG=$TMP/org1-audit.log
		cp "$D/audit.log" "$OTHER_LOG"
		cp "$TMP/dev3.crt" "$TMP/org1-dev3.crt"
	else
		check_audit
		run_fail "certificate of another organization" "does not chain" \
			adm verify "$TMP/org1-dev3.crt"
	fi
done
finish
