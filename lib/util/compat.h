/* SPDX-License-Identifier: ISC */
/* Copyright (c) 2026 The Kenh developers */
/*
 * Included first by every .c file of the project (after its own header).
 * It makes the banned functions of STYLE R15.6 compile errors. util/mem.c,
 * the one place that may call the raw allocator, defines KENH_MEM_IMPL
 * before including this file.
 */
#ifndef KENH_UTIL_COMPAT_H
#define KENH_UTIL_COMPAT_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#undef alloca
#if defined(__GNUC__) || defined(__clang__)
#pragma GCC poison strcpy strcat sprintf vsprintf gets strtok atoi atol atoll rand alloca system
#ifndef KENH_MEM_IMPL
#pragma GCC poison malloc calloc realloc
#endif
#endif

#endif /* KENH_UTIL_COMPAT_H */
