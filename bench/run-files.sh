#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# End-to-end file transfer throughput (issue 6 item 4): a file of
# FILES_MIB MiB (256 by default) sent with kenh send-file through a real
# kenhd on 127.0.0.1 (chunked AES-256-GCM, BLOB_PUT of 256 KiB each made
# durable in SQLite with synchronous=FULL before the answer) and fetched
# with kenh get-file, against the reference of the same bytes pushed once
# over TLS 1.3 on 127.0.0.1 with openssl s_client to openssl s_server
# (no encryption at rest, no storage, no acknowledgements). Prints MiB/s
# for each and the ratios. Uses the integration helpers
# (tests/integ/lib.sh, lib_kenh.sh); KENH_BUILD picks the programs (build).
. "$(dirname "$0")/../tests/integ/lib.sh"
. "$(dirname "$0")/../tests/integ/lib_kenh.sh"

MIB=${FILES_MIB:-256}
now() { date +%s.%N; }
rate() { awk -v b="$1" -v s="$2" -v e="$3" 'BEGIN { printf "%.1f", b / 1048576 / (e - s) }'; }

org_start
enroll_devices alice:alice:tb/pc02 bob:bob:tb/pc02
k alice group create ops >/dev/null || fatal "group create"
k alice group add ops user:bob >/dev/null || fatal "group add"
k bob sync >/dev/null 2>&1 || fatal "bob sync"
openssl enc -aes-128-ctr -nosalt -pbkdf2 -pass pass:kenh-bench </dev/zero 2>/dev/null |
	head -c $((MIB * 1048576)) >"$TMP/f.bin"
BYTES=$((MIB * 1048576))

t0=$(now)
id=$(k alice --quiet send-file ops "$TMP/f.bin") || fatal "send-file"
t1=$(now)
k bob sync >/dev/null 2>&1 || fatal "bob sync"
t2=$(now)
k bob --quiet get-file ops "$id" --out "$TMP/f.out" >/dev/null || fatal "get-file"
t3=$(now)
cmp -s "$TMP/f.bin" "$TMP/f.out" || fatal "the file came back different"

# The reference: the same bytes once over TLS 1.3 between openssl's own programs.
P=$(free_port)
# s_server stops at the end of its standard input: give it one that stays open.
exec 5< <(sleep 300)
PIDS+=("$!")
openssl s_server -accept "127.0.0.1:$P" -cert "$PKI/relay-cert.pem" -key "$PKI/relay-key.pem" \
	-tls1_3 -naccept 1 -quiet <&5 >"$TMP/s.out" 2>/dev/null &
PIDS+=("$!")
sleep 1 # a probe connection would count against -naccept 1
# The client keeps the connection after its input ends (-quiet): time until
# the server has written every byte, then stop the client.
t4=$(now)
openssl s_client -connect "127.0.0.1:$P" -tls1_3 -quiet <"$TMP/f.bin" >/dev/null 2>&1 &
CPID=$!
PIDS+=("$CPID")
while [ "$(stat -c %s "$TMP/s.out")" -lt $BYTES ] && kill -0 "$CPID" 2>/dev/null; do
	sleep 0.05
done
t5=$(now)
got=$(stat -c %s "$TMP/s.out")

up=$(rate $BYTES "$t0" "$t1")
down=$(rate $BYTES "$t2" "$t3")
ref=$(rate "$got" "$t4" "$t5")
echo "file $MIB MiB, programs from $KENH_BUILD"
echo "kenh send-file through kenhd:   $up MiB/s"
echo "kenh get-file through kenhd:    $down MiB/s"
echo "openssl s_client -> s_server:   $ref MiB/s ($got bytes)"
awk -v u="$up" -v d="$down" -v r="$ref" \
	'BEGIN { printf "ratio kenh/openssl: upload %.3f, download %.3f\n", u / r, d / r }'
finish
