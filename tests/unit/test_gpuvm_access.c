// SPDX-License-Identifier: MIT
/* drm_gpuvm: argument validation, lookup and MMU translation, GEM references, scale. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <accel/attr.h>
#include "gpuvm_test.h"

#define A(x) (VM_START + (x) * PG)

static void init_rejects_bad_ranges(void **state)
{
	struct drm_gpuvm vm;

	(void)state;
	assert_int_equal(drm_gpuvm_init(&vm, "v", 0, 0, 0, 0), -EINVAL);
	assert_int_equal(drm_gpuvm_init(&vm, "v", 0x800, PG, 0, 0), -EINVAL);
	assert_int_equal(drm_gpuvm_init(&vm, "v", PG, UINT64_MAX - PG + 1, 0, 0), -EINVAL);
	/* The reserved range must lie inside the VM. */
	assert_int_equal(drm_gpuvm_init(&vm, "v", 16 * PG, 16 * PG, 0, PG), -EINVAL);
	assert_int_equal(drm_gpuvm_init(&vm, "v", 16 * PG, 16 * PG, 31 * PG, 2 * PG), -EINVAL);
	assert_int_equal(drm_gpuvm_init(&vm, "v", 16 * PG, 16 * PG, 31 * PG, PG), 0);
	drm_gpuvm_destroy(&vm);
}

static void map_with_unaligned_address_range_or_offset_fails_einval(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *o = gpuvm_test_obj(t, 8 * PG);

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0) + 1, PG, o, 0), -EINVAL);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), PG + 512, o, 0), -EINVAL);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), PG, o, 8), -EINVAL);
	gpuvm_test_expect(&t->vm, NULL, 0);
}

static void map_of_zero_range_fails_einval(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *o = gpuvm_test_obj(t, PG);

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 0, o, 0), -EINVAL);
	assert_int_equal(drm_gpuvm_sm_unmap(&t->vm, A(0), 0), -EINVAL);
}

static void map_outside_the_vm_fails_einval(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *o = gpuvm_test_obj(t, 4 * PG);

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, VM_START - PG, PG, o, 0), -EINVAL);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, VM_START - PG, 2 * PG, o, 0), -EINVAL);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, VM_END, PG, o, 0), -EINVAL);
	/* A range whose end wraps around 2^64. */
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, UINT64_MAX - PG + 1, 2 * PG, o, 0), -EINVAL);
	gpuvm_test_expect(&t->vm, NULL, 0);
}

static void map_in_the_reserved_range_fails_einval(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *o = gpuvm_test_obj(t, 4 * PG);

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, KRES_START, PG, o, 0), -EINVAL);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, KRES_START - PG, 2 * PG, o, 0), -EINVAL);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, KRES_START - PG, PG, o, 0), 0);
}

static void map_past_the_objects_end_fails_einval(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *o = gpuvm_test_obj(t, 4 * PG);

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 5 * PG, o, 0), -EINVAL);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 2 * PG, o, 3 * PG), -EINVAL);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), PG, o, UINT64_MAX - PG + 1), -EINVAL);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), PG, NULL, 0), -EINVAL);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 2 * PG, o, 2 * PG), 0);
}

static void unmap_outside_the_vm_or_reserved_fails_einval(void **state)
{
	struct gpuvm_test *t = *state;

	assert_int_equal(drm_gpuvm_sm_unmap(&t->vm, A(0) + 4, PG), -EINVAL);
	assert_int_equal(drm_gpuvm_sm_unmap(&t->vm, VM_END, PG), -EINVAL);
	assert_int_equal(drm_gpuvm_sm_unmap(&t->vm, KRES_START, PG), -EINVAL);
	assert_true(IS_ERR(drm_gpuvm_sm_unmap_ops_create(&t->vm, 0, PG)));
}

static void lookup_finds_the_mapping_containing_an_address(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *o = gpuvm_test_obj(t, 8 * PG);
	struct drm_gpuva *va;

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(2), 4 * PG, o, 0), 0);
	drm_gpuvm_read_lock(&t->vm);
	va = drm_gpuvm_lookup(&t->vm, A(2));
	assert_non_null(va);
	assert_int_equal(va->va.addr, A(2));
	assert_ptr_equal(drm_gpuvm_lookup(&t->vm, A(6) - 1), va);
	assert_null(drm_gpuvm_lookup(&t->vm, A(6)));
	assert_null(drm_gpuvm_lookup(&t->vm, A(2) - 1));
	assert_null(drm_gpuvm_lookup(&t->vm, 0));
	drm_gpuvm_read_unlock(&t->vm);
}

