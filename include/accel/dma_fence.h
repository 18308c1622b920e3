/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/dma_fence.h - fences: one-shot completion events of device work.
 *
 * The kernel's dma_fence model: a fence belongs to a context (a timeline) and carries a
 * sequence number on it; it is signalled once, optionally with an error set before; other
 * code attaches callbacks or waits for it. Fences are reference counted and outlive whatever
 * handed them out (a syncobj, a sync_file, a job) for as long as anyone holds a reference.
 *
 * Differences from the kernel that a driver sees:
 *
 * - the fence's own mutex is used; dma_fence_init() takes no external lock;
 * - callbacks run in the signalling thread *without* the fence lock held, so a callback may
 *   add callbacks to other fences, signal other fences or drop references; when
 *   dma_fence_remove_callback() returns false the callback has finished running (the same
 *   guarantee the kernel gives by running callbacks under the lock);
 * - timeouts are absolute CLOCK_MONOTONIC times in nanoseconds (ktime_get()), 0 polls and
 *   MAX_SCHEDULE_TIMEOUT waits for ever; waits are never interrupted by signals.
 */
#ifndef ACCEL_DMA_FENCE_H
#define ACCEL_DMA_FENCE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <accel/compiler.h>
#include <accel/kref.h>
#include <accel/ktime.h>
#include <accel/list.h>

struct dma_fence;
struct dma_fence_cb;

/** dma_fence_func_t - a fence callback: called once, when @fence signals. */
typedef void (*dma_fence_func_t)(struct dma_fence *fence, struct dma_fence_cb *cb);

/**
 * struct dma_fence_cb - a callback slot, embedded in the caller's structure.
 * @func is NULL until the callback is added; @node (on the fence's @cb_list while the
 * callback is pending) belongs to the fence's lock.
 */
struct dma_fence_cb {
	struct list_head node;
	dma_fence_func_t func;
};

/** enum dma_fence_flag_bits - bits of dma_fence.flags. */
enum dma_fence_flag_bits {
	DMA_FENCE_FLAG_SIGNALED_BIT,
	DMA_FENCE_FLAG_TIMESTAMP_BIT,
	DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT,
	DMA_FENCE_FLAG_USER_BITS,
};

/** struct dma_fence_ops - what a fence's issuer supplies. Only the two names are required. */
struct dma_fence_ops {
	/** @use_64bit_seqno: compare seqnos as 64 bits (otherwise as wrapping 32 bits). */
	bool use_64bit_seqno;
	/** @get_driver_name: the issuing driver, for debugging output. */
	const char *(*get_driver_name)(struct dma_fence *fence);
	/** @get_timeline_name: the context's name, for debugging output. */
	const char *(*get_timeline_name)(struct dma_fence *fence);
	/**
	 * @enable_signaling: someone waits: make sure the fence will be signalled. Called once,
	 * without the fence lock; false means the fence is already done (it gets signalled).
	 */
	bool (*enable_signaling)(struct dma_fence *fence);
	/** @signaled: poll the hardware; true signals the fence. */
	bool (*signaled)(struct dma_fence *fence);
	/** @release: free the fence (default: free()); called at the last dma_fence_put(). */
	void (*release)(struct dma_fence *fence);
	/** @set_deadline: a waiter would like the fence signalled by @deadline. */
	void (*set_deadline)(struct dma_fence *fence, ktime_t deadline);
};

/**
 * struct dma_fence - a fence.
 *
 * @ops, @context and @seqno are constant after dma_fence_init(). @flags is atomic (the
 * SIGNALED bit is only set under @lock). @lock guards @cb_list, @error until signalled,
 * @timestamp until the TIMESTAMP bit is set, and @signalling; the callbacks themselves run
 * outside it. @refcount is atomic.
 */
struct dma_fence {
	pthread_mutex_t lock;
	pthread_cond_t done_cond;
	const struct dma_fence_ops *ops;
	struct list_head cb_list;
	/** @signalling: callbacks being run by the signalling thread @signaller. */
	bool signalling;
	pthread_t signaller;
	ktime_t timestamp;
	uint64_t context;
	uint64_t seqno;
	atomic_ulong flags;
	struct kref refcount;
	int error;
};

/** dma_fence_init() - initialise @fence (one reference) on @context at @seqno. */
void dma_fence_init(struct dma_fence *fence, const struct dma_fence_ops *ops,
		    uint64_t context, uint64_t seqno);
