/* SPDX-License-Identifier: MIT */
/*
 * One ONNX TensorProto file (the input_N.pb / output_N.pb of ONNX's test data) into an IR
 * tensor with its contents.
 */
#ifndef ACCEL_COMPILER_ONNX_TENSOR_H
#define ACCEL_COMPILER_ONNX_TENSOR_H

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

#endif
