// SPDX-License-Identifier: MIT
/*
 * vedge jobs through the driver (libaccel ioctls on the embedded core): a conv, a pooling
 * and an elementwise job write what a direct call of the int8 operations (vedge_ops.h)
 * writes for the same inputs; the DMA-less device gives the same bytes as the DMA one, and
 * a lookup table, a DMA copy through SRAM and a stream using the SRAM scratch work; objects
 * are busy while their job runs (BO_INFO, BO_WAIT); in-syncobjs order jobs; fdinfo counts
 * the client's NPU time; closing a file with jobs in flight leaks nothing.
 */
#define _GNU_SOURCE
#include "vedge_client.h"

#include <accel/drm_gem.h>
#include "drivers/vedge/vedge_ops.h"

static uint64_t rng;

static int group_setup(void **state)
{
	(void)state;
	rng = vc_seed();
	return test_embedded_start("vedge-jobs", VE_CONFIG);
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

static void fill_random(void *p, size_t n)
{
	uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		b[i] = (uint8_t)xorshift64s(&rng);
}

static void fill_scales(struct vedge_scale_entry *e, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		e[i].bias = (int32_t)(xorshift64s(&rng) % 2001) - 1000;
		e[i].multiplier = (int32_t)((1u << 30) + (uint32_t)(xorshift64s(&rng) % (1u << 30)));
		e[i].shift = -(int32_t)(xorshift64s(&rng) % 8);
	}
}

/* Layout of the conv job's input object (region 0) and output object (region 1). */
#define CV_H 9
#define CV_W 7
#define CV_CI 5
#define CV_CO 6
#define CV_IFM_OFF 0
#define CV_W_OFF 512
#define CV_S_OFF 2048
#define CV_OFM_BYTES (CV_H * CV_W * CV_CO)

static void conv_stream(struct ve_stream *s)
{
	ve_fm(s, VEDGE_SET_IFM_REGION, 0, CV_IFM_OFF, CV_H, CV_W, CV_CI, -3);
	ve_fm(s, VEDGE_SET_OFM_REGION, 1, 0, CV_H, CV_W, CV_CO, 5);
	ve_set(s, VEDGE_SET_KERNEL_HEIGHT, 3);
	ve_set(s, VEDGE_SET_KERNEL_WIDTH, 3);
	ve_set(s, VEDGE_SET_PAD_TOP, 1);
	ve_set(s, VEDGE_SET_PAD_BOTTOM, 1);
	ve_set(s, VEDGE_SET_PAD_LEFT, 1);
	ve_set(s, VEDGE_SET_PAD_RIGHT, 1);
	ve_set(s, VEDGE_SET_WEIGHT_REGION, 0);
	ve_set(s, VEDGE_SET_WEIGHT_OFFSET, CV_W_OFF);
	ve_set(s, VEDGE_SET_WEIGHT_LENGTH, CV_CO * 9 * CV_CI);
	ve_set(s, VEDGE_SET_SCALE_REGION, 0);
	ve_set(s, VEDGE_SET_SCALE_OFFSET, CV_S_OFF);
	ve_set(s, VEDGE_SET_SCALE_LENGTH, CV_CO * sizeof(struct vedge_scale_entry));
	ve_set(s, VEDGE_SET_ACT_MIN, (uint32_t)-100);
	ve_set(s, VEDGE_SET_ACT_MAX, 110);
	ve_set(s, VEDGE_OP_CONV2D, 0);
	ve_set(s, VEDGE_CMD_STOP, 0);
}

/* The same conv by a direct call of the operation. */
static void conv_reference(const uint8_t *in, int8_t *out)
{
	struct vedge_fmap ifm = { (int8_t *)in + CV_IFM_OFF, CV_H, CV_W, CV_CI, CV_W * CV_CI, CV_CI,
				  -3, 1 << 30, 1 };
	struct vedge_fmap ofm = { out, CV_H, CV_W, CV_CO, CV_W * CV_CO, CV_CO, 5, 1 << 30, 1 };
	struct vedge_window win = { 3, 3, 1, 1, 1, 1, 1, 1, 1, 1 };
	struct vedge_act act = { -100, 110, NULL };

	assert_int_equal(vedge_op_conv2d(&ifm, &ofm, &win, (const int8_t *)in + CV_W_OFF,
					 (const struct vedge_scale_entry *)(in + CV_S_OFF), &act), 0);
}

