// SPDX-License-Identifier: MIT
/*
 * vnpu user-space queues through libaccel descriptors and the libaccel_vnpu.h helpers:
 * entries run in order across ring wraps (PAD entries and short tails), a full ring
 * (non-blocking and blocking reserve), entries that fail (MMU faults, the job timeout,
 * malformed entries and packets) stop only their own queue, indirect entries, QUEUE_SIGNAL
 * fences seen by syncobj waits and eventfds, the queue ioctls' argument errors, destroying
 * or closing with an entry in progress, several queues of several clients at once, and
 * queues of clients of acceld (the control page and ring shared with the daemon).
 *
 * vnpu.0 has the short job timeout (300 ms) of the hang test; vnpu.1 a long one, for the
 * tests whose entries block on a semaphore on purpose, so that no blocked entry is ever cut
 * short by the timeout on a loaded machine.
 *
 * The acceld group runs first, before the embedded core starts in this process: its clients
 * are forked, and a child of a process whose embedded core runs would inherit that core
 * (without its threads) and its root.
 */
#include "vnpu_client.h"

#include <linux/futex.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include <libaccel_vnpu.h>
#include <uapi/drm/drm_ext.h>

static const char config[] =
	"[vnpu.0]\n"
	"driver = vnpu\n"
	"job_timeout_ms = 300\n"
	"\n"
	"[vnpu.1]\n"
	"driver = vnpu\n"
	"job_timeout_ms = 10000\n";

static const char daemon_config[] =
	"[nodes]\n"
	"mode = 0666\n"
	"\n"
	"[vnpu.0]\n"
	"driver = vnpu\n"
	"job_timeout_ms = 300\n"
	"\n"
	"[vnpu.1]\n"
	"driver = vnpu\n"
	"job_timeout_ms = 10000\n";

#define DEV		"vnpu.0"	/* job timeout 300 ms */
#define DEV_LONG	"vnpu.1"	/* job timeout 10 s: entries that block on purpose */
#define PG		VNPU_VA_PAGE_SIZE
#define UQ_WAIT_NS	((int64_t)VC_WAIT_S * 1000000000ll)
#define RING_MIN	VNPU_UQ_RING_MIN

/* The nodes accel_devices_list() reports for vnpu.0 and vnpu.1. */
static struct {
	const char *pdev;
	int minor;
	char path[64];
} nodes[2] = { { DEV, -1, "" }, { DEV_LONG, -1, "" } };

/* ---------------------------------------------------------------------------------------- */
/* Helpers                                                                                  */
/* ---------------------------------------------------------------------------------------- */

static int embedded_setup(void **state)
{
	struct accel_device_info *v;
	size_t n, i, k;

	(void)state;
	if (test_embedded_start("vnpu-uq", config))
		return -1;
	if (accel_devices_list(&v, &n, 0))
		return -1;
	for (i = 0; i < n; i++) {
		if (strcmp(v[i].driver, "vnpu") || v[i].backend != ACCEL_BACKEND_EMBEDDED)
			continue;
		for (k = 0; k < 2; k++) {
			if (!strcmp(v[i].parent, nodes[k].pdev)) {
				nodes[k].minor = (int)v[i].minor;
				snprintf(nodes[k].path, sizeof(nodes[k].path), "%s", v[i].path);
			}
		}
	}
	free(v);
	return nodes[0].minor >= 0 && nodes[1].minor >= 0 ? 0 : -1;
}

static int embedded_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

/* Open @pdev: the node accel_devices_list() found for it. */
static void uq_open(struct vc_client *c, const char *pdev)
{
	int k = strcmp(pdev, DEV) ? 1 : 0;

	vc_open(c, pdev);
	assert_int_equal(c->minor, nodes[k].minor);
	assert_int_equal(accel_fd_backend(c->fd), ACCEL_BACKEND_EMBEDDED);
}

static struct accel_vnpu_uq *uq_new(struct vc_client *c, uint32_t ring_size)
{
	struct accel_vnpu_uq *q = NULL;

	assert_int_equal(accel_vnpu_uq_create(c->fd, ring_size, &q), 0);
	assert_non_null(q);
	return q;
}

/* The control page, writable (tests that play the client by hand write its client half). */
static struct vnpu_uq_control *uq_ctrl(struct accel_vnpu_uq *q)
{
	return (struct vnpu_uq_control *)accel_vnpu_uq_control(q);
}

static uint32_t uq_status(struct accel_vnpu_uq *q)
{
	return __atomic_load_n(&uq_ctrl(q)->status, __ATOMIC_ACQUIRE);
}

/* Reserve, copy @s, submit: 0 and the seqno, or the reserve's error. No cmocka asserts. */
static int uq_try_push(struct accel_vnpu_uq *q, const struct vnpu_stream *s, int rflags,
		       int sflags, uint64_t *seqno)
{
	void *space;
	int ret = accel_vnpu_uq_reserve(q, s->len, rflags, &space);

	if (ret)
		return ret;
	memcpy(space, s->buf, s->len);
	*seqno = accel_vnpu_uq_submit(q, sflags);
	return *seqno ? 0 : -EPROTO;
}

static uint64_t uq_push(struct accel_vnpu_uq *q, const struct vnpu_stream *s)
{
	uint64_t seqno = 0;

	assert_int_equal(uq_try_push(q, s, 0, 0, &seqno), 0);
	return seqno;
}

/* One entry holding one FENCE_WRITE of @value at @va. */
static uint64_t uq_push_fence(struct accel_vnpu_uq *q, uint64_t va, uint64_t value)
{
	struct vnpu_stream s = { .len = 0 };

	vc_fence_write(&s, va, value);
	return uq_push(q, &s);
}

/* One entry that waits until the value at @va is >= @value (no timeout of its own). */
static uint64_t uq_push_sem_wait(struct accel_vnpu_uq *q, uint64_t va, uint64_t value)
{
	struct vnpu_stream s = { .len = 0 };

	vc_sem_wait(&s, va, value, 0);
	return uq_push(q, &s);
}

static void assert_queue_running(struct accel_vnpu_uq *q)
{
	assert_int_equal(uq_status(q), VNPU_UQ_STATUS_RUNNING);
}

/* The queue stopped at entry @seqno with @error. */
static void assert_queue_stopped(struct accel_vnpu_uq *q, int error, uint64_t seqno)
{
	const struct vnpu_uq_control *c = accel_vnpu_uq_control(q);

	assert_int_equal(uq_status(q), VNPU_UQ_STATUS_ERROR);
	assert_int_equal(__atomic_load_n(&c->error, __ATOMIC_RELAXED), error);
	assert_int_equal(__atomic_load_n(&c->error_seqno, __ATOMIC_RELAXED), seqno);
}

/* The debugfs "queues" line of user queue @qid of client @c (malloc'd), or NULL. */
static char *uq_debugfs_line(struct vc_client *c, uint32_t qid)
{
	char *text = vc_debugfs_text(c->minor, "queues"), key[96], *p, *end, *line = NULL;
	size_t klen;

	assert_non_null(text);
	klen = (size_t)snprintf(key, sizeof(key), "client=%llu user-queue=%u ",
				(unsigned long long)c->client_id, qid);
	for (p = text; p && *p; p = end ? end + 1 : NULL) {
		end = strchr(p, '\n');
		if (!strncmp(p, key, klen)) {
			line = strndup(p, end ? (size_t)(end - p) : strlen(p));
			break;
		}
	}
	free(text);
	return line;
}

/* Field @name ("completed") of a debugfs queue line. */
static long long uq_field(const char *line, const char *name)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), " %s=", name);
	p = strstr(line, key);
	if (!p) {
		print_error("no %s in \"%s\"\n", name, line);
		fail();
	}
	return strtoll(p + strlen(key), NULL, 10);
}

/* Wait (bounded) until the queue's debugfs line says entry @seqno is running. */
static void uq_wait_running(struct vc_client *c, uint32_t qid, uint64_t seqno)
{
	uint64_t deadline = vc_now_ns() + VC_WAIT_S * 1000000000ull;
	char want[32];

	snprintf(want, sizeof(want), " running=%llu ", (unsigned long long)seqno);
	for (;;) {
		char *line = uq_debugfs_line(c, qid);
		int found = line && strstr(line, want);

		free(line);
		if (found)
			return;
		if (vc_now_ns() > deadline) {
			print_error("entry %llu of queue %u never showed as running\n",
				    (unsigned long long)seqno, qid);
			fail();
		}
		usleep(1000);
	}
}

/* Playing the client by hand: entries written straight into the ring. */
struct raw_ring {
	struct vnpu_uq_control *c;
	uint8_t *ring;
	uint32_t size;
	uint64_t wptr;
};

static struct raw_ring raw_of(struct accel_vnpu_uq *q, uint32_t ring_size)
{
	struct raw_ring r = { .c = uq_ctrl(q), .size = ring_size };

	r.ring = (uint8_t *)r.c + VNPU_UQ_RING_OFFSET;
	r.wptr = __atomic_load_n(&r.c->wptr, __ATOMIC_RELAXED);
	return r;
}

/*
 * Write an entry header (@length, @flags, @seqno) and @body at the write pointer, advance it
 * by @advance bytes, publish and ring as the protocol says.
 */
