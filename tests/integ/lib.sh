#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Shared helpers for the integration scripts tests/integ/*.sh, in the manner
# of OpenSSH's regress/test-exec.sh (STYLE R17.3). A script sources this
# file, runs real Kenh programs, reports with fail (record and go on) or
# fatal (stop), and ends with finish. Everything happens in a private
# temporary folder, $TMP, removed on exit (KEEP_TMP=1 keeps it); processes
# started with spawn are stopped on exit, by their own pids only.
#
#   KENH_BUILD   the build folder holding the programs (tools/run-tests.sh
#                sets it; default: build/ of this tree)
#   VERBOSE=1    print each step
#   KENH_TEST_STORE=postgresql
#                write_config gives the relay a PostgreSQL store: a
#                throw-away server (tools/pg-tmp.sh) in $TMP/pg, started on
#                the first write_config and stopped on exit (docs/relay-store.md)
#
# Helpers: verbose, fail, fatal, finish, wait_for, spawn, run_ok, run_fail;
# for the relay (tests/integ, tests/hostile, tests/fault): make_pki,
# make_device, write_config, start_relay, stop_relay, relayc, http_get,
# metric, relay_rss, free_port, pass. A failing script prints the end of
# the relay's log.

set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
KENH_BUILD=${KENH_BUILD:-$ROOT/build}
TEST_NAME=$(basename "$0" .sh)
VERBOSE=${VERBOSE:-0}
RESULT=0
PIDS=()

# Print a step when VERBOSE=1.
verbose() {
	[ "$VERBOSE" = 1 ] && echo "$TEST_NAME: $*" >&2
	return 0
}

# Record a failure and go on.
fail() {
	echo "FAIL $TEST_NAME: $*" >&2
	RESULT=1
}

# Record a failure and stop (cleanup still runs).
fatal() {
	fail "$@"
	exit 1
}

# Start a background process and remember its pid for cleanup.
spawn() {
	"$@" &
	PIDS+=("$!")
}

# wait_for SECONDS COMMAND...: poll until COMMAND succeeds; status 1 on timeout.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
}

# run_ok WHAT COMMAND...: COMMAND must succeed; its output (stdout and
# stderr) is left in $OUT.
OUT=
run_ok() {
	local what=$1 rc
	shift
	verbose "$what"
	OUT=$("$@" 2>&1)
	rc=$?
	[ "$rc" -eq 0 ] || fail "$what: exit status $rc: $OUT"
	return "$rc"
}

# run_fail WHAT PATTERN COMMAND...: COMMAND must fail (status 1, not a
# crash) and print something matching the extended regex PATTERN.
run_fail() {
	local what=$1 pattern=$2 rc
	shift 2
	verbose "$what"
	OUT=$("$@" 2>&1)
	rc=$?
	if [ "$rc" -ne 1 ]; then
		fail "$what: expected exit status 1, got $rc: $OUT"
		return 1
	fi
	if ! printf '%s\n' "$OUT" | grep -Eq -- "$pattern"; then
		fail "$what: output does not match /$pattern/: $OUT"
		return 1
	fi
	return 0
}

cleanup() {
	local rc=$? pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	if [ -n "${RELAY_PID:-}" ]; then
		kill "$RELAY_PID" 2>/dev/null && wait "$RELAY_PID" 2>/dev/null
	fi
	[ -d "$TMP/pg" ] && "$ROOT/tools/pg-tmp.sh" stop "$TMP/pg"
	if { [ "$rc" -ne 0 ] || [ "$RESULT" -ne 0 ]; } && [ -f "$TMP/relay.log" ]; then
		echo "--- $TEST_NAME: relay log (last 30 lines)" >&2
		tail -n 30 "$TMP/relay.log" >&2
	fi
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		echo "$TEST_NAME: kept $TMP" >&2
	else
		rm -rf "$TMP"
	fi
}

# End the script with its result.
finish() {
	[ -d "$TMP/pg" ] && echo "$TEST_NAME: the relay ran on PostgreSQL"
	if [ "$RESULT" -eq 0 ]; then
		echo "ok $TEST_NAME"
	else
		echo "FAILED $TEST_NAME" >&2
	fi
	exit "$RESULT"
}

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kenh-$TEST_NAME.XXXXXX") || exit 2
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# ---- the relay (kenhd) and its test client (kenh-relayc) ----

KENHD=$KENH_BUILD/kenhd
RELAYC=$KENH_BUILD/kenh-relayc
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
PKI=$TMP/pki
RELAY_PID=""
PORT=""
ADMIN_PORT=""

# need_relay: stop unless kenhd and kenh-relayc are built.
need_relay() {
	[ -x "$KENHD" ] && [ -x "$RELAYC" ] || fatal "build $KENHD and $RELAYC first"
}

# pass [WHAT]: the script succeeded; say what it measured.
pass() {
	[ -n "${1:-}" ] && echo "$TEST_NAME: $1"
	finish
}

