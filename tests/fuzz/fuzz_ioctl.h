/* SPDX-License-Identifier: MIT */
/*
 * The machinery shared by the ioctl fuzzers (fuzz_core.c, fuzz_vnpu.c): an input is a
 * sequence of operations against open files of the embedded core - through its own entry
 * points, chrdev_open(), vfs_ioctl(), the file's mmap and fput(), as libaccel's embedded
 * backend calls them (without libaccel's descriptor table and its publishing of files under
 * the root, which cost a hundred times the ioctls) - each decoded from the bytes that follow
 * its selector byte:
 *
 *   OPEN   node:u8                  open a node of the target (up to FZ_MAX_FILES at once)
 *   CLOSE  file:u8                  close one (fput)
 *   SELECT file:u8                  later ioctls go to that file
 *   MMAP   offset:u8 pages:u8 prot:u8   map a fake offset an ioctl gave out (0xff: a raw u64)
 *   WRITE  map:u8 off:u16 len:u8 bytes  store into a mapping (a command stream, a BO's data)
 *   MUNMAP map:u8
 *   (then the target's ops, then its ioctls) IOCTL: the argument's bytes (sizeof the
 *       argument, zero-filled when the input ends), then for each pointer field its layout
 *       names: slot:u8 (0 keeps the raw value) len:u8 bytes - the field is pointed at that
 *       slot of the arena and the bytes written there; for each descriptor field it reads:
 *       pick:u8 - one of the descriptors this input has (an eventfd, exported buffers and
 *       syncobjs), -1, or (0) the raw value.
 *
 * "User memory" is an arena the harness owns: copy_from_user/copy_to_user are routed through
 * an accel_uaccess hook that serves the arena and faults everything else, so that any pointer
 * value the fuzzer writes is safe (it is -EFAULT as on a kernel) and pointer fields can be
 * aimed into the arena. Every input starts from a fresh state: one file of node 0 open,
 * nothing mapped, and at its end every mapping, file and descriptor it made is released, so
 * that LeakSanitizer sees what the core itself leaks. The device itself lives across inputs.
 */
#ifndef FUZZ_IOCTL_H
#define FUZZ_IOCTL_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <sys/sysmacros.h>

#include <accel/device.h>
#include <accel/drm_ioctl.h>
#include <accel/drm_print.h>
#include <accel/fs.h>
#include <accel/uaccess.h>
#include <drm/drm.h>
#include <uapi/drm/drm_ext.h>
#include <accel/drm_drv.h>
#include "drivers/builtin.h"
#include "host/host.h"

#define FZ_MAX_OPS	64
#define FZ_MAX_FILES	4
#define FZ_MAX_FDS	32
#define FZ_MAX_MAPS	16
#define FZ_MAX_OFFSETS	16
#define FZ_ARENA	65536u
#define FZ_ARG_MAX	1024u	/* the argument lives at the arena's start */
#define FZ_SLOT		256u
#define FZ_SLOTS	((FZ_ARENA - FZ_ARG_MAX) / FZ_SLOT)
#define FZ_MAP_PAGES	16u

/** struct fz_in - the unread rest of an input. */
struct fz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fz_u8(struct fz_in *in)
{
	if (!in->n)
		return 0;
	in->n--;
	return *in->p++;
}

static inline uint16_t fz_u16(struct fz_in *in)
{
	uint16_t lo = fz_u8(in);

	return (uint16_t)(lo | (uint16_t)fz_u8(in) << 8);
}

static inline uint64_t fz_u64(struct fz_in *in)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)fz_u8(in) << (8 * i);
	return v;
}

/* @len bytes into @dst; what the input lacks is zero. */
static inline void fz_bytes(struct fz_in *in, void *dst, size_t len)
{
	size_t k = len < in->n ? len : in->n;

	memcpy(dst, in->p, k);
	memset((uint8_t *)dst + k, 0, len - k);
	in->p += k;
	in->n -= k;
}

struct fz;

/** struct fz_ioctl - one ioctl the fuzzer issues, and how its argument is prepared. */
struct fz_ioctl {
	unsigned long cmd;
	/* pointer and descriptor fields; NULL: the core table's (or a flat struct) */
	const struct drm_ioctl_layout *layout;
	/* bound what must be bounded (timeouts, sizes) before the call */
	void (*fix)(struct fz *f, void *arg, struct fz_in *in);
	/* after a successful call: remember what it gave out */
	void (*post)(struct fz *f, void *arg);
};

