#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# `make demo` (issue 6), with no questions asked: an organization (kenh-admin)
# with a headquarters hq and two district units hq/d1 and hq/d2 whose CAs
# hq's CA issued; a relay (kenhd) on 127.0.0.1 on a free port with its
# SQLite store in a temporary directory, which knows the authority's
# identity; a commander and two officers (one with two devices) enrolled
# through the relay: the device sends its code-bound request
# (ENROLL_SUBMIT), the authority collects it (kenh-admin requests fetch),
# signs offline and hands the certificate back (kenh-admin sign), the
# device fetches it (kenh enroll --fetch). Then a group with both units, a
# message, a directive with a file attached, acknowledgements and reports,
# the progress table compared between two devices, the signed record
# verified offline, one device revoked (kenh-admin revoke uploads the CRL:
# the relay refuses the device and proposes its removal, the next member
# online commits it), and a scan of the relay's data directory showing
# that none of the plaintext is in it. Every step is checked; exit 0 only
# if all did what they should. It prints `relay data: PATH` and leaves
# that directory in place.
set -u
B=${1:-build}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
B=$(cd "$B" && pwd)
KENH=$B/kenh
ADMIN=$B/kenh-admin
KENHD=$B/kenhd
for p in "$KENH" "$ADMIN" "$KENHD"; do
	[ -x "$p" ] || { echo "demo: $p is missing (make all)" >&2; exit 2; }
done

W=$(mktemp -d /tmp/kenh-demo.XXXXXX)
DATA=$W/relay-data
mkdir -p "$DATA"
RELAY_PID=
cleanup() { [ -n "$RELAY_PID" ] && kill "$RELAY_PID" 2>/dev/null && wait "$RELAY_PID" 2>/dev/null; }
trap cleanup EXIT

step() { printf '\n== %s\n' "$*"; }
say() { printf '   %s\n' "$*"; }
die() {
	printf 'demo: FAILED: %s\n' "$*" >&2
	[ -f "$DATA/relay.log" ] && tail -n 5 "$DATA/relay.log" >&2
	echo "relay data: $DATA"
	exit 1
}

export KENH_PASSPHRASE="demo passphrase, not a real one"
printf '%s\n' "$KENH_PASSPHRASE" >"$W/admin.pass"
adm() { "$ADMIN" --dir "$W/org" --passphrase-file "$W/admin.pass" "$@" </dev/null; }
k() { local d=$1; shift; "$KENH" --dir "$W/dev/$d" "$@" </dev/null; }

