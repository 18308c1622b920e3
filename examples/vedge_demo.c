// SPDX-License-Identifier: MIT
/*
 * vedge-demo - a small int8 network as one command stream on the edge NPU, run on both
 * default instances: vedge.0 reads its buffers by DMA, vedge.1 sees only its SRAM (the
 * driver copies the regions in and out through the PIO window). The stream:
 *
 *   conv2d 3x3 pad 1 (12x12x1 -> 12x12x8, per-channel scales, ReLU through the clamp)
 *   -> maxpool 2x2 (-> 6x6x8) -> fully connected (288 -> 10)
 *
 * with both intermediate maps in the NPU's SRAM (VEDGE_REGION_SRAM). The demo prints each
 * device's parameters, the job's time and its ten outputs, and checks that the two devices
 * agree byte for byte.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/vedge_accel.h>

/* Input object (region 0): image, conv weights and scales, FC weights and scales. */
#define IMG_OFF		0			/* 12x12x1 */
#define CW_OFF		256			/* 8x3x3x1 */
#define CS_OFF		512			/* 8 entries */
#define FW_OFF		1024			/* 10x288 */
#define FS_OFF		4096			/* 10 entries */
#define IN_SIZE		8192
/* SRAM scratch: conv output at 0 (1152 bytes), pooled map at 2048 (288 bytes). */

static void die(const char *what)
{
	fprintf(stderr, "vedge-demo: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	if (accel_sys_ioctl(fd, req, arg))
		die(what);
}

static uint32_t bo(int fd, uint64_t size, uint8_t **map)
{
	struct drm_vedge_bo_create c = { .size = size };
	struct drm_vedge_bo_mmap m = { 0 };

	xioctl(fd, DRM_IOCTL_VEDGE_BO_CREATE, &c, "BO_CREATE");
	m.handle = c.handle;
	xioctl(fd, DRM_IOCTL_VEDGE_BO_MMAP, &m, "BO_MMAP");
	*map = accel_sys_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)m.offset);
	if (*map == MAP_FAILED)
		die("mmap");
	return c.handle;
}

static unsigned int stream(struct vedge_cmd *c)
{
	const struct vedge_cmd s[] = {
		/* conv: image -> SRAM[0], ReLU: clamp at the output zero point (-128) */
		{ VEDGE_SET_IFM_HEIGHT, 0, 12 }, { VEDGE_SET_IFM_WIDTH, 0, 12 },
		{ VEDGE_SET_IFM_ZERO_POINT, 0, (uint32_t)-128 },
		{ VEDGE_SET_OFM_REGION, 0, VEDGE_REGION_SRAM }, { VEDGE_SET_OFM_HEIGHT, 0, 12 },
		{ VEDGE_SET_OFM_WIDTH, 0, 12 }, { VEDGE_SET_OFM_DEPTH, 0, 8 },
		{ VEDGE_SET_OFM_ZERO_POINT, 0, (uint32_t)-128 },
		{ VEDGE_SET_KERNEL_HEIGHT, 0, 3 }, { VEDGE_SET_KERNEL_WIDTH, 0, 3 },
		{ VEDGE_SET_PAD_TOP, 0, 1 }, { VEDGE_SET_PAD_LEFT, 0, 1 },
		{ VEDGE_SET_PAD_BOTTOM, 0, 1 }, { VEDGE_SET_PAD_RIGHT, 0, 1 },
		{ VEDGE_SET_WEIGHT_OFFSET, 0, CW_OFF }, { VEDGE_SET_WEIGHT_LENGTH, 0, 72 },
		{ VEDGE_SET_SCALE_OFFSET, 0, CS_OFF }, { VEDGE_SET_SCALE_LENGTH, 0, 8 * 12 },
		{ VEDGE_SET_ACT_MIN, 0, (uint32_t)-128 },
		{ VEDGE_OP_CONV2D, 0, 0 },
		/* maxpool 2x2/2: SRAM[0] -> SRAM[2048] */
		{ VEDGE_SET_IFM_REGION, 0, VEDGE_REGION_SRAM }, { VEDGE_SET_IFM_DEPTH, 0, 8 },
		{ VEDGE_SET_OFM_OFFSET, 0, 2048 }, { VEDGE_SET_OFM_HEIGHT, 0, 6 },
		{ VEDGE_SET_OFM_WIDTH, 0, 6 }, { VEDGE_SET_KERNEL_HEIGHT, 0, 2 },
		{ VEDGE_SET_KERNEL_WIDTH, 0, 2 }, { VEDGE_SET_STRIDE_Y, 0, 2 },
		{ VEDGE_SET_STRIDE_X, 0, 2 }, { VEDGE_SET_PAD_TOP, 0, 0 }, { VEDGE_SET_PAD_LEFT, 0, 0 },
		{ VEDGE_SET_PAD_BOTTOM, 0, 0 }, { VEDGE_SET_PAD_RIGHT, 0, 0 },
		{ VEDGE_OP_MAXPOOL, 0, 0 },
		/* fully connected: SRAM[2048] as 288 values -> region 1 */
		{ VEDGE_SET_IFM_OFFSET, 0, 2048 }, { VEDGE_SET_IFM_HEIGHT, 0, 1 },
		{ VEDGE_SET_IFM_WIDTH, 0, 1 }, { VEDGE_SET_IFM_DEPTH, 0, 288 },
		{ VEDGE_SET_OFM_REGION, 0, 1 }, { VEDGE_SET_OFM_OFFSET, 0, 0 },
		{ VEDGE_SET_OFM_HEIGHT, 0, 1 }, { VEDGE_SET_OFM_WIDTH, 0, 1 },
		{ VEDGE_SET_OFM_DEPTH, 0, 10 }, { VEDGE_SET_OFM_ZERO_POINT, 0, 0 },
		{ VEDGE_SET_WEIGHT_OFFSET, 0, FW_OFF }, { VEDGE_SET_WEIGHT_LENGTH, 0, 2880 },
		{ VEDGE_SET_SCALE_OFFSET, 0, FS_OFF }, { VEDGE_SET_SCALE_LENGTH, 0, 10 * 12 },
		{ VEDGE_OP_FULLY_CONNECTED, 0, 0 },
		{ VEDGE_CMD_STOP, 0, 0 },
	};

	memcpy(c, s, sizeof(s));
	return sizeof(s) / sizeof(s[0]);
}

