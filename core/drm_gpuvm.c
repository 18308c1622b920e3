// SPDX-License-Identifier: MIT
/*
 * GPU virtual address spaces, as the kernel's drm_gpuvm: non-overlapping mappings of GEM
 * object ranges, bound and unbound with split semantics, translated for the device MMU.
 *
 * Why an AVL tree (plus an address-ordered list) rather than a sorted array: mappings do not
 * overlap, so keying them by start address and asking for the predecessor of an address
 * answers "which mapping contains it" in O(log n), which a sorted array with binary search
 * does as well; but binds arrive in any order, and an array pays an O(n) memmove per insert
 * or remove (with 100k mappings, gigabytes moved for one client's set-up). The tree keeps
 * insert and remove at O(log n) too. Its height is at most ~1.44 log2(n) (25 levels for 100k
 * mappings), so the recursive insert/remove stay shallow. The list threads the same nodes in
 * address order so that overlap walks and iteration move to the next mapping in O(1).
 * Mappings live in the tree alone; the reserved range is checked arithmetically, so it
 * never appears in iteration or debugfs.
 */
#include <inttypes.h>
#include <stdlib.h>

#include <accel/attr.h>
#include <accel/drm_gem.h>
#include <accel/drm_gpuvm.h>
#include <accel/drm_print.h>

#define GPUVM_ALIGNED(x) (((x) & (DRM_GPUVM_PAGE_SIZE - 1)) == 0)

/* ---- the search tree: AVL keyed by va.addr ---- */

static int avl_height(const struct drm_gpuva *n)
{
	return n ? n->node.height : 0;
}

static void avl_update(struct drm_gpuva *n)
{
	int l = avl_height(n->node.left), r = avl_height(n->node.right);

	n->node.height = (l > r ? l : r) + 1;
}

static struct drm_gpuva *avl_rotate_right(struct drm_gpuva *n)
{
	struct drm_gpuva *l = n->node.left;

	n->node.left = l->node.right;
	l->node.right = n;
	avl_update(n);
	avl_update(l);
	return l;
}

static struct drm_gpuva *avl_rotate_left(struct drm_gpuva *n)
{
	struct drm_gpuva *r = n->node.right;

	n->node.right = r->node.left;
	r->node.left = n;
	avl_update(n);
	avl_update(r);
	return r;
}

/* Restore the AVL invariant at @n after one of its subtrees changed height by one. */
static struct drm_gpuva *avl_balance(struct drm_gpuva *n)
{
	int bf = avl_height(n->node.left) - avl_height(n->node.right);

	if (bf > 1) {
		struct drm_gpuva *l = n->node.left;

		if (avl_height(l->node.left) < avl_height(l->node.right))
			n->node.left = avl_rotate_left(l);
		return avl_rotate_right(n);
	}
	if (bf < -1) {
		struct drm_gpuva *r = n->node.right;

		if (avl_height(r->node.right) < avl_height(r->node.left))
			n->node.right = avl_rotate_right(r);
		return avl_rotate_left(n);
	}
	avl_update(n);
	return n;
}

static struct drm_gpuva *avl_insert(struct drm_gpuva *n, struct drm_gpuva *va)
{
	if (!n) {
		va->node.left = va->node.right = NULL;
		va->node.height = 1;
		return va;
	}
	if (va->va.addr < n->va.addr)
		n->node.left = avl_insert(n->node.left, va);
	else
		n->node.right = avl_insert(n->node.right, va);
	return avl_balance(n);
}

static struct drm_gpuva *avl_remove_min(struct drm_gpuva *n, struct drm_gpuva **min)
{
	if (!n->node.left) {
		*min = n;
		return n->node.right;
	}
	n->node.left = avl_remove_min(n->node.left, min);
	return avl_balance(n);
}

/* Remove the node @va (present, keys unique) from the subtree @n. */
static struct drm_gpuva *avl_remove(struct drm_gpuva *n, struct drm_gpuva *va)
{
	struct drm_gpuva *l, *r, *min;

