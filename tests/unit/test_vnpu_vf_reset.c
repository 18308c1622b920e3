// SPDX-License-Identifier: MIT
/*
 * vnpu virtual functions, function-level reset (the VF's reset attribute): the VF's running
 * jobs fail with -EIO and its reset_count grows, so that its clients see the reset; the VF
 * runs new jobs afterwards; jobs running on another VF and on the PF at the same time
 * complete correctly.
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

static int group_setup(void **state)
{
	(void)state;
	return test_embedded_start("vnpu-vf-reset", config);
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

static void reset_fails_the_vfs_running_job_with_eio(void **state)
{
	struct gated_job g;
	uint64_t before = vf_attr_u64(VF0, "reset_count");

	(void)state;
	gated_job_submit(&g, VF0);
	gated_job_wait_started(&g);
	assert_int_equal(vf_attr_write(VF0, "reset", "1\n"), 2);
	vc_wait(&g.c, g.out, 0);
	assert_int_equal(vc_fence_status(&g.c, g.out), -EIO);
	assert_int_equal(vc_load64(g.mark.p), STARTED);
	assert_true(vf_attr_u64(VF0, "reset_count") > before);
	gated_job_close(&g);
}

static void jobs_on_other_functions_complete_across_a_reset(void **state)
{
	struct gated_job victim, other, pf;
	uint64_t other_resets = vf_attr_u64(VF1, "reset_count");
	uint64_t pf_resets = vf_attr_u64("vnpu.0", "reset_count");

	(void)state;
	gated_job_submit(&victim, VF0);
	gated_job_submit(&other, VF1);
	gated_job_submit(&pf, "vnpu.0");
	gated_job_wait_started(&victim);
	gated_job_wait_started(&other);
	gated_job_wait_started(&pf);
	assert_int_equal(vf_attr_write(VF0, "reset", "1\n"), 2);
	vc_wait(&victim.c, victim.out, 0);
	assert_int_equal(vc_fence_status(&victim.c, victim.out), -EIO);
	/* the others were running all along and finish their work once their gates open */
	assert_int_equal(vc_fence_status(&other.c, other.out), 0);
	assert_int_equal(vc_fence_status(&pf.c, pf.out), 0);
	vc_store64(other.gate.p, 1);
	vc_store64(pf.gate.p, 1);
	vc_wait(&other.c, other.out, 0);
	vc_wait(&pf.c, pf.out, 0);
	assert_int_equal(vc_fence_status(&other.c, other.out), 1);
	assert_int_equal(vc_fence_status(&pf.c, pf.out), 1);
	assert_int_equal(vc_load64(other.mark.p), DONE);
	assert_int_equal(vc_load64(pf.mark.p), DONE);
	assert_int_equal(vf_attr_u64(VF1, "reset_count"), other_resets);
	assert_int_equal(vf_attr_u64("vnpu.0", "reset_count"), pf_resets);
	gated_job_close(&victim);
	gated_job_close(&other);
	gated_job_close(&pf);
}

static void a_reset_vf_runs_new_jobs(void **state)
{
	struct gated_job g;

	(void)state;
	assert_int_equal(vf_attr_write(VF0, "reset", "1\n"), 2);
	gated_job_submit(&g, VF0);
	gated_job_wait_started(&g);
	vc_store64(g.gate.p, 1);
	vc_wait(&g.c, g.out, 0);
	assert_int_equal(vc_fence_status(&g.c, g.out), 1);
	assert_int_equal(vc_load64(g.mark.p), DONE);
	gated_job_close(&g);
}

static void reset_takes_only_one(void **state)
{
	char *text = NULL;

	(void)state;
	assert_int_equal(vf_attr_write(VF0, "reset", "0\n"), -EINVAL);
	assert_int_equal(vf_attr_write(VF0, "reset", "yes\n"), -EINVAL);
	assert_int_equal(accel_attr_read("sys/devices/platform/" VF0 "/reset", &text), -EACCES);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(reset_fails_the_vfs_running_job_with_eio),
		cmocka_unit_test(jobs_on_other_functions_complete_across_a_reset),
		cmocka_unit_test(a_reset_vf_runs_new_jobs),
		cmocka_unit_test(reset_takes_only_one),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
