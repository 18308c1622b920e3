/* SPDX-License-Identifier: MIT */
/* vtrain: communicators of a file and the execution of link packets (vtrain_comm.c). */
#ifndef VTRAIN_COMM_H
#define VTRAIN_COMM_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <accel/kref.h>
#include <uapi/drm/vtrain_accel.h>

struct drm_device;
struct drm_file;
struct drm_ioctl_layout;
struct vtrain_device;
struct vtrain_file;

/**
 * struct vtrain_comm - a communicator; immutable once made except @seq (atomic: the
 * sequence number of this rank's next collective) and @ref.
 * @key: the group's id.  @nranks, @my_rank.  @cards: rank -> card index in the host.
 * @p2p_lock guards @p2p, @nr_p2p, @cap_p2p: how many SENDs (RECVs) this rank issued to
 *	(from) each (peer, tag), so that the n-th of one side meets the n-th of the other.
 */
struct vtrain_comm_p2p_count {
	uint32_t peer;
	uint32_t tag;
	bool send;
	uint64_t n;
};

struct vtrain_comm {
	struct kref ref;
	uint64_t key;
	uint32_t nranks;
	uint32_t my_rank;
	unsigned int *cards;
	atomic_uint_fast64_t seq;
	pthread_mutex_t p2p_lock;
	struct vtrain_comm_p2p_count *p2p;
	unsigned int nr_p2p, cap_p2p;
};

extern const struct drm_ioctl_layout vtrain_comm_create_layout;
int vtrain_comm_create_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
int vtrain_comm_destroy_ioctl(struct drm_device *dev, void *data, struct drm_file *file);
struct vtrain_comm *vtrain_comm_lookup(struct vtrain_file *vf, uint32_t id);
void vtrain_comm_put(struct vtrain_comm *comm);
/* Drop every communicator of a closing file. */
void vtrain_comms_fini(struct vtrain_file *vf);

/**
 * vtrain_comm_run_link_packet() - run one link packet of a job of @vf on @vdev, its
 * operands resolved by @map(@priv, ...); gives up at @deadline_ns (CLOCK_MONOTONIC).
 * Return: 0 or a negative errno (see vtrain_group_collective(); -ENOENT: unknown
 * communicator; P2P: see vtrain_group_p2p()).
 */
int vtrain_comm_run_link_packet(struct vtrain_device *vdev, struct vtrain_file *vf,
				void *(*map)(void *priv, uint64_t addr, uint64_t size), void *priv,
				const struct vtrain_pkt_header *h, uint64_t deadline_ns);

#endif
