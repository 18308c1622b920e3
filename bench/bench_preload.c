// SPDX-License-Identifier: MIT
/*
 * What libaccel-preload.so costs a call it does not emulate: ioctl(TCGETS) on /dev/null
 * (which fails, ENOTTY) and dup()+close() of /dev/null, through the shim against libc's own
 * functions in the same process and run (docs/preload.md; goal <= 1.05).
 *
 *   bench_preload [ACCELD_PATH]
 *
 * The shim is loaded by LD_PRELOAD, so the bench runs itself again with it (BIN/../lib/
 * libaccel-preload.so, or $ACCEL_PRELOAD) and reports what that child measured; libc's
 * functions are found in libc.so.6 itself, past the shim.
 */
#include "bench.h"

#include <dlfcn.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <termios.h>

static int null_fd;
static int (*libc_ioctl)(int, unsigned long, ...);
static int (*libc_dup)(int);
static int (*libc_close)(int);

static void run_ioctl_shim(void *arg, long iters)
{
	struct termios t;

	(void)arg;
	for (long i = 0; i < iters; i++)
		if (ioctl(null_fd, TCGETS, &t) != -1)
			abort();
}

static void run_ioctl_libc(void *arg, long iters)
{
	struct termios t;

	(void)arg;
	for (long i = 0; i < iters; i++)
		if (libc_ioctl(null_fd, TCGETS, &t) != -1)
			abort();
}

static void run_dup_close_shim(void *arg, long iters)
{
	(void)arg;
	for (long i = 0; i < iters; i++)
		if (close(dup(null_fd)))
			abort();
}

static void run_dup_close_libc(void *arg, long iters)
{
	(void)arg;
	for (long i = 0; i < iters; i++)
		if (libc_close(libc_dup(null_fd)))
			abort();
}

/*
 * Both sides of a figure in alternating short trials (the order swapped each time), so that
 * a busy machine's slow moments fall on both; the ratio is the median of each trial pair's
 * ratio (the two halves of a pair ran microseconds apart). One BENCH line, as bench_report().
 */
#define TRIALS 201

static void measure_pair(const char *name, void (*shim)(void *, long), const char *base_name,
			 void (*libc_fn)(void *, long), long iters)
{
	double ta[TRIALS], tb[TRIALS], ratio[TRIALS];
	uint64_t t0;

	shim(NULL, iters);
	libc_fn(NULL, iters);
	for (int i = 0; i < TRIALS; i++) {
		for (int k = 0; k < 2; k++) {
			bool shim_now = (k == 0) == (i % 2 == 0);

			t0 = bench_now_ns();
			(shim_now ? shim : libc_fn)(NULL, iters);
			(shim_now ? ta : tb)[i] = (double)(bench_now_ns() - t0) / (double)iters;
		}
		ratio[i] = ta[i] / tb[i];
	}
	qsort(ta, TRIALS, sizeof(ta[0]), bench_cmp);
	qsort(tb, TRIALS, sizeof(tb[0]), bench_cmp);
	qsort(ratio, TRIALS, sizeof(ratio[0]), bench_cmp);
	printf("BENCH %s|ns|%.1f|%.1f|%.1f|%s|%.1f|%.3f|<= 1.05\n", name, ta[TRIALS / 2], ta[0],
	       ta[TRIALS - 1], base_name, tb[TRIALS / 2], ratio[TRIALS / 2]);
	fflush(stdout);
}

/* The child, under the shim. */
static int measure(void)
{
	void *libc = dlopen("libc.so.6", RTLD_NOW | RTLD_NOLOAD);

	if (!libc)
		return 1;
	*(void **)&libc_ioctl = dlsym(libc, "ioctl");
	*(void **)&libc_dup = dlsym(libc, "dup");
	*(void **)&libc_close = dlsym(libc, "close");
	/* the shim is there when the ioctl this program calls is not libc's */
	if (!libc_ioctl || !libc_dup || !libc_close || (void *)libc_ioctl == (void *)dlsym(RTLD_DEFAULT, "ioctl")) {
		fprintf(stderr, "bench_preload: the shim is not in front of libc\n");
		return 1;
	}
	null_fd = open("/dev/null", O_RDONLY);
	if (null_fd < 0)
		return 1;
	measure_pair("preload: ioctl not emulated", run_ioctl_shim, "libc ioctl (ENOTTY)",
		     run_ioctl_libc, 200);
	measure_pair("preload: dup+close not emulated", run_dup_close_shim, "libc dup+close",
		     run_dup_close_libc, 100);
	return 0;
}

int main(int argc, char **argv)
{
	char self[PATH_MAX], lib[PATH_MAX + 32];
	const char *env = getenv("ACCEL_PRELOAD");
	char *slash;
	ssize_t n;

	(void)argc;
	if (getenv("BENCH_PRELOAD_CHILD"))
		return measure();
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0)
		return 1;
	self[n] = 0;
	if (env && *env) {
		snprintf(lib, sizeof(lib), "%s", env);
	} else {
		slash = strrchr(self, '/');
		*slash = 0;
		snprintf(lib, sizeof(lib), "%s/../lib/libaccel-preload.so", self);
		*slash = '/';
	}
	if (access(lib, R_OK)) {
		fprintf(stderr, "bench_preload: %s: %s\n", lib, strerror(errno));
		return 1;
	}
	setenv("LD_PRELOAD", lib, 1);
	setenv("BENCH_PRELOAD_CHILD", "1", 1);
	/* No device is touched: the root is never started. */
	execv(self, argv);
	perror("bench_preload: exec");
	return 1;
}
