// SPDX-License-Identifier: MIT
/*
 * accel run MODEL.onnx|PROGRAM [--data DIR] ... - compile a model for the vnpu (compiler/compile.h:
 * import, passes, codegen; the nodes the vnpu cannot run on host stages) or load a program
 * `accel compile` wrote (compiler/program_file.h), both through the model layer
 * (include/accelrt_model.h), run it and compare its outputs with ONNX test data
 * (DIR/input_N.pb, DIR/output_N.pb), of any type the IR has.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <accelrt.h>
#include <accelrt_model.h>

#include "accel.h"
#include "compiler/codegen_vnpu.h"
#include "compiler/host_exec.h"
#include "compiler/program_file.h"
#include "compiler/prog_profile.h"
#include "compiler/onnx_tensor.h"
#include "compiler/tensor_compare.h"
#include "runtime/model/model_pack.h"
#include "runtime/model/model_vedge.h"
#include "run_vedge.h"

/* The exit statuses of `accel run` (docs/compiler.md). */
enum {
	RUN_OK = 0,
	RUN_MISMATCH = 1,
	RUN_USAGE = 2,	/* bad usage, unreadable or unsupported model or data */
	RUN_DEVICE = 3,
};

static void run_usage(FILE *out)
{
	fprintf(out,
		"usage: %s run [options] MODEL.onnx|PROGRAM\n"
		"\n"
		"Compile an ONNX model for the vnpu (import, graph passes, code generation), or load\n"
		"a program '%s compile' wrote, and run it once: the nodes the vnpu cannot run\n"
		"run on the host, between the device's stages (one SUBMIT per device stage).\n"
		"\n"
		"  --data DIR        inputs from DIR/input_N.pb (ONNX TensorProto; zeros without\n"
		"                    --data); outputs compared with DIR/output_N.pb when present\n"
		"  --device NODE     the vnpu to run on (default: the first); a vedge node runs\n"
		"                    the model quantized to int8 (docs/compiler.md \"vedge code\n"
		"                    generation\"; default tolerance there rtol 0.05, atol 0.25)\n"
		"  --calibration DIR vedge: calibration samples (default: the model's directory,\n"
		"                    its test_data_set_N inputs)\n"
		"  --verbose         vedge: print the tiling plan\n"
		"  --rtol R          relative tolerance (default 1e-3)\n"
		"  --atol A          absolute tolerance (default 1e-4): |out - ref| <= A + R * |ref|\n"
		"                    (floating types; integers and bools must be equal)\n"
		"  --iterations N    then run N more times and print latency_ms median/min/max\n"
		"  --json            print one JSON object\n"
		"  --no-passes       compile without the graph passes (a model, not a program)\n"
		"  --batch N         the value of a symbolic first input dimension (default: with\n"
		"                    --data, the first dimension of DIR/input_0.pb)\n"
		"  --shape NAME=D0,D1,...\n"
		"                    compile input NAME for this shape (its symbolic dimensions);\n"
		"                    repeatable. Default: with --data, every symbolic dimension\n"
		"                    of input N from DIR/input_N.pb\n"
		"  --profile FILE    after the runs, run once more stage by stage and write the time\n"
		"                    of each device stage and of each node to FILE: JSON lines,\n"
		"                    or CSV when FILE ends in .csv (docs/compiler.md)\n"
		"  --submit Q        kernel (SUBMIT, the default) or uq (the device's user queue)\n"
		"  --dma-io          compile with I/O pipelining: DMA-in, compute, DMA-out jobs\n"
		"                    chained by semaphores (a model of one device stage)\n"
		"  --help            show this help\n"
		"\n"
		"\n"
		"examples:\n"
		"  %s run --data models/fashion_mnist/test_data_set_0 models/fashion_mnist/model.onnx\n"
		"  %s run --iterations 100 --json fashion.accelprg\n"
		"\n"
		"Exit status: 0 ran (and matched), 1 mismatch, 2 bad usage or unsupported model,\n"
		"3 device error.\n",
		accel_prog, accel_prog, accel_prog, accel_prog);
}

/* --shape: as many as a model has inputs in practice; dimensions up to the IR's rank. */
#define RUN_MAX_SHAPES 16
#define ACCELRT_RUN_MAX_RANK 8