/** dma_fence_context_alloc() - reserve @num new fence contexts; returns the first. */
uint64_t dma_fence_context_alloc(unsigned int num);

/** dma_fence_get() - take a reference; NULL-safe. Returns @fence. */
static inline struct dma_fence *dma_fence_get(struct dma_fence *fence)
{
	if (fence)
		kref_get(&fence->refcount);
	return fence;
}
/** dma_fence_put() - drop a reference; NULL-safe. The last releases the fence. */
void dma_fence_put(struct dma_fence *fence);
/** dma_fence_free() - the default release: free the fence's memory. */
void dma_fence_free(struct dma_fence *fence);

/**
 * dma_fence_signal() - signal @fence (now) and run its callbacks.
 * Returns 0, or -EINVAL when it was already signalled (or is NULL).
 */
int dma_fence_signal(struct dma_fence *fence);
/** dma_fence_signal_timestamp() - dma_fence_signal() recording @timestamp. */
int dma_fence_signal_timestamp(struct dma_fence *fence, ktime_t timestamp);

/**
 * dma_fence_set_error() - record @error (-MAX_ERRNO..-1) before signalling @fence.
 * Ignored, with a warning, once the fence is signalled or for an out-of-range error.
 */
void dma_fence_set_error(struct dma_fence *fence, int error);

/** dma_fence_is_signaled() - the fence is done (asking ops->signaled, which may signal it). */
bool dma_fence_is_signaled(struct dma_fence *fence);
/** dma_fence_get_status() - 0 while pending, 1 when signalled, or the error it ended with. */
int dma_fence_get_status(struct dma_fence *fence);
/** dma_fence_timestamp() - when the fence signalled (valid once signalled). */
ktime_t dma_fence_timestamp(struct dma_fence *fence);

/**
 * dma_fence_add_callback() - call @func from the signalling thread when @fence signals.
 * Returns 0, or -ENOENT (and @cb is not added) when the fence is already signalled.
 */
int dma_fence_add_callback(struct dma_fence *fence, struct dma_fence_cb *cb, dma_fence_func_t func);
/**
 * dma_fence_remove_callback() - take @cb back. Returns true when it was removed before
 * running; false when it ran (or was never added): then it has returned already.
 */
bool dma_fence_remove_callback(struct dma_fence *fence, struct dma_fence_cb *cb);
/** dma_fence_enable_sw_signaling() - make the fence signal without waiters attached. */
void dma_fence_enable_sw_signaling(struct dma_fence *fence);
/** dma_fence_set_deadline() - hint that @fence is wanted by @deadline. */
void dma_fence_set_deadline(struct dma_fence *fence, ktime_t deadline);

/**
 * dma_fence_wait_timeout() - wait until @fence signals or the absolute CLOCK_MONOTONIC
 * time @timeout_ns passes (0: just look; MAX_SCHEDULE_TIMEOUT: no limit). @intr is
 * accepted for the kernel's signature; waits here are not interruptible.
 * Returns 1 when signalled, 0 on timeout.
 */
long dma_fence_wait_timeout(struct dma_fence *fence, bool intr, ktime_t timeout_ns);
/** dma_fence_wait() - wait for ever; returns 0. */
static inline long dma_fence_wait(struct dma_fence *fence, bool intr)
{
	dma_fence_wait_timeout(fence, intr, MAX_SCHEDULE_TIMEOUT);
	return 0;
}
/**
 * dma_fence_wait_any_timeout() - wait for the first of @count fences; its index in *@idx
 * (may be NULL). Returns 1 when one signalled, 0 on timeout, -EINVAL for no fences.
 */
long dma_fence_wait_any_timeout(struct dma_fence **fences, uint32_t count, bool intr,
				ktime_t timeout_ns, uint32_t *idx);

/** __dma_fence_is_later() - seqno @f1 comes after @f2 under @ops' seqno width. */
static inline bool __dma_fence_is_later(uint64_t f1, uint64_t f2, const struct dma_fence_ops *ops)
{
	if (ops->use_64bit_seqno)
		return f1 > f2;
	return (int32_t)((uint32_t)f1 - (uint32_t)f2) > 0;
}
/** dma_fence_is_later() - @f1 comes after @f2; both of the same context (else false). */
static inline bool dma_fence_is_later(struct dma_fence *f1, struct dma_fence *f2)
{
	if (f1->context != f2->context)
		return false;
	return __dma_fence_is_later(f1->seqno, f2->seqno, f1->ops);
}
/** dma_fence_is_later_or_same() - @f1 is @f2 or comes after it. */
static inline bool dma_fence_is_later_or_same(struct dma_fence *f1, struct dma_fence *f2)
{
	return f1 == f2 || dma_fence_is_later(f1, f2);
}
/** dma_fence_later() - the later of two fences of one context (NULL if neither is later). */
static inline struct dma_fence *dma_fence_later(struct dma_fence *f1, struct dma_fence *f2)
{
	if (f1->context != f2->context)
		return NULL;
	if (dma_fence_is_later(f1, f2))
		return dma_fence_is_signaled(f1) ? NULL : f1;
	return dma_fence_is_signaled(f2) ? NULL : f2;
}

