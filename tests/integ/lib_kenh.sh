#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Shared set-up for the scripts that drive the device client kenh through
# a real relay (sourced after lib.sh; tools/run-tests.sh skips lib*.sh):
# an organization made with kenh-admin (units tb, tb/pc02 and tb/pc03),
# kenhd on 127.0.0.1 with that authority and its own signing key (the
# relay as external sender, docs/protocol.md §8), and devices enrolled
# through the relay with enroll_devices DEV:USER:UNIT....
#
# Helpers: adm (kenh-admin on $D), k DEV ARGS (kenh on $TMP/dev/DEV),
# kenh_org, enroll_devices, dev_of DEV (its device name), hist_count DEV
# GROUP TEXT (how many history lines hold TEXT).

need_relay
KENH=$KENH_BUILD/kenh
ADMIN=$KENH_BUILD/kenh-admin
[ -x "$KENH" ] && [ -x "$ADMIN" ] || fatal "build $KENH and $ADMIN first"
D=$TMP/org
mkdir -p "$PKI" "$TMP/dev"
printf 'integration test passphrase\n' >"$TMP/admin.pass"
export KENH_PASSPHRASE="device passphrase of the test"
adm() { "$ADMIN" --dir "$D" --passphrase-file "$TMP/admin.pass" "$@" </dev/null; }
k() {
	local d=$1
	shift
	"$KENH" --dir "$TMP/dev/$d" "$@" </dev/null
}

# kenh_org: the organization, the relay's TLS certificate and key, kenhd started.
kenh_org() {
	local attempt u
	adm init --org "Test Province" --kdf-memory 8 --kdf-iterations 1 >/dev/null ||
		fatal "kenh-admin init"
	for u in tb tb/pc02 tb/pc03; do adm unit create "$u" >/dev/null || fatal "unit $u"; done
	openssl req -x509 -newkey ed25519 -nodes -keyout "$PKI/relay-key.pem" \
		-out "$PKI/relay-cert.pem" -days 2 -subj "/CN=kenhd test relay" \
		-addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 || fatal "relay certificate"
	RELAY_PK=$("$KENHD" --gen-signing-key "$PKI/signing.key" | sed -n 's/^public_key=//p')
	[ ${#RELAY_PK} = 64 ] || fatal "relay signing key"
	# A port found free may be taken when kenhd binds it: try others.
	for attempt in 1 2 3; do
		PORT=$(free_port)
		ADMIN_PORT=$(free_port)
		AUTHORITY=$(adm relay set "127.0.0.1:$PORT" --ca "$PKI/relay-cert.pem" |
			sed -n 's/^ *authority = //p')
		[ -n "$AUTHORITY" ] || fatal "kenh-admin relay set"
		cat >"$TMP/kenhd.conf" <<-EOC
		listen = 127.0.0.1:$PORT
		admin_listen = 127.0.0.1:$ADMIN_PORT
		tls_cert = $PKI/relay-cert.pem
		tls_key = $PKI/relay-key.pem
		root_ca = $D/root.crt
		unit_ca = $D/units/tb/ca.crt
		unit_ca = $D/units/tb/pc02/ca.crt
		unit_ca = $D/units/tb/pc03/ca.crt
		db_path = $TMP/relay.db
		signing_key = $PKI/signing.key
		authority = $AUTHORITY
		EOC
		"$KENHD" --config "$TMP/kenhd.conf" >>"$TMP/relay.log" 2>&1 &
		RELAY_PID=$!
		wait_for 20 kenh_relay_up
		healthy 2>/dev/null && break
		wait "$RELAY_PID" 2>/dev/null
		RELAY_PID=
	done
	[ -n "$RELAY_PID" ] || fatal "relay did not start"
}
kenh_relay_up() { healthy 2>/dev/null || ! kill -0 "$RELAY_PID" 2>/dev/null; }

# kenh_submit DEV USER UNIT: a device folder and its request through the relay.
kenh_submit() {
	local dev=$1 user=$2 unit=$3 code cas=(--unit-ca "$D/units/$3/ca.crt")
	[ "$unit" != tb ] && cas+=(--unit-ca "$D/units/tb/ca.crt")
	k "$dev" init --relay "127.0.0.1:$PORT" --relay-ca "$PKI/relay-cert.pem" \
		--root "$D/root.crt" "${cas[@]}" --relay-key "$RELAY_PK" --kdf-memory 8 >/dev/null ||
		fatal "init $dev"
	code=$(adm enroll-code "$user" --unit "$unit" --ttl 1h --no-qr |
		grep -Eo '[0-9A-Z]{4}(-[0-9A-Z]{4}){6}' | head -n 1)
	[ -n "$code" ] || fatal "no code for $user"
	k "$dev" enroll --user "$user" --unit "$unit" --code "$code" >/dev/null ||
		fatal "submit $dev"
}

# enroll_devices DEV:USER:UNIT...: submit each, sign every request, fetch each certificate.
enroll_devices() {
	local spec out ids id n=$#
	for spec in "$@"; do
		IFS=: read -r dev user unit <<<"$spec"
		kenh_submit "$dev" "$user" "$unit"
	done
	out=$(adm requests fetch) || fatal "requests fetch: $out"
	ids=$(printf '%s\n' "$out" | sed -n 's/^imported request \([0-9a-f]*\):.*/\1/p')
	[ "$(echo "$ids" | wc -w)" = "$n" ] || fatal "requests fetch: $out"
	for id in $ids; do adm sign "$id" >/dev/null || fatal "sign $id"; done
	for spec in "$@"; do
		out=$(k "${spec%%:*}" enroll --fetch --wait 20) || fatal "fetch ${spec%%:*}: $out"
	done
}

dev_of() { k "$1" --json whoami | sed -n 's/.*"device":"\([^"]*\)".*/\1/p'; }

# hist_count DEV GROUP TEXT: the history lines of GROUP on DEV that hold TEXT.
hist_count() {
	k "$1" history "$2" | grep -cF -- "$3"
}
