// SPDX-License-Identifier: MIT
/*
 * vnpu: user-space queues. A queue is an object the client maps: a control page and a ring.
 * The client writes entries and rings the doorbell with stores; the queue's engine (a thread
 * of its own, so that a hung queue stops nothing else) executes them in order through the
 * client's address space and publishes rptr and the completed seqno in the control page.
 *
 * Waiting is adaptive on both sides: the engine polls the write pointer for a short while
 * after its last entry when there is more than one CPU (a poll on a single CPU would only
 * steal the time the client needs to write), then sleeps on the doorbell futex; the client
 * side (lib/vnpu_uq.c) does the same for completions. The engine trusts nothing in the
 * shared page but wptr and doorbell, which it only reads: its own rptr and seqno are private
 * copies, so a client scribbling over the page can only hurt its own queue.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <linux/futex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysinfo.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <accel/drm_drv.h>
#include <accel/drm_file.h>
#include <accel/drm_gem.h>
#include <accel/drm_print.h>
#include <accel/drm_syncobj.h>
#include <accel/trace.h>
#include "vnpu_cmd.h"
#include "vnpu_coredump.h"
#include "vnpu_drv.h"
#include "vnpu_inject.h"
#include "vnpu_job_history.h"
#include "vnpu_units.h"

_Static_assert(sizeof(struct vnpu_uq_control) == 128, "vnpu uAPI layout");
_Static_assert(sizeof(struct vnpu_uq_entry) == 16, "vnpu uAPI layout");
_Static_assert(sizeof(struct vnpu_uq_indirect) == 16, "vnpu uAPI layout");

/* How long the engine polls for the next entry before it sleeps on the doorbell. */
#define VNPU_UQ_SPIN_NS		50000ull
/* A client that advances wptr without ringing is still served, this much later. */
#define VNPU_UQ_SLEEP_MS	100

/**
 * struct vnpu_uq_fence - a QUEUE_SIGNAL fence: signals once the queue completes @seqno.
 * @next: the queue's list, sorted by @seqno; guarded by the queue's lock.
 */
struct vnpu_uq_fence {
	struct dma_fence base;
	uint64_t seqno;
	struct vnpu_uq_fence *next;
};

/**
 * struct vnpu_uq - one user queue.
 * @vdev, @vf (a reference), @id, @client_id, @obj (a reference), @ctrl, @ring, @ring_size,
 * @fence_context: constant after creation.
 * @thread: the queue's engine; @compute, @rptr and @seen are touched only by it (@seen: how
 *	far its trace has announced entries, see vnpu_uq_trace_submits()).
 * @stop: set once by destroy (atomic); the engine aborts the entry it runs and exits.
 * @lock guards @fences, @error and @fence_seq.
 * @completed, @entries, @busy_ns: written by the engine only (atomic).
 * @running_seqno, @running_since: the entry on the engine now, for debugfs (atomic).
 * @nr_fences: entries of @fences (atomic), so the engine skips the lock when none wait.
 */
struct vnpu_uq {
	struct vnpu_device *vdev;
	struct vnpu_file *vf;
	uint32_t id;
	uint64_t client_id;
	struct drm_gem_object *obj;
	struct vnpu_uq_control *ctrl;
	uint8_t *ring;
	uint32_t ring_size;
	uint64_t fence_context;

	pthread_t thread;
	struct vnpu_compute *compute;
	uint64_t rptr;
	uint64_t seen;
	atomic_bool stop;

	pthread_mutex_t lock;
	struct vnpu_uq_fence *fences;
	atomic_int nr_fences;
	atomic_uint_fast64_t completed;
	int error;
	atomic_uint_fast64_t entries;
	atomic_uint_fast64_t busy_ns;
	atomic_uint_fast64_t running_seqno;
	atomic_uint_fast64_t running_since;
	uint64_t fence_seq;
};

static long vnpu_futex(uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
	return syscall(SYS_futex, addr, op, val, ts, NULL, 0);
}

/* CPUs the engine may run on (it inherits the creating thread's affinity). */
static int vnpu_uq_cpus_usable(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set))
		return get_nprocs();
	return CPU_COUNT(&set);
}

static const char *vnpu_uq_fence_driver_name(struct dma_fence *fence)
{
	(void)fence;
	return "vnpu";
}

static const char *vnpu_uq_fence_timeline_name(struct dma_fence *fence)
{
	(void)fence;
	return "user-queue";
}