static void raw_write(struct raw_ring *r, uint32_t length, uint32_t flags, uint64_t seqno,
		      const void *body, size_t body_len, uint64_t advance)
{
	struct vnpu_uq_entry e = { .length = length, .flags = flags, .seqno = seqno };
	uint32_t off = (uint32_t)(r->wptr & (r->size - 1));

	assert_true(off + sizeof(e) + body_len <= r->size);
	memcpy(r->ring + off, &e, sizeof(e));
	if (body_len)
		memcpy(r->ring + off + sizeof(e), body, body_len);
	r->wptr += advance;
	__atomic_store_n(&r->c->wptr, r->wptr, __ATOMIC_RELEASE);
	__atomic_add_fetch(&r->c->doorbell, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&r->c->device_sleeping, __ATOMIC_SEQ_CST))
		syscall(SYS_futex, &r->c->doorbell, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/* A stream of one FENCE_WRITE. */
static struct vnpu_stream fence_stream(uint64_t va, uint64_t value)
{
	struct vnpu_stream s = { .len = 0 };

	vc_fence_write(&s, va, value);
	return s;
}

/* QUEUE_SIGNAL: 0 or -errno. */
static int uq_signal(struct vc_client *c, uint32_t qid, uint64_t seqno, uint32_t syncobj,
		     uint64_t point)
{
	struct drm_vnpu_queue_signal a = { .queue_id = qid, .seqno = seqno,
					   .out_sync = { .handle = syncobj, .point = point } };

	return vc_ioctl(c, DRM_IOCTL_VNPU_QUEUE_SIGNAL, &a);
}

static int uq_destroy_ioctl(struct vc_client *c, uint32_t qid)
{
	struct drm_vnpu_queue_destroy d = { .queue_id = qid };

	return vc_ioctl(c, DRM_IOCTL_VNPU_QUEUE_DESTROY, &d);
}

static void syncobj_destroy(struct vc_client *c, uint32_t handle)
{
	struct drm_syncobj_destroy d = { .handle = handle };

	assert_int_equal(vc_ioctl(c, DRM_IOCTL_SYNCOBJ_DESTROY, &d), 0);
}

static void gem_close(struct vc_client *c, uint32_t handle)
{
	struct drm_gem_close cl = { .handle = handle };

	assert_int_equal(vc_ioctl(c, DRM_IOCTL_GEM_CLOSE, &cl), 0);
}

/* A VA of @c where nothing is, nor will be, mapped (8-byte aligned, inside a page). */
static uint64_t unmapped_va(struct vc_client *c)
{
	return vc_va(c, PG) + 0x38;
}

/* ---------------------------------------------------------------------------------------- */
/* Running entries                                                                          */
/* ---------------------------------------------------------------------------------------- */

#define ORDER_ENTRIES 1000

/*
 * Entry i copies slot a[i-1] to b[i], then writes i to a[i]: b[i] == i - 1 for every i
 * only if each entry ran after the one before it had completed.
 */
static void entries_complete_in_order(void **state)
{
	struct vc_client c;
	struct vc_bo bo;
	struct accel_vnpu_uq *q;
	uint64_t *a, *b, a_va, b_va, i;
	char *line;

	(void)state;
	uq_open(&c, DEV);
	vc_bo_new(&c, &bo, 2 * 8 * (ORDER_ENTRIES + 1), 0);
	a = (uint64_t *)bo.p;
	b = a + ORDER_ENTRIES + 1;
	a_va = bo.va;
	b_va = bo.va + 8 * (ORDER_ENTRIES + 1);
	vc_store64(&a[0], 0);
	q = uq_new(&c, 16384);
	for (i = 1; i <= ORDER_ENTRIES; i++) {
		struct vnpu_stream s = { .len = 0 };

		vc_dma_copy(&s, a_va + 8 * (i - 1), b_va + 8 * i, 8);
		vc_fence_write(&s, a_va + 8 * i, i);
		assert_int_equal(uq_push(q, &s), i);
	}
	assert_int_equal(accel_vnpu_uq_wait(q, ORDER_ENTRIES, UQ_WAIT_NS), 0);
	for (i = 1; i <= ORDER_ENTRIES; i++) {
		if (vc_load64(&a[i]) != i || vc_load64(&b[i]) != i - 1) {
			print_error("entry %llu: a=%llu b=%llu\n", (unsigned long long)i,
				    (unsigned long long)a[i], (unsigned long long)b[i]);
			fail();
		}
	}
	assert_int_equal(accel_vnpu_uq_completed(q), ORDER_ENTRIES);
	assert_queue_running(q);
	assert_int_equal(__atomic_load_n(&uq_ctrl(q)->rptr, __ATOMIC_ACQUIRE),
			 __atomic_load_n(&uq_ctrl(q)->wptr, __ATOMIC_RELAXED));
	line = uq_debugfs_line(&c, accel_vnpu_uq_id(q));
	assert_non_null(line);
	assert_int_equal(uq_field(line, "ring"), 16384);
	assert_int_equal(uq_field(line, "completed"), ORDER_ENTRIES);
	assert_int_equal(uq_field(line, "entries"), ORDER_ENTRIES);
	assert_int_equal(uq_field(line, "error"), 0);
	free(line);
	accel_vnpu_uq_destroy(q);
	vc_bo_free(&c, &bo);
	vc_close(&c);
}

#define WRAP_RING	4096u
#define WRAP_ENTRIES	3000u
#define WRAP_MAX	1000u

/* A NOP packet of @bytes (>= 8, a multiple of 8) with a junk payload. */
static void emit_nop(struct vnpu_stream *s, size_t bytes)
{
	uint8_t pkt[RING_MIN];

	assert_true(bytes >= 8 && bytes <= sizeof(pkt) && !(bytes & 7));
	memset(pkt, 0x5a, bytes);
	vc_emit(s, VNPU_OP_NOP, 0, pkt, bytes);
}

/*
 * Entries of 16 to 1000 bytes through a 4 KiB ring, hundreds of wraps. Every wrap is steered
 * to end one of three ways in turn: an entry that leaves 8 bytes (a tail the device skips
 * without a PAD), one that ends exactly at the ring's end, or a random one that crosses
 * (a PAD entry, or a short tail, before it).
 */
static void ring_wraps_around(void **state)
{
	struct vc_client c;
	struct vc_bo bo;
	struct accel_vnpu_uq *q;
	uint64_t rng = vc_seed(), *slot, n, magic = 0x9e3779b97f4a7c15ull;
	unsigned int mode = 0, tails = 0, exact = 0, pads = 0, fenced = 0;
	uint8_t *wrote;
	char *line;

	(void)state;
	uq_open(&c, DEV);
	vc_bo_new(&c, &bo, 8 * (WRAP_ENTRIES + 1), 0);
	slot = (uint64_t *)bo.p;
	wrote = calloc(WRAP_ENTRIES + 1, 1);
	assert_non_null(wrote);
	q = uq_new(&c, WRAP_RING);
	for (n = 1; n <= WRAP_ENTRIES; n++) {
		uint32_t off = (uint32_t)(__atomic_load_n(&uq_ctrl(q)->wptr, __ATOMIC_RELAXED) &
					  (WRAP_RING - 1));
		uint32_t left = WRAP_RING - off, size, body;
		struct vnpu_stream s = { .len = 0 };

		if (left > WRAP_MAX) {
			/* not near the end yet: random, but leave at least 48 bytes */
			uint32_t most = left - 48 < WRAP_MAX ? left - 48 : WRAP_MAX;

			size = 16 + 8 * (uint32_t)(xorshift64s(&rng) % ((most - 16) / 8 + 1));
		} else if (left < 16) {
			/* a tail too short for a header: skipped, no PAD */
			size = 16 + 8 * (uint32_t)(xorshift64s(&rng) % ((WRAP_MAX - 16) / 8 + 1));
			tails++;
		} else if (mode % 3 == 0) {
			/* leave an 8-byte tail */
			if (left >= 24) {
				size = left - 8;
				mode++;
			} else {
				size = left;
				exact++;
			}
		} else if (mode % 3 == 1) {
			size = left;
			exact++;
			mode++;
		} else {
			size = 16 + 8 * (uint32_t)(xorshift64s(&rng) % ((WRAP_MAX - 16) / 8 + 1));
			if (size > left) {
				pads++;
				mode++;
			} else if (size == left) {
				exact++;
			}
		}
		body = size - 16;
		if (body >= 24) {
			vc_fence_write(&s, bo.va + 8 * n, n ^ magic);
			wrote[n] = 1;
			fenced++;
			if (body > 24)
				emit_nop(&s, body - 24);
		} else if (body) {
			emit_nop(&s, body);
		}
		assert_int_equal(s.len, body);
		assert_int_equal(uq_push(q, &s), n);
	}
	assert_int_equal(accel_vnpu_uq_wait(q, WRAP_ENTRIES, UQ_WAIT_NS), 0);
	print_message("%u wraps: %u short tails, %u exact ends, %u PAD entries; %u fenced\n",
		      tails + exact + pads, tails, exact, pads, fenced);
	/* Every kind of wrap happened, many times (a third of the wraps are steered to each). */
	assert_true(tails >= 20);
	assert_true(exact >= 20);
	assert_true(pads >= 20);
	for (n = 1; n <= WRAP_ENTRIES; n++) {
		uint64_t want = wrote[n] ? n ^ magic : 0xAAAAAAAAAAAAAAAAull;

		if (vc_load64(&slot[n]) != want) {
			print_error("entry %llu: slot %#llx, want %#llx\n", (unsigned long long)n,
				    (unsigned long long)slot[n], (unsigned long long)want);
			fail();
		}
	}
	assert_int_equal(accel_vnpu_uq_completed(q), WRAP_ENTRIES);
	assert_queue_running(q);
	assert_int_equal(__atomic_load_n(&uq_ctrl(q)->rptr, __ATOMIC_ACQUIRE),
			 __atomic_load_n(&uq_ctrl(q)->wptr, __ATOMIC_RELAXED));
	line = uq_debugfs_line(&c, accel_vnpu_uq_id(q));
	assert_non_null(line);
	/* PAD entries and skipped tails are not entries */
	assert_int_equal(uq_field(line, "entries"), WRAP_ENTRIES);
	assert_int_equal(uq_field(line, "completed"), WRAP_ENTRIES);
	free(line);
	free(wrote);
	accel_vnpu_uq_destroy(q);
	vc_bo_free(&c, &bo);
	vc_close(&c);
}

/* Published with ACCEL_VNPU_UQ_DEFER, the entries run once accel_vnpu_uq_ring() rings. */
static void deferred_entries_run_once_the_doorbell_rings(void **state)
{
	struct vc_client c;
	struct vc_bo bo;
	struct accel_vnpu_uq *q;
	uint64_t *slot, i, seqno = 0;

	(void)state;
	uq_open(&c, DEV);
	vc_bo_new(&c, &bo, 8 * 17, 0);
	slot = (uint64_t *)bo.p;
	q = uq_new(&c, RING_MIN);
	for (i = 1; i <= 16; i++) {
		struct vnpu_stream s = fence_stream(bo.va + 8 * i, i + 100);

		assert_int_equal(uq_try_push(q, &s, 0, ACCEL_VNPU_UQ_DEFER, &seqno), 0);
		assert_int_equal(seqno, i);
	}
	accel_vnpu_uq_ring(q);
	assert_int_equal(accel_vnpu_uq_wait(q, 16, UQ_WAIT_NS), 0);
	for (i = 1; i <= 16; i++)
		assert_int_equal(vc_load64(&slot[i]), i + 100);
	accel_vnpu_uq_destroy(q);
	vc_bo_free(&c, &bo);
	vc_close(&c);
}

/* ---------------------------------------------------------------------------------------- */
/* A full ring                                                                              */
/* ---------------------------------------------------------------------------------------- */

struct reserver {
	struct accel_vnpu_uq *q;
	struct vnpu_stream s;
	atomic_int done;
	int ret;
	uint64_t seqno;
};

static void *blocking_reserve_thread(void *arg)
{
	struct reserver *r = arg;

	r->ret = uq_try_push(r->q, &r->s, 0, 0, &r->seqno);
	atomic_store(&r->done, 1);
	return NULL;
}

/*
 * Behind an entry blocked on a semaphore, the ring fills: a NONBLOCK reserve then says
 * -EAGAIN, a blocking one (from another thread) sleeps until the device frees space; once the
 * semaphore is released from the CPU everything completes.
 */
static void full_ring_nonblocking_reserve_is_eagain(void **state)
{
	struct vc_client c;
	struct vc_bo bo;
	struct accel_vnpu_uq *q;
	struct reserver r = { 0 };
	uint64_t *sem, *slot, n, seqno = 0, deadline;
	void *space;
	pthread_t t;

	(void)state;
	uq_open(&c, DEV_LONG);
	vc_bo_new(&c, &bo, PG + 8 * 512, 0);
	sem = (uint64_t *)bo.p;
	slot = (uint64_t *)(bo.p + PG);
	vc_store64(sem, 0);
	q = uq_new(&c, RING_MIN);
	assert_int_equal(uq_push_sem_wait(q, bo.va, 1), 1);
	for (n = 1;; n++) {
		struct vnpu_stream s = fence_stream(bo.va + PG + 8 * (n + 1), n + 1);
		int ret = uq_try_push(q, &s, ACCEL_VNPU_UQ_NONBLOCK, 0, &seqno);

		if (ret == -EAGAIN)
			break;
		assert_int_equal(ret, 0);
		assert_int_equal(seqno, n + 1);
		assert_true(n < 510);
	}
	/* entries 1..n are in the ring; it has no room for one more */
	assert_true(n > 50);
	assert_int_equal(accel_vnpu_uq_reserve(q, 24, ACCEL_VNPU_UQ_NONBLOCK, &space), -EAGAIN);
	assert_int_equal(accel_vnpu_uq_completed(q), 0);

	r.q = q;
	r.s = fence_stream(bo.va + PG + 8 * (n + 1), n + 1);
	assert_int_equal(pthread_create(&t, NULL, blocking_reserve_thread, &r), 0);
	/* the thread sleeps on the control page once it has seen the ring full */
	deadline = vc_now_ns() + VC_WAIT_S * 1000000000ull;
	while (!__atomic_load_n(&uq_ctrl(q)->waiters, __ATOMIC_SEQ_CST)) {
		assert_true(vc_now_ns() < deadline);
		usleep(1000);
	}
	assert_int_equal(atomic_load(&r.done), 0);
	vc_store64(sem, 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.seqno, n + 1);
	assert_int_equal(accel_vnpu_uq_wait(q, n + 1, UQ_WAIT_NS), 0);
	for (seqno = 2; seqno <= n + 1; seqno++)
		assert_int_equal(vc_load64(&slot[seqno]), seqno);
	assert_queue_running(q);
	accel_vnpu_uq_destroy(q);
	vc_bo_free(&c, &bo);
	vc_close(&c);
}

struct big_reserver {
	struct accel_vnpu_uq *q;
	uint64_t va, value;
	size_t bytes;
	int ret;
	uint64_t seqno;
};

/* Reserve @bytes (blocking), fill them with a FENCE_WRITE and a NOP, submit. No asserts. */
static void *big_reserve_thread(void *arg)
{
	struct big_reserver *r = arg;
	struct vnpu_pkt_fence_write f = { .hdr = { VNPU_OP_FENCE_WRITE, 6, 0 }, .va = r->va,
					  .value = r->value };
	struct vnpu_pkt_header nop = { VNPU_OP_NOP, (uint16_t)((r->bytes - sizeof(f)) / 4), 0 };
	uint8_t *space;

	r->ret = accel_vnpu_uq_reserve(r->q, r->bytes, 0, (void **)&space);
	if (r->ret)
		return NULL;
	memcpy(space, &f, sizeof(f));
	memset(space + sizeof(f), 0, r->bytes - sizeof(f));
	memcpy(space + sizeof(f), &nop, sizeof(nop));
	r->seqno = accel_vnpu_uq_submit(r->q, 0);
	return NULL;
}

/*
 * An entry larger than the room left before the ring's end and larger than the room before
 * the write pointer (half the ring and a bit, at the ring's middle) still fits the ring: on
 * an idle queue a blocking reserve returns (after a PAD to the end has been consumed) and the
 * entry runs.
 */
static void entry_wrapping_at_the_middle_of_an_idle_ring_is_reserved(void **state)
{
	struct vc_client c;
	struct vc_bo bo;
	struct accel_vnpu_uq *q;
	struct vnpu_stream s = { .len = 0 };
	struct big_reserver r = { 0 };
	struct timespec ts;
	pthread_t t;

	(void)state;
	uq_open(&c, DEV);
	vc_bo_new(&c, &bo, PG, 0);
	q = uq_new(&c, RING_MIN);
	/* one 2048-byte entry: the write pointer at the ring's middle, the ring idle again */
	vc_fence_write(&s, bo.va, 1);
	emit_nop(&s, RING_MIN / 2 - 16 - s.len);
	assert_int_equal(uq_push(q, &s), 1);
	assert_int_equal(accel_vnpu_uq_wait(q, 1, UQ_WAIT_NS), 0);
	assert_int_equal(__atomic_load_n(&uq_ctrl(q)->rptr, __ATOMIC_ACQUIRE), RING_MIN / 2);

	/* 2064 bytes: more than the 2048 before the end, far less than the ring */
	r.q = q;
	r.va = bo.va + 8;
	r.value = 2;
	r.bytes = RING_MIN / 2;
	assert_int_equal(pthread_create(&t, NULL, big_reserve_thread, &r), 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += VC_WAIT_S;
	if (pthread_timedjoin_np(t, NULL, &ts)) {
		/* unstick the reserve: a stopped queue makes it return (-EIO) */
		__atomic_store_n(&uq_ctrl(q)->status, VNPU_UQ_STATUS_ERROR, __ATOMIC_RELEASE);
		pthread_join(t, NULL);
		accel_vnpu_uq_destroy(q);
		vc_bo_free(&c, &bo);
		vc_close(&c);
		print_error("a %zu-byte entry at offset %u of an idle %u-byte ring was never "
			    "reserved\n", r.bytes + 16, RING_MIN / 2, RING_MIN);
		fail();
	}
	assert_int_equal(r.ret, 0);
	assert_int_equal(r.seqno, 2);
	assert_int_equal(accel_vnpu_uq_wait(q, 2, UQ_WAIT_NS), 0);
	assert_int_equal(vc_load64((uint64_t *)bo.p + 1), 2);
	accel_vnpu_uq_destroy(q);
	vc_bo_free(&c, &bo);
	vc_close(&c);
}

/* reserve refuses what could never fit the ring, and sizes that are not multiples of 8. */
static void reserve_of_an_oversized_or_unaligned_entry_is_einval(void **state)
{
	struct vc_client c;
	struct accel_vnpu_uq *q;
	void *space;

	(void)state;
	uq_open(&c, DEV);
	q = uq_new(&c, RING_MIN);
	assert_int_equal(accel_vnpu_uq_reserve(q, RING_MIN, 0, &space), -EINVAL);
	assert_int_equal(accel_vnpu_uq_reserve(q, RING_MIN - 8, 0, &space), -EINVAL);
	assert_int_equal(accel_vnpu_uq_reserve(q, 12, 0, &space), -EINVAL);
	/* the largest entry that fits is taken */
	assert_int_equal(accel_vnpu_uq_reserve(q, RING_MIN - 16, 0, &space), 0);
	accel_vnpu_uq_destroy(q);
	vc_close(&c);
}

/* ---------------------------------------------------------------------------------------- */
/* Failing entries                                                                          */
/* ---------------------------------------------------------------------------------------- */

/*
 * An entry writing an unmapped VA stops its queue with -EFAULT (error_seqno, fault_va in the
 * control page); the entries after it never run; the client's other queue goes on.
 */
static void fault_stops_only_its_queue(void **state)
{
	struct vc_client c;
	struct vc_bo bo;
	struct accel_vnpu_uq *q1, *q2;
	uint64_t *slot, bad, i;
	void *space;
	char *line;

	(void)state;
	uq_open(&c, DEV);
	bad = unmapped_va(&c);
	vc_bo_new(&c, &bo, 8 * 128, 0);
	slot = (uint64_t *)bo.p;
	q1 = uq_new(&c, RING_MIN);
	q2 = uq_new(&c, RING_MIN);
	assert_int_equal(uq_push_fence(q1, bo.va + 8 * 1, 1), 1);
	assert_int_equal(uq_push_fence(q1, bad, 2), 2);
	assert_int_equal(uq_push_fence(q1, bo.va + 8 * 3, 3), 3);
	assert_int_equal(uq_push_fence(q1, bo.va + 8 * 4, 4), 4);
	assert_int_equal(accel_vnpu_uq_wait(q1, 4, UQ_WAIT_NS), -EFAULT);
	assert_queue_stopped(q1, -EFAULT, 2);
	assert_int_equal(__atomic_load_n(&uq_ctrl(q1)->fault_va, __ATOMIC_RELAXED), bad);
	assert_int_equal(accel_vnpu_uq_completed(q1), 1);
	assert_int_equal(vc_load64(&slot[1]), 1);
	/* the engine stopped before the later entries: they never run */
	assert_int_equal(vc_load64(&slot[3]), 0xAAAAAAAAAAAAAAAAull);
	assert_int_equal(vc_load64(&slot[4]), 0xAAAAAAAAAAAAAAAAull);
	/* reserving on a stopped queue gives its error */
	assert_int_equal(accel_vnpu_uq_reserve(q1, 24, 0, &space), -EFAULT);
	line = uq_debugfs_line(&c, accel_vnpu_uq_id(q1));
	assert_non_null(line);
	assert_int_equal(uq_field(line, "error"), -EFAULT);
	assert_int_equal(uq_field(line, "completed"), 1);
	free(line);

	for (i = 1; i <= 100; i++)
		assert_int_equal(uq_push_fence(q2, bo.va + 8 * (i + 10), i + 1000), i);
	assert_int_equal(accel_vnpu_uq_wait(q2, 100, UQ_WAIT_NS), 0);
	for (i = 1; i <= 100; i++)
		assert_int_equal(vc_load64(&slot[i + 10]), i + 1000);
	assert_queue_running(q2);
	assert_int_equal(vc_load64(&slot[3]), 0xAAAAAAAAAAAAAAAAull);
	accel_vnpu_uq_destroy(q1);
	accel_vnpu_uq_destroy(q2);
	vc_bo_free(&c, &bo);
	vc_close(&c);
}

#define RUNNER_SLOTS 4096

/* A queue that runs entries one by one (each waited for) until told to stop. */
struct runner {
	struct accel_vnpu_uq *q;
	uint64_t *slot;
	uint64_t slot_va;
	unsigned int min, max;
	atomic_int *stop;
	unsigned int done;
	int err;
};

static void *runner_thread(void *arg)
{
	struct runner *r = arg;
	unsigned int i;

	for (i = 1; i <= r->max; i++) {
		struct vnpu_stream s = { .len = 0 };
		uint64_t seqno = 0;

		if (i > r->min && atomic_load(r->stop))
			break;
		vc_fence_write(&s, r->slot_va + 8 * (i % RUNNER_SLOTS), i * 3 + 1);
		r->err = uq_try_push(r->q, &s, 0, 0, &seqno);
		if (!r->err && seqno != i)
			r->err = -EPROTO;
		if (!r->err)
			r->err = accel_vnpu_uq_wait(r->q, seqno, UQ_WAIT_NS);
		if (!r->err && vc_load64(&r->slot[i % RUNNER_SLOTS]) != i * 3 + 1)
			r->err = -EBADMSG;
		if (r->err)
			break;
		r->done = i;
	}
	return NULL;
}

/*
 * An entry that waits forever runs into the device's job timeout: its queue stops with
 * -ETIME; another client's queue runs entries meanwhile and after, all of them.
 */
static void hang_stops_only_its_queue(void **state)
{
	struct vc_client a, b;
	struct vc_bo abo, bbo;
	struct accel_vnpu_uq *qa, *qb;
	atomic_int stop = 0;
	struct runner r = { 0 };
	pthread_t t;
	int ret;

	(void)state;
	uq_open(&a, DEV);
	uq_open(&b, DEV);
	vc_bo_new(&a, &abo, PG, 0);
	vc_bo_new(&b, &bbo, 8 * RUNNER_SLOTS, 0);
	vc_store64(abo.p, 0);
	qa = uq_new(&a, RING_MIN);
	qb = uq_new(&b, RING_MIN);
	r.q = qb;
	r.slot = (uint64_t *)bbo.p;
	r.slot_va = bbo.va;
	r.min = 50;
	r.max = 10000000;	/* a bound only: it runs until the hung queue has stopped */
	r.stop = &stop;
	assert_int_equal(pthread_create(&t, NULL, runner_thread, &r), 0);

	assert_int_equal(uq_push_sem_wait(qa, abo.va, 1), 1);
	assert_int_equal(uq_push_fence(qa, abo.va + 8, 2), 2);
	ret = accel_vnpu_uq_wait(qa, 2, UQ_WAIT_NS);
	atomic_store(&stop, 1);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(ret, -ETIME);
	assert_queue_stopped(qa, -ETIME, 1);
	assert_int_equal(accel_vnpu_uq_completed(qa), 0);
	assert_int_equal(vc_load64((uint64_t *)abo.p + 1), 0xAAAAAAAAAAAAAAAAull);

	print_message("the other client's queue ran %u entries\n", r.done);
	assert_int_equal(r.err, 0);
	assert_true(r.done >= r.min);
	assert_int_equal(accel_vnpu_uq_completed(qb), r.done);
	assert_queue_running(qb);
	accel_vnpu_uq_destroy(qa);
	accel_vnpu_uq_destroy(qb);
	vc_bo_free(&a, &abo);
	vc_bo_free(&b, &bbo);
	vc_close(&a);
	vc_close(&b);
}

/* A queue of vnpu.0 (4 KiB ring) that the test plays the client of by hand. */
struct raw_fixture {
	struct vc_client c;
	struct vc_bo bo;
	struct accel_vnpu_uq *q;
	struct raw_ring r;
	uint64_t *slot;
};

static void raw_fixture_init(struct raw_fixture *f)
{
	uq_open(&f->c, DEV);
	vc_bo_new(&f->c, &f->bo, PG, 0);
	f->slot = (uint64_t *)f->bo.p;
	f->q = uq_new(&f->c, RING_MIN);
	f->r = raw_of(f->q, RING_MIN);
}

static void raw_fixture_fini(struct raw_fixture *f)
{
	accel_vnpu_uq_destroy(f->q);
	vc_bo_free(&f->c, &f->bo);
	vc_close(&f->c);
}

/* Entry @seqno (by hand) holding one FENCE_WRITE of @value into slot @i. */
static void raw_fence(struct raw_fixture *f, uint64_t seqno, unsigned int i, uint64_t value)
{
	struct vnpu_stream s = fence_stream(f->bo.va + 8 * i, value);

	raw_write(&f->r, (uint32_t)(16 + s.len), 0, seqno, s.buf, s.len, 16 + s.len);
}

/* The queue stopped with -EINVAL at @seqno after completing @completed entries. */
static void assert_stopped_einval(struct raw_fixture *f, uint64_t seqno, uint64_t completed)
{
	assert_int_equal(accel_vnpu_uq_wait(f->q, seqno, UQ_WAIT_NS), -EINVAL);
	assert_queue_stopped(f->q, -EINVAL, seqno);
	assert_int_equal(accel_vnpu_uq_completed(f->q), completed);
}

/* Entries 1 and 2 are right, the next says 4: the queue stops with -EINVAL at 3. */
static void wrong_seqno_stops_the_queue_with_einval(void **state)
{
	struct raw_fixture f;

	(void)state;
	raw_fixture_init(&f);
	raw_fence(&f, 1, 1, 11);
	raw_fence(&f, 2, 2, 22);
	raw_fence(&f, 4, 3, 33);
	raw_fence(&f, 4, 4, 44);
	assert_stopped_einval(&f, 3, 2);
	assert_int_equal(vc_load64(&f.slot[1]), 11);
	assert_int_equal(vc_load64(&f.slot[2]), 22);
	assert_int_equal(vc_load64(&f.slot[3]), 0xAAAAAAAAAAAAAAAAull);
	assert_int_equal(vc_load64(&f.slot[4]), 0xAAAAAAAAAAAAAAAAull);
	raw_fixture_fini(&f);
}

/* A repeated seqno is as wrong as a skipped one. */
static void repeated_seqno_stops_the_queue_with_einval(void **state)
{
	struct raw_fixture f;

	(void)state;
	raw_fixture_init(&f);
	raw_fence(&f, 1, 1, 11);
	raw_fence(&f, 1, 2, 22);
	assert_stopped_einval(&f, 2, 1);
	assert_int_equal(vc_load64(&f.slot[2]), 0xAAAAAAAAAAAAAAAAull);
	raw_fixture_fini(&f);
}

/* An entry flag the uAPI does not define stops the queue with -EINVAL. */
static void unknown_entry_flags_stop_the_queue_with_einval(void **state)
{
	struct raw_fixture f;
	struct vnpu_stream s;

	(void)state;
	raw_fixture_init(&f);
	raw_fence(&f, 1, 1, 11);
	s = fence_stream(f.bo.va + 16, 22);
	raw_write(&f.r, (uint32_t)(16 + s.len), 1u << 2, 2, s.buf, s.len, 16 + s.len);
	assert_stopped_einval(&f, 2, 1);
	assert_int_equal(vc_load64(&f.slot[2]), 0xAAAAAAAAAAAAAAAAull);
	raw_fixture_fini(&f);
}

/* An entry length that is not a multiple of 8 stops the queue with -EINVAL. */
static void entry_length_not_a_multiple_of_8_stops_the_queue_with_einval(void **state)
{
	struct raw_fixture f;
	struct vnpu_stream s;

	(void)state;
	raw_fixture_init(&f);
	s = fence_stream(f.bo.va + 8, 11);
	raw_write(&f.r, (uint32_t)(16 + s.len + 4), 0, 1, s.buf, s.len, 16 + s.len + 8);
	assert_stopped_einval(&f, 1, 0);
	assert_int_equal(vc_load64(&f.slot[1]), 0xAAAAAAAAAAAAAAAAull);
	raw_fixture_fini(&f);
}

/* An entry shorter than its own header stops the queue with -EINVAL. */
static void entry_shorter_than_its_header_stops_the_queue_with_einval(void **state)
{
	struct raw_fixture f;

	(void)state;
	raw_fixture_init(&f);
	raw_fence(&f, 1, 1, 11);
	raw_write(&f.r, 8, 0, 2, NULL, 0, 16);
	assert_stopped_einval(&f, 2, 1);
	raw_fixture_fini(&f);
}

/* An entry that runs past the ring's end (instead of a PAD before it) is -EINVAL. */
static void entry_crossing_the_ring_end_stops_the_queue_with_einval(void **state)
{
	struct raw_fixture f;
	struct vnpu_stream s;
	uint32_t pad;

	(void)state;
	raw_fixture_init(&f);
	raw_fence(&f, 1, 1, 11);
	/* entry 1 must be consumed first, or the crossing entry would not fit the ring at all */
	assert_int_equal(accel_vnpu_uq_wait(f.q, 1, UQ_WAIT_NS), 0);
	/* a PAD up to 32 bytes before the end, then a 48-byte entry that crosses it */
	pad = RING_MIN - 40 - 32;
	raw_write(&f.r, pad, VNPU_UQ_ENTRY_PAD, 0, NULL, 0, pad);
	s = fence_stream(f.bo.va + 16, 22);
	raw_write(&f.r, 48, 0, 2, s.buf, 16, 48);
	assert_stopped_einval(&f, 2, 1);
	assert_int_equal(vc_load64(&f.slot[2]), 0xAAAAAAAAAAAAAAAAull);
	raw_fixture_fini(&f);
}

/* A packet with an unknown opcode inside an entry stops the queue with -EINVAL. */
static void unknown_packet_opcode_stops_the_queue_with_einval(void **state)
{
	struct vc_client c;
	struct vc_bo bo;
	struct accel_vnpu_uq *q;
	struct vnpu_stream s = { .len = 0 };
	struct vnpu_pkt_header bad = { .opcode = 0x0f, .length = 2 };
	uint64_t *slot;

	(void)state;
	uq_open(&c, DEV);
	vc_bo_new(&c, &bo, PG, 0);
	slot = (uint64_t *)bo.p;
	q = uq_new(&c, RING_MIN);
	assert_int_equal(uq_push_fence(q, bo.va + 8, 1), 1);
	vc_emit_raw(&s, &bad, sizeof(bad));
	vc_fence_write(&s, bo.va + 16, 2);
	assert_int_equal(uq_push(q, &s), 2);
	assert_int_equal(uq_push_fence(q, bo.va + 24, 3), 3);
	assert_int_equal(accel_vnpu_uq_wait(q, 3, UQ_WAIT_NS), -EINVAL);
	assert_queue_stopped(q, -EINVAL, 2);
	assert_int_equal(accel_vnpu_uq_completed(q), 1);
	assert_int_equal(vc_load64(&slot[1]), 1);
	assert_int_equal(vc_load64(&slot[2]), 0xAAAAAAAAAAAAAAAAull);
	assert_int_equal(vc_load64(&slot[3]), 0xAAAAAAAAAAAAAAAAull);
	accel_vnpu_uq_destroy(q);
	vc_bo_free(&c, &bo);
	vc_close(&c);
}

/* ---------------------------------------------------------------------------------------- */
/* Indirect entries                                                                         */
/* ---------------------------------------------------------------------------------------- */

/*
 * An indirect entry runs the command stream of a (read-only) VM_BOUND buffer, in order with
 * the direct entries around it.
 */
static void indirect_entry_runs_a_stream_from_the_address_space(void **state)
{
	struct vc_client c;
	struct vc_bo data, cmd;
	struct accel_vnpu_uq *q;
	struct vnpu_stream s = { .len = 0 };
	uint64_t *d, seqno = 0, i;

	(void)state;
	uq_open(&c, DEV);
	vc_bo_new(&c, &data, PG, 0);
	d = (uint64_t *)data.p;
	vc_bo_new_at(&c, &cmd, PG, 0, ~0ull);
	cmd.va = vc_va(&c, PG);
	assert_int_equal(vc_bind(&c, VNPU_VM_BIND_MAP, VNPU_VM_BIND_READONLY, cmd.handle, cmd.va,
				 PG, 0), 0);
	/* fill d[8..15], then copy d[1] (written by the direct entry before) to d[2] */
	vc_dma_fill(&s, data.va + 64, 64, 0x1122334455667788ull, 8);
	vc_dma_copy(&s, data.va + 8, data.va + 16, 8);
	vc_fence_write(&s, data.va + 24, 77);
	memcpy(cmd.p, s.buf, s.len);

	q = uq_new(&c, RING_MIN);
	assert_int_equal(uq_push_fence(q, data.va + 8, 5), 1);
	assert_int_equal(accel_vnpu_uq_push_indirect(q, cmd.va, s.len, 0, &seqno), 0);
	assert_int_equal(seqno, 2);
	assert_int_equal(uq_push_fence(q, data.va + 32, 6), 3);
	assert_int_equal(accel_vnpu_uq_wait(q, 3, UQ_WAIT_NS), 0);
	for (i = 8; i < 16; i++)
		assert_int_equal(vc_load64(&d[i]), 0x1122334455667788ull);
	assert_int_equal(vc_load64(&d[1]), 5);
	assert_int_equal(vc_load64(&d[2]), 5);
	assert_int_equal(vc_load64(&d[3]), 77);
	assert_int_equal(vc_load64(&d[4]), 6);
	assert_queue_running(q);
	accel_vnpu_uq_destroy(q);
	vc_bo_free(&c, &cmd);
	vc_bo_free(&c, &data);
	vc_close(&c);
}

/* An indirect entry naming an unmapped VA stops the queue with -EFAULT at that VA. */
static void indirect_entry_at_an_unmapped_va_stops_the_queue_with_efault(void **state)
{
	struct vc_client c;
	struct vc_bo data;
	struct accel_vnpu_uq *q;
	uint64_t bad, seqno = 0;

	(void)state;
	uq_open(&c, DEV);
	vc_bo_new(&c, &data, PG, 0);
	bad = unmapped_va(&c);
	q = uq_new(&c, RING_MIN);
	assert_int_equal(uq_push_fence(q, data.va, 1), 1);
	assert_int_equal(accel_vnpu_uq_push_indirect(q, bad, 64, 0, &seqno), 0);
	assert_int_equal(seqno, 2);
	assert_int_equal(uq_push_fence(q, data.va + 8, 3), 3);
	assert_int_equal(accel_vnpu_uq_wait(q, 3, UQ_WAIT_NS), -EFAULT);
	assert_queue_stopped(q, -EFAULT, 2);
	assert_int_equal(__atomic_load_n(&uq_ctrl(q)->fault_va, __ATOMIC_RELAXED), bad);
	assert_int_equal(accel_vnpu_uq_completed(q), 1);
	assert_int_equal(vc_load64((uint64_t *)data.p + 1), 0xAAAAAAAAAAAAAAAAull);
	accel_vnpu_uq_destroy(q);
	vc_bo_free(&c, &data);
	vc_close(&c);
}

/* An indirect stream size that is 0 or not a multiple of 8 is -EINVAL. */
static void indirect_entry_with_a_bad_size_stops_the_queue_with_einval(void **state)
{
	static const uint64_t sizes[] = { 0, 12, VNPU_MAX_CMD_SIZE + 8ull };
	struct vc_client c;
	struct vc_bo cmd;
	unsigned int i;

	(void)state;
	uq_open(&c, DEV);
	vc_bo_new(&c, &cmd, PG, 0);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct accel_vnpu_uq *q = uq_new(&c, RING_MIN);
		uint64_t seqno = 0;

		assert_int_equal(accel_vnpu_uq_push_indirect(q, cmd.va, sizes[i], 0, &seqno), 0);
		assert_int_equal(accel_vnpu_uq_wait(q, seqno, UQ_WAIT_NS), -EINVAL);
		assert_queue_stopped(q, -EINVAL, 1);
		accel_vnpu_uq_destroy(q);
	}
	vc_bo_free(&c, &cmd);
	vc_close(&c);
}

/* ---------------------------------------------------------------------------------------- */
/* QUEUE_SIGNAL                                                                             */
/* ---------------------------------------------------------------------------------------- */

/* A client on vnpu.1, a queue whose entry 1 waits for sem >= 1, then FENCE_WRITEs. */
struct blocked {
	struct vc_client c;
	struct vc_bo bo;
	struct accel_vnpu_uq *q;
	uint64_t *sem, *slot;
};

static void blocked_init(struct blocked *b, unsigned int fences)
{
	unsigned int i;

	uq_open(&b->c, DEV_LONG);
	vc_bo_new(&b->c, &b->bo, PG, 0);
	b->sem = (uint64_t *)b->bo.p;
	b->slot = b->sem + 8;
	vc_store64(b->sem, 0);
	b->q = uq_new(&b->c, RING_MIN);
	assert_int_equal(uq_push_sem_wait(b->q, b->bo.va, 1), 1);
	for (i = 0; i < fences; i++)
		assert_int_equal(uq_push_fence(b->q, b->bo.va + 64 + 8 * (i + 2), i + 2), i + 2);
}

static void blocked_fini(struct blocked *b)
{
	accel_vnpu_uq_destroy(b->q);
	vc_bo_free(&b->c, &b->bo);
	vc_close(&b->c);
}

/* QUEUE_SIGNAL into a binary syncobj: SYNCOBJ_WAIT returns once entry N completes. */
static void queue_signal_into_a_binary_syncobj_signals_when_the_entry_completes(void **state)
{
	struct blocked b;
	uint32_t h;

	(void)state;
	blocked_init(&b, 3);
	h = vc_syncobj(&b.c, 0);
	assert_int_equal(uq_signal(&b.c, accel_vnpu_uq_id(b.q), 3, h, 0), 0);
	/* entry 1 cannot complete before the semaphore is released */
	assert_int_equal(vc_wait_timeout(&b.c, h, 0, 0), -ETIME);
	assert_int_equal(vc_fence_status(&b.c, h), 0);
	vc_store64(b.sem, 1);
	vc_wait(&b.c, h, 0);
	assert_int_equal(vc_fence_status(&b.c, h), 1);
	/* the fence signals after the entry's results */
	assert_true(accel_vnpu_uq_completed(b.q) >= 3);
	assert_int_equal(vc_load64(&b.slot[3]), 3);
	assert_int_equal(accel_vnpu_uq_wait(b.q, 4, UQ_WAIT_NS), 0);
	syncobj_destroy(&b.c, h);
	blocked_fini(&b);
}

/* QUEUE_SIGNAL into a timeline point: TIMELINE_WAIT on it returns once entry N completes. */
static void queue_signal_into_a_timeline_point_signals_when_the_entry_completes(void **state)
{
	struct blocked b;
	uint32_t h;

	(void)state;
	blocked_init(&b, 2);
	h = vc_syncobj(&b.c, 0);
	assert_int_equal(uq_signal(&b.c, accel_vnpu_uq_id(b.q), 1, h, 5), 0);
	assert_int_equal(uq_signal(&b.c, accel_vnpu_uq_id(b.q), 3, h, 9), 0);
	assert_int_equal(vc_wait_timeout(&b.c, h, 5, 0), -ETIME);
	assert_int_equal(vc_wait_timeout(&b.c, h, 9, 0), -ETIME);
	vc_store64(b.sem, 1);
	vc_wait(&b.c, h, 9);
	assert_true(accel_vnpu_uq_completed(b.q) >= 3);
	assert_int_equal(vc_load64(&b.slot[3]), 3);
	/* an earlier point is signalled too */
	assert_int_equal(vc_wait_timeout(&b.c, h, 5, 0), 0);
	syncobj_destroy(&b.c, h);
	blocked_fini(&b);
}

/* QUEUE_SIGNAL of a seqno the queue has completed already signals at once. */
static void queue_signal_of_a_completed_seqno_signals_at_once(void **state)
{
	struct vc_client c;
	struct vc_bo bo;
	struct accel_vnpu_uq *q;
	uint32_t h, t;

	(void)state;
	uq_open(&c, DEV);
	vc_bo_new(&c, &bo, PG, 0);
	q = uq_new(&c, RING_MIN);
	assert_int_equal(uq_push_fence(q, bo.va, 1), 1);
	assert_int_equal(uq_push_fence(q, bo.va + 8, 2), 2);
	assert_int_equal(accel_vnpu_uq_wait(q, 2, UQ_WAIT_NS), 0);
	h = vc_syncobj(&c, 0);
	t = vc_syncobj(&c, 0);
	assert_int_equal(uq_signal(&c, accel_vnpu_uq_id(q), 1, h, 0), 0);
	assert_int_equal(uq_signal(&c, accel_vnpu_uq_id(q), 2, t, 3), 0);
	assert_int_equal(vc_wait_timeout(&c, h, 0, 0), 0);
	assert_int_equal(vc_fence_status(&c, h), 1);
	assert_int_equal(vc_wait_timeout(&c, t, 3, 0), 0);
	syncobj_destroy(&c, h);
	syncobj_destroy(&c, t);
	accel_vnpu_uq_destroy(q);
	vc_bo_free(&c, &bo);
	vc_close(&c);
}

/*
 * A QUEUE_SIGNAL fence waiting past the entry that fails signals (SYNCOBJ_WAIT returns) with
 * the queue's error; one for an entry completed before the failure keeps its success; one
 * attached after the stop signals at once with the error.
 */
static void queue_signal_pending_when_the_queue_stops_signals_with_the_error(void **state)
{
	struct blocked b;
	uint32_t h1, h3, hl, id;
	uint64_t bad;

	(void)state;
	blocked_init(&b, 0);
	id = accel_vnpu_uq_id(b.q);
	bad = unmapped_va(&b.c);
	assert_int_equal(uq_push_fence(b.q, bad, 2), 2);
	h1 = vc_syncobj(&b.c, 0);
	h3 = vc_syncobj(&b.c, 0);
	hl = vc_syncobj(&b.c, 0);
	assert_int_equal(uq_signal(&b.c, id, 1, h1, 0), 0);
	assert_int_equal(uq_signal(&b.c, id, 3, h3, 0), 0);
	assert_int_equal(vc_wait_timeout(&b.c, h3, 0, 0), -ETIME);
	vc_store64(b.sem, 1);
	vc_wait(&b.c, h3, 0);
	assert_int_equal(vc_fence_status(&b.c, h3), -EFAULT);
	assert_int_equal(vc_fence_status(&b.c, h1), 1);
	assert_queue_stopped(b.q, -EFAULT, 2);
	/* attached once the queue has stopped: signalled at once, with the error */
	assert_int_equal(uq_signal(&b.c, id, 7, hl, 0), 0);
	assert_int_equal(vc_wait_timeout(&b.c, hl, 0, 0), 0);
	assert_int_equal(vc_fence_status(&b.c, hl), -EFAULT);
	syncobj_destroy(&b.c, h1);
	syncobj_destroy(&b.c, h3);
	syncobj_destroy(&b.c, hl);
	blocked_fini(&b);
}

static int eventfd_register(struct vc_client *c, uint32_t handle, uint64_t point, int efd)
{
	struct drm_syncobj_eventfd e = { .handle = handle, .point = point, .fd = efd };

	return vc_ioctl(c, DRM_IOCTL_SYNCOBJ_EVENTFD, &e);
}

/* The eventfd's counter once it is readable, within VC_WAIT_S; 0 if it never is. */
static uint64_t eventfd_wait(int efd, int timeout_ms)
{
	struct pollfd p = { .fd = efd, .events = POLLIN };
	uint64_t v = 0;

	if (poll(&p, 1, timeout_ms) != 1 || read(efd, &v, sizeof(v)) != sizeof(v))
		return 0;
	return v;
}

/* DRM_IOCTL_SYNCOBJ_EVENTFD on QUEUE_SIGNAL fences (a binary one, a timeline point) fires. */
static void queue_signal_fence_fires_an_eventfd(void **state)
{
	struct blocked b;
	uint32_t h, t;
	int e1, e2;

	(void)state;
	blocked_init(&b, 2);
	h = vc_syncobj(&b.c, 0);
	t = vc_syncobj(&b.c, 0);
	e1 = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	e2 = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(e1 >= 0 && e2 >= 0);
	assert_int_equal(uq_signal(&b.c, accel_vnpu_uq_id(b.q), 2, h, 0), 0);
	assert_int_equal(uq_signal(&b.c, accel_vnpu_uq_id(b.q), 3, t, 4), 0);
	assert_int_equal(eventfd_register(&b.c, h, 0, e1), 0);
	assert_int_equal(eventfd_register(&b.c, t, 4, e2), 0);
	/* nothing can complete before the semaphore is released */
	assert_int_equal(eventfd_wait(e1, 0), 0);
	assert_int_equal(eventfd_wait(e2, 0), 0);
	vc_store64(b.sem, 1);
	assert_int_equal(eventfd_wait(e1, VC_WAIT_S * 1000), 1);
	assert_int_equal(eventfd_wait(e2, VC_WAIT_S * 1000), 1);
	assert_true(accel_vnpu_uq_completed(b.q) >= 3);
	close(e1);
	close(e2);
	syncobj_destroy(&b.c, h);
	syncobj_destroy(&b.c, t);
	blocked_fini(&b);
}

/* ---------------------------------------------------------------------------------------- */
/* The queue ioctls' argument errors                                                        */
/* ---------------------------------------------------------------------------------------- */

static int queue_create(struct vc_client *c, uint32_t ring_size, uint32_t flags,
			struct drm_vnpu_queue_create *out)
{
	struct drm_vnpu_queue_create a = { .ring_size = ring_size, .flags = flags };
	int ret = vc_ioctl(c, DRM_IOCTL_VNPU_QUEUE_CREATE, &a);

	if (out)
		*out = a;
	return ret;
}

/* Ring sizes of 0, not a power of two, below MIN or above MAX, and any flag: -EINVAL. */
static void queue_create_rejects_bad_ring_sizes_and_flags(void **state)
{
	static const uint32_t bad[] = { 0, 1, 8, RING_MIN / 2, RING_MIN + 8, 6000, 3 * RING_MIN,
					VNPU_UQ_RING_MAX - 4096, VNPU_UQ_RING_MAX * 2, 0x80000000u,
					0xffffffffu };
	struct vc_client c;
	unsigned int i;

	(void)state;
	uq_open(&c, DEV);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (queue_create(&c, bad[i], 0, NULL) != -EINVAL) {
			print_error("ring size %u was not refused\n", bad[i]);
			fail();
		}
	}
	assert_int_equal(queue_create(&c, RING_MIN, 1, NULL), -EINVAL);
	assert_int_equal(queue_create(&c, RING_MIN, 0x80000000u, NULL), -EINVAL);
	/* nothing was made: the first queue still gets id 1 */
	{
		struct drm_vnpu_queue_create a;

		assert_int_equal(queue_create(&c, RING_MIN, 0, &a), 0);
		assert_int_equal(a.queue_id, 1);
		assert_int_equal(uq_destroy_ioctl(&c, a.queue_id), 0);
		gem_close(&c, a.handle);
	}
	vc_close(&c);
}

