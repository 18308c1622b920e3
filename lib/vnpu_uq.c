// SPDX-License-Identifier: MIT
/*
 * libaccel: the client side of vnpu user queues (include/libaccel_vnpu.h). The queue's
 * control page and ring are mapped from the queue object; everything here is loads, stores
 * and, only when the other side sleeps, a futex call.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdbool.h>
#include <linux/futex.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <libaccel_vnpu.h>

/* How long a waiter polls before it sleeps, when the device can run on another CPU. */
#define UQ_SPIN_NS	20000ll

/**
 * struct accel_vnpu_uq - one mapped queue. Used by one producer thread at a time: @wptr
 * (published or not), @pending (an entry reserved), @seqno and @entry are the producer's.
 * Waiters only read the control page.
 */
struct accel_vnpu_uq {
	int fd;
	uint32_t id;
	uint32_t handle;
	uint32_t ring_size;
	void *map;
	size_t map_size;
	struct vnpu_uq_control *ctrl;
	uint8_t *ring;
	uint64_t wptr;
	uint64_t seqno;
	struct vnpu_uq_entry *entry;
	size_t entry_len;
	int spin;
};

static int64_t uq_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000ll + ts.tv_nsec;
}

static void uq_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

/* CPUs this thread may run on: polling only pays when the device can run on another. */
static int uq_cpus_usable(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return get_nprocs();
	return CPU_COUNT(&set);
}

/*
 * One step of a poll that started at @t0: pure spinning for the first microseconds, then
 * yielding, so that a device thread the scheduler put on our CPU gets to run. False once
 * the poll's budget is spent (time to sleep).
 */
static bool uq_poll_step(const struct accel_vnpu_uq *q, int64_t t0, unsigned int *polls)
{
	int64_t spent;

	if (!q->spin)
		return false;
	/* The clock is read on every 16th step only: it costs about what a poll does. */
	if ((++*polls & 15) && *polls > 16) {
		uq_cpu_relax();
		return true;
	}
	spent = uq_now_ns() - t0;
	if (spent >= UQ_SPIN_NS)
		return false;
	if (spent < 2000)
		uq_cpu_relax();
	else
		sched_yield();
	return true;
}

static void uq_futex_wait(uint32_t *addr, uint32_t val, int64_t deadline)
{
	struct timespec ts = { 0, 50 * 1000000l }, *tp = &ts;

	if (deadline >= 0) {
		int64_t left = deadline - uq_now_ns();

		if (left <= 0)
			return;
		if (left < 50 * 1000000ll)
			ts.tv_nsec = left;
	}
	/* Bounded even without a deadline: a stopped queue is noticed by the next look. */
	syscall(SYS_futex, addr, FUTEX_WAIT, val, tp, NULL, 0);
}

int accel_vnpu_uq_create(int fd, uint32_t ring_size, struct accel_vnpu_uq **out)
{
	struct drm_vnpu_queue_create c = { .ring_size = ring_size };
	struct drm_vnpu_queue_destroy d = { 0 };
	struct drm_vnpu_bo_info info = { 0 };
	struct drm_gem_close gc = { 0 };
	struct accel_vnpu_uq *q;
	int ret;

	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	if (accel_sys_ioctl(fd, DRM_IOCTL_VNPU_QUEUE_CREATE, &c)) {
		ret = -errno;
		goto err_free;
	}
	info.handle = c.handle;
	if (accel_sys_ioctl(fd, DRM_IOCTL_VNPU_BO_INFO, &info)) {
		ret = -errno;
		goto err_queue;
	}
	q->map_size = (size_t)info.size;
	q->map = accel_sys_mmap(NULL, q->map_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				(off_t)info.mmap_offset);
	if (q->map == MAP_FAILED) {
		ret = -errno;
		goto err_queue;
	}
	q->fd = fd;
	q->id = c.queue_id;
	q->handle = c.handle;
	q->ring_size = ring_size;
	q->ctrl = q->map;
	q->ring = (uint8_t *)q->map + VNPU_UQ_RING_OFFSET;
	q->spin = uq_cpus_usable() > 1;
	*out = q;
	return 0;

err_queue:
	d.queue_id = c.queue_id;
	accel_sys_ioctl(fd, DRM_IOCTL_VNPU_QUEUE_DESTROY, &d);
	gc.handle = c.handle;
	accel_sys_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &gc);
