// SPDX-License-Identifier: MIT
/*
 * Range allocator with the kernel's drm_mm semantics: caller-owned nodes, holes that follow
 * nodes, BEST / LOW / HIGH / EVICT placement, alignment and colour adjustment.
 *
 * Data structures, and why:
 *
 * - Every node, plus a zero-sized head sentinel at the start of the range, sits on a ring in
 *   address order. A hole is not an object of its own: it is the free space after a node
 *   (node->hole_size bytes). So the neighbours needed to merge holes on removal are the
 *   ring's prev/next, found in O(1) with no search.
 *
 * - Holes are indexed twice, by (size, address) for BEST fit and by address (augmented with
 *   the largest hole in each subtree) for LOW / HIGH fit and for finding the hole that holds
 *   a fixed range in drm_mm_reserve_node(). The kernel uses red-black trees; this tree has
 *   none, and a treap (a binary search tree kept balanced by random priorities) gives the
 *   same expected O(log n) insert, remove and lookup with a fraction of the code, and its
 *   augmentation is a single recompute after each rotation. Priorities come from a
 *   per-manager xorshift generator seeded in drm_mm_init(), so runs are reproducible.
 *   Size-bucketed lists were rejected: exact best fit inside a bucket is a linear scan.
 *
 * - The augmented maximum lets LOW / HIGH skip every subtree whose holes are all too small,
 *   so a search only walks into subtrees that hold a big-enough hole. Like the kernel, a
 *   hole that is large enough but fails alignment, range or colour constraints is skipped
 *   and the search goes on, so those constraints can cost more than O(log n).
 *
 * Nothing here allocates memory: an insert fails only with -EINVAL or -ENOSPC.
 * Not thread-safe; the caller serialises access (see accel/drm_mm.h).
 */
#include <inttypes.h>
#include <string.h>

#include <accel/attr.h>
#include <accel/compiler.h>
#include <accel/drm_mm.h>
#include <accel/drm_print.h>
#include <accel/list.h>

typedef uint64_t u64;

/* ---- the treaps --------------------------------------------------------------------- */

/*
 * Both indexes share one treap implementation; @by_addr picks the key and augmentation.
 * A flag rather than a table of callbacks lets the comparisons inline (also in -O0 builds,
 * where sanitizer runs would otherwise pay a call per visited tree node).
 */
#define mm_always_inline inline __attribute__((always_inline))

static mm_always_inline struct drm_mm_node *size_node(const struct drm_mm_tree *t)
{
	return container_of(t, struct drm_mm_node, rb_hole_size);
}

static mm_always_inline struct drm_mm_node *addr_node(const struct drm_mm_tree *t)
{
	return container_of(t, struct drm_mm_node, rb_hole_addr);
}

static mm_always_inline u64 hole_start(const struct drm_mm_node *n)
{
	return n->start + n->size;
}

static mm_always_inline bool size_less(const struct drm_mm_tree *a,
				       const struct drm_mm_tree *b)
{
	const struct drm_mm_node *x = size_node(a), *y = size_node(b);

	if (x->hole_size != y->hole_size)
		return x->hole_size < y->hole_size;
	return hole_start(x) < hole_start(y);
}

static mm_always_inline bool addr_less(const struct drm_mm_tree *a,
				       const struct drm_mm_tree *b)
{
	return hole_start(addr_node(a)) < hole_start(addr_node(b));
}

static mm_always_inline u64 addr_max(const struct drm_mm_tree *t)
{
	return t ? addr_node(t)->subtree_max_hole : 0;
}

static mm_always_inline void addr_update(struct drm_mm_tree *t)
{
	struct drm_mm_node *n = addr_node(t);
	u64 m = n->hole_size;

	if (addr_max(t->left) > m)
		m = addr_max(t->left);
	if (addr_max(t->right) > m)
		m = addr_max(t->right);
	n->subtree_max_hole = m;
}

static mm_always_inline bool tree_less(bool by_addr, const struct drm_mm_tree *a,
				       const struct drm_mm_tree *b)
{
	return by_addr ? addr_less(a, b) : size_less(a, b);
}

static mm_always_inline void tree_update(bool by_addr, struct drm_mm_tree *t)
{
	if (by_addr)
		addr_update(t);
}

static struct drm_mm_tree *rotate_right(bool by_addr, struct drm_mm_tree *t)
{
	struct drm_mm_tree *l = t->left;

	t->left = l->right;
	l->right = t;
	tree_update(by_addr, t);
	tree_update(by_addr, l);
	return l;
}

