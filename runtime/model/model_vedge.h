/* SPDX-License-Identifier: MIT */
/*
 * An ONNX model on a vedge node (drivers/vedge): quantized to int8 (compiler/passes/quantize.h),
 * compiled by compiler/codegen_vedge.h, loaded into buffer objects of the node, and run: the
 * float input quantized on the host, the jobs submitted in order (each waiting on the previous
 * one's syncobj), the int8 output dequantized on the host. docs/compiler.md "vedge code
 * generation".
 */
#ifndef ACCEL_RUNTIME_MODEL_VEDGE_H
#define ACCEL_RUNTIME_MODEL_VEDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "compiler/codegen_vedge.h"
#include "compiler/ir.h"

struct vedge_model;

/**
 * struct vedge_model_options - how to quantize and compile.
 * @batch: images per run (0: 1).
 * @calibration: a directory of calibration samples (quant_calibration_list(): DIR/input_0.pb
 *	or DIR/test_data_set_N/input_0.pb, each one image); NULL: @calib_images, else the
 *	model's own directory (its test_data_set_N inputs).
 * @calib_images: float inputs of one image each, @calib_count of them, used when
 *	@calibration is NULL.
 * @calib_count: how many.
 * @force_layers: compile one job per layer even where the network fits the SRAM.
 */
struct vedge_model_options {
	int64_t batch;
	const char *calibration;
	const float *calib_images;
	size_t calib_count;
	bool force_layers;
};

/**
 * vedge_node_is_vedge() - whether the accel node @node is driven by vedge.
 * Return: 1 yes, 0 no, or -errno when it does not open.
 */
int vedge_node_is_vedge(const char *node);

/**
 * vedge_model_quantize() - import @path (batch 1), run the graph passes, calibrate and
 * quantize it to int8 in the device's fixed point.
 * @path: the ONNX model.
 * @o: options (calibration).
 * @out: the int8 graph (ir_graph_destroy()).
 * @err: a message on failure; @err_len its size.
 * Return: 0 or -errno.
 */
int vedge_model_quantize(const char *path, const struct vedge_model_options *o,
			 struct ir_graph **out, char *err, size_t err_len);

/**
 * vedge_model_load() - compile the int8 graph @g for the vedge node @node and load it.
 * @node: "/dev/accel/accelN" of a vedge device.
 * @g: an int8 graph (vedge_model_quantize(), or a model's own QLinear graph).
 * @o: options (batch, force_layers).
 * @out: the loaded model.
 * @err: a message on failure; @err_len its size.
 * Return: 0, -ENODEV when @node is not vedge, the codegen's errors, or -errno.
 */
int vedge_model_load(const char *node, const struct ir_graph *g,
		     const struct vedge_model_options *o, struct vedge_model **out, char *err,
		     size_t err_len);

/** vedge_model_program() - the compiled program of @m (its plan, its I/O shapes). */
const struct vedge_program *vedge_model_program(const struct vedge_model *m);

/**
 * vedge_model_run() - run one batch.
 * @m: the model.
 * @in: batch x C x H x W floats (the graph input's layout, NCHW); with several inputs, each
 *	input's batch one after the other in the graph's order.
 * @out: batch x the output's per-image elements, in the graph output's layout; with several
 *	outputs, each output's batch one after the other.
 * Return: 0, or the failed job's error (-EIO, -ETIMEDOUT...) or -errno.
 */
int vedge_model_run(struct vedge_model *m, const float *in, float *out);

/**
 * vedge_model_run_io() - run one batch of a program of several inputs and outputs.
 * @m: the model.
 * @in: the program's n_in inputs, each batch x its per-image elements (NCHW).
 * @out: the program's n_out outputs, each batch x its per-image elements.
 * Return: as vedge_model_run().
 */
int vedge_model_run_io(struct vedge_model *m, const float *const *in, float *const *out);

/** vedge_model_free() - unload (NULL is fine). */
void vedge_model_free(struct vedge_model *m);

#endif
