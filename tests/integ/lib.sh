#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Shared helpers of the real-process tests (tests/integ, tests/hostile,
# tests/fault; STYLE R17.3), in the manner of OpenSSH's regress/test-exec.sh:
# a scratch folder and a PKI made for the run, start_relay on 127.0.0.1 with
# a random free port, fail / verbose / wait_for, and cleanup through a trap.
# Source it; it sets -u and works from the repository root.
#
#   KENH_BUILD   the build folder (default build/asan if it has kenhd, else build)
#   KENH_VERBOSE=1 prints the relay's log on failure as it goes
set -u

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT" || exit 2
if [ -z "${KENH_BUILD:-}" ]; then
	if [ -x build/asan/kenhd ]; then KENH_BUILD=$ROOT/build/asan; else KENH_BUILD=$ROOT/build; fi
fi
KENHD=$KENH_BUILD/kenhd
RELAYC=$KENH_BUILD/kenh-relayc
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
[ -x "$KENHD" ] && [ -x "$RELAYC" ] || { echo "FAIL: $KENHD or $RELAYC not built"; exit 1; }

T=$(mktemp -d /tmp/kenh-test.XXXXXX)
PKI=$T/pki
mkdir -p "$PKI"
RELAY_PID=""
PORT=""
ADMIN_PORT=""
BG_PIDS=()
TEST_NAME=$(basename "$0" .sh)

cleanup() {
	local p
	for p in "${BG_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	if [ -n "$RELAY_PID" ]; then kill "$RELAY_PID" 2>/dev/null; wait "$RELAY_PID" 2>/dev/null; fi
	[ "${KEEP:-0}" = 1 ] || rm -rf "$T"
}
trap cleanup EXIT

verbose() { [ "${KENH_VERBOSE:-0}" = 1 ] && echo "  $*"; return 0; }

fail() {
	echo "FAIL: $TEST_NAME: $*"
	if [ -f "$T/relay.log" ]; then
		echo "--- relay log (last 30 lines)"
		tail -n 30 "$T/relay.log"
	fi
	exit 1
}

# wait_for SECONDS COMMAND...: retry COMMAND every 0.1 s until it succeeds.
wait_for() {
	local limit=$1 i=0
	shift
	while ! "$@" >/dev/null 2>&1; do
		i=$((i + 1))
		[ $i -gt $((limit * 10)) ] && return 1
		sleep 0.1
	done
	return 0
}

# A free TCP port on 127.0.0.1, chosen at random.
free_port() {
	local p
	while :; do
		p=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

# The organization for the run: a root, a unit CA for "tb/pc02", and the
# relay's own TLS certificate (a separate self-signed Ed25519 certificate
# with 127.0.0.1 in its subjectAltName, which the clients trust).
make_pki() {
	"$RELAYC" pki root "$PKI" "Test Province" || fail "pki root"
	"$RELAYC" pki unit "$PKI" root tb/pc02 unit-pc02 || fail "pki unit"
	openssl req -x509 -newkey ed25519 -nodes -keyout "$PKI/relay-key.pem" \
		-out "$PKI/relay-cert.pem" -days 2 -subj "/CN=kenhd test relay" \
		-addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 || fail "relay certificate"
}

# make_device USER DEVICE [ISSUER [UNIT]]: a device certificate $PKI/USER-DEVICE.{der,key}.
make_device() {
	"$RELAYC" pki device "$PKI" "${3:-unit-pc02}" "${4:-tb/pc02}" "$1" "$2" "$1-$2" ||
		fail "pki device $1 $2"
}

# The relay's configuration; extra "key = value" lines may follow as arguments.
write_config() {
	PORT=${PORT:-$(free_port)}
	ADMIN_PORT=${ADMIN_PORT:-$(free_port)}
	{
		echo "listen = 127.0.0.1:$PORT"
		echo "admin_listen = 127.0.0.1:$ADMIN_PORT"
		echo "tls_cert = $PKI/relay-cert.pem"
		echo "tls_key = $PKI/relay-key.pem"
		echo "root_ca = $PKI/root.der"
		echo "unit_ca = $PKI/unit-pc02.der"
		echo "db_path = $T/relay.db"
		echo "log_level = ${RELAY_LOG_LEVEL:-info}"
		for line in "$@"; do echo "$line"; done
	} >"$T/kenhd.conf"
}

# http_get PATH: the body of a GET on the admin listener (bash's /dev/tcp; no curl needed).
http_get() {
	local line body=0
	exec 3<>"/dev/tcp/127.0.0.1/$ADMIN_PORT" || return 1
	printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$1" >&3
	read -r line <&3 || { exec 3<&-; return 1; }
	case "$line" in *" 200 "*) ;; *) exec 3<&-; return 1 ;; esac
	while IFS= read -r line <&3; do
		line=${line%$'\r'}
		if [ $body = 1 ]; then echo "$line"; elif [ -z "$line" ]; then body=1; fi
	done
	exec 3<&-
}

healthy() { http_get /healthz | grep -q '^ok$'; }

# start_relay [config lines...]: write the configuration (first call) and start kenhd.
start_relay() {
	[ -f "$T/kenhd.conf" ] || write_config "$@"
	"$KENHD" --config "$T/kenhd.conf" >>"$T/relay.log" 2>&1 &
	RELAY_PID=$!
	wait_for 20 healthy || fail "relay did not start"
	verbose "relay pid $RELAY_PID on port $PORT"
}

stop_relay() {
	[ -n "$RELAY_PID" ] || return 0
	kill -TERM "$RELAY_PID" 2>/dev/null
	wait "$RELAY_PID" 2>/dev/null
	local rc=$?
	RELAY_PID=""
	return $rc
}

# relayc DEVICE ARGS...: run the client as $PKI/DEVICE.
relayc() {
	local dev=$1
	shift
	"$RELAYC" --port "$PORT" --ca "$PKI/relay-cert.pem" --cert "$PKI/$dev.der" \
		--key "$PKI/$dev.key" "$@"
}

# The relay's resident memory in KiB (VmRSS).
relay_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$RELAY_PID/status"; }

metric() { http_get /metrics | awk -v m="$1" '$1 == m { print $2 }'; }

pass() { echo "ok: $TEST_NAME${1:+: $1}"; exit 0; }
