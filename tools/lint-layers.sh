#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# R1.1 / R13.3 / R13.4, from the #include lines of tracked files:
#   - lib/ layers, bottom up: util <- crypto <- codec <- hpke <- mls <- proto
#     <- client. A lib/X file includes "util/...", the public "kenh/..."
#     headers, headers of its own directory, and headers of layers below X;
#   - lib/Y/*_int.h is included only from lib/Y (R13.3);
#   - <openssl/...> only in lib/crypto;
#   - include/kenh (public) includes only "kenh/..." and no OpenSSL,
#     libevent, SQLite, libpq or Argon2 header.
# Prints file:line and the rule for each violation.
set -u
cd "$(dirname "$0")/.." || exit 2
LAYERS=(util crypto codec hpke mls proto client)
bad=0 n=0

rank() {
	local i
	for i in "${!LAYERS[@]}"; do
		[ "${LAYERS[$i]}" = "$1" ] && { echo "$i"; return; }
	done
	echo -1
}

report() {
	echo "layers: $1"
	bad=$((bad + 1))
}

check_lib_include() { # file module rank line target
	local f=$1 mod=$2 r=$3 ln=$4 inc=$5 dir
	case "$inc" in
	'<openssl/'*)
		[ "$mod" = crypto ] || report "$f:$ln: $inc outside lib/crypto"
		return ;;
	'<'*) return ;;
	esac
	inc=${inc#\"} inc=${inc%\"}
	case "$inc" in */*) ;; *) return ;; esac # own directory
	dir=${inc%%/*}
	[ "$dir" = kenh ] && return
	if [ "$(rank "$dir")" -lt 0 ]; then
		report "$f:$ln: \"$inc\" is not a lib layer or a public header"
	elif [ "$(rank "$dir")" -gt "$r" ]; then
		report "$f:$ln: \"$inc\": $mod may not include the layer above it, $dir"
	elif [ "$dir" != "$mod" ] && [[ "$inc" == *_int.h ]]; then
		report "$f:$ln: \"$inc\" is internal to lib/$dir"
	fi
}

while IFS= read -r f; do
	n=$((n + 1))
	mod=$(echo "$f" | cut -d/ -f2)
	r=$(rank "$mod")
	if [ "$r" -lt 0 ]; then
		report "$f: lib/$mod is not one of the layers (${LAYERS[*]})"
		continue
	fi
	while IFS=$'\t' read -r ln inc; do
		check_lib_include "$f" "$mod" "$r" "$ln" "$inc"
	done < <(grep -n '^[[:space:]]*#[[:space:]]*include' "$f" |
		sed 's/^\([0-9]*\):[[:space:]]*#[[:space:]]*include[[:space:]]*\([<"][^>"]*[>"]\).*/\1\t\2/')
done < <(git ls-files 'lib/*/*.c' 'lib/*/*.h' 'lib/*.c' 'lib/*.h')

while IFS= read -r f; do
	n=$((n + 1))
	while IFS=$'\t' read -r ln inc; do
		case "$inc" in
		'"kenh/'*) ;;
		'<openssl/'* | '<event2/'* | '<sqlite3.h>' | '<libpq-fe.h>' | '<argon2.h>')
			report "$f:$ln: public header includes $inc (R13.4)" ;;
		'"'*) report "$f:$ln: public header includes $inc, not a kenh/ header" ;;
		esac
	done < <(grep -n '^[[:space:]]*#[[:space:]]*include' "$f" |
		sed 's/^\([0-9]*\):[[:space:]]*#[[:space:]]*include[[:space:]]*\([<"][^>"]*[>"]\).*/\1\t\2/')
done < <(git ls-files 'include/*.h')

echo "layers: $n files, $bad violations"
[ "$bad" -eq 0 ]