static struct drm_mm_tree *rotate_left(bool by_addr, struct drm_mm_tree *t)
{
	struct drm_mm_tree *r = t->right;

	t->right = r->left;
	r->left = t;
	tree_update(by_addr, t);
	tree_update(by_addr, r);
	return r;
}

/* Insert @n below @t; the returned pointer replaces @t. Recursion depth is the tree's. */
static struct drm_mm_tree *tree_insert(bool by_addr, struct drm_mm_tree *t,
				       struct drm_mm_tree *n)
{
	if (!t) {
		n->left = NULL;
		n->right = NULL;
		tree_update(by_addr, n);
		return n;
	}
	if (tree_less(by_addr, n, t)) {
		t->left = tree_insert(by_addr, t->left, n);
		if (t->left->prio > t->prio)
			return rotate_right(by_addr, t);
	} else {
		t->right = tree_insert(by_addr, t->right, n);
		if (t->right->prio > t->prio)
			return rotate_left(by_addr, t);
	}
	tree_update(by_addr, t);
	return t;
}

/* Merge two treaps whose keys are all ordered @l before @r. */
static struct drm_mm_tree *tree_join(bool by_addr, struct drm_mm_tree *l,
				     struct drm_mm_tree *r)
{
	if (!l)
		return r;
	if (!r)
		return l;
	if (l->prio > r->prio) {
		l->right = tree_join(by_addr, l->right, r);
		tree_update(by_addr, l);
		return l;
	}
	r->left = tree_join(by_addr, l, r->left);
	tree_update(by_addr, r);
	return r;
}

/* Remove @n, which must be in the tree under its current key, from below @t. */
static struct drm_mm_tree *tree_remove(bool by_addr, struct drm_mm_tree *t,
				       struct drm_mm_tree *n)
{
	if (!t)
		return NULL; /* not reached while the indexes are consistent */
	if (t == n) {
		t = tree_join(by_addr, n->left, n->right);
		n->left = NULL;
		n->right = NULL;
		return t;
	}
	if (tree_less(by_addr, n, t))
		t->left = tree_remove(by_addr, t->left, n);
	else
		t->right = tree_remove(by_addr, t->right, n);
	tree_update(by_addr, t);
	return t;
}

/* ---- holes -------------------------------------------------------------------------- */

static uint32_t mm_prio(struct drm_mm *mm)
{
	uint32_t x = mm->prng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	mm->prng = x;
	return x;
}

/* Index the hole after @node (hole_size already set, non-zero). */
static void add_hole(struct drm_mm_node *node)
{
	struct drm_mm *mm = node->mm;
	uint32_t prio = mm_prio(mm);

	node->rb_hole_size.prio = prio;
	node->rb_hole_addr.prio = prio;
	mm->holes_size = tree_insert(false, mm->holes_size, &node->rb_hole_size);
	mm->holes_addr = tree_insert(true, mm->holes_addr, &node->rb_hole_addr);
	list_add(&node->hole_stack, &mm->hole_stack);
}

/* Drop the hole after @node from the indexes; must run before its size or start changes. */
static void rm_hole(struct drm_mm_node *node)
{
	struct drm_mm *mm = node->mm;

	if (!node->hole_size)
		return;
	mm->holes_size = tree_remove(false, mm->holes_size, &node->rb_hole_size);
	mm->holes_addr = tree_remove(true, mm->holes_addr, &node->rb_hole_addr);
	list_del(&node->hole_stack);
	node->hole_size = 0;
	node->subtree_max_hole = 0;
}

/*
 * Grow the existing hole after @node to @size. Its start, the address key, stays, so the
 * address index keeps the entry and only raises the subtree maxima on the way down to it;
 * just the size index needs a remove and re-insert.
 */
static void grow_hole(struct drm_mm_node *node, u64 size)
{
	struct drm_mm *mm = node->mm;
	struct drm_mm_tree *t = mm->holes_addr;
	u64 start = hole_start(node);

	mm->holes_size = tree_remove(false, mm->holes_size, &node->rb_hole_size);
	node->hole_size = size;
	mm->holes_size = tree_insert(false, mm->holes_size, &node->rb_hole_size);
	while (t) {
		struct drm_mm_node *n = addr_node(t);

		if (n->subtree_max_hole < size)
			n->subtree_max_hole = size;
		if (n == node)
			break;
		t = start < hole_start(n) ? t->left : t->right;
	}
	/* the hole was re-formed, so EVICT mode should see it as the most recent one */
	list_move(&node->hole_stack, &mm->hole_stack);
}