struct fz_map {
	void *addr;
	size_t len;
	int prot;
	struct vm_area_struct vma;
};

/** struct fz - the state of one input (and the arena, reused across inputs). */
struct fz {
	uint8_t *arena;
	dev_t nodes[8];
	unsigned int num_nodes;
	struct file *files[FZ_MAX_FILES];
	unsigned int num_files, cur;
	int fds[FZ_MAX_FDS];
	unsigned int num_fds;
	struct fz_map maps[FZ_MAX_MAPS];
	unsigned int num_maps;
	uint64_t offsets[FZ_MAX_OFFSETS];
	unsigned int num_offsets;
};

static struct fz fz_state;
/* $FUZZ_TRACE: print each operation and its result (to check what a seed reaches). */
static bool fz_trace;

static unsigned long fz_copy_from(struct accel_uaccess *ua, void *to, const void __user *from,
				  unsigned long n)
{
	uintptr_t a = (uintptr_t)from, base = (uintptr_t)fz_state.arena;

	(void)ua;
	if (a < base || a - base > FZ_ARENA || n > FZ_ARENA - (a - base))
		return n;
	memcpy(to, from, n);
	return 0;
}

static unsigned long fz_copy_to(struct accel_uaccess *ua, void __user *to, const void *from,
				unsigned long n)
{
	uintptr_t a = (uintptr_t)to, base = (uintptr_t)fz_state.arena;

	(void)ua;
	if (a < base || a - base > FZ_ARENA || n > FZ_ARENA - (a - base))
		return n;
	memcpy(to, from, n);
	return 0;
}

static struct accel_uaccess fz_uaccess = { .copy_from = fz_copy_from, .copy_to = fz_copy_to };

static void fz_log_sink(enum accel_log_level level, const char *msg, void *data)
{
	/* Messages are formatted (that code runs) but not printed: they would drown the fuzzer. */
	(void)level; (void)msg; (void)data;
}

/*
 * Start the core with the devices of @config (as libaccel's embedded start does, without
 * publishing them under a root); @nodes ("accel/accel0") are what OPEN chooses from, those
 * that exist (the first is opened for every input). Exits on failure: nothing can run.
 */
static inline void fz_init(const char *config, const char *const *nodes, unsigned int num_nodes)
{
	int err;

	if (!getenv("FUZZ_LOG"))
		accel_log_set_sink(fz_log_sink, NULL);
	err = drm_core_init();
	if (!err)
		err = accel_drivers_register_builtin();
	if (!err)
		err = accel_config_apply(config, "fuzz", NULL);
	if (err) {
		fprintf(stderr, "fuzz: core: %s\n", strerror(-err));
		exit(1);
	}
	for (unsigned int i = 0; i < num_nodes && fz_state.num_nodes < 8; i++)
		if (!devnode_lookup(nodes[i], &fz_state.nodes[fz_state.num_nodes]))
			fz_state.num_nodes++;
	fz_state.arena = aligned_alloc(4096, FZ_ARENA);
	if (!fz_state.arena || !fz_state.num_nodes) {
		fprintf(stderr, "fuzz: no node\n");
		exit(1);
	}
	accel_uaccess_set_current(&fz_uaccess);
	fz_trace = getenv("FUZZ_TRACE") != NULL;
}

static inline void fz_fd_add(struct fz *f, int fd)
{
	if (fd < 0)
		return;
	if (f->num_fds == FZ_MAX_FDS) {
		close(fd);
		return;
	}
	f->fds[f->num_fds++] = fd;
}

/* A descriptor for an IN field: 0 keeps @raw, else one of ours or -1. */
static inline int fz_fd_pick(struct fz *f, uint8_t pick, int raw)
{
	unsigned int i;

	if (!pick)
		return raw;
	i = (pick - 1u) % (f->num_fds + 1);
	return i == f->num_fds ? -1 : f->fds[i];
}

static inline void fz_offset_add(struct fz *f, uint64_t off)
{
	if (f->num_offsets < FZ_MAX_OFFSETS)
		f->offsets[f->num_offsets++] = off;
}

static inline struct file *fz_file(struct fz *f)
{
	return f->num_files ? f->files[f->cur % f->num_files] : NULL;
}