/** dma_fence_driver_name() / dma_fence_timeline_name() - the names the ops give. */
const char *dma_fence_driver_name(struct dma_fence *fence);
const char *dma_fence_timeline_name(struct dma_fence *fence);

/** dma_fence_get_stub() - a reference to the one always-signalled fence (context 0). */
struct dma_fence *dma_fence_get_stub(void);
/** dma_fence_allocate_private_stub() - a new fence signalled at @timestamp, or NULL. */
struct dma_fence *dma_fence_allocate_private_stub(ktime_t timestamp);

/**
 * struct dma_fence_chain - a point on a timeline: @fence at seqno, after @prev.
 *
 * @prev (guarded by @prev_lock) loses nodes whose fences have signalled as the chain is
 * walked; @fence, @prev_seqno are constant after dma_fence_chain_init(). @cb is armed on one
 * unsignalled fence of the chain at a time while the chain node has waiters.
 */
struct dma_fence_chain {
	struct dma_fence base;
	pthread_mutex_t prev_lock;
	struct dma_fence *prev;
	uint64_t prev_seqno;
	struct dma_fence *fence;
	struct dma_fence_cb cb;
};

/** dma_fence_chain_ops - the ops of every chain node. */
extern const struct dma_fence_ops dma_fence_chain_ops;

/** dma_fence_is_chain() - @fence is a chain node. */
static inline bool dma_fence_is_chain(const struct dma_fence *fence)
{
	return fence && fence->ops == &dma_fence_chain_ops;
}
/** to_dma_fence_chain() - the chain node of @fence, or NULL if it is not one. */
static inline struct dma_fence_chain *to_dma_fence_chain(struct dma_fence *fence)
{
	return dma_fence_is_chain(fence) ? container_of(fence, struct dma_fence_chain, base) : NULL;
}
/** dma_fence_chain_contained() - the fence a chain node carries, or @fence itself. */
static inline struct dma_fence *dma_fence_chain_contained(struct dma_fence *fence)
{
	struct dma_fence_chain *chain = to_dma_fence_chain(fence);

	return chain ? chain->fence : fence;
}
/** dma_fence_chain_alloc() - memory for a chain node (dma_fence_chain_free() if unused). */
struct dma_fence_chain *dma_fence_chain_alloc(void);
/** dma_fence_chain_free() - free a node that dma_fence_chain_init() never saw. */
void dma_fence_chain_free(struct dma_fence_chain *chain);
/**
 * dma_fence_chain_init() - make @chain the point @seqno carrying @fence (reference taken
 * over) after @prev (reference taken over). A seqno not after @prev's starts a new context.
 * Unlike the kernel, @fence may itself be a chain node (a timeline point transferred to
 * another timeline), since there is no dma_fence_unwrap here to flatten it.
 */
void dma_fence_chain_init(struct dma_fence_chain *chain, struct dma_fence *prev,
			  struct dma_fence *fence, uint64_t seqno);
/**
 * dma_fence_chain_walk() - the next node after @fence (whose reference it consumes), with a
 * reference, or NULL; drops signalled nodes from the chain on the way.
 */
struct dma_fence *dma_fence_chain_walk(struct dma_fence *fence);
/**
 * dma_fence_chain_find_seqno() - move *@pfence to the node that signals @seqno (NULL when
 * that point already signalled and was dropped). 0, or -EINVAL when *@pfence is not a chain
 * or the timeline has not reached @seqno. @seqno 0 leaves *@pfence alone.
 */
int dma_fence_chain_find_seqno(struct dma_fence **pfence, uint64_t seqno);

/** dma_fence_chain_for_each() - walk from @head to the chain's end (break: put @iter). */
#define dma_fence_chain_for_each(iter, head) \
	for ((iter) = dma_fence_get(head); (iter); (iter) = dma_fence_chain_walk(iter))

#endif
