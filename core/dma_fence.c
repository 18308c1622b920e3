// SPDX-License-Identifier: MIT
/*
 * Fences and fence chains with the kernel's semantics (drivers/dma-buf/dma-fence.c,
 * dma-fence-chain.c); see include/accel/dma_fence.h for where they differ.
 *
 * Callbacks run outside the fence lock: the signalling thread detaches the list under the
 * lock, runs it, then clears @signalling and wakes dma_fence_remove_callback() callers that
 * wait for a detached callback to finish. That lets chain nodes re-arm on other fences from
 * inside a callback, which the kernel defers to irq_work for the same reason.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/dma_fence.h>
#include <accel/drm_print.h>
#include <accel/wait.h>

/* Context 0 belongs to the stub fences, as in the kernel. */
static atomic_uint_fast64_t dma_fence_context_counter = 1;

uint64_t dma_fence_context_alloc(unsigned int num)
{
	return atomic_fetch_add(&dma_fence_context_counter, num);
}

void dma_fence_init(struct dma_fence *fence, const struct dma_fence_ops *ops,
		    uint64_t context, uint64_t seqno)
{
	memset(fence, 0, sizeof(*fence));
	pthread_mutex_init(&fence->lock, NULL);
	cond_init_monotonic(&fence->done_cond);
	fence->ops = ops;
	INIT_LIST_HEAD(&fence->cb_list);
	fence->context = context;
	fence->seqno = seqno;
	atomic_init(&fence->flags, 0);
	kref_init(&fence->refcount);
}

static bool fence_test_bit(struct dma_fence *fence, int bit)
{
	return atomic_load(&fence->flags) & (1UL << bit);
}

static bool fence_test_and_set_bit(struct dma_fence *fence, int bit)
{
	return atomic_fetch_or(&fence->flags, 1UL << bit) & (1UL << bit);
}

void dma_fence_free(struct dma_fence *fence)
{
	free(fence);
}

static void dma_fence_release(struct kref *kref)
{
	struct dma_fence *fence = container_of(kref, struct dma_fence, refcount);

	/* Nobody can be waiting or signalling any more: the last reference is gone. */
	if (!list_empty(&fence->cb_list) && !fence_test_bit(fence, DMA_FENCE_FLAG_SIGNALED_BIT))
		accel_printk(ACCEL_LOG_WARN, "dma_fence: fence %llu:%llu released with callbacks pending",
			(unsigned long long)fence->context, (unsigned long long)fence->seqno);
	pthread_cond_destroy(&fence->done_cond);
	pthread_mutex_destroy(&fence->lock);
	if (fence->ops->release)
		fence->ops->release(fence);
	else
		dma_fence_free(fence);
}

void dma_fence_put(struct dma_fence *fence)
{
	if (fence)
		kref_put(&fence->refcount, dma_fence_release);
}

int dma_fence_signal_timestamp(struct dma_fence *fence, ktime_t timestamp)
{
	LIST_HEAD(list);
	struct dma_fence_cb *cb;

	if (!fence)
		return -EINVAL;
	pthread_mutex_lock(&fence->lock);
	if (fence_test_bit(fence, DMA_FENCE_FLAG_SIGNALED_BIT)) {
		pthread_mutex_unlock(&fence->lock);
		return -EINVAL;
	}
	fence->timestamp = timestamp;
	atomic_fetch_or(&fence->flags, (1UL << DMA_FENCE_FLAG_SIGNALED_BIT) |
					(1UL << DMA_FENCE_FLAG_TIMESTAMP_BIT));
	/* Move the callbacks to a private list: new ones see SIGNALED and are refused. */
	list_splice_init(&fence->cb_list, &list);
	fence->signalling = true;
	fence->signaller = pthread_self();
	pthread_mutex_unlock(&fence->lock);

	/*
	 * Take each callback off under the lock: until then dma_fence_remove_callback() may
	 * still take it back (and it never runs).
	 */
	for (;;) {
		pthread_mutex_lock(&fence->lock);
		if (list_empty(&list)) {
			fence->signalling = false;
			pthread_cond_broadcast(&fence->done_cond);
			pthread_mutex_unlock(&fence->lock);
			break;
		}
		cb = list_first_entry(&list, struct dma_fence_cb, node);
		list_del_init(&cb->node);
		pthread_mutex_unlock(&fence->lock);
		cb->func(fence, cb);
	}
	return 0;
}

int dma_fence_signal(struct dma_fence *fence)
{
	return dma_fence_signal_timestamp(fence, ktime_get());
}

void dma_fence_set_error(struct dma_fence *fence, int error)
{
	if (error >= 0 || error < -MAX_ERRNO) {
		accel_printk(ACCEL_LOG_WARN, "dma_fence: error %d out of range", error);
		return;
	}
	pthread_mutex_lock(&fence->lock);
	if (fence_test_bit(fence, DMA_FENCE_FLAG_SIGNALED_BIT))
		accel_printk(ACCEL_LOG_WARN, "dma_fence: error set on a signalled fence");
	else
		fence->error = error;
	pthread_mutex_unlock(&fence->lock);
}