static inline void fz_open(struct fz *f, uint8_t sel)
{
	dev_t devt = f->nodes[sel % f->num_nodes];
	struct file *file;

	if (f->num_files == FZ_MAX_FILES)
		return;
	file = chrdev_open(major(devt), minor(devt), (sel & 0x80) ? O_RDONLY : O_RDWR);
	if (fz_trace)
		fprintf(stderr, "fuzz: open %u:%u -> %ld\n", major(devt), minor(devt),
			IS_ERR(file) ? PTR_ERR(file) : 0L);
	if (!IS_ERR(file))
		f->files[f->num_files++] = file;
}

static inline void fz_close(struct fz *f, uint8_t sel)
{
	unsigned int i;

	if (!f->num_files)
		return;
	i = sel % f->num_files;
	fput(f->files[i]);
	f->files[i] = f->files[--f->num_files];
}

/* Map @len bytes at fake offset @off of the current file (as accel_sys_mmap) into @m; 0 or -1. */
static inline int fz_mmap_into(struct fz *f, uint64_t off, size_t len, int prot, struct fz_map *m)
{
	struct vm_area_struct vma = { .map_fd = -1 };
	struct file *file = fz_file(f);
	void *p;
	int err;

	if (!file || !file->f_op->mmap || (off & 4095))
		return -1;
	vma.vm_pgoff = (unsigned long)(off >> 12);
	vma.vm_len = len;
	vma.vm_prot = prot;
	vma.vm_flags = MAP_SHARED;
	err = file->f_op->mmap(file, &vma);
	p = err ? MAP_FAILED : mmap(NULL, len, prot, MAP_SHARED, vma.map_fd, vma.map_offset);
	if (fz_trace)
		fprintf(stderr, "fuzz: mmap %#llx+%zu -> %d %s\n", (unsigned long long)off, len, err,
			!err && p == MAP_FAILED ? strerror(errno) : "");
	if (p == MAP_FAILED) {
		if (!err && vma.vm_close)
			vma.vm_close(&vma);
		return -1;
	}
	*m = (struct fz_map){ p, len, prot, vma };
	return 0;
}

static inline void fz_unmap(struct fz_map *m)
{
	munmap(m->addr, m->len);
	if (m->vma.vm_close)
		m->vma.vm_close(&m->vma);
}

/* A mapping MMAP, WRITE and MUNMAP work on; its index or -1. */
static inline int fz_mmap(struct fz *f, uint64_t off, size_t len, int prot)
{
	if (f->num_maps == FZ_MAX_MAPS || fz_mmap_into(f, off, len, prot, &f->maps[f->num_maps]))
		return -1;
	return (int)f->num_maps++;
}

static inline void fz_op_mmap(struct fz *f, struct fz_in *in)
{
	uint8_t sel = fz_u8(in), pages = fz_u8(in), prot = fz_u8(in);
	uint64_t off;

	if (sel == 0xff)
		off = fz_u64(in);
	else if (f->num_offsets)
		off = f->offsets[sel % f->num_offsets];
	else
		return;
	fz_mmap(f, off, (size_t)(pages % FZ_MAP_PAGES + 1) * 4096, (prot & 1) ? PROT_READ : PROT_READ | PROT_WRITE);
}

static inline void fz_op_write(struct fz *f, struct fz_in *in)
{
	uint8_t sel = fz_u8(in);
	uint16_t off = fz_u16(in);
	uint8_t len = fz_u8(in);
	uint8_t buf[256];
	struct fz_map *m;

	fz_bytes(in, buf, len);
	if (!f->num_maps)
		return;
	m = &f->maps[sel % f->num_maps];
	if (!(m->prot & PROT_WRITE) || off >= m->len)
		return;
	memcpy((uint8_t *)m->addr + off, buf, len < m->len - off ? len : m->len - off);
}

static inline void fz_op_munmap(struct fz *f, uint8_t sel)
{
	unsigned int i;

	if (!f->num_maps)
		return;
	i = sel % f->num_maps;
	fz_unmap(&f->maps[i]);
	f->maps[i] = f->maps[--f->num_maps];
}