static void translate_inside_a_mapping_gives_object_and_offset(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *o = gpuvm_test_obj(t, 8 * PG), *got = NULL;
	uint64_t off = 0;

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(2), 4 * PG, o, 3 * PG), 0);
	assert_int_equal(drm_gpuvm_translate(&t->vm, A(3) + 16, 64, true, &got, &off), 0);
	assert_ptr_equal(got, o);
	assert_int_equal(off, 4 * PG + 16);
	drm_gem_object_put(got);
	/* The last byte of the mapping is still inside it. */
	assert_int_equal(drm_gpuvm_translate(&t->vm, A(6) - 1, 1, false, &got, &off), 0);
	assert_int_equal(off, 7 * PG - 1);
	drm_gem_object_put(got);
}

static void translate_of_an_unmapped_address_faults(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *o = gpuvm_test_obj(t, 8 * PG), *got = NULL;
	uint64_t off = 0;

	assert_int_equal(drm_gpuvm_translate(&t->vm, A(0), 4, false, &got, &off), -EFAULT);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(2), 4 * PG, o, 0), 0);
	assert_int_equal(drm_gpuvm_translate(&t->vm, A(1), 4, false, &got, &off), -EFAULT);
	assert_int_equal(drm_gpuvm_translate(&t->vm, A(6), 4, false, &got, &off), -EFAULT);
	assert_int_equal(drm_gpuvm_translate(&t->vm, A(2), 0, false, &got, &off), -EINVAL);
	assert_null(got);
}

static void translate_crossing_the_end_of_a_mapping_faults(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *o = gpuvm_test_obj(t, 8 * PG), *got = NULL;
	uint64_t off = 0;

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 2 * PG, o, 0), 0);
	assert_int_equal(drm_gpuvm_translate(&t->vm, A(2) - 8, 16, false, &got, &off), -EFAULT);
	/* Even into a following mapping of the next pages of the same object. */
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(2), 2 * PG, o, 2 * PG), 0);
	assert_int_equal(drm_gpuvm_translate(&t->vm, A(2) - 8, 16, false, &got, &off), -EFAULT);
	assert_null(got);
}

static void translate_write_to_a_readonly_mapping_is_eacces(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *o = gpuvm_test_obj(t, 4 * PG), *got = NULL;
	uint64_t off = 0;

	assert_int_equal(drm_gpuvm_sm_map_flags(&t->vm, A(0), 4 * PG, o, 0, DRM_GPUVA_READONLY),
			 0);
	assert_int_equal(drm_gpuvm_translate(&t->vm, A(1), 8, true, &got, &off), -EACCES);
	assert_null(got);
	assert_int_equal(drm_gpuvm_translate(&t->vm, A(1), 8, false, &got, &off), 0);
	assert_ptr_equal(got, o);
	drm_gem_object_put(got);
}

static void objects_stay_alive_while_mapped_and_go_with_the_last_mapping(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_shmem_object *shmem = drm_gem_shmem_create(t->dev, 8 * PG);
	struct drm_gem_object *o = &shmem->base;

	assert_false(IS_ERR(shmem));
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 8 * PG, o, 0), 0);
	drm_gem_object_put(o);
	assert_int_equal(drm_gem_objects_live(t->dev), 1);
	/* Splitting leaves two mappings, each with a reference. */
	assert_int_equal(drm_gpuvm_sm_unmap(&t->vm, A(2), 2 * PG), 0);
	assert_int_equal(kref_read(&o->refcount), 2);
	assert_int_equal(drm_gpuvm_sm_unmap(&t->vm, A(0), 2 * PG), 0);
	assert_int_equal(drm_gem_objects_live(t->dev), 1);
	assert_int_equal(drm_gpuvm_sm_unmap(&t->vm, A(4), 4 * PG), 0);
	assert_int_equal(drm_gem_objects_live(t->dev), 0);
}

static void replacing_a_mapping_releases_its_object(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_shmem_object *shmem = drm_gem_shmem_create(t->dev, 4 * PG);
	struct drm_gem_object *o = &shmem->base, *n = gpuvm_test_obj(t, 4 * PG);

	assert_false(IS_ERR(shmem));
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 4 * PG, o, 0), 0);
	drm_gem_object_put(o);
	assert_int_equal(drm_gem_objects_live(t->dev), 2);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 4 * PG, n, 0), 0);
	assert_int_equal(drm_gem_objects_live(t->dev), 1);
}

