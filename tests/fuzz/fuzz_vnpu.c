// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the vnpu driver's ioctls through the embedded path - buffer objects,
 * VM_BIND, contexts, SUBMIT of command streams (docs/vnpu-isa.md) written into buffer
 * objects through MMAP/WRITE, user queues (docs/vnpu-uq.md) fed through their mapped rings -
 * with the core's syncobj and PRIME ioctls around them. Input format: fuzz_ioctl.h, plus:
 *
 *   UQ_PUSH  queue:u8 fix:u8 len:u16 bytes   write an entry at the queue's write pointer,
 *            advance it and ring; with fix bit 0 the harness writes a valid header (length,
 *            the next seqno) and the PAD an entry crossing the ring's end needs
 *   UQ_WPTR  queue:u8 wptr:u64               store a raw write pointer and ring
 *
 * The device is small and quick to give up: one engine of each class, a 20 ms job timeout,
 * 4 jobs per context; buffer objects are at most 256 KiB so that no packet computes for long.
 *
 * After each input, once its files are closed, the harness waits for the device's jobs to be
 * freed (vnpu_wait_jobs_freed()): as in the kernel, close does not wait for a job on an
 * engine, which keeps its command buffer and the client's address space until it completes
 * or times out. Then nothing of the input may be left: no GEM object alive on the device
 * (checked exactly, whatever the core's memfd pool holds), and the descriptor check of
 * fuzz_fdcheck.h. Waiting on that event rather than polling for a time is what keeps the
 * check right on a loaded machine, where a job's 20 ms took seconds of wall-clock time.
 */
#include <linux/futex.h>
#include <sys/syscall.h>

#include "fuzz_ioctl.h"
#include "fuzz_fdcheck.h"

#include <accel/drm_file.h>
#include <accel/drm_gem.h>
#include <uapi/drm/vnpu_accel.h>
#include "drivers/vnpu/vnpu_drv.h"

static const char config[] =
	"[vnpu.0]\ndriver = vnpu\ncompute_engines = 1\ndma_engines = 1\nvram_size = 64M\n"
	"sram_size = 64K\nqueue_depth = 4\njob_timeout_ms = 20\n";

static const char *const nodes[] = { "accel/accel0" };

#define FZ_BO_MAX	(256u << 10)
#define FZ_MAX_QUEUES	4

/** struct fz_queue - a user queue of this input, mapped: control page and ring. */
struct fz_queue {
	struct fz_map map;	/* apart from MMAP's: MUNMAP cannot take it away */
	struct vnpu_uq_control *ctrl;
	uint8_t *ring;
	uint32_t ring_size;
	uint64_t seqno;
	uint64_t wptr;
};

static struct fz_queue queues[FZ_MAX_QUEUES];
static unsigned int num_queues;

/* The device every input drives (it lives across inputs), and its GEM objects with no input. */
static struct drm_device *vnpu_dev;
static unsigned int base_gem_objects;

static void fix_bo_create(struct fz *f, void *arg, struct fz_in *in)
{
	struct drm_vnpu_bo_create *c = arg;

	(void)f; (void)in;
	/* Sizes past 2^63 stay, to reach the size checks; the rest are bounded. */
	if (!(c->size >> 63))
		c->size %= FZ_BO_MAX + 1;
}

static void post_bo_info(struct fz *f, void *arg)
{
	fz_offset_add(f, ((struct drm_vnpu_bo_info *)arg)->mmap_offset);
}

/* A new queue: map its object (control page and ring) the way libaccel does. */
static void post_queue_create(struct fz *f, void *arg)
{
	struct drm_vnpu_queue_create *qc = arg;
	struct drm_vnpu_bo_info info = { .handle = qc->handle };
	struct drm_vnpu_bo_info *ua = (void *)(f->arena + FZ_ARG_MAX);
	struct fz_queue *q;

	if (num_queues == FZ_MAX_QUEUES)
		return;
	/* The argument must be "user memory": the arena. */
	memcpy(ua, &info, sizeof(info));
	if (vfs_ioctl(fz_file(f), DRM_IOCTL_VNPU_BO_INFO, (unsigned long)ua))
		return;
	q = &queues[num_queues];
	if (fz_mmap_into(f, ua->mmap_offset, VNPU_UQ_RING_OFFSET + qc->ring_size,
			 PROT_READ | PROT_WRITE, &q->map))
		return;
	num_queues++;
	q->ctrl = q->map.addr;
	q->ring = (uint8_t *)q->map.addr + VNPU_UQ_RING_OFFSET;
	q->ring_size = qc->ring_size;
	q->seqno = 0;
	q->wptr = 0;
}

static void ring_doorbell(struct fz_queue *q)
{
	__atomic_store_n(&q->ctrl->wptr, q->wptr, __ATOMIC_SEQ_CST);
	__atomic_fetch_add(&q->ctrl->doorbell, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&q->ctrl->device_sleeping, __ATOMIC_SEQ_CST))
		syscall(SYS_futex, &q->ctrl->doorbell, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

static void ring_write(struct fz_queue *q, const uint8_t *src, size_t len)
{
	for (size_t i = 0; i < len; i++)
		q->ring[(q->wptr + i) & (q->ring_size - 1)] = src[i];
	q->wptr += len;
}

static void op_uq_push(struct fz *f, struct fz_in *in)
{
	uint8_t sel = fz_u8(in), fix = fz_u8(in);
	uint16_t len = fz_u16(in) % 4096;
	uint8_t buf[4096];
	struct fz_queue *q;

	(void)f;
	fz_bytes(in, buf, len);
	if (!num_queues)
		return;
	q = &queues[sel % num_queues];
	if (fix & 1) {
		struct vnpu_uq_entry *e = (struct vnpu_uq_entry *)buf;
		uint32_t room = q->ring_size - (uint32_t)(q->wptr & (q->ring_size - 1));

		len = (uint16_t)((len < sizeof(*e) ? sizeof(*e) : len + 7u) & ~7u);
		if (len > sizeof(*e) && len > 4088)
			len = 4088;
		e->length = len;
		e->seqno = (e->flags & VNPU_UQ_ENTRY_PAD) ? 0 : q->seqno + 1;
		/* No room left for the unconsumed entries: leave the ring as it is. */
		if (q->wptr + len + room - __atomic_load_n(&q->ctrl->rptr, __ATOMIC_ACQUIRE) > q->ring_size)
			return;
		if (room < len) {
			struct vnpu_uq_entry pad = { .length = room, .flags = VNPU_UQ_ENTRY_PAD };

			if (room >= sizeof(pad))
				ring_write(q, (const uint8_t *)&pad, sizeof(pad));
			q->wptr += room - (room >= sizeof(pad) ? sizeof(pad) : 0);
		}
		if (!(e->flags & VNPU_UQ_ENTRY_PAD))
			q->seqno++;
	}
	ring_write(q, buf, len);
	ring_doorbell(q);
}

static void op_uq_wptr(struct fz *f, struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	uint64_t wptr = fz_u64(in);
	struct fz_queue *q;

	(void)f;
	if (!num_queues)
		return;
	q = &queues[sel % num_queues];
	q->wptr = wptr;
	ring_doorbell(q);
}

static bool target_op(struct fz *f, unsigned int op, struct fz_in *in)
{
	if (op == 0)
		op_uq_push(f, in);
	else
		op_uq_wptr(f, in);
	return true;
}

static void cleanup(struct fz *f)
{
	(void)f;
	while (num_queues)
		fz_unmap(&queues[--num_queues].map);
}

static const struct drm_ioctl_ptr submit_ptrs[] = {
	DRM_IOCTL_PTR(struct drm_vnpu_submit, in_syncs, num_in_syncs, sizeof(struct drm_vnpu_sync),
		      VNPU_MAX_IN_SYNCS, DRM_IOCTL_IN),
};
static const struct drm_ioctl_layout submit_layout = { submit_ptrs, 1, NULL, 0 };

static const struct fz_ioctl ioctls[] = {
	{ DRM_IOCTL_VNPU_GET_PARAM },
	{ DRM_IOCTL_VNPU_BO_CREATE, NULL, fix_bo_create },
	{ DRM_IOCTL_VNPU_BO_INFO, NULL, NULL, post_bo_info },
	{ DRM_IOCTL_VNPU_VM_BIND },
	{ DRM_IOCTL_VNPU_CONTEXT_CREATE },
	{ DRM_IOCTL_VNPU_CONTEXT_DESTROY },
	{ DRM_IOCTL_VNPU_SUBMIT, &submit_layout },
	{ DRM_IOCTL_VNPU_QUEUE_CREATE, NULL, NULL, post_queue_create },
	{ DRM_IOCTL_VNPU_QUEUE_DESTROY },
	{ DRM_IOCTL_VNPU_QUEUE_SIGNAL },
	FZ_CORE_IOCTLS,
};

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct file *file;

	(void)argc; (void)argv;
	fz_init(config, nodes, 1);
	file = chrdev_open(major(fz_state.nodes[0]), minor(fz_state.nodes[0]), O_RDWR);
	if (IS_ERR(file)) {
		fprintf(stderr, "fuzz: open: %s\n", strerror((int)-PTR_ERR(file)));
		exit(1);
	}
	vnpu_dev = drm_file_from_filp(file)->minor->dev;
	fput(file);
	base_gem_objects = drm_gem_objects_live(vnpu_dev);
	return 0;
}

/* Every file of the input is closed: once its jobs are freed, none of its objects may live. */
static void gem_check(void)
{
	unsigned int live, jobs = vnpu_jobs_alive(vnpu_dev);
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	vnpu_wait_jobs_freed(vnpu_dev);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (fz_trace && jobs)
		fprintf(stderr, "fuzz: %u jobs outlived the input's files by %lld ms\n", jobs,
			(long long)(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
	live = drm_gem_objects_live(vnpu_dev);
	if (live != base_gem_objects) {
		fprintf(stderr, "fuzz: %u GEM objects alive after the input and its jobs, %u before any: an object leaked\n",
			live, base_gem_objects);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fz_run(data, size, ioctls, sizeof(ioctls) / sizeof(ioctls[0]), 2, target_op, cleanup);
	gem_check();
	fz_fd_check();
	return 0;
}
