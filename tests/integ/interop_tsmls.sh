#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Interoperability of kenh-mls with ts-mls (a TypeScript RFC 9420
# implementation) through files, in both directions, for cipher suites 1
# and 3 (issue 3, "How it will be checked"). tests/interop/tsmls-party.mjs
# speaks kenh-mls's command line over ts-mls, so every scenario below is
# written once over roles and played with either implementation in either
# role: KeyPackages, Welcomes (ratchet_tree extension), commits as
# PublicMessage (adds, several adds in one commit, empty update commits,
# removals, removal of the receiver) and application data as PrivateMessage.
# Every plaintext, every "commit processed" line, and after every epoch the
# `info` of every member (epoch, members, MLS-Exporter("exporter", "", 32))
# must match exactly; add, update and remove print nothing (issue 3's
# command list gives them no output).
#
# A failing step prints the command, its output, the files it read, and
# both implementations' `decode` of each; the scenario's folder (states and
# messages) is kept under $KENH_BUILD/test-logs/interop_tsmls/.
#
#   KENH_BUILD       build folder holding kenh-mls (default build/asan)
#   INTEROP_PEERS    cross (default): kenh-mls against ts-mls;
#                    tsmls: ts-mls in both roles (checks this harness);
#                    kenh: kenh-mls in both roles
#   INTEROP_SUITES   cipher suites to run (default "1 3")
#   INTEROP_ONLY     run only the scenarios whose name matches this glob,
#                    e.g. 's1-three-mixed-kenh-*'
#   VERBOSE=1        print every step
#
# Needs node and npm: ts-mls 1.6.4 asks for Node.js 20; Debian 12's 18 works
# too (the peer supplies the global WebCrypto that 18 lacks; 18 then warns
# on stderr that Ed25519 and X25519 are experimental). Installs the pinned
# packages with `npm ci` when tests/interop/node_modules is missing.
# The helpers stay local: tests/integ/lib.sh is not on main yet, and the
# relay's version needs kenhd.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 2
KENH_BUILD=${KENH_BUILD:-$ROOT/build/asan}
KENH_MLS=$KENH_BUILD/kenh-mls
PEER_DIR=$ROOT/tests/interop
TSMLS=$PEER_DIR/tsmls-party.mjs
PEERS=${INTEROP_PEERS:-cross}
SUITES=${INTEROP_SUITES:-1 3}
VERBOSE=${VERBOSE:-0}
TEST_NAME=interop_tsmls
KEEP_DIR=$KENH_BUILD/test-logs/$TEST_NAME
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}

T=$(mktemp -d /tmp/kenh-interop.XXXXXX)
trap 'rm -rf "$T"' EXIT

verbose() {
	[ "$VERBOSE" = 1 ] && echo "  $*"
	return 0
}

# Stop the whole script: something outside the scenarios is wrong.
fatal() {
	echo "FAIL: $TEST_NAME: $*"
	exit 1
}

# --- prerequisites: never pass silently without them ---

command -v node >/dev/null 2>&1 ||
	fatal "node not found: install Node.js >= 20 with npm (ts-mls is the interop peer)"
command -v npm >/dev/null 2>&1 ||
	fatal "npm not found: install npm (it installs the pinned ts-mls in tests/interop)"
node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 18 ? 0 : 1)' ||
	fatal "node $(node --version) is too old: the ts-mls peer needs Node.js >= 18 (20 advised)"
if [ ! -d "$PEER_DIR/node_modules/ts-mls" ]; then
	echo "$TEST_NAME: installing the pinned ts-mls (npm ci)"
	(cd "$PEER_DIR" && npm ci --no-audit --no-fund) || fatal "npm ci in tests/interop failed"
fi
case "$PEERS" in
cross | kenh) [ -x "$KENH_MLS" ] || fatal "$KENH_MLS not built (make MODE=asan, or set KENH_BUILD)" ;;
tsmls) ;;
*) fatal "INTEROP_PEERS must be cross, tsmls or kenh, not '$PEERS'" ;;
esac

# The implementation behind a role letter: k is kenh-mls, t is ts-mls,
# unless INTEROP_PEERS puts one implementation in both roles.
impl_of() {
	case "$PEERS:$1" in
	cross:k | kenh:*) echo kenh ;;
	*) echo tsmls ;;
	esac
}

# party IMPL ARGS...: run one implementation's command.
party() {
	local impl=$1
	shift
	if [ "$impl" = kenh ]; then "$KENH_MLS" "$@"; else node "$TSMLS" "$@"; fi
}

# --- per-scenario bookkeeping ---
# A scenario runs in a subshell in its own folder $D; the first failing step
# reports and exits that subshell with status 1.

D=
declare -A IMPL=() # party name -> implementation
SUITE=