struct run_opts {
	const char *model;
	const char *data;
	const char *device;
	double rtol, atol;
	const char *profile;
	long iterations;
	bool json;
	bool no_passes;
	bool dma_io;
	int64_t batch;		/* --batch; 0: from --data's input_0.pb, or none */
	struct accelrt_model_shape shapes[RUN_MAX_SHAPES];	/* --shape, in order */
	int64_t shape_dims[RUN_MAX_SHAPES][ACCELRT_RUN_MAX_RANK];
	size_t n_shapes;
	uint32_t run_flags;	/* ACCELRT_RUN_USER_QUEUE with --submit uq */
	const char *calibration;	/* --calibration (vedge) */
	bool verbose;		/* --verbose (vedge: the tiling plan) */
};

/* The state of one `accel run`, freed by run_state_free(). */
struct run_state {
	struct accelrt_device *dev;
	struct accelrt_model *model;	/* the model on @dev (include/accelrt_model.h) */
	struct accelrt_model_bindings *bindings;	/* the buffers of its runs */
	struct ir_graph *g;		/* the model's graph and program */
	const struct vnpu_prog *prog;
	struct accelrt_buffer *const *bufs;	/* the bindings' buffer of each slot */
	struct accelrt_program **stage_progs;	/* --profile: one program per device stage */
	struct onnx_data_set ds;	/* --data's inputs, as the compiler asked for them */
	json_object *jout;
};

static void run_state_free(struct run_state *st)
{
	onnx_data_set_free(&st->ds);
	for (unsigned int i = 0; st->stage_progs && i < st->prog->nstages; i++)
		accelrt_program_free(st->stage_progs[i]);
	free(st->stage_progs);
	accelrt_model_bindings_free(st->bindings);
	accelrt_model_free(st->model);
	accelrt_device_close(st->dev);
	json_object_put(st->jout);
}

static bool parse_double(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return !errno && end != s && !*end && *v >= 0;
}

/*
 * --shape NAME=D0,D1,...: a name (up to the last '=') and one to ACCELRT_RUN_MAX_RANK
 * positive dimensions. The name points into @arg (argv outlives the run). False on a bad one,
 * with a message.
 */
static bool parse_shape(char *arg, struct run_opts *o)
{
	struct accelrt_model_shape *s = &o->shapes[o->n_shapes];
	int64_t *dims = o->shape_dims[o->n_shapes];
	char *eq = strrchr(arg, '='), *p, *end;

	if (o->n_shapes == RUN_MAX_SHAPES) {
		fprintf(stderr, "%s run: more than %d --shape options\n", accel_prog, RUN_MAX_SHAPES);
		return false;
	}
	if (!eq || eq == arg || !eq[1]) {
		fprintf(stderr, "%s run: --shape '%s': NAME=D0,D1,... expected\n", accel_prog, arg);
		return false;
	}
	for (size_t i = 0; i < o->n_shapes; i++)
		if (!strncmp(o->shapes[i].name, arg, (size_t)(eq - arg)) &&
		    !o->shapes[i].name[eq - arg]) {
			fprintf(stderr, "%s run: --shape '%s': input given twice\n", accel_prog, arg);
			return false;
		}
	s->rank = 0;
	for (p = eq + 1;; p = end + 1) {
		if (s->rank == ACCELRT_RUN_MAX_RANK) {
			fprintf(stderr, "%s run: --shape '%s': more than %d dimensions\n", accel_prog,
				arg, ACCELRT_RUN_MAX_RANK);
			return false;
		}
		errno = 0;
		dims[s->rank] = strtoll(p, &end, 10);
		if (errno || end == p || (*end && *end != ',') || dims[s->rank] < 1 ||
		    dims[s->rank] > (1LL << 32)) {
			fprintf(stderr, "%s run: --shape '%s': dimension %d is not a positive "
				"integer\n", accel_prog, arg, s->rank);
			return false;
		}
		s->rank++;
		if (!*end)
			break;
	}
	*eq = '\0';
	s->name = arg;
	s->dims = dims;
	o->n_shapes++;
	return true;
}

