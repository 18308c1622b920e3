// SPDX-License-Identifier: MIT
/*
 * accel compile MODEL.onnx -o PROGRAM - compile a model for the vnpu (compiler/compile.h) and
 * write the program file (compiler/program_file.h) that `accel run PROGRAM` runs without
 * compiling again; report what the compile did. With --quantize int8 --calibration DIR:
 * quantize the model (compiler/passes/quantize.h) and write the int8 graph as ONNX.
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
#include "compiler/compile.h"
#include "compiler/onnx_export.h"
#include "compiler/onnx_tensor.h"
#include "compiler/passes/quantize.h"
#include "compiler/program_file.h"
#include "compile_vedge.h"
#include "runtime/model/model_vedge.h"

/* The exit statuses of `accel compile` (docs/compiler.md). */
enum {
	COMPILE_OK = 0,
	COMPILE_FAIL = 1,	/* the program could not be written */
	COMPILE_USAGE = 2,	/* bad usage, unreadable or unsupported model */
	COMPILE_DEVICE = 3,
};

static void compile_usage(FILE *out)
{
	fprintf(out,
		"usage: %s compile [options] MODEL.onnx -o PROGRAM\n"
		"       %s compile --quantize int8 --calibration DIR [options] MODEL.onnx -o OUT.onnx\n"
		"\n"
		"Compile an ONNX model for the vnpu (import, graph passes, code generation) and write\n"
		"the program to PROGRAM, which '%s run PROGRAM' runs without compiling again.\n"
		"Prints the time of each phase, the nodes before and after the passes and what they\n"
		"did, the partition (device and host nodes, the device's share of the FLOPs) and the\n"
		"memory of the slots.\n"
		"\n"
		"  -o, --output FILE  the program file to write (required)\n"
		"  --device NODE      check that NODE is a vnpu to compile for and that the model's\n"
		"                     device memory fits its VRAM (default: compile for the vnpu\n"
		"                     without opening one)\n"
		"  --batch N          the value of a symbolic first input dimension\n"
		"  --no-passes        skip the graph passes\n"
		"  --dma-io           I/O pipelining: DMA-in, compute, DMA-out stages chained by\n"
		"                     semaphores (a model of one device stage)\n"
		"  --json             print one JSON object\n"
		"  --quantize int8    post-training static quantization instead of a vnpu program:\n"
		"                     run the float model on the host over the calibration set,\n"
		"                     record each activation's range, and write the int8 graph\n"
		"                     (QuantizeLinear, QLinearConv, QLinearMatMul, DequantizeLinear;\n"
		"                     docs/compiler.md, \"Quantization\") as ONNX to OUT.onnx\n"
		"  --calibration DIR  the calibration set: DIR/input_N.pb (one sample) or\n"
		"                     DIR/*/input_N.pb (test_data_set_0, ...; one sample each);\n"
		"                     a symbolic input dimension takes the first sample's.\n"
		"                     int8 QLinearConv/QLinearMatMul nodes already in the model\n"
		"                     that the device runs exactly are kept, in its fixed point\n"
		"  --verbose          with a vedge --device: every job of the tiling plan\n"
		"  --help             show this help\n"
		"\n"
		"With --device naming a vedge node, the model is quantized (--calibration DIR, or\n"
		"its own test_data_set_N inputs) and compiled for the node's DMA mode and SRAM;\n"
		"OUT gets the int8 graph and the plan is printed (docs/compiler.md, \"vedge code\n"
		"generation\").\n"
		"\n"
		"examples:\n"
		"  %s compile models/fashion_mnist/model.onnx -o fashion.accelprg\n"
		"  %s compile --batch 8 --device accel1 --json model.onnx -o model.accelprg\n"
		"\n"
		"Exit status: 0 written, 1 the file could not be written, 2 bad usage or an\n"
		"unreadable or unsupported model, 3 device error.\n",
		accel_prog, accel_prog, accel_prog, accel_prog, accel_prog);
}

struct compile_opts {
	const char *model;
	const char *output;
	const char *device;
	int64_t batch;
	bool no_passes;
	bool dma_io;
	bool json;
	const char *quantize;
	const char *calibration;
	bool verbose;		/* --verbose: the vedge plan's jobs */
	bool vedge;		/* --device is a vedge node */
};