/* Run the conv job on @pdev with inputs @in (4 KiB); its output into @out. */
static void conv_on(const char *pdev, const uint8_t *in, int8_t *out)
{
	struct vc_client c;
	struct ve_bo bin, bout;
	struct ve_stream s = { .n = 0 };
	struct ve_job j = { .nr_regions = 0 };

	vc_open(&c, pdev);
	ve_bo_new(&c, &bin, 4096);
	ve_bo_new(&c, &bout, 4096);
	memcpy(bin.map, in, 4096);
	memset(bout.map, 0x55, 4096);
	conv_stream(&s);
	ve_region(&j, &bin, 0, 4096, 0);
	ve_region(&j, &bout, 0, CV_OFM_BYTES, VEDGE_REGION_F_WRITE);
	assert_int_equal(ve_run(&c, &s, &j), 1);
	memcpy(out, bout.map, CV_OFM_BYTES);
	/* Nothing past the region was written. */
	for (unsigned int i = CV_OFM_BYTES; i < 4096; i++)
		assert_int_equal(bout.map[i], 0x55);
	ve_bo_free(&c, &bin);
	ve_bo_free(&c, &bout);
	vc_close(&c);
}

static void conv_inputs(uint8_t *in)
{
	memset(in, 0, 4096);
	fill_random(in + CV_IFM_OFF, CV_H * CV_W * CV_CI);
	fill_random(in + CV_W_OFF, CV_CO * 9 * CV_CI);
	fill_scales((struct vedge_scale_entry *)(in + CV_S_OFF), CV_CO);
}

/* A conv job on the DMA device writes what vedge_op_conv2d() writes. */
static void test_conv_job_matches_direct_call(void **state)
{
	uint8_t in[4096];
	int8_t got[CV_OFM_BYTES], want[CV_OFM_BYTES];

	(void)state;
	conv_inputs(in);
	conv_on(VE_DMA, in, got);
	conv_reference(in, want);
	assert_memory_equal(got, want, sizeof(want));
}

/* The DMA-less device (PIO copies through the SRAM window) gives the same bytes. */
static void test_dmaless_job_matches_dma_job(void **state)
{
	uint8_t in[4096];
	int8_t dma[CV_OFM_BYTES], pio[CV_OFM_BYTES];

	(void)state;
	conv_inputs(in);
	conv_on(VE_DMA, in, dma);
	conv_on(VE_NODMA, in, pio);
	assert_memory_equal(dma, pio, sizeof(dma));
	assert_true(vc_sysfs_u64(VE_NODMA, "pio_bytes") > 0);
}

