// SPDX-License-Identifier: MIT
/*
 * accel run MODEL.onnx|PROGRAM [--data DIR] ... - compile a model for the vnpu (compiler/compile.h:
 * import, passes, codegen; the nodes the vnpu cannot run on host stages) or load a program
 * `accel compile` wrote (compiler/program_file.h), run it through the runtime and compare its
 * outputs with ONNX test data (DIR/input_N.pb, DIR/output_N.pb), of any type the IR has.
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

#include "accel.h"
#include "compiler/codegen_vnpu.h"
#include "compiler/compile.h"
#include "compiler/host_exec.h"
#include "compiler/onnx_import.h"
#include "compiler/program_file.h"
#include "compiler/onnx_tensor.h"
#include "compiler/tensor_compare.h"
#include "runtime/model/model_pack.h"

/* The exit statuses of `accel run` (docs/compiler.md). */
enum {
	RUN_OK = 0,
	RUN_MISMATCH = 1,
	RUN_USAGE = 2,	/* bad usage, unreadable or unsupported model or data */
	RUN_DEVICE = 3,
};

_Static_assert(sizeof(struct vnpu_prog_reloc) == sizeof(struct accelrt_reloc) &&
	       offsetof(struct vnpu_prog_reloc, slot) == offsetof(struct accelrt_reloc, slot) &&
	       offsetof(struct vnpu_prog_reloc, addend) == offsetof(struct accelrt_reloc, addend),
	       "the compiler's relocations are the runtime's");

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
		"  --device NODE     the vnpu to run on (default: the first)\n"
		"  --rtol R          relative tolerance (default 1e-3)\n"
		"  --atol A          absolute tolerance (default 1e-4): |out - ref| <= A + R * |ref|\n"
		"                    (floating types; integers and bools must be equal)\n"
		"  --iterations N    then run N more times and print latency_ms median/min/max\n"
		"  --json            print one JSON object\n"
		"  --no-passes       compile without the graph passes (a model, not a program)\n"
		"  --profile FILE    after the runs, run once more stage by stage and write the time\n"
		"                    of each device stage and of each host node to FILE: JSON lines,\n"
		"                    or CSV when FILE ends in .csv (docs/compiler.md)\n"
		"  --submit Q        kernel (SUBMIT, the default) or uq (the device's user queue)\n"
		"  --help            show this help\n"
		"\n"
		"Exit status: 0 ran (and matched), 1 mismatch, 2 bad usage or unsupported model,\n"
		"3 device error.\n",
		accel_prog, accel_prog);
}

struct run_opts {
	const char *model;
	const char *data;
	const char *device;
	double rtol, atol;
	const char *profile;
	long iterations;
	bool json;
	bool no_passes;
	uint32_t run_flags;	/* ACCELRT_RUN_USER_QUEUE with --submit uq */
};

/* The state of one `accel run`, freed by run_state_free(). */
struct run_state {
	struct ir_graph *g;		/* borrowed from @cr or @pf */
	struct vnpu_prog *prog;
	struct compile_result cr;	/* a model compiled here */
	struct program_file *pf;	/* or a program file loaded */
	struct accelrt_program **stage_progs;	/* --profile: one program per device stage */
	struct accelrt_device *dev;
	struct accelrt_buffer **bufs;
	struct accelrt_program *rtprog;
	struct vnpu_host_stage *hstages;	/* one per stage, the host ones filled in */
	struct onnx_data_set ds;	/* --data's inputs, as the compiler asked for them */
	json_object *jout;
};

static void run_state_free(struct run_state *st)
{
	onnx_data_set_free(&st->ds);
	for (unsigned int i = 0; st->stage_progs && i < st->prog->nstages; i++)
		accelrt_program_free(st->stage_progs[i]);
	free(st->stage_progs);
	accelrt_program_free(st->rtprog);
	free(st->hstages);
	if (st->bufs)
		for (unsigned int i = 0; i < st->prog->nslots; i++)
			accelrt_buffer_free(st->bufs[i]);
	free(st->bufs);
	accelrt_device_close(st->dev);
	compile_result_free(&st->cr);
	program_file_free(st->pf);
	json_object_put(st->jout);
}

