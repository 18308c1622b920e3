// SPDX-License-Identifier: MIT
/*
 * The buffers of one inference (include/accelrt_model.h): every slot a run writes, placed as
 * the model's placement says, next to the model's shared constants; and runs of a model on
 * them. Inferences on different bindings share no buffer they write, so they may be in
 * flight together.
 */
#include <errno.h>
#include <stdlib.h>

#include "model_internal.h"

int accelrt_model_bindings_new(struct accelrt_model *m, struct accelrt_model_bindings **out)
{
	const struct vnpu_prog *p = m->prog;
	unsigned int n = p->nslots ? p->nslots : 1;
	struct accelrt_model_bindings *b;
	int ret = 0;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->m = m;
	b->slots = calloc(n, sizeof(*b->slots));
	b->own = calloc(n, sizeof(*b->own));
	if (!b->slots || !b->own) {
		ret = -ENOMEM;
		goto fail;
	}
	for (unsigned int s = 0; s < p->nslots; s++) {
		/*
		 * The model's own slots: constants and packed weights, shared by every binding (a
		 * constant that only fed the packing is freed, NULL here: nothing reads it).
		 */
		if (m->shared[s] || p->slots[s].data || p->slots[s].packed) {
			b->slots[s] = m->shared[s];
			continue;
		}
		ret = accelrt_buffer_alloc(m->dev, p->slots[s].size,
					   m->host[s] ? ACCELRT_BUFFER_HOST : 0, &b->slots[s]);
		if (ret)
			goto fail;
		b->own[s] = true;
	}
	*out = b;
	return 0;
fail:
	accelrt_model_bindings_free(b);
	return ret;
}

void accelrt_model_bindings_free(struct accelrt_model_bindings *b)
{
	if (!b)
		return;
	for (unsigned int s = 0; b->slots && b->own && s < b->m->prog->nslots; s++)
		if (b->own[s])
			accelrt_buffer_free(b->slots[s]);
	free(b->own);
	free(b->slots);
	free(b);
}

/* The CPU address of graph tensor @t in @b: its slot's mapping at its offset there. */
static void *tensor_map(struct accelrt_model_bindings *b, int t)
{
	const struct vnpu_prog *p = b->m->prog;
	int s = p->tensor_slot[t];
	void *map;

	if (s < 0 || accelrt_buffer_map(b->slots[s], &map))
		return NULL;
	return (uint8_t *)map + p->tensor_offset[t];
}

void *accelrt_model_input_map(struct accelrt_model_bindings *b, unsigned int i)
{
	if (i >= b->m->g->n_inputs)
		return NULL;
	return tensor_map(b, b->m->g->inputs[i]);
}

void *accelrt_model_output_map(struct accelrt_model_bindings *b, unsigned int i)
{
	if (i >= b->m->g->n_outputs)
		return NULL;
	return tensor_map(b, b->m->g->outputs[i]);
}

struct accelrt_buffer *const *accelrt_model_bindings_slots(const struct accelrt_model_bindings *b)
{
	return b->slots;
}

int accelrt_model_run(struct accelrt_model *m, struct accelrt_model_bindings *b, uint32_t flags,
		      struct accelrt_run **out)
{
	if (b->m != m)
		return -EINVAL;
	return accelrt_run(m->rtprog, b->slots, m->prog->nslots, flags, out);
}

int accelrt_model_run_sync(struct accelrt_model *m, struct accelrt_model_bindings *b,
			   uint32_t flags)
{
	struct accelrt_run *run;
	int ret = accelrt_model_run(m, b, flags, &run);

	if (ret)
		return ret;
	ret = accelrt_run_wait(run, INT64_MAX);
	accelrt_run_free(run);
	return ret;
}
