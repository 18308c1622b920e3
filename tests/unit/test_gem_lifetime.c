// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
/* GEM object lifetimes: handles, mappings, exports, importers and driver references. */
#include <string.h>
#include <sys/stat.h>

#include "gem_test_device.h"

static long export_handle(struct file *f, uint32_t handle, uint32_t flags)
{
	struct drm_prime_handle ph = { .handle = handle, .flags = flags, .fd = -1 };
	long ret = vfs_ioctl(f, DRM_IOCTL_PRIME_HANDLE_TO_FD, (unsigned long)&ph);

	return ret < 0 ? ret : ph.fd;
}

static long import_fd(struct file *f, int fd)
{
	struct drm_prime_handle ph = { .fd = fd };
	long ret = vfs_ioctl(f, DRM_IOCTL_PRIME_FD_TO_HANDLE, (unsigned long)&ph);

	return ret < 0 ? ret : (long)ph.handle;
}

static void object_is_freed_with_its_last_handle(void **state)
{
	struct gem_test t;
	struct file *f;
	uint32_t h;

	(void)state;
	gem_test_up(&t, &gem_test_driver, 10);
	f = gem_test_open(&t);
	h = gem_test_create(&t, f, 4096);
	assert_int_equal(drm_gem_objects_live(t.dev), 1);
	assert_int_equal(gem_test_close(f, h), 0);
	assert_int_equal(drm_gem_objects_live(t.dev), 0);
	fput(f);
	gem_test_down(&t);
}

static void closing_the_file_frees_its_objects(void **state)
{
	struct gem_test t;
	struct file *f;

	(void)state;
	gem_test_up(&t, &gem_test_driver, 11);
	f = gem_test_open(&t);
	gem_test_create(&t, f, 4096);
	gem_test_create(&t, f, 8192);
	assert_int_equal(drm_gem_objects_live(t.dev), 2);
	fput(f);
	assert_int_equal(drm_gem_objects_live(t.dev), 0);
	gem_test_down(&t);
}

static void mapped_object_outlives_its_handle_until_vm_close(void **state)
{
	struct vm_area_struct vma;
	struct gem_test t;
	struct file *f;
	uint32_t h;
	char *p;

	(void)state;
	gem_test_up(&t, &gem_test_driver, 12);
	f = gem_test_open(&t);
	h = gem_test_create(&t, f, 4096);
	assert_int_equal(gem_test_mmap(f, gem_test_offset(f, h), 4096, &vma), 0);
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, vma.map_fd, vma.map_offset);
	assert_ptr_not_equal(p, MAP_FAILED);
	strcpy(p, "still here");
	assert_int_equal(gem_test_close(f, h), 0);
	fput(f);
	assert_int_equal(drm_gem_objects_live(t.dev), 1);
	assert_string_equal(p, "still here");
	munmap(p, 4096);
	gem_test_munmap(&vma);
	assert_int_equal(drm_gem_objects_live(t.dev), 0);
	gem_test_down(&t);
}

static void driver_reference_keeps_the_object_after_its_handle(void **state)
{
	struct drm_gem_object *obj;
	struct gem_test t;
	struct file *f;
	uint32_t h;

	(void)state;
	gem_test_up(&t, &gem_test_driver, 13);
	f = gem_test_open(&t);
	h = gem_test_create(&t, f, 4096);
	obj = drm_gem_object_lookup(drm_file_of(f), h); /* as a job would hold it */
	fput(f);
	assert_int_equal(drm_gem_objects_live(t.dev), 1);
	drm_gem_object_put(obj);
	assert_int_equal(drm_gem_objects_live(t.dev), 0);
	gem_test_down(&t);
}

static void exporting_twice_gives_the_same_file(void **state)
{
	struct stat s1, s2;
	struct gem_test t;
	struct file *f;
	long e1, e2;
	uint32_t h;

	(void)state;
	gem_test_up(&t, &gem_test_driver, 14);
	f = gem_test_open(&t);
	h = gem_test_create(&t, f, 4096);
	e1 = export_handle(f, h, DRM_CLOEXEC | DRM_RDWR);
	e2 = export_handle(f, h, DRM_CLOEXEC);
	assert_true(e1 >= 0 && e2 >= 0 && e1 != e2);
	assert_int_equal(fstat((int)e1, &s1), 0);
	assert_int_equal(fstat((int)e2, &s2), 0);
	assert_true(s1.st_ino == s2.st_ino && s1.st_dev == s2.st_dev);
	assert_int_equal(export_handle(f, h, 0x4), -EINVAL);
	assert_int_equal(export_handle(f, h + 1, 0), -ENOENT);
	close((int)e1);
	close((int)e2);
	fput(f);
	assert_int_equal(drm_gem_objects_live(t.dev), 0);
	gem_test_down(&t);
}