static int parse_opts(int argc, char **argv, struct compile_opts *o)
{
	static const struct option opts[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "device", required_argument, NULL, 'D' },
		{ "batch", required_argument, NULL, 'b' },
		{ "no-passes", no_argument, NULL, 'n' },
		{ "dma-io", no_argument, NULL, 'I' },
		{ "json", no_argument, NULL, 'j' },
		{ "quantize", required_argument, NULL, 'q' },
		{ "calibration", required_argument, NULL, 'C' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char *end;
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, "ho:", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case 'D':
			o->device = optarg;
			break;
		case 'b':
			errno = 0;
			o->batch = strtoll(optarg, &end, 10);
			if (errno || end == optarg || *end || o->batch < 1 || o->batch > (1 << 20)) {
				fprintf(stderr, "%s compile: bad batch '%s'\n", accel_prog, optarg);
				return COMPILE_USAGE;
			}
			break;
		case 'n':
			o->no_passes = true;
			break;
		case 'I':
			o->dma_io = true;
			break;
		case 'j':
			o->json = true;
			break;
		case 'q':
			if (strcmp(optarg, "int8")) {
				fprintf(stderr, "%s compile: --quantize: only int8\n", accel_prog);
				return COMPILE_USAGE;
			}
			o->quantize = optarg;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'C':
			o->calibration = optarg;
			break;
		case 'h':
			compile_usage(stdout);
			return -1;
		default:
			/* One line naming the option: the usage is for --help. */
			if (optopt)
				fprintf(stderr, "%s compile: unknown option '-%c' or it lacks its value (see '%s compile --help')\n",
					accel_prog, optopt, accel_prog);
			else
				fprintf(stderr, "%s compile: unknown option '%s' or it lacks its value (see '%s compile --help')\n",
					accel_prog, argv[optind - 1], accel_prog);
			return COMPILE_USAGE;
		}
	}
	if (optind != argc - 1 || !o->output) {
		fprintf(stderr, "%s compile: %s (see '%s compile --help')\n", accel_prog,
			optind != argc - 1 ? "one MODEL expected" : "-o PROGRAM is required",
			accel_prog);
		return COMPILE_USAGE;
	}
	o->vedge = o->device && !o->quantize && vedge_node_is_vedge(o->device) == 1;
	if (!o->vedge &&
	    (!o->quantize != !o->calibration || (o->quantize && (o->dma_io || o->device)))) {
		fprintf(stderr, "%s compile: %s\n", accel_prog,
			o->quantize && (o->dma_io || o->device)
			? "--quantize writes an ONNX graph: no --dma-io or --device"
			: "--quantize and --calibration go together");
		return COMPILE_USAGE;
	}
	o->model = argv[optind];
	return 0;
}

/* Progress on a terminal: the phase being run, overwritten by the next. */
static void progress(void *ctx, enum compile_phase phase)
{
	(void)ctx;
	fprintf(stderr, "\r%s compile: %-8s", accel_prog, compile_phase_name(phase));
	fflush(stderr);
}

static double share(double part, double total)
{
	return total > 0 ? part / total : 1.0;
}

