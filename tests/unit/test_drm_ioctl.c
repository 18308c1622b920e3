// SPDX-License-Identifier: MIT
/* ioctl dispatch: the kernel's rules for numbers, sizes, directions and permissions. */
#include <fcntl.h>
#include <string.h>

#include <accel/drm_accel.h>
#include <accel/drm_drv.h>
#include <accel/drm_ioctl.h>
#include "helpers.h"

/* The driver's own definition: 16 bytes in and out. */
struct t_arg {
	uint64_t a;
	uint64_t b;
};

static struct t_arg seen;
static int handler_ret;

static int t_record(struct drm_device *dev, void *data, struct drm_file *file)
{
	struct t_arg *arg = data;

	(void)dev; (void)file;
	seen = *arg;
	arg->a = 0x1111;
	arg->b = 0x2222;
	return handler_ret;
}

#define DRM_IOCTL_T_RECORD DRM_IOWR(DRM_COMMAND_BASE + 0, struct t_arg)
#define DRM_IOCTL_T_AUTH DRM_IOWR(DRM_COMMAND_BASE + 2, struct t_arg)
#define DRM_IOCTL_T_ROOT DRM_IOWR(DRM_COMMAND_BASE + 3, struct t_arg)
#define DRM_IOCTL_T_NORENDER DRM_IOWR(DRM_COMMAND_BASE + 4, struct t_arg)

