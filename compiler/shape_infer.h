/* SPDX-License-Identifier: MIT */
/* Static shape and type inference over the IR (docs/compiler.md lists the operators). */
#ifndef ACCEL_COMPILER_SHAPE_INFER_H
#define ACCEL_COMPILER_SHAPE_INFER_H

#include <stddef.h>

#include "compiler/ir.h"

/*
 * Constant folding's bound: a node whose outputs, or whose inputs, hold more elements than
 * this in all (a ConstantOfShape of a hostile shape...) is left to run time rather than
 * computed at import.
 */
#define SHAPE_INFER_FOLD_MAX_ELEMENTS (16LL << 20)

/**
 * ir_infer_shapes() - set the type and shape of every node output of @g, in node order, and
 * fold constants: a node whose op has a host kernel and whose present inputs are all
 * constants (their @data set) is computed, its outputs getting @data, when its outputs and
 * its inputs each hold at most SHAPE_INFER_FOLD_MAX_ELEMENTS elements in all (a kernel that
 * refuses the node leaves it to run time)
 * @g: a graph whose inputs and initializers have their types and shapes
 * @err: on error, one line naming the node and the reason
 *
 * Return: 0; -EOPNOTSUPP for an operator it does not know ("unsupported op X at node Y");
 * -EINVAL for inputs of the wrong type or shape, a bad attribute, a missing input; -ENOMEM.
 */
int ir_infer_shapes(struct ir_graph *g, char *err, size_t err_len);

/**
 * typedef ir_input_value_fn - the value of graph input @input (an index into g->inputs) when
 * the caller knows it (a test's data set): a tensor of the input's type and element count with
 * its data, which stays the caller's; or NULL when it does not know it.
 */
typedef const struct ir_tensor *(*ir_input_value_fn)(void *ctx, size_t input);

/**
 * ir_infer_shapes_bound() - ir_infer_shapes(), binding graph inputs to known values where a
 * node needs them constant
 * @value: the known values (NULL: none, as ir_infer_shapes())
 *
 * When a node's inference fails with -EOPNOTSUPP (an input it needs constant, such as
 * Reshape's shape or Slice's starts, is computed at run time), the node's last input that is
 * a graph input @value knows becomes a constant holding that value, and the node is inferred
 * again; until it succeeds or no such input is left. A bound input keeps its place in
 * g->inputs with its data set: the graph is specialised for that value.
 *
 * Return: as ir_infer_shapes(); -EINVAL when a value has the wrong type or size.
 */
int ir_infer_shapes_bound(struct ir_graph *g, ir_input_value_fn value, void *ctx, char *err,
			  size_t err_len);

#endif
