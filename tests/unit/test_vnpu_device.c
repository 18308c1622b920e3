// SPDX-License-Identifier: MIT
/*
 * vnpu device skeleton: configuration parameters (defaults, custom, rejected), GET_PARAM,
 * buffer objects in system memory and VRAM, mmap rules, VRAM accounting in sysfs and fdinfo.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <accel/attr.h>
#include <libaccel.h>
#include <uapi/drm/vnpu_accel.h>
#include "vnpu_client.h"

#include "drivers/builtin.h"

/* vnpu.0 runs on defaults, vnpu.1 on custom values with a small VRAM. */
static const char config[] =
	"[vnpu.0]\n"
	"driver = vnpu\n"
	"\n"
	"[vnpu.1]\n"
	"driver = vnpu\n"
	"compute_engines = 4\n"
	"dma_engines = 3\n"
	"vram_size = 64M\n"
	"sram_size = 8M\n"
	"queue_depth = 128\n"
	"job_timeout_ms = 5000\n";

static int group_setup(void **state)
{
	(void)state;
	return test_embedded_start("vnpu-dev", config);
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

/* Open the accel node of platform device @pdev_name ("vnpu.1"). */
static int open_vnpu(const char *pdev_name)
{
	char path[64];

	snprintf(path, sizeof(path), "/dev/accel/accel%d", vc_minor(pdev_name));
	return accel_sys_open(path, O_RDWR);
}

static uint64_t get_param(int fd, uint32_t param)
{
	struct drm_vnpu_get_param p = { .param = param };

	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_VNPU_GET_PARAM, &p), 0);
	return p.value;
}

static int bo_create(int fd, uint64_t size, uint32_t flags, uint32_t *handle)
{
	struct drm_vnpu_bo_create c = { .size = size, .flags = flags };
	int ret = accel_sys_ioctl(fd, DRM_IOCTL_VNPU_BO_CREATE, &c);

	*handle = ret ? 0 : c.handle;
	return ret ? -errno : 0;
}

static void bo_info(int fd, uint32_t handle, struct drm_vnpu_bo_info *info)
{
	memset(info, 0, sizeof(*info));
	info->handle = handle;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_VNPU_BO_INFO, info), 0);
}

static void bo_close(int fd, uint32_t handle)
{
	struct drm_gem_close c = { .handle = handle };

	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_GEM_CLOSE, &c), 0);
}

static void default_params_are_readable_through_get_param(void **state)
{
	int fd = open_vnpu("vnpu.0");

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(get_param(fd, VNPU_PARAM_COMPUTE_ENGINES), 2);
	assert_int_equal(get_param(fd, VNPU_PARAM_DMA_ENGINES), 2);
	assert_int_equal(get_param(fd, VNPU_PARAM_VRAM_SIZE), 1ull << 30);
	assert_int_equal(get_param(fd, VNPU_PARAM_SRAM_SIZE), 4ull << 20);
	assert_int_equal(get_param(fd, VNPU_PARAM_QUEUE_DEPTH), 64);
	assert_int_equal(get_param(fd, VNPU_PARAM_JOB_TIMEOUT_MS), 2000);
	assert_int_equal(get_param(fd, VNPU_PARAM_VRAM_USED), 0);
	assert_int_equal(get_param(fd, VNPU_PARAM_VRAM_FREE), 1ull << 30);
	accel_sys_close(fd);
}

static void custom_params_from_the_config_are_used(void **state)
{
	int fd = open_vnpu("vnpu.1");

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(get_param(fd, VNPU_PARAM_COMPUTE_ENGINES), 4);
	assert_int_equal(get_param(fd, VNPU_PARAM_DMA_ENGINES), 3);
	assert_int_equal(get_param(fd, VNPU_PARAM_VRAM_SIZE), 64ull << 20);
	assert_int_equal(get_param(fd, VNPU_PARAM_SRAM_SIZE), 8ull << 20);
	assert_int_equal(get_param(fd, VNPU_PARAM_QUEUE_DEPTH), 128);
	assert_int_equal(get_param(fd, VNPU_PARAM_JOB_TIMEOUT_MS), 5000);
	accel_sys_close(fd);
}

static void sysfs_attributes_show_the_config(void **state)
{
	(void)state;
	assert_int_equal(vc_sysfs_u64("vnpu.1", "vram_total"), 64ull << 20);
	assert_int_equal(vc_sysfs_u64("vnpu.1", "compute_engines"), 4);
	assert_int_equal(vc_sysfs_u64("vnpu.1", "dma_engines"), 3);
	assert_int_equal(vc_sysfs_u64("vnpu.1", "queue_depth"), 128);
}