static void fill_inputs(uint8_t *in)
{
	struct vedge_scale_entry *cs = (void *)(in + CS_OFF), *fs = (void *)(in + FS_OFF);
	uint32_t x = 12345;

	for (int y = 0; y < 12; y++)		/* a bright diagonal bar on a dark image */
		for (int i = 0; i < 12; i++)
			in[IMG_OFF + y * 12 + i] = (uint8_t)(abs(y - i) < 2 ? 100 : -120);
	for (int i = 0; i < 72 + 2880; i++) {
		x = x * 1103515245u + 12345u;
		in[(i < 72 ? CW_OFF + i : FW_OFF + i - 72)] = (uint8_t)((x >> 16) % 61 - 30);
	}
	for (int i = 0; i < 8; i++)
		cs[i] = (struct vedge_scale_entry){ 50 * i, 1 << 30, -5 };
	for (int i = 0; i < 10; i++)
		fs[i] = (struct vedge_scale_entry){ 0, 1 << 30, -9 };
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t param(int fd, uint32_t p)
{
	struct drm_vedge_get_param gp = { .param = p };

	xioctl(fd, DRM_IOCTL_VEDGE_GET_PARAM, &gp, "GET_PARAM");
	return gp.value;
}

/* Run the network on @path; its ten outputs into @out. */
static void run_on(const char *path, int8_t *out)
{
	struct drm_syncobj_create sc = { 0 };
	struct drm_syncobj_wait w = { .count_handles = 1, .timeout_nsec = INT64_MAX };
	struct drm_vedge_region r[2];
	struct drm_vedge_submit s = { 0 };
	struct vedge_cmd cmds[64];
	uint8_t *in, *res, *cmap;
	uint32_t hin, hres, hcmd;
	unsigned int n;
	uint64_t t0;
	int fd = accel_sys_open(path, O_RDWR);

	if (fd < 0)
		die(path);
	printf("%s: id 0x%08llx, version %llu.%llu, %s, SRAM %llu KiB\n", path,
	       (unsigned long long)param(fd, VEDGE_PARAM_DEVICE_ID),
	       (unsigned long long)param(fd, VEDGE_PARAM_VERSION) >> 16,
	       (unsigned long long)param(fd, VEDGE_PARAM_VERSION) & 0xffff,
	       param(fd, VEDGE_PARAM_HAS_DMA) ? "with DMA" : "without DMA (PIO window)",
	       (unsigned long long)param(fd, VEDGE_PARAM_SRAM_SIZE) >> 10);
	hin = bo(fd, IN_SIZE, &in);
	hres = bo(fd, 4096, &res);
	hcmd = bo(fd, 4096, &cmap);
	fill_inputs(in);
	n = stream(cmds);
	memcpy(cmap, cmds, n * sizeof(cmds[0]));
	xioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc, "SYNCOBJ_CREATE");
	r[0] = (struct drm_vedge_region){ hin, 0, 0, IN_SIZE };
	r[1] = (struct drm_vedge_region){ hres, VEDGE_REGION_F_WRITE, 0, 16 };
	s.cmd_handle = hcmd;
	s.cmd_size = n * sizeof(cmds[0]);
	s.regions = (uintptr_t)r;
	s.region_count = 2;
	s.out_sync = sc.handle;
	w.handles = (uintptr_t)&sc.handle;
	t0 = now_ns();
	xioctl(fd, DRM_IOCTL_VEDGE_SUBMIT, &s, "SUBMIT");
	xioctl(fd, DRM_IOCTL_SYNCOBJ_WAIT, &w, "SYNCOBJ_WAIT");
	printf("  job %llu: %u commands, %.1f us (resume from suspend included)\n  outputs:",
	       (unsigned long long)s.seqno, n, (double)(now_ns() - t0) / 1000.0);
	memcpy(out, res, 10);
	for (int i = 0; i < 10; i++)
		printf(" %4d", out[i]);
	printf("\n");
	accel_sys_close(fd);
}

/* The node of vedge instance @pdev ("vedge.0"). */
static char *node_of(const char *pdev)
{
	struct accel_device_info *v;
	char *path = NULL;
	size_t n;

	if (accel_devices_list(&v, &n, 0))
		die("accel_devices_list");
	for (size_t i = 0; i < n && !path; i++)
		if (!strcmp(v[i].driver, "vedge") && strstr(v[i].parent, pdev))
			path = strdup(v[i].path);
	free(v);
	if (!path) {
		fprintf(stderr, "vedge-demo: no %s device\n", pdev);
		exit(1);
	}
	return path;
}

int main(void)
{
	int8_t dma[10], pio[10];
	char *p0 = node_of("vedge.0"), *p1 = node_of("vedge.1");

	run_on(p0, dma);
	run_on(p1, pio);
	printf("DMA and DMA-less outputs %s\n", memcmp(dma, pio, 10) ? "DIFFER" : "identical");
	free(p0);
	free(p1);
	return memcmp(dma, pio, 10) ? 1 : 0;
}
