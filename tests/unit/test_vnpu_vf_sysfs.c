// SPDX-License-Identifier: MIT
/*
 * vnpu virtual functions, the PCI core's sysfs rules (drivers/pci/iov.c sriov_numvfs_store()):
 * sriov_totalvfs from the configuration, N > 0 creating N VFs (child devices with physfn
 * links, virtfnN links on the PF, a node each with minors after every configured device),
 * the same N again a no-op, 0 removing all, another N while enabled -EBUSY, more than the
 * total -ERANGE, text that is not a number -EINVAL, a VF in use unplugged (its client gets
 * ENODEV), and sriov_numvfs in the configuration.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vnpu_vf_test.h"

/*
 * vnpu.0: defaults (8 VFs possible, none enabled). vnpu.1: 4 possible, 2 enabled by the
 * configuration. vnpu.2 comes after both: VFs must not take the minor it was configured with.
 */
static const char config[] =
	"[vnpu.0]\n"
	"driver = vnpu\n"
	"\n"
	"[vnpu.1]\n"
	"driver = vnpu\n"
	"vram_size = 256M\n"
	"sriov_totalvfs = 4\n"
	"sriov_numvfs = 2\n"
	"\n"
	"[vnpu.2]\n"
	"driver = vnpu\n"
	"sriov_totalvfs = 0\n";

static int group_setup(void **state)
{
	(void)state;
	return test_embedded_start("vnpu-vf-sysfs", config);
}

static int group_teardown(void **state)
{
	(void)state;
	return test_embedded_stop();
}

/* Each test that enables VFs on vnpu.0 leaves it with none. */
static int vf0_disable(void **state)
{
	(void)state;
	return vf_attr_write("vnpu.0", "sriov_numvfs", "0\n") == 2 ? 0 : -1;
}

static void totalvfs_defaults_to_eight(void **state)
{
	(void)state;
	assert_int_equal(vf_attr_u64("vnpu.0", "sriov_totalvfs"), 8);
}

static void totalvfs_is_the_configured_parameter(void **state)
{
	(void)state;
	assert_int_equal(vf_attr_u64("vnpu.1", "sriov_totalvfs"), 4);
}

static void pf_without_vfs_has_no_sriov_attributes(void **state)
{
	(void)state;
	assert_false(vf_exists("vnpu.2/sriov_totalvfs"));
	assert_false(vf_exists("vnpu.2/sriov_numvfs"));
}

static void numvfs_is_zero_until_written(void **state)
{
	(void)state;
	assert_int_equal(vf_attr_u64("vnpu.0", "sriov_numvfs"), 0);
	assert_false(vf_exists("vnpu.0/vnpu.0-vf0"));
}

static void writing_n_creates_n_vfs_with_links(void **state)
{
	char path[64];

	(void)state;
	assert_int_equal(vf_attr_write("vnpu.0", "sriov_numvfs", "3\n"), 2);
	assert_int_equal(vf_attr_u64("vnpu.0", "sriov_numvfs"), 3);
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "vnpu.0/vnpu.0-vf%d", i);
		assert_true(vf_exists(path));
		snprintf(path, sizeof(path), "vnpu.0/vnpu.0-vf%d/physfn/sriov_numvfs", i);
		assert_true(vf_exists(path));
		snprintf(path, sizeof(path), "vnpu.0/virtfn%d/physfn", i);
		assert_true(vf_exists(path));
		/* bound by vnpu, in VF mode (a VF has no sriov_* of its own) */
		snprintf(path, sizeof(path), "vnpu.0/vnpu.0-vf%d/driver", i);
		assert_true(vf_exists(path));
		snprintf(path, sizeof(path), "vnpu.0/vnpu.0-vf%d/sriov_numvfs", i);
		assert_false(vf_exists(path));
	}
	assert_false(vf_exists("vnpu.0/vnpu.0-vf3"));
	assert_false(vf_exists("vnpu.0/virtfn3"));
}

static void each_vf_has_its_own_node(void **state)
{
	struct vc_client a, b;

	(void)state;
	assert_int_equal(vf_attr_write("vnpu.0", "sriov_numvfs", "2"), 1);
	vc_open(&a, "vnpu.0/vnpu.0-vf0");
	vc_open(&b, "vnpu.0/vnpu.0-vf1");
	assert_int_not_equal(a.minor, b.minor);
	assert_int_not_equal(a.minor, vc_minor("vnpu.0"));
	assert_int_not_equal(b.minor, vc_minor("vnpu.0"));
	/* a working device: it answers GET_PARAM */
	assert_int_equal(vf_get_param(&a, VNPU_PARAM_COMPUTE_ENGINES),
			 vf_attr_u64("vnpu.0", "compute_engines"));
	vc_close(&a);
	vc_close(&b);
}

static void writing_zero_removes_all_vfs(void **state)
{
	(void)state;
	assert_int_equal(vf_attr_write("vnpu.0", "sriov_numvfs", "2\n"), 2);
	assert_int_equal(vf_attr_write("vnpu.0", "sriov_numvfs", "0\n"), 2);
	assert_int_equal(vf_attr_u64("vnpu.0", "sriov_numvfs"), 0);
	assert_false(vf_exists("vnpu.0/vnpu.0-vf0"));
	assert_false(vf_exists("vnpu.0/vnpu.0-vf1"));
	assert_false(vf_exists("vnpu.0/virtfn0"));
	assert_false(vf_exists("vnpu.0/virtfn1"));
}

