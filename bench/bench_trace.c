// SPDX-License-Identifier: MIT
/*
 * What tracing costs (include/accel/trace.h, `accel trace`), embedded, in one run:
 *
 * - a vnpu null job submit-to-complete (one NOP packet, SUBMIT then SYNCOBJ_WAIT: seven
 *   tracepoints fire per job) with tracing on, against the same loop with tracing off;
 * - the same with the jobs batched 64 per wait, on against off;
 * - one tracepoint while tracing is on (the event recorded), against the clock_gettime()
 *   every event takes its timestamp from.
 *
 * While tracing is on a thread drains the buffer every 20 ms, as the embedded core's writer
 * under `accel trace` does, so that events are recorded rather than dropped on a full
 * buffer. Off and on trials alternate (one trial each, eleven times), so that the load of a
 * shared machine, which changes from second to second, falls on both alike.
 *
 *   bench_trace [ACCELD_PATH]   (the daemon is not used; scripts/bench.sh passes it)
 */
#include "bench.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/mman.h>

#include <accel/trace.h>
#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/vnpu_accel.h>

#define BATCH 64
#define TRIALS 11
/* Enough for 20 ms of the tracepoint loop: what the bench times is recording, not dropping. */
#define BUFFER_EVENTS (1u << 18)

static int fd;
static uint32_t cmd_bo, syncobj, ctx_id;
static atomic_bool drain_stop;
static _Atomic uint64_t drained;

