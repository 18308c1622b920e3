// SPDX-License-Identifier: MIT
/*
 * vedge runtime PM (sysfs power/ of the platform device): the NPU starts suspended; a
 * submit resumes it and the resume is counted; it autosuspends once idle for
 * autosuspend_delay_ms (20 ms here), the POWER and CLOCK registers following; the delay is
 * writable (-1 keeps it on) and refuses what is not a number; suspended time grows while
 * suspended; a DMA-less job after a suspend (SRAM lost) is still correct. Waits for a state
 * are bounded polls on the attribute, never timed assertions.
 */
#define _GNU_SOURCE
#include "vedge_client.h"

#include "drivers/vedge/vedge_regs.h"

static int group_setup(void **state)
{
	(void)state;
	return test_embedded_start("vedge-pm", VE_CONFIG);
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

static bool status_is(const char *pdev, const char *want)
{
	char *t = ve_sysfs_text(pdev, "power/runtime_status");
	bool eq;

	assert_non_null(t);
	eq = !strncmp(t, want, strlen(want)) && t[strlen(want)] == '\n';
	free(t);
	return eq;
}

static void wait_status(const char *pdev, const char *want)
{
	uint64_t deadline = vc_now_ns() + VC_WAIT_S * 1000000000ull;

	while (!status_is(pdev, want)) {
		assert_true(vc_now_ns() < deadline);
		usleep(1000);
	}
}

static ssize_t set_delay(const char *pdev, const char *text)
{
	char path[128];
	struct attr_node *n;

	snprintf(path, sizeof(path), "devices/platform/%s/power/autosuspend_delay_ms", pdev);
	n = attr_lookup(path);
	assert_non_null(n);
	return attr_write(n, text, strlen(text));
}

/* A small job: MAXPOOL 1x1 (a copy) of 32 bytes; returns the fence status, output checked. */
static int run_small(const char *pdev)
{
	struct vc_client c;
	struct ve_stream s = { .n = 0 };
	struct ve_job j = { .nr_regions = 0 };
	struct ve_bo b;
	int status;

	vc_open(&c, pdev);
	ve_bo_new(&c, &b, 4096);
	for (int i = 0; i < 32; i++)
		b.map[i] = (uint8_t)(3 * i + 5);
	ve_region(&j, &b, 0, 1024, 0);
	ve_region(&j, &b, 1024, 1024, VEDGE_REGION_F_WRITE);
	ve_fm(&s, VEDGE_SET_IFM_REGION, 0, 0, 1, 1, 32, 0);
	ve_fm(&s, VEDGE_SET_OFM_REGION, 1, 0, 1, 1, 32, 0);
	ve_set(&s, VEDGE_OP_MAXPOOL, 0);
	status = ve_run(&c, &s, &j);
	if (status == 1)
		assert_memory_equal(b.map + 1024, b.map, 32);
	ve_bo_free(&c, &b);
	vc_close(&c);
	return status;
}

static bool power_regs_off(const char *pdev)
{
	char *regs = vc_debugfs_text(vc_minor(pdev), "regs"), line[64];
	bool off;

	assert_non_null(regs);
	snprintf(line, sizeof(line), "0x%03x %-16s 0x%08x", VEDGE_REG_POWER, "POWER", 0);
	off = strstr(regs, line) != NULL;
	snprintf(line, sizeof(line), "0x%03x %-16s 0x%08x", VEDGE_REG_CLOCK, "CLOCK", 0);
	off = off && strstr(regs, line) != NULL;
	free(regs);
	return off;
}

static void test_starts_suspended(void **state)
{
	(void)state;
	assert_true(status_is(VE_DMA, "suspended"));
	assert_true(power_regs_off(VE_DMA));
}

static void test_submit_resumes_and_counts_resume(void **state)
{
	uint64_t resumes = vc_sysfs_u64(VE_DMA, "power/runtime_resume_count");

	(void)state;
	wait_status(VE_DMA, "suspended"); /* from the group's start or the last test */
	assert_int_equal(set_delay(VE_DMA, "-1"), 2);
	assert_int_equal(run_small(VE_DMA), 1);
	assert_true(status_is(VE_DMA, "active"));
	assert_false(power_regs_off(VE_DMA));
	assert_int_equal(vc_sysfs_u64(VE_DMA, "power/runtime_resume_count"), resumes + 1);
	/* Another job while active resumes nothing. */
	assert_int_equal(run_small(VE_DMA), 1);
	assert_int_equal(vc_sysfs_u64(VE_DMA, "power/runtime_resume_count"), resumes + 1);
	assert_int_equal(set_delay(VE_DMA, "20\n"), 3);
}

static void test_autosuspends_after_delay(void **state)
{
	uint64_t before;

	(void)state;
	assert_int_equal(set_delay(VE_DMA, "20"), 2);
	assert_int_equal(run_small(VE_DMA), 1);
	wait_status(VE_DMA, "suspended");
	assert_true(power_regs_off(VE_DMA));
	before = vc_sysfs_u64(VE_DMA, "power/runtime_suspended_time");
	/* Suspended time grows while suspended (waited for, not timed). */
	while (vc_sysfs_u64(VE_DMA, "power/runtime_suspended_time") <= before)
		usleep(1000);
	assert_true(status_is(VE_DMA, "suspended"));
}

static void test_delay_attribute(void **state)
{
	char *t;

	(void)state;
	assert_int_equal(set_delay(VE_DMA, "abc"), -EINVAL);
	assert_int_equal(set_delay(VE_DMA, "-2"), -EINVAL);
	assert_int_equal(set_delay(VE_DMA, "35"), 2);
	t = ve_sysfs_text(VE_DMA, "power/autosuspend_delay_ms");
	assert_string_equal(t, "35\n");
	free(t);
	assert_int_equal(set_delay(VE_DMA, "20"), 2);
}

static void test_dmaless_job_after_suspend_is_correct(void **state)
{
	(void)state;
	assert_int_equal(run_small(VE_NODMA), 1);
	wait_status(VE_NODMA, "suspended");
	assert_int_equal(run_small(VE_NODMA), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_starts_suspended),
		cmocka_unit_test(test_submit_resumes_and_counts_resume),
		cmocka_unit_test(test_autosuspends_after_delay),
		cmocka_unit_test(test_delay_attribute),
		cmocka_unit_test(test_dmaless_job_after_suspend_is_correct),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
