/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/kref.h - atomic reference counts with a release callback.
 */
#ifndef ACCEL_KREF_H
#define ACCEL_KREF_H

#include <stdatomic.h>
#include <stdbool.h>

/** struct kref - a reference count; the object is released when it drops to zero. */
struct kref {
	atomic_uint refcount;
};

/** kref_init() - start counting at one reference. */
static inline void kref_init(struct kref *k) { atomic_init(&k->refcount, 1); }
/** kref_get() - take one more reference. */
static inline void kref_get(struct kref *k) { atomic_fetch_add_explicit(&k->refcount, 1, memory_order_relaxed); }
/** kref_read() - the current count (for statistics only). */
static inline unsigned int kref_read(struct kref *k) { return atomic_load(&k->refcount); }
/**
 * kref_put() - drop one reference; call @release on the last.
 * Returns true when @release was called.
 */
static inline bool kref_put(struct kref *k, void (*release)(struct kref *k))
{
	if (atomic_fetch_sub_explicit(&k->refcount, 1, memory_order_acq_rel) == 1) {
		release(k);
		return true;
	}
	return false;
}
/** kref_get_unless_zero() - take a reference unless the object is already dying. */
static inline bool kref_get_unless_zero(struct kref *k)
{
	unsigned int v = atomic_load(&k->refcount);
	while (v) {
		if (atomic_compare_exchange_weak(&k->refcount, &v, v + 1))
			return true;
	}
	return false;
}

#endif
