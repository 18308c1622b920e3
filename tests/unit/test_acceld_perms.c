// SPDX-License-Identifier: MIT
/*
 * acceld checks open() of a node as a kernel checks a device node: O_RDONLY needs read
 * permission, O_WRONLY write, O_RDWR both, against the node's owner, group and mode with the
 * caller's uid, gid and supplementary groups; and the open mode bounds what the file may do
 * later (mmap). Each case runs in a child that drops root to a user that exists nowhere.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <drm/drm.h>
#include <libaccel.h>
#include <uapi/drm/example_accel.h>
#include "helpers.h"

#define USER_UID 4242  /* the caller in every case */
#define USER_GID 4242  /* its primary group */
#define NODE_GID 4343  /* the node's group */
#define OTHER_GID 4444 /* a group the node has nothing to do with */

static char *root;
static pid_t daemon_pid;

static int setup(void **state)
{
	(void)state;
	return test_daemon_setup(&root, &daemon_pid, "acceld-perms", NULL);
}

static int teardown(void **state)
{
	(void)state;
	return test_daemon_teardown(&root, &daemon_pid);
}

/* Serve one example device whose node is @owner:@group @mode. */
static void serve(uid_t owner, gid_t group, unsigned int mode)
{
	char config[256];

	if (daemon_pid > 0)
		assert_int_equal(test_acceld_stop(daemon_pid), 0);
	snprintf(config, sizeof(config),
		 "[nodes]\nowner = %u\ngroup = %u\nmode = 0%o\n\n[example.0]\ndriver = example\n",
		 (unsigned int)owner, (unsigned int)group, mode);
	daemon_pid = test_acceld_start(root, config);
	assert_true(daemon_pid > 0);
}

/* Run @fn(@arg) in a child as USER_UID:USER_GID with supplementary groups @groups. */
static int as_user(const gid_t *groups, size_t ngroups, int (*fn)(int), int arg)
{
	pid_t pid = fork();
	int status;

	assert_true(pid >= 0);
	if (pid == 0) {
		if (setgroups(ngroups, groups) || setresgid(USER_GID, USER_GID, USER_GID) ||
		    setresuid(USER_UID, USER_UID, USER_UID))
			_exit(100);
		_exit(fn(arg));
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* 0 when the node opens with @flags, else the errno. */
static int open_errno(int flags)
{
	int fd = accel_sys_open("/dev/accel/accel0", flags);

	if (fd < 0)
		return errno;
	accel_sys_close(fd);
	return 0;
}

static void world_readable_node_opens_read_only_for_anyone(void **state)
{
	(void)state;
	serve(0, 0, 0644);
	assert_int_equal(as_user(NULL, 0, open_errno, O_RDONLY), 0);
}

static void world_readable_node_refuses_writing_to_others(void **state)
{
	(void)state;
	serve(0, 0, 0644);
	assert_int_equal(as_user(NULL, 0, open_errno, O_RDWR), EACCES);
	assert_int_equal(as_user(NULL, 0, open_errno, O_WRONLY), EACCES);
}

static void write_only_node_opens_write_only(void **state)
{
	(void)state;
	serve(0, 0, 0622);
	assert_int_equal(as_user(NULL, 0, open_errno, O_WRONLY), 0);
	assert_int_equal(as_user(NULL, 0, open_errno, O_RDONLY), EACCES);
}

static void owner_bits_apply_to_the_owner(void **state)
{
	(void)state;
	serve(USER_UID, 0, 0600);
	assert_int_equal(as_user(NULL, 0, open_errno, O_RDWR), 0);
}

static void owner_without_permission_is_refused_even_when_others_may(void **state)
{
	(void)state;
	/* The owner's bits decide for the owner, as on a kernel: the others' do not help. */
	serve(USER_UID, 0, 0066);
	assert_int_equal(as_user(NULL, 0, open_errno, O_RDONLY), EACCES);
}

static void primary_group_gets_the_group_bits(void **state)
{
	(void)state;
	serve(0, USER_GID, 0660);
	assert_int_equal(as_user(NULL, 0, open_errno, O_RDWR), 0);
}

static void supplementary_group_gets_the_group_bits(void **state)
{
	const gid_t groups[] = { OTHER_GID, NODE_GID };

	(void)state;
	serve(0, NODE_GID, 0660);
	assert_int_equal(as_user(groups, 2, open_errno, O_RDWR), 0);
}

static void user_outside_the_group_is_refused(void **state)
{
	const gid_t groups[] = { OTHER_GID };

	(void)state;
	serve(0, NODE_GID, 0660);
	assert_int_equal(as_user(groups, 1, open_errno, O_RDWR), EACCES);
	assert_int_equal(as_user(groups, 1, open_errno, O_RDONLY), EACCES);
}

static void group_read_only_refuses_group_writers(void **state)
{
	const gid_t groups[] = { NODE_GID };

	(void)state;
	serve(0, NODE_GID, 0640);
	assert_int_equal(as_user(groups, 1, open_errno, O_RDONLY), 0);
	assert_int_equal(as_user(groups, 1, open_errno, O_RDWR), EACCES);
}

/* A buffer of @fd's: its fake mmap offset, or 0. */
static uint64_t buffer_offset(int fd)
{
	struct drm_example_create_bo c = { .size = 4096 };
	struct drm_example_bo_info i = { 0 };

	if (accel_sys_ioctl(fd, DRM_IOCTL_EXAMPLE_CREATE_BO, &c))
		return 0;
	i.handle = c.handle;
	if (accel_sys_ioctl(fd, DRM_IOCTL_EXAMPLE_BO_INFO, &i))
		return 0;
	return i.mmap_offset;
}

/* @what: 0 shared writable mmap, 1 shared read-only mmap, 2 mprotect(PROT_WRITE) of it. */
static int mmap_read_only_file(int what)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_RDONLY);
	uint64_t off;
	void *p;
	int ret = 0;

	if (fd < 0)
		return 99;
	off = buffer_offset(fd);
	if (!off)
		return 98;
	p = accel_sys_mmap(NULL, 4096, what ? PROT_READ : PROT_READ | PROT_WRITE, MAP_SHARED, fd,
			   (off_t)off);
	if (p == MAP_FAILED)
		return errno;
	if (what == 2 && mprotect(p, 4096, PROT_READ | PROT_WRITE))
		ret = errno;
	accel_sys_munmap(p, 4096);
	accel_sys_close(fd);
	return ret;
}