static bool parse_double(const char *s, double *v)
{
	char *end;

	errno = 0;
	*v = strtod(s, &end);
	return !errno && end != s && !*end && *v >= 0;
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
		{ "profile", required_argument, NULL, 'p' },
		{ "submit", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char *end;
	int c;

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
			run_usage(stderr);
			return RUN_USAGE;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "%s run: one MODEL expected\n", accel_prog);
		run_usage(stderr);
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
static int load_input(struct run_state *st, const struct run_opts *o, size_t i, void *map)
{
	const struct ir_tensor *want = st->g->tensors[st->g->inputs[i]];
	size_t size = (size_t)ir_tensor_numel(want) * ir_dtype_size(want->dtype);
	struct ir_tensor *t;
	char path[4096], err[512];
	int ret;

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
		onnx_tensor_as_declared(t, want->dtype);
	if (ret) {
		fprintf(stderr, "%s run: %s\n", accel_prog, err);
		return RUN_USAGE;
	}
	if (t->dtype != want->dtype || t->data_size != size) {
		fprintf(stderr, "%s run: %s: a %s tensor of %zu bytes, input '%s' is %s of %zu\n",
			accel_prog, path, ir_dtype_name(t->dtype), t->data_size, want->name,
			ir_dtype_name(want->dtype), size);
		ir_tensor_free(t);
		return RUN_USAGE;
	}
	memcpy(map, t->data, size);
	ir_tensor_free(t);
	return 0;
}

/*
 * Compile the model (compile_model_file(): import, passes, codegen), or load the program file
 * (recognised by its magic) that `accel compile` wrote. An exit status.
 */
static int run_compile(struct run_state *st, const struct run_opts *o)
{
	struct compile_options co = { .no_passes = o->no_passes };
	char err[512] = "";
	int ret;

	/*
	 * With --data, a graph input that a node needs constant (Reshape's shape, Slice's starts,
	 * Resize's scales...) takes its value from DIR/input_N.pb: the model is specialised for
	 * the data it runs on, as a static-shape compiler must (docs/compiler.md).
	 */
	if (o->data) {
		st->ds.dir = o->data;
		co.input_value = onnx_data_set_input;
		co.input_value_ctx = &st->ds;
	}

	if (program_file_is_program(o->model)) {
		if (o->no_passes) {
			fprintf(stderr, "%s run: %s: --no-passes is for models; a program is compiled "
				"already\n", accel_prog, o->model);
			return RUN_USAGE;
		}
		ret = program_file_read(o->model, &st->pf, err, sizeof(err));
		if (!ret) {
			st->g = st->pf->g;
			st->prog = st->pf->prog;
		}
	} else {
		ret = compile_model_file(o->model, &co, &st->cr, err, sizeof(err));
		st->g = st->cr.g;
		st->prog = st->cr.prog;
	}
	if (ret) {
		fprintf(stderr, "%s run: %s: %s\n", accel_prog, o->model, err[0] ? err : strerror(-ret));
		return RUN_USAGE;
	}
	return 0;
}

/*
 * The runtime's program: a device stage per device stage of the compiled program, a host
 * stage (vnpu_host_stage_run(), the compiler's) per host stage.
 */
static int rt_program(struct run_state *st)
{
	const struct vnpu_prog *p = st->prog;
	int ret;

	st->hstages = calloc(p->nstages, sizeof(*st->hstages));
	if (!st->hstages)
		return -ENOMEM;
	ret = accelrt_program_new(st->dev, &st->rtprog);
	for (unsigned int i = 0; i < p->nstages && !ret; i++) {
		const struct vnpu_prog_stage *s = &p->stages[i];

		if (s->host) {
			st->hstages[i] = (struct vnpu_host_stage){ .g = st->g, .p = p, .stage = i };
			ret = accelrt_program_add_host(st->rtprog, vnpu_host_stage_run,
						       &st->hstages[i], p->nslots);
		} else {
			ret = accelrt_program_add_stream(st->rtprog, p->stream + s->offset, s->len,
				(const struct accelrt_reloc *)p->relocs + s->reloc_first, s->nrelocs);
		}
	}
	return ret;
}

/* Print the message of a failed host stage, if one failed. */
static void host_stage_errors(const struct run_state *st)
{
	for (unsigned int i = 0; st->hstages && i < st->prog->nstages; i++)
		if (st->hstages[i].err[0])
			fprintf(stderr, "%s run: host stage %u: %s\n", accel_prog, i,
				st->hstages[i].err);
}

/* Open the device, place every slot in a host-visible buffer, upload constants and inputs. */
static int run_load(struct run_state *st, const struct run_opts *o)
{
	struct vnpu_prog *p = st->prog;
	int ret;

	ret = accelrt_device_open(o->device, &st->dev);
	if (ret) {
		fprintf(stderr, "%s run: %s: %s\n", accel_prog, o->device ? o->device : "first vnpu",
			strerror(-ret));
		return RUN_DEVICE;
	}
	st->bufs = calloc(p->nslots ? p->nslots : 1, sizeof(*st->bufs));
	if (!st->bufs)
		return RUN_DEVICE;
	for (unsigned int i = 0; i < p->nslots; i++) {
		void *map;

		if (p->slots[i].packed)
			continue; /* made by vnpu_prog_pack_slots() below */
		ret = accelrt_buffer_alloc(st->dev, p->slots[i].size, ACCELRT_BUFFER_HOST, &st->bufs[i]);
		if (!ret)
			ret = accelrt_buffer_map(st->bufs[i], &map);
		if (ret) {
			fprintf(stderr, "%s run: buffer of %llu bytes: %s\n", accel_prog,
				(unsigned long long)p->slots[i].size, strerror(-ret));
			return RUN_DEVICE;
		}
		if (p->slots[i].data)
			memcpy(map, p->slots[i].data, p->slots[i].size);
	}
	ret = vnpu_prog_pack_slots(st->dev, p, st->bufs);
	if (ret) {
		fprintf(stderr, "%s run: packing weights: %s\n", accel_prog, strerror(-ret));
		return RUN_DEVICE;
	}
	for (size_t i = 0; i < st->g->n_inputs; i++) {
		void *map;

		accelrt_buffer_map(st->bufs[p->tensor_slot[st->g->inputs[i]]], &map);
		ret = load_input(st, o, i, map);
		if (ret)
			return ret;
	}
	ret = rt_program(st);
	if (ret) {
		fprintf(stderr, "%s run: program: %s\n", accel_prog, strerror(-ret));
		return RUN_DEVICE;
	}
	return 0;
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
	unsigned int nslots = st->prog->nslots;
	double *ms = NULL;
	int ret;

	ret = accelrt_run_sync(st->rtprog, st->bufs, nslots, o->run_flags);
	if (ret)
		goto fail;
	if (!o->iterations)
		return 0;
	ms = calloc((size_t)o->iterations, sizeof(*ms));
	if (!ms)
		return RUN_DEVICE;
	for (long i = 0; i < o->iterations; i++) {
		double t0 = now_ms();

		ret = accelrt_run_sync(st->rtprog, st->bufs, nslots, o->run_flags);
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
static int compare_output(struct run_state *st, const struct run_opts *o, size_t i,
			  json_object *jouts)
{
	const struct ir_tensor *got = st->g->tensors[st->g->outputs[i]];
	size_t numel = (size_t)ir_tensor_numel(got);
	struct tensor_compare_result r;
	struct ir_tensor *ref;
	char path[4096], err[512];
	void *map;
	int ret;

	if (!o->data || data_path(path, sizeof(path), o->data, "output", i) || access(path, F_OK))
		return 0;
	ret = onnx_tensor_read_file(path, &ref, err, sizeof(err));
	if (!ret)
		onnx_tensor_as_declared(ref, got->dtype);
	if (ret) {
		fprintf(stderr, "%s run: %s\n", accel_prog, err);
		return RUN_USAGE;
	}
	accelrt_buffer_map(st->bufs[st->prog->tensor_slot[st->g->outputs[i]]], &map);
	ret = tensor_compare(ref, got->dtype, map, numel, o->rtol, o->atol, &r);
	if (ret) {
		fprintf(stderr, "%s run: %s: %s tensor of %lld elements, output '%s' is %s of %zu\n",
			accel_prog, path, ir_dtype_name(ref->dtype), (long long)ir_tensor_numel(ref),
			got->name, ir_dtype_name(got->dtype), numel);
		ir_tensor_free(ref);
		return RUN_USAGE;
	}
	ir_tensor_free(ref);
	if (o->json) {
		json_object *jo = json_object_new_object();

		json_object_object_add(jo, "name", json_object_new_string(got->name));
		json_object_object_add(jo, "type", json_object_new_string(ir_dtype_name(got->dtype)));
		json_object_object_add(jo, "max_abs_err", json_object_new_double(r.max_abs));
		json_object_object_add(jo, "max_rel_err", json_object_new_double(r.max_rel));
		json_object_object_add(jo, "mismatches", json_object_new_int64((int64_t)r.mismatches));
		json_object_object_add(jo, "result",
				       json_object_new_string(r.mismatches ? "FAIL" : "PASS"));
		json_object_array_add(jouts, jo);
	} else {
		printf("output %zu '%s': max_abs_err=%.3g max_rel_err=%.3g mismatches=%zu %s\n", i,
		       got->name, r.max_abs, r.max_rel, r.mismatches, r.mismatches ? "FAIL" : "PASS");
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

/* One record of the profile: a device stage (@node NULL) or one node of a host stage. */
static void profile_record(FILE *f, bool csv, unsigned int stage, const struct ir_node *node,
			   size_t stream_bytes, double ms)
{
	json_object *j;

	if (csv) {
		fprintf(f, "%u,%s,", stage, node ? "host" : "device");
		csv_field(f, node ? node->name : "");
		fputc(',', f);
		csv_field(f, node ? node->op_type : "");
		fprintf(f, ",%zu,%.6f\n", stream_bytes, ms);
		return;
	}
	j = json_object_new_object();
	json_object_object_add(j, "stage", json_object_new_int64(stage));
	json_object_object_add(j, "kind", json_object_new_string(node ? "host" : "device"));
	json_object_object_add(j, "node", node ? json_object_new_string(node->name) : NULL);
	json_object_object_add(j, "op", node ? json_object_new_string(node->op_type) : NULL);
	json_object_object_add(j, "stream_bytes", json_object_new_int64((int64_t)stream_bytes));
	json_object_object_add(j, "ms", json_object_new_double(ms));
	fprintf(f, "%s\n", json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN));
	json_object_put(j);
}

/*
 * --profile: one more run, stage by stage: each device stage submitted alone and timed from
 * the host (the stream carries no per-node timestamps), each node of a host stage run by its
 * host kernel and timed on its own. The same stages in the same order as a run, on the same
 * slots, so the outputs are those of a run.
 */
static int run_profile(struct run_state *st, const struct run_opts *o)
{
	const struct vnpu_prog *p = st->prog;
	size_t plen = strlen(o->profile);
	bool csv = plen >= 4 && !strcmp(o->profile + plen - 4, ".csv");
	void **maps = calloc(p->nslots ? p->nslots : 1, sizeof(*maps));
	char err[256] = "";
	int ret = 0;
	FILE *f;

	if (!maps)
		return RUN_DEVICE;
	for (unsigned int i = 0; i < p->nslots; i++)
		accelrt_buffer_map(st->bufs[i], &maps[i]);
	f = fopen(o->profile, "w");
	if (!f) {
		fprintf(stderr, "%s run: %s: %s\n", accel_prog, o->profile, strerror(errno));
		free(maps);
		return RUN_USAGE;
	}
	if (csv)
		fprintf(f, "stage,kind,node,op,stream_bytes,ms\n");
	for (unsigned int i = 0; i < p->nstages && !ret; i++) {
		const struct vnpu_prog_stage *s = &p->stages[i];
		double t0 = now_ms();

		if (!s->host) {
			ret = accelrt_run_sync(st->stage_progs[i], st->bufs, p->nslots, 0);
			profile_record(f, csv, i, NULL, s->len, now_ms() - t0);
			continue;
		}
		for (size_t k = 0; k < s->n_nodes && !ret; k++) {
			t0 = now_ms();
			ret = host_exec_nodes(st->g, &s->nodes[k], 1, p->tensor_slot,
					      p->tensor_offset, maps, p->nslots, err, sizeof(err));
			profile_record(f, csv, i, st->g->nodes[s->nodes[k]], 0, now_ms() - t0);
		}
	}
	free(maps);
	if (fclose(f) && !ret) {
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
static double device_share(const struct vnpu_prog *p)
{
	double total = p->flops_device + p->flops_host;

	return total > 0 ? p->flops_device / total : 1.0;
}

/* The graph inputs the compiler bound to their --data values (run_compile()). */
static void report_bound_inputs(const struct run_state *st, const struct run_opts *o)
{
	json_object *names = json_object_new_array();

	for (size_t i = 0; !st->pf && i < st->g->n_inputs; i++) {
		const struct ir_tensor *t = st->g->tensors[st->g->inputs[i]];

		if (!t->data)
			continue;
		json_object_array_add(names, json_object_new_string(t->name));
		if (!o->json)
			printf("input %zu '%s': bound to its --data value (the program is specialised "
			       "for it)\n", i, t->name);
	}
	json_object_object_add(st->jout, "bound_inputs", names);
}

/* What ran where: the node counts, the stages and the device's share of the FLOPs. */
static void report_partition(const struct run_state *st, const struct run_opts *o)
{
	const struct vnpu_prog *p = st->prog;
	unsigned int host_stages = 0;
	/*
	 * The nodes compiled: a program's graph, read back from its ONNX bytes, lacks the nodes
	 * the importer folded into constants, so a program counts what its file recorded.
	 */
	size_t nodes = st->pf ? (size_t)st->pf->meta.nodes_after : st->g->n_nodes;
	json_object *j = st->jout, *mem;
	/* Planned arena bytes over the liveness bound (1 with no intermediates). */
	double mem_ratio = p->mem_lower_bound ? (double)p->mem_peak / (double)p->mem_lower_bound : 1.0;

	for (unsigned int i = 0; i < p->nstages; i++)
		host_stages += p->stages[i].host;
	json_object_object_add(j, "model", json_object_new_string(o->model));
	json_object_object_add(j, "nodes", json_object_new_int64((int64_t)nodes));
	json_object_object_add(j, "device_nodes", json_object_new_int64(p->n_nodes_device));
	json_object_object_add(j, "host_nodes", json_object_new_int64(p->n_nodes_host));
	json_object_object_add(j, "alias_nodes", json_object_new_int64(p->n_nodes_alias));
	json_object_object_add(j, "constant_nodes", json_object_new_int64(p->n_nodes_const));
	json_object_object_add(j, "packets", json_object_new_int64(p->n_packets));
	json_object_object_add(j, "device_stages", json_object_new_int64(p->nstages - host_stages));
	json_object_object_add(j, "host_stages", json_object_new_int64(host_stages));
	json_object_object_add(j, "device_flops", json_object_new_double(p->flops_device));
	json_object_object_add(j, "host_flops", json_object_new_double(p->flops_host));
	json_object_object_add(j, "device_flops_share", json_object_new_double(device_share(p)));
	report_bound_inputs(st, o);
	mem = json_object_new_object();
	json_object_object_add(mem, "intermediates_peak", json_object_new_int64((int64_t)p->mem_peak));
	json_object_object_add(mem, "lower_bound", json_object_new_int64((int64_t)p->mem_lower_bound));
	json_object_object_add(mem, "ratio", json_object_new_double(mem_ratio));
	json_object_object_add(j, "memory", mem);
	if (o->json)
		return;
	printf("model %s: %zu nodes, %u on the device, %u on the host, %u aliases, %u constants; "
	       "%u packets\n", o->model, nodes, p->n_nodes_device, p->n_nodes_host,
	       p->n_nodes_alias, p->n_nodes_const, p->n_packets);
	printf("stages: %u on the device, %u on the host; device FLOPs share %.1f%% "
	       "(%.6g of %.6g)\n", p->nstages - host_stages, host_stages, 100 * device_share(p),
	       p->flops_device, p->flops_device + p->flops_host);
	printf("memory: intermediates peak=%llu lower_bound=%llu (ratio %.3f)\n",
	       (unsigned long long)p->mem_peak, (unsigned long long)p->mem_lower_bound, mem_ratio);
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
	st.jout = json_object_new_object();
	ret = run_compile(&st, &o);
	if (ret)
		goto out;
	report_partition(&st, &o);
	ret = run_load(&st, &o);
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
	for (size_t i = 0; i < st.g->n_outputs; i++) {
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
