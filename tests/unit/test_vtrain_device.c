// SPDX-License-Identifier: MIT
/*
 * vtrain's device ioctls on the embedded core: GET_PARAM answers from the configuration;
 * BO_CREATE rounds to 64 KiB and gives each object its own HBM range (BO_INFO's device
 * address), HBM_USED follows, and a request larger than HBM is -ENOMEM; SUBMIT runs a
 * stream through the scheduler (a layer forward pass equals the host reference), orders
 * jobs by in-syncobjs, fails a job whose operand lies outside the file's objects with
 * -EFAULT on its fence (the next job runs), and refuses an invalid stream at SUBMIT.
 */
#define _GNU_SOURCE
#include "vtrain_client.h"

#define VT0 "vtrain.0"
#define VT_CONFIG \
	"[vtrain.0]\ndriver = vtrain\nhbm_size = 256M\njob_timeout_ms = 2000\ncards = 2\n" \
	"card = 0\nlinks = mesh\ngroup = t\n" \
	"\n[vtrain.1]\ndriver = vtrain\nhbm_size = 256M\njob_timeout_ms = 2000\ncards = 2\n" \
	"card = 1\nlinks = mesh\ngroup = t\n"

static int group_setup(void **state)
{
	(void)state;
	return test_embedded_start("vtrain-device", VT_CONFIG);
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

static uint64_t param(struct vc_client *c, uint32_t p)
{
	struct drm_vtrain_get_param gp = { .param = p };

	assert_int_equal(vc_ioctl(c, DRM_IOCTL_VTRAIN_GET_PARAM, &gp), 0);
	return gp.value;
}

static void test_get_param_reports_configuration(void **state)
{
	struct drm_vtrain_get_param gp = { 0 };
	struct vc_client c, d;

	(void)state;
	vc_open(&c, VT0);
	vc_open(&d, "vtrain.1");
	assert_int_equal(param(&c, VTRAIN_PARAM_HBM_SIZE), 256ull << 20);
	assert_int_equal(param(&c, VTRAIN_PARAM_CARD_INDEX), 0);
	assert_int_equal(param(&d, VTRAIN_PARAM_CARD_INDEX), 1);
	assert_int_equal(param(&c, VTRAIN_PARAM_HOST_CARDS), 2);
	assert_int_equal(param(&c, VTRAIN_PARAM_LINKS), 1);
	assert_int_equal(param(&c, VTRAIN_PARAM_JOB_TIMEOUT_MS), 2000);
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VTRAIN_GET_PARAM, &gp), -EINVAL);
	gp.param = VTRAIN_PARAM_HBM_SIZE;
	gp.pad = 1;
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VTRAIN_GET_PARAM, &gp), -EINVAL);
	vc_close(&d);
	vc_close(&c);
}

static void test_bo_create_gives_distinct_hbm_ranges(void **state)
{
	struct drm_vtrain_bo_create big = { .size = (256ull << 20) + 1 }, bad = { .size = 1, .flags = 1 };
	struct drm_vtrain_bo_info none = { .handle = 999 };
	struct vc_client c;
	struct vt_bo a, b;
	uint64_t used0;

	(void)state;
	vc_open(&c, VT0);
	used0 = param(&c, VTRAIN_PARAM_HBM_USED);
	vt_bo_new(&c, &a, 1);
	vt_bo_new(&c, &b, 100000);
	assert_int_equal(a.size, 64 << 10);
	assert_int_equal(b.size, 128 << 10);
	assert_true(a.addr != 0 && b.addr != 0);
	assert_int_equal(a.addr % (64 << 10), 0);
	assert_true(a.addr + a.size <= b.addr || b.addr + b.size <= a.addr);
	assert_int_equal(param(&c, VTRAIN_PARAM_HBM_USED), used0 + a.size + b.size);
	for (uint64_t i = 0; i < a.size; i++)
		assert_int_equal(a.map[i], 0);
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VTRAIN_BO_CREATE, &big), -ENOMEM);
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VTRAIN_BO_CREATE, &bad), -EINVAL);
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VTRAIN_BO_INFO, &none), -ENOENT);
	vt_bo_free(&c, &a);
	vt_bo_free(&c, &b);
	assert_int_equal(param(&c, VTRAIN_PARAM_HBM_USED), used0);
	vc_close(&c);
}