static const struct dma_fence_ops vnpu_uq_fence_ops = {
	.get_driver_name = vnpu_uq_fence_driver_name,
	.get_timeline_name = vnpu_uq_fence_timeline_name,
};

/*
 * Signal the attached fences up to @completed (all of them with @error when non-zero).
 * Called by the engine and by destroy, never with the queue's lock held while signalling.
 */
static void vnpu_uq_signal_fences(struct vnpu_uq *q, uint64_t completed, int error)
{
	struct vnpu_uq_fence *done = NULL, **tail = &done, *f;

	pthread_mutex_lock(&q->lock);
	while (q->fences && (error || q->fences->seqno <= completed)) {
		f = q->fences;
		q->fences = f->next;
		f->next = NULL;
		*tail = f;
		tail = &f->next;
		atomic_fetch_sub(&q->nr_fences, 1);
	}
	pthread_mutex_unlock(&q->lock);
	while (done) {
		f = done;
		done = f->next;
		if (error && f->seqno > completed)
			dma_fence_set_error(&f->base, error);
		dma_fence_signal(&f->base);
		dma_fence_put(&f->base);
	}
}

/* Tell sleeping clients that rptr or completed moved. */
static void vnpu_uq_wake_clients(struct vnpu_uq *q)
{
	__atomic_add_fetch(&q->ctrl->rptr_futex, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&q->ctrl->waiters, __ATOMIC_SEQ_CST)) {
		vnpu_futex(&q->ctrl->completed_futex, FUTEX_WAKE, INT_MAX, NULL);
		vnpu_futex(&q->ctrl->rptr_futex, FUTEX_WAKE, INT_MAX, NULL);
	}
}

/* A failed entry in the device's last_fault / last_hang views, as a job would be. */
static void vnpu_uq_record(struct vnpu_uq *q, uint64_t seqno, int error,
			   const struct vnpu_exec_result *res)
{
	struct vnpu_job_record rec = {
		.client_id = q->client_id,
		.job_id = seqno,
		.profile = { .engine_class = VNPU_ENGINE_COMPUTE, .error = error },
	};

	snprintf(rec.engine, sizeof(rec.engine), "uq%u", q->id);
	if (res)
		vnpu_job_record_set_result(&rec, res);
	vnpu_job_history_add(&q->vdev->history, &rec, false);
}

/* The entry @seqno failed with @error: stop the queue and say so in the control page. */
static void vnpu_uq_fail(struct vnpu_uq *q, uint64_t seqno, int error,
			 const struct vnpu_exec_result *res)
{
	struct vnpu_uq_control *c = q->ctrl;
	uint64_t fault_va = res ? res->fault_va : 0;
	uint64_t completed;

	pthread_mutex_lock(&q->lock);
	q->error = error;
	completed = atomic_load(&q->completed);
	pthread_mutex_unlock(&q->lock);
	__atomic_store_n(&c->error_seqno, seqno, __ATOMIC_RELAXED);
	__atomic_store_n(&c->fault_va, fault_va, __ATOMIC_RELAXED);
	__atomic_store_n(&c->error, error, __ATOMIC_RELAXED);
	__atomic_store_n(&c->status, VNPU_UQ_STATUS_ERROR, __ATOMIC_RELEASE);
	vnpu_uq_record(q, seqno, error, res);
	ACCEL_TRACE(ACCEL_TRACE_VNPU_FAULT, q->fence_context, 0, seqno, fault_va, q->client_id, q->id, error, "uq");
	vnpu_uq_signal_fences(q, completed, error);
	vnpu_futex(&c->completed_futex, FUTEX_WAKE, INT_MAX, NULL);
	vnpu_futex(&c->rptr_futex, FUTEX_WAKE, INT_MAX, NULL);
	accel_printk(ACCEL_LOG_WARN, "[drm] vnpu %s: user queue %u of client %llu stopped at entry %llu: error %d",
		     q->vdev->drm.unique, q->id, (unsigned long long)q->client_id,
		     (unsigned long long)seqno, error);
}

static int vnpu_uq_aborted(void *arg)
{
	struct vnpu_uq *q = arg;

	return atomic_load(&q->stop);
}

static int vnpu_uq_inject(void *arg, enum vnpu_engine_class klass)
{
	struct vnpu_uq *q = arg;

	return vnpu_inject_dma_error(q->vdev, klass);
}

