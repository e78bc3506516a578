#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# docs/operations.md, followed literally (issue #5 item 8): every ```sh block
# preceded by "<!-- doc-test: COMPUTER [background] -->" is run in order, in
# a fresh bash whose HOME is a scratch folder per computer (authority,
# relay, device-pc02, device-pc03), after sourcing that computer's
# ~/.profile as a login shell would, with the build's programs first on the
# PATH and the passphrases in the environment. The relay runs on 127.0.0.1:
# the only changes made to the commands are the ones the guide's last
# section lists (paths under /etc/kenhd and /var/lib/kenhd moved under the
# relay's scratch home, the relay's name to 127.0.0.1, ports 4433 and 9433
# to free ones). "<!-- doc-test-carry: A:PATH B:PATH -->" copies a file or
# folder between computers where the text says to bring it;
# "<!-- doc-test-capture: NAME REGEX -->" takes group 1 of REGEX from the
# previous block's output, to fill "<NAME>" in later blocks;
# "<!-- doc-test-expect: TEXT -->" checks the previous block's output.
# A block that fails, a placeholder left unfilled, or an annotation not
# followed by a block fails the test.
. "$(dirname "$0")/lib.sh"

need_relay
DOC=$ROOT/docs/operations.md
S=$TMP/computers
BLOCKS=$TMP/blocks
mkdir -p "$S" "$BLOCKS"
for p in kenh kenh-admin kenhd; do [ -x "$KENH_BUILD/$p" ] || fatal "build $KENH_BUILD/$p first"; done
export PATH="$KENH_BUILD:$PATH"
export KENH_ADMIN_PASSPHRASE="operations guide test passphrase"
export KENH_PASSPHRASE="device passphrase for the guide"
unset KENH_ADMIN_DIR KENH_DIR
PORT=$(free_port)
ADMIN_PORT=$(free_port)

# The plan: one line per step, in the document's order; block bodies in $BLOCKS/N.sh.
awk -v blocks="$BLOCKS" '
	function bad(msg) { print "BAD\t" NR ": " msg; exit 1 }
	/^<!-- doc-test: .* -->$/ {
		if (pending != "") bad("annotation without a block")
		pending = $0
		sub(/^<!-- doc-test: /, "", pending)
		sub(/ -->$/, "", pending)
		next
	}
	/^<!-- doc-test-(capture|carry|expect): .* -->$/ {
		if (pending != "") bad("annotation without a block")
		kind = $0
		sub(/^<!-- doc-test-/, "", kind)
		sub(/:.*/, "", kind)
		rest = $0
		sub(/^<!-- doc-test-[a-z]*: /, "", rest)
		sub(/ -->$/, "", rest)
		print toupper(kind) "\t" rest
		next
	}
	inblock && /^```$/ { inblock = 0; next }
	inblock { print > (blocks "/" n ".sh"); next }
	/^```sh$/ {
		if (pending == "") { skip = 1; next }
		n++
		inblock = 1
		split(pending, w, " ")
		print "RUN\t" n "\t" w[1] "\t" (w[2] == "background" ? "bg" : "fg")
		pending = ""
		next
	}
	skip && /^```$/ { skip = 0; next }
	pending != "" && NF > 0 { bad("annotation not followed by a sh block") }
' "$DOC" >"$TMP/plan" || fatal "docs/operations.md: $(grep '^BAD' "$TMP/plan")"

declare -A CAP
LAST=

# The commands of block N as they run here.
prepare() {
	local f=$BLOCKS/$1.sh name
	sed -e "s|/etc/kenhd|$S/relay/etc/kenhd|g" -e "s|/var/lib/kenhd|$S/relay/var/lib/kenhd|g" \
		-e "s|DNS:relay\.thaibinh\.example|IP:127.0.0.1|g" \
		-e "s|relay\.thaibinh\.example|127.0.0.1|g" -e "s|0\.0\.0\.0|127.0.0.1|g" \
		-e "s|4433|$PORT|g" -e "s|9433|$ADMIN_PORT|g" "$f" >"$f.run"
	for name in "${!CAP[@]}"; do
		sed -i "s|<$name>|${CAP[$name]}|g" "$f.run"
	done
	if grep -Eo '<[a-z][a-z-]*>' "$f.run" >"$TMP/left"; then
		fatal "block $1: placeholder $(head -n1 "$TMP/left") has no value yet"
	fi
}

run_block() { # N COMPUTER fg|bg
	local home=$S/$2 rc
	mkdir -p "$home"
	prepare "$1"
	verbose "block $1 on $2: $(head -n1 "$BLOCKS/$1.sh.run")"
	if [ "$3" = bg ]; then
		[ "$(wc -l <"$BLOCKS/$1.sh.run")" = 1 ] || fatal "block $1: a background block is one command"
		(cd "$home" && HOME=$home exec bash -c "exec $(cat "$BLOCKS/$1.sh.run")") \
			>>"$TMP/relay.log" 2>&1 &
		RELAY_PID=$!
		wait_for 20 healthy || fatal "block $1: the relay did not start"
		return 0
	fi
	LAST=$(cd "$home" && HOME=$home bash -c \
		'[ -f ~/.profile ] && . ~/.profile; set -eo pipefail; . "$1"' block "$BLOCKS/$1.sh.run" \
		</dev/null 2>&1)
	rc=$?
	printf '%s\n' "--- block $1 on $2" "$LAST" >>"$TMP/transcript"
	[ "$rc" -eq 0 ] || fatal "block $1 on $2 failed (status $rc):
$(cat "$BLOCKS/$1.sh.run")
--- output:
$LAST"
}

capture() { # NAME REGEX
	local v
	v=$(printf '%s\n' "$LAST" | sed -nE "s#.*$2.*#\\1#p" | head -n 1)
	[ -n "$v" ] || fatal "capture $1: /$2/ not in the output: $LAST"
	CAP[$1]=$v
	verbose "captured $1=$v"
}

place() { # COMPUTER:PATH -> a path here
	local c=${1%%:*} p=${1#*:}
	case "$p" in
	/etc/kenhd* | /var/lib/kenhd*) echo "$S/$c$p" ;;
	*) echo "$S/$c/$p" ;;
	esac
}

carry() { # FROM TO
	local from to
	from=$(place "$1")
	to=$(place "$2")
	[ -e "$from" ] || fatal "carry: $1 does not exist"
	mkdir -p "$(dirname "$to")"
	cp -r "$from" "$to" || fatal "carry $1 $2"
}

runs=0
while IFS=$'\t' read -r step a b c; do
	case "$step" in
	RUN) run_block "$a" "$b" "$c"; runs=$((runs + 1)) ;;
	CAPTURE) capture "${a%% *}" "${a#* }" ;;
	CARRY) carry "${a%% *}" "${a#* }" ;;
	EXPECT) printf '%s\n' "$LAST" | grep -qF -- "$a" || fail "expected \"$a\" in: $LAST" ;;
	*) fatal "plan: $step" ;;
	esac
done <"$TMP/plan"
[ "$runs" -ge 15 ] || fail "only $runs blocks of docs/operations.md were run"
grep -q "event=device_refused\|event=auth_fail" "$TMP/relay.log" &&
	fail "the relay refused someone while following the guide"
pass "docs/operations.md followed: $runs blocks on 4 computers"
