#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Helpers for integration scripts that need enrolled kenh devices (sourced
# after lib.sh; tools/run-tests.sh skips lib*.sh): an organization made
# with kenh-admin (units tb and tb/pc02), kenhd on 127.0.0.1 knowing the
# authority, and devices enrolled through the relay, as in kenh_client.sh.
#
#   KENH, ADMIN   the programs (from $KENH_BUILD, or the caller's choice)
#   org_start [config lines...]   the organization and the relay
#   org_enroll DEV...             devices DEV (user DEV in tb/pc02), enrolled
#   k DEV ARGS...                 run kenh as device DEV

KENH=${KENH:-$KENH_BUILD/kenh}
ADMIN=${ADMIN:-$KENH_BUILD/kenh-admin}
D=$TMP/org
export KENH_PASSPHRASE="device passphrase of the test"

adm() { "$ADMIN" --dir "$D" --passphrase-file "$TMP/admin.pass" "$@" </dev/null; }
k() {
	local d=$1
	shift
	"$KENH" --dir "$TMP/dev/$d" "$@" </dev/null
}

# org_start [config lines...]: kenh-admin's organization and kenhd.
org_start() {
	local attempt line
	[ -x "$KENH" ] && [ -x "$ADMIN" ] && [ -x "$KENHD" ] || fatal "build $KENH, $ADMIN, $KENHD first"
	mkdir -p "$PKI" "$TMP/dev"
	printf 'integration test passphrase\n' >"$TMP/admin.pass"
	adm init --org "Test Province" --kdf-memory 8 --kdf-iterations 1 >/dev/null || fatal "kenh-admin init"
	adm unit create tb >/dev/null || fatal "unit tb"
	adm unit create tb/pc02 >/dev/null || fatal "unit tb/pc02"
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
		{
			echo "listen = 127.0.0.1:$PORT"
			echo "admin_listen = 127.0.0.1:$ADMIN_PORT"
			echo "tls_cert = $PKI/relay-cert.pem"
			echo "tls_key = $PKI/relay-key.pem"
			echo "root_ca = $D/root.crt"
			echo "unit_ca = $D/units/tb/ca.crt"
			echo "unit_ca = $D/units/tb/pc02/ca.crt"
			echo "db_path = $TMP/relay.db"
			echo "signing_key = $PKI/signing.key"
			echo "authority = $AUTHORITY"
			for line in "$@"; do echo "$line"; done
		} >"$TMP/kenhd.conf"
		org_relay_up && break
	done
	[ -n "$RELAY_PID" ] || fatal "relay did not start"
}

# org_relay_up: start kenhd with the configuration written by org_start.
org_relay_up() {
	"$KENHD" --config "$TMP/kenhd.conf" >>"$TMP/relay.log" 2>&1 &
	RELAY_PID=$!
	up() { healthy 2>/dev/null || ! kill -0 "$RELAY_PID" 2>/dev/null; }
	wait_for 20 up
	healthy 2>/dev/null && return 0
	wait "$RELAY_PID" 2>/dev/null
	RELAY_PID=
	return 1
}

# org_enroll DEV...: each a device of user DEV in tb/pc02, enrolled through the relay.
org_enroll() {
	local dev code out ids id
	for dev in "$@"; do
		k "$dev" init --relay "127.0.0.1:$PORT" --relay-ca "$PKI/relay-cert.pem" \
			--root "$D/root.crt" --unit-ca "$D/units/tb/pc02/ca.crt" \
			--unit-ca "$D/units/tb/ca.crt" --relay-key "$RELAY_PK" --kdf-memory 8 \
			>/dev/null || fatal "init $dev"
		code=$(adm enroll-code "$dev" --unit tb/pc02 --ttl 1h --no-qr |
			grep -Eo '[0-9A-Z]{4}(-[0-9A-Z]{4}){6}' | head -n 1)
		[ -n "$code" ] || fatal "no code for $dev"
		k "$dev" enroll --user "$dev" --unit tb/pc02 --code "$code" >/dev/null ||
			fatal "submit $dev"
	done
	out=$(adm requests fetch) || fatal "requests fetch: $out"
	ids=$(printf '%s\n' "$out" | sed -n 's/^imported request \([0-9a-f]*\):.*/\1/p')
	for id in $ids; do adm sign "$id" >/dev/null || fatal "sign $id"; done
	for dev in "$@"; do
		out=$(k "$dev" enroll --fetch --wait 20) || fatal "fetch $dev: $out"
	done
}
