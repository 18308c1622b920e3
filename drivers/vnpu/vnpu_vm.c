// SPDX-License-Identifier: MIT
/*
 * vnpu: per-client address spaces (VM_BIND) and the MMU the engines translate through.
 *
 * Every open file owns a drm_gpuvm over [VNPU_VA_START, VNPU_VA_START + VNPU_VA_SIZE) in
 * 4 KiB pages, made at open and destroyed when the last user of the file's state goes
 * (postclose, or the last job still running after it). VM_BIND maps and unmaps with the
 * kernel's split semantics, which drm_gpuvm implements; each mapping holds its object.
 *
 * The MMU: a job brackets its execution with vnpu_vm_job_begin() / vnpu_vm_job_end() and
 * hands the executor vnpu_vm_mem_ops with the job as context. Each access is translated
 * through the VM (drm_gpuvm_translate(), so it must lie within one mapping and respect its
 * permission); the object it reaches is looked up once per job (the device maps each
 * object once, vnpu_bo_device_vaddr()) and cached in the job with the reference the
 * translation took, so the host pointer stays valid until the job ends even if the range
 * is unbound meanwhile. vnpu_vm_job_end() drops every reference.
 * A refused access is recorded as the client's last fault and answered with NULL.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include <accel/attr.h>
#include <accel/drm_file.h>
#include <accel/drm_gem.h>
#include <uapi/drm/vnpu_accel.h>
#include "vnpu_drv.h"
#include "vnpu_units.h"

/**
 * vnpu_file_get() - take a reference to a client's state (it outlives the file until put)
 * @vf: the state
 */
void vnpu_file_get(struct vnpu_file *vf)
{
	atomic_fetch_add(&vf->refcount, 1);
}

/**
 * vnpu_file_put() - drop a reference; the last one destroys the address space
 * @vf: the state
 */
void vnpu_file_put(struct vnpu_file *vf)
{
	if (atomic_fetch_sub(&vf->refcount, 1) != 1)
		return;
	drm_gpuvm_destroy(&vf->vm);
	pthread_mutex_destroy(&vf->fault_lock);
	idr_destroy(&vf->contexts);
	idr_destroy(&vf->queues);
	pthread_mutex_destroy(&vf->ctx_lock);
	free(vf);
}

/**
 * vnpu_vm_open() - the driver's open: give the new client an empty address space
 * @dev: the device
 * @file: the new client
 *
 * Return: 0, -ENOMEM, or the error of drm_gpuvm_init().
 */
int vnpu_vm_open(struct drm_device *dev, struct drm_file *file)
{
	struct vnpu_file *vf;
	int ret;

	(void)dev;
	vf = calloc(1, sizeof(*vf));
	if (!vf)
		return -ENOMEM;
	ret = drm_gpuvm_init(&vf->vm, "vnpu-vm", VNPU_VA_START, VNPU_VA_SIZE, 0, 0);
	if (ret)
		goto err_free;
	atomic_init(&vf->refcount, 1);
	pthread_mutex_init(&vf->fault_lock, NULL);
	pthread_mutex_init(&vf->ctx_lock, NULL);
	idr_init(&vf->contexts);
	idr_init(&vf->queues);
	file->driver_priv = vf;
	return 0;

err_free:
	free(vf);
	return ret;
}

/**
 * vnpu_vm_postclose() - the driver's postclose: drop the file's hold on its address space
 * @dev: the device
 * @file: the client going away (its handles are already closed)
 *
 * Everything still mapped is unmapped, and the objects released, once no job uses the
 * address space any more.
 */
void vnpu_vm_postclose(struct drm_device *dev, struct drm_file *file)
{
	struct vnpu_file *vf = vnpu_file_of(file);

	(void)dev;
	/* Queues and contexts first: their work still reaches the address space until they go. */
	vnpu_queues_close(file);
	vnpu_contexts_close(file);
	file->driver_priv = NULL;
	vnpu_file_put(vf);
}

static int vnpu_vm_bind_map(struct vnpu_file *vf, struct drm_file *file,
			    const struct drm_vnpu_vm_bind *args)
{
	struct drm_gem_object *obj;
	uint32_t flags = 0;
	int ret;

	obj = drm_gem_object_lookup(file, args->handle);
	if (!obj)
		return -ENOENT;
	if (args->flags & VNPU_VM_BIND_READONLY)
		flags |= DRM_GPUVA_READONLY;
	/* The mapping takes its own reference; ours goes either way. */
	ret = drm_gpuvm_sm_map_flags(&vf->vm, args->va, args->size, obj, args->bo_offset, flags);
	drm_gem_object_put(obj);
	return ret;
}