/* Y = relu(X W + bias): X 4x8, W 8x3, through MATMUL(BIAS) and ACTIVATION. */
static void test_submit_layer_forward_matches_reference(void **state)
{
	enum { M = 4, K = 8, N = 3 };
	const uint64_t ox = 0, ow = 0x1000, ob = 0x2000, oy = 0x3000;
	struct vtrain_pkt_matmul mm = {
		.src_type = VTRAIN_DT_F32, .dst_type = VTRAIN_DT_F32, .m = M, .n = N, .k = K,
	};
	struct vtrain_pkt_activation act = { .act = VTRAIN_ACT_RELU, .count = M * N };
	struct vt_stream s = { .n = 0 };
	struct vc_client c;
	struct vt_bo bo;
	uint32_t out;

	(void)state;
	vc_open(&c, VT0);
	vt_bo_new(&c, &bo, 0x4000);
	for (int i = 0; i < M * K; i++)
		vt_f32(&bo, ox)[i] = (float)((i * 7) % 5 - 2);
	for (int i = 0; i < K * N; i++)
		vt_f32(&bo, ow)[i] = (float)((i * 3) % 7 - 3) / 2.0f;
	for (int i = 0; i < N; i++)
		vt_f32(&bo, ob)[i] = (float)i - 1.0f;
	mm.a = bo.addr + ox;
	mm.b = bo.addr + ow;
	mm.bias = bo.addr + ob;
	mm.c = bo.addr + oy;
	act.src = act.dst = bo.addr + oy;
	VT_EMIT(&s, VTRAIN_OP_MATMUL, VTRAIN_MATMUL_F_BIAS, mm);
	VT_EMIT(&s, VTRAIN_OP_ACTIVATION, 0, act);
	out = vc_syncobj(&c, 0);
	assert_int_equal(vt_submit(&c, &s, NULL, 0, out), 0);
	vc_wait(&c, out, 0);
	assert_int_equal(vc_fence_status(&c, out), 1);
	for (int i = 0; i < M; i++)
		for (int j = 0; j < N; j++) {
			float acc = vt_f32(&bo, ob)[j];

			for (int l = 0; l < K; l++)
				acc += vt_f32(&bo, ox)[i * K + l] * vt_f32(&bo, ow)[l * N + j];
			assert_float_equal(vt_f32(&bo, oy)[i * N + j], acc > 0 ? acc : 0, 1e-5);
		}
	vt_bo_free(&c, &bo);
	vc_close(&c);
}

/* Job B copies what job A filled: B names A's out-syncobj as its in-sync. */
static void test_in_sync_orders_jobs(void **state)
{
	struct vtrain_pkt_dma_fill fill = { .size = 4096, .pattern = 0x3f800000u };
	struct vtrain_pkt_dma_copy copy = { .size = 4096 };
	struct vt_stream a = { .n = 0 }, b = { .n = 0 };
	struct drm_vtrain_sync in = { 0 };
	struct vc_client c;
	uint32_t sa, sb;
	struct vt_bo bo;

	(void)state;
	vc_open(&c, VT0);
	vt_bo_new(&c, &bo, 0x10000);
	fill.dst = bo.addr;
	copy.src = bo.addr;
	copy.dst = bo.addr + 0x8000;
	VT_EMIT(&a, VTRAIN_OP_DMA_FILL, 0, fill);
	VT_EMIT(&b, VTRAIN_OP_DMA_COPY, 0, copy);
	sa = vc_syncobj(&c, 0);
	sb = vc_syncobj(&c, 0);
	in.handle = sa;
	assert_int_equal(vt_submit(&c, &a, NULL, 0, sa), 0);
	assert_int_equal(vt_submit(&c, &b, &in, 1, sb), 0);
	vc_wait(&c, sb, 0);
	for (int i = 0; i < 1024; i++)
		assert_float_equal(vt_f32(&bo, 0x8000)[i], 1.0f, 0);
	vt_bo_free(&c, &bo);
	vc_close(&c);
}

