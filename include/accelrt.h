/* SPDX-License-Identifier: MIT */
/**
 * DOC: accelrt - the runtime that compiled programs run on
 *
 * A small C library on top of libaccel for the vnpu accelerator: a device (one open file of
 * a vnpu node: its own GPU address space and contexts), buffers bound into that address space
 * at VAs the runtime chooses, programs (a sequence of stages: position-independent vnpu
 * command streams whose buffer addresses are relocations against numbered slots, and host
 * stages, callbacks run on the slots' mappings) and runs (a program with a set of buffers in
 * its slots: one SUBMIT per device stage). docs/runtime.md describes the model.
 *
 * Every function returns 0 or a negative errno. Objects of one device may be used from
 * several threads; one object is not used concurrently with its own free.
 */
#ifndef ACCELRT_H
#define ACCELRT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct accelrt_device;
struct accelrt_buffer;
struct accelrt_program;
struct accelrt_run;

/**
 * accelrt_device_open() - open a vnpu and set up the client state the runtime needs.
 * @node: the node's path ("/dev/accel/accel0"), or NULL for the first vnpu that
 *	accel_devices_list() finds.
 * @out: the device.
 *
 * Return: 0; -ENODEV when no vnpu is found or @node is not a vnpu; the open's or an
 * ioctl's errno otherwise.
 */
int accelrt_device_open(const char *node, struct accelrt_device **out);
/**
 * accelrt_device_close() - close the device. Every buffer, program and run of it must have
 * been freed first. NULL is a no-op.
 */
void accelrt_device_close(struct accelrt_device *dev);
/** accelrt_device_fd() - the device's libaccel descriptor (for ioctls the runtime lacks). */
int accelrt_device_fd(const struct accelrt_device *dev);
/** accelrt_device_vram_size() - bytes of VRAM of the device (VNPU_PARAM_VRAM_SIZE). */
uint64_t accelrt_device_vram_size(const struct accelrt_device *dev);

/* Buffer placement: VRAM the CPU cannot map (the default), or host-visible system memory. */
#define ACCELRT_BUFFER_HOST	(1u << 0)
#define ACCELRT_BUFFER_FLAGS_ALL ACCELRT_BUFFER_HOST

/**
 * accelrt_buffer_alloc() - a buffer object of at least @size bytes, mapped for the CPU when
 * host-visible, bound at a device VA the runtime's allocator chooses (an unmapped guard page
 * follows it, so that an overrun faults).
 * @dev: the device.  @size: bytes, >= 1.  @flags: ACCELRT_BUFFER_*.  @out: the buffer.
 *
 * Return: 0; -EINVAL for a zero size or unknown flags; -ENOMEM when memory or VA is short.
 */
int accelrt_buffer_alloc(struct accelrt_device *dev, uint64_t size, uint32_t flags,
			 struct accelrt_buffer **out);
/** accelrt_buffer_free() - unbind, unmap and release the buffer. NULL is a no-op. */
void accelrt_buffer_free(struct accelrt_buffer *buf);
/** accelrt_buffer_va() - the device VA the buffer is bound at. */
uint64_t accelrt_buffer_va(const struct accelrt_buffer *buf);
/** accelrt_buffer_size() - the buffer's size in bytes (the object's, page-rounded). */
uint64_t accelrt_buffer_size(const struct accelrt_buffer *buf);
/**
 * accelrt_buffer_map() - the CPU address of a host-visible buffer, in *@ptr.
 * Return: 0; -EACCES for a VRAM buffer.
 */
int accelrt_buffer_map(struct accelrt_buffer *buf, void **ptr);

/**
 * struct accelrt_reloc - "the 64-bit field at @offset of the stream is the VA of slot @slot
 * plus @addend".
 * @offset: byte offset in the stream, a multiple of 8, the field wholly inside the stream.
 * @slot: the slot index given to accelrt_run(), < ACCELRT_MAX_SLOTS.
 * @addend: added to the slot's buffer VA.
 */
struct accelrt_reloc {
	uint64_t offset;
	uint32_t slot;
	uint32_t pad;
	uint64_t addend;
};

#define ACCELRT_MAX_SLOTS	4096

/**
 * typedef accelrt_host_fn - a host stage of a program
 * @ctx: the pointer given to accelrt_program_add_host()
 * @maps: the CPU address of each slot of the run (NULL for a VRAM buffer or an empty slot)
 * @nslots: entries of @maps
 *
 * Called on a run's worker thread once every earlier stage of the run is over; the next
 * stage starts when it returns. Runs of one program may be in flight together, so it may be
 * called concurrently with different @maps: it must keep no per-run state in @ctx.
 *
 * Return: 0, or a negative errno that ends the run (accelrt_run_wait() returns it).
 */
