// SPDX-License-Identifier: MIT
/*
 * vnpu address spaces: VM_BIND (map, unmap, splits, argument errors), the MMU callback the
 * engines translate through (reads and writes land in the object, faults, read-only
 * mappings, isolation between clients), object references, command streams executed
 * through the MMU, and the debugfs "vm" file.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/sysmacros.h>

#include <accel/attr.h>
#include <accel/device.h>
#include <accel/drm_file.h>
#include <accel/drm_gem.h>
#include <accel/fs.h>
#include <libaccel.h>
#include <uapi/drm/vnpu_accel.h>
#include "drivers/vnpu/vnpu_cmd.h"
#include "drivers/vnpu/vnpu_drv.h"
#include "helpers.h"
#include "../common/vnpu_stream.h"

#define VA0	VNPU_VA_START
#define PG	VNPU_VA_PAGE_SIZE

static const char config[] = "[vnpu.0]\ndriver = vnpu\n";

static int group_setup(void **state)
{
	(void)state;
	return test_embedded_start("vnpu-vm", config);
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

/* A new client of vnpu.0, opened in-process so that the test reaches its drm_file. */
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

static struct drm_file *dfile(struct file *f)
{
	return drm_file_from_filp(f);
}

static struct drm_device *ddev(struct file *f)
{
	return dfile(f)->minor->dev;
}

static long call(struct file *f, unsigned long cmd, void *arg)
{
	return vfs_ioctl(f, (unsigned int)cmd, (unsigned long)arg);
}

static uint32_t bo_create(struct file *f, uint64_t size, uint32_t flags)
{
	struct drm_vnpu_bo_create c = { .size = size, .flags = flags };

	assert_int_equal(call(f, DRM_IOCTL_VNPU_BO_CREATE, &c), 0);
	return c.handle;
}

static void bo_close(struct file *f, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	assert_int_equal(call(f, DRM_IOCTL_GEM_CLOSE, &c), 0);
}

static int bind(struct file *f, uint32_t op, uint32_t flags, uint32_t handle, uint64_t va,
		uint64_t size, uint64_t offset)
{
	struct drm_vnpu_vm_bind b = { .op = op, .flags = flags, .handle = handle, .va = va,
				      .size = size, .bo_offset = offset };

	return (int)call(f, DRM_IOCTL_VNPU_VM_BIND, &b);
}

static int map(struct file *f, uint32_t handle, uint64_t va, uint64_t size, uint64_t offset)
{
	return bind(f, VNPU_VM_BIND_MAP, 0, handle, va, size, offset);
}

static int unmap(struct file *f, uint64_t va, uint64_t size)
{
	return bind(f, VNPU_VM_BIND_UNMAP, 0, 0, va, size, 0);
}

/* A CPU mapping of a whole object, made as mmap() of the device file makes it. */
struct cpu_map {
	struct vm_area_struct vma;
	uint8_t *p;
	size_t len;
};

static void cpu_map(struct file *f, uint32_t handle, struct cpu_map *cm)
{
	struct drm_vnpu_bo_info info = { .handle = handle };

	assert_int_equal(call(f, DRM_IOCTL_VNPU_BO_INFO, &info), 0);
	cm->len = info.size;
	cm->vma = (struct vm_area_struct){ .vm_pgoff = info.mmap_offset >> 12,
					   .vm_len = info.size,
					   .vm_prot = PROT_READ | PROT_WRITE,
					   .vm_flags = MAP_SHARED, .map_fd = -1 };
	assert_int_equal(f->f_op->mmap(f, &cm->vma), 0);
	cm->p = mmap(NULL, cm->len, PROT_READ | PROT_WRITE, MAP_SHARED, cm->vma.map_fd,
		     cm->vma.map_offset);
	assert_true(cm->p != MAP_FAILED);
}

static void cpu_unmap(struct cpu_map *cm)
{
	munmap(cm->p, cm->len);
	if (cm->vma.vm_close)
		cm->vma.vm_close(&cm->vma);
}

static uint8_t *mmu(struct vnpu_vm_job *job, uint64_t va, uint64_t len, int write)
{
	return vnpu_vm_mem_ops.map(job, va, len, write);
}

