// SPDX-License-Identifier: MIT
/*
 * vedge's device ioctls and telemetry on the embedded core's two instances (with and without
 * DMA): GET_PARAM answers from the registers and the configuration; BO_CREATE, BO_MMAP and
 * BO_INFO follow the uAPI's rules; the interrupt thread acknowledges every interrupt (the
 * register file shows none pending after a job, with DONE and ERROR unmasked); an NPU fault
 * (injected) fails the job with -EIO and the next job runs; a hang (injected) is reset by
 * the timeout: fence -ETIMEDOUT, reset counted, the same file's next job correct; a count N
 * written to inject_hang / inject_fault fails exactly the next N jobs (reading shows what is
 * pending), 0 disarms, a count outside 0..1000 or not a number is -EINVAL.
 */
#define _GNU_SOURCE
#include "vedge_client.h"

#include "drivers/vedge/vedge_regs.h"

static int group_setup(void **state)
{
	(void)state;
	return test_embedded_start("vedge-device", VE_CONFIG);
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

static uint64_t param(struct vc_client *c, uint32_t p)
{
	struct drm_vedge_get_param gp = { .param = p };

	assert_int_equal(vc_ioctl(c, DRM_IOCTL_VEDGE_GET_PARAM, &gp), 0);
	return gp.value;
}

static void test_get_param(void **state)
{
	struct vc_client c, n;
	struct drm_vedge_get_param gp = { .param = 0 };

	(void)state;
	vc_open(&c, VE_DMA);
	vc_open(&n, VE_NODMA);
	assert_int_equal(param(&c, VEDGE_PARAM_DEVICE_ID), VEDGE_ID_VALUE);
	assert_int_equal(param(&c, VEDGE_PARAM_VERSION), VEDGE_VERSION_VALUE);
	assert_int_equal(param(&c, VEDGE_PARAM_HAS_DMA), 1);
	assert_int_equal(param(&n, VEDGE_PARAM_HAS_DMA), 0);
	assert_int_equal(param(&c, VEDGE_PARAM_SRAM_SIZE), 512 << 10);
	assert_int_equal(param(&n, VEDGE_PARAM_SRAM_SIZE), 65536);
	assert_int_equal(param(&c, VEDGE_PARAM_MAX_REGIONS), VEDGE_MAX_REGIONS);
	assert_true(param(&c, VEDGE_PARAM_MAX_CMDS) >= 1024);
	assert_int_equal(param(&c, VEDGE_PARAM_JOB_TIMEOUT_MS), 300);
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VEDGE_GET_PARAM, &gp), -EINVAL);
	gp.param = 99;
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VEDGE_GET_PARAM, &gp), -EINVAL);
	gp.param = VEDGE_PARAM_HAS_DMA;
	gp.pad = 1;
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VEDGE_GET_PARAM, &gp), -EINVAL);
	vc_close(&n);
	vc_close(&c);
}

static void test_bo_ioctls(void **state)
{
	struct vc_client c;
	struct drm_vedge_bo_create cr = { .size = 0 };
	struct drm_vedge_bo_mmap mm = { .handle = 77 };
	struct drm_vedge_bo_info info = { .handle = 77 };
	struct ve_bo b;

	(void)state;
	vc_open(&c, VE_DMA);
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VEDGE_BO_CREATE, &cr), -EINVAL);
	cr.size = 1;
	cr.flags = 1;
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VEDGE_BO_CREATE, &cr), -EINVAL);
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VEDGE_BO_MMAP, &mm), -ENOENT);
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VEDGE_BO_INFO, &info), -ENOENT);
	ve_bo_new(&c, &b, 5000);
	mm.handle = b.handle;
	mm.pad = 1;
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VEDGE_BO_MMAP, &mm), -EINVAL);
	info.handle = b.handle;
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VEDGE_BO_INFO, &info), 0);
	assert_int_equal(info.size, 8192);
	assert_int_equal(info.busy, 0);
	b.map[8191] = 1; /* the whole rounded size is mapped */
	ve_bo_free(&c, &b);
	vc_close(&c);
}

/* A one-command job: DMA-copy 64 bytes of region 0 to region 1 (or MAXPOOL 1x1 without DMA). */
static void copy_job(struct ve_stream *s, bool dma)
{
	if (dma) {
		ve_set(s, VEDGE_SET_DMA_DST_REGION, 1);
		ve_set(s, VEDGE_SET_DMA_LENGTH, 64);
		ve_set(s, VEDGE_OP_DMA_COPY, 0);
	} else {
		ve_fm(s, VEDGE_SET_IFM_REGION, 0, 0, 1, 1, 64, 0);
		ve_fm(s, VEDGE_SET_OFM_REGION, 1, 0, 1, 1, 64, 0);
		ve_set(s, VEDGE_OP_MAXPOOL, 0);
	}
}

