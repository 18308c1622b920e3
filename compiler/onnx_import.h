/* SPDX-License-Identifier: MIT */
/*
 * The ONNX reader: a ModelProto (a .onnx file) into the compiler's IR, with static shapes and
 * types inferred for every value (compiler/shape_infer.h). The rules are in docs/compiler.md.
 */
#ifndef ACCEL_COMPILER_ONNX_IMPORT_H
#define ACCEL_COMPILER_ONNX_IMPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler/ir.h"
#include "compiler/shape_infer.h"

/* The default domain's operator sets the reader accepts. */
#define ONNX_IMPORT_OPSET_MIN 1
#define ONNX_IMPORT_OPSET_MAX 17

/* The largest model file the reader loads (protobuf's own limit). */
#define ONNX_IMPORT_MAX_FILE (2LL << 30)

/**
 * struct onnx_input_shape - the static shape a graph input is compiled for
 * @name: the input's name in the model
 * @rank: the number of @dims; it must be the rank the model declares
 * @dims: each dimension, >= 1; a dimension the model declares static must be given its value
 */
struct onnx_input_shape {
	const char *name;
	int rank;
	const int64_t *dims;
};

/**
 * struct onnx_import_options - how to read a model
 * @batch: the value of a symbolic first dimension of a graph input (the batch); 0 leaves such
 *         a dimension an error, since the IR's shapes are static
 * @shapes: the shapes of graph inputs with symbolic dimensions (@n_shapes of them): each
 *          names an input and gives all its dimensions; they take precedence over @batch and
 *          @shapes_from_values. A name no input has, a rank other than the model's, a
 *          dimension below 1 or one that contradicts a static one is -EINVAL.
 * @n_shapes: the number of @shapes
 * @shapes_from_values: a symbolic dimension of a graph input that neither @shapes nor @batch
 *          gives takes the dimension of the tensor @input_value returns for that input, when
 *          it has the input's rank (a test's data set: the model compiled for the data it
 *          runs on)
 * @input_value: known values of graph inputs, bound as constants where a node needs them
 *               constant (ir_infer_shapes_bound()); NULL: none
 * @input_value_ctx: its context
 */
struct onnx_import_options {
	int64_t batch;
	const struct onnx_input_shape *shapes;
	size_t n_shapes;
	bool shapes_from_values;
	ir_input_value_fn input_value;
	void *input_value_ctx;
};

/**
 * onnx_import_file() - read the model at @path into a new graph
 * @path: the .onnx file; external data files are found relative to its directory
 * @opts: options, or NULL for the defaults
 * @out: the graph on success (ir_graph_destroy() it), untouched on error
 * @err: on error, one line naming the node (name, or index and op) and the reason
 * @err_len: size of @err (0: no message)
 *
 * Return: 0; -ENOENT/-EACCES... (the file), -EINVAL (truncated or corrupt model, bad data type,
 * attribute or shape, missing input), -EOPNOTSUPP (an operator set or operator the compiler
 * does not handle), -EFBIG (a file too large), -ENOMEM.
 */
int onnx_import_file(const char *path, const struct onnx_import_options *opts,
		     struct ir_graph **out, char *err, size_t err_len);

/**
 * onnx_import_buffer() - onnx_import_file() for a model already in memory
 * @base_dir: the directory external data is relative to; NULL refuses external data
 */
int onnx_import_buffer(const void *buf, size_t len, const char *base_dir,
		       const struct onnx_import_options *opts, struct ir_graph **out,
		       char *err, size_t err_len);

typedef struct Onnx__TensorProto Onnx__TensorProto;

/**
 * onnx_import_tensor_proto() - the type, shape and contents of one TensorProto into @t
 * @tp: unpacked with protobuf-c (onnx.pb-c.h)
 * @what: names the tensor in the error message
 * @t: receives dtype, rank, dims and data (malloc'd; ir_tensor_free() releases it)
 * @err: on error, one line naming @what and the reason; @err_len its size
 *
 * The rules of the model's initializers: raw_data or the typed fields; no external data
 * (there is no model directory), no segments.
 *
 * Return: 0; -EINVAL for a bad shape, size or value count, or an unknown type; -EOPNOTSUPP
 * for a type ONNX defines that the IR lacks, or segments; -ENOMEM.
 */
int onnx_import_tensor_proto(const Onnx__TensorProto *tp, const char *what, struct ir_tensor *t,
			     char *err, size_t err_len);

#endif
