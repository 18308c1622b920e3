// SPDX-License-Identifier: MIT
/*
 * Buffers: create + map + unmap + close of a GEM buffer (4 KiB, 2 MiB) in embedded mode
 * against the raw memfd_create + ftruncate + mmap + munmap + close; PRIME export in one
 * process, import and map in another (through acceld) against a raw memfd passed with
 * SCM_RIGHTS and mapped.
 *
 *   bench_buffers ACCELD_PATH
 */
#include "bench.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/example_accel.h>

static int accel_fd;
static size_t buf_size;

static void run_gem(void *arg, long iters)
{
	(void)arg;
	for (long i = 0; i < iters; i++) {
		struct drm_example_create_bo c = { .size = buf_size };
		struct drm_example_bo_info info = { 0 };
		struct drm_gem_close gc = { 0 };
		void *p;

		if (accel_sys_ioctl(accel_fd, DRM_IOCTL_EXAMPLE_CREATE_BO, &c))
			abort();
		info.handle = c.handle;
		if (accel_sys_ioctl(accel_fd, DRM_IOCTL_EXAMPLE_BO_INFO, &info))
			abort();
		p = accel_sys_mmap(NULL, buf_size, PROT_READ | PROT_WRITE, MAP_SHARED, accel_fd,
				   (off_t)info.mmap_offset);
		if (p == MAP_FAILED)
			abort();
		*(volatile char *)p = 1;
		accel_sys_munmap(p, buf_size);
		gc.handle = c.handle;
		if (accel_sys_ioctl(accel_fd, DRM_IOCTL_GEM_CLOSE, &gc))
			abort();
	}
}

static void run_memfd(void *arg, long iters)
{
	(void)arg;
	for (long i = 0; i < iters; i++) {
		int fd = memfd_create("bench", MFD_CLOEXEC);
		void *p;

		if (fd < 0 || ftruncate(fd, (off_t)buf_size))
			abort();
		p = mmap(NULL, buf_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			abort();
		*(volatile char *)p = 1;
		munmap(p, buf_size);
		close(fd);
	}
}

/* Cross-process sharing: the parent makes and exports, the child imports and maps. */
static int share_sock, use_accel;

static void run_share(void *arg, long iters)
{
	char ack;

	(void)arg;
	for (long i = 0; i < iters; i++) {
		int fd;

		if (use_accel) {
			struct drm_example_create_bo c = { .size = 4096 };
			struct drm_prime_handle exp = { .flags = DRM_CLOEXEC | DRM_RDWR };
			struct drm_gem_close gc = { 0 };

			if (accel_sys_ioctl(accel_fd, DRM_IOCTL_EXAMPLE_CREATE_BO, &c))
				abort();
			exp.handle = c.handle;
			if (accel_sys_ioctl(accel_fd, DRM_IOCTL_PRIME_HANDLE_TO_FD, &exp))
				abort();
			fd = exp.fd;
			bench_send_fds(share_sock, &fd, 1);
			if (read(share_sock, &ack, 1) != 1)
				abort();
			gc.handle = c.handle;
			accel_sys_ioctl(accel_fd, DRM_IOCTL_GEM_CLOSE, &gc);
		} else {
			fd = memfd_create("bench", MFD_CLOEXEC);
			if (fd < 0 || ftruncate(fd, 4096))
				abort();
			bench_send_fds(share_sock, &fd, 1);
			if (read(share_sock, &ack, 1) != 1)
				abort();
		}
		close(fd);
	}
}

/* The importing side: map what arrives (through acceld's import when asked), answer. */
static void share_child(int sock, int accel)
{
	int cfd = accel ? accel_sys_open("/dev/accel/accel0", O_RDWR) : -1;

	for (;;) {
		int fd = -1;
		void *p;

		if (!bench_recv_fds(sock, &fd, 1))
			_exit(0);
		if (accel) {
			struct drm_prime_handle imp = { .fd = fd };
			struct drm_example_bo_info info = { 0 };
			struct drm_gem_close gc = { 0 };

			if (accel_sys_ioctl(cfd, DRM_IOCTL_PRIME_FD_TO_HANDLE, &imp))
				_exit(1);
			info.handle = imp.handle;
			if (accel_sys_ioctl(cfd, DRM_IOCTL_EXAMPLE_BO_INFO, &info))
				_exit(2);
			p = accel_sys_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, cfd,
					   (off_t)info.mmap_offset);
			if (p == MAP_FAILED)
				_exit(3);
			*(volatile char *)p = 1;
			accel_sys_munmap(p, 4096);
			gc.handle = imp.handle;
			accel_sys_ioctl(cfd, DRM_IOCTL_GEM_CLOSE, &gc);
		} else {
			p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
			if (p == MAP_FAILED)
				_exit(3);
			*(volatile char *)p = 1;
			munmap(p, 4096);
		}
		close(fd);
		if (write(sock, "a", 1) != 1)
			_exit(4);
	}
}

