// SPDX-License-Identifier: MIT
/*
 * vnpu: what closing a file leaves to its jobs. As in the kernel, close does not wait for a
 * job an engine already runs: the job keeps its command buffer and the client's address
 * space (with the objects bound in it) until it completes or is reset and the scheduler
 * frees it. vnpu_wait_jobs_freed() is the event that says that moment has come - what the
 * fuzzers' per-input leak check waits for instead of a wall-clock time, which a loaded
 * machine overran (docs/RELIABILITY.md, R1). The job here hangs (injected) with a timeout
 * of ten minutes, so it stays on its engine until the test resets the engine: nothing
 * depends on how fast the machine is.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <accel/device.h>
#include <accel/drm_file.h>
#include <accel/drm_gem.h>
#include <accel/fs.h>
#include <uapi/drm/vnpu_accel.h>
#include "drivers/vnpu/vnpu_drv.h"
#include "drivers/vnpu/vnpu_engine.h"
#include "helpers.h"
#include "../common/vnpu_stream.h"

#define VA0	VNPU_VA_START
#define PG	VNPU_VA_PAGE_SIZE
/* How long the hung job may take to reach its engine before the test gives up (not timed). */
#define START_WAIT_NS	(30ll * 1000000000)

static const char config[] =
	"[vnpu.0]\ndriver = vnpu\ncompute_engines = 1\ndma_engines = 1\njob_timeout_ms = 600000\n";

static int group_setup(void **state)
{
	(void)state;
	return test_embedded_start("vnpu-close-jobs", config);
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

static struct file *open_client(void)
{
	int node_minor = test_accel_minor("vnpu.0");
	char path[64];
	struct file *f;
	dev_t devt;

	assert_true(node_minor >= 0);
	snprintf(path, sizeof(path), "accel/accel%d", node_minor);
	assert_int_equal(devnode_lookup(path, &devt), 0);
	f = chrdev_open(major(devt), minor(devt), O_RDWR);
	assert_false(IS_ERR(f));
	return f;
}

static struct drm_device *ddev(struct file *f)
{
	return drm_file_from_filp(f)->minor->dev;
}

static long call(struct file *f, unsigned long cmd, void *arg)
{
	return vfs_ioctl(f, (unsigned int)cmd, (unsigned long)arg);
}

static uint32_t bo_create(struct file *f, uint64_t size)
{
	struct drm_vnpu_bo_create c = { .size = size };

	assert_int_equal(call(f, DRM_IOCTL_VNPU_BO_CREATE, &c), 0);
	return c.handle;
}

/* Copy @len bytes into object @handle through a CPU mapping of the device file. */
static void bo_write(struct file *f, uint32_t handle, const void *src, size_t len)
{
	struct drm_vnpu_bo_info info = { .handle = handle };
	struct vm_area_struct vma;
	void *p;

	assert_int_equal(call(f, DRM_IOCTL_VNPU_BO_INFO, &info), 0);
	vma = (struct vm_area_struct){ .vm_pgoff = info.mmap_offset >> 12, .vm_len = info.size,
				       .vm_prot = PROT_READ | PROT_WRITE, .vm_flags = MAP_SHARED,
				       .map_fd = -1 };
	assert_int_equal(f->f_op->mmap(f, &vma), 0);
	p = mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, vma.map_fd, vma.map_offset);
	assert_true(p != MAP_FAILED);
	memcpy(p, src, len);
	munmap(p, info.size);
	if (vma.vm_close)
		vma.vm_close(&vma);
}

