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
#
# Helpers: verbose, fail, fatal, finish, wait_for, spawn, run_ok, run_fail.
# start_relay (a kenhd on 127.0.0.1 with a PKI made for the run) comes with
# the relay.

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
	local pid
	for pid in "${PIDS[@]}"; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	if [ "${KEEP_TMP:-0}" = 1 ]; then
		echo "$TEST_NAME: kept $TMP" >&2
	else
		rm -rf "$TMP"
	fi
}

# End the script with its result.
finish() {
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
