#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# R13.1: every tracked header compiles on its own, with the R15.2 warnings
# as errors; its include guard is KENH_<DIR>_<FILE>_H (for lib/ and
# other headers; include/kenh/x.h uses KENH_X_H). Public headers
# (include/kenh) must also compile as C++ (R13.4). Prints each failure.
set -u
cd "$(dirname "$0")/.." || exit 2
CC=${CC:-cc}
CXX=${CXX:-g++}
WARN="-Wall -Wextra -Wshadow -Wconversion -Wsign-conversion -Wformat=2 -Wstrict-prototypes
	-Wmissing-prototypes -Wold-style-definition -Wvla -Wcast-qual -Wpointer-arith -Wundef
	-Wimplicit-fallthrough -Wmisleading-indentation -Werror=unused-result"
PKG=$(pkg-config --cflags openssl jansson libevent sqlite3 2>/dev/null)
bad=0 n=0

# The guard a header must use, as an extended regex: KENH_<DIR>_<FILE>_H in
# lib/, KENH_<FILE>_H in include/kenh, KENH_<any prefix>_<FILE>_H elsewhere
# (tests/kat/kat.h uses KENH_TESTS_KAT_H).
guard_of() {
	local h=$1 dir file
	file=$(basename "$h" .h | tr 'a-z-' 'A-Z_')
	dir=$(basename "$(dirname "$h")" | tr 'a-z-' 'A-Z_')
	case "$h" in
	include/kenh/*) echo "KENH_${file}_H" ;;
	lib/*) echo "KENH_${dir}_${file}_H" ;;
	*) echo "KENH_([A-Z0-9_]+_)?${file}_H" ;;
	esac
}

while IFS= read -r h; do
	n=$((n + 1))
	# shellcheck disable=SC2086
	if ! out=$("$CC" -std=c11 -D_DEFAULT_SOURCE $WARN -Werror -Iinclude -Ilib -Itests/lib \
		$PKG -fsyntax-only -x c "$h" 2>&1); then
		echo "headers: $h does not compile alone:"
		printf '%s\n' "$out" | head -n 5 | sed 's/^/    /'
		bad=$((bad + 1))
		continue
	fi
	g=$(guard_of "$h")
	if ! grep -Eq "^#ifndef $g\$" "$h" || ! grep -Eq "^#define $g\$" "$h"; then
		echo "headers: $h: include guard is not $g"
		bad=$((bad + 1))
	fi
	case "$h" in include/kenh/*)
		if ! out=$("$CXX" -std=c++11 -Iinclude -fsyntax-only -x c++ "$h" 2>&1); then
			echo "headers: $h does not compile as C++:"
			printf '%s\n' "$out" | head -n 5 | sed 's/^/    /'
			bad=$((bad + 1))
		fi ;;
	esac
done < <(git ls-files '*.h')
echo "headers: $n headers, $bad problems"
[ "$bad" -eq 0 ]