	if (va->va.addr < n->va.addr) {
		n->node.left = avl_remove(n->node.left, va);
	} else if (va->va.addr > n->va.addr) {
		n->node.right = avl_remove(n->node.right, va);
	} else {
		l = n->node.left;
		r = n->node.right;
		if (!r)
			return l;
		/* The in-order successor takes the removed node's place. */
		r = avl_remove_min(r, &min);
		min->node.left = l;
		min->node.right = r;
		return avl_balance(min);
	}
	return avl_balance(n);
}

/* The mapping with the greatest start <= @addr, or NULL. */
static struct drm_gpuva *va_find_le(const struct drm_gpuvm *vm, uint64_t addr)
{
	struct drm_gpuva *n = vm->root, *best = NULL;

	while (n) {
		if (n->va.addr <= addr) {
			best = n;
			n = n->node.right;
		} else {
			n = n->node.left;
		}
	}
	return best;
}

static uint64_t va_end(const struct drm_gpuva *va)
{
	return va->va.addr + va->va.range;
}

/* Called with the write lock; @va does not overlap anything (the ops made sure). */
static void va_insert(struct drm_gpuvm *vm, struct drm_gpuva *va)
{
	struct drm_gpuva *prev = va_find_le(vm, va->va.addr);

	va->vm = vm;
	list_add(&va->node.entry, prev ? &prev->node.entry : &vm->va_list);
	vm->root = avl_insert(vm->root, va);
	vm->num_va++;
}

static void va_remove(struct drm_gpuvm *vm, struct drm_gpuva *va)
{
	vm->root = avl_remove(vm->root, va);
	list_del(&va->node.entry);
	va->node.left = va->node.right = NULL;
	vm->num_va--;
}

static void va_free(struct drm_gpuva *va)
{
	drm_gem_object_put(va->gem.obj);
	free(va);
}

/* ---- the VM ---- */

/**
 * drm_gpuvm_init() - set up a VM over [@start, @start + @range) with a reserved range.
 * @vm: the VM (usually embedded in the driver's per-client state)
 * @name: for messages; must outlive @vm
 * @start: first managed address
 * @range: bytes managed
 * @reserve_offset: first address reserved for the kernel
 * @reserve_range: bytes reserved (0: none)
 *
 * Returns: 0, or -EINVAL for an unaligned, empty or overflowing range, or a reserved range
 * not inside the managed one.
 */
int drm_gpuvm_init(struct drm_gpuvm *vm, const char *name, uint64_t start, uint64_t range,
		   uint64_t reserve_offset, uint64_t reserve_range)
{
	*vm = (struct drm_gpuvm){ .name = name ? name : "gpuvm" };
	INIT_LIST_HEAD(&vm->va_list);
	/* As the kernel: the end of the VM must be representable, so no range wraps. */
	if (!range || !GPUVM_ALIGNED(start) || !GPUVM_ALIGNED(range) || start + range < start)
		return -EINVAL;
	if (reserve_range &&
	    (!GPUVM_ALIGNED(reserve_offset) || !GPUVM_ALIGNED(reserve_range) ||
	     reserve_offset < start || reserve_offset + reserve_range < reserve_offset ||
	     reserve_offset + reserve_range > start + range))
		return -EINVAL;
	vm->mm_start = start;
	vm->mm_range = range;
	vm->kernel_start = reserve_offset;
	vm->kernel_range = reserve_range;
	if (pthread_rwlock_init(&vm->lock, NULL))
		return -ENOMEM;
	return 0;
}

/**
 * drm_gpuvm_destroy() - unmap every mapping and release the VM's resources.
 * @vm: the VM; nobody else may use it any more
 */
void drm_gpuvm_destroy(struct drm_gpuvm *vm)
{
	struct drm_gpuva *va, *next;

	list_for_each_entry_safe(va, next, &vm->va_list, node.entry)
		va_free(va);
	vm->root = NULL;
	INIT_LIST_HEAD(&vm->va_list);
	vm->num_va = 0;
	pthread_rwlock_destroy(&vm->lock);
}

/**
 * drm_gpuvm_range_valid() - whether a range may be mapped in @vm.
 * @vm: the VM
 * @addr: first address
 * @range: bytes
 *
 * Returns: true when [@addr, @addr + @range) does not overflow, lies in the managed range
 * and misses the reserved range (the kernel's three checks; alignment is checked apart).
 */
