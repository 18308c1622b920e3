/* SPDX-License-Identifier: MIT */
/*
 * vnpu: the device (vnpu_drv.c) and what hangs off it: buffer objects (vnpu_gem.c), each open
 * file's state and address space (vnpu_vm.c), contexts and jobs (vnpu_job.c); and the
 * functions the driver's files call one another through. The engines, the job history and
 * fault injection have headers of their own, included here as far as these structs need them.
 * Internal to the driver; user space sees include/uapi/drm/vnpu_accel.h.
 */
#ifndef DRIVERS_VNPU_DRV_H
#define DRIVERS_VNPU_DRV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <accel/dma_fence.h>
#include <accel/drm_device.h>
#include <accel/drm_file.h>
#include <accel/drm_gem_shmem_helper.h>
#include <accel/drm_gpuvm.h>
#include <accel/drm_mm.h>
#include <accel/drm_sched.h>
#include <accel/idr.h>
#include <accel/kref.h>
#include <uapi/drm/vnpu_accel.h>

#include "vnpu_cmd.h"
#include "vnpu_coredump.h"
#include "vnpu_engine.h"
#include "vnpu_job_history.h"

struct attr_node;
struct drm_ioctl_layout;
struct platform_device;
struct seq_file;

/* VRAM ranges are handed out on this boundary: the granule of the device's page tables. */
#define VNPU_VRAM_ALIGN		(64ull << 10)

/**
 * struct vnpu_config - the device's parameters, fixed at probe from its config section.
 * Read-only after probe: readers take no lock.
 */
struct vnpu_config {
	uint64_t compute_engines;
	uint64_t dma_engines;
	uint64_t vram_size;
	uint64_t sram_size;
	uint64_t queue_depth;
	uint64_t job_timeout_ms;
};

/*
 * ACCEL_TIMEOUT_SCALE: how many times longer vnpu's job watchdogs (the engines' scheduler
 * timeout and the user queues' entry deadline) really are than job_timeout_ms. 1, except in
 * the ThreadSanitizer build (ACCEL_TSAN), whose instrumented code runs 5 to 15 times slower:
 * a job must not time out there only because it ran instrumented. What the device reports
 * (GETPARAM, sysfs) stays the configured value.
 */
#ifndef ACCEL_TIMEOUT_SCALE
#define ACCEL_TIMEOUT_SCALE 1
#endif

struct vnpu_job;
struct vnpu_sriov;
struct vnpu_vf;

/**
 * struct vnpu_device - one vnpu instance: a physical function (PF) made from configuration,
 * or a virtual function (VF) its sriov_numvfs made (vnpu_vf.c).
 * @drm: the DRM device; the struct is freed by the driver's release with it.
 * @pdev: the parent platform device (sysfs attributes live there).
 * @cfg: parameters, read-only after probe.
 * @vram_lock: guards @vram_mm (drm_mm does no locking of its own).
 * @vram_mm: the VRAM address space [0, vram_size); one node per VRAM buffer object.
 * @engines, @nr_engines, @sched_list: per class (VNPU_ENGINE_*); constant after probe (the
 *	engines themselves say what guards their state).
 * @engines_dir: sysfs "engines" directory.
 * @reset_count, @contexts, @user_queues, @inject_hang, @inject_dma_error,
 *	@inject_packet_delay_ms, @inject_fault, @inject_engine: atomic.
 * @jobs: jobs not yet freed, from SUBMIT until vnpu_job_free(): closing a file does not wait
 *	for its jobs (see vnpu_wait_jobs_freed()); guarded by @jobs_lock, @jobs_freed signalled
 *	when it reaches 0.
 * @history: finished jobs, the last hang and the last fault (it has its own lock).
 * @coredump: the last hang's and fault's snapshots (vnpu_coredump.c; its own lock).
 * @vram_limit: the end of the VRAM range buffer objects may take: cfg.vram_size on a PF, the
 *	VF's quota on a VF; guarded by @vram_lock.
 * @queue_limit: jobs a context may have outstanding: cfg.queue_depth, or the VF's queue
 *	limit (atomic: the PF may change it at any time).
 * @sriov: on a PF with sriov_totalvfs > 0, its VF slots (vnpu_vf.c); constant after probe.
 * @vf: on a VF, its slot on the PF; NULL on a PF. Constant after probe.
 */
