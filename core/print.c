// SPDX-License-Identifier: MIT
/* Log messages: a level from $ACCEL_LOG, a sink that tests can replace. */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <accel/drm_print.h>
#include <accel/drm_device.h>
#include <accel/device.h>

/* Guards log_sink, log_sink_data and log_level_set. */
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static accel_log_sink_t log_sink;
static void *log_sink_data;
static int log_level = -1;

static enum accel_log_level log_level_from_env(void)
{
	const char *e = getenv("ACCEL_LOG");

	if (!e)
		return ACCEL_LOG_WARN;
	if (!strcmp(e, "err") || !strcmp(e, "error"))
		return ACCEL_LOG_ERR;
	if (!strcmp(e, "info"))
		return ACCEL_LOG_INFO;
	if (!strcmp(e, "debug"))
		return ACCEL_LOG_DEBUG;
	return ACCEL_LOG_WARN;
}

void accel_log_set_sink(accel_log_sink_t sink, void *data)
{
	pthread_mutex_lock(&log_lock);
	log_sink = sink;
	log_sink_data = data;
	pthread_mutex_unlock(&log_lock);
}

void accel_log_set_level(enum accel_log_level level)
{
	pthread_mutex_lock(&log_lock);
	log_level = level;
	pthread_mutex_unlock(&log_lock);
}

void accel_printk(enum accel_log_level level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	pthread_mutex_lock(&log_lock);
	if (log_level < 0)
		log_level = log_level_from_env();
	if (!log_sink && (int)level > log_level) {
		pthread_mutex_unlock(&log_lock);
		return;
	}
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (log_sink)
		log_sink(level, msg, log_sink_data);
	else
		fprintf(stderr, "accel: %s%s", msg, msg[0] && msg[strlen(msg) - 1] == '\n' ? "" : "\n");
	pthread_mutex_unlock(&log_lock);
}

const char *drm_dev_log_name(const struct drm_device *dev)
{
	if (!dev)
		return "?";
	if (dev->unique)
		return dev->unique;
	return dev->dev ? dev_name(dev->dev) : "?";
}