static uint32_t context_create(struct file *f)
{
	struct drm_vnpu_context_create c = { .engine = VNPU_ENGINE_DMA };

	assert_int_equal(call(f, DRM_IOCTL_VNPU_CONTEXT_CREATE, &c), 0);
	return c.ctx_id;
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Whether the DMA engine runs a job that hangs (injected): it stays there until reset. */
static bool engine_holds_hung_job(struct vnpu_engine *e)
{
	bool hung;

	pthread_mutex_lock(&e->lock);
	hung = e->running && e->running->hang;
	pthread_mutex_unlock(&e->lock);
	return hung;
}

/*
 * A client with a data object bound in its address space submits a job (filling the data
 * object) that hangs on the DMA engine, then closes its file. Returns the device; *@engine
 * is the engine the job hangs on.
 */
static struct drm_device *close_with_a_hung_job(struct vnpu_engine **engine)
{
	struct file *f = open_client();
	struct drm_device *dev = ddev(f);
	struct vnpu_device *vdev = to_vnpu_device(dev);
	struct vnpu_engine *e = vdev->engines[VNPU_ENGINE_DMA][0];
	uint32_t cmd = bo_create(f, PG), data = bo_create(f, PG);
	struct drm_vnpu_vm_bind bind = { .op = VNPU_VM_BIND_MAP, .handle = data, .va = VA0,
					 .size = PG };
	struct drm_vnpu_submit submit = { .cmd_handle = cmd };
	struct vnpu_stream s = { .len = 0 };
	int64_t end;

	assert_int_equal(call(f, DRM_IOCTL_VNPU_VM_BIND, &bind), 0);
	assert_int_equal(vnpu_stream_dma_fill(&s, VA0, PG, 0x5a, 1), 0);
	bo_write(f, cmd, s.buf, s.len);
	submit.ctx_id = context_create(f);
	submit.cmd_size = s.len;
	atomic_store(&vdev->inject_hang, 1);
	assert_int_equal(call(f, DRM_IOCTL_VNPU_SUBMIT, &submit), 0);
	/* On its engine before the close: a job still queued at close may be cancelled instead. */
	end = mono_ns() + START_WAIT_NS;
	while (!engine_holds_hung_job(e)) {
		if (mono_ns() > end)
			fail_msg("the injected hang never reached the DMA engine");
		usleep(200);
	}
	fput(f);
	*engine = e;
	return dev;
}

static void close_leaves_a_running_job_its_objects(void **state)
{
	unsigned int base = 0;
	struct vnpu_engine *e;
	struct drm_device *dev;

	(void)state;
	{
		struct file *f = open_client();

		base = drm_gem_objects_live(ddev(f));
		fput(f);
	}
	dev = close_with_a_hung_job(&e);
	assert_int_equal(vnpu_jobs_alive(dev), 1);
	/* The command buffer (the job's) and the data object (bound in the job's address space). */
	assert_int_equal(drm_gem_objects_live(dev), base + 2);
	vnpu_engine_reset(e, -EIO);
	vnpu_wait_jobs_freed(dev);
}

static void wait_jobs_freed_returns_once_nothing_of_the_client_is_left(void **state)
{
	unsigned int base = 0;
	struct vnpu_engine *e;
	struct drm_device *dev;

	(void)state;
	{
		struct file *f = open_client();

		base = drm_gem_objects_live(ddev(f));
		fput(f);
	}
	dev = close_with_a_hung_job(&e);
	vnpu_engine_reset(e, -EIO);
	vnpu_wait_jobs_freed(dev);
	assert_int_equal(vnpu_jobs_alive(dev), 0);
	assert_int_equal(drm_gem_objects_live(dev), base);
}

static void refused_submit_leaves_no_job(void **state)
{
	struct file *f = open_client();
	struct drm_device *dev = ddev(f);
	struct drm_vnpu_submit submit = { .cmd_handle = 999, .cmd_size = 8 };

	(void)state;
	submit.ctx_id = context_create(f);
	assert_int_equal(call(f, DRM_IOCTL_VNPU_SUBMIT, &submit), -ENOENT);
	assert_int_equal(vnpu_jobs_alive(dev), 0);
	/* Nothing to wait for: returns at once. */
	vnpu_wait_jobs_freed(dev);
	fput(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(close_leaves_a_running_job_its_objects),
		cmocka_unit_test(wait_jobs_freed_returns_once_nothing_of_the_client_is_left),
		cmocka_unit_test(refused_submit_leaves_no_job),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
