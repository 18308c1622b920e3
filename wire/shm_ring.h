/* SPDX-License-Identifier: MIT */
/**
 * DOC: wire/shm_ring.h - the shared-memory request ring between libaccel and acceld.
 *
 * One ring per connection, in a memfd both sides map (docs/acceld-shm.md). A ring is a
 * header and ACCEL_SHM_RING_SLOTS fixed slots; a slot carries one request and, in place,
 * its reply. The bytes of a request are those of the socket message's body (struct
 * accel_wire_ioctl and its regions) and the bytes of a reply those of the socket reply's
 * body, so both paths marshal and serve alike; what passes descriptors, is larger than a
 * slot, or is rare stays on the socket.
 *
 * A slot's @state is its owner and its futex word:
 *   FREE -> CLAIMED (a client thread, by compare-and-swap) -> POSTED (request written)
 *   -> SERVING (a server thread, by compare-and-swap; it has copied the request out)
 *   -> REPLIED (reply written) -> FREE (the client thread, after copying the reply out).
 * Several client threads and several server threads may use a ring at once: each slot is
 * owned by one thread at a time, so requests neither mix nor wait on one another; a
 * request that blocks (a syncobj wait) holds its slot and its server thread only.
 *
 * Wake-ups are paid only when the other side sleeps: a waiter spins briefly (adaptive, as
 * the vnpu user queues do), then announces itself in a sleepers word and futex-waits with
 * a timeout; the other side wakes it only when it sees a sleeper. The announce and the
 * publish are sequentially consistent on both sides, so one of them always sees the other.
 * A futex wait that times out asks the caller's liveness check (the socket's hang-up), so a
 * dead peer turns into -ENODEV, never a hang.
 *
 * The server copies a request out of shared memory before it reads it: the client can
 * change the slot at any time, and must not change what the server validated.
 */
#ifndef ACCEL_WIRE_SHM_RING_H
#define ACCEL_WIRE_SHM_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** ACCEL_SHM_RING_SLOTS - request slots per ring (client threads in flight at once). */
#define ACCEL_SHM_RING_SLOTS 16
/** ACCEL_SHM_SLOT_DATA - bytes a slot carries (the request, then the reply, in place). */
#define ACCEL_SHM_SLOT_DATA 4032
/** ACCEL_SHM_RING_MAGIC - the ring header's first word ("SHMR"). */
#define ACCEL_SHM_RING_MAGIC 0x524d4853u

enum accel_shm_slot_state {
	ACCEL_SHM_SLOT_FREE = 0,
	ACCEL_SHM_SLOT_CLAIMED = 1,
	ACCEL_SHM_SLOT_POSTED = 2,
	ACCEL_SHM_SLOT_SERVING = 3,
	ACCEL_SHM_SLOT_REPLIED = 4,
};

/**
 * struct accel_shm_slot - one request and its reply, in shared memory.
 * @state: enum accel_shm_slot_state; the futex word the client waits on for the reply.
 * @client_sleeping: nonzero while the owning client thread futex-waits on @state.
 * @op: the request's enum accel_wire_op.
 * @result: the reply's result (0 / positive or -errno).
 * @len: bytes in @data (the request's, then the reply's).
 * @data: the body.
 *
 * The client thread that claimed the slot owns every field but @state while CLAIMED and
 * REPLIED; the server thread that took it owns them while SERVING.
 */
struct accel_shm_slot {
	uint32_t state;
	uint32_t client_sleeping;
	uint32_t op;
	int32_t result;
	uint32_t len;
	uint32_t pad[11];
	unsigned char data[ACCEL_SHM_SLOT_DATA];
};

/**
 * struct accel_shm_ring_shared - the memfd's layout.
 * @magic: ACCEL_SHM_RING_MAGIC.
 * @nslots: ACCEL_SHM_RING_SLOTS.
 * @doorbell: bumped by each post; the futex word idle server threads wait on.
 * @server_sleepers: server threads waiting (or about to) on @doorbell.
 * @slots: the slots.
 */