/* The smallest and the largest ring are taken, and their object holds page and ring. */
static void queue_create_takes_the_smallest_and_largest_rings(void **state)
{
	static const uint32_t sizes[] = { VNPU_UQ_RING_MIN, VNPU_UQ_RING_MAX };
	struct vc_client c;
	struct vc_bo bo;
	unsigned int i;

	(void)state;
	uq_open(&c, DEV);
	vc_bo_new(&c, &bo, PG, 0);
	for (i = 0; i < 2; i++) {
		struct drm_vnpu_bo_info info = { 0 };
		struct drm_vnpu_queue_create a;
		struct accel_vnpu_uq *q;

		assert_int_equal(queue_create(&c, sizes[i], 0, &a), 0);
		info.handle = a.handle;
		assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VNPU_BO_INFO, &info), 0);
		assert_int_equal(info.size, VNPU_UQ_RING_OFFSET + sizes[i]);
		assert_int_equal(uq_destroy_ioctl(&c, a.queue_id), 0);
		gem_close(&c, a.handle);
		/* and it runs entries */
		q = uq_new(&c, sizes[i]);
		assert_int_equal(uq_push_fence(q, bo.va, 40 + i), 1);
		assert_int_equal(accel_vnpu_uq_wait(q, 1, UQ_WAIT_NS), 0);
		assert_int_equal(vc_load64(bo.p), 40 + i);
		accel_vnpu_uq_destroy(q);
	}
	vc_bo_free(&c, &bo);
	vc_close(&c);
}

