-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The Kenh developers
-- Schema version 1 of the relay store (kenhd/store/store.h, docs/protocol.md
-- §5-§6, §9). Portable SQL: the PostgreSQL backend uses the same tables with
-- BYTEA for BLOB and BIGINT for INTEGER.

CREATE TABLE devices (
	device   TEXT PRIMARY KEY,
	unit     TEXT NOT NULL,
	serial   TEXT NOT NULL,               -- of the last certificate seen (hex)
	revoked  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX devices_unit ON devices (unit);
CREATE INDEX devices_serial ON devices (serial);

CREATE TABLE key_packages (
	id          INTEGER PRIMARY KEY,
	device      TEXT NOT NULL,
	last_resort INTEGER NOT NULL,
	data        BLOB NOT NULL
);
CREATE INDEX key_packages_device ON key_packages (device, last_resort, id);

CREATE TABLE groups (
	group_id     BLOB PRIMARY KEY,
	cipher_suite INTEGER NOT NULL,
	epoch        INTEGER NOT NULL,
	head         INTEGER NOT NULL,
	created      INTEGER NOT NULL
);

-- The membership map: leaf index -> device (docs/protocol.md §6).
CREATE TABLE leaves (
	group_id BLOB NOT NULL,
	leaf     INTEGER NOT NULL,
	device   TEXT NOT NULL,
	PRIMARY KEY (group_id, leaf)
);
CREATE INDEX leaves_device ON leaves (device, group_id);

-- Delivery cursors: the device has acknowledged seq and receives up to until_seq.
CREATE TABLE cursors (
	device    TEXT NOT NULL,
	group_id  BLOB NOT NULL,
	seq       INTEGER NOT NULL,
	until_seq INTEGER,
	PRIMARY KEY (device, group_id)
);
CREATE INDEX cursors_group ON cursors (group_id);

-- One row per message, whatever the size of the group.
CREATE TABLE log (
	group_id BLOB NOT NULL,
	seq      INTEGER NOT NULL,
	created  INTEGER NOT NULL,
	msg      BLOB NOT NULL,
	PRIMARY KEY (group_id, seq)
);

CREATE TABLE inbox (
	id       INTEGER PRIMARY KEY,
	device   TEXT NOT NULL,
	group_id BLOB NOT NULL,
	created  INTEGER NOT NULL,
	msg      BLOB NOT NULL
);
CREATE INDEX inbox_device ON inbox (device, id);

CREATE TABLE proposals (
	group_id BLOB NOT NULL,
	epoch    INTEGER NOT NULL,
	ref      BLOB NOT NULL,
	msg      BLOB NOT NULL,
	PRIMARY KEY (group_id, epoch, ref)
);

CREATE TABLE group_infos (
	group_id BLOB PRIMARY KEY,
	epoch    INTEGER NOT NULL,
	data     BLOB NOT NULL
);

CREATE TABLE blobs (
	blob_id BLOB PRIMARY KEY,
	owner   TEXT NOT NULL,
	total   INTEGER NOT NULL,
	stored  INTEGER NOT NULL
);
CREATE TABLE blob_chunks (
	blob_id BLOB NOT NULL,
	offset  INTEGER NOT NULL,
	data    BLOB NOT NULL,
	PRIMARY KEY (blob_id, offset)
);

CREATE TABLE crls (
	issuer TEXT PRIMARY KEY,
	number INTEGER NOT NULL,
	der    BLOB NOT NULL
);

CREATE TABLE enrollments (
	ticket  BLOB PRIMARY KEY,
	created INTEGER NOT NULL,
	csr     BLOB NOT NULL,
	cert    BLOB
);
