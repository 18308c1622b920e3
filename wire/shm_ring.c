// SPDX-License-Identifier: MIT
/*
 * The shared-memory request ring (wire/shm_ring.h, docs/acceld-shm.md).
 */
#define _GNU_SOURCE
#include "wire/shm_ring.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

_Static_assert(sizeof(struct accel_shm_slot) == 4096, "a slot is one page");

/*
 * How long a waiter polls before it sleeps. A reply for a null ioctl comes within a few
 * microseconds when both sides have a core; on a loaded machine spinning only steals the
 * peer's core, so the budget is small and the loop yields.
 */
#define SHM_SPIN_ITERS 2000

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static uint32_t ld_acq(const uint32_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

/* Shared futexes (no FUTEX_PRIVATE_FLAG): the word lives in a mapping two processes share. */
static int futex_wait(uint32_t *word, uint32_t expected, int timeout_ms)
{
	struct timespec ts = { timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000L };

	if (syscall(SYS_futex, word, FUTEX_WAIT, expected, timeout_ms < 0 ? NULL : &ts, NULL, 0) < 0)
		return -errno;
	return 0;
}

static void futex_wake(uint32_t *word, int n)
{
	syscall(SYS_futex, word, FUTEX_WAKE, n, NULL, NULL, 0);
}

static bool peer_alive(const struct accel_shm_ring *r)
{
	return !r->alive || r->alive(r->alive_ctx);
}

size_t accel_shm_ring_size(void)
{
	return sizeof(struct accel_shm_ring_shared);
}

static void ring_defaults(struct accel_shm_ring *r)
{
	r->stopped = 0;
	r->alive = NULL;
	r->alive_ctx = NULL;
	r->wait_ms = 1000;
}

int accel_shm_ring_create(struct accel_shm_ring *r)
{
	size_t size = accel_shm_ring_size();
	void *p;
	int fd, err;

	fd = memfd_create("accel-shm-ring", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return -errno;
	if (ftruncate(fd, (off_t)size) < 0)
		goto fail_errno;
	/* The size is part of the contract: the server must not find the mapping shrunk. */
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0)
		goto fail_errno;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		goto fail_errno;
	ring_defaults(r);
	r->sh = p;
	r->fd = fd;
	r->sh->nslots = ACCEL_SHM_RING_SLOTS;
	__atomic_store_n(&r->sh->magic, ACCEL_SHM_RING_MAGIC, __ATOMIC_RELEASE);
	return 0;

fail_errno:
	err = -errno;
	close(fd);
	return err;
}

int accel_shm_ring_attach(struct accel_shm_ring *r, int fd)
{
	size_t size = accel_shm_ring_size();
	struct stat st;
	int seals;
	void *p;

	if (fstat(fd, &st) < 0)
		return -errno;
	/*
	 * Without the seals a client could shrink the file under the mapping and turn the
	 * server's next access into SIGBUS.
	 */
	seals = fcntl(fd, F_GET_SEALS);
	if (seals < 0 || (seals & (F_SEAL_SHRINK | F_SEAL_GROW)) != (F_SEAL_SHRINK | F_SEAL_GROW))
		return -EINVAL;
	if ((size_t)st.st_size != size)
		return -EINVAL;
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		return -errno;
	ring_defaults(r);
	r->sh = p;
	r->fd = -1;
	if (ld_acq(&r->sh->magic) != ACCEL_SHM_RING_MAGIC || r->sh->nslots != ACCEL_SHM_RING_SLOTS) {
		munmap(p, size);
		r->sh = NULL;
		return -EINVAL;
	}
	return 0;
}

void accel_shm_ring_set_liveness(struct accel_shm_ring *r, accel_shm_alive_fn alive, void *ctx,
				 int wait_ms)
{
	r->alive = alive;
	r->alive_ctx = ctx;
	r->wait_ms = wait_ms > 0 ? wait_ms : 1000;
}

void accel_shm_ring_stop(struct accel_shm_ring *r)
{
	__atomic_store_n(&r->stopped, 1, __ATOMIC_SEQ_CST);
	/* A waiter between its look at @stopped and its futex wait finds the doorbell moved. */
	__atomic_add_fetch(&r->sh->doorbell, 1, __ATOMIC_SEQ_CST);
	futex_wake(&r->sh->doorbell, INT_MAX);
}

void accel_shm_ring_destroy(struct accel_shm_ring *r)
{
	if (r->sh)
		munmap(r->sh, accel_shm_ring_size());
	r->sh = NULL;
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

static int slot_claim(struct accel_shm_ring_shared *sh)
{
	for (unsigned int i = 0; i < ACCEL_SHM_RING_SLOTS; i++) {
		uint32_t expect = ACCEL_SHM_SLOT_FREE;

		if (__atomic_compare_exchange_n(&sh->slots[i].state, &expect, ACCEL_SHM_SLOT_CLAIMED,
						false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return (int)i;
	}
	return -1;
}

/* Waits until the slot is REPLIED; -ENODEV when the server is gone. */
static int slot_wait_reply(struct accel_shm_ring *r, struct accel_shm_slot *s)
{
	uint32_t st;

	for (int i = 0; i < SHM_SPIN_ITERS; i++) {
		if (ld_acq(&s->state) == ACCEL_SHM_SLOT_REPLIED)
			return 0;
		cpu_relax();
	}
	for (;;) {
		/* Announce, then look again: the server stores REPLIED, then reads the flag. */
		__atomic_store_n(&s->client_sleeping, 1, __ATOMIC_SEQ_CST);
		st = __atomic_load_n(&s->state, __ATOMIC_SEQ_CST);
		if (st == ACCEL_SHM_SLOT_REPLIED)
			break;
		if (futex_wait(&s->state, st, r->wait_ms) == -ETIMEDOUT && !peer_alive(r)) {
			__atomic_store_n(&s->client_sleeping, 0, __ATOMIC_RELAXED);
			return -ENODEV;
		}
	}
	__atomic_store_n(&s->client_sleeping, 0, __ATOMIC_RELAXED);
	return 0;
}

int accel_shm_ring_call(struct accel_shm_ring *r, uint32_t op, const void *req, size_t req_len,
			void *reply, size_t reply_cap, size_t *reply_len, int32_t *result)
{
	struct accel_shm_ring_shared *sh = r->sh;
	struct accel_shm_slot *s;
	int idx, err;

	if (!sh || req_len > ACCEL_SHM_SLOT_DATA)
		return -EAGAIN;
	idx = slot_claim(sh);
	if (idx < 0)
		return -EAGAIN;
	s = &sh->slots[idx];
	s->op = op;
	s->len = (uint32_t)req_len;
	s->result = 0;
	if (req_len)
		memcpy(s->data, req, req_len);
	/* Publish the request, then ring: seq_cst pairs with the server's sleepers/doorbell. */
	__atomic_store_n(&s->state, ACCEL_SHM_SLOT_POSTED, __ATOMIC_SEQ_CST);
	__atomic_add_fetch(&sh->doorbell, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&sh->server_sleepers, __ATOMIC_SEQ_CST))
		futex_wake(&sh->doorbell, 1);

	err = slot_wait_reply(r, s);
	if (err)
		return err; /* the slot stays taken: a late reply must land nowhere in use */
	*result = s->result;
	if (s->len > reply_cap || s->len > ACCEL_SHM_SLOT_DATA) {
		err = -EMSGSIZE;
	} else {
		memcpy(reply, s->data, s->len);
		*reply_len = s->len;
		err = 0;
	}
	__atomic_store_n(&s->state, ACCEL_SHM_SLOT_FREE, __ATOMIC_RELEASE);
	return err;
}

static int slot_take_posted(struct accel_shm_ring_shared *sh)
{
	for (unsigned int i = 0; i < ACCEL_SHM_RING_SLOTS; i++) {
		uint32_t expect = ACCEL_SHM_SLOT_POSTED;

		if (__atomic_load_n(&sh->slots[i].state, __ATOMIC_RELAXED) != ACCEL_SHM_SLOT_POSTED)
			continue;
		if (__atomic_compare_exchange_n(&sh->slots[i].state, &expect, ACCEL_SHM_SLOT_SERVING,
						false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
			return (int)i;
	}
	return -1;
}

static void slot_publish_reply(struct accel_shm_slot *s)
{
	__atomic_store_n(&s->state, ACCEL_SHM_SLOT_REPLIED, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&s->client_sleeping, __ATOMIC_SEQ_CST))
		futex_wake(&s->state, 1);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int accel_shm_ring_take(struct accel_shm_ring *r, void *buf, uint32_t *op, uint32_t *len,
			int timeout_ms)
{
	struct accel_shm_ring_shared *sh = r->sh;
	int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ms() + timeout_ms;
	int idx = -1;

	for (int i = 0; i < SHM_SPIN_ITERS && idx < 0; i++) {
		idx = slot_take_posted(sh);
		if (idx < 0)
			cpu_relax();
	}
	while (idx < 0) {
		uint32_t bell = __atomic_load_n(&sh->doorbell, __ATOMIC_SEQ_CST);
		int64_t left = deadline - now_ms();
		int wait, err;

		idx = slot_take_posted(sh);
		if (idx >= 0)
			break;
		if (__atomic_load_n(&r->stopped, __ATOMIC_SEQ_CST))
			return -ENODEV;
		if (left <= 0)
			return -ETIMEDOUT;
		wait = left < r->wait_ms ? (int)left : r->wait_ms;
		__atomic_add_fetch(&sh->server_sleepers, 1, __ATOMIC_SEQ_CST);
		/* A post after the doorbell was read changes it: the wait then returns at once. */
		if (__atomic_load_n(&sh->doorbell, __ATOMIC_SEQ_CST) == bell)
			err = futex_wait(&sh->doorbell, bell, wait);
		else
			err = 0;
		__atomic_sub_fetch(&sh->server_sleepers, 1, __ATOMIC_SEQ_CST);
		if (err == -ETIMEDOUT && !peer_alive(r))
			return -ENODEV;
		idx = slot_take_posted(sh);
	}

	struct accel_shm_slot *s = &sh->slots[idx];
	/* Read once: the client may rewrite the slot, the server acts on its own copy. */
	uint32_t n = __atomic_load_n(&s->len, __ATOMIC_RELAXED);

	*op = __atomic_load_n(&s->op, __ATOMIC_RELAXED);
	if (n > ACCEL_SHM_SLOT_DATA) {
		s->result = -EINVAL;
		s->len = 0;
		slot_publish_reply(s);
		return -EPROTO;
	}
	memcpy(buf, s->data, n);
	*len = n;
	return idx;
}

int accel_shm_ring_reply(struct accel_shm_ring *r, int idx, int32_t result, const void *body,
			 size_t len)
{
	struct accel_shm_slot *s;
	int err = 0;

	if (idx < 0 || idx >= ACCEL_SHM_RING_SLOTS)
		return -EINVAL;
	s = &r->sh->slots[idx];
	if (len > ACCEL_SHM_SLOT_DATA) {
		result = -EOVERFLOW;
		len = 0;
		err = -EMSGSIZE;
	}
	s->result = result;
	if (len)
		memcpy(s->data, body, len);
	s->len = (uint32_t)len;
	slot_publish_reply(s);
	return err;
}
