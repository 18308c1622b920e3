/* SPDX-License-Identifier: MIT */
/*
 * Post-training static quantization (docs/compiler.md, "Quantization"): run a float graph on
 * the host over a calibration set, recording each activation's range (plain min/max), then
 * rewrite the graph so that its convolutions and fully connected layers compute in int8 as
 * the vedge device does: per-tensor asymmetric int8 activations, symmetric per-output-channel
 * int8 weights, int32 biases at x_scale * w_scale, the device's fixed-point requantization.
 *
 * The rewritten graph is ONNX's QDQ/QLinear form with two accel attributes
 * (ops/quant.h's IR_ATTR_QUANT_REQUANT, passes.h's IR_ATTR_FUSED_ACTIVATION/IR_ATTR_FUSED_BIAS):
 *   QuantizeLinear where a float value enters the int8 part, QLinearConv for Conv,
 *   QLinearMatMul (+ int32 bias attribute) for Gemm and 2-D MatMul with constant weights,
 *   MaxPool, Flatten, Reshape, Transpose, Squeeze, Unsqueeze, Identity on int8 sharing their
 *   input's quantization, DequantizeLinear where a float consumer or a graph output needs an
 *   int8 value back. Every other node stays float.
 *
 * Not thread-safe: the graph belongs to the caller's thread.
 */
#ifndef ACCEL_COMPILER_PASSES_QUANTIZE_H
#define ACCEL_COMPILER_PASSES_QUANTIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "compiler/ir.h"

/**
 * struct quant_calibration - the ranges seen of a graph's tensors over the calibration runs
 * @min, @max: per tensor index (the graph's at quant_calibration_init())
 * @seen: whether tensor i was a float value computed at run time in some run
 * @n: the number of tensors
 * @runs: how many calibration runs were recorded
 */
struct quant_calibration {
	float *min;
	float *max;
	bool *seen;
	size_t n;
	size_t runs;
};

/**
 * quant_calibration_init() - empty ranges for the tensors of @g
 * Return: 0 or -ENOMEM.
 */
int quant_calibration_init(const struct ir_graph *g, struct quant_calibration *cal);

/** quant_calibration_free() - free the arrays of @cal (not @cal itself) */
void quant_calibration_free(struct quant_calibration *cal);

/**
 * quant_calibrate() - run @g once on the host with graph input i = @inputs[i] (dense, the
 * input's type and shape; g->n_inputs of them) and widen the range of every float value it
 * computes (graph inputs included, constants not)
 * @err: on error, one line naming the failing node
 * Return: 0; host_exec_graph()'s errors; -EINVAL when @cal was made for another graph;
 * -ENOMEM.
 */
int quant_calibrate(struct ir_graph *g, struct quant_calibration *cal, void *const *inputs,
		    char *err, size_t err_len);

/**
 * quant_calibration_list() - the samples of the calibration set @dir: @dir itself when it holds
 * input_0.pb (one sample), else its subdirectories that do (test_data_set_0, ...), in name order
 * @paths: a malloc'd array of @n malloc'd paths (quant_calibration_list_free())
 * Return: 0; -ENOENT when @dir holds no sample; opendir()'s errno; -ENOMEM.
 */
int quant_calibration_list(const char *dir, char ***paths, size_t *n);

/** quant_calibration_list_free() - free what quant_calibration_list() returned */
void quant_calibration_list_free(char **paths, size_t n);

/**
 * quant_calibrate_sample() - quant_calibrate() on the inputs read from @sample_dir/input_N.pb
 * (N = 0 .. g->n_inputs - 1 of the inputs without data)
 * Return: 0; onnx_tensor_read_file()'s errors; -EINVAL when a tensor's type or element count
 * is not its input's (the reason in @err); quant_calibrate()'s errors.
 */
int quant_calibrate_sample(struct ir_graph *g, struct quant_calibration *cal,
			   const char *sample_dir, char *err, size_t err_len);

/**
 * struct quantize_report - what ir_pass_quantize() did
 * @quantized: Conv, Gemm and MatMul nodes turned into QLinearConv / QLinearMatMul
 * @passthrough: data-movement and MaxPool nodes that now run on int8
 * @quantize_nodes: QuantizeLinear nodes inserted
 * @dequantize_nodes: DequantizeLinear nodes inserted
 * @float_nodes: nodes left in float
 */