static void mmu_reads_and_writes_land_in_the_object(void **state)
{
	struct file *f = open_client();
	uint32_t h = bo_create(f, 2 * PG, 0);
	struct vnpu_vm_job job;
	struct cpu_map cm;
	uint8_t *p;

	(void)state;
	cpu_map(f, h, &cm);
	memset(cm.p + PG, 0x5a, 64);
	assert_int_equal(map(f, h, VA0, 2 * PG, 0), 0);
	vnpu_vm_job_begin(dfile(f), &job);
	/* the MMU maps the object on its own: compare bytes, not addresses */
	p = mmu(&job, VA0 + PG + 8, 16, 0);
	assert_non_null(p);
	assert_int_equal(p[0], 0x5a);
	assert_int_equal(p[15], 0x5a);
	p = mmu(&job, VA0 + 100, 4, 1);
	assert_non_null(p);
	memcpy(p, "vnpu", 4);
	assert_memory_equal(cm.p + 100, "vnpu", 4);
	vnpu_vm_job_end(&job);
	cpu_unmap(&cm);
	fput(f);
}

static void mapping_at_an_offset_reaches_those_pages(void **state)
{
	struct file *f = open_client();
	uint32_t h = bo_create(f, 4 * PG, 0);
	struct vnpu_vm_job job;
	struct cpu_map cm;

	(void)state;
	cpu_map(f, h, &cm);
	cm.p[2 * PG] = 0x77;
	assert_int_equal(map(f, h, VA0 + 16 * PG, PG, 2 * PG), 0);
	vnpu_vm_job_begin(dfile(f), &job);
	assert_int_equal(*mmu(&job, VA0 + 16 * PG, 1, 0), 0x77);
	vnpu_vm_job_end(&job);
	cpu_unmap(&cm);
	fput(f);
}

static void unmap_makes_the_mmu_fault(void **state)
{
	struct file *f = open_client();
	uint32_t h = bo_create(f, PG, 0);
	struct vnpu_vm_job job;
	struct vnpu_fault fault;

	(void)state;
	assert_int_equal(map(f, h, VA0, PG, 0), 0);
	assert_int_equal(unmap(f, VA0, PG), 0);
	vnpu_vm_job_begin(dfile(f), &job);
	assert_null(mmu(&job, VA0 + 8, 8, 0));
	vnpu_vm_job_end(&job);
	vnpu_vm_last_fault(dfile(f), &fault);
	assert_true(fault.valid);
	assert_int_equal(fault.va, VA0 + 8);
	assert_int_equal(fault.len, 8);
	assert_false(fault.write);
	assert_int_equal(fault.error, -EFAULT);
	fput(f);
}

static void overlapping_map_splits_the_old_mapping(void **state)
{
	struct file *f = open_client();
	uint32_t a = bo_create(f, 4 * PG, 0), b = bo_create(f, PG, 0);
	struct cpu_map ca, cb;
	struct vnpu_vm_job job;
	unsigned int i;

	(void)state;
	cpu_map(f, a, &ca);
	cpu_map(f, b, &cb);
	for (i = 0; i < 4; i++)
		ca.p[i * PG] = (uint8_t)(0xa0 + i);
	cb.p[0] = 0xb0;
	assert_int_equal(map(f, a, VA0, 4 * PG, 0), 0);
	assert_int_equal(map(f, b, VA0 + PG, PG, 0), 0);
	vnpu_vm_job_begin(dfile(f), &job);
	assert_int_equal(*mmu(&job, VA0, 1, 0), 0xa0);
	assert_int_equal(*mmu(&job, VA0 + PG, 1, 0), 0xb0);
	assert_int_equal(*mmu(&job, VA0 + 2 * PG, 1, 0), 0xa2);
	assert_int_equal(*mmu(&job, VA0 + 3 * PG, 1, 0), 0xa3);
	/* the pieces are separate mappings now: an access across a cut faults */
	assert_null(mmu(&job, VA0 + PG - 4, 8, 0));
	vnpu_vm_job_end(&job);
	cpu_unmap(&ca);
	cpu_unmap(&cb);
	fput(f);
}

static void partial_unmap_keeps_the_rest(void **state)
{
	struct file *f = open_client();
	uint32_t h = bo_create(f, 3 * PG, 0);
	struct vnpu_vm_job job;
	struct cpu_map cm;

	(void)state;
	cpu_map(f, h, &cm);
	cm.p[2 * PG] = 0x42;
	assert_int_equal(map(f, h, VA0, 3 * PG, 0), 0);
	assert_int_equal(unmap(f, VA0 + PG, PG), 0);
	vnpu_vm_job_begin(dfile(f), &job);
	assert_non_null(mmu(&job, VA0, PG, 0));
	assert_null(mmu(&job, VA0 + PG, 1, 0));
	assert_int_equal(*mmu(&job, VA0 + 2 * PG, 1, 0), 0x42);
	vnpu_vm_job_end(&job);
	cpu_unmap(&cm);
	fput(f);
}

