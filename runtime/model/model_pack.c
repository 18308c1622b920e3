// SPDX-License-Identifier: MIT
/*
 * Packed weights (model_pack.h). The packed layout is the device's (its compute engine's
 * choice for that convolution on that CPU), so the device both sizes and fills the packed
 * slots: a job per packed slot asks its size (CONV2D with VNPU_CONV2D_F_PACK_SIZE, into a
 * host buffer read back here), the buffers are allocated in VRAM, and a job per slot packs it
 * from its source slot (VNPU_CONV2D_F_PACK_WEIGHTS). One packet per job: finding a size
 * builds the convolution's kernel (JIT compilation, tens of milliseconds), and a model's
 * worth of them in one job would run past the device's job timeout.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "model_pack.h"

/*
 * Run @n packets of @pkts (each a copy of a packed slot's packing packet with @flag) as one
 * job on @slots, @nslots: relocation 2j patches packet j's wei_va with slot @wei_slot[j] (none
 * when NULL), relocation 2j + 1 its dst_va with slot @dst_slot[j] at @dst_addend[j].
 */
static int pack_job(struct accelrt_device *dev, struct vnpu_pkt_conv2d *pkts, unsigned int n,
		    const unsigned int *wei_slot, const unsigned int *dst_slot,
		    const uint64_t *dst_addend, struct accelrt_buffer *const *slots,
		    unsigned int nslots)
{
	struct accelrt_reloc *relocs = calloc((size_t)n * 2, sizeof(*relocs));
	struct accelrt_program *prog = NULL;
	unsigned int nr = 0;
	int ret;

	if (!relocs)
		return -ENOMEM;
	for (unsigned int j = 0; j < n; j++) {
		uint64_t base = (uint64_t)j * sizeof(*pkts);

		if (wei_slot)
			relocs[nr++] = (struct accelrt_reloc){
				.offset = base + offsetof(struct vnpu_pkt_conv2d, wei_va),
				.slot = wei_slot[j],
			};
		relocs[nr++] = (struct accelrt_reloc){
			.offset = base + offsetof(struct vnpu_pkt_conv2d, dst_va),
			.slot = dst_slot[j],
			.addend = dst_addend ? dst_addend[j] : 0,
		};
	}
	ret = accelrt_program_create(dev, pkts, (size_t)n * sizeof(*pkts), relocs, nr, &prog);
	if (!ret)
		ret = accelrt_run_sync(prog, slots, nslots, 0);
	accelrt_program_free(prog);
	free(relocs);
	return ret;
}

/* Free the buffers of the @n source slots @src that no relocation of @p reads. */
static void free_unread_sources(const struct vnpu_prog *p, struct accelrt_buffer **bufs,
				const unsigned int *src, unsigned int n)
{
	for (unsigned int j = 0; j < n; j++) {
		bool read = false;

		for (unsigned int r = 0; r < p->nrelocs && !read; r++)
			read = p->relocs[r].slot == src[j];
		if (!read) {
			accelrt_buffer_free(bufs[src[j]]);
			bufs[src[j]] = NULL;
		}
	}
}

int vnpu_prog_pack_slots(struct accelrt_device *dev, const struct vnpu_prog *p,
			 struct accelrt_buffer **bufs)
{
	unsigned int n = 0, *idx = NULL, *zero = NULL, *src = NULL;
	struct vnpu_pkt_conv2d *pkts = NULL;
	struct accelrt_buffer *sizes = NULL;
	uint64_t *addend = NULL;
	void *map;
	int ret;

	for (unsigned int i = 0; i < p->nslots; i++)
		n += p->slots[i].packed;
	if (!n)
		return 0;
	ret = -ENOMEM;
	idx = calloc(n, sizeof(*idx));
	zero = calloc(n, sizeof(*zero));
	src = calloc(n, sizeof(*src));
	addend = calloc(n, sizeof(*addend));
	pkts = calloc(n, sizeof(*pkts));
	if (!idx || !zero || !src || !addend || !pkts)
		goto out;
	for (unsigned int i = 0, j = 0; i < p->nslots; i++) {
		if (!p->slots[i].packed)
			continue;
		if (p->slots[i].pack_src >= p->nslots || !bufs[p->slots[i].pack_src]) {
			ret = -EINVAL;
			goto out;
		}
		idx[j] = i;
		src[j] = p->slots[i].pack_src;
		addend[j] = (uint64_t)j * sizeof(uint64_t);
		pkts[j] = p->slots[i].pack;
		pkts[j].hdr.flags |= VNPU_CONV2D_F_PACK_SIZE;
		j++;
	}

	/* the sizes: each packet writes its u64 into the host buffer (slot 0 of that job) */
	ret = accelrt_buffer_alloc(dev, (uint64_t)n * sizeof(uint64_t), ACCELRT_BUFFER_HOST, &sizes);
	if (!ret)
		ret = accelrt_buffer_map(sizes, &map);
	for (unsigned int j = 0; j < n && !ret; j++)
		ret = pack_job(dev, &pkts[j], 1, NULL, &zero[j], &addend[j], &sizes, 1);
	if (ret)
		goto out;
	for (unsigned int j = 0; j < n; j++) {
		uint64_t size;

		memcpy(&size, (const uint8_t *)map + addend[j], sizeof(size));
		if (!size) {
			ret = -EIO;
			goto out;
		}
		ret = accelrt_buffer_alloc(dev, size, 0, &bufs[idx[j]]);
		if (ret)
			goto out;
		pkts[j].hdr.flags ^= VNPU_CONV2D_F_PACK_SIZE | VNPU_CONV2D_F_PACK_WEIGHTS;
	}
	/* the packing, on the program's own slots: source slot -> packed slot */
	for (unsigned int j = 0; j < n && !ret; j++)
		ret = pack_job(dev, &pkts[j], 1, &src[j], &idx[j], NULL, bufs, p->nslots);
	if (!ret)
		free_unread_sources(p, bufs, src, n);
out:
	accelrt_buffer_free(sizes);
	free(pkts);
	free(addend);
	free(src);
	free(zero);
	free(idx);
	return ret;
}
