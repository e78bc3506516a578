#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
# A throw-away PostgreSQL cluster for the tests (DESIGN §9: PostgreSQL tests
# start a real server). It listens only on a Unix socket in its own folder,
# trusts local connections, and is removed by "stop".
#   tools/pg-tmp.sh start DIR   initdb + start; prints "export PGHOST=... PGPORT=... PGUSER=..."
#   tools/pg-tmp.sh stop DIR    stop the server and remove DIR
# As root the server runs as the postgres user (initdb refuses root), and
# DIR's parent gets o+x so that it can reach DIR.
# Without PostgreSQL's server binaries (scripts/deps.sh installs them) it
# fails with a message saying so.
set -eu
cmd=${1:?usage: pg-tmp.sh start|stop DIR}
dir=${2:?usage: pg-tmp.sh start|stop DIR}

bindir() {
	local b
	b=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
	if [ -n "$b" ] && [ -x "$b/initdb" ]; then echo "$b"; return 0; fi
	b=$(command -v initdb 2>/dev/null) && { dirname "$b"; return 0; }
	return 1
}

# Run as the cluster's owner: postgres when we are root, ourselves otherwise.
as_owner() {
	if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$cmd" in
start)
	if ! B=$(bindir); then
		echo "pg-tmp: PostgreSQL server binaries (initdb, pg_ctl) not found:" \
			"install them with scripts/deps.sh (package postgresql)" >&2
		exit 1
	fi
	mkdir -p "$dir/sock"
	if [ "$(id -u)" -eq 0 ]; then
		chown -R postgres "$dir"
		# The server's user must reach DIR: its parent gets search (not read) permission.
		chmod o+x "$(dirname "$dir")"
	fi
	as_owner "$B/initdb" -D "$dir/data" -U kenh --auth=trust --locale=C -E UTF8 \
		>"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
	as_owner "$B/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 30 \
		-o "-k $dir/sock -p 5432 -c listen_addresses='' -c fsync=on -c synchronous_commit=on" \
		start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
	echo "export PGHOST=$dir/sock PGPORT=5432 PGUSER=kenh PGBIN=$B"
	;;
stop)
	B=$(bindir) || exit 0
	[ -d "$dir/data" ] && as_owner "$B/pg_ctl" -D "$dir/data" -m immediate -w stop \
		>/dev/null 2>&1 || true
	rm -rf "$dir"
	;;
*)
	echo "usage: pg-tmp.sh start|stop DIR" >&2
	exit 2
	;;
esac
