/* SPDX-License-Identifier: MIT */
/*
 * `accel run --device NODE` where NODE is a vedge device: the model quantized to int8,
 * compiled by compiler/codegen_vedge.h and run through runtime/model/model_vedge.h.
 */
#ifndef ACCEL_TOOLS_RUN_VEDGE_H
#define ACCEL_TOOLS_RUN_VEDGE_H

#include <stdbool.h>
#include <stdint.h>

/**
 * struct run_vedge_opts - what `accel run` passes on.
 * @model: the ONNX model.
 * @device: the vedge node.
 * @data: --data DIR (input_0.pb, output_0.pb), or NULL (zeros, nothing compared).
 * @calibration: --calibration DIR, or NULL: the model's own test_data_set_N inputs.
 * @batch: --batch (0: the batch of DIR/input_0.pb, else 1).
 * @rtol, @atol: the comparison's tolerance.
 * @iterations: timed runs after the first.
 * @json: one JSON object.
 * @verbose: print the tiling plan.
 */
struct run_vedge_opts {
	const char *model;
	const char *device;
	const char *data;
	const char *calibration;
	int64_t batch;
	double rtol, atol;
	long iterations;
	bool json;
	bool verbose;
};

/** run_vedge() - run @o's model on its vedge device: `accel run`'s exit status. */
int run_vedge(const struct run_vedge_opts *o);

#endif
