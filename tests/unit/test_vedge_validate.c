// SPDX-License-Identifier: MIT
/*
 * vedge's stream checker, rule by rule: each test submits a stream (or SUBMIT arguments) that
 * breaks one rule of include/uapi/drm/vedge_accel.h and expects -EINVAL (-ENOSPC for a
 * DMA-less job whose regions exceed the SRAM), with nothing run: the output object keeps its
 * poison and the device's job count does not move. The valid base stream runs, so that every
 * refusal is the rule's and not the base's.
 */
#define _GNU_SOURCE
#include "vedge_client.h"

#define POISON 0x5a

struct fixture {
	struct vc_client c, nodma;
	struct ve_bo in, out, nin, nout;
};

static struct fixture fx;

static int group_setup(void **state)
{
	(void)state;
	return test_embedded_start("vedge-validate", VE_CONFIG);
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

static int test_setup(void **state)
{
	(void)state;
	vc_open(&fx.c, VE_DMA);
	vc_open(&fx.nodma, VE_NODMA);
	ve_bo_new(&fx.c, &fx.in, 4096);
	ve_bo_new(&fx.c, &fx.out, 4096);
	ve_bo_new(&fx.nodma, &fx.nin, 4096);
	ve_bo_new(&fx.nodma, &fx.nout, 4096);
	memset(fx.in.map, 1, 4096);
	memset(fx.out.map, POISON, 4096);
	memset(fx.nin.map, 1, 4096);
	memset(fx.nout.map, POISON, 4096);
	return 0;
}

static int test_teardown(void **state)
{
	(void)state;
	ve_bo_free(&fx.c, &fx.in);
	ve_bo_free(&fx.c, &fx.out);
	ve_bo_free(&fx.nodma, &fx.nin);
	ve_bo_free(&fx.nodma, &fx.nout);
	vc_close(&fx.c);
	vc_close(&fx.nodma);
	return 0;
}

/* Region 0: inputs (read-only, 4096); region 1: outputs (writable, 4096). */
static void std_regions(struct ve_job *j, const struct ve_bo *in, const struct ve_bo *out)
{
	ve_region(j, in, 0, 4096, 0);
	ve_region(j, out, 0, 4096, VEDGE_REGION_F_WRITE);
}

/*
 * The base: a 1x1 conv of a 4x4x2 map into 4x4x2; weights at 256 (4 bytes), scales at 512.
 * The test's changes come between the state and the operation.
 */
static void base_state(struct ve_stream *s)
{
	struct vedge_scale_entry *e = (struct vedge_scale_entry *)(fx.in.map + 512);

	for (int i = 0; i < 2; i++)
		e[i] = (struct vedge_scale_entry){ 0, 1 << 30, 0 };
	memcpy(fx.nin.map + 512, e, 2 * sizeof(*e));
	ve_fm(s, VEDGE_SET_IFM_REGION, 0, 0, 4, 4, 2, 0);
	ve_fm(s, VEDGE_SET_OFM_REGION, 1, 0, 4, 4, 2, 0);
	ve_set(s, VEDGE_SET_WEIGHT_OFFSET, 256);
	ve_set(s, VEDGE_SET_WEIGHT_LENGTH, 4);
	ve_set(s, VEDGE_SET_SCALE_OFFSET, 512);
	ve_set(s, VEDGE_SET_SCALE_LENGTH, 2 * sizeof(struct vedge_scale_entry));
}

static void base_end(struct ve_stream *s)
{
	ve_set(s, VEDGE_OP_CONV2D, 0);
	ve_set(s, VEDGE_CMD_STOP, 0);
}

static bool untouched(const struct ve_bo *bo)
{
	for (uint64_t i = 0; i < bo->size; i++)
		if (bo->map[i] != POISON)
			return false;
	return true;
}

/* Submit @s on the DMA device with the standard regions: the errno, nothing run. */
static int submit_dma(const struct ve_stream *s)
{
	struct ve_job j = { .nr_regions = 0 };
	uint64_t done = vc_sysfs_u64(VE_DMA, "jobs_done");
	int ret;

	std_regions(&j, &fx.in, &fx.out);
	ret = ve_submit(&fx.c, s, &j);
	if (ret) {
		assert_true(untouched(&fx.out));
		assert_int_equal(vc_sysfs_u64(VE_DMA, "jobs_done"), done);
	}
	return ret;
}

static int submit_nodma(const struct ve_stream *s)
{
	struct ve_job j = { .nr_regions = 0 };
	int ret;

	std_regions(&j, &fx.nin, &fx.nout);
	ret = ve_submit(&fx.nodma, s, &j);
	if (ret)
		assert_true(untouched(&fx.nout));
	return ret;
}

/* Expect -EINVAL for the base with @cmds inserted before the operation. */
static void expect_einval_with(const struct vedge_cmd *cmds, unsigned int n)
{
	struct ve_stream s = { .n = 0 };

	base_state(&s);
	for (unsigned int i = 0; i < n; i++)
		ve_cmd(&s, cmds[i].opcode, cmds[i].param, cmds[i].value);
	base_end(&s);
	assert_int_equal(submit_dma(&s), -EINVAL);
}

#define EXPECT_EINVAL(...) do { \
	const struct vedge_cmd _c[] = { __VA_ARGS__ }; \
	expect_einval_with(_c, sizeof(_c) / sizeof(_c[0])); \
} while (0)