static void read_only_file_refuses_a_shared_writable_mapping(void **state)
{
	(void)state;
	serve(0, 0, 0644);
	assert_int_equal(as_user(NULL, 0, mmap_read_only_file, 0), EACCES);
}

static void read_only_file_maps_for_reading(void **state)
{
	(void)state;
	serve(0, 0, 0644);
	assert_int_equal(as_user(NULL, 0, mmap_read_only_file, 1), 0);
}

static void read_only_mapping_cannot_be_made_writable(void **state)
{
	(void)state;
	serve(0, 0, 0644);
	assert_int_equal(as_user(NULL, 0, mmap_read_only_file, 2), EACCES);
}

static int mmap_write_only_file(int unused)
{
	int fd = accel_sys_open("/dev/accel/accel0", O_WRONLY);
	uint64_t off;
	void *p;

	(void)unused;
	if (fd < 0)
		return 99;
	off = buffer_offset(fd);
	if (!off)
		return 98;
	p = accel_sys_mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, (off_t)off);
	if (p == MAP_FAILED)
		return errno;
	accel_sys_munmap(p, 4096);
	accel_sys_close(fd);
	return 0;
}

static void write_only_file_cannot_be_mapped(void **state)
{
	(void)state;
	serve(0, 0, 0666);
	assert_int_equal(as_user(NULL, 0, mmap_write_only_file, 0), EACCES);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(world_readable_node_opens_read_only_for_anyone),
		cmocka_unit_test(world_readable_node_refuses_writing_to_others),
		cmocka_unit_test(write_only_node_opens_write_only),
		cmocka_unit_test(owner_bits_apply_to_the_owner),
		cmocka_unit_test(owner_without_permission_is_refused_even_when_others_may),
		cmocka_unit_test(primary_group_gets_the_group_bits),
		cmocka_unit_test(supplementary_group_gets_the_group_bits),
		cmocka_unit_test(user_outside_the_group_is_refused),
		cmocka_unit_test(group_read_only_refuses_group_writers),
		cmocka_unit_test(read_only_file_refuses_a_shared_writable_mapping),
		cmocka_unit_test(read_only_file_maps_for_reading),
		cmocka_unit_test(read_only_mapping_cannot_be_made_writable),
		cmocka_unit_test(write_only_file_cannot_be_mapped),
	};

	if (geteuid() != 0) {
		fprintf(stderr, "test_acceld_perms: needs root to become other users\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
