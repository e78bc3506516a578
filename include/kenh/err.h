/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * The one error vocabulary of libkenh (STYLE R3). Every function that can
 * fail returns 0 or one of these negative codes; kenh_strerror() turns a code
 * into a fixed English phrase. The list only grows: values are stable, so a
 * code may travel in a relay error frame or a log line.
 */
#ifndef KENH_ERR_H
#define KENH_ERR_H

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) || defined(__clang__)
#define KENH_API        __attribute__((visibility("default")))
#define KENH_MUST_CHECK __attribute__((warn_unused_result))
#else
#define KENH_API
#define KENH_MUST_CHECK
#endif

enum kenh_err {
	KENH_OK = 0,
	KENH_E_NOMEM = -1,        /* an allocation failed */
	KENH_E_INVALID_ARG = -2,  /* the caller broke a documented precondition */
	KENH_E_INTERNAL = -3,     /* an internal invariant did not hold */
	KENH_E_PARSE = -4,        /* malformed encoding */
	KENH_E_TRUNCATED = -5,    /* the input ended early: more bytes are needed */
	KENH_E_TOO_LARGE = -6,    /* a length or count is over its limit */
	KENH_E_TRAILING = -7,     /* bytes left after a complete structure */
	KENH_E_VERIFY = -8,       /* a signature, MAC or hash did not verify */
	KENH_E_DECRYPT = -9,      /* decryption failed (one code for every cause) */
	KENH_E_STATE = -10,       /* wrong state or epoch for this operation */
	KENH_E_PROTO = -11,       /* a protocol rule was violated */
	KENH_E_UNSUPPORTED = -12, /* a suite, algorithm or version we do not support */
	KENH_E_CRYPTO = -13,      /* the crypto library failed */
	KENH_E_IO = -14,          /* a read, write or network operation failed */
	KENH_E_DB = -15,          /* the database failed */
	KENH_E_TIMEOUT = -16,     /* a deadline passed */
	KENH_E_PERM = -17,        /* not allowed for this identity */
	KENH_E_REVOKED = -18,     /* the credential or device is revoked */
	KENH_E_NOT_FOUND = -19,   /* no such object */
	KENH_E_EXISTS = -20,      /* the object already exists */
	KENH_E_EXPIRED = -21,     /* a lifetime, certificate or code has expired */
};

/* One past the most negative code; kenh_strerror() is defined for (KENH_E_LAST, 0]. */
#define KENH_E_LAST (-22)

/**
 * \brief Describe an error code.
 * \param code 0 or a KENH_E_* value.
 * \return a static, NUL-terminated English phrase; "unknown error" for any other value.
 */
KENH_API const char *kenh_strerror(int code);

#ifdef __cplusplus
}
#endif
#endif /* KENH_ERR_H */