static void destroy_unmaps_everything_and_releases_the_objects(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_shmem_object *s1 = drm_gem_shmem_create(t->dev, 4 * PG);
	struct drm_gem_shmem_object *s2 = drm_gem_shmem_create(t->dev, 4 * PG);

	assert_false(IS_ERR(s1));
	assert_false(IS_ERR(s2));
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 4 * PG, &s1->base, 0), 0);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(8), 2 * PG, &s2->base, 0), 0);
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(10), 2 * PG, &s2->base, 2 * PG), 0);
	drm_gem_object_put(&s1->base);
	drm_gem_object_put(&s2->base);
	assert_int_equal(drm_gem_objects_live(t->dev), 2);
	drm_gpuvm_destroy(&t->vm);
	t->vm_destroyed = true;
	assert_int_equal(drm_gem_objects_live(t->dev), 0);
}

static void translated_object_outlives_a_concurrent_unmap(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_shmem_object *shmem = drm_gem_shmem_create(t->dev, 4 * PG);
	struct drm_gem_object *got = NULL;
	uint64_t off;

	assert_false(IS_ERR(shmem));
	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 4 * PG, &shmem->base, 0), 0);
	drm_gem_object_put(&shmem->base);
	assert_int_equal(drm_gpuvm_translate(&t->vm, A(0), 8, true, &got, &off), 0);
	assert_int_equal(drm_gpuvm_sm_unmap(&t->vm, A(0), 4 * PG), 0);
	assert_int_equal(drm_gem_objects_live(t->dev), 1);
	drm_gem_object_put(got);
	assert_int_equal(drm_gem_objects_live(t->dev), 0);
}

static void print_gives_one_line_per_mapping(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *o = gpuvm_test_obj(t, 8 * PG);
	struct seq_file m = { 0 };

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 2 * PG, o, 0), 0);
	assert_int_equal(drm_gpuvm_sm_map_flags(&t->vm, A(4), PG, o, 3 * PG, DRM_GPUVA_READONLY),
			 0);
	drm_gpuvm_print(&t->vm, &m);
	assert_non_null(m.buf);
	assert_string_equal(m.buf,
			    "0x0000000000100000-0x0000000000102000 size=8192 obj_size=32768 offset=0x0 flags=rw\n"
			    "0x0000000000104000-0x0000000000105000 size=4096 obj_size=32768 offset=0x3000 flags=ro\n");
	free(m.buf);
}

static void for_each_va_range_visits_only_overlapping_mappings(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *o = gpuvm_test_obj(t, 4 * PG);
	struct drm_gpuva *va;
	uint64_t seen[8];
	unsigned int n = 0, i;

	for (i = 0; i < 5; i++)
		assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(4 * i), 2 * PG, o, 0), 0);
	drm_gpuvm_read_lock(&t->vm);
	drm_gpuvm_for_each_va_range(va, &t->vm, A(5), A(12) + 1)
		seen[n++] = va->va.addr;
	drm_gpuvm_read_unlock(&t->vm);
	assert_int_equal(n, 3);
	assert_int_equal(seen[0], A(4));
	assert_int_equal(seen[1], A(8));
	assert_int_equal(seen[2], A(12));
}

#define MANY 100000u
/* 400k operations: well under 1 s plain; sanitizers cost a few times more. */
static void many_mappings_map_translate_and_unmap(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *o = gpuvm_test_obj(t, 2 * PG), *got;
	unsigned int *order = malloc(MANY * sizeof(*order));
	unsigned int i, j, tmp;
	uint64_t off;

	assert_non_null(order);
	/* Random order, so an array would pay a memmove per insert. */
	srand(1);
	for (i = 0; i < MANY; i++)
		order[i] = i;
	for (i = MANY - 1; i > 0; i--) {
		j = (unsigned int)rand() % (i + 1);
		tmp = order[i];
		order[i] = order[j];
		order[j] = tmp;
	}
	for (i = 0; i < MANY; i++)
		assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(2 * order[i]), PG, o,
						  (order[i] & 1) * PG), 0);
	assert_int_equal(t->vm.num_va, MANY);
	for (i = 0; i < MANY; i++) {
		assert_int_equal(drm_gpuvm_translate(&t->vm, A(2 * i) + 8, 8, false, &got, &off), 0);
		assert_int_equal(off, (i & 1) * PG + 8);
		drm_gem_object_put(got);
		assert_int_equal(drm_gpuvm_translate(&t->vm, A(2 * i + 1), 8, false, &got, &off),
				 -EFAULT);
	}
	for (i = 0; i < MANY; i += 2)
		assert_int_equal(drm_gpuvm_sm_unmap(&t->vm, A(2 * order[i]), PG), 0);
	assert_int_equal(t->vm.num_va, MANY / 2);
	for (i = 1; i < MANY; i += 2) {
		assert_int_equal(drm_gpuvm_translate(&t->vm, A(2 * order[i]), 8, false, &got, &off),
				 0);
		drm_gem_object_put(got);
	}
	free(order);
}

