// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the ONNX reader (compiler/onnx_import.h). Each input is a model file's
 * bytes: protobuf-c's parser, then every check of the reader and the shape inference. External
 * data is refused (no model directory), so an input never reads a file. Any return is fine; a
 * crash, a leak, undefined behaviour, or an error without a message is not. A model it accepts
 * must also export and read back (compiler/onnx_export.h), run on the host interpreter
 * (compiler/host_exec.h) without a fault, and go through the passes and the vnpu code
 * generator (which may refuse it, cleanly).
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "compiler/codegen_vnpu.h"
#include "compiler/host_exec.h"
#include "compiler/onnx_export.h"
#include "compiler/onnx_import.h"
#include "compiler/passes/passes.h"

/* Graphs whose values take more than this are imported but not run on the host. */
#define FUZZ_EXEC_MAX_BYTES (16u << 20)

/* The passes, then code generation: any refusal is fine if it says why. */
static void check_lowering(struct ir_graph *g)
{
	struct vnpu_prog *p = NULL;
	char err[512] = "";
	int ret;

	if (ir_passes_run(g, NULL, NULL, err, sizeof(err)))
		return;
	ret = codegen_vnpu(g, &p, err, sizeof(err));
	if (ret > 0 || (ret == 0) != (p != NULL) || (ret && ret != -ENOMEM && !err[0]))
		abort();
	codegen_vnpu_free(p);
}

/*
 * Every graph the reader accepts must export, read back, and run on the host interpreter
 * without a crash (a kernel may refuse a node; it may not fault). Inputs are zeros.
 */
static void check_accepted(struct ir_graph *g)
{
	struct host_values v;
	struct ir_graph *back = NULL;
	uint64_t bytes = 0;
	void **inputs;
	char err[512];
	size_t len;
	void *buf;

	if (onnx_export_buffer(g, &buf, &len))
		abort();
	if (onnx_import_buffer(buf, len, NULL, NULL, &back, err, sizeof(err)) || !back)
		abort();
	free(buf);
	ir_graph_destroy(back);
	for (size_t t = 0; t < g->n_tensors; t++)
		bytes += (uint64_t)ir_tensor_numel(g->tensors[t]) * ir_dtype_size(g->tensors[t]->dtype);
	if (bytes > FUZZ_EXEC_MAX_BYTES || host_values_create(g, &v))
		return;
	inputs = calloc(g->n_inputs + 1, sizeof(*inputs));
	for (size_t i = 0; inputs && i < g->n_inputs; i++) {
		const struct ir_tensor *t = g->tensors[g->inputs[i]];

		inputs[i] = calloc(1, (size_t)ir_tensor_numel(t) * ir_dtype_size(t->dtype) + 1);
		v.ptr[g->inputs[i]] = inputs[i];
	}
	if (inputs)
		host_exec_graph(g, &v, err, sizeof(err));
	for (size_t i = 0; inputs && i < g->n_inputs; i++)
		free(inputs[i]);
	free(inputs);
	host_values_free(&v);
	check_lowering(g);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* A symbolic batch resolved, to reach the inference of more models. */
	struct onnx_import_options opts = { .batch = 2 };
	struct ir_graph *g = NULL;
	char err[512];
	int ret;

	ret = onnx_import_buffer(data, size, NULL, &opts, &g, err, sizeof(err));
	if (ret == 0) {
		if (!g)
			abort();
		check_accepted(g);
		ir_graph_destroy(g);
	} else if (ret > 0 || g || (ret != -ENOMEM && !err[0])) {
		abort();
	}
	return 0;
}
