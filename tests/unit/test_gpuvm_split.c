// SPDX-License-Identifier: MIT
/* drm_gpuvm bind/unbind: the kernel's split semantics and the two-phase ops lists. */
#include <stdlib.h>

#include "gpuvm_test.h"

#define A(x) (VM_START + (x) * PG)

static void map_into_empty_vm_creates_one_mapping(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *o = gpuvm_test_obj(t, 16 * PG);

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(4), 8 * PG, o, 2 * PG), 0);
	EXPECT_VAS(&t->vm, { A(4), 8 * PG, o, 2 * PG });
}

static void overlapping_map_splits_old_mapping_into_prev_and_next(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *a = gpuvm_test_obj(t, 16 * PG), *b = gpuvm_test_obj(t, 4 * PG);

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 16 * PG, a, 0), 0);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(5), 3 * PG, b, PG), 0);
	/* The next piece keeps mapping the object pages its addresses mapped before. */
	EXPECT_VAS(&t->vm, { A(0), 5 * PG, a, 0 }, { A(5), 3 * PG, b, PG },
		   { A(8), 8 * PG, a, 8 * PG });
}

static void overlapping_map_at_the_start_keeps_only_the_next_piece(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *a = gpuvm_test_obj(t, 16 * PG), *b = gpuvm_test_obj(t, 4 * PG);

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 8 * PG, a, 4 * PG), 0);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 2 * PG, b, 0), 0);
	EXPECT_VAS(&t->vm, { A(0), 2 * PG, b, 0 }, { A(2), 6 * PG, a, 6 * PG });
}

static void map_exactly_covering_old_mapping_replaces_it(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *a = gpuvm_test_obj(t, 4 * PG), *b = gpuvm_test_obj(t, 4 * PG);

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(2), 4 * PG, a, 0), 0);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(2), 4 * PG, b, 0), 0);
	EXPECT_VAS(&t->vm, { A(2), 4 * PG, b, 0 });
}

static void map_covering_several_mappings_unmaps_them_and_remaps_edges(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *a = gpuvm_test_obj(t, 8 * PG), *b = gpuvm_test_obj(t, 8 * PG);
	struct drm_gem_object *n = gpuvm_test_obj(t, 32 * PG);

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 4 * PG, a, 0), 0);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(4), 4 * PG, b, 0), 0);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(8), 4 * PG, a, 4 * PG), 0);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(12), 4 * PG, b, 4 * PG), 0);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(2), 12 * PG, n, 0), 0);
	EXPECT_VAS(&t->vm, { A(0), 2 * PG, a, 0 }, { A(2), 12 * PG, n, 0 },
		   { A(14), 2 * PG, b, 6 * PG });
}

static void adjacent_maps_of_the_same_object_are_not_merged(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *a = gpuvm_test_obj(t, 8 * PG);

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 4 * PG, a, 0), 0);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(4), 4 * PG, a, 4 * PG), 0);
	EXPECT_VAS(&t->vm, { A(0), 4 * PG, a, 0 }, { A(4), 4 * PG, a, 4 * PG });
}

static void unmap_of_middle_subrange_splits_in_two(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *a = gpuvm_test_obj(t, 16 * PG);

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 10 * PG, a, 6 * PG), 0);
	assert_int_equal(drm_gpuvm_sm_unmap(&t->vm, A(3), 2 * PG), 0);
	EXPECT_VAS(&t->vm, { A(0), 3 * PG, a, 6 * PG }, { A(5), 5 * PG, a, 11 * PG });
}

static void unmap_across_mappings_removes_covered_and_trims_edges(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *a = gpuvm_test_obj(t, 8 * PG), *b = gpuvm_test_obj(t, 8 * PG);

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 4 * PG, a, 0), 0);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(4), 4 * PG, b, 0), 0);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(10), 4 * PG, a, 4 * PG), 0);
	/* Gaps inside the range are fine. */
	assert_int_equal(drm_gpuvm_sm_unmap(&t->vm, A(1), 11 * PG), 0);
	EXPECT_VAS(&t->vm, { A(0), PG, a, 0 }, { A(12), 2 * PG, a, 6 * PG });
}

