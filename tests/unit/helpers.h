/* SPDX-License-Identifier: MIT */
/* Helpers shared by the unit tests: parent devices, captured log messages. */
#ifndef TEST_HELPERS_H
#define TEST_HELPERS_H

#include <stdarg.h>
#include <stdbool.h>
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

/*
 * The debugfs directory name of accel minor @minor: its device's unique name, which is its
 * parent device's name (Linux 6.12 gives accel minors no "N" link in debugfs). In this
 * process's attribute tree, or (test_root_accel_unique) in the files published under @root.
 * malloc'd, or NULL when the minor does not exist.
 */
char *test_accel_unique(int minor);
char *test_root_accel_unique(const char *root, int minor);

/* The first line of a file of the attribute tree ("class/accel/accel0/dev"), or NULL. */
char *test_attr_read(const char *path);

/*
 * A real acceld serving @root with configuration text @config (NULL: built-in devices),
 * running in the foreground as a child of the test (killed if the test dies). Returns its
 * pid once it says it serves (--ready-fd), or -1 (no assertion: usable in group set-up,
 * whose -1 cmocka counts as a failure).
 */
pid_t test_acceld_spawn(const char *root, const char *config);
/* test_acceld_spawn() that fails the test when the daemon does not serve. */
pid_t test_acceld_start(const char *root, const char *config);
/*
 * The daemon is still running: false once it exited or died (waitpid, which sees a zombie
 * for what it is; the status is kept for test_acceld_stop()).
 */
bool test_acceld_running(pid_t pid);
/*
 * SIGTERM and wait: the daemon's exit status, 0 when it stopped cleanly (under the
 * sanitizers a leak makes it non-zero), 128 + N when signal N killed it. A daemon that had
 * already gone gives the status it went with.
 */
int test_acceld_stop(pid_t pid);
/* SIGKILL and reap, no assertion (teardown's clean-up of a daemon a test left running). */
void test_acceld_kill(pid_t pid);
/*
 * A fresh temporary directory $TMPDIR/accel-@tag-XXXXXX (malloc'd path) and its removal.
 * test_tmpdir_try() asserts nothing (NULL on failure: usable in group set-up);
 * test_tmpdir() fails the test instead.
 */
char *test_tmpdir_try(const char *tag);
char *test_tmpdir(const char *tag);
void test_rmdir(char *path);

/*
 * Group set-up of the tests of acceld: a fresh root (test_tmpdir_try(@tag), in *@root) made
 * this process's ACCEL_ROOT, and acceld serving it with configuration text @config (its pid
 * in *@pid); with @config NULL no daemon is started (*@pid 0: the tests start their own).
 * Asserts nothing: 0, or -1 (cmocka counts the group as failed).
 */
int test_daemon_setup(char **root, pid_t *pid, const char *tag, const char *config);
/*
 * Group teardown: a daemon still running (*@pid > 0; only a failed test leaves one) is
 * killed, and the root removed. Asserts nothing; 0.
 */
int test_daemon_teardown(char **root, pid_t *pid);

/*
 * Group set-up of the tests of an embedded core: a fresh root (test_tmpdir_try(@tag)) made
 * this process's ACCEL_ROOT, and the core started in-process with configuration text
 * @config. Asserts nothing: 0, or -1 (cmocka counts the group as failed).
 */
int test_embedded_start(const char *tag, const char *config);
/* The root test_embedded_start() made. */
const char *test_embedded_root(void);
/*
 * Group teardown: remove that root. The core still runs and its attribute refresher may
 * rename a freshly rendered file into the directory being removed: tried a few times.
 * Asserts nothing: 0, or -1.
 */
int test_embedded_stop(void);
/*
 * The minor of the accel node of platform device @pdev ("vnpu.0") in this process's
 * attribute tree, or -1. Asserts nothing.
 */
int test_accel_minor(const char *pdev);

#endif