/* Queue ids count from 1 in each file, the lowest free one first. */
static void queue_ids_start_at_one_per_file_and_are_reused(void **state)
{
	struct vc_client a, b;
	struct drm_vnpu_queue_create q1, q2, q3, o1;

	(void)state;
	uq_open(&a, DEV);
	uq_open(&b, DEV);
	assert_int_equal(queue_create(&a, RING_MIN, 0, &q1), 0);
	assert_int_equal(queue_create(&a, RING_MIN, 0, &q2), 0);
	assert_int_equal(queue_create(&b, RING_MIN, 0, &o1), 0);
	assert_int_equal(q1.queue_id, 1);
	assert_int_equal(q2.queue_id, 2);
	assert_int_equal(o1.queue_id, 1);
	assert_int_equal(uq_destroy_ioctl(&a, 1), 0);
	assert_int_equal(queue_create(&a, RING_MIN, 0, &q3), 0);
	assert_int_equal(q3.queue_id, 1);
	assert_int_equal(uq_destroy_ioctl(&a, 1), 0);
	assert_int_equal(uq_destroy_ioctl(&a, 2), 0);
	assert_int_equal(uq_destroy_ioctl(&b, 1), 0);
	gem_close(&a, q1.handle);
	gem_close(&a, q2.handle);
	gem_close(&a, q3.handle);
	gem_close(&b, o1.handle);
	vc_close(&a);
	vc_close(&b);
}