static void unmap_of_empty_range_is_a_noop(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *a = gpuvm_test_obj(t, 4 * PG);
	struct drm_gpuva_ops *ops;
	uint64_t seqno;

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 4 * PG, a, 0), 0);
	seqno = t->vm.seqno;
	assert_int_equal(drm_gpuvm_sm_unmap(&t->vm, A(4), 64 * PG), 0);
	EXPECT_VAS(&t->vm, { A(0), 4 * PG, a, 0 });
	assert_int_equal(t->vm.seqno, seqno);
	ops = drm_gpuvm_sm_unmap_ops_create(&t->vm, A(100), PG);
	assert_false(IS_ERR(ops));
	assert_int_equal(ops->count, 0);
	assert_null(ops->first);
	drm_gpuva_ops_free(&t->vm, ops);
}

static void map_ops_list_matches_what_apply_does(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *a = gpuvm_test_obj(t, 8 * PG), *b = gpuvm_test_obj(t, 8 * PG);
	struct drm_gem_object *n = gpuvm_test_obj(t, 8 * PG);
	struct drm_gpuva *va_a, *va_b, *va_c;
	struct drm_gpuva_ops *ops;
	struct drm_gpuva_op *op;

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 4 * PG, a, 0), 0);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(4), 2 * PG, b, 0), 0);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(6), 4 * PG, b, 2 * PG), 0);
	drm_gpuvm_read_lock(&t->vm);
	va_a = drm_gpuvm_lookup(&t->vm, A(0));
	va_b = drm_gpuvm_lookup(&t->vm, A(4));
	va_c = drm_gpuvm_lookup(&t->vm, A(6));
	drm_gpuvm_read_unlock(&t->vm);

	ops = drm_gpuvm_sm_map_ops_create(&t->vm, A(2), 6 * PG, n, PG, DRM_GPUVA_READONLY);
	assert_false(IS_ERR(ops));
	assert_int_equal(ops->count, 4);
	op = ops->first;
	assert_int_equal(op->op, DRM_GPUVA_OP_REMAP);
	assert_ptr_equal(op->remap.unmap->va, va_a);
	assert_non_null(op->remap.prev);
	assert_null(op->remap.next);
	assert_int_equal(op->remap.prev->va.addr, A(0));
	assert_int_equal(op->remap.prev->va.range, 2 * PG);
	assert_ptr_equal(op->remap.prev->gem.obj, a);
	assert_int_equal(op->remap.prev->gem.offset, 0);
	op = op->next;
	assert_int_equal(op->op, DRM_GPUVA_OP_UNMAP);
	assert_ptr_equal(op->unmap.va, va_b);
	op = op->next;
	assert_int_equal(op->op, DRM_GPUVA_OP_REMAP);
	assert_ptr_equal(op->remap.unmap->va, va_c);
	assert_null(op->remap.prev);
	assert_non_null(op->remap.next);
	assert_int_equal(op->remap.next->va.addr, A(8));
	assert_int_equal(op->remap.next->va.range, 2 * PG);
	assert_ptr_equal(op->remap.next->gem.obj, b);
	assert_int_equal(op->remap.next->gem.offset, 4 * PG);
	op = op->next;
	assert_int_equal(op->op, DRM_GPUVA_OP_MAP);
	assert_int_equal(op->map.va.addr, A(2));
	assert_int_equal(op->map.va.range, 6 * PG);
	assert_ptr_equal(op->map.gem.obj, n);
	assert_int_equal(op->map.gem.offset, PG);
	assert_int_equal(op->map.flags, DRM_GPUVA_READONLY);
	assert_null(op->next);

	/* Creating the list changed nothing; applying it does exactly what it says. */
	EXPECT_VAS(&t->vm, { A(0), 4 * PG, a, 0 }, { A(4), 2 * PG, b, 0 },
		   { A(6), 4 * PG, b, 2 * PG });
	assert_int_equal(drm_gpuva_ops_apply(&t->vm, ops), 0);
	EXPECT_VAS(&t->vm, { A(0), 2 * PG, a, 0 }, { A(2), 6 * PG, n, PG },
		   { A(8), 2 * PG, b, 4 * PG });
	/* The removed mappings stay readable through the list until it is freed. */
	assert_int_equal(ops->first->next->op, DRM_GPUVA_OP_UNMAP);
	assert_int_equal(ops->first->next->unmap.va->va.addr, A(4));
	drm_gpuva_ops_free(&t->vm, ops);
}