static struct bench_result measure_share(int accel)
{
	struct bench_result r;
	int sv[2], status;
	pid_t child;

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		abort();
	child = bench_fork();
	if (child == 0) {
		close(sv[0]);
		share_child(sv[1], accel);
	}
	close(sv[1]);
	share_sock = sv[0];
	use_accel = accel;
	r = bench_run(run_share, NULL, accel ? 2000 : 5000, 9);
	close(sv[0]);
	status = bench_child_wait(child);
	if (!WIFEXITED(status) || WEXITSTATUS(status)) {
		fprintf(stderr, "bench_buffers: the importing process failed (status %#x)\n", status);
		exit(1);
	}
	return r;
}

/*
 * Embedded, in a child of its own: this process then meets acceld with a libaccel that has
 * not chosen a backend yet (a process keeps the backend it started with).
 */
static int embedded_phase(const char *root)
{
	struct bench_result gem, raw;

	setenv("ACCEL_ROOT", root, 1);
	accel_fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	if (accel_fd < 0 || accel_fd_backend(accel_fd) != ACCEL_BACKEND_EMBEDDED) {
		perror("bench_buffers: open embedded");
		return 1;
	}
	buf_size = 4096;
	gem = bench_run(run_gem, NULL, 20000, 11);
	raw = bench_run(run_memfd, NULL, 20000, 11);
	bench_report("buffer create+map+close 4 KiB", "ns", gem, "memfd+ftruncate+mmap+close", raw, "<= 1.0");
	buf_size = 2 << 20;
	gem = bench_run(run_gem, NULL, 5000, 11);
	raw = bench_run(run_memfd, NULL, 5000, 11);
	bench_report("buffer create+map+close 2 MiB", "ns", gem, "memfd+ftruncate+mmap+close", raw, "<= 1.0");
	accel_sys_close(accel_fd);
	return 0;
}

int main(int argc, char **argv)
{
	char root[32];
	struct bench_result gem, raw;
	pid_t daemon;

	if (argc != 2) {
		fprintf(stderr, "usage: %s ACCELD_PATH\n", argv[0]);
		return 2;
	}
	setenv("ACCEL_REFRESH_MS", "0", 1);
	if (bench_child_phase(embedded_phase))
		return 1;

	/* Through acceld, serving a root of its own. */
	daemon = bench_acceld_start_fresh(argv[1], root);
	accel_fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	if (accel_fd < 0 || accel_fd_backend(accel_fd) != ACCEL_BACKEND_DAEMON) {
		perror("bench_buffers: open through acceld");
		return 1;
	}
	gem = measure_share(1);
	raw = measure_share(0);
	bench_report("PRIME export, import+map in another process", "ns", gem,
		     "memfd over SCM_RIGHTS + mmap", raw, "");
	accel_sys_close(accel_fd);
	return bench_acceld_stop(daemon);
}
