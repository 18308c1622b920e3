// SPDX-License-Identifier: MIT
/*
 * R3 (issue 11): clients SIGKILLed at random points through acceld; afterwards the daemon's
 * object counts and its memory are back to where they were.
 *
 * acceld serves one vnpu under a private root. Clients are processes started in pairs joined
 * by a socket; each runs, over and over, a script that touches everything a client can hold:
 * buffer objects (system, VRAM, mapped, bound in its address space), syncobjs (binary and
 * timeline), compute and DMA contexts with jobs queued and running (some waiting on a
 * semaphore), blocking waits (on job fences and on syncobjs with no fence yet), user queues,
 * and buffers PRIME-exported to its peer and imported from it. The campaign kills each client
 * with SIGKILL at a random moment (uniform in [0, --max-life-ms]), noting which step it was
 * in, until KILLS clients have been killed, --parallel alive at a time.
 *
 * What the daemon holds is read from its published tree under the root and from /proc:
 *   gem objects and bytes   sys/kernel/debug/accel/vnpu.0/gem_objects
 *   contexts, user queues   sys/devices/platform/vnpu.0/{context_count,user_queue_count}
 *   VRAM in use             sys/devices/platform/vnpu.0/vram_used
 *   open clients            the fdinfo files under proc/
 *   descriptors, threads    /proc/<acceld>/fd, /proc/<acceld>/status Threads
 *   memory                  /proc/<acceld>/status VmRSS
 * (syncobjs have no count of their own in the tree: a leaked one would show as a leaked
 * client, descriptor or fence memory.) The baseline is taken after a warm-up of clients that
 * exit normally, so that what the allocator keeps after a first use is not counted as a
 * leak (the core's GEM memfd pool, for one, keeps up to 64 descriptors of freed buffers: the
 * warm baseline has them); the cold figure right after start is printed too. Passing: every
 * count back to its baseline exactly, RSS within the tolerance (--rss-tolerance-kib, default
 * 8192), the daemon alive, serving a fresh client's checked job, and stopping with status 0.
 *
 * Why RSS gets a tolerance: glibc keeps freed memory in its arenas (one per thread that
 * allocated, and the daemon runs a thread per connection) and a fragmented heap does not
 * shrink, so RSS settles above the warm baseline instead of returning to it byte for byte.
 * Measured (2 loaded cores): +3.2 MiB after 1000 kills, +4.4 MiB after 3000 (not 3x: it
 * follows the peak concurrency, not the number of clients), +2.2 MiB after 1000 with
 * MALLOC_ARENA_MAX=1; a leak per client would grow with the kills. (Under ASan the RSS
 * figure means nothing: freed memory waits in ASan's quarantine. There LeakSanitizer, in the
 * daemon's exit status, is the leak check.)
 *
 * usage: rel_r3_kills [--kills N] [--parallel N] [--max-life-ms MS] [--seed S] [--limit S]
 *                     [--rss-tolerance-kib K]
 */
#include "rel_common.h"
#include "../common/scm_rights.h"

#include <dirent.h>
#include <sys/socket.h>

#include <libaccel_vnpu.h>

#define NODE		"/dev/accel/accel0"
#define MEM_SIZE	(1u << 20)

static const char daemon_config[] =
	"[nodes]\nmode = 0666\n\n"
	"[vnpu.0]\ndriver = vnpu\njob_timeout_ms = 200\ncompute_engines = 2\ndma_engines = 1\n"
	"vram_size = 268435456\n";

/* What a client was doing when it was killed: it writes its step into shared memory. */
enum step { S_START, S_OPEN, S_BO, S_MMAP, S_BIND, S_SYNCOBJ, S_CTX, S_SUBMIT, S_WAIT_JOB,
	    S_WAIT_NOFENCE, S_PRIME_EXPORT, S_PRIME_SEND, S_PRIME_IMPORT, S_UQ, S_STORM,
	    S_CLOSE_SOME, S_COUNT };