static void unmap_ops_list_matches_what_apply_does(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *a = gpuvm_test_obj(t, 16 * PG);
	struct drm_gpuva_ops *ops;
	struct drm_gpuva_op *op;

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 16 * PG, a, 0), 0);
	ops = drm_gpuvm_sm_unmap_ops_create(&t->vm, A(4), 4 * PG);
	assert_false(IS_ERR(ops));
	assert_int_equal(ops->count, 1);
	op = ops->first;
	assert_int_equal(op->op, DRM_GPUVA_OP_REMAP);
	assert_int_equal(op->remap.prev->va.addr, A(0));
	assert_int_equal(op->remap.prev->va.range, 4 * PG);
	assert_int_equal(op->remap.prev->gem.offset, 0);
	assert_int_equal(op->remap.next->va.addr, A(8));
	assert_int_equal(op->remap.next->va.range, 8 * PG);
	assert_int_equal(op->remap.next->gem.offset, 8 * PG);
	assert_int_equal(drm_gpuva_ops_apply(&t->vm, ops), 0);
	drm_gpuva_ops_free(&t->vm, ops);
	EXPECT_VAS(&t->vm, { A(0), 4 * PG, a, 0 }, { A(8), 8 * PG, a, 8 * PG });
}

static void split_pieces_keep_the_flags_of_the_old_mapping(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *a = gpuvm_test_obj(t, 8 * PG);
	struct drm_gpuva *va;

	assert_int_equal(drm_gpuvm_sm_map_flags(&t->vm, A(0), 8 * PG, a, 0, DRM_GPUVA_READONLY), 0);
	assert_int_equal(drm_gpuvm_sm_unmap(&t->vm, A(2), PG), 0);
	drm_gpuvm_read_lock(&t->vm);
	drm_gpuvm_for_each_va(va, &t->vm)
		assert_int_equal(va->flags, DRM_GPUVA_READONLY);
	drm_gpuvm_read_unlock(&t->vm);
}

static void stale_ops_list_is_refused_with_eagain(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *a = gpuvm_test_obj(t, 8 * PG), *b = gpuvm_test_obj(t, 8 * PG);
	struct drm_gpuva_ops *ops;

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 8 * PG, a, 0), 0);
	ops = drm_gpuvm_sm_map_ops_create(&t->vm, A(2), 2 * PG, b, 0, 0);
	assert_false(IS_ERR(ops));
	/* Another bind in between frees the mapping the list would remap. */
	assert_int_equal(drm_gpuvm_sm_unmap(&t->vm, A(0), 8 * PG), 0);
	assert_int_equal(drm_gpuva_ops_apply(&t->vm, ops), -EAGAIN);
	gpuvm_test_expect(&t->vm, NULL, 0);
	drm_gpuva_ops_free(&t->vm, ops);
}

static void ops_list_applied_twice_is_refused(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *a = gpuvm_test_obj(t, 8 * PG);
	struct drm_gpuva_ops *ops;

	ops = drm_gpuvm_sm_map_ops_create(&t->vm, A(0), 8 * PG, a, 0, 0);
	assert_false(IS_ERR(ops));
	assert_int_equal(drm_gpuva_ops_apply(&t->vm, ops), 0);
	assert_int_equal(drm_gpuva_ops_apply(&t->vm, ops), -EINVAL);
	drm_gpuva_ops_free(&t->vm, ops);
	EXPECT_VAS(&t->vm, { A(0), 8 * PG, a, 0 });
}