/* An injected hang: nothing happens until the entry's deadline or the queue's destruction. */
static int vnpu_uq_hang(struct vnpu_uq *q, uint64_t deadline)
{
	while (!atomic_load(&q->stop)) {
		if (vnpu_now_ns() >= deadline)
			return -ETIME;
		usleep(1000);
	}
	return -ECANCELED;
}

/*
 * Run entry @seqno's body (@body, @len bytes, in the ring at @ring_off: the executor copies
 * each packet before it checks it, so the client rewriting the ring meanwhile cannot hurt).
 * A hang or fault leaves a coredump, taken while the stream is still mapped and before the
 * queue reports the error.
 */
static int vnpu_uq_run(struct vnpu_uq *q, uint64_t seqno, uint32_t flags, const uint8_t *body,
		       size_t len, uint32_t ring_off, uint64_t start_ns,
		       struct vnpu_exec_result *res)
{
	struct vnpu_exec_ctx ctx = {
		.mem = &vnpu_vm_mem_ops,
		.aborted = vnpu_uq_aborted,
		.abort_ctx = q,
		.inject = vnpu_uq_inject,
	};
	struct vnpu_coredump_uq dump = {
		.vf = q->vf, .client_id = q->client_id, .queue_id = q->id, .seqno = seqno,
		.start_ns = start_ns, .stream = body, .size = len, .ring_offset = ring_off,
		.res = res,
	};
	struct vnpu_vm_job vm;
	struct vnpu_uq_indirect ind;
	const void *stream = body;
	int ret;

	memset(res, 0, sizeof(*res));
	if (!q->compute) {
		ret = vnpu_compute_create(&q->compute);
		if (ret)
			return ret;
	}
	ctx.compute = q->compute;
	ctx.deadline_ns = start_ns + q->vdev->cfg.job_timeout_ms * ACCEL_TIMEOUT_SCALE * 1000000ull;
	/* The queue's own reference to the client outlives every entry. */
	vnpu_vm_job_begin_borrowed(q->vf, &vm);
	ctx.mem_ctx = &vm;
	if (flags & VNPU_UQ_ENTRY_INDIRECT) {
		if (len != sizeof(ind)) {
			ret = -EINVAL;
			goto out;
		}
		memcpy(&ind, body, sizeof(ind));
		if ((ind.va & 7) || (ind.size & 7) || !ind.size || ind.size > VNPU_MAX_CMD_SIZE) {
			ret = -EINVAL;
			goto out;
		}
		dump.indirect = true;
		dump.indirect_va = ind.va;
		dump.size = ind.size;
		stream = vnpu_vm_mem_ops.map(&vm, ind.va, ind.size, 0);
		dump.stream = stream;
		if (!stream) {
			res->fault_va = ind.va;
			res->fault_len = ind.size;
			ret = -EFAULT;
			goto out;
		}
		len = (size_t)ind.size;
	}
	if (vnpu_inject_hang_take(q->vdev)) {
		dump.injected_hang = true;
		ret = vnpu_uq_hang(q, ctx.deadline_ns);
	} else {
		ret = vnpu_exec_stream(&ctx, stream, len, res);
	}
out:
	if (!atomic_load(&q->stop))
		vnpu_coredump_capture_uq(q->vdev, &dump, ret);
	vnpu_vm_job_end(&vm);
	return ret;
}

/*
 * Wait for wptr to move past our rptr: poll for VNPU_UQ_SPIN_NS when another CPU can run the
 * client meanwhile, then sleep on the doorbell. Returns the new wptr, or our rptr when
 * stopping.
 */
static uint64_t vnpu_uq_wait_work(struct vnpu_uq *q, bool spin)
{
	struct vnpu_uq_control *c = q->ctrl;
	struct timespec ts = { 0, VNPU_UQ_SLEEP_MS * 1000000l };
	uint64_t w, t0 = spin ? vnpu_now_ns() : 0;
	uint32_t db;

	for (;;) {
		w = __atomic_load_n(&c->wptr, __ATOMIC_ACQUIRE);
		if (w != q->rptr || atomic_load(&q->stop))
			return w;
		if (spin) {
			uint64_t spent = vnpu_now_ns() - t0;

			/* Spin first; then yield, so a client on our CPU gets to write its entry. */
			if (spent < 2000) {
				vnpu_cpu_relax();
				continue;
			}
			if (spent < VNPU_UQ_SPIN_NS) {
				sched_yield();
				continue;
			}
		}
		/* Say we sleep before the last look, so a doorbell rung after it wakes us. */
		__atomic_store_n(&c->device_sleeping, 1, __ATOMIC_SEQ_CST);
		db = __atomic_load_n(&c->doorbell, __ATOMIC_SEQ_CST);
		w = __atomic_load_n(&c->wptr, __ATOMIC_SEQ_CST);
		if (w == q->rptr && !atomic_load(&q->stop))
			vnpu_futex(&c->doorbell, FUTEX_WAIT, db, &ts);
		__atomic_store_n(&c->device_sleeping, 0, __ATOMIC_RELAXED);
		spin = false;
	}
}