/**
 * vnpu_vm_bind_ioctl() - DRM_IOCTL_VNPU_VM_BIND
 * @dev: the device
 * @data: struct drm_vnpu_vm_bind
 * @file: the client whose address space changes
 *
 * Return: 0; -EINVAL for an unknown op or flag, a non-zero pad, a handle, flags or offset
 * given to UNMAP, or a range drm_gpuvm refuses (unaligned, empty, outside the address
 * space, beyond the object); -ENOENT for an unknown handle; -ENOMEM.
 */
int vnpu_vm_bind_ioctl(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct vnpu_file *vf = vnpu_file_of(file);
	struct drm_vnpu_vm_bind *args = data;

	(void)dev;
	if (args->pad || (args->flags & ~VNPU_VM_BIND_FLAGS_ALL))
		return -EINVAL;
	switch (args->op) {
	case VNPU_VM_BIND_MAP:
		return vnpu_vm_bind_map(vf, file, args);
	case VNPU_VM_BIND_UNMAP:
		if (args->handle || args->flags || args->bo_offset)
			return -EINVAL;
		return drm_gpuvm_sm_unmap(&vf->vm, args->va, args->size);
	default:
		return -EINVAL;
	}
}

static void vnpu_vm_record_fault(struct vnpu_file *vf, uint64_t va, uint64_t len, bool write,
				 int error)
{
	pthread_mutex_lock(&vf->fault_lock);
	vf->fault = (struct vnpu_fault){
		.valid = true,
		.write = write,
		.error = error,
		.va = va,
		.len = len,
		.time_ns = vnpu_now_ns(),
	};
	pthread_mutex_unlock(&vf->fault_lock);
}

/**
 * vnpu_vm_last_fault() - the last access the MMU refused for a client
 * @file: the client
 * @fault: filled in (@fault->valid is false when none happened yet)
 */
void vnpu_vm_last_fault(struct drm_file *file, struct vnpu_fault *fault)
{
	struct vnpu_file *vf = vnpu_file_of(file);

	pthread_mutex_lock(&vf->fault_lock);
	*fault = vf->fault;
	pthread_mutex_unlock(&vf->fault_lock);
}

/**
 * vnpu_vm_job_begin() - start a job in @file's address space
 * @file: the client the job runs for
 * @job: the job's MMU state; pass it as the mem_ctx of vnpu_vm_mem_ops
 *
 * The job holds the client's address space (not the file) until vnpu_vm_job_end().
 */
void vnpu_vm_job_begin(struct drm_file *file, struct vnpu_vm_job *job)
{
	struct vnpu_file *vf = vnpu_file_of(file);

	vnpu_file_get(vf);
	vnpu_vm_job_begin_borrowed(vf, job);
	job->holds_vf = true;
}

/**
 * vnpu_vm_job_begin_borrowed() - vnpu_vm_job_begin() for a caller that has the client's state
 * rather than its file, and whose own reference to it outlives the job (a user queue's
 * engine, per entry): no reference is taken
 * @vf: the client's state
 * @job: the job's MMU state
 */
void vnpu_vm_job_begin_borrowed(struct vnpu_file *vf, struct vnpu_vm_job *job)
{
	job->holds_vf = false;
	job->vf = vf;
	pthread_mutex_init(&job->lock, NULL);
	job->objs = NULL;
	job->nr = 0;
	job->cap = 0;
	atomic_init(&job->fault_next, false);
}

/**
 * vnpu_vm_job_end() - release every object mapping and reference the job took, and its
 * hold on the address space
 * @job: a job started with vnpu_vm_job_begin(); no engine may use its pointers any more
 */
void vnpu_vm_job_end(struct vnpu_vm_job *job)
{
	unsigned int i;

	for (i = 0; i < job->nr; i++)
		drm_gem_object_put(job->objs[i].obj);
	free(job->objs);
	job->objs = NULL;
	job->nr = 0;
	job->cap = 0;
	pthread_mutex_destroy(&job->lock);
	if (job->holds_vf)
		vnpu_file_put(job->vf);
	job->vf = NULL;
}

