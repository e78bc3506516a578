#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# R11.3: list the spec tags ("RFC 9420 §12.4.2", "RFC 9180 §5.1") in the
# tracked .c and .h files, grouped by RFC and section in section order,
# each with the file:line places that carry it, so a reviewer can see which
# requirements have code and tests.
#   tools/rfc-tags.sh              full listing
#   tools/rfc-tags.sh --summary    tags and distinct sections per RFC
#   tools/rfc-tags.sh 9420 8.2     places for one section (and its subsections)
set -u
cd "$(dirname "$0")/.." || exit 2

# "RFC<TAB>section<TAB>file:line" for every tag, sorted by RFC then section.
tags() {
	git ls-files '*.c' '*.h' | xargs -r grep -noE 'RFC (9420|9180) §[0-9A-Z]+(\.[0-9]+)*' |
		sed -E 's/^([^:]*:[0-9]+):RFC ([0-9]+) §(.*)$/\2\t\3\t\1/' |
		sort -t $'\t' -k1,1n -k2,2V -k3,3V
}

case "${1:-}" in
--summary)
	tags | awk -F '\t' '
		{ n[$1]++; if (!seen[$1 FS $2]++) s[$1]++ }
		END {
			if (length(n) == 0) print "rfc-tags: no tags"
			for (r in n) printf "rfc-tags: RFC %s: %d tags, %d sections\n", r, n[r], s[r]
		}' | sort
	;;
'')
	tags | awk -F '\t' '
		$1 FS $2 != last { printf "RFC %s §%s\n", $1, $2; last = $1 FS $2 }
		{ printf "    %s\n", $3 }'
	;;
*)
	rfc=$1 sec=${2:?usage: rfc-tags.sh [--summary | RFC SECTION]}
	tags | awk -F '\t' -v r="$rfc" -v s="$sec" '
		$1 == r && ($2 == s || index($2, s ".") == 1) { printf "RFC %s §%s  %s\n", $1, $2, $3 }'
	;;
esac