/*
 * Trace a submit for each entry the client wrote since the engine last looked (wptr moved to
 * @w): a user queue has no submit call, so its submit is when the device sees the entry, at
 * the doorbell or a poll, which may be well before the entry starts. The entries are walked
 * as the engine will walk them, stopping at anything malformed (the engine fails that
 * entry when it gets there). Only while tracing is on; otherwise @seen just follows wptr.
 */
static void vnpu_uq_trace_submits(struct vnpu_uq *q, uint64_t w)
{
	uint64_t pos = q->seen - q->rptr <= w - q->rptr ? q->seen : q->rptr;
	struct vnpu_uq_entry e;
	uint32_t off;

	q->seen = w;
	if (!__atomic_load_n(&accel_trace_on, __ATOMIC_RELAXED))
		return;
	while (pos != w && w - pos <= q->ring_size) {
		off = (uint32_t)(pos & (q->ring_size - 1));
		if (q->ring_size - off < sizeof(e)) {
			pos += q->ring_size - off;
			continue;
		}
		memcpy(&e, q->ring + off, sizeof(e));
		if (e.length < sizeof(e) || (e.length & 7) || e.length > w - pos ||
		    e.length > q->ring_size - off)
			break;
		if (!(e.flags & VNPU_UQ_ENTRY_PAD))
			ACCEL_TRACE(ACCEL_TRACE_UQ_SUBMIT, q->fence_context, 0, e.seqno, q->client_id,
				    q->id, 0, 0, "uq");
		pos += e.length;
	}
}

static void *vnpu_uq_thread(void *arg)
{
	struct vnpu_uq *q = arg;
	struct vnpu_uq_control *c = q->ctrl;
	bool spin = vnpu_uq_cpus_usable() > 1;
	struct vnpu_exec_result res;
	struct vnpu_uq_entry e;
	uint64_t seqno, w, t0, ran;
	uint32_t off;
	int err;

	for (;;) {
		/* The last completed entry: only this thread writes it. */
		seqno = atomic_load_explicit(&q->completed, memory_order_relaxed);
		w = vnpu_uq_wait_work(q, spin);
		if (atomic_load(&q->stop))
			break;
		vnpu_uq_trace_submits(q, w);
		off = (uint32_t)(q->rptr & (q->ring_size - 1));
		/* Entries and skipped tails are multiples of 8: any other wptr is corrupt. */
		if ((w - q->rptr) & 7) {
			vnpu_uq_fail(q, seqno + 1, -EINVAL, NULL);
			break;
		}
		/*
		 * Too little room for a header before the ring's end (8 bytes, offsets being
		 * multiples of 8): skipped, no PAD needed; wptr is at least there.
		 */
		if (q->ring_size - off < sizeof(e)) {
			q->rptr += q->ring_size - off;
			__atomic_store_n(&c->rptr, q->rptr, __ATOMIC_RELEASE);
			continue;
		}
		memcpy(&e, q->ring + off, sizeof(e));
		/* The entry must be whole, written (before wptr) and before the ring's end. */
		if (w - q->rptr > q->ring_size || e.length < sizeof(e) || (e.length & 7) ||
		    e.length > w - q->rptr || e.length > q->ring_size - off ||
		    (e.flags & ~(VNPU_UQ_ENTRY_PAD | VNPU_UQ_ENTRY_INDIRECT))) {
			vnpu_uq_fail(q, seqno + 1, -EINVAL, NULL);
			break;
		}
		if (e.flags & VNPU_UQ_ENTRY_PAD) {
			q->rptr += e.length;
			__atomic_store_n(&c->rptr, q->rptr, __ATOMIC_RELEASE);
			continue;
		}
		if (e.seqno != seqno + 1) {
			vnpu_uq_fail(q, seqno + 1, -EINVAL, NULL);
			break;
		}
		/* Unplugged: the device runs nothing more; the queue says why. */
		if (drm_dev_is_unplugged(&q->vdev->drm)) {
			vnpu_uq_fail(q, e.seqno, -ENODEV, NULL);
			break;
		}
		t0 = vnpu_now_ns();
		atomic_store_explicit(&q->running_since, t0, memory_order_relaxed);
		atomic_store_explicit(&q->running_seqno, e.seqno, memory_order_relaxed);
		ACCEL_TRACE(ACCEL_TRACE_UQ_START, q->fence_context, 0, e.seqno, q->client_id, q->id, 0, 0, "uq");
		err = vnpu_uq_run(q, e.seqno, e.flags, q->ring + off + sizeof(e),
				  e.length - sizeof(e), off + (uint32_t)sizeof(e), t0, &res);
		ran = vnpu_now_ns() - t0;
		ACCEL_TRACE(ACCEL_TRACE_UQ_END, q->fence_context, 0, e.seqno, q->client_id, q->id, ran, err, "uq");
		atomic_store_explicit(&q->running_seqno, 0, memory_order_relaxed);
		atomic_fetch_add(&q->vf->busy_ns[VNPU_ENGINE_COMPUTE], ran);
		atomic_fetch_add_explicit(&q->busy_ns, ran, memory_order_relaxed);
		if (err) {
			if (!atomic_load(&q->stop))
				vnpu_uq_fail(q, e.seqno, err, &res);
			break;
		}
		seqno = e.seqno;
		atomic_fetch_add_explicit(&q->entries, 1, memory_order_relaxed);
		/* Before nr_fences is read: QUEUE_SIGNAL re-checks it after attaching. */
		atomic_store(&q->completed, seqno);
		q->rptr += e.length;
		__atomic_store_n(&c->completed, seqno, __ATOMIC_RELEASE);
		__atomic_store_n(&c->completed_futex, (uint32_t)seqno, __ATOMIC_RELEASE);
		__atomic_store_n(&c->rptr, q->rptr, __ATOMIC_RELEASE);
		vnpu_uq_wake_clients(q);
		if (atomic_load(&q->nr_fences))
			vnpu_uq_signal_fences(q, seqno, 0);
	}
	return NULL;
}

