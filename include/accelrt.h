/* SPDX-License-Identifier: MIT */
/**
 * DOC: accelrt - the runtime that compiled programs run on
 *
 * A small C library on top of libaccel for the vnpu accelerator: a device (one open file of
 * a vnpu node: its own GPU address space and contexts), buffers bound into that address space
 * at VAs the runtime chooses, programs (position-independent vnpu command streams whose
 * buffer addresses are relocations against numbered slots) and runs (one SUBMIT of a program
 * with a set of buffers in its slots). docs/runtime.md describes the model.
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
 * accelrt_program_create() - a program: a copy of the vnpu command stream @stream and of its
 * relocations.
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
#define ACCELRT_RUN_FLAGS_ALL	ACCELRT_RUN_DMA

/**
 * accelrt_run() - submit @prog with @slots: a private copy of the stream, every relocation
 * patched with its slot's VA, placed in a buffer object and submitted as one job.
 * @prog: the program.  @slots, @nslots: the buffers; at least accelrt_program_slots(@prog),
 * every slot a relocation uses non-NULL.  @flags: ACCELRT_RUN_*.  @out: the run.
 *
 * Return: 0 once the job is queued; -EINVAL for missing slots or unknown flags; SUBMIT's
 * errno (-EBUSY when the device queue is full).
 */
int accelrt_run(struct accelrt_program *prog, struct accelrt_buffer *const *slots,
		unsigned int nslots, uint32_t flags, struct accelrt_run **out);
/**
 * accelrt_run_wait() - wait up to @timeout_ns (relative; INT64_MAX: forever) for the run.
 * Return: 0 when the job completed; -ETIME on timeout; the job's error as the device reports
 * it (-EFAULT for an access outside the mappings, -EINVAL for a malformed packet, -EIO,
 * -ETIME for a job timeout, -ECANCELED when it never ran).
 */
int accelrt_run_wait(struct accelrt_run *run, int64_t timeout_ns);
/**
 * accelrt_run_sync_file() - a sync_file descriptor of the run's fence (readable once the job
 * is over), the caller's to close with accel_sys_close().
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
