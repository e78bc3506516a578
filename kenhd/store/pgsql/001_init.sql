-- SPDX-License-Identifier: ISC
-- Copyright (c) 2026 The Kenh developers
-- Schema version 1 of the relay store on PostgreSQL (kenhd/store/store_pg.c,
-- docs/relay-store.md, docs/protocol.md §5-§6, §9): the tables of the SQLite
-- schema after its migrations 001-003, with BIGINT for integers, BYTEA for
-- byte strings, identity columns for the ids SQLite takes from its rowid,
-- and "at" for the chunk offset (OFFSET is a keyword here). The version
-- reached is kept in kenh_schema (created by the backend before the first
-- migration).

CREATE TABLE devices (
	device   TEXT PRIMARY KEY,
	unit     TEXT NOT NULL,
	serial   TEXT NOT NULL,               -- of the last certificate seen (hex)
	revoked  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX devices_unit ON devices (unit);
CREATE INDEX devices_serial ON devices (serial);

CREATE TABLE key_packages (
	id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	device      TEXT NOT NULL,
	last_resort BIGINT NOT NULL,
	data        BYTEA NOT NULL
);
CREATE INDEX key_packages_device ON key_packages (device, last_resort, id);

CREATE TABLE groups (
	group_id     BYTEA PRIMARY KEY,
	cipher_suite BIGINT NOT NULL,
	epoch        BIGINT NOT NULL,
	head         BIGINT NOT NULL,
	created      BIGINT NOT NULL
);

-- The membership map: leaf index -> device (docs/protocol.md §6).
CREATE TABLE leaves (
	group_id BYTEA NOT NULL,
	leaf     BIGINT NOT NULL,
	device   TEXT NOT NULL,
	PRIMARY KEY (group_id, leaf)
);
CREATE INDEX leaves_device ON leaves (device, group_id);

-- Delivery cursors: the device has acknowledged seq and receives up to until_seq.
CREATE TABLE cursors (
	device    TEXT NOT NULL,
	group_id  BYTEA NOT NULL,
	seq       BIGINT NOT NULL,
	until_seq BIGINT,
	PRIMARY KEY (device, group_id)
);
CREATE INDEX cursors_group ON cursors (group_id);

-- One row per message, whatever the size of the group.
CREATE TABLE log (
	group_id BYTEA NOT NULL,
	seq      BIGINT NOT NULL,
	created  BIGINT NOT NULL,
	msg      BYTEA NOT NULL,
	PRIMARY KEY (group_id, seq)
);
CREATE INDEX log_created ON log (created);

-- Kind 2: a Welcome, 3: a wipe order, 4: a renewed certificate.
CREATE TABLE inbox (
	id       BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	device   TEXT NOT NULL,
	group_id BYTEA NOT NULL,
	created  BIGINT NOT NULL,
	msg      BYTEA NOT NULL,
	kind     BIGINT NOT NULL DEFAULT 2
);
CREATE INDEX inbox_device ON inbox (device, id);

CREATE TABLE proposals (
	group_id BYTEA NOT NULL,
	epoch    BIGINT NOT NULL,
	ref      BYTEA NOT NULL,
	msg      BYTEA NOT NULL,
	PRIMARY KEY (group_id, epoch, ref)
);

CREATE TABLE group_infos (
	group_id BYTEA PRIMARY KEY,
	epoch    BIGINT NOT NULL,
	data     BYTEA NOT NULL
);

CREATE TABLE blobs (
	blob_id BYTEA PRIMARY KEY,
	owner   TEXT NOT NULL,
	total   BIGINT NOT NULL,
	stored  BIGINT NOT NULL
);
CREATE TABLE blob_chunks (
	blob_id BYTEA NOT NULL,
	at      BIGINT NOT NULL,
	data    BYTEA NOT NULL,
	PRIMARY KEY (blob_id, at)
);

CREATE TABLE crls (
	issuer TEXT PRIMARY KEY,
	number BIGINT NOT NULL,
	der    BYTEA NOT NULL
);

-- Kind 1: a new device's request (enrollment code), 2: a renewal by device.
-- refused: the authority's reason (0: not refused).
CREATE TABLE enrollments (
	ticket  BYTEA PRIMARY KEY,
	created BIGINT NOT NULL,
	csr     BYTEA NOT NULL,
	cert    BYTEA,
	refused BIGINT NOT NULL DEFAULT 0,
	kind    BIGINT NOT NULL DEFAULT 1,
	device  TEXT
);
CREATE UNIQUE INDEX enrollments_renew_pending ON enrollments (device)
	WHERE kind = 2 AND cert IS NULL AND refused = 0;