/* One ioctl: decode its argument and the memory it points at, call it, keep what it gave. */
static inline void fz_op_ioctl(struct fz *f, const struct fz_ioctl *io, struct fz_in *in)
{
	const struct drm_ioctl_layout *lay = io->layout;
	unsigned int size = _IOC_SIZE(io->cmd), i;
	uint8_t *arg = f->arena;
	long ret;

	if (!lay && (_IOC_NR(io->cmd) < DRM_COMMAND_BASE || _IOC_NR(io->cmd) >= DRM_COMMAND_END)) {
		const struct drm_ioctl_desc *d = drm_ioctl_core_desc(_IOC_NR(io->cmd));

		lay = d ? d->layout : NULL;
	}
	fz_bytes(in, arg, size);
	for (i = 0; lay && i < lay->num_ptrs; i++) {
		uint8_t slot = fz_u8(in), len;
		uint8_t *p;

		if (!slot)
			continue;
		p = f->arena + FZ_ARG_MAX + (size_t)((slot - 1u) % FZ_SLOTS) * FZ_SLOT;
		len = fz_u8(in);
		fz_bytes(in, p, len);
		memcpy(arg + lay->ptrs[i].ptr_offset, &(uint64_t){ (uintptr_t)p }, sizeof(uint64_t));
	}
	for (i = 0; lay && i < lay->num_fds; i++) {
		int32_t fd;

		if (!(lay->fds[i].dir & DRM_IOCTL_IN))
			continue;
		memcpy(&fd, arg + lay->fds[i].offset, sizeof(fd));
		fd = fz_fd_pick(f, fz_u8(in), fd);
		memcpy(arg + lay->fds[i].offset, &fd, sizeof(fd));
	}
	if (io->fix)
		io->fix(f, arg, in);
	if (!fz_file(f))
		return;
	ret = vfs_ioctl(fz_file(f), (unsigned int)io->cmd, (unsigned long)arg);
	if (fz_trace)
		fprintf(stderr, "fuzz: file %p ioctl nr %#x -> %ld %s\n", (void *)fz_file(f),
			(unsigned int)_IOC_NR(io->cmd), ret, ret < 0 ? strerror((int)-ret) : "");
	if (ret < 0)
		return;
	for (i = 0; lay && i < lay->num_fds; i++) {
		int32_t fd;

		if (lay->fds[i].dir != DRM_IOCTL_OUT)
			continue;
		memcpy(&fd, arg + lay->fds[i].offset, sizeof(fd));
		fz_fd_add(f, fd);
	}
	if (io->post)
		io->post(f, arg);
}

