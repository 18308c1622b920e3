// SPDX-License-Identifier: MIT
/*
 * vedge jobs through the driver (SUBMIT + syncobj wait), embedded:
 *
 * - null job submit-to-complete (a stream of one NOP: checker, scheduler, register
 *   programming, kick, interrupt thread, fence) against a 64-byte SOCK_SEQPACKET round trip
 *   between two processes, the floor of a submission that crosses to another thread of
 *   control and back;
 * - a conv layer (32x32x32 -> 32x32x64, 3x3, pad 1: 18.9 M MACs) as a job on the NPU with
 *   DMA, against the same vedge_op_conv2d() called directly on the same buffers (what the
 *   driver, the model and the scheduler add);
 * - the same job on the DMA-less NPU, against the DMA job: the cost of copying the regions
 *   (~108 KiB in and 64 KiB out) through the PIO window, one register access per word;
 * - the DMA job with the NPU computing alone (vedge_hw_compute_threads = 1, the driver's
 *   setting) against the same job with OpenMP's default team on the NPU's thread (what the
 *   driver did before: on a loaded machine the first node to compute waited at every
 *   product's barrier for spinning or unscheduled workers, vedge_hw.c); then the DMA-less
 *   job against the DMA job again, both alone, so that both nodes show the setting.
 *
 * The direct vedge_op_conv2d() baseline computes with the NPU's threads (omp_set_num_threads
 * on this thread), so that the ratio is what the driver adds, not a thread count.
 *
 *   bench_vedge_jobs [ACCELD_PATH]   (the daemon is not used; scripts/bench.sh passes it)
 */
#include "bench.h"

#include <sys/mman.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/vedge_accel.h>

#include "drivers/vedge/vedge_hw.h"
#include "drivers/vedge/vedge_ops.h"

/* OpenMP's API (libgomp, oneDNN's threading), declared as the standard has it. */
extern void omp_set_num_threads(int n);

#define H 32
#define W 32
#define CI 32
#define CO 64
#define IFM_BYTES (H * W * CI)
#define W_BYTES (CO * 9 * CI)
#define S_BYTES (CO * (int)sizeof(struct vedge_scale_entry))
#define OFM_BYTES (H * W * CO)
#define IN_BYTES (IFM_BYTES + W_BYTES + S_BYTES)

struct dev {
	int fd;
	uint32_t syncobj;
	uint32_t null_bo, conv_bo, in_bo, out_bo;
	uint8_t *in, *out;
};

