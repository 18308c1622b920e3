/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/drm_print.h - log messages of the core and drivers.
 *
 * Messages go to stderr as "accel: [drm] ..." at or above the level set by $ACCEL_LOG
 * (err, warn, info, debug; default warn), or to a sink installed with accel_log_set_sink().
 */
#ifndef ACCEL_DRM_PRINT_H
#define ACCEL_DRM_PRINT_H

#include <stdarg.h>

struct drm_device;

/** enum accel_log_level - severity of a message. */
enum accel_log_level {
	ACCEL_LOG_ERR = 0,
	ACCEL_LOG_WARN = 1,
	ACCEL_LOG_INFO = 2,
	ACCEL_LOG_DEBUG = 3,
};

/** accel_log_sink_t - receives every formatted message (tests capture them). */
typedef void (*accel_log_sink_t)(enum accel_log_level level, const char *msg, void *data);

/** accel_log_set_sink() - route messages to @sink (NULL: stderr). */
void accel_log_set_sink(accel_log_sink_t sink, void *data);
/** accel_log_set_level() - show messages up to @level. */
void accel_log_set_level(enum accel_log_level level);

/** accel_printk() - log a message at @level. */
void accel_printk(enum accel_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define DRM_ERROR(fmt, ...) accel_printk(ACCEL_LOG_ERR, "[drm] *ERROR* " fmt, ##__VA_ARGS__)
#define DRM_INFO(fmt, ...) accel_printk(ACCEL_LOG_INFO, "[drm] " fmt, ##__VA_ARGS__)
#define DRM_DEBUG(fmt, ...) accel_printk(ACCEL_LOG_DEBUG, "[drm:%s] " fmt, __func__, ##__VA_ARGS__)
#define drm_err(dev, fmt, ...) accel_printk(ACCEL_LOG_ERR, "[drm] *ERROR* %s: " fmt, \
					    drm_dev_log_name(dev), ##__VA_ARGS__)
#define drm_warn(dev, fmt, ...) accel_printk(ACCEL_LOG_WARN, "[drm] %s: " fmt, \
					     drm_dev_log_name(dev), ##__VA_ARGS__)
#define drm_info(dev, fmt, ...) accel_printk(ACCEL_LOG_INFO, "[drm] %s: " fmt, \
					     drm_dev_log_name(dev), ##__VA_ARGS__)
#define drm_dbg(dev, fmt, ...) accel_printk(ACCEL_LOG_DEBUG, "[drm:%s] %s: " fmt, __func__, \
					    drm_dev_log_name(dev), ##__VA_ARGS__)

/** drm_dev_log_name() - the name a device's messages carry. */
const char *drm_dev_log_name(const struct drm_device *dev);

#endif