static int parse_opts(int argc, char **argv, struct run_opts *o)
{
	static const struct option opts[] = {
		{ "data", required_argument, NULL, 'd' },
		{ "device", required_argument, NULL, 'D' },
		{ "rtol", required_argument, NULL, 'r' },
		{ "atol", required_argument, NULL, 'a' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "json", no_argument, NULL, 'j' },
		{ "no-passes", no_argument, NULL, 'n' },
		{ "batch", required_argument, NULL, 'b' },
		{ "shape", required_argument, NULL, 'S' },
		{ "profile", required_argument, NULL, 'p' },
		{ "submit", required_argument, NULL, 's' },
		{ "dma-io", no_argument, NULL, 'I' },
		{ "calibration", required_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char *end;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->data = optarg;
			break;
		case 'D':
			o->device = optarg;
			break;
		case 'r':
			if (!parse_double(optarg, &o->rtol))
				goto bad_value;
			break;
		case 'a':
			if (!parse_double(optarg, &o->atol))
				goto bad_value;
			break;
		case 'i':
			errno = 0;
			o->iterations = strtol(optarg, &end, 10);
			if (errno || end == optarg || *end || o->iterations < 1 || o->iterations > 1000000)
				goto bad_value;
			break;
		case 'j':
			o->json = true;
			break;
		case 'n':
			o->no_passes = true;
			break;
		case 'b':
			errno = 0;
			o->batch = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || o->batch < 1 || o->batch > (1 << 20))
				goto bad_value;
			break;
		case 'S':
			if (!parse_shape(optarg, o))
				return RUN_USAGE;
			break;
		case 'I':
			o->dma_io = true;
			break;
		case 'C':
			o->calibration = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'p':
			o->profile = optarg;
			break;
		case 's':
			if (!strcmp(optarg, "uq"))
				o->run_flags = ACCELRT_RUN_USER_QUEUE;
			else if (!strcmp(optarg, "kernel"))
				o->run_flags = 0;
			else
				goto bad_value;
			break;
		case 'h':
			run_usage(stdout);
			return -1;
		default:
			/* One line naming the option: the usage is for --help. */
			if (optopt)
				fprintf(stderr, "%s run: unknown option '-%c' or it lacks its value (see '%s run --help')\n",
					accel_prog, optopt, accel_prog);
			else
				fprintf(stderr, "%s run: unknown option '%s' or it lacks its value (see '%s run --help')\n",
					accel_prog, argv[optind - 1], accel_prog);
			return RUN_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "%s run: one MODEL expected (see '%s run --help')\n", accel_prog,
			accel_prog);
		return RUN_USAGE;
	}
	o->model = argv[optind];
	return 0;
bad_value:
	fprintf(stderr, "%s run: bad value '%s'\n", accel_prog, optarg);
	return RUN_USAGE;
}

