// SPDX-License-Identifier: MIT
/*
 * vnpu: weighted fair sharing of a PF's engines among its VFs.
 *
 * Each VF has engines of its own (threads, scheduler rings) but they are virtual: a job runs
 * only while its engine holds one of the PF's engines of its class, lent by the PF's arbiter
 * for the length of the job (the time slice: jobs are not preempted). When an engine is given
 * back it goes to the waiting VF that used the least engine time divided by its weight (its
 * virtual time), the start-time fair queueing of CFS and of GPU firmware schedulers:
 *
 * - over time each busy VF gets engine time in proportion to its weight;
 * - work-conserving: an engine is never kept free while some VF waits for one, whatever the
 *   shares, so a VF alone gets every engine;
 * - a VF that was idle resumes at most a little (VNPU_VF_RESUME_CREDIT_NS) behind the least
 *   virtual time of the busy VFs, not further (it would then starve the others to catch up
 *   on time it did not want) and not ahead: the next engine given back is its, so it has its
 *   share again within one time slice.
 *
 * - handing over: an engine whose VF has its next job queued (or submitted and on its way
 *   through the scheduler) keeps the PF engine unless a waiting VF has less virtual time,
 *   for at most VNPU_VF_IDLE_WINDOW_NS while the job is not there yet. Giving it back and
 *   asking again would lose it to any waiter, whatever its weight, in the moment between
 *   the job's end and the next one's start: a saturated VF is never seen waiting when an
 *   engine is given back.
 *
 * The PF's own jobs do not go through the arbiter: the PF is the host's, as a PF's own queues
 * are on SR-IOV devices.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <time.h>

#include "vnpu_drv.h"
#include "vnpu_units.h"
#include "vnpu_vf.h"

/* How often a waiting engine looks whether its job was aborted (a reset, the device gone). */
#define VNPU_VF_ABORT_POLL_NS	(5 * 1000 * 1000)
/* The engine time (ns) a resuming VF may be behind the busy ones: a few time slices. */
#define VNPU_VF_RESUME_CREDIT_NS	(2ull * 1000 * 1000)

/**
 * vnpu_vf_arbiter_init() - the arbiter of a PF with @compute and @dma engines
 * @arb: the arbiter
 * @compute: compute engines to lend
 * @dma: DMA engines to lend
 */
void vnpu_vf_arbiter_init(struct vnpu_vf_arbiter *arb, unsigned int compute, unsigned int dma)
{
	pthread_condattr_t attr;

	pthread_mutex_init(&arb->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&arb->cond, &attr);
	pthread_condattr_destroy(&attr);
	arb->free[VNPU_ENGINE_COMPUTE] = compute;
	arb->free[VNPU_ENGINE_DMA] = dma;
	arb->vclock = 0;
}

/**
 * vnpu_vf_arbiter_fini() - free an arbiter (every VF engine is stopped)
 * @arb: the arbiter
 */
void vnpu_vf_arbiter_fini(struct vnpu_vf_arbiter *arb)
{
	pthread_cond_destroy(&arb->cond);
	pthread_mutex_destroy(&arb->lock);
}

static bool vnpu_vf_busy(const struct vnpu_vf *vf)
{
	for (unsigned int k = 0; k < VNPU_NR_CLASSES; k++)
		if (vf->share.waiting[k] || vf->share.running[k])
			return true;
	return false;
}

/*
 * Arbiter lock held: an idle VF that wants an engine resumes no further behind the virtual
 * clock (the busy VFs' least vtime) than VNPU_VF_RESUME_CREDIT_NS of engine time at its
 * weight. A gap between two
 * jobs of a busy VF (its next job not yet on its engine) keeps the VF's lead; a long idle
 * period does not become a debt the others pay back.
 */
static void vnpu_vf_resume(struct vnpu_vf_arbiter *arb, struct vnpu_vf *vf)
{
	uint64_t credit = (VNPU_VF_RESUME_CREDIT_NS << 10) / atomic_load(&vf->weight);

	if (arb->vclock > credit && vf->share.vtime < arb->vclock - credit)
		vf->share.vtime = arb->vclock - credit;
}

/*
 * Arbiter lock held: advance the virtual clock to the least vtime of the busy VFs (it never
 * goes back, and stays where it is while none is busy, as CFS's min_vruntime).
 */
static void vnpu_vf_advance_vclock(struct vnpu_sriov *sriov)
{
	bool any = false;
	uint64_t min = 0;

	for (unsigned int i = 0; i < sriov->totalvfs; i++) {
		const struct vnpu_vf *u = &sriov->vfs[i];

		if (!vnpu_vf_busy(u))
			continue;
		if (!any || u->share.vtime < min)
			min = u->share.vtime;
		any = true;
	}
	if (any && min > sriov->arb.vclock)
		sriov->arb.vclock = min;
}

/* Arbiter lock held: @vf is the waiter of class @k with the least vtime (ties: lower index). */
static bool vnpu_vf_is_next(const struct vnpu_sriov *sriov, const struct vnpu_vf *vf,
			    unsigned int k)
{
	for (unsigned int i = 0; i < sriov->totalvfs; i++) {
		const struct vnpu_vf *u = &sriov->vfs[i];

		if (u == vf || !u->share.waiting[k])
			continue;
		if (u->share.vtime < vf->share.vtime ||
		    (u->share.vtime == vf->share.vtime && u->index < vf->index))
			return false;
	}
	return true;
}

