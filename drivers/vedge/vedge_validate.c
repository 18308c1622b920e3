// SPDX-License-Identifier: MIT
/*
 * vedge: the stream checker, run at SUBMIT on the driver's copy of the stream before the job
 * is queued. It follows the stream as the NPU will (the same operation state, vedge_cmd.c)
 * and refuses with -EINVAL: unknown opcodes, fields that must be 0 and are not, register
 * values out of range, DMA commands on a DMA-less device, any operation whose shapes break
 * the uAPI's rules, an operand outside its region (or in a region the job does not have, or
 * past the SRAM), a write to a region without VEDGE_REGION_F_WRITE, an output overlapping one
 * of its inputs (and a DMA copy overlapping itself), and a lookup table used before one was
 * loaded. Nothing of a refused stream runs; the checker reads only the copy it is given.
 */
#include <errno.h>

#include "vedge_drv.h"

/* Whether @span lies inside its region (or the SRAM scratch), with write access if asked. */
static int vedge_check_span(const struct vedge_span *span,
			    const struct vedge_region_info *regions, uint32_t nr_regions,
			    uint64_t sram_size, bool write)
{
	uint64_t size;

	if (span->region == VEDGE_REGION_SRAM) {
		size = sram_size;
	} else {
		if (span->region >= nr_regions)
			return -EINVAL;
		if (write && !regions[span->region].writable)
			return -EINVAL;
		size = regions[span->region].size;
	}
	if (span->offset > size || span->len > size - span->offset)
		return -EINVAL;
	return 0;
}

static bool vedge_spans_overlap(const struct vedge_span *a, const struct vedge_span *b)
{
	return a->region == b->region && a->offset < b->offset + b->len &&
	       b->offset < a->offset + a->len;
}

static int vedge_check_op(const struct vedge_state *s, uint16_t opcode,
			  const struct vedge_region_info *regions, uint32_t nr_regions,
			  uint64_t sram_size, bool *lut_loaded)
{
	struct vedge_span in[4], out[1];
	unsigned int nr_in, nr_out, i;

	if (vedge_op_operands(s, opcode, in, &nr_in, out, &nr_out))
		return -EINVAL;
	for (i = 0; i < nr_in; i++)
		if (vedge_check_span(&in[i], regions, nr_regions, sram_size, false))
			return -EINVAL;
	if (nr_out) {
		if (vedge_check_span(&out[0], regions, nr_regions, sram_size, true))
			return -EINVAL;
		for (i = 0; i < nr_in; i++)
			if (vedge_spans_overlap(&out[0], &in[i]))
				return -EINVAL;
	}
	if (opcode == VEDGE_OP_LUT && !*lut_loaded)
		return -EINVAL;
	if (opcode == VEDGE_OP_LUT_LOAD)
		*lut_loaded = true;
	return 0;
}

/**
 * vedge_validate_stream() - check a stream against the job's regions
 * @cmds: the driver's copy of the stream
 * @nr_cmds: its commands (1..VEDGE_MAX_CMDS)
 * @regions: the job's regions
 * @nr_regions: how many
 * @sram_size: bytes of VEDGE_REGION_SRAM the job may use
 * @has_dma: the device has DMA (DMA registers and DMA_COPY allowed)
 *
 * Return: 0, or -EINVAL for the first command that breaks a rule.
 */
int vedge_validate_stream(const struct vedge_cmd *cmds, uint32_t nr_cmds,
			  const struct vedge_region_info *regions, uint32_t nr_regions,
			  uint64_t sram_size, bool has_dma)
{
	bool lut_loaded = false;
	struct vedge_state s;
	uint32_t i;

	vedge_state_init(&s);
	for (i = 0; i < nr_cmds; i++) {
		const struct vedge_cmd *c = &cmds[i];

		if (c->opcode == VEDGE_CMD_STOP)
			return c->param || c->value ? -EINVAL : 0;
		if (c->opcode < VEDGE_OP_CONV2D) {
			if (vedge_state_set(&s, c, has_dma))
				return -EINVAL;
			/* ACT_LUT reads the table last loaded: there must be one. */
			if (c->opcode == VEDGE_SET_ACT_LUT && c->value && !lut_loaded)
				return -EINVAL;
			continue;
		}
		if (c->param || c->value || (c->opcode == VEDGE_OP_DMA_COPY && !has_dma))
			return -EINVAL;
		if (vedge_check_op(&s, c->opcode, regions, nr_regions, sram_size, &lut_loaded))
			return -EINVAL;
	}
	return 0;
}
