// SPDX-License-Identifier: MIT
/*
 * Constants into device memory. VRAM has no CPU mapping, so the contents go through a
 * host-visible staging buffer: as much as fits is copied there, then one job on a DMA engine
 * (a DMA_COPY packet per piece, docs/vnpu-isa.md) moves it to the slots, and the staging
 * buffer is filled again. The staging buffer is bounded, so a model with gigabytes of
 * weights does not need as much host memory again to load.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <uapi/drm/vnpu_accel.h>

#include "model_internal.h"

/* The staging buffer's largest size. */
#define MODEL_STAGING_MAX	(8ull << 20)
/* The packets of one job (their stream stays well below VNPU_MAX_CMD_SIZE). */
#define MODEL_UPLOAD_PACKETS	1024

/* One upload job: DMA_COPY packets from slot 0 (the staging buffer) to slot 1 + i. */
struct upload_job {
	struct vnpu_pkt_dma_copy pkts[MODEL_UPLOAD_PACKETS];
	struct accelrt_reloc relocs[2 * MODEL_UPLOAD_PACKETS];
	unsigned int npkts;
	uint64_t staged;	/* bytes of the staging buffer in use */
};

static void job_add(struct upload_job *j, unsigned int slot, uint64_t off, uint64_t size)
{
	struct vnpu_pkt_dma_copy *pkt = &j->pkts[j->npkts];
	uint64_t at = (uint64_t)j->npkts * sizeof(*pkt);

	*pkt = (struct vnpu_pkt_dma_copy){
		.hdr = { .opcode = VNPU_OP_DMA_COPY, .length = sizeof(*pkt) / 4 },
		.size = size,
	};
	j->relocs[2 * j->npkts] = (struct accelrt_reloc){
		.offset = at + offsetof(struct vnpu_pkt_dma_copy, src_va), .slot = 0,
		.addend = j->staged,
	};
	j->relocs[2 * j->npkts + 1] = (struct accelrt_reloc){
		.offset = at + offsetof(struct vnpu_pkt_dma_copy, dst_va), .slot = 1 + slot,
		.addend = off,
	};
	j->npkts++;
	j->staged += size;
}

/* Run the job's packets on a DMA engine and wait for them; the job is empty again after. */
static int job_flush(struct accelrt_device *dev, struct upload_job *j,
		     struct accelrt_buffer *const *slots, unsigned int nslots)
{
	struct accelrt_program *prog;
	int ret;

	if (!j->npkts)
		return 0;
	ret = accelrt_program_create(dev, j->pkts, (size_t)j->npkts * sizeof(j->pkts[0]),
				     j->relocs, 2 * j->npkts, &prog);
	if (!ret)
		ret = accelrt_run_sync(prog, slots, nslots, ACCELRT_RUN_DMA);
	accelrt_program_free(prog);
	j->npkts = 0;
	j->staged = 0;
	return ret;
}

int model_upload_constants(struct accelrt_model *m)
{
	const struct vnpu_prog *p = m->prog;
	struct accelrt_buffer **slots = NULL, *staging = NULL;
	struct upload_job *job = NULL;
	uint64_t total = 0, cap;
	uint8_t *map;
	int ret;

	for (unsigned int s = 0; s < p->nslots; s++)
		if (p->slots[s].data && !m->host[s])
			total += p->slots[s].size;
	if (!total)
		return 0;
	cap = total < MODEL_STAGING_MAX ? total : MODEL_STAGING_MAX;
	/* Slot 0 of the jobs is the staging buffer, slot 1 + s the model's slot s. */
	slots = calloc(p->nslots + 1, sizeof(*slots));
	job = calloc(1, sizeof(*job));
	if (!slots || !job) {
		ret = -ENOMEM;
		goto out;
	}
	ret = accelrt_buffer_alloc(m->dev, cap, ACCELRT_BUFFER_HOST, &staging);
	if (ret)
		goto out;
	accelrt_buffer_map(staging, (void **)&map);
	slots[0] = staging;
	memcpy(slots + 1, m->shared, p->nslots * sizeof(*slots));
	for (unsigned int s = 0; s < p->nslots && !ret; s++) {
		if (!p->slots[s].data || m->host[s])
			continue;
		/* Piece by piece: a constant larger than the staging buffer takes several jobs. */
		for (uint64_t off = 0; off < p->slots[s].size && !ret;) {
			uint64_t n = p->slots[s].size - off;

			if (job->npkts == MODEL_UPLOAD_PACKETS || job->staged == cap)
				ret = job_flush(m->dev, job, slots, p->nslots + 1);
			if (ret)
				break;
			if (n > cap - job->staged)
				n = cap - job->staged;
			memcpy(map + job->staged, (const uint8_t *)p->slots[s].data + off, n);
			job_add(job, s, off, n);
			off += n;
		}
	}
	if (!ret)
		ret = job_flush(m->dev, job, slots, p->nslots + 1);
out:
	accelrt_buffer_free(staging);
	free(job);
	free(slots);
	return ret;
}
