#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# The relay as MLS external sender (RFC 9420 §12.1.8.1, docs/protocol.md
# §8): a group lists the relay's key in its external_senders extension
# (through the GroupInfo of a commit); when a member's device is revoked,
# the relay sends the group a Remove proposal for that device's leaf,
# signed by its own key; the members verify it, and the next commit names
# it by reference, after which the relay's membership map has the leaf
# blank. A group that does not list the relay gets no proposal.
. "$(dirname "$0")/lib.sh"

make_pki
for d in alice-d1 bob-d1 carol-d1; do make_device "${d%-*}" "${d#*-}"; done
pk=$("$KENHD" --gen-signing-key "$TMP/signing.key" | sed -n 's/^public_key=//p')
[ ${#pk} = 64 ] || fatal "no signing key"
start_relay "signing_key = $TMP/signing.key"
for d in bob-d1 carol-d1; do relayc "$d" kp-upload 2 >/dev/null || fatal "kp-upload $d"; done
relayc alice-d1 create g-ext >/dev/null || fatal create
relayc alice-d1 add g-ext 0 tb/pc02/bob/d1 tb/pc02/carol/d1 >/dev/null || fatal add
out=$(relayc alice-d1 commit-gi g-ext 0 "$pk") || fatal "commit with GroupInfo: $out"
[ "$out" = "commit epoch=2 seq=2" ] || fatal "commit with GroupInfo: $out"
# A second group without the extension.
relayc alice-d1 create g-plain >/dev/null || fatal "create plain"
relayc alice-d1 add g-plain 0 tb/pc02/bob/d1 >/dev/null || fatal "add plain"

relayc carol-d1 recv --count 1000 --timeout 30 --seen "$TMP/carol.seen" --relay-pk "$pk" \
	>"$TMP/carol.out" 2>&1 &
PIDS+=($!)
wait_for 5 grep -q "device=tb/pc02/carol/d1" "$TMP/relay.log" || fatal "carol not connected"
sleep 0.5

"$RELAYC" pki crl "$PKI" unit-pc02 1 "$TMP/crl.der" "$PKI/bob-d1.der" || fatal "make crl"
relayc alice-d1 crl-upload "$TMP/crl.der" >/dev/null || fatal "crl upload"
grep -q "event=remove_proposed device=tb/pc02/bob/d1 .* epoch=2 leaf=1" "$TMP/relay.log" ||
	fatal "no remove_proposed for g-ext"
grep -q "event=remove_not_proposed device=tb/pc02/bob/d1 .*relay not an external sender" \
	"$TMP/relay.log" || fatal "g-plain should be skipped"

wait_for 5 grep -q "^proposal type=3 sender=2 leaf=1 " "$TMP/carol.out" ||
	fatal "carol did not get the proposal: $(cat "$TMP/carol.out")"
line=$(grep "^proposal type=3" "$TMP/carol.out")
echo "$line" | grep -q "signature=ok" || fatal "relay's signature does not verify: $line"
ref=$(echo "$line" | sed -n 's/.* ref=\([0-9a-f]*\) .*/\1/p')
[ ${#ref} = 64 ] || fatal "no ProposalRef: $line"

# Alice commits the relay's proposal by reference; the relay applies it.
out=$(relayc alice-d1 commit-ref g-ext 0 "$ref") || fatal "commit by reference: $out"
[ "$out" = "commit epoch=3 seq=4" ] || fatal "commit by reference: $out"
out=$(relayc alice-d1 remove g-ext 0 1)
[ "$out" = "status=11 detail=0" ] || fatal "leaf 1 should be blank now: $out"
# A reference to a proposal the relay never saw is refused.
out=$(relayc alice-d1 commit-ref g-ext 0 "$(printf '%064d' 0)")
[ "$out" = "status=11 detail=0" ] || fatal "unknown reference: $out"
pass "relay proposed, signed and saw committed the removal of a revoked device"
