#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# bench/relay (issue 4 item 8): the relay's throughput, latency and memory
# against two references, measured in the same run by the same script.
#
#   kenhd        our relay, durable (SQLite WAL, synchronous=FULL: a message is
#                acknowledged only once on disk), TLS 1.3 with client
#                certificates, load from kenh-relayc bench-fanout / bench-idle
#   mosquitto 2  MQTT QoS 1 over TLS on 127.0.0.1, in-memory queues
#                (bench/relay/ref_mqtt.c on libmosquitto)
#   nats-server  core NATS over TLS (bench/relay/ref_nats.c on libnats)
#
# Figures: 1->1 and 1->100 fan-out of 256-byte messages (deliveries per
# second, p50 and p99 latency from send to delivery), and resident memory
# per idle connection with 10,000 connections. mosquitto, nats-server and
# their client libraries are installed with apt-get when missing.
#
#   bench/relay/run.sh [BUILD]     (BUILD default: build, the optimized dev build)
#   MESSAGES=N FANOUT=N IDLE=N     override the sizes (defaults 20000, 100, 10000)
#   KENHD_STORE=postgresql         kenhd on PostgreSQL (synchronous_commit on), a
#                                  throw-away local server (tools/pg-tmp.sh)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
B=${1:-build}
MESSAGES=${MESSAGES:-20000}
FANOUT=${FANOUT:-100}
IDLE=${IDLE:-10000}
SIZE=256
case $B in /*) ;; *) B=$ROOT/$B ;; esac
KENHD=$B/kenhd
RELAYC=$B/kenh-relayc
T=$(mktemp -d /tmp/kenh-bench.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	[ -d "$T/pg" ] && tools/pg-tmp.sh stop "$T/pg"
	rm -rf "$T"
}
trap cleanup EXIT
die() { echo "bench/relay: $*" >&2; exit 1; }
[ -x "$KENHD" ] && [ -x "$RELAYC" ] || die "build $B first (make)"
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

# --- the references: install if missing, build their load generators ---
need=""
command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ] || need="$need mosquitto"
command -v nats-server >/dev/null || [ -x /usr/sbin/nats-server ] || need="$need nats-server"
pkg-config --exists libmosquitto 2>/dev/null || need="$need libmosquitto-dev"
[ -f /usr/include/nats.h ] || [ -f /usr/include/nats/nats.h ] || need="$need libnats-dev"
if [ -n "$need" ]; then
	echo "bench/relay: installing:$need"
	DEBIAN_FRONTEND=noninteractive apt-get install -y $need >/dev/null 2>&1 ||
		{ apt-get update >/dev/null 2>&1 &&
			DEBIAN_FRONTEND=noninteractive apt-get install -y $need >/dev/null 2>&1; } ||
		die "cannot install$need"
fi
MOSQUITTO=$(command -v mosquitto || echo /usr/sbin/mosquitto)
NATS=$(command -v nats-server || echo /usr/sbin/nats-server)
REFCC="cc -std=c11 -D_DEFAULT_SOURCE -O2 -Wall -Iinclude -Ilib -Ibench/relay"
$REFCC -o "$T/ref_mqtt" bench/relay/ref_mqtt.c bench/relay/ref_common.c "$B/libkenh.a" \
	-lmosquitto -lssl -lcrypto -lpthread || die "build ref_mqtt"
$REFCC -o "$T/ref_nats" bench/relay/ref_nats.c bench/relay/ref_common.c "$B/libkenh.a" \
	-lnats -lssl -lcrypto -lpthread || die "build ref_nats"

free_port() {
	local p
	while :; do
		# Below the kernel's ephemeral range: no outgoing connection takes it meanwhile.
		p=$((10000 + RANDOM % 22000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}
wait_port() {
	local i
	for i in $(seq 100); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.1; done
	return 1
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p"; }

# --- one TLS server certificate (P-256, which all three servers take) ---
P=$T/pki
mkdir -p "$P"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$P/server-key.pem" \
	-out "$P/server-cert.pem" -days 2 -subj "/CN=127.0.0.1" \
	-addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 || die "server certificate"

# --- kenhd ---
"$RELAYC" pki root "$P" "Bench Province" >/dev/null || die "pki"
"$RELAYC" pki unit "$P" root tb/bench unit >/dev/null || die "pki"
for i in $(seq 0 "$FANOUT"); do
	"$RELAYC" pki device "$P" unit tb/bench "u$i" d "u$i-d" >/dev/null || die "pki device $i"
done
KPORT=$(free_port)
STORE="db_path = $T/kenhd.db"
if [ "${KENHD_STORE:-sqlite}" = postgresql ]; then
	pgenv=$(tools/pg-tmp.sh start "$T/pg") || die "PostgreSQL server"
	eval "$pgenv"
	"$PGBIN/createdb" kenh || die "createdb"
	STORE="store = postgresql
pg_conninfo = host=$T/pg/sock port=5432 user=kenh dbname=kenh"
fi
cat >"$T/kenhd.conf" <<EOF
listen = 127.0.0.1:$KPORT
tls_cert = $P/server-cert.pem
tls_key = $P/server-key.pem
root_ca = $P/root.der
unit_ca = $P/unit.der
$STORE
log_level = warn
max_connections = 20000
max_per_address = 20000
output_cap = 67108864
EOF
"$KENHD" --config "$T/kenhd.conf" 2>"$T/kenhd.log" &
KPID=$!
PIDS+=($KPID)
wait_port "$KPORT" || die "kenhd did not start"
kr() {
	local d=$1
	shift
	"$RELAYC" --port "$KPORT" --ca "$P/server-cert.pem" --cert "$P/$d.der" --key "$P/$d.key" "$@"
}
kenhd_group() {
	local g=$1 n=$2 i devs=()
	kr u0-d create "$g" >/dev/null || die "create $g"
	for i in $(seq 1 "$n"); do devs+=("tb/bench/u$i/d"); done
	while [ ${#devs[@]} -gt 0 ]; do
		kr u0-d add "$g" 0 "${devs[@]:0:50}" >/dev/null || die "add to $g"
		devs=("${devs[@]:50}")
	done
}
for i in $(seq 1 "$FANOUT"); do kr "u$i-d" kp-upload 2 >/dev/null || die "kp-upload $i"; done
kenhd_group g1 1
kenhd_group g100 "$FANOUT"
recv=()
for i in $(seq 1 "$FANOUT"); do recv+=("u$i-d"); done
k1=$(kr u0-d bench-fanout g1 "$MESSAGES" "$SIZE" u1-d) || die "kenhd 1->1: $k1"
k100=$(kr u0-d bench-fanout g100 $((MESSAGES / 10)) "$SIZE" "${recv[@]}") || die "kenhd 1->$FANOUT: $k100"
kidle=$(kr u1-d bench-idle "$IDLE" "$KPID") || die "kenhd idle: $kidle"
kill "$KPID"; wait "$KPID" 2>/dev/null

# --- mosquitto 2, QoS 1, TLS ---
MPORT=$(free_port)
cat >"$T/mosquitto.conf" <<EOF
listener $MPORT 127.0.0.1
certfile $P/server-cert.pem
keyfile $P/server-key.pem
max_inflight_messages 128
max_queued_messages 1000000
persistence false
allow_anonymous true
log_type error
EOF
# Run as root, mosquitto drops to its own user, which cannot read our temporary key.
[ "$(id -u)" = 0 ] && echo "user root" >>"$T/mosquitto.conf"
"$MOSQUITTO" -c "$T/mosquitto.conf" 2>"$T/mosquitto.log" &
MPID=$!
PIDS+=($MPID)
wait_port "$MPORT" || die "mosquitto did not start"
m1=$("$T/ref_mqtt" fanout "$MPORT" "$P/server-cert.pem" "$MESSAGES" "$SIZE" 1) || die "mosquitto 1->1: $m1"
m100=$("$T/ref_mqtt" fanout "$MPORT" "$P/server-cert.pem" $((MESSAGES / 10)) "$SIZE" "$FANOUT") ||
	die "mosquitto 1->$FANOUT: $m100"
midle=$("$T/ref_mqtt" idle "$MPORT" "$P/server-cert.pem" "$IDLE" "$MPID") || die "mosquitto idle: $midle"
kill "$MPID"; wait "$MPID" 2>/dev/null

# --- nats-server, core NATS, TLS ---
NPORT=$(free_port)
cat >"$T/nats.conf" <<EOF
listen: 127.0.0.1:$NPORT
max_connections: 20000
max_pending: 268435456
tls {
  cert_file: "$P/server-cert.pem"
  key_file: "$P/server-key.pem"
}
EOF
"$NATS" -c "$T/nats.conf" 2>"$T/nats.log" &
NPID=$!
PIDS+=($NPID)
wait_port "$NPORT" || die "nats-server did not start"
n1=$("$T/ref_nats" fanout "$NPORT" "$P/server-cert.pem" "$MESSAGES" "$SIZE" 1) || die "nats 1->1: $n1"
n100=$("$T/ref_nats" fanout "$NPORT" "$P/server-cert.pem" $((MESSAGES / 10)) "$SIZE" "$FANOUT") ||
	die "nats 1->$FANOUT: $n100"
nidle=$("$T/ref_nats" idle "$NPORT" "$P/server-cert.pem" "$IDLE" "$NPID") || die "nats idle: $nidle"
kill "$NPID"; wait "$NPID" 2>/dev/null

# --- the figures ---
line() { # name result
	printf '  %-12s %10.0f deliveries/s  p50 %8.3f ms  p99 %8.3f ms\n' "$1" \
		"$(echo "$2" | field rate)" "$(echo "$2" | field p50_ms)" "$(echo "$2" | field p99_ms)"
}
echo "kenhd store: ${KENHD_STORE:-sqlite}"
echo "relay fan-out 1->1, $SIZE-byte messages, $MESSAGES messages:"
line kenhd "$k1"; line mosquitto "$m1"; line nats "$n1"
echo "relay fan-out 1->$FANOUT, $SIZE-byte messages, $((MESSAGES / 10)) messages:"
line kenhd "$k100"; line mosquitto "$m100"; line nats "$n100"
echo "relay idle connections ($IDLE):"
for x in "kenhd:$kidle" "mosquitto:$midle" "nats:$nidle"; do
	printf '  %-12s %8s KiB per connection (%s connections open)\n' "${x%%:*}" \
		"$(echo "${x#*:}" | field per_connection_kib)" "$(echo "${x#*:}" | field connections)"
done
kx=$(echo "$k100" | field rate)
mx=$(echo "$m100" | field rate)
nx=$(echo "$n100" | field rate)
awk -v k="$kx" -v m="$mx" -v n="$nx" -v f="$FANOUT" 'BEGIN {
	printf "relay fan-out 1->%d: kenhd %.0f deliveries/s, mosquitto %.0f deliveries/s, ratio %.2f\n", f, k, m, k / m
	printf "relay fan-out 1->%d: kenhd %.0f deliveries/s, nats %.0f deliveries/s, ratio %.2f\n", f, k, n, k / n
}'
