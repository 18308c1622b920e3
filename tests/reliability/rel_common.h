/* SPDX-License-Identifier: MIT */
/*
 * What the reliability campaigns (R2, R3, R5 of issue 11) share: time and randomness, a
 * vnpu client over the public client API (libaccel.h and the uapi headers), command streams,
 * and the discipline that makes a campaign always finish and leave no process behind:
 *
 * - every child is recorded (rel_child_add) and started with PR_SET_PDEATHSIG(SIGKILL), so a
 *   campaign that dies takes its children with it;
 * - a watchdog (alarm) and the fatal signals kill and reap every recorded child, then exit;
 * - every exit path (rel_exit, return from main through atexit) kills and reaps them too.
 *
 * Children here are forked without exec: the parent must not have touched libaccel before
 * it forks (a daemon client's library state is per process and made at its first open).
 */
#ifndef REL_COMMON_H
#define REL_COMMON_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "wire/acceld_ready.h"
#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/drm_ext.h>
#include <uapi/drm/vnpu_accel.h>

#define REL_NSEC 1000000000ll

static inline int64_t rel_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * REL_NSEC + ts.tv_nsec;
}

/* xorshift64*: the campaign's randomness, seeded (and printed) so that a run can be replayed. */
static inline uint64_t rel_rand(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 2685821657736338717ull;
}

/* Uniform in [0, n). */
static inline uint64_t rel_below(uint64_t *s, uint64_t n)
{
	return n ? (rel_rand(s) >> 11) % n : 0;
}

/* Uniform in [-1, 1). */
static inline float rel_randf(uint64_t *s)
{
	return (float)((double)(rel_rand(s) >> 11) / (double)(1ull << 53) * 2.0 - 1.0);
}

static inline uint64_t rel_seed(const char *arg)
{
	uint64_t s = arg ? strtoull(arg, NULL, 0) :
			   ((uint64_t)time(NULL) * 2654435761u) ^ ((uint64_t)getpid() << 20) ^
			   (uint64_t)rel_now_ns();

	return s ? s : 1;
}

/* ---------------------------------------------------------------------------------------- */
/* Children: recorded, killed and reaped on every exit path */

#define REL_MAX_CHILDREN 4096

/* Written by the main thread only; read by the signal handler (hence volatile sig_atomic_t). */
static volatile sig_atomic_t rel_child_pid[REL_MAX_CHILDREN];
static volatile sig_atomic_t rel_children;
static const char *rel_name = "campaign";
static char rel_cleanup_dir[4096];	/* removed on exit when set */
static char rel_cleanup_conf[4200];	/* its acceld configuration file, next to it */

static inline void rel_child_add(pid_t pid)
{
	int i;

	for (i = 0; i < rel_children; i++) {
		if (!rel_child_pid[i]) {
			rel_child_pid[i] = pid;
			return;
		}
	}
	if (rel_children < REL_MAX_CHILDREN) {
		rel_child_pid[rel_children] = pid;
		rel_children = rel_children + 1;
	}
}

/* The child is reaped: forget it (so that its pid, reused later, is never killed). */
static inline void rel_child_forget(pid_t pid)
{
	int i;

	for (i = 0; i < rel_children; i++)
		if (rel_child_pid[i] == pid)
			rel_child_pid[i] = 0;
}

/* Kill and reap every recorded child (async-signal-safe). */
static inline void rel_kill_all(void)
{
	int i;

	for (i = 0; i < rel_children; i++)
		if (rel_child_pid[i] > 0)
			kill(rel_child_pid[i], SIGKILL);
	for (i = 0; i < rel_children; i++) {
		if (rel_child_pid[i] > 0) {
			waitpid(rel_child_pid[i], NULL, 0);
			rel_child_pid[i] = 0;
		}
	}
}

static inline void rel_rm_cleanup_dir(void)
{
	if (rel_cleanup_dir[0]) {
		char cmd[4200];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s.conf'", rel_cleanup_dir, rel_cleanup_dir);
		if (system(cmd) != 0)
			fprintf(stderr, "%s: cannot remove %s\n", rel_name, rel_cleanup_dir);
		rel_cleanup_dir[0] = 0;
	}
}

static pid_t rel_main_pid;

static void rel_atexit(void)
{
	if (getpid() != rel_main_pid)
		return;
	rel_kill_all();
	rel_rm_cleanup_dir();
}