static int data_path(char *buf, size_t len, const char *dir, const char *kind, size_t i)
{
	int n = snprintf(buf, len, "%s/%s_%zu.pb", dir, kind, i);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Input @i of the graph into its buffer: DIR/input_i.pb, or zeros without --data. */
static int load_input(struct run_state *st, const struct run_opts *o, unsigned int i)
{
	struct accelrt_model_tensor want;
	void *map = accelrt_model_input_map(st->bindings, i);
	enum ir_dtype dtype;
	struct ir_tensor *t;
	char path[4096], err[512];
	size_t size;
	int ret;

	accelrt_model_input(st->model, i, &want);
	dtype = (enum ir_dtype)want.dtype;
	size = (size_t)want.bytes;

	if (!o->data) {
		memset(map, 0, size);
		return 0;
	}
	if (data_path(path, sizeof(path), o->data, "input", i)) {
		fprintf(stderr, "%s run: %s: path too long\n", accel_prog, o->data);
		return RUN_USAGE;
	}
	ret = onnx_tensor_read_file(path, &t, err, sizeof(err));
	if (!ret)
		onnx_tensor_as_declared(t, dtype);
	if (ret) {
		fprintf(stderr, "%s run: %s\n", accel_prog, err);
		return RUN_USAGE;
	}
	if (t->dtype != dtype || t->data_size != size) {
		fprintf(stderr, "%s run: %s: a %s tensor of %zu bytes, input '%s' is %s of %zu\n",
			accel_prog, path, ir_dtype_name(t->dtype), t->data_size, want.name,
			ir_dtype_name(dtype), size);
		ir_tensor_free(t);
		return RUN_USAGE;
	}
	memcpy(map, t->data, size);
	ir_tensor_free(t);
	return 0;
}

/*
 * Open the device and load the model on it (accelrt_model_load(): compile the ONNX model, or
 * read the program file `accel compile` wrote, recognised by its magic; place its slots,
 * upload its constants). An exit status.
 */
static int run_load(struct run_state *st, const struct run_opts *o)
{
	enum accelrt_model_phase failed = ACCELRT_MODEL_PHASE_MODEL;
	char err[512] = "";
	struct accelrt_model_options mo = {
		.no_passes = o->no_passes,
		.dma_io = o->dma_io,
		.device_name = o->device ? o->device : "the vnpu",
		.err = err,
		.err_len = sizeof(err),
		.failed = &failed,
	};
	int ret;

	/*
	 * With --data, a graph input that a node needs constant (Reshape's shape, Slice's starts,
	 * Resize's scales...) takes its value from DIR/input_N.pb: the model is specialised for
	 * the data it runs on, as a static-shape compiler must (docs/compiler.md).
	 */
	if (o->data) {
		st->ds.dir = o->data;
		mo.input_value = onnx_data_set_input;
		mo.input_value_ctx = &st->ds;
	}
	/*
	 * A model with a symbolic batch dimension runs at the batch of the data it is given,
	 * unless --batch says otherwise (a program was compiled for its own batch); its other
	 * symbolic dimensions too, unless --shape gives them.
	 */
	mo.batch = o->batch;
	mo.shapes = o->shapes;
	mo.n_shapes = o->n_shapes;
	mo.shapes_from_values = o->data && !o->n_shapes;
	if (!mo.batch && o->data && !program_file_is_program(o->model)) {
		const struct ir_tensor *in0 = onnx_data_set_input(&st->ds, 0);

		if (in0 && in0->rank >= 1 && in0->dims[0] >= 1)
			mo.batch = in0->dims[0];
	}
	if (o->no_passes && program_file_is_program(o->model)) {
		fprintf(stderr, "%s run: %s: --no-passes is for models; a program is compiled "
			"already\n", accel_prog, o->model);
		return RUN_USAGE;
	}
	if (o->n_shapes && program_file_is_program(o->model)) {
		fprintf(stderr, "%s run: %s: --shape is for models; a program is compiled "
			"already\n", accel_prog, o->model);
		return RUN_USAGE;
	}
	ret = accelrt_device_open(o->device, &st->dev);
	if (ret) {
		fprintf(stderr, "%s run: %s: %s\n", accel_prog, o->device ? o->device : "first vnpu",
			strerror(-ret));
		return RUN_DEVICE;
	}
	ret = accelrt_model_load(st->dev, o->model, &mo, &st->model);
	if (ret) {
		fprintf(stderr, "%s run: %s: %s\n", accel_prog, o->model, err);
		/* A model that does not fit the device is the model's fault, as one it cannot run. */
		return failed == ACCELRT_MODEL_PHASE_MODEL ? RUN_USAGE : RUN_DEVICE;
	}
	st->g = accelrt_model_graph(st->model);
	st->prog = accelrt_model_program(st->model);
	return 0;
}

/* The buffers of the runs, the inputs written in them. An exit status. */
static int run_bind(struct run_state *st, const struct run_opts *o)
{
	int ret = accelrt_model_bindings_new(st->model, &st->bindings);

	if (ret) {
		fprintf(stderr, "%s run: buffers: %s\n", accel_prog, strerror(-ret));
		return RUN_DEVICE;
	}
	st->bufs = accelrt_model_bindings_slots(st->bindings);
	for (unsigned int i = 0; i < accelrt_model_num_inputs(st->model); i++) {
		ret = load_input(st, o, i);
		if (ret)
			return ret;
	}
	return 0;
}

/* Print the message of a failed host stage, if one failed. */
static void host_stage_errors(const struct run_state *st)
{
	for (unsigned int i = 0; i < st->prog->nstages; i++) {
		const char *msg = accelrt_model_host_error(st->model, i);

		if (msg)
			fprintf(stderr, "%s run: host stage %u: %s\n", accel_prog, i, msg);
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* The first run (the warm-up when timing), then @o->iterations timed ones. */
static int run_execute(struct run_state *st, const struct run_opts *o)
{
	double *ms = NULL;
	int ret;

	ret = accelrt_model_run_sync(st->model, st->bindings, o->run_flags);
	if (ret)
		goto fail;
	if (!o->iterations)
		return 0;
	ms = calloc((size_t)o->iterations, sizeof(*ms));
	if (!ms)
		return RUN_DEVICE;
	for (long i = 0; i < o->iterations; i++) {
		double t0 = now_ms();

		ret = accelrt_model_run_sync(st->model, st->bindings, o->run_flags);
		if (ret)
			goto fail;
		ms[i] = now_ms() - t0;
	}
	qsort(ms, (size_t)o->iterations, sizeof(*ms), cmp_double);
	double med = o->iterations % 2 ? ms[o->iterations / 2] :
		     (ms[o->iterations / 2 - 1] + ms[o->iterations / 2]) / 2;
	if (o->json) {
		json_object *l = json_object_new_object();

		json_object_object_add(l, "median", json_object_new_double(med));
		json_object_object_add(l, "min", json_object_new_double(ms[0]));
		json_object_object_add(l, "max", json_object_new_double(ms[o->iterations - 1]));
		json_object_object_add(l, "iterations", json_object_new_int64(o->iterations));
		json_object_object_add(st->jout, "latency_ms", l);
	} else {
		printf("latency_ms median=%.3f min=%.3f max=%.3f\n", med, ms[0],
		       ms[o->iterations - 1]);
	}
	free(ms);
	return 0;
fail:
	free(ms);
	host_stage_errors(st);
	fprintf(stderr, "%s run: %s\n", accel_prog, strerror(-ret));
	return RUN_DEVICE;
}

/*
 * Compare output @i with DIR/output_i.pb when there is one (tensor_compare(): floating types
 * within the tolerance, the others exactly); RUN_MISMATCH on a difference.
 */
static int compare_output(struct run_state *st, const struct run_opts *o, unsigned int i,
			  json_object *jouts)
{
	struct accelrt_model_tensor got;
	enum ir_dtype dtype;
	size_t numel;
	struct tensor_compare_result r;
	struct ir_tensor *ref;
	char path[4096], err[512];
	int ret;

	if (!o->data || data_path(path, sizeof(path), o->data, "output", i) || access(path, F_OK))
		return 0;
	accelrt_model_output(st->model, i, &got);
	dtype = (enum ir_dtype)got.dtype;
	numel = ir_dtype_size(dtype) ? (size_t)got.bytes / ir_dtype_size(dtype) : 0;
	ret = onnx_tensor_read_file(path, &ref, err, sizeof(err));
	if (!ret)
		onnx_tensor_as_declared(ref, dtype);
	if (ret) {
		fprintf(stderr, "%s run: %s\n", accel_prog, err);
		return RUN_USAGE;
	}
	ret = tensor_compare(ref, dtype, accelrt_model_output_map(st->bindings, i), numel,
			     o->rtol, o->atol, &r);
	if (ret) {
		fprintf(stderr, "%s run: %s: %s tensor of %lld elements, output '%s' is %s of %zu\n",
			accel_prog, path, ir_dtype_name(ref->dtype), (long long)ir_tensor_numel(ref),
			got.name, ir_dtype_name(dtype), numel);
		ir_tensor_free(ref);
		return RUN_USAGE;
	}
	ir_tensor_free(ref);
	if (o->json) {
		json_object *jo = json_object_new_object();

		json_object_object_add(jo, "name", json_object_new_string(got.name));
		json_object_object_add(jo, "type", json_object_new_string(ir_dtype_name(dtype)));
		json_object_object_add(jo, "max_abs_err", json_object_new_double(r.max_abs));
		json_object_object_add(jo, "max_rel_err", json_object_new_double(r.max_rel));
		json_object_object_add(jo, "mismatches", json_object_new_int64((int64_t)r.mismatches));
		json_object_object_add(jo, "result",
				       json_object_new_string(r.mismatches ? "FAIL" : "PASS"));
		json_object_array_add(jouts, jo);
	} else {
		printf("output %u '%s': max_abs_err=%.3g max_rel_err=%.3g mismatches=%zu %s\n", i,
		       got.name, r.max_abs, r.max_rel, r.mismatches, r.mismatches ? "FAIL" : "PASS");
	}
	return r.mismatches ? RUN_MISMATCH : 0;
}

/* --profile: a program of each device stage alone, so that each can be timed on its own. */
static int profile_prepare(struct run_state *st)
{
	const struct vnpu_prog *p = st->prog;
	int ret = 0;

	st->stage_progs = calloc(p->nstages, sizeof(*st->stage_progs));
	if (!st->stage_progs)
		return -ENOMEM;
	for (unsigned int i = 0; i < p->nstages && !ret; i++) {
		const struct vnpu_prog_stage *s = &p->stages[i];

		if (s->host)
			continue;
		ret = accelrt_program_new(st->dev, &st->stage_progs[i]);
		if (!ret)
			ret = accelrt_program_add_stream(st->stage_progs[i], p->stream + s->offset, s->len,
				(const struct accelrt_reloc *)p->relocs + s->reloc_first, s->nrelocs);
	}
	return ret;
}

/* A CSV field: quoted, its quotes doubled (node names are the model's). */
static void csv_field(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/*
 * One record of the profile: a device stage (@node NULL) or one node of the stage, on the
 * device or the host.
 */
static void profile_record(FILE *f, bool csv, unsigned int stage, bool host,
			   const struct ir_node *node, size_t stream_bytes, double ms)
{
	json_object *j;

	if (csv) {
		fprintf(f, "%u,%s,", stage, host ? "host" : "device");
		csv_field(f, node ? node->name : "");
		fputc(',', f);
		csv_field(f, node ? node->op_type : "");
		fprintf(f, ",%zu,%.6f\n", stream_bytes, ms);
		return;
	}
	j = json_object_new_object();
	json_object_object_add(j, "stage", json_object_new_int64(stage));
	json_object_object_add(j, "kind", json_object_new_string(host ? "host" : "device"));
	json_object_object_add(j, "node", node ? json_object_new_string(node->name) : NULL);
	json_object_object_add(j, "op", node ? json_object_new_string(node->op_type) : NULL);
	json_object_object_add(j, "stream_bytes", json_object_new_int64((int64_t)stream_bytes));
	json_object_object_add(j, "ms", json_object_new_double(ms));
	fprintf(f, "%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
	json_object_put(j);
}

/*
 * Write the profile: each stage in order, a device stage's record (@stage_ms, timed from the
 * host) followed by its nodes' (@node_ms, from the stage's timestamps), a host stage's nodes.
 */
static void profile_write(FILE *f, bool csv, const struct run_state *st, const double *stage_ms,
			  const double *node_ms)
{
	const struct vnpu_prog *p = st->prog;

	if (csv)
		fprintf(f, "stage,kind,node,op,stream_bytes,ms\n");
	for (unsigned int i = 0; i < p->nstages; i++) {
		const struct vnpu_prog_stage *s = &p->stages[i];

		if (s->host) {
			for (size_t k = 0; k < s->n_nodes; k++)
				profile_record(f, csv, i, true, st->g->nodes[s->nodes[k]], 0,
					       node_ms[s->nodes[k]]);
			continue;
		}
		profile_record(f, csv, i, false, NULL, s->len, stage_ms[i]);
		/* The stage's nodes: those whose timestamps are its own, in stream order. */
		for (size_t n = 0; s->ts_first >= 0 && n < p->n_graph_nodes; n++)
			if (p->node_ts[n] > s->ts_first &&
			    p->node_ts[n] < s->ts_first + (int)s->n_ts)
				profile_record(f, csv, i, false, st->g->nodes[n], 0, node_ms[n]);
	}
}

/*
 * --profile: one more run, stage by stage: each device stage submitted alone and timed from
 * the host, its nodes timed by the device (the TIMESTAMP packets the compiler put after each
 * node's packets, read back from the profile slot: vnpu_prog_node_times()), each node of a
 * host stage run by its host kernel and timed on its own. The same stages in the same order
 * as a run, on the same slots, so the outputs are those of a run.
 */
static int run_profile(struct run_state *st, const struct run_opts *o)
{
	const struct vnpu_prog *p = st->prog;
	size_t plen = strlen(o->profile);
	bool csv = plen >= 4 && !strcmp(o->profile + plen - 4, ".csv");
	void **maps = calloc(p->nslots ? p->nslots : 1, sizeof(*maps));
	double *stage_ms = calloc(p->nstages, sizeof(*stage_ms));
	double *node_ms = calloc(p->n_graph_nodes ? p->n_graph_nodes : 1, sizeof(*node_ms));
	char err[256] = "";
	int ret = 0;
	FILE *f = NULL;

	if (!maps || !stage_ms || !node_ms) {
		ret = -ENOMEM;
		goto out;
	}
	/* A constant that only fed the packing of weights has no buffer left (NULL). */
	for (unsigned int i = 0; i < p->nslots; i++)
		if (st->bufs[i])
			accelrt_buffer_map(st->bufs[i], &maps[i]);
	/* Zeroed, so that a timestamp the run did not write is seen. */
	if (p->profile_slot >= 0)
		memset(maps[p->profile_slot], 0, p->n_timestamps * sizeof(uint64_t));
	for (unsigned int i = 0; i < p->nstages && !ret; i++) {
		const struct vnpu_prog_stage *s = &p->stages[i];
		double t0 = now_ms();

		if (!s->host) {
			ret = accelrt_run_sync(st->stage_progs[i], st->bufs, p->nslots, 0);
			stage_ms[i] = now_ms() - t0;
			continue;
		}
		for (size_t k = 0; k < s->n_nodes && !ret; k++) {
			t0 = now_ms();
			ret = host_exec_nodes(st->g, &s->nodes[k], 1, p->tensor_slot,
					      p->tensor_offset, maps, p->nslots, err, sizeof(err));
			node_ms[s->nodes[k]] = now_ms() - t0;
		}
	}
	if (!ret && p->profile_slot >= 0) {
		double *ns = calloc(p->n_graph_nodes ? p->n_graph_nodes : 1, sizeof(*ns));

		ret = ns ? vnpu_prog_node_times(p, maps[p->profile_slot], ns) : -ENOMEM;
		for (size_t n = 0; !ret && n < p->n_graph_nodes; n++)
			if (ns[n] >= 0)
				node_ms[n] = ns[n] / 1e6;
		free(ns);
		if (ret == -EINVAL)
			snprintf(err, sizeof(err), "the device stages' timestamps are incomplete");
	}
	if (ret)
		goto out;
	f = fopen(o->profile, "w");
	if (!f) {
		fprintf(stderr, "%s run: %s: %s\n", accel_prog, o->profile, strerror(errno));
		ret = RUN_USAGE;
		goto out;
	}
	profile_write(f, csv, st, stage_ms, node_ms);
out:
	free(node_ms);
	free(stage_ms);
	free(maps);
	if (ret > 0)
		return ret;
	if (f && fclose(f) && !ret) {
		fprintf(stderr, "%s run: %s: %s\n", accel_prog, o->profile, strerror(errno));
		return RUN_USAGE;
	}
	if (ret) {
		fprintf(stderr, "%s run: profile: %s\n", accel_prog, err[0] ? err : strerror(-ret));
		return RUN_DEVICE;
	}
	return 0;
}

/* The share of the FLOPs (vnpu_node_flops()) the device runs: 1 when nothing is computed. */
static double device_share(const struct accelrt_model_stats *s)
{
	double total = s->flops_device + s->flops_host;

	return total > 0 ? s->flops_device / total : 1.0;
}

/* The graph inputs the compiler bound to their --data values (run_load()). */
static void report_bound_inputs(const struct run_state *st, const struct run_opts *o)
{
	json_object *names = json_object_new_array();

	for (unsigned int i = 0; i < accelrt_model_num_inputs(st->model); i++) {
		struct accelrt_model_tensor t;

		accelrt_model_input(st->model, i, &t);
		if (!t.bound)
			continue;
		json_object_array_add(names, json_object_new_string(t.name));
		if (!o->json)
			printf("input %u '%s': bound to its --data value (the program is specialised "
			       "for it)\n", i, t.name);
	}
	json_object_object_add(st->jout, "bound_inputs", names);
}

/*
 * What ran where: the node counts, the stages and the device's share of the FLOPs; the
 * memory: the arena's plan and what lies in device memory.
 */
static void report_partition(const struct run_state *st, const struct run_opts *o)
{
	struct accelrt_model_stats s;
	json_object *j = st->jout, *mem;
	double mem_ratio;

	accelrt_model_get_stats(st->model, &s);
	/* Planned arena bytes over the liveness bound (1 with no intermediates). */
	mem_ratio = s.mem_lower_bound ? (double)s.mem_peak / (double)s.mem_lower_bound : 1.0;
	json_object_object_add(j, "model", json_object_new_string(o->model));
	json_object_object_add(j, "nodes", json_object_new_int64((int64_t)s.nodes));
	json_object_object_add(j, "device_nodes", json_object_new_int64(s.nodes_device));
	json_object_object_add(j, "host_nodes", json_object_new_int64(s.nodes_host));
	json_object_object_add(j, "alias_nodes", json_object_new_int64(s.nodes_alias));
	json_object_object_add(j, "constant_nodes", json_object_new_int64(s.nodes_const));
	json_object_object_add(j, "packets", json_object_new_int64(s.packets));
	json_object_object_add(j, "device_stages", json_object_new_int64(s.stages_device));
	json_object_object_add(j, "host_stages", json_object_new_int64(s.stages_host));
	json_object_object_add(j, "device_flops", json_object_new_double(s.flops_device));
	json_object_object_add(j, "host_flops", json_object_new_double(s.flops_host));
	json_object_object_add(j, "device_flops_share", json_object_new_double(device_share(&s)));
	report_bound_inputs(st, o);
	mem = json_object_new_object();
	json_object_object_add(mem, "intermediates_peak", json_object_new_int64((int64_t)s.mem_peak));
	json_object_object_add(mem, "lower_bound", json_object_new_int64((int64_t)s.mem_lower_bound));
	json_object_object_add(mem, "ratio", json_object_new_double(mem_ratio));
	json_object_object_add(mem, "device_bytes", json_object_new_int64((int64_t)s.device_bytes));
	json_object_object_add(mem, "device_slots", json_object_new_int64(s.slots_device));
	json_object_object_add(mem, "slots", json_object_new_int64(s.slots));
	json_object_object_add(j, "memory", mem);
	if (o->json)
		return;
	printf("model %s: %zu nodes, %u on the device, %u on the host, %u aliases, %u constants; "
	       "%u packets\n", o->model, s.nodes, s.nodes_device, s.nodes_host, s.nodes_alias,
	       s.nodes_const, s.packets);
	printf("stages: %u on the device, %u on the host; device FLOPs share %.1f%% "
	       "(%.6g of %.6g)\n", s.stages_device, s.stages_host, 100 * device_share(&s),
	       s.flops_device, s.flops_device + s.flops_host);
	printf("memory: intermediates peak=%llu lower_bound=%llu (ratio %.3f); device memory "
	       "%llu bytes in %u of %u slots\n", (unsigned long long)s.mem_peak,
	       (unsigned long long)s.mem_lower_bound, mem_ratio,
	       (unsigned long long)s.device_bytes, s.slots_device, s.slots);
}

/* --device names a vedge node: the int8 path (run_vedge.c); the vnpu path is not involved. */
static int run_on_vedge(const struct run_opts *o)
{
	bool default_tol = o->rtol == 1e-3 && o->atol == 1e-4;
	struct run_vedge_opts v = {
		.model = o->model, .device = o->device, .data = o->data,
		.calibration = o->calibration, .batch = o->batch,
		/* int8 against a float reference: quantization error, not 1e-3. */
		.rtol = default_tol ? 0.05 : o->rtol, .atol = default_tol ? 0.25 : o->atol,
		.iterations = o->iterations, .json = o->json, .verbose = o->verbose,
	};

	if (o->profile || o->dma_io || o->n_shapes || o->run_flags || o->no_passes) {
		fprintf(stderr, "%s run: %s is a vedge node: no --profile, --dma-io, --shape, "
			"--submit or --no-passes there\n", accel_prog, o->device);
		return RUN_USAGE;
	}
	return run_vedge(&v);
}

static int run_run(int argc, char **argv)
{
	struct run_opts o = { .rtol = 1e-3, .atol = 1e-4 };
	struct run_state st = { 0 };
	json_object *jouts;
	int ret, worst = 0;

	ret = parse_opts(argc, argv, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (o.device && vedge_node_is_vedge(o.device) == 1)
		return run_on_vedge(&o);
	st.jout = json_object_new_object();
	ret = run_load(&st, &o);
	if (ret)
		goto out;
	report_partition(&st, &o);
	ret = run_bind(&st, &o);
	if (ret)
		goto out;
	ret = run_execute(&st, &o);
	if (ret)
		goto out;
	if (o.profile) {
		ret = profile_prepare(&st);
		if (ret) {
			fprintf(stderr, "%s run: profile: %s\n", accel_prog, strerror(-ret));
			ret = RUN_DEVICE;
			goto out;
		}
		ret = run_profile(&st, &o);
		if (ret)
			goto out;
	}
	jouts = json_object_new_array();
	json_object_object_add(st.jout, "outputs", jouts);
	for (unsigned int i = 0; i < accelrt_model_num_outputs(st.model); i++) {
		ret = compare_output(&st, &o, i, jouts);
		if (ret == RUN_USAGE)
			goto out;
		if (ret > worst)
			worst = ret;
	}
	ret = worst;
	json_object_object_add(st.jout, "result", json_object_new_string(ret ? "FAIL" : "PASS"));
	if (o.json)
		puts(json_object_to_json_string_ext(st.jout, JSON_C_TO_STRING_PRETTY));
out:
	run_state_free(&st);
	return ret;
}

const struct accel_cmd accel_cmd_run = {
	.name = "run",
	.summary = "run an ONNX model or a compiled program on the vnpu, check it against test data",
	.run = run_run,
	.usage = run_usage,
};
