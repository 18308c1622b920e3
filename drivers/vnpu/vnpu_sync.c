// SPDX-License-Identifier: MIT
/*
 * vnpu: the command processor's synchronisation packets: user fences, semaphore waits on
 * memory, timestamps, and the deadline and abort checks that let a hung stream be stopped.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <time.h>

#include <accel/ktime.h>
#include "vnpu_units.h"

/*
 * A semaphore is first polled this many times (well under a scheduler tick), since most
 * waits are for a producer that is about to finish; then the waiter sleeps, with the sleep
 * doubling from SLEEP_MIN_NS to SLEEP_MAX_NS, so that a long wait costs no CPU and a kill
 * or a deadline is still noticed within a millisecond.
 */
#define VNPU_SEM_SPINS		2000
#define VNPU_SEM_SLEEP_MIN_NS	10000ull
#define VNPU_SEM_SLEEP_MAX_NS	1000000ull

/**
 * vnpu_now_ns() - CLOCK_MONOTONIC in nanoseconds: the device clock of timestamps, deadlines
 * and busy time.
 */
uint64_t vnpu_now_ns(void)
{
	return (uint64_t)ktime_get();
}

/**
 * vnpu_cpu_relax() - one step of a busy-wait: tells the CPU (and a sibling hyperthread) that
 * this core only polls.
 */
void vnpu_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#else
	__asm__ __volatile__("" ::: "memory");
#endif
}

/**
 * vnpu_sync_check_abort() - has the job been cancelled or run out of time?
 * @ctx: the stream's context.
 *
 * Return: 0, -ECANCELED when @ctx->aborted says so, -ETIME past @ctx->deadline_ns.
 */
int vnpu_sync_check_abort(const struct vnpu_exec_ctx *ctx)
{
	if (ctx->aborted && ctx->aborted(ctx->abort_ctx))
		return -ECANCELED;
	if (ctx->deadline_ns && vnpu_now_ns() >= ctx->deadline_ns)
		return -ETIME;
	return 0;
}

/**
 * vnpu_sync_fence_write() - store a user fence value.
 * @dst: 8-byte aligned; @value: the value.
 *
 * Release ordering: whoever sees the value also sees every result written before it.
 */
void vnpu_sync_fence_write(void *dst, uint64_t value)
{
	__atomic_store_n((uint64_t *)dst, value, __ATOMIC_RELEASE);
}

/**
 * vnpu_sync_timestamp() - store the current CLOCK_MONOTONIC time in nanoseconds.
 * @dst: 8-byte aligned.
 */
void vnpu_sync_timestamp(void *dst)
{
	__atomic_store_n((uint64_t *)dst, vnpu_now_ns(), __ATOMIC_RELEASE);
}

/**
 * vnpu_sync_sem_wait() - wait until the 64-bit value at @sem is >= @value.
 * @ctx: the stream's context (deadline, abort).
 * @sem: 8-byte aligned; another thread, process or engine writes it.
 * @value: the value to reach.
 * @timeout_ns: the packet's own limit; 0 = none.
 *
 * Return: 0; -ETIME when @timeout_ns or the deadline passes first; -ECANCELED when aborted.
 */
int vnpu_sync_sem_wait(const struct vnpu_exec_ctx *ctx, const void *sem, uint64_t value,
		       uint64_t timeout_ns)
{
	const uint64_t *p = sem;
	uint64_t start = vnpu_now_ns(), sleep_ns = VNPU_SEM_SLEEP_MIN_NS;
	int i, ret;

	for (i = 0; i < VNPU_SEM_SPINS; i++) {
		if (__atomic_load_n(p, __ATOMIC_ACQUIRE) >= value)
			return 0;
		vnpu_cpu_relax();
	}
	for (;;) {
		struct timespec ts;

		if (__atomic_load_n(p, __ATOMIC_ACQUIRE) >= value)
			return 0;
		ret = vnpu_sync_check_abort(ctx);
		if (ret)
			return ret;
		if (timeout_ns && vnpu_now_ns() - start >= timeout_ns)
			return -ETIME;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)sleep_ns;
		nanosleep(&ts, NULL);
		if (sleep_ns < VNPU_SEM_SLEEP_MAX_NS)
			sleep_ns *= 2;
	}
}