typedef int (*accelrt_host_fn)(void *ctx, void *const *maps, unsigned int nslots);

/**
 * accelrt_program_new() - an empty program, to which accelrt_program_add_stream() and
 * accelrt_program_add_host() append stages, run in the order added.
 * Return: 0 or -ENOMEM.
 */
int accelrt_program_new(struct accelrt_device *dev, struct accelrt_program **out);
/**
 * accelrt_program_add_stream() - append a device stage: a copy of the vnpu command stream
 * @stream (@len bytes, a multiple of 8, 8 to VNPU_MAX_CMD_SIZE) and of its relocations, whose
 * offsets are relative to @stream.
 * Return: 0; -EINVAL as accelrt_program_create(); -ENOMEM.
 */
int accelrt_program_add_stream(struct accelrt_program *prog, const void *stream, size_t len,
			       const struct accelrt_reloc *relocs, unsigned int nrelocs);
/*
 * Device stage flags (accelrt_program_add_stream_flags()).
 * ACCELRT_STAGE_DMA: the stage runs on the DMA engines (command-processor and DMA packets
 * only). A DMA stage of a chain that comes after a compute stage of that chain runs on the
 * device's second DMA context, so that it (waiting on a semaphore for that compute stage)
 * never holds up the input copies of the next run queued behind it.
 * ACCELRT_STAGE_NO_WAIT: a run's worker submits the next device stage without waiting for
 * this one: the next stage's stream must itself wait for what it needs (SEM_WAIT on a
 * semaphore this stage's FENCE_WRITE releases). Consecutive device stages linked this way are
 * a chain; the worker waits for every job of a chain after submitting its last stage (the
 * first without the flag), before a host stage and at the end of the run.
 */
#define ACCELRT_STAGE_DMA	(1u << 0)
#define ACCELRT_STAGE_NO_WAIT	(1u << 1)
#define ACCELRT_STAGE_FLAGS_ALL	(ACCELRT_STAGE_DMA | ACCELRT_STAGE_NO_WAIT)

/**
 * accelrt_program_add_stream_flags() - accelrt_program_add_stream() with ACCELRT_STAGE_*
 * @flags: where the stage runs and whether the next stage waits for it.
 * Return: 0; -EINVAL as accelrt_program_add_stream() or for unknown flags; -ENOMEM.
 */
int accelrt_program_add_stream_flags(struct accelrt_program *prog, const void *stream,
				     size_t len, const struct accelrt_reloc *relocs,
				     unsigned int nrelocs, uint32_t flags);
/**
 * accelrt_program_set_semaphores() - name the slot holding the semaphores the program's
 * chained stages synchronise through (FENCE_WRITE / SEM_WAIT on u64 words of it).
 * @prog: the program.  @slot: the slot, < ACCELRT_MAX_SLOTS; a run must give it a
 * host-visible buffer of at least @size bytes, of its own (runs in flight each need theirs).
 * @size: bytes of semaphores at the start of the slot, a multiple of 8, >= 8.
 *
 * The runtime zeroes those @size bytes when accelrt_run() starts the run, before any of its
 * jobs is submitted; the streams only ever raise them. When a job of a chain fails (or a stage
 * of it cannot be submitted), the runtime sets every one of them to UINT64_MAX before waiting
 * for the chain's other jobs, so that no SEM_WAIT of the run waits for a job that will never
 * signal: those jobs run to their end on whatever the failed job left, and the run returns the
 * first failure.
 *
 * Return: 0; -EINVAL for a bad @slot or @size.
 */
int accelrt_program_set_semaphores(struct accelrt_program *prog, unsigned int slot,
				   uint64_t size);
/**
 * accelrt_program_add_host() - append a host stage: @fn(@ctx, ...) on the run's slots, of
 * which it uses the first @nslots (they must be host-visible buffers). @ctx must outlive
 * the program and every run of it.
 * Return: 0; -EINVAL for a NULL @fn or @nslots over ACCELRT_MAX_SLOTS; -ENOMEM.
 */
int accelrt_program_add_host(struct accelrt_program *prog, accelrt_host_fn fn, void *ctx,
			     unsigned int nslots);
/** accelrt_program_stages() - the number of stages of @prog. */
unsigned int accelrt_program_stages(const struct accelrt_program *prog);

/**
 * accelrt_program_create() - a program of one device stage: a copy of the vnpu command stream
 * @stream and of its relocations.
 * @dev: the device.  @stream: the packets.  @len: bytes, a multiple of 8, 8 to
 * VNPU_MAX_CMD_SIZE.  @relocs, @nrelocs: the relocations.  @out: the program.
 *
 * Return: 0; -EINVAL for a bad length, a relocation outside the stream or misaligned, a
 * slot >= ACCELRT_MAX_SLOTS or a non-zero pad; -ENOMEM.
 */