bool dma_fence_is_signaled(struct dma_fence *fence)
{
	if (fence_test_bit(fence, DMA_FENCE_FLAG_SIGNALED_BIT))
		return true;
	if (fence->ops->signaled && fence->ops->signaled(fence)) {
		dma_fence_signal(fence);
		return true;
	}
	return false;
}

int dma_fence_get_status(struct dma_fence *fence)
{
	int status = 0;

	if (dma_fence_is_signaled(fence)) {
		pthread_mutex_lock(&fence->lock);
		status = fence->error ?: 1;
		pthread_mutex_unlock(&fence->lock);
	}
	return status;
}

ktime_t dma_fence_timestamp(struct dma_fence *fence)
{
	ktime_t t;

	pthread_mutex_lock(&fence->lock);
	t = fence->timestamp;
	pthread_mutex_unlock(&fence->lock);
	return t;
}

/* Ask the issuer to signal the fence once; false when it turned out to be done already. */
static bool dma_fence_enable_signaling(struct dma_fence *fence)
{
	if (fence_test_and_set_bit(fence, DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT) ||
	    !fence->ops->enable_signaling)
		return true;
	if (fence_test_bit(fence, DMA_FENCE_FLAG_SIGNALED_BIT))
		return false;
	if (!fence->ops->enable_signaling(fence)) {
		dma_fence_signal(fence);
		return false;
	}
	return true;
}

void dma_fence_enable_sw_signaling(struct dma_fence *fence)
{
	dma_fence_enable_signaling(fence);
}

int dma_fence_add_callback(struct dma_fence *fence, struct dma_fence_cb *cb, dma_fence_func_t func)
{
	if (!fence || !func)
		return -EINVAL;
	INIT_LIST_HEAD(&cb->node);
	cb->func = NULL;
	if (!dma_fence_enable_signaling(fence))
		return -ENOENT;
	pthread_mutex_lock(&fence->lock);
	if (fence_test_bit(fence, DMA_FENCE_FLAG_SIGNALED_BIT)) {
		pthread_mutex_unlock(&fence->lock);
		return -ENOENT;
	}
	cb->func = func;
	list_add_tail(&cb->node, &fence->cb_list);
	pthread_mutex_unlock(&fence->lock);
	return 0;
}

bool dma_fence_remove_callback(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	bool removed = false;

	pthread_mutex_lock(&fence->lock);
	/* A slot never added is zeroed (NULL links) or unlinked (empty): nothing to remove. */
	if (cb->node.next && !list_empty(&cb->node)) {
		list_del_init(&cb->node);
		removed = true;
	} else {
		/* It may be running in the signalling thread: wait unless that is us. */
		while (fence->signalling && !pthread_equal(fence->signaller, pthread_self()))
			pthread_cond_wait(&fence->done_cond, &fence->lock);
	}
	pthread_mutex_unlock(&fence->lock);
	return removed;
}

void dma_fence_set_deadline(struct dma_fence *fence, ktime_t deadline)
{
	if (fence->ops->set_deadline && !dma_fence_is_signaled(fence))
		fence->ops->set_deadline(fence, deadline);
}

/* A callback that wakes the sleeping waiter, one per fence waited on. */
struct fence_waiter_cb {
	struct dma_fence_cb base;
	struct waiter *waiter;
};

static void fence_waiter_func(struct dma_fence *fence, struct dma_fence_cb *cb)
{
	(void)fence;
	waiter_wake(container_of(cb, struct fence_waiter_cb, base)->waiter);
}

long dma_fence_wait_any_timeout(struct dma_fence **fences, uint32_t count, bool intr,
				ktime_t timeout_ns, uint32_t *idx)
{
	struct fence_waiter_cb *cbs;
	struct waiter w;
	uint32_t i, added = 0;
	long ret = 0;

	(void)intr;
	if (!count)
		return -EINVAL;
	for (i = 0; i < count; i++) {
		if (dma_fence_is_signaled(fences[i])) {
			if (idx)
				*idx = i;
			return 1;
		}
	}
	if (timeout_ns != MAX_SCHEDULE_TIMEOUT && timeout_ns <= ktime_get())
		return 0;
	cbs = calloc(count, sizeof(*cbs));
	if (!cbs)
		return -ENOMEM;
	waiter_init(&w);
	for (i = 0; i < count; i++) {
		cbs[i].waiter = &w;
		if (dma_fence_add_callback(fences[i], &cbs[i].base, fence_waiter_func)) {
			if (idx)
				*idx = i;
			ret = 1;
			goto out;
		}
		added++;
	}
	for (;;) {
		for (i = 0; i < count; i++) {
			if (dma_fence_is_signaled(fences[i])) {
				if (idx)
					*idx = i;
				ret = 1;
				goto out;
			}
		}
		/* Fence waits are never interrupted (see the header). */
		if (!waiter_sleep(&w, timeout_ns, false)) {
			ret = 0;
			break;
		}
	}
out:
	/* Removal also waits out a callback that is running: @w lives on our stack. */
	while (added-- > 0)
		dma_fence_remove_callback(fences[added], &cbs[added].base);
	waiter_fini(&w);
	free(cbs);
	return ret;
}