err_free:
	free(q);
	return ret;
}

void accel_vnpu_uq_destroy(struct accel_vnpu_uq *q)
{
	struct drm_vnpu_queue_destroy d = { 0 };
	struct drm_gem_close gc = { 0 };

	if (!q)
		return;
	d.queue_id = q->id;
	gc.handle = q->handle;
	accel_sys_ioctl(q->fd, DRM_IOCTL_VNPU_QUEUE_DESTROY, &d);
	accel_sys_munmap(q->map, q->map_size);
	accel_sys_ioctl(q->fd, DRM_IOCTL_GEM_CLOSE, &gc);
	free(q);
}

uint32_t accel_vnpu_uq_id(const struct accel_vnpu_uq *q)
{
	return q->id;
}

const struct vnpu_uq_control *accel_vnpu_uq_control(const struct accel_vnpu_uq *q)
{
	return q->ctrl;
}

uint64_t accel_vnpu_uq_completed(const struct accel_vnpu_uq *q)
{
	return __atomic_load_n(&q->ctrl->completed, __ATOMIC_ACQUIRE);
}

static int uq_stopped(const struct accel_vnpu_uq *q)
{
	if (__atomic_load_n(&q->ctrl->status, __ATOMIC_ACQUIRE) == VNPU_UQ_STATUS_ERROR)
		return __atomic_load_n(&q->ctrl->error, __ATOMIC_RELAXED) ?: -EIO;
	return 0;
}

/* Wait until @need bytes past our wptr are free (the device's rptr moved far enough). */
static int uq_wait_space(struct accel_vnpu_uq *q, uint64_t need, int flags)
{
	int64_t t0 = uq_now_ns();
	unsigned int polls = 0;

	for (;;) {
		uint32_t seen = __atomic_load_n(&q->ctrl->rptr_futex, __ATOMIC_ACQUIRE);
		uint64_t rptr = __atomic_load_n(&q->ctrl->rptr, __ATOMIC_ACQUIRE);
		int err = uq_stopped(q);

		if (err)
			return err;
		if (q->wptr + need - rptr <= q->ring_size)
			return 0;
		if (flags & ACCEL_VNPU_UQ_NONBLOCK)
			return -EAGAIN;
		if (uq_poll_step(q, t0, &polls))
			continue;
		__atomic_add_fetch(&q->ctrl->waiters, 1, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&q->ctrl->rptr, __ATOMIC_SEQ_CST) == rptr)
			uq_futex_wait(&q->ctrl->rptr_futex, seen, -1);
		__atomic_sub_fetch(&q->ctrl->waiters, 1, __ATOMIC_SEQ_CST);
	}
}

