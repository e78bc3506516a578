-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The Kenh developers
-- Schema version 2 of the relay store: what the authority sends through the
-- relay (docs/protocol.md §5). Inbox entries get a kind (2: a Welcome, 3: a
-- wipe order, WIPE_SEND), and enrollment requests the authority refused
-- keep the reason (ENROLL_REJECT; 0: not refused).

ALTER TABLE inbox ADD COLUMN kind INTEGER NOT NULL DEFAULT 2;
ALTER TABLE enrollments ADD COLUMN refused INTEGER NOT NULL DEFAULT 0;
