/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/wait.h - sleeping until something happens or a deadline passes.
 *
 * The core's one way to wait with a timeout: condition variables that time out against
 * CLOCK_MONOTONIC, so deadlines are absolute ktime_get() times in nanoseconds (the clock of
 * fences and of the uapi's timeouts) and MAX_SCHEDULE_TIMEOUT is a deadline that never comes.
 * Relative timeouts become deadlines with ktime_deadline_ns() / ktime_deadline_ms().
 *
 * Two forms: cond_wait_event_deadline() waits on a condition variable of the caller's, under
 * the caller's lock, for a condition of the caller's state (the scheduler); &struct waiter is
 * a sleeper of its own that other threads (fence callbacks) wake (fence and syncobj waits).
 */
#ifndef ACCEL_WAIT_H
#define ACCEL_WAIT_H

#include <pthread.h>
#include <stdbool.h>
#include <accel/ktime.h>

/**
 * ktime_deadline_ns() - the absolute deadline @timeout_ns from now.
 * @timeout_ns: a relative timeout (>= 0); from MAX_SCHEDULE_TIMEOUT / 2 on (146 years, past
 *	any uptime) it is no limit and the deadline is MAX_SCHEDULE_TIMEOUT.
 */
static inline ktime_t ktime_deadline_ns(ktime_t timeout_ns)
{
	return timeout_ns < MAX_SCHEDULE_TIMEOUT / 2 ? ktime_get() + timeout_ns :
						       MAX_SCHEDULE_TIMEOUT;
}

/**
 * ktime_deadline_ms() - the absolute deadline @timeout_ms milliseconds from now.
 * @timeout_ms: a relative timeout (>= 0); from MAX_SCHEDULE_TIMEOUT / 2000000 ms on (53
 *	days) it is no limit, as is MAX_SCHEDULE_TIMEOUT, and the deadline is
 *	MAX_SCHEDULE_TIMEOUT.
 */
static inline ktime_t ktime_deadline_ms(long timeout_ms)
{
	return timeout_ms < MAX_SCHEDULE_TIMEOUT / 2000000 ?
	       ktime_get() + (ktime_t)timeout_ms * 1000000 : MAX_SCHEDULE_TIMEOUT;
}

/** cond_init_monotonic() - initialise @cond to time out against CLOCK_MONOTONIC. */
void cond_init_monotonic(pthread_cond_t *cond);

/**
 * cond_wait_deadline() - wait once on @cond (with @lock held) until the absolute @deadline.
 * @cond: initialised with cond_init_monotonic()
 * @lock: the mutex the caller holds; released while sleeping
 * @deadline: ktime_get() time; MAX_SCHEDULE_TIMEOUT waits without a limit
 *
 * Returns false when the deadline has passed, true when woken (maybe spuriously: the caller
 * looks at its condition again).
 */
bool cond_wait_deadline(pthread_cond_t *cond, pthread_mutex_t *lock, ktime_t deadline);

/**
 * cond_wait_event_deadline() - sleep on @cond until @condition holds or @deadline passes.
 * @cond: initialised with cond_init_monotonic(), signalled when @condition may have changed
 * @lock: the mutex guarding @condition, held by the caller (released while sleeping)
 * @condition: an expression, evaluated under @lock
 * @deadline: absolute ktime_get() time; MAX_SCHEDULE_TIMEOUT for none
 *
 * The caller looks at @condition afterwards to tell a wake-up from a timeout.
 */
#define cond_wait_event_deadline(cond, lock, condition, deadline)			\
	do {										\
		while (!(condition))							\
			if (!cond_wait_deadline(cond, lock, deadline))			\
				break;							\
	} while (0)

/**
 * struct waiter - a thread sleeping until another wakes it (e.g. from a fence callback).
 * @lock: guards @woken
 * @cond: signalled by waiter_wake()
 * @woken: set by waiter_wake(), consumed by waiter_sleep()
 */
struct waiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool woken;
};

/** waiter_init() - prepare @w (not woken). */
void waiter_init(struct waiter *w);
/** waiter_fini() - release @w; nobody may wake it any more. */
void waiter_fini(struct waiter *w);
/** waiter_wake() - wake @w, or make its next waiter_sleep() return at once. Any thread. */
void waiter_wake(struct waiter *w);

/**
 * waiter_sleep() - sleep until @w is woken or @deadline passes.
 * @w: the waiter; a wake-up is consumed
 * @deadline: absolute ktime_get() time; MAX_SCHEDULE_TIMEOUT for none
 * @interruptible: also return when the caller of the current request has gone
 *	(signal_pending(), looked at every 100 ms), as the kernel's interruptible sleeps do
 *
 * Returns 1 when woken, 0 when the deadline passed, -ERESTARTSYS when interrupted.
 */
int waiter_sleep(struct waiter *w, ktime_t deadline, bool interruptible);

#endif