static void importer_in_another_file_keeps_the_exported_object(void **state)
{
	struct drm_gem_object *oa, *ob;
	struct gem_test t;
	struct file *a, *b;
	long e, hb;
	uint32_t h;

	(void)state;
	gem_test_up(&t, &gem_test_driver, 15);
	a = gem_test_open(&t);
	b = gem_test_open(&t);
	h = gem_test_create(&t, a, 4096);
	e = export_handle(a, h, DRM_CLOEXEC | DRM_RDWR);
	assert_true(e >= 0);
	assert_int_equal(import_fd(a, (int)e), h);
	hb = import_fd(b, (int)e);
	assert_int_equal(hb, 1);
	oa = drm_gem_object_lookup(drm_file_of(a), h);
	ob = drm_gem_object_lookup(drm_file_of(b), (uint32_t)hb);
	assert_ptr_equal(oa, ob);
	drm_gem_object_put(oa);
	drm_gem_object_put(ob);
	fput(a);
	assert_int_equal(drm_gem_objects_live(t.dev), 1);
	fput(b);
	assert_int_equal(drm_gem_objects_live(t.dev), 0);
	close((int)e);
	gem_test_down(&t);
}

static void another_device_imports_the_same_memory(void **state)
{
	struct gem_test t1, t2;
	struct vm_area_struct v1, v2;
	struct file *f1, *f2;
	char *p1, *p2;
	long e, h2;
	uint32_t h1;

	(void)state;
	gem_test_up(&t1, &gem_test_driver, 16);
	gem_test_up(&t2, &gem_test_driver, 17);
	f1 = gem_test_open(&t1);
	f2 = gem_test_open(&t2);
	h1 = gem_test_create(&t1, f1, 4096);
	e = export_handle(f1, h1, DRM_CLOEXEC | DRM_RDWR);
	h2 = import_fd(f2, (int)e);
	assert_int_equal(h2, 1);
	assert_int_equal(drm_gem_objects_live(t2.dev), 1);
	assert_int_equal(gem_test_mmap(f1, gem_test_offset(f1, h1), 4096, &v1), 0);
	assert_int_equal(gem_test_mmap(f2, gem_test_offset(f2, (uint32_t)h2), 4096, &v2), 0);
	p1 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, v1.map_fd, v1.map_offset);
	p2 = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, v2.map_fd, v2.map_offset);
	assert_true(p1 != MAP_FAILED && p2 != MAP_FAILED);
	strcpy(p1, "shared");
	assert_string_equal(p2, "shared");
	munmap(p1, 4096);
	munmap(p2, 4096);
	gem_test_munmap(&v1);
	gem_test_munmap(&v2);
	/* The importer holds the exporter's object through the buffer. */
	fput(f1);
	assert_int_equal(drm_gem_objects_live(t1.dev), 1);
	fput(f2);
	assert_int_equal(drm_gem_objects_live(t1.dev), 0);
	assert_int_equal(drm_gem_objects_live(t2.dev), 0);
	close((int)e);
	gem_test_down(&t1);
	gem_test_down(&t2);
}

static void foreign_memfd_is_wrapped_and_freed_with_its_handle(void **state)
{
	struct drm_gem_object *obj;
	struct gem_test t;
	struct file *f;
	int mfd = memfd_create("t_foreign", MFD_CLOEXEC);
	long h;

	(void)state;
	assert_true(mfd >= 0);
	assert_int_equal(ftruncate(mfd, 3 * 4096), 0);
	gem_test_up(&t, &gem_test_driver, 18);
	f = gem_test_open(&t);
	h = import_fd(f, mfd);
	assert_int_equal(h, 1);
	assert_int_equal(import_fd(f, mfd), h);
	obj = drm_gem_object_lookup(drm_file_of(f), (uint32_t)h);
	assert_int_equal(obj->size, 3 * 4096);
	assert_non_null(obj->import_attach);
	drm_gem_object_put(obj);
	assert_int_equal(gem_test_close(f, (uint32_t)h), 0);
	assert_int_equal(drm_gem_objects_live(t.dev), 0);
	fput(f);
	close(mfd);
	gem_test_down(&t);
}

static void import_refuses_what_is_not_a_buffer(void **state)
{
	struct gem_test t;
	struct file *f;
	int pfd[2], odd = memfd_create("t_odd", MFD_CLOEXEC), closed;

	(void)state;
	assert_int_equal(pipe(pfd), 0);
	assert_int_equal(ftruncate(odd, 100), 0);
	gem_test_up(&t, &gem_test_driver, 19);
	f = gem_test_open(&t);
	assert_int_equal(import_fd(f, pfd[0]), -EINVAL);
	assert_int_equal(import_fd(f, odd), -EINVAL);
	closed = dup(0);
	close(closed);
	assert_int_equal(import_fd(f, closed), -EBADF);
	assert_int_equal(import_fd(f, -1), -EBADF);
	fput(f);
	close(pfd[0]);
	close(pfd[1]);
	close(odd);
	gem_test_down(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(object_is_freed_with_its_last_handle),
		cmocka_unit_test(closing_the_file_frees_its_objects),
		cmocka_unit_test(mapped_object_outlives_its_handle_until_vm_close),
		cmocka_unit_test(driver_reference_keeps_the_object_after_its_handle),
		cmocka_unit_test(exporting_twice_gives_the_same_file),
		cmocka_unit_test(importer_in_another_file_keeps_the_exported_object),
		cmocka_unit_test(another_device_imports_the_same_memory),
		cmocka_unit_test(foreign_memfd_is_wrapped_and_freed_with_its_handle),
		cmocka_unit_test(import_refuses_what_is_not_a_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