bool drm_gpuvm_range_valid(const struct drm_gpuvm *vm, uint64_t addr, uint64_t range)
{
	uint64_t end = addr + range;

	if (end < addr)
		return false;
	if (addr < vm->mm_start || end > vm->mm_start + vm->mm_range)
		return false;
	if (vm->kernel_range && addr < vm->kernel_start + vm->kernel_range &&
	    vm->kernel_start < end)
		return false;
	return true;
}

/* Alignment, size and bounds checks shared by map and unmap; -EINVAL with the reason logged. */
static int gpuvm_check_range(const struct drm_gpuvm *vm, uint64_t addr, uint64_t range)
{
	if (!range) {
		DRM_DEBUG("%s: empty range at 0x%" PRIx64 "\n", vm->name, addr);
		return -EINVAL;
	}
	if (!GPUVM_ALIGNED(addr) || !GPUVM_ALIGNED(range)) {
		DRM_DEBUG("%s: unaligned range 0x%" PRIx64 "+0x%" PRIx64 "\n", vm->name, addr,
			  range);
		return -EINVAL;
	}
	if (!drm_gpuvm_range_valid(vm, addr, range)) {
		DRM_DEBUG("%s: range 0x%" PRIx64 "+0x%" PRIx64 " outside the VM or reserved\n",
			  vm->name, addr, range);
		return -EINVAL;
	}
	return 0;
}

/**
 * drm_gpuvm_read_lock() - take @vm's lock for reading.
 * @vm: the VM
 */
void drm_gpuvm_read_lock(struct drm_gpuvm *vm)
{
	pthread_rwlock_rdlock(&vm->lock);
}

/**
 * drm_gpuvm_read_unlock() - drop @vm's read lock.
 * @vm: the VM
 */
void drm_gpuvm_read_unlock(struct drm_gpuvm *vm)
{
	pthread_rwlock_unlock(&vm->lock);
}

/**
 * drm_gpuvm_lookup() - the mapping containing an address.
 * @vm: the VM, read-locked by the caller
 * @addr: the address
 *
 * Returns: the mapping or NULL.
 */
struct drm_gpuva *drm_gpuvm_lookup(struct drm_gpuvm *vm, uint64_t addr)
{
	struct drm_gpuva *va = va_find_le(vm, addr);

	return va && addr < va_end(va) ? va : NULL;
}

/**
 * drm_gpuva_find_first() - the lowest mapping overlapping a range.
 * @vm: the VM, locked by the caller
 * @addr: first address
 * @range: bytes (a range past 2^64 is cut there)
 *
 * Returns: the mapping or NULL.
 */
struct drm_gpuva *drm_gpuva_find_first(struct drm_gpuvm *vm, uint64_t addr, uint64_t range)
{
	uint64_t end = addr + range < addr ? UINT64_MAX : addr + range;
	struct drm_gpuva *va;

	if (!range)
		return NULL;
	va = va_find_le(vm, addr);
	if (va && va_end(va) > addr)
		return va;
	va = va ? drm_gpuva_next(va) :
		  list_first_entry_or_null(&vm->va_list, struct drm_gpuva, node.entry);
	return va && va->va.addr < end ? va : NULL;
}

/**
 * drm_gpuvm_translate() - translate an engine access through @vm.
 * @vm: the VM
 * @va: the device address accessed
 * @len: bytes accessed
 * @write: the access writes
 * @obj: the object reached, with a reference for the caller
 * @obj_offset: the offset of @va in *@obj
 *
 * Returns: 0, -EFAULT (not inside one mapping), -EACCES (write to a read-only mapping) or
 * -EINVAL (zero or overflowing length).
 */
int drm_gpuvm_translate(struct drm_gpuvm *vm, uint64_t va, uint64_t len, bool write,
			struct drm_gem_object **obj, uint64_t *obj_offset)
{
	struct drm_gpuva *m;
	int ret = 0;

