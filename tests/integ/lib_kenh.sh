#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Shared set-up for the scripts that drive the device client kenh through
# a real relay (sourced after lib.sh; tools/run-tests.sh skips lib*.sh):
# an organization made with kenh-admin, kenhd on 127.0.0.1 with that
# authority and its own signing key (the relay as external sender,
# docs/protocol.md §8), and devices enrolled through the relay as
# docs/operations.md says.
#
#   KENH, ADMIN                the programs (from $KENH_BUILD, or the caller's)
#   ORG_UNITS                  the units org_start makes ("tb tb/pc02" unless set)
#   ORG_SIGN_DAYS              if set, the certificates' lifetime in days
#   adm ARGS...                kenh-admin on the organization folder $D
#   k DEV ARGS...              kenh on the device folder $TMP/dev/DEV
#   org_start [CONF LINES...]  make the organization and start the relay
#   org_relay_up               (re)start kenhd with the configuration written
#   org_submit DEV USER UNIT   a device folder and its enrollment request
#   org_enroll N DEV...        sign the N pending requests; DEVs fetch theirs
#   enroll_devices DEV:USER:UNIT...  org_submit each, then org_enroll them all
#   dev_of DEV                 the device id of DEV (the last part of its name)
#   hist_count DEV GROUP TEXT  how many history lines of GROUP on DEV hold TEXT

need_relay
KENH=${KENH:-$KENH_BUILD/kenh}
ADMIN=${ADMIN:-$KENH_BUILD/kenh-admin}
[ -x "$KENH" ] && [ -x "$ADMIN" ] || fatal "build $KENH and $ADMIN first"
ORG_UNITS=${ORG_UNITS:-tb tb/pc02}
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

# org_start [CONF LINES...]: the organization, the relay's TLS certificate
# and signing key, kenhd started with the CONF LINES added to its configuration.
org_start() {
	local attempt u line
	adm init --org "Test Province" --kdf-memory 8 --kdf-iterations 1 >/dev/null ||
		fatal "kenh-admin init"
	for u in $ORG_UNITS; do adm unit create "$u" >/dev/null || fatal "unit $u"; done
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
			for u in $ORG_UNITS; do echo "unit_ca = $D/units/$u/ca.crt"; done
			echo "db_path = $TMP/relay.db"
			echo "signing_key = $PKI/signing.key"
			echo "authority = $AUTHORITY"
			for line in "$@"; do echo "$line"; done
		} >"$TMP/kenhd.conf"
		org_relay_up && break
	done
	[ -n "$RELAY_PID" ] || fatal "relay did not start"
}

# org_relay_up: start kenhd with the configuration org_start wrote; fails
# (RELAY_PID empty) if it does not become healthy.
org_relay_up() {
	"$KENHD" --config "$TMP/kenhd.conf" >>"$TMP/relay.log" 2>&1 &
	RELAY_PID=$!
	wait_for 20 org_relay_settled
	healthy 2>/dev/null && return 0
	wait "$RELAY_PID" 2>/dev/null
	RELAY_PID=
	return 1
}
org_relay_settled() { healthy 2>/dev/null || ! kill -0 "$RELAY_PID" 2>/dev/null; }

# org_submit DEV USER UNIT: a device folder (trusting UNIT's CA and, below
# tb, tb's) and its request through the relay.
org_submit() {
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

# org_enroll N DEV...: the authority collects exactly N requests and signs
# each (for ORG_SIGN_DAYS days if set); each DEV fetches its certificate.
org_enroll() {
	local n=$1 out ids id d days=()
	shift
	[ -n "${ORG_SIGN_DAYS:-}" ] && days=(--days "$ORG_SIGN_DAYS")
	out=$(adm requests fetch) || fatal "requests fetch: $out"
	ids=$(printf '%s\n' "$out" | sed -n 's/^imported request \([0-9a-f]*\):.*/\1/p')
	[ "$(echo "$ids" | wc -w)" = "$n" ] || fatal "requests fetch: $out"
	for id in $ids; do adm sign "$id" "${days[@]}" >/dev/null || fatal "sign $id"; done
	for d in "$@"; do
		out=$(k "$d" enroll --fetch --wait 20) || fatal "fetch $d: $out"
	done
}

# enroll_devices DEV:USER:UNIT...: submit each, sign every request, fetch each certificate.
enroll_devices() {
	local spec dev user unit devs=()
	for spec in "$@"; do
		IFS=: read -r dev user unit <<<"$spec"
		org_submit "$dev" "$user" "$unit"
		devs+=("$dev")
	done
	org_enroll $# "${devs[@]}"
}

dev_of() { k "$1" --json whoami | sed -n 's/.*"device":"\([^"]*\)".*/\1/p'; }

# hist_count DEV GROUP TEXT: the history lines of GROUP on DEV that hold TEXT.
hist_count() {
	k "$1" history "$2" | grep -cF -- "$3"
}
