// SPDX-License-Identifier: MIT
/*
 * vnpu jobs through the kernel queue (SUBMIT + syncobj wait), embedded:
 *
 * - null job submit-to-complete (one NOP packet, SUBMIT then SYNCOBJ_WAIT) against a 64-byte
 *   SOCK_SEQPACKET round trip between two processes, the floor of any submission that
 *   crosses to another thread of control and back;
 * - jobs per second batched (64 NOP jobs submitted, then one wait for the last) against the
 *   same round trip, per job;
 * - DMA copy of 256 MiB split over every DMA engine (one context each) against memcpy with
 *   the same number of threads on the same buffers;
 * - user-queue null entry submit-to-complete (reserve, NOP, submit, wait) against a
 *   shared-memory busy-poll round trip between two threads on two CPUs; batched 64 entries
 *   per wait; and the same null entry with the whole process on one CPU, against a
 *   SOCK_SEQPACKET round trip on that CPU (the adaptive waits must not starve the device).
 *
 *   bench_vnpu_jobs [ACCELD_PATH]   (the daemon is not used; the argument is accepted for
 *                                    scripts/bench.sh, which passes it to every program)
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <sched.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <libaccel_vnpu.h>
#include <uapi/drm/vnpu_accel.h>

#define DMA_BYTES	(256ull << 20)
#define BATCH		64

static int fd, seq_fd;
static uint32_t cmd_bo, syncobj, null_ctx;
static unsigned int dma_engines;
static uint32_t dma_ctx[16], dma_sync[16];
static uint8_t *src_map, *dst_map;

static void die(const char *what)
{
	fprintf(stderr, "bench_vnpu_jobs: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void vnpu_ioctl(unsigned long req, void *arg, const char *what)
{
	if (accel_sys_ioctl(fd, req, arg))
		die(what);
}

static uint32_t bo_create(uint64_t size, uint32_t flags, uint64_t va, void **map)
{
	struct drm_vnpu_bo_create c = { .size = size, .flags = flags };
	struct drm_vnpu_bo_info info = { 0 };
	struct drm_vnpu_vm_bind b = { .op = VNPU_VM_BIND_MAP, .va = va, .size = size };

	vnpu_ioctl(DRM_IOCTL_VNPU_BO_CREATE, &c, "BO_CREATE");
	info.handle = b.handle = c.handle;
	vnpu_ioctl(DRM_IOCTL_VNPU_BO_INFO, &info, "BO_INFO");
	vnpu_ioctl(DRM_IOCTL_VNPU_VM_BIND, &b, "VM_BIND");
	if (map) {
		*map = accel_sys_mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
				      (off_t)info.mmap_offset);
		if (*map == MAP_FAILED)
			die("mmap");
	}
	return c.handle;
}

static uint32_t ctx_create(uint32_t engine)
{
	struct drm_vnpu_context_create c = { .engine = engine };

	vnpu_ioctl(DRM_IOCTL_VNPU_CONTEXT_CREATE, &c, "CONTEXT_CREATE");
	return c.ctx_id;
}

static void submit(uint32_t ctx, uint64_t offset, uint64_t size, uint32_t out)
{
	struct drm_vnpu_submit s = {
		.ctx_id = ctx, .cmd_handle = cmd_bo, .cmd_offset = offset, .cmd_size = size,
		.out_sync = { .handle = out },
	};

	while (accel_sys_ioctl(fd, DRM_IOCTL_VNPU_SUBMIT, &s)) {
		if (errno != EBUSY)
			die("SUBMIT");
		sched_yield(); /* queue full: the previous jobs are still in flight */
	}
}

static void wait_syncobjs(const uint32_t *handles, uint32_t n)
{
	struct drm_syncobj_wait w = {
		.handles = (uintptr_t)handles, .count_handles = n, .timeout_nsec = INT64_MAX,
		.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL,
	};

	vnpu_ioctl(DRM_IOCTL_SYNCOBJ_WAIT, &w, "SYNCOBJ_WAIT");
}

