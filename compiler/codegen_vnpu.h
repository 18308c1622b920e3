/* SPDX-License-Identifier: MIT */
/*
 * Code generation for the vnpu: an imported graph into a sequence of stages, as the runtime's
 * programs are (include/accelrt.h): device stages, position-independent command streams whose
 * buffer addresses are relocations against numbered slots, and host stages, nodes the vnpu
 * cannot run computed by their host kernels (compiler/op.h) on the slots' mappings. See
 * docs/compiler.md, "Code generation for the vnpu".
 */
#ifndef ACCEL_COMPILER_CODEGEN_VNPU_H
#define ACCEL_COMPILER_CODEGEN_VNPU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler/ir.h"

/* Same layout as struct accelrt_reloc: the u64 at @offset of the stream = slot VA + @addend. */
struct vnpu_prog_reloc {
	uint64_t offset;
	uint32_t slot;
	uint32_t pad;
	uint64_t addend;
};

/**
 * struct vnpu_prog_slot - one buffer the program uses
 * @tensor: the graph tensor it holds, or -1 for a scratch buffer (a layout change)
 * @size: bytes (>= 1)
 * @data: contents to upload once before the first run (weights, constants), @size bytes, or
 *        NULL for a value computed or supplied at run time. Owned by the program.
 */
struct vnpu_prog_slot {
	int tensor;
	uint64_t size;
	void *data;
};

/*
 * Device stage flags, the runtime's ACCELRT_STAGE_* (include/accelrt.h): the stage runs on the
 * DMA engines; the next stage is submitted without waiting for this one (its stream waits on
 * a semaphore of the program's @sem_slot instead).
 */
#define VNPU_STAGE_DMA		(1u << 0)
#define VNPU_STAGE_NO_WAIT	(1u << 1)
#define VNPU_STAGE_FLAGS_ALL	(VNPU_STAGE_DMA | VNPU_STAGE_NO_WAIT)

/**
 * struct vnpu_prog_stage - one stage of a program, run after the previous one is over (or,
 * after a VNPU_STAGE_NO_WAIT stage, once its semaphore says so)
 * @host: a host stage (@nodes) rather than a device stage (@offset...)
 * @flags: a device stage's VNPU_STAGE_*
 * @offset, @len: a device stage's packets, bytes [@offset, @offset + @len) of the stream
 * @reloc_first, @nrelocs: its relocations, entries of the program's @relocs, whose offsets
 *                         are relative to @offset (the stage is a stream of its own)
 * @nodes, @n_nodes: a host stage's graph nodes, by index, in order
 * @ts_first, @n_ts: a device stage's timestamps, entries [@ts_first, @ts_first + @n_ts) of
 *                   the profile slot: the stage's start, then the end of each node's packets
 *                   in order (struct vnpu_prog's @node_ts); -1 and 0 for a host stage and
 *                   for the NOP stage of a program with no device node
 */
struct vnpu_prog_stage {
	bool host;
	uint32_t flags;
	size_t offset, len;
	unsigned int reloc_first, nrelocs;
	size_t *nodes;
	size_t n_nodes;
	int ts_first;
	unsigned int n_ts;
};

/**
 * struct vnpu_prog - a compiled graph
 * @stream, @len: the packets of every device stage, one after the other (relocated fields
 *                hold 0)
 * @relocs, @nrelocs: their relocations, stage after stage
 * @stages, @nstages: the stages in run order; at least one
 * @slots, @nslots: the buffers, slot i at index i
 * @tensor_slot: for each graph tensor (@n_tensors), the slot holding it, or -1; an alias
 *               (Reshape...) has its source's slot
 * @tensor_offset: for each graph tensor, where it starts in its slot (non-zero only in the
 *                 arena)
 * @arena_slot: the slot holding every intermediate and scratch buffer, placed by liveness
 *              (compiler/mem_plan.h): the last slot, or -1 when there are none. Graph inputs
 *              and outputs and constants have slots of their own.
 * @mem_peak: the arena's bytes; @mem_lower_bound: the most bytes of intermediates live at
 *            one node, which no placement goes below
 * @sem_slot: the slot of the semaphores chained stages synchronise through (u64 words the
 *            runtime zeroes at each run, accelrt_program_set_semaphores()), or -1 when no
 *            stage is chained; it is per run, host-visible, of its own (not in the arena)
 * @profile_slot: the slot the device stages' TIMESTAMP packets write, one u64 each
 *                (CLOCK_MONOTONIC ns, @n_timestamps of them), so that a run can be profiled
 *                per node (vnpu_prog_node_times()); not in the arena, and a loader that
 *                profiles keeps it host-visible. -1 when no node runs on the device or the
 *                program was compiled without (codegen_vnpu_options.profile).
 * @n_timestamps: the timestamps: one at the start of each device stage, one after the
 *                packets of each device node
 * @node_ts: for each graph node (@n_graph_nodes), the index of the timestamp ending its
 *           packets, or -1 (host, alias and constant nodes); the timestamp before it in its
 *           stage (index - 1) is its start
 * @n_packets: packets in @stream (the timestamps included)
 * @n_nodes_device: graph nodes that became packets; @n_nodes_alias: nodes that became aliases;
 * @n_nodes_host: nodes in host stages; @n_nodes_const: nodes the importer computed (folded)
 * @flops_device, @flops_host: the work of the device's and the host's nodes
 *                             (vnpu_node_flops())
 */
