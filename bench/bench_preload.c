// SPDX-License-Identifier: MIT
/*
 * What libaccel-preload.so costs a call it does not emulate: ioctl(TCGETS) on /dev/null
 * (which fails, ENOTTY), close() of a number that is not open (EBADF) and dup()+close() of
 * /dev/null, through the shim against libc's own functions in the same process and run
 * (docs/preload.md; goal <= 1.05).
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
/* a number below the shim's table limit that is not open: close() fails, EBADF */
static const int closed_fd = 1000;
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

static void run_close_shim(void *arg, long iters)
{
	(void)arg;
	for (long i = 0; i < iters; i++)
		if (close(closed_fd) != -1)
			abort();
}

static void run_close_libc(void *arg, long iters)
{
	(void)arg;
	for (long i = 0; i < iters; i++)
		if (libc_close(closed_fd) != -1)
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
 * How a figure is measured. On this project's machines a system call costs about a
 * microsecond and the machine is shared, so the shim's few nanoseconds are measured against
 * a lot of noise:
 *  - in one process, the shim and libc alternate in quads A B B A of QUAD_CALLS calls each (a
 *    slow moment of the machine falls on both; the order effect of a pair cancels out); a
 *    quad's ratio compares runs made microseconds apart, and the process's ratio is the median
 *    of QUADS quads;
 *  - one process's ratio depends on where its libraries were loaded (address-space layout,
 *    measured at up to +8% for one process and +0.5% for the next), so the figure is the
 *    median of ROUNDS processes, each run afresh (bench_preload runs itself again under the
 *    shim ROUNDS times). The rounds' ratios are printed too.
 * The child prints "ROUND NAME|shim ns|libc ns|ratio" lines; the parent prints one BENCH line
 * per figure, as bench_report(): the shim's per-call median (and the fastest and slowest
 * round's), libc's median, the ratio.
 */
/* The figures: the name of the BENCH line and of libc's side. */
#define FIG_IOCTL "preload: ioctl not emulated"
#define FIG_CLOSE "preload: close not emulated"
#define FIG_DUP_CLOSE "preload: dup+close not emulated"
static const char *const figures[][2] = {
	{ FIG_IOCTL, "libc ioctl (ENOTTY)" },
	{ FIG_CLOSE, "libc close (EBADF)" },
	{ FIG_DUP_CLOSE, "libc dup+close" },
};
#define NUM_FIGURES (sizeof(figures) / sizeof(figures[0]))

#define ROUNDS 7
#define QUADS 801
#define QUAD_CALLS 20

static void measure_quads(const char *name, void (*shim)(void *, long), void (*libc_fn)(void *, long),
			  long calls)
{
	static double ratio[QUADS], ta[QUADS], tb[QUADS];
	uint64_t t0;

	for (int w = 0; w < 20; w++) {
		shim(NULL, calls);
		libc_fn(NULL, calls);
	}
	for (int i = 0; i < QUADS; i++) {
		double a = 0, b = 0;

		t0 = bench_now_ns();
		shim(NULL, calls);
		a += (double)(bench_now_ns() - t0);
		t0 = bench_now_ns();
		libc_fn(NULL, calls);
		b += (double)(bench_now_ns() - t0);
		t0 = bench_now_ns();
		libc_fn(NULL, calls);
		b += (double)(bench_now_ns() - t0);
		t0 = bench_now_ns();
		shim(NULL, calls);
		a += (double)(bench_now_ns() - t0);
		ratio[i] = a / b;
		ta[i] = a / (2.0 * (double)calls);
		tb[i] = b / (2.0 * (double)calls);
	}
	qsort(ratio, QUADS, sizeof(ratio[0]), bench_cmp);
	qsort(ta, QUADS, sizeof(ta[0]), bench_cmp);
	qsort(tb, QUADS, sizeof(tb[0]), bench_cmp);
	printf("ROUND %s|%.1f|%.1f|%.4f\n", name, ta[QUADS / 2], tb[QUADS / 2], ratio[QUADS / 2]);
	fflush(stdout);
}

/* The child, under the shim: one round of every figure. */
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
	/* the number close() is timed on must not be open */
	if (fcntl(closed_fd, F_GETFD) != -1)
		return 1;
	null_fd = open("/dev/null", O_RDONLY);
	if (null_fd < 0)
		return 1;
	measure_quads(FIG_IOCTL, run_ioctl_shim, run_ioctl_libc, QUAD_CALLS);
	measure_quads(FIG_CLOSE, run_close_shim, run_close_libc, QUAD_CALLS);
	measure_quads(FIG_DUP_CLOSE, run_dup_close_shim, run_dup_close_libc, QUAD_CALLS / 2);
	return 0;
}

/* Run the child ROUNDS times; report the median round of each figure. */
static int run_rounds(const char *self, char **argv)
{
	double shim_ns[NUM_FIGURES][ROUNDS], libc_ns[NUM_FIGURES][ROUNDS], ratio[NUM_FIGURES][ROUNDS];
	int got[NUM_FIGURES] = { 0 };

	for (int r = 0; r < ROUNDS; r++) {
		char line[512];
		int pfd[2], status;
		FILE *in;
		pid_t pid;

		if (pipe(pfd))
			return 1;
		pid = fork();
		if (pid < 0)
			return 1;
		if (pid == 0) {
			dup2(pfd[1], STDOUT_FILENO);
			close(pfd[0]);
			close(pfd[1]);
			execv(self, argv);
			perror("bench_preload: exec");
			_exit(127);
		}
		close(pfd[1]);
		in = fdopen(pfd[0], "r");
		while (in && fgets(line, sizeof(line), in)) {
			for (size_t f = 0; f < NUM_FIGURES; f++) {
				size_t n = strlen(figures[f][0]);
				double a, b, q;

				if (strncmp(line, "ROUND ", 6) || strncmp(line + 6, figures[f][0], n) || line[6 + n] != '|' ||
				    sscanf(line + 7 + n, "%lf|%lf|%lf", &a, &b, &q) != 3 || got[f] >= ROUNDS)
					continue;
				shim_ns[f][got[f]] = a;
				libc_ns[f][got[f]] = b;
				ratio[f][got[f]++] = q;
			}
		}
		if (in)
			fclose(in);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status))
			return 1;
	}
	for (size_t f = 0; f < NUM_FIGURES; f++) {
		int n = got[f];

		if (n != ROUNDS)
			return 1;
		printf("# %s: %d processes of %d A-B-B-A quads; process ratios", figures[f][0], ROUNDS, QUADS);
		for (int r = 0; r < n; r++)
			printf(" %.3f", ratio[f][r]);
		printf("\n");
		qsort(shim_ns[f], (size_t)n, sizeof(double), bench_cmp);
		qsort(libc_ns[f], (size_t)n, sizeof(double), bench_cmp);
		qsort(ratio[f], (size_t)n, sizeof(double), bench_cmp);
		printf("BENCH %s|ns|%.1f|%.1f|%.1f|%s|%.1f|%.3f|<= 1.05\n", figures[f][0], shim_ns[f][n / 2],
		       shim_ns[f][0], shim_ns[f][n - 1], figures[f][1], libc_ns[f][n / 2], ratio[f][n / 2]);
	}
	fflush(stdout);
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
	return run_rounds(self, argv);
}