static void run_null_job(void *arg, long iters)
{
	(void)arg;
	for (long i = 0; i < iters; i++) {
		submit(null_ctx, 0, sizeof(struct vnpu_pkt_nop), syncobj);
		wait_syncobjs(&syncobj, 1);
	}
}

static void run_null_batched(void *arg, long iters)
{
	(void)arg;
	for (long i = 0; i < iters; i += BATCH) {
		for (long j = 0; j < BATCH; j++)
			submit(null_ctx, 0, sizeof(struct vnpu_pkt_nop), syncobj);
		wait_syncobjs(&syncobj, 1);
	}
}

static void run_seqpacket(void *arg, long iters)
{
	(void)arg;
	bench_seqpacket_round_trips(seq_fd, iters);
}

/* One DMA_COPY job per DMA engine, each a 1/n slice, on its own context; wait for all. */
static void run_dma(void *arg, long iters)
{
	(void)arg;
	for (long it = 0; it < iters; it++) {
		for (unsigned int e = 0; e < dma_engines; e++)
			submit(dma_ctx[e], 64 * (1 + e), sizeof(struct vnpu_pkt_dma_copy), dma_sync[e]);
		wait_syncobjs(dma_sync, dma_engines);
	}
}

struct memcpy_slice {
	uint8_t *dst;
	const uint8_t *src;
	size_t len;
};

static void *memcpy_thread(void *arg)
{
	struct memcpy_slice *s = arg;

	memcpy(s->dst, s->src, s->len);
	return NULL;
}

static void run_memcpy(void *arg, long iters)
{
	struct memcpy_slice s[16];
	pthread_t t[16];
	size_t slice = DMA_BYTES / dma_engines;

	(void)arg;
	for (long it = 0; it < iters; it++) {
		for (unsigned int e = 0; e < dma_engines; e++) {
			s[e] = (struct memcpy_slice){ dst_map + e * slice, src_map + e * slice, slice };
			if (pthread_create(&t[e], NULL, memcpy_thread, &s[e]))
				die("pthread_create");
		}
		for (unsigned int e = 0; e < dma_engines; e++)
			pthread_join(t[e], NULL);
	}
}

static struct accel_vnpu_uq *uq;

static void uq_nop(void)
{
	struct vnpu_pkt_nop nop = { { VNPU_OP_NOP, sizeof(nop) / 4, 0 } };
	void *space;

	if (accel_vnpu_uq_reserve(uq, sizeof(nop), 0, &space))
		die("accel_vnpu_uq_reserve");
	memcpy(space, &nop, sizeof(nop));
}

static void run_uq_null(void *arg, long iters)
{
	(void)arg;
	for (long i = 0; i < iters; i++) {
		uq_nop();
		if (accel_vnpu_uq_wait(uq, accel_vnpu_uq_submit(uq, 0), -1))
			die("accel_vnpu_uq_wait");
	}
}

static void run_uq_batched(void *arg, long iters)
{
	uint64_t last = 0;

	(void)arg;
	for (long i = 0; i < iters; i += BATCH) {
		for (long j = 0; j < BATCH; j++) {
			uq_nop();
			last = accel_vnpu_uq_submit(uq, j + 1 < BATCH ? ACCEL_VNPU_UQ_DEFER : 0);
		}
		if (accel_vnpu_uq_wait(uq, last, -1))
			die("accel_vnpu_uq_wait");
	}
}

/* The floor of a user queue: a value passed to a polling thread on another CPU and back. */
static uint64_t ping, pong;
static volatile int pong_stop;

