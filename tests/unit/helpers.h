/* SPDX-License-Identifier: MIT */
/* Helpers shared by the unit tests: parent devices, captured log messages. */
#ifndef TEST_HELPERS_H
#define TEST_HELPERS_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/types.h>
#include <cmocka.h>

#include <stdio.h>

#include <accel/attr.h>
#include <accel/platform_device.h>

/* A platform device named "NAME.ID" added to the tree, to parent test devices. */
struct platform_device *test_parent_add(const char *name, int id);
/* Remove it again. */
void test_parent_del(struct platform_device *pdev);

/* Start capturing log messages; test_log_contains() searches what was captured. */
void test_log_capture(void);
int test_log_contains(const char *needle);
void test_log_release(void);

/* The first line of a file of the attribute tree ("class/accel/accel0/dev"), or NULL. */
char *test_attr_read(const char *path);

/*
 * A real acceld serving @root with configuration text @config (NULL: built-in devices),
 * running in the foreground as a child of the test. Returns its pid once it serves.
 */
pid_t test_acceld_start(const char *root, const char *config);
/* SIGTERM and wait: the daemon's exit status (0 when it stopped cleanly). */
int test_acceld_stop(pid_t pid);
/* A fresh temporary directory (malloc'd path) and its removal. */
char *test_tmpdir(const char *tag);
void test_rmdir(char *path);

#endif