	if (!len || va + len < va)
		return -EINVAL;
	pthread_rwlock_rdlock(&vm->lock);
	m = drm_gpuvm_lookup(vm, va);
	if (!m || va + len > va_end(m)) {
		ret = -EFAULT;
		goto out;
	}
	if (write && (m->flags & DRM_GPUVA_READONLY)) {
		ret = -EACCES;
		goto out;
	}
	/* The reference keeps the pages alive should the mapping be unbound mid-access. */
	drm_gem_object_get(m->gem.obj);
	*obj = m->gem.obj;
	*obj_offset = m->gem.offset + (va - m->va.addr);
out:
	pthread_rwlock_unlock(&vm->lock);
	return ret;
}

/* ---- ops lists ---- */

static struct drm_gpuva_ops *ops_alloc(const struct drm_gpuvm *vm)
{
	struct drm_gpuva_ops *ops = calloc(1, sizeof(*ops));

	if (ops)
		ops->seqno = vm->seqno;
	return ops;
}

/*
 * Append a step with @nva mappings preallocated for apply to insert, so that apply itself
 * never allocates and so never fails half-way.
 */
static struct drm_gpuva_op *ops_add(struct drm_gpuva_ops *ops, enum drm_gpuva_op_type type,
				    unsigned int nva)
{
	struct drm_gpuva_op *op = calloc(1, sizeof(*op));
	unsigned int i;

	if (!op)
		return NULL;
	op->op = type;
	for (i = 0; i < nva; i++) {
		op->priv.new_va[i] = calloc(1, sizeof(struct drm_gpuva));
		if (!op->priv.new_va[i])
			goto err;
	}
	if (ops->last)
		ops->last->next = op;
	else
		ops->first = op;
	ops->last = op;
	ops->count++;
	return op;
err:
	while (i--)
		free(op->priv.new_va[i]);
	free(op);
	return NULL;
}

static int ops_add_unmap(struct drm_gpuva_ops *ops, struct drm_gpuva *va, bool keep)
{
	struct drm_gpuva_op *op = ops_add(ops, DRM_GPUVA_OP_UNMAP, 0);

	if (!op)
		return -ENOMEM;
	op->unmap.va = va;
	op->unmap.keep = keep;
	return 0;
}

/* A piece of @va that survives: [addr, addr + range) at object offset @offset. */
static void op_map_piece(struct drm_gpuva_op_map *m, const struct drm_gpuva *va,
			 uint64_t addr, uint64_t range, uint64_t offset)
{
	m->va.addr = addr;
	m->va.range = range;
	m->gem.obj = va->gem.obj;
	m->gem.offset = offset;
	m->flags = va->flags;
}

/* A remap of @va keeping [va start, @prev_end) and/or [@next_start, va end). */
static int ops_add_remap(struct drm_gpuva_ops *ops, struct drm_gpuva *va, bool keep,
			 bool has_prev, uint64_t prev_end, bool has_next, uint64_t next_start)
{
	struct drm_gpuva_op *op = ops_add(ops, DRM_GPUVA_OP_REMAP, 2);

	if (!op)
		return -ENOMEM;
	op->priv.unmap.va = va;
	op->priv.unmap.keep = keep;
	op->remap.unmap = &op->priv.unmap;
	if (has_prev) {
		op_map_piece(&op->priv.prev, va, va->va.addr, prev_end - va->va.addr,
			     va->gem.offset);
		op->remap.prev = &op->priv.prev;
	}
	if (has_next) {
		op_map_piece(&op->priv.next, va, next_start, va_end(va) - next_start,
			     va->gem.offset + (next_start - va->va.addr));
		op->remap.next = &op->priv.next;
	}
	return 0;
}

/*
 * The kernel's __drm_gpuvm_sm_map() case analysis: each overlapped mapping starts at, before
 * or after the request and ends at, before or after its end. Called with the VM locked.
 */