static void writing_another_n_while_enabled_is_ebusy(void **state)
{
	(void)state;
	assert_int_equal(vf_attr_write("vnpu.0", "sriov_numvfs", "2\n"), 2);
	assert_int_equal(vf_attr_write("vnpu.0", "sriov_numvfs", "3\n"), -EBUSY);
	assert_int_equal(vf_attr_write("vnpu.0", "sriov_numvfs", "1\n"), -EBUSY);
	assert_int_equal(vf_attr_u64("vnpu.0", "sriov_numvfs"), 2);
	assert_false(vf_exists("vnpu.0/vnpu.0-vf2"));
}

static void writing_the_same_n_again_changes_nothing(void **state)
{
	struct vc_client a;

	(void)state;
	assert_int_equal(vf_attr_write("vnpu.0", "sriov_numvfs", "2\n"), 2);
	vc_open(&a, "vnpu.0/vnpu.0-vf0");
	assert_int_equal(vf_attr_write("vnpu.0", "sriov_numvfs", "2\n"), 2);
	/* the VF was not recreated: its client still works */
	assert_int_equal(vf_get_param(&a, VNPU_PARAM_DMA_ENGINES),
			 vf_attr_u64("vnpu.0", "dma_engines"));
	vc_close(&a);
}

static void writing_more_than_total_is_erange(void **state)
{
	(void)state;
	assert_int_equal(vf_attr_write("vnpu.0", "sriov_numvfs", "9\n"), -ERANGE);
	assert_int_equal(vf_attr_write("vnpu.0", "sriov_numvfs", "70000\n"), -ERANGE);
	assert_int_equal(vf_attr_u64("vnpu.0", "sriov_numvfs"), 0);
	assert_false(vf_exists("vnpu.0/vnpu.0-vf0"));
	/* the total itself is allowed */
	assert_int_equal(vf_attr_write("vnpu.0", "sriov_numvfs", "8\n"), 2);
	assert_true(vf_exists("vnpu.0/vnpu.0-vf7"));
}

static void writing_text_that_is_not_a_number_is_einval(void **state)
{
	(void)state;
	assert_int_equal(vf_attr_write("vnpu.0", "sriov_numvfs", "two\n"), -EINVAL);
	assert_int_equal(vf_attr_write("vnpu.0", "sriov_numvfs", "-1\n"), -EINVAL);
	assert_int_equal(vf_attr_write("vnpu.0", "sriov_numvfs", "\n"), -EINVAL);
	assert_int_equal(vf_attr_u64("vnpu.0", "sriov_numvfs"), 0);
}

static void totalvfs_is_read_only(void **state)
{
	(void)state;
	assert_int_equal(vf_attr_write("vnpu.0", "sriov_totalvfs", "4\n"), -EACCES);
	assert_int_equal(vf_attr_u64("vnpu.0", "sriov_totalvfs"), 8);
}

static void removing_a_vf_in_use_gives_its_client_enodev(void **state)
{
	struct drm_vnpu_get_param p = { .param = VNPU_PARAM_VRAM_SIZE };
	struct vc_client a;

	(void)state;
	assert_int_equal(vf_attr_write("vnpu.0", "sriov_numvfs", "1\n"), 2);
	vc_open(&a, "vnpu.0/vnpu.0-vf0");
	assert_int_equal(vc_ioctl(&a, DRM_IOCTL_VNPU_GET_PARAM, &p), 0);
	assert_int_equal(vf_attr_write("vnpu.0", "sriov_numvfs", "0\n"), 2);
	assert_int_equal(vc_ioctl(&a, DRM_IOCTL_VNPU_GET_PARAM, &p), -ENODEV);
	/* the PF and its clients are not affected */
	assert_true(vf_exists("vnpu.0/sriov_numvfs"));
	vc_close(&a);
}

static void configured_numvfs_enables_vfs_at_start(void **state)
{
	(void)state;
	assert_int_equal(vf_attr_u64("vnpu.1", "sriov_numvfs"), 2);
	assert_true(vf_exists("vnpu.1/vnpu.1-vf0/physfn"));
	assert_true(vf_exists("vnpu.1/vnpu.1-vf1/physfn"));
	assert_false(vf_exists("vnpu.1/vnpu.1-vf2"));
}

static void configured_vfs_take_minors_after_every_configured_device(void **state)
{
	int last = vc_minor("vnpu.2");

	(void)state;
	assert_true(vc_minor("vnpu.0") < last);
	assert_true(vc_minor("vnpu.1") < last);
	assert_true(vc_minor("vnpu.1/vnpu.1-vf0") > last);
	assert_true(vc_minor("vnpu.1/vnpu.1-vf1") > last);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(totalvfs_defaults_to_eight),
		cmocka_unit_test(totalvfs_is_the_configured_parameter),
		cmocka_unit_test(pf_without_vfs_has_no_sriov_attributes),
		cmocka_unit_test(numvfs_is_zero_until_written),
		cmocka_unit_test_teardown(writing_n_creates_n_vfs_with_links, vf0_disable),
		cmocka_unit_test_teardown(each_vf_has_its_own_node, vf0_disable),
		cmocka_unit_test_teardown(writing_zero_removes_all_vfs, vf0_disable),
		cmocka_unit_test_teardown(writing_another_n_while_enabled_is_ebusy, vf0_disable),
		cmocka_unit_test_teardown(writing_the_same_n_again_changes_nothing, vf0_disable),
		cmocka_unit_test_teardown(writing_more_than_total_is_erange, vf0_disable),
		cmocka_unit_test_teardown(writing_text_that_is_not_a_number_is_einval, vf0_disable),
		cmocka_unit_test(totalvfs_is_read_only),
		cmocka_unit_test_teardown(removing_a_vf_in_use_gives_its_client_enodev, vf0_disable),
		cmocka_unit_test(configured_numvfs_enables_vfs_at_start),
		cmocka_unit_test(configured_vfs_take_minors_after_every_configured_device),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