static void vnpu_uq_free(struct vnpu_uq *q)
{
	vnpu_compute_destroy(q->compute);
	drm_gem_object_put(q->obj);
	vnpu_file_put(q->vf);
	pthread_mutex_destroy(&q->lock);
	free(q);
}

/* Stop the engine (aborting its entry), fail what is attached, free the queue. */
static void vnpu_uq_destroy(struct vnpu_uq *q, int error)
{
	uint64_t completed;

	atomic_store(&q->stop, true);
	/* Ring it too: an engine between its last look at stop and FUTEX_WAIT then returns. */
	__atomic_add_fetch(&q->ctrl->doorbell, 1, __ATOMIC_SEQ_CST);
	vnpu_futex(&q->ctrl->doorbell, FUTEX_WAKE, INT_MAX, NULL);
	pthread_join(q->thread, NULL);
	completed = atomic_load(&q->completed);
	vnpu_uq_signal_fences(q, completed, error);
	atomic_fetch_sub(&q->vdev->user_queues, 1);
	vnpu_uq_free(q);
}

/**
 * vnpu_queue_create_ioctl() - DRM_IOCTL_VNPU_QUEUE_CREATE
 * @dev: the device
 * @data: struct drm_vnpu_queue_create
 * @file: the client
 *
 * Return: 0; -EINVAL for a bad ring size or flags; -ENOSPC past VNPU_MAX_QUEUES; -ENOMEM;
 * -EAGAIN when the engine thread cannot be started.
 */
