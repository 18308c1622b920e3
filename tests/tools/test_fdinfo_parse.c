// SPDX-License-Identifier: MIT
/*
 * fdinfo_parse() (tools/accel/fdinfo_scan.c) reads drm-usage-stats as the kernel writes
 * them: engine times in ns, capacities, sizes with and without units, unknown keys skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <errno.h>

#include "tools/accel/fdinfo_scan.h"

/* An amdgpu-like file of Linux 6.12 (keys in its order), with a key no reader knows. */
static const char kernel_text[] =
	"pos:\t0\n"
	"flags:\t02100002\n"
	"mnt_id:\t24\n"
	"ino:\t1083\n"
	"drm-driver:\tamdgpu\n"
	"drm-client-id:\t42\n"
	"drm-pdev:\t0000:03:00.0\n"
	"drm-total-vram:\t12 MiB\n"
	"drm-shared-vram:\t0\n"
	"drm-resident-vram:\t12288 KiB\n"
	"drm-total-gtt:\t2 GiB\n"
	"drm-memory-cpu:\t4096\n"
	"drm-engine-gfx:\t1234567 ns\n"
	"drm-engine-compute:\t89 ns\n"
	"drm-engine-capacity-compute:\t4\n"
	"drm-cycles-gfx:\t999\n"
	"drm-frobnication:\t7 widgets\n";

static void test_identity_keys(void **state)
{
	struct fdinfo_client c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(fdinfo_parse(kernel_text, &c), 0);
	assert_string_equal(c.driver, "amdgpu");
	assert_int_equal(c.client_id, 42);
	assert_string_equal(c.pdev, "0000:03:00.0");
	assert_string_equal(c.client_name, "");
}

static void test_engine_time_and_capacity(void **state)
{
	const struct fdinfo_engine *e;
	struct fdinfo_client c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(fdinfo_parse(kernel_text, &c), 0);
	assert_int_equal(c.nr_engines, 2);
	e = fdinfo_engine_find(&c, "gfx");
	assert_non_null(e);
	assert_int_equal(e->ns, 1234567);
	assert_int_equal(e->capacity, 1);
	e = fdinfo_engine_find(&c, "compute");
	assert_non_null(e);
	assert_int_equal(e->ns, 89);
	assert_int_equal(e->capacity, 4);
}

static void test_memory_sizes_with_units(void **state)
{
	struct fdinfo_client c;
	size_t i;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(fdinfo_parse(kernel_text, &c), 0);
	assert_int_equal(c.nr_regions, 3);
	for (i = 0; i < c.nr_regions; i++) {
		const struct fdinfo_region *r = &c.regions[i];

		if (!strcmp(r->name, "vram")) {
			assert_int_equal(r->total, 12ull << 20);
			assert_int_equal(r->resident, 12288ull << 10);
			assert_int_equal(r->shared, 0);
			assert_int_equal(r->have, FDINFO_MEM_TOTAL | FDINFO_MEM_SHARED | FDINFO_MEM_RESIDENT);
		} else if (!strcmp(r->name, "gtt")) {
			assert_int_equal(r->total, 2ull << 30);
			assert_int_equal(r->have, FDINFO_MEM_TOTAL);
		} else {
			/* drm-memory-REGION: the old name of drm-resident-REGION. */
			assert_string_equal(r->name, "cpu");
			assert_int_equal(r->resident, 4096);
			assert_int_equal(r->have, FDINFO_MEM_RESIDENT);
		}
	}
}

static void test_without_driver_is_not_a_client(void **state)
{
	struct fdinfo_client c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(fdinfo_parse("pos:\t0\nflags:\t02100002\nmnt_id:\t15\nino:\t606\n", &c),
			 -ENOENT);
	assert_int_equal(c.nr_engines, 0);
	assert_int_equal(c.nr_regions, 0);
}

static void test_engine_without_ns_unit_is_skipped(void **state)
{
	struct fdinfo_client c;

	(void)state;
	memset(&c, 0, sizeof(c));
	assert_int_equal(fdinfo_parse("drm-driver:\tx\ndrm-engine-a:\t12 us\ndrm-engine-b:\t5 ns", &c), 0);
	assert_null(fdinfo_engine_find(&c, "a"));
	assert_non_null(fdinfo_engine_find(&c, "b"));
	assert_int_equal(fdinfo_engine_find(&c, "b")->ns, 5);
}

static void test_find_matches_pid_client_and_node(void **state)
{
	struct fdinfo_client v[2], probe;
	struct fdinfo_list l = { .v = v, .n = 2, .cap = 2 };

	(void)state;
	memset(v, 0, sizeof(v));
	v[0].pid = 10;
	v[0].client_id = 3;
	strcpy(v[0].driver, "vnpu");
	v[1] = v[0];
	v[1].client_id = 4;
	probe = v[1];
	assert_ptr_equal(fdinfo_find(&l, &probe), &v[1]);
	probe.pid = 11;
	assert_null(fdinfo_find(&l, &probe));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_identity_keys),
		cmocka_unit_test(test_engine_time_and_capacity),
		cmocka_unit_test(test_memory_sizes_with_units),
		cmocka_unit_test(test_without_driver_is_not_a_client),
		cmocka_unit_test(test_engine_without_ns_unit_is_skipped),
		cmocka_unit_test(test_find_matches_pid_client_and_node),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
