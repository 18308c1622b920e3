/* SPDX-License-Identifier: MIT */
/*
 * Memory planning: place buffers with known lifetimes in one arena so that no two buffers
 * live at the same time share a byte, keeping the arena small. The code generator describes
 * each of its slots by size, alignment and the first and last packet (schedule position)
 * that touches it; buffers whose lifetimes do not overlap may reuse the same bytes.
 * See docs/compiler.md, "Passes and memory planning".
 */
#ifndef ACCEL_COMPILER_MEM_PLAN_H
#define ACCEL_COMPILER_MEM_PLAN_H

#include <stddef.h>
#include <stdint.h>

/**
 * struct mem_plan_buf - one buffer to place
 * @size: bytes; 0 takes no space (its offset is 0)
 * @align: the offset's alignment, a power of two; 0 means 1
 * @first_use: the schedule position (packet index) of its first use
 * @last_use: that of its last use, >= @first_use; the buffer is live over the closed
 *	interval [@first_use, @last_use], so a buffer last used by packet i and one first
 *	used by packet i overlap (a packet may read one while it writes the other)
 * @offset: set by mem_plan(): where the buffer starts in the arena
 */
struct mem_plan_buf {
	uint64_t size;
	uint64_t align;
	size_t first_use;
	size_t last_use;
	uint64_t offset;
};

/**
 * struct mem_plan_result - the arena a plan needs
 * @peak: the arena's size: the highest offset + size of any buffer
 * @lower_bound: the largest total size of the buffers live at one position, which no plan
 *	can go below (alignment padding aside)
 */
struct mem_plan_result {
	uint64_t peak;
	uint64_t lower_bound;
};

/**
 * mem_plan() - assign every buffer an offset
 * @bufs: @n buffers; their @offset is written
 * @n: how many
 * @res: the arena size and the liveness lower bound; may be NULL
 *
 * Greedy by size with best fit: buffers are placed largest first (ties: the longer lifetime,
 * then the lower index, so a plan is deterministic); each goes into the smallest gap between
 * the already placed buffers whose lifetimes overlap its own that holds it aligned, or after
 * the last of them. O(n^2 log n).
 *
 * Return: 0; -EINVAL for an alignment that is not a power of two or @last_use < @first_use
 * (nothing written); -EOVERFLOW when an offset + size would not fit 64 bits; -ENOMEM.
 */
int mem_plan(struct mem_plan_buf *bufs, size_t n, struct mem_plan_result *res);

/**
 * mem_plan_lower_bound() - the largest total size of the buffers live at one position
 * (saturating at UINT64_MAX)
 */
uint64_t mem_plan_lower_bound(const struct mem_plan_buf *bufs, size_t n);

#endif
