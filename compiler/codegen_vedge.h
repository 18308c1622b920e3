/* SPDX-License-Identifier: MIT */
/*
 * The vedge code generator: an int8 graph (compiler/passes/quantize.h's output, or a model's
 * own QLinear nodes marked fixed point) lowered to command streams of the edge NPU
 * (include/uapi/drm/vedge_accel.h), with the memory plan that makes them fit the device:
 * NHWC int8 feature maps, the weights and scale tables in one constant buffer, intermediate
 * maps in the NPU's SRAM where they fit, else in an activation buffer with one job per layer
 * (and, without DMA, per slice of rows or of output channels: tiling). docs/compiler.md
 * "vedge code generation".
 */
#ifndef ACCEL_COMPILER_CODEGEN_VEDGE_H
#define ACCEL_COMPILER_CODEGEN_VEDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <uapi/drm/vedge_accel.h>

#include "compiler/ir.h"

/* The buffers a vedge program names; the runtime makes one buffer object of each. */
enum vedge_buf {
	VEDGE_BUF_CONST,	/* weights and scale tables, uploaded once */
	VEDGE_BUF_INPUT,	/* the quantized input, NHWC int8, one map per image */
	VEDGE_BUF_OUTPUT,	/* the int8 output, NHWC, one map per image */
	VEDGE_BUF_ACT,		/* intermediate maps that do not live in SRAM */
	VEDGE_BUF_STATUS,	/* one byte per job, VEDGE_JOB_DONE once the job has run */
	VEDGE_BUF_COUNT,
};

/*
 * The byte each job's last operation copies from the constant buffer into its byte of the
 * status buffer: a job that failed, timed out or did not run (a failed dependency) leaves
 * its byte as the runtime cleared it, which a syncobj wait alone would not tell.
 */
#define VEDGE_JOB_DONE 0x5a

/*
 * Most multiply-accumulates one job of several images may take, so that a job stays well
 * inside the driver's job timeout on a loaded host (the NPU model runs on the CPU).
 */
#define VEDGE_JOB_MAX_MACS (16ull << 20)

/**
 * struct vedge_region_plan - one region of a job: a range of one of the program's buffers.
 * @buf: which buffer.
 * @offset: bytes from the buffer's start.
 * @size: bytes.
 * @write: the job writes it (VEDGE_REGION_F_WRITE).
 */
struct vedge_region_plan {
	enum vedge_buf buf;
	uint32_t offset;
	uint32_t size;
	bool write;
};

/**
 * struct vedge_job_plan - one SUBMIT: its stream and its regions, in region order.
 * @cmds: the stream, ending with STOP.
 * @n_cmds: commands in @cmds.
 * @regions: the regions, @n_regions of them.
 * @sram_used: without DMA, the SRAM its regions and stream take plus the scratch its
 *	stream uses; with DMA, the scratch.
 * @what: what it computes, for the plan ("images 0-99: 5 layers", "conv 1 rows 0-13").
 */
struct vedge_job_plan {
	struct vedge_cmd *cmds;
	size_t n_cmds;
	struct vedge_region_plan regions[VEDGE_MAX_REGIONS];
	unsigned int n_regions;
	uint64_t sram_used;
	char what[96];
};

/**
 * struct vedge_io - the float tensor at one end of the program and its int8 form.
 * @rank: 2 ([N, C]) or 4 ([N, C, H, W]) as the graph has it.
 * @c, @h, @w: one image's dimensions (h = w = 1 for rank 2).
 * @scale, @zero_point: the quantization between float and int8.
 * @bytes: one image's int8 bytes (h * w * c).
 * @off: where its maps start in the input (output) buffer: each input's (output's) @batch
 *	maps lie together, the inputs (outputs) one after the other in the graph's order.
 */
struct vedge_io {
	int rank;
	int64_t c, h, w;
	float scale;
	int8_t zero_point;
	size_t bytes;
	uint64_t off;
};