/* Run the copy job on a fresh pair of objects: the fence status; the copy checked on success. */
static int run_copy(struct vc_client *c, bool dma)
{
	struct ve_stream s = { .n = 0 };
	struct ve_job j = { .nr_regions = 0 };
	struct ve_bo in, out;
	int status;

	ve_bo_new(c, &in, 4096);
	ve_bo_new(c, &out, 4096);
	for (int i = 0; i < 64; i++)
		in.map[i] = (uint8_t)(i * 7 + 1);
	copy_job(&s, dma);
	ve_region(&j, &in, 0, 4096, 0);
	ve_region(&j, &out, 0, 4096, VEDGE_REGION_F_WRITE);
	status = ve_run(c, &s, &j);
	if (status == 1)
		assert_memory_equal(out.map, in.map, 64);
	ve_bo_free(c, &in);
	ve_bo_free(c, &out);
	return status;
}

static void test_irq_acknowledged_after_job(void **state)
{
	struct vc_client c;
	char *regs, line[64];

	(void)state;
	vc_open(&c, VE_DMA);
	assert_int_equal(run_copy(&c, true), 1);
	regs = vc_debugfs_text(c.minor, "regs");
	assert_non_null(regs);
	snprintf(line, sizeof(line), "0x%03x %-16s 0x%08x", VEDGE_REG_IRQ_STATUS, "IRQ_STATUS", 0);
	assert_non_null(strstr(regs, line));
	snprintf(line, sizeof(line), "0x%03x %-16s 0x%08x", VEDGE_REG_IRQ_MASK, "IRQ_MASK",
		 VEDGE_IRQ_ALL);
	assert_non_null(strstr(regs, line));
	free(regs);
	vc_close(&c);
}

static void fault_then_next_job(const char *pdev, bool dma)
{
	struct vc_client c;
	uint64_t failed;

	vc_open(&c, pdev);
	failed = vc_sysfs_u64(pdev, "jobs_failed");
	assert_int_equal(vc_debugfs_write(c.minor, "inject_fault", "1"), 1);
	assert_int_equal(run_copy(&c, dma), -EIO);
	assert_int_equal(vc_sysfs_u64(pdev, "jobs_failed"), failed + 1);
	assert_int_equal(run_copy(&c, dma), 1);
	vc_close(&c);
}

static void test_npu_fault_fails_job_with_eio(void **state)
{
	(void)state;
	fault_then_next_job(VE_DMA, true);
	fault_then_next_job(VE_NODMA, false);
}

static void hang_then_next_job(const char *pdev, bool dma)
{
	struct vc_client c;
	uint64_t resets;

	vc_open(&c, pdev);
	resets = vc_sysfs_u64(pdev, "reset_count");
	assert_int_equal(vc_debugfs_write(c.minor, "inject_hang", "1"), 1);
	assert_int_equal(run_copy(&c, dma), -ETIMEDOUT);
	assert_int_equal(vc_sysfs_u64(pdev, "reset_count"), resets + 1);
	/* The same file goes on; the NPU, reset, runs its next job correctly. */
	assert_int_equal(run_copy(&c, dma), 1);
	vc_close(&c);
}

static void test_hang_reset_by_timeout_next_job_runs(void **state)
{
	(void)state;
	hang_then_next_job(VE_DMA, true);
	hang_then_next_job(VE_NODMA, false);
}

static void faults_counted_then_next_job(const char *pdev, bool dma)
{
	struct vc_client c;
	uint64_t failed;

	vc_open(&c, pdev);
	failed = vc_sysfs_u64(pdev, "jobs_failed");
	assert_int_equal(vc_debugfs_write(c.minor, "inject_fault", "3\n"), 2);
	assert_int_equal(ve_debugfs_u64(pdev, "inject_fault"), 3);
	for (uint64_t i = 1; i <= 3; i++) {
		assert_int_equal(run_copy(&c, dma), -EIO);
		assert_int_equal(ve_debugfs_u64(pdev, "inject_fault"), 3 - i);
	}
	assert_int_equal(vc_sysfs_u64(pdev, "jobs_failed"), failed + 3);
	/* Job N + 1 runs, and correctly (run_copy compares its output). */
	assert_int_equal(run_copy(&c, dma), 1);
	assert_int_equal(vc_sysfs_u64(pdev, "jobs_failed"), failed + 3);
	vc_close(&c);
}

