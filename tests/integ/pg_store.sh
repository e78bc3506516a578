#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# kenhd on PostgreSQL (DESIGN §1, §9; docs/relay-store.md): the relay's main
# flows and the SIGKILL durability check, run again with "store =
# postgresql" against a real throw-away server. Each script below is run
# as it is, with KENH_TEST_STORE=postgresql: tests/integ/lib.sh's
# write_config then starts the server (tools/pg-tmp.sh) and points the
# relay at it. Covered: offline delivery and restart, blobs, the stale
# commit race, revocation, external removal proposals, non-members,
# renewals through the relay, SIGKILL under load (nothing acknowledged
# lost, nothing delivered twice) and commit faults.
. "$(dirname "$0")/lib.sh"

SCRIPTS="integ/offline integ/blobs integ/stale_commit integ/revoke integ/external_remove
integ/nonmember integ/relay_renew fault/sigkill fault/store_fault"

# run SCRIPT: once more if a port free_port chose was taken by another
# process before the relay could bind it (the machine is shared).
run() {
	local log=$TMP/${1#*/}.log
	KENH_TEST_STORE=postgresql bash "$ROOT/tests/$1.sh" >"$log" 2>&1 && return 0
	grep -q 'cannot bind' "$log" || return 1
	KENH_TEST_STORE=postgresql bash "$ROOT/tests/$1.sh" >"$log" 2>&1
}

for s in $SCRIPTS; do
	verbose "$s on PostgreSQL"
	if ! run "$s"; then
		fail "$s on PostgreSQL"
		tail -n 30 "$TMP/${s#*/}.log" >&2
		continue
	fi
	# Only a build without fault injection skips the commit-fault script.
	grep -q 'the relay ran on PostgreSQL' "$TMP/${s#*/}.log" ||
		grep -q 'built without KENH_FAULT_INJECT' "$TMP/${s#*/}.log" ||
		fail "$s did not run its relay on PostgreSQL"
	echo "$TEST_NAME: ${s}: $(grep -v '^ok \|PostgreSQL$' "$TMP/${s#*/}.log" | tail -n 1)"
done
finish