static void freeing_an_unapplied_ops_list_changes_nothing(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *a = gpuvm_test_obj(t, 8 * PG), *b = gpuvm_test_obj(t, 8 * PG);
	struct drm_gpuva_ops *ops;

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 8 * PG, a, 0), 0);
	ops = drm_gpuvm_sm_map_ops_create(&t->vm, A(2), 2 * PG, b, 0, 0);
	assert_false(IS_ERR(ops));
	drm_gpuva_ops_free(&t->vm, ops);
	EXPECT_VAS(&t->vm, { A(0), 8 * PG, a, 0 });
	assert_int_equal(kref_read(&b->refcount), 1);
}

/* Per page of a 256-page window: the object (index + 1, 0 for none) and its page there. */
struct page_model {
	int obj;
	uint64_t page;
};

static void random_binds_and_unbinds_match_a_page_model(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *objs[3];
	struct page_model model[256] = { 0 };
	unsigned int i, p, k, len, start;
	struct drm_gpuva *va;
	uint64_t prev_end;

	for (i = 0; i < 3; i++)
		objs[i] = gpuvm_test_obj(t, 64 * PG);
	srand(7);
	for (i = 0; i < 3000; i++) {
		start = (unsigned int)rand() % 256;
		len = 1 + (unsigned int)rand() % (i % 3 ? 8 : 64);
		if (start + len > 256)
			len = 256 - start;
		if (rand() % 3) {
			unsigned int o = (unsigned int)rand() % 3;
			uint64_t off = (uint64_t)rand() % (64 - len + 1);

			assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(start), len * PG, objs[o],
							  off * PG), 0);
			for (p = 0; p < len; p++)
				model[start + p] = (struct page_model){ (int)o + 1, off + p };
		} else {
			assert_int_equal(drm_gpuvm_sm_unmap(&t->vm, A(start), len * PG), 0);
			for (p = 0; p < len; p++)
				model[start + p].obj = 0;
		}
		drm_gpuvm_read_lock(&t->vm);
		for (p = 0; p < 256; p++) {
			va = drm_gpuvm_lookup(&t->vm, A(p));
			if (!model[p].obj) {
				assert_null(va);
				continue;
			}
			assert_non_null(va);
			assert_ptr_equal(va->gem.obj, objs[model[p].obj - 1]);
			assert_int_equal(va->gem.offset + (A(p) - va->va.addr), model[p].page * PG);
		}
		/* Address order, no overlap, and a balanced tree (AVL: height < 1.45 log2 n + 2). */
		k = 0;
		prev_end = 0;
		drm_gpuvm_for_each_va(va, &t->vm) {
			assert_true(va->va.addr >= prev_end);
			prev_end = va->va.addr + va->va.range;
			k++;
		}
		assert_int_equal(k, t->vm.num_va);
		if (k) {
			unsigned int lg = 0;

			while ((1u << (lg + 1)) <= k)
				lg++;
			assert_true(t->vm.root->node.height <= (int)(1.45 * (lg + 1)) + 2);
		}
		drm_gpuvm_read_unlock(&t->vm);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		GPUVM_TEST(map_into_empty_vm_creates_one_mapping),
		GPUVM_TEST(overlapping_map_splits_old_mapping_into_prev_and_next),
		GPUVM_TEST(overlapping_map_at_the_start_keeps_only_the_next_piece),
		GPUVM_TEST(map_exactly_covering_old_mapping_replaces_it),
		GPUVM_TEST(map_covering_several_mappings_unmaps_them_and_remaps_edges),
		GPUVM_TEST(adjacent_maps_of_the_same_object_are_not_merged),
		GPUVM_TEST(unmap_of_middle_subrange_splits_in_two),
		GPUVM_TEST(unmap_across_mappings_removes_covered_and_trims_edges),
		GPUVM_TEST(unmap_of_empty_range_is_a_noop),
		GPUVM_TEST(map_ops_list_matches_what_apply_does),
		GPUVM_TEST(unmap_ops_list_matches_what_apply_does),
		GPUVM_TEST(split_pieces_keep_the_flags_of_the_old_mapping),
		GPUVM_TEST(stale_ops_list_is_refused_with_eagain),
		GPUVM_TEST(ops_list_applied_twice_is_refused),
		GPUVM_TEST(freeing_an_unapplied_ops_list_changes_nothing),
		GPUVM_TEST(random_binds_and_unbinds_match_a_page_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
