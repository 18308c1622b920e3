/* SPDX-License-Identifier: MIT */
/*
 * Packed weights: slots of a compiled program that the device fills at load time, in the
 * compute engine's own weight layout, from another slot (docs/vnpu-isa.md, CONV2D).
 */
#ifndef ACCELRT_MODEL_PACK_H
#define ACCELRT_MODEL_PACK_H

#include "accelrt.h"
#include "compiler/codegen_vnpu.h"

/**
 * vnpu_prog_pack_slots() - make the buffer of every packed slot of @p from its source slot.
 * @dev: the device.  @p: the program.  @bufs: one buffer per slot of @p; every slot that is
 *	not packed is allocated and its constants uploaded; packed slots' entries are NULL
 *	and filled here.
 *
 * Once packed, a source slot that no relocation of @p reads (the OHWI copy codegen made
 * for the packing alone) is freed and its entry set to NULL: the weights are then held once,
 * packed, not twice.
 *
 * Return: 0, or a negative errno (the buffers made so far stay in @bufs for the caller to
 * free).
 */
int vnpu_prog_pack_slots(struct accelrt_device *dev, const struct vnpu_prog *p,
			 struct accelrt_buffer **bufs);

#endif