/* MAXPOOL 2x2/2 then ADD with a per-channel IFM2, one stream, against direct calls. */
static void test_pool_add_job_matches_direct_calls(void **state)
{
	enum { H = 6, W = 8, C = 3, OH = 3, OW = 4 };
	struct vc_client c;
	struct ve_bo b;
	struct ve_stream s = { .n = 0 };
	struct ve_job j = { .nr_regions = 0 };
	int8_t in[H * W * C], bias[C], pooled[OH * OW * C], want[OH * OW * C];
	struct vedge_fmap ifm = { in, H, W, C, W * C, C, 0, 1 << 30, 1 };
	struct vedge_fmap pm = { pooled, OH, OW, C, OW * C, C, 0, 1 << 30, 1 };
	struct vedge_fmap add_a = { pooled, OH, OW, C, OW * C, C, 2, 1 << 30, 0 };
	struct vedge_fmap add_b = { bias, 1, 1, C, C, C, -1, 1 << 30, 0 };
	struct vedge_fmap out = { want, OH, OW, C, OW * C, C, 3, 1 << 30, -19 };
	struct vedge_window win = { 2, 2, 2, 2, 1, 1, 0, 0, 0, 0 };
	struct vedge_act act = { -128, 127, NULL };

	(void)state;
	fill_random(in, sizeof(in));
	fill_random(bias, sizeof(bias));
	assert_int_equal(vedge_op_maxpool(&ifm, &pm, &win, &act), 0);
	assert_int_equal(vedge_op_add(&add_a, &add_b, &out, &act), 0);

	vc_open(&c, VE_DMA);
	ve_bo_new(&c, &b, 4096);
	memcpy(b.map, in, sizeof(in));
	memcpy(b.map + 256, bias, sizeof(bias));
	/* Region 0: inputs (read-only); region 1: the pooled map; region 2: the sum. */
	ve_region(&j, &b, 0, 512, 0);
	ve_region(&j, &b, 1024, 512, VEDGE_REGION_F_WRITE);
	ve_region(&j, &b, 2048, 512, VEDGE_REGION_F_WRITE);
	ve_fm(&s, VEDGE_SET_IFM_REGION, 0, 0, H, W, C, 0);
	ve_fm(&s, VEDGE_SET_OFM_REGION, 1, 0, OH, OW, C, 0);
	ve_set(&s, VEDGE_SET_KERNEL_HEIGHT, 2);
	ve_set(&s, VEDGE_SET_KERNEL_WIDTH, 2);
	ve_set(&s, VEDGE_SET_STRIDE_Y, 2);
	ve_set(&s, VEDGE_SET_STRIDE_X, 2);
	ve_set(&s, VEDGE_OP_MAXPOOL, 0);
	ve_fm(&s, VEDGE_SET_IFM_REGION, 1, 0, OH, OW, C, 2);
	ve_scale(&s, VEDGE_SET_IFM_REGION, 1 << 30, 0);
	ve_fm(&s, VEDGE_SET_IFM2_REGION, 0, 256, 1, 1, C, -1);
	ve_scale(&s, VEDGE_SET_IFM2_REGION, 1 << 30, 0);
	ve_fm(&s, VEDGE_SET_OFM_REGION, 2, 0, OH, OW, C, 3);
	ve_scale(&s, VEDGE_SET_OFM_REGION, 1 << 30, -19);
	ve_set(&s, VEDGE_OP_ADD, 0);
	assert_int_equal(ve_run(&c, &s, &j), 1);
	assert_memory_equal(b.map + 1024, pooled, sizeof(pooled));
	assert_memory_equal(b.map + 2048, want, sizeof(want));
	ve_bo_free(&c, &b);
	vc_close(&c);
}

/* LUT_LOAD then an elementwise LUT, through SRAM scratch via DMA_COPY (DMA device). */
static void test_lut_through_sram_scratch(void **state)
{
	enum { N = 200 };
	struct vc_client c;
	struct ve_bo b;
	struct ve_stream s = { .n = 0 };
	struct ve_job j = { .nr_regions = 0 };

	(void)state;
	vc_open(&c, VE_DMA);
	ve_bo_new(&c, &b, 4096);
	fill_random(b.map, N);
	for (int i = 0; i < 256; i++)
		b.map[1024 + i] = (uint8_t)~(i - 128); /* lut[q + 128] = ~q = -q - 1 */
	ve_region(&j, &b, 0, 2048, 0);
	ve_region(&j, &b, 2048, 2048, VEDGE_REGION_F_WRITE);
	/* Input to SRAM by DMA, LUT from SRAM into region 1. */
	ve_set(&s, VEDGE_SET_DMA_SRC_REGION, 0);
	ve_set(&s, VEDGE_SET_DMA_DST_REGION, VEDGE_REGION_SRAM);
	ve_set(&s, VEDGE_SET_DMA_DST_OFFSET, 128);
	ve_set(&s, VEDGE_SET_DMA_LENGTH, N);
	ve_set(&s, VEDGE_OP_DMA_COPY, 0);
	ve_set(&s, VEDGE_SET_LUT_REGION, 0);
	ve_set(&s, VEDGE_SET_LUT_OFFSET, 1024);
	ve_set(&s, VEDGE_OP_LUT_LOAD, 0);
	ve_fm(&s, VEDGE_SET_IFM_REGION, VEDGE_REGION_SRAM, 128, 1, 1, N, 0);
	ve_fm(&s, VEDGE_SET_OFM_REGION, 1, 0, 1, 1, N, 0);
	ve_set(&s, VEDGE_OP_LUT, 0);
	assert_int_equal(ve_run(&c, &s, &j), 1);
	for (int i = 0; i < N; i++)
		assert_int_equal((int8_t)b.map[2048 + i], -(int8_t)b.map[i] - 1);
	ve_bo_free(&c, &b);
	vc_close(&c);
}

