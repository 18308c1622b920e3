/* SPDX-License-Identifier: MIT */
/**
 * DOC: uapi/sw_sync.h - the ioctls of <debugfs>/sync/sw_sync (Linux 6.12).
 *
 * The kernel defines these in drivers/dma-buf/sw_sync.c and exports no header; the numbers
 * and layouts here are the kernel's, so that one source talks to both. Opening the file makes
 * a timeline (value 0); CREATE_FENCE gives a sync_file whose fence signals once the timeline
 * reaches @value; INC advances the timeline; GET_DEADLINE reads the deadline a waiter set
 * (SYNC_IOC_SET_DEADLINE) on a sw_sync fence.
 */
#ifndef ACCEL_UAPI_SW_SYNC_H
#define ACCEL_UAPI_SW_SYNC_H

#include <linux/ioctl.h>
#include <linux/types.h>

/** struct sw_sync_create_fence_data - SW_SYNC_IOC_CREATE_FENCE: @value in, @fence out. */
struct sw_sync_create_fence_data {
	__u32 value;
	/** @name: accepted and unused, as in the kernel. */
	char name[32];
	__s32 fence;
};

/** struct sw_sync_get_deadline - SW_SYNC_GET_DEADLINE: @fence_fd in, @deadline_ns out. */
struct sw_sync_get_deadline {
	__u64 deadline_ns;
	__u32 pad;
	__s32 fence_fd;
};

#define SW_SYNC_IOC_MAGIC 'W'
#define SW_SYNC_IOC_CREATE_FENCE _IOWR(SW_SYNC_IOC_MAGIC, 0, struct sw_sync_create_fence_data)
#define SW_SYNC_IOC_INC _IOW(SW_SYNC_IOC_MAGIC, 1, __u32)
#define SW_SYNC_GET_DEADLINE _IOWR(SW_SYNC_IOC_MAGIC, 2, struct sw_sync_get_deadline)

#endif