/* sysfs user_queue_count counts the device's queues: up at create, down at destroy and close. */
static void user_queue_count_follows_create_destroy_and_close(void **state)
{
	struct vc_client a;
	struct drm_vnpu_queue_create q1, q2;
	uint64_t before;

	(void)state;
	before = vc_sysfs_u64(DEV, "user_queue_count");
	uq_open(&a, DEV);
	assert_int_equal(queue_create(&a, RING_MIN, 0, &q1), 0);
	assert_int_equal(queue_create(&a, RING_MIN, 0, &q2), 0);
	assert_int_equal(vc_sysfs_u64(DEV, "user_queue_count"), before + 2);
	assert_int_equal(uq_destroy_ioctl(&a, q1.queue_id), 0);
	assert_int_equal(vc_sysfs_u64(DEV, "user_queue_count"), before + 1);
	vc_close(&a);
	assert_int_equal(vc_sysfs_u64(DEV, "user_queue_count"), before);
}

/* QUEUE_DESTROY of an id that is not a queue of this file (or no longer is) is -ENOENT. */
static void queue_destroy_of_an_unknown_queue_is_enoent(void **state)
{
	struct vc_client a, b;
	struct drm_vnpu_queue_create q;

	(void)state;
	uq_open(&a, DEV);
	uq_open(&b, DEV);
	assert_int_equal(uq_destroy_ioctl(&a, 0), -ENOENT);
	assert_int_equal(uq_destroy_ioctl(&a, 1), -ENOENT);
	assert_int_equal(uq_destroy_ioctl(&a, VNPU_MAX_QUEUES + 1), -ENOENT);
	assert_int_equal(uq_destroy_ioctl(&a, 0xffffffffu), -ENOENT);
	assert_int_equal(queue_create(&a, RING_MIN, 0, &q), 0);
	/* another file's queue ids are not this file's */
	assert_int_equal(uq_destroy_ioctl(&b, q.queue_id), -ENOENT);
	assert_int_equal(uq_destroy_ioctl(&a, q.queue_id), 0);
	assert_int_equal(uq_destroy_ioctl(&a, q.queue_id), -ENOENT);
	gem_close(&a, q.handle);
	vc_close(&a);
	vc_close(&b);
}

