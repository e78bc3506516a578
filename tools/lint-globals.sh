#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# R7.1: no mutable globals in lib/. Every symbol of BUILD/obj/lib/**/*.o
# that lives in a writable section (.data*, .bss*, .tdata*, .tbss*, common)
# is reported, except:
#   - .data.rel.ro*: const data holding pointers (const char *const x[]),
#     which -fPIC places there; -z relro makes it read-only after loading;
#   - compiler-generated names (.L*, __asan*, __odr_asan*, __ubsan*,
#     __sancov*, ___asan_gen*) from sanitizer builds (ASan gives every
#     external global, const ones too, a writable one-byte ODR indicator);
#   - the allow-list below (object:symbol).
# objdump -t gives the section of each symbol, which nm's one-letter type
# does not: nm shows const pointer tables as 'd' and _Thread_local as 'b'.
#   tools/lint-globals.sh BUILD_DIR
set -u
B=${1:?usage: lint-globals.sh BUILD_DIR}
cd "$(dirname "$0")/.." || exit 2

# lib/util/mem.c: the fault-injection countdown, thread-local, only in
# KENH_FAULT_INJECT (test) builds.
ALLOW="mem.o:fault"

objs=$(find "$B/obj/lib" -name '*.o' 2>/dev/null | sort)
[ -n "$objs" ] || { echo "globals: no objects under $B/obj/lib (build first)"; exit 1; }
bad=0 n=0 allowed=0
for o in $objs; do
	n=$((n + 1))
	# objdump -t: "<addr> <7 flag chars> <section>\t<size> [.hidden] <name>";
	# flag 6 is d for section symbols, flag 7 f for file symbols.
	while IFS=$'\t' read -r sec name; do
		if [[ " $ALLOW " == *" $(basename "$o"):$name "* ]]; then
			allowed=$((allowed + 1))
			continue
		fi
		echo "globals: ${o#"$B"/obj/}: $name in $sec (writable)"
		bad=$((bad + 1))
	done < <(objdump -t "$o" | awk '
		/^[0-9a-f]+ / && index($0, "\t") {
			flags = substr($0, 18, 7)
			if (substr(flags, 6, 1) == "d" || substr(flags, 7, 1) == "f") next
			split(substr($0, 26), a, "\t")
			sec = a[1]; m = split(a[2], b, " "); name = b[m]
			if (sec !~ /^(\.data|\.bss|\.tdata|\.tbss)(\.|$)/ && sec != "*COM*") next
			if (sec ~ /^\.data\.rel\.ro/) next
			if (name ~ /^(\.L|__asan|__odr_asan|___asan_gen|__ubsan|__sancov)/) next
			print sec "\t" name
		}')
done
echo "globals: $n objects, $bad writable symbols, $allowed allow-listed"
[ "$bad" -eq 0 ]