int accelrt_program_create(struct accelrt_device *dev, const void *stream, size_t len,
			   const struct accelrt_reloc *relocs, unsigned int nrelocs,
			   struct accelrt_program **out);
/** accelrt_program_free() - free the program (runs of it may still be in flight). */
void accelrt_program_free(struct accelrt_program *prog);
/** accelrt_program_slots() - the number of slots a run must fill: highest slot used + 1. */
unsigned int accelrt_program_slots(const struct accelrt_program *prog);

/* Run on a DMA engine (command-processor and DMA packets only) instead of a compute engine. */
#define ACCELRT_RUN_DMA		(1u << 0)
/*
 * Submit through the device's user queue (docs/vnpu-uq.md: a few stores to shared memory, no
 * system call) instead of the kernel queue (SUBMIT). The queue runs on the compute engines,
 * so not with ACCELRT_RUN_DMA. The queue is made on the first such run; a queue that stopped
 * on a failed job is replaced at the next run (the runs still on it fail with its error).
 */
#define ACCELRT_RUN_USER_QUEUE	(1u << 1)
#define ACCELRT_RUN_FLAGS_ALL	(ACCELRT_RUN_DMA | ACCELRT_RUN_USER_QUEUE)

/**
 * accelrt_run() - run @prog with @slots. Each device stage is a private copy of its stream,
 * every relocation patched with its slot's VA, placed in a buffer object and submitted as
 * one job. A program of a single device stage is submitted here; any other (host stages,
 * several device stages) runs on a worker thread of the run's own, which submits each device
 * stage and waits for it (a chain's stages, ACCELRT_STAGE_NO_WAIT, are submitted one after
 * the other and waited for together), and calls each host stage, in order, stopping at the
 * first error. With ACCELRT_RUN_USER_QUEUE every device stage goes to the user queue in order
 * and is waited for (the stage flags do not apply: the queue runs its entries in order).
 * @prog: the program.  @slots, @nslots: the buffers; at least accelrt_program_slots(@prog),
 * every slot a relocation uses non-NULL, those of host stages host-visible. Runs in flight
 * together must not share the buffers of the slots they write.  @flags: ACCELRT_RUN_*.
 * @out: the run.
 *
 * A run's command buffer and syncobjs come from a pool of the program's, made once and
 * reused by the runs that follow (the program frees them once it and its runs are freed).
 *
 * Return: 0 once the job is queued (the worker started); -EINVAL for missing slots, a
 * semaphore slot (accelrt_program_set_semaphores()) not host-visible or too small, unknown
 * flags, ACCELRT_RUN_DMA with ACCELRT_RUN_USER_QUEUE or a program without stages; SUBMIT's errno (-EBUSY when the device queue is full;
 * a worker retries instead); -ENOMEM.
 */
int accelrt_run(struct accelrt_program *prog, struct accelrt_buffer *const *slots,
		unsigned int nslots, uint32_t flags, struct accelrt_run **out);
/**
 * accelrt_run_wait() - wait up to @timeout_ns (relative; INT64_MAX: forever) for the run:
 * every stage of it.
 * Return: 0 when the run completed; -ETIME on timeout; a host stage's error; the job's error
 * as the device reports it (-EFAULT for an access outside the mappings, -EINVAL for a
 * malformed packet, -EIO, -ETIME for a job timeout, -ECANCELED when it never ran); for a
 * user-queue run, the error that stopped the queue at or before the run's entry.
 */
int accelrt_run_wait(struct accelrt_run *run, int64_t timeout_ns);
/**
 * accelrt_run_sync_file() - a sync_file descriptor of the run's fence (readable once the job
 * is over), the caller's to close with accel_sys_close(). A run on a worker (see
 * accelrt_run()) has a fence only once every stage is over: for such a run this call waits
 * for that, and the descriptor is readable at once. A user-queue run's fence is the queue's
 * (DRM_IOCTL_VNPU_QUEUE_SIGNAL): it signals when the queue completes the run's entry, with
 * the queue's error when it stops first.
 * Return: the descriptor, or a negative errno.
 */
int accelrt_run_sync_file(struct accelrt_run *run);
/**
 * accelrt_run_free() - wait for the run to finish (its stream and profile record are in use
 * until then), then free it. NULL is a no-op.
 */
void accelrt_run_free(struct accelrt_run *run);
/**
 * accelrt_run_sync() - accelrt_run(), accelrt_run_wait() forever and accelrt_run_free().
 * Return: accelrt_run()'s error, or the job's.
 */
int accelrt_run_sync(struct accelrt_program *prog, struct accelrt_buffer *const *slots,
		     unsigned int nslots, uint32_t flags);

#ifdef __cplusplus
}
#endif

#endif
