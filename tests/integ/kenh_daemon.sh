#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# kenh daemon against a real relay (issue 6, docs/daemon.md): an
# organization made with kenh-admin, kenhd on 127.0.0.1, two devices in
# tb/pc02: alice served by her daemon (requests through kenh daemon-call),
# bob on the command line. Checked:
#   - the socket's folder is 0700 and the socket 0600; a second daemon on
#     the folder is refused, and so is a kenh command while it runs;
#   - group create/add, send and history through the daemon, both ways;
#   - a subscribed client receives bob's message as an event, no polling;
#   - directive issue/ack/status through the daemon, with bob on the CLI;
#   - malformed JSON, an unknown operation, bad arguments and a request
#     over the 64 KiB cap each get an error, and the daemon serves on;
#   - a client of another uid is refused (SO_PEERCRED) even with the
#     modes loosened, and logged;
#   - the relay restarted: the daemon reconnects and still delivers;
#   - SIGTERM removes the socket; a stale socket (SIGKILL) is replaced;
#     the shutdown operation stops the daemon;
#   - a wipe order through the relay: the store erased, a "wiped" event,
#     the daemon stopped with status 1 and its socket removed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_kenh.sh"

SOCK=$TMP/dev/alice/daemon/sock
dc() { "$KENH" --dir "$TMP/dev/alice" daemon-call "$@"; }

org_start
enroll_devices alice:alice:tb/pc02 bob:bob:tb/pc02

# start_daemon: alice's daemon in the background, $DPID, ready when the socket answers.
start_daemon() {
	"$KENH" --dir "$TMP/dev/alice" daemon </dev/null 2>>"$TMP/daemon.log" &
	DPID=$!
	PIDS+=("$DPID")
	wait_for 30 dc status || fatal "the daemon did not come up: $(tail -n 5 "$TMP/daemon.log")"
}
start_daemon

# Socket and folder modes, one daemon per folder, no command beside it.
[ "$(stat -c %a "$TMP/dev/alice/daemon")" = 700 ] || fail "socket folder mode $(stat -c %a "$TMP/dev/alice/daemon")"
[ "$(stat -c %a "$SOCK")" = 600 ] || fail "socket mode $(stat -c %a "$SOCK")"
[ -S "$SOCK" ] || fail "no socket at $SOCK"
run_fail "a second daemon" "already running" k alice daemon
run_fail "a command beside the daemon" "kenh daemon has this device open" k alice groups
run_ok "whoami" dc whoami
printf '%s\n' "$OUT" | grep -q '"ok":true,"result":{"org":"Test Province","unit":"tb/pc02","user":"alice"' ||
	fail "whoami: $OUT"
run_ok "status" dc status
printf '%s\n' "$OUT" | grep -q '"relay":"connected"' || fail "status: $OUT"

# A group through the daemon, bob joins with the CLI.
run_ok "group create" dc group-create '{"group":"ops"}'
run_ok "group add" dc group-add '{"group":"ops","targets":["user:bob"]}'
printf '%s\n' "$OUT" | grep -q 'added 1 device(s) to ops' || fail "group add: $OUT"
run_ok "bob joins" k bob sync
run_ok "members" dc members '{"group":"ops"}'
printf '%s\n' "$OUT" | grep -q '"user":"bob"' || fail "members: $OUT"

# A subscriber hears bob's message without asking.
dc --subscribe --timeout 120 >"$TMP/events.out" 2>&1 &
SUB=$!
PIDS+=("$SUB")
wait_for 10 grep -q '"subscribed":true' "$TMP/events.out" || fail "subscribe: $(cat "$TMP/events.out")"
run_ok "bob sends" k bob send ops "hello from bob"
wait_for 20 grep -q '"event":"message".*"text":"hello from bob"' "$TMP/events.out" ||
	fail "no message event: $(cat "$TMP/events.out")"
grep -q '"user":"bob","unit":"tb/pc02"' "$TMP/events.out" || fail "event sender: $(cat "$TMP/events.out")"