struct vnpu_device {
	struct drm_device drm;
	struct platform_device *pdev;
	struct vnpu_config cfg;
	pthread_mutex_t vram_lock;
	struct drm_mm vram_mm;

	struct vnpu_engine *engines[VNPU_NR_CLASSES][VNPU_MAX_ENGINES];
	unsigned int nr_engines[VNPU_NR_CLASSES];
	struct drm_gpu_scheduler *sched_list[VNPU_NR_CLASSES][VNPU_MAX_ENGINES];
	struct attr_node *engines_dir;

	atomic_uint_fast64_t reset_count;
	atomic_int contexts;
	atomic_int user_queues;
	atomic_int inject_hang;
	atomic_int inject_dma_error;
	atomic_uint inject_packet_delay_ms;
	atomic_int inject_fault;
	atomic_int inject_engine;

	pthread_mutex_t jobs_lock;
	pthread_cond_t jobs_freed;
	unsigned int jobs;

	struct vnpu_job_history history;
	struct vnpu_coredump coredump;

	uint64_t vram_limit;
	atomic_uint_fast64_t queue_limit;
	struct vnpu_sriov *sriov;
	struct vnpu_vf *vf;
};

static inline struct vnpu_device *to_vnpu_device(struct drm_device *drm)
{
	return container_of(drm, struct vnpu_device, drm);
}

/**
 * struct vnpu_bo - a vnpu buffer object: host memory (the shmem object's memfd), plus a
 * VRAM range when created with VNPU_BO_VRAM.
 * @base: the shmem object; first, so that the shmem helper's free() releases the whole struct.
 * @flags: VNPU_BO_* given at creation; set before the object is published, then read-only.
 * @vram_node: the VRAM range, allocated only for VRAM objects; guarded by the device's
 *	vram_lock.
 * @device_mapped: the device holds a vmap of the object (atomic; set once, by the first
 *	job that reaches it, dropped when the object is freed).
 */
struct vnpu_bo {
	struct drm_gem_shmem_object base;
	uint32_t flags;
	struct drm_mm_node vram_node;
	atomic_bool device_mapped;
};

/**
 * struct vnpu_fault - the last access the MMU refused for a client.
 * @valid: a fault happened since the file was opened.
 * @va, @len: the range asked for.
 * @write: the access was a write.
 * @error: -EFAULT (nothing mapped there, or the range crosses a mapping's end), -EACCES
 *	(a write through a read-only mapping), or the errno of mapping the object.
 * @time_ns: CLOCK_MONOTONIC time of the fault.
 */
struct vnpu_fault {
	bool valid;
	bool write;
	int error;
	uint64_t va;
	uint64_t len;
	uint64_t time_ns;
};

/**
 * struct vnpu_vm_job - what one job reached through its client's address space.
 * @vf: the client (a reference when @holds_vf, so that the job may outlive the file).
 * @lock: guards @objs, @nr and @cap (engines of one job may translate concurrently).
 * @objs: the objects the job touched, each with one reference (and its device mapping) held until
 *	vnpu_vm_job_end(); @nr of @cap entries are used.
 * @fault_next: an injected fault is pending (atomic): the job's next translation fails.
 */
struct vnpu_vm_job {
	struct vnpu_file *vf;
	bool holds_vf;
	pthread_mutex_t lock;
	struct vnpu_vm_job_obj {
		struct drm_gem_object *obj;
		void *vaddr;
	} *objs;
	unsigned int nr;
	unsigned int cap;
	atomic_bool fault_next;
};

