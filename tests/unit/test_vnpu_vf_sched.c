// SPDX-License-Identifier: MIT
/*
 * vnpu virtual functions sharing the PF's engines (vnpu_vf_sched.c): a VF's job runs only
 * while a PF engine is lent to it, so it waits while another VF's job holds the only one; a
 * reset of the holder hands it on; a VF alone gets every PF engine (work-conserving). The
 * proportions themselves are measured by bench/bench_vf_fair.c.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vnpu_vf_test.h"

/* vnpu.0: one DMA engine to share; vnpu.1: two. */
static const char config[] =
	"[vnpu.0]\n"
	"driver = vnpu\n"
	"vram_size = 256M\n"
	"dma_engines = 1\n"
	"sriov_totalvfs = 2\n"
	"sriov_numvfs = 2\n"
	"vf_vram_quota = 64M\n"
	"\n"
	"[vnpu.1]\n"
	"driver = vnpu\n"
	"vram_size = 256M\n"
	"dma_engines = 2\n"
	"sriov_totalvfs = 2\n"
	"sriov_numvfs = 2\n"
	"vf_vram_quota = 64M\n";

static int group_setup(void **state)
{
	(void)state;
	return test_embedded_start("vnpu-vf-sched", config);
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

static void a_vf_job_waits_while_another_vf_holds_the_only_pf_engine(void **state)
{
	struct gated_job holder, waiter;

	(void)state;
	gated_job_submit(&holder, "vnpu.0/vnpu.0-vf0");
	gated_job_wait_started(&holder);
	gated_job_submit(&waiter, "vnpu.0/vnpu.0-vf1");
	/* VF 1 has a DMA engine of its own, idle: only the PF engine can hold its job back */
	usleep(100 * 1000);
	assert_int_equal(vc_load64(waiter.mark.p), 0);
	assert_int_equal(vc_fence_status(&waiter.c, waiter.out), 0);
	vc_store64(holder.gate.p, 1);
	vc_wait(&holder.c, holder.out, 0);
	gated_job_wait_started(&waiter);
	vc_store64(waiter.gate.p, 1);
	vc_wait(&waiter.c, waiter.out, 0);
	assert_int_equal(vc_fence_status(&holder.c, holder.out), 1);
	assert_int_equal(vc_fence_status(&waiter.c, waiter.out), 1);
	assert_int_equal(vc_load64(waiter.mark.p), DONE);
	gated_job_close(&holder);
	gated_job_close(&waiter);
}

static void resetting_the_holder_hands_the_pf_engine_on(void **state)
{
	struct gated_job holder, waiter;

	(void)state;
	gated_job_submit(&holder, "vnpu.0/vnpu.0-vf0");
	gated_job_wait_started(&holder);
	gated_job_submit(&waiter, "vnpu.0/vnpu.0-vf1");
	assert_int_equal(vf_attr_write("vnpu.0/vnpu.0-vf0", "reset", "1\n"), 2);
	vc_wait(&holder.c, holder.out, 0);
	assert_int_equal(vc_fence_status(&holder.c, holder.out), -EIO);
	gated_job_wait_started(&waiter);
	vc_store64(waiter.gate.p, 1);
	vc_wait(&waiter.c, waiter.out, 0);
	assert_int_equal(vc_fence_status(&waiter.c, waiter.out), 1);
	gated_job_close(&holder);
	gated_job_close(&waiter);
}

static void a_vf_alone_gets_every_pf_engine(void **state)
{
	struct gated_job a, b;

	(void)state;
	/* two clients of VF 0, one context each: both jobs run at once on the two PF engines */
	gated_job_submit(&a, "vnpu.1/vnpu.1-vf0");
	gated_job_submit(&b, "vnpu.1/vnpu.1-vf0");
	gated_job_wait_started(&a);
	gated_job_wait_started(&b);
	vc_store64(a.gate.p, 1);
	vc_store64(b.gate.p, 1);
	vc_wait(&a.c, a.out, 0);
	vc_wait(&b.c, b.out, 0);
	assert_int_equal(vc_fence_status(&a.c, a.out), 1);
	assert_int_equal(vc_fence_status(&b.c, b.out), 1);
	gated_job_close(&a);
	gated_job_close(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(a_vf_job_waits_while_another_vf_holds_the_only_pf_engine),
		cmocka_unit_test(resetting_the_holder_hands_the_pf_engine_on),
		cmocka_unit_test(a_vf_alone_gets_every_pf_engine),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