static void pin_to(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

static void *pong_thread(void *arg)
{
	uint64_t seen = 0;

	(void)arg;
	pin_to(1);
	while (!pong_stop) {
		uint64_t v = __atomic_load_n(&ping, __ATOMIC_ACQUIRE);

		if (v != seen) {
			seen = v;
			__atomic_store_n(&pong, v, __ATOMIC_RELEASE);
		}
	}
	return NULL;
}

static void run_busy_poll(void *arg, long iters)
{
	(void)arg;
	for (long i = 0; i < iters; i++) {
		uint64_t v = __atomic_load_n(&ping, __ATOMIC_RELAXED) + 1;

		__atomic_store_n(&ping, v, __ATOMIC_RELEASE);
		while (__atomic_load_n(&pong, __ATOMIC_ACQUIRE) != v)
			;
	}
}

static struct bench_result busy_poll_round_trip(void)
{
	struct bench_result r;
	pthread_t t;

	pin_to(0);
	pong_stop = 0;
	if (pthread_create(&t, NULL, pong_thread, NULL))
		die("pthread_create");
	r = bench_run(run_busy_poll, NULL, 200000, 11);
	pong_stop = 1;
	pthread_join(t, NULL);
	{
		cpu_set_t all;

		CPU_ZERO(&all);
		for (int c = 0; c < CPU_SETSIZE; c++)
			CPU_SET(c, &all);
		sched_setaffinity(0, sizeof(all), &all);
	}
	return r;
}


/*
 * The user-queue figure with every thread of the process (the embedded device's queue
 * engine included, made after the pin) on CPU 0, in a child with its own root.
 */
static void uq_one_cpu(void)
{
	char root[32];
	struct bench_result r, seq;
	char *path;
	pid_t pid, echo;
	int status;

	bench_tmproot(root); /* made here: removed however the child ends */
	pid = bench_fork();
	if (pid) {
		status = bench_child_wait(pid);
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			die("the one-CPU child failed");
		return;
	}
	pin_to(0);
	setenv("ACCEL_ROOT", root, 1);
	path = bench_device_path("bench_vnpu_jobs", "vnpu");
	fd = accel_sys_open(path, O_RDWR);
	if (fd < 0 || accel_vnpu_uq_create(fd, 64 << 10, &uq))
		die("user queue on one CPU");
	r = bench_run(run_uq_null, NULL, 2000, 11);
	echo = bench_seqpacket_echo_start(&seq_fd); /* inherits the pin: both ends on CPU 0 */
	seq = bench_run(run_seqpacket, NULL, 20000, 11);
	bench_report("vnpu user-queue null entry, one CPU", "ns", r, "SEQPACKET round trip, one CPU",
		     seq, "");
	close(seq_fd);
	bench_child_wait(echo);
	accel_vnpu_uq_destroy(uq);
	accel_sys_close(fd);
	exit(0);
}

int main(void)
{
	char root[32];
	struct drm_syncobj_create sc = { 0 };
	struct drm_vnpu_get_param gp = { .param = VNPU_PARAM_DMA_ENGINES };
	struct bench_result job, batched, seq, dma, mc;
	struct vnpu_pkt_nop nop = { { VNPU_OP_NOP, sizeof(nop) / 4, 0 } };
	uint8_t *cmd_map;
	char *path;
	pid_t echo;

	setenv("ACCEL_ROOT", bench_tmproot(root), 1);
	setenv("ACCEL_REFRESH_MS", "0", 1);
	/*
	 * The built-in vnpu, with a job timeout a busy machine cannot reach: a bench measures,
	 * it does not test recovery (a 256 MiB copy may take seconds when other work runs).
	 */
	if (accel_embedded_start("[vnpu.0]\ndriver = vnpu\njob_timeout_ms = 600000\n"))
		die("accel_embedded_start");
	path = bench_device_path("bench_vnpu_jobs", "vnpu");
	fd = accel_sys_open(path, O_RDWR);
	if (fd < 0)
		die(path);
	vnpu_ioctl(DRM_IOCTL_VNPU_GET_PARAM, &gp, "GET_PARAM");
	dma_engines = (unsigned int)gp.value;
	if (dma_engines > 16)
		dma_engines = 16;
	vnpu_ioctl(DRM_IOCTL_SYNCOBJ_CREATE, &sc, "SYNCOBJ_CREATE");
	syncobj = sc.handle;

	/* Command buffer: a NOP at 0, then one DMA_COPY slice per engine at 64 * (1 + e). */
	cmd_bo = bo_create(4096, 0, VNPU_VA_START, (void **)&cmd_map);
	memcpy(cmd_map, &nop, sizeof(nop));
	bo_create(DMA_BYTES, 0, VNPU_VA_START + (1ull << 30), (void **)&src_map);
	bo_create(DMA_BYTES, 0, VNPU_VA_START + (2ull << 30), (void **)&dst_map);
	memset(src_map, 0x3c, DMA_BYTES);
	memset(dst_map, 0, DMA_BYTES);
	for (unsigned int e = 0; e < dma_engines; e++) {
		uint64_t slice = DMA_BYTES / dma_engines;
		struct vnpu_pkt_dma_copy c = {
			.hdr = { VNPU_OP_DMA_COPY, sizeof(c) / 4, 0 },
			.src_va = VNPU_VA_START + (1ull << 30) + e * slice,
			.dst_va = VNPU_VA_START + (2ull << 30) + e * slice,
			.size = slice,
		};

		memcpy(cmd_map + 64 * (1 + e), &c, sizeof(c));
		dma_ctx[e] = ctx_create(VNPU_ENGINE_DMA);
		sc.handle = 0;
		vnpu_ioctl(DRM_IOCTL_SYNCOBJ_CREATE, &sc, "SYNCOBJ_CREATE");
		dma_sync[e] = sc.handle;
	}
	null_ctx = ctx_create(VNPU_ENGINE_DMA);

	job = bench_run(run_null_job, NULL, 2000, 11);
	batched = bench_run(run_null_batched, NULL, 20 * BATCH, 11);
	echo = bench_seqpacket_echo_start(&seq_fd);
	seq = bench_run(run_seqpacket, NULL, 20000, 11);
	bench_report("vnpu null job submit-to-complete", "ns", job, "SEQPACKET 64 B round trip", seq,
		     "");
	bench_report("vnpu null job, batched 64 (per job)", "ns", batched,
		     "SEQPACKET 64 B round trip", seq, "");
	close(seq_fd);
	bench_child_wait(echo);

	if (accel_vnpu_uq_create(fd, 64 << 10, &uq))
		die("accel_vnpu_uq_create");
	{
		struct bench_result uqr, uqb, poll;

		uqr = bench_run(run_uq_null, NULL, 20000, 11);
		uqb = bench_run(run_uq_batched, NULL, 200 * BATCH, 11);
		poll = busy_poll_round_trip();
		bench_report("vnpu user-queue null entry submit-to-complete", "ns", uqr,
			     "busy-poll round trip, 2 CPUs", poll, "<= 3");
		bench_report("vnpu user-queue null entry, batched 64 (per entry)", "ns", uqb,
			     "busy-poll round trip, 2 CPUs", poll, "");
	}
	accel_vnpu_uq_destroy(uq);
	uq_one_cpu();

	dma = bench_run(run_dma, NULL, 4, 5);
	mc = bench_run(run_memcpy, NULL, 4, 5);
	if (memcmp(src_map, dst_map, DMA_BYTES)) {
		fprintf(stderr, "bench_vnpu_jobs: DMA copy result differs from its source\n");
		return 1;
	}
	/* Throughput: report the baseline's time over ours as the ratio, higher is better. */
	bench_report("vnpu DMA copy 256 MiB, all DMA engines", "ns", dma, "memcpy, as many threads",
		     mc, "<= 1.11 (>= 0.9x memcpy speed)");
	accel_sys_close(fd);
	free(path);
	return 0;
}