static const char *const step_name[S_COUNT] = {
	"starting", "open", "bo-create", "mmap", "vm-bind", "syncobj", "context", "submit",
	"wait-job", "wait-no-fence", "prime-export", "prime-send", "prime-import", "user-queue",
	"ioctl-storm", "close-some",
};

struct slot_shm {
	volatile int step;		/* enum step, written by the client */
	volatile int errors;		/* unexpected failures the client saw */
	volatile int loops;		/* scripts completed */
	volatile int imported;		/* peer buffers imported */
};

static struct slot_shm *shm;		/* one per slot, MAP_SHARED */

/* ---------------------------------------------------------------------------------------- */
/* The client script */

static void send_fd(int sock, int fd)
{
	(void)scm_send_fd(sock, fd, MSG_DONTWAIT | MSG_NOSIGNAL); /* a full or dead peer: skip */
}

static int recv_fd(int sock)
{
	return scm_recv_fd(sock, MSG_DONTWAIT);
}

#define STEP(s) (me->step = (s))
/* An unexpected failure: counted, the script goes on (the kill comes anyway). */
#define CHECK(expr)						\
	do {							\
		if ((expr) != 0)				\
			me->errors = me->errors + 1;		\
	} while (0)

static uint32_t bo_create(int fd, uint64_t size, uint32_t flags)
{
	struct drm_vnpu_bo_create bc = { .size = size, .flags = flags };

	return vnpu_ioctl_retry(fd, DRM_IOCTL_VNPU_BO_CREATE, &bc) ? 0 : bc.handle;
}

static void gem_close(int fd, uint32_t h)
{
	struct drm_gem_close gc = { .handle = h };

	vnpu_ioctl_retry(fd, DRM_IOCTL_GEM_CLOSE, &gc);
}