/**
 * struct vnpu_file - the driver's state of one open file (drm_file.driver_priv).
 * @vm: the client's address space; its own lock guards its mappings.
 * @refcount: the file holds one reference, each running job (struct vnpu_vm_job) one; the
 *	last put destroys @vm (dropping the mappings' object references) and frees the struct.
 * @fault_lock: guards @fault.
 * @fault: the last translation the MMU refused.
 * @ctx_lock: guards @contexts (id -> struct vnpu_ctx, each holding the table's reference)
 *	and @queues (id -> struct vnpu_uq, owned by the table).
 * @busy_ns: engine time of the client's jobs per class (VNPU_ENGINE_*), atomic; jobs add
 *	to it after the file may be gone, which the reference they hold allows.
 */
struct vnpu_file {
	struct drm_gpuvm vm;
	atomic_uint refcount;
	pthread_mutex_t fault_lock;
	struct vnpu_fault fault;
	pthread_mutex_t ctx_lock;
	struct idr contexts;
	struct idr queues;
	atomic_uint_fast64_t busy_ns[VNPU_NR_CLASSES];
};

/**
 * vnpu_file_of() - the driver's state of an open file
 * @file: the client, between open and postclose
 *
 * Return: its struct vnpu_file.
 */
static inline struct vnpu_file *vnpu_file_of(struct drm_file *file)
{
	return file->driver_priv;
}

/**
 * struct vnpu_ctx - a context: one scheduler entity on the engines of one class.
 * @ref: the file's context table holds one, each SUBMIT in progress and each job one.
 * @id, @klass, @priority, @client_id: constant.
 * @lock: serialises arm and push of the entity's jobs, and guards @dead and @seqno.
 * @dead: destroyed (no SUBMIT may push any more).
 * @killed: a job of the context hung (atomic): set by the timeout handler before the hung
 *	job's fence can signal, so that nobody who saw that fence can still submit here.
 * @outstanding: jobs whose fence has not signalled (atomic), at most the queue depth.
 * @entity: the scheduler entity; torn down at destroy, its memory freed with the last @ref.
 */
struct vnpu_ctx {
	struct kref ref;
	struct vnpu_device *vdev;
	uint32_t id;
	uint32_t klass;
	uint32_t priority;
	uint64_t client_id;
	pthread_mutex_t lock;
	bool dead;
	atomic_bool killed;
	uint64_t seqno;
	atomic_uint outstanding;
	struct drm_sched_entity entity;
};

/**
 * struct vnpu_job - one submitted command buffer.
 * @base: the scheduler's job; the scheduler owns it from push until free_job.
 * @ctx: the context (a reference).  @vm: the client's address space, held from SUBMIT;
 *	@vm_active until the engine (or free_job, for a job that never ran) ends it.
 * @cmd_obj, @cmd_offset, @cmd_size, @profile_va, @job_id: constant after SUBMIT (the submit
 *	time is the scheduler's @base.submit_ts).
 * @engine, @hw_fence: set by run_job before the engine sees the job.
 * @abort: 0, or the errno the running job is to stop with (atomic; the timeout handler,
 *	an injected reset or teardown set it once).
 * @fifo_next: guarded by the engine's lock.
 * @start_ns, @end_ns, @res, @hang: written by the engine thread before it signals
 *	@hw_fence; read after (the timeout handler, which waits for the signal). @start_ns
 *	and @hang are also read while the job runs (vnpu_engine_busy_ns(), debugfs "queues"):
 *	written under the engine's lock.
 * @done_cb: on the finished fence; counts the job out of @ctx->outstanding.
 * @progress: engine packets (DMA or compute) the stream has started (atomic; the engine
 *	thread bumps it, the timeout handler reads it: starting packet N+1 means packet N
 *	completed). @progress_seen: its value at the last timeout check (the handler's own).
 * @force_reset: debugfs force_recovery asked for a reset of this job (atomic): the timeout
 *	handler then resets even though the job is making progress.
 * @vf_waiting: the job (of a VF) waits for one of the PF's engines (atomic; set and cleared
 *	by the engine thread): it is not hung, the timeout handler leaves it.
 */
