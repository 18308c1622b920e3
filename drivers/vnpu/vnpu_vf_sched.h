/* SPDX-License-Identifier: MIT */
/*
 * vnpu: weighted fair sharing of the PF's engines among its VFs (vnpu_vf_sched.c). Internal
 * to the driver.
 */
#ifndef DRIVERS_VNPU_VF_SCHED_H
#define DRIVERS_VNPU_VF_SCHED_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "vnpu_engine.h"

struct vnpu_job;
struct vnpu_vf;

/*
 * How long a VF engine keeps a PF engine for its next job when that job is not yet on the
 * engine (the idle window of anticipatory schedulers such as BFQ): long enough for the
 * scheduler to stage the next job of a saturated VF on a loaded machine, short enough that
 * others lose little when none comes.
 */
#define VNPU_VF_IDLE_WINDOW_NS	(2ull * 1000 * 1000)
/* How often such an engine looks whether a waiting VF is due before its own: then it yields. */
#define VNPU_VF_IDLE_POLL_NS	(100ull * 1000)

/**
 * struct vnpu_vf_arbiter - the PF's engines, lent to its VFs' engines one job at a time.
 * @lock guards every field; @cond (CLOCK_MONOTONIC) is signalled when an engine is given back.
 * @free: engines of each class not lent out.
 * @vclock: the least vtime of the busy VFs, never going back (vnpu_vf_sched.c).
 */
struct vnpu_vf_arbiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int free[VNPU_NR_CLASSES];
	uint64_t vclock;
};

/**
 * struct vnpu_vf_share - a VF's standing with the arbiter (guarded by the arbiter's lock
 * but for @busy_ns).
 * @vtime: engine time the VF used, scaled by 1/weight: the VF with the least goes next.
 * @waiting, @running: the VF's engines waiting for, and holding, a PF engine, per class.
 * @busy_ns: PF engine time the VF held (atomic, for telemetry).
 */
struct vnpu_vf_share {
	uint64_t vtime;
	unsigned int waiting[VNPU_NR_CLASSES];
	unsigned int running[VNPU_NR_CLASSES];
	atomic_uint_fast64_t busy_ns;
};

void vnpu_vf_arbiter_init(struct vnpu_vf_arbiter *arb, unsigned int compute, unsigned int dma);
void vnpu_vf_arbiter_fini(struct vnpu_vf_arbiter *arb);
int vnpu_vf_engine_acquire(struct vnpu_engine *e, struct vnpu_job *job);
void vnpu_vf_engine_release(struct vnpu_engine *e, uint64_t start_ns, bool more);
void vnpu_vf_engine_drop(struct vnpu_engine *e);
bool vnpu_vf_engine_due(struct vnpu_engine *e);

#endif
