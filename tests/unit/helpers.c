// SPDX-License-Identifier: MIT
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/attr.h>
#include <accel/drm_print.h>
#include "helpers.h"

struct platform_device *test_parent_add(const char *name, int id)
{
	struct platform_device *pdev = platform_device_alloc(name, id);

	assert_non_null(pdev);
	assert_int_equal(platform_device_add(pdev), 0);
	return pdev;
}

void test_parent_del(struct platform_device *pdev)
{
	platform_device_unregister(pdev);
}

static char *log_buf;
static size_t log_len;

static void log_sink(enum accel_log_level level, const char *msg, void *data)
{
	size_t n = strlen(msg);
	char *b;

	(void)level; (void)data;
	b = realloc(log_buf, log_len + n + 2);
	if (!b)
		return;
	log_buf = b;
	memcpy(log_buf + log_len, msg, n);
	log_len += n;
	log_buf[log_len++] = '\n';
	log_buf[log_len] = 0;
}

void test_log_capture(void)
{
	free(log_buf);
	log_buf = NULL;
	log_len = 0;
	accel_log_set_sink(log_sink, NULL);
}

int test_log_contains(const char *needle)
{
	return log_buf && strstr(log_buf, needle) != NULL;
}

void test_log_release(void)
{
	accel_log_set_sink(NULL, NULL);
	free(log_buf);
	log_buf = NULL;
	log_len = 0;
}

char *test_attr_read(const char *path)
{
	struct attr_node *n = attr_lookup(path);
	char *val = NULL;

	if (!n || attr_read(n, &val, NULL))
		return NULL;
	val[strcspn(val, "\n")] = 0;
	return val;
}
