/* SPDX-License-Identifier: MIT */
/*
 * Graph passes over the compiler IR (docs/compiler.md, "Passes and memory planning"): rewrites
 * that keep every graph output's name and value (up to floating-point rounding) while giving
 * the code generator fewer, larger operations. Each pass is one function; ir_passes_run()
 * runs the selected ones in a fixed order.
 *
 * The passes run after import (shapes inferred, constants' data set) and before code
 * generation. A pass either rewrites one pattern completely or leaves it as it was: on
 * -ENOMEM the graph is still valid (possibly partly optimised).
 */
#ifndef ACCEL_COMPILER_PASSES_H
#define ACCEL_COMPILER_PASSES_H

#include <stddef.h>

#include "compiler/ir.h"

/*
 * The attribute on which activation fusion records the activation a node applies to its
 * result: a string, "Relu", "Sigmoid" or "Tanh". The "accel." prefix keeps it apart from
 * ONNX's attribute names (ONNX names have no dots). Whatever executes a node that carries it
 * (a vnpu packet's epilogue, a host kernel) must apply it.
 */
#define IR_ATTR_FUSED_ACTIVATION "accel.activation"

/*
 * With IR_ATTR_FUSED_ACTIVATION "Clip": its bounds, a floats attribute { min, max } (finite,
 * min <= max), taken from the Clip's constant attributes or inputs.
 */
#define IR_ATTR_FUSED_CLIP_BOUNDS "accel.clip_bounds"

/*
 * The attribute on which MatMul + Add fusion records a bias row added to a MatMul's result
 * (before any fused activation), when the product is not 2-D and so cannot become a Gemm: a
 * tensor attribute holding a copy of the [N] bias, N the product's last dimension. Like the
 * activation, whatever executes the node must add it.
 */
#define IR_ATTR_FUSED_BIAS "accel.bias"

/* The activations a node may carry in IR_ATTR_FUSED_ACTIVATION. */
enum ir_activation {
	IR_ACTIVATION_NONE = 0,
	IR_ACTIVATION_RELU,
	IR_ACTIVATION_SIGMOID,
	IR_ACTIVATION_TANH,
	IR_ACTIVATION_CLIP, /* min(max(x, lo), hi): the bounds in IR_ATTR_FUSED_CLIP_BOUNDS */
};

/* The passes, as bits of ir_pass_options.passes. */
#define IR_PASS_FOLD_BATCHNORM	(1u << 0)
#define IR_PASS_FUSE_MATMUL_ADD	(1u << 1)
#define IR_PASS_FUSE_ACTIVATION	(1u << 2)
#define IR_PASS_DCE		(1u << 3)
#define IR_PASS_ALL		(IR_PASS_FOLD_BATCHNORM | IR_PASS_FUSE_MATMUL_ADD | \
				 IR_PASS_FUSE_ACTIVATION | IR_PASS_DCE)

/**
 * struct ir_pass_options - what ir_passes_run() does
 * @passes: IR_PASS_* bits; 0 runs none
 */
struct ir_pass_options {
	unsigned int passes;
};

/**
 * struct ir_pass_report - what the passes changed (each pass adds to its counters)
 * @nodes_before: nodes when ir_passes_run() started
 * @nodes_after: nodes when it returned
 * @nodes_removed: nodes dead-node removal took out (their outputs reached no graph output)
 * @initializers_removed: constants dropped because nothing read them any more
 * @tensors_removed: tensors dropped (dead values and constants included)
 * @batchnorms_folded: BatchNormalization nodes folded into the Conv before them
 * @matmul_adds_fused: MatMul + Add(bias) pairs turned into one Gemm
 * @activations_fused: activation nodes recorded on their producer and removed
 */
struct ir_pass_report {
	size_t nodes_before;
	size_t nodes_after;
	size_t nodes_removed;
	size_t initializers_removed;
	size_t tensors_removed;
	size_t batchnorms_folded;
	size_t matmul_adds_fused;
	size_t activations_fused;
};

/**
 * ir_passes_run() - run the passes @o selects over @g, in the order dce, fold_batchnorm,
 * fuse_matmul_add, fuse_activation, dce (a dead reader would block a fusion; each fusion
 * leaves dead constants that the last pass drops)
 * @g: an imported graph (shapes inferred)
 * @o: which passes; NULL runs them all
 * @r: counters, zeroed first; may be NULL
 * @err: one line naming the failure, when @err_len > 0
 *
 * Return: 0, or -ENOMEM (the graph is then valid, partly rewritten).
 */
