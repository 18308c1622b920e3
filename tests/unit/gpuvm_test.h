/* SPDX-License-Identifier: MIT */
/* A GEM device and a GPU VM for the drm_gpuvm unit tests (cmocka setup/teardown). */
#ifndef TEST_GPUVM_H
#define TEST_GPUVM_H

#include <accel/drm_drv.h>
#include <accel/drm_gem.h>
#include <accel/drm_gem_shmem_helper.h>
#include <accel/drm_gpuvm.h>
#include "gem_test_device.h"

/* The VM of every test: 1 GiB from 1 MiB, the top 16 MiB reserved for the kernel. */
#define VM_START	0x100000ULL
#define VM_RANGE	0x40000000ULL
#define VM_END		(VM_START + VM_RANGE)
#define KRES_START	(VM_END - 0x1000000ULL)
#define KRES_RANGE	0x1000000ULL
#define PG		4096ULL

#define GPUVM_TEST_MAX_OBJS 16

struct gpuvm_test {
	struct platform_device *parent;
	struct drm_device *dev;
	struct drm_gpuvm vm;
	bool vm_destroyed;
	struct drm_gem_object *objs[GPUVM_TEST_MAX_OBJS];
	unsigned int nobjs;
};

static int gpuvm_test_setup(void **state)
{
	static int id = 40;
	struct gpuvm_test *t = calloc(1, sizeof(*t));

	assert_non_null(t);
	t->parent = test_parent_add("t_gpuvm", id++);
	t->dev = drm_dev_alloc(&gem_test_driver, &t->parent->dev);
	assert_false(IS_ERR(t->dev));
	assert_int_equal(drm_dev_register(t->dev, 0), 0);
	assert_int_equal(drm_gpuvm_init(&t->vm, "test-vm", VM_START, VM_RANGE, KRES_START,
					KRES_RANGE), 0);
	*state = t;
	return 0;
}

/* Unmaps everything, drops the test's object references, and checks nothing leaked. */
static int gpuvm_test_teardown(void **state)
{
	struct gpuvm_test *t = *state;
	unsigned int i;

	if (!t->vm_destroyed)
		drm_gpuvm_destroy(&t->vm);
	for (i = 0; i < t->nobjs; i++)
		drm_gem_object_put(t->objs[i]);
	assert_int_equal(drm_gem_objects_live(t->dev), 0);
	drm_dev_unplug(t->dev);
	drm_dev_put(t->dev);
	test_parent_del(t->parent);
	free(t);
	return 0;
}

/* A new object of @size bytes; the test holds one reference until teardown. */
static inline struct drm_gem_object *gpuvm_test_obj(struct gpuvm_test *t, size_t size)
{
	struct drm_gem_shmem_object *shmem = drm_gem_shmem_create(t->dev, size);

	assert_false(IS_ERR(shmem));
	assert_true(t->nobjs < GPUVM_TEST_MAX_OBJS);
	t->objs[t->nobjs++] = &shmem->base;
	return &shmem->base;
}

/* What one mapping should look like. */
struct va_expect {
	uint64_t addr;
	uint64_t range;
	struct drm_gem_object *obj;
	uint64_t offset;
};

/* The VM holds exactly the mappings @e, in address order. */
static inline void gpuvm_test_expect(struct drm_gpuvm *vm, const struct va_expect *e,
				     unsigned int n)
{
	struct drm_gpuva *va;
	unsigned int i = 0;

	drm_gpuvm_read_lock(vm);
	drm_gpuvm_for_each_va(va, vm) {
		assert_true(i < n);
		assert_int_equal(va->va.addr, e[i].addr);
		assert_int_equal(va->va.range, e[i].range);
		assert_ptr_equal(va->gem.obj, e[i].obj);
		assert_int_equal(va->gem.offset, e[i].offset);
		i++;
	}
	assert_int_equal(vm->num_va, n);
	drm_gpuvm_read_unlock(vm);
	assert_int_equal(i, n);
}

#define EXPECT_VAS(vm, ...)								\
	do {										\
		const struct va_expect e_[] = { __VA_ARGS__ };				\
		gpuvm_test_expect((vm), e_, ARRAY_SIZE(e_));				\
	} while (0)

#define GPUVM_TEST(fn) cmocka_unit_test_setup_teardown(fn, gpuvm_test_setup, gpuvm_test_teardown)

#endif
