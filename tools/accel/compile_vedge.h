/* SPDX-License-Identifier: MIT */
/*
 * `accel compile --device NODE` for a vedge node: the int8 graph and its vedge plan
 * (compiler/codegen_vedge.h).
 */
#ifndef ACCEL_TOOLS_COMPILE_VEDGE_H
#define ACCEL_TOOLS_COMPILE_VEDGE_H

#include <stdbool.h>
#include <stdint.h>

/**
 * struct compile_vedge_opts - what `accel compile` passes on.
 * @model: the ONNX model; @output: where the int8 graph goes (ONNX).
 * @device: the vedge node whose parameters (DMA, SRAM) the plan is for.
 * @calibration: --calibration DIR, or NULL: the model's own test_data_set_N inputs.
 * @batch: images per run (0: 1).
 * @json: one JSON object with the whole plan; @verbose: every job of the plan.
 */
struct compile_vedge_opts {
	const char *model;
	const char *output;
	const char *device;
	const char *calibration;
	int64_t batch;
	bool json;
	bool verbose;
};

/** compile_vedge() - compile for a vedge node and report the plan: an exit status. */
int compile_vedge(const struct compile_vedge_opts *o);

#endif