static const struct drm_ioctl_desc t_ioctls[] = {
	DRM_IOCTL_DEF_DRV(T_RECORD, t_record, DRM_RENDER_ALLOW),
	/* index 1 left empty on purpose */
	DRM_IOCTL_DEF_DRV(T_AUTH, t_record, DRM_AUTH | DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(T_ROOT, t_record, DRM_ROOT_ONLY | DRM_RENDER_ALLOW),
	DRM_IOCTL_DEF_DRV(T_NORENDER, t_record, 0),
};

DEFINE_DRM_ACCEL_FOPS(test_accel_fops);
DEFINE_DRM_GEM_FOPS(test_gfx_fops);

static const struct drm_driver accel_drv = {
	.driver_features = DRIVER_COMPUTE_ACCEL,
	.ioctls = t_ioctls, .num_ioctls = ARRAY_SIZE(t_ioctls),
	.fops = &test_accel_fops, .name = "t_ioctl", .desc = "test",
};
static const struct drm_driver render_drv = {
	.driver_features = DRIVER_RENDER | DRIVER_GEM,
	.ioctls = t_ioctls, .num_ioctls = ARRAY_SIZE(t_ioctls),
	.fops = &test_gfx_fops, .name = "t_ioctl_render", .desc = "test",
};

static struct platform_device *parent, *parent2;
static struct drm_device *dev, *rdev;
static struct file *filp;

/* The suite runs as root whoever runs it; tests switch to a user where they need one. */
static const struct accel_cred root_cred = { .pid = 1, .uid = 0, .gid = 0 };

static int setup(void **state)
{
	(void)state;
	accel_cred_set_current(&root_cred);
	parent = test_parent_add("t_ioctl", -1);
	parent2 = test_parent_add("t_ioctl_render", -1);
	dev = drm_dev_alloc(&accel_drv, &parent->dev);
	assert_int_equal(drm_dev_register(dev, 0), 0);
	rdev = drm_dev_alloc(&render_drv, &parent2->dev);
	assert_int_equal(drm_dev_register(rdev, 0), 0);
	filp = chrdev_open(ACCEL_MAJOR, dev->accel->index, O_RDWR);
	assert_false(IS_ERR(filp));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	fput(filp);
	drm_dev_unplug(dev);
	drm_dev_put(dev);
	drm_dev_unplug(rdev);
	drm_dev_put(rdev);
	test_parent_del(parent);
	test_parent_del(parent2);
	accel_cred_set_current(NULL);
	return 0;
}

static long call(unsigned long cmd, void *arg)
{
	return vfs_ioctl(filp, (unsigned int)cmd, (unsigned long)arg);
}

static void type_byte_other_than_d_is_enotty(void **state)
{
	struct t_arg a = { 0 };

	(void)state;
	assert_int_equal(call(_IOWR('x', DRM_COMMAND_BASE, struct t_arg), &a), -ENOTTY);
}

static void unknown_core_number_is_einval(void **state)
{
	char buf[16] = { 0 };

	(void)state;
	assert_int_equal(call(DRM_IOWR(0x3d, char[16]), buf), -EINVAL);
	assert_int_equal(call(DRM_IOWR(0xf0, char[16]), buf), -EINVAL);
}

static void driver_number_past_the_table_is_einval(void **state)
{
	struct t_arg a = { 0 };

	(void)state;
	assert_int_equal(call(DRM_IOWR(DRM_COMMAND_BASE + 5, struct t_arg), &a), -EINVAL);
}

static void empty_driver_table_slot_is_einval(void **state)
{
	struct t_arg a = { 0 };

	(void)state;
	assert_int_equal(call(DRM_IOWR(DRM_COMMAND_BASE + 1, struct t_arg), &a), -EINVAL);
}

static void shorter_caller_struct_is_zero_extended(void **state)
{
	uint64_t only_a[2] = { 7, 0x5555 };

	(void)state;
	handler_ret = 0;
	assert_int_equal(call(DRM_IOWR(DRM_COMMAND_BASE, uint64_t), only_a), 0);
	assert_int_equal(seen.a, 7);
	assert_int_equal(seen.b, 0);
	/* Copied back at the caller's size only. */
	assert_int_equal(only_a[0], 0x1111);
	assert_int_equal(only_a[1], 0x5555);
}

static void longer_caller_struct_tail_comes_back_unchanged(void **state)
{
	uint64_t big[4] = { 1, 2, 0xaaaa, 0xbbbb };

	(void)state;
	handler_ret = 0;
	assert_int_equal(call(DRM_IOWR(DRM_COMMAND_BASE, uint64_t[4]), big), 0);
	assert_int_equal(seen.a, 1);
	assert_int_equal(seen.b, 2);
	assert_int_equal(big[0], 0x1111);
	assert_int_equal(big[1], 0x2222);
	assert_int_equal(big[2], 0xaaaa);
	assert_int_equal(big[3], 0xbbbb);
}

static void write_only_command_copies_nothing_back(void **state)
{
	struct t_arg a = { 3, 4 };

	(void)state;
	handler_ret = 0;
	assert_int_equal(call(DRM_IOW(DRM_COMMAND_BASE, struct t_arg), &a), 0);
	assert_int_equal(seen.a, 3);
	assert_int_equal(a.a, 3);
	assert_int_equal(a.b, 4);
}

static void read_only_command_copies_nothing_in(void **state)
{
	struct t_arg a = { 3, 4 };

	(void)state;
	handler_ret = 0;
	assert_int_equal(call(DRM_IOR(DRM_COMMAND_BASE, struct t_arg), &a), 0);
	assert_int_equal(seen.a, 0);
	assert_int_equal(a.a, 0x1111);
}

static void result_is_copied_out_even_when_the_handler_fails(void **state)
{
	struct t_arg a = { 0 };

	(void)state;
	handler_ret = -EIO;
	assert_int_equal(call(DRM_IOCTL_T_RECORD, &a), -EIO);
	assert_int_equal(a.a, 0x1111);
	handler_ret = 0;
}

static void null_argument_is_efault(void **state)
{
	(void)state;
	assert_int_equal(call(DRM_IOCTL_T_RECORD, NULL), -EFAULT);
}

static void auth_ioctl_needs_root_on_an_accel_file(void **state)
{
	struct accel_cred user = { .pid = 1, .uid = 1000, .gid = 1000 };
	const struct accel_cred *old = accel_cred_set_current(&user);
	struct file *uf = chrdev_open(ACCEL_MAJOR, dev->accel->index, O_RDWR);
	struct t_arg a = { 0 };

	(void)state;
	assert_false(IS_ERR(uf));
	/* Accel files are never master, so only CAP_SYS_ADMIN authenticates. */
	assert_int_equal(vfs_ioctl(uf, DRM_IOCTL_T_AUTH, (unsigned long)&a), -EACCES);
	accel_cred_set_current(old);
	fput(uf);
	/* Root's file is authenticated. */
	assert_int_equal(call(DRM_IOCTL_T_AUTH, &a), 0);
}

static void root_only_ioctl_needs_root(void **state)
{
	struct accel_cred user = { .pid = 1, .uid = 1000, .gid = 1000 };
	const struct accel_cred *old;
	struct t_arg a = { 0 };

	(void)state;
	assert_int_equal(call(DRM_IOCTL_T_ROOT, &a), 0);
	old = accel_cred_set_current(&user);
	assert_int_equal(call(DRM_IOCTL_T_ROOT, &a), -EACCES);
	accel_cred_set_current(old);
}

static void render_client_needs_render_allow(void **state)
{
	struct file *rf = chrdev_open(DRM_MAJOR, rdev->render->index, O_RDWR);
	struct t_arg a = { 0 };

	(void)state;
	assert_false(IS_ERR(rf));
	assert_int_equal(vfs_ioctl(rf, DRM_IOCTL_T_NORENDER, (unsigned long)&a), -EACCES);
	assert_int_equal(vfs_ioctl(rf, DRM_IOCTL_T_RECORD, (unsigned long)&a), 0);
	fput(rf);
	/* An accel file is no render client: the same ioctl is allowed. */
	assert_int_equal(call(DRM_IOCTL_T_NORENDER, &a), 0);
}

static void master_ioctl_is_eacces_on_an_accel_file(void **state)
{
	char buf[256] = { 0 };

	(void)state;
	assert_int_equal(call(DRM_IOCTL_MODE_SETCRTC, buf), -EACCES);
	assert_int_equal(call(DRM_IOCTL_SET_VERSION, buf), -EACCES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(type_byte_other_than_d_is_enotty),
		cmocka_unit_test(unknown_core_number_is_einval),
		cmocka_unit_test(driver_number_past_the_table_is_einval),
		cmocka_unit_test(empty_driver_table_slot_is_einval),
		cmocka_unit_test(shorter_caller_struct_is_zero_extended),
		cmocka_unit_test(longer_caller_struct_tail_comes_back_unchanged),
		cmocka_unit_test(write_only_command_copies_nothing_back),
		cmocka_unit_test(read_only_command_copies_nothing_in),
		cmocka_unit_test(result_is_copied_out_even_when_the_handler_fails),
		cmocka_unit_test(null_argument_is_efault),
		cmocka_unit_test(auth_ioctl_needs_root_on_an_accel_file),
		cmocka_unit_test(root_only_ioctl_needs_root),
		cmocka_unit_test(render_client_needs_render_allow),
		cmocka_unit_test(master_ioctl_is_eacces_on_an_accel_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
