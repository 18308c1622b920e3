// SPDX-License-Identifier: MIT
/*
 * vnpu virtual functions, isolation against hostile clients: a client of one VF guesses the
 * buffer handles, mmap offsets and flink names of another VF's (and the PF's) client, and
 * points jobs at the virtual addresses where the other has memory; every path fails and the
 * other's memory is untouched. The one way across is the one between devices: a dma-buf the
 * owner exported, imported with PRIME.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vnpu_vf_test.h"

static const char config[] =
	"[vnpu.0]\n"
	"driver = vnpu\n"
	"vram_size = 256M\n"
	"sriov_totalvfs = 2\n"
	"sriov_numvfs = 2\n"
	"vf_vram_quota = 64M\n";

#define VF0 "vnpu.0/vnpu.0-vf0"
#define VF1 "vnpu.0/vnpu.0-vf1"
#define NR_GUESS 64u
#define VICTIM_BYTE 0x5a

static int group_setup(void **state)
{
	(void)state;
	return test_embedded_start("vnpu-vf-iso", config);
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

/* The victim: a client of @pdev with @n objects, each filled with VICTIM_BYTE. */
static void victim_open(struct vc_client *v, const char *pdev, struct vc_bo *bos, unsigned int n)
{
	vc_open(v, pdev);
	for (unsigned int i = 0; i < n; i++) {
		vc_bo_new(v, &bos[i], PG, i & 1 ? VNPU_BO_VRAM | VNPU_BO_MAPPABLE : 0);
		memset(bos[i].p, VICTIM_BYTE, PG);
	}
}

static void victim_check_and_close(struct vc_client *v, struct vc_bo *bos, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		for (uint64_t j = 0; j < PG; j++)
			assert_int_equal(bos[i].p[j], VICTIM_BYTE);
		vc_bo_free(v, &bos[i]);
	}
	vc_close(v);
}

static void guessed_handles_name_nothing_on_another_vf(const char *victim_dev,
						       const char *attacker_dev)
{
	struct vc_client v, a;
	struct vc_bo bos[4];

	victim_open(&v, victim_dev, bos, 4);
	vc_open(&a, attacker_dev);
	for (uint32_t h = 0; h < NR_GUESS; h++) {
		struct drm_vnpu_bo_info info = { .handle = h };
		struct drm_gem_close cl = { .handle = h };
		struct drm_prime_handle ph = { .handle = h, .flags = DRM_CLOEXEC, .fd = -1 };

		assert_int_equal(vc_ioctl(&a, DRM_IOCTL_VNPU_BO_INFO, &info), -ENOENT);
		assert_int_not_equal(vc_ioctl(&a, DRM_IOCTL_GEM_CLOSE, &cl), 0);
		assert_int_not_equal(vc_ioctl(&a, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph), 0);
		assert_int_equal(vc_bind(&a, VNPU_VM_BIND_MAP, 0, h, VNPU_VA_START, PG, 0),
				 -ENOENT);
	}
	vc_close(&a);
	victim_check_and_close(&v, bos, 4);
}

static void vf_client_cannot_use_another_vfs_handles(void **state)
{
	(void)state;
	guessed_handles_name_nothing_on_another_vf(VF0, VF1);
}

static void vf_client_cannot_use_the_pfs_handles(void **state)
{
	(void)state;
	guessed_handles_name_nothing_on_another_vf("vnpu.0", VF1);
}

static void vf_client_cannot_map_another_vfs_mmap_offsets(void **state)
{
	struct vc_client v, a;
	struct vc_bo bos[4];

	(void)state;
	victim_open(&v, VF0, bos, 4);
	vc_open(&a, VF1);
	for (unsigned int i = 0; i < 4; i++) {
		struct drm_vnpu_bo_info info = { .handle = bos[i].handle };

		assert_int_equal(vc_ioctl(&v, DRM_IOCTL_VNPU_BO_INFO, &info), 0);
		/* the offset itself, and the pages around it */
		for (int64_t d = -4; d <= 4; d++) {
			off_t off = (off_t)((int64_t)info.mmap_offset + d * (int64_t)PG);
			void *p = accel_sys_mmap(NULL, PG, PROT_READ | PROT_WRITE, MAP_SHARED,
						 a.fd, off);

			assert_true(p == MAP_FAILED);
		}
	}
	vc_close(&a);
	victim_check_and_close(&v, bos, 4);
}

static void vf_client_cannot_open_another_vfs_flink_names(void **state)
{
	struct vc_client v, a;
	struct vc_bo bos[2];

	(void)state;
	victim_open(&v, VF0, bos, 2);
	for (unsigned int i = 0; i < 2; i++) {
		struct drm_gem_flink fl = { .handle = bos[i].handle };

		/* flink may be refused on an accel node; a name it gives is the victim's own */
		(void)vc_ioctl(&v, DRM_IOCTL_GEM_FLINK, &fl);
	}
	vc_open(&a, VF1);
	for (uint32_t name = 0; name < NR_GUESS; name++) {
		struct drm_gem_open op = { .name = name };

		assert_int_not_equal(vc_ioctl(&a, DRM_IOCTL_GEM_OPEN, &op), 0);
	}
	vc_close(&a);
	victim_check_and_close(&v, bos, 2);
}