# Describe a file with both implementations' decoders.
decode_both() {
	local f=$1 impl out
	for impl in kenh tsmls; do
		[ "$impl" = kenh ] && [ ! -x "$KENH_MLS" ] && continue
		out=$(party "$impl" decode --in "$f" 2>&1)
		printf '%s\n' "$out" >"$f.decode-$impl.json"
		echo "    --- $impl decode $(basename "$f") ($(wc -c <"$f") bytes; first bytes $(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')):"
		printf '%s\n' "$out" | head -n 60 | sed 's/^/      /'
	done
}

# The failing step: what ran, what it said, the files it read, decoded.
step_failed() {
	local who=$1 why=$2
	shift 2
	local a f
	echo "FAIL: $TEST_NAME [$SCEN]: $who ($(impl_of_party "$who")): $why"
	echo "    command: $*"
	[ -s "$D/.out" ] && sed 's/^/    stdout: /' "$D/.out" | head -n 20
	[ -s "$D/.err" ] && sed 's/^/    stderr: /' "$D/.err" | head -n 20
	for a in "$@"; do
		for f in ${a//,/ }; do
			case "$f" in "$D"/*) [ -f "$f" ] && [ "${f%.st}" = "$f" ] && decode_both "$f" ;; esac
		done
	done
	mkdir -p "$KEEP_DIR"
	rm -rf "${KEEP_DIR:?}/$SCEN"
	cp -r "$D" "$KEEP_DIR/$SCEN"
	echo "    files kept in $KEEP_DIR/$SCEN"
	exit 1
}

impl_of_party() { echo "${IMPL[$1]}"; }

# run WHO ARGS...: run party WHO's command; it must exit 0. Output in $D/.out.
run() {
	local who=$1 rc
	shift
	verbose "$who (${IMPL[$who]}): $*"
	party "${IMPL[$who]}" "$@" >"$D/.out" 2>"$D/.err"
	rc=$?
	[ "$rc" -eq 0 ] || step_failed "$who" "exit status $rc" "$@"
}

# expect WHO WANT ARGS...: like run, and stdout must be exactly WANT.
expect() {
	local who=$1 want=$2 got
	shift 2
	run "$who" "$@"
	got=$(cat "$D/.out")
	[ "$got" = "$want" ] || step_failed "$who" "printed '$got', expected '$want'" "$@"
}

# reject WHO ARGS...: the command must fail with status 1 (an MLS error,
# not a crash or a usage error) and leave WHO's state file as it was.
reject() {
	local who=$1 rc before after
	shift
	verbose "$who (${IMPL[$who]}) must reject: $*"
	before=$(cksum <"$D/$who.st")
	party "${IMPL[$who]}" "$@" >"$D/.out" 2>"$D/.err"
	rc=$?
	after=$(cksum <"$D/$who.st")
	[ "$rc" -eq 1 ] || step_failed "$who" "exit status $rc, expected 1 (rejected)" "$@"
	[ "$before" = "$after" ] || step_failed "$who" "rejected, but the state file changed" "$@"
}

# flipped IN OUT: OUT is IN with its last byte's low bit flipped (the end
# of a PublicMessage's membership tag or of a PrivateMessage's AEAD tag).
flipped() {
	local n last
	n=$(wc -c <"$1")
	last=$(tail -c 1 "$1" | od -An -tu1 | tr -d ' ')
	head -c $((n - 1)) "$1" >"$2"
	# shellcheck disable=SC2059 # the format is the escaped byte itself
	printf "\\x$(printf %02x $((last ^ 1)))" >>"$2"
}

# new_party NAME ROLE: a member played by the implementation of ROLE (k, t).
new_party() {
	IMPL[$1]=$(impl_of "$2")
}

# keypackage NAME: NAME makes a KeyPackage, $D/NAME.kp, with identity NAME.
keypackage() {
	run "$1" keypackage --suite "$SUITE" --identity "$1" --state "$D/$1.st" --out "$D/$1.kp"
}

# send FROM TEXT TO...: FROM encrypts TEXT; each of TO must print it exactly.
N=0
send() {
	local from=$1 text=$2 to
	shift 2
	N=$((N + 1))
	run "$from" send --state "$D/$from.st" --text "$text" --out "$D/m$N"
	for to in "$@"; do
		expect "$to" "$text" recv --state "$D/$to.st" --in "$D/m$N"
	done
}

# commit_seen FILE EPOCH TO...: each of TO processes commit FILE and
# reports the new epoch.
commit_seen() {
	local f=$1 epoch=$2 to
	shift 2
	for to in "$@"; do
		expect "$to" "commit processed epoch=$epoch" recv --state "$D/$to.st" --in "$f"
	done
}

# same_info EPOCH "leaf:identity ..." NAME...: every NAME's info shows EPOCH,
# exactly these members, and one exporter value for all.
same_info() {
	local epoch=$1 members=$2 who first="" got
	shift 2
	for who in "$@"; do
		run "$who" info --state "$D/$who.st"
		got=$(node -e '
			let s = ""; process.stdin.on("data", (c) => (s += c)).on("end", () => {
				let j;
				try { j = JSON.parse(s); } catch (e) { console.log("not JSON: " + e.message); process.exit(1); }
				const m = (j.members ?? []).map((x) => x.leaf + ":" + x.identity).join(" ");
				console.log("epoch=" + j.epoch + " members=" + m + " exporter=" + String(j.exporter).toLowerCase());
			});' <"$D/.out") || step_failed "$who" "info: $got" info --state "$D/$who.st"
		case "$got" in
		"epoch=$epoch members=$members exporter="*) ;;
		*) step_failed "$who" "info shows '$got'; expected epoch=$epoch members=$members" \
			info --state "$D/$who.st" ;;
		esac
		if [ -z "$first" ]; then
			first=$got
		elif [ "$got" != "$first" ]; then
			step_failed "$who" "exporter differs: '$got' against '$first' of $1" info --state "$D/$who.st"
		fi
	done
	verbose "epoch $epoch: $# members agree: ${first##*exporter=}"
}

# --- scenarios, written over roles ---

# (a) A creates the group and adds B; messages both ways; B commits an
# update, A processes it; A commits an update, B processes it.
scen_create_add_update() {
	new_party alice "$1"
	new_party bob "$2"
	keypackage bob
	run alice create --state "$D/alice.st" --suite "$SUITE" --identity alice --group-id-hex 6b656e682d696e7465726f70
	same_info 0 "0:alice" alice
	expect alice "" add --state "$D/alice.st" --keypackage "$D/bob.kp" --commit-out "$D/c1" --welcome-out "$D/w1"
	run bob join --state "$D/bob.st" --welcome "$D/w1"
	same_info 1 "0:alice 1:bob" alice bob
	send alice "hello bob, from alice" bob
	send bob "hello alice, from bob" alice
	run bob send --state "$D/bob.st" --text "second from bob" --out "$D/m-bob"
	flipped "$D/m-bob" "$D/m-bob.bad"
	reject alice recv --state "$D/alice.st" --in "$D/m-bob.bad"
	expect alice "second from bob" recv --state "$D/alice.st" --in "$D/m-bob"
	expect bob "" update --state "$D/bob.st" --commit-out "$D/c2"
	flipped "$D/c2" "$D/c2.bad"
	reject alice recv --state "$D/alice.st" --in "$D/c2.bad"
	commit_seen "$D/c2" 2 alice
	same_info 2 "0:alice 1:bob" alice bob
	send alice "after bob's update" bob
	# Out of order within an epoch (RFC 9420 §9.2): generation 2 before 1.
	run alice send --state "$D/alice.st" --text "first of two" --out "$D/m-a1"
	run alice send --state "$D/alice.st" --text "second of two" --out "$D/m-a2"
	expect bob "second of two" recv --state "$D/bob.st" --in "$D/m-a2"
	expect bob "first of two" recv --state "$D/bob.st" --in "$D/m-a1"
	expect alice "" update --state "$D/alice.st" --commit-out "$D/c3"
	commit_seen "$D/c3" 3 bob
	same_info 3 "0:alice 1:bob" alice bob
	send bob "after alice's update" alice
	send alice "épreuve ✓ unicode" bob
	send bob "$(printf 'long message %04d ' $(seq 1 150))" alice
}

# (b) A creates and adds B and C in one commit (C's KeyPackage bare);
# messages both ways; A removes C, who reports removed=true; B removes A,
# who reports it too; B adds D (A's kind), who lands in A's blank leaf.
scen_two_adds_removals() {
	new_party alice "$1"
	new_party bob "$2"
	new_party carol "$2"
	new_party dave "$1"
	keypackage bob
	keypackage carol
	# A bare KeyPackage (no MLSMessage header) must be accepted too.
	tail -c +5 "$D/carol.kp" >"$D/carol.bare.kp"
	run alice create --state "$D/alice.st" --suite "$SUITE" --identity alice
	expect alice "" add --state "$D/alice.st" --keypackage "$D/bob.kp,$D/carol.bare.kp" --commit-out "$D/c1" --welcome-out "$D/w1"
	run bob join --state "$D/bob.st" --welcome "$D/w1"
	run carol join --state "$D/carol.st" --welcome "$D/w1"
	same_info 1 "0:alice 1:bob 2:carol" alice bob carol
	send alice "to both of you" bob carol
	send bob "bob to all" alice carol
	send carol "carol to all" alice bob
	expect alice "" remove --state "$D/alice.st" --member carol --commit-out "$D/c2"
	commit_seen "$D/c2" 2 bob
	expect carol "commit processed epoch=2 removed=true" recv --state "$D/carol.st" --in "$D/c2"
	same_info 2 "0:alice 1:bob" alice bob
	send alice "carol is gone" bob
	send bob "yes she is" alice
	expect bob "" remove --state "$D/bob.st" --member alice --commit-out "$D/c3"
	expect alice "commit processed epoch=3 removed=true" recv --state "$D/alice.st" --in "$D/c3"
	same_info 3 "1:bob" bob
	# The new member takes the leftmost blank leaf, 0 (RFC 9420 §12.1.1).
	keypackage dave
	expect bob "" add --state "$D/bob.st" --keypackage "$D/dave.kp" --commit-out "$D/c4" --welcome-out "$D/w4"
	run dave join --state "$D/dave.st" --welcome "$D/w4"
	same_info 4 "0:dave 1:bob" bob dave
	send dave "dave in alice's seat" bob
	expect dave "" update --state "$D/dave.st" --commit-out "$D/c5"
	commit_seen "$D/c5" 5 bob
	same_info 5 "0:dave 1:bob" bob dave
}

# (c) Three parties, implementations alternating (A and C one kind, B the
# other); each epoch, every member's exporter must be equal.
scen_three_mixed() {
	new_party alice "$1"
	new_party bob "$2"
	new_party carol "$1"
	keypackage bob
	keypackage carol
	run alice create --state "$D/alice.st" --suite "$SUITE" --identity alice
	expect alice "" add --state "$D/alice.st" --keypackage "$D/bob.kp" --commit-out "$D/c1" --welcome-out "$D/w1"
	run bob join --state "$D/bob.st" --welcome "$D/w1"
	same_info 1 "0:alice 1:bob" alice bob
	expect bob "" add --state "$D/bob.st" --keypackage "$D/carol.kp" --commit-out "$D/c2" --welcome-out "$D/w2"
	commit_seen "$D/c2" 2 alice
	run carol join --state "$D/carol.st" --welcome "$D/w2"
	same_info 2 "0:alice 1:bob 2:carol" alice bob carol
	send alice "alice to all" bob carol
	send bob "bob to all" alice carol
	send carol "carol to all" alice bob
	expect carol "" update --state "$D/carol.st" --commit-out "$D/c3"
	commit_seen "$D/c3" 3 alice bob
	same_info 3 "0:alice 1:bob 2:carol" alice bob carol
	expect alice "" update --state "$D/alice.st" --commit-out "$D/c4"
	commit_seen "$D/c4" 4 bob carol
	same_info 4 "0:alice 1:bob 2:carol" alice bob carol
	expect bob "" update --state "$D/bob.st" --commit-out "$D/c5"
	commit_seen "$D/c5" 5 alice carol
	same_info 5 "0:alice 1:bob 2:carol" alice bob carol
	send carol "carol after three updates" alice bob
	expect bob "" remove --state "$D/bob.st" --member alice --commit-out "$D/c6"
	commit_seen "$D/c6" 6 carol
	expect alice "commit processed epoch=6 removed=true" recv --state "$D/alice.st" --in "$D/c6"
	same_info 6 "1:bob 2:carol" bob carol
	send bob "bob to carol" carol
	send carol "carol to bob" bob
}

# --- driver ---

pass=0 failed=0
SCEN=
# scenario NAME FUNC ROLE1 ROLE2: run FUNC in a subshell in a fresh folder.
scenario() {
	local name=$1 fn=$2 r1=$3 r2=$4
	SCEN="s$SUITE-$name-$(impl_of "$r1")-$(impl_of "$r2")"
	# shellcheck disable=SC2053 # INTEROP_ONLY is a glob on purpose
	[[ $SCEN == ${INTEROP_ONLY:-*} ]] || return 0
	D=$T/$SCEN
	mkdir -p "$D"
	if ("$fn" "$r1" "$r2"); then
		echo "ok   $SCEN"
		pass=$((pass + 1))
	else
		failed=$((failed + 1))
	fi
}

echo "$TEST_NAME: peers=$PEERS suites=$SUITES; ts-mls $(node -p "require('$PEER_DIR/node_modules/ts-mls/package.json').version"), node $(node --version)"
for SUITE in $SUITES; do
	pairs=("k t" "t k")
	[ "$PEERS" = cross ] || pairs=("k t")
	for roles in "${pairs[@]}"; do
		# shellcheck disable=SC2086 # two roles, split on purpose
		scenario create-add-update scen_create_add_update $roles
		# shellcheck disable=SC2086
		scenario two-adds-removals scen_two_adds_removals $roles
		# shellcheck disable=SC2086
		scenario three-mixed scen_three_mixed $roles
	done
done
echo "$TEST_NAME: $pass scenarios passed, $failed failed"
[ "$failed" -eq 0 ]
