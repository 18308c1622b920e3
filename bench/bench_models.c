// SPDX-License-Identifier: MIT
/*
 * accel's side of `make bench-models` (scripts/bench-models.sh): one ONNX model loaded on the
 * embedded vnpu through the model layer (include/accelrt_model.h), as any front end loads
 * it, and timed per inference as the peers (bench/peers/) time theirs:
 *
 *   bench_models [--batch N] [--shape NAME=D0,D1,...] [--iterations N] [--warmup N]
 *                [--submit kernel|uq|best] MODEL.onnx
 *
 * --shape compiles input NAME for that shape (a model with symbolic dimensions other than the
 * batch, PP-OCRv4's detection input [N, 3, H, W]: accelrt_model_options.shapes); up to
 * BENCH_MAX_SHAPES of them, each of up to BENCH_MAX_RANK dimensions.
 *
 * One inference is what a caller does: copy the input images into the bindings' input
 * mapping, run the model and wait (accelrt_model_run_sync()), copy the outputs out. The
 * inputs are seeded values. --warmup runs (default 3; the first builds the device's
 * primitives) come first, then --iterations (default 20) timed ones, for each way of
 * submitting: kernel (a SUBMIT ioctl per device stage), uq (the device's user queue: no
 * system call per run, ACCELRT_RUN_USER_QUEUE) or best (the default: both, timed one after
 * the other, and the faster median reported). Prints one JSON line:
 *
 *   {"runtime":"accel","model":...,"batch":...,"threads":...,"iterations":...,
 *    "submit":"uq","median_ms":...,"min_ms":...,"max_ms":...,"kernel_median_ms":...,
 *    "uq_median_ms":...}
 *
 * "threads" is the OpenMP team size the vnpu's oneDNN runs with (OMP_NUM_THREADS, read by
 * libgomp when it loads: the script sets it to the peers' thread count). The device's job
 * watchdog is relaxed to 60 s here (the first inference of a large model builds every
 * primitive in one job). Exit status: 0; 1 for a failed load or run; 2 for bad usage.
 *
 * Run with only a daemon's path, as scripts/bench.sh runs every bench/bench_* (`make bench`),
 * it prints that run's summary instead: the committed models at batch 1 against the peers
 * that are installed, as BENCH lines (summary() below).
 */
#include "bench.h"

#include <getopt.h>

#include <libaccel.h>

#include "accelrt.h"
#include "accelrt_model.h"

/* OpenMP's API (libgomp: the vnpu's oneDNN threads), declared as the standard has it. */
extern int omp_get_max_threads(void);

#define BENCH_MAX_SHAPES	4
#define BENCH_MAX_RANK	8

struct opts {
	const char *model;
	long batch, iterations, warmup;
	const char *submit;	/* kernel, uq or best */
	struct accelrt_model_shape shapes[BENCH_MAX_SHAPES];	/* --shape, in order */
	int64_t shape_dims[BENCH_MAX_SHAPES][BENCH_MAX_RANK];
	size_t n_shapes;
};

struct loaded {
	struct accelrt_model *m;
	struct accelrt_model_bindings *b;
	unsigned int n_in, n_out;
	void **in_data;		/* the caller's copy of each input, copied in per inference */
	void **out_data;	/* where each output is copied out to */
	uint64_t *in_bytes, *out_bytes;
};

static void usage(FILE *f)
{
	fprintf(f, "usage: bench_models [--batch N] [--shape NAME=D0,D1,...] [--iterations N] "
		"[--warmup N] [--submit kernel|uq|best] MODEL.onnx\n");
}

static int parse_long(const char *s, long lo, long hi, long *out)
{
	char *end;

	errno = 0;
	*out = strtol(s, &end, 10);
	return errno || end == s || *end || *out < lo || *out > hi ? -EINVAL : 0;
}

/*
 * --shape NAME=D0,D1,...: @arg split at its last '=' (the name is kept in place, in argv),
 * one to BENCH_MAX_RANK positive dimensions after it.
 */