static void readonly_mapping_refuses_writes(void **state)
{
	struct file *f = open_client();
	uint32_t h = bo_create(f, PG, 0);
	struct vnpu_vm_job job;
	struct vnpu_fault fault;

	(void)state;
	assert_int_equal(bind(f, VNPU_VM_BIND_MAP, VNPU_VM_BIND_READONLY, h, VA0, PG, 0), 0);
	vnpu_vm_job_begin(dfile(f), &job);
	assert_non_null(mmu(&job, VA0, 64, 0));
	assert_null(mmu(&job, VA0, 64, 1));
	vnpu_vm_job_end(&job);
	vnpu_vm_last_fault(dfile(f), &fault);
	assert_true(fault.valid);
	assert_true(fault.write);
	assert_int_equal(fault.error, -EACCES);
	fput(f);
}

static void access_crossing_the_end_of_a_mapping_faults(void **state)
{
	struct file *f = open_client();
	uint32_t h = bo_create(f, 2 * PG, 0);
	struct vnpu_vm_job job;

	(void)state;
	assert_int_equal(map(f, h, VA0, PG, 0), 0);
	vnpu_vm_job_begin(dfile(f), &job);
	assert_non_null(mmu(&job, VA0 + PG - 8, 8, 1));
	assert_null(mmu(&job, VA0 + PG - 8, 16, 1));
	assert_null(mmu(&job, VA0 - 8, 8, 0));
	vnpu_vm_job_end(&job);
	fput(f);
}

static void clients_do_not_share_address_spaces(void **state)
{
	struct file *fa = open_client(), *fb = open_client();
	uint32_t h = bo_create(fa, PG, 0);
	struct vnpu_vm_job job;
	uint64_t va;

	(void)state;
	assert_int_equal(map(fa, h, VA0, PG, 0), 0);
	/* B holds no handle: A's handle number means nothing to it */
	assert_int_equal(map(fb, h, VA0, PG, 0), -ENOENT);
	vnpu_vm_job_begin(dfile(fb), &job);
	for (va = VA0; va < VA0 + 4 * PG; va += PG)
		assert_null(mmu(&job, va, 1, 0));
	vnpu_vm_job_end(&job);
	vnpu_vm_job_begin(dfile(fa), &job);
	assert_non_null(mmu(&job, VA0, 1, 0));
	vnpu_vm_job_end(&job);
	fput(fb);
	fput(fa);
}

static void bind_rejects_bad_arguments(void **state)
{
	struct file *f = open_client();
	uint32_t h = bo_create(f, 2 * PG, 0);
	struct drm_vnpu_vm_bind b = { .op = VNPU_VM_BIND_MAP, .handle = h, .va = VA0,
				      .size = PG, .pad = 1 };

	(void)state;
	assert_int_equal(call(f, DRM_IOCTL_VNPU_VM_BIND, &b), -EINVAL);
	assert_int_equal(bind(f, 0, 0, h, VA0, PG, 0), -EINVAL);
	assert_int_equal(bind(f, 3, 0, h, VA0, PG, 0), -EINVAL);
	assert_int_equal(bind(f, VNPU_VM_BIND_MAP, 1u << 1, h, VA0, PG, 0), -EINVAL);
	assert_int_equal(bind(f, VNPU_VM_BIND_MAP, 0, h + 100, VA0, PG, 0), -ENOENT);
	assert_int_equal(map(f, h, VA0 + 1, PG, 0), -EINVAL);
	assert_int_equal(map(f, h, VA0, PG + 1, 0), -EINVAL);
	assert_int_equal(map(f, h, VA0, 0, 0), -EINVAL);
	assert_int_equal(map(f, h, VA0, PG, 1), -EINVAL);
	assert_int_equal(map(f, h, VA0, 3 * PG, 0), -EINVAL);
	assert_int_equal(map(f, h, VA0, 2 * PG, PG), -EINVAL);
	assert_int_equal(map(f, h, VA0 - PG, PG, 0), -EINVAL);
	assert_int_equal(map(f, h, VA0 + VNPU_VA_SIZE, PG, 0), -EINVAL);
	assert_int_equal(bind(f, VNPU_VM_BIND_UNMAP, 0, h, VA0, PG, 0), -EINVAL);
	assert_int_equal(bind(f, VNPU_VM_BIND_UNMAP, VNPU_VM_BIND_READONLY, 0, VA0, PG, 0),
			 -EINVAL);
	assert_int_equal(bind(f, VNPU_VM_BIND_UNMAP, 0, 0, VA0, PG, PG), -EINVAL);
	assert_int_equal(unmap(f, VA0 + 1, PG), -EINVAL);
	/* nothing mapped there is not an error */
	assert_int_equal(unmap(f, VA0, PG), 0);
	fput(f);
}

