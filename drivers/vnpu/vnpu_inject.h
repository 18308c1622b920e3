/* SPDX-License-Identifier: MIT */
/*
 * vnpu: fault injection (vnpu_inject.c): the debugfs files that arm it and the hooks through
 * which the engines and the user queues take what is pending. Internal to the driver.
 */
#ifndef DRIVERS_VNPU_INJECT_H
#define DRIVERS_VNPU_INJECT_H

#include <stdbool.h>

#include "vnpu_cmd.h"

struct vnpu_device;
struct vnpu_engine;

void vnpu_inject_debugfs_init(struct vnpu_device *vdev);
int vnpu_inject_dma_error(struct vnpu_device *vdev, enum vnpu_engine_class klass);
int vnpu_inject_dma_error_on(struct vnpu_device *vdev, const struct vnpu_engine *e,
			     enum vnpu_engine_class klass);
bool vnpu_inject_hang_take(struct vnpu_device *vdev);
bool vnpu_inject_hang_take_on(struct vnpu_device *vdev, const struct vnpu_engine *e);
bool vnpu_inject_fault_take(struct vnpu_device *vdev, const struct vnpu_engine *e);
unsigned int vnpu_inject_packet_delay_ms(struct vnpu_device *vdev);

#endif
