#!/bin/bash
# SPDX-License-Identifier: ISC
# Run every test layer against the build in $1 and print one closing line
# "N passed, N failed". Exit status 1 if anything failed.
#   unit   build/.../tests/test_*      (cmocka: counts its cases); test_store
#          once more on a throw-away PostgreSQL server (tools/pg-tmp.sh)
#   kat    kenh-vectors on every known file under $KENH_VECTORS (counts cases)
#   fuzz   build/.../fuzz/replay_<t> over fuzz/corpus/<t>   (one test per target)
#   lint   tools/lint.sh (one test per check)
#   integ  tests/integ/*.sh, tests/hostile/*.sh, tests/fault/*.sh (one test per script)
# VALGRIND=1 runs the unit and kat layers under memcheck instead.
set -u
B=${1:?usage: run-tests.sh BUILD_DIR}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
export KENH_VECTORS=${KENH_VECTORS:-$ROOT/../shared/vectors}
export KENH_BUILD=$ROOT/$B
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
LOG=$B/test-logs
mkdir -p "$LOG"
pass=0 fail=0 skip=0
VG=""
[ "${VALGRIND:-0}" = 1 ] && VG="valgrind -q --error-exitcode=99 --leak-check=full"

note() { printf '%s\n' "$*"; }

# --- unit tests (cmocka) ---
for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	$VG "$t" >"$LOG/$name.log" 2>&1
	rc=$?
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$LOG/$name.log" | tail -n1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$LOG/$name.log" | tail -n1)
	p=${p:-0} f=${f:-0}
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	note "unit $name: $p passed, $f failed"
	[ "$f" -ne 0 ] && sed 's/^/    /' "$LOG/$name.log" | tail -n 40
	pass=$((pass + p)) fail=$((fail + f))
done

# --- the store conformance suite on PostgreSQL (STYLE R17.6, DESIGN §9) ---
# A real throw-away server (tools/pg-tmp.sh), never a mock; without
# PostgreSQL's binaries this test fails and says so.
if [ -x "$B/tests/test_store" ]; then
	pgdir=$(mktemp -d /tmp/kenh-pg.XXXXXX)
	if pgenv=$(tools/pg-tmp.sh start "$pgdir" 2>"$LOG/pg-start.log"); then
		(eval "$pgenv"; KENH_STORE=postgresql $VG "$B/tests/test_store") \
			>"$LOG/test_store-postgresql.log" 2>&1
		rc=$?
	else
		cp "$LOG/pg-start.log" "$LOG/test_store-postgresql.log"
		rc=1
	fi
	tools/pg-tmp.sh stop "$pgdir"
	name=test_store-postgresql
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$LOG/$name.log" | tail -n1)
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$LOG/$name.log" | tail -n1)
	p=${p:-0} f=${f:-0}
	if [ $rc -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	note "unit $name: $p passed, $f failed"
	[ "$f" -ne 0 ] && sed 's/^/    /' "$LOG/$name.log" | tail -n 40
	pass=$((pass + p)) fail=$((fail + f))
fi

# --- known-answer vectors ---
V="$B/kenh-vectors"
if [ ! -d "$KENH_VECTORS" ]; then
	n=$("$V" --list | wc -l)
	note "kat: vector folder $KENH_VECTORS not found: $n vector files skipped (set KENH_VECTORS)"
	skip=$((skip + n))
else
	files=()
	while read -r name; do
		f=$(find "$KENH_VECTORS" -name "$name" -type f | head -n1)
		[ -n "$f" ] && files+=("$f")
	done < <("$V" --list)
	for f in "${files[@]}"; do
		out=$($VG "$V" "$f" 2>"$LOG/kat-$(basename "$f").log")
		rc=$?
		line=$(printf '%s\n' "$out" | grep -E ': [0-9]+ passed, [0-9]+ failed, [0-9]+ skipped$' | tail -n1)
		if [ -z "$line" ]; then
			note "kat $(basename "$f"): runner died (status $rc)"
			tail -n 20 "$LOG/kat-$(basename "$f").log" | sed 's/^/    /'
			fail=$((fail + 1))
			continue
		fi
		note "kat ${line#"$KENH_VECTORS"/}"
		p=$(printf '%s' "$line" | sed -E 's/.*: ([0-9]+) passed.*/\1/')
		fl=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) failed.*/\1/')
		s=$(printf '%s' "$line" | sed -E 's/.* ([0-9]+) skipped$/\1/')
		if [ "$fl" -ne 0 ] || [ $rc -ne 0 ]; then
			head -n 20 "$LOG/kat-$(basename "$f").log" | sed 's/^/    /'
			[ "$fl" -eq 0 ] && fl=1
		fi
		pass=$((pass + p)) fail=$((fail + fl)) skip=$((skip + s))
	done
fi

if [ "${VALGRIND:-0}" != 1 ]; then
	# --- fuzz corpus replay ---
	for r in "$B"/fuzz/replay_*; do
		[ -x "$r" ] || continue
		t=${r##*/replay_}
		if "$r" "fuzz/corpus/$t" >"$LOG/replay-$t.log" 2>&1; then
			note "fuzz replay $t: $(tail -n1 "$LOG/replay-$t.log")"
			pass=$((pass + 1))
		else
			note "fuzz replay $t: FAILED"
			tail -n 30 "$LOG/replay-$t.log" | sed 's/^/    /'
			fail=$((fail + 1))
		fi
	done

	# --- integration, hostile and fault scripts (real processes) ---
	for s in tests/integ/*.sh tests/hostile/*.sh tests/fault/*.sh; do
		[ -f "$s" ] || continue
		case "$s" in */lib*.sh) continue ;; esac
		name=$(basename "$s" .sh)
		if bash "$s" >"$LOG/integ-$name.log" 2>&1; then
			note "integ $name: ok"
			pass=$((pass + 1))
		else
			note "integ $name: FAILED"
			tail -n 30 "$LOG/integ-$name.log" | sed 's/^/    /'
			fail=$((fail + 1))
		fi
	done
fi

# --- the lint gate (STYLE R17): one test per check ---
if [ -x tools/lint.sh ] && [ "${VALGRIND:-0}" != 1 ]; then
	tools/lint.sh "$B" >"$LOG/lint.log" 2>&1
	lp=$(grep -c '^lint [a-z]*: ok$' "$LOG/lint.log")
	lf=$(grep -c '^lint [a-z]*: FAILED$' "$LOG/lint.log")
	note "lint: $lp passed, $lf failed"
	[ "$lf" -ne 0 ] && grep -B5 'FAILED$' "$LOG/lint.log" | sed 's/^/    /' | tail -n 40
	pass=$((pass + lp)) fail=$((fail + lf))
fi

note ""
note "skipped (unsupported suites or algorithms, or missing vectors): $skip"
note "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