static void rel_fatal_signal(int sig)
{
	static const char msg[] = ": watchdog or signal: killing every child and giving up\n";

	if (getpid() == rel_main_pid) {
		/* a failed message changes nothing of what follows */
		(void)!write(2, rel_name, strlen(rel_name));
		(void)!write(2, msg, sizeof(msg) - 1);
		rel_kill_all();
		if (rel_cleanup_dir[0]) {
			/* fork, exec and waitpid are async-signal-safe; system() is not */
			pid_t rm = fork();

			if (rm == 0) {
				execl("/bin/rm", "rm", "-rf", rel_cleanup_dir, rel_cleanup_conf,
				      (char *)NULL);
				_exit(127);
			}
			if (rm > 0)
				waitpid(rm, NULL, 0);
		}
	}
	_exit(128 + sig);
}

/*
 * Install the exit discipline in the campaign's main process: a watchdog of @limit_s seconds,
 * the fatal signals, and an atexit hook; all kill and reap the recorded children.
 */
static inline void rel_init(const char *name, unsigned int limit_s)
{
	struct sigaction sa = { .sa_handler = rel_fatal_signal };

	rel_name = name;
	rel_main_pid = getpid();
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	atexit(rel_atexit);
	alarm(limit_s);
}

/*
 * fork() a recorded child that dies with the parent. In the child the watchdog is off (the
 * parent's covers it) and @child_limit_s (non-zero) is its own alarm with the default action.
 */
static inline pid_t rel_fork(unsigned int child_limit_s)
{
	pid_t parent = getpid(), pid = fork();

	if (pid < 0)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(126); /* the parent died before the line above */
		signal(SIGALRM, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		alarm(child_limit_s);
		return 0;
	}
	rel_child_add(pid);
	return pid;
}

