#!/bin/sh
# SPDX-License-Identifier: ISC
# Install exactly the Debian 12 packages Kenh needs to build, test and run.
# Idempotent, and quiet when everything is present. Needs root (or sudo)
# only when something is missing. Benchmarks install their references
# (mosquitto, nats, libolm...) themselves: see bench/.
set -eu

PACKAGES="
build-essential
pkg-config
libssl-dev
openssl
libevent-dev
libsqlite3-dev
sqlite3
python3
libpq-dev
postgresql
libargon2-dev
libcmocka-dev
libjansson-dev
clang-14
clang-format
libclang-rt-14-dev
"

# The MLS interop test runs a ts-mls peer on Node.js (tests/interop); machines that
# already have a node (e.g. from NodeSource) keep it, others get Debian's.
command -v node >/dev/null 2>&1 || PACKAGES="$PACKAGES nodejs npm"

missing=""
for p in $PACKAGES; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

echo "deps: installing:$missing"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "deps: need root to install:$missing" >&2; exit 1; }
	SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done"