static void test_base_stream_runs(void **state)
{
	struct ve_stream s = { .n = 0 };
	struct ve_job j = { .nr_regions = 0 };

	(void)state;
	base_state(&s);
	base_end(&s);
	std_regions(&j, &fx.in, &fx.out);
	assert_int_equal(ve_run(&fx.c, &s, &j), 1);
	assert_false(untouched(&fx.out));
	memset(&j, 0, sizeof(j));
	std_regions(&j, &fx.nin, &fx.nout);
	assert_int_equal(ve_run(&fx.nodma, &s, &j), 1);
	assert_memory_equal(fx.out.map, fx.nout.map, 32);
}

static void test_unknown_opcode(void **state)
{
	(void)state;
	EXPECT_EINVAL({ 0x7f, 0, 0 });
	EXPECT_EINVAL({ 0x8a, 0, 0 });
	EXPECT_EINVAL({ 0x19, 0, 0 }); /* past the IFM block's SCALE */
}

static void test_nonzero_param_of_set(void **state)
{
	(void)state;
	EXPECT_EINVAL({ VEDGE_SET_IFM_OFFSET, 1, 0 });
	EXPECT_EINVAL({ VEDGE_SET_KERNEL_HEIGHT, 1, 1 });
}

static void test_nonzero_fields_of_operation_and_nop(void **state)
{
	struct ve_stream s = { .n = 0 };

	(void)state;
	EXPECT_EINVAL({ VEDGE_CMD_NOP, 0, 1 });
	EXPECT_EINVAL({ VEDGE_CMD_NOP, 1, 0 });
	base_state(&s);
	ve_cmd(&s, VEDGE_OP_CONV2D, 0, 1);
	assert_int_equal(submit_dma(&s), -EINVAL);
	s.n = 0;
	base_state(&s);
	ve_cmd(&s, VEDGE_OP_CONV2D, 1, 0);
	assert_int_equal(submit_dma(&s), -EINVAL);
	s.n = 0;
	base_state(&s);
	ve_cmd(&s, VEDGE_CMD_STOP, 0, 1);
	assert_int_equal(submit_dma(&s), -EINVAL);
}

static void test_register_values_out_of_range(void **state)
{
	(void)state;
	EXPECT_EINVAL({ VEDGE_SET_IFM_HEIGHT, 0, 0 });
	EXPECT_EINVAL({ VEDGE_SET_OFM_DEPTH, 0, 65536 });
	EXPECT_EINVAL({ VEDGE_SET_KERNEL_WIDTH, 0, 256 });
	EXPECT_EINVAL({ VEDGE_SET_STRIDE_Y, 0, 16 });
	EXPECT_EINVAL({ VEDGE_SET_DILATION_X, 0, 0 });
	EXPECT_EINVAL({ VEDGE_SET_PAD_TOP, 0, 128 });
	EXPECT_EINVAL({ VEDGE_SET_IFM_ZERO_POINT, 0, 128 });
	EXPECT_EINVAL({ VEDGE_SET_OFM_ZERO_POINT, 0, (uint32_t)-129 });
	EXPECT_EINVAL({ VEDGE_SET_IFM_SCALE, 0, (1u << 30) - 1 });
	EXPECT_EINVAL({ VEDGE_SET_IFM_SCALE, 0, 0x80000000u });
	EXPECT_EINVAL({ VEDGE_SET_OFM_SCALE, 32, 1u << 30 });
	EXPECT_EINVAL({ VEDGE_SET_OFM_SCALE, (uint16_t)-32, 1u << 30 });
	EXPECT_EINVAL({ VEDGE_SET_ACT_MIN, 0, 200 });
	EXPECT_EINVAL({ VEDGE_SET_ACT_LUT, 0, 2 });
	EXPECT_EINVAL({ VEDGE_SET_IFM_REGION, 0, VEDGE_MAX_REGIONS });
}

