#!/bin/bash
# SPDX-License-Identifier: ISC
# `make demo`. Until the client exists (issue 6), the demo runs the
# known-answer runner over every official vector file we support, so a
# newcomer sees the foundation proven on vectors we did not write.
set -u
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
V=${KENH_VECTORS:-$ROOT/../shared/vectors}
[ -d "$V" ] && V=$(cd "$V" && pwd)
echo "Kenh demo: the relay and client are not built yet (see the open issues);"
echo "this runs build/kenh-vectors over the official test vectors in $V."
if [ ! -d "$V" ]; then
	echo "demo: vector folder $V not found (set KENH_VECTORS)" >&2
	exit 1
fi
files=()
while read -r name; do
	f=$(find "$V" -name "$name" -type f | head -n1)
	[ -n "$f" ] && files+=("$f")
done < <("$B/kenh-vectors" --list)
exec "$B/kenh-vectors" "${files[@]}"