/* QUEUE_DESTROY with a non-zero pad is -EINVAL and destroys nothing. */
static void queue_destroy_with_nonzero_pad_is_einval(void **state)
{
	struct vc_client c;
	struct drm_vnpu_queue_create q;
	struct drm_vnpu_queue_destroy d;

	(void)state;
	uq_open(&c, DEV);
	assert_int_equal(queue_create(&c, RING_MIN, 0, &q), 0);
	d.queue_id = q.queue_id;
	d.pad = 1;
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VNPU_QUEUE_DESTROY, &d), -EINVAL);
	assert_int_equal(uq_destroy_ioctl(&c, q.queue_id), 0);
	gem_close(&c, q.handle);
	vc_close(&c);
}

/* QUEUE_SIGNAL on an id that is not a queue (of this file, or any more) is -ENOENT. */
static void queue_signal_of_an_unknown_queue_is_enoent(void **state)
{
	struct vc_client a, b;
	struct drm_vnpu_queue_create q;
	uint32_t h;

	(void)state;
	uq_open(&a, DEV);
	uq_open(&b, DEV);
	h = vc_syncobj(&a, 0);
	assert_int_equal(uq_signal(&a, 0, 1, h, 0), -ENOENT);
	assert_int_equal(uq_signal(&a, 1, 1, h, 0), -ENOENT);
	assert_int_equal(uq_signal(&a, VNPU_MAX_QUEUES + 1, 1, h, 0), -ENOENT);
	assert_int_equal(queue_create(&b, RING_MIN, 0, &q), 0);
	assert_int_equal(uq_signal(&a, q.queue_id, 1, h, 0), -ENOENT);
	assert_int_equal(queue_create(&a, RING_MIN, 0, &q), 0);
	assert_int_equal(uq_destroy_ioctl(&a, q.queue_id), 0);
	assert_int_equal(uq_signal(&a, q.queue_id, 1, h, 0), -ENOENT);
	gem_close(&a, q.handle);
	syncobj_destroy(&a, h);
	vc_close(&a);
	vc_close(&b);
}

/* QUEUE_SIGNAL of seqno 0, or with flags, is -EINVAL; an unknown syncobj is -ENOENT. */
static void queue_signal_rejects_seqno_zero_flags_and_unknown_syncobjs(void **state)
{
	struct vc_client c;
	struct drm_vnpu_queue_create q;
	struct drm_vnpu_queue_signal s;
	uint32_t h;

	(void)state;
	uq_open(&c, DEV);
	h = vc_syncobj(&c, 0);
	assert_int_equal(queue_create(&c, RING_MIN, 0, &q), 0);
	assert_int_equal(uq_signal(&c, q.queue_id, 0, h, 0), -EINVAL);
	memset(&s, 0, sizeof(s));
	s.queue_id = q.queue_id;
	s.seqno = 1;
	s.out_sync.handle = h;
	s.flags = 1;
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VNPU_QUEUE_SIGNAL, &s), -EINVAL);
	s.flags = 0;
	s.out_sync.flags = 1;
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VNPU_QUEUE_SIGNAL, &s), -EINVAL);
	assert_int_equal(uq_signal(&c, q.queue_id, 1, h + 100, 0), -ENOENT);
	/* none of them put a fence into the syncobj */
	assert_int_equal(vc_wait_timeout(&c, h, 0, 0), -EINVAL);
	assert_int_equal(uq_destroy_ioctl(&c, q.queue_id), 0);
	gem_close(&c, q.handle);
	syncobj_destroy(&c, h);
	vc_close(&c);
}

/* A file holds VNPU_MAX_QUEUES queues; one more is -ENOSPC, until one goes. */
static void more_than_max_queues_is_enospc(void **state)
{
	struct vc_client c;
	struct drm_vnpu_queue_create q[VNPU_MAX_QUEUES], extra;
	unsigned int i;

	(void)state;
	uq_open(&c, DEV);
	for (i = 0; i < VNPU_MAX_QUEUES; i++) {
		assert_int_equal(queue_create(&c, RING_MIN, 0, &q[i]), 0);
		assert_int_equal(q[i].queue_id, i + 1);
	}
	assert_int_equal(queue_create(&c, RING_MIN, 0, &extra), -ENOSPC);
	assert_int_equal(queue_create(&c, RING_MIN, 0, &extra), -ENOSPC);
	assert_int_equal(uq_destroy_ioctl(&c, 17), 0);
	gem_close(&c, q[16].handle);
	assert_int_equal(queue_create(&c, RING_MIN, 0, &q[16]), 0);
	assert_int_equal(q[16].queue_id, 17);
	for (i = 0; i < VNPU_MAX_QUEUES; i++) {
		assert_int_equal(uq_destroy_ioctl(&c, q[i].queue_id), 0);
		gem_close(&c, q[i].handle);
	}
	vc_close(&c);
}

