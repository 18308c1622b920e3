/* SPDX-License-Identifier: MIT */
/*
 * The IR back into an ONNX ModelProto: constants (initializers and what the reader folded) as
 * raw-data initializers, every node that computes something at run time, the static shapes
 * of the inputs, outputs and intermediates. onnx_import_buffer() reads it back into an
 * equivalent graph. Used by compiled program files (docs/compiler.md).
 */
#ifndef ACCEL_COMPILER_ONNX_EXPORT_H
#define ACCEL_COMPILER_ONNX_EXPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "compiler/ir.h"

/* The ONNX IR version written (8: opsets up to 17 and raw-data initializers). */
#define ONNX_EXPORT_IR_VERSION 8

/**
 * onnx_export_buffer() - serialize @g as a ModelProto
 * @g: an imported graph (every tensor's type and shape known)
 * @buf: a malloc'd buffer holding the message (the caller frees it)
 * @len: its size
 *
 * Nodes whose outputs are all constants are written as those constants, not as nodes.
 *
 * Return: 0; -ENOMEM; -EINVAL for an attribute of an unknown type.
 */
int onnx_export_buffer(const struct ir_graph *g, void **buf, size_t *len);

/**
 * onnx_export_file() - onnx_export_buffer() into the file at @path (created or truncated)
 * Return: 0, onnx_export_buffer()'s errors, or the file's errno.
 */
int onnx_export_file(const struct ir_graph *g, const char *path);

#endif
