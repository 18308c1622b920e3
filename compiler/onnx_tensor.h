/* SPDX-License-Identifier: MIT */
/*
 * One ONNX TensorProto file (the input_N.pb / output_N.pb of ONNX's test data) into an IR
 * tensor with its contents.
 */
#ifndef ACCEL_COMPILER_ONNX_TENSOR_H
#define ACCEL_COMPILER_ONNX_TENSOR_H

#include <stdbool.h>
#include <stddef.h>

#include "compiler/ir.h"

/* The largest tensor file read (the test data's are far below). */
#define ONNX_TENSOR_MAX_FILE (1LL << 30)

/**
 * onnx_tensor_read_file() - read the serialized TensorProto at @path
 * @path: the file
 * @out: a new tensor with @data set (free it with ir_tensor_free()), untouched on error
 * @err: on error, one line naming the file and the reason; @err_len its size
 *
 * Decoded as the model's initializers are (onnx_import_tensor_proto()): raw_data or the
 * typed fields; not external or segmented data.
 *
 * Return: 0; the file's errno (-ENOENT...); -EFBIG; onnx_import_tensor_proto()'s errors.
 */
int onnx_tensor_read_file(const char *path, struct ir_tensor **out, char *err, size_t err_len);

/**
 * onnx_tensor_as_declared() - take a test-data tensor as the type the graph declares where
 * ONNX's test data differs only in name: ONNX 1.12 stores bfloat16 tensors as uint16 ones
 * (the same bits). Any other type is left as it is (and then fails the caller's type check).
 */
void onnx_tensor_as_declared(struct ir_tensor *t, enum ir_dtype declared);

/* The most inputs a data set's input_N.pb files are read for. */
#define ONNX_DATA_SET_MAX_INPUTS 64

/**
 * struct onnx_data_set - the input_N.pb files of one test data set directory (ONNX's layout),
 * each read when first asked for
 * @dir: the directory (not owned)
 * @inputs: input N once read, NULL before (or when it could not be read)
 * @tried: whether input N was tried
 */
struct onnx_data_set {
	const char *dir;
	struct ir_tensor *inputs[ONNX_DATA_SET_MAX_INPUTS];
	bool tried[ONNX_DATA_SET_MAX_INPUTS];
};

/**
 * onnx_data_set_input() - an ir_input_value_fn (compiler/shape_infer.h) over a data set:
 * @set is a struct onnx_data_set; the value of graph input @input, or NULL when the file
 * is missing or unreadable (the caller's own load reports that)
 */
const struct ir_tensor *onnx_data_set_input(void *set, size_t input);

/** onnx_data_set_free() - free the tensors read (the struct itself is the caller's) */
void onnx_data_set_free(struct onnx_data_set *set);

#endif
