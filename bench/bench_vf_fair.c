// SPDX-License-Identifier: MIT
/*
 * vnpu virtual functions sharing the PF's engines (drivers/vnpu/vnpu_vf_sched.c), embedded:
 * a PF with one compute engine and four VFs of weights 1:1:2:4, each VF's client submitting
 * the same compute-engine job (a 2 MiB copy, the time slice) as fast as its queue takes it.
 *
 * - saturated: each VF's share of the PF engine's time (its engine_busy_us) over the window
 *   against its weight's share; goal: within 10% of it;
 * - work-conserving: VF 3 (weight 4) idle, the others saturated: their shares (1:1:2) and the
 *   engine's utilisation against the saturated phase's (goal >= 0.9);
 * - resume: VF 3 back: the wait of its first job, in time slices (goal <= 2: the slice that
 *   was running, then its own);
 * - light VF: VF 0 submitting one job at a time while VFs 1-3 saturate, its job latency
 *   against the same job's with the others idle (goal <= 2x).
 *
 *   bench_vf_fair [ACCELD_PATH] [--seconds N]   (default 10 s per saturated window;
 *                                                ACCELD_PATH is ignored: scripts/bench.sh
 *                                                passes it to every program)
 */
#include "bench.h"

#include <pthread.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/vnpu_accel.h>

#define NR_VF		4
#define JOB_BYTES	(2ull << 20)
#define PIPE		24	/* jobs in flight per saturating client, per half */
#define LIGHT_JOBS	200

static const unsigned int weights[NR_VF] = { 1, 1, 2, 4 };

struct vf_client {
	unsigned int index;
	int fd;
	uint32_t ctx, cmd_bo, sync[2];
	atomic_bool run;
	pthread_t thread;
	bool started;
};

static struct vf_client vfs[NR_VF];

