/* SPDX-License-Identifier: MIT */
/*
 * vedge: the edge NPU driver's device, file and job structs and the functions its files call
 * one another through. The device (vedge_drv.c) reaches the NPU only through its registers
 * (vedge_mmio.c); jobs (vedge_job.c) are checked (vedge_validate.c), scheduled through
 * drm_sched, kicked, and completed by the interrupt thread (vedge_irq.c); runtime power
 * management is vedge_pm.c, telemetry and fault injection vedge_debugfs.c.
 * Internal to the driver; user space sees include/uapi/drm/vedge_accel.h.
 */
#ifndef DRIVERS_VEDGE_DRV_H
#define DRIVERS_VEDGE_DRV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <accel/dma_fence.h>
#include <accel/drm_device.h>
#include <accel/drm_file.h>
#include <accel/drm_gem.h>
#include <accel/drm_sched.h>
#include <accel/kref.h>
#include <uapi/drm/vedge_accel.h>

#include "vedge_cmd.h"
#include "vedge_hw.h"

struct attr_node;
struct platform_device;
struct seq_file;

/* In-syncobjs one SUBMIT may name (the uAPI's "at most 64"). */
#define VEDGE_MAX_IN_SYNCS	64
/* Without DMA each region (and the stream) is copied to SRAM at this alignment. */
#define VEDGE_SRAM_ALIGN	64

#ifndef ACCEL_TIMEOUT_SCALE
#define ACCEL_TIMEOUT_SCALE 1	/* see vnpu_drv.h: longer watchdogs under ThreadSanitizer */
#endif

/**
 * struct vedge_config - parameters from the device's configuration section; read-only
 * after probe.
 */
struct vedge_config {
	uint64_t has_dma;
	uint64_t sram_size;
	uint64_t job_timeout_ms;
	uint64_t autosuspend_delay_ms;
};

/**
 * struct vedge_pm - runtime power management (vedge_pm.c). @lock guards every field; @cond
 * wakes the autosuspend thread when the device goes idle, the delay changes or @stop is set.
 * @usage: jobs holding the device active.  @suspended: POWER and CLOCK are off.
 * @last_busy_ns: when @usage last dropped to 0.  @delay_ms: power/autosuspend_delay_ms
 * (negative: never suspend, as the kernel's).  @suspended_since_ns, @suspended_ns: time
 * spent suspended.  @resumes, @resume_ns: resumes and the time they took.
 */
struct vedge_pm {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	pthread_t thread;
	bool thread_started;
	bool stop;
	unsigned int usage;
	bool suspended;
	uint64_t last_busy_ns;
	int64_t delay_ms;
	uint64_t suspended_since_ns;
	uint64_t suspended_ns;
	uint64_t resumes;
	uint64_t resume_ns;
	uint64_t suspends;
};

struct vedge_job;

/**
 * struct vedge_perf - one job's performance counters (the PERF registers' deltas).
 */
struct vedge_perf {
	uint64_t cycles, macs, ops, bytes;
};

/**
 * struct vedge_device - one vedge instance.
 * @drm: the DRM device; vedge_release() frees the struct with it.
 * @pdev: the platform device (sysfs lives there).
 * @cfg: parameters.
 * @hw: the NPU (the device model); only vedge_mmio.c touches it.
 * @mmio_reads, @mmio_writes: register accesses (atomic, debugfs).
 * @sched, @sched_list: the NPU's one ring (credit 1: one job on the NPU at a time).
 * @irq_lock guards @irq_pending, @irq_stop; @irq_cond wakes the interrupt thread.
 * @job_lock guards @running (the job on the NPU; NULL when none): whoever takes it
 *	(the interrupt thread, the timeout handler, teardown) completes it.
 * @busy_lock guards @active (jobs submitted whose fence has not signalled, for BO_INFO's
 *	busy and BO_WAIT) and @jobs_alive (jobs not yet freed); @busy_cond is broadcast when
 *	either drops.
 * @pm: runtime PM state.
 * @fence_context, @hw_seqno: the hardware fences' timeline.
 * @reset_count, @jobs_done, @jobs_failed, @busy_ns, @pio_bytes: telemetry (atomic).
 * @perf_lock guards @last_perf and @total_perf.
 */
struct vedge_device {
	struct drm_device drm;
	struct platform_device *pdev;
	struct vedge_config cfg;
	struct vedge_hw *hw;
	atomic_uint_fast64_t mmio_reads;
	atomic_uint_fast64_t mmio_writes;

	struct drm_gpu_scheduler sched;
	struct drm_gpu_scheduler *sched_list[1];
	bool sched_ready;

	pthread_t irq_thread;
	bool irq_started;
	pthread_mutex_t irq_lock;
	pthread_cond_t irq_cond;
	bool irq_pending;
	bool irq_stop;

	pthread_mutex_t job_lock;
	struct vedge_job *running;

	pthread_mutex_t busy_lock;
	pthread_cond_t busy_cond;
	struct vedge_job *active;
	unsigned int jobs_alive;

	struct vedge_pm pm;

	uint64_t fence_context;
	atomic_uint_fast64_t hw_seqno;
	atomic_uint_fast64_t reset_count;
	atomic_uint_fast64_t jobs_done;
	atomic_uint_fast64_t jobs_failed;
	atomic_uint_fast64_t busy_ns;
	atomic_uint_fast64_t pio_bytes;

	pthread_mutex_t perf_lock;
	struct vedge_perf last_perf;
	struct vedge_perf total_perf;
	uint64_t last_job_ns;
	uint64_t last_pio_ns;
	uint64_t last_resume_ns;

