/* SPDX-License-Identifier: MIT */
/*
 * Code generation for the vnpu: an imported graph (f32) into one position-independent command
 * stream whose buffer addresses are relocations against numbered slots (the runtime's program
 * model, include/accelrt.h). See docs/compiler.md, "Code generation".
 */
#ifndef ACCEL_COMPILER_CODEGEN_VNPU_H
#define ACCEL_COMPILER_CODEGEN_VNPU_H

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

/**
 * struct vnpu_prog - a compiled graph
 * @stream, @len: the packets (relocated fields hold 0)
 * @relocs, @nrelocs: their relocations
 * @slots, @nslots: the buffers, slot i at index i
 * @tensor_slot: for each graph tensor (@n_tensors), the slot holding it, or -1; an alias
 *               (Reshape...) has its source's slot
 * @n_packets: packets in @stream
 * @n_nodes_device: graph nodes that became packets; @n_nodes_alias: nodes that became aliases
 */
struct vnpu_prog {
	uint8_t *stream;
	size_t len;
	struct vnpu_prog_reloc *relocs;
	unsigned int nrelocs;
	struct vnpu_prog_slot *slots;
	unsigned int nslots;
	int *tensor_slot;
	size_t n_tensors;
	unsigned int n_packets;
	unsigned int n_nodes_device;
	unsigned int n_nodes_alias;
};

/**
 * codegen_vnpu() - lower @g to a vnpu program
 * @g: an imported graph with every shape known (onnx_import_file()); it is not modified
 * @out: the program (codegen_vnpu_free() it), untouched on error
 * @err: on error, one line naming the node and its op and why; @err_len its size
 *
 * Every node must lower to packets or to an alias: there is no host fallback yet.
 *
 * Return: 0; -EOPNOTSUPP for a node (op, type, attribute or shape) the device cannot run;
 * -E2BIG when the stream outgrows VNPU_MAX_CMD_SIZE or the slots ACCELRT_MAX_SLOTS; -ENOMEM.
 */
int codegen_vnpu(const struct ir_graph *g, struct vnpu_prog **out, char *err, size_t err_len);

/** codegen_vnpu_free() - free @p; NULL is a no-op */
void codegen_vnpu_free(struct vnpu_prog *p);

#endif