static int parse_shape(char *arg, struct opts *o)
{
	struct accelrt_model_shape *sh = &o->shapes[o->n_shapes];
	int64_t *dims = o->shape_dims[o->n_shapes];
	char *eq = strrchr(arg, '='), *p, *end;
	int rank = 0;

	if (o->n_shapes == BENCH_MAX_SHAPES || !eq || eq == arg || !eq[1])
		return -EINVAL;
	*eq = 0;
	for (p = eq + 1;; p = end + 1) {
		if (rank == BENCH_MAX_RANK || *p < '0' || *p > '9')
			return -EINVAL;
		errno = 0;
		dims[rank] = strtoll(p, &end, 10);
		if (errno || dims[rank] < 1 || (*end && *end != ','))
			return -EINVAL;
		rank++;
		if (!*end)
			break;
	}
	*sh = (struct accelrt_model_shape){ .name = arg, .rank = rank, .dims = dims };
	o->n_shapes++;
	return 0;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		{ "batch", required_argument, NULL, 'b' },
		{ "shape", required_argument, NULL, 'S' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "warmup", required_argument, NULL, 'w' },
		{ "submit", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct opts){ .batch = 0, .iterations = 20, .warmup = 3, .submit = "best" };
	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (parse_long(optarg, 1, 4096, &o->batch))
				return -EINVAL;
			break;
		case 'S':
			if (parse_shape(optarg, o))
				return -EINVAL;
			break;
		case 'i':
			if (parse_long(optarg, 1, 100000, &o->iterations))
				return -EINVAL;
			break;
		case 'w':
			if (parse_long(optarg, 1, 1000, &o->warmup))
				return -EINVAL;
			break;
		case 's':
			if (strcmp(optarg, "kernel") && strcmp(optarg, "uq") && strcmp(optarg, "best"))
				return -EINVAL;
			o->submit = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			return -EINVAL;
		}
	}
	if (optind != argc - 1)
		return -EINVAL;
	o->model = argv[optind];
	return 0;
}

/* @bytes of seeded values of ONNX type @dtype: floats in [-0.5, 0.5), small integers. */
static void fill_seeded(void *dst, int dtype, uint64_t bytes, uint32_t *seed)
{
	if (dtype == 1) {
		float *f = dst;

		for (uint64_t i = 0; i < bytes / sizeof(float); i++) {
			*seed = *seed * 1664525u + 1013904223u;
			f[i] = (float)(*seed >> 8) / (float)(1u << 24) - 0.5f;
		}
		return;
	}
	if (dtype == 7) {
		int64_t *v = dst;

		for (uint64_t i = 0; i < bytes / sizeof(int64_t); i++) {
			*seed = *seed * 1664525u + 1013904223u;
			v[i] = (int64_t)(*seed >> 28);
		}
		return;
	}
	memset(dst, 0, bytes);
}

static void loaded_free(struct loaded *l)
{
	for (unsigned int i = 0; l->in_data && i < l->n_in; i++)
		free(l->in_data[i]);
	for (unsigned int i = 0; l->out_data && i < l->n_out; i++)
		free(l->out_data[i]);
	free(l->in_data);
	free(l->out_data);
	free(l->in_bytes);
	free(l->out_bytes);
	accelrt_model_bindings_free(l->b);
	accelrt_model_free(l->m);
	*l = (struct loaded){ 0 };
}

