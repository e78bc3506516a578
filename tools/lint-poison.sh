#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# R15.6: the banned functions are compile errors.
#   1. lib/util/compat.h poisons every name of the list below, and raw
#      malloc/calloc/realloc unless KENH_MEM_IMPL is defined;
#   2. a file that includes it and calls one of them fails to compile,
#      while the same file without the call compiles (so the failure is
#      the poison and not something else);
#   3. every tracked .c file includes "util/compat.h", and only
#      lib/util/mem.c defines KENH_MEM_IMPL.
# Prints every name or file that breaks a rule.
set -u
cd "$(dirname "$0")/.." || exit 2
CC=${CC:-cc}
BANNED="strcpy strcat sprintf vsprintf gets strtok atoi atol atoll rand alloca system"
RAW="malloc calloc realloc"
bad=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

compiles() { # body
	printf '#include "util/compat.h"\nvoid f(void);\nvoid f(void)\n{\n%s\n}\n' "$1" >"$tmp/t.c"
	"$CC" -std=c11 -D_DEFAULT_SOURCE -Iinclude -Ilib -fsyntax-only "$tmp/t.c" >"$tmp/out" 2>&1
}

if ! compiles ";"; then
	echo "poison: util/compat.h does not compile on its own:"
	sed 's/^/    /' "$tmp/out" | head -n 5
	exit 1
fi
for fn in $BANNED $RAW; do
	if ! grep -q "pragma GCC poison.*\b$fn\b" lib/util/compat.h; then
		echo "poison: $fn is not in a poison pragma of lib/util/compat.h"
		bad=$((bad + 1))
	fi
	if compiles "(void)&$fn;" || ! grep -q poisoned "$tmp/out"; then
		echo "poison: a call to $fn still compiles"
		bad=$((bad + 1))
	fi
done
n=0
while IFS= read -r f; do
	n=$((n + 1))
	if ! grep -q '^#include "util/compat.h"' "$f"; then
		echo "poison: $f does not include \"util/compat.h\""
		bad=$((bad + 1))
	fi
	if [ "$f" != lib/util/mem.c ] && grep -q 'KENH_MEM_IMPL' "$f"; then
		echo "poison: $f mentions KENH_MEM_IMPL (only lib/util/mem.c may)"
		bad=$((bad + 1))
	fi
done < <(git ls-files '*.c')
echo "poison: $(echo $BANNED $RAW | wc -w) banned names checked, $n .c files, $bad problems"
[ "$bad" -eq 0 ]