/* ---------------------------------------------------------------------------------------- */
/* Teardown with an entry in progress                                                       */
/* ---------------------------------------------------------------------------------------- */

struct destroyer {
	struct vc_client *c;
	uint32_t id;
	int ret;
};

static void *destroy_thread(void *arg)
{
	struct destroyer *d = arg;

	d->ret = uq_destroy_ioctl(d->c, d->id);
	return NULL;
}

/*
 * QUEUE_DESTROY while an entry waits on a semaphore aborts it and returns; fences attached at
 * and past it signal with -ECANCELED; the queue object lives on while it is mapped.
 */
static void destroy_with_entry_in_progress(void **state)
{
	struct blocked b;
	struct destroyer d;
	struct timespec ts;
	pthread_t t;
	uint32_t h1, h2, id;

	(void)state;
	blocked_init(&b, 1);
	id = accel_vnpu_uq_id(b.q);
	h1 = vc_syncobj(&b.c, 0);
	h2 = vc_syncobj(&b.c, 0);
	assert_int_equal(uq_signal(&b.c, id, 1, h1, 0), 0);
	assert_int_equal(uq_signal(&b.c, id, 2, h2, 0), 0);
	uq_wait_running(&b.c, id, 1);

	d.c = &b.c;
	d.id = id;
	d.ret = 1;
	assert_int_equal(pthread_create(&t, NULL, destroy_thread, &d), 0);
	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += VC_WAIT_S;
	if (pthread_timedjoin_np(t, NULL, &ts)) {
		print_error("QUEUE_DESTROY did not return within %d s\n", VC_WAIT_S);
		fail();
	}
	assert_int_equal(d.ret, 0);
	vc_wait(&b.c, h1, 0);
	vc_wait(&b.c, h2, 0);
	assert_int_equal(vc_fence_status(&b.c, h1), -ECANCELED);
	assert_int_equal(vc_fence_status(&b.c, h2), -ECANCELED);
	/* gone from debugfs and from the ioctls; its page still mapped, nothing completed */
	assert_null(uq_debugfs_line(&b.c, id));
	assert_int_equal(uq_signal(&b.c, id, 1, h1, 0), -ENOENT);
	assert_int_equal(accel_vnpu_uq_completed(b.q), 0);
	assert_int_equal(vc_load64(&b.slot[2]), 0xAAAAAAAAAAAAAAAAull);
	syncobj_destroy(&b.c, h1);
	syncobj_destroy(&b.c, h2);
	blocked_fini(&b);
}

/*
 * Closing the file with an entry in progress destroys the queue: a fence attached to it
 * (held as a sync_file) signals with -ESRCH.
 */
static void closing_the_file_with_an_entry_in_progress_fails_its_fences_with_esrch(void **state)
{
	struct vc_client c;
	struct vc_bo bo;
	struct drm_vnpu_queue_create a;
	struct drm_vnpu_bo_info info = { 0 };
	struct vnpu_stream s = { .len = 0 };
	struct raw_ring r = { .size = RING_MIN };
	uint32_t h;
	void *map;
	int sf;

	(void)state;
	uq_open(&c, DEV_LONG);
	vc_bo_new(&c, &bo, PG, 0);
	vc_store64(bo.p, 0);
	assert_int_equal(queue_create(&c, RING_MIN, 0, &a), 0);
	info.handle = a.handle;
	assert_int_equal(vc_ioctl(&c, DRM_IOCTL_VNPU_BO_INFO, &info), 0);
	map = accel_sys_mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, c.fd,
			     (off_t)info.mmap_offset);
	assert_true(map != MAP_FAILED);
	r.c = map;
	r.ring = (uint8_t *)map + VNPU_UQ_RING_OFFSET;
	vc_sem_wait(&s, bo.va, 1, 0);
	raw_write(&r, (uint32_t)(16 + s.len), 0, 1, s.buf, s.len, 16 + s.len);
	h = vc_syncobj(&c, 0);
	assert_int_equal(uq_signal(&c, a.queue_id, 1, h, 0), 0);
	uq_wait_running(&c, a.queue_id, 1);
	sf = vc_export_sync_file(&c, h);
	assert_int_equal(vc_sync_file_status(sf), 0);
	assert_int_equal(accel_sys_munmap(map, info.size), 0);
	assert_int_equal(accel_sys_munmap(bo.p, bo.size), 0);
	vc_close(&c);
	vc_sync_file_wait(sf);
	assert_int_equal(vc_sync_file_status(sf), -ESRCH);
	close(sf);
}

/* ---------------------------------------------------------------------------------------- */
/* Several queues of several clients at once                                                */
/* ---------------------------------------------------------------------------------------- */

#define PAR_ENTRIES 200

struct chain_job {
	struct accel_vnpu_uq *q;
	uint64_t a_va, b_va, tag;
	int err;
};

/* Entry i: copy a[i-1] to b[i], write tag + i to a[i]; wait for the last. No asserts. */
static void *chain_thread(void *arg)
{
	struct chain_job *j = arg;
	uint64_t i, seqno = 0;

	for (i = 1; i <= PAR_ENTRIES && !j->err; i++) {
		struct vnpu_stream s = { .len = 0 };

		vc_dma_copy(&s, j->a_va + 8 * (i - 1), j->b_va + 8 * i, 8);
		vc_fence_write(&s, j->a_va + 8 * i, j->tag + i);
		j->err = uq_try_push(j->q, &s, 0, 0, &seqno);
		if (!j->err && seqno != i)
			j->err = -EPROTO;
	}
	if (!j->err)
		j->err = accel_vnpu_uq_wait(j->q, PAR_ENTRIES, UQ_WAIT_NS);
	return NULL;
}

/* 2 clients x 2 queues, each fed by its own thread: every entry right, in order. */
static void queues_of_several_clients_run_in_parallel(void **state)
{
	struct vc_client c[2];
	struct vc_bo bo[4];
	struct accel_vnpu_uq *q[4];
	struct chain_job j[4];
	pthread_t t[4];
	unsigned int k;
	uint64_t i;

	(void)state;
	uq_open(&c[0], DEV);
	uq_open(&c[1], DEV);
	for (k = 0; k < 4; k++) {
		struct vc_client *cl = &c[k / 2];
		uint64_t *a;

		vc_bo_new(cl, &bo[k], 2 * 8 * (PAR_ENTRIES + 1), 0);
		a = (uint64_t *)bo[k].p;
		q[k] = uq_new(cl, k & 1 ? 8192 : RING_MIN);
		j[k].q = q[k];
		j[k].a_va = bo[k].va;
		j[k].b_va = bo[k].va + 8 * (PAR_ENTRIES + 1);
		j[k].tag = (k + 1) * 1000000ull;
		j[k].err = 0;
		vc_store64(&a[0], j[k].tag);
	}
	for (k = 0; k < 4; k++)
		assert_int_equal(pthread_create(&t[k], NULL, chain_thread, &j[k]), 0);
	for (k = 0; k < 4; k++)
		assert_int_equal(pthread_join(t[k], NULL), 0);
	for (k = 0; k < 4; k++) {
		uint64_t *a = (uint64_t *)bo[k].p, *b = a + PAR_ENTRIES + 1;

		assert_int_equal(j[k].err, 0);
		for (i = 1; i <= PAR_ENTRIES; i++) {
			if (vc_load64(&a[i]) != j[k].tag + i || vc_load64(&b[i]) != j[k].tag + i - 1) {
				print_error("queue %u entry %llu: a=%llu b=%llu\n", k,
					    (unsigned long long)i, (unsigned long long)a[i],
					    (unsigned long long)b[i]);
				fail();
			}
		}
		assert_int_equal(accel_vnpu_uq_completed(q[k]), PAR_ENTRIES);
		assert_queue_running(q[k]);
	}
	for (k = 0; k < 4; k++) {
		accel_vnpu_uq_destroy(q[k]);
		vc_bo_free(&c[k / 2], &bo[k]);
	}
	vc_close(&c[0]);
	vc_close(&c[1]);
}

/* ---------------------------------------------------------------------------------------- */
/* Through acceld                                                                           */
/* ---------------------------------------------------------------------------------------- */

static char *daemon_root;
static pid_t daemon_pid;

static int daemon_setup(void **state)
{
	char path[4096];
	struct stat st;
	int i, k, err;

	(void)state;
	/* the daemon re-renders its published files often, so that debugfs is fresh */
	setenv("ACCEL_REFRESH_MS", "100", 1);
	err = test_daemon_setup(&daemon_root, &daemon_pid, "vnpu-uq-d", daemon_config);
	unsetenv("ACCEL_REFRESH_MS");
	if (err)
		return -1;
	/*
	 * The daemon serves every node once it says so; its published sysfs and debugfs files
	 * follow through its publisher: wait until both devices' are there.
	 */
	for (i = 0; i < 1000; i++) {
		int whole = 1;

		for (k = 0; k < 2; k++) {
			snprintf(path, sizeof(path), "%s/sys/class/accel/accel%d/dev", daemon_root, k);
			whole &= !stat(path, &st);
			snprintf(path, sizeof(path), "%s/sys/kernel/debug/accel/%s/queues", daemon_root,
				 nodes[k].pdev);
			whole &= !stat(path, &st);
			snprintf(path, sizeof(path), "%s/dev/accel/accel%d", daemon_root, k);
			whole &= !stat(path, &st) && S_ISSOCK(st.st_mode);
		}
		if (whole)
			return 0;
		usleep(10000);
	}
	print_error("acceld did not publish both vnpu devices under %s\n", daemon_root);
	return -1;
}

/* Asserts nothing (cmocka 1.1 would not count a teardown's failure): see the last test. */
static int daemon_teardown(void **state)
{
	(void)state;
	return test_daemon_teardown(&daemon_root, &daemon_pid);
}

/*
 * Child side (no cmocka asserts: failures are exit codes). Open the vnpu node of platform
 * device @pdev found by accel_devices_list(); it must be served by the daemon.
 */
static int child_open(const char *pdev, int *minor)
{
	struct accel_device_info *v;
	size_t n, i;
	int fd = -1;

	if (accel_devices_list(&v, &n, 0))
		return -1;
	for (i = 0; i < n; i++) {
		if (!strcmp(v[i].driver, "vnpu") && !strcmp(v[i].parent, pdev)) {
			fd = accel_sys_open(v[i].path, O_RDWR);
			if (minor)
				*minor = (int)v[i].minor;
			break;
		}
	}
	free(v);
	if (fd >= 0 && accel_fd_backend(fd) != ACCEL_BACKEND_DAEMON) {
		accel_sys_close(fd);
		return -2;
	}
	return fd;
}

