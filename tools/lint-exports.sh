#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# R2.1: libkenh is built with -fvisibility=hidden and exports only what
# KENH_API marks, so every defined dynamic symbol of BUILD/libkenh.so
# starts with kenh_. Prints each symbol that does not.
#   tools/lint-exports.sh BUILD_DIR
set -u
B=${1:?usage: lint-exports.sh BUILD_DIR}
cd "$(dirname "$0")/.." || exit 2
SO=$B/libkenh.so
[ -f "$SO" ] || { echo "exports: $SO not found (build first)"; exit 1; }
syms=$(nm -D --defined-only "$SO" | awk 'NF >= 3 { print $3 }')
n=$(printf '%s\n' "$syms" | grep -c .)
bad=$(printf '%s\n' "$syms" | grep -v '^kenh_' | grep .)
if [ -n "$bad" ]; then
	printf '%s\n' "$bad" | sed 's/^/exports: not kenh_: /'
fi
echo "exports: $n exported symbols, $(printf '%s\n' "$bad" | grep -c .) without the kenh_ prefix"
[ -z "$bad" ]