static void test_ofm_shape_must_follow_window(void **state)
{
	(void)state;
	EXPECT_EINVAL({ VEDGE_SET_OFM_HEIGHT, 0, 3 });
	EXPECT_EINVAL({ VEDGE_SET_KERNEL_HEIGHT, 0, 3 }); /* 4x4 needs OFM 2 rows now */
	EXPECT_EINVAL({ VEDGE_SET_KERNEL_HEIGHT, 0, 5 }, { VEDGE_SET_OFM_HEIGHT, 0, 1 });
}

static void test_padding_must_be_inside_kernel(void **state)
{
	(void)state;
	/* 1x1 kernel: any padding reaches past it. */
	EXPECT_EINVAL({ VEDGE_SET_PAD_LEFT, 0, 1 }, { VEDGE_SET_PAD_RIGHT, 0, 1 },
		      { VEDGE_SET_OFM_WIDTH, 0, 6 });
}

static void test_operand_outside_region(void **state)
{
	(void)state;
	EXPECT_EINVAL({ VEDGE_SET_IFM_OFFSET, 0, 4096 - 31 });	/* 32 bytes don't fit */
	EXPECT_EINVAL({ VEDGE_SET_IFM_OFFSET, 0, 0xffffffffu });
	EXPECT_EINVAL({ VEDGE_SET_SCALE_OFFSET, 0, 4096 - 23 });
	EXPECT_EINVAL({ VEDGE_SET_OFM_STRIDE_Y, 0, 2000 });	/* 3 rows of 2000 */
}

static void test_region_not_in_job(void **state)
{
	(void)state;
	EXPECT_EINVAL({ VEDGE_SET_IFM_REGION, 0, 2 });
	EXPECT_EINVAL({ VEDGE_SET_WEIGHT_REGION, 0, 15 });
}

static void test_write_to_read_only_region(void **state)
{
	(void)state;
	EXPECT_EINVAL({ VEDGE_SET_OFM_REGION, 0, 0 }, { VEDGE_SET_OFM_OFFSET, 0, 1024 });
}

static void test_ofm_overlapping_input(void **state)
{
	(void)state;
	/* All in the writable region 1: OFM over the IFM, then over the weights. */
	EXPECT_EINVAL({ VEDGE_SET_IFM_REGION, 0, 1 }, { VEDGE_SET_OFM_OFFSET, 0, 31 });
	EXPECT_EINVAL({ VEDGE_SET_WEIGHT_REGION, 0, 1 }, { VEDGE_SET_WEIGHT_OFFSET, 0, 30 });
}

static void test_weight_and_scale_lengths_exact(void **state)
{
	(void)state;
	EXPECT_EINVAL({ VEDGE_SET_WEIGHT_LENGTH, 0, 5 });
	EXPECT_EINVAL({ VEDGE_SET_SCALE_LENGTH, 0, 12 });
}

static void test_strides_smaller_than_data(void **state)
{
	(void)state;
	EXPECT_EINVAL({ VEDGE_SET_IFM_STRIDE_X, 0, 1 });
	EXPECT_EINVAL({ VEDGE_SET_OFM_STRIDE_Y, 0, 7 });
}

static void test_clamp_order(void **state)
{
	(void)state;
	EXPECT_EINVAL({ VEDGE_SET_ACT_MIN, 0, 10 }, { VEDGE_SET_ACT_MAX, 0, 9 });
}

static void test_sram_use_within_size(void **state)
{
	(void)state;
	/* The DMA device's whole SRAM (512 KiB) is scratch; a map past its end is refused. */
	EXPECT_EINVAL({ VEDGE_SET_IFM_REGION, 0, VEDGE_REGION_SRAM },
		      { VEDGE_SET_IFM_OFFSET, 0, (512u << 10) - 16 });
}

static void test_dma_commands_rejected_without_dma(void **state)
{
	struct ve_stream s = { .n = 0 };
	struct ve_job j = { .nr_regions = 0 };

	(void)state;
	base_state(&s);
	base_end(&s);
	std_regions(&j, &fx.nin, &fx.nout);
	assert_int_equal(ve_run(&fx.nodma, &s, &j), 1); /* the base is fine there */
	memset(fx.nout.map, POISON, fx.nout.size);
	s.n = 0;
	ve_set(&s, VEDGE_SET_DMA_LENGTH, 16);
	assert_int_equal(submit_nodma(&s), -EINVAL);
	s.n = 0;
	ve_set(&s, VEDGE_OP_DMA_COPY, 0);
	assert_int_equal(submit_nodma(&s), -EINVAL);
}