/* The client: runs until killed (or its own alarm); with @max_loops, that many and returns. */
static void client_main(struct slot_shm *me, int sock, uint64_t rng, int max_loops)
{
	struct vnpu_arena_client c;
	uint32_t ctx, dctx, bin, tl, never, vram;
	uint64_t point = 0;
	int64_t cmd, prof, src, dst, word;
	struct vnpu_stream s;
	int err;

	STEP(S_OPEN);
	err = vnpu_arena_open(&c, NODE, MEM_SIZE);
	if (err) {
		me->errors = me->errors + 1;
		if (max_loops)
			return;
		pause();
	}
	STEP(S_BO);
	vram = bo_create(c.fd, 65536, VNPU_BO_VRAM);
	CHECK(!vram);
	STEP(S_SYNCOBJ);
	CHECK(vnpu_syncobj_create(c.fd, &bin));
	CHECK(vnpu_syncobj_create(c.fd, &tl));
	CHECK(vnpu_syncobj_create(c.fd, &never));
	STEP(S_CTX);
	CHECK(vnpu_arena_ctx_create(&c, VNPU_ENGINE_COMPUTE, VNPU_PRIORITY_NORMAL, &ctx));
	CHECK(vnpu_arena_ctx_create(&c, VNPU_ENGINE_DMA, VNPU_PRIORITY_LOW, &dctx));
	cmd = vnpu_arena_alloc(&c, 4096);
	prof = vnpu_arena_alloc(&c, 4096);
	src = vnpu_arena_alloc(&c, 65536);
	dst = vnpu_arena_alloc(&c, 65536);
	word = vnpu_arena_alloc(&c, 64);

	for (;;) {
		/* sharing three times as often as the rest: it needs both of a pair at once */
		unsigned int what = (unsigned int)rel_below(&rng, 9), i;

		if (what > 6)
			what = 3;

		switch (what) {
		case 0: /* a checked copy, waited for */
			s.len = 0;
			memset(c.map + src, (int)(rng & 0xff), 65536);
			rel_emit_copy(&s, vnpu_arena_va(src), vnpu_arena_va(dst), 65536);
			STEP(S_SUBMIT);
			CHECK(vnpu_arena_submit(&c, dctx, &s, cmd, tl, ++point, prof, NULL));
			STEP(S_WAIT_JOB);
			CHECK(vnpu_wait_point(c.fd, tl, point, 5 * REL_NSEC));
			CHECK(memcmp(c.map + src, c.map + dst, 65536) != 0);
			break;
		case 1: /* jobs left queued and running: a semaphore wait of its own 50 ms */
			s.len = 0;
			*(volatile uint64_t *)(c.map + word) = 0;
			rel_emit_sem_wait(&s, vnpu_arena_va(word), 1, 50000000);
			STEP(S_SUBMIT);
			for (i = 0; i < 4; i++) {
				err = vnpu_arena_submit(&c, ctx, &s, cmd + 512, bin, 0, -1, NULL);
				CHECK(err && err != -EBUSY);
			}
			STEP(S_WAIT_JOB);
			vnpu_wait_point(c.fd, bin, 0, 60000000); /* -ETIME is fine */
			break;
		case 2: /* a wait on a syncobj that never gets a fence */
			STEP(S_WAIT_NOFENCE);
			err = vnpu_wait_point(c.fd, never, 0, 30000000);
			CHECK(err != -ETIME);
			break;
		case 3: { /* share: export a buffer to the peer, import the peer's */
			struct drm_prime_handle exp = { .flags = DRM_CLOEXEC | DRM_RDWR };
			struct drm_prime_handle imp = { 0 };
			uint32_t h;

			STEP(S_BO);
			h = bo_create(c.fd, 16384, rel_below(&rng, 2) ? VNPU_BO_VRAM | VNPU_BO_MAPPABLE : 0);
			CHECK(!h);
			STEP(S_PRIME_EXPORT);
			exp.handle = h;
			CHECK(vnpu_ioctl_retry(c.fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp));
			if (exp.fd >= 0) {
				STEP(S_PRIME_SEND);
				send_fd(sock, exp.fd);
				close(exp.fd);
			}
			imp.fd = recv_fd(sock);
			if (imp.fd >= 0) {
				STEP(S_PRIME_IMPORT);
				CHECK(vnpu_ioctl_retry(c.fd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp));
				close(imp.fd);
				me->imported = me->imported + 1;
				if (rel_below(&rng, 2)) {
					struct drm_vnpu_bo_info info = { .handle = imp.handle };
					void *p;

					STEP(S_MMAP);
					CHECK(vnpu_ioctl_retry(c.fd, DRM_IOCTL_VNPU_BO_INFO, &info));
					p = accel_sys_mmap(NULL, info.size, PROT_READ | PROT_WRITE,
							   MAP_SHARED, c.fd, (off_t)info.mmap_offset);
					CHECK(p == MAP_FAILED);
					/* left mapped: the kill must drop the mapping's reference */
				}
			}
			if (rel_below(&rng, 2)) {
				STEP(S_CLOSE_SOME);
				gem_close(c.fd, h);
			}
			break;
		}
		case 4: { /* a user queue with an entry, sometimes left alive */
			struct accel_vnpu_uq *q = NULL;
			uint64_t seqno;

			STEP(S_UQ);
			err = accel_vnpu_uq_create(c.fd, VNPU_UQ_RING_MIN, &q);
			CHECK(err);
			if (!err) {
				s.len = 0;
				rel_emit_fence_write(&s, vnpu_arena_va(word) + 8, point);
				memcpy(c.map + cmd + 1024, s.buf, s.len);
				CHECK(accel_vnpu_uq_push_indirect(q, vnpu_arena_va(cmd) + 1024, s.len, 0, &seqno));
				CHECK(accel_vnpu_uq_wait(q, seqno, 2 * REL_NSEC));
				if (rel_below(&rng, 2))
					accel_vnpu_uq_destroy(q);
			}
			break;
		}
		case 5: { /* an ioctl storm: objects made and dropped */
			uint32_t h[8], so[8];

			STEP(S_STORM);
			for (i = 0; i < 8; i++) {
				h[i] = bo_create(c.fd, 4096 * (1 + i), i & 1 ? VNPU_BO_VRAM : 0);
				vnpu_syncobj_create(c.fd, &so[i]);
			}
			for (i = 0; i < 8; i += 1 + (unsigned int)rel_below(&rng, 2)) {
				struct drm_syncobj_destroy sd = { .handle = so[i] };

				gem_close(c.fd, h[i]);
				vnpu_ioctl_retry(c.fd, DRM_IOCTL_SYNCOBJ_DESTROY, &sd);
			}
			break;
		}
		case 6: { /* a buffer bound into the address space and left there */
			struct drm_vnpu_vm_bind b = { .op = VNPU_VM_BIND_MAP, .size = 65536 };
			uint32_t h;

			STEP(S_BO);
			h = bo_create(c.fd, 65536, rel_below(&rng, 2) ? VNPU_BO_VRAM : 0);
			STEP(S_BIND);
			b.handle = h;
			b.va = VNPU_VA_START + (1ull << 32) + rel_below(&rng, 1024) * 65536;
			CHECK(vnpu_ioctl_retry(c.fd, DRM_IOCTL_VNPU_VM_BIND, &b));
			STEP(S_CLOSE_SOME);
			gem_close(c.fd, h); /* the mapping keeps the object */
			break;
		}
		}
		me->loops = me->loops + 1;
		if (max_loops && me->loops >= max_loops)
			break;
	}
	vnpu_arena_close(&c);
}

