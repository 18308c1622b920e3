/* SPDX-License-Identifier: MIT */
/*
 * The compile pipeline every front end uses (accel run, accel compile, benches): import an
 * ONNX model, run the graph passes, lower the graph for the vnpu. One entry so that a model
 * compiles alike whichever tool compiles it. See docs/compiler.md, "accel compile".
 */
#ifndef ACCEL_COMPILER_COMPILE_H
#define ACCEL_COMPILER_COMPILE_H

#include <stdbool.h>
#include <stdint.h>

#include "compiler/codegen_vnpu.h"
#include "compiler/ir.h"
#include "compiler/onnx_import.h"
#include "compiler/shape_infer.h"
#include "compiler/passes/passes.h"

/* The phases of compile_model_file(), in order (compile_phase_name()). */
enum compile_phase {
	COMPILE_PHASE_IMPORT,
	COMPILE_PHASE_PASSES,
	COMPILE_PHASE_CODEGEN,
	COMPILE_NPHASES,
};

/**
 * struct compile_options - how to compile
 * @batch: the value of a symbolic first input dimension (onnx_import_options.batch); 0
 *         leaves it an error
 * @shapes: the static shapes of graph inputs with symbolic dimensions (@n_shapes of them;
 *          onnx_import_options.shapes); NULL: none
 * @n_shapes: the number of @shapes
 * @shapes_from_values: the symbolic dimensions @shapes leaves take the shape of @input_value's
 *          tensor for the input (onnx_import_options.shapes_from_values)
 * @no_passes: skip the graph passes (the graph goes to code generation as imported)
 * @dma_io: I/O-pipelined code generation (codegen_vnpu_options.dma_io)
 * @input_value: known values of graph inputs, bound as constants where a node needs them
 *               constant (onnx_import_options.input_value); NULL: none
 * @input_value_ctx: passed to @input_value
 * @progress: when set, called with each phase as it starts (a front end's progress line)
 * @progress_ctx: passed to @progress
 */
struct compile_options {
	int64_t batch;
	const struct onnx_input_shape *shapes;
	size_t n_shapes;
	bool shapes_from_values;
	bool no_passes;
	bool dma_io;
	ir_input_value_fn input_value;
	void *input_value_ctx;
	void (*progress)(void *ctx, enum compile_phase phase);
	void *progress_ctx;
};

/**
 * struct compile_result - a compiled model
 * @g: the graph as compiled (after the passes); ir_graph_destroy() through compile_result_free()
 * @prog: its vnpu program (compiled from @g: node and tensor indices are @g's)
 * @passes: what the passes did (all zero but the node counts with @no_passes)
 * @ms: milliseconds per phase (enum compile_phase), those not reached 0
 * @failed: on error, the phase that failed
 */
struct compile_result {
	struct ir_graph *g;
	struct vnpu_prog *prog;
	struct ir_pass_report passes;
	double ms[COMPILE_NPHASES];
	enum compile_phase failed;
};

/** compile_phase_name() - "import", "passes", "codegen" */
const char *compile_phase_name(enum compile_phase phase);

/**
 * compile_model_file() - import the model at @path, run every graph pass on it (unless
 * @o->no_passes) and lower it with codegen_vnpu(), profiled (codegen_vnpu_options.profile)
 * @o: options, or NULL for the defaults (batch 0, all passes)
 * @r: the result, zeroed first; on error @r->failed says which phase failed and nothing
 *     needs freeing
 * @err: on error, one line naming the node and op when one is at fault; @err_len its size
 *
 * Return: 0; onnx_import_file()'s errors (-ENOENT, -EINVAL, -EOPNOTSUPP...);
 * ir_passes_run()'s (-ENOMEM); codegen_vnpu()'s (-EOPNOTSUPP for a node nothing runs,
 * -E2BIG, -ENOMEM).
 */
int compile_model_file(const char *path, const struct compile_options *o,
		       struct compile_result *r, char *err, size_t err_len);

/** compile_result_free() - free the graph and program of @r and clear them */
void compile_result_free(struct compile_result *r);

#endif
