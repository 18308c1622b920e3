/* SPDX-License-Identifier: MIT */
/**
 * DOC: accel/sw_sync.h - sw_sync, the software sync timeline (drivers/dma-buf/sw_sync.c).
 *
 * <root>/sys/kernel/debug/sync/sw_sync opens like a node: each open file is one timeline (a
 * fence context, value 0, named after the opening task's comm). SW_SYNC_IOC_CREATE_FENCE
 * gives a sync_file whose fence (driver "sw_sync", seqno the value asked for) signals once the
 * timeline reaches it; SW_SYNC_IOC_INC advances the timeline and signals, in order, what it
 * reached; releasing the file signals the fences still pending with -ENOENT. The ioctl
 * numbers are include/uapi/sw_sync.h.
 */
#ifndef ACCEL_SW_SYNC_H
#define ACCEL_SW_SYNC_H

/** SW_SYNC_NODE_PATH - the node's path as devnode_publish_path() names it (from <root>/dev). */
#define SW_SYNC_NODE_PATH "../sys/kernel/debug/sync/sw_sync"

/**
 * sw_sync_init() - register sw_sync's file operations and publish its node (once; later
 * calls return the first one's result). 0 or -errno.
 */
int sw_sync_init(void);

#endif