struct accel_shm_ring_shared {
	uint32_t magic;
	uint32_t nslots;
	uint32_t pad0[14];
	uint32_t doorbell;
	uint32_t pad1[15];
	uint32_t server_sleepers;
	uint32_t pad2[15];
	struct accel_shm_slot slots[ACCEL_SHM_RING_SLOTS];
};

/**
 * accel_shm_alive_fn - is the peer still there? Called when a futex wait times out.
 * Return false when the peer is gone (the socket hung up).
 */
typedef bool (*accel_shm_alive_fn)(void *ctx);

/**
 * struct accel_shm_ring - one side's mapping of a ring (immutable after creation).
 * @sh: the mapping.
 * @fd: the memfd (the creator's; -1 once handed over and closed by the caller).
 * @alive: the liveness check, or NULL (never gives up).
 * @alive_ctx: its argument.
 * @wait_ms: how long one futex wait lasts before the liveness check.
 * @stopped: set (atomically) by accel_shm_ring_stop(); this side's own, never shared.
 */
struct accel_shm_ring {
	struct accel_shm_ring_shared *sh;
	int fd;
	accel_shm_alive_fn alive;
	void *alive_ctx;
	int wait_ms;
	int stopped;
};

/** accel_shm_ring_size - bytes of the memfd. */
size_t accel_shm_ring_size(void);

/**
 * accel_shm_ring_create - make a ring in a new memfd and map it (the client's side).
 * Returns 0 or -errno; @r->fd is the memfd to pass to the peer.
 */
int accel_shm_ring_create(struct accel_shm_ring *r);

/**
 * accel_shm_ring_attach - map a ring from a memfd the peer passed (the server's side).
 * Checks the size and the header. Does not take @fd; returns 0 or -errno.
 */
int accel_shm_ring_attach(struct accel_shm_ring *r, int fd);

/** accel_shm_ring_set_liveness - the check that runs when a wait times out. */
void accel_shm_ring_set_liveness(struct accel_shm_ring *r, accel_shm_alive_fn alive, void *ctx,
				 int wait_ms);

/**
 * accel_shm_ring_stop - make this side's waits in accel_shm_ring_take() return -ENODEV now
 * (the server learnt from the socket that the client is gone) and wake them.
 */
void accel_shm_ring_stop(struct accel_shm_ring *r);

/** accel_shm_ring_destroy - unmap, and close the memfd if still held. */
void accel_shm_ring_destroy(struct accel_shm_ring *r);

/**
 * accel_shm_ring_call - one request and its reply through the ring (client).
 * @op: the enum accel_wire_op; @req, @req_len: the body (at most ACCEL_SHM_SLOT_DATA).
 * @reply, @reply_cap: where the reply's body goes; *@reply_len receives its length.
 * *@result receives the reply's result.
 *
 * Returns 0 when the call went through the ring; -EAGAIN when no slot is free or @req_len
 * does not fit (the caller uses the socket); -EMSGSIZE when the reply did not fit
 * @reply_cap; -ENODEV when the liveness check says the server is gone (the slot is then
 * abandoned, never reused).
 */
int accel_shm_ring_call(struct accel_shm_ring *r, uint32_t op, const void *req, size_t req_len,
			void *reply, size_t reply_cap, size_t *reply_len, int32_t *result);

/**
 * accel_shm_ring_take - wait for a posted request and take it (server).
 * Copies the request out into @buf (ACCEL_SHM_SLOT_DATA bytes) and sets *@op and *@len.
 * Returns the slot's index (pass it to accel_shm_ring_reply()); -ETIMEDOUT after
 * @timeout_ms without a request (-1: wait until one comes or the liveness check fails);
 * -ENODEV when the liveness check says the client is gone; -EPROTO for a request whose
 * length is out of range (the slot is answered -EINVAL).
 */
int accel_shm_ring_take(struct accel_shm_ring *r, void *buf, uint32_t *op, uint32_t *len,
			int timeout_ms);

/**
 * accel_shm_ring_reply - write the reply into slot @idx and wake its client if it sleeps.
 * @len: at most ACCEL_SHM_SLOT_DATA (-EMSGSIZE otherwise; the slot is answered -EOVERFLOW).
 */
int accel_shm_ring_reply(struct accel_shm_ring *r, int idx, int32_t result, const void *body,
			 size_t len);

#endif