static void test_operand_outside_objects_fails_job_with_efault(void **state)
{
	struct vtrain_pkt_dma_fill fill = { .size = 8, .pattern = 7 };
	struct vt_stream bad = { .n = 0 }, good = { .n = 0 };
	struct vc_client c;
	uint32_t s1, s2;
	struct vt_bo bo;

	(void)state;
	vc_open(&c, VT0);
	vt_bo_new(&c, &bo, 0x10000);
	fill.dst = bo.addr + bo.size - 4; /* straddles the end */
	VT_EMIT(&bad, VTRAIN_OP_DMA_FILL, 0, fill);
	fill.dst = bo.addr;
	VT_EMIT(&good, VTRAIN_OP_DMA_FILL, 0, fill);
	s1 = vc_syncobj(&c, 0);
	s2 = vc_syncobj(&c, 0);
	assert_int_equal(vt_submit(&c, &bad, NULL, 0, s1), 0);
	assert_int_equal(vt_submit(&c, &good, NULL, 0, s2), 0);
	vc_wait(&c, s2, 0);
	assert_int_equal(vc_fence_status(&c, s1), -EFAULT);
	assert_int_equal(vc_fence_status(&c, s2), 1);
	assert_int_equal(((uint32_t *)bo.map)[1], 7);
	vt_bo_free(&c, &bo);
	vc_close(&c);
}

static void test_object_of_another_file_is_not_addressable(void **state)
{
	struct vtrain_pkt_dma_fill fill = { .size = 8, .pattern = 7 };
	struct vt_stream s = { .n = 0 };
	struct vc_client c, other;
	struct vt_bo bo, mine;
	uint32_t out;

	(void)state;
	vc_open(&c, VT0);
	vc_open(&other, VT0);
	vt_bo_new(&other, &bo, 0x10000);
	vt_bo_new(&c, &mine, 0x10000);
	fill.dst = bo.addr;
	VT_EMIT(&s, VTRAIN_OP_DMA_FILL, 0, fill);
	out = vc_syncobj(&c, 0);
	assert_int_equal(vt_submit(&c, &s, NULL, 0, out), 0);
	vc_wait(&c, out, 0);
	assert_int_equal(vc_fence_status(&c, out), -EFAULT);
	assert_int_equal(((uint32_t *)bo.map)[0], 0);
	vt_bo_free(&c, &mine);
	vt_bo_free(&other, &bo);
	vc_close(&other);
	vc_close(&c);
}

static void test_invalid_stream_refused_at_submit(void **state)
{
	struct vtrain_pkt_dma_fill fill = { .size = 6, .pattern = 7 }; /* not a multiple of 4 */
	struct vt_stream s = { .n = 0 };
	struct vc_client c;
	struct vt_bo bo;

	(void)state;
	vc_open(&c, VT0);
	vt_bo_new(&c, &bo, 0x10000);
	fill.dst = bo.addr;
	VT_EMIT(&s, VTRAIN_OP_DMA_FILL, 0, fill);
	assert_int_equal(vt_submit(&c, &s, NULL, 0, 0), -EINVAL);
	vt_bo_free(&c, &bo);
	vc_close(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_get_param_reports_configuration),
		cmocka_unit_test(test_bo_create_gives_distinct_hbm_ranges),
		cmocka_unit_test(test_submit_layer_forward_matches_reference),
		cmocka_unit_test(test_in_sync_orders_jobs),
		cmocka_unit_test(test_operand_outside_objects_fails_job_with_efault),
		cmocka_unit_test(test_object_of_another_file_is_not_addressable),
		cmocka_unit_test(test_invalid_stream_refused_at_submit),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