struct quantize_report {
	size_t quantized;
	size_t passthrough;
	size_t quantize_nodes;
	size_t dequantize_nodes;
	size_t float_nodes;
};

/**
 * ir_pass_quantize() - rewrite @g into its int8 form (the header's comment) with the ranges
 * of @cal; then re-infer shapes and drop what became dead (the float weights)
 * @g: an imported graph (shapes inferred), after the graph passes (a fused Relu then sets its
 *     producer's range), the graph @cal was calibrated on
 * @cal: at least one run recorded
 * @r: counters, zeroed first; may be NULL
 * @err: on error, one line naming the reason
 *
 * A Conv quantizes when its weights (and bias) are float constants and its fused activation,
 * if any, is Relu or Clip; a Gemm when also alpha = beta = 1, transA = 0, A is 2-D and C is
 * [N], [1, N] or a scalar; a MatMul when A is 2-D and B a 2-D constant; each only when its
 * input and output were seen in calibration.
 *
 * Return: 0; -EINVAL when @cal does not fit @g or has no run, or a weight is not finite;
 * ir_infer_shapes()'s errors; -ENOMEM. On error the graph may be partly rewritten: destroy it.
 */
int ir_pass_quantize(struct ir_graph *g, const struct quant_calibration *cal,
		     struct quantize_report *r, char *err, size_t err_len);

/*
 * ir_pass_quantize_flags() flag: also take to int8 what an int8 device without weights
 * computes (vedge's ADD, MUL, AVGPOOL, LUT), each marked fixed point: Add and Mul whose
 * operands are calibrated values or float constants -> QLinearAdd / QLinearMul
 * (compiler/ops/quant_elementwise.c; a fused Relu or Clip kept as the clamp);
 * AveragePool (padding excluded, no ceil_mode) and GlobalAveragePool on a value that lives in
 * int8 only -> QLinearAveragePool / QLinearGlobalAveragePool with the input's quantization;
 * an elementwise unary activation (Sigmoid, Tanh, HardSwish, LeakyRelu, Clip, ...) on such a
 * value -> DequantizeLinear, the float op, QuantizeLinear (a table lookup on the device).
 */
#define QUANTIZE_F_DEVICE_OPS (1u << 0)

/**
 * quant_lut_op() - whether @n is an elementwise unary op that QUANTIZE_F_DEVICE_OPS takes to
 * int8 between a DequantizeLinear and a QuantizeLinear (a 256-entry table on int8)
 */
bool quant_lut_op(const struct ir_node *n);

/**
 * quant_unfuse_table_activations() - before calibration for QUANTIZE_F_DEVICE_OPS: take each
 * Sigmoid or Tanh that activation fusion put into its producer (a Conv, Gemm, Add, Mul...)
 * back out as its own node, so that the producer's output is calibrated and quantized and
 * the activation becomes a table lookup (Relu and Clip stay fused: the device clamps)
 * @g: the graph after the passes
 * @unfused: how many (may be NULL)
 * Return: 0 or -ENOMEM (the graph then stays valid, partly unfused).
 */
int quant_unfuse_table_activations(struct ir_graph *g, size_t *unfused);

/**
 * ir_pass_quantize_flags() - ir_pass_quantize() with QUANTIZE_F_* @flags (0: the same)
 */
int ir_pass_quantize_flags(struct ir_graph *g, const struct quant_calibration *cal,
			   unsigned int flags, struct quantize_report *r, char *err, size_t err_len);

/**
 * ir_pass_quant_fixed_point() - take the QLinearConv and QLinearMatMul nodes of an already
 * quantized model as the device computes them: mark with IR_ATTR_QUANT_REQUANT
 * "fixed_point" each one the device can run exactly: int8 input, weights and output; the
 * input's scale and zero point one constant value each; weights (QLinearMatMul: a 2-D B) and
 * their scales constant, their zero points constant zeros; the output's scale and zero point
 * constant; QLinearConv's bias absent or a constant; no fused activation. Its host kernel then
 * requantizes as the device does (M, s) instead of in double with ONNX's rounding.
 * uint8 models and those with per-row or run-time scales keep ONNX's semantics.
 * @marked: the number of nodes marked (may be NULL)
 * Return: 0 or -ENOMEM.
 */
int ir_pass_quant_fixed_point(struct ir_graph *g, size_t *marked);

#endif
