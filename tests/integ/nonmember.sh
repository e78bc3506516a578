#!/bin/bash
# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Kenh developers
#
# Only members speak (docs/protocol.md §5): a device that holds no leaf may
# not send application messages; nobody may commit in the name of a leaf
# held by another device; a removed device is refused from then on, and
# still learns of its removal.
. "$(dirname "$0")/lib.sh"

make_pki
make_device alice d1
make_device bob d1
make_device mallory d1
start_relay
relayc bob-d1 kp-upload 1 >/dev/null || fatal kp-upload
relayc alice-d1 create g-nm >/dev/null || fatal create
relayc alice-d1 add g-nm 0 tb/pc02/bob/d1 >/dev/null || fatal add

out=$(relayc mallory-d1 send g-nm 1 evil)
[ $? = 3 ] && echo "$out" | grep -q "status=17" || fatal "non-member message: $out"
out=$(relayc mallory-d1 commit g-nm 0 1)
[ $? = 3 ] && [ "$out" = "status=17 detail=0" ] || fatal "non-member commit as leaf 0: $out"
out=$(relayc bob-d1 commit g-nm 0 1)
[ "$out" = "status=17 detail=0" ] || fatal "bob committing as alice's leaf: $out"
out=$(relayc bob-d1 send g-nm 2 ok) || fatal "member message refused: $out"
relayc alice-d1 send g-nm 2 from-alice >/dev/null || fatal "alice's messages refused"
# A group bob is not in.
relayc alice-d1 create g-other >/dev/null || fatal "create g-other"
out=$(relayc bob-d1 send g-other 1 x)
[ $? = 3 ] || fatal "message to a group bob is not in: $out"

# Bob removed (leaf 1): refused afterwards; he still receives the removing commit.
out=$(relayc alice-d1 remove g-nm 0 1) || fatal "remove: $out"
out=$(relayc bob-d1 send g-nm 1 late)
[ $? = 3 ] && echo "$out" | grep -q "status=17" || fatal "removed member still sends: $out"
relayc bob-d1 recv --count 2 --timeout 3 --seen "$TMP/bob.seen" >"$TMP/bob.out" 2>/dev/null
grep -q "commit epoch=1" "$TMP/bob.out" || fatal "bob did not see his removal: $(cat "$TMP/bob.out")"
pass "non-members and impostors refused"
