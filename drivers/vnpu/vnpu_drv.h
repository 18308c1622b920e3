/* SPDX-License-Identifier: MIT */
/*
 * vnpu: the device, its configuration and its buffer objects (vnpu_drv.c, vnpu_gem.c).
 * Internal to the driver; user space sees include/uapi/drm/vnpu_accel.h.
 */
#ifndef DRIVERS_VNPU_DRV_H
#define DRIVERS_VNPU_DRV_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <accel/drm_device.h>
#include <accel/drm_gem_shmem_helper.h>
#include <accel/drm_gpuvm.h>
#include <accel/drm_mm.h>

#include "vnpu_cmd.h"

struct drm_file;
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

/**
 * struct vnpu_device - one vnpu instance.
 * @drm: the DRM device; the struct is freed by the driver's release with it.
 * @pdev: the parent platform device (sysfs attributes live there).
 * @cfg: parameters, read-only after probe.
 * @vram_lock: guards @vram_mm (drm_mm does no locking of its own).
 * @vram_mm: the VRAM address space [0, vram_size); one node per VRAM buffer object.
 */
struct vnpu_device {
	struct drm_device drm;
	struct platform_device *pdev;
	struct vnpu_config cfg;
	pthread_mutex_t vram_lock;
	struct drm_mm vram_mm;
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
 */
struct vnpu_bo {
	struct drm_gem_shmem_object base;
	uint32_t flags;
	struct drm_mm_node vram_node;
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
 * struct vnpu_file - the driver's state of one open file (drm_file.driver_priv).
 * @vm: the client's address space; its own lock guards its mappings.
 * @refcount: the file holds one reference, each running job (struct vnpu_vm_job) one; the
 *	last put destroys @vm (dropping the mappings' object references) and frees the struct.
 * @fault_lock: guards @fault.
 * @fault: the last translation the MMU refused.
 */
struct vnpu_file {
	struct drm_gpuvm vm;
	atomic_uint refcount;
	pthread_mutex_t fault_lock;
	struct vnpu_fault fault;
};

/**
 * struct vnpu_vm_job - what one job reached through its client's address space.
 * @vf: the client (a reference, so that the job may outlive the file).
 * @lock: guards @objs, @nr and @cap (engines of one job may translate concurrently).
 * @objs: the objects the job touched, each with one reference and one vmap held until
 *	vnpu_vm_job_end(); @nr of @cap entries are used.
 */
struct vnpu_vm_job {
	struct vnpu_file *vf;
	pthread_mutex_t lock;
	struct vnpu_vm_job_obj {
		struct drm_gem_object *obj;
		void *vaddr;
	} *objs;
	unsigned int nr;
	unsigned int cap;
};

/* device (vnpu_drv.c) */
uint64_t vnpu_vram_used(struct vnpu_device *vdev);

/* buffers (vnpu_gem.c) */
struct drm_gem_object *vnpu_gem_create_object(struct drm_device *dev, size_t size);
struct vnpu_bo *to_vnpu_bo(struct drm_gem_object *obj);
int vnpu_bo_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int vnpu_bo_info_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
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

#endif