/* The report of a compile: phases, passes, partition, memory. */
static json_object *report(const struct compile_opts *o, const struct compile_result *r,
			   double write_ms, size_t file_bytes)
{
	const struct vnpu_prog *p = r->prog;
	const struct ir_pass_report *pr = &r->passes;
	json_object *j = json_object_new_object(), *ms = json_object_new_object();
	json_object *passes = json_object_new_object();
	unsigned int host_stages = 0;
	uint64_t slot_bytes = 0, const_bytes = 0;
	uint64_t device_bytes = accelrt_model_device_bytes(p, r->g);

	for (unsigned int i = 0; i < p->nstages; i++)
		host_stages += p->stages[i].host;
	for (unsigned int i = 0; i < p->nslots; i++) {
		slot_bytes += p->slots[i].size;
		if (p->slots[i].data)
			const_bytes += p->slots[i].size;
	}
	json_object_object_add(j, "model", json_object_new_string(o->model));
	json_object_object_add(j, "program", json_object_new_string(o->output));
	json_object_object_add(j, "program_bytes", json_object_new_int64((int64_t)file_bytes));
	json_object_object_add(j, "batch", json_object_new_int64(o->batch));
	for (int ph = 0; ph < COMPILE_NPHASES; ph++)
		json_object_object_add(ms, compile_phase_name(ph), json_object_new_double(r->ms[ph]));
	json_object_object_add(ms, "write", json_object_new_double(write_ms));
	json_object_object_add(j, "compile_ms", ms);
	json_object_object_add(passes, "enabled", json_object_new_boolean(!o->no_passes));
	json_object_object_add(passes, "nodes_before", json_object_new_int64(pr->nodes_before));
	json_object_object_add(passes, "nodes_after", json_object_new_int64(pr->nodes_after));
	json_object_object_add(passes, "nodes_removed", json_object_new_int64(pr->nodes_removed));
	json_object_object_add(passes, "batchnorms_folded",
			       json_object_new_int64(pr->batchnorms_folded));
	json_object_object_add(passes, "matmul_adds_fused",
			       json_object_new_int64(pr->matmul_adds_fused));
	json_object_object_add(passes, "activations_fused",
			       json_object_new_int64(pr->activations_fused));
	json_object_object_add(passes, "initializers_removed",
			       json_object_new_int64(pr->initializers_removed));
	json_object_object_add(j, "passes", passes);
	json_object_object_add(j, "device_nodes", json_object_new_int64(p->n_nodes_device));
	json_object_object_add(j, "host_nodes", json_object_new_int64(p->n_nodes_host));
	json_object_object_add(j, "alias_nodes", json_object_new_int64(p->n_nodes_alias));
	json_object_object_add(j, "constant_nodes", json_object_new_int64(p->n_nodes_const));
	json_object_object_add(j, "packets", json_object_new_int64(p->n_packets));
	json_object_object_add(j, "device_stages", json_object_new_int64(p->nstages - host_stages));
	json_object_object_add(j, "host_stages", json_object_new_int64(host_stages));
	json_object_object_add(j, "device_flops", json_object_new_double(p->flops_device));
	json_object_object_add(j, "host_flops", json_object_new_double(p->flops_host));
	json_object_object_add(j, "device_flops_share",
			       json_object_new_double(share(p->flops_device,
							    p->flops_device + p->flops_host)));
	json_object_object_add(j, "slots", json_object_new_int64(p->nslots));
	json_object_object_add(j, "slot_bytes", json_object_new_int64((int64_t)slot_bytes));
	json_object_object_add(j, "constant_bytes", json_object_new_int64((int64_t)const_bytes));
	json_object_object_add(j, "device_bytes", json_object_new_int64((int64_t)device_bytes));
	if (o->json)
		return j;
	printf("compile %s -> %s (%zu bytes)\n", o->model, o->output, file_bytes);
	printf("time_ms import=%.3f passes=%.3f codegen=%.3f write=%.3f\n",
	       r->ms[COMPILE_PHASE_IMPORT], r->ms[COMPILE_PHASE_PASSES],
	       r->ms[COMPILE_PHASE_CODEGEN], write_ms);
	printf("passes%s: %zu nodes -> %zu; %zu removed, %zu batchnorms folded, "
	       "%zu matmul+add fused, %zu activations fused\n", o->no_passes ? " (off)" : "",
	       pr->nodes_before, pr->nodes_after, pr->nodes_removed, pr->batchnorms_folded,
	       pr->matmul_adds_fused, pr->activations_fused);
	printf("partition: %u on the device, %u on the host, %u aliases, %u constants; %u packets; "
	       "stages: %u on the device, %u on the host; device FLOPs share %.1f%% "
	       "(%.6g of %.6g)\n", p->n_nodes_device, p->n_nodes_host, p->n_nodes_alias,
	       p->n_nodes_const, p->n_packets, p->nstages - host_stages, host_stages,
	       100 * share(p->flops_device, p->flops_device + p->flops_host), p->flops_device,
	       p->flops_device + p->flops_host);
	printf("memory: %u slots, %llu bytes (%llu of constants); %llu bytes of device memory\n",
	       p->nslots, (unsigned long long)slot_bytes, (unsigned long long)const_bytes,
	       (unsigned long long)device_bytes);
	return j;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

#define MIB (1ull << 20)

/*
 * Whether the compiled model fits the VRAM of --device (@vram bytes), as accelrt_model_load()
 * will check when it loads: no use writing a program that device refuses. An exit status.
 */
static int check_device_memory(const struct compile_opts *o, const struct compile_result *r,
			       uint64_t vram)
{
	uint64_t need = accelrt_model_device_bytes(r->prog, r->g);

	if (need <= vram)
		return COMPILE_OK;
	fprintf(stderr, "%s compile: %s: model needs %llu MiB of device memory, %s has %llu MiB\n",
		accel_prog, o->model, (unsigned long long)((need + MIB - 1) / MIB), o->device,
		(unsigned long long)(vram / MIB));
	return COMPILE_USAGE;
}

/* The quantization's report, as text or into @j. */
static void quantize_report(const struct compile_opts *o, size_t runs,
			    const struct quantize_report *qr, size_t given, json_object *j)
{
	if (!o->json) {
		printf("quantize %s -> %s: int8, %zu calibration runs\n", o->model, o->output, runs);
		printf("int8: %zu layers (QLinearConv, QLinearMatMul), %zu pass-through nodes; "
		       "%zu QuantizeLinear, %zu DequantizeLinear; %zu nodes left in float\n",
		       qr->quantized, qr->passthrough, qr->quantize_nodes, qr->dequantize_nodes,
		       qr->float_nodes);
		if (given)
			printf("int8: %zu QLinear nodes of the model taken as given, in fixed point\n",
			       given);
		return;
	}
	json_object_object_add(j, "model", json_object_new_string(o->model));
	json_object_object_add(j, "output", json_object_new_string(o->output));
	json_object_object_add(j, "quantize", json_object_new_string(o->quantize));
	json_object_object_add(j, "calibration_runs", json_object_new_int64((int64_t)runs));
	json_object_object_add(j, "quantized_layers", json_object_new_int64((int64_t)qr->quantized));
	json_object_object_add(j, "passthrough_nodes",
			       json_object_new_int64((int64_t)qr->passthrough));
	json_object_object_add(j, "quantize_nodes",
			       json_object_new_int64((int64_t)qr->quantize_nodes));
	json_object_object_add(j, "dequantize_nodes",
			       json_object_new_int64((int64_t)qr->dequantize_nodes));
	json_object_object_add(j, "float_nodes", json_object_new_int64((int64_t)qr->float_nodes));
	json_object_object_add(j, "qlinear_taken_as_given", json_object_new_int64((int64_t)given));
	puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY));
}