static int load(struct accelrt_device *dev, const struct opts *o, struct loaded *l)
{
	char err[512] = "";
	struct accelrt_model_options mo = {
		.batch = o->batch, .shapes = o->shapes, .n_shapes = o->n_shapes,
		.err = err, .err_len = sizeof(err),
	};
	struct accelrt_model_tensor t;
	uint32_t seed = 1;
	int ret;

	*l = (struct loaded){ 0 };
	ret = accelrt_model_load(dev, o->model, &mo, &l->m);
	if (ret) {
		fprintf(stderr, "bench_models: %s: %s\n", o->model, err[0] ? err : strerror(-ret));
		return ret;
	}
	ret = accelrt_model_bindings_new(l->m, &l->b);
	if (ret) {
		fprintf(stderr, "bench_models: bindings: %s\n", strerror(-ret));
		goto fail;
	}
	l->n_in = accelrt_model_num_inputs(l->m);
	l->n_out = accelrt_model_num_outputs(l->m);
	l->in_data = calloc(l->n_in + 1, sizeof(*l->in_data));
	l->out_data = calloc(l->n_out + 1, sizeof(*l->out_data));
	l->in_bytes = calloc(l->n_in + 1, sizeof(*l->in_bytes));
	l->out_bytes = calloc(l->n_out + 1, sizeof(*l->out_bytes));
	ret = -ENOMEM;
	if (!l->in_data || !l->out_data || !l->in_bytes || !l->out_bytes)
		goto fail;
	for (unsigned int i = 0; i < l->n_in; i++) {
		accelrt_model_input(l->m, i, &t);
		l->in_bytes[i] = t.bytes;
		l->in_data[i] = malloc(t.bytes ? t.bytes : 1);
		if (!l->in_data[i])
			goto fail;
		fill_seeded(l->in_data[i], t.dtype, t.bytes, &seed);
	}
	for (unsigned int i = 0; i < l->n_out; i++) {
		accelrt_model_output(l->m, i, &t);
		l->out_bytes[i] = t.bytes;
		l->out_data[i] = malloc(t.bytes ? t.bytes : 1);
		if (!l->out_data[i])
			goto fail;
	}
	return 0;
fail:
	loaded_free(l);
	return ret;
}

/* One inference as a caller makes it: inputs in, run and wait, outputs out. */
static int infer(struct loaded *l, uint32_t flags)
{
	int ret;

	for (unsigned int i = 0; i < l->n_in; i++)
		memcpy(accelrt_model_input_map(l->b, i), l->in_data[i], l->in_bytes[i]);
	ret = accelrt_model_run_sync(l->m, l->b, flags);
	if (ret)
		return ret;
	for (unsigned int i = 0; i < l->n_out; i++)
		memcpy(l->out_data[i], accelrt_model_output_map(l->b, i), l->out_bytes[i]);
	return 0;
}

struct timing {
	double median, min, max;	/* ms */
};

/* @o->warmup inferences, then @o->iterations timed ones: their figures in *@t. */
static int time_runs(struct loaded *l, const struct opts *o, uint32_t flags, struct timing *t)
{
	double *ms = calloc((size_t)o->iterations, sizeof(*ms));
	long n = o->iterations;
	int ret = -ENOMEM;

	if (!ms)
		return ret;
	for (long i = 0; i < o->warmup; i++) {
		ret = infer(l, flags);
		if (ret)
			goto out;
	}
	for (long i = 0; i < n; i++) {
		uint64_t t0 = bench_now_ns();

		ret = infer(l, flags);
		if (ret)
			goto out;
		ms[i] = (double)(bench_now_ns() - t0) / 1e6;
	}
	qsort(ms, (size_t)n, sizeof(*ms), bench_cmp);
	t->median = n % 2 ? ms[n / 2] : (ms[n / 2 - 1] + ms[n / 2]) / 2;
	t->min = ms[0];
	t->max = ms[n - 1];
	ret = 0;
out:
	free(ms);
	return ret;
}

static int run_submit(struct loaded *l, const struct opts *o, const char *how, struct timing *t)
{
	uint32_t flags = strcmp(how, "uq") ? 0 : ACCELRT_RUN_USER_QUEUE;
	int ret = time_runs(l, o, flags, t);

	if (ret) {
		const char *herr = NULL;

		for (unsigned int s = 0; !herr && s < 64; s++)
			herr = accelrt_model_host_error(l->m, s);
		fprintf(stderr, "bench_models: %s: inference (%s submission): %s%s%s\n", o->model,
			how, strerror(-ret), herr ? ": " : "", herr ? herr : "");
	}
	return ret;
}

/* Kernel and/or user-queue timings of the model of @o on @dev: the faster in *@best. */
static int measure(struct accelrt_device *dev, const struct opts *o, struct timing *kt,
		   struct timing *ut, bool *best_uq)
{
	bool kernel = strcmp(o->submit, "uq"), uq = strcmp(o->submit, "kernel");
	struct loaded l;
	int ret;

