// SPDX-License-Identifier: MIT
/*
 * Where a model's slots live (docs/runtime.md, "Models"): host-visible memory for the slots
 * the caller or a host stage reads and writes through the CPU, the device's memory (VRAM,
 * not CPU-mappable) for every other one, so that the device's own data (weights,
 * intermediates only packets touch) is in the memory nearest to it.
 */
#include <stdlib.h>

#include <uapi/drm/vnpu_accel.h>

#include "model_internal.h"

/* Mark the slot of tensor @t, if it has one, with @bit. */
static void mark_tensor(const struct vnpu_prog *p, uint8_t *use, int t, uint8_t bit)
{
	int s;

	if (t < 0 || (size_t)t >= p->n_tensors)
		return;
	s = p->tensor_slot[t];
	if (s >= 0 && (unsigned int)s < p->nslots)
		use[s] |= bit;
}

uint8_t *model_slot_uses(const struct vnpu_prog *p, const struct ir_graph *g)
{
	uint8_t *use = calloc(p->nslots ? p->nslots : 1, sizeof(*use));

	if (!use)
		return NULL;
	for (size_t i = 0; i < g->n_inputs; i++)
		mark_tensor(p, use, g->inputs[i], MODEL_SLOT_CALLER);
	for (size_t i = 0; i < g->n_outputs; i++)
		mark_tensor(p, use, g->outputs[i], MODEL_SLOT_CALLER);
	/*
	 * A host stage runs its nodes' host kernels on the slots' CPU mappings: every slot
	 * holding one of their inputs or outputs (the arena too, when one of them lies there)
	 * must have one.
	 */
	for (unsigned int i = 0; i < p->nstages; i++) {
		const struct vnpu_prog_stage *s = &p->stages[i];

		if (!s->host)
			continue;
		for (size_t k = 0; k < s->n_nodes; k++) {
			const struct ir_node *n;

			if (s->nodes[k] >= g->n_nodes)
				continue;
			n = g->nodes[s->nodes[k]];
			for (size_t j = 0; j < n->n_inputs; j++)
				mark_tensor(p, use, n->inputs[j], MODEL_SLOT_HOST_STAGE);
			for (size_t j = 0; j < n->n_outputs; j++)
				mark_tensor(p, use, n->outputs[j], MODEL_SLOT_HOST_STAGE);
		}
	}
	return use;
}

bool model_slot_host_visible(const struct vnpu_prog *p, unsigned int slot, uint8_t use)
{
	/* The runtime zeroes the semaphores of chained stages through the CPU before each run. */
	if (p->sem_slot >= 0 && slot == (unsigned int)p->sem_slot)
		return true;
	/* The device's TIMESTAMPs are read there by the CPU (`accel run --profile`). */
	if (p->profile_slot >= 0 && slot == (unsigned int)p->profile_slot)
		return true;
	return use & (MODEL_SLOT_CALLER | MODEL_SLOT_HOST_STAGE);
}

uint64_t model_slot_device_bytes(uint64_t size)
{
	return (size + VNPU_VA_PAGE_SIZE - 1) / VNPU_VA_PAGE_SIZE * VNPU_VA_PAGE_SIZE;
}

uint64_t accelrt_model_device_bytes(const struct vnpu_prog *p, const struct ir_graph *g)
{
	uint8_t *use = model_slot_uses(p, g);
	uint64_t bytes = 0;

	for (unsigned int s = 0; s < p->nslots; s++)
		/* Short of memory for the uses, count every slot: never less than the need. */
		if (!use || !model_slot_host_visible(p, s, use[s]))
			bytes += model_slot_device_bytes(p->slots[s].size);
	free(use);
	return bytes;
}
