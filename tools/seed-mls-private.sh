#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Regenerate the seed corpus of fuzz/fuzz_mls_private.c (STYLE R17.8) from
# mls/message-protection.json. The target's first byte picks a mode (see
# its header): 0 + the PrivateMessages of suites 1-3 (suite 1's decrypt
# against the target's fixed state), 1 + a content type + the suite 1
# bodies (protect/open round trip), 2 and 3 + hand-made plaintexts sealed
# by the target (3 with SenderData at the edges: blank and unknown leaves,
# generations inside and past the window). One binary file per seed; the
# output is deterministic. Needs jq.
#   tools/seed-mls-private.sh   (vectors from $KENH_VECTORS, else ../shared/vectors)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VEC=${KENH_VECTORS:-$ROOT/../shared/vectors}
F=$VEC/mls/message-protection.json
D=$ROOT/fuzz/corpus/mls_private

# Write the bytes of a hex string to a file.
hex2file() {
	printf '%b' "$(printf '%s' "$1" | sed 's/../\\x&/g')" >"$2"
}

[ -f "$F" ] || { echo "seed-mls-private: $F not found" >&2; exit 1; }
rm -rf "$D" && mkdir -p "$D"

# Content type bytes of the target: 00 application, 01 proposal, 02 commit.
kinds="application:00 proposal:01 commit:02"
for s in 1 2 3; do
	for k in $kinds; do
		name=${k%%:*}
		hex2file "00$(jq -r ".[] | select(.cipher_suite == $s) | .${name}_priv" "$F")" \
			"$D/m0-suite$s-$name"
	done
done
for k in $kinds; do
	name=${k%%:*} ct=${k##*:}
	hex2file "01$ct$(jq -r ".[] | select(.cipher_suite == 1) | .$name" "$F")" "$D/m1-$name"
done

# Plaintexts: body, empty signature (00), commit confirmation tag, zero padding.
app=03616263     # application_data "abc"
remove=000300000002
commit=0000      # no proposals, no path
hex2file "0200${app}000000" "$D/m2-application-padded"
hex2file "0201${remove}0000" "$D/m2-proposal-padded"
hex2file "0202${commit}000000" "$D/m2-commit-padded"
hex2file "0200${app}0001" "$D/m2-application-nonzero-padding"
hex2file "0200" "$D/m2-empty"
# SenderData: leaf_index, generation, reuse_guard.
hex2file "0300000000010000000001020304${app}00" "$D/m3-leaf1-gen0"
hex2file "0300000000000000000001020304${app}00" "$D/m3-leaf0"
hex2file "0300ffffffff0000000001020304${app}00" "$D/m3-leaf-max"
hex2file "030000000001000003e801020304${app}00" "$D/m3-gen1000"
hex2file "030000000001000003e901020304${app}00" "$D/m3-gen1001"
echo "fuzz/corpus/mls_private: $(find "$D" -type f | wc -l) seeds"