/* Probe a directly made vnpu device with one parameter set; true when it bound. */
static int probe_with(int id, const char *key, const char *value)
{
	struct platform_device *pdev;
	char path[64];
	int bound;

	assert_int_equal(accel_drivers_register_builtin(), 0);
	pdev = platform_device_alloc("vnpu", id);
	assert_non_null(pdev);
	assert_int_equal(platform_device_add_param(pdev, key, value), 0);
	/* The bus may or may not pass the probe error up: the outcome is checked below. */
	(void)platform_device_add(pdev);
	snprintf(path, sizeof(path), "devices/platform/vnpu.%d/accel", id);
	bound = attr_lookup(path) != NULL;
	platform_device_unregister(pdev);
	return bound;
}

static void bad_param_fails_probe(const char *key, const char *value, const char *range)
{
	static int id = 100;
	char want[96];

	test_log_capture();
	assert_false(probe_with(id++, key, value));
	snprintf(want, sizeof(want), "invalid %s", key);
	assert_true(test_log_contains(want));
	assert_true(test_log_contains(range));
	test_log_release();
}

static void compute_engines_out_of_range_fails_probe(void **state)
{
	(void)state;
	bad_param_fails_probe("compute_engines", "0", "[1, 16]");
	bad_param_fails_probe("compute_engines", "17", "[1, 16]");
}

static void dma_engines_out_of_range_fails_probe(void **state)
{
	(void)state;
	bad_param_fails_probe("dma_engines", "0", "[1, 16]");
	bad_param_fails_probe("dma_engines", "32", "[1, 16]");
}

static void vram_size_out_of_range_fails_probe(void **state)
{
	(void)state;
	bad_param_fails_probe("vram_size", "32M", "[67108864, 68719476736]");
	bad_param_fails_probe("vram_size", "65G", "[67108864, 68719476736]");
}

static void sram_size_out_of_range_fails_probe(void **state)
{
	(void)state;
	bad_param_fails_probe("sram_size", "0", "[65536, 1073741824]");
}

static void queue_depth_out_of_range_fails_probe(void **state)
{
	(void)state;
	bad_param_fails_probe("queue_depth", "0", "[1, 4096]");
	bad_param_fails_probe("queue_depth", "4097", "[1, 4096]");
}

static void job_timeout_out_of_range_fails_probe(void **state)
{
	(void)state;
	bad_param_fails_probe("job_timeout_ms", "9", "[10, 600000]");
	bad_param_fails_probe("job_timeout_ms", "600001", "[10, 600000]");
}

static void unparsable_param_fails_probe(void **state)
{
	(void)state;
	bad_param_fails_probe("queue_depth", "lots", "[1, 4096]");
}

static void valid_direct_device_probes(void **state)
{
	(void)state;
	assert_true(probe_with(200, "queue_depth", "4096"));
}

static void system_bo_is_created_and_page_rounded(void **state)
{
	int fd = open_vnpu("vnpu.0");
	struct drm_vnpu_bo_info info;
	uint32_t h;

	(void)state;
	assert_int_equal(bo_create(fd, 100, 0, &h), 0);
	bo_info(fd, h, &info);
	assert_int_equal(info.size, (uint64_t)sysconf(_SC_PAGESIZE));
	assert_int_equal(info.flags, 0);
	assert_true(info.mmap_offset != 0);
	assert_int_equal(get_param(fd, VNPU_PARAM_VRAM_USED), 0);
	bo_close(fd, h);
	accel_sys_close(fd);
}

static void system_bo_mmap_writes_and_reads_back(void **state)
{
	int fd = open_vnpu("vnpu.0");
	struct drm_vnpu_bo_info info;
	uint32_t h;
	char *p, *q;

	(void)state;
	assert_int_equal(bo_create(fd, 8192, 0, &h), 0);
	bo_info(fd, h, &info);
	p = accel_sys_mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   (off_t)info.mmap_offset);
	assert_true(p != MAP_FAILED);
	memset(p, 0x5a, info.size);
	q = accel_sys_mmap(NULL, info.size, PROT_READ, MAP_SHARED, fd, (off_t)info.mmap_offset);
	assert_true(q != MAP_FAILED);
	assert_int_equal(q[0], 0x5a);
	assert_int_equal(q[info.size - 1], 0x5a);
	accel_sys_munmap(q, info.size);
	accel_sys_munmap(p, info.size);
	bo_close(fd, h);
	accel_sys_close(fd);
}