struct vnpu_job {
	struct drm_sched_job base;
	struct vnpu_ctx *ctx;
	struct vnpu_vm_job vm;
	bool vm_active;
	struct drm_gem_object *cmd_obj;
	uint64_t cmd_offset;
	uint64_t cmd_size;
	uint64_t profile_va;
	uint64_t job_id;
	struct vnpu_engine *engine;
	struct dma_fence *hw_fence;
	atomic_int abort;
	struct vnpu_job *fifo_next;
	uint64_t start_ns;
	uint64_t end_ns;
	bool hang;
	struct vnpu_exec_result res;
	struct dma_fence_cb done_cb;
	atomic_uint progress;
	unsigned int progress_seen;
	atomic_bool force_reset;
	atomic_bool vf_waiting;
};

/* device (vnpu_drv.c) */
uint64_t vnpu_vram_used(struct vnpu_device *vdev);
uint64_t vnpu_vram_size(struct vnpu_device *vdev);

/* virtual functions (vnpu_vf.c) */
void vnpu_sriov_fini(struct vnpu_device *pf);
int vnpu_vf_probe_config(struct vnpu_device *vdev, struct vnpu_vf *vf);
int vnpu_vf_sysfs_init(struct vnpu_device *vdev);
void vnpu_vf_sysfs_remove(struct vnpu_device *vdev);

/* buffers (vnpu_gem.c) */
struct drm_gem_object *vnpu_gem_create_object(struct drm_device *dev, size_t size);
struct vnpu_bo *to_vnpu_bo(struct drm_gem_object *obj);
int vnpu_bo_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int vnpu_bo_info_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int vnpu_bo_device_vaddr(struct drm_gem_object *obj, void **vaddr);
void vnpu_show_fdinfo(struct seq_file *m, struct drm_file *file);

/* address spaces and MMU (vnpu_vm.c) */
extern const struct vnpu_mem_ops vnpu_vm_mem_ops;
int vnpu_vm_open(struct drm_device *dev, struct drm_file *file);
void vnpu_vm_postclose(struct drm_device *dev, struct drm_file *file);
int vnpu_vm_bind_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
void vnpu_vm_job_begin(struct drm_file *file, struct vnpu_vm_job *job);
void vnpu_vm_job_end(struct vnpu_vm_job *job);
void vnpu_vm_last_fault(struct drm_file *file, struct vnpu_fault *fault);
void vnpu_vm_debugfs_init(struct vnpu_device *vdev);
void vnpu_file_get(struct vnpu_file *vf);
void vnpu_file_put(struct vnpu_file *vf);
void vnpu_vm_job_begin_borrowed(struct vnpu_file *vf, struct vnpu_vm_job *job);

/* user-space queues (vnpu_uq.c) */
struct vnpu_uq;
int vnpu_queue_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int vnpu_queue_destroy_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int vnpu_queue_signal_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
void vnpu_queues_close(struct drm_file *file);
void vnpu_uq_debugfs_show(struct seq_file *m, struct drm_file *file);

/* contexts and submission (vnpu_job.c) */
int vnpu_context_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int vnpu_context_destroy_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int vnpu_submit_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
extern const struct drm_ioctl_layout vnpu_submit_layout;
void vnpu_contexts_close(struct drm_file *file);
void vnpu_job_free(struct vnpu_job *job);
unsigned int vnpu_jobs_alive(struct drm_device *dev);
void vnpu_wait_jobs_freed(struct drm_device *dev);

/* debugfs views (vnpu_debugfs.c) */
void vnpu_debugfs_init(struct vnpu_device *vdev);

#endif