static void unbind_releases_the_object(void **state)
{
	struct file *f = open_client();
	struct drm_device *dev = ddev(f);
	unsigned int live = drm_gem_objects_live(dev);
	uint32_t h = bo_create(f, PG, 0);

	(void)state;
	assert_int_equal(map(f, h, VA0, PG, 0), 0);
	bo_close(f, h);
	/* the mapping holds it */
	assert_int_equal(drm_gem_objects_live(dev), live + 1);
	assert_int_equal(unmap(f, VA0, PG), 0);
	assert_int_equal(drm_gem_objects_live(dev), live);
	fput(f);
}

static void close_releases_mapped_vram_objects(void **state)
{
	struct file *f = open_client();
	struct vnpu_device *vdev = to_vnpu_device(ddev(f));
	uint64_t used = vnpu_vram_used(vdev);
	uint32_t h = bo_create(f, 1 << 20, VNPU_BO_VRAM);

	(void)state;
	assert_int_equal(map(f, h, VA0, 1 << 20, 0), 0);
	assert_int_equal(map(f, h, VA0 + (4 << 20), PG, PG), 0);
	bo_close(f, h);
	assert_true(vnpu_vram_used(vdev) > used);
	fput(f);
	assert_int_equal(vnpu_vram_used(vdev), used);
}

static void job_holds_its_objects_until_it_ends(void **state)
{
	struct file *f = open_client();
	struct drm_device *dev = ddev(f);
	unsigned int live = drm_gem_objects_live(dev);
	uint32_t h = bo_create(f, PG, 0);
	struct vnpu_vm_job job;
	uint8_t *p;

	(void)state;
	assert_int_equal(map(f, h, VA0, PG, 0), 0);
	vnpu_vm_job_begin(dfile(f), &job);
	p = mmu(&job, VA0, PG, 1);
	assert_non_null(p);
	assert_ptr_equal(mmu(&job, VA0 + 8, 8, 0), p + 8);
	assert_int_equal(unmap(f, VA0, PG), 0);
	bo_close(f, h);
	fput(f);
	/* still mapped for the job */
	memset(p, 0x11, PG);
	assert_int_equal(drm_gem_objects_live(dev), live + 1);
	vnpu_vm_job_end(&job);
	assert_int_equal(drm_gem_objects_live(dev), live);
}

static void emit(struct vnpu_stream *s, uint16_t opcode, void *pkt, size_t size)
{
	assert_int_equal(vnpu_stream_emit(s, opcode, 0, pkt, size), 0);
}

static int run_stream(struct file *f, struct vnpu_stream *s, struct vnpu_exec_result *res)
{
	struct vnpu_exec_ctx ctx = { .mem = &vnpu_vm_mem_ops };
	struct vnpu_vm_job job;
	int ret;

	vnpu_vm_job_begin(dfile(f), &job);
	ctx.mem_ctx = &job;
	ret = vnpu_exec_stream(&ctx, s->buf, s->len, res);
	vnpu_vm_job_end(&job);
	return ret;
}

