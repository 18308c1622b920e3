/* SPDX-License-Identifier: MIT */
/**
 * DOC: libaccel_vnpu.h - the vnpu user-queue protocol, so that runtimes need not hand-roll it.
 *
 * A queue made with accel_vnpu_uq_create() is mapped into the caller; submitting is
 * accel_vnpu_uq_reserve() (space for an entry's packets in the ring), writing the packets
 * there, and accel_vnpu_uq_submit() (publish the entry and ring the doorbell): no system
 * call unless the device sleeps. accel_vnpu_uq_wait() waits for an entry adaptively: it polls
 * briefly when another CPU can run the device meanwhile, then sleeps on a futex. The layout
 * underneath is in include/uapi/drm/vnpu_accel.h and docs/vnpu-uq.md.
 *
 * One queue is one producer: calls on the same queue must not run concurrently (waits may,
 * from any number of threads). Functions return 0 or a negative errno.
 */
#ifndef LIBACCEL_VNPU_H
#define LIBACCEL_VNPU_H

#include <stddef.h>
#include <stdint.h>
#include <libaccel.h>
#include <uapi/drm/vnpu_accel.h>

#if defined(__cplusplus)
extern "C" {
#endif

struct accel_vnpu_uq;

/** ACCEL_VNPU_UQ_NONBLOCK - accel_vnpu_uq_reserve(): -EAGAIN instead of waiting for space. */
#define ACCEL_VNPU_UQ_NONBLOCK	(1 << 0)
/** ACCEL_VNPU_UQ_DEFER - accel_vnpu_uq_submit(): publish without ringing (batching). */
#define ACCEL_VNPU_UQ_DEFER	(1 << 1)

/**
 * accel_vnpu_uq_create() - make a user queue on the vnpu open as @fd and map it.
 * @ring_size: bytes, a power of two from VNPU_UQ_RING_MIN to VNPU_UQ_RING_MAX.
 */
ACCEL_EXPORT int accel_vnpu_uq_create(int fd, uint32_t ring_size, struct accel_vnpu_uq **out);
/** accel_vnpu_uq_destroy() - destroy the queue (an entry in progress is aborted), unmap it. */
ACCEL_EXPORT void accel_vnpu_uq_destroy(struct accel_vnpu_uq *q);
/** accel_vnpu_uq_id() - the queue's id, for DRM_IOCTL_VNPU_QUEUE_SIGNAL. */
ACCEL_EXPORT uint32_t accel_vnpu_uq_id(const struct accel_vnpu_uq *q);
/** accel_vnpu_uq_control() - the mapped control page (read-only use: the device writes it). */
ACCEL_EXPORT const struct vnpu_uq_control *accel_vnpu_uq_control(const struct accel_vnpu_uq *q);

/**
 * accel_vnpu_uq_reserve() - room for @bytes of packets (a multiple of 8) in the next entry.
 * *@space points into the ring; write the packets there, then accel_vnpu_uq_submit().
 * Waits while the ring is full (unless ACCEL_VNPU_UQ_NONBLOCK: -EAGAIN). -EINVAL when the
 * entry could never fit the ring; the queue's error once it has stopped.
 */
ACCEL_EXPORT int accel_vnpu_uq_reserve(struct accel_vnpu_uq *q, size_t bytes, int flags, void **space);
/**
 * accel_vnpu_uq_submit() - publish the reserved entry (with @flags ACCEL_VNPU_UQ_DEFER, only
 * publish; a later submit or accel_vnpu_uq_ring() rings). Returns its seqno (from 1).
 */
ACCEL_EXPORT uint64_t accel_vnpu_uq_submit(struct accel_vnpu_uq *q, int flags);
/** accel_vnpu_uq_ring() - ring the doorbell for what has been published. */
ACCEL_EXPORT void accel_vnpu_uq_ring(struct accel_vnpu_uq *q);
/**
 * accel_vnpu_uq_push_indirect() - one entry that runs the @size-byte command stream at
 * @va of the client's address space; its seqno in *@seqno. Flags as for reserve.
 */
ACCEL_EXPORT int accel_vnpu_uq_push_indirect(struct accel_vnpu_uq *q, uint64_t va, uint64_t size, int flags,
				uint64_t *seqno);
/**
 * accel_vnpu_uq_wait() - wait until entry @seqno has completed: 0; -ETIME after @timeout_ns
 * (< 0: no limit); the queue's error (-EFAULT, -ETIME, -EINVAL...) when it stopped first.
 */
ACCEL_EXPORT int accel_vnpu_uq_wait(struct accel_vnpu_uq *q, uint64_t seqno, int64_t timeout_ns);
/** accel_vnpu_uq_completed() - the seqno of the last completed entry. */
ACCEL_EXPORT uint64_t accel_vnpu_uq_completed(const struct accel_vnpu_uq *q);

#if defined(__cplusplus)
}
#endif

#endif
