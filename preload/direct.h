/* SPDX-License-Identifier: MIT */
/*
 * The pass-through of the calls a program makes most (ioctl, close, dup, read, write) on descriptors the
 * shim does not emulate, as a system call made here rather than a second, indirect call into
 * libc's wrapper (docs/preload.md, "Overhead"). On x86_64 glibc's ioctl, dup and (in a
 * single-threaded process) close are the system call and an errno store, nothing more, so
 * making it here is the same call at the cost of one table load: what the program would
 * have got from libc, the same result and the same errno.
 *
 * close, read and write are cancellation points: with a second thread (or after
 * pthread_cancel, which clears the flag below) glibc runs the syscall inside its
 * asynchronous-cancellation window; the shim then calls libc's function so that cancellation
 * stays libc's. glibc itself tests __libc_single_threaded to choose (glibc 2.36's close, read
 * and write begin with that test), so the shim makes the system call itself exactly when libc
 * would have made it bare.
 *
 * Elsewhere (another architecture) every pass-through is libc's function.
 */
#ifndef ACCEL_PRELOAD_DIRECT_H
#define ACCEL_PRELOAD_DIRECT_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/syscall.h>

#if defined(__x86_64__)
#define PRELOAD_DIRECT 1

/* The kernel's calling convention: number in rax, arguments in rdi, rsi, rdx; rcx, r11 clobbered. */
static inline long direct_syscall1(long nr, long a)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "0"(nr), "D"(a) : "rcx", "r11", "memory");
	return ret;
}

static inline long direct_syscall3(long nr, long a, long b, long c)
{
	long ret;

	__asm__ volatile("syscall" : "=a"(ret) : "0"(nr), "D"(a), "S"(b), "d"(c) : "rcx", "r11", "memory");
	return ret;
}

/**
 * struct direct_hot - what the pass-through reads besides the descriptor table, in one cache
 * line (on the machines this runs on, every system call empties the first-level data cache:
 * each line the wrapper touches costs more than its instructions do).
 * @errno_offset: errno's offset from the thread pointer: libc's errno is an initial-exec TLS
 *	variable of libc.so (the static TLS block), at the same offset in every thread, which is
 *	how libc's own wrappers store it (%fs:offset). 0 until the constructor (direct.c) ran.
 * @single_threaded: &__libc_single_threaded, NULL until the constructor ran.
 */
struct direct_hot {
	long errno_offset;
	const volatile char *single_threaded;
} __attribute__((aligned(64)));
extern struct direct_hot direct_hot;

/* Where the offset is not known yet: through __errno_location(). */
__attribute__((noinline)) int direct_fail(long ret);

/* A system call's result as libc returns it: -1 with errno for -4095..-1. */
static inline long direct_result_long(long ret)
{
	if (__builtin_expect((unsigned long)ret > -4096UL, 0)) {
		long off = direct_hot.errno_offset;

		if (__builtin_expect(!off, 0))
			return direct_fail(ret);
		__asm__ volatile("movl %0, %%fs:(%1)" : : "r"((int)-ret), "r"(off) : "memory");
		return -1;
	}
	return ret;
}

/* The same, for the calls that return int. */
static inline int direct_result(long ret)
{
	return (int)direct_result_long(ret);
}

/* glibc's own test of whether close needs its cancellation window (see the top). */
static inline bool direct_single_threaded(void)
{
	const volatile char *st = direct_hot.single_threaded;

	return __builtin_expect(st != NULL, 1) && *st;
}
#endif

#endif