# A free TCP port on 127.0.0.1, chosen at random below the kernel's
# ephemeral range (ip_local_port_range), so that no outgoing connection of
# this or another test can take it between the choice and the bind, and
# never the same one twice in a script (the choices are kept in $TMP/ports).
free_port() {
	local p lo=32768
	read -r lo _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || lo=32768
	[ "$lo" -gt 12000 ] || lo=32768
	while :; do
		p=$((10000 + RANDOM % (lo - 10000)))
		grep -qx "$p" "$TMP/ports" 2>/dev/null && continue
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null && continue
		echo "$p" >>"$TMP/ports"
		echo "$p"
		return
	done
}

# The organization for the run, made with kenh-relayc's pki commands
# (lib/crypto/pki.h): a root, a unit CA for "tb/pc02", and the relay's own
# TLS certificate (a separate self-signed Ed25519 certificate with
# 127.0.0.1 in its subjectAltName, which the clients trust).
make_pki() {
	need_relay
	mkdir -p "$PKI"
	"$RELAYC" pki root "$PKI" "Test Province" || fatal "pki root"
	"$RELAYC" pki unit "$PKI" root tb/pc02 unit-pc02 || fatal "pki unit"
	openssl req -x509 -newkey ed25519 -nodes -keyout "$PKI/relay-key.pem" \
		-out "$PKI/relay-cert.pem" -days 2 -subj "/CN=kenhd test relay" \
		-addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 || fatal "relay certificate"
}

# make_device USER DEVICE [ISSUER [UNIT]]: a device certificate $PKI/USER-DEVICE.{der,key}.
make_device() {
	"$RELAYC" pki device "$PKI" "${3:-unit-pc02}" "${4:-tb/pc02}" "$1" "$2" "$1-$2" ||
		fatal "pki device $1 $2"
}

# store_config: the relay's store lines, after starting the throw-away
# PostgreSQL server and making database "kenh" on it when KENH_TEST_STORE
# is postgresql.
KENH_TEST_STORE=${KENH_TEST_STORE:-sqlite}
store_config() {
	local env
	if [ "$KENH_TEST_STORE" != postgresql ]; then
		echo "db_path = $TMP/relay.db"
		return
	fi
	if [ ! -d "$TMP/pg" ]; then
		env=$("$ROOT/tools/pg-tmp.sh" start "$TMP/pg") || fatal "PostgreSQL server"
		eval "$env"
		"$PGBIN/createdb" kenh || fatal "createdb"
	fi
	echo "store = postgresql"
	echo "pg_conninfo = host=$TMP/pg/sock port=5432 user=kenh dbname=kenh"
}

# The relay's configuration; extra "key = value" lines may follow as arguments.
write_config() {
	local line store
	PORT=${PORT:-$(free_port)}
	ADMIN_PORT=${ADMIN_PORT:-$(free_port)}
	store=$(store_config) || exit 1
	{
		echo "listen = 127.0.0.1:$PORT"
		echo "admin_listen = 127.0.0.1:$ADMIN_PORT"
		echo "tls_cert = $PKI/relay-cert.pem"
		echo "tls_key = $PKI/relay-key.pem"
		echo "root_ca = $PKI/root.der"
		echo "unit_ca = $PKI/unit-pc02.der"
		echo "$store"
		echo "log_level = ${RELAY_LOG_LEVEL:-info}"
		for line in "$@"; do echo "$line"; done
	} >"$TMP/kenhd.conf"
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
	[ -f "$TMP/kenhd.conf" ] || write_config "$@"
	"$KENHD" --config "$TMP/kenhd.conf" >>"$TMP/relay.log" 2>&1 &
	RELAY_PID=$!
	wait_for 20 healthy || fatal "relay did not start"
	verbose "relay pid $RELAY_PID on port $PORT"
}

# stop_relay: SIGTERM, and the relay's exit status.
stop_relay() {
	local rc
	[ -n "$RELAY_PID" ] || return 0
	kill -TERM "$RELAY_PID" 2>/dev/null
	wait "$RELAY_PID" 2>/dev/null
	rc=$?
	RELAY_PID=""
	return $rc
}

# relayc DEVICE ARGS...: run the client as $PKI/DEVICE. In a subshell (a
# background job, a command substitution) it replaces the subshell, so
# that $! is the client's own pid and killing it stops the client.
relayc() {
	local dev=$1
	shift
	set -- --port "$PORT" --ca "$PKI/relay-cert.pem" --cert "$PKI/$dev.der" \
		--key "$PKI/$dev.key" "$@"
	[ "$BASHPID" != "$$" ] && exec "$RELAYC" "$@"
	"$RELAYC" "$@"
}

# For tests that measure the relay's memory: under ASan, freed memory waits
# in a 256 MiB quarantine and would count as resident; keep it small.
lean_asan() {
	export ASAN_OPTIONS="$ASAN_OPTIONS:quarantine_size_mb=1:thread_local_quarantine_size_kb=64"
}

# The relay's resident memory in KiB (VmRSS).
relay_rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$RELAY_PID/status"; }

# metric NAME: one value from /metrics.
metric() { http_get /metrics | awk -v m="$1" '$1 == m { print $2 }'; }