static void test_dma_copy_rules(void **state)
{
	struct ve_stream s = { .n = 0 };

	(void)state;
	ve_set(&s, VEDGE_OP_DMA_COPY, 0); /* LENGTH 0 */
	assert_int_equal(submit_dma(&s), -EINVAL);
	s.n = 0;
	ve_set(&s, VEDGE_SET_DMA_SRC_REGION, 1);
	ve_set(&s, VEDGE_SET_DMA_DST_REGION, 1);
	ve_set(&s, VEDGE_SET_DMA_DST_OFFSET, 8);
	ve_set(&s, VEDGE_SET_DMA_LENGTH, 16); /* overlapping itself */
	ve_set(&s, VEDGE_OP_DMA_COPY, 0);
	assert_int_equal(submit_dma(&s), -EINVAL);
	s.n = 0;
	ve_set(&s, VEDGE_SET_DMA_DST_REGION, 0); /* read-only destination */
	ve_set(&s, VEDGE_SET_DMA_DST_OFFSET, 64);
	ve_set(&s, VEDGE_SET_DMA_LENGTH, 16);
	ve_set(&s, VEDGE_OP_DMA_COPY, 0);
	assert_int_equal(submit_dma(&s), -EINVAL);
	s.n = 0;
	ve_set(&s, VEDGE_SET_DMA_DST_REGION, 1);
	ve_set(&s, VEDGE_SET_DMA_LENGTH, 16);
	ve_set(&s, VEDGE_SET_DMA_ROWS, 0);
	assert_int_equal(submit_dma(&s), -EINVAL);
}

static void test_lut_used_before_loaded(void **state)
{
	struct ve_stream s = { .n = 0 };

	(void)state;
	EXPECT_EINVAL({ VEDGE_SET_ACT_LUT, 0, 1 });
	ve_fm(&s, VEDGE_SET_IFM_REGION, 0, 0, 1, 1, 16, 0);
	ve_fm(&s, VEDGE_SET_OFM_REGION, 1, 0, 1, 1, 16, 0);
	ve_set(&s, VEDGE_OP_LUT, 0);
	assert_int_equal(submit_dma(&s), -EINVAL);
}

static void test_elementwise_shapes(void **state)
{
	struct ve_stream s = { .n = 0 };

	(void)state;
	ve_fm(&s, VEDGE_SET_IFM_REGION, 0, 0, 2, 2, 4, 0);
	ve_fm(&s, VEDGE_SET_IFM2_REGION, 0, 64, 1, 2, 4, 0); /* neither full, per-channel nor scalar */
	ve_fm(&s, VEDGE_SET_OFM_REGION, 1, 0, 2, 2, 4, 0);
	ve_set(&s, VEDGE_OP_ADD, 0);
	assert_int_equal(submit_dma(&s), -EINVAL);
}

static void test_submit_arguments(void **state)
{
	struct ve_stream s = { .n = 0 };
	struct ve_job j = { .nr_regions = 0 };
	struct drm_vedge_submit sub = { 0 };

	(void)state;
	base_state(&s);
	base_end(&s);
	/* Region flags, size 0, outside the object, aliasing a writable region. */
	ve_region(&j, &fx.in, 0, 4096, 2);
	assert_int_equal(ve_submit(&fx.c, &s, &j), -EINVAL);
	j.nr_regions = 0;
	ve_region(&j, &fx.in, 0, 0, 0);
	assert_int_equal(ve_submit(&fx.c, &s, &j), -EINVAL);
	j.nr_regions = 0;
	ve_region(&j, &fx.in, 4096 - 8, 16, 0);
	assert_int_equal(ve_submit(&fx.c, &s, &j), -EINVAL);
	j.nr_regions = 0;
	ve_region(&j, &fx.out, 0, 2048, 0);
	ve_region(&j, &fx.out, 1024, 2048, VEDGE_REGION_F_WRITE);
	assert_int_equal(ve_submit(&fx.c, &s, &j), -EINVAL);
	j.nr_regions = 0;
	ve_region(&j, &fx.in, 0, 4096, 0);
	j.region[1] = (struct drm_vedge_region){ 999, VEDGE_REGION_F_WRITE, 0, 16 };
	j.nr_regions = 2;
	assert_int_equal(ve_submit(&fx.c, &s, &j), -ENOENT);
	/* The ioctl's own fields. */
	sub.cmd_handle = fx.in.handle;
	sub.cmd_size = 8;
	sub.flags = 1;
	assert_int_equal(vc_ioctl(&fx.c, DRM_IOCTL_VEDGE_SUBMIT, &sub), -EINVAL);
	sub.flags = 0;
	sub.pad = 1;
	assert_int_equal(vc_ioctl(&fx.c, DRM_IOCTL_VEDGE_SUBMIT, &sub), -EINVAL);
	sub.pad = 0;
	sub.cmd_size = 12;
	assert_int_equal(vc_ioctl(&fx.c, DRM_IOCTL_VEDGE_SUBMIT, &sub), -EINVAL);
	sub.cmd_size = 0;
	assert_int_equal(vc_ioctl(&fx.c, DRM_IOCTL_VEDGE_SUBMIT, &sub), -EINVAL);
	sub.cmd_size = 8;
	sub.cmd_offset = 4096;
	assert_int_equal(vc_ioctl(&fx.c, DRM_IOCTL_VEDGE_SUBMIT, &sub), -EINVAL);
	sub.cmd_offset = 4;
	assert_int_equal(vc_ioctl(&fx.c, DRM_IOCTL_VEDGE_SUBMIT, &sub), -EINVAL);
	sub.cmd_offset = 0;
	sub.region_count = VEDGE_MAX_REGIONS + 1;
	assert_int_equal(vc_ioctl(&fx.c, DRM_IOCTL_VEDGE_SUBMIT, &sub), -EINVAL);
	assert_true(untouched(&fx.out));
}

