#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# The lint gate (STYLE R17), run by `make lint` after a build:
#   tools/lint.sh BUILD_DIR
# Runs every check below, each a short script in tools/ that prints what it
# found; then prints the RFC tag summary (R11.3). Exit status 1 if any check
# failed. Checks not here yet: clang-tidy and function length (R15.5, R12.1).
set -u
B=${1:?usage: lint.sh BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2

checks=(
	"format:tools/lint-format.sh"
	"headers:tools/lint-headers.sh"
	"layers:tools/lint-layers.sh"
	"exports:tools/lint-exports.sh $B"
	"globals:tools/lint-globals.sh $B"
	"poison:tools/lint-poison.sh"
)
failed=0
for c in "${checks[@]}"; do
	name=${c%%:*}
	echo "== lint $name"
	# shellcheck disable=SC2086 # the command line is split on purpose
	if ${c#*:}; then
		echo "lint $name: ok"
	else
		echo "lint $name: FAILED"
		failed=$((failed + 1))
	fi
done
echo "== RFC tags (R11.3)"
tools/rfc-tags.sh --summary
echo "lint: ${#checks[@]} checks, $failed failed"
[ "$failed" -eq 0 ]
