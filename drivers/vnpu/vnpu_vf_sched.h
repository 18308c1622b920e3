/* SPDX-License-Identifier: MIT */
/*
 * vnpu: weighted fair sharing of the PF's engines among its VFs (vnpu_vf_sched.c). Internal
 * to the driver.
 */
#ifndef DRIVERS_VNPU_VF_SCHED_H
#define DRIVERS_VNPU_VF_SCHED_H

#include <pthread.h>
#include <stdint.h>

#include "vnpu_engine.h"

struct vnpu_job;
struct vnpu_vf;

/**
 * struct vnpu_vf_arbiter - the PF's engines, lent to its VFs' engines one job at a time.
 * @lock guards every field; @cond (CLOCK_MONOTONIC) is signalled when an engine is given back.
 * @free: engines of each class not lent out.
 */
struct vnpu_vf_arbiter {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	unsigned int free[VNPU_NR_CLASSES];
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
void vnpu_vf_engine_release(struct vnpu_engine *e, uint64_t start_ns);

#endif
