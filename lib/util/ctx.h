/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The inside of struct kenh_ctx (STYLE R7.1): everything the library would
 * otherwise keep in globals. crypto/ fills in the provider; util/ only
 * needs the log sink. kenh_ctx_new() and kenh_ctx_free() live in
 * crypto/provider.c because making a context means fetching algorithms.
 */
#ifndef KENH_UTIL_CTX_H
#define KENH_UTIL_CTX_H

#include <stdint.h>

#include "kenh/kenh.h"

struct crypto_provider;

struct kenh_ctx {
	kenh_log_fn *log_fn; /* NULL: the library is silent (R10.2) */
	void *log_arg;
	enum kenh_log_level log_level;
	struct crypto_provider *crypto; /* owned; see crypto/crypto.h */
};

#endif /* KENH_UTIL_CTX_H */