static void die(const char *what)
{
	fprintf(stderr, "bench_trace: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void vnpu_ioctl(unsigned long req, void *arg, const char *what)
{
	if (accel_sys_ioctl(fd, req, arg))
		die(what);
}

static void submit(void)
{
	struct drm_vnpu_submit s = {
		.ctx_id = ctx_id, .cmd_handle = cmd_bo, .cmd_size = sizeof(struct vnpu_pkt_nop),
		.out_sync = { .handle = syncobj },
	};

	while (accel_sys_ioctl(fd, DRM_IOCTL_VNPU_SUBMIT, &s)) {
		if (errno != EBUSY)
			die("SUBMIT");
		sched_yield(); /* queue full: the previous jobs are still in flight */
	}
}

static void wait_syncobj(void)
{
	struct drm_syncobj_wait w = {
		.handles = (uintptr_t)&syncobj, .count_handles = 1, .timeout_nsec = INT64_MAX,
		.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
	};

	vnpu_ioctl(DRM_IOCTL_SYNCOBJ_WAIT, &w, "SYNCOBJ_WAIT");
}

static void run_null_job(void *arg, long iters)
{
	(void)arg;
	for (long i = 0; i < iters; i++) {
		submit();
		wait_syncobj();
	}
}

static void run_null_batched(void *arg, long iters)
{
	(void)arg;
	for (long i = 0; i < iters; i += BATCH) {
		for (long j = 0; j < BATCH; j++)
			submit();
		wait_syncobj();
	}
}

static void run_tracepoint(void *arg, long iters)
{
	(void)arg;
	for (long i = 0; i < iters; i++)
		ACCEL_TRACE(ACCEL_TRACE_SUBMIT, 1, 1, i, 0, 0, 0, 0, "bench");
}

static void run_clock(void *arg, long iters)
{
	struct timespec ts;

	(void)arg;
	for (long i = 0; i < iters; i++) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		__asm__ volatile("" : : "r"(&ts) : "memory");
	}
}

static void *drain_thread(void *arg)
{
	static struct accel_trace_event ev[1024];
	struct timespec nap = { 0, 20000000 };

	(void)arg;
	while (!atomic_load(&drain_stop)) {
		size_t n;

		while ((n = accel_trace_read(ev, 1024, NULL)) > 0)
			atomic_fetch_add(&drained, n);
		nanosleep(&nap, NULL);
	}
	return NULL;
}

/* @fn with tracing on and the buffer drained meanwhile; the events dropped added to *@dropped. */
static struct bench_result traced(void (*fn)(void *, long), long iters, int trials, uint64_t *dropped)
{
	struct bench_result r;
	uint64_t lost = 0;
	pthread_t t;

	if (accel_trace_enable(BUFFER_EVENTS))
		die("accel_trace_enable");
	atomic_store(&drain_stop, false);
	if (pthread_create(&t, NULL, drain_thread, NULL))
		die("pthread_create");
	r = bench_run(fn, NULL, iters, trials);
	accel_trace_disable();
	atomic_store(&drain_stop, true);
	pthread_join(t, NULL);
	accel_trace_read(NULL, 0, &lost);
	*dropped += lost;
	return r;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static struct bench_result summary(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return (struct bench_result){ .median = v[n / 2], .min = v[0], .max = v[n - 1] };
}

/* @fn off and on, TRIALS alternating trials of one bench_run() trial each. */
static void off_and_on(void (*fn)(void *, long), long iters, struct bench_result *off,
		       struct bench_result *on, uint64_t *dropped)
{
	double v_off[TRIALS], v_on[TRIALS];
	int i;

	for (i = 0; i < TRIALS; i++) {
		v_off[i] = bench_run(fn, NULL, iters, 1).median;
		v_on[i] = traced(fn, iters, 1, dropped).median;
	}
	*off = summary(v_off, TRIALS);
	*on = summary(v_on, TRIALS);
}

int main(void)
{
	struct drm_vnpu_bo_create bc = { .size = 4096 };
	struct drm_vnpu_bo_info info = { 0 };
	struct drm_vnpu_context_create cc = { .engine = VNPU_ENGINE_COMPUTE };
	struct drm_syncobj_create sc = { 0 };
	struct vnpu_pkt_nop nop = { { VNPU_OP_NOP, sizeof(nop) / 4, 0 } };
	struct bench_result off, on, boff, bon, tp, tp_off, clk;
	uint64_t dropped = 0, dropped_batched = 0, dropped_tp = 0;
	char root[32];
	void *map;

	setenv("ACCEL_ROOT", bench_tmproot(root), 1);
	setenv("ACCEL_REFRESH_MS", "0", 1);
	if (accel_embedded_start("[vnpu.0]\ndriver = vnpu\njob_timeout_ms = 600000\n"))
		die("accel_embedded_start");
	fd = accel_sys_open(bench_device_path("bench_trace", "vnpu"), O_RDWR);
	if (fd < 0)
		die("open");
	vnpu_ioctl(DRM_IOCTL_VNPU_BO_CREATE, &bc, "BO_CREATE");
	cmd_bo = info.handle = bc.handle;
	vnpu_ioctl(DRM_IOCTL_VNPU_BO_INFO, &info, "BO_INFO");
	map = accel_sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)info.mmap_offset);
	if (map == MAP_FAILED)
		die("mmap");
	memcpy(map, &nop, sizeof(nop));
	vnpu_ioctl(DRM_IOCTL_VNPU_CONTEXT_CREATE, &cc, "CONTEXT_CREATE");
	ctx_id = cc.ctx_id;
	vnpu_ioctl(DRM_IOCTL_SYNCOBJ_CREATE, &sc, "SYNCOBJ_CREATE");
	syncobj = sc.handle;

	off_and_on(run_null_job, 2000, &off, &on, &dropped);
	off_and_on(run_null_batched, 20 * BATCH, &boff, &bon, &dropped_batched);
	off_and_on(run_tracepoint, 1000000, &tp_off, &tp, &dropped_tp);
	clk = bench_run(run_clock, NULL, 1000000, TRIALS);

	bench_report("vnpu null job, tracing on", "ns", on, "the same, tracing off", off, "<= 1.1");
	bench_report("vnpu null job batched 64, tracing on", "ns", bon, "the same, tracing off", boff,
		     "<= 1.1");
	bench_report("tracepoint, tracing on (per event)", "ns", tp, "clock_gettime(MONOTONIC)", clk, "");
	fprintf(stderr, "bench_trace: a tracepoint while off: %.2f ns; %llu events recorded, dropped: %llu (jobs) %llu (batched) %llu (tracepoint loop)\n",
		tp_off.median, (unsigned long long)atomic_load(&drained), (unsigned long long)dropped,
		(unsigned long long)dropped_batched, (unsigned long long)dropped_tp);
	accel_sys_munmap(map, 4096);
	accel_sys_close(fd);
	return 0;
}