/* ---------------------------------------------------------------------------------------- */
/* The daemon's counts */

struct counts {
	long long gem_objects, gem_bytes, contexts, user_queues, vram_used, clients, fds, threads,
		  rss_kib;
};

static const char *root;
static pid_t daemon_pid;

static long long count_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;
	long long n = 0;

	if (!d)
		return -1;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n;
}

/* Open clients: the fdinfo files under ROOT/proc/<pid>/fdinfo/. */
static long long count_clients(void)
{
	char path[4200];
	DIR *d;
	struct dirent *e;
	long long n = 0, k;

	snprintf(path, sizeof(path), "%s/proc", root);
	d = opendir(path);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/proc/%s/fdinfo", root, e->d_name);
		k = count_dir(path);
		n += k > 0 ? k : 0;
	}
	closedir(d);
	return n;
}

static void counts_read(struct counts *c)
{
	char path[4200];

	/* an accel minor's debugfs directory is its device's unique name (no "N" link, as 6.12) */
	snprintf(path, sizeof(path), "%s/sys/kernel/debug/accel/vnpu.0/gem_objects", root);
	c->gem_objects = rel_file_num(path, "objects:");
	c->gem_bytes = rel_file_num(path, "bytes:");
	snprintf(path, sizeof(path), "%s/sys/devices/platform/vnpu.0/context_count", root);
	c->contexts = rel_file_num(path, NULL);
	snprintf(path, sizeof(path), "%s/sys/devices/platform/vnpu.0/user_queue_count", root);
	c->user_queues = rel_file_num(path, NULL);
	snprintf(path, sizeof(path), "%s/sys/devices/platform/vnpu.0/vram_used", root);
	c->vram_used = rel_file_num(path, NULL);
	c->clients = count_clients();
	snprintf(path, sizeof(path), "/proc/%d/fd", (int)daemon_pid);
	c->fds = count_dir(path);
	snprintf(path, sizeof(path), "/proc/%d/status", (int)daemon_pid);
	c->threads = rel_file_num(path, "Threads:");
	c->rss_kib = rel_file_num(path, "VmRSS:");
}

static void counts_max(struct counts *m, const struct counts *c)
{
	long long *a = &m->gem_objects;
	const long long *b = &c->gem_objects;
	size_t i;

	for (i = 0; i < sizeof(*m) / sizeof(long long); i++)
		if (b[i] > a[i])
			a[i] = b[i];
}

