#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# The README's quick start, followed literally (issue #6: "a new user
# following the README alone can enroll two devices and exchange a message
# and a directive"). The first ``` block after "## Quick start" is split
# into commands (a trailing backslash continues a line; a here-document
# runs with its command) and each runs in order, in one scratch folder, with
# only these changes: /tmp/q becomes the test's folder, $PWD/build the
# build under test, ports 7443 and 7444 free ones. The placeholders the
# text asks the reader to fill are taken from the output of the command
# that prints them, as a reader would copy them: HEX (public_key=HEX),
# NAME ("authority = NAME"), CODE (the enrollment code), REQ ("imported
# ... request REQ"), ID (the directive id), FID (the file message id). The
# line "then the same six commands for bob" repeats the six commands
# before it for bob. A command that fails, or a placeholder nothing
# filled, fails the test; bob's history must hold alice's message, alice's
# progress table bob's report, and the file must arrive unchanged.
. "$(dirname "$0")/lib.sh"

need_relay
README=$ROOT/README.md
CMDS=$TMP/cmds
mkdir -p "$CMDS"
PORT=$(free_port)
ADMIN_PORT=$(free_port)

# One file per command, in order ($CMDS/NNN.sh); "REPEAT6 alice bob" for the repetition line.
python3 - "$README" "$CMDS" <<'PY' || fatal "README: cannot split the quick start"
import os, re, sys
text = open(sys.argv[1]).read().split("\n")
start = next(i for i, l in enumerate(text) if l.startswith("## Quick start"))
i = next(j for j in range(start, len(text)) if text[j].startswith("```"))
block = []
for l in text[i + 1:]:
    if l.startswith("```"):
        break
    block.append(l)
cmds, cur, heredoc = [], "", None
for l in block:
    if heredoc is not None:
        cur += "\n" + l
        if l == heredoc:
            cmds.append(cur)
            cur, heredoc = "", None
        continue
    if not l.lstrip().startswith("#"):
        l = re.sub(r"\s+#\s.*$", "", l)
    s = l.strip()
    if not cur and (s == "" or (s.startswith("#") and "same six commands" not in s)):
        continue
    if "same six commands" in s:
        m = re.search(r"--dir (\w+)", s)
        cmds.append("REPEAT6 alice " + (m.group(1) if m else "bob"))
        continue
    cur = cur + (" " if cur else "") + l.rstrip()
    if cur.endswith("\\"):
        cur = cur[:-1].rstrip()
        continue
    m = re.search(r"<<'?(\w+)'?", cur)
    if m:
        heredoc = m.group(1)
        continue
    cmds.append(cur)
    cur = ""
if cur or heredoc:
    sys.exit("unterminated command at the end of the block")
for n, c in enumerate(cmds):
    open(os.path.join(sys.argv[2], "%03d.sh" % n), "w").write(c + "\n")
PY

n_cmds=$(ls "$CMDS" | wc -l)
[ "$n_cmds" -ge 20 ] || fatal "the quick start has only $n_cmds commands: did its format change?"

export KENH_BUILD
unset KENH_DIR KENH_ADMIN_DIR
declare -A CAP
HIST=()

# The command as this test runs it: folder, build, ports, captured placeholders.
prepare() {
	local c=$1 k
	c=${c//\/tmp\/q/$TMP/q}
	c=${c//\$PWD\/build/$KENH_BUILD}
	c=${c//7443/$PORT}
	c=${c//7444/$ADMIN_PORT}
	for k in "${!CAP[@]}"; do
		c=$(printf '%s' "$c" | sed -e "s|\\b$k\\b|${CAP[$k]}|g")
	done
	printf '%s' "$c"
}

# Take what the reader would copy from a command's output.
capture() {
	local out=$1 v
	v=$(printf '%s\n' "$out" | sed -n 's/^public_key=\([0-9a-f]*\)$/\1/p' | head -n 1)
	[ -n "$v" ] && CAP[HEX]=$v
	v=$(printf '%s\n' "$out" | sed -n 's/^ *authority = \(.*\)$/\1/p' | head -n 1)
	[ -n "$v" ] && CAP[NAME]=$v
	v=$(printf '%s\n' "$out" | awk '/^enrollment code for/ { getline; getline; print $1; exit }')
	[ -n "$v" ] && CAP[CODE]=$v
	v=$(printf '%s\n' "$out" | sed -n 's/^imported \(renewal \)\{0,1\}request \([^ :]*\).*/\2/p' | head -n 1)
	[ -n "$v" ] && CAP[REQ]=$v
	v=$(printf '%s\n' "$out" | grep -Eo '^[0-9a-f]{32}$' | head -n 1)
	[ -n "$v" ] && CAP[ID]=$v
	return 0
}

# Run one command in the shell state the earlier ones left (cd, exports).
run_cmd() {
	local c=$1 out rc
	c=$(prepare "$c")
	if printf '%s' "$c" | grep -Eq '\b(HEX|NAME|CODE|REQ|ID|FID)\b'; then
		fail "a placeholder is left unfilled: $c"
		return 1
	fi
	verbose "$c"
	if [[ $c == *"kenhd --config"*"&" ]]; then
		# The relay, in the background: remembered for cleanup.
		eval "${c%&}" >"$TMP/kenhd.log" 2>&1 &
		PIDS+=("$!")
		wait_for 20 bash -c "exec 3<>/dev/tcp/127.0.0.1/$PORT" ||
			fatal "the relay did not start: $(tail -n 5 "$TMP/kenhd.log")"
		return 0
	fi
	# In this shell, not a subshell: a cd or an export carries to the next command.
	eval "$c" >"$TMP/out" 2>&1 </dev/null
	rc=$?
	out=$(cat "$TMP/out")
	printf '%s\n' "$out" >>"$TMP/transcript"
	[ "$rc" -eq 0 ] || { fail "README command failed (status $rc): $c: $out"; return 1; }
	capture "$out"
	[[ $c == *send-file* ]] && CAP[FID]=${CAP[ID]}
	LAST_OUT=$out
}

for f in "$CMDS"/*.sh; do
	c=$(cat "$f")
	if [[ $c == REPEAT6* ]]; then
		read -r _ from to <<<"$c"
		n=${#HIST[@]}
		[ "$n" -ge 6 ] || fatal "nothing to repeat for $to"
		for ((j = n - 6; j < n; j++)); do
			r=${HIST[$j]//--dir $from/--dir $to}
			r=${r//enroll-code $from/enroll-code $to}
			r=${r//--user $from/--user $to}
			run_cmd "$r" || fatal "stopped at the repetition for $to"
		done
		continue
	fi
	HIST+=("$c")
	run_cmd "$c" || fatal "stopped"
	case $c in
	*"bob history ops"*) printf '%s\n' "$LAST_OUT" | grep -q "hello bob" ||
		fail "bob's history lacks alice's message: $LAST_OUT" ;;
	*"alice directive status"*) printf '%s\n' "$LAST_OUT" | grep -q "gate closed" ||
		fail "alice's progress table lacks bob's report: $LAST_OUT" ;;
	*"alice renew --fetch"*) printf '%s\n' "$LAST_OUT" | grep -Eqi "install|renew" ||
		fail "alice's renewal was not installed: $LAST_OUT" ;;
	esac
done

pass "$n_cmds README commands run (and six repeated for bob)"
