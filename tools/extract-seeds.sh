#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Regenerate the committed fuzz seed corpora (STYLE R17.8): seeds taken
# from the official vectors plus hand-made edge cases, one small binary
# file per seed. Run from anywhere; the output is deterministic, so a
# re-run on an unchanged tree leaves git clean.
#   tools/extract-seeds.sh [codec ...]     (default: every target below)
# Needs jq. Vectors come from $KENH_VECTORS, else ../shared/vectors.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
VEC=${KENH_VECTORS:-$ROOT/../shared/vectors}

# Write the bytes of a hex string to a file.
hex2file() {
	local hex=$1 out=$2
	printf '%b' "$(printf '%s' "$hex" | sed 's/../\\x&/g')" >"$out"
}

# Seeds for fuzz/fuzz_codec.c. Operation bytes of its program view:
# kind = byte % 13 (0 u8, 1 u16, 2 u32, 3 u64, 4 varint, 5 opaque,
# 6 opaque_fixed, 7 optional, 8 fixed, 9 bytes, 10 open vector, 11 close,
# 12 done), parameter = byte / 13.
seeds_codec() {
	local d=$ROOT/fuzz/corpus/codec f i n hdr len body
	f=$VEC/mls/deserialization.json
	[ -f "$f" ] || { echo "extract-seeds: $f not found" >&2; exit 1; }
	rm -rf "$d" && mkdir -p "$d"

	# RFC 9420 §2.1.2 headers from mls/deserialization.json: the header
	# alone, and for short lengths header plus a body (a whole opaque<V>).
	n=$(jq length "$f")
	for ((i = 0; i < n; i++)); do
		hdr=$(jq -r ".[$i].vlbytes_header" "$f")
		len=$(jq -r ".[$i].length" "$f")
		hex2file "$hdr" "$d/deser-$i-header"
		if [ "$len" -le 255 ]; then
			body=$(printf '%*s' "$((2 * len))" '' | tr ' ' '5')
			hex2file "$hdr$body" "$d/deser-$i-opaque"
		fi
	done

	# Varint edge cases: each width's bounds, non-minimal forms, the 11 prefix.
	hex2file 3f "$d/varint-1-max"
	hex2file 4040 "$d/varint-2-min"
	hex2file 7fff "$d/varint-2-max"
	hex2file 80004000 "$d/varint-4-min"
	hex2file bfffffff "$d/varint-4-max"
	hex2file 4000 "$d/varint-2-nonminimal-0"
	hex2file 403f "$d/varint-2-nonminimal-63"
	hex2file 80000000 "$d/varint-4-nonminimal-0"
	hex2file 80003fff "$d/varint-4-nonminimal-16383"
	hex2file c0 "$d/varint-prefix-11"
	hex2file ffffffff "$d/varint-prefix-11-long"

	# Nested vectors: vector<vector<opaque<V>>> (the nested view).
	hex2file 0604026162000000 "$d/nested-two-levels"
	hex2file 0000 "$d/nested-empty"
	hex2file "40403f$(printf '00%.0s' {1..63})" "$d/nested-inner-63-outer-64"
	hex2file 05020161 "$d/nested-truncated"

	# Programs (the program view): every operation once with a valid
	# operand, then nesting, then the decoder's negative cases.
	local p=
	p+=0011                 # u8
	p+=012233               # u16
	p+=0200000001           # u32
	p+=030000000000000001   # u64
	p+=044040               # varint 64
	p+=c8026162             # opaque, max 2^30-1 (200 = 5 + 13 * 15)
	p+=06017a               # opaque_fixed, 1-byte length
	p+=0701                 # optional, present
	p+=22aabb               # fixed, 2 bytes (34 = 8 + 13 * 2)
	p+=30010203             # bytes, 3 (48 = 9 + 13 * 3)
	p+=cd04044040           # open a vector (205 = 10 + 13 * 15), varint inside
	p+=0c                   # done, inside the child
	p+=0b0c                 # close at the top (no-op), done
	hex2file "$p" "$d/program-every-op"
	hex2file cd07cd05cd030440400c "$d/program-nested-3"
	hex2file cd030b0000 "$d/program-close-leftover"
	hex2file 0702 "$d/program-presence-2"
	hex2file c8056162 "$d/program-opaque-truncated"
	hex2file 050161 "$d/program-opaque-one-over-max-0"
}

# Seeds for fuzz/fuzz_hpke.c: suite byte || enc || aad length byte || aad
# || ct. The target's recipient for suite byte 0..3 is that of the
# base-mode case of (X25519 | P-256) x (AES-128-GCM | ChaCha20Poly1305), so
# encryptions[0] of that case opens; the rest exercise the failure paths.
seeds_hpke() {
	local d=$ROOT/fuzz/corpus/hpke f sel sel_case kem aead c enc aad ct alen zero
	f=$VEC/hpke/test-vectors-subset.json
	[ -f "$f" ] || { echo "extract-seeds: $f not found" >&2; exit 1; }
	rm -rf "$d" && mkdir -p "$d"
	for sel in 0 1 2 3; do
		kem=$((sel < 2 ? 32 : 16))
		aead=$((sel % 2 ? 3 : 1))
		sel_case=".mode == 0 and .kem_id == $kem and .kdf_id == 1 and .aead_id == $aead"
		c=$(jq -c "[.[] | select($sel_case)][0]" "$f")
		enc=$(jq -r .enc <<<"$c")
		aad=$(jq -r '.encryptions[0].aad' <<<"$c")
		ct=$(jq -r '.encryptions[0].ct' <<<"$c")
		alen=$(printf '%02x' $((${#aad} / 2)))
		zero=$(printf '00%.0s' $(seq $((${#enc} / 2))))
		hex2file "0$sel$enc$alen$aad$ct" "$d/s$sel-opens"
		hex2file "0$sel$enc$alen$aad$(jq -r '.encryptions[1].ct' <<<"$c")" "$d/s$sel-seq1"
		hex2file "0$sel$zero$alen$aad$ct" "$d/s$sel-enc-zero"
		hex2file "0$sel$enc$alen$aad${ct:0:$((${#ct} - 16))}" "$d/s$sel-tag-cut"
		hex2file "0$sel$enc" "$d/s$sel-no-ct"
		hex2file "0$sel${enc:0:20}" "$d/s$sel-enc-cut"
	done
	# P-256 with the compressed-point prefix in place of 0x04.
	hex2file "0203${enc:2}$alen$aad$ct" "$d/s2-enc-prefix-03"
}

targets=${*:-codec hpke}
for t in $targets; do
	"seeds_$t"
	echo "fuzz/corpus/$t: $(find "$ROOT/fuzz/corpus/$t" -type f | wc -l) seeds"
done