/*
 * The core keeps up to this many memfds of freed buffers for reuse (MEMFD_POOL_ENTRIES in
 * core/drm_gem.c): the daemon's descriptors may sit anywhere from its cold count to that
 * many above it, whatever the clients did.
 */
#define MEMFD_POOL_SLACK 64

/* Every count but RSS equal to the baseline's; descriptors within the memfd pool's slack. */
static bool counts_settled(const struct counts *c, const struct counts *base,
			   const struct counts *cold)
{
	/* a count that cannot be read (-1) proves nothing: never "settled" */
	if (c->gem_objects < 0 || c->gem_bytes < 0 || c->contexts < 0 || c->user_queues < 0 ||
	    c->vram_used < 0 || c->clients < 0 || c->fds < 0 || c->threads < 0)
		return false;
	return c->gem_objects == base->gem_objects && c->gem_bytes == base->gem_bytes &&
	       c->contexts == base->contexts && c->user_queues == base->user_queues &&
	       c->vram_used == base->vram_used && c->clients == base->clients &&
	       c->fds >= cold->fds && c->fds <= cold->fds + MEMFD_POOL_SLACK &&
	       c->threads == base->threads;
}

static void counts_print(const char *what, const struct counts *c)
{
	printf("  %-14s %8lld %10lld %8lld %6lld %10lld %7lld %5lld %7lld %9lld\n", what,
	       c->gem_objects, c->gem_bytes, c->contexts, c->user_queues, c->vram_used, c->clients,
	       c->fds, c->threads, c->rss_kib);
}

/* ---------------------------------------------------------------------------------------- */
/* Slots: pairs of clients joined by a socket */

struct slot {
	pid_t pid;
	int64_t kill_at;	/* 0: exits by itself (warm-up) */
};

static uint64_t rng;
static unsigned int max_life_ms = 300;

