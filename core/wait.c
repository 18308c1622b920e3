// SPDX-License-Identifier: MIT
/*
 * Timed waits on CLOCK_MONOTONIC (include/accel/wait.h): the condition variables of the
 * core time out against the clock of ktime_get(), so a deadline never moves with the wall
 * clock.
 */
#include <errno.h>

#include <accel/cred.h>
#include <accel/wait.h>

/* How often an interruptible sleeper looks whether its caller has gone (signal_pending()). */
#define WAITER_SIGNAL_SLICE_NS 100000000LL

void cond_init_monotonic(pthread_cond_t *cond)
{
	pthread_condattr_t attr;

	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(cond, &attr);
	pthread_condattr_destroy(&attr);
}

bool cond_wait_deadline(pthread_cond_t *cond, pthread_mutex_t *lock, ktime_t deadline)
{
	struct timespec ts = { .tv_sec = deadline / 1000000000, .tv_nsec = deadline % 1000000000 };

	if (deadline == MAX_SCHEDULE_TIMEOUT) {
		pthread_cond_wait(cond, lock);
		return true;
	}
	return pthread_cond_timedwait(cond, lock, &ts) != ETIMEDOUT;
}

void waiter_init(struct waiter *w)
{
	pthread_mutex_init(&w->lock, NULL);
	cond_init_monotonic(&w->cond);
	w->woken = false;
}

void waiter_fini(struct waiter *w)
{
	pthread_cond_destroy(&w->cond);
	pthread_mutex_destroy(&w->lock);
}

void waiter_wake(struct waiter *w)
{
	pthread_mutex_lock(&w->lock);
	w->woken = true;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->lock);
}

int waiter_sleep(struct waiter *w, ktime_t deadline, bool interruptible)
{
	int ret = 0;

	pthread_mutex_lock(&w->lock);
	while (!w->woken) {
		ktime_t until = deadline;

		if (interruptible) {
			ktime_t now = ktime_get();

			if (now >= deadline)
				break;
			/* Sleep in slices to notice a caller that went away. */
			if (until - now > WAITER_SIGNAL_SLICE_NS)
				until = now + WAITER_SIGNAL_SLICE_NS;
		}
		if (cond_wait_deadline(&w->cond, &w->lock, until))
			continue;
		if (!interruptible)
			break;
		if (!w->woken && signal_pending()) {
			ret = -ERESTARTSYS;
			break;
		}
	}
	if (w->woken)
		ret = 1;
	w->woken = false;
	pthread_mutex_unlock(&w->lock);
	return ret;
}