long dma_fence_wait_timeout(struct dma_fence *fence, bool intr, ktime_t timeout_ns)
{
	long ret = dma_fence_wait_any_timeout(&fence, 1, intr, timeout_ns, NULL);

	return ret < 0 ? 0 : ret;
}

const char *dma_fence_driver_name(struct dma_fence *fence)
{
	return fence->ops->get_driver_name ? fence->ops->get_driver_name(fence) : "unknown";
}

const char *dma_fence_timeline_name(struct dma_fence *fence)
{
	return fence->ops->get_timeline_name ? fence->ops->get_timeline_name(fence) : "unknown";
}

static const char *dma_fence_stub_get_name(struct dma_fence *fence)
{
	(void)fence;
	return "stub";
}

static void dma_fence_stub_static_release(struct dma_fence *fence)
{
	/* The shared stub is static: its count never legitimately reaches zero. */
	(void)fence;
}

static const struct dma_fence_ops dma_fence_stub_ops = {
	.get_driver_name = dma_fence_stub_get_name,
	.get_timeline_name = dma_fence_stub_get_name,
};

static const struct dma_fence_ops dma_fence_stub_static_ops = {
	.get_driver_name = dma_fence_stub_get_name,
	.get_timeline_name = dma_fence_stub_get_name,
	.release = dma_fence_stub_static_release,
};

static struct dma_fence dma_fence_stub;
static pthread_once_t dma_fence_stub_once = PTHREAD_ONCE_INIT;

static void dma_fence_stub_init(void)
{
	dma_fence_init(&dma_fence_stub, &dma_fence_stub_static_ops, 0, 0);
	atomic_fetch_or(&dma_fence_stub.flags, 1UL << DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT);
	dma_fence_signal(&dma_fence_stub);
}

struct dma_fence *dma_fence_get_stub(void)
{
	pthread_once(&dma_fence_stub_once, dma_fence_stub_init);
	return dma_fence_get(&dma_fence_stub);
}

struct dma_fence *dma_fence_allocate_private_stub(ktime_t timestamp)
{
	struct dma_fence *fence = malloc(sizeof(*fence));

	if (!fence)
		return NULL;
	dma_fence_init(fence, &dma_fence_stub_ops, 0, 0);
	atomic_fetch_or(&fence->flags, 1UL << DMA_FENCE_FLAG_ENABLE_SIGNAL_BIT);
	dma_fence_signal_timestamp(fence, timestamp);
	return fence;
}

/* ---- chains ---- */

static struct dma_fence *dma_fence_chain_get_prev(struct dma_fence_chain *chain)
{
	struct dma_fence *prev;

	pthread_mutex_lock(&chain->prev_lock);
	prev = dma_fence_get(chain->prev);
	pthread_mutex_unlock(&chain->prev_lock);
	return prev;
}

struct dma_fence *dma_fence_chain_walk(struct dma_fence *fence)
{
	struct dma_fence_chain *chain, *prev_chain;
	struct dma_fence *prev, *replacement;

	chain = to_dma_fence_chain(fence);
	if (!chain) {
		dma_fence_put(fence);
		return NULL;
	}
	while ((prev = dma_fence_chain_get_prev(chain))) {
		prev_chain = to_dma_fence_chain(prev);
		if (prev_chain) {
			if (!dma_fence_is_signaled(prev_chain->fence))
				break;
			replacement = dma_fence_chain_get_prev(prev_chain);
		} else {
			if (!dma_fence_is_signaled(prev))
				break;
			replacement = NULL;
		}
		/* Unlink the signalled node, unless another walker got there first. */
		pthread_mutex_lock(&chain->prev_lock);
		if (chain->prev == prev) {
			chain->prev = replacement;
			replacement = prev; /* the reference the link held, dropped below */
		}
		pthread_mutex_unlock(&chain->prev_lock);
		dma_fence_put(replacement);
		dma_fence_put(prev);
	}
	dma_fence_put(fence);
	return prev;
}