	/* sysfs: the telemetry files at the device's top level, engines/npu0/, power/. */
	struct attr_node **stat_nodes;
	struct attr_node *engines_dir;
	struct attr_node *power_dir;
	void *stat_files;
};

static inline struct vedge_device *to_vedge_device(struct drm_device *drm)
{
	return container_of(drm, struct vedge_device, drm);
}

/**
 * struct vedge_file - an open file: its scheduler entity (jobs of one file run in order).
 * @ref: the file holds one, each job one (the entity's memory must outlive its jobs).
 * @lock: serialises arm and push, guards @seqno.
 */
struct vedge_file {
	struct kref ref;
	struct vedge_device *vdev;
	pthread_mutex_t lock;
	uint64_t seqno;
	struct drm_sched_entity entity;
};

/**
 * struct vedge_job_region - one region of a job.
 * @obj: the object (a reference).  @offset, @size, @flags: from SUBMIT.
 * @vaddr: the object's device mapping while the job is on the NPU (run_job to completion).
 * @sram_offset: without DMA, where the driver copied it in SRAM.
 */
struct vedge_job_region {
	struct drm_gem_object *obj;
	uint64_t offset;
	uint64_t size;
	uint32_t flags;
	void *vaddr;
	uint32_t sram_offset;
};

/**
 * struct vedge_job - one submitted stream.
 * @base: the scheduler's job.  @vfile: the file's entity owner (a reference).
 * @cmds, @nr_cmds: the copy of the stream taken at SUBMIT (the NPU runs it).
 * @regions, @nr_regions: constant after SUBMIT.
 * @seqno: the job's number on its file.
 * @hw_fence: made by run_job; signalled by whoever takes the job off vdev->running.
 * @active_next, @done_cb: the device's active list (busy_lock), left on the finished fence.
 * @start_ns, @end_ns, @pio_ns, @resume_ns: times (written by run_job and completion).
 */
struct vedge_job {
	struct drm_sched_job base;
	struct vedge_file *vfile;
	struct vedge_cmd *cmds;
	uint32_t nr_cmds;
	struct vedge_job_region regions[VEDGE_MAX_REGIONS];
	uint32_t nr_regions;
	uint32_t cmd_sram_offset;
	uint32_t scratch_base;
	uint64_t seqno;
	struct dma_fence *hw_fence;
	struct vedge_job *active_next;
	struct dma_fence_cb done_cb;
	bool on_active;
	bool mapped;
	uint64_t start_ns, end_ns, pio_ns, resume_ns;
};

/* time */
uint64_t vedge_now_ns(void);

/* registers (vedge_mmio.c) */
uint32_t vedge_reg_read(struct vedge_device *vdev, uint32_t offset);
void vedge_reg_write(struct vedge_device *vdev, uint32_t offset, uint32_t value);
void vedge_reg_write64(struct vedge_device *vdev, uint32_t lo, uint64_t value);
uint64_t vedge_reg_read64(struct vedge_device *vdev, uint32_t lo);
void vedge_sram_write(struct vedge_device *vdev, uint32_t offset, const void *src, size_t len);
void vedge_sram_read(struct vedge_device *vdev, uint32_t offset, void *dst, size_t len);

/* stream checking (vedge_validate.c) */
/**
 * struct vedge_region_info - what the checker knows of a region: @size, @writable.
 */
struct vedge_region_info {
	uint64_t size;
	bool writable;
};
int vedge_validate_stream(const struct vedge_cmd *cmds, uint32_t nr_cmds,
			  const struct vedge_region_info *regions, uint32_t nr_regions,
			  uint64_t sram_size, bool has_dma);

/* buffers (vedge_gem.c) */
int vedge_bo_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int vedge_bo_mmap_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int vedge_bo_info_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int vedge_bo_wait_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
void vedge_show_fdinfo(struct seq_file *m, struct drm_file *file);

/* jobs (vedge_job.c) */
int vedge_file_open(struct drm_device *dev, struct drm_file *file);
void vedge_file_postclose(struct drm_device *dev, struct drm_file *file);
int vedge_submit_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
extern const struct drm_ioctl_layout vedge_submit_layout;
int vedge_sched_init(struct vedge_device *vdev);
void vedge_sched_fini(struct vedge_device *vdev);
void vedge_job_complete(struct vedge_device *vdev, struct vedge_job *job, int error);
unsigned int vedge_jobs_alive(struct vedge_device *vdev);

/* interrupts (vedge_irq.c) */
int vedge_irq_init(struct vedge_device *vdev);
void vedge_irq_fini(struct vedge_device *vdev);
void vedge_irq_line(void *ctx);

/* runtime PM (vedge_pm.c) */
int vedge_pm_init(struct vedge_device *vdev);
void vedge_pm_fini(struct vedge_device *vdev);
uint64_t vedge_pm_get(struct vedge_device *vdev);
void vedge_pm_put(struct vedge_device *vdev);
int vedge_pm_sysfs_init(struct vedge_device *vdev);

/* telemetry and fault injection (vedge_debugfs.c) */
/* The most streams debugfs inject_hang / inject_fault arm at once (as vnpu's). */
#define VEDGE_INJECT_MAX	1000
void vedge_debugfs_init(struct vedge_device *vdev);
int vedge_sysfs_init(struct vedge_device *vdev);
void vedge_sysfs_fini(struct vedge_device *vdev);

#endif
