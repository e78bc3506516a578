#!/bin/sh
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# The MLS benchmarks (issue 3 item 5) with their references: installs
# Debian's libolm-dev (Megolm) and libsignal-protocol-c-dev (Double
# Ratchet) when missing, rebuilds the benchmarks so they link them, and
# runs bench_mls_app and bench_mls_group. A reference that is still missing
# afterwards is announced here and printed as "not available" by the
# benchmark, never silently left out. Arguments go to bench_mls_group
# (e.g. --max-members 1000). BUILD selects the build directory (build).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}

# Package, header it provides, pkg-config name.
REFS="libolm-dev:olm/olm.h:olm libsignal-protocol-c-dev:signal/signal_protocol.h:libsignal-protocol-c"

have_ref() {
	[ -f "/usr/include/$2" ] && pkg-config --exists "$3" 2>/dev/null
}

missing=""
for r in $REFS; do
	IFS=: read -r pkg hdr pc <<EOF
$r
EOF
	have_ref "$pkg" "$hdr" "$pc" || missing="$missing $pkg"
done

if [ -n "$missing" ]; then
	echo "run-mls: installing the benchmark references:$missing"
	SUDO=""
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else SUDO=false; fi
	fi
	if [ "$SUDO" = false ]; then
		echo "run-mls: not root and no sudo: cannot install:$missing" >&2
	else
		export DEBIAN_FRONTEND=noninteractive
		# shellcheck disable=SC2086
		if ! { $SUDO apt-get update -qq &&
			$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null; }; then
			echo "run-mls: apt-get failed for:$missing" >&2
		fi
	fi
fi

for r in $REFS; do
	IFS=: read -r pkg hdr pc <<EOF
$r
EOF
	if have_ref "$pkg" "$hdr" "$pc"; then
		echo "run-mls: reference $pkg: present"
	else
		echo "run-mls: REFERENCE MISSING: $pkg (its rows will say \"not available\")"
	fi
done

# The objects test for the headers at compile time: rebuild them so a
# reference installed just now is compiled in and linked.
rm -f "$BUILD"/obj/bench/bench_mls_*.o "$BUILD"/bench/bench_mls_*
make -j2 BUILD="$BUILD" "$BUILD/bench/bench_mls_app" "$BUILD/bench/bench_mls_group"

echo "== $BUILD/bench/bench_mls_app"
"$BUILD/bench/bench_mls_app"
echo "== $BUILD/bench/bench_mls_group $*"
"$BUILD/bench/bench_mls_group" "$@"