static void stream_fills_and_copies_between_bound_objects(void **state)
{
	struct file *f = open_client();
	struct drm_device *dev = ddev(f);
	unsigned int live = drm_gem_objects_live(dev);
	uint32_t a = bo_create(f, PG, 0), b = bo_create(f, PG, VNPU_BO_VRAM | VNPU_BO_MAPPABLE);
	struct vnpu_pkt_dma_fill fill = { .dst_va = VA0 + 256, .size = 1024,
					  .value = 0xdeadbeef, .width = 4 };
	struct vnpu_pkt_dma_copy copy = { .src_va = VA0 + 256, .dst_va = VA0 + 64 * PG + 8,
					  .size = 1024 };
	struct vnpu_exec_result res;
	struct vnpu_stream s = { .len = 0 };
	struct cpu_map ca, cb;
	uint32_t w;
	size_t i;

	(void)state;
	assert_int_equal(map(f, a, VA0, PG, 0), 0);
	assert_int_equal(map(f, b, VA0 + 64 * PG, PG, 0), 0);
	emit(&s, VNPU_OP_DMA_FILL, &fill, sizeof(fill));
	emit(&s, VNPU_OP_DMA_COPY, &copy, sizeof(copy));
	assert_int_equal(run_stream(f, &s, &res), 0);
	assert_int_equal(res.packets, 2);
	cpu_map(f, a, &ca);
	cpu_map(f, b, &cb);
	for (i = 0; i < 1024; i += 4) {
		memcpy(&w, ca.p + 256 + i, 4);
		assert_int_equal(w, 0xdeadbeef);
	}
	assert_int_equal(ca.p[255], 0);
	assert_int_equal(ca.p[256 + 1024], 0);
	assert_memory_equal(cb.p + 8, ca.p + 256, 1024);
	assert_int_equal(cb.p[7], 0);
	assert_int_equal(cb.p[8 + 1024], 0);
	cpu_unmap(&ca);
	cpu_unmap(&cb);
	fput(f);
	assert_int_equal(drm_gem_objects_live(dev), live);
}

static void stream_touching_an_unbound_va_faults_there(void **state)
{
	struct file *f = open_client();
	uint32_t a = bo_create(f, PG, 0);
	struct vnpu_pkt_dma_copy copy = { .src_va = VA0, .dst_va = VA0 + 32 * PG, .size = 64 };
	struct vnpu_exec_result res;
	struct vnpu_stream s = { .len = 0 };
	struct vnpu_fault fault;

	(void)state;
	assert_int_equal(map(f, a, VA0, PG, 0), 0);
	emit(&s, VNPU_OP_DMA_COPY, &copy, sizeof(copy));
	assert_int_equal(run_stream(f, &s, &res), -EFAULT);
	assert_int_equal(res.error, -EFAULT);
	assert_int_equal(res.fault_va, VA0 + 32 * PG);
	assert_true(res.fault_write);
	vnpu_vm_last_fault(dfile(f), &fault);
	assert_true(fault.valid);
	assert_int_equal(fault.va, VA0 + 32 * PG);
	assert_true(fault.write);
	fput(f);
}

static void debugfs_vm_lists_every_clients_mappings(void **state)
{
	struct file *fa = open_client(), *fb = open_client();
	uint32_t h = bo_create(fa, 2 * PG, 0);
	struct drm_device *dev = ddev(fa);
	struct attr_node *node;
	struct seq_file m = { 0 };
	char want[64];

	(void)state;
	assert_int_equal(map(fa, h, VA0 + PG, PG, PG), 0);
	node = attr_lookup_in(dev->debugfs_root, "vm");
	assert_non_null(node);
	m.private = node->private;
	m.node = node;
	assert_int_equal(node->show(&m), 0);
	assert_non_null(m.buf);
	snprintf(want, sizeof(want), "client %llu: 1 mappings",
		 (unsigned long long)dfile(fa)->client_id);
	assert_non_null(strstr(m.buf, want));
	snprintf(want, sizeof(want), "client %llu: 0 mappings",
		 (unsigned long long)dfile(fb)->client_id);
	assert_non_null(strstr(m.buf, want));
	snprintf(want, sizeof(want), "0x%016llx-0x%016llx", (unsigned long long)(VA0 + PG),
		 (unsigned long long)(VA0 + 2 * PG));
	assert_non_null(strstr(m.buf, want));
	free(m.buf);
	fput(fb);
	fput(fa);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(mmu_reads_and_writes_land_in_the_object),
		cmocka_unit_test(mapping_at_an_offset_reaches_those_pages),
		cmocka_unit_test(unmap_makes_the_mmu_fault),
		cmocka_unit_test(overlapping_map_splits_the_old_mapping),
		cmocka_unit_test(partial_unmap_keeps_the_rest),
		cmocka_unit_test(readonly_mapping_refuses_writes),
		cmocka_unit_test(access_crossing_the_end_of_a_mapping_faults),
		cmocka_unit_test(clients_do_not_share_address_spaces),
		cmocka_unit_test(bind_rejects_bad_arguments),
		cmocka_unit_test(unbind_releases_the_object),
		cmocka_unit_test(close_releases_mapped_vram_objects),
		cmocka_unit_test(job_holds_its_objects_until_it_ends),
		cmocka_unit_test(stream_fills_and_copies_between_bound_objects),
		cmocka_unit_test(stream_touching_an_unbound_va_faults_there),
		cmocka_unit_test(debugfs_vm_lists_every_clients_mappings),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
