#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Regenerate the seed corpus of fuzz/fuzz_mls_message.c (STYLE R17.8) from
# mls/messages.json: the seven MLSMessage-wrapped fields (Welcome,
# GroupInfo, KeyPackage, PublicMessage with application/proposal/commit
# content, PrivateMessage) of seven cases spread over the file (suites 1,
# 2 and 3), plus a few hand-made messages at the edges of the RFC 9420
# type codes. One binary file per seed; the output is deterministic, so a
# re-run on an unchanged tree leaves git clean. Needs jq.
#   tools/seed-mls.sh        (vectors from $KENH_VECTORS, else ../shared/vectors)
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VEC=${KENH_VECTORS:-$ROOT/../shared/vectors}
F=$VEC/mls/messages.json
D=$ROOT/fuzz/corpus/mls_message

# Write the bytes of a hex string to a file.
hex2file() {
	printf '%b' "$(printf '%s' "$1" | sed 's/../\\x&/g')" >"$2"
}

[ -f "$F" ] || { echo "seed-mls: $F not found" >&2; exit 1; }
rm -rf "$D" && mkdir -p "$D"

fields="mls_welcome mls_group_info mls_key_package public_message_application
public_message_proposal public_message_commit private_message"
for i in 0 50 100 150 200 250 299; do
	for k in $fields; do
		hex2file "$(jq -r ".[$i].$k" "$F")" "$D/case$i-$k"
	done
done

# Edge cases: wire formats 0 and 6, version 2, an empty Welcome (suite 1,
# no secrets, no group info), a PublicMessage with an external sender and
# an application body.
hex2file 0001000000 "$D/edge-wire-format-0"
hex2file 0001000600 "$D/edge-wire-format-6"
hex2file 0002000100 "$D/edge-version-2"
hex2file 0001000300010000 "$D/edge-welcome-empty"
hex2file 0001000101aa000000000000000102000000070001016100 "$D/edge-public-external"
echo "fuzz/corpus/mls_message: $(find "$D" -type f | wc -l) seeds"