# The other way, and the history.
run_ok "send" dc send '{"group":"ops","text":"hello from alice"}'
printf '%s\n' "$OUT" | grep -Eq '"result":\{"id":"[0-9a-f]{32}"\}' || fail "send result: $OUT"
run_ok "bob reads" k bob sync
run_ok "bob history" k bob history ops
printf '%s\n' "$OUT" | grep -q "hello from alice" || fail "bob's history: $OUT"
run_ok "history" dc history '{"group":"ops"}'
printf '%s\n' "$OUT" | grep -q '"text":"hello from bob"' || fail "alice's history: $OUT"
run_ok "groups" dc groups
printf '%s\n' "$OUT" | grep -q '"result":\[{"group":"ops"' || fail "groups: $OUT"
# The commands added after the daemon (look-up, CRLs) are operations too.
OUT=$(dc lookup '{"name":"user:bob"}') || fail "lookup through the daemon: $OUT"
echo "$OUT" | grep -q '"bob"' || fail "lookup through the daemon does not name bob: $OUT"
OUT=$(dc users '{"unit":"tb"}') || fail "users through the daemon: $OUT"
echo "$OUT" | grep -q '"alice"' || fail "users through the daemon misses alice: $OUT"
run_ok "crls" dc crls

# Directives: issued by the daemon and answered on the CLI, and the other way round.
run_ok "directive issue" dc directive-issue \
	'{"group":"ops","title":"Patrol the dike","body":"Every hour","deadline":"+86400","assign":["user:bob"]}'