static void vram_mappable_bo_mmaps(void **state)
{
	int fd = open_vnpu("vnpu.1");
	struct drm_vnpu_bo_info info;
	uint32_t h;
	char *p;

	(void)state;
	assert_int_equal(bo_create(fd, 4096, VNPU_BO_VRAM | VNPU_BO_MAPPABLE, &h), 0);
	bo_info(fd, h, &info);
	assert_int_equal(info.flags, VNPU_BO_VRAM | VNPU_BO_MAPPABLE);
	p = accel_sys_mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   (off_t)info.mmap_offset);
	assert_true(p != MAP_FAILED);
	p[0] = 7;
	assert_int_equal(p[0], 7);
	accel_sys_munmap(p, info.size);
	bo_close(fd, h);
	accel_sys_close(fd);
}

static void vram_non_mappable_bo_refuses_mmap(void **state)
{
	int fd = open_vnpu("vnpu.1");
	struct drm_vnpu_bo_info info;
	uint32_t h;
	void *p;

	(void)state;
	assert_int_equal(bo_create(fd, 4096, VNPU_BO_VRAM, &h), 0);
	bo_info(fd, h, &info);
	errno = 0;
	p = accel_sys_mmap(NULL, info.size, PROT_READ, MAP_SHARED, fd, (off_t)info.mmap_offset);
	assert_true(p == MAP_FAILED);
	assert_int_equal(errno, EACCES);
	bo_close(fd, h);
	accel_sys_close(fd);
}

static void vram_used_grows_and_shrinks_with_vram_bos(void **state)
{
	int fd = open_vnpu("vnpu.1");
	uint32_t a, b;

	(void)state;
	assert_int_equal(vc_sysfs_u64("vnpu.1", "vram_used"), 0);
	assert_int_equal(bo_create(fd, 4096, VNPU_BO_VRAM, &a), 0);
	/* Sizes count as created: the 64 KiB alignment only places a range, it adds nothing. */
	assert_int_equal(vc_sysfs_u64("vnpu.1", "vram_used"), 4096);
	assert_int_equal(bo_create(fd, 1 << 20, VNPU_BO_VRAM, &b), 0);
	assert_int_equal(vc_sysfs_u64("vnpu.1", "vram_used"), 4096 + (1 << 20));
	assert_int_equal(get_param(fd, VNPU_PARAM_VRAM_USED), 4096 + (1 << 20));
	assert_int_equal(get_param(fd, VNPU_PARAM_VRAM_FREE), (64 << 20) - 4096 - (1 << 20));
	bo_close(fd, a);
	assert_int_equal(vc_sysfs_u64("vnpu.1", "vram_used"), 1 << 20);
	bo_close(fd, b);
	assert_int_equal(vc_sysfs_u64("vnpu.1", "vram_used"), 0);
	accel_sys_close(fd);
}

static void out_of_vram_is_enomem_and_leaves_vram_used(void **state)
{
	int fd = open_vnpu("vnpu.1");
	uint32_t a, b;
	uint64_t used;

	(void)state;
	assert_int_equal(bo_create(fd, 48 << 20, VNPU_BO_VRAM, &a), 0);
	used = vc_sysfs_u64("vnpu.1", "vram_used");
	assert_int_equal(bo_create(fd, 32 << 20, VNPU_BO_VRAM, &b), -ENOMEM);
	assert_int_equal(vc_sysfs_u64("vnpu.1", "vram_used"), used);
	assert_int_equal(bo_create(fd, 65 << 20, VNPU_BO_VRAM, &b), -ENOMEM);
	assert_int_equal(vc_sysfs_u64("vnpu.1", "vram_used"), used);
	/* Host memory is not VRAM: a system object of the same size still fits. */
	assert_int_equal(bo_create(fd, 32 << 20, 0, &b), 0);
	bo_close(fd, b);
	bo_close(fd, a);
	assert_int_equal(vc_sysfs_u64("vnpu.1", "vram_used"), 0);
	accel_sys_close(fd);
}

