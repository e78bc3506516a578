#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Regenerate the seed corpus of fuzz/fuzz_mls_group.c (STYLE R17.8) from
# the case of mls/passive-client-handling-commit.json that the target
# joins (the last suite-1 case): the second epoch's Commit, which is valid
# against the target's state, its proposals (valid again: they are stored
# already), the first epoch's Commit (one epoch late) and the Welcome (not
# a group message). Deterministic; needs jq.
#   tools/seed-mls-group.sh  (vectors from $KENH_VECTORS, else ../shared/vectors)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VEC=${KENH_VECTORS:-$ROOT/../shared/vectors}
F=$VEC/mls/passive-client-handling-commit.json
D=$ROOT/fuzz/corpus/mls_group

hex2file() {
	printf '%b' "$(printf '%s' "$1" | sed 's/../\\x&/g')" >"$2"
}

[ -f "$F" ] || { echo "seed-mls-group: $F not found" >&2; exit 1; }
rm -rf "$D" && mkdir -p "$D"
C='[.[] | select(.cipher_suite == 1)] | last'
hex2file "$(jq -r "$C | .epochs[1].commit" "$F")" "$D/epoch1-commit"
hex2file "$(jq -r "$C | .epochs[0].commit" "$F")" "$D/epoch0-commit-stale"
hex2file "$(jq -r "$C | .welcome" "$F")" "$D/welcome"
n=$(jq -r "$C | .epochs[1].proposals | length" "$F")
for i in $(seq 0 $((n - 1))); do
	hex2file "$(jq -r "$C | .epochs[1].proposals[$i]" "$F")" "$D/epoch1-proposal-$i"
done
echo "fuzz/corpus/mls_group: $(find "$D" -type f | wc -l) seeds"