int vnpu_queue_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct vnpu_device *vdev = to_vnpu_device(dev);
	struct vnpu_file *vf = vnpu_file_of(file);
	struct drm_vnpu_queue_create *args = data;
	struct drm_gem_shmem_object *shmem;
	struct vnpu_uq *q;
	void *vaddr;
	int id, ret;

	if (args->flags || args->ring_size < VNPU_UQ_RING_MIN || args->ring_size > VNPU_UQ_RING_MAX ||
	    (args->ring_size & (args->ring_size - 1)))
		return -EINVAL;
	q = calloc(1, sizeof(*q));
	if (!q)
		return -ENOMEM;
	shmem = drm_gem_shmem_create(dev, VNPU_UQ_RING_OFFSET + args->ring_size);
	if (IS_ERR(shmem)) {
		free(q);
		return (int)PTR_ERR(shmem);
	}
	q->obj = &shmem->base;
	ret = vnpu_bo_device_vaddr(q->obj, &vaddr);
	if (ret)
		goto err_obj;
	q->vdev = vdev;
	q->client_id = file->client_id;
	q->vf = vf;
	vnpu_file_get(vf);
	q->ctrl = vaddr;
	q->ring = (uint8_t *)vaddr + VNPU_UQ_RING_OFFSET;
	q->ring_size = args->ring_size;
	q->fence_context = dma_fence_context_alloc(1);
	pthread_mutex_init(&q->lock, NULL);
	atomic_init(&q->stop, false);
	atomic_init(&q->nr_fences, 0);

	ret = drm_gem_handle_create(file, q->obj, &args->handle);
	if (ret)
		goto err_vf;
	pthread_mutex_lock(&vf->ctx_lock);
	id = idr_alloc(&vf->queues, q, 1);
	if (id > VNPU_MAX_QUEUES) {
		idr_remove(&vf->queues, id);
		id = -ENOSPC;
	}
	if (id > 0) {
		q->id = (uint32_t)id;
		ret = -pthread_create(&q->thread, NULL, vnpu_uq_thread, q);
		if (ret)
			idr_remove(&vf->queues, id);
	}
	pthread_mutex_unlock(&vf->ctx_lock);
	if (id < 0)
		ret = id;
	if (ret) {
		drm_gem_handle_delete(file, args->handle);
		args->handle = 0;
		goto err_vf;
	}
	args->queue_id = (uint32_t)id;
	atomic_fetch_add(&vdev->user_queues, 1);
	return 0;

err_vf:
	vnpu_file_put(vf);
	pthread_mutex_destroy(&q->lock);
err_obj:
	drm_gem_object_put(q->obj);
	free(q);
	return ret;
}

/**
 * vnpu_queue_destroy_ioctl() - DRM_IOCTL_VNPU_QUEUE_DESTROY
 * @dev: the device
 * @data: struct drm_vnpu_queue_destroy
 * @file: the client
 *
 * Return: 0; -EINVAL for a non-zero pad; -ENOENT for an unknown queue.
 */
int vnpu_queue_destroy_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct vnpu_file *vf = vnpu_file_of(file);
	struct drm_vnpu_queue_destroy *args = data;
	struct vnpu_uq *q = NULL;

	(void)dev;
	if (args->pad)
		return -EINVAL;
	pthread_mutex_lock(&vf->ctx_lock);
	if (args->queue_id && args->queue_id <= VNPU_MAX_QUEUES)
		q = idr_remove(&vf->queues, (int)args->queue_id);
	pthread_mutex_unlock(&vf->ctx_lock);
	if (!q)
		return -ENOENT;
	vnpu_uq_destroy(q, -ECANCELED);
	return 0;
}

/**
 * vnpu_queues_close() - the file is closing: destroy its queues (attached fences past the
 * last completed entry get -ESRCH, as a closed context's queued jobs do)
 * @file: the client
 */
void vnpu_queues_close(struct drm_file *file)
{
	struct vnpu_file *vf = vnpu_file_of(file);
	struct vnpu_uq *q;
	int id;

	for (;;) {
		id = 0;
		pthread_mutex_lock(&vf->ctx_lock);
		q = idr_get_next(&vf->queues, &id);
		if (q)
			idr_remove(&vf->queues, id);
		pthread_mutex_unlock(&vf->ctx_lock);
		if (!q)
			break;
		vnpu_uq_destroy(q, -ESRCH);
	}
}

/**
 * vnpu_queue_signal_ioctl() - DRM_IOCTL_VNPU_QUEUE_SIGNAL
 * @dev: the device
 * @data: struct drm_vnpu_queue_signal
 * @file: the client
 *
 * Return: 0; -EINVAL for flags, pads or seqno 0; -ENOENT for an unknown queue or syncobj;
 * -ENOMEM.
 */