static void test_commands_after_stop_are_not_checked(void **state)
{
	struct ve_stream s = { .n = 0 };

	(void)state;
	base_state(&s);
	base_end(&s);
	ve_cmd(&s, 0x7f, 7, 7);
	assert_int_equal(submit_dma(&s), 0);
}

/* Without DMA the regions and the stream must fit the SRAM (64 KiB in this configuration). */
static void test_dmaless_regions_exceeding_sram_enospc(void **state)
{
	struct ve_stream s = { .n = 0 };
	struct ve_job j = { .nr_regions = 0 };
	struct ve_bo big;

	(void)state;
	ve_bo_new(&fx.nodma, &big, 64 << 10);
	memset(big.map, POISON, big.size);
	base_state(&s);
	base_end(&s);
	ve_region(&j, &fx.nin, 0, 4096, 0);
	ve_region(&j, &big, 0, 64 << 10, VEDGE_REGION_F_WRITE);
	assert_int_equal(ve_submit(&fx.nodma, &s, &j), -ENOSPC);
	assert_true(untouched(&big));
	/* The same regions fit the DMA device: no SRAM copy there. */
	ve_bo_free(&fx.nodma, &big);
	/* A region that fits with room to spare is accepted. */
	j.nr_regions = 0;
	std_regions(&j, &fx.nin, &fx.nout);
	assert_int_equal(ve_submit(&fx.nodma, &s, &j), 0);
}

/* SRAM scratch of a DMA-less job is what the copies leave: a map past it is refused. */
static void test_dmaless_scratch_is_what_copies_leave(void **state)
{
	struct ve_stream s = { .n = 0 };

	(void)state;
	base_state(&s);
	ve_set(&s, VEDGE_SET_IFM_REGION, VEDGE_REGION_SRAM);
	/* 64 KiB SRAM less two 4 KiB regions and the stream: 60 KiB is past the scratch. */
	ve_set(&s, VEDGE_SET_IFM_OFFSET, 60 << 10);
	base_end(&s);
	assert_int_equal(submit_nodma(&s), -EINVAL);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, test_setup, test_teardown)
	const struct CMUnitTest tests[] = {
		T(test_base_stream_runs),
		T(test_unknown_opcode),
		T(test_nonzero_param_of_set),
		T(test_nonzero_fields_of_operation_and_nop),
		T(test_register_values_out_of_range),
		T(test_ofm_shape_must_follow_window),
		T(test_padding_must_be_inside_kernel),
		T(test_operand_outside_region),
		T(test_region_not_in_job),
		T(test_write_to_read_only_region),
		T(test_ofm_overlapping_input),
		T(test_weight_and_scale_lengths_exact),
		T(test_strides_smaller_than_data),
		T(test_clamp_order),
		T(test_sram_use_within_size),
		T(test_dma_commands_rejected_without_dma),
		T(test_dma_copy_rules),
		T(test_lut_used_before_loaded),
		T(test_elementwise_shapes),
		T(test_submit_arguments),
		T(test_commands_after_stop_are_not_checked),
		T(test_dmaless_regions_exceeding_sram_enospc),
		T(test_dmaless_scratch_is_what_copies_leave),
	};
#undef T

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
