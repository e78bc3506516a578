#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Commit ordering (docs/protocol.md §5 HANDSHAKE): exactly one commit per
# epoch, the first; a commit for an old (or future) epoch is refused with
# STATE and the current epoch, which the client uses to catch up.
. "$(dirname "$0")/lib.sh"

make_pki
make_device alice d1
make_device bob d1
start_relay
relayc bob-d1 kp-upload 2 >/dev/null || fatal kp-upload
relayc alice-d1 create g-st >/dev/null || fatal create
out=$(relayc alice-d1 commit g-st 0 0) || fatal "first commit at epoch 0: $out"
[ "$out" = "commit epoch=1 seq=1" ] || fatal "first commit: $out"
out=$(relayc alice-d1 commit g-st 0 0)
[ $? = 3 ] || fatal "second commit at epoch 0 accepted: $out"
[ "$out" = "stale status=10 detail=1" ] || fatal "stale answer: $out"
out=$(relayc alice-d1 commit g-st 0 7)
[ "$out" = "stale status=10 detail=1" ] || fatal "future epoch: $out"
out=$(relayc alice-d1 commit g-st 0 1) || fatal "commit at epoch 1: $out"
[ "$out" = "commit epoch=2 seq=2" ] || fatal "commit at epoch 1: $out"
# add retries once with the epoch the relay names (2 here), as a client catching up.
out=$(relayc alice-d1 add g-st 0 tb/pc02/bob/d1) || fatal "add: $out"
[ "$out" = "commit epoch=3 seq=3" ] || fatal "add after catching up: $out"
[ "$(metric kenhd_commits_stale_total)" = 3 ] || fatal "metric stale: $(metric kenhd_commits_stale_total)"
[ "$(metric kenhd_commits_accepted_total)" = 3 ] || fatal "metric accepted"
grep -q 'event=' "$TMP/relay.log" || fatal "no key=value log"
pass "one commit per epoch, stale answered with the current epoch"
