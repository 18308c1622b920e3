/* SPDX-License-Identifier: MIT */
/*
 * vtrain: the training data-centre card's driver (docs/vtrain.md). The device (vtrain_drv.c),
 * its buffer objects in HBM (vtrain_gem.c) and its jobs (vtrain_job.c); packets run through
 * the command processor of vtrain_exec.c on the card's engine thread.
 */
#ifndef DRIVERS_VTRAIN_DRV_H
#define DRIVERS_VTRAIN_DRV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <accel/dma_fence.h>
#include <accel/drm_device.h>
#include <accel/drm_file.h>
#include <accel/drm_gem.h>
#include <accel/drm_gem_shmem_helper.h>
#include <accel/drm_mm.h>
#include <accel/drm_sched.h>
#include <accel/kref.h>
#include <uapi/drm/vtrain_accel.h>

#include <accel/idr.h>

#include "vtrain_link.h"

struct vtrain_group;

struct attr_node;
struct platform_device;
struct seq_file;

/* Device addresses of HBM start here: 0 is never a valid operand. */
#define VTRAIN_HBM_BASE		(1ull << 32)
/* BO_CREATE rounds sizes up to this (the uAPI's 64 KiB). */
#define VTRAIN_BO_ALIGN		(64ull << 10)
#define VTRAIN_COMPUTE_ENGINES	1
#define VTRAIN_DMA_ENGINES	1

#ifndef ACCEL_TIMEOUT_SCALE
#define ACCEL_TIMEOUT_SCALE 1	/* see vnpu_drv.h: longer watchdogs under ThreadSanitizer */
#endif

/**
 * struct vtrain_config - the device's configuration section, fixed at probe.
 * @hbm_size: bytes of HBM.  @job_timeout_ms: the scheduler's timeout.
 * @card: this card's index among the cards of its group.  @cards: cards in the group.
 * @topology: `links = mesh|ring`.  @group: the name cards of one scale-up domain share.
 */
struct vtrain_config {
	uint64_t hbm_size;
	uint64_t job_timeout_ms;
	uint64_t card;
	uint64_t cards;
	enum vtrain_topology topology;
	char group[64];
};

/**
 * struct vtrain_bo - a buffer object: host pages (memfd, touched lazily) behind a range of
 * the card's HBM aperture.
 * @base: the shmem object.
 * @node: the HBM range; allocated by BO_CREATE, given back by the free (under hbm_lock).
 */
struct vtrain_bo {
	struct drm_gem_shmem_object base;
	struct drm_mm_node node;
};

struct vtrain_job;

/**
 * struct vtrain_device - one card.
 * @hbm_lock guards @hbm_mm and the nodes in it.
 * @engine_lock guards @engine_job and @engine_stop; @engine_cond signals a change of either.
 * @group: the card's scale-up domain, set at probe. Counters are atomic.
 */
struct vtrain_device {
	struct drm_device drm;
	struct platform_device *pdev;
	struct vtrain_config cfg;

	struct vtrain_group *group;
	struct attr_node *links_dir;

	pthread_mutex_t hbm_lock;
	struct drm_mm hbm_mm;

	struct drm_gpu_scheduler sched;
	struct drm_gpu_scheduler *sched_list[1];
	bool sched_ready;
	uint64_t fence_context;
	atomic_uint_fast64_t hw_seqno;

	pthread_t engine_thread;
	bool engine_started;
	pthread_mutex_t engine_lock;
	pthread_cond_t engine_cond;
	struct vtrain_job *engine_job;
	bool engine_stop;

	atomic_uint_fast64_t jobs_done;
	atomic_uint_fast64_t jobs_failed;
	atomic_uint_fast64_t busy_ns;
};

static inline struct vtrain_device *to_vtrain_device(struct drm_device *drm)
{
	return container_of(drm, struct vtrain_device, drm);
}

static inline struct vtrain_bo *to_vtrain_bo(struct drm_gem_object *obj)
{
	return container_of(to_drm_gem_shmem_obj(obj), struct vtrain_bo, base);
}

/**
 * struct vtrain_file - a client.
 * @lock serialises SUBMIT's arm-and-push and guards @seqno.
 * @comm_lock guards @comms (id -> struct vtrain_comm).
 */
struct vtrain_file {
	struct kref ref;
	struct vtrain_device *vdev;
	pthread_mutex_t lock;
	uint64_t seqno;
	pthread_mutex_t comm_lock;
	struct idr comms;
	struct drm_sched_entity entity;
};

/**
 * struct vtrain_job_bo - an object the job may address: every object its file held a
 * handle to at SUBMIT. @vaddr is set by the engine (vmap) while the job runs.
 */
struct vtrain_job_bo {
	struct drm_gem_object *obj;
	uint64_t addr;
	uint64_t size;
	void *vaddr;
};

/**
 * struct vtrain_job - one SUBMIT. Immutable once pushed, except @hw_fence (set by run_job
 * and @deadline_ns, set by run_job
 * before the engine sees the job) and the @bos' @vaddr (the engine's, while it runs).
 */
struct vtrain_job {
	struct drm_sched_job base;
	struct vtrain_file *vfile;
	void *cmds;
	size_t cmd_size;
	struct vtrain_job_bo *bos;
	unsigned int nr_bos;
	struct dma_fence *hw_fence;
	uint64_t seqno;
	uint64_t deadline_ns;
};

int vtrain_bo_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int vtrain_bo_info_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
struct drm_gem_object *vtrain_gem_create_object(struct drm_device *dev, size_t size);
uint64_t vtrain_hbm_used(struct vtrain_device *vdev);
void vtrain_show_fdinfo(struct seq_file *m, struct drm_file *file);

int vtrain_submit_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
extern const struct drm_ioctl_layout vtrain_submit_layout;
int vtrain_file_open(struct drm_device *dev, struct drm_file *file);
void vtrain_file_postclose(struct drm_device *dev, struct drm_file *file);
int vtrain_sched_init(struct vtrain_device *vdev);
void vtrain_sched_fini(struct vtrain_device *vdev);
int vtrain_sysfs_init(struct vtrain_device *vdev);
void vtrain_sysfs_fini(struct vtrain_device *vdev);

#endif
