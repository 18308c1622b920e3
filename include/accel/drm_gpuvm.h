/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/drm_gpuvm.h - per-client GPU virtual address spaces (the kernel's drm_gpuvm).
 *
 * A &struct drm_gpuvm manages the range [start, start + range) of one client's device
 * address space, minus an optional range reserved for the kernel (driver). It holds
 * mappings (&struct drm_gpuva): a page-aligned range of addresses backed by a range of a GEM
 * object, with flags such as %DRM_GPUVA_READONLY. Mappings never overlap.
 *
 * Binding follows the kernel's split/merge model: a new mapping replaces whatever it
 * overlaps. Mappings it covers entirely are unmapped; mappings it covers partly are
 * "remapped", i.e. replaced by the piece before (prev) and/or after (next) the new range,
 * each keeping the GEM offset the addresses had. Unbinding a sub-range splits a mapping the
 * same way. As in the kernel, adjacent mappings are never merged.
 *
 * The work is in two phases so a driver can validate before anything changes:
 * drm_gpuvm_sm_map_ops_create() / drm_gpuvm_sm_unmap_ops_create() compute a list of
 * %DRM_GPUVA_OP_REMAP, %DRM_GPUVA_OP_UNMAP and %DRM_GPUVA_OP_MAP steps, and
 * drm_gpuva_ops_apply() performs them all or (stale list: -EAGAIN) none.
 * drm_gpuvm_sm_map() / drm_gpuvm_sm_unmap() do both at once.
 *
 * A mapping holds a reference on its GEM object; the reference goes with the mapping.
 */
#ifndef ACCEL_DRM_GPUVM_H
#define ACCEL_DRM_GPUVM_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <accel/compiler.h>
#include <accel/list.h>

struct drm_gem_object;
struct drm_gpuvm;
struct seq_file;

/** DRM_GPUVM_PAGE_SIZE - the granule of addresses, ranges and object offsets (4 KiB). */
#define DRM_GPUVM_PAGE_SIZE 4096ULL

/**
 * enum drm_gpuva_flags - flags of a mapping.
 * @DRM_GPUVA_READONLY: engines may read but not write through the mapping.
 * @DRM_GPUVA_USERBITS: the first bit a driver may use for its own purposes.
 */
enum drm_gpuva_flags {
	DRM_GPUVA_READONLY = 1U << 0,
	DRM_GPUVA_USERBITS = 1U << 1,
};

/**
 * struct drm_gpuva - one mapping of a GPU VM.
 *
 * Every field is guarded by the lock of @vm: written only under its write side (while the
 * mapping is inserted or removed), readable under its read side. A mapping is immutable
 * while in the VM; splitting it replaces it with new mappings.
 */
struct drm_gpuva {
	/** @vm: the VM the mapping belongs to. */
	struct drm_gpuvm *vm;
	/** @flags: &enum drm_gpuva_flags. */
	uint32_t flags;
	/** @va: the address range [addr, addr + range). */
	struct {
		uint64_t addr;
		uint64_t range;
	} va;
	/** @gem: the backing object (one reference held) and the offset of @va.addr in it. */
	struct {
		uint64_t offset;
		struct drm_gem_object *obj;
	} gem;
	/**
	 * @node: private. The balanced search tree keyed by @va.addr (@left, @right,
	 * @height) and the link (@entry) on the VM's address-ordered list iteration walks.
	 */
	struct {
		struct drm_gpuva *left, *right;
		struct list_head entry;
		int height;
	} node;
};

/**
 * struct drm_gpuvm - a GPU virtual address space.
 *
 * @lock guards @root, @va_list, @num_va and @seqno (write side to change them, read
 * side to look at them, so engines translate concurrently while binds are rare). @name,
 * @mm_start, @mm_range, @kernel_start and @kernel_range are constant after drm_gpuvm_init().
 */
struct drm_gpuvm {
	/** @name: for messages and drm_gpuvm_print(). */
	const char *name;
	/** @mm_start, @mm_range: the managed range [mm_start, mm_start + mm_range). */
	uint64_t mm_start;
	uint64_t mm_range;
	/** @kernel_start, @kernel_range: reserved for the kernel; never mapped here. */
	uint64_t kernel_start;
	uint64_t kernel_range;
	pthread_rwlock_t lock;
	/** @root: the search tree of mappings. */
	struct drm_gpuva *root;
	/** @va_list: the mappings in address order (&drm_gpuva.node.entry). */
	struct list_head va_list;
	/** @num_va: how many mappings. */
	unsigned long num_va;
	/** @seqno: bumped by every change, so an ops list made before it is known stale. */
	uint64_t seqno;
};

/**
 * enum drm_gpuva_op_type - the kind of a step of a bind or unbind.
 * @DRM_GPUVA_OP_MAP: insert a new mapping.
 * @DRM_GPUVA_OP_REMAP: replace a mapping by the pieces of it that survive.
 * @DRM_GPUVA_OP_UNMAP: remove a mapping entirely.
 */
enum drm_gpuva_op_type {
	DRM_GPUVA_OP_MAP,
	DRM_GPUVA_OP_REMAP,
	DRM_GPUVA_OP_UNMAP,
};

/** struct drm_gpuva_op_map - a mapping to create (a new one, or a surviving piece). */
struct drm_gpuva_op_map {
	struct {
		uint64_t addr;
		uint64_t range;
	} va;
	struct {
		uint64_t offset;
		struct drm_gem_object *obj;
	} gem;
	uint32_t flags;
};

/**
 * struct drm_gpuva_op_unmap - a mapping to remove.
 * @va: the mapping (in the VM until the ops are applied; freed with the ops after).
 * @keep: as in the kernel: the new mapping maps the same object pages at the same addresses
 *	over the whole overlap, so a driver may keep its page-table entries for it.
 */
struct drm_gpuva_op_unmap {
	struct drm_gpuva *va;
	bool keep;
};

/**
 * struct drm_gpuva_op_remap - a partly covered mapping: remove @unmap->va, then insert
 * @prev (its part below the request) and/or @next (its part above); either may be NULL.
 */
struct drm_gpuva_op_remap {
	struct drm_gpuva_op_map *prev;
	struct drm_gpuva_op_map *next;
	struct drm_gpuva_op_unmap *unmap;
};

/** struct drm_gpuva_op - one step of an ops list. */
struct drm_gpuva_op {
	/** @next: the following step, NULL at the end. */
	struct drm_gpuva_op *next;
	enum drm_gpuva_op_type op;
	union {
		struct drm_gpuva_op_map map;
		struct drm_gpuva_op_remap remap;
		struct drm_gpuva_op_unmap unmap;
	};
	/** @priv: private. What @remap points into, and the mappings apply will insert. */
	struct {
		struct drm_gpuva_op_map prev, next;
		struct drm_gpuva_op_unmap unmap;
		struct drm_gpuva *new_va[2];
	} priv;
};

/**
 * struct drm_gpuva_ops - the steps of one bind or unbind, in order: remaps and unmaps of
 * the old mappings in address order, then (for a bind) the map. Owned by the caller until
 * drm_gpuva_ops_free(); holds a reference on the object of its map step.
 */
struct drm_gpuva_ops {
	struct drm_gpuva_op *first;
	struct drm_gpuva_op *last;
	unsigned int count;
	/** @seqno: the VM's &drm_gpuvm.seqno when the list was made. */
	uint64_t seqno;
	/** @applied: drm_gpuva_ops_apply() succeeded; the unmapped mappings now belong here. */
	bool applied;
};

/** drm_gpuva_for_each_op() - iterate over the steps of @ops. */
#define drm_gpuva_for_each_op(op, ops) for ((op) = (ops)->first; (op); (op) = (op)->next)

/**
 * drm_gpuvm_for_each_va() - iterate over the mappings of @vm in address order.
 * The caller holds the VM's lock (drm_gpuvm_read_lock()) across the loop.
 */
#define drm_gpuvm_for_each_va(va, vm) list_for_each_entry(va, &(vm)->va_list, node.entry)

/** drm_gpuva_next() - the mapping after @va in address order, or NULL after the last. */
static inline struct drm_gpuva *drm_gpuva_next(struct drm_gpuva *va)
{
	return va->node.entry.next == &va->vm->va_list ? NULL : list_next_entry(va, node.entry);
}

/**
 * drm_gpuvm_for_each_va_range() - iterate over the mappings of @vm that overlap
 * [@start, @end), in address order, under the VM's lock.
 */
#define drm_gpuvm_for_each_va_range(va, vm, start, end)					\
	for ((va) = drm_gpuva_find_first((vm), (start), (end) - (start));		\
	     (va) && (va)->va.addr < (end); (va) = drm_gpuva_next(va))

/**
 * drm_gpuvm_init() - set up @vm to manage [@start, @start + @range), never mapping
 * [@reserve_offset, @reserve_offset + @reserve_range) (a zero @reserve_range reserves
 * nothing). Everything must be page-aligned, @range non-zero and the reserved range inside
 * the managed one. Returns 0 or -EINVAL.
 */
int drm_gpuvm_init(struct drm_gpuvm *vm, const char *name, uint64_t start, uint64_t range,
		   uint64_t reserve_offset, uint64_t reserve_range);

/**
 * drm_gpuvm_destroy() - unmap everything (dropping the object references) and free what
 * drm_gpuvm_init() set up. No other thread may use @vm any more.
 */
void drm_gpuvm_destroy(struct drm_gpuvm *vm);

/**
 * drm_gpuvm_range_valid() - [@addr, @addr + @range) does not overflow, lies inside the
 * managed range and misses the reserved range.
 */
bool drm_gpuvm_range_valid(const struct drm_gpuvm *vm, uint64_t addr, uint64_t range);

/**
 * drm_gpuvm_sm_map_ops_create() - the steps that would map @range bytes of @obj from
 * @offset at @addr with @flags, replacing what is mapped there now.
 *
 * Returns the list (to apply with drm_gpuva_ops_apply() and free with
 * drm_gpuva_ops_free()) or ERR_PTR(-EINVAL) when @addr, @range or @offset is not
 * page-aligned, @range is zero, the range is not drm_gpuvm_range_valid(), @obj is NULL,
 * or [@offset, @offset + @range) exceeds the object; ERR_PTR(-ENOMEM) when out of memory.
 * Takes the VM's read lock.
 */
struct drm_gpuva_ops *drm_gpuvm_sm_map_ops_create(struct drm_gpuvm *vm, uint64_t addr,
						  uint64_t range, struct drm_gem_object *obj,
						  uint64_t offset, uint32_t flags);

/**
 * drm_gpuvm_sm_unmap_ops_create() - the steps that would unmap [@addr, @addr + @range):
 * removing covered mappings and splitting the ones it cuts. Nothing mapped there gives an
 * empty list. ERR_PTR(-EINVAL) for an unaligned or zero range or one that is not
 * drm_gpuvm_range_valid() (as the kernel); ERR_PTR(-ENOMEM). Takes the VM's read lock.
 */
struct drm_gpuva_ops *drm_gpuvm_sm_unmap_ops_create(struct drm_gpuvm *vm, uint64_t addr,
						    uint64_t range);

/**
 * drm_gpuva_ops_apply() - perform every step of @ops on @vm, under the VM's write lock.
 * It cannot fail half-way: all memory was allocated by the create call. Returns 0, or
 * -EAGAIN (nothing done) when @vm changed since @ops was made: make the list again, or
 * -EINVAL for a list applied before. The removed mappings stay readable through the ops
 * until drm_gpuva_ops_free() (e.g. for page-table or TLB work).
 */
int drm_gpuva_ops_apply(struct drm_gpuvm *vm, struct drm_gpuva_ops *ops);

/**
 * drm_gpuva_ops_free() - free @ops and, once applied, the mappings it removed (dropping
 * their object references). Call it without holding the VM's lock: the last reference
 * to an object may free it.
 */
void drm_gpuva_ops_free(struct drm_gpuvm *vm, struct drm_gpuva_ops *ops);

/**
 * drm_gpuvm_sm_map() - map @range bytes of @obj from @offset at @addr, read-write,
 * splitting or replacing what it overlaps. 0 or the errors of drm_gpuvm_sm_map_ops_create().
 */
int drm_gpuvm_sm_map(struct drm_gpuvm *vm, uint64_t addr, uint64_t range,
		     struct drm_gem_object *obj, uint64_t offset);

/** drm_gpuvm_sm_map_flags() - drm_gpuvm_sm_map() with &enum drm_gpuva_flags @flags. */
int drm_gpuvm_sm_map_flags(struct drm_gpuvm *vm, uint64_t addr, uint64_t range,
			   struct drm_gem_object *obj, uint64_t offset, uint32_t flags);

/**
 * drm_gpuvm_sm_unmap() - unmap [@addr, @addr + @range), splitting mappings it cuts.
 * Nothing mapped there is not an error. 0 or the errors of drm_gpuvm_sm_unmap_ops_create().
 */
int drm_gpuvm_sm_unmap(struct drm_gpuvm *vm, uint64_t addr, uint64_t range);

/** drm_gpuvm_read_lock() - hold off changes to @vm while looking at its mappings. */
void drm_gpuvm_read_lock(struct drm_gpuvm *vm);
/** drm_gpuvm_read_unlock() - undo drm_gpuvm_read_lock(). */
void drm_gpuvm_read_unlock(struct drm_gpuvm *vm);

/**
 * drm_gpuvm_lookup() - the mapping that contains @addr, or NULL. O(log n). The caller
 * holds drm_gpuvm_read_lock() for as long as it uses the result.
 */
struct drm_gpuva *drm_gpuvm_lookup(struct drm_gpuvm *vm, uint64_t addr);

/**
 * drm_gpuva_find_first() - the lowest mapping overlapping [@addr, @addr + @range), or
 * NULL; under the VM's lock.
 */
struct drm_gpuva *drm_gpuva_find_first(struct drm_gpuvm *vm, uint64_t addr, uint64_t range);

/**
 * drm_gpuvm_translate() - what an engine access of @len bytes at @va reaches.
 *
 * The access must lie entirely inside one mapping: an access that crosses into the next
 * mapping faults even when that maps the following pages of the same object (engines split
 * such accesses at mapping boundaries, as an MMU splits at page boundaries). Takes the VM's
 * read lock itself.
 *
 * Returns 0 with *@obj (a new reference, which the caller drops with drm_gem_object_put())
 * and *@obj_offset set; -EFAULT when [@va, @va + @len) is not inside one mapping (a
 * translation fault); -EACCES for a @write through a read-only mapping (a permission
 * fault); -EINVAL for a zero @len or an overflowing range.
 */
int drm_gpuvm_translate(struct drm_gpuvm *vm, uint64_t va, uint64_t len, bool write,
			struct drm_gem_object **obj, uint64_t *obj_offset);

/**
 * drm_gpuvm_print() - one line per mapping of @vm into @m (for debugfs):
 * "0xSTART-0xEND size=BYTES obj_size=BYTES offset=0xOFF flags=rw|ro".
 * Takes the VM's read lock.
 */
void drm_gpuvm_print(struct drm_gpuvm *vm, struct seq_file *m);

#endif
