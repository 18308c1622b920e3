/* SPDX-License-Identifier: MIT */
/*
 * The operator registry: what the compiler knows of each ONNX operator. One `struct op_def` per
 * op type, grouped by family, one family per file under compiler/ops/ (elementwise.c, linalg.c,
 * nn.c, tensor.c, reduce.c...). A family exports a table; op.c lists the tables. An op def
 * carries its static shape inference and, when the host can compute it, its host kernel: the
 * reference implementation that constant folding and the host fallback run (docs/compiler.md).
 *
 * Not thread-safe as a whole: an op_ctx belongs to one thread; the tables are constant.
 */
#ifndef ACCEL_COMPILER_OP_H
#define ACCEL_COMPILER_OP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler/ir.h"

/**
 * struct op_ctx - one node being inferred or computed
 * @g: its graph (inference sets output types and shapes in it; kernels only read it)
 * @node: the node
 * @idx: its index in @g->nodes (for messages about unnamed nodes)
 * @err, @err_len: where op_fail() writes its one line; @err_len 0 = no message wanted
 */
struct op_ctx {
	struct ir_graph *g;
	const struct ir_node *node;
	size_t idx;
	char *err;
	size_t err_len;
};

/**
 * typedef op_host_fn - compute a node on the host
 * @c: the node; every input's and output's type and shape are known (the graph is inferred)
 * @in: input i's data, dense and row-major in its tensor's type; NULL for an omitted input
 * @out: output i's buffer, sized for its tensor's shape; NULL for an omitted output
 *
 * Must not keep any pointer after returning, nor write anything but @out. Inputs and outputs
 * never overlap.
 *
 * Return: 0, or a negative errno with a message through op_fail() (-EOPNOTSUPP for a type or
 * attribute combination the kernel does not implement, -ENOMEM).
 */
typedef int (*op_host_fn)(struct op_ctx *c, const void *const *in, void *const *out);

/**
 * struct op_def - one operator
 * @op_type: ONNX name, default domain ("Conv")
 * @infer: sets the types and shapes of the node's outputs (0, or op_fail()'s errno)
 * @host: the host kernel, or NULL when the host cannot compute this op
 */
struct op_def {
	const char *op_type;
	int (*infer)(struct op_ctx *c);
	op_host_fn host;
};

/* ONNX Runtime's contrib domain: its quantized ops QLinearAdd, QLinearMul and the pools. */
#define OP_DOMAIN_MS "com.microsoft"

/**
 * op_find() - the definition of @op_type in @domain ("" or "ai.onnx" for ONNX's default;
 * OP_DOMAIN_MS for ONNX Runtime's quantized contrib ops)
 * Return: the def, or NULL for an unknown op or another domain.
 */
const struct op_def *op_find(const char *domain, const char *op_type);

/* The family tables (one per file in compiler/ops/), each ended by an entry whose @op_type is NULL. */
extern const struct op_def op_defs_elementwise[];
extern const struct op_def op_defs_elementwise_binary[];
extern const struct op_def op_defs_linalg[];
extern const struct op_def op_defs_nn[];
extern const struct op_def op_defs_nn_conv[], op_defs_nn_pool[], op_defs_nn_norm[], op_defs_nn_loss[],
	op_defs_nn_rnn[];
extern const struct op_def op_defs_tensor[];
extern const struct op_def op_defs_tensor_move[];
extern const struct op_def op_defs_tensor_gen[];
extern const struct op_def op_defs_tensor_resize[];
extern const struct op_def op_defs_reduce[];
extern const struct op_def op_defs_index[];
/* Quantization (ops/quant.c, ops/quant_linear.c): QuantizeLinear..., QLinearConv... */
extern const struct op_def op_defs_quant[], op_defs_quant_linear[];
/* QLinearAdd, QLinearMul, QLinearAveragePool, QLinearGlobalAveragePool (ops/quant_elementwise.c) */
extern const struct op_def op_defs_quant_elementwise[];

/* Helpers for inference and kernels (op.c). */

/**
 * op_fail() - write "node 'NAME' (OP): REASON" (or "node #IDX (OP): ...") into @c->err
 * Return: @ret, so that callers can `return op_fail(c, -EINVAL, ...)`.
 */
int op_fail(struct op_ctx *c, int ret, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/** op_in() - input @i's tensor, or NULL when absent or omitted */
struct ir_tensor *op_in(struct op_ctx *c, size_t i);

/** op_out() - output @i's tensor, or NULL when absent or omitted */
struct ir_tensor *op_out(struct op_ctx *c, size_t i);

/** op_need_inputs() - inputs 0..n-1 present with known shapes and an output 0, else -EINVAL */
int op_need_inputs(struct op_ctx *c, size_t n);

/** op_set_shape() - set @t's type and shape (no-op for a NULL @t) */
void op_set_shape(struct ir_tensor *t, enum ir_dtype dt, int rank, const int64_t *dims);

/** op_attr_int() - INT attribute @name into *@v, @def when absent; -EINVAL for another type */
int op_attr_int(struct op_ctx *c, const char *name, int64_t def, int64_t *v);

/**
 * op_attr_float() - FLOAT attribute @name into *@v, @def when absent; -EINVAL for another type
 */
int op_attr_float(struct op_ctx *c, const char *name, float def, float *v);

/**
 * op_attr_ints() - INTS attribute @name of exactly @n values into @v (@def each when absent);
 * *@present (may be NULL) says whether it was given. -EINVAL for another type or count.
 */
int op_attr_ints(struct op_ctx *c, const char *name, size_t n, int64_t def, int64_t *v,
		 bool *present);

/** op_axis_norm() - @axis of a rank-@rank tensor in 0..rank-1 (negative counts from the end) */
int op_axis_norm(struct op_ctx *c, int64_t axis, int rank, int *out_axis);

/** op_dtype_is_float() - float, float16, bfloat16 or double */
bool op_dtype_is_float(enum ir_dtype dt);

/**
 * op_broadcast() - the numpy broadcast of @a's and @b's shapes into @dims / *@rank
 * Return: 0, or -EINVAL naming the two shapes.
 */
int op_broadcast(struct op_ctx *c, const struct ir_tensor *a, const struct ir_tensor *b,
		 int64_t *dims, int *rank);

/**
 * op_const_ints() - the int64 values of constant input @i (a Reshape shape, Unsqueeze axes...)
 * or of attribute @attr when the op still took them as one at this opset (@attr NULL: input
 * only); at most 2 * IR_MAX_RANK values. *@n = -1 when neither is given.
 * Return: 0; -EOPNOTSUPP when the input is not a constant int64 list; -EINVAL.
 */
int op_const_ints(struct op_ctx *c, size_t i, const char *attr, int64_t *vals, int *n);

/**
 * op_infer_unary() - inference of an op whose output 0 has input 0's type and shape (Relu,
 * Identity...); other families reuse it (ops/elementwise.c)
 */
int op_infer_unary(struct op_ctx *c);

#endif