free_port() {
	local p
	while :; do
		# Below the kernel's ephemeral range: no outgoing connection takes it meanwhile.
		p=$((10000 + RANDOM % 22000))
		(exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null || { echo "$p"; return; }
	done
}

step "1. The organization: a root CA, headquarters hq and its districts hq/d1, hq/d2"
adm init --org "Demo Province Police" --kdf-memory 8 --kdf-iterations 1 >/dev/null || die "kenh-admin init"
for u in hq hq/d1 hq/d2; do adm unit create "$u" >/dev/null || die "unit $u"; done
say "root CA, and unit CAs hq, hq/d1 and hq/d2 (the districts' CAs issued by hq's) in $W/org"
say "(CA keys encrypted under the admin passphrase, never leaving that folder)"

step "2. The relay: kenhd on 127.0.0.1 with its SQLite store in $DATA"
openssl req -x509 -newkey ed25519 -nodes -keyout "$W/relay-key.pem" -out "$W/relay-cert.pem" \
	-days 2 -subj "/CN=kenh demo relay" -addext "subjectAltName=IP:127.0.0.1" >/dev/null 2>&1 ||
	die "relay TLS certificate"
RELAY_PK=$("$KENHD" --gen-signing-key "$W/relay-signing.key" | sed -n 's/^public_key=//p')
[ ${#RELAY_PK} = 64 ] || die "relay signing key"
# A port found free may be taken by the time kenhd binds it: try again with others.
for attempt in 1 2 3; do
	PORT=$(free_port)
	ADMIN_PORT=$(free_port)
	[ "$PORT" = "$ADMIN_PORT" ] && continue
	# The authority's identity at the relay (a device certificate under the root).
	out=$(adm relay set "127.0.0.1:$PORT" --ca "$W/relay-cert.pem") || die "kenh-admin relay set"
	AUTHORITY=$(printf '%s\n' "$out" | sed -n 's/^ *authority = //p')
	[ -n "$AUTHORITY" ] || die "no authority line from kenh-admin relay set: $out"
	cat >"$W/kenhd.conf" <<-CONF
	listen = 127.0.0.1:$PORT
	admin_listen = 127.0.0.1:$ADMIN_PORT
	tls_cert = $W/relay-cert.pem
	tls_key = $W/relay-key.pem
	root_ca = $W/org/root.crt
	unit_ca = $W/org/units/hq/ca.crt
	unit_ca = $W/org/units/hq/d1/ca.crt
	unit_ca = $W/org/units/hq/d2/ca.crt
	db_path = $DATA/relay.db
	signing_key = $W/relay-signing.key
	authority = $AUTHORITY
	CONF
	"$KENHD" --config "$W/kenhd.conf" >>"$DATA/relay.log" 2>&1 &
	RELAY_PID=$!
	for _ in $(seq 50); do (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break; sleep 0.1; done

	kill -0 "$RELAY_PID" 2>/dev/null && break
	wait "$RELAY_PID" 2>/dev/null
done
kill -0 "$RELAY_PID" 2>/dev/null || die "kenhd did not start"
say "kenhd pid $RELAY_PID listening on 127.0.0.1:$PORT"
say "the authority (kenh-admin) is known to it as $AUTHORITY"
adm relay show | tail -n 1 | sed 's/^/   /'

# enroll DEV USER UNIT: the device makes its key and sends its request,
# bound to a one-time code, through the relay; the authority fetches the
# requests from the relay, checks the code binding and signs offline; the
# certificate goes back through the relay and the device fetches it.
enroll() {
	local dev=$1 user=$2 unit=$3 code out id cas=() u=$3
	# The unit CAs from the device's unit up to the top (the credential's chain).
	while :; do
		cas+=(--unit-ca "$W/org/units/$u/ca.crt")
		[ "${u%/*}" = "$u" ] && break
		u=${u%/*}
	done
	k "$dev" init --relay "127.0.0.1:$PORT" --relay-ca "$W/relay-cert.pem" --root "$W/org/root.crt" \
		"${cas[@]}" --relay-key "$RELAY_PK" --kdf-memory 8 >/dev/null || die "kenh init $dev"
	out=$(adm enroll-code "$user" --unit "$unit" --ttl 1h --no-qr) || die "enroll-code $user"
	code=$(printf '%s\n' "$out" | grep -Eo '[0-9A-Z]{4}(-[0-9A-Z]{4}){6}' | head -n 1)
	k "$dev" enroll --user "$user" --unit "$unit" --code "$code" >/dev/null ||
		die "enroll request $dev"
	out=$(adm requests fetch) || die "requests fetch: $out"
	id=$(printf '%s\n' "$out" | sed -n 's/^imported request \([0-9a-f]*\):.*/\1/p')
	[ -n "$id" ] || die "the authority found no request of $dev at the relay: $out"
	out=$(adm sign "$id") || die "sign $dev: $out"
	printf '%s\n' "$out" | grep -q "handed to the relay" || die "sign $dev did not reach the relay: $out"
	out=$(k "$dev" enroll --fetch --wait 30) || die "fetch certificate $dev: $out"
	say "$dev: $out"
}

step "3. Enrollment through the relay: the commander (hq), officer an (hq/d1, two devices), officer binh (hq/d2)"
mkdir -p "$W/dev"
enroll cmdr commander hq
enroll an1 an hq/d1
enroll an2 an hq/d1
enroll binh binh hq/d2
k cmdr whoami | sed 's/^/   /'

step "4. The commander makes a group and adds both units (every device of their officers)"
k cmdr group create ops >/dev/null || die "group create"
k cmdr group add ops unit:hq/d1 unit:hq/d2 | sed 's/^/   /' || die "group add"
for d in an1 an2 binh; do k "$d" sync >/dev/null 2>&1 || die "sync $d"; done
n=$(k binh members ops | wc -l)
[ "$n" = 4 ] || die "binh sees $n members, expected 4"
k binh members ops | sed 's/^/   /'

step "5. A message and a directive with a file attached"
SECRET_MSG="Checkpoint moves to the north bridge at 0600 (demo secret 7f3a)"
k cmdr send ops "$SECRET_MSG" >/dev/null || die "send"
head -c 300000 /dev/urandom | base64 -w 100 >"$W/plan.txt"
echo "FILE-SECRET-c41b: route plan for the exercise" >>"$W/plan.txt"
TITLE="Secure the north bridge (demo secret 91d2)"
BODY="Two patrols, report every hour (demo secret e5b0)"
DID=$(k cmdr directive issue ops --title "$TITLE" --body "$BODY" --deadline +7200 \
	--priority high --assign unit:hq/d1 --assign unit:hq/d2 --attach "$W/plan.txt") ||
	die "directive issue"
say "directive $DID issued with plan.txt attached"

step "6. Both units acknowledge and report"
k an1 directive ack "$DID" >/dev/null || die "an ack"
k an1 get-file ops "$DID" --out "$W/an-plan.txt" >/dev/null || die "an get-file"
cmp -s "$W/plan.txt" "$W/an-plan.txt" || die "attachment differs"
say "an downloaded the attachment: identical ($(wc -c <"$W/plan.txt") bytes, integrity checked)"
k an1 directive report "$DID" --status in-progress --percent 40 --text "patrol 1 in place" >/dev/null ||
	die "an report"
k binh directive ack "$DID" >/dev/null || die "binh ack"
k binh directive report "$DID" --status done --percent 100 --text "bridge secured" >/dev/null ||
	die "binh report"
k an2 sync >/dev/null && k an2 history ops | grep -q "demo secret 7f3a" || die "an's second device lacks the message"
say "an's second device received the message too"

step "7. The progress table (the same on every member's device)"
k cmdr directive status "$DID" | sed 's/^/   /' || die "status"
a=$(k cmdr --json directive status "$DID" | sed 's/"now":[0-9]*//')
b=$(k binh --json directive status "$DID" | sed 's/"now":[0-9]*//')
[ -n "$a" ] && [ "$a" = "$b" ] || die "tables differ between the commander and binh"
say "commander's and binh's tables are identical"
k cmdr directive export "$DID" --out "$W/record.kev" >/dev/null || die "export"
k cmdr directive verify "$W/record.kev" --root "$W/org/root.crt" | tail -n 1 | sed 's/^/   /' ||
	die "verify"

step "8. Revocation: an's second device is reported lost"
AN2=$(k an2 --json whoami | sed -n 's/.*"device":"\([^"]*\)".*/\1/p')
out=$(adm revoke "$AN2" --reason "key compromise") || die "revoke: $out"
printf '%s\n' "$out" | sed 's/^/   /'
out=$(k an2 sync 2>&1) && die "the relay still accepts the revoked device"
printf '%s\n' "$out" | grep -q "revoked" || die "an2 was not told it is revoked: $out"
k an2 send ops "from a lost device" >/dev/null 2>&1 && die "the revoked device could still send"
grep -q "event=revoked_admitted" "$DATA/relay.log" || die "no revoked_admitted event in the relay's log"
say "an2 refused: $(printf '%s\n' "$out" | grep -m1 "this device" | cut -c1-110)"
say "the relay lets it in only to fetch a wipe order (its log: $(grep -m1 -o 'event=revoked_admitted.*' "$DATA/relay.log" | cut -c1-60))"
k binh sync >/dev/null 2>&1 || die "binh sync after revocation"
n=$(k cmdr members ops | grep -c "/an/")
k cmdr sync >/dev/null 2>&1
n=$(k cmdr members ops | grep -c "/an/")
[ "$n" = 1 ] || die "an still has $n devices in the group"
say "the relay proposed the removal; the next member online committed it: an has 1 device left"
k an1 send ops "an: still here on my first device" >/dev/null 2>&1 || die "an1 send after removal"

step "9. The relay's data directory holds no plaintext"
scan() {
	local s
	for s in "demo secret 7f3a" "FILE-SECRET-c41b" "demo secret 91d2" "demo secret e5b0" \
		"north bridge" "bridge secured" "patrol 1 in place"; do
		if grep -rqa -- "$s" "$DATA"/relay.db*; then die "plaintext \"$s\" found in the relay's files"; fi
		[ "$1" = say ] && say "not found: \"$s\""
	done
	return 0
}
say "while the relay runs: $(ls "$DATA" | tr '\n' ' ')"
scan quiet
kill "$RELAY_PID" && wait "$RELAY_PID" 2>/dev/null
RELAY_PID=
ls -la "$DATA" | sed 's/^/   /'
scan say
echo
echo "demo: every step did what it should"
echo "relay data: $DATA"
exit 0