struct vnpu_prog {
	uint8_t *stream;
	size_t len;
	struct vnpu_prog_reloc *relocs;
	unsigned int nrelocs;
	struct vnpu_prog_stage *stages;
	unsigned int nstages;
	struct vnpu_prog_slot *slots;
	unsigned int nslots;
	int *tensor_slot;
	uint64_t *tensor_offset;
	size_t n_tensors;
	int arena_slot;
	int profile_slot;
	unsigned int n_timestamps;
	int *node_ts;
	size_t n_graph_nodes;
	uint64_t mem_peak;
	uint64_t mem_lower_bound;
	int sem_slot;
	unsigned int n_packets;
	unsigned int n_nodes_device;
	unsigned int n_nodes_alias;
	unsigned int n_nodes_host;
	unsigned int n_nodes_const;
	double flops_device;
	double flops_host;
};

/**
 * vnpu_node_flops() - the work of node @idx of @g, as a run's device share counts it:
 * 2 * M * N * K for MatMul and Gemm (batches included), 2 * out_elems * kernel_elems *
 * in_channels / groups for Conv (and ConvTranspose), the elements of its outputs otherwise
 */
double vnpu_node_flops(const struct ir_graph *g, size_t idx);

/**
 * codegen_vnpu() - lower @g to a vnpu program
 * @g: an imported graph with every shape known (onnx_import_file()); it is not modified
 * @out: the program (codegen_vnpu_free() it), untouched on error
 * @err: on error, one line naming the node and its op and why; @err_len its size
 *
 * A node goes to the device when it lowers to packets (or to an alias), else to a host stage
 * when its op has a host kernel; consecutive nodes of one kind share a stage. Every tensor a
 * host node reads or writes, constants aside, has a slot (the host reads constants from @g).
 *
 * The program has no timestamps (@profile_slot -1): codegen_vnpu_opts() with
 * codegen_vnpu_options.profile adds them.
 *
 * Return: 0; -EOPNOTSUPP for a node the device cannot run and the host has no kernel for
 * (the message says why the device refused it); -E2BIG when the stream outgrows
 * VNPU_MAX_CMD_SIZE or the slots ACCELRT_MAX_SLOTS; -ENOMEM.
 */
int codegen_vnpu(const struct ir_graph *g, struct vnpu_prog **out, char *err, size_t err_len);

/**
 * struct codegen_vnpu_options - how codegen_vnpu_opts() lowers
 * @dma_io: I/O-pipelined programs: a program that is one device stage becomes three chained
 *          stages, a DMA stage copying the graph inputs into staging buffers in the arena
 *          (then FENCE_WRITE sem[0] = 1), the compute stage reading and writing those copies
 *          (after SEM_WAIT sem[0] >= 1; FENCE_WRITE sem[1] = 1 at its end) and a DMA stage
 *          copying the outputs back (after SEM_WAIT sem[1] >= 1), the semaphores in
 *          @sem_slot; so the next run's input copy overlaps this run's compute. A program
 *          with host stages is left as it is (one SUBMIT per device stage, no semaphores).
 * @profile: put a TIMESTAMP at the start of each device stage and one after the packets of
 *           each device node, into the profile slot (struct vnpu_prog's @profile_slot,
 *           @node_ts): 16 bytes and one relocation per node, so that any run can be profiled
 *           per node. compile_model_file() (so `accel compile` and `accel run`) always sets it.
 */
struct codegen_vnpu_options {
	bool dma_io;
	bool profile;
};

/**
 * codegen_vnpu_opts() - codegen_vnpu() with options @o (NULL: all off, as codegen_vnpu())
 */
int codegen_vnpu_opts(const struct ir_graph *g, const struct codegen_vnpu_options *o,
		      struct vnpu_prog **out, char *err, size_t err_len);

/** codegen_vnpu_free() - free @p; NULL is a no-op */
void codegen_vnpu_free(struct vnpu_prog *p);

/**
 * struct vnpu_host_stage - what a host stage needs at run time (the runtime's host-stage
 * context, include/accelrt.h's accelrt_host_fn)
 * @g: the graph compiled; host kernels only read it
 * @p: the program
 * @stage: the index of a host stage of @p
 * @err: the message of the stage's last failure (when runs of the program do not overlap)
 */
struct vnpu_host_stage {
	struct ir_graph *g;
	const struct vnpu_prog *p;
	unsigned int stage;
	char err[256];
};

/**
 * vnpu_host_stage_run() - run host stage @ctx (a struct vnpu_host_stage) on a run's slots:
 * the type of accelrt_host_fn, so that it is the runtime's callback as it is
 * @maps: each slot's CPU address (NULL when it has none); @nmaps: their count
 *
 * Safe to call concurrently for runs of different slots: it keeps its values on the stack
 * and the heap, only the failure message in @ctx.
 *
 * Return: 0; -EINVAL when a slot it needs has no mapping; the failing kernel's errno.
 */
int vnpu_host_stage_run(void *ctx, void *const *maps, unsigned int nmaps);

#endif
