/* SPDX-License-Identifier: MIT */
/* Static shape and type inference over the IR (docs/compiler.md lists the operators). */
#ifndef ACCEL_COMPILER_SHAPE_INFER_H
#define ACCEL_COMPILER_SHAPE_INFER_H

#include <stddef.h>

#include "compiler/ir.h"

/**
 * ir_infer_shapes() - set the type and shape of every node output of @g, in node order
 * @g: a graph whose inputs and initializers have their types and shapes
 * @err: on error, one line naming the node and the reason
 *
 * Return: 0; -EOPNOTSUPP for an operator it does not know ("unsupported op X at node Y");
 * -EINVAL for inputs of the wrong type or shape, a bad attribute, a missing input.
 */
int ir_infer_shapes(struct ir_graph *g, char *err, size_t err_len);

#endif
