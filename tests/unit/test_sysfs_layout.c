// SPDX-License-Identifier: MIT
/* The attribute tree of an accel device: class entry, uevent, links, debugfs, attributes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include "helpers.h"

DEFINE_DRM_ACCEL_FOPS(test_accel_fops);

static const struct drm_driver accel_drv = {
	.driver_features = DRIVER_COMPUTE_ACCEL,
	.fops = &test_accel_fops, .name = "t_sysfs", .desc = "test",
};

static struct platform_device *parent;
static struct drm_device *dev;
static char cls[64];
static int counter;

static ssize_t counter_show(struct device *d, struct device_attribute *a, char *buf)
{
	(void)d; (void)a;
	return snprintf(buf, PAGE_SIZE, "%d\n", counter);
}

static ssize_t counter_store(struct device *d, struct device_attribute *a, const char *buf, size_t n)
{
	(void)d; (void)a;
	counter = atoi(buf);
	return (ssize_t)n;
}

static DEVICE_ATTR_RW(counter);

static int setup(void **state)
{
	(void)state;
	parent = test_parent_add("t_sysfs", 3);
	dev = drm_dev_alloc(&accel_drv, &parent->dev);
	assert_int_equal(drm_dev_register(dev, 0), 0);
	snprintf(cls, sizeof(cls), "class/accel/accel%d", dev->accel->index);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	drm_dev_unplug(dev);
	drm_dev_put(dev);
	test_parent_del(parent);
	return 0;
}

static char *read_in(const char *dir, const char *file)
{
	char path[160];

	snprintf(path, sizeof(path), "%s/%s", dir, file);
	return test_attr_read(path);
}

static void class_dev_file_is_major_colon_minor(void **state)
{
	char want[16], *v = read_in(cls, "dev");

	(void)state;
	snprintf(want, sizeof(want), "261:%d", dev->accel->index);
	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

static void uevent_names_major_minor_devname_and_devtype(void **state)
{
	struct attr_node *n;
	char *v, want[128];

	(void)state;
	n = attr_lookup(cls);
	assert_non_null(n);
	n = attr_child(n->type == ATTR_NODE_LINK ? n->target : n, "uevent");
	assert_non_null(n);
	assert_int_equal(attr_read(n, &v, NULL), 0);
	snprintf(want, sizeof(want), "MAJOR=261\nMINOR=%d\nDEVNAME=accel/accel%d\nDEVTYPE=accel_minor\n",
		 dev->accel->index, dev->accel->index);
	assert_string_equal(v, want);
	free(v);
}

static void class_entry_links_to_the_device_under_its_parent(void **state)
{
	struct attr_node *link = attr_lookup("class/accel");
	char target[256], want[64];

	(void)state;
	snprintf(want, sizeof(want), "accel%d", dev->accel->index);
	link = attr_child(link, want);
	assert_non_null(link);
	assert_int_equal(link->type, ATTR_NODE_LINK);
	assert_int_equal(attr_link_target_relative(link, target, sizeof(target)), 0);
	snprintf(want, sizeof(want), "../../devices/platform/t_sysfs.3/accel/accel%d", dev->accel->index);
	assert_string_equal(target, want);
}

static void device_link_points_at_the_parent_and_subsystem_at_the_class(void **state)
{
	struct attr_node *d = attr_lookup(cls);
	char target[256];

	(void)state;
	assert_non_null(d);
	assert_int_equal(attr_link_target_relative(attr_child(d->target, "device"), target,
						   sizeof(target)), 0);
	assert_string_equal(target, "../../../t_sysfs.3");
	assert_int_equal(attr_link_target_relative(attr_child(d->target, "subsystem"), target,
						   sizeof(target)), 0);
	assert_string_equal(target, "../../../../../class/accel");
}

static void debugfs_has_a_unique_named_dir_and_a_minor_link(void **state)
{
	char path[96], *v;

	(void)state;
	v = test_attr_read("kernel/debug/accel/t_sysfs.3/name");
	assert_non_null(v);
	assert_string_equal(v, "t_sysfs dev=t_sysfs.3 unique=t_sysfs.3");
	free(v);
	/* Like Linux 6.12, no "N" link for an accel minor (DRM minors have one in dri/). */
	snprintf(path, sizeof(path), "kernel/debug/accel/%d", dev->accel->index);
	assert_null(attr_lookup(path));
}

static void driver_attribute_on_the_parent_reads_the_live_value(void **state)
{
	struct attr_node *n;
	char *v;

	(void)state;
	assert_int_equal(device_create_file(&parent->dev, &dev_attr_counter), 0);
	counter = 5;
	v = test_attr_read("devices/platform/t_sysfs.3/counter");
	assert_string_equal(v, "5");
	free(v);
	counter = 6;
	v = test_attr_read("devices/platform/t_sysfs.3/counter");
	assert_string_equal(v, "6");
	free(v);
	n = attr_lookup("devices/platform/t_sysfs.3/counter");
	assert_int_equal(attr_write(n, "42\n", 3), 3);
	assert_int_equal(counter, 42);
	device_remove_file(&parent->dev, &dev_attr_counter);
	assert_null(attr_lookup("devices/platform/t_sysfs.3/counter"));
}

static void unregister_removes_the_class_entry_and_debugfs(void **state)
{
	struct platform_device *p = test_parent_add("t_sysfs_gone", 0);
	struct drm_device *d = drm_dev_alloc(&accel_drv, &p->dev);
	char path[64];

	(void)state;
	assert_int_equal(drm_dev_register(d, 0), 0);
	snprintf(path, sizeof(path), "class/accel/accel%d", d->accel->index);
	assert_non_null(attr_lookup(path));
	drm_dev_unplug(d);
	assert_null(attr_lookup(path));
	assert_null(attr_lookup("kernel/debug/accel/t_sysfs_gone.0"));
	drm_dev_put(d);
	test_parent_del(p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(class_dev_file_is_major_colon_minor),
		cmocka_unit_test(uevent_names_major_minor_devname_and_devtype),
		cmocka_unit_test(class_entry_links_to_the_device_under_its_parent),
		cmocka_unit_test(device_link_points_at_the_parent_and_subsystem_at_the_class),
		cmocka_unit_test(debugfs_has_a_unique_named_dir_and_a_minor_link),
		cmocka_unit_test(driver_attribute_on_the_parent_reads_the_live_value),
		cmocka_unit_test(unregister_removes_the_class_entry_and_debugfs),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