static void set_hole(struct drm_mm_node *node, u64 size)
{
	node->hole_size = size;
	if (size)
		add_hole(node);
}

struct mm_request {
	u64 size;
	u64 alignment;
	unsigned long color;
	u64 range_start;
	u64 range_end;
	enum drm_mm_insert_mode mode;
	u64 start; /* out: where the node goes */
};

static u64 mm_rem(u64 x, u64 alignment)
{
	/* powers of two are the common case and avoid a 64-bit division */
	if ((alignment & (alignment - 1)) == 0)
		return x & (alignment - 1);
	return x % alignment;
}

/*
 * Can the request be placed in the hole after @hole? Clips the hole to the colour
 * adjustment and the range, then aligns: upwards from the bottom, or downwards from the
 * top in HIGH mode. All arithmetic is checked so that no u64 wraps.
 */
static bool hole_fits(const struct drm_mm *mm, const struct drm_mm_node *hole,
		      struct mm_request *req)
{
	u64 lo = drm_mm_hole_node_start(hole), hi = drm_mm_hole_node_end(hole);
	u64 start, rem;

	if (hole->hole_size < req->size)
		return false;
	if (mm->color_adjust)
		mm->color_adjust(hole, req->color, &lo, &hi);
	if (lo < req->range_start)
		lo = req->range_start;
	if (hi > req->range_end)
		hi = req->range_end;
	if (hi <= lo || hi - lo < req->size)
		return false;

	if (req->mode == DRM_MM_INSERT_HIGH) {
		start = hi - req->size;
		if (req->alignment)
			start -= mm_rem(start, req->alignment);
		if (start < lo)
			return false;
	} else {
		start = lo;
		rem = req->alignment ? mm_rem(start, req->alignment) : 0;
		if (rem) {
			if (req->alignment - rem > hi - start)
				return false;
			start += req->alignment - rem;
		}
		if (hi - start < req->size)
			return false;
	}
	req->start = start;
	return true;
}

/* Smallest fitting hole: in-order over (size, address) from the first hole >= size. */
static struct drm_mm_node *find_best(const struct drm_mm *mm, struct drm_mm_tree *t,
				     struct mm_request *req)
{
	struct drm_mm_node *n;

	while (t) {
		n = size_node(t);
		if (n->hole_size >= req->size)
			break;
		t = t->right; /* everything on the left is smaller still */
	}
	if (!t)
		return NULL;
	n = find_best(mm, t->left, req);
	if (n)
		return n;
	if (hole_fits(mm, size_node(t), req))
		return size_node(t);
	return find_best(mm, t->right, req);
}

/*
 * Lowest (or, @high, highest) fitting hole in address order. Subtrees without a hole of
 * the requested size, and subtrees wholly outside the range, are never entered.
 */
static struct drm_mm_node *find_addr(const struct drm_mm *mm, struct drm_mm_tree *t,
				     struct mm_request *req, bool high)
{
	struct drm_mm_tree *first, *second;
	struct drm_mm_node *n, *r;
	u64 start;

	while (t && addr_max(t) >= req->size) {
		n = addr_node(t);
		start = drm_mm_hole_node_start(n);
		/* holes are disjoint and ordered, so the left subtree ends before @start */
		if (drm_mm_hole_node_end(n) <= req->range_start) {
			t = t->right;
			continue;
		}
		if (start >= req->range_end) {
			t = t->left;
			continue;
		}
		first = high ? t->right : t->left;
		second = high ? t->left : t->right;
		r = find_addr(mm, first, req, high);
		if (r)
			return r;
		if (hole_fits(mm, n, req))
			return n;
		t = second;
	}
	return NULL;
}

static struct drm_mm_node *find_evict(const struct drm_mm *mm, struct mm_request *req)
{
	struct drm_mm_node *n;

	list_for_each_entry(n, &mm->hole_stack, hole_stack) {
		if (hole_fits(mm, n, req))
			return n;
	}
	return NULL;
}

/* The hole that contains address @addr, or NULL when @addr is inside a node or outside. */
static struct drm_mm_node *find_hole_at(const struct drm_mm *mm, u64 addr)
{
	struct drm_mm_tree *t = mm->holes_addr;
	struct drm_mm_node *best = NULL;

