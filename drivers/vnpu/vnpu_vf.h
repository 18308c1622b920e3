/* SPDX-License-Identifier: MIT */
/*
 * vnpu: a PF's virtual-function slots (vnpu_vf.c) and their share of the PF's engines
 * (vnpu_vf_sched.c). Internal to the driver.
 */
#ifndef DRIVERS_VNPU_VF_H
#define DRIVERS_VNPU_VF_H

#include <stdatomic.h>
#include <stdint.h>

#include <accel/drm_mm.h>
#include "vnpu_vf_sched.h"

struct platform_device;
struct vnpu_device;

#define VNPU_MAX_VFS		64
#define VNPU_VF_MAX_WEIGHT	1000

/**
 * struct vnpu_vf - one VF slot of a PF.
 * @pf, @index: constant.
 * @pdev: the VF's platform device while enabled; guarded by the device-model lock.
 * @carve: the VF's VRAM range in the PF's VRAM; guarded by the PF's vram_lock.
 * @vram_quota: the size of @carve, also the VF's vram_limit; guarded by the PF's vram_lock.
 * @weight: the VF's engine-time weight (atomic).
 * @queue_depth: the VF's queue limit (atomic); the VF's queue_limit follows it.
 * @share: its standing with the PF's engine arbiter (vnpu_vf_sched.c).
 */
struct vnpu_vf {
	struct vnpu_device *pf;
	unsigned int index;
	struct platform_device *pdev;
	struct drm_mm_node carve;
	uint64_t vram_quota;
	atomic_uint weight;
	atomic_uint_fast64_t queue_depth;
	struct vnpu_vf_share share;
};

/**
 * struct vnpu_sriov - a PF's VFs.
 * @totalvfs, @vfs: constant after probe (@vfs has @totalvfs slots).
 * @numvfs: changed under the device-model lock (sriov_numvfs stores and PF removal hold it);
 *	atomic, since the attribute's show may not take that lock.
 * @arb: the PF's engines, shared by the VFs' engines (its own lock).
 */
struct vnpu_sriov {
	unsigned int totalvfs;
	atomic_uint numvfs;
	struct vnpu_vf *vfs;
	struct vnpu_vf_arbiter arb;
};

#endif
