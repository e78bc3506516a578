#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# R16: every tracked .c and .h file is as clang-format (14, the repo's
# .clang-format) would write it. Prints each file that is not, with
# clang-format's first complaints; exit 1 if any.
set -u
cd "$(dirname "$0")/.." || exit 2
CF=${CLANG_FORMAT:-clang-format}
bad=0 n=0
while IFS= read -r f; do
	n=$((n + 1))
	if ! out=$("$CF" --dry-run -Werror "$f" 2>&1); then
		echo "format: $f: not formatted ($(printf '%s\n' "$out" | grep -c 'error:') places)"
		printf '%s\n' "$out" | grep 'error:' | head -n 3 | sed 's/^/    /'
		bad=$((bad + 1))
	fi
done < <(git ls-files '*.c' '*.h')
echo "format: $n files, $bad not formatted"
[ "$bad" -eq 0 ]
