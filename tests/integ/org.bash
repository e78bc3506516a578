# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# An organization for the kenh client's integration scripts, sourced after
# lib.sh (not a test itself: tools/run-tests.sh runs *.sh only). kenh-admin
# makes the authority (units tb and tb/pc02), kenhd runs on 127.0.0.1 with
# the authority configured, and devices are enrolled through the relay as
# docs/operations.md says. Helpers:
#   adm ARGS...                kenh-admin on the organization folder $D
#   k DEV ARGS...              kenh on the device folder $TMP/dev/DEV
#   org_start [CONF LINES...]  make the organization and start the relay
#   org_submit DEV USER UNIT   a device folder and its enrollment request
#   org_enroll N DEV...        sign the N pending requests; DEVs fetch theirs
#   dev_of DEV                 the device name "unit/user/id" of DEV

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

org_start() {
	local attempt line
	adm init --org "Test Province" --kdf-memory 8 --kdf-iterations 1 >/dev/null ||
		fatal "kenh-admin init"
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
		"$KENHD" --config "$TMP/kenhd.conf" >>"$TMP/relay.log" 2>&1 &
		RELAY_PID=$!
		up() { healthy 2>/dev/null || ! kill -0 "$RELAY_PID" 2>/dev/null; }
		wait_for 20 up
		healthy 2>/dev/null && break
		wait "$RELAY_PID" 2>/dev/null
		RELAY_PID=
	done
	[ -n "$RELAY_PID" ] || fatal "relay did not start"
}

org_submit() {
	local dev=$1 user=$2 unit=$3 code cas=(--unit-ca "$D/units/$3/ca.crt")
	[ "$unit" = tb/pc02 ] && cas+=(--unit-ca "$D/units/tb/ca.crt")
	k "$dev" init --relay "127.0.0.1:$PORT" --relay-ca "$PKI/relay-cert.pem" \
		--root "$D/root.crt" "${cas[@]}" --relay-key "$RELAY_PK" --kdf-memory 8 >/dev/null ||
		fatal "init $dev"
	code=$(adm enroll-code "$user" --unit "$unit" --ttl 1h --no-qr |
		grep -Eo '[0-9A-Z]{4}(-[0-9A-Z]{4}){6}' | head -n 1)
	[ -n "$code" ] || fatal "no code for $user"
	k "$dev" enroll --user "$user" --unit "$unit" --code "$code" >/dev/null || fatal "submit $dev"
}

org_enroll() {
	local n=$1 out ids id d
	shift
	out=$(adm requests fetch) || fatal "requests fetch: $out"
	ids=$(printf '%s\n' "$out" | sed -n 's/^imported request \([0-9a-f]*\):.*/\1/p')
	[ "$(echo "$ids" | wc -w)" = "$n" ] || fatal "requests fetch: $out"
	for id in $ids; do adm sign "$id" >/dev/null || fatal "sign $id"; done
	for d in "$@"; do
		out=$(k "$d" enroll --fetch --wait 20) || fatal "fetch $d: $out"
	done
}

dev_of() { k "$1" --json whoami | sed -n 's/.*"device":"\([^"]*\)".*/\1/p'; }
