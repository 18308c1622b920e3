/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/compiler.h - small kernel-style helpers shared by the core and drivers.
 */
#ifndef ACCEL_COMPILER_H
#define ACCEL_COMPILER_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <errno.h>

#define __user
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) ((type *)((char *)(ptr) - offsetof(type, member)))
#define min_t(t, a, b) ((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b) ((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define unlikely(x) __builtin_expect(!!(x), 0)
#define likely(x) __builtin_expect(!!(x), 1)

typedef unsigned int umode_t;

/** MAX_ERRNO - pointers in [-MAX_ERRNO, -1] encode an error, as in the kernel. */
#define MAX_ERRNO 4095

/** ERR_PTR() - encode a negative errno as a pointer. */
static inline void *ERR_PTR(long error) { return (void *)error; }
/** PTR_ERR() - decode the errno of an ERR_PTR(). */
static inline long PTR_ERR(const void *ptr) { return (long)ptr; }
/** IS_ERR() - true when @ptr encodes an errno. */
static inline bool IS_ERR(const void *ptr) { return (uintptr_t)ptr >= (uintptr_t)-MAX_ERRNO; }
/** IS_ERR_OR_NULL() - true when @ptr is NULL or encodes an errno. */
static inline bool IS_ERR_OR_NULL(const void *ptr) { return !ptr || IS_ERR(ptr); }

#endif