int ir_passes_run(struct ir_graph *g, const struct ir_pass_options *o, struct ir_pass_report *r,
		  char *err, size_t err_len);

/**
 * ir_pass_dce() - remove the nodes none of whose outputs reaches a graph output (walking
 * back from the outputs), then every tensor nothing refers to any more: the dead nodes'
 * values and the initializers no remaining node reads. Graph inputs stay, used or not (they
 * are the graph's signature). Tensor indices are renumbered.
 * @r: adds to nodes_removed, initializers_removed, tensors_removed
 *
 * Return: 0 or -ENOMEM (the graph unchanged).
 */
int ir_pass_dce(struct ir_graph *g, struct ir_pass_report *r);

/**
 * ir_pass_fold_batchnorm() - fold an inference BatchNormalization into the Conv producing
 * its input: with s = scale / sqrt(var + epsilon), the Conv's weights become W * s (per
 * output channel) and its bias (B - mean) * s + bias; the Conv then writes the BN's output
 * and the BN node is removed. Only when the Conv's weights, bias and the four BN parameters
 * are float constants of the right sizes, the Conv's output has no other reader and is no
 * graph output, and the BN has one output (no training statistics, training_mode 0,
 * spatial 1). The new weights and bias are new constants: the old ones may have other
 * readers (dce drops them otherwise).
 * @r: adds to batchnorms_folded
 *
 * Return: 0 or -ENOMEM.
 */
int ir_pass_fold_batchnorm(struct ir_graph *g, struct ir_pass_report *r);

/**
 * ir_pass_fuse_matmul_add() - MatMul(A, B) followed by Add with a constant bias C, in either
 * operand order: when A and B are 2-D, the pair becomes Gemm(A, B, C); when the product has
 * more dimensions, the MatMul keeps its type and carries C as IR_ATTR_FUSED_BIAS (f32 only).
 * Only when C is [N] or [1, N] (N the columns of the product), all operands are of one float
 * type, the Add does not broadcast the product, and the product has no other reader and is no
 * graph output. The fused node takes the Add's place in the node order and writes its output.
 * @r: adds to matmul_adds_fused
 *
 * Return: 0 or -ENOMEM.
 */
int ir_pass_fuse_matmul_add(struct ir_graph *g, struct ir_pass_report *r);

/**
 * ir_pass_fuse_activation() - a Relu, Sigmoid, Tanh or Clip (both bounds constant and
 * finite: attributes before opset 11, inputs since) whose input is the first output of a
 * Conv, Gemm, MatMul, Add, Sub, Mul or Div (the "residual add + activation" included) is
 * recorded on that producer as IR_ATTR_FUSED_ACTIVATION and removed; the producer writes the
 * activation's output. Only for float tensors, when the intermediate has no other reader, is
 * no graph output, and the producer carries no fused activation yet.
 * @r: adds to activations_fused
 *
 * Return: 0 or -ENOMEM.
 */
int ir_pass_fuse_activation(struct ir_graph *g, struct ir_pass_report *r);

/**
 * ir_node_fused_activation() - the activation fusion recorded on @n
 * Return: an enum ir_activation (IR_ACTIVATION_NONE when @n has none), or -EINVAL when the
 * attribute is there but not a known activation (an executor must then refuse the node).
 */
int ir_node_fused_activation(const struct ir_node *n);

/**
 * ir_node_fused_bias() - the bias row fusion recorded on @n
 * Return: the [N] constant, or NULL when @n has none (or the attribute is not a tensor).
 */
const struct ir_tensor *ir_node_fused_bias(const struct ir_node *n);

/**
 * ir_node_fused_clip_bounds() - the bounds of the Clip fused onto @n
 * Return: 0 with *@lo and *@hi set, or -EINVAL when @n has no valid bounds attribute.
 */
int ir_node_fused_clip_bounds(const struct ir_node *n, float *lo, float *hi);

/**
 * ir_activation_apply_f32() - apply @act, one without parameters (not CLIP), to @count
 * floats in place
 */
void ir_activation_apply_f32(enum ir_activation act, float *x, size_t count);

/**
 * ir_node_activation_apply_f32() - apply the activation fused onto @n (its Clip bounds
 * included) to @count floats in place: a host executor's epilogue
 * Return: 0, or -EINVAL when @n's fused activation is not one this knows.
 */
int ir_node_activation_apply_f32(const struct ir_node *n, float *x, size_t count);

#endif