static void test_inject_fault_count_fails_next_n_jobs(void **state)
{
	(void)state;
	faults_counted_then_next_job(VE_DMA, true);
	faults_counted_then_next_job(VE_NODMA, false);
}

static void hangs_counted_then_next_job(const char *pdev, bool dma)
{
	struct vc_client c;
	uint64_t resets;

	vc_open(&c, pdev);
	resets = vc_sysfs_u64(pdev, "reset_count");
	assert_int_equal(vc_debugfs_write(c.minor, "inject_hang", "2"), 1);
	assert_int_equal(ve_debugfs_u64(pdev, "inject_hang"), 2);
	/* The reset that recovers the first hang keeps the second armed. */
	assert_int_equal(run_copy(&c, dma), -ETIMEDOUT);
	assert_int_equal(ve_debugfs_u64(pdev, "inject_hang"), 1);
	assert_int_equal(run_copy(&c, dma), -ETIMEDOUT);
	assert_int_equal(ve_debugfs_u64(pdev, "inject_hang"), 0);
	assert_int_equal(vc_sysfs_u64(pdev, "reset_count"), resets + 2);
	assert_int_equal(run_copy(&c, dma), 1);
	assert_int_equal(vc_sysfs_u64(pdev, "reset_count"), resets + 2);
	vc_close(&c);
}

static void test_inject_hang_count_resets_next_n_jobs(void **state)
{
	(void)state;
	hangs_counted_then_next_job(VE_DMA, true);
	hangs_counted_then_next_job(VE_NODMA, false);
}

/* Both armed: a stream takes one, a hang first; each job fails with its own error. */
static void test_inject_hang_taken_before_fault(void **state)
{
	struct vc_client c;

	(void)state;
	vc_open(&c, VE_DMA);
	assert_int_equal(vc_debugfs_write(c.minor, "inject_fault", "1"), 1);
	assert_int_equal(vc_debugfs_write(c.minor, "inject_hang", "1"), 1);
	assert_int_equal(run_copy(&c, true), -ETIMEDOUT);
	assert_int_equal(ve_debugfs_u64(VE_DMA, "inject_fault"), 1);
	assert_int_equal(run_copy(&c, true), -EIO);
	assert_int_equal(run_copy(&c, true), 1);
	vc_close(&c);
}

static void test_inject_zero_disarms(void **state)
{
	struct vc_client c;

	(void)state;
	vc_open(&c, VE_NODMA);
	assert_int_equal(vc_debugfs_write(c.minor, "inject_fault", "1000"), 4);
	assert_int_equal(ve_debugfs_u64(VE_NODMA, "inject_fault"), 1000);
	assert_int_equal(vc_debugfs_write(c.minor, "inject_fault", "0"), 1);
	assert_int_equal(ve_debugfs_u64(VE_NODMA, "inject_fault"), 0);
	assert_int_equal(run_copy(&c, false), 1);
	vc_close(&c);
}

static void test_inject_rejects_bad_counts(void **state)
{
	static const char *const bad[] = { "1001", "-1", "x", "", "\n", "1 2", " 3", "+3",
					   "3x", "99999999999", "0x10" };
	struct vc_client c;

	(void)state;
	vc_open(&c, VE_DMA);
	assert_int_equal(vc_debugfs_write(c.minor, "inject_hang", "5"), 1);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(vc_debugfs_write(c.minor, "inject_hang", bad[i]), -EINVAL);
		assert_int_equal(vc_debugfs_write(c.minor, "inject_fault", bad[i]), -EINVAL);
	}
	/* A refused write leaves what was armed. */
	assert_int_equal(ve_debugfs_u64(VE_DMA, "inject_hang"), 5);
	assert_int_equal(ve_debugfs_u64(VE_DMA, "inject_fault"), 0);
	assert_int_equal(vc_debugfs_write(c.minor, "inject_hang", "0"), 1);
	vc_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_param),
		cmocka_unit_test(test_bo_ioctls),
		cmocka_unit_test(test_irq_acknowledged_after_job),
		cmocka_unit_test(test_npu_fault_fails_job_with_eio),
		cmocka_unit_test(test_hang_reset_by_timeout_next_job_runs),
		cmocka_unit_test(test_inject_fault_count_fails_next_n_jobs),
		cmocka_unit_test(test_inject_hang_count_resets_next_n_jobs),
		cmocka_unit_test(test_inject_hang_taken_before_fault),
		cmocka_unit_test(test_inject_zero_disarms),
		cmocka_unit_test(test_inject_rejects_bad_counts),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