/*
 * --quantize int8: import (shapes from the first sample where symbolic), the graph passes,
 * calibration over every sample, the rewrite, the ONNX export. An exit status.
 */
static int quantize_run(const struct compile_opts *o)
{
	struct onnx_import_options io = { .batch = o->batch, .shapes_from_values = true };
	struct onnx_data_set first = { 0 };
	struct quant_calibration cal = { 0 };
	struct quantize_report qr;
	struct ir_graph *g = NULL;
	char **samples = NULL, err[512] = "";
	size_t n_samples = 0, given = 0;
	json_object *j;
	int ret;

	ret = quant_calibration_list(o->calibration, &samples, &n_samples);
	if (ret) {
		fprintf(stderr, "%s compile: %s: %s\n", accel_prog, o->calibration,
			ret == -ENOENT ? "no input_0.pb in it or its subdirectories" : strerror(-ret));
		return COMPILE_USAGE;
	}
	first.dir = samples[0];
	io.input_value = onnx_data_set_input;
	io.input_value_ctx = &first;
	ret = onnx_import_file(o->model, &io, &g, err, sizeof(err));
	if (!ret && !o->no_passes)
		ret = ir_passes_run(g, NULL, NULL, err, sizeof(err));
	if (!ret)
		ret = quant_calibration_init(g, &cal);
	for (size_t i = 0; !ret && i < n_samples; i++)
		ret = quant_calibrate_sample(g, &cal, samples[i], err, sizeof(err));
	if (!ret)
		ret = ir_pass_quantize(g, &cal, &qr, err, sizeof(err));
	/* The model's own QLinear nodes (ours are marked already) as the device computes them. */
	if (!ret)
		ret = ir_pass_quant_fixed_point(g, &given);
	if (ret) {
		fprintf(stderr, "%s compile: %s: %s\n", accel_prog, o->model,
			err[0] ? err : strerror(-ret));
		ret = ret == -ENOMEM ? COMPILE_FAIL : COMPILE_USAGE;
		goto out;
	}
	ret = onnx_export_file(g, o->output);
	if (ret) {
		fprintf(stderr, "%s compile: %s: %s\n", accel_prog, o->output, strerror(-ret));
		ret = COMPILE_FAIL;
		goto out;
	}
	j = json_object_new_object();
	quantize_report(o, cal.runs, &qr, given, j);
	json_object_put(j);
	ret = COMPILE_OK;
out:
	quant_calibration_free(&cal);
	onnx_data_set_free(&first);
	quant_calibration_list_free(samples, n_samples);
	ir_graph_destroy(g);
	return ret;
}