/* An injected hang keeps a job on the NPU: its regions' object is busy, BO_WAIT times out. */
static void test_bo_busy_while_job_runs(void **state)
{
	struct vc_client c;
	struct ve_bo bin, bout;
	struct ve_stream s = { .n = 0 };
	struct ve_job j = { .nr_regions = 0 };
	struct drm_vedge_bo_info info = { 0 };
	struct drm_vedge_bo_wait w = { 0 };
	uint8_t in[4096];

	(void)state;
	vc_open(&c, VE_DMA);
	ve_bo_new(&c, &bin, 4096);
	ve_bo_new(&c, &bout, 4096);
	conv_inputs(in);
	memcpy(bin.map, in, sizeof(in));
	conv_stream(&s);
	ve_region(&j, &bin, 0, 4096, 0);
	ve_region(&j, &bout, 0, CV_OFM_BYTES, VEDGE_REGION_F_WRITE);
	j.out_sync = vc_syncobj(&c, 0);
	assert_int_equal(vc_debugfs_write(c.minor, "inject_hang", "1"), 1);
	assert_int_equal(ve_submit(&c, &s, &j), 0);
	info.handle = bout.handle;
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VEDGE_BO_INFO, &info), 0);
	assert_int_equal(info.busy, 1);
	assert_int_equal(info.size, 4096);
	w.handle = bout.handle;
	w.timeout_ns = (int64_t)vc_now_ns(); /* a deadline in the past polls */
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VEDGE_BO_WAIT, &w), -ETIME);
	/* The timeout resets the NPU; then the object is idle. */
	w.timeout_ns = (int64_t)(vc_now_ns() + VC_WAIT_S * 1000000000ull);
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VEDGE_BO_WAIT, &w), 0);
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VEDGE_BO_INFO, &info), 0);
	assert_int_equal(info.busy, 0);
	vc_wait(&c, j.out_sync, 0);
	ve_bo_free(&c, &bin);
	ve_bo_free(&c, &bout);
	vc_close(&c);
}

/* A job waits for its in-syncobj; when that fence fails, the job is not run and carries the error. */
static void test_failed_in_sync_skips_job(void **state)
{
	struct vc_client c;
	struct ve_bo b;
	struct ve_stream s1 = { .n = 0 }, s2 = { .n = 0 };
	struct ve_job j1 = { .nr_regions = 0 }, j2 = { .nr_regions = 0 };
	struct vc_client c2;

	(void)state;
	vc_open(&c, VE_DMA);
	vc_open(&c2, VE_DMA); /* another file: another entity, ordered only by the syncobj */
	ve_bo_new(&c, &b, 4096);
	fill_random(b.map, 64);
	ve_region(&j1, &b, 0, 1024, 0);
	ve_region(&j1, &b, 1024, 1024, VEDGE_REGION_F_WRITE);
	ve_set(&s1, VEDGE_SET_DMA_LENGTH, 64);
	ve_set(&s1, VEDGE_SET_DMA_DST_REGION, 1);
	ve_set(&s1, VEDGE_OP_DMA_COPY, 0);
	j1.out_sync = vc_syncobj(&c, 0);
	assert_int_equal(vc_debugfs_write(c.minor, "inject_hang", "1"), 1);
	assert_int_equal(ve_submit(&c, &s1, &j1), 0);
	/* j1 hangs until the timeout resets it with -ETIMEDOUT: j2 must not have run before. */
	{
		struct drm_syncobj_handle h = { .handle = j1.out_sync, .fd = -1 };
		struct drm_syncobj_handle imp = { .fd = -1 };

		assert_int_equal(vc_ioctl(&c, DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD, &h), 0);
		imp.fd = h.fd;
		assert_int_equal(vc_ioctl(&c2, DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE, &imp), 0);
		accel_sys_close(h.fd);
		j2.in_sync[0] = imp.handle;
		j2.nr_in = 1;
	}
	{
		struct drm_prime_handle ph = { .handle = b.handle, .flags = DRM_CLOEXEC, .fd = -1 };
		struct drm_prime_handle pi = { .fd = -1 };

		assert_int_equal(vc_ioctl(&c, DRM_IOCTL_PRIME_HANDLE_TO_FD, &ph), 0);
		pi.fd = ph.fd;
		assert_int_equal(vc_ioctl(&c2, DRM_IOCTL_PRIME_FD_TO_HANDLE, &pi), 0);
		accel_sys_close(ph.fd);
		j2.region[0] = (struct drm_vedge_region){ pi.handle, 0, 1024, 1024 };
		j2.region[1] = (struct drm_vedge_region){ pi.handle, VEDGE_REGION_F_WRITE, 2048, 1024 };
		j2.nr_regions = 2;
	}
	ve_set(&s2, VEDGE_SET_DMA_LENGTH, 64);
	ve_set(&s2, VEDGE_SET_DMA_DST_REGION, 1);
	ve_set(&s2, VEDGE_OP_DMA_COPY, 0);
	/* The in-fence fails: the job is not run, and carries the error. */
	assert_int_equal(ve_run(&c2, &s2, &j2), -ETIMEDOUT);
	for (int i = 0; i < 64; i++)
		assert_int_equal(b.map[2048 + i], 0);
	ve_bo_free(&c, &b);
	vc_close(&c2);
	vc_close(&c);
}

