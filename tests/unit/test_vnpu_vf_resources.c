// SPDX-License-Identifier: MIT
/*
 * vnpu virtual functions, per-VF resources set by the PF: VRAM quotas (from the PF's vf_* and
 * vfN_* keys and the VF's vram_quota attribute; beyond the quota -ENOMEM, other VFs
 * unaffected; carved out of the PF's VRAM), the queue limit, the weight, and a VF reporting
 * only its own resources through GET_PARAM and sysfs telemetry.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vnpu_vf_test.h"

#define MiB (1ull << 20)

/* vnpu.0: 256 MiB, two VFs of 16 MiB but VF 1 with 32 MiB, queue limit 4, VF 1 weight 4. */
static const char config[] =
	"[vnpu.0]\n"
	"driver = vnpu\n"
	"vram_size = 256M\n"
	"queue_depth = 64\n"
	"sriov_totalvfs = 4\n"
	"sriov_numvfs = 2\n"
	"vf_vram_quota = 16M\n"
	"vf1_vram_quota = 32M\n"
	"vf_queue_depth = 4\n"
	"vf1_weight = 4\n";

#define VF0 "vnpu.0/vnpu.0-vf0"
#define VF1 "vnpu.0/vnpu.0-vf1"

static int group_setup(void **state)
{
	(void)state;
	return test_embedded_start("vnpu-vf-res", config);
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

static void quotas_come_from_the_pf_configuration(void **state)
{
	(void)state;
	assert_int_equal(vf_attr_u64(VF0, "vram_quota"), 16 * MiB);
	assert_int_equal(vf_attr_u64(VF1, "vram_quota"), 32 * MiB);
	assert_int_equal(vf_attr_u64(VF0, "weight"), 1);
	assert_int_equal(vf_attr_u64(VF1, "weight"), 4);
	assert_int_equal(vf_attr_u64(VF0, "queue_limit"), 4);
}

static void vf_reports_only_its_own_resources(void **state)
{
	struct vc_client a;

	(void)state;
	vc_open(&a, VF1);
	assert_int_equal(vf_get_param(&a, VNPU_PARAM_VRAM_SIZE), 32 * MiB);
	assert_int_equal(vf_get_param(&a, VNPU_PARAM_VRAM_FREE), 32 * MiB);
	assert_int_equal(vf_get_param(&a, VNPU_PARAM_VRAM_USED), 0);
	assert_int_equal(vf_get_param(&a, VNPU_PARAM_QUEUE_DEPTH), 4);
	assert_int_equal(vf_attr_u64(VF1, "vram_total"), 32 * MiB);
	assert_int_equal(vf_attr_u64(VF1, "queue_depth"), 4);
	vc_close(&a);
}

static void vf_quotas_are_carved_out_of_the_pf_vram(void **state)
{
	struct vc_client pf;

	(void)state;
	vc_open(&pf, "vnpu.0");
	assert_int_equal(vf_attr_u64("vnpu.0", "vram_used"), 48 * MiB);
	assert_int_equal(vf_get_param(&pf, VNPU_PARAM_VRAM_FREE), 256 * MiB - 48 * MiB);
	vc_close(&pf);
}

static void allocation_beyond_the_quota_is_enomem(void **state)
{
	struct vc_client a;
	uint32_t h1, h2;

	(void)state;
	vc_open(&a, VF0);
	assert_int_equal(vf_bo_create(&a, 16 * MiB + 4096, VNPU_BO_VRAM, &h1), -ENOMEM);
	assert_int_equal(vf_bo_create(&a, 12 * MiB, VNPU_BO_VRAM, &h1), 0);
	assert_int_equal(vf_bo_create(&a, 8 * MiB, VNPU_BO_VRAM, &h2), -ENOMEM);
	assert_int_equal(vf_get_param(&a, VNPU_PARAM_VRAM_USED), 12 * MiB);
	vf_gem_close(&a, h1);
	vc_close(&a);
}

static void a_vf_at_its_quota_leaves_the_others_theirs(void **state)
{
	struct vc_client a, b;
	uint32_t ha, hb;

	(void)state;
	vc_open(&a, VF0);
	vc_open(&b, VF1);
	assert_int_equal(vf_bo_create(&a, 16 * MiB, VNPU_BO_VRAM, &ha), 0);
	assert_int_equal(vf_get_param(&a, VNPU_PARAM_VRAM_FREE), 0);
	/* VF 1 still gets all of its quota, and VF 0's usage shows nowhere in VF 1 */
	assert_int_equal(vf_get_param(&b, VNPU_PARAM_VRAM_USED), 0);
	assert_int_equal(vf_bo_create(&b, 32 * MiB, VNPU_BO_VRAM, &hb), 0);
	assert_int_equal(vf_attr_u64(VF1, "vram_used"), 32 * MiB);
	vf_gem_close(&b, hb);
	vf_gem_close(&a, ha);
	vc_close(&a);
	vc_close(&b);
}

static void quota_cannot_change_while_the_vf_holds_vram(void **state)
{
	struct vc_client a;
	uint32_t h;

	(void)state;
	vc_open(&a, VF0);
	assert_int_equal(vf_bo_create(&a, 1 * MiB, VNPU_BO_VRAM, &h), 0);
	assert_int_equal(vf_attr_write(VF0, "vram_quota", "8388608\n"), -EBUSY);
	assert_int_equal(vf_attr_u64(VF0, "vram_quota"), 16 * MiB);
	vf_gem_close(&a, h);
	vc_close(&a);
}

static void new_quota_applies_to_the_next_allocation(void **state)
{
	struct vc_client a;
	uint32_t h;

	(void)state;
	vc_open(&a, VF0);
	assert_int_equal(vf_attr_write(VF0, "vram_quota", "8388608\n"), 8);
	assert_int_equal(vf_get_param(&a, VNPU_PARAM_VRAM_SIZE), 8 * MiB);
	assert_int_equal(vf_bo_create(&a, 12 * MiB, VNPU_BO_VRAM, &h), -ENOMEM);
	assert_int_equal(vf_attr_u64("vnpu.0", "vram_used"), 40 * MiB);
	assert_int_equal(vf_attr_write(VF0, "vram_quota", "16777216\n"), 9);
	assert_int_equal(vf_bo_create(&a, 12 * MiB, VNPU_BO_VRAM, &h), 0);
	vf_gem_close(&a, h);
	vc_close(&a);
}

static void quota_larger_than_the_free_pf_vram_is_enomem(void **state)
{
	(void)state;
	/* 256 MiB less VF 1's 32 MiB cannot hold 240 MiB */
	assert_int_equal(vf_attr_write(VF0, "vram_quota", "240M\n"), -EINVAL);
	assert_int_equal(vf_attr_write(VF0, "vram_quota", "251658240\n"), -ENOMEM);
	assert_int_equal(vf_attr_u64(VF0, "vram_quota"), 16 * MiB);
	assert_int_equal(vf_attr_u64("vnpu.0", "vram_used"), 48 * MiB);
}

static void submit_beyond_the_queue_limit_is_ebusy(void **state)
{
	struct vnpu_stream s = { .len = 0 };
	struct vc_client a;
	struct vc_bo gate;
	uint32_t ctx, out[5];
	int i;

	(void)state;
	vc_open(&a, VF0);
	ctx = (uint32_t)vc_ctx_create(&a, VNPU_ENGINE_DMA, 0);
	vc_bo_new(&a, &gate, 4096, 0);
	vc_store64(gate.p, 0);
	vc_sem_wait(&s, gate.va, 1, 0);
	for (i = 0; i < 4; i++) {
		out[i] = vc_syncobj(&a, 0);
		assert_int_equal(vc_submit_simple(&a, ctx, &s, out[i], -1), 0);
	}
	out[4] = vc_syncobj(&a, 0);
	assert_int_equal(vc_submit_simple(&a, ctx, &s, out[4], -1), -EBUSY);
	vc_store64(gate.p, 1);
	for (i = 0; i < 4; i++)
		vc_wait(&a, out[i], 0);
	vc_close(&a);
}

static void queue_limit_written_by_the_pf_applies(void **state)
{
	struct vc_client a;

	(void)state;
	vc_open(&a, VF1);
	assert_int_equal(vf_attr_write(VF1, "queue_limit", "16\n"), 3);
	assert_int_equal(vf_get_param(&a, VNPU_PARAM_QUEUE_DEPTH), 16);
	assert_int_equal(vf_attr_write(VF1, "queue_limit", "0\n"), -EINVAL);
	assert_int_equal(vf_attr_write(VF1, "queue_limit", "4\n"), 2);
	assert_int_equal(vf_get_param(&a, VNPU_PARAM_QUEUE_DEPTH), 4);
	vc_close(&a);
}

static void weight_accepts_one_to_a_thousand(void **state)
{
	(void)state;
	assert_int_equal(vf_attr_write(VF0, "weight", "0\n"), -EINVAL);
	assert_int_equal(vf_attr_write(VF0, "weight", "1001\n"), -EINVAL);
	assert_int_equal(vf_attr_write(VF0, "weight", "2\n"), 2);
	assert_int_equal(vf_attr_u64(VF0, "weight"), 2);
	assert_int_equal(vf_attr_write(VF0, "weight", "1\n"), 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(quotas_come_from_the_pf_configuration),
		cmocka_unit_test(vf_reports_only_its_own_resources),
		cmocka_unit_test(vf_quotas_are_carved_out_of_the_pf_vram),
		cmocka_unit_test(allocation_beyond_the_quota_is_enomem),
		cmocka_unit_test(a_vf_at_its_quota_leaves_the_others_theirs),
		cmocka_unit_test(quota_cannot_change_while_the_vf_holds_vram),
		cmocka_unit_test(new_quota_applies_to_the_next_allocation),
		cmocka_unit_test(quota_larger_than_the_free_pf_vram_is_enomem),
		cmocka_unit_test(submit_beyond_the_queue_limit_is_ebusy),
		cmocka_unit_test(queue_limit_written_by_the_pf_applies),
		cmocka_unit_test(weight_accepts_one_to_a_thousand),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