DID=$(printf '%s\n' "$OUT" | sed -n 's/.*"id":"\([0-9a-f]*\)".*/\1/p' | tail -n 1)
[ ${#DID} = 32 ] || fail "directive id: $OUT"
run_ok "bob sees it" k bob sync
run_ok "bob acks" k bob directive ack "$DID"
run_ok "bob reports" k bob directive report "$DID" --status in-progress --percent 40 --text "on it"
acked() { dc directive-status "{\"id\":\"$DID\"}" | grep -q '"user":"bob","unit":"tb/pc02","acknowledged":true,"status":"in-progress","percent":40'; }
wait_for 20 acked || fail "bob's answer not in alice's table: $(dc directive-status "{\"id\":\"$DID\"}")"
run_ok "bob issues" k bob directive issue ops --title "Report the level" --assign user:alice
BID=$OUT
wait_for 20 grep -q "\"event\":\"directive\".*\"id\":\"$BID\"" "$TMP/events.out" ||
	fail "no directive event: $(cat "$TMP/events.out")"
run_ok "directive ack" dc directive-ack "{\"id\":\"$BID\"}"
run_ok "directive report" dc directive-report "{\"id\":\"$BID\",\"status\":\"done\",\"percent\":100,\"text\":\"2.1 m\"}"
run_ok "bob's table" k bob --json directive status "$BID"
printf '%s\n' "$OUT" | grep -q '"user":"alice","unit":"tb/pc02","acknowledged":true,"status":"done","percent":100' ||
	fail "alice's answer not in bob's table: $OUT"
run_ok "directive export" dc directive-export "{\"id\":\"$DID\",\"out\":\"$TMP/record.kdr\"}"
run_ok "record verifies" k bob directive verify "$TMP/record.kdr" --root "$D/root.crt"

# Refusals; the daemon serves on.
run_fail "unknown op" '"code":"UNKNOWN_OP"' dc frobnicate
run_fail "missing argument" '"code":"INVALID_ARG".*argument text' dc send '{"group":"ops"}'
run_fail "extra argument" '"code":"INVALID_ARG".*argument colour' dc send '{"group":"ops","text":"x","colour":"red"}'
run_fail "relative path" '"code":"INVALID_ARG".*argument path' dc send-file '{"group":"ops","path":"x.bin"}'
run_fail "an option as a name" '"code":"INVALID_ARG".*argument group' dc members '{"group":"--help"}'
run_fail "no such group" '"code":"NOT_FOUND"' dc members '{"group":"nowhere"}'
OUT=$(printf 'this is not json\n{"id":7,"op":"whoami"}\n{"id":8}\n' | dc --raw --timeout 20)
printf '%s\n' "$OUT" | sed -n 1p | grep -q '{"id":null,"ok":false,"error":{"code":"PARSE"' ||
	fail "malformed JSON: $OUT"
printf '%s\n' "$OUT" | sed -n 2p | grep -q '{"id":7,"ok":true' || fail "after malformed JSON: $OUT"
printf '%s\n' "$OUT" | sed -n 3p | grep -q '{"id":8,"ok":false,"error":{"code":"INVALID_ARG"' ||
	fail "no op: $OUT"
OUT=$({ printf '{"id":9,"op":"send","args":{"group":"ops","text":"'; head -c 70000 /dev/zero | tr '\0' a; printf '"}}\n'; } | dc --raw --timeout 20)
printf '%s\n' "$OUT" | grep -q '"code":"TOO_LARGE"' || fail "over the cap: $(printf '%s' "$OUT" | head -c 300)"
[ "$(printf '%s\n' "$OUT" | wc -l)" = 1 ] || fail "over the cap: more than one line"
run_ok "still serving" dc whoami
[ "$(wc -l <"$TMP/daemon.log")" -lt 1000 ] || fail "the daemon's log is flooded"

# Another uid: the modes keep it out; loosened, SO_PEERCRED still does.
if command -v setpriv >/dev/null 2>&1; then
	as_nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$KENH" daemon-call --socket "$SOCK" --timeout 5 whoami; }
	run_fail "another uid, modes" "Permission denied" as_nobody
	chmod 711 "$TMP" "$TMP/dev" "$TMP/dev/alice" "$TMP/dev/alice/daemon"
	chmod 666 "$SOCK"
	run_fail "another uid, SO_PEERCRED" "no response|no daemon answers" as_nobody
	chmod 700 "$TMP" "$TMP/dev" "$TMP/dev/alice" "$TMP/dev/alice/daemon"
	chmod 600 "$SOCK"
	grep -q "refused a client of another user (uid 65534" "$TMP/daemon.log" ||
		fail "the refusal is not logged: $(tail -n 5 "$TMP/daemon.log")"
else
	echo "$TEST_NAME: no setpriv: the other-uid check is skipped"
fi

# The relay goes away and comes back: the daemon reconnects and delivers.
kill -TERM "$RELAY_PID" && wait "$RELAY_PID" 2>/dev/null
RELAY_PID=
down() { dc status | grep -q '"relay":"disconnected"'; }
wait_for 30 down || fail "the daemon did not notice the relay going: $(dc status)"
org_relay_up || fatal "relay did not restart"
upagain() { dc status | grep -q '"relay":"connected","relay_address":"[^"]*","reconnects":1'; }
wait_for 60 upagain || fail "the daemon did not reconnect: $(dc status)"
run_ok "bob sends after the restart" k bob send ops "after the restart"
wait_for 20 grep -q '"text":"after the restart"' "$TMP/events.out" ||
	fail "no event after the restart: $(tail -n 3 "$TMP/events.out")"
grep -q '"event":"relay","state":"disconnected"' "$TMP/events.out" || fail "no relay event"
run_ok "send after the restart" dc send '{"group":"ops","text":"alice after the restart"}'
run_ok "bob reads after the restart" k bob sync
run_ok "bob history after the restart" k bob history ops
printf '%s\n' "$OUT" | grep -q "alice after the restart" || fail "bob's history: $OUT"

# SIGTERM: the socket goes; a daemon killed outright leaves a stale one, which the next replaces.
kill -TERM "$DPID"
wait "$DPID"
rc=$?
[ "$rc" = 0 ] || fail "daemon exit status after SIGTERM: $rc"
[ -e "$SOCK" ] && fail "the socket is still there after SIGTERM"
grep -q "kenh daemon: stopped" "$TMP/daemon.log" || fail "no stop in the log"
run_ok "the CLI again once the daemon is gone" k alice groups
start_daemon
kill -KILL "$DPID"
wait "$DPID" 2>/dev/null
[ -S "$SOCK" ] || fail "no stale socket after SIGKILL"
start_daemon
run_ok "shutdown" dc shutdown
printf '%s\n' "$OUT" | grep -q '"stopping":true' || fail "shutdown: $OUT"
wait "$DPID"
[ -e "$SOCK" ] && fail "the socket is still there after shutdown"
kill "$SUB" 2>/dev/null

# A wipe order pushed by the relay: the daemon verifies it, erases the store, tells its
# subscriber, and stops with status 1, its socket removed.
start_daemon
ALICE=$(dc whoami | sed -n 's/.*"device":"\([^"]*\)".*/\1/p')
dc --subscribe --timeout 60 >"$TMP/wipe-events.out" 2>&1 &
PIDS+=("$!")
wait_for 10 grep -q '"subscribed":true' "$TMP/wipe-events.out" || fail "subscribe before the wipe"
run_ok "wipe order" adm wipe "$ALICE"
wait_for 30 grep -q '"event":"wiped"' "$TMP/wipe-events.out" ||
	fail "no wiped event: $(cat "$TMP/wipe-events.out")"
wait "$DPID"
rc=$?
[ "$rc" = 1 ] || fail "daemon exit status after a wipe: $rc"
[ -e "$TMP/dev/alice/store.db" ] && fail "store.db still there after the wipe"
[ -e "$SOCK" ] && fail "the socket is still there after the wipe"
grep -q "erased by a wipe order: stopped" "$TMP/daemon.log" || fail "no wipe in the log"

pass "daemon served $(grep -c '"event"' "$TMP/events.out") event(s) to its subscriber"
