/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/drm_mm.h - range allocator for device address spaces (the kernel's drm_mm).
 *
 * A &struct drm_mm manages the integer range [start, start + size) and hands out
 * non-overlapping sub-ranges described by caller-owned &struct drm_mm_node. Drivers use it
 * for device memory (VRAM) and for GPU virtual address spaces. The manager never allocates
 * memory itself: every insert either succeeds in O(log n) or fails with a negative errno
 * (-ENOSPC when no hole fits), so running out of device memory is an ordinary error.
 *
 * Locking: like the kernel's, the allocator is not thread-safe. The caller serialises every
 * call on one &struct drm_mm (and every read of its nodes and counters) with its own lock.
 *
 * Both &struct drm_mm and &struct drm_mm_node must be zeroed before first use (embed them in
 * zero-allocated objects or memset them); drm_mm_initialized() and drm_mm_node_allocated()
 * rely on it. For drm_mm_reserve_node() the caller fills @start, @size and @color first.
 */
#ifndef ACCEL_DRM_MM_H
#define ACCEL_DRM_MM_H

#include <stdbool.h>
#include <stdint.h>
#include <accel/compiler.h>
#include <accel/list.h>

struct seq_file;

/**
 * enum drm_mm_insert_mode - where drm_mm_insert_node_in_range() places a node.
 * @DRM_MM_INSERT_BEST: the smallest hole that fits, node at its bottom (least fragmentation).
 * @DRM_MM_INSERT_LOW: the lowest-addressed hole that fits, node at its bottom.
 * @DRM_MM_INSERT_HIGH: the highest-addressed hole that fits, node at its top.
 * @DRM_MM_INSERT_EVICT: the most recently created hole that fits (after evicting nodes to
 *	make room, that is where the room is), node at its bottom.
 */
enum drm_mm_insert_mode {
	DRM_MM_INSERT_BEST = 0,
	DRM_MM_INSERT_LOW,
	DRM_MM_INSERT_HIGH,
	DRM_MM_INSERT_EVICT,
};

/** struct drm_mm_tree - private treap link of the allocator's hole indexes. */
struct drm_mm_tree {
	struct drm_mm_tree *left, *right;
	uint32_t prio;
};

/**
 * struct drm_mm_node - one allocated range.
 * @color: opaque value passed to &drm_mm.color_adjust (e.g. a caching type).
 * @start: first address of the range.
 * @size: length of the range.
 *
 * The remaining fields are private to the allocator.
 */
struct drm_mm_node {
	unsigned long color;
	uint64_t start;
	uint64_t size;
	/* private: */
	struct drm_mm *mm;
	/* All nodes of the manager in address order; the head node closes the ring. */
	struct list_head node_list;
	/* Nodes followed by a hole, most recent hole first (EVICT mode, hole iteration). */
	struct list_head hole_stack;
	/* The hole following this node, indexed by (size, address) and by address. */
	struct drm_mm_tree rb_hole_size;
	struct drm_mm_tree rb_hole_addr;
	/* Length of the hole following this node (0: none). */
	uint64_t hole_size;
	/* Largest hole_size in this node's subtree of the address index. */
	uint64_t subtree_max_hole;
	unsigned long flags;
};

#define DRM_MM_NODE_ALLOCATED_BIT	0

/**
 * struct drm_mm - a range allocator.
 * @color_adjust: optional; narrows the usable part [*@start, *@end) of the hole after
 *	@node for a new node of @color (e.g. to keep guard pages between colours).
 *
 * The remaining fields are private; use the getters and iterators below.
 */
struct drm_mm {
	void (*color_adjust)(const struct drm_mm_node *node, unsigned long color,
			     uint64_t *start, uint64_t *end);
	/* private: */
	/* Sentinel at the start of the range: the hole before the first node is its hole. */
	struct drm_mm_node head_node;
	struct list_head hole_stack;
	struct drm_mm_tree *holes_size;
	struct drm_mm_tree *holes_addr;
	uint64_t start, size;
	uint64_t used_bytes;
	uint64_t node_count;
	/* State of the generator of treap priorities (xorshift; deterministic per manager). */
	uint32_t prng;
};

/** drm_mm_node_allocated() - true while @node is inserted into a manager. */
static inline bool drm_mm_node_allocated(const struct drm_mm_node *node)
{
	return node->flags & (1UL << DRM_MM_NODE_ALLOCATED_BIT);
}

/** drm_mm_initialized() - true between drm_mm_init() and a clean drm_mm_takedown(). */
static inline bool drm_mm_initialized(const struct drm_mm *mm)
{
	return mm->hole_stack.next != NULL;
}

/** drm_mm_hole_follows() - true when free space follows @node. */
static inline bool drm_mm_hole_follows(const struct drm_mm_node *node)
{
	return node->hole_size != 0;
}

/** drm_mm_hole_node_start() - first address of the hole after @hole_node. */
static inline uint64_t drm_mm_hole_node_start(const struct drm_mm_node *hole_node)
{
	return hole_node->start + hole_node->size;
}

/** drm_mm_hole_node_end() - end (exclusive) of the hole after @hole_node. */
static inline uint64_t drm_mm_hole_node_end(const struct drm_mm_node *hole_node)
{
	return drm_mm_hole_node_start(hole_node) + hole_node->hole_size;
}

/** drm_mm_used_bytes() - bytes covered by nodes; O(1), for telemetry. */
static inline uint64_t drm_mm_used_bytes(const struct drm_mm *mm)
{
	return mm->used_bytes;
}

/** drm_mm_total_bytes() - size of the managed range; O(1). */
static inline uint64_t drm_mm_total_bytes(const struct drm_mm *mm)
{
	return mm->size;
}

/** drm_mm_free_bytes() - bytes in holes (not necessarily contiguous); O(1). */
static inline uint64_t drm_mm_free_bytes(const struct drm_mm *mm)
{
	return mm->size - mm->used_bytes;
}

/** drm_mm_node_count() - number of inserted nodes; O(1). */
static inline uint64_t drm_mm_node_count(const struct drm_mm *mm)
{
	return mm->node_count;
}

/** drm_mm_clean() - true when no node is inserted. */
static inline bool drm_mm_clean(const struct drm_mm *mm)
{
	return list_empty(&mm->head_node.node_list);
}

/**
 * drm_mm_for_each_node() - iterate over every node of @mm in address order.
 * @entry: &struct drm_mm_node cursor.
 * @mm: the manager.
 *
 * Removing @entry inside the loop is not allowed; use drm_mm_for_each_node_safe().
 */
#define drm_mm_for_each_node(entry, mm)						\
	list_for_each_entry(entry, &(mm)->head_node.node_list, node_list)

/** drm_mm_for_each_node_safe() - as drm_mm_for_each_node(), @entry may be removed. */
#define drm_mm_for_each_node_safe(entry, next, mm)				\
	list_for_each_entry_safe(entry, next, &(mm)->head_node.node_list, node_list)

/**
 * drm_mm_for_each_hole() - iterate over every hole of @mm, most recent first.
 * @pos: &struct drm_mm_node cursor: the node the hole follows (may be the head sentinel).
 * @mm: the manager.
 * @hole_start: u64 set to the hole's first address.
 * @hole_end: u64 set to the hole's end (exclusive).
 *
 * The manager must not be changed inside the loop.
 */
#define drm_mm_for_each_hole(pos, mm, hole_start, hole_end)			\
	for ((pos) = list_first_entry(&(mm)->hole_stack, struct drm_mm_node, hole_stack); \
	     !list_entry_is_head(pos, &(mm)->hole_stack, hole_stack) ?		\
	     ((hole_start) = drm_mm_hole_node_start(pos),			\
	      (hole_end) = drm_mm_hole_node_end(pos), 1) : 0;			\
	     (pos) = list_next_entry(pos, hole_stack))

void drm_mm_init(struct drm_mm *mm, uint64_t start, uint64_t size);
void drm_mm_takedown(struct drm_mm *mm);

int drm_mm_reserve_node(struct drm_mm *mm, struct drm_mm_node *node);
int drm_mm_insert_node_in_range(struct drm_mm *mm, struct drm_mm_node *node, uint64_t size,
				uint64_t alignment, unsigned long color, uint64_t range_start,
				uint64_t range_end, enum drm_mm_insert_mode mode);
void drm_mm_remove_node(struct drm_mm_node *node);
void drm_mm_print(const struct drm_mm *mm, struct seq_file *m);

/**
 * drm_mm_insert_node_generic() - insert @node anywhere in @mm.
 *
 * As drm_mm_insert_node_in_range() over the whole managed range.
 */
static inline int drm_mm_insert_node_generic(struct drm_mm *mm, struct drm_mm_node *node,
					     uint64_t size, uint64_t alignment,
					     unsigned long color, enum drm_mm_insert_mode mode)
{
	return drm_mm_insert_node_in_range(mm, node, size, alignment, color, 0, UINT64_MAX,
					   mode);
}

/**
 * drm_mm_insert_node() - insert @node of @size bytes anywhere, best fit, no alignment.
 *
 * Returns 0, -EINVAL for a zero @size, or -ENOSPC when no hole is large enough.
 */
static inline int drm_mm_insert_node(struct drm_mm *mm, struct drm_mm_node *node, uint64_t size)
{
	return drm_mm_insert_node_generic(mm, node, size, 0, 0, DRM_MM_INSERT_BEST);
}

#endif