	ret = load(dev, o, &l);
	if (ret)
		return ret;
	if (kernel && (ret = run_submit(&l, o, "kernel", kt)))
		goto out;
	if (uq && (ret = run_submit(&l, o, "uq", ut)))
		goto out;
	*best_uq = !kernel || (uq && ut->median < kt->median);
out:
	loaded_free(&l);
	return ret;
}

/*
 * A peer's JSON line (bench/peers/): its median, min and max ms, from the command @argv run
 * as a child that dies with us, given @limit_ms to answer. 0, or -1 when it did not answer
 * (not installed, failed, too slow: the summary then has no line for it).
 */
static int peer_run(char *const argv[], int limit_ms, struct timing *t)
{
	char buf[1024];
	size_t len = 0;
	uint64_t deadline = bench_now_ns() + (uint64_t)limit_ms * 1000000ull;
	const char *m, *lo, *hi;
	int fds[2], status;
	pid_t pid;

	if (pipe(fds))
		return -1;
	pid = bench_fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(fds[1], STDOUT_FILENO);
		if (null >= 0)
			dup2(null, STDERR_FILENO);
		close(fds[0]);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		struct pollfd pfd = { .fd = fds[0], .events = POLLIN };
		uint64_t now = bench_now_ns();
		ssize_t n;

		if (now >= deadline || poll(&pfd, 1, (int)((deadline - now) / 1000000 + 1)) <= 0)
			break;
		n = read(fds[0], buf + len, sizeof(buf) - 1 - len);
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(buf) - 1)
			break;
	}
	close(fds[0]);
	buf[len] = 0;
	/* It may still be releasing its session: let it finish, within the deadline. */
	{
		uint64_t now = bench_now_ns();
		int left = now < deadline ? (int)((deadline - now) / 1000000) : 0;

		if (bench_reap(pid, left, &status))
			bench_child_forget(pid);
		else
			status = bench_child_stop(pid);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return -1;
	m = strstr(buf, "\"median_ms\":");
	lo = strstr(buf, "\"min_ms\":");
	hi = strstr(buf, "\"max_ms\":");
	if (!m || !lo || !hi || sscanf(m + 12, "%lf", &t->median) != 1 ||
	    sscanf(lo + 9, "%lf", &t->min) != 1 || sscanf(hi + 9, "%lf", &t->max) != 1)
		return -1;
	return 0;
}

/*
 * `make bench`'s summary (run as scripts/bench.sh runs every bench, with a daemon's path):
 * the committed models (Fashion-MNIST, SqueezeNet 1.1, the LSTM classifier) at batch 1 on
 * accel against onnxruntime and PyTorch when they are installed, same threads; one BENCH
 * line per pair, in microseconds per inference, the ratio accel over the peer (lower is
 * better; goals <= 1 and <= 0.667). `make bench-models` is the whole table.
 */