static void die(const char *what)
{
	fprintf(stderr, "bench_vedge_jobs: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void xioctl(struct dev *d, unsigned long req, void *arg, const char *what)
{
	if (accel_sys_ioctl(d->fd, req, arg))
		die(what);
}

static uint32_t bo_create(struct dev *d, uint64_t size, uint8_t **map)
{
	struct drm_vedge_bo_create c = { .size = size };
	struct drm_vedge_bo_mmap m = { 0 };

	xioctl(d, DRM_IOCTL_VEDGE_BO_CREATE, &c, "BO_CREATE");
	m.handle = c.handle;
	xioctl(d, DRM_IOCTL_VEDGE_BO_MMAP, &m, "BO_MMAP");
	*map = accel_sys_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, d->fd, (off_t)m.offset);
	if (*map == MAP_FAILED)
		die("mmap");
	return c.handle;
}

static uint32_t stream_bo(struct dev *d, const struct vedge_cmd *cmds, unsigned int n)
{
	uint8_t *map;
	uint32_t h = bo_create(d, 4096, &map);

	memcpy(map, cmds, n * sizeof(*cmds));
	return h;
}

static void conv_stream(struct vedge_cmd *c, unsigned int *n)
{
	const struct vedge_cmd cmds[] = {
		{ VEDGE_SET_IFM_HEIGHT, 0, H }, { VEDGE_SET_IFM_WIDTH, 0, W },
		{ VEDGE_SET_IFM_DEPTH, 0, CI }, { VEDGE_SET_IFM_ZERO_POINT, 0, (uint32_t)-5 },
		{ VEDGE_SET_OFM_REGION, 0, 1 }, { VEDGE_SET_OFM_HEIGHT, 0, H },
		{ VEDGE_SET_OFM_WIDTH, 0, W }, { VEDGE_SET_OFM_DEPTH, 0, CO },
		{ VEDGE_SET_KERNEL_HEIGHT, 0, 3 }, { VEDGE_SET_KERNEL_WIDTH, 0, 3 },
		{ VEDGE_SET_PAD_TOP, 0, 1 }, { VEDGE_SET_PAD_LEFT, 0, 1 },
		{ VEDGE_SET_PAD_BOTTOM, 0, 1 }, { VEDGE_SET_PAD_RIGHT, 0, 1 },
		{ VEDGE_SET_WEIGHT_OFFSET, 0, IFM_BYTES }, { VEDGE_SET_WEIGHT_LENGTH, 0, W_BYTES },
		{ VEDGE_SET_SCALE_OFFSET, 0, IFM_BYTES + W_BYTES },
		{ VEDGE_SET_SCALE_LENGTH, 0, S_BYTES },
		{ VEDGE_OP_CONV2D, 0, 0 }, { VEDGE_CMD_STOP, 0, 0 },
	};

	memcpy(c, cmds, sizeof(cmds));
	*n = sizeof(cmds) / sizeof(cmds[0]);
}

static void dev_open(struct dev *d, const char *pdev_driver_path)
{
	struct drm_syncobj_create sc = { 0 };
	struct vedge_cmd cmds[32], nop = { VEDGE_CMD_NOP, 0, 0 };
	struct vedge_scale_entry *e;
	uint64_t rng = 0x9e3779b97f4a7c15ull;
	unsigned int n;

	d->fd = accel_sys_open(pdev_driver_path, O_RDWR);
	if (d->fd < 0)
		die(pdev_driver_path);
	xioctl(d, DRM_IOCTL_SYNCOBJ_CREATE, &sc, "SYNCOBJ_CREATE");
	d->syncobj = sc.handle;
	d->null_bo = stream_bo(d, &nop, 1);
	conv_stream(cmds, &n);
	d->conv_bo = stream_bo(d, cmds, n);
	d->in_bo = bo_create(d, IN_BYTES, &d->in);
	d->out_bo = bo_create(d, OFM_BYTES, &d->out);
	for (int i = 0; i < IFM_BYTES + W_BYTES; i++) {
		rng ^= rng << 13, rng ^= rng >> 7, rng ^= rng << 17;
		d->in[i] = (uint8_t)rng;
	}
	e = (struct vedge_scale_entry *)(d->in + IFM_BYTES + W_BYTES);
	for (int i = 0; i < CO; i++)
		e[i] = (struct vedge_scale_entry){ i * 10, 1518500250, -7 };
}

static void submit_wait(struct dev *d, uint32_t cmd_bo, uint64_t cmd_size, bool regions)
{
	struct drm_vedge_region r[2] = {
		{ d->in_bo, 0, 0, IN_BYTES },
		{ d->out_bo, VEDGE_REGION_F_WRITE, 0, OFM_BYTES },
	};
	struct drm_vedge_submit s = { .cmd_handle = cmd_bo, .cmd_size = cmd_size,
				      .regions = (uintptr_t)r, .region_count = regions ? 2 : 0,
				      .out_sync = d->syncobj };
	struct drm_syncobj_wait w = { .handles = (uintptr_t)&d->syncobj, .count_handles = 1,
				      .timeout_nsec = INT64_MAX };

	xioctl(d, DRM_IOCTL_VEDGE_SUBMIT, &s, "SUBMIT");
	xioctl(d, DRM_IOCTL_SYNCOBJ_WAIT, &w, "SYNCOBJ_WAIT");
}

static void null_jobs(void *arg, long iters)
{
	for (long i = 0; i < iters; i++)
		submit_wait(arg, ((struct dev *)arg)->null_bo, 8, false);
}

static void conv_jobs(void *arg, long iters)
{
	for (long i = 0; i < iters; i++)
		submit_wait(arg, ((struct dev *)arg)->conv_bo, 20 * 8, true);
}

static void conv_direct(void *arg, long iters)
{
	struct dev *d = arg;
	struct vedge_fmap ifm = { (int8_t *)d->in, H, W, CI, W * CI, CI, -5, 1 << 30, 1 };
	struct vedge_fmap ofm = { (int8_t *)d->out, H, W, CO, W * CO, CO, 0, 1 << 30, 1 };
	struct vedge_window win = { 3, 3, 1, 1, 1, 1, 1, 1, 1, 1 };
	struct vedge_act act = { -128, 127, NULL };

	for (long i = 0; i < iters; i++)
		if (vedge_op_conv2d(&ifm, &ofm, &win, (int8_t *)d->in + IFM_BYTES,
				    (const struct vedge_scale_entry *)(d->in + IFM_BYTES + W_BYTES),
				    &act))
			die("vedge_op_conv2d");
}

static void seq_trips(void *arg, long iters)
{
	bench_seqpacket_round_trips(*(int *)arg, iters);
}

/* The node of platform device @pdev: its accel minor from sysfs. */
static char *node_of(const char *pdev)
{
	struct accel_device_info *v;
	char *path = NULL;
	size_t n, i;

	if (accel_devices_list(&v, &n, 0))
		die("accel_devices_list");
	for (i = 0; i < n && !path; i++)
		if (!strcmp(v[i].driver, "vedge") && strstr(v[i].parent, pdev))
			path = strdup(v[i].path);
	free(v);
	if (!path) {
		fprintf(stderr, "bench_vedge_jobs: no device %s\n", pdev);
		exit(1);
	}
	return path;
}

int main(void)
{
	struct bench_result nul, seq, job_dma, job_pio, direct, job_team, job_alone, pio_alone;
	struct dev dma, pio;
	char root[32];
	int seq_fd;

	setenv("ACCEL_ROOT", bench_tmproot(root), 1);
	setenv("ACCEL_REFRESH_MS", "0", 1);
	/* A timeout a busy machine cannot reach, and no autosuspend between jobs. */
	if (accel_embedded_start("[vedge.0]\ndriver = vedge\nhas_dma = 1\njob_timeout_ms = 600000\n"
				 "autosuspend_delay_ms = 60000\n\n"
				 "[vedge.1]\ndriver = vedge\nhas_dma = 0\njob_timeout_ms = 600000\n"
				 "autosuspend_delay_ms = 60000\n"))
		die("accel_embedded_start");
	dev_open(&dma, node_of("vedge.0"));
	dev_open(&pio, node_of("vedge.1"));
	bench_seqpacket_echo_start(&seq_fd);

	nul = bench_run(null_jobs, &dma, 2000, 9);
	seq = bench_run(seq_trips, &seq_fd, 2000, 9);
	bench_report("vedge null job submit-to-complete", "ns", nul, "seqpacket round trip", seq, "");
	/* The direct side computes with the NPU's threads (the driver's default, 1). */
	omp_set_num_threads(vedge_hw_compute_threads > 0 ? vedge_hw_compute_threads : 1);
	direct = bench_run(conv_direct, &dma, 50, 7);
	job_dma = bench_run(conv_jobs, &dma, 50, 7);
	bench_report("vedge conv job, DMA", "ns", job_dma, "vedge_op_conv2d direct", direct,
		     "<= 1.2");
	job_pio = bench_run(conv_jobs, &pio, 50, 7);
	bench_report("vedge conv job, no DMA (PIO)", "ns", job_pio, "vedge conv job, DMA", job_dma,
		     "");
	/* The NPU's compute threads: OpenMP's default team (the driver before) against alone. */
	__atomic_store_n(&vedge_hw_compute_threads, 0, __ATOMIC_RELAXED);
	job_team = bench_run(conv_jobs, &dma, 50, 7);
	__atomic_store_n(&vedge_hw_compute_threads, 1, __ATOMIC_RELAXED);
	job_alone = bench_run(conv_jobs, &dma, 50, 7);
	bench_report("vedge conv job, DMA, NPU alone", "ns", job_alone,
		     "vedge conv job, DMA, NPU with OpenMP's team", job_team, "");
	pio_alone = bench_run(conv_jobs, &pio, 50, 7);
	bench_report("vedge conv job, no DMA, NPU alone", "ns", pio_alone,
		     "vedge conv job, DMA, NPU alone", job_alone, "");
	close(seq_fd);
	return 0;
}