int accel_vnpu_uq_reserve(struct accel_vnpu_uq *q, size_t bytes, int flags, void **space)
{
	uint64_t len = sizeof(struct vnpu_uq_entry) + bytes;
	uint32_t off = (uint32_t)(q->wptr & (q->ring_size - 1));
	uint64_t pad = len > q->ring_size - off ? q->ring_size - off : 0;
	int ret;

	if ((bytes & 7) || len > q->ring_size || q->entry)
		return -EINVAL;
	if (pad) {
		/*
		 * The entry would cross the ring's end: fill the rest with a PAD entry (or leave
		 * it when not even a header fits: the device skips such a tail) and publish it
		 * on its own, since the PAD and the entry together may be more than the ring.
		 */
		struct vnpu_uq_entry p = { .length = (uint32_t)pad, .flags = VNPU_UQ_ENTRY_PAD };

		ret = uq_wait_space(q, pad, flags);
		if (ret)
			return ret;
		if (pad >= sizeof(p))
			memcpy(q->ring + off, &p, sizeof(p));
		q->wptr += pad;
		__atomic_store_n(&q->ctrl->wptr, q->wptr, __ATOMIC_RELEASE);
		accel_vnpu_uq_ring(q);
		off = 0;
	}
	ret = uq_wait_space(q, len, flags);
	if (ret)
		return ret;
	q->entry = (struct vnpu_uq_entry *)(q->ring + off);
	q->entry_len = (size_t)len;
	*space = q->entry + 1;
	return 0;
}

void accel_vnpu_uq_ring(struct accel_vnpu_uq *q)
{
	__atomic_add_fetch(&q->ctrl->doorbell, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&q->ctrl->device_sleeping, __ATOMIC_SEQ_CST))
		syscall(SYS_futex, &q->ctrl->doorbell, FUTEX_WAKE, 1, NULL, NULL, 0);
}

static uint64_t uq_publish(struct accel_vnpu_uq *q, uint32_t entry_flags, int flags)
{
	struct vnpu_uq_entry e = {
		.length = (uint32_t)q->entry_len,
		.flags = entry_flags,
		.seqno = ++q->seqno,
	};

	memcpy(q->entry, &e, sizeof(e));
	q->wptr += q->entry_len;
	q->entry = NULL;
	/* Release: the device that sees the new wptr sees the entry's bytes. */
	__atomic_store_n(&q->ctrl->wptr, q->wptr, __ATOMIC_RELEASE);
	if (!(flags & ACCEL_VNPU_UQ_DEFER))
		accel_vnpu_uq_ring(q);
	return e.seqno;
}

uint64_t accel_vnpu_uq_submit(struct accel_vnpu_uq *q, int flags)
{
	if (!q->entry)
		return 0;
	return uq_publish(q, 0, flags);
}

int accel_vnpu_uq_push_indirect(struct accel_vnpu_uq *q, uint64_t va, uint64_t size, int flags,
				uint64_t *seqno)
{
	struct vnpu_uq_indirect ind = { .va = va, .size = size };
	void *space;
	int ret;

	ret = accel_vnpu_uq_reserve(q, sizeof(ind), flags, &space);
	if (ret)
		return ret;
	memcpy(space, &ind, sizeof(ind));
	*seqno = uq_publish(q, VNPU_UQ_ENTRY_INDIRECT, flags);
	return 0;
}

int accel_vnpu_uq_wait(struct accel_vnpu_uq *q, uint64_t seqno, int64_t timeout_ns)
{
	int64_t t0 = uq_now_ns(), deadline = timeout_ns < 0 ? -1 : t0 + timeout_ns;
	unsigned int polls = 0;

	for (;;) {
		uint32_t seen = __atomic_load_n(&q->ctrl->completed_futex, __ATOMIC_ACQUIRE);
		int err;

		if (accel_vnpu_uq_completed(q) >= seqno)
			return 0;
		err = uq_stopped(q);
		if (err)
			return err;
		if (deadline >= 0 && (polls & 15) == 0 && uq_now_ns() >= deadline)
			return -ETIME;
		/* Poll only when the device can run meanwhile; on one CPU it would starve it. */
		if (uq_poll_step(q, t0, &polls))
			continue;
		__atomic_add_fetch(&q->ctrl->waiters, 1, __ATOMIC_SEQ_CST);
		if (accel_vnpu_uq_completed(q) < seqno && !uq_stopped(q))
			uq_futex_wait(&q->ctrl->completed_futex, seen, deadline);
		__atomic_sub_fetch(&q->ctrl->waiters, 1, __ATOMIC_SEQ_CST);
	}
}