struct translator {
	struct gpuvm_test *t;
	atomic_bool *stop;
	unsigned long faults;
};

static void *translate_loop(void *arg)
{
	struct translator *tr = arg;
	struct drm_gem_object *got;
	uint64_t off;

	while (!atomic_load(tr->stop)) {
		/*
		 * A(0) is always mapped by one mapping or another; A(1) comes and goes. Counted,
		 * not asserted: cmocka's failure path is for the test's own thread.
		 */
		if (drm_gpuvm_translate(&tr->t->vm, VM_START, 8, false, &got, &off))
			tr->faults++;
		else
			drm_gem_object_put(got);
		if (!drm_gpuvm_translate(&tr->t->vm, VM_START + PG, 8, false, &got, &off))
			drm_gem_object_put(got);
	}
	return NULL;
}

static void translation_runs_concurrently_with_binds(void **state)
{
	struct gpuvm_test *t = *state;
	struct drm_gem_object *a = gpuvm_test_obj(t, 8 * PG), *b = gpuvm_test_obj(t, 8 * PG);
	struct translator tr[3];
	pthread_t th[3];
	atomic_bool stop = false;
	unsigned int i;

	assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 8 * PG, a, 0), 0);
	for (i = 0; i < 3; i++) {
		tr[i] = (struct translator){ .t = t, .stop = &stop };
		assert_int_equal(pthread_create(&th[i], NULL, translate_loop, &tr[i]), 0);
	}
	for (i = 0; i < 2000; i++) {
		assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(1), 2 * PG, i & 1 ? a : b, 0), 0);
		assert_int_equal(drm_gpuvm_sm_unmap(&t->vm, A(1), PG), 0);
		assert_int_equal(drm_gpuvm_sm_map(&t->vm, A(0), 4 * PG, i & 1 ? b : a, 0), 0);
	}
	atomic_store(&stop, true);
	for (i = 0; i < 3; i++) {
		assert_int_equal(pthread_join(th[i], NULL), 0);
		assert_int_equal(tr[i].faults, 0);
	}
	EXPECT_VAS(&t->vm, { A(0), 4 * PG, b, 0 }, { A(4), 4 * PG, a, 4 * PG });
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(init_rejects_bad_ranges),
		GPUVM_TEST(map_with_unaligned_address_range_or_offset_fails_einval),
		GPUVM_TEST(map_of_zero_range_fails_einval),
		GPUVM_TEST(map_outside_the_vm_fails_einval),
		GPUVM_TEST(map_in_the_reserved_range_fails_einval),
		GPUVM_TEST(map_past_the_objects_end_fails_einval),
		GPUVM_TEST(unmap_outside_the_vm_or_reserved_fails_einval),
		GPUVM_TEST(lookup_finds_the_mapping_containing_an_address),
		GPUVM_TEST(translate_inside_a_mapping_gives_object_and_offset),
		GPUVM_TEST(translate_of_an_unmapped_address_faults),
		GPUVM_TEST(translate_crossing_the_end_of_a_mapping_faults),
		GPUVM_TEST(translate_write_to_a_readonly_mapping_is_eacces),
		GPUVM_TEST(objects_stay_alive_while_mapped_and_go_with_the_last_mapping),
		GPUVM_TEST(replacing_a_mapping_releases_its_object),
		GPUVM_TEST(destroy_unmaps_everything_and_releases_the_objects),
		GPUVM_TEST(translated_object_outlives_a_concurrent_unmap),
		GPUVM_TEST(print_gives_one_line_per_mapping),
		GPUVM_TEST(for_each_va_range_visits_only_overlapping_mappings),
		GPUVM_TEST(many_mappings_map_translate_and_unmap),
		GPUVM_TEST(translation_runs_concurrently_with_binds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