/* Start a pair in slots @a and @a+1; @kill: with random kill times, else they exit cleanly. */
static int pair_start(struct slot *slots, unsigned int a, bool kill)
{
	int sv[2];
	unsigned int k;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
		return -errno;
	for (k = 0; k < 2; k++) {
		uint64_t seed = xorshift64s(&rng);
		pid_t pid;

		memset((void *)&shm[a + k], 0, sizeof(shm[0]));
		pid = rel_fork(30);
		if (pid < 0) {
			close(sv[0]);
			close(sv[1]);
			return -errno;
		}
		if (pid == 0) {
			close(sv[1 - k]);
			/* warm-up clients run 40 scripts, then exit normally */
			client_main(&shm[a + k], sv[k], seed, kill ? 0 : 40);
			_exit(shm[a + k].errors ? 3 : 0);
		}
		slots[a + k].pid = pid;
		slots[a + k].kill_at = mono_now_ns() +
				       (int64_t)rel_below(&rng, (uint64_t)max_life_ms * 1000 + 1) * 1000;
	}
	close(sv[0]);
	close(sv[1]);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned int kills = 1000, parallel = 8, limit = 1800, i, killed = 0, started = 0;
	unsigned long long at_step[S_COUNT] = { 0 }, client_errors = 0, imports = 0, loops = 0;
	long long rss_tolerance_kib = 8192;
	struct counts cold, base, peak, now, final;
	const char *seed_arg = NULL;
	struct slot *slots;
	int64_t t0, t1, settle_end, next_sample = 0;
	bool settled, ok = true;
	int status, stop_status;
	pid_t verify;

	for (i = 1; i < (unsigned int)argc; i++) {
		const char *v = i + 1 < (unsigned int)argc ? argv[i + 1] : NULL;

		if (!strcmp(argv[i], "--kills") && v)
			kills = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--parallel") && v)
			parallel = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--max-life-ms") && v)
			max_life_ms = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--seed") && v)
			seed_arg = argv[++i];
		else if (!strcmp(argv[i], "--limit") && v)
			limit = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (!strcmp(argv[i], "--rss-tolerance-kib") && v)
			rss_tolerance_kib = strtoll(argv[++i], NULL, 0);
		else {
			bool help = !strcmp(argv[i], "--help");

			fprintf(help ? stdout : stderr, "usage: %s [--kills N] [--parallel N] [--max-life-ms MS] "
				"[--seed S] [--limit SECONDS] [--rss-tolerance-kib K]\n", argv[0]);
			return help ? 0 : 2;
		}
	}
	parallel += parallel & 1; /* pairs */
	if (parallel < 2 || parallel > 256) {
		fprintf(stderr, "r3: --parallel 2..256\n");
		return 2;
	}
	rel_init("r3", limit);
	rng = rel_seed(seed_arg);
	printf("R3 clients SIGKILLed through acceld: %u kills, %u alive at a time, lifetimes "
	       "uniform in [0, %u] ms, seed 0x%llx\n", kills, parallel, max_life_ms,
	       (unsigned long long)rng);
	fflush(stdout);

	shm = mmap(NULL, sizeof(*shm) * parallel, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	slots = calloc(parallel, sizeof(*slots));
	if (shm == MAP_FAILED || !slots)
		return 1;
	root = rel_private_root("r3");
	setenv("ACCEL_ROOT", root, 1);
	daemon_pid = rel_acceld_start(ACCELD_PATH, root, daemon_config, 100);
	if (daemon_pid < 0)
		return 1;
	usleep(300000);
	counts_read(&cold);

	/* Warm-up: clients that run about a second and exit normally. */
	for (i = 0; i < parallel; i += 2)
		if (pair_start(slots, i, false))
			return 1;
	for (i = 0; i < parallel; i++) {
		status = rel_reap(slots[i].pid, 20000);
		slots[i].pid = 0;
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			printf("  warm-up client %u ended with status 0x%x\n", i, status);
	}
	settle_end = mono_now_ns() + 30 * REL_NSEC;
	do {
		usleep(200000);
		counts_read(&base);
		counts_read(&now);
	} while ((base.clients || base.gem_objects || base.contexts) && mono_now_ns() < settle_end);
	usleep(500000);
	counts_read(&base);
	peak = base;
	if (getenv("REL_R3_LIST_FDS")) {
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "ls -l /proc/%d/fd", (int)daemon_pid);
		(void)!system(cmd);
	}

	t0 = mono_now_ns();
	while (killed < kills) {
		int64_t t = mono_now_ns();

		for (i = 0; i < parallel; i += 2) {
			unsigned int k;

			for (k = i; k < i + 2; k++) {
				if (slots[k].pid && t >= slots[k].kill_at) {
					at_step[shm[k].step < S_COUNT ? shm[k].step : 0]++;
					kill(slots[k].pid, SIGKILL);
					status = rel_reap(slots[k].pid, 10000);
					if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
						printf("  client ended before its kill, status 0x%x\n",
						       status);
					client_errors += shm[k].errors;
					imports += shm[k].imported;
					loops += shm[k].loops;
					slots[k].pid = 0;
					killed++;
					if (killed % (kills >= 10 ? kills / 10 : 1) == 0) {
						printf("  %u/%u killed, %.1f s, acceld RSS %lld KiB\n",
						       killed, kills, (double)(t - t0) / REL_NSEC,
						       now.rss_kib);
						fflush(stdout);
					}
				}
			}
			if (!slots[i].pid && !slots[i + 1].pid && started < kills) {
				if (pair_start(slots, i, true)) {
					fprintf(stderr, "r3: cannot start clients\n");
					return 1;
				}
				started += 2;
			}
		}
		if (t >= next_sample) {
			counts_read(&now);
			counts_max(&peak, &now);
			next_sample = t + 50000000;
			if (waitpid(daemon_pid, &status, WNOHANG) == daemon_pid) {
				rel_child_forget(daemon_pid);
				printf("r3: acceld died (status 0x%x) after %u kills\n", status, killed);
				return 1;
			}
		}
		usleep(1000);
	}
	/* pairs started last may still run: they do not count */
	for (i = 0; i < parallel; i++) {
		if (slots[i].pid) {
			kill(slots[i].pid, SIGKILL);
			rel_reap(slots[i].pid, 10000);
			slots[i].pid = 0;
		}
	}
	t1 = mono_now_ns();

	/* Settle: the daemon notices each hang-up, lets jobs drain (up to 1 s), frees. */
	settle_end = mono_now_ns() + 60 * REL_NSEC;
	do {
		usleep(200000);
		counts_read(&final);
		settled = counts_settled(&final, &base, &cold);
	} while (!settled && mono_now_ns() < settle_end);
	usleep(1000000);
	counts_read(&final);
	settled = counts_settled(&final, &base, &cold);

	/* The daemon still serves: a fresh client runs a checked copy. */
	verify = rel_fork(20);
	if (verify == 0) {
		struct vnpu_arena_client c;
		struct vnpu_stream s = { .len = 0 };
		uint32_t ctx, so;
		int64_t a, b, cmd;

		if (vnpu_arena_open(&c, NODE, MEM_SIZE) || vnpu_arena_ctx_create(&c, VNPU_ENGINE_DMA, 0, &ctx) ||
		    vnpu_syncobj_create(c.fd, &so))
			_exit(1);
		a = vnpu_arena_alloc(&c, 4096);
		b = vnpu_arena_alloc(&c, 4096);
		cmd = vnpu_arena_alloc(&c, 1024);
		memset(c.map + a, 0x5a, 4096);
		rel_emit_copy(&s, vnpu_arena_va(a), vnpu_arena_va(b), 4096);
		if (vnpu_arena_submit(&c, ctx, &s, cmd, so, 0, -1, NULL) ||
		    vnpu_wait_point(c.fd, so, 0, 10 * REL_NSEC) || memcmp(c.map + a, c.map + b, 4096))
			_exit(2);
		vnpu_arena_close(&c);
		_exit(0);
	}
	status = verify > 0 ? rel_reap(verify, 30000) : -1;
	stop_status = rel_acceld_stop(daemon_pid);

	printf("\nR3 results (%.1f s for %u kills, machine shared with other builds)\n",
	       (double)(t1 - t0) / REL_NSEC, killed);
	printf("  %-14s %8s %10s %8s %6s %10s %7s %5s %7s %9s\n", "", "gem_objs", "gem_bytes",
	       "contexts", "uqs", "vram_used", "clients", "fds", "threads", "rss_KiB");
	counts_print("cold start", &cold);
	counts_print("baseline", &base);
	counts_print("peak", &peak);
	counts_print("final", &final);
	printf("  killed while in:");
	for (i = 0; i < S_COUNT; i++)
		if (at_step[i])
			printf(" %s %llu,", step_name[i], at_step[i]);
	printf("\n  client scripts completed %llu, peer buffers imported %llu, unexpected client "
	       "errors %llu\n", loops, imports, client_errors);
	printf("  counts back to baseline: %s (descriptors: cold count + up to %d pooled memfds)\n",
	       settled ? "yes" : "NO", MEMFD_POOL_SLACK);
	printf("  RSS final - baseline: %+lld KiB (tolerance %lld KiB: allocator caching, see the "
	       "comment at the top of rel_r3_kills.c)\n", final.rss_kib - base.rss_kib,
	       rss_tolerance_kib);
	printf("  fresh client after the campaign: %s\n",
	       WIFEXITED(status) && !WEXITSTATUS(status) ? "served, result correct" : "FAILED");
	printf("  acceld stopped with status %d\n", stop_status);
	ok = settled && final.rss_kib - base.rss_kib <= rss_tolerance_kib && WIFEXITED(status) &&
	     !WEXITSTATUS(status) && stop_status == 0;
	printf("  R3 %s\n", ok ? "PASSED" : "FAILED");
	free(slots);
	return ok ? 0 : 1;
}