	while (t) {
		struct drm_mm_node *n = addr_node(t);

		if (drm_mm_hole_node_start(n) <= addr) {
			best = n;
			t = t->right;
		} else {
			t = t->left;
		}
	}
	if (best && addr < drm_mm_hole_node_end(best))
		return best;
	return NULL;
}

/* Put @node (start and size set) into the hole after @hole, splitting what is left. */
static void place_node(struct drm_mm *mm, struct drm_mm_node *hole, struct drm_mm_node *node)
{
	u64 hole_start = drm_mm_hole_node_start(hole);
	u64 hole_end = drm_mm_hole_node_end(hole);

	rm_hole(hole);
	node->mm = mm;
	node->hole_size = 0;
	node->subtree_max_hole = 0;
	list_add(&node->node_list, &hole->node_list);
	node->flags |= 1UL << DRM_MM_NODE_ALLOCATED_BIT;
	set_hole(hole, node->start - hole_start);
	set_hole(node, hole_end - (node->start + node->size));
	mm->used_bytes += node->size;
	mm->node_count++;
}

/* ---- the API ------------------------------------------------------------------------ */

/**
 * drm_mm_init() - initialise a manager for the range [@start, @start + @size).
 * @mm: the manager, zeroed or taken down.
 * @start: first managed address.
 * @size: length of the range; a range that would pass the end of the u64 space is cut
 *	there, so that no address computation can wrap.
 */
void drm_mm_init(struct drm_mm *mm, u64 start, u64 size)
{
	if (size > UINT64_MAX - start) {
		DRM_ERROR("drm_mm: range 0x%" PRIx64 " + 0x%" PRIx64 " wraps; cut at the end\n",
			  start, size);
		size = UINT64_MAX - start;
	}
	/* as in the kernel, a driver sets color_adjust after init */
	memset(mm, 0, sizeof(*mm));
	mm->start = start;
	mm->size = size;
	mm->prng = 0x9e3779b9u;
	INIT_LIST_HEAD(&mm->hole_stack);

	/* the head sentinel's hole is the whole range while no node is inserted */
	mm->head_node.mm = mm;
	mm->head_node.start = start;
	mm->head_node.size = 0;
	INIT_LIST_HEAD(&mm->head_node.node_list);
	set_hole(&mm->head_node, size);
}

/**
 * drm_mm_takedown() - tear down a manager.
 * @mm: the manager.
 *
 * Every node must have been removed first. Leftover nodes are a caller bug: they are
 * reported as an error, one message per node, and left untouched (still marked allocated)
 * so that nothing dangles; the manager then stays initialised. A clean manager is reset to
 * the zeroed state.
 */
void drm_mm_takedown(struct drm_mm *mm)
{
	struct drm_mm_node *node;

	if (!drm_mm_initialized(mm))
		return;
	if (!drm_mm_clean(mm)) {
		DRM_ERROR("drm_mm: memory manager not clean during takedown: %" PRIu64
			  " nodes, %" PRIu64 " bytes\n", mm->node_count, mm->used_bytes);
		drm_mm_for_each_node(node, mm)
			DRM_ERROR("drm_mm: leaked node [0x%" PRIx64 " + 0x%" PRIx64 "]\n",
				  node->start, node->size);
		return;
	}
	memset(mm, 0, sizeof(*mm));
}

/**
 * drm_mm_reserve_node() - insert a node at a fixed place.
 * @mm: the manager.
 * @node: zeroed node with @start, @size and @color filled in by the caller.
 *
 * Used to claim ranges that are already in use, such as firmware-owned memory.
 *
 * Return: 0; -EINVAL for a zero size; -EBUSY when @node is already inserted; -ENOSPC when
 * any part of the range is taken, lies outside the manager or is excluded by colour.
 */
int drm_mm_reserve_node(struct drm_mm *mm, struct drm_mm_node *node)
{
	struct drm_mm_node *hole;
	u64 lo, hi;

	if (node->size == 0)
		return -EINVAL;
	if (drm_mm_node_allocated(node))
		return -EBUSY;
	if (node->size > UINT64_MAX - node->start)
		return -ENOSPC;

	hole = find_hole_at(mm, node->start);
	if (!hole)
		return -ENOSPC;
	lo = drm_mm_hole_node_start(hole);
	hi = drm_mm_hole_node_end(hole);
	if (mm->color_adjust)
		mm->color_adjust(hole, node->color, &lo, &hi);
	if (lo > node->start || hi < node->start + node->size ||
	    node->start + node->size > drm_mm_hole_node_end(hole))
		return -ENOSPC;

	place_node(mm, hole, node);
	return 0;
}