static int build_map_ops(struct drm_gpuvm *vm, struct drm_gpuva_ops *ops, uint64_t req_addr,
			 uint64_t req_range, struct drm_gem_object *req_obj, uint64_t req_offset,
			 uint32_t flags)
{
	uint64_t req_end = req_addr + req_range;
	struct drm_gpuva_op *op;
	struct drm_gpuva *va;
	int ret;

	for (va = drm_gpuva_find_first(vm, req_addr, req_range); va && va->va.addr < req_end;
	     va = drm_gpuva_next(va)) {
		uint64_t addr = va->va.addr, end = va_end(va), offset = va->gem.offset;
		bool same = va->gem.obj == req_obj && va->flags == flags;
		bool keep;

		if (addr == req_addr) {
			keep = same && offset == req_offset;
			if (end <= req_end)
				ret = ops_add_unmap(ops, va, keep);
			else
				ret = ops_add_remap(ops, va, keep, false, 0, true, req_end);
		} else if (addr < req_addr) {
			keep = same && offset + (req_addr - addr) == req_offset;
			ret = ops_add_remap(ops, va, keep, true, req_addr, end > req_end, req_end);
		} else {
			keep = same && offset == req_offset + (addr - req_addr);
			if (end <= req_end)
				ret = ops_add_unmap(ops, va, keep);
			else
				ret = ops_add_remap(ops, va, keep, false, 0, true, req_end);
		}
		if (ret)
			return ret;
	}

	op = ops_add(ops, DRM_GPUVA_OP_MAP, 1);
	if (!op)
		return -ENOMEM;
	op->map.va.addr = req_addr;
	op->map.va.range = req_range;
	/* The list's own reference: the caller may drop its own before applying. */
	drm_gem_object_get(req_obj);
	op->map.gem.obj = req_obj;
	op->map.gem.offset = req_offset;
	op->map.flags = flags;
	return 0;
}

/* The kernel's __drm_gpuvm_sm_unmap(): cut what overlaps, keep what lies outside. */
static int build_unmap_ops(struct drm_gpuvm *vm, struct drm_gpuva_ops *ops, uint64_t req_addr,
			   uint64_t req_range)
{
	uint64_t req_end = req_addr + req_range;
	struct drm_gpuva *va;
	int ret;

	for (va = drm_gpuva_find_first(vm, req_addr, req_range); va && va->va.addr < req_end;
	     va = drm_gpuva_next(va)) {
		bool has_prev = va->va.addr < req_addr, has_next = va_end(va) > req_end;

		if (has_prev || has_next)
			ret = ops_add_remap(ops, va, false, has_prev, req_addr, has_next, req_end);
		else
			ret = ops_add_unmap(ops, va, false);
		if (ret)
			return ret;
	}
	return 0;
}

static int check_map_args(struct drm_gpuvm *vm, uint64_t addr, uint64_t range,
			  struct drm_gem_object *obj, uint64_t offset)
{
	int ret = gpuvm_check_range(vm, addr, range);

	if (ret)
		return ret;
	if (!obj) {
		DRM_DEBUG("%s: no object\n", vm->name);
		return -EINVAL;
	}
	if (!GPUVM_ALIGNED(offset) || offset + range < offset || offset + range > obj->size) {
		DRM_DEBUG("%s: object range 0x%" PRIx64 "+0x%" PRIx64 " invalid for %zu bytes\n",
			  vm->name, offset, range, obj->size);
		return -EINVAL;
	}
	return 0;
}

/**
 * drm_gpuvm_sm_map_ops_create() - the steps of a bind.
 * @vm: the VM
 * @addr: first address to map
 * @range: bytes to map
 * @obj: the backing object
 * @offset: offset in @obj of @addr
 * @flags: &enum drm_gpuva_flags of the new mapping
 *
 * Returns: the ops list, or ERR_PTR(-EINVAL) / ERR_PTR(-ENOMEM).
 */
struct drm_gpuva_ops *drm_gpuvm_sm_map_ops_create(struct drm_gpuvm *vm, uint64_t addr,
						  uint64_t range, struct drm_gem_object *obj,
						  uint64_t offset, uint32_t flags)
{
	struct drm_gpuva_ops *ops;
	int ret;

	ret = check_map_args(vm, addr, range, obj, offset);
	if (ret)
		return ERR_PTR(ret);
	pthread_rwlock_rdlock(&vm->lock);
	ops = ops_alloc(vm);
	ret = ops ? build_map_ops(vm, ops, addr, range, obj, offset, flags) : -ENOMEM;
	pthread_rwlock_unlock(&vm->lock);
	if (ret) {
		/* Freed outside the lock: it may drop the last reference to @obj. */
		drm_gpuva_ops_free(vm, ops);
		return ERR_PTR(ret);
	}
	return ops;
}