static int summary(struct accelrt_device *dev)
{
	static const char *const models[] = { "fashion_mnist", "squeezenet1_1", "lstm_classifier" };
	char threads[16], path[512], ort_js[512], torch_py[512];

	snprintf(threads, sizeof(threads), "%d", omp_get_max_threads());
	snprintf(ort_js, sizeof(ort_js), "%s/bench/peers/ort_bench.js", ACCEL_SOURCE_DIR);
	snprintf(torch_py, sizeof(torch_py), "%s/bench/peers/torch_bench.py", ACCEL_SOURCE_DIR);
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		struct opts o = { .model = path, .batch = 1, .iterations = 20, .warmup = 3,
				  .submit = "best" };
		struct timing kt = { 0 }, ut = { 0 }, peer, *a;
		struct bench_result ar, pr;
		bool best_uq;
		char name[160];

		snprintf(path, sizeof(path), "%s/models/%s/model.onnx", ACCEL_SOURCE_DIR, models[i]);
		if (access(path, R_OK)) {
			fprintf(stderr, "bench_models: %s absent: skipped\n", path);
			continue;
		}
		if (measure(dev, &o, &kt, &ut, &best_uq))
			return 1;
		a = best_uq ? &ut : &kt;
		ar = (struct bench_result){ a->median * 1e3, a->min * 1e3, a->max * 1e3 };
		char *ort_argv[] = { "node", ort_js, path, "1", threads, "20", NULL };
		if (!peer_run(ort_argv, 120000, &peer)) {
			pr = (struct bench_result){ peer.median * 1e3, peer.min * 1e3, peer.max * 1e3 };
			snprintf(name, sizeof(name), "model %s batch 1 vs onnxruntime (%s threads)",
				 models[i], threads);
			bench_report(name, "us", ar, "onnxruntime-node 1.30.0, same threads", pr, "<= 1");
		} else {
			fprintf(stderr, "bench_models: onnxruntime not measured (make bench-models "
				"installs it)\n");
		}
		char *torch_argv[] = { "/usr/bin/python3", torch_py, (char *)models[i], "1", threads,
				       "20", NULL };
		if (!peer_run(torch_argv, 120000, &peer)) {
			pr = (struct bench_result){ peer.median * 1e3, peer.min * 1e3, peer.max * 1e3 };
			snprintf(name, sizeof(name), "model %s batch 1 vs PyTorch (%s threads)", models[i],
				 threads);
			bench_report(name, "us", ar, "PyTorch eager, same threads", pr, "<= 0.667");
		} else {
			fprintf(stderr, "bench_models: PyTorch not measured (python3-torch)\n");
		}
	}
	return 0;
}

/* Whether @arg names the acceld binary (what scripts/bench.sh passes), not a model. */
static bool is_daemon_path(const char *arg)
{
	const char *base = strrchr(arg, '/');

	return !strcmp(base ? base + 1 : arg, "acceld");
}

int main(int argc, char **argv)
{
	struct timing kt = { 0 }, ut = { 0 }, *best;
	struct accelrt_device *dev = NULL;
	bool kernel, uq, best_uq, as_summary;
	struct opts o;
	char root[32];
	int ret;

	/* scripts/bench.sh gives every bench the daemon's path (often relative) and nothing else. */
	as_summary = argc == 2 && is_daemon_path(argv[1]);
	if (!as_summary && parse_opts(argc, argv, &o)) {
		usage(stderr);
		return 2;
	}

	setenv("ACCEL_ROOT", bench_tmproot(root), 1);
	setenv("ACCEL_REFRESH_MS", "0", 1);
	/*
	 * The default job timeout: each model's first inference builds its primitives inside
	 * one job, but the timeout only catches a job that starts no packet for that long.
	 */
	if (accel_embedded_start("[vnpu.0]\ndriver = vnpu\n")) {
		fprintf(stderr, "bench_models: accel_embedded_start: %s\n", strerror(errno));
		return 1;
	}
	ret = accelrt_device_open(NULL, &dev);
	if (ret) {
		fprintf(stderr, "bench_models: accelrt_device_open: %s\n", strerror(-ret));
		return 1;
	}
	if (as_summary) {
		ret = summary(dev);
		goto out_dev;
	}
	kernel = strcmp(o.submit, "uq");
	uq = strcmp(o.submit, "kernel");
	ret = measure(dev, &o, &kt, &ut, &best_uq);
	if (ret)
		goto out_dev;
	best = best_uq ? &ut : &kt;
	printf("{\"runtime\":\"accel\",\"model\":\"%s\",\"batch\":%ld,\"threads\":%d,"
	       "\"iterations\":%ld,\"submit\":\"%s\",\"median_ms\":%.3f,\"min_ms\":%.3f,"
	       "\"max_ms\":%.3f", o.model, o.batch ? o.batch : 1, omp_get_max_threads(),
	       o.iterations, best_uq ? "uq" : "kernel", best->median, best->min, best->max);
	if (kernel)
		printf(",\"kernel_median_ms\":%.3f", kt.median);
	if (uq)
		printf(",\"uq_median_ms\":%.3f", ut.median);
	printf("}\n");
out_dev:
	accelrt_device_close(dev);
	return ret ? 1 : 0;
}