/* A system buffer of @size bytes, CPU-mapped, bound at @va. */
static int child_bo(int fd, uint64_t size, uint64_t va, uint64_t **p)
{
	struct drm_vnpu_bo_create cr = { .size = size };
	struct drm_vnpu_bo_info info = { 0 };
	struct drm_vnpu_vm_bind b = { .op = VNPU_VM_BIND_MAP };
	void *m;

	if (accel_sys_ioctl(fd, DRM_IOCTL_VNPU_BO_CREATE, &cr))
		return -1;
	info.handle = cr.handle;
	if (accel_sys_ioctl(fd, DRM_IOCTL_VNPU_BO_INFO, &info))
		return -2;
	m = accel_sys_mmap(NULL, info.size, PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   (off_t)info.mmap_offset);
	if (m == MAP_FAILED)
		return -3;
	b.handle = cr.handle;
	b.va = va;
	b.size = info.size;
	if (accel_sys_ioctl(fd, DRM_IOCTL_VNPU_VM_BIND, &b))
		return -4;
	memset(m, 0xAA, info.size);
	*p = m;
	return 0;
}

/* @n chained entries (copy a[i-1] to b[i], write i to a[i]) through a 4 KiB ring. */
static int child_runs_entries(const char *pdev, uint64_t n)
{
	struct accel_vnpu_uq *q;
	uint64_t *a, *b, i, seqno = 0, va = VNPU_VA_START;
	int fd = child_open(pdev, NULL);

	if (fd < 0)
		return 10 - fd;
	if (child_bo(fd, 2 * 8 * (n + 1), va, &a))
		return 20;
	b = a + n + 1;
	__atomic_store_n(&a[0], 0, __ATOMIC_RELEASE);
	if (accel_vnpu_uq_create(fd, RING_MIN, &q))
		return 21;
	for (i = 1; i <= n; i++) {
		struct vnpu_stream s = { .len = 0 };

		vc_dma_copy(&s, va + 8 * (i - 1), va + 8 * (n + 1 + i), 8);
		vc_fence_write(&s, va + 8 * i, i);
		if (uq_try_push(q, &s, 0, 0, &seqno) || seqno != i)
			return 22;
	}
	if (accel_vnpu_uq_wait(q, n, UQ_WAIT_NS))
		return 23;
	for (i = 1; i <= n; i++)
		if (__atomic_load_n(&a[i], __ATOMIC_ACQUIRE) != i || b[i] != i - 1)
			return 24;
	if (accel_vnpu_uq_completed(q) != n ||
	    accel_vnpu_uq_control(q)->status != VNPU_UQ_STATUS_RUNNING)
		return 25;
	accel_vnpu_uq_destroy(q);
	accel_sys_close(fd);
	return 0;
}

static int child_status(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	if (!WIFEXITED(status)) {
		print_error("client %d died of signal %d\n", (int)pid, WTERMSIG(status));
		return -1;
	}
	return WEXITSTATUS(status);
}

/*
 * A client of acceld (another process) creates a queue and runs 100 entries through a ring
 * smaller than them: the producer waits for space and the waiter for completion on futexes
 * of the memfd it shares with the daemon.
 */
static void queue_of_an_acceld_client_runs_entries(void **state)
{
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_runs_entries(DEV, 100));
	assert_int_equal(child_status(pid), 0);
}

struct kill_report {
	int minor;
	int filled;
};

/* Fill the ring behind an entry blocked on a semaphore, report, then block in reserve. */
static int child_fills_and_blocks(int wfd)
{
	struct kill_report rep = { -1, 0 };
	struct accel_vnpu_uq *q;
	uint64_t *m, va = VNPU_VA_START, seqno = 0;
	struct vnpu_stream s = { .len = 0 };
	void *space;
	int fd = child_open(DEV_LONG, &rep.minor), ret;

	if (fd < 0)
		return 10 - fd;
	if (child_bo(fd, PG, va, &m))
		return 20;
	__atomic_store_n(&m[0], 0, __ATOMIC_RELEASE);
	if (accel_vnpu_uq_create(fd, RING_MIN, &q))
		return 21;
	vc_sem_wait(&s, va, 1, 0);
	if (uq_try_push(q, &s, 0, 0, &seqno))
		return 22;
	for (;;) {
		s = fence_stream(va + 64, (uint64_t)rep.filled);
		ret = uq_try_push(q, &s, ACCEL_VNPU_UQ_NONBLOCK, 0, &seqno);
		if (ret == -EAGAIN)
			break;
		if (ret)
			return 23;
		rep.filled++;
	}
	if (write(wfd, &rep, sizeof(rep)) != sizeof(rep))
		return 24;
	/* waits for space that never comes (until the job timeout stops the queue) */
	accel_vnpu_uq_reserve(q, 24, 0, &space);
	for (;;)
		pause();
}

/* The daemon's published debugfs file "queues" of device @minor (malloc'd), or NULL. */
static char *daemon_queues_text(int minor)
{
	char path[4096], *text = NULL, *unique = test_root_accel_unique(daemon_root, minor);
	size_t len = 0;
	FILE *f;

	/* debugfs/accel/<unique>: accel minors have no "N" link, as in Linux 6.12 */
	snprintf(path, sizeof(path), "%s/sys/kernel/debug/accel/%s/queues", daemon_root,
		 unique ? unique : "?");
	free(unique);
	f = fopen(path, "r");
	if (!f)
		return NULL;
	text = calloc(1, 1 << 16);
	if (text)
		len = fread(text, 1, (1 << 16) - 1, f);
	fclose(f);
	if (text)
		text[len] = 0;
	return text;
}

/* Wait (bounded) until the published file does (@want 1) or does not (0) contain @needle. */
static void daemon_wait_queues(int minor, const char *needle, int want)
{
	uint64_t deadline = vc_now_ns() + VC_WAIT_S * 1000000000ull;

	for (;;) {
		char *t = daemon_queues_text(minor);
		int has = t && strstr(t, needle) != NULL;

		if (t && has == want) {
			free(t);
			return;
		}
		if (vc_now_ns() > deadline) {
			print_error("debugfs queues of accel %d %s \"%s\":\n%s\n", minor,
				    want ? "never showed" : "still shows", needle, t ? t : "(none)");
			free(t);
			fail();
		}
		free(t);
		usleep(10000);
	}
}

/*
 * A client killed while its queue is full behind a blocked entry: acceld goes on serving,
 * the queue is gone from its debugfs, and a new client's queue works.
 */
static void killed_client_with_a_blocked_full_queue_leaves_acceld_serving(void **state)
{
	struct kill_report rep;
	struct pollfd p;
	int pfd[2], status;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(pfd), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[0]);
		_exit(child_fills_and_blocks(pfd[1]));
	}
	close(pfd[1]);
	p.fd = pfd[0];
	p.events = POLLIN;
	assert_int_equal(poll(&p, 1, VC_WAIT_S * 1000), 1);
	if (read(pfd[0], &rep, sizeof(rep)) != sizeof(rep)) {
		kill(pid, SIGKILL);
		print_error("client exited with %d before filling its ring\n", child_status(pid));
		fail();
	}
	close(pfd[0]);
	assert_true(rep.minor >= 0);
	assert_true(rep.filled > 50);
	/* its entry 1 is in progress in the daemon */
	daemon_wait_queues(rep.minor, "running=1 ", 1);
	assert_int_equal(kill(pid, SIGKILL), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	daemon_wait_queues(rep.minor, "user-queue=", 0);
	assert_true(test_acceld_running(daemon_pid));

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0)
		_exit(child_runs_entries(DEV_LONG, 20));
	assert_int_equal(child_status(pid), 0);
	assert_true(test_acceld_running(daemon_pid));
}

/* Last of the acceld group: the daemon stops on SIGTERM with status 0 (no leak). */
static void acceld_stops_cleanly_without_leaks(void **state)
{
	pid_t pid = daemon_pid;

	(void)state;
	assert_true(test_acceld_running(pid));
	daemon_pid = 0;
	assert_int_equal(test_acceld_stop(pid), 0);
}

int main(void)
{
	const struct CMUnitTest daemon_tests[] = {
		cmocka_unit_test(queue_of_an_acceld_client_runs_entries),
		cmocka_unit_test(killed_client_with_a_blocked_full_queue_leaves_acceld_serving),
		/* last: cmocka runs the tests in this order */
		cmocka_unit_test(acceld_stops_cleanly_without_leaks),
	};
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(entries_complete_in_order),
		cmocka_unit_test(ring_wraps_around),
		cmocka_unit_test(deferred_entries_run_once_the_doorbell_rings),
		cmocka_unit_test(full_ring_nonblocking_reserve_is_eagain),
		cmocka_unit_test(reserve_of_an_oversized_or_unaligned_entry_is_einval),
		cmocka_unit_test(entry_wrapping_at_the_middle_of_an_idle_ring_is_reserved),
		cmocka_unit_test(fault_stops_only_its_queue),
		cmocka_unit_test(hang_stops_only_its_queue),
		cmocka_unit_test(wrong_seqno_stops_the_queue_with_einval),
		cmocka_unit_test(repeated_seqno_stops_the_queue_with_einval),
		cmocka_unit_test(unknown_entry_flags_stop_the_queue_with_einval),
		cmocka_unit_test(entry_length_not_a_multiple_of_8_stops_the_queue_with_einval),
		cmocka_unit_test(entry_shorter_than_its_header_stops_the_queue_with_einval),
		cmocka_unit_test(entry_crossing_the_ring_end_stops_the_queue_with_einval),
		cmocka_unit_test(unknown_packet_opcode_stops_the_queue_with_einval),
		cmocka_unit_test(indirect_entry_runs_a_stream_from_the_address_space),
		cmocka_unit_test(indirect_entry_at_an_unmapped_va_stops_the_queue_with_efault),
		cmocka_unit_test(indirect_entry_with_a_bad_size_stops_the_queue_with_einval),
		cmocka_unit_test(queue_signal_into_a_binary_syncobj_signals_when_the_entry_completes),
		cmocka_unit_test(queue_signal_into_a_timeline_point_signals_when_the_entry_completes),
		cmocka_unit_test(queue_signal_of_a_completed_seqno_signals_at_once),
		cmocka_unit_test(queue_signal_pending_when_the_queue_stops_signals_with_the_error),
		cmocka_unit_test(queue_signal_fence_fires_an_eventfd),
		cmocka_unit_test(queue_create_rejects_bad_ring_sizes_and_flags),
		cmocka_unit_test(queue_create_takes_the_smallest_and_largest_rings),
		cmocka_unit_test(queue_ids_start_at_one_per_file_and_are_reused),
		cmocka_unit_test(user_queue_count_follows_create_destroy_and_close),
		cmocka_unit_test(queue_destroy_of_an_unknown_queue_is_enoent),
		cmocka_unit_test(queue_destroy_with_nonzero_pad_is_einval),
		cmocka_unit_test(queue_signal_of_an_unknown_queue_is_enoent),
		cmocka_unit_test(queue_signal_rejects_seqno_zero_flags_and_unknown_syncobjs),
		cmocka_unit_test(more_than_max_queues_is_enospc),
		cmocka_unit_test(destroy_with_entry_in_progress),
		cmocka_unit_test(closing_the_file_with_an_entry_in_progress_fails_its_fences_with_esrch),
		cmocka_unit_test(queues_of_several_clients_run_in_parallel),
	};
	int failed;

	/* first: its clients are forked before this process runs an embedded core */
	failed = cmocka_run_group_tests_name("vnpu_uq_acceld", daemon_tests, daemon_setup,
					     daemon_teardown);
	failed += cmocka_run_group_tests_name("vnpu_uq", tests, embedded_setup, embedded_teardown);
	return failed;
}