/**
 * drm_gpuvm_sm_unmap_ops_create() - the steps of an unbind.
 * @vm: the VM
 * @addr: first address to unmap
 * @range: bytes to unmap
 *
 * Returns: the ops list (empty when nothing is mapped there), or ERR_PTR(-EINVAL) /
 * ERR_PTR(-ENOMEM).
 */
struct drm_gpuva_ops *drm_gpuvm_sm_unmap_ops_create(struct drm_gpuvm *vm, uint64_t addr,
						    uint64_t range)
{
	struct drm_gpuva_ops *ops;
	int ret;

	ret = gpuvm_check_range(vm, addr, range);
	if (ret)
		return ERR_PTR(ret);
	pthread_rwlock_rdlock(&vm->lock);
	ops = ops_alloc(vm);
	ret = ops ? build_unmap_ops(vm, ops, addr, range) : -ENOMEM;
	pthread_rwlock_unlock(&vm->lock);
	if (ret) {
		drm_gpuva_ops_free(vm, ops);
		return ERR_PTR(ret);
	}
	return ops;
}

/* Insert the preallocated mapping @slot of @op as described by @m. */
static void apply_insert(struct drm_gpuvm *vm, struct drm_gpuva_op *op, unsigned int slot,
			 const struct drm_gpuva_op_map *m)
{
	struct drm_gpuva *va = op->priv.new_va[slot];

	op->priv.new_va[slot] = NULL;
	va->flags = m->flags;
	va->va.addr = m->va.addr;
	va->va.range = m->va.range;
	va->gem.offset = m->gem.offset;
	drm_gem_object_get(m->gem.obj);
	va->gem.obj = m->gem.obj;
	va_insert(vm, va);
}

/* Called with the write lock held. */
static int __drm_gpuva_ops_apply(struct drm_gpuvm *vm, struct drm_gpuva_ops *ops)
{
	struct drm_gpuva_op *op;

	if (ops->applied)
		return -EINVAL;
	if (ops->seqno != vm->seqno)
		return -EAGAIN;
	/* Removals first: a remap's pieces and the new mapping only fit once it is gone. */
	drm_gpuva_for_each_op(op, ops) {
		switch (op->op) {
		case DRM_GPUVA_OP_UNMAP:
			va_remove(vm, op->unmap.va);
			break;
		case DRM_GPUVA_OP_REMAP:
			va_remove(vm, op->remap.unmap->va);
			if (op->remap.prev)
				apply_insert(vm, op, 0, op->remap.prev);
			if (op->remap.next)
				apply_insert(vm, op, 1, op->remap.next);
			break;
		case DRM_GPUVA_OP_MAP:
			apply_insert(vm, op, 0, &op->map);
			break;
		}
	}
	if (ops->count)
		vm->seqno++;
	ops->applied = true;
	return 0;
}

/**
 * drm_gpuva_ops_apply() - perform an ops list.
 * @vm: the VM the list was made for
 * @ops: the list
 *
 * Returns: 0, -EAGAIN when @vm changed since the list was made (nothing done), or -EINVAL
 * when the list was applied already.
 */
int drm_gpuva_ops_apply(struct drm_gpuvm *vm, struct drm_gpuva_ops *ops)
{
	int ret;

	pthread_rwlock_wrlock(&vm->lock);
	ret = __drm_gpuva_ops_apply(vm, ops);
	pthread_rwlock_unlock(&vm->lock);
	return ret;
}

/**
 * drm_gpuva_ops_free() - free an ops list and the mappings its apply removed.
 * @vm: the VM the list was made for
 * @ops: the list (NULL or an ERR_PTR are ignored)
 */