/**
 * vnpu_vf_engine_acquire() - wait until the PF lends @e one of its engines for @job
 * @e: an engine of a VF (of a PF: nothing to wait for)
 * @job: the job about to run
 *
 * Return: 0 with an engine lent (give it back with vnpu_vf_engine_release()), or the errno
 * the job was aborted with while it waited (nothing lent).
 */
int vnpu_vf_engine_acquire(struct vnpu_engine *e, struct vnpu_job *job)
{
	struct vnpu_vf *vf = e->vdev->vf;
	struct vnpu_sriov *sriov;
	struct vnpu_vf_arbiter *arb;
	unsigned int k = e->klass;
	int err = 0;

	if (!vf || e->vf_lent)
		return 0;
	sriov = vf->pf->sriov;
	arb = &sriov->arb;
	pthread_mutex_lock(&arb->lock);
	if (!vnpu_vf_busy(vf))
		vnpu_vf_resume(arb, vf);
	vf->share.waiting[k]++;
	/* Waiting for its turn is not hanging: the job's watchdog leaves it alone meanwhile. */
	atomic_store(&job->vf_waiting, true);
	while (!arb->free[k] || !vnpu_vf_is_next(sriov, vf, k)) {
		struct timespec ts;
		uint64_t t;

		err = atomic_load(&job->abort);
		if (err)
			break;
		/* Aborts signal the engine's condition, not this one: look again shortly. */
		t = vnpu_now_ns() + VNPU_VF_ABORT_POLL_NS;
		ts.tv_sec = (time_t)(t / 1000000000u);
		ts.tv_nsec = (long)(t % 1000000000u);
		pthread_cond_timedwait(&arb->cond, &arb->lock, &ts);
	}
	vf->share.waiting[k]--;
	atomic_store(&job->vf_waiting, false);
	if (!err) {
		arb->free[k]--;
		vf->share.running[k]++;
		e->vf_lent = true;
	} else {
		/* This waiter may have been the one the others deferred to. */
		pthread_cond_broadcast(&arb->cond);
	}
	pthread_mutex_unlock(&arb->lock);
	return err;
}

/* Arbiter lock held. */
static void vnpu_vf_engine_give_back(struct vnpu_vf_arbiter *arb, struct vnpu_vf *vf,
				     struct vnpu_engine *e)
{
	vf->share.running[e->klass]--;
	arb->free[e->klass]++;
	e->vf_lent = false;
	pthread_cond_broadcast(&arb->cond);
}

/**
 * vnpu_vf_engine_release() - the job that ran on the PF engine vnpu_vf_engine_acquire()
 * lent is over: charge the VF for the time since @start_ns, and give the engine back
 * unless @more and no waiting VF is due before this one
 * @e: the engine (of a PF: nothing to give back)
 * @start_ns: vnpu_now_ns() when the job started running on the lent engine
 * @more: @e has its next job queued (it will call vnpu_vf_engine_acquire() or
 *	vnpu_vf_engine_drop() for it)
 */
void vnpu_vf_engine_release(struct vnpu_engine *e, uint64_t start_ns, bool more)
{
	struct vnpu_vf *vf = e->vdev->vf;
	struct vnpu_vf_arbiter *arb;
	uint64_t now = vnpu_now_ns();
	uint64_t used = now > start_ns ? now - start_ns : 0;

	if (!vf)
		return;
	arb = &vf->pf->sriov->arb;
	atomic_fetch_add(&vf->share.busy_ns, used);
	pthread_mutex_lock(&arb->lock);
	/* Scaled up before the division so that weights up to 1000 keep sub-ns precision. */
	vf->share.vtime += (used << 10) / atomic_load(&vf->weight);
	vnpu_vf_advance_vclock(vf->pf->sriov);
		if (!more || !vnpu_vf_is_next(vf->pf->sriov, vf, e->klass))
		vnpu_vf_engine_give_back(arb, vf, e);
	pthread_mutex_unlock(&arb->lock);
}

/**
 * vnpu_vf_engine_drop() - give back a PF engine @e kept for a job that will not run (it was
 * cancelled, skipped or aborted before it started)
 * @e: the engine (nothing to do when it holds none)
 */
void vnpu_vf_engine_drop(struct vnpu_engine *e)
{
	struct vnpu_vf *vf = e->vdev->vf;
	struct vnpu_vf_arbiter *arb;

	if (!vf || !e->vf_lent)
		return;
	arb = &vf->pf->sriov->arb;
	pthread_mutex_lock(&arb->lock);
	vnpu_vf_engine_give_back(arb, vf, e);
	pthread_mutex_unlock(&arb->lock);
}

/**
 * vnpu_vf_engine_due() - whether the VF of @e, holding a PF engine while its next job is on
 * its way, is still the one due for it (no waiting VF has less virtual time)
 * @e: the engine
 *
 * Return: true when it may keep the PF engine.
 */
bool vnpu_vf_engine_due(struct vnpu_engine *e)
{
	struct vnpu_vf *vf = e->vdev->vf;
	struct vnpu_vf_arbiter *arb;
	bool due;

	if (!vf)
		return true;
	arb = &vf->pf->sriov->arb;
	pthread_mutex_lock(&arb->lock);
	due = vnpu_vf_is_next(vf->pf->sriov, vf, e->klass);
	pthread_mutex_unlock(&arb->lock);
	return due;
}