/**
 * drm_mm_insert_node_in_range() - find room for a node and insert it.
 * @mm: the manager.
 * @node: zeroed (or removed) node; start, size and color are set on success.
 * @size: bytes wanted; 0 is -EINVAL.
 * @alignment: the start is a multiple of this; 0 or 1 for none; need not be a power of two.
 * @color: passed to &drm_mm.color_adjust and stored in @node.
 * @range_start: the node must lie at or above this address...
 * @range_end: ...and end at or below this one.
 * @mode: placement policy, &enum drm_mm_insert_mode.
 *
 * Return: 0; -EINVAL for a zero size, an empty range or an unknown mode; -EBUSY when
 * @node is already inserted; -ENOSPC when no hole can hold the node (possibly although
 * the free total would suffice, when the free space is fragmented).
 */
int drm_mm_insert_node_in_range(struct drm_mm *mm, struct drm_mm_node *node, u64 size,
				u64 alignment, unsigned long color, u64 range_start,
				u64 range_end, enum drm_mm_insert_mode mode)
{
	struct mm_request req = {
		.size = size,
		.alignment = alignment > 1 ? alignment : 0,
		.color = color,
		.range_start = range_start,
		.range_end = range_end,
		.mode = mode,
	};
	struct drm_mm_node *hole;

	if (size == 0 || range_start >= range_end)
		return -EINVAL;
	if (drm_mm_node_allocated(node))
		return -EBUSY;
	if (range_end - range_start < size)
		return -ENOSPC;

	switch (mode) {
	case DRM_MM_INSERT_BEST:
		hole = find_best(mm, mm->holes_size, &req);
		break;
	case DRM_MM_INSERT_LOW:
		hole = find_addr(mm, mm->holes_addr, &req, false);
		break;
	case DRM_MM_INSERT_HIGH:
		hole = find_addr(mm, mm->holes_addr, &req, true);
		break;
	case DRM_MM_INSERT_EVICT:
		hole = find_evict(mm, &req);
		break;
	default:
		return -EINVAL;
	}
	if (!hole)
		return -ENOSPC;

	node->start = req.start;
	node->size = size;
	node->color = color;
	place_node(mm, hole, node);
	return 0;
}

/**
 * drm_mm_remove_node() - take a node out of its manager.
 * @node: an inserted node.
 *
 * The node's range and the holes on both sides become one hole. Removing a node that is
 * not inserted is reported and ignored. The node may be inserted again afterwards.
 */
void drm_mm_remove_node(struct drm_mm_node *node)
{
	struct drm_mm *mm = node->mm;
	struct drm_mm_node *prev;
	u64 merged;

	if (!drm_mm_node_allocated(node) || !mm) {
		DRM_ERROR("drm_mm: removing a node that is not inserted\n");
		return;
	}
	prev = list_prev_entry(node, node_list);
	/* sizes are bounded by the managed range, so this sum cannot wrap */
	merged = prev->hole_size + node->size + node->hole_size;

	rm_hole(node);
	list_del(&node->node_list);
	if (prev->hole_size)
		grow_hole(prev, merged);
	else
		set_hole(prev, merged);

	mm->used_bytes -= node->size;
	mm->node_count--;
	node->flags &= ~(1UL << DRM_MM_NODE_ALLOCATED_BIT);
	node->mm = NULL;
}

/**
 * drm_mm_print() - describe a manager for debugfs.
 * @mm: the manager.
 * @m: where the text goes.
 *
 * One line per node ("used") and per hole ("free") in address order, then a summary:
 * "total: T, used U free F".
 */
void drm_mm_print(const struct drm_mm *mm, struct seq_file *m)
{
	const struct drm_mm_node *n = &mm->head_node;

	do {
		if (n != &mm->head_node)
			seq_printf(m, "0x%016" PRIx64 "-0x%016" PRIx64 ": %" PRIu64 ": used\n",
				   n->start, n->start + n->size, n->size);
		if (n->hole_size)
			seq_printf(m, "0x%016" PRIx64 "-0x%016" PRIx64 ": %" PRIu64 ": free\n",
				   drm_mm_hole_node_start(n), drm_mm_hole_node_end(n),
				   n->hole_size);
		n = list_next_entry(n, node_list);
	} while (n != &mm->head_node);
	seq_printf(m, "total: %" PRIu64 ", used %" PRIu64 " free %" PRIu64 "\n",
		   mm->size, mm->used_bytes, mm->size - mm->used_bytes);
}