void drm_gpuva_ops_free(struct drm_gpuvm *vm, struct drm_gpuva_ops *ops)
{
	struct drm_gpuva_op *op, *next;

	(void)vm;
	if (IS_ERR_OR_NULL(ops))
		return;
	for (op = ops->first; op; op = next) {
		next = op->next;
		free(op->priv.new_va[0]);
		free(op->priv.new_va[1]);
		switch (op->op) {
		case DRM_GPUVA_OP_MAP:
			drm_gem_object_put(op->map.gem.obj);
			break;
		case DRM_GPUVA_OP_UNMAP:
			if (ops->applied)
				va_free(op->unmap.va);
			break;
		case DRM_GPUVA_OP_REMAP:
			if (ops->applied)
				va_free(op->remap.unmap->va);
			break;
		}
		free(op);
	}
	free(ops);
}

/*
 * Build and apply under one write lock, so that no other bind can make the list stale in
 * between; the list is freed after unlocking as it may drop last object references.
 */
static int gpuvm_build_apply(struct drm_gpuvm *vm, bool map, uint64_t addr, uint64_t range,
			     struct drm_gem_object *obj, uint64_t offset, uint32_t flags)
{
	struct drm_gpuva_ops *ops;
	int ret;

	ret = map ? check_map_args(vm, addr, range, obj, offset) :
		    gpuvm_check_range(vm, addr, range);
	if (ret)
		return ret;
	pthread_rwlock_wrlock(&vm->lock);
	ops = ops_alloc(vm);
	if (!ops) {
		ret = -ENOMEM;
		goto out_unlock;
	}
	ret = map ? build_map_ops(vm, ops, addr, range, obj, offset, flags) :
		    build_unmap_ops(vm, ops, addr, range);
	if (!ret)
		ret = __drm_gpuva_ops_apply(vm, ops);
out_unlock:
	pthread_rwlock_unlock(&vm->lock);
	drm_gpuva_ops_free(vm, ops);
	return ret;
}

/**
 * drm_gpuvm_sm_map() - bind a read-write mapping, splitting what it overlaps.
 * @vm: the VM
 * @addr: first address
 * @range: bytes
 * @obj: the backing object
 * @offset: offset in @obj of @addr
 *
 * Returns: 0, -EINVAL or -ENOMEM.
 */
int drm_gpuvm_sm_map(struct drm_gpuvm *vm, uint64_t addr, uint64_t range,
		     struct drm_gem_object *obj, uint64_t offset)
{
	return gpuvm_build_apply(vm, true, addr, range, obj, offset, 0);
}

/**
 * drm_gpuvm_sm_map_flags() - bind a mapping with flags, splitting what it overlaps.
 * @vm: the VM
 * @addr: first address
 * @range: bytes
 * @obj: the backing object
 * @offset: offset in @obj of @addr
 * @flags: &enum drm_gpuva_flags
 *
 * Returns: 0, -EINVAL or -ENOMEM.
 */
int drm_gpuvm_sm_map_flags(struct drm_gpuvm *vm, uint64_t addr, uint64_t range,
			   struct drm_gem_object *obj, uint64_t offset, uint32_t flags)
{
	return gpuvm_build_apply(vm, true, addr, range, obj, offset, flags);
}

/**
 * drm_gpuvm_sm_unmap() - unbind a range, splitting mappings it cuts.
 * @vm: the VM
 * @addr: first address
 * @range: bytes
 *
 * Returns: 0 (also when nothing was mapped), -EINVAL or -ENOMEM.
 */
int drm_gpuvm_sm_unmap(struct drm_gpuvm *vm, uint64_t addr, uint64_t range)
{
	return gpuvm_build_apply(vm, false, addr, range, NULL, 0, 0);
}

/**
 * drm_gpuvm_print() - print @vm's mappings, one a line.
 * @vm: the VM
 * @m: where to print
 */
void drm_gpuvm_print(struct drm_gpuvm *vm, struct seq_file *m)
{
	struct drm_gpuva *va;

	pthread_rwlock_rdlock(&vm->lock);
	drm_gpuvm_for_each_va(va, vm)
		seq_printf(m, "0x%016" PRIx64 "-0x%016" PRIx64 " size=%" PRIu64
			   " obj_size=%zu offset=0x%" PRIx64 " flags=%s\n",
			   va->va.addr, va_end(va), va->va.range, va->gem.obj->size,
			   va->gem.offset, va->flags & DRM_GPUVA_READONLY ? "ro" : "rw");
	pthread_rwlock_unlock(&vm->lock);
}