/* Most graph inputs, and most graph outputs, a vedge program takes. */
#define VEDGE_MAX_IO 4

/**
 * struct vedge_program - a graph compiled for one vedge device.
 * @consts: the constant buffer's contents, @const_size bytes (VEDGE_JOB_DONE at 0).
 * @act_size: bytes of the activation buffer (0: none needed).
 * @batch: images per run; the input and output buffers hold @batch maps each.
 * @in, @out: the graph's inputs and outputs, @n_in and @n_out of them, in its order.
 * @in_size, @out_size: bytes of the input and output buffers (all of them, @batch maps each).
 * @jobs: the jobs of one run, in order (each waits for the one before).
 * @n_jobs: how many.
 * @n_layers: device operations per image.
 * @mode: "sram" (intermediates in SRAM, whole network per job), or "layers" (intermediates
 *	in the activation buffer, one job per layer and tile).
 * @tiles: jobs that run a slice of a layer (rows or output channels).
 * @has_dma, @sram_size: the target.
 */
struct vedge_program {
	uint8_t *consts;
	size_t const_size;
	size_t act_size;
	int64_t batch;
	struct vedge_io in[VEDGE_MAX_IO], out[VEDGE_MAX_IO];
	size_t n_in, n_out;
	size_t in_size, out_size;
	struct vedge_job_plan *jobs;
	size_t n_jobs;
	size_t n_layers;
	const char *mode;
	size_t tiles;
	bool has_dma;
	uint32_t sram_size;
};

/**
 * struct vedge_target - what the code generator compiles for.
 * @has_dma: VEDGE_PARAM_HAS_DMA.
 * @sram_size: VEDGE_PARAM_SRAM_SIZE.
 * @batch: images per run (>= 1): the graph is compiled for one image (batch dimension 1)
 *	and its operations repeated per image.
 * @force_layers: plan one job per layer even where the network fits SRAM (tests).
 */
struct vedge_target {
	bool has_dma;
	uint32_t sram_size;
	int64_t batch;
	bool force_layers;
};

/**
 * vedge_codegen() - lower an int8 graph to a vedge program.
 * @g: the graph: float inputs [1, C, H, W] or [1, C] (up to VEDGE_MAX_IO) each quantized by
 *	a QuantizeLinear, then QLinearConv (group 1 or depthwise), QLinearMatMul with
 *	accel.bias, MaxPool, QLinearAveragePool, QLinearGlobalAveragePool, QLinearAdd and
 *	QLinearMul (operands of equal shapes, or one per channel or a scalar, possibly an int8
 *	constant), DequantizeLinear -> an elementwise unary op -> QuantizeLinear (a table
 *	lookup), and Flatten/Reshape/Squeeze/Unsqueeze/Identity on int8, all with accel.requant
 *	fixed_point where they requantize, and a DequantizeLinear giving each graph output.
 * @t: the target.
 * @out: the program, freed with vedge_program_free().
 * @err: a message on failure.
 * @err_len: its size.
 *
 * Return: 0; -EOPNOTSUPP for a graph (node, layout) outside the above; -ENOSPC when a layer
 * does not fit the SRAM of a DMA-less device even one row (or output channel) at a time;
 * -EINVAL for inconsistent parameters; -ENOMEM.
 */
int vedge_codegen(const struct ir_graph *g, const struct vedge_target *t,
		  struct vedge_program **out, char *err, size_t err_len);

/** vedge_program_free() - free @p and everything it holds (NULL is fine). */
void vedge_program_free(struct vedge_program *p);

/**
 * vedge_program_print_plan() - the tiling plan, human-readable: mode, buffers, and every job
 * with its regions, commands and SRAM use.
 * @p: the program.
 * @f: where to print.
 */
void vedge_program_print_plan(const struct vedge_program *p, FILE *f);

/** vedge_buf_name() - "const", "input", "output" or "act". */
const char *vedge_buf_name(enum vedge_buf b);

#endif