/*
 * The host address of @obj for @job: from the job's cache (dropping the caller's reference,
 * the cache holds one), or mapped now and cached with the caller's reference. NULL with
 * *@err set when out of memory or the object cannot be mapped; the reference is dropped.
 */
static void *vnpu_vm_job_vaddr(struct vnpu_vm_job *job, struct drm_gem_object *obj, int *err)
{
	struct vnpu_vm_job_obj *objs;
	void *vaddr = NULL;
	unsigned int i;

	pthread_mutex_lock(&job->lock);
	for (i = 0; i < job->nr; i++) {
		if (job->objs[i].obj == obj) {
			vaddr = job->objs[i].vaddr;
			goto out_put;
		}
	}
	if (job->nr == job->cap) {
		unsigned int cap = job->cap ? job->cap * 2 : 8;

		objs = reallocarray(job->objs, cap, sizeof(*objs));
		if (!objs) {
			*err = -ENOMEM;
			goto out_put;
		}
		job->objs = objs;
		job->cap = cap;
	}
	*err = vnpu_bo_device_vaddr(obj, &vaddr);
	if (*err) {
		vaddr = NULL;
		goto out_put;
	}
	job->objs[job->nr].obj = obj;
	job->objs[job->nr].vaddr = vaddr;
	job->nr++;
	pthread_mutex_unlock(&job->lock);
	return vaddr;

out_put:
	pthread_mutex_unlock(&job->lock);
	drm_gem_object_put(obj);
	return vaddr;
}

static void *vnpu_vm_map(void *ctx, uint64_t va, uint64_t len, int write)
{
	struct vnpu_vm_job *job = ctx;
	struct drm_gem_object *obj;
	uint64_t offset;
	uint8_t *vaddr;
	int ret;

	/* An injected fault (debugfs inject_fault) refuses the access as the MMU would. */
	if (atomic_exchange(&job->fault_next, false)) {
		ret = -EFAULT;
		goto fault;
	}
	ret = drm_gpuvm_translate(&job->vf->vm, va, len, write, &obj, &offset);
	if (ret)
		goto fault;
	vaddr = vnpu_vm_job_vaddr(job, obj, &ret);
	if (!vaddr)
		goto fault;
	return vaddr + offset;

fault:
	vnpu_vm_record_fault(job->vf, va, len, write, ret);
	return NULL;
}

/*
 * The engines' view of a job's memory: the context is the job's struct vnpu_vm_job.
 * Pointers stay valid until vnpu_vm_job_end().
 */
const struct vnpu_mem_ops vnpu_vm_mem_ops = {
	.map = vnpu_vm_map,
};

/* Called under the device's filelist lock: the file is open and its state set. */
static void vnpu_vm_show_one(struct drm_file *file, void *data)
{
	struct vnpu_file *vf = vnpu_file_of(file);
	struct seq_file *m = data;
	struct vnpu_fault fault;
	unsigned long num_va;

	drm_gpuvm_read_lock(&vf->vm);
	num_va = vf->vm.num_va;
	drm_gpuvm_read_unlock(&vf->vm);
	seq_printf(m, "client %llu: %lu mappings\n", (unsigned long long)file->client_id, num_va);
	drm_gpuvm_print(&vf->vm, m);
	vnpu_vm_last_fault(file, &fault);
	if (fault.valid)
		seq_printf(m, "last fault: va=0x%llx len=%llu %s error=%d time_ns=%llu\n",
			   (unsigned long long)fault.va, (unsigned long long)fault.len,
			   fault.write ? "write" : "read", fault.error,
			   (unsigned long long)fault.time_ns);
}

static int vnpu_vm_debugfs_show(struct seq_file *m)
{
	struct vnpu_device *vdev = m->private;

	drm_file_for_each(&vdev->drm, vnpu_vm_show_one, m);
	return 0;
}

/**
 * vnpu_vm_debugfs_init() - add "vm" to the device's debugfs directory: every open
 * client's mappings and last fault
 * @vdev: the device, initialised (its debugfs directory exists from drm_dev_init())
 */
void vnpu_vm_debugfs_init(struct vnpu_device *vdev)
{
	if (vdev->drm.debugfs_root)
		attr_file_create(vdev->drm.debugfs_root, "vm", 0444, vnpu_vm_debugfs_show, NULL,
				 vdev);
}