/* noinline: see fdinfo_value() in test_vnpu_submit.c (a wrong -Wdangling-pointer). */
__attribute__((noinline)) static uint64_t fdinfo_value(const char *text, const char *key)
{
	const char *p = strstr(text, key);

	if (!p) {
		print_error("no %s in fdinfo:\n%s", key, text);
		fail();
	}
	return strtoull(p + strlen(key), NULL, 10);
}

/* fdinfo names the driver and counts the client's NPU time. */
static void test_fdinfo_engine_time(void **state)
{
	uint8_t in[4096];
	struct vc_client c;
	struct ve_bo bin, bout;
	struct ve_stream s = { .n = 0 };
	struct ve_job j = { .nr_regions = 0 };
	char *t;

	(void)state;
	conv_inputs(in);
	vc_open(&c, VE_DMA);
	ve_bo_new(&c, &bin, 4096);
	ve_bo_new(&c, &bout, 4096);
	memcpy(bin.map, in, 4096);
	conv_stream(&s);
	ve_region(&j, &bin, 0, 4096, 0);
	ve_region(&j, &bout, 0, CV_OFM_BYTES, VEDGE_REGION_F_WRITE);
	assert_int_equal(ve_run(&c, &s, &j), 1);
	t = vc_fdinfo_text(&c);
	assert_non_null(strstr(t, "drm-driver:\tvedge"));
	assert_true(fdinfo_value(t, "drm-engine-npu:\t") > 0);
	free(t);
	ve_bo_free(&c, &bin);
	ve_bo_free(&c, &bout);
	vc_close(&c);
}

/* Closing a file with a job on the NPU and more queued frees every job and object. */
static void test_close_with_jobs_in_flight_leaks_nothing(void **state)
{
	struct vc_client c;
	struct ve_bo bin, bout;
	struct ve_stream s = { .n = 0 };
	struct ve_job j = { .nr_regions = 0 };
	uint8_t in[4096];

	(void)state;
	vc_open(&c, VE_DMA);
	ve_wait_jobs_freed(VE_DMA);
	ve_bo_new(&c, &bin, 4096);
	ve_bo_new(&c, &bout, 4096);
	conv_inputs(in);
	memcpy(bin.map, in, 4096);
	conv_stream(&s);
	ve_region(&j, &bin, 0, 4096, 0);
	ve_region(&j, &bout, 0, CV_OFM_BYTES, VEDGE_REGION_F_WRITE);
	assert_int_equal(vc_debugfs_write(c.minor, "inject_hang", "1"), 1);
	for (int i = 0; i < 4; i++)
		assert_int_equal(ve_submit(&c, &s, &j), 0);
	assert_true(ve_debugfs_u64(VE_DMA, "jobs_alive") > 0);
	accel_sys_munmap(bin.map, bin.size);
	accel_sys_munmap(bout.map, bout.size);
	vc_close(&c);
	/* The hung job is reset by the timeout; queued ones are cancelled or run: all freed. */
	ve_wait_jobs_freed(VE_DMA);
	assert_int_equal(ve_debugfs_u64(VE_DMA, "jobs_alive"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_conv_job_matches_direct_call),
		cmocka_unit_test(test_dmaless_job_matches_dma_job),
		cmocka_unit_test(test_pool_add_job_matches_direct_calls),
		cmocka_unit_test(test_lut_through_sram_scratch),
		cmocka_unit_test(test_bo_busy_while_job_runs),
		cmocka_unit_test(test_failed_in_sync_skips_job),
		cmocka_unit_test(test_fdinfo_engine_time),
		cmocka_unit_test(test_close_with_jobs_in_flight_leaks_nothing),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