int dma_fence_chain_find_seqno(struct dma_fence **pfence, uint64_t seqno)
{
	struct dma_fence_chain *chain;

	if (!seqno)
		return 0;
	chain = to_dma_fence_chain(*pfence);
	if (!chain || chain->base.seqno < seqno)
		return -EINVAL;
	dma_fence_chain_for_each(*pfence, &chain->base) {
		if ((*pfence)->context != chain->base.context ||
		    to_dma_fence_chain(*pfence)->prev_seqno < seqno)
			break;
	}
	dma_fence_put(&chain->base);
	return 0;
}

static const char *dma_fence_chain_get_driver_name(struct dma_fence *fence)
{
	(void)fence;
	return "dma_fence_chain";
}

static const char *dma_fence_chain_get_timeline_name(struct dma_fence *fence)
{
	(void)fence;
	return "unbound";
}

static bool dma_fence_chain_enable_signaling(struct dma_fence *fence);

static void dma_fence_chain_cb(struct dma_fence *f, struct dma_fence_cb *cb)
{
	struct dma_fence_chain *chain = container_of(cb, struct dma_fence_chain, cb);

	/* Re-arm on the next unsignalled fence of the chain; none left: the node is done. */
	if (!dma_fence_chain_enable_signaling(&chain->base))
		dma_fence_signal(&chain->base);
	dma_fence_put(&chain->base);
	dma_fence_put(f);
}

static bool dma_fence_chain_enable_signaling(struct dma_fence *fence)
{
	struct dma_fence_chain *head = to_dma_fence_chain(fence);

	dma_fence_get(&head->base);
	dma_fence_chain_for_each(fence, &head->base) {
		struct dma_fence *f = dma_fence_chain_contained(fence);

		dma_fence_get(f);
		if (!dma_fence_add_callback(f, &head->cb, dma_fence_chain_cb)) {
			dma_fence_put(fence);
			return true;
		}
		dma_fence_put(f);
	}
	dma_fence_put(&head->base);
	return false;
}

static bool dma_fence_chain_signaled(struct dma_fence *fence)
{
	dma_fence_chain_for_each(fence, fence) {
		struct dma_fence *f = dma_fence_chain_contained(fence);

		if (!dma_fence_is_signaled(f)) {
			dma_fence_put(fence);
			return false;
		}
	}
	return true;
}

static void dma_fence_chain_release(struct dma_fence *fence)
{
	struct dma_fence_chain *chain = to_dma_fence_chain(fence);
	struct dma_fence *prev;

	/* Unlink nodes only we hold iteratively: a long timeline must not recurse. */
	while ((prev = chain->prev)) {
		struct dma_fence_chain *prev_chain;

		if (kref_read(&prev->refcount) > 1)
			break;
		prev_chain = to_dma_fence_chain(prev);
		if (!prev_chain)
			break;
		chain->prev = prev_chain->prev;
		prev_chain->prev = NULL;
		dma_fence_put(prev);
	}
	dma_fence_put(prev);
	dma_fence_put(chain->fence);
	pthread_mutex_destroy(&chain->prev_lock);
	dma_fence_free(fence);
}

static void dma_fence_chain_set_deadline(struct dma_fence *fence, ktime_t deadline)
{
	dma_fence_chain_for_each(fence, fence)
		dma_fence_set_deadline(dma_fence_chain_contained(fence), deadline);
}

const struct dma_fence_ops dma_fence_chain_ops = {
	.use_64bit_seqno = true,
	.get_driver_name = dma_fence_chain_get_driver_name,
	.get_timeline_name = dma_fence_chain_get_timeline_name,
	.enable_signaling = dma_fence_chain_enable_signaling,
	.signaled = dma_fence_chain_signaled,
	.release = dma_fence_chain_release,
	.set_deadline = dma_fence_chain_set_deadline,
};

struct dma_fence_chain *dma_fence_chain_alloc(void)
{
	return malloc(sizeof(struct dma_fence_chain));
}

void dma_fence_chain_free(struct dma_fence_chain *chain)
{
	free(chain);
}

void dma_fence_chain_init(struct dma_fence_chain *chain, struct dma_fence *prev,
			  struct dma_fence *fence, uint64_t seqno)
{
	struct dma_fence_chain *prev_chain = to_dma_fence_chain(prev);
	uint64_t context;

	chain->prev_seqno = 0;
	/* Stay on the previous node's context only while the points go up. */
	if (prev_chain && __dma_fence_is_later(seqno, prev->seqno, prev->ops)) {
		context = prev->context;
		chain->prev_seqno = prev->seqno;
	} else {
		context = dma_fence_context_alloc(1);
		if (prev_chain && prev->seqno > seqno)
			seqno = prev->seqno;
	}
	dma_fence_init(&chain->base, &dma_fence_chain_ops, context, seqno);
	pthread_mutex_init(&chain->prev_lock, NULL);
	chain->prev = prev;
	chain->fence = fence;
	INIT_LIST_HEAD(&chain->cb.node);
	chain->cb.func = NULL;
}
