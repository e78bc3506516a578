-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The Kenh developers
-- Schema version 3 of the relay store: certificate renewals (RENEW_SUBMIT,
-- docs/protocol.md §5). An enrollment request gets a kind (1: a new device
-- with an enrollment code, 2: a renewal) and, for a renewal, the name of
-- the device whose authenticated connection sent it. A device has at most
-- one renewal waiting for the authority. Inbox entries of kind 4 carry a
-- renewed certificate.

ALTER TABLE enrollments ADD COLUMN kind INTEGER NOT NULL DEFAULT 1;
ALTER TABLE enrollments ADD COLUMN device TEXT;
CREATE UNIQUE INDEX enrollments_renew_pending ON enrollments (device)
	WHERE kind = 2 AND cert IS NULL AND refused = 0;
