/* SPDX-License-Identifier: MIT */
/**
 * DOC: accelrt_model - compiled models on a device
 *
 * The layer between the compiler (compiler/: ONNX import, passes, codegen for the vnpu,
 * program files) and the runtime (accelrt.h): a model is an ONNX file compiled at load, or a
 * program file `accel compile` wrote, placed on one device. Its constants are uploaded once
 * and shared; each set of bindings holds the buffers one inference writes (the graph's inputs
 * and outputs, the arena of intermediates...), so that as many inferences as there are
 * bindings may be in flight together. A run is an accelrt run: accelrt_run_wait(),
 * accelrt_run_sync_file() and accelrt_run_free() apply to it.
 *
 * Placement: a slot that the caller maps (a graph input or output) or that a host stage
 * touches is host-visible memory; every other slot, the constants included, is in the
 * device's memory (VRAM), which the CPU cannot map; constants reach it by DMA from a staging
 * buffer. docs/runtime.md, "Models", describes the model.
 *
 * Every function that can fail returns 0 or a negative errno. A model may be used from
 * several threads; one bindings by one inference at a time.
 */
#ifndef ACCELRT_MODEL_H
#define ACCELRT_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <accelrt.h>

#ifdef __cplusplus
extern "C" {
#endif

struct accelrt_model;
struct accelrt_model_bindings;
struct ir_graph;
struct ir_tensor;
struct vnpu_prog;

/* Where accelrt_model_load() failed (struct accelrt_model_options, @failed). */
enum accelrt_model_phase {
	/* Reading or compiling the model, or the model does not fit the device. */
	ACCELRT_MODEL_PHASE_MODEL,
	/* Allocating, uploading or building the program on the device. */
	ACCELRT_MODEL_PHASE_DEVICE,
};

/**
 * struct accelrt_model_shape - the static shape an ONNX model's input is compiled for
 * @name: the input's name; @rank: the number of @dims, the model's rank for that input
 * @dims: every dimension (>= 1); those the model declares static must be given their value
 */
struct accelrt_model_shape {
	const char *name;
	int rank;
	const int64_t *dims;
};

/**
 * struct accelrt_model_options - how to load a model
 * @batch: the value of a symbolic first input dimension of an ONNX model (0: none); for a
 *	program file, 0 or the batch it was compiled with
 * @shapes: the shapes of an ONNX model's inputs with symbolic dimensions (@n_shapes of
 *	them), before @batch; a wrong name, rank or dimension is -EINVAL. Not for a program file.
 * @n_shapes: the number of @shapes
 * @shapes_from_values: the symbolic dimensions @shapes leaves take the dimensions of the
 *	tensor @input_value gives for the input (a test's data). Only for an ONNX model.
 * @no_passes: compile an ONNX model without the graph passes (not for a program file)
 * @dma_io: compile an ONNX model with I/O pipelining (docs/compiler.md, `--dma-io`): DMA-in,
 *	compute and DMA-out jobs chained by semaphores; a program file carries its own mode
 * @input_value: known values of graph inputs, bound as constants where a node needs them
 *	constant (compiler/compile.h, compile_options.input_value; an ir_input_value_fn);
 *	NULL: none. Only for an ONNX model.
 * @input_value_ctx: passed to @input_value
 * @device_name: the device's name in messages (NULL: "the device")
 * @err: when set, on error, one line saying why (naming the node and op when one is at
 *	fault); @err_len its size
 * @failed: when set, on error, the phase that failed
 */
struct accelrt_model_options {
	int64_t batch;
	const struct accelrt_model_shape *shapes;
	size_t n_shapes;
	bool shapes_from_values;
	bool no_passes;
	bool dma_io;
	const struct ir_tensor *(*input_value)(void *ctx, size_t input);
	void *input_value_ctx;
	const char *device_name;
	char *err;
	size_t err_len;
	enum accelrt_model_phase *failed;
};

/**
 * accelrt_model_load() - compile the ONNX model at @path (or read the program file there,
 * recognised by its magic), place its slots on @dev, upload its constants and build its
 * program.
 * @dev: the device; it outlives the model.  @path: the file.
 * @o: options, or NULL for the defaults (all passes, no batch, no values).
 * @out: the model (accelrt_model_free()).
 *
 * Return: 0; -ENOENT (and the file's other errnos) for a file that cannot be read; -EINVAL
 * for a model or program that is malformed or truncated, or options that do not apply to
 * it; -EOPNOTSUPP for a node that nothing runs or a program of another version or device;
 * -E2BIG for a program too large for the device's streams or slots; -ENOSPC when the
 * model's device memory (accelrt_model_device_bytes()) exceeds the device's VRAM; -ENOMEM;
 * the device's errnos for allocations, uploads and the program.
 */
int accelrt_model_load(struct accelrt_device *dev, const char *path,
		       const struct accelrt_model_options *o, struct accelrt_model **out);

/**
 * accelrt_model_free() - free the model: its program, constants and compiled graph. Every
 * bindings and run of it must have been freed first. NULL is a no-op.
 */
void accelrt_model_free(struct accelrt_model *m);

/**
 * accelrt_model_device_bytes() - the device memory (VRAM) program @p compiled from @g needs
 * for its constants and one set of bindings: the sum of its device-only slots, each rounded
 * up to whole pages. Needs no device: `accel compile --device` checks it against the VRAM of
 * the device it compiles for.
 */
uint64_t accelrt_model_device_bytes(const struct vnpu_prog *p, const struct ir_graph *g);

/**
 * struct accelrt_model_tensor - a graph input or output
 * @name: its name in the model (valid while the model is)
 * @dtype: its element type, as ONNX's TensorProto.DataType (1 float, 7 int64...)
 * @rank: its rank; @dims: its dimensions (@rank of them, valid while the model is)
 * @bytes: its bytes (elements times the element size)
 * @bound: an input the compiler bound to its value (@input_value): the program is
 *	specialised for that value; never for a program file
 */
struct accelrt_model_tensor {
	const char *name;
	int dtype;
	int rank;
	const int64_t *dims;
	uint64_t bytes;
	bool bound;
};

/** accelrt_model_num_inputs() - the number of graph inputs of @m. */
unsigned int accelrt_model_num_inputs(const struct accelrt_model *m);
/** accelrt_model_num_outputs() - the number of graph outputs of @m. */
unsigned int accelrt_model_num_outputs(const struct accelrt_model *m);
/**
 * accelrt_model_input() - input @i of @m, in *@t.
 * Return: 0; -EINVAL for @i out of range.
 */
int accelrt_model_input(const struct accelrt_model *m, unsigned int i,
			struct accelrt_model_tensor *t);
/**
 * accelrt_model_output() - output @i of @m, in *@t.
 * Return: 0; -EINVAL for @i out of range.
 */
int accelrt_model_output(const struct accelrt_model *m, unsigned int i,
			 struct accelrt_model_tensor *t);

/**
 * struct accelrt_model_stats - what the compiled program is, for reports
 * @nodes: the graph's nodes as compiled (a program file's: as its file recorded them)
 * @nodes_device, @nodes_host, @nodes_alias, @nodes_const: nodes that became packets, ran
 *	on host stages, became aliases, were folded into constants
 * @packets: the device's packets
 * @stages_device, @stages_host: the program's stages of each kind
 * @flops_device, @flops_host: the work of the device's and the host's nodes
 * @mem_peak: the arena's bytes; @mem_lower_bound: the most bytes of intermediates live at
 *	one node
 * @slots: the program's slots; @slots_device: those in device memory
 * @device_bytes: accelrt_model_device_bytes()
 * @program_file: loaded from a program file rather than compiled
 */
struct accelrt_model_stats {
	size_t nodes;
	unsigned int nodes_device, nodes_host, nodes_alias, nodes_const;
	unsigned int packets;
	unsigned int stages_device, stages_host;
	double flops_device, flops_host;
	uint64_t mem_peak, mem_lower_bound;
	unsigned int slots, slots_device;
	uint64_t device_bytes;
	bool program_file;
};

/** accelrt_model_get_stats() - the figures of @m's program, in *@s. */
void accelrt_model_get_stats(const struct accelrt_model *m, struct accelrt_model_stats *s);

/**
 * accelrt_model_graph() - the graph @m runs (the compiler's, compiler/ir.h), for tools that
 * look inside it (profilers); it belongs to the model.
 */
struct ir_graph *accelrt_model_graph(const struct accelrt_model *m);
/** accelrt_model_program() - the compiled program of @m (compiler/codegen_vnpu.h). */
const struct vnpu_prog *accelrt_model_program(const struct accelrt_model *m);
/** accelrt_model_device() - the device @m is loaded on. */
struct accelrt_device *accelrt_model_device(const struct accelrt_model *m);

/**
 * accelrt_model_slot_host_visible() - whether slot @slot of @m is in host-visible memory
 * (false for one in device memory, and for @slot out of range).
 */
bool accelrt_model_slot_host_visible(const struct accelrt_model *m, unsigned int slot);

/**
 * accelrt_model_host_error() - the message of the last failure of host stage @stage of @m
 * (when runs of the model do not overlap), or NULL when it has none or @stage is no host
 * stage.
 */
const char *accelrt_model_host_error(const struct accelrt_model *m, unsigned int stage);

/**
 * accelrt_model_bindings_new() - the buffers of one inference of @m: every slot written at
 * run time (graph inputs and outputs, the arena, scratch), placed as the model's placement
 * says; the constants are the model's, shared.
 * @out: the bindings (accelrt_model_bindings_free()).
 *
 * Return: 0; -ENOMEM; the device's errnos for an allocation.
 */
int accelrt_model_bindings_new(struct accelrt_model *m, struct accelrt_model_bindings **out);
/**
 * accelrt_model_bindings_free() - free the bindings' buffers. No run of them may be in
 * flight. NULL is a no-op.
 */
void accelrt_model_bindings_free(struct accelrt_model_bindings *b);
/**
 * accelrt_model_input_map() - the CPU address of input @i in @b (accelrt_model_input()'s
 * bytes), to write before a run; NULL for @i out of range.
 */
void *accelrt_model_input_map(struct accelrt_model_bindings *b, unsigned int i);
/**
 * accelrt_model_output_map() - the CPU address of output @i in @b, to read once a run is
 * over; NULL for @i out of range.
 */
void *accelrt_model_output_map(struct accelrt_model_bindings *b, unsigned int i);
/**
 * accelrt_model_bindings_slots() - the buffer of each slot of the program in @b (the
 * model's constants and the bindings' own), accelrt_model_stats.slots of them: what
 * accelrt_run() takes, for tools that run stages on their own (profilers).
 */
struct accelrt_buffer *const *accelrt_model_bindings_slots(const struct accelrt_model_bindings *b);

/**
 * accelrt_model_run() - start an inference of @m on @b (its inputs written).
 * @flags: ACCELRT_RUN_* (ACCELRT_RUN_USER_QUEUE...).  @out: the run: accelrt_run_wait()
 * it, or take its accelrt_run_sync_file(); accelrt_run_free() it before @b is freed or used
 * again.
 *
 * Return: 0 once queued; -EINVAL for bindings of another model; accelrt_run()'s errors.
 */
int accelrt_model_run(struct accelrt_model *m, struct accelrt_model_bindings *b, uint32_t flags,
		      struct accelrt_run **out);
/**
 * accelrt_model_run_sync() - accelrt_model_run(), wait for it and free it.
 * Return: as accelrt_model_run(), or the run's error (accelrt_run_wait()): a host stage's
 * (accelrt_model_host_error() says why) or the device's.
 */
int accelrt_model_run_sync(struct accelrt_model *m, struct accelrt_model_bindings *b,
			   uint32_t flags);

#ifdef __cplusplus
}
#endif

#endif