/* An absolute CLOCK_MONOTONIC timeout at most about a millisecond away (0 and past stay). */
static inline int64_t fz_short_deadline(int64_t t)
{
	struct timespec ts;
	int64_t now;

	if (t <= 0)
		return t;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now = (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
	return t < now ? t : now + t % 1000000;
}

static inline void fz_fix_syncobj_wait(struct fz *f, void *arg, struct fz_in *in)
{
	struct drm_syncobj_wait_6_12 *w = arg;

	(void)f; (void)in;
	w->timeout_nsec = fz_short_deadline(w->timeout_nsec);
}

static inline void fz_fix_syncobj_timeline_wait(struct fz *f, void *arg, struct fz_in *in)
{
	struct drm_syncobj_timeline_wait_6_12 *w = arg;

	(void)f; (void)in;
	w->timeout_nsec = fz_short_deadline(w->timeout_nsec);
}

/*
 * TRANSFER with WAIT_FOR_SUBMIT waits 5 s for a fence that may never come (the kernel's
 * fixed bound, kept by the core): the flag is dropped, or each such input takes seconds.
 */
static inline void fz_fix_syncobj_transfer(struct fz *f, void *arg, struct fz_in *in)
{
	struct drm_syncobj_transfer *t = arg;

	(void)f; (void)in;
	t->flags &= ~(uint32_t)DRM_SYNCOBJ_WAIT_FLAGS_WAIT_FOR_SUBMIT;
}

static inline void fz_post_map_dumb(struct fz *f, void *arg)
{
	fz_offset_add(f, ((struct drm_mode_map_dumb *)arg)->offset);
}

/* The core's ioctls, every one of the table (the KMS ones answer without KMS). */
#define FZ_CORE_IOCTLS \
	{ DRM_IOCTL_VERSION }, { DRM_IOCTL_GET_UNIQUE }, { DRM_IOCTL_GET_MAGIC }, \
	{ DRM_IOCTL_GET_CLIENT }, { DRM_IOCTL_GET_STATS }, { DRM_IOCTL_GET_CAP }, \
	{ DRM_IOCTL_SET_CLIENT_CAP }, { DRM_IOCTL_SET_VERSION }, { DRM_IOCTL_AUTH_MAGIC }, \
	{ DRM_IOCTL_SET_MASTER }, { DRM_IOCTL_DROP_MASTER }, \
	{ DRM_IOCTL_GEM_CLOSE }, { DRM_IOCTL_GEM_FLINK }, { DRM_IOCTL_GEM_OPEN }, \
	{ DRM_IOCTL_PRIME_HANDLE_TO_FD }, { DRM_IOCTL_PRIME_FD_TO_HANDLE }, \
	{ DRM_IOCTL_MODE_CREATE_DUMB }, { DRM_IOCTL_MODE_MAP_DUMB, NULL, NULL, fz_post_map_dumb }, \
	{ DRM_IOCTL_MODE_DESTROY_DUMB }, \
	{ DRM_IOCTL_SYNCOBJ_CREATE }, { DRM_IOCTL_SYNCOBJ_DESTROY }, \
	{ DRM_IOCTL_SYNCOBJ_HANDLE_TO_FD }, { DRM_IOCTL_SYNCOBJ_FD_TO_HANDLE }, \
	{ DRM_IOCTL_SYNCOBJ_WAIT_6_12, NULL, fz_fix_syncobj_wait }, \
	{ DRM_IOCTL_SYNCOBJ_TIMELINE_WAIT_6_12, NULL, fz_fix_syncobj_timeline_wait }, \
	{ DRM_IOCTL_SYNCOBJ_RESET }, { DRM_IOCTL_SYNCOBJ_SIGNAL }, \
	{ DRM_IOCTL_SYNCOBJ_TIMELINE_SIGNAL }, { DRM_IOCTL_SYNCOBJ_QUERY }, \
	{ DRM_IOCTL_SYNCOBJ_TRANSFER, NULL, fz_fix_syncobj_transfer }, { DRM_IOCTL_SYNCOBJ_EVENTFD }, \
	{ DRM_IOCTL_SET_CLIENT_NAME }, { DRM_IOCTL_MODE_GETRESOURCES }, \
	{ DRM_IOCTL_MODE_GETFB2 }, { DRM_IOCTL_WAIT_VBLANK }

enum { FZ_OP_OPEN, FZ_OP_CLOSE, FZ_OP_SELECT, FZ_OP_MMAP, FZ_OP_WRITE, FZ_OP_MUNMAP, FZ_NUM_OPS };

/* The target's own operations, after the common ones; false when @op is not one. */
typedef bool (*fz_target_op_fn)(struct fz *f, unsigned int op, struct fz_in *in);

/* Release everything an input made (the target's own state first, through @cleanup). */
static inline void fz_end(struct fz *f, void (*cleanup)(struct fz *f))
{
	if (cleanup)
		cleanup(f);
	while (f->num_maps)
		fz_op_munmap(f, 0);
	while (f->num_files)
		fz_close(f, 0);
	while (f->num_fds)
		close(f->fds[--f->num_fds]);
	f->num_offsets = 0;
	f->cur = 0;
}

/*
 * Run one input: @ioctls after FZ_NUM_OPS + @num_target_ops selector values, the target's
 * own operations handled by @target_op.
 */
static inline void fz_run(const uint8_t *data, size_t size, const struct fz_ioctl *ioctls,
			  unsigned int num_ioctls, unsigned int num_target_ops,
			  fz_target_op_fn target_op, void (*cleanup)(struct fz *f))
{
	struct fz_in in = { data, size };
	struct fz *f = &fz_state;
	unsigned int ops = 0, nsel = FZ_NUM_OPS + num_target_ops + num_ioctls;

	memset(f->arena, 0, FZ_ARENA);
	fz_open(f, 0);
	fz_fd_add(f, eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
	while (in.n && ops++ < FZ_MAX_OPS) {
		unsigned int op = fz_u8(&in) % nsel;

		switch (op) {
		case FZ_OP_OPEN:
			fz_open(f, fz_u8(&in));
			break;
		case FZ_OP_CLOSE:
			fz_close(f, fz_u8(&in));
			break;
		case FZ_OP_SELECT:
			f->cur = fz_u8(&in);
			break;
		case FZ_OP_MMAP:
			fz_op_mmap(f, &in);
			break;
		case FZ_OP_WRITE:
			fz_op_write(f, &in);
			break;
		case FZ_OP_MUNMAP:
			fz_op_munmap(f, fz_u8(&in));
			break;
		default:
			op -= FZ_NUM_OPS;
			if (op < num_target_ops)
				target_op(f, op, &in);
			else
				fz_op_ioctl(f, &ioctls[op - num_target_ops], &in);
			break;
		}
	}
	fz_end(f, cleanup);
}

#endif
