// SPDX-License-Identifier: MIT
/*
 * Growth: the cost of one operation must not grow with the number of devices (1, 16, 256),
 * clients (1, 64, 1024) or live handles in a client (1k, 100k, 1M). Each figure is printed
 * against the same operation at the smallest count, measured in the same run (embedded).
 */
#include "bench.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drm/drm.h>
#include <libaccel.h>

static int op_fd;
static uint32_t op_handle;

static void run_getcap(void *arg, long iters)
{
	struct drm_get_cap cap = { .capability = DRM_CAP_SYNCOBJ };

	(void)arg;
	for (long i = 0; i < iters; i++)
		if (accel_sys_ioctl(op_fd, DRM_IOCTL_GET_CAP, &cap))
			abort();
}

static void run_open_close(void *arg, long iters)
{
	const char *path = arg;

	for (long i = 0; i < iters; i++) {
		int fd = accel_sys_open(path, O_RDWR);

		if (fd < 0)
			abort();
		accel_sys_close(fd);
	}
}

static void run_syncobj_lookup(void *arg, long iters)
{
	struct drm_syncobj_array a = { .handles = (uintptr_t)&op_handle, .count_handles = 1 };

	(void)arg;
	for (long i = 0; i < iters; i++)
		if (accel_sys_ioctl(op_fd, DRM_IOCTL_SYNCOBJ_RESET, &a))
			abort();
}

static void run_syncobj_create_destroy(void *arg, long iters)
{
	(void)arg;
	for (long i = 0; i < iters; i++) {
		struct drm_syncobj_create c = { 0 };
		struct drm_syncobj_destroy d = { 0 };

		if (accel_sys_ioctl(op_fd, DRM_IOCTL_SYNCOBJ_CREATE, &c))
			abort();
		d.handle = c.handle;
		if (accel_sys_ioctl(op_fd, DRM_IOCTL_SYNCOBJ_DESTROY, &d))
			abort();
	}
}

/* In a child with @ndev example devices: GET_CAP and open+close on the last one. */
static void measure_devices(int ndev, struct bench_result out[2])
{
	char root[32];
	int p[2], status;
	pid_t pid;

	if (pipe(p))
		abort();
	bench_tmproot(root); /* made here: removed however the child ends */
	pid = bench_fork();
	if (pid == 0) {
		char path[64], *cfg = NULL;
		size_t len = 0;
		FILE *f = open_memstream(&cfg, &len);
		struct bench_result r[2];

		for (int i = 0; i < ndev; i++)
			fprintf(f, "[example.%d]\ndriver = example\n", i);
		fclose(f);
		setenv("ACCEL_ROOT", root, 1);
		setenv("ACCEL_REFRESH_MS", "0", 1);
		if (accel_embedded_start(cfg))
			exit(1);
		snprintf(path, sizeof(path), "/dev/accel/accel%d", ndev - 1);
		op_fd = accel_sys_open(path, O_RDWR);
		if (op_fd < 0)
			exit(1);
		r[0] = bench_run(run_getcap, NULL, 200000, 9);
		r[1] = bench_run(run_open_close, path, 5000, 9);
		exit(write(p[1], r, sizeof(r)) != sizeof(r));
	}
	close(p[1]);
	if (read(p[0], out, 2 * sizeof(*out)) != 2 * sizeof(*out)) {
		fprintf(stderr, "bench_growth: the child with %d devices failed\n", ndev);
		exit(1);
	}
	close(p[0]);
	status = bench_child_wait(pid);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		exit(1);
}

int main(void)
{
	static const int devs[] = { 1, 16, 256 }, clients[] = { 1, 64, 1024 };
	static const long handles[] = { 1000, 100000, 1000000 };
	struct rlimit rl = { 8192, 8192 };
	char root[32], name[96];
	struct bench_result base_cap = { 0 }, base_oc = { 0 }, base_lookup = { 0 }, base_create = { 0 };
	int fds[1024];

	setrlimit(RLIMIT_NOFILE, &rl);
	for (unsigned int i = 0; i < 3; i++) {
		struct bench_result r[2];

		measure_devices(devs[i], r);
		if (i == 0) {
			base_cap = r[0];
			base_oc = r[1];
			continue;
		}
		snprintf(name, sizeof(name), "GET_CAP with %d devices", devs[i]);
		bench_report(name, "ns", r[0], "GET_CAP with 1 device", base_cap, "flat");
		snprintf(name, sizeof(name), "open+close with %d devices", devs[i]);
		bench_report(name, "ns", r[1], "open+close with 1 device", base_oc, "flat");
	}

	setenv("ACCEL_ROOT", bench_tmproot(root), 1);
	setenv("ACCEL_REFRESH_MS", "0", 1);
	op_fd = accel_sys_open("/dev/accel/accel0", O_RDWR);
	if (op_fd < 0)
		return 1;
	{
		int opened = 1;

		for (unsigned int i = 0; i < 3; i++) {
			struct bench_result cap, oc;

			while (opened < clients[i]) {
				fds[opened] = accel_sys_open("/dev/accel/accel0", O_RDWR);
				if (fds[opened] < 0)
					return 1;
				opened++;
			}
			cap = bench_run(run_getcap, NULL, 200000, 9);
			oc = bench_run(run_open_close, "/dev/accel/accel0", 5000, 9);
			if (i == 0) {
				base_cap = cap;
				base_oc = oc;
				continue;
			}
			snprintf(name, sizeof(name), "GET_CAP with %d clients", clients[i]);
			bench_report(name, "ns", cap, "GET_CAP with 1 client", base_cap, "flat");
			snprintf(name, sizeof(name), "open+close with %d clients", clients[i]);
			bench_report(name, "ns", oc, "open+close with 1 client", base_oc, "flat");
		}
		while (opened > 1)
			accel_sys_close(fds[--opened]);
	}
	{
		long live = 0;

		for (unsigned int i = 0; i < 3; i++) {
			struct bench_result lookup, create;

			while (live < handles[i]) {
				struct drm_syncobj_create c = { 0 };

				if (accel_sys_ioctl(op_fd, DRM_IOCTL_SYNCOBJ_CREATE, &c))
					return 1;
				if (live == 0)
					op_handle = c.handle;
				live++;
			}
			lookup = bench_run(run_syncobj_lookup, NULL, 200000, 9);
			create = bench_run(run_syncobj_create_destroy, NULL, 100000, 9);
			if (i == 0) {
				base_lookup = lookup;
				base_create = create;
				continue;
			}
			snprintf(name, sizeof(name), "syncobj lookup, %ld live handles", handles[i]);
			bench_report(name, "ns", lookup, "lookup, 1k live handles", base_lookup, "flat");
			snprintf(name, sizeof(name), "syncobj create+destroy, %ld live", handles[i]);
			bench_report(name, "ns", create, "create+destroy, 1k live", base_create, "flat");
		}
	}
	accel_sys_close(op_fd);
	return 0;
}