int vnpu_queue_signal_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct vnpu_file *vf = vnpu_file_of(file);
	struct drm_vnpu_queue_signal *args = data;
	struct vnpu_uq_fence *f, **pp;
	struct dma_fence_chain *chain = NULL;
	struct drm_syncobj *syncobj;
	struct vnpu_uq *q = NULL;
	bool now = false;
	int error = 0, ret;

	(void)dev;
	if (args->flags || args->out_sync.flags || !args->seqno || !args->out_sync.handle)
		return -EINVAL;
	syncobj = drm_syncobj_find(file, args->out_sync.handle);
	if (!syncobj)
		return -ENOENT;
	ret = -ENOMEM;
	if (args->out_sync.point && !(chain = dma_fence_chain_alloc()))
		goto out;
	f = calloc(1, sizeof(*f));
	if (!f)
		goto out;
	f->seqno = args->seqno;

	/* The queue table's lock keeps the queue from being destroyed while we attach. */
	pthread_mutex_lock(&vf->ctx_lock);
	if (args->queue_id && args->queue_id <= VNPU_MAX_QUEUES)
		q = idr_find(&vf->queues, (int)args->queue_id);
	if (!q) {
		pthread_mutex_unlock(&vf->ctx_lock);
		free(f);
		ret = -ENOENT;
		goto out;
	}
	pthread_mutex_lock(&q->lock);
	dma_fence_init(&f->base, &vnpu_uq_fence_ops, q->fence_context, ++q->fence_seq);
	if (args->seqno <= atomic_load(&q->completed) || q->error) {
		now = true;
		error = args->seqno <= atomic_load(&q->completed) ? 0 : q->error;
	} else {
		/* Sorted by seqno; a list, since few fences wait on a queue at once. */
		for (pp = &q->fences; *pp && (*pp)->seqno <= f->seqno; pp = &(*pp)->next)
			;
		f->next = *pp;
		*pp = f;
		dma_fence_get(&f->base); /* the queue's reference */
		atomic_fetch_add(&q->nr_fences, 1);
	}
	pthread_mutex_unlock(&q->lock);
	/*
	 * The engine publishes completed, then looks at nr_fences without the lock: an entry
	 * that completed while we attached may have missed our fence. Still under the table's
	 * lock, so the queue cannot go meanwhile.
	 */
	if (!now && atomic_load(&q->completed) >= args->seqno)
		vnpu_uq_signal_fences(q, atomic_load(&q->completed), 0);
	pthread_mutex_unlock(&vf->ctx_lock);
	if (now) {
		if (error)
			dma_fence_set_error(&f->base, error);
		dma_fence_signal(&f->base);
	}
	if (chain)
		drm_syncobj_add_point(syncobj, chain, &f->base, args->out_sync.point);
	else
		drm_syncobj_replace_fence(syncobj, &f->base);
	chain = NULL;
	dma_fence_put(&f->base);
	ret = 0;
out:
	dma_fence_chain_free(chain);
	drm_syncobj_put(syncobj);
	return ret;
}

/**
 * vnpu_uq_debugfs_show() - one client's queues for the debugfs "queues" file
 * @m: the file being written
 * @file: the client (called under the device's filelist lock)
 */
void vnpu_uq_debugfs_show(struct seq_file *m, struct drm_file *file)
{
	struct vnpu_file *vf = vnpu_file_of(file);
	struct vnpu_uq *q;
	int id = 0;

	pthread_mutex_lock(&vf->ctx_lock);
	while ((q = idr_get_next(&vf->queues, &id))) {
		pthread_mutex_lock(&q->lock);
		seq_printf(m, "client=%llu user-queue=%u ring=%u wptr=%llu rptr=%llu completed=%llu "
			   "entries=%llu busy_ns=%llu fences=%d error=%d",
			   (unsigned long long)file->client_id, q->id, q->ring_size,
			   (unsigned long long)__atomic_load_n(&q->ctrl->wptr, __ATOMIC_RELAXED),
			   (unsigned long long)__atomic_load_n(&q->ctrl->rptr, __ATOMIC_RELAXED),
			   (unsigned long long)atomic_load(&q->completed),
			   (unsigned long long)atomic_load(&q->entries),
			   (unsigned long long)atomic_load(&q->busy_ns), atomic_load(&q->nr_fences),
			   q->error);
		if (atomic_load(&q->running_seqno))
			seq_printf(m, " running=%llu since_ns=%llu",
				   (unsigned long long)atomic_load(&q->running_seqno),
				   (unsigned long long)atomic_load(&q->running_since));
		seq_puts(m, "\n");
		pthread_mutex_unlock(&q->lock);
		id++;
	}
	pthread_mutex_unlock(&vf->ctx_lock);
}
