#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Two and three kenh-mls parties exchanging KeyPackages, Welcomes, Commits
# (adds, updates, removes) and application messages through files, for
# cipher suites 1 and 3 (issue 3 item 4). After every epoch all members'
# `info` must agree on the epoch and on MLS-Exporter("exporter", "", 32);
# add, update and remove print nothing (the issue lists no output); a
# removed member must print removed=true and fail to read later messages;
# every failed command must exit 1 (2 for usage errors) and leave its state
# file byte-identical.
set -u
B=${KENH_BUILD:-$(cd "$(dirname "$0")/../.." && pwd)/build}
M="$B/kenh-mls"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 2
[ -x "$M" ] || { echo "no $M"; exit 1; }

fail() {
	echo "FAIL: $*"
	exit 1
}

# Run a command that must succeed; print its output.
ok() {
	local out
	out=$("$M" "$@" 2>err) || fail "kenh-mls $* exited $?: $(cat err)"
	printf '%s\n' "$out"
}

# Run a command that must exit with status $1 and leave state file $2 unchanged.
must_exit() {
	local want=$1 st=$2 rc
	shift 2
	[ -f "$st" ] && cp "$st" before.st
	"$M" "$@" >/dev/null 2>err
	rc=$?
	[ "$rc" -eq "$want" ] || fail "kenh-mls $* exited $rc, want $want ($(cat err))"
	[ "$(wc -l <err)" -ge 1 ] || fail "kenh-mls $*: no message on stderr"
	if [ -f "$st" ]; then cmp -s "$st" before.st || fail "kenh-mls $* changed $st"; fi
}

field() { # field JSON NAME: a top-level string or number field
	printf '%s' "$1" | sed -n "s/.*\"$2\":\"\{0,1\}\([^\",}]*\).*/\1/p"
}

# Every listed party's info agrees on epoch and exporter (and epoch is $1).
agree() {
	local epoch=$1 ref="" st info e x
	shift
	for st in "$@"; do
		info=$(ok info --state "$st")
		e=$(field "$info" epoch)
		x=$(field "$info" exporter)
		[ "$e" = "$epoch" ] || fail "$st is in epoch $e, want $epoch"
		[ -n "$x" ] || fail "$st has no exporter"
		[ -z "$ref" ] || [ "$x" = "$ref" ] || fail "$st exporter $x differs from $ref"
		ref=$x
	done
}

expect_line() { # expect_line WANT COMMAND...
	local want=$1 got
	shift
	got=$(ok "$@")
	[ "$got" = "$want" ] || fail "kenh-mls $*: printed '$got', want '$want'"
}

# Run a command that must succeed and print nothing (add, update, remove).
quiet() {
	expect_line "" "$@"
}

