#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Regenerate the seed corpus of fuzz/fuzz_ratchet_tree.c (STYLE R17.8) from
# mls/tree-validation.json: every tree shape of suite 1 (14 cases) and the
# first three of suites 2 and 3, each prefixed with the suite byte the
# target reads first (suite = 1 + byte % 3), plus hand-made trees at the
# edges of RFC 9420 §12.4.3.3 (no node, a parent at a leaf position, a
# presence byte of 2, vectors cut short). One binary file per seed; the
# output is deterministic, so a re-run leaves git clean. Needs jq.
#   tools/seed-tree.sh        (vectors from $KENH_VECTORS, else ../shared/vectors)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VEC=${KENH_VECTORS:-$ROOT/../shared/vectors}
F=$VEC/mls/tree-validation.json
D=$ROOT/fuzz/corpus/ratchet_tree

# Write the bytes of a hex string to a file.
hex2file() {
	printf '%b' "$(printf '%s' "$1" | sed 's/../\\x&/g')" >"$2"
}

[ -f "$F" ] || { echo "seed-tree: $F not found" >&2; exit 1; }
rm -rf "$D" && mkdir -p "$D"

n=$(jq length "$F")
for ((i = 0; i < n; i++)); do
	suite=$(jq -r ".[$i].cipher_suite" "$F")
	[ "$suite" -le 3 ] || continue
	k=$(jq "[.[:$i][] | select(.cipher_suite == $suite)] | length" "$F")
	[ "$suite" -eq 1 ] || [ "$k" -lt 3 ] || continue
	hex2file "$(printf '%02x' $((suite - 1)))$(jq -r ".[$i].tree" "$F")" "$D/suite$suite-case$i"
done

# Edge cases (suite byte 00). The ParentNode is key 01 aa, no parent hash,
# no unmerged leaves.
hex2file 0000 "$D/edge-empty"
hex2file 00060102 "$D/edge-vector-short"
hex2file 0006010201aa0000 "$D/edge-parent-at-leaf"
hex2file 000102 "$D/edge-presence-2"
hex2file 000101 "$D/edge-truncated-node"
echo "fuzz/corpus/ratchet_tree: $(find "$D" -type f | wc -l) seeds"