/* Reap @pid within @timeout_ms (then SIGKILL it); its wait status. */
static inline int rel_reap(pid_t pid, int timeout_ms)
{
	int64_t end = rel_now_ns() + (int64_t)timeout_ms * 1000000;
	int status = 0;
	pid_t r;

	while ((r = waitpid(pid, &status, WNOHANG)) == 0 && rel_now_ns() < end)
		usleep(1000);
	if (r == 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	rel_child_forget(pid);
	return status;
}

/* ---------------------------------------------------------------------------------------- */
/* acceld as a child: serving once it wrote READY=1 on the readiness pipe */

/* A private root ($TMPDIR/accel-rel-<tag>-XXXXXX), removed on exit. */
static inline const char *rel_private_root(const char *tag)
{
	snprintf(rel_cleanup_dir, sizeof(rel_cleanup_dir), "%s/accel-rel-%s-XXXXXX",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", tag);
	if (!mkdtemp(rel_cleanup_dir)) {
		perror("mkdtemp");
		exit(1);
	}
	chmod(rel_cleanup_dir, 0755);
	snprintf(rel_cleanup_conf, sizeof(rel_cleanup_conf), "%s.conf", rel_cleanup_dir);
	return rel_cleanup_dir;
}

/*
 * Start acceld (@path) serving @root with configuration text @config; its pid, or -1.
 * @env_refresh_ms: the daemon's attribute refresh period (how stale published counts are).
 */
static inline pid_t rel_acceld_start(const char *path, const char *root, const char *config,
				     int refresh_ms)
{
	char cfgpath[4200], fdarg[16], refresh[16];
	pid_t pid;
	FILE *f;
	int p[2];

	snprintf(cfgpath, sizeof(cfgpath), "%s.conf", root);
	f = fopen(cfgpath, "w");
	if (!f)
		return -1;
	fputs(config, f);
	fclose(f);
	if (pipe2(p, O_CLOEXEC))
		return -1;
	pid = rel_fork(0);
	if (pid < 0)
		return -1;
	if (pid == 0) {
		close(p[0]);
		fcntl(p[1], F_SETFD, 0);
		snprintf(fdarg, sizeof(fdarg), "%d", p[1]);
		snprintf(refresh, sizeof(refresh), "%d", refresh_ms);
		setenv("ACCEL_REFRESH_MS", refresh, 1);
		execl(path, "acceld", "--root", root, "--config", cfgpath, "--log-level", "err",
		      "--ready-fd", fdarg, (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	if (acceld_ready_wait(p[0], 30000))
		return pid;
	fprintf(stderr, "%s: acceld did not start serving %s\n", rel_name, root);
	kill(pid, SIGKILL);
	rel_reap(pid, 5000);
	return -1;
}

/* SIGTERM acceld and reap it (SIGKILL after 20 s); its exit status, 128+signal if killed. */
static inline int rel_acceld_stop(pid_t pid)
{
	int status;

	kill(pid, SIGTERM);
	status = rel_reap(pid, 20000);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* ---------------------------------------------------------------------------------------- */
/* Files of the published tree and of /proc */

/* The first unsigned number after @key in file @path (key NULL: at its start); -1 if none. */
static inline long long rel_file_num(const char *path, const char *key)
{
	char buf[8192], *p;
	long long v = -1;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = key ? strstr(buf, key) : buf;
	if (p) {
		p += key ? strlen(key) : 0;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p >= '0' && *p <= '9')
			v = strtoll(p, NULL, 10);
	}
	return v;
}

/* ---------------------------------------------------------------------------------------- */
/* A vnpu client: an open file, one mapped system buffer object bound at VNPU_VA_START */

struct rel_client {
	int fd;
	uint32_t bo;
	uint8_t *map;
	uint64_t size;
	uint64_t next;	/* bump allocator over the object */
};

/* An ioctl, retried on EINTR/EAGAIN: 0 or -errno. */
static inline int rel_ioctl(int fd, unsigned long req, void *arg)
{
	int ret;

	do {
		ret = accel_sys_ioctl(fd, req, arg);
	} while (ret == -1 && (errno == EINTR || errno == EAGAIN));
	return ret == -1 ? -errno : 0;
}

/* Open @node and map a @size-byte object at VNPU_VA_START: 0 or -errno (then nothing held). */
static inline int rel_client_open(struct rel_client *c, const char *node, uint64_t size)
{
	struct drm_vnpu_bo_create bc = { .size = size };
	struct drm_vnpu_bo_info info = { 0 };
	struct drm_vnpu_vm_bind bind = { .op = VNPU_VM_BIND_MAP, .va = VNPU_VA_START };
	int err;

	memset(c, 0, sizeof(*c));
	c->fd = accel_sys_open(node, O_RDWR | O_CLOEXEC);
	if (c->fd < 0)
		return -errno;
	err = rel_ioctl(c->fd, DRM_IOCTL_VNPU_BO_CREATE, &bc);
	if (err)
		goto fail;
	c->bo = bc.handle;
	info.handle = bc.handle;
	err = rel_ioctl(c->fd, DRM_IOCTL_VNPU_BO_INFO, &info);
	if (err)
		goto fail;
	c->size = info.size;
	c->map = accel_sys_mmap(NULL, c->size, PROT_READ | PROT_WRITE, MAP_SHARED, c->fd,
				(off_t)info.mmap_offset);
	if (c->map == MAP_FAILED) {
		err = -errno;
		c->map = NULL;
		goto fail;
	}
	bind.handle = c->bo;
	bind.size = c->size;
	err = rel_ioctl(c->fd, DRM_IOCTL_VNPU_VM_BIND, &bind);
	if (err)
		goto fail_map;
	return 0;

fail_map:
	accel_sys_munmap(c->map, c->size);
	c->map = NULL;
fail:
	accel_sys_close(c->fd);
	c->fd = -1;
	return err;
}

static inline void rel_client_close(struct rel_client *c)
{
	if (c->map)
		accel_sys_munmap(c->map, c->size);
	if (c->fd >= 0)
		accel_sys_close(c->fd);
	c->map = NULL;
	c->fd = -1;
}

/* A fresh, 64-byte aligned range of @bytes of the client's object: its offset, or -1 if full. */
static inline int64_t rel_alloc(struct rel_client *c, uint64_t bytes)
{
	uint64_t off = c->next;

	if (off + bytes > c->size)
		return -1;
	c->next = (off + bytes + 63) & ~63ull;
	return (int64_t)off;
}

static inline uint64_t rel_va(uint64_t off)
{
	return VNPU_VA_START + off;
}

static inline int rel_ctx_create(struct rel_client *c, uint32_t engine, uint32_t prio,
				 uint32_t *ctx)
{
	struct drm_vnpu_context_create cc = { .engine = engine, .priority = prio };
	int err = rel_ioctl(c->fd, DRM_IOCTL_VNPU_CONTEXT_CREATE, &cc);

	*ctx = cc.ctx_id;
	return err;
}

static inline int rel_syncobj_create(int fd, uint32_t *h)
{
	struct drm_syncobj_create sc = { 0 };
	int err = rel_ioctl(fd, DRM_IOCTL_SYNCOBJ_CREATE, &sc);

	*h = sc.handle;
	return err;
}

/* Wait for point @point (0: the binary fence) of @h for @timeout_ns: 0 or -errno (-ETIME). */
static inline int rel_wait_point(int fd, uint32_t h, uint64_t point, int64_t timeout_ns)
{
	struct drm_syncobj_timeline_wait_6_12 w = {
		.handles = (uintptr_t)&h,
		.points = (uintptr_t)&point,
		.timeout_nsec = rel_now_ns() + timeout_ns,
		.count_handles = 1,
		.flags = DRM_SYNCOBJ_WAIT_FLAGS_WAIT_ALL | DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT,
	};

	return rel_ioctl(fd, DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT_6_12, &w);
}

/* ---------------------------------------------------------------------------------------- */
/* Command streams */

struct rel_stream {
	uint8_t b[1024];
	size_t len;
};

static inline void rel_emit(struct rel_stream *s, uint16_t opcode, void *pkt, size_t size)
{
	struct vnpu_pkt_header *h = pkt;

	h->opcode = opcode;
	h->length = (uint16_t)(size / 4);
	h->flags = 0;
	if (s->len + size > sizeof(s->b))
		abort(); /* a campaign's own bug: streams here are small and fixed */
	memcpy(s->b + s->len, pkt, size);
	s->len += size;
}

static inline void rel_emit_fence_write(struct rel_stream *s, uint64_t va, uint64_t value)
{
	struct vnpu_pkt_fence_write p = { .va = va, .value = value };

	rel_emit(s, VNPU_OP_FENCE_WRITE, &p, sizeof(p));
}

static inline void rel_emit_sem_wait(struct rel_stream *s, uint64_t va, uint64_t value,
				     uint64_t timeout_ns)
{
	struct vnpu_pkt_sem_wait p = { .va = va, .value = value, .timeout_ns = timeout_ns };

	rel_emit(s, VNPU_OP_SEM_WAIT, &p, sizeof(p));
}

static inline void rel_emit_copy(struct rel_stream *s, uint64_t src, uint64_t dst, uint64_t size)
{
	struct vnpu_pkt_dma_copy p = { .src_va = src, .dst_va = dst, .size = size };

	rel_emit(s, VNPU_OP_DMA_COPY, &p, sizeof(p));
}

static inline void rel_emit_fill(struct rel_stream *s, uint64_t va, uint64_t size, uint64_t value,
				 uint32_t width)
{
	struct vnpu_pkt_dma_fill p = { .dst_va = va, .size = size, .value = value, .width = width };

	rel_emit(s, VNPU_OP_DMA_FILL, &p, sizeof(p));
}

/* C (m x n, f32) = A (m x k) x B (k x n), tight. */
static inline void rel_emit_matmul(struct rel_stream *s, uint32_t m, uint32_t n, uint32_t k,
				   uint64_t a, uint64_t b, uint64_t c)
{
	struct vnpu_pkt_matmul p = { .src_type = VNPU_DT_F32, .dst_type = VNPU_DT_F32, .batch = 1,
				     .m = m, .n = n, .k = k, .act = VNPU_ACT_NONE,
				     .a_va = a, .b_va = b, .c_va = c };

	rel_emit(s, VNPU_OP_MATMUL, &p, sizeof(p));
}

/*
 * Put @s at a fresh place of the client's object and SUBMIT it on @ctx with out-syncobj
 * @out (@point for a timeline) and a profile record at @prof_off (-1: none): 0 or -errno.
 */
static inline int rel_submit(struct rel_client *c, uint32_t ctx, const struct rel_stream *s,
			     uint64_t cmd_off, uint32_t out, uint64_t point, int64_t prof_off,
			     uint64_t *job_id)
{
	struct drm_vnpu_submit a = {
		.ctx_id = ctx,
		.cmd_handle = c->bo,
		.cmd_offset = cmd_off,
		.cmd_size = s->len,
		.out_sync = { .handle = out, .point = point },
		.profile_va = prof_off >= 0 ? rel_va((uint64_t)prof_off) : 0,
	};
	int err;

	memcpy(c->map + cmd_off, s->b, s->len);
	if (prof_off >= 0)
		memset(c->map + prof_off, 0, sizeof(struct vnpu_job_profile));
	err = rel_ioctl(c->fd, DRM_IOCTL_VNPU_SUBMIT, &a);
	if (job_id)
		*job_id = a.job_id;
	return err;
}

/* ---------------------------------------------------------------------------------------- */
/* Statistics */

static inline int rel_cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The @q quantile (0..1) of sorted @v[@n] (nearest rank). */
static inline uint64_t rel_quantile(const uint64_t *v, size_t n, double q)
{
	size_t i;

	if (!n)
		return 0;
	i = (size_t)(q * (double)n + 0.999999);
	if (i < 1)
		i = 1;
	if (i > n)
		i = n;
	return v[i - 1];
}

/* Jain's fairness index of @x[@n]: (sum x)^2 / (n sum x^2); 1 is perfectly fair. */
static inline double rel_jain(const double *x, size_t n)
{
	double s = 0, s2 = 0;
	size_t i;

	for (i = 0; i < n; i++) {
		s += x[i];
		s2 += x[i] * x[i];
	}
	return n && s2 > 0 ? s * s / ((double)n * s2) : 1.0;
}

#endif