/* A job of @attacker_dev copying from where the victim has memory faults, writing nothing. */
static void jobs_cannot_reach_the_victims_addresses(const char *victim_dev,
						    const char *attacker_dev)
{
	struct vnpu_stream s = { .len = 0 };
	struct vc_client v, a;
	struct vc_bo bos[2], dst;
	uint32_t ctx, out;

	victim_open(&v, victim_dev, bos, 2);
	vc_open(&a, attacker_dev);
	/* the attacker's own buffer lies after the victim's VAs */
	a.next_va = bos[1].va + bos[1].size + PG;
	vc_bo_new(&a, &dst, PG, 0);
	ctx = (uint32_t)vc_ctx_create(&a, VNPU_ENGINE_DMA, 0);
	vc_dma_copy(&s, bos[0].va, dst.va, PG);
	vc_dma_fill(&s, bos[1].va, PG, 0, 8);
	out = vc_syncobj(&a, 0);
	assert_int_equal(vc_submit_simple(&a, ctx, &s, out, -1), 0);
	vc_wait(&a, out, 0);
	assert_int_equal(vc_fence_status(&a, out), -EFAULT);
	for (uint64_t j = 0; j < PG; j++)
		assert_int_equal(dst.p[j], VC_POISON);
	vc_bo_free(&a, &dst);
	vc_close(&a);
	victim_check_and_close(&v, bos, 2);
}

static void vf_jobs_cannot_reach_another_vfs_memory(void **state)
{
	(void)state;
	jobs_cannot_reach_the_victims_addresses(VF0, VF1);
}

static void pf_jobs_cannot_reach_a_vfs_memory(void **state)
{
	(void)state;
	jobs_cannot_reach_the_victims_addresses(VF1, "vnpu.0");
}

static void a_dmabuf_the_owner_exported_is_shared(void **state)
{
	struct vc_client v, a;
	struct vc_bo bos[1];
	struct drm_prime_handle ex = { .flags = DRM_CLOEXEC | DRM_RDWR, .fd = -1 };
	struct drm_prime_handle im = { 0 };
	struct drm_vnpu_bo_info info = { 0 };
	uint8_t *p;

	(void)state;
	victim_open(&v, VF0, bos, 1);
	vc_open(&a, VF1);
	ex.handle = bos[0].handle;
	assert_int_equal(vc_ioctl(&v, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ex), 0);
	im.fd = ex.fd;
	assert_int_equal(vc_ioctl(&a, DRM_IOCTL_PRIME_FD_TO_HANDLE, &im), 0);
	info.handle = im.handle;
	assert_int_equal(vc_ioctl(&a, DRM_IOCTL_VNPU_BO_INFO, &info), 0);
	p = accel_sys_mmap(NULL, PG, PROT_READ, MAP_SHARED, a.fd, (off_t)info.mmap_offset);
	assert_true(p != MAP_FAILED);
	assert_int_equal(p[0], VICTIM_BYTE);
	assert_int_equal(p[PG - 1], VICTIM_BYTE);
	assert_int_equal(accel_sys_munmap(p, PG), 0);
	vf_gem_close(&a, im.handle);
	assert_int_equal(accel_sys_close(ex.fd), 0);
	vc_close(&a);
	victim_check_and_close(&v, bos, 1);
}

static void prime_import_of_a_descriptor_that_is_not_a_dmabuf_fails(void **state)
{
	struct vc_client v, a;
	struct vc_bo bos[1];
	struct drm_prime_handle im = { 0 };

	(void)state;
	victim_open(&v, VF0, bos, 1);
	vc_open(&a, VF1);
	/* the victim's device file, the attacker's own, and numbers nobody opened */
	im.fd = v.fd;
	assert_int_not_equal(vc_ioctl(&a, DRM_IOCTL_PRIME_FD_TO_HANDLE, &im), 0);
	im.fd = a.fd;
	assert_int_not_equal(vc_ioctl(&a, DRM_IOCTL_PRIME_FD_TO_HANDLE, &im), 0);
	for (int fd = 1000; fd < 1000 + (int)NR_GUESS; fd++) {
		im.fd = fd;
		assert_int_not_equal(vc_ioctl(&a, DRM_IOCTL_PRIME_FD_TO_HANDLE, &im), 0);
	}
	vc_close(&a);
	victim_check_and_close(&v, bos, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(vf_client_cannot_use_another_vfs_handles),
		cmocka_unit_test(vf_client_cannot_use_the_pfs_handles),
		cmocka_unit_test(vf_client_cannot_map_another_vfs_mmap_offsets),
		cmocka_unit_test(vf_client_cannot_open_another_vfs_flink_names),
		cmocka_unit_test(vf_jobs_cannot_reach_another_vfs_memory),
		cmocka_unit_test(pf_jobs_cannot_reach_a_vfs_memory),
		cmocka_unit_test(a_dmabuf_the_owner_exported_is_shared),
		cmocka_unit_test(prime_import_of_a_descriptor_that_is_not_a_dmabuf_fails),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