two_parties() {
	local s=$1
	rm -f ./*.st ./*.kp ./c* ./w* ./m*
	ok keypackage --suite "$s" --identity bob --state bob.st --out bob.kp >/dev/null
	ok create --state alice.st --suite "$s" --identity alice >/dev/null
	agree 0 alice.st
	quiet add --state alice.st --keypackage bob.kp --commit-out c1 --welcome-out w1
	ok join --state bob.st --welcome w1 >/dev/null
	agree 1 alice.st bob.st
	ok send --state alice.st --text "hello bob" --out m1 >/dev/null
	expect_line "hello bob" recv --state bob.st --in m1
	ok send --state bob.st --text "hi alice" --out m2 >/dev/null
	expect_line "hi alice" recv --state alice.st --in m2
	# A message is read once: its key is gone (RFC 9420 §9.2).
	must_exit 1 alice.st recv --state alice.st --in m2
	quiet update --state bob.st --commit-out c2
	expect_line "commit processed epoch=2" recv --state alice.st --in c2
	agree 2 alice.st bob.st
	# A Commit of an old epoch, garbage and a truncated message are refused.
	must_exit 1 alice.st recv --state alice.st --in c1
	head -c 1000 /dev/urandom >junk
	must_exit 1 alice.st recv --state alice.st --in junk
	head -c 40 c2 >short
	must_exit 1 bob.st recv --state bob.st --in short
	must_exit 2 alice.st send --state alice.st --text x
	must_exit 2 alice.st frobnicate --state alice.st
	quiet remove --state alice.st --member bob --commit-out c3
	expect_line "commit processed epoch=3 removed=true" recv --state bob.st --in c3
	[ "$(field "$(ok info --state bob.st)" removed)" = true ] || fail "bob not removed"
	agree 3 alice.st
	ok send --state alice.st --text "after bob" --out m3 >/dev/null
	must_exit 1 bob.st recv --state bob.st --in m3
	ok decode --in c3 | grep -q '"wire_format":"public_message"' || fail "decode c3"
	ok decode --in w1 | grep -q '"wire_format":"welcome"' || fail "decode w1"
	ok decode --in bob.kp | grep -q '"identity":"bob"' || fail "decode bob.kp"
}

three_parties() {
	local s=$1
	rm -f ./*.st ./*.kp ./c* ./w* ./m*
	ok keypackage --suite "$s" --identity bob --state bob.st --out bob.kp >/dev/null
	ok keypackage --suite "$s" --identity carol --state carol.st --out carol.kp >/dev/null
	ok keypackage --suite "$s" --identity alice --state alice.st --out alice.kp >/dev/null
	ok create --state alice.st --group-id-hex 0011223344556677 >/dev/null
	quiet add --state alice.st --keypackage bob.kp,carol.kp --commit-out c1 --welcome-out w1
	ok join --state bob.st --welcome w1 >/dev/null
	ok join --state carol.st --welcome w1 >/dev/null
	agree 1 alice.st bob.st carol.st
	[ "$(field "$(ok info --state carol.st)" group_id)" = 0011223344556677 ] ||
		fail "group id"
	ok send --state carol.st --text "from carol" --out m1 >/dev/null
	expect_line "from carol" recv --state alice.st --in m1
	expect_line "from carol" recv --state bob.st --in m1
	quiet update --state carol.st --commit-out c2
	expect_line "commit processed epoch=2" recv --state alice.st --in c2
	expect_line "commit processed epoch=2" recv --state bob.st --in c2
	agree 2 alice.st bob.st carol.st
	quiet update --state alice.st --commit-out c3
	expect_line "commit processed epoch=3" recv --state bob.st --in c3
	expect_line "commit processed epoch=3" recv --state carol.st --in c3
	agree 3 alice.st bob.st carol.st
	quiet remove --state bob.st --member carol --commit-out c4
	expect_line "commit processed epoch=4" recv --state alice.st --in c4
	expect_line "commit processed epoch=4 removed=true" recv --state carol.st --in c4
	agree 4 alice.st bob.st
	ok send --state bob.st --text "without carol" --out m2 >/dev/null
	expect_line "without carol" recv --state alice.st --in m2
	must_exit 1 carol.st recv --state carol.st --in m2
	# Carol comes back with a new KeyPackage.
	ok keypackage --suite "$s" --identity carol --state carol2.st --out carol2.kp >/dev/null
	quiet add --state alice.st --keypackage carol2.kp --commit-out c5 --welcome-out w5
	expect_line "commit processed epoch=5" recv --state bob.st --in c5
	ok join --state carol2.st --welcome w5 >/dev/null
	agree 5 alice.st bob.st carol2.st
	# A KeyPackage already in the group cannot be added twice (RFC 9420 §12.2).
	must_exit 1 alice.st add --state alice.st --keypackage carol2.kp --commit-out c6 \
		--welcome-out w6
}

for s in 1 3; do
	echo "suite $s: two parties"
	two_parties "$s"
	echo "suite $s: three parties"
	three_parties "$s"
done
echo "kenh_mls_parties: ok"