static int compile_run(int argc, char **argv)
{
	struct compile_opts o = { 0 };
	struct compile_options co = { 0 };
	struct compile_result r;
	struct program_file_meta meta;
	bool tty = isatty(STDERR_FILENO), written;
	char err[512] = "";
	size_t file_bytes = 0;
	double t0, write_ms;
	uint64_t vram = 0;
	void *buf = NULL;
	json_object *j;
	FILE *f;
	int ret;

	ret = parse_opts(argc, argv, &o);
	if (ret)
		return ret < 0 ? 0 : ret;
	if (o.quantize)
		return quantize_run(&o);
	if (o.vedge) {
		struct compile_vedge_opts v = {
			.model = o.model, .output = o.output, .device = o.device,
			.calibration = o.calibration, .batch = o.batch, .json = o.json,
			.verbose = o.verbose,
		};

		return compile_vedge(&v);
	}
	if (o.device) {
		/* Compile for that device: refuse a node that is no vnpu before compiling. */
		struct accelrt_device *dev;

		ret = accelrt_device_open(o.device, &dev);
		if (ret) {
			fprintf(stderr, "%s compile: %s: %s\n", accel_prog, o.device,
				ret == -ENODEV ? "not a vnpu" : strerror(-ret));
			return COMPILE_DEVICE;
		}
		vram = accelrt_device_vram_size(dev);
		accelrt_device_close(dev);
	}
	co.batch = o.batch;
	co.no_passes = o.no_passes;
	co.dma_io = o.dma_io;
	if (tty)
		co.progress = progress;
	ret = compile_model_file(o.model, &co, &r, err, sizeof(err));
	if (tty)
		fprintf(stderr, "\r%*s\r", 40, "");
	if (ret) {
		fprintf(stderr, "%s compile: %s: %s: %s\n", accel_prog, o.model,
			compile_phase_name(r.failed), err[0] ? err : strerror(-ret));
		return ret == -ENOMEM ? COMPILE_FAIL : COMPILE_USAGE;
	}
	if (o.device) {
		ret = check_device_memory(&o, &r, vram);
		if (ret)
			goto out;
	}
	meta = (struct program_file_meta){
		.batch = o.batch,
		.flags = o.no_passes ? 0 : PROGRAM_FILE_FLAG_PASSES,
		.nodes_before = r.passes.nodes_before,
		.nodes_after = r.passes.nodes_after,
	};
	t0 = now_ms();
	ret = program_file_encode(r.g, r.prog, &meta, &buf, &file_bytes, err, sizeof(err));
	if (ret) {
		fprintf(stderr, "%s compile: %s: %s\n", accel_prog, o.model, err);
		ret = COMPILE_FAIL;
		goto out;
	}
	f = fopen(o.output, "wb");
	written = f && fwrite(buf, 1, file_bytes, f) == file_bytes;
	/* fclose() always, and only once; either failure loses the file. */
	if (f && fclose(f))
		written = false;
	if (!written) {
		fprintf(stderr, "%s compile: %s: %s\n", accel_prog, o.output, strerror(errno));
		unlink(o.output);
		ret = COMPILE_FAIL;
		goto out;
	}
	write_ms = now_ms() - t0;
	j = report(&o, &r, write_ms, file_bytes);
	if (o.json)
		puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY));
	json_object_put(j);
	ret = COMPILE_OK;
out:
	free(buf);
	compile_result_free(&r);
	return ret;
}

const struct accel_cmd accel_cmd_compile = {
	.name = "compile",
	.summary = "compile an ONNX model for the vnpu into a program file",
	.run = compile_run,
	.usage = compile_usage,
};