static void die(const char *what)
{
	fprintf(stderr, "bench_vf_fair: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void xioctl(int fd, unsigned long req, void *arg, const char *what)
{
	if (accel_sys_ioctl(fd, req, arg))
		die(what);
}

static void vf_open(struct vf_client *c, unsigned int i)
{
	struct drm_vnpu_bo_create cb = { .size = 4096 }, db = { .size = 2 * JOB_BYTES };
	struct drm_vnpu_bo_info info = { 0 };
	struct drm_vnpu_context_create cc = { .engine = VNPU_ENGINE_COMPUTE };
	struct drm_syncobj_create sc = { 0 };
	struct vnpu_pkt_dma_copy copy = {
		.hdr = { VNPU_OP_DMA_COPY, sizeof(copy) / 4, 0 },
		.src_va = VNPU_VA_START + (1ull << 30),
		.dst_va = VNPU_VA_START + (1ull << 30) + JOB_BYTES,
		.size = JOB_BYTES,
	};
	char path[96], *text = NULL;
	void *map;

	c->index = i;
	/* The PF is accel0, the only configured device; its VFs come next, in order. */
	snprintf(path, sizeof(path), "sys/devices/platform/vnpu.0/vnpu.0-vf%u/accel/accel%u/dev",
		 i, 1 + i);
	if (accel_attr_read(path, &text) < 0)
		die(path);
	free(text);
	snprintf(path, sizeof(path), "/dev/accel/accel%u", 1 + i);
	c->fd = accel_sys_open(path, O_RDWR);
	if (c->fd < 0)
		die(path);
	xioctl(c->fd, DRM_IOCTL_VNPU_BO_CREATE, &cb, "BO_CREATE");
	info.handle = cb.handle;
	xioctl(c->fd, DRM_IOCTL_VNPU_BO_INFO, &info, "BO_INFO");
	map = accel_sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd,
			     (off_t)info.mmap_offset);
	if (map == MAP_FAILED)
		die("mmap");
	memcpy(map, &copy, sizeof(copy));
	accel_sys_munmap(map, 4096);
	c->cmd_bo = cb.handle;
	struct drm_vnpu_vm_bind b = { .op = VNPU_VM_BIND_MAP, .handle = cb.handle,
				      .va = VNPU_VA_START, .size = 4096 };
	xioctl(c->fd, DRM_IOCTL_VNPU_VM_BIND, &b, "VM_BIND");
	xioctl(c->fd, DRM_IOCTL_VNPU_BO_CREATE, &db, "BO_CREATE");
	b = (struct drm_vnpu_vm_bind){ .op = VNPU_VM_BIND_MAP, .handle = db.handle,
				       .va = VNPU_VA_START + (1ull << 30), .size = 2 * JOB_BYTES };
	xioctl(c->fd, DRM_IOCTL_VNPU_VM_BIND, &b, "VM_BIND");
	xioctl(c->fd, DRM_IOCTL_VNPU_CONTEXT_CREATE, &cc, "CONTEXT_CREATE");
	c->ctx = cc.ctx_id;
	for (int k = 0; k < 2; k++) {
		sc.handle = 0;
		xioctl(c->fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc, "SYNCOBJ_CREATE");
		c->sync[k] = sc.handle;
	}
}

static void submit(struct vf_client *c, uint32_t out)
{
	struct drm_vnpu_submit s = {
		.ctx_id = c->ctx, .cmd_handle = c->cmd_bo, .cmd_size = sizeof(struct vnpu_pkt_dma_copy),
		.out_sync = { .handle = out },
	};

	while (accel_sys_ioctl(c->fd, DRM_IOCTL_VNPU_SUBMIT, &s)) {
		if (errno != EBUSY)
			die("SUBMIT");
		sched_yield();
	}
}

static void wait_sync(struct vf_client *c, uint32_t handle)
{
	struct drm_syncobj_wait w = {
		.handles = (uintptr_t)&handle, .count_handles = 1, .timeout_nsec = INT64_MAX,
		.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
	};

	xioctl(c->fd, DRM_IOCTL_SYNCOBJ_WAIT, &w, "SYNCOBJ_WAIT");
}

/* Saturate: two halves of PIPE jobs in flight, one waited while the other runs. */
static void *saturate(void *arg)
{
	struct vf_client *c = arg;
	int half = 0;

	for (int k = 0; k < 2; k++)
		for (int j = 0; j < PIPE; j++)
			submit(c, c->sync[k]);
	while (atomic_load(&c->run)) {
		wait_sync(c, c->sync[half]);
		for (int j = 0; j < PIPE; j++)
			submit(c, c->sync[half]);
		half ^= 1;
	}
	wait_sync(c, c->sync[0]);
	wait_sync(c, c->sync[1]);
	return NULL;
}

static void start(unsigned int i)
{
	atomic_store(&vfs[i].run, true);
	if (pthread_create(&vfs[i].thread, NULL, saturate, &vfs[i]))
		die("pthread_create");
	vfs[i].started = true;
}

static void stop(unsigned int i)
{
	if (!vfs[i].started)
		return;
	atomic_store(&vfs[i].run, false);
	pthread_join(vfs[i].thread, NULL);
	vfs[i].started = false;
}

static uint64_t busy_us(unsigned int i)
{
	char path[96], *text = NULL;
	uint64_t v;

	snprintf(path, sizeof(path), "sys/devices/platform/vnpu.0/vnpu.0-vf%u/engine_busy_us", i);
	if (accel_attr_read(path, &text) < 0)
		die("engine_busy_us");
	v = strtoull(text, NULL, 10);
	free(text);
	return v;
}

/* Over @secs with the VFs in @mask saturating: each VF's busy time; returns wall us. */
static uint64_t window(unsigned int mask, double secs, uint64_t *busy)
{
	uint64_t before[NR_VF], t0, t1;
	struct timespec ts = { (time_t)secs, (long)((secs - (time_t)secs) * 1e9) };

	for (unsigned int i = 0; i < NR_VF; i++)
		if (mask & (1u << i))
			start(i);
	/* let every queue fill before measuring */
	usleep(200 * 1000);
	for (unsigned int i = 0; i < NR_VF; i++)
		before[i] = busy_us(i);
	t0 = bench_now_ns();
	nanosleep(&ts, NULL);
	for (unsigned int i = 0; i < NR_VF; i++)
		busy[i] = busy_us(i) - before[i];
	t1 = bench_now_ns();
	for (unsigned int i = 0; i < NR_VF; i++)
		stop(i);
	return (t1 - t0) / 1000;
}

/* One job of VF @i, submit to signalled, in ns. */
static uint64_t one_job_ns(unsigned int i)
{
	uint64_t t0 = bench_now_ns();

	submit(&vfs[i], vfs[i].sync[0]);
	wait_sync(&vfs[i], vfs[i].sync[0]);
	return bench_now_ns() - t0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static struct bench_result light_latency(void)
{
	static uint64_t ns[LIGHT_JOBS];
	struct bench_result r;

	for (int j = 0; j < LIGHT_JOBS; j++) {
		ns[j] = one_job_ns(0);
		usleep(1000);
	}
	qsort(ns, LIGHT_JOBS, sizeof(ns[0]), cmp_u64);
	r.median = (double)ns[LIGHT_JOBS / 2];
	r.min = (double)ns[0];
	r.max = (double)ns[LIGHT_JOBS * 95 / 100]; /* p95: a bench reports, it does not fail */
	return r;
}

int main(int argc, char **argv)
{
	double secs = 10;
	uint64_t busy[NR_VF], wall, busy2[NR_VF], wall2, total = 0, total2 = 0;
	unsigned int wsum = 0;
	char root[32];
	struct bench_result idle, loaded, r, base;

	for (int i = 1; i < argc; i++)
		if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			secs = atof(argv[++i]);
	if (secs <= 0)
		secs = 10;
	bench_cleanup_arm();
	setenv("ACCEL_ROOT", bench_tmproot(root), 1);
	setenv("ACCEL_REFRESH_MS", "0", 1);
	/* One compute engine to share; a job timeout a loaded machine cannot reach. */
	if (accel_embedded_start("[vnpu.0]\ndriver = vnpu\ncompute_engines = 1\ndma_engines = 1\n"
				 "job_timeout_ms = 600000\nvram_size = 256M\n"
				 "sriov_totalvfs = 4\nsriov_numvfs = 4\n"
				 "vf0_weight = 1\nvf1_weight = 1\nvf2_weight = 2\nvf3_weight = 4\n"))
		die("accel_embedded_start");
	for (unsigned int i = 0; i < NR_VF; i++) {
		char path[96], *text = NULL;

		vf_open(&vfs[i], i);
		wsum += weights[i];
		/* the configuration set it: check, a table of wrong weights would mislead */
		snprintf(path, sizeof(path), "sys/devices/platform/vnpu.0/vnpu.0-vf%u/weight", i);
		if (accel_attr_read(path, &text) < 0 || strtoul(text, NULL, 10) != weights[i]) {
			fprintf(stderr, "bench_vf_fair: VF %u weight is %s", i, text ? text : "?");
			exit(1);
		}
		free(text);
	}

	wall = window(0xf, secs, busy);
	for (unsigned int i = 0; i < NR_VF; i++)
		total += busy[i];
	printf("saturated %.1f s, weights 1:1:2:4 (share of the PF engine's busy time):\n", secs);
	printf("  VF  weight  want    got     got/want\n");
	for (unsigned int i = 0; i < NR_VF; i++) {
		double want = (double)weights[i] / wsum, got = total ? (double)busy[i] / total : 0;

		printf("  %u   %u       %.3f   %.3f   %.3f\n", i, weights[i], want, got,
		       want > 0 ? got / want : 0);
		r = (struct bench_result){ got, got, got };
		base = (struct bench_result){ want, want, want };
		char name[64];

		snprintf(name, sizeof(name), "vf fair share, VF %u weight %u of 8", i, weights[i]);
		bench_report(name, "share", r, "weight share", base, "0.9 .. 1.1");
	}

	/* work-conserving: VF 3 idle */
	wall2 = window(0x7, secs / 2, busy2);
	for (unsigned int i = 0; i < NR_VF; i++)
		total2 += busy2[i];
	printf("VF 3 idle %.1f s: shares %.3f %.3f %.3f (want 0.25 0.25 0.5), VF 3 %.3f\n",
	       secs / 2, (double)busy2[0] / total2, (double)busy2[1] / total2,
	       (double)busy2[2] / total2, (double)busy2[3] / total2);
	r = (struct bench_result){ (double)total2 / wall2, 0, 0 };
	r.min = r.max = r.median;
	base = (struct bench_result){ (double)total / wall, 0, 0 };
	base.min = base.max = base.median;
	bench_report("vf work-conserving: engine utilisation, VF 3 idle", "busy/wall", r,
		     "all 4 saturated", base, ">= 0.9");

	/* resume: VF 3's first job while VFs 0-2 saturate, in slices (one job alone) */
	double slice = 0;

	for (int j = 0; j < 20; j++)
		slice += (double)one_job_ns(3) / 20;
	for (unsigned int i = 0; i < 3; i++)
		start(i);
	usleep(200 * 1000);
	uint64_t resume = one_job_ns(3);

	for (unsigned int i = 0; i < 3; i++)
		stop(i);
	r = (struct bench_result){ (double)resume, (double)resume, (double)resume };
	base = (struct bench_result){ slice, slice, slice };
	bench_report("vf resume: VF 3's first job under load", "ns", r, "one job alone", base,
		     "<= 2");

	/* light VF latency: VF 0 one job at a time, idle vs VFs 1-3 saturating */
	idle = light_latency();
	for (unsigned int i = 1; i < NR_VF; i++)
		start(i);
	usleep(200 * 1000);
	loaded = light_latency();
	for (unsigned int i = 1; i < NR_VF; i++)
		stop(i);
	bench_report("vf light VF job latency, VFs 1-3 saturating", "ns", loaded,
		     "the same job, others idle", idle, "<= 2");
	printf("light VF latency: median %.0f us loaded vs %.0f us idle (%.2fx), p95 %.0f us vs %.0f us\n",
	       loaded.median / 1e3, idle.median / 1e3, loaded.median / idle.median,
	       loaded.max / 1e3, idle.max / 1e3);

	for (unsigned int i = 0; i < NR_VF; i++)
		accel_sys_close(vfs[i].fd);
	return 0;
}