static void bo_create_rejects_size_zero_and_unknown_flags(void **state)
{
	int fd = open_vnpu("vnpu.0");
	uint32_t h;

	(void)state;
	assert_int_equal(bo_create(fd, 0, 0, &h), -EINVAL);
	assert_int_equal(bo_create(fd, 4096, 1u << 2, &h), -EINVAL);
	assert_int_equal(bo_create(fd, 4096, 1u << 31, &h), -EINVAL);
	accel_sys_close(fd);
}

static void nonzero_pads_and_unknown_params_are_einval(void **state)
{
	int fd = open_vnpu("vnpu.0");
	struct drm_vnpu_get_param gp = { .param = VNPU_PARAM_DMA_ENGINES, .pad = 1 };
	struct drm_vnpu_bo_info info = { 0 };
	uint32_t h;

	(void)state;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_VNPU_GET_PARAM, &gp), -1);
	assert_int_equal(errno, EINVAL);
	gp.pad = 0;
	gp.param = 0;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_VNPU_GET_PARAM, &gp), -1);
	assert_int_equal(errno, EINVAL);
	gp.param = 9999;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_VNPU_GET_PARAM, &gp), -1);
	assert_int_equal(errno, EINVAL);

	assert_int_equal(bo_create(fd, 4096, 0, &h), 0);
	info.handle = h;
	info.pad = 1;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_VNPU_BO_INFO, &info), -1);
	assert_int_equal(errno, EINVAL);
	info.pad = 0;
	info.pad2 = 1;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_VNPU_BO_INFO, &info), -1);
	assert_int_equal(errno, EINVAL);
	info.pad2 = 0;
	info.handle = h + 1000;
	assert_int_equal(accel_sys_ioctl(fd, DRM_IOCTL_VNPU_BO_INFO, &info), -1);
	assert_int_equal(errno, ENOENT);
	bo_close(fd, h);
	accel_sys_close(fd);
}

/* The fdinfo text of the only client of this process. */
static char *only_client_fdinfo(void)
{
	char path[64];
	struct attr_node *dir;
	char *text = NULL;

	snprintf(path, sizeof(path), "%d/fdinfo", (int)getpid());
	dir = attr_lookup_in(attr_proc_root(), path);
	assert_non_null(dir);
	assert_non_null(dir->children);
	assert_null(dir->children->next);
	assert_int_equal(attr_read(dir->children, &text, NULL), 0);
	return text;
}

static void fdinfo_splits_vram_and_system_memory(void **state)
{
	int fd = open_vnpu("vnpu.1");
	uint32_t a, b;
	char *t;

	(void)state;
	assert_int_equal(bo_create(fd, 1 << 20, VNPU_BO_VRAM, &a), 0);
	assert_int_equal(bo_create(fd, 2 << 20, 0, &b), 0);
	t = only_client_fdinfo();
	assert_non_null(strstr(t, "drm-total-memory:\t3 MiB\n"));
	assert_non_null(strstr(t, "drm-total-vram:\t1 MiB\n"));
	assert_non_null(strstr(t, "drm-total-system:\t2 MiB\n"));
	free(t);
	bo_close(fd, a);
	bo_close(fd, b);
	accel_sys_close(fd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(default_params_are_readable_through_get_param),
		cmocka_unit_test(custom_params_from_the_config_are_used),
		cmocka_unit_test(sysfs_attributes_show_the_config),
		cmocka_unit_test(compute_engines_out_of_range_fails_probe),
		cmocka_unit_test(dma_engines_out_of_range_fails_probe),
		cmocka_unit_test(vram_size_out_of_range_fails_probe),
		cmocka_unit_test(sram_size_out_of_range_fails_probe),
		cmocka_unit_test(queue_depth_out_of_range_fails_probe),
		cmocka_unit_test(job_timeout_out_of_range_fails_probe),
		cmocka_unit_test(unparsable_param_fails_probe),
		cmocka_unit_test(valid_direct_device_probes),
		cmocka_unit_test(system_bo_is_created_and_page_rounded),
		cmocka_unit_test(system_bo_mmap_writes_and_reads_back),
		cmocka_unit_test(vram_mappable_bo_mmaps),
		cmocka_unit_test(vram_non_mappable_bo_refuses_mmap),
		cmocka_unit_test(vram_used_grows_and_shrinks_with_vram_bos),
		cmocka_unit_test(out_of_vram_is_enomem_and_leaves_vram_used),
		cmocka_unit_test(bo_create_rejects_size_zero_and_unknown_flags),
		cmocka_unit_test(nonzero_pads_and_unknown_params_are_einval),
		cmocka_unit_test(fdinfo_splits_vram_and_system_memory),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
