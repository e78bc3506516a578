/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * kenhd's configuration file (docs/kenhd.example.conf documents every
 * key): "key = value" lines, '#' comments, each key known to a table with
 * its type and bounds. Limits default to docs/protocol.md §7. Keys that may
 * repeat (unit_ca, crl_file, authority) collect into lists.
 */
#ifndef KENH_KENHD_CONFIG_H
#define KENH_KENHD_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "kenh/err.h"

#define CONFIG_MAX_LIST 64
#define CONFIG_MAX_PATH 512

struct config_list {
	char items[CONFIG_MAX_LIST][CONFIG_MAX_PATH];
	size_t n;
};

struct config {
	char listen[CONFIG_MAX_PATH];       /* host:port of the TLS listener */
	char admin_listen[CONFIG_MAX_PATH]; /* 127.0.0.1:port of /healthz and /metrics; "" off */
	char tls_cert[CONFIG_MAX_PATH];     /* the relay's server certificate chain (PEM) */
	char tls_key[CONFIG_MAX_PATH];      /* its private key (PEM) */
	char root_ca[CONFIG_MAX_PATH];      /* the organization root (PEM or DER) */
	struct config_list unit_ca;         /* unit CA certificates (PEM or DER) */
	struct config_list crl_file;        /* CRLs read at start and on SIGHUP */
	struct config_list authority;       /* device names allowed ENROLL_LIST/ISSUE */
	char signing_key[CONFIG_MAX_PATH];  /* the relay's external-sender key; "" none */
	char store[32];                     /* "sqlite" or "postgresql" */
	char db_path[CONFIG_MAX_PATH];      /* sqlite: the database file */
	char pg_conninfo[CONFIG_MAX_PATH];  /* postgresql: the libpq connection string */
	char log_level[16];
	uint64_t max_frame;
	uint64_t max_decode_bytes; /* frames over DECODE_FREE read at once, all connections */
	uint64_t output_cap;
	uint64_t max_connections;
	uint64_t max_per_address;
	uint64_t handshake_timeout; /* seconds */
	uint64_t enroll_timeout;
	uint64_t idle_timeout;
	uint64_t request_timeout;
	uint64_t kp_max_per_device;
	uint64_t blob_max;
	uint64_t retention_days;
	uint64_t enroll_refusals_per_address; /* refused or pending enrollments per address */
	uint64_t enroll_refusals_global;      /* the same for the whole relay */
	uint64_t enroll_refusal_window;       /* seconds for an empty bucket to refill */
};

/* Defaults of docs/protocol.md §7. */
void config_defaults(struct config *c);

/*
 * Read path into c (on top of the defaults). On failure, err (errlen
 * bytes) says which line and why. KENH_E_IO, KENH_E_PARSE, KENH_E_INVALID_ARG
 * (a required key missing or a value out of bounds).
 */
KENH_MUST_CHECK int config_load(const char *path, struct config *c, char *err, size_t errlen);

#endif /* KENH_KENHD_CONFIG_H */
