// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
/* Fake mmap offsets and the mmap of GEM files; the fdinfo memory keys. */
#include <stdlib.h>
#include <string.h>

#include <accel/attr.h>
#include "gem_test_device.h"

static void offsets_start_at_4gib_and_are_distinct(void **state)
{
	struct gem_test t;
	struct file *f;
	uint64_t o1, o2, o3;

	(void)state;
	gem_test_up(&t, &gem_test_driver, 20);
	f = gem_test_open(&t);
	o1 = gem_test_offset(f, gem_test_create(&t, f, 4096));
	o2 = gem_test_offset(f, gem_test_create(&t, f, 3 * 4096));
	o3 = gem_test_offset(f, gem_test_create(&t, f, 4096));
	assert_int_equal(o1, 0x100000000ull);
	assert_int_equal(o2, o1 + 4096);
	assert_int_equal(o3, o2 + 3 * 4096);
	fput(f);
	gem_test_down(&t);
}

static void offset_is_stable_for_the_object_life(void **state)
{
	struct gem_test t;
	struct file *f;
	uint32_t h;
	uint64_t o;

	(void)state;
	gem_test_up(&t, &gem_test_driver, 21);
	f = gem_test_open(&t);
	h = gem_test_create(&t, f, 4096);
	o = gem_test_offset(f, h);
	gem_test_create(&t, f, 4096);
	assert_int_equal(gem_test_offset(f, h), o);
	fput(f);
	gem_test_down(&t);
}

static void freed_range_is_reused_by_the_smallest_fit(void **state)
{
	struct gem_test t;
	struct file *f;
	uint32_t h2;
	uint64_t o2;

	(void)state;
	gem_test_up(&t, &gem_test_driver, 22);
	f = gem_test_open(&t);
	gem_test_create(&t, f, 4096);
	h2 = gem_test_create(&t, f, 2 * 4096);
	gem_test_create(&t, f, 4096);
	o2 = gem_test_offset(f, h2);
	assert_int_equal(gem_test_close(f, h2), 0);
	assert_int_equal(gem_test_offset(f, gem_test_create(&t, f, 4096)), o2);
	assert_int_equal(gem_test_offset(f, gem_test_create(&t, f, 4096)), o2 + 4096);
	fput(f);
	gem_test_down(&t);
}

static void mapping_without_a_handle_fails_with_eacces(void **state)
{
	struct vm_area_struct vma;
	struct gem_test t;
	struct file *a, *b;
	uint64_t o;

	(void)state;
	gem_test_up(&t, &gem_test_driver, 23);
	a = gem_test_open(&t);
	b = gem_test_open(&t);
	o = gem_test_offset(a, gem_test_create(&t, a, 4096));
	assert_int_equal(gem_test_mmap(b, o, 4096, &vma), -EACCES);
	assert_int_equal(gem_test_mmap(a, o, 4096, &vma), 0);
	gem_test_munmap(&vma);
	fput(a);
	fput(b);
	gem_test_down(&t);
}

static void mapping_a_wrong_offset_or_length_fails_with_einval(void **state)
{
	struct vm_area_struct vma;
	struct gem_test t;
	struct file *f;
	uint64_t o;

	(void)state;
	gem_test_up(&t, &gem_test_driver, 24);
	f = gem_test_open(&t);
	o = gem_test_offset(f, gem_test_create(&t, f, 2 * 4096));
	assert_int_equal(gem_test_mmap(f, 0, 4096, &vma), -EINVAL);
	assert_int_equal(gem_test_mmap(f, o + 4096, 4096, &vma), -EINVAL);
	assert_int_equal(gem_test_mmap(f, o, 3 * 4096, &vma), -EINVAL);
	assert_int_equal(gem_test_mmap(f, o, 2 * 4096 - 1, &vma), 0);
	gem_test_munmap(&vma);
	vma = (struct vm_area_struct){ .vm_pgoff = o >> 12, .vm_len = 4096,
				       .vm_prot = PROT_READ, .vm_flags = MAP_PRIVATE };
	assert_int_equal(f->f_op->mmap(f, &vma), -EINVAL);
	fput(f);
	gem_test_down(&t);
}

static void mapping_after_unplug_fails_with_enodev(void **state)
{
	struct vm_area_struct vma;
	struct gem_test t;
	struct file *f;
	uint64_t o;

	(void)state;
	gem_test_up(&t, &gem_test_driver, 25);
	f = gem_test_open(&t);
	o = gem_test_offset(f, gem_test_create(&t, f, 4096));
	drm_dev_unplug(t.dev);
	assert_int_equal(gem_test_mmap(f, o, 4096, &vma), -ENODEV);
	fput(f);
	drm_dev_put(t.dev);
	test_parent_del(t.parent);
}

static void memory_stats_count_private_and_shared_objects(void **state)
{
	struct seq_file m = { 0 };
	struct gem_test t;
	struct file *f;
	uint32_t h;
	int fd;

	(void)state;
	gem_test_up(&t, &gem_test_driver, 26);
	f = gem_test_open(&t);
	gem_test_create(&t, f, 4096);
	h = gem_test_create(&t, f, 2 * 1024 * 1024);
	{
		struct drm_prime_handle ph = { .handle = h, .flags = DRM_CLOEXEC };
		assert_int_equal(vfs_ioctl(f, DRM_IOCTL_PRIME_HANDLE_TO_FD, (unsigned long)&ph), 0);
		fd = ph.fd;
	}
	drm_show_memory_stats(&m, drm_file_of(f));
	assert_non_null(m.buf);
	assert_non_null(strstr(m.buf, "drm-total-memory:\t2052 KiB\n"));
	assert_non_null(strstr(m.buf, "drm-shared-memory:\t2 MiB\n"));
	assert_non_null(strstr(m.buf, "drm-active-memory:\t0\n"));
	assert_non_null(strstr(m.buf, "drm-resident-memory:\t2052 KiB\n"));
	assert_non_null(strstr(m.buf, "drm-purgeable-memory:\t0\n"));
	free(m.buf);
	close(fd);
	fput(f);
	gem_test_down(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(offsets_start_at_4gib_and_are_distinct),
		cmocka_unit_test(offset_is_stable_for_the_object_life),
		cmocka_unit_test(freed_range_is_reused_by_the_smallest_fit),
		cmocka_unit_test(mapping_without_a_handle_fails_with_eacces),
		cmocka_unit_test(mapping_a_wrong_offset_or_length_fails_with_einval),
		cmocka_unit_test(mapping_after_unplug_fails_with_enodev),
		cmocka_unit_test(memory_stats_count_private_and_shared_objects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
